/*
 * Helpers of the fuzz targets (see fuzz.h).
 */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

static char tmpdir[4096];

static int remove_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void remove_tmpdir(void)
{
	if (tmpdir[0] != '\0')
		nftw(tmpdir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_tmpdir(const char *name)
{
	const char *base = getenv("TMPDIR");
	int n;

	if (tmpdir[0] != '\0')
		return tmpdir;
	if (base == NULL || *base == '\0')
		base = "/tmp";
	n = snprintf(tmpdir, sizeof(tmpdir), "%s/dsmap-fuzz-%s-XXXXXX", base, name);
	if (n < 0 || (size_t)n >= sizeof(tmpdir) || mkdtemp(tmpdir) == NULL) {
		fprintf(stderr, "fuzz: cannot make a directory under %s: %s\n", base, strerror(errno));
		abort();
	}
	atexit(remove_tmpdir);
	return tmpdir;
}

void fuzz_path(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "fuzz: path too long: %s/%s\n", dir, name);
		abort();
	}
}

void fuzz_write(const char *path, const void *data, size_t len)
{
	FILE *f;

	/* A new file rather than the old one truncated: on ext4, closing a
	 * file truncated and written again starts its writeback, and an input
	 * then waits for the disk (auto_da_alloc). */
	if (unlink(path) != 0 && errno != ENOENT) {
		fprintf(stderr, "fuzz: cannot remove %s: %s\n", path, strerror(errno));
		abort();
	}
	f = fopen(path, "wb");

	if (f == NULL || (len > 0 && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
		fprintf(stderr, "fuzz: cannot write %s: %s\n", path, strerror(errno));
		abort();
	}
}

void fuzz_touch(const void *p, size_t len)
{
	const volatile unsigned char *s = p;
	volatile unsigned char sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum ^= s[i];
	(void)sum;
}

int fuzz_verbose(void)
{
	static int verbose = -1;

	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	return verbose;
}

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz: invariant broken: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
