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

#endif
