/*
 * A tiny fake host for the unit tests of plugins: a set_error that keeps
 * the message, record and reject callbacks that keep copies of what they
 * are given, and scratch files.  A test binary holds one plugin and calls
 * its dsmap_plugin_entry() directly.
 */
#ifndef DSMAP_TESTS_PLUGIN_HOST_H
#define DSMAP_TESTS_PLUGIN_HOST_H

#include <stddef.h>
#include <stdint.h>

#include <dsmap/plugin.h>

/* The entry point of the plugin linked into the test. */
const dsmap_plugin_descriptor *dsmap_plugin_entry(void);

typedef struct {
	dsmap_plugin_host host;
	char error[2048];
	int errors;          /* calls of set_error */
} ph_host;

void ph_host_init(ph_host *h);

#define PH_MAX 16

/* A copy of one record. */
typedef struct {
	const dsmap_plugin_source *source;
	uint64_t number;
	size_t nids;
	int kind[PH_MAX];
	char *id[PH_MAX];            /* NUL-terminated copies */
	size_t id_len[PH_MAX];
	size_t ncats;
	const char *cat[PH_MAX];     /* the plugin's pointers, as given */
	char *locator;
	int64_t created, updated;
	size_t nattrs;               /* attribute values (ABI 1.1) */
	char *attr[PH_MAX];          /* NUL-terminated copies; NULL: no value */
	size_t attr_len[PH_MAX];
} ph_record;

typedef struct {
	const dsmap_plugin_source *source;
	uint64_t number;
	char *reason;
} ph_reject;

/* Where the callbacks put what they get (the `payload`). */
typedef struct {
	ph_record *recs;
	size_t nrecs, cap;
	ph_reject *rejects;
	size_t nrejects, rcap;
	uint64_t stop_after;     /* record() asks to stop at this record (count); 0: never */
	int reject_stops;        /* reject() asks to stop */
	int count_only;          /* keep nothing (speed tests) */
	uint64_t count;          /* records seen */
	uint64_t ids_seen;       /* identifiers seen */
} ph_sink;

int ph_record_cb(const dsmap_plugin_record *r, void *payload);
int ph_reject_cb(const dsmap_plugin_source *source, uint64_t number, const char *reason,
                 void *payload);
void ph_sink_free(ph_sink *s);

/* open, scan (with ph_reject_cb when `with_reject`), close.  Returns the
 * first non-zero code, or 0. */
int ph_run(const dsmap_plugin_config *config, ph_host *h, ph_sink *sink, int with_reject);

/* Does the error or any reject reason contain `value`?  (Values are
 * personal data: a plugin must never put one in a message.) */
int ph_said(const ph_host *h, const ph_sink *s, const char *value);

/* Find the identifier of `kind` in record `r`; NULL when it has none. */
const char *ph_id(const ph_record *r, int kind);

/* Does record `r` hold the category `name`?  (By name.) */
int ph_has_cat(const ph_record *r, const char *name);

/* A configuration built up in place (sizes are fixed: tests are small). */
#define PH_SRC 4
#define PH_OPT 8
typedef struct {
	dsmap_plugin_config config;
	dsmap_plugin_source sources[PH_SRC];
	dsmap_plugin_option sysopts[PH_OPT];
	dsmap_plugin_option opts[PH_SRC][PH_OPT];
	dsmap_plugin_id_field ids[PH_SRC][PH_OPT];
	dsmap_plugin_category_field cats[PH_SRC][PH_OPT];
	const char *attrs[PH_SRC][PH_OPT];
} ph_config;

void ph_config_init(ph_config *b, const char *system_id);
size_t ph_source(ph_config *b, const char *name);     /* returns the source's index */
void ph_sysopt(ph_config *b, const char *key, const char *value);
void ph_opt(ph_config *b, size_t src, const char *key, const char *value);
void ph_idf(ph_config *b, size_t src, const char *field, int kind);
void ph_catf(ph_config *b, size_t src, const char *field, const char *const *cats, size_t n);
void ph_tsf(ph_config *b, size_t src, const char *field);
void ph_attrf(ph_config *b, size_t src, const char *field);   /* an attribute field */

/* Scratch files. */
char *ph_tmpdir(void);                       /* a new directory, newly allocated */
void ph_rmtree(char *dir);                   /* remove it (one level deep) and free it */
char *ph_path(const char *dir, const char *name);   /* "dir/name", newly allocated */
void ph_write(const char *path, const char *content);
void ph_write_n(const char *path, const void *content, size_t len);
char *ph_fixture(const char *rel);           /* a file under tests/fixtures, newly allocated */

/* A monotonic clock in seconds (for the speed reports). */
double ph_now(void);

#endif
