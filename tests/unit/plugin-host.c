/*
 * A tiny fake host for the unit tests of plugins.
 */
#include "config.h"

#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "plugin-host.h"

static void set_error(dsmap_plugin_host *host, const char *fmt, ...)
{
	ph_host *h = (ph_host *)host;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->error, sizeof(h->error), fmt, ap);
	va_end(ap);
	h->errors++;
}

void ph_host_init(ph_host *h)
{
	memset(h, 0, sizeof(*h));
	h->host.abi_major = DSMAP_PLUGIN_ABI_MAJOR;
	h->host.abi_minor = DSMAP_PLUGIN_ABI_MINOR;
	h->host.struct_size = sizeof(h->host);
	h->host.set_error = set_error;
}

static char *copy(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	assert_non_null(p);
	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int ph_record_cb(const dsmap_plugin_record *r, void *payload)
{
	ph_sink *s = payload;
	ph_record *k;
	size_t i;

	s->count++;
	s->ids_seen += r->identifier_count;
	if (!s->count_only) {
		if (s->nrecs == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 16;
			s->recs = realloc(s->recs, s->cap * sizeof(*s->recs));
			assert_non_null(s->recs);
		}
		k = &s->recs[s->nrecs++];
		memset(k, 0, sizeof(*k));
		k->source = r->source;
		k->number = r->number;
		assert_true(r->identifier_count <= PH_MAX);
		assert_true(r->category_count <= PH_MAX);
		k->nids = r->identifier_count;
		for (i = 0; i < r->identifier_count; i++) {
			assert_non_null(r->identifiers[i].value);
			k->kind[i] = r->identifiers[i].kind;
			k->id[i] = copy(r->identifiers[i].value, r->identifiers[i].len);
			k->id_len[i] = r->identifiers[i].len;
		}
		k->ncats = r->category_count;
		for (i = 0; i < r->category_count; i++)
			k->cat[i] = r->categories[i];
		k->locator = copy(r->locator, r->locator_len);
		k->created = r->created;
		k->updated = r->updated;
		/* one value per attribute field, none when the source has none */
		assert_int_equal(r->attribute_count, r->source->attribute_field_count);
		assert_true(r->attribute_count <= PH_MAX);
		assert_true(r->attribute_count == 0 || r->attributes != NULL);
		k->nattrs = r->attribute_count;
		for (i = 0; i < r->attribute_count; i++) {
			if (r->attributes[i].value == NULL) {
				assert_int_equal(r->attributes[i].len, 0);
				continue;
			}
			k->attr[i] = copy(r->attributes[i].value, r->attributes[i].len);
			k->attr_len[i] = r->attributes[i].len;
		}
	}
	return s->stop_after != 0 && s->count >= s->stop_after;
}

int ph_reject_cb(const dsmap_plugin_source *source, uint64_t number, const char *reason,
                 void *payload)
{
	ph_sink *s = payload;
	ph_reject *k;

	assert_non_null(source);
	assert_non_null(reason);
	if (s->nrejects == s->rcap) {
		s->rcap = s->rcap ? s->rcap * 2 : 8;
		s->rejects = realloc(s->rejects, s->rcap * sizeof(*s->rejects));
		assert_non_null(s->rejects);
	}
	k = &s->rejects[s->nrejects++];
	k->source = source;
	k->number = number;
	k->reason = copy(reason, strlen(reason));
	return s->reject_stops;
}

void ph_sink_free(ph_sink *s)
{
	size_t i, j;

	for (i = 0; i < s->nrecs; i++) {
		for (j = 0; j < s->recs[i].nids; j++)
			free(s->recs[i].id[j]);
		for (j = 0; j < s->recs[i].nattrs; j++)
			free(s->recs[i].attr[j]);
		free(s->recs[i].locator);
	}
	for (i = 0; i < s->nrejects; i++)
		free(s->rejects[i].reason);
	free(s->recs);
	free(s->rejects);
	memset(s, 0, sizeof(*s));
}

int ph_run(const dsmap_plugin_config *config, ph_host *h, ph_sink *sink, int with_reject)
{
	const dsmap_plugin_descriptor *d = dsmap_plugin_entry();
	void *ctx = NULL;
	int rc;

	if ((rc = d->open(&ctx, &h->host, config)) != 0) {
		assert_null(ctx);
		return rc;
	}
	assert_non_null(ctx);
	rc = d->scan(ctx, ph_record_cb, with_reject ? ph_reject_cb : NULL, sink);
	d->close(ctx);
	return rc;
}

int ph_said(const ph_host *h, const ph_sink *s, const char *value)
{
	size_t i;

	if (strstr(h->error, value) != NULL)
		return 1;
	for (i = 0; i < s->nrejects; i++)
		if (strstr(s->rejects[i].reason, value) != NULL)
			return 1;
	return 0;
}

const char *ph_id(const ph_record *r, int kind)
{
	size_t i;

	for (i = 0; i < r->nids; i++)
		if (r->kind[i] == kind)
			return r->id[i];
	return NULL;
}

int ph_has_cat(const ph_record *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->ncats; i++)
		if (strcmp(r->cat[i], name) == 0)
			return 1;
	return 0;
}

void ph_config_init(ph_config *b, const char *system_id)
{
	size_t i;

	memset(b, 0, sizeof(*b));
	b->config.system_id = system_id;
	b->config.options = b->sysopts;
	b->config.sources = b->sources;
	for (i = 0; i < PH_SRC; i++) {
		b->sources[i].options = b->opts[i];
		b->sources[i].id_fields = b->ids[i];
		b->sources[i].category_fields = b->cats[i];
		b->sources[i].attribute_fields = b->attrs[i];
	}
}

size_t ph_source(ph_config *b, const char *name)
{
	assert_true(b->config.source_count < PH_SRC);
	b->sources[b->config.source_count].name = name;
	return b->config.source_count++;
}

void ph_sysopt(ph_config *b, const char *key, const char *value)
{
	assert_true(b->config.option_count < PH_OPT);
	b->sysopts[b->config.option_count].key = key;
	b->sysopts[b->config.option_count++].value = value;
}

void ph_opt(ph_config *b, size_t src, const char *key, const char *value)
{
	dsmap_plugin_source *s = &b->sources[src];

	assert_true(s->option_count < PH_OPT);
	b->opts[src][s->option_count].key = key;
	b->opts[src][s->option_count++].value = value;
}

void ph_idf(ph_config *b, size_t src, const char *field, int kind)
{
	dsmap_plugin_source *s = &b->sources[src];

	assert_true(s->id_field_count < PH_OPT);
	b->ids[src][s->id_field_count].field = field;
	b->ids[src][s->id_field_count++].kind = kind;
}

void ph_catf(ph_config *b, size_t src, const char *field, const char *const *cats, size_t n)
{
	dsmap_plugin_source *s = &b->sources[src];
	dsmap_plugin_category_field *f;

	assert_true(s->category_field_count < PH_OPT);
	f = &b->cats[src][s->category_field_count++];
	f->field = field;
	f->category_count = n;
	f->categories = cats;
}

void ph_tsf(ph_config *b, size_t src, const char *field)
{
	b->sources[src].timestamp_field = field;
}

void ph_attrf(ph_config *b, size_t src, const char *field)
{
	dsmap_plugin_source *s = &b->sources[src];

	assert_true(s->attribute_field_count < PH_OPT);
	b->attrs[src][s->attribute_field_count++] = field;
}

char *ph_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	size_t n;
	char *dir;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	n = strlen(base) + sizeof("/dsmap-plugin-XXXXXX");
	dir = malloc(n);
	assert_non_null(dir);
	snprintf(dir, n, "%s/dsmap-plugin-XXXXXX", base);
	assert_non_null(mkdtemp(dir));
	return dir;
}

void ph_rmtree(char *dir)
{
	DIR *d;
	struct dirent *e;

	if (dir == NULL)
		return;
	assert_non_null(d = opendir(dir));
	while ((e = readdir(d)) != NULL) {
		char *p;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		p = ph_path(dir, e->d_name);
		assert_int_equal(unlink(p), 0);
		free(p);
	}
	closedir(d);
	assert_int_equal(rmdir(dir), 0);
	free(dir);
}

char *ph_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + 1 + strlen(name) + 1;
	char *p = malloc(n);

	assert_non_null(p);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

void ph_write_n(const char *path, const void *content, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

void ph_write(const char *path, const char *content)
{
	ph_write_n(path, content, strlen(content));
}

char *ph_fixture(const char *rel)
{
	const char *base = getenv("DSMAP_SRCDIR");
	char *dir, *p;

	if (base != NULL && *base != '\0')
		dir = ph_path(base, "tests/fixtures");
	else
		dir = ph_path(PH_FIXTURES, ".");
	p = ph_path(dir, rel);
	free(dir);
	return p;
}

double ph_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
