/*
 * Internal: small file-system and string helpers shared by core modules.
 */
#ifndef DSMAP_CORE_UTIL_H
#define DSMAP_CORE_UTIL_H

#include "errors.h"

#include <stddef.h>
#include <sys/types.h>

/* "a" + "/" + "b", newly allocated; NULL when out of memory. */
char *dsmap__path_join(const char *a, const char *b);

/* printf into a newly allocated string; NULL when out of memory. */
char *dsmap__sprintf(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

/* Create directory `path` and its missing parents with `mode`.  Returns 0
 * or a DSMAP_E* code with the error set. */
int dsmap__mkdir_p(const char *path, mode_t mode);

/* Remove `path` and everything below it; used to clean up a failed init.
 * Returns 0 or a DSMAP_E* code. */
int dsmap__rm_rf(const char *path);

/* Write `len` bytes to a new file `path` (it must not exist) with `mode`,
 * then fsync it.  Returns 0 or a DSMAP_E* code with the error set. */
int dsmap__write_new_file(const char *path, const void *data, size_t len, mode_t mode);

/* Read a whole regular file of at most `max` bytes into a new buffer
 * (NUL-terminated for convenience).  Anything else (a FIFO, a device, a
 * directory) is refused with DSMAP_EINVALID, without waiting on it.
 * Returns 0 or a DSMAP_E* code. */
int dsmap__read_file(char **out, size_t *len, const char *path, size_t max);

/* dsmap__read_file() with flags: DSMAP__READ_NOFOLLOW refuses a symbolic
 * link (DSMAP_EINVALID) instead of reading its target. */
#define DSMAP__READ_NOFOLLOW 1u
int dsmap__read_regular(char **out, size_t *len, const char *path, size_t max,
                        unsigned int flags);

/*
 * The errno a failed write to the file system holding `path` is to be
 * reported with.  LMDB turns a short write, which is how a disk that fills
 * up mid-write shows itself, into EIO; when that file system has less than
 * DSMAP__FULL_BELOW bytes left for this user, ENOSPC is what happened.
 * Other values come back as they are.
 */
#define DSMAP__FULL_BELOW (1u << 20)
int dsmap__write_errno(int err, const char *path);

/* Whether `sb` (the lstat of `path`) is a file only this user may read
 * and write: 0, or DSMAP_EPERM with the chmod or chown that puts it right
 * (for the tokens and the access log, which say who may read, and who
 * read, every person's data). */
struct stat;
int dsmap__private_file(const char *path, const struct stat *sb);

/* The absolute, symlink-free form of `path` (which must exist), newly
 * allocated; NULL with the error set otherwise. */
char *dsmap__realpath(const char *path);

/* Does `path` exist as a directory? */
int dsmap__is_dir(const char *path);

/* Text built piece by piece (the renderers of lineage, locate, history):
 * on running out of memory `oom` is set and later pieces are dropped. */
struct dsmap__out {
	char *buf;
	size_t len, cap;
	int oom;
};
void dsmap__outf(struct dsmap__out *o, const char *fmt, ...) DSMAP__PRINTF(2, 3);

#endif
