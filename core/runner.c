/*
 * The runner: one system's plugin, in a child process of the scan.
 *
 * Between fork() and the plugin, the runner drops what the scan process
 * holds that the plugin has no business touching: the store's memory maps
 * (a wild write could otherwise reach LMDB's lock table) and every file
 * descriptor but the frame pipe and stderr.  It then loads the plugin (the
 * same checks as dsmap_plugin_load: ownership, ABI, name), streams every
 * record as a frame, and exits.  Identifiers are normalised and hashed
 * here, so raw values never cross the pipe.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
# include <sys/prctl.h>
#endif

#include "errors.h"
#include "ident.h"
#include "plugins.h"
#include "runner.h"

#define OUT_BUFSIZE (64u << 10)
/* A buffer is sent when full, or when it has waited this long: the scan
 * process counts a plugin that sends nothing for its timeout as hung. */
#define FLUSH_EVERY 0.2

struct run {
	const struct dsmap__runner_job *job;
	int fd;
	unsigned char *buf;
	size_t used;
	double flushed;              /* when the buffer was last sent */
	uint64_t records;
	int attrs;                   /* the plugin speaks ABI 1.1: records carry attributes */
	int failed;                  /* a record broke the rules: stop */
	int fail_code;
	char msg[DSMAP__ERROR_MAX];  /* the plugin's set_error, or ours */
};

_Static_assert(DSMAP__FRAME_HEADER + DSMAP__FRAME_MAX <= OUT_BUFSIZE,
               "the largest frame fits the output buffer");

#define STR_(x) #x
#define STR(x) STR_(x)

static void die_quietly(void)
{
	_exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void flush(struct run *r)
{
	size_t off = 0;

	while (off < r->used) {
		ssize_t n = write(r->fd, r->buf + off, r->used - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die_quietly();   /* the scan process is gone */
		off += (size_t)n;
	}
	r->used = 0;
	r->flushed = now();
}

static void fail(struct run *r, int code, const char *fmt, ...) DSMAP__PRINTF(3, 4);

/* Queue frame `f`, sending the buffer first when it has no room for it.
 * Returns 0, or -1 when the codec refused the frame (a fault of the
 * runner's, not the plugin's: the run is failed). */
static int put_frame(struct run *r, const struct dsmap__frame *f)
{
	const char *why = "";
	size_t need = dsmap__frame_size(f), n;

	if (need > 0 && r->used + need > OUT_BUFSIZE)
		flush(r);
	if (dsmap__frame_encode(r->buf + r->used, OUT_BUFSIZE - r->used, &n, &why, f) < 0) {
		fail(r, DSMAP_ERROR, "cannot encode a frame of type '%c': %s", f->type, why);
		return -1;
	}
	r->used += n;
	return 0;
}

/* A reason as long as a frame takes: longer ones are cut. */
static size_t clamp_reason(const char *reason)
{
	size_t n = strlen(reason);

	return n > DSMAP__FRAME_REASON_MAX ? DSMAP__FRAME_REASON_MAX : n;
}

static int send_invalid(struct run *r, uint64_t number, uint16_t source, int kind,
                        const char *reason)
{
	struct dsmap__frame f = {
		.type = DSMAP__FRAME_INVALID,
		.invalid = { .number = number, .source = source, .kind = kind,
		             .reason_len = clamp_reason(reason), .reason = reason }
	};

	return put_frame(r, &f);
}

static int send_reject(struct run *r, uint64_t number, uint16_t source, const char *reason)
{
	struct dsmap__frame f = {
		.type = DSMAP__FRAME_REJECT,
		.reject = { .number = number, .source = source, .reason_len = clamp_reason(reason),
		            .reason = reason }
	};

	return put_frame(r, &f);
}

static int send_unmapped(struct run *r, uint64_t number, uint16_t source, int facet)
{
	struct dsmap__frame f = {
		.type = DSMAP__FRAME_UNMAPPED,
		.unmapped = { .number = number, .source = source, .facet = facet }
	};

	return put_frame(r, &f);
}

/* The 'X' frame, sent at once: the runner exits after it. */
static void send_error(struct run *r, int code, const char *msg)
{
	size_t len = strlen(msg);
	struct dsmap__frame f = { .type = DSMAP__FRAME_ERROR };

	f.error.code = code;
	f.error.msg = msg;
	f.error.msg_len = len > DSMAP__FRAME_MESSAGE_MAX ? DSMAP__FRAME_MESSAGE_MAX : len;
	put_frame(r, &f);
	flush(r);
}

static void fail(struct run *r, int code, const char *fmt, ...)
{
	va_list ap;

	if (r->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	r->failed = 1;
	r->fail_code = code;
}

static void host_set_error(dsmap_plugin_host *host, const char *fmt, ...)
{
	struct run *r = host->host_data;
	va_list ap;

	if (r->failed)
		return;   /* our own message says more */
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

static int source_index(const struct run *r, const dsmap_plugin_source *s)
{
	const dsmap_plugin_config *c = r->job->config;
	size_t i;

	for (i = 0; i < c->source_count; i++)
		if (s == &c->sources[i])
			return (int)i;
	return -1;
}

static int catbit_of(const struct dsmap__runner_source *s, const char *ref, uint32_t *bit)
{
	size_t i;

	for (i = 0; i < s->cat_count; i++)
		if (s->cats[i].ref == ref) {
			*bit = s->cats[i].catbit;
			return 0;
		}
	for (i = 0; i < s->cat_count; i++)
		if (strcmp(s->cats[i].ref, ref) == 0) {
			*bit = s->cats[i].catbit;
			return 0;
		}
	return -1;
}

uint32_t dsmap__runner_facet_mask(const struct dsmap__runner_facet *f,
                                  const dsmap_plugin_value *attrs, size_t count, int *unmapped)
{
	const dsmap_plugin_value *v;
	size_t i;

	*unmapped = 0;
	if (f->attr < 0)
		return f->fixed;
	if (attrs == NULL)
		return 0;                /* a plugin older than ABI 1.1: unknown */
	v = (size_t)f->attr < count ? &attrs[f->attr] : NULL;
	if (v != NULL && v->value != NULL)
		for (i = 0; i < f->value_count; i++)
			if (f->values[i].len == v->len && memcmp(f->values[i].value, v->value, v->len) == 0)
				return f->values[i].mask;
	if (f->has_default)
		return f->dflt;
	*unmapped = 1;
	return 0;
}

static int on_record(const dsmap_plugin_record *rec, void *payload)
{
	struct run *r = payload;
	unsigned char ids[DSMAP__FRAME_MAX_IDS][DSMAP__FRAME_ID_SIZE];
	uint32_t cats[DSMAP__FRAME_MAX_CATS];
	char norm[DSMAP_IDENT_MAX + 1];
	size_t nids = 0, ncats = 0, i, j;
	int64_t first = 0, last = 0;
	uint32_t masks[2];
	uint16_t source;
	struct dsmap__frame fr;
	int si, f, too_many = 0;

	if (r->failed)
		return 1;
	if (rec == NULL || (si = source_index(r, rec->source)) < 0) {
		fail(r, DSMAP_EINVALID, "the plugin sent a record of no source it was given");
		return 1;
	}
	source = (uint16_t)si;
	r->records++;
	if ((rec->identifier_count > 0 && rec->identifiers == NULL) ||
	    (rec->category_count > 0 && rec->categories == NULL) ||
	    (rec->locator_len > 0 && rec->locator == NULL)) {
		fail(r, DSMAP_EINVALID, "source %s: record %llu: the plugin sent a NULL array",
		     rec->source->name, (unsigned long long)rec->number);
		return 1;
	}
	if (r->attrs && ((rec->attribute_count > 0 && rec->attributes == NULL) ||
	                 (rec->attribute_count != 0 &&
	                  rec->attribute_count != rec->source->attribute_field_count))) {
		fail(r, DSMAP_EINVALID, "source %s: record %llu: the plugin sent %zu attribute values "
		     "for %zu attribute fields", rec->source->name, (unsigned long long)rec->number,
		     rec->attributes == NULL ? (size_t)0 : rec->attribute_count,
		     rec->source->attribute_field_count);
		return 1;
	}
	if (rec->locator_len > DSMAP__FRAME_LOCATOR_MAX) {
		fail(r, DSMAP_EINVALID, "source %s: record %llu: a locator of %zu bytes, more than %d",
		     rec->source->name, (unsigned long long)rec->number, rec->locator_len,
		     DSMAP__FRAME_LOCATOR_MAX);
		return 1;
	}
	if (rec->category_count > DSMAP__FRAME_MAX_CATS) {
		fail(r, DSMAP_EINVALID, "source %s: record %llu: %zu categories, more than %d",
		     rec->source->name, (unsigned long long)rec->number, rec->category_count,
		     DSMAP__FRAME_MAX_CATS);
		return 1;
	}
	for (i = 0; i < rec->identifier_count; i++) {
		const dsmap_plugin_identifier *id = &rec->identifiers[i];
		unsigned char h[DSMAP_IDENT_HASH_SIZE];
		const char *why;
		size_t n;

		if (dsmap_ident_kind_name(id->kind) == NULL) {
			fail(r, DSMAP_EINVALID, "source %s: record %llu: identifier kind %d is not one "
			     "dsmap knows", rec->source->name, (unsigned long long)rec->number, id->kind);
			return 1;
		}
		if (id->value == NULL && id->len > 0) {
			fail(r, DSMAP_EINVALID, "source %s: record %llu: an identifier with no value",
			     rec->source->name, (unsigned long long)rec->number);
			return 1;
		}
		if ((why = dsmap_ident__normalise(norm, &n, id->kind, id->value ? id->value : "",
		                                  id->len)) == dsmap_ident__oom) {
			/* the machine's fault, not the value's: the scan fails */
			fail(r, DSMAP_ENOMEM, "source %s: record %llu: out of memory normalising an "
			     "identifier", rec->source->name, (unsigned long long)rec->number);
			return 1;
		}
		if (why != NULL) {
			if (send_invalid(r, rec->number, source, id->kind, why) < 0)
				return 1;
			continue;
		}
		dsmap_ident__hash(h, r->job->key, id->kind, norm, n);
		for (j = 0; j < nids; j++)
			if (ids[j][0] == id->kind && memcmp(ids[j] + 1, h, sizeof(h)) == 0)
				break;
		if (j < nids)
			continue;
		if (nids == DSMAP__FRAME_MAX_IDS) {
			too_many = 1;
			continue;
		}
		ids[nids][0] = (unsigned char)id->kind;
		memcpy(ids[nids] + 1, h, sizeof(h));
		nids++;
	}
	if (too_many && send_invalid(r, rec->number, source, 0, "more than "
	                             STR(DSMAP__FRAME_MAX_IDS) " distinct identifiers in one "
	                             "record: the rest were left out") < 0)
		return 1;
	if (nids == 0)
		return send_reject(r, rec->number, source, rec->identifier_count ?
		                   "no valid identifier" : "no identifier") < 0 ? 1 : 0;
	for (i = 0; i < rec->category_count; i++) {
		uint32_t bit;

		if (rec->categories[i] == NULL ||
		    catbit_of(&r->job->sources[source], rec->categories[i], &bit) < 0) {
			fail(r, DSMAP_EINVALID, "source %s: record %llu: the plugin sent a category the "
			     "system's definition does not map to this source", rec->source->name,
			     (unsigned long long)rec->number);
			return 1;
		}
		for (j = 0; j < ncats && cats[j] != bit; j++)
			;
		if (j == ncats)
			cats[ncats++] = bit;
	}
	for (f = 0; f < 2; f++) {
		int unmapped;

		masks[f] = dsmap__runner_facet_mask(&r->job->sources[source].facets[f],
		                                    r->attrs ? rec->attributes : NULL,
		                                    r->attrs ? rec->attribute_count : 0, &unmapped);
		if (unmapped && send_unmapped(r, rec->number, source, f) < 0)
			return 1;
	}
	if (rec->created > 0)
		first = last = rec->created;
	if (rec->updated > 0) {
		if (first == 0 || rec->updated < first)
			first = rec->updated;
		if (rec->updated > last)
			last = rec->updated;
	}

	memset(&fr, 0, sizeof(fr));
	fr.type = DSMAP__FRAME_RECORD;
	fr.record.number = rec->number;
	fr.record.first = first;
	fr.record.last = last;
	fr.record.source = source;
	fr.record.kinds = masks[DSMAP__RUNNER_KIND];
	fr.record.brands = masks[DSMAP__RUNNER_BRAND];
	fr.record.id_count = nids;
	fr.record.ids = ids[0];
	fr.record.cat_count = ncats;
	fr.record.cats = (const unsigned char *)cats;
	fr.record.loc_len = rec->locator_len;
	fr.record.loc = rec->locator;
	if (put_frame(r, &fr) < 0)
		return 1;
	if ((r->records & 255) == 0 || r->used < 4096)
		if (now() - r->flushed > FLUSH_EVERY)
			flush(r);
	return 0;
}

static int on_reject(const dsmap_plugin_source *src, uint64_t number, const char *reason,
                     void *payload)
{
	struct run *r = payload;
	int si;

	if (r->failed)
		return 1;
	if ((si = source_index(r, src)) < 0) {
		fail(r, DSMAP_EINVALID, "the plugin rejected a record of no source it was given");
		return 1;
	}
	r->records++;
	return send_reject(r, number, (uint16_t)si, reason ? reason : "rejected by the plugin") < 0 ?
	       1 : 0;
}

static int code_of(int plugin_rc)
{
	switch (plugin_rc) {
	case DSMAP_PLUGIN_ECONFIG:
	case DSMAP_PLUGIN_EDATA:
		return DSMAP_EINVALID;
	case DSMAP_PLUGIN_ECONNECT:
		return DSMAP_EIO;
	default:
		return DSMAP_ERROR;
	}
}

/* The message, less a leading "system ID: " the plugin may have put there:
 * the scan names the system itself. */
static const char *without_system(const struct run *r)
{
	size_t n = strlen(r->job->system_id);

	if (strncmp(r->msg, "system ", 7) == 0 && strncmp(r->msg + 7, r->job->system_id, n) == 0 &&
	    strncmp(r->msg + 7 + n, ": ", 2) == 0)
		return r->msg + 7 + n + 2;
	return r->msg;
}

/* Keep only fds 0, 1 (/dev/null), 2 (errfd) and 3 (the frames). */
static int settle_fds(int fd, int errfd)
{
	int null = open("/dev/null", O_RDWR);
	long max, i;

	if (null < 0)
		return -1;
	/* Move the pipe ends above 3 first, so the dup2s below cannot clobber them. */
	if ((fd = fcntl(fd, F_DUPFD, 10)) < 0 || (errfd = fcntl(errfd, F_DUPFD, 10)) < 0)
		return -1;
	if (dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(errfd, 2) < 0 || dup2(fd, 3) < 0)
		return -1;
#if defined(HAVE_CLOSE_RANGE)
	if (close_range(4, ~0u, 0) == 0)
		return 0;
#endif
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (i = 4; i < max; i++)
		close((int)i);
	return 0;
}

void dsmap__runner_main(const struct dsmap__runner_job *job, int fd, int errfd)
{
	static unsigned char buf[OUT_BUFSIZE];
	static struct run r;
	dsmap_plugin_host host;
	dsmap_plugin *plugin = NULL;
	void *ctx = NULL;
	int rc;

#if defined(__linux__)
	/* Do not outlive the scan process. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	/* The caller's handlers are not the runner's: a SIGBUS in a plugin is
	 * the plugin's crash, not a damaged store. */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	signal(SIGSEGV, SIG_DFL);
	signal(SIGABRT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	dsmap_store__forget(job->store);
	if (settle_fds(fd, errfd) < 0)
		_exit(1);
	memset(&r, 0, sizeof(r));
	r.job = job;
	r.fd = 3;
	r.buf = buf;
	r.flushed = now();

	if (job->workdir != NULL && chdir(job->workdir) != 0) {
		snprintf(r.msg, sizeof(r.msg), "cannot enter %s: %s", job->workdir, strerror(errno));
		send_error(&r, DSMAP_EIO, r.msg);
		_exit(1);
	}
	if ((rc = dsmap_plugin_load(&plugin, job->plugin_path)) < 0) {
		send_error(&r, rc, dsmap_error_last()->message);
		_exit(1);
	}
	if (strcmp(plugin->desc->name, job->plugin_name) != 0) {
		snprintf(r.msg, sizeof(r.msg), "plugin %s calls itself '%s', not '%s'",
		         job->plugin_path, plugin->desc->name, job->plugin_name);
		send_error(&r, DSMAP_EINVALID, r.msg);
		_exit(1);
	}

	/* A record's attributes exist from ABI 1.1 on: an older plugin's
	 * record ends before them. */
	r.attrs = plugin->desc->abi_minor >= 1;

	memset(&host, 0, sizeof(host));
	host.abi_major = DSMAP_PLUGIN_ABI_MAJOR;
	host.abi_minor = DSMAP_PLUGIN_ABI_MINOR;
	host.struct_size = sizeof(host);
	host.set_error = host_set_error;
	host.host_data = &r;

	rc = plugin->desc->open(&ctx, &host, job->config);
	if (rc < 0) {
		if (r.msg[0] == '\0')
			snprintf(r.msg, sizeof(r.msg), "the plugin could not open the source (code %d)", rc);
		send_error(&r, code_of(rc), without_system(&r));
		_exit(1);
	}
	rc = plugin->desc->scan(ctx, on_record, job->skip_broken ? on_reject : NULL, &r);
	plugin->desc->close(ctx);
	if (r.failed) {
		send_error(&r, r.fail_code, r.msg);
		_exit(1);
	}
	if (rc < 0) {
		if (r.msg[0] == '\0')
			snprintf(r.msg, sizeof(r.msg), "the plugin's scan failed (code %d) without "
			         "saying why", rc);
		send_error(&r, code_of(rc), without_system(&r));
		_exit(1);
	}
	{
		struct dsmap__frame end = { .type = DSMAP__FRAME_END, .end = { .records = r.records } };

		if (put_frame(&r, &end) < 0) {
			send_error(&r, r.fail_code, r.msg);
			_exit(1);
		}
	}
	flush(&r);
	/* The plugin stays loaded: its destructors could still misbehave, and the
	 * process is about to go anyway. */
	_exit(0);
}
