/*
 * The notice's history: impact, history and blame (see dsmap/history.h),
 * built on the semantic diff of two loaded mappings (diff.c).
 *
 * History and blame walk HEAD's first-parent line, newest first, and
 * compare each commit's mapping with its parent's only when the commit
 * changed the mappings/ tree (one tree-entry comparison per commit); each
 * mapping is loaded once, as the child of one step and the parent of the
 * next, and each file's YAML is parsed once per blob id (a cache for the
 * walk), so a commit that changed one file costs one parse.  Impact counts subjects from the per-(system, category) counters
 * of the last scans, never from the holdings.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "dsmap/diff.h"
#include "dsmap/history.h"
#include "errors.h"
#include "git.h"
#include "mapping.h"
#include "store.h"
#include "util.h"
#include "workspace.h"

/* ---- shared ------------------------------------------------------------------------ */

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *iso(int64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static int load(dsmap_mapping **m, dsmap_workspace *ws, const git_oid *oid,
                dsmap__doc_cache *cache)
{
	char hex[GIT_OID_HEXSZ + 1];
	int rc;

	git_oid_tostr(hex, sizeof(hex), oid);
	rc = dsmap_mapping__load_rev_cached(m, ws, hex, cache);
	if (rc == DSMAP_EINVALID && *m != NULL) {
		dsmap_mapping_free(*m);
		*m = NULL;
		return dsmap_error__set(DSMAP_EINVALID, "the mapping at %.12s has errors; see "
		                        "'dsmap check --rev %.12s'", hex, hex);
	}
	return rc;
}

static json_t *change_json(const dsmap_change *c)
{
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:o}",
	    "type", dsmap_change_type_name(c->type), "purpose", jstr(c->purpose),
	    "category", jstr(c->category), "recipient", jstr(c->recipient),
	    "system", jstr(c->system), "before", jstr(c->before), "after", jstr(c->after),
	    "direction", c->direction, "detail", jstr(c->detail));
}

static const char *js(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* JSON to text with `render`, or to JSON. */
static int finish(char **out, json_t *ans, int format, void (*render)(struct dsmap__out *, json_t *))
{
	struct dsmap__out o = { NULL, 0, 0, 0 };

	if (format == DSMAP_FORMAT_JSON) {
		char *s = json_dumps(ans, JSON_INDENT(2) | JSON_ENSURE_ASCII);

		if (s == NULL)
			o.oom = 1;
		else
			dsmap__outf(&o, "%s\n", s);
		free(s);
	} else {
		render(&o, ans);
	}
	json_decref(ans);
	if (o.oom) {
		free(o.buf);
		return dsmap_error__oom();
	}
	*out = o.buf;
	return 0;
}

/* ---- impact ----------------------------------------------------------------------- */

struct held {
	char *id;
	uint64_t subjects;
	size_t n;
	dsmap_store__cat_count *cats;
};

struct inventory {
	struct held *sys;
	size_t n, cap;
	char **refs;
	size_t nrefs;
};

static int gather(const char *id, const dsmap_store__system_summary *sum, void *payload)
{
	struct inventory *inv = payload;
	struct held *h;

	if (sum->gen == 0)
		return 0;
	if (inv->n == inv->cap) {
		size_t cap = inv->cap ? inv->cap * 2 : 8;
		struct held *grown = realloc(inv->sys, cap * sizeof(*grown));

		if (grown == NULL)
			return dsmap_error__oom();
		inv->sys = grown;
		inv->cap = cap;
	}
	h = &inv->sys[inv->n];
	memset(h, 0, sizeof(*h));
	if ((h->id = strdup(id)) == NULL)
		return dsmap_error__oom();
	inv->n++;
	h->subjects = sum->subjects;
	if (sum->category_count > 0) {
		if ((h->cats = malloc(sum->category_count * sizeof(*h->cats))) == NULL)
			return dsmap_error__oom();
		memcpy(h->cats, sum->categories, sum->category_count * sizeof(*h->cats));
		h->n = sum->category_count;
	}
	return 0;
}

static void inventory_free(struct inventory *inv)
{
	size_t i;

	for (i = 0; i < inv->n; i++) {
		free(inv->sys[i].id);
		free(inv->sys[i].cats);
	}
	free(inv->sys);
	dsmap_store__category_refs_free(inv->refs, inv->nrefs);
}

static int inventory_read(struct inventory *inv, dsmap_store *store)
{
	MDB_txn *txn;
	int rc;

	memset(inv, 0, sizeof(*inv));
	if ((rc = dsmap_store__systems_each(store, gather, inv)) < 0)
		return rc;
	if ((rc = dsmap_store__read_begin(store, &txn)) < 0)
		return rc;
	rc = dsmap_store__category_refs(store, txn, &inv->refs, &inv->nrefs);
	mdb_txn_abort(txn);
	return rc;
}

/* Subjects of system `h` holding category `ref`; 0 when it holds none. */
static uint64_t held_subjects(const struct inventory *inv, const struct held *h, const char *ref)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->cats[i].catbit < inv->nrefs && inv->refs[h->cats[i].catbit] != NULL &&
		    strcmp(inv->refs[h->cats[i].catbit], ref) == 0)
			return h->cats[i].subjects;
	return 0;
}

static int has_ref(json_t *set, const char *ref)
{
	return json_object_get(set, ref) != NULL;
}

/* Categories of purpose `id` in `m` into the set `out`. */
static void purpose_categories(const dsmap_mapping *m, const char *id, json_t *out)
{
	const struct dsmap__purpose *p = id ? dsmap_mapping__purpose(m, id) : NULL;
	size_t i;

	for (i = 0; p != NULL && i < p->categories.count; i++)
		json_object_set_new(out, ((const struct dsmap__category *)p->categories.items[i])->ref,
		                    json_true());
}

static int purpose_shares(const struct dsmap__purpose *p, const char *recipient)
{
	size_t i;

	for (i = 0; i < p->recipients.count; i++)
		if (strcmp(((const struct dsmap__recipient *)p->recipients.items[i])->id, recipient) == 0)
			return 1;
	return 0;
}

static int system_serves(const struct dsmap__system *s, const char *purpose)
{
	size_t i;

	for (i = 0; i < s->purposes.count; i++)
		if (strcmp(((const struct dsmap__purpose *)s->purposes.items[i])->id, purpose) == 0)
			return 1;
	return 0;
}

/* The purposes a change concerns: its own, or those sharing with its recipient. */
static void change_purposes(const dsmap_mapping *m, const dsmap_change *c, json_t *out)
{
	size_t i;

	if (c->purpose != NULL) {
		json_object_set_new(out, c->purpose, json_true());
		return;
	}
	if (c->recipient == NULL)
		return;
	for (i = 0; i < m->purposes.count; i++) {
		const struct dsmap__purpose *p = m->purposes.items[i];

		if (purpose_shares(p, c->recipient))
			json_object_set_new(out, p->id, json_true());
	}
}

static int consent_based(const struct dsmap__purpose *p)
{
	size_t i;

	for (i = 0; i < p->legal_bases.count; i++)
		if (strcmp(((const struct dsmap__legal_basis *)p->legal_bases.items[i])->gdpr,
		           "6(1)(a)") == 0)
			return 1;
	return 0;
}

static dsmap_severity severity(const dsmap_mapping *b, const dsmap_change *c, const char **why)
{
	const struct dsmap__recipient *r;
	const struct dsmap__purpose *p;

	switch (c->type) {
	case DSMAP_CHANGE_PURPOSE_RECIPIENT_ADDED:
		r = dsmap_mapping__recipient(b, c->recipient);
		if (r != NULL && r->transfers.count > 0) {
			*why = "a new recipient outside the EEA";
			return DSMAP_SEVERITY_HIGH;
		}
		*why = "a new recipient";
		return DSMAP_SEVERITY_MEDIUM;
	case DSMAP_CHANGE_RECIPIENT_TRANSFER_CHANGED:
		if (c->direction > 0) {
			*why = "data now goes to a new country outside the EEA";
			return DSMAP_SEVERITY_HIGH;
		}
		*why = "the transfers outside the EEA changed";
		return DSMAP_SEVERITY_MEDIUM;
	case DSMAP_CHANGE_PURPOSE_CATEGORY_ADDED:
		p = dsmap_mapping__purpose(b, c->purpose);
		if (p != NULL && !consent_based(p)) {
			*why = "a new category for a purpose whose legal basis is not consent";
			return DSMAP_SEVERITY_HIGH;
		}
		*why = "a new category, under consent";
		return DSMAP_SEVERITY_MEDIUM;
	case DSMAP_CHANGE_RETENTION_CHANGED:
		if (c->direction < 0) {
			*why = "a shorter retention: data kept beyond it must be purged";
			return DSMAP_SEVERITY_HIGH;
		}
		*why = c->direction > 0 ? "a longer retention" : "a retention on another trigger";
		return DSMAP_SEVERITY_MEDIUM;
	case DSMAP_CHANGE_LEGAL_BASIS_CHANGED:
		*why = "the legal basis changed";
		return DSMAP_SEVERITY_HIGH;
	case DSMAP_CHANGE_PURPOSE_ADDED:
		p = dsmap_mapping__purpose(b, c->purpose);
		if (p != NULL) {
			size_t i;

			for (i = 0; i < p->recipients.count; i++)
				if (((const struct dsmap__recipient *)p->recipients.items[i])->transfers.count) {
					*why = "a new purpose that shares data outside the EEA";
					return DSMAP_SEVERITY_HIGH;
				}
		}
		*why = "a new purpose";
		return DSMAP_SEVERITY_MEDIUM;
	case DSMAP_CHANGE_RECIPIENT_ADDED:
		if (c->direction > 0) {
			*why = "a new recipient outside the EEA";
			return DSMAP_SEVERITY_HIGH;
		}
		*why = "a new recipient";
		return DSMAP_SEVERITY_LOW;
	case DSMAP_CHANGE_RECIPIENT_KIND_CHANGED:
		*why = "a recipient's role changed";
		return DSMAP_SEVERITY_MEDIUM;
	case DSMAP_CHANGE_SYSTEM_MAPPING_CHANGED:
	case DSMAP_CHANGE_SYSTEM_ADDED:
	case DSMAP_CHANGE_SYSTEM_PURPOSE_ADDED:
		*why = "what a system is said to hold or serve changed";
		return DSMAP_SEVERITY_MEDIUM;
	default:
		*why = "recorded";
		return DSMAP_SEVERITY_LOW;
	}
}

static const char *severity_name(int s)
{
	return s == DSMAP_SEVERITY_HIGH ? "high" : s == DSMAP_SEVERITY_MEDIUM ? "medium" : "low";
}

/* The systems a change reaches, as JSON. */
static json_t *reached(const struct inventory *inv, const dsmap_mapping *a, const dsmap_mapping *b,
                       const dsmap_change *c)
{
	json_t *cats = json_object(), *purposes = json_object(), *out = json_array(), *v;
	const dsmap_mapping *m[2] = { b, a };
	const char *key;
	size_t i, k, j;

	for (k = 0; k < 2; k++)
		change_purposes(m[k], c, purposes);
	if (c->category != NULL) {
		json_object_set_new(cats, c->category, json_true());
	} else {
		for (k = 0; k < 2; k++)
			json_object_foreach(purposes, key, v)
				purpose_categories(m[k], key, cats);
	}
	if (c->system != NULL)
		for (k = 0; k < 2; k++) {
			const struct dsmap__system *s = dsmap_mapping__system(m[k], c->system);

			for (i = 0; s != NULL && i < s->sources.count; i++) {
				const struct dsmap__source *src = s->sources.items[i];

				for (j = 0; j < src->cat_fields.count; j++) {
					const struct dsmap__cat_field *f = src->cat_fields.items[j];
					size_t q;

					for (q = 0; q < f->categories.count; q++)
						json_object_set_new(cats, ((const struct dsmap__category *)
						    f->categories.items[q])->ref, json_true());
				}
			}
		}
	/* systems that hold a category concerned, from their counters (a
	 * change of one system's definition reaches that system only) */
	for (i = 0; i < inv->n; i++) {
		const struct held *h = &inv->sys[i];
		uint64_t lo = 0, sum = 0;
		int declares = 0;

		if (c->system != NULL && strcmp(c->system, h->id) != 0)
			continue;
		json_object_foreach(cats, key, v) {
			uint64_t n = held_subjects(inv, h, key);

			lo = n > lo ? n : lo;
			sum += n;
		}
		json_object_foreach(purposes, key, v) {
			const struct dsmap__system *s = dsmap_mapping__system(b, h->id);

			if (s == NULL)
				s = dsmap_mapping__system(a, h->id);
			declares |= s != NULL && system_serves(s, key);
		}
		if (lo == 0 && !declares && c->system == NULL)
			continue;
		json_array_append_new(out, json_pack("{s:s, s:b, s:b, s:I, s:I}", "system", h->id,
		    "holds", lo > 0, "declares", declares, "subjects_at_least", (json_int_t)lo,
		    "subjects_at_most", (json_int_t)(sum < h->subjects ? sum : h->subjects)));
	}
	/* systems that declare the purpose but were never scanned */
	json_object_foreach(purposes, key, v) {
		if (c->system != NULL)
			break;
		for (i = 0; i < b->systems.count; i++) {
			const struct dsmap__system *s = b->systems.items[i];
			size_t q;
			int listed = 0;

			if (!system_serves(s, key))
				continue;
			for (q = 0; q < json_array_size(out); q++)
				listed |= strcmp(js(json_array_get(out, q), "system"), s->id) == 0;
			if (!listed)
				json_array_append_new(out, json_pack("{s:s, s:b, s:b, s:i, s:i}", "system",
				    s->id, "holds", 0, "declares", 1, "subjects_at_least", 0,
				    "subjects_at_most", 0));
		}
	}
	json_decref(cats);
	json_decref(purposes);
	return out;
}

/* Categories system `h` holds that no purpose it declares in `m` uses. */
static json_t *orphans(const struct inventory *inv, const struct held *h, const dsmap_mapping *m)
{
	const struct dsmap__system *s = dsmap_mapping__system(m, h->id);
	json_t *used = json_object(), *out = json_object();
	size_t i;

	for (i = 0; s != NULL && i < s->purposes.count; i++)
		purpose_categories(m, ((const struct dsmap__purpose *)s->purposes.items[i])->id, used);
	for (i = 0; s != NULL && i < h->n; i++) {
		const char *ref = h->cats[i].catbit < inv->nrefs ? inv->refs[h->cats[i].catbit] : NULL;

		if (ref != NULL && !has_ref(used, ref))
			json_object_set_new(out, ref, json_integer((json_int_t)h->cats[i].subjects));
	}
	json_decref(used);
	return out;
}

static void render_impact(struct dsmap__out *o, json_t *ans)
{
	json_t *c, *s, *sum = json_object_get(ans, "summary");
	size_t i, j;

	dsmap__outf(o, "impact of %.12s -> %.12s: %lld change%s (%lld high, %lld medium, %lld low)\n",
	     js(ans, "from"), js(ans, "to"), (long long)json_integer_value(json_object_get(sum, "changes")),
	     json_integer_value(json_object_get(sum, "changes")) == 1 ? "" : "s",
	     (long long)json_integer_value(json_object_get(sum, "high")),
	     (long long)json_integer_value(json_object_get(sum, "medium")),
	     (long long)json_integer_value(json_object_get(sum, "low")));
	json_array_foreach(json_object_get(ans, "changes"), i, c) {
		dsmap__outf(o, "\n%-6s %s\n       why: %s\n", js(c, "severity"), js(c, "detail"), js(c, "why"));
		if (json_array_size(json_object_get(c, "systems")) == 0)
			dsmap__outf(o, "       no system holds or declares it\n");
		json_array_foreach(json_object_get(c, "systems"), j, s) {
			json_int_t lo = json_integer_value(json_object_get(s, "subjects_at_least"));
			json_int_t hi = json_integer_value(json_object_get(s, "subjects_at_most"));

			dsmap__outf(o, "       %s:", js(s, "system"));
			if (json_is_true(json_object_get(s, "holds"))) {
				if (lo == hi)
					dsmap__outf(o, " holds it for %lld subjects", (long long)lo);
				else
					dsmap__outf(o, " holds it for %lld to %lld subjects", (long long)lo,
					     (long long)hi);
			}
			if (json_is_true(json_object_get(s, "declares")))
				dsmap__outf(o, "%s declares the purpose",
				     json_is_true(json_object_get(s, "holds")) ? ";" : "");
			dsmap__outf(o, "\n");
		}
	}
}

int dsmap_impact(char **out, dsmap_workspace *ws, const char *from, const char *to, int format)
{
	dsmap_mapping *a = NULL, *b = NULL;
	dsmap__doc_cache *cache = NULL;
	dsmap_diff *d = NULL;
	struct inventory inv;
	git_oid oa, ob;
	json_t *ans = NULL, *changes;
	char ha[GIT_OID_HEXSZ + 1], hb[GIT_OID_HEXSZ + 1];
	size_t i, counts[3] = { 0, 0, 0 };
	int rc;

	memset(&inv, 0, sizeof(inv));
	if (out == NULL || ws == NULL || from == NULL || to == NULL ||
	    (format != DSMAP_FORMAT_TEXT && format != DSMAP_FORMAT_JSON))
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_impact: invalid argument");
	*out = NULL;
	/* the two revisions share most files: each is parsed once */
	if ((cache = dsmap__doc_cache_new()) == NULL)
		return dsmap_error__oom();
	if ((rc = dsmap_git__resolve(ws->repo, from, &oa, NULL)) < 0 ||
	    (rc = dsmap_git__resolve(ws->repo, to, &ob, NULL)) < 0 ||
	    (rc = load(&a, ws, &oa, cache)) < 0 || (rc = load(&b, ws, &ob, cache)) < 0 ||
	    (rc = dsmap_diff_mappings(&d, a, b)) < 0 || (rc = inventory_read(&inv, ws->store)) < 0)
		goto done;
	git_oid_tostr(ha, sizeof(ha), &oa);
	git_oid_tostr(hb, sizeof(hb), &ob);
	changes = json_array();
	ans = json_pack("{s:i, s:s, s:s, s:o}", "schema", 1, "from", ha, "to", hb,
	                "changes", changes);
	if (ans == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	for (i = 0; i < dsmap_diff_count(d); i++) {
		const dsmap_change *c = dsmap_diff_get(d, i);
		const char *why = "";
		dsmap_severity sev = severity(b, c, &why);
		json_t *cj = change_json(c);

		json_object_set_new(cj, "severity", json_string(severity_name((int)sev)));
		json_object_set_new(cj, "why", json_string(why));
		json_object_set_new(cj, "systems", reached(&inv, a, b, c));
		json_array_append_new(changes, cj);
		counts[sev]++;
	}
	/* Categories left without a purpose in a system that holds them. */
	for (i = 0; i < inv.n; i++) {
		json_t *now = orphans(&inv, &inv.sys[i], b), *was = orphans(&inv, &inv.sys[i], a), *v;
		const char *ref;

		json_object_foreach(now, ref, v) {
			char detail[512];

			if (json_object_get(was, ref) != NULL ||
			    dsmap_mapping__system(b, inv.sys[i].id) == NULL)
				continue;
			snprintf(detail, sizeof(detail), "system %s holds %s, which no purpose it serves "
			         "uses any more", inv.sys[i].id, ref);
			json_array_append_new(changes, json_pack("{s:s, s:n, s:s, s:n, s:s, s:n, s:n, s:i, "
			    "s:s, s:s, s:s, s:[{s:s, s:b, s:b, s:I, s:I}]}",
			    "type", "category-orphaned", "purpose", "category", ref, "recipient",
			    "system", inv.sys[i].id, "before", "after", "direction", 0, "detail", detail,
			    "severity", "high", "why", "a category held with no purpose to justify it: "
			    "erase it or declare a purpose", "systems", "system", inv.sys[i].id,
			    "holds", 1, "declares", 0, "subjects_at_least", json_integer_value(v),
			    "subjects_at_most", json_integer_value(v)));
			counts[DSMAP_SEVERITY_HIGH]++;
		}
		json_decref(now);
		json_decref(was);
	}
	json_object_set_new(ans, "summary", json_pack("{s:I, s:I, s:I, s:I}",
	    "changes", (json_int_t)json_array_size(changes), "high", (json_int_t)counts[2],
	    "medium", (json_int_t)counts[1], "low", (json_int_t)counts[0]));
	rc = finish(out, ans, format, render_impact);
	ans = NULL;
done:
	json_decref(ans);
	inventory_free(&inv);
	dsmap_diff_free(d);
	dsmap_mapping_free(a);
	dsmap_mapping_free(b);
	dsmap__doc_cache_free(cache);
	return rc;
}

/* ---- the walk for history and blame --------------------------------------------------- */

/* One step of the walk: a commit whose mapping differs from its parent's. */
typedef int (*step_fn)(git_commit *commit, const dsmap_mapping *before, const dsmap_mapping *after,
                       const dsmap_diff *d, void *payload);

static int mappings_tree(git_commit *c, git_oid *out)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int rc;

	if ((rc = git_commit_tree(&tree, c)) < 0)
		return rc;
	rc = git_tree_entry_bypath(&e, tree, "mappings");
	if (rc == 0)
		git_oid_cpy(out, git_tree_entry_id(e));
	else if (rc == GIT_ENOTFOUND)
		memset(out, 0, sizeof(*out));
	git_tree_entry_free(e);
	git_tree_free(tree);
	return rc == GIT_ENOTFOUND ? 0 : rc;
}

/* Walk HEAD's (or `start`'s) first-parent line newest first, down to
 * `since`, calling `fn` for each commit that changed the mapping (the root
 * commit is compared with an empty mapping: `before` is NULL).  A commit
 * whose mapping has errors is passed over: the next sound mapping up the
 * line is compared with the next sound one down, and the changes are
 * told as the newer one's. */
static int walk(dsmap_workspace *ws, const char *start, int64_t since, step_fn fn, void *payload)
{
	git_commit *c = NULL, *p = NULL, *owner = NULL;   /* owner: the commit of mc */
	dsmap_mapping *mc = NULL, *mp = NULL;
	git_oid oid, tc, tp;
	dsmap__doc_cache *cache;
	int rc;

	if ((rc = dsmap_git__resolve(ws->repo, start ? start : "HEAD", &oid, NULL)) < 0)
		return rc;
	if ((cache = dsmap__doc_cache_new()) == NULL)
		return dsmap_error__oom();
	if ((rc = git_commit_lookup(&c, ws->repo, &oid)) < 0) {
		dsmap__doc_cache_free(cache);
		return dsmap_git__error(rc, "read commit");
	}
	for (;;) {
		dsmap_diff *d = NULL;

		if ((int64_t)git_commit_time(c) < since)
			break;
		if (mc == NULL) {
			if (load(&mc, ws, git_commit_id(c), cache) < 0) {
				dsmap_error_clear();   /* a broken revision: from the next one */
				mc = NULL;
			} else {
				git_commit_free(owner);
				git_commit_dup(&owner, c);
			}
		}
		if (git_commit_parentcount(c) == 0) {
			/* the first commit: everything in it was introduced by it */
			if (mc != NULL)
				rc = fn(owner, NULL, mc, NULL, payload);
			break;
		}
		if ((rc = git_commit_parent(&p, c, 0)) < 0) {
			rc = dsmap_git__error(rc, "read a parent commit");
			break;
		}
		if ((rc = mappings_tree(c, &tc)) < 0 || (rc = mappings_tree(p, &tp)) < 0) {
			rc = dsmap_git__error(rc, "read a commit's tree");
			break;
		}
		if (!git_oid_equal(&tc, &tp) && mc != NULL) {
			if (load(&mp, ws, git_commit_id(p), cache) < 0) {
				/* a broken parent: keep mc for the next sound one */
				dsmap_error_clear();
				mp = NULL;
			} else {
				if ((rc = dsmap_diff_mappings(&d, mp, mc)) < 0)
					break;
				rc = fn(owner, mp, mc, d, payload);
				dsmap_diff_free(d);
				if (rc != 0)
					break;
				dsmap_mapping_free(mc);
				mc = mp;   /* the parent's mapping is the next step's */
				mp = NULL;
				git_commit_free(owner);
				git_commit_dup(&owner, p);
			}
		} else if (git_oid_equal(&tc, &tp) && mc != NULL) {
			/* unchanged: the same mapping, now the parent's */
			git_commit_free(owner);
			git_commit_dup(&owner, p);
		}
		git_commit_free(c);
		c = p;
		p = NULL;
	}
	git_commit_free(p);
	git_commit_free(c);
	git_commit_free(owner);
	dsmap_mapping_free(mc);
	dsmap_mapping_free(mp);
	dsmap__doc_cache_free(cache);
	return rc < 0 ? rc : 0;
}

static json_t *commit_json(git_commit *c)
{
	const git_signature *a = git_commit_author(c);
	char hex[GIT_OID_HEXSZ + 1];
	const char *msg = git_commit_summary(c);

	git_oid_tostr(hex, sizeof(hex), git_commit_id(c));
	return json_pack("{s:s, s:s, s:s, s:o, s:s, s:[]}", "commit", hex, "author", a->name,
	                 "email", a->email, "date", iso((int64_t)a->when.time),
	                 "message", msg ? msg : "", "changes");
}

/* ---- history ----------------------------------------------------------------------- */

struct hist {
	const char *kind, *id;
	json_t *commits;
};

static int matches(const struct hist *h, const dsmap_change *c)
{
	const char *v;
	size_t n;

	if (h->kind == NULL)
		return 1;
	v = strcmp(h->kind, "purpose") == 0 ? c->purpose :
	    strcmp(h->kind, "category") == 0 ? c->category :
	    strcmp(h->kind, "recipient") == 0 ? c->recipient : c->system;
	if (v == NULL)
		return 0;
	if (strcmp(v, h->id) == 0)
		return 1;
	/* a bare category id matches it in every group */
	n = strlen(h->id);
	return strcmp(h->kind, "category") == 0 && strchr(h->id, '/') == NULL &&
	       strlen(v) > n && v[strlen(v) - n - 1] == '/' && strcmp(v + strlen(v) - n, h->id) == 0;
}

static int node_in(const struct hist *h, const dsmap_mapping *m)
{
	if (strcmp(h->kind, "purpose") == 0)
		return dsmap_mapping__purpose(m, h->id) != NULL;
	if (strcmp(h->kind, "recipient") == 0)
		return dsmap_mapping__recipient(m, h->id) != NULL;
	if (strcmp(h->kind, "system") == 0)
		return dsmap_mapping__system(m, h->id) != NULL;
	if (strchr(h->id, '/') != NULL)
		return dsmap_mapping__category(m, h->id) != NULL;
	{
		size_t i;

		for (i = 0; i < m->categories.count; i++)
			if (strcmp(((const struct dsmap__category *)m->categories.items[i])->id, h->id) == 0)
				return 1;
	}
	return 0;
}

static int hist_step(git_commit *commit, const dsmap_mapping *before, const dsmap_mapping *after,
                     const dsmap_diff *d, void *payload)
{
	struct hist *h = payload;
	json_t *cj = commit_json(commit), *list = json_object_get(cj, "changes");
	size_t i;

	if (before == NULL) {
		/* the first commit */
		if (h->kind == NULL || node_in(h, after)) {
			char detail[256];

			snprintf(detail, sizeof(detail), h->kind ? "%s %s is in the first commit" :
			         "the mapping's first commit%s%s", h->kind ? h->kind : "",
			         h->kind ? h->id : "");
			json_array_append_new(list, json_pack("{s:s, s:s}", "type", "introduced",
			                                      "detail", detail));
		}
	} else {
		for (i = 0; i < dsmap_diff_count(d); i++)
			if (matches(h, dsmap_diff_get(d, i)))
				json_array_append_new(list, change_json(dsmap_diff_get(d, i)));
	}
	if (json_array_size(list) > 0)
		json_array_append(h->commits, cj);
	json_decref(cj);
	return 0;
}

static void render_commits(struct dsmap__out *o, json_t *ans)
{
	json_t *c, *x;
	size_t i, j;

	if (json_array_size(json_object_get(ans, "commits")) == 0)
		dsmap__outf(o, "no commit changed it\n");
	json_array_foreach(json_object_get(ans, "commits"), i, c) {
		dsmap__outf(o, "%scommit %.12s  %s  %s <%s>\n    %s\n", i ? "\n" : "", js(c, "commit"),
		     js(c, "date"), js(c, "author"), js(c, "email"), js(c, "message"));
		json_array_foreach(json_object_get(c, "changes"), j, x)
			dsmap__outf(o, "  %s %s\n", json_string_value(json_object_get(x, "type")),
			     js(x, "detail"));
	}
}

static int since_time(dsmap_workspace *ws, const char *since, int64_t *out)
{
	git_oid oid;

	*out = INT64_MIN;
	if (since == NULL)
		return 0;
	if (dsmap_git__parse_date(since, out) == 0) {
		/* from the start of that day, for a bare date */
		if (strlen(since) == 10)
			*out -= 86399;
		return 0;
	}
	return dsmap_git__resolve(ws->repo, since, &oid, out);
}

int dsmap_history(char **out, dsmap_workspace *ws, const dsmap_history_options *opts, int format)
{
	static const dsmap_history_options defaults = DSMAP_HISTORY_OPTIONS_INIT;
	static const char *const kinds[] = { "purpose", "category", "recipient", "system" };
	struct hist h;
	json_t *ans;
	int64_t since;
	size_t i;
	int rc;

	if (out == NULL || ws == NULL || (format != DSMAP_FORMAT_TEXT && format != DSMAP_FORMAT_JSON))
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_history: invalid argument");
	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	if (opts->version != DSMAP_HISTORY_OPTIONS_VERSION)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_history: options version %u", opts->version);
	if ((opts->kind == NULL) != (opts->id == NULL))
		return dsmap_error__set(DSMAP_EINVALID, "a node is a kind and an id");
	for (i = 0; opts->kind != NULL && i < 4 && strcmp(kinds[i], opts->kind) != 0; i++)
		;
	if (i == 4)
		return dsmap_error__set(DSMAP_EINVALID, "unknown kind '%s' (purpose, "
		                        "category, recipient or system)", opts->kind);
	if ((rc = since_time(ws, opts->since, &since)) < 0)
		return rc;
	h.kind = opts->kind;
	h.id = opts->id;
	h.commits = json_array();
	ans = json_pack("{s:i, s:o, s:O}", "schema", 1, "node", opts->kind ?
	                json_pack("{s:s, s:s}", "kind", opts->kind, "id", opts->id) : json_null(),
	                "commits", h.commits);
	if (ans == NULL) {
		json_decref(h.commits);
		return dsmap_error__oom();
	}
	rc = walk(ws, opts->rev, since, hist_step, &h);
	json_decref(h.commits);
	if (rc < 0) {
		json_decref(ans);
		return rc;
	}
	return finish(out, ans, format, render_commits);
}

/* ---- blame ------------------------------------------------------------------------- */

enum edge { EDGE_USES, EDGE_SHARES, EDGE_SERVES };

struct blame {
	enum edge edge;
	const char *from, *to;       /* purpose/system, category/recipient/purpose */
	json_t *events;              /* newest first */
};

static int edge_in(const struct blame *b, const dsmap_mapping *m)
{
	const struct dsmap__purpose *p;
	const struct dsmap__system *s;
	size_t i;

	switch (b->edge) {
	case EDGE_USES:
		if ((p = dsmap_mapping__purpose(m, b->from)) == NULL)
			return 0;
		for (i = 0; i < p->categories.count; i++)
			if (strcmp(((const struct dsmap__category *)p->categories.items[i])->ref, b->to) == 0)
				return 1;
		return 0;
	case EDGE_SHARES:
		return (p = dsmap_mapping__purpose(m, b->from)) != NULL && purpose_shares(p, b->to);
	default:
		return (s = dsmap_mapping__system(m, b->from)) != NULL && system_serves(s, b->to);
	}
}

static int blame_step(git_commit *commit, const dsmap_mapping *before, const dsmap_mapping *after,
                      const dsmap_diff *d, void *payload)
{
	struct blame *b = payload;
	int now = edge_in(b, after), was = before ? edge_in(b, before) : 0;
	json_t *cj = commit_json(commit), *list = json_object_get(cj, "changes");
	size_t i;

	if (now != was)
		json_array_append_new(list, json_pack("{s:s, s:s}", "type", now ? "edge-added" :
		                                      "edge-removed", "detail", now ?
		                                      (before ? "the link was made" :
		                                       "the link is in the first commit") :
		                                      "the link was removed"));
	for (i = 0; now && was && d != NULL && i < dsmap_diff_count(d); i++) {
		const dsmap_change *c = dsmap_diff_get(d, i);
		int about;

		/* what changes the link itself: its retention, its recipient's terms */
		about = b->edge == EDGE_USES ? c->purpose && strcmp(c->purpose, b->from) == 0 &&
		        c->category && strcmp(c->category, b->to) == 0 :
		        b->edge == EDGE_SHARES ? c->recipient && strcmp(c->recipient, b->to) == 0 :
		        c->system && strcmp(c->system, b->from) == 0;
		if (about || (c->purpose && strcmp(c->purpose, b->edge == EDGE_SERVES ? b->to : b->from) == 0 &&
		              c->type == DSMAP_CHANGE_LEGAL_BASIS_CHANGED))
			json_array_append_new(list, change_json(c));
	}
	if (json_array_size(list) > 0)
		json_array_append(b->events, cj);
	json_decref(cj);
	return 0;
}

static void render_blame(struct dsmap__out *o, json_t *ans)
{
	json_t *ev = json_object_get(ans, "events"), *c, *x, *intro = json_object_get(ans, "introduced");
	size_t i, j;

	dsmap__outf(o, "%s %s -> %s: %s at %.12s\n", js(ans, "edge"), js(ans, "from"), js(ans, "to"),
	     json_is_true(json_object_get(ans, "exists")) ? "exists" : "does not exist",
	     js(ans, "head"));
	if (json_is_object(intro))
		dsmap__outf(o, "introduced by %.12s on %s by %s <%s>: %s\n", js(intro, "commit"),
		     js(intro, "date"), js(intro, "author"), js(intro, "email"), js(intro, "message"));
	dsmap__outf(o, "\nchanges, oldest first:\n");
	for (i = json_array_size(ev); i-- > 0; ) {
		c = json_array_get(ev, i);
		dsmap__outf(o, "  %.12s  %s  %s: %s\n", js(c, "commit"), js(c, "date"), js(c, "author"),
		     js(c, "message"));
		json_array_foreach(json_object_get(c, "changes"), j, x)
			dsmap__outf(o, "      %s %s\n", js(x, "type"), js(x, "detail"));
	}
}

/* "kind:id" */
static int split_node(const char *s, char *kind, size_t ksize, const char **id)
{
	const char *colon = s ? strchr(s, ':') : NULL;

	if (colon == NULL || colon == s || (size_t)(colon - s) >= ksize || colon[1] == '\0')
		return dsmap_error__set(DSMAP_EINVALID, "'%s': write KIND:ID, e.g. purpose:social-tariff",
		                        s ? s : "");
	memcpy(kind, s, (size_t)(colon - s));
	kind[colon - s] = '\0';
	*id = colon + 1;
	return 0;
}

int dsmap_blame(char **out, dsmap_workspace *ws, const char *a, const char *b_, int format)
{
	char ka[32], kb[32];
	const char *ia, *ib;
	struct blame b;
	git_oid head;
	char hex[GIT_OID_HEXSZ + 1];
	dsmap_mapping *m = NULL;
	json_t *ans, *intro = json_null();
	size_t i;
	int rc, exists;

	if (out == NULL || ws == NULL || (format != DSMAP_FORMAT_TEXT && format != DSMAP_FORMAT_JSON))
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_blame: invalid argument");
	*out = NULL;
	if ((rc = split_node(a, ka, sizeof(ka), &ia)) < 0 || (rc = split_node(b_, kb, sizeof(kb), &ib)) < 0)
		return rc;
	memset(&b, 0, sizeof(b));
	if (strcmp(ka, "category") == 0 || strcmp(ka, "recipient") == 0 ||
	    (strcmp(ka, "purpose") == 0 && strcmp(kb, "system") == 0)) {
		/* either order */
		const char *t = ia;
		char tk[32];

		ia = ib;
		ib = t;
		memcpy(tk, ka, sizeof(tk));
		memcpy(ka, kb, sizeof(ka));
		memcpy(kb, tk, sizeof(kb));
	}
	if (strcmp(ka, "purpose") == 0 && strcmp(kb, "category") == 0)
		b.edge = EDGE_USES;
	else if (strcmp(ka, "purpose") == 0 && strcmp(kb, "recipient") == 0)
		b.edge = EDGE_SHARES;
	else if (strcmp(ka, "system") == 0 && strcmp(kb, "purpose") == 0)
		b.edge = EDGE_SERVES;
	else
		return dsmap_error__set(DSMAP_EINVALID, "%s and %s are not the ends of an edge "
		                        "(purpose and category, purpose and recipient, system and "
		                        "purpose)", ka, kb);
	b.from = ia;
	b.to = ib;
	if ((rc = dsmap_git__resolve(ws->repo, "HEAD", &head, NULL)) < 0)
		return rc;
	if ((rc = load(&m, ws, &head, NULL)) < 0)
		return rc == DSMAP_EINVALID ? dsmap_error__prefix(DSMAP_ERROR, "blame") : rc;
	exists = edge_in(&b, m);
	if (b.edge == EDGE_USES && dsmap_mapping__category(m, ib) == NULL && !exists) {
		dsmap_mapping_free(m);
		return dsmap_error__set(DSMAP_EINVALID, "category '%s' is not GROUP/ID of "
		                        "the mapping at HEAD", ib);
	}
	dsmap_mapping_free(m);
	git_oid_tostr(hex, sizeof(hex), &head);
	b.events = json_array();
	if ((rc = walk(ws, NULL, INT64_MIN, blame_step, &b)) < 0) {
		json_decref(b.events);
		return rc;
	}
	/* Introduced by the newest "edge-added" with no removal after it. */
	if (exists)
		for (i = 0; i < json_array_size(b.events); i++) {
			json_t *c = json_array_get(b.events, i), *x;
			size_t j;

			json_array_foreach(json_object_get(c, "changes"), j, x)
				if (strcmp(js(x, "type"), "edge-added") == 0) {
					intro = json_deep_copy(c);
					json_object_del(intro, "changes");
					i = json_array_size(b.events);
					break;
				}
		}
	ans = json_pack("{s:i, s:s, s:s, s:s, s:s, s:b, s:o, s:o}", "schema", 1,
	    "edge", b.edge == EDGE_USES ? "uses" : b.edge == EDGE_SHARES ? "shares" : "serves",
	    "from", b.from, "to", b.to, "head", hex, "exists", exists, "introduced", intro,
	    "events", b.events);
	if (ans == NULL)
		return dsmap_error__oom();
	return finish(out, ans, format, render_blame);
}
