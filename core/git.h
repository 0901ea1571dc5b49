/*
 * Internal: libgit2 at the boundary.  libgit2's codes and messages are
 * translated here and never leave the library.
 */
#ifndef DSMAP_CORE_GIT_H
#define DSMAP_CORE_GIT_H

#include <git2.h>

#include "errors.h"

/* git_libgit2_init() with a matching dsmap_git__shutdown(); reference
 * counted by libgit2 itself. */
int dsmap_git__init(void);
void dsmap_git__shutdown(void);

/* Translate a libgit2 return code into a DSMAP_E* code, with the message
 * "<context>: <libgit2's message>". */
int dsmap_git__error(int rc, const char *fmt, ...) DSMAP__PRINTF(2, 3);

/* The commit `spec` names in `repo`: a revision ("HEAD~2", a branch, a
 * commit id) or a date, "YYYY-MM-DD" (the end of that day, UTC) or
 * "YYYY-MM-DDTHH:MM[:SS]" (UTC), which names the newest commit on the
 * first-parent line of HEAD made at or before it.  DSMAP_ENOTFOUND when
 * nothing matches; DSMAP_EINVALID when `spec` is neither. */
int dsmap_git__resolve(git_repository *repo, const char *spec, git_oid *oid, int64_t *when);

/* Parse a date as dsmap_git__resolve() reads it, into seconds since the
 * epoch (for a bare date, the last second of that day).  -1 when it is
 * not one. */
int dsmap_git__parse_date(const char *s, int64_t *out);

#endif
