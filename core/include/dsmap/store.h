/*
 * dsmap: data-subject inventory and lineage mapper.
 *
 * store.h: the LMDB store that holds the lineage graph and the per-subject
 * inventory of a workspace.
 *
 * A store is a directory (mode 0700) holding an LMDB environment (files mode
 * 0600) with a few named databases and a schema version.  Readers never
 * block the single writer; a killed writer leaves the last committed state
 * whole.  A store must not be used across fork(): the child gets an error,
 * never a silently shared map.
 */
#ifndef DSMAP_STORE_H
#define DSMAP_STORE_H

#include "common.h"

DSMAP_BEGIN_DECL

/** An open store.  Opaque; one per process per store directory. */
typedef struct dsmap_store dsmap_store;

/** The schema version this library writes (it reads every older one,
 *  upgrading the store on open).  3: records carry checksums; 4: scans
 *  keep a record-time histogram per system and category (dsmap audit). */
#define DSMAP_STORE_SCHEMA 4

/** Flags for dsmap_store_options.flags. */
enum {
	/** Create the store when the directory holds none. */
	DSMAP_STORE_CREATE = 1u << 0
};

/** Options for dsmap_store_open().  Initialise with DSMAP_STORE_OPTIONS_INIT. */
typedef struct {
	/** DSMAP_STORE_OPTIONS_VERSION */
	unsigned int version;
	/** DSMAP_STORE_* flags */
	unsigned int flags;
	/** Map size to start with, in bytes; 0 for the default (256 MiB).
	 *  The map grows by doubling when it is full. */
	uint64_t initial_mapsize;
	/** Largest map size to grow to, in bytes; 0 for no limit but the
	 *  address space and the disk. */
	uint64_t max_mapsize;
} dsmap_store_options;

#define DSMAP_STORE_OPTIONS_VERSION 1
#define DSMAP_STORE_OPTIONS_INIT { DSMAP_STORE_OPTIONS_VERSION, 0, 0, 0 }

/**
 * Open (or, with DSMAP_STORE_CREATE, create) the store in directory `path`.
 *
 * Opening checks that the files are an LMDB environment written by dsmap,
 * that the data file is not truncated, and that its schema is not newer
 * than DSMAP_STORE_SCHEMA; stale reader slots of dead processes are
 * cleared.  A store of an older schema is upgraded in one write
 * transaction (schema 1 to 2: the identifier index is built from the
 * systems' current inventories); until that commits it is left as it was.
 *
 * @param out set to the new store on success; free it with dsmap_store_free()
 * @param path the store directory
 * @param opts options, or NULL for the defaults
 * @return 0; DSMAP_ENOTFOUND when there is no store and DSMAP_STORE_CREATE
 *         is not set; DSMAP_ECORRUPT for a damaged or foreign store;
 *         DSMAP_EVERSION for a store of a newer schema; DSMAP_EPERM,
 *         DSMAP_EIO or DSMAP_ERROR otherwise.
 */
DSMAP_EXTERN(int) dsmap_store_open(dsmap_store **out, const char *path,
                                   const dsmap_store_options *opts);

/** Close the store and free it.  NULL is a no-op. */
DSMAP_EXTERN(void) dsmap_store_free(dsmap_store *store);

/** Sizes and versions of an open store, from dsmap_store_info_get(). */
typedef struct {
	/** schema version of the store */
	unsigned int schema;
	/** database page size in bytes */
	unsigned int page_size;
	/** size of the data file on disk, in bytes */
	uint64_t file_size;
	/** bytes of the data file in use (up to the last used page) */
	uint64_t used_size;
	/** current size of the memory map, in bytes */
	uint64_t map_size;
	/** how many times this handle grew the map */
	unsigned int map_grown;
} dsmap_store_info;

/**
 * Read the sizes and versions of an open store.
 *
 * @param out filled on success
 * @param store the store
 * @return 0 or a negative DSMAP_E* code
 */
DSMAP_EXTERN(int) dsmap_store_info_get(dsmap_store_info *out, dsmap_store *store);

/**
 * The id of the last transaction committed to the store, by this process
 * or another (a scan's generation, a sync, a token...).  It only grows,
 * and moves with every commit: while it stays the same, so does all that
 * the store holds, so a reader may keep what it derived from the store
 * under this id.  Cheap: it reads a counter, with no transaction.
 *
 * @param out set to the id
 * @param store the store
 * @return 0 or a negative DSMAP_E* code
 */
DSMAP_EXTERN(int) dsmap_store_last_txn(uint64_t *out, dsmap_store *store);

/**
 * Walk every database of the store and check its structure.
 *
 * This reads every page in use, so it takes time proportional to the
 * store's size; dsmap_store_open() only does the cheap checks.
 *
 * It also checks the identifier index against every system's current
 * inventory: each identifier held has its entry, and there is no other.
 *
 * @param entries set to the number of records walked; may be NULL
 * @param store the store
 * @return 0 when the store is sound, DSMAP_ECORRUPT with a message naming
 *         the database that fails otherwise
 */
DSMAP_EXTERN(int) dsmap_store_verify(uint64_t *entries, dsmap_store *store);

/**
 * Write the identifier index anew from every system's current inventory,
 * in one transaction (readers see the old index until it commits).  Scans
 * keep the index up to date by themselves; this mends one that
 * dsmap_store_verify() found damaged.
 *
 * @return 0 or a negative DSMAP_E* code
 */
DSMAP_EXTERN(int) dsmap_store_rebuild_index(dsmap_store *store);

/**
 * The directory of an open store.
 *
 * @return a string owned by the store, valid until dsmap_store_free()
 */
DSMAP_EXTERN(const char *) dsmap_store_path(const dsmap_store *store);

DSMAP_END_DECL

#endif /* DSMAP_STORE_H */
