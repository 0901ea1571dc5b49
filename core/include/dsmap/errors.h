/*
 * dsmap: data-subject inventory and lineage mapper.
 *
 * errors.h: return codes and the per-thread last error.
 *
 * Every fallible call of the library returns an int: 0 on success, one of
 * the negative DSMAP_E* codes below on failure.  The code says what kind of
 * failure it was, so that a program can react to it; the human message,
 * with the context a user needs (a file and line, a system id, a record
 * number), is kept per thread and read with dsmap_error_last().  Codes of
 * the libraries dsmap uses (LMDB, libgit2, libyaml...) never cross the
 * public API: they are translated, their message kept.
 */
#ifndef DSMAP_ERRORS_H
#define DSMAP_ERRORS_H

#include "common.h"

DSMAP_BEGIN_DECL

/** Return codes.  New codes may be added; treat unknown ones as DSMAP_ERROR. */
typedef enum {
	DSMAP_OK = 0,          /**< success */
	DSMAP_ERROR = -1,      /**< a failure with no more specific code */
	DSMAP_ENOMEM = -2,     /**< out of memory */
	DSMAP_ENOTFOUND = -3,  /**< the thing asked for does not exist */
	DSMAP_EEXISTS = -4,    /**< the thing to create exists already */
	DSMAP_EINVALID = -5,   /**< invalid input: a bad argument, file or value */
	DSMAP_EABI = -6,       /**< a plugin built for an ABI this host does not speak */
	DSMAP_ECORRUPT = -7,   /**< stored data failed a consistency check */
	DSMAP_EVERSION = -8,   /**< data written by a newer dsmap */
	DSMAP_EIO = -9,        /**< an input/output error */
	DSMAP_EPERM = -10,     /**< refused for its permissions or ownership */
	DSMAP_EBUSY = -11,     /**< in use by another process */
	DSMAP_ETIMEOUT = -12,  /**< an operation took longer than allowed */
	DSMAP_EAMBIGUOUS = -13, /**< a name that several things have; the message names them */
	DSMAP_ENOSPC = -14     /**< no space left: the disk or a quota is full; the message
	                            names the file or store.  (A store whose map is at its
	                            configured maximum is DSMAP_EIO.) */
} dsmap_error_code;

/** The last error raised on the calling thread. */
typedef struct {
	/** one of dsmap_error_code */
	int code;
	/** the human message, never NULL, e.g. "store /w/.dsmap/store: truncated" */
	const char *message;
} dsmap_error;

/**
 * The last error raised on this thread.
 *
 * The returned object and its message belong to the library and stay valid
 * until the next call into the library on this thread.  When no error was
 * raised since the last dsmap_error_clear(), the code is DSMAP_OK and the
 * message is empty.
 *
 * @return the last error; never NULL
 */
DSMAP_EXTERN(const dsmap_error *) dsmap_error_last(void);

/** Forget the last error of this thread. */
DSMAP_EXTERN(void) dsmap_error_clear(void);

/**
 * A short, constant description of a return code, e.g. "not found".
 *
 * @param code one of dsmap_error_code
 * @return a static string; "unknown error" for an unknown code
 */
DSMAP_EXTERN(const char *) dsmap_strerror(int code);

DSMAP_END_DECL

#endif /* DSMAP_ERRORS_H */
