/*
 * Unit tests: loading plugins, checking their ABI and the files they come
 * from, and driving the synthetic plugin through the ABI.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "helpers.h"
#include "errors.h"
#include "plugins.h"
#include "runner.h"
#include "util.h"

static char *built(const char *rel)
{
	const char *b = getenv("DSMAP_BUILDDIR");
	char *p = dsmap__sprintf("%s/%s", b ? b : ".", rel);

	assert_non_null(p);
	return p;
}

static void test_plugins__load_synthetic(void **state)
{
	char *path = built("plugins/.libs/synthetic.so");
	dsmap_plugin *p = NULL;
	const dsmap_plugin_info *i;

	(void)state;
	if (dsmap_plugin_load(&p, path) != 0)
		fail_msg("%s", dsmap_error_last()->message);
	i = dsmap_plugin_info_get(p);
	assert_string_equal(i->name, "synthetic");
	assert_int_equal(i->abi_major, DSMAP_PLUGIN_ABI_MAJOR);
	assert_int_equal(i->abi_minor, 0);          /* it stays a 1.0 plugin */
	assert_string_equal(i->path, path);
	assert_false(i->has_lookup);
	assert_non_null(strstr(i->config_help, "count"));
	dsmap_plugin_free(p);
	free(path);
}

static void test_plugins__wrong_major_refused(void **state)
{
	char *path = built("tests/fixtures/plugins/.libs/abi-major.so");
	dsmap_plugin *p = NULL;

	(void)state;
	assert_int_equal(dsmap_plugin_load(&p, path), DSMAP_EABI);
	assert_null(p);
	assert_true(th_error_contains("built for plugin ABI 2.0, this dsmap speaks 1.1"));
	free(path);
}

static void test_plugins__newer_minor_refused(void **state)
{
	char *path = built("tests/fixtures/plugins/.libs/abi-minor.so");
	dsmap_plugin *p = NULL;

	(void)state;
	assert_int_equal(dsmap_plugin_load(&p, path), DSMAP_EABI);
	assert_true(th_error_contains("built for plugin ABI 1.99, newer than this dsmap's 1.1"));
	free(path);
}

static void test_plugins__not_a_plugin_refused(void **state)
{
	char *path = built("tests/fixtures/plugins/.libs/no-entry.so");
	dsmap_plugin *p = NULL;

	(void)state;
	assert_int_equal(dsmap_plugin_load(&p, path), DSMAP_EINVALID);
	assert_true(th_error_contains("not a dsmap plugin"));
	free(path);
	assert_int_equal(dsmap_plugin_load(&p, "/nonexistent/x.so"), DSMAP_ENOTFOUND);
}

static void copy_file(const char *from, const char *to)
{
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(dsmap__read_file(&buf, &len, from, 64 << 20), 0);
	unlink(to);
	assert_int_equal(dsmap__write_new_file(to, buf, len, 0755), 0);
	free(buf);
}

static void test_plugins__unsafe_files_refused(void **state)
{
	char *src = built("plugins/.libs/synthetic.so");
	char *tmp = th_tmpdir(), *dst = th_path(tmp, "synthetic.so");
	dsmap_plugin *p = NULL;

	(void)state;
	copy_file(src, dst);
	assert_int_equal(chmod(dst, 0757), 0);
	assert_int_equal(dsmap_plugin_load(&p, dst), DSMAP_EPERM);
	assert_true(th_error_contains("world-writable (mode 0757)"));

	assert_int_equal(chmod(dst, 0755), 0);
	assert_int_equal(chmod(tmp, 0777), 0);
	assert_int_equal(dsmap_plugin_load(&p, dst), DSMAP_EPERM);
	assert_true(th_error_contains("its directory"));

	/* A world-writable directory with the sticky bit (like /tmp) is fine. */
	assert_int_equal(chmod(tmp, 01777), 0);
	assert_int_equal(dsmap_plugin_load(&p, dst), 0);
	dsmap_plugin_free(p);

	if (geteuid() == 0) {
		/* Owned by someone who is neither root nor us. */
		assert_int_equal(chown(dst, 12345, 12345), 0);
		assert_int_equal(dsmap_plugin_load(&p, dst), DSMAP_EPERM);
		assert_true(th_error_contains("owned by uid 12345"));
	}
	free(dst);
	th_rmtree(tmp);
	free(src);
}

struct seen { int records; int emails; int cats; char last[64]; };

static int on_record(const dsmap_plugin_record *r, void *payload)
{
	struct seen *s = payload;
	size_t i;

	s->records++;
	for (i = 0; i < r->identifier_count; i++)
		if (r->identifiers[i].kind == DSMAP_ID_EMAIL)
			s->emails++;
	s->cats += (int)r->category_count;
	snprintf(s->last, sizeof(s->last), "%.*s", (int)r->locator_len, r->locator);
	return 0;
}

static char host_msg[256];

static void host_set_error(dsmap_plugin_host *host, const char *fmt, ...)
{
	va_list ap;

	(void)host;
	va_start(ap, fmt);
	vsnprintf(host_msg, sizeof(host_msg), fmt, ap);
	va_end(ap);
}

static void test_plugins__scan_through_abi(void **state)
{
	char *path = built("plugins/.libs/synthetic.so");
	dsmap_plugin *p = NULL;
	dsmap_plugin_host host = { DSMAP_PLUGIN_ABI_MAJOR, DSMAP_PLUGIN_ABI_MINOR,
	                           sizeof(dsmap_plugin_host), host_set_error, NULL };
	dsmap_plugin_id_field ids[] = { { "email", DSMAP_ID_EMAIL },
	                                { "cust", DSMAP_ID_CUSTOMER_NUMBER } };
	const char *cats[] = { "collected/identification-contact", "collected/birth-date" };
	dsmap_plugin_category_field cf[] = { { "name", 2, cats } };
	dsmap_plugin_option sopts[] = { { "count", "25" }, { "first", "100" } };
	dsmap_plugin_source src = { "crm", 2, ids, 1, cf, NULL, 2, sopts, 0, NULL };
	dsmap_plugin_config cfg = { "crm", 0, NULL, 1, &src };
	dsmap_plugin_option bad[] = { { "count", "lots" } };
	struct seen seen = { 0, 0, 0, "" };
	void *ctx = NULL;

	(void)state;
	assert_int_equal(dsmap_plugin_load(&p, path), 0);
	assert_int_equal(p->desc->open(&ctx, &host, &cfg), DSMAP_PLUGIN_OK);
	assert_int_equal(p->desc->scan(ctx, on_record, NULL, &seen), DSMAP_PLUGIN_OK);
	p->desc->close(ctx);
	assert_int_equal(seen.records, 25);
	assert_int_equal(seen.emails, 25);
	assert_int_equal(seen.cats, 50);
	assert_string_equal(seen.last, "crm/124");

	/* A bad option fails open, with a message through the host. */
	src.options = bad;
	src.option_count = 1;
	ctx = NULL;
	assert_int_equal(p->desc->open(&ctx, &host, &cfg), DSMAP_PLUGIN_ECONFIG);
	assert_null(ctx);
	assert_string_equal(host_msg, "source crm: option count: 'lots' is not a whole number");
	dsmap_plugin_free(p);
	free(path);
}

struct listing { int found; int refused; int synthetic; };

static int on_plugin(const char *path, const dsmap_plugin *p, const char *error, void *payload)
{
	struct listing *l = payload;

	(void)path;
	if (p == NULL) {
		assert_non_null(error);
		l->refused++;
	} else {
		l->found++;
		if (strcmp(dsmap_plugin_info_get(p)->name, "synthetic") == 0)
			l->synthetic++;
	}
	return 0;
}

static void test_plugins__search_path(void **state)
{
	char *a = built("plugins/.libs"), *b = built("tests/fixtures/plugins/.libs");
	char *sp = dsmap__sprintf("%s:%s:%s:/nonexistent", a, a, b);
	struct listing l = { 0, 0, 0 };
	dsmap_plugin *p = NULL;

	(void)state;
	assert_int_equal(dsmap_plugin_each(sp, on_plugin, &l), 0);
	/* The second copy of the same directory is skipped: first one wins. */
	assert_int_equal(l.synthetic, 1);
	assert_int_equal(l.refused, 3); /* abi-major, abi-minor, no-entry */

	assert_int_equal(dsmap_plugin_find(&p, sp, "synthetic"), 0);
	assert_string_equal(dsmap_plugin_info_get(p)->name, "synthetic");
	dsmap_plugin_free(p);
	assert_int_equal(dsmap_plugin_find(&p, sp, "oracle"), DSMAP_ENOTFOUND);
	assert_true(th_error_contains("no plugin 'oracle' (oracle.so)"));
	assert_int_equal(dsmap_plugin_find(&p, sp, "../synthetic"), DSMAP_EINVALID);
	assert_int_equal(dsmap_plugin_find(&p, sp, "abi-major"), DSMAP_EABI);
	free(sp);
	free(a);
	free(b);
}

/* The runner's mapping of a record's attribute values to facet masks
 * (subject_kind: {field: status, values: {active: customers, closed:
 * ex-customers, lead: prospects}}), with and without a default. */
static void test_plugins__runner_facet_mask(void **state)
{
	/* facet numbers: customers 0, ex-customers 1, prospects 5 */
	static const struct dsmap__runner_facet_value vals[] = {
		{ "active", 6, 1u << 0 }, { "closed", 6, 1u << 1 }, { "lead", 4, 1u << 5 },
	};
	struct dsmap__runner_facet kind = { 1, 0, 3, vals, 0, 0, 0x23, "status" };
	struct dsmap__runner_facet fixed = { -1, 1u << 3, 0, NULL, 0, 0, 1u << 3, NULL };
	struct dsmap__runner_facet none = { -1, 0, 0, NULL, 0, 0, 0, NULL };
	dsmap_plugin_value attrs[2] = { { "x", 1 }, { "lead", 4 } };
	int unmapped = -1;

	(void)state;
	assert_int_equal(dsmap__runner_facet_mask(&kind, attrs, 2, &unmapped), 1u << 5);
	assert_int_equal(unmapped, 0);
	/* exact bytes: a prefix, another case, trailing space are not mapped */
	attrs[1].len = 3;
	assert_int_equal(dsmap__runner_facet_mask(&kind, attrs, 2, &unmapped), 0);
	assert_int_equal(unmapped, 1);
	attrs[1].value = "Lead";
	attrs[1].len = 4;
	assert_int_equal(dsmap__runner_facet_mask(&kind, attrs, 2, &unmapped), 0);
	assert_int_equal(unmapped, 1);
	attrs[1].value = "prospect";
	attrs[1].len = 8;
	assert_int_equal(dsmap__runner_facet_mask(&kind, attrs, 2, &unmapped), 0);
	assert_int_equal(unmapped, 1);
	/* no value, an empty value: not mapped either */
	attrs[1].value = NULL;
	attrs[1].len = 0;
	assert_int_equal(dsmap__runner_facet_mask(&kind, attrs, 2, &unmapped), 0);
	assert_int_equal(unmapped, 1);
	attrs[1].value = "";
	assert_int_equal(dsmap__runner_facet_mask(&kind, attrs, 2, &unmapped), 0);
	assert_int_equal(unmapped, 1);
	/* with a default, whatever is not listed takes it, and is mapped */
	kind.dflt = 1u << 0;
	kind.has_default = 1;
	assert_int_equal(dsmap__runner_facet_mask(&kind, attrs, 2, &unmapped), 1u << 0);
	assert_int_equal(unmapped, 0);
	attrs[1].value = "closed";
	attrs[1].len = 6;
	assert_int_equal(dsmap__runner_facet_mask(&kind, attrs, 2, &unmapped), 1u << 1);
	/* a plugin of ABI 1.0 sends no attributes: unknown, not counted */
	assert_int_equal(dsmap__runner_facet_mask(&kind, NULL, 0, &unmapped), 0);
	assert_int_equal(unmapped, 0);
	/* a fixed facet, whatever the record; none at all: unknown */
	assert_int_equal(dsmap__runner_facet_mask(&fixed, attrs, 2, &unmapped), 1u << 3);
	assert_int_equal(unmapped, 0);
	assert_int_equal(dsmap__runner_facet_mask(&fixed, NULL, 0, &unmapped), 1u << 3);
	assert_int_equal(dsmap__runner_facet_mask(&none, attrs, 2, &unmapped), 0);
	assert_int_equal(unmapped, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plugins__load_synthetic),
		cmocka_unit_test(test_plugins__wrong_major_refused),
		cmocka_unit_test(test_plugins__newer_minor_refused),
		cmocka_unit_test(test_plugins__not_a_plugin_refused),
		cmocka_unit_test(test_plugins__unsafe_files_refused),
		cmocka_unit_test(test_plugins__scan_through_abi),
		cmocka_unit_test(test_plugins__search_path),
		cmocka_unit_test(test_plugins__runner_facet_mask),
	};

	return cmocka_run_group_tests_name("plugins", tests, NULL, NULL);
}
