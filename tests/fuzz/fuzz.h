/*
 * The fuzz targets of dsmap: what every target and the replay driver
 * share.
 *
 * A target is one LLVMFuzzerTestOneInput().  It is linked either with
 * libFuzzer (`make fuzz`, clang) or with standalone.c, which replays the
 * committed corpus and crash inputs as a test of `make check`, with the
 * normal compiler.  A target never returns anything but 0: a bug shows as
 * a sanitizer report, a crash, or an invariant of the code under test
 * that fuzz_fail() reports before it aborts.
 *
 * Helpers here use only the C library, so that the plugin targets stay
 * free of libdsmap, as the plugins themselves are.
 */
#ifndef DSMAP_FUZZ_H
#define DSMAP_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
# define FUZZ_PRINTF(a, b) __attribute__((format(printf, a, b)))
# define FUZZ_NORETURN __attribute__((noreturn))
#else
# define FUZZ_PRINTF(a, b)
# define FUZZ_NORETURN
#endif

/* Run the target on one input.  Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A scratch directory of this process, "$TMPDIR/dsmap-fuzz-NAME-XXXXXX",
 * made on the first call and removed with what it holds when the process
 * exits normally.  Aborts when it cannot be made. */
const char *fuzz_tmpdir(const char *name);

/* "dir/name" into buf; aborts when it does not fit. */
void fuzz_path(char *buf, size_t size, const char *dir, const char *name);

/* Replace the file at `path` with `len` bytes of `data`; aborts on failure. */
void fuzz_write(const char *path, const void *data, size_t len);

/* Read every byte of a buffer, so that the sanitizers and valgrind check
 * that all of it may be read. */
void fuzz_touch(const void *p, size_t len);

/* Whether FUZZ_VERBOSE is set in the environment: targets then say on
 * stderr what each input did (to check that a seed reaches what it is
 * meant to). */
int fuzz_verbose(void);

/* An invariant of the code under test does not hold: say which, and abort
 * (libFuzzer then keeps the input as a crash). */
void fuzz_fail(const char *fmt, ...) FUZZ_PRINTF(1, 2) FUZZ_NORETURN;

#define FUZZ_CHECK(cond, ...) \
	do { \
		if (!(cond)) \
			fuzz_fail(__VA_ARGS__); \
	} while (0)

#endif
