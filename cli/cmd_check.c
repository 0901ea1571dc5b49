/*
 * dsmap check: load a mapping and report every problem.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cli.h"

static const char *severity_name(int s)
{
	return s == DSMAP_DIAG_ERROR ? "error" : s == DSMAP_DIAG_WARNING ? "warning" : "note";
}

static void print_diag(const char *prefix, const dsmap_diag *d)
{
	if (d->line)
		printf("%s%s:%u:%u: %s: %s\n", prefix, d->file, d->line, d->column,
		       severity_name(d->severity), d->message);
	else
		printf("%s%s: %s: %s\n", prefix, d->file, severity_name(d->severity), d->message);
}

static void print_text(const char *prefix, const dsmap_mapping *m)
{
	dsmap_mapping_counts n;
	size_t i, count = dsmap_mapping_diag_count(m);
	int notes = 0;

	for (i = 0; i < count; i++) {
		const dsmap_diag *d = dsmap_mapping_diag(m, i);

		if (d->severity != DSMAP_DIAG_NOTE)
			print_diag(prefix, d);
	}
	if (dsmap_mapping_diag_omitted(m) > 0)
		printf("... and %zu more\n", dsmap_mapping_diag_omitted(m));
	for (i = 0; i < count; i++) {
		const dsmap_diag *d = dsmap_mapping_diag(m, i);

		if (d->severity != DSMAP_DIAG_NOTE)
			continue;
		if (!notes++)
			printf("How category names the purpose tables use were read:\n");
		print_diag(prefix, d);
	}
	dsmap_mapping_counts_get(&n, m);
	printf("categories     %zu (%zu collected, %zu obtained, %zu observed, %zu derived; "
	       "%zu not defined in section 4, %zu aliases)\n", n.categories,
	       n.categories_in_group[0], n.categories_in_group[1], n.categories_in_group[2],
	       n.categories_in_group[3], n.categories_extra, n.category_aliases);
	printf("recipients     %zu (%zu with transfers outside the EEA)\n", n.recipients,
	       n.recipients_outside_eea);
	printf("subject kinds  %zu\n", n.subject_kinds);
	printf("rights         %zu\n", n.rights);
	printf("purposes       %zu (%zu purpose-category links, %zu purpose-recipient links)\n",
	       n.purposes, n.purpose_edges_category, n.purpose_edges_recipient);
	printf("systems        %zu (%zu sources)\n", n.systems, n.system_sources);
	printf("%zu error%s, %zu warning%s in %zu files\n", n.errors, n.errors == 1 ? "" : "s",
	       n.warnings, n.warnings == 1 ? "" : "s", n.files);
}

static int print_json(const char *source, const char *prefix, const dsmap_mapping *m)
{
	dsmap_mapping_counts n;
	json_t *root, *diags = json_array();
	size_t i, count = dsmap_mapping_diag_count(m);
	int rc, bad = diags == NULL;

	for (i = 0; i < count; i++) {
		const dsmap_diag *d = dsmap_mapping_diag(m, i);

		cli_json_push(diags, json_pack("{s:s, s:s, s:o, s:i, s:i, s:s}",
		    "severity", severity_name(d->severity), "file", d->file,
		    "path", json_sprintf("%s%s", prefix, d->file), "line", (int)d->line,
		    "column", (int)d->column, "message", d->message), &bad);
	}
	dsmap_mapping_counts_get(&n, m);
	if (bad) {
		json_decref(diags);
		fprintf(stderr, "dsmap: check: out of memory building JSON\n");
		return CLI_EXIT_ERROR;
	}
	root = json_pack("{s:i, s:s, s:b, s:{s:I, s:{s:I, s:I, s:I, s:I}, s:I, s:I, s:I, s:I, s:I, s:I, "
	                 "s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:o, s:I}",
	    "schema", CLI_JSON_SCHEMA, "source", source, "ok", n.errors == 0,
	    "counts",
	    "categories", (json_int_t)n.categories,
	    "categories_by_group", "collected", (json_int_t)n.categories_in_group[0],
	    "obtained", (json_int_t)n.categories_in_group[1],
	    "observed", (json_int_t)n.categories_in_group[2],
	    "derived", (json_int_t)n.categories_in_group[3],
	    "categories_not_in_section_4", (json_int_t)n.categories_extra,
	    "category_aliases", (json_int_t)n.category_aliases,
	    "recipients", (json_int_t)n.recipients,
	    "recipients_outside_eea", (json_int_t)n.recipients_outside_eea,
	    "subject_kinds", (json_int_t)n.subject_kinds,
	    "rights", (json_int_t)n.rights,
	    "purposes", (json_int_t)n.purposes,
	    "purpose_category_links", (json_int_t)n.purpose_edges_category,
	    "purpose_recipient_links", (json_int_t)n.purpose_edges_recipient,
	    "systems", (json_int_t)n.systems,
	    "system_sources", (json_int_t)n.system_sources,
	    "errors", (json_int_t)n.errors,
	    "warnings", (json_int_t)n.warnings,
	    "files", (json_int_t)n.files,
	    "diagnostics", diags,
	    "diagnostics_omitted", (json_int_t)dsmap_mapping_diag_omitted(m));
	if (root == NULL) {
		fprintf(stderr, "dsmap: check: out of memory building JSON\n");
		return CLI_EXIT_ERROR;
	}
	rc = json_dumpf(root, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(root);
	return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

/* A workspace top directory holds mappings/; accept it for the folder. */
static char *mapping_dir(const char *path)
{
	struct stat sb;
	char *notice = malloc(strlen(path) + 32);

	if (notice == NULL)
		return NULL;
	sprintf(notice, "%s/notice.yaml", path);
	if (stat(notice, &sb) != 0) {
		sprintf(notice, "%s/mappings", path);
		if (stat(notice, &sb) == 0 && S_ISDIR(sb.st_mode))
			return notice;
	}
	strcpy(notice, path);
	return notice;
}

int cmd_check(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "rev", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum cli_format fmt = CLI_FORMAT_TEXT;
	dsmap_workspace *ws = NULL;
	dsmap_mapping *m = NULL;
	const char *rev = NULL;
	char *dir = NULL, *prefix = NULL, *source = NULL;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			rev = optarg;
			break;
		case 'f':
			if ((rc = cli_parse_format(&fmt, "check", optarg,
			                           1u << CLI_FORMAT_TEXT | 1u << CLI_FORMAT_JSON)) != 0)
				return rc;
			break;
		case 'h':
			return cli_help(cli_command_find("check"));
		default:
			return cli_usage_error("check", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("check", "give one mapping folder");
	if (optind < argc && rev != NULL)
		return cli_usage_error("check", "give a folder or --rev, not both");

	if (optind < argc) {
		if ((dir = mapping_dir(argv[optind])) == NULL)
			goto oom;
	} else {
		if ((rc = cli_workspace(&ws, g)) != CLI_EXIT_OK)
			return rc;
		if (rev == NULL &&
		    (dir = malloc(strlen(dsmap_workspace_path(ws)) + 16)) != NULL)
			sprintf(dir, "%s/mappings", dsmap_workspace_path(ws));
		else if (rev == NULL)
			goto oom;
	}
	if (dir != NULL) {
		rc = dsmap_mapping_load_dir(&m, dir);
		prefix = malloc(strlen(dir) + 2);
		source = strdup(dir);
		if (prefix != NULL)
			sprintf(prefix, "%s/", dir);
	} else {
		rc = dsmap_mapping_load_rev(&m, ws, rev);
		prefix = malloc(strlen(rev) + 16);
		source = strdup(rev);
		if (prefix != NULL)
			sprintf(prefix, "%s:mappings/", rev);
	}
	if (m == NULL) {
		rc = cli_fail("check");
		goto done;
	}
	if (prefix == NULL || source == NULL)
		goto oom;
	if (fmt == CLI_FORMAT_JSON)
		rc = print_json(source, prefix, m);
	else {
		print_text(prefix, m);
		rc = CLI_EXIT_OK;
	}
	if (rc == CLI_EXIT_OK && dsmap_mapping_diag_count(m) > 0) {
		dsmap_mapping_counts n;

		dsmap_mapping_counts_get(&n, m);
		if (n.errors > 0)
			rc = CLI_EXIT_ERROR;
	}
done:
	dsmap_mapping_free(m);
	dsmap_workspace_free(ws);
	free(prefix);
	free(source);
	free(dir);
	return rc;
oom:
	fprintf(stderr, "dsmap: check: out of memory\n");
	rc = CLI_EXIT_ERROR;
	goto done;
}
