/*
 * dsmap status: what the workspace holds.
 */
#include "config.h"

#include <getopt.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

static void print_text(const dsmap_status *st)
{
	char b1[32], b2[32], b3[32], t[40];
	size_t i;

	printf("workspace   %s\n", st->path);
	printf("created     %s\n", cli_time(t, sizeof(t), st->created));
	if (st->head[0])
		printf("mapping     HEAD %.12s  %s\n", st->head, st->head_summary);
	else
		printf("mapping     no commit yet\n");
	if (st->synced[0] == '\0')
		printf("synced      nothing yet\n");
	else if (strcmp(st->synced, st->head) == 0)
		printf("synced      %.12s (HEAD)\n", st->synced);
	else
		printf("synced      %.12s (behind HEAD)\n", st->synced);
	printf("store       %s used, file %s, map %s, schema %u\n",
	       cli_bytes(b1, sizeof(b1), st->store.used_size),
	       cli_bytes(b2, sizeof(b2), st->store.file_size),
	       cli_bytes(b3, sizeof(b3), st->store.map_size), st->store.schema);
	if (st->system_count == 0) {
		printf("systems     none (declare one in mappings/systems/ID.yaml)\n");
		return;
	}
	printf("systems     %zu\n", st->system_count);
	printf("  %-24s %-9s %-24s %12s %12s\n", "ID", "DECLARED", "LAST SCAN", "RECORDS", "SUBJECTS");
	for (i = 0; i < st->system_count; i++) {
		const dsmap_system_status *s = &st->systems[i];

		printf("  %-24s %-9s %-24s %12llu %12llu\n", s->id, s->declared ? "yes" : "no",
		       cli_time(t, sizeof(t), s->last_scan), (unsigned long long)s->records,
		       (unsigned long long)s->subjects);
	}
	for (i = 0; i < st->system_count; i++) {
		const dsmap_system_status *s = &st->systems[i];
		char t2[64];
		size_t k;

		if (s->failed_at != 0)
			printf("\n%s: its last scan failed at %s: %s%s\n", s->id,
			       cli_time(t, sizeof(t), s->failed_at), s->failure ? s->failure : "",
			       s->last_scan ? "; the inventory below is from its last good scan" : "");
		if (s->retired != 0)
			printf("\n%s: no longer in the mapping since %s: it answers no more; its "
			       "last scan held %llu subjects\n", s->id, cli_time(t, sizeof(t), s->retired),
			       (unsigned long long)s->subjects);
		if (s->last_scan == 0 || s->retired != 0)
			continue;
		printf("\n%s: %zu categories held", s->id, s->category_count);
		if (s->commit[0])
			printf(", defined at %.12s", s->commit);
		if (s->first_seen > 0)
			printf(", records from %s to %s", cli_time(t, sizeof(t), s->first_seen),
			       cli_time(t2, sizeof(t2), s->last_seen));
		printf("\n");
		if (s->rejected > 0 || s->invalid > 0)
			printf("  %llu records left out, %llu identifiers refused (dsmap scan %s says why)\n",
			       (unsigned long long)s->rejected, (unsigned long long)s->invalid, s->id);
		if (s->ident_rules == 1)
			printf("  scanned before e-mail domains were read through IDNA (identifier rules "
			       "1): rescan it (dsmap scan %s) so that every spelling of an address "
			       "finds it\n", s->id);
		for (k = 0; k < s->conflict_count; k++)
			printf("  identity conflict: %llu %s identifier%s, each naming more than %d "
			       "subjects (up to %llu); dsmap locate does not follow %s\n",
			       (unsigned long long)s->conflicts[k].identifiers, s->conflicts[k].kind,
			       s->conflicts[k].identifiers == 1 ? "" : "s", DSMAP_LOCATE_MAX_JOIN,
			       (unsigned long long)s->conflicts[k].most_subjects,
			       s->conflicts[k].identifiers == 1 ? "it" : "them");
		printf("  %-48s %12s %12s\n", "CATEGORY", "SUBJECTS", "RECORDS");
		for (k = 0; k < s->category_count; k++)
			printf("  %-48s %12llu %12llu\n", s->categories[k].category,
			       (unsigned long long)s->categories[k].subjects,
			       (unsigned long long)s->categories[k].records);
	}
}

static int print_json(const dsmap_status *st)
{
	json_t *root, *systems;
	size_t i;
	int rc, bad;

	systems = json_array();
	bad = systems == NULL;
	for (i = 0; i < st->system_count; i++) {
		const dsmap_system_status *s = &st->systems[i];

		json_t *cats = json_array(), *conflicts;
		size_t k;

		for (k = 0; k < s->category_count; k++)
			cli_json_push(cats, json_pack("{s:s, s:I, s:I}",
			    "category", s->categories[k].category,
			    "subjects", (json_int_t)s->categories[k].subjects,
			    "records", (json_int_t)s->categories[k].records), &bad);
		conflicts = json_array();
		for (k = 0; k < s->conflict_count; k++)
			cli_json_push(conflicts, json_pack("{s:s, s:I, s:I}",
			    "kind", s->conflicts[k].kind,
			    "identifiers", (json_int_t)s->conflicts[k].identifiers,
			    "most_subjects", (json_int_t)s->conflicts[k].most_subjects), &bad);
		cli_json_push(systems, json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, "
		    "s:I, s:s?, s:o, s:I, s:I, s:s?, s:o, s:i}",
		    "id", s->id, "declared", s->declared, "last_scan", (json_int_t)s->last_scan,
		    "records", (json_int_t)s->records, "subjects", (json_int_t)s->subjects,
		    "rejected", (json_int_t)s->rejected, "invalid_identifiers", (json_int_t)s->invalid,
		    "first_seen", (json_int_t)s->first_seen, "last_seen", (json_int_t)s->last_seen,
		    "commit", s->commit[0] ? s->commit : NULL, "categories", cats,
		    "retired", (json_int_t)s->retired, "failed_at", (json_int_t)s->failed_at,
		    "failure", s->failure, "identity_conflicts", conflicts,
		    "identifier_rules", s->ident_rules), &bad);
	}
	if (bad) {
		json_decref(systems);
		fprintf(stderr, "dsmap: status: out of memory building JSON\n");
		return CLI_EXIT_ERROR;
	}
	root = json_pack("{s:i, s:s, s:I, s:{s:s?, s:s}, s:s?, s:o, s:{s:i, s:I, s:I, s:I, s:i}}",
	    "schema", CLI_JSON_SCHEMA,
	    "workspace", st->path,
	    "created", (json_int_t)st->created,
	    "head", "commit", st->head[0] ? st->head : NULL, "summary", st->head_summary,
	    "synced", st->synced[0] ? st->synced : NULL,
	    "systems", systems,
	    "store", "schema", (int)st->store.schema,
	    "used_bytes", (json_int_t)st->store.used_size,
	    "file_bytes", (json_int_t)st->store.file_size,
	    "map_bytes", (json_int_t)st->store.map_size,
	    "page_size", (int)st->store.page_size);
	if (root == NULL) {
		fprintf(stderr, "dsmap: status: out of memory building JSON\n");
		return CLI_EXIT_ERROR;
	}
	rc = json_dumpf(root, stdout, JSON_INDENT(2));
	json_decref(root);
	putchar('\n');
	return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

int cmd_status(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum cli_format fmt = CLI_FORMAT_TEXT;
	dsmap_workspace *ws = NULL;
	dsmap_status *st = NULL;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((rc = cli_parse_format(&fmt, "status", optarg,
			                           1u << CLI_FORMAT_TEXT | 1u << CLI_FORMAT_JSON)) != 0)
				return rc;
			break;
		case 'h':
			return cli_help(cli_command_find("status"));
		default:
			return cli_usage_error("status", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("status", "takes no arguments");
	if ((rc = cli_workspace(&ws, g)) != CLI_EXIT_OK)
		return rc;
	if (dsmap_workspace_status(&st, ws) < 0) {
		rc = cli_fail("status");
	} else if (fmt == CLI_FORMAT_JSON) {
		rc = print_json(st);
	} else {
		print_text(st);
		rc = CLI_EXIT_OK;
	}
	dsmap_status_free(st);
	dsmap_workspace_free(ws);
	return rc;
}
