/*
 * Internal: the library's allocation calls, and the failing allocator that
 * tests run them under.
 *
 * Every allocation in core/ goes through dsmap__malloc() and friends; what
 * they return is freed with plain free().  In a normal build they are the
 * libc calls, inlined.  Built with ./configure --enable-failalloc
 * (DSMAP_FAILALLOC defined), they also count, and the environment variable
 * DSMAP_FAILALLOC, read once, makes one of them fail:
 *
 *   DSMAP_FAILALLOC=N      the Nth allocation (1-based) returns NULL, and
 *                          only that one: a failure that some code
 *                          swallowed then shows as a wrong answer, not
 *                          as a later failure that hides it;
 *   DSMAP_FAILALLOC=N+     the Nth and every later one fail, as when memory
 *                          is really gone: the cleanup paths then run with
 *                          nothing to allocate;
 *   DSMAP_FAILALLOC=count  nothing fails; at exit, the process that read
 *                          the variable prints "dsmap: failalloc: K
 *                          allocations" to stderr, so that a sweep knows
 *                          its range.
 *
 * With DSMAP_FAILALLOC_TRACE set as well, the failing allocation prints
 * its stack to stderr (for finding which path a sweep's run took).
 *
 * jansson's allocator is hooked too (json_set_alloc_funcs, at load), so
 * that its allocations count and fail in the same sequence.  libgit2's is
 * hooked (GIT_OPT_SET_ALLOCATOR, before git_libgit2_init) only when
 * DSMAP_FAILALLOC_LIBGIT2 is set as well: it makes thousands of
 * allocations per command, and libgit2 1.5 leaks on some of its own
 * out-of-memory paths, which a sweep cannot tell from ours (see
 * docs/testing.md).  LMDB and libyaml offer no hook: their allocations are
 * not counted.  A production build
 * compiles none of this, so that no binary honours a test knob.
 */
#ifndef DSMAP_CORE_ALLOC_H
#define DSMAP_CORE_ALLOC_H

#include <stdlib.h>
#include <string.h>

#ifdef DSMAP_FAILALLOC

void *dsmap__malloc(size_t n);
void *dsmap__calloc(size_t nmemb, size_t size);
void *dsmap__realloc(void *p, size_t n);
char *dsmap__strdup(const char *s);
char *dsmap__strndup(const char *s, size_t n);

/* Install the failing allocator in libgit2 (the table of git.h must be
 * loaded).  Returns 0, or libgit2's negative code. */
int dsmap__alloc_hook_git(void);

#else

static inline void *dsmap__malloc(size_t n) { return malloc(n); }
static inline void *dsmap__calloc(size_t nmemb, size_t size) { return calloc(nmemb, size); }
static inline void *dsmap__realloc(void *p, size_t n) { return realloc(p, n); }
static inline char *dsmap__strdup(const char *s) { return strdup(s); }
static inline char *dsmap__strndup(const char *s, size_t n) { return strndup(s, n); }

#endif

#endif
