/*
 * jsonl: a plugin that reads JSON lines files (one JSON object a line),
 * with jansson.
 *
 * Each source is one file, named by its path (relative to the `directory`
 * option when there is one, else to the working directory).  Each
 * non-blank line is a record; its locator is "<source name>:<line>".
 * Blank lines are skipped and not counted as records.  A UTF-8 byte order
 * mark is skipped; line endings may be "\n" or "\r\n".
 *
 * Fields are dotted paths: "customer.email" walks objects, and a segment
 * that is a whole number indexes an array ("devices.0.id"); on an object
 * it is a key like any other.  A key that holds a dot cannot be named.  A
 * path that leads nowhere, or to null, is an absent field.
 *
 * Values: a string is taken as it is; a number as its JSON text (an
 * integer as its digits; a real in the shortest form that reads back the
 * same); true and false are not identifiers.  An object or an array in an
 * identifier field is a broken record.  A category field counts when it
 * is present and not null, "", [] or {}.  A timestamp is a string (see
 * dsmap_fsrc__parse_time()) or a number of seconds since the epoch.  An
 * attribute field (ABI 1.1) is reported as its text: a string as it is, a
 * number as for identifiers, true and false as "true" and "false"; absent,
 * null, an object or an array is no value (NULL).
 *
 * A line that is not a JSON object, that is longer than 16 MiB, or whose
 * fields are not what they should be, is a broken record: it goes to
 * reject() when the host gave one, else it fails the scan with
 * DSMAP_PLUGIN_EDATA.  Messages never quote the data.  Integers beyond 64
 * bits are not representable in jansson: such a line is broken ("too big
 * integer").
 *
 * Options (per source, else per system):
 *   directory  base directory for relative file names
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <dsmap/plugin.h>

#include "../common/fsrc.h"

#define NOT_INDEX SIZE_MAX

/* A field's dotted path, split once: "devices.0.id" is "devices", "0",
 * "id". */
struct jpath {
	char *copy;            /* the name, with NULs for the dots */
	const char **seg;
	size_t *index;         /* per segment: its number when it is one, else NOT_INDEX */
	size_t nseg;
};

struct source {
	const dsmap_plugin_source *src;
	char *path;
	dsmap_fsrc_fields fields;
	struct jpath *paths;   /* per slot */
	json_t **values;       /* per slot, borrowed from the line's tree; NULL: absent */
	char (*numbers)[32];   /* per id field, then per attribute field: the text of a number */
	dsmap_fsrc_locator loc;
};

struct ctx {
	dsmap_plugin_host *host;
	const dsmap_plugin_config *config;
	size_t source_count;
	struct source *sources;
};

#define SYS(c) dsmap_fsrc__system((c)->config)

static const char *const known_options[] = { "directory", NULL };

/* ---- setup ------------------------------------------------------------------ */

/* Split `name` into `p`.  Returns 0, 1 when a segment is empty ("a..b",
 * ".a", "a."), -1 when out of memory.  Free with jpath_free() always. */
static int jpath_split(struct jpath *p, const char *name)
{
	size_t n = strlen(name), i, k;

	memset(p, 0, sizeof(*p));
	if ((p->copy = malloc(n + 1)) == NULL)
		return -1;
	memcpy(p->copy, name, n + 1);
	p->nseg = 1;
	for (i = 0; i < n; i++)
		if (name[i] == '.')
			p->nseg++;
	p->seg = calloc(p->nseg, sizeof(*p->seg));
	p->index = calloc(p->nseg, sizeof(*p->index));
	if (p->seg == NULL || p->index == NULL)
		return -1;
	p->seg[0] = p->copy;
	for (i = 0, k = 1; i < n; i++)
		if (p->copy[i] == '.') {
			p->copy[i] = '\0';
			p->seg[k++] = p->copy + i + 1;
		}
	for (k = 0; k < p->nseg; k++) {
		const char *s = p->seg[k];
		size_t v = 0;

		if (s[0] == '\0')
			return 1;
		p->index[k] = NOT_INDEX;
		for (; *s >= '0' && *s <= '9' && v < SIZE_MAX / 20; s++)
			v = v * 10 + (size_t)(*s - '0');
		if (*s == '\0')
			p->index[k] = v;
	}
	return 0;
}

static void jpath_free(struct jpath *p)
{
	free(p->copy);
	free(p->seg);
	free(p->index);
	memset(p, 0, sizeof(*p));
}

static int setup_source(struct ctx *c, struct source *s, const dsmap_plugin_source *src)
{
	size_t i;
	int rc;

	s->src = src;
	if ((rc = dsmap_fsrc__fields_init(&s->fields, c->host, c->config, src)) != 0)
		return rc;
	s->paths = calloc(s->fields.slot_count + 1, sizeof(*s->paths));
	s->values = calloc(s->fields.slot_count + 1, sizeof(*s->values));
	s->numbers = calloc(src->id_field_count + src->attribute_field_count + 1, sizeof(*s->numbers));
	if (s->paths == NULL || s->values == NULL || s->numbers == NULL)
		goto oom;
	for (i = 0; i < s->fields.slot_count; i++) {
		rc = jpath_split(&s->paths[i], s->fields.slot_names[i]);
		if (rc < 0)
			goto oom;
		if (rc > 0) {
			c->host->set_error(c->host, "system %s: source %s: field '%s': a path has an empty part",
			                   SYS(c), src->name, s->fields.slot_names[i]);
			return DSMAP_PLUGIN_ECONFIG;
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

/* ---- records ---------------------------------------------------------------- */

/* The value at `p` in a line's tree, or NULL when there is none. */
static json_t *walk(json_t *v, const struct jpath *p)
{
	size_t k;

	for (k = 0; k < p->nseg && v != NULL; k++) {
		if (json_is_object(v))
			v = json_object_get(v, p->seg[k]);
		else if (json_is_array(v) && p->index[k] != NOT_INDEX)
			v = json_array_get(v, p->index[k]);
		else
			return NULL;
	}
	return v;
}

/* The text of a real: a whole number as its digits, else the shortest
 * form that reads back as the same number. */
static size_t real_text(char *buf, size_t size, double d)
{
	int prec, n = 0;
	char *q;

	if (d > -1e17 && d < 1e17 && d == (double)(long long)d) {
		n = snprintf(buf, size, "%s%lld", d == 0 && signbit(d) ? "-" : "", (long long)d);
		return n < 0 ? 0 : (size_t)n;
	}
	for (prec = 1; prec <= 17; prec++) {
		n = snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	for (q = buf; *q != '\0'; q++)
		if (*q == ',')
			*q = '.';   /* a locale's decimal comma */
	return n < 0 ? 0 : (size_t)n;
}

static int empty_value(const json_t *v)
{
	if (v == NULL)
		return 1;
	switch (json_typeof(v)) {
	case JSON_NULL:
		return 1;
	case JSON_STRING:
		return json_string_length(v) == 0;
	case JSON_ARRAY:
		return json_array_size(v) == 0;
	case JSON_OBJECT:
		return json_object_size(v) == 0;
	default:
		return 0;
	}
}

/* A number, string or boolean as the text a field holds: a string as it
 * is, a number in `b` (`bsize` bytes), true and false as words; *text
 * NULL for null, an object or an array. */
static void scalar_text(const json_t *v, char *b, size_t bsize, const char **text, size_t *len)
{
	*text = NULL;
	*len = 0;
	switch (v != NULL ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		*text = json_string_value(v);
		*len = json_string_length(v);
		break;
	case JSON_INTEGER: {
		int64_t n = (int64_t)json_integer_value(v);
		size_t k = 0;

		if (n < 0)
			b[k++] = '-';
		k += dsmap_fsrc__u64(b + k, n < 0 ? 0 - (uint64_t)n : (uint64_t)n);
		*text = b;
		*len = k;
		break;
	}
	case JSON_REAL:
		*text = b;
		*len = real_text(b, bsize, json_real_value(v));
		break;
	case JSON_TRUE:
		*text = "true";
		*len = 4;
		break;
	case JSON_FALSE:
		*text = "false";
		*len = 5;
		break;
	default:
		break;   /* null, object, array */
	}
}

/* A record from the values of one line (s->values, borrowed from its
 * tree).  Returns 0 or a
 * DSMAP_PLUGIN_E* code. */
static int send_record(struct ctx *c, struct source *s, uint64_t number, uint64_t line,
                       dsmap_plugin_record_fn record, dsmap_plugin_reject_fn reject,
                       void *payload)
{
	const dsmap_plugin_source *src = s->src;
	dsmap_fsrc_fields *f = &s->fields;
	const json_t *v;
	dsmap_plugin_record rec;
	int64_t updated = 0;
	size_t i;

	dsmap_fsrc__record_begin(f);
	for (i = 0; i < src->id_field_count; i++) {
		dsmap_plugin_identifier *id = &f->ids[f->id_count];

		if ((v = s->values[f->id_slot[i]]) == NULL)
			continue;   /* absent */
		id->kind = src->id_fields[i].kind;
		if (json_is_array(v) || json_is_object(v))
			return dsmap_fsrc__bad_record(c->host, c->config, src, number, reject, payload,
			                              "line %llu: field '%s' is not a scalar",
			                              (unsigned long long)line, src->id_fields[i].field);
		if (json_is_boolean(v))
			continue;   /* true or false names no one */
		scalar_text(v, s->numbers[i], sizeof(s->numbers[i]), &id->value, &id->len);
		if (id->len > 0)
			f->id_count++;
	}
	for (i = 0; i < src->category_field_count; i++)
		if (!empty_value(s->values[f->cat_slot[i]]))
			dsmap_fsrc__add_categories(f, src, i);
	for (i = 0; i < f->attr_count; i++) {
		char *b = s->numbers[src->id_field_count + i];

		scalar_text(s->values[f->attr_slot[i]], b, sizeof(s->numbers[0]), &f->attrs[i].value,
		            &f->attrs[i].len);
	}
	if (f->has_ts) {
		int ok = 1;

		v = s->values[f->ts_slot];
		switch (v != NULL ? json_typeof(v) : JSON_NULL) {
		case JSON_NULL:
			break;
		case JSON_STRING:
			if (json_string_length(v) > 0)
				ok = dsmap_fsrc__parse_time(json_string_value(v), json_string_length(v),
				                            &updated) == 0;
			break;
		case JSON_INTEGER:
			updated = (int64_t)json_integer_value(v);
			break;
		case JSON_REAL: {
			double d = json_real_value(v);

			ok = d > -9.2e18 && d < 9.2e18;
			if (ok) {
				updated = (int64_t)d;
				if ((double)updated > d)
					updated--;   /* round down, as for text */
			}
			break;
		}
		default:
			ok = 0;
			break;
		}
		if (!ok)
			return dsmap_fsrc__bad_record(c->host, c->config, src, number, reject, payload,
			                              "line %llu: field '%s' is not a timestamp",
			                              (unsigned long long)line, src->timestamp_field);
	}
	dsmap_fsrc__locator_set(&s->loc, line);

	memset(&rec, 0, sizeof(rec));
	rec.source = src;
	rec.number = number;
	rec.identifier_count = f->id_count;
	rec.identifiers = f->ids;
	rec.category_count = f->cat_count;
	rec.categories = f->cats;
	rec.locator = s->loc.buf;
	rec.locator_len = s->loc.len;
	rec.updated = updated;
	rec.attribute_count = f->attr_count;
	rec.attributes = f->attrs;
	return record(&rec, payload) != 0 ? DSMAP_PLUGIN_ESTOP : DSMAP_PLUGIN_OK;
}

/* jansson's message, without the text it quotes from the line.  Each line
 * is parsed alone, so what jansson calls the end of file is the end of the
 * line. */
static void json_reason(char *out, size_t size, const json_error_t *err)
{
	char *q;

	snprintf(out, size, "%s", err->text);
	if ((q = strstr(out, " near '")) != NULL)
		*q = '\0';
	if ((q = strstr(out, " near end of file")) != NULL)
		snprintf(q, size - (size_t)(q - out), " at the end of the line");
	else if ((q = strstr(out, "end of file expected")) != NULL)
		snprintf(q, size - (size_t)(q - out), "end of the line expected");
	if (strncmp(out, "invalid Unicode", 15) == 0 && (q = strstr(out, " '")) != NULL)
		*q = '\0';
}

static int blank(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return 0;
	return 1;
}

static int scan_source(struct ctx *c, struct source *s, dsmap_plugin_record_fn record,
                       dsmap_plugin_reject_fn reject, void *payload)
{
	const dsmap_plugin_source *src = s->src;
	dsmap_fsrc_reader r;
	uint64_t number = 0;
	const char *line;
	size_t len;
	int rc = 0, n;

	if ((n = dsmap_fsrc__reader_open(&r, s->path)) != 0) {
		c->host->set_error(c->host, "system %s: source %s: cannot open %s: %s", SYS(c),
		                   src->name, s->path, strerror(n));
		return DSMAP_PLUGIN_ECONNECT;
	}
	while (rc == 0 && (n = dsmap_fsrc__reader_next(&r, &line, &len)) != DSMAP_FSRC_EOF) {
		unsigned long long lineno = (unsigned long long)r.line;
		json_error_t err;
		json_t *root;

		if (n == DSMAP_FSRC_EIO) {
			c->host->set_error(c->host, "system %s: source %s: cannot read %s: %s", SYS(c),
			                   src->name, s->path, strerror(errno));
			rc = DSMAP_PLUGIN_ERROR;
			break;
		}
		if (n == DSMAP_FSRC_ENOMEM) {
			c->host->set_error(c->host, "out of memory");
			rc = DSMAP_PLUGIN_ERROR;
			break;
		}
		if (n == DSMAP_FSRC_ELONG) {
			rc = dsmap_fsrc__bad_record(c->host, c->config, src, ++number, reject, payload,
			                            "line %llu: longer than 16 MiB", lineno);
			continue;
		}
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (blank(line, len))
			continue;
		number++;
		/* Any value, so that a line that holds another than an object
		 * is said to be no object; a string may hold \u0000.  Text
		 * after the value is an error (no JSON_DISABLE_EOF_CHECK); of
		 * a key named twice, the last counts. */
		root = json_loadb(line, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
		if (root == NULL) {
			char reason[JSON_ERROR_TEXT_LENGTH];

			json_reason(reason, sizeof(reason), &err);
			rc = dsmap_fsrc__bad_record(c->host, c->config, src, number, reject, payload,
			                            "line %llu: invalid JSON: %s (column %d)", lineno,
			                            reason, err.column);
			continue;
		}
		if (!json_is_object(root)) {
			rc = dsmap_fsrc__bad_record(c->host, c->config, src, number, reject, payload,
			                            "line %llu: not a JSON object", lineno);
		} else {
			size_t i;

			for (i = 0; i < s->fields.slot_count; i++)
				s->values[i] = walk(root, &s->paths[i]);
			rc = send_record(c, s, number, r.line, record, reject, payload);
		}
		json_decref(root);
	}
	dsmap_fsrc__reader_close(&r);
	return rc;
}

/* ---- the plugin ----------------------------------------------------------- */

static void jsonl_close(void *ctx)
{
	struct ctx *c = ctx;
	size_t i, k;

	if (c == NULL)
		return;
	for (i = 0; i < c->source_count; i++) {
		struct source *s = &c->sources[i];

		if (s->paths != NULL)
			for (k = 0; k < s->fields.slot_count; k++)
				jpath_free(&s->paths[k]);
		free(s->paths);
		free(s->values);
		free(s->numbers);
		free(s->path);
		dsmap_fsrc__fields_free(&s->fields);
		dsmap_fsrc__locator_free(&s->loc);
	}
	free(c->sources);
	free(c);
}

static int jsonl_open(void **out, dsmap_plugin_host *host, const dsmap_plugin_config *config)
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
	/* Every file opens, before any record. */
	for (i = 0; i < c->source_count; i++) {
		dsmap_fsrc_reader r;

		if ((rc = dsmap_fsrc__reader_open(&r, c->sources[i].path)) != 0) {
			host->set_error(host, "system %s: source %s: cannot open %s: %s", SYS(c),
			                c->sources[i].src->name, c->sources[i].path, strerror(rc));
			rc = DSMAP_PLUGIN_ECONNECT;
			goto fail;
		}
		dsmap_fsrc__reader_close(&r);
	}
	*out = c;
	return DSMAP_PLUGIN_OK;
fail:
	jsonl_close(c);
	return rc;
}

static int jsonl_scan(void *ctx, dsmap_plugin_record_fn record, dsmap_plugin_reject_fn reject,
                      void *payload)
{
	struct ctx *c = ctx;
	size_t i;
	int rc;

	for (i = 0; i < c->source_count; i++)
		if ((rc = scan_source(c, &c->sources[i], record, reject, payload)) != 0)
			return rc;
	return DSMAP_PLUGIN_OK;
}

static const dsmap_plugin_descriptor descriptor = {
	DSMAP_PLUGIN_ABI_MAJOR,
	DSMAP_PLUGIN_ABI_MINOR,
	sizeof(dsmap_plugin_descriptor),
	"jsonl",
	"1.0",
	"reads JSON lines files, one source per file, one record per line",
	"directory=DIR  base directory for relative file names (default: the working directory)\n",
	jsonl_open,
	jsonl_scan,
	NULL,
	jsonl_close
};

DSMAP_PLUGIN_EXPORT const dsmap_plugin_descriptor *dsmap_plugin_entry(void);

const dsmap_plugin_descriptor *dsmap_plugin_entry(void)
{
	return &descriptor;
}
