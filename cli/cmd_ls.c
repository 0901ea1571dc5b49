/*
 * dsmap ls KIND [filters]: the ids a person can give to the other commands.
 */
#include "config.h"

#include <getopt.h>
#include <string.h>

#include "cli.h"

int cmd_ls(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "at", required_argument, NULL, 'r' },
		{ "rev", required_argument, NULL, 'r' },
		{ "legal-basis", required_argument, NULL, 'l' },
		{ "recipient", required_argument, NULL, 'R' },
		{ "category", required_argument, NULL, 'c' },
		{ "section", required_argument, NULL, 's' },
		{ "system", required_argument, NULL, 'y' },
		{ "subject-kind", required_argument, NULL, 'k' },
		{ "purpose", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	dsmap_ls_options o = DSMAP_LS_OPTIONS_INIT;
	enum cli_format fmt = CLI_FORMAT_TEXT;
	dsmap_workspace *ws = NULL;
	char *list = NULL;
	int c, rc, what;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((rc = cli_parse_format(&fmt, "ls", optarg,
			                           1u << CLI_FORMAT_TEXT | 1u << CLI_FORMAT_JSON)) != 0)
				return rc;
			break;
		case 'r':
			o.at = optarg;
			break;
		case 'l':
			o.legal_basis = optarg;
			break;
		case 'R':
			o.recipient = optarg;
			break;
		case 'c':
			o.category = optarg;
			break;
		case 's':
			o.section = optarg;
			break;
		case 'y':
			o.system = optarg;
			break;
		case 'k':
			o.subject_kind = optarg;
			break;
		case 'p':
			o.purpose = optarg;
			break;
		case 'h':
			return cli_help(cli_command_find("ls"));
		default:
			return cli_usage_error("ls", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("ls", "give one kind: purposes, categories, recipients, "
		                       "systems or subject-kinds");
	for (what = 0; dsmap_ls_kind_name(what) != NULL; what++)
		if (strcmp(argv[optind], dsmap_ls_kind_name(what)) == 0)
			break;
	if (dsmap_ls_kind_name(what) == NULL)
		return cli_usage_error("ls", "unknown kind '%s' (purposes, categories, recipients, "
		                       "systems, subject-kinds)", argv[optind]);
	if ((rc = cli_workspace(&ws, g)) != CLI_EXIT_OK)
		return rc;
	rc = dsmap_ls(&list, ws, what, &o, fmt == CLI_FORMAT_JSON ? DSMAP_FORMAT_JSON :
	                                      DSMAP_FORMAT_TEXT);
	if (rc == DSMAP_EINVALID || rc == DSMAP_EAMBIGUOUS) {
		/* a filter names nothing, is ambiguous or does not fit the kind */
		rc = cli_usage_error("ls", "%s", dsmap_error_last()->message);
	} else if (rc == DSMAP_ENOTFOUND) {
		cli_fail("ls");
		rc = CLI_EXIT_NOTFOUND;
	} else if (rc < 0) {
		rc = cli_fail("ls");
	} else {
		/* An empty list is an answer, not a failure: say so where a
		 * person reads, and keep stdout for results. */
		if (list[0] == '\0')
			fprintf(stderr, "dsmap: ls: no %s match\n", dsmap_ls_kind_name(what));
		fputs(list, stdout);
		rc = CLI_EXIT_OK;
	}
	dsmap_free(list);
	dsmap_workspace_free(ws);
	return rc;
}
