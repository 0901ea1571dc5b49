/*
 * dsmap serve: the routing table.  See route.h.
 */
#include "config.h"

#include <string.h>

#include <dsmap.h>

#include "route.h"

enum { GET = 1, POST = 2 };

static const struct {
	enum route_id id;
	const char *name;
	enum route_access access;
	int methods;
} routes[ROUTE_COUNT] = {
	{ ROUTE_NONE, "(none)", ACCESS_PUBLIC, 0 },
	{ ROUTE_HEALTHZ, "/healthz", ACCESS_PUBLIC, GET },
	{ ROUTE_METRICS, "/metrics", ACCESS_AUDITOR, GET },
	{ ROUTE_OPENAPI, "/v1/openapi.json", ACCESS_PUBLIC, GET },
	{ ROUTE_LOCATE, "/v1/locate", ACCESS_DSAR, POST },
	{ ROUTE_LINEAGE, "/v1/lineage/{kind}/{id}", ACCESS_AUDITOR, GET },
	{ ROUTE_SYSTEMS, "/v1/systems", ACCESS_AUDITOR, GET },
	{ ROUTE_SYSTEM, "/v1/systems/{id}", ACCESS_AUDITOR, GET },
	{ ROUTE_LS, "/v1/{list}", ACCESS_AUDITOR, GET },
	{ ROUTE_STATUS, "/v1/status", ACCESS_AUDITOR, GET },
	{ ROUTE_HISTORY, "/v1/history", ACCESS_AUDITOR, GET },
	{ ROUTE_BLAME, "/v1/blame", ACCESS_AUDITOR, GET },
	{ ROUTE_IMPACT, "/v1/impact", ACCESS_AUDITOR, GET },
	{ ROUTE_SCAN, "/v1/scan", ACCESS_AUDITOR, GET | POST },
	{ ROUTE_ROPA, "/v1/ropa", ACCESS_AUDITOR, GET },
	{ ROUTE_EXPORT_DPV, "/v1/export/dpv", ACCESS_AUDITOR, GET },
	{ ROUTE_AUDIT, "/v1/audit", ACCESS_AUDITOR, GET },
	{ ROUTE_UI, "/{page}", ACCESS_PUBLIC, GET },
	{ ROUTE_UI_SESSION, "/ui/session", ACCESS_PUBLIC, GET | POST },
	{ ROUTE_UI_SIGNOUT, "/ui/signout", ACCESS_PUBLIC, POST },
	{ ROUTE_UI_GRAPH, "/ui/graph.svg", ACCESS_AUDITOR, GET },
};

/* The web UI's pages: /NAME, and /NAME/ID for those with `id` (a
 * category's id may be GROUP/ID).  Every page is the same shell; its
 * script reads the path. */
static const struct {
	const char *name;
	int id;
} ui_pages[] = {
	{ "signin", 0 }, { "purposes", 1 }, { "categories", 1 }, { "recipients", 1 },
	{ "systems", 1 }, { "subject-kinds", 1 }, { "graph", 0 }, { "history", 0 },
	{ "impact", 0 }, { "blame", 0 }, { "dsar", 0 },
};

static const struct {
	const char *name;
	int kind;
} lineage_kinds[] = {
	{ "category", DSMAP_LINEAGE_CATEGORY },
	{ "purpose", DSMAP_LINEAGE_PURPOSE },
	{ "recipient", DSMAP_LINEAGE_RECIPIENT },
	{ "subject-kind", DSMAP_LINEAGE_SUBJECT_KIND },
	{ "system", DSMAP_LINEAGE_SYSTEM },
}, ls_kinds[] = {
	{ "purposes", DSMAP_LS_PURPOSES },
	{ "categories", DSMAP_LS_CATEGORIES },
	{ "recipients", DSMAP_LS_RECIPIENTS },
	{ "subject-kinds", DSMAP_LS_SUBJECT_KINDS },
};

const char *route_name(enum route_id r)
{
	return (unsigned)r < ROUTE_COUNT ? routes[r].name : "(none)";
}

/* Whether [s, s+n) is the whole of `word`. */
static int is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* One path segment of an id: 1 when it is one, else 0 with *why. */
static int segment_ok(const char *s, size_t n, const char **why)
{
	size_t i;

	if (n == 0) {
		*why = "an id is never empty";
		return 0;
	}
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) {
		*why = "an id is never '.' or '..' (path traversal)";
		return 0;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == '\\') {
			*why = "an id holds no control byte and no backslash";
			return 0;
		}
	}
	return 1;
}

/* Copy the id [s, s+n) into m->id: one segment, or GROUP/ID (two) when
 * `two` is set.  0, or 400 with m->why. */
static int take_id(struct route_match *m, const char *s, size_t n, int two)
{
	const char *slash = memchr(s, '/', n);

	if (n > ROUTE_ID_MAX) {
		m->why = "an id is at most 256 bytes";
		return 400;
	}
	if (slash != NULL) {
		size_t a = (size_t)(slash - s);

		if (!two || memchr(slash + 1, '/', n - a - 1) != NULL) {
			m->why = two ? "a category id is GROUP/ID or ID" : "an id holds no '/'";
			return 400;
		}
		if (!segment_ok(s, a, &m->why) || !segment_ok(slash + 1, n - a - 1, &m->why))
			return 400;
	} else if (!segment_ok(s, n, &m->why)) {
		return 400;
	}
	memcpy(m->id, s, n);
	m->id[n] = '\0';
	if (strlen(m->id) != n) {
		m->why = "an id holds no NUL byte";
		return 400;
	}
	return 0;
}

static int found(struct route_match *m, enum route_id r, const char *method)
{
	int want = strcmp(method, "POST") == 0 ? POST :
	           strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ? GET : 0;

	m->route = r;
	m->access = routes[r].access;
	m->name = routes[r].name;
	if (r == ROUTE_SCAN && want == POST)
		m->access = ACCESS_ADMIN;
	if ((routes[r].methods & want) == 0) {
		m->allow = routes[r].methods == POST ? "POST" :
		           routes[r].methods == GET ? "GET, HEAD" : "GET, HEAD, POST";
		m->why = "this path does not take that method";
		return 405;
	}
	return 0;
}

/* A path of the web UI: / and the pages, and /ui/... */
static int ui_match(struct route_match *m, const char *method, const char *path)
{
	const char *p = path + 1, *slash;
	size_t i, n;

	if (strcmp(path, "/") == 0) {
		m->ui_overview = 1;
		return found(m, ROUTE_UI, method);
	}
	if (strcmp(path, "/ui/session") == 0)
		return found(m, ROUTE_UI_SESSION, method);
	if (strcmp(path, "/ui/signout") == 0)
		return found(m, ROUTE_UI_SIGNOUT, method);
	if (strcmp(path, "/ui/graph.svg") == 0)
		return found(m, ROUTE_UI_GRAPH, method);
	if (strncmp(path, "/ui/", 4) == 0) {
		int rc;

		m->ui_asset = 1;
		if ((rc = found(m, ROUTE_UI, method)) != 0)
			return rc;
		return take_id(m, path + 4, strlen(path + 4), 0);
	}
	slash = strchr(p, '/');
	n = slash != NULL ? (size_t)(slash - p) : strlen(p);
	for (i = 0; i < sizeof(ui_pages) / sizeof(ui_pages[0]); i++) {
		int rc;

		if (!is(p, n, ui_pages[i].name))
			continue;
		if (slash != NULL && !ui_pages[i].id)
			return 404;
		if ((rc = found(m, ROUTE_UI, method)) != 0)
			return rc;
		return slash == NULL ? 0 : take_id(m, slash + 1, strlen(slash + 1),
		                                   strcmp(ui_pages[i].name, "categories") == 0);
	}
	return 404;
}

int route_match(struct route_match *m, const char *method, const char *path)
{
	const char *p, *slash;
	size_t i, n;

	memset(m, 0, sizeof(*m));
	m->name = routes[ROUTE_NONE].name;
	m->why = "no such route (docs/http-api.md lists them)";
	if (path == NULL || method == NULL)
		return 404;
	if (strcmp(path, "/healthz") == 0)
		return found(m, ROUTE_HEALTHZ, method);
	if (strcmp(path, "/metrics") == 0)
		return found(m, ROUTE_METRICS, method);
	if (strncmp(path, "/v1/", 4) != 0)
		return path[0] == '/' ? ui_match(m, method, path) : 404;
	p = path + 4;
	n = strlen(p);
	if (strcmp(p, "openapi.json") == 0)
		return found(m, ROUTE_OPENAPI, method);
	if (strcmp(p, "locate") == 0)
		return found(m, ROUTE_LOCATE, method);
	if (strcmp(p, "status") == 0)
		return found(m, ROUTE_STATUS, method);
	if (strcmp(p, "history") == 0)
		return found(m, ROUTE_HISTORY, method);
	if (strcmp(p, "blame") == 0)
		return found(m, ROUTE_BLAME, method);
	if (strcmp(p, "impact") == 0)
		return found(m, ROUTE_IMPACT, method);
	if (strcmp(p, "scan") == 0)
		return found(m, ROUTE_SCAN, method);
	if (strcmp(p, "ropa") == 0)
		return found(m, ROUTE_ROPA, method);
	if (strcmp(p, "export/dpv") == 0)
		return found(m, ROUTE_EXPORT_DPV, method);
	if (strcmp(p, "audit") == 0)
		return found(m, ROUTE_AUDIT, method);
	if (strcmp(p, "systems") == 0) {
		m->ls_kind = DSMAP_LS_SYSTEMS;
		return found(m, ROUTE_SYSTEMS, method);
	}
	for (i = 0; i < sizeof(ls_kinds) / sizeof(ls_kinds[0]); i++)
		if (strcmp(p, ls_kinds[i].name) == 0) {
			m->ls_kind = ls_kinds[i].kind;
			return found(m, ROUTE_LS, method);
		}
	if (strncmp(p, "systems/", 8) == 0) {
		int rc;

		m->lineage_kind = DSMAP_LINEAGE_SYSTEM;
		if ((rc = found(m, ROUTE_SYSTEM, method)) != 0)
			return rc;
		return take_id(m, p + 8, n - 8, 0);
	}
	if (strncmp(p, "lineage/", 8) == 0) {
		int rc;

		p += 8;
		if ((slash = strchr(p, '/')) == NULL) {
			m->why = "a lineage path is /v1/lineage/{kind}/{id}";
			return 404;
		}
		for (i = 0; i < sizeof(lineage_kinds) / sizeof(lineage_kinds[0]); i++)
			if (is(p, (size_t)(slash - p), lineage_kinds[i].name))
				break;
		if (i == sizeof(lineage_kinds) / sizeof(lineage_kinds[0])) {
			m->why = "a lineage kind is category, purpose, recipient, subject-kind "
			         "or system";
			return 404;
		}
		m->lineage_kind = lineage_kinds[i].kind;
		if ((rc = found(m, ROUTE_LINEAGE, method)) != 0)
			return rc;
		return take_id(m, slash + 1, strlen(slash + 1),
		               lineage_kinds[i].kind == DSMAP_LINEAGE_CATEGORY);
	}
	return 404;
}
