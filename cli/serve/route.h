/*
 * dsmap serve: the routing table, and the parsing of a request's path.
 *
 * Pure: no I/O, no allocation.  route_match() turns a method and a
 * (percent-decoded) path into a route and its parameters, or says why it
 * cannot: 404 for an unknown path, 405 for a method the path does not
 * take (with the methods it does), 400 for an id that is no id (empty,
 * too long, a control byte, a path-traversal segment).
 */
#ifndef DSMAP_SERVE_ROUTE_H
#define DSMAP_SERVE_ROUTE_H

#include <stddef.h>

enum route_id {
	ROUTE_NONE = 0,
	ROUTE_HEALTHZ,
	ROUTE_METRICS,
	ROUTE_OPENAPI,
	ROUTE_LOCATE,
	ROUTE_LINEAGE,
	ROUTE_SYSTEMS,
	ROUTE_SYSTEM,
	ROUTE_LS,          /* purposes, categories, recipients, subject-kinds */
	ROUTE_STATUS,
	ROUTE_HISTORY,
	ROUTE_BLAME,
	ROUTE_IMPACT,
	ROUTE_SCAN,         /* GET: progress (auditor); POST: start one (admin) */
	ROUTE_ROPA,         /* the record of processing activities (dsmap ropa) */
	ROUTE_EXPORT_DPV,   /* the notice as W3C DPV JSON-LD (dsmap export dpv) */
	ROUTE_AUDIT,        /* the standing audit (dsmap audit) */
	/* the web UI (ui.c, docs/web-ui.md) */
	ROUTE_UI,           /* a page (the same shell for each) or an asset */
	ROUTE_UI_SESSION,   /* GET: who is signed in; POST: sign in */
	ROUTE_UI_SIGNOUT,
	ROUTE_UI_GRAPH,     /* the lineage graph as SVG (auditor) */
	ROUTE_COUNT
};

/* Who may call a route (the roles of docs/http-api.md). */
enum route_access {
	ACCESS_PUBLIC = 0,   /* no token needed */
	ACCESS_DSAR,         /* the dsar role (and admin) */
	ACCESS_AUDITOR,      /* the auditor role (and admin) */
	ACCESS_ADMIN         /* admin only */
};

/* The longest id a path may carry, in bytes. */
#define ROUTE_ID_MAX 256

struct route_match {
	enum route_id route;
	enum route_access access;
	const char *name;        /* the route's template, for metrics and the access log */
	const char *allow;       /* 405: the methods the path takes ("GET, HEAD") */
	const char *why;         /* 400 / 404: what is wrong, never the id itself */
	int lineage_kind;        /* ROUTE_LINEAGE, ROUTE_SYSTEM: a dsmap_lineage_kind */
	int ls_kind;             /* ROUTE_LS, ROUTE_SYSTEMS: a dsmap_ls_kind */
	int ui_asset;            /* ROUTE_UI: 1 for an asset (its name in id), 0 for a page */
	int ui_overview;         /* ROUTE_UI: 1 for the overview, "/" */
	char id[ROUTE_ID_MAX + 1];
};

/**
 * Match a request.  `path` is the request target's path, percent-decoded,
 * without the query string.
 *
 * @return 0 and `m` filled; or the HTTP status to answer (400, 404, 405)
 *         with m->why (and m->allow for 405) set
 */
int route_match(struct route_match *m, const char *method, const char *path);

/* The template of route `r` ("/v1/lineage/{kind}/{id}"), for metrics. */
const char *route_name(enum route_id r);

#endif
