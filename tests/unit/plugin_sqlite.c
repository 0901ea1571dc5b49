/*
 * Unit tests: the sqlite plugin, driven through its descriptor against
 * real database files made with the SQLite API in a temporary directory.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include <dsmap/plugin.h>

const dsmap_plugin_descriptor *dsmap_plugin_entry(void);

/* ---- a host and a collector ------------------------------------------- */

struct th_host {
	dsmap_plugin_host host;
	char msg[2048];
};

static void th_set_error(dsmap_plugin_host *host, const char *fmt, ...)
{
	struct th_host *h = host->host_data;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->msg, sizeof(h->msg), fmt, ap);
	va_end(ap);
}

static void th_host_init(struct th_host *h)
{
	memset(h, 0, sizeof(*h));
	h->host.abi_major = DSMAP_PLUGIN_ABI_MAJOR;
	h->host.abi_minor = DSMAP_PLUGIN_ABI_MINOR;
	h->host.struct_size = sizeof(h->host);
	h->host.set_error = th_set_error;
	h->host.host_data = h;
}

/* What a scan delivered, one line a record:
 * "<number> <locator> ids=<kind>:<value>,... cats=<cat>,... t=<updated>",
 * with " a=[<value>],..." (NULL for no value) before " t=" when the source
 * has attribute fields */
struct got {
	const dsmap_plugin_config *config;
	char *text;
	size_t len, size;
	size_t count;
	size_t stop_after;         /* stop at this record (0: never) */
	char rejects[1024];
};

static void got_add(struct got *g, const char *s, size_t n)
{
	if (g->len + n + 1 > g->size) {
		g->size = (g->len + n + 1) * 2;
		g->text = realloc(g->text, g->size);
		assert_non_null(g->text);
	}
	memcpy(g->text + g->len, s, n);
	g->len += n;
	g->text[g->len] = '\0';
}

static void got_addf(struct got *g, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(tmp));
	got_add(g, tmp, (size_t)n);
}

static const char *got_text(struct got *g)
{
	return g->text ? g->text : "";
}

static void got_free(struct got *g)
{
	free(g->text);
	memset(g, 0, sizeof(*g));
}

static int on_record(const dsmap_plugin_record *r, void *payload)
{
	struct got *g = payload;
	const dsmap_plugin_source *src = r->source;
	size_t i, f, k;

	/* The source is one of the config's, and each category is the very
	 * pointer the config gave. */
	assert_true(src >= g->config->sources &&
	            src < g->config->sources + g->config->source_count);
	for (i = 0; i < r->category_count; i++) {
		int found = 0;

		for (f = 0; f < src->category_field_count; f++)
			for (k = 0; k < src->category_fields[f].category_count; k++)
				found |= src->category_fields[f].categories[k] == r->categories[i];
		assert_true(found);
	}
	got_addf(g, "%" PRIu64 " ", r->number);
	got_add(g, r->locator, r->locator_len);
	got_add(g, " ids=", 5);
	for (i = 0; i < r->identifier_count; i++) {
		got_addf(g, "%s%d:", i ? "," : "", r->identifiers[i].kind);
		got_add(g, r->identifiers[i].value, r->identifiers[i].len);
	}
	got_add(g, " cats=", 6);
	for (i = 0; i < r->category_count; i++)
		got_addf(g, "%s%s", i ? "," : "", r->categories[i]);
	assert_int_equal(r->attribute_count, src->attribute_field_count);
	if (r->attribute_count > 0) {
		assert_non_null(r->attributes);
		got_add(g, " a=", 3);
		for (i = 0; i < r->attribute_count; i++) {
			if (i)
				got_add(g, ",", 1);
			if (r->attributes[i].value == NULL) {
				assert_int_equal(r->attributes[i].len, 0);
				got_add(g, "NULL", 4);
				continue;
			}
			got_add(g, "[", 1);
			got_add(g, r->attributes[i].value, r->attributes[i].len);
			got_add(g, "]", 1);
		}
	}
	got_addf(g, " t=%" PRId64 "\n", r->updated);
	g->count++;
	return g->stop_after != 0 && g->count >= g->stop_after;
}

static int on_reject(const dsmap_plugin_source *src, uint64_t number, const char *reason,
                     void *payload)
{
	struct got *g = payload;
	size_t n = strlen(g->rejects);

	snprintf(g->rejects + n, sizeof(g->rejects) - n, "%s #%" PRIu64 ": %s\n", src->name,
	         number, reason);
	return 0;
}

/* ---- fixtures ------------------------------------------------------------ */

struct fixture {
	char dir[256];
	char db[300];
	char cwd[4096];
};

static void exec_sql(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *err = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", path, err);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static const char crm_sql[] =
	"CREATE TABLE customers (email TEXT, phone TEXT, custno INTEGER, birth TEXT,"
	"  newsletter TEXT, address TEXT, code TEXT, updated_at);"
	"INSERT INTO customers VALUES"
	" ('alice@example.org', '+32470000001', 1001, '1980-01-02', 'yes', 'Main St 1', 'A-1',"
	"  '2023-11-14T23:13:20+01:00'),"
	" ('', NULL, 1002, NULL, '', 'Elm St 2', 'A-2', 1700000100),"
	" (NULL, '+32470000003', NULL, '', NULL, NULL, 'A-3', NULL),"
	" ('dave@example.org', NULL, 1004, '1990-05-06', NULL, NULL, 'A-4', '');"
	"CREATE TABLE orders (order_id INTEGER PRIMARY KEY, email TEXT, total INTEGER);"
	"INSERT INTO orders VALUES (10, 'alice@example.org', 5), (20, NULL, 7);"
	"CREATE TABLE events (email TEXT, at TEXT);"
	"INSERT INTO events VALUES ('e1@example.org', '2024-01-01 00:00:00'),"
	" ('e2@example.org', 'not-a-date'), ('e3@example.org', '2024-01-02');"
	"CREATE TABLE tags (tag TEXT PRIMARY KEY, email TEXT) WITHOUT ROWID;"
	"INSERT INTO tags VALUES ('t-1', 'alice@example.org');"
	"CREATE VIEW customer_view AS SELECT code, email FROM customers;"
	"CREATE TABLE accounts (custno INTEGER PRIMARY KEY, email TEXT, ref TEXT);"
	"INSERT INTO accounts VALUES (1001, 'alice@example.org', 'R-1');"
	"CREATE TABLE \"odd \"\"name\"\"\" (\"e \"\"mail\"\"\" TEXT);"
	"INSERT INTO \"odd \"\"name\"\"\" VALUES ('odd@example.org');";

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "%s/dsmap-sqlite-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(fx->dir) == NULL || getcwd(fx->cwd, sizeof(fx->cwd)) == NULL) {
		free(fx);
		return -1;
	}
	snprintf(fx->db, sizeof(fx->db), "%s/crm.db", fx->dir);
	exec_sql(fx->db, crm_sql);
	*state = fx;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	int rc;

	rc = chdir(fx->cwd);
	rc |= nftw(fx->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return rc;
}

/* ---- the configuration of the tests --------------------------------------- */

static const dsmap_plugin_id_field customer_ids[] = {
	{ "email", DSMAP_ID_EMAIL },
	{ "phone", DSMAP_ID_PHONE },
	{ "custno", DSMAP_ID_CUSTOMER_NUMBER },
};
/* Two equal categories at two addresses: a record lists it once. */
static const char identity_a[] = "collected/identity";
static const char identity_b[] = "collected/identity";
static const char *const cats_email[] = { "collected/contact-details" };
static const char *const cats_birth[] = { "collected/birth-date", identity_a };
static const char *const cats_newsletter[] = { "collected/contact-preferences",
                                               "collected/contact-preferences" };
static const char *const cats_address[] = { "collected/address", identity_b };
static const dsmap_plugin_category_field customer_cats[] = {
	{ "email", 1, cats_email },
	{ "birth", 2, cats_birth },
	{ "newsletter", 2, cats_newsletter },
	{ "address", 2, cats_address },
};
static const dsmap_plugin_id_field order_ids[] = { { "email", DSMAP_ID_EMAIL } };
static const char *const cats_total[] = { "financial/purchases" };
static const dsmap_plugin_category_field order_cats[] = { { "total", 1, cats_total } };
static const dsmap_plugin_id_field event_ids[] = { { "email", DSMAP_ID_EMAIL } };

static dsmap_plugin_source customers_source(const dsmap_plugin_option *opts, size_t nopts)
{
	dsmap_plugin_source s = { "customers", 3, customer_ids, 4, customer_cats, "updated_at",
	                          nopts, opts, 0, NULL };
	return s;
}

static dsmap_plugin_source orders_source(void)
{
	dsmap_plugin_source s = { "orders", 1, order_ids, 1, order_cats, NULL, 0, NULL, 0, NULL };
	return s;
}

static dsmap_plugin_source events_source(void)
{
	dsmap_plugin_source s = { "events", 1, event_ids, 0, NULL, "at", 0, NULL, 0, NULL };
	return s;
}

/* Open the plugin on `path` with `sources`; the result of open(). */
static int open_with(void **ctx, struct th_host *h, dsmap_plugin_config *cfg,
                     dsmap_plugin_option *opts, size_t nopts, const dsmap_plugin_source *sources,
                     size_t nsources)
{
	th_host_init(h);
	memset(cfg, 0, sizeof(*cfg));
	cfg->system_id = "crm";
	cfg->option_count = nopts;
	cfg->options = opts;
	cfg->source_count = nsources;
	cfg->sources = sources;
	*ctx = NULL;
	return dsmap_plugin_entry()->open(ctx, &h->host, cfg);
}

static void assert_msg(const struct th_host *h, const char *needle)
{
	if (strstr(h->msg, needle) == NULL)
		fail_msg("expected '%s' in the message, got '%s'", needle, h->msg);
}

/* No value of the fixture in `msg`. */
static void assert_no_value(const char *msg)
{
	static const char *const values[] = { "alice", "dave", "e1@", "e2@", "e3@", "+3247",
	                                      "1001", "1002", "not-a-date", "Main St", NULL };
	size_t i;

	for (i = 0; values[i] != NULL; i++)
		if (strstr(msg, values[i]) != NULL)
			fail_msg("a value ('%s') in the message '%s'", values[i], msg);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_plugin_sqlite__descriptor(void **state)
{
	const dsmap_plugin_descriptor *d = dsmap_plugin_entry();

	(void)state;
	assert_int_equal(d->abi_major, DSMAP_PLUGIN_ABI_MAJOR);
	assert_int_equal(d->abi_minor, DSMAP_PLUGIN_ABI_MINOR);
	assert_int_equal(d->struct_size, sizeof(dsmap_plugin_descriptor));
	assert_string_equal(d->name, "sqlite");
	assert_string_equal(d->version, "1.0");
	assert_null(strchr(d->description, '\n'));
	assert_non_null(strstr(d->config_help, "path "));
	assert_non_null(strstr(d->config_help, "\ndirectory "));
	assert_non_null(strstr(d->config_help, "\nkey "));
	assert_int_equal(d->config_help[strlen(d->config_help) - 1], '\n');
	assert_non_null(d->open);
	assert_non_null(d->scan);
	assert_non_null(d->lookup);
	assert_non_null(d->close);
	d->close(NULL);
}

static void test_plugin_sqlite__module_exports_entry(void **state)
{
	const char *b = getenv("DSMAP_BUILDDIR");
	const dsmap_plugin_descriptor *(*entry)(void);
	char path[4096];
	void *so;

	(void)state;
	snprintf(path, sizeof(path), "%s/plugins/.libs/sqlite.so", b ? b : ".");
	if (access(path, F_OK) != 0) {
		fprintf(stderr, "%s not built: skipped\n", path);
		skip();
	}
	so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (so == NULL)
		fail_msg("%s", dlerror());
	*(void **)&entry = dlsym(so, DSMAP_PLUGIN_ENTRY_SYMBOL);
	assert_non_null(entry);
	assert_string_equal(entry()->name, "sqlite");
	assert_null(dlsym(so, "emit"));
	dlclose(so);
}

static void test_plugin_sqlite__scan(void **state)
{
	struct fixture *fx = *state;
	dsmap_plugin_option opts[] = { { "path", fx->db } };
	dsmap_plugin_source sources[2];
	dsmap_plugin_config cfg;
	struct th_host h;
	struct got g = { 0 };
	void *ctx;

	sources[0] = customers_source(NULL, 0);
	sources[1] = orders_source();
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 2), 0);
	g.config = &cfg;
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, on_reject, &g), 0);
	assert_string_equal(got_text(&g),
		"1 customers/1 ids=1:alice@example.org,2:+32470000001,4:1001"
		" cats=collected/contact-details,collected/birth-date,collected/identity,"
		"collected/contact-preferences,collected/address t=1700000000\n"
		"2 customers/2 ids=4:1002 cats=collected/address,collected/identity t=1700000100\n"
		"3 customers/3 ids=2:+32470000003 cats= t=0\n"
		"4 customers/4 ids=1:dave@example.org,4:1004"
		" cats=collected/contact-details,collected/birth-date,collected/identity t=0\n"
		"1 orders/10 ids=1:alice@example.org cats=financial/purchases t=0\n"
		"2 orders/20 ids= cats=financial/purchases t=0\n");
	assert_string_equal(g.rejects, "");
	/* A second scan of the same context gives the same records. */
	got_free(&g);
	g.config = &cfg;
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), 0);
	assert_int_equal(g.count, 6);
	dsmap_plugin_entry()->close(ctx);
	got_free(&g);
}

static void test_plugin_sqlite__key_option(void **state)
{
	struct fixture *fx = *state;
	dsmap_plugin_option opts[] = { { "path", fx->db } };
	dsmap_plugin_option key[] = { { "key", "code" } };
	dsmap_plugin_option rowid[] = { { "key", "ROWID" } };
	dsmap_plugin_source sources[2];
	dsmap_plugin_config cfg;
	struct th_host h;
	struct got g = { 0 };
	void *ctx;

	sources[0] = customers_source(key, 1);
	sources[1] = customers_source(rowid, 1);
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 2), 0);
	g.config = &cfg;
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), 0);
	assert_int_equal(g.count, 8);
	assert_int_equal(strncmp(got_text(&g), "1 customers/A-1 ids=", 20), 0);
	assert_non_null(strstr(got_text(&g), "\n4 customers/A-4 ids="));
	assert_non_null(strstr(got_text(&g), "\n1 customers/1 ids="));
	assert_non_null(strstr(got_text(&g), "\n4 customers/4 ids="));
	dsmap_plugin_entry()->close(ctx);
	got_free(&g);
}

static void test_plugin_sqlite__key_identifier_refused(void **state)
{
	struct fixture *fx = *state;
	dsmap_plugin_option opts[] = { { "path", fx->db } };
	dsmap_plugin_option key[] = { { "key", "EMAIL" } };
	dsmap_plugin_source sources[1];
	dsmap_plugin_config cfg;
	struct th_host h;
	void *ctx;

	sources[0] = customers_source(key, 1);
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_null(ctx);
	assert_msg(&h, "system crm: source customers: option key: column 'EMAIL' is an identifier");
}

/* A key the source maps as a category is refused as well, in any case
 * (SQLite ignores the case of names), and so is an identifier's. */
static void test_plugin_sqlite__key_personal_refused(void **state)
{
	static const char *const keys[] = { "birth", "ADDRESS", "Newsletter", "custno", "Phone" };
	static const char *const what[] = { "a category field", "a category field",
	                                    "a category field", "an identifier field",
	                                    "an identifier field" };
	struct fixture *fx = *state;
	dsmap_plugin_option opts[] = { { "path", fx->db } };
	dsmap_plugin_option key[1];
	dsmap_plugin_source sources[1];
	dsmap_plugin_config cfg;
	struct th_host h;
	char want[256];
	size_t i;
	void *ctx;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		key[0].key = DSMAP_PLUGIN_KEY_OPTION;
		key[0].value = keys[i];
		sources[0] = customers_source(key, 1);
		assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), DSMAP_PLUGIN_ECONFIG);
		assert_null(ctx);
		snprintf(want, sizeof(want), "system crm: source customers: option key: column '%s' "
		         "is %s, and a locator must hold no personal data", keys[i], what[i]);
		assert_msg(&h, want);
		assert_no_value(h.msg);
	}
}

/* The row id of a table with an INTEGER PRIMARY KEY is that column: when
 * the source maps it as personal, neither the default nor key: rowid may
 * be the locator, and another key column is. */
static void test_plugin_sqlite__rowid_alias_personal_refused(void **state)
{
	static const dsmap_plugin_id_field ids[] = { { "custno", DSMAP_ID_CUSTOMER_NUMBER },
	                                             { "email", DSMAP_ID_EMAIL } };
	struct fixture *fx = *state;
	dsmap_plugin_option opts[] = { { "path", fx->db } };
	dsmap_plugin_option rowid[] = { { "key", "ROWID" } };
	dsmap_plugin_option ref[] = { { "key", "ref" } };
	dsmap_plugin_source sources[1] = { { "accounts", 2, ids, 0, NULL, NULL, 0, NULL, 0, NULL } };
	dsmap_plugin_config cfg;
	struct th_host h;
	struct got g = { 0 };
	void *ctx;

	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(h.msg, "system crm: source accounts: the row id, the default locator, "
	                    "is column 'custno' (the table's INTEGER PRIMARY KEY), an identifier "
	                    "field, and a locator must hold no personal data (it is stored and "
	                    "printed by locate): set option key to a column that is neither an "
	                    "identifier nor a category field");
	sources[0].options = rowid;
	sources[0].option_count = 1;
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_msg(&h, "system crm: source accounts: option key: 'ROWID' is column 'custno' (the "
	           "table's INTEGER PRIMARY KEY), an identifier field, ");
	assert_no_value(h.msg);

	sources[0].options = ref;
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), 0);
	g.config = &cfg;
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), 0);
	assert_string_equal(got_text(&g), "1 accounts/R-1 ids=4:1001,1:alice@example.org cats= t=0\n");
	dsmap_plugin_entry()->close(ctx);
	got_free(&g);

	/* An INTEGER PRIMARY KEY that is not personal stays the default. */
	sources[0] = orders_source();
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), 0);
	g.config = &cfg;
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), 0);
	assert_string_equal(got_text(&g), "1 orders/10 ids=1:alice@example.org cats=financial/purchases t=0\n"
	                                  "2 orders/20 ids= cats=financial/purchases t=0\n");
	dsmap_plugin_entry()->close(ctx);
	got_free(&g);
}

static void test_plugin_sqlite__key_missing_column(void **state)
{
	struct fixture *fx = *state;
	dsmap_plugin_option opts[] = { { "path", fx->db } };
	dsmap_plugin_option key[] = { { "key", "nosuch" } };
	dsmap_plugin_source sources[1];
	dsmap_plugin_config cfg;
	struct th_host h;
	void *ctx;

	sources[0] = customers_source(key, 1);
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(h.msg, "system crm: source customers: no column 'nosuch'");
}

static void test_plugin_sqlite__bad_timestamp_fails(void **state)
{
	struct fixture *fx = *state;
	dsmap_plugin_option opts[] = { { "path", fx->db } };
	dsmap_plugin_source sources[1];
	dsmap_plugin_config cfg;
	struct th_host h;
	struct got g = { 0 };
	void *ctx;

	sources[0] = events_source();
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), 0);
	g.config = &cfg;
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), DSMAP_PLUGIN_EDATA);
	assert_string_equal(h.msg,
	                    "system crm: source events: row 2: timestamp column 'at' is not a date");
	assert_no_value(h.msg);
	assert_string_equal(got_text(&g), "1 events/1 ids=1:e1@example.org cats= t=1704067200\n");
	dsmap_plugin_entry()->close(ctx);
	got_free(&g);
}

static void test_plugin_sqlite__bad_timestamp_skipped(void **state)
{
	struct fixture *fx = *state;
	dsmap_plugin_option opts[] = { { "path", fx->db } };
	dsmap_plugin_source sources[1];
	dsmap_plugin_config cfg;
	struct th_host h;
	struct got g = { 0 };
	void *ctx;

	sources[0] = events_source();
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), 0);
	g.config = &cfg;
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, on_reject, &g), 0);
	assert_string_equal(got_text(&g), "1 events/1 ids=1:e1@example.org cats= t=1704067200\n"
	                                  "3 events/3 ids=1:e3@example.org cats= t=1704153600\n");
	assert_string_equal(g.rejects, "events #2: row 2: timestamp column 'at' is not a date\n");
	assert_no_value(g.rejects);
	dsmap_plugin_entry()->close(ctx);
	got_free(&g);
}

static void test_plugin_sqlite__missing_file_not_created(void **state)
{
	struct fixture *fx = *state;
	char path[512];
	dsmap_plugin_option opts[] = { { "path", path } };
	dsmap_plugin_source sources[1];
	dsmap_plugin_config cfg;
	struct th_host h;
	struct stat st;
	void *ctx;

	snprintf(path, sizeof(path), "%s/missing.db", fx->dir);
	sources[0] = orders_source();
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), DSMAP_PLUGIN_ECONNECT);
	assert_null(ctx);
	assert_msg(&h, "system crm: cannot open SQLite database '");
	assert_msg(&h, "/missing.db': No such file or directory");
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_plugin_sqlite__not_a_database(void **state)
{
	struct fixture *fx = *state;
	char path[512];
	dsmap_plugin_option opts[] = { { "path", path } };
	dsmap_plugin_source sources[1];
	dsmap_plugin_config cfg;
	struct th_host h;
	FILE *f;
	int i;
	void *ctx;

	snprintf(path, sizeof(path), "%s/notes.txt", fx->dir);
	assert_non_null(f = fopen(path, "w"));
	for (i = 0; i < 100; i++)
		fputs("alice@example.org is not a database\n", f);
	assert_int_equal(fclose(f), 0);
	sources[0] = orders_source();
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), DSMAP_PLUGIN_ECONNECT);
	assert_msg(&h, "system crm: cannot open SQLite database '");
	assert_msg(&h, "/notes.txt': file is not a database");
	assert_no_value(h.msg);
	/* A directory is no database either. */
	opts[0].value = fx->dir;
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), DSMAP_PLUGIN_ECONNECT);
	assert_msg(&h, "Is a directory");
}

static void test_plugin_sqlite__missing_table(void **state)
{
	struct fixture *fx = *state;
	dsmap_plugin_option opts[] = { { "path", fx->db } };
	dsmap_plugin_source sources[2];
	dsmap_plugin_config cfg;
	struct th_host h;
	void *ctx;

	sources[0] = orders_source();
	sources[1] = orders_source();
	sources[1].name = "ordres";
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 2), DSMAP_PLUGIN_ECONFIG);
	assert_null(ctx);
	assert_string_equal(h.msg, "system crm: source ordres: no table 'ordres'");
}

static void test_plugin_sqlite__missing_column(void **state)
{
	struct fixture *fx = *state;
	dsmap_plugin_option opts[] = { { "path", fx->db } };
	dsmap_plugin_id_field ids[] = { { "email", DSMAP_ID_EMAIL }, { "emial", DSMAP_ID_EMAIL } };
	static const char *const cats[] = { "collected/x" };
	dsmap_plugin_category_field catf[] = { { "nosuch", 1, cats } };
	dsmap_plugin_source sources[1];
	dsmap_plugin_config cfg;
	struct th_host h;
	void *ctx;

	/* An identifier field, a category field, the timestamp field. */
	sources[0] = orders_source();
	sources[0].id_fields = ids;
	sources[0].id_field_count = 2;
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(h.msg, "system crm: source orders: no column 'emial'");

	sources[0] = orders_source();
	sources[0].category_fields = catf;
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(h.msg, "system crm: source orders: no column 'nosuch'");

	sources[0] = orders_source();
	sources[0].timestamp_field = "created";
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(h.msg, "system crm: source orders: no column 'created'");

	/* Column names are case-insensitive in SQLite. */
	sources[0] = orders_source();
	ids[1].field = "EMAIL";
	sources[0].id_fields = ids;
	sources[0].id_field_count = 2;
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), 0);
	dsmap_plugin_entry()->close(ctx);
}

static void test_plugin_sqlite__options(void **state)
{
	struct fixture *fx = *state;
	dsmap_plugin_option typo[] = { { "path", fx->db }, { "pth", "x" } };
	dsmap_plugin_option dir[] = { { "path", "crm.db" }, { "directory", fx->dir } };
	dsmap_plugin_option src_typo[] = { { "kye", "code" } };
	dsmap_plugin_source sources[1];
	dsmap_plugin_config cfg;
	struct th_host h;
	void *ctx;

	sources[0] = orders_source();
	assert_int_equal(open_with(&ctx, &h, &cfg, typo, 2, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(h.msg, "system crm: unknown option 'pth'");
	assert_int_equal(open_with(&ctx, &h, &cfg, typo, 0, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(h.msg, "system crm: option 'path' is required");
	sources[0] = customers_source(src_typo, 1);
	assert_int_equal(open_with(&ctx, &h, &cfg, typo, 1, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(h.msg, "system crm: source customers: unknown option 'kye'");

	/* A relative path is relative to `directory`... */
	sources[0] = orders_source();
	assert_int_equal(open_with(&ctx, &h, &cfg, dir, 2, sources, 1), 0);
	dsmap_plugin_entry()->close(ctx);
	/* ...or to the working directory. */
	assert_int_equal(chdir(fx->dir), 0);
	assert_int_equal(open_with(&ctx, &h, &cfg, dir, 1, sources, 1), 0);
	dsmap_plugin_entry()->close(ctx);
	/* A name that SQLite could take for a URI is a file name. */
	exec_sql("./file:uri.db", "CREATE TABLE orders (email TEXT, total INTEGER);");
	dir[0].value = "file:uri.db";
	assert_int_equal(open_with(&ctx, &h, &cfg, dir, 1, sources, 1), 0);
	dsmap_plugin_entry()->close(ctx);
	assert_int_equal(chdir(fx->cwd), 0);
}

static void test_plugin_sqlite__quoted_names(void **state)
{
	struct fixture *fx = *state;
	dsmap_plugin_option opts[] = { { "path", fx->db } };
	dsmap_plugin_id_field ids[] = { { "e \"mail\"", DSMAP_ID_EMAIL } };
	dsmap_plugin_source sources[1] = { { "odd \"name\"", 1, ids, 0, NULL, NULL, 0, NULL, 0, NULL } };
	dsmap_plugin_config cfg;
	struct th_host h;
	struct got g = { 0 };
	void *ctx;

	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), 0);
	g.config = &cfg;
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), 0);
	assert_string_equal(got_text(&g), "1 odd \"name\"/1 ids=1:odd@example.org cats= t=0\n");
	dsmap_plugin_entry()->close(ctx);
	got_free(&g);
}

/* ABI 1.1: the values of the attribute fields, present, empty and NULL,
 * a number as its text, in the order of the fields. */
static void test_plugin_sqlite__attributes(void **state)
{
	struct fixture *fx = *state;
	dsmap_plugin_option opts[] = { { "path", fx->db } };
	dsmap_plugin_id_field ids[] = { { "custno", DSMAP_ID_CUSTOMER_NUMBER } };
	const char *const attrs[] = { "code", "newsletter", "custno" };
	dsmap_plugin_source sources[1] = { { "customers", 1, ids, 0, NULL, NULL, 0, NULL,
	                                     3, attrs } };
	const char *const missing[] = { "status" };
	dsmap_plugin_config cfg;
	struct th_host h;
	struct got g = { 0 };
	void *ctx;

	(void)state;
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), 0);
	g.config = &cfg;
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), 0);
	assert_string_equal(got_text(&g),
	                    "1 customers/1 ids=4:1001 cats= a=[A-1],[yes],[1001] t=0\n"
	                    "2 customers/2 ids=4:1002 cats= a=[A-2],[],[1002] t=0\n"
	                    "3 customers/3 ids= cats= a=[A-3],NULL,NULL t=0\n"
	                    "4 customers/4 ids=4:1004 cats= a=[A-4],NULL,[1004] t=0\n");
	dsmap_plugin_entry()->close(ctx);
	got_free(&g);

	/* an attribute column the table lacks fails open, naming it */
	sources[0].attribute_field_count = 1;
	sources[0].attribute_fields = missing;
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_msg(&h, "no column 'status'");
}

static void test_plugin_sqlite__without_rowid_needs_key(void **state)
{
	struct fixture *fx = *state;
	dsmap_plugin_option opts[] = { { "path", fx->db } };
	dsmap_plugin_option key[] = { { "key", "tag" } };
	dsmap_plugin_option code[] = { { "key", "code" } };
	dsmap_plugin_source sources[2];
	dsmap_plugin_config cfg;
	struct th_host h;
	struct got g = { 0 };
	void *ctx;

	sources[0] = events_source();
	sources[0].name = "tags";
	sources[0].timestamp_field = NULL;
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_msg(&h, "system crm: source tags: cannot read the table: ");
	assert_msg(&h, "(a view or a table WITHOUT ROWID needs option key)");
	sources[0].options = key;
	sources[0].option_count = 1;
	sources[1] = events_source();
	sources[1].name = "customer_view";
	sources[1].timestamp_field = NULL;
	sources[1].options = code;
	sources[1].option_count = 1;
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 2), 0);
	g.config = &cfg;
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), 0);
	assert_string_equal(got_text(&g), "1 tags/t-1 ids=1:alice@example.org cats= t=0\n"
	                                  "1 customer_view/A-1 ids=1:alice@example.org cats= t=0\n"
	                                  "2 customer_view/A-2 ids= cats= t=0\n"
	                                  "3 customer_view/A-3 ids= cats= t=0\n"
	                                  "4 customer_view/A-4 ids=1:dave@example.org cats= t=0\n");
	dsmap_plugin_entry()->close(ctx);
	got_free(&g);
}

static void test_plugin_sqlite__callback_stops(void **state)
{
	struct fixture *fx = *state;
	dsmap_plugin_option opts[] = { { "path", fx->db } };
	dsmap_plugin_source sources[2];
	dsmap_plugin_config cfg;
	struct th_host h;
	struct got g = { 0 };
	void *ctx;

	sources[0] = customers_source(NULL, 0);
	sources[1] = orders_source();
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 2), 0);
	g.config = &cfg;
	g.stop_after = 2;
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), DSMAP_PLUGIN_ESTOP);
	assert_int_equal(g.count, 2);
	/* The statement was reset: the next scan starts over. */
	got_free(&g);
	g.config = &cfg;
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), 0);
	assert_int_equal(g.count, 6);
	assert_int_equal(strncmp(got_text(&g), "1 customers/1 ", 14), 0);
	dsmap_plugin_entry()->close(ctx);
	got_free(&g);
}

static void test_plugin_sqlite__lookup(void **state)
{
	struct fixture *fx = *state;
	dsmap_plugin_option opts[] = { { "path", fx->db } };
	dsmap_plugin_source sources[3];
	const dsmap_plugin_identifier who[] = {
		{ DSMAP_ID_EMAIL, "alice@example.orgXXX", 17 },   /* not NUL-terminated */
		{ DSMAP_ID_CUSTOMER_NUMBER, "1004", 4 },           /* text against INTEGER */
		{ DSMAP_ID_PHONE, "e3@example.org", 14 },          /* another kind: no match */
		{ DSMAP_ID_EMAIL, "e1@example.org", 14 },
		{ DSMAP_ID_EMAIL, "", 0 },                         /* '' is no identifier */
	};
	const dsmap_plugin_identifier bad[] = { { DSMAP_ID_EMAIL, "e2@example.org", 14 } };
	dsmap_plugin_config cfg;
	struct th_host h;
	struct got g = { 0 };
	void *ctx;

	sources[0] = customers_source(NULL, 0);
	sources[1] = orders_source();
	sources[2] = events_source();
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 3), 0);
	g.config = &cfg;
	assert_int_equal(dsmap_plugin_entry()->lookup(ctx, 5, who, on_record, &g), 0);
	assert_string_equal(got_text(&g),
		"1 customers/1 ids=1:alice@example.org,2:+32470000001,4:1001"
		" cats=collected/contact-details,collected/birth-date,collected/identity,"
		"collected/contact-preferences,collected/address t=1700000000\n"
		"2 customers/4 ids=1:dave@example.org,4:1004"
		" cats=collected/contact-details,collected/birth-date,collected/identity t=0\n"
		"1 orders/10 ids=1:alice@example.org cats=financial/purchases t=0\n"
		"1 events/1 ids=1:e1@example.org cats= t=1704067200\n");

	/* Nothing asked, nothing found. */
	got_free(&g);
	g.config = &cfg;
	assert_int_equal(dsmap_plugin_entry()->lookup(ctx, 0, NULL, on_record, &g), 0);
	assert_int_equal(g.count, 0);

	/* A record that cannot be read fails the lookup. */
	assert_int_equal(dsmap_plugin_entry()->lookup(ctx, 1, bad, on_record, &g),
	                 DSMAP_PLUGIN_EDATA);
	assert_msg(&h, "source events: row 1: timestamp column 'at' is not a date");
	assert_no_value(h.msg);

	/* The callback stops a lookup too. */
	g.stop_after = 1;
	assert_int_equal(dsmap_plugin_entry()->lookup(ctx, 5, who, on_record, &g),
	                 DSMAP_PLUGIN_ESTOP);
	assert_int_equal(g.count, 1);
	dsmap_plugin_entry()->close(ctx);
	got_free(&g);
}

/* Every timestamp reads as SQLite's unixepoch() reads it (the plugin reads
 * common forms itself, and asks SQLite for the rest). */
struct stamps {
	size_t n;
	int64_t *got;
	char *state;               /* 'r' record, 'x' rejected */
};

static int stamp_record(const dsmap_plugin_record *r, void *payload)
{
	struct stamps *s = payload;

	assert_true(r->number >= 1 && r->number <= s->n);
	s->got[r->number - 1] = r->updated;
	s->state[r->number - 1] = 'r';
	return 0;
}

static int stamp_reject(const dsmap_plugin_source *src, uint64_t number, const char *reason,
                        void *payload)
{
	struct stamps *s = payload;

	(void)src;
	assert_non_null(strstr(reason, "timestamp column 'v' is not a date"));
	assert_true(number >= 1 && number <= s->n);
	s->state[number - 1] = 'x';
	return 0;
}

static void test_plugin_sqlite__timestamps_as_sqlite_reads_them(void **state)
{
	static const char *const fixed[] = {
		"2024-01-01", "2024-01-01T00:00:00Z", "2024-01-01 10:00", "2024-01-01 10:00:00.999",
		"2024-01-01T10:00+01:00", "2024-01-01 10:00:00 +01:00", "2024-01-01 10:00:00-00:30",
		"1969-12-31 23:59:59.5", "0000-01-01", "9999-12-31 23:59:59", "2024-02-29",
		"2023-02-29", "2024-02-30", "2024-04-31", "2024-01-01 24:00:00", "2024-01-01 23:59:60",
		"2024-01-01 10:00:00+01", "2024-01-01 10:00:00+0100", "2024-01-01z", "2024-01-01t10:00",
		"2024-01-01T10:00z", "2460000.5", "12:30", " 2024-01-01", "2024-01-01 ",
		"2024-1-1", "2024-01-01T", "2024-01-01T10", "2024-01-01T10:00:00.", "x", "\xc3\xa9",
		"2024-01-01 10:00:00+14:00", "2024-01-01 10:00:00+15:00", "2024-01-01 10:00:00-23:59",
		"2024-01-01 10:00:00+01:60", "2024-00-10", "2024-13-10", "2024-01-00", "2024-01-32",
	};
	static const char *const seps[] = { "", "T", " ", "t", "x" };
	static const char *const zones[] = { "", "Z", "z", "+01:00", "-14:00", "+15:00", "+01",
	                                     "+0100", " +02:30", " Z", "-00:00", "+24:00", "junk" };
	struct fixture *fx = *state;
	char path[512], v[128];
	dsmap_plugin_option opts[] = { { "path", path } };
	/* An identifier column of its own: the row id, `id`, is the locator,
	 * and a locator is never an identifier. */
	static const dsmap_plugin_id_field ids[] = { { "acct", DSMAP_ID_ACCOUNT_ID } };
	dsmap_plugin_source sources[1] = { { "stamps", 1, ids, 0, NULL, "v", 0, NULL, 0, NULL } };
	dsmap_plugin_config cfg;
	struct th_host h;
	struct stamps s;
	sqlite3 *db;
	sqlite3_stmt *ins, *want;
	uint32_t seed = 12345;
	size_t i, n = sizeof(fixed) / sizeof(fixed[0]) + 5000 + 4;
	void *ctx;

	snprintf(path, sizeof(path), "%s/stamps.db", fx->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE stamps (id INTEGER PRIMARY KEY, acct, v);"
	                              "BEGIN; INSERT INTO stamps (v) VALUES (NULL), (''),"
	                              " (1700000000), (-12.7);", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO stamps (v) VALUES (?1)", -1, &ins, NULL),
	                 SQLITE_OK);
	for (i = 4; i < n; i++) {
		if (i - 4 < sizeof(fixed) / sizeof(fixed[0])) {
			snprintf(v, sizeof(v), "%s", fixed[i - 4]);
		} else {
			uint32_t r[8];
			size_t k;

			for (k = 0; k < 8; k++) {
				seed = seed * 1103515245u + 12345u;
				r[k] = seed >> 8;
			}
			snprintf(v, sizeof(v), "%04u-%02u-%02u%s%02u:%02u:%02u%s%s",
			         r[0] % 3 ? 1900 + r[0] % 200 : r[0] % 10000, r[1] % 14, r[2] % 33,
			         seps[r[3] % 5], r[4] % 26, r[5] % 61, r[6] % 62,
			         r[7] % 4 == 0 ? ".25" : "", zones[(r[7] >> 4) % 13]);
			if (r[3] % 7 == 0)          /* date only */
				v[10] = '\0';
			else if (r[3] % 7 == 1)     /* no seconds */
				memmove(v + 16, v + 19, strlen(v + 19) + 1);
		}
		assert_int_equal(sqlite3_bind_text(ins, 1, v, -1, SQLITE_TRANSIENT), SQLITE_OK);
		assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
		assert_int_equal(sqlite3_reset(ins), SQLITE_OK);
	}
	assert_int_equal(sqlite3_finalize(ins), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);

	s.n = n;
	s.got = calloc(n, sizeof(*s.got));
	s.state = calloc(n, 1);
	assert_true(s.got != NULL && s.state != NULL);
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), 0);
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, stamp_record, stamp_reject, &s), 0);
	dsmap_plugin_entry()->close(ctx);

	assert_int_equal(sqlite3_prepare_v2(db,
		"SELECT id, v, CASE WHEN v IS NULL OR v = '' THEN 0"
		" WHEN typeof(v) IN ('integer', 'real') THEN CAST(v AS INTEGER)"
		" ELSE unixepoch(v) END FROM stamps ORDER BY id", -1, &want, NULL), SQLITE_OK);
	for (i = 0; sqlite3_step(want) == SQLITE_ROW; i++) {
		const char *text = (const char *)sqlite3_column_text(want, 1);

		assert_int_equal(sqlite3_column_int64(want, 0), (int64_t)i + 1);
		if (sqlite3_column_type(want, 2) == SQLITE_NULL) {
			if (s.state[i] != 'x')
				fail_msg("'%s': read as %" PRId64 ", SQLite reads no date", text, s.got[i]);
		} else if (s.state[i] != 'r' || s.got[i] != sqlite3_column_int64(want, 2)) {
			fail_msg("'%s': read as %c %" PRId64 ", SQLite reads %" PRId64, text ? text : "NULL",
			         s.state[i] ? s.state[i] : '-', s.got[i], sqlite3_column_int64(want, 2));
		}
	}
	assert_int_equal(i, n);
	assert_int_equal(sqlite3_finalize(want), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	free(s.got);
	free(s.state);
}

static int count_record(const dsmap_plugin_record *r, void *payload)
{
	uint64_t *n = payload;

	*n += r->identifier_count + r->category_count;
	return 0;
}

static void test_plugin_sqlite__large_table(void **state)
{
	struct fixture *fx = *state;
	char path[512];
	dsmap_plugin_option opts[] = { { "path", path } };
	static const dsmap_plugin_id_field ids[] = {
		{ "email", DSMAP_ID_EMAIL }, { "phone", DSMAP_ID_PHONE },
		{ "custno", DSMAP_ID_CUSTOMER_NUMBER },
	};
	static const char *const cats[] = { "collected/birth-date" };
	static const dsmap_plugin_category_field catf[] = { { "birth", 1, cats } };
	dsmap_plugin_source sources[1] = { { "big", 3, ids, 1, catf, "updated_at", 0, NULL, 0, NULL } };
	dsmap_plugin_config cfg;
	struct th_host h;
	struct timespec t0, t1;
	struct rusage ru;
	uint64_t n = 0;
	double secs;
	void *ctx;

	snprintf(path, sizeof(path), "%s/big.db", fx->dir);
	exec_sql(path,
	         "CREATE TABLE big (email TEXT, phone TEXT, custno INTEGER, birth TEXT, updated_at TEXT);"
	         "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)"
	         " INSERT INTO big SELECT 'subject' || i || '@example.org', '+3247' || i, i,"
	         " '1980-01-01', '2024-01-01T00:00:00Z' FROM n;");
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, count_record, NULL, &n), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(n, 200000 * 4);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "sqlite: 200000 records in %.3f s: %.0f records/s; peak RSS %ld KiB\n",
	        secs, 200000 / (secs > 0 ? secs : 1e-9), ru.ru_maxrss);
	dsmap_plugin_entry()->close(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plugin_sqlite__descriptor),
		cmocka_unit_test(test_plugin_sqlite__module_exports_entry),
		cmocka_unit_test(test_plugin_sqlite__scan),
		cmocka_unit_test(test_plugin_sqlite__key_option),
		cmocka_unit_test(test_plugin_sqlite__key_identifier_refused),
		cmocka_unit_test(test_plugin_sqlite__key_personal_refused),
		cmocka_unit_test(test_plugin_sqlite__rowid_alias_personal_refused),
		cmocka_unit_test(test_plugin_sqlite__key_missing_column),
		cmocka_unit_test(test_plugin_sqlite__bad_timestamp_fails),
		cmocka_unit_test(test_plugin_sqlite__bad_timestamp_skipped),
		cmocka_unit_test(test_plugin_sqlite__missing_file_not_created),
		cmocka_unit_test(test_plugin_sqlite__not_a_database),
		cmocka_unit_test(test_plugin_sqlite__missing_table),
		cmocka_unit_test(test_plugin_sqlite__missing_column),
		cmocka_unit_test(test_plugin_sqlite__options),
		cmocka_unit_test(test_plugin_sqlite__quoted_names),
		cmocka_unit_test(test_plugin_sqlite__attributes),
		cmocka_unit_test(test_plugin_sqlite__without_rowid_needs_key),
		cmocka_unit_test(test_plugin_sqlite__callback_stops),
		cmocka_unit_test(test_plugin_sqlite__lookup),
		cmocka_unit_test(test_plugin_sqlite__timestamps_as_sqlite_reads_them),
		cmocka_unit_test(test_plugin_sqlite__large_table),
	};

	return cmocka_run_group_tests_name("plugin_sqlite", tests, setup, teardown);
}
