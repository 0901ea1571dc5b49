/*
 * The dsmap command-line tool: what the command files share.
 *
 * The CLI uses only the public API (<dsmap.h>); anything it needs that the
 * library does not offer belongs in the library.
 */
#ifndef DSMAP_CLI_H
#define DSMAP_CLI_H

#include <jansson.h>
#include <stdio.h>

#include <dsmap.h>

/* Exit codes, documented in dsmap(1). */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_ERROR = 1,     /* a runtime error */
	CLI_EXIT_USAGE = 2,     /* bad command line */
	CLI_EXIT_NOTFOUND = 3,  /* the subject or object asked for does not exist */
	CLI_EXIT_FINDINGS = 4   /* audit --fail-on: a finding at or above its severity */
};

/* Options that come before the command name. */
struct cli_global {
	const char *start_dir;  /* -C / --workspace, or NULL */
};

struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv, struct cli_global *g);
	const char *summary;   /* one line, for `dsmap --help` */
	const char *usage;     /* the full help text of `dsmap help NAME` */
};

/* The command table, in dsmap.c, ended by a NULL name. */
extern const struct cli_command cli_commands[];

const struct cli_command *cli_command_find(const char *name);

/* Print the list of commands, or one command's help, to stdout; both
 * return CLI_EXIT_OK. */
int cli_main_help(void);
int cli_help(const struct cli_command *cmd);

/* Open the workspace named by -C, then $DSMAP_DIR, then found by walking
 * up from the current directory.  Call it after parsing the command's
 * options, so that usage errors come first.  Prints the error and returns
 * CLI_EXIT_ERROR when there is none. */
int cli_workspace(dsmap_workspace **ws, const struct cli_global *g);

/* Print "dsmap: <what>: <why>" for the library's last error; returns
 * CLI_EXIT_ERROR. */
int cli_fail(const char *what);

/* Print "dsmap: <message>" and a hint to run `dsmap help <cmd>`; returns
 * CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* Output formats. */
enum cli_format { CLI_FORMAT_TEXT, CLI_FORMAT_JSON, CLI_FORMAT_DOT };

/* Parse a --format value; `allowed` is a mask of 1 << CLI_FORMAT_*.
 * Returns 0, or a usage error's exit code. */
int cli_parse_format(enum cli_format *out, const char *cmd, const char *arg,
                     unsigned int allowed);

/* The JSON output's schema version, printed as the "schema" key. */
#define CLI_JSON_SCHEMA 1

/* Human-readable byte counts ("12.0 KiB") and times ("2026-11-26 14:00:00 UTC"). */
const char *cli_bytes(char *buf, size_t size, uint64_t bytes);
const char *cli_time(char *buf, size_t size, int64_t t);

/* Say on stdout which systems left the mapping, and had their inventory
 * dropped, at or after `since` (a sync, or the sync a scan starts with).
 * Returns CLI_EXIT_OK, or CLI_EXIT_ERROR with the error said. */
int cli_print_retired(dsmap_workspace *ws, int64_t since);

/* A scan's progress on stderr, drawn when stderr is a terminal (tty) and
 * not quiet: the dsmap_scan_progress_fn of scan and demo. */
struct cli_bar {
	int tty;
	size_t lines;      /* lines drawn last time, to draw over */
	int quiet;
	int fd;            /* scan --progress-fd: JSON lines written there, or -1 */
	double written;    /* when the last line was, in seconds (CLOCK_MONOTONIC) */
	unsigned char *states;   /* of the last line, per system */
	size_t nstates;
};
void cli_scan_progress(const dsmap_scan_progress *systems, size_t count, void *payload);

/* Commands. */
int cmd_check(int argc, char **argv, struct cli_global *g);
int cmd_init(int argc, char **argv, struct cli_global *g);
int cmd_lineage(int argc, char **argv, struct cli_global *g);
int cmd_ls(int argc, char **argv, struct cli_global *g);
int cmd_ropa(int argc, char **argv, struct cli_global *g);
int cmd_audit(int argc, char **argv, struct cli_global *g);
int cmd_export(int argc, char **argv, struct cli_global *g);
int cmd_sync(int argc, char **argv, struct cli_global *g);
int cmd_agent(int argc, char **argv, struct cli_global *g);
int cmd_snapshot(int argc, char **argv, struct cli_global *g);
int cmd_replica(int argc, char **argv, struct cli_global *g);
/* Publish a snapshot of `ws`'s store (dsmap_snapshot_publish()) and print
 * it: scan --publish-snapshot and snapshot publish.  An exit code. */
int cli_publish_snapshot(dsmap_workspace *ws, const dsmap_replica_options *ro,
                         enum cli_format fmt);
int cmd_demo(int argc, char **argv, struct cli_global *g);
int cmd_impact(int argc, char **argv, struct cli_global *g);
int cmd_history(int argc, char **argv, struct cli_global *g);
int cmd_blame(int argc, char **argv, struct cli_global *g);
int cmd_locate(int argc, char **argv, struct cli_global *g);
int cmd_scan(int argc, char **argv, struct cli_global *g);
int cmd_plugins(int argc, char **argv, struct cli_global *g);
int cmd_serve(int argc, char **argv, struct cli_global *g);
/* Add `v` to array `a` / under `key` of object `o`, taking its reference
 * as jansson's _new calls do (also when `v` is NULL or the insert fails),
 * and set *bad on failure: a builder checks once, before printing, so
 * that no JSON answer goes out shortened. */
static inline void cli_json_push(json_t *a, json_t *v, int *bad)
{
	if (json_array_append_new(a, v) < 0)
		*bad = 1;
}

static inline void cli_json_put(json_t *o, const char *key, json_t *v, int *bad)
{
	if (json_object_set_new(o, key, v) < 0)
		*bad = 1;
}

int cmd_status(int argc, char **argv, struct cli_global *g);
int cmd_verify(int argc, char **argv, struct cli_global *g);
int cmd_help(int argc, char **argv, struct cli_global *g);
int cmd_token(int argc, char **argv, struct cli_global *g);
int cmd_access_log(int argc, char **argv, struct cli_global *g);

#endif
