/*
 * Internal: a NATS connection as the agent makes it (agent.c), for the
 * other core modules that talk to JetStream (replica.c).
 *
 * One way to connect: the servers one by one (nats.c 3.4.1 fails over
 * TLS with a comma-separated URL), the creds file's user and password
 * (mode 0600), the CA, and what the server says asynchronously kept for
 * the next error message.  JetStream calls that fail while the cluster
 * elects a leader are asked again with dsmap__nats_transient() and
 * dsmap__nats_backoff().
 */
#ifndef DSMAP_CORE_NATSCONN_H
#define DSMAP_CORE_NATSCONN_H

#include <stdint.h>

#include <nats/nats.h>

#include "errors.h"

/* Tries of a JetStream call that fails transiently: about 30 s in all. */
#define DSMAP__NATS_TRIES 8

struct dsmap__nats;

/* Connect to `urls` (comma-separated; NULL or "" for $DSMAP_NATS_URL)
 * with the creds file `creds` and the CA file `ca` (either may be NULL),
 * as dsmap_agent_run() does; `name` is the client's name for the server.
 * Returns 0, or DSMAP_EINVALID, DSMAP_EPERM (a loose creds file),
 * DSMAP_EIO (NATS unreachable) with the error set. */
int dsmap__nats_open(struct dsmap__nats **out, const char *urls, const char *creds,
                     const char *ca, const char *name);
/* Close and free; NULL is a no-op. */
void dsmap__nats_close(struct dsmap__nats *n);
natsConnection *dsmap__nats_conn(struct dsmap__nats *n);
/* The JetStream context (5 s per request). */
jsCtx *dsmap__nats_js(struct dsmap__nats *n);
/* The stream `name` of the subjects `subject` ("dsmap.snap.>"), made when
 * missing (file storage, $DSMAP_NATS_REPLICAS replicas, default 3; a
 * retried publish is a duplicate for `dup_minutes`), its lookup asked
 * again through a leader election.  Its last sequence in *last_seq when
 * not NULL (0 for a new stream).  0, or DSMAP_EIO with the error set. */
int dsmap__nats_ensure_stream(struct dsmap__nats *n, const char *name, const char *subject,
                              int dup_minutes, uint64_t *last_seq);
/* Whether a call failed only because the cluster is between leaders. */
int dsmap__nats_transient(natsStatus s, jsErrCode jerr);
/* The pause before try `tries` + 1: 0.25 s doubling to 4 s. */
void dsmap__nats_backoff(int tries);
/* Set the error DSMAP_EIO: "<what>: <status> (<nats.c's last error>);
 * the server said: <...>", and return it. */
int dsmap__nats_fail(struct dsmap__nats *n, natsStatus s, jsErrCode jerr, const char *fmt, ...)
	DSMAP__PRINTF(4, 5);
/* Check a creds file as dsmap__nats_open() would, without connecting. */
int dsmap__nats_check_creds(const char *path);

#endif
