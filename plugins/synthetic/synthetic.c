/*
 * synthetic: a plugin that makes up its records.
 *
 * It talks to no system: for each source it generates `count` records of
 * synthetic subjects, numbered from `first`, with one identifier per id
 * field (a value of that field's kind derived from the subject number) and
 * every category of the source's category fields.  Two systems with
 * overlapping ranges share subjects, which is what demos, benchmarks and
 * tests of identity links need.  It is also the smallest complete example
 * of the plugin ABI (see docs/plugin-guide.md).
 *
 * Options (per system or per source; the source's win):
 *   count   number of records per source (default 10)
 *   first   number of the first subject (default 1)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dsmap/plugin.h>

struct ctx {
	dsmap_plugin_host *host;
	const dsmap_plugin_config *config;
};

static const char *option(const dsmap_plugin_option *opts, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(opts[i].key, key) == 0)
			return opts[i].value;
	return NULL;
}

static int number_option(struct ctx *c, const dsmap_plugin_source *src, const char *key,
                         uint64_t dflt, uint64_t *out)
{
	const char *v = option(src->options, src->option_count, key);
	char *end;
	unsigned long long n;

	if (v == NULL)
		v = option(c->config->options, c->config->option_count, key);
	if (v == NULL) {
		*out = dflt;
		return DSMAP_PLUGIN_OK;
	}
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || end == v || v[0] == '-') {
		c->host->set_error(c->host, "source %s: option %s: '%s' is not a whole number",
		                   src->name, key, v);
		return DSMAP_PLUGIN_ECONFIG;
	}
	*out = n;
	return DSMAP_PLUGIN_OK;
}

static int synthetic_open(void **out, dsmap_plugin_host *host, const dsmap_plugin_config *config)
{
	struct ctx *c;
	uint64_t n;
	size_t i;
	int rc;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		host->set_error(host, "out of memory");
		return DSMAP_PLUGIN_ERROR;
	}
	c->host = host;
	c->config = config;
	/* Check every option now, so that a typo fails before any record. */
	for (i = 0; i < config->source_count; i++) {
		if ((rc = number_option(c, &config->sources[i], "count", 10, &n)) != 0 ||
		    (rc = number_option(c, &config->sources[i], "first", 1, &n)) != 0) {
			free(c);
			return rc;
		}
	}
	*out = c;
	return DSMAP_PLUGIN_OK;
}

/* A value of `kind` for subject `n`, in `buf`. */
static size_t make_value(char *buf, size_t size, int kind, uint64_t n)
{
	int len;

	switch (kind) {
	case DSMAP_ID_EMAIL:
		len = snprintf(buf, size, "subject%" PRIu64 "@example.org", n);
		break;
	case DSMAP_ID_PHONE:
		len = snprintf(buf, size, "+3247%07" PRIu64, n % 10000000u);
		break;
	case DSMAP_ID_CUSTOMER_NUMBER:
		len = snprintf(buf, size, "C%09" PRIu64, n);
		break;
	case DSMAP_ID_IP:
		len = snprintf(buf, size, "10.%u.%u.%u", (unsigned int)(n >> 16 & 255),
		               (unsigned int)(n >> 8 & 255), (unsigned int)(n & 255));
		break;
	default:
		len = snprintf(buf, size, "K%d-%" PRIu64, kind, n);
		break;
	}
	return len < 0 ? 0 : (size_t)len;
}

#define MAX_IDS 16
#define MAX_CATS 64

static int synthetic_scan(void *ctx, dsmap_plugin_record_fn record, dsmap_plugin_reject_fn reject,
                          void *payload)
{
	struct ctx *c = ctx;
	char values[MAX_IDS][64], locator[160];
	dsmap_plugin_identifier ids[MAX_IDS];
	const char *cats[MAX_CATS];
	size_t s, i, j, nids, ncats;
	uint64_t count, first, k;
	int rc;

	(void)reject;
	for (s = 0; s < c->config->source_count; s++) {
		const dsmap_plugin_source *src = &c->config->sources[s];
		dsmap_plugin_record rec;

		if ((rc = number_option(c, src, "count", 10, &count)) != 0 ||
		    (rc = number_option(c, src, "first", 1, &first)) != 0)
			return rc;
		if (src->id_field_count > MAX_IDS) {
			c->host->set_error(c->host, "source %s: more than %d identifier fields",
			                   src->name, MAX_IDS);
			return DSMAP_PLUGIN_ECONFIG;
		}
		ncats = 0;
		for (i = 0; i < src->category_field_count; i++)
			for (j = 0; j < src->category_fields[i].category_count; j++) {
				if (ncats == MAX_CATS) {
					c->host->set_error(c->host, "source %s: more than %d categories",
					                   src->name, MAX_CATS);
					return DSMAP_PLUGIN_ECONFIG;
				}
				cats[ncats++] = src->category_fields[i].categories[j];
			}
		for (k = 0; k < count; k++) {
			int len;

			nids = src->id_field_count;
			for (i = 0; i < nids; i++) {
				ids[i].kind = src->id_fields[i].kind;
				ids[i].value = values[i];
				ids[i].len = make_value(values[i], sizeof(values[i]), ids[i].kind, first + k);
			}
			len = snprintf(locator, sizeof(locator), "%s/%" PRIu64, src->name, first + k);
			memset(&rec, 0, sizeof(rec));
			rec.source = src;
			rec.number = k + 1;
			rec.identifier_count = nids;
			rec.identifiers = ids;
			rec.category_count = ncats;
			rec.categories = cats;
			rec.locator = locator;
			rec.locator_len = len < 0 ? 0 : (size_t)len;
			if (record(&rec, payload) != 0)
				return DSMAP_PLUGIN_ESTOP;
		}
	}
	return DSMAP_PLUGIN_OK;
}

static void synthetic_close(void *ctx)
{
	free(ctx);
}

/* ABI 1.0 on purpose: its records carry no attributes, and the host must
 * read them as such (the scan tests run it as the older plugin). */
static const dsmap_plugin_descriptor descriptor = {
	DSMAP_PLUGIN_ABI_MAJOR,
	0,
	sizeof(dsmap_plugin_descriptor),
	"synthetic",
	"1.0",
	"makes up records of synthetic subjects (demos, benchmarks, tests)",
	"count  records per source (default 10)\n"
	"first  number of the first subject (default 1)\n",
	synthetic_open,
	synthetic_scan,
	NULL,
	synthetic_close
};

DSMAP_PLUGIN_EXPORT const dsmap_plugin_descriptor *dsmap_plugin_entry(void);

const dsmap_plugin_descriptor *dsmap_plugin_entry(void)
{
	return &descriptor;
}
