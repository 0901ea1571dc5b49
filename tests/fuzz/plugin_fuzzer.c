/*
 * The fake host of the plugin fuzz targets (see plugin_fuzzer.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "plugin_fuzzer.h"

#define MAX_TOKENS 16

static const struct {
	const char *name;
	int kind;
} kinds[] = {
	{ "email", DSMAP_ID_EMAIL },
	{ "phone", DSMAP_ID_PHONE },
	{ "nrn", DSMAP_ID_NATIONAL_REGISTER_NUMBER },
	{ "customer", DSMAP_ID_CUSTOMER_NUMBER },
	{ "account", DSMAP_ID_ACCOUNT_ID },
	{ "imei", DSMAP_ID_IMEI },
	{ "ip", DSMAP_ID_IP },
	{ "device", DSMAP_ID_DEVICE_ID },
};

/* The category sets of cat= fields, in turn. */
static const char *const cats_one[] = { "collected/name" };
static const char *const cats_two[] = { "collected/birth-date", "observed/technical-identifiers" };
static const struct {
	const char *const *cats;
	size_t n;
} cat_sets[] = { { cats_one, 1 }, { cats_two, 2 }, { NULL, 0 } };

struct host {
	dsmap_plugin_host host;       /* first: the plugin's pointer is ours */
	int errors;                   /* calls of set_error() */
	char error[1024];
};

struct config {
	dsmap_plugin_config config;
	dsmap_plugin_source source;
	dsmap_plugin_option sysopts[MAX_TOKENS + 1];
	dsmap_plugin_option opts[MAX_TOKENS];
	dsmap_plugin_id_field ids[MAX_TOKENS];
	dsmap_plugin_category_field cats[MAX_TOKENS];
	const char *attrs[MAX_TOKENS];
	int with_reject;
	uint64_t stop_at;             /* 0: never */
	int reject_stops;
	char *text;                   /* the configuration line, cut into tokens */
};

/* What the callbacks see, and check against. */
struct sink {
	const struct config *cfg;
	const char *file;             /* the source's name */
	size_t file_len;
	uint64_t last;                /* the last record or reject number */
	uint64_t records;
	uint64_t rejects;
	int stopped;                  /* a callback asked to stop */
};

static void set_error(dsmap_plugin_host *host, const char *fmt, ...)
{
	struct host *h = (struct host *)host;
	va_list ap;

	FUZZ_CHECK(fmt != NULL, "set_error() without a format");
	va_start(ap, fmt);
	vsnprintf(h->error, sizeof(h->error), fmt, ap);
	va_end(ap);
	h->errors++;
}

static int hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode "%XX" in place. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '%' && hex(s[1]) >= 0 && hex(s[2]) >= 0) {
			*w++ = (char)(hex(s[1]) << 4 | hex(s[2]));
			s += 2;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

static void token(struct config *c, char *tok)
{
	dsmap_plugin_source *src = &c->source;
	char *value = strchr(tok, '=');
	size_t i;

	if (value != NULL) {
		*value++ = '\0';
		unescape(value);
	}
	unescape(tok);
	if (value != NULL) {
		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			if (strcmp(tok, kinds[i].name) != 0)
				continue;
			if (src->id_field_count < MAX_TOKENS) {
				c->ids[src->id_field_count].field = value;
				c->ids[src->id_field_count++].kind = kinds[i].kind;
			}
			return;
		}
		if (strcmp(tok, "cat") == 0) {
			if (src->category_field_count < MAX_TOKENS) {
				size_t k = src->category_field_count % (sizeof(cat_sets) / sizeof(cat_sets[0]));

				c->cats[src->category_field_count].field = value;
				c->cats[src->category_field_count].categories = cat_sets[k].cats;
				c->cats[src->category_field_count++].category_count = cat_sets[k].n;
			}
			return;
		}
		if (strcmp(tok, "ts") == 0) {
			src->timestamp_field = value;
			return;
		}
		if (strcmp(tok, "attr") == 0) {
			if (src->attribute_field_count < MAX_TOKENS)
				c->attrs[src->attribute_field_count++] = value;
			return;
		}
		if (strcmp(tok, "reject") == 0) {
			c->with_reject = strcmp(value, "0") != 0;
			return;
		}
		if (strcmp(tok, "stop") == 0) {
			c->stop_at = strtoull(value, NULL, 10);
			return;
		}
		if (strcmp(tok, "rstop") == 0) {
			c->reject_stops = strcmp(value, "0") != 0;
			return;
		}
		if (strncmp(tok, "sys.", 4) == 0) {
			if (c->config.option_count < MAX_TOKENS + 1) {
				c->sysopts[c->config.option_count].key = tok + 4;
				c->sysopts[c->config.option_count++].value = value;
			}
			return;
		}
	}
	if (src->option_count < MAX_TOKENS) {
		c->opts[src->option_count].key = tok;
		c->opts[src->option_count++].value = value;
	}
}

/* Build the configuration from the first `len` bytes of the input. */
static void configure(struct config *c, const char *dir, const char *file, const uint8_t *line,
                      size_t len)
{
	char *tok, *save = NULL;

	memset(c, 0, sizeof(*c));
	c->with_reject = 1;
	c->config.system_id = "fuzz";
	c->config.options = c->sysopts;
	c->config.source_count = 1;
	c->config.sources = &c->source;
	c->source.name = file;
	c->source.options = c->opts;
	c->source.id_fields = c->ids;
	c->source.category_fields = c->cats;
	c->source.attribute_fields = c->attrs;
	c->sysopts[0].key = "directory";
	c->sysopts[0].value = dir;
	c->config.option_count = 1;
	if ((c->text = malloc(len + 1)) == NULL)
		fuzz_fail("out of memory");
	if (len > 0)
		memcpy(c->text, line, len);
	c->text[len] = '\0';
	for (tok = strtok_r(c->text, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save))
		token(c, tok);
}

static void number(struct sink *s, uint64_t n, const char *what)
{
	FUZZ_CHECK(!s->stopped, "a %s after a callback asked to stop", what);
	FUZZ_CHECK(n > s->last, "%s number %llu after %llu", what, (unsigned long long)n,
	           (unsigned long long)s->last);
	s->last = n;
}

static int is_category(const struct config *c, const char *name)
{
	size_t i, k;

	for (i = 0; i < c->source.category_field_count; i++)
		for (k = 0; k < c->cats[i].category_count; k++)
			if (strcmp(c->cats[i].categories[k], name) == 0)
				return 1;
	return 0;
}

static int record_cb(const dsmap_plugin_record *r, void *payload)
{
	struct sink *s = payload;
	const struct config *c = s->cfg;
	size_t i, k;

	FUZZ_CHECK(r != NULL, "a NULL record");
	FUZZ_CHECK(r->source == &c->source, "a record of another source");
	number(s, r->number, "record");
	FUZZ_CHECK(r->identifier_count <= c->source.id_field_count,
	           "record %llu: %zu identifiers from %zu fields", (unsigned long long)r->number,
	           r->identifier_count, c->source.id_field_count);
	FUZZ_CHECK(r->identifier_count == 0 || r->identifiers != NULL,
	           "record %llu: identifiers NULL", (unsigned long long)r->number);
	for (i = 0; i < r->identifier_count; i++) {
		const dsmap_plugin_identifier *id = &r->identifiers[i];

		for (k = 0; k < c->source.id_field_count && c->ids[k].kind != id->kind; k++)
			;
		FUZZ_CHECK(k < c->source.id_field_count, "record %llu: identifier of kind %d",
		           (unsigned long long)r->number, id->kind);
		FUZZ_CHECK(id->value != NULL, "record %llu: identifier %zu has no value",
		           (unsigned long long)r->number, i);
		fuzz_touch(id->value, id->len);
	}
	FUZZ_CHECK(r->category_count == 0 || r->categories != NULL,
	           "record %llu: categories NULL", (unsigned long long)r->number);
	for (i = 0; i < r->category_count; i++)
		FUZZ_CHECK(r->categories[i] != NULL && is_category(c, r->categories[i]),
		           "record %llu: category %zu is not one of the configuration",
		           (unsigned long long)r->number, i);
	FUZZ_CHECK(r->locator != NULL && r->locator_len > s->file_len + 1 &&
	           memcmp(r->locator, s->file, s->file_len) == 0 && r->locator[s->file_len] == ':',
	           "record %llu: the locator is not '%s:LINE'", (unsigned long long)r->number,
	           s->file);
	for (i = s->file_len + 1; i < r->locator_len; i++)
		FUZZ_CHECK(r->locator[i] >= '0' && r->locator[i] <= '9',
		           "record %llu: the locator is not '%s:LINE'", (unsigned long long)r->number,
		           s->file);
	if (c->source.attribute_field_count > 0)
		FUZZ_CHECK(r->attribute_count == c->source.attribute_field_count &&
		           r->attributes != NULL, "record %llu: %zu attributes for %zu fields",
		           (unsigned long long)r->number, r->attribute_count,
		           c->source.attribute_field_count);
	else
		FUZZ_CHECK(r->attribute_count == 0, "record %llu: %zu attributes without fields",
		           (unsigned long long)r->number, r->attribute_count);
	for (i = 0; i < r->attribute_count; i++) {
		FUZZ_CHECK(r->attributes[i].value != NULL || r->attributes[i].len == 0,
		           "record %llu: attribute %zu is NULL of length %zu",
		           (unsigned long long)r->number, i, r->attributes[i].len);
		if (r->attributes[i].value != NULL)
			fuzz_touch(r->attributes[i].value, r->attributes[i].len);
	}
	s->records++;
	if (c->stop_at != 0 && s->records >= c->stop_at)
		s->stopped = 1;
	return s->stopped;
}

static int reject_cb(const dsmap_plugin_source *source, uint64_t n, const char *reason,
                     void *payload)
{
	struct sink *s = payload;

	FUZZ_CHECK(source == &s->cfg->source, "a reject of another source");
	number(s, n, "reject");
	FUZZ_CHECK(reason != NULL && reason[0] != '\0', "reject %llu without a reason",
	           (unsigned long long)n);
	fuzz_touch(reason, strlen(reason));
	s->rejects++;
	if (s->cfg->reject_stops)
		s->stopped = 1;
	return s->stopped;
}

int fuzz_plugin_run(const uint8_t *data, size_t size, const char *target, const char *file)
{
	const dsmap_plugin_descriptor *d = dsmap_plugin_entry();
	const uint8_t *nl = memchr(data, '\n', size);
	size_t conf_len = nl ? (size_t)(nl - data) : size;
	struct config cfg;
	struct host h;
	struct sink s;
	char path[4096];
	void *ctx = NULL;
	const char *dir;
	int rc;

	dir = fuzz_tmpdir(target);
	fuzz_path(path, sizeof(path), dir, file);
	fuzz_write(path, nl ? nl + 1 : data + size, nl ? size - conf_len - 1 : 0);
	configure(&cfg, dir, file, data, conf_len);

	memset(&h, 0, sizeof(h));
	h.host.abi_major = DSMAP_PLUGIN_ABI_MAJOR;
	h.host.abi_minor = DSMAP_PLUGIN_ABI_MINOR;
	h.host.struct_size = sizeof(h.host);
	h.host.set_error = set_error;
	memset(&s, 0, sizeof(s));
	s.cfg = &cfg;
	s.file = file;
	s.file_len = strlen(file);

	rc = d->open(&ctx, &h.host, &cfg.config);
	if (rc != 0) {
		FUZZ_CHECK(rc < 0 && rc >= DSMAP_PLUGIN_ESTOP && rc != DSMAP_PLUGIN_ESTOP,
		           "open() returned %d", rc);
		FUZZ_CHECK(ctx == NULL, "open() failed and left a context");
		FUZZ_CHECK(h.errors > 0, "open() failed with %d and said nothing", rc);
		goto done;
	}
	FUZZ_CHECK(ctx != NULL, "open() succeeded without a context");
	rc = d->scan(ctx, record_cb, cfg.with_reject ? reject_cb : NULL, &s);
	d->close(ctx);
	FUZZ_CHECK(rc <= 0 && rc >= DSMAP_PLUGIN_ESTOP, "scan() returned %d", rc);
	FUZZ_CHECK((rc == DSMAP_PLUGIN_ESTOP) == s.stopped,
	           "scan() returned %d; a callback %s asked to stop", rc, s.stopped ? "had" : "never");
	FUZZ_CHECK(rc == 0 || rc == DSMAP_PLUGIN_ESTOP || h.errors > 0,
	           "scan() failed with %d and said nothing", rc);
done:
	if (fuzz_verbose())
		fprintf(stderr, "  %s: %s %d, %llu records, %llu rejects%s%s\n", target,
		        ctx ? "scan" : "open", rc, (unsigned long long)s.records,
		        (unsigned long long)s.rejects, h.errors ? ": " : "", h.error);
	fuzz_touch(h.error, strlen(h.error));
	free(cfg.text);
	return 0;
}
