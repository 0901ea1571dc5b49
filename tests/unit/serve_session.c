/*
 * Unit tests: the web UI's sessions (cli/serve/session.c): ids are
 * random and unguessable by prefix, deadlines end a session, sign-out
 * and revocation end it, a full table makes room, the CSRF comparison
 * and the Cookie header parsing.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "serve/session.h"

static void test_serve_session__create_lookup(void **state)
{
	sessions *t = sessions_new(8, 60, 600);
	char id[SESSION_ID_LEN + 1], id2[SESSION_ID_LEN + 1], bad[SESSION_ID_LEN + 1];
	struct session_info a, b;

	(void)state;
	assert_non_null(t);
	assert_int_equal(sessions_create(t, 2, "alice", 1000, id, &a), 0);
	assert_int_equal(strlen(id), SESSION_ID_LEN);
	assert_int_equal(strspn(id, "0123456789abcdef"), SESSION_ID_LEN);
	assert_int_equal(sessions_create(t, 1, "bob", 1000, id2, &b), 0);
	assert_string_not_equal(id, id2);
	assert_string_not_equal(a.csrf, b.csrf);
	assert_string_not_equal(id, a.csrf);
	memset(&b, 0, sizeof(b));
	assert_int_equal(sessions_lookup(t, id, 1001, &b), 0);
	assert_int_equal(b.role, 2);
	assert_string_equal(b.name, "alice");
	assert_string_equal(b.csrf, a.csrf);
	/* one hex digit off, a prefix, nothing: no session */
	memcpy(bad, id, sizeof(bad));
	bad[10] = bad[10] == '0' ? '1' : '0';
	assert_int_equal(sessions_lookup(t, bad, 1001, &b), -1);
	bad[10] = id[10];
	bad[SESSION_ID_LEN - 1] = '\0';
	assert_int_equal(sessions_lookup(t, bad, 1001, &b), -1);
	assert_int_equal(sessions_lookup(t, "", 1001, &b), -1);
	assert_int_equal(sessions_lookup(t, NULL, 1001, &b), -1);
	assert_int_equal(sessions_count(t, 1001), 2);
	sessions_free(t);
}

static void test_serve_session__deadlines(void **state)
{
	sessions *t = sessions_new(4, 60, 300);
	char id[SESSION_ID_LEN + 1];
	struct session_info i;
	time_t now = 1000;

	(void)state;
	assert_int_equal(sessions_create(t, 2, "a", now, id, &i), 0);
	/* each use pushes the idle deadline on... */
	for (now = 1050; now < 1300; now += 50)
		assert_int_equal(sessions_lookup(t, id, now, &i), 0);
	/* ...never past the absolute one */
	assert_int_equal(sessions_lookup(t, id, 1300, &i), -1);
	assert_int_equal(sessions_create(t, 2, "a", 2000, id, &i), 0);
	assert_int_equal(sessions_lookup(t, id, 2060, &i), -1);   /* idle 60 s */
	assert_int_equal(sessions_lookup(t, id, 2001, &i), -1);   /* and gone for good */
	assert_int_equal(sessions_count(t, 2001), 0);
	sessions_free(t);
}

static void test_serve_session__end(void **state)
{
	sessions *t = sessions_new(4, 60, 300);
	char a[SESSION_ID_LEN + 1], b[SESSION_ID_LEN + 1], c[SESSION_ID_LEN + 1];
	struct session_info i;

	(void)state;
	assert_int_equal(sessions_create(t, 2, "alice", 0, a, &i), 0);
	assert_int_equal(sessions_create(t, 2, "alice", 0, b, &i), 0);
	assert_int_equal(sessions_create(t, 1, "bob", 0, c, &i), 0);
	assert_int_equal(sessions_end(t, a), 0);
	assert_int_equal(sessions_end(t, a), -1);
	assert_int_equal(sessions_lookup(t, a, 1, &i), -1);
	assert_int_equal(sessions_end_name(t, "alice"), 1);
	assert_int_equal(sessions_lookup(t, b, 1, &i), -1);
	assert_int_equal(sessions_lookup(t, c, 1, &i), 0);
	sessions_free(t);
}

static void test_serve_session__full(void **state)
{
	sessions *t = sessions_new(2, 60, 300);
	char a[SESSION_ID_LEN + 1], b[SESSION_ID_LEN + 1], c[SESSION_ID_LEN + 1];
	struct session_info i;

	(void)state;
	assert_int_equal(sessions_create(t, 2, "a", 0, a, &i), 0);
	assert_int_equal(sessions_create(t, 2, "b", 10, b, &i), 0);
	assert_int_equal(sessions_create(t, 2, "c", 20, c, &i), 0);
	assert_int_equal(sessions_lookup(t, a, 21, &i), -1);   /* the oldest made room */
	assert_int_equal(sessions_lookup(t, b, 21, &i), 0);
	assert_int_equal(sessions_lookup(t, c, 21, &i), 0);
	assert_int_equal(sessions_count(t, 21), 2);
	sessions_free(t);
}

static void test_serve_session__csrf(void **state)
{
	char x[SESSION_ID_LEN + 1], y[SESSION_ID_LEN + 1];

	(void)state;
	session_random_hex(x);
	memcpy(y, x, sizeof(y));
	assert_int_equal(session_csrf_ok(x, y), 1);
	y[0] = y[0] == 'a' ? 'b' : 'a';
	assert_int_equal(session_csrf_ok(x, y), 0);
	assert_int_equal(session_csrf_ok(x, NULL), 0);
	assert_int_equal(session_csrf_ok(x, ""), 0);
	assert_int_equal(session_csrf_ok(NULL, x), 0);
	y[0] = x[0];
	y[5] = '\0';
	assert_int_equal(session_csrf_ok(x, y), 0);   /* a prefix is not the token */
}

static void test_serve_session__cookie(void **state)
{
	char v[16];

	(void)state;
	assert_int_equal(session_cookie("a=1; dsmap_session=abc; b=2", "dsmap_session", v, sizeof(v)), 0);
	assert_string_equal(v, "abc");
	assert_int_equal(session_cookie("dsmap_session=xyz", "dsmap_session", v, sizeof(v)), 0);
	assert_string_equal(v, "xyz");
	/* a longer name that starts with it is another cookie */
	assert_int_equal(session_cookie("dsmap_session2=no;dsmap_session=yes ", "dsmap_session",
	                                v, sizeof(v)), 0);
	assert_string_equal(v, "yes");
	assert_int_equal(session_cookie("xdsmap_session=no", "dsmap_session", v, sizeof(v)), -1);
	assert_int_equal(session_cookie("dsmap_session=", "dsmap_session", v, sizeof(v)), -1);
	assert_int_equal(session_cookie(NULL, "dsmap_session", v, sizeof(v)), -1);
	assert_int_equal(session_cookie("dsmap_session=0123456789abcdefXYZ", "dsmap_session",
	                                v, sizeof(v)), -1);   /* too long for v */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serve_session__create_lookup),
		cmocka_unit_test(test_serve_session__deadlines),
		cmocka_unit_test(test_serve_session__end),
		cmocka_unit_test(test_serve_session__full),
		cmocka_unit_test(test_serve_session__csrf),
		cmocka_unit_test(test_serve_session__cookie),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
