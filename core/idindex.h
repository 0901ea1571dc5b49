/*
 * Internal: the store-wide identifier index.
 *
 * One lookup per identifier hash says which systems hold it, and how, so
 * that a query costs what it walks and not what the store holds: before
 * it, a locate looked in every system's generation in turn (one B-tree, an
 * alias range and a Bloom filter per system).
 *
 * Database "idindex" (MDB_DUPSORT | MDB_DUPFIXED):
 *   key    the 16-byte identifier hash (as in holdings and aliases);
 *   values one per system that holds it, 4 bytes big-endian:
 *          sysno << 2 | roles, roles DSMAP__IDX_SUBJECT when the hash is a
 *          key of the system's current holdings (it names a subject) and
 *          DSMAP__IDX_ALIAS when it starts keys of its current aliases.
 *   Sorted as unsigned big-endian integers, a key's values are in system
 *   number order.
 *
 * The index names systems, not generations: it follows each system's
 * current generation.  dsmap_store__system_put() keeps it, in the
 * transaction that moves a system's record to another generation (a
 * scan's switch, a retirement), by applying the difference between the
 * two generations' key sets.  Readers therefore see the index and the
 * generations of one snapshot agree, and a rescan that changes little
 * writes little.  Generations no system is at are not in the index and
 * are dropped whole as before.
 */
#ifndef DSMAP_CORE_IDINDEX_H
#define DSMAP_CORE_IDINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

enum { DSMAP__IDX_SUBJECT = 1, DSMAP__IDX_ALIAS = 2 };

#define DSMAP__IDX_SYSNO_MAX ((1u << 30) - 1)

/* A value of the index. */
static inline uint32_t dsmap__idx_value(uint32_t sysno, unsigned int roles)
{
	return sysno << 2 | (roles & 3u);
}

/* In transaction `txn`, make the index say what generation `new_gen` of
 * system `sysno` holds instead of what `old_gen` held (0: nothing, as for
 * a system never scanned or retired).  Returns 0, or an LMDB or negative
 * DSMAP_E* code (the callback convention of dsmap_store__write). */
int dsmap__idindex_switch(dsmap_store *store, MDB_txn *txn, uint32_t sysno, uint32_t old_gen,
                          uint32_t new_gen);

/* Compare the index with the current generations of every system in
 * `txn`: DSMAP_ECORRUPT, naming the first difference, when an entry is
 * missing, wrong or left over; *entries is set to the entries checked. */
int dsmap__idindex_verify(dsmap_store *store, MDB_txn *txn, uint64_t *entries);

#endif
