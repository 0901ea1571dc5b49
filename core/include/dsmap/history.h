/*
 * dsmap: data-subject inventory and lineage mapper.
 *
 * history.h: the notice's history, read from the mapping repository:
 * what a change does to the systems and their subjects (impact), which
 * commits changed a node (history), and since when an edge exists and who
 * decided it (blame).
 *
 * Revisions are anything git understands ("HEAD~1", a branch, a commit
 * id) or a date, "YYYY-MM-DD" (the end of that day, UTC) or
 * "YYYY-MM-DDTHH:MM[:SS]" (UTC), which names the newest commit on HEAD's
 * first-parent line made by then.  Changes are the semantic diff of
 * <dsmap/diff.h>, in the notice's terms.
 */
#ifndef DSMAP_HISTORY_H
#define DSMAP_HISTORY_H

#include "common.h"
#include "lineage.h"
#include "workspace.h"

DSMAP_BEGIN_DECL

/** How much a change matters, in an impact analysis. */
typedef enum {
	DSMAP_SEVERITY_LOW = 0,
	DSMAP_SEVERITY_MEDIUM = 1,
	DSMAP_SEVERITY_HIGH = 2
} dsmap_severity;

/**
 * What the changes from revision `from` to revision `to` touch: for each
 * change, its severity and why, and the systems it reaches through their
 * definitions: a change to a purpose reaches the systems that serve it (at
 * `from` for what goes, at `to` for what comes, at either for what is
 * modified), a change that names a system reaches that system.  Each with
 * the number of subjects holding a category concerned, from the
 * per-(system, category) counters of its last scan, and that scan's date.
 * Systems that hold a category concerned without being reached are listed
 * apart, without counts; only systems defined at `from` or `to` appear.
 * Also reported: a category a system holds that no purpose it serves uses
 * any more.  docs/history.md has the table per change type and the JSON
 * (schema 2).
 *
 * @param out set to the rendered answer; free it with dsmap_free()
 * @param format DSMAP_FORMAT_TEXT or DSMAP_FORMAT_JSON (docs/history.md)
 * @return 0; DSMAP_ENOTFOUND or DSMAP_EINVALID for a revision that names
 *         nothing; DSMAP_EINVALID when a mapping has errors
 */
DSMAP_EXTERN(int) dsmap_impact(char **out, dsmap_workspace *ws, const char *from, const char *to,
                               int format);

/** Options of dsmap_history(). */
typedef struct {
	unsigned int version;
	/** "purpose", "category", "recipient" or "system"; NULL for every change */
	const char *kind;
	/** the node's id ("GROUP/ID" or a bare ID for a category) */
	const char *id;
	/** only commits made at or after this revision's time or this date */
	const char *since;
	/** where to start; NULL for HEAD */
	const char *rev;
	/** since version 2: at most this many commits, 0 for all of them */
	size_t limit;
} dsmap_history_options;

#define DSMAP_HISTORY_OPTIONS_VERSION 2
#define DSMAP_HISTORY_OPTIONS_INIT { DSMAP_HISTORY_OPTIONS_VERSION, NULL, NULL, NULL, NULL, 0 }

/**
 * The commits of the mapping repository that changed the lineage (on the
 * first-parent line, newest first), with author, date and message, each
 * with its semantic diff, filtered to the node asked about.
 *
 * With a `limit`, the walk stops at the limit-th commit found, and the
 * JSON answer has a "next" member: when `limit` commits were found, the
 * revision to pass as `rev` (with the same node and `since`) for the
 * commits after them: the first parent of the last one (the page it
 * starts may be empty); null when the walk ended before the limit or at
 * the first commit.  Without a limit there is no "next": the answer of
 * version 1.
 *
 * @param opts NULL for every commit from HEAD; a version 1 struct (no
 *        `limit`) is taken too
 * @return 0; DSMAP_EINVALID for bad options; DSMAP_ENOTFOUND for a
 *         revision that names nothing
 */
DSMAP_EXTERN(int) dsmap_history(char **out, dsmap_workspace *ws,
                                const dsmap_history_options *opts, int format);

/**
 * Since when an edge exists and every change to it: `a` and `b` are
 * "purpose:ID" and "category:GROUP/ID" (the purpose uses the category),
 * "purpose:ID" and "recipient:ID" (shares with it), "system:ID" and
 * "purpose:ID" (the system serves it), in either order.
 *
 * @return 0; DSMAP_EINVALID for a pair that is not an edge kind
 */
DSMAP_EXTERN(int) dsmap_blame(char **out, dsmap_workspace *ws, const char *a, const char *b,
                              int format);

DSMAP_END_DECL

#endif /* DSMAP_HISTORY_H */
