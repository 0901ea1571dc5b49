/*
 * dsmap verify: walk the whole store.
 */
#include "config.h"

#include <getopt.h>

#include "cli.h"

int cmd_verify(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "rebuild-index", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	dsmap_workspace *ws = NULL;
	dsmap_store *store;
	uint64_t entries = 0;
	int c, rc, rebuild = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h')
			return cli_help(cli_command_find("verify"));
		if (c == 'r') {
			rebuild = 1;
			continue;
		}
		return cli_usage_error("verify", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage_error("verify", "takes no arguments");
	if ((rc = cli_workspace(&ws, g)) != CLI_EXIT_OK)
		return rc;
	store = dsmap_workspace_store(ws);
	if (rebuild && dsmap_store_rebuild_index(store) < 0) {
		rc = cli_fail("verify");
	} else if (dsmap_store_verify(&entries, store) < 0) {
		rc = cli_fail("verify");
	} else {
		printf("store %s: sound, %llu records checked\n", dsmap_store_path(store),
		       (unsigned long long)entries);
		rc = CLI_EXIT_OK;
	}
	dsmap_workspace_free(ws);
	return rc;
}
