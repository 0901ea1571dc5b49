/*
 * fsrc: code shared by the plugins of file sources (csv, jsonl); the
 * postgres plugin uses its timestamp parser for text columns.
 *
 * Built into a convenience library that each of those plugins links in; it
 * includes <dsmap/plugin.h> alone, like the plugins, and keeps no state of
 * its own: everything lives in the structures the caller owns.
 */
#ifndef DSMAP_PLUGINS_FSRC_H
#define DSMAP_PLUGINS_FSRC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <dsmap/plugin.h>

/** The longest line (without its line ending) and the longest record a file
 *  source reads; anything longer is a data error of that record. */
#define DSMAP_FSRC_MAX_LINE ((size_t)16 * 1024 * 1024)

/* ---- options ------------------------------------------------------------ */

/** The value of option `key`: the source's when it has it (src may be NULL),
 *  else the system's, else NULL. */
const char *dsmap_fsrc__option(const dsmap_plugin_config *config,
                               const dsmap_plugin_source *src, const char *key);

/** Check that the system and each source name only options of `known` (a
 *  NULL-terminated list) and that every source has a name.  Returns 0, or
 *  DSMAP_PLUGIN_ECONFIG with the message set. */
int dsmap_fsrc__check_options(dsmap_plugin_host *host, const dsmap_plugin_config *config,
                              const char *const *known);

/** The file of `src`: its name when absolute, else the name under the
 *  `directory` option when there is one, else the name as given (relative
 *  to the working directory).  Newly allocated; NULL when out of memory. */
char *dsmap_fsrc__path(const dsmap_plugin_config *config, const dsmap_plugin_source *src);

/** The system id for messages (never NULL). */
const char *dsmap_fsrc__system(const dsmap_plugin_config *config);

/* ---- reading lines ------------------------------------------------------- */

/** A line reader over a file: a buffer that grows to hold the longest line
 *  (at most DSMAP_FSRC_MAX_LINE plus its line ending), so that memory does
 *  not depend on the file's size.  A UTF-8 byte order mark at the start of
 *  the file is skipped. */
typedef struct {
	FILE *f;
	char *buf;
	size_t size;     /* allocated */
	size_t start;    /* first byte not yet returned */
	size_t end;      /* end of the data read */
	size_t scanned;  /* [start, scanned) holds no newline */
	uint64_t line;   /* number of the line last returned (1-based) */
	int eof;
	int bom_checked;
} dsmap_fsrc_reader;

/** What dsmap_fsrc__reader_next() returns. */
enum {
	DSMAP_FSRC_LINE = 1,     /* a line */
	DSMAP_FSRC_EOF = 0,      /* no more lines */
	DSMAP_FSRC_EIO = -1,     /* a read error; errno says which */
	DSMAP_FSRC_ELONG = -2,   /* line `reader->line` was too long and was skipped */
	DSMAP_FSRC_ENOMEM = -3   /* out of memory */
};

/** Open `path`.  Returns 0, or the errno value of the failure. */
int dsmap_fsrc__reader_open(dsmap_fsrc_reader *r, const char *path);

/** The next line, with its line ending ("\n" or "\r\n") when it has one:
 *  `*line` is borrowed until the next call.  Returns DSMAP_FSRC_LINE, or
 *  one of the other codes above; reader->line is the number of the line
 *  returned or skipped. */
int dsmap_fsrc__reader_next(dsmap_fsrc_reader *r, const char **line, size_t *len);

/** Close the file and free the buffer.  Safe on a zeroed reader. */
void dsmap_fsrc__reader_close(dsmap_fsrc_reader *r);

/* ---- timestamps ---------------------------------------------------------- */

/** Parse a timestamp into seconds since the epoch, UTC.  Accepts, with
 *  optional surrounding spaces:
 *    - whole epoch seconds, optionally signed, optionally with a fraction
 *      that is dropped (rounding down): "1700000000", "1700000000.25";
 *    - "YYYY-MM-DD" (midnight UTC);
 *    - "YYYY-MM-DDTHH:MM[:SS]", with 'T', 't' or a space between date and
 *      time, optional fractional seconds (".123" or ",123", dropped), and
 *      an optional zone: "Z", "+hh", "+hh:mm", "+hhmm" (or '-').  Without
 *      a zone the time is taken as UTC.
 *  Returns 0 and sets *out, or -1 when `s` is not one of these. */
int dsmap_fsrc__parse_time(const char *s, size_t len, int64_t *out);

/* ---- the fields of a source ---------------------------------------------- */

/** The fields a source's definition names, each once (a "slot"), and the
 *  buffers to build its records in: identifiers, and categories deduped by
 *  name across fields.  Built once per source, reused for every record. */
typedef struct {
	size_t slot_count;
	const char **slot_names;    /* borrowed from the config */
	size_t *id_slot;            /* per id field: its slot */
	size_t *cat_slot;           /* per category field: its slot */
	size_t ts_slot;             /* the timestamp field's slot, when has_ts */
	int has_ts;

	size_t *cat_first;          /* per category field: index of its first category in cat_uid */
	size_t *cat_uid;            /* per category of each field: a number, equal for equal names */
	size_t uniq_count;
	uint32_t *seen;             /* per unique category: the record generation that added it */
	uint32_t gen;

	dsmap_plugin_identifier *ids;   /* room for one per id field */
	size_t id_count;
	const char **cats;              /* room for every category of the source */
	size_t cat_count;

	size_t *attr_slot;              /* per attribute field (ABI 1.1): its slot */
	dsmap_plugin_value *attrs;      /* per attribute field: the record's value */
	size_t attr_count;              /* src->attribute_field_count */
} dsmap_fsrc_fields;

/** Build the slots of `src`.  Returns 0, DSMAP_PLUGIN_ECONFIG for a field
 *  without a name, or DSMAP_PLUGIN_ERROR when out of memory; the message is
 *  set either way.  Free with dsmap_fsrc__fields_free() in any case. */
int dsmap_fsrc__fields_init(dsmap_fsrc_fields *f, dsmap_plugin_host *host,
                            const dsmap_plugin_config *config, const dsmap_plugin_source *src);

void dsmap_fsrc__fields_free(dsmap_fsrc_fields *f);

/** Start a record: no identifier, no category, every attribute NULL. */
void dsmap_fsrc__record_begin(dsmap_fsrc_fields *f);

/** The record holds category field `j` of `src`: add each of its
 *  categories the record does not hold yet (the config's own pointers). */
void dsmap_fsrc__add_categories(dsmap_fsrc_fields *f, const dsmap_plugin_source *src, size_t j);

/* ---- errors -------------------------------------------------------------- */

/** A record that cannot be read.  The reason (printf-style, e.g. "line 17:
 *  4 fields, the header has 5") names lines and fields, never a value.
 *  With `reject`, it goes there and the scan goes on: returns 0, or
 *  DSMAP_PLUGIN_ESTOP when reject() returned non-zero.  Without, it is the
 *  scan's error ("system S: source F: <reason>"): returns
 *  DSMAP_PLUGIN_EDATA. */
int dsmap_fsrc__bad_record(dsmap_plugin_host *host, const dsmap_plugin_config *config,
                           const dsmap_plugin_source *src, uint64_t number,
                           dsmap_plugin_reject_fn reject, void *payload, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 7, 8)))
#endif
	;

/* ---- locators ------------------------------------------------------------ */

/** A locator "<source name>:<line>", rewritten in place for each record. */
typedef struct {
	char *buf;
	size_t prefix;   /* length of "<source name>:" */
	size_t len;
} dsmap_fsrc_locator;

/** Returns 0, or -1 when out of memory. */
int dsmap_fsrc__locator_init(dsmap_fsrc_locator *l, const char *name);
void dsmap_fsrc__locator_set(dsmap_fsrc_locator *l, uint64_t line);
void dsmap_fsrc__locator_free(dsmap_fsrc_locator *l);

/** Write `n` in decimal at `out` (room for 20 digits); returns the length. */
size_t dsmap_fsrc__u64(char *out, uint64_t n);

#endif
