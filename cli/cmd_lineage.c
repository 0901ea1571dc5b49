/*
 * dsmap lineage KIND ID: what flows from and to a node of the graph.
 */
#include "config.h"

#include <getopt.h>
#include <string.h>

#include "cli.h"

int cmd_lineage(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "rev", required_argument, NULL, 'r' },
		{ "at", required_argument, NULL, 'r' },
		{ "lang", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum cli_format fmt = CLI_FORMAT_TEXT;
	dsmap_workspace *ws = NULL;
	const char *rev = NULL;
	const char *lang = NULL;   /* the notice's */
	char *answer = NULL;
	int c, rc, kind;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((rc = cli_parse_format(&fmt, "lineage", optarg,
			                           1u << CLI_FORMAT_TEXT | 1u << CLI_FORMAT_JSON |
			                           1u << CLI_FORMAT_DOT)) != 0)
				return rc;
			break;
		case 'r':
			rev = optarg;
			break;
		case 'l':
			if (strcmp(optarg, "en") != 0 && strcmp(optarg, "fr") != 0)
				return cli_usage_error("lineage", "--lang is en or fr, not '%s'", optarg);
			lang = optarg;
			break;
		case 'h':
			return cli_help(cli_command_find("lineage"));
		default:
			return cli_usage_error("lineage", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return cli_usage_error("lineage", "give a kind (category, purpose, recipient, "
		                       "subject-kind, system) and an id");
	for (kind = 0; dsmap_lineage_kind_name(kind) != NULL; kind++)
		if (strcmp(argv[optind], dsmap_lineage_kind_name(kind)) == 0)
			break;
	if (dsmap_lineage_kind_name(kind) == NULL)
		return cli_usage_error("lineage", "unknown kind '%s' (category, purpose, recipient, "
		                       "subject-kind, system)", argv[optind]);
	if ((rc = cli_workspace(&ws, g)) != CLI_EXIT_OK)
		return rc;
	rc = dsmap_lineage_lang(&answer, ws, kind, argv[optind + 1], rev,
	                        fmt == CLI_FORMAT_JSON ? DSMAP_FORMAT_JSON :
	                        fmt == CLI_FORMAT_DOT ? DSMAP_FORMAT_DOT : DSMAP_FORMAT_TEXT, lang);
	if (rc == DSMAP_ENOTFOUND) {
		cli_fail("lineage");
		rc = CLI_EXIT_NOTFOUND;
	} else if (rc == DSMAP_EAMBIGUOUS) {
		cli_fail("lineage");
		rc = CLI_EXIT_USAGE;
	} else if (rc < 0) {
		rc = cli_fail("lineage");
	} else {
		fputs(answer, stdout);
		rc = CLI_EXIT_OK;
	}
	dsmap_free(answer);
	dsmap_workspace_free(ws);
	return rc;
}
