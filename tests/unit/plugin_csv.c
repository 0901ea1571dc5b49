/*
 * Unit tests: the csv plugin, driven through its descriptor by a fake
 * host, and the code it shares with the other file plugins
 * (plugins/common/fsrc: timestamps, paths, the line reader).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "plugin-host.h"
#include "../../plugins/common/fsrc.h"

struct t {
	char *dir;
	ph_host h;
	ph_sink sink;
	ph_config cfg;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->dir = ph_tmpdir();
	ph_host_init(&t->h);
	ph_config_init(&t->cfg, "crm");
	ph_sysopt(&t->cfg, "directory", t->dir);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	ph_sink_free(&t->sink);
	ph_rmtree(t->dir);
	free(t);
	return 0;
}

static void put(struct t *t, const char *name, const char *content)
{
	char *p = ph_path(t->dir, name);

	ph_write(p, content);
	free(p);
}

static int run(struct t *t, int with_reject)
{
	return ph_run(&t->cfg.config, &t->h, &t->sink, with_reject);
}

static const char *const CAT_NAME[] = { "collected/name" };
static const char *const CAT_BIRTH[] = { "collected/birth-date", "collected/age" };
static const char *const CAT_NOTE[] = { "collected/note" };

/* ---- fsrc: timestamps ------------------------------------------------------ */

static int64_t ts(const char *s)
{
	int64_t v = 12345;

	if (dsmap_fsrc__parse_time(s, strlen(s), &v) != 0)
		fail_msg("'%s' was refused", s);
	return v;
}

static int ts_bad(const char *s)
{
	int64_t v = 12345;

	if (dsmap_fsrc__parse_time(s, strlen(s), &v) == 0) {
		fprintf(stderr, "'%s' was accepted as %lld\n", s, (long long)v);
		return 0;
	}
	return v == 12345;   /* and *out is untouched */
}

static void test_fsrc__time_epoch(void **state)
{
	(void)state;
	assert_int_equal(ts("0"), 0);
	assert_int_equal(ts("1700000000"), 1700000000);
	assert_int_equal(ts("+1700000000"), 1700000000);
	assert_int_equal(ts("-86400"), -86400);
	assert_int_equal(ts("1700000000.75"), 1700000000);
	assert_int_equal(ts("-1.5"), -2);
	assert_int_equal(ts("-2.0"), -2);
	assert_int_equal(ts("  42\t"), 42);
	assert_int_equal(ts("9223372036854775807"), INT64_MAX);
}

static void test_fsrc__time_date(void **state)
{
	(void)state;
	assert_int_equal(ts("1970-01-01"), 0);
	assert_int_equal(ts("2024-02-29"), 1709164800);
	assert_int_equal(ts("2000-03-01"), 951868800);
	assert_int_equal(ts("1900-03-01"), -2203891200LL);
	assert_int_equal(ts("0001-01-01"), -62135596800LL);
	assert_int_equal(ts(" 2024-02-29 "), 1709164800);
}

static void test_fsrc__time_datetime(void **state)
{
	(void)state;
	assert_int_equal(ts("2024-02-29T12:34:56"), 1709210096);
	assert_int_equal(ts("2024-02-29 12:34:56"), 1709210096);
	assert_int_equal(ts("2024-02-29t12:34:56"), 1709210096);
	assert_int_equal(ts("2024-02-29T12:34"), 1709210040);
	assert_int_equal(ts("2024-02-29T12:34:56Z"), 1709210096);
	assert_int_equal(ts("2024-02-29T12:34:56z"), 1709210096);
	assert_int_equal(ts("2024-02-29T12:34:56.123456"), 1709210096);
	assert_int_equal(ts("2024-02-29T12:34:56,5Z"), 1709210096);
	assert_int_equal(ts("2024-02-29T12:34:56.999+00:00"), 1709210096);
	assert_int_equal(ts("2024-02-29T12:34:56+05:00"), 1709192096);
	assert_int_equal(ts("2024-02-29T12:34:56+0500"), 1709192096);
	assert_int_equal(ts("2024-02-29T12:34:56+05"), 1709192096);
	assert_int_equal(ts("2024-02-29T12:34:56-01:30"), 1709215496);
	assert_int_equal(ts("2024-02-29 12:34:56-0130"), 1709215496);
	assert_int_equal(ts("1969-12-31T23:59:59Z"), -1);
	assert_int_equal(ts("9999-12-31T23:59:59Z"), 253402300799LL);
	assert_int_equal(ts("2024-01-01T00:00:00+01:00"), 1704063600);
}

static void test_fsrc__time_refused(void **state)
{
	(void)state;
	assert_true(ts_bad(""));
	assert_true(ts_bad("   "));
	assert_true(ts_bad("yesterday"));
	assert_true(ts_bad("-"));
	assert_true(ts_bad("1."));
	assert_true(ts_bad("1e9"));
	assert_true(ts_bad("--1"));
	assert_true(ts_bad("12 34"));
	assert_true(ts_bad("99999999999999999999"));
	assert_true(ts_bad("9223372036854775808"));
	assert_true(ts_bad("2024-1-01"));
	assert_true(ts_bad("2024-01-1"));
	assert_true(ts_bad("2024-13-01"));
	assert_true(ts_bad("2024-00-10"));
	assert_true(ts_bad("2024-01-00"));
	assert_true(ts_bad("2023-02-29"));
	assert_true(ts_bad("1900-02-29"));
	assert_true(ts_bad("2024-04-31"));
	assert_true(ts_bad("2024/01/01"));
	assert_true(ts_bad("2024-01-01Z"));
	assert_true(ts_bad("2024-01-01T"));
	assert_true(ts_bad("2024-01-01T10"));
	assert_true(ts_bad("2024-01-01X10:00:00"));
	assert_true(ts_bad("2024-01-01T24:00:00"));
	assert_true(ts_bad("2024-01-01T10:60:00"));
	assert_true(ts_bad("2024-01-01T10:00:61"));
	assert_true(ts_bad("2024-01-01T10:00:00."));
	assert_true(ts_bad("2024-01-01T10:00:00+2"));
	assert_true(ts_bad("2024-01-01T10:00:00+02:"));
	assert_true(ts_bad("2024-01-01T10:00:00+02:0"));
	assert_true(ts_bad("2024-01-01T10:00:00+24:00"));
	assert_true(ts_bad("2024-01-01T10:00:00+01:60"));
	assert_true(ts_bad("2024-01-01T10:00:00Zjunk"));
	assert_true(ts_bad("2024-01-01T10:00:00 Z"));
	assert_true(ts_bad("2024-01-01T1:00:00"));
}

/* Every day of a few centuries, and times across them, agree with timegm(). */
static void test_fsrc__time_agrees_with_timegm(void **state)
{
	static const char *const zones[] = { "", "Z", "+02:00", "-0930", "+14" };
	static const int zoff[] = { 0, 0, 7200, -34200, 50400 };
	int64_t day;

	(void)state;
	for (day = -25567; day < 47482; day += 7) {   /* 1900 .. 2100 */
		time_t t = (time_t)(day * 86400 + (day % 86400 + 86400) % 86400);
		struct tm tm;
		char buf[64];
		size_t z = (size_t)(day % 5 + 5) % 5;

		assert_non_null(gmtime_r(&t, &tm));
		snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d%s", tm.tm_year + 1900,
		         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, zones[z]);
		assert_int_equal(ts(buf), (int64_t)timegm(&tm) - zoff[z]);
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		         tm.tm_mday);
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		assert_int_equal(ts(buf), (int64_t)timegm(&tm));
	}
}

/* ---- fsrc: paths and options ---------------------------------------------- */

static void test_fsrc__path(void **state)
{
	ph_config b;
	size_t s;
	char *p;

	(void)state;
	ph_config_init(&b, "x");
	s = ph_source(&b, "a/b.csv");
	assert_non_null(p = dsmap_fsrc__path(&b.config, &b.sources[s]));
	assert_string_equal(p, "a/b.csv");
	free(p);

	ph_sysopt(&b, "directory", "/data");
	assert_non_null(p = dsmap_fsrc__path(&b.config, &b.sources[s]));
	assert_string_equal(p, "/data/a/b.csv");
	free(p);

	b.sysopts[0].value = "/data/";
	assert_non_null(p = dsmap_fsrc__path(&b.config, &b.sources[s]));
	assert_string_equal(p, "/data/a/b.csv");
	free(p);

	ph_opt(&b, s, "directory", "/mine");   /* the source's own wins */
	assert_non_null(p = dsmap_fsrc__path(&b.config, &b.sources[s]));
	assert_string_equal(p, "/mine/a/b.csv");
	free(p);

	s = ph_source(&b, "/abs/c.csv");       /* an absolute name stays */
	assert_non_null(p = dsmap_fsrc__path(&b.config, &b.sources[s]));
	assert_string_equal(p, "/abs/c.csv");
	free(p);
}

/* ---- fsrc: the line reader ------------------------------------------------- */

static void test_fsrc__reader(void **state)
{
	struct t *t = *state;
	const char *line;
	size_t len, big = 200000, i;
	char *p = ph_path(t->dir, "lines"), *content;
	dsmap_fsrc_reader r;

	/* A BOM, CRLF, an empty line, a line longer than the first buffer,
	 * and a last line without newline. */
	content = malloc(big + 64);
	assert_non_null(content);
	memcpy(content, "\xEF\xBB\xBF" "one\r\n\ntwo\n", 13);
	for (i = 0; i < big; i++)
		content[13 + i] = (char)('a' + i % 26);
	memcpy(content + 13 + big, "\nlast", 5);
	ph_write_n(p, content, 13 + big + 5);

	assert_int_equal(dsmap_fsrc__reader_open(&r, p), 0);
	assert_int_equal(dsmap_fsrc__reader_next(&r, &line, &len), DSMAP_FSRC_LINE);
	assert_int_equal(len, 5);
	assert_memory_equal(line, "one\r\n", 5);
	assert_int_equal(r.line, 1);
	assert_int_equal(dsmap_fsrc__reader_next(&r, &line, &len), DSMAP_FSRC_LINE);
	assert_int_equal(len, 1);
	assert_int_equal(dsmap_fsrc__reader_next(&r, &line, &len), DSMAP_FSRC_LINE);
	assert_memory_equal(line, "two\n", 4);
	assert_int_equal(dsmap_fsrc__reader_next(&r, &line, &len), DSMAP_FSRC_LINE);
	assert_int_equal(len, big + 1);
	assert_memory_equal(line, content + 13, big + 1);
	assert_int_equal(r.line, 4);
	assert_int_equal(dsmap_fsrc__reader_next(&r, &line, &len), DSMAP_FSRC_LINE);
	assert_int_equal(len, 4);
	assert_memory_equal(line, "last", 4);
	assert_int_equal(r.line, 5);
	assert_int_equal(dsmap_fsrc__reader_next(&r, &line, &len), DSMAP_FSRC_EOF);
	assert_int_equal(dsmap_fsrc__reader_next(&r, &line, &len), DSMAP_FSRC_EOF);
	dsmap_fsrc__reader_close(&r);

	/* Only a BOM; an empty file. */
	ph_write(p, "\xEF\xBB\xBF");
	assert_int_equal(dsmap_fsrc__reader_open(&r, p), 0);
	assert_int_equal(dsmap_fsrc__reader_next(&r, &line, &len), DSMAP_FSRC_EOF);
	dsmap_fsrc__reader_close(&r);
	ph_write(p, "");
	assert_int_equal(dsmap_fsrc__reader_open(&r, p), 0);
	assert_int_equal(dsmap_fsrc__reader_next(&r, &line, &len), DSMAP_FSRC_EOF);
	dsmap_fsrc__reader_close(&r);
	/* A BOM is skipped at the start only. */
	ph_write(p, "a\n\xEF\xBB\xBF" "b\n");
	assert_int_equal(dsmap_fsrc__reader_open(&r, p), 0);
	assert_int_equal(dsmap_fsrc__reader_next(&r, &line, &len), DSMAP_FSRC_LINE);
	assert_int_equal(dsmap_fsrc__reader_next(&r, &line, &len), DSMAP_FSRC_LINE);
	assert_int_equal(len, 5);
	dsmap_fsrc__reader_close(&r);

	assert_int_equal(dsmap_fsrc__reader_open(&r, "/nonexistent/dsmap/file"), ENOENT);
	dsmap_fsrc__reader_close(&r);
	free(content);
	free(p);
}

/* A line of exactly the limit passes; one byte more is skipped, up to its
 * newline, and the next line is read as usual. */
static void test_fsrc__reader_long_lines(void **state)
{
	struct t *t = *state;
	const size_t max = DSMAP_FSRC_MAX_LINE;
	size_t n = 0, len;
	char *p = ph_path(t->dir, "long"), *content = malloc(2 * max + 64);
	const char *line;
	dsmap_fsrc_reader r;

	assert_non_null(content);
	memset(content, 'x', max);
	memcpy(content + max, "\r\n", 2);
	n = max + 2;
	memset(content + n, 'y', max + 1);
	n += max + 1;
	memcpy(content + n, "\nok\n", 4);
	n += 4;
	ph_write_n(p, content, n);

	assert_int_equal(dsmap_fsrc__reader_open(&r, p), 0);
	assert_int_equal(dsmap_fsrc__reader_next(&r, &line, &len), DSMAP_FSRC_LINE);
	assert_int_equal(len, max + 2);
	assert_int_equal(dsmap_fsrc__reader_next(&r, &line, &len), DSMAP_FSRC_ELONG);
	assert_int_equal(r.line, 2);
	assert_int_equal(dsmap_fsrc__reader_next(&r, &line, &len), DSMAP_FSRC_LINE);
	assert_int_equal(r.line, 3);
	assert_memory_equal(line, "ok\n", 3);
	assert_int_equal(dsmap_fsrc__reader_next(&r, &line, &len), DSMAP_FSRC_EOF);
	dsmap_fsrc__reader_close(&r);

	/* Too long, at the end of the file, without newline. */
	ph_write_n(p, content + max + 2, max + 1);
	assert_int_equal(dsmap_fsrc__reader_open(&r, p), 0);
	assert_int_equal(dsmap_fsrc__reader_next(&r, &line, &len), DSMAP_FSRC_ELONG);
	assert_int_equal(r.line, 1);
	assert_int_equal(dsmap_fsrc__reader_next(&r, &line, &len), DSMAP_FSRC_EOF);
	dsmap_fsrc__reader_close(&r);
	free(content);
	free(p);
}

/* ---- csv: the descriptor ---------------------------------------------------- */

static void test_plugin_csv__descriptor(void **state)
{
	const dsmap_plugin_descriptor *d = dsmap_plugin_entry();

	(void)state;
	assert_int_equal(d->abi_major, DSMAP_PLUGIN_ABI_MAJOR);
	assert_int_equal(d->abi_minor, DSMAP_PLUGIN_ABI_MINOR);
	assert_int_equal(d->struct_size, sizeof(dsmap_plugin_descriptor));
	assert_string_equal(d->name, "csv");
	assert_string_equal(d->version, "1.0");
	assert_null(strchr(d->description, '\n'));
	assert_non_null(strstr(d->config_help, "directory=DIR  base directory for relative file names"));
	assert_non_null(strstr(d->config_help, "\ndelimiter="));
	assert_non_null(strstr(d->config_help, "\nquote="));
	assert_non_null(strstr(d->config_help, "\nheader="));
	assert_non_null(d->open);
	assert_non_null(d->scan);
	assert_null(d->lookup);
	assert_non_null(d->close);
	d->close(NULL);
}

/* ---- csv: reading --------------------------------------------------------- */

/* The fixture: a BOM, CRLF, a quoted delimiter, doubled quotes, a field
 * with a line break, empty values and timestamps. */
static void test_plugin_csv__fixture(void **state)
{
	struct t *t = *state;
	char *dir = ph_fixture("csv");
	size_t s;
	ph_record *r;

	ph_config_init(&t->cfg, "crm");
	ph_sysopt(&t->cfg, "directory", dir);
	s = ph_source(&t->cfg, "customers.csv");
	ph_idf(&t->cfg, s, "id", DSMAP_ID_CUSTOMER_NUMBER);
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);
	ph_idf(&t->cfg, s, "phone", DSMAP_ID_PHONE);
	ph_catf(&t->cfg, s, "name", CAT_NAME, 1);
	ph_catf(&t->cfg, s, "birth_date", CAT_BIRTH, 2);
	ph_catf(&t->cfg, s, "note", CAT_NOTE, 1);
	ph_tsf(&t->cfg, s, "updated_at");
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.nrecs, 3);

	r = &t->sink.recs[0];
	assert_ptr_equal(r->source, &t->cfg.sources[s]);
	assert_int_equal(r->number, 1);
	assert_string_equal(r->locator, "customers.csv:2");
	assert_int_equal(r->nids, 3);
	assert_int_equal(r->kind[0], DSMAP_ID_CUSTOMER_NUMBER);
	assert_string_equal(r->id[0], "C001");
	assert_int_equal(r->kind[1], DSMAP_ID_EMAIL);
	assert_string_equal(r->id[1], "alice@example.org");
	assert_string_equal(ph_id(r, DSMAP_ID_PHONE), "+32470000001");
	assert_int_equal(r->ncats, 3);
	assert_ptr_equal(r->cat[0], CAT_NAME[0]);
	assert_ptr_equal(r->cat[1], CAT_BIRTH[0]);
	assert_ptr_equal(r->cat[2], CAT_BIRTH[1]);
	assert_int_equal(r->updated, 1705312800);
	assert_int_equal(r->created, 0);

	r = &t->sink.recs[1];
	assert_int_equal(r->number, 2);
	assert_string_equal(r->locator, "customers.csv:3");
	assert_int_equal(r->nids, 2);
	assert_string_equal(ph_id(r, DSMAP_ID_EMAIL), "bob@example.org");
	assert_null(ph_id(r, DSMAP_ID_PHONE));
	assert_int_equal(r->ncats, 2);
	assert_true(ph_has_cat(r, "collected/name"));
	assert_true(ph_has_cat(r, "collected/note"));
	assert_int_equal(r->updated, 1705363200);

	r = &t->sink.recs[2];
	assert_int_equal(r->number, 3);
	assert_string_equal(r->locator, "customers.csv:5");   /* the record before spans 2 lines */
	assert_int_equal(r->nids, 2);
	assert_null(ph_id(r, DSMAP_ID_EMAIL));
	assert_string_equal(ph_id(r, DSMAP_ID_CUSTOMER_NUMBER), "C003");
	assert_int_equal(r->ncats, 4);
	assert_int_equal(r->updated, 1705000000);
	free(dir);
}

static void test_plugin_csv__quoting(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "q.csv",
	    "email,name,n\n"
	    "\"a,b@example.org\",x,1\n"
	    "\"say \"\"hi\"\"@example.org\",y,2\n"
	    "\"multi\nline@example.org\",z,3\n"
	    "last@example.org,\"w\r\nw\",4\n"
	    "\"\",\"\"\"\",5\n"
	    "after@example.org,v,6\n");
	s = ph_source(&t->cfg, "q.csv");
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);
	ph_idf(&t->cfg, s, "name", DSMAP_ID_ACCOUNT_ID);
	ph_idf(&t->cfg, s, "n", DSMAP_ID_CUSTOMER_NUMBER);
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.nrecs, 6);
	assert_string_equal(t->sink.recs[0].id[0], "a,b@example.org");
	assert_string_equal(t->sink.recs[0].locator, "q.csv:2");
	assert_string_equal(t->sink.recs[1].id[0], "say \"hi\"@example.org");
	assert_string_equal(t->sink.recs[1].locator, "q.csv:3");
	assert_string_equal(t->sink.recs[2].id[0], "multi\nline@example.org");
	assert_string_equal(t->sink.recs[2].locator, "q.csv:4");
	assert_string_equal(t->sink.recs[3].id[1], "w\r\nw");
	assert_string_equal(t->sink.recs[3].locator, "q.csv:6");
	/* An empty quoted field is empty; a field of one quote is not. */
	assert_int_equal(t->sink.recs[4].nids, 2);
	assert_string_equal(ph_id(&t->sink.recs[4], DSMAP_ID_ACCOUNT_ID), "\"");
	assert_string_equal(t->sink.recs[4].locator, "q.csv:8");
	assert_string_equal(t->sink.recs[5].id[0], "after@example.org");
	assert_string_equal(t->sink.recs[5].locator, "q.csv:9");
	assert_int_equal(t->sink.recs[5].number, 6);
}

/* Semicolons, as a word and as a character, per source over the system's. */
static void test_plugin_csv__semicolon(void **state)
{
	struct t *t = *state;
	char *dir = ph_fixture("csv");
	size_t a, b, i;

	ph_config_init(&t->cfg, "crm");
	ph_sysopt(&t->cfg, "directory", dir);
	ph_sysopt(&t->cfg, "delimiter", "pipe");
	a = ph_source(&t->cfg, "contracts-semicolon.csv");
	ph_opt(&t->cfg, a, "delimiter", "semicolon");
	b = ph_source(&t->cfg, "./contracts-semicolon.csv");
	ph_opt(&t->cfg, b, "delimiter", ";");
	for (i = a; i <= b; i++) {
		ph_idf(&t->cfg, i, "customer email", DSMAP_ID_EMAIL);
		ph_idf(&t->cfg, i, "contract", DSMAP_ID_ACCOUNT_ID);
		ph_tsf(&t->cfg, i, "signed");
	}
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.nrecs, 6);
	for (i = 0; i < 6; i += 3) {
		assert_int_equal(t->sink.recs[i].number, 1);
		assert_string_equal(t->sink.recs[i].id[0], "dave@example.org");
		assert_string_equal(t->sink.recs[i].id[1], "K-1");
		assert_int_equal(t->sink.recs[i].updated, 1682922600);
		assert_int_equal(t->sink.recs[i + 1].updated, 1685577600);
		assert_string_equal(t->sink.recs[i + 2].id[0], "frank;o@example.org");
		assert_int_equal(t->sink.recs[i + 2].updated, 0);
		assert_int_equal(t->sink.recs[i + 2].number, 3);
	}
	assert_ptr_equal(t->sink.recs[0].source, &t->cfg.sources[a]);
	assert_ptr_equal(t->sink.recs[3].source, &t->cfg.sources[b]);
	assert_string_equal(t->sink.recs[5].locator, "./contracts-semicolon.csv:4");
	free(dir);
}

static void test_plugin_csv__tab(void **state)
{
	struct t *t = *state;
	char *dir = ph_fixture("csv");
	const char *delims[] = { "tab", "\t" };
	size_t i, s;

	for (i = 0; i < 2; i++) {
		ph_sink_free(&t->sink);
		ph_config_init(&t->cfg, "crm");
		ph_sysopt(&t->cfg, "directory", dir);
		ph_sysopt(&t->cfg, "delimiter", delims[i]);
		s = ph_source(&t->cfg, "devices.tsv");
		ph_idf(&t->cfg, s, "imei", DSMAP_ID_IMEI);
		ph_idf(&t->cfg, s, "ip", DSMAP_ID_IP);
		ph_idf(&t->cfg, s, "owner", DSMAP_ID_EMAIL);
		assert_int_equal(run(t, 0), 0);
		assert_int_equal(t->sink.nrecs, 2);
		assert_int_equal(t->sink.recs[0].nids, 2);
		assert_string_equal(ph_id(&t->sink.recs[0], DSMAP_ID_IMEI), "356938035643809");
		assert_string_equal(ph_id(&t->sink.recs[0], DSMAP_ID_IP), "10.0.0.1");
		/* An empty first field, then two. */
		assert_int_equal(t->sink.recs[1].nids, 2);
		assert_null(ph_id(&t->sink.recs[1], DSMAP_ID_IMEI));
		assert_string_equal(ph_id(&t->sink.recs[1], DSMAP_ID_IP), "10.0.0.2");
		assert_string_equal(ph_id(&t->sink.recs[1], DSMAP_ID_EMAIL), "grace@example.org");
	}
	free(dir);
}

static void test_plugin_csv__pipe_and_quote(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "p.csv", "a|b\n'x|y@example.org'|'it''s'\n  spaced@example.org  |\"q\"\n");
	s = ph_source(&t->cfg, "p.csv");
	ph_opt(&t->cfg, s, "delimiter", "|");
	ph_opt(&t->cfg, s, "quote", "'");
	ph_idf(&t->cfg, s, "a", DSMAP_ID_EMAIL);
	ph_idf(&t->cfg, s, "b", DSMAP_ID_ACCOUNT_ID);
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.nrecs, 2);
	assert_string_equal(t->sink.recs[0].id[0], "x|y@example.org");
	assert_string_equal(t->sink.recs[0].id[1], "it's");
	/* Spaces around an unquoted field are not part of it; '"' is no quote. */
	assert_string_equal(t->sink.recs[1].id[0], "spaced@example.org");
	assert_string_equal(t->sink.recs[1].id[1], "\"q\"");
}

static void test_plugin_csv__bom_crlf(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "w.csv", "\xEF\xBB\xBF" "email,n\r\na@example.org,1\r\nb@example.org,2\r\n\r\n\r\n");
	s = ph_source(&t->cfg, "w.csv");
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);    /* the first column, after the BOM */
	ph_idf(&t->cfg, s, "n", DSMAP_ID_CUSTOMER_NUMBER);
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.nrecs, 2);
	assert_string_equal(t->sink.recs[0].id[0], "a@example.org");
	assert_string_equal(t->sink.recs[0].id[1], "1");     /* no '\r' */
	assert_string_equal(t->sink.recs[1].id[1], "2");
	assert_string_equal(t->sink.recs[1].locator, "w.csv:3");
}

/* Blank lines are skipped, numbers and lines stay right; the last line may
 * have no newline. */
static void test_plugin_csv__blank_lines(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "b.csv", "\n\nemail\n\na@example.org\n   \nb@example.org\n\n\nc@example.org");
	s = ph_source(&t->cfg, "b.csv");
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.nrecs, 3);
	assert_string_equal(t->sink.recs[0].locator, "b.csv:5");
	assert_string_equal(t->sink.recs[1].locator, "b.csv:7");
	assert_string_equal(t->sink.recs[2].locator, "b.csv:10");
	assert_string_equal(t->sink.recs[2].id[0], "c@example.org");
	assert_int_equal(t->sink.recs[2].number, 3);
}

/* A lone '\r' ends a row, as libcsv reads it, and a quoted field that
 * opens after one runs on over the next lines. */
static void test_plugin_csv__lone_cr(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "cr.csv", "a,b\n1,2\r3,4\n5,6\r\"x\n\"\",y\n\",7\n8,9\n");
	s = ph_source(&t->cfg, "cr.csv");
	ph_idf(&t->cfg, s, "a", DSMAP_ID_CUSTOMER_NUMBER);
	ph_idf(&t->cfg, s, "b", DSMAP_ID_ACCOUNT_ID);
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.nrecs, 5);
	assert_string_equal(t->sink.recs[0].id[1], "2");
	assert_string_equal(t->sink.recs[1].id[0], "3");
	assert_string_equal(t->sink.recs[1].locator, "cr.csv:2");
	assert_string_equal(t->sink.recs[2].id[1], "6");
	assert_string_equal(t->sink.recs[3].id[0], "x\n\",y\n");
	assert_string_equal(t->sink.recs[3].id[1], "7");
	assert_string_equal(t->sink.recs[4].id[0], "8");
	assert_string_equal(t->sink.recs[4].locator, "cr.csv:6");
}

static void test_plugin_csv__empty_files(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "empty.csv", "");
	put(t, "header-only.csv", "\xEF\xBB\xBF" "email\r\n\r\n");
	s = ph_source(&t->cfg, "empty.csv");
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);
	s = ph_source(&t->cfg, "header-only.csv");
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.count, 0);
	assert_int_equal(t->h.errors, 0);
}

static void test_plugin_csv__no_header(void **state)
{
	struct t *t = *state;
	char *dir = ph_fixture("csv");
	size_t s;

	ph_config_init(&t->cfg, "crm");
	ph_sysopt(&t->cfg, "directory", dir);
	ph_sysopt(&t->cfg, "header", "false");
	s = ph_source(&t->cfg, "noheader.csv");
	ph_idf(&t->cfg, s, "1", DSMAP_ID_CUSTOMER_NUMBER);
	ph_idf(&t->cfg, s, "2", DSMAP_ID_EMAIL);
	ph_catf(&t->cfg, s, "2", CAT_NOTE, 1);
	ph_tsf(&t->cfg, s, "3");
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.nrecs, 2);
	assert_string_equal(t->sink.recs[0].id[0], "1001");
	assert_string_equal(t->sink.recs[0].id[1], "heidi@example.org");
	assert_string_equal(t->sink.recs[0].locator, "noheader.csv:1");
	assert_int_equal(t->sink.recs[0].number, 1);
	assert_int_equal(t->sink.recs[0].updated, 631152000);
	assert_int_equal(t->sink.recs[0].ncats, 1);
	assert_string_equal(t->sink.recs[1].id[1], "ivan@example.org");
	assert_int_equal(t->sink.recs[1].updated, 0);
	assert_string_equal(t->sink.recs[1].locator, "noheader.csv:2");
	free(dir);
}

static void test_plugin_csv__no_header_errors(void **state)
{
	struct t *t = *state;
	const char *bad[] = { "email", "0", "01", "-1", "1x" };
	size_t i, s;

	put(t, "n.csv", "1,a@example.org,x\n2,secret@example.org\n3,c@example.org,z\n");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ph_config_init(&t->cfg, "crm");
		ph_sysopt(&t->cfg, "directory", t->dir);
		s = ph_source(&t->cfg, "n.csv");
		ph_opt(&t->cfg, s, "header", "false");
		ph_idf(&t->cfg, s, bad[i], DSMAP_ID_EMAIL);
		assert_int_equal(run(t, 0), DSMAP_PLUGIN_ECONFIG);
		assert_non_null(strstr(t->h.error, "is not a column number"));
		assert_non_null(strstr(t->h.error, bad[i]));
	}

	/* A column the first row does not have. */
	ph_config_init(&t->cfg, "crm");
	ph_sysopt(&t->cfg, "directory", t->dir);
	s = ph_source(&t->cfg, "n.csv");
	ph_opt(&t->cfg, s, "header", "false");
	ph_idf(&t->cfg, s, "4", DSMAP_ID_EMAIL);
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(t->h.error, "system crm: source n.csv: no column '4': the first row has 3 fields");
	assert_int_equal(t->sink.count, 0);

	/* A row shorter than the first. */
	t->cfg.ids[s][0].field = "2";
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_EDATA);
	assert_string_equal(t->h.error, "system crm: source n.csv: line 2: 2 fields, the first row has 3");
	assert_int_equal(t->sink.count, 1);
	assert_false(ph_said(&t->h, &t->sink, "secret"));
}

/* ---- csv: configuration errors ---------------------------------------------- */

static void test_plugin_csv__missing_column(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "people.csv", "email,name\na@example.org,A\n");
	s = ph_source(&t->cfg, "people.csv");
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);
	ph_idf(&t->cfg, s, "mail", DSMAP_ID_EMAIL);
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(t->h.error, "system crm: source people.csv: no column 'mail' in the header");
	assert_int_equal(t->sink.count, 0);

	t->cfg.sources[s].id_field_count = 1;
	ph_catf(&t->cfg, s, "Name", CAT_NAME, 1);   /* names are case-sensitive */
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(t->h.error, "system crm: source people.csv: no column 'Name' in the header");

	t->cfg.sources[s].category_field_count = 0;
	ph_tsf(&t->cfg, s, "updated");
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(t->h.error, "system crm: source people.csv: no column 'updated' in the header");
	assert_int_equal(t->sink.count, 0);
}

/* ABI 1.1: attribute fields by header, present, empty, shared with an
 * identifier field, and in a file without header by number. */
static void test_plugin_csv__attributes(void **state)
{
	struct t *t = *state;
	size_t s, n;

	put(t, "people.csv",
	    "email,status,segment\n"
	    "a@example.org,active,B2C\n"
	    "b@example.org,,\"B2B\"\n"
	    "c@example.org,\"lead\",\n");
	s = ph_source(&t->cfg, "people.csv");
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);
	ph_attrf(&t->cfg, s, "status");
	ph_attrf(&t->cfg, s, "segment");
	ph_attrf(&t->cfg, s, "email");       /* the identifier's column too */
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.nrecs, 3);
	assert_int_equal(t->sink.recs[0].nattrs, 3);
	assert_string_equal(t->sink.recs[0].attr[0], "active");
	assert_string_equal(t->sink.recs[0].attr[1], "B2C");
	assert_string_equal(t->sink.recs[0].attr[2], "a@example.org");
	/* an empty field is an empty value, not no value */
	assert_non_null(t->sink.recs[1].attr[0]);
	assert_int_equal(t->sink.recs[1].attr_len[0], 0);
	assert_string_equal(t->sink.recs[1].attr[1], "B2B");
	assert_string_equal(t->sink.recs[2].attr[0], "lead");
	assert_non_null(t->sink.recs[2].attr[1]);
	assert_int_equal(t->sink.recs[2].attr_len[1], 0);
	assert_string_equal(t->sink.recs[2].attr[2], "c@example.org");

	/* a column the header lacks fails open, like any field */
	ph_sink_free(&t->sink);
	ph_attrf(&t->cfg, s, "kind");
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(t->h.error, "system crm: source people.csv: no column 'kind' in the header");

	/* without a header, by column number */
	ph_sink_free(&t->sink);
	put(t, "raw.csv", "x@example.org,lead\ny@example.org,\n");
	n = ph_source(&t->cfg, "raw.csv");
	ph_opt(&t->cfg, n, "header", "false");
	ph_idf(&t->cfg, n, "1", DSMAP_ID_EMAIL);
	ph_attrf(&t->cfg, n, "2");
	t->cfg.sources[s].attribute_field_count = 3;
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.nrecs, 5);
	assert_int_equal(t->sink.recs[3].nattrs, 1);
	assert_string_equal(t->sink.recs[3].attr[0], "lead");
	assert_int_equal(t->sink.recs[4].attr_len[0], 0);
}

/* A second source's missing column fails before any record of the first. */
static void test_plugin_csv__checked_before_any_record(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "a.csv", "email\na@example.org\n");
	put(t, "b.csv", "name\nB\n");
	s = ph_source(&t->cfg, "a.csv");
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);
	s = ph_source(&t->cfg, "b.csv");
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(t->h.error, "system crm: source b.csv: no column 'email' in the header");
	assert_int_equal(t->sink.count, 0);
}

static void test_plugin_csv__options(void **state)
{
	struct t *t = *state;
	static const struct { int system; const char *key, *value, *msg; } cases[] = {
		{ 1, "delimeter", ";", "system crm: unknown option 'delimeter'" },
		{ 0, "path", "x", "system crm: source o.csv: unknown option 'path'" },
		{ 0, "delimiter", "ab", "system crm: source o.csv: option delimiter: 'ab' is not one character, tab, comma, semicolon or pipe" },
		{ 1, "delimiter", "", "option delimiter: '' is not" },
		{ 0, "delimiter", "\n", "option delimiter" },
		{ 0, "quote", "''", "system crm: source o.csv: option quote: '''' is not one character" },
		{ 0, "quote", "tab", "option quote: 'tab' is not one character" },
		{ 0, "header", "yes", "system crm: source o.csv: option header: 'yes' is neither true nor false" },
		{ 0, "delimiter", "\"", "system crm: source o.csv: the delimiter and the quote are the same" },
		{ 0, "quote", " ", "system crm: source o.csv: option quote: a space or a tab cannot be the quote" },
		{ 0, "header", NULL, "system crm: source o.csv: no value for option 'header'" },
		{ 1, "quote", NULL, "system crm: no value for option 'quote'" },
	};
	size_t i, s;

	put(t, "o.csv", "email\na@example.org\n");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ph_config_init(&t->cfg, "crm");
		ph_sysopt(&t->cfg, "directory", t->dir);
		s = ph_source(&t->cfg, "o.csv");
		if (cases[i].system)
			ph_sysopt(&t->cfg, cases[i].key, cases[i].value);
		else
			ph_opt(&t->cfg, s, cases[i].key, cases[i].value);
		assert_int_equal(run(t, 0), DSMAP_PLUGIN_ECONFIG);
		if (strstr(t->h.error, cases[i].msg) == NULL)
			fail_msg("case %zu: got '%s'", i, t->h.error);
	}
	/* A source without a name. */
	ph_config_init(&t->cfg, "crm");
	ph_source(&t->cfg, "");
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(t->h.error, "system crm: source 1 has no file name");
	/* The header option, spelled right both ways. */
	ph_config_init(&t->cfg, "crm");
	ph_sysopt(&t->cfg, "directory", t->dir);
	s = ph_source(&t->cfg, "o.csv");
	ph_opt(&t->cfg, s, "header", "true");
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.count, 1);
	t->cfg.opts[s][0].value = "false";
	t->cfg.ids[s][0].field = "1";
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.count, 3);
	assert_string_equal(t->sink.recs[1].id[0], "email");
}

static void test_plugin_csv__directory(void **state)
{
	struct t *t = *state;
	char cwd[4096], *abs;
	size_t s;

	put(t, "d.csv", "email\na@example.org\n");
	/* Per source, over a wrong system-wide one. */
	ph_config_init(&t->cfg, "crm");
	ph_sysopt(&t->cfg, "directory", "/nonexistent");
	s = ph_source(&t->cfg, "d.csv");
	ph_opt(&t->cfg, s, "directory", t->dir);
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.count, 1);

	/* An absolute name ignores the directory. */
	abs = ph_path(t->dir, "d.csv");
	ph_config_init(&t->cfg, "crm");
	ph_sysopt(&t->cfg, "directory", "/nonexistent");
	ph_source(&t->cfg, abs);
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.count, 2);
	assert_string_equal(t->sink.recs[1].locator + strlen(abs), ":2");

	/* Without, the working directory. */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(t->dir), 0);
	ph_config_init(&t->cfg, "crm");
	ph_source(&t->cfg, "d.csv");
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(t->sink.count, 3);
	assert_string_equal(t->sink.recs[2].locator, "d.csv:2");
	free(abs);
}

static void test_plugin_csv__cannot_open(void **state)
{
	struct t *t = *state;
	const dsmap_plugin_descriptor *d = dsmap_plugin_entry();
	char *p;
	void *ctx = NULL;
	size_t s;

	s = ph_source(&t->cfg, "missing.csv");
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_ECONNECT);
	assert_non_null(strstr(t->h.error, "system crm: source missing.csv: cannot open "));
	assert_non_null(strstr(t->h.error, "missing.csv: No such file or directory"));

	/* Gone between open() and scan(). */
	put(t, "missing.csv", "email\na@example.org\n");
	assert_int_equal(d->open(&ctx, &t->h.host, &t->cfg.config), 0);
	p = ph_path(t->dir, "missing.csv");
	assert_int_equal(unlink(p), 0);
	t->h.error[0] = '\0';
	assert_int_equal(d->scan(ctx, ph_record_cb, NULL, &t->sink), DSMAP_PLUGIN_ECONNECT);
	assert_non_null(strstr(t->h.error, "No such file or directory"));
	d->close(ctx);
	free(p);
}

/* ---- csv: broken records ------------------------------------------------------ */

#define BROKEN_COUNT \
	"email,name,n\n" \
	"a@example.org,A,1\n" \
	"secret@example.org,Secret Person,2,extra\n" \
	"c@example.org,C,3\n"

static void test_plugin_csv__field_count_fails(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "people.csv", BROKEN_COUNT);
	s = ph_source(&t->cfg, "people.csv");
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_EDATA);
	assert_string_equal(t->h.error, "system crm: source people.csv: line 3: 4 fields, the header has 3");
	assert_int_equal(t->sink.count, 1);
	assert_false(ph_said(&t->h, &t->sink, "secret"));
	assert_false(ph_said(&t->h, &t->sink, "Secret"));
	assert_false(ph_said(&t->h, &t->sink, "extra"));
}

static void test_plugin_csv__field_count_skipped(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "people.csv", BROKEN_COUNT "short@example.org\n" "e@example.org,E,5\n");
	s = ph_source(&t->cfg, "people.csv");
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);
	assert_int_equal(run(t, 1), 0);
	assert_int_equal(t->h.errors, 0);
	assert_int_equal(t->sink.nrejects, 2);
	assert_ptr_equal(t->sink.rejects[0].source, &t->cfg.sources[s]);
	assert_int_equal(t->sink.rejects[0].number, 2);
	assert_string_equal(t->sink.rejects[0].reason, "line 3: 4 fields, the header has 3");
	assert_int_equal(t->sink.rejects[1].number, 4);
	assert_string_equal(t->sink.rejects[1].reason, "line 5: 1 field, the header has 3");
	assert_int_equal(t->sink.nrecs, 3);
	assert_int_equal(t->sink.recs[0].number, 1);
	assert_int_equal(t->sink.recs[1].number, 3);
	assert_string_equal(t->sink.recs[1].id[0], "c@example.org");
	assert_string_equal(t->sink.recs[1].locator, "people.csv:4");
	assert_int_equal(t->sink.recs[2].number, 5);
	assert_string_equal(t->sink.recs[2].locator, "people.csv:6");
	assert_false(ph_said(&t->h, &t->sink, "secret"));
	assert_false(ph_said(&t->h, &t->sink, "short"));
}

static void test_plugin_csv__malformed_quoting(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "m.csv",
	    "email,n\n"
	    "a@example.org,1\n"
	    "secret\"quote@example.org,2\n"               /* a quote in an unquoted field */
	    "c@example.org,3\n"
	    "\"secret\"after@example.org,4\n"             /* text after a closing quote */
	    "e@example.org,5\n"
	    "\"secret\nspan\"x@example.org,6\n"          /* the same, a line later */
	    "g@example.org,7\n");
	s = ph_source(&t->cfg, "m.csv");
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_EDATA);
	assert_string_equal(t->h.error, "system crm: source m.csv: line 3: malformed quoting");
	assert_int_equal(t->sink.count, 1);

	t->h.error[0] = '\0';
	assert_int_equal(run(t, 1), 0);
	assert_int_equal(t->sink.nrejects, 3);
	assert_int_equal(t->sink.rejects[0].number, 2);
	assert_string_equal(t->sink.rejects[0].reason, "line 3: malformed quoting");
	assert_int_equal(t->sink.rejects[1].number, 4);
	assert_string_equal(t->sink.rejects[1].reason, "line 5: malformed quoting");
	assert_int_equal(t->sink.rejects[2].number, 6);
	assert_string_equal(t->sink.rejects[2].reason,
	                    "line 8: malformed quoting in a quoted field that started on an earlier line");
	assert_int_equal(t->sink.nrecs, 1 + 4);
	assert_int_equal(t->sink.recs[1].number, 1);
	assert_int_equal(t->sink.recs[2].number, 3);
	assert_int_equal(t->sink.recs[3].number, 5);
	assert_int_equal(t->sink.recs[4].number, 7);
	assert_string_equal(t->sink.recs[4].id[0], "g@example.org");
	assert_string_equal(t->sink.recs[4].locator, "m.csv:9");
	assert_false(ph_said(&t->h, &t->sink, "secret"));
}

static void test_plugin_csv__unclosed_quote(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "u.csv", "email,n\na@example.org,1\n\"secret@example.org,2\nmore,3\n");
	s = ph_source(&t->cfg, "u.csv");
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_EDATA);
	assert_string_equal(t->h.error,
	                    "system crm: source u.csv: line 3: a quoted field starts here and is never closed");
	assert_int_equal(t->sink.count, 1);
	t->h.error[0] = '\0';
	assert_int_equal(run(t, 1), 0);
	assert_int_equal(t->sink.nrejects, 1);
	assert_int_equal(t->sink.rejects[0].number, 2);
	assert_false(ph_said(&t->h, &t->sink, "secret"));
}

static void test_plugin_csv__broken_header(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "h.csv", "email,na\"me\na@example.org,1\n");
	s = ph_source(&t->cfg, "h.csv");
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);
	/* No way to read on without the header, reject() or not. */
	assert_int_equal(run(t, 1), DSMAP_PLUGIN_EDATA);
	assert_string_equal(t->h.error, "system crm: source h.csv: the header: line 1: malformed quoting");
	assert_int_equal(t->sink.count, 0);
	assert_int_equal(t->sink.nrejects, 0);
}

static void test_plugin_csv__long_line(void **state)
{
	struct t *t = *state;
	size_t n = DSMAP_FSRC_MAX_LINE + 10, s;
	char *content = malloc(17000 * 1024 + 100), *p = ph_path(t->dir, "l.csv");

	assert_non_null(content);
	strcpy(content, "email,n\na@example.org,1\n");
	memset(content + 24, 's', n);
	strcpy(content + 24 + n, ",2\nc@example.org,3\n");
	ph_write(p, content);
	s = ph_source(&t->cfg, "l.csv");
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_EDATA);
	assert_string_equal(t->h.error, "system crm: source l.csv: line 3: longer than 16 MiB");
	t->h.error[0] = '\0';
	assert_int_equal(run(t, 1), 0);
	assert_int_equal(t->sink.nrejects, 1);
	assert_int_equal(t->sink.rejects[0].number, 2);
	assert_string_equal(t->sink.rejects[0].reason, "line 3: longer than 16 MiB");
	assert_int_equal(t->sink.nrecs, 3);
	assert_int_equal(t->sink.recs[2].number, 3);
	assert_string_equal(t->sink.recs[2].locator, "l.csv:4");

	/* A record of many lines, each short, that adds up to more: reported
	 * where it starts; reading goes on at the next line, which here is in
	 * the middle of that record, so its end is malformed too. */
	ph_sink_free(&t->sink);
	strcpy(content, "email,n\n\"\n");
	for (n = 10, s = 0; s < 17000; s++, n += 1024) {
		memset(content + n, ' ', 1023);
		content[n + 1023] = '\n';
	}
	strcpy(content + n, "x\",2\nc@example.org,3\n");
	ph_write(p, content);
	assert_int_equal(run(t, 1), 0);
	assert_int_equal(t->sink.nrejects, 2);
	assert_int_equal(t->sink.rejects[0].number, 1);
	assert_string_equal(t->sink.rejects[0].reason,
	                    "line 2: a record longer than 16 MiB starts here");
	assert_int_equal(t->sink.rejects[1].number, 2);
	assert_string_equal(t->sink.rejects[1].reason, "line 17003: malformed quoting");
	assert_int_equal(t->sink.nrecs, 1);
	assert_int_equal(t->sink.recs[0].number, 3);
	assert_string_equal(t->sink.recs[0].locator, "l.csv:17004");
	free(content);
	free(p);
}

/* ---- csv: values ------------------------------------------------------------- */

static void test_plugin_csv__empty_values_and_categories(void **state)
{
	struct t *t = *state;
	static char age2[] = "collected/age";   /* the same name, another pointer */
	const char *const cat_age[] = { age2, "derived/segment" };
	const char *const none[] = { NULL };
	size_t s;

	put(t, "v.csv",
	    "email,phone,birth,age,nick\n"
	    ",+3247,1980-01-01,44,\n"
	    "e@example.org,,,44,\"\"\n"
	    ",  ,,,\n"
	    "x@example.org,,1980-01-01,,n\n");
	s = ph_source(&t->cfg, "v.csv");
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);
	ph_idf(&t->cfg, s, "phone", DSMAP_ID_PHONE);
	ph_idf(&t->cfg, s, "email", DSMAP_ID_ACCOUNT_ID);   /* one column, two kinds */
	ph_catf(&t->cfg, s, "birth", CAT_BIRTH, 2);
	ph_catf(&t->cfg, s, "age", cat_age, 2);
	ph_catf(&t->cfg, s, "nick", none, 0);
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.nrecs, 4);

	assert_int_equal(t->sink.recs[0].nids, 1);
	assert_int_equal(t->sink.recs[0].kind[0], DSMAP_ID_PHONE);
	assert_int_equal(t->sink.recs[0].ncats, 3);
	assert_ptr_equal(t->sink.recs[0].cat[0], CAT_BIRTH[0]);
	assert_ptr_equal(t->sink.recs[0].cat[1], CAT_BIRTH[1]);
	assert_ptr_equal(t->sink.recs[0].cat[2], cat_age[1]);

	assert_int_equal(t->sink.recs[1].nids, 2);
	assert_string_equal(ph_id(&t->sink.recs[1], DSMAP_ID_EMAIL), "e@example.org");
	assert_string_equal(ph_id(&t->sink.recs[1], DSMAP_ID_ACCOUNT_ID), "e@example.org");
	assert_int_equal(t->sink.recs[1].ncats, 2);
	assert_ptr_equal(t->sink.recs[1].cat[0], age2);
	assert_ptr_equal(t->sink.recs[1].cat[1], cat_age[1]);

	/* Nothing but spaces is nothing. */
	assert_int_equal(t->sink.recs[2].nids, 0);
	assert_int_equal(t->sink.recs[2].ncats, 0);

	assert_int_equal(t->sink.recs[3].nids, 2);
	assert_int_equal(t->sink.recs[3].ncats, 2);
}

static void test_plugin_csv__timestamps(void **state)
{
	struct t *t = *state;
	static const int64_t want[] = {
		0, 1700000000, 1709164800, 1709210096, 1709210096, 1709210096, 1709192096,
		1709192096, 1709215496, 1709210096, 1709210040
	};
	size_t s, i;

	put(t, "t.csv",
	    "id,ts\n"
	    "1,\n"
	    "2,1700000000\n"
	    "3,2024-02-29\n"
	    "4,2024-02-29T12:34:56\n"
	    "5,2024-02-29 12:34:56\n"
	    "6,2024-02-29T12:34:56.250Z\n"
	    "7,2024-02-29T12:34:56+05:00\n"
	    "8,\"2024-02-29 12:34:56+0500\"\n"
	    "9,2024-02-29T12:34:56-01:30\n"
	    "10,2024-02-29T12:34:56Z\n"
	    "11,2024-02-29T12:34Z\n");
	s = ph_source(&t->cfg, "t.csv");
	ph_idf(&t->cfg, s, "id", DSMAP_ID_CUSTOMER_NUMBER);
	ph_tsf(&t->cfg, s, "ts");
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.nrecs, 11);
	for (i = 0; i < 11; i++)
		assert_int_equal(t->sink.recs[i].updated, want[i]);

	put(t, "t.csv", "id,ts\n1,2024-01-01\n2,31/12/2023 secret\n3,2024-01-02\n");
	ph_sink_free(&t->sink);
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_EDATA);
	assert_string_equal(t->h.error, "system crm: source t.csv: line 3: field 'ts' is not a timestamp");
	assert_int_equal(t->sink.nrecs, 1);
	t->h.error[0] = '\0';
	assert_int_equal(run(t, 1), 0);
	assert_int_equal(t->sink.nrejects, 1);
	assert_int_equal(t->sink.rejects[0].number, 2);
	assert_string_equal(t->sink.rejects[0].reason, "line 3: field 'ts' is not a timestamp");
	assert_int_equal(t->sink.nrecs, 3);
	assert_int_equal(t->sink.recs[2].number, 3);
	assert_int_equal(t->sink.recs[2].updated, 1704153600);
	assert_false(ph_said(&t->h, &t->sink, "31/12"));
	assert_false(ph_said(&t->h, &t->sink, "secret"));
}

/* ---- csv: the callbacks ---------------------------------------------------- */

static void test_plugin_csv__stop(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "s.csv", "email\na@x.org\nb@x.org\nc@x.org\nd@x.org\n");
	put(t, "s2.csv", "email\ne@x.org\n");
	s = ph_source(&t->cfg, "s.csv");
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);
	s = ph_source(&t->cfg, "s2.csv");
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);
	t->sink.stop_after = 2;
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_ESTOP);
	assert_int_equal(t->sink.count, 2);

	/* The last record of the last source. */
	ph_sink_free(&t->sink);
	t->sink.stop_after = 5;
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_ESTOP);
	assert_int_equal(t->sink.count, 5);
	assert_string_equal(t->sink.recs[4].locator, "s2.csv:2");

	/* reject() asks to stop. */
	put(t, "s.csv", "email,n\na@x.org,1\nb@x.org\nc@x.org,3\n");
	t->cfg.config.source_count = 1;
	ph_sink_free(&t->sink);
	t->sink.reject_stops = 1;
	assert_int_equal(run(t, 1), DSMAP_PLUGIN_ESTOP);
	assert_int_equal(t->sink.count, 1);
	assert_int_equal(t->sink.nrejects, 1);
}

/* ---- csv: a large file ------------------------------------------------------- */

static void test_plugin_csv__large_file(void **state)
{
	struct t *t = *state;
	const unsigned int rows = 200000;
	const char *const cats[] = { "collected/name", "collected/birth-date" };
	char *p = ph_path(t->dir, "big.csv");
	FILE *f = fopen(p, "w");
	double t0, dt;
	unsigned int i;
	size_t s;

	assert_non_null(f);
	fprintf(f, "id,email,phone,name,birth,city,updated\n");
	for (i = 0; i < rows; i++)
		fprintf(f, "%u,subject%u@example.org,+3247%07u,\"Name %u, Jr\",1980-01-%02u,Brussels,"
		        "2024-01-01T10:00:%02uZ\n", i, i, i, i, i % 28 + 1, i % 60);
	assert_int_equal(fclose(f), 0);

	s = ph_source(&t->cfg, "big.csv");
	ph_idf(&t->cfg, s, "id", DSMAP_ID_CUSTOMER_NUMBER);
	ph_idf(&t->cfg, s, "email", DSMAP_ID_EMAIL);
	ph_idf(&t->cfg, s, "phone", DSMAP_ID_PHONE);
	ph_catf(&t->cfg, s, "name", cats, 1);
	ph_catf(&t->cfg, s, "birth", cats + 1, 1);
	ph_tsf(&t->cfg, s, "updated");
	t->sink.count_only = 1;
	t0 = ph_now();
	assert_int_equal(run(t, 0), 0);
	dt = ph_now() - t0;
	assert_int_equal(t->sink.count, rows);
	assert_int_equal(t->sink.ids_seen, 3 * (uint64_t)rows);
	fprintf(stderr, "csv: %u records in %.3f s: %.0f records/s\n", rows, dt,
	        dt > 0 ? rows / dt : 0.0);
	free(p);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest fsrc[] = {
		T(test_fsrc__time_epoch),
		T(test_fsrc__time_date),
		T(test_fsrc__time_datetime),
		T(test_fsrc__time_refused),
		T(test_fsrc__time_agrees_with_timegm),
		T(test_fsrc__path),
		T(test_fsrc__reader),
		T(test_fsrc__reader_long_lines),
	};
	const struct CMUnitTest csv[] = {
		T(test_plugin_csv__descriptor),
		T(test_plugin_csv__fixture),
		T(test_plugin_csv__quoting),
		T(test_plugin_csv__semicolon),
		T(test_plugin_csv__tab),
		T(test_plugin_csv__pipe_and_quote),
		T(test_plugin_csv__bom_crlf),
		T(test_plugin_csv__blank_lines),
		T(test_plugin_csv__lone_cr),
		T(test_plugin_csv__empty_files),
		T(test_plugin_csv__no_header),
		T(test_plugin_csv__no_header_errors),
		T(test_plugin_csv__missing_column),
		T(test_plugin_csv__attributes),
		T(test_plugin_csv__checked_before_any_record),
		T(test_plugin_csv__options),
		T(test_plugin_csv__directory),
		T(test_plugin_csv__cannot_open),
		T(test_plugin_csv__field_count_fails),
		T(test_plugin_csv__field_count_skipped),
		T(test_plugin_csv__malformed_quoting),
		T(test_plugin_csv__unclosed_quote),
		T(test_plugin_csv__broken_header),
		T(test_plugin_csv__long_line),
		T(test_plugin_csv__empty_values_and_categories),
		T(test_plugin_csv__timestamps),
		T(test_plugin_csv__stop),
		T(test_plugin_csv__large_file),
	};
	int failed = 0;

	failed += cmocka_run_group_tests_name("fsrc", fsrc, NULL, NULL);
	failed += cmocka_run_group_tests_name("plugin_csv", csv, NULL, NULL);
	return failed != 0;
}
