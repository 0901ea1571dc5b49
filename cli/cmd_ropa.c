/*
 * dsmap ropa: the record of processing activities (GDPR art. 30(1)).
 * The library renders it (dsmap_ropa()); this only reads the options.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Not a dsmap_format: the workbook is bytes, from dsmap_ropa_xlsx(). */
#define FORMAT_XLSX (-1)

static int parse_format(int *out, const char *arg)
{
	static const struct { const char *name; int format; } formats[] = {
		{ "text", DSMAP_FORMAT_TEXT }, { "json", DSMAP_FORMAT_JSON },
		{ "csv", DSMAP_FORMAT_CSV }, { "html", DSMAP_FORMAT_HTML }, { "xlsx", FORMAT_XLSX },
	};
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(arg, formats[i].name) == 0) {
			*out = formats[i].format;
			return 0;
		}
	return cli_usage_error("ropa", "unknown format '%s' (text, json, csv, html, xlsx)", arg);
}

/* SOURCE_DATE_EPOCH (reproducible-builds.org): the generation date. */
static int source_date(int64_t *out)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	*out = 0;
	if (s == NULL || *s == '\0')
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return cli_usage_error("ropa", "SOURCE_DATE_EPOCH '%s' is not a positive number of "
		                       "seconds", s);
	*out = (int64_t)v;
	return 0;
}

int cmd_ropa(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "at", required_argument, NULL, 'r' },
		{ "rev", required_argument, NULL, 'r' },
		{ "lang", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	dsmap_ropa_options o = DSMAP_ROPA_OPTIONS_INIT;
	dsmap_workspace *ws = NULL;
	char *reg = NULL;
	size_t size = 0;
	int c, rc, format = DSMAP_FORMAT_TEXT;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((rc = parse_format(&format, optarg)) != 0)
				return rc;
			break;
		case 'r':
			o.at = optarg;
			break;
		case 'l':
			if (strcmp(optarg, "en") != 0 && strcmp(optarg, "fr") != 0)
				return cli_usage_error("ropa", "unknown language '%s' (en, fr)", optarg);
			o.lang = optarg;
			break;
		case 'h':
			return cli_help(cli_command_find("ropa"));
		default:
			return cli_usage_error("ropa", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("ropa", "unexpected argument '%s'", argv[optind]);
	if ((rc = source_date(&o.generated_at)) != 0)
		return rc;
	if (format == FORMAT_XLSX && isatty(STDOUT_FILENO))
		return cli_usage_error("ropa", "an xlsx workbook is binary: redirect standard output "
		                       "to a file");
	if ((rc = cli_workspace(&ws, g)) != CLI_EXIT_OK)
		return rc;
	if (format == FORMAT_XLSX)
		rc = dsmap_ropa_xlsx((unsigned char **)&reg, &size, ws, &o);
	else
		rc = dsmap_ropa(&reg, ws, &o, format);
	if (rc == DSMAP_ENOTFOUND) {
		cli_fail("ropa");
		rc = CLI_EXIT_NOTFOUND;
	} else if (rc == DSMAP_EINVALID) {
		rc = cli_usage_error("ropa", "%s", dsmap_error_last()->message);
	} else if (rc < 0) {
		rc = cli_fail("ropa");
	} else {
		if (format == FORMAT_XLSX)
			fwrite(reg, 1, size, stdout);
		else
			fputs(reg, stdout);
		rc = CLI_EXIT_OK;
	}
	dsmap_free(reg);
	dsmap_workspace_free(ws);
	return rc;
}
