/*
 * Unit tests: a full disk is reported as one, with the store or file it
 * was writing.  A real full file system is in tests/integration/full-disk.sh;
 * here the errno values LMDB gives are injected through a write transaction.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "helpers.h"
#include "store.h"
#include "util.h"

/* A write transaction whose mdb_put() fails with an errno value, which it
 * translates as every store callback does (store.h). */
static int fail_with(dsmap_store *s, MDB_txn *txn, void *payload)
{
	(void)txn;
	return dsmap_store__lmdb(s, *(const int *)payload, "put");
}

static void test_nospace__store_write(void **state)
{
	dsmap_store_options o = DSMAP_STORE_OPTIONS_INIT;
	char *tmp = th_tmpdir(), *dir = th_path(tmp, "store"), *want;
	dsmap_store *s = NULL;
	int err;

	(void)state;
	o.flags = DSMAP_STORE_CREATE;
	assert_int_equal(dsmap_store_open(&s, dir, &o), 0);

	/* ENOSPC from a write (or from spilling pages in mdb_put) */
	err = ENOSPC;
	assert_int_equal(dsmap_store__write(s, fail_with, &err, "sync"), DSMAP_ENOSPC);
	want = dsmap__sprintf("store %s: put: No space left on device", dir);
	assert_string_equal(dsmap_error_last()->message, want);
	free(want);
	err = EDQUOT;
	assert_int_equal(dsmap_store__write(s, fail_with, &err, "sync"), DSMAP_ENOSPC);

	/* EIO on a file system with room left stays an I/O error: LMDB's short
	 * write is taken for a full disk only when the disk is full */
	err = EIO;
	assert_int_equal(dsmap_store__write(s, fail_with, &err, "sync"), DSMAP_EIO);
	assert_true(th_error_contains("Input/output error"));

	dsmap_store_free(s);
	free(dir);
	th_rmtree(tmp);
}

static void test_nospace__write_errno(void **state)
{
	char *tmp = th_tmpdir();

	(void)state;
	/* only EIO is looked into, and only a nearly full file system makes it ENOSPC */
	assert_int_equal(dsmap__write_errno(ENOSPC, tmp), ENOSPC);
	assert_int_equal(dsmap__write_errno(EACCES, tmp), EACCES);
	assert_int_equal(dsmap__write_errno(EIO, tmp), EIO);
	assert_int_equal(dsmap__write_errno(EIO, "/nonexistent/dsmap"), EIO);
	th_rmtree(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nospace__store_write),
		cmocka_unit_test(test_nospace__write_errno),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
