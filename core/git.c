/*
 * libgit2 at the boundary.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

int dsmap_git__parse_date(const char *s, int64_t *out)
{
	int y, mo, d, h = 23, mi = 59, sec = 59, n = 0;
	struct tm tm;
	size_t len = strlen(s);

	if (len == 10 && sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10) {
		/* the whole day */
	} else if ((len == 16 || len == 19) &&
	           sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi, &n) == 5 && n == 16) {
		sec = 0;
		if (len == 19 && (s[16] != ':' || sscanf(s + 17, "%2d%n", &sec, &n) != 1 || n != 2))
			return -1;
	} else {
		return -1;
	}
	for (n = 0; s[n] != '\0'; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || ((n == 4 || n == 7) && s[n] == '-') ||
		      (n == 10 && s[n] == 'T') || ((n == 13 || n == 16) && s[n] == ':')))
			return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (int64_t)timegm(&tm);
	/* 2027-02-31 is no date: timegm would make it 2027-03-03 */
	if (tm.tm_mday != d || tm.tm_mon != mo - 1)
		return -1;
	return 0;
}

int dsmap_git__resolve(git_repository *repo, const char *spec, git_oid *oid, int64_t *when)
{
	git_object *obj = NULL;
	git_commit *commit = NULL, *parent;
	int64_t date;
	int rc;

	if (dsmap_git__parse_date(spec, &date) == 0) {
		/* A date: down the first-parent line of HEAD, newest first. */
		git_reference *head = NULL;

		if ((rc = git_repository_head(&head, repo)) < 0)
			return dsmap_git__error(rc, "date %s: read HEAD", spec);
		rc = git_commit_lookup(&commit, repo, git_reference_target(head));
		git_reference_free(head);
		if (rc < 0)
			return dsmap_git__error(rc, "date %s: read HEAD", spec);
		while ((int64_t)git_commit_time(commit) > date) {
			if (git_commit_parentcount(commit) == 0) {
				git_commit_free(commit);
				return dsmap_error__set(DSMAP_ENOTFOUND, "no commit of the mapping "
				                        "repository on or before %s", spec);
			}
			if ((rc = git_commit_parent(&parent, commit, 0)) < 0) {
				git_commit_free(commit);
				return dsmap_git__error(rc, "date %s: read a parent commit", spec);
			}
			git_commit_free(commit);
			commit = parent;
		}
	} else {
		if ((rc = git_revparse_single(&obj, repo, spec)) < 0) {
			if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC || rc == GIT_EAMBIGUOUS)
				return dsmap_error__set(rc == GIT_ENOTFOUND ? DSMAP_ENOTFOUND : DSMAP_EINVALID,
				    "'%s' is neither a revision of the mapping repository nor a date "
				    "(YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], UTC)", spec);
			return dsmap_git__error(rc, "revision '%s'", spec);
		}
		rc = git_object_peel((git_object **)&commit, obj, GIT_OBJECT_COMMIT);
		git_object_free(obj);
		if (rc < 0)
			return dsmap_git__error(rc, "revision '%s' is not a commit", spec);
	}
	git_oid_cpy(oid, git_commit_id(commit));
	if (when)
		*when = (int64_t)git_commit_time(commit);
	git_commit_free(commit);
	return 0;
}
