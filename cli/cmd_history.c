/*
 * dsmap history: the commits that changed the lineage, by node.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>

#include "cli.h"

int cmd_history(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "purpose", required_argument, NULL, 'p' },
		{ "category", required_argument, NULL, 'c' },
		{ "recipient", required_argument, NULL, 'r' },
		{ "system", required_argument, NULL, 's' },
		{ "since", required_argument, NULL, 'S' },
		{ "rev", required_argument, NULL, 'R' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	dsmap_history_options ho = DSMAP_HISTORY_OPTIONS_INIT;
	dsmap_workspace *ws = NULL;
	enum cli_format fmt = CLI_FORMAT_TEXT;
	char *out = NULL;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
		case 'c':
		case 'r':
		case 's':
			if (ho.kind != NULL)
				return cli_usage_error("history", "give one node: --purpose, --category, "
				                       "--recipient or --system");
			ho.kind = c == 'p' ? "purpose" : c == 'c' ? "category" :
			          c == 'r' ? "recipient" : "system";
			ho.id = optarg;
			break;
		case 'S':
			ho.since = optarg;
			break;
		case 'R':
			ho.rev = optarg;
			break;
		case 'f':
			if ((rc = cli_parse_format(&fmt, "history", optarg, 1u << CLI_FORMAT_TEXT |
			                           1u << CLI_FORMAT_JSON)) != 0)
				return rc;
			break;
		case 'h':
			return cli_help(cli_command_find("history"));
		default:
			return cli_usage_error("history", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("history", "takes no arguments; name a node with --purpose, "
		                       "--category, --recipient or --system");
	if ((rc = cli_workspace(&ws, g)) != CLI_EXIT_OK)
		return rc;
	if (dsmap_history(&out, ws, &ho, fmt == CLI_FORMAT_JSON ? DSMAP_FORMAT_JSON :
	                  DSMAP_FORMAT_TEXT) < 0) {
		rc = dsmap_error_last()->code == DSMAP_ENOTFOUND ? CLI_EXIT_NOTFOUND :
		     dsmap_error_last()->code == DSMAP_EAMBIGUOUS ? CLI_EXIT_USAGE : CLI_EXIT_ERROR;
		cli_fail("history");
	} else {
		fputs(out, stdout);
		rc = CLI_EXIT_OK;
	}
	dsmap_free(out);
	dsmap_workspace_free(ws);
	return rc;
}
