/*
 * dsmap snapshot publish, dsmap replica: the store's snapshots through
 * NATS JetStream, for read replicas (dsmap/replica.h, docs/distributed.md).
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static double monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One line, or a JSON document, about a snapshot. */
static int print_snapshot(const dsmap_snapshot_info *si, const char *what, double seconds,
                          enum cli_format fmt)
{
	if (fmt == CLI_FORMAT_JSON) {
		json_t *doc = json_pack("{s:i, s:s, s:s, s:I, s:s, s:I, s:I, s:s, s:f}",
		                        "schema", 1, "event", what, "id", si->id,
		                        "generation", (json_int_t)si->generation,
		                        "revision", si->revision, "size", (json_int_t)si->size,
		                        "chunks", (json_int_t)si->chunks, "digest", si->digest,
		                        "seconds", seconds);
		char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

		json_decref(doc);
		if (text == NULL) {
			fprintf(stderr, "dsmap: out of memory\n");
			return CLI_EXIT_ERROR;
		}
		printf("%s\n", text);
		free(text);
	} else {
		printf("snapshot %s %s: generation %llu, revision %.12s, %llu bytes in %llu "
		       "chunks, %.2f s\n", si->id, what, (unsigned long long)si->generation,
		       si->revision[0] ? si->revision : "(none)", (unsigned long long)si->size,
		       (unsigned long long)si->chunks, seconds);
	}
	fflush(stdout);
	return CLI_EXIT_OK;
}

/* --nats, --creds, --ca and --format, shared by both commands: 1 when
 * `c` was one of them, 0 when not, or an exit code (negated) */
static int nats_option(int c, dsmap_replica_options *ro, enum cli_format *fmt, const char *cmd)
{
	int rc;

	switch (c) {
	case 'n':
		ro->nats_urls = optarg;
		return 1;
	case 'c':
		ro->creds_path = optarg;
		return 1;
	case 'a':
		ro->ca_path = optarg;
		return 1;
	case 'f':
		if ((rc = cli_parse_format(fmt, cmd, optarg, 1u << CLI_FORMAT_TEXT |
		                           1u << CLI_FORMAT_JSON)) != CLI_EXIT_OK)
			return -rc;
		return 1;
	default:
		return 0;
	}
}

int cli_publish_snapshot(dsmap_workspace *ws, const dsmap_replica_options *ro,
                         enum cli_format fmt)
{
	dsmap_snapshot_info si;
	double t0 = monotonic();
	int rc = dsmap_snapshot_publish(&si, ws, ro);

	/* the snapshot may be out although purging the older one failed */
	if (si.id[0] != '\0' && print_snapshot(&si, "published", monotonic() - t0, fmt) != 0)
		return CLI_EXIT_ERROR;
	if (rc < 0)
		return cli_fail("snapshot publish");
	return CLI_EXIT_OK;
}

int cmd_snapshot(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "nats", required_argument, NULL, 'n' },
		{ "creds", required_argument, NULL, 'c' },
		{ "ca", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	dsmap_replica_options ro = DSMAP_REPLICA_OPTIONS_INIT;
	enum cli_format fmt = CLI_FORMAT_TEXT;
	dsmap_workspace *ws = NULL;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h')
			return cli_help(cli_command_find("snapshot"));
		if ((rc = nats_option(c, &ro, &fmt, "snapshot")) < 0)
			return -rc;
		if (rc == 0)
			return cli_usage_error("snapshot", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
	}
	if (optind >= argc || strcmp(argv[optind], "publish") != 0 || optind + 1 != argc)
		return cli_usage_error("snapshot", "the one action is 'publish', with no argument");
	if ((rc = cli_workspace(&ws, g)) != CLI_EXIT_OK)
		return rc;
	rc = cli_publish_snapshot(ws, &ro, fmt);
	dsmap_workspace_free(ws);
	return rc;
}

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

int cmd_replica(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "nats", required_argument, NULL, 'n' },
		{ "creds", required_argument, NULL, 'c' },
		{ "ca", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "once", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	dsmap_replica_options ro = DSMAP_REPLICA_OPTIONS_INIT;
	enum cli_format fmt = CLI_FORMAT_TEXT;
	dsmap_replica *rep = NULL;
	dsmap_snapshot_info si;
	struct sigaction sa;
	int c, rc, once = 0, failures = 0;

	(void)g;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h')
			return cli_help(cli_command_find("replica"));
		if (c == 'o') {
			once = 1;
			continue;
		}
		if ((rc = nats_option(c, &ro, &fmt, "replica")) < 0)
			return -rc;
		if (rc == 0)
			return cli_usage_error("replica", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
	}
	if (optind + 1 != argc)
		return cli_usage_error("replica", "takes one argument: the replica's directory");
	if (dsmap_replica_open(&rep, argv[optind], &ro) < 0)
		return cli_fail("replica");
	/* SIGTERM and SIGINT end the loop between waits: a download under way
	 * finishes or fails whole, and never leaves a half swap. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (;;) {
		double t0 = monotonic();
		int urc = dsmap_replica_update(&si, rep, once ? 0 : 1000);

		rc = CLI_EXIT_OK;
		if (urc == 1) {
			failures = 0;
			rc = print_snapshot(&si, "swapped in", monotonic() - t0, fmt);
		} else if (urc == 0) {
			failures = 0;
			if (once)
				rc = print_snapshot(&si, "is the newest", monotonic() - t0, fmt);
		} else if (once) {
			rc = dsmap_error_last()->code == DSMAP_ENOTFOUND ?
			     (cli_fail("replica"), CLI_EXIT_NOTFOUND) : cli_fail("replica");
		} else {
			/* Loud, and asked again: a leader election, a snapshot purged
			 * under the download, or a refused one, which the next
			 * publish replaces.  The current snapshot stays served. */
			if (dsmap_error_last()->code != DSMAP_ENOTFOUND || failures == 0)
				cli_fail("replica");
			if (++failures > 1) {
				struct timespec ts = { failures < 5 ? failures : 5, 0 };

				nanosleep(&ts, NULL);
			}
		}
		if (once || stop_signal || rc != CLI_EXIT_OK)
			break;
	}
	dsmap_replica_free(rep);
	return rc;
}
