/*
 * dsmap init: create a workspace.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

int cmd_init(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "mappings", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	dsmap_workspace_init_options iopts = DSMAP_WORKSPACE_INIT_OPTIONS_INIT;
	dsmap_workspace *ws = NULL;
	dsmap_status *st = NULL;
	char *joined = NULL;
	const char *dir;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			iopts.mappings_dir = optarg;
			break;
		case 'h':
			return cli_help(cli_command_find("init"));
		default:
			return cli_usage_error("init", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("init", "too many arguments; give one directory");
	dir = optind < argc ? argv[optind] : ".";
	/* As with git -C, a relative DIR is taken from the -C directory. */
	if (g->start_dir != NULL && dir[0] != '/') {
		size_t n = strlen(g->start_dir) + strlen(dir) + 2;

		if ((joined = malloc(n)) == NULL) {
			fprintf(stderr, "dsmap: init: out of memory\n");
			return CLI_EXIT_ERROR;
		}
		snprintf(joined, n, "%s/%s", g->start_dir, dir);
		dir = joined;
	}

	/* A workspace is private whatever the umask: the library makes its
	 * directory, .dsmap/, the store and the key so, and the umask does the
	 * same for the repository and the mapping files. */
	umask(umask(0) | 077);
	rc = dsmap_workspace_init(&ws, dir, &iopts);
	free(joined);
	if (rc < 0)
		return cli_fail(NULL);
	if (dsmap_workspace_status(&st, ws) < 0) {
		rc = cli_fail(NULL);
		goto done;
	}
	printf("Initialised dsmap workspace in %s\n", st->path);
	printf("  mapping repository  commit %.12s  %s\n", st->head, st->head_summary);
	printf("  store               %s/.dsmap/store (schema %u)\n", st->path, st->store.schema);
	printf("  secret key          %s/.dsmap/secret.key (mode 0600, never committed)\n",
	       st->path);
	rc = CLI_EXIT_OK;
done:
	dsmap_status_free(st);
	dsmap_workspace_free(ws);
	return rc;
}
