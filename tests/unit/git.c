/*
 * Unit tests: libgit2 at the boundary (core/git.c): the oid helpers that
 * work before libgit2 is loaded, and libgit2 initialised only on first
 * need.
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

#include "git.h"
#include "helpers.h"
#include "util.h"
#include "workspace.h"

#define A40 "0123456789abcdef0123456789abcdef01234567"
#define B40 "89abcdef0123456789abcdef0123456789abcdef"

struct fixture {
	char *tmp;
	char *gitdir;   /* <tmp>/.git, with refs/heads/ */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->tmp = th_tmpdir();
	f->gitdir = th_path(f->tmp, ".git");
	assert_int_equal(dsmap__mkdir_p(f->gitdir, 0700), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->gitdir);
	th_rmtree(f->tmp);
	free(f);
	return 0;
}

static void test_git__oid_helpers_work_without_libgit2(void **state)
{
	git_oid a, b;
	char hex[41];

	(void)state;
	assert_int_equal(git_oid_fromstr(&a, A40), 0);
	assert_int_equal(a.id[0], 0x01);
	assert_int_equal(a.id[19], 0x67);
	assert_string_equal(git_oid_tostr(hex, sizeof(hex), &a), A40);
	assert_string_equal(git_oid_tostr(hex, 8, &a), "0123456");
	assert_int_equal(git_oid_fromstr(&b, "0123456789ABCDEF0123456789ABCDEF01234567"), 0);
	assert_true(git_oid_equal(&a, &b));
	assert_int_equal(git_oid_fromstr(&b, B40), 0);
	assert_false(git_oid_equal(&a, &b));
	git_oid_cpy(&b, &a);
	assert_true(git_oid_equal(&a, &b));
	assert_int_equal(git_oid_fromstr(&b, "0123"), -1);
	assert_int_equal(git_oid_fromstr(&b, "g123456789abcdef0123456789abcdef01234567"), -1);
}

/* How many holders of libgit2's global state there are, besides us. */
static int git_holders(void)
{
	int n;

	assert_int_equal(dsmap_git__init(), 0);
	n = git_libgit2_init() - 2;
	git_libgit2_shutdown();
	dsmap_git__shutdown();
	return n;
}

static void test_git__initialised_only_on_first_need(void **state)
{
	struct fixture *f = *state;
	char *top = th_path(f->tmp, "ws"), *sys, commit[41];
	dsmap_workspace *ws = NULL;
	dsmap_status *st = NULL;

	assert_int_equal(dsmap_workspace_init(&ws, top, NULL), 0);
	dsmap_workspace_free(ws);
	assert_int_equal(git_holders(), 0);

	/* Opening reads the key and the store, not the repository. */
	assert_int_equal(dsmap_workspace_open(&ws, top), 0);
	assert_int_equal(git_holders(), 0);

	/* status reads HEAD: the workspace holds libgit2 until it is freed */
	assert_int_equal(dsmap_workspace_status(&st, ws), 0);
	assert_int_equal(git_holders(), 1);
	assert_string_equal(st->head_summary, "Import the shipped notice mapping");
	assert_int_equal(st->system_count, 0);
	dsmap_status_free(st);

	/* HEAD moves: status follows. */
	sys = th_path(top, "mappings/systems/crm.yaml");
	th_write_file(sys, "schema: 1\n");
	assert_int_equal(dsmap_workspace_commit(commit, ws, "Declare the CRM\n\nwith a body"), 0);
	assert_int_equal(dsmap_workspace_status(&st, ws), 0);
	assert_string_equal(st->head, commit);
	assert_string_equal(st->head_summary, "Declare the CRM");
	assert_int_equal(st->system_count, 1);
	assert_string_equal(st->systems[0].id, "crm");
	assert_int_equal(st->systems[0].declared, 1);
	dsmap_status_free(st);
	dsmap_workspace_free(ws);
	assert_int_equal(git_holders(), 0);

	free(sys);
	free(top);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_git__oid_helpers_work_without_libgit2),
		cmocka_unit_test_setup_teardown(test_git__initialised_only_on_first_need, setup, teardown),
	};

	return cmocka_run_group_tests_name("git", tests, NULL, NULL);
}
