/*
 * dsmap: data-subject inventory and lineage mapper.
 *
 * locate.h: where a person's data is, and why: the answer to an access
 * request (GDPR art. 15).
 *
 * A query is a list of the person's identifiers, "KIND:VALUE" each
 * ("email:someone@example.com").  Each is normalised (<dsmap/ident.h>) and
 * hashed with the workspace's key, and looked up in every system's current
 * inventory, as the subject a record names or as an identifier found next
 * to it.  The search then follows identity links: the identifiers of a
 * linking kind (notice.yaml's linking_identifier_kinds: by default e-mail,
 * customer number and national register number) held by a subject found
 * through an identifier of a linking kind are looked up in turn, so that a
 * request by e-mail also finds the billing rows keyed only by the customer
 * number the CRM holds next to that e-mail.  Shared identifiers (an IP
 * address, a household phone) find what they name but never lead further.
 *
 * The answer is scoped by the lineage graph.  Per system where the subject
 * is found: the categories held (with their group, the source of art.
 * 15(1)(g)), and for each only the purposes that this system serves
 * (systems/ID.yaml `purposes`), that use the category, that concern the
 * subject's kind as the source records it (`subject_kind`) and that do not
 * exclude the subject's brand (`excluded_brands`); record counts, first
 * and last seen and the locators.  The answer's purposes (legal basis,
 * retention of each category held), recipients and subject kinds are the
 * union of those, never the whole notice.  A category held with no such
 * purpose is flagged and listed as a finding.  Systems the synced mapping
 * no longer defines are never answered from.  Then the rights and how to
 * exercise them.  It never
 * contains an identifier's value: the store holds none, and the ones
 * asked about are the caller's.
 */
#ifndef DSMAP_LOCATE_H
#define DSMAP_LOCATE_H

#include "common.h"
#include "lineage.h"
#include "workspace.h"

DSMAP_BEGIN_DECL

/** A snapshot of a workspace for locate queries. */
typedef struct dsmap_locator dsmap_locator;

/** The result of one query. */
typedef struct dsmap_locate_result dsmap_locate_result;

/** The JSON answer's schema version (its "schema" key). */
#define DSMAP_LOCATE_SCHEMA 2

/** By default, the most subjects one identifier may name in one system
 *  before it is an identity conflict (dsmap_locator_set_max_join()). */
#define DSMAP_LOCATE_MAX_JOIN 8

/**
 * Open a locator: a read snapshot of the inventory (every system's current
 * generation) and of the lineage graph at the synced revision.  Queries
 * see that snapshot until dsmap_locator_refresh().  A locator is used by
 * one thread at a time; the workspace must outlive it.
 *
 * @param out set to the locator; free it with dsmap_locator_free()
 * @param ws the workspace
 * @return 0; DSMAP_ENOTFOUND when nothing is synced yet
 */
DSMAP_EXTERN(int) dsmap_locator_open(dsmap_locator **out, dsmap_workspace *ws);

/**
 * Choose the language of the text answer's own words and of the names it
 * prints: "en" or "fr" (the notice's French texts).  By default the text
 * answer speaks the notice's language (notice.yaml `language`; "en" when
 * it is neither).  The JSON answer carries both languages whatever this
 * says.
 *
 * @return 0; DSMAP_EINVALID for another language
 */
DSMAP_EXTERN(int) dsmap_locator_set_language(dsmap_locator *locator, const char *lang);

/**
 * Set how many subjects one identifier may name in one system and still be
 * followed.  An identifier past that (a placeholder e-mail, a national
 * register number typed for several people) is an identity conflict: its
 * subjects are left out of the answer, which names the conflict by kind,
 * system and number of subjects, never by value.  Default
 * DSMAP_LOCATE_MAX_JOIN.
 *
 * @return 0; DSMAP_EINVALID for 0
 */
DSMAP_EXTERN(int) dsmap_locator_set_max_join(dsmap_locator *locator, size_t max_join);

/**
 * See what was committed since the snapshot: a scan's new generations, a
 * sync.  When nothing was (the store's last transaction is still the
 * snapshot's), the locator keeps what it has read and only takes its read
 * transaction again, which costs microseconds; otherwise it reads the new
 * snapshot.  The way to keep a locator across queries, e.g. one per
 * server thread: dsmap_locator_park() after each, refresh before the next.
 *
 * @return 0; on failure the locator has no snapshot, and every query on
 *         it fails until a refresh succeeds
 */
DSMAP_EXTERN(int) dsmap_locator_refresh(dsmap_locator *locator);

/**
 * Let go of the snapshot between queries, keeping what was read from it:
 * a kept locator that is not parked holds its read transaction, and the
 * store can reuse none of the pages written since.  A parked locator
 * answers no query until dsmap_locator_refresh().  NULL, or a locator
 * already parked, is a no-op.
 */
DSMAP_EXTERN(void) dsmap_locator_park(dsmap_locator *locator);

/** Free a locator.  NULL is a no-op. */
DSMAP_EXTERN(void) dsmap_locator_free(dsmap_locator *locator);

/**
 * Find where the subject of these identifiers is held, following links.
 *
 * @param out set to the result (also when nothing is found); free it with
 *            dsmap_locate_result_free()
 * @param locator an open locator
 * @param identifiers "KIND:VALUE" strings; KIND as dsmap_ident_kind_from_name()
 *                    reads it
 * @param count how many
 * @return 0; DSMAP_EINVALID (and no result) when an identifier is malformed
 *         or fails validation, the message naming which one and why,
 *         never its value
 */
DSMAP_EXTERN(int) dsmap_locate_find(dsmap_locate_result **out, dsmap_locator *locator,
                                    const char *const *identifiers, size_t count);

/** One query of a batch: a subject's identifiers, "KIND:VALUE" each. */
typedef struct {
	const char *const *identifiers;
	size_t count;
} dsmap_locate_query;

/**
 * Called by dsmap_locate_many() for each query, in order.
 *
 * @param payload as given to dsmap_locate_many()
 * @param index the query's index
 * @param rc 0, or DSMAP_EINVALID when the query is malformed or an
 *        identifier fails validation (the error is set, naming which one
 *        and why, never its value)
 * @param result the query's result when rc is 0, else NULL; borrowed: it
 *        is valid until the callback returns (render it with
 *        dsmap_locate_render(), never free it)
 * @return 0 to go on; anything else stops the batch and is returned
 */
typedef int (*dsmap_locate_each_fn)(void *payload, size_t index, int rc,
                                    const dsmap_locate_result *result);

/**
 * Run many queries on one snapshot: a DSAR tool's access or erasure batch.
 * Each query is answered as dsmap_locate_find() would, reusing one
 * result's memory, so that a batch costs its lookups and little else.  A
 * malformed query is passed to `fn` with its error and the batch goes on;
 * a failure of the store stops it.
 *
 * @return 0; the first non-zero return of `fn`; or a negative DSMAP_E*
 *         code when the store fails (the queries before were answered)
 */
DSMAP_EXTERN(int) dsmap_locate_many(dsmap_locator *locator, const dsmap_locate_query *queries,
                                    size_t count, dsmap_locate_each_fn fn, void *payload);

/** How many systems hold data of the subject. */
DSMAP_EXTERN(size_t) dsmap_locate_result_count(const dsmap_locate_result *result);

/** The id of system `i` of the result (in id order), or NULL. */
DSMAP_EXTERN(const char *) dsmap_locate_result_system(const dsmap_locate_result *result,
                                                     size_t i);

/**
 * Render the whole answer.
 *
 * @param out set to a NUL-terminated string; free it with dsmap_free()
 * @param locator the locator the result came from
 * @param result the result
 * @param format DSMAP_FORMAT_TEXT, DSMAP_FORMAT_JSON or DSMAP_FORMAT_JSON_LINE
 *        (the JSON answer on one line, for batches; docs/locate.md)
 * @return 0 or a negative DSMAP_E* code
 */
DSMAP_EXTERN(int) dsmap_locate_render(char **out, dsmap_locator *locator,
                                      const dsmap_locate_result *result, int format);

/** Free a result.  NULL is a no-op. */
DSMAP_EXTERN(void) dsmap_locate_result_free(dsmap_locate_result *result);

/**
 * All of the above in one call: open a locator, find, render, free.
 *
 * @param out set to the rendered answer (also when nothing is found: an
 *            empty, well-formed answer); free it with dsmap_free()
 * @return 0 when some system holds data of the subject; DSMAP_ENOTFOUND
 *         when none does; DSMAP_EINVALID for a malformed identifier
 */
DSMAP_EXTERN(int) dsmap_locate(char **out, dsmap_workspace *ws, const char *const *identifiers,
                               size_t count, int format);

DSMAP_END_DECL

#endif /* DSMAP_LOCATE_H */
