/*
 * Unit tests: the jsonl plugin, driven through its descriptor by a fake
 * host.  (The code it shares with the csv plugin is tested in
 * plugin_csv.c.)
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	ph_config_init(&t->cfg, "app");
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

static const char *const CAT_BIRTH[] = { "collected/birth-date", "collected/age" };
static const char *const CAT_DEVICE[] = { "collected/device" };
static const char *const CAT_X[] = { "collected/x" };

static void test_plugin_jsonl__descriptor(void **state)
{
	const dsmap_plugin_descriptor *d = dsmap_plugin_entry();

	(void)state;
	assert_int_equal(d->abi_major, DSMAP_PLUGIN_ABI_MAJOR);
	assert_int_equal(d->abi_minor, DSMAP_PLUGIN_ABI_MINOR);
	assert_int_equal(d->struct_size, sizeof(dsmap_plugin_descriptor));
	assert_string_equal(d->name, "jsonl");
	assert_string_equal(d->version, "1.0");
	assert_null(strchr(d->description, '\n'));
	assert_non_null(strstr(d->config_help, "directory=DIR  base directory for relative file names"));
	assert_null(d->lookup);
	d->close(NULL);
}

/* The fixture: a BOM, CRLF, blank lines, nested paths, an array index,
 * numbers as identifiers, empty values. */
static void test_plugin_jsonl__fixture(void **state)
{
	struct t *t = *state;
	char *dir = ph_fixture("jsonl");
	ph_record *r;
	size_t s;

	ph_config_init(&t->cfg, "app");
	ph_sysopt(&t->cfg, "directory", dir);
	s = ph_source(&t->cfg, "events.jsonl");
	ph_idf(&t->cfg, s, "customer.email", DSMAP_ID_EMAIL);
	ph_idf(&t->cfg, s, "customer.number", DSMAP_ID_CUSTOMER_NUMBER);
	ph_idf(&t->cfg, s, "devices.0.id", DSMAP_ID_DEVICE_ID);
	ph_idf(&t->cfg, s, "devices.1.id", DSMAP_ID_DEVICE_ID);
	ph_catf(&t->cfg, s, "birth", CAT_BIRTH, 2);
	ph_catf(&t->cfg, s, "devices", CAT_DEVICE, 1);
	ph_tsf(&t->cfg, s, "at");
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.nrecs, 3);

	r = &t->sink.recs[0];
	assert_int_equal(r->number, 1);
	assert_string_equal(r->locator, "events.jsonl:1");
	assert_int_equal(r->nids, 4);
	assert_int_equal(r->kind[0], DSMAP_ID_EMAIL);
	assert_string_equal(r->id[0], "judy@example.org");
	assert_string_equal(r->id[1], "12345");
	assert_string_equal(r->id[2], "dev-1");
	assert_string_equal(r->id[3], "dev-2");
	assert_int_equal(r->ncats, 3);
	assert_ptr_equal(r->cat[0], CAT_BIRTH[0]);
	assert_ptr_equal(r->cat[1], CAT_BIRTH[1]);
	assert_ptr_equal(r->cat[2], CAT_DEVICE[0]);
	assert_int_equal(r->updated, 1709290800);

	r = &t->sink.recs[1];
	assert_int_equal(r->number, 2);
	assert_string_equal(r->locator, "events.jsonl:3");
	assert_int_equal(r->nids, 1);
	assert_string_equal(r->id[0], "-7");
	assert_int_equal(r->ncats, 0);
	assert_int_equal(r->updated, 1709294400);

	r = &t->sink.recs[2];
	assert_int_equal(r->number, 3);
	assert_string_equal(r->locator, "events.jsonl:5");
	assert_int_equal(r->nids, 3);
	assert_string_equal(r->id[1], "1.5");
	assert_string_equal(r->id[2], "dev-3");
	assert_int_equal(r->ncats, 1);
	assert_int_equal(r->updated, 1709337600);
	free(dir);
}

static void test_plugin_jsonl__values(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "v.jsonl",
	    "{\"a\":\"x@example.org\",\"n\":0}\n"
	    "{\"a\":123456789012345,\"n\":-42}\n"
	    "{\"a\":0.1,\"n\":1e3}\n"
	    "{\"a\":true,\"n\":false}\n"
	    "{\"a\":null,\"n\":\"\"}\n"
	    "{\"other\":1}\n"
	    "{\"a\":\"nul\\u0000byte\",\"n\":2.5e-7}\n"
	    "{\"a\":-0.0,\"n\":12345.0}\n");
	s = ph_source(&t->cfg, "v.jsonl");
	ph_idf(&t->cfg, s, "a", DSMAP_ID_ACCOUNT_ID);
	ph_idf(&t->cfg, s, "n", DSMAP_ID_CUSTOMER_NUMBER);
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.nrecs, 8);
	assert_int_equal(t->sink.recs[0].nids, 2);
	assert_string_equal(t->sink.recs[0].id[0], "x@example.org");
	assert_string_equal(t->sink.recs[0].id[1], "0");
	assert_string_equal(t->sink.recs[1].id[0], "123456789012345");
	assert_string_equal(t->sink.recs[1].id[1], "-42");
	assert_string_equal(t->sink.recs[2].id[0], "0.1");
	assert_string_equal(t->sink.recs[2].id[1], "1000");
	/* true, false, null, "" and a missing field are no identifiers. */
	assert_int_equal(t->sink.recs[3].nids, 0);
	assert_int_equal(t->sink.recs[4].nids, 0);
	assert_int_equal(t->sink.recs[5].nids, 0);
	/* A string is taken whole, NUL and all. */
	assert_int_equal(t->sink.recs[6].id_len[0], 8);
	assert_memory_equal(t->sink.recs[6].id[0], "nul\0byte", 8);
	assert_string_equal(t->sink.recs[6].id[1], "2.5e-07");
	assert_string_equal(t->sink.recs[7].id[0], "-0");
	assert_string_equal(t->sink.recs[7].id[1], "12345");
}

static void test_plugin_jsonl__paths(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "p.jsonl",
	    "{\"c\":{\"e\":\"deep@example.org\",\"0\":\"key0\"},\"d\":[{\"id\":\"a\"},[\"x\",\"y\"]],\"a.b\":\"dotted\"}\n"
	    "{\"c\":\"not an object\",\"d\":{\"0\":{\"id\":\"obj\"}}}\n"
	    "{\"c\":[\"arr\"],\"d\":[]}\n");
	s = ph_source(&t->cfg, "p.jsonl");
	ph_idf(&t->cfg, s, "c.e", DSMAP_ID_EMAIL);
	ph_idf(&t->cfg, s, "c.0", DSMAP_ID_ACCOUNT_ID);        /* a key on an object, an index on an array */
	ph_idf(&t->cfg, s, "d.0.id", DSMAP_ID_DEVICE_ID);
	ph_idf(&t->cfg, s, "d.1.1", DSMAP_ID_IMEI);
	ph_idf(&t->cfg, s, "d.9.id", DSMAP_ID_IP);             /* out of range */
	ph_idf(&t->cfg, s, "a.b", DSMAP_ID_PHONE);             /* a key with a dot: not reachable */
	ph_idf(&t->cfg, s, "c.e.f", DSMAP_ID_CUSTOMER_NUMBER); /* past a string */
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.nrecs, 3);
	assert_int_equal(t->sink.recs[0].nids, 4);
	assert_string_equal(ph_id(&t->sink.recs[0], DSMAP_ID_EMAIL), "deep@example.org");
	assert_string_equal(ph_id(&t->sink.recs[0], DSMAP_ID_ACCOUNT_ID), "key0");
	assert_string_equal(ph_id(&t->sink.recs[0], DSMAP_ID_DEVICE_ID), "a");
	assert_string_equal(ph_id(&t->sink.recs[0], DSMAP_ID_IMEI), "y");
	assert_int_equal(t->sink.recs[1].nids, 1);
	assert_string_equal(ph_id(&t->sink.recs[1], DSMAP_ID_DEVICE_ID), "obj");
	assert_int_equal(t->sink.recs[2].nids, 1);
	assert_string_equal(ph_id(&t->sink.recs[2], DSMAP_ID_ACCOUNT_ID), "arr");
}

/* ABI 1.1: attribute fields by dotted path; a string as it is, a number
 * and a boolean as their text, "" as an empty value, and absent, null, an
 * object or an array as no value. */
static void test_plugin_jsonl__attributes(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "a.jsonl",
	    "{\"e\":\"a@example.org\",\"c\":{\"status\":\"lead\"},\"brand\":7}\n"
	    "{\"e\":\"b@example.org\",\"c\":{\"status\":\"\"},\"brand\":true}\n"
	    "{\"e\":\"c@example.org\",\"c\":{\"status\":null},\"brand\":2.5}\n"
	    "{\"e\":\"d@example.org\",\"c\":{},\"brand\":[\"x\"]}\n"
	    "{\"e\":\"e@example.org\",\"c\":\"flat\",\"brand\":{\"id\":1}}\n");
	s = ph_source(&t->cfg, "a.jsonl");
	ph_idf(&t->cfg, s, "e", DSMAP_ID_EMAIL);
	ph_attrf(&t->cfg, s, "c.status");
	ph_attrf(&t->cfg, s, "brand");
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.nrecs, 5);
	assert_int_equal(t->sink.recs[0].nattrs, 2);
	assert_string_equal(t->sink.recs[0].attr[0], "lead");
	assert_string_equal(t->sink.recs[0].attr[1], "7");
	assert_non_null(t->sink.recs[1].attr[0]);
	assert_int_equal(t->sink.recs[1].attr_len[0], 0);
	assert_string_equal(t->sink.recs[1].attr[1], "true");
	assert_null(t->sink.recs[2].attr[0]);          /* null */
	assert_string_equal(t->sink.recs[2].attr[1], "2.5");
	assert_null(t->sink.recs[3].attr[0]);          /* absent */
	assert_null(t->sink.recs[3].attr[1]);          /* an array */
	assert_null(t->sink.recs[4].attr[0]);          /* past a string */
	assert_null(t->sink.recs[4].attr[1]);          /* an object */
	/* an attribute is not an identifier: the records keep theirs alone */
	assert_int_equal(t->sink.recs[0].nids, 1);
}

static void test_plugin_jsonl__not_a_scalar(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "o.jsonl",
	    "{\"e\":\"a@example.org\"}\n"
	    "{\"e\":{\"secret\":\"secret@example.org\"}}\n"
	    "{\"e\":[\"secret@example.org\"]}\n"
	    "{\"e\":\"d@example.org\"}\n");
	s = ph_source(&t->cfg, "o.jsonl");
	ph_idf(&t->cfg, s, "e", DSMAP_ID_EMAIL);
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_EDATA);
	assert_string_equal(t->h.error, "system app: source o.jsonl: line 2: field 'e' is not a scalar");
	assert_int_equal(t->sink.count, 1);
	t->h.error[0] = '\0';
	assert_int_equal(run(t, 1), 0);
	assert_int_equal(t->sink.nrejects, 2);
	assert_int_equal(t->sink.rejects[0].number, 2);
	assert_int_equal(t->sink.rejects[1].number, 3);
	assert_string_equal(t->sink.rejects[1].reason, "line 3: field 'e' is not a scalar");
	assert_int_equal(t->sink.nrecs, 3);
	assert_int_equal(t->sink.recs[2].number, 4);
	assert_false(ph_said(&t->h, &t->sink, "secret"));
}

static void test_plugin_jsonl__categories(void **state)
{
	struct t *t = *state;
	static char age2[] = "collected/age";
	const char *const cat_age[] = { age2, "derived/segment" };
	size_t s;

	put(t, "c.jsonl",
	    "{\"b\":\"1980-01-01\",\"age\":44,\"x\":0}\n"
	    "{\"b\":null,\"age\":\"44\",\"x\":false}\n"
	    "{\"b\":\"\",\"age\":[],\"x\":{}}\n"
	    "{\"b\":[1],\"age\":{\"y\":1},\"x\":null}\n"
	    "{}\n");
	s = ph_source(&t->cfg, "c.jsonl");
	ph_catf(&t->cfg, s, "b", CAT_BIRTH, 2);
	ph_catf(&t->cfg, s, "age", cat_age, 2);
	ph_catf(&t->cfg, s, "x", CAT_X, 1);
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.nrecs, 5);
	assert_int_equal(t->sink.recs[0].ncats, 4);
	assert_ptr_equal(t->sink.recs[0].cat[0], CAT_BIRTH[0]);
	assert_ptr_equal(t->sink.recs[0].cat[1], CAT_BIRTH[1]);
	assert_ptr_equal(t->sink.recs[0].cat[2], cat_age[1]);
	assert_ptr_equal(t->sink.recs[0].cat[3], CAT_X[0]);
	assert_int_equal(t->sink.recs[1].ncats, 3);
	assert_ptr_equal(t->sink.recs[1].cat[0], age2);
	assert_int_equal(t->sink.recs[2].ncats, 0);
	assert_int_equal(t->sink.recs[3].ncats, 3);
	assert_int_equal(t->sink.recs[4].ncats, 0);
}

static void test_plugin_jsonl__timestamps(void **state)
{
	struct t *t = *state;
	static const int64_t want[] = {
		0, 0, 0, 1700000000, 1700000000, -2, 1709164800, 1709210096, 1709210096,
		1709192096, 1709215496, 1709210096
	};
	size_t s, i;

	put(t, "t.jsonl",
	    "{\"id\":1}\n"
	    "{\"id\":2,\"ts\":null}\n"
	    "{\"id\":3,\"ts\":\"\"}\n"
	    "{\"id\":4,\"ts\":1700000000}\n"
	    "{\"id\":5,\"ts\":1700000000.9}\n"
	    "{\"id\":6,\"ts\":-1.5}\n"
	    "{\"id\":7,\"ts\":\"2024-02-29\"}\n"
	    "{\"id\":8,\"ts\":\"2024-02-29T12:34:56\"}\n"
	    "{\"id\":9,\"ts\":\"2024-02-29 12:34:56.5Z\"}\n"
	    "{\"id\":10,\"ts\":\"2024-02-29T12:34:56+0500\"}\n"
	    "{\"id\":11,\"ts\":\"2024-02-29T12:34:56-01:30\"}\n"
	    "{\"id\":12,\"ts\":\"1709210096\"}\n");
	s = ph_source(&t->cfg, "t.jsonl");
	ph_idf(&t->cfg, s, "id", DSMAP_ID_CUSTOMER_NUMBER);
	ph_tsf(&t->cfg, s, "ts");
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.nrecs, 12);
	for (i = 0; i < 12; i++)
		assert_int_equal(t->sink.recs[i].updated, want[i]);

	put(t, "t.jsonl",
	    "{\"id\":1,\"ts\":\"2024-01-01\"}\n"
	    "{\"id\":2,\"ts\":\"secret o'clock\"}\n"
	    "{\"id\":3,\"ts\":true}\n"
	    "{\"id\":4,\"ts\":{\"secret\":1}}\n"
	    "{\"id\":5,\"ts\":1e300}\n"
	    "{\"id\":6,\"ts\":\"2024-01-02\"}\n");
	ph_sink_free(&t->sink);
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_EDATA);
	assert_string_equal(t->h.error, "system app: source t.jsonl: line 2: field 'ts' is not a timestamp");
	t->h.error[0] = '\0';
	assert_int_equal(run(t, 1), 0);
	assert_int_equal(t->sink.nrejects, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(t->sink.rejects[i].number, i + 2);
	assert_string_equal(t->sink.rejects[3].reason, "line 5: field 'ts' is not a timestamp");
	assert_int_equal(t->sink.nrecs, 1 + 2);
	assert_int_equal(t->sink.recs[2].updated, 1704153600);
	assert_false(ph_said(&t->h, &t->sink, "secret"));
}

/* Lines that are not JSON objects; jansson's words, without the data. */
static void test_plugin_jsonl__broken_lines(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "b.jsonl",
	    "{\"e\":\"a@example.org\"}\n"
	    "{\"e\": \"secret@example.org\" secretword}\n"
	    "[\"secret@example.org\"]\n"
	    "\"secret@example.org\"\n"
	    "42\n"
	    "{\"e\":\"secret@example.org\"} trailing\n"
	    "{\"e\":\"\\ud800secret\"}\n"
	    "{\"e\":\"secret\n"
	    "{\"n\":123456789012345678901234567890}\n"
	    "{\"e\":\"j@example.org\"}\n"
	    "{\"e\": 1\n");
	s = ph_source(&t->cfg, "b.jsonl");
	ph_idf(&t->cfg, s, "e", DSMAP_ID_EMAIL);
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_EDATA);
	assert_non_null(strstr(t->h.error, "system app: source b.jsonl: line 2: invalid JSON: "));
	assert_non_null(strstr(t->h.error, "(column "));
	assert_false(ph_said(&t->h, &t->sink, "secret"));
	assert_int_equal(t->sink.count, 1);

	t->h.error[0] = '\0';
	assert_int_equal(run(t, 1), 0);
	assert_int_equal(t->h.errors, 1);   /* the first run's only */
	assert_int_equal(t->sink.nrejects, 9);
	assert_int_equal(t->sink.rejects[0].number, 2);
	assert_non_null(strstr(t->sink.rejects[0].reason, "line 2: invalid JSON: "));
	assert_string_equal(t->sink.rejects[1].reason, "line 3: not a JSON object");
	assert_string_equal(t->sink.rejects[2].reason, "line 4: not a JSON object");
	assert_string_equal(t->sink.rejects[3].reason, "line 5: not a JSON object");
	assert_non_null(strstr(t->sink.rejects[4].reason, "line 6: invalid JSON: end of the line expected"));
	assert_non_null(strstr(t->sink.rejects[5].reason, "line 7: invalid JSON: invalid Unicode"));
	assert_null(strstr(t->sink.rejects[5].reason, "D800"));
	assert_non_null(strstr(t->sink.rejects[6].reason, "line 8: invalid JSON: "));
	assert_non_null(strstr(t->sink.rejects[7].reason, "line 9: invalid JSON: too big integer"));
	assert_null(strstr(t->sink.rejects[7].reason, "1234"));
	assert_int_equal(t->sink.rejects[7].number, 9);
	/* a line cut short: its end, not the file's */
	assert_string_equal(t->sink.rejects[8].reason,
	                    "line 11: invalid JSON: '}' expected at the end of the line (column 7)");
	assert_int_equal(t->sink.nrecs, 1 + 2);
	assert_int_equal(t->sink.recs[2].number, 10);
	assert_string_equal(t->sink.recs[2].locator, "b.jsonl:10");
	assert_false(ph_said(&t->h, &t->sink, "secret"));
}

static void test_plugin_jsonl__blank_lines_and_crlf(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "e.jsonl",
	    "\xEF\xBB\xBF\r\n"
	    "{\"e\":\"a@example.org\"}\r\n"
	    "\r\n"
	    "   \t \n"
	    "\n"
	    "{\"e\":\"b@example.org\"}\r\n"
	    "  {\"e\" : \"c@example.org\" }  \r\n"
	    "\n"
	    "{\"e\":\"d@example.org\"}");
	s = ph_source(&t->cfg, "e.jsonl");
	ph_idf(&t->cfg, s, "e", DSMAP_ID_EMAIL);
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.nrecs, 4);
	assert_int_equal(t->sink.recs[0].number, 1);
	assert_string_equal(t->sink.recs[0].locator, "e.jsonl:2");
	assert_string_equal(t->sink.recs[0].id[0], "a@example.org");
	assert_int_equal(t->sink.recs[1].number, 2);
	assert_string_equal(t->sink.recs[1].locator, "e.jsonl:6");
	assert_string_equal(t->sink.recs[2].id[0], "c@example.org");
	assert_int_equal(t->sink.recs[3].number, 4);
	assert_string_equal(t->sink.recs[3].locator, "e.jsonl:9");
	assert_string_equal(t->sink.recs[3].id[0], "d@example.org");

	/* Empty files. */
	put(t, "e.jsonl", "");
	put(t, "f.jsonl", "\xEF\xBB\xBF\n\n");
	ph_source(&t->cfg, "f.jsonl");
	ph_sink_free(&t->sink);
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(t->sink.count, 0);
}

static void test_plugin_jsonl__long_line(void **state)
{
	struct t *t = *state;
	size_t n = DSMAP_FSRC_MAX_LINE + 10, s;
	char *content = malloc(n + 100), *p = ph_path(t->dir, "l.jsonl");

	assert_non_null(content);
	strcpy(content, "{\"e\":\"a@example.org\"}\n{\"e\":\"");
	memset(content + 28, 's', n);
	strcpy(content + 28 + n, "\"}\n{\"e\":\"c@example.org\"}\n");
	ph_write(p, content);
	s = ph_source(&t->cfg, "l.jsonl");
	ph_idf(&t->cfg, s, "e", DSMAP_ID_EMAIL);
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_EDATA);
	assert_string_equal(t->h.error, "system app: source l.jsonl: line 2: longer than 16 MiB");
	t->h.error[0] = '\0';
	assert_int_equal(run(t, 1), 0);
	assert_int_equal(t->sink.nrejects, 1);
	assert_int_equal(t->sink.rejects[0].number, 2);
	assert_int_equal(t->sink.nrecs, 3);
	assert_int_equal(t->sink.recs[2].number, 3);
	assert_string_equal(t->sink.recs[2].locator, "l.jsonl:3");
	free(content);
	free(p);
}

static void test_plugin_jsonl__config(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "c.jsonl", "{}\n");
	s = ph_source(&t->cfg, "c.jsonl");
	ph_opt(&t->cfg, s, "delimiter", ",");
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(t->h.error, "system app: source c.jsonl: unknown option 'delimiter'");

	ph_config_init(&t->cfg, "app");
	ph_sysopt(&t->cfg, "directory", t->dir);
	ph_sysopt(&t->cfg, "header", "true");
	s = ph_source(&t->cfg, "c.jsonl");
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(t->h.error, "system app: unknown option 'header'");

	ph_config_init(&t->cfg, "app");
	ph_sysopt(&t->cfg, "directory", t->dir);
	s = ph_source(&t->cfg, "c.jsonl");
	ph_idf(&t->cfg, s, "a..b", DSMAP_ID_EMAIL);
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(t->h.error, "system app: source c.jsonl: field 'a..b': a path has an empty part");
	t->cfg.ids[s][0].field = "a.";
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_ECONFIG);
	t->cfg.ids[s][0].field = ".a";
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_ECONFIG);
	t->cfg.ids[s][0].field = "";
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(t->h.error, "system app: source c.jsonl: a field has no name");
	t->cfg.ids[s][0].field = "a";
	ph_tsf(&t->cfg, s, "x..y");
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_ECONFIG);
	assert_int_equal(t->sink.count, 0);
}

static void test_plugin_jsonl__cannot_open(void **state)
{
	struct t *t = *state;
	const dsmap_plugin_descriptor *d = dsmap_plugin_entry();
	void *ctx = NULL;
	char *p, cwd[4096];
	size_t s;

	put(t, "here.jsonl", "{\"e\":\"a@example.org\"}\n");
	ph_source(&t->cfg, "here.jsonl");
	s = ph_source(&t->cfg, "missing.jsonl");
	ph_idf(&t->cfg, s, "e", DSMAP_ID_EMAIL);
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_ECONNECT);
	assert_non_null(strstr(t->h.error, "system app: source missing.jsonl: cannot open "));
	assert_non_null(strstr(t->h.error, "No such file or directory"));
	assert_int_equal(t->sink.count, 0);   /* checked in open(), before any record */

	/* Gone between open() and scan(). */
	t->cfg.config.source_count = 1;
	assert_int_equal(d->open(&ctx, &t->h.host, &t->cfg.config), 0);
	p = ph_path(t->dir, "here.jsonl");
	assert_int_equal(unlink(p), 0);
	assert_int_equal(d->scan(ctx, ph_record_cb, NULL, &t->sink), DSMAP_PLUGIN_ECONNECT);
	d->close(ctx);

	/* Relative to the working directory without the option. */
	put(t, "here.jsonl", "{\"e\":\"a@example.org\"}\n");
	ph_config_init(&t->cfg, "app");
	ph_source(&t->cfg, "here.jsonl");
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(t->dir), 0);
	assert_int_equal(run(t, 0), 0);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(t->sink.count, 1);
	free(p);
}

static void test_plugin_jsonl__stop(void **state)
{
	struct t *t = *state;
	size_t s;

	put(t, "s.jsonl", "{\"e\":1}\n{\"e\":2}\n{\"e\":3}\n");
	s = ph_source(&t->cfg, "s.jsonl");
	ph_idf(&t->cfg, s, "e", DSMAP_ID_ACCOUNT_ID);
	t->sink.stop_after = 2;
	assert_int_equal(run(t, 0), DSMAP_PLUGIN_ESTOP);
	assert_int_equal(t->sink.count, 2);

	put(t, "s.jsonl", "{\"e\":1}\nnope\n{\"e\":3}\n");
	ph_sink_free(&t->sink);
	t->sink.reject_stops = 1;
	assert_int_equal(run(t, 1), DSMAP_PLUGIN_ESTOP);
	assert_int_equal(t->sink.count, 1);
	assert_int_equal(t->sink.nrejects, 1);
}

static void test_plugin_jsonl__large_file(void **state)
{
	struct t *t = *state;
	const unsigned int rows = 200000;
	const char *const cats[] = { "collected/name", "collected/birth-date" };
	char *p = ph_path(t->dir, "big.jsonl");
	FILE *f = fopen(p, "w");
	double t0, dt;
	unsigned int i;
	size_t s;

	assert_non_null(f);
	for (i = 0; i < rows; i++)
		fprintf(f, "{\"id\":%u,\"customer\":{\"email\":\"subject%u@example.org\",\"phone\":\"+3247%07u\"},"
		        "\"name\":\"Name %u\",\"birth\":\"1980-01-%02u\",\"city\":\"Brussels\","
		        "\"updated\":\"2024-01-01T10:00:%02uZ\"}\n", i, i, i, i, i % 28 + 1, i % 60);
	assert_int_equal(fclose(f), 0);

	s = ph_source(&t->cfg, "big.jsonl");
	ph_idf(&t->cfg, s, "id", DSMAP_ID_CUSTOMER_NUMBER);
	ph_idf(&t->cfg, s, "customer.email", DSMAP_ID_EMAIL);
	ph_idf(&t->cfg, s, "customer.phone", DSMAP_ID_PHONE);
	ph_catf(&t->cfg, s, "name", cats, 1);
	ph_catf(&t->cfg, s, "birth", cats + 1, 1);
	ph_tsf(&t->cfg, s, "updated");
	t->sink.count_only = 1;
	t0 = ph_now();
	assert_int_equal(run(t, 0), 0);
	dt = ph_now() - t0;
	assert_int_equal(t->sink.count, rows);
	assert_int_equal(t->sink.ids_seen, 3 * (uint64_t)rows);
	fprintf(stderr, "jsonl: %u records in %.3f s: %.0f records/s\n", rows, dt,
	        dt > 0 ? rows / dt : 0.0);
	free(p);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_plugin_jsonl__descriptor),
		T(test_plugin_jsonl__fixture),
		T(test_plugin_jsonl__values),
		T(test_plugin_jsonl__paths),
		T(test_plugin_jsonl__attributes),
		T(test_plugin_jsonl__not_a_scalar),
		T(test_plugin_jsonl__categories),
		T(test_plugin_jsonl__timestamps),
		T(test_plugin_jsonl__broken_lines),
		T(test_plugin_jsonl__blank_lines_and_crlf),
		T(test_plugin_jsonl__long_line),
		T(test_plugin_jsonl__config),
		T(test_plugin_jsonl__cannot_open),
		T(test_plugin_jsonl__stop),
		T(test_plugin_jsonl__large_file),
	};

	return cmocka_run_group_tests_name("plugin_jsonl", tests, NULL, NULL);
}
