/*
 * Unit tests: the LMDB store.
 */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "helpers.h"
#include "store.h"

struct fixture {
	char *tmp;
	char *dir;   /* the store directory, not created yet */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->tmp = th_tmpdir();
	f->dir = th_path(f->tmp, "store");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->dir);
	th_rmtree(f->tmp);
	free(f);
	return 0;
}

static dsmap_store *create(const char *dir, uint64_t mapsize)
{
	dsmap_store_options o = DSMAP_STORE_OPTIONS_INIT;
	dsmap_store *s = NULL;

	o.flags = DSMAP_STORE_CREATE;
	o.initial_mapsize = mapsize;
	if (dsmap_store_open(&s, dir, &o) != 0)
		fail_msg("create store: %s", dsmap_error_last()->message);
	return s;
}

/* Write `n` system summaries in one transaction. */
struct fill { int n; const char *prefix; };

static int fill_fn(dsmap_store *s, MDB_txn *txn, void *payload)
{
	const struct fill *fl = payload;
	dsmap_store__system_summary sum;
	char id[64];
	int i, rc;

	memset(&sum, 0, sizeof(sum));
	sum.last_scan = 1700000000;
	for (i = 0; i < fl->n; i++) {
		snprintf(id, sizeof(id), "%s-%06d", fl->prefix, i);
		sum.records = (uint64_t)i;
		sum.subjects = (uint64_t)i * 2;
		if ((rc = dsmap_store__system_put(s, txn, id, &sum)) != 0)
			return rc;
	}
	return 0;
}

static void fill(dsmap_store *s, int n, const char *prefix)
{
	struct fill fl = { n, prefix };

	if (dsmap_store__write(s, fill_fn, &fl, "fill") != 0)
		fail_msg("fill: %s", dsmap_error_last()->message);
}

static int count_cb(const char *id, const dsmap_store__system_summary *sum, void *payload)
{
	int *n = payload;

	(void)id;
	assert_int_equal(sum->subjects, sum->records * 2);
	(*n)++;
	return 0;
}

static int count_systems(dsmap_store *s)
{
	int n = 0;

	assert_int_equal(dsmap_store__systems_each(s, count_cb, &n), 0);
	return n;
}

static void test_store__create_and_reopen(void **state)
{
	struct fixture *f = *state;
	dsmap_store *s = create(f->dir, 0);
	dsmap_store_info info;
	struct stat sb;
	char *data;

	assert_int_equal(dsmap_store_info_get(&info, s), 0);
	assert_int_equal(info.schema, DSMAP_STORE_SCHEMA);
	assert_true(info.page_size >= 4096);
	assert_true(info.used_size <= info.file_size);
	fill(s, 10, "sys");
	dsmap_store_free(s);

	/* The directory is private, and so are its files. */
	assert_int_equal(stat(f->dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	data = th_path(f->dir, "data.mdb");
	assert_int_equal(stat(data, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	free(data);

	/* Reopening without DSMAP_STORE_CREATE finds what was written. */
	assert_int_equal(dsmap_store_open(&s, f->dir, NULL), 0);
	assert_int_equal(count_systems(s), 10);
	assert_string_equal(dsmap_store_path(s), f->dir);
	dsmap_store_free(s);
}

static void test_store__missing_is_not_found(void **state)
{
	struct fixture *f = *state;
	dsmap_store *s = NULL;

	assert_int_equal(dsmap_store_open(&s, f->dir, NULL), DSMAP_ENOTFOUND);
	assert_null(s);
	/* An existing but empty directory is no store either, and stays empty. */
	assert_int_equal(mkdir(f->dir, 0700), 0);
	assert_int_equal(dsmap_store_open(&s, f->dir, NULL), DSMAP_ENOTFOUND);
	assert_true(th_error_contains("no store here"));
	assert_int_equal(rmdir(f->dir), 0);
}

/* Overwrite the meta value `key` with LMDB directly, as a newer dsmap would. */
static void poke_meta(const char *dir, const char *key, const char *val)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { strlen(key), (void *)key }, v = { strlen(val), (void *)val };

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void test_store__newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	dsmap_store *s = create(f->dir, 0);

	dsmap_store_free(s);
	poke_meta(f->dir, "schema", "99");
	s = NULL;
	assert_int_equal(dsmap_store_open(&s, f->dir, NULL), DSMAP_EVERSION);
	assert_null(s);
	assert_true(th_error_contains("schema 99 was written by a newer dsmap"));
	assert_true(th_error_contains("left untouched"));

	/* Refusing it did not rewrite it: still schema 99. */
	assert_int_equal(dsmap_store_open(&s, f->dir, NULL), DSMAP_EVERSION);

	poke_meta(f->dir, "schema", "banana");
	assert_int_equal(dsmap_store_open(&s, f->dir, NULL), DSMAP_ECORRUPT);
	assert_true(th_error_contains("not a number"));
}

static void test_store__foreign_magic_refused(void **state)
{
	struct fixture *f = *state;
	dsmap_store *s = create(f->dir, 0);

	dsmap_store_free(s);
	poke_meta(f->dir, "magic", "something-else");
	s = NULL;
	assert_int_equal(dsmap_store_open(&s, f->dir, NULL), DSMAP_ECORRUPT);
	assert_true(th_error_contains("not a dsmap store"));
}

static void test_store__map_grows_when_full(void **state)
{
	struct fixture *f = *state;
	dsmap_store *s = create(f->dir, 64 * 1024);
	dsmap_store_info before, after;

	assert_int_equal(dsmap_store_info_get(&before, s), 0);
	/* About 2 MiB of records into a 64 KiB map: it must grow, several times,
	 * and the transaction that hit the limit must be replayed whole. */
	fill(s, 20000, "grow");
	assert_int_equal(dsmap_store_info_get(&after, s), 0);
	assert_true(after.map_grown >= 3);
	assert_true(after.map_size > before.map_size);
	assert_int_equal(count_systems(s), 20000);
	dsmap_store_free(s);

	/* A new handle opens the grown store whatever its initial map size. */
	s = create(f->dir, 64 * 1024);
	assert_int_equal(count_systems(s), 20000);
	dsmap_store_free(s);
}

static void test_store__grow_limit(void **state)
{
	struct fixture *f = *state;
	dsmap_store_options o = DSMAP_STORE_OPTIONS_INIT;
	struct fill fl = { 20000, "cap" };
	dsmap_store *s = NULL;

	o.flags = DSMAP_STORE_CREATE;
	o.initial_mapsize = 64 * 1024;
	o.max_mapsize = 256 * 1024;
	assert_int_equal(dsmap_store_open(&s, f->dir, &o), 0);
	assert_int_equal(dsmap_store__write(s, fill_fn, &fl, "fill"), DSMAP_EIO);
	assert_true(th_error_contains("map is full at its limit"));
	/* Nothing of the failed transaction was kept. */
	assert_int_equal(count_systems(s), 0);
	dsmap_store_free(s);
}

static void truncate_data(const char *dir, off_t size)
{
	char *data = th_path(dir, "data.mdb");

	assert_int_equal(truncate(data, size), 0);
	free(data);
}

static void test_store__truncated_detected(void **state)
{
	struct fixture *f = *state;
	dsmap_store *s = create(f->dir, 0);
	dsmap_store_info info;

	fill(s, 3000, "t");
	assert_int_equal(dsmap_store_info_get(&info, s), 0);
	dsmap_store_free(s);
	assert_true(info.used_size > 8 * info.page_size);

	truncate_data(f->dir, (off_t)(info.used_size / 2));
	s = NULL;
	assert_int_equal(dsmap_store_open(&s, f->dir, NULL), DSMAP_ECORRUPT);
	assert_null(s);
	assert_true(th_error_contains("data file is truncated"));

	truncate_data(f->dir, 0);
	assert_int_equal(dsmap_store_open(&s, f->dir, NULL), DSMAP_ECORRUPT);
	assert_true(th_error_contains("empty"));
	/* Not silently replaced by a new store either. */
	assert_int_equal(dsmap_store_open(&s, f->dir, NULL), DSMAP_ECORRUPT);
}

static void overwrite(const char *dir, off_t at, size_t len, int byte)
{
	char *data = th_path(dir, "data.mdb");
	char *buf = malloc(len);
	int fd = open(data, O_WRONLY);

	assert_true(fd >= 0);
	memset(buf, byte, len);
	assert_int_equal(pwrite(fd, buf, len, at), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	free(buf);
	free(data);
}

static void test_store__corrupt_header_detected(void **state)
{
	struct fixture *f = *state;
	dsmap_store *s = create(f->dir, 0);
	dsmap_store_info info;

	assert_int_equal(dsmap_store_info_get(&info, s), 0);
	dsmap_store_free(s);
	/* Both meta pages garbled. */
	overwrite(f->dir, 0, 2 * info.page_size, 0x5a);
	s = NULL;
	assert_int_equal(dsmap_store_open(&s, f->dir, NULL), DSMAP_ECORRUPT);
	assert_null(s);
	assert_true(th_error_contains("header pages are corrupted"));
}

static void test_store__corrupt_pages_detected(void **state)
{
	struct fixture *f = *state;
	dsmap_store *s = create(f->dir, 0);
	dsmap_store_info info;

	fill(s, 50, "c");
	assert_int_equal(dsmap_store_info_get(&info, s), 0);
	dsmap_store_free(s);
	/* Every page after the two meta pages zeroed: the trees are gone. */
	overwrite(f->dir, 2 * (off_t)info.page_size, info.used_size - 2 * info.page_size, 0);
	s = NULL;
	assert_int_equal(dsmap_store_open(&s, f->dir, NULL), DSMAP_ECORRUPT);
	assert_null(s);
}

static void test_store__verify(void **state)
{
	struct fixture *f = *state;
	dsmap_store *s = create(f->dir, 0);
	uint64_t n = 0;

	fill(s, 500, "v");
	assert_int_equal(dsmap_store_verify(&n, s), 0);
	/* 500 systems, the meta values and the named databases themselves. */
	assert_true(n >= 500 + 3 + 2);
	dsmap_store_free(s);
}

static int put_raw(dsmap_store *s, MDB_txn *txn, void *payload)
{
	MDB_val k = { 3, (void *)"bad" }, v = { 4, (void *)"\x09xyz" };

	(void)payload;
	return mdb_put(txn, s->dbi[DSMAP__DB_SYSTEMS], &k, &v, 0);
}

static void test_store__foreign_record_detected(void **state)
{
	struct fixture *f = *state;
	dsmap_store *s = create(f->dir, 0);

	int n = 0;

	assert_int_equal(dsmap_store__write(s, put_raw, NULL, "raw"), 0);
	/* A record of a version this dsmap never wrote is reported, not read. */
	assert_int_equal(dsmap_store__systems_each(s, count_cb, &n), DSMAP_ECORRUPT);
	assert_int_equal(n, 0);
	assert_true(th_error_contains("not one this dsmap wrote"));
	dsmap_store_free(s);
}

/* Records that LMDB keeps whole but that are not what dsmap wrote: verify
 * decodes each and names the database and the key. */
struct raw { int db; MDB_val k, v; };

static int put_raw_in(dsmap_store *s, MDB_txn *txn, void *payload)
{
	struct raw *r = payload;
	int rc = mdb_put(txn, s->dbi[r->db], &r->k, &r->v, 0);

	return rc == 0 ? 0 : dsmap_store__lmdb(s, rc, "raw");
}

static void verify_finds(const char *dir, int db, const void *k, size_t klen, const void *v,
                         size_t vlen, const char *needle)
{
	struct raw r = { db, { klen, (void *)k }, { vlen, (void *)v } };
	dsmap_store *s = create(dir, 0);
	uint64_t n = 0;

	assert_int_equal(dsmap_store_verify(&n, s), 0);
	assert_int_equal(dsmap_store__write(s, put_raw_in, &r, "raw"), 0);
	assert_int_equal(dsmap_store_verify(&n, s), DSMAP_ECORRUPT);
	if (!th_error_contains(needle))
		fail_msg("expected '%s' in: %s", needle, dsmap_error_last()->message);
	dsmap_store_free(s);
	th_rmtree(strdup(dir));
}

static void test_store__verify_decodes_every_record(void **state)
{
	struct fixture *f = *state;
	unsigned char hash[DSMAP__NODE_HASH_SIZE], *node = NULL, key[64];
	size_t n;

	/* a node whose content no longer hashes to its key */
	assert_int_equal(dsmap__node_encode(&node, &n, hash, "{\"id\":\"a\"}", 10), 0);
	node[3] ^= 1;
	verify_finds(f->dir, DSMAP__DB_NODES, hash, sizeof(hash), node, n,
	             "database 'nodes', record 1");
	free(node);
	/* a graph key of no known type */
	memset(key, 1, sizeof(key));
	key[DSMAP__OID_SIZE] = 'Z';
	verify_finds(f->dir, DSMAP__DB_GRAPH, key, DSMAP__OID_SIZE + 4, hash, sizeof(hash),
	             "database 'graph'");
	/* a category number of the wrong size, a revision record cut short */
	verify_finds(f->dir, DSMAP__DB_CATBITS, "collected/iban", 14, "\0\0\1", 3,
	             "key 'collected/iban': a category number of 3 bytes");
	verify_finds(f->dir, DSMAP__DB_REVS, key, DSMAP__OID_SIZE, "\1\0", 2,
	             "database 'revs'");
	/* an index value that names no role */
	verify_finds(f->dir, DSMAP__DB_IDINDEX, key, DSMAP_IDENT_HASH_SIZE, "\0\0\0\x10", 4,
	             "names no role");
}

static void test_store__open_twice_refused(void **state)
{
	struct fixture *f = *state;
	dsmap_store *s = create(f->dir, 0), *again = NULL;
	char *other = th_path(f->dir, "../store/.");

	/* The same directory under another name is still the same store. */
	assert_int_equal(dsmap_store_open(&again, other, NULL), DSMAP_EBUSY);
	assert_null(again);
	assert_true(th_error_contains("already open in this process"));
	dsmap_store_free(s);
	assert_int_equal(dsmap_store_open(&again, other, NULL), 0);
	dsmap_store_free(again);
	free(other);
}

static void test_store__used_after_fork_refused(void **state)
{
	struct fixture *f = *state;
	dsmap_store *s = create(f->dir, 0);
	dsmap_store_info info;
	pid_t pid;
	int status = 0;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int ok = dsmap_store_info_get(&info, s) == DSMAP_ERROR &&
		         strstr(dsmap_error_last()->message, "after fork()") != NULL;
		/* No dsmap_store_free() here: the handle is the parent's, and the
		 * child leaves it alone, as a real program must. */
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The parent's handle still works. */
	assert_int_equal(dsmap_store_info_get(&info, s), 0);
	fill(s, 1, "after-fork");
	dsmap_store_free(s);
}

/* The last transaction's id moves with every commit, from this handle or
 * another process's, and stays put when nothing is committed. */
static void test_store__last_txn_moves_with_commits(void **state)
{
	struct fixture *f = *state;
	dsmap_store *s = create(f->dir, 0), *other = NULL;
	uint64_t a, b, c;
	pid_t pid;
	int status, go[2];

	assert_int_equal(dsmap_store_last_txn(&a, s), 0);
	assert_int_equal(count_systems(s), 0);   /* a read commits nothing */
	assert_int_equal(dsmap_store_last_txn(&b, s), 0);
	assert_true(a == b);
	fill(s, 3, "sys");
	assert_int_equal(dsmap_store_last_txn(&b, s), 0);
	assert_true(b > a);
	/* a commit from another process, while this one has the store open:
	 * forked before either opens it, as an env is never used across fork */
	dsmap_store_free(s);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char byte;

		close(go[1]);
		if (read(go[0], &byte, 1) != 1 || dsmap_store_open(&other, f->dir, NULL) != 0)
			_exit(1);
		fill(other, 2, "child");
		dsmap_store_free(other);
		_exit(0);
	}
	close(go[0]);
	assert_int_equal(dsmap_store_open(&s, f->dir, NULL), 0);
	assert_int_equal(dsmap_store_last_txn(&b, s), 0);
	assert_int_equal(write(go[1], "x", 1), 1);
	close(go[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(dsmap_store_last_txn(&c, s), 0);
	assert_true(c > b);
	assert_int_equal(dsmap_store_last_txn(NULL, s), DSMAP_EINVALID);
	dsmap_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store__create_and_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__last_txn_moves_with_commits, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_store__missing_is_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__foreign_magic_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__map_grows_when_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__grow_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__truncated_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__corrupt_header_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__corrupt_pages_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__foreign_record_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__verify_decodes_every_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__open_twice_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__used_after_fork_refused, setup, teardown),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
