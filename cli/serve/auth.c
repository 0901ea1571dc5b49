/*
 * dsmap serve: who may call what, and the access log.
 *
 * A request carries its token as "Authorization: Bearer TOKEN".  Routes
 * need a role (route.h): dsar may locate only, auditor may read
 * everything but locate, admin may do everything.  No token, or one the
 * table does not hold: 401 with WWW-Authenticate; a token of the wrong
 * role: 403.
 *
 * INTERIM, until the library's token store (dsmap/token.h) lands: the
 * table is read from DSMAP_SERVE_TOKENS, "NAME:ROLE:TOKEN" entries
 * separated by commas, at start and on SIGHUP, and nothing is logged.
 * Only serve_auth_*() and serve_access_record() change when it lands.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "server.h"

enum role { ROLE_NONE = 0, ROLE_DSAR, ROLE_AUDITOR, ROLE_ADMIN };

struct interim_token {
	char name[64];
	enum role role;
	char token[128];
};

struct interim_table {
	size_t n;
	struct interim_token t[32];
};

static struct interim_table *interim_load(void)
{
	const char *env = getenv("DSMAP_SERVE_TOKENS");
	struct interim_table *t = calloc(1, sizeof(*t));
	char *copy, *save = NULL, *e;

	if (t == NULL || env == NULL)
		return t;
	if ((copy = strdup(env)) == NULL) {
		free(t);
		return NULL;
	}
	for (e = strtok_r(copy, ",", &save); e != NULL && t->n < 32; e = strtok_r(NULL, ",", &save)) {
		char *role = strchr(e, ':'), *tok = role ? strchr(role + 1, ':') : NULL;
		struct interim_token *x = &t->t[t->n];

		if (tok == NULL)
			continue;
		*role++ = '\0';
		*tok++ = '\0';
		snprintf(x->name, sizeof(x->name), "%s", e);
		snprintf(x->token, sizeof(x->token), "%s", tok);
		x->role = strcmp(role, "dsar") == 0 ? ROLE_DSAR : strcmp(role, "auditor") == 0 ?
		          ROLE_AUDITOR : strcmp(role, "admin") == 0 ? ROLE_ADMIN : ROLE_NONE;
		t->n++;
	}
	free(copy);
	return t;
}

/* Compare without stopping at the first difference. */
static int same(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b), i;
	unsigned char d = alen != blen;

	for (i = 0; i < alen && i < blen; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

static int interim_check(const struct interim_table *t, const char *tok, size_t len,
                         enum role *role, const char **name)
{
	size_t i;
	int found = 0;

	for (i = 0; t != NULL && i < t->n; i++)
		if (same(tok, len, t->t[i].token) && !found) {
			*role = t->t[i].role;
			*name = t->t[i].name;
			found = 1;
		}
	return found ? 0 : -1;
}

int serve_auth_open(struct server *s)
{
	if ((s->tokens = interim_load()) == NULL) {
		fprintf(stderr, "dsmap: serve: out of memory\n");
		return -1;
	}
	return 0;
}

void serve_auth_reload(struct server *s)
{
	struct interim_table *t = interim_load(), *old;

	if (t == NULL) {
		fprintf(stderr, "dsmap: serve: SIGHUP: cannot reload the tokens (out of memory); "
		        "the old ones stay\n");
		return;
	}
	pthread_rwlock_wrlock(&s->tokens_lock);
	old = s->tokens;
	s->tokens = t;
	pthread_rwlock_unlock(&s->tokens_lock);
	free(old);
}

void serve_auth_close(struct server *s)
{
	free(s->tokens);
	s->tokens = NULL;
}

void serve_access_record(struct serve_request *r, int sent, uint64_t us)
{
	(void)r;
	(void)sent;
	(void)us;
}

static int allowed(enum role role, enum route_access needed)
{
	switch (needed) {
	case ACCESS_PUBLIC: return 1;
	case ACCESS_DSAR: return role == ROLE_DSAR || role == ROLE_ADMIN;
	case ACCESS_AUDITOR: return role == ROLE_AUDITOR || role == ROLE_ADMIN;
	case ACCESS_ADMIN: return role == ROLE_ADMIN;
	}
	return 0;
}

int serve_authorise(struct serve_request *r, enum route_access needed)
{
	const char *h, *tok, *name = NULL;
	enum role role = ROLE_NONE;
	size_t len;
	int rc;

	if (needed == ACCESS_PUBLIC)
		return 0;
	h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
		r->www_authenticate = 1;
		serve_problem(r, 401, "this route needs a token: Authorization: Bearer TOKEN", NULL);
		return 401;
	}
	for (tok = h + 7; *tok == ' '; tok++)
		;
	len = strlen(tok);
	while (len > 0 && tok[len - 1] == ' ')
		len--;
	pthread_rwlock_rdlock(&r->srv->tokens_lock);
	rc = interim_check(r->srv->tokens, tok, len, &role, &name);
	if (rc == 0)
		snprintf(r->token_buf, sizeof(r->token_buf), "%s", name);
	pthread_rwlock_unlock(&r->srv->tokens_lock);
	if (rc != 0) {
		r->www_authenticate = 1;
		serve_problem(r, 401, "the token is unknown or revoked", NULL);
		return 401;
	}
	r->token_name = r->token_buf;
	if (!allowed(role, needed)) {
		serve_problem(r, 403, needed == ACCESS_DSAR ? "this route needs the dsar role" :
		              needed == ACCESS_AUDITOR ? "this route needs the auditor role" :
		              "this route needs the admin role", NULL);
		return 403;
	}
	return 0;
}
