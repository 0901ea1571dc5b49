/*
 * Fuzz target: what a client of `dsmap serve` controls, without a socket.
 *
 * Input: a request line "METHOD TARGET", a newline, then the body (the
 * rest of the input, any bytes; empty without a newline).  As the server
 * does (cli/serve/server.c, on_request()):
 *  - the target is cut at its first '?'; the path is percent-decoded as
 *    libmicrohttpd decodes it before it calls the server
 *    (MHD_http_unescape(), its default unescaper), then routed with
 *    route_match() (cli/serve/route.c);
 *  - the query string is split on '&' and '=' and each name and value
 *    percent-decoded the same way (what MHD_lookup_connection_value()
 *    then hands to the handlers), checked for what the handlers rely on;
 *  - the body goes through locate_body_parse() (cli/serve/locate_body.c),
 *    the parser of POST /v1/locate, whatever the route, so that every
 *    input exercises it.
 *
 * Invariants checked beyond memory safety:
 *  - route_match() answers 0, 400, 404 or 405; a match names a real route
 *    and its template; 405 says which methods; 400 and 404 say why;
 *  - a matched id is non-empty, at most ROUTE_ID_MAX bytes, never "." or
 *    "..", holds no control byte and no backslash, a '/' only for a
 *    category (GROUP/ID), and is the tail of the decoded path;
 *  - locate_body_parse() answers 0, 400, 422 or 503; on 0, 1 to
 *    SERVE_LOCATE_SUBJECTS_MAX queries of 1 to SERVE_LOCATE_IDS_MAX
 *    identifiers each, the identifier count is their sum, each subject's
 *    id re-parses as JSON (it is written raw into the batch answer), and
 *    the kinds noted for the access log are known kind names (or
 *    "unknown"), each once; on failure, a reason that never quotes an
 *    e-mail address of the body (it holds no '@': no message of ours
 *    does).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <microhttpd.h>

#include <dsmap.h>

#include "fuzz.h"
#include "serve/locate_body.h"
#include "serve/route.h"

/* A NUL-terminated copy of [s, s+n), percent-decoded when `decode`. */
static char *take(const char *s, size_t n, int decode)
{
	char *p = malloc(n + 1);

	if (p == NULL)
		abort();
	memcpy(p, s, n);
	p[n] = '\0';
	if (decode)
		MHD_http_unescape(p);
	return p;
}

static void check_route(const char *method, const char *path)
{
	struct route_match m;
	int rc = route_match(&m, method, path);
	size_t n, plen = strlen(path), i;

	FUZZ_CHECK(rc == 0 || rc == 400 || rc == 404 || rc == 405, "route_match: %d", rc);
	FUZZ_CHECK(m.name != NULL, "route_match: no name");
	if (rc == 400 || rc == 404)
		FUZZ_CHECK(m.why != NULL && m.why[0] != '\0', "route_match %d: no reason", rc);
	if (rc == 405)
		FUZZ_CHECK(m.allow != NULL && m.route > ROUTE_NONE && m.route < ROUTE_COUNT,
		           "route_match 405: no Allow");
	if (fuzz_verbose())
		fprintf(stderr, "http: %s %s: %d %s\n", method, m.name, rc, rc ? m.why : "");
	if (rc != 0)
		return;
	FUZZ_CHECK(m.route > ROUTE_NONE && m.route < ROUTE_COUNT, "route_match: route %d",
	           (int)m.route);
	FUZZ_CHECK(strcmp(m.name, route_name(m.route)) == 0, "route_match: name %s", m.name);
	FUZZ_CHECK(strcmp(path, "/healthz") == 0 || strcmp(path, "/metrics") == 0 ||
	           strncmp(path, "/v1/", 4) == 0, "route_match: matched outside /v1/");
	if (m.route != ROUTE_LINEAGE && m.route != ROUTE_SYSTEM) {
		FUZZ_CHECK(m.id[0] == '\0', "route_match: an id on a route without one");
		return;
	}
	n = strlen(m.id);
	FUZZ_CHECK(n > 0 && n <= ROUTE_ID_MAX, "route_match: id of %zu bytes", n);
	FUZZ_CHECK(n < plen && strcmp(path + plen - n, m.id) == 0 && path[plen - n - 1] == '/',
	           "route_match: the id is not the path's last segment(s)");
	FUZZ_CHECK(strcmp(m.id, ".") != 0 && strcmp(m.id, "..") != 0 &&
	           strncmp(m.id, "../", 3) != 0 && strncmp(m.id, "./", 2) != 0 &&
	           (n < 3 || strcmp(m.id + n - 3, "/..") != 0) &&
	           (n < 2 || strcmp(m.id + n - 2, "/.") != 0), "route_match: a traversal id");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)m.id[i];

		FUZZ_CHECK(c >= 0x20 && c != 0x7f && c != '\\', "route_match: byte 0x%02x in an id",
		           c);
	}
	if (strchr(m.id, '/') != NULL)
		FUZZ_CHECK(m.route == ROUTE_LINEAGE && m.lineage_kind == DSMAP_LINEAGE_CATEGORY &&
		           strchr(m.id, '/') == strrchr(m.id, '/') && m.id[0] != '/' &&
		           m.id[n - 1] != '/', "route_match: a '/' in a non-category id");
}

/* What MHD hands the handlers as query arguments (names and values,
 * decoded): NUL-terminated strings, read to their end. */
static void check_query(const char *q, size_t len)
{
	const char *end = q + len, *amp, *eq;

	while (q < end) {
		char *name, *value = NULL;

		amp = memchr(q, '&', (size_t)(end - q));
		if (amp == NULL)
			amp = end;
		eq = memchr(q, '=', (size_t)(amp - q));
		name = take(q, (size_t)((eq ? eq : amp) - q), 1);
		if (eq != NULL)
			value = take(eq + 1, (size_t)(amp - eq - 1), 1);
		fuzz_touch(name, strlen(name) + 1);
		if (value != NULL)
			fuzz_touch(value, strlen(value) + 1);
		free(name);
		free(value);
		q = amp + 1;
	}
}

/* Whether `kinds` is a list of known kind names, each once. */
static void check_kinds(const char *kinds)
{
	char copy[SERVE_LOCATE_KINDS_MAX], *tok, *save = NULL;
	char seen[SERVE_LOCATE_KINDS_MAX + 1];

	FUZZ_CHECK(strlen(kinds) < sizeof(copy), "locate_body: kinds unterminated");
	strcpy(copy, kinds);
	seen[0] = ',';
	seen[1] = '\0';
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char needle[SERVE_LOCATE_KINDS_MAX + 2];
		int k = dsmap_ident_kind_from_name(tok, strlen(tok));

		FUZZ_CHECK(strcmp(tok, "unknown") == 0 ||
		           (k > 0 && strcmp(dsmap_ident_kind_name(k), tok) == 0),
		           "locate_body: kind \"%s\" noted", tok);
		snprintf(needle, sizeof(needle), ",%s,", tok);
		FUZZ_CHECK(strstr(seen, needle) == NULL, "locate_body: kind %s noted twice", tok);
		if (strlen(seen) + strlen(tok) + 1 < sizeof(seen)) {
			strcat(seen, tok);
			strcat(seen, ",");
		}
	}
}

static void check_body(const uint8_t *body, size_t len)
{
	struct locate_body b;
	int rc = locate_body_parse(&b, (const char *)body, len);
	unsigned count = 0;
	size_t i, j;

	FUZZ_CHECK(rc == 0 || rc == 400 || rc == 422 || rc == 503, "locate_body: %d", rc);
	FUZZ_CHECK(memchr(b.why, '\0', sizeof(b.why)) != NULL, "locate_body: why unterminated");
	check_kinds(b.kinds);
	if (fuzz_verbose())
		fprintf(stderr, "http: body of %zu bytes: %d %s (%zu subjects, %u identifiers, %s)\n",
		        len, rc, b.why, b.n, b.identifiers, b.kinds);
	if (rc != 0) {
		FUZZ_CHECK(b.why[0] != '\0', "locate_body %d: no reason", rc);
		FUZZ_CHECK(strchr(b.why, '@') == NULL, "locate_body %d: the reason quotes the body: %s",
		           rc, b.why);
		locate_body_free(&b);
		return;
	}
	FUZZ_CHECK(b.n >= 1 && b.n <= (b.batch ? SERVE_LOCATE_SUBJECTS_MAX : 1),
	           "locate_body: %zu subjects", b.n);
	FUZZ_CHECK(b.batch == (b.ids != NULL), "locate_body: ids without a batch");
	for (i = 0; i < b.n; i++) {
		FUZZ_CHECK(b.q[i].count >= 1 && b.q[i].count <= SERVE_LOCATE_IDS_MAX,
		           "locate_body: subject %zu has %zu identifiers", i, b.q[i].count);
		for (j = 0; j < b.q[i].count; j++) {
			FUZZ_CHECK(b.q[i].identifiers[j] != NULL, "locate_body: a NULL identifier");
			fuzz_touch(b.q[i].identifiers[j], strlen(b.q[i].identifiers[j]) + 1);
		}
		count += (unsigned)b.q[i].count;
		if (b.batch && b.ids[i] != NULL) {
			json_t *id = json_loads(b.ids[i], JSON_DECODE_ANY, NULL);

			FUZZ_CHECK(id != NULL, "locate_body: subject %zu's id is no JSON: %s", i,
			           b.ids[i]);
			json_decref(id);
		}
	}
	FUZZ_CHECK(count == b.identifiers, "locate_body: %u identifiers noted, %u held",
	           b.identifiers, count);
	locate_body_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t line = nl != NULL ? (size_t)(nl - data) : size;
	const char *sp = memchr(data, ' ', line), *target, *q;
	char *method, *path;
	size_t tlen;

	if (sp == NULL) {
		method = take((const char *)data, line, 0);
		target = (const char *)data + line;
		tlen = 0;
	} else {
		method = take((const char *)data, (size_t)(sp - (const char *)data), 0);
		target = sp + 1;
		tlen = line - (size_t)(target - (const char *)data);
	}
	q = memchr(target, '?', tlen);
	path = take(target, q != NULL ? (size_t)(q - target) : tlen, 1);
	check_route(method, path);
	if (q != NULL)
		check_query(q + 1, tlen - (size_t)(q + 1 - target));
	free(path);
	free(method);
	check_body(nl != NULL ? nl + 1 : data + size, nl != NULL ? size - line - 1 : 0);
	return 0;
}
