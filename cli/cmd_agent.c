/*
 * dsmap agent: scan one system where it lives and publish the hashed
 * frames to NATS JetStream (dsmap/agent.h, docs/distributed.md).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_agent(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "system", required_argument, NULL, 's' },
		{ "nats", required_argument, NULL, 'n' },
		{ "creds", required_argument, NULL, 'c' },
		{ "ca", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 't' },
		{ "rev", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	dsmap_agent_options ao = DSMAP_AGENT_OPTIONS_INIT;
	dsmap_agent_result res;
	dsmap_workspace *ws = NULL;
	enum cli_format fmt = CLI_FORMAT_TEXT;
	const char *system = NULL;
	char *end;
	unsigned long v;
	int c, rc, arc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			system = optarg;
			break;
		case 'n':
			ao.nats_urls = optarg;
			break;
		case 'c':
			ao.creds_path = optarg;
			break;
		case 'a':
			ao.ca_path = optarg;
			break;
		case 't':
			v = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v == 0 || v > 86400)
				return cli_usage_error("agent", "--timeout takes seconds (1 to 86400), not '%s'",
				                       optarg);
			ao.timeout = (unsigned int)v;
			break;
		case 'r':
			ao.rev = optarg;
			break;
		case 'f':
			if ((rc = cli_parse_format(&fmt, "agent", optarg, 1u << CLI_FORMAT_TEXT |
			                           1u << CLI_FORMAT_JSON)) != CLI_EXIT_OK)
				return rc;
			break;
		case 'h':
			return cli_help(cli_command_find("agent"));
		default:
			return cli_usage_error("agent", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("agent", "takes no arguments; name the system with --system");
	if (system == NULL)
		return cli_usage_error("agent", "--system ID is required");
	memset(&res, 0, sizeof(res));
	if ((rc = cli_workspace(&ws, g)) != CLI_EXIT_OK)
		return rc;
	arc = dsmap_agent_run(&res, ws, system, &ao);
	if (arc < 0)
		rc = dsmap_error_last()->code == DSMAP_ENOTFOUND ?
		     (cli_fail("agent"), CLI_EXIT_NOTFOUND) : cli_fail("agent");
	if (res.generation[0] != '\0' && res.checksum[0] != '\0') {
		/* a manifest was published, complete or saying the scan failed */
		if (fmt == CLI_FORMAT_JSON) {
			json_t *doc = json_pack("{s:i, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:s}",
			                        "schema", 1, "system", res.system,
			                        "generation", res.generation, "commit", res.commit,
			                        "ok", res.ok, "records", (json_int_t)res.records,
			                        "frames", (json_int_t)res.frames,
			                        "batches", (json_int_t)res.batches,
			                        "bytes", (json_int_t)res.bytes, "checksum", res.checksum);
			char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;

			json_decref(doc);
			if (text == NULL) {
				fprintf(stderr, "dsmap: agent: out of memory\n");
				rc = CLI_EXIT_ERROR;
			} else {
				printf("%s\n", text);
				free(text);
			}
		} else {
			printf("%s: generation %s %s: %llu records, %llu frames in %llu batches (%llu "
			       "bytes), %s\n", res.system, res.generation,
			       res.ok ? "published" : "FAILED, manifest published",
			       (unsigned long long)res.records, (unsigned long long)res.frames,
			       (unsigned long long)res.batches, (unsigned long long)res.bytes,
			       res.checksum);
		}
	}
	dsmap_workspace_free(ws);
	return rc;
}
