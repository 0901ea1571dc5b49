/*
 * An arena allocator: chunks of 64 KiB (or larger for large requests),
 * freed at once.
 */
#include "config.h"

#include <stdarg.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "arena.h"

#define CHUNK_SIZE (64 * 1024)
#define ALIGN alignof(max_align_t)

struct dsmap__arena_chunk {
	struct dsmap__arena_chunk *next;
	size_t used;
	size_t size;
	alignas(max_align_t) unsigned char data[];
};

void *dsmap__arena_alloc(dsmap__arena *a, size_t size)
{
	struct dsmap__arena_chunk *c = a->head;
	size_t need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	void *p;

	if (need < size)
		return NULL;
	if (c == NULL || c->size - c->used < need) {
		size_t csize = need > CHUNK_SIZE ? need : CHUNK_SIZE;

		if ((c = dsmap__malloc(sizeof(*c) + csize)) == NULL)
			return NULL;
		c->used = 0;
		c->size = csize;
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += need;
	memset(p, 0, size);
	return p;
}

char *dsmap__arena_strndup(dsmap__arena *a, const char *s, size_t len)
{
	char *p = dsmap__arena_alloc(a, len + 1);

	if (p != NULL) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

char *dsmap__arena_strdup(dsmap__arena *a, const char *s)
{
	return s ? dsmap__arena_strndup(a, s, strlen(s)) : NULL;
}

char *dsmap__arena_sprintf(dsmap__arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (p = dsmap__arena_alloc(a, (size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void dsmap__arena_free(dsmap__arena *a)
{
	struct dsmap__arena_chunk *c = a->head, *next;

	for (; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

int dsmap__vec_push(dsmap__arena *a, dsmap__vec *v, void *item)
{
	if (v->count == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		void **items = dsmap__arena_alloc(a, cap * sizeof(*items));

		if (items == NULL)
			return -1;
		if (v->count)
			memcpy(items, v->items, v->count * sizeof(*items));
		v->items = items;
		v->cap = cap;
	}
	v->items[v->count++] = item;
	return 0;
}
