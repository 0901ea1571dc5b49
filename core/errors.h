/*
 * Internal: raising errors.  See include/dsmap/errors.h for the public side.
 */
#ifndef DSMAP_CORE_ERRORS_H
#define DSMAP_CORE_ERRORS_H

#include "dsmap/errors.h"

#if defined(__GNUC__)
# define DSMAP__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
# define DSMAP__PRINTF(a, b)
#endif

/*
 * The lowest (most negative) DSMAP_E* code: every code is in
 * [DSMAP__E_LOWEST, DSMAP_OK].  A code that crosses a process boundary (a
 * runner's 'X' frame, frame.h) is checked against it.  Kept true by
 * dsmap_strerror(), whose switch names every code (-Wswitch fails the
 * build on a code it lacks), and by tests/unit/errors.c, which asks it for
 * every code down to this one and for none below.
 */
#define DSMAP__E_LOWEST DSMAP_ENOSPC

/* The longest message kept; longer ones are cut with "...". */
#define DSMAP__ERROR_MAX 2048

/*
 * Set the last error of this thread to `code` with a printf-style message.
 * Returns `code`, so that `return dsmap_error__set(...)` reads naturally.
 */
int dsmap_error__set(int code, const char *fmt, ...) DSMAP__PRINTF(2, 3);

/* Like dsmap_error__set, appending ": strerror(errnum)". */
int dsmap_error__errno(int code, int errnum, const char *fmt, ...) DSMAP__PRINTF(3, 4);

/*
 * Put context in front of the current message: "<context>: <message>".
 * Returns the current code unchanged, or `code` when no error is set.
 */
int dsmap_error__prefix(int code, const char *fmt, ...) DSMAP__PRINTF(2, 3);

/* Out of memory, without allocating. */
int dsmap_error__oom(void);

/*
 * The one check of a public options struct's `version`: every version from
 * 1 to `max` is taken (a newer struct only adds fields at its end, read
 * only when `version` says they are there).  0 when `version` is one of
 * them, else DSMAP_EINVALID naming function `fn`.
 */
int dsmap_error__options_version(const char *fn, unsigned int version, unsigned int max);

/* The DSMAP_E* code that fits an errno value (ENOENT -> ENOTFOUND...). */
int dsmap_error__from_errno(int errnum);

#endif
