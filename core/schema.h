/*
 * Internal: the store's schema.  Every key and value layout of the LMDB
 * store is defined here, and only here, with its encoder and its decoder;
 * the modules that read and write the store (store.c, lineage.c,
 * inventory.c, idindex.c, locate.c, scan.c) go through these functions
 * and never lay out bytes themselves.
 *
 * Schema DSMAP_STORE_SCHEMA (include/dsmap/store.h).  The databases:
 *
 *   meta      ASCII key -> ASCII value (the meta keys below)
 *   systems   system id (1..DSMAP__SYSTEM_ID_MAX bytes) -> system record
 *   revs      commit id (20) -> revision record
 *   graph     commit id (20), type (enum dsmap__graph_type), node id
 *               -> node hash (16)                    a node
 *             commit id (20), type, from id, NUL, to id -> (empty)
 *                                                    an edge
 *   nodes     node hash (16) -> node record: u8 version, canonical JSON,
 *             NUL.  The hash is BLAKE2b-128 of the JSON text, so that a
 *             node is shared by every revision that has it and checks
 *             itself (dsmap__node_check).
 *   catbits   category ref "group/id" -> u32 category number (be),
 *             numbered from meta "catbit-next"; never reused
 *   idindex   (DUPSORT, DUPFIXED) identifier hash (16) -> u32 (be) per
 *             system holding it: sysno << 2 | roles
 *   h.GGGGGGGG  holdings of generation G (hex): subject hash (16) ->
 *             holding record
 *   a.GGGGGGGG  aliases of generation G: identifier hash (16), subject
 *             hash (16) -> (empty)
 *   hist      (schema 4) sysno (4), catbit (4) -> record-time histogram of
 *             the records of that category in the system's current
 *             generation, written in the transaction that switches the
 *             system to it and dropped with its inventory
 *
 * Every multi-byte integer is big-endian, so that keys sort as numbers
 * and a store reads the same on any machine.  Every value that is not a
 * fixed-size integer starts with a version byte; a decoder accepts the
 * versions this dsmap ever wrote and refuses anything else with
 * DSMAP_ECORRUPT, naming what it found, and never reads outside the value.
 */
#ifndef DSMAP_CORE_SCHEMA_H
#define DSMAP_CORE_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "dsmap/errors.h"
#include "dsmap/ident.h"
#include "dsmap/store.h"

/* ---- byte order ------------------------------------------------------------- */

/* Big-endian helpers: inline, since the scan's sort compares hashes with
 * them. */
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

/* ---- databases -------------------------------------------------------------- */

#define DSMAP__SCHEMA_MAGIC "dsmap-store"

/* The fixed databases, opened once per store. */
enum dsmap_store__db {
	DSMAP__DB_META = 0,
	DSMAP__DB_SYSTEMS,
	DSMAP__DB_REVS,
	DSMAP__DB_GRAPH,
	DSMAP__DB_NODES,
	DSMAP__DB_CATBITS,
	DSMAP__DB_IDINDEX,
	DSMAP__DB_HIST,
	DSMAP__DB_COUNT
};

struct dsmap__db_def {
	const char *name;
	unsigned int flags;     /* LMDB flags beyond MDB_CREATE */
};

extern const struct dsmap__db_def dsmap__schema_dbs[DSMAP__DB_COUNT];

/* Longest system id the store accepts. */
#define DSMAP__SYSTEM_ID_MAX 128

/* LMDB's default largest key. */
#define DSMAP__KEY_MAX 511

/* ---- meta ------------------------------------------------------------------- */

/* The store-wide meta keys; values are ASCII, counters in decimal. */
#define DSMAP__META_MAGIC "magic"               /* DSMAP__SCHEMA_MAGIC */
#define DSMAP__META_SCHEMA "schema"             /* the schema version */
#define DSMAP__META_CREATED "created"           /* seconds since the epoch */
#define DSMAP__META_SYNCED_REV "synced-rev"     /* 40 hex digits */
#define DSMAP__META_GEN_NEXT "gen-next"         /* the next inventory generation */
#define DSMAP__META_SYSTEM_NEXT "system-next"   /* the next system number */
#define DSMAP__META_CATBIT_NEXT "catbit-next"   /* the next category number */

/* The meta keys named after something: "PREFIX:ID" or "PREFIX-next". */
enum dsmap__meta_family {
	DSMAP__META_CONFLICTS = 0,   /* "conflicts:SYSTEM" -> "KIND IDS MOST;..." (inventory.h) */
	DSMAP__META_IDENT_RULES,     /* "ident-rules:SYSTEM" -> decimal (ident.h) */
	DSMAP__META_KINDBIT,         /* "kindbit:KIND" -> decimal facet number (store.h) */
	DSMAP__META_BRANDBIT,        /* "brandbit:BRAND" -> decimal facet number */
	DSMAP__META_BLOOM,           /* "bloom.GGGGGGGG": schema 1 only, dropped by the upgrade */
	DSMAP__META_FAMILY_COUNT
};

#define DSMAP__META_KEY_MAX (16 + DSMAP__KEY_MAX)

/* The family's prefix, separator included ("conflicts:", "bloom."). */
const char *dsmap__meta_prefix(enum dsmap__meta_family family);

/* Write the key of `family` for `id` into buf; DSMAP_EINVALID when it does
 * not fit in `size` or in an LMDB key. */
int dsmap__meta_key(char *buf, size_t size, enum dsmap__meta_family family, const char *id);

/* The counter key of a numbered family ("kindbit-next"). */
const char *dsmap__meta_counter(enum dsmap__meta_family family);

/* ---- inventory generations -------------------------------------------------- */

/* The two databases of a generation. */
enum dsmap__gen_type { DSMAP__GEN_HOLDINGS = 'h', DSMAP__GEN_ALIASES = 'a' };

#define DSMAP__GEN_NAME_SIZE 11      /* "h.0000002a" and its NUL */

void dsmap__gen_name(char out[DSMAP__GEN_NAME_SIZE], enum dsmap__gen_type type, uint32_t gen);

/* Whether a main-database name is a generation's; fills type and gen. */
int dsmap__gen_name_parse(const void *name, size_t len, enum dsmap__gen_type *type,
                          uint32_t *gen);

/* ---- checksums --------------------------------------------------------------- */

/*
 * Records that LMDB cannot check for us carry a 4-byte checksum of their
 * key and value, last in the value, so that a damaged byte is found by the
 * reader instead of changing an answer: SipHash-2-4 (libsodium's
 * crypto_shorthash) keyed with a 16-byte key itself, else BLAKE2b of the
 * key and the value.  It guards against damage, not against an attacker
 * who can write the store.
 */
#define DSMAP__SUM_SIZE 4

uint32_t dsmap__sum(const void *key, size_t klen, const void *val, size_t vlen);

/* Whether the last DSMAP__SUM_SIZE bytes of `val` are the checksum of `key`
 * and the bytes before them. */
int dsmap__sum_ok(const void *key, size_t klen, const void *val, size_t vlen);

/* ---- systems ---------------------------------------------------------------- */

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
 * System record, version 4:
 *   u8 4, u32 sysno, u32 generation, i64 last scan, u64 records,
 *   u64 subjects, u64 rejected, u64 invalid, i64 first seen, i64 last seen,
 *   40 bytes commit (hex, '0'-padded), u32 category count, then per
 *   category u32 catbit, u64 subjects, u64 records; then i64 retired,
 *   i64 failed at, u16 failure length, the failure's bytes; the checksum
 *   of the id and all of that.
 * Version 3 (schema 2) is version 4 without the checksum; version 2 is
 * version 3 without the tail (read as never retired, never failed).
 */
#define DSMAP__SYSTEM_VERSION 4
#define DSMAP__SYSTEM_FIXED (1 + 4 + 4 + 8 * 7 + 40 + 4)
#define DSMAP__SYSTEM_CAT (4 + 8 + 8)
#define DSMAP__SYSTEM_TAIL (8 + 8 + 2)
#define DSMAP__SYSTEM_MAX_CATS 65536

/* The size of `sum` encoded; 0 when it has too many categories. */
size_t dsmap__system_size(const dsmap_store__system_summary *sum);

/* Encode `sum`, the record of system `id`, into `out`, exactly
 * dsmap__system_size(sum) bytes. */
void dsmap__system_encode(unsigned char *out, const char *id, size_t idlen,
                          const dsmap_store__system_summary *sum);

/* Decode the record of system `id` (categories malloc'ed: free them).
 * DSMAP_ECORRUPT or DSMAP_ENOMEM with the message set. */
int dsmap__system_decode(dsmap_store__system_summary *sum, const char *id, size_t idlen,
                         const void *data, size_t size);

/* The number and generation of a record, without decoding the rest. */
int dsmap__system_peek(const void *data, size_t size, uint32_t *sysno, uint32_t *gen);

/* ---- revisions -------------------------------------------------------------- */

/* Revision record, version 2: u8 2, i64 synced at, i64 commit time,
 * u32 nodes, u32 edges, the checksum of the commit id and all of that.
 * Version 1 (schema 2) is version 2 without the checksum. */
#define DSMAP__REV_VERSION 2
#define DSMAP__REV_SIZE_V1 (1 + 8 + 8 + 4 + 4)
#define DSMAP__REV_SIZE (DSMAP__REV_SIZE_V1 + DSMAP__SUM_SIZE)

struct dsmap__rev {
	int64_t synced_at;
	int64_t commit_time;
	uint32_t nodes;
	uint32_t edges;
};

void dsmap__rev_encode(unsigned char out[DSMAP__REV_SIZE], const unsigned char oid[20],
                       const struct dsmap__rev *rev);
int dsmap__rev_decode(struct dsmap__rev *rev, const unsigned char oid[20], const void *data,
                      size_t size);

/* ---- the lineage graph ------------------------------------------------------ */

#define DSMAP__OID_SIZE 20           /* a git commit id */
#define DSMAP__NODE_HASH_SIZE 16

/* What a graph key names: a node (lower case) or an edge (upper case). */
enum dsmap__graph_type {
	DSMAP__NODE_CATEGORY = 'c',
	DSMAP__NODE_PURPOSE = 'p',
	DSMAP__NODE_RECIPIENT = 'r',
	DSMAP__NODE_SUBJECT_KIND = 'k',
	DSMAP__NODE_RIGHT = 'g',
	DSMAP__NODE_NOTICE = 'n',
	DSMAP__NODE_BRAND = 'b',
	DSMAP__NODE_SYSTEM = 'y',
	DSMAP__EDGE_USED_BY = 'U',        /* category -> purposes using it */
	DSMAP__EDGE_SHARED_BY = 'S',      /* recipient -> purposes sharing with it */
	DSMAP__EDGE_CONCERNED_BY = 'K',   /* subject kind -> purposes concerning it */
	DSMAP__EDGE_SERVED_BY = 'V',      /* purpose -> systems serving it */
	DSMAP__EDGE_DECLARED_BY = 'D'     /* category -> systems whose fields hold it */
};

/* Whether `type` is a node type, an edge type, or neither (0). */
int dsmap__graph_type_is_node(int type);
int dsmap__graph_type_is_edge(int type);

/* The key of node `type`/`id` of revision `oid` into `out` (at least
 * DSMAP__KEY_MAX bytes); its length, or 0 when the id is too long. */
size_t dsmap__graph_node_key(unsigned char *out, const unsigned char oid[DSMAP__OID_SIZE],
                             enum dsmap__graph_type type, const char *id, size_t idlen);

/* The key of edge `type` from `from` to `to`; with to == NULL, the prefix
 * every edge from `from` shares (NUL included).  0 when too long. */
size_t dsmap__graph_edge_key(unsigned char *out, const unsigned char oid[DSMAP__OID_SIZE],
                             enum dsmap__graph_type type, const char *from, size_t fromlen,
                             const char *to, size_t tolen);

/* A graph key, decoded; pointers borrow the key. */
struct dsmap__graph_key {
	const unsigned char *oid;
	enum dsmap__graph_type type;
	const char *from;               /* the node id, or the edge's from id */
	size_t fromlen;
	const char *to;                 /* edges only */
	size_t tolen;
};

/* Decode a graph key and check its value's size (a node: a hash; an
 * edge: empty).  DSMAP_ECORRUPT when either is wrong. */
int dsmap__graph_key_decode(struct dsmap__graph_key *key, const void *data, size_t size,
                            size_t value_size);

/* The node record of canonical JSON `json` (len bytes, no NUL) into a
 * malloc'ed buffer of *size bytes, and its hash into `hash`. */
int dsmap__node_encode(unsigned char **out, size_t *size,
                       unsigned char hash[DSMAP__NODE_HASH_SIZE], const char *json, size_t len);

/* Check a node record: its version, its NUL, and, with `hash` not NULL,
 * that its JSON hashes to `hash`.  Sets *json to the NUL-terminated JSON
 * it holds.  DSMAP_ECORRUPT when any check fails. */
int dsmap__node_check(const char **json, const void *data, size_t size,
                      const unsigned char *hash);

/* ---- category numbers ------------------------------------------------------- */

#define DSMAP__CATBIT_SIZE 4
void dsmap__catbit_encode(unsigned char out[DSMAP__CATBIT_SIZE], uint32_t bit);
int dsmap__catbit_decode(uint32_t *bit, const void *data, size_t size);

/* ---- holdings --------------------------------------------------------------- */

#define DSMAP__HOLDING_MAX_IDS 16     /* other identifiers kept per subject */
#define DSMAP__HOLDING_MAX_LOCS 4     /* locators kept per subject */
#define DSMAP__HOLDING_LOC_MAX 512    /* the longest locator kept */
#define DSMAP__ID_SIZE (1 + DSMAP_IDENT_HASH_SIZE)   /* kind, hash */

/*
 * Holding record, version 4:
 *   u8 4, u8 subject kind, u32 records, i64 first seen, i64 last seen,
 *   u8 identifier count, u8 locator count, u16 bitmap bytes,
 *   u32 subject kinds, u32 brands (facet masks, bit n = facet n of
 *   store.h, ORed over the subject's records; 0: unknown);
 *   the category bitmap (bit n = catbit n); the subject's other
 *   identifiers (u8 kind + 16-byte hash each); the locators (u16 length
 *   + bytes each); the checksum of the subject hash and all of that.
 * Version 3 is version 4 without the two masks: it is written when both
 * masks are 0 (the sources said nothing), and read with masks 0.
 * Versions 2 and 1 (schema 2) are versions 4 and 3 without the checksum.
 */
#define DSMAP__HOLDING_VERSION 4
#define DSMAP__HOLDING_FIXED_V1 26
#define DSMAP__HOLDING_FIXED 34

/* A holding; pointers borrow the record (decoded) or the caller's
 * buffers (encoded). */
struct dsmap__holding {
	int kind;
	uint32_t kinds;                /* subject kinds (facet bits, store.h); 0: unknown */
	uint32_t brands;               /* brands (facet bits); 0: unknown */
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

/* The most bytes a holding with a bitmap of `bitmap_size` bytes takes. */
#define DSMAP__HOLDING_MAX_SIZE(bitmap_size) \
	(DSMAP__HOLDING_FIXED + (bitmap_size) + DSMAP__HOLDING_MAX_IDS * DSMAP__ID_SIZE + \
	 DSMAP__HOLDING_MAX_LOCS * (2 + DSMAP__HOLDING_LOC_MAX) + DSMAP__SUM_SIZE)

/* Encode `h`, the holding of subject `key`, into `out`
 * (DSMAP__HOLDING_MAX_SIZE(h->bitmap_size) bytes at least); returns the
 * bytes written. */
size_t dsmap__holding_encode(unsigned char *out, const unsigned char key[DSMAP_IDENT_HASH_SIZE],
                             const struct dsmap__holding *h);

/* Decode the holding of subject `key`; DSMAP_ECORRUPT when it is not one,
 * or when its checksum does not match. */
int dsmap__holding_decode(struct dsmap__holding *h, const unsigned char key[DSMAP_IDENT_HASH_SIZE],
                          const void *data, size_t size);

/* Whether a holding record carries a checksum (schema 3 on). */
int dsmap__holding_summed(const void *data, size_t size);

/* ---- aliases ---------------------------------------------------------------- */

#define DSMAP__ALIAS_KEY_SIZE (2 * DSMAP_IDENT_HASH_SIZE)

/* ---- record-time histograms ------------------------------------------------- */

/*
 * What a scan keeps of the age of a system's data, per category, so that
 * the audit (audit.c) can say what is kept past its retention without
 * reading the sources again: how many records of the category fall in
 * each month of their record time, and how many subjects have their
 * oldest record of the category in each month.
 *
 * Key: u32 sysno, u32 catbit.  Value, version 1:
 *   u8 1, i64 oldest record time, i64 newest, u64 records with no time,
 *   u64 subjects whose records of the category all have no time,
 *   u32 month count, then per month (strictly increasing):
 *   i32 month (months since January 1970, two's complement), u64 records,
 *   u64 subjects; the checksum of the key and all of that.
 */
#define DSMAP__HIST_VERSION 1
#define DSMAP__HIST_KEY_SIZE 8
#define DSMAP__HIST_FIXED (1 + 8 + 8 + 8 + 8 + 4)
#define DSMAP__HIST_MONTH (4 + 8 + 8)
/* Months from year 0 to year 9999: more than any record time can name. */
#define DSMAP__HIST_MONTH_MIN (-1970 * 12)
#define DSMAP__HIST_MONTH_MAX ((9999 - 1970) * 12 + 11)
#define DSMAP__HIST_MAX_MONTHS (DSMAP__HIST_MONTH_MAX - DSMAP__HIST_MONTH_MIN + 1)

struct dsmap__hist_month {
	int32_t month;                 /* months since January 1970 */
	uint64_t records;              /* records of the category with their time in it */
	uint64_t subjects;             /* subjects whose oldest such record is in it */
};

struct dsmap__hist {
	int64_t oldest, newest;        /* record times; 0 when no record has one */
	uint64_t undated_records;
	uint64_t undated_subjects;
	size_t month_count;
	struct dsmap__hist_month *months;   /* decoded: malloc'ed, free it */
};

/* The month of a record time (seconds since the epoch, UTC), clamped to
 * the range above. */
int32_t dsmap__hist_month_of(int64_t t);

/* The key of system `sysno`'s histogram of category `catbit`. */
void dsmap__hist_key(unsigned char out[DSMAP__HIST_KEY_SIZE], uint32_t sysno, uint32_t catbit);

/* The size of `h` encoded; 0 when it has more months than a record may. */
size_t dsmap__hist_size(const struct dsmap__hist *h);

/* Encode `h` under `key` into `out`, exactly dsmap__hist_size(h) bytes. */
void dsmap__hist_encode(unsigned char *out, const unsigned char key[DSMAP__HIST_KEY_SIZE],
                        const struct dsmap__hist *h);

/* Decode a histogram (months malloc'ed: free them, also on error).
 * DSMAP_ECORRUPT when it is not one this dsmap wrote or its checksum does
 * not match; DSMAP_ENOMEM. */
int dsmap__hist_decode(struct dsmap__hist *h, const unsigned char key[DSMAP__HIST_KEY_SIZE],
                       const void *data, size_t size);

/* ---- the identifier index --------------------------------------------------- */

/* Roles of a system for an identifier. */
enum { DSMAP__IDX_SUBJECT = 1, DSMAP__IDX_ALIAS = 2 };

#define DSMAP__IDX_SYSNO_MAX ((1u << 30) - 1)
#define DSMAP__IDX_VALUE_SIZE 4

static inline uint32_t dsmap__idx_value(uint32_t sysno, unsigned int roles)
{
	return sysno << 2 | (roles & 3u);
}

static inline uint32_t dsmap__idx_sysno(uint32_t value)
{
	return value >> 2;
}

static inline unsigned int dsmap__idx_roles(uint32_t value)
{
	return value & 3u;
}

#endif
