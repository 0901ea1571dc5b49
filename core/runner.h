/*
 * Internal: the runner, the child process that runs one system's plugin,
 * and the frames it streams to the scan process over a pipe.
 *
 * The runner normalises and hashes identifiers (so raw values never leave
 * it), maps category names to their store bits and a record's subject kind
 * and brand values to facet masks (store.h); the scan process trusts none
 * of it and checks every frame (see scan.c).
 *
 * The frames, their layout and the limits they set (identifiers and
 * categories per record, locator and reason lengths) are frame.h's: the
 * runner writes them only through dsmap__frame_encode().
 */
#ifndef DSMAP_CORE_RUNNER_H
#define DSMAP_CORE_RUNNER_H

#include <stdint.h>

#include "dsmap/ident.h"
#include "dsmap/plugin.h"
#include "frame.h"
#include "store.h"

/* A category a source's fields can name, and its bit in the store. */
struct dsmap__runner_cat {
	const char *ref;        /* "group/id", the very pointer given to the plugin */
	uint32_t catbit;
};

/* A value of a facet field and its facet bit. */
struct dsmap__runner_facet_value {
	const char *value;      /* compared byte for byte */
	size_t len;
	uint32_t mask;          /* 1 << the facet's number */
};

/* How a source's records get one facet (subject kind, brand) mask:
 * `attr` < 0: every record gets `fixed` (0: unknown, the source says
 * nothing); else the record's value of attribute field `attr` is looked up
 * in `values`, else it gets `dflt` when `has_default`, else 0 and the
 * record is reported as not mapped ('U'). */
enum {
	DSMAP__RUNNER_KIND = DSMAP__FRAME_FACET_KIND,   /* a 'U' frame's facet is the index */
	DSMAP__RUNNER_BRAND = DSMAP__FRAME_FACET_BRAND
};
struct dsmap__runner_facet {
	int attr;
	uint32_t fixed;
	size_t value_count;
	const struct dsmap__runner_facet_value *values;
	uint32_t dflt;
	int has_default;
	uint32_t allowed;       /* every mask above ORed: what the scan accepts */
	const char *field;      /* the field's name, for the report; NULL when fixed */
};

/* One source's categories and facets, for mapping what the plugin reports. */
struct dsmap__runner_source {
	size_t cat_count;
	const struct dsmap__runner_cat *cats;
	struct dsmap__runner_facet facets[2];   /* by DSMAP__RUNNER_KIND / _BRAND */
};

/* The facet mask of a record of a source whose attribute values (parallel
 * to the source's attribute fields; NULL or `count` 0 when the plugin
 * reported none) are `attrs`.  *unmapped is set when the value is not
 * mapped and there is no default.  Pure: the runner's and the tests' view. */
uint32_t dsmap__runner_facet_mask(const struct dsmap__runner_facet *f,
                                  const dsmap_plugin_value *attrs, size_t count, int *unmapped);

/* Everything a runner needs, prepared by the scan process before fork(). */
struct dsmap__runner_job {
	const char *system_id;
	const char *plugin_name;
	const char *plugin_path;
	const char *workdir;                       /* relative paths resolve here */
	const dsmap_plugin_config *config;
	const struct dsmap__runner_source *sources; /* parallel to config->sources */
	int skip_broken;
	const unsigned char *key;                  /* the workspace secret, 32 bytes */
	dsmap_store *store;                        /* to unmap in the child, never used */
};

/*
 * The runner's main: run in the child after fork(), with `fd` the write end
 * of the frame pipe and `errfd` where the plugin's stderr goes.  Never
 * returns: the process exits 0 after an 'E' frame, 1 after an 'X' frame.
 */
void dsmap__runner_main(const struct dsmap__runner_job *job, int fd, int errfd)
#if defined(__GNUC__)
	__attribute__((noreturn))
#endif
	;

#endif
