/*
 * dsmap: data-subject inventory and lineage mapper.
 *
 * lineage.h: the lineage graph in the store.
 *
 * `dsmap_sync()` loads the mapping of a revision of the workspace's
 * repository and stores it as a graph for that revision: nodes (categories,
 * purposes, recipients, subject kinds, rights) and edges (purpose uses
 * category, purpose shares with recipient, purpose concerns subject kind).
 * Node contents are stored once however many revisions share them.
 * Each category (group and id) gets a number that never changes and is
 * never reused, for the per-subject inventory's category sets.
 *
 * `dsmap_lineage()` answers from the store, without reading git.
 */
#ifndef DSMAP_LINEAGE_H
#define DSMAP_LINEAGE_H

#include "common.h"
#include "workspace.h"

DSMAP_BEGIN_DECL

/** What dsmap_sync() did. */
typedef struct {
	char commit[41];       /**< the commit synced (hex) */
	int already;           /**< 1 when it was synced before: nothing was written */
	size_t nodes;          /**< nodes of the revision's graph */
	size_t edges;          /**< edges of the revision's graph */
	size_t new_nodes;      /**< node contents not stored by an earlier revision */
	size_t new_categories; /**< categories numbered for the first time */
	/** systems the store held an inventory of that the synced mapping no
	 *  longer defines: they answer no more, and their holdings were
	 *  dropped (their counts are kept for history and impact; see
	 *  dsmap_workspace_status(), `retired`) */
	size_t retired_systems;
	uint64_t retired_subjects;   /**< the subjects those systems held */
} dsmap_sync_result;

/**
 * Store the lineage graph of revision `rev` and make it the workspace's
 * synced revision.  Syncing a revision synced before only makes it the
 * synced revision again.  Either way, a system whose inventory the store
 * holds and that the revision does not define is retired in the same
 * transaction: it answers no more, and its holdings are dropped.
 *
 * @param out filled on success; may be NULL
 * @param ws the workspace
 * @param rev a git revision ("HEAD", a branch, a commit id...); NULL for HEAD
 * @return 0; DSMAP_EINVALID when the mapping at `rev` has errors (nothing
 *         is stored; `dsmap check --rev` shows them) or `rev` is malformed;
 *         DSMAP_ENOTFOUND when `rev` names nothing
 */
DSMAP_EXTERN(int) dsmap_sync(dsmap_sync_result *out, dsmap_workspace *ws, const char *rev);

/** What a lineage question starts from. */
typedef enum {
	DSMAP_LINEAGE_CATEGORY = 0,     /**< "GROUP/ID", or an ID that one group has */
	DSMAP_LINEAGE_PURPOSE = 1,
	DSMAP_LINEAGE_RECIPIENT = 2,
	DSMAP_LINEAGE_SUBJECT_KIND = 3,
	DSMAP_LINEAGE_SYSTEM = 4        /**< a source system: what it serves, holds and reaches */
} dsmap_lineage_kind;

/** Output formats of the renderers. */
typedef enum {
	DSMAP_FORMAT_TEXT = 0,
	DSMAP_FORMAT_JSON = 1,   /**< an object with a "schema" key; see docs/lineage.md */
	DSMAP_FORMAT_DOT = 2,    /**< a Graphviz digraph */
	DSMAP_FORMAT_JSON_LINE = 3,  /**< the JSON object on one line, then "\n" (JSON lines) */
	DSMAP_FORMAT_CSV = 4,    /**< RFC 4180, UTF-8, CRLF (dsmap_ropa() only) */
	DSMAP_FORMAT_HTML = 5    /**< one self-contained HTML document (dsmap_ropa() only) */
} dsmap_format;

/**
 * Answer a lineage question from the store:
 *  - a category: the purposes that use it, each with its legal bases and the
 *    retention that applies to that category, and the recipients reached
 *    through them;
 *  - a purpose: its categories, legal bases, retention and recipients;
 *  - a recipient: the purposes that share with it and their categories;
 *  - a subject kind: the purposes that concern it and their categories;
 *  - a system: the purposes it serves (legal bases, the retention of each
 *    category it holds under each), the categories it declares and holds
 *    (subjects and records from its last scan), the recipients reached, the
 *    subject kinds of its sources, and its findings (categories held for no
 *    purpose it serves, purposes it serves but holds nothing for).
 *
 * @param out set to the rendered answer, NUL-terminated; free it with
 *        dsmap_free()
 * @param ws the workspace
 * @param kind a dsmap_lineage_kind
 * @param id the node's id
 * @param rev a revision or a date (YYYY-MM-DD[THH:MM[:SS]], UTC), or NULL
 *        for the workspace's synced revision; a revision never synced is
 *        synced into the store first, without becoming the synced one
 * @param format a dsmap_format
 * @return 0; DSMAP_ENOTFOUND when the node is not in that revision, nothing
 *         is synced yet, or `rev` names nothing; DSMAP_EINVALID when the
 *         mapping at `rev` has errors
 */
DSMAP_EXTERN(int) dsmap_lineage(char **out, dsmap_workspace *ws, int kind, const char *id,
                                const char *rev, int format);

/**
 * dsmap_lineage() with the language of the text answer: "en" or "fr" for
 * its labels, and the titles and names in that language where the notice
 * gives them (the notice's own French texts are quoted as they are).
 * NULL speaks the notice's language (notice.yaml's `language`), which is
 * what dsmap_lineage() does.  JSON and DOT answers are the same in both.
 *
 * @return as dsmap_lineage(); DSMAP_EINVALID for another language
 */
DSMAP_EXTERN(int) dsmap_lineage_lang(char **out, dsmap_workspace *ws, int kind, const char *id,
                                     const char *rev, int format, const char *lang);

/** The name of a lineage kind: "category", "purpose", "recipient",
 *  "subject-kind", "system"; NULL for an unknown one. */
DSMAP_EXTERN(const char *) dsmap_lineage_kind_name(int kind);

/** Free memory the library allocated for the caller.  NULL is a no-op. */
DSMAP_EXTERN(void) dsmap_free(void *p);

DSMAP_END_DECL

#endif /* DSMAP_LINEAGE_H */
