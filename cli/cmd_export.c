/*
 * dsmap export FORMAT: the notice of a revision in a vocabulary other tools
 * read.  One format so far: dpv (W3C DPV 2.x as JSON-LD).  The library
 * renders it (dsmap_dpv_export()); this only reads the options.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_export(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "at", required_argument, NULL, 'r' },
		{ "rev", required_argument, NULL, 'r' },
		{ "base", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	dsmap_dpv_options o = DSMAP_DPV_OPTIONS_INIT;
	dsmap_workspace *ws = NULL;
	char *doc = NULL;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o.at = optarg;
			break;
		case 'b':
			o.base = optarg;
			break;
		case 'h':
			return cli_help(cli_command_find("export"));
		default:
			return cli_usage_error("export", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("export", "give a format: dpv");
	if (strcmp(argv[optind], "dpv") != 0)
		return cli_usage_error("export", "unknown format '%s' (dpv)", argv[optind]);
	if (optind + 1 < argc)
		return cli_usage_error("export", "unexpected argument '%s'", argv[optind + 1]);
	if ((rc = cli_workspace(&ws, g)) != CLI_EXIT_OK)
		return rc;
	rc = dsmap_dpv_export(&doc, ws, &o);
	if (rc == DSMAP_ENOTFOUND) {
		cli_fail("export");
		rc = CLI_EXIT_NOTFOUND;
	} else if (rc == DSMAP_EINVALID) {
		rc = cli_usage_error("export", "%s", dsmap_error_last()->message);
	} else if (rc < 0) {
		rc = cli_fail("export");
	} else {
		fputs(doc, stdout);
		rc = CLI_EXIT_OK;
	}
	dsmap_free(doc);
	dsmap_workspace_free(ws);
	return rc;
}
