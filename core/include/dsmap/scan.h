/*
 * dsmap: data-subject inventory and lineage mapper.
 *
 * scan.h: scan source systems into the store's inventory.
 *
 * A scan reads each system defined in the mapping (mappings/systems/ID.yaml
 * at the workspace's HEAD) through its plugin and replaces that system's
 * holdings in the store.  Each system's plugin runs in a runner process of
 * its own, which streams records back over a pipe; the calling process
 * validates every record and is the only one that writes the store.  A
 * plugin that crashes, hangs past the system's timeout or sends garbage
 * fails its own system's scan; the other systems go on.
 *
 * A system's new holdings become visible at once when its scan ends: until
 * then, readers (and a scan that fails or is killed) see the previous
 * inventory whole.
 */
#ifndef DSMAP_SCAN_H
#define DSMAP_SCAN_H

#include "common.h"
#include "workspace.h"

DSMAP_BEGIN_DECL

/** Where a system's scan is, in a progress report. */
typedef enum {
	DSMAP_SCAN_WAITING = 0,  /**< not started yet */
	DSMAP_SCAN_RUNNING,
	DSMAP_SCAN_DONE,         /**< committed */
	DSMAP_SCAN_FAILED        /**< the previous inventory was kept */
} dsmap_scan_state;

/** One system's progress, passed to a progress callback. */
typedef struct {
	const char *system;
	dsmap_scan_state state;
	uint64_t records;        /**< records received so far */
	double seconds;          /**< since this system's scan started */
} dsmap_scan_progress;

/**
 * Called about ten times a second while a scan runs, and once at the end,
 * with the progress of every system scanned.  The array is borrowed for the
 * call.
 */
typedef void (*dsmap_scan_progress_fn)(const dsmap_scan_progress *systems, size_t count,
                                       void *payload);

/** Options of dsmap_scan(). */
typedef struct {
	unsigned int version;
	/** How many systems to scan at once; 0 means one per CPU. */
	unsigned int jobs;
	/** Seconds a runner may go without sending anything before it is
	 *  killed; 0 means each system's own `timeout` (300 s by default). */
	unsigned int timeout;
	/** The mapping revision whose system definitions to use; NULL for HEAD. */
	const char *rev;
	/** Progress reports, or NULL. */
	dsmap_scan_progress_fn progress;
	void *progress_payload;
} dsmap_scan_options;

#define DSMAP_SCAN_OPTIONS_VERSION 1
#define DSMAP_SCAN_OPTIONS_INIT { DSMAP_SCAN_OPTIONS_VERSION, 0, 0, NULL, NULL, NULL }

/** Records or identifiers left out of a system's inventory for one reason. */
typedef struct {
	/** "no valid identifier", "line 17: 4 fields, the header has 5"...;
	 *  never an identifier's value */
	const char *reason;
	/** the identifier kind for an invalid identifier, else NULL */
	const char *kind;
	/** the source (table, file) the records came from */
	const char *source;
	uint64_t count;
	/** 1 when the examples are line numbers (of a file), 0 when they are
	 *  record numbers (1-based, per source) */
	int lines;
	/** the first few, in the order seen */
	size_t example_count;
	uint64_t examples[8];
} dsmap_scan_issue;

/** What the scan of one system did. */
typedef struct {
	const char *system;
	const char *plugin;
	/** 0 when the new inventory was committed; else the DSMAP_E* code */
	int error;
	/** why the scan failed, NULL when it did not */
	const char *message;
	/** 1 when an earlier scan had committed an inventory of this system
	 *  (which a failed scan keeps) */
	int had_inventory;
	uint64_t records;        /**< records read from the source */
	uint64_t stored;         /**< records stored */
	uint64_t subjects;       /**< distinct subjects held */
	size_t categories;       /**< categories held */
	uint64_t rejected;       /**< records left out */
	uint64_t invalid;        /**< identifiers that failed validation */
	double seconds;
	/** rejected records and invalid identifiers, by reason */
	size_t issue_count;
	const dsmap_scan_issue *issues;
} dsmap_scan_system;

/** The outcome of dsmap_scan(). */
typedef struct dsmap_scan_report dsmap_scan_report;

/**
 * Scan systems into the inventory.
 *
 * The mapping's revision is synced into the store first when it is not yet.
 * Every system is scanned, even when one fails.
 *
 * @param out set to the report (even when some systems failed); free it
 *            with dsmap_scan_report_free()
 * @param ws the workspace
 * @param systems the ids of the systems to scan; NULL (with count 0) for
 *                every system the mapping defines
 * @param count how many ids `systems` holds
 * @param opts options, or NULL for the defaults
 * @return 0 when every system's scan was committed; DSMAP_ENOTFOUND (and
 *         nothing scanned) when a named system is not defined; DSMAP_ERROR
 *         when some systems failed (the report says which and why); another
 *         negative DSMAP_E* code when nothing could be scanned
 */
DSMAP_EXTERN(int) dsmap_scan(dsmap_scan_report **out, dsmap_workspace *ws,
                             const char *const *systems, size_t count,
                             const dsmap_scan_options *opts);

/** The JSON scan report's schema version (its "schema" key). */
#define DSMAP_SCAN_REPORT_SCHEMA 1

/**
 * Render a scan report as JSON: what `dsmap scan --format json` prints and
 * GET /v1/scan carries.  {"schema", "systems": [{"system", "plugin", "ok",
 * "error", "records", "subjects", "categories", "rejected",
 * "invalid_identifiers", "seconds", "issues": [{"source", "kind",
 * "reason", "count", "lines" or "records"}]}]}.
 *
 * @param out set to the NUL-terminated answer, ending in "\n"; free it
 *        with dsmap_free()
 * @param format DSMAP_FORMAT_JSON (indented) or DSMAP_FORMAT_JSON_LINE
 * @return 0; DSMAP_EINVALID for another format; DSMAP_ENOMEM
 */
DSMAP_EXTERN(int) dsmap_scan_report_render(char **out, const dsmap_scan_report *report,
                                           int format);

/** How many systems a report covers. */
DSMAP_EXTERN(size_t) dsmap_scan_report_count(const dsmap_scan_report *report);

/** The outcome of system `i` (in id order); NULL when out of range.
 *  Borrowed from the report. */
DSMAP_EXTERN(const dsmap_scan_system *) dsmap_scan_report_get(const dsmap_scan_report *report,
                                                              size_t i);

/** Free a report.  NULL is a no-op. */
DSMAP_EXTERN(void) dsmap_scan_report_free(dsmap_scan_report *report);

DSMAP_END_DECL

#endif /* DSMAP_SCAN_H */
