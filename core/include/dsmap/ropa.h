/*
 * dsmap: data-subject inventory and lineage mapper.
 *
 * ropa.h: the controller's record of processing activities (GDPR art. 30(1)).
 *
 * `dsmap_ropa()` renders the register of a synced revision, or of the
 * revision a date names: one entry per purpose of the notice, with the
 * controller, the joint controllers and the DPO and their contacts, the
 * purpose, the categories of data subjects and of personal data, the
 * recipients (their categories and names), the transfers outside the EEA
 * with their safeguards, the retention of each category in words, the
 * legal bases with the articles cited, and the systems that serve the
 * purpose.  docs/ropa.md says which mapping field each column comes from.
 */
#ifndef DSMAP_ROPA_H
#define DSMAP_ROPA_H

#include "common.h"
#include "lineage.h"
#include "workspace.h"

DSMAP_BEGIN_DECL

#define DSMAP_ROPA_OPTIONS_VERSION 1

/**
 * The options of dsmap_ropa().  Append-only: initialise with
 * DSMAP_ROPA_OPTIONS_INIT.
 */
typedef struct {
	unsigned int version;   /**< DSMAP_ROPA_OPTIONS_VERSION */
	const char *at;         /**< a revision or a date (YYYY-MM-DD[THH:MM[:SS]], UTC), as
	                             for dsmap_lineage(); NULL for the synced revision */
	const char *lang;       /**< "en" or "fr" for the words of the text, CSV and HTML
	                             forms; NULL for the notice's language */
	int64_t generated_at;   /**< the generation date written in the register, in seconds
	                             since the epoch (UTC); 0 for now */
} dsmap_ropa_options;

#define DSMAP_ROPA_OPTIONS_INIT { DSMAP_ROPA_OPTIONS_VERSION, NULL, NULL, 0 }

/**
 * Render the record of processing activities of a revision.
 *
 * The entries come in the notice's section order, one per purpose.
 *  - DSMAP_FORMAT_TEXT: the controller, the DPO and the contacts once, then
 *    a block per purpose.
 *  - DSMAP_FORMAT_JSON: an object with "schema" (1), "kind" ("ropa"),
 *    "revision", "generated_at", "notice", "controller", "dpo",
 *    "contacts", "transfers_outside_eea" and "entries" (docs/ropa.md).
 *  - DSMAP_FORMAT_CSV: RFC 4180 in UTF-8 with CRLF line ends: a header
 *    row, then one row per purpose; a cell of several values holds one
 *    value per line (LF inside the quoted cell).
 *  - DSMAP_FORMAT_HTML: one self-contained document, printable on A4
 *    landscape, with the notice version, the commit and the generation
 *    date in the footer; every text is escaped.
 *
 * The controller, DPO and contacts are read from notice.yaml in the
 * revision's commit (the graph does not hold them), so the workspace's
 * repository must still hold that commit.
 *
 * @param out set to the rendered register, NUL-terminated; free it with
 *        dsmap_free()
 * @param ws the workspace
 * @param opts the options, or NULL for the defaults
 * @param format DSMAP_FORMAT_TEXT, _JSON, _CSV or _HTML
 * @return 0; DSMAP_EINVALID for an invalid argument (a format, a language,
 *         an options version); DSMAP_ENOTFOUND when nothing is synced, when
 *         `at` names nothing (a date before the first commit, an unknown
 *         revision) or when the repository no longer holds the revision's
 *         commit; DSMAP_ERROR when the mapping at `at` has errors;
 *         DSMAP_ENOMEM
 */
DSMAP_EXTERN(int) dsmap_ropa(char **out, dsmap_workspace *ws, const dsmap_ropa_options *opts,
                             int format);

/**
 * Render the same register as an Office Open XML workbook (.xlsx, written
 * with libxlsxwriter): one sheet with the CSV's header row (frozen, with
 * filters) and one row per purpose, a cell of several values holding one
 * value per line; printed on A4 landscape with the header row repeated and
 * the notice version, the commit and the generation date in the page
 * footer and the document's comments.
 *
 * @param out set to the workbook's bytes (not NUL-terminated); free them
 *        with dsmap_free()
 * @param size set to the number of bytes at *out
 * @param ws the workspace
 * @param opts the options, or NULL for the defaults
 * @return as dsmap_ropa(); DSMAP_EIO when the temporary file the workbook
 *         is written through ($TMPDIR, else /tmp) cannot be made or read
 */
DSMAP_EXTERN(int) dsmap_ropa_xlsx(unsigned char **out, size_t *size, dsmap_workspace *ws,
                                  const dsmap_ropa_options *opts);

DSMAP_END_DECL

#endif /* DSMAP_ROPA_H */
