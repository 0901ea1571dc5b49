/*
 * Internal: the semantic diffs of the notice's history, kept from one run
 * to the next (histcache.c).
 *
 * History and blame walk the mapping repository's first-parent line and,
 * at each commit that changed mappings/, compare the mapping before with
 * the mapping after.  Loading two mappings and diffing them is nearly all
 * of their cost; the answer depends only on the two mappings/ trees.  So
 * each step is kept under the pair of tree ids, as the JSON the walk's
 * callbacks read:
 *
 *   {"changes": [CHANGE, ...],        the semantic diff, each change as
 *                                     dsmap__hist_change_json() writes it
 *    "added":   ["uses\tP\tC", ...],  the links the newer mapping has and
 *    "removed": [...],                the older has not, and the reverse
 *                                     ("uses", "shares", "serves")
 *    "nodes": {"purpose": [...], "category": [...], "recipient": [...],
 *              "system": [...]}}      a first commit's only (before: none)
 *
 * and a tree whose mapping has errors is kept as such.  A later run, or
 * another command (history, blame, the server's history page), reads the
 * step instead of computing it, and extends the cache with the commits it
 * had not seen.
 *
 * The cache is a directory of files under .dsmap/cache/, one per step,
 * named by the tree ids, each opening with the BLAKE2b of its JSON: a file
 * that does not match (torn, damaged) is not read, and the step is
 * computed again.  It is derived data: deleting it loses nothing, and it
 * is written only by whole files renamed into place, so that a reader
 * never sees half of one.  Its directory's name carries the format's and
 * dsmap's versions, so that a dsmap whose diff says other things never
 * reads another's.  It lives beside the store rather than in it: history
 * and blame must never wait for a scan's write transaction, nor a scan for
 * them, and a damaged cache must never make the store unsound.
 */
#ifndef DSMAP_CORE_HISTCACHE_H
#define DSMAP_CORE_HISTCACHE_H

#include <git2.h>
#include <jansson.h>

#include "dsmap/diff.h"
#include "mapping.h"
#include "workspace.h"

typedef struct dsmap__histcache dsmap__histcache;

/* The workspace's cache.  Never fails for want of a directory: a cache
 * that cannot be made (a read-only workspace) reads and keeps nothing.
 * NULL only when out of memory (error set). */
dsmap__histcache *dsmap__histcache_open(dsmap_workspace *ws);
void dsmap__histcache_free(dsmap__histcache *hc);

/* The step from tree `before` (NULL: a first commit) to tree `after`, a
 * new reference; NULL when it is not kept (nothing set). */
json_t *dsmap__histcache_get(dsmap__histcache *hc, const git_oid *before, const git_oid *after);

/* Whether tree `tree` is kept as a mapping with errors. */
int dsmap__histcache_broken(dsmap__histcache *hc, const git_oid *tree);

/* Keep a step, or that a tree's mapping has errors.  A cache is best
 * effort: a write that fails is left, and the step is computed again. */
void dsmap__histcache_put(dsmap__histcache *hc, const git_oid *before, const git_oid *after,
                          json_t *step);
void dsmap__histcache_put_broken(dsmap__histcache *hc, const git_oid *tree);

/* The step from mapping `before` (NULL: a first commit, diff NULL) to
 * `after`, whose diff is `d`.  NULL when out of memory (error set). */
json_t *dsmap__histcache_step(const dsmap_mapping *before, const dsmap_mapping *after,
                              const dsmap_diff *d);

#endif
