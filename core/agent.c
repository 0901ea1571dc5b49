/*
 * dsmap agent: one system's scan, published to NATS JetStream (agent.h).
 *
 * The scan is dsmap__scan_to_sink() (scan.c): the same runner, the same
 * checks of every frame as a local scan.  This file is the sink: it
 * re-encodes each checked frame as a wire frame (frame.h, little-endian),
 * packs whole frames into batches, hashes them with BLAKE2b as they go,
 * and publishes the start table, the batches and the manifest, each with
 * a message id so that a retried publish is stored once.
 *
 * The coordinator's side (dsmap_scan_remote) is here too, as far as NATS
 * goes: a frame source (sink.h) over a durable pull consumer of the
 * system's subjects, which dsmap__scan_remote() (scan.c) reads as it
 * reads a runner's pipe.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <nats/nats.h>
#include <sodium.h>

#include "alloc.h"
#include "dsmap/agent.h"
#include "errors.h"
#include "frame.h"
#include "natsconn.h"
#include "sink.h"
#include "util.h"
#include "workspace.h"

#define BATCH_DEFAULT (256u << 10)
#define BATCH_MAX (1u << 20)
#define PUBLISH_TRIES 8           /* with a pause doubling from 0.25 s: ~30 s in all */
#define PUBLISH_WAIT_MS 5000
#define CONNECT_WAIT_MS 5000
#define MAX_URLS 16
#define ACK_WAIT_S 20             /* a delivery never acked comes again after this */
#define LATER_MS 1000             /* a message before its turn comes again after this */
#define ACK_PENDING_MAX 16        /* deliveries a consumer has unacked at most */
/* A batch is sent when full, or once it has waited this long: a slow
 * source's records reach the coordinator, which counts an agent silent
 * for its timeout as dead. */
#define FLUSH_AFTER 1.0

_Static_assert(DSMAP__FRAME_HEADER + DSMAP__FRAME_MAX <= BATCH_DEFAULT / 4,
               "a batch holds many frames");

struct agent {
	const dsmap_agent_options *opts;
	const char *urls;
	dsmap_agent_result *res;
	natsOptions *no;
	natsConnection *nc;
	jsCtx *js;
	char subject[200];
	unsigned char *batch;
	size_t used, cap;
	double batch_began;              /* when the batch's first frame came */
	crypto_generichash_state hash;
	int resend;                      /* DSMAP_AGENT_TEST_RESEND: every message twice */
	int started;
	/* what the server said asynchronously (a publish it does not permit),
	 * from the client library's thread */
	pthread_mutex_t mu;
	char async_err[256];
	const char *name;                /* the client's name; NULL: "dsmap agent" */
};

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Whether a JetStream call failed only because a node died: the socket to
 * it broke (the client reconnects to another server of the list by itself;
 * the call was written to the dead socket, or sent while no server was
 * connected), or the cluster is between leaders (the stream's or the
 * consumer's replicas elect another within seconds).  Asked again after a
 * pause, it succeeds.  The client says so with a status (a broken socket,
 * a request nobody answered), a JetStream error code, or, for a pull
 * request the old leader dropped, only in its text (a 409 "Leadership
 * Change").  A closed connection is not transient: the client gave up. */
static int transient(natsStatus s, jsErrCode jerr)
{
	natsStatus last = NATS_OK;
	const char *text;

	if (s == NATS_OK)
		return 0;
	if (s == NATS_TIMEOUT || s == NATS_NO_RESPONDERS || s == NATS_IO_ERROR ||
	    s == NATS_STALE_CONNECTION || s == NATS_CONNECTION_DISCONNECTED ||
	    jerr == JSClusterNotAvailErr)
		return 1;
	/* the thread's last error, when it is this failure's */
	text = nats_GetLastError(&last);
	return last == s && text != NULL && (strstr(text, "Leadership Change") != NULL ||
	                        strstr(text, "temporarily unavailable") != NULL);
}

/* The pause before try `tries` + 1 of a call that failed transiently:
 * 0.25 s doubling to 4 s, PUBLISH_TRIES tries in about 30 s. */
static void backoff(int tries)
{
	pause_ms(250L << (tries - 1 < 4 ? tries - 1 : 4));
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- NATS ------------------------------------------------------------------------ */

static void on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus err,
                           void *closure)
{
	struct agent *a = closure;
	const char *last = NULL;

	(void)sub;
	if (nc != NULL)
		natsConnection_GetLastError(nc, &last);
	pthread_mutex_lock(&a->mu);
	snprintf(a->async_err, sizeof(a->async_err), "%s%s%s", natsStatus_GetText(err),
	         last && *last ? ": " : "", last && *last ? last : "");
	pthread_mutex_unlock(&a->mu);
}

/* The message of a failed NATS call `s`, with what the server said. */
static int nats_fail(struct agent *a, natsStatus s, jsErrCode jerr, const char *fmt, ...)
	DSMAP__PRINTF(4, 5);
static int nats_fail(struct agent *a, natsStatus s, jsErrCode jerr, const char *fmt, ...)
{
	char what[300], said[256];
	const char *last = nats_GetLastError(NULL);
	va_list ap;

	(void)jerr;   /* nats_GetLastError() already names JetStream's error */
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&a->mu);
	memcpy(said, a->async_err, sizeof(said));
	pthread_mutex_unlock(&a->mu);
	return dsmap_error__set(DSMAP_EIO, "%s: %s%s%s%s%s%s", what, natsStatus_GetText(s),
	                        last && *last ? " (" : "", last && *last ? last : "",
	                        last && *last ? ")" : "",
	                        said[0] ? "; the server said: " : "", said);
}

/* NAME=VALUE of a creds file, into `out` (NUL-terminated); "" when absent. */
static int creds_value(char *out, size_t cap, const char *buf, size_t len, const char *name,
                       const char *path)
{
	size_t nlen = strlen(name);
	const char *p = buf, *end = buf + len;

	out[0] = '\0';
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *eol = nl ? nl : end;
		size_t vlen;

		if ((size_t)(eol - p) > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=') {
			vlen = (size_t)(eol - p - nlen - 1);
			if (vlen > 0 && p[nlen + vlen] == '\r')
				vlen--;
			if (vlen >= cap)
				return dsmap_error__set(DSMAP_EINVALID, "NATS credentials %s: %s is longer "
				                        "than %zu bytes", path, name, cap - 1);
			memcpy(out, p + nlen + 1, vlen);
			out[vlen] = '\0';
			return 0;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

static int read_creds(const char *path, char *user, char *pass, char *ca, size_t cap)
{
	struct stat sb;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (stat(path, &sb) != 0)
		return dsmap_error__errno(errno == ENOENT ? DSMAP_EINVALID : DSMAP_EIO, errno,
		                          "NATS credentials %s", path);
	if (!S_ISREG(sb.st_mode))
		return dsmap_error__set(DSMAP_EINVALID, "NATS credentials %s: not a regular file", path);
	if (sb.st_mode & 077)
		return dsmap_error__set(DSMAP_EPERM, "NATS credentials %s: refused: %s may read or "
		                        "write it (mode %04o); chmod 600 it", path,
		                        sb.st_mode & 007 ? "others" : "its group",
		                        (unsigned int)(sb.st_mode & 07777));
	if ((rc = dsmap__read_file(&buf, &len, path, 1u << 16)) < 0)
		return rc;
	if ((rc = creds_value(user, cap, buf, len, "NATS_USER", path)) == 0 &&
	    (rc = creds_value(pass, cap, buf, len, "NATS_PASSWORD", path)) == 0)
		rc = creds_value(ca, cap, buf, len, "NATS_CA", path);
	if (rc == 0 && user[0] == '\0')
		rc = dsmap_error__set(DSMAP_EINVALID, "NATS credentials %s: no NATS_USER= line", path);
	sodium_memzero(buf, len);
	free(buf);
	return rc;
}

static int connect_nats(struct agent *a, const char *urls)
{
	char user[256], pass[256], ca[4096];
	char *list[MAX_URLS];
	const char *p = urls;
	jsOptions jo;
	natsStatus s;
	int n = 0, i, rc = 0;

	user[0] = pass[0] = ca[0] = '\0';
	if (a->opts->creds_path != NULL &&
	    (rc = read_creds(a->opts->creds_path, user, pass, ca, sizeof(user))) < 0)
		goto done;
	if (a->opts->ca_path != NULL) {
		if (strlen(a->opts->ca_path) >= sizeof(ca)) {
			rc = dsmap_error__set(DSMAP_EINVALID, "the CA path is too long");
			goto done;
		}
		strcpy(ca, a->opts->ca_path);
	}
	/* natsOptions_SetURL takes a comma-separated list too, but nats.c
	 * 3.4.1 then fails to connect over TLS: the servers one by one. */
	while (p != NULL && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (n == MAX_URLS) {
			rc = dsmap_error__set(DSMAP_EINVALID, "more than %d NATS servers in '%s'",
			                      MAX_URLS, urls);
			goto done;
		}
		if (len == 0) {
			rc = dsmap_error__set(DSMAP_EINVALID, "an empty server in the NATS URL list '%s'",
			                      urls);
			goto done;
		}
		if ((list[n] = dsmap__malloc(len + 1)) == NULL) {
			rc = dsmap_error__oom();
			goto done;
		}
		memcpy(list[n], p, len);
		list[n++][len] = '\0';
		p = comma ? comma + 1 : NULL;
	}
	if (n == 0) {
		rc = dsmap_error__set(DSMAP_EINVALID, "no NATS server: give --nats or set DSMAP_NATS_URL");
		goto done;
	}
	if ((s = natsOptions_Create(&a->no)) != NATS_OK ||
	    (s = natsOptions_SetServers(a->no, (const char **)list, n)) != NATS_OK ||
	    (s = natsOptions_SetTimeout(a->no, CONNECT_WAIT_MS)) != NATS_OK ||
	    (s = natsOptions_SetName(a->no, a->name ? a->name : "dsmap agent")) != NATS_OK ||
	    (s = natsOptions_SetErrorHandler(a->no, on_async_error, a)) != NATS_OK ||
	    (user[0] && (s = natsOptions_SetUserInfo(a->no, user, pass)) != NATS_OK)) {
		rc = nats_fail(a, s, 0, "NATS options");
		goto done;
	}
	if (ca[0] && ((s = natsOptions_SetSecure(a->no, true)) != NATS_OK ||
	              (s = natsOptions_LoadCATrustedCertificates(a->no, ca)) != NATS_OK)) {
		rc = nats_fail(a, s, 0, "NATS TLS: the CA certificate %s", ca);
		goto done;
	}
	if ((s = natsConnection_Connect(&a->nc, a->no)) != NATS_OK) {
		rc = nats_fail(a, s, 0, "cannot connect to NATS at %s", urls);
		goto done;
	}
	jsOptions_Init(&jo);
	jo.Wait = PUBLISH_WAIT_MS;
	if ((s = natsConnection_JetStream(&a->js, a->nc, &jo)) != NATS_OK)
		rc = nats_fail(a, s, 0, "NATS at %s: no JetStream context", urls);
done:
	for (i = 0; i < n; i++)
		free(list[i]);
	sodium_memzero(pass, sizeof(pass));
	return rc;
}

/* Publish one message of the generation, retried on a lost answer: the
 * message id makes a second copy a duplicate that the stream drops. */
static int publish(struct agent *a, const char *kind, const char *id_suffix, const char *batchno,
                   const void *data, size_t len)
{
	char msgid[300];
	natsMsg *m = NULL;
	jsPubOptions po;
	jsPubAck *pa = NULL;
	jsErrCode jerr = 0;
	natsStatus s;
	int tries, copies, rc = 0;

	snprintf(msgid, sizeof(msgid), "%s.%s.%s", a->res->system, a->res->generation, id_suffix);
	if ((s = natsMsg_Create(&m, a->subject, NULL, data, (int)len)) != NATS_OK ||
	    (s = natsMsgHeader_Set(m, "Dsmap-Kind", kind)) != NATS_OK ||
	    (s = natsMsgHeader_Set(m, "Dsmap-Generation", a->res->generation)) != NATS_OK ||
	    (batchno && (s = natsMsgHeader_Set(m, "Dsmap-Batch", batchno)) != NATS_OK)) {
		rc = nats_fail(a, s, 0, "system %s: a %s message", a->res->system, kind);
		goto done;
	}
	jsPubOptions_Init(&po);
	po.MsgId = msgid;
	for (copies = 0; copies < (a->resend ? 2 : 1); copies++) {
		for (tries = 1; ; tries++) {
			s = js_PublishMsg(&pa, a->js, m, &po, &jerr);
			if (s == NATS_OK)
				break;
			if (!transient(s, jerr) || tries == PUBLISH_TRIES) {
				rc = nats_fail(a, s, jerr, "system %s: NATS did not store the %s message %s "
				               "on %s (%d tries)", a->res->system, kind, msgid, a->subject,
				               tries);
				goto done;
			}
			/* No stream answers while the cluster elects a new leader
			 * (a node died): a pause, growing, then the same message id. */
			backoff(tries);
		}
		jsPubAck_Destroy(pa);
		pa = NULL;
	}
done:
	jsPubAck_Destroy(pa);
	natsMsg_Destroy(m);
	return rc;
}

static int flush_batch(struct agent *a)
{
	char suffix[32], no[24];
	int rc;

	if (a->used == 0)
		return 0;
	a->res->batches++;
	snprintf(suffix, sizeof(suffix), "b%llu", (unsigned long long)a->res->batches);
	snprintf(no, sizeof(no), "%llu", (unsigned long long)a->res->batches);
	crypto_generichash_update(&a->hash, a->batch, a->used);
	a->res->bytes += a->used;
	rc = publish(a, "frames", suffix, no, a->batch, a->used);
	a->used = 0;
	return rc;
}

/* ---- the sink -------------------------------------------------------------------- */

/* {KEY: NUMBER} of parallel arrays, into `obj` under `name`. */
static int table(json_t *obj, const char *name, size_t n, const char *const *keys,
                 const uint32_t *u32, const unsigned int *uint)
{
	json_t *t = json_object();
	size_t i;

	if (t == NULL || json_object_set_new(obj, name, t) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (json_object_set_new(t, keys[i], json_integer(u32 ? (json_int_t)u32[i] :
		                                                       (json_int_t)uint[i])) != 0)
			return -1;
	return 0;
}

static int sink_start(void *payload, const struct dsmap__sink_plan *plan)
{
	struct agent *a = payload;
	json_t *doc;
	char *text = NULL;
	int rc;

	/* Connected only now, after the runner was forked: a process forked
	 * from one with the client's threads would inherit their memory and
	 * locks half-held. */
	if ((rc = connect_nats(a, a->urls)) < 0)
		return rc;
	memcpy(a->res->commit, plan->commit, sizeof(a->res->commit) - 1);
	doc = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s}", "schema", 1, "kind", "start",
	                "system", a->res->system, "generation", a->res->generation,
	                "commit", plan->commit, "definition", plan->definition);
	if (doc == NULL ||
	    table(doc, "categories", plan->cat_count, plan->cat_refs, plan->catbits, NULL) < 0 ||
	    table(doc, "subject_kinds", plan->facet_count[0], plan->facet_ids[0], NULL,
	          plan->facet_bits[0]) < 0 ||
	    table(doc, "brands", plan->facet_count[1], plan->facet_ids[1], NULL,
	          plan->facet_bits[1]) < 0 ||
	    (text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		json_decref(doc);
		return dsmap_error__oom();
	}
	json_decref(doc);
	rc = publish(a, "start", "start", NULL, text, strlen(text));
	free(text);
	if (rc == 0)
		a->started = 1;
	return rc;
}

static int sink_frame(void *payload, const struct dsmap__frame *f)
{
	struct agent *a = payload;
	size_t need = dsmap__frame_size(f), n;
	const char *why = "";
	int rc;

	if (need > 0 && a->used + need > a->cap && (rc = flush_batch(a)) < 0)
		return rc;
	if (dsmap__frame_encode_as(DSMAP__FRAME_WIRE, a->batch + a->used, a->cap - a->used, &n,
	                           &why, f) < 0)
		return dsmap_error__set(DSMAP_ERROR, "system %s: cannot encode a wire frame of type "
		                        "'%c': %s", a->res->system, f->type, why);
	if (a->used == 0)
		a->batch_began = now();
	a->used += n;
	a->res->frames++;
	if (now() - a->batch_began >= FLUSH_AFTER)
		return flush_batch(a);
	return 0;
}

static int sink_end(void *payload, uint64_t records, const char *failure)
{
	struct agent *a = payload;
	unsigned char h[32];
	char hex[65], *text = NULL;
	json_t *doc;
	int rc;

	if (!a->started)
		return 0;
	if (failure == NULL && (rc = flush_batch(a)) < 0)
		return rc;
	crypto_generichash_final(&a->hash, h, sizeof(h));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(a->res->checksum, sizeof(a->res->checksum), "blake2b-256:%s", hex);
	a->res->records = records;
	a->res->ok = failure == NULL;
	doc = json_pack("{s:i, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:s}", "schema", 1,
	                "kind", "manifest", "system", a->res->system,
	                "generation", a->res->generation, "ok", failure == NULL,
	                "records", (json_int_t)records, "frames", (json_int_t)a->res->frames,
	                "batches", (json_int_t)a->res->batches, "bytes", (json_int_t)a->res->bytes,
	                "checksum", a->res->checksum);
	if (doc == NULL || (failure != NULL &&
	                    json_object_set_new(doc, "failure", json_string(failure)) != 0) ||
	    (text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		json_decref(doc);
		return dsmap_error__oom();
	}
	json_decref(doc);
	rc = publish(a, "manifest", "manifest", NULL, text, strlen(text));
	free(text);
	return rc;
}

/* ---- dsmap_agent_run ------------------------------------------------------------- */

/* A system id that is one NATS subject token and a message id part. */
static int subject_token(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
		      (s[n] >= '0' && s[n] <= '9') || s[n] == '-' || s[n] == '_'))
			return 0;
	return n > 0 && n < sizeof(((dsmap_agent_result *)0)->system);
}

int dsmap_agent_run(dsmap_agent_result *out, dsmap_workspace *ws, const char *system,
                    const dsmap_agent_options *opts)
{
	static const dsmap_agent_options defaults = DSMAP_AGENT_OPTIONS_INIT;
	struct dsmap__frame_sink sink;
	dsmap_agent_result res;
	struct agent a;
	unsigned char gen[16];
	const char *urls, *env;
	int rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (ws == NULL || system == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_agent_run: NULL argument");
	if (opts == NULL)
		opts = &defaults;
	if ((rc = dsmap_error__options_version("dsmap_agent_run", opts->version,
	                                       DSMAP_AGENT_OPTIONS_VERSION)) < 0)
		return rc;
	if (!subject_token(system))
		return dsmap_error__set(DSMAP_EINVALID, "system id '%s': an agent's system id is "
		                        "letters, digits, '-' and '_' (a NATS subject token)", system);
	if (opts->batch_bytes > BATCH_MAX ||
	    (opts->batch_bytes != 0 && opts->batch_bytes < DSMAP__FRAME_HEADER + DSMAP__FRAME_MAX))
		return dsmap_error__set(DSMAP_EINVALID, "a batch of %zu bytes: it must hold the "
		                        "largest frame (%d bytes) and at most %u bytes",
		                        opts->batch_bytes, DSMAP__FRAME_HEADER + DSMAP__FRAME_MAX,
		                        BATCH_MAX);
	urls = opts->nats_urls ? opts->nats_urls : getenv("DSMAP_NATS_URL");

	memset(&res, 0, sizeof(res));
	memset(&a, 0, sizeof(a));
	pthread_mutex_init(&a.mu, NULL);
	a.opts = opts;
	a.res = &res;
	env = getenv("DSMAP_AGENT_TEST_RESEND");
	a.resend = env != NULL && strcmp(env, "1") == 0;
	strcpy(res.system, system);
	randombytes_buf(gen, sizeof(gen));
	sodium_bin2hex(res.generation, sizeof(res.generation), gen, sizeof(gen));
	snprintf(a.subject, sizeof(a.subject), "dsmap.scan.%s.%s", system, res.generation);
	crypto_generichash_init(&a.hash, NULL, 0, 32);
	a.cap = opts->batch_bytes ? opts->batch_bytes : BATCH_DEFAULT;
	if ((a.batch = dsmap__malloc(a.cap)) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	/* The options are checked now, the connection made after the fork
	 * (sink_start). */
	a.urls = urls ? urls : "";
	if (a.urls[0] == '\0') {
		rc = dsmap_error__set(DSMAP_EINVALID, "no NATS server: give --nats or set "
		                      "DSMAP_NATS_URL");
		goto done;
	}
	if (opts->creds_path != NULL) {
		char user[256], pass[256], ca[4096];

		rc = read_creds(opts->creds_path, user, pass, ca, sizeof(user));
		sodium_memzero(pass, sizeof(pass));
		if (rc < 0)
			goto done;
	}

	sink.start = sink_start;
	sink.frame = sink_frame;
	sink.end = sink_end;
	sink.payload = &a;
	rc = dsmap__scan_to_sink(ws, system, opts->rev, opts->timeout, &sink, NULL);
done:
	if (out != NULL)
		*out = res;
	jsCtx_Destroy(a.js);
	if (a.nc != NULL) {
		/* what was published is acknowledged: nothing is left to flush */
		natsConnection_Close(a.nc);
		natsConnection_Destroy(a.nc);
	}
	natsOptions_Destroy(a.no);
	free(a.batch);
	pthread_mutex_destroy(&a.mu);
	return rc;
}

/* ---- the coordinator: a durable pull consumer as a frame source ------------------ */

struct source {
	struct agent a;                  /* the connection, shared with the agent's code */
	natsSubscription *sub;
	natsMsg *cur;                    /* the message handed out last, not yet acked */
	char system[128];
	char durable[160];               /* the consumer's name */
	uint64_t cur_seq;                /* cur's stream sequence, 0 when unknown */
	/* the stream sequences of the messages this scan handed back to come
	 * again later, not come yet: pending in the consumer, not lost */
	uint64_t later[ACK_PENDING_MAX];
	size_t nlater;
};

static void header_of(natsMsg *msg, const char *key, char *out, size_t cap)
{
	const char *v = NULL;

	out[0] = '\0';
	if (natsMsgHeader_Get(msg, key, &v) == NATS_OK && v != NULL && strlen(v) < cap)
		strcpy(out, v);
}

static int source_next(void *payload, struct dsmap__remote_msg *m, unsigned int timeout_ms)
{
	struct source *src = payload;
	natsMsgList list = { NULL, 0 };
	jsMsgMetaData *meta = NULL;
	jsErrCode jerr = 0;
	char kind[16], batch[24];
	natsStatus s;
	size_t i;

	memset(m, 0, sizeof(*m));
	natsMsg_Destroy(src->cur);    /* acked or left by the caller already */
	src->cur = NULL;
	s = natsSubscription_Fetch(&list, src->sub, 1, timeout_ms, &jerr);
	if (s != NATS_OK && s != NATS_TIMEOUT && transient(s, jerr)) {
		/* the consumer's leader is being elected (a node died): nothing
		 * came, and the caller's silence timeout bounds the wait */
		pause_ms(timeout_ms < 250 ? (long)timeout_ms : 250);
		s = NATS_TIMEOUT;
	}
	if (s == NATS_TIMEOUT || (s == NATS_OK && list.Count == 0)) {
		natsMsgList_Destroy(&list);
		return dsmap_error__set(DSMAP_ETIMEOUT, "nothing from NATS in %u ms", timeout_ms);
	}
	if (s != NATS_OK)
		return nats_fail(&src->a, s, jerr, "system %s: cannot fetch from NATS", src->system);
	src->cur = list.Msgs[0];
	list.Msgs[0] = NULL;
	natsMsgList_Destroy(&list);

	header_of(src->cur, "Dsmap-Kind", kind, sizeof(kind));
	m->kind = strcmp(kind, "start") == 0 ? DSMAP__REMOTE_START :
	          strcmp(kind, "frames") == 0 ? DSMAP__REMOTE_FRAMES :
	          strcmp(kind, "manifest") == 0 ? DSMAP__REMOTE_MANIFEST : DSMAP__REMOTE_OTHER;
	header_of(src->cur, "Dsmap-Generation", m->generation, sizeof(m->generation));
	for (i = 0; m->generation[i]; i++)
		if (!((m->generation[i] >= '0' && m->generation[i] <= '9') ||
		      (m->generation[i] >= 'a' && m->generation[i] <= 'f')))
			break;
	if (i != 32 || m->generation[i] != '\0')
		m->generation[0] = '\0';
	header_of(src->cur, "Dsmap-Batch", batch, sizeof(batch));
	m->batch = batch[0] >= '1' && batch[0] <= '9' ? strtoull(batch, NULL, 10) : 0;
	if (natsMsg_GetMetaData(&meta, src->cur) == NATS_OK) {
		m->seq = meta->Sequence.Stream;
		jsMsgMetaData_Destroy(meta);
	}
	src->cur_seq = m->seq;
	for (i = 0; m->seq != 0 && i < src->nlater; i++)
		if (src->later[i] == m->seq) {
			src->later[i] = src->later[--src->nlater];
			break;
		}
	m->data = (const unsigned char *)natsMsg_GetData(src->cur);
	m->len = (size_t)natsMsg_GetDataLength(src->cur);
	return 0;
}

static natsStatus ack_as(natsMsg *msg, int what)
{
	switch (what) {
	case DSMAP__MSG_TAKEN:
		return natsMsg_Ack(msg, NULL);
	case DSMAP__MSG_LATER:
		return natsMsg_NakWithDelay(msg, LATER_MS, NULL);    /* in ms */
	default:
		return natsMsg_Nak(msg, NULL);
	}
}

static int source_ack(void *payload, int what)
{
	struct source *src = payload;
	natsStatus s;
	int tries = 0;

	if (src->cur == NULL)
		return 0;
	/* An ack written to a node's dead socket is sent again once the client
	 * has reconnected; one still lost costs a redelivery, which the
	 * generation's batch numbers count once. */
	while ((s = ack_as(src->cur, what)) != NATS_OK && transient(s, 0) && ++tries < PUBLISH_TRIES)
		backoff(tries);
	if (s == NATS_OK && what == DSMAP__MSG_LATER && src->cur_seq != 0 &&
	    src->nlater < ACK_PENDING_MAX)
		src->later[src->nlater++] = src->cur_seq;
	if (s != NATS_OK)
		return nats_fail(&src->a, s, 0, "system %s: cannot acknowledge a message",
		                 src->system);
	return 0;
}

/* Whether a message delivered before the last one was lost on its way:
 * the consumer counts more unacknowledged than the last message and those
 * this scan handed back to come later (they stay pending until they come
 * again and are taken).  Every other message this scan was given is acked
 * before the next is asked for; the flush first makes the server take
 * those acks before it answers.  A message a killed scan held counts as
 * lost too: it comes again after the ack wait, and may be a start. */
static int source_lost(void *payload)
{
	struct source *src = payload;
	jsConsumerInfo *ci = NULL;
	jsErrCode jerr = 0;
	natsStatus s;
	int tries = 0, lost;

	while (((s = natsConnection_Flush(src->a.nc)) != NATS_OK ||
	        (s = js_GetConsumerInfo(&ci, src->a.js, DSMAP_REMOTE_STREAM, src->durable, NULL,
	                                &jerr)) != NATS_OK) &&
	       transient(s, jerr) && ++tries < PUBLISH_TRIES)
		backoff(tries);
	if (s != NATS_OK)
		return nats_fail(&src->a, s, jerr, "system %s: cannot read the NATS consumer's state",
		                 src->system);
	lost = ci->NumAckPending > 1 + (int64_t)src->nlater;
	jsConsumerInfo_Destroy(ci);
	return lost;
}

/* The stream `name` of `subjects` ("dsmap.scan.>"), made when it is
 * missing: file storage, $DSMAP_NATS_REPLICAS replicas (3), and a
 * retried publish dropped as a duplicate for `dup_minutes`.  Its last
 * sequence in *last_seq when not NULL (0 for a new one). */
static int ensure_stream(struct agent *a, const char *name, const char *subject,
                         int dup_minutes, uint64_t *last_seq)
{
	jsStreamConfig sc;
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	const char *subjects[1] = { subject };
	const char *env = getenv("DSMAP_NATS_REPLICAS");
	natsStatus s;
	int tries = 0;

	if (last_seq != NULL)
		*last_seq = 0;
	/* A JetStream request fails while the cluster elects a new leader (a
	 * node just died): asked again, a few times. */
	while ((s = js_GetStreamInfo(&si, a->js, name, NULL, &jerr)) != NATS_OK &&
	       transient(s, jerr) && ++tries < PUBLISH_TRIES)
		backoff(tries);
	if (s == NATS_OK) {
		if (last_seq != NULL)
			*last_seq = si->State.LastSeq;
		jsStreamInfo_Destroy(si);
		return 0;
	}
	if (s != NATS_NOT_FOUND)
		return nats_fail(a, s, jerr, "NATS stream %s", name);
	jsStreamConfig_Init(&sc);
	sc.Name = name;
	sc.Subjects = subjects;
	sc.SubjectsLen = 1;
	sc.Storage = js_FileStorage;
	sc.Replicas = env && *env ? strtol(env, NULL, 10) : 3;
	sc.Duplicates = (int64_t)dup_minutes * 60 * 1000000000;
	if ((s = js_AddStream(NULL, a->js, &sc, NULL, &jerr)) != NATS_OK)
		return nats_fail(a, s, jerr, "cannot create the NATS stream %s (%lld replicas; "
		                 "DSMAP_NATS_REPLICAS sets how many)", name, (long long)sc.Replicas);
	return 0;
}

int dsmap_scan_remote(dsmap_scan_report **out, dsmap_workspace *ws, const char *system,
                      const dsmap_agent_options *opts)
{
	static const dsmap_agent_options defaults = DSMAP_AGENT_OPTIONS_INIT;
	dsmap_scan_options so = DSMAP_SCAN_OPTIONS_INIT;
	struct dsmap__frame_source fs;
	struct source src;
	jsSubOptions subo;
	jsErrCode jerr = 0;
	natsStatus s;
	char subject[200], durable[160];
	const char *urls;
	int rc, tries;

	if (out == NULL || ws == NULL || system == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_scan_remote: NULL argument");
	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	if ((rc = dsmap_error__options_version("dsmap_scan_remote", opts->version,
	                                       DSMAP_AGENT_OPTIONS_VERSION)) < 0)
		return rc;
	if (!subject_token(system))
		return dsmap_error__set(DSMAP_EINVALID, "system id '%s': a remote system's id is "
		                        "letters, digits, '-' and '_' (a NATS subject token)", system);
	memset(&src, 0, sizeof(src));
	pthread_mutex_init(&src.a.mu, NULL);
	src.a.opts = opts;
	strcpy(src.system, system);
	urls = opts->nats_urls ? opts->nats_urls : getenv("DSMAP_NATS_URL");
	if ((rc = connect_nats(&src.a, urls ? urls : "")) < 0 ||
	    (rc = ensure_stream(&src.a, DSMAP_REMOTE_STREAM, "dsmap.scan.>", 10, NULL)) < 0)
		goto done;
	snprintf(subject, sizeof(subject), "dsmap.scan.%s.>", system);
	snprintf(durable, sizeof(durable), "dsmap-%s", system);
	strcpy(src.durable, durable);
	jsSubOptions_Init(&subo);
	subo.Stream = DSMAP_REMOTE_STREAM;
	subo.Config.AckPolicy = js_AckExplicit;
	/* A message delivered and never acked (a node died while it carried
	 * it, or the scan it went to was killed) comes again after this:
	 * long enough for the commit of a big generation before the
	 * manifest's ack (a manifest delivered again is skipped), short
	 * enough for a scan whose message was lost on its way to wait for it
	 * (the system's timeout counts from the last message taken). */
	subo.Config.AckWait = (int64_t)ACK_WAIT_S * 1000000000;
	subo.Config.MaxAckPending = ACK_PENDING_MAX;
	subo.Config.DeliverPolicy = js_DeliverAll;
	for (tries = 0; (s = js_PullSubscribe(&src.sub, src.a.js, subject, durable, NULL, &subo,
	                                      &jerr)) != NATS_OK &&
	                transient(s, jerr) && ++tries < PUBLISH_TRIES; )
		backoff(tries);
	if (s != NATS_OK) {
		rc = nats_fail(&src.a, s, jerr, "system %s: cannot consume %s from NATS stream %s",
		               system, subject, DSMAP_REMOTE_STREAM);
		goto done;
	}
	fs.next = source_next;
	fs.ack = source_ack;
	fs.lost = source_lost;
	fs.payload = &src;
	so.timeout = opts->timeout;
	so.rev = opts->rev;
	rc = dsmap__scan_remote(out, ws, system, &so, &fs);
done:
	natsMsg_Destroy(src.cur);
	/* Destroyed, not unsubscribed: the durable consumer stays, with its
	 * place in the stream, for the next scan. */
	natsSubscription_Destroy(src.sub);
	jsCtx_Destroy(src.a.js);
	if (src.a.nc != NULL) {
		natsConnection_Close(src.a.nc);
		natsConnection_Destroy(src.a.nc);
	}
	natsOptions_Destroy(src.a.no);
	pthread_mutex_destroy(&src.a.mu);
	return rc;
}

/* ---- the connection, for the other modules (natsconn.h) -------------------------- */

/* An agent's connection state with options of its own: connect_nats()
 * reads the creds and the CA from them. */
struct dsmap__nats {
	struct agent a;
	dsmap_agent_options o;
};

int dsmap__nats_open(struct dsmap__nats **out, const char *urls, const char *creds,
                     const char *ca, const char *name)
{
	static const dsmap_agent_options defaults = DSMAP_AGENT_OPTIONS_INIT;
	struct dsmap__nats *n;
	int rc;

	*out = NULL;
	if ((n = dsmap__calloc(1, sizeof(*n))) == NULL)
		return dsmap_error__oom();
	pthread_mutex_init(&n->a.mu, NULL);
	n->o = defaults;
	n->o.creds_path = creds;
	n->o.ca_path = ca;
	n->a.opts = &n->o;
	n->a.name = name;
	if (urls == NULL || *urls == '\0')
		urls = getenv("DSMAP_NATS_URL");
	if ((rc = connect_nats(&n->a, urls ? urls : "")) < 0) {
		dsmap__nats_close(n);
		return rc;
	}
	*out = n;
	return 0;
}

void dsmap__nats_close(struct dsmap__nats *n)
{
	if (n == NULL)
		return;
	jsCtx_Destroy(n->a.js);
	if (n->a.nc != NULL) {
		natsConnection_Close(n->a.nc);
		natsConnection_Destroy(n->a.nc);
	}
	natsOptions_Destroy(n->a.no);
	pthread_mutex_destroy(&n->a.mu);
	free(n);
}

natsConnection *dsmap__nats_conn(struct dsmap__nats *n)
{
	return n->a.nc;
}

jsCtx *dsmap__nats_js(struct dsmap__nats *n)
{
	return n->a.js;
}

int dsmap__nats_ensure_stream(struct dsmap__nats *n, const char *name, const char *subject,
                              int dup_minutes, uint64_t *last_seq)
{
	return ensure_stream(&n->a, name, subject, dup_minutes, last_seq);
}

int dsmap__nats_transient(natsStatus s, jsErrCode jerr)
{
	return transient(s, jerr);
}

void dsmap__nats_backoff(int tries)
{
	backoff(tries);
}

int dsmap__nats_fail(struct dsmap__nats *n, natsStatus s, jsErrCode jerr, const char *fmt, ...)
{
	char what[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return nats_fail(&n->a, s, jerr, "%s", what);
}

int dsmap__nats_check_creds(const char *path)
{
	char user[256], pass[256], ca[4096];
	int rc = read_creds(path, user, pass, ca, sizeof(user));

	sodium_memzero(pass, sizeof(pass));
	return rc;
}
