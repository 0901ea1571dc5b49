/*
 * Internal: the LMDB store's shared helpers for the other core modules.
 */
#ifndef DSMAP_CORE_STORE_H
#define DSMAP_CORE_STORE_H

#include <pthread.h>
#include <sys/types.h>
#include <lmdb.h>

#include "dsmap/store.h"
#include "errors.h"
#include "schema.h"

struct dsmap_store {
	MDB_env *env;
	char *path;
	pid_t pid;
	uint64_t map_size;
	uint64_t max_mapsize;
	unsigned int grown;
	unsigned int schema;
	MDB_dbi dbi[DSMAP__DB_COUNT];
	dev_t dev;      /* the directory's identity, for the open-stores list */
	ino_t ino;
	int map_full;   /* LMDB said MDB_MAP_FULL in the write running now */
	struct dsmap_store *next_open;
	/* the generations' shared handles (dsmap_store__gen_dbi_hold) */
	pthread_mutex_t held_lock;
	struct dsmap_store__held *held;
	size_t nheld, capheld;
	uint64_t held_epoch;   /* handles opened so far, under held_lock */
};

/* The callback run by dsmap_store__write inside a write transaction.  It
 * returns 0 or a negative DSMAP_E* code with the error set, never an LMDB
 * code: it translates those with dsmap_store__lmdb(), which also notes a
 * full map so that dsmap_store__write grows it and runs the callback
 * again from scratch. */
typedef int (*dsmap_store__txn_fn)(dsmap_store *store, MDB_txn *txn, void *payload);

/* Run `fn` in a write transaction and commit it, growing the map and
 * running `fn` again from scratch when the map is full.  `what` names the
 * work for error messages ("write system summary"). */
int dsmap_store__write(dsmap_store *store, dsmap_store__txn_fn fn, void *payload,
                       const char *what);

/* Begin a short read-only transaction; end it with mdb_txn_abort(). */
int dsmap_store__read_begin(dsmap_store *store, MDB_txn **txn);

/* Fail when the store is used in a process other than the one that opened
 * it (after fork()). */
int dsmap_store__check(const dsmap_store *store);

/* In a child process after fork(), unmap the store's files from memory
 * without touching LMDB (which must not be used in a child), so that code
 * run there cannot write to them.  Best effort; Linux only. */
void dsmap_store__forget(dsmap_store *store);

/* Translate an LMDB or errno return code into a DSMAP_E* code with the
 * message "<context>: <LMDB's message>". */
int dsmap_store__error(int rc, const char *fmt, ...) DSMAP__PRINTF(2, 3);

/* The same for an LMDB call on `store` inside a write transaction or a
 * read: the message is "store PATH: <context>: <LMDB's message>", and an
 * MDB_MAP_FULL is noted on the store for dsmap_store__write. */
int dsmap_store__lmdb(dsmap_store *store, int rc, const char *fmt, ...) DSMAP__PRINTF(3, 4);

/* Meta values: strings stored under a key of DSMAP__DB_META (schema.h). */
int dsmap_store__meta_put(dsmap_store *store, MDB_txn *txn, const char *key,
                          const void *val, size_t len);
/* Copy the value of `key` into buf (NUL-terminated); DSMAP_ENOTFOUND if absent. */
int dsmap_store__meta_get(dsmap_store *store, MDB_txn *txn, const char *key,
                          char *buf, size_t bufsize);

/*
 * The inventory lives in one pair of databases per generation (see
 * inventory.h), named "h.GGGGGGGG" (holdings) and "a.GGGGGGGG" (aliases),
 * G the generation in hex, so that a generation no system is at any more
 * is dropped whole.  Neither uses duplicates: dropping a database of
 * duplicates reads every leaf page, dropping a plain one only its branch
 * pages.
 */
/* The database of generation `gen` of `type`; with `create` (in a write
 * transaction) made when absent.  DSMAP_ENOTFOUND when absent. */
int dsmap_store__gen_dbi(dsmap_store *store, MDB_txn *txn, enum dsmap__gen_type type,
                         uint32_t gen, int create, MDB_dbi *dbi);

/*
 * Generation handles shared by the threads of a process.  LMDB lets a
 * transaction open a database handle (mdb_dbi_open) only if it ends before
 * any other transaction of the process opens one, and a handle opened in a
 * transaction exists in that transaction alone until it commits; a reader
 * that keeps its transaction (a locator) or runs beside others (the
 * server's threads) must therefore never open one itself.
 * dsmap_store__gen_dbi_hold() opens the handle in a short read-only
 * transaction of its own, committed under the store's lock, which makes
 * it the environment's: valid in every transaction that begins after the
 * hold returned.  Holds are counted; the last release closes the handle.
 *
 * *epoch receives the number of handles the store had opened when this
 * one was: a transaction begun when dsmap_store__held_epoch() was at
 * least that may use it; one begun earlier must be renewed first.
 * DSMAP_ENOTFOUND (error set) when the generation has no such database.
 */
struct dsmap_store__held {
	enum dsmap__gen_type type;
	uint32_t gen;
	MDB_dbi dbi;
	unsigned int refs;
	int forgotten;        /* dropped by a write: the handle is LMDB's no more */
	uint64_t epoch;
};
int dsmap_store__gen_dbi_hold(dsmap_store *store, enum dsmap__gen_type type, uint32_t gen,
                              MDB_dbi *dbi, uint64_t *epoch);
void dsmap_store__gen_dbi_release(dsmap_store *store, enum dsmap__gen_type type, uint32_t gen);
uint64_t dsmap_store__held_epoch(dsmap_store *store);
/* A write is about to drop the generation's database (mdb_drop closes the
 * handle environment-wide): its hold, if any, must never close it again. */
void dsmap_store__gen_dbi_forget(dsmap_store *store, enum dsmap__gen_type type, uint32_t gen);

/* Call `cb` for each generation database of the store, by name order;
 * a non-zero return stops the walk and is returned. */
typedef int (*dsmap_store__gen_cb)(enum dsmap__gen_type type, uint32_t gen, void *payload);
int dsmap_store__gens_each(dsmap_store *store, MDB_txn *txn, dsmap_store__gen_cb cb,
                           void *payload);

/* The category refs ("group/id") by number, from the catbits database:
 * (*refs)[bit] is NULL for a number no category has.  Free with
 * dsmap_store__category_refs_free(). */
int dsmap_store__category_refs(dsmap_store *store, MDB_txn *txn, char ***refs, size_t *count);
void dsmap_store__category_refs_free(char **refs, size_t count);

/* Record a system (inside a write transaction). */
int dsmap_store__system_put(dsmap_store *store, MDB_txn *txn, const char *id,
                            const dsmap_store__system_summary *summary);

/* Read one system; DSMAP_ENOTFOUND when the store has none of that id.
 * summary->categories is malloc'ed; free it. */
int dsmap_store__system_get(dsmap_store *store, MDB_txn *txn, const char *id,
                            dsmap_store__system_summary *summary);

/* Call `cb` for each system in id order; a non-zero return from `cb` stops
 * the walk and is returned.  `id` and `summary` are borrowed for the call. */
typedef int (*dsmap_store__system_cb)(const char *id, const dsmap_store__system_summary *summary,
                                      void *payload);
int dsmap_store__systems_each(dsmap_store *store, dsmap_store__system_cb cb, void *payload);
/* The same inside the caller's transaction (read or write). */
int dsmap_store__systems_each_in(dsmap_store *store, MDB_txn *txn, dsmap_store__system_cb cb,
                                 void *payload);

/* Replace the record-time histograms of system `sysno` (inside a write
 * transaction) with hists[catbit] for each catbit below `count` whose
 * histogram counts a record; NULL, 0 drops them all. */
int dsmap_store__hist_replace(dsmap_store *store, MDB_txn *txn, uint32_t sysno,
                              const struct dsmap__hist *hists, size_t count);

/* Read the histogram of system `sysno` for category `catbit` (months
 * malloc'ed: free them).  DSMAP_ENOTFOUND when it has none. */
int dsmap_store__hist_get(dsmap_store *store, MDB_txn *txn, uint32_t sysno, uint32_t catbit,
                          struct dsmap__hist *h);

/*
 * Facet numbers: each subject kind and each brand gets a number, stable
 * and never reused, so that a holding's subject-kind and brand sets are
 * 32-bit masks (bit n = facet n).  They live in the meta database as
 * "kindbit:ID" / "brandbit:ID" -> decimal, with counters "kindbit-next" and
 * "brandbit-next".  At most DSMAP__FACET_MAX of each.
 */
#define DSMAP__FACET_MAX 32
enum dsmap_store__facet { DSMAP__FACET_KIND = 0, DSMAP__FACET_BRAND = 1 };

/* The number of facet `id` of `type`; with `create` (in a write
 * transaction) numbered when new.  DSMAP_ENOTFOUND when it has none and
 * `create` is 0; DSMAP_EINVALID when all DSMAP__FACET_MAX are taken. */
int dsmap_store__facet_bit(dsmap_store *store, MDB_txn *txn, int type, const char *id,
                           int create, unsigned int *bit);

/* The ids of facet `type` by number: names[n] is the id of facet n, or
 * NULL.  `names` has DSMAP__FACET_MAX entries; free them with
 * dsmap_store__facet_names_free(). */
int dsmap_store__facet_names(dsmap_store *store, MDB_txn *txn, int type,
                             char *names[DSMAP__FACET_MAX]);
void dsmap_store__facet_names_free(char *names[DSMAP__FACET_MAX]);

#endif
