/*
 * dsmap: data-subject inventory and lineage mapper.
 *
 * ls.h: the ids a person can list.
 *
 * `dsmap_ls()` lists the purposes, categories, recipients, systems or
 * subject kinds of a synced revision's lineage graph, optionally filtered
 * (every filter given must hold), so that a person finds the id to give to
 * `dsmap lineage`, `--category` and the like.  It answers from the store,
 * without reading git (except to sync a revision asked about with `at`).
 */
#ifndef DSMAP_LS_H
#define DSMAP_LS_H

#include "common.h"
#include "workspace.h"

DSMAP_BEGIN_DECL

/** What dsmap_ls() lists. */
typedef enum {
	DSMAP_LS_PURPOSES = 0,
	DSMAP_LS_CATEGORIES = 1,      /**< listed as GROUP/ID */
	DSMAP_LS_RECIPIENTS = 2,
	DSMAP_LS_SYSTEMS = 3,
	DSMAP_LS_SUBJECT_KINDS = 4
} dsmap_ls_kind;

#define DSMAP_LS_OPTIONS_VERSION 1

/**
 * The filters of dsmap_ls(); NULL leaves a filter out.  A filter that does
 * not apply to the kind listed is an error, not ignored:
 *
 * | filter        | purposes | categories | recipients | systems | subject kinds |
 * |---------------|----------|------------|------------|---------|---------------|
 * | legal_basis   | has it   |            |            |         |               |
 * | recipient     | shares   | flow to it |            |         |               |
 * | category      | uses it  |            | reached    | declare |               |
 * | section       | prefix   | prefix     |            |         |               |
 * | system        | served   | declared   |            |         |               |
 * | subject_kind  | concerns |            |            |         |               |
 * | purpose       |          | of it      | of it      | serve   | of it         |
 *
 * Append-only: initialise with DSMAP_LS_OPTIONS_INIT.
 */
typedef struct {
	unsigned int version;      /**< DSMAP_LS_OPTIONS_VERSION */
	const char *legal_basis;   /**< a GDPR legal basis, "6(1)(a)" ... "6(1)(f)" */
	const char *recipient;     /**< a recipient id */
	const char *category;      /**< "GROUP/ID", or an ID that one group only has */
	const char *section;       /**< a section of the notice, "7.2": 7.2 and 7.2.x, not 7.21 */
	const char *system;        /**< a system id */
	const char *subject_kind;  /**< a subject kind id */
	const char *purpose;       /**< a purpose id */
	const char *at;            /**< a revision or a date (YYYY-MM-DD[THH:MM[:SS]], UTC);
	                                NULL for the workspace's synced revision */
} dsmap_ls_options;

#define DSMAP_LS_OPTIONS_INIT \
	{ DSMAP_LS_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }

/**
 * List the nodes of kind `what` that every given filter lets through.
 *
 * Text: one line per node, the id first (GROUP/ID for a category), then
 * its section where it has one, its French and its English name (a
 * system: its plugin and its name), in aligned columns; nothing when no
 * node matches.  JSON: an object with "schema" (1), "revision", "kind",
 * "filters" (the filters given; a category as GROUP/ID) and "items" (the
 * nodes as stored, see docs/lineage.md), never NULL.  Purposes,
 * categories and recipients come in the notice's section order, the
 * others in id order.
 *
 * @param out set to the rendered list, NUL-terminated; free it with
 *        dsmap_free()
 * @param ws the workspace
 * @param what a dsmap_ls_kind
 * @param opts the filters, or NULL for none
 * @param format DSMAP_FORMAT_TEXT or DSMAP_FORMAT_JSON
 * @return 0, also when nothing matches; DSMAP_EINVALID when a filter names
 *         nothing in the revision, is ambiguous (a bare category id that
 *         two groups have: the message names the candidates), is
 *         malformed or does not apply to `what`, or an argument is
 *         invalid; DSMAP_ENOTFOUND when nothing is synced yet or `at` names
 *         nothing; DSMAP_ERROR when the mapping at `at` has errors
 */
DSMAP_EXTERN(int) dsmap_ls(char **out, dsmap_workspace *ws, int what,
                           const dsmap_ls_options *opts, int format);

/** The name of a dsmap_ls_kind: "purposes", "categories", "recipients",
 *  "systems", "subject-kinds"; NULL for an unknown one. */
DSMAP_EXTERN(const char *) dsmap_ls_kind_name(int what);

DSMAP_END_DECL

#endif /* DSMAP_LS_H */
