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

#include "idindex.h"
#include "store.h"
#include "util.h"

#define MAGIC "dsmap-store"
#define DEFAULT_MAPSIZE (256ull << 20)
#define MAX_GROW_RETRIES 40

static const char *const db_names[DSMAP__DB_COUNT] = {
	[DSMAP__DB_META] = "meta",
	[DSMAP__DB_SYSTEMS] = "systems",
	[DSMAP__DB_REVS] = "revs",
	[DSMAP__DB_GRAPH] = "graph",
	[DSMAP__DB_NODES] = "nodes",
	[DSMAP__DB_CATBITS] = "catbits",
	[DSMAP__DB_IDINDEX] = "idindex",
};

/* Flags of the fixed databases. */
static const unsigned int db_flags[DSMAP__DB_COUNT] = {
	[DSMAP__DB_IDINDEX] = MDB_DUPSORT | MDB_DUPFIXED,
};

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
		rc = fn(store, txn, payload);
		if (rc == 0) {
			rc = mdb_txn_commit(txn);
			txn = NULL;
		}
		if (txn != NULL) {
			mdb_txn_abort(txn);
			txn = NULL;
		}
		if (rc != MDB_MAP_FULL)
			break;
		if ((rc = grow(store, what)) < 0)
			return rc;
		dsmap_error_clear();
	}
	if (rc == 0)
		return 0;
	if (rc < 0 && rc > -1000)
		return rc; /* a DSMAP_E* code; fn set the message */
	/* LMDB reports a short write (a disk that filled up) as EIO */
	return dsmap_store__error(dsmap__write_errno(rc, store->path), "store %s: %s",
	                          store->path, what);
}

int dsmap_store__meta_put(dsmap_store *store, MDB_txn *txn, const char *key,
                          const void *val, size_t len)
{
	MDB_val k = { strlen(key), (void *)key };
	MDB_val v = { len, (void *)val };

	return mdb_put(txn, store->dbi[DSMAP__DB_META], &k, &v, 0);
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

/* A brand-new store: every database and the meta values. */
static int create_layout(dsmap_store *store, MDB_txn *txn, void *payload)
{
	char buf[32];
	int i, rc;

	(void)payload;
	for (i = 0; i < DSMAP__DB_COUNT; i++)
		if ((rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE | db_flags[i], &store->dbi[i])) != 0)
			return rc;
	if ((rc = dsmap_store__meta_put(store, txn, "magic", MAGIC, strlen(MAGIC))) != 0)
		return rc;
	snprintf(buf, sizeof(buf), "%d", DSMAP_STORE_SCHEMA);
	if ((rc = dsmap_store__meta_put(store, txn, "schema", buf, strlen(buf))) != 0)
		return rc;
	snprintf(buf, sizeof(buf), "%lld", (long long)time(NULL));
	return dsmap_store__meta_put(store, txn, "created", buf, strlen(buf));
}

/* Databases added by later schemas are created by the first open that
 * misses them; other opens only read, so that status and queries never wait
 * for the write lock. */
static int create_dbs(dsmap_store *store, MDB_txn *txn, void *payload)
{
	int i, rc;

	(void)payload;
	for (i = 0; i < DSMAP__DB_COUNT; i++)
		if ((rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE | db_flags[i], &store->dbi[i])) != 0)
			return rc;
	return 0;
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
		return rc;
	return dsmap_store__systems_each_in(store, txn, fill_system, &f);
}

int dsmap_store_rebuild_index(dsmap_store *store)
{
	if (store == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_store_rebuild_index: NULL store");
	return dsmap_store__write(store, index_fill, NULL, "rebuild the identifier index");
}

/*
 * Schema 1 had no identifier index, and a Bloom filter per generation in
 * the meta database ("bloom.GGGGGGGG") instead.  The upgrade builds the
 * index from every system's current generation, drops the filters and
 * says schema 2, in one transaction: a store is either upgraded whole or
 * left as it was.
 */
static int upgrade_txn(dsmap_store *store, MDB_txn *txn, void *payload)
{
	static const char bloom[] = "bloom.";
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	char buf[32];
	int i, rc;

	(void)payload;
	for (i = 0; i < DSMAP__DB_COUNT; i++)
		if ((rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE | db_flags[i], &store->dbi[i])) != 0)
			return rc;
	if ((rc = index_fill(store, txn, NULL)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, store->dbi[DSMAP__DB_META], &cur)) != 0)
		return rc;
	for (;;) {
		k.mv_size = sizeof(bloom) - 1;
		k.mv_data = (void *)bloom;
		if ((rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)) != 0 ||
		    k.mv_size < sizeof(bloom) || memcmp(k.mv_data, bloom, sizeof(bloom) - 1) != 0 ||
		    (rc = mdb_cursor_del(cur, 0)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	snprintf(buf, sizeof(buf), "%d", DSMAP_STORE_SCHEMA);
	return dsmap_store__meta_put(store, txn, "schema", buf, strlen(buf));
}

static int open_dbs(dsmap_store *store)
{
	MDB_txn *txn = NULL;
	int i, rc;

	if ((rc = dsmap_store__read_begin(store, &txn)) < 0)
		return rc;
	for (i = 0; i < DSMAP__DB_COUNT; i++)
		if ((rc = mdb_dbi_open(txn, db_names[i], db_flags[i], &store->dbi[i])) != 0)
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
		                          db_names[i]);
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
	rc = mdb_dbi_open(txn, db_names[DSMAP__DB_META], 0, &store->dbi[DSMAP__DB_META]);
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
	if ((rc = dsmap_store__meta_get(store, txn, "magic", buf, sizeof(buf))) < 0 ||
	    strcmp(buf, MAGIC) != 0) {
		rc = dsmap_error__set(DSMAP_ECORRUPT, "store %s: not a dsmap store (bad magic)",
		                      store->path);
		goto done;
	}
	if ((rc = dsmap_store__meta_get(store, txn, "schema", buf, sizeof(buf))) < 0)
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
	if (opts->version == 0 || opts->version > DSMAP_STORE_OPTIONS_VERSION)
		return dsmap_error__set(DSMAP_EINVALID,
		    "dsmap_store_open: options version %u is not supported", opts->version);

	if ((store = calloc(1, sizeof(*store))) == NULL ||
	    (store->path = strdup(path)) == NULL ||
	    (datafile = dsmap__path_join(path, "data.mdb")) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	store->pid = getpid();
	store->max_mapsize = opts->max_mapsize;

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

static int walk_db(MDB_txn *txn, MDB_dbi dbi, const char *name, const char *path,
                   uint64_t *count)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	MDB_stat st;
	uint64_t n = 0;
	int rc;

	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		return dsmap_store__error(rc, "store %s: database '%s'", path, name);
	while ((rc = mdb_cursor_get(cur, &k, &v, n ? MDB_NEXT : MDB_FIRST)) == 0)
		n++;
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return dsmap_store__error(rc, "store %s: database '%s', after record %llu",
		                          path, name, (unsigned long long)n);
	if ((rc = mdb_stat(txn, dbi, &st)) != 0)
		return dsmap_store__error(rc, "store %s: database '%s'", path, name);
	if (st.ms_entries != n)
		return dsmap_error__set(DSMAP_ECORRUPT,
		    "store %s: database '%s' claims %zu records, %llu were found",
		    path, name, st.ms_entries, (unsigned long long)n);
	*count += n;
	return 0;
}

struct walk {
	dsmap_store *store;
	MDB_txn *txn;
	uint64_t *count;
};

static int walk_gen(int type, uint32_t gen, void *payload)
{
	struct walk *w = payload;
	MDB_dbi dbi;
	char name[16];
	int rc;

	if ((rc = dsmap_store__gen_dbi(w->store, w->txn, type, gen, 0, &dbi)) < 0)
		return rc;
	snprintf(name, sizeof(name), "%c.%08x", type, (unsigned int)gen);
	return walk_db(w->txn, dbi, name, w->store->path, w->count);
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
	if ((rc = walk_db(txn, main_dbi, "(main)", store->path, &n)) < 0)
		goto done;
	for (i = 0; i < DSMAP__DB_COUNT; i++)
		if ((rc = walk_db(txn, store->dbi[i], db_names[i], store->path, &n)) < 0)
			goto done;
	if ((rc = dsmap_store__gens_each(store, txn, walk_gen, &(struct walk){ store, txn, &n })) < 0)
		goto done;
	if ((rc = dsmap__idindex_verify(store, txn, &indexed)) < 0)
		goto done;
	if ((rc = dsmap_store__meta_get(store, txn, "magic", buf, sizeof(buf))) < 0)
		goto done;
	if (strcmp(buf, MAGIC) != 0) {
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


/*
 * A system's record, version 3:
 *   u8 version, u32 sysno, u32 gen, i64 last_scan, u64 records, u64 subjects,
 *   u64 rejected, u64 invalid, i64 first_seen, i64 last_seen, 40 hex commit,
 *   u32 category count, then per category u32 catbit, u64 subjects, u64 records,
 *   then i64 retired, i64 failed_at, u16 failure length, the failure's bytes.
 * All big-endian.  Version 2 is version 3 without the tail; it is read as
 * a system never retired and never failed, and rewritten as version 3.
 */
#define SYSTEM_VALUE_VERSION 3
#define SYSTEM_FIXED_SIZE (1 + 4 + 4 + 8 * 7 + 40 + 4)
#define SYSTEM_CAT_SIZE (4 + 8 + 8)
#define SYSTEM_TAIL_SIZE (8 + 8 + 2)
#define SYSTEM_MAX_CATS 65536

/* The meta facts of a system's inventory (inventory.h, ident.h): its
 * identity conflicts and the identifier rules it was hashed with. */
static int inventory_facts_drop(dsmap_store *store, MDB_txn *txn, const char *id)
{
	static const char *const prefixes[] = { "conflicts:", "ident-rules:" };
	char key[DSMAP__SYSTEM_ID_MAX + 16];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++) {
		MDB_val k;

		snprintf(key, sizeof(key), "%s%s", prefixes[i], id);
		k.mv_size = strlen(key);
		k.mv_data = key;
		if ((rc = mdb_del(txn, store->dbi[DSMAP__DB_META], &k, NULL)) != 0 &&
		    rc != MDB_NOTFOUND)
			return rc;
	}
	return 0;
}

int dsmap_store__system_put(dsmap_store *store, MDB_txn *txn, const char *id,
                            const dsmap_store__system_summary *sum)
{
	MDB_val k = { strlen(id), (void *)id }, v;
	unsigned char *buf, *p;
	size_t i, flen;
	int rc;

	if (k.mv_size == 0 || k.mv_size > DSMAP__SYSTEM_ID_MAX)
		return dsmap_error__set(DSMAP_EINVALID, "system id '%s': empty or too long", id);
	if (sum->category_count > SYSTEM_MAX_CATS)
		return dsmap_error__set(DSMAP_EINVALID, "system %s: %zu categories, more than %d",
		                        id, sum->category_count, SYSTEM_MAX_CATS);
	/* The identifier index follows the system to its new generation in
	 * this very transaction (idindex.h); what was said of an inventory
	 * goes with it. */
	if (sum->gen == 0 && (rc = inventory_facts_drop(store, txn, id)) != 0)
		return rc;
	if ((rc = mdb_get(txn, store->dbi[DSMAP__DB_SYSTEMS], &k, &v)) == 0) {
		const unsigned char *old = v.mv_data;
		uint32_t old_sysno, old_gen;

		if (v.mv_size < 9 || (old[0] != SYSTEM_VALUE_VERSION && old[0] != 2))
			return dsmap_error__set(DSMAP_ECORRUPT, "store %s: systems: the record of %s "
			                        "is not one this dsmap wrote", store->path, id);
		old_sysno = dsmap__get_be32(old + 1);
		old_gen = dsmap__get_be32(old + 5);
		if (old_sysno != sum->sysno) {
			if ((rc = dsmap__idindex_switch(store, txn, old_sysno, old_gen, 0)) != 0 ||
			    (rc = dsmap__idindex_switch(store, txn, sum->sysno, 0, sum->gen)) != 0)
				return rc;
		} else if ((rc = dsmap__idindex_switch(store, txn, sum->sysno, old_gen, sum->gen)) != 0) {
			return rc;
		}
	} else if (rc != MDB_NOTFOUND) {
		return rc;
	} else if ((rc = dsmap__idindex_switch(store, txn, sum->sysno, 0, sum->gen)) != 0) {
		return rc;
	}
	flen = strnlen(sum->failure, sizeof(sum->failure) - 1);
	v.mv_size = SYSTEM_FIXED_SIZE + sum->category_count * SYSTEM_CAT_SIZE + SYSTEM_TAIL_SIZE + flen;
	/* MDB_RESERVE: encode straight into the page. */
	v.mv_data = NULL;
	if ((rc = mdb_put(txn, store->dbi[DSMAP__DB_SYSTEMS], &k, &v, MDB_RESERVE)) != 0)
		return rc;
	p = buf = v.mv_data;
	*p++ = SYSTEM_VALUE_VERSION;
	dsmap__put_be32(p, sum->sysno), p += 4;
	dsmap__put_be32(p, sum->gen), p += 4;
	dsmap__put_be64(p, (uint64_t)sum->last_scan), p += 8;
	dsmap__put_be64(p, sum->records), p += 8;
	dsmap__put_be64(p, sum->subjects), p += 8;
	dsmap__put_be64(p, sum->rejected), p += 8;
	dsmap__put_be64(p, sum->invalid), p += 8;
	dsmap__put_be64(p, (uint64_t)sum->first_seen), p += 8;
	dsmap__put_be64(p, (uint64_t)sum->last_seen), p += 8;
	memset(p, '0', 40);
	memcpy(p, sum->commit, strnlen(sum->commit, 40)), p += 40;
	dsmap__put_be32(p, (uint32_t)sum->category_count), p += 4;
	for (i = 0; i < sum->category_count; i++) {
		dsmap__put_be32(p, sum->categories[i].catbit), p += 4;
		dsmap__put_be64(p, sum->categories[i].subjects), p += 8;
		dsmap__put_be64(p, sum->categories[i].records), p += 8;
	}
	dsmap__put_be64(p, (uint64_t)sum->retired), p += 8;
	dsmap__put_be64(p, (uint64_t)sum->failed_at), p += 8;
	p[0] = (unsigned char)(flen >> 8);
	p[1] = (unsigned char)flen;
	p += 2;
	memcpy(p, sum->failure, flen), p += flen;
	return (size_t)(p - buf) == v.mv_size ? 0 : dsmap_error__set(DSMAP_ERROR,
	    "system %s: encoded %zu bytes, reserved %zu", id, (size_t)(p - buf), v.mv_size);
}

/* Decode a system's record; categories are malloc'ed. */
static int system_decode(dsmap_store *store, const MDB_val *k, const MDB_val *v,
                         dsmap_store__system_summary *sum)
{
	const unsigned char *p = v->mv_data;
	size_t i, n, body, flen = 0;

	memset(sum, 0, sizeof(*sum));
	if (k->mv_size == 0 || k->mv_size > DSMAP__SYSTEM_ID_MAX || v->mv_size < SYSTEM_FIXED_SIZE ||
	    (p[0] != SYSTEM_VALUE_VERSION && p[0] != 2))
		goto corrupt;
	n = dsmap__get_be32(p + SYSTEM_FIXED_SIZE - 4);
	if (n > SYSTEM_MAX_CATS)
		goto corrupt;
	body = SYSTEM_FIXED_SIZE + n * SYSTEM_CAT_SIZE;
	if (p[0] == 2 && v->mv_size != body)
		goto corrupt;
	if (p[0] == SYSTEM_VALUE_VERSION) {
		if (v->mv_size < body + SYSTEM_TAIL_SIZE)
			goto corrupt;
		flen = (size_t)p[body + 16] << 8 | p[body + 17];
		if (flen >= sizeof(sum->failure) || v->mv_size != body + SYSTEM_TAIL_SIZE + flen)
			goto corrupt;
	}
	p++;
	sum->sysno = dsmap__get_be32(p), p += 4;
	sum->gen = dsmap__get_be32(p), p += 4;
	sum->last_scan = (int64_t)dsmap__get_be64(p), p += 8;
	sum->records = dsmap__get_be64(p), p += 8;
	sum->subjects = dsmap__get_be64(p), p += 8;
	sum->rejected = dsmap__get_be64(p), p += 8;
	sum->invalid = dsmap__get_be64(p), p += 8;
	sum->first_seen = (int64_t)dsmap__get_be64(p), p += 8;
	sum->last_seen = (int64_t)dsmap__get_be64(p), p += 8;
	memcpy(sum->commit, p, 40), p += 40;
	sum->commit[40] = '\0';
	p += 4;
	if (n > 0 && (sum->categories = calloc(n, sizeof(*sum->categories))) == NULL)
		return dsmap_error__oom();
	for (i = 0; i < n; i++) {
		sum->categories[i].catbit = dsmap__get_be32(p), p += 4;
		sum->categories[i].subjects = dsmap__get_be64(p), p += 8;
		sum->categories[i].records = dsmap__get_be64(p), p += 8;
	}
	sum->category_count = n;
	if (((const unsigned char *)v->mv_data)[0] == SYSTEM_VALUE_VERSION) {
		sum->retired = (int64_t)dsmap__get_be64(p), p += 8;
		sum->failed_at = (int64_t)dsmap__get_be64(p), p += 8;
		p += 2;
		memcpy(sum->failure, p, flen);
		sum->failure[flen] = '\0';
	}
	return 0;
corrupt:
	return dsmap_error__set(DSMAP_ECORRUPT,
	    "store %s: systems: a record of %zu bytes with version %u is not one this dsmap wrote",
	    store->path, v->mv_size, v->mv_size ? (unsigned int)p[0] : 0u);
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

int dsmap_store__gen_dbi(dsmap_store *store, MDB_txn *txn, int type, uint32_t gen, int create,
                         MDB_dbi *dbi)
{
	unsigned int flags = 0;
	char name[16];
	int rc;

	snprintf(name, sizeof(name), "%c.%08x", type, (unsigned int)gen);
	rc = mdb_dbi_open(txn, name, flags | (create ? MDB_CREATE : 0), dbi);
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
		return dsmap_store__error(rc, "store %s: database %s", store->path, name);
	return 0;
}

int dsmap_store__gens_each(dsmap_store *store, MDB_txn *txn, dsmap_store__gen_cb cb,
                           void *payload)
{
	MDB_cursor *cur = NULL;
	MDB_dbi main_dbi;
	MDB_val k, v;
	int rc, op = MDB_FIRST;

	if ((rc = mdb_dbi_open(txn, NULL, 0, &main_dbi)) != 0 ||
	    (rc = mdb_cursor_open(txn, main_dbi, &cur)) != 0)
		return dsmap_store__error(rc, "store %s: main database", store->path);
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		const char *p = k.mv_data;
		unsigned long gen;
		char hex[9], *end;

		op = MDB_NEXT;
		if (k.mv_size != 10 || (p[0] != DSMAP__GEN_HOLDINGS && p[0] != DSMAP__GEN_ALIASES) ||
		    p[1] != '.')
			continue;
		memcpy(hex, p + 2, 8);
		hex[8] = '\0';
		gen = strtoul(hex, &end, 16);
		if (*end != '\0')
			continue;
		if ((rc = cb(p[0], (uint32_t)gen, payload)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND || rc == 0)
		return 0;
	if (DSMAP__IS_DSMAP_CODE(rc))
		return rc;   /* the callback's */
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
		if (v.mv_size != 4 || (bit = dsmap__get_be32(v.mv_data)) >= 1u << 20) {
			rc = dsmap_error__set(DSMAP_ECORRUPT, "store %s: catbits: a bad record", store->path);
			goto fail;
		}
		if (bit >= n) {
			size_t grown_n = bit + 64;
			char **grown = realloc(refs, grown_n * sizeof(*grown));

			if (grown == NULL)
				goto oom;
			memset(grown + n, 0, (grown_n - n) * sizeof(*grown));
			refs = grown;
			n = grown_n;
		}
		free(refs[bit]);
		if ((refs[bit] = strndup(k.mv_data, k.mv_size)) == NULL)
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

static const char *const facet_prefix[] = { "kindbit", "brandbit" };

int dsmap_store__facet_bit(dsmap_store *store, MDB_txn *txn, int type, const char *id,
                           int create, unsigned int *bit)
{
	char key[DSMAP__SYSTEM_ID_MAX + 32], buf[32], *end;
	unsigned long n;
	int rc;

	if ((type != DSMAP__FACET_KIND && type != DSMAP__FACET_BRAND) || strlen(id) > DSMAP__SYSTEM_ID_MAX)
		return dsmap_error__set(DSMAP_EINVALID, "facet '%s': bad type or id", id);
	snprintf(key, sizeof(key), "%s:%s", facet_prefix[type], id);
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
	snprintf(buf, sizeof(buf), "%s-next", facet_prefix[type]);
	{
		char next[32];

		rc = dsmap_store__meta_get(store, txn, buf, next, sizeof(next));
		if (rc == DSMAP_ENOTFOUND) {
			dsmap_error_clear();
			n = 0;
		} else if (rc < 0) {
			return rc;
		} else {
			n = strtoul(next, &end, 10);
			if (*end != '\0' || n > DSMAP__FACET_MAX)
				return dsmap_error__set(DSMAP_ECORRUPT, "store %s: meta %s is damaged",
				                        store->path, buf);
		}
		if (n >= DSMAP__FACET_MAX)
			return dsmap_error__set(DSMAP_EINVALID, "%s '%s': the store numbers at most %d %s",
			                        type == DSMAP__FACET_KIND ? "subject kind" : "brand", id,
			                        DSMAP__FACET_MAX,
			                        type == DSMAP__FACET_KIND ? "subject kinds" : "brands");
		snprintf(next, sizeof(next), "%lu", n + 1);
		if ((rc = dsmap_store__meta_put(store, txn, buf, next, strlen(next))) != 0)
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
	char prefix[16];
	size_t plen;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc;

	memset(names, 0, DSMAP__FACET_MAX * sizeof(*names));
	if (type != DSMAP__FACET_KIND && type != DSMAP__FACET_BRAND)
		return dsmap_error__set(DSMAP_EINVALID, "facet type %d", type);
	plen = (size_t)snprintf(prefix, sizeof(prefix), "%s:", facet_prefix[type]);
	if ((rc = mdb_cursor_open(txn, store->dbi[DSMAP__DB_META], &cur)) != 0)
		return dsmap_store__error(rc, "store %s: meta", store->path);
	k.mv_size = plen;
	k.mv_data = prefix;
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
		if ((names[n] = strndup((const char *)k.mv_data + plen, k.mv_size - plen)) == NULL) {
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
	                      facet_prefix[type]);
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
