/*
 * The per-thread last error.
 *
 * The message lives in a fixed thread-local buffer: raising an error never
 * allocates, so out-of-memory can be reported like anything else, and a
 * thread that exits leaves nothing behind.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"

static _Thread_local char message[DSMAP__ERROR_MAX];
static _Thread_local dsmap_error last = { DSMAP_OK, "" };

const dsmap_error *dsmap_error_last(void)
{
	if (last.message == NULL)
		last.message = "";
	return &last;
}

void dsmap_error_clear(void)
{
	message[0] = '\0';
	last.code = DSMAP_OK;
	last.message = "";
}

static void mark_cut(size_t len)
{
	if (len >= sizeof(message))
		memcpy(message + sizeof(message) - 4, "...", 4);
}

static int vset(int code, const char *fmt, va_list ap)
{
	int n = vsnprintf(message, sizeof(message), fmt, ap);

	if (n < 0)
		message[0] = '\0';
	else
		mark_cut((size_t)n);
	last.code = code;
	last.message = message;
	return code;
}

int dsmap_error__set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(code, fmt, ap);
	va_end(ap);
	return code;
}

int dsmap_error__errno(int code, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vset(code, fmt, ap);
	va_end(ap);
	len = strlen(message);
	if (len < sizeof(message) - 1)
		mark_cut(len + (size_t)snprintf(message + len, sizeof(message) - len,
		                                ": %s", strerror(errnum)));
	return code;
}

int dsmap_error__prefix(int code, const char *fmt, ...)
{
	char old[DSMAP__ERROR_MAX];
	va_list ap;
	size_t len;
	int n;

	if (last.code == DSMAP_OK)
		last.code = code;
	memcpy(old, message, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	len = (size_t)n < sizeof(message) ? (size_t)n : sizeof(message) - 1;
	if (old[0] != '\0' && len < sizeof(message) - 1)
		n = (int)len + snprintf(message + len, sizeof(message) - len, ": %s", old);
	mark_cut((size_t)n);
	last.message = message;
	return last.code;
}

int dsmap_error__oom(void)
{
	return dsmap_error__set(DSMAP_ENOMEM, "out of memory");
}

int dsmap_error__options_version(const char *fn, unsigned int version, unsigned int max)
{
	if (version >= 1 && version <= max)
		return 0;
	return dsmap_error__set(DSMAP_EINVALID, "%s: options version %u is not one this library "
	                        "takes (1 to %u)", fn, version, max);
}

int dsmap_error__from_errno(int errnum)
{
	switch (errnum) {
	case ENOENT:
	case ENOTDIR:
		return DSMAP_ENOTFOUND;
	case EEXIST:
	case ENOTEMPTY:
		return DSMAP_EEXISTS;
	case EACCES:
	case EPERM:
	case EROFS:
		return DSMAP_EPERM;
	case ENOMEM:
		return DSMAP_ENOMEM;
	case ENOSPC:
	case EDQUOT:
		return DSMAP_ENOSPC;
	case EIO:
	case EFBIG:
		return DSMAP_EIO;
	case EBUSY:
	case EAGAIN:
		return DSMAP_EBUSY;
	case EINVAL:
	case ENAMETOOLONG:
		return DSMAP_EINVALID;
	default:
		return DSMAP_ERROR;
	}
}

_Static_assert(DSMAP__E_LOWEST < DSMAP_ERROR, "DSMAP__E_LOWEST is a DSMAP_E* code");

const char *dsmap_strerror(int code)
{
	/* On the enum, with no default: a code added to dsmap_error_code and
	 * not named here fails the build (-Wswitch). */
	switch ((dsmap_error_code)code) {
	case DSMAP_OK: return "success";
	case DSMAP_ERROR: return "error";
	case DSMAP_ENOMEM: return "out of memory";
	case DSMAP_ENOTFOUND: return "not found";
	case DSMAP_EEXISTS: return "already exists";
	case DSMAP_EINVALID: return "invalid input";
	case DSMAP_EABI: return "incompatible plugin ABI";
	case DSMAP_ECORRUPT: return "corrupted data";
	case DSMAP_EVERSION: return "written by a newer version";
	case DSMAP_EIO: return "input/output error";
	case DSMAP_EPERM: return "permission denied";
	case DSMAP_EBUSY: return "busy";
	case DSMAP_ETIMEOUT: return "timed out";
	case DSMAP_EAMBIGUOUS: return "ambiguous name";
	case DSMAP_ENOSPC: return "no space left on device";
	}
	return "unknown error";
}
