/*
 * Unit tests: the inventory (inventory.c): runs spilled and merged into a
 * generation, per-subject merging, counters, and the collection of
 * generations no system is at, and the generations' handles shared by
 * the threads of a process (store.h).  The identifier index they feed is
 * tested in idindex.c.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "helpers.h"
#include "ident.h"
#include "inventory.h"
#include "store.h"

/* Holdings of schema 2 carry no checksum: any subject key reads them. */
static const unsigned char anykey[DSMAP_IDENT_HASH_SIZE];

#define ID_SIZE (1 + DSMAP_IDENT_HASH_SIZE)

struct fixture {
	char *tmp;
	dsmap_store *store;
};

static int setup(void **state)
{
	dsmap_store_options o = DSMAP_STORE_OPTIONS_INIT;
	struct fixture *f = calloc(1, sizeof(*f));
	char *dir;

	if (sodium_init() < 0)
		return -1;
	f->tmp = th_tmpdir();
	dir = th_path(f->tmp, "store");
	o.flags = DSMAP_STORE_CREATE;
	if (dsmap_store_open(&f->store, dir, &o) != 0)
		fail_msg("create store: %s", dsmap_error_last()->message);
	free(dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dsmap_store_free(f->store);
	th_rmtree(f->tmp);
	free(f);
	return 0;
}

static void hash_of(unsigned char out[ID_SIZE], int kind, unsigned long n)
{
	static const unsigned char key[32] = { 1, 2, 3 };
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%d-%lu", kind, n);

	out[0] = (unsigned char)kind;
	dsmap_ident__hash(out + 1, key, kind, buf, (size_t)len);
}

/* Ingest `n` records into one system: record i names subject i % subjects
 * by customer number, with an e-mail alias, category i % 3, subject kind
 * i % 3 and brand i % 2 (facet bits). */
static void ingest(struct fixture *f, const char *id, uint32_t sysno, unsigned long n,
                   unsigned long subjects, dsmap_store__system_summary *sum)
{
	dsmap__ingest *ing = NULL;
	unsigned long i;

	assert_int_equal(dsmap__ingest_new(&ing, f->store, 1, 8, f->tmp), 0);
	for (i = 0; i < n; i++) {
		unsigned char ids[2 * ID_SIZE];
		uint32_t cat = (uint32_t)(i % 3);
		char loc[32];
		struct dsmap__ingest_record r;

		hash_of(ids, DSMAP_ID_CUSTOMER_NUMBER, i % subjects);
		hash_of(ids + ID_SIZE, DSMAP_ID_EMAIL, i % subjects);
		r.ids = ids;
		r.id_count = 2;
		r.cats = &cat;
		r.cat_count = 1;
		r.loc_len = (size_t)snprintf(loc, sizeof(loc), "t/%lu", i);
		r.loc = loc;
		r.first = r.last = 1000 + (int64_t)i;
		r.kinds = 1u << (i % 3);
		r.brands = 1u << (i % 2);
		assert_int_equal(dsmap__ingest_add(ing, 0, &r), 0);
	}
	memset(sum, 0, sizeof(*sum));
	sum->sysno = sysno;
	assert_int_equal(dsmap__ingest_commit(ing, 0, id, sum), 0);
	dsmap__ingest_free(ing);
}

static void test_inventory__merge_and_count(void **state)
{
	struct fixture *f = *state;
	dsmap_store__system_summary sum;
	struct dsmap__holding h;
	unsigned char key[ID_SIZE];
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;

	/* 300,000 records of 100,000 subjects: several runs to merge */
	ingest(f, "crm", 1, 300000, 100000, &sum);
	assert_int_equal(sum.records, 300000);
	assert_int_equal(sum.subjects, 100000);
	assert_int_equal(sum.category_count, 3);
	assert_int_equal(sum.categories[0].records, 100000);
	/* subject s gets records s, s + 100000, s + 200000: categories s % 3,
	 * (s + 1) % 3, (s + 2) % 3, so every subject holds all three */
	assert_int_equal(sum.categories[0].subjects, 100000);
	assert_int_equal(sum.first_seen, 1000);
	assert_int_equal(sum.last_seen, 1000 + 299999);
	free(sum.categories);

	assert_int_equal(dsmap_store__read_begin(f->store, &txn), 0);
	assert_int_equal(dsmap_store__gen_dbi(f->store, txn, DSMAP__GEN_HOLDINGS, sum.gen, 0, &dbi), 0);
	hash_of(key, DSMAP_ID_CUSTOMER_NUMBER, 7);
	k.mv_size = DSMAP_IDENT_HASH_SIZE;
	k.mv_data = key + 1;
	assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
	assert_int_equal(dsmap__holding_decode(&h, k.mv_data, v.mv_data, v.mv_size), 0);
	assert_int_equal(h.kind, DSMAP_ID_CUSTOMER_NUMBER);
	assert_int_equal(h.records, 3);
	assert_int_equal(h.first, 1007);
	assert_int_equal(h.last, 1000 + 200007);
	assert_int_equal(h.id_count, 1);           /* the e-mail, once */
	assert_int_equal(h.loc_count, 3);
	assert_memory_equal(h.locs[0], "t/7", 3);  /* in arrival order */
	assert_int_equal(h.bitmap[0], 0x07);
	/* records 7, 100007, 200007: kinds 1, 2 and 0 ORed; all odd: brand 1 */
	assert_int_equal(h.kinds, 0x07);
	assert_int_equal(h.brands, 0x02);
	mdb_txn_abort(txn);
}

/* A version 1 holding (before the facet masks): 26 fixed bytes, a 1-byte
 * bitmap, one identifier, one locator. */
static size_t holding_v1(unsigned char *p)
{
	size_t n = 0;

	memset(p, 0, 26);
	p[0] = 1;
	p[1] = DSMAP_ID_EMAIL;
	p[5] = 3;                        /* records, big-endian */
	p[13] = 10;                      /* first seen */
	p[21] = 20;                      /* last seen */
	p[22] = 1;                       /* identifiers */
	p[23] = 1;                       /* locators */
	p[25] = 1;                       /* bitmap bytes */
	n = 26;
	p[n++] = 0x05;
	hash_of(p + n, DSMAP_ID_PHONE, 1);
	n += ID_SIZE;
	p[n++] = 0;
	p[n++] = 3;
	memcpy(p + n, "t/1", 3);
	return n + 3;
}

static void test_inventory__holding_v1_decoded(void **state)
{
	unsigned char v[128];
	struct dsmap__holding h;
	size_t n = holding_v1(v);

	(void)state;
	assert_int_equal(dsmap__holding_decode(&h, anykey, v, n), 0);
	assert_int_equal(h.kind, DSMAP_ID_EMAIL);
	assert_int_equal(h.records, 3);
	assert_int_equal(h.first, 10);
	assert_int_equal(h.last, 20);
	assert_int_equal(h.kinds, 0);                /* unknown */
	assert_int_equal(h.brands, 0);
	assert_int_equal(h.bitmap_size, 1);
	assert_int_equal(h.bitmap[0], 0x05);
	assert_int_equal(h.id_count, 1);
	assert_int_equal(h.ids[0], DSMAP_ID_PHONE);
	assert_int_equal(h.loc_count, 1);
	assert_memory_equal(h.locs[0], "t/1", 3);
	/* one byte short or long is not a holding */
	assert_int_equal(dsmap__holding_decode(&h, anykey, v, n - 1), DSMAP_ECORRUPT);
	assert_int_equal(dsmap__holding_decode(&h, anykey, v, n + 1), DSMAP_ECORRUPT);
	dsmap_error_clear();
}

static void test_inventory__holding_v2_decoded(void **state)
{
	unsigned char v1[128], v[136];
	struct dsmap__holding h;
	size_t n = holding_v1(v1);

	(void)state;
	/* version 2 is version 1 with the two masks after the fixed part */
	memcpy(v, v1, 26);
	v[0] = 2;
	v[26] = 0x80, v[27] = 0, v[28] = 0, v[29] = 0x04;     /* kinds */
	v[30] = 0, v[31] = 0, v[32] = 0x01, v[33] = 0x01;     /* brands */
	memcpy(v + 34, v1 + 26, n - 26);
	n += 8;
	assert_int_equal(dsmap__holding_decode(&h, anykey, v, n), 0);
	assert_int_equal(h.kinds, 0x80000004u);
	assert_int_equal(h.brands, 0x101);
	assert_int_equal(h.records, 3);
	assert_int_equal(h.bitmap[0], 0x05);
	assert_int_equal(h.ids[0], DSMAP_ID_PHONE);
	assert_memory_equal(h.locs[0], "t/1", 3);
	/* a version 1 header on a version 2 body does not decode */
	v[0] = 1;
	assert_int_equal(dsmap__holding_decode(&h, anykey, v, n), DSMAP_ECORRUPT);
	v[0] = 3;
	assert_int_equal(dsmap__holding_decode(&h, anykey, v, n), DSMAP_ECORRUPT);
	dsmap_error_clear();
}

/* A scan writes version 2: the masks survive a single-record subject too
 * (no merge), and unknown stays 0. */
static void test_inventory__holding_v2_written(void **state)
{
	struct fixture *f = *state;
	dsmap_store__system_summary sum;
	dsmap__ingest *ing = NULL;
	struct dsmap__ingest_record r;
	struct dsmap__holding h;
	unsigned char ids[2][ID_SIZE];
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;
	int i;

	assert_int_equal(dsmap__ingest_new(&ing, f->store, 1, 8, f->tmp), 0);
	for (i = 0; i < 2; i++) {
		memset(&r, 0, sizeof(r));
		hash_of(ids[i], DSMAP_ID_EMAIL, (unsigned long)i);
		r.ids = ids[i];
		r.id_count = 1;
		r.kinds = i == 0 ? 1u << 31 : 0;
		r.brands = i == 0 ? 1u << 4 : 0;
		assert_int_equal(dsmap__ingest_add(ing, 0, &r), 0);
	}
	memset(&sum, 0, sizeof(sum));
	sum.sysno = 1;
	assert_int_equal(dsmap__ingest_commit(ing, 0, "crm", &sum), 0);
	dsmap__ingest_free(ing);
	free(sum.categories);
	assert_int_equal(dsmap_store__read_begin(f->store, &txn), 0);
	assert_int_equal(dsmap_store__gen_dbi(f->store, txn, DSMAP__GEN_HOLDINGS, sum.gen, 0, &dbi), 0);
	for (i = 0; i < 2; i++) {
		k.mv_size = DSMAP_IDENT_HASH_SIZE;
		k.mv_data = ids[i] + 1;
		assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
		/* masks are written only when a source gave some: version 4, else 3 */
		assert_int_equal(((unsigned char *)v.mv_data)[0], i == 0 ? 4 : 3);
		assert_int_equal(dsmap__holding_decode(&h, k.mv_data, v.mv_data, v.mv_size), 0);
		assert_int_equal(h.kinds, i == 0 ? 1u << 31 : 0);
		assert_int_equal(h.brands, i == 0 ? 1u << 4 : 0);
	}
	mdb_txn_abort(txn);
}

/* An e-mail shared by 20 subjects, another by 9 (past 8: conflicts), one
 * by 8 (not); a scan counts them by kind; a clean rescan forgets them. */
static void test_inventory__identity_conflicts_counted(void **state)
{
	struct fixture *f = *state;
	dsmap_store__system_summary sum;
	dsmap__ingest *ing = NULL;
	unsigned long i;
	MDB_txn *txn;
	char buf[128];
	int pass;

	for (pass = 0; pass < 2; pass++) {
		assert_int_equal(dsmap__ingest_new(&ing, f->store, 1, 8, f->tmp), 0);
		for (i = 0; i < 37; i++) {
			unsigned char ids[2 * ID_SIZE];
			struct dsmap__ingest_record r;

			memset(&r, 0, sizeof(r));
			hash_of(ids, DSMAP_ID_CUSTOMER_NUMBER, i);
			/* subjects 0-19 share e-mail 1000, 20-28 e-mail 1001, 29-36 e-mail 1002 */
			hash_of(ids + ID_SIZE, DSMAP_ID_EMAIL,
			        pass ? i : i < 20 ? 1000 : i < 29 ? 1001 : 1002);
			r.ids = ids;
			r.id_count = 2;
			assert_int_equal(dsmap__ingest_add(ing, 0, &r), 0);
		}
		memset(&sum, 0, sizeof(sum));
		sum.sysno = 1;
		assert_int_equal(dsmap__ingest_commit(ing, 0, "crm", &sum), 0);
		dsmap__ingest_free(ing);
		free(sum.categories);
		assert_int_equal(dsmap_store__read_begin(f->store, &txn), 0);
		if (pass == 0) {
			assert_int_equal(dsmap_store__meta_get(f->store, txn, "conflicts:crm", buf,
			                                       sizeof(buf)), 0);
			assert_string_equal(buf, "email 2 20");
		} else {
			assert_int_equal(dsmap_store__meta_get(f->store, txn, "conflicts:crm", buf,
			                                       sizeof(buf)), DSMAP_ENOTFOUND);
			dsmap_error_clear();
		}
		mdb_txn_abort(txn);
	}
}

static int count_gens(enum dsmap__gen_type type, uint32_t gen, void *payload)
{
	(void)type;
	(void)gen;
	(*(int *)payload)++;
	return 0;
}

static void test_inventory__collect(void **state)
{
	struct fixture *f = *state;
	dsmap_store__system_summary sum, older;
	MDB_txn *txn;
	int n = 0;

	ingest(f, "crm", 1, 1000, 1000, &older);
	free(older.categories);
	ingest(f, "crm", 1, 500, 500, &sum);
	free(sum.categories);
	assert_true(sum.gen > older.gen);
	/* both generations exist until collected: 2 databases each */
	assert_int_equal(dsmap_store__read_begin(f->store, &txn), 0);
	assert_int_equal(dsmap_store__gens_each(f->store, txn, count_gens, &n), 0);
	mdb_txn_abort(txn);
	assert_int_equal(n, 4);

	assert_int_equal(dsmap__inventory_collect(f->store), 0);
	n = 0;
	assert_int_equal(dsmap_store__read_begin(f->store, &txn), 0);
	assert_int_equal(dsmap_store__gens_each(f->store, txn, count_gens, &n), 0);
	assert_int_equal(n, 2);
	mdb_txn_abort(txn);
}

/* The entries of generation database `dbi`, in a transaction begun now;
 * -1 when the handle is not valid in it. */
static long entries(struct fixture *f, MDB_dbi dbi)
{
	MDB_txn *txn;
	MDB_stat st;
	int rc;

	assert_int_equal(dsmap_store__read_begin(f->store, &txn), 0);
	rc = mdb_stat(txn, dbi, &st);
	mdb_txn_abort(txn);
	return rc == 0 ? (long)st.ms_entries : -1;
}

static void test_inventory__held_handles(void **state)
{
	struct fixture *f = *state;
	dsmap_store__system_summary one, two;
	MDB_dbi h, h2, a, again, fresh;
	uint64_t e, e2, ea;
	MDB_txn *before;
	MDB_stat st;

	ingest(f, "crm", 1, 300, 100, &one);
	free(one.categories);

	/* held and released: closed (the write that made it had opened it) */
	assert_int_equal(dsmap_store__gen_dbi_hold(f->store, DSMAP__GEN_HOLDINGS, one.gen, &h, &e), 0);
	assert_true(e >= 1);
	assert_true(dsmap_store__held_epoch(f->store) >= e);
	assert_int_equal(entries(f, h), 100);
	dsmap_store__gen_dbi_release(f->store, DSMAP__GEN_HOLDINGS, one.gen);
	assert_int_equal(entries(f, h), -1);

	/* A transaction begun before a handle is opened cannot use it: the
	 * reason a locator checks the epochs of what it holds. */
	assert_int_equal(dsmap_store__read_begin(f->store, &before), 0);
	assert_int_equal(dsmap_store__gen_dbi_hold(f->store, DSMAP__GEN_HOLDINGS, one.gen, &h, &e2), 0);
	assert_true(e2 > e);
	e = e2;
	assert_int_not_equal(mdb_stat(before, h, &st), 0);
	mdb_txn_abort(before);
	/* one that begins after uses it: 100 subjects */
	assert_int_equal(entries(f, h), 100);

	/* held twice: the same handle, opened once */
	assert_int_equal(dsmap_store__gen_dbi_hold(f->store, DSMAP__GEN_HOLDINGS, one.gen, &again, &e2), 0);
	assert_int_equal(again, h);
	assert_int_equal(e2, e);
	assert_int_equal(dsmap_store__gen_dbi_hold(f->store, DSMAP__GEN_ALIASES, one.gen, &a, &ea), 0);
	assert_int_not_equal(a, h);
	assert_true(ea > e);

	/* a generation that has no such database */
	assert_int_equal(dsmap_store__gen_dbi_hold(f->store, DSMAP__GEN_HOLDINGS, one.gen + 100,
	                                           &fresh, &e2), DSMAP_ENOTFOUND);
	dsmap_error_clear();

	/* the last release closes it; until then it stays */
	dsmap_store__gen_dbi_release(f->store, DSMAP__GEN_HOLDINGS, one.gen);
	assert_int_equal(entries(f, h), 100);
	dsmap_store__gen_dbi_release(f->store, DSMAP__GEN_HOLDINGS, one.gen);
	assert_int_equal(entries(f, h), -1);

	/* A scan's collection drops a generation that is held: the handle is
	 * LMDB's no more, and its number may name another database; the
	 * release of the old hold must not close that one. */
	ingest(f, "crm", 1, 50, 50, &two);
	free(two.categories);
	assert_int_equal(dsmap__inventory_collect(f->store), 0);
	assert_int_equal(dsmap_store__gen_dbi_hold(f->store, DSMAP__GEN_HOLDINGS, two.gen, &h2, &e2), 0);
	assert_int_equal(entries(f, h2), 50);
	dsmap_store__gen_dbi_release(f->store, DSMAP__GEN_ALIASES, one.gen);
	assert_int_equal(entries(f, h2), 50);
	/* and the dropped generation is not found again */
	assert_int_equal(dsmap_store__gen_dbi_hold(f->store, DSMAP__GEN_ALIASES, one.gen, &fresh, &e2),
	                 DSMAP_ENOTFOUND);
	dsmap_error_clear();
	dsmap_store__gen_dbi_release(f->store, DSMAP__GEN_HOLDINGS, two.gen);
	assert_int_equal(entries(f, h2), -1);
}

struct holder {
	struct fixture *f;
	uint32_t gen;
	long bad;
};

static void *hold_loop(void *arg)
{
	struct holder *t = arg;
	int i;

	for (i = 0; i < 2000; i++) {
		MDB_dbi h, a;
		uint64_t eh, ea;
		MDB_txn *txn;
		MDB_stat st;

		if (dsmap_store__gen_dbi_hold(t->f->store, DSMAP__GEN_HOLDINGS, t->gen, &h, &eh) != 0 ||
		    dsmap_store__gen_dbi_hold(t->f->store, DSMAP__GEN_ALIASES, t->gen, &a, &ea) != 0) {
			t->bad++;
			break;
		}
		if (dsmap_store__read_begin(t->f->store, &txn) != 0) {
			t->bad++;
		} else {
			if (mdb_stat(txn, h, &st) != 0 || st.ms_entries != 40 ||
			    mdb_stat(txn, a, &st) != 0 || st.ms_entries == 0)
				t->bad++;
			mdb_txn_abort(txn);
		}
		dsmap_store__gen_dbi_release(t->f->store, DSMAP__GEN_ALIASES, t->gen);
		dsmap_store__gen_dbi_release(t->f->store, DSMAP__GEN_HOLDINGS, t->gen);
	}
	return NULL;
}

/* Threads holding, using and releasing the same handles at once (the
 * server's locators): every use finds the database whole. */
static void test_inventory__held_handles_threads(void **state)
{
	struct fixture *f = *state;
	dsmap_store__system_summary sum;
	struct holder t[4];
	pthread_t th[4];
	int i;

	ingest(f, "crm", 1, 120, 40, &sum);
	free(sum.categories);
	for (i = 0; i < 4; i++) {
		t[i].f = f;
		t[i].gen = sum.gen;
		t[i].bad = 0;
		assert_int_equal(pthread_create(&th[i], NULL, hold_loop, &t[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(t[i].bad, 0);
	}
}

static void test_inventory__holding_decode_refuses_garbage(void **state)
{
	static const unsigned char junk[40] = { 9, 1, 2, 3 };
	struct dsmap__holding h;

	(void)state;
	assert_int_equal(dsmap__holding_decode(&h, anykey, junk, sizeof(junk)), DSMAP_ECORRUPT);
	assert_int_equal(dsmap__holding_decode(&h, anykey, junk, 3), DSMAP_ECORRUPT);
	assert_true(th_error_contains("not one this dsmap wrote"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inventory__merge_and_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inventory__collect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inventory__held_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inventory__held_handles_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inventory__identity_conflicts_counted, setup,
		                                teardown),
		cmocka_unit_test(test_inventory__holding_decode_refuses_garbage),
		cmocka_unit_test(test_inventory__holding_v1_decoded),
		cmocka_unit_test(test_inventory__holding_v2_decoded),
		cmocka_unit_test_setup_teardown(test_inventory__holding_v2_written, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
