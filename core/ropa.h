/*
 * Internal: the cell encoders of the register's CSV and HTML forms, for
 * the unit tests.
 */
#ifndef DSMAP_CORE_ROPA_H
#define DSMAP_CORE_ROPA_H

#include "util.h"

/* Append `s` to `o` as one RFC 4180 field: quoted when it holds a comma, a
 * double quote, CR or LF, or starts or ends with a space, with each double
 * quote doubled; then "," or, for the record's `last` field, CRLF. */
void dsmap__csv_field(struct dsmap__out *o, const char *s, int last);

/* Append `s` to `o` escaped for HTML text and attribute values (& < > " '
 * as entities); a newline becomes "<br>\n" with `breaks`, else a space. */
void dsmap__html_text(struct dsmap__out *o, const char *s, int breaks);

#endif
