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
	size_t cat_count;
	const char *const *cat_refs;         /* "group/id" */
	const uint32_t *catbits;
	size_t facet_count[2];               /* subject kinds, brands */
	const char *const *facet_ids[2];
	const unsigned int *facet_bits[2];   /* a record's mask has 1 << bit */
};

struct dsmap__frame_sink {
	/* Before the runner starts.  0, or a negative DSMAP_E* code (last
	 * error set): the scan of the system is not run. */
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

#endif
