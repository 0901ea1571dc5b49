/*
 * Scans: the systems of the mapping, each through its plugin in a runner
 * process (runner.c), into the inventory (inventory.c).
 *
 * This process is the only writer.  It forks up to `jobs` runners, reads
 * their frames with poll(), checks every frame as if it came from a
 * stranger (a plugin shares the runner's address space and can write
 * anything to any descriptor), and queues the records it accepts.  When a
 * runner ends with its 'E' frame and exit status 0, the system's new
 * generation is committed with its counters in one transaction; anything
 * else (a crash, a timeout, an 'X' frame, garbage) drops it and the
 * previous inventory stays.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "alloc.h"
#include "dsmap/lineage.h"
#include "dsmap/scan.h"
#include "arena.h"
#include "errors.h"
#include "frame.h"
#include "inventory.h"
#include "mapping.h"
#include "plugins.h"
#include "runner.h"
#include "sink.h"
#include "util.h"
#include "workspace.h"

#define INBUF_SIZE (256u << 10)
#define ERRTAIL_SIZE 2048
#define MAX_ISSUES 64
#define TICK_MS 100

/* take_frames() leaves less than one whole frame in a job's buffer: a full
 * buffer means the runner is not sending frames. */
_Static_assert(INBUF_SIZE > DSMAP__FRAME_HEADER + DSMAP__FRAME_MAX,
               "a whole frame fits the input buffer");

/* A remote agent's numbers to this store's (the start message's tables):
 * an agent's store numbers categories and facets its own way. */
struct remote_xlat {
	uint32_t *cat;                   /* by the agent's catbit: ours, or UINT32_MAX */
	size_t ncat;
	unsigned char facet[2][32];      /* by the agent's facet bit: ours, or 0xff */
};

struct report_issue {
	dsmap_scan_issue pub;
	char *reason;
};

struct job {
	const struct dsmap__system *sys;
	size_t slot;
	dsmap_scan_system *out;
	/* the plugin's configuration, in the scan's arena */
	dsmap_plugin_config config;
	struct dsmap__runner_source *rsources;
	unsigned char *allowed;          /* catbits this system may report, a bitmap */
	char *plugin_path;
	unsigned int timeout;
	/* the store's view */
	dsmap_store__system_summary old; /* before the scan */
	/* the runner */
	dsmap_scan_state state;
	pid_t pid;
	int fd, errfd;
	unsigned char *in;
	size_t inlen;
	char errtail[ERRTAIL_SIZE];
	size_t errlen;
	double started, last_word, ended;
	int got_end;                     /* an 'E' frame whose count matched */
	int order;                       /* enum dsmap__frame_order of its frames */
	struct remote_xlat *xlat;        /* a remote agent's numbering, or NULL */
	uint64_t frames;                 /* frames decoded */
	int killed;                      /* kill_job() was called */
	/* A failed job is never committed.  The flag is set before anything
	 * else and never cleared; the message is cut to fit and allocates
	 * nothing, so no shortage of memory can lose a failure. */
	int failed;
	int failure_code;
	char failure[DSMAP__ERROR_MAX];  /* why it failed, when failed */
	/* what it found */
	uint64_t records, rejected, invalid;
	struct report_issue *issues;
	size_t issue_count;
	uint64_t other_issues;
};

struct dsmap_scan_report {
	size_t count;
	dsmap_scan_system *systems;
	struct job *jobs;
};

struct scan {
	dsmap_workspace *ws;
	dsmap_mapping *m;
	dsmap__arena arena;
	char commit[41];
	uint32_t *catbits;               /* by index in m->categories */
	size_t catbit_count;             /* one past the highest catbit */
	unsigned int *facet_bits[2];     /* by index in m->subject_kinds, m->brands */
	struct pollfd *pfd;              /* run_all's scratch (see there) */
	struct job **who;
	dsmap_scan_progress *pr;
	struct job *jobs;
	size_t njobs;
	dsmap__ingest *ing;               /* NULL when frames go to `sink` */
	const struct dsmap__frame_sink *sink;  /* an agent's (sink.h), or NULL */
	const struct dsmap__sink_plan *plan;   /* for the sink's start */
	int sink_started;                /* the sink's start was called */
	int remote;                      /* the frames come from a remote agent: no
	                                  * plugin runs here, so its options are not
	                                  * expanded (they are the agent's secrets)
	                                  * nor the plugin looked for */
	const dsmap_scan_options *opts;
	/* The report being made, in memory as well as in dsmap_scan()'s
	 * local: a runner is forked below it, and its noreturn main need
	 * not save the registers a local of the parent may live in, so that
	 * an allocation known to a register alone would be a leak in the
	 * child (valgrind checks the runners too). */
	dsmap_scan_report *report;
	/* the credentials file, read when first needed */
	int cred_read;
	char *cred;
	size_t cred_len;
	char *cred_path;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void job_fail(struct job *j, int code, const char *fmt, ...) DSMAP__PRINTF(3, 4);
static void job_fail(struct job *j, int code, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (j->failed)
		return;   /* the first reason is the real one */
	j->failed = 1;
	j->failure_code = code;
	va_start(ap, fmt);
	n = vsnprintf(j->failure, sizeof(j->failure), fmt, ap);
	va_end(ap);
	if (n < 0)
		snprintf(j->failure, sizeof(j->failure), "the scan failed (code %d)", code);
	else if ((size_t)n >= sizeof(j->failure))
		memcpy(j->failure + sizeof(j->failure) - 4, "...", 4);
}

/* ---- configuration --------------------------------------------------------------- */

static int read_credentials(struct scan *sc)
{
	const char *env = getenv("DSMAP_CREDENTIALS");
	struct stat sb;
	int rc;

	sc->cred_read = 1;
	sc->cred_path = env && env[0] ? dsmap__strdup(env) :
	                dsmap__path_join(sc->ws->dotdir, "credentials");
	if (sc->cred_path == NULL)
		return dsmap_error__oom();
	if (stat(sc->cred_path, &sb) != 0) {
		if (errno == ENOENT)
			return 0;
		return dsmap_error__errno(DSMAP_EIO, errno, "credentials file %s", sc->cred_path);
	}
	if (!S_ISREG(sb.st_mode))
		return dsmap_error__set(DSMAP_EINVALID, "credentials file %s: not a regular file",
		                        sc->cred_path);
	if (sb.st_mode & 077)
		return dsmap_error__set(DSMAP_EPERM, "credentials file %s: refused: %s may read or "
		                        "write it (mode %04o); chmod 600 it", sc->cred_path,
		                        sb.st_mode & 007 ? "others" : "its group",
		                        (unsigned int)(sb.st_mode & 07777));
	if ((rc = dsmap__read_file(&sc->cred, &sc->cred_len, sc->cred_path, 1u << 20)) < 0)
		return rc;
	return 0;
}

/* The value of NAME from the environment or the credentials file: NAME=VALUE
 * lines, '#' comments.  *found is 0 when neither has it. */
static int lookup_var(struct scan *sc, const char *name, size_t nlen, const char **val,
                      size_t *vlen)
{
	char key[256];
	const char *p, *end, *env;
	int rc;

	*val = NULL;
	if (nlen >= sizeof(key))
		return 0;
	memcpy(key, name, nlen);
	key[nlen] = '\0';
	if ((env = getenv(key)) != NULL) {
		*val = env;
		*vlen = strlen(env);
		return 0;
	}
	if (!sc->cred_read && (rc = read_credentials(sc)) < 0)
		return rc;
	for (p = sc->cred, end = sc->cred + sc->cred_len; p != NULL && p < end; ) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *eol = nl ? nl : end;

		if ((size_t)(eol - p) > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=') {
			*val = p + nlen + 1;
			*vlen = (size_t)(eol - *val);
			if (*vlen > 0 && (*val)[*vlen - 1] == '\r')
				(*vlen)--;
			return 0;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* `value` with its ${NAME} references replaced, in the arena. */
static int expand(struct scan *sc, struct job *j, const char *what, const char *key,
                  const char *value, const char **out)
{
	size_t cap = strlen(value) + 1, len = 0;
	char *buf = dsmap__malloc(cap), *grown;
	const char *p = value, *q;
	int rc = 0;

	if (buf == NULL)
		return dsmap_error__oom();
	while (*p) {
		const char *val;
		size_t vlen = 0, add;

		if (p[0] != '$' || p[1] != '{' || (q = strchr(p + 2, '}')) == NULL) {
			val = p;
			vlen = 1;
			p++;
		} else {
			if ((rc = lookup_var(sc, p + 2, (size_t)(q - p - 2), &val, &vlen)) < 0)
				goto done;
			if (val == NULL) {
				job_fail(j, DSMAP_EINVALID, "%s: option '%s': ${%.*s} is set neither in the "
				         "environment nor in the credentials file %s", what, key,
				         (int)(q - p - 2), p + 2, sc->cred_path ? sc->cred_path : "");
				rc = DSMAP_EINVALID;
				goto done;
			}
			p = q + 1;
		}
		add = vlen;
		if (len + add + 1 > cap) {
			cap = (len + add + 1) * 2;
			if ((grown = dsmap__realloc(buf, cap)) == NULL) {
				rc = dsmap_error__oom();
				goto done;
			}
			buf = grown;
		}
		memcpy(buf + len, val, vlen);
		len += vlen;
	}
	buf[len] = '\0';
	if ((*out = dsmap__arena_strndup(&sc->arena, buf, len)) == NULL)
		rc = dsmap_error__oom();
done:
	free(buf);
	return rc;
}

static int options(struct scan *sc, struct job *j, const char *what, const dsmap__vec *in,
                   size_t *count, const dsmap_plugin_option **out)
{
	dsmap_plugin_option *o;
	size_t i;
	int rc;

	*count = in->count;
	*out = NULL;
	if (in->count == 0)
		return 0;
	if ((o = dsmap__arena_alloc(&sc->arena, in->count * sizeof(*o))) == NULL)
		return dsmap_error__oom();
	for (i = 0; i < in->count; i++) {
		const struct dsmap__option *opt = in->items[i];

		o[i].key = opt->key;
		if ((rc = expand(sc, j, what, opt->key, opt->value, &o[i].value)) < 0)
			return rc;
	}
	*out = o;
	return 0;
}

static const char *const facet_what[2] = { "subject kind", "brand" };

/* The mask of subject kind (facet 0) or brand (facet 1) `id`; 0 when the
 * mapping has no such id (the job is failed). */
static uint32_t facet_mask(const struct scan *sc, struct job *j, const char *srcname, int facet,
                           const char *id)
{
	const dsmap__vec *v = facet == DSMAP__RUNNER_KIND ? &sc->m->subject_kinds : &sc->m->brands;
	size_t i;

	for (i = 0; id != NULL && i < v->count; i++) {
		const char *have = facet == DSMAP__RUNNER_KIND ?
		                   ((const struct dsmap__subject_kind *)v->items[i])->id :
		                   ((const struct dsmap__brand *)v->items[i])->id;

		if (strcmp(have, id) == 0)
			return 1u << sc->facet_bits[facet][i];
	}
	job_fail(j, DSMAP_EINVALID, "source %s: %s '%s' is not one the mapping defines", srcname,
	         facet_what[facet], id ? id : "");
	return 0;
}

/* The runner's table for one facet of source `s`, and the attribute field
 * it reads added to attrs[] (once).  Returns 0; DSMAP_EINVALID when the
 * job was failed; a negative code when out of memory. */
static int prepare_facet(struct scan *sc, struct job *j, const struct dsmap__source *s, int facet,
                         struct dsmap__runner_facet *rf, const char **attrs, size_t *nattrs)
{
	const struct dsmap__facet *fc = facet == DSMAP__RUNNER_KIND ? s->subject_kind : s->brand;
	struct dsmap__runner_facet_value *vals;
	size_t k;

	memset(rf, 0, sizeof(*rf));
	rf->attr = -1;
	if (fc == NULL)
		return 0;                 /* the source says nothing: unknown (mask 0) */
	if (fc->field == NULL) {
		if ((rf->fixed = rf->allowed = facet_mask(sc, j, s->name, facet, fc->fixed)) == 0)
			return DSMAP_EINVALID;
		return 0;
	}
	for (k = 0; k < *nattrs && strcmp(attrs[k], fc->field) != 0; k++)
		;
	if (k == *nattrs)
		attrs[(*nattrs)++] = fc->field;
	rf->attr = (int)k;
	rf->field = fc->field;
	if ((vals = dsmap__arena_alloc(&sc->arena, (fc->values.count + 1) * sizeof(*vals))) == NULL)
		return dsmap_error__oom();
	for (k = 0; k < fc->values.count; k++) {
		const struct dsmap__facet_value *fv = fc->values.items[k];

		vals[k].value = fv->value;
		vals[k].len = strlen(fv->value);
		if ((vals[k].mask = facet_mask(sc, j, s->name, facet, fv->id)) == 0)
			return DSMAP_EINVALID;
		rf->allowed |= vals[k].mask;
	}
	rf->values = vals;
	rf->value_count = fc->values.count;
	if (fc->default_id != NULL) {
		if ((rf->dflt = facet_mask(sc, j, s->name, facet, fc->default_id)) == 0)
			return DSMAP_EINVALID;
		rf->has_default = 1;
		rf->allowed |= rf->dflt;
	}
	return 0;
}

static uint32_t catbit_of(const struct scan *sc, const struct dsmap__category *cat)
{
	size_t i;

	for (i = 0; i < sc->m->categories.count; i++)
		if (sc->m->categories.items[i] == cat)
			return sc->catbits[i];
	return UINT32_MAX;
}

/* The plugin configuration and the runner's category tables of a job.
 * A failure that is the system's (an unset variable) fails the job and
 * returns 0; only running out of memory returns an error. */
static int prepare(struct scan *sc, struct job *j)
{
	const struct dsmap__system *sys = j->sys;
	dsmap_plugin_source *srcs;
	size_t i, k, c;
	int rc;

	j->timeout = sc->opts->timeout ? sc->opts->timeout : sys->timeout;
	if ((j->allowed = dsmap__arena_alloc(&sc->arena, sc->catbit_count / 8 + 1)) == NULL)
		return dsmap_error__oom();
	j->config.system_id = sys->id;
	rc = sc->remote ? 0 : options(sc, j, "config", &sys->options, &j->config.option_count,
	                              &j->config.options);
	if (rc == DSMAP_EINVALID && j->failed)
		return 0;
	if (rc < 0)
		return rc;
	j->config.source_count = sys->sources.count;
	srcs = dsmap__arena_alloc(&sc->arena, (sys->sources.count + 1) * sizeof(*srcs));
	j->rsources = dsmap__arena_alloc(&sc->arena, (sys->sources.count + 1) * sizeof(*j->rsources));
	if (srcs == NULL || j->rsources == NULL)
		return dsmap_error__oom();
	/* the arena does not clear: a field a source leaves unset (a facet it
	 * does not give) must read as 0, not as what the chunk held */
	memset(srcs, 0, (sys->sources.count + 1) * sizeof(*srcs));
	memset(j->rsources, 0, (sys->sources.count + 1) * sizeof(*j->rsources));
	j->config.sources = srcs;
	for (i = 0; i < sys->sources.count; i++) {
		const struct dsmap__source *s = sys->sources.items[i];
		dsmap_plugin_id_field *idf;
		dsmap_plugin_category_field *cf;
		struct dsmap__runner_cat *rc_cats;
		size_t ncats = 0;
		char what[300];

		snprintf(what, sizeof(what), "source %s", s->name);
		srcs[i].name = s->name;
		srcs[i].timestamp_field = s->timestamp;
		rc = sc->remote ? 0 : options(sc, j, what, &s->options, &srcs[i].option_count,
		                              &srcs[i].options);
		if (rc == DSMAP_EINVALID && j->failed)
			return 0;
		if (rc < 0)
			return rc;
		idf = dsmap__arena_alloc(&sc->arena, (s->id_fields.count + 1) * sizeof(*idf));
		cf = dsmap__arena_alloc(&sc->arena, (s->cat_fields.count + 1) * sizeof(*cf));
		if (idf == NULL || cf == NULL)
			return dsmap_error__oom();
		for (k = 0; k < s->id_fields.count; k++) {
			const struct dsmap__id_field *f = s->id_fields.items[k];

			idf[k].field = f->field;
			idf[k].kind = f->kind;
		}
		srcs[i].id_field_count = s->id_fields.count;
		srcs[i].id_fields = idf;
		for (k = 0; k < s->cat_fields.count; k++)
			ncats += ((const struct dsmap__cat_field *)s->cat_fields.items[k])->categories.count;
		if ((rc_cats = dsmap__arena_alloc(&sc->arena, (ncats + 1) * sizeof(*rc_cats))) == NULL)
			return dsmap_error__oom();
		ncats = 0;
		for (k = 0; k < s->cat_fields.count; k++) {
			const struct dsmap__cat_field *f = s->cat_fields.items[k];
			const char **refs = dsmap__arena_alloc(&sc->arena,
			                                       (f->categories.count + 1) * sizeof(*refs));

			if (refs == NULL)
				return dsmap_error__oom();
			for (c = 0; c < f->categories.count; c++) {
				const struct dsmap__category *cat = f->categories.items[c];
				uint32_t bit = catbit_of(sc, cat);

				refs[c] = cat->ref;
				if (bit >= sc->catbit_count)
					return dsmap_error__set(DSMAP_ERROR, "category %s has no number in the "
					                        "store; run dsmap sync", cat->ref);
				rc_cats[ncats].ref = cat->ref;
				rc_cats[ncats].catbit = bit;
				ncats++;
				j->allowed[bit >> 3] |= (unsigned char)(1u << (bit & 7));
			}
			cf[k].field = f->field;
			cf[k].category_count = f->categories.count;
			cf[k].categories = refs;
		}
		srcs[i].category_field_count = s->cat_fields.count;
		srcs[i].category_fields = cf;
		j->rsources[i].cat_count = ncats;
		j->rsources[i].cats = rc_cats;
		{
			const char **attrs = dsmap__arena_alloc(&sc->arena, 3 * sizeof(*attrs));
			size_t nattrs = 0;
			int f;

			if (attrs == NULL)
				return dsmap_error__oom();
			for (f = 0; f < 2; f++) {
				rc = prepare_facet(sc, j, s, f, &j->rsources[i].facets[f], attrs, &nattrs);
				if (rc == DSMAP_EINVALID && j->failed)
					return 0;
				if (rc < 0)
					return rc;
			}
			srcs[i].attribute_field_count = nattrs;
			srcs[i].attribute_fields = nattrs ? attrs : NULL;
		}
	}
	if (sc->remote)
		return 0;
	if ((rc = dsmap_plugin__locate(&j->plugin_path, NULL, sys->plugin)) < 0) {
		job_fail(j, rc, "%s", dsmap_error_last()->message);
		dsmap_error_clear();
		return 0;
	}
	/* The runner works in the workspace's directory: a relative plugin path
	 * must not change meaning there. */
	if (j->plugin_path[0] != '/') {
		char *abs = realpath(j->plugin_path, NULL);

		if (abs == NULL) {
			job_fail(j, DSMAP_EIO, "plugin %s: %s", j->plugin_path, strerror(errno));
			return 0;
		}
		free(j->plugin_path);
		j->plugin_path = abs;
	}
	return 0;
}

/* ---- issues ---------------------------------------------------------------------- */

/* "line 17: why" -> why, with 17 in *line; the reason as is otherwise. */
static const char *strip_position(const char *reason, size_t len, size_t *rest, uint64_t *line,
                                  int *is_line)
{
	const char *p = reason, *end = reason + len;
	size_t n = 0;
	uint64_t v = 0;

	*is_line = 0;
	if (len > 5 && memcmp(p, "line ", 5) == 0)
		n = 5;
	else if (len > 4 && memcmp(p, "row ", 4) == 0)
		n = 4;
	if (n > 0) {
		const char *q = p + n;

		while (q < end && *q >= '0' && *q <= '9' && v < UINT64_MAX / 10)
			v = v * 10 + (uint64_t)(*q++ - '0');
		if (q > p + n && end - q >= 2 && q[0] == ':' && q[1] == ' ') {
			*line = v;
			*is_line = p[0] == 'l';
			*rest = (size_t)(end - q - 2);
			return q + 2;
		}
	}
	*rest = len;
	return reason;
}

static void add_issue(struct job *j, int source, int kind, const char *reason, size_t len,
                      uint64_t number)
{
	const char *srcname = j->config.sources[source].name;
	const char *why;
	size_t n, i;
	uint64_t line = 0;
	int is_line;
	struct report_issue *is;

	why = strip_position(reason, len, &n, &line, &is_line);
	if (is_line)
		number = line;
	for (i = 0; i < j->issue_count; i++) {
		is = &j->issues[i];
		if (strcmp(is->pub.source, srcname) == 0 && (is->pub.kind == NULL) == (kind == 0) &&
		    (kind == 0 || strcmp(is->pub.kind, dsmap_ident_kind_name(kind)) == 0) &&
		    strlen(is->reason) == n && memcmp(is->reason, why, n) == 0)
			goto found;
	}
	if (j->issue_count == MAX_ISSUES) {
		j->other_issues++;
		return;
	}
	if (j->issues == NULL &&
	    (j->issues = dsmap__calloc(MAX_ISSUES, sizeof(*j->issues))) == NULL)
		return;
	is = &j->issues[j->issue_count];
	if ((is->reason = dsmap__malloc(n + 1)) == NULL)
		return;
	memcpy(is->reason, why, n);
	is->reason[n] = '\0';
	for (char *c = is->reason; *c; c++)
		if ((unsigned char)*c < 0x20)
			*c = '?';
	is->pub.reason = is->reason;
	is->pub.kind = kind ? dsmap_ident_kind_name(kind) : NULL;
	is->pub.source = srcname;
	is->pub.lines = is_line;
	j->issue_count++;
found:
	is->pub.count++;
	if (is->pub.example_count < sizeof(is->pub.examples) / sizeof(is->pub.examples[0]))
		is->pub.examples[is->pub.example_count++] = number;
}

/* ---- frames ---------------------------------------------------------------------- */

/* The sink's start, once, when its first frame or its end comes: after
 * the runner was forked, so that the runner never inherits what the sink
 * holds (an agent's NATS connection and its threads).  0 or a negative
 * code (last error set). */
static int sink_begin(struct scan *sc)
{
	if (sc->sink_started)
		return 0;
	sc->sink_started = 1;
	return sc->sink->start(sc->sink->payload, sc->plan);
}

/* Kill the job's runner.  Whatever it sent is never committed: finish()
 * refuses a killed runner's data even if the job was not failed first. */
static void kill_job(struct job *j)
{
	j->killed = 1;
	if (j->pid > 0)
		kill(j->pid, SIGKILL);
}

/* A frame well formed (frame.h checked its shape) but wrong for this job:
 * the plugin wrote where it must not, or the runner is broken. */
static void bad_frame(struct job *j, const char *what)
{
	if (j->xlat != NULL)
		job_fail(j, DSMAP_EINVALID, "the agent sent %s (%llu records in)", what,
		         (unsigned long long)j->records);
	else
		job_fail(j, DSMAP_EINVALID, "the runner sent %s (%llu records in); killed", what,
		         (unsigned long long)j->records);
	kill_job(j);
}

/* One record frame into the ingest.  Returns 0 (the job failed when the
 * record is not one this system can send), or a negative DSMAP_E* code for
 * the store. */
static int take_record(struct scan *sc, struct job *j, const struct dsmap__frame_record *fr)
{
	uint32_t cats[DSMAP__FRAME_MAX_CATS], masks[2] = { fr->kinds, fr->brands };
	struct dsmap__ingest_record r;
	size_t i;
	int f;

	if (fr->source >= j->config.source_count) {
		bad_frame(j, "a record of no source of the system");
		return 0;
	}
	/* A remote agent's numbers, in this store's; then the same checks. */
	for (f = 0; j->xlat != NULL && f < 2; f++) {
		uint32_t in = masks[f], b;

		masks[f] = 0;
		for (b = 0; b < 32; b++) {
			if (!(in & (1u << b)))
				continue;
			if (j->xlat->facet[f][b] == 0xff) {
				bad_frame(j, "a record with a subject kind or brand its start did not number");
				return 0;
			}
			masks[f] |= 1u << j->xlat->facet[f][b];
		}
	}
	/* only the facet bits and categories the source's definition can give */
	if ((masks[0] & ~j->rsources[fr->source].facets[DSMAP__RUNNER_KIND].allowed) != 0 ||
	    (masks[1] & ~j->rsources[fr->source].facets[DSMAP__RUNNER_BRAND].allowed) != 0) {
		bad_frame(j, "a record with a subject kind or brand its source cannot give");
		return 0;
	}
	for (i = 0; i < fr->cat_count; i++) {
		cats[i] = dsmap__frame_cat(fr, i);
		if (j->xlat != NULL) {
			if (cats[i] >= j->xlat->ncat || j->xlat->cat[cats[i]] == UINT32_MAX) {
				bad_frame(j, "a record with a category its start did not number");
				return 0;
			}
			cats[i] = j->xlat->cat[cats[i]];
		}
		if (cats[i] >= sc->catbit_count || !(j->allowed[cats[i] >> 3] & (1u << (cats[i] & 7)))) {
			bad_frame(j, "a record with a category the system cannot hold");
			return 0;
		}
	}
	r.ids = fr->ids;
	r.id_count = fr->id_count;
	r.cats = cats;
	r.cat_count = fr->cat_count;
	r.loc = fr->loc;
	r.loc_len = fr->loc_len;
	r.first = fr->first;
	r.last = fr->last;
	r.kinds = masks[0];
	r.brands = masks[1];
	j->records++;
	if (sc->sink != NULL)
		return 0;   /* take_frames() hands it on, checked */
	return dsmap__ingest_add(sc->ing, j->slot, &r);
}

/* An 'X' frame: the runner's own account of why it failed. */
static void take_error(struct job *j, const struct dsmap__frame_error *fe)
{
	char msg[DSMAP__ERROR_MAX];
	size_t n = fe->msg_len < sizeof(msg) ? fe->msg_len : sizeof(msg) - 1, i;
	int code = fe->code;

	memcpy(msg, fe->msg, n);
	msg[n] = '\0';
	for (i = 0; i < n; i++)
		if ((unsigned char)msg[i] < 0x20)
			msg[i] = ' ';
	/* from another process: only a code this dsmap has */
	if (code >= 0 || code < DSMAP__E_LOWEST)
		code = DSMAP_ERROR;
	job_fail(j, code, "%s", msg);
}

/* The whole frames of `buf`, each decoded by frame.c in the job's byte
 * order and checked against the job, then ingested (or handed to the
 * sink): the one path of a local runner's frames and a remote agent's.
 * *taken is set to the bytes of the whole frames taken.  Returns 0 or a
 * negative code for the store. */
static int take_frames_from(struct scan *sc, struct job *j, const unsigned char *buf, size_t len,
                            size_t *taken)
{
	size_t off = 0, used;
	int rc = 0;

	*taken = 0;
	while (off < len && !j->failed) {
		struct dsmap__frame f;
		const char *why = "";

		if (dsmap__frame_decode_as(j->order, &f, &used, &why, buf + off, len - off) < 0) {
			if (j->xlat != NULL)
				job_fail(j, DSMAP_EINVALID, "the agent sent a frame that is not one (%s, "
				         "%llu records in)", why, (unsigned long long)j->records);
			else if (used == 0)
				job_fail(j, DSMAP_EINVALID, "the runner sent garbage (%s, %llu records in): "
				         "the plugin wrote where it must not; killed", why,
				         (unsigned long long)j->records);
			else
				job_fail(j, DSMAP_EINVALID, "the runner sent a malformed frame (type %u: %s, "
				         "%llu records in); killed", (unsigned int)f.type, why,
				         (unsigned long long)j->records);
			kill_job(j);
			break;
		}
		if (used == 0)
			break;           /* the rest of it is on its way */
		off += used;
		j->frames++;
		switch (f.type) {
		case DSMAP__FRAME_RECORD:
			if ((rc = take_record(sc, j, &f.record)) < 0)
				return rc;
			break;
		case DSMAP__FRAME_INVALID:
			if (f.invalid.source >= j->config.source_count) {
				bad_frame(j, "an invalid identifier of no source of the system");
				break;
			}
			j->invalid++;
			add_issue(j, f.invalid.source, f.invalid.kind, f.invalid.reason,
			          f.invalid.reason_len, f.invalid.number);
			break;
		case DSMAP__FRAME_REJECT:
			if (f.reject.source >= j->config.source_count) {
				bad_frame(j, "a rejected record of no source of the system");
				break;
			}
			j->records++;
			j->rejected++;
			add_issue(j, f.reject.source, 0, f.reject.reason, f.reject.reason_len,
			          f.reject.number);
			break;
		case DSMAP__FRAME_UNMAPPED: {
			const struct dsmap__runner_facet *rf;
			char why_u[300];
			int n;

			if (f.unmapped.source >= j->config.source_count ||
			    (rf = &j->rsources[f.unmapped.source].facets[f.unmapped.facet])->field == NULL ||
			    rf->has_default) {
				bad_frame(j, "an unmapped value of a facet its source maps");
				break;
			}
			/* the field's name, never its value */
			n = snprintf(why_u, sizeof(why_u), "%s not mapped (field '%s')",
			             facet_what[f.unmapped.facet], rf->field);
			add_issue(j, f.unmapped.source, 0, why_u, n < 0 ? 0 : (size_t)n < sizeof(why_u) ?
			          (size_t)n : sizeof(why_u) - 1, f.unmapped.number);
			break;
		}
		case DSMAP__FRAME_END:
			if (f.end.records != j->records) {
				job_fail(j, DSMAP_EINVALID, "the runner counted %llu records, %llu arrived",
				         (unsigned long long)f.end.records, (unsigned long long)j->records);
				break;
			}
			j->got_end = 1;
			break;
		case DSMAP__FRAME_ERROR:
			take_error(j, &f.error);
			break;
		}
		/* An agent's scan: the frame passed every check a local scan
		 * makes (a frame that failed the job goes nowhere). */
		if (sc->sink != NULL && !j->failed &&
		    ((rc = sink_begin(sc)) < 0 || (rc = sc->sink->frame(sc->sink->payload, &f)) < 0))
			return rc;
	}
	*taken = off;
	return 0;
}

/* The whole frames in a runner's buffer; the rest stays for the next read. */
static int take_frames(struct scan *sc, struct job *j)
{
	size_t off;
	int rc;

	if ((rc = take_frames_from(sc, j, j->in, j->inlen, &off)) < 0)
		return rc;
	if (off > 0) {
		memmove(j->in, j->in + off, j->inlen - off);
		j->inlen -= off;
	}
	return 0;
}

/* ---- runners --------------------------------------------------------------------- */

static int start(struct scan *sc, struct job *j)
{
	struct dsmap__runner_job rj;
	int fds[2] = { -1, -1 }, efds[2] = { -1, -1 };
	pid_t pid;

	j->started = j->last_word = now();
	j->state = DSMAP_SCAN_RUNNING;
	if (j->failed)
		return 0;   /* failed while being prepared */
	if ((j->in = dsmap__malloc(INBUF_SIZE)) == NULL)
		return dsmap_error__oom();
	if (pipe(fds) != 0 || pipe(efds) != 0) {
		job_fail(j, DSMAP_EIO, "cannot create a pipe: %s", strerror(errno));
		goto fail;
	}
	rj.system_id = j->sys->id;
	rj.plugin_name = j->sys->plugin;
	rj.plugin_path = j->plugin_path;
	rj.workdir = sc->ws->path;
	rj.config = &j->config;
	rj.sources = j->rsources;
	rj.skip_broken = j->sys->skip_broken;
	rj.key = sc->ws->key;
	rj.store = sc->ws->store;
	fflush(NULL);
	if ((pid = fork()) < 0) {
		job_fail(j, DSMAP_EIO, "cannot start a runner: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		close(fds[0]);
		close(efds[0]);
		dsmap__runner_main(&rj, fds[1], efds[1]);
	}
	close(fds[1]);
	close(efds[1]);
	j->pid = pid;
	j->fd = fds[0];
	j->errfd = efds[0];
	fcntl(j->fd, F_SETFD, FD_CLOEXEC);
	fcntl(j->errfd, F_SETFD, FD_CLOEXEC);
	fcntl(j->fd, F_SETFL, O_NONBLOCK);
	fcntl(j->errfd, F_SETFL, O_NONBLOCK);
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		if (efds[i] >= 0)
			close(efds[i]);
	}
	return 0;
}

static void read_stderr(struct job *j)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(j->errfd, buf, sizeof(buf))) > 0) {
		size_t k = (size_t)n;

		if (k >= ERRTAIL_SIZE) {
			memcpy(j->errtail, buf + k - (ERRTAIL_SIZE - 1), ERRTAIL_SIZE - 1);
			j->errlen = ERRTAIL_SIZE - 1;
		} else {
			if (j->errlen + k >= ERRTAIL_SIZE) {
				size_t drop = j->errlen + k - (ERRTAIL_SIZE - 1);

				memmove(j->errtail, j->errtail + drop, j->errlen - drop);
				j->errlen -= drop;
			}
			memcpy(j->errtail + j->errlen, buf, k);
			j->errlen += k;
		}
		j->last_word = now();
	}
	if (n == 0) {
		close(j->errfd);
		j->errfd = -1;
	}
}

static int read_frames(struct scan *sc, struct job *j)
{
	ssize_t n;
	int rc;

	for (;;) {
		if (j->inlen == INBUF_SIZE) {
			/* cannot happen with frames below DSMAP__FRAME_MAX */
			job_fail(j, DSMAP_EINVALID, "the runner's frames overflowed the buffer; killed");
			kill_job(j);
			j->inlen = 0;
		}
		n = read(j->fd, j->in + j->inlen, INBUF_SIZE - j->inlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		j->inlen += (size_t)n;
		j->last_word = now();
		if (!j->failed && (rc = take_frames(sc, j)) < 0)
			return rc;
		if (j->failed)
			j->inlen = 0;   /* read and drop the rest */
	}
	if (n == 0) {
		close(j->fd);
		j->fd = -1;
	}
	return 0;
}

/* The last line the plugin wrote to stderr, for a failure's message. */
static const char *stderr_tail(struct job *j)
{
	char *p, *nl;

	if (j->errlen == 0)
		return NULL;
	j->errtail[j->errlen] = '\0';
	while (j->errlen > 0 && (j->errtail[j->errlen - 1] == '\n' || j->errtail[j->errlen - 1] == '\r'))
		j->errtail[--j->errlen] = '\0';
	p = j->errtail;
	while ((nl = strchr(p, '\n')) != NULL)
		p = nl + 1;
	for (char *c = p; *c; c++)
		if ((unsigned char)*c < 0x20)
			*c = ' ';
	return *p ? p : NULL;
}

/* A runner is gone: commit its system's new inventory, or drop it.  Only
 * the runner of a job that never failed, that was never killed, that sent
 * an 'E' frame whose count matched and exited with status 0 is committed;
 * each is tested here, so that a path that forgot to fail its job still
 * cannot commit. */
static int finish(struct scan *sc, struct job *j, int status)
{
	int clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	int rc;

	j->ended = now();
	j->pid = 0;
	if (!j->failed) {
		const char *tail = stderr_tail(j);

		if (WIFSIGNALED(status))
			job_fail(j, DSMAP_ERROR, "the plugin crashed (%s, signal %d) after %llu records "
			         "had arrived%s%s",
			         strsignal(WTERMSIG(status)), WTERMSIG(status),
			         (unsigned long long)j->records, tail ? "; its last words: " : "",
			         tail ? tail : "");
		else if (!clean || !j->got_end)
			job_fail(j, DSMAP_ERROR, "the runner ended (exit status %d) before the end of "
			         "the scan, after %llu records%s%s",
			         WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			         (unsigned long long)j->records, tail ? "; the plugin's last words: " : "",
			         tail ? tail : "");
		else if (j->killed)
			job_fail(j, DSMAP_ERROR, "the runner was killed after %llu records had arrived",
			         (unsigned long long)j->records);
	}
	if (j->failed || j->killed || !j->got_end || !clean) {
		if (sc->sink != NULL) {
			/* The sink says so to its reader; whether it could is
			 * secondary to the failure itself, which the job keeps. */
			if (sink_begin(sc) < 0 ||
			    sc->sink->end(sc->sink->payload, j->records,
			                  j->failed ? j->failure : "the scan did not finish") < 0)
				dsmap_error_clear();
		} else {
			dsmap__ingest_drop(sc->ing, j->slot);
		}
		j->state = DSMAP_SCAN_FAILED;
		return 0;
	}
	if (sc->sink != NULL) {
		if (sink_begin(sc) < 0 || sc->sink->end(sc->sink->payload, j->records, NULL) < 0) {
			job_fail(j, dsmap_error_last()->code, "%s", dsmap_error_last()->message);
			j->state = DSMAP_SCAN_FAILED;
			return 0;
		}
		j->state = DSMAP_SCAN_DONE;
		return 0;
	}
	{
		dsmap_store__system_summary sum;

		memset(&sum, 0, sizeof(sum));
		sum.last_scan = (int64_t)time(NULL);
		sum.rejected = j->rejected;
		sum.invalid = j->invalid;
		memcpy(sum.commit, sc->commit, sizeof(sum.commit));
		sum.sysno = j->old.sysno;
		rc = dsmap__ingest_commit(sc->ing, j->slot, j->sys->id, &sum);
		if (rc < 0) {
			job_fail(j, rc, "the store refused the new inventory: %s", dsmap_error_last()->message);
			dsmap__ingest_drop(sc->ing, j->slot);
			j->state = DSMAP_SCAN_FAILED;
			free(sum.categories);
			return 0;
		}
		j->out->stored = sum.records;
		j->out->subjects = sum.subjects;
		j->out->categories = sum.category_count;
		free(sum.categories);
	}
	j->state = DSMAP_SCAN_DONE;
	return 0;
}

static void progress(struct scan *sc, dsmap_scan_progress *pr)
{
	double t = now();
	size_t i;

	if (sc->opts->progress == NULL)
		return;
	for (i = 0; i < sc->njobs; i++) {
		struct job *j = &sc->jobs[i];

		pr[i].system = j->sys->id;
		pr[i].state = j->state;
		pr[i].records = j->records;
		pr[i].seconds = j->state == DSMAP_SCAN_WAITING ? 0 :
		                (j->ended > 0 ? j->ended : t) - j->started;
	}
	sc->opts->progress(pr, sc->njobs, sc->opts->progress_payload);
}

static int run_all(struct scan *sc, unsigned int jobs)
{
	struct pollfd *pfd;
	struct job **who;
	dsmap_scan_progress *pr;
	size_t next = 0, running = 0, done = 0, i;
	double last_tick = 0;
	int rc = 0;

	/* Kept in *sc, in memory: a runner forked from here holds them too, and
	 * its leak check must find them (a register is gone once the runner's
	 * noreturn main has run). */
	if ((pfd = sc->pfd = dsmap__calloc(sc->njobs * 2 + 1, sizeof(*pfd))) == NULL ||
	    (who = sc->who = dsmap__calloc(sc->njobs * 2 + 1, sizeof(*who))) == NULL ||
	    (pr = sc->pr = dsmap__calloc(sc->njobs + 1, sizeof(*pr))) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	while (done < sc->njobs) {
		size_t n = 0;
		double t;

		while (next < sc->njobs && running < jobs) {
			struct job *j = &sc->jobs[next++];

			if ((rc = start(sc, j)) < 0)
				goto done;
			if (j->pid > 0) {
				running++;
			} else {
				j->ended = now();
				j->state = DSMAP_SCAN_FAILED;
				done++;
			}
		}
		for (i = 0; i < sc->njobs; i++) {
			struct job *j = &sc->jobs[i];

			if (j->state != DSMAP_SCAN_RUNNING || j->pid <= 0)
				continue;
			if (j->fd >= 0) {
				pfd[n].fd = j->fd;
				pfd[n].events = POLLIN;
				who[n++] = j;
			}
			if (j->errfd >= 0) {
				pfd[n].fd = j->errfd;
				pfd[n].events = POLLIN;
				who[n++] = j;
			}
		}
		if (n > 0 && poll(pfd, n, TICK_MS) < 0 && errno != EINTR) {
			rc = dsmap_error__errno(DSMAP_EIO, errno, "poll");
			goto done;
		}
		for (i = 0; i < n; i++) {
			struct job *j = who[i];

			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (pfd[i].fd == j->fd) {
				if ((rc = read_frames(sc, j)) < 0)
					goto done;
			} else if (pfd[i].fd == j->errfd) {
				read_stderr(j);
			}
		}
		t = now();
		for (i = 0; i < sc->njobs; i++) {
			struct job *j = &sc->jobs[i];
			int status;
			pid_t w;

			if (j->state != DSMAP_SCAN_RUNNING || j->pid <= 0)
				continue;
			if (t - j->last_word > (double)j->timeout && !j->failed) {
				job_fail(j, DSMAP_ETIMEOUT, "the plugin sent nothing for %u s (%s): killed "
				         "after %llu records had arrived", j->timeout,
				         sc->opts->timeout ? "--timeout" : "the system's timeout",
				         (unsigned long long)j->records);
				kill_job(j);
			}
			/* Reap a runner that is gone, and drain what it left in the pipes:
			 * waiting for end-of-file instead would hang on a grandchild of
			 * the plugin that holds them open. */
			w = waitpid(j->pid, &status, WNOHANG);
			if (w == 0 || (w < 0 && errno == EINTR))
				continue;
			if (w < 0)
				status = 0;
			if (j->fd >= 0 && (rc = read_frames(sc, j)) < 0)
				goto done;
			if (j->errfd >= 0)
				read_stderr(j);
			if (j->fd >= 0)
				close(j->fd);
			if (j->errfd >= 0)
				close(j->errfd);
			j->fd = j->errfd = -1;
			if ((rc = finish(sc, j, status)) < 0)
				goto done;
			running--;
			done++;
		}
		if (t - last_tick >= TICK_MS / 1000.0) {
			progress(sc, pr);
			last_tick = t;
		}
	}
	progress(sc, pr);
done:
	if (rc < 0) {
		for (i = 0; i < sc->njobs; i++) {
			struct job *j = &sc->jobs[i];

			if (j->pid > 0) {
				kill_job(j);
				waitpid(j->pid, NULL, 0);
				j->pid = 0;
			}
		}
	}
	free(sc->pfd);
	free(sc->who);
	free(sc->pr);
	sc->pfd = NULL;
	sc->who = NULL;
	sc->pr = NULL;
	return rc;
}

/* ---- a remote agent's frames (sink.h) ------------------------------------------- */

/* The start message: this store's numbers for the agent's.  0, or the job
 * failed; a negative code only when out of memory. */
static int take_start(struct scan *sc, struct job *j, const struct dsmap__remote_msg *m)
{
	struct remote_xlat *x = NULL;
	json_t *doc = NULL, *cats, *facets[2], *v;
	json_error_t err;
	const char *sys = NULL, *gen = NULL, *key, *theirs = NULL, *commit = "?", *path = NULL;
	char ours[41];
	json_int_t schema = 0;
	size_t i;
	int f, rc = 0;

	if ((doc = json_loadb((const char *)m->data, m->len, JSON_REJECT_DUPLICATES, &err)) == NULL ||
	    json_unpack(doc, "{s:I, s:s, s:s, s?s, s?s, s:o, s:o, s:o}", "schema", &schema,
	                "system", &sys, "generation", &gen, "commit", &commit,
	                "definition", &theirs, "categories", &cats,
	                "subject_kinds", &facets[0], "brands", &facets[1]) != 0 ||
	    !json_is_object(cats) ||
	    !json_is_object(facets[0]) || !json_is_object(facets[1])) {
		job_fail(j, DSMAP_EINVALID, "the agent's start message (stream sequence %llu) is not "
		         "one dsmap reads", (unsigned long long)m->seq);
		goto done;
	}
	if (schema != 1 || strcmp(sys, j->sys->id) != 0 || strcmp(gen, m->generation) != 0) {
		job_fail(j, DSMAP_EINVALID, "the agent's start message (stream sequence %llu) is "
		         "schema %lld of system '%.64s', generation %.40s: not this scan's",
		         (unsigned long long)m->seq, (long long)schema, sys, gen);
		goto done;
	}
	/* The agent read its source by its own copy of the system's definition:
	 * only the same bytes as ours say what ours would have read. */
	if ((rc = dsmap_mapping__system_blob(ours, &path, sc->ws, sc->commit, sc->m, j->sys)) < 0) {
		if (rc != DSMAP_ENOMEM) {
			job_fail(j, rc, "%s", dsmap_error_last()->message);
			rc = 0;
		}
		goto done;
	}
	if (theirs == NULL || strcmp(theirs, ours) != 0) {
		job_fail(j, DSMAP_EINVALID, "the agent scanned it by another definition: mappings/%s "
		         "is blob %.12s at the agent's commit %.12s, %.12s at this store's %.12s; "
		         "sync the agent's mappings to the coordinator's",
		         path, theirs ? theirs : "(none given)", commit, ours, sc->commit);
		goto done;
	}
	if ((x = dsmap__calloc(1, sizeof(*x))) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	memset(x->facet, 0xff, sizeof(x->facet));
	json_object_foreach(cats, key, v) {
		json_int_t b = json_is_integer(v) ? json_integer_value(v) : -1;

		if (b < 0 || b >= (1 << 20)) {
			job_fail(j, DSMAP_EINVALID, "the agent's start message numbers category %.100s "
			         "%lld", key, (long long)b);
			goto done;
		}
		if ((size_t)b >= x->ncat)
			x->ncat = (size_t)b + 1;
	}
	if ((x->cat = dsmap__malloc((x->ncat ? x->ncat : 1) * sizeof(*x->cat))) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	memset(x->cat, 0xff, (x->ncat ? x->ncat : 1) * sizeof(*x->cat));
	for (i = 0; i < sc->m->categories.count; i++) {
		const struct dsmap__category *cat = sc->m->categories.items[i];

		if ((v = json_object_get(cats, cat->ref)) != NULL)
			x->cat[json_integer_value(v)] = sc->catbits[i];
	}
	for (f = 0; f < 2; f++) {
		const dsmap__vec *vec = f == DSMAP__RUNNER_KIND ? &sc->m->subject_kinds : &sc->m->brands;

		for (i = 0; i < vec->count; i++) {
			const char *id = f == DSMAP__RUNNER_KIND ?
			                 ((const struct dsmap__subject_kind *)vec->items[i])->id :
			                 ((const struct dsmap__brand *)vec->items[i])->id;
			json_int_t b;

			if ((v = json_object_get(facets[f], id)) == NULL)
				continue;
			b = json_is_integer(v) ? json_integer_value(v) : -1;
			if (b < 0 || b > 31 || sc->facet_bits[f][i] > 31) {
				job_fail(j, DSMAP_EINVALID, "the agent's start message numbers %s %.100s %lld",
				         facet_what[f], id, (long long)b);
				goto done;
			}
			x->facet[f][b] = (unsigned char)sc->facet_bits[f][i];
		}
	}
	j->xlat = x;
	x = NULL;
done:
	if (x != NULL)
		free(x->cat);
	free(x);
	json_decref(doc);
	return rc;
}

/* The manifest against what arrived.  The job fails when they differ. */
static void take_manifest(struct job *j, const struct dsmap__remote_msg *m, uint64_t batches,
                          uint64_t bytes, const char *checksum)
{
	json_t *doc;
	json_error_t err;
	json_int_t records = -1, frames = -1, nbatches = -1, nbytes = -1;
	const char *sum = "", *failure = NULL;
	int ok = 0;

	if ((doc = json_loadb((const char *)m->data, m->len, JSON_REJECT_DUPLICATES, &err)) == NULL ||
	    json_unpack(doc, "{s:b, s:I, s:I, s:I, s:I, s:s, s?s}", "ok", &ok, "records", &records,
	                "frames", &frames, "batches", &nbatches, "bytes", &nbytes, "checksum", &sum,
	                "failure", &failure) != 0) {
		job_fail(j, DSMAP_EINVALID, "the agent's manifest (stream sequence %llu) is not one "
		         "dsmap reads", (unsigned long long)m->seq);
	} else if (!ok) {
		job_fail(j, DSMAP_ERROR, "the agent's scan failed: %.600s",
		         failure ? failure : "(no reason given)");
	} else if ((uint64_t)frames != j->frames || (uint64_t)nbatches != batches ||
	           (uint64_t)nbytes != bytes || strcmp(sum, checksum) != 0 ||
	           (uint64_t)records != j->records || !j->got_end) {
		job_fail(j, DSMAP_EINVALID, "the agent's manifest does not match what arrived: it "
		         "says %lld records, %lld frames in %lld batches (%lld bytes, %.80s); %llu "
		         "records, %llu frames in %llu batches (%llu bytes, %s)%s arrived",
		         (long long)records, (long long)frames, (long long)nbatches, (long long)nbytes,
		         sum, (unsigned long long)j->records, (unsigned long long)j->frames,
		         (unsigned long long)batches, (unsigned long long)bytes, checksum,
		         j->got_end ? "" : " and no end frame");
	}
	json_decref(doc);
}

/* A message before its turn, when src->lost() says a delivery of this
 * scan was lost on its way: it is delivered again after a pause, after
 * the lost one, and the agent's silence counts on from `said`, its last
 * word before this message (1).  0 when nothing was lost: the message is
 * to be taken as it is.  Negative when the source failed. */
static int handed_back(const struct dsmap__frame_source *src, struct job *j, double said)
{
	int rc = src->lost(src->payload);

	if (rc <= 0)
		return rc;
	if ((rc = src->ack(src->payload, DSMAP__MSG_LATER)) < 0)
		return rc;
	j->last_word = said;
	return 1;
}

/* One system's scan from a remote agent's messages: the first generation
 * that begins, through take_frames_from() as a runner's frames, then
 * finish() as for a runner that exited.  Returns 0 (the job says how it
 * went) or a negative code for the store. */
static int run_remote(struct scan *sc, struct job *j, const struct dsmap__frame_source *src)
{
	crypto_generichash_state hash;
	struct dsmap__remote_msg m;
	unsigned char h[32];
	char gen[33] = "", checksum[80], hex[65];
	uint64_t batches = 0, bytes = 0;
	size_t taken;
	double said;     /* the agent's last word before this message */
	int rc = 0, ended = 0;

	j->started = j->last_word = now();
	j->state = DSMAP_SCAN_RUNNING;
	j->order = DSMAP__FRAME_WIRE;
	if ((sc->pr = dsmap__calloc(sc->njobs + 1, sizeof(*sc->pr))) == NULL)
		return dsmap_error__oom();
	progress(sc, sc->pr);
	while (!j->failed && !ended) {
		double left = (double)j->timeout - (now() - j->last_word);

		if (left <= 0) {
			job_fail(j, DSMAP_ETIMEOUT, "the agent sent nothing for %u s (%s) after %llu "
			         "records had arrived%s", j->timeout,
			         sc->opts->timeout ? "--timeout" : "the system's timeout",
			         (unsigned long long)j->records,
			         gen[0] ? "" : "; no generation had begun");
			break;
		}
		rc = src->next(src->payload, &m, (unsigned int)(left * 1000) + 1);
		if (rc == DSMAP_ETIMEOUT) {
			dsmap_error_clear();
			rc = 0;
			continue;
		}
		if (rc < 0) {
			job_fail(j, rc, "%s", dsmap_error_last()->message);
			dsmap_error_clear();
			rc = 0;
			break;
		}
		said = j->last_word;
		j->last_word = now();
		if (m.kind != DSMAP__REMOTE_START && gen[0] == '\0') {
			/* the rest of a generation an earlier scan began: taken, and
			 * never half ingested; unless this scan's start was lost
			 * on its way, and comes again */
			if ((rc = handed_back(src, j, said)) < 0 ||
			    (rc == 0 && (rc = src->ack(src->payload, DSMAP__MSG_TAKEN)) < 0))
				goto source_failed;
			rc = 0;
			continue;
		}
		switch (m.kind) {
		case DSMAP__REMOTE_START:
			if (gen[0] != '\0') {
				if (strcmp(m.generation, gen) == 0)
					break;    /* delivered again */
				/* left for the next scan */
				if ((rc = src->ack(src->payload, DSMAP__MSG_AGAIN)) < 0)
					goto source_failed;
				job_fail(j, DSMAP_ERROR, "the agent began generation %s before generation "
				         "%s's manifest, after %llu records: %s was abandoned", m.generation,
				         gen, (unsigned long long)j->records, gen);
				continue;
			}
			if (m.generation[0] == '\0') {
				job_fail(j, DSMAP_EINVALID, "a start message (stream sequence %llu) with no "
				         "generation id", (unsigned long long)m.seq);
				break;
			}
			if ((rc = take_start(sc, j, &m)) < 0)
				goto done;
			memcpy(gen, m.generation, sizeof(gen));
			crypto_generichash_init(&hash, NULL, 0, sizeof(h));
			break;
		case DSMAP__REMOTE_FRAMES:
			if (strcmp(m.generation, gen) != 0) {
				job_fail(j, DSMAP_EINVALID, "frames of generation %s amid generation %s",
				         m.generation[0] ? m.generation : "(none)", gen);
				break;
			}
			if (m.batch != 0 && m.batch <= batches)
				break;        /* delivered again: taken already, never counted twice */
			/* after a gap: the batch before may come again, lost */
			if (m.batch > batches + 1 && (rc = handed_back(src, j, said)) != 0) {
				if (rc < 0)
					goto source_failed;
				rc = 0;
				continue;
			}
			if (m.batch != batches + 1) {
				job_fail(j, DSMAP_EINVALID, "batch %llu of generation %s arrived after batch "
				         "%llu", (unsigned long long)m.batch, gen, (unsigned long long)batches);
				break;
			}
			batches++;
			bytes += m.len;
			crypto_generichash_update(&hash, m.data, m.len);
			if ((rc = take_frames_from(sc, j, m.data, m.len, &taken)) < 0)
				goto done;
			if (!j->failed && taken != m.len)
				job_fail(j, DSMAP_EINVALID, "batch %llu of generation %s ends inside a frame",
				         (unsigned long long)batches, gen);
			break;
		case DSMAP__REMOTE_MANIFEST:
			if (strcmp(m.generation, gen) != 0) {
				job_fail(j, DSMAP_EINVALID, "the manifest of generation %s amid generation %s",
				         m.generation[0] ? m.generation : "(none)", gen);
				break;
			}
			/* the last message of a generation: none of its batches
			 * may still be on its way */
			if ((rc = handed_back(src, j, said)) != 0) {
				if (rc < 0)
					goto source_failed;
				rc = 0;
				continue;
			}
			crypto_generichash_final(&hash, h, sizeof(h));
			sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
			snprintf(checksum, sizeof(checksum), "blake2b-256:%s", hex);
			take_manifest(j, &m, batches, bytes, checksum);
			ended = 1;
			continue;         /* acked once committed */
		default:
			job_fail(j, DSMAP_EINVALID, "a message (stream sequence %llu) of no kind dsmap "
			         "knows", (unsigned long long)m.seq);
			break;
		}
		if ((rc = src->ack(src->payload, DSMAP__MSG_TAKEN)) < 0)
			goto source_failed;
		progress(sc, sc->pr);
	}
	if ((rc = finish(sc, j, 0)) < 0)
		goto done;
	/* The manifest is taken once its generation is committed (or failed
	 * for good): a scan killed before, leaves it to the next. */
	if (ended && src->ack(src->payload, DSMAP__MSG_TAKEN) < 0)
		dsmap_error_clear();
	progress(sc, sc->pr);
	goto done;
source_failed:
	job_fail(j, rc, "%s", dsmap_error_last()->message);
	dsmap_error_clear();
	if ((rc = finish(sc, j, 0)) < 0)
		goto done;
	progress(sc, sc->pr);
done:
	free(sc->pr);
	sc->pr = NULL;
	return rc < 0 ? rc : 0;
}

/* ---- the store's side ------------------------------------------------------------ */

/* Give every system scanned a number and its next generation. */
static int number_txn(dsmap_store *store, MDB_txn *txn, void *payload)
{
	struct scan *sc = payload;
	unsigned long next = 1;
	char buf[32];
	size_t i;
	int rc;

	rc = dsmap_store__meta_get(store, txn, DSMAP__META_SYSTEM_NEXT, buf, sizeof(buf));
	if (rc == 0)
		next = strtoul(buf, NULL, 10);
	else if (rc != DSMAP_ENOTFOUND)
		return rc;
	dsmap_error_clear();
	for (i = 0; i < sc->njobs; i++) {
		struct job *j = &sc->jobs[i];

		free(j->old.categories);
		rc = dsmap_store__system_get(store, txn, j->sys->id, &j->old);
		if (rc == DSMAP_ENOTFOUND) {
			dsmap_error_clear();
			memset(&j->old, 0, sizeof(j->old));
			j->old.sysno = (uint32_t)next++;
			if ((rc = dsmap_store__system_put(store, txn, j->sys->id, &j->old)) != 0)
				return rc;
		} else if (rc < 0) {
			return rc;
		}
	}
	snprintf(buf, sizeof(buf), "%lu", next);
	return dsmap_store__meta_put(store, txn, DSMAP__META_SYSTEM_NEXT, buf, strlen(buf));
}

/* Record in each failed system's record when and why its scan failed; its
 * inventory stays the last good scan's.  A good scan writes a new record,
 * which clears them. */
static int failures_txn(dsmap_store *store, MDB_txn *txn, void *payload)
{
	struct scan *sc = payload;
	size_t i;
	int rc;

	for (i = 0; i < sc->njobs; i++) {
		const struct job *j = &sc->jobs[i];
		dsmap_store__system_summary sum;
		const char *why;
		size_t n;

		if (j->state == DSMAP_SCAN_DONE)
			continue;
		rc = dsmap_store__system_get(store, txn, j->sys->id, &sum);
		if (rc == DSMAP_ENOTFOUND) {
			dsmap_error_clear();
			continue;   /* failed before it was numbered */
		}
		if (rc < 0)
			return rc;
		sum.failed_at = (int64_t)time(NULL);
		why = j->failed ? j->failure : "the scan did not finish";
		n = strlen(why);
		if (n >= sizeof(sum.failure))
			n = sizeof(sum.failure) - 1;   /* the store keeps the start */
		memcpy(sum.failure, why, n);
		sum.failure[n] = '\0';
		rc = dsmap_store__system_put(store, txn, j->sys->id, &sum);
		free(sum.categories);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* The numbers of the mapping's subject kinds and brands (store.h), which
 * sync gave them: the runners get their tables before they start, and
 * must not touch the store. */
static int read_facets(struct scan *sc)
{
	MDB_txn *txn;
	size_t i;
	int f, rc = 0;

	if ((sc->facet_bits[0] = dsmap__calloc(sc->m->subject_kinds.count + 1, sizeof(unsigned int))) == NULL ||
	    (sc->facet_bits[1] = dsmap__calloc(sc->m->brands.count + 1, sizeof(unsigned int))) == NULL)
		return dsmap_error__oom();
	if ((rc = dsmap_store__read_begin(sc->ws->store, &txn)) < 0)
		return rc;
	for (f = 0; f < 2 && rc == 0; f++) {
		const dsmap__vec *v = f == DSMAP__RUNNER_KIND ? &sc->m->subject_kinds : &sc->m->brands;

		for (i = 0; i < v->count && rc == 0; i++)
			rc = dsmap_store__facet_bit(sc->ws->store, txn, f == DSMAP__RUNNER_KIND ?
			                            DSMAP__FACET_KIND : DSMAP__FACET_BRAND,
			                            f == DSMAP__RUNNER_KIND ?
			                            ((const struct dsmap__subject_kind *)v->items[i])->id :
			                            ((const struct dsmap__brand *)v->items[i])->id, 0,
			                            &sc->facet_bits[f][i]);
	}
	mdb_txn_abort(txn);
	if (rc == DSMAP_ENOTFOUND)
		rc = dsmap_error__set(DSMAP_ECORRUPT, "store %s: the revision's subject kinds and brands "
		                      "are not numbered; run 'dsmap verify'", sc->ws->store->path);
	return rc;
}

static int read_catbits(struct scan *sc)
{
	dsmap_store *store = sc->ws->store;
	MDB_txn *txn = NULL;
	size_t i;
	int rc;

	if ((sc->catbits = dsmap__calloc(sc->m->categories.count + 1, sizeof(*sc->catbits))) == NULL)
		return dsmap_error__oom();
	if ((rc = dsmap_store__read_begin(store, &txn)) < 0)
		return rc;
	for (i = 0; i < sc->m->categories.count; i++) {
		const struct dsmap__category *cat = sc->m->categories.items[i];
		MDB_val k = { strlen(cat->ref), (void *)cat->ref }, v;

		rc = mdb_get(txn, store->dbi[DSMAP__DB_CATBITS], &k, &v);
		if (rc != 0 || dsmap__catbit_decode(&sc->catbits[i], v.mv_data, v.mv_size) < 0) {
			mdb_txn_abort(txn);
			return rc == 0 || rc == MDB_NOTFOUND ?
			       dsmap_error__set(DSMAP_ECORRUPT, "store %s: category %s has no number; "
			                        "run 'dsmap verify'", store->path, cat->ref) :
			       dsmap_store__error(rc, "store %s: catbits", store->path);
		}
		if (sc->catbits[i] >= 1u << 20) {
			mdb_txn_abort(txn);
			return dsmap_error__set(DSMAP_ECORRUPT, "store %s: category %s has number %u",
			                        store->path, cat->ref, sc->catbits[i]);
		}
		if (sc->catbits[i] + 1 > sc->catbit_count)
			sc->catbit_count = sc->catbits[i] + 1;
	}
	mdb_txn_abort(txn);
	return 0;
}

/* ---- the report ------------------------------------------------------------------ */

static int by_system_id(const void *a, const void *b)
{
	const struct dsmap__system *x = *(const struct dsmap__system *const *)a;
	const struct dsmap__system *y = *(const struct dsmap__system *const *)b;

	return strcmp(x->id, y->id);
}

static int fill_report(struct scan *sc, dsmap_scan_report *r)
{
	size_t i, k;

	for (i = 0; i < sc->njobs; i++) {
		struct job *j = &sc->jobs[i];
		dsmap_scan_system *o = j->out;

		o->system = j->sys->id;
		o->plugin = j->sys->plugin;
		o->error = j->failed ? (j->failure_code < 0 ? j->failure_code : DSMAP_ERROR) : 0;
		o->message = j->failed ? j->failure : NULL;
		o->records = j->records;
		o->rejected = j->rejected;
		o->had_inventory = j->old.gen != 0;
		o->invalid = j->invalid;
		o->seconds = j->ended > 0 && j->started > 0 ? j->ended - j->started : 0;
		if (j->other_issues > 0 && j->issue_count > 0) {
			/* too many distinct reasons: say how many more */
			struct report_issue *last = &j->issues[j->issue_count - 1];
			char *more = dsmap__sprintf("%s (and %llu records for other reasons)", last->reason,
			                            (unsigned long long)j->other_issues);

			if (more != NULL) {
				free(last->reason);
				last->reason = more;
				last->pub.reason = more;
			}
		}
		o->issue_count = j->issue_count;
		if (j->issue_count > 0) {
			dsmap_scan_issue *is = dsmap__calloc(j->issue_count, sizeof(*is));

			if (is == NULL)
				return dsmap_error__oom();
			for (k = 0; k < j->issue_count; k++)
				is[k] = j->issues[k].pub;
			o->issues = is;
		}
	}
	r->count = sc->njobs;
	return 0;
}

/* Copy the strings a report hands out, since the mapping goes away: all
 * or none, so that on failure every string is still the mapping's (the
 * caller's cleanup frees none of them). */
static int own_strings(dsmap_scan_report *r)
{
	size_t i, k, n = 0, used = 0;
	char **copies;

	for (i = 0; i < r->count; i++)
		n += 2 + r->systems[i].issue_count;
	if ((copies = dsmap__calloc(n ? n : 1, sizeof(*copies))) == NULL)
		return dsmap_error__oom();
	for (i = 0; i < r->count; i++) {
		const dsmap_scan_system *o = &r->systems[i];

		if ((copies[used++] = dsmap__strdup(o->system)) == NULL ||
		    (copies[used++] = dsmap__strdup(o->plugin)) == NULL)
			goto oom;
		for (k = 0; k < o->issue_count; k++)
			if ((copies[used++] = dsmap__strdup(o->issues[k].source)) == NULL)
				goto oom;
	}
	for (i = 0, used = 0; i < r->count; i++) {
		dsmap_scan_system *o = &r->systems[i];
		dsmap_scan_issue *is = (dsmap_scan_issue *)o->issues;

		o->system = copies[used++];
		o->plugin = copies[used++];
		for (k = 0; k < o->issue_count; k++)
			is[k].source = copies[used++];
	}
	free(copies);
	return 0;
oom:
	while (used > 0)
		free(copies[--used]);
	free(copies);
	return dsmap_error__oom();
}

size_t dsmap_scan_report_count(const dsmap_scan_report *r)
{
	return r ? r->count : 0;
}

const dsmap_scan_system *dsmap_scan_report_get(const dsmap_scan_report *r, size_t i)
{
	return r && i < r->count ? &r->systems[i] : NULL;
}

void dsmap_scan_report_free(dsmap_scan_report *r)
{
	size_t i, k;

	if (r == NULL)
		return;
	for (i = 0; i < r->count; i++) {
		dsmap_scan_system *o = &r->systems[i];

		for (k = 0; k < o->issue_count; k++)
			free((char *)o->issues[k].source);
		free((dsmap_scan_issue *)o->issues);
		free((char *)o->system);
		free((char *)o->plugin);
	}
	for (i = 0; r->jobs && i < r->count; i++) {
		struct job *j = &r->jobs[i];

		for (k = 0; k < j->issue_count; k++)
			free(j->issues[k].reason);
		free(j->issues);
	}
	free(r->jobs);
	free(r->systems);
	free(r);
}

/* ---- dsmap_scan ------------------------------------------------------------------ */


/* A scan's start, under the scan lock `*lock` (taken here): the revision
 * `rev` synced, its mapping loaded, and this store's category and facet
 * numbers read.  What it holds is released by scan_end(), which also
 * drops the lock, whatever this returned. */
static int scan_begin(struct scan *sc, dsmap_workspace *ws, const char *rev, int *lock)
{
	dsmap_sync_result synced;
	int rc;

	/* One scan at a time: the generation a scan writes is named by no
	 * system until it ends, and another scan's collection would drop it. */
	if ((rc = dsmap_workspace__lock(ws, lock)) < 0)
		return rc;
	if ((rc = dsmap_sync(&synced, ws, rev)) < 0)
		return rc;
	memcpy(sc->commit, synced.commit, sizeof(sc->commit));
	if ((rc = dsmap_mapping_load_rev(&sc->m, ws, sc->commit)) < 0)
		return rc;
	if ((rc = read_catbits(sc)) < 0 || (rc = read_facets(sc)) < 0)
		return rc;
	return 0;
}

static void scan_end(struct scan *sc, int lock)
{
	free(sc->catbits);
	free(sc->facet_bits[0]);
	free(sc->facet_bits[1]);
	free(sc->cred);
	free(sc->cred_path);
	dsmap__arena_free(&sc->arena);
	dsmap_mapping_free(sc->m);
	dsmap_workspace__unlock(lock);
}

/* dsmap_scan(), or with `src` the one system named, from a remote agent. */
static int scan_systems(dsmap_scan_report **out, dsmap_workspace *ws, const char *const *systems,
                        size_t count, const dsmap_scan_options *opts,
                        const struct dsmap__frame_source *src)
{
	static const dsmap_scan_options defaults = DSMAP_SCAN_OPTIONS_INIT;
	const struct dsmap__system **chosen = NULL;
	dsmap_scan_report *r = NULL;
	struct scan sc;
	unsigned int jobs;
	size_t i, k, failed = 0;
	int rc, lock = -1;

	if (out == NULL || ws == NULL || (count > 0 && systems == NULL))
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_scan: NULL argument");
	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	if ((rc = dsmap_error__options_version("dsmap_scan", opts->version, DSMAP_SCAN_OPTIONS_VERSION)) < 0)
		return rc;
	memset(&sc, 0, sizeof(sc));
	sc.ws = ws;
	sc.opts = opts;
	sc.remote = src != NULL;
	if ((rc = scan_begin(&sc, ws, opts->rev, &lock)) < 0)
		goto done;

	/* Which systems: all, or the ones named (each once), in id order. */
	if (count == 0) {
		systems = NULL;
		if (sc.m->systems.count == 0) {
			rc = dsmap_error__set(DSMAP_ENOTFOUND, "the mapping at %.12s defines no system "
			                      "(mappings/systems/ID.yaml)", sc.commit);
			goto done;
		}
		count = sc.m->systems.count;
	}
	if ((chosen = dsmap__calloc(count, sizeof(*chosen))) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	for (i = 0; i < count; i++) {
		if (systems == NULL) {
			chosen[sc.njobs++] = sc.m->systems.items[i];
			continue;
		}
		const struct dsmap__system *s = dsmap_mapping__system(sc.m, systems[i]);

		if (s == NULL) {
			rc = dsmap_error__set(DSMAP_ENOTFOUND, "no system '%s' in the mapping at %.12s "
			                      "(mappings/systems/%s.yaml); nothing was scanned",
			                      systems[i], sc.commit, systems[i]);
			goto done;
		}
		for (k = 0; k < sc.njobs && chosen[k] != s; k++)
			;
		if (k == sc.njobs)
			chosen[sc.njobs++] = s;
	}
	qsort(chosen, sc.njobs, sizeof(*chosen), by_system_id);

	if ((r = dsmap__calloc(1, sizeof(*r))) == NULL ||
	    (r->systems = dsmap__calloc(sc.njobs, sizeof(*r->systems))) == NULL ||
	    (r->jobs = dsmap__calloc(sc.njobs, sizeof(*r->jobs))) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	sc.jobs = r->jobs;
	sc.report = r;
	r->count = sc.njobs;
	for (i = 0; i < sc.njobs; i++) {
		struct job *j = &sc.jobs[i];

		j->sys = chosen[i];
		j->slot = i;
		j->out = &r->systems[i];
		j->fd = j->errfd = -1;
		j->out->system = j->sys->id;
		j->out->plugin = j->sys->plugin;
		if ((rc = prepare(&sc, j)) < 0)
			goto done;
	}
	/* done with before any runner is forked (see struct scan's report) */
	free(chosen);
	chosen = NULL;

	if ((rc = dsmap_store__write(ws->store, number_txn, &sc, "number systems")) < 0)
		goto done;
	/* What an earlier scan, failed or killed, left behind. */
	if ((rc = dsmap__inventory_collect(ws->store)) < 0)
		goto done;
	if ((rc = dsmap__ingest_new(&sc.ing, ws->store, sc.njobs, sc.catbit_count,
	                            ws->dotdir)) < 0)
		goto done;

	jobs = opts->jobs;
	if (jobs == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		jobs = n > 0 ? (unsigned int)n : 1;
	}
	if (src != NULL)
		rc = run_remote(&sc, &sc.jobs[0], src);
	else
		rc = run_all(&sc, jobs);
	if (rc < 0)
		goto done;

	/* The generations no reader sees any more. */
	dsmap__ingest_free(sc.ing);
	sc.ing = NULL;
	if ((rc = dsmap__inventory_collect(ws->store)) < 0)
		goto done;
	for (i = 0; i < sc.njobs; i++)
		failed += sc.jobs[i].state != DSMAP_SCAN_DONE;
	if (failed > 0 && (rc = dsmap_store__write(ws->store, failures_txn, &sc,
	                                           "record the failed scans")) < 0)
		goto done;
	if ((rc = fill_report(&sc, r)) < 0 || (rc = own_strings(r)) < 0)
		goto done;
	*out = r;
	r = NULL;
	rc = failed == 0 ? 0 : dsmap_error__set(DSMAP_ERROR, "the scan of %zu of %zu system%s failed",
	                                        failed, sc.njobs, sc.njobs == 1 ? "" : "s");
done:
	/* What the jobs hold beyond the report; before the report, which owns
	 * the jobs, may be freed below. */
	for (i = 0; i < sc.njobs && sc.jobs; i++) {
		free(sc.jobs[i].old.categories);
		sc.jobs[i].old.categories = NULL;
		free(sc.jobs[i].in);
		sc.jobs[i].in = NULL;
		free(sc.jobs[i].plugin_path);
		sc.jobs[i].plugin_path = NULL;
		if (sc.jobs[i].xlat != NULL)
			free(sc.jobs[i].xlat->cat);
		free(sc.jobs[i].xlat);
		sc.jobs[i].xlat = NULL;
	}
	if (r != NULL) {
		/* strings are still the mapping's: do not free them as the report's */
		for (i = 0; i < r->count; i++) {
			free((dsmap_scan_issue *)r->systems[i].issues);
			r->systems[i].issues = NULL;
			r->systems[i].issue_count = 0;
			r->systems[i].system = r->systems[i].plugin = NULL;
		}
		dsmap_scan_report_free(r);
	}
	dsmap__ingest_free(sc.ing);
	free(chosen);
	scan_end(&sc, lock);
	return rc;
}

/* ---- an agent's scan: the frames to a sink --------------------------------------- */

int dsmap__scan_to_sink(dsmap_workspace *ws, const char *system, const char *rev,
                        unsigned int timeout, const struct dsmap__frame_sink *sink,
                        uint64_t *records)
{
	dsmap_scan_options opts = DSMAP_SCAN_OPTIONS_INIT;
	const struct dsmap__system *sys;
	struct dsmap__sink_plan plan;
	const char **refs = NULL, **facet_ids[2] = { NULL, NULL };
	dsmap_scan_system out;
	struct job job;
	struct scan sc;
	char definition[41];
	size_t i, k;
	int f, rc, lock = -1;

	if (records != NULL)
		*records = 0;
	if (ws == NULL || system == NULL || sink == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap__scan_to_sink: NULL argument");
	memset(&sc, 0, sizeof(sc));
	memset(&job, 0, sizeof(job));
	memset(&out, 0, sizeof(out));
	opts.timeout = timeout;
	opts.rev = rev;
	sc.ws = ws;
	sc.opts = &opts;
	sc.sink = sink;
	if ((rc = scan_begin(&sc, ws, rev, &lock)) < 0)
		goto done;
	if ((sys = dsmap_mapping__system(sc.m, system)) == NULL) {
		rc = dsmap_error__set(DSMAP_ENOTFOUND, "no system '%s' in the mapping at %.12s "
		                      "(mappings/systems/%s.yaml); nothing was scanned",
		                      system, sc.commit, system);
		goto done;
	}
	sc.jobs = &job;
	sc.njobs = 1;
	job.sys = sys;
	job.out = &out;
	job.fd = job.errfd = -1;
	if ((rc = prepare(&sc, &job)) < 0)
		goto done;

	/* What the frames' numbers mean in this store, and the definition
	 * they were read by. */
	memset(&plan, 0, sizeof(plan));
	plan.system = sys->id;
	plan.commit = sc.commit;
	if ((rc = dsmap_mapping__system_blob(definition, &plan.definition_path, ws, sc.commit,
	                                     sc.m, sys)) < 0)
		goto done;
	plan.definition = definition;
	if ((refs = dsmap__calloc(sc.m->categories.count + 1, sizeof(*refs))) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	for (i = 0; i < sc.m->categories.count; i++)
		refs[i] = ((const struct dsmap__category *)sc.m->categories.items[i])->ref;
	plan.cat_count = sc.m->categories.count;
	plan.cat_refs = refs;
	plan.catbits = sc.catbits;
	for (f = 0; f < 2; f++) {
		const dsmap__vec *v = f == DSMAP__RUNNER_KIND ? &sc.m->subject_kinds : &sc.m->brands;

		if ((facet_ids[f] = dsmap__calloc(v->count + 1, sizeof(*facet_ids[f]))) == NULL) {
			rc = dsmap_error__oom();
			goto done;
		}
		for (k = 0; k < v->count; k++)
			facet_ids[f][k] = f == DSMAP__RUNNER_KIND ?
			                  ((const struct dsmap__subject_kind *)v->items[k])->id :
			                  ((const struct dsmap__brand *)v->items[k])->id;
		plan.facet_count[f] = v->count;
		plan.facet_ids[f] = facet_ids[f];
		plan.facet_bits[f] = sc.facet_bits[f];
	}
	/* the sink starts when the first frame or the end comes (sink_begin) */
	sc.plan = &plan;
	if (job.failed) {
		/* failed while being prepared (an unset ${VARIABLE}, no plugin):
		 * the reader hears it now rather than at its timeout */
		if ((rc = sink_begin(&sc)) < 0)
			goto done;
		if (sink->end(sink->payload, 0, job.failure) < 0)
			dsmap_error_clear();
		rc = dsmap_error__set(DSMAP_ERROR, "system %s: %s", sys->id, job.failure);
		goto done;
	}
	if ((rc = run_all(&sc, 1)) < 0)
		goto done;
	if (records != NULL)
		*records = job.records;
	rc = job.state == DSMAP_SCAN_DONE ? 0 :
	     dsmap_error__set(job.failure_code < 0 && job.failure_code != DSMAP_ENOTFOUND ?
	                      job.failure_code : DSMAP_ERROR, "system %s: %s", sys->id,
	                      job.failed ? job.failure : "the scan did not finish");
done:
	for (k = 0; k < job.issue_count; k++)
		free(job.issues[k].reason);
	free(job.issues);
	free(job.in);
	free(job.plugin_path);
	free(job.old.categories);
	free(refs);
	free(facet_ids[0]);
	free(facet_ids[1]);
	scan_end(&sc, lock);
	return rc;
}

int dsmap_scan(dsmap_scan_report **out, dsmap_workspace *ws, const char *const *systems,
               size_t count, const dsmap_scan_options *opts)
{
	return scan_systems(out, ws, systems, count, opts, NULL);
}

int dsmap__scan_remote(dsmap_scan_report **out, dsmap_workspace *ws, const char *system,
                       const dsmap_scan_options *opts, const struct dsmap__frame_source *src)
{
	if (system == NULL || src == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap__scan_remote: NULL argument");
	return scan_systems(out, ws, &system, 1, opts, src);
}
