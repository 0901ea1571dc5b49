/*
 * The replay driver: a main() for a fuzz target without libFuzzer, so that
 * the committed corpus and crash inputs run as tests with the normal
 * compiler, under valgrind and in the sanitizer build.
 *
 *     replay-TARGET [FILE | DIR]...
 *
 * runs the target once on each FILE, and on each regular file of each DIR
 * (not its dotfiles, nor what its subdirectories hold), in name order.
 * Without an argument it replays tests/fuzz/corpus/TARGET/, which must
 * hold at least one input, and tests/fuzz/crashes/TARGET/, which may be
 * absent, of the source tree ($DSMAP_SRCDIR, else the tree it was
 * configured from).
 *
 * Each input is handed over in a buffer of exactly its size, as libFuzzer
 * does, so that a read past its end is caught.  An input that breaks
 * something aborts the run (a sanitizer report, or fuzz_fail()); the
 * driver itself exits 1 when an input cannot be read or no input was run.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef FUZZ_TARGET
# error "FUZZ_TARGET: the target's name, e.g. \"csv\""
#endif
#ifndef FUZZ_SRCDIR
# error "FUZZ_SRCDIR: the source tree"
#endif

static int verbose;

static int read_all(const char *path, unsigned char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL, *bigger;
	size_t cap = 0, n = 0, got;

	if (f == NULL)
		return -1;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((bigger = realloc(buf, cap)) == NULL)
				goto fail;
			buf = bigger;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	/* exactly its size: a read past the end is out of bounds */
	if ((*out = malloc(n ? n : 1)) == NULL) {
		free(buf);
		return -1;
	}
	if (n > 0)
		memcpy(*out, buf, n);
	free(buf);
	*len = n;
	return 0;
fail:
	free(buf);
	fclose(f);
	return -1;
}

static int run_file(const char *path)
{
	unsigned char *data;
	size_t len;

	if (read_all(path, &data, &len) < 0) {
		fprintf(stderr, "replay %s: %s: %s\n", FUZZ_TARGET, path, strerror(errno));
		return -1;
	}
	if (verbose)
		fprintf(stderr, "replay %s: %s (%zu bytes)\n", FUZZ_TARGET, path, len);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every regular file of `dir`; count them into *runs.  A directory
 * that does not exist is an error unless `optional`. */
static int run_dir(const char *dir, int optional, unsigned long *runs)
{
	char **names = NULL, **bigger, path[4096];
	size_t n = 0, cap = 0, i;
	struct dirent *e;
	struct stat st;
	int rc = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		if (optional && errno == ENOENT)
			return 0;
		fprintf(stderr, "replay %s: %s: %s\n", FUZZ_TARGET, dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((bigger = realloc(names, cap * sizeof(*names))) == NULL)
				goto oom;
			names = bigger;
		}
		if ((names[n] = strdup(e->d_name)) == NULL)
			goto oom;
		n++;
	}
	closedir(d);
	d = NULL;
	if (n > 1)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n && rc == 0; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= sizeof(path)) {
			fprintf(stderr, "replay %s: %s/%s: path too long\n", FUZZ_TARGET, dir, names[i]);
			rc = -1;
		} else if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
			continue;
		} else if ((rc = run_file(path)) == 0) {
			(*runs)++;
		}
	}
	goto done;
oom:
	fprintf(stderr, "replay %s: out of memory\n", FUZZ_TARGET);
	rc = -1;
done:
	if (d != NULL)
		closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int run_arg(const char *arg, unsigned long *runs)
{
	struct stat st;

	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
		return run_dir(arg, 0, runs);
	if (run_file(arg) < 0)
		return -1;
	(*runs)++;
	return 0;
}

int main(int argc, char **argv)
{
	const char *src = getenv("DSMAP_SRCDIR");
	unsigned long runs = 0, corpus = 0;
	char dir[4096];
	int i;

	verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		printf("usage: %s [FILE | DIR]...\n"
		       "Run the fuzz target %s on each input; without an argument, on\n"
		       "tests/fuzz/corpus/%s/ and tests/fuzz/crashes/%s/ of the source tree.\n",
		       argv[0], FUZZ_TARGET, FUZZ_TARGET, FUZZ_TARGET);
		return 0;
	}
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			if (run_arg(argv[i], &runs) < 0)
				return 1;
	} else {
		if (src == NULL || *src == '\0')
			src = FUZZ_SRCDIR;
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", src, FUZZ_TARGET);
		if (run_dir(dir, 0, &corpus) < 0)
			return 1;
		if (corpus == 0) {
			fprintf(stderr, "replay %s: %s holds no input\n", FUZZ_TARGET, dir);
			return 1;
		}
		printf("corpus/%s: %lu inputs\n", FUZZ_TARGET, corpus);
		runs = corpus;
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/crashes/%s", src, FUZZ_TARGET);
		if (run_dir(dir, 1, &runs) < 0)
			return 1;
		printf("crashes/%s: %lu inputs\n", FUZZ_TARGET, runs - corpus);
	}
	if (runs == 0) {
		fprintf(stderr, "replay %s: no input\n", FUZZ_TARGET);
		return 1;
	}
	/* The summary bootstrap's tally counts. */
	printf("replay: %lu passed, 0 failed\n", runs);
	return 0;
}
