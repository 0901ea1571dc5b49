/*
 * dsmap sync: store the lineage graph of a revision.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <time.h>

#include "cli.h"

int cmd_sync(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "rev", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	dsmap_workspace *ws = NULL;
	dsmap_sync_result res;
	const char *rev = "HEAD";
	int64_t started;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			rev = optarg;
			break;
		case 'h':
			return cli_help(cli_command_find("sync"));
		default:
			return cli_usage_error("sync", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("sync", "takes no arguments; name a revision with --rev");
	if ((rc = cli_workspace(&ws, g)) != CLI_EXIT_OK)
		return rc;
	started = (int64_t)time(NULL);
	if (dsmap_sync(&res, ws, rev) < 0) {
		rc = cli_fail("sync");
	} else if (res.already) {
		printf("%.12s (%s) was synced before; it is the synced revision again\n", res.commit, rev);
		rc = CLI_EXIT_OK;
	} else {
		printf("synced %.12s (%s): %zu nodes (%zu new), %zu edges, %zu categories numbered\n",
		       res.commit, rev, res.nodes, res.new_nodes, res.edges, res.new_categories);
	}
	if (rc == 0 && res.retired_systems > 0)
		rc = cli_print_retired(ws, started);
	dsmap_workspace_free(ws);
	return rc;
}
