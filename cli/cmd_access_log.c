/*
 * dsmap access-log: who asked `dsmap serve` what, and when.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"

struct log_out {
	enum cli_format format;
	json_t *entries, *damaged;   /* json */
	size_t count, bad;
	int oom;
};

/* "2026-12-07 05:30:00.123 UTC" */
static const char *when(char *buf, size_t size, int64_t us)
{
	time_t s = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         (int)(us % 1000000 / 1000));
	return buf;
}

static int entry(void *payload, size_t line, const dsmap_access_entry *e)
{
	struct log_out *o = payload;
	char t[48];

	(void)line;
	if (o->format == CLI_FORMAT_JSON) {
		json_t *j = json_pack("{s:I, s:s?, s:s, s:s, s:i, s:I, s:s, s:I, s:I, s:I}",
		                      "time_us", (json_int_t)e->time_us, "token", e->token_name,
		                      "method", e->method, "route", e->route, "status", e->status,
		                      "identifiers", (json_int_t)e->identifiers,
		                      "kinds", e->kinds ? e->kinds : "",
		                      "systems", (json_int_t)e->systems, "bytes", (json_int_t)e->bytes,
		                      "duration_us", (json_int_t)e->duration_us);

		if (j == NULL || json_array_append_new(o->entries, j) != 0)
			o->oom = 1;
		return o->oom;
	}
	if (o->count++ == 0)
		printf("%-23s %-16s %-6s %-28s %6s %5s %-16s %7s %9s %9s\n", "TIME (UTC)", "TOKEN",
		       "METHOD", "ROUTE", "STATUS", "IDS", "KINDS", "SYSTEMS", "BYTES", "MS");
	printf("%-23s %-16s %-6s %-28s %6d %5u %-16s %7u %9llu %9.1f\n",
	       when(t, sizeof(t), e->time_us), e->token_name ? e->token_name : "-", e->method,
	       e->route, e->status, e->identifiers,
	       e->kinds && e->kinds[0] ? e->kinds : "-", e->systems,
	       (unsigned long long)e->bytes, (double)e->duration_us / 1000.0);
	return 0;
}

static int damaged(void *payload, size_t line, const char *why)
{
	struct log_out *o = payload;

	o->bad++;
	if (o->format == CLI_FORMAT_JSON) {
		json_t *j = json_pack("{s:I, s:s}", "line", (json_int_t)line, "why", why);

		if (j == NULL || json_array_append_new(o->damaged, j) != 0)
			o->oom = 1;
		return o->oom;
	}
	fprintf(stderr, "dsmap: access log line %zu: %s\n", line, why);
	return 0;
}

int cmd_access_log(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct log_out o = { CLI_FORMAT_TEXT, NULL, NULL, 0, 0, 0 };
	dsmap_workspace *ws = NULL;
	const char *since = NULL;
	json_t *root = NULL;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h')
			return cli_help(cli_command_find("access-log"));
		if (c == 's') {
			since = optarg;
			continue;
		}
		if (c == 'f') {
			if ((rc = cli_parse_format(&o.format, "access-log", optarg,
			                           1u << CLI_FORMAT_TEXT | 1u << CLI_FORMAT_JSON)) != 0)
				return rc;
			continue;
		}
		return cli_usage_error("access-log", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage_error("access-log", "takes no arguments");
	if ((rc = cli_workspace(&ws, g)) != CLI_EXIT_OK)
		return rc;
	if (o.format == CLI_FORMAT_JSON &&
	    ((o.entries = json_array()) == NULL || (o.damaged = json_array()) == NULL)) {
		o.oom = 1;
	} else if (dsmap_access_log_read(ws, since, entry, damaged, &o) < 0 && !o.oom) {
		rc = dsmap_error_last()->code == DSMAP_EINVALID ?
		     cli_usage_error("access-log", "%s", dsmap_error_last()->message) :
		     cli_fail("access-log");
		goto done;
	}
	if (o.format == CLI_FORMAT_TEXT) {
		if (o.count == 0 && o.bad == 0)
			printf("no requests logged%s%s\n", since ? " since " : "", since ? since : "");
		rc = o.bad ? CLI_EXIT_ERROR : CLI_EXIT_OK;
		goto done;
	}
	if (!o.oom) {
		root = json_pack("{s:i, s:O, s:O}", "schema", CLI_JSON_SCHEMA, "entries", o.entries,
		                 "damaged", o.damaged);
	}
	if (root == NULL || json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
		fprintf(stderr, "dsmap: access-log: out of memory building JSON\n");
		rc = CLI_EXIT_ERROR;
		goto done;
	}
	putchar('\n');
	rc = o.bad ? CLI_EXIT_ERROR : CLI_EXIT_OK;
done:
	json_decref(root);
	json_decref(o.entries);
	json_decref(o.damaged);
	dsmap_workspace_free(ws);
	return rc;
}
