/*
 * Internal: files built into the library (the shipped notice mapping).
 * The table is generated at build time by build-aux/embed-files.sh.
 */
#ifndef DSMAP_CORE_EMBEDDED_H
#define DSMAP_CORE_EMBEDDED_H

#include <stddef.h>

struct dsmap__embedded_file {
	const char *path;          /* relative, e.g. "mappings/notice.yaml" */
	const unsigned char *data;
	size_t size;
};

/* The shipped mappings/ tree, ended by an entry with a NULL path. */
extern const struct dsmap__embedded_file dsmap__default_mappings[];

#endif
