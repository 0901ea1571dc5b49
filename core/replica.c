/*
 * Read replicas: snapshots of the store through JetStream (replica.h).
 *
 * The coordinator's side copies the store with LMDB's compacting copy into
 * an unlinked temporary file, and publishes it in chunks and a meta, each
 * with a message id.  The replica's side reads the newest meta, pulls the
 * snapshot's chunks through an ordered consumer, checks them against the
 * meta while they are written, and swaps DIR/current only when all match.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <lmdb.h>
#include <nats/nats.h>
#include <sodium.h>

#include "alloc.h"
#include "dsmap/replica.h"
#include "errors.h"
#include "natsconn.h"
#include "schema.h"
#include "store.h"
#include "util.h"
#include "workspace.h"

#define CHUNK_DEFAULT (128u << 10)
#define CHUNK_MIN (4u << 10)
#define CHUNK_MAX (1u << 20)
#define META_SUBJECT "dsmap.snap.meta"
#define CHUNK_PREFIX "dsmap.snap.chunk."
#define META_MAX (64u << 10)
#define COPY_TRIES 3           /* copies made again because a commit landed meanwhile */
#define PUBLISH_PENDING 32     /* chunks in flight: 4 MiB at the default size */
#define CHUNK_WAIT_MS 10000    /* silence while downloading that fails it */
#define STALL_WAIT_MS 5000     /* a publish's wait for room among those in flight */

/* ---- the meta -------------------------------------------------------------------- */

static int hex_id(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

static int meta_encode(char **out, const dsmap_snapshot_info *si, size_t chunk_bytes)
{
	json_t *doc = json_pack("{s:i, s:s, s:s, s:I, s:s, s:I, s:I, s:I, s:s, s:I}",
	                        "schema", 1, "kind", "snapshot", "id", si->id,
	                        "generation", (json_int_t)si->generation,
	                        "revision", si->revision, "size", (json_int_t)si->size,
	                        "chunks", (json_int_t)si->chunks,
	                        "chunk_bytes", (json_int_t)chunk_bytes,
	                        "digest", si->digest, "created", (json_int_t)si->created);

	*out = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(doc);
	return *out ? 0 : dsmap_error__oom();
}

/* A meta message's JSON into `si`; `where` names it for the errors. */
static int meta_decode(dsmap_snapshot_info *si, const char *data, size_t len, const char *where)
{
	json_t *doc;
	json_error_t jerr;
	json_int_t schema = 0, gen = -1, size = -1, chunks = -1, cb = 0, created = 0;
	const char *kind = NULL, *id = NULL, *rev = NULL, *digest = NULL;
	int rc = 0;

	memset(si, 0, sizeof(*si));
	if ((doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return dsmap_error__set(DSMAP_ECORRUPT, "%s: not a snapshot's meta: %s (position %d)",
		                        where, jerr.text, jerr.position);
	if (json_unpack_ex(doc, &jerr, 0, "{s:I, s:s, s:s, s:I, s:s, s:I, s:I, s:I, s:s, s:I}",
	                   "schema", &schema, "kind", &kind, "id", &id, "generation", &gen,
	                   "revision", &rev, "size", &size, "chunks", &chunks,
	                   "chunk_bytes", &cb, "digest", &digest, "created", &created) != 0) {
		rc = dsmap_error__set(DSMAP_ECORRUPT, "%s: not a snapshot's meta: %s", where,
		                      jerr.text);
		goto done;
	}
	if (schema != 1 || strcmp(kind, "snapshot") != 0) {
		rc = dsmap_error__set(DSMAP_EVERSION, "%s: a meta of schema %lld, kind '%s': this "
		                      "dsmap reads schema 1, kind 'snapshot'", where,
		                      (long long)schema, kind);
		goto done;
	}
	if (!hex_id(id, 32) || gen < 0 || size <= 0 || chunks <= 0 ||
	    (strlen(rev) != 0 && !hex_id(rev, 40)) || strncmp(digest, "blake2b-256:", 12) != 0 ||
	    !hex_id(digest + 12, 64) || cb < CHUNK_MIN || cb > CHUNK_MAX ||
	    (uint64_t)chunks != ((uint64_t)size + (uint64_t)cb - 1) / (uint64_t)cb) {
		rc = dsmap_error__set(DSMAP_ECORRUPT, "%s: a snapshot's meta with a bad id, revision, "
		                      "digest or sizes (id '%.40s', %lld bytes in %lld chunks of %lld)",
		                      where, id, (long long)size, (long long)chunks, (long long)cb);
		goto done;
	}
	strcpy(si->id, id);
	si->generation = (uint64_t)gen;
	strcpy(si->revision, rev);
	si->size = (uint64_t)size;
	si->chunks = (uint64_t)chunks;
	strcpy(si->digest, digest);
	si->created = (int64_t)created;
done:
	json_decref(doc);
	return rc;
}

/* ---- publish --------------------------------------------------------------------- */


/* The first failure of an asynchronous chunk publish, from the client
 * library's thread. */
struct pub_errors {
	pthread_mutex_t mu;
	char first[300];
	unsigned long count;
};

static void on_pub_error(jsCtx *js, jsPubAckErr *pae, void *closure)
{
	struct pub_errors *e = closure;
	const char *chunk = NULL;

	(void)js;
	natsMsgHeader_Get(pae->Msg, "Dsmap-Chunk", &chunk);
	pthread_mutex_lock(&e->mu);
	if (e->count++ == 0)
		snprintf(e->first, sizeof(e->first), "chunk %s: %s%s%s", chunk ? chunk : "?",
		         natsStatus_GetText(pae->Err), pae->ErrText ? ": " : "",
		         pae->ErrText ? pae->ErrText : "");
	pthread_mutex_unlock(&e->mu);
}

/* The compact copy into `fd`, and the generation it holds: made again
 * when a commit landed while it was made. */
static int copy_store(dsmap_store *store, int fd, uint64_t *gen)
{
	uint64_t before, after;
	int tries, rc;

	for (tries = 0; tries < COPY_TRIES; tries++) {
		if ((rc = dsmap_store_last_txn(&before, store)) < 0)
			return rc;
		if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
			return dsmap_error__errno(DSMAP_EIO, errno, "store %s: snapshot file",
			                          store->path);
		if ((rc = mdb_env_copyfd2(store->env, fd, MDB_CP_COMPACT)) != 0)
			return dsmap_store__error(rc, "store %s: compact copy for a snapshot",
			                          store->path);
		if ((rc = dsmap_store_last_txn(&after, store)) < 0)
			return rc;
		if (after == before) {
			*gen = before;
			return 0;
		}
	}
	return dsmap_error__set(DSMAP_EBUSY, "store %s: every compact copy of %d saw another "
	                        "commit land; publish the snapshot when the store is quieter",
	                        store->path, COPY_TRIES);
}

/* The synced revision, "" when none. */
static int synced_rev(dsmap_store *store, char rev[41])
{
	MDB_txn *txn = NULL;
	int rc;

	rev[0] = '\0';
	if ((rc = dsmap_store__read_begin(store, &txn)) < 0)
		return rc;
	rc = dsmap_store__meta_get(store, txn, DSMAP__META_SYNCED_REV, rev, 41);
	mdb_txn_abort(txn);
	if (rc == DSMAP_ENOTFOUND) {
		rev[0] = '\0';
		rc = 0;
	}
	return rc;
}

/* One JetStream publish, asked again while the cluster elects a leader:
 * its message id makes a second copy a duplicate. */
static int publish_sync(struct dsmap__nats *n, natsMsg *m, const char *msgid, const char *what)
{
	jsPubOptions po;
	jsPubAck *pa = NULL;
	jsErrCode jerr = 0;
	natsStatus s;
	int tries;

	jsPubOptions_Init(&po);
	po.MsgId = msgid;
	for (tries = 1; (s = js_PublishMsg(&pa, dsmap__nats_js(n), m, &po, &jerr)) != NATS_OK;
	     tries++) {
		if (!dsmap__nats_transient(s, jerr) || tries == DSMAP__NATS_TRIES)
			return dsmap__nats_fail(n, s, jerr, "NATS did not store %s (%d tries)", what,
			                        tries);
		dsmap__nats_backoff(tries);
	}
	jsPubAck_Destroy(pa);
	return 0;
}

static int publish_chunks(struct dsmap__nats *n, int fd, dsmap_snapshot_info *si,
                          size_t chunk_bytes)
{
	struct pub_errors errs;
	jsOptions jo;
	jsPubOptions po;
	jsCtx *js = NULL;
	crypto_generichash_state hash;
	unsigned char *buf = NULL, h[32];
	char subject[64], msgid[64], no[24], hex[65];
	natsStatus s;
	uint64_t off = 0;
	const char *env = getenv("DSMAP_SNAPSHOT_TEST_CORRUPT");
	int rc = 0, corrupt = env != NULL && strcmp(env, "1") == 0;

	memset(&errs, 0, sizeof(errs));
	pthread_mutex_init(&errs.mu, NULL);
	if ((buf = dsmap__malloc(chunk_bytes)) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	jsOptions_Init(&jo);
	jo.Wait = 5000;
	jo.PublishAsync.MaxPending = PUBLISH_PENDING;
	jo.PublishAsync.ErrHandler = on_pub_error;
	jo.PublishAsync.ErrHandlerClosure = &errs;
	jo.PublishAsync.StallWait = STALL_WAIT_MS;
	if ((s = natsConnection_JetStream(&js, dsmap__nats_conn(n), &jo)) != NATS_OK) {
		rc = dsmap__nats_fail(n, s, 0, "snapshot %s: no JetStream context", si->id);
		goto done;
	}
	snprintf(subject, sizeof(subject), CHUNK_PREFIX "%s", si->id);
	crypto_generichash_init(&hash, NULL, 0, sizeof(h));
	if (lseek(fd, 0, SEEK_SET) != 0) {
		rc = dsmap_error__errno(DSMAP_EIO, errno, "snapshot %s: its file", si->id);
		goto done;
	}
	for (;;) {
		size_t got = 0;
		natsMsg *m = NULL;

		while (got < chunk_bytes) {
			ssize_t r = read(fd, buf + got, chunk_bytes - got);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				rc = dsmap_error__errno(DSMAP_EIO, errno, "snapshot %s: read its file",
				                        si->id);
				goto done;
			}
			if (r == 0)
				break;
			got += (size_t)r;
		}
		if (got == 0)
			break;
		crypto_generichash_update(&hash, buf, got);
		/* DSMAP_SNAPSHOT_TEST_CORRUPT=1: the first chunk's first byte
		 * changed after the digest took it, as a chunk damaged on its
		 * way or in the stream (tests/integration/replica.sh) */
		if (corrupt && si->chunks == 0)
			buf[0] ^= 0xff;
		snprintf(msgid, sizeof(msgid), "%s.c%llu", si->id, (unsigned long long)si->chunks);
		snprintf(no, sizeof(no), "%llu", (unsigned long long)si->chunks);
		jsPubOptions_Init(&po);
		po.MsgId = msgid;
		if ((s = natsMsg_Create(&m, subject, NULL, (const char *)buf, (int)got)) == NATS_OK &&
		    (s = natsMsgHeader_Set(m, "Dsmap-Snapshot", si->id)) == NATS_OK &&
		    (s = natsMsgHeader_Set(m, "Dsmap-Chunk", no)) == NATS_OK) {
			int tries = 0;

			/* PUBLISH_PENDING in flight already, for the stall wait: the
			 * cluster is slower than the disk (or electing a leader);
			 * the message stays ours, and is offered again */
			while ((s = js_PublishMsgAsync(js, &m, &po)) == NATS_TIMEOUT &&
			       ++tries < DSMAP__NATS_TRIES)
				;
		}
		if (s != NATS_OK) {
			natsMsg_Destroy(m);   /* NULL once the library took it */
			rc = dsmap__nats_fail(n, s, 0, "snapshot %s: chunk %s", si->id, no);
			goto done;
		}
		si->chunks++;
		off += got;
		if (got < chunk_bytes)
			break;
	}
	jsPubOptions_Init(&po);
	po.MaxWait = 60000;
	if ((s = js_PublishAsyncComplete(js, &po)) != NATS_OK) {
		rc = dsmap__nats_fail(n, s, 0, "snapshot %s: NATS did not acknowledge every chunk "
		                      "in 60 s", si->id);
		goto done;
	}
	pthread_mutex_lock(&errs.mu);
	if (errs.count > 0)
		rc = dsmap_error__set(DSMAP_EIO, "snapshot %s: NATS did not store %lu of its %llu "
		                      "chunks; the first: %s", si->id, errs.count,
		                      (unsigned long long)si->chunks, errs.first);
	pthread_mutex_unlock(&errs.mu);
	if (rc < 0)
		goto done;
	crypto_generichash_final(&hash, h, sizeof(h));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(si->digest, sizeof(si->digest), "blake2b-256:%s", hex);
	si->size = off;
done:
	jsCtx_Destroy(js);
	pthread_mutex_destroy(&errs.mu);
	free(buf);
	return rc;
}

/* What the stream held before this snapshot: older metas, and the chunks
 * of every snapshot published before (or half published). */
static int purge_older(struct dsmap__nats *n, const dsmap_snapshot_info *si, uint64_t first_seq)
{
	jsOptions jo;
	jsErrCode jerr = 0;
	natsStatus s;

	jsOptions_Init(&jo);
	jo.Stream.Purge.Subject = META_SUBJECT;
	jo.Stream.Purge.Keep = 1;
	if ((s = js_PurgeStream(dsmap__nats_js(n), DSMAP_SNAPSHOT_STREAM, &jo, &jerr)) != NATS_OK)
		return dsmap__nats_fail(n, s, jerr, "snapshot %s is published, but the older metas "
		                        "of stream %s could not be purged", si->id,
		                        DSMAP_SNAPSHOT_STREAM);
	if (first_seq == 0)
		return 0;
	jsOptions_Init(&jo);
	jo.Stream.Purge.Subject = CHUNK_PREFIX ">";
	jo.Stream.Purge.Sequence = first_seq;
	if ((s = js_PurgeStream(dsmap__nats_js(n), DSMAP_SNAPSHOT_STREAM, &jo, &jerr)) != NATS_OK)
		return dsmap__nats_fail(n, s, jerr, "snapshot %s is published, but the older chunks "
		                        "of stream %s could not be purged", si->id,
		                        DSMAP_SNAPSHOT_STREAM);
	return 0;
}

static int check_options(const char *fn, const dsmap_replica_options *opts)
{
	int rc;

	if ((rc = dsmap_error__options_version(fn, opts->version,
	                                       DSMAP_REPLICA_OPTIONS_VERSION)) < 0)
		return rc;
	if (opts->chunk_bytes != 0 && (opts->chunk_bytes < CHUNK_MIN || opts->chunk_bytes > CHUNK_MAX))
		return dsmap_error__set(DSMAP_EINVALID, "a snapshot chunk of %zu bytes: from %u to "
		                        "%u bytes", opts->chunk_bytes, CHUNK_MIN, CHUNK_MAX);
	return 0;
}

int dsmap_snapshot_publish(dsmap_snapshot_info *out, dsmap_workspace *ws,
                           const dsmap_replica_options *opts)
{
	static const dsmap_replica_options defaults = DSMAP_REPLICA_OPTIONS_INIT;
	struct dsmap__nats *n = NULL;
	dsmap_snapshot_info si;
	unsigned char id[16];
	char *tmp = NULL, *meta = NULL, msgid[64];
	natsMsg *m = NULL;
	natsStatus s;
	uint64_t last_seq = 0;
	size_t chunk_bytes;
	int fd = -1, rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (ws == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_snapshot_publish: NULL argument");
	if (opts == NULL)
		opts = &defaults;
	if ((rc = check_options("dsmap_snapshot_publish", opts)) < 0)
		return rc;
	chunk_bytes = opts->chunk_bytes ? opts->chunk_bytes : CHUNK_DEFAULT;
	memset(&si, 0, sizeof(si));
	randombytes_buf(id, sizeof(id));
	sodium_bin2hex(si.id, sizeof(si.id), id, sizeof(id));
	si.created = (int64_t)time(NULL);

	/* The options first, the copy next, and NATS last: a wrong creds
	 * file costs no copy of a large store. */
	if (opts->creds_path != NULL && (rc = dsmap__nats_check_creds(opts->creds_path)) < 0)
		return rc;
	if ((tmp = dsmap__path_join(ws->dotdir, "snapshot.XXXXXX")) == NULL)
		return dsmap_error__oom();
	if ((fd = mkstemp(tmp)) < 0) {
		rc = dsmap_error__errno(dsmap_error__from_errno(errno), errno, "snapshot %s: "
		                        "temporary file in %s", si.id, ws->dotdir);
		goto done;
	}
	/* unlinked at once: a crash leaves nothing behind */
	unlink(tmp);
	if ((rc = synced_rev(ws->store, si.revision)) < 0 ||
	    (rc = copy_store(ws->store, fd, &si.generation)) < 0)
		goto done;
	if ((rc = dsmap__nats_open(&n, opts->nats_urls, opts->creds_path, opts->ca_path,
	                           "dsmap snapshot")) < 0 ||
	    (rc = dsmap__nats_ensure_stream(n, DSMAP_SNAPSHOT_STREAM, "dsmap.snap.>", 2,
	                                    &last_seq)) < 0 ||
	    (rc = publish_chunks(n, fd, &si, chunk_bytes)) < 0)
		goto done;
	if (si.size == 0) {
		rc = dsmap_error__set(DSMAP_ERROR, "snapshot %s: the compact copy of store %s is "
		                      "empty", si.id, ws->store->path);
		goto done;
	}
	if ((rc = meta_encode(&meta, &si, chunk_bytes)) < 0)
		goto done;
	snprintf(msgid, sizeof(msgid), "%s.meta", si.id);
	if ((s = natsMsg_Create(&m, META_SUBJECT, NULL, meta, (int)strlen(meta))) != NATS_OK ||
	    (s = natsMsgHeader_Set(m, "Dsmap-Snapshot", si.id)) != NATS_OK) {
		rc = dsmap__nats_fail(n, s, 0, "snapshot %s: its meta", si.id);
		goto done;
	}
	if ((rc = publish_sync(n, m, msgid, "the snapshot's meta")) < 0) {
		dsmap_error__prefix(rc, "snapshot %s", si.id);
		goto done;
	}
	if (out != NULL)
		*out = si;
	/* A purge "below sequence 1" purges every chunk, this snapshot's
	 * too: a new stream has nothing older to purge. */
	rc = purge_older(n, &si, last_seq > 0 ? last_seq + 1 : 0);
done:
	natsMsg_Destroy(m);
	free(meta);
	dsmap__nats_close(n);
	if (fd >= 0)
		close(fd);
	free(tmp);
	return rc;
}

/* ---- the replica ----------------------------------------------------------------- */

struct dsmap_replica {
	char *dir;
	char *snapdir;                 /* DIR/snapshots */
	struct dsmap__nats *n;
	natsSubscription *metas;       /* new metas, to wake a wait */
	/* the last snapshot whose bytes were refused (size, order, digest):
	 * not downloaded again by this handle, only a newer one is */
	char refused[sizeof(((dsmap_snapshot_info *)0)->id)];
};

void dsmap_replica_free(dsmap_replica *rep)
{
	if (rep == NULL)
		return;
	natsSubscription_Destroy(rep->metas);
	dsmap__nats_close(rep->n);
	free(rep->snapdir);
	free(rep->dir);
	free(rep);
}

int dsmap_replica_open(dsmap_replica **out, const char *dir, const dsmap_replica_options *opts)
{
	static const dsmap_replica_options defaults = DSMAP_REPLICA_OPTIONS_INIT;
	dsmap_workspace *probe = NULL;
	dsmap_replica *rep = NULL;
	natsStatus s;
	int rc;

	if (out == NULL || dir == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_replica_open: NULL argument");
	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	if ((rc = check_options("dsmap_replica_open", opts)) < 0)
		return rc;
	/* the directory checked as serve will open it: private, with a key */
	if ((rc = dsmap_workspace__open_at(&probe, dir, NULL)) < 0)
		return rc;
	if ((rep = dsmap__calloc(1, sizeof(*rep))) == NULL ||
	    (rep->dir = dsmap__strdup(probe->path)) == NULL ||
	    (rep->snapdir = dsmap__path_join(probe->path, "snapshots")) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	if (mkdir(rep->snapdir, 0700) != 0 && errno != EEXIST) {
		rc = dsmap_error__errno(dsmap_error__from_errno(errno), errno, "replica %s: %s",
		                        rep->dir, rep->snapdir);
		goto done;
	}
	if ((rc = dsmap__nats_open(&rep->n, opts->nats_urls, opts->creds_path, opts->ca_path,
	                           "dsmap replica")) < 0)
		goto done;
	if ((s = natsConnection_SubscribeSync(&rep->metas, dsmap__nats_conn(rep->n),
	                                      META_SUBJECT)) != NATS_OK) {
		rc = dsmap__nats_fail(rep->n, s, 0, "replica %s: cannot subscribe to %s", rep->dir,
		                      META_SUBJECT);
		goto done;
	}
	*out = rep;
	rep = NULL;
done:
	dsmap_workspace_free(probe);
	dsmap_replica_free(rep);
	return rc;
}

int dsmap_replica_current(char *buf, size_t size, const char *dir)
{
	char *link;
	ssize_t n;

	if ((link = dsmap__path_join(dir, "current")) == NULL)
		return dsmap_error__oom();
	n = readlink(link, buf, size);
	if (n < 0) {
		int err = errno;

		free(link);
		return dsmap_error__errno(err == ENOENT ? DSMAP_ENOTFOUND : DSMAP_EIO, err,
		                          "replica %s: no snapshot yet (%s)", dir,
		                          err == ENOENT ? "run dsmap replica" : "current");
	}
	free(link);
	if ((size_t)n >= size)
		return dsmap_error__set(DSMAP_EIO, "replica %s: current is a link of %zd bytes", dir, n);
	buf[n] = '\0';
	return 0;
}

/* The meta.json of snapshot directory `snap` ("snapshots/ID" under dir). */
static int read_local(dsmap_snapshot_info *si, const char *dir, const char *snap)
{
	char *path, *buf = NULL;
	size_t len = 0;
	int rc;

	if ((path = dsmap__sprintf("%s/%s/meta.json", dir, snap)) == NULL)
		return dsmap_error__oom();
	if ((rc = dsmap__read_file(&buf, &len, path, META_MAX)) == 0)
		rc = meta_decode(si, buf, len, path);
	free(buf);
	free(path);
	return rc;
}

int dsmap_replica_workspace_open(dsmap_workspace **out, dsmap_snapshot_info *info,
                                 const char *dir, unsigned int flags)
{
	dsmap_snapshot_info si;
	char target[256], *storedir = NULL;
	int rc;

	if (info != NULL)
		memset(info, 0, sizeof(*info));
	if (out == NULL || dir == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_replica_workspace_open: NULL argument");
	*out = NULL;
	if (flags & DSMAP_REPLICA_NO_STORE)
		return dsmap_workspace__open_at(out, dir, NULL);
	if ((rc = dsmap_replica_current(target, sizeof(target), dir)) < 0 ||
	    (rc = read_local(&si, dir, target)) < 0)
		return rc;
	if ((storedir = dsmap__path_join(dir, target)) == NULL)
		return dsmap_error__oom();
	rc = dsmap_workspace__open_at(out, dir, storedir);
	free(storedir);
	if (rc == 0 && info != NULL)
		*info = si;
	return rc;
}

/* The newest meta in the stream: 0, or DSMAP_ENOTFOUND when none. */
static int newest_meta(dsmap_snapshot_info *si, dsmap_replica *rep, char **raw, size_t *rawlen)
{
	natsMsg *m = NULL;
	jsErrCode jerr = 0;
	natsStatus s;
	int tries, rc;

	*raw = NULL;
	for (tries = 1; (s = js_GetLastMsg(&m, dsmap__nats_js(rep->n), DSMAP_SNAPSHOT_STREAM,
	                                   META_SUBJECT, NULL, &jerr)) != NATS_OK; tries++) {
		if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr || jerr == JSNoMessageFoundErr)
			return dsmap_error__set(DSMAP_ENOTFOUND, "replica %s: no snapshot is published "
			                        "in NATS stream %s yet (dsmap snapshot publish)",
			                        rep->dir, DSMAP_SNAPSHOT_STREAM);
		if (!dsmap__nats_transient(s, jerr) || tries == DSMAP__NATS_TRIES)
			return dsmap__nats_fail(rep->n, s, jerr, "replica %s: cannot read %s of NATS "
			                        "stream %s", rep->dir, META_SUBJECT,
			                        DSMAP_SNAPSHOT_STREAM);
		dsmap__nats_backoff(tries);
	}
	*rawlen = (size_t)natsMsg_GetDataLength(m);
	rc = meta_decode(si, natsMsg_GetData(m), *rawlen, "the newest snapshot's meta");
	if (rc == 0 && (*raw = dsmap__strndup(natsMsg_GetData(m), *rawlen)) == NULL)
		rc = dsmap_error__oom();
	natsMsg_Destroy(m);
	return rc;
}

static int fsync_path(const char *path, int dir)
{
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC), rc = 0;

	if (fd < 0 || fsync(fd) != 0)
		rc = dsmap_error__errno(DSMAP_EIO, errno, "fsync %s", path);
	if (fd >= 0)
		close(fd);
	return rc;
}

static int write_all(int fd, const void *p, size_t len, const char *path)
{
	const unsigned char *b = p;

	while (len > 0) {
		ssize_t w = write(fd, b, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int err = dsmap__write_errno(errno, path);

			return dsmap_error__errno(dsmap_error__from_errno(err), err, "write %s", path);
		}
		b += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The snapshot's chunks, in order, into `path`, checked against `si`. */
static int download(dsmap_replica *rep, const dsmap_snapshot_info *si, const char *path)
{
	natsSubscription *sub = NULL;
	jsSubOptions so;
	jsErrCode jerr = 0;
	natsStatus s;
	crypto_generichash_state hash;
	unsigned char h[32];
	char subject[64], hex[65], digest[80];
	uint64_t next = 0, size = 0;
	int fd, tries, rc = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return dsmap_error__errno(dsmap_error__from_errno(errno), errno, "snapshot %s: "
		                          "create %s", si->id, path);
	snprintf(subject, sizeof(subject), CHUNK_PREFIX "%s", si->id);
	jsSubOptions_Init(&so);
	so.Stream = DSMAP_SNAPSHOT_STREAM;
	so.Ordered = true;
	so.Config.DeliverPolicy = js_DeliverAll;
	for (tries = 1; (s = js_SubscribeSync(&sub, dsmap__nats_js(rep->n), subject, NULL, &so,
	                                      &jerr)) != NATS_OK; tries++) {
		if (!dsmap__nats_transient(s, jerr) || tries == DSMAP__NATS_TRIES) {
			rc = dsmap__nats_fail(rep->n, s, jerr, "snapshot %s: cannot read %s", si->id,
			                      subject);
			goto done;
		}
		dsmap__nats_backoff(tries);
	}
	crypto_generichash_init(&hash, NULL, 0, sizeof(h));
	while (next < si->chunks) {
		natsMsg *m = NULL;
		const char *no = NULL;
		int len;

		s = natsSubscription_NextMsg(&m, sub, CHUNK_WAIT_MS);
		if (s == NATS_TIMEOUT) {
			rc = dsmap_error__set(DSMAP_ETIMEOUT, "snapshot %s: chunk %llu of %llu did not "
			                      "come in %d s (purged by a newer snapshot?)", si->id,
			                      (unsigned long long)next, (unsigned long long)si->chunks,
			                      CHUNK_WAIT_MS / 1000);
			goto done;
		}
		if (s != NATS_OK) {
			rc = dsmap__nats_fail(rep->n, s, 0, "snapshot %s: chunk %llu", si->id,
			                      (unsigned long long)next);
			goto done;
		}
		if (natsMsgHeader_Get(m, "Dsmap-Chunk", &no) != NATS_OK || no == NULL ||
		    strtoull(no, NULL, 10) != next) {
			rc = dsmap_error__set(DSMAP_ECORRUPT, "snapshot %s: chunk %s came where chunk "
			                      "%llu was due", si->id, no ? no : "(unnumbered)",
			                      (unsigned long long)next);
			natsMsg_Destroy(m);
			goto done;
		}
		len = natsMsg_GetDataLength(m);
		size += (uint64_t)len;
		if (size > si->size) {
			rc = dsmap_error__set(DSMAP_ECORRUPT, "snapshot %s: its chunks hold more than "
			                      "the %llu bytes its meta says", si->id,
			                      (unsigned long long)si->size);
			natsMsg_Destroy(m);
			goto done;
		}
		crypto_generichash_update(&hash, (const unsigned char *)natsMsg_GetData(m),
		                          (unsigned long long)len);
		rc = write_all(fd, natsMsg_GetData(m), (size_t)len, path);
		natsMsg_Destroy(m);
		if (rc < 0)
			goto done;
		next++;
	}
	crypto_generichash_final(&hash, h, sizeof(h));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(digest, sizeof(digest), "blake2b-256:%s", hex);
	if (size != si->size) {
		rc = dsmap_error__set(DSMAP_ECORRUPT, "snapshot %s: its %llu chunks hold %llu bytes, "
		                      "its meta says %llu; refused", si->id,
		                      (unsigned long long)si->chunks, (unsigned long long)size,
		                      (unsigned long long)si->size);
		goto done;
	}
	if (strcmp(digest, si->digest) != 0) {
		rc = dsmap_error__set(DSMAP_ECORRUPT, "snapshot %s: its bytes' digest is %s, its "
		                      "meta says %s; refused", si->id, digest, si->digest);
		goto done;
	}
	if (fsync(fd) != 0)
		rc = dsmap_error__errno(DSMAP_EIO, errno, "fsync %s", path);
done:
	natsSubscription_Destroy(sub);
	if (close(fd) != 0 && rc == 0)
		rc = dsmap_error__errno(DSMAP_EIO, errno, "close %s", path);
	return rc;
}

/* Every snapshot directory but `keep` ("ID"); best effort: serve may hold
 * one open still, which it reads on until its requests end. */
static void remove_others(dsmap_replica *rep, const char *keep)
{
	DIR *d = opendir(rep->snapdir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *p;

		if (e->d_name[0] == '.' || strcmp(e->d_name, keep) == 0)
			continue;
		if ((p = dsmap__path_join(rep->snapdir, e->d_name)) != NULL)
			dsmap__rm_rf(p);
		free(p);
	}
	closedir(d);
}

/* Download snapshot `si` and make it current. */
static int install(dsmap_replica *rep, const dsmap_snapshot_info *si, const char *raw,
                   size_t rawlen)
{
	char *dir = NULL, *data = NULL, *meta = NULL, *tmp = NULL, *cur = NULL, target[64];
	int rc, made = 0;

	snprintf(target, sizeof(target), "snapshots/%s", si->id);
	if ((dir = dsmap__path_join(rep->snapdir, si->id)) == NULL ||
	    (data = dsmap__path_join(dir, "data.mdb")) == NULL ||
	    (meta = dsmap__path_join(dir, "meta.json")) == NULL ||
	    (tmp = dsmap__path_join(rep->dir, "current.tmp")) == NULL ||
	    (cur = dsmap__path_join(rep->dir, "current")) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	/* what a failed download of this id left */
	dsmap__rm_rf(dir);
	if (mkdir(dir, 0700) != 0) {
		rc = dsmap_error__errno(dsmap_error__from_errno(errno), errno, "snapshot %s: %s",
		                        si->id, dir);
		goto done;
	}
	made = 1;
	if ((rc = download(rep, si, data)) < 0 ||
	    (rc = dsmap__write_new_file(meta, raw, rawlen, 0600)) < 0 ||
	    (rc = fsync_path(dir, 1)) < 0 || (rc = fsync_path(rep->snapdir, 1)) < 0)
		goto done;
	/* the swap: a new link renamed over the old, atomic for a reader */
	unlink(tmp);
	if (symlink(target, tmp) != 0 || rename(tmp, cur) != 0) {
		rc = dsmap_error__errno(DSMAP_EIO, errno, "snapshot %s: point %s at %s", si->id,
		                        cur, target);
		unlink(tmp);
		goto done;
	}
	made = 0;
	if ((rc = fsync_path(rep->dir, 1)) < 0)
		goto done;
	remove_others(rep, si->id);
done:
	if (made)
		dsmap__rm_rf(dir);
	free(cur);
	free(tmp);
	free(meta);
	free(data);
	free(dir);
	return rc;
}

int dsmap_replica_update(dsmap_snapshot_info *out, dsmap_replica *rep, unsigned int wait_ms)
{
	dsmap_snapshot_info held, si;
	char target[256], *raw = NULL;
	size_t rawlen = 0;
	int rc, waited = 0;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (rep == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_replica_update: NULL argument");
	memset(&held, 0, sizeof(held));
	rc = dsmap_replica_current(target, sizeof(target), rep->dir);
	if (rc == 0)
		rc = read_local(&held, rep->dir, target);
	if (rc < 0 && rc != DSMAP_ENOTFOUND)
		return rc;
	for (;;) {
		natsMsg *m = NULL;
		natsStatus s;

		/* the notices that came so far are all read by what follows */
		while (natsSubscription_NextMsg(&m, rep->metas, 0) == NATS_OK)
			natsMsg_Destroy(m);
		free(raw);
		rc = newest_meta(&si, rep, &raw, &rawlen);
		if (rc == 0 && held.id[0] && strcmp(si.id, held.id) == 0 &&
		    (si.generation != held.generation || strcmp(si.digest, held.digest) != 0)) {
			/* never downloaded again over itself: the one held is whole */
			rc = dsmap_error__set(DSMAP_ECORRUPT, "snapshot %s: its meta in NATS says "
			                      "generation %llu and %s, the replica's copy generation "
			                      "%llu and %s: refused", si.id,
			                      (unsigned long long)si.generation, si.digest,
			                      (unsigned long long)held.generation, held.digest);
			break;
		}
		if (rc == 0 && held.id[0] && si.generation < held.generation) {
			rc = dsmap_error__set(DSMAP_EINVALID, "snapshot %s is of generation %llu, older "
			                      "than the replica's snapshot %s (generation %llu): "
			                      "refused", si.id, (unsigned long long)si.generation,
			                      held.id, (unsigned long long)held.generation);
			break;
		}
		if (rc == 0 && (!held.id[0] || si.generation > held.generation) &&
		    strcmp(si.id, rep->refused) != 0) {
			if ((rc = install(rep, &si, raw, rawlen)) == 0) {
				held = si;
				rc = 1;
			} else if (rc == DSMAP_ECORRUPT) {
				snprintf(rep->refused, sizeof(rep->refused), "%s", si.id);
			}
			break;
		}
		if ((rc < 0 && rc != DSMAP_ENOTFOUND) || waited || wait_ms == 0)
			break;
		/* nothing newer: wait for the next meta's notice */
		s = natsSubscription_NextMsg(&m, rep->metas, (int64_t)wait_ms);
		natsMsg_Destroy(m);
		waited = 1;
		if (s != NATS_OK)
			break;
	}
	free(raw);
	if (out != NULL)
		*out = held;
	return rc;
}
