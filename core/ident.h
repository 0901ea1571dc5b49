/*
 * Internal: identifier normalisation for the scan's hot path, and keyed
 * identifier hashes.  See include/dsmap/ident.h for the rules.
 */
#ifndef DSMAP_CORE_IDENT_H
#define DSMAP_CORE_IDENT_H

#include "dsmap/ident.h"

/*
 * The version of the normalisation rules, which decide the hashes: 1 until
 * e-mail domains went through IDNA and NRNs of births still to come were
 * refused (with store schema 2), 2 since.  Each scan records the rules it hashed a
 * system's inventory with (meta "ident-rules:ID"); an inventory of older
 * rules (a store upgraded from schema 1) is found by the spellings both
 * rules agree on only, and status says to rescan it.
 */
#define DSMAP__IDENT_RULES 2

/*
 * Normalise `value` (`len` bytes, not NUL-terminated) as an identifier of
 * `kind` into `out`, which has room for DSMAP_IDENT_MAX + 1 bytes.
 *
 * No error state, and no allocation except for an internationalised
 * e-mail domain (see dsmap_ident__oom).  Returns NULL on success, with `out`
 * NUL-terminated and *outlen its length; otherwise a static reason such as
 * "invalid e-mail address: no '@'" (never containing the value), with
 * `out` set to "" and *outlen to 0.  An unknown kind is a reason too.
 */
const char *dsmap_ident__normalise(char *out, size_t *outlen, int kind,
                                   const char *value, size_t len);

/*
 * dsmap_ident__normalise() in a given current `year`, for the national
 * register number's births from 2000 on (0: the clock's year, which is
 * what dsmap_ident__normalise() passes).  For tests that must not rot.
 */
const char *dsmap_ident__normalise_at(char *out, size_t *outlen, int kind,
                                      const char *value, size_t len, int year);

/*
 * The reason dsmap_ident__normalise() gives when memory runs out, a fault
 * of the machine and not of the value: only an internationalised e-mail
 * domain allocates (libidn2).  Compare the pointer.
 */
extern const char dsmap_ident__oom[];

/*
 * The keyed BLAKE2b hash (libsodium crypto_generichash) of one byte
 * holding `kind` followed by the normalised value `norm` (`len` bytes),
 * DSMAP_IDENT_HASH_SIZE bytes long, keyed with the workspace's 32-byte
 * secret key.
 */
void dsmap_ident__hash(unsigned char out[DSMAP_IDENT_HASH_SIZE], const unsigned char key[32],
                       int kind, const char *norm, size_t len);

#endif
