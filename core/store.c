/*
 * The LMDB store.
 *
 * Layout: a directory (0700) with LMDB's data.mdb and lock.mdb (0600).  The
 * "meta" database holds the magic string, the schema version and the
 * workspace-level facts (creation time, synced revision).  Every other
 * database is listed in `db_names`, opened once at open time and kept.
 *
 * What LMDB does not check for us, we check at open: a data file shorter
 * than the pages its meta page says are in use (a truncated copy would
 * otherwise SIGBUS on first read), and a meta database that is missing or
 * carries a foreign magic.  Structural damage inside a page surfaces as
 * MDB_CORRUPTED or MDB_PAGE_NOTFOUND and becomes DSMAP_ECORRUPT;
 * dsmap_store_verify() walks every page to find it before a user does.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "idindex.h"
#include "store.h"
#include "util.h"

#define DEFAULT_MAPSIZE (256ull << 20)
#define MAX_GROW_RETRIES 40

/* Fixed databases, and a pair per generation of each system's holdings,
 * with room for generations being written and not yet collected. */
#define MAX_DBS 1024

/*
 * LMDB forbids opening one environment twice in a process (its locks are
 * per process: closing one handle would drop the other's).  The open stores
 * are listed here by directory identity, and a second open is refused.
 */
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static dsmap_store *open_stores;

static int register_open(dsmap_store *store)
{
	dsmap_store *s;
	int rc = 0;

	pthread_mutex_lock(&open_lock);
	for (s = open_stores; s != NULL; s = s->next_open)
		if (s->dev == store->dev && s->ino == store->ino && s->pid == getpid())
			break;
	if (s != NULL) {
		rc = dsmap_error__set(DSMAP_EBUSY,
		    "store %s: already open in this process (as %s); share that handle",
		    store->path, s->path);
	} else {
		store->next_open = open_stores;
		open_stores = store;
	}
	pthread_mutex_unlock(&open_lock);
	return rc;
}

static void unregister_open(dsmap_store *store)
{
	dsmap_store **p;

	pthread_mutex_lock(&open_lock);
	for (p = &open_stores; *p != NULL; p = &(*p)->next_open)
		if (*p == store) {
			*p = store->next_open;
			break;
		}
	pthread_mutex_unlock(&open_lock);
}

int dsmap_store__error(int rc, const char *fmt, ...)
{
	char ctx[512];
	va_list ap;
	int code;

	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);

	switch (rc) {
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
		code = DSMAP_ECORRUPT;
		break;
	case MDB_VERSION_MISMATCH:
		code = DSMAP_EVERSION;
		break;
	case MDB_NOTFOUND:
		code = DSMAP_ENOTFOUND;
		break;
	case MDB_KEYEXIST:
		code = DSMAP_EEXISTS;
		break;
	case MDB_READERS_FULL:
		code = DSMAP_EBUSY;
		break;
	case MDB_TXN_FULL:
	case MDB_MAP_FULL:
		code = DSMAP_EIO;
		break;
	default:
		code = rc > 0 ? dsmap_error__from_errno(rc) : DSMAP_ERROR;
		break;
	}
	/* mdb_strerror() covers both LMDB's codes and errno values. */
	return dsmap_error__set(code, "%s: %s", ctx, mdb_strerror(rc));
}

int dsmap_store__lmdb(dsmap_store *store, int rc, const char *fmt, ...)
{
	char ctx[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	if (rc == MDB_MAP_FULL)
		store->map_full = 1;
	/* LMDB reports a short write (a disk that filled up) as EIO */
	rc = dsmap__write_errno(rc, store->path);
	return dsmap_store__error(rc, "store %s: %s", store->path, ctx);
}

int dsmap_store__check(const dsmap_store *store)
{
	if (store == NULL || store->env == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "store is not open");
	if (store->pid != getpid())
		return dsmap_error__set(DSMAP_ERROR,
		    "store %s: opened in process %ld, used in %ld after fork(); "
		    "open it again in the child", store->path,
		    (long)store->pid, (long)getpid());
	return 0;
}

/* Pick up a map grown by another process. */
static int txn_begin(dsmap_store *store, unsigned int flags, MDB_txn **txn)
{
	int rc = mdb_txn_begin(store->env, NULL, flags, txn);

	if (rc == MDB_MAP_RESIZED) {
		rc = mdb_env_set_mapsize(store->env, 0);
		if (rc == 0)
			rc = mdb_txn_begin(store->env, NULL, flags, txn);
	}
	return rc;
}

int dsmap_store__read_begin(dsmap_store *store, MDB_txn **txn)
{
	int rc;

	if ((rc = dsmap_store__check(store)) < 0)
		return rc;
	rc = txn_begin(store, MDB_RDONLY, txn);
	if (rc != 0)
		return dsmap_store__error(rc, "store %s: begin read", store->path);
	return 0;
}

static int grow(dsmap_store *store, const char *what)
{
	uint64_t next = store->map_size * 2;
	MDB_envinfo info;
	int rc;

	if (store->max_mapsize != 0 && next > store->max_mapsize)
		next = store->max_mapsize;
	if (next <= store->map_size)
		return dsmap_error__set(DSMAP_EIO,
		    "store %s: %s: the map is full at its limit of %llu bytes",
		    store->path, what, (unsigned long long)store->max_mapsize);
	rc = mdb_env_set_mapsize(store->env, (size_t)next);
	if (rc != 0)
		return dsmap_store__error(rc, "store %s: grow map to %llu bytes",
		                          store->path, (unsigned long long)next);
	if (mdb_env_info(store->env, &info) == 0)
		store->map_size = info.me_mapsize;
	else
		store->map_size = next;
	store->grown++;
	return 0;
}

int dsmap_store__write(dsmap_store *store, dsmap_store__txn_fn fn, void *payload,
                       const char *what)
{
	MDB_txn *txn = NULL;
	int tries, rc;

	if ((rc = dsmap_store__check(store)) < 0)
		return rc;
	for (tries = 0; tries < MAX_GROW_RETRIES; tries++) {
		rc = txn_begin(store, 0, &txn);
		if (rc != 0)
			return dsmap_store__error(rc, "store %s: %s: begin write",
			                          store->path, what);
		store->map_full = 0;
		rc = fn(store, txn, payload);
		/* The callback speaks our codes only (store.h). */
		assert(rc <= 0 && rc >= DSMAP__E_LOWEST);
		if (rc == 0) {
			rc = mdb_txn_commit(txn);
			txn = NULL;
			if (rc != 0)
				rc = dsmap_store__lmdb(store, rc, "%s", what);
		} else {
			mdb_txn_abort(txn);
			txn = NULL;
		}
		if (rc == 0 || !store->map_full)
			return rc;
		if ((rc = grow(store, what)) < 0)
			return rc;
		dsmap_error_clear();
	}
	return dsmap_error__set(DSMAP_EIO, "store %s: %s: the map is still full after growing "
	                        "it %d times", store->path, what, MAX_GROW_RETRIES);
}

int dsmap_store__meta_put(dsmap_store *store, MDB_txn *txn, const char *key,
                          const void *val, size_t len)
{
	MDB_val k = { strlen(key), (void *)key };
	MDB_val v = { len, (void *)val };
	int rc = mdb_put(txn, store->dbi[DSMAP__DB_META], &k, &v, 0);

	return rc == 0 ? 0 : dsmap_store__lmdb(store, rc, "write meta '%s'", key);
}

int dsmap_store__meta_get(dsmap_store *store, MDB_txn *txn, const char *key,
                          char *buf, size_t bufsize)
{
	MDB_val k = { strlen(key), (void *)key };
	MDB_val v;
	int rc = mdb_get(txn, store->dbi[DSMAP__DB_META], &k, &v);

	if (rc == MDB_NOTFOUND)
		return dsmap_error__set(DSMAP_ENOTFOUND, "store %s: no meta value '%s'",
		                        store->path, key);
	if (rc != 0)
		return dsmap_store__error(rc, "store %s: read meta '%s'", store->path, key);
	if (v.mv_size >= bufsize)
		return dsmap_error__set(DSMAP_ECORRUPT,
		    "store %s: meta value '%s' is %zu bytes, longer than any dsmap writes",
		    store->path, key, v.mv_size);
	memcpy(buf, v.mv_data, v.mv_size);
	buf[v.mv_size] = '\0';
	return 0;
}

/* Open (creating when absent) every fixed database of the schema. */
static int dbs_open_all(dsmap_store *store, MDB_txn *txn)
{
	int i, rc;

	for (i = 0; i < DSMAP__DB_COUNT; i++)
		if ((rc = mdb_dbi_open(txn, dsmap__schema_dbs[i].name,
		                       MDB_CREATE | dsmap__schema_dbs[i].flags, &store->dbi[i])) != 0)
			return dsmap_store__lmdb(store, rc, "create database '%s'",
			                         dsmap__schema_dbs[i].name);
	return 0;
}

static int schema_put(dsmap_store *store, MDB_txn *txn)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", DSMAP_STORE_SCHEMA);
	return dsmap_store__meta_put(store, txn, DSMAP__META_SCHEMA, buf, strlen(buf));
}

/* A brand-new store: every database and the meta values. */
static int create_layout(dsmap_store *store, MDB_txn *txn, void *payload)
{
	char buf[32];
	int rc;

	(void)payload;
	if ((rc = dbs_open_all(store, txn)) < 0 ||
	    (rc = dsmap_store__meta_put(store, txn, DSMAP__META_MAGIC, DSMAP__SCHEMA_MAGIC,
	                                strlen(DSMAP__SCHEMA_MAGIC))) < 0 ||
	    (rc = schema_put(store, txn)) < 0)
		return rc;
	snprintf(buf, sizeof(buf), "%lld", (long long)time(NULL));
	return dsmap_store__meta_put(store, txn, DSMAP__META_CREATED, buf, strlen(buf));
}

/* Databases added by later schemas are created by the first open that
 * misses them; other opens only read, so that status and queries never wait
 * for the write lock. */
static int create_dbs(dsmap_store *store, MDB_txn *txn, void *payload)
{
	(void)payload;
	return dbs_open_all(store, txn);
}

/* The identifier index written anew from every system's current
 * generation, in one transaction. */
struct fill {
	dsmap_store *store;
	MDB_txn *txn;
};

static int fill_system(const char *id, const dsmap_store__system_summary *sum, void *payload)
{
	struct fill *f = payload;

	(void)id;
	return dsmap__idindex_switch(f->store, f->txn, sum->sysno, 0, sum->gen);
}

static int index_fill(dsmap_store *store, MDB_txn *txn, void *payload)
{
	struct fill f = { store, txn };
	int rc;

	(void)payload;
	if ((rc = mdb_drop(txn, store->dbi[DSMAP__DB_IDINDEX], 0)) != 0)
		return dsmap_store__lmdb(store, rc, "empty the identifier index");
	return dsmap_store__systems_each_in(store, txn, fill_system, &f);
}

int dsmap_store_rebuild_index(dsmap_store *store)
{
	if (store == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_store_rebuild_index: NULL store");
	return dsmap_store__write(store, index_fill, NULL, "rebuild the identifier index");
}

/*
 * Upgrades, in one transaction: a store is either upgraded whole or left
 * as it was.
 *   1 to 2: schema 1 had no identifier index, and a Bloom filter per
 *     generation in the meta database ("bloom.GGGGGGGG") instead; the
 *     index is built from every system's current generation and the
 *     filters are dropped.
 *   2 to 3: records carry checksums (schema.h).  Records of schema 2 are
 *     still read as they are, and get theirs when they are next written:
 *     a system's record and holdings at its next scan, a revision's
 *     record never (it is written once; verify decodes it as before).
 *     Nothing to rewrite, then, but a newer schema number, so that a
 *     dsmap of schema 2 refuses the store instead of misreading it.
 *   3 to 4: the record-time histograms (schema.h, "hist"), made empty;
 *     a system gets its own at its next scan, and until then the audit
 *     says it has none.
 */
static int upgrade_txn(dsmap_store *store, MDB_txn *txn, void *payload)
{
	const char *bloom = dsmap__meta_prefix(DSMAP__META_BLOOM);
	size_t blen = strlen(bloom);
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc;

	(void)payload;
	if ((rc = dbs_open_all(store, txn)) < 0)
		return rc;
	if (store->schema >= 2)
		return schema_put(store, txn);
	if ((rc = index_fill(store, txn, NULL)) < 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, store->dbi[DSMAP__DB_META], &cur)) != 0)
		return dsmap_store__lmdb(store, rc, "meta");
	for (;;) {
		k.mv_size = blen;
		k.mv_data = (void *)bloom;
		if ((rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)) != 0 ||
		    k.mv_size <= blen || memcmp(k.mv_data, bloom, blen) != 0 ||
		    (rc = mdb_cursor_del(cur, 0)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return dsmap_store__lmdb(store, rc, "drop the Bloom filters of schema 1");
	return schema_put(store, txn);
}

static int open_dbs(dsmap_store *store)
{
	MDB_txn *txn = NULL;
	int i, rc;

	if ((rc = dsmap_store__read_begin(store, &txn)) < 0)
		return rc;
	for (i = 0; i < DSMAP__DB_COUNT; i++)
		if ((rc = mdb_dbi_open(txn, dsmap__schema_dbs[i].name, dsmap__schema_dbs[i].flags,
		                       &store->dbi[i])) != 0)
			break;
	if (rc == 0) {
		/* Committing, not aborting, keeps the handles open. */
		if ((rc = mdb_txn_commit(txn)) != 0)
			return dsmap_store__error(rc, "store %s: open databases", store->path);
		return 0;
	}
	mdb_txn_abort(txn);
	if (rc != MDB_NOTFOUND)
		return dsmap_store__error(rc, "store %s: open database '%s'", store->path,
		                          dsmap__schema_dbs[i].name);
	return dsmap_store__write(store, create_dbs, NULL, "create databases");
}

static int check_meta(dsmap_store *store)
{
	MDB_txn *txn = NULL;
	char buf[64], *end;
	unsigned long schema;
	int rc;

	if ((rc = dsmap_store__read_begin(store, &txn)) < 0)
		return rc;
	rc = mdb_dbi_open(txn, dsmap__schema_dbs[DSMAP__DB_META].name, 0, &store->dbi[DSMAP__DB_META]);
	if (rc == MDB_NOTFOUND) {
		rc = dsmap_error__set(DSMAP_ECORRUPT,
		    "store %s: not a dsmap store (an LMDB environment without its meta database)",
		    store->path);
		goto done;
	}
	if (rc != 0) {
		rc = dsmap_store__error(rc, "store %s: open meta database", store->path);
		goto done;
	}
	if ((rc = dsmap_store__meta_get(store, txn, DSMAP__META_MAGIC, buf, sizeof(buf))) < 0 ||
	    strcmp(buf, DSMAP__SCHEMA_MAGIC) != 0) {
		rc = dsmap_error__set(DSMAP_ECORRUPT, "store %s: not a dsmap store (bad magic)",
		                      store->path);
		goto done;
	}
	if ((rc = dsmap_store__meta_get(store, txn, DSMAP__META_SCHEMA, buf, sizeof(buf))) < 0)
		goto done;
	errno = 0;
	schema = strtoul(buf, &end, 10);
	if (errno != 0 || *end != '\0' || end == buf || schema == 0 || schema > 1000000) {
		rc = dsmap_error__set(DSMAP_ECORRUPT, "store %s: schema version '%s' is not a number",
		                      store->path, buf);
		goto done;
	}
	store->schema = (unsigned int)schema;
	if (schema > DSMAP_STORE_SCHEMA) {
		rc = dsmap_error__set(DSMAP_EVERSION,
		    "store %s: schema %lu was written by a newer dsmap; this one "
		    "(%s) reads schema %d at most; upgrade dsmap (the store is left "
		    "untouched)", store->path, schema, PACKAGE_VERSION, DSMAP_STORE_SCHEMA);
		goto done;
	}
	rc = 0;
done:
	mdb_txn_abort(txn);
	return rc;
}

/*
 * The data file must hold every page its newest meta page says is in use;
 * LMDB maps the file and would fault on a page past its end.
 */
static int check_size(dsmap_store *store, const char *datafile)
{
	MDB_envinfo info;
	MDB_stat st;
	struct stat sb;
	uint64_t need;
	int rc;

	if ((rc = mdb_env_info(store->env, &info)) != 0 ||
	    (rc = mdb_env_stat(store->env, &st)) != 0)
		return dsmap_store__error(rc, "store %s: read environment info", store->path);
	if (stat(datafile, &sb) != 0)
		return dsmap_error__errno(dsmap_error__from_errno(errno), errno,
		                          "store %s: stat %s", store->path, datafile);
	need = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
	if ((uint64_t)sb.st_size < need)
		return dsmap_error__set(DSMAP_ECORRUPT,
		    "store %s: data file is truncated: %llu bytes on disk, but its pages "
		    "reach %llu bytes", store->path, (unsigned long long)sb.st_size,
		    (unsigned long long)need);
	store->map_size = info.me_mapsize;
	return 0;
}

int dsmap_store_open(dsmap_store **out, const char *path, const dsmap_store_options *opts)
{
	dsmap_store_options defaults = DSMAP_STORE_OPTIONS_INIT;
	dsmap_store *store = NULL;
	char *datafile = NULL;
	struct stat sb;
	int rc, fresh = 0, dead = 0;
	uint64_t mapsize;

	if (out == NULL || path == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_store_open: NULL argument");
	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	if ((rc = dsmap_error__options_version("dsmap_store_open", opts->version, DSMAP_STORE_OPTIONS_VERSION)) < 0)
		return rc;

	if ((store = dsmap__calloc(1, sizeof(*store))) == NULL ||
	    (store->path = dsmap__strdup(path)) == NULL ||
	    (datafile = dsmap__path_join(path, "data.mdb")) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	store->pid = getpid();
	store->max_mapsize = opts->max_mapsize;
	pthread_mutex_init(&store->held_lock, NULL);

	if (stat(path, &sb) != 0) {
		if (errno != ENOENT || !(opts->flags & DSMAP_STORE_CREATE)) {
			rc = dsmap_error__errno(dsmap_error__from_errno(errno), errno,
			                        "store %s", path);
			goto done;
		}
		if (mkdir(path, 0700) != 0) {
			rc = dsmap_error__errno(dsmap_error__from_errno(errno), errno,
			                        "store %s: create directory", path);
			goto done;
		}
	} else if (!S_ISDIR(sb.st_mode)) {
		rc = dsmap_error__set(DSMAP_EINVALID, "store %s: not a directory", path);
		goto done;
	}

	if (stat(path, &sb) != 0) {
		rc = dsmap_error__errno(dsmap_error__from_errno(errno), errno, "store %s", path);
		goto done;
	}
	store->dev = sb.st_dev;
	store->ino = sb.st_ino;
	if ((rc = register_open(store)) < 0) {
		store->dev = 0;
		store->ino = 0;
		goto done;
	}

	if (stat(datafile, &sb) != 0) {
		if (errno != ENOENT) {
			rc = dsmap_error__errno(dsmap_error__from_errno(errno), errno,
			                        "store %s", datafile);
			goto done;
		}
		if (!(opts->flags & DSMAP_STORE_CREATE)) {
			rc = dsmap_error__set(DSMAP_ENOTFOUND, "store %s: no store here", path);
			goto done;
		}
		fresh = 1;
	} else if (sb.st_size == 0) {
		/* LMDB would quietly start a new environment in an empty file. */
		rc = dsmap_error__set(DSMAP_ECORRUPT,
		    "store %s: data file is empty (truncated); it is left as it is", path);
		goto done;
	}

	mapsize = opts->initial_mapsize ? opts->initial_mapsize : DEFAULT_MAPSIZE;
	if (!fresh && (uint64_t)sb.st_size > mapsize)
		mapsize = (uint64_t)sb.st_size;
	if (store->max_mapsize != 0 && mapsize > store->max_mapsize)
		mapsize = store->max_mapsize;

	if ((rc = mdb_env_create(&store->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(store->env, MAX_DBS)) != 0 ||
	    (rc = mdb_env_set_maxreaders(store->env, 126)) != 0 ||
	    (rc = mdb_env_set_mapsize(store->env, (size_t)mapsize)) != 0) {
		rc = dsmap_store__error(rc, "store %s: set up environment", path);
		goto done;
	}
	/* MDB_NOTLS: read transactions belong to their handle, not a thread, so
	 * a reader can be reset and renewed by whichever thread uses it. */
	rc = mdb_env_open(store->env, path, MDB_NOTLS, 0600);
	if (rc != 0) {
		if (rc == MDB_INVALID)
			rc = dsmap_error__set(DSMAP_ECORRUPT,
			    "store %s: not an LMDB environment, or its header pages are corrupted",
			    path);
		else
			rc = dsmap_store__error(rc, "store %s: open", path);
		mdb_env_close(store->env);
		store->env = NULL;
		goto done;
	}
	if ((rc = mdb_reader_check(store->env, &dead)) != 0) {
		rc = dsmap_store__error(rc, "store %s: clear stale readers", path);
		goto done;
	}
	if ((rc = check_size(store, datafile)) < 0)
		goto done;

	if (fresh) {
		if ((rc = dsmap_store__write(store, create_layout, NULL, "create")) < 0)
			goto done;
	}
	if ((rc = check_meta(store)) < 0)
		goto done;
	if (store->schema < DSMAP_STORE_SCHEMA) {
		char what[64];

		snprintf(what, sizeof(what), "upgrade from schema %u to %d", store->schema,
		         DSMAP_STORE_SCHEMA);
		if ((rc = dsmap_store__write(store, upgrade_txn, NULL, what)) < 0)
			goto done;
		store->schema = DSMAP_STORE_SCHEMA;
	} else if ((rc = open_dbs(store)) < 0) {
		goto done;
	}

	*out = store;
	store = NULL;
	rc = 0;
done:
	free(datafile);
	dsmap_store_free(store);
	return rc;
}

void dsmap_store_free(dsmap_store *store)
{
	if (store == NULL)
		return;
	/* A child after fork() must not touch the parent's environment. */
	if (store->env != NULL && store->pid == getpid())
		mdb_env_close(store->env);
	unregister_open(store);
	pthread_mutex_destroy(&store->held_lock);
	free(store->held);
	free(store->path);
	free(store);
}

const char *dsmap_store_path(const dsmap_store *store)
{
	return store ? store->path : NULL;
}

int dsmap_store_info_get(dsmap_store_info *out, dsmap_store *store)
{
	MDB_envinfo info;
	MDB_stat st;
	struct stat sb;
	char *datafile;
	int rc;

	if (out == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_store_info_get: NULL argument");
	if ((rc = dsmap_store__check(store)) < 0)
		return rc;
	memset(out, 0, sizeof(*out));
	if ((rc = mdb_env_info(store->env, &info)) != 0 ||
	    (rc = mdb_env_stat(store->env, &st)) != 0)
		return dsmap_store__error(rc, "store %s: read environment info", store->path);
	if ((datafile = dsmap__path_join(store->path, "data.mdb")) == NULL)
		return dsmap_error__oom();
	rc = stat(datafile, &sb);
	free(datafile);
	if (rc != 0)
		return dsmap_error__errno(dsmap_error__from_errno(errno), errno,
		                          "store %s: stat data file", store->path);
	out->schema = store->schema;
	out->page_size = st.ms_psize;
	out->file_size = (uint64_t)sb.st_size;
	out->used_size = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
	out->map_size = info.me_mapsize;
	out->map_grown = store->grown;
	return 0;
}

int dsmap_store_last_txn(uint64_t *out, dsmap_store *store)
{
	MDB_envinfo info;
	int rc;

	if (out == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_store_last_txn: NULL argument");
	if ((rc = dsmap_store__check(store)) < 0)
		return rc;
	if ((rc = mdb_env_info(store->env, &info)) != 0)
		return dsmap_store__error(rc, "store %s: read environment info", store->path);
	*out = (uint64_t)info.me_last_txnid;
	return 0;
}

/* ---- verify: every page walked, every record decoded ------------------------------ */

/* A record checked by its database's decoder (schema.h); DSMAP_ECORRUPT
 * with the message set when it is not one this dsmap wrote. */
typedef int (*record_check)(const MDB_val *k, const MDB_val *v);

static int bad_key(const MDB_val *k)
{
	return dsmap_error__set(DSMAP_ECORRUPT, "a key of %zu bytes", k->mv_size);
}

static int check_meta_record(const MDB_val *k, const MDB_val *v)
{
	(void)v;
	return k->mv_size == 0 ? bad_key(k) : 0;
}

static int check_system_record(const MDB_val *k, const MDB_val *v)
{
	dsmap_store__system_summary sum;
	int rc;

	if (k->mv_size == 0 || k->mv_size > DSMAP__SYSTEM_ID_MAX)
		return bad_key(k);
	rc = dsmap__system_decode(&sum, k->mv_data, k->mv_size, v->mv_data, v->mv_size);
	free(sum.categories);
	return rc;
}

static int check_rev_record(const MDB_val *k, const MDB_val *v)
{
	struct dsmap__rev rev;

	return k->mv_size != DSMAP__OID_SIZE ? bad_key(k) :
	       dsmap__rev_decode(&rev, k->mv_data, v->mv_data, v->mv_size);
}

static int check_graph_record(const MDB_val *k, const MDB_val *v)
{
	struct dsmap__graph_key key;

	return dsmap__graph_key_decode(&key, k->mv_data, k->mv_size, v->mv_size);
}

static int check_node_record(const MDB_val *k, const MDB_val *v)
{
	const char *json;

	return k->mv_size != DSMAP__NODE_HASH_SIZE ? bad_key(k) :
	       dsmap__node_check(&json, v->mv_data, v->mv_size, k->mv_data);
}

static int check_catbit_record(const MDB_val *k, const MDB_val *v)
{
	uint32_t bit;

	return k->mv_size == 0 ? bad_key(k) : dsmap__catbit_decode(&bit, v->mv_data, v->mv_size);
}

static int check_index_record(const MDB_val *k, const MDB_val *v)
{
	if (k->mv_size != DSMAP_IDENT_HASH_SIZE)
		return bad_key(k);
	if (v->mv_size != DSMAP__IDX_VALUE_SIZE ||
	    dsmap__idx_roles(dsmap__get_be32(v->mv_data)) == 0)
		return dsmap_error__set(DSMAP_ECORRUPT, "an index value of %zu bytes that names no "
		                        "role", v->mv_size);
	return 0;
}

static int check_holding_record(const MDB_val *k, const MDB_val *v)
{
	struct dsmap__holding h;

	return k->mv_size != DSMAP_IDENT_HASH_SIZE ? bad_key(k) :
	       dsmap__holding_decode(&h, k->mv_data, v->mv_data, v->mv_size);
}

static int check_alias_record(const MDB_val *k, const MDB_val *v)
{
	if (k->mv_size != DSMAP__ALIAS_KEY_SIZE)
		return bad_key(k);
	return v->mv_size == 0 ? 0 :
	       dsmap_error__set(DSMAP_ECORRUPT, "an alias with a value of %zu bytes", v->mv_size);
}

static int check_hist_record(const MDB_val *k, const MDB_val *v)
{
	struct dsmap__hist h;
	int rc;

	if (k->mv_size != DSMAP__HIST_KEY_SIZE)
		return bad_key(k);
	rc = dsmap__hist_decode(&h, k->mv_data, v->mv_data, v->mv_size);
	free(h.months);
	return rc;
}

static const record_check db_checks[DSMAP__DB_COUNT] = {
	[DSMAP__DB_META] = check_meta_record,
	[DSMAP__DB_SYSTEMS] = check_system_record,
	[DSMAP__DB_REVS] = check_rev_record,
	[DSMAP__DB_GRAPH] = check_graph_record,
	[DSMAP__DB_NODES] = check_node_record,
	[DSMAP__DB_CATBITS] = check_catbit_record,
	[DSMAP__DB_IDINDEX] = check_index_record,
	[DSMAP__DB_HIST] = check_hist_record,
};

/* A key as a person can cite it: its text when printable, else the hex
 * of its first bytes. */
static void key_text(char *out, size_t size, const MDB_val *k)
{
	const unsigned char *p = k->mv_data;
	size_t i, n = k->mv_size < 32 ? k->mv_size : 32;
	int text = k->mv_size > 0;

	for (i = 0; i < k->mv_size && text; i++)
		text = p[i] >= 0x20 && p[i] < 0x7f;
	if (text) {
		snprintf(out, size, "'%.*s'", (int)(k->mv_size < 200 ? k->mv_size : 200),
		         (const char *)p);
		return;
	}
	out[0] = '\0';
	for (i = 0; i < n && 2 * i + 3 < size; i++)
		snprintf(out + 2 * i, size - 2 * i, "%02x", p[i]);
	if (n < k->mv_size && strlen(out) + 4 < size)
		strcat(out, "...");
}

static int walk_db(dsmap_store *store, MDB_txn *txn, MDB_dbi dbi, const char *name,
                   record_check check, uint64_t *count)
{
	MDB_cursor *cur = NULL, *look = NULL;
	unsigned int flags;
	MDB_val k, v;
	MDB_stat st;
	uint64_t n = 0;
	int rc;

	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		return dsmap_store__error(rc, "store %s: database '%s'", store->path, name);
	if ((rc = mdb_cursor_open(txn, dbi, &look)) != 0) {
		mdb_cursor_close(cur);
		return dsmap_store__error(rc, "store %s: database '%s'", store->path, name);
	}
	if ((rc = mdb_dbi_flags(txn, dbi, &flags)) != 0)
		flags = 0;
	while ((rc = mdb_cursor_get(cur, &k, &v, n ? MDB_NEXT : MDB_FIRST)) == 0) {
		MDB_val lk = k, lv = v;
		char kt[512];
		int lrc;

		n++;
		if (check != NULL && (rc = check(&k, &v)) < 0)
			goto bad;
		/* Every record found by walking the leaves is found again by a
		 * search from the root: a damaged branch key or an unsorted leaf
		 * would hide records from every lookup while the walk sees them. */
		lrc = mdb_cursor_get(look, &lk, &lv, flags & MDB_DUPSORT ? MDB_GET_BOTH : MDB_SET_KEY);
		if (lrc != 0 || lv.mv_size != v.mv_size || memcmp(lv.mv_data, v.mv_data, v.mv_size) != 0) {
			rc = dsmap_error__set(DSMAP_ECORRUPT, "a search from the root does not find it "
			                      "(%s)", lrc == 0 ? "another value" : mdb_strerror(lrc));
			goto bad;
		}
		continue;
bad:
		key_text(kt, sizeof(kt), &k);
		mdb_cursor_close(look);
		mdb_cursor_close(cur);
		return dsmap_error__prefix(rc, "store %s: database '%s', record %llu, key %s",
		                           store->path, name, (unsigned long long)n, kt);
	}
	mdb_cursor_close(look);
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return dsmap_store__error(rc, "store %s: database '%s', after record %llu",
		                          store->path, name, (unsigned long long)n);
	if ((rc = mdb_stat(txn, dbi, &st)) != 0)
		return dsmap_store__error(rc, "store %s: database '%s'", store->path, name);
	if (st.ms_entries != n)
		return dsmap_error__set(DSMAP_ECORRUPT,
		    "store %s: database '%s' claims %zu records, %llu were found",
		    store->path, name, st.ms_entries, (unsigned long long)n);
	*count += n;
	return 0;
}

struct walk {
	dsmap_store *store;
	MDB_txn *txn;
	uint64_t *count;
};

static int walk_gen(enum dsmap__gen_type type, uint32_t gen, void *payload)
{
	struct walk *w = payload;
	MDB_dbi dbi;
	char name[DSMAP__GEN_NAME_SIZE];
	int rc;

	if ((rc = dsmap_store__gen_dbi(w->store, w->txn, type, gen, 0, &dbi)) < 0)
		return rc;
	dsmap__gen_name(name, type, gen);
	return walk_db(w->store, w->txn, dbi, name, type == DSMAP__GEN_HOLDINGS ?
	               check_holding_record : check_alias_record, w->count);
}

int dsmap_store_verify(uint64_t *entries, dsmap_store *store)
{
	MDB_txn *txn = NULL;
	MDB_dbi main_dbi;
	uint64_t n = 0, indexed;
	char buf[64];
	int i, rc;

	if ((rc = dsmap_store__read_begin(store, &txn)) < 0)
		return rc;
	if ((rc = mdb_dbi_open(txn, NULL, 0, &main_dbi)) != 0) {
		rc = dsmap_store__error(rc, "store %s: main database", store->path);
		goto done;
	}
	if ((rc = walk_db(store, txn, main_dbi, "(main)", NULL, &n)) < 0)
		goto done;
	for (i = 0; i < DSMAP__DB_COUNT; i++)
		if ((rc = walk_db(store, txn, store->dbi[i], dsmap__schema_dbs[i].name, db_checks[i],
		                  &n)) < 0)
			goto done;
	if ((rc = dsmap_store__gens_each(store, txn, walk_gen, &(struct walk){ store, txn, &n })) < 0)
		goto done;
	if ((rc = dsmap__idindex_verify(store, txn, &indexed)) < 0)
		goto done;
	if ((rc = dsmap_store__meta_get(store, txn, DSMAP__META_MAGIC, buf, sizeof(buf))) < 0)
		goto done;
	if (strcmp(buf, DSMAP__SCHEMA_MAGIC) != 0) {
		rc = dsmap_error__set(DSMAP_ECORRUPT, "store %s: bad magic", store->path);
		goto done;
	}
	if (entries)
		*entries = n;
	rc = 0;
done:
	mdb_txn_abort(txn);
	return rc;
}


/* The meta facts of a system's inventory (inventory.h, ident.h): its
 * identity conflicts and the identifier rules it was hashed with. */
static int inventory_facts_drop(dsmap_store *store, MDB_txn *txn, const char *id,
                                uint32_t sysno)
{
	static const enum dsmap__meta_family facts[] = {
		DSMAP__META_CONFLICTS, DSMAP__META_IDENT_RULES
	};
	char key[DSMAP__META_KEY_MAX];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(facts) / sizeof(*facts); i++) {
		MDB_val k;

		if ((rc = dsmap__meta_key(key, sizeof(key), facts[i], id)) < 0)
			return rc;
		k.mv_size = strlen(key);
		k.mv_data = key;
		if ((rc = mdb_del(txn, store->dbi[DSMAP__DB_META], &k, NULL)) != 0 &&
		    rc != MDB_NOTFOUND)
			return dsmap_store__lmdb(store, rc, "drop meta '%s'", key);
	}
	return dsmap_store__hist_replace(store, txn, sysno, NULL, 0);
}

int dsmap_store__system_put(dsmap_store *store, MDB_txn *txn, const char *id,
                            const dsmap_store__system_summary *sum)
{
	MDB_val k = { strlen(id), (void *)id }, v;
	int rc;

	if (k.mv_size == 0 || k.mv_size > DSMAP__SYSTEM_ID_MAX)
		return dsmap_error__set(DSMAP_EINVALID, "system id '%s': empty or too long", id);
	if ((v.mv_size = dsmap__system_size(sum)) == 0)
		return dsmap_error__set(DSMAP_EINVALID, "system %s: %zu categories, more than %d",
		                        id, sum->category_count, DSMAP__SYSTEM_MAX_CATS);
	/* The identifier index follows the system to its new generation in
	 * this very transaction (idindex.h); what was said of an inventory
	 * goes with it. */
	if (sum->gen == 0 && (rc = inventory_facts_drop(store, txn, id, sum->sysno)) < 0)
		return rc;
	if ((rc = mdb_get(txn, store->dbi[DSMAP__DB_SYSTEMS], &k, &v)) == 0) {
		uint32_t old_sysno, old_gen;

		if (dsmap__system_peek(v.mv_data, v.mv_size, &old_sysno, &old_gen) < 0)
			return dsmap_error__prefix(DSMAP_ECORRUPT, "store %s: systems: %s",
			                           store->path, id);
		if (old_sysno != sum->sysno) {
			if ((rc = dsmap__idindex_switch(store, txn, old_sysno, old_gen, 0)) < 0 ||
			    (rc = dsmap__idindex_switch(store, txn, sum->sysno, 0, sum->gen)) < 0)
				return rc;
		} else if ((rc = dsmap__idindex_switch(store, txn, sum->sysno, old_gen, sum->gen)) < 0) {
			return rc;
		}
	} else if (rc != MDB_NOTFOUND) {
		return dsmap_store__lmdb(store, rc, "systems: %s", id);
	} else if ((rc = dsmap__idindex_switch(store, txn, sum->sysno, 0, sum->gen)) < 0) {
		return rc;
	}
	v.mv_size = dsmap__system_size(sum);
	/* MDB_RESERVE: encode straight into the page. */
	v.mv_data = NULL;
	if ((rc = mdb_put(txn, store->dbi[DSMAP__DB_SYSTEMS], &k, &v, MDB_RESERVE)) != 0)
		return dsmap_store__lmdb(store, rc, "write system %s", id);
	dsmap__system_encode(v.mv_data, id, k.mv_size, sum);
	return 0;
}

/* Decode a system's record; categories are malloc'ed. */
static int system_decode(dsmap_store *store, const MDB_val *k, const MDB_val *v,
                         dsmap_store__system_summary *sum)
{
	int rc;

	memset(sum, 0, sizeof(*sum));
	if (k->mv_size == 0 || k->mv_size > DSMAP__SYSTEM_ID_MAX)
		return dsmap_error__set(DSMAP_ECORRUPT, "store %s: systems: a key of %zu bytes",
		                        store->path, k->mv_size);
	if ((rc = dsmap__system_decode(sum, k->mv_data, k->mv_size, v->mv_data,
	                               v->mv_size)) == DSMAP_ECORRUPT)
		return dsmap_error__prefix(rc, "store %s: systems: %.*s", store->path,
		                           (int)k->mv_size, (const char *)k->mv_data);
	return rc;
}

int dsmap_store__system_get(dsmap_store *store, MDB_txn *txn, const char *id,
                            dsmap_store__system_summary *sum)
{
	MDB_val k = { strlen(id), (void *)id }, v;
	int rc;

	memset(sum, 0, sizeof(*sum));
	if (k.mv_size == 0 || k.mv_size > DSMAP__SYSTEM_ID_MAX)
		return dsmap_error__set(DSMAP_EINVALID, "system id '%s': empty or too long", id);
	rc = mdb_get(txn, store->dbi[DSMAP__DB_SYSTEMS], &k, &v);
	if (rc == MDB_NOTFOUND)
		return dsmap_error__set(DSMAP_ENOTFOUND, "the store knows no system '%s'", id);
	if (rc != 0)
		return dsmap_store__error(rc, "store %s: system %s", store->path, id);
	return system_decode(store, &k, &v, sum);
}

int dsmap_store__systems_each_in(dsmap_store *store, MDB_txn *txn, dsmap_store__system_cb cb,
                                 void *payload)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	char id[DSMAP__SYSTEM_ID_MAX + 1];
	dsmap_store__system_summary sum;
	int rc, op = MDB_FIRST;

	if ((rc = mdb_cursor_open(txn, store->dbi[DSMAP__DB_SYSTEMS], &cur)) != 0)
		return dsmap_store__error(rc, "store %s: systems", store->path);
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if ((rc = system_decode(store, &k, &v, &sum)) < 0)
			goto done;
		memcpy(id, k.mv_data, k.mv_size);
		id[k.mv_size] = '\0';
		rc = cb(id, &sum, payload);
		free(sum.categories);
		if (rc != 0)
			goto done;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	else
		rc = dsmap_store__error(rc, "store %s: systems", store->path);
done:
	mdb_cursor_close(cur);
	return rc;
}

int dsmap_store__systems_each(dsmap_store *store, dsmap_store__system_cb cb, void *payload)
{
	MDB_txn *txn = NULL;
	int rc;

	if ((rc = dsmap_store__read_begin(store, &txn)) < 0)
		return rc;
	rc = dsmap_store__systems_each_in(store, txn, cb, payload);
	mdb_txn_abort(txn);
	return rc;
}

void dsmap_store__forget(dsmap_store *store)
{
#if defined(__linux__)
	static const char *const files[] = { "data.mdb", "lock.mdb" };
	ino_t inos[2] = { 0, 0 };
	char line[1024];
	FILE *maps;
	size_t i;

	if (store == NULL || store->path == NULL)
		return;
	for (i = 0; i < 2; i++) {
		char path[4096];
		struct stat sb;

		snprintf(path, sizeof(path), "%s/%s", store->path, files[i]);
		if (stat(path, &sb) == 0)
			inos[i] = sb.st_ino;
	}
	if ((maps = fopen("/proc/self/maps", "r")) == NULL)
		return;
	/* Collect first, unmap after: unmapping while reading the file would
	 * change what it says. */
	{
		uintptr_t lo[64], hi[64];
		size_t n = 0;

		while (n < 64 && fgets(line, sizeof(line), maps) != NULL) {
			unsigned long long a, b, ino;
			char perms[8];

			if (sscanf(line, "%llx-%llx %7s %*s %*s %llu", &a, &b, perms, &ino) != 4)
				continue;
			if (ino != 0 && ((ino_t)ino == inos[0] || (ino_t)ino == inos[1])) {
				lo[n] = (uintptr_t)a;
				hi[n] = (uintptr_t)b;
				n++;
			}
		}
		fclose(maps);
		for (i = 0; i < n; i++)
			munmap((void *)lo[i], hi[i] - lo[i]);
	}
#else
	(void)store;
#endif
}

int dsmap_store__gen_dbi(dsmap_store *store, MDB_txn *txn, enum dsmap__gen_type type,
                         uint32_t gen, int create, MDB_dbi *dbi)
{
	char name[DSMAP__GEN_NAME_SIZE];
	int rc;

	dsmap__gen_name(name, type, gen);
	rc = mdb_dbi_open(txn, name, create ? MDB_CREATE : 0, dbi);
	if (rc == MDB_NOTFOUND)
		return dsmap_error__set(DSMAP_ENOTFOUND, "store %s: no database %s", store->path, name);
	if (rc == MDB_INCOMPATIBLE)
		return dsmap_error__set(DSMAP_ECORRUPT, "store %s: database %s has the wrong kind",
		                        store->path, name);
	if (rc == MDB_DBS_FULL)
		return dsmap_error__set(DSMAP_EIO, "store %s: %d databases are open, the most a store "
		                        "holds; too many systems, or old generations not collected",
		                        store->path, MAX_DBS);
	if (rc != 0)
		return dsmap_store__lmdb(store, rc, "database %s", name);
	return 0;
}

static struct dsmap_store__held *held_find(dsmap_store *store, enum dsmap__gen_type type,
                                           uint32_t gen)
{
	size_t i;

	for (i = 0; i < store->nheld; i++)
		if (store->held[i].type == type && store->held[i].gen == gen &&
		    !store->held[i].forgotten)
			return &store->held[i];
	return NULL;
}

int dsmap_store__gen_dbi_hold(dsmap_store *store, enum dsmap__gen_type type, uint32_t gen,
                              MDB_dbi *dbi, uint64_t *epoch)
{
	struct dsmap_store__held *h;
	MDB_txn *txn = NULL;
	int rc;

	if ((rc = dsmap_store__check(store)) < 0)
		return rc;
	pthread_mutex_lock(&store->held_lock);
	if ((h = held_find(store, type, gen)) == NULL) {
		if (store->nheld == store->capheld) {
			size_t cap = store->capheld ? store->capheld * 2 : 16;
			struct dsmap_store__held *grown = dsmap__realloc(store->held,
			                                                 cap * sizeof(*grown));

			if (grown == NULL) {
				rc = dsmap_error__oom();
				goto done;
			}
			store->held = grown;
			store->capheld = cap;
		}
		/* the one transaction of the process that opens a handle now:
		 * committed, the handle is the environment's */
		if ((rc = txn_begin(store, MDB_RDONLY, &txn)) != 0) {
			txn = NULL;
			rc = dsmap_store__error(rc, "store %s: begin read", store->path);
			goto done;
		}
		if ((rc = dsmap_store__gen_dbi(store, txn, type, gen, 0, dbi)) < 0)
			goto done;
		rc = mdb_txn_commit(txn);
		txn = NULL;
		if (rc != 0) {
			rc = dsmap_store__error(rc, "store %s: keep a database handle", store->path);
			goto done;
		}
		h = &store->held[store->nheld++];
		h->type = type;
		h->gen = gen;
		h->dbi = *dbi;
		h->refs = 0;
		h->forgotten = 0;
		h->epoch = ++store->held_epoch;
	}
	h->refs++;
	*dbi = h->dbi;
	*epoch = h->epoch;
	rc = 0;
done:
	if (txn != NULL)
		mdb_txn_abort(txn);
	pthread_mutex_unlock(&store->held_lock);
	return rc;
}

static void held_remove(dsmap_store *store, struct dsmap_store__held *h)
{
	*h = store->held[--store->nheld];
}

void dsmap_store__gen_dbi_release(dsmap_store *store, enum dsmap__gen_type type, uint32_t gen)
{
	size_t i;

	if (store == NULL || store->pid != getpid())
		return;
	pthread_mutex_lock(&store->held_lock);
	/* a forgotten hold is still counted, and released like the others */
	for (i = 0; i < store->nheld; i++) {
		struct dsmap_store__held *h = &store->held[i];

		if (h->type != type || h->gen != gen || h->refs == 0)
			continue;
		if (--h->refs == 0) {
			/* No one holds it: no transaction of ours will use it again
			 * (mdb_dbi_close's condition).  A forgotten handle is closed
			 * already, and its number may be another database's now. */
			if (!h->forgotten)
				mdb_dbi_close(store->env, h->dbi);
			held_remove(store, h);
		}
		break;
	}
	pthread_mutex_unlock(&store->held_lock);
}

void dsmap_store__gen_dbi_forget(dsmap_store *store, enum dsmap__gen_type type, uint32_t gen)
{
	struct dsmap_store__held *h;

	pthread_mutex_lock(&store->held_lock);
	if ((h = held_find(store, type, gen)) != NULL)
		h->forgotten = 1;
	pthread_mutex_unlock(&store->held_lock);
}

uint64_t dsmap_store__held_epoch(dsmap_store *store)
{
	uint64_t e;

	pthread_mutex_lock(&store->held_lock);
	e = store->held_epoch;
	pthread_mutex_unlock(&store->held_lock);
	return e;
}

int dsmap_store__gens_each(dsmap_store *store, MDB_txn *txn, dsmap_store__gen_cb cb,
                           void *payload)
{
	MDB_cursor *cur = NULL;
	MDB_dbi main_dbi;
	MDB_val k, v;
	int rc, stop = 0, op = MDB_FIRST;

	if ((rc = mdb_dbi_open(txn, NULL, 0, &main_dbi)) != 0 ||
	    (rc = mdb_cursor_open(txn, main_dbi, &cur)) != 0)
		return dsmap_store__error(rc, "store %s: main database", store->path);
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		enum dsmap__gen_type type;
		uint32_t gen;

		op = MDB_NEXT;
		if (!dsmap__gen_name_parse(k.mv_data, k.mv_size, &type, &gen))
			continue;
		if ((stop = cb(type, gen, payload)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (stop != 0)
		return stop;   /* the callback's */
	if (rc == MDB_NOTFOUND)
		return 0;
	return dsmap_store__error(rc, "store %s: main database", store->path);
}

int dsmap_store__category_refs(dsmap_store *store, MDB_txn *txn, char ***out, size_t *count)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	char **refs = NULL;
	size_t n = 0;
	int rc, op = MDB_FIRST;

	*out = NULL;
	*count = 0;
	if ((rc = mdb_cursor_open(txn, store->dbi[DSMAP__DB_CATBITS], &cur)) != 0)
		return dsmap_store__error(rc, "store %s: catbits", store->path);
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		uint32_t bit;

		op = MDB_NEXT;
		if (dsmap__catbit_decode(&bit, v.mv_data, v.mv_size) < 0 || bit >= 1u << 20) {
			rc = dsmap_error__set(DSMAP_ECORRUPT, "store %s: catbits: a bad record",
			                      store->path);
			goto fail;
		}
		if (bit >= n) {
			size_t grown_n = bit + 64;
			char **grown = dsmap__realloc(refs, grown_n * sizeof(*grown));

			if (grown == NULL)
				goto oom;
			memset(grown + n, 0, (grown_n - n) * sizeof(*grown));
			refs = grown;
			n = grown_n;
		}
		free(refs[bit]);
		if ((refs[bit] = dsmap__strndup(k.mv_data, k.mv_size)) == NULL)
			goto oom;
	}
	if (rc != MDB_NOTFOUND) {
		rc = dsmap_store__error(rc, "store %s: catbits", store->path);
		goto fail;
	}
	mdb_cursor_close(cur);
	*out = refs;
	*count = n;
	return 0;
oom:
	rc = dsmap_error__oom();
fail:
	mdb_cursor_close(cur);
	dsmap_store__category_refs_free(refs, n);
	return rc;
}

void dsmap_store__category_refs_free(char **refs, size_t count)
{
	size_t i;

	for (i = 0; refs != NULL && i < count; i++)
		free(refs[i]);
	free(refs);
}

/* ---- facet numbers ------------------------------------------------------------------ */

static enum dsmap__meta_family facet_family(int type)
{
	return type == DSMAP__FACET_KIND ? DSMAP__META_KINDBIT : DSMAP__META_BRANDBIT;
}

int dsmap_store__facet_bit(dsmap_store *store, MDB_txn *txn, int type, const char *id,
                           int create, unsigned int *bit)
{
	char key[DSMAP__META_KEY_MAX], buf[32], *end;
	const char *counter;
	unsigned long n;
	int rc;

	if ((type != DSMAP__FACET_KIND && type != DSMAP__FACET_BRAND) || strlen(id) > DSMAP__SYSTEM_ID_MAX)
		return dsmap_error__set(DSMAP_EINVALID, "facet '%s': bad type or id", id);
	if ((rc = dsmap__meta_key(key, sizeof(key), facet_family(type), id)) < 0)
		return rc;
	rc = dsmap_store__meta_get(store, txn, key, buf, sizeof(buf));
	if (rc == 0) {
		n = strtoul(buf, &end, 10);
		if (*end != '\0' || end == buf || n >= DSMAP__FACET_MAX)
			return dsmap_error__set(DSMAP_ECORRUPT, "store %s: meta %s is damaged",
			                        store->path, key);
		*bit = (unsigned int)n;
		return 0;
	}
	if (rc != DSMAP_ENOTFOUND || !create)
		return rc;
	dsmap_error_clear();
	counter = dsmap__meta_counter(facet_family(type));
	{
		char next[32];

		rc = dsmap_store__meta_get(store, txn, counter, next, sizeof(next));
		if (rc == DSMAP_ENOTFOUND) {
			dsmap_error_clear();
			n = 0;
		} else if (rc < 0) {
			return rc;
		} else {
			n = strtoul(next, &end, 10);
			if (*end != '\0' || n > DSMAP__FACET_MAX)
				return dsmap_error__set(DSMAP_ECORRUPT, "store %s: meta %s is damaged",
				                        store->path, counter);
		}
		if (n >= DSMAP__FACET_MAX)
			return dsmap_error__set(DSMAP_EINVALID, "%s '%s': the store numbers at most %d %s",
			                        type == DSMAP__FACET_KIND ? "subject kind" : "brand", id,
			                        DSMAP__FACET_MAX,
			                        type == DSMAP__FACET_KIND ? "subject kinds" : "brands");
		snprintf(next, sizeof(next), "%lu", n + 1);
		if ((rc = dsmap_store__meta_put(store, txn, counter, next, strlen(next))) != 0)
			return rc;
		snprintf(next, sizeof(next), "%lu", n);
		if ((rc = dsmap_store__meta_put(store, txn, key, next, strlen(next))) != 0)
			return rc;
	}
	*bit = (unsigned int)n;
	return 0;
}

int dsmap_store__facet_names(dsmap_store *store, MDB_txn *txn, int type,
                             char *names[DSMAP__FACET_MAX])
{
	const char *prefix;
	size_t plen;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc;

	memset(names, 0, DSMAP__FACET_MAX * sizeof(*names));
	if (type != DSMAP__FACET_KIND && type != DSMAP__FACET_BRAND)
		return dsmap_error__set(DSMAP_EINVALID, "facet type %d", type);
	prefix = dsmap__meta_prefix(facet_family(type));
	plen = strlen(prefix);
	if ((rc = mdb_cursor_open(txn, store->dbi[DSMAP__DB_META], &cur)) != 0)
		return dsmap_store__error(rc, "store %s: meta", store->path);
	k.mv_size = plen;
	k.mv_data = (void *)prefix;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		char buf[16], *end;
		unsigned long n;

		if (k.mv_size <= plen || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		if (v.mv_size == 0 || v.mv_size >= sizeof(buf))
			goto corrupt;
		memcpy(buf, v.mv_data, v.mv_size);
		buf[v.mv_size] = '\0';
		n = strtoul(buf, &end, 10);
		if (*end != '\0' || n >= DSMAP__FACET_MAX || names[n] != NULL)
			goto corrupt;
		if ((names[n] = dsmap__strndup((const char *)k.mv_data + plen, k.mv_size - plen)) == NULL) {
			rc = dsmap_error__oom();
			goto fail;
		}
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		dsmap_store__facet_names_free(names);
		return dsmap_store__error(rc, "store %s: meta", store->path);
	}
	return 0;
corrupt:
	rc = dsmap_error__set(DSMAP_ECORRUPT, "store %s: meta: a damaged %s record", store->path,
	                      prefix);
fail:
	mdb_cursor_close(cur);
	dsmap_store__facet_names_free(names);
	return rc;
}

void dsmap_store__facet_names_free(char *names[DSMAP__FACET_MAX])
{
	size_t i;

	for (i = 0; i < DSMAP__FACET_MAX; i++) {
		free(names[i]);
		names[i] = NULL;
	}
}

/* ---- record-time histograms --------------------------------------------------------- */

int dsmap_store__hist_replace(dsmap_store *store, MDB_txn *txn, uint32_t sysno,
                              const struct dsmap__hist *hists, size_t count)
{
	unsigned char key[DSMAP__HIST_KEY_SIZE];
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	size_t i;
	int rc;

	/* the old ones first: a category the system no longer holds goes */
	if ((rc = mdb_cursor_open(txn, store->dbi[DSMAP__DB_HIST], &cur)) != 0)
		return dsmap_store__lmdb(store, rc, "hist");
	dsmap__hist_key(key, sysno, 0);
	for (;;) {
		k.mv_size = sizeof(key);
		k.mv_data = key;
		if ((rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)) != 0)
			break;
		if (k.mv_size < 4 || dsmap__get_be32(k.mv_data) != sysno)
			break;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return dsmap_store__lmdb(store, rc, "drop the histograms of system %u",
		                         (unsigned int)sysno);
	for (i = 0; i < count; i++) {
		const struct dsmap__hist *h = &hists[i];

		if (h->month_count == 0 && h->undated_records == 0)
			continue;   /* a category this system does not hold */
		if ((v.mv_size = dsmap__hist_size(h)) == 0)
			return dsmap_error__set(DSMAP_EINVALID, "system %u: a histogram of %zu months",
			                        (unsigned int)sysno, h->month_count);
		dsmap__hist_key(key, sysno, (uint32_t)i);
		k.mv_size = sizeof(key);
		k.mv_data = key;
		v.mv_data = NULL;
		if ((rc = mdb_put(txn, store->dbi[DSMAP__DB_HIST], &k, &v, MDB_RESERVE)) != 0)
			return dsmap_store__lmdb(store, rc, "write the histograms of system %u",
			                         (unsigned int)sysno);
		dsmap__hist_encode(v.mv_data, key, h);
	}
	return 0;
}

int dsmap_store__hist_get(dsmap_store *store, MDB_txn *txn, uint32_t sysno, uint32_t catbit,
                          struct dsmap__hist *h)
{
	unsigned char key[DSMAP__HIST_KEY_SIZE];
	MDB_val k = { sizeof(key), key }, v;
	int rc;

	memset(h, 0, sizeof(*h));
	dsmap__hist_key(key, sysno, catbit);
	if ((rc = mdb_get(txn, store->dbi[DSMAP__DB_HIST], &k, &v)) == MDB_NOTFOUND)
		return dsmap_error__set(DSMAP_ENOTFOUND, "no histogram");
	if (rc != 0)
		return dsmap_store__lmdb(store, rc, "hist");
	if ((rc = dsmap__hist_decode(h, key, v.mv_data, v.mv_size)) == DSMAP_ECORRUPT)
		return dsmap_error__prefix(rc, "store %s: hist: system %u, category %u", store->path,
		                           (unsigned int)sysno, (unsigned int)catbit);
	return rc;
}
