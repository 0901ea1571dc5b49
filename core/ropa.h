/*
 * Internal: the register as a JSON value, for the other renderers of it
 * (the DPV export), and the cell encoders of its CSV and HTML forms, for
 * the unit tests.
 */
#ifndef DSMAP_CORE_ROPA_H
#define DSMAP_CORE_ROPA_H

#include <stdint.h>

#include <jansson.h>

#include "dsmap/workspace.h"
#include "util.h"

/* The register of revision or date `at` (NULL: the synced revision) as the
 * JSON value dsmap_ropa() prints in its "json" form (docs/ropa.md), dated
 * `when` (seconds since the epoch, 0 for now).  The DPV export (dpv.c)
 * renders the same value, so that the register and the export say the
 * same.  *out is a new reference.  Returns as dsmap_ropa(): 0,
 * DSMAP_ENOTFOUND, DSMAP_ERROR (a broken mapping at `at`), DSMAP_ECORRUPT,
 * DSMAP_ENOMEM. */
int dsmap__ropa_build(json_t **out, dsmap_workspace *ws, const char *at, int64_t when);

/* Append `s` to `o` as one RFC 4180 field: quoted when it holds a comma, a
 * double quote, CR or LF, or starts or ends with a space, with each double
 * quote doubled; then "," or, for the record's `last` field, CRLF. */
void dsmap__csv_field(struct dsmap__out *o, const char *s, int last);

/* Append `s` to `o` escaped for HTML text and attribute values (& < > " '
 * as entities); a newline becomes "<br>\n" with `breaks`, else a space. */
void dsmap__html_text(struct dsmap__out *o, const char *s, int breaks);

#endif
