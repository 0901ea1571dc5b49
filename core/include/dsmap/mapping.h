/*
 * dsmap: data-subject inventory and lineage mapper.
 *
 * mapping.h: loading and checking a mapping, the privacy notice as data
 * (the YAML files of a mappings/ folder, described in
 * docs/mapping-format.md).
 *
 * Loading reads every file with libyaml, checks its structure and every
 * reference, and collects diagnostics (errors, warnings and notes), each
 * with the file and the line and column it is about.  A mapping with
 * errors is still returned, so that a checker can show them all.
 */
#ifndef DSMAP_MAPPING_H
#define DSMAP_MAPPING_H

#include "common.h"
#include "workspace.h"

DSMAP_BEGIN_DECL

/** A loaded mapping (one version of the notice).  Opaque. */
typedef struct dsmap_mapping dsmap_mapping;

/** How serious a diagnostic is. */
typedef enum {
	DSMAP_DIAG_ERROR = 0,    /**< the mapping is wrong; it must not be synced */
	DSMAP_DIAG_WARNING = 1,  /**< probably a mistake; the mapping loads */
	DSMAP_DIAG_NOTE = 2      /**< how something was read, for the record */
} dsmap_diag_severity;

/** One diagnostic.  Strings belong to the mapping. */
typedef struct {
	int severity;            /**< a dsmap_diag_severity */
	const char *file;        /**< relative to the mappings folder, e.g. "purposes/x.yaml" */
	unsigned int line;       /**< 1-based; 0 when about the whole file */
	unsigned int column;     /**< 1-based; 0 when about the whole file */
	const char *message;
} dsmap_diag;

/**
 * Load the mapping in a mappings/ folder.
 *
 * @param out set to the mapping, also when it has errors; free it with
 *        dsmap_mapping_free()
 * @param dir the folder that holds notice.yaml, categories.yaml...
 * @return 0 when the mapping has no error; DSMAP_EINVALID when it has
 *         errors (read them with dsmap_mapping_diag()); DSMAP_ENOTFOUND,
 *         DSMAP_EIO... when the folder cannot be read, with *out NULL
 */
DSMAP_EXTERN(int) dsmap_mapping_load_dir(dsmap_mapping **out, const char *dir);

/**
 * Load the mapping of a revision of a workspace's mapping repository: the
 * mappings/ tree of the commit `rev` names (any git revision: "HEAD",
 * "HEAD~2", a branch, a tag, a commit id).
 *
 * @param out as for dsmap_mapping_load_dir()
 * @param ws the workspace
 * @param rev the revision
 * @return as for dsmap_mapping_load_dir(); DSMAP_ENOTFOUND or
 *         DSMAP_EINVALID with *out NULL when `rev` names no commit
 */
DSMAP_EXTERN(int) dsmap_mapping_load_rev(dsmap_mapping **out, dsmap_workspace *ws,
                                         const char *rev);

/** Free a mapping.  NULL is a no-op. */
DSMAP_EXTERN(void) dsmap_mapping_free(dsmap_mapping *mapping);

/**
 * The most diagnostics a mapping keeps: the first ones raised.  Those past
 * it are counted (dsmap_mapping_diag_omitted(), and the errors, warnings
 * and notes of dsmap_mapping_counts), not kept, so that a file of a
 * million mistakes costs no more than a file of a hundred.
 */
#define DSMAP_MAPPING_DIAG_MAX 100

/**
 * The number of diagnostics kept, at most DSMAP_MAPPING_DIAG_MAX; they are
 * sorted by file, line and column.
 */
DSMAP_EXTERN(size_t) dsmap_mapping_diag_count(const dsmap_mapping *mapping);

/** The number of diagnostics raised and not kept (0 when all were). */
DSMAP_EXTERN(size_t) dsmap_mapping_diag_omitted(const dsmap_mapping *mapping);

/** Diagnostic `i` (0-based), or NULL past the end. */
DSMAP_EXTERN(const dsmap_diag *) dsmap_mapping_diag(const dsmap_mapping *mapping, size_t i);

/** What a mapping holds, from dsmap_mapping_counts_get(). */
typedef struct {
	size_t categories;           /**< (group, id) pairs */
	size_t categories_in_group[4]; /**< collected, obtained, observed, derived */
	size_t categories_extra;     /**< not defined in section 4 */
	size_t category_aliases;
	size_t recipients;
	size_t recipients_outside_eea; /**< with a transfer outside the EEA */
	size_t subject_kinds;
	size_t rights;
	size_t purposes;
	size_t purpose_edges_category;  /**< purpose uses category */
	size_t purpose_edges_recipient; /**< purpose shares with recipient */
	size_t systems;              /**< source systems (systems/ID.yaml) */
	size_t system_sources;       /**< their tables, files and streams */
	size_t files;
	size_t errors;               /**< all raised, kept or not */
	size_t warnings;
	size_t notes;
} dsmap_mapping_counts;

/** Fill `out` with what `mapping` holds. */
DSMAP_EXTERN(void) dsmap_mapping_counts_get(dsmap_mapping_counts *out,
                                            const dsmap_mapping *mapping);

/** The name of category group `i` (0..3): "collected", "obtained",
 *  "observed", "derived"; NULL otherwise. */
DSMAP_EXTERN(const char *) dsmap_category_group_name(unsigned int i);

/** The JSON check's schema version (its "schema" key). */
#define DSMAP_CHECK_SCHEMA 1

/**
 * Render what `dsmap check --format json` prints for a loaded mapping:
 * {"schema", "source", "ok", "counts" {...}, "diagnostics": [{"severity",
 * "file", "path", "line", "column", "message"}], "diagnostics_omitted"}.
 *
 * @param out set to the NUL-terminated answer, ending in "\n"; free it
 *        with dsmap_free()
 * @param mapping the mapping, as dsmap_mapping_load_dir() or _rev() left it
 * @param source what was checked (a folder, or "REV:mappings/")
 * @param prefix put before each diagnostic's file for its "path"; NULL
 *        for none
 * @param format DSMAP_FORMAT_JSON (indented) or DSMAP_FORMAT_JSON_LINE
 * @return 0; DSMAP_EINVALID for another format; DSMAP_ENOMEM
 */
DSMAP_EXTERN(int) dsmap_mapping_check_render(char **out, const dsmap_mapping *mapping,
                                             const char *source, const char *prefix,
                                             int format);

DSMAP_END_DECL

#endif /* DSMAP_MAPPING_H */
