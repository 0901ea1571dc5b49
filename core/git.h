/*
 * Internal: libgit2 at the boundary.  libgit2's codes and messages are
 * translated here and never leave the library.
 */
#ifndef DSMAP_CORE_GIT_H
#define DSMAP_CORE_GIT_H

#include <git2.h>

#include "errors.h"

/*
 * libgit2 is loaded when a call first needs it, not when a program that
 * links libdsmap starts: dsmap_git__init() dlopen()s it (the shared object
 * configure found, DSMAP_LIBGIT2_SONAME) and fills dsmap__git.  On Debian
 * its dependencies (libssh2 with libcrypto, Kerberos, mbedTLS) cost the
 * dynamic loader more than a whole `dsmap locate`, which never reads git.
 *
 * The core calls libgit2 by its own names: below, each name becomes a call
 * through the table.  Calling one before dsmap_git__init() succeeded is a
 * bug (a NULL pointer), except for the oid helpers and git_error_last() /
 * git_error_clear(), which work without libgit2.  A libgit2 function not
 * in DSMAP__GIT_FUNCTIONS fails to link (libdsmap does not link libgit2):
 * add it there and below.  The handle is never closed.
 */
#define DSMAP__GIT_FUNCTIONS(X) \
	X(git_blob_free) \
	X(git_blob_lookup) \
	X(git_blob_rawcontent) \
	X(git_blob_rawsize) \
	X(git_commit_author) \
	X(git_commit_create) \
	X(git_commit_dup) \
	X(git_commit_free) \
	X(git_commit_id) \
	X(git_commit_lookup) \
	X(git_commit_parent) \
	X(git_commit_parentcount) \
	X(git_commit_summary) \
	X(git_commit_time) \
	X(git_commit_tree) \
	X(git_commit_tree_id) \
	X(git_error_clear) \
	X(git_error_last) \
	X(git_error_set_oom) \
	X(git_index_add_all) \
	X(git_index_add_bypath) \
	X(git_index_free) \
	X(git_index_update_all) \
	X(git_index_write) \
	X(git_index_write_tree) \
	X(git_libgit2_init) \
	X(git_libgit2_opts) \
	X(git_libgit2_shutdown) \
	X(git_object_free) \
	X(git_object_peel) \
	X(git_reference_free) \
	X(git_reference_target) \
	X(git_repository_free) \
	X(git_repository_head) \
	X(git_repository_index) \
	X(git_repository_init_ext) \
	X(git_repository_init_options_init) \
	X(git_repository_open_ext) \
	X(git_repository_path) \
	X(git_revparse_single) \
	X(git_signature_default) \
	X(git_signature_free) \
	X(git_signature_now) \
	X(git_tree_entry_byindex) \
	X(git_tree_entry_bypath) \
	X(git_tree_entry_filemode) \
	X(git_tree_entry_free) \
	X(git_tree_entry_id) \
	X(git_tree_entry_name) \
	X(git_tree_entry_type) \
	X(git_tree_entrycount) \
	X(git_tree_free) \
	X(git_tree_lookup) \
	X(git_tree_owner)

struct dsmap__git_functions {
#define DSMAP__GIT_POINTER(f) __typeof__(f) *p_##f;
	DSMAP__GIT_FUNCTIONS(DSMAP__GIT_POINTER)
#undef DSMAP__GIT_POINTER
};
extern struct dsmap__git_functions dsmap__git;

#define git_blob_free (dsmap__git.p_git_blob_free)
#define git_blob_lookup (dsmap__git.p_git_blob_lookup)
#define git_blob_rawcontent (dsmap__git.p_git_blob_rawcontent)
#define git_blob_rawsize (dsmap__git.p_git_blob_rawsize)
#define git_commit_author (dsmap__git.p_git_commit_author)
#define git_commit_create (dsmap__git.p_git_commit_create)
#define git_commit_dup (dsmap__git.p_git_commit_dup)
#define git_commit_free (dsmap__git.p_git_commit_free)
#define git_commit_id (dsmap__git.p_git_commit_id)
#define git_commit_lookup (dsmap__git.p_git_commit_lookup)
#define git_commit_parent (dsmap__git.p_git_commit_parent)
#define git_commit_parentcount (dsmap__git.p_git_commit_parentcount)
#define git_commit_summary (dsmap__git.p_git_commit_summary)
#define git_commit_time (dsmap__git.p_git_commit_time)
#define git_commit_tree (dsmap__git.p_git_commit_tree)
#define git_commit_tree_id (dsmap__git.p_git_commit_tree_id)
#define git_error_set_oom (dsmap__git.p_git_error_set_oom)
#define git_index_add_all (dsmap__git.p_git_index_add_all)
#define git_index_add_bypath (dsmap__git.p_git_index_add_bypath)
#define git_index_free (dsmap__git.p_git_index_free)
#define git_index_update_all (dsmap__git.p_git_index_update_all)
#define git_index_write (dsmap__git.p_git_index_write)
#define git_index_write_tree (dsmap__git.p_git_index_write_tree)
#define git_libgit2_init (dsmap__git.p_git_libgit2_init)
#define git_libgit2_opts (dsmap__git.p_git_libgit2_opts)
#define git_libgit2_shutdown (dsmap__git.p_git_libgit2_shutdown)
#define git_object_free (dsmap__git.p_git_object_free)
#define git_object_peel (dsmap__git.p_git_object_peel)
#define git_reference_free (dsmap__git.p_git_reference_free)
#define git_reference_target (dsmap__git.p_git_reference_target)
#define git_repository_free (dsmap__git.p_git_repository_free)
#define git_repository_head (dsmap__git.p_git_repository_head)
#define git_repository_index (dsmap__git.p_git_repository_index)
#define git_repository_init_ext (dsmap__git.p_git_repository_init_ext)
#define git_repository_init_options_init (dsmap__git.p_git_repository_init_options_init)
#define git_repository_open_ext (dsmap__git.p_git_repository_open_ext)
#define git_repository_path (dsmap__git.p_git_repository_path)
#define git_revparse_single (dsmap__git.p_git_revparse_single)
#define git_signature_default (dsmap__git.p_git_signature_default)
#define git_signature_free (dsmap__git.p_git_signature_free)
#define git_signature_now (dsmap__git.p_git_signature_now)
#define git_tree_entry_byindex (dsmap__git.p_git_tree_entry_byindex)
#define git_tree_entry_bypath (dsmap__git.p_git_tree_entry_bypath)
#define git_tree_entry_filemode (dsmap__git.p_git_tree_entry_filemode)
#define git_tree_entry_free (dsmap__git.p_git_tree_entry_free)
#define git_tree_entry_id (dsmap__git.p_git_tree_entry_id)
#define git_tree_entry_name (dsmap__git.p_git_tree_entry_name)
#define git_tree_entry_type (dsmap__git.p_git_tree_entry_type)
#define git_tree_entrycount (dsmap__git.p_git_tree_entrycount)
#define git_tree_free (dsmap__git.p_git_tree_free)
#define git_tree_lookup (dsmap__git.p_git_tree_lookup)
#define git_tree_owner (dsmap__git.p_git_tree_owner)

/* Without libgit2: the same as libgit2's (git_oid_fromstr() sets no
 * libgit2 error; it returns -1 when `str` does not start with 40 hex
 * digits), and git_error_last() is NULL while libgit2 is not loaded. */
char *dsmap_git__oid_tostr(char *out, size_t n, const git_oid *oid);
int dsmap_git__oid_fromstr(git_oid *out, const char *str);
int dsmap_git__oid_cpy(git_oid *out, const git_oid *src);
int dsmap_git__oid_equal(const git_oid *a, const git_oid *b);
const git_error *dsmap_git__error_last(void);
void dsmap_git__error_clear(void);
#define git_oid_tostr dsmap_git__oid_tostr
#define git_oid_fromstr dsmap_git__oid_fromstr
#define git_oid_cpy dsmap_git__oid_cpy
#define git_oid_equal dsmap_git__oid_equal
#define git_error_last dsmap_git__error_last
#define git_error_clear dsmap_git__error_clear

/* Load libgit2 (once per process) and git_libgit2_init() it, with a
 * matching dsmap_git__shutdown(); reference counted by libgit2 itself.
 * DSMAP_ERROR when libgit2 cannot be loaded.  Costly on some builds:
 * Debian's libgit2 1.5 parses the whole system CA bundle through mbedTLS
 * inside git_libgit2_init(), from a path compiled into it
 * (/etc/ssl/certs/ca-certificates.crt): 56 of the 76 million
 * instructions `dsmap status` took.  Nothing stops it: SSL_CERT_FILE is
 * not read, and git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS) crashes
 * before init and refuses two NULLs after it, too late anyway.  dsmap
 * never uses the network, so the library initialises libgit2 only where
 * it reads the repository (dsmap_workspace__git()). */
int dsmap_git__init(void);
void dsmap_git__shutdown(void);

/* Translate a libgit2 return code into a DSMAP_E* code, with the message
 * "<context>: <libgit2's message>". */
int dsmap_git__error(int rc, const char *fmt, ...) DSMAP__PRINTF(2, 3);

/* The same, for a lookup of an object that a tree or commit names: it
 * exists, so GIT_ENOTFOUND is DSMAP_ERROR, never DSMAP_ENOTFOUND (a
 * damaged repository; or libgit2 1.5, whose object database reports an
 * allocation failure while reading an object as "not found"). */
int dsmap_git__error_named(int rc, const char *fmt, ...) DSMAP__PRINTF(2, 3);

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
