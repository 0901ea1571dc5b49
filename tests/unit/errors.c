/*
 * Unit tests: the per-thread last error.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "errors.h"

static void test_errors__set_and_last(void **state)
{
	(void)state;
	assert_int_equal(dsmap_error__set(DSMAP_EINVALID, "file %s:%d:%d: bad", "a.yaml", 3, 7),
	                 DSMAP_EINVALID);
	assert_int_equal(dsmap_error_last()->code, DSMAP_EINVALID);
	assert_string_equal(dsmap_error_last()->message, "file a.yaml:3:7: bad");
}

static void test_errors__clear(void **state)
{
	(void)state;
	dsmap_error__set(DSMAP_ERROR, "boom");
	dsmap_error_clear();
	assert_int_equal(dsmap_error_last()->code, DSMAP_OK);
	assert_string_equal(dsmap_error_last()->message, "");
}

/* The one check of an options struct's version: 1 to max, else named. */
static void test_errors__options_version(void **state)
{
	(void)state;
	dsmap_error_clear();
	assert_int_equal(dsmap_error__options_version("dsmap_f", 1, 1), 0);
	assert_int_equal(dsmap_error__options_version("dsmap_f", 2, 3), 0);
	assert_int_equal(dsmap_error__options_version("dsmap_f", 3, 3), 0);
	assert_int_equal(dsmap_error_last()->code, DSMAP_OK);
	assert_int_equal(dsmap_error__options_version("dsmap_f", 0, 3), DSMAP_EINVALID);
	assert_string_equal(dsmap_error_last()->message,
	                    "dsmap_f: options version 0 is not one this library takes (1 to 3)");
	assert_int_equal(dsmap_error__options_version("dsmap_g", 4, 3), DSMAP_EINVALID);
	assert_string_equal(dsmap_error_last()->message,
	                    "dsmap_g: options version 4 is not one this library takes (1 to 3)");
}

static void test_errors__prefix(void **state)
{
	(void)state;
	dsmap_error__set(DSMAP_ECORRUPT, "truncated");
	assert_int_equal(dsmap_error__prefix(DSMAP_ERROR, "store %s", "/w"), DSMAP_ECORRUPT);
	assert_int_equal(dsmap_error_last()->code, DSMAP_ECORRUPT);
	assert_string_equal(dsmap_error_last()->message, "store /w: truncated");

	/* With no error set, the prefix becomes the message and the code given. */
	dsmap_error_clear();
	assert_int_equal(dsmap_error__prefix(DSMAP_ENOTFOUND, "workspace"), DSMAP_ENOTFOUND);
	assert_string_equal(dsmap_error_last()->message, "workspace");
}

static void test_errors__errno(void **state)
{
	(void)state;
	assert_int_equal(dsmap_error__errno(DSMAP_EIO, ENOSPC, "write %s", "x"), DSMAP_EIO);
	assert_string_equal(dsmap_error_last()->message, "write x: No space left on device");
	assert_int_equal(dsmap_error__from_errno(ENOENT), DSMAP_ENOTFOUND);
	assert_int_equal(dsmap_error__from_errno(EACCES), DSMAP_EPERM);
	assert_int_equal(dsmap_error__from_errno(ENOSPC), DSMAP_ENOSPC);
	assert_int_equal(dsmap_error__from_errno(EDQUOT), DSMAP_ENOSPC);
	assert_int_equal(dsmap_error__from_errno(EIO), DSMAP_EIO);
	assert_int_equal(dsmap_error__from_errno(EEXIST), DSMAP_EEXISTS);
	assert_int_equal(dsmap_error__from_errno(EXDEV), DSMAP_ERROR);
}

static void test_errors__long_message_is_cut(void **state)
{
	char big[DSMAP__ERROR_MAX * 2];
	const char *msg;
	size_t len;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	dsmap_error__set(DSMAP_ERROR, "%s", big);
	msg = dsmap_error_last()->message;
	len = strlen(msg);
	assert_int_equal(len, DSMAP__ERROR_MAX - 1);
	assert_string_equal(msg + len - 3, "...");

	/* A prefix on a full message is cut too, never overflows. */
	dsmap_error__prefix(DSMAP_ERROR, "context");
	msg = dsmap_error_last()->message;
	assert_int_equal(strlen(msg), DSMAP__ERROR_MAX - 1);
	assert_memory_equal(msg, "context: xxx", 12);
}

static void test_errors__oom(void **state)
{
	(void)state;
	assert_int_equal(dsmap_error__oom(), DSMAP_ENOMEM);
	assert_string_equal(dsmap_error_last()->message, "out of memory");
}

static void test_errors__strerror(void **state)
{
	(void)state;
	assert_string_equal(dsmap_strerror(DSMAP_OK), "success");
	assert_string_equal(dsmap_strerror(DSMAP_ENOTFOUND), "not found");
	assert_string_equal(dsmap_strerror(DSMAP_ECORRUPT), "corrupted data");
	assert_string_equal(dsmap_strerror(DSMAP_EABI), "incompatible plugin ABI");
	assert_string_equal(dsmap_strerror(DSMAP_EAMBIGUOUS), "ambiguous name");
	assert_string_equal(dsmap_strerror(DSMAP_ENOSPC), "no space left on device");
	assert_string_equal(dsmap_strerror(-999), "unknown error");
}

/* DSMAP__E_LOWEST is the lowest code: every code from DSMAP_ERROR down to it
 * has a description, and none below it does (a code added without moving
 * DSMAP__E_LOWEST fails here; one dsmap_strerror() lacks fails the build). */
static void test_errors__lowest(void **state)
{
	int code;

	(void)state;
	for (code = DSMAP_ERROR; code >= DSMAP__E_LOWEST; code--)
		assert_string_not_equal(dsmap_strerror(code), "unknown error");
	for (code = DSMAP__E_LOWEST - 1; code >= DSMAP__E_LOWEST - 1000; code--)
		assert_string_equal(dsmap_strerror(code), "unknown error");
	assert_string_equal(dsmap_strerror(1), "unknown error");
}

static void *other_thread(void *arg)
{
	int *seen = arg;

	/* A fresh thread starts with no error, whatever the main thread did. */
	seen[0] = dsmap_error_last()->code;
	seen[1] = dsmap_error_last()->message[0] == '\0';
	dsmap_error__set(DSMAP_EIO, "thread error");
	return NULL;
}

static void test_errors__per_thread(void **state)
{
	pthread_t t;
	int seen[2] = { -100, 0 };

	(void)state;
	dsmap_error__set(DSMAP_EABI, "main thread error");
	assert_int_equal(pthread_create(&t, NULL, other_thread, seen), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(seen[0], DSMAP_OK);
	assert_int_equal(seen[1], 1);
	assert_int_equal(dsmap_error_last()->code, DSMAP_EABI);
	assert_string_equal(dsmap_error_last()->message, "main thread error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors__set_and_last),
		cmocka_unit_test(test_errors__clear),
		cmocka_unit_test(test_errors__prefix),
		cmocka_unit_test(test_errors__options_version),
		cmocka_unit_test(test_errors__errno),
		cmocka_unit_test(test_errors__long_message_is_cut),
		cmocka_unit_test(test_errors__oom),
		cmocka_unit_test(test_errors__strerror),
		cmocka_unit_test(test_errors__lowest),
		cmocka_unit_test(test_errors__per_thread),
	};

	return cmocka_run_group_tests_name("errors", tests, NULL, NULL);
}
