/*
 * dsmap serve: the route handlers.  Each answers from the library, with
 * the same renderer as the CLI's --format json, in a read transaction of
 * its own.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "locate_body.h"
#include "server.h"

/* A library failure as a problem: its status from the error code, its
 * detail the library's message (which never holds an identifier value). */
static void fail(struct serve_request *r, int rc)
{
	int status;

	switch (rc) {
	case DSMAP_ENOTFOUND: status = 404; break;
	case DSMAP_EINVALID:
	case DSMAP_EAMBIGUOUS: status = 400; break;
	case DSMAP_EBUSY:
	case DSMAP_ENOMEM: status = 503; break;
	default: status = 500; break;
	}
	serve_problem(r, status, dsmap_error_last()->message, NULL);
}

static int only(struct serve_request *r, const char *const *allowed, const char *what)
{
	if (serve_args_only(r, allowed))
		return 1;
	serve_problem(r, 400, what, NULL);
	return 0;
}

/* Run `call` under the git lock when `locked`. */
#define LOCKED(r, locked, call) do { \
		if (locked) pthread_mutex_lock(&(r)->srv->git_lock); \
		rc = (call); \
		if (locked) pthread_mutex_unlock(&(r)->srv->git_lock); \
	} while (0)

static void healthz(struct serve_request *r)
{
	char *s = strdup("{\"status\":\"ok\"}\n");

	if (s == NULL)
		serve_problem(r, 500, "out of memory", NULL);
	else
		serve_answer(r, s, "application/json");
}

static void openapi(struct serve_request *r)
{
	char *s = strdup(serve_openapi_json);

	if (s == NULL)
		serve_problem(r, 500, "out of memory", NULL);
	else
		serve_answer(r, s, "application/json");
}

static void status(struct serve_request *r)
{
	dsmap_status *st = NULL;
	char *out = NULL;
	int rc;

	if (!only(r, NULL, "GET /v1/status takes no query arguments"))
		return;
	LOCKED(r, 1, dsmap_workspace_status(&st, r->ws));
	if (rc == 0)
		rc = dsmap_status_render(&out, st, DSMAP_FORMAT_JSON);
	dsmap_status_free(st);
	if (rc < 0)
		fail(r, rc);
	else
		serve_answer(r, out, "application/json");
}

/* A question `at` a past revision or date reads the mapping repository,
 * which a read replica does not have: 409, and 1. */
static int replica_past(struct serve_request *r)
{
	if (r->view == NULL)
		return 0;
	serve_problem(r, 409, "this server is a read replica (dsmap serve --replica): it "
	              "answers at its snapshot's revision only, with no mapping history; ask "
	              "the coordinator", NULL);
	return 1;
}

static void lineage(struct serve_request *r)
{
	static const char *const args[] = { "at", NULL };
	const char *at = serve_arg(r, "at");
	char *out = NULL;
	uint64_t txnid = 0;
	int rc, cached = 0;

	if (!only(r, args, "a lineage question takes one query argument: at=REV|DATE"))
		return;
	if (at != NULL && at[0] == '\0') {
		serve_problem(r, 400, "at= is a revision or a date (YYYY-MM-DD[THH:MM[:SS]])", NULL);
		return;
	}
	if (at != NULL && replica_past(r))
		return;
	/* At the synced revision, the answer is the store's: cached under its
	 * last transaction id (cache.c). */
	/* A replica's snapshots are copies: their own transaction ids say
	 * nothing across a swap, the coordinator's generation does. */
	if (at == NULL && r->view != NULL)
		txnid = r->view->info.generation;
	if (at == NULL && (r->view != NULL ||
	                   dsmap_store_last_txn(&txnid, dsmap_workspace_store(r->ws)) == 0)) {
		cached = 1;
		if ((out = serve_cache_get(r->srv, txnid, r->m.lineage_kind, r->m.id)) != NULL) {
			serve_answer(r, out, "application/json");
			return;
		}
	}
	LOCKED(r, at != NULL, dsmap_lineage(&out, r->ws, r->m.lineage_kind, r->m.id, at,
	                                    DSMAP_FORMAT_JSON));
	if (rc < 0) {
		fail(r, rc);
		return;
	}
	if (cached)
		serve_cache_put(r->srv, txnid, r->m.lineage_kind, r->m.id, out);
	serve_answer(r, out, "application/json");
}

static void ls(struct serve_request *r)
{
	static const char *const args[] = { "legal-basis", "recipient", "category", "section",
	                                    "system", "subject-kind", "purpose", "at", NULL };
	dsmap_ls_options o = DSMAP_LS_OPTIONS_INIT;
	char *out = NULL;
	int rc;

	if (!only(r, args, "the filters of a list are legal-basis, recipient, category, section, "
	          "system, subject-kind, purpose and at"))
		return;
	o.legal_basis = serve_arg(r, "legal-basis");
	o.recipient = serve_arg(r, "recipient");
	o.category = serve_arg(r, "category");
	o.section = serve_arg(r, "section");
	o.system = serve_arg(r, "system");
	o.subject_kind = serve_arg(r, "subject-kind");
	o.purpose = serve_arg(r, "purpose");
	o.at = serve_arg(r, "at");
	if (o.at != NULL && replica_past(r))
		return;
	LOCKED(r, o.at != NULL, dsmap_ls(&out, r->ws, r->m.ls_kind, &o, DSMAP_FORMAT_JSON));
	if (rc < 0)
		fail(r, rc);
	else
		serve_answer(r, out, "application/json");
}

/* The most commits one GET /v1/history?limit= may ask for. */
#define HISTORY_LIMIT_MAX 10000

static void history(struct serve_request *r)
{
	static const char *const args[] = { "purpose", "category", "recipient", "system",
	                                    "since", "rev", "limit", NULL };
	static const char *const kinds[] = { "purpose", "category", "recipient", "system" };
	dsmap_history_options o = DSMAP_HISTORY_OPTIONS_INIT;
	const char *limit = serve_arg(r, "limit");
	char *out = NULL, *end;
	size_t i;
	int rc;

	if (!only(r, args, "history takes purpose, category, recipient or system (one), since, "
	          "rev and limit"))
		return;
	if (limit != NULL) {
		unsigned long n = limit[0] >= '1' && limit[0] <= '9' ? strtoul(limit, &end, 10) : 0;

		if (n == 0 || *end != '\0' || n > HISTORY_LIMIT_MAX) {
			serve_problem(r, 400, "limit= is a number of commits from 1 to 10000", NULL);
			return;
		}
		o.limit = n;
	}
	for (i = 0; i < 4; i++) {
		const char *v = serve_arg(r, kinds[i]);

		if (v == NULL)
			continue;
		if (o.kind != NULL) {
			serve_problem(r, 400, "history follows one node: give one of purpose, category, "
			              "recipient, system", NULL);
			return;
		}
		o.kind = kinds[i];
		o.id = v;
	}
	o.since = serve_arg(r, "since");
	o.rev = serve_arg(r, "rev");
	LOCKED(r, 1, dsmap_history(&out, r->ws, &o, DSMAP_FORMAT_JSON));
	if (rc < 0)
		fail(r, rc);
	else
		serve_answer(r, out, "application/json");
}

static void blame(struct serve_request *r)
{
	static const char *const args[] = { "a", "b", NULL };
	const char *a = serve_arg(r, "a"), *b = serve_arg(r, "b");
	char *out = NULL;
	int rc;

	if (!only(r, args, "blame takes a=KIND:ID and b=KIND:ID"))
		return;
	if (a == NULL || b == NULL) {
		serve_problem(r, 400, "blame needs both ends of an edge: a=KIND:ID and b=KIND:ID", NULL);
		return;
	}
	LOCKED(r, 1, dsmap_blame(&out, r->ws, a, b, DSMAP_FORMAT_JSON));
	if (rc < 0)
		fail(r, rc);
	else
		serve_answer(r, out, "application/json");
}

static void impact(struct serve_request *r)
{
	static const char *const args[] = { "from", "to", NULL };
	const char *from = serve_arg(r, "from"), *to = serve_arg(r, "to");
	char *out = NULL;
	int rc;

	if (!only(r, args, "impact takes from=REV and to=REV"))
		return;
	if (from == NULL || to == NULL) {
		serve_problem(r, 400, "impact needs two revisions: from=REV and to=REV", NULL);
		return;
	}
	LOCKED(r, 1, dsmap_impact(&out, r->ws, from, to, DSMAP_FORMAT_JSON));
	if (rc < 0)
		fail(r, rc);
	else
		serve_answer(r, out, "application/json");
}

/* GET /v1/ropa?at=&format=json|csv: dsmap ropa's register. */
static void ropa(struct serve_request *r)
{
	static const char *const args[] = { "at", "format", NULL };
	dsmap_ropa_options o = DSMAP_ROPA_OPTIONS_INIT;
	const char *format = serve_arg(r, "format");
	char *out = NULL;
	int rc, csv;

	if (!only(r, args, "the register takes at=REV|DATE and format=json|csv"))
		return;
	if (format != NULL && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0) {
		serve_problem(r, 400, "format= is json or csv", NULL);
		return;
	}
	csv = format != NULL && strcmp(format, "csv") == 0;
	if ((o.at = serve_arg(r, "at")) != NULL && o.at[0] == '\0') {
		serve_problem(r, 400, "at= is a revision or a date (YYYY-MM-DD[THH:MM[:SS]])", NULL);
		return;
	}
	o.generated_at = r->srv->generated_at;
	/* the controller and contacts are read from the revision's commit */
	LOCKED(r, 1, dsmap_ropa(&out, r->ws, &o, csv ? DSMAP_FORMAT_CSV : DSMAP_FORMAT_JSON));
	if (rc < 0)
		fail(r, rc);
	else
		serve_answer(r, out, csv ? "text/csv; charset=utf-8; header=present" :
		             "application/json");
}

/* GET /v1/export/dpv?at=: dsmap export dpv's JSON-LD document. */
static void export_dpv(struct serve_request *r)
{
	static const char *const args[] = { "at", NULL };
	dsmap_dpv_options o = DSMAP_DPV_OPTIONS_INIT;
	char *out = NULL;
	int rc;

	if (!only(r, args, "the DPV export takes one query argument: at=REV|DATE"))
		return;
	if ((o.at = serve_arg(r, "at")) != NULL && o.at[0] == '\0') {
		serve_problem(r, 400, "at= is a revision or a date (YYYY-MM-DD[THH:MM[:SS]])", NULL);
		return;
	}
	LOCKED(r, 1, dsmap_dpv_export(&out, r->ws, &o));
	if (rc < 0)
		fail(r, rc);
	else
		serve_answer(r, out, "application/ld+json");
}

/* GET /v1/audit?as_of=&stale_days=: dsmap audit --format json. */
static void audit(struct serve_request *r)
{
	static const char *const args[] = { "as_of", "stale_days", "lang", NULL };
	dsmap_audit_options o = DSMAP_AUDIT_OPTIONS_INIT;
	const char *days = serve_arg(r, "stale_days");
	char *out = NULL, *end;
	unsigned long v;
	int rc;

	if (!only(r, args, "the audit takes as_of=DATE, stale_days=N and lang=en|fr"))
		return;
	if ((o.lang = serve_arg(r, "lang")) != NULL && strcmp(o.lang, "en") != 0 &&
	    strcmp(o.lang, "fr") != 0) {
		serve_problem(r, 400, "lang= is en or fr", NULL);
		return;
	}
	if ((o.as_of = serve_arg(r, "as_of")) != NULL && o.as_of[0] == '\0') {
		serve_problem(r, 400, "as_of= is a date (YYYY-MM-DD[THH:MM[:SS]])", NULL);
		return;
	}
	if (days != NULL) {
		v = strtoul(days, &end, 10);
		if (days[0] < '0' || days[0] > '9' || *end != '\0' || v < 1 || v > 36500) {
			serve_problem(r, 400, "stale_days= is a number of days from 1 to 36500", NULL);
			return;
		}
		o.stale_days = (unsigned int)v;
	}
	/* the graph and the inventory only: no git, no generation database */
	LOCKED(r, 0, dsmap_audit(&out, NULL, r->ws, &o, DSMAP_FORMAT_JSON));
	if (rc < 0)
		fail(r, rc);
	else
		serve_answer(r, out, "application/json");
}

/* ---- locate -------------------------------------------------------------- */

struct locate_call {
	struct serve_request *r;
	dsmap_locator *loc;
	struct sbuf out;
	char **ids;                 /* each subject's "id", JSON-encoded, or NULL */
};

static int batch_each(void *payload, size_t i, int rc, const dsmap_locate_result *res)
{
	struct locate_call *c = payload;
	char *s = NULL;
	size_t n;

	sb_printf(&c->out, "%s{\"id\":%s,", i > 0 ? ",\n" : "", c->ids[i] ? c->ids[i] : "null");
	if (rc < 0) {
		json_t *e = json_pack("{s:s, s:i, s:s}", "title", "Unprocessable Content",
		                      "status", 422, "detail", dsmap_error_last()->message);

		s = e != NULL ? json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(e);
		if (s == NULL)
			return DSMAP_ENOMEM;
		sb_printf(&c->out, "\"error\":%s}", s);
		free(s);
		return 0;
	}
	if ((rc = dsmap_locate_render(&s, c->loc, res, DSMAP_FORMAT_JSON_LINE)) < 0)
		return rc;
	n = strlen(s);
	while (n > 0 && s[n - 1] == '\n')
		s[--n] = '\0';
	sb_printf(&c->out, "\"answer\":%s}", s);
	c->r->systems += (unsigned)dsmap_locate_result_count(res);
	dsmap_free(s);
	return c->out.oom ? DSMAP_ENOMEM : 0;
}

static void locate(struct serve_request *r)
{
	struct locate_call c = { r, NULL, { NULL, 0, 0, 0 }, NULL };
	struct serve_locator *tl;
	struct locate_body b;
	dsmap_locate_result *res = NULL;
	char *out = NULL;
	int rc, owned = 0;

	if (!only(r, NULL, "POST /v1/locate takes no query arguments: the identifiers go in "
	          "the body"))
		return;
	rc = locate_body_parse(&b, r->body, r->len);
	r->identifiers = b.identifiers;
	memcpy(r->kinds, b.kinds, sizeof(r->kinds));
	if (rc != 0) {
		serve_problem(r, rc, b.why, rc != 400 ? NULL :
		              json_pack("{s:i, s:i, s:i}", "line", b.line, "column", b.column,
		                        "position", b.position));
		goto done;
	}
	/* The thread's locator (server.h), refreshed to the store's last
	 * commit; opened on the thread's first locate, and again when a
	 * replica's snapshot was swapped since. */
	if ((tl = pthread_getspecific(r->srv->locators)) != NULL && tl->view != r->view) {
		pthread_setspecific(r->srv->locators, NULL);
		dsmap_locator_free(tl->loc);
		serve_view_put(tl->view);
		free(tl);
		tl = NULL;
	}
	if (tl != NULL) {
		c.loc = tl->loc;
		rc = dsmap_locator_refresh(c.loc);
	} else if ((rc = dsmap_locator_open(&c.loc, r->ws)) == 0) {
		if ((tl = malloc(sizeof(*tl))) != NULL) {
			tl->loc = c.loc;
			tl->view = r->view;
		}
		if (tl == NULL || pthread_setspecific(r->srv->locators, tl) != 0) {
			free(tl);
			owned = 1;   /* not kept: freed below */
		} else if (r->view != NULL) {
			atomic_fetch_add(&r->view->refs, 1);   /* the locator's */
		}
	}
	if (rc < 0) {
		if (rc == DSMAP_ENOTFOUND)
			serve_problem(r, 503, "nothing is synced yet: run dsmap sync and dsmap scan",
			              NULL);
		else
			fail(r, rc);
		goto done;
	}
	if (!b.batch) {
		rc = dsmap_locate_find(&res, c.loc, b.q[0].identifiers, b.q[0].count);
		if (rc == DSMAP_EINVALID) {
			serve_problem(r, 422, dsmap_error_last()->message, NULL);
			goto done;
		}
		if (rc < 0 || (rc = dsmap_locate_render(&out, c.loc, res, DSMAP_FORMAT_JSON)) < 0) {
			fail(r, rc);
			goto done;
		}
		r->systems = (unsigned)dsmap_locate_result_count(res);
		serve_answer(r, out, "application/json");
		goto done;
	}
	c.ids = b.ids;
	sb_printf(&c.out, "{\"schema\":1,\"answers\":[\n");
	rc = dsmap_locate_many(c.loc, b.q, b.n, batch_each, &c);
	sb_printf(&c.out, "\n]}\n");
	if (rc < 0 || c.out.oom) {
		fail(r, rc < 0 ? rc : DSMAP_ENOMEM);
		goto done;
	}
	serve_answer(r, c.out.p, "application/json");
	c.out.p = NULL;
done:
	free(c.out.p);
	dsmap_locate_result_free(res);
	if (owned)
		dsmap_locator_free(c.loc);
	else
		dsmap_locator_park(c.loc);   /* the snapshot let go until the next */
	locate_body_free(&b);
}

void serve_dispatch(struct serve_request *r)
{
	switch (r->m.route) {
	case ROUTE_HEALTHZ: healthz(r); break;
	case ROUTE_METRICS: serve_metrics(r); break;
	case ROUTE_OPENAPI: openapi(r); break;
	case ROUTE_LOCATE: locate(r); break;
	case ROUTE_LINEAGE:
	case ROUTE_SYSTEM: lineage(r); break;
	case ROUTE_SYSTEMS:
	case ROUTE_LS: ls(r); break;
	case ROUTE_STATUS: status(r); break;
	case ROUTE_HISTORY: history(r); break;
	case ROUTE_BLAME: blame(r); break;
	case ROUTE_IMPACT: impact(r); break;
	case ROUTE_SCAN: serve_scan(r); break;
	case ROUTE_ROPA: ropa(r); break;
	case ROUTE_EXPORT_DPV: export_dpv(r); break;
	case ROUTE_AUDIT: audit(r); break;
	case ROUTE_UI:
	case ROUTE_UI_SESSION:
	case ROUTE_UI_SIGNOUT:
	case ROUTE_UI_GRAPH: ui_dispatch(r); break;
	default: serve_problem(r, 404, "no such route", NULL); break;
	}
}
