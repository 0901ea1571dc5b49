/*
 * dsmap serve: who may call what, and the access log.
 *
 * A request carries its token as "Authorization: Bearer TOKEN", checked
 * against the workspace's token table (<dsmap/token.h>), loaded at start
 * and again on SIGHUP: the new table is swapped in under a write lock, so
 * a request checks against one table, old or new, never a half-made one.
 * Routes need a role (route.h): dsar may locate only, auditor may read
 * everything but locate, admin may do everything.  No token, or one the
 * table does not hold: 401 with WWW-Authenticate; the wrong role: 403.
 *
 * Every locate, every scan started and every refusal (4xx, 5xx) is
 * written to the access log
 * (<dsmap/accesslog.h>): the token's name, the method, the route's
 * template (never the path a client sent, which could hold anything),
 * the status, for a locate the number and kinds of identifiers and the
 * systems found, the answer's size and the time taken.  Never an
 * identifier value.  A locate is logged before its answer leaves: its
 * connection is suspended until the log's sync covering its entry returns
 * (so that one sync serves every connection waiting, on however few
 * threads), and when the log cannot be written, the answer is withheld
 * (500).  The other entries are written when their answer has left, and
 * synced without anyone waiting.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "server.h"

int serve_auth_open(struct server *s)
{
	dsmap_tokens *t = NULL;
	dsmap_access_log *log = NULL;

	if (dsmap_tokens_load(&t, s->ws) < 0) {
		fprintf(stderr, "dsmap: serve: tokens: %s\n", dsmap_error_last()->message);
		return -1;
	}
	if (dsmap_access_log_open(&log, s->ws) < 0) {
		fprintf(stderr, "dsmap: serve: access log: %s\n", dsmap_error_last()->message);
		dsmap_tokens_free(t);
		return -1;
	}
	if (dsmap_tokens_count(t) == 0)
		fprintf(stderr, "dsmap: serve: no tokens yet: every route but /healthz and "
		        "/v1/openapi.json answers 401 (dsmap token add --role dsar|auditor|admin "
		        "--name NAME, then SIGHUP)\n");
	s->tokens = t;
	s->log = log;
	return 0;
}

void serve_auth_reload(struct server *s)
{
	dsmap_tokens *t = NULL, *old;

	if (dsmap_tokens_load(&t, s->ws) < 0) {
		fprintf(stderr, "dsmap: serve: SIGHUP: the tokens stay as they were: %s\n",
		        dsmap_error_last()->message);
		return;
	}
	pthread_rwlock_wrlock(&s->tokens_lock);
	old = s->tokens;
	s->tokens = t;
	pthread_rwlock_unlock(&s->tokens_lock);
	dsmap_tokens_free(old);
	ui_tokens_reloaded(s);
	fprintf(stderr, "dsmap: serve: SIGHUP: %zu live tokens\n", dsmap_tokens_count(t));
}

void serve_auth_close(struct server *s)
{
	dsmap_tokens_free(s->tokens);
	s->tokens = NULL;
	dsmap_access_log_close(s->log);
	s->log = NULL;
}

static void entry_of(dsmap_access_entry *e, const struct serve_request *r, uint64_t us)
{
	memset(e, 0, sizeof(*e));
	e->token_name = r->token_name;
	e->method = r->method;
	e->route = r->m.name;
	e->status = r->status;
	e->identifiers = r->identifiers;
	e->kinds = r->kinds[0] ? r->kinds : NULL;
	e->systems = r->systems;
	e->bytes = r->answer != NULL ? r->answer_len : r->bytes;
	e->duration_us = us;
}

int serve_access_record(struct serve_request *r, uint64_t us)
{
	dsmap_access_entry e;

	if (r->logged || r->m.route == ROUTE_HEALTHZ)
		return 0;
	/* Each entry costs a sync: the lookups of personal data (locate, and
	 * every refusal, which may be an attack) pay it; the other answers of
	 * an authorised token, which read no personal data, are counted in
	 * /metrics only.  The answer has left already: no one waits for the
	 * sync, which the log's thread does. */
	if (r->m.route != ROUTE_LOCATE && r->m.route != ROUTE_SCAN && r->status < 400)
		return 0;
	r->logged = 1;
	entry_of(&e, r, us);
	if (dsmap_access_log_submit(r->srv->log, &e, NULL, NULL) < 0) {
		fprintf(stderr, "dsmap: serve: access log: %s\n", dsmap_error_last()->message);
		return -1;
	}
	return 0;
}

/* The log's thread: the sync that covers a locate's entry has returned. */
static void locate_logged(void *payload, int rc)
{
	struct serve_request *r = payload;

	if (rc < 0)
		fprintf(stderr, "dsmap: serve: access log: %s\n", dsmap_error_last()->message);
	r->log_rc = rc;
	atomic_store(&r->log_state, LOG_DONE);
	MHD_resume_connection(r->conn);
}

void serve_access_record_locate(struct serve_request *r, uint64_t us)
{
	dsmap_access_entry e;
	int rc;

	r->logged = 1;
	entry_of(&e, r, us);
	pthread_rwlock_rdlock(&r->srv->suspend_lock);
	if (r->srv->stopping) {
		pthread_rwlock_unlock(&r->srv->suspend_lock);
		if ((rc = dsmap_access_log_append(r->srv->log, &e)) < 0)
			fprintf(stderr, "dsmap: serve: access log: %s\n", dsmap_error_last()->message);
		r->log_rc = rc;
		atomic_store(&r->log_state, LOG_DONE);
		return;
	}
	/* Suspended first: the callback may resume it before submit returns. */
	atomic_store(&r->log_state, LOG_PENDING);
	MHD_suspend_connection(r->conn);
	if ((rc = dsmap_access_log_submit(r->srv->log, &e, locate_logged, r)) < 0) {
		fprintf(stderr, "dsmap: serve: access log: %s\n", dsmap_error_last()->message);
		r->log_rc = rc;
		atomic_store(&r->log_state, LOG_DONE);
		MHD_resume_connection(r->conn);
	}
	pthread_rwlock_unlock(&r->srv->suspend_lock);
}

static int allowed(dsmap_role role, enum route_access needed)
{
	switch (needed) {
	case ACCESS_PUBLIC: return 1;
	case ACCESS_DSAR: return role == DSMAP_ROLE_DSAR || role == DSMAP_ROLE_ADMIN;
	case ACCESS_AUDITOR: return role == DSMAP_ROLE_AUDITOR || role == DSMAP_ROLE_ADMIN;
	case ACCESS_ADMIN: return role == DSMAP_ROLE_ADMIN;
	}
	return 0;
}

int serve_authorise(struct serve_request *r, enum route_access needed)
{
	const char *h, *tok, *name = NULL;
	dsmap_role role = DSMAP_ROLE_NONE;
	size_t len;
	int rc, srole = 0;

	if (needed == ACCESS_PUBLIC)
		return 0;
	h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	/* No token: the web UI's session cookie, held to the same roles. */
	if (h == NULL && (rc = ui_session_role(r, &srole)) != -1) {
		if (rc > 0)
			return rc;
		role = (dsmap_role)srole;
		goto check_role;
	}
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
	rc = dsmap_tokens_check(r->srv->tokens, tok, len, &role, &name);
	if (rc == 0)   /* the name is the table's, which SIGHUP may free */
		snprintf(r->token_buf, sizeof(r->token_buf), "%s", name);
	pthread_rwlock_unlock(&r->srv->tokens_lock);
	if (rc != 0) {
		r->www_authenticate = 1;
		serve_problem(r, 401, "the token is unknown or revoked", NULL);
		return 401;
	}
check_role:
	r->token_name = r->token_buf;
	if (!allowed(role, needed)) {
		serve_problem(r, 403, needed == ACCESS_DSAR ? "this route needs the dsar role" :
		              needed == ACCESS_AUDITOR ? "this route needs the auditor role" :
		              "this route needs the admin role", NULL);
		return 403;
	}
	return 0;
}
