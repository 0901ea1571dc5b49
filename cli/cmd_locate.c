/*
 * dsmap locate: where a person's data is held, and why.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

#define BATCH 1024              /* queries handed to dsmap_locate_many() at once */
#define LINE_MAX_BYTES 65536    /* one query line, at most */
#define QUERY_MAX_IDS 256       /* identifiers of one JSON query, at most */

/* A batch being read from standard input. */
struct batch {
	dsmap_locator *loc;
	size_t first_line;          /* the line number of queries[0] */
	size_t n;
	size_t lines[BATCH];        /* each query's line number */
	char *ids[BATCH];           /* each query's "id", JSON-encoded, or NULL */
	char **strings[BATCH];      /* each query's identifiers */
	char *bad[BATCH];           /* why a line is no query, or NULL */
	dsmap_locate_query queries[BATCH];
	size_t answered, failed;
};

static void batch_clear(struct batch *b)
{
	size_t i, j;

	for (i = 0; i < b->n; i++) {
		for (j = 0; j < b->queries[i].count; j++)
			free(b->strings[i][j]);
		free(b->strings[i]);
		free(b->ids[i]);
		free(b->bad[i]);
		b->bad[i] = NULL;
	}
	b->n = 0;
}

/* One output line: {"line": N, "id": ..., then "answer" or "error"}. */
static void batch_line(const struct batch *b, size_t i, const char *key, const char *json)
{
	printf("{\"line\":%zu,", b->lines[i]);
	if (b->ids[i] != NULL)
		printf("\"id\":%s,", b->ids[i]);
	printf("\"%s\":%s}\n", key, json);
}

static void batch_error(struct batch *b, size_t i, const char *message)
{
	json_t *m = json_string(message);
	char *s = m ? json_dumps(m, JSON_ENCODE_ANY) : NULL;

	batch_line(b, i, "error", s ? s : "\"out of memory\"");
	fprintf(stderr, "dsmap: locate: line %zu: %s\n", b->lines[i], message);
	free(s);
	json_decref(m);
	b->failed++;
}

static int batch_answer(void *payload, size_t i, int rc, const dsmap_locate_result *r)
{
	struct batch *b = payload;
	char *out = NULL;
	size_t n;

	if (b->bad[i] != NULL || rc < 0) {
		batch_error(b, i, b->bad[i] != NULL ? b->bad[i] : dsmap_error_last()->message);
		return 0;
	}
	if (dsmap_locate_render(&out, b->loc, r, DSMAP_FORMAT_JSON_LINE) < 0)
		return -1;
	n = strlen(out);
	if (n > 0 && out[n - 1] == '\n')
		out[n - 1] = '\0';
	batch_line(b, i, "answer", out);
	dsmap_free(out);
	b->answered++;
	return 0;
}

/* Parse line `text` into query slot b->n: "KIND:VALUE", or a JSON object
 * {"identifiers": ["KIND:VALUE", ...], "id": any}.  NULL, or why not. */
static const char *batch_parse(struct batch *b, const char *text, char *why, size_t whysize)
{
	size_t k = b->n, i;
	json_t *doc, *ids, *x;
	json_error_t err;

	b->ids[k] = NULL;
	b->strings[k] = NULL;
	b->queries[k].count = 0;
	b->queries[k].identifiers = NULL;
	if (text[0] != '{') {
		if ((b->strings[k] = malloc(sizeof(char *))) == NULL ||
		    (b->strings[k][0] = strdup(text)) == NULL)
			return "out of memory";
		b->queries[k].count = 1;
		b->queries[k].identifiers = (const char *const *)b->strings[k];
		return NULL;
	}
	if ((doc = json_loads(text, JSON_REJECT_DUPLICATES, &err)) == NULL) {
		snprintf(why, whysize, "not a JSON object: %s (column %d)", err.text, err.column);
		return why;
	}
	ids = json_object_get(doc, "identifiers");
	if (!json_is_object(doc) || !json_is_array(ids) || json_array_size(ids) == 0 ||
	    json_array_size(ids) > QUERY_MAX_IDS) {
		json_decref(doc);
		snprintf(why, whysize, "a JSON query is an object with \"identifiers\": 1 to %d "
		         "strings KIND:VALUE", QUERY_MAX_IDS);
		return why;
	}
	if ((x = json_object_get(doc, "id")) != NULL &&
	    (b->ids[k] = json_dumps(x, JSON_ENCODE_ANY | JSON_COMPACT)) == NULL) {
		json_decref(doc);
		return "out of memory";
	}
	if ((b->strings[k] = calloc(json_array_size(ids), sizeof(char *))) == NULL) {
		json_decref(doc);
		return "out of memory";
	}
	json_array_foreach(ids, i, x) {
		if (!json_is_string(x)) {
			json_decref(doc);
			snprintf(why, whysize, "identifier %zu is not a string", i + 1);
			return why;
		}
		if ((b->strings[k][i] = strdup(json_string_value(x))) == NULL) {
			json_decref(doc);
			return "out of memory";
		}
		b->queries[k].count++;
	}
	b->queries[k].identifiers = (const char *const *)b->strings[k];
	json_decref(doc);
	return NULL;
}

static int batch_run(struct batch *b)
{
	int rc = dsmap_locate_many(b->loc, b->queries, b->n, batch_answer, b);

	batch_clear(b);
	fflush(stdout);
	return rc;
}

/* --stdin: one query per line, one JSON answer per line. */
static int locate_stdin(dsmap_locator *loc)
{
	struct batch *b = calloc(1, sizeof(*b));
	char *line = NULL, why[256];
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int rc = 0, oom = 0;

	if (b == NULL) {
		fprintf(stderr, "dsmap: locate: out of memory\n");
		return CLI_EXIT_ERROR;
	}
	b->loc = loc;
	while (rc == 0 && !oom && (len = getline(&line, &cap, stdin)) >= 0) {
		const char *bad;

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		b->lines[b->n] = lineno;
		b->ids[b->n] = NULL;
		b->strings[b->n] = NULL;
		b->queries[b->n].count = 0;
		b->queries[b->n].identifiers = NULL;
		if ((size_t)len > LINE_MAX_BYTES)
			bad = "longer than 65536 bytes";
		else if (strlen(line) != (size_t)len)
			bad = "holds a NUL byte";
		else
			bad = batch_parse(b, line, why, sizeof(why));
		/* A bad line keeps its place: its query is left empty, and
		 * its answer is the error, in order. */
		if (bad != NULL && (b->bad[b->n] = strdup(bad)) == NULL)
			oom = 1;
		b->n++;
		if (oom)
			break;
		if (b->n == BATCH)
			rc = batch_run(b);
	}
	if (rc == 0 && !oom && b->n > 0)
		rc = batch_run(b);
	batch_clear(b);
	free(line);
	if (oom) {
		fprintf(stderr, "dsmap: locate: out of memory\n");
		free(b);
		return CLI_EXIT_ERROR;
	}
	if (ferror(stdin)) {
		fprintf(stderr, "dsmap: locate: reading standard input failed\n");
		free(b);
		return CLI_EXIT_ERROR;
	}
	if (rc != 0) {
		cli_fail("locate");
		free(b);
		return CLI_EXIT_ERROR;
	}
	rc = b->failed > 0 ? CLI_EXIT_ERROR : CLI_EXIT_OK;
	free(b);
	return rc;
}

int cmd_locate(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "lang", required_argument, NULL, 'l' },
		{ "stdin", no_argument, NULL, 's' },
		{ "max-join", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	dsmap_workspace *ws = NULL;
	enum cli_format fmt = CLI_FORMAT_TEXT;
	dsmap_locator *loc = NULL;
	dsmap_locate_result *res = NULL;
	const char *lang = NULL;   /* the notice's */
	char *out = NULL, *end;
	unsigned long max_join = 0;
	int c, rc, from_stdin = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((rc = cli_parse_format(&fmt, "locate", optarg, 1u << CLI_FORMAT_TEXT |
			                           1u << CLI_FORMAT_JSON)) != 0)
				return rc;
			break;
		case 'l':
			if (strcmp(optarg, "en") != 0 && strcmp(optarg, "fr") != 0)
				return cli_usage_error("locate", "--lang is en or fr, not '%s'", optarg);
			lang = optarg;
			break;
		case 's':
			from_stdin = 1;
			break;
		case 'm':
			errno = 0;
			max_join = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg || optarg[0] == '-' ||
			    max_join == 0 || max_join > 1000000)
				return cli_usage_error("locate", "--max-join is a number of subjects "
				                       "from 1 to 1000000, not '%s'", optarg);
			break;
		case 'h':
			return cli_help(cli_command_find("locate"));
		default:
			return cli_usage_error("locate", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (from_stdin && optind < argc)
		return cli_usage_error("locate", "--stdin reads the queries from standard input; "
		                       "give no identifiers after it");
	if (!from_stdin && optind == argc)
		return cli_usage_error("locate", "give the person's identifiers, KIND:VALUE each");
	if (from_stdin && fmt != CLI_FORMAT_TEXT)
		return cli_usage_error("locate", "--stdin always answers in JSON lines; drop --format");
	if ((rc = cli_workspace(&ws, g)) != CLI_EXIT_OK)
		return rc;
	if ((rc = dsmap_locator_open(&loc, ws)) == 0 &&
	    (lang == NULL || (rc = dsmap_locator_set_language(loc, lang)) == 0) &&
	    (max_join == 0 || (rc = dsmap_locator_set_max_join(loc, (size_t)max_join)) == 0) &&
	    from_stdin) {
		rc = locate_stdin(loc);
		dsmap_locator_free(loc);
		dsmap_workspace_free(ws);
		return rc;
	}
	if (rc == 0 &&
	    (rc = dsmap_locate_find(&res, loc, (const char *const *)argv + optind,
	                            (size_t)(argc - optind))) == 0 &&
	    (rc = dsmap_locate_render(&out, loc, res, fmt == CLI_FORMAT_JSON ? DSMAP_FORMAT_JSON :
	                              DSMAP_FORMAT_TEXT)) == 0 &&
	    dsmap_locate_result_count(res) == 0)
		rc = DSMAP_ENOTFOUND;
	if (out != NULL)
		fputs(out, stdout);
	if (out == NULL && rc < 0) {
		/* no answer at all: nothing synced, a damaged store... */
		rc = dsmap_error_last()->code == DSMAP_EINVALID ? CLI_EXIT_USAGE : CLI_EXIT_ERROR;
		cli_fail("locate");
	} else if (rc == DSMAP_ENOTFOUND) {
		rc = CLI_EXIT_NOTFOUND;
	} else if (rc < 0) {
		rc = dsmap_error_last()->code == DSMAP_EINVALID ? CLI_EXIT_USAGE : CLI_EXIT_ERROR;
		cli_fail("locate");
	} else {
		rc = CLI_EXIT_OK;
	}
	dsmap_free(out);
	dsmap_locate_result_free(res);
	dsmap_locator_free(loc);
	dsmap_workspace_free(ws);
	return rc;
}
