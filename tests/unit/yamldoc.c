/*
 * Unit tests: one YAML document within limits (core/yamldoc.c).  The
 * composer must build what libyaml's loader builds, node for node, and
 * stop early on what the loader would take minutes or gigabytes over.
 */
#include "config.h"

#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "errors.h"
#include "util.h"
#include "yamldoc.h"

static char *srcpath(const char *rel)
{
	const char *s = getenv("DSMAP_SRCDIR");
	char *p = dsmap__sprintf("%s/%s", s ? s : ".", rel);

	assert_non_null(p);
	return p;
}

static int same_mark(yaml_mark_t a, yaml_mark_t b)
{
	return a.index == b.index && a.line == b.line && a.column == b.column;
}

static int same_tag(const yaml_char_t *a, const yaml_char_t *b)
{
	return (a == NULL && b == NULL) ||
	       (a != NULL && b != NULL && strcmp((const char *)a, (const char *)b) == 0);
}

/* Node for node, what the loader and the composer make of `data`. */
static void assert_same_as_loader(const char *name, const char *data, size_t len)
{
	struct dsmap__yaml_error err;
	yaml_document_t want, got;
	yaml_parser_t parser;
	size_t i, n;

	assert_true(yaml_parser_initialize(&parser));
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	assert_true(yaml_parser_load(&parser, &want));
	yaml_parser_delete(&parser);
	if (dsmap__yaml_load(&got, data, len, &err) != 0)
		fail_msg("%s:%u:%u: %s", name, err.line, err.column, err.message);

	n = (size_t)(want.nodes.top - want.nodes.start);
	assert_int_equal(n, (size_t)(got.nodes.top - got.nodes.start));
	for (i = 0; i < n; i++) {
		const yaml_node_t *a = &want.nodes.start[i], *b = &got.nodes.start[i];

		if (a->type != b->type || !same_tag(a->tag, b->tag) ||
		    !same_mark(a->start_mark, b->start_mark) || !same_mark(a->end_mark, b->end_mark))
			fail_msg("%s: node %zu (line %zu) differs", name, i + 1, a->start_mark.line + 1);
		switch (a->type) {
		case YAML_SCALAR_NODE:
			assert_int_equal(a->data.scalar.length, b->data.scalar.length);
			assert_memory_equal(a->data.scalar.value, b->data.scalar.value,
			                    a->data.scalar.length);
			assert_int_equal(a->data.scalar.style, b->data.scalar.style);
			break;
		case YAML_SEQUENCE_NODE:
			assert_int_equal(a->data.sequence.style, b->data.sequence.style);
			assert_int_equal(a->data.sequence.items.top - a->data.sequence.items.start,
			                 b->data.sequence.items.top - b->data.sequence.items.start);
			assert_memory_equal(a->data.sequence.items.start, b->data.sequence.items.start,
			                    (size_t)(a->data.sequence.items.top -
			                             a->data.sequence.items.start) *
			                    sizeof(yaml_node_item_t));
			break;
		case YAML_MAPPING_NODE:
			assert_int_equal(a->data.mapping.style, b->data.mapping.style);
			assert_int_equal(a->data.mapping.pairs.top - a->data.mapping.pairs.start,
			                 b->data.mapping.pairs.top - b->data.mapping.pairs.start);
			assert_memory_equal(a->data.mapping.pairs.start, b->data.mapping.pairs.start,
			                    (size_t)(a->data.mapping.pairs.top -
			                             a->data.mapping.pairs.start) *
			                    sizeof(yaml_node_pair_t));
			break;
		default:
			fail_msg("%s: node %zu has no type", name, i + 1);
		}
	}
	yaml_document_delete(&want);
	yaml_document_delete(&got);
}

static void same_in_dir(const char *rel, size_t *files)
{
	char *dir = srcpath(rel);
	struct dirent *e;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name), len;
		char *path, *buf;

		if (n <= 5 || strcmp(e->d_name + n - 5, ".yaml") != 0)
			continue;
		assert_non_null(path = dsmap__sprintf("%s/%s", dir, e->d_name));
		assert_int_equal(dsmap__read_file(&buf, &len, path, 8u << 20), 0);
		assert_same_as_loader(path, buf, len);
		free(buf);
		free(path);
		(*files)++;
	}
	closedir(d);
	free(dir);
}

static void test_yamldoc__same_as_libyaml_loader(void **state)
{
	static const char *const snippets[] = {
		"",
		"# only a comment\n",
		"schema: 1\n",
		"a: [b, {c: d, e: [f, g]}, ~, 'q', \"dq\", !!str 3]\nh:\n  - i\n  -\n  - j: k\n    l: m\n",
		"? complex\n: key\n[x, y]: flow key\n",
		"a: !!map {b: c}\nd: !!seq [e]\n",
		"--- x\n...\n",
		"a: ! b\n",
	};
	size_t i, files = 0;

	(void)state;
	for (i = 0; i < sizeof(snippets) / sizeof(snippets[0]); i++) {
		char name[32];

		snprintf(name, sizeof(name), "snippet %zu", i);
		assert_same_as_loader(name, snippets[i], strlen(snippets[i]));
	}
	same_in_dir("mappings", &files);
	same_in_dir("mappings/purposes", &files);
	same_in_dir("tests/fixtures/mappings/minimal", &files);
	same_in_dir("tests/fixtures/mappings/minimal/purposes", &files);
	assert_true(files > 60);
}

/* `open` and `close` repeated `depth` times around `inner`. */
static char *nest(const char *head, const char *open, const char *inner, const char *close,
                  size_t depth)
{
	size_t lo = strlen(open), lc = strlen(close), lh = strlen(head), li = strlen(inner), i;
	char *s = malloc(lh + depth * (lo + lc) + li + 2), *p = s;

	assert_non_null(s);
	memcpy(p, head, lh);
	p += lh;
	for (i = 0; i < depth; i++, p += lo)
		memcpy(p, open, lo);
	memcpy(p, inner, li);
	p += li;
	for (i = 0; i < depth; i++, p += lc)
		memcpy(p, close, lc);
	*p++ = '\n';
	*p = '\0';
	return s;
}

static int load(const char *s, struct dsmap__yaml_error *err)
{
	yaml_document_t doc;
	int rc = dsmap__yaml_load(&doc, s, strlen(s), err);

	if (rc == 0)
		yaml_document_delete(&doc);
	return rc;
}

static void test_yamldoc__depth_limit(void **state)
{
	struct dsmap__yaml_error err;
	char *s;

	(void)state;
	/* the root mapping is level 1: 63 more lists fit, 64 do not */
	s = nest("schema: 1\nx: ", "[", "y", "]", DSMAP__YAML_DEPTH_MAX - 1);
	assert_int_equal(load(s, &err), 0);
	free(s);
	s = nest("schema: 1\nx: ", "[", "y", "]", DSMAP__YAML_DEPTH_MAX);
	assert_int_equal(load(s, &err), DSMAP_EINVALID);
	assert_non_null(strstr(err.message, "nested more than 64 deep"));
	/* the 64th '[' opens level 65: column 3 + 64 */
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 3 + DSMAP__YAML_DEPTH_MAX);
	free(s);

	/* block collections count alike: "- - - x" */
	s = nest("schema: 1\nx:\n", "- ", "x", "", DSMAP__YAML_DEPTH_MAX);
	assert_int_equal(load(s, &err), DSMAP_EINVALID);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.column, 2 * DSMAP__YAML_DEPTH_MAX - 1);
	free(s);
}

/* The case of the report: libyaml alone takes minutes over 2 MB of "[". */
static void test_yamldoc__deep_flow_is_refused_fast(void **state)
{
	struct dsmap__yaml_error err;
	struct timespec t0, t1;
	double s;
	char *doc = nest("schema: 1\nx: ", "[", "", "]", 1000000);

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(load(doc, &err), DSMAP_EINVALID);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 3 + DSMAP__YAML_DEPTH_MAX);
	/* about 3 ms here; the bound leaves room for a loaded machine */
	if (s > 1.0)
		fail_msg("took %.3f s", s);
	free(doc);

	doc = nest("schema: 1\nx: ", "{a: ", "1", "}", 400000);
	assert_int_equal(load(doc, &err), DSMAP_EINVALID);
	assert_non_null(strstr(err.message, "nested more than 64 deep"));
	free(doc);
}

static void test_yamldoc__node_limit(void **state)
{
	struct dsmap__yaml_error err;
	size_t i, n;
	char *s, *p;

	(void)state;
	/* a root sequence of n - 1 scalars: n nodes */
	n = DSMAP__YAML_NODES_MAX;
	s = malloc(4 * n + 8);
	assert_non_null(s);
	p = s;
	*p++ = '[';
	for (i = 0; i < n - 1; i++) {
		memcpy(p, "a, ", 3);
		p += 3;
	}
	memcpy(p - 2, "]\n", 3);
	assert_int_equal(load(s, &err), 0);
	memcpy(p - 2, ", b]\n", 6);
	assert_int_equal(load(s, &err), DSMAP_EINVALID);
	assert_non_null(strstr(err.message, "more than 100000 YAML nodes"));
	assert_int_equal(err.line, 1);
	assert_int_equal(err.column, 2 + 3 * (n - 1));
	free(s);
}

static void test_yamldoc__refused(void **state)
{
	static const struct { const char *yaml; unsigned int line, col; const char *msg; } cases[] = {
		{ "schema: 1\nsection: &s \"11\"\ntitle_fr: *s\n", 2, 10, "anchors and aliases" },
		{ "schema: 1\nsection: &s \"11\"\n", 2, 10, "anchors and aliases" },
		{ "schema: 1\nx: *s\n", 2, 4, "anchors and aliases" },
		{ "schema: 1\nx: &a [1]\n", 2, 4, "anchors and aliases" },
		{ "schema: 1\nrights: []\n---\nschema: 1\n", 4, 1, "one YAML document" },
		{ "schema: 1\nrights: [\n", 3, 1, "YAML syntax: did not find expected node content" },
		{ "a: b: c\n", 1, 5, "YAML syntax: mapping values are not allowed" },
	};
	struct dsmap__yaml_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(load(cases[i].yaml, &err), DSMAP_EINVALID);
		if (err.line != cases[i].line || err.column != cases[i].col ||
		    strstr(err.message, cases[i].msg) == NULL)
			fail_msg("case %zu: got %u:%u: %s", i, err.line, err.column, err.message);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yamldoc__same_as_libyaml_loader),
		cmocka_unit_test(test_yamldoc__depth_limit),
		cmocka_unit_test(test_yamldoc__deep_flow_is_refused_fast),
		cmocka_unit_test(test_yamldoc__node_limit),
		cmocka_unit_test(test_yamldoc__refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
