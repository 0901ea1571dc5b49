/*
 * fsrc: code shared by the plugins of file sources (csv, jsonl).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fsrc.h"

/* ---- options ------------------------------------------------------------ */

static const char *find_option(const dsmap_plugin_option *opts, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (opts[i].key != NULL && strcmp(opts[i].key, key) == 0)
			return opts[i].value;
	return NULL;
}

const char *dsmap_fsrc__option(const dsmap_plugin_config *config,
                               const dsmap_plugin_source *src, const char *key)
{
	const char *v = NULL;

	if (src != NULL)
		v = find_option(src->options, src->option_count, key);
	if (v == NULL)
		v = find_option(config->options, config->option_count, key);
	return v;
}

const char *dsmap_fsrc__system(const dsmap_plugin_config *config)
{
	return config->system_id != NULL ? config->system_id : "(unnamed)";
}

/* The first option of `opts` that is not `known` or has no value: sets
 * *why and returns its key; NULL when all are fine. */
static const char *bad_option(const dsmap_plugin_option *opts, size_t n,
                              const char *const *known, const char **why)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		if (opts[i].key == NULL) {
			*why = "an option has no name";
			return "";
		}
		for (k = 0; known[k] != NULL; k++)
			if (strcmp(opts[i].key, known[k]) == 0)
				break;
		if (known[k] == NULL) {
			*why = "unknown option";
			return opts[i].key;
		}
		if (opts[i].value == NULL) {
			*why = "no value for option";
			return opts[i].key;
		}
	}
	return NULL;
}

int dsmap_fsrc__check_options(dsmap_plugin_host *host, const dsmap_plugin_config *config,
                              const char *const *known)
{
	const char *sys = dsmap_fsrc__system(config), *bad, *why;
	size_t s;

	if ((bad = bad_option(config->options, config->option_count, known, &why)) != NULL) {
		host->set_error(host, "system %s: %s '%s'", sys, why, bad);
		return DSMAP_PLUGIN_ECONFIG;
	}
	for (s = 0; s < config->source_count; s++) {
		const dsmap_plugin_source *src = &config->sources[s];

		if (src->name == NULL || src->name[0] == '\0') {
			host->set_error(host, "system %s: source %zu has no file name", sys, s + 1);
			return DSMAP_PLUGIN_ECONFIG;
		}
		if ((bad = bad_option(src->options, src->option_count, known, &why)) != NULL) {
			host->set_error(host, "system %s: source %s: %s '%s'", sys, src->name, why, bad);
			return DSMAP_PLUGIN_ECONFIG;
		}
	}
	return DSMAP_PLUGIN_OK;
}

char *dsmap_fsrc__path(const dsmap_plugin_config *config, const dsmap_plugin_source *src)
{
	const char *dir = dsmap_fsrc__option(config, src, "directory");
	size_t dlen, nlen = strlen(src->name);
	char *p;

	if (src->name[0] == '/' || dir == NULL || dir[0] == '\0')
		dir = "";
	dlen = strlen(dir);
	if ((p = malloc(dlen + 1 + nlen + 1)) == NULL)
		return NULL;
	memcpy(p, dir, dlen);
	if (dlen > 0 && dir[dlen - 1] != '/')
		p[dlen++] = '/';
	memcpy(p + dlen, src->name, nlen + 1);
	return p;
}

/* ---- reading lines ------------------------------------------------------- */

#define READ_INITIAL ((size_t)64 * 1024)
/* The longest line the buffer must hold: the content and "\r\n". */
#define READ_MAX (DSMAP_FSRC_MAX_LINE + 2)

int dsmap_fsrc__reader_open(dsmap_fsrc_reader *r, const char *path)
{
	memset(r, 0, sizeof(*r));
	errno = 0;
	if ((r->f = fopen(path, "rb")) == NULL)
		return errno != 0 ? errno : EIO;
	/* We read large blocks into our own buffer: no second copy in stdio. */
	setvbuf(r->f, NULL, _IONBF, 0);
	if ((r->buf = malloc(READ_INITIAL)) == NULL) {
		fclose(r->f);
		r->f = NULL;
		return ENOMEM;
	}
	r->size = READ_INITIAL;
	return 0;
}

void dsmap_fsrc__reader_close(dsmap_fsrc_reader *r)
{
	if (r->f != NULL)
		fclose(r->f);
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

/* Read more after r->end.  Returns 0 (r->eof set at the end), or -1. */
static int fill(dsmap_fsrc_reader *r)
{
	size_t n = fread(r->buf + r->end, 1, r->size - r->end, r->f);

	r->end += n;
	if (n == 0) {
		if (ferror(r->f))
			return -1;
		r->eof = 1;
	}
	if (!r->bom_checked && (r->end >= 3 || r->eof)) {
		if (r->end >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
			r->start = r->scanned = 3;
		r->bom_checked = 1;
	}
	return 0;
}

static size_t content_len(const char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	return len;
}

/* The line in the buffer has no end in sight: drop it up to its newline. */
static int skip_long(dsmap_fsrc_reader *r)
{
	char *nl;

	for (;;) {
		r->start = r->end = r->scanned = 0;
		if (r->eof) {
			r->line++;
			return DSMAP_FSRC_ELONG;
		}
		if (fill(r) < 0)
			return DSMAP_FSRC_EIO;
		if ((nl = memchr(r->buf, '\n', r->end)) != NULL) {
			r->start = r->scanned = (size_t)(nl + 1 - r->buf);
			r->line++;
			return DSMAP_FSRC_ELONG;
		}
	}
}

int dsmap_fsrc__reader_next(dsmap_fsrc_reader *r, const char **line, size_t *len)
{
	char *nl;

	for (;;) {
		if (r->bom_checked) {
			nl = memchr(r->buf + r->scanned, '\n', r->end - r->scanned);
			if (nl != NULL || (r->eof && r->start < r->end)) {
				size_t n = nl != NULL ? (size_t)(nl + 1 - (r->buf + r->start))
				                      : r->end - r->start;

				*line = r->buf + r->start;
				*len = n;
				r->start += n;
				r->scanned = r->start;
				r->line++;
				return content_len(*line, n) > DSMAP_FSRC_MAX_LINE ? DSMAP_FSRC_ELONG
				                                                  : DSMAP_FSRC_LINE;
			}
			r->scanned = r->end;
			if (r->eof)
				return DSMAP_FSRC_EOF;
		}
		/* Make room at the end: slide the partial line to the front, or
		 * grow the buffer, up to the longest line. */
		if (r->start == r->end) {
			r->start = r->end = r->scanned = 0;
		} else if (r->end == r->size && r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->scanned -= r->start;
			r->start = 0;
		}
		if (r->end == r->size) {
			size_t size = r->size * 2;
			char *b;

			if (r->size >= READ_MAX)
				return skip_long(r);
			if (size > READ_MAX)
				size = READ_MAX;
			if ((b = realloc(r->buf, size)) == NULL)
				return DSMAP_FSRC_ENOMEM;
			r->buf = b;
			r->size = size;
		}
		if (fill(r) < 0)
			return DSMAP_FSRC_EIO;
	}
}

/* ---- timestamps ---------------------------------------------------------- */

/* `n` decimal digits at *p, advancing it; -1 when they are not there. */
static int num(const char **p, const char *e, size_t n)
{
	int v = 0;

	if ((size_t)(e - *p) < n)
		return -1;
	for (; n > 0; n--, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

/* Skip a fraction (".123" or ",123"); -1 when the separator has no digits. */
static int fraction(const char **p, const char *e, int *nonzero)
{
	const char *q;

	*nonzero = 0;
	if (*p == e || (**p != '.' && **p != ','))
		return 0;
	for (q = *p + 1; q < e && *q >= '0' && *q <= '9'; q++)
		if (*q != '0')
			*nonzero = 1;
	if (q == *p + 1)
		return -1;
	*p = q;
	return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 29;
	return days[m - 1];
}

static int parse_epoch(const char *p, const char *e, int64_t *out)
{
	int neg = 0, nonzero;
	uint64_t v = 0;
	const char *d;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	for (d = p; p < e && *p >= '0' && *p <= '9'; p++) {
		if (v > ((uint64_t)INT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p == d || fraction(&p, e, &nonzero) != 0 || p != e)
		return -1;
	if (!neg)
		*out = (int64_t)v;
	else
		*out = -(int64_t)v - (nonzero ? 1 : 0);
	return 0;
}

int dsmap_fsrc__parse_time(const char *s, size_t len, int64_t *out)
{
	const char *p, *e;
	int y, mo, d, h = 0, mi = 0, sec = 0, zh = 0, zm = 0, zsign = 0, nonzero;

	while (len > 0 && (s[0] == ' ' || s[0] == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0)
		return -1;
	p = s;
	e = s + len;
	if (len < 10 || s[4] != '-')
		return parse_epoch(p, e, out);

	if ((y = num(&p, e, 4)) < 0 || *p++ != '-' || (mo = num(&p, e, 2)) < 0 ||
	    p == e || *p++ != '-' || (d = num(&p, e, 2)) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -1;
	if (p < e) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return -1;
		p++;
		if ((h = num(&p, e, 2)) < 0 || p == e || *p++ != ':' || (mi = num(&p, e, 2)) < 0)
			return -1;
		if (p < e && *p == ':') {
			p++;
			if ((sec = num(&p, e, 2)) < 0 || fraction(&p, e, &nonzero) != 0)
				return -1;
		}
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
		if (p < e && (*p == 'Z' || *p == 'z')) {
			p++;
		} else if (p < e && (*p == '+' || *p == '-')) {
			zsign = *p++ == '-' ? -1 : 1;
			if ((zh = num(&p, e, 2)) < 0)
				return -1;
			if (p < e && *p == ':') {
				p++;
				if ((zm = num(&p, e, 2)) < 0)
					return -1;
			} else if (p < e && (zm = num(&p, e, 2)) < 0) {
				return -1;
			}
			if (zh > 23 || zm > 59)
				return -1;
		}
		if (p != e)
			return -1;
	}
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	       zsign * (zh * 3600 + zm * 60);
	return 0;
}

/* ---- the fields of a source ---------------------------------------------- */

static void *alloc_array(size_t n, size_t size)
{
	return calloc(n > 0 ? n : 1, size);
}

static size_t slot_of(dsmap_fsrc_fields *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->slot_count; i++)
		if (strcmp(f->slot_names[i], name) == 0)
			return i;
	f->slot_names[f->slot_count] = name;
	return f->slot_count++;
}

/* The number of category k of field j: that of the first category of the
 * same name in an earlier place, or the next number. */
static size_t category_uid(const dsmap_fsrc_fields *f, const dsmap_plugin_source *src,
                           size_t j, size_t k)
{
	const char *name = src->category_fields[j].categories[k];
	size_t jj, kk;

	for (jj = 0; jj <= j; jj++) {
		const dsmap_plugin_category_field *cf = &src->category_fields[jj];
		size_t end = jj < j ? cf->category_count : k;

		for (kk = 0; kk < end; kk++)
			if (strcmp(cf->categories[kk], name) == 0)
				return f->cat_uid[f->cat_first[jj] + kk];
	}
	return f->uniq_count;
}

int dsmap_fsrc__fields_init(dsmap_fsrc_fields *f, dsmap_plugin_host *host,
                            const dsmap_plugin_config *config, const dsmap_plugin_source *src)
{
	size_t i, j, k, n, cats = 0, max_slots;

	memset(f, 0, sizeof(*f));
	for (j = 0; j < src->category_field_count; j++)
		cats += src->category_fields[j].category_count;
	max_slots = src->id_field_count + src->category_field_count + 1 + src->attribute_field_count;
	f->slot_names = alloc_array(max_slots, sizeof(*f->slot_names));
	f->id_slot = alloc_array(src->id_field_count, sizeof(*f->id_slot));
	f->cat_slot = alloc_array(src->category_field_count, sizeof(*f->cat_slot));
	f->cat_first = alloc_array(src->category_field_count, sizeof(*f->cat_first));
	f->cat_uid = alloc_array(cats, sizeof(*f->cat_uid));
	f->seen = alloc_array(cats, sizeof(*f->seen));
	f->ids = alloc_array(src->id_field_count, sizeof(*f->ids));
	f->cats = alloc_array(cats, sizeof(*f->cats));
	f->attr_slot = alloc_array(src->attribute_field_count, sizeof(*f->attr_slot));
	f->attrs = alloc_array(src->attribute_field_count, sizeof(*f->attrs));
	if (f->slot_names == NULL || f->id_slot == NULL || f->cat_slot == NULL ||
	    f->cat_first == NULL || f->cat_uid == NULL || f->seen == NULL || f->ids == NULL ||
	    f->cats == NULL || f->attr_slot == NULL || f->attrs == NULL) {
		host->set_error(host, "out of memory");
		return DSMAP_PLUGIN_ERROR;
	}

	for (i = 0; i < src->id_field_count; i++) {
		if (src->id_fields[i].field == NULL || src->id_fields[i].field[0] == '\0')
			goto unnamed;
		f->id_slot[i] = slot_of(f, src->id_fields[i].field);
	}
	for (n = 0, j = 0; j < src->category_field_count; j++) {
		const dsmap_plugin_category_field *cf = &src->category_fields[j];

		if (cf->field == NULL || cf->field[0] == '\0')
			goto unnamed;
		f->cat_slot[j] = slot_of(f, cf->field);
		f->cat_first[j] = n;
		for (k = 0; k < cf->category_count; k++, n++) {
			if (cf->categories[k] == NULL) {
				host->set_error(host, "system %s: source %s: field '%s': a category has no name",
				                dsmap_fsrc__system(config), src->name, cf->field);
				return DSMAP_PLUGIN_ECONFIG;
			}
			f->cat_uid[n] = category_uid(f, src, j, k);
			if (f->cat_uid[n] == f->uniq_count)
				f->uniq_count++;
		}
	}
	if (src->timestamp_field != NULL) {
		if (src->timestamp_field[0] == '\0')
			goto unnamed;
		f->ts_slot = slot_of(f, src->timestamp_field);
		f->has_ts = 1;
	}
	if (src->attribute_field_count > 0 && src->attribute_fields == NULL)
		goto unnamed;
	for (i = 0; i < src->attribute_field_count; i++) {
		if (src->attribute_fields[i] == NULL || src->attribute_fields[i][0] == '\0')
			goto unnamed;
		f->attr_slot[i] = slot_of(f, src->attribute_fields[i]);
	}
	f->attr_count = src->attribute_field_count;
	return DSMAP_PLUGIN_OK;

unnamed:
	host->set_error(host, "system %s: source %s: a field has no name",
	                dsmap_fsrc__system(config), src->name);
	return DSMAP_PLUGIN_ECONFIG;
}

void dsmap_fsrc__fields_free(dsmap_fsrc_fields *f)
{
	if (f == NULL)
		return;
	free(f->slot_names);
	free(f->id_slot);
	free(f->cat_slot);
	free(f->cat_first);
	free(f->cat_uid);
	free(f->seen);
	free(f->ids);
	free(f->cats);
	free(f->attr_slot);
	free(f->attrs);
	memset(f, 0, sizeof(*f));
}

void dsmap_fsrc__record_begin(dsmap_fsrc_fields *f)
{
	size_t i;

	f->id_count = 0;
	f->cat_count = 0;
	for (i = 0; i < f->attr_count; i++) {
		f->attrs[i].value = NULL;
		f->attrs[i].len = 0;
	}
	if (++f->gen == 0) {
		memset(f->seen, 0, f->uniq_count * sizeof(*f->seen));
		f->gen = 1;
	}
}

void dsmap_fsrc__add_categories(dsmap_fsrc_fields *f, const dsmap_plugin_source *src, size_t j)
{
	const dsmap_plugin_category_field *cf = &src->category_fields[j];
	size_t k, first = f->cat_first[j];

	for (k = 0; k < cf->category_count; k++) {
		size_t uid = f->cat_uid[first + k];

		if (f->seen[uid] != f->gen) {
			f->seen[uid] = f->gen;
			f->cats[f->cat_count++] = cf->categories[k];
		}
	}
}

/* ---- errors -------------------------------------------------------------- */

int dsmap_fsrc__bad_record(dsmap_plugin_host *host, const dsmap_plugin_config *config,
                           const dsmap_plugin_source *src, uint64_t number,
                           dsmap_plugin_reject_fn reject, void *payload, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (reject != NULL)
		return reject(src, number, reason, payload) != 0 ? DSMAP_PLUGIN_ESTOP : DSMAP_PLUGIN_OK;
	host->set_error(host, "system %s: source %s: %s", dsmap_fsrc__system(config), src->name,
	                reason);
	return DSMAP_PLUGIN_EDATA;
}

/* ---- locators ------------------------------------------------------------ */

size_t dsmap_fsrc__u64(char *out, uint64_t n)
{
	char tmp[20];
	size_t len = 0, i;

	do {
		tmp[len++] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	for (i = 0; i < len; i++)
		out[i] = tmp[len - 1 - i];
	return len;
}

int dsmap_fsrc__locator_init(dsmap_fsrc_locator *l, const char *name)
{
	size_t n = strlen(name);

	if ((l->buf = malloc(n + 1 + 20 + 1)) == NULL)
		return -1;
	memcpy(l->buf, name, n);
	l->buf[n] = ':';
	l->prefix = n + 1;
	l->len = l->prefix;
	l->buf[l->len] = '\0';
	return 0;
}

void dsmap_fsrc__locator_set(dsmap_fsrc_locator *l, uint64_t line)
{
	l->len = l->prefix + dsmap_fsrc__u64(l->buf + l->prefix, line);
	l->buf[l->len] = '\0';
}

void dsmap_fsrc__locator_free(dsmap_fsrc_locator *l)
{
	if (l == NULL)
		return;
	free(l->buf);
	l->buf = NULL;
}
