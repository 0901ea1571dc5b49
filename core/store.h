/*
 * Internal: the LMDB store's shared helpers for the other core modules.
 */
#ifndef DSMAP_CORE_STORE_H
#define DSMAP_CORE_STORE_H

#include <sys/types.h>
#include <lmdb.h>

#include "dsmap/store.h"
#include "errors.h"

/* The named databases.  Keys are fixed-width and big-endian where they can
 * be; values start with a version byte, except the meta database's, which
 * are short strings. */
enum dsmap_store__db {
	DSMAP__DB_META = 0,   /* "schema", "magic", "created", "synced-rev"... */
	DSMAP__DB_SYSTEMS,    /* system id -> last scan summary */
	DSMAP__DB_REVS,       /* commit id (20) -> synced revision summary */
	DSMAP__DB_GRAPH,      /* commit id (20) + type + id -> node hash, or an edge */
	DSMAP__DB_NODES,      /* node hash (16) -> version byte + the node as JSON */
	DSMAP__DB_CATBITS,    /* "group/id" -> u32 bit, stable, never reused */
	DSMAP__DB_IDINDEX,    /* identifier hash (16) -> the systems holding it (idindex.h) */
	DSMAP__DB_COUNT
};

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
	struct dsmap_store *next_open;
};

/* The callback run by dsmap_store__write inside a write transaction.  It
 * returns 0, an LMDB code (MDB_MAP_FULL makes the transaction start again
 * on a larger map) or a negative DSMAP_E* code with the error set. */
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

/* Whether `rc` is one of our DSMAP_E* codes (with the message set), as
 * opposed to an LMDB or errno code still to be translated. */
#define DSMAP__IS_DSMAP_CODE(rc) ((rc) < 0 && (rc) > -1000)

/* Translate an LMDB or errno return code into a DSMAP_E* code with the
 * message "<context>: <LMDB's message>". */
int dsmap_store__error(int rc, const char *fmt, ...) DSMAP__PRINTF(2, 3);

/* Meta values: strings stored under a key of DSMAP__DB_META. */
int dsmap_store__meta_put(dsmap_store *store, MDB_txn *txn, const char *key,
                          const void *val, size_t len);
/* Copy the value of `key` into buf (NUL-terminated); DSMAP_ENOTFOUND if absent. */
int dsmap_store__meta_get(dsmap_store *store, MDB_txn *txn, const char *key,
                          char *buf, size_t bufsize);

/* Big-endian helpers for keys and values: byte-order neutral, and inline,
 * since the scan's sort compares hashes with them. */
static inline void dsmap__put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static inline void dsmap__put_be64(unsigned char *p, uint64_t v)
{
	dsmap__put_be32(p, (uint32_t)(v >> 32));
	dsmap__put_be32(p + 4, (uint32_t)v);
}

static inline uint32_t dsmap__get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t dsmap__get_be64(const unsigned char *p)
{
	return (uint64_t)dsmap__get_be32(p) << 32 | dsmap__get_be32(p + 4);
}

/* How many subjects and records of a system hold one category. */
typedef struct {
	uint32_t catbit;
	uint64_t subjects;
	uint64_t records;
} dsmap_store__cat_count;

/* A system as the store knows it: its number, the generation of holdings
 * that readers see, and what the scan that wrote that generation found. */
typedef struct {
	uint32_t sysno;          /* stable, never reused */
	uint32_t gen;            /* current generation; 0 before the first scan */
	int64_t last_scan;       /* seconds since the epoch; 0 before the first scan */
	uint64_t records;        /* records stored */
	uint64_t subjects;
	uint64_t rejected;       /* records left out */
	uint64_t invalid;        /* identifiers that failed validation */
	int64_t first_seen;      /* oldest record timestamp; 0 when none */
	int64_t last_seen;
	char commit[41];         /* the mapping revision the definition came from, hex */
	int64_t retired;         /* when the system left the mapping and its inventory was
	                          * dropped (gen 0, counts kept for history); 0 while defined */
	int64_t failed_at;       /* when its last scan failed, if after last_scan; else 0 */
	char failure[256];       /* why that scan failed (no identifier value); "" when none */
	size_t category_count;
	dsmap_store__cat_count *categories;   /* by catbit; owned by whoever filled it */
} dsmap_store__system_summary;

/*
 * The inventory lives in one pair of databases per generation (see
 * inventory.h), named "h.GGGGGGGG" (holdings) and "a.GGGGGGGG" (aliases),
 * G the generation in hex, so that a generation no system is at any more
 * is dropped whole.  Neither uses duplicates: dropping a database of
 * duplicates reads every leaf page, dropping a plain one only its branch
 * pages.
 */
enum { DSMAP__GEN_HOLDINGS = 'h', DSMAP__GEN_ALIASES = 'a' };

/* The database of generation `gen` of `type`; with `create` (in a write
 * transaction) made when absent.  DSMAP_ENOTFOUND when absent. */
int dsmap_store__gen_dbi(dsmap_store *store, MDB_txn *txn, int type, uint32_t gen, int create,
                         MDB_dbi *dbi);

/* Call `cb` for each generation database of the store, by name order;
 * a non-zero return stops the walk and is returned. */
typedef int (*dsmap_store__gen_cb)(int type, uint32_t gen, void *payload);
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

/* Longest system id the store accepts. */
#define DSMAP__SYSTEM_ID_MAX 128

#endif
