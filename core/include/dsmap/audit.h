/**
 * @file dsmap/audit.h
 * @brief The standing conformance audit: what the systems really hold and
 *        keep, against what the notice says.
 *
 * dsmap_audit() compares the synced revision's lineage graph (the
 * purposes each system declares, their categories, legal bases and
 * retention) with the store's inventory (the categories each system
 * holds, from its last scan, and the record-time histograms that scan
 * kept).  Each finding has a kind, a severity and a stable id made of the
 * kind and what it is about ("retention-overdue/weblog/observed/traffic"),
 * so that a finding can be followed from one audit to the next.
 *
 * The kinds (docs/audit.md says what each checks and how to resolve it):
 *
 * | kind                 | severity | about                                        |
 * |----------------------|----------|----------------------------------------------|
 * | unpurposed-data      | high     | a category a system holds for none of the purposes it declares |
 * | retention-overdue    | high     | records older than the longest retention that applies |
 * | scan-failed          | high     | a system whose last scan failed                |
 * | retention-undated    | medium   | records with no time, where the retention runs from one |
 * | scan-stale           | medium   | a system never scanned, or not for `stale_days` |
 * | system-no-purpose    | medium   | a system that declares no purpose              |
 * | consent-no-field     | medium   | a system serving a consent-based purpose with no consent field |
 * | retention-unknown    | low      | a retention that runs from an event the inventory does not record, or gives no period |
 * | no-record-times      | low      | a system scanned before dsmap kept record times |
 * | purpose-unserved     | low      | a purpose that no system declares              |
 */
#ifndef DSMAP_AUDIT_H
#define DSMAP_AUDIT_H

#include <stdint.h>

#include "common.h"
#include "workspace.h"

DSMAP_BEGIN_DECL

/** Severities, in order: a higher value is more severe. */
typedef enum {
	DSMAP_AUDIT_NONE = 0,    /**< no finding (dsmap_audit()'s `worst` only) */
	DSMAP_AUDIT_LOW = 1,
	DSMAP_AUDIT_MEDIUM = 2,
	DSMAP_AUDIT_HIGH = 3
} dsmap_audit_severity;

#define DSMAP_AUDIT_OPTIONS_VERSION 1

/** Options of dsmap_audit(); start from DSMAP_AUDIT_OPTIONS_INIT. */
typedef struct {
	unsigned int version;   /**< DSMAP_AUDIT_OPTIONS_VERSION */
	const char *as_of;      /**< the date ages are judged at, YYYY-MM-DD[THH:MM[:SS]]
	                             (UTC; a bare date is its last second); NULL for now */
	unsigned int stale_days;  /**< a system not scanned for more days than this is a
	                               finding (scan-stale); 0 for the default, 30 */
	const char *lang;       /**< "en" or "fr" for the names of categories, purposes and
	                             systems in the messages; NULL for English */
} dsmap_audit_options;

#define DSMAP_AUDIT_OPTIONS_INIT { DSMAP_AUDIT_OPTIONS_VERSION, NULL, 0, NULL }

/** The default of dsmap_audit_options.stale_days. */
#define DSMAP_AUDIT_STALE_DAYS 30

/**
 * Audit the synced revision against the store's inventory.
 *
 * @param out    the report, newly allocated (dsmap_free()): with
 *               DSMAP_FORMAT_JSON the document of docs/audit.md, with
 *               DSMAP_FORMAT_TEXT one paragraph per finding, most severe
 *               first
 * @param worst  if not NULL, the severity of the most severe finding
 *               (DSMAP_AUDIT_NONE when there is none)
 * @param ws     an open workspace
 * @param opts   options, or NULL for the defaults
 * @param format DSMAP_FORMAT_TEXT or DSMAP_FORMAT_JSON
 * @return 0; DSMAP_ENOTFOUND when nothing is synced; DSMAP_EINVALID for a
 *         bad argument (a format, a language, an as_of that is no date); DSMAP_ECORRUPT for a damaged store; DSMAP_ENOMEM
 */
DSMAP_EXTERN(int) dsmap_audit(char **out, dsmap_audit_severity *worst, dsmap_workspace *ws,
                              const dsmap_audit_options *opts, int format);

/** The name of a severity ("high", "medium", "low"), or NULL. */
DSMAP_EXTERN(const char *) dsmap_audit_severity_name(dsmap_audit_severity s);

/** The severity of `name` ("high", "medium", "low"); DSMAP_AUDIT_NONE when
 *  it is none of them. */
DSMAP_EXTERN(dsmap_audit_severity) dsmap_audit_severity_parse(const char *name);

DSMAP_END_DECL

#endif /* DSMAP_AUDIT_H */
