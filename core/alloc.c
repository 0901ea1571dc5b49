/*
 * The failing allocator (see alloc.h): compiled only with
 * ./configure --enable-failalloc.
 */
#include "config.h"

#ifdef DSMAP_FAILALLOC

#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "git.h"

#include <git2/sys/alloc.h>

/* What DSMAP_FAILALLOC asked for, read once at load: fail_at == 0 fails
 * nothing. */
static unsigned long fail_at;
static int persistent;
static pid_t reader;
static int hook_git;
static int trace;

/* ASan's, when linked in: symbolised, unlike backtrace_symbols_fd(). */
extern void __sanitizer_print_stack_trace(void) __attribute__((weak));
static atomic_ulong count;

static int fail_now(void)
{
	unsigned long n = atomic_fetch_add(&count, 1) + 1;

	if (fail_at == 0 || n < fail_at || (n > fail_at && !persistent))
		return 0;
	if (trace && n == fail_at) {
		fprintf(stderr, "dsmap: failalloc: allocation %lu fails here:\n", n);
		if (__sanitizer_print_stack_trace != NULL) {
			__sanitizer_print_stack_trace();
		} else {
			void *frames[32];

			backtrace_symbols_fd(frames, backtrace(frames, 32), 2);
		}
	}
	errno = ENOMEM;
	return 1;
}

void *dsmap__malloc(size_t n)
{
	return fail_now() ? NULL : malloc(n);
}

void *dsmap__calloc(size_t nmemb, size_t size)
{
	return fail_now() ? NULL : calloc(nmemb, size);
}

void *dsmap__realloc(void *p, size_t n)
{
	return fail_now() ? NULL : realloc(p, n);
}

char *dsmap__strdup(const char *s)
{
	return fail_now() ? NULL : strdup(s);
}

char *dsmap__strndup(const char *s, size_t n)
{
	return fail_now() ? NULL : strndup(s, n);
}

/* ---- libgit2's allocator ------------------------------------------------ */

/* In libgit2 1.5 the allocator, not its caller, sets the out-of-memory
 * error: GIT_ERROR_CHECK_ALLOC() only returns -1, and libgit2's own
 * stdalloc calls git_error_set_oom() on a NULL.  A hook that does not
 * leaves libgit2 failing with no error at all, which dsmap_git__error()
 * can only report as "libgit2 error".  (libgit2 1.7 moved the call into
 * git__malloc() and friends; setting it twice is harmless.) */
static void *git_oom(void *p)
{
	if (p == NULL)
		git_error_set_oom();
	return p;
}

static void *git_malloc(size_t n, const char *file, int line)
{
	(void)file, (void)line;
	return git_oom(dsmap__malloc(n));
}

static void *git_calloc(size_t nmemb, size_t size, const char *file, int line)
{
	(void)file, (void)line;
	return git_oom(dsmap__calloc(nmemb, size));
}

static char *git_strdup(const char *s, const char *file, int line)
{
	(void)file, (void)line;
	return git_oom(dsmap__strdup(s));
}

static char *git_strndup(const char *s, size_t n, const char *file, int line)
{
	(void)file, (void)line;
	return git_oom(dsmap__strndup(s, n));
}

/* Exactly n bytes of s, which need not be NUL-terminated within them. */
static char *git_substrdup(const char *s, size_t n, const char *file, int line)
{
	char *p;

	(void)file, (void)line;
	if (n == (size_t)-1 || (p = dsmap__malloc(n + 1)) == NULL)
		return git_oom(NULL);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static void *git_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file, (void)line;
	return git_oom(dsmap__realloc(p, n));
}

static void *git_reallocarray(void *p, size_t nmemb, size_t size, const char *file, int line)
{
	(void)file, (void)line;
	if (size != 0 && nmemb > (size_t)-1 / size)
		return git_oom(NULL);
	return git_oom(dsmap__realloc(p, nmemb * size));
}

static void *git_mallocarray(size_t nmemb, size_t size, const char *file, int line)
{
	return git_reallocarray(NULL, nmemb, size, file, line);
}

static void git_free(void *p)
{
	free(p);
}

int dsmap__alloc_hook_git(void)
{
	static const git_allocator a = {
		.gmalloc = git_malloc,
		.gcalloc = git_calloc,
		.gstrdup = git_strdup,
		.gstrndup = git_strndup,
		.gsubstrdup = git_substrdup,
		.grealloc = git_realloc,
		.greallocarray = git_reallocarray,
		.gmallocarray = git_mallocarray,
		.gfree = git_free,
	};

	return hook_git ? git_libgit2_opts(GIT_OPT_SET_ALLOCATOR, &a) : 0;
}

/* ---- set up at load ------------------------------------------------------- */

static void print_count(void)
{
	if (getpid() == reader)
		fprintf(stderr, "dsmap: failalloc: %lu allocations\n", atomic_load(&count));
}

/* Whether the caller runs inside jansson's parser (json_loadb() and the
 * other json_load*()): a frame whose nearest exported symbol is one. */
static int in_json_parser(void)
{
	void *frames[64];
	int i, n = backtrace(frames, 64);

	for (i = 0; i < n; i++) {
		Dl_info info;

		if (dladdr(frames[i], &info) != 0 && info.dli_sname != NULL &&
		    strncmp(info.dli_sname, "json_load", 9) == 0)
			return 1;
	}
	return 0;
}

/* jansson 2.14 (Debian 12's) aborts when an allocation of its lexer fails:
 * lex_save() drops strbuffer_append_byte()'s failure, and the lexer then
 * asserts on a token it did not save (akheron/jansson issue 362, fixed by
 * pull request 747, not yet released).  A failure injected inside the
 * parser would test that bug, not dsmap: it is counted but not made, and
 * the run says so once.  Every other jansson allocation fails as ours do. */
static void *json_malloc(size_t n)
{
	static atomic_int said;

	if (fail_now()) {
		if (!in_json_parser())
			return NULL;
		if (atomic_exchange(&said, 1) == 0)
			fprintf(stderr, "dsmap: failalloc: allocation %lu is inside jansson's parser, "
			        "which aborts on a failure there (jansson issue 362): not failed\n",
			        atomic_load(&count));
	}
	return malloc(n);
}

__attribute__((constructor)) static void setup(void)
{
	const char *v = getenv("DSMAP_FAILALLOC");
	char *end;

	json_set_alloc_funcs(json_malloc, free);
	hook_git = getenv("DSMAP_FAILALLOC_LIBGIT2") != NULL;
	trace = getenv("DSMAP_FAILALLOC_TRACE") != NULL;
	if (v == NULL || *v == '\0')
		return;
	reader = getpid();
	if (strcmp(v, "count") == 0) {
		atexit(print_count);
		return;
	}
	errno = 0;
	fail_at = strtoul(v, &end, 10);
	if (*end == '+') {
		persistent = 1;
		end++;
	}
	if (errno != 0 || *end != '\0' || fail_at == 0) {
		fprintf(stderr, "dsmap: DSMAP_FAILALLOC=%s: want N, N+ or count\n", v);
		exit(2);
	}
}

#endif
