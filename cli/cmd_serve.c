/*
 * dsmap serve: the HTTP API (the server itself is in cli/serve/).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "serve/server.h"

int cmd_serve(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "insecure", no_argument, NULL, 'i' },
		{ "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ "replica", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct serve_options o;
	dsmap_workspace *ws = NULL;
	unsigned long n;
	char *end;
	int c, rc;

	memset(&o, 0, sizeof(o));
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o.listen = optarg;
			break;
		case 't':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg || optarg[0] == '-' ||
			    n == 0 || n > 256)
				return cli_usage_error("serve", "--threads is a number from 1 to 256, "
				                       "not '%s'", optarg);
			o.threads = (unsigned)n;
			break;
		case 'T':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg || optarg[0] == '-' ||
			    n == 0 || n > 3600)
				return cli_usage_error("serve", "--timeout is a number of seconds from 1 "
				                       "to 3600, not '%s'", optarg);
			o.timeout = (unsigned)n;
			break;
		case 'i':
			o.insecure = 1;
			break;
		case 'c':
			o.tls_cert = optarg;
			break;
		case 'k':
			o.tls_key = optarg;
			break;
		case 'R':
			o.replica = optarg;
			break;
		case 'h':
			return cli_help(cli_command_find("serve"));
		default:
			return cli_usage_error("serve", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("serve", "takes no arguments");
	if ((o.tls_cert == NULL) != (o.tls_key == NULL))
		return cli_usage_error("serve", "--tls-cert and --tls-key go together");
	if (o.replica != NULL) {
		/* the replica's directory, not a workspace: its tokens and
		 * access log here, its snapshots opened by the server */
		if (dsmap_replica_workspace_open(&ws, NULL, o.replica, DSMAP_REPLICA_NO_STORE) < 0)
			return cli_fail("serve");
	} else if ((rc = cli_workspace(&ws, g)) != CLI_EXIT_OK) {
		return rc;
	}
	rc = serve_run(ws, &o);
	dsmap_workspace_free(ws);
	return rc;
}
