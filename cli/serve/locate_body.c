/*
 * dsmap serve: the body of POST /v1/locate.  See locate_body.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "locate_body.h"

/* Note identifier `s`'s kind (never its value) for the access log. */
static void note_kind(struct locate_body *b, const char *s)
{
	const char *colon = strchr(s, ':');
	int k = colon != NULL ? dsmap_ident_kind_from_name(s, (size_t)(colon - s)) : 0;
	const char *name = k > 0 ? dsmap_ident_kind_name(k) : "unknown";
	size_t n = strlen(name), have = strlen(b->kinds);
	const char *p;

	b->identifiers++;
	for (p = b->kinds; (p = strstr(p, name)) != NULL; p += n)
		if ((p == b->kinds || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return;
	if (have + n + 2 > sizeof(b->kinds))
		return;
	if (have > 0)
		b->kinds[have++] = ',';
	memcpy(b->kinds + have, name, n + 1);
}

/* The identifiers of subject `which` (an array of strings) into q.  0, or
 * 422 / 503 with b->why. */
static int take_query(struct locate_body *b, const json_t *ids, dsmap_locate_query *q,
                      size_t which)
{
	const char **v;
	size_t i;
	json_t *x;

	if (!json_is_array(ids) || json_array_size(ids) == 0 ||
	    json_array_size(ids) > SERVE_LOCATE_IDS_MAX) {
		snprintf(b->why, sizeof(b->why), "subject %zu: \"identifiers\" is an array of 1 to "
		         "%d strings KIND:VALUE", which + 1, SERVE_LOCATE_IDS_MAX);
		return 422;
	}
	if ((v = calloc(json_array_size(ids), sizeof(*v))) == NULL) {
		snprintf(b->why, sizeof(b->why), "out of memory");
		return 503;
	}
	json_array_foreach(ids, i, x) {
		if (!json_is_string(x)) {
			snprintf(b->why, sizeof(b->why), "subject %zu: identifier %zu is not a string",
			         which + 1, i + 1);
			free(v);
			return 422;
		}
		v[i] = json_string_value(x);
		note_kind(b, v[i]);
	}
	q->identifiers = v;
	q->count = json_array_size(ids);
	return 0;
}

/* Cut a jansson message before it quotes the input ("near '...'"): the
 * body may hold identifier values. */
static void unquote(char *text)
{
	char *near = strstr(text, " near '");

	if (near != NULL)
		*near = '\0';
}

int locate_body_parse(struct locate_body *b, const char *body, size_t len)
{
	json_error_t err;
	json_t *doc, *ids, *subjects, *x;
	const char *key;
	size_t i;
	int rc;

	memset(b, 0, sizeof(*b));
	if ((doc = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &err)) == NULL) {
		unquote(err.text);
		snprintf(b->why, sizeof(b->why), "the body is not JSON: %s at line %d, column %d",
		         err.text, err.line, err.column);
		b->line = err.line;
		b->column = err.column;
		b->position = err.position;
		return 400;
	}
	b->doc = doc;
	ids = json_object_get(doc, "identifiers");
	subjects = json_object_get(doc, "subjects");
	json_object_foreach(doc, key, x)
		if (strcmp(key, "identifiers") != 0 && strcmp(key, "subjects") != 0) {
			snprintf(b->why, sizeof(b->why), "the body holds \"identifiers\" (one subject) "
			         "or \"subjects\" (a batch), nothing else");
			return 422;
		}
	if (!json_is_object(doc) || (ids == NULL) == (subjects == NULL)) {
		snprintf(b->why, sizeof(b->why), "the body is an object with \"identifiers\" (one "
		         "subject) or \"subjects\" (a batch)");
		return 422;
	}
	if (ids != NULL) {
		if ((b->q = calloc(1, sizeof(*b->q))) == NULL) {
			snprintf(b->why, sizeof(b->why), "out of memory");
			return 503;
		}
		b->n = 1;
		return take_query(b, ids, &b->q[0], 0);
	}
	if (!json_is_array(subjects) || json_array_size(subjects) == 0 ||
	    json_array_size(subjects) > SERVE_LOCATE_SUBJECTS_MAX) {
		snprintf(b->why, sizeof(b->why), "\"subjects\" is an array of 1 to %d objects "
		         "{\"id\": any, \"identifiers\": [...]}", SERVE_LOCATE_SUBJECTS_MAX);
		return 422;
	}
	b->batch = 1;
	if ((b->q = calloc(json_array_size(subjects), sizeof(*b->q))) == NULL ||
	    (b->ids = calloc(json_array_size(subjects), sizeof(*b->ids))) == NULL) {
		snprintf(b->why, sizeof(b->why), "out of memory");
		return 503;
	}
	b->n = json_array_size(subjects);
	json_array_foreach(subjects, i, x) {
		const json_t *id = json_object_get(x, "id");

		if (!json_is_object(x)) {
			snprintf(b->why, sizeof(b->why), "subject %zu is not an object", i + 1);
			return 422;
		}
		if ((rc = take_query(b, json_object_get(x, "identifiers"), &b->q[i], i)) != 0)
			return rc;
		if (id != NULL &&
		    (b->ids[i] = json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT)) == NULL) {
			snprintf(b->why, sizeof(b->why), "out of memory");
			return 503;
		}
	}
	return 0;
}

void locate_body_free(struct locate_body *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; b->q != NULL && i < b->n; i++)
		free((void *)b->q[i].identifiers);
	for (i = 0; b->ids != NULL && i < b->n; i++)
		free(b->ids[i]);
	free(b->ids);
	free(b->q);
	json_decref(b->doc);
	memset(b, 0, sizeof(*b));
}
