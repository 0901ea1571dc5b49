/*
 * dsmap token add|list|revoke: the bearer tokens of `dsmap serve`.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

static int token_add(int argc, char **argv, dsmap_workspace **ws, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	char token[DSMAP_TOKEN_SIZE];
	const char *name = NULL, *role_name = NULL;
	dsmap_role role;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'r')
			role_name = optarg;
		else if (c == 'n')
			name = optarg;
		else
			return cli_usage_error("token", "token add: unknown option '%s'",
			                       argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage_error("token", "token add takes no arguments: use --name NAME");
	if (name == NULL || role_name == NULL)
		return cli_usage_error("token", "token add needs --role dsar|auditor|admin and "
		                       "--name NAME");
	if ((role = dsmap_role_from_name(role_name)) == DSMAP_ROLE_NONE)
		return cli_usage_error("token", "unknown role '%s': use dsar, auditor or admin",
		                       role_name);
	if ((rc = cli_workspace(ws, g)) != CLI_EXIT_OK)
		return rc;
	if (dsmap_token_add(token, *ws, name, role) < 0)
		return dsmap_error_last()->code == DSMAP_EINVALID ?
		       cli_usage_error("token", "%s", dsmap_error_last()->message) :
		       cli_fail("token add");
	printf("%s\n", token);
	fflush(stdout);
	fprintf(stderr, "dsmap: token '%s' (role %s) made: this is the only time it is "
	        "shown, keep it now\n", name, role_name);
	memset(token, 0, sizeof(token));
	return CLI_EXIT_OK;
}

static int token_revoke(int argc, char **argv, dsmap_workspace **ws, struct cli_global *g)
{
	int rc;

	if (argc != 2)
		return cli_usage_error("token", "token revoke takes one NAME");
	if ((rc = cli_workspace(ws, g)) != CLI_EXIT_OK)
		return rc;
	if (dsmap_token_revoke(*ws, argv[1]) < 0)
		return dsmap_error_last()->code == DSMAP_ENOTFOUND ?
		       (cli_fail("token revoke"), CLI_EXIT_NOTFOUND) : cli_fail("token revoke");
	printf("token '%s' revoked; a running dsmap serve drops it on SIGHUP\n", argv[1]);
	return CLI_EXIT_OK;
}

struct list_out {
	enum cli_format format;
	json_t *tokens;   /* json */
	size_t count;
	int oom;
};

static int list_one(void *payload, const dsmap_token_info *t)
{
	struct list_out *o = payload;
	char made[64], revoked[64];

	if (o->format == CLI_FORMAT_JSON) {
		json_t *j = json_pack("{s:s, s:s, s:I, s:I}", "name", t->name,
		                      "role", dsmap_role_name(t->role), "created", (json_int_t)t->created,
		                      "revoked", (json_int_t)t->revoked);

		if (j == NULL || json_array_append_new(o->tokens, j) != 0)
			o->oom = 1;
		return o->oom;
	}
	if (o->count++ == 0)
		printf("%-24s %-8s %-24s %s\n", "NAME", "ROLE", "CREATED", "REVOKED");
	printf("%-24s %-8s %-24s %s\n", t->name, dsmap_role_name(t->role),
	       cli_time(made, sizeof(made), t->created),
	       t->revoked ? cli_time(revoked, sizeof(revoked), t->revoked) : "-");
	return 0;
}

static int token_list(int argc, char **argv, dsmap_workspace **ws, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct list_out o = { CLI_FORMAT_TEXT, NULL, 0, 0 };
	json_t *root;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'f')
			return cli_usage_error("token", "token list: unknown option '%s'",
			                       argv[optind - 1]);
		if ((rc = cli_parse_format(&o.format, "token", optarg,
		                           1u << CLI_FORMAT_TEXT | 1u << CLI_FORMAT_JSON)) != 0)
			return rc;
	}
	if (optind < argc)
		return cli_usage_error("token", "token list takes no arguments");
	if ((rc = cli_workspace(ws, g)) != CLI_EXIT_OK)
		return rc;
	if (o.format == CLI_FORMAT_JSON && (o.tokens = json_array()) == NULL)
		return cli_fail("token list");
	rc = dsmap_token_list(*ws, list_one, &o);
	if (rc < 0) {
		json_decref(o.tokens);
		return cli_fail("token list");
	}
	if (o.format == CLI_FORMAT_TEXT) {
		if (o.count == 0)
			printf("no tokens: dsmap token add --role dsar|auditor|admin --name NAME\n");
		return CLI_EXIT_OK;
	}
	if (o.oom) {
		json_decref(o.tokens);
		o.tokens = NULL;
	}
	/* json_pack's "o" takes the array, whether it succeeds or not */
	root = o.tokens ? json_pack("{s:i, s:o}", "schema", CLI_JSON_SCHEMA, "tokens", o.tokens) : NULL;
	if (root == NULL || json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
		json_decref(root);
		fprintf(stderr, "dsmap: token list: out of memory building JSON\n");
		return CLI_EXIT_ERROR;
	}
	putchar('\n');
	json_decref(root);
	return CLI_EXIT_OK;
}

int cmd_token(int argc, char **argv, struct cli_global *g)
{
	dsmap_workspace *ws = NULL;
	int rc;

	if (argc < 2)
		return cli_usage_error("token", "say add, list or revoke");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cli_help(cli_command_find("token"));
	opterr = 0;
	if (strcmp(argv[1], "add") == 0)
		rc = token_add(argc - 1, argv + 1, &ws, g);
	else if (strcmp(argv[1], "list") == 0)
		rc = token_list(argc - 1, argv + 1, &ws, g);
	else if (strcmp(argv[1], "revoke") == 0)
		rc = token_revoke(argc - 1, argv + 1, &ws, g);
	else
		rc = cli_usage_error("token", "unknown subcommand '%s': say add, list or revoke",
		                     argv[1]);
	dsmap_workspace_free(ws);
	return rc;
}
