/*
 * Small questions asked of jansson values (see jsonutil.h).
 */
#include "config.h"

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
