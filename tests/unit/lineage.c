/*
 * Unit tests: sync a revision into the store and answer lineage questions
 * through the public API.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "helpers.h"
#include "dsmap/lineage.h"
#include "errors.h"
#include "workspace.h"

struct fixture {
	char *tmp;
	dsmap_workspace *ws;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *dir;

	f->tmp = th_tmpdir();
	dir = th_path(f->tmp, "ws");
	if (dsmap_workspace_init(&f->ws, dir, NULL) != 0)
		fail_msg("init: %s", dsmap_error_last()->message);
	free(dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dsmap_workspace_free(f->ws);
	th_rmtree(f->tmp);
	free(f);
	return 0;
}

static json_t *ask(dsmap_workspace *ws, int kind, const char *id)
{
	char *out = NULL;
	json_t *j;

	if (dsmap_lineage(&out, ws, kind, id, NULL, DSMAP_FORMAT_JSON) != 0)
		fail_msg("lineage %s: %s", id, dsmap_error_last()->message);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	dsmap_free(out);
	return j;
}

static void test_lineage__sync_then_ask(void **state)
{
	struct fixture *f = *state;
	dsmap_sync_result res;
	char *out = NULL;
	json_t *j, *p;

	assert_int_equal(dsmap_lineage(&out, f->ws, DSMAP_LINEAGE_PURPOSE, "social-tariff", NULL,
	                               DSMAP_FORMAT_TEXT), DSMAP_ENOTFOUND);
	assert_null(out);
	assert_int_equal(dsmap_sync(&res, f->ws, NULL), 0);
	assert_int_equal(res.already, 0);
	assert_int_equal(res.new_categories, 40);
	assert_int_equal(strlen(res.commit), 40);
	assert_int_equal(res.nodes, res.new_nodes);

	assert_int_equal(dsmap_sync(&res, f->ws, "HEAD"), 0);
	assert_int_equal(res.already, 1);

	j = ask(f->ws, DSMAP_LINEAGE_PURPOSE, "social-tariff");
	p = json_object_get(j, "node");
	assert_string_equal(json_string_value(json_object_get(p, "section")), "6.2.3");
	assert_int_equal(json_integer_value(json_object_get(j, "schema")), 1);
	json_decref(j);

	j = ask(f->ws, DSMAP_LINEAGE_CATEGORY, "collected/national-register-number");
	assert_int_equal(json_array_size(json_object_get(j, "purposes")), 5);
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(json_object_get(j, "categories"), 0), "bit")), 1);
	json_decref(j);

	assert_int_equal(dsmap_lineage(&out, f->ws, DSMAP_LINEAGE_RECIPIENT, "nobody", NULL,
	                               DSMAP_FORMAT_JSON), DSMAP_ENOTFOUND);
	assert_true(th_error_contains("no recipient 'nobody'"));
	assert_int_equal(dsmap_lineage(&out, f->ws, 9, "x", NULL, DSMAP_FORMAT_JSON), DSMAP_EINVALID);
	assert_int_equal(dsmap_lineage(&out, f->ws, DSMAP_LINEAGE_PURPOSE, "x", NULL, 7),
	                 DSMAP_EINVALID);
}

static void test_lineage__formats(void **state)
{
	struct fixture *f = *state;
	char *out = NULL;

	assert_int_equal(dsmap_sync(NULL, f->ws, "HEAD"), 0);
	assert_int_equal(dsmap_lineage(&out, f->ws, DSMAP_LINEAGE_RECIPIENT, "fps-economy", NULL,
	                               DSMAP_FORMAT_DOT), 0);
	assert_non_null(strstr(out, "digraph lineage {"));
	assert_non_null(strstr(out, "\"p:social-tariff\" -> \"r:fps-economy\";"));
	assert_non_null(strstr(out, "\"c:collected/national-register-number\" -> \"p:social-tariff\";"));
	dsmap_free(out);
	assert_int_equal(dsmap_lineage_lang(&out, f->ws, DSMAP_LINEAGE_SUBJECT_KIND, "prospects",
	                                    NULL, DSMAP_FORMAT_TEXT, "en"), 0);
	assert_non_null(strstr(out, "subject-kind prospects"));
	dsmap_free(out);
	/* by default, the notice's language: French for the shipped notice */
	assert_int_equal(dsmap_lineage(&out, f->ws, DSMAP_LINEAGE_SUBJECT_KIND, "prospects", NULL,
	                               DSMAP_FORMAT_TEXT), 0);
	assert_non_null(strstr(out, "type de personne prospects"));
	assert_non_null(strstr(out, "finalités : "));
	dsmap_free(out);
	assert_int_equal(dsmap_lineage_lang(&out, f->ws, DSMAP_LINEAGE_SUBJECT_KIND, "prospects",
	                                    NULL, DSMAP_FORMAT_TEXT, "de"), DSMAP_EINVALID);
	assert_null(out);
	dsmap_error_clear();
	assert_string_equal(dsmap_lineage_kind_name(DSMAP_LINEAGE_SUBJECT_KIND), "subject-kind");
	assert_string_equal(dsmap_lineage_kind_name(DSMAP_LINEAGE_SYSTEM), "system");
	assert_null(dsmap_lineage_kind_name(5));
	assert_null(dsmap_lineage_kind_name(-1));
}

static void test_lineage__bad_revision(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(dsmap_sync(NULL, f->ws, "no-such-branch"), DSMAP_ENOTFOUND);
	assert_true(th_error_contains("'no-such-branch' is neither a revision of the mapping "
	                              "repository nor a date"));
	assert_int_equal(dsmap_sync(NULL, f->ws, "1999-01-01"), DSMAP_ENOTFOUND);
	assert_true(th_error_contains("no commit of the mapping repository on or before 1999-01-01"));
	assert_int_equal(dsmap_sync(NULL, f->ws, "HEAD^{bogus}"), DSMAP_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lineage__sync_then_ask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lineage__formats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lineage__bad_revision, setup, teardown),
	};

	return cmocka_run_group_tests_name("lineage", tests, NULL, NULL);
}
