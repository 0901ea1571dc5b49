/*
 * dsmap serve: the body of POST /v1/locate, parsed and checked.
 *
 * Pure: no I/O, no workspace, no libmicrohttpd.  The server and the http
 * fuzz target (tests/fuzz/http_fuzzer.c) both call it, so what a client
 * sends is fuzzed through the code that reads it.
 *
 * A body is {"identifiers": ["KIND:VALUE", ...]} (one subject) or
 * {"subjects": [{"id": any, "identifiers": [...]}, ...]} (a batch), with
 * the limits of server.h.  Whether each identifier is valid is the
 * library's to say (dsmap_locate_find(), dsmap_locate_many()), not this
 * parser's.
 */
#ifndef DSMAP_SERVE_LOCATE_BODY_H
#define DSMAP_SERVE_LOCATE_BODY_H

#include <stddef.h>

#include <dsmap.h>

/* Limits, documented in docs/http-api.md. */
#define SERVE_LOCATE_SUBJECTS_MAX 100       /* subjects of one POST /v1/locate */
#define SERVE_LOCATE_IDS_MAX 64             /* identifiers of one subject */
#define SERVE_LOCATE_KINDS_MAX 128          /* the kinds noted for the access log */

struct locate_body {
	void *doc;                  /* the parsed body (json_t): owns every string below */
	int batch;                  /* 1: "subjects"; 0: "identifiers" */
	dsmap_locate_query *q;      /* n queries (one when !batch) */
	char **ids;                 /* batch: each subject's "id", JSON-encoded, or NULL */
	size_t n;
	/* for the access log: how many identifiers, and their kinds
	 * ("email,phone"; "unknown" for a kind that is none), never a value */
	unsigned identifiers;
	char kinds[SERVE_LOCATE_KINDS_MAX];
	/* on failure: what is wrong, never a value of the body; and for a
	 * body that is no JSON (400), where it breaks */
	char why[256];
	int line, column, position;
};

/**
 * Parse the `len` bytes of `body` (not necessarily NUL-terminated; may be
 * NULL when `len` is 0) into `b`.
 *
 * @return 0 with b's queries filled; or the HTTP status to answer with
 *         b->why: 400 (not JSON; b->line, column and position set), 422
 *         (JSON that is no locate request), 503 (out of memory).  Either
 *         way, release `b` with locate_body_free().
 */
int locate_body_parse(struct locate_body *b, const char *body, size_t len);

/* Release what `b` holds (NULL-safe; `b` may be zeroed or parsed). */
void locate_body_free(struct locate_body *b);

#endif
