/*
 * Internal: the inventory, the holdings that scans write and locate reads.
 *
 * holdings: key  u32 system number, u32 generation, 16-byte subject hash
 *           (all big-endian, so that one system's generation is one range);
 *           value version 1:
 *             u8 version, u8 subject kind, u32 records, i64 first seen,
 *             i64 last seen, u8 identifier count, u8 locator count,
 *             u16 bitmap bytes; the category bitmap (bit n = catbit n);
 *             the subject's other identifiers (u8 kind + 16-byte hash each);
 *             the locators (u16 length + bytes each).
 * aliases:  key  u32 system number, u32 generation, 16-byte identifier hash;
 *           values (sorted duplicates): 16-byte subject hashes: the subjects
 *           of the records in which that identifier appears next to the one
 *           that names the subject.
 *
 * A subject of a system is named by the first valid identifier of a record,
 * in the order of the source's `identifiers`; the record's other
 * identifiers become aliases of it.
 *
 * Readers see a system's generation `gen` of its record in the systems
 * database; a scan writes generation gen + 1 beside it and switches in the
 * transaction that ends the scan, so a failed or killed scan leaves the
 * previous inventory whole.  Generations other than the current one are
 * garbage, collected before and after each scan.
 */
#ifndef DSMAP_CORE_INVENTORY_H
#define DSMAP_CORE_INVENTORY_H

#include <stdint.h>

#include "dsmap/ident.h"
#include "store.h"

#define DSMAP__HOLDING_KEY (4 + 4 + DSMAP_IDENT_HASH_SIZE)
#define DSMAP__HOLDING_MAX_IDS 16     /* other identifiers kept per subject */
#define DSMAP__HOLDING_MAX_LOCS 4     /* locators kept per subject */

/* A holding, decoded; pointers borrow the value. */
struct dsmap__holding {
	int kind;
	uint32_t records;
	int64_t first, last;
	size_t bitmap_size;
	const unsigned char *bitmap;
	size_t id_count;
	const unsigned char *ids;      /* id_count x (kind, hash) */
	size_t loc_count;
	const char *locs[DSMAP__HOLDING_MAX_LOCS];
	size_t loc_lens[DSMAP__HOLDING_MAX_LOCS];
};

/* Decode a holding; DSMAP_ECORRUPT when it is not one. */
int dsmap__holding_decode(struct dsmap__holding *h, const void *data, size_t size);

void dsmap__holding_key(unsigned char key[DSMAP__HOLDING_KEY], uint32_t sysno, uint32_t gen,
                        const unsigned char hash[DSMAP_IDENT_HASH_SIZE]);

/* A record on its way into the store, as a scan validated it. */
struct dsmap__ingest_record {
	const unsigned char *ids;      /* id_count x (kind, hash); the first names the subject */
	size_t id_count;
	const uint32_t *cats;          /* catbits, distinct */
	size_t cat_count;
	const char *loc;
	size_t loc_len;
	int64_t first, last;
};

/* What an ingest counts per system while it writes. */
struct dsmap__ingest_counts {
	uint64_t records;
	uint64_t subjects;
	int64_t first, last;
	size_t catbit_count;
	uint64_t *cat_subjects;        /* by catbit */
	uint64_t *cat_records;
};

typedef struct dsmap__ingest dsmap__ingest;

/* An ingest for `nslots` systems; categories are numbered below `catbit_count`. */
int dsmap__ingest_new(dsmap__ingest **out, dsmap_store *store, size_t nslots,
                      size_t catbit_count);
void dsmap__ingest_free(dsmap__ingest *ing);

/* Slot `slot` writes system `sysno`'s generation `gen`. */
void dsmap__ingest_target(dsmap__ingest *ing, size_t slot, uint32_t sysno, uint32_t gen);

/* Queue a record of slot `slot` (copied); writes a batch when enough are queued. */
int dsmap__ingest_add(dsmap__ingest *ing, size_t slot, const struct dsmap__ingest_record *rec);

/* Write what is queued, then `summary` (which switches the system to the
 * slot's generation), in one transaction.  The slot's counts are filled
 * into `summary` (categories malloc'ed). */
int dsmap__ingest_commit(dsmap__ingest *ing, size_t slot, const char *system_id,
                         dsmap_store__system_summary *summary);

/* Forget what is queued for slot `slot` (its scan failed). */
void dsmap__ingest_drop(dsmap__ingest *ing, size_t slot);

/* The counts of a slot so far. */
const struct dsmap__ingest_counts *dsmap__ingest_counts(const dsmap__ingest *ing, size_t slot);

/* Delete every generation of system `sysno` but `keep`, in transactions of
 * bounded size. */
int dsmap__inventory_collect(dsmap_store *store, uint32_t sysno, uint32_t keep);

#endif
