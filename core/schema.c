/*
 * The store's schema: the encoders and decoders of schema.h.
 */
#include "config.h"

#include <lmdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "errors.h"
#include "schema.h"

_Static_assert(DSMAP__SYSTEM_FIXED == 109, "the system record's fixed part");
_Static_assert(DSMAP__SYSTEM_CAT == 20, "a system record's category entry");
_Static_assert(DSMAP__REV_SIZE_V1 == 25, "the revision record of schema 2");
_Static_assert(crypto_shorthash_KEYBYTES == DSMAP_IDENT_HASH_SIZE,
               "a subject hash keys the SipHash of its holding");
_Static_assert(crypto_shorthash_BYTES >= DSMAP__SUM_SIZE, "a checksum is SipHash, cut");
_Static_assert(DSMAP__HOLDING_FIXED == DSMAP__HOLDING_FIXED_V1 + 8,
               "version 2 of a holding is version 1 and two masks");
_Static_assert(DSMAP__HOLDING_FIXED_V1 == 1 + 1 + 4 + 8 + 8 + 1 + 1 + 2, "holding version 1");
_Static_assert(DSMAP__HOLDING_MAX_IDS <= 255 && DSMAP__HOLDING_MAX_LOCS <= 255,
               "holding counts are bytes");
_Static_assert(DSMAP__HOLDING_LOC_MAX <= 65535, "locator lengths are u16");
_Static_assert(DSMAP__ID_SIZE == 17, "an identifier is a kind and a 16-byte hash");
_Static_assert(DSMAP__NODE_HASH_SIZE >= crypto_generichash_BYTES_MIN &&
               DSMAP__NODE_HASH_SIZE <= crypto_generichash_BYTES_MAX,
               "node hashes are BLAKE2b");
_Static_assert(DSMAP__OID_SIZE + 1 + DSMAP__SYSTEM_ID_MAX < DSMAP__KEY_MAX,
               "a system's graph key fits an LMDB key");
_Static_assert(DSMAP__ALIAS_KEY_SIZE == 32, "an alias key is two hashes");
_Static_assert(DSMAP__IDX_SYSNO_MAX << 2 >> 2 == DSMAP__IDX_SYSNO_MAX,
               "an index value holds a system number and two role bits");

const struct dsmap__db_def dsmap__schema_dbs[DSMAP__DB_COUNT] = {
	[DSMAP__DB_META] = { "meta", 0 },
	[DSMAP__DB_SYSTEMS] = { "systems", 0 },
	[DSMAP__DB_REVS] = { "revs", 0 },
	[DSMAP__DB_GRAPH] = { "graph", 0 },
	[DSMAP__DB_NODES] = { "nodes", 0 },
	[DSMAP__DB_CATBITS] = { "catbits", 0 },
	[DSMAP__DB_IDINDEX] = { "idindex", MDB_DUPSORT | MDB_DUPFIXED },
	[DSMAP__DB_HIST] = { "hist", 0 },
};

/* ---- meta ------------------------------------------------------------------- */

static const char *const meta_prefixes[DSMAP__META_FAMILY_COUNT] = {
	[DSMAP__META_CONFLICTS] = "conflicts:",
	[DSMAP__META_IDENT_RULES] = "ident-rules:",
	[DSMAP__META_KINDBIT] = "kindbit:",
	[DSMAP__META_BRANDBIT] = "brandbit:",
	[DSMAP__META_BLOOM] = "bloom.",
};

const char *dsmap__meta_prefix(enum dsmap__meta_family family)
{
	return (unsigned int)family < DSMAP__META_FAMILY_COUNT ? meta_prefixes[family] : NULL;
}

int dsmap__meta_key(char *buf, size_t size, enum dsmap__meta_family family, const char *id)
{
	const char *prefix = dsmap__meta_prefix(family);
	int n;

	if (prefix == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "meta key family %d", (int)family);
	n = snprintf(buf, size, "%s%s", prefix, id);
	if (n < 0 || (size_t)n >= size || n > DSMAP__KEY_MAX)
		return dsmap_error__set(DSMAP_EINVALID, "meta key %s'%.64s...' is too long", prefix, id);
	return 0;
}

const char *dsmap__meta_counter(enum dsmap__meta_family family)
{
	switch (family) {
	case DSMAP__META_KINDBIT:
		return "kindbit-next";
	case DSMAP__META_BRANDBIT:
		return "brandbit-next";
	default:
		return NULL;
	}
}

/* ---- checksums --------------------------------------------------------------- */

uint32_t dsmap__sum(const void *key, size_t klen, const void *val, size_t vlen)
{
	unsigned char out[crypto_generichash_BYTES_MIN];

	if (klen == crypto_shorthash_KEYBYTES) {
		crypto_shorthash(out, val, vlen, key);
	} else {
		crypto_generichash_state st;

		crypto_generichash_init(&st, NULL, 0, sizeof(out));
		crypto_generichash_update(&st, key, klen);
		crypto_generichash_update(&st, val, vlen);
		crypto_generichash_final(&st, out, sizeof(out));
	}
	return dsmap__get_be32(out);
}

int dsmap__sum_ok(const void *key, size_t klen, const void *val, size_t vlen)
{
	const unsigned char *p = val;

	return vlen >= DSMAP__SUM_SIZE &&
	       dsmap__sum(key, klen, val, vlen - DSMAP__SUM_SIZE) ==
	       dsmap__get_be32(p + vlen - DSMAP__SUM_SIZE);
}

static void sum_put(unsigned char *val, size_t vlen, const void *key, size_t klen)
{
	dsmap__put_be32(val + vlen, dsmap__sum(key, klen, val, vlen));
}

/* ---- generations ------------------------------------------------------------ */

void dsmap__gen_name(char out[DSMAP__GEN_NAME_SIZE], enum dsmap__gen_type type, uint32_t gen)
{
	snprintf(out, DSMAP__GEN_NAME_SIZE, "%c.%08x", (int)type, (unsigned int)gen);
}

int dsmap__gen_name_parse(const void *name, size_t len, enum dsmap__gen_type *type,
                          uint32_t *gen)
{
	const unsigned char *p = name;
	uint32_t g = 0;
	size_t i;

	if (len != DSMAP__GEN_NAME_SIZE - 1 || (p[0] != DSMAP__GEN_HOLDINGS &&
	    p[0] != DSMAP__GEN_ALIASES) || p[1] != '.')
		return 0;
	for (i = 2; i < len; i++) {
		unsigned int d;

		if (p[i] >= '0' && p[i] <= '9')
			d = p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			d = p[i] - 'a' + 10;
		else
			return 0;
		g = g << 4 | d;
	}
	*type = (enum dsmap__gen_type)p[0];
	*gen = g;
	return 1;
}

/* ---- systems ---------------------------------------------------------------- */

size_t dsmap__system_size(const dsmap_store__system_summary *sum)
{
	if (sum->category_count > DSMAP__SYSTEM_MAX_CATS)
		return 0;
	return DSMAP__SYSTEM_FIXED + sum->category_count * DSMAP__SYSTEM_CAT + DSMAP__SYSTEM_TAIL +
	       strnlen(sum->failure, sizeof(sum->failure) - 1) + DSMAP__SUM_SIZE;
}

void dsmap__system_encode(unsigned char *out, const char *id, size_t idlen,
                          const dsmap_store__system_summary *sum)
{
	unsigned char *p = out;
	size_t i, flen = strnlen(sum->failure, sizeof(sum->failure) - 1);

	*p++ = DSMAP__SYSTEM_VERSION;
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
	memcpy(p, sum->failure, flen);
	p += flen;
	sum_put(out, (size_t)(p - out), id, idlen);
}

/* The category count and the total size a record says it has. */
static int system_sizes(const unsigned char *p, size_t size, size_t *ncats, size_t *flen)
{
	size_t n, body;

	*flen = 0;
	if (size < DSMAP__SYSTEM_FIXED || p[0] < 2 || p[0] > DSMAP__SYSTEM_VERSION)
		return -1;
	if (p[0] == DSMAP__SYSTEM_VERSION)
		size -= DSMAP__SUM_SIZE;    /* the checksum, checked by the caller */
	n = dsmap__get_be32(p + DSMAP__SYSTEM_FIXED - 4);
	if (n > DSMAP__SYSTEM_MAX_CATS)
		return -1;
	body = DSMAP__SYSTEM_FIXED + n * DSMAP__SYSTEM_CAT;
	if (p[0] == 2) {
		if (size != body)
			return -1;
	} else {
		if (size < body + DSMAP__SYSTEM_TAIL)
			return -1;
		*flen = (size_t)p[body + 16] << 8 | p[body + 17];
		if (*flen >= sizeof(((dsmap_store__system_summary *)0)->failure) ||
		    size != body + DSMAP__SYSTEM_TAIL + *flen)
			return -1;
	}
	*ncats = n;
	return 0;
}

static int system_corrupt(const void *data, size_t size)
{
	return dsmap_error__set(DSMAP_ECORRUPT,
	    "a system record of %zu bytes with version %u is not one this dsmap wrote",
	    size, size ? (unsigned int)((const unsigned char *)data)[0] : 0u);
}

int dsmap__system_peek(const void *data, size_t size, uint32_t *sysno, uint32_t *gen)
{
	const unsigned char *p = data;
	size_t n, flen;

	if (system_sizes(p, size, &n, &flen) < 0)
		return system_corrupt(data, size);
	*sysno = dsmap__get_be32(p + 1);
	*gen = dsmap__get_be32(p + 5);
	return 0;
}

int dsmap__system_decode(dsmap_store__system_summary *sum, const char *id, size_t idlen,
                         const void *data, size_t size)
{
	const unsigned char *p = data;
	int version;
	size_t i, n, flen;

	memset(sum, 0, sizeof(*sum));
	if (system_sizes(p, size, &n, &flen) < 0)
		return system_corrupt(data, size);
	if (p[0] == DSMAP__SYSTEM_VERSION && !dsmap__sum_ok(id, idlen, data, size))
		return dsmap_error__set(DSMAP_ECORRUPT, "the record of system %.*s does not match "
		                        "its checksum: it was damaged", (int)idlen, id);
	version = *p++;
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
	if (n > 0 && (sum->categories = dsmap__calloc(n, sizeof(*sum->categories))) == NULL)
		return dsmap_error__oom();
	for (i = 0; i < n; i++) {
		sum->categories[i].catbit = dsmap__get_be32(p), p += 4;
		sum->categories[i].subjects = dsmap__get_be64(p), p += 8;
		sum->categories[i].records = dsmap__get_be64(p), p += 8;
	}
	sum->category_count = n;
	if (version >= 3) {
		sum->retired = (int64_t)dsmap__get_be64(p), p += 8;
		sum->failed_at = (int64_t)dsmap__get_be64(p), p += 8;
		p += 2;
		memcpy(sum->failure, p, flen);
		sum->failure[flen] = '\0';
	}
	return 0;
}

/* ---- revisions -------------------------------------------------------------- */

void dsmap__rev_encode(unsigned char out[DSMAP__REV_SIZE], const unsigned char oid[20],
                       const struct dsmap__rev *rev)
{
	out[0] = DSMAP__REV_VERSION;
	dsmap__put_be64(out + 1, (uint64_t)rev->synced_at);
	dsmap__put_be64(out + 9, (uint64_t)rev->commit_time);
	dsmap__put_be32(out + 17, rev->nodes);
	dsmap__put_be32(out + 21, rev->edges);
	sum_put(out, DSMAP__REV_SIZE_V1, oid, DSMAP__OID_SIZE);
}

int dsmap__rev_decode(struct dsmap__rev *rev, const unsigned char oid[20], const void *data,
                      size_t size)
{
	const unsigned char *p = data;

	if (!(size == DSMAP__REV_SIZE && p[0] == DSMAP__REV_VERSION) &&
	    !(size == DSMAP__REV_SIZE_V1 && p[0] == 1))
		return dsmap_error__set(DSMAP_ECORRUPT,
		    "a revision record of %zu bytes is not one this dsmap wrote", size);
	if (p[0] == DSMAP__REV_VERSION && !dsmap__sum_ok(oid, DSMAP__OID_SIZE, data, size))
		return dsmap_error__set(DSMAP_ECORRUPT, "a revision record does not match its "
		                        "checksum: it was damaged");
	rev->synced_at = (int64_t)dsmap__get_be64(p + 1);
	rev->commit_time = (int64_t)dsmap__get_be64(p + 9);
	rev->nodes = dsmap__get_be32(p + 17);
	rev->edges = dsmap__get_be32(p + 21);
	return 0;
}

/* ---- the lineage graph ------------------------------------------------------ */

int dsmap__graph_type_is_node(int type)
{
	switch (type) {
	case DSMAP__NODE_CATEGORY:
	case DSMAP__NODE_PURPOSE:
	case DSMAP__NODE_RECIPIENT:
	case DSMAP__NODE_SUBJECT_KIND:
	case DSMAP__NODE_RIGHT:
	case DSMAP__NODE_NOTICE:
	case DSMAP__NODE_BRAND:
	case DSMAP__NODE_SYSTEM:
		return 1;
	default:
		return 0;
	}
}

int dsmap__graph_type_is_edge(int type)
{
	switch (type) {
	case DSMAP__EDGE_USED_BY:
	case DSMAP__EDGE_SHARED_BY:
	case DSMAP__EDGE_CONCERNED_BY:
	case DSMAP__EDGE_SERVED_BY:
	case DSMAP__EDGE_DECLARED_BY:
		return 1;
	default:
		return 0;
	}
}

size_t dsmap__graph_node_key(unsigned char *out, const unsigned char oid[DSMAP__OID_SIZE],
                             enum dsmap__graph_type type, const char *id, size_t idlen)
{
	if (idlen == 0 || DSMAP__OID_SIZE + 1 + idlen > DSMAP__KEY_MAX)
		return 0;
	memcpy(out, oid, DSMAP__OID_SIZE);
	out[DSMAP__OID_SIZE] = (unsigned char)type;
	memcpy(out + DSMAP__OID_SIZE + 1, id, idlen);
	return DSMAP__OID_SIZE + 1 + idlen;
}

size_t dsmap__graph_edge_key(unsigned char *out, const unsigned char oid[DSMAP__OID_SIZE],
                             enum dsmap__graph_type type, const char *from, size_t fromlen,
                             const char *to, size_t tolen)
{
	size_t n = DSMAP__OID_SIZE + 1 + fromlen + 1;

	if (to == NULL)
		tolen = 0;
	if (fromlen == 0 || n + tolen > DSMAP__KEY_MAX)
		return 0;
	memcpy(out, oid, DSMAP__OID_SIZE);
	out[DSMAP__OID_SIZE] = (unsigned char)type;
	memcpy(out + DSMAP__OID_SIZE + 1, from, fromlen);
	out[n - 1] = '\0';
	if (to != NULL)
		memcpy(out + n, to, tolen);
	return n + tolen;
}

int dsmap__graph_key_decode(struct dsmap__graph_key *key, const void *data, size_t size,
                            size_t value_size)
{
	const unsigned char *p = data, *nul;
	size_t rest;

	memset(key, 0, sizeof(*key));
	if (size < DSMAP__OID_SIZE + 2)
		goto corrupt;
	key->oid = p;
	key->type = (enum dsmap__graph_type)p[DSMAP__OID_SIZE];
	key->from = (const char *)p + DSMAP__OID_SIZE + 1;
	rest = size - DSMAP__OID_SIZE - 1;
	nul = memchr(key->from, '\0', rest);
	if (dsmap__graph_type_is_node(key->type)) {
		if (nul != NULL || value_size != DSMAP__NODE_HASH_SIZE)
			goto corrupt;
		key->fromlen = rest;
		return 0;
	}
	if (!dsmap__graph_type_is_edge(key->type) || nul == NULL || value_size != 0)
		goto corrupt;
	key->fromlen = (size_t)((const char *)nul - key->from);
	key->to = (const char *)nul + 1;
	key->tolen = rest - key->fromlen - 1;
	if (key->fromlen == 0 || key->tolen == 0 || memchr(key->to, '\0', key->tolen) != NULL)
		goto corrupt;
	return 0;
corrupt:
	return dsmap_error__set(DSMAP_ECORRUPT,
	    "a graph entry (key of %zu bytes, type '%c', value of %zu bytes) is not one "
	    "this dsmap wrote", size,
	    size > DSMAP__OID_SIZE && p[DSMAP__OID_SIZE] >= 0x20 && p[DSMAP__OID_SIZE] < 0x7f ?
	    p[DSMAP__OID_SIZE] : '?', value_size);
}

#define NODE_VERSION 1

int dsmap__node_encode(unsigned char **out, size_t *size,
                       unsigned char hash[DSMAP__NODE_HASH_SIZE], const char *json, size_t len)
{
	unsigned char *v;

	if ((v = dsmap__malloc(1 + len + 1)) == NULL)
		return dsmap_error__oom();
	crypto_generichash(hash, DSMAP__NODE_HASH_SIZE, (const unsigned char *)json, len, NULL, 0);
	v[0] = NODE_VERSION;
	memcpy(v + 1, json, len);
	v[1 + len] = '\0';
	*out = v;
	*size = 1 + len + 1;
	return 0;
}

int dsmap__node_check(const char **json, const void *data, size_t size,
                      const unsigned char *hash)
{
	const unsigned char *p = data;
	unsigned char h[DSMAP__NODE_HASH_SIZE];

	*json = NULL;
	if (size < 2 || p[0] != NODE_VERSION || p[size - 1] != '\0' ||
	    memchr(p + 1, '\0', size - 2) != NULL)
		return dsmap_error__set(DSMAP_ECORRUPT,
		    "a node record of %zu bytes is not one this dsmap wrote", size);
	if (hash != NULL) {
		crypto_generichash(h, sizeof(h), p + 1, size - 2, NULL, 0);
		if (sodium_memcmp(h, hash, sizeof(h)) != 0)
			return dsmap_error__set(DSMAP_ECORRUPT,
			    "a node record does not hash to its key: its content was damaged");
	}
	*json = (const char *)p + 1;
	return 0;
}

/* ---- category numbers ------------------------------------------------------- */

void dsmap__catbit_encode(unsigned char out[DSMAP__CATBIT_SIZE], uint32_t bit)
{
	dsmap__put_be32(out, bit);
}

int dsmap__catbit_decode(uint32_t *bit, const void *data, size_t size)
{
	if (size != DSMAP__CATBIT_SIZE)
		return dsmap_error__set(DSMAP_ECORRUPT, "a category number of %zu bytes, not %d",
		                        size, DSMAP__CATBIT_SIZE);
	*bit = dsmap__get_be32(data);
	return 0;
}

/* ---- holdings --------------------------------------------------------------- */

/* Versions 2 and 4 carry the facet masks, 3 and 4 a checksum. */
#define HOLDING_MASKS(v) ((v) == 2 || (v) == 4)
#define HOLDING_SUMMED(v) ((v) >= 3)

size_t dsmap__holding_encode(unsigned char *out, const unsigned char key[DSMAP_IDENT_HASH_SIZE],
                             const struct dsmap__holding *h)
{
	unsigned char *p = out;
	size_t i;
	/* Version 1 when the masks say nothing: 8 bytes less a subject for the
	 * sources that give no subject kind or brand. */
	int masks = h->kinds != 0 || h->brands != 0;

	p[0] = masks ? DSMAP__HOLDING_VERSION : 3;
	p[1] = (unsigned char)h->kind;
	dsmap__put_be32(p + 2, h->records);
	dsmap__put_be64(p + 6, (uint64_t)h->first);
	dsmap__put_be64(p + 14, (uint64_t)h->last);
	p[22] = (unsigned char)h->id_count;
	p[23] = (unsigned char)h->loc_count;
	p[24] = (unsigned char)(h->bitmap_size >> 8);
	p[25] = (unsigned char)h->bitmap_size;
	if (masks) {
		dsmap__put_be32(p + 26, h->kinds);
		dsmap__put_be32(p + 30, h->brands);
	}
	p += masks ? DSMAP__HOLDING_FIXED : DSMAP__HOLDING_FIXED_V1;
	memcpy(p, h->bitmap, h->bitmap_size);
	p += h->bitmap_size;
	memcpy(p, h->ids, h->id_count * DSMAP__ID_SIZE);
	p += h->id_count * DSMAP__ID_SIZE;
	for (i = 0; i < h->loc_count; i++) {
		p[0] = (unsigned char)(h->loc_lens[i] >> 8);
		p[1] = (unsigned char)h->loc_lens[i];
		memcpy(p + 2, h->locs[i], h->loc_lens[i]);
		p += 2 + h->loc_lens[i];
	}
	sum_put(out, (size_t)(p - out), key, DSMAP_IDENT_HASH_SIZE);
	return (size_t)(p - out) + DSMAP__SUM_SIZE;
}

int dsmap__holding_summed(const void *data, size_t size)
{
	return size > 0 && HOLDING_SUMMED(((const unsigned char *)data)[0]);
}

int dsmap__holding_decode(struct dsmap__holding *h, const unsigned char key[DSMAP_IDENT_HASH_SIZE],
                          const void *data, size_t size)
{
	const unsigned char *p = data, *end = p + size;
	size_t i, fixed;

	memset(h, 0, sizeof(*h));
	if (size < 1 || p[0] < 1 || p[0] > DSMAP__HOLDING_VERSION)
		goto corrupt;
	if (HOLDING_SUMMED(p[0])) {
		if (size < DSMAP__SUM_SIZE)
			goto corrupt;
		if (!dsmap__sum_ok(key, DSMAP_IDENT_HASH_SIZE, data, size))
			return dsmap_error__set(DSMAP_ECORRUPT, "a holding of %zu bytes does not match "
			                        "its checksum: it was damaged", size);
		end -= DSMAP__SUM_SIZE;
	}
	fixed = HOLDING_MASKS(p[0]) ? DSMAP__HOLDING_FIXED : DSMAP__HOLDING_FIXED_V1;
	if ((size_t)(end - p) < fixed)
		goto corrupt;
	h->kind = p[1];
	h->records = dsmap__get_be32(p + 2);
	h->first = (int64_t)dsmap__get_be64(p + 6);
	h->last = (int64_t)dsmap__get_be64(p + 14);
	h->id_count = p[22];
	h->loc_count = p[23];
	h->bitmap_size = (size_t)p[24] << 8 | p[25];
	if (HOLDING_MASKS(p[0])) {
		h->kinds = dsmap__get_be32(p + 26);
		h->brands = dsmap__get_be32(p + 30);
	}
	if (h->id_count > DSMAP__HOLDING_MAX_IDS || h->loc_count > DSMAP__HOLDING_MAX_LOCS)
		goto corrupt;
	p += fixed;
	if ((size_t)(end - p) < h->bitmap_size + h->id_count * DSMAP__ID_SIZE)
		goto corrupt;
	h->bitmap = p;
	p += h->bitmap_size;
	h->ids = p;
	p += h->id_count * DSMAP__ID_SIZE;
	for (i = 0; i < h->loc_count; i++) {
		size_t n;

		if (end - p < 2)
			goto corrupt;
		n = (size_t)p[0] << 8 | p[1];
		p += 2;
		if ((size_t)(end - p) < n || n > DSMAP__HOLDING_LOC_MAX)
			goto corrupt;
		h->locs[i] = (const char *)p;
		h->loc_lens[i] = n;
		p += n;
	}
	if (p != end)
		goto corrupt;
	return 0;
corrupt:
	return dsmap_error__set(DSMAP_ECORRUPT, "a holding of %zu bytes is not one this dsmap wrote",
	                        size);
}

/* ---- record-time histograms ---------------------------------------------------- */

int32_t dsmap__hist_month_of(int64_t t)
{
	/* 0000-01-01 and 9999-12-31 23:59:59 UTC */
	const int64_t lo = INT64_C(-62167219200), hi = INT64_C(253402300799);
	time_t tt = (time_t)(t < lo ? lo : t > hi ? hi : t);
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		return t < 0 ? DSMAP__HIST_MONTH_MIN : DSMAP__HIST_MONTH_MAX;
	return (int32_t)(((int64_t)tm.tm_year + 1900 - 1970) * 12 + tm.tm_mon);
}

void dsmap__hist_key(unsigned char out[DSMAP__HIST_KEY_SIZE], uint32_t sysno, uint32_t catbit)
{
	dsmap__put_be32(out, sysno);
	dsmap__put_be32(out + 4, catbit);
}

size_t dsmap__hist_size(const struct dsmap__hist *h)
{
	if (h->month_count > DSMAP__HIST_MAX_MONTHS)
		return 0;
	return DSMAP__HIST_FIXED + h->month_count * DSMAP__HIST_MONTH + DSMAP__SUM_SIZE;
}

void dsmap__hist_encode(unsigned char *out, const unsigned char key[DSMAP__HIST_KEY_SIZE],
                        const struct dsmap__hist *h)
{
	unsigned char *p = out;
	size_t i;

	*p++ = DSMAP__HIST_VERSION;
	dsmap__put_be64(p, (uint64_t)h->oldest), p += 8;
	dsmap__put_be64(p, (uint64_t)h->newest), p += 8;
	dsmap__put_be64(p, h->undated_records), p += 8;
	dsmap__put_be64(p, h->undated_subjects), p += 8;
	dsmap__put_be32(p, (uint32_t)h->month_count), p += 4;
	for (i = 0; i < h->month_count; i++) {
		dsmap__put_be32(p, (uint32_t)h->months[i].month), p += 4;
		dsmap__put_be64(p, h->months[i].records), p += 8;
		dsmap__put_be64(p, h->months[i].subjects), p += 8;
	}
	sum_put(out, (size_t)(p - out), key, DSMAP__HIST_KEY_SIZE);
}

int dsmap__hist_decode(struct dsmap__hist *h, const unsigned char key[DSMAP__HIST_KEY_SIZE],
                       const void *data, size_t size)
{
	const unsigned char *p = data;
	size_t n, i;

	memset(h, 0, sizeof(*h));
	if (size < DSMAP__HIST_FIXED + DSMAP__SUM_SIZE || p[0] != DSMAP__HIST_VERSION)
		goto corrupt;
	n = dsmap__get_be32(p + DSMAP__HIST_FIXED - 4);
	if (n > DSMAP__HIST_MAX_MONTHS ||
	    size != DSMAP__HIST_FIXED + n * DSMAP__HIST_MONTH + DSMAP__SUM_SIZE)
		goto corrupt;
	if (!dsmap__sum_ok(key, DSMAP__HIST_KEY_SIZE, data, size))
		return dsmap_error__set(DSMAP_ECORRUPT, "a histogram of %zu bytes whose checksum "
		                        "does not match", size);
	h->oldest = (int64_t)dsmap__get_be64(p + 1);
	h->newest = (int64_t)dsmap__get_be64(p + 9);
	h->undated_records = dsmap__get_be64(p + 17);
	h->undated_subjects = dsmap__get_be64(p + 25);
	if (n > 0 && (h->months = dsmap__calloc(n, sizeof(*h->months))) == NULL)
		return dsmap_error__oom();
	p += DSMAP__HIST_FIXED;
	for (i = 0; i < n; i++, p += DSMAP__HIST_MONTH) {
		struct dsmap__hist_month *m = &h->months[i];

		m->month = (int32_t)dsmap__get_be32(p);
		m->records = dsmap__get_be64(p + 4);
		m->subjects = dsmap__get_be64(p + 12);
		if (m->month < DSMAP__HIST_MONTH_MIN || m->month > DSMAP__HIST_MONTH_MAX ||
		    (i > 0 && m->month <= h->months[i - 1].month) || m->records == 0 ||
		    m->subjects > m->records) {
			h->month_count = i;
			goto corrupt;
		}
	}
	h->month_count = n;
	return 0;
corrupt:
	return dsmap_error__set(DSMAP_ECORRUPT, "a histogram of %zu bytes is not one this dsmap "
	                        "wrote", size);
}
