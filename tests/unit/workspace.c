/*
 * Unit tests: workspaces (init, open, discover, status).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <git2.h>

#include "embedded.h"
#include "helpers.h"
#include "store.h"
#include "workspace.h"

struct fixture {
	char *tmp;
	char *ws;   /* <tmp>/ws, not created yet */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->tmp = th_tmpdir();
	f->ws = th_path(f->tmp, "ws");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->ws);
	th_rmtree(f->tmp);
	free(f);
	return 0;
}

static dsmap_workspace *init(const char *dir, const char *mappings)
{
	dsmap_workspace_init_options o = DSMAP_WORKSPACE_INIT_OPTIONS_INIT;
	dsmap_workspace *ws = NULL;

	o.mappings_dir = mappings;
	if (dsmap_workspace_init(&ws, dir, &o) != 0)
		fail_msg("init %s: %s", dir, dsmap_error_last()->message);
	return ws;
}

static int exists(const char *dir, const char *name)
{
	char *p = th_path(dir, name);
	int ok = access(p, F_OK) == 0;

	free(p);
	return ok;
}

static void test_workspace__init_creates_all_parts(void **state)
{
	struct fixture *f = *state;
	dsmap_workspace *ws = init(f->ws, NULL);
	dsmap_status *st = NULL;
	struct stat sb;
	char *key = th_path(f->ws, ".dsmap/secret.key");
	const struct dsmap__embedded_file *e;

	/* The secret key: 32 bytes, owner-only. */
	assert_int_equal(stat(key, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, DSMAP__KEY_SIZE);
	free(key);
	assert_true(exists(f->ws, ".dsmap/store/data.mdb"));
	assert_true(exists(f->ws, ".git/HEAD"));

	/* Every shipped mapping file is in the work tree. */
	for (e = dsmap__default_mappings; e->path != NULL; e++)
		assert_true(exists(f->ws, e->path));

	assert_int_equal(dsmap_workspace_status(&st, ws), 0);
	assert_int_equal(strlen(st->head), 40);
	assert_string_equal(st->head_summary, "Import the shipped notice mapping");
	assert_string_equal(st->synced, "");
	assert_true(st->created > 0);
	assert_int_equal(st->store.schema, DSMAP_STORE_SCHEMA);
	dsmap_status_free(st);
	dsmap_workspace_free(ws);
}

static void test_workspace__commit_holds_mappings_not_dotdir(void **state)
{
	struct fixture *f = *state;
	dsmap_workspace *ws = init(f->ws, NULL);
	git_repository *repo = NULL;
	git_status_list *list = NULL;
	git_status_options so;
	git_object *obj = NULL;

	dsmap_workspace_free(ws);
	git_libgit2_init();
	assert_int_equal(git_repository_open(&repo, f->ws), 0);
	assert_int_equal(git_revparse_single(&obj, repo, "HEAD:mappings"), 0);
	assert_int_equal(git_object_type(obj), GIT_OBJECT_TREE);
	git_object_free(obj);
	/* Nothing untracked: .dsmap/ is excluded, mappings/ committed. */
	git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
	so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
	assert_int_equal(git_status_list_new(&list, repo, &so), 0);
	assert_int_equal(git_status_list_entrycount(list), 0);
	git_status_list_free(list);
	git_repository_free(repo);
	git_libgit2_shutdown();
}

static void test_workspace__init_twice_refused(void **state)
{
	struct fixture *f = *state;
	dsmap_workspace *ws = init(f->ws, NULL), *again = NULL;
	struct stat before, after;
	char *key = th_path(f->ws, ".dsmap/secret.key");

	dsmap_workspace_free(ws);
	assert_int_equal(stat(key, &before), 0);
	assert_int_equal(dsmap_workspace_init(&again, f->ws, NULL), DSMAP_EEXISTS);
	assert_null(again);
	assert_true(th_error_contains("already a dsmap workspace"));
	/* Nothing was touched, and the workspace still opens. */
	assert_int_equal(stat(key, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_int_equal(dsmap_workspace_open(&again, f->ws), 0);
	dsmap_workspace_free(again);
	free(key);
}

static void test_workspace__init_in_git_repo_refused(void **state)
{
	struct fixture *f = *state;
	dsmap_workspace *ws = NULL;
	git_repository *repo = NULL;

	git_libgit2_init();
	assert_int_equal(git_repository_init(&repo, f->ws, 0), 0);
	git_repository_free(repo);
	git_libgit2_shutdown();
	assert_int_equal(dsmap_workspace_init(&ws, f->ws, NULL), DSMAP_EEXISTS);
	assert_true(th_error_contains("holds a git repository already"));
	assert_false(exists(f->ws, ".dsmap"));
}

static void test_workspace__failed_init_cleans_up(void **state)
{
	struct fixture *f = *state;
	char *seed = th_path(f->tmp, "seed"), *big = th_path(seed, "huge.yaml");
	dsmap_workspace_init_options o = DSMAP_WORKSPACE_INIT_OPTIONS_INIT;
	dsmap_workspace *ws = NULL;

	/* A seed file over the size limit makes init fail after it created the
	 * directory, the key and the repository. */
	assert_int_equal(mkdir(seed, 0700), 0);
	th_write_file(big, "");
	assert_int_equal(truncate(big, 64 << 20), 0);
	o.mappings_dir = seed;
	assert_int_equal(dsmap_workspace_init(&ws, f->ws, &o), DSMAP_EINVALID);
	assert_null(ws);
	assert_true(th_error_contains("huge.yaml"));
	assert_true(th_error_contains("more than the"));
	assert_int_equal(access(f->ws, F_OK), -1);
	free(big);
	free(seed);
}

static void test_workspace__seed_from_dir_and_systems(void **state)
{
	struct fixture *f = *state;
	char *seed = th_path(f->tmp, "seed"), *sys = th_path(seed, "systems");
	char *p1 = th_path(sys, "crm.yaml"), *p2 = th_path(sys, "billing.yaml");
	char *p3 = th_path(sys, "README.md");
	dsmap_workspace *ws;
	dsmap_status *st = NULL;
	dsmap_store__system_summary sum;
	MDB_txn *txn;

	memset(&sum, 0, sizeof(sum));
	sum.last_scan = 1700000000;
	sum.records = 42;
	sum.subjects = 40;
	assert_int_equal(mkdir(seed, 0700), 0);
	assert_int_equal(mkdir(sys, 0700), 0);
	th_write_file(p1, "schema: 1\n");
	th_write_file(p2, "schema: 1\n");
	th_write_file(p3, "not a system\n");
	ws = init(f->ws, seed);
	assert_true(exists(f->ws, "mappings/systems/crm.yaml"));

	/* A scan summary of a system that is no longer declared. */
	assert_int_equal(mdb_txn_begin(ws->store->env, NULL, 0, &txn), 0);
	assert_int_equal(dsmap_store__system_put(ws->store, txn, "old-erp", &sum), 0);
	sum.records = 7;
	assert_int_equal(dsmap_store__system_put(ws->store, txn, "crm", &sum), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);

	assert_int_equal(dsmap_workspace_status(&st, ws), 0);
	assert_int_equal(st->system_count, 3);
	assert_string_equal(st->systems[0].id, "billing");
	assert_int_equal(st->systems[0].declared, 1);
	assert_int_equal(st->systems[0].last_scan, 0);
	assert_string_equal(st->systems[1].id, "crm");
	assert_int_equal(st->systems[1].declared, 1);
	assert_int_equal(st->systems[1].records, 7);
	assert_int_equal(st->systems[1].last_scan, 1700000000);
	assert_string_equal(st->systems[2].id, "old-erp");
	assert_int_equal(st->systems[2].declared, 0);
	assert_int_equal(st->systems[2].records, 42);
	dsmap_status_free(st);
	dsmap_workspace_free(ws);
	free(p1);
	free(p2);
	free(p3);
	free(sys);
	free(seed);
}

static void test_workspace__discover_walks_up(void **state)
{
	struct fixture *f = *state;
	dsmap_workspace *ws = init(f->ws, NULL), *found = NULL;
	char *deep = th_path(f->ws, "mappings");
	char *real = realpath(f->ws, NULL);

	dsmap_workspace_free(ws);
	assert_int_equal(dsmap_workspace_discover(&found, deep), 0);
	assert_string_equal(dsmap_workspace_path(found), real);
	dsmap_workspace_free(found);

	found = NULL;
	assert_int_equal(dsmap_workspace_discover(&found, f->tmp), DSMAP_ENOTFOUND);
	assert_null(found);
	assert_true(th_error_contains("not in a dsmap workspace"));

	assert_int_equal(dsmap_workspace_open(&found, deep), DSMAP_ENOTFOUND);
	assert_true(th_error_contains("is not a dsmap workspace"));
	free(real);
	free(deep);
}

static void test_workspace__open_refuses_shared_key(void **state)
{
	struct fixture *f = *state;
	dsmap_workspace *ws = init(f->ws, NULL);
	char *key = th_path(f->ws, ".dsmap/secret.key");

	dsmap_workspace_free(ws);
	assert_int_equal(chmod(key, 0644), 0);
	ws = NULL;
	assert_int_equal(dsmap_workspace_open(&ws, f->ws), DSMAP_EPERM);
	assert_null(ws);
	assert_true(th_error_contains("chmod 600"));

	assert_int_equal(chmod(key, 0600), 0);
	assert_int_equal(truncate(key, 16), 0);
	assert_int_equal(dsmap_workspace_open(&ws, f->ws), DSMAP_ECORRUPT);
	assert_true(th_error_contains("is 16 bytes, expected 32"));
	free(key);
}

static mode_t mode_of(const char *dir, const char *rel)
{
	char p[2048];
	struct stat sb;

	snprintf(p, sizeof(p), "%s%s%s", dir, rel ? "/" : "", rel ? rel : "");
	assert_int_equal(stat(p, &sb), 0);
	return sb.st_mode & 07777;
}

/* The library makes its parts private whatever the umask; the mapping
 * files are never writable by others (the repository follows the umask:
 * libgit2 makes it, and dsmap init sets one). */
static void test_workspace__init_private_whatever_the_umask(void **state)
{
	struct fixture *f = *state;
	mode_t old = umask(0);
	dsmap_workspace *ws = init(f->ws, NULL);

	umask(old);
	dsmap_workspace_free(ws);
	assert_int_equal(mode_of(f->ws, NULL), 0700);
	assert_int_equal(mode_of(f->ws, ".dsmap"), 0700);
	assert_int_equal(mode_of(f->ws, ".dsmap/secret.key"), 0600);
	assert_int_equal(mode_of(f->ws, ".dsmap/store"), 0700);
	assert_int_equal(mode_of(f->ws, ".dsmap/store/data.mdb"), 0600);
	assert_int_equal(mode_of(f->ws, ".dsmap/store/lock.mdb"), 0600);
	assert_int_equal(mode_of(f->ws, "mappings"), 0755);
	assert_int_equal(mode_of(f->ws, "mappings/purposes"), 0755);
	assert_int_equal(mode_of(f->ws, "mappings/notice.yaml"), 0644);
}

/* Each part others may write is refused with its chmod; all of them at once. */
static void test_workspace__open_refuses_writable_parts(void **state)
{
	static const char *const parts[] = {
		NULL, ".dsmap", ".dsmap/store", ".dsmap/store/data.mdb", ".dsmap/store/lock.mdb"
	};
	struct fixture *f = *state;
	dsmap_workspace *ws = init(f->ws, NULL);
	char *real = realpath(f->ws, NULL), want[8192], p[2048];
	size_t i;

	assert_non_null(real);
	dsmap_workspace_free(ws);
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		mode_t m;

		snprintf(p, sizeof(p), "%s%s%s", real, parts[i] ? "/" : "", parts[i] ? parts[i] : "");
		m = mode_of(p, NULL);

		assert_int_equal(chmod(p, m | 002), 0);
		ws = NULL;
		assert_int_equal(dsmap_workspace_open(&ws, real), DSMAP_EPERM);
		assert_null(ws);
		snprintf(want, sizeof(want), "%s is writable by group or others (mode %04o): run "
		         "'chmod go-w %s'", p, (unsigned int)(m | 002), p);
		assert_true(th_error_contains(want));
		assert_int_equal(chmod(p, m), 0);
	}
	assert_int_equal(dsmap_workspace_open(&ws, real), 0);
	dsmap_workspace_free(ws);
	free(real);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_workspace__init_creates_all_parts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workspace__commit_holds_mappings_not_dotdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workspace__init_twice_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workspace__init_in_git_repo_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workspace__failed_init_cleans_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workspace__seed_from_dir_and_systems, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workspace__discover_walks_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workspace__open_refuses_shared_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workspace__init_private_whatever_the_umask, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_workspace__open_refuses_writable_parts, setup,
		                                teardown),
	};

	return cmocka_run_group_tests_name("workspace", tests, NULL, NULL);
}
