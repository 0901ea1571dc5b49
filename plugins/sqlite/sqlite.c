/*
 * sqlite: a plugin that reads the tables of an SQLite database file.
 *
 * The database is opened read-only and never created.  Each source names a
 * table; the plugin checks the table and every mapped column at open(),
 * prepares one SELECT per source, and streams its rows, one record a row.
 *
 * System options:
 *   path        the database file; a relative path is resolved against
 *               `directory` when given, else against the working directory
 *   directory   the directory a relative `path` is relative to
 * Source options:
 *   key         the column whose value locates a row (default: rowid); it
 *               must be neither an identifier nor a category field, since
 *               locators are stored and printed (DSMAP_PLUGIN_KEY_OPTION).
 *               Nor may the row id be one, when it is the alias of a column
 *               (an INTEGER PRIMARY KEY): then option key is needed.
 *
 * A record's locator is "<table>/<key value>".  Its `updated` time comes
 * from the source's timestamp column: ISO 8601 text (anything SQLite's date
 * functions read) or a number of seconds since the epoch.  A value that is
 * neither is a data error for that record.  An attribute field (ABI 1.1)
 * is reported as SQLite's text of its value (a number as its digits);
 * NULL as no value.
 */
#define _POSIX_C_SOURCE 200809L  /* strdup */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include <dsmap/plugin.h>

/* One source, checked and prepared. */
struct src {
	const dsmap_plugin_source *def;
	char *select;             /* "SELECT <columns> FROM <table>" */
	sqlite3_stmt *stmt;       /* the scan, prepared at open */
	char *prefix;             /* "<table>/" */
	size_t prefix_len;
	int ts_col;               /* the timestamp, or -1 */
	int attr_col;             /* the first attribute column; they follow each other */
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
	char *path;
	sqlite3 *db;
	struct src *srcs;
	sqlite3_stmt *epoch;      /* SQLite's own reading of a timestamp */
	/* Buffers reused from one record to the next. */
	dsmap_plugin_identifier *ids;
	dsmap_plugin_value *attrs;
	const char **cats;
	uint64_t *seen;           /* per flattened category: the stamp of the last record holding it */
	uint64_t stamp;
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

/* An SQL identifier: "name" with its double quotes doubled. */
static void buf_ident(struct buf *b, const char *name)
{
	const char *q;

	buf_add(b, "\"");
	while ((q = strchr(name, '"')) != NULL) {
		buf_addn(b, name, (size_t)(q - name) + 1);
		buf_add(b, "\"");
		name = q + 1;
	}
	buf_add(b, name);
	buf_add(b, "\"");
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

static const char *option(const dsmap_plugin_option *opts, size_t n, const char *key)
{
	const char *v = NULL;
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(opts[i].key, key) == 0)
			v = opts[i].value;
	return v;
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

/* The error code for a failed SQLite call. */
static int code_of(int sqlite_rc)
{
	switch (sqlite_rc & 0xff) {
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
	case SQLITE_FORMAT:
		return DSMAP_PLUGIN_EDATA;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_AUTH:
	case SQLITE_READONLY:
		return DSMAP_PLUGIN_ECONNECT;
	default:
		return DSMAP_PLUGIN_ERROR;
	}
}

static int is_rowid(const char *name)
{
	return sqlite3_stricmp(name, "rowid") == 0 || sqlite3_stricmp(name, "oid") == 0 ||
	       sqlite3_stricmp(name, "_rowid_") == 0;
}

/* The database file: `path`, resolved against `directory`. */
static int resolve_path(struct ctx *c)
{
	const char *path = option(c->config->options, c->config->option_count, "path");
	const char *dir = option(c->config->options, c->config->option_count, "directory");
	struct buf b = { NULL, 0, 0, 0 };

	if (path == NULL || *path == '\0')
		return fail(c, DSMAP_PLUGIN_ECONFIG, "option 'path' is required");
	if (path[0] != '/' && dir != NULL && *dir != '\0') {
		buf_add(&b, dir);
		if (b.p != NULL && b.p[b.len - 1] != '/')
			buf_add(&b, "/");
	} else if (path[0] != '/' && strncmp(path, "file:", 5) == 0) {
		/* This SQLite may read "file:..." as a URI: make it a plain path. */
		buf_add(&b, "./");
	}
	buf_add(&b, path);
	if (b.oom) {
		free(b.p);
		return oom(c);
	}
	c->path = b.p;
	return DSMAP_PLUGIN_OK;
}

static int connect_db(struct ctx *c)
{
	struct stat st;
	sqlite3_stmt *probe = NULL;
	int rc;

	if (stat(c->path, &st) != 0)
		return fail(c, DSMAP_PLUGIN_ECONNECT, "cannot open SQLite database '%s': %s", c->path,
		            strerror(errno));
	if (S_ISDIR(st.st_mode))
		return fail(c, DSMAP_PLUGIN_ECONNECT, "cannot open SQLite database '%s': %s", c->path,
		            strerror(EISDIR));
	/* One thread uses the connection: no mutex on every call. */
	rc = sqlite3_open_v2(c->path, &c->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		return fail(c, DSMAP_PLUGIN_ECONNECT, "cannot open SQLite database '%s': %s", c->path,
		            c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
	sqlite3_busy_timeout(c->db, 5000);
	/* The file is not ours: its schema may not run code on our behalf. */
#ifdef SQLITE_DBCONFIG_DEFENSIVE
	sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
#endif
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
	sqlite3_db_config(c->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
#endif
	/* Opening is lazy: read the schema now, so that a file that is not a
	 * database fails here. */
	rc = sqlite3_prepare_v2(c->db, "SELECT count(*) FROM sqlite_master", -1, &probe, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(probe);
	if (rc != SQLITE_OK && rc != SQLITE_ROW)
		rc = fail(c, DSMAP_PLUGIN_ECONNECT, "cannot open SQLite database '%s': %s", c->path,
		          sqlite3_errmsg(c->db));
	else
		rc = DSMAP_PLUGIN_OK;
	sqlite3_finalize(probe);
	return rc;
}

static void free_columns(char **cols)
{
	char **p;

	for (p = cols; p != NULL && *p != NULL; p++)
		free(*p);
	free(cols);
}

/* The table's columns, as a NULL-terminated array (*out NULL when there is
 * no such table). */
static int table_columns(struct ctx *c, const char *table, char ***out)
{
	sqlite3_stmt *st = NULL;
	char **cols = NULL, **p;
	size_t n = 0;
	int rc;

	*out = NULL;
	rc = sqlite3_prepare_v2(c->db, "SELECT name FROM pragma_table_info(?1)", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);

		if ((p = realloc(cols, (n + 2) * sizeof(*cols))) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		cols = p;
		cols[n] = NULL;
		if (name == NULL || (cols[n] = strdup(name)) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		cols[++n] = NULL;
		rc = SQLITE_OK;
	}
	if (rc == SQLITE_DONE) {
		*out = cols;
		cols = NULL;
		rc = DSMAP_PLUGIN_OK;
	} else if (rc == SQLITE_NOMEM) {
		rc = oom(c);
	} else {
		rc = fail(c, code_of(rc), "source %s: cannot read the table's columns: %s", table,
		          sqlite3_errmsg(c->db));
	}
	free_columns(cols);
	sqlite3_finalize(st);
	return rc;
}

static int has_column(char *const *cols, const char *name)
{
	for (; *cols != NULL; cols++)
		if (sqlite3_stricmp(*cols, name) == 0)
			return 1;
	return 0;
}

/* The column the row id of `table` is an alias of (its INTEGER PRIMARY
 * KEY), newly allocated into *out; NULL when it has none.  A table's
 * single primary key column is that alias exactly when SQLite made no index
 * for the key (any other primary key, and WITHOUT ROWID, has one). */
static int rowid_alias(struct ctx *c, const char *table, char **out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	rc = sqlite3_prepare_v2(c->db,
	                        "SELECT (SELECT count(*) FROM pragma_table_info(?1) WHERE pk > 0),"
	                        " (SELECT name FROM pragma_table_info(?1) WHERE pk > 0),"
	                        " (SELECT count(*) FROM pragma_index_list(?1) WHERE origin = 'pk')",
	                        -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);

		rc = DSMAP_PLUGIN_OK;
		if (sqlite3_column_int(st, 0) == 1 && sqlite3_column_int(st, 2) == 0 &&
		    (name == NULL || (*out = strdup(name)) == NULL))
			rc = oom(c);
	} else {
		rc = fail(c, code_of(rc), "source %s: cannot read the table's primary key: %s", table,
		          sqlite3_errmsg(c->db));
	}
	sqlite3_finalize(st);
	return rc;
}

/* What a column is to the source when it maps it as personal ("an
 * identifier field", "a category field"), or NULL.  Compared as SQLite
 * resolves names: ASCII case ignored. */
static const char *personal(const dsmap_plugin_source *d, const char *column)
{
	size_t i;

	for (i = 0; i < d->id_field_count; i++)
		if (sqlite3_stricmp(column, d->id_fields[i].field) == 0)
			return "an identifier field";
	for (i = 0; i < d->category_field_count; i++)
		if (sqlite3_stricmp(column, d->category_fields[i].field) == 0)
			return "a category field";
	return NULL;
}

/* A locator is stored and printed: refuse a key whose values the source
 * maps as personal, whether named by option key or reached through the row
 * id (the default, or key: rowid) when that is the alias of such a column. */
static int check_key(struct ctx *c, const dsmap_plugin_source *d, const char *key,
                     char *const *cols)
{
	char *alias = NULL;
	const char *what;
	int rc;

	if (key != NULL && has_column(cols, key)) {
		if ((what = personal(d, key)) == NULL)
			return DSMAP_PLUGIN_OK;
		return fail(c, DSMAP_PLUGIN_ECONFIG, "source %s: option key: column '%s' is %s, "
		            "and a locator must hold no personal data (it is stored and printed by "
		            "locate): name a column that is neither an identifier nor a category field",
		            d->name, key, what);
	}
	if ((rc = rowid_alias(c, d->name, &alias)) != 0)
		return rc;
	if (alias != NULL && (what = personal(d, alias)) != NULL)
		rc = fail(c, DSMAP_PLUGIN_ECONFIG, "source %s: %s%s%s is column '%s' (the table's "
		          "INTEGER PRIMARY KEY), %s, and a locator must hold no personal data (it is "
		          "stored and printed by locate): set option key to a column that is neither an "
		          "identifier nor a category field", d->name,
		          key != NULL ? "option key: '" : "the row id, the default locator,",
		          key != NULL ? key : "", key != NULL ? "'" : "", alias, what);
	free(alias);
	return rc;
}

/* Check the source against its table and build its SELECT. */
static int prepare_source(struct ctx *c, struct src *s, size_t *max_cats)
{
	const dsmap_plugin_source *d = s->def;
	const char *key = option(d->options, d->option_count, DSMAP_PLUGIN_KEY_OPTION);
	const char *missing = NULL;
	char **cols = NULL;
	struct buf b = { NULL, 0, 0, 0 };
	size_t i, j, k, n;
	int rc, col;

	if (d->name == NULL || *d->name == '\0')
		return fail(c, DSMAP_PLUGIN_ECONFIG, "a source has no table name");
	if ((rc = table_columns(c, d->name, &cols)) != 0)
		return rc;
	if (cols == NULL) {
		rc = fail(c, DSMAP_PLUGIN_ECONFIG, "source %s: no table '%s'", d->name, d->name);
		goto done;
	}
	for (i = 0; missing == NULL && i < d->id_field_count; i++)
		if (!has_column(cols, d->id_fields[i].field))
			missing = d->id_fields[i].field;
	for (i = 0; missing == NULL && i < d->category_field_count; i++)
		if (!has_column(cols, d->category_fields[i].field))
			missing = d->category_fields[i].field;
	if (missing == NULL && d->timestamp_field != NULL && !has_column(cols, d->timestamp_field))
		missing = d->timestamp_field;
	if (d->attribute_field_count > 0 && d->attribute_fields == NULL) {
		rc = fail(c, DSMAP_PLUGIN_ECONFIG, "source %s: attribute fields without names", d->name);
		goto done;
	}
	for (i = 0; missing == NULL && i < d->attribute_field_count; i++)
		if (d->attribute_fields[i] == NULL || !has_column(cols, d->attribute_fields[i]))
			missing = d->attribute_fields[i] ? d->attribute_fields[i] : "";
	if (missing == NULL && key != NULL && !has_column(cols, key) && !is_rowid(key))
		missing = key;
	if (missing != NULL) {
		rc = fail(c, DSMAP_PLUGIN_ECONFIG, "source %s: no column '%s'", d->name, missing);
		goto done;
	}
	if ((rc = check_key(c, d, key, cols)) != 0)
		goto done;

	/* SELECT ids..., categories..., [timestamp,] attributes..., key FROM table */
	buf_add(&b, "SELECT ");
	col = 0;
	for (i = 0; i < d->id_field_count; i++, col++) {
		buf_ident(&b, d->id_fields[i].field);
		buf_add(&b, ", ");
	}
	for (i = 0; i < d->category_field_count; i++, col++) {
		buf_ident(&b, d->category_fields[i].field);
		buf_add(&b, ", ");
	}
	s->ts_col = -1;
	if (d->timestamp_field != NULL) {
		buf_ident(&b, d->timestamp_field);
		buf_add(&b, ", ");
		s->ts_col = col++;
	}
	s->attr_col = col;
	for (i = 0; i < d->attribute_field_count; i++, col++) {
		buf_ident(&b, d->attribute_fields[i]);
		buf_add(&b, ", ");
	}
	if (key == NULL)
		buf_add(&b, "rowid");
	else if (!has_column(cols, key))
		buf_add(&b, key);       /* rowid, oid or _rowid_: checked above */
	else
		buf_ident(&b, key);
	s->key_col = col;
	buf_add(&b, " FROM ");
	buf_ident(&b, d->name);
	if (b.oom) {
		rc = oom(c);
		goto done;
	}
	s->select = b.p;
	b.p = NULL;

	rc = sqlite3_prepare_v3(c->db, s->select, -1, SQLITE_PREPARE_PERSISTENT, &s->stmt, NULL);
	if (rc != SQLITE_OK) {
		rc = fail(c, DSMAP_PLUGIN_ECONFIG, "source %s: cannot read the table: %s%s", d->name,
		          sqlite3_errmsg(c->db),
		          key == NULL ? " (a view or a table WITHOUT ROWID needs option key)" : "");
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
	s->cat_base[i] = k;
	if (n > *max_cats)
		*max_cats = n;
	rc = DSMAP_PLUGIN_OK;
done:
	free(b.p);
	free_columns(cols);
	return rc;
}

static void sqlite_close(void *ctx)
{
	struct ctx *c = ctx;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; c->srcs != NULL && i < c->config->source_count; i++) {
		sqlite3_finalize(c->srcs[i].stmt);
		free(c->srcs[i].select);
		free(c->srcs[i].prefix);
		free(c->srcs[i].cat_base);
		free(c->srcs[i].canon);
		free(c->srcs[i].flat);
	}
	free(c->srcs);
	sqlite3_finalize(c->epoch);
	sqlite3_close_v2(c->db);
	free(c->path);
	free(c->ids);
	free(c->attrs);
	free(c->cats);
	free(c->seen);
	free(c->loc);
	free(c);
}

static int sqlite_open(void **out, dsmap_plugin_host *host, const dsmap_plugin_config *config)
{
	static const char *const known[] = { "path", "directory", NULL };
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
	if ((rc = check_options(c, NULL, config->options, config->option_count, known)) != 0 ||
	    (rc = resolve_path(c)) != 0)
		goto done;
	/* Every source's options before the database: a typo is a typo
	 * whether or not the file is there. */
	for (i = 0; i < config->source_count; i++) {
		static const char *const src_known[] = { DSMAP_PLUGIN_KEY_OPTION, NULL };
		const dsmap_plugin_source *d = &config->sources[i];

		if ((rc = check_options(c, d, d->options, d->option_count, src_known)) != 0)
			goto done;
	}
	if ((rc = connect_db(c)) != 0)
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
	rc = sqlite3_prepare_v3(c->db, sqlite3_libversion_number() >= 3038000 ?
	                        "SELECT unixepoch(?1)" : "SELECT CAST(strftime('%s', ?1) AS INTEGER)",
	                        -1, SQLITE_PREPARE_PERSISTENT, &c->epoch, NULL);
	if (rc != SQLITE_OK) {
		rc = fail(c, DSMAP_PLUGIN_ERROR, "cannot prepare a query: %s", sqlite3_errmsg(c->db));
		goto done;
	}
	c->ids = calloc(max_ids + 1, sizeof(*c->ids));
	c->attrs = calloc(max_attrs + 1, sizeof(*c->attrs));
	c->cats = calloc(max_cats + 1, sizeof(*c->cats));
	c->seen = calloc(max_cats + 1, sizeof(*c->seen));
	c->loc_size = 256;
	c->loc = malloc(c->loc_size);
	if (c->ids == NULL || c->attrs == NULL || c->cats == NULL || c->seen == NULL ||
	    c->loc == NULL) {
		rc = oom(c);
		goto done;
	}
	*out = c;
	c = NULL;
	rc = DSMAP_PLUGIN_OK;
done:
	sqlite_close(c);
	return rc;
}

/* The timestamp in column `col`, in seconds since the epoch: 0 when NULL
 * or '', a number as it is, text as SQLite's date functions read it.
 * Returns 0, 1 when the value is not a date, or an error. */
static int timestamp(struct ctx *c, sqlite3_stmt *st, int col, int64_t *out)
{
	const unsigned char *v;
	double f;
	int len, rc;

	*out = 0;
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_NULL:
		return 0;
	case SQLITE_INTEGER:
		*out = sqlite3_column_int64(st, col);
		return 0;
	case SQLITE_FLOAT:
		/* As CAST(x AS INTEGER): toward zero, saturating. */
		f = sqlite3_column_double(st, col);
		*out = f >= 9223372036854775807.0 ? INT64_MAX :
		       f <= -9223372036854775808.0 ? INT64_MIN : (int64_t)f;
		return 0;
	default:
		break;
	}
	v = sqlite3_column_text(st, col);
	len = sqlite3_column_bytes(st, col);
	if (len == 0)
		return v == NULL && sqlite3_errcode(c->db) == SQLITE_NOMEM ? oom(c) : 0;
	sqlite3_reset(c->epoch);
	if (sqlite3_bind_text(c->epoch, 1, (const char *)v, len, SQLITE_STATIC) != SQLITE_OK ||
	    (rc = sqlite3_step(c->epoch)) != SQLITE_ROW) {
		rc = fail(c, DSMAP_PLUGIN_ERROR, "cannot read a timestamp: %s", sqlite3_errmsg(c->db));
		sqlite3_reset(c->epoch);
		return rc;
	}
	rc = sqlite3_column_type(c->epoch, 0) == SQLITE_NULL;
	*out = rc ? 0 : sqlite3_column_int64(c->epoch, 0);
	sqlite3_reset(c->epoch);
	return rc;
}

/* Report the current row of `st` as record `number` of source `s`.
 * Returns 0, or the error to stop with. */
static int emit(struct ctx *c, struct src *s, sqlite3_stmt *st, uint64_t number,
                dsmap_plugin_record_fn record, dsmap_plugin_reject_fn reject, void *payload)
{
	const dsmap_plugin_source *d = s->def;
	dsmap_plugin_record rec;
	const unsigned char *v;
	size_t i, j, nids = 0, ncats = 0, need;
	uint64_t stamp;
	int col, len, rc;

	memset(&rec, 0, sizeof(rec));
	if (s->ts_col >= 0 && (rc = timestamp(c, st, s->ts_col, &rec.updated)) != 0) {
		if (rc != 1)
			return rc;
		snprintf(c->reason, sizeof(c->reason), "row %" PRIu64
		         ": timestamp column '%s' is not a date", number, d->timestamp_field);
		if (reject == NULL)
			return fail(c, DSMAP_PLUGIN_EDATA, "source %s: %s", d->name, c->reason);
		return reject(d, number, c->reason, payload) != 0 ? DSMAP_PLUGIN_ESTOP : 0;
	}

	for (i = 0, col = 0; i < d->id_field_count; i++, col++) {
		if (sqlite3_column_type(st, col) == SQLITE_NULL)
			continue;
		v = sqlite3_column_text(st, col);
		len = sqlite3_column_bytes(st, col);
		if (v == NULL || len == 0) {
			if (sqlite3_errcode(c->db) == SQLITE_NOMEM)
				return oom(c);
			continue;
		}
		c->ids[nids].kind = d->id_fields[i].kind;
		c->ids[nids].value = (const char *)v;
		c->ids[nids].len = (size_t)len;
		nids++;
	}

	stamp = ++c->stamp;
	for (i = 0; i < d->category_field_count; i++, col++) {
		int type = sqlite3_column_type(st, col);

		if (type == SQLITE_NULL ||
		    ((type == SQLITE_TEXT || type == SQLITE_BLOB) && sqlite3_column_bytes(st, col) == 0))
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
		c->attrs[i].value = NULL;
		c->attrs[i].len = 0;
		if (sqlite3_column_type(st, col) == SQLITE_NULL)
			continue;
		v = sqlite3_column_text(st, col);
		len = sqlite3_column_bytes(st, col);
		if (v == NULL && sqlite3_errcode(c->db) == SQLITE_NOMEM)
			return oom(c);
		c->attrs[i].value = v != NULL ? (const char *)v : "";
		c->attrs[i].len = v != NULL ? (size_t)len : 0;
	}

	v = sqlite3_column_text(st, s->key_col);
	len = sqlite3_column_bytes(st, s->key_col);
	need = s->prefix_len + (size_t)len;
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
	if (len > 0)
		memcpy(c->loc + s->prefix_len, v, (size_t)len);

	rec.source = d;
	rec.number = number;
	rec.identifier_count = nids;
	rec.identifiers = c->ids;
	rec.category_count = ncats;
	rec.categories = c->cats;
	rec.locator = c->loc;
	rec.locator_len = need;
	rec.attribute_count = d->attribute_field_count;
	rec.attributes = c->attrs;
	return record(&rec, payload) != 0 ? DSMAP_PLUGIN_ESTOP : 0;
}

/* Step `st` to the end, reporting each row. */
static int run(struct ctx *c, struct src *s, sqlite3_stmt *st, dsmap_plugin_record_fn record,
               dsmap_plugin_reject_fn reject, void *payload)
{
	uint64_t number = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = emit(c, s, st, ++number, record, reject, payload)) != 0)
			return rc;
	if (rc != SQLITE_DONE)
		return fail(c, code_of(rc), "source %s: cannot read row %" PRIu64 ": %s", s->def->name,
		            number + 1, sqlite3_errmsg(c->db));
	return DSMAP_PLUGIN_OK;
}

static int sqlite_scan(void *ctx, dsmap_plugin_record_fn record, dsmap_plugin_reject_fn reject,
                       void *payload)
{
	struct ctx *c = ctx;
	size_t i;
	int rc = DSMAP_PLUGIN_OK;

	for (i = 0; rc == 0 && i < c->config->source_count; i++) {
		sqlite3_stmt *st = c->srcs[i].stmt;

		sqlite3_reset(st);
		rc = run(c, &c->srcs[i], st, record, reject, payload);
		sqlite3_reset(st);
	}
	return rc;
}

static int sqlite_lookup(void *ctx, size_t identifier_count,
                         const dsmap_plugin_identifier *identifiers,
                         dsmap_plugin_record_fn record, void *payload)
{
	struct ctx *c = ctx;
	size_t i, f, k;
	int rc = DSMAP_PLUGIN_OK;

	for (i = 0; rc == 0 && i < c->config->source_count; i++) {
		struct src *s = &c->srcs[i];
		const dsmap_plugin_source *d = s->def;
		struct buf b = { NULL, 0, 0, 0 };
		sqlite3_stmt *st = NULL;
		int param = 0, any = 0;

		/* WHERE f1 IN (?, ...) OR f2 IN (...): each id field against the
		 * given values of its kind. */
		buf_add(&b, s->select);
		buf_add(&b, " WHERE ");
		for (f = 0; f < d->id_field_count; f++) {
			int first = 1;

			for (k = 0; k < identifier_count; k++) {
				/* '' is no identifier: a scan never reports one. */
				if (identifiers[k].kind != d->id_fields[f].kind || identifiers[k].len == 0)
					continue;
				if (first) {
					if (any)
						buf_add(&b, " OR ");
					buf_ident(&b, d->id_fields[f].field);
					buf_add(&b, " IN (?");
				} else {
					buf_add(&b, ", ?");
				}
				first = 0;
				any = 1;
			}
			if (!first)
				buf_add(&b, ")");
		}
		if (!any) {
			free(b.p);
			continue;
		}
		if (b.oom) {
			free(b.p);
			return oom(c);
		}
		if (sqlite3_prepare_v2(c->db, b.p, -1, &st, NULL) != SQLITE_OK) {
			rc = fail(c, DSMAP_PLUGIN_ERROR, "source %s: cannot prepare the lookup: %s",
			          d->name, sqlite3_errmsg(c->db));
			free(b.p);
			return rc;
		}
		free(b.p);
		for (f = 0; rc == 0 && f < d->id_field_count; f++)
			for (k = 0; rc == 0 && k < identifier_count; k++)
				if (identifiers[k].kind == d->id_fields[f].kind && identifiers[k].len > 0 &&
				    sqlite3_bind_text64(st, ++param, identifiers[k].value,
				                        identifiers[k].len, SQLITE_STATIC,
				                        SQLITE_UTF8) != SQLITE_OK)
					rc = fail(c, DSMAP_PLUGIN_ERROR, "source %s: cannot bind the lookup: %s",
					          d->name, sqlite3_errmsg(c->db));
		if (rc == 0)
			rc = run(c, s, st, record, NULL, payload);
		sqlite3_finalize(st);
	}
	return rc;
}

static const dsmap_plugin_descriptor descriptor = {
	DSMAP_PLUGIN_ABI_MAJOR,
	DSMAP_PLUGIN_ABI_MINOR,
	sizeof(dsmap_plugin_descriptor),
	"sqlite",
	"1.0",
	"reads the tables of an SQLite database file, read-only",
	"path       the database file (required; never created)\n"
	"directory  what a relative path is relative to (default: the working directory)\n"
	"key        per source: the column that locates a row (default: rowid); never an "
	"identifier or category field\n",
	sqlite_open,
	sqlite_scan,
	sqlite_lookup,
	sqlite_close
};

DSMAP_PLUGIN_EXPORT const dsmap_plugin_descriptor *dsmap_plugin_entry(void);

const dsmap_plugin_descriptor *dsmap_plugin_entry(void)
{
	return &descriptor;
}
