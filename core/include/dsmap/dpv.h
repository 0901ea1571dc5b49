/*
 * dsmap: data-subject inventory and lineage mapper.
 *
 * dpv.h: the notice of a revision as JSON-LD in the W3C Data Privacy
 * Vocabulary (DPV 2.x, https://w3id.org/dpv#) with its GDPR
 * (https://w3id.org/dpv/legal/eu/gdpr#) and personal data
 * (https://w3id.org/dpv/pd#) extensions.
 *
 * `dsmap_dpv_export()` renders one dpv:Process per purpose of the notice,
 * with its purpose, personal data, legal bases, recipients and their roles,
 * data subjects, storage durations, transfers to third countries and the
 * controller.  It reads the same register as dsmap_ropa() (<dsmap/ropa.h>),
 * so the two say the same.  docs/dpv.md gives the mapping from the notice's
 * fields to DPV terms, and which concepts are dsmap's own.
 */
#ifndef DSMAP_DPV_H
#define DSMAP_DPV_H

#include "common.h"
#include "workspace.h"

DSMAP_BEGIN_DECL

#define DSMAP_DPV_OPTIONS_VERSION 1

/** The base IRI of the concepts the notice defines, when none is given. */
#define DSMAP_DPV_BASE_DEFAULT "https://dsmap.invalid/notice/"

/**
 * The options of dsmap_dpv_export().  Append-only: initialise with
 * DSMAP_DPV_OPTIONS_INIT.
 */
typedef struct {
	unsigned int version;   /**< DSMAP_DPV_OPTIONS_VERSION */
	const char *at;         /**< a revision or a date (YYYY-MM-DD[THH:MM[:SS]], UTC), as
	                             for dsmap_lineage(); NULL for the synced revision */
	const char *base;       /**< the base IRI of the notice's own concepts (purposes,
	                             categories, recipients, subject kinds, processes): an
	                             http, https or urn IRI ending in '/' or '#', without
	                             spaces, quotes or angle brackets; NULL for
	                             DSMAP_DPV_BASE_DEFAULT */
} dsmap_dpv_options;

#define DSMAP_DPV_OPTIONS_INIT { DSMAP_DPV_OPTIONS_VERSION, NULL, NULL }

/**
 * Render the notice of a revision as one JSON-LD document (UTF-8, ending
 * in a newline) whose @context is inline, so that no network is needed to
 * read it.  The output depends only on the revision and the options: the
 * same revision gives the same bytes.
 *
 * The controller is read from notice.yaml in the revision's commit, as for
 * dsmap_ropa(), so the workspace's repository must still hold that commit.
 *
 * @param out set to the document, NUL-terminated; free it with dsmap_free()
 * @param ws the workspace
 * @param opts the options, or NULL for the defaults
 * @return 0; DSMAP_EINVALID for an invalid argument (an options version, a
 *         base IRI); DSMAP_ENOTFOUND when nothing is synced, when `at`
 *         names nothing or when the repository no longer holds the
 *         revision's commit; DSMAP_ERROR when the mapping at `at` has
 *         errors; DSMAP_ECORRUPT for a damaged store; DSMAP_ENOMEM
 */
DSMAP_EXTERN(int) dsmap_dpv_export(char **out, dsmap_workspace *ws, const dsmap_dpv_options *opts);

DSMAP_END_DECL

#endif /* DSMAP_DPV_H */
