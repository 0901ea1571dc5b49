/*
 * Unit tests: the store-wide identifier index (idindex.c): it follows each
 * system's generation switches and retirements in the same transaction,
 * an older store is upgraded to it in one transaction, and verification
 * finds an entry missing or left over, which a rebuild mends.
 */
#include "config.h"

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
#include "idindex.h"
#include "inventory.h"
#include "store.h"

#define ID_SIZE (1 + DSMAP_IDENT_HASH_SIZE)

struct fixture {
	char *tmp;
	char *dir;
	dsmap_store *store;
};

static void open_store(struct fixture *f)
{
	dsmap_store_options o = DSMAP_STORE_OPTIONS_INIT;

	o.flags = DSMAP_STORE_CREATE;
	if (dsmap_store_open(&f->store, f->dir, &o) != 0)
		fail_msg("open store: %s", dsmap_error_last()->message);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (sodium_init() < 0)
		return -1;
	f->tmp = th_tmpdir();
	f->dir = th_path(f->tmp, "store");
	open_store(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dsmap_store_free(f->store);
	th_rmtree(f->tmp);
	free(f->dir);
	free(f);
	return 0;
}

static void hash_of(unsigned char out[ID_SIZE], int kind, unsigned long n)
{
	static const unsigned char key[32] = { 4, 5, 6 };
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%d-%lu", kind, n);

	out[0] = (unsigned char)kind;
	dsmap_ident__hash(out + 1, key, kind, buf, (size_t)len);
}

/* Scan system `id` (number `sysno`): subjects `from` to `to` - 1, each
 * named by its customer number, with its e-mail as an alias. */
static void scan(struct fixture *f, const char *id, uint32_t sysno, unsigned long from,
                 unsigned long to, dsmap_store__system_summary *sum)
{
	dsmap__ingest *ing = NULL;
	unsigned long i;

	assert_int_equal(dsmap__ingest_new(&ing, f->store, 1, 8, f->tmp), 0);
	for (i = from; i < to; i++) {
		unsigned char ids[2 * ID_SIZE];
		uint32_t cat = 1;
		struct dsmap__ingest_record r;

		memset(&r, 0, sizeof(r));
		hash_of(ids, DSMAP_ID_CUSTOMER_NUMBER, i);
		hash_of(ids + ID_SIZE, DSMAP_ID_EMAIL, i);
		r.ids = ids;
		r.id_count = 2;
		r.cats = &cat;
		r.cat_count = 1;
		assert_int_equal(dsmap__ingest_add(ing, 0, &r), 0);
	}
	memset(sum, 0, sizeof(*sum));
	sum->sysno = sysno;
	assert_int_equal(dsmap__ingest_commit(ing, 0, id, sum), 0);
	dsmap__ingest_free(ing);
	free(sum->categories);
	sum->categories = NULL;
	sum->category_count = 0;
}

/* The index's values for identifier `n` of `kind`, in order; the count. */
static size_t values(struct fixture *f, int kind, unsigned long n, uint32_t *out, size_t max)
{
	unsigned char h[ID_SIZE];
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	size_t count = 0;
	int rc;

	hash_of(h, kind, n);
	k.mv_size = DSMAP_IDENT_HASH_SIZE;
	k.mv_data = h + 1;
	assert_int_equal(dsmap_store__read_begin(f->store, &txn), 0);
	assert_int_equal(mdb_cursor_open(txn, f->store->dbi[DSMAP__DB_IDINDEX], &cur), 0);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	while (rc == 0) {
		assert_int_equal(v.mv_size, 4);
		if (count < max)
			out[count] = dsmap__get_be32(v.mv_data);
		count++;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP);
	}
	assert_int_equal(rc, MDB_NOTFOUND);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return count;
}

static uint64_t verified(struct fixture *f)
{
	MDB_txn *txn;
	uint64_t n = 0;

	assert_int_equal(dsmap_store__read_begin(f->store, &txn), 0);
	if (dsmap__idindex_verify(f->store, txn, &n) != 0)
		fail_msg("verify: %s", dsmap_error_last()->message);
	mdb_txn_abort(txn);
	return n;
}

static void test_idindex__follows_switches(void **state)
{
	struct fixture *f = *state;
	dsmap_store__system_summary crm, billing;
	uint32_t v[4];

	scan(f, "crm", 1, 0, 1000, &crm);
	/* a subject's own identifier, and its alias */
	assert_int_equal(values(f, DSMAP_ID_CUSTOMER_NUMBER, 7, v, 4), 1);
	assert_int_equal(v[0], dsmap__idx_value(1, DSMAP__IDX_SUBJECT));
	assert_int_equal(values(f, DSMAP_ID_EMAIL, 7, v, 4), 1);
	assert_int_equal(v[0], dsmap__idx_value(1, DSMAP__IDX_ALIAS));
	assert_int_equal(values(f, DSMAP_ID_PHONE, 7, v, 4), 0);
	assert_int_equal(verified(f), 2000);

	/* a second system: one entry per system, in system number order */
	scan(f, "billing", 2, 500, 1500, &billing);
	assert_int_equal(values(f, DSMAP_ID_CUSTOMER_NUMBER, 700, v, 4), 2);
	assert_int_equal(v[0], dsmap__idx_value(1, DSMAP__IDX_SUBJECT));
	assert_int_equal(v[1], dsmap__idx_value(2, DSMAP__IDX_SUBJECT));
	assert_int_equal(values(f, DSMAP_ID_CUSTOMER_NUMBER, 1200, v, 4), 1);
	assert_int_equal(v[0], dsmap__idx_value(2, DSMAP__IDX_SUBJECT));
	assert_int_equal(verified(f), 4000);

	/* a rescan of the CRM with fewer subjects: the index follows, in the
	 * switch's transaction */
	scan(f, "crm", 1, 0, 600, &crm);
	assert_int_equal(values(f, DSMAP_ID_CUSTOMER_NUMBER, 700, v, 4), 1);
	assert_int_equal(v[0], dsmap__idx_value(2, DSMAP__IDX_SUBJECT));
	assert_int_equal(values(f, DSMAP_ID_EMAIL, 599, v, 4), 2);
	assert_int_equal(values(f, DSMAP_ID_EMAIL, 999, v, 4), 1);
	assert_int_equal(v[0], dsmap__idx_value(2, DSMAP__IDX_ALIAS));
	assert_int_equal(values(f, DSMAP_ID_EMAIL, 300, v, 4), 1);
	assert_int_equal(v[0], dsmap__idx_value(1, DSMAP__IDX_ALIAS));
	assert_int_equal(verified(f), 3200);
	/* the old generation, collected, changes nothing */
	assert_int_equal(dsmap__inventory_collect(f->store), 0);
	assert_int_equal(verified(f), 3200);
}

static int retire_txn(dsmap_store *store, MDB_txn *txn, void *payload)
{
	dsmap_store__system_summary *sum = payload;
	int rc;

	/* what a scan said of the inventory, as if it had */
	if ((rc = dsmap_store__meta_put(store, txn, "conflicts:crm", "email 1 20", 10)) != 0 ||
	    (rc = dsmap_store__meta_put(store, txn, "ident-rules:crm", "2", 1)) != 0)
		return rc;
	sum->gen = 0;
	sum->retired = 1234;
	return dsmap_store__system_put(store, txn, "crm", sum);
}

static void test_idindex__retirement_empties(void **state)
{
	struct fixture *f = *state;
	dsmap_store__system_summary crm, billing;
	uint32_t v[4];
	MDB_txn *txn;
	char buf[32];

	scan(f, "crm", 1, 0, 300, &crm);
	scan(f, "billing", 2, 0, 100, &billing);
	assert_int_equal(dsmap_store__write(f->store, retire_txn, &crm, "retire"), 0);
	assert_int_equal(values(f, DSMAP_ID_CUSTOMER_NUMBER, 50, v, 4), 1);
	assert_int_equal(v[0], dsmap__idx_value(2, DSMAP__IDX_SUBJECT));
	assert_int_equal(values(f, DSMAP_ID_CUSTOMER_NUMBER, 250, v, 4), 0);
	assert_int_equal(verified(f), 200);
	/* and what was said of its inventory went with it */
	assert_int_equal(dsmap_store__read_begin(f->store, &txn), 0);
	assert_int_equal(dsmap_store__meta_get(f->store, txn, "conflicts:crm", buf, sizeof(buf)),
	                 DSMAP_ENOTFOUND);
	assert_int_equal(dsmap_store__meta_get(f->store, txn, "ident-rules:crm", buf, sizeof(buf)),
	                 DSMAP_ENOTFOUND);
	mdb_txn_abort(txn);
	dsmap_error_clear();
}

static int downgrade_txn(dsmap_store *store, MDB_txn *txn, void *payload)
{
	int rc;

	(void)payload;
	/* schema 1: no index, and a Bloom filter per generation in meta */
	if ((rc = mdb_drop(txn, store->dbi[DSMAP__DB_IDINDEX], 1)) != 0 ||
	    (rc = dsmap_store__meta_put(store, txn, "bloom.00000001", "\x02\x07", 2)) != 0 ||
	    (rc = dsmap_store__meta_put(store, txn, "bloom.00000002", "\x02\x07", 2)) != 0)
		return rc;
	return dsmap_store__meta_put(store, txn, "schema", "1", 1);
}

static void test_idindex__upgrade_builds_it(void **state)
{
	struct fixture *f = *state;
	dsmap_store__system_summary crm, billing;
	dsmap_store_info info;
	MDB_txn *txn;
	char buf[32];
	uint32_t v[4];

	scan(f, "crm", 1, 0, 400, &crm);
	scan(f, "billing", 2, 200, 500, &billing);
	assert_int_equal(dsmap_store__write(f->store, downgrade_txn, NULL, "downgrade"), 0);
	dsmap_store_free(f->store);
	f->store = NULL;

	open_store(f);
	assert_int_equal(dsmap_store_info_get(&info, f->store), 0);
	assert_int_equal(info.schema, DSMAP_STORE_SCHEMA);
	assert_int_equal(verified(f), 1400);
	assert_int_equal(values(f, DSMAP_ID_CUSTOMER_NUMBER, 300, v, 4), 2);
	assert_int_equal(v[1], dsmap__idx_value(2, DSMAP__IDX_SUBJECT));
	assert_int_equal(dsmap_store__read_begin(f->store, &txn), 0);
	assert_int_equal(dsmap_store__meta_get(f->store, txn, "schema", buf, sizeof(buf)), 0);
	assert_int_equal(atoi(buf), DSMAP_STORE_SCHEMA);
	assert_int_equal(dsmap_store__meta_get(f->store, txn, "bloom.00000001", buf, sizeof(buf)),
	                 DSMAP_ENOTFOUND);
	mdb_txn_abort(txn);
	dsmap_error_clear();
}

static int damage_txn(dsmap_store *store, MDB_txn *txn, void *payload)
{
	unsigned char h[ID_SIZE], be[4];
	MDB_val k = { DSMAP_IDENT_HASH_SIZE, h + 1 }, v = { 4, be };
	int *how = payload;

	hash_of(h, DSMAP_ID_CUSTOMER_NUMBER, 10);
	if (*how == 0) {
		dsmap__put_be32(be, dsmap__idx_value(1, DSMAP__IDX_SUBJECT));
		return mdb_del(txn, store->dbi[DSMAP__DB_IDINDEX], &k, &v);
	}
	dsmap__put_be32(be, dsmap__idx_value(9, DSMAP__IDX_SUBJECT));
	return mdb_put(txn, store->dbi[DSMAP__DB_IDINDEX], &k, &v, 0);
}

static void test_idindex__verify_finds_damage(void **state)
{
	struct fixture *f = *state;
	dsmap_store__system_summary crm;
	int how = 0;

	scan(f, "crm", 1, 0, 50, &crm);
	assert_int_equal(dsmap_store__write(f->store, damage_txn, &how, "damage"), 0);
	assert_int_equal(dsmap_store_verify(NULL, f->store), DSMAP_ECORRUPT);
	assert_true(th_error_contains("the identifier index misses an entry of system crm"));
	assert_true(th_error_contains("dsmap verify --rebuild-index"));

	/* a rescan writes only what changed, so it does not mend it; a
	 * rebuild does */
	scan(f, "crm", 1, 0, 51, &crm);
	assert_int_equal(dsmap_store_verify(NULL, f->store), DSMAP_ECORRUPT);
	assert_int_equal(dsmap_store_rebuild_index(f->store), 0);
	assert_int_equal(dsmap_store_verify(NULL, f->store), 0);

	/* an entry of no system */
	how = 1;
	assert_int_equal(dsmap_store__write(f->store, damage_txn, &how, "damage"), 0);
	assert_int_equal(dsmap_store_verify(NULL, f->store), DSMAP_ECORRUPT);
	assert_true(th_error_contains("the identifier index holds 103 entries, but the systems' "
	                              "generations 102"));
	dsmap_error_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_idindex__follows_switches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idindex__retirement_empties, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idindex__upgrade_builds_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idindex__verify_finds_damage, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
