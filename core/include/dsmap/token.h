/*
 * dsmap: data-subject inventory and lineage mapper.
 *
 * token.h: the bearer tokens that let programs and people call
 * `dsmap serve`, each with a name and a role.
 *
 * A token is "dsmap_" followed by 43 characters of base64url: 32 random
 * bytes, printed once when it is made and never again.  The workspace keeps
 * only its BLAKE2b-256 hash, in .dsmap/tokens (mode 0600, a JSON document
 * rewritten atomically), beside the token's name, role, and the times it
 * was made and revoked.  A token is high-entropy, so one fast hash suffices:
 * there is nothing for a slow password hash to stretch, and every request
 * pays for the check.
 *
 * Roles:
 *
 *   - dsar:    locate a person's data (a DSAR tool) and nothing else;
 *   - auditor: read everything (lineage, history, systems, status...)
 *              except locate;
 *   - admin:   everything, including starting a scan.
 *
 * Revoking keeps the entry, marked with the time, so that `dsmap token
 * list` and the access log still say whose a name was; a name can be given
 * to a new token once the old one is revoked.
 */
#ifndef DSMAP_TOKEN_H
#define DSMAP_TOKEN_H

#include "common.h"
#include "workspace.h"

DSMAP_BEGIN_DECL

/** What a token may do; see the roles above. */
typedef enum {
	DSMAP_ROLE_NONE = 0,    /**< no role: not a valid token's */
	DSMAP_ROLE_DSAR = 1,
	DSMAP_ROLE_AUDITOR = 2,
	DSMAP_ROLE_ADMIN = 3
} dsmap_role;

/** "dsar", "auditor" or "admin"; NULL for anything else. */
DSMAP_EXTERN(const char *) dsmap_role_name(dsmap_role role);

/** The role named `name` ("dsar", "auditor", "admin"), or DSMAP_ROLE_NONE. */
DSMAP_EXTERN(dsmap_role) dsmap_role_from_name(const char *name);

/** Room for a token and its NUL. */
#define DSMAP_TOKEN_SIZE 50

/** The longest token name: 1 to 64 of A-Z a-z 0-9 . _ - */
#define DSMAP_TOKEN_NAME_MAX 64

/**
 * Make a token named `name` with `role`, and keep its hash.
 *
 * @param token set to the token, NUL-terminated: show it to the user once;
 *        it cannot be had again
 * @param ws the workspace
 * @param name the token's name: who or what uses it ("dsar-portal")
 * @param role its role
 * @return 0; DSMAP_EINVALID for a bad name or role; DSMAP_EEXISTS when a
 *         token that is not revoked has this name; DSMAP_ECORRUPT when
 *         .dsmap/tokens cannot be read; DSMAP_EPERM when others may read
 *         or write it; DSMAP_EIO, DSMAP_ENOSPC
 */
DSMAP_EXTERN(int) dsmap_token_add(char token[DSMAP_TOKEN_SIZE], dsmap_workspace *ws,
                                  const char *name, dsmap_role role);

/**
 * Revoke the live token named `name`: it stops working for a server that
 * loads the tokens again (`dsmap serve` does on SIGHUP).
 *
 * @return 0; DSMAP_ENOTFOUND when no live token has this name; as
 *         dsmap_token_add() otherwise
 */
DSMAP_EXTERN(int) dsmap_token_revoke(dsmap_workspace *ws, const char *name);

/** A token as `dsmap token list` shows it: never the token itself. */
typedef struct {
	const char *name;
	dsmap_role role;
	int64_t created;   /**< seconds since the epoch */
	int64_t revoked;   /**< seconds since the epoch; 0 while it is live */
} dsmap_token_info;

/** Called by dsmap_token_list() for each token, oldest first; a non-zero
 *  return stops the walk and is returned. */
typedef int (*dsmap_token_fn)(void *payload, const dsmap_token_info *token);

/**
 * Walk the workspace's tokens, live and revoked, oldest first.
 *
 * @return 0 (also when there are none), the callback's non-zero value, or
 *         an error as for dsmap_token_add()
 */
DSMAP_EXTERN(int) dsmap_token_list(dsmap_workspace *ws, dsmap_token_fn fn, void *payload);

/** The live tokens of a workspace, loaded once, to check requests against.
 *  Read-only once loaded: any number of threads may check at once. */
typedef struct dsmap_tokens dsmap_tokens;

/**
 * Load the live tokens of `ws`.  A workspace with no tokens file gives an
 * empty table, which refuses every token.
 *
 * @return 0, or an error as for dsmap_token_add()
 */
DSMAP_EXTERN(int) dsmap_tokens_load(dsmap_tokens **out, dsmap_workspace *ws);

/**
 * Check a token a client presented.  It is hashed once and compared with
 * every live token's hash in constant time, so that the time taken says
 * nothing about which, or how much of one, matched.
 *
 * @param t the table
 * @param token what the client sent (need not be NUL-terminated)
 * @param len its length in bytes
 * @param role set to the token's role on success
 * @param name set to the token's name on success; owned by `t`
 * @return 0, or DSMAP_ENOTFOUND when it is no live token (no error is set:
 *         a server answers this many times a second)
 */
DSMAP_EXTERN(int) dsmap_tokens_check(const dsmap_tokens *t, const char *token, size_t len,
                                     dsmap_role *role, const char **name);

/** How many live tokens `t` holds. */
DSMAP_EXTERN(size_t) dsmap_tokens_count(const dsmap_tokens *t);

/** Free a table.  NULL is a no-op. */
DSMAP_EXTERN(void) dsmap_tokens_free(dsmap_tokens *t);

DSMAP_END_DECL

#endif
