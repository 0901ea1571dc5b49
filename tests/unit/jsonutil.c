/*
 * Unit tests: dumps with parts dumped before (dsmap__json_dump_parts(),
 * which locate's answers use) give jansson's own text of the whole tree,
 * at every depth and in every format, and leave alone what only looks like
 * a marker; dsmap__json_indent().
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "jsonutil.h"

#define MARK "\x01" "0123456789abcdef0123456789abcdef"

struct parts {
	json_t *values[4];
	char *texts[4];           /* what the last call gave, freed by the test */
	int calls;
	int fail;                 /* give NULL for this part number, or -1 */
};

static const char *give(void *payload, size_t n, size_t flags, size_t indent, size_t *len)
{
	struct parts *p = payload;
	char *text;

	p->calls++;
	if (n >= 4 || (int)n == p->fail)
		return NULL;
	if ((text = dsmap__json_dumps(p->values[n], flags | JSON_ENCODE_ANY)) == NULL)
		return NULL;
	free(p->texts[n]);
	p->texts[n] = dsmap__json_indent(text, strlen(text), indent, len);
	free(text);
	return p->texts[n];
}

static void parts_free(struct parts *p)
{
	size_t i;

	for (i = 0; i < 4; i++) {
		json_decref(p->values[i]);
		free(p->texts[i]);
	}
}

/* The tree with markers, and the same tree with the values in their place. */
static void trees(struct parts *p, json_t **marked, json_t **whole)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->fail = -1;
	p->values[0] = json_pack("{s:[i,i], s:s, s:{}}", "x", 1, 2, "y", "z\nline", "empty");
	p->values[1] = json_pack("[{s:s}, [], [[i]]]", "k", "v\"w", 1);
	p->values[2] = json_string("a part that is a string: \xc3\xa9t\xc3\xa9");
	p->values[3] = json_null();
	for (i = 0; i < 4; i++)
		assert_non_null(p->values[i]);
	*marked = json_pack("{s:[i, s], s:{s:s, s:{s:s}}, s:s, s:s, s:s, s:s, s:[s, s]}",
	    "a", 1, MARK "0",
	    "b", "c", MARK "1", "deeper", "d", MARK "0",
	    "e", MARK "2",
	    "not ours", "\x01" "ffffffffffffffffffffffffffffffff0",
	    "no number", MARK,
	    "number and more", MARK "3x",
	    "last", MARK "3", MARK "1");
	*whole = json_pack("{s:[i, O], s:{s:O, s:{s:O}}, s:O, s:s, s:s, s:s, s:[O, O]}",
	    "a", 1, p->values[0],
	    "b", "c", p->values[1], "deeper", "d", p->values[0],
	    "e", p->values[2],
	    "not ours", "\x01" "ffffffffffffffffffffffffffffffff0",
	    "no number", MARK,
	    "number and more", MARK "3x",
	    "last", p->values[3], p->values[1]);
	assert_non_null(*marked);
	assert_non_null(*whole);
}

static void test_jsonutil__parts_give_the_whole_dump(void **state)
{
	static const size_t formats[] = { JSON_INDENT(2), JSON_INDENT(4), JSON_INDENT(1), 0,
	                                  JSON_COMPACT, JSON_COMPACT | JSON_ENSURE_ASCII };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct parts p;
		json_t *marked, *whole;
		char *got, *want;

		trees(&p, &marked, &whole);
		got = dsmap__json_dump_parts(marked, formats[i], 1, MARK, give, &p);
		want = dsmap__json_dumpln(whole, formats[i]);
		assert_non_null(got);
		assert_non_null(want);
		if (strcmp(got, want) != 0)
			fail_msg("flags %zx:\n--- got\n%s--- wanted\n%s", formats[i], got, want);
		/* six markers of ours, each replaced; the look-alikes left */
		assert_int_equal(p.calls, 6);
		assert_non_null(strstr(got, "\"\\u0001ffffffffffffffffffffffffffffffff0\""));
		free(got);
		free(want);
		json_decref(marked);
		json_decref(whole);
		parts_free(&p);
	}
}

static void test_jsonutil__a_tree_that_is_a_part(void **state)
{
	struct parts p;
	json_t *marked, *whole, *m = json_string(MARK "1");
	char *got;

	(void)state;
	trees(&p, &marked, &whole);
	got = dsmap__json_dump_parts(m, JSON_INDENT(2) | JSON_ENCODE_ANY, 0, MARK, give, &p);
	assert_non_null(got);
	assert_string_equal(got, "[\n  {\n    \"k\": \"v\\\"w\"\n  },\n  [],\n  [\n    [\n      1\n    ]\n  ]\n]");
	free(got);
	json_decref(m);
	json_decref(marked);
	json_decref(whole);
	parts_free(&p);
}

static void test_jsonutil__no_marker_no_call(void **state)
{
	struct parts p;
	json_t *marked, *whole;
	char *got, *want;

	(void)state;
	trees(&p, &marked, &whole);
	got = dsmap__json_dump_parts(whole, JSON_INDENT(2), 1, MARK, give, &p);
	want = dsmap__json_dumpln(whole, JSON_INDENT(2));
	assert_string_equal(got, want);
	assert_int_equal(p.calls, 0);
	free(got);
	free(want);
	json_decref(marked);
	json_decref(whole);
	parts_free(&p);
}

static void test_jsonutil__a_part_that_fails(void **state)
{
	struct parts p;
	json_t *marked, *whole;

	(void)state;
	trees(&p, &marked, &whole);
	p.fail = 2;
	assert_null(dsmap__json_dump_parts(marked, JSON_INDENT(2), 1, MARK, give, &p));
	/* a mark that jansson would escape other than "\u0001" and letters */
	assert_null(dsmap__json_dump_parts(marked, JSON_INDENT(2), 1, "no control first", give, &p));
	json_decref(marked);
	json_decref(whole);
	parts_free(&p);
}

static void test_jsonutil__indent(void **state)
{
	static const struct {
		const char *in;
		size_t indent;
		const char *out;
	} cases[] = {
		{ "", 4, "" },
		{ "[]", 4, "[]" },
		{ "[\n  1\n]", 0, "[\n  1\n]" },
		{ "[\n  1\n]", 3, "[\n     1\n   ]" },
		{ "a\n", 2, "a\n  " },
		{ "\n\n", 1, "\n \n " },
	};
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = dsmap__json_indent(cases[i].in, strlen(cases[i].in), cases[i].indent, &len);

		assert_non_null(got);
		assert_string_equal(got, cases[i].out);
		assert_int_equal(len, strlen(cases[i].out));
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonutil__parts_give_the_whole_dump),
		cmocka_unit_test(test_jsonutil__a_tree_that_is_a_part),
		cmocka_unit_test(test_jsonutil__no_marker_no_call),
		cmocka_unit_test(test_jsonutil__a_part_that_fails),
		cmocka_unit_test(test_jsonutil__indent),
	};

	return cmocka_run_group_tests_name("jsonutil", tests, NULL, NULL);
}
