/*
 * Internal: identifier normalisation for the scan's hot path, and keyed
 * identifier hashes.  See include/dsmap/ident.h for the rules.
 */
#ifndef DSMAP_CORE_IDENT_H
#define DSMAP_CORE_IDENT_H

#include "dsmap/ident.h"

/*
 * Normalise `value` (`len` bytes, not NUL-terminated) as an identifier of
 * `kind` into `out`, which has room for DSMAP_IDENT_MAX + 1 bytes.
 *
 * No allocation, no error state.  Returns NULL on success, with `out`
 * NUL-terminated and *outlen its length; otherwise a static reason such as
 * "invalid e-mail address: no '@'" (never containing the value), with
 * `out` set to "" and *outlen to 0.  An unknown kind is a reason too.
 */
const char *dsmap_ident__normalise(char *out, size_t *outlen, int kind,
                                   const char *value, size_t len);

/*
 * The keyed BLAKE2b hash (libsodium crypto_generichash) of one byte
 * holding `kind` followed by the normalised value `norm` (`len` bytes),
 * DSMAP_IDENT_HASH_SIZE bytes long, keyed with the workspace's 32-byte
 * secret key.
 */
void dsmap_ident__hash(unsigned char out[DSMAP_IDENT_HASH_SIZE], const unsigned char key[32],
                       int kind, const char *norm, size_t len);

#endif
