/*
 * Internal: the inventory, the holdings that scans write and locate reads.
 *
 * Each generation is a pair of databases (store.h): holdings and aliases.
 *
 * holdings: subject hash -> holding record (schema.h);
 * aliases:  identifier hash, subject hash -> nothing: the subjects of the
 *           records in which that identifier appears next to the one that
 *           names the subject.
 *
 * A subject of a system is named by the first valid identifier of a record,
 * in the order of the source's `identifiers`; the record's other
 * identifiers become aliases of it.
 *
 * Generations are numbered store-wide (meta "gen-next") and each system's
 * record in the systems database names the one readers see.  A scan
 * spills its records to sorted runs in temporary files, merges them when
 * the system's scan ends, and appends the merged holdings to the new
 * generation's empty databases (MDB_APPEND: pages filled once, in order),
 * switching the system to it in the last transaction.  A failed or killed
 * scan leaves the previous generation as readers saw it; generations no
 * system is at are dropped whole before and after each scan.
 */
#ifndef DSMAP_CORE_INVENTORY_H
#define DSMAP_CORE_INVENTORY_H

#include <stdint.h>

#include "dsmap/ident.h"
#include "store.h"

/* An identifier aliasing more subjects of one system than this is an
 * identity conflict (a placeholder, a shared value): locate does not
 * follow it (DSMAP_LOCATE_MAX_JOIN, its default limit), and each scan
 * counts them by kind into meta "conflicts:SYSTEM" ("email 3 1000;...":
 * kind, identifiers, the most subjects one names), which status shows. */
#define DSMAP__MAX_JOIN 8

/* A record on its way into the store, as a scan validated it. */
struct dsmap__ingest_record {
	const unsigned char *ids;      /* id_count x (kind, hash); the first names the subject */
	size_t id_count;
	const uint32_t *cats;          /* catbits, distinct */
	size_t cat_count;
	const char *loc;
	size_t loc_len;
	int64_t first, last;
	uint32_t kinds;                /* subject-kind facet bits; 0: unknown */
	uint32_t brands;               /* brand facet bits; 0: unknown */
};

typedef struct dsmap__ingest dsmap__ingest;

/* An ingest for `nslots` systems; categories are numbered below
 * `catbit_count`; runs are spilled to unlinked files in `tmpdir`. */
int dsmap__ingest_new(dsmap__ingest **out, dsmap_store *store, size_t nslots,
                      size_t catbit_count, const char *tmpdir);
void dsmap__ingest_free(dsmap__ingest *ing);

/* Take a record of slot `slot` (copied). */
int dsmap__ingest_add(dsmap__ingest *ing, size_t slot, const struct dsmap__ingest_record *rec);

/* Merge the slot's records into a new generation, then write `summary`
 * (its sysno set by the caller; generation, counts and categories filled
 * in here, categories malloc'ed) so that readers switch to it.  The
 * previous generation is left for dsmap__inventory_collect(). */
int dsmap__ingest_commit(dsmap__ingest *ing, size_t slot, const char *system_id,
                         dsmap_store__system_summary *summary);

/* Forget the slot's records (its scan failed). */
void dsmap__ingest_drop(dsmap__ingest *ing, size_t slot);

/* Drop every generation that no system's record names.  Only one scan
 * may run at a time (dsmap_scan holds a lock), since the generation it
 * writes is named by no system until it ends. */
int dsmap__inventory_collect(dsmap_store *store);

#endif
