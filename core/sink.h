/*
 * Internal: where a scan's checked frames go when they are not ingested
 * here.  A local scan ingests each frame it accepts into the store; an
 * agent (agent.c, issue 18) runs the very same runner and checks and hands
 * each accepted frame to a sink, which publishes it to NATS JetStream.
 *
 * Every pointer a sink's callbacks receive is borrowed for the call.
 */
#ifndef DSMAP_CORE_SINK_H
#define DSMAP_CORE_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "dsmap/scan.h"
#include "dsmap/workspace.h"
#include "frame.h"

/* The numbers the frames carry, as this workspace's store gave them: a
 * store on another machine numbers categories and facets its own way, so
 * an agent sends this table first and the coordinator maps them to its
 * own.  Parallel arrays; ids and refs are the mapping's, never personal. */
struct dsmap__sink_plan {
	const char *system;
	const char *commit;                  /* the mapping revision scanned, 40 hex */
	const char *definition;              /* the git blob id of the system's file,
	                                      * 40 hex (dsmap_mapping__system_blob) */
	const char *definition_path;         /* that file, under mappings/ */
	size_t cat_count;
	const char *const *cat_refs;         /* "group/id" */
	const uint32_t *catbits;
	size_t facet_count[2];               /* subject kinds, brands */
	const char *const *facet_ids[2];
	const unsigned int *facet_bits[2];   /* a record's mask has 1 << bit */
};

struct dsmap__frame_sink {
	/* Once, after the runner was forked (so that it inherits nothing the
	 * sink holds) and before the first frame or the end.  0, or a
	 * negative DSMAP_E* code (last error set), which ends the scan. */
	int (*start)(void *payload, const struct dsmap__sink_plan *plan);
	/* A frame the scan decoded and checked against the job ('R', 'U',
	 * 'I', 'J', and the 'E' whose count matched).  0, or a negative code
	 * (last error set), which ends the scan at once. */
	int (*frame)(void *payload, const struct dsmap__frame *f);
	/* The runner is gone: `failure` NULL when the scan is complete (its
	 * 'E' frame counted `records`), else why it failed.  0, or a negative
	 * code (last error set) when the sink could not say so. */
	int (*end)(void *payload, uint64_t records, const char *failure);
	void *payload;
};

/*
 * Scan one system as dsmap_scan() does (sync, the mapping at `rev`, the
 * runner, every frame checked), but hand the frames to `sink` instead of
 * the store: the store is only synced, its inventory untouched.  `timeout`
 * as dsmap_scan_options.timeout.  Returns 0 when the scan was complete and
 * the sink took its end; DSMAP_ENOTFOUND when the mapping has no such
 * system; DSMAP_ERROR when the system's scan failed; another negative
 * code when the sink or the workspace failed.  *records, when not NULL,
 * is set to the records read.  The failure's message is the last error.
 */
int dsmap__scan_to_sink(dsmap_workspace *ws, const char *system, const char *rev,
                        unsigned int timeout, const struct dsmap__frame_sink *sink,
                        uint64_t *records);

/* ---- the coordinator's side: frames from a remote agent -------------------------- */

enum {
	DSMAP__REMOTE_OTHER = 0,      /* a message of no kind dsmap knows */
	DSMAP__REMOTE_START,
	DSMAP__REMOTE_FRAMES,
	DSMAP__REMOTE_MANIFEST
};

/* One message of an agent's stream (agent.h says what each holds).  The
 * views are borrowed until the source's next call. */
struct dsmap__remote_msg {
	int kind;                     /* DSMAP__REMOTE_*, from the Dsmap-Kind header */
	char generation[33];          /* the Dsmap-Generation header; "" when missing or
	                               * not 32 hex digits */
	uint64_t batch;               /* the Dsmap-Batch header of frames; 0 when missing */
	uint64_t seq;                 /* its sequence in the stream */
	const unsigned char *data;
	size_t len;
};

struct dsmap__frame_source {
	/* The next message of the system's stream, waiting at most
	 * `timeout_ms`: 0 and *m set; DSMAP_ETIMEOUT when none came; another
	 * negative code (last error set) when the source failed. */
	int (*next)(void *payload, struct dsmap__remote_msg *m, unsigned int timeout_ms);
	/* What becomes of the last message: DSMAP__MSG_TAKEN, or delivered
	 * again (DSMAP__MSG_AGAIN: to the next scan; DSMAP__MSG_LATER: after a
	 * pause, to this one).  0, or a negative code. */
	int (*ack)(void *payload, int what);
	/* Whether a message delivered to this scan before the last one was
	 * lost on its way (a NATS node died while it carried it): the source
	 * holds more than the last message unacknowledged.  The source
	 * delivers such a message again once its ack wait ends.  1, 0, or a
	 * negative code. */
	int (*lost)(void *payload);
	void *payload;
};

enum { DSMAP__MSG_TAKEN = 0, DSMAP__MSG_AGAIN = 1, DSMAP__MSG_LATER = 2 };

/*
 * dsmap_scan() of one system whose frames come from `src` instead of a
 * local runner: the same preparation, the same checks of every frame and
 * the same ingest, and a new generation committed only when the agent's
 * manifest matches what arrived (frames, batches, bytes, BLAKE2b-256,
 * records and the 'E' frame's count).  The first generation that begins
 * in the stream is the one ingested; messages of a generation whose start
 * was taken by an earlier scan are skipped.  A message that comes before
 * its turn (a batch, or the manifest, before one that was lost on its
 * way; a generation's rest before its start) while src->lost() says a
 * delivery was lost is delivered again later, after the lost one.  An agent that sends nothing
 * for `opts->timeout` seconds (else the system's timeout) fails the
 * system, and its previous inventory stays.  Returns as dsmap_scan().
 */
int dsmap__scan_remote(dsmap_scan_report **out, dsmap_workspace *ws, const char *system,
                       const dsmap_scan_options *opts, const struct dsmap__frame_source *src);

#endif
