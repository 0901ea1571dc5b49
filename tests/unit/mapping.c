/*
 * Unit tests: the mapping loader, on the shipped mapping (checked against
 * facts taken from the notice by hand) and on broken input.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "errors.h"
#include "helpers.h"
#include "mapping.h"
#include "util.h"
#include "workspace.h"

static char *srcpath(const char *rel)
{
	const char *s = getenv("DSMAP_SRCDIR");
	char *p = dsmap__sprintf("%s/%s", s ? s : ".", rel);

	assert_non_null(p);
	return p;
}

static int setup_shipped(void **state)
{
	char *dir = srcpath("mappings");
	dsmap_mapping *m = NULL;
	int rc = dsmap_mapping_load_dir(&m, dir);

	free(dir);
	if (rc != 0) {
		size_t i;

		for (i = 0; i < dsmap_mapping_diag_count(m); i++) {
			const dsmap_diag *d = dsmap_mapping_diag(m, i);

			if (d->severity == DSMAP_DIAG_ERROR)
				fprintf(stderr, "%s:%u:%u: %s\n", d->file, d->line, d->column, d->message);
		}
		dsmap_mapping_free(m);
		return -1;
	}
	*state = m;
	return 0;
}

static int teardown_shipped(void **state)
{
	dsmap_mapping_free(*state);
	return 0;
}

static void test_mapping__shipped_loads_clean(void **state)
{
	const dsmap_mapping *m = *state;
	dsmap_mapping_counts n;

	dsmap_mapping_counts_get(&n, m);
	assert_int_equal(n.errors, 0);
	assert_int_equal(n.categories, 40);
	assert_int_equal(n.purposes, 51);
	assert_int_equal(n.subject_kinds, 12);
	assert_int_equal(n.rights, 10);
	assert_string_equal(m->language, "fr");
	assert_int_equal(m->linking_kinds.count, 3);
}

/* tests/fixtures/notice-sections.txt: lines "4.x<TAB>name" (a category of
 * section 4) and "purpose<TAB>section", written from the notice by hand. */
static void test_mapping__every_section_4_category_and_purpose(void **state)
{
	const dsmap_mapping *m = *state;
	char *path = srcpath("tests/fixtures/notice-sections.txt");
	char *buf = NULL, *line, *save = NULL;
	size_t len, cats = 0, purposes = 0, i;

	assert_int_equal(dsmap__read_file(&buf, &len, path, 1 << 20), 0);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');
		int found = 0;

		if (tab == NULL)
			continue;
		*tab = '\0';
		if (strcmp(line, "purpose") == 0) {
			for (i = 0; i < m->purposes.count; i++) {
				const struct dsmap__purpose *p = m->purposes.items[i];

				found += p->section && strcmp(p->section, tab + 1) == 0;
			}
			if (found != 1)
				fail_msg("section %s: %d purposes, expected 1", tab + 1, found);
			purposes++;
		} else {
			for (i = 0; i < m->categories.count; i++) {
				const struct dsmap__category *c = m->categories.items[i];

				found += !c->extra && c->section && strcmp(c->section, line) == 0 &&
				         c->name_fr && strcmp(c->name_fr, tab + 1) == 0;
			}
			if (found != 1)
				fail_msg("category '%s' of section %s: found %d times", tab + 1, line, found);
			cats++;
		}
	}
	assert_int_equal(cats, 27);
	assert_int_equal(purposes, 51);
	free(buf);
	free(path);
}

/* The sections of the purposes that use a category, or reach a recipient,
 * as "a b c" in mapping order. */
static void sections_using(const dsmap_mapping *m, const char *cat, const char *rec,
                           char *out, size_t size)
{
	size_t i, j;

	out[0] = '\0';
	for (i = 0; i < m->purposes.count; i++) {
		const struct dsmap__purpose *p = m->purposes.items[i];
		int hit = 0;

		for (j = 0; cat && j < p->categories.count; j++)
			hit |= strcmp(((struct dsmap__category *)p->categories.items[j])->ref, cat) == 0;
		for (j = 0; rec && j < p->recipients.count; j++)
			hit |= strcmp(((struct dsmap__recipient *)p->recipients.items[j])->id, rec) == 0;
		if (hit)
			snprintf(out + strlen(out), size - strlen(out), "%s%s", out[0] ? " " : "",
			         p->section);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the words of `s` in place. */
static void sort_words(char *s)
{
	char *w[64], copy[1024], *save = NULL, *t;
	size_t n = 0, i;

	snprintf(copy, sizeof(copy), "%s", s);
	for (t = strtok_r(copy, " ", &save); t && n < 64; t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	qsort(w, n, sizeof(*w), cmp_str);
	s[0] = '\0';
	for (i = 0; i < n; i++) {
		strcat(s, i ? " " : "");
		strcat(s, w[i]);
	}
}

/* From the notice: the tables of 6.2.1, 6.2.3, 6.3.3.3, 6.3.3.4 and 6.3.3.5
 * list the national register number among the collected data. */
static void test_mapping__national_register_number_purposes(void **state)
{
	char got[1024];

	sections_using(*state, "collected/national-register-number", NULL, got, sizeof(got));
	sort_words(got);
	assert_string_equal(got, "6.2.1 6.2.3 6.3.3.3 6.3.3.4 6.3.3.5");
}

/* From the notice: only the social tariff (6.2.3) shares data with the
 * Service public fédéral Economie, which checks eligibility. */
static void test_mapping__fps_economy_purposes(void **state)
{
	const dsmap_mapping *m = *state;
	const struct dsmap__recipient *r = dsmap_mapping__recipient(m, "fps-economy");
	char got[256];

	assert_non_null(r);
	assert_int_equal(r->kind, DSMAP__RK_AUTHORITY);
	assert_non_null(strstr(r->name_fr, "Service public fédéral Economie"));
	sections_using(m, NULL, "fps-economy", got, sizeof(got));
	assert_string_equal(got, "6.2.3");
}

/* From the notice, 6.1.1.1: camera images are kept one month. */
static void test_mapping__camera_retention(void **state)
{
	const struct dsmap__purpose *p = dsmap_mapping__purpose(*state, "camera-surveillance");
	const struct dsmap__rule *r;

	assert_non_null(p);
	assert_string_equal(p->section, "6.1.1.1");
	assert_int_equal(p->rules.count, 1);
	r = p->rules.items[0];
	assert_string_equal(r->duration, "P1M");
	assert_string_equal(r->trigger, "recording");
	assert_int_equal(r->categories.count, 0); /* all the purpose's categories */
	assert_non_null(strstr(p->retention_fr, "un mois"));
}

/* From the notice, 6.3.3.1: a legal obligation, art. 121/8, 122, 123 and
 * 127/1 §2 of the electronic communications act. */
static void test_mapping__legal_bases_6_3_3_1(void **state)
{
	const dsmap_mapping *m = *state;
	const struct dsmap__purpose *p = NULL;
	const struct dsmap__legal_basis *lb;
	size_t i;

	for (i = 0; i < m->purposes.count; i++)
		if (strcmp(((struct dsmap__purpose *)m->purposes.items[i])->section, "6.3.3.1") == 0)
			p = m->purposes.items[i];
	assert_non_null(p);
	assert_int_equal(p->legal_bases.count, 1);
	lb = p->legal_bases.items[0];
	assert_string_equal(lb->gdpr, "6(1)(c)");
	assert_string_equal(lb->law, "loi du 13 juin 2005 relative aux communications électroniques");
	assert_int_equal(lb->articles.count, 4);
	assert_string_equal(lb->articles.items[0], "121/8");
	assert_string_equal(lb->articles.items[1], "122");
	assert_string_equal(lb->articles.items[2], "123");
	assert_string_equal(lb->articles.items[3], "127/1 §2");
}

/* A copy of the minimal fixture with one file replaced. */
static char *minimal_with(const char *rel, const char *content)
{
	char *tmp = th_tmpdir(), *src = srcpath("tests/fixtures/mappings/minimal");
	char *cmd = dsmap__sprintf("cp -R '%s'/. '%s'", src, tmp);
	char *file = th_path(tmp, rel);

	assert_int_equal(system(cmd), 0);
	th_write_file(file, content);
	free(file);
	free(cmd);
	free(src);
	return tmp;
}

static const dsmap_diag *first_error(const dsmap_mapping *m)
{
	size_t i;

	for (i = 0; i < dsmap_mapping_diag_count(m); i++)
		if (dsmap_mapping_diag(m, i)->severity == DSMAP_DIAG_ERROR)
			return dsmap_mapping_diag(m, i);
	return NULL;
}

static void test_mapping__excluded_yaml_features(void **state)
{
	static const struct { const char *yaml; unsigned int line, col; const char *msg; } cases[] = {
		{ "schema: 1\nsection: &s \"11\"\ntitle_fr: *s\nrights: []\n", 2, 10,
		  "anchors and aliases" },
		{ "schema: 1\ntitle_fr: |\n  text\nrights: []\n", 2, 11, "block scalars" },
		{ "schema: 1\ntitle_fr: !fr \"x\"\nrights: []\n", 2, 11, "tags" },
		{ "schema: 1\nrights: []\n---\nschema: 1\n", 4, 1, "one YAML document" },
		{ "- schema: 1\n", 1, 1, "must be a YAML mapping" },
		{ "rights: []\nschema: 1\n", 1, 1, "starts with 'schema: 1'" },
		{ "schema: 1\nrights: []\ncolour: blue\n", 3, 1, "unknown key 'colour'" },
		{ "schema: 1\nrights: \"none\"\n", 2, 9, "'rights' must be a list" },
		{ "schema: 1\nrights: [\n", 3, 1, "YAML syntax" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *dir = minimal_with("rights.yaml", cases[i].yaml);
		dsmap_mapping *m = NULL;
		const dsmap_diag *d;

		assert_int_equal(dsmap_mapping_load_dir(&m, dir), DSMAP_EINVALID);
		assert_non_null(m);
		d = first_error(m);
		assert_non_null(d);
		if (strcmp(d->file, "rights.yaml") != 0 || d->line != cases[i].line ||
		    d->column != cases[i].col || strstr(d->message, cases[i].msg) == NULL)
			fail_msg("case %zu: got %s:%u:%u: %s", i, d->file, d->line, d->column, d->message);
		dsmap_mapping_free(m);
		th_rmtree(dir);
	}
}

/* The first DSMAP_MAPPING_DIAG_MAX diagnostics are kept, the rest counted. */
static void test_mapping__diagnostics_are_capped(void **state)
{
	struct dsmap__out o = { NULL, 0, 0, 0 };
	dsmap_mapping_counts n;
	dsmap_mapping *m = NULL;
	char *dir;
	size_t i;

	(void)state;
	dsmap__outf(&o, "schema: 1\nrights: []\n");
	for (i = 0; i < 250; i++)
		dsmap__outf(&o, "typo%zu: 1\n", i);
	assert_false(o.oom);
	dir = minimal_with("rights.yaml", o.buf);
	assert_int_equal(dsmap_mapping_load_dir(&m, dir), DSMAP_EINVALID);
	assert_int_equal(dsmap_mapping_diag_count(m), DSMAP_MAPPING_DIAG_MAX);
	assert_int_equal(dsmap_mapping_diag_omitted(m), 250 - DSMAP_MAPPING_DIAG_MAX);
	dsmap_mapping_counts_get(&n, m);
	assert_int_equal(n.errors, 250);
	/* the first ones raised, in order */
	assert_non_null(strstr(dsmap_mapping_diag(m, 0)->message, "'typo0'"));
	assert_int_equal(dsmap_mapping_diag(m, 0)->line, 3);
	assert_non_null(strstr(dsmap_mapping_diag(m, DSMAP_MAPPING_DIAG_MAX - 1)->message, "'typo99'"));
	assert_null(dsmap_mapping_diag(m, DSMAP_MAPPING_DIAG_MAX));
	dsmap_mapping_free(m);
	th_rmtree(dir);
	free(o.buf);
}

static void test_mapping__durations_and_triggers(void **state)
{
	char *src = srcpath("tests/fixtures/mappings/minimal/purposes/pickx-promotion.yaml");
	char *buf = NULL, *p;
	size_t len;
	char *dir;
	dsmap_mapping *m = NULL;
	const dsmap_diag *d;

	(void)state;
	assert_int_equal(dsmap__read_file(&buf, &len, src, 1 << 20), 0);
	assert_non_null(p = strstr(buf, "duration: P2Y"));
	memcpy(p, "duration: 2Y ", 13);
	dir = minimal_with("purposes/pickx-promotion.yaml", buf);
	assert_int_equal(dsmap_mapping_load_dir(&m, dir), DSMAP_EINVALID);
	d = first_error(m);
	assert_non_null(strstr(d->message, "'2Y' is not an ISO 8601 duration"));
	dsmap_mapping_free(m);
	th_rmtree(dir);

	memcpy(p, "duration: P2Y", 13);
	assert_non_null(p = strstr(buf, "trigger: collection"));
	memcpy(p, "trigger: collectio_", 19);
	dir = minimal_with("purposes/pickx-promotion.yaml", buf);
	assert_int_equal(dsmap_mapping_load_dir(&m, dir), DSMAP_EINVALID);
	d = first_error(m);
	assert_non_null(strstr(d->message, "unknown retention trigger 'collectio_'"));
	dsmap_mapping_free(m);
	th_rmtree(dir);
	free(buf);
	free(src);
}

static void test_mapping__load_rev_matches_dir(void **state)
{
	const dsmap_mapping *shipped = *state;
	char *tmp = th_tmpdir(), *wsdir = th_path(tmp, "ws");
	dsmap_workspace *ws = NULL;
	dsmap_mapping *m = NULL;
	dsmap_mapping_counts a, b;

	assert_int_equal(dsmap_workspace_init(&ws, wsdir, NULL), 0);
	assert_int_equal(dsmap_mapping_load_rev(&m, ws, "HEAD"), 0);
	dsmap_mapping_counts_get(&a, shipped);
	dsmap_mapping_counts_get(&b, m);
	assert_memory_equal(&a, &b, sizeof(a));
	dsmap_mapping_free(m);

	m = NULL;
	assert_int_equal(dsmap_mapping_load_rev(&m, ws, "HEAD~3"), DSMAP_ENOTFOUND);
	assert_null(m);
	assert_true(th_error_contains("revision 'HEAD~3'"));
	assert_int_equal(dsmap_mapping_load_rev(&m, ws, "HEAD^{bogus}"), DSMAP_EINVALID);
	assert_null(m);
	dsmap_workspace_free(ws);
	free(wsdir);
	th_rmtree(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mapping__shipped_loads_clean),
		cmocka_unit_test(test_mapping__every_section_4_category_and_purpose),
		cmocka_unit_test(test_mapping__national_register_number_purposes),
		cmocka_unit_test(test_mapping__fps_economy_purposes),
		cmocka_unit_test(test_mapping__camera_retention),
		cmocka_unit_test(test_mapping__legal_bases_6_3_3_1),
		cmocka_unit_test(test_mapping__excluded_yaml_features),
		cmocka_unit_test(test_mapping__diagnostics_are_capped),
		cmocka_unit_test(test_mapping__durations_and_triggers),
		cmocka_unit_test(test_mapping__load_rev_matches_dir),
	};

	return cmocka_run_group_tests_name("mapping", tests, setup_shipped, teardown_shipped);
}
