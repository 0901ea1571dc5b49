/*
 * Unit tests: dsmap serve's routing (cli/serve/route.c): every route, the
 * method rules (405 with Allow), unknown paths (404), and the ids a path
 * may carry (400 for traversal, control bytes, a NUL, length).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <dsmap.h>

#include "serve/route.h"

static void test_serve_route__every_route(void **state)
{
	static const struct {
		const char *method, *path;
		enum route_id route;
		enum route_access access;
	} cases[] = {
		{ "GET", "/healthz", ROUTE_HEALTHZ, ACCESS_PUBLIC },
		{ "HEAD", "/healthz", ROUTE_HEALTHZ, ACCESS_PUBLIC },
		{ "GET", "/metrics", ROUTE_METRICS, ACCESS_AUDITOR },
		{ "GET", "/v1/openapi.json", ROUTE_OPENAPI, ACCESS_PUBLIC },
		{ "POST", "/v1/locate", ROUTE_LOCATE, ACCESS_DSAR },
		{ "GET", "/v1/lineage/system/crm", ROUTE_LINEAGE, ACCESS_AUDITOR },
		{ "GET", "/v1/systems", ROUTE_SYSTEMS, ACCESS_AUDITOR },
		{ "GET", "/v1/systems/crm", ROUTE_SYSTEM, ACCESS_AUDITOR },
		{ "GET", "/v1/purposes", ROUTE_LS, ACCESS_AUDITOR },
		{ "GET", "/v1/categories", ROUTE_LS, ACCESS_AUDITOR },
		{ "GET", "/v1/recipients", ROUTE_LS, ACCESS_AUDITOR },
		{ "GET", "/v1/subject-kinds", ROUTE_LS, ACCESS_AUDITOR },
		{ "GET", "/v1/status", ROUTE_STATUS, ACCESS_AUDITOR },
		{ "GET", "/v1/history", ROUTE_HISTORY, ACCESS_AUDITOR },
		{ "GET", "/v1/blame", ROUTE_BLAME, ACCESS_AUDITOR },
		{ "GET", "/v1/impact", ROUTE_IMPACT, ACCESS_AUDITOR },
		{ "GET", "/v1/scan", ROUTE_SCAN, ACCESS_AUDITOR },
		{ "POST", "/v1/scan", ROUTE_SCAN, ACCESS_ADMIN },
		{ "GET", "/v1/ropa", ROUTE_ROPA, ACCESS_AUDITOR },
		{ "GET", "/v1/export/dpv", ROUTE_EXPORT_DPV, ACCESS_AUDITOR },
		{ "GET", "/v1/audit", ROUTE_AUDIT, ACCESS_AUDITOR },
		/* the web UI: pages and assets are public (they hold no data) */
		{ "GET", "/", ROUTE_UI, ACCESS_PUBLIC },
		{ "GET", "/purposes", ROUTE_UI, ACCESS_PUBLIC },
		{ "GET", "/purposes/camera-surveillance", ROUTE_UI, ACCESS_PUBLIC },
		{ "GET", "/categories/observed/image-video-recordings", ROUTE_UI, ACCESS_PUBLIC },
		{ "GET", "/dsar", ROUTE_UI, ACCESS_PUBLIC },
		{ "GET", "/ui/app.js", ROUTE_UI, ACCESS_PUBLIC },
		{ "GET", "/ui/session", ROUTE_UI_SESSION, ACCESS_PUBLIC },
		{ "POST", "/ui/session", ROUTE_UI_SESSION, ACCESS_PUBLIC },
		{ "POST", "/ui/signout", ROUTE_UI_SIGNOUT, ACCESS_PUBLIC },
		{ "GET", "/ui/graph.svg", ROUTE_UI_GRAPH, ACCESS_AUDITOR },
	};
	struct route_match m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = route_match(&m, cases[i].method, cases[i].path);

		if (rc != 0 || m.route != cases[i].route || m.access != cases[i].access)
			fail_msg("%s %s: rc %d, route %d, access %d", cases[i].method, cases[i].path,
			         rc, (int)m.route, (int)m.access);
		assert_string_equal(m.name, route_name(m.route));
	}
}

static void test_serve_route__params(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(route_match(&m, "GET", "/v1/lineage/category/collected/contact-data"), 0);
	assert_int_equal(m.lineage_kind, DSMAP_LINEAGE_CATEGORY);
	assert_string_equal(m.id, "collected/contact-data");
	assert_int_equal(route_match(&m, "GET", "/v1/lineage/subject-kind/customer"), 0);
	assert_int_equal(m.lineage_kind, DSMAP_LINEAGE_SUBJECT_KIND);
	assert_string_equal(m.id, "customer");
	assert_int_equal(route_match(&m, "GET", "/v1/systems/crm"), 0);
	assert_int_equal(m.lineage_kind, DSMAP_LINEAGE_SYSTEM);
	assert_string_equal(m.id, "crm");
	assert_int_equal(route_match(&m, "GET", "/v1/subject-kinds"), 0);
	assert_int_equal(m.ls_kind, DSMAP_LS_SUBJECT_KINDS);
	assert_int_equal(route_match(&m, "GET", "/v1/systems"), 0);
	assert_int_equal(m.ls_kind, DSMAP_LS_SYSTEMS);
	/* the overview, whose shell names its API answers as preloads (ui.c),
	 * and no other page */
	assert_int_equal(route_match(&m, "GET", "/"), 0);
	assert_int_equal(m.ui_overview, 1);
	assert_int_equal(m.ui_asset, 0);
	assert_int_equal(route_match(&m, "GET", "/purposes"), 0);
	assert_int_equal(m.ui_overview, 0);
	assert_int_equal(route_match(&m, "GET", "/ui/index.html"), 0);
	assert_int_equal(m.ui_overview, 0);
	assert_int_equal(m.ui_asset, 1);
}

static void test_serve_route__methods(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(route_match(&m, "GET", "/v1/locate"), 405);
	assert_string_equal(m.allow, "POST");
	assert_int_equal(route_match(&m, "POST", "/v1/status"), 405);
	assert_string_equal(m.allow, "GET, HEAD");
	assert_int_equal(route_match(&m, "DELETE", "/v1/systems/crm"), 405);
	assert_int_equal(route_match(&m, "BREW", "/healthz"), 405);
	assert_int_equal(route_match(&m, "PUT", "/v1/scan"), 405);
	assert_string_equal(m.allow, "GET, HEAD, POST");
}

static void test_serve_route__unknown(void **state)
{
	static const char *const paths[] = {
		"", "/v1", "/v1/", "/v2/status", "/v1/status/", "/v1/statuses", "/V1/status",
		"/v1/lineage", "/v1/lineage/", "/v1/lineage/planet/earth", "/v1/lineage/purpose",
		"/healthz/", "/v1/openapi.yaml", "//v1/status",
		"/nowhere", "/graph/x", "/dsar/x", "/purposesx", "/index.html",
	};
	struct route_match m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (route_match(&m, "GET", paths[i]) != 404)
			fail_msg("'%s' is no route", paths[i]);
	assert_int_equal(route_match(&m, "GET", NULL), 404);
	/* a page id follows the API's rules */
	assert_int_equal(route_match(&m, "GET", "/purposes/a/b"), 400);
	assert_int_equal(route_match(&m, "GET", "/purposes/.."), 400);
	assert_int_equal(route_match(&m, "GET", "/ui/../x"), 400);
	assert_int_equal(route_match(&m, "GET", "/categories/observed/x"), 0);
	assert_string_equal(m.id, "observed/x");
	assert_int_equal(route_match(&m, "POST", "/purposes"), 405);
}

static void test_serve_route__bad_ids(void **state)
{
	static const char *const paths[] = {
		"/v1/systems/..", "/v1/systems/.", "/v1/systems/", "/v1/systems/a/b",
		"/v1/systems/../etc", "/v1/lineage/purpose/../x", "/v1/lineage/category/../x",
		"/v1/lineage/category/a/..", "/v1/lineage/category/a/b/c", "/v1/lineage/category//x",
		"/v1/lineage/purpose/a\nb", "/v1/lineage/purpose/a\x7f", "/v1/lineage/system/a\\b",
		"/v1/lineage/purpose/",
	};
	char longpath[400];
	struct route_match m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (route_match(&m, "GET", paths[i]) != 400)
			fail_msg("path %zu: an id that is no id", i);
	memcpy(longpath, "/v1/systems/", 12);
	memset(longpath + 12, 'x', 257);
	longpath[12 + 257] = '\0';
	assert_int_equal(route_match(&m, "GET", longpath), 400);
	longpath[12 + 256] = '\0';
	assert_int_equal(route_match(&m, "GET", longpath), 0);
	assert_int_equal(strlen(m.id), 256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serve_route__every_route),
		cmocka_unit_test(test_serve_route__params),
		cmocka_unit_test(test_serve_route__methods),
		cmocka_unit_test(test_serve_route__unknown),
		cmocka_unit_test(test_serve_route__bad_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
