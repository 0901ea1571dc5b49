/*
 * dsmap: data-subject inventory and lineage mapper.
 *
 * accesslog.h: the record of who asked `dsmap serve` what.
 *
 * A DSAR lookup is itself processing of personal data, so every request a
 * server answers is recorded in the workspace's .dsmap/access.log: when,
 * which token (by name), the method and route, the status, for a locate how
 * many identifiers of which kinds and how many systems answered, the
 * answer's size and how long it took.  Never an identifier's value, and
 * never a query string: a route is logged as its template's path.
 *
 * The log is one JSON object per line (JSON lines), mode 0600, opened for
 * appending only.  An entry is one write(2), so entries of concurrent
 * requests never interleave.  It is durable once an fdatasync(2) that
 * covers it has returned: dsmap_access_log_append() waits for that,
 * dsmap_access_log_submit() calls back, so that a server answers only what
 * it has recorded, without holding a thread while the disk works.
 *
 * The syncs are done by a thread of the log's own, started by
 * dsmap_access_log_open() and ended by dsmap_access_log_close(): each
 * covers every line written before it began (group commit), so the cost
 * of durability is paid once per burst rather than once per request,
 * however many requests wait.  After a crash the last line may be cut
 * short; a reader reports it and goes on.
 */
#ifndef DSMAP_ACCESSLOG_H
#define DSMAP_ACCESSLOG_H

#include "common.h"
#include "workspace.h"

DSMAP_BEGIN_DECL

/** One request, as a server records it. */
typedef struct {
	/** when it was answered, in microseconds since the epoch; 0 for now
	 *  (the time the entry is appended) */
	int64_t time_us;
	/** the name of the token that made it; NULL when none was valid */
	const char *token_name;
	/** "GET", "POST"... */
	const char *method;
	/** the path, without its query; at most 256 bytes are kept */
	const char *route;
	/** the HTTP status answered */
	int status;
	/** for a locate: how many identifiers it was given ... */
	unsigned int identifiers;
	/** ... of which kinds, comma-separated ("email,phone"); NULL for none */
	const char *kinds;
	/** ... and how many systems held data on the subjects */
	unsigned int systems;
	/** the answer's body, in bytes */
	uint64_t bytes;
	/** from the request's arrival to its answer */
	uint64_t duration_us;
} dsmap_access_entry;

/** An open access log, for appending.  Opaque; safe to share between
 *  threads. */
typedef struct dsmap_access_log dsmap_access_log;

/**
 * Open the access log of `ws` for appending, creating it (0600) when it
 * does not exist.
 *
 * @return 0; DSMAP_EPERM when others may read or write it, or another user
 *         owns it; DSMAP_EINVALID when it is no regular file; DSMAP_EIO
 */
DSMAP_EXTERN(int) dsmap_access_log_open(dsmap_access_log **out, dsmap_workspace *ws);

/**
 * Append one entry and wait until it is durable.  Thread-safe.
 *
 * @return 0; DSMAP_EINVALID for an entry with no method or route;
 *         DSMAP_ENOMEM; DSMAP_ENOSPC, DSMAP_EIO naming the file (once a
 *         sync has failed, every later append fails: the log is broken)
 */
DSMAP_EXTERN(int) dsmap_access_log_append(dsmap_access_log *log, const dsmap_access_entry *e);

/**
 * Called once for each entry given to dsmap_access_log_submit() with a
 * callback, when the sync that covers it has returned.
 *
 * It runs on the log's syncing thread, the callbacks of one sync in the
 * order of their entries.  It must be quick and must not block (the next
 * sync waits for it), nor call into this log.
 *
 * @param payload as given to dsmap_access_log_submit()
 * @param rc 0 when the entry is durable; DSMAP_ENOSPC or DSMAP_EIO when it
 *        cannot be made so (dsmap_error_last() says why, naming the file)
 */
typedef void (*dsmap_access_done_fn)(void *payload, int rc);

/**
 * Append one entry without waiting for it to be durable.  Thread-safe.
 *
 * The line is written before this returns, so entries keep the order of
 * the calls.  `done` is called when the entry is durable or known lost;
 * it may be called (on the syncing thread) before this returns.  With no
 * callback the entry is made durable all the same, and no one is told.
 *
 * @param done NULL, or called exactly once when this returns 0, never
 *        when it fails
 * @param payload passed to `done`
 * @return 0; DSMAP_EINVALID for an entry with no method or route;
 *         DSMAP_ENOMEM; DSMAP_ENOSPC, DSMAP_EIO when the write fails or
 *         the log is broken
 */
DSMAP_EXTERN(int) dsmap_access_log_submit(dsmap_access_log *log, const dsmap_access_entry *e,
                                          dsmap_access_done_fn done, void *payload);

/**
 * Wait until every entry submitted or appended before this call is durable
 * (or known lost) and every callback of theirs has returned.
 *
 * @return 0; DSMAP_ENOSPC, DSMAP_EIO when the log is broken
 */
DSMAP_EXTERN(int) dsmap_access_log_flush(dsmap_access_log *log);

/**
 * Close the log: the entries submitted are synced and their callbacks
 * called first, then the syncing thread ends.  Nothing may be appended or
 * submitted during or after the call.  NULL is a no-op.
 */
DSMAP_EXTERN(void) dsmap_access_log_close(dsmap_access_log *log);

/**
 * Called by dsmap_access_log_read() for each entry in the order they were
 * written.  `line` is the entry's line number in the file.  A non-zero
 * return stops the walk and is returned.
 */
typedef int (*dsmap_access_fn)(void *payload, size_t line, const dsmap_access_entry *e);

/**
 * Called by dsmap_access_log_read() for a line that is no entry (a line
 * cut short by a crash, or damage), with its number and what is wrong;
 * the walk goes on unless it returns non-zero.
 */
typedef int (*dsmap_access_bad_fn)(void *payload, size_t line, const char *why);

/**
 * Read the access log of `ws`: each entry logged at or after `since` to
 * `fn`, each damaged line to `bad` (may be NULL: damaged lines are then
 * passed over).  A workspace with no log has no entries.
 *
 * @param since NULL for every entry, or a date in UTC: YYYY-MM-DD (from
 *        that day's start), YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS
 * @return 0, a callback's non-zero value, or DSMAP_EINVALID for a bad
 *         date, DSMAP_EPERM, DSMAP_EIO, DSMAP_ENOMEM
 */
DSMAP_EXTERN(int) dsmap_access_log_read(dsmap_workspace *ws, const char *since,
                                        dsmap_access_fn fn, dsmap_access_bad_fn bad,
                                        void *payload);

DSMAP_END_DECL

#endif
