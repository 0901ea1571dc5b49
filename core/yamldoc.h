/*
 * Internal: one YAML document from a buffer, within limits.
 *
 * yaml_parser_load() builds a document from a stream with no bound on how
 * deep its collections nest or how many nodes it holds, and libyaml's
 * scanner is quadratic in the nesting of flow collections ("[[[[...": it
 * re-checks a simple-key slot per open level for every token), so a 2 MB
 * file of brackets stalls it for minutes.  dsmap__yaml_load() composes the
 * same document event by event and stops at the first event past a limit,
 * after which the scanner has read at most about 1,024 characters ahead.
 */
#ifndef DSMAP_CORE_YAMLDOC_H
#define DSMAP_CORE_YAMLDOC_H

#include <stddef.h>

#include <yaml.h>

/* Sequences and mappings inside each other: the shipped files need 6. */
#define DSMAP__YAML_DEPTH_MAX 64
/* Nodes of one document (scalars, sequences, mappings): the largest shipped
 * file holds about 1,050.  Bounds the memory of a document to some 20 MB
 * over its text (a node costs about 200 bytes, whatever its text). */
#define DSMAP__YAML_NODES_MAX 100000

struct dsmap__yaml_error {
	unsigned int line, column;   /* 1-based, where the problem is */
	char message[256];
};

/*
 * Parse `len` bytes of UTF-8 at `data` into `doc`: one document, as
 * yaml_parser_load() makes it (the same nodes, ids, styles and marks), or
 * none when the stream is empty (then doc holds no root node).
 *
 * Refused, as DSMAP_EINVALID with `err` filled (and the dsmap error not
 * set; the caller turns it into a diagnostic):
 * - invalid YAML ("YAML syntax: <libyaml's problem> <context>");
 * - nesting deeper than DSMAP__YAML_DEPTH_MAX, more than
 *   DSMAP__YAML_NODES_MAX nodes;
 * - anchors and aliases, which the mapping format excludes (and whose
 *   resolution would be a linear search per alias);
 * - a second document.
 *
 * Returns 0 (delete `doc` with yaml_document_delete()), DSMAP_EINVALID, or
 * DSMAP_ENOMEM (error set).  On failure `doc` holds nothing to delete.
 */
int dsmap__yaml_load(yaml_document_t *doc, const char *data, size_t len,
                     struct dsmap__yaml_error *err);

#endif
