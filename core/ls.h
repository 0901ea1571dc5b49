/*
 * Internal: what `dsmap ls` resolves in a revision's graph, for the modules
 * that take ids from people (ls, and any command with a --category).
 */
#ifndef DSMAP_CORE_LS_H
#define DSMAP_CORE_LS_H

#include <stddef.h>

#include "lineage.h"

/* The category `id` names in graph `g`: "GROUP/ID" as given when the graph
 * has it, or a bare ID that exactly one group has.  On success the
 * GROUP/ID is copied to `ref` (`refsize` bytes).  Returns 0;
 * DSMAP_ENOTFOUND (error set) when no category has it; DSMAP_EAMBIGUOUS
 * (error set) when the bare id is ambiguous, naming the candidates
 * ("category 'x' is ambiguous: collected/x, observed/x"); DSMAP_EINVALID
 * (error set) when GROUP is not a category group or `ref` is too small. */
int dsmap__category_resolve(struct dsmap__graph *g, const char *id, char *ref, size_t refsize);

/* Section numbers compared part by part as numbers (6.10 after 6.9, 7.2
 * before 7.2.1); NULL (no section) comes last. */
int dsmap__section_cmp(const char *a, const char *b);

#endif
