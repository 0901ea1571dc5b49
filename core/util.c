/*
 * Small file-system and string helpers.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "alloc.h"
#include "errors.h"
#include "util.h"

char *dsmap__path_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int slash = la > 0 && a[la - 1] != '/';
	char *p = dsmap__malloc(la + (size_t)slash + lb + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, a, la);
	if (slash)
		p[la] = '/';
	memcpy(p + la + (size_t)slash, b, lb + 1);
	return p;
}

char *dsmap__sprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (p = dsmap__malloc((size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

int dsmap__is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int dsmap__mkdir_p(const char *path, mode_t mode)
{
	char *p, *s;
	int rc = 0;

	if ((p = dsmap__strdup(path)) == NULL)
		return dsmap_error__oom();
	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) != 0 && errno != EEXIST) {
			rc = dsmap_error__errno(dsmap_error__from_errno(errno), errno,
			                        "create directory %s", p);
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	if (rc == 0 && !dsmap__is_dir(path))
		rc = dsmap_error__set(DSMAP_EEXISTS, "%s exists and is not a directory", path);
	free(p);
	return rc;
}

int dsmap__rm_rf(const char *path)
{
	struct stat sb;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (lstat(path, &sb) != 0)
		return errno == ENOENT ? 0 : dsmap_error__errno(DSMAP_EIO, errno, "remove %s", path);
	if (S_ISDIR(sb.st_mode)) {
		if ((d = opendir(path)) == NULL)
			return dsmap_error__errno(DSMAP_EIO, errno, "remove %s", path);
		while (rc == 0 && (e = readdir(d)) != NULL) {
			char *sub;

			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			if ((sub = dsmap__path_join(path, e->d_name)) == NULL) {
				rc = dsmap_error__oom();
				break;
			}
			rc = dsmap__rm_rf(sub);
			free(sub);
		}
		closedir(d);
		if (rc == 0 && rmdir(path) != 0)
			rc = dsmap_error__errno(DSMAP_EIO, errno, "remove %s", path);
	} else if (unlink(path) != 0) {
		rc = dsmap_error__errno(DSMAP_EIO, errno, "remove %s", path);
	}
	return rc;
}

int dsmap__write_new_file(const char *path, const void *data, size_t len, mode_t mode)
{
	const char *p = data;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return dsmap_error__errno(dsmap_error__from_errno(errno), errno, "create %s", path);
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = dsmap_error__errno(dsmap_error__from_errno(errno), errno, "write %s", path);
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = dsmap_error__errno(dsmap_error__from_errno(errno), errno, "sync %s", path);
	if (close(fd) != 0 && rc == 0)
		rc = dsmap_error__errno(dsmap_error__from_errno(errno), errno, "close %s", path);
	if (rc != 0)
		unlink(path);
	return rc;
}

static const char *file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	return "a special file";
}

int dsmap__read_regular(char **out, size_t *len, const char *path, size_t max, unsigned int flags)
{
	struct stat sb;
	char *buf = NULL;
	size_t got = 0;
	int fd, rc = 0;

	*out = NULL;
	/* O_NONBLOCK: opening a FIFO for reading would wait for a writer
	 * forever; it is refused below, once fstat() says what it is. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	          (flags & DSMAP__READ_NOFOLLOW ? O_NOFOLLOW : 0));
	if (fd < 0 && errno == ELOOP && (flags & DSMAP__READ_NOFOLLOW))
		return dsmap_error__set(DSMAP_EINVALID, "%s: a symbolic link, not a regular file",
		                        path);
	if (fd < 0)
		return dsmap_error__errno(dsmap_error__from_errno(errno), errno, "open %s", path);
	if (fstat(fd, &sb) != 0) {
		rc = dsmap_error__errno(DSMAP_EIO, errno, "stat %s", path);
		goto done;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = dsmap_error__set(DSMAP_EINVALID, "%s: %s, not a regular file", path,
		                      file_kind(sb.st_mode));
		goto done;
	}
	if ((uint64_t)sb.st_size > max) {
		rc = dsmap_error__set(DSMAP_EINVALID, "%s: %lld bytes, more than the %zu allowed",
		                      path, (long long)sb.st_size, max);
		goto done;
	}
	if ((buf = dsmap__malloc((size_t)sb.st_size + 1)) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	/* A file that grows while it is read is read up to its size at fstat(). */
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = dsmap_error__errno(DSMAP_EIO, errno, "read %s", path);
			goto done;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	buf = NULL;
	if (len)
		*len = got;
done:
	free(buf);
	close(fd);
	return rc;
}

int dsmap__read_file(char **out, size_t *len, const char *path, size_t max)
{
	return dsmap__read_regular(out, len, path, max, 0);
}

int dsmap__write_errno(int err, const char *path)
{
	struct statvfs vfs;
	unsigned long long left;

	if (err != EIO || statvfs(path, &vfs) != 0)
		return err;
	/* root may write into the blocks kept for it */
	left = (unsigned long long)(geteuid() == 0 ? vfs.f_bfree : vfs.f_bavail) * vfs.f_frsize;
	return left < DSMAP__FULL_BELOW ? ENOSPC : err;
}

char *dsmap__realpath(const char *path)
{
	char *p = realpath(path, NULL);

	if (p == NULL)
		dsmap_error__errno(dsmap_error__from_errno(errno), errno, "%s", path);
	return p;
}

void dsmap__outf(struct dsmap__out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf ? o->buf + o->len : NULL, o->buf ? o->cap - o->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->oom = 1;
		return;
	}
	if (o->buf == NULL || o->len + (size_t)n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		char *b;

		while (cap < o->len + (size_t)n + 1)
			cap *= 2;
		if ((b = dsmap__realloc(o->buf, cap)) == NULL) {
			o->oom = 1;
			return;
		}
		o->buf = b;
		o->cap = cap;
		va_start(ap, fmt);
		vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
	}
	o->len += (size_t)n;
}

int dsmap__private_file(const char *path, const struct stat *sb)
{
	if (sb->st_uid != geteuid())
		return dsmap_error__set(DSMAP_EPERM, "%s is owned by another user (uid %lu): run "
		                        "'chown %lu %s', or use dsmap as its owner", path,
		                        (unsigned long)sb->st_uid, (unsigned long)geteuid(), path);
	if (S_ISREG(sb->st_mode) && (sb->st_mode & 077) != 0)
		return dsmap_error__set(DSMAP_EPERM, "%s is readable or writable by group or "
		                        "others (mode %04o): run 'chmod 600 %s'",
		                        path, (unsigned int)(sb->st_mode & 07777), path);
	return 0;
}
