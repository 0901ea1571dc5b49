/*
 * dsmap scan: read the source systems into the inventory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static double monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --progress-fd: one JSON line, {"systems": [{"system", "state", "records",
 * "seconds"}, ...]}, when a system's state changes and at most once a
 * second otherwise (dsmap serve reads them for GET /v1/scan).  A reader
 * that went away, or no memory for a line, stops the lines, never the
 * scan. */
static void progress_line(struct cli_bar *b, const dsmap_scan_progress *sys, size_t count)
{
	static const char *const names[] = { "waiting", "running", "done", "failed" };
	json_t *doc, *arr;
	char *line = NULL;
	size_t i, len, off = 0;
	double now = monotonic();
	int changed = count != b->nstates, bad;

	for (i = 0; !changed && i < count; i++)
		changed = b->states[i] != (unsigned char)sys[i].state;
	if (!changed && now - b->written < 1.0)
		return;
	if (count != b->nstates) {
		unsigned char *st = realloc(b->states, count ? count : 1);

		if (st == NULL)
			goto stop;
		b->states = st;
		b->nstates = count;
	}
	doc = json_object();
	arr = json_array();
	bad = doc == NULL || arr == NULL || json_object_set_new(doc, "systems", arr) != 0;
	if (doc == NULL || bad) {
		if (doc == NULL || arr == NULL)
			json_decref(arr);
		json_decref(doc);
		goto stop;
	}
	for (i = 0; i < count && !bad; i++)
		bad = json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:f}",
		                            "system", sys[i].system, "state", names[sys[i].state],
		                            "records", (json_int_t)sys[i].records,
		                            "seconds", sys[i].seconds)) != 0;
	line = bad ? NULL : json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(doc);
	if (line == NULL)
		goto stop;
	len = strlen(line);
	line[len++] = '\n';   /* over the NUL: written by length */
	while (off < len) {
		ssize_t n = write(b->fd, line + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(line);
			goto stop;
		}
		off += (size_t)n;
	}
	free(line);
	for (i = 0; i < count; i++)
		b->states[i] = (unsigned char)sys[i].state;
	b->written = now;
	return;
stop:
	b->fd = -1;
}

/* Per system on a TTY: state, records, records/s; redrawn in place. */
void cli_scan_progress(const dsmap_scan_progress *sys, size_t count, void *payload)
{
	static const char *const states[] = { "waiting", "scanning", "done", "FAILED" };
	struct cli_bar *b = payload;
	size_t i, done = 0;

	if (b->fd >= 0)
		progress_line(b, sys, count);
	if (!b->tty || b->quiet)
		return;
	if (b->lines > 0)
		fprintf(stderr, "\033[%zuA", b->lines);
	for (i = 0; i < count; i++)
		done += sys[i].state == DSMAP_SCAN_DONE || sys[i].state == DSMAP_SCAN_FAILED;
	for (i = 0; i < count; i++) {
		const dsmap_scan_progress *s = &sys[i];
		double rate = s->seconds > 0 ? (double)s->records / s->seconds : 0;
		char bar[21];
		size_t k, fill;

		/* With no total to measure against, the bar runs while a system
		 * scans and fills when it is done. */
		if (s->state == DSMAP_SCAN_DONE || s->state == DSMAP_SCAN_FAILED)
			fill = 20;
		else if (s->state == DSMAP_SCAN_RUNNING)
			fill = (size_t)(s->seconds * 4) % 20;
		else
			fill = 0;
		for (k = 0; k < 20; k++)
			bar[k] = s->state == DSMAP_SCAN_RUNNING ? (k == fill ? '#' : '-') :
			         (k < fill ? '#' : '-');
		bar[20] = '\0';
		fprintf(stderr, "\r\033[K%-20.20s [%s] %-8s %12llu records %10.0f/s %6.1fs\n", s->system,
		        bar, states[s->state], (unsigned long long)s->records, rate, s->seconds);
	}
	fprintf(stderr, "\r\033[K%zu of %zu systems done\n", done, count);
	b->lines = count + 1;
}

static void print_text(const dsmap_scan_report *r)
{
	size_t i, k, e;

	for (i = 0; i < dsmap_scan_report_count(r); i++) {
		const dsmap_scan_system *s = dsmap_scan_report_get(r, i);

		if (s->error != 0) {
			printf("%s (%s): FAILED after %.1f s: %s\n", s->system, s->plugin, s->seconds,
			       s->message);
			if (s->had_inventory)
				printf("  the previous inventory of %s is kept\n", s->system);
		} else {
			printf("%s (%s): %llu records, %llu subjects, %zu categor%s in %.1f s",
			       s->system, s->plugin, (unsigned long long)s->records,
			       (unsigned long long)s->subjects, s->categories,
			       s->categories == 1 ? "y" : "ies", s->seconds);
			if (s->seconds > 0)
				printf(" (%.0f records/s)", (double)s->records / s->seconds);
			printf("\n");
		}
		if (s->rejected > 0)
			printf("  rejected: %llu records\n", (unsigned long long)s->rejected);
		if (s->invalid > 0)
			printf("  invalid identifiers: %llu\n", (unsigned long long)s->invalid);
		for (k = 0; k < s->issue_count; k++) {
			const dsmap_scan_issue *is = &s->issues[k];

			printf("  %llu x %s%s%s (source %s; %s ", (unsigned long long)is->count,
			       is->kind ? is->kind : "", is->kind ? ": " : "", is->reason, is->source,
			       is->lines ? "line" : "record");
			for (e = 0; e < is->example_count; e++)
				printf("%s%llu", e ? ", " : "", (unsigned long long)is->examples[e]);
			printf("%s)\n", is->count > is->example_count ? ", ..." : "");
		}
	}
}

/* The JSON is the library's, the same as GET /v1/scan's report. */
static int print_json(const dsmap_scan_report *r)
{
	char *out = NULL;

	if (dsmap_scan_report_render(&out, r, DSMAP_FORMAT_JSON) < 0)
		return -1;
	fputs(out, stdout);
	dsmap_free(out);
	return 0;
}

/* --remote: each system from its agent's stream, one after the other; a
 * report (a JSON document) per system. */
static int scan_remote(struct cli_global *g, const char **systems, size_t count,
                       dsmap_agent_options *ro, const dsmap_scan_options *so,
                       enum cli_format fmt, const dsmap_replica_options *publish)
{
	dsmap_workspace *ws = NULL;
	size_t i, failed = 0;
	int rc;

	ro->timeout = so->timeout;
	ro->rev = so->rev;
	if ((rc = cli_workspace(&ws, g)) != CLI_EXIT_OK) {
		free(systems);
		return rc;
	}
	for (i = 0; i < count; i++) {
		dsmap_scan_report *report = NULL;
		int src = dsmap_scan_remote(&report, ws, systems[i], ro);

		if (report == NULL) {
			if (dsmap_error_last()->code == DSMAP_ENOTFOUND) {
				cli_fail("scan");
				rc = CLI_EXIT_NOTFOUND;
			} else {
				rc = cli_fail("scan");
			}
			break;
		}
		if (fmt == CLI_FORMAT_JSON ? print_json(report) < 0 : (print_text(report), 0)) {
			dsmap_scan_report_free(report);
			rc = CLI_EXIT_ERROR;
			break;
		}
		if (src < 0) {
			cli_fail("scan");
			failed++;
		}
		dsmap_scan_report_free(report);
	}
	/* A system that failed kept its previous inventory, and the others
	 * committed theirs: the snapshot holds what the store holds. */
	if (publish != NULL && (rc == CLI_EXIT_OK || failed > 0) &&
	    cli_publish_snapshot(ws, publish, fmt) != CLI_EXIT_OK)
		rc = CLI_EXIT_ERROR;
	if (rc == CLI_EXIT_OK && failed > 0)
		rc = CLI_EXIT_ERROR;
	free(systems);
	dsmap_workspace_free(ws);
	return rc;
}

int cmd_scan(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "rev", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "progress-fd", required_argument, NULL, 'p' },
		{ "remote", required_argument, NULL, 'R' },
		{ "nats", required_argument, NULL, 'n' },
		{ "creds", required_argument, NULL, 'c' },
		{ "ca", required_argument, NULL, 'a' },
		{ "publish-snapshot", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	dsmap_scan_options so = DSMAP_SCAN_OPTIONS_INIT;
	dsmap_agent_options ro = DSMAP_AGENT_OPTIONS_INIT;
	dsmap_replica_options po = DSMAP_REPLICA_OPTIONS_INIT;
	int publish = 0;
	const char **remote = NULL;
	size_t nremote = 0;
	dsmap_scan_report *report = NULL;
	dsmap_workspace *ws = NULL;
	enum cli_format fmt = CLI_FORMAT_TEXT;
	struct cli_bar bar = { 0, 0, 0, -1, 0, NULL, 0 };
	unsigned long v;
	char *end;
	int64_t started;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "j:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
		case 't':
			v = strtoul(optarg, &end, 10);
			if (*end != '\0' || end == optarg || optarg[0] == '-' || v == 0 || v > 86400)
				return cli_usage_error("scan", "--%s takes a positive number, not '%s'",
				                       c == 'j' ? "jobs" : "timeout", optarg);
			if (c == 'j')
				so.jobs = (unsigned int)v;
			else
				so.timeout = (unsigned int)v;
			break;
		case 'r':
			so.rev = optarg;
			break;
		case 'f':
			if ((rc = cli_parse_format(&fmt, "scan", optarg, 1u << CLI_FORMAT_TEXT |
			                           1u << CLI_FORMAT_JSON)) != 0)
				return rc;
			break;
		case 'q':
			bar.quiet = 1;
			break;
		case 'p':
			v = strtoul(optarg, &end, 10);
			if (*end != '\0' || end == optarg || optarg[0] == '-' || v < 3 || v > 1023)
				return cli_usage_error("scan", "--progress-fd takes a descriptor number "
				                       "from 3 to 1023, not '%s'", optarg);
			if (fcntl((int)v, F_GETFL) < 0 || (fcntl((int)v, F_GETFL) & O_ACCMODE) == O_RDONLY)
				return cli_usage_error("scan", "--progress-fd %lu: no descriptor open for "
				                       "writing", v);
			bar.fd = (int)v;
			break;
		case 'R':
			if (remote == NULL &&
			    (remote = calloc((size_t)argc + 1, sizeof(*remote))) == NULL) {
				fprintf(stderr, "dsmap: scan: out of memory\n");
				return CLI_EXIT_ERROR;
			}
			remote[nremote++] = optarg;
			break;
		case 'n':
			ro.nats_urls = optarg;
			break;
		case 'c':
			ro.creds_path = optarg;
			break;
		case 'a':
			ro.ca_path = optarg;
			break;
		case 'P':
			publish = 1;
			break;
		case 'h':
			free(remote);
			return cli_help(cli_command_find("scan"));
		default:
			free(remote);
			return cli_usage_error("scan", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (nremote > 0 && optind < argc) {
		free(remote);
		return cli_usage_error("scan", "--remote scans only the systems it names; scan '%s' "
		                       "in a run of its own", argv[optind]);
	}
	po.nats_urls = ro.nats_urls;
	po.creds_path = ro.creds_path;
	po.ca_path = ro.ca_path;
	if (nremote > 0)
		return scan_remote(g, remote, nremote, &ro, &so, fmt, publish ? &po : NULL);
	if ((rc = cli_workspace(&ws, g)) != CLI_EXIT_OK)
		return rc;
	bar.tty = isatty(STDERR_FILENO);
	so.progress = cli_scan_progress;
	so.progress_payload = &bar;
	started = (int64_t)time(NULL);
	rc = dsmap_scan(&report, ws, (const char *const *)argv + optind, (size_t)(argc - optind), &so);
	if (report == NULL) {
		rc = dsmap_error_last()->code == DSMAP_ENOTFOUND ? (cli_fail("scan"), CLI_EXIT_NOTFOUND) :
		     cli_fail("scan");
		goto done;
	}
	if (fmt == CLI_FORMAT_JSON) {
		if (print_json(report) < 0) {
			rc = CLI_EXIT_ERROR;
			goto done;
		}
	} else {
		if (cli_print_retired(ws, started) != CLI_EXIT_OK) {
			rc = CLI_EXIT_ERROR;
			goto done;
		}
		print_text(report);
	}
	if (rc < 0) {
		cli_fail("scan");
		rc = CLI_EXIT_ERROR;
	} else {
		rc = CLI_EXIT_OK;
	}
	if (publish && cli_publish_snapshot(ws, &po, fmt) != CLI_EXIT_OK)
		rc = CLI_EXIT_ERROR;
done:
	free(bar.states);
	dsmap_scan_report_free(report);
	dsmap_workspace_free(ws);
	return rc;
}
