/*
 * csv: a plugin that reads CSV files, with libcsv.
 *
 * Each source is one file, named by its path (relative to the `directory`
 * option when there is one, else to the working directory).  The first row
 * names the columns, unless header=false: then columns are named by their
 * 1-based number ("1", "2", ...).  Every other row is a record; its
 * locator is "<source name>:<line>", the physical line the row starts on
 * (a quoted field may span lines).
 *
 * The parser is libcsv in strict mode: a quote inside an unquoted field, a
 * character after a closing quote, or a quoted field still open at the end
 * of the file is malformed.  As libcsv does, spaces and tabs (unless the
 * tab is the delimiter) around an unquoted field, and between a closing
 * quote and the delimiter, are not part of the value; blank lines between
 * records are skipped.  A UTF-8 byte order mark is skipped; line endings
 * may be "\n" or "\r\n".
 *
 * A row with another number of fields than the header (or, without header,
 * than the first row), a malformed row, a line longer than 16 MiB or an
 * unreadable timestamp is a broken record: it goes to reject() when the
 * host gave one, else it fails the scan with DSMAP_PLUGIN_EDATA.  A broken
 * header always fails.  A field the definition names that is not in the
 * header fails open() with DSMAP_PLUGIN_ECONFIG.  Memory does not depend on
 * the size of a file: it is read line by line, and only the fields the
 * definition names are kept, in buffers reused from row to row.
 *
 * Options (per source, else per system):
 *   directory  base directory for relative file names
 *   delimiter  one character, or tab, comma, semicolon, pipe (default ',')
 *   quote      one character (default '"')
 *   header     true or false (default true)
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>
#include <dsmap/plugin.h>

#include "../common/fsrc.h"

struct source {
	const dsmap_plugin_source *src;
	char *path;
	unsigned char delim;
	unsigned char quote;
	int header;
	dsmap_fsrc_fields fields;
	size_t *slot_col;     /* header=false: the 0-based column of each slot */
	size_t col_count;     /* header=false: 1 + the largest of slot_col */
	dsmap_fsrc_locator loc;
};

struct ctx {
	dsmap_plugin_host *host;
	const dsmap_plugin_config *config;
	size_t source_count;
	struct source *sources;
};

enum { PHASE_HEADER, PHASE_FIRST, PHASE_DATA };

/* A pass over a file that has done what it was asked (read the header). */
#define PASS_DONE 1

/* One reading of one file: everything libcsv's callbacks need. */
struct pass {
	struct ctx *c;
	struct source *s;
	struct csv_parser parser;
	int parser_ready;
	dsmap_fsrc_reader reader;
	int header_only;          /* open(): stop after the header (or first row) */
	int phase;
	size_t ncols;             /* fields a row must have, once known */
	ptrdiff_t *colslot;       /* per column: the slot it fills, or -1 */
	size_t colslot_size;

	/* The row being read. */
	size_t nfields;
	char *buf;                /* the fields kept, back to back */
	size_t len, cap;
	size_t *name_off, *name_len, names_cap;   /* PHASE_HEADER: every field */
	size_t *slot_off, *slot_len;              /* PHASE_DATA: per slot */
	int in_row;
	uint64_t row_line;        /* the line it starts on */
	size_t row_bytes;

	uint64_t number;          /* records so far, broken ones included */
	uint64_t line;            /* the line being parsed */
	dsmap_plugin_record_fn record;
	dsmap_plugin_reject_fn reject;
	void *payload;
	int rc;                   /* set by a callback: stop the pass */
};

#define SYS(c) dsmap_fsrc__system((c)->config)
#define BAD(p, number, ...) \
	dsmap_fsrc__bad_record((p)->c->host, (p)->c->config, (p)->s->src, (number), \
	                       (p)->reject, (p)->payload, __VA_ARGS__)

static const char *const known_options[] = { "directory", "delimiter", "quote", "header", NULL };

/* ---- options ------------------------------------------------------------ */

static int char_option(struct ctx *c, const dsmap_plugin_source *src, const char *key,
                       unsigned char dflt, int words, unsigned char *out)
{
	static const struct { const char *word; unsigned char c; } names[] = {
		{ "tab", '\t' }, { "comma", ',' }, { "semicolon", ';' }, { "pipe", '|' }
	};
	const char *v = dsmap_fsrc__option(c->config, src, key);
	size_t i;

	*out = dflt;
	if (v == NULL)
		return DSMAP_PLUGIN_OK;
	for (i = 0; words && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(v, names[i].word) == 0) {
			*out = names[i].c;
			return DSMAP_PLUGIN_OK;
		}
	if (strlen(v) != 1 || v[0] == '\r' || v[0] == '\n') {
		c->host->set_error(c->host, "system %s: source %s: option %s: '%s' is not %s", SYS(c),
		                   src->name, key, v,
		                   words ? "one character, tab, comma, semicolon or pipe"
		                         : "one character");
		return DSMAP_PLUGIN_ECONFIG;
	}
	*out = (unsigned char)v[0];
	return DSMAP_PLUGIN_OK;
}

/* header=false: the 0-based column a field's name ("1", "2", ...) stands for. */
static int column_number(const char *name, size_t *out)
{
	size_t n = 0;
	const char *p;

	if (name[0] < '1' || name[0] > '9')
		return -1;
	for (p = name; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || n > 1000000)
			return -1;
		n = n * 10 + (size_t)(*p - '0');
	}
	*out = n - 1;
	return 0;
}

static int setup_source(struct ctx *c, struct source *s, const dsmap_plugin_source *src)
{
	const char *header;
	size_t i;
	int rc;

	s->src = src;
	if ((rc = char_option(c, src, "delimiter", ',', 1, &s->delim)) != 0 ||
	    (rc = char_option(c, src, "quote", '"', 0, &s->quote)) != 0)
		return rc;
	if (s->quote == ' ' || s->quote == '\t') {
		c->host->set_error(c->host, "system %s: source %s: option quote: a space or a tab cannot be the quote",
		                   SYS(c), src->name);
		return DSMAP_PLUGIN_ECONFIG;
	}
	if (s->delim == s->quote) {
		c->host->set_error(c->host, "system %s: source %s: the delimiter and the quote are the same",
		                   SYS(c), src->name);
		return DSMAP_PLUGIN_ECONFIG;
	}
	header = dsmap_fsrc__option(c->config, src, "header");
	if (header == NULL || strcmp(header, "true") == 0) {
		s->header = 1;
	} else if (strcmp(header, "false") == 0) {
		s->header = 0;
	} else {
		c->host->set_error(c->host, "system %s: source %s: option header: '%s' is neither true nor false",
		                   SYS(c), src->name, header);
		return DSMAP_PLUGIN_ECONFIG;
	}
	if ((rc = dsmap_fsrc__fields_init(&s->fields, c->host, c->config, src)) != 0)
		return rc;
	if (!s->header) {
		if ((s->slot_col = calloc(s->fields.slot_count + 1, sizeof(*s->slot_col))) == NULL)
			goto oom;
		for (i = 0; i < s->fields.slot_count; i++) {
			if (column_number(s->fields.slot_names[i], &s->slot_col[i]) != 0) {
				c->host->set_error(c->host,
				                   "system %s: source %s: field '%s' is not a column number (1, 2, ...), "
				                   "and the file has no header",
				                   SYS(c), src->name, s->fields.slot_names[i]);
				return DSMAP_PLUGIN_ECONFIG;
			}
			if (s->slot_col[i] + 1 > s->col_count)
				s->col_count = s->slot_col[i] + 1;
		}
	}
	if ((s->path = dsmap_fsrc__path(c->config, src)) == NULL ||
	    dsmap_fsrc__locator_init(&s->loc, src->name) != 0)
		goto oom;
	return DSMAP_PLUGIN_OK;
oom:
	c->host->set_error(c->host, "out of memory");
	return DSMAP_PLUGIN_ERROR;
}

/* ---- rows ----------------------------------------------------------------- */

static int oom(struct pass *p)
{
	p->c->host->set_error(p->c->host, "out of memory");
	return DSMAP_PLUGIN_ERROR;
}

/* Keep `n` bytes of a field; *off is where they are in p->buf. */
static int keep(struct pass *p, const void *data, size_t n, size_t *off)
{
	if (p->cap - p->len < n) {
		size_t cap = p->cap * 2 > p->len + n ? p->cap * 2 : p->len + n + 256;
		char *b = realloc(p->buf, cap);

		if (b == NULL)
			return oom(p);
		p->buf = b;
		p->cap = cap;
	}
	if (n > 0)
		memcpy(p->buf + p->len, data, n);
	*off = p->len;
	p->len += n;
	return 0;
}

static void start_row(struct pass *p)
{
	p->in_row = 1;
	p->row_line = p->line;
	p->row_bytes = 0;
}

/* libcsv: the end of a field. */
static void on_field(void *data, size_t n, void *arg)
{
	struct pass *p = arg;
	size_t col;

	if (p->rc != 0)
		return;
	if (!p->in_row)
		start_row(p);   /* a second row on one line, after a lone '\r' */
	col = p->nfields++;
	if (p->phase == PHASE_HEADER) {
		if (col == p->names_cap) {
			size_t cap = p->names_cap > 0 ? p->names_cap * 2 : 64;
			size_t *o = realloc(p->name_off, cap * sizeof(*o)), *l;

			if (o != NULL)
				p->name_off = o;
			if (o == NULL || (l = realloc(p->name_len, cap * sizeof(*l))) == NULL) {
				p->rc = oom(p);
				return;
			}
			p->name_len = l;
			p->names_cap = cap;
		}
		p->name_len[col] = n;
		p->rc = keep(p, data, n, &p->name_off[col]);
	} else if (col < p->colslot_size && p->colslot[col] >= 0) {
		size_t slot = (size_t)p->colslot[col];

		p->slot_len[slot] = n;
		p->rc = keep(p, data, n, &p->slot_off[slot]);
	}
}

static int header_row(struct pass *p)
{
	const dsmap_fsrc_fields *f = &p->s->fields;
	size_t i, col;

	free(p->colslot);
	if ((p->colslot = malloc((p->nfields + 1) * sizeof(*p->colslot))) == NULL)
		return oom(p);
	p->colslot_size = p->ncols = p->nfields;
	for (col = 0; col < p->ncols; col++)
		p->colslot[col] = -1;
	for (i = 0; i < f->slot_count; i++) {
		size_t n = strlen(f->slot_names[i]);

		for (col = 0; col < p->ncols; col++)
			if (p->name_len[col] == n && memcmp(p->buf + p->name_off[col], f->slot_names[i], n) == 0)
				break;
		if (col == p->ncols) {
			p->c->host->set_error(p->c->host, "system %s: source %s: no column '%s' in the header",
			                      SYS(p->c), p->s->src->name, f->slot_names[i]);
			return DSMAP_PLUGIN_ECONFIG;
		}
		p->colslot[col] = (ptrdiff_t)i;
	}
	p->phase = PHASE_DATA;
	return p->header_only ? PASS_DONE : 0;
}

/* header=false: the first row says how many fields a row has. */
static int first_row(struct pass *p)
{
	const dsmap_fsrc_fields *f = &p->s->fields;
	size_t i;

	p->ncols = p->nfields;
	for (i = 0; i < f->slot_count; i++)
		if (p->s->slot_col[i] >= p->ncols) {
			p->c->host->set_error(p->c->host,
			                      "system %s: source %s: no column '%s': the first row has %zu fields",
			                      SYS(p->c), p->s->src->name, f->slot_names[i], p->ncols);
			return DSMAP_PLUGIN_ECONFIG;
		}
	p->phase = PHASE_DATA;
	return p->header_only ? PASS_DONE : 0;
}

static int data_row(struct pass *p)
{
	const dsmap_plugin_source *src = p->s->src;
	dsmap_fsrc_fields *f = &p->s->fields;
	uint64_t number = ++p->number;
	dsmap_plugin_record rec;
	int64_t updated = 0;
	size_t i, slot;

	if (p->nfields != p->ncols)
		return BAD(p, number, "line %llu: %zu field%s, the %s has %zu",
		           (unsigned long long)p->row_line, p->nfields, p->nfields == 1 ? "" : "s",
		           p->s->header ? "header" : "first row", p->ncols);
	dsmap_fsrc__record_begin(f);
	for (i = 0; i < src->id_field_count; i++) {
		slot = f->id_slot[i];
		if (p->slot_len[slot] > 0) {
			dsmap_plugin_identifier *id = &f->ids[f->id_count++];

			id->kind = src->id_fields[i].kind;
			id->value = p->buf + p->slot_off[slot];
			id->len = p->slot_len[slot];
		}
	}
	for (i = 0; i < src->category_field_count; i++)
		if (p->slot_len[f->cat_slot[i]] > 0)
			dsmap_fsrc__add_categories(f, src, i);
	for (i = 0; i < f->attr_count; i++) {
		/* every row has every column: an empty field is an empty value */
		slot = f->attr_slot[i];
		f->attrs[i].value = p->slot_len[slot] > 0 ? p->buf + p->slot_off[slot] : "";
		f->attrs[i].len = p->slot_len[slot];
	}
	if (f->has_ts && p->slot_len[f->ts_slot] > 0 &&
	    dsmap_fsrc__parse_time(p->buf + p->slot_off[f->ts_slot], p->slot_len[f->ts_slot],
	                           &updated) != 0)
		return BAD(p, number, "line %llu: field '%s' is not a timestamp",
		           (unsigned long long)p->row_line, src->timestamp_field);
	dsmap_fsrc__locator_set(&p->s->loc, p->row_line);

	memset(&rec, 0, sizeof(rec));
	rec.source = src;
	rec.number = number;
	rec.identifier_count = f->id_count;
	rec.identifiers = f->ids;
	rec.category_count = f->cat_count;
	rec.categories = f->cats;
	rec.locator = p->s->loc.buf;
	rec.locator_len = p->s->loc.len;
	rec.updated = updated;
	rec.attribute_count = f->attr_count;
	rec.attributes = f->attrs;
	return p->record(&rec, p->payload) != 0 ? DSMAP_PLUGIN_ESTOP : 0;
}

/* libcsv: the end of a row. */
static void on_row(int term, void *arg)
{
	struct pass *p = arg;

	(void)term;
	if (p->rc != 0)
		return;
	p->in_row = 0;
	switch (p->phase) {
	case PHASE_HEADER:
		p->rc = header_row(p);
		break;
	case PHASE_FIRST:
		if ((p->rc = first_row(p)) == 0)
			p->rc = data_row(p);
		break;
	default:
		p->rc = data_row(p);
		break;
	}
	p->nfields = 0;
	p->len = 0;
}

/* ---- a pass over a file ------------------------------------------------- */

static void parser_init(struct pass *p)
{
	if (p->parser_ready)
		csv_free(&p->parser);
	csv_init(&p->parser, CSV_STRICT | CSV_STRICT_FINI);
	csv_set_delim(&p->parser, p->s->delim);
	csv_set_quote(&p->parser, p->s->quote);
	csv_set_blk_size(&p->parser, 64 * 1024);
	p->parser_ready = 1;
}

/* The row being read cannot be: report it, and start afresh on the next
 * line.  Returns 0 to go on, or the code that ends the pass. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int broken(struct pass *p, const char *fmt, ...)
{
	char reason[256];
	va_list ap;
	int rc = 0;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (p->phase == PHASE_HEADER) {
		p->c->host->set_error(p->c->host, "system %s: source %s: the header: %s", SYS(p->c),
		                      p->s->src->name, reason);
		return DSMAP_PLUGIN_EDATA;
	}
	/* Before the first row, open() leaves what is broken to scan(). */
	if (!(p->header_only && p->phase == PHASE_FIRST))
		rc = BAD(p, ++p->number, "%s", reason);
	p->in_row = 0;
	p->nfields = 0;
	p->len = 0;
	parser_init(p);
	return rc;
}

/* A line with nothing libcsv would make a row of. */
static int blank(const struct source *s, const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char ch = line[i];

		if (ch != '\r' && ch != '\n' && !((ch == ' ' || ch == '\t') && ch != (char)s->delim))
			return 0;
	}
	return 1;
}

static int pass_run(struct ctx *c, struct source *s, int header_only,
                    dsmap_plugin_record_fn record, dsmap_plugin_reject_fn reject, void *payload)
{
	const size_t nslots = s->fields.slot_count + 1;
	struct pass p;
	const char *line;
	size_t len, n, i;
	int rc, r;

	memset(&p, 0, sizeof(p));
	p.c = c;
	p.s = s;
	p.header_only = header_only;
	p.record = record;
	p.reject = reject;
	p.payload = payload;
	p.phase = s->header ? PHASE_HEADER : PHASE_FIRST;
	p.slot_off = calloc(nslots, sizeof(*p.slot_off));
	p.slot_len = calloc(nslots, sizeof(*p.slot_len));
	if (p.slot_off == NULL || p.slot_len == NULL) {
		rc = oom(&p);
		goto done;
	}
	if (!s->header) {
		if ((p.colslot = malloc((s->col_count + 1) * sizeof(*p.colslot))) == NULL) {
			rc = oom(&p);
			goto done;
		}
		p.colslot_size = s->col_count;
		for (i = 0; i < s->col_count; i++)
			p.colslot[i] = -1;
		for (i = 0; i < s->fields.slot_count; i++)
			p.colslot[s->slot_col[i]] = (ptrdiff_t)i;
	}
	if ((r = dsmap_fsrc__reader_open(&p.reader, s->path)) != 0) {
		c->host->set_error(c->host, "system %s: source %s: cannot open %s: %s", SYS(c),
		                   s->src->name, s->path, strerror(r));
		rc = DSMAP_PLUGIN_ECONNECT;
		goto done;
	}
	parser_init(&p);

	for (;;) {
		r = dsmap_fsrc__reader_next(&p.reader, &line, &len);
		if (r == DSMAP_FSRC_EOF)
			break;
		p.line = p.reader.line;
		if (r == DSMAP_FSRC_ELONG) {
			if (!p.in_row)
				start_row(&p);
			if ((rc = broken(&p, "line %llu: longer than 16 MiB",
			                 (unsigned long long)p.line)) != 0)
				goto done;
			continue;
		}
		if (r == DSMAP_FSRC_EIO) {
			c->host->set_error(c->host, "system %s: source %s: cannot read %s: %s", SYS(c),
			                   s->src->name, s->path, strerror(errno));
			rc = DSMAP_PLUGIN_ERROR;
			goto done;
		}
		if (r == DSMAP_FSRC_ENOMEM) {
			rc = oom(&p);
			goto done;
		}
		if (!p.in_row) {
			if (blank(s, line, len))
				continue;
			start_row(&p);
		}
		p.row_bytes += len;
		if (p.row_bytes > DSMAP_FSRC_MAX_LINE) {
			if ((rc = broken(&p, "line %llu: a record longer than 16 MiB starts here",
			                 (unsigned long long)p.row_line)) != 0)
				goto done;
			continue;
		}
		n = csv_parse(&p.parser, line, len, on_field, on_row, &p);
		if (p.rc != 0) {
			rc = p.rc;
			goto done;
		}
		if (n < len) {
			if (csv_error(&p.parser) != CSV_EPARSE) {
				rc = oom(&p);
				goto done;
			}
			rc = p.line == p.row_line ? broken(&p, "line %llu: malformed quoting",
			                                   (unsigned long long)p.line)
			                          : broken(&p, "line %llu: malformed quoting in a quoted field "
			                                       "that started on an earlier line",
			                                   (unsigned long long)p.line);
			if (rc != 0)
				goto done;
		}
	}
	/* The last row may have no line ending, or an open quote. */
	if (csv_fini(&p.parser, on_field, on_row, &p) != 0)
		rc = broken(&p, "line %llu: a quoted field starts here and is never closed",
		            (unsigned long long)p.row_line);
	else
		rc = p.rc;

done:
	if (rc == PASS_DONE)
		rc = 0;
	if (p.parser_ready)
		csv_free(&p.parser);
	dsmap_fsrc__reader_close(&p.reader);
	free(p.colslot);
	free(p.buf);
	free(p.name_off);
	free(p.name_len);
	free(p.slot_off);
	free(p.slot_len);
	return rc;
}

/* ---- the plugin ----------------------------------------------------------- */

static void csv_close_ctx(void *ctx)
{
	struct ctx *c = ctx;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->source_count; i++) {
		free(c->sources[i].path);
		free(c->sources[i].slot_col);
		dsmap_fsrc__fields_free(&c->sources[i].fields);
		dsmap_fsrc__locator_free(&c->sources[i].loc);
	}
	free(c->sources);
	free(c);
}

static int csv_open_ctx(void **out, dsmap_plugin_host *host, const dsmap_plugin_config *config)
{
	struct ctx *c;
	size_t i;
	int rc;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->sources = calloc(config->source_count + 1, sizeof(*c->sources))) == NULL) {
		free(c);
		host->set_error(host, "out of memory");
		return DSMAP_PLUGIN_ERROR;
	}
	c->host = host;
	c->config = config;
	c->source_count = config->source_count;
	if ((rc = dsmap_fsrc__check_options(host, config, known_options)) != 0)
		goto fail;
	for (i = 0; i < c->source_count; i++)
		if ((rc = setup_source(c, &c->sources[i], &config->sources[i])) != 0)
			goto fail;
	/* Every file opens and has the columns named, before any record. */
	for (i = 0; i < c->source_count; i++)
		if ((rc = pass_run(c, &c->sources[i], 1, NULL, NULL, NULL)) != 0)
			goto fail;
	*out = c;
	return DSMAP_PLUGIN_OK;
fail:
	csv_close_ctx(c);
	return rc;
}

static int csv_scan(void *ctx, dsmap_plugin_record_fn record, dsmap_plugin_reject_fn reject,
                    void *payload)
{
	struct ctx *c = ctx;
	size_t i;
	int rc;

	for (i = 0; i < c->source_count; i++)
		if ((rc = pass_run(c, &c->sources[i], 0, record, reject, payload)) != 0)
			return rc;
	return DSMAP_PLUGIN_OK;
}

static const dsmap_plugin_descriptor descriptor = {
	DSMAP_PLUGIN_ABI_MAJOR,
	DSMAP_PLUGIN_ABI_MINOR,
	sizeof(dsmap_plugin_descriptor),
	"csv",
	"1.0",
	"reads CSV files, one source per file, one record per row",
	"directory=DIR  base directory for relative file names (default: the working directory)\n"
	"delimiter=C    field delimiter: one character, or tab, comma, semicolon, pipe (default ,)\n"
	"quote=C        quote character (default \")\n"
	"header=BOOL    true: the first row names the columns; false: they are named 1, 2, ... (default true)\n",
	csv_open_ctx,
	csv_scan,
	NULL,
	csv_close_ctx
};

DSMAP_PLUGIN_EXPORT const dsmap_plugin_descriptor *dsmap_plugin_entry(void);

const dsmap_plugin_descriptor *dsmap_plugin_entry(void)
{
	return &descriptor;
}
