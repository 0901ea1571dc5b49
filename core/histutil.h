/*
 * Internal: what the notice's history (history.c: history and blame) and
 * the impact analysis (impact.c) share: loading a revision's mapping, a
 * change as JSON, the final text-or-JSON rendering, and two questions of
 * the model.
 */
#ifndef DSMAP_CORE_HISTUTIL_H
#define DSMAP_CORE_HISTUTIL_H

#include <stdint.h>

#include <git2.h>
#include <jansson.h>

#include "dsmap/diff.h"
#include "mapping.h"
#include "util.h"
#include "workspace.h"

/* A JSON string of `s`, or JSON null for NULL. */
json_t *dsmap__hist_str(const char *s);

/* `t` (seconds since the epoch) as "YYYY-MM-DDTHH:MM:SSZ", or JSON null. */
json_t *dsmap__hist_iso(int64_t t);

/* Load the mapping of commit `oid` (through `cache`, which may be NULL).
 * A mapping with errors is DSMAP_EINVALID with a message that names the
 * commit and the 'dsmap check --rev' to run; *m is then NULL. */
int dsmap__hist_load(dsmap_mapping **m, dsmap_workspace *ws, const git_oid *oid,
                     dsmap__doc_cache *cache);

/* A change of the semantic diff as JSON: type, purpose, category,
 * recipient, system, before, after, direction, detail.  NULL when out of
 * memory. */
json_t *dsmap__hist_change_json(const dsmap_change *c);

/* Render `ans` (a reference is taken over) into *out: as JSON
 * (DSMAP_FORMAT_JSON) or as text with `render`.  0 or DSMAP_ENOMEM. */
int dsmap__hist_finish(char **out, json_t *ans, int format,
                       void (*render)(struct dsmap__out *, json_t *));

/* Whether system `s` declares that it serves purpose id `purpose`. */
int dsmap__system_serves(const struct dsmap__system *s, const char *purpose);

/* Whether purpose `p` shares data with recipient id `recipient`. */
int dsmap__purpose_shares(const struct dsmap__purpose *p, const char *recipient);

#endif
