/*
 * Unit tests: the postgres plugin, driven through its descriptor against a
 * real server.  Run by tests/integration/postgres-plugin.sh, which starts a
 * throw-away server and exports PGHOST, PGPORT, PGUSER, PGPASSWORD and
 * PGDATABASE; the tests make their tables with libpq.
 */
#include "config.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <libpq-fe.h>

#include <dsmap/plugin.h>

const dsmap_plugin_descriptor *dsmap_plugin_entry(void);

#define BIG_ROWS 200000

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
 * "<number> <locator> ids=<kind>:<value>,... cats=<cat>,... t=<updated>" */
struct got {
	const dsmap_plugin_config *config;
	char *text;
	size_t len, size;
	size_t count;
	size_t stop_after;         /* stop at this record (0: never) */
	PGconn *killer;            /* at stop_after, terminate the plugin's backend instead */
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

static void got_reset(struct got *g, const dsmap_plugin_config *cfg)
{
	free(g->text);
	memset(g, 0, sizeof(*g));
	g->config = cfg;
}

static void terminate_plugin_backend(PGconn *admin)
{
	PGresult *res = PQexec(admin,
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
		" WHERE application_name = 'dsmap-kill-me'");

	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	assert_int_equal(PQntuples(res), 1);
	PQclear(res);
}

static int on_record(const dsmap_plugin_record *r, void *payload)
{
	struct got *g = payload;
	const dsmap_plugin_source *src = r->source;
	size_t i, f, k;

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
	/* attributes (ABI 1.1), when the source has some: " a=[v],NULL,..." */
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
	if (g->killer != NULL) {
		if (g->count == g->stop_after)
			terminate_plugin_backend(g->killer);
		return 0;
	}
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

/* ---- the server and its tables ------------------------------------------- */

static const char fixture_sql[] =
	"SET client_min_messages = warning;"
	"DROP SCHEMA IF EXISTS crm CASCADE;"
	"DROP TABLE IF EXISTS customers, orders, events, stamps, ticks, devices, big, accounts CASCADE;"
	"CREATE TABLE customers (id serial PRIMARY KEY, email text, phone varchar(32),"
	"  custno integer, birth date, newsletter boolean, address text, code text,"
	"  updated_at timestamptz);"
	"INSERT INTO customers (email, phone, custno, birth, newsletter, address, code, updated_at)"
	" VALUES ('alice@example.org', '+32470000001', 1001, '1980-01-02', true, 'Main St 1', 'A-1',"
	"         '2023-11-14 23:13:20+01'),"
	"  ('', NULL, 1002, NULL, NULL, 'Elm St 2', 'A-2', to_timestamp(1700000100)),"
	"  (NULL, '+32470000003', NULL, NULL, NULL, '', 'A-3', NULL),"
	"  ('dave@example.org', NULL, 1004, '1990-05-06', false, NULL, 'A-4', NULL);"
	"CREATE VIEW customer_view AS SELECT id, email FROM customers;"
	"CREATE TABLE orders (email text, total numeric);"
	"INSERT INTO orders VALUES ('alice@example.org', 5), (NULL, 7);"
	"CREATE TABLE events (id integer PRIMARY KEY, email text, at text);"
	"INSERT INTO events VALUES (1, 'e1@example.org', '2024-01-01 00:00:00'),"
	"  (2, 'e2@example.org', 'not-a-date'), (3, 'e3@example.org', '2024-01-02'),"
	"  (4, 'e4@example.org', ''), (5, 'e5@example.org', '2024-01-01T10:00:00.5+01'),"
	"  (6, 'e6@example.org', '2024-01-01 10:00:00-0230');"
	"CREATE TABLE stamps (id integer PRIMARY KEY, email text, at timestamp);"
	"INSERT INTO stamps VALUES (1, 's1@example.org', '2024-01-01 00:00:00.9'),"
	"  (2, 's2@example.org', 'infinity'), (3, 's3@example.org', NULL),"
	"  (4, 's4@example.org', '1969-12-31 23:59:59.5');"
	"CREATE TABLE ticks (id integer PRIMARY KEY, email text, at bigint, day date);"
	"INSERT INTO ticks VALUES (1, 't1@example.org', 1700000000, '2024-01-02'),"
	"  (2, 't2@example.org', NULL, '-infinity');"
	"CREATE TABLE devices (id uuid PRIMARY KEY, ip inet, owner_no bigint, imei varchar(20),"
	"  tags jsonb, seen date);"
	"INSERT INTO devices VALUES"
	"  ('00000000-0000-0000-0000-000000000001', '10.0.0.1', -42, '356938035643809', '{}',"
	"   '2024-01-02'),"
	"  ('00000000-0000-0000-0000-000000000002', '2001:db8::1/64', 9223372036854775807, '',"
	"   NULL, NULL);"
	"CREATE TABLE accounts (iban text PRIMARY KEY, email text, ref text);"
	"INSERT INTO accounts VALUES ('BE68539007547034', 'alice@example.org', 'R-1');"
	"CREATE SCHEMA crm;"
	"CREATE TABLE crm.contacts (email text PRIMARY KEY, \"Nick \"\"Name\"\"\" text);"
	"INSERT INTO crm.contacts VALUES ('carol@example.org', 'Caz');"
	"CREATE TABLE big (id bigint PRIMARY KEY, email text, phone text, custno integer,"
	"  birth date, updated_at timestamptz);"
	"INSERT INTO big SELECT i, 'subject' || i || '@example.org', '+3247' || i, i,"
	"  '1980-01-01', '2024-01-01 00:00:00+00' FROM generate_series(1, 200000) i;"
	"ANALYZE;";

struct fixture {
	PGconn *admin;
};

static int setup(void **state)
{
	struct fixture *fx;
	PGresult *res;

	if (getenv("PGPORT") == NULL) {
		fprintf(stderr, "PGPORT is not set: run through tests/integration/postgres-plugin.sh\n");
		return -1;
	}
	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	fx->admin = PQconnectdb("");
	if (PQstatus(fx->admin) != CONNECTION_OK) {
		fprintf(stderr, "cannot connect: %s", PQerrorMessage(fx->admin));
		PQfinish(fx->admin);
		free(fx);
		return -1;
	}
	res = PQexec(fx->admin, fixture_sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "cannot make the tables: %s", PQerrorMessage(fx->admin));
		PQclear(res);
		PQfinish(fx->admin);
		free(fx);
		return -1;
	}
	PQclear(res);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	PQfinish(fx->admin);
	free(fx);
	return 0;
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
static const dsmap_plugin_id_field email_id[] = { { "email", DSMAP_ID_EMAIL } };
static const char *const cats_total[] = { "financial/purchases" };
static const dsmap_plugin_category_field order_cats[] = { { "total", 1, cats_total } };

static dsmap_plugin_source customers_source(const dsmap_plugin_option *opts, size_t nopts)
{
	dsmap_plugin_source s = { "customers", 3, customer_ids, 4, customer_cats, "updated_at",
	                          nopts, opts, 0, NULL };
	return s;
}

static dsmap_plugin_source orders_source(void)
{
	dsmap_plugin_source s = { "orders", 1, email_id, 1, order_cats, NULL, 0, NULL, 0, NULL };
	return s;
}

static dsmap_plugin_source email_source(const char *table, const char *ts)
{
	dsmap_plugin_source s = { table, 1, email_id, 0, NULL, ts, 0, NULL, 0, NULL };
	return s;
}

/* Open the plugin with `opts` (the connection comes from PG* variables)
 * and `sources`; the result of open(). */
static int open_with(void **ctx, struct th_host *h, dsmap_plugin_config *cfg,
                     dsmap_plugin_option *opts, size_t nopts, const dsmap_plugin_source *sources,
                     size_t nsources)
{
	th_host_init(h);
	memset(cfg, 0, sizeof(*cfg));
	cfg->system_id = "pg";
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
	static const char *const values[] = { "alice", "dave", "carol", "@example.org", "+3247",
	                                      "1001", "not-a-date", "infinity", "Main St", NULL };
	size_t i;

	for (i = 0; values[i] != NULL; i++)
		if (strstr(msg, values[i]) != NULL)
			fail_msg("a value ('%s') in the message '%s'", values[i], msg);
}

/* A port on 127.0.0.1 with nothing listening. */
static int dead_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_plugin_postgres__descriptor(void **state)
{
	const dsmap_plugin_descriptor *d = dsmap_plugin_entry();
	static const char *const options[] = { "host", "port", "dbname", "user", "password",
	                                       "sslmode", "connect_timeout", "conninfo", "key",
	                                       NULL };
	size_t i;

	(void)state;
	assert_int_equal(d->abi_major, DSMAP_PLUGIN_ABI_MAJOR);
	assert_int_equal(d->abi_minor, DSMAP_PLUGIN_ABI_MINOR);
	assert_int_equal(d->struct_size, sizeof(dsmap_plugin_descriptor));
	assert_string_equal(d->name, "postgres");
	assert_string_equal(d->version, "1.0");
	assert_null(strchr(d->description, '\n'));
	for (i = 0; options[i] != NULL; i++) {
		char line[64];

		snprintf(line, sizeof(line), "%s%s ", i ? "\n" : "", options[i]);
		if (strstr(d->config_help, line) == NULL)
			fail_msg("option %s is not in the help", options[i]);
	}
	assert_int_equal(d->config_help[strlen(d->config_help) - 1], '\n');
	assert_non_null(d->lookup);
	d->close(NULL);
}

/* ABI 1.1: the values of the attribute fields, present, empty and NULL;
 * text as it is, anything else as the server prints it. */
static void test_plugin_postgres__attributes(void **state)
{
	dsmap_plugin_id_field ids[] = { { "custno", DSMAP_ID_CUSTOMER_NUMBER } };
	const char *const attrs[] = { "address", "newsletter", "custno", "birth" };
	const char *const missing[] = { "status" };
	dsmap_plugin_source sources[1] = { { "customers", 1, ids, 0, NULL, NULL, 0, NULL,
	                                     4, attrs } };
	dsmap_plugin_config cfg;
	struct th_host h;
	struct got g = { 0 };
	void *ctx;

	(void)state;
	if (open_with(&ctx, &h, &cfg, NULL, 0, sources, 1) != 0)
		fail_msg("%s", h.msg);
	got_reset(&g, &cfg);
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), 0);
	assert_string_equal(got_text(&g),
		"1 customers/1 ids=4:1001 cats= a=[Main St 1],[t],[1001],[1980-01-02] t=0\n"
		"2 customers/2 ids=4:1002 cats= a=[Elm St 2],NULL,[1002],NULL t=0\n"
		"3 customers/3 ids= cats= a=[],NULL,NULL,NULL t=0\n"
		"4 customers/4 ids=4:1004 cats= a=NULL,[f],[1004],[1990-05-06] t=0\n");
	dsmap_plugin_entry()->close(ctx);
	got_reset(&g, NULL);

	/* an attribute column the table lacks fails open, naming it */
	sources[0].attribute_field_count = 1;
	sources[0].attribute_fields = missing;
	assert_int_equal(open_with(&ctx, &h, &cfg, NULL, 0, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_msg(&h, "no column 'status'");
}

static void test_plugin_postgres__scan(void **state)
{
	dsmap_plugin_source sources[2];
	dsmap_plugin_config cfg;
	struct th_host h;
	struct got g = { 0 };
	void *ctx;

	(void)state;
	sources[0] = customers_source(NULL, 0);
	sources[1] = orders_source();
	if (open_with(&ctx, &h, &cfg, NULL, 0, sources, 2) != 0)
		fail_msg("%s", h.msg);
	got_reset(&g, &cfg);
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, on_reject, &g), 0);
	/* Locators: the primary key, else ctid. */
	assert_string_equal(got_text(&g),
		"1 customers/1 ids=1:alice@example.org,2:+32470000001,4:1001"
		" cats=collected/contact-details,collected/birth-date,collected/identity,"
		"collected/contact-preferences,collected/address t=1700000000\n"
		"2 customers/2 ids=4:1002 cats=collected/address,collected/identity t=1700000100\n"
		"3 customers/3 ids=2:+32470000003 cats= t=0\n"
		"4 customers/4 ids=1:dave@example.org,4:1004"
		" cats=collected/contact-details,collected/birth-date,collected/identity,"
		"collected/contact-preferences t=0\n"
		"1 orders/(0,1) ids=1:alice@example.org cats=financial/purchases t=0\n"
		"2 orders/(0,2) ids= cats=financial/purchases t=0\n");
	assert_string_equal(g.rejects, "");
	/* Again, on the same connection. */
	got_reset(&g, &cfg);
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), 0);
	assert_int_equal(g.count, 6);
	dsmap_plugin_entry()->close(ctx);
	got_reset(&g, NULL);
}

static void test_plugin_postgres__schema_and_quoting(void **state)
{
	static const char *const cats[] = { "collected/nickname" };
	static const dsmap_plugin_category_field catf[] = { { "Nick \"Name\"", 1, cats } };
	dsmap_plugin_source sources[1] = { { "crm.contacts", 1, email_id, 1, catf, NULL, 0, NULL,
	                                     0, NULL } };
	dsmap_plugin_config cfg;
	struct th_host h;
	struct got g = { 0 };
	void *ctx;

	(void)state;
	if (open_with(&ctx, &h, &cfg, NULL, 0, sources, 1) != 0)
		fail_msg("%s", h.msg);
	got_reset(&g, &cfg);
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), 0);
	/* The primary key is the identifier: the locator is the ctid. */
	assert_string_equal(got_text(&g),
	                    "1 crm.contacts/(0,1) ids=1:carol@example.org cats=collected/nickname t=0\n");
	dsmap_plugin_entry()->close(ctx);

	/* Not in the search path without its schema; names are case-sensitive. */
	sources[0].name = "contacts";
	assert_int_equal(open_with(&ctx, &h, &cfg, NULL, 0, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(h.msg, "system pg: source contacts: no table 'contacts'");
	sources[0].name = "nosuch.contacts";
	assert_int_equal(open_with(&ctx, &h, &cfg, NULL, 0, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(h.msg, "system pg: source nosuch.contacts: no table 'nosuch.contacts'");
	sources[0].name = "crm.Contacts";
	assert_int_equal(open_with(&ctx, &h, &cfg, NULL, 0, sources, 1), DSMAP_PLUGIN_ECONFIG);
	got_reset(&g, NULL);
}

static void test_plugin_postgres__key_option(void **state)
{
	dsmap_plugin_option code[] = { { "key", "code" } };
	dsmap_plugin_option ctid[] = { { "key", "ctid" } };
	dsmap_plugin_option id[] = { { "key", "id" } };
	dsmap_plugin_source sources[3];
	dsmap_plugin_config cfg;
	struct th_host h;
	struct got g = { 0 };
	void *ctx;

	(void)state;
	sources[0] = customers_source(code, 1);
	sources[1] = customers_source(ctid, 1);
	sources[2] = email_source("customer_view", NULL);
	sources[2].options = id;
	sources[2].option_count = 1;
	if (open_with(&ctx, &h, &cfg, NULL, 0, sources, 3) != 0)
		fail_msg("%s", h.msg);
	got_reset(&g, &cfg);
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), 0);
	assert_int_equal(g.count, 12);
	assert_int_equal(strncmp(got_text(&g), "1 customers/A-1 ids=", 20), 0);
	assert_non_null(strstr(got_text(&g), "\n4 customers/A-4 ids="));
	assert_non_null(strstr(got_text(&g), "\n1 customers/(0,1) ids="));
	assert_non_null(strstr(got_text(&g), "\n4 customer_view/4 ids=1:dave@example.org "));
	dsmap_plugin_entry()->close(ctx);
	got_reset(&g, NULL);

	/* A view has no ctid: it needs a key. */
	sources[2].option_count = 0;
	assert_int_equal(open_with(&ctx, &h, &cfg, NULL, 0, sources + 2, 1), DSMAP_PLUGIN_ECONFIG);
	assert_msg(&h, "system pg: source customer_view: a view or foreign table has no row address");
}

static void test_plugin_postgres__key_identifier_refused(void **state)
{
	dsmap_plugin_option key[] = { { "key", "phone" } };
	dsmap_plugin_option missing[] = { { "key", "nosuch" } };
	dsmap_plugin_source sources[1];
	dsmap_plugin_config cfg;
	struct th_host h;
	void *ctx;

	(void)state;
	sources[0] = customers_source(key, 1);
	assert_int_equal(open_with(&ctx, &h, &cfg, NULL, 0, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_null(ctx);
	assert_msg(&h, "system pg: source customers: option key: column 'phone' is an identifier");
	sources[0] = customers_source(missing, 1);
	assert_int_equal(open_with(&ctx, &h, &cfg, NULL, 0, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(h.msg, "system pg: source customers: no column 'nosuch'");
}

/* A key the source maps as a category is refused too.  Names are quoted,
 * so a key in another case is another column: here none, and refused. */
static void test_plugin_postgres__key_personal_refused(void **state)
{
	static const char *const keys[] = { "birth", "address", "newsletter", "custno", "email" };
	static const char *const what[] = { "a category field", "a category field",
	                                    "a category field", "an identifier field",
	                                    "an identifier field" };
	dsmap_plugin_option key[1];
	dsmap_plugin_source sources[1];
	dsmap_plugin_config cfg;
	struct th_host h;
	char want[256];
	size_t i;
	void *ctx;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		key[0].key = DSMAP_PLUGIN_KEY_OPTION;
		key[0].value = keys[i];
		sources[0] = customers_source(key, 1);
		assert_int_equal(open_with(&ctx, &h, &cfg, NULL, 0, sources, 1), DSMAP_PLUGIN_ECONFIG);
		assert_null(ctx);
		snprintf(want, sizeof(want), "system pg: source customers: option key: column '%s' is "
		         "%s, and a locator must hold no personal data", keys[i], what[i]);
		assert_msg(&h, want);
		assert_no_value(h.msg);
	}
	key[0].value = "BIRTH";
	sources[0] = customers_source(key, 1);
	assert_int_equal(open_with(&ctx, &h, &cfg, NULL, 0, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(h.msg, "system pg: source customers: no column 'BIRTH'");
}

/* A primary key the source maps as a category is no default locator: the
 * row's address is; a column that is not personal is a key. */
static void test_plugin_postgres__personal_primary_key_not_default(void **state)
{
	static const char *const cats_iban[] = { "collected/financial-data" };
	static const dsmap_plugin_category_field iban[] = { { "iban", 1, cats_iban } };
	dsmap_plugin_option ref[] = { { "key", "ref" } };
	dsmap_plugin_source sources[2] = {
		{ "accounts", 1, email_id, 1, iban, NULL, 0, NULL, 0, NULL },
		{ "accounts", 1, email_id, 1, iban, NULL, 1, ref, 0, NULL },
	};
	dsmap_plugin_config cfg;
	struct th_host h;
	struct got g = { 0 };
	void *ctx;

	(void)state;
	if (open_with(&ctx, &h, &cfg, NULL, 0, sources, 2) != 0)
		fail_msg("%s", h.msg);
	got_reset(&g, &cfg);
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), 0);
	assert_string_equal(got_text(&g),
	                    "1 accounts/(0,1) ids=1:alice@example.org cats=collected/financial-data t=0\n"
	                    "1 accounts/R-1 ids=1:alice@example.org cats=collected/financial-data t=0\n");
	assert_null(strstr(got_text(&g), "BE68"));
	dsmap_plugin_entry()->close(ctx);
	got_reset(&g, NULL);
}

static void test_plugin_postgres__timestamps(void **state)
{
	dsmap_plugin_source sources[3];
	dsmap_plugin_config cfg;
	struct th_host h;
	struct got g = { 0 };
	void *ctx;

	(void)state;
	/* Text, timestamp (without time zone: UTC), bigint and date. */
	sources[0] = email_source("events", "at");
	sources[1] = email_source("stamps", "at");
	sources[2] = email_source("ticks", "at");
	if (open_with(&ctx, &h, &cfg, NULL, 0, sources, 3) != 0)
		fail_msg("%s", h.msg);
	got_reset(&g, &cfg);
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, on_reject, &g), 0);
	assert_string_equal(got_text(&g),
		"1 events/1 ids=1:e1@example.org cats= t=1704067200\n"
		"3 events/3 ids=1:e3@example.org cats= t=1704153600\n"
		"4 events/4 ids=1:e4@example.org cats= t=0\n"
		"5 events/5 ids=1:e5@example.org cats= t=1704099600\n"
		"6 events/6 ids=1:e6@example.org cats= t=1704112200\n"
		"1 stamps/1 ids=1:s1@example.org cats= t=1704067200\n"
		"3 stamps/3 ids=1:s3@example.org cats= t=0\n"
		"4 stamps/4 ids=1:s4@example.org cats= t=-1\n"
		"1 ticks/1 ids=1:t1@example.org cats= t=1700000000\n"
		"2 ticks/2 ids=1:t2@example.org cats= t=0\n");
	assert_string_equal(g.rejects,
	                    "events #2: row 2: timestamp column 'at' is not a date\n"
	                    "stamps #2: row 2: timestamp column 'at' is not a date\n");
	assert_no_value(g.rejects);
	dsmap_plugin_entry()->close(ctx);

	sources[0] = email_source("ticks", "day");
	if (open_with(&ctx, &h, &cfg, NULL, 0, sources, 1) != 0)
		fail_msg("%s", h.msg);
	got_reset(&g, &cfg);
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, on_reject, &g), 0);
	assert_string_equal(got_text(&g), "1 ticks/1 ids=1:t1@example.org cats= t=1704153600\n");
	assert_string_equal(g.rejects, "ticks #2: row 2: timestamp column 'day' is not a date\n");
	dsmap_plugin_entry()->close(ctx);

	/* A column of another type is refused up front. */
	sources[0] = customers_source(NULL, 0);
	sources[0].timestamp_field = "newsletter";
	assert_int_equal(open_with(&ctx, &h, &cfg, NULL, 0, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_msg(&h, "system pg: source customers: timestamp column 'newsletter' is neither");
	got_reset(&g, NULL);
}

static void test_plugin_postgres__bad_timestamp_fails(void **state)
{
	dsmap_plugin_source sources[1];
	dsmap_plugin_config cfg;
	struct th_host h;
	struct got g = { 0 };
	void *ctx;

	(void)state;
	sources[0] = email_source("events", "at");
	if (open_with(&ctx, &h, &cfg, NULL, 0, sources, 1) != 0)
		fail_msg("%s", h.msg);
	got_reset(&g, &cfg);
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), DSMAP_PLUGIN_EDATA);
	assert_string_equal(h.msg,
	                    "system pg: source events: row 2: timestamp column 'at' is not a date");
	assert_no_value(h.msg);
	assert_string_equal(got_text(&g), "1 events/1 ids=1:e1@example.org cats= t=1704067200\n");
	/* The query was cancelled cleanly: the connection is still good. */
	got_reset(&g, &cfg);
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, on_reject, &g), 0);
	assert_int_equal(g.count, 5);
	dsmap_plugin_entry()->close(ctx);

	/* infinity in a timestamp column */
	sources[0] = email_source("stamps", "at");
	if (open_with(&ctx, &h, &cfg, NULL, 0, sources, 1) != 0)
		fail_msg("%s", h.msg);
	got_reset(&g, &cfg);
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), DSMAP_PLUGIN_EDATA);
	assert_string_equal(h.msg,
	                    "system pg: source stamps: row 2: timestamp column 'at' is not a date");
	dsmap_plugin_entry()->close(ctx);
	got_reset(&g, NULL);
}

static void test_plugin_postgres__wrong_password(void **state)
{
	dsmap_plugin_option opts[] = { { "password", "wrong-secret" } };
	dsmap_plugin_source sources[1];
	dsmap_plugin_config cfg;
	struct th_host h;
	char want[128];
	void *ctx;

	(void)state;
	sources[0] = orders_source();
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 1, sources, 1), DSMAP_PLUGIN_ECONNECT);
	assert_null(ctx);
	snprintf(want, sizeof(want), "system pg: cannot connect to PostgreSQL at 127.0.0.1:%s: ",
	         getenv("PGPORT"));
	assert_msg(&h, want);
	assert_msg(&h, "password authentication failed");
	assert_null(strchr(h.msg, '\n'));
	assert_null(strstr(h.msg, "wrong-secret"));
}

static void test_plugin_postgres__server_down(void **state)
{
	char port[16], want[128];
	dsmap_plugin_option opts[] = { { "host", "127.0.0.1" }, { "port", port },
	                               { "connect_timeout", "5" } };
	dsmap_plugin_source sources[1];
	dsmap_plugin_config cfg;
	struct th_host h;
	void *ctx;

	(void)state;
	snprintf(port, sizeof(port), "%d", dead_port());
	sources[0] = orders_source();
	assert_int_equal(open_with(&ctx, &h, &cfg, opts, 3, sources, 1), DSMAP_PLUGIN_ECONNECT);
	assert_null(ctx);
	snprintf(want, sizeof(want), "system pg: cannot connect to PostgreSQL at 127.0.0.1:%s: ", port);
	assert_msg(&h, want);
	assert_msg(&h, "Connection refused");
	assert_null(strchr(h.msg, '\n'));
}

static void test_plugin_postgres__connection_options(void **state)
{
	char conninfo[256];
	dsmap_plugin_option explicit_opts[] = {
		{ "host", getenv("PGHOST") }, { "port", getenv("PGPORT") },
		{ "dbname", getenv("PGDATABASE") }, { "user", getenv("PGUSER") },
		{ "password", getenv("PGPASSWORD") }, { "sslmode", "disable" },
		{ "connect_timeout", "3" },
	};
	/* conninfo names a dead port; the port option overrides it. */
	dsmap_plugin_option info[] = { { "conninfo", conninfo }, { "port", getenv("PGPORT") } };
	dsmap_plugin_option nodb[] = { { "dbname", "nosuchdb" } };
	dsmap_plugin_source sources[1];
	dsmap_plugin_config cfg;
	struct th_host h;
	void *ctx;

	(void)state;
	sources[0] = orders_source();
	if (open_with(&ctx, &h, &cfg, explicit_opts, 7, sources, 1) != 0)
		fail_msg("%s", h.msg);
	dsmap_plugin_entry()->close(ctx);

	snprintf(conninfo, sizeof(conninfo), "postgresql://127.0.0.1:%d/%s?application_name=x",
	         dead_port(), getenv("PGDATABASE"));
	if (open_with(&ctx, &h, &cfg, info, 2, sources, 1) != 0)
		fail_msg("%s", h.msg);
	dsmap_plugin_entry()->close(ctx);
	assert_int_equal(open_with(&ctx, &h, &cfg, info, 1, sources, 1), DSMAP_PLUGIN_ECONNECT);

	assert_int_equal(open_with(&ctx, &h, &cfg, nodb, 1, sources, 1), DSMAP_PLUGIN_ECONNECT);
	assert_msg(&h, "database \"nosuchdb\" does not exist");
}

static void test_plugin_postgres__bad_options(void **state)
{
	dsmap_plugin_option typo[] = { { "hots", "localhost" } };
	dsmap_plugin_option port[] = { { "port", "54x" } };
	dsmap_plugin_option timeout[] = { { "connect_timeout", "-1" } };
	dsmap_plugin_option ssl[] = { { "sslmode", "sometimes" } };
	dsmap_plugin_option info[] = { { "conninfo", "host=x password secret" } };
	dsmap_plugin_option src_typo[] = { { "kye", "code" } };
	dsmap_plugin_source sources[1];
	dsmap_plugin_config cfg;
	struct th_host h;
	void *ctx;

	(void)state;
	sources[0] = orders_source();
	assert_int_equal(open_with(&ctx, &h, &cfg, typo, 1, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(h.msg, "system pg: unknown option 'hots'");
	assert_int_equal(open_with(&ctx, &h, &cfg, port, 1, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(h.msg, "system pg: option 'port' is not a port number");
	assert_int_equal(open_with(&ctx, &h, &cfg, timeout, 1, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_msg(&h, "option 'connect_timeout'");
	assert_int_equal(open_with(&ctx, &h, &cfg, ssl, 1, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_msg(&h, "option 'sslmode': 'sometimes' is not one of");
	assert_int_equal(open_with(&ctx, &h, &cfg, info, 1, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(h.msg, "system pg: option 'conninfo' is not a valid connection string");
	sources[0] = customers_source(src_typo, 1);
	assert_int_equal(open_with(&ctx, &h, &cfg, NULL, 0, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(h.msg, "system pg: source customers: unknown option 'kye'");
}

static void test_plugin_postgres__missing_table_and_columns(void **state)
{
	dsmap_plugin_id_field ids[] = { { "email", DSMAP_ID_EMAIL }, { "emial", DSMAP_ID_EMAIL } };
	static const char *const cats[] = { "collected/x" };
	dsmap_plugin_category_field catf[] = { { "nosuch", 1, cats } };
	dsmap_plugin_source sources[2];
	dsmap_plugin_config cfg;
	struct th_host h;
	void *ctx;

	(void)state;
	sources[0] = orders_source();
	sources[1] = orders_source();
	sources[1].name = "ordres";
	assert_int_equal(open_with(&ctx, &h, &cfg, NULL, 0, sources, 2), DSMAP_PLUGIN_ECONFIG);
	assert_null(ctx);
	assert_string_equal(h.msg, "system pg: source ordres: no table 'ordres'");

	sources[0].id_fields = ids;
	sources[0].id_field_count = 2;
	assert_int_equal(open_with(&ctx, &h, &cfg, NULL, 0, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(h.msg, "system pg: source orders: no column 'emial'");
	sources[0] = orders_source();
	sources[0].category_fields = catf;
	assert_int_equal(open_with(&ctx, &h, &cfg, NULL, 0, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(h.msg, "system pg: source orders: no column 'nosuch'");
	sources[0] = orders_source();
	sources[0].timestamp_field = "created";
	assert_int_equal(open_with(&ctx, &h, &cfg, NULL, 0, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(h.msg, "system pg: source orders: no column 'created'");
	/* Quoted names: case matters. */
	sources[0] = orders_source();
	ids[1].field = "EMAIL";
	sources[0].id_fields = ids;
	sources[0].id_field_count = 2;
	assert_int_equal(open_with(&ctx, &h, &cfg, NULL, 0, sources, 1), DSMAP_PLUGIN_ECONFIG);
	assert_string_equal(h.msg, "system pg: source orders: no column 'EMAIL'");
}

static void test_plugin_postgres__callback_stops(void **state)
{
	dsmap_plugin_source sources[2];
	dsmap_plugin_config cfg;
	struct th_host h;
	struct got g = { 0 };
	void *ctx;

	(void)state;
	sources[0] = email_source("big", "updated_at");
	sources[1] = orders_source();
	if (open_with(&ctx, &h, &cfg, NULL, 0, sources, 2) != 0)
		fail_msg("%s", h.msg);
	got_reset(&g, &cfg);
	g.stop_after = 3;
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), DSMAP_PLUGIN_ESTOP);
	assert_int_equal(g.count, 3);
	/* The query was cancelled and drained: the connection serves the
	 * next scan, from the start. */
	got_reset(&g, &cfg);
	g.stop_after = 5;
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), DSMAP_PLUGIN_ESTOP);
	assert_int_equal(g.count, 5);
	/* (A synchronized scan may start where the last one stopped.) */
	assert_int_equal(strncmp(got_text(&g), "1 big/", 6), 0);
	assert_non_null(strstr(got_text(&g), "\n2 big/"));
	assert_non_null(strstr(got_text(&g), "\n5 big/"));
	dsmap_plugin_entry()->close(ctx);
	got_reset(&g, NULL);
}

static void test_plugin_postgres__connection_lost(void **state)
{
	struct fixture *fx = *state;
	dsmap_plugin_option opts[] = { { "conninfo", "application_name=dsmap-kill-me" } };
	dsmap_plugin_source sources[1];
	dsmap_plugin_config cfg;
	struct th_host h;
	struct got g = { 0 };
	char want[128];
	void *ctx;

	sources[0] = email_source("big", NULL);
	if (open_with(&ctx, &h, &cfg, opts, 1, sources, 1) != 0)
		fail_msg("%s", h.msg);
	got_reset(&g, &cfg);
	g.stop_after = 10;
	g.killer = fx->admin;
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), DSMAP_PLUGIN_ECONNECT);
	assert_true(g.count >= 10 && g.count < BIG_ROWS);
	snprintf(want, sizeof(want), "system pg: source big: lost the connection to PostgreSQL at "
	         "127.0.0.1:%s: ", getenv("PGPORT"));
	assert_msg(&h, want);
	assert_no_value(h.msg);
	/* Still lost: a scan fails at once. */
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), DSMAP_PLUGIN_ECONNECT);
	dsmap_plugin_entry()->close(ctx);
	got_reset(&g, NULL);
}

static void test_plugin_postgres__lookup(void **state)
{
	dsmap_plugin_source sources[3];
	const dsmap_plugin_identifier who[] = {
		{ DSMAP_ID_EMAIL, "alice@example.orgXXX", 17 },   /* not NUL-terminated */
		{ DSMAP_ID_CUSTOMER_NUMBER, "1004", 4 },           /* text against integer */
		{ DSMAP_ID_PHONE, "e3@example.org", 14 },          /* another kind: no match */
		{ DSMAP_ID_EMAIL, "e1@example.org", 14 },
	};
	const dsmap_plugin_identifier bad[] = { { DSMAP_ID_EMAIL, "e2@example.org", 14 } };
	const dsmap_plugin_identifier odd[] = { { DSMAP_ID_CUSTOMER_NUMBER, "C-1'; --", 8 } };
	dsmap_plugin_config cfg;
	struct th_host h;
	struct got g = { 0 };
	void *ctx;

	(void)state;
	sources[0] = customers_source(NULL, 0);
	sources[1] = orders_source();
	sources[2] = email_source("events", "at");
	if (open_with(&ctx, &h, &cfg, NULL, 0, sources, 3) != 0)
		fail_msg("%s", h.msg);
	got_reset(&g, &cfg);
	assert_int_equal(dsmap_plugin_entry()->lookup(ctx, 4, who, on_record, &g), 0);
	assert_string_equal(got_text(&g),
		"1 customers/1 ids=1:alice@example.org,2:+32470000001,4:1001"
		" cats=collected/contact-details,collected/birth-date,collected/identity,"
		"collected/contact-preferences,collected/address t=1700000000\n"
		"2 customers/4 ids=1:dave@example.org,4:1004"
		" cats=collected/contact-details,collected/birth-date,collected/identity,"
		"collected/contact-preferences t=0\n"
		"1 orders/(0,1) ids=1:alice@example.org cats=financial/purchases t=0\n"
		"1 events/1 ids=1:e1@example.org cats= t=1704067200\n");

	got_reset(&g, &cfg);
	assert_int_equal(dsmap_plugin_entry()->lookup(ctx, 0, NULL, on_record, &g), 0);
	assert_int_equal(dsmap_plugin_entry()->lookup(ctx, 1, odd, on_record, &g), 0);
	assert_int_equal(g.count, 0);

	assert_int_equal(dsmap_plugin_entry()->lookup(ctx, 1, bad, on_record, &g),
	                 DSMAP_PLUGIN_EDATA);
	assert_msg(&h, "system pg: source events: row 1: timestamp column 'at' is not a date");
	assert_no_value(h.msg);

	g.stop_after = 1;
	assert_int_equal(dsmap_plugin_entry()->lookup(ctx, 4, who, on_record, &g),
	                 DSMAP_PLUGIN_ESTOP);
	assert_int_equal(g.count, 1);
	/* And the connection is fine after both. */
	got_reset(&g, &cfg);
	assert_int_equal(dsmap_plugin_entry()->lookup(ctx, 4, who, on_record, &g), 0);
	assert_int_equal(g.count, 4);
	dsmap_plugin_entry()->close(ctx);
	got_reset(&g, NULL);
}

static void test_plugin_postgres__other_types(void **state)
{
	static const dsmap_plugin_id_field ids[] = {
		{ "ip", DSMAP_ID_IP }, { "owner_no", DSMAP_ID_CUSTOMER_NUMBER },
		{ "imei", DSMAP_ID_IMEI },
	};
	static const char *const cats_tags[] = { "collected/preferences" };
	static const char *const cats_seen[] = { "observed/usage" };
	static const dsmap_plugin_category_field catf[] = {
		{ "tags", 1, cats_tags }, { "seen", 1, cats_seen },
	};
	dsmap_plugin_source sources[1] = { { "devices", 3, ids, 2, catf, "seen", 0, NULL, 0, NULL } };
	const dsmap_plugin_identifier who[] = {
		{ DSMAP_ID_IP, "10.0.0.1", 8 },                        /* as inet prints it */
		{ DSMAP_ID_CUSTOMER_NUMBER, "9223372036854775807", 19 },
	};
	const dsmap_plugin_identifier nobody[] = {
		{ DSMAP_ID_IP, "10.0.0.1/32", 11 },                    /* the cast's text, not the output */
		{ DSMAP_ID_CUSTOMER_NUMBER, "-042", 4 },                 /* equal as a number, not as text */
		{ DSMAP_ID_CUSTOMER_NUMBER, "9223372036854775808", 19 }, /* no bigint */
		{ DSMAP_ID_CUSTOMER_NUMBER, "C-42", 4 },
		{ DSMAP_ID_IMEI, "", 0 },
	};
	const dsmap_plugin_identifier owner[] = { { DSMAP_ID_CUSTOMER_NUMBER, "-42", 3 } };
	dsmap_plugin_config cfg;
	struct th_host h;
	struct got g = { 0 };
	void *ctx;

	(void)state;
	if (open_with(&ctx, &h, &cfg, NULL, 0, sources, 1) != 0)
		fail_msg("%s", h.msg);
	got_reset(&g, &cfg);
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, on_record, NULL, &g), 0);
	/* Numbers and other types as the server prints them; the key (uuid)
	 * too; a category field of any type counts when it is not NULL. */
	assert_string_equal(got_text(&g),
		"1 devices/00000000-0000-0000-0000-000000000001 ids=7:10.0.0.1,4:-42,6:356938035643809"
		" cats=collected/preferences,observed/usage t=1704153600\n"
		"2 devices/00000000-0000-0000-0000-000000000002 ids=7:2001:db8::1/64,"
		"4:9223372036854775807 cats= t=0\n");

	got_reset(&g, &cfg);
	assert_int_equal(dsmap_plugin_entry()->lookup(ctx, 2, who, on_record, &g), 0);
	assert_int_equal(g.count, 2);
	got_reset(&g, &cfg);
	assert_int_equal(dsmap_plugin_entry()->lookup(ctx, 5, nobody, on_record, &g), 0);
	assert_string_equal(got_text(&g), "");
	assert_int_equal(dsmap_plugin_entry()->lookup(ctx, 1, owner, on_record, &g), 0);
	assert_int_equal(strncmp(got_text(&g), "1 devices/00000000-0000-0000-0000-000000000001 ", 47), 0);
	assert_int_equal(g.count, 1);
	dsmap_plugin_entry()->close(ctx);
	got_reset(&g, NULL);
}

static int count_record(const dsmap_plugin_record *r, void *payload)
{
	uint64_t *n = payload;

	*n += r->identifier_count + r->category_count;
	return 0;
}

static void test_plugin_postgres__large_table_streams(void **state)
{
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
	struct rusage before, after;
	uint64_t n = 0;
	double secs;
	void *ctx;

	(void)state;
	if (open_with(&ctx, &h, &cfg, NULL, 0, sources, 1) != 0)
		fail_msg("%s", h.msg);
	getrusage(RUSAGE_SELF, &before);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(dsmap_plugin_entry()->scan(ctx, count_record, NULL, &n), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	getrusage(RUSAGE_SELF, &after);
	assert_int_equal(n, (uint64_t)BIG_ROWS * 4);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "postgres: %d records in %.3f s (%.3f s of CPU here): %.0f records/s; "
	        "peak RSS %ld KiB (%ld KiB before the scan)\n", BIG_ROWS, secs,
	        (double)(after.ru_utime.tv_sec - before.ru_utime.tv_sec +
	                 after.ru_stime.tv_sec - before.ru_stime.tv_sec) +
	        (double)(after.ru_utime.tv_usec - before.ru_utime.tv_usec +
	                 after.ru_stime.tv_usec - before.ru_stime.tv_usec) / 1e6,
	        BIG_ROWS / (secs > 0 ? secs : 1e-9), after.ru_maxrss, before.ru_maxrss);
	dsmap_plugin_entry()->close(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plugin_postgres__descriptor),
		cmocka_unit_test(test_plugin_postgres__scan),
		cmocka_unit_test(test_plugin_postgres__attributes),
		cmocka_unit_test(test_plugin_postgres__schema_and_quoting),
		cmocka_unit_test(test_plugin_postgres__key_option),
		cmocka_unit_test(test_plugin_postgres__key_identifier_refused),
		cmocka_unit_test(test_plugin_postgres__key_personal_refused),
		cmocka_unit_test(test_plugin_postgres__personal_primary_key_not_default),
		cmocka_unit_test(test_plugin_postgres__timestamps),
		cmocka_unit_test(test_plugin_postgres__bad_timestamp_fails),
		cmocka_unit_test(test_plugin_postgres__wrong_password),
		cmocka_unit_test(test_plugin_postgres__server_down),
		cmocka_unit_test(test_plugin_postgres__connection_options),
		cmocka_unit_test(test_plugin_postgres__bad_options),
		cmocka_unit_test(test_plugin_postgres__missing_table_and_columns),
		cmocka_unit_test(test_plugin_postgres__callback_stops),
		cmocka_unit_test(test_plugin_postgres__connection_lost),
		cmocka_unit_test(test_plugin_postgres__lookup),
		cmocka_unit_test(test_plugin_postgres__other_types),
		cmocka_unit_test(test_plugin_postgres__large_table_streams),
	};

	return cmocka_run_group_tests_name("plugin_postgres", tests, setup, teardown);
}
