/*
 * The bearer tokens of `dsmap serve`: see include/dsmap/token.h.
 *
 * .dsmap/tokens is a JSON document,
 *
 *   {"schema": 1, "tokens": [
 *     {"name": "dsar-portal", "role": "dsar", "hash": "<64 hex digits>",
 *      "created": 1796000000, "revoked": 0}, ...]}
 *
 * oldest first.  A change takes an exclusive flock(2) on .dsmap/ itself,
 * reads the document, and replaces it whole: written to tokens.tmp,
 * fsync'ed, renamed over tokens, and the directory fsync'ed.  A reader
 * takes no lock: a rename is atomic, so it sees the old document or the
 * new one.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "dsmap/token.h"
#include "alloc.h"
#include "errors.h"
#include "jsonutil.h"
#include "util.h"
#include "workspace.h"

#define TOKENS_FILE "tokens"
#define TOKENS_TMP "tokens.tmp"
#define TOKENS_SCHEMA 1
#define TOKENS_MAX_BYTES (4u << 20)   /* some 20,000 tokens */
#define TOKEN_PREFIX "dsmap_"
#define TOKEN_RANDOM 32
#define HASH_SIZE crypto_generichash_BYTES   /* 32 */

_Static_assert(sizeof(TOKEN_PREFIX) - 1 + 43 + 1 == DSMAP_TOKEN_SIZE,
               "a token is the prefix, 43 base64url characters and a NUL");
_Static_assert(HASH_SIZE == 32, "tokens are kept as BLAKE2b-256 hashes");

static const char *const role_names[] = { NULL, "dsar", "auditor", "admin" };

const char *dsmap_role_name(dsmap_role role)
{
	return role > DSMAP_ROLE_NONE && role <= DSMAP_ROLE_ADMIN ? role_names[role] : NULL;
}

dsmap_role dsmap_role_from_name(const char *name)
{
	for (int r = DSMAP_ROLE_DSAR; name != NULL && r <= DSMAP_ROLE_ADMIN; r++)
		if (strcmp(name, role_names[r]) == 0)
			return (dsmap_role)r;
	return DSMAP_ROLE_NONE;
}

static int name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n >= 1 && n <= DSMAP_TOKEN_NAME_MAX &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                    "0123456789._-") == n;
}

/* ---- the file ----------------------------------------------------------- */

/*
 * Read and check .dsmap/tokens of `ws` into *doc; a missing file is an
 * empty document.  The file must be a regular file of ours that no one
 * else may read or write: it says who may read every person's data.
 */
static int load_doc(json_t **doc, dsmap_workspace *ws)
{
	char *path, *buf = NULL;
	size_t len = 0, i;
	json_error_t jerr;
	json_t *tokens, *t;
	struct stat sb;
	int rc = 0;

	*doc = NULL;
	if ((path = dsmap__path_join(ws->dotdir, TOKENS_FILE)) == NULL)
		return dsmap_error__oom();
	if (lstat(path, &sb) != 0) {
		if (errno != ENOENT)
			rc = dsmap_error__errno(dsmap_error__from_errno(errno), errno, "%s", path);
		else if ((*doc = json_pack("{s:i, s:[]}", "schema", TOKENS_SCHEMA, "tokens")) == NULL)
			rc = dsmap_error__oom();
		goto done;
	}
	if ((rc = dsmap__private_file(path, &sb)) < 0)
		goto done;
	if ((rc = dsmap__read_regular(&buf, &len, path, TOKENS_MAX_BYTES,
	                              DSMAP__READ_NOFOLLOW)) < 0)
		goto done;
	if ((*doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		rc = dsmap_error__set(DSMAP_ECORRUPT, "%s:%d:%d: %s", path, jerr.line,
		                      jerr.column, jerr.text);
		goto done;
	}
	tokens = json_object_get(*doc, "tokens");
	if (!json_is_object(*doc) || !json_is_array(tokens) ||
	    json_integer_value(json_object_get(*doc, "schema")) != TOKENS_SCHEMA) {
		rc = dsmap_error__set(DSMAP_ECORRUPT, "%s: not a dsmap tokens file of schema %d",
		                      path, TOKENS_SCHEMA);
		goto done;
	}
	json_array_foreach(tokens, i, t) {
		const char *hash = json_string_value(json_object_get(t, "hash"));

		if (!name_ok(json_string_value(json_object_get(t, "name"))) ||
		    dsmap_role_from_name(json_string_value(json_object_get(t, "role"))) ==
		        DSMAP_ROLE_NONE ||
		    hash == NULL || strlen(hash) != 2 * HASH_SIZE ||
		    strspn(hash, "0123456789abcdef") != 2 * HASH_SIZE ||
		    !json_is_integer(json_object_get(t, "created")) ||
		    !json_is_integer(json_object_get(t, "revoked"))) {
			rc = dsmap_error__set(DSMAP_ECORRUPT, "%s: token %zu of %zu is damaged "
			                      "(it needs a name, a role, a hash, created and revoked)",
			                      path, i + 1, json_array_size(tokens));
			goto done;
		}
	}
done:
	if (rc < 0) {
		json_decref(*doc);
		*doc = NULL;
	}
	free(buf);
	free(path);
	return rc;
}

/* Replace .dsmap/tokens with `doc`, durably.  The caller holds the lock. */
static int save_doc(dsmap_workspace *ws, const json_t *doc)
{
	char *path = NULL, *tmp = NULL, *text = NULL;
	size_t len, off;
	int fd = -1, rc = 0;

	if ((path = dsmap__path_join(ws->dotdir, TOKENS_FILE)) == NULL ||
	    (tmp = dsmap__path_join(ws->dotdir, TOKENS_TMP)) == NULL ||
	    (text = dsmap__json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER)) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	len = strlen(text);
	text[len++] = '\n';   /* over json_dumps' NUL: the file ends with a newline */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0 ||
	    fchmod(fd, 0600) != 0) {
		rc = dsmap_error__errno(DSMAP_EIO, errno, "%s", tmp);
		goto done;
	}
	for (off = 0; off < len;) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : ENOSPC;

			rc = dsmap_error__errno(dsmap_error__from_errno(err), err, "%s", tmp);
			goto done;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0) {
		rc = dsmap_error__errno(dsmap_error__from_errno(errno), errno, "%s", tmp);
		goto done;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) != 0) {
		rc = dsmap_error__errno(DSMAP_EIO, errno, "rename %s to %s", tmp, path);
		goto done;
	}
	/* the rename itself is durable once the directory is */
	if ((fd = open(ws->dotdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
		fd = -1;
	}
done:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	} else if (rc < 0 && tmp != NULL) {
		unlink(tmp);
	}
	free(text);
	free(tmp);
	free(path);
	return rc;
}

/* An exclusive lock on .dsmap/ for a change of the tokens; *fd holds it. */
static int lock_dotdir(dsmap_workspace *ws, int *fd)
{
	if ((*fd = open(ws->dotdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return dsmap_error__errno(DSMAP_EIO, errno, "%s", ws->dotdir);
	while (flock(*fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			int rc = dsmap_error__errno(DSMAP_EIO, errno, "lock %s", ws->dotdir);

			close(*fd);
			*fd = -1;
			return rc;
		}
	}
	return 0;
}

static void hash_token(unsigned char out[HASH_SIZE], const char *token, size_t len)
{
	crypto_generichash(out, HASH_SIZE, (const unsigned char *)token, len, NULL, 0);
}

/* The live token named `name` in `tokens`, or NULL. */
static json_t *live(const json_t *tokens, const char *name)
{
	size_t i;
	json_t *t;

	json_array_foreach(tokens, i, t)
		if (json_integer_value(json_object_get(t, "revoked")) == 0 &&
		    strcmp(json_string_value(json_object_get(t, "name")), name) == 0)
			return t;
	return NULL;
}

/* ---- the commands ------------------------------------------------------- */

int dsmap_token_add(char token[DSMAP_TOKEN_SIZE], dsmap_workspace *ws, const char *name,
                    dsmap_role role)
{
	unsigned char random[TOKEN_RANDOM], hash[HASH_SIZE];
	char hex[2 * HASH_SIZE + 1];
	json_t *doc = NULL, *entry;
	int fd = -1, rc;

	token[0] = '\0';
	if (!name_ok(name))
		return dsmap_error__set(DSMAP_EINVALID, "token name '%s': use 1 to %d letters, "
		                        "digits, '.', '_' or '-'", name ? name : "",
		                        DSMAP_TOKEN_NAME_MAX);
	if (dsmap_role_name(role) == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "token role %d: use dsar, auditor or admin",
		                        (int)role);
	if (sodium_init() < 0)
		return dsmap_error__set(DSMAP_ERROR, "libsodium cannot be initialised");
	if ((rc = lock_dotdir(ws, &fd)) < 0 || (rc = load_doc(&doc, ws)) < 0)
		goto done;
	if (live(json_object_get(doc, "tokens"), name) != NULL) {
		rc = dsmap_error__set(DSMAP_EEXISTS, "a token named '%s' exists: revoke it first "
		                      "(dsmap token revoke %s), or choose another name", name, name);
		goto done;
	}
	randombytes_buf(random, sizeof(random));
	memcpy(token, TOKEN_PREFIX, sizeof(TOKEN_PREFIX) - 1);
	sodium_bin2base64(token + sizeof(TOKEN_PREFIX) - 1,
	                  DSMAP_TOKEN_SIZE - (sizeof(TOKEN_PREFIX) - 1), random, sizeof(random),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(random, sizeof(random));
	hash_token(hash, token, strlen(token));
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
	if ((entry = json_pack("{s:s, s:s, s:s, s:I, s:I}", "name", name,
	                       "role", dsmap_role_name(role), "hash", hex,
	                       "created", (json_int_t)time(NULL), "revoked", (json_int_t)0)) == NULL ||
	    json_array_append_new(json_object_get(doc, "tokens"), entry) != 0) {
		rc = dsmap_error__oom();
		goto done;
	}
	rc = save_doc(ws, doc);
done:
	if (rc < 0)
		sodium_memzero(token, DSMAP_TOKEN_SIZE);
	json_decref(doc);
	if (fd >= 0)
		close(fd);
	return rc;
}

int dsmap_token_revoke(dsmap_workspace *ws, const char *name)
{
	json_t *doc = NULL, *t;
	int fd = -1, rc;

	if (!name_ok(name))
		return dsmap_error__set(DSMAP_ENOTFOUND, "no token named '%s'", name ? name : "");
	if ((rc = lock_dotdir(ws, &fd)) < 0 || (rc = load_doc(&doc, ws)) < 0)
		goto done;
	if ((t = live(json_object_get(doc, "tokens"), name)) == NULL) {
		rc = dsmap_error__set(DSMAP_ENOTFOUND, "no live token named '%s' "
		                      "(dsmap token list shows them)", name);
		goto done;
	}
	if (json_object_set_new(t, "revoked", json_integer((json_int_t)time(NULL))) != 0) {
		rc = dsmap_error__oom();
		goto done;
	}
	rc = save_doc(ws, doc);
done:
	json_decref(doc);
	if (fd >= 0)
		close(fd);
	return rc;
}

int dsmap_token_list(dsmap_workspace *ws, dsmap_token_fn fn, void *payload)
{
	json_t *doc, *t;
	size_t i;
	int rc;

	if ((rc = load_doc(&doc, ws)) < 0)
		return rc;
	json_array_foreach(json_object_get(doc, "tokens"), i, t) {
		dsmap_token_info info = {
			json_string_value(json_object_get(t, "name")),
			dsmap_role_from_name(json_string_value(json_object_get(t, "role"))),
			(int64_t)json_integer_value(json_object_get(t, "created")),
			(int64_t)json_integer_value(json_object_get(t, "revoked")),
		};

		if ((rc = fn(payload, &info)) != 0)
			break;
	}
	json_decref(doc);
	return rc;
}

/* ---- the table a server checks against ---------------------------------- */

struct dsmap_tokens {
	size_t count;
	struct live_token {
		unsigned char hash[HASH_SIZE];
		dsmap_role role;
		char name[DSMAP_TOKEN_NAME_MAX + 1];
	} *live;
};

int dsmap_tokens_load(dsmap_tokens **out, dsmap_workspace *ws)
{
	dsmap_tokens *tab;
	json_t *doc, *t, *tokens;
	size_t i;
	int rc;

	*out = NULL;
	if (sodium_init() < 0)
		return dsmap_error__set(DSMAP_ERROR, "libsodium cannot be initialised");
	if ((rc = load_doc(&doc, ws)) < 0)
		return rc;
	tokens = json_object_get(doc, "tokens");
	if ((tab = dsmap__calloc(1, sizeof(*tab))) == NULL ||
	    (tab->live = dsmap__calloc(json_array_size(tokens) + 1, sizeof(*tab->live))) == NULL) {
		free(tab);
		json_decref(doc);
		return dsmap_error__oom();
	}
	json_array_foreach(tokens, i, t) {
		struct live_token *l = &tab->live[tab->count];

		if (json_integer_value(json_object_get(t, "revoked")) != 0)
			continue;
		/* load_doc() checked the name, the role and the hash */
		sodium_hex2bin(l->hash, sizeof(l->hash), json_string_value(json_object_get(t, "hash")),
		               2 * HASH_SIZE, NULL, NULL, NULL);
		l->role = dsmap_role_from_name(json_string_value(json_object_get(t, "role")));
		snprintf(l->name, sizeof(l->name), "%s", json_string_value(json_object_get(t, "name")));
		tab->count++;
	}
	json_decref(doc);
	*out = tab;
	return 0;
}

int dsmap_tokens_check(const dsmap_tokens *t, const char *token, size_t len, dsmap_role *role,
                       const char **name)
{
	unsigned char hash[HASH_SIZE];
	size_t i, found = SIZE_MAX;

	if (t == NULL || token == NULL)
		return DSMAP_ENOTFOUND;
	hash_token(hash, token, len);
	/* every entry is compared, whichever matched */
	for (i = 0; i < t->count; i++)
		if (sodium_memcmp(hash, t->live[i].hash, HASH_SIZE) == 0)
			found = i;
	sodium_memzero(hash, sizeof(hash));
	if (found == SIZE_MAX)
		return DSMAP_ENOTFOUND;
	*role = t->live[found].role;
	*name = t->live[found].name;
	return 0;
}

size_t dsmap_tokens_count(const dsmap_tokens *t)
{
	return t ? t->count : 0;
}

void dsmap_tokens_free(dsmap_tokens *t)
{
	if (t == NULL)
		return;
	sodium_memzero(t->live, t->count * sizeof(*t->live));
	free(t->live);
	free(t);
}
