/*
 * The inventory: holdings written by scans in sorted batches (see
 * inventory.h for the layout).
 *
 * Records arrive from several runners at once, in no useful order.  They
 * are queued, and a full queue is sorted by key and written in one
 * transaction: records of one subject are merged before they touch the
 * store, and sorted keys keep the B-tree's pages hot.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "errors.h"
#include "inventory.h"

#define HOLDING_VERSION 1
#define HOLDING_FIXED 26
#define ID_SIZE (1 + DSMAP_IDENT_HASH_SIZE)
#define BATCH_RECORDS 65536
#define BATCH_BYTES (24u << 20)
#define COLLECT_PER_TXN 100000

void dsmap__holding_key(unsigned char key[DSMAP__HOLDING_KEY], uint32_t sysno, uint32_t gen,
                        const unsigned char hash[DSMAP_IDENT_HASH_SIZE])
{
	dsmap__put_be32(key, sysno);
	dsmap__put_be32(key + 4, gen);
	memcpy(key + 8, hash, DSMAP_IDENT_HASH_SIZE);
}

int dsmap__holding_decode(struct dsmap__holding *h, const void *data, size_t size)
{
	const unsigned char *p = data, *end = p + size;
	size_t i;

	memset(h, 0, sizeof(*h));
	if (size < HOLDING_FIXED || p[0] != HOLDING_VERSION)
		goto corrupt;
	h->kind = p[1];
	h->records = dsmap__get_be32(p + 2);
	h->first = (int64_t)dsmap__get_be64(p + 6);
	h->last = (int64_t)dsmap__get_be64(p + 14);
	h->id_count = p[22];
	h->loc_count = p[23];
	h->bitmap_size = (size_t)p[24] << 8 | p[25];
	if (h->id_count > DSMAP__HOLDING_MAX_IDS || h->loc_count > DSMAP__HOLDING_MAX_LOCS)
		goto corrupt;
	p += HOLDING_FIXED;
	if ((size_t)(end - p) < h->bitmap_size + h->id_count * ID_SIZE)
		goto corrupt;
	h->bitmap = p;
	p += h->bitmap_size;
	h->ids = p;
	p += h->id_count * ID_SIZE;
	for (i = 0; i < h->loc_count; i++) {
		size_t n;

		if (end - p < 2)
			goto corrupt;
		n = (size_t)p[0] << 8 | p[1];
		p += 2;
		if ((size_t)(end - p) < n)
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

/* ---- the ingest ----------------------------------------------------------------- */

struct queued {
	unsigned char key[DSMAP__HOLDING_KEY];
	uint32_t slot;
	uint32_t seq;                /* arrival order, to keep merges stable */
	struct dsmap__ingest_record r;
};

struct alias {
	unsigned char key[DSMAP__HOLDING_KEY];
	unsigned char subject[DSMAP_IDENT_HASH_SIZE];
	uint32_t slot;
};

struct slot {
	uint32_t sysno, gen;
	int dropped;
	struct dsmap__ingest_counts counts;
	/* what the transaction being written adds, folded in on commit */
	uint64_t d_records, d_subjects;
	int64_t d_first, d_last;
	uint64_t *d_cat_subjects, *d_cat_records;
};

/* A holding being merged. */
struct work {
	int kind;
	uint32_t records;
	int64_t first, last;
	size_t bitmap_size;
	unsigned char *bitmap;         /* catbit_count / 8 + 1 bytes */
	size_t id_count;
	unsigned char ids[DSMAP__HOLDING_MAX_IDS][ID_SIZE];
	size_t loc_count;
	char locs[DSMAP__HOLDING_MAX_LOCS][512];
	size_t loc_lens[DSMAP__HOLDING_MAX_LOCS];
};

struct dsmap__ingest {
	dsmap_store *store;
	size_t nslots;
	struct slot *slots;
	size_t catbit_count;
	dsmap__arena arena;            /* the queued records' bytes */
	size_t arena_bytes;
	struct queued *q;
	size_t nq, capq;
	struct alias *a;
	size_t na, capa;
	uint32_t seq;
	struct work w;
	unsigned char *val;            /* an encoded holding */
	size_t val_cap;
	/* for the transaction function */
	ptrdiff_t commit_slot;         /* -1 when only writing the queue */
	const char *commit_id;
	dsmap_store__system_summary *commit_summary;
};

int dsmap__ingest_new(dsmap__ingest **out, dsmap_store *store, size_t nslots, size_t catbit_count)
{
	dsmap__ingest *ing;
	size_t i;

	*out = NULL;
	if ((ing = calloc(1, sizeof(*ing))) == NULL)
		return dsmap_error__oom();
	ing->store = store;
	ing->nslots = nslots;
	ing->catbit_count = catbit_count;
	ing->capq = BATCH_RECORDS;
	ing->capa = BATCH_RECORDS;
	ing->val_cap = HOLDING_FIXED + catbit_count / 8 + 1 + sizeof(ing->w.ids) +
	               DSMAP__HOLDING_MAX_LOCS * (2 + 512);
	if ((ing->slots = calloc(nslots ? nslots : 1, sizeof(*ing->slots))) == NULL ||
	    (ing->q = malloc(ing->capq * sizeof(*ing->q))) == NULL ||
	    (ing->a = malloc(ing->capa * sizeof(*ing->a))) == NULL ||
	    (ing->w.bitmap = calloc(catbit_count / 8 + 1, 1)) == NULL ||
	    (ing->val = malloc(ing->val_cap)) == NULL)
		goto oom;
	for (i = 0; i < nslots; i++) {
		struct slot *s = &ing->slots[i];

		s->counts.catbit_count = catbit_count;
		if ((s->counts.cat_subjects = calloc(catbit_count + 1, sizeof(uint64_t))) == NULL ||
		    (s->counts.cat_records = calloc(catbit_count + 1, sizeof(uint64_t))) == NULL ||
		    (s->d_cat_subjects = calloc(catbit_count + 1, sizeof(uint64_t))) == NULL ||
		    (s->d_cat_records = calloc(catbit_count + 1, sizeof(uint64_t))) == NULL)
			goto oom;
	}
	*out = ing;
	return 0;
oom:
	dsmap__ingest_free(ing);
	return dsmap_error__oom();
}

void dsmap__ingest_free(dsmap__ingest *ing)
{
	size_t i;

	if (ing == NULL)
		return;
	for (i = 0; ing->slots && i < ing->nslots; i++) {
		free(ing->slots[i].counts.cat_subjects);
		free(ing->slots[i].counts.cat_records);
		free(ing->slots[i].d_cat_subjects);
		free(ing->slots[i].d_cat_records);
	}
	free(ing->slots);
	free(ing->q);
	free(ing->a);
	free(ing->w.bitmap);
	free(ing->val);
	dsmap__arena_free(&ing->arena);
	free(ing);
}

void dsmap__ingest_target(dsmap__ingest *ing, size_t slot, uint32_t sysno, uint32_t gen)
{
	ing->slots[slot].sysno = sysno;
	ing->slots[slot].gen = gen;
}

const struct dsmap__ingest_counts *dsmap__ingest_counts(const dsmap__ingest *ing, size_t slot)
{
	return &ing->slots[slot].counts;
}

void dsmap__ingest_drop(dsmap__ingest *ing, size_t slot)
{
	ing->slots[slot].dropped = 1;
}

static int flush(dsmap__ingest *ing);

int dsmap__ingest_add(dsmap__ingest *ing, size_t slot, const struct dsmap__ingest_record *rec)
{
	struct slot *s = &ing->slots[slot];
	struct queued *q;
	unsigned char *mem;
	size_t bytes, i;
	int rc;

	if (s->dropped)
		return 0;
	if (ing->nq == ing->capq || ing->na + rec->id_count > ing->capa ||
	    ing->arena_bytes > BATCH_BYTES)
		if ((rc = flush(ing)) < 0)
			return rc;
	bytes = rec->id_count * ID_SIZE + rec->cat_count * sizeof(uint32_t) + rec->loc_len;
	if ((mem = dsmap__arena_alloc(&ing->arena, bytes ? bytes : 1)) == NULL)
		return dsmap_error__oom();
	ing->arena_bytes += bytes;
	q = &ing->q[ing->nq++];
	q->slot = (uint32_t)slot;
	q->seq = ing->seq++;
	q->r = *rec;
	memcpy(mem, rec->cats, rec->cat_count * sizeof(uint32_t));
	q->r.cats = (const uint32_t *)mem;
	mem += rec->cat_count * sizeof(uint32_t);
	memcpy(mem, rec->ids, rec->id_count * ID_SIZE);
	q->r.ids = mem;
	mem += rec->id_count * ID_SIZE;
	memcpy(mem, rec->loc, rec->loc_len);
	q->r.loc = (const char *)mem;
	dsmap__holding_key(q->key, s->sysno, s->gen, rec->ids + 1);
	/* The record's other identifiers lead to its subject. */
	for (i = 1; i < rec->id_count; i++) {
		struct alias *a = &ing->a[ing->na++];

		dsmap__holding_key(a->key, s->sysno, s->gen, rec->ids + i * ID_SIZE + 1);
		memcpy(a->subject, rec->ids + 1, DSMAP_IDENT_HASH_SIZE);
		a->slot = (uint32_t)slot;
	}
	return 0;
}

static int by_key(const void *a, const void *b)
{
	const struct queued *x = a, *y = b;
	int c = memcmp(x->key, y->key, DSMAP__HOLDING_KEY);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int by_alias(const void *a, const void *b)
{
	const struct alias *x = a, *y = b;
	int c = memcmp(x->key, y->key, DSMAP__HOLDING_KEY);

	return c != 0 ? c : memcmp(x->subject, y->subject, DSMAP_IDENT_HASH_SIZE);
}

static void work_load(dsmap__ingest *ing, const struct dsmap__holding *h)
{
	struct work *w = &ing->w;
	size_t i, n;

	w->kind = h->kind;
	w->records = h->records;
	w->first = h->first;
	w->last = h->last;
	memset(w->bitmap, 0, ing->catbit_count / 8 + 1);
	n = h->bitmap_size < ing->catbit_count / 8 + 1 ? h->bitmap_size : ing->catbit_count / 8 + 1;
	memcpy(w->bitmap, h->bitmap, n);
	w->bitmap_size = n;
	w->id_count = h->id_count;
	memcpy(w->ids, h->ids, h->id_count * ID_SIZE);
	w->loc_count = h->loc_count;
	for (i = 0; i < h->loc_count; i++) {
		w->loc_lens[i] = h->loc_lens[i] < sizeof(w->locs[i]) ? h->loc_lens[i] : sizeof(w->locs[i]);
		memcpy(w->locs[i], h->locs[i], w->loc_lens[i]);
	}
}

static void work_merge(dsmap__ingest *ing, struct slot *s, const struct dsmap__ingest_record *r)
{
	struct work *w = &ing->w;
	size_t i, j;

	w->records++;
	s->d_records++;
	if (r->first > 0 && (w->first == 0 || r->first < w->first))
		w->first = r->first;
	if (r->last > w->last)
		w->last = r->last;
	if (r->first > 0 && (s->d_first == 0 || r->first < s->d_first))
		s->d_first = r->first;
	if (r->last > s->d_last)
		s->d_last = r->last;
	for (i = 0; i < r->cat_count; i++) {
		uint32_t bit = r->cats[i];
		unsigned char m = (unsigned char)(1u << (bit & 7));

		s->d_cat_records[bit]++;
		if (!(w->bitmap[bit >> 3] & m)) {
			w->bitmap[bit >> 3] |= m;
			s->d_cat_subjects[bit]++;
			if ((bit >> 3) + 1 > w->bitmap_size)
				w->bitmap_size = (bit >> 3) + 1;
		}
	}
	for (i = 1; i < r->id_count && w->id_count < DSMAP__HOLDING_MAX_IDS; i++) {
		const unsigned char *id = r->ids + i * ID_SIZE;

		for (j = 0; j < w->id_count && memcmp(w->ids[j], id, ID_SIZE) != 0; j++)
			;
		if (j == w->id_count)
			memcpy(w->ids[w->id_count++], id, ID_SIZE);
	}
	if (r->loc_len > 0 && w->loc_count < DSMAP__HOLDING_MAX_LOCS) {
		size_t n = r->loc_len < sizeof(w->locs[0]) ? r->loc_len : sizeof(w->locs[0]);

		for (j = 0; j < w->loc_count; j++)
			if (w->loc_lens[j] == n && memcmp(w->locs[j], r->loc, n) == 0)
				break;
		if (j == w->loc_count) {
			memcpy(w->locs[j], r->loc, n);
			w->loc_lens[j] = n;
			w->loc_count++;
		}
	}
}

static size_t work_encode(dsmap__ingest *ing)
{
	struct work *w = &ing->w;
	unsigned char *p = ing->val;
	size_t i;

	p[0] = HOLDING_VERSION;
	p[1] = (unsigned char)w->kind;
	dsmap__put_be32(p + 2, w->records);
	dsmap__put_be64(p + 6, (uint64_t)w->first);
	dsmap__put_be64(p + 14, (uint64_t)w->last);
	p[22] = (unsigned char)w->id_count;
	p[23] = (unsigned char)w->loc_count;
	p[24] = (unsigned char)(w->bitmap_size >> 8);
	p[25] = (unsigned char)w->bitmap_size;
	p += HOLDING_FIXED;
	memcpy(p, w->bitmap, w->bitmap_size);
	p += w->bitmap_size;
	memcpy(p, w->ids, w->id_count * ID_SIZE);
	p += w->id_count * ID_SIZE;
	for (i = 0; i < w->loc_count; i++) {
		p[0] = (unsigned char)(w->loc_lens[i] >> 8);
		p[1] = (unsigned char)w->loc_lens[i];
		memcpy(p + 2, w->locs[i], w->loc_lens[i]);
		p += 2 + w->loc_lens[i];
	}
	return (size_t)(p - ing->val);
}

/* Write the queue; with commit_slot set, also that system's record. */
static int write_txn(dsmap_store *store, MDB_txn *txn, void *payload)
{
	dsmap__ingest *ing = payload;
	MDB_dbi hold = store->dbi[DSMAP__DB_HOLDINGS], alias = store->dbi[DSMAP__DB_ALIASES];
	size_t i = 0, j, k;
	int rc;

	/* A replay after the map grew starts from scratch. */
	for (k = 0; k < ing->nslots; k++) {
		struct slot *s = &ing->slots[k];

		s->d_records = s->d_subjects = 0;
		s->d_first = s->d_last = 0;
		memset(s->d_cat_subjects, 0, (ing->catbit_count + 1) * sizeof(uint64_t));
		memset(s->d_cat_records, 0, (ing->catbit_count + 1) * sizeof(uint64_t));
	}
	while (i < ing->nq) {
		struct queued *q = &ing->q[i];
		struct slot *s = &ing->slots[q->slot];
		MDB_val key = { DSMAP__HOLDING_KEY, q->key }, val;

		for (j = i + 1; j < ing->nq && memcmp(ing->q[j].key, q->key, DSMAP__HOLDING_KEY) == 0; j++)
			;
		if (s->dropped) {
			i = j;
			continue;
		}
		rc = mdb_get(txn, hold, &key, &val);
		if (rc == 0) {
			struct dsmap__holding h;

			if ((rc = dsmap__holding_decode(&h, val.mv_data, val.mv_size)) < 0)
				return rc;
			work_load(ing, &h);
		} else if (rc == MDB_NOTFOUND) {
			memset(ing->w.bitmap, 0, ing->catbit_count / 8 + 1);
			ing->w.kind = q->r.ids[0];
			ing->w.records = 0;
			ing->w.first = ing->w.last = 0;
			ing->w.bitmap_size = 0;
			ing->w.id_count = 0;
			ing->w.loc_count = 0;
			s->d_subjects++;
		} else {
			return rc;
		}
		for (k = i; k < j; k++)
			work_merge(ing, s, &ing->q[k].r);
		val.mv_size = work_encode(ing);
		val.mv_data = ing->val;
		if ((rc = mdb_put(txn, hold, &key, &val, 0)) != 0)
			return rc;
		i = j;
	}
	for (i = 0; i < ing->na; i++) {
		struct alias *a = &ing->a[i];
		MDB_val key = { DSMAP__HOLDING_KEY, a->key };
		MDB_val val = { DSMAP_IDENT_HASH_SIZE, a->subject };

		if (ing->slots[a->slot].dropped)
			continue;
		if (i > 0 && by_alias(a, a - 1) == 0)
			continue;
		rc = mdb_put(txn, alias, &key, &val, MDB_NODUPDATA);
		if (rc != 0 && rc != MDB_KEYEXIST)
			return rc;
	}
	if (ing->commit_slot >= 0) {
		struct slot *s = &ing->slots[ing->commit_slot];
		dsmap_store__system_summary *sum = ing->commit_summary;
		size_t n = 0, c;

		free(sum->categories);
		sum->categories = NULL;
		sum->category_count = 0;
		for (c = 0; c < ing->catbit_count; c++)
			n += s->counts.cat_subjects[c] + s->d_cat_subjects[c] > 0;
		if (n > 0 && (sum->categories = calloc(n, sizeof(*sum->categories))) == NULL)
			return dsmap_error__oom();
		for (c = 0; c < ing->catbit_count; c++) {
			uint64_t subjects = s->counts.cat_subjects[c] + s->d_cat_subjects[c];

			if (subjects == 0)
				continue;
			sum->categories[sum->category_count].catbit = (uint32_t)c;
			sum->categories[sum->category_count].subjects = subjects;
			sum->categories[sum->category_count].records =
				s->counts.cat_records[c] + s->d_cat_records[c];
			sum->category_count++;
		}
		sum->sysno = s->sysno;
		sum->gen = s->gen;
		sum->records = s->counts.records + s->d_records;
		sum->subjects = s->counts.subjects + s->d_subjects;
		sum->first_seen = s->counts.first;
		if (s->d_first > 0 && (sum->first_seen == 0 || s->d_first < sum->first_seen))
			sum->first_seen = s->d_first;
		sum->last_seen = s->counts.last > s->d_last ? s->counts.last : s->d_last;
		if ((rc = dsmap_store__system_put(store, txn, ing->commit_id, sum)) != 0)
			return rc;
	}
	return 0;
}

/* Fold the written transaction's counts into the slots, and empty the queue. */
static void written(dsmap__ingest *ing)
{
	size_t k, c;

	for (k = 0; k < ing->nslots; k++) {
		struct slot *s = &ing->slots[k];

		s->counts.records += s->d_records;
		s->counts.subjects += s->d_subjects;
		if (s->d_first > 0 && (s->counts.first == 0 || s->d_first < s->counts.first))
			s->counts.first = s->d_first;
		if (s->d_last > s->counts.last)
			s->counts.last = s->d_last;
		for (c = 0; c < ing->catbit_count; c++) {
			s->counts.cat_subjects[c] += s->d_cat_subjects[c];
			s->counts.cat_records[c] += s->d_cat_records[c];
		}
	}
	ing->nq = 0;
	ing->na = 0;
	dsmap__arena_free(&ing->arena);
	ing->arena_bytes = 0;
}

static int write_queue(dsmap__ingest *ing, ptrdiff_t slot, const char *id,
                       dsmap_store__system_summary *sum)
{
	int rc;

	if (ing->nq > 1)
		qsort(ing->q, ing->nq, sizeof(*ing->q), by_key);
	if (ing->na > 1)
		qsort(ing->a, ing->na, sizeof(*ing->a), by_alias);
	ing->commit_slot = slot;
	ing->commit_id = id;
	ing->commit_summary = sum;
	rc = dsmap_store__write(ing->store, write_txn, ing, "write holdings");
	if (rc < 0)
		return rc;
	written(ing);
	return 0;
}

static int flush(dsmap__ingest *ing)
{
	return write_queue(ing, -1, NULL, NULL);
}

int dsmap__ingest_commit(dsmap__ingest *ing, size_t slot, const char *system_id,
                         dsmap_store__system_summary *summary)
{
	return write_queue(ing, (ptrdiff_t)slot, system_id, summary);
}

/* ---- collecting old generations ------------------------------------------------ */

struct collect {
	uint32_t sysno, keep;
	int more;
};

static int collect_db(MDB_txn *txn, MDB_dbi dbi, struct collect *c, size_t *budget)
{
	unsigned char start[8];
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		return rc;
	dsmap__put_be32(start, c->sysno);
	dsmap__put_be32(start + 4, 0);
	k.mv_size = sizeof(start);
	k.mv_data = start;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0) {
		const unsigned char *p = k.mv_data;
		uint32_t gen;

		if (k.mv_size < 8 || dsmap__get_be32(p) != c->sysno)
			break;
		gen = dsmap__get_be32(p + 4);
		if (gen == c->keep) {
			/* skip the generation kept: jump to the next one */
			if (c->keep == UINT32_MAX)
				break;
			dsmap__put_be32(start + 4, c->keep + 1);
			k.mv_size = sizeof(start);
			k.mv_data = start;
			rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
			continue;
		}
		if (*budget == 0) {
			c->more = 1;
			break;
		}
		if ((rc = mdb_cursor_del(cur, MDB_NODUPDATA)) != 0)
			break;
		(*budget)--;
		/* After a delete, LMDB's next is the item that followed the deleted one. */
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int collect_txn(dsmap_store *store, MDB_txn *txn, void *payload)
{
	struct collect *c = payload;
	size_t budget = COLLECT_PER_TXN;
	int rc;

	c->more = 0;
	if ((rc = collect_db(txn, store->dbi[DSMAP__DB_HOLDINGS], c, &budget)) != 0)
		return rc;
	return collect_db(txn, store->dbi[DSMAP__DB_ALIASES], c, &budget);
}

int dsmap__inventory_collect(dsmap_store *store, uint32_t sysno, uint32_t keep)
{
	struct collect c = { sysno, keep, 1 };
	int rc;

	while (c.more)
		if ((rc = dsmap_store__write(store, collect_txn, &c, "collect old holdings")) < 0)
			return rc;
	return 0;
}
