/*
 * Helpers shared by the unit tests.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <dsmap.h>

#include "helpers.h"
#include "util.h"

char *th_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir = dsmap__sprintf("%s/dsmap-unit-XXXXXX", base && *base ? base : "/tmp");

	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	return dir;
}

void th_rmtree(char *dir)
{
	if (dir != NULL)
		assert_int_equal(dsmap__rm_rf(dir), 0);
	free(dir);
}

char *th_path(const char *a, const char *b)
{
	char *p = dsmap__path_join(a, b);

	assert_non_null(p);
	return p;
}

void th_write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(content, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

int th_error_contains(const char *needle)
{
	const char *msg = dsmap_error_last()->message;

	if (strstr(msg, needle) != NULL)
		return 1;
	fprintf(stderr, "expected '%s' in the last error, got '%s'\n", needle, msg);
	return 0;
}
