/*
 * The library's render layer for answers the CLI and the HTTP server both
 * give: here, the workspace status (dsmap_status_render()), the scan
 * report (dsmap_scan_report_render()) and a mapping's check
 * (dsmap_mapping_check_render()).  Every jansson
 * insert is checked: a failed one is DSMAP_ENOMEM, never a silently
 * shorter answer.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dsmap/lineage.h"
#include "dsmap/mapping.h"
#include "dsmap/scan.h"
#include "dsmap/workspace.h"
#include "alloc.h"
#include "errors.h"
#include "jsonutil.h"

/* Set o[key] = v (v's reference is taken, also on failure); -1 on failure
 * or when v is NULL (an allocation that failed). */
static int put(json_t *o, const char *key, json_t *v)
{
	if (o == NULL || v == NULL) {
		json_decref(v);
		return -1;
	}
	return json_object_set_new(o, key, v) == 0 ? 0 : -1;
}

static int append(json_t *a, json_t *v)
{
	if (a == NULL || v == NULL) {
		json_decref(v);
		return -1;
	}
	return json_array_append_new(a, v) == 0 ? 0 : -1;
}

static json_t *str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *system_json(const dsmap_system_status *s)
{
	json_t *o = json_object(), *cats = json_array(), *conflicts = json_array();
	size_t k;
	int bad = 0;

	for (k = 0; !bad && k < s->category_count; k++) {
		json_t *c = json_object();

		bad |= put(c, "category", json_string(s->categories[k].category)) |
		       put(c, "subjects", json_integer((json_int_t)s->categories[k].subjects)) |
		       put(c, "records", json_integer((json_int_t)s->categories[k].records));
		bad |= append(cats, c);
	}
	for (k = 0; !bad && k < s->conflict_count; k++) {
		json_t *c = json_object();

		bad |= put(c, "kind", json_string(s->conflicts[k].kind)) |
		       put(c, "identifiers", json_integer((json_int_t)s->conflicts[k].identifiers)) |
		       put(c, "most_subjects", json_integer((json_int_t)s->conflicts[k].most_subjects));
		bad |= append(conflicts, c);
	}
	if (bad) {
		json_decref(cats);
		json_decref(conflicts);
		json_decref(o);
		return NULL;
	}
	bad |= put(o, "id", json_string(s->id));
	bad |= put(o, "declared", json_boolean(s->declared));
	bad |= put(o, "last_scan", json_integer((json_int_t)s->last_scan));
	bad |= put(o, "records", json_integer((json_int_t)s->records));
	bad |= put(o, "subjects", json_integer((json_int_t)s->subjects));
	bad |= put(o, "rejected", json_integer((json_int_t)s->rejected));
	bad |= put(o, "invalid_identifiers", json_integer((json_int_t)s->invalid));
	bad |= put(o, "first_seen", json_integer((json_int_t)s->first_seen));
	bad |= put(o, "last_seen", json_integer((json_int_t)s->last_seen));
	bad |= put(o, "commit", s->commit[0] ? json_string(s->commit) : json_null());
	bad |= put(o, "categories", cats);
	bad |= put(o, "retired", json_integer((json_int_t)s->retired));
	bad |= put(o, "failed_at", json_integer((json_int_t)s->failed_at));
	bad |= put(o, "failure", str_or_null(s->failure));
	bad |= put(o, "identity_conflicts", conflicts);
	bad |= put(o, "identifier_rules", json_integer(s->ident_rules));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *status_json(const dsmap_status *st)
{
	json_t *root = json_object(), *systems = json_array(), *head = json_object(),
	       *store = json_object();
	size_t i;
	int bad = 0;

	for (i = 0; !bad && i < st->system_count; i++)
		bad |= append(systems, system_json(&st->systems[i]));
	bad |= put(head, "commit", st->head[0] ? json_string(st->head) : json_null());
	bad |= put(head, "summary", json_string(st->head_summary ? st->head_summary : ""));
	bad |= put(store, "schema", json_integer((json_int_t)st->store.schema));
	bad |= put(store, "used_bytes", json_integer((json_int_t)st->store.used_size));
	bad |= put(store, "file_bytes", json_integer((json_int_t)st->store.file_size));
	bad |= put(store, "map_bytes", json_integer((json_int_t)st->store.map_size));
	bad |= put(store, "page_size", json_integer((json_int_t)st->store.page_size));
	bad |= put(root, "schema", json_integer(DSMAP_STATUS_SCHEMA));
	bad |= put(root, "workspace", json_string(st->path));
	bad |= put(root, "created", json_integer((json_int_t)st->created));
	bad |= put(root, "head", head);
	bad |= put(root, "synced", st->synced[0] ? json_string(st->synced) : json_null());
	bad |= put(root, "systems", systems);
	bad |= put(root, "store", store);
	if (bad) {
		json_decref(root);
		return NULL;
	}
	return root;
}

int dsmap_status_render(char **out, const dsmap_status *st, int format)
{
	json_t *root;

	if (out == NULL || st == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_status_render: NULL argument");
	*out = NULL;
	if (format != DSMAP_FORMAT_JSON && format != DSMAP_FORMAT_JSON_LINE)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_status_render: format %d: the status "
		                        "renders as JSON only", format);
	if ((root = status_json(st)) == NULL)
		return dsmap_error__oom();
	*out = dsmap__json_dumpln(root, format == DSMAP_FORMAT_JSON ? JSON_INDENT(2) : JSON_COMPACT);
	json_decref(root);
	return *out != NULL ? 0 : dsmap_error__oom();
}

static json_t *scan_system_json(const dsmap_scan_system *s)
{
	json_t *o = json_object(), *issues = json_array();
	size_t k, e;
	int bad = 0;

	bad |= put(o, "system", json_string(s->system));
	bad |= put(o, "plugin", json_string(s->plugin));
	bad |= put(o, "ok", json_boolean(s->error == 0));
	bad |= put(o, "error", str_or_null(s->message));
	bad |= put(o, "records", json_integer((json_int_t)s->records));
	bad |= put(o, "subjects", json_integer((json_int_t)s->subjects));
	bad |= put(o, "categories", json_integer((json_int_t)s->categories));
	bad |= put(o, "rejected", json_integer((json_int_t)s->rejected));
	bad |= put(o, "invalid_identifiers", json_integer((json_int_t)s->invalid));
	bad |= put(o, "seconds", json_real(s->seconds));
	for (k = 0; !bad && k < s->issue_count; k++) {
		const dsmap_scan_issue *is = &s->issues[k];
		json_t *io = json_object(), *ex = json_array();

		for (e = 0; !bad && e < is->example_count; e++)
			bad |= append(ex, json_integer((json_int_t)is->examples[e]));
		bad |= put(io, "source", json_string(is->source));
		bad |= put(io, "kind", str_or_null(is->kind));
		bad |= put(io, "reason", json_string(is->reason));
		bad |= put(io, "count", json_integer((json_int_t)is->count));
		bad |= put(io, is->lines ? "lines" : "records", ex);
		bad |= append(issues, io);
	}
	bad |= put(o, "issues", issues);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int dsmap_scan_report_render(char **out, const dsmap_scan_report *report, int format)
{
	json_t *root, *systems;
	size_t i;
	int bad = 0;

	if (out == NULL || report == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_scan_report_render: NULL argument");
	*out = NULL;
	if (format != DSMAP_FORMAT_JSON && format != DSMAP_FORMAT_JSON_LINE)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_scan_report_render: format %d: the "
		                        "report renders as JSON only", format);
	root = json_object();
	systems = json_array();
	bad |= put(root, "schema", json_integer(DSMAP_SCAN_REPORT_SCHEMA));
	for (i = 0; !bad && i < dsmap_scan_report_count(report); i++)
		bad |= append(systems, scan_system_json(dsmap_scan_report_get(report, i)));
	bad |= put(root, "systems", systems);
	if (bad) {
		json_decref(root);
		return dsmap_error__oom();
	}
	*out = dsmap__json_dumpln(root, JSON_PRESERVE_ORDER |
	               (format == DSMAP_FORMAT_JSON ? JSON_INDENT(2) : JSON_COMPACT));
	json_decref(root);
	return *out != NULL ? 0 : dsmap_error__oom();
}

static const char *severity_name(int s)
{
	return s == DSMAP_DIAG_ERROR ? "error" : s == DSMAP_DIAG_WARNING ? "warning" : "note";
}

static int count(json_t *o, const char *key, size_t n)
{
	return put(o, key, json_integer((json_int_t)n));
}

int dsmap_mapping_check_render(char **out, const dsmap_mapping *m, const char *source,
                               const char *prefix, int format)
{
	dsmap_mapping_counts n;
	json_t *root, *diags, *counts, *groups;
	size_t i, ndiag;
	int bad = 0;

	if (out == NULL || m == NULL || source == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_mapping_check_render: NULL argument");
	*out = NULL;
	if (format != DSMAP_FORMAT_JSON && format != DSMAP_FORMAT_JSON_LINE)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_mapping_check_render: format %d: "
		                        "a check renders as JSON only", format);
	if (prefix == NULL)
		prefix = "";
	root = json_object();
	diags = json_array();
	counts = json_object();
	groups = json_object();
	ndiag = dsmap_mapping_diag_count(m);
	for (i = 0; !bad && i < ndiag; i++) {
		const dsmap_diag *d = dsmap_mapping_diag(m, i);
		json_t *o = json_object();

		bad |= put(o, "severity", json_string(severity_name(d->severity)));
		bad |= put(o, "file", json_string(d->file));
		bad |= put(o, "path", json_sprintf("%s%s", prefix, d->file));
		bad |= put(o, "line", json_integer((json_int_t)(int)d->line));
		bad |= put(o, "column", json_integer((json_int_t)(int)d->column));
		bad |= put(o, "message", json_string(d->message));
		bad |= append(diags, o);
	}
	dsmap_mapping_counts_get(&n, m);
	bad |= count(counts, "categories", n.categories);
	bad |= count(groups, "collected", n.categories_in_group[0]);
	bad |= count(groups, "obtained", n.categories_in_group[1]);
	bad |= count(groups, "observed", n.categories_in_group[2]);
	bad |= count(groups, "derived", n.categories_in_group[3]);
	bad |= put(counts, "categories_by_group", groups);
	bad |= count(counts, "categories_not_in_section_4", n.categories_extra);
	bad |= count(counts, "category_aliases", n.category_aliases);
	bad |= count(counts, "recipients", n.recipients);
	bad |= count(counts, "recipients_outside_eea", n.recipients_outside_eea);
	bad |= count(counts, "subject_kinds", n.subject_kinds);
	bad |= count(counts, "rights", n.rights);
	bad |= count(counts, "purposes", n.purposes);
	bad |= count(counts, "purpose_category_links", n.purpose_edges_category);
	bad |= count(counts, "purpose_recipient_links", n.purpose_edges_recipient);
	bad |= count(counts, "systems", n.systems);
	bad |= count(counts, "system_sources", n.system_sources);
	bad |= count(counts, "errors", n.errors);
	bad |= count(counts, "warnings", n.warnings);
	bad |= count(counts, "files", n.files);
	bad |= put(root, "schema", json_integer(DSMAP_CHECK_SCHEMA));
	bad |= put(root, "source", json_string(source));
	bad |= put(root, "ok", json_boolean(n.errors == 0));
	bad |= put(root, "counts", counts);
	bad |= put(root, "diagnostics", diags);
	bad |= count(root, "diagnostics_omitted", dsmap_mapping_diag_omitted(m));
	if (bad) {
		json_decref(root);
		return dsmap_error__oom();
	}
	*out = dsmap__json_dumpln(root, format == DSMAP_FORMAT_JSON ? JSON_INDENT(2) : JSON_COMPACT);
	json_decref(root);
	return *out != NULL ? 0 : dsmap_error__oom();
}
