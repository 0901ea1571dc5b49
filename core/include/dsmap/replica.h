/*
 * dsmap: data-subject inventory and lineage mapper.
 *
 * replica.h: read replicas (docs/distributed.md).  After a scan commits,
 * the coordinator publishes a compact copy of its store to NATS
 * JetStream; a replica host keeps the newest copy on its disk, swaps it
 * in atomically, and `dsmap serve --replica` answers locate and lineage
 * from it while the coordinator is busy, patched or down.
 *
 * nats.c 3.4.1 has no object store API, so the snapshots are laid out in
 * a stream of our own, DSMAP_SNAPSHOT_STREAM (subjects dsmap.snap.>, file
 * storage, 3 replicas or $DSMAP_NATS_REPLICAS):
 *   - dsmap.snap.chunk.ID: the snapshot's bytes in order, chunk_bytes a
 *     message (the last one shorter), with the headers Dsmap-Snapshot (ID)
 *     and Dsmap-Chunk (its number from 0), message ids ID.cN;
 *   - dsmap.snap.meta: JSON, {"schema": 1, "kind": "snapshot", "id",
 *     "generation", "revision", "size", "chunks", "chunk_bytes",
 *     "digest", "created"}, message id ID.meta.  "digest" is
 *     "blake2b-256:" and the hex BLAKE2b-256 of the whole file.
 * ID is 32 random hex digits.  Once a snapshot's meta is stored, the
 * older metas and every chunk published before this snapshot's are
 * purged: the stream holds one snapshot.  A replica that was downloading
 * the older one fails that download, and takes the new one next.
 *
 * The generation is the coordinator's store's last transaction id
 * (dsmap_store_last_txn()) when the copy was made: it grows with every
 * commit, so a replica refuses a snapshot older than the one it holds.
 * The revision is the mapping revision synced into that store.
 *
 * The replica's directory DIR:
 *   - DIR/.dsmap/secret.key: the coordinator's key (mode 0600), copied by
 *     hand as an agent's is: locate hashes identifiers with it, and it
 *     never travels over NATS;
 *   - DIR/.dsmap/tokens: the tokens `dsmap serve` accepts (a copy of the
 *     coordinator's, mode 0600), and DIR/.dsmap/access.log, its own;
 *   - DIR/snapshots/ID/data.mdb and meta.json (the meta as published);
 *   - DIR/current: a symbolic link to snapshots/ID, replaced by a rename.
 * DIR and DIR/.dsmap are checked as a workspace's are (workspace.h).
 */
#ifndef DSMAP_REPLICA_H
#define DSMAP_REPLICA_H

#include "common.h"
#include "workspace.h"

DSMAP_BEGIN_DECL

/** The JetStream stream of the snapshots. */
#define DSMAP_SNAPSHOT_STREAM "DSMAP_SNAPSHOTS"

/** Options of dsmap_snapshot_publish() and dsmap_replica_open(). */
typedef struct {
	unsigned int version;
	/** The NATS servers, comma-separated; NULL for $DSMAP_NATS_URL. */
	const char *nats_urls;
	/** A file of NATS_USER=, NATS_PASSWORD= and optionally NATS_CA=
	 *  lines, mode 0600 (as dsmap_agent_options.creds_path); NULL to
	 *  connect without. */
	const char *creds_path;
	/** The CA certificate (PEM); NULL for the creds file's NATS_CA. */
	const char *ca_path;
	/** Publish: bytes a chunk; 0 for 128 KiB.  From 4 KiB to 1 MiB. */
	size_t chunk_bytes;
} dsmap_replica_options;

#define DSMAP_REPLICA_OPTIONS_VERSION 1
#define DSMAP_REPLICA_OPTIONS_INIT { DSMAP_REPLICA_OPTIONS_VERSION, NULL, NULL, NULL, 0 }

/** One snapshot, as its meta message describes it. */
typedef struct {
	char id[33];              /**< 32 hex digits */
	uint64_t generation;      /**< the store's last transaction id when copied */
	char revision[41];        /**< the synced mapping revision; "" when none */
	uint64_t size;            /**< bytes */
	uint64_t chunks;
	char digest[80];          /**< "blake2b-256:" and 64 hex digits */
	int64_t created;          /**< seconds since the epoch */
} dsmap_snapshot_info;

/**
 * Publish a compact copy of the workspace's store as a new snapshot.
 *
 * The copy (LMDB's compacting copy, of one read transaction) goes to an
 * unlinked temporary file in the workspace's .dsmap/, then to the stream
 * in chunks, then the meta; the stream is created when missing.  A copy
 * during which another commit landed is made again, so that the
 * generation says exactly what the copy holds.
 *
 * @param out set to the snapshot published; may be NULL
 * @param ws the coordinator's workspace
 * @param opts options, or NULL for the defaults
 * @return 0; DSMAP_EINVALID for a bad option or creds file; DSMAP_EPERM
 *         for a creds file others may read; DSMAP_EIO when NATS cannot be
 *         reached, refuses a message, or cannot purge the older snapshot
 *         (the new one is then published); DSMAP_ENOSPC; DSMAP_ERROR
 */
DSMAP_EXTERN(int) dsmap_snapshot_publish(dsmap_snapshot_info *out, dsmap_workspace *ws,
                                         const dsmap_replica_options *opts);

/** A replica's connection and directory.  Opaque. */
typedef struct dsmap_replica dsmap_replica;

/**
 * Connect a replica directory to NATS.
 *
 * `dir` must exist and hold .dsmap/secret.key; DIR/snapshots is made
 * when missing (mode 0700).
 *
 * @param out set to the replica; free it with dsmap_replica_free()
 * @param dir the replica's directory
 * @param opts options (chunk_bytes unused), or NULL for the defaults
 * @return 0; DSMAP_ENOTFOUND when `dir` or its key is missing;
 *         DSMAP_EPERM when they are not private; as
 *         dsmap_snapshot_publish() for the connection
 */
DSMAP_EXTERN(int) dsmap_replica_open(dsmap_replica **out, const char *dir,
                                     const dsmap_replica_options *opts);

/**
 * Take the newest snapshot when it is newer than the one the directory
 * holds: download its chunks, check their number, the size and the
 * digest, write DIR/snapshots/ID/data.mdb and meta.json (fsync'ed), point
 * DIR/current at it (a new link renamed over the old), and remove the
 * other snapshots.  On any failure the current snapshot stays as it was.
 *
 * @param out set to the snapshot the directory holds afterwards (all zero
 *        when none); may be NULL
 * @param rep the replica
 * @param wait_ms when nothing newer is published, how long to wait for a
 *        new meta message; 0 not to wait
 * @return 1 when a new snapshot was swapped in; 0 when the one held is
 *         the newest; DSMAP_ENOTFOUND when nothing was ever published;
 *         DSMAP_EINVALID for a snapshot of a generation lower than the one
 *         held (refused); DSMAP_ECORRUPT for a snapshot whose chunks,
 *         size or digest do not match its meta (which this handle then
 *         never downloads again: until a newer one is published, it is
 *         0, the one held being the newest it takes); DSMAP_ETIMEOUT when its
 *         chunks stop coming; DSMAP_EIO, DSMAP_ENOSPC; the last error names
 *         the snapshot
 */
DSMAP_EXTERN(int) dsmap_replica_update(dsmap_snapshot_info *out, dsmap_replica *rep,
                                       unsigned int wait_ms);

/** Close a replica's connection and free it.  NULL is a no-op. */
DSMAP_EXTERN(void) dsmap_replica_free(dsmap_replica *rep);

/** For dsmap_replica_workspace_open(): open no store. */
#define DSMAP_REPLICA_NO_STORE 1u

/**
 * Open the current snapshot of a replica directory as a workspace, for
 * reading: locate, lineage and ls of the synced revision, the tokens and
 * the access log.  It has no mapping repository: what reads git (history,
 * blame, impact, `at` a revision) fails.  Nothing may write its store.
 *
 * @param out set to the workspace; free it with dsmap_workspace_free()
 * @param info set to the snapshot opened (all zero with
 *        DSMAP_REPLICA_NO_STORE); may be NULL
 * @param dir the replica's directory
 * @param flags DSMAP_REPLICA_NO_STORE: the directory's tokens and access
 *        log only; dsmap_workspace_store() is then NULL
 * @return 0; DSMAP_ENOTFOUND when the directory holds no snapshot yet;
 *         DSMAP_EPERM, DSMAP_ECORRUPT... as dsmap_workspace_open()
 */
DSMAP_EXTERN(int) dsmap_replica_workspace_open(dsmap_workspace **out, dsmap_snapshot_info *info,
                                               const char *dir, unsigned int flags);

/**
 * The target of DIR/current ("snapshots/ID"), into `buf`: a cheap way to
 * see that the snapshot changed (one readlink(2)).
 *
 * @return 0; DSMAP_ENOTFOUND when there is none; DSMAP_EIO
 */
DSMAP_EXTERN(int) dsmap_replica_current(char *buf, size_t size, const char *dir);

DSMAP_END_DECL

#endif
