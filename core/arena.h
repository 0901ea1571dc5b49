/*
 * Internal: an arena allocator.  Everything a loaded mapping holds (its
 * strings, its model) is allocated here and freed at once.
 */
#ifndef DSMAP_CORE_ARENA_H
#define DSMAP_CORE_ARENA_H

#include <stddef.h>

struct dsmap__arena_chunk;

typedef struct {
	struct dsmap__arena_chunk *head;
} dsmap__arena;

/* Zeroed memory for `size` bytes, aligned for any type; NULL when out of memory. */
void *dsmap__arena_alloc(dsmap__arena *a, size_t size);
/* A copy of `s` (`len` bytes, NUL added); NULL when out of memory. */
char *dsmap__arena_strndup(dsmap__arena *a, const char *s, size_t len);
char *dsmap__arena_strdup(dsmap__arena *a, const char *s);
/* printf into the arena. */
char *dsmap__arena_sprintf(dsmap__arena *a, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
/* Free everything. */
void dsmap__arena_free(dsmap__arena *a);

/* A growable array of pointers whose storage is in an arena. */
typedef struct {
	void **items;
	size_t count;
	size_t cap;
} dsmap__vec;

/* Append; returns 0, or -1 when out of memory. */
int dsmap__vec_push(dsmap__arena *a, dsmap__vec *v, void *item);

#endif
