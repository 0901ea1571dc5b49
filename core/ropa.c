/*
 * dsmap ropa: the record of processing activities (GDPR art. 30(1)) of a
 * revision, one entry per purpose.
 *
 * The register is built once as a JSON value (the "json" form), from the
 * revision's graph in the store and, for what the graph does not hold
 * (the controller, the DPO, the contacts, the notice's title and its
 * general transfers outside the EEA), from notice.yaml and recipients.yaml
 * in the revision's commit.  The text, CSV and HTML forms are rendered
 * from that value, so the four forms say the same.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <xlsxwriter.h>
#include <yaml.h>

#include "dsmap/ropa.h"
#include "alloc.h"
#include "errors.h"
#include "git.h"
#include "jsonutil.h"
#include "lineage.h"
#include "ls.h"
#include "ropa.h"
#include "util.h"
#include "words.h"
#include "workspace.h"
#include "yamldoc.h"

#define BLOB_MAX (8u << 20)   /* as the mapping loader: a larger file is refused */
#define WORDS_MAX 512

/* ---- small helpers ------------------------------------------------------------------ */

/* Every insert is checked: a failed one is DSMAP_ENOMEM, never a shorter
 * register.  json_object_set_new() and json_array_append_new() take the
 * value's reference even when they fail, and fail on a NULL value. */
static int set(json_t *o, const char *key, json_t *v)
{
	return json_object_set_new(o, key, v) == 0 ? 0 : -1;
}

static int push(json_t *a, json_t *v)
{
	return json_array_append_new(a, v) == 0 ? 0 : -1;
}

static json_t *jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* A copy of `key` of `from` (null when absent) under `key` of `to`. */
static int copy(json_t *to, json_t *from, const char *key)
{
	json_t *v = json_object_get(from, key);

	return set(to, key, v != NULL ? json_deep_copy(v) : json_null());
}

static int copy_keys(json_t *to, json_t *from, const char *const *keys)
{
	for (; *keys != NULL; keys++)
		if (copy(to, from, *keys) != 0)
			return -1;
	return 0;
}

static const char *sval(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

#define L(lang, en, fr) (strcmp((lang), "fr") == 0 ? (fr) : (en))

/* ---- what the graph does not hold: read from the revision's commit ------------------ */

/* The bytes of `path` in commit `oid`, newly allocated, NUL-terminated. */
static int read_blob(dsmap_workspace *ws, const unsigned char *oidbytes, const char *hex,
                     const char *path, char **data, size_t *len)
{
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	git_oid oid;
	int rc;

	*data = NULL;
	if ((rc = dsmap_workspace__git(ws)) < 0)
		return rc;
	memcpy(oid.id, oidbytes, DSMAP__OID_SIZE);
	if ((rc = git_commit_lookup(&commit, ws->repo, &oid)) < 0) {
		rc = rc == GIT_ENOTFOUND ?
		     dsmap_error__set(DSMAP_ENOTFOUND, "revision %.12s is synced in the store but its "
		                      "commit is not in the workspace's repository (was its history "
		                      "rewritten?); the register needs its notice.yaml", hex) :
		     dsmap_git__error(rc, "revision %.12s", hex);
		goto done;
	}
	if ((rc = git_commit_tree(&tree, commit)) < 0) {
		rc = dsmap_git__error(rc, "revision %.12s: tree", hex);
		goto done;
	}
	if ((rc = git_tree_entry_bypath(&entry, tree, path)) < 0) {
		rc = rc == GIT_ENOTFOUND ?
		     dsmap_error__set(DSMAP_ENOTFOUND, "%.12s:%s: no such file", hex, path) :
		     dsmap_git__error(rc, "%.12s:%s", hex, path);
		goto done;
	}
	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB) {
		rc = dsmap_error__set(DSMAP_EINVALID, "%.12s:%s: not a regular file", hex, path);
		goto done;
	}
	if ((rc = git_blob_lookup(&blob, ws->repo, git_tree_entry_id(entry))) < 0) {
		rc = dsmap_git__error(rc, "%.12s:%s", hex, path);
		goto done;
	}
	*len = (size_t)git_blob_rawsize(blob);
	if (*len > BLOB_MAX) {
		rc = dsmap_error__set(DSMAP_EINVALID, "%.12s:%s is too large", hex, path);
		goto done;
	}
	if ((*data = dsmap__malloc(*len + 1)) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	memcpy(*data, git_blob_rawcontent(blob), *len);
	(*data)[*len] = '\0';
	rc = 0;
done:
	git_blob_free(blob);
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(commit);
	return rc;
}

static yaml_node_t *yget(yaml_document_t *d, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);

		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

/* A scalar as JSON: a string, or null for an absent node, a plain null. */
static json_t *yjson_str(yaml_node_t *n)
{
	const char *s;

	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return json_null();
	s = (const char *)n->data.scalar.value;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (strcmp(s, "null") == 0 || strcmp(s, "~") == 0 || *s == '\0'))
		return json_null();
	return json_stringn(s, n->data.scalar.length);
}

/* An object with `keys` of YAML mapping `map`, each a string or null. */
static json_t *yjson_obj(yaml_document_t *d, yaml_node_t *map, const char *const *keys)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	for (; *keys != NULL; keys++)
		if (set(o, *keys, yjson_str(yget(d, map, *keys))) != 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

/* The scalars of a YAML sequence, as a JSON array of strings. */
static json_t *yjson_strs(yaml_document_t *d, yaml_node_t *seq)
{
	json_t *a = json_array();
	yaml_node_item_t *i;

	if (a == NULL || seq == NULL || seq->type != YAML_SEQUENCE_NODE)
		return a;
	for (i = seq->data.sequence.items.start; i < seq->data.sequence.items.top; i++) {
		json_t *s = yjson_str(yaml_document_get_node(d, *i));

		if (!json_is_string(s)) {
			json_decref(s);
			continue;
		}
		if (push(a, s) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* Load `path` of the revision as a YAML document. */
static int load_yaml(yaml_document_t *doc, dsmap_workspace *ws, struct dsmap__graph *g,
                     const char *path)
{
	struct dsmap__yaml_error err;
	char *data = NULL;
	size_t len = 0;
	int rc;

	if ((rc = read_blob(ws, g->oid, g->hex, path, &data, &len)) < 0)
		return rc;
	rc = dsmap__yaml_load(doc, data, len, &err);
	free(data);
	if (rc == DSMAP_EINVALID)
		return dsmap_error__set(DSMAP_ERROR, "%.12s:%s:%u:%u: %s", g->hex, path, err.line,
		                        err.column, err.message);
	return rc;
}

static const char *const controller_keys[] = { "name", "address", "section", "text_fr", NULL };
static const char *const dpo_keys[] = { "section", "title_fr", "email", "address", "web_form_fr",
                                        NULL };
static const char *const contact_keys[] = { "id", "name_fr", "phone", "email", "address", "web",
                                            NULL };

/* notice.yaml: the notice's titles, the controller, the DPO, the contacts. */
static int read_notice(json_t *reg, json_t *notice, dsmap_workspace *ws, struct dsmap__graph *g)
{
	yaml_document_t doc;
	yaml_node_t *n, *seq;
	json_t *contacts;
	int rc;

	if ((rc = load_yaml(&doc, ws, g, "mappings/notice.yaml")) < 0)
		return rc;
	n = yget(&doc, yaml_document_get_root_node(&doc), "notice");
	rc = dsmap_error__oom();
	if (set(notice, "title_fr", yjson_str(yget(&doc, n, "title_fr"))) != 0 ||
	    set(notice, "title_en", yjson_str(yget(&doc, n, "title_en"))) != 0 ||
	    set(reg, "controller", yjson_obj(&doc, yget(&doc, n, "controller"), controller_keys)) != 0 ||
	    set(reg, "dpo", yjson_obj(&doc, yget(&doc, n, "dpo"), dpo_keys)) != 0 ||
	    set(reg, "contacts", contacts = json_array()) != 0)
		goto done;
	seq = yget(&doc, n, "contacts");
	if (seq != NULL && seq->type == YAML_SEQUENCE_NODE) {
		yaml_node_item_t *i;

		for (i = seq->data.sequence.items.start; i < seq->data.sequence.items.top; i++) {
			yaml_node_t *c = yaml_document_get_node(&doc, *i);
			json_t *o = yjson_obj(&doc, c, contact_keys);

			if (push(contacts, o) != 0 ||
			    set(o, "sections", yjson_strs(&doc, yget(&doc, c, "sections"))) != 0)
				goto done;
		}
	}
	if (json_is_null(json_object_get(json_object_get(reg, "controller"), "name"))) {
		rc = dsmap_error__set(DSMAP_ERROR, "%.12s:mappings/notice.yaml: notice.controller has "
		                      "no name", g->hex);
		goto done;
	}
	rc = 0;
done:
	yaml_document_delete(&doc);
	return rc;
}

/* recipients.yaml: the transfers outside the EEA that section 5 states for
 * the processors in general (the graph keeps only each recipient's). */
static int read_general_transfers(json_t *reg, dsmap_workspace *ws, struct dsmap__graph *g)
{
	static const char *const keys[] = { "section", "text_fr", NULL };
	yaml_document_t doc;
	yaml_node_t *seq;
	yaml_node_item_t *i;
	json_t *out;
	int rc;

	if ((rc = load_yaml(&doc, ws, g, "mappings/recipients.yaml")) < 0)
		return rc;
	rc = dsmap_error__oom();
	if (set(reg, "transfers_outside_eea", out = json_array()) != 0)
		goto done;
	seq = yget(&doc, yaml_document_get_root_node(&doc), "transfers_outside_eea");
	if (seq != NULL && seq->type == YAML_SEQUENCE_NODE)
		for (i = seq->data.sequence.items.start; i < seq->data.sequence.items.top; i++) {
			yaml_node_t *t = yaml_document_get_node(&doc, *i);
			json_t *o = yjson_obj(&doc, t, keys);

			if (push(out, o) != 0 ||
			    set(o, "countries", yjson_strs(&doc, yget(&doc, t, "countries"))) != 0 ||
			    set(o, "safeguards", yjson_strs(&doc, yget(&doc, t, "safeguards"))) != 0 ||
			    set(o, "applies_to", json_string("processor")) != 0)
				goto done;
		}
	rc = 0;
done:
	yaml_document_delete(&doc);
	return rc;
}

/* ---- the entries ---------------------------------------------------------------------- */

static json_t *node(struct dsmap__graph *g, enum dsmap__graph_type type, const char *id, int *rc)
{
	json_t *n = dsmap__graph_node(g, type, id, rc);

	if (n == NULL && *rc == 0)
		*rc = dsmap_error__set(DSMAP_ECORRUPT, "store %s: revision %.12s: node '%s' is missing",
		                       g->s->path, g->hex, id);
	return n;
}

/* Append to `out` an object with `keys` of each node `type` that `ids` names. */
static int nodes(json_t *out, struct dsmap__graph *g, enum dsmap__graph_type type, json_t *ids,
                 const char *const *keys)
{
	json_t *id;
	size_t i;
	int rc;

	json_array_foreach(ids, i, id) {
		json_t *n, *o;

		if (!json_is_string(id))
			continue;
		if ((n = node(g, type, json_string_value(id), &rc)) == NULL)
			return rc;
		o = json_object();
		/* push() takes `o` even when it fails */
		rc = push(out, o) != 0 || copy_keys(o, n, keys) != 0 ? dsmap_error__oom() : 0;
		json_decref(n);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* A transfer as the register shows it. */
static json_t *transfer(json_t *t, const char *from, const char *recipient)
{
	static const char *const keys[] = { "section", "countries", "safeguards", "text_fr", NULL };
	json_t *o = json_object();

	if (o == NULL || set(o, "from", json_string(from)) != 0 ||
	    set(o, "recipient", jstr(recipient)) != 0 || copy_keys(o, t, keys) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The period of retention rule `r` in words, as a new JSON string. */
static json_t *period(json_t *r, const char *lang)
{
	char w[WORDS_MAX];

	return json_string(dsmap__duration_range_words(w, sizeof(w), sval(r, "duration_min"),
	                                                sval(r, "duration"), sval(r, "trigger"), lang));
}

/* The retention rules with their periods in words, and the periods that
 * apply to each category (a rule without categories applies to all). */
static json_t *retention(json_t *p)
{
	static const char *const keys[] = { "categories", "duration", "duration_min", "trigger",
	                                    "condition_fr", "scope_fr", NULL };
	json_t *ret = json_object(), *rules, *by, *r, *ref;
	json_t *src = json_object_get(json_object_get(p, "retention"), "rules");
	size_t i, j;

	if (ret == NULL || set(ret, "text_fr", jstr(sval(json_object_get(p, "retention"), "text_fr"))) != 0 ||
	    set(ret, "rules", rules = json_array()) != 0 || set(ret, "by_category", by = json_array()) != 0)
		goto oom;
	json_array_foreach(src, i, r) {
		json_t *o = json_object();

		if (push(rules, o) != 0 || copy_keys(o, r, keys) != 0 ||
		    set(o, "period_en", period(r, "en")) != 0 || set(o, "period_fr", period(r, "fr")) != 0)
			goto oom;
	}
	json_array_foreach(json_object_get(p, "categories"), i, ref) {
		json_t *o = json_object(), *en, *fr;

		if (push(by, o) != 0 || set(o, "ref", json_incref(ref)) != 0 ||
		    set(o, "periods_en", en = json_array()) != 0 ||
		    set(o, "periods_fr", fr = json_array()) != 0)
			goto oom;
		json_array_foreach(src, j, r) {
			json_t *cats = json_object_get(r, "categories");

			if ((json_is_null(cats) || cats == NULL ||
			     dsmap__json_has(cats, json_string_value(ref))) &&
			    (push(en, period(r, "en")) != 0 || push(fr, period(r, "fr")) != 0))
				goto oom;
		}
	}
	return ret;
oom:
	json_decref(ret);
	return NULL;
}

static const char *const purpose_keys[] = { "id", "section", "title_fr", "title_en", NULL };
static const char *const named_keys[] = { "id", "name_fr", "name_en", NULL };
static const char *const category_keys[] = { "ref", "group", "name_fr", "name_en", NULL };
static const char *const recipient_keys[] = { "id", "kind", "section", "name_fr", "name_en",
                                              NULL };

static int entry(json_t *entries, struct dsmap__graph *g, json_t *p, json_t *general)
{
	json_t *e, *o, *a, *x, *r;
	size_t i, j;
	int rc;

	if (sval(p, "id") == NULL)
		return dsmap_error__set(DSMAP_ECORRUPT, "store %s: revision %.12s: a purpose node has "
		                        "no id", g->s->path, g->hex);
	if (push(entries, e = json_object()) != 0)
		return dsmap_error__oom();
	if (set(e, "purpose", o = json_object()) != 0 || copy_keys(o, p, purpose_keys) != 0 ||
	    set(e, "joint_controllers", json_array()) != 0 ||
	    set(e, "subject_kinds", json_array()) != 0 || set(e, "categories", json_array()) != 0 ||
	    set(e, "recipient_kinds", json_array()) != 0 || set(e, "recipients", json_array()) != 0 ||
	    set(e, "transfers", json_array()) != 0 || set(e, "retention", retention(p)) != 0 ||
	    copy(e, p, "legal_bases") != 0 || set(e, "systems", json_array()) != 0)
		return dsmap_error__oom();
	if ((rc = nodes(json_object_get(e, "subject_kinds"), g, DSMAP__NODE_SUBJECT_KIND,
	                json_object_get(p, "subject_kinds"), named_keys)) != 0 ||
	    (rc = nodes(json_object_get(e, "categories"), g, DSMAP__NODE_CATEGORY,
	                json_object_get(p, "categories"), category_keys)) != 0 ||
	    (rc = nodes(json_object_get(e, "recipients"), g, DSMAP__NODE_RECIPIENT,
	                json_object_get(p, "recipients"), recipient_keys)) != 0 ||
	    (rc = dsmap__graph_edges(g, DSMAP__EDGE_SERVED_BY, sval(p, "id"),
	                             json_object_get(e, "systems"))) != 0)
		return rc;
	/* the transfers the purpose states, then its recipients' */
	a = json_object_get(e, "transfers");
	json_array_foreach(json_object_get(p, "transfers_outside_eea"), i, x)
		if (push(a, transfer(x, "purpose", NULL)) != 0)
			return dsmap_error__oom();
	json_array_foreach(json_object_get(p, "recipients"), i, r) {
		json_t *rn;
		const char *kind;

		if (!json_is_string(r))
			continue;
		if ((rn = node(g, DSMAP__NODE_RECIPIENT, json_string_value(r), &rc)) == NULL)
			return rc;
		kind = sval(rn, "kind");
		json_array_foreach(json_object_get(rn, "transfers_outside_eea"), j, x)
			if (push(a, transfer(x, "recipient", json_string_value(r))) != 0) {
				json_decref(rn);
				return dsmap_error__oom();
			}
		if (kind != NULL && dsmap__json_add_unique(json_object_get(e, "recipient_kinds"), kind) != 0) {
			json_decref(rn);
			return dsmap_error__oom();
		}
		if (kind != NULL && strcmp(kind, "joint-controller") == 0) {
			json_t *jc = json_object();

			if (push(json_object_get(e, "joint_controllers"), jc) != 0 ||
			    copy_keys(jc, rn, named_keys) != 0) {
				json_decref(rn);
				return dsmap_error__oom();
			}
		}
		json_decref(rn);
	}
	/* section 5's general transfers, where the purpose shares with a processor */
	if (dsmap__json_has(json_object_get(e, "recipient_kinds"), "processor"))
		json_array_foreach(general, i, x)
			if (push(a, transfer(x, "notice", NULL)) != 0)
				return dsmap_error__oom();
	return 0;
}

static int purpose_cmp(const void *pa, const void *pb)
{
	json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	int c = dsmap__section_cmp(sval(a, "section"), sval(b, "section"));

	if (c == 0) {
		const char *x = sval(a, "id"), *y = sval(b, "id");

		c = strcmp(x ? x : "", y ? y : "");
	}
	return c;
}

static int entries(json_t *reg, struct dsmap__graph *g)
{
	json_t *ids = json_array(), **v = NULL, *out, *id;
	size_t n = 0, i;
	int rc;

	if (ids == NULL || set(reg, "entries", out = json_array()) != 0) {
		rc = dsmap_error__oom();
		goto done;
	}
	if ((rc = dsmap__graph_ids(g, DSMAP__NODE_PURPOSE, ids)) < 0)
		goto done;
	if (json_array_size(ids) > 0 && (v = dsmap__calloc(json_array_size(ids), sizeof(*v))) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	json_array_foreach(ids, i, id) {
		if (!json_is_string(id))
			continue;
		if ((v[n] = node(g, DSMAP__NODE_PURPOSE, json_string_value(id), &rc)) == NULL)
			goto done;
		n++;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), purpose_cmp);
	for (i = 0; i < n; i++)
		if ((rc = entry(out, g, v[i], json_object_get(reg, "transfers_outside_eea"))) != 0)
			goto done;
	rc = 0;
done:
	for (i = 0; i < n; i++)
		json_decref(v[i]);
	free(v);
	json_decref(ids);
	return rc;
}

/* ---- the register as JSON --------------------------------------------------------------- */

static int iso_time(char *buf, size_t size, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_ropa: generation date %lld is out of range",
		                        (long long)t);
	return 0;
}

static int build(json_t **out, dsmap_workspace *ws, struct dsmap__graph *g, int64_t when)
{
	json_t *reg = json_object(), *notice = json_object(), *stored = NULL;
	char date[32];
	int rc;

	*out = NULL;
	if ((rc = iso_time(date, sizeof(date), when)) < 0)
		goto done;
	if ((stored = dsmap__graph_node(g, DSMAP__NODE_NOTICE, "notice", &rc)) == NULL) {
		rc = rc ? rc : dsmap_error__set(DSMAP_ECORRUPT, "store %s: revision %.12s has no notice "
		                                "node", g->s->path, g->hex);
		goto done;
	}
	if (reg == NULL || notice == NULL ||
	    set(reg, "schema", json_integer(1)) != 0 || set(reg, "kind", json_string("ropa")) != 0 ||
	    set(reg, "revision", json_string(g->hex)) != 0 ||
	    set(reg, "generated_at", json_string(date)) != 0 ||
	    set(reg, "notice", json_incref(notice)) != 0 ||
	    copy(notice, stored, "id") != 0 || copy(notice, stored, "version") != 0 ||
	    copy(notice, stored, "language") != 0) {
		rc = dsmap_error__oom();
		goto done;
	}
	if ((rc = read_notice(reg, notice, ws, g)) < 0 ||
	    (rc = read_general_transfers(reg, ws, g)) < 0 || (rc = entries(reg, g)) < 0)
		goto done;
	*out = json_incref(reg);
	rc = 0;
done:
	json_decref(stored);
	json_decref(notice);
	json_decref(reg);
	return rc;
}

/* ---- cells: the register's columns as text ------------------------------------------- */

enum { C_SECTION, C_ID, C_TITLE_FR, C_TITLE_EN, C_CONTROLLER, C_JOINT, C_DPO, C_SUBJECTS,
       C_CATEGORIES, C_RECIPIENT_KINDS, C_RECIPIENTS, C_TRANSFERS, C_RETENTION, C_LEGAL_BASES,
       C_SYSTEMS, C_COUNT };

static const char *const col_names[C_COUNT][2] = {
	{ "Section", "Section" },
	{ "Purpose id", "Identifiant de la finalité" },
	{ "Purpose (French)", "Finalité (français)" },
	{ "Purpose (English)", "Finalité (anglais)" },
	{ "Controller", "Responsable du traitement" },
	{ "Joint controllers", "Responsables conjoints" },
	{ "Data protection officer", "Délégué à la protection des données" },
	{ "Categories of data subjects", "Catégories de personnes concernées" },
	{ "Categories of personal data", "Catégories de données à caractère personnel" },
	{ "Categories of recipients", "Catégories de destinataires" },
	{ "Recipients", "Destinataires" },
	{ "Transfers to third countries", "Transferts vers des pays tiers" },
	{ "Retention", "Durée de conservation" },
	{ "Legal basis", "Base juridique" },
	{ "Systems", "Systèmes" },
};

static const char *col_name(int c, const char *lang)
{
	return col_names[c][strcmp(lang, "fr") == 0];
}

static const char *group_words(const char *g, const char *lang)
{
	static const char *const w[][3] = {
		{ "collected", "collected", "collectées" },
		{ "obtained", "obtained", "obtenues" },
		{ "observed", "observed or generated", "observées ou générées" },
		{ "derived", "derived", "dérivées" },
	};
	size_t i;

	for (i = 0; g != NULL && i < sizeof(w) / sizeof(w[0]); i++)
		if (strcmp(g, w[i][0]) == 0)
			return w[i][1 + (strcmp(lang, "fr") == 0)];
	return g ? g : "";
}

static const char *kind_words(const char *k, const char *lang)
{
	static const char *const w[][3] = {
		{ "processor", "processors, suppliers and partners (5.1)",
		  "sous-traitants, fournisseurs et partenaires (5.1)" },
		{ "joint-controller", "joint controllers (5.2)", "responsables de traitement conjoints (5.2)" },
		{ "group-company", "Proximus group companies (5.3)", "filiales du groupe Proximus (5.3)" },
		{ "authority", "government bodies (5.4)", "entités gouvernementales (5.4)" },
		{ "other-controller", "other third parties (independent controllers)",
		  "autres tiers (responsables de traitement distincts)" },
	};
	size_t i;

	for (i = 0; k != NULL && i < sizeof(w) / sizeof(w[0]); i++)
		if (strcmp(k, w[i][0]) == 0)
			return w[i][1 + (strcmp(lang, "fr") == 0)];
	return k ? k : "";
}

static const char *safeguard_words(const char *s, const char *lang)
{
	static const char *const w[][3] = {
		{ "adequacy-decision", "adequacy decision (GDPR art. 45)",
		  "décision d'adéquation (art. 45 RGPD)" },
		{ "standard-contractual-clauses", "standard contractual clauses (GDPR art. 46(2)(c))",
		  "clauses contractuelles types (art. 46(2)(c) RGPD)" },
		{ "necessary-for-service", "necessary for the service asked for (GDPR art. 49(1)(b))",
		  "nécessaire au service demandé (art. 49(1)(b) RGPD)" },
		{ "binding-corporate-rules", "binding corporate rules (GDPR art. 47)",
		  "règles d'entreprise contraignantes (art. 47 RGPD)" },
	};
	size_t i;

	for (i = 0; s != NULL && i < sizeof(w) / sizeof(w[0]); i++)
		if (strcmp(s, w[i][0]) == 0)
			return w[i][1 + (strcmp(lang, "fr") == 0)];
	return s ? s : "";
}

static const char *basis_words(const char *b, const char *lang)
{
	static const char *const w[][3] = {
		{ "6(1)(a)", "consent", "consentement" },
		{ "6(1)(b)", "performance of a contract", "exécution d'un contrat" },
		{ "6(1)(c)", "legal obligation", "obligation légale" },
		{ "6(1)(d)", "vital interests", "intérêts vitaux" },
		{ "6(1)(e)", "public interest", "mission d'intérêt public" },
		{ "6(1)(f)", "legitimate interests", "intérêts légitimes" },
	};
	size_t i;

	for (i = 0; b != NULL && i < sizeof(w) / sizeof(w[0]); i++)
		if (strcmp(b, w[i][0]) == 0)
			return w[i][1 + (strcmp(lang, "fr") == 0)];
	return "";
}

/* One value per line: a newline before every value but the first. */
static void sep(struct dsmap__out *o, int *first)
{
	if (!*first)
		dsmap__outf(o, "\n");
	*first = 0;
}

static void strings_line(struct dsmap__out *o, json_t *a, const char *join)
{
	json_t *x;
	size_t i;

	json_array_foreach(a, i, x)
		dsmap__outf(o, "%s%s", i ? join : "", json_string_value(x) ? json_string_value(x) : "");
}

/* The names of a node list, one per line. */
static void names(struct dsmap__out *o, json_t *a, const char *lang)
{
	json_t *x;
	size_t i;
	int first = 1;

	json_array_foreach(a, i, x) {
		sep(o, &first);
		dsmap__outf(o, "%s", dsmap__json_name(x, lang));
	}
}

/* The category names of refs `refs` ("all categories" for null). */
static void category_names(struct dsmap__out *o, json_t *e, json_t *refs, const char *lang)
{
	json_t *ref, *c;
	size_t i, j;

	if (!json_is_array(refs)) {
		dsmap__outf(o, "%s", L(lang, "all categories", "toutes les catégories"));
		return;
	}
	json_array_foreach(refs, i, ref) {
		const char *name = json_string_value(ref);

		json_array_foreach(json_object_get(e, "categories"), j, c)
			if (json_equal(json_object_get(c, "ref"), ref)) {
				name = dsmap__json_name(c, lang);
				break;
			}
		dsmap__outf(o, "%s%s", i ? ", " : "", name ? name : "");
	}
}

static void cell(struct dsmap__out *o, json_t *reg, json_t *e, int col, const char *lang)
{
	json_t *p = json_object_get(e, "purpose"), *x, *ctl = json_object_get(reg, "controller"),
	       *dpo = json_object_get(reg, "dpo");
	size_t i;
	int first = 1;

	switch (col) {
	case C_SECTION:
		dsmap__outf(o, "%s", dsmap__json_str(p, "section"));
		break;
	case C_ID:
		dsmap__outf(o, "%s", dsmap__json_str(p, "id"));
		break;
	case C_TITLE_FR:
		dsmap__outf(o, "%s", dsmap__json_str(p, "title_fr"));
		break;
	case C_TITLE_EN:
		dsmap__outf(o, "%s", dsmap__json_str(p, "title_en"));
		break;
	case C_CONTROLLER:
		dsmap__outf(o, "%s", dsmap__json_str(ctl, "name"));
		if (sval(ctl, "address"))
			dsmap__outf(o, "\n%s", sval(ctl, "address"));
		break;
	case C_JOINT:
		names(o, json_object_get(e, "joint_controllers"), lang);
		break;
	case C_DPO:
		if (sval(dpo, "email")) {
			sep(o, &first);
			dsmap__outf(o, "%s", sval(dpo, "email"));
		}
		if (sval(dpo, "address")) {
			sep(o, &first);
			dsmap__outf(o, "%s", sval(dpo, "address"));
		}
		break;
	case C_SUBJECTS:
		names(o, json_object_get(e, "subject_kinds"), lang);
		break;
	case C_CATEGORIES:
		json_array_foreach(json_object_get(e, "categories"), i, x) {
			sep(o, &first);
			dsmap__outf(o, "%s (%s)", dsmap__json_name(x, lang),
			            group_words(sval(x, "group"), lang));
		}
		break;
	case C_RECIPIENT_KINDS:
		json_array_foreach(json_object_get(e, "recipient_kinds"), i, x) {
			sep(o, &first);
			dsmap__outf(o, "%s", kind_words(json_string_value(x), lang));
		}
		break;
	case C_RECIPIENTS:
		names(o, json_object_get(e, "recipients"), lang);
		break;
	case C_TRANSFERS:
		json_array_foreach(json_object_get(e, "transfers"), i, x) {
			const char *from = sval(x, "from"), *rid = sval(x, "recipient");
			json_t *r, *s;
			size_t j;

			sep(o, &first);
			if (rid != NULL) {
				const char *name = rid;

				json_array_foreach(json_object_get(e, "recipients"), j, r)
					if (strcmp(dsmap__json_str(r, "id"), rid) == 0)
						name = dsmap__json_name(r, lang);
				dsmap__outf(o, "%s", name);
			} else if (from != NULL && strcmp(from, "notice") == 0) {
				dsmap__outf(o, "%s", L(lang, "processors", "sous-traitants"));
			} else {
				dsmap__outf(o, "%s", L(lang, "this purpose", "cette finalité"));
			}
			if (sval(x, "section"))
				dsmap__outf(o, " (%s)", sval(x, "section"));
			dsmap__outf(o, ": ");
			if (json_array_size(json_object_get(x, "countries")) > 0)
				strings_line(o, json_object_get(x, "countries"), ", ");
			else
				dsmap__outf(o, "%s", L(lang, "countries not named", "pays non précisés"));
			dsmap__outf(o, "; %s ", L(lang, "safeguards:", "garanties :"));
			if (json_array_size(json_object_get(x, "safeguards")) == 0)
				dsmap__outf(o, "%s", L(lang, "none stated", "aucune indiquée"));
			json_array_foreach(json_object_get(x, "safeguards"), j, s)
				dsmap__outf(o, "%s%s", j ? ", " : "", safeguard_words(json_string_value(s), lang));
		}
		break;
	case C_RETENTION:
		json_array_foreach(json_object_get(json_object_get(e, "retention"), "rules"), i, x) {
			const char *cond = sval(x, "condition_fr");

			sep(o, &first);
			category_names(o, e, json_object_get(x, "categories"), lang);
			dsmap__outf(o, ": %s", dsmap__json_str(x, strcmp(lang, "fr") == 0 ? "period_fr" :
			                                                                "period_en"));
			if (cond != NULL)
				dsmap__outf(o, " (« %s »)", cond);
		}
		break;
	case C_LEGAL_BASES:
		json_array_foreach(json_object_get(e, "legal_bases"), i, x) {
			const char *law = sval(x, "law");

			sep(o, &first);
			if (strcmp(lang, "fr") == 0)
				dsmap__outf(o, "art. %s RGPD", dsmap__json_str(x, "gdpr"));
			else
				dsmap__outf(o, "GDPR art. %s", dsmap__json_str(x, "gdpr"));
			dsmap__outf(o, " (%s)", basis_words(sval(x, "gdpr"), lang));
			if (json_array_size(json_object_get(x, "articles")) > 0) {
				dsmap__outf(o, "; art. ");
				strings_line(o, json_object_get(x, "articles"), ", ");
				if (law != NULL)
					dsmap__outf(o, ", %s", law);
			} else if (law != NULL) {
				dsmap__outf(o, "; %s", law);
			}
		}
		break;
	case C_SYSTEMS:
		json_array_foreach(json_object_get(e, "systems"), i, x) {
			sep(o, &first);
			dsmap__outf(o, "%s", json_string_value(x) ? json_string_value(x) : "");
		}
		break;
	}
}

/* A cell as a new string (NULL when out of memory). */
static char *cell_string(json_t *reg, json_t *e, int col, const char *lang)
{
	struct dsmap__out o = { NULL, 0, 0, 0 };

	cell(&o, reg, e, col, lang);
	if (o.buf == NULL && !o.oom && (o.buf = dsmap__calloc(1, 1)) == NULL)
		o.oom = 1;
	if (o.oom) {
		free(o.buf);
		return NULL;
	}
	return o.buf;
}

/* ---- CSV (RFC 4180) ------------------------------------------------------------------- */

/* Spaces at the ends are quoted too: some readers trim them. */
void dsmap__csv_field(struct dsmap__out *o, const char *s, int last)
{
	int quote = strpbrk(s, ",\"\r\n") != NULL ||
	            (*s != '\0' && (s[0] == ' ' || s[strlen(s) - 1] == ' '));

	if (quote) {
		dsmap__outf(o, "\"");
		for (; *s; s++)
			if (*s == '"')
				dsmap__outf(o, "\"\"");
			else
				dsmap__outf(o, "%c", *s);
		dsmap__outf(o, "\"");
	} else {
		dsmap__outf(o, "%s", s);
	}
	dsmap__outf(o, last ? "\r\n" : ",");
}

static int render_csv(struct dsmap__out *o, json_t *reg, const char *lang)
{
	json_t *e;
	size_t i;
	int c;

	for (c = 0; c < C_COUNT; c++)
		dsmap__csv_field(o, col_name(c, lang), c + 1 == C_COUNT);
	json_array_foreach(json_object_get(reg, "entries"), i, e)
		for (c = 0; c < C_COUNT; c++) {
			char *s = cell_string(reg, e, c, lang);

			if (s == NULL)
				return dsmap_error__oom();
			dsmap__csv_field(o, s, c + 1 == C_COUNT);
			free(s);
		}
	return 0;
}

/* ---- HTML -------------------------------------------------------------------------------- */

void dsmap__html_text(struct dsmap__out *o, const char *s, int breaks)
{
	for (; s != NULL && *s; s++)
		switch (*s) {
		case '&': dsmap__outf(o, "&amp;"); break;
		case '<': dsmap__outf(o, "&lt;"); break;
		case '>': dsmap__outf(o, "&gt;"); break;
		case '"': dsmap__outf(o, "&quot;"); break;
		case '\'': dsmap__outf(o, "&#39;"); break;
		case '\n': dsmap__outf(o, breaks ? "<br>\n" : " "); break;
		default: dsmap__outf(o, "%c", *s);
		}
}

static const char html_style[] =
	"@page { size: A4 landscape; margin: 10mm 10mm 14mm 10mm; }\n"
	"body { font-family: sans-serif; font-size: 8pt; color: #000; margin: 0; }\n"
	"h1 { font-size: 13pt; margin: 0 0 4pt 0; }\n"
	"dl.head { display: grid; grid-template-columns: max-content auto; gap: 1pt 8pt; margin: 0 0 6pt 0; }\n"
	"dl.head dt { font-weight: bold; } dl.head dd { margin: 0; }\n"
	"table { border-collapse: collapse; width: 100%; table-layout: fixed; }\n"
	"thead { display: table-header-group; }\n"
	"tfoot { display: table-footer-group; }\n"
	"tr { page-break-inside: avoid; break-inside: avoid; }\n"
	"th, td { border: 0.5pt solid #666; padding: 2pt; vertical-align: top; text-align: left;"
	" overflow-wrap: anywhere; }\n"
	"th { background: #e8e8e8; }\n"
	"tfoot td { border: none; font-size: 7pt; color: #333; }\n"
	"footer { font-size: 7pt; color: #333; margin-top: 4pt; }\n"
	"@media print { footer { position: fixed; bottom: 0; left: 0; right: 0; } }\n";

/* The columns of the HTML table: the controller and the DPO are the same
 * for every purpose and stand above it. */
static const int html_cols[] = { C_SECTION, C_TITLE_FR, C_SUBJECTS, C_CATEGORIES,
                                 C_RECIPIENT_KINDS, C_RECIPIENTS, C_JOINT, C_TRANSFERS,
                                 C_RETENTION, C_LEGAL_BASES, C_SYSTEMS };
#define HTML_COLS (sizeof(html_cols) / sizeof(html_cols[0]))

static void html_footer_text(struct dsmap__out *o, json_t *reg, const char *lang)
{
	json_t *n = json_object_get(reg, "notice");

	dsmap__outf(o, "%s ", L(lang, "Notice version", "Version de la déclaration"));
	dsmap__html_text(o, dsmap__json_str(n, "version"), 0);
	dsmap__outf(o, " · %s ", L(lang, "git commit", "commit git"));
	dsmap__html_text(o, dsmap__json_str(reg, "revision"), 0);
	dsmap__outf(o, " · %s ", L(lang, "generated", "généré le"));
	dsmap__html_text(o, dsmap__json_str(reg, "generated_at"), 0);
}

static int render_html(struct dsmap__out *o, json_t *reg, const char *lang)
{
	json_t *n = json_object_get(reg, "notice"), *ctl = json_object_get(reg, "controller"),
	       *dpo = json_object_get(reg, "dpo"), *e, *c;
	const char *title = L(lang, "Record of processing activities (GDPR art. 30(1))",
	                      "Registre des activités de traitement (art. 30(1) RGPD)");
	size_t i, k;

	dsmap__outf(o, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
	            strcmp(lang, "fr") == 0 ? "fr" : "en");
	dsmap__outf(o, "<title>%s</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", title,
	            html_style);
	dsmap__outf(o, "%s</h1>\n<dl class=\"head\">\n<dt>%s</dt><dd>", title,
	            L(lang, "Notice", "Déclaration"));
	dsmap__html_text(o, dsmap__json_title(n, lang), 0);
	dsmap__outf(o, " (");
	dsmap__html_text(o, dsmap__json_str(n, "version"), 0);
	dsmap__outf(o, ")</dd>\n<dt>%s</dt><dd>", col_name(C_CONTROLLER, lang));
	dsmap__html_text(o, dsmap__json_str(ctl, "name"), 0);
	if (sval(ctl, "address")) {
		dsmap__outf(o, ", ");
		dsmap__html_text(o, sval(ctl, "address"), 0);
	}
	dsmap__outf(o, "</dd>\n<dt>%s</dt><dd>", col_name(C_DPO, lang));
	dsmap__html_text(o, dsmap__json_str(dpo, "email"), 0);
	if (sval(dpo, "address")) {
		dsmap__outf(o, ", ");
		dsmap__html_text(o, sval(dpo, "address"), 0);
	}
	dsmap__outf(o, "</dd>\n<dt>%s</dt><dd>", L(lang, "Contacts", "Contacts"));
	json_array_foreach(json_object_get(reg, "contacts"), i, c) {
		static const char *const keys[] = { "phone", "email", "address", "web", NULL };

		if (i)
			dsmap__outf(o, "<br>\n");
		dsmap__html_text(o, dsmap__json_str(c, "name_fr"), 0);
		for (k = 0; keys[k]; k++)
			if (sval(c, keys[k])) {
				dsmap__outf(o, ", ");
				dsmap__html_text(o, sval(c, keys[k]), 0);
			}
	}
	dsmap__outf(o, "</dd>\n</dl>\n<table>\n<thead>\n<tr>");
	for (k = 0; k < HTML_COLS; k++)
		dsmap__outf(o, "<th>%s</th>", html_cols[k] == C_TITLE_FR ?
		            L(lang, "Purpose", "Finalité") : col_name(html_cols[k], lang));
	dsmap__outf(o, "</tr>\n</thead>\n<tfoot>\n<tr><td colspan=\"%zu\">", HTML_COLS);
	html_footer_text(o, reg, lang);
	dsmap__outf(o, "</td></tr>\n</tfoot>\n<tbody>\n");
	json_array_foreach(json_object_get(reg, "entries"), i, e) {
		json_t *p = json_object_get(e, "purpose");

		dsmap__outf(o, "<tr id=\"");
		dsmap__html_text(o, dsmap__json_str(p, "id"), 0);
		dsmap__outf(o, "\">");
		for (k = 0; k < HTML_COLS; k++) {
			char *s;

			dsmap__outf(o, "<td>");
			if (html_cols[k] == C_TITLE_FR) {
				/* the purpose: both titles and the id */
				dsmap__html_text(o, dsmap__json_str(p, "title_fr"), 0);
				dsmap__outf(o, "<br>\n<i>");
				dsmap__html_text(o, dsmap__json_str(p, "title_en"), 0);
				dsmap__outf(o, "</i><br>\n<code>");
				dsmap__html_text(o, dsmap__json_str(p, "id"), 0);
				dsmap__outf(o, "</code></td>");
				continue;
			}
			if ((s = cell_string(reg, e, html_cols[k], lang)) == NULL)
				return dsmap_error__oom();
			dsmap__html_text(o, s, 1);
			free(s);
			dsmap__outf(o, "</td>");
		}
		dsmap__outf(o, "</tr>\n");
	}
	dsmap__outf(o, "</tbody>\n</table>\n<footer>");
	html_footer_text(o, reg, lang);
	dsmap__outf(o, "</footer>\n</body>\n</html>\n");
	return 0;
}

/* ---- text ------------------------------------------------------------------------------- */

/* "label: value", the value's further lines under its first. */
static void text_field(struct dsmap__out *o, const char *label, const char *value)
{
	size_t w = 0;
	const char *s;

	for (s = label; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	dsmap__outf(o, "  %s: ", label);
	if (*value == '\0') {
		dsmap__outf(o, "-\n");
		return;
	}
	for (s = value; *s; s++) {
		dsmap__outf(o, "%c", *s);
		if (*s == '\n')
			dsmap__outf(o, "%*s", (int)(w + 4), "");
	}
	dsmap__outf(o, "\n");
}

static int render_text(struct dsmap__out *o, json_t *reg, const char *lang)
{
	static const int fields[] = { C_SUBJECTS, C_CATEGORIES, C_RECIPIENT_KINDS, C_RECIPIENTS,
	                              C_JOINT, C_TRANSFERS, C_RETENTION, C_LEGAL_BASES, C_SYSTEMS };
	json_t *n = json_object_get(reg, "notice"), *e, *first;
	size_t i, f;
	char *s;

	dsmap__outf(o, "%s\n", L(lang, "Record of processing activities (GDPR art. 30(1))",
	                         "Registre des activités de traitement (art. 30(1) RGPD)"));
	dsmap__outf(o, "%s: %s (%s %s)\n", L(lang, "Notice", "Déclaration"),
	            dsmap__json_title(n, lang), L(lang, "version", "version"),
	            dsmap__json_str(n, "version"));
	dsmap__outf(o, "%s: %s\n%s: %s\n", L(lang, "Revision", "Révision"),
	            dsmap__json_str(reg, "revision"), L(lang, "Generated", "Généré le"),
	            dsmap__json_str(reg, "generated_at"));
	/* the controller and the DPO: the same in every entry */
	first = json_array_get(json_object_get(reg, "entries"), 0);
	if (first != NULL) {
		static const int head[] = { C_CONTROLLER, C_DPO };

		for (f = 0; f < 2; f++) {
			if ((s = cell_string(reg, first, head[f], lang)) == NULL)
				return dsmap_error__oom();
			text_field(o, col_name(head[f], lang), s);
			free(s);
		}
	}
	json_array_foreach(json_object_get(reg, "entries"), i, e) {
		json_t *p = json_object_get(e, "purpose");

		dsmap__outf(o, "\n%s  %s  [%s]\n", dsmap__json_str(p, "section"),
		            dsmap__json_title(p, lang), dsmap__json_str(p, "id"));
		text_field(o, strcmp(lang, "fr") == 0 ? col_name(C_TITLE_EN, lang) :
		                                      col_name(C_TITLE_FR, lang),
		           dsmap__json_str(p, strcmp(lang, "fr") == 0 ? "title_en" : "title_fr"));
		for (f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
			if ((s = cell_string(reg, e, fields[f], lang)) == NULL)
				return dsmap_error__oom();
			text_field(o, col_name(fields[f], lang), s);
			free(s);
		}
	}
	return 0;
}

/* Keep the message of the failure, under another code. */
static int recode(int code)
{
	char msg[DSMAP__ERROR_MAX];

	snprintf(msg, sizeof(msg), "%s", dsmap_error_last()->message);
	return dsmap_error__set(code, "%s", msg);
}

/* ---- XLSX ------------------------------------------------------------------------------- */

/* libxlsxwriter's failure as a dsmap error. */
static int xlsx_error(lxw_error e, const char *what)
{
	return e == LXW_ERROR_MEMORY_MALLOC_FAILED ? dsmap_error__oom() :
	       dsmap_error__set(DSMAP_ERROR, "ropa: xlsx: %s: %s", what, lxw_strerror(e));
}

/* One sheet: the header row frozen and filtered, one row per purpose,
 * printed on A4 landscape with the header row repeated and the notice
 * version, the commit and the date in the page footer. */
static int write_xlsx(const char *path, json_t *reg, const char *lang)
{
	static const double widths[C_COUNT] = { 9, 22, 30, 30, 26, 20, 26, 34, 40, 26, 34, 40, 48, 36, 14 };
	lxw_workbook *wb = workbook_new(path);
	lxw_worksheet *ws;
	lxw_format *head, *wrap;
	lxw_doc_properties props;
	char footer[256], comments[256];
	json_t *n = json_object_get(reg, "notice"), *e;
	size_t i;
	lxw_error err = LXW_NO_ERROR;
	int c, rc = 0;

	if (wb == NULL)
		return dsmap_error__set(DSMAP_ERROR, "ropa: xlsx: cannot create the workbook %s", path);
	if ((ws = workbook_add_worksheet(wb, strcmp(lang, "fr") == 0 ? "Registre" : "Register")) == NULL ||
	    (head = workbook_add_format(wb)) == NULL || (wrap = workbook_add_format(wb)) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	format_set_bold(head);
	format_set_text_wrap(head);
	format_set_align(head, LXW_ALIGN_VERTICAL_TOP);
	format_set_text_wrap(wrap);
	format_set_align(wrap, LXW_ALIGN_VERTICAL_TOP);
	/* Excel's header and footer codes start with '&': none in these values
	 * but the version, which is the mapping's: written as "&&" there. */
	{
		struct dsmap__out v = { NULL, 0, 0, 0 };
		const char *s;

		for (s = dsmap__json_str(n, "version"); *s; s++)
			if (*s == '&')
				dsmap__outf(&v, "&&");
			else
				dsmap__outf(&v, "%c", *s);
		snprintf(footer, sizeof(footer), "&L%s %s, %s %.12s, %s %s&R&P / &N",
		         L(lang, "Notice version", "Version de la déclaration"), v.buf ? v.buf : "",
		         L(lang, "commit", "commit"), dsmap__json_str(reg, "revision"),
		         L(lang, "generated", "généré le"), dsmap__json_str(reg, "generated_at"));
		free(v.buf);
		if (v.oom) {
			rc = dsmap_error__oom();
			goto done;
		}
	}
	snprintf(comments, sizeof(comments), "notice version %s; commit %s; generated %s",
	         dsmap__json_str(n, "version"), dsmap__json_str(reg, "revision"),
	         dsmap__json_str(reg, "generated_at"));
	memset(&props, 0, sizeof(props));
	props.title = (char *)L(lang, "Record of processing activities (GDPR art. 30(1))",
	                        "Registre des activités de traitement (art. 30(1) RGPD)");
	props.comments = comments;
	if ((err = workbook_set_properties(wb, &props)) != LXW_NO_ERROR ||
	    (err = worksheet_set_footer(ws, footer)) != LXW_NO_ERROR ||
	    (err = worksheet_repeat_rows(ws, 0, 0)) != LXW_NO_ERROR) {
		rc = xlsx_error(err, "page setup");
		goto done;
	}
	worksheet_set_landscape(ws);
	worksheet_set_paper(ws, 9);   /* A4 */
	worksheet_freeze_panes(ws, 1, 0);
	for (c = 0; c < C_COUNT; c++)
		if ((err = worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, widths[c], wrap)) != LXW_NO_ERROR ||
		    (err = worksheet_write_string(ws, 0, (lxw_col_t)c, col_name(c, lang), head)) != LXW_NO_ERROR) {
			rc = xlsx_error(err, "header row");
			goto done;
		}
	json_array_foreach(json_object_get(reg, "entries"), i, e)
		for (c = 0; c < C_COUNT; c++) {
			char *s = cell_string(reg, e, c, lang);

			if (s == NULL) {
				rc = dsmap_error__oom();
				goto done;
			}
			err = worksheet_write_string(ws, (lxw_row_t)(i + 1), (lxw_col_t)c, s, wrap);
			free(s);
			if (err != LXW_NO_ERROR) {
				rc = err == LXW_ERROR_MEMORY_MALLOC_FAILED ? dsmap_error__oom() :
				     dsmap_error__set(DSMAP_ERROR, "ropa: xlsx: purpose %s, column '%s': %s",
				                      dsmap__json_str(json_object_get(e, "purpose"), "id"),
				                      col_name(c, lang), lxw_strerror(err));
				goto done;
			}
		}
	if ((err = worksheet_autofilter(ws, 0, 0, (lxw_row_t)json_array_size(json_object_get(reg, "entries")),
	                                C_COUNT - 1)) != LXW_NO_ERROR) {
		rc = xlsx_error(err, "autofilter");
		goto done;
	}
done:
	err = workbook_close(wb);
	if (rc == 0 && err != LXW_NO_ERROR)
		rc = xlsx_error(err, path);
	return rc;
}

/* The bytes of file `path`, newly allocated. */
static int slurp(const char *path, unsigned char **out, size_t *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;
	int rc = 0;

	*out = NULL;
	if (f == NULL)
		return dsmap_error__errno(DSMAP_EIO, errno, "ropa: xlsx: %s", path);
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		rc = dsmap_error__errno(DSMAP_EIO, errno, "ropa: xlsx: %s", path);
		goto done;
	}
	if ((buf = dsmap__malloc((size_t)n + 1)) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		rc = dsmap_error__set(DSMAP_EIO, "ropa: xlsx: %s: short read", path);
		goto done;
	}
	*out = buf;
	*size = (size_t)n;
	buf = NULL;
done:
	free(buf);
	fclose(f);
	return rc;
}

int dsmap_ropa_xlsx(unsigned char **out, size_t *size, dsmap_workspace *ws,
                    const dsmap_ropa_options *opts)
{
	static const dsmap_ropa_options none = DSMAP_ROPA_OPTIONS_INIT;
	json_t *reg = NULL;
	const char *lang, *tmp = getenv("TMPDIR");
	char path[4096];
	int fd, rc;

	if (out != NULL)
		*out = NULL;
	if (size != NULL)
		*size = 0;
	if (out == NULL || size == NULL || ws == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_ropa_xlsx: invalid argument");
	if (opts == NULL)
		opts = &none;
	if ((rc = dsmap_error__options_version("dsmap_ropa_xlsx", opts->version, DSMAP_ROPA_OPTIONS_VERSION)) < 0)
		return rc;
	if (opts->lang != NULL && strcmp(opts->lang, "en") != 0 && strcmp(opts->lang, "fr") != 0)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_ropa_xlsx: language '%s' is not en or fr",
		                        opts->lang);
	if ((rc = dsmap__ropa_build(&reg, ws, opts->at, opts->generated_at)) < 0)
		return rc;
	lang = opts->lang;
	if (lang == NULL)
		lang = sval(json_object_get(reg, "notice"), "language");
	if (lang == NULL || strcmp(lang, "fr") != 0)
		lang = "en";
	/* libxlsxwriter 1.1.4 writes to a file only: a private temporary one */
	if ((size_t)snprintf(path, sizeof(path), "%s/dsmap-ropa-XXXXXX",
	                     tmp != NULL && *tmp != '\0' ? tmp : "/tmp") >= sizeof(path)) {
		json_decref(reg);
		return dsmap_error__set(DSMAP_EINVALID, "ropa: xlsx: TMPDIR is too long");
	}
	if ((fd = mkstemp(path)) < 0) {
		json_decref(reg);
		return dsmap_error__errno(DSMAP_EIO, errno, "ropa: xlsx: a temporary file in %s",
		                          tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	}
	close(fd);
	if ((rc = write_xlsx(path, reg, lang)) == 0)
		rc = slurp(path, out, size);
	unlink(path);
	json_decref(reg);
	return rc;
}

/* ---- the register of a revision, for ropa and the DPV export ------------------------ */

int dsmap__ropa_build(json_t **out, dsmap_workspace *ws, const char *at, int64_t when)
{
	struct dsmap__graph g;
	int rc;

	*out = NULL;
	if ((rc = dsmap__graph_open(&g, ws, at)) < 0)
		/* a broken mapping at `at` is a failure of the revision, not of
		 * the arguments */
		return rc == DSMAP_EINVALID ? recode(DSMAP_ERROR) : rc;
	rc = build(out, ws, &g, when ? when : (int64_t)time(NULL));
	dsmap__graph_close(&g);
	return rc;
}

/* ---- the call ----------------------------------------------------------------------------- */

int dsmap_ropa(char **out, dsmap_workspace *ws, const dsmap_ropa_options *opts, int format)
{
	static const dsmap_ropa_options none = DSMAP_ROPA_OPTIONS_INIT;
	struct dsmap__out o = { NULL, 0, 0, 0 };
	json_t *reg = NULL;
	const char *lang;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || ws == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_ropa: invalid argument");
	if (format != DSMAP_FORMAT_TEXT && format != DSMAP_FORMAT_JSON &&
	    format != DSMAP_FORMAT_CSV && format != DSMAP_FORMAT_HTML)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_ropa: format %d is not text, json, csv "
		                        "or html", format);
	if (opts == NULL)
		opts = &none;
	if ((rc = dsmap_error__options_version("dsmap_ropa", opts->version, DSMAP_ROPA_OPTIONS_VERSION)) < 0)
		return rc;
	if (opts->lang != NULL && strcmp(opts->lang, "en") != 0 && strcmp(opts->lang, "fr") != 0)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_ropa: language '%s' is not en or fr",
		                        opts->lang);
	if ((rc = dsmap__ropa_build(&reg, ws, opts->at, opts->generated_at)) < 0)
		goto done;
	lang = opts->lang;
	if (lang == NULL)
		lang = sval(json_object_get(reg, "notice"), "language");
	if (lang == NULL || strcmp(lang, "fr") != 0)
		lang = "en";
	switch (format) {
	case DSMAP_FORMAT_JSON: {
		char *s = dsmap__json_dumps(reg, JSON_INDENT(2));

		if (s == NULL) {
			rc = dsmap_error__oom();
			goto done;
		}
		dsmap__outf(&o, "%s\n", s);
		free(s);
		break;
	}
	case DSMAP_FORMAT_CSV:
		rc = render_csv(&o, reg, lang);
		break;
	case DSMAP_FORMAT_HTML:
		rc = render_html(&o, reg, lang);
		break;
	default:
		rc = render_text(&o, reg, lang);
		break;
	}
	if (rc < 0)
		goto done;
	if (o.buf == NULL && !o.oom && (o.buf = dsmap__calloc(1, 1)) == NULL)
		o.oom = 1;
	if (o.oom) {
		rc = dsmap_error__oom();
		goto done;
	}
	*out = o.buf;
	o.buf = NULL;
	rc = 0;
done:
	free(o.buf);
	json_decref(reg);
	return rc;
}
