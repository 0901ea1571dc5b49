/*
 * libgit2 at the boundary.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "git.h"

/* ---- libgit2, loaded on first need -------------------------------------- */

struct dsmap__git_functions dsmap__git;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static atomic_int loaded;      /* set, with release, once dsmap__git is whole */
static char load_error[512];

static void load(void)
{
	struct dsmap__git_functions fns;
	const char *err;
	void *h, *sym;

	/* RTLD_LOCAL: libgit2's symbols stay out of the global scope; a program
	 * that links libgit2 itself gets the same object, and the same global
	 * state, back from dlopen(). */
	if ((h = dlopen(DSMAP_LIBGIT2_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		err = dlerror();
		snprintf(load_error, sizeof(load_error), "%s", err ? err : DSMAP_LIBGIT2_SONAME);
		return;
	}
#define LOAD(f) \
	if ((sym = dlsym(h, #f)) == NULL) { \
		snprintf(load_error, sizeof(load_error), "%s has no %s", DSMAP_LIBGIT2_SONAME, #f); \
		return; \
	} \
	memcpy(&fns.p_##f, &sym, sizeof(sym));
	DSMAP__GIT_FUNCTIONS(LOAD)
#undef LOAD
	dsmap__git = fns;
	atomic_store_explicit(&loaded, 1, memory_order_release);
}

static int is_loaded(void)
{
	return atomic_load_explicit(&loaded, memory_order_acquire);
}

int dsmap_git__init(void)
{
	int rc;

	pthread_once(&load_once, load);
	if (!is_loaded())
		return dsmap_error__set(DSMAP_ERROR, "load libgit2: %s", load_error);
#ifdef DSMAP_FAILALLOC
	/* Before git_libgit2_init(), which keeps an allocator set earlier. */
	if ((rc = dsmap__alloc_hook_git()) < 0)
		return dsmap_git__error(rc, "hook libgit2's allocator");
#endif
	if ((rc = git_libgit2_init()) < 0)
		return dsmap_git__error(rc, "initialise libgit2");
	return 0;
}

void dsmap_git__shutdown(void)
{
	if (is_loaded())
		git_libgit2_shutdown();
}

const git_error *dsmap_git__error_last(void)
{
	return is_loaded() ? dsmap__git.p_git_error_last() : NULL;
}

void dsmap_git__error_clear(void)
{
	if (is_loaded())
		dsmap__git.p_git_error_clear();
}

char *dsmap_git__oid_tostr(char *out, size_t n, const git_oid *oid)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (out == NULL || n == 0)
		return (char *)"";
	if (n > GIT_OID_HEXSZ + 1)
		n = GIT_OID_HEXSZ + 1;
	if (oid == NULL) {
		memset(out, 0, n);
		return out;
	}
	for (i = 0; i + 1 < n; i++)
		out[i] = hex[(oid->id[i / 2] >> (i % 2 ? 0 : 4)) & 15];
	out[n - 1] = '\0';
	return out;
}

int dsmap_git__oid_fromstr(git_oid *out, const char *str)
{
	size_t i;

	memset(out->id, 0, sizeof(out->id));
	for (i = 0; i < GIT_OID_HEXSZ; i++) {
		char c = str[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		        c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (v < 0)
			return -1;
		out->id[i / 2] |= (unsigned char)(v << (i % 2 ? 0 : 4));
	}
	return 0;
}

int dsmap_git__oid_cpy(git_oid *out, const git_oid *src)
{
	*out = *src;
	return 0;
}

int dsmap_git__oid_equal(const git_oid *a, const git_oid *b)
{
	return memcmp(a->id, b->id, sizeof(a->id)) == 0;
}

static int git_error_v(int rc, int named, const char *fmt, va_list ap)
{
	const git_error *e = git_error_last();
	char ctx[512];
	int code;

	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	switch (rc) {
	case GIT_ENOTFOUND:
		code = named ? DSMAP_ERROR : DSMAP_ENOTFOUND;
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
	if (e != NULL && e->klass == GIT_ERROR_NOMEMORY)
		return dsmap_error__set(DSMAP_ENOMEM, "%s: out of memory", ctx);
	/* libgit2 keeps no errno, but an OS error's message ends with strerror() */
	if (code == DSMAP_ERROR && e != NULL && e->klass == GIT_ERROR_OS && e->message != NULL &&
	    (strstr(e->message, strerror(ENOSPC)) != NULL || strstr(e->message, strerror(EDQUOT)) != NULL))
		code = DSMAP_ENOSPC;
	return dsmap_error__set(code, "%s: %s", ctx,
	                        e && e->message ? e->message : "libgit2 error");
}

int dsmap_git__error(int rc, const char *fmt, ...)
{
	va_list ap;
	int code;

	va_start(ap, fmt);
	code = git_error_v(rc, 0, fmt, ap);
	va_end(ap);
	return code;
}

int dsmap_git__error_named(int rc, const char *fmt, ...)
{
	va_list ap;
	int code;

	va_start(ap, fmt);
	code = git_error_v(rc, 1, fmt, ap);
	va_end(ap);
	return code;
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
