/*
 * Unit tests: dsmap_ls() through the public API on the shipped notice, and
 * the category resolution behind --category.
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
#include "dsmap/ls.h"
#include "errors.h"
#include "lineage.h"
#include "ls.h"
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
	if (dsmap_sync(NULL, f->ws, NULL) != 0)
		fail_msg("sync: %s", dsmap_error_last()->message);
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

/* The ids of a JSON list, comma-separated, in the order listed. */
static char *ids(dsmap_workspace *ws, int what, const dsmap_ls_options *o)
{
	char *out = NULL, *s;
	json_t *j, *e;
	size_t i, len = 1;

	if (dsmap_ls(&out, ws, what, o, DSMAP_FORMAT_JSON) != 0)
		fail_msg("ls: %s", dsmap_error_last()->message);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	dsmap_free(out);
	json_array_foreach(json_object_get(j, "items"), i, e)
		len += strlen(json_string_value(json_object_get(e, what == DSMAP_LS_CATEGORIES ? "ref" : "id"))) + 1;
	s = calloc(1, len);
	json_array_foreach(json_object_get(j, "items"), i, e) {
		if (i)
			strcat(s, ",");
		strcat(s, json_string_value(json_object_get(e, what == DSMAP_LS_CATEGORIES ? "ref" : "id")));
	}
	json_decref(j);
	return s;
}

static void test_ls__options_layout(void **state)
{
	dsmap_ls_options o = DSMAP_LS_OPTIONS_INIT;

	(void)state;
	assert_int_equal(o.version, 1);
	assert_null(o.at);
	assert_int_equal(offsetof(dsmap_ls_options, legal_basis), sizeof(void *));
	assert_int_equal(offsetof(dsmap_ls_options, at), 8 * sizeof(void *));
	assert_int_equal(sizeof(dsmap_ls_options), 9 * sizeof(void *));
	assert_string_equal(dsmap_ls_kind_name(DSMAP_LS_SUBJECT_KINDS), "subject-kinds");
	assert_null(dsmap_ls_kind_name(5));
	assert_null(dsmap_ls_kind_name(-1));
}

static void test_ls__category_resolve(void **state)
{
	struct fixture *f = *state;
	struct dsmap__graph g;
	char ref[64], tiny[8];

	assert_int_equal(dsmap__graph_open(&g, f->ws, NULL), 0);
	assert_int_equal(dsmap__category_resolve(&g, "national-register-number", ref, sizeof(ref)), 0);
	assert_string_equal(ref, "collected/national-register-number");
	assert_int_equal(dsmap__category_resolve(&g, "observed/image-video-recordings", ref,
	                                         sizeof(ref)), 0);
	assert_string_equal(ref, "observed/image-video-recordings");
	assert_int_equal(dsmap__category_resolve(&g, "identification-contact", ref, sizeof(ref)),
	                 DSMAP_EAMBIGUOUS);
	assert_true(th_error_contains("category 'identification-contact' is ambiguous: "
	                              "collected/identification-contact, obtained/identification-contact"));
	assert_int_equal(dsmap__category_resolve(&g, "no-such", ref, sizeof(ref)), DSMAP_ENOTFOUND);
	assert_true(th_error_contains("no category 'no-such' at revision"));
	assert_int_equal(dsmap__category_resolve(&g, "derived/national-register-number", ref,
	                                         sizeof(ref)), DSMAP_ENOTFOUND);
	assert_int_equal(dsmap__category_resolve(&g, "elsewhere/x", ref, sizeof(ref)), DSMAP_EINVALID);
	assert_true(th_error_contains("'elsewhere' is not a category group"));
	assert_int_equal(dsmap__category_resolve(&g, "national-register-number", tiny, sizeof(tiny)),
	                 DSMAP_EINVALID);
	dsmap__graph_close(&g);
}

static void test_ls__filters(void **state)
{
	struct fixture *f = *state;
	dsmap_ls_options o = DSMAP_LS_OPTIONS_INIT;
	char *s;

	o.recipient = "fps-economy";
	s = ids(f->ws, DSMAP_LS_PURPOSES, &o);
	assert_string_equal(s, "social-tariff");
	free(s);

	o.recipient = NULL;
	o.category = "national-register-number";
	o.legal_basis = "6(1)(c)";
	s = ids(f->ws, DSMAP_LS_PURPOSES, &o);
	/* the five users of the number, all on a legal obligation, in section order */
	assert_string_equal(s, "contract-conclusion,social-tariff,end-user-identification-data-retention,"
	                    "geographic-data-retention,paid-service-subscriber-identification");
	free(s);

	o = (dsmap_ls_options)DSMAP_LS_OPTIONS_INIT;
	o.purpose = "camera-surveillance";
	s = ids(f->ws, DSMAP_LS_CATEGORIES, &o);
	assert_string_equal(s, "observed/image-video-recordings");
	free(s);
	s = ids(f->ws, DSMAP_LS_SYSTEMS, &o);
	assert_string_equal(s, "");
	free(s);

	o = (dsmap_ls_options)DSMAP_LS_OPTIONS_INIT;
	o.section = "6.1.1";
	s = ids(f->ws, DSMAP_LS_PURPOSES, &o);
	assert_string_equal(s, "camera-surveillance,visitor-management");
	free(s);
	o.section = "6.1.1.1";
	s = ids(f->ws, DSMAP_LS_PURPOSES, &o);
	assert_string_equal(s, "camera-surveillance");
	free(s);
}

static void test_ls__errors(void **state)
{
	struct fixture *f = *state;
	dsmap_ls_options o = DSMAP_LS_OPTIONS_INIT;
	char *out = NULL;

	o.section = "6.1.1.";
	assert_int_equal(dsmap_ls(&out, f->ws, DSMAP_LS_PURPOSES, &o, DSMAP_FORMAT_TEXT), DSMAP_EINVALID);
	assert_null(out);
	o.section = NULL;
	o.legal_basis = "6(1)(a)";
	assert_int_equal(dsmap_ls(&out, f->ws, DSMAP_LS_SYSTEMS, &o, DSMAP_FORMAT_TEXT), DSMAP_EINVALID);
	assert_true(th_error_contains("the legal-basis filter does not apply to systems"));
	o.legal_basis = NULL;
	o.subject_kind = "martians";
	assert_int_equal(dsmap_ls(&out, f->ws, DSMAP_LS_PURPOSES, &o, DSMAP_FORMAT_TEXT), DSMAP_EINVALID);
	assert_true(th_error_contains("no subject kind 'martians' at revision"));
	o.subject_kind = NULL;
	o.at = "no-such-rev";
	assert_int_equal(dsmap_ls(&out, f->ws, DSMAP_LS_PURPOSES, &o, DSMAP_FORMAT_TEXT),
	                 DSMAP_ENOTFOUND);
	o.at = NULL;
	o.version = 2;
	assert_int_equal(dsmap_ls(&out, f->ws, DSMAP_LS_PURPOSES, &o, DSMAP_FORMAT_TEXT), DSMAP_EINVALID);
	assert_int_equal(dsmap_ls(&out, f->ws, DSMAP_LS_PURPOSES, NULL, DSMAP_FORMAT_DOT), DSMAP_EINVALID);
	assert_int_equal(dsmap_ls(&out, f->ws, 7, NULL, DSMAP_FORMAT_TEXT), DSMAP_EINVALID);
	assert_null(out);

	/* an empty list is a result: an empty string */
	o = (dsmap_ls_options)DSMAP_LS_OPTIONS_INIT;
	assert_int_equal(dsmap_ls(&out, f->ws, DSMAP_LS_SYSTEMS, &o, DSMAP_FORMAT_TEXT), 0);
	assert_string_equal(out, "");
	dsmap_free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ls__options_layout),
		cmocka_unit_test(test_ls__category_resolve),
		cmocka_unit_test(test_ls__filters),
		cmocka_unit_test(test_ls__errors),
	};

	return cmocka_run_group_tests_name("ls", tests, setup, teardown);
}
