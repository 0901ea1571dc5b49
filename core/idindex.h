/*
 * Internal: the store-wide identifier index.
 *
 * One lookup per identifier hash says which systems hold it, and how, so
 * that a query costs what it walks and not what the store holds: before
 * it, a locate looked in every system's generation in turn (one B-tree, an
 * alias range and a Bloom filter per system).
 *
 * Database "idindex" (schema.h): identifier hash -> one value per system
 * that holds it, sysno << 2 | roles, roles DSMAP__IDX_SUBJECT when the
 * hash is a key of the system's current holdings (it names a subject) and
 * DSMAP__IDX_ALIAS when it starts keys of its current aliases.  Sorted as
 * unsigned big-endian integers, a key's values are in system number order.
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

/* In transaction `txn`, make the index say what generation `new_gen` of
 * system `sysno` holds instead of what `old_gen` held (0: nothing, as for
 * a system never scanned or retired).  Returns 0 or a DSMAP_E* code (the
 * callback convention of dsmap_store__write). */
int dsmap__idindex_switch(dsmap_store *store, MDB_txn *txn, uint32_t sysno, uint32_t old_gen,
                          uint32_t new_gen);

/* Compare the index with the current generations of every system in
 * `txn`: DSMAP_ECORRUPT, naming the first difference, when an entry is
 * missing, wrong or left over; *entries is set to the entries checked. */
int dsmap__idindex_verify(dsmap_store *store, MDB_txn *txn, uint64_t *entries);

#endif
