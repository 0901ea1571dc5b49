/*
 * dsmap plugins: the plugins dsmap can load.
 */
#include "config.h"

#include <getopt.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

struct listing {
	enum cli_format fmt;
	json_t *array;
	int found;
	int refused;
	int bad;                   /* out of memory building the JSON */
};

static void print_help_lines(const char *help)
{
	const char *p = help, *nl;

	while (*p) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		printf("    %.*s\n", (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
}

static int each(const char *path, const dsmap_plugin *plugin, const char *error, void *payload)
{
	struct listing *l = payload;
	const dsmap_plugin_info *i;

	if (plugin == NULL) {
		fprintf(stderr, "dsmap: %s\n", error);
		l->refused++;
		if (l->fmt == CLI_FORMAT_JSON)
			cli_json_push(l->array, json_pack("{s:s, s:s}",
			    "path", path, "refused", error), &l->bad);
		return 0;
	}
	i = dsmap_plugin_info_get(plugin);
	l->found++;
	if (l->fmt == CLI_FORMAT_JSON) {
		cli_json_push(l->array, json_pack("{s:s, s:s, s:o, s:s, s:s, s:b, s:s}",
		    "name", i->name, "version", i->version,
		    "abi", json_sprintf("%u.%u", i->abi_major, i->abi_minor),
		    "description", i->description, "path", path, "lookup", i->has_lookup,
		    "config_help", i->config_help), &l->bad);
		return 0;
	}
	printf("%s %s (plugin ABI %u.%u)%s\n  %s\n  %s\n", i->name, i->version, i->abi_major,
	       i->abi_minor, i->has_lookup ? ", with lookup" : "", i->description, path);
	if (i->config_help[0]) {
		printf("  options:\n");
		print_help_lines(i->config_help);
	}
	return 0;
}

int cmd_plugins(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct listing l = { CLI_FORMAT_TEXT, NULL, 0, 0, 0 };
	int c, rc;

	(void)g;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((rc = cli_parse_format(&l.fmt, "plugins", optarg,
			                           1u << CLI_FORMAT_TEXT | 1u << CLI_FORMAT_JSON)) != 0)
				return rc;
			break;
		case 'h':
			return cli_help(cli_command_find("plugins"));
		default:
			return cli_usage_error("plugins", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("plugins", "takes no arguments");
	if (l.fmt == CLI_FORMAT_JSON)
		l.array = json_array();
	if (dsmap_plugin_each(NULL, each, &l) < 0) {
		json_decref(l.array);
		return cli_fail("plugins");
	}
	if (l.fmt == CLI_FORMAT_JSON) {
		json_t *root = l.bad ? (json_decref(l.array), NULL) :
		               json_pack("{s:i, s:o}", "schema", CLI_JSON_SCHEMA, "plugins", l.array);

		if (root == NULL) {
			fprintf(stderr, "dsmap: plugins: out of memory building JSON\n");
			return CLI_EXIT_ERROR;
		}
		if (json_dumpf(root, stdout, JSON_INDENT(2)) != 0) {
			json_decref(root);
			fprintf(stderr, "dsmap: plugins: out of memory writing JSON\n");
			return CLI_EXIT_ERROR;
		}
		putchar('\n');
		json_decref(root);
	} else if (l.found == 0 && l.refused == 0) {
		const char *build = dsmap_plugin_build_dir();

		if (build != NULL)
			printf("no plugins found (searched $DSMAP_PLUGIN_PATH, %s and %s); ", build,
			       dsmap_plugin_install_dir());
		else
			printf("no plugins found (searched $DSMAP_PLUGIN_PATH and %s); ",
			       dsmap_plugin_install_dir());
		printf("set DSMAP_PLUGIN_PATH to the directory that holds them\n");
	}
	return CLI_EXIT_OK;
}
