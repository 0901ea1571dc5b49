/*
 * dsmap locate: where a person's data is held, and why.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_locate(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "lang", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	dsmap_workspace *ws = NULL;
	enum cli_format fmt = CLI_FORMAT_TEXT;
	dsmap_locator *loc = NULL;
	dsmap_locate_result *res = NULL;
	const char *lang = NULL;   /* the notice's */
	char *out = NULL;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((rc = cli_parse_format(&fmt, "locate", optarg, 1u << CLI_FORMAT_TEXT |
			                           1u << CLI_FORMAT_JSON)) != 0)
				return rc;
			break;
		case 'l':
			if (strcmp(optarg, "en") != 0 && strcmp(optarg, "fr") != 0)
				return cli_usage_error("locate", "--lang is en or fr, not '%s'", optarg);
			lang = optarg;
			break;
		case 'h':
			return cli_help(cli_command_find("locate"));
		default:
			return cli_usage_error("locate", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (optind == argc)
		return cli_usage_error("locate", "give the person's identifiers, KIND:VALUE each");
	if ((rc = cli_workspace(&ws, g)) != CLI_EXIT_OK)
		return rc;
	if ((rc = dsmap_locator_open(&loc, ws)) == 0 &&
	    (lang == NULL || (rc = dsmap_locator_set_language(loc, lang)) == 0) &&
	    (rc = dsmap_locate_find(&res, loc, (const char *const *)argv + optind,
	                            (size_t)(argc - optind))) == 0 &&
	    (rc = dsmap_locate_render(&out, loc, res, fmt == CLI_FORMAT_JSON ? DSMAP_FORMAT_JSON :
	                              DSMAP_FORMAT_TEXT)) == 0 &&
	    dsmap_locate_result_count(res) == 0)
		rc = DSMAP_ENOTFOUND;
	if (out != NULL)
		fputs(out, stdout);
	if (out == NULL && rc < 0) {
		/* no answer at all: nothing synced, a damaged store... */
		rc = dsmap_error_last()->code == DSMAP_EINVALID ? CLI_EXIT_USAGE : CLI_EXIT_ERROR;
		cli_fail("locate");
	} else if (rc == DSMAP_ENOTFOUND) {
		rc = CLI_EXIT_NOTFOUND;
	} else if (rc < 0) {
		rc = dsmap_error_last()->code == DSMAP_EINVALID ? CLI_EXIT_USAGE : CLI_EXIT_ERROR;
		cli_fail("locate");
	} else {
		rc = CLI_EXIT_OK;
	}
	dsmap_free(out);
	dsmap_locate_result_free(res);
	dsmap_locator_free(loc);
	dsmap_workspace_free(ws);
	return rc;
}
