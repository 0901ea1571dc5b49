/*
 * Internal: the runner, the child process that runs one system's plugin,
 * and the frames it streams to the scan process over a pipe.
 *
 * The runner normalises and hashes identifiers (so raw values never leave
 * it), maps category names to their store bits and a record's subject kind
 * and brand values to facet masks (store.h); the scan process trusts none
 * of it and checks every frame (see scan.c).
 *
 * A frame is an 8-byte header, then `len` bytes of payload:
 *   u8 type, the three bytes "DSM", u32 len (native byte order: both ends
 *   are the same program on the same machine).
 * Payloads, native byte order, packed as written:
 *   'R' record:  u64 number, i64 first, i64 last, u16 source, u8 nids,
 *                u8 0, u16 ncats, u16 loclen, u32 subject kinds, u32 brands
 *                (facet masks, 0: unknown), then nids x (u8 kind, 16-byte
 *                hash), the first being the subject's; ncats x u32 catbit;
 *                loclen bytes of locator.
 *   'U' a facet not mapped: u64 number, u16 source, u8 facet (0 subject
 *                kind, 1 brand), u8 0: the record's value of the facet's
 *                field is none of its `values`, and it has no default (the
 *                value itself never crosses).
 *   'I' invalid identifier: u64 number, u16 source, u8 kind, u8 0,
 *                u16 reasonlen, reason.
 *   'J' rejected record: u64 number, u16 source, u16 reasonlen, reason.
 *   'E' end:     u64 records read.
 *   'X' error:   i32 DSMAP_E* code, then the message.
 */
#ifndef DSMAP_CORE_RUNNER_H
#define DSMAP_CORE_RUNNER_H

#include <stdint.h>

#include "dsmap/ident.h"
#include "dsmap/plugin.h"
#include "store.h"

#define DSMAP__FRAME_HEADER 8
#define DSMAP__FRAME_MAX 16384          /* the largest payload a scan accepts */
#define DSMAP__RECORD_FIXED 40
#define DSMAP__UNMAPPED_SIZE 12
#define DSMAP__RECORD_MAX_IDS 32        /* distinct identifiers per record */
#define DSMAP__RECORD_MAX_CATS 1024
#define DSMAP__LOCATOR_MAX 512
#define DSMAP__REASON_MAX 512

enum {
	DSMAP__FRAME_RECORD = 'R',
	DSMAP__FRAME_INVALID = 'I',
	DSMAP__FRAME_REJECT = 'J',
	DSMAP__FRAME_UNMAPPED = 'U',
	DSMAP__FRAME_END = 'E',
	DSMAP__FRAME_ERROR = 'X'
};

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
enum { DSMAP__RUNNER_KIND = 0, DSMAP__RUNNER_BRAND = 1 };
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
