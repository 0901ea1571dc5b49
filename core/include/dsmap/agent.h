/*
 * dsmap: data-subject inventory and lineage mapper.
 *
 * agent.h: scan one system where its data lives, and publish the result
 * to NATS JetStream for a coordinator to ingest (docs/distributed.md).
 *
 * An agent runs next to a source system, in its network zone.  It runs the
 * system's plugin in the same isolated runner as a local scan, with the
 * same normalisation and the same keyed hashing: the workspace's secret
 * key, provisioned to the agent's workspace as a 0600 file.  What it
 * publishes is what a runner's frames carry, and never more: identifier
 * hashes, category and facet numbers, locators, times, counts, and the
 * reasons of rejected records.  No raw identifier or category value
 * leaves the runner.
 *
 * One scan is one generation, with a random id.  Every message goes to the
 * subject dsmap.scan.SYSTEM.GENERATION, with the header Dsmap-Kind:
 *   - "start": JSON, {"schema", "kind", "system", "generation", "commit",
 *     "categories": {REF: NUMBER}, "subject_kinds": {ID: BIT},
 *     "brands": {ID: BIT}}: what the frames' numbers mean in the agent's
 *     store, which the coordinator maps to its own;
 *   - "frames": a batch of whole wire frames (little-endian, frame codec
 *     of libdsmap), the header Dsmap-Batch its number from 1;
 *   - "manifest": JSON, {"schema", "kind", "system", "generation", "ok",
 *     "records", "frames", "batches", "bytes", "checksum", and "failure"
 *     when not ok}: the checksum is "blake2b-256:" and the hex BLAKE2b-256
 *     of every batch's bytes in order.
 * Each message has the JetStream message id SYSTEM.GENERATION.start,
 * .bN or .manifest, so that a publish retried after a lost
 * acknowledgement is stored once.
 *
 * The stream (DSMAP_SCAN, subjects dsmap.scan.>) is the coordinator's to
 * create: an agent's credentials allow it to publish on its own system's
 * subjects only.
 *
 * The coordinator, dsmap_scan_remote(), consumes a system's subjects with
 * the durable pull consumer dsmap-SYSTEM and ingests the frames as a
 * local scan ingests a runner's.
 */
#ifndef DSMAP_AGENT_H
#define DSMAP_AGENT_H

#include "common.h"
#include "scan.h"
#include "workspace.h"

DSMAP_BEGIN_DECL

/** Options of dsmap_agent_run(). */
typedef struct {
	unsigned int version;
	/** The NATS servers, comma-separated ("tls://10.0.0.5:4222,..."); NULL
	 *  for $DSMAP_NATS_URL. */
	const char *nats_urls;
	/** A file of NATS_USER=, NATS_PASSWORD= and optionally NATS_CA= lines,
	 *  mode 0600 (refused otherwise); NULL to connect without. */
	const char *creds_path;
	/** The CA certificate (PEM) the servers' certificates must chain to;
	 *  NULL for the creds file's NATS_CA, else no TLS unless a URL says
	 *  tls://. */
	const char *ca_path;
	/** As dsmap_scan_options.timeout. */
	unsigned int timeout;
	/** The mapping revision; NULL for HEAD. */
	const char *rev;
	/** Bytes of frames per message; 0 for 256 KiB.  At most 1 MiB (NATS's
	 *  default max_payload). */
	size_t batch_bytes;
} dsmap_agent_options;

#define DSMAP_AGENT_OPTIONS_VERSION 1
#define DSMAP_AGENT_OPTIONS_INIT { DSMAP_AGENT_OPTIONS_VERSION, NULL, NULL, NULL, 0, NULL, 0 }

/** What an agent published. */
typedef struct {
	char system[128];
	char generation[33];      /**< 32 hex digits */
	char commit[41];          /**< the mapping revision scanned */
	int ok;                   /**< 1: a complete scan's manifest was published */
	uint64_t records;         /**< records read from the source */
	uint64_t frames;
	uint64_t batches;
	uint64_t bytes;           /**< of frames */
	char checksum[80];        /**< "blake2b-256:" and 64 hex digits */
} dsmap_agent_result;

/**
 * Scan `system` of the workspace's mapping and publish it to JetStream.
 *
 * The workspace is the agent's own: a clone of the mapping repository,
 * with the coordinator's secret key copied into .dsmap/secret.key (0600).
 * Its store is synced to the revision, and its inventory left alone.
 *
 * @param out set to what was published (also when the scan failed and
 *        a failed manifest was published; all zero when nothing was);
 *        may be NULL
 * @param ws the agent's workspace
 * @param system the system's id; a NATS subject token: letters, digits,
 *        '-' and '_'
 * @param opts options, or NULL for the defaults
 * @return 0 when a complete scan was published with its manifest;
 *         DSMAP_ENOTFOUND when the mapping has no such system;
 *         DSMAP_EINVALID for a bad option, system id or creds file;
 *         DSMAP_EPERM for a creds file others may read;
 *         DSMAP_EIO when NATS cannot be reached or refuses a message;
 *         DSMAP_ERROR when the system's scan failed (a manifest saying so
 *         was published when NATS allowed); the last error says why
 */
DSMAP_EXTERN(int) dsmap_agent_run(dsmap_agent_result *out, dsmap_workspace *ws,
                                  const char *system, const dsmap_agent_options *opts);

/** The JetStream stream of the agents' scans. */
#define DSMAP_REMOTE_STREAM "DSMAP_SCAN"

/**
 * The coordinator's side: ingest the next generation an agent published
 * for `system`, as dsmap_scan() ingests a local runner's.
 *
 * Connects as `opts` says (the same fields as an agent's: nats_urls,
 * creds_path, ca_path, timeout, rev; batch_bytes unused), creates the
 * stream DSMAP_REMOTE_STREAM when missing (3 replicas, or
 * $DSMAP_NATS_REPLICAS), and reads the subjects dsmap.scan.SYSTEM.> with
 * the durable pull consumer "dsmap-SYSTEM", from where the last scan left
 * it.  The first generation that begins is ingested: its start message
 * maps the agent's category and facet numbers to this store's, each batch
 * is taken once and in order (a batch delivered again is skipped, a
 * missing one fails the scan), every frame passes the checks a local
 * runner's frames pass, and the new generation is committed only when
 * the manifest matches what arrived (records, frames, batches, bytes and
 * the BLAKE2b-256 checksum).  An agent that sends nothing for the timeout
 * (opts->timeout, else the system's), a failed manifest, or anything that
 * does not match fails the system, and its previous inventory stays.
 *
 * @param out set to the report, as dsmap_scan()'s (one system)
 * @return as dsmap_scan(); also DSMAP_EIO when NATS cannot be reached
 */
DSMAP_EXTERN(int) dsmap_scan_remote(dsmap_scan_report **out, dsmap_workspace *ws,
                                    const char *system, const dsmap_agent_options *opts);

DSMAP_END_DECL

#endif
