/*
 * Internal: reading the lineage graph of one synced revision, for the
 * modules that answer from it (lineage, locate).
 */
#ifndef DSMAP_CORE_LINEAGE_H
#define DSMAP_CORE_LINEAGE_H

#include <jansson.h>

#include "store.h"

/* The graph of one revision, read in a transaction the caller owns. */
struct dsmap__graph {
	dsmap_store *s;
	MDB_txn *txn;
	unsigned char oid[DSMAP__OID_SIZE];
	char hex[41];
};

/* Open the graph of revision or date `rev` (NULL: the synced revision) in
 * a read transaction of its own, syncing a revision never synced into the
 * store first (without moving the synced revision).  Close it with
 * dsmap__graph_close().  DSMAP_ENOTFOUND when nothing is synced or `rev`
 * names nothing; DSMAP_EINVALID when the mapping at `rev` has errors. */
struct dsmap_workspace;
int dsmap__graph_open(struct dsmap__graph *g, struct dsmap_workspace *ws, const char *rev);
void dsmap__graph_close(struct dsmap__graph *g);

/* Point `g` at the store's synced revision, read in `txn`.
 * DSMAP_ENOTFOUND when nothing is synced. */
int dsmap__graph_synced(struct dsmap__graph *g, dsmap_store *s, MDB_txn *txn);

/* The node `type`/`id` ('c' category, 'p' purpose, 'r' recipient, 'k'
 * subject kind, 'g' right, 'n' "notice"), parsed; NULL when absent, with
 * *rc set only for a real failure. */
json_t *dsmap__graph_node(struct dsmap__graph *g, enum dsmap__graph_type type, const char *id, int *rc);

/* Append to `out` the ids at the far end of edges `type`/`from` ('U'
 * category -> purposes using it, 'S' recipient -> purposes, 'K' subject
 * kind -> purposes). */
int dsmap__graph_edges(struct dsmap__graph *g, enum dsmap__graph_type type, const char *from, json_t *out);

/* Append to `out` the ids of every node of `type`, in id order. */
int dsmap__graph_ids(struct dsmap__graph *g, enum dsmap__graph_type type, json_t *out);

/* The retention rules of a purpose node that apply to category `ref`. */
json_t *dsmap__graph_rules_for(json_t *purpose, const char *ref);

#endif
