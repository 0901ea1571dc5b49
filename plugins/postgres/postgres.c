/*
 * postgres: a plugin that reads the tables of a PostgreSQL database.
 *
 * Each source names a table (or view), optionally schema-qualified:
 * "schema.table".  The plugin checks the table and every mapped column in
 * the catalog at open(), builds one SELECT per source, and streams its rows
 * in single-row mode, so that memory stays flat however large the table is.
 * Results come in binary, which costs the server least: the plugin decodes
 * the few types it reads (integers, dates, time stamps, ctids) and has the
 * server print any other.
 * A scan or a lookup runs in one read-only REPEATABLE READ transaction: all
 * sources are read from the same snapshot.
 *
 * System options (a missing one falls back to libpq's PG* environment
 * variables, then to libpq's defaults):
 *   host, port, dbname, user, password, sslmode
 *   connect_timeout   seconds (default 10, or $PGCONNECT_TIMEOUT)
 *   conninfo          a libpq connection string or URI; the options above
 *                     override what it says
 * Source options:
 *   key   the column whose value locates a row (default: the table's
 *         primary key when it has a single column that is neither an
 *         identifier nor a category field, else ctid); never an identifier
 *         or category field, since locators are stored and printed
 *         (DSMAP_PLUGIN_KEY_OPTION)
 *
 * A record's locator is "<source name>/<key value>".  Its `updated` time
 * comes from the timestamp column: a date or time stamp, a whole number of
 * seconds since the epoch, or ISO 8601 text.  A value that is none of these
 * (text that is no date, 'infinity') is a data error for that record.
 * An attribute field (ABI 1.1) is reported as text: a text column as it
 * is, any other as the server prints it (its output function); NULL as no
 * value.
 */
#define _POSIX_C_SOURCE 200809L  /* strdup */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include <dsmap/plugin.h>

#include "../common/fsrc.h"

#define MAX_PARAMS 65535

/* How a column's value comes back.  Results are binary: what the server
 * sends costs it least, and the client decodes the few types it knows. */
enum {
	V_NONE,
	V_TEXT,         /* text (or a value cast to text): the bytes as they are */
	V_BOOL,         /* a category's presence, computed by the query */
	V_INT2,
	V_INT4,
	V_INT8,
	V_DATE,         /* int4 days since 2000-01-01 */
	V_TIMESTAMP,    /* int8 microseconds since 2000-01-01 00:00 UTC */
	V_TID           /* a ctid: uint32 block, uint16 offset */
};

/* How a lookup compares an id field with the given values. */
enum {
	CMP_TEXT,       /* "c" IN ($1::text, ...) */
	CMP_INT,        /* "c" IN ($1::int8, ...), with the values that are whole numbers */
	CMP_OUTPUT      /* concat("c") IN ($1::text, ...): its text as the server prints it */
};

/* One source, checked and ready. */
struct src {
	const dsmap_plugin_source *def;
	char *select;             /* "SELECT <columns> FROM <table>" */
	char **id_names;          /* per id field: its quoted name */
	unsigned char *id_type;   /* per id field: V_TEXT or V_INT* */
	unsigned char *id_cmp;    /* per id field: CMP_* */
	char *prefix;             /* "<name>/" */
	size_t prefix_len;
	int ts_type;              /* V_NONE when there is no timestamp */
	int ts_col;
	int attr_col;             /* the first attribute column (text); they follow each other */
	int key_type;
	int key_col;
	/* The categories of all category fields, flattened: field i's start
	 * at cat_base[i]; canon[k] is the index of the first category equal
	 * to category k, so that a record lists each category once. */
	size_t *cat_base;
	size_t *canon;
	const char **flat;
};

struct ctx {
	dsmap_plugin_host *host;
	const dsmap_plugin_config *config;
	const char *system;
	PGconn *conn;
	PGcancel *cancel;
	char *server;             /* "host:port", for messages */
	struct src *srcs;
	/* Buffers reused from one record to the next. */
	dsmap_plugin_identifier *ids;
	dsmap_plugin_value *attrs;
	const char **cats;
	uint64_t *seen;           /* per flattened category: the stamp of the last record holding it */
	uint64_t stamp;
	char (*num)[24];          /* per id field: a number as text */
	char *loc;
	size_t loc_size;
	char reason[256];
};

/* A growing string; `oom` is set, and sticks, when an allocation fails. */
struct buf {
	char *p;
	size_t len, size;
	int oom;
};

static void buf_addn(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->size) {
		size_t size = b->size ? b->size : 256;
		char *p;

		while (size < b->len + n + 1)
			size *= 2;
		if ((p = realloc(b->p, size)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->size = size;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_add(struct buf *b, const char *s)
{
	buf_addn(b, s, strlen(s));
}

/* Set the error, prefixed with the system's id, and return `rc`. */
static int fail(struct ctx *c, int rc, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static int fail(struct ctx *c, int rc, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->host->set_error(c->host, "system %s: %s", c->system, msg);
	return rc;
}

static int oom(struct ctx *c)
{
	return fail(c, DSMAP_PLUGIN_ERROR, "out of memory");
}

/* The first line of a libpq message, in `out`. */
static const char *first_line(const char *msg, char *out, size_t size)
{
	size_t n;

	if (msg == NULL || *msg == '\0')
		msg = "unknown error";
	n = strcspn(msg, "\n");
	if (n >= size)
		n = size - 1;
	memcpy(out, msg, n);
	out[n] = '\0';
	return out;
}

static const char *option(const dsmap_plugin_option *opts, size_t n, const char *key)
{
	const char *v = NULL;
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(opts[i].key, key) == 0)
			v = opts[i].value;
	return v;
}

static const char *sys_option(struct ctx *c, const char *key)
{
	return option(c->config->options, c->config->option_count, key);
}

/* Refuse any option not in `known` (a NULL-terminated list). */
static int check_options(struct ctx *c, const dsmap_plugin_source *src,
                         const dsmap_plugin_option *opts, size_t n, const char *const *known)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; known[k] != NULL; k++)
			if (strcmp(opts[i].key, known[k]) == 0)
				break;
		if (known[k] != NULL)
			continue;
		if (src != NULL)
			return fail(c, DSMAP_PLUGIN_ECONFIG, "source %s: unknown option '%s'",
			            src->name, opts[i].key);
		return fail(c, DSMAP_PLUGIN_ECONFIG, "unknown option '%s'", opts[i].key);
	}
	return DSMAP_PLUGIN_OK;
}

static int all_of(const char *s, const char *set)
{
	return *s != '\0' && s[strspn(s, set)] == '\0';
}

static const char *const system_options[] = {
	"host", "port", "dbname", "user", "password", "sslmode", "connect_timeout", "conninfo", NULL
};

/* Check the values libpq would only refuse at connection time. */
static int check_values(struct ctx *c)
{
	static const char *const sslmodes[] = {
		"disable", "allow", "prefer", "require", "verify-ca", "verify-full", NULL
	};
	const char *v;
	size_t i;

	if ((v = sys_option(c, "port")) != NULL && !all_of(v, "0123456789,"))
		return fail(c, DSMAP_PLUGIN_ECONFIG, "option 'port' is not a port number");
	if ((v = sys_option(c, "connect_timeout")) != NULL && !all_of(v, "0123456789"))
		return fail(c, DSMAP_PLUGIN_ECONFIG, "option 'connect_timeout' is not a number of seconds");
	if ((v = sys_option(c, "sslmode")) != NULL) {
		for (i = 0; sslmodes[i] != NULL && strcmp(v, sslmodes[i]) != 0; i++)
			;
		if (sslmodes[i] == NULL)
			return fail(c, DSMAP_PLUGIN_ECONFIG, "option 'sslmode': '%s' is not one of "
			            "disable, allow, prefer, require, verify-ca, verify-full", v);
	}
	if ((v = sys_option(c, "conninfo")) != NULL) {
		char *err = NULL;
		PQconninfoOption *parsed = PQconninfoParse(v, &err);

		/* libpq's message may quote the string, password and all. */
		PQfreemem(err);
		if (parsed == NULL)
			return fail(c, DSMAP_PLUGIN_ECONFIG,
			            "option 'conninfo' is not a valid connection string");
		PQconninfoFree(parsed);
	}
	return DSMAP_PLUGIN_OK;
}

static int connect_server(struct ctx *c)
{
	static const char *const passed[] = {
		"host", "port", "dbname", "user", "password", "sslmode", "connect_timeout", NULL
	};
	const char *keys[16], *values[16], *host, *port;
	char line[512];
	int n = 0, expand = 0;
	size_t i;
	struct buf b = { NULL, 0, 0, 0 };

	/* In order: our defaults, then conninfo, then the options, each
	 * overriding what comes before. */
	if (getenv("PGCONNECT_TIMEOUT") == NULL) {
		keys[n] = "connect_timeout";
		values[n++] = "10";
	}
	keys[n] = "client_encoding";
	values[n++] = "UTF8";
	keys[n] = "fallback_application_name";
	values[n++] = "dsmap";
	if (sys_option(c, "conninfo") != NULL) {
		keys[n] = "dbname";   /* the first dbname is expanded */
		values[n++] = sys_option(c, "conninfo");
		expand = 1;
	}
	for (i = 0; passed[i] != NULL; i++)
		if (sys_option(c, passed[i]) != NULL) {
			keys[n] = passed[i];
			values[n++] = sys_option(c, passed[i]);
		}
	keys[n] = NULL;
	values[n] = NULL;

	c->conn = PQconnectdbParams(keys, values, expand);
	if (c->conn == NULL)
		return oom(c);
	host = PQhost(c->conn);
	port = PQport(c->conn);
	buf_add(&b, host != NULL && *host != '\0' ? host : "localhost");
	buf_add(&b, ":");
	buf_add(&b, port != NULL && *port != '\0' ? port : "5432");
	if (b.oom) {
		free(b.p);
		return oom(c);
	}
	c->server = b.p;
	if (PQstatus(c->conn) != CONNECTION_OK)
		return fail(c, DSMAP_PLUGIN_ECONNECT, "cannot connect to PostgreSQL at %s: %s",
		            c->server, first_line(PQerrorMessage(c->conn), line, sizeof(line)));
	if ((c->cancel = PQgetCancel(c->conn)) == NULL)
		return oom(c);
	return DSMAP_PLUGIN_OK;
}

/* Is this failure the loss of the connection? */
static int connection_lost(struct ctx *c, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return PQstatus(c->conn) != CONNECTION_OK || state == NULL ||
	       strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0;
}

/* Set the error of a failed query or command and return its code.  Only
 * the server's primary message is used: its details can quote values. */
static int query_error(struct ctx *c, const dsmap_plugin_source *src, const PGresult *res,
                       const char *what)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char line[512];

	if (msg == NULL)
		msg = PQerrorMessage(c->conn);
	first_line(msg, line, sizeof(line));
	if (connection_lost(c, res))
		return fail(c, DSMAP_PLUGIN_ECONNECT, "%s%s%slost the connection to PostgreSQL at %s: %s",
		            src ? "source " : "", src ? src->name : "", src ? ": " : "", c->server, line);
	if (strcmp(state, "42501") == 0)
		return fail(c, DSMAP_PLUGIN_ECONNECT, "%s%s%sPostgreSQL refuses to %s: %s",
		            src ? "source " : "", src ? src->name : "", src ? ": " : "", what, line);
	return fail(c, DSMAP_PLUGIN_ERROR, "%s%s%scannot %s: %s (SQLSTATE %s)",
	            src ? "source " : "", src ? src->name : "", src ? ": " : "", what, line, state);
}

/* Append a quoted identifier.  Returns 0 or an error. */
static int add_ident(struct ctx *c, const dsmap_plugin_source *src, struct buf *b,
                     const char *name, size_t len)
{
	char *q = PQescapeIdentifier(c->conn, name, len);
	char line[512];

	if (q == NULL)
		return fail(c, DSMAP_PLUGIN_ECONFIG, "source %s: cannot quote a name: %s", src->name,
		            first_line(PQerrorMessage(c->conn), line, sizeof(line)));
	buf_add(b, q);
	PQfreemem(q);
	return b->oom ? oom(c) : DSMAP_PLUGIN_OK;
}

/* The catalog's view of a table: one row per column. */
#define CATALOG_QUERY \
	"SELECT c.relkind, a.attname," \
	" CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END, t.typcategory," \
	" EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid" \
	"   AND i.indisprimary AND i.indnatts = 1 AND i.indkey[0] = a.attnum)" \
	" FROM pg_catalog.pg_class c" \
	" LEFT JOIN pg_catalog.pg_attribute a" \
	"   ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped" \
	" LEFT JOIN pg_catalog.pg_type t ON t.oid = a.atttypid" \
	" WHERE c.oid = pg_catalog.to_regclass($1) AND c.relkind IN ('r', 'v', 'm', 'f', 'p')" \
	" ORDER BY a.attnum"
enum { CAT_RELKIND, CAT_NAME, CAT_TYPE, CAT_CATEGORY, CAT_PK };

/* The catalog row of column `name`, or -1. */
static int column_row(const PGresult *cat, const char *name)
{
	int i;

	for (i = 0; i < PQntuples(cat); i++)
		if (!PQgetisnull(cat, i, CAT_NAME) && strcmp(PQgetvalue(cat, i, CAT_NAME), name) == 0)
			return i;
	return -1;
}

/* What the column at `row` of the catalog is to the source when it maps it
 * as personal ("an identifier field", "a category field"), or NULL.  The
 * plugin quotes every name, so a field is the column of exactly that name
 * (column_row()): comparing catalog rows compares columns as the server
 * resolves them. */
static const char *personal(const PGresult *cat, const dsmap_plugin_source *d, int row)
{
	size_t i;

	for (i = 0; i < d->id_field_count; i++)
		if (column_row(cat, d->id_fields[i].field) == row)
			return "an identifier field";
	for (i = 0; i < d->category_field_count; i++)
		if (column_row(cat, d->category_fields[i].field) == row)
			return "a category field";
	return NULL;
}

/* Type OIDs (pg_type.h): stable across releases. */
#define BOOLOID 16
#define NAMEOID 19
#define INT8OID 20
#define INT2OID 21
#define INT4OID 23
#define TEXTOID 25
#define TIDOID 27
#define BPCHAROID 1042
#define VARCHAROID 1043
#define DATEOID 1082
#define TIMESTAMPOID 1114
#define TIMESTAMPTZOID 1184

static unsigned long column_type(const PGresult *cat, int row)
{
	return strtoul(PQgetvalue(cat, row, CAT_TYPE), NULL, 10);
}

static int is_string(const PGresult *cat, int row)
{
	return strcmp(PQgetvalue(cat, row, CAT_CATEGORY), "S") == 0;
}

/* Append the column at `row` of the catalog as a value to report (an
 * identifier or a key): integers and text as they are, anything else as
 * the server prints it (its output function, as concat() calls it: a cast
 * to text can differ, e.g. for inet).  Returns its V_* type, or an error;
 * *cmp is how a lookup compares it. */
static int add_value(struct ctx *c, const dsmap_plugin_source *d, struct buf *b,
                     const PGresult *cat, int row, int *cmp)
{
	const char *name = PQgetvalue(cat, row, CAT_NAME);
	int rc, type;

	switch (column_type(cat, row)) {
	case INT2OID:
		type = V_INT2;
		*cmp = CMP_INT;
		break;
	case INT4OID:
		type = V_INT4;
		*cmp = CMP_INT;
		break;
	case INT8OID:
		type = V_INT8;
		*cmp = CMP_INT;
		break;
	case TEXTOID:
	case VARCHAROID:
	case BPCHAROID:
	case NAMEOID:
		type = V_TEXT;
		*cmp = CMP_TEXT;
		break;
	default:
		type = V_TEXT;
		*cmp = CMP_OUTPUT;
		buf_add(b, "pg_catalog.concat(");
		break;
	}
	if ((rc = add_ident(c, d, b, name, strlen(name))) != 0)
		return rc;
	if (*cmp == CMP_OUTPUT)
		buf_add(b, ")");
	return b->oom ? oom(c) : type;
}

/* Append the presence of a category column: non-NULL, and not '' for text. */
static int add_presence(struct ctx *c, const dsmap_plugin_source *d, struct buf *b,
                        const PGresult *cat, int row)
{
	const char *name = PQgetvalue(cat, row, CAT_NAME);
	int rc;

	buf_add(b, "(");
	if ((rc = add_ident(c, d, b, name, strlen(name))) != 0)
		return rc;
	buf_add(b, is_string(cat, row) ? " <> '')" : " IS NOT NULL)");
	return b->oom ? oom(c) : DSMAP_PLUGIN_OK;
}

/* Append an attribute column, as text: a text column as it is, any other
 * as the server prints it, NULL kept NULL. */
static int add_attribute(struct ctx *c, const dsmap_plugin_source *d, struct buf *b,
                         const PGresult *cat, int row)
{
	const char *name = PQgetvalue(cat, row, CAT_NAME);
	unsigned long type = column_type(cat, row);
	int rc;

	if (type == TEXTOID || type == VARCHAROID || type == BPCHAROID || type == NAMEOID) {
		if ((rc = add_ident(c, d, b, name, strlen(name))) != 0)
			return rc;
		if (type == NAMEOID)
			buf_add(b, "::text");
		return b->oom ? oom(c) : DSMAP_PLUGIN_OK;
	}
	buf_add(b, "CASE WHEN ");
	if ((rc = add_ident(c, d, b, name, strlen(name))) != 0)
		return rc;
	buf_add(b, " IS NULL THEN NULL ELSE pg_catalog.concat(");
	if ((rc = add_ident(c, d, b, name, strlen(name))) != 0)
		return rc;
	buf_add(b, ") END");
	return b->oom ? oom(c) : DSMAP_PLUGIN_OK;
}

/* Append the timestamp column.  Returns its V_* type, or an error. */
static int add_timestamp(struct ctx *c, const dsmap_plugin_source *d, struct buf *b,
                         const PGresult *cat, int row)
{
	const char *name = PQgetvalue(cat, row, CAT_NAME);
	int rc, type;

	switch (column_type(cat, row)) {
	case DATEOID:
		type = V_DATE;
		break;
	case TIMESTAMPOID:
	case TIMESTAMPTZOID:
		type = V_TIMESTAMP;
		break;
	case INT2OID:
		type = V_INT2;
		break;
	case INT4OID:
		type = V_INT4;
		break;
	case INT8OID:
		type = V_INT8;
		break;
	default:
		if (!is_string(cat, row))
			return fail(c, DSMAP_PLUGIN_ECONFIG, "source %s: timestamp column '%s' is neither "
			            "a date, a time stamp, a whole number nor text", d->name, name);
		type = V_TEXT;
		break;
	}
	if ((rc = add_ident(c, d, b, name, strlen(name))) != 0)
		return rc;
	if (type == V_TEXT && column_type(cat, row) != TEXTOID &&
	    column_type(cat, row) != VARCHAROID && column_type(cat, row) != BPCHAROID)
		buf_add(b, "::text");
	return b->oom ? oom(c) : type;
}

/* Check the source against the catalog and build its SELECT. */
static int prepare_source(struct ctx *c, struct src *s, size_t *max_cats)
{
	const dsmap_plugin_source *d = s->def;
	const char *key = option(d->options, d->option_count, DSMAP_PLUGIN_KEY_OPTION);
	const char *missing = NULL, *what, *dot, *param;
	struct buf table = { NULL, 0, 0, 0 }, b = { NULL, 0, 0, 0 }, q = { NULL, 0, 0, 0 };
	PGresult *cat = NULL, *res = NULL;
	size_t i, j, k, n;
	int rc, row, col, cmp, key_row = -1, ts_row = -1;

	if (d->name == NULL || *d->name == '\0')
		return fail(c, DSMAP_PLUGIN_ECONFIG, "a source has no table name");

	/* "schema.table" or "table" */
	if ((dot = strchr(d->name, '.')) != NULL) {
		if ((rc = add_ident(c, d, &table, d->name, (size_t)(dot - d->name))) != 0)
			goto done;
		buf_add(&table, ".");
		rc = add_ident(c, d, &table, dot + 1, strlen(dot + 1));
	} else {
		rc = add_ident(c, d, &table, d->name, strlen(d->name));
	}
	if (rc != 0)
		goto done;

	param = table.p;
	cat = PQexecParams(c->conn, CATALOG_QUERY, 1, NULL, &param, NULL, NULL, 0);
	if (PQresultStatus(cat) != PGRES_TUPLES_OK) {
		rc = query_error(c, d, cat, "read the catalog");
		goto done;
	}
	if (PQntuples(cat) == 0) {
		rc = fail(c, DSMAP_PLUGIN_ECONFIG, "source %s: no table '%s'", d->name, d->name);
		goto done;
	}
	for (i = 0; missing == NULL && i < d->id_field_count; i++)
		if (column_row(cat, d->id_fields[i].field) < 0)
			missing = d->id_fields[i].field;
	for (i = 0; missing == NULL && i < d->category_field_count; i++)
		if (column_row(cat, d->category_fields[i].field) < 0)
			missing = d->category_fields[i].field;
	if (missing == NULL && d->timestamp_field != NULL &&
	    (ts_row = column_row(cat, d->timestamp_field)) < 0)
		missing = d->timestamp_field;
	if (missing == NULL && key != NULL && (key_row = column_row(cat, key)) < 0 &&
	    strcmp(key, "ctid") != 0)
		missing = key;
	if (d->attribute_field_count > 0 && d->attribute_fields == NULL) {
		rc = fail(c, DSMAP_PLUGIN_ECONFIG, "source %s: attribute fields without names", d->name);
		goto done;
	}
	for (i = 0; missing == NULL && i < d->attribute_field_count; i++)
		if (d->attribute_fields[i] == NULL || column_row(cat, d->attribute_fields[i]) < 0)
			missing = d->attribute_fields[i] ? d->attribute_fields[i] : "";
	if (missing != NULL) {
		rc = fail(c, DSMAP_PLUGIN_ECONFIG, "source %s: no column '%s'", d->name, missing);
		goto done;
	}
	/* A locator is stored and printed: never a column the source maps as
	 * personal, named or by default. */
	if (key_row >= 0 && (what = personal(cat, d, key_row)) != NULL) {
		rc = fail(c, DSMAP_PLUGIN_ECONFIG, "source %s: option key: column '%s' is %s, and a "
		          "locator must hold no personal data (it is stored and printed by locate): "
		          "name a column that is neither an identifier nor a category field",
		          d->name, key, what);
		goto done;
	}
	if (key == NULL) {
		/* The single-column primary key, unless it is personal; else ctid. */
		for (row = 0; row < PQntuples(cat); row++)
			if (strcmp(PQgetvalue(cat, row, CAT_PK), "t") == 0 && personal(cat, d, row) == NULL)
				key_row = row;
		if (key_row < 0 && strchr("vf", PQgetvalue(cat, 0, CAT_RELKIND)[0]) != NULL) {
			rc = fail(c, DSMAP_PLUGIN_ECONFIG, "source %s: a view or foreign table has no "
			          "row address; set option key to a column that locates a row", d->name);
			goto done;
		}
	}

	s->id_names = calloc(d->id_field_count + 1, sizeof(*s->id_names));
	s->id_type = calloc(d->id_field_count + 1, 1);
	s->id_cmp = calloc(d->id_field_count + 1, 1);
	if (s->id_names == NULL || s->id_type == NULL || s->id_cmp == NULL) {
		rc = oom(c);
		goto done;
	}
	/* SELECT ids..., category presences..., [timestamp,] attributes..., key FROM table */
	buf_add(&b, "SELECT ");
	col = 0;
	for (i = 0; i < d->id_field_count; i++, col++) {
		row = column_row(cat, d->id_fields[i].field);
		if ((rc = add_value(c, d, &b, cat, row, &cmp)) < 0)
			goto done;
		s->id_type[i] = (unsigned char)rc;
		s->id_cmp[i] = (unsigned char)cmp;
		q.len = 0;
		if ((rc = add_ident(c, d, &q, d->id_fields[i].field,
		                    strlen(d->id_fields[i].field))) != 0)
			goto done;
		if ((s->id_names[i] = strdup(q.p)) == NULL) {
			rc = oom(c);
			goto done;
		}
		buf_add(&b, ", ");
	}
	for (i = 0; i < d->category_field_count; i++, col++) {
		if ((rc = add_presence(c, d, &b, cat, column_row(cat, d->category_fields[i].field))) != 0)
			goto done;
		buf_add(&b, ", ");
	}
	s->ts_type = V_NONE;
	s->ts_col = -1;
	if (ts_row >= 0) {
		if ((rc = add_timestamp(c, d, &b, cat, ts_row)) < 0)
			goto done;
		s->ts_type = rc;
		buf_add(&b, ", ");
		s->ts_col = col++;
	}
	s->attr_col = col;
	for (i = 0; i < d->attribute_field_count; i++, col++) {
		if ((rc = add_attribute(c, d, &b, cat, column_row(cat, d->attribute_fields[i]))) != 0)
			goto done;
		buf_add(&b, ", ");
	}
	if (key_row >= 0) {
		if ((rc = add_value(c, d, &b, cat, key_row, &cmp)) < 0)
			goto done;
		s->key_type = rc;
	} else {
		buf_add(&b, "ctid");
		s->key_type = V_TID;
	}
	s->key_col = col;
	buf_add(&b, " FROM ");
	buf_add(&b, table.p);
	if (b.oom) {
		rc = oom(c);
		goto done;
	}
	s->select = b.p;
	b.p = NULL;

	/* Run it for no row: privileges, and whatever the catalog did not say. */
	b.len = b.size = 0;
	buf_add(&b, s->select);
	buf_add(&b, " LIMIT 0");
	if (b.oom) {
		rc = oom(c);
		goto done;
	}
	res = PQexec(c->conn, b.p);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = query_error(c, d, res, "read the table");
		if (rc == DSMAP_PLUGIN_ERROR)
			rc = DSMAP_PLUGIN_ECONFIG;
		goto done;
	}

	n = strlen(d->name);
	if ((s->prefix = malloc(n + 2)) == NULL) {
		rc = oom(c);
		goto done;
	}
	memcpy(s->prefix, d->name, n);
	s->prefix[n] = '/';
	s->prefix[n + 1] = '\0';
	s->prefix_len = n + 1;

	n = 0;
	for (i = 0; i < d->category_field_count; i++)
		n += d->category_fields[i].category_count;
	s->cat_base = calloc(d->category_field_count + 1, sizeof(*s->cat_base));
	s->canon = calloc(n + 1, sizeof(*s->canon));
	s->flat = calloc(n + 1, sizeof(*s->flat));
	if (s->cat_base == NULL || s->canon == NULL || s->flat == NULL) {
		rc = oom(c);
		goto done;
	}
	k = 0;
	for (i = 0; i < d->category_field_count; i++) {
		s->cat_base[i] = k;
		for (j = 0; j < d->category_fields[i].category_count; j++)
			s->flat[k++] = d->category_fields[i].categories[j];
	}
	for (k = 0; k < n; k++)
		for (s->canon[k] = 0; strcmp(s->flat[s->canon[k]], s->flat[k]) != 0; s->canon[k]++)
			;
	if (n > *max_cats)
		*max_cats = n;
	rc = DSMAP_PLUGIN_OK;
done:
	PQclear(cat);
	PQclear(res);
	free(table.p);
	free(b.p);
	free(q.p);
	return rc;
}

static void pg_close(void *ctx)
{
	struct ctx *c = ctx;
	size_t i, j;

	if (c == NULL)
		return;
	for (i = 0; c->srcs != NULL && i < c->config->source_count; i++) {
		struct src *s = &c->srcs[i];

		for (j = 0; s->id_names != NULL && j < s->def->id_field_count; j++)
			free(s->id_names[j]);
		free(s->id_names);
		free(s->id_type);
		free(s->id_cmp);
		free(s->select);
		free(s->prefix);
		free(s->cat_base);
		free(s->canon);
		free(s->flat);
	}
	free(c->srcs);
	PQfreeCancel(c->cancel);
	PQfinish(c->conn);
	free(c->server);
	free(c->ids);
	free(c->attrs);
	free(c->cats);
	free(c->seen);
	free(c->num);
	free(c->loc);
	free(c);
}

static int pg_open(void **out, dsmap_plugin_host *host, const dsmap_plugin_config *config)
{
	struct ctx *c;
	size_t i, max_ids = 0, max_cats = 0, max_attrs = 0;
	int rc;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		host->set_error(host, "system %s: out of memory",
		                config->system_id ? config->system_id : "?");
		return DSMAP_PLUGIN_ERROR;
	}
	c->host = host;
	c->config = config;
	c->system = config->system_id ? config->system_id : "?";
	if ((rc = check_options(c, NULL, config->options, config->option_count,
	                        system_options)) != 0 ||
	    (rc = check_values(c)) != 0)
		goto done;
	for (i = 0; i < config->source_count; i++) {
		static const char *const src_known[] = { DSMAP_PLUGIN_KEY_OPTION, NULL };
		const dsmap_plugin_source *d = &config->sources[i];

		if ((rc = check_options(c, d, d->options, d->option_count, src_known)) != 0)
			goto done;
	}
	if ((rc = connect_server(c)) != 0)
		goto done;
	if ((c->srcs = calloc(config->source_count + 1, sizeof(*c->srcs))) == NULL) {
		rc = oom(c);
		goto done;
	}
	for (i = 0; i < config->source_count; i++) {
		c->srcs[i].def = &config->sources[i];
		if ((rc = prepare_source(c, &c->srcs[i], &max_cats)) != 0)
			goto done;
		if (config->sources[i].id_field_count > max_ids)
			max_ids = config->sources[i].id_field_count;
		if (config->sources[i].attribute_field_count > max_attrs)
			max_attrs = config->sources[i].attribute_field_count;
	}
	c->ids = calloc(max_ids + 1, sizeof(*c->ids));
	c->attrs = calloc(max_attrs + 1, sizeof(*c->attrs));
	c->cats = calloc(max_cats + 1, sizeof(*c->cats));
	c->seen = calloc(max_cats + 1, sizeof(*c->seen));
	c->num = calloc(max_ids + 1, sizeof(*c->num));
	c->loc_size = 256;
	c->loc = malloc(c->loc_size);
	if (c->ids == NULL || c->attrs == NULL || c->cats == NULL || c->seen == NULL ||
	    c->num == NULL || c->loc == NULL) {
		rc = oom(c);
		goto done;
	}
	*out = c;
	c = NULL;
	rc = DSMAP_PLUGIN_OK;
done:
	pg_close(c);
	return rc;
}

/* A big-endian integer of `len` bytes (2, 4 or 8), sign-extended. */
static int64_t be_int(const unsigned char *p, int len)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < len; i++)
		v = v << 8 | p[i];
	if (len < 8 && (v >> (len * 8 - 1)) != 0)
		v |= ~(uint64_t)0 << (len * 8);
	return (int64_t)v;
}

static int value_size(int type)
{
	switch (type) {
	case V_BOOL:
		return 1;
	case V_INT2:
		return 2;
	case V_INT4:
	case V_DATE:
		return 4;
	case V_INT8:
	case V_TIMESTAMP:
		return 8;
	case V_TID:
		return 6;
	default:
		return -1;
	}
}

/* A decimal number in `buf` (24 bytes at least, not NUL-terminated). */
static size_t format_int(char *buf, int64_t v)
{
	char tmp[24];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t n = 0, len;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		tmp[n++] = '-';
	for (len = 0; len < n; len++)
		buf[len] = tmp[n - 1 - len];
	return n;
}

/* Seconds since the epoch of the timestamp in column `col`: 0 when NULL or
 * '', 1 (returned) when it is no date. */
static int timestamp(const struct src *s, const PGresult *res, int col, int64_t *out)
{
	const unsigned char *v = (const unsigned char *)PQgetvalue(res, 0, col);
	int64_t t;

	*out = 0;
	if (PQgetisnull(res, 0, col))
		return 0;
	switch (s->ts_type) {
	case V_TEXT:
		return PQgetlength(res, 0, col) > 0 &&
		       dsmap_fsrc__parse_time((const char *)v, (size_t)PQgetlength(res, 0, col), out) != 0;
	case V_DATE:
		t = be_int(v, 4);
		if (t == INT32_MAX || t == INT32_MIN)           /* +-infinity */
			return 1;
		*out = (t + 10957) * 86400;
		return 0;
	case V_TIMESTAMP:
		t = be_int(v, 8);
		if (t == INT64_MAX || t == INT64_MIN)           /* +-infinity */
			return 1;
		/* Rounded down, also before 1970. */
		*out = t / 1000000 - (t % 1000000 < 0) + 946684800;
		return 0;
	default:
		*out = be_int(v, value_size(s->ts_type));
		return 0;
	}
}

/* A value to report (an identifier or a key) as text: the bytes of a text
 * value, or a number formatted in `buf` (24 bytes at least). */
static const char *value_text(const PGresult *res, int col, int type, char *buf, size_t *len)
{
	const unsigned char *v = (const unsigned char *)PQgetvalue(res, 0, col);

	switch (type) {
	case V_INT2:
	case V_INT4:
	case V_INT8:
		*len = format_int(buf, be_int(v, value_size(type)));
		return buf;
	case V_TID:
		buf[0] = '(';
		*len = 1 + format_int(buf + 1, (int64_t)(uint32_t)be_int(v, 4));
		buf[(*len)++] = ',';
		*len += format_int(buf + *len, (int64_t)(uint16_t)be_int(v + 4, 2));
		buf[(*len)++] = ')';
		return buf;
	default:
		*len = (size_t)PQgetlength(res, 0, col);
		return (const char *)v;
	}
}

/* Does the row have the size its binary values need?  (A server that
 * sends otherwise is not one this plugin understands.) */
static int row_ok(const struct src *s, const PGresult *res)
{
	const dsmap_plugin_source *d = s->def;
	size_t i;
	int col = 0;

	for (i = 0; i < d->id_field_count; i++, col++)
		if (s->id_type[i] != V_TEXT && !PQgetisnull(res, 0, col) &&
		    PQgetlength(res, 0, col) != value_size(s->id_type[i]))
			return 0;
	for (i = 0; i < d->category_field_count; i++, col++)
		if (!PQgetisnull(res, 0, col) && PQgetlength(res, 0, col) != 1)
			return 0;
	if (s->ts_col >= 0 && s->ts_type != V_TEXT && !PQgetisnull(res, 0, s->ts_col) &&
	    PQgetlength(res, 0, s->ts_col) != value_size(s->ts_type))
		return 0;
	return s->key_type == V_TEXT || PQgetisnull(res, 0, s->key_col) ||
	       PQgetlength(res, 0, s->key_col) == value_size(s->key_type);
}

/* Report the row of `res` as record `number` of source `s`.
 * Returns 0, or the error to stop with. */
static int emit(struct ctx *c, struct src *s, const PGresult *res, uint64_t number,
                dsmap_plugin_record_fn record, dsmap_plugin_reject_fn reject, void *payload)
{
	const dsmap_plugin_source *d = s->def;
	dsmap_plugin_record rec;
	const char *v;
	size_t i, j, nids = 0, ncats = 0, need, len;
	uint64_t stamp;
	int col;

	if (!row_ok(s, res))
		return fail(c, DSMAP_PLUGIN_EDATA, "source %s: row %" PRIu64 ": the server sent a "
		            "value of an unexpected size", d->name, number);
	memset(&rec, 0, sizeof(rec));
	if (s->ts_col >= 0 && timestamp(s, res, s->ts_col, &rec.updated) != 0) {
		snprintf(c->reason, sizeof(c->reason), "row %" PRIu64
		         ": timestamp column '%s' is not a date", number, d->timestamp_field);
		if (reject == NULL)
			return fail(c, DSMAP_PLUGIN_EDATA, "source %s: %s", d->name, c->reason);
		return reject(d, number, c->reason, payload) != 0 ? DSMAP_PLUGIN_ESTOP : 0;
	}

	for (i = 0, col = 0; i < d->id_field_count; i++, col++) {
		if (PQgetisnull(res, 0, col))
			continue;
		v = value_text(res, col, s->id_type[i], c->num[i], &len);
		if (len == 0)
			continue;
		c->ids[nids].kind = d->id_fields[i].kind;
		c->ids[nids].value = v;
		c->ids[nids].len = len;
		nids++;
	}

	stamp = ++c->stamp;
	for (i = 0; i < d->category_field_count; i++, col++) {
		if (PQgetisnull(res, 0, col) || PQgetvalue(res, 0, col)[0] == 0)
			continue;
		for (j = 0; j < d->category_fields[i].category_count; j++) {
			size_t k = s->canon[s->cat_base[i] + j];

			if (c->seen[k] == stamp)
				continue;
			c->seen[k] = stamp;
			c->cats[ncats++] = d->category_fields[i].categories[j];
		}
	}

	for (i = 0, col = s->attr_col; i < d->attribute_field_count; i++, col++) {
		int isnull = PQgetisnull(res, 0, col);

		c->attrs[i].value = isnull ? NULL : PQgetvalue(res, 0, col);
		c->attrs[i].len = isnull ? 0 : (size_t)PQgetlength(res, 0, col);
	}

	/* The key is reported after the prefix, in the locator buffer, which
	 * has room for a number. */
	len = 0;
	if (!PQgetisnull(res, 0, s->key_col))
		len = s->key_type == V_TEXT ? (size_t)PQgetlength(res, 0, s->key_col) : 40;
	need = s->prefix_len + len;
	if (need > c->loc_size) {
		char *p;
		size_t size = c->loc_size;

		while (size < need)
			size *= 2;
		if ((p = realloc(c->loc, size)) == NULL)
			return oom(c);
		c->loc = p;
		c->loc_size = size;
	}
	memcpy(c->loc, s->prefix, s->prefix_len);
	if (len > 0) {
		v = value_text(res, s->key_col, s->key_type, c->loc + s->prefix_len, &len);
		if (v != c->loc + s->prefix_len)
			memcpy(c->loc + s->prefix_len, v, len);
	}

	rec.source = d;
	rec.number = number;
	rec.identifier_count = nids;
	rec.identifiers = c->ids;
	rec.category_count = ncats;
	rec.categories = c->cats;
	rec.locator = c->loc;
	rec.locator_len = s->prefix_len + len;
	rec.attribute_count = d->attribute_field_count;
	rec.attributes = c->attrs;
	return record(&rec, payload) != 0 ? DSMAP_PLUGIN_ESTOP : 0;
}

/* Run `sql` and report its rows, one at a time.  On a stop or an error the
 * query is cancelled, and its results drained: the connection stays
 * usable. */
static int run(struct ctx *c, struct src *s, const char *sql, int nparams,
               const char *const *values, const int *lengths, const int *formats,
               dsmap_plugin_record_fn record, dsmap_plugin_reject_fn reject, void *payload)
{
	PGresult *res;
	uint64_t number = 0;
	char err[256];
	int rc = DSMAP_PLUGIN_OK, cancelled = 0;

	/* Parameters carry no type: the query casts them ($1::text). */
	if (!PQsendQueryParams(c->conn, sql, nparams, NULL, values, lengths, formats, 1))
		return query_error(c, s->def, NULL, "send a query");
	if (!PQsetSingleRowMode(c->conn))
		rc = fail(c, DSMAP_PLUGIN_ERROR, "source %s: cannot read rows one at a time",
		          s->def->name);
	while ((res = PQgetResult(c->conn)) != NULL) {
		switch (PQresultStatus(res)) {
		case PGRES_SINGLE_TUPLE:
			if (rc == 0)
				rc = emit(c, s, res, ++number, record, reject, payload);
			break;
		case PGRES_TUPLES_OK:
			break;
		default:
			if (rc == 0)
				rc = query_error(c, s->def, res, "read the table");
			break;
		}
		PQclear(res);
		if (rc != 0 && !cancelled) {
			cancelled = 1;
			if (PQstatus(c->conn) == CONNECTION_OK)
				PQcancel(c->cancel, err, (int)sizeof(err));
		}
	}
	return rc;
}

/* Start the transaction of a scan or lookup. */
static int begin(struct ctx *c)
{
	PGresult *res = PQexec(c->conn, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
	int rc = DSMAP_PLUGIN_OK;

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = query_error(c, NULL, res, "start a transaction");
	PQclear(res);
	return rc;
}

/* End it: COMMIT when `rc` is 0, else ROLLBACK.  Returns `rc`, or the
 * error of the COMMIT. */
static int end(struct ctx *c, int rc)
{
	PGresult *res;
	int tries;

	if (PQstatus(c->conn) != CONNECTION_OK)
		return rc;
	for (tries = 0; tries < 2; tries++) {
		res = PQexec(c->conn, rc == 0 ? "COMMIT" : "ROLLBACK");
		if (PQresultStatus(res) == PGRES_COMMAND_OK) {
			PQclear(res);
			break;
		}
		if (rc == 0) {
			rc = query_error(c, NULL, res, "end the transaction");
			PQclear(res);
			break;
		}
		/* A cancel request can land after its query ended, on this
		 * ROLLBACK: try once more. */
		PQclear(res);
	}
	return rc;
}

static int pg_scan(void *ctx, dsmap_plugin_record_fn record, dsmap_plugin_reject_fn reject,
                   void *payload)
{
	struct ctx *c = ctx;
	size_t i;
	int rc;

	if ((rc = begin(c)) != 0)
		return rc;
	for (i = 0; rc == 0 && i < c->config->source_count; i++)
		rc = run(c, &c->srcs[i], c->srcs[i].select, 0, NULL, NULL, NULL, record, reject,
		         payload);
	return end(c, rc);
}

/* A whole number written the way PostgreSQL writes one ("42", "-7", not
 * "042", "+7" or "4.0"): an integer column holds a value equal to this
 * text only then. */
static int canonical_int(const char *p, size_t len, int64_t *out)
{
	uint64_t v = 0, max = INT64_MAX;
	size_t i = 0;
	int neg = 0;

	if (len > 0 && p[0] == '-') {
		neg = 1;
		max += 1;
		i = 1;
	}
	if (i == len || (p[i] == '0' && (len - i > 1 || neg)))
		return -1;
	for (; i < len; i++) {
		if (p[i] < '0' || p[i] > '9' || v > (max - (uint64_t)(p[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static int pg_lookup(void *ctx, size_t identifier_count,
                     const dsmap_plugin_identifier *identifiers,
                     dsmap_plugin_record_fn record, void *payload)
{
	struct ctx *c = ctx;
	const char **values = NULL;
	int *lengths = NULL, *formats = NULL;
	unsigned char (*ints)[8] = NULL;
	size_t i, f, k, n;
	int rc;

	if (identifier_count == 0)
		return DSMAP_PLUGIN_OK;
	/* At most every identifier against every id field of one source. */
	n = 0;
	for (i = 0; i < c->config->source_count; i++)
		if (c->config->sources[i].id_field_count > n)
			n = c->config->sources[i].id_field_count;
	if (n == 0)
		return DSMAP_PLUGIN_OK;
	if (identifier_count > MAX_PARAMS)
		return fail(c, DSMAP_PLUGIN_ERROR, "lookup: more than %d identifiers", MAX_PARAMS);
	n *= identifier_count;
	values = calloc(n, sizeof(*values));
	lengths = calloc(n, sizeof(*lengths));
	formats = calloc(n, sizeof(*formats));
	ints = calloc(n, sizeof(*ints));
	if (values == NULL || lengths == NULL || formats == NULL || ints == NULL) {
		rc = oom(c);
		goto done;
	}
	if ((rc = begin(c)) != 0)
		goto done;
	for (i = 0; rc == 0 && i < c->config->source_count; i++) {
		struct src *s = &c->srcs[i];
		const dsmap_plugin_source *d = s->def;
		struct buf b = { NULL, 0, 0, 0 };
		char num[32];
		int nparams = 0;

		/* WHERE f1 IN ($1::text, ...) OR f2 IN ($3::int8, ...): each id
		 * field against the given values of its kind, equal as text. */
		buf_add(&b, s->select);
		buf_add(&b, " WHERE ");
		for (f = 0; rc == 0 && f < d->id_field_count; f++) {
			int first = 1;

			for (k = 0; k < identifier_count; k++) {
				int64_t v = 0;
				int j;

				/* '' is no identifier: a scan never reports one. */
				if (identifiers[k].kind != d->id_fields[f].kind || identifiers[k].len == 0 ||
				    (s->id_cmp[f] == CMP_INT &&
				     canonical_int(identifiers[k].value, identifiers[k].len, &v) != 0))
					continue;
				if (nparams == MAX_PARAMS) {
					rc = fail(c, DSMAP_PLUGIN_ERROR, "lookup: more than %d parameters",
					          MAX_PARAMS);
					break;
				}
				if (first) {
					if (nparams > 0)
						buf_add(&b, " OR ");
					if (s->id_cmp[f] == CMP_OUTPUT)
						buf_add(&b, "pg_catalog.concat(");
					buf_add(&b, s->id_names[f]);
					buf_add(&b, s->id_cmp[f] == CMP_OUTPUT ? ") IN (" : " IN (");
				} else {
					buf_add(&b, ", ");
				}
				first = 0;
				formats[nparams] = 1;   /* binary: no NUL needed */
				if (s->id_cmp[f] == CMP_INT) {
					for (j = 0; j < 8; j++)
						ints[nparams][j] = (unsigned char)((uint64_t)v >> (56 - 8 * j));
					values[nparams] = (const char *)ints[nparams];
					lengths[nparams] = 8;
					snprintf(num, sizeof(num), "$%d::int8", ++nparams);
				} else {
					values[nparams] = identifiers[k].value;
					lengths[nparams] = (int)identifiers[k].len;
					snprintf(num, sizeof(num), "$%d::text", ++nparams);
				}
				buf_add(&b, num);
			}
			if (!first)
				buf_add(&b, ")");
		}
		if (rc == 0 && b.oom)
			rc = oom(c);
		if (rc == 0 && nparams > 0)
			rc = run(c, s, b.p, nparams, values, lengths, formats, record, NULL, payload);
		free(b.p);
	}
	rc = end(c, rc);
done:
	free(values);
	free(lengths);
	free(formats);
	free(ints);
	return rc;
}

static const dsmap_plugin_descriptor descriptor = {
	DSMAP_PLUGIN_ABI_MAJOR,
	DSMAP_PLUGIN_ABI_MINOR,
	sizeof(dsmap_plugin_descriptor),
	"postgres",
	"1.0",
	"reads the tables of a PostgreSQL database, read-only, streaming",
	"host             server host name or socket directory (default: $PGHOST, libpq's default)\n"
	"port             server port (default: $PGPORT, 5432)\n"
	"dbname           database (default: $PGDATABASE, the user name)\n"
	"user             user name (default: $PGUSER, the login name)\n"
	"password         password (default: $PGPASSWORD, ~/.pgpass)\n"
	"sslmode          disable, allow, prefer, require, verify-ca or verify-full (default: prefer)\n"
	"connect_timeout  seconds to wait for a connection (default: 10)\n"
	"conninfo         a libpq connection string or URI; the options above override it\n"
	"key              per source: the column that locates a row (default: a single-column "
	"primary key, else ctid); never an identifier or category field\n",
	pg_open,
	pg_scan,
	pg_lookup,
	pg_close
};

DSMAP_PLUGIN_EXPORT const dsmap_plugin_descriptor *dsmap_plugin_entry(void);

const dsmap_plugin_descriptor *dsmap_plugin_entry(void)
{
	return &descriptor;
}
