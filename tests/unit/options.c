/*
 * Unit tests: options structs are append-only.  These pins fail when a
 * member is moved, removed or resized; adding one at the end means bumping
 * its *_OPTIONS_VERSION and updating the pins here.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dsmap.h>

static void test_options__store(void **state)
{
	dsmap_store_options o = DSMAP_STORE_OPTIONS_INIT;

	(void)state;
	assert_int_equal(o.version, DSMAP_STORE_OPTIONS_VERSION);
	assert_int_equal(DSMAP_STORE_OPTIONS_VERSION, 1);
	assert_int_equal(offsetof(dsmap_store_options, version), 0);
	assert_int_equal(offsetof(dsmap_store_options, flags), 4);
	assert_int_equal(offsetof(dsmap_store_options, initial_mapsize), 8);
	assert_int_equal(offsetof(dsmap_store_options, max_mapsize), 16);
	assert_int_equal(sizeof(dsmap_store_options), 24);
}

static void test_options__workspace_init(void **state)
{
	dsmap_workspace_init_options o = DSMAP_WORKSPACE_INIT_OPTIONS_INIT;

	(void)state;
	assert_int_equal(o.version, DSMAP_WORKSPACE_INIT_OPTIONS_VERSION);
	assert_int_equal(DSMAP_WORKSPACE_INIT_OPTIONS_VERSION, 1);
	assert_null(o.mappings_dir);
	assert_null(o.message);
	assert_int_equal(offsetof(dsmap_workspace_init_options, version), 0);
	assert_int_equal(offsetof(dsmap_workspace_init_options, mappings_dir), sizeof(void *));
	assert_int_equal(offsetof(dsmap_workspace_init_options, message), 2 * sizeof(void *));
	assert_int_equal(sizeof(dsmap_workspace_init_options), 3 * sizeof(void *));
}

static void test_options__agent(void **state)
{
	dsmap_agent_options o = DSMAP_AGENT_OPTIONS_INIT;

	(void)state;
	assert_int_equal(o.version, DSMAP_AGENT_OPTIONS_VERSION);
	assert_int_equal(DSMAP_AGENT_OPTIONS_VERSION, 1);
	assert_null(o.nats_urls);
	assert_null(o.creds_path);
	assert_null(o.ca_path);
	assert_int_equal(o.timeout, 0);
	assert_null(o.rev);
	assert_int_equal(o.batch_bytes, 0);
	assert_int_equal(offsetof(dsmap_agent_options, version), 0);
	assert_int_equal(offsetof(dsmap_agent_options, nats_urls), sizeof(void *));
	assert_int_equal(offsetof(dsmap_agent_options, creds_path), 2 * sizeof(void *));
	assert_int_equal(offsetof(dsmap_agent_options, ca_path), 3 * sizeof(void *));
	assert_int_equal(offsetof(dsmap_agent_options, timeout), 4 * sizeof(void *));
	assert_int_equal(offsetof(dsmap_agent_options, rev), 5 * sizeof(void *));
	assert_int_equal(offsetof(dsmap_agent_options, batch_bytes), 6 * sizeof(void *));
	assert_int_equal(sizeof(dsmap_agent_options), 7 * sizeof(void *));
}

static void test_options__replica(void **state)
{
	dsmap_replica_options o = DSMAP_REPLICA_OPTIONS_INIT;

	(void)state;
	assert_int_equal(o.version, DSMAP_REPLICA_OPTIONS_VERSION);
	assert_int_equal(DSMAP_REPLICA_OPTIONS_VERSION, 1);
	assert_null(o.nats_urls);
	assert_null(o.creds_path);
	assert_null(o.ca_path);
	assert_int_equal(o.chunk_bytes, 0);
	assert_int_equal(offsetof(dsmap_replica_options, version), 0);
	assert_int_equal(offsetof(dsmap_replica_options, nats_urls), sizeof(void *));
	assert_int_equal(offsetof(dsmap_replica_options, creds_path), 2 * sizeof(void *));
	assert_int_equal(offsetof(dsmap_replica_options, ca_path), 3 * sizeof(void *));
	assert_int_equal(offsetof(dsmap_replica_options, chunk_bytes), 4 * sizeof(void *));
	assert_int_equal(sizeof(dsmap_replica_options), 5 * sizeof(void *));
}

static void test_options__ropa(void **state)
{
	dsmap_ropa_options o = DSMAP_ROPA_OPTIONS_INIT;

	(void)state;
	assert_int_equal(o.version, DSMAP_ROPA_OPTIONS_VERSION);
	assert_int_equal(DSMAP_ROPA_OPTIONS_VERSION, 1);
	assert_null(o.at);
	assert_null(o.lang);
	assert_int_equal(o.generated_at, 0);
	assert_int_equal(offsetof(dsmap_ropa_options, version), 0);
	assert_int_equal(offsetof(dsmap_ropa_options, at), sizeof(void *));
	assert_int_equal(offsetof(dsmap_ropa_options, lang), 2 * sizeof(void *));
	assert_int_equal(offsetof(dsmap_ropa_options, generated_at), 3 * sizeof(void *));
	assert_int_equal(sizeof(dsmap_ropa_options), 3 * sizeof(void *) + 8);
}

static void test_options__ropa_refused(void **state)
{
	dsmap_ropa_options o = DSMAP_ROPA_OPTIONS_INIT;
	/* never dereferenced: the arguments are checked first */
	dsmap_workspace *ws = (dsmap_workspace *)&o;
	char *out = (char *)&o;

	(void)state;
	assert_int_equal(dsmap_ropa(&out, NULL, NULL, DSMAP_FORMAT_TEXT), DSMAP_EINVALID);
	assert_null(out);
	assert_int_equal(dsmap_ropa(&out, ws, NULL, DSMAP_FORMAT_DOT), DSMAP_EINVALID);
	assert_non_null(strstr(dsmap_error_last()->message, "format 2 is not text, json, csv or html"));
	o.version = DSMAP_ROPA_OPTIONS_VERSION + 1;
	assert_int_equal(dsmap_ropa(&out, ws, &o, DSMAP_FORMAT_CSV), DSMAP_EINVALID);
	o.version = DSMAP_ROPA_OPTIONS_VERSION;
	o.lang = "de";
	assert_int_equal(dsmap_ropa(&out, ws, &o, DSMAP_FORMAT_HTML), DSMAP_EINVALID);
	assert_non_null(strstr(dsmap_error_last()->message, "language 'de' is not en or fr"));
	assert_null(out);
}

static void test_options__ropa_xlsx_refused(void **state)
{
	dsmap_ropa_options o = DSMAP_ROPA_OPTIONS_INIT;
	/* never dereferenced: the arguments are checked first */
	dsmap_workspace *ws = (dsmap_workspace *)&o;
	unsigned char *out = (unsigned char *)&o;
	size_t size = 1;

	(void)state;
	assert_int_equal(dsmap_ropa_xlsx(&out, NULL, ws, NULL), DSMAP_EINVALID);
	assert_null(out);
	assert_int_equal(dsmap_ropa_xlsx(&out, &size, NULL, NULL), DSMAP_EINVALID);
	assert_int_equal(size, 0);
	o.version = 0;
	assert_int_equal(dsmap_ropa_xlsx(&out, &size, ws, &o), DSMAP_EINVALID);
	assert_non_null(strstr(dsmap_error_last()->message, "options version 0 is not one this library takes (1 to 1)"));
	o.version = DSMAP_ROPA_OPTIONS_VERSION;
	o.lang = "nl";
	assert_int_equal(dsmap_ropa_xlsx(&out, &size, ws, &o), DSMAP_EINVALID);
	assert_null(out);
}

static void test_options__dpv(void **state)
{
	dsmap_dpv_options o = DSMAP_DPV_OPTIONS_INIT;

	(void)state;
	assert_int_equal(o.version, DSMAP_DPV_OPTIONS_VERSION);
	assert_int_equal(DSMAP_DPV_OPTIONS_VERSION, 1);
	assert_null(o.at);
	assert_null(o.base);
	assert_int_equal(offsetof(dsmap_dpv_options, version), 0);
	assert_int_equal(offsetof(dsmap_dpv_options, at), sizeof(void *));
	assert_int_equal(offsetof(dsmap_dpv_options, base), 2 * sizeof(void *));
	assert_int_equal(sizeof(dsmap_dpv_options), 3 * sizeof(void *));
}

/* dsmap_dpv_export() refuses bad arguments before it touches the workspace. */
static void test_options__dpv_refused(void **state)
{
	dsmap_dpv_options o = DSMAP_DPV_OPTIONS_INIT;
	/* never dereferenced: the arguments are checked first */
	dsmap_workspace *ws = (dsmap_workspace *)&o;
	char *out = (char *)&o;

	(void)state;
	assert_int_equal(dsmap_dpv_export(&out, NULL, NULL), DSMAP_EINVALID);
	assert_null(out);
	assert_int_equal(dsmap_dpv_export(NULL, ws, NULL), DSMAP_EINVALID);
	o.version = DSMAP_DPV_OPTIONS_VERSION + 1;
	assert_int_equal(dsmap_dpv_export(&out, ws, &o), DSMAP_EINVALID);
	assert_non_null(strstr(dsmap_error_last()->message, "options version 2 is not one this library takes (1 to 1)"));
	o.version = DSMAP_DPV_OPTIONS_VERSION;
	o.base = "ftp://example.com/";
	assert_int_equal(dsmap_dpv_export(&out, ws, &o), DSMAP_EINVALID);
	o.base = "https://example.com/no-separator";
	assert_int_equal(dsmap_dpv_export(&out, ws, &o), DSMAP_EINVALID);
	o.base = "https://example.com/a b/";
	assert_int_equal(dsmap_dpv_export(&out, ws, &o), DSMAP_EINVALID);
	assert_null(out);
	assert_non_null(strstr(dsmap_error_last()->message, "base IRI 'https://example.com/a b/'"));
}

static void test_options__history(void **state)
{
	dsmap_history_options o = DSMAP_HISTORY_OPTIONS_INIT;

	(void)state;
	assert_int_equal(o.version, DSMAP_HISTORY_OPTIONS_VERSION);
	assert_int_equal(DSMAP_HISTORY_OPTIONS_VERSION, 2);
	assert_null(o.kind);
	assert_null(o.rev);
	assert_int_equal(o.limit, 0);
	assert_int_equal(offsetof(dsmap_history_options, version), 0);
	assert_int_equal(offsetof(dsmap_history_options, kind), sizeof(void *));
	assert_int_equal(offsetof(dsmap_history_options, id), 2 * sizeof(void *));
	assert_int_equal(offsetof(dsmap_history_options, since), 3 * sizeof(void *));
	assert_int_equal(offsetof(dsmap_history_options, rev), 4 * sizeof(void *));
	/* version 2 */
	assert_int_equal(offsetof(dsmap_history_options, limit), 5 * sizeof(void *));
	assert_int_equal(sizeof(dsmap_history_options), 6 * sizeof(void *));
}

/* dsmap_history() refuses an options version it does not know (0, or
 * newer than its own) before it touches the workspace. */
static void test_options__history_refused(void **state)
{
	dsmap_history_options o = DSMAP_HISTORY_OPTIONS_INIT;
	/* never dereferenced: the arguments are checked first */
	dsmap_workspace *ws = (dsmap_workspace *)&o;
	char *out = (char *)&o;

	(void)state;
	o.version = DSMAP_HISTORY_OPTIONS_VERSION + 1;
	assert_int_equal(dsmap_history(&out, ws, &o, DSMAP_FORMAT_JSON), DSMAP_EINVALID);
	assert_null(out);
	assert_non_null(strstr(dsmap_error_last()->message, "options version 3"));
	o.version = 0;
	assert_int_equal(dsmap_history(&out, ws, &o, DSMAP_FORMAT_JSON), DSMAP_EINVALID);
}

static void test_options__unknown_version_refused(void **state)
{
	dsmap_store_options o = DSMAP_STORE_OPTIONS_INIT;
	dsmap_store *s = NULL;

	(void)state;
	o.version = DSMAP_STORE_OPTIONS_VERSION + 1;
	assert_int_equal(dsmap_store_open(&s, "/nonexistent", &o), DSMAP_EINVALID);
	assert_null(s);
	o.version = 0;
	assert_int_equal(dsmap_store_open(&s, "/nonexistent", &o), DSMAP_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options__store),
		cmocka_unit_test(test_options__workspace_init),
		cmocka_unit_test(test_options__ropa),
		cmocka_unit_test(test_options__ropa_refused),
		cmocka_unit_test(test_options__ropa_xlsx_refused),
		cmocka_unit_test(test_options__dpv),
		cmocka_unit_test(test_options__dpv_refused),
		cmocka_unit_test(test_options__history),
		cmocka_unit_test(test_options__history_refused),
		cmocka_unit_test(test_options__unknown_version_refused),
		cmocka_unit_test(test_options__agent),
		cmocka_unit_test(test_options__replica),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
