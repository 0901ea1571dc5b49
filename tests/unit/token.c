/*
 * Unit tests: the tokens of dsmap serve (token.h) and its access log
 * (accesslog.h).
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <dsmap.h>

#include "helpers.h"
#include "workspace.h"

struct fixture {
	char *tmp;
	dsmap_workspace *ws;
};

static int setup(void **state)
{
	dsmap_workspace_init_options o = DSMAP_WORKSPACE_INIT_OPTIONS_INIT;
	struct fixture *f = calloc(1, sizeof(*f));
	char *dir;

	f->tmp = th_tmpdir();
	dir = th_path(f->tmp, "ws");
	if (dsmap_workspace_init(&f->ws, dir, &o) != 0)
		fail_msg("init %s: %s", dir, dsmap_error_last()->message);
	free(dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dsmap_workspace_free(f->ws);
	th_rmtree(f->tmp);
	free(f);
	return 0;
}

static char *dot(struct fixture *f, const char *name)
{
	char *d = th_path(dsmap_workspace_path(f->ws), ".dsmap"), *p = th_path(d, name);

	free(d);
	return p;
}

static void test_token__roles(void **state)
{
	(void)state;
	assert_string_equal(dsmap_role_name(DSMAP_ROLE_DSAR), "dsar");
	assert_string_equal(dsmap_role_name(DSMAP_ROLE_AUDITOR), "auditor");
	assert_string_equal(dsmap_role_name(DSMAP_ROLE_ADMIN), "admin");
	assert_null(dsmap_role_name(DSMAP_ROLE_NONE));
	assert_null(dsmap_role_name((dsmap_role)4));
	assert_int_equal(dsmap_role_from_name("auditor"), DSMAP_ROLE_AUDITOR);
	assert_int_equal(dsmap_role_from_name("Admin"), DSMAP_ROLE_NONE);
	assert_int_equal(dsmap_role_from_name(NULL), DSMAP_ROLE_NONE);
}

struct seen {
	size_t count;
	char names[8][DSMAP_TOKEN_NAME_MAX + 1];
	dsmap_role roles[8];
	int64_t revoked[8];
};

static int collect(void *payload, const dsmap_token_info *t)
{
	struct seen *s = payload;

	if (s->count < 8) {
		snprintf(s->names[s->count], sizeof(s->names[0]), "%s", t->name);
		s->roles[s->count] = t->role;
		s->revoked[s->count] = t->revoked;
		assert_true(t->created > 0);
	}
	s->count++;
	return 0;
}

static void test_token__add_check_revoke(void **state)
{
	struct fixture *f = *state;
	char portal[DSMAP_TOKEN_SIZE], audit[DSMAP_TOKEN_SIZE], again[DSMAP_TOKEN_SIZE];
	dsmap_tokens *t = NULL;
	const char *name = NULL;
	dsmap_role role = DSMAP_ROLE_NONE;
	struct seen s = { 0 };
	char *path = dot(f, "tokens"), *text = NULL;
	struct stat sb;
	FILE *fp;
	long len;

	assert_int_equal(dsmap_token_add(portal, f->ws, "dsar-portal", DSMAP_ROLE_DSAR), 0);
	assert_int_equal(dsmap_token_add(audit, f->ws, "audit.2026", DSMAP_ROLE_AUDITOR), 0);
	assert_int_equal(strlen(portal), DSMAP_TOKEN_SIZE - 1);
	assert_memory_equal(portal, "dsmap_", 6);
	assert_string_not_equal(portal, audit);

	/* the file is private and holds no token, only hashes */
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	fp = fopen(path, "r");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	text = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(text, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	assert_null(strstr(text, portal + 6));
	assert_null(strstr(text, audit + 6));
	assert_non_null(strstr(text, "\"dsar-portal\""));
	free(text);

	assert_int_equal(dsmap_tokens_load(&t, f->ws), 0);
	assert_int_equal(dsmap_tokens_count(t), 2);
	assert_int_equal(dsmap_tokens_check(t, portal, strlen(portal), &role, &name), 0);
	assert_int_equal(role, DSMAP_ROLE_DSAR);
	assert_string_equal(name, "dsar-portal");
	assert_int_equal(dsmap_tokens_check(t, audit, strlen(audit), &role, &name), 0);
	assert_int_equal(role, DSMAP_ROLE_AUDITOR);
	/* one character off, one short, empty */
	portal[10] ^= 1;
	assert_int_equal(dsmap_tokens_check(t, portal, strlen(portal), &role, &name),
	                 DSMAP_ENOTFOUND);
	portal[10] ^= 1;
	assert_int_equal(dsmap_tokens_check(t, portal, strlen(portal) - 1, &role, &name),
	                 DSMAP_ENOTFOUND);
	assert_int_equal(dsmap_tokens_check(t, "", 0, &role, &name), DSMAP_ENOTFOUND);
	dsmap_tokens_free(t);

	/* a live name is taken; after revoking, it can be given again */
	assert_int_equal(dsmap_token_add(again, f->ws, "dsar-portal", DSMAP_ROLE_ADMIN),
	                 DSMAP_EEXISTS);
	assert_true(th_error_contains("revoke it first"));
	assert_int_equal(dsmap_token_revoke(f->ws, "dsar-portal"), 0);
	assert_int_equal(dsmap_token_revoke(f->ws, "dsar-portal"), DSMAP_ENOTFOUND);
	assert_int_equal(dsmap_token_revoke(f->ws, "nobody"), DSMAP_ENOTFOUND);
	assert_int_equal(dsmap_token_add(again, f->ws, "dsar-portal", DSMAP_ROLE_ADMIN), 0);

	assert_int_equal(dsmap_tokens_load(&t, f->ws), 0);
	assert_int_equal(dsmap_tokens_count(t), 2);
	assert_int_equal(dsmap_tokens_check(t, portal, strlen(portal), &role, &name),
	                 DSMAP_ENOTFOUND);   /* revoked */
	assert_int_equal(dsmap_tokens_check(t, again, strlen(again), &role, &name), 0);
	assert_int_equal(role, DSMAP_ROLE_ADMIN);
	dsmap_tokens_free(t);

	/* list: every token, oldest first, the revoked one marked */
	assert_int_equal(dsmap_token_list(f->ws, collect, &s), 0);
	assert_int_equal(s.count, 3);
	assert_string_equal(s.names[0], "dsar-portal");
	assert_true(s.revoked[0] > 0);
	assert_string_equal(s.names[1], "audit.2026");
	assert_int_equal(s.revoked[1], 0);
	assert_string_equal(s.names[2], "dsar-portal");
	assert_int_equal(s.roles[2], DSMAP_ROLE_ADMIN);
	assert_int_equal(s.revoked[2], 0);
	free(path);
}

static void test_token__bad_names_and_roles(void **state)
{
	struct fixture *f = *state;
	char tok[DSMAP_TOKEN_SIZE];
	char long_name[DSMAP_TOKEN_NAME_MAX + 2];

	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(dsmap_token_add(tok, f->ws, "", DSMAP_ROLE_DSAR), DSMAP_EINVALID);
	assert_int_equal(dsmap_token_add(tok, f->ws, "a b", DSMAP_ROLE_DSAR), DSMAP_EINVALID);
	assert_int_equal(dsmap_token_add(tok, f->ws, "../x", DSMAP_ROLE_DSAR), DSMAP_EINVALID);
	assert_int_equal(dsmap_token_add(tok, f->ws, long_name, DSMAP_ROLE_DSAR), DSMAP_EINVALID);
	long_name[DSMAP_TOKEN_NAME_MAX] = '\0';
	assert_int_equal(dsmap_token_add(tok, f->ws, long_name, DSMAP_ROLE_DSAR), 0);
	assert_int_equal(dsmap_token_add(tok, f->ws, "x", DSMAP_ROLE_NONE), DSMAP_EINVALID);
	assert_int_equal(dsmap_token_add(tok, f->ws, "x", (dsmap_role)9), DSMAP_EINVALID);
	assert_string_equal(tok, "");
}

static void test_token__no_file_is_an_empty_table(void **state)
{
	struct fixture *f = *state;
	dsmap_tokens *t = NULL;
	struct seen s = { 0 };
	const char *name;
	dsmap_role role;

	assert_int_equal(dsmap_tokens_load(&t, f->ws), 0);
	assert_int_equal(dsmap_tokens_count(t), 0);
	assert_int_equal(dsmap_tokens_check(t, "dsmap_x", 7, &role, &name), DSMAP_ENOTFOUND);
	dsmap_tokens_free(t);
	assert_int_equal(dsmap_token_list(f->ws, collect, &s), 0);
	assert_int_equal(s.count, 0);
}

static void test_token__damaged_or_open_file_refused(void **state)
{
	struct fixture *f = *state;
	char *path = dot(f, "tokens");
	dsmap_tokens *t = NULL;
	char tok[DSMAP_TOKEN_SIZE];

	th_write_file(path, "{\"schema\": 1, \"tokens\": [\n  {\"name\": \"x\",}\n]}\n");
	chmod(path, 0600);
	assert_int_equal(dsmap_tokens_load(&t, f->ws), DSMAP_ECORRUPT);
	assert_true(th_error_contains("tokens:2:"));   /* FILE:LINE:COL */
	assert_int_equal(dsmap_token_add(tok, f->ws, "y", DSMAP_ROLE_DSAR), DSMAP_ECORRUPT);

	th_write_file(path, "{\"schema\": 1, \"tokens\": [{\"name\": \"x\", \"role\": \"root\", "
	                    "\"hash\": \"00\", \"created\": 1, \"revoked\": 0}]}\n");
	assert_int_equal(dsmap_tokens_load(&t, f->ws), DSMAP_ECORRUPT);
	assert_true(th_error_contains("token 1 of 1 is damaged"));

	th_write_file(path, "{\"schema\": 2, \"tokens\": []}\n");
	assert_int_equal(dsmap_tokens_load(&t, f->ws), DSMAP_ECORRUPT);
	assert_true(th_error_contains("schema 1"));

	th_write_file(path, "{\"schema\": 1, \"tokens\": []}\n");
	chmod(path, 0644);
	assert_int_equal(dsmap_tokens_load(&t, f->ws), DSMAP_EPERM);
	assert_true(th_error_contains("chmod 600"));
	chmod(path, 0600);
	assert_int_equal(dsmap_tokens_load(&t, f->ws), 0);
	dsmap_tokens_free(t);

	unlink(path);
	assert_int_equal(symlink("/etc/hostname", path), 0);
	assert_int_equal(dsmap_tokens_load(&t, f->ws), DSMAP_EINVALID);
	free(path);
}

/* ---- the access log ----------------------------------------------------- */

struct entries {
	size_t count, bad;
	size_t bad_line;
	char last_kinds[64], last_token[64];
	int last_status;
	unsigned int identifiers;
};

static int on_entry(void *payload, size_t line, const dsmap_access_entry *e)
{
	struct entries *x = payload;

	(void)line;
	x->count++;
	snprintf(x->last_kinds, sizeof(x->last_kinds), "%s", e->kinds ? e->kinds : "");
	snprintf(x->last_token, sizeof(x->last_token), "%s", e->token_name ? e->token_name : "-");
	x->last_status = e->status;
	x->identifiers = e->identifiers;
	return 0;
}

static int on_bad(void *payload, size_t line, const char *why)
{
	struct entries *x = payload;

	(void)why;
	x->bad++;
	x->bad_line = line;
	return 0;
}

static void test_access_log__append_and_read(void **state)
{
	struct fixture *f = *state;
	dsmap_access_log *log = NULL;
	dsmap_access_entry e = { 0 };
	struct entries x = { 0 };
	char *path = dot(f, "access.log");
	struct stat sb;

	/* no log yet: no entries */
	assert_int_equal(dsmap_access_log_read(f->ws, NULL, on_entry, on_bad, &x), 0);
	assert_int_equal(x.count, 0);

	assert_int_equal(dsmap_access_log_open(&log, f->ws), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	e.token_name = "dsar-portal";
	e.method = "POST";
	e.route = "/v1/locate";
	e.status = 200;
	e.identifiers = 2;
	e.kinds = "email,phone";
	e.systems = 3;
	e.bytes = 5120;
	e.duration_us = 812;
	assert_int_equal(dsmap_access_log_append(log, &e), 0);
	e.time_us = (int64_t)1577836800 * 1000000 + 7;   /* 2020-01-01T00:00:00.000007Z */
	e.token_name = NULL;
	e.status = 401;
	e.kinds = NULL;
	e.identifiers = 0;
	assert_int_equal(dsmap_access_log_append(log, &e), 0);
	e.method = NULL;
	assert_int_equal(dsmap_access_log_append(log, &e), DSMAP_EINVALID);
	dsmap_access_log_close(log);

	assert_int_equal(dsmap_access_log_read(f->ws, NULL, on_entry, on_bad, &x), 0);
	assert_int_equal(x.count, 2);
	assert_int_equal(x.bad, 0);
	assert_string_equal(x.last_token, "-");
	assert_int_equal(x.last_status, 401);
	assert_string_equal(x.last_kinds, "");

	/* --since: the entry of 2020 is before, the one of now after */
	memset(&x, 0, sizeof(x));
	assert_int_equal(dsmap_access_log_read(f->ws, "2021-01-01", on_entry, on_bad, &x), 0);
	assert_int_equal(x.count, 1);
	assert_string_equal(x.last_kinds, "email,phone");
	assert_string_equal(x.last_token, "dsar-portal");
	assert_int_equal(x.identifiers, 2);
	memset(&x, 0, sizeof(x));
	assert_int_equal(dsmap_access_log_read(f->ws, "2020-01-01", on_entry, on_bad, &x), 0);
	assert_int_equal(x.count, 2);   /* a bare day counts from its start */
	assert_int_equal(dsmap_access_log_read(f->ws, "yesterday", on_entry, on_bad, &x),
	                 DSMAP_EINVALID);
	free(path);
}

static void test_access_log__torn_line(void **state)
{
	struct fixture *f = *state;
	dsmap_access_log *log = NULL;
	dsmap_access_entry e = { 0 };
	struct entries x = { 0 };
	char *path = dot(f, "access.log");
	FILE *fp;

	e.method = "GET";
	e.route = "/v1/status";
	e.status = 200;
	assert_int_equal(dsmap_access_log_open(&log, f->ws), 0);
	assert_int_equal(dsmap_access_log_append(log, &e), 0);
	dsmap_access_log_close(log);

	/* a crash cut the next line short */
	fp = fopen(path, "a");
	assert_non_null(fp);
	fputs("{\"time\":\"2026-12-07T05:", fp);
	fclose(fp);
	memset(&x, 0, sizeof(x));
	assert_int_equal(dsmap_access_log_read(f->ws, NULL, on_entry, on_bad, &x), 0);
	assert_int_equal(x.count, 1);
	assert_int_equal(x.bad, 1);
	assert_int_equal(x.bad_line, 2);

	/* the next server ends it: the entries after it are whole */
	assert_int_equal(dsmap_access_log_open(&log, f->ws), 0);
	assert_int_equal(dsmap_access_log_append(log, &e), 0);
	dsmap_access_log_close(log);
	memset(&x, 0, sizeof(x));
	assert_int_equal(dsmap_access_log_read(f->ws, NULL, on_entry, on_bad, &x), 0);
	assert_int_equal(x.count, 2);
	assert_int_equal(x.bad, 1);
	assert_int_equal(x.bad_line, 2);

	chmod(path, 0640);
	assert_int_equal(dsmap_access_log_open(&log, f->ws), DSMAP_EPERM);
	assert_true(th_error_contains("chmod 600"));
	free(path);
}

#define THREADS 8
#define PER_THREAD 200

static void *appender(void *arg)
{
	dsmap_access_log *log = arg;
	dsmap_access_entry e = { 0 };

	e.method = "POST";
	e.route = "/v1/locate";
	e.status = 200;
	e.identifiers = 1;
	e.kinds = "email";
	for (int i = 0; i < PER_THREAD; i++)
		if (dsmap_access_log_append(log, &e) != 0)
			return (void *)1;
	return NULL;
}

/* Appends from many threads at once: every one whole, none lost. */
static void test_access_log__concurrent_appends(void **state)
{
	struct fixture *f = *state;
	dsmap_access_log *log = NULL;
	pthread_t th[THREADS];
	struct entries x = { 0 };
	void *ret;
	int i;

	assert_int_equal(dsmap_access_log_open(&log, f->ws), 0);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, appender, log), 0);
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_null(ret);
	}
	dsmap_access_log_close(log);
	assert_int_equal(dsmap_access_log_read(f->ws, NULL, on_entry, on_bad, &x), 0);
	assert_int_equal(x.count, THREADS * PER_THREAD);
	assert_int_equal(x.bad, 0);
}

/* What the callbacks of dsmap_access_log_submit() saw. */
struct heard {
	pthread_mutex_t mu;
	size_t calls, failed;
	size_t next;        /* the payload expected next: callbacks keep the order */
	int out_of_order;
	pthread_t thread;   /* of the last callback */
};

struct ticket {
	struct heard *h;
	size_t index;
};

static void on_ticket(void *payload, int rc)
{
	struct ticket *t = payload;

	pthread_mutex_lock(&t->h->mu);
	t->h->calls++;
	if (rc != 0)
		t->h->failed++;
	if (t->index != t->h->next)
		t->h->out_of_order = 1;
	t->h->next++;
	t->h->thread = pthread_self();
	pthread_mutex_unlock(&t->h->mu);
}

#define SUBMITS 500

/* submit: each callback once, in order, on the syncing thread, with 0;
 * flush returns after the last; the entries are all in the file. */
static void test_access_log__submit_calls_back_in_order(void **state)
{
	struct fixture *f = *state;
	dsmap_access_log *log = NULL;
	dsmap_access_entry e = { 0 };
	struct entries x = { 0 };
	struct heard h = { .mu = PTHREAD_MUTEX_INITIALIZER };
	struct ticket *t = calloc(SUBMITS, sizeof(*t));
	size_t i;

	assert_non_null(t);
	e.method = "POST";
	e.route = "/v1/locate";
	e.status = 200;
	e.identifiers = 1;
	e.kinds = "email";
	assert_int_equal(dsmap_access_log_open(&log, f->ws), 0);
	for (i = 0; i < SUBMITS; i++) {
		t[i].h = &h;
		t[i].index = i;
		assert_int_equal(dsmap_access_log_submit(log, &e, on_ticket, &t[i]), 0);
	}
	/* with no callback: made durable all the same */
	assert_int_equal(dsmap_access_log_submit(log, &e, NULL, NULL), 0);
	e.route = NULL;
	assert_int_equal(dsmap_access_log_submit(log, &e, on_ticket, &t[0]), DSMAP_EINVALID);
	assert_int_equal(dsmap_access_log_flush(log), 0);
	pthread_mutex_lock(&h.mu);
	assert_int_equal(h.calls, SUBMITS);
	assert_int_equal(h.failed, 0);
	assert_false(h.out_of_order);
	assert_false(pthread_equal(h.thread, pthread_self()));
	pthread_mutex_unlock(&h.mu);
	/* append still waits for its own sync, among submits */
	e.route = "/v1/locate";
	assert_int_equal(dsmap_access_log_append(log, &e), 0);
	dsmap_access_log_close(log);
	assert_int_equal(dsmap_access_log_read(f->ws, NULL, on_entry, on_bad, &x), 0);
	assert_int_equal(x.count, SUBMITS + 2);
	assert_int_equal(x.bad, 0);
	free(t);
}

/* close right after submits: it syncs them and calls every callback back
 * before it returns. */
static void test_access_log__close_drains_submits(void **state)
{
	struct fixture *f = *state;
	dsmap_access_log *log = NULL;
	dsmap_access_entry e = { 0 };
	struct heard h = { .mu = PTHREAD_MUTEX_INITIALIZER };
	struct ticket t[64];
	size_t i;

	e.method = "POST";
	e.route = "/v1/locate";
	e.status = 200;
	assert_int_equal(dsmap_access_log_open(&log, f->ws), 0);
	for (i = 0; i < 64; i++) {
		t[i].h = &h;
		t[i].index = i;
		assert_int_equal(dsmap_access_log_submit(log, &e, on_ticket, &t[i]), 0);
	}
	dsmap_access_log_close(log);
	assert_int_equal(h.calls, 64);
	assert_int_equal(h.failed, 0);
	assert_false(h.out_of_order);
}

/* A write that fails (here past RLIMIT_FSIZE) breaks the log: that submit
 * fails with no callback, and so does every later one, append and flush;
 * the callbacks of the entries before it were told they are durable. */
static void test_access_log__broken_log_refuses(void **state)
{
	struct fixture *f = *state;
	dsmap_access_log *log = NULL;
	dsmap_access_entry e = { 0 };
	struct heard h = { .mu = PTHREAD_MUTEX_INITIALIZER };
	struct ticket t[3];
	struct rlimit old, lim;
	struct stat sb;
	char *path = dot(f, "access.log");
	void (*was)(int);
	int rc;

	e.method = "POST";
	e.route = "/v1/locate";
	e.status = 200;
	assert_int_equal(dsmap_access_log_open(&log, f->ws), 0);
	t[0].h = t[1].h = t[2].h = &h;
	t[0].index = 0;
	t[1].index = 1;
	t[2].index = 2;
	assert_int_equal(dsmap_access_log_submit(log, &e, on_ticket, &t[0]), 0);
	assert_int_equal(dsmap_access_log_flush(log), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)sb.st_size;   /* not one more byte */
	was = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	rc = dsmap_access_log_submit(log, &e, on_ticket, &t[1]);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, was);
	assert_true(rc == DSMAP_EIO || rc == DSMAP_ENOSPC);
	assert_true(th_error_contains("access.log"));
	/* broken for good, though the file could take more now */
	assert_true(dsmap_access_log_submit(log, &e, on_ticket, &t[2]) < 0);
	assert_true(dsmap_access_log_append(log, &e) < 0);
	assert_true(dsmap_access_log_flush(log) < 0);
	dsmap_access_log_close(log);
	assert_int_equal(h.calls, 1);
	assert_int_equal(h.failed, 0);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token__roles),
		cmocka_unit_test_setup_teardown(test_token__add_check_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token__bad_names_and_roles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token__no_file_is_an_empty_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token__damaged_or_open_file_refused, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_access_log__append_and_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_access_log__torn_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_access_log__concurrent_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_access_log__submit_calls_back_in_order, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_access_log__close_drains_submits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_access_log__broken_log_refuses, setup, teardown),
	};

	return cmocka_run_group_tests_name("token", tests, NULL, NULL);
}
