/*
 * dsmap blame A B: since when an edge of the lineage exists, and who made
 * each change to it.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>

#include "cli.h"

int cmd_blame(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	dsmap_workspace *ws = NULL;
	enum cli_format fmt = CLI_FORMAT_TEXT;
	char *out = NULL;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((rc = cli_parse_format(&fmt, "blame", optarg, 1u << CLI_FORMAT_TEXT |
			                           1u << CLI_FORMAT_JSON)) != 0)
				return rc;
			break;
		case 'h':
			return cli_help(cli_command_find("blame"));
		default:
			return cli_usage_error("blame", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return cli_usage_error("blame", "give the two ends of an edge, e.g. "
		                       "purpose:social-tariff recipient:fps-economy");
	if ((rc = cli_workspace(&ws, g)) != CLI_EXIT_OK)
		return rc;
	if (dsmap_blame(&out, ws, argv[optind], argv[optind + 1],
	                fmt == CLI_FORMAT_JSON ? DSMAP_FORMAT_JSON : DSMAP_FORMAT_TEXT) < 0) {
		rc = dsmap_error_last()->code == DSMAP_EINVALID ||
		     dsmap_error_last()->code == DSMAP_EAMBIGUOUS ? CLI_EXIT_USAGE : CLI_EXIT_ERROR;
		cli_fail("blame");
	} else {
		fputs(out, stdout);
		rc = CLI_EXIT_OK;
	}
	dsmap_free(out);
	dsmap_workspace_free(ws);
	return rc;
}
