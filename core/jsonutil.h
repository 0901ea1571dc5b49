/*
 * Internal: small questions asked of jansson values by the modules that
 * build and render answers (lineage, locate, ls, history, impact).
 */
#ifndef DSMAP_CORE_JSONUTIL_H
#define DSMAP_CORE_JSONUTIL_H

#include <jansson.h>

/* Whether array `a` holds the string `s`. */
int dsmap__json_has(const json_t *a, const char *s);

/* Append the string `s` to array `a` unless it holds it: 0, or -1 when
 * out of memory. */
int dsmap__json_add_unique(json_t *a, const char *s);

/*
 * Builders that check once, at the end: each call below takes the
 * reference to `v` (as the jansson calls ending in _new do, also when `v`
 * is NULL or the insert fails) and sets *bad on any failure, so that a
 * value built under a failed allocation is never handed on shortened:
 *
 *	int bad = (a = json_array()) == NULL;
 *	for (...)
 *		dsmap__json_push(a, json_string(s), &bad);
 *	return dsmap__json_done(a, bad);
 */
void dsmap__json_push(json_t *a, json_t *v, int *bad);
void dsmap__json_put(json_t *o, const char *key, json_t *v, int *bad);
/* As dsmap__json_push() and _put(), but adding a reference of their own
 * to `v`, which stays the caller's. */
void dsmap__json_push_ref(json_t *a, json_t *v, int *bad);
void dsmap__json_put_ref(json_t *o, const char *key, json_t *v, int *bad);
/* `v`, or NULL (and `v` released) when `bad` is set. */
json_t *dsmap__json_done(json_t *v, int bad);

/* json_dumps(), but NULL whenever memory ran out on the way: jansson 2.14
 * ignores a failure to write an object's key, and json_dumps() then
 * returns a text without it.  Free the result with free(). */
char *dsmap__json_dumps(const json_t *v, size_t flags);

/* dsmap__json_dumps() with a newline after the text: an answer as the
 * library hands it out, ready to print. */
char *dsmap__json_dumpln(const json_t *v, size_t flags);

/*
 * A dump with parts dumped before (jansson does all the encoding; this
 * only copies its texts).  `v` is dumped as dsmap__json_dumps() would
 * (dsmap__json_dumpln() when `newline`), except that each string of the
 * tree made of `mark` and a decimal number N is replaced by part(payload,
 * N, flags, indent, &len): the text of a whole JSON value that jansson
 * dumped alone with the same `flags`, each of its lines after the first
 * indented by `indent` more spaces (dsmap__json_indent()), the depth where
 * the marker stood.  `mark` must begin with "\x01" and go on with ASCII
 * letters and digits only (so that jansson writes it "\u0001..."); a
 * caller makes it unguessable (randombytes), so that no text of the tree
 * can pass for a marker.  NULL when memory ran out or `part` gave NULL.
 */
typedef const char *(*dsmap__json_part_fn)(void *payload, size_t n, size_t flags, size_t indent,
                                           size_t *len);
char *dsmap__json_dump_parts(const json_t *v, size_t flags, int newline, const char *mark,
                             dsmap__json_part_fn part, void *payload);

/* A copy of `text` (`len` bytes) with `indent` spaces after each of its
 * newlines, NUL-terminated, its length in *out_len; NULL when memory ran
 * out. */
char *dsmap__json_indent(const char *text, size_t len, size_t indent, size_t *out_len);

/* The string under `key` of object `o`; "" when absent or not a string. */
const char *dsmap__json_str(const json_t *o, const char *key);

/* A new reference to the array under `key` of `o`, or a new empty array
 * when there is none (for json_pack's "o"). */
json_t *dsmap__json_array_or_empty(const json_t *o, const char *key);

/* The title (`title_fr`/`title_en`) or name (`name_fr`/`name_en`) of `x`
 * in `lang` ("en" or "fr"), falling back on the other language, then (for
 * names) on the id; "" when it has none. */
const char *dsmap__json_title(const json_t *x, const char *lang);
const char *dsmap__json_name(const json_t *x, const char *lang);

#endif
