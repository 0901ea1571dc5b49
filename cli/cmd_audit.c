/*
 * dsmap audit: the standing conformance audit.  The library finds and
 * renders the findings (dsmap_audit()); this reads the options and turns
 * the most severe finding into the exit status that --fail-on asks for.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int parse_days(unsigned int *out, const char *arg)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno != 0 || *end != '\0' || arg[0] < '0' || arg[0] > '9' || v < 1 || v > 36500)
		return cli_usage_error("audit", "--stale-days '%s' is not a number of days from 1 to "
		                       "36500", arg);
	*out = (unsigned int)v;
	return 0;
}

int cmd_audit(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "fail-on", required_argument, NULL, 'F' },
		{ "stale-days", required_argument, NULL, 's' },
		{ "as-of", required_argument, NULL, 'n' },
		{ "lang", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	dsmap_audit_options o = DSMAP_AUDIT_OPTIONS_INIT;
	dsmap_audit_severity worst = DSMAP_AUDIT_NONE, fail_on = DSMAP_AUDIT_NONE;
	dsmap_workspace *ws = NULL;
	char *rep = NULL;
	int c, rc, format = DSMAP_FORMAT_TEXT;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "text") == 0)
				format = DSMAP_FORMAT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				format = DSMAP_FORMAT_JSON;
			else
				return cli_usage_error("audit", "unknown format '%s' (text, json)", optarg);
			break;
		case 'F':
			if ((fail_on = dsmap_audit_severity_parse(optarg)) == DSMAP_AUDIT_NONE)
				return cli_usage_error("audit", "--fail-on '%s' is not a severity (high, "
				                       "medium, low)", optarg);
			break;
		case 's':
			if ((rc = parse_days(&o.stale_days, optarg)) != 0)
				return rc;
			break;
		case 'n':
			o.as_of = optarg;
			break;
		case 'l':
			if (strcmp(optarg, "en") != 0 && strcmp(optarg, "fr") != 0)
				return cli_usage_error("audit", "unknown language '%s' (en, fr)", optarg);
			o.lang = optarg;
			break;
		case 'h':
			return cli_help(cli_command_find("audit"));
		default:
			return cli_usage_error("audit", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("audit", "unexpected argument '%s'", argv[optind]);
	if ((rc = cli_workspace(&ws, g)) != CLI_EXIT_OK)
		return rc;
	rc = dsmap_audit(&rep, &worst, ws, &o, format);
	if (rc == DSMAP_ENOTFOUND) {
		cli_fail("audit");
		rc = CLI_EXIT_NOTFOUND;
	} else if (rc == DSMAP_EINVALID) {
		rc = cli_usage_error("audit", "%s", dsmap_error_last()->message);
	} else if (rc < 0) {
		rc = cli_fail("audit");
	} else {
		fputs(rep, stdout);
		rc = fail_on != DSMAP_AUDIT_NONE && worst >= fail_on ? CLI_EXIT_FINDINGS : CLI_EXIT_OK;
	}
	dsmap_free(rep);
	dsmap_workspace_free(ws);
	return rc;
}
