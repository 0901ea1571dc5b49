/*
 * Small questions asked of jansson values (see jsonutil.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "jsonutil.h"

int dsmap__json_has(const json_t *a, const char *s)
{
	size_t i;

	for (i = 0; i < json_array_size(a); i++) {
		const char *e = json_string_value(json_array_get(a, i));

		if (e != NULL && strcmp(e, s) == 0)
			return 1;
	}
	return 0;
}

int dsmap__json_add_unique(json_t *a, const char *s)
{
	return dsmap__json_has(a, s) ? 0 : json_array_append_new(a, json_string(s));
}

void dsmap__json_push(json_t *a, json_t *v, int *bad)
{
	if (json_array_append_new(a, v) < 0)
		*bad = 1;
}

void dsmap__json_put(json_t *o, const char *key, json_t *v, int *bad)
{
	if (json_object_set_new(o, key, v) < 0)
		*bad = 1;
}

void dsmap__json_push_ref(json_t *a, json_t *v, int *bad)
{
	dsmap__json_push(a, json_incref(v), bad);
}

void dsmap__json_put_ref(json_t *o, const char *key, json_t *v, int *bad)
{
	dsmap__json_put(o, key, json_incref(v), bad);
}

json_t *dsmap__json_done(json_t *v, int bad)
{
	if (bad) {
		json_decref(v);
		return NULL;
	}
	return v;
}

struct dump {
	char *buf;
	size_t len, cap;
	int bad;                   /* sticky: jansson may go on after a failure */
};

static int dump_cb(const char *data, size_t size, void *payload)
{
	struct dump *d = payload;

	if (d->bad)
		return -1;
	if (d->cap - d->len <= size) {
		size_t cap = d->cap ? d->cap : 256;
		char *p;

		while (cap - d->len <= size)
			cap *= 2;
		if ((p = dsmap__realloc(d->buf, cap)) == NULL) {
			d->bad = 1;
			return -1;
		}
		d->buf = p;
		d->cap = cap;
	}
	memcpy(d->buf + d->len, data, size);
	d->len += size;
	d->buf[d->len] = '\0';
	return 0;
}

static char *dump(const json_t *v, size_t flags, int newline)
{
	struct dump d = { NULL, 0, 0, 0 };

	if (json_dump_callback(v, dump_cb, &d, flags) != 0 || d.bad ||
	    (newline && dump_cb("\n", 1, &d) != 0) || d.buf == NULL) {
		free(d.buf);
		return NULL;
	}
	return d.buf;
}

char *dsmap__json_dumps(const json_t *v, size_t flags)
{
	return dump(v, flags, 0);
}

char *dsmap__json_dumpln(const json_t *v, size_t flags)
{
	return dump(v, flags, 1);
}

char *dsmap__json_indent(const char *text, size_t len, size_t indent, size_t *out_len)
{
	const char *p, *nl;
	size_t lines = 0, n;
	char *out, *q;

	for (p = text; (nl = memchr(p, '\n', len - (size_t)(p - text))) != NULL; p = nl + 1)
		lines++;
	if (indent > 0 && lines > (SIZE_MAX - len - 1) / indent)
		return NULL;
	n = len + lines * indent;
	if ((out = dsmap__malloc(n + 1)) == NULL)
		return NULL;
	for (p = text, q = out; (nl = memchr(p, '\n', len - (size_t)(p - text))) != NULL; p = nl + 1) {
		memcpy(q, p, (size_t)(nl - p) + 1);
		q += (nl - p) + 1;
		memset(q, ' ', indent);
		q += indent;
	}
	memcpy(q, p, len - (size_t)(p - text));
	out[n] = '\0';
	*out_len = n;
	return out;
}

char *dsmap__json_dump_parts(const json_t *v, size_t flags, int newline, const char *mark,
                             dsmap__json_part_fn part, void *payload)
{
	struct dump d = { NULL, 0, 0, 0 };
	char pat[80], *text;
	const char *p, *hit;
	size_t plen;

	/* a marker as jansson writes it: "\u0001 and the rest of `mark` */
	plen = (size_t)snprintf(pat, sizeof(pat), "\"\\u0001%s", mark + 1);
	if (mark[0] != '\x01' || plen >= sizeof(pat))
		return NULL;
	if ((text = dump(v, flags, newline)) == NULL)
		return NULL;
	if (strstr(text, pat) == NULL)
		return text;
	/* the parts usually more than double the text */
	d.cap = 4 * strlen(text) + 1;
	if ((d.buf = dsmap__malloc(d.cap)) == NULL)
		goto fail;
	for (p = text; (hit = strstr(p, pat)) != NULL; ) {
		const char *num = hit + plen, *end = num, *line = hit, *frag;
		size_t n = 0, flen, indent = 0;

		while (*end >= '0' && *end <= '9' && n < (SIZE_MAX - 9) / 10)
			n = n * 10 + (size_t)(*end++ - '0');
		if (end == num || *end != '"') {   /* not one of ours: copied as it is */
			if (dump_cb(p, (size_t)(num - p), &d) != 0)
				goto fail;
			p = num;
			continue;
		}
		while (line > text && line[-1] != '\n')
			line--;
		while (line[indent] == ' ')
			indent++;
		if ((frag = part(payload, n, flags, indent, &flen)) == NULL ||
		    dump_cb(p, (size_t)(hit - p), &d) != 0 || dump_cb(frag, flen, &d) != 0)
			goto fail;
		p = end + 1;
	}
	if (dump_cb(p, strlen(p), &d) != 0)
		goto fail;
	free(text);
	return d.buf;
fail:
	free(text);
	free(d.buf);
	return NULL;
}

const char *dsmap__json_str(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

json_t *dsmap__json_array_or_empty(const json_t *o, const char *key)
{
	json_t *a = json_object_get(o, key);

	return json_is_array(a) ? json_incref(a) : json_array();
}

const char *dsmap__json_title(const json_t *x, const char *lang)
{
	const char *fr = dsmap__json_str(x, "title_fr"), *en = dsmap__json_str(x, "title_en");

	return strcmp(lang, "fr") == 0 ? (*fr ? fr : en) : (*en ? en : fr);
}

const char *dsmap__json_name(const json_t *x, const char *lang)
{
	const char *fr = dsmap__json_str(x, "name_fr"), *en = dsmap__json_str(x, "name_en");

	if (strcmp(lang, "fr") == 0 && *fr)
		return fr;
	if (*en)
		return en;
	return *fr ? fr : dsmap__json_str(x, "id");
}
