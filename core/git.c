/*
 * libgit2 at the boundary.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "git.h"

int dsmap_git__init(void)
{
	int rc = git_libgit2_init();

	return rc < 0 ? dsmap_git__error(rc, "initialise libgit2") : 0;
}

void dsmap_git__shutdown(void)
{
	git_libgit2_shutdown();
}

int dsmap_git__error(int rc, const char *fmt, ...)
{
	const git_error *e = git_error_last();
	char ctx[512];
	va_list ap;
	int code;

	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	switch (rc) {
	case GIT_ENOTFOUND:
		code = DSMAP_ENOTFOUND;
		break;
	case GIT_EEXISTS:
		code = DSMAP_EEXISTS;
		break;
	case GIT_EAMBIGUOUS:
	case GIT_EINVALIDSPEC:
	case GIT_EINVALID:
		code = DSMAP_EINVALID;
		break;
	case GIT_ELOCKED:
		code = DSMAP_EBUSY;
		break;
	default:
		code = DSMAP_ERROR;
		break;
	}
	return dsmap_error__set(code, "%s: %s", ctx,
	                        e && e->message ? e->message : "libgit2 error");
}
