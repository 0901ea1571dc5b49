/*
 * The store-wide identifier index (see idindex.h).
 *
 * A generation's key set is read as one sorted stream, merging the keys of
 * its holdings (subjects) with the distinct identifier halves of its alias
 * keys; a switch walks the old and the new generation's streams side by
 * side and writes only where they differ.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dsmap/ident.h"
#include "idindex.h"

#define HASH DSMAP_IDENT_HASH_SIZE

/* The sorted key set of a generation. */
struct keys {
	dsmap_store *store;
	uint32_t gen;
	MDB_cursor *h, *a;
	MDB_val hk, ak;
	int hrc, arc;                  /* 0 while the cursor is on a key */
	unsigned char cur[HASH];
	unsigned int roles;
	int done;
};

static int keys_step(struct keys *k, MDB_cursor *c, MDB_val *key, int *rc, MDB_cursor_op op,
                     size_t size, const char *what)
{
	MDB_val v;

	*rc = mdb_cursor_get(c, key, &v, op);
	if (*rc == 0 && key->mv_size != size)
		return dsmap_error__set(DSMAP_ECORRUPT, "store %s: %s of generation %u: a key of "
		                        "%zu bytes", k->store->path, what, (unsigned int)k->gen,
		                        key->mv_size);
	if (*rc != 0 && *rc != MDB_NOTFOUND)
		return dsmap_store__lmdb(k->store, *rc, "%s of generation %u", what,
		                         (unsigned int)k->gen);
	return 0;
}

static int keys_open_one(struct keys *k, MDB_txn *txn, enum dsmap__gen_type type,
                         MDB_cursor **c)
{
	MDB_dbi dbi;
	char name[DSMAP__GEN_NAME_SIZE];
	int rc;

	/* opened here rather than with dsmap_store__gen_dbi(), so that a
	 * generation with no aliases sets no error (and clears none: a scan's
	 * switch runs while another system's failure is being reported) */
	*c = NULL;
	dsmap__gen_name(name, type, k->gen);
	if ((rc = mdb_dbi_open(txn, name, 0, &dbi)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return dsmap_store__lmdb(k->store, rc, "database %s", name);
	if ((rc = mdb_cursor_open(txn, dbi, c)) != 0) {
		*c = NULL;
		return dsmap_store__lmdb(k->store, rc, "generation %u", (unsigned int)k->gen);
	}
	return 0;
}

/* Move to the next key of the set: k->cur and k->roles, or k->done. */
static int keys_next(struct keys *k)
{
	int rc;

	if (k->hrc != 0 && k->arc != 0) {
		k->done = 1;
		return 0;
	}
	if (k->hrc == 0 && (k->arc != 0 || memcmp(k->hk.mv_data, k->ak.mv_data, HASH) <= 0))
		memcpy(k->cur, k->hk.mv_data, HASH);
	else
		memcpy(k->cur, k->ak.mv_data, HASH);
	k->roles = 0;
	if (k->hrc == 0 && memcmp(k->hk.mv_data, k->cur, HASH) == 0) {
		k->roles |= DSMAP__IDX_SUBJECT;
		if ((rc = keys_step(k, k->h, &k->hk, &k->hrc, MDB_NEXT, HASH, "holdings")) < 0)
			return rc;
	}
	while (k->arc == 0 && memcmp(k->ak.mv_data, k->cur, HASH) == 0) {
		k->roles |= DSMAP__IDX_ALIAS;
		if ((rc = keys_step(k, k->a, &k->ak, &k->arc, MDB_NEXT, DSMAP__ALIAS_KEY_SIZE, "aliases")) < 0)
			return rc;
	}
	return 0;
}

static int keys_open(struct keys *k, dsmap_store *store, MDB_txn *txn, uint32_t gen)
{
	int rc;

	memset(k, 0, sizeof(*k));
	k->store = store;
	k->gen = gen;
	k->hrc = k->arc = MDB_NOTFOUND;
	if (gen == 0) {
		k->done = 1;
		return 0;
	}
	if ((rc = keys_open_one(k, txn, DSMAP__GEN_HOLDINGS, &k->h)) < 0 ||
	    (rc = keys_open_one(k, txn, DSMAP__GEN_ALIASES, &k->a)) < 0)
		return rc;
	if (k->h != NULL &&
	    (rc = keys_step(k, k->h, &k->hk, &k->hrc, MDB_FIRST, HASH, "holdings")) < 0)
		return rc;
	if (k->a != NULL &&
	    (rc = keys_step(k, k->a, &k->ak, &k->arc, MDB_FIRST, DSMAP__ALIAS_KEY_SIZE, "aliases")) < 0)
		return rc;
	return keys_next(k);
}

static void keys_close(struct keys *k)
{
	if (k->h != NULL)
		mdb_cursor_close(k->h);
	if (k->a != NULL)
		mdb_cursor_close(k->a);
	k->h = k->a = NULL;
}

static int idx_put(dsmap_store *store, MDB_txn *txn, const unsigned char *hash, uint32_t value)
{
	unsigned char be[DSMAP__IDX_VALUE_SIZE];
	MDB_val k = { HASH, (void *)hash }, v = { sizeof(be), be };
	int rc;

	dsmap__put_be32(be, value);
	rc = mdb_put(txn, store->dbi[DSMAP__DB_IDINDEX], &k, &v, MDB_NODUPDATA);
	if (rc == 0 || rc == MDB_KEYEXIST)
		return 0;
	return dsmap_store__lmdb(store, rc, "identifier index: add system %u",
	                         (unsigned int)dsmap__idx_sysno(value));
}

static int idx_del(dsmap_store *store, MDB_txn *txn, const unsigned char *hash, uint32_t value)
{
	unsigned char be[DSMAP__IDX_VALUE_SIZE];
	MDB_val k = { HASH, (void *)hash }, v = { sizeof(be), be };
	int rc;

	dsmap__put_be32(be, value);
	rc = mdb_del(txn, store->dbi[DSMAP__DB_IDINDEX], &k, &v);
	if (rc == 0 || rc == MDB_NOTFOUND)
		return 0;
	return dsmap_store__lmdb(store, rc, "identifier index: drop system %u",
	                         (unsigned int)dsmap__idx_sysno(value));
}

int dsmap__idindex_switch(dsmap_store *store, MDB_txn *txn, uint32_t sysno, uint32_t old_gen,
                          uint32_t new_gen)
{
	struct keys o, n;
	int rc;

	if (old_gen == new_gen)
		return 0;
	if (sysno > DSMAP__IDX_SYSNO_MAX)
		return dsmap_error__set(DSMAP_EINVALID, "store %s: system number %u is past the "
		                        "index's %u", store->path, (unsigned int)sysno,
		                        DSMAP__IDX_SYSNO_MAX);
	memset(&n, 0, sizeof(n));
	if ((rc = keys_open(&o, store, txn, old_gen)) < 0 ||
	    (rc = keys_open(&n, store, txn, new_gen)) < 0)
		goto done;
	while (!o.done || !n.done) {
		int c = o.done ? 1 : n.done ? -1 : memcmp(o.cur, n.cur, HASH);

		if (c < 0) {
			rc = idx_del(store, txn, o.cur, dsmap__idx_value(sysno, o.roles));
		} else if (c > 0) {
			rc = idx_put(store, txn, n.cur, dsmap__idx_value(sysno, n.roles));
		} else if (o.roles != n.roles) {
			if ((rc = idx_del(store, txn, o.cur, dsmap__idx_value(sysno, o.roles))) == 0)
				rc = idx_put(store, txn, n.cur, dsmap__idx_value(sysno, n.roles));
		}
		if (rc < 0)
			goto done;
		if ((c <= 0 && (rc = keys_next(&o)) < 0) || (c >= 0 && (rc = keys_next(&n)) < 0))
			goto done;
	}
	rc = 0;
done:
	keys_close(&o);
	keys_close(&n);
	return rc;
}

/* ---- verification ------------------------------------------------------------------ */

struct check {
	dsmap_store *store;
	MDB_txn *txn;
	MDB_cursor *idx;
	uint64_t entries;
};

static int check_system(const char *id, const dsmap_store__system_summary *sum, void *payload)
{
	struct check *ck = payload;
	dsmap_store *store = ck->store;
	struct keys k;
	int rc;

	if ((rc = keys_open(&k, store, ck->txn, sum->gen)) < 0)
		goto done;
	while (!k.done) {
		unsigned char be[DSMAP__IDX_VALUE_SIZE];
		MDB_val key = { HASH, k.cur }, v = { sizeof(be), be };

		dsmap__put_be32(be, dsmap__idx_value(sum->sysno, k.roles));
		rc = mdb_cursor_get(ck->idx, &key, &v, MDB_GET_BOTH);
		if (rc == MDB_NOTFOUND) {
			rc = dsmap_error__set(DSMAP_ECORRUPT, "store %s: the identifier index misses "
			                      "an entry of system %s (generation %u); 'dsmap verify "
			                      "--rebuild-index' writes it again", store->path, id,
			                      (unsigned int)sum->gen);
			goto done;
		}
		if (rc != 0) {
			rc = dsmap_store__error(rc, "store %s: identifier index", store->path);
			goto done;
		}
		ck->entries++;
		if ((rc = keys_next(&k)) < 0)
			goto done;
	}
	rc = 0;
done:
	keys_close(&k);
	return rc;
}

int dsmap__idindex_verify(dsmap_store *store, MDB_txn *txn, uint64_t *entries)
{
	struct check ck = { store, txn, NULL, 0 };
	MDB_stat st;
	int rc;

	*entries = 0;
	if ((rc = mdb_cursor_open(txn, store->dbi[DSMAP__DB_IDINDEX], &ck.idx)) != 0) {
		ck.idx = NULL;
		rc = dsmap_store__error(rc, "store %s: identifier index", store->path);
		goto done;
	}
	if ((rc = dsmap_store__systems_each_in(store, txn, check_system, &ck)) < 0)
		goto done;
	if ((rc = mdb_stat(txn, store->dbi[DSMAP__DB_IDINDEX], &st)) != 0) {
		rc = dsmap_store__error(rc, "store %s: identifier index", store->path);
		goto done;
	}
	if ((uint64_t)st.ms_entries != ck.entries) {
		rc = dsmap_error__set(DSMAP_ECORRUPT, "store %s: the identifier index holds %llu "
		                      "entries, but the systems' generations %llu; 'dsmap verify "
		                      "--rebuild-index' writes it again", store->path,
		                      (unsigned long long)st.ms_entries,
		                      (unsigned long long)ck.entries);
		goto done;
	}
	*entries = ck.entries;
	rc = 0;
done:
	if (ck.idx != NULL)
		mdb_cursor_close(ck.idx);
	return rc;
}
