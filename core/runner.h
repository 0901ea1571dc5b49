/*
 * Internal: the runner, the child process that runs one system's plugin,
 * and the frames it streams to the scan process over a pipe.
 *
 * The runner normalises and hashes identifiers (so raw values never leave
 * it) and maps category names to their store bits; the scan process trusts
 * none of it and checks every frame (see scan.c).
 *
 * A frame is an 8-byte header, then `len` bytes of payload:
 *   u8 type, the three bytes "DSM", u32 len (native byte order: both ends
 *   are the same program on the same machine).
 * Payloads, native byte order, packed as written:
 *   'R' record:  u64 number, i64 first, i64 last, u16 source, u8 nids,
 *                u8 0, u16 ncats, u16 loclen, then nids x (u8 kind,
 *                16-byte hash), the first being the subject's; ncats x u32
 *                catbit; loclen bytes of locator.
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
#define DSMAP__RECORD_FIXED 32
#define DSMAP__RECORD_MAX_IDS 32        /* distinct identifiers per record */
#define DSMAP__RECORD_MAX_CATS 1024
#define DSMAP__LOCATOR_MAX 512
#define DSMAP__REASON_MAX 512

enum {
	DSMAP__FRAME_RECORD = 'R',
	DSMAP__FRAME_INVALID = 'I',
	DSMAP__FRAME_REJECT = 'J',
	DSMAP__FRAME_END = 'E',
	DSMAP__FRAME_ERROR = 'X'
};

/* A category a source's fields can name, and its bit in the store. */
struct dsmap__runner_cat {
	const char *ref;        /* "group/id", the very pointer given to the plugin */
	uint32_t catbit;
};

/* One source's categories, for mapping what the plugin reports. */
struct dsmap__runner_source {
	size_t cat_count;
	const struct dsmap__runner_cat *cats;
};

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
