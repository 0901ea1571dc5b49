/*
 * The impact analysis, dsmap_impact() (see dsmap/history.h and
 * docs/history.md): for each change of the semantic diff between two
 * revisions, its severity and the systems it reaches, with subject counts
 * read from the per-(system, category) counters of the last scans, never
 * from the holdings.
 *
 * A change reaches systems through their definitions, never through what
 * they happen to hold: a change to a purpose reaches the systems that
 * serve it (at FROM for what goes, at TO for what comes, at either for
 * what is modified); a change that names a system reaches that system.
 * A system that holds a category concerned without being reached is listed
 * apart, in `also_hold`, without counts.  Only systems defined at FROM or
 * at TO appear at all; a retired system (one that left the mapping and
 * whose holdings were dropped) is counted only for its own system-removed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "dsmap/diff.h"
#include "dsmap/history.h"
#include "errors.h"
#include "jsonutil.h"
#include "git.h"
#include "histutil.h"
#include "mapping.h"
#include "store.h"
#include "util.h"
#include "workspace.h"

/* The schema of the JSON answer; 2 since reached systems are judged by
 * their definitions and `also_hold`, `at`, `last_scan` and `retired`
 * were added. */
#define IMPACT_SCHEMA 2

/* Where something is judged: at FROM (A), at TO (B), or both. */
enum { AT_A = 1, AT_B = 2 };

/* ---- the counters ------------------------------------------------------------------ */

struct held {
	char *id;
	uint32_t gen;            /* 0: no inventory in use */
	int64_t last_scan;
	int64_t retired;         /* nonzero: left the mapping, holdings dropped, counts kept */
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

	if (inv->n == inv->cap) {
		size_t cap = inv->cap ? inv->cap * 2 : 8;
		struct held *grown = dsmap__realloc(inv->sys, cap * sizeof(*grown));

		if (grown == NULL)
			return dsmap_error__oom();
		inv->sys = grown;
		inv->cap = cap;
	}
	h = &inv->sys[inv->n];
	memset(h, 0, sizeof(*h));
	if ((h->id = dsmap__strdup(id)) == NULL)
		return dsmap_error__oom();
	inv->n++;
	h->gen = sum->gen;
	h->last_scan = sum->last_scan;
	h->retired = sum->retired;
	h->subjects = sum->subjects;
	if (sum->category_count > 0) {
		if ((h->cats = dsmap__malloc(sum->category_count * sizeof(*h->cats))) == NULL)
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

static const struct held *find_held(const struct inventory *inv, const char *id)
{
	size_t i;

	for (i = 0; i < inv->n; i++)
		if (strcmp(inv->sys[i].id, id) == 0)
			return &inv->sys[i];
	return NULL;
}

/* Whether the counters of `h` may be used: those of its committed
 * inventory, or, for its own removal only, those a retired system kept. */
static int countable(const struct held *h, int removal)
{
	if (h == NULL)
		return 0;
	if (h->retired != 0)
		return removal;
	return h->gen != 0;
}

static const char *catref(const struct inventory *inv, const dsmap_store__cat_count *cc)
{
	return cc->catbit < inv->nrefs ? inv->refs[cc->catbit] : NULL;
}

/* Subjects of system `h` holding category `ref`; 0 when it holds none. */
static uint64_t held_subjects(const struct inventory *inv, const struct held *h, const char *ref)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		const char *r = catref(inv, &h->cats[i]);

		if (r != NULL && strcmp(r, ref) == 0)
			return h->cats[i].subjects;
	}
	return 0;
}

/* ---- what a change concerns -------------------------------------------------------- */

/* The purposes, categories and system a change concerns, and where each
 * is judged. */
struct scope {
	json_t *pa, *pb;         /* purpose ids whose servers at A, at B are reached */
	json_t *cats;            /* categories concerned ("group/id" set) */
	const char *system;      /* the system the change names, or NULL */
	int sys_at;              /* where that system is judged */
	int removal;             /* system-removed: a retired system's counters count */
	int oom;                 /* an insert failed */
};

/* Add `key` (when not NULL) to the id set `set`; *oom set on failure. */
static void set_add(json_t *set, const char *key, int *oom)
{
	if (key != NULL && json_object_set_new(set, key, json_true()) < 0)
		*oom = 1;
}

/* Categories of purpose `id` in `m` into the set `out`. */
static void purpose_categories(const dsmap_mapping *m, const char *id, json_t *out, int *oom)
{
	const struct dsmap__purpose *p = id ? dsmap_mapping__purpose(m, id) : NULL;
	size_t i;

	for (i = 0; p != NULL && i < p->categories.count; i++)
		set_add(out, ((const struct dsmap__category *)p->categories.items[i])->ref, oom);
}

/* The purposes of `m` that share with recipient `r`, into `out`. */
static void sharing(const dsmap_mapping *m, const char *r, json_t *out, int *oom)
{
	size_t i;

	for (i = 0; i < m->purposes.count; i++) {
		const struct dsmap__purpose *p = m->purposes.items[i];

		if (dsmap__purpose_shares(p, r))
			set_add(out, p->id, oom);
	}
}

/* The purposes of `m` that use category `ref`, into `out`. */
static void using(const dsmap_mapping *m, const char *ref, json_t *out, int *oom)
{
	size_t i, j;

	for (i = 0; i < m->purposes.count; i++) {
		const struct dsmap__purpose *p = m->purposes.items[i];

		for (j = 0; j < p->categories.count; j++)
			if (strcmp(((const struct dsmap__category *)p->categories.items[j])->ref, ref) == 0)
				set_add(out, p->id, oom);
	}
}

/* The categories the fields of a source hold, into `out`. */
static void source_categories(const struct dsmap__source *src, json_t *out, int *oom)
{
	size_t j, q;

	for (j = 0; j < src->cat_fields.count; j++) {
		const struct dsmap__cat_field *f = src->cat_fields.items[j];

		for (q = 0; q < f->categories.count; q++)
			set_add(out, ((const struct dsmap__category *)f->categories.items[q])->ref, oom);
	}
}

/* The categories the fields of system `id` in `m` hold (only those of
 * source `source` when not NULL), into `out`. */
static void system_categories(const dsmap_mapping *m, const char *id, const char *source,
                              json_t *out, int *oom)
{
	const struct dsmap__system *s = dsmap_mapping__system(m, id);
	size_t i;

	for (i = 0; s != NULL && i < s->sources.count; i++) {
		const struct dsmap__source *src = s->sources.items[i];

		if (source == NULL || (src->name != NULL && strcmp(src->name, source) == 0))
			source_categories(src, out, oom);
	}
}

/* The id purpose `id` (of TO) had at FROM: the old id of a purpose-renamed
 * change ("OLD: SECTION TITLE") kept in `renames`, else `id`. */
static const char *old_id(json_t *renames, const char *id)
{
	const char *o = json_string_value(json_object_get(renames, id));

	return o ? o : id;
}

/* new id -> old id, from the diff's purpose-renamed changes. */
static json_t *rename_map(const dsmap_diff *d)
{
	json_t *map = json_object();
	size_t i;

	for (i = 0; map != NULL && i < dsmap_diff_count(d); i++) {
		const dsmap_change *c = dsmap_diff_get(d, i);
		const char *colon;

		if (c->type != DSMAP_CHANGE_PURPOSE_RENAMED || c->before == NULL ||
		    (colon = strstr(c->before, ": ")) == NULL)
			continue;
		if (json_object_set_new(map, c->purpose,
		                        json_stringn(c->before, (size_t)(colon - c->before))) < 0) {
			json_decref(map);
			return NULL;
		}
	}
	return map;
}

/* Fill `sc` for change `c` from FROM (`a`) to TO (`b`); see the table of
 * docs/history.md. */
static void scope_of(struct scope *sc, const dsmap_mapping *a, const dsmap_mapping *b,
                     const dsmap_change *c, json_t *renames)
{
	const char *key;
	json_t *v;

	sc->system = NULL;
	sc->sys_at = 0;
	sc->removal = 0;
	if (c->system != NULL) {
		const char *pa = c->purpose ? old_id(renames, c->purpose) : NULL;

		sc->system = c->system;
		switch (c->type) {
		case DSMAP_CHANGE_SYSTEM_ADDED:
			sc->sys_at = AT_B;
			system_categories(b, c->system, NULL, sc->cats, &sc->oom);
			break;
		case DSMAP_CHANGE_SYSTEM_REMOVED:
			sc->sys_at = AT_A;
			sc->removal = 1;
			system_categories(a, c->system, NULL, sc->cats, &sc->oom);
			break;
		case DSMAP_CHANGE_SYSTEM_PURPOSE_ADDED:
			sc->sys_at = AT_B;
			purpose_categories(b, c->purpose, sc->cats, &sc->oom);
			break;
		case DSMAP_CHANGE_SYSTEM_PURPOSE_REMOVED:
			/* the diff names a renamed purpose by its new id */
			sc->sys_at = AT_A;
			if (dsmap_mapping__purpose(a, pa) != NULL)
				purpose_categories(a, pa, sc->cats, &sc->oom);
			else
				purpose_categories(b, c->purpose, sc->cats, &sc->oom);
			break;
		default:   /* system-mapping-changed: the source concerned, at both */
			sc->sys_at = AT_A | AT_B;
			system_categories(a, c->system, c->source, sc->cats, &sc->oom);
			system_categories(b, c->system, c->source, sc->cats, &sc->oom);
			break;
		}
		return;
	}
	switch (c->type) {
	case DSMAP_CHANGE_PURPOSE_ADDED:
		set_add(sc->pb, c->purpose, &sc->oom);
		break;
	case DSMAP_CHANGE_PURPOSE_REMOVED:
		set_add(sc->pa, c->purpose, &sc->oom);
		break;
	case DSMAP_CHANGE_RECIPIENT_ADDED:
		sharing(b, c->recipient, sc->pb, &sc->oom);
		break;
	case DSMAP_CHANGE_RECIPIENT_REMOVED:
		sharing(a, c->recipient, sc->pa, &sc->oom);
		break;
	case DSMAP_CHANGE_CATEGORY_ADDED:
		using(b, c->category, sc->pb, &sc->oom);
		break;
	case DSMAP_CHANGE_CATEGORY_REMOVED:
		using(a, c->category, sc->pa, &sc->oom);
		break;
	default:
		if (c->purpose != NULL) {
			/* a purpose modified: its servers at either revision */
			set_add(sc->pa, old_id(renames, c->purpose), &sc->oom);
			set_add(sc->pb, c->purpose, &sc->oom);
		} else if (c->recipient != NULL) {
			/* recipient-kind-changed, recipient-transfer-changed */
			sharing(a, c->recipient, sc->pa, &sc->oom);
			sharing(b, c->recipient, sc->pb, &sc->oom);
		}
		break;
	}
	if (c->category != NULL) {
		set_add(sc->cats, c->category, &sc->oom);
	} else {
		json_object_foreach(sc->pa, key, v)
			purpose_categories(a, key, sc->cats, &sc->oom);
		json_object_foreach(sc->pb, key, v)
			purpose_categories(b, key, sc->cats, &sc->oom);
	}
}

/* ---- the systems reached ------------------------------------------------------------ */

struct reach {
	const char *id;
	int at;
};

static int reach_cmp(const void *x, const void *y)
{
	return strcmp(((const struct reach *)x)->id, ((const struct reach *)y)->id);
}

static int serves_any(const struct dsmap__system *s, json_t *purposes)
{
	const char *key;
	json_t *v;

	json_object_foreach(purposes, key, v)
		if (dsmap__system_serves(s, key))
			return 1;
	return 0;
}

/* Add `id` reached at `at` to the list (merging with an entry there). */
static int reach_add(struct reach **list, size_t *n, const char *id, int at)
{
	struct reach *grown;
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*list)[i].id, id) == 0) {
			(*list)[i].at |= at;
			return 0;
		}
	if ((grown = dsmap__realloc(*list, (*n + 1) * sizeof(*grown))) == NULL)
		return dsmap_error__oom();
	*list = grown;
	grown[*n].id = id;
	grown[*n].at = at;
	(*n)++;
	return 0;
}

static const char *at_name(int at)
{
	return at == (AT_A | AT_B) ? "both" : at == AT_A ? "from" : "to";
}

/* One reached system as JSON: counts from its counters when they may be
 * used. */
static json_t *system_json(const struct inventory *inv, const char *id, int at,
                           json_t *cats, int removal)
{
	const struct held *h = find_held(inv, id);
	uint64_t lo = 0, sum = 0;
	const char *key;
	json_t *v;
	int counted = countable(h, removal);

	if (counted) {
		json_object_foreach(cats, key, v) {
			uint64_t n = held_subjects(inv, h, key);

			lo = n > lo ? n : lo;
			sum += n;
		}
		if (sum > h->subjects)
			sum = h->subjects;
	}
	return json_pack("{s:s, s:s, s:b, s:b, s:I, s:I, s:o, s:o}", "system", id,
	    "at", at_name(at), "holds", lo > 0, "declares", 1,
	    "subjects_at_least", (json_int_t)lo, "subjects_at_most", (json_int_t)sum,
	    "last_scan", counted && h->last_scan ? dsmap__hist_iso(h->last_scan) : json_null(),
	    "retired", h != NULL && h->retired ? dsmap__hist_iso(h->retired) : json_null());
}

static int defined(const dsmap_mapping *a, const dsmap_mapping *b, const char *id)
{
	return dsmap_mapping__system(a, id) != NULL || dsmap_mapping__system(b, id) != NULL;
}

/* The systems change `c` reaches into c's JSON `cj` ("systems"), and
 * those that only hold a category concerned ("also_hold"). */
static int reached(json_t *cj, const struct inventory *inv, const dsmap_mapping *a,
                   const dsmap_mapping *b, const dsmap_change *c, json_t *renames)
{
	struct scope sc = { json_object(), json_object(), json_object(), NULL, 0, 0, 0 };
	json_t *systems = json_array(), *also = json_array();
	struct reach *list = NULL;
	size_t n = 0, i, k;
	int rc = 0;

	if (sc.pa == NULL || sc.pb == NULL || sc.cats == NULL || systems == NULL || also == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	scope_of(&sc, a, b, c, renames);
	if (sc.oom) {
		rc = dsmap_error__oom();
		goto done;
	}
	if (sc.system != NULL) {
		int at = 0;

		if ((sc.sys_at & AT_A) && dsmap_mapping__system(a, sc.system) != NULL)
			at |= AT_A;
		if ((sc.sys_at & AT_B) && dsmap_mapping__system(b, sc.system) != NULL)
			at |= AT_B;
		if (at != 0 && (rc = reach_add(&list, &n, sc.system, at)) < 0)
			goto done;
	} else {
		const dsmap_mapping *m[2] = { a, b };
		json_t *ps[2] = { sc.pa, sc.pb };

		for (k = 0; k < 2; k++)
			for (i = 0; i < m[k]->systems.count; i++) {
				const struct dsmap__system *s = m[k]->systems.items[i];

				if (serves_any(s, ps[k]) &&
				    (rc = reach_add(&list, &n, s->id, k ? AT_B : AT_A)) < 0)
					goto done;
			}
	}
	if (n > 1)
		qsort(list, n, sizeof(*list), reach_cmp);
	for (i = 0; i < n; i++)
		if (json_array_append_new(systems, system_json(inv, list[i].id, list[i].at, sc.cats,
		                                               sc.removal)) < 0) {
			rc = dsmap_error__oom();
			goto done;
		}
	/* holders that are not reached: informational, never counted */
	for (i = 0; sc.system == NULL && i < inv->n; i++) {
		const struct held *h = &inv->sys[i];
		json_t *held;
		size_t q;

		for (q = 0; q < n && strcmp(list[q].id, h->id) != 0; q++)
			;
		if (q < n || !countable(h, 0) || !defined(a, b, h->id))
			continue;
		if ((held = json_array()) == NULL) {
			rc = dsmap_error__oom();
			goto done;
		}
		for (q = 0; q < h->n; q++) {
			const char *ref = catref(inv, &h->cats[q]);

			if (ref != NULL && h->cats[q].subjects > 0 && json_object_get(sc.cats, ref) &&
			    json_array_append_new(held, json_string(ref)) < 0) {
				json_decref(held);
				rc = dsmap_error__oom();
				goto done;
			}
		}
		if (json_array_size(held) == 0)
			json_decref(held);
		else if (json_array_append_new(also, json_pack("{s:s, s:o}", "system", h->id,
		                                               "categories", held)) < 0) {
			rc = dsmap_error__oom();
			goto done;
		}
	}
	if (json_object_set(cj, "systems", systems) < 0 || json_object_set(cj, "also_hold", also) < 0)
		rc = dsmap_error__oom();
done:
	free(list);
	json_decref(systems);
	json_decref(also);
	json_decref(sc.pa);
	json_decref(sc.pb);
	json_decref(sc.cats);
	return rc;
}

/* ---- severity ------------------------------------------------------------------------ */

static int consent_based(const struct dsmap__purpose *p)
{
	size_t i;

	for (i = 0; i < p->legal_bases.count; i++)
		if (strcmp(((const struct dsmap__legal_basis *)p->legal_bases.items[i])->gdpr,
		           "6(1)(a)") == 0)
			return 1;
	return 0;
}

/* How much change `c` matters, judged against TO (`b`); docs/history.md
 * has the same table. */
static dsmap_severity severity(const dsmap_mapping *b, const dsmap_change *c, const char **why)
{
	const struct dsmap__recipient *r;
	const struct dsmap__purpose *p;
	size_t i;

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
		for (i = 0; p != NULL && i < p->recipients.count; i++)
			if (((const struct dsmap__recipient *)p->recipients.items[i])->transfers.count) {
				*why = "a new purpose that shares data outside the EEA";
				return DSMAP_SEVERITY_HIGH;
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

/* ---- orphaned categories -------------------------------------------------------------- */

/* Categories system `h` holds that no purpose it declares in `m` uses. */
static json_t *orphans(const struct inventory *inv, const struct held *h, const dsmap_mapping *m)
{
	const struct dsmap__system *s = dsmap_mapping__system(m, h->id);
	json_t *used = json_object(), *out = json_object();
	size_t i;
	int oom = used == NULL || out == NULL;

	for (i = 0; !oom && s != NULL && i < s->purposes.count; i++)
		purpose_categories(m, ((const struct dsmap__purpose *)s->purposes.items[i])->id, used,
		                   &oom);
	for (i = 0; !oom && s != NULL && i < h->n; i++) {
		const char *ref = catref(inv, &h->cats[i]);

		if (ref != NULL && h->cats[i].subjects > 0 && json_object_get(used, ref) == NULL &&
		    json_object_set_new(out, ref, json_integer((json_int_t)h->cats[i].subjects)) < 0)
			oom = 1;
	}
	json_decref(used);
	if (oom) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* The category-orphaned findings of system `h` (defined at TO, with
 * counters in use) into `changes`; the count of them added to *high. */
static int orphaned(json_t *changes, size_t *high, const struct inventory *inv,
                    const struct held *h, const dsmap_mapping *a, const dsmap_mapping *b)
{
	json_t *now = orphans(inv, h, b), *was = orphans(inv, h, a), *v, *cj;
	const char *ref;
	int rc = 0;

	if (now == NULL || was == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	json_object_foreach(now, ref, v) {
		char detail[512];

		if (json_object_get(was, ref) != NULL)
			continue;
		snprintf(detail, sizeof(detail), "system %s holds %s, which no purpose it serves "
		         "uses any more", h->id, ref);
		cj = json_pack("{s:s, s:n, s:s, s:n, s:s, s:n, s:n, s:i, s:s, s:s, s:s, s:[o], s:[]}",
		    "type", "category-orphaned", "purpose", "category", ref, "recipient",
		    "system", h->id, "before", "after", "direction", 0, "detail", detail,
		    "severity", "high", "why", "a category held with no purpose to justify it: "
		    "erase it or declare a purpose", "systems",
		    json_pack("{s:s, s:s, s:b, s:b, s:I, s:I, s:o, s:n}", "system", h->id, "at", "to",
		              "holds", 1, "declares", 1, "subjects_at_least", json_integer_value(v),
		              "subjects_at_most", json_integer_value(v), "last_scan",
		              h->last_scan ? dsmap__hist_iso(h->last_scan) : json_null(), "retired"),
		    "also_hold");
		if (cj == NULL || json_array_append_new(changes, cj) < 0) {
			rc = dsmap_error__oom();
			goto done;
		}
		(*high)++;
	}
done:
	json_decref(now);
	json_decref(was);
	return rc;
}

/* ---- text ---------------------------------------------------------------------------- */

/* "YYYY-MM-DD HH:MM" of an ISO 8601 "YYYY-MM-DDTHH:MM:SSZ". */
static void render_date(struct dsmap__out *o, const char *iso)
{
	dsmap__outf(o, "%.10s %.5s", iso, strlen(iso) >= 16 ? iso + 11 : "");
}

static void render_system(struct dsmap__out *o, json_t *c, json_t *s)
{
	json_int_t lo = json_integer_value(json_object_get(s, "subjects_at_least"));
	json_int_t hi = json_integer_value(json_object_get(s, "subjects_at_most"));
	const char *scan = json_string_value(json_object_get(s, "last_scan"));
	const char *retired = json_string_value(json_object_get(s, "retired"));

	dsmap__outf(o, "       %s: ", dsmap__json_str(s, "system"));
	if (scan == NULL)
		dsmap__outf(o, "not counted");
	else if (!json_is_true(json_object_get(s, "holds")))
		dsmap__outf(o, "holds none of it");
	else if (lo == hi)
		dsmap__outf(o, "holds it for %lld subjects", (long long)lo);
	else
		dsmap__outf(o, "holds it for %lld to %lld subjects", (long long)lo, (long long)hi);
	/* a change that names no system reaches the systems serving a purpose */
	if (json_is_null(json_object_get(c, "system")))
		dsmap__outf(o, "; %s the purpose", strcmp(dsmap__json_str(s, "at"), "from") == 0 ?
		            "declared" : "declares");
	if (scan != NULL) {
		dsmap__outf(o, " (counts of the scan of ");
		render_date(o, scan);
		dsmap__outf(o, " UTC)");
	} else if (retired != NULL) {
		dsmap__outf(o, " (it left the mapping on ");
		render_date(o, retired);
		dsmap__outf(o, " UTC and its inventory was dropped)");
	} else {
		dsmap__outf(o, " (never scanned)");
	}
	if (scan != NULL && retired != NULL) {
		dsmap__outf(o, "; its inventory was dropped on ");
		render_date(o, retired);
		dsmap__outf(o, " UTC");
	}
	dsmap__outf(o, "\n");
}

static void render_impact(struct dsmap__out *o, json_t *ans)
{
	json_t *c, *s, *sum = json_object_get(ans, "summary");
	json_int_t n = json_integer_value(json_object_get(sum, "changes"));
	size_t i, j;

	dsmap__outf(o, "impact of %.12s -> %.12s: %lld change%s (%lld high, %lld medium, %lld low)\n",
	    dsmap__json_str(ans, "from"), dsmap__json_str(ans, "to"), (long long)n, n == 1 ? "" : "s",
	    (long long)json_integer_value(json_object_get(sum, "high")),
	    (long long)json_integer_value(json_object_get(sum, "medium")),
	    (long long)json_integer_value(json_object_get(sum, "low")));
	json_array_foreach(json_object_get(ans, "changes"), i, c) {
		json_t *also = json_object_get(c, "also_hold");

		dsmap__outf(o, "\n%-6s %s\n       why: %s\n", dsmap__json_str(c, "severity"), dsmap__json_str(c, "detail"),
		    dsmap__json_str(c, "why"));
		if (json_array_size(json_object_get(c, "systems")) == 0)
			dsmap__outf(o, "       no system serves it\n");
		json_array_foreach(json_object_get(c, "systems"), j, s)
			render_system(o, c, s);
		if (json_array_size(also) > 0) {
			dsmap__outf(o, "       not reached, though they hold a category concerned:");
			json_array_foreach(also, j, s)
				dsmap__outf(o, "%s %s", j ? "," : "", dsmap__json_str(s, "system"));
			dsmap__outf(o, "\n");
		}
	}
}

/* ---- the answer ---------------------------------------------------------------------- */

int dsmap_impact(char **out, dsmap_workspace *ws, const char *from, const char *to, int format)
{
	dsmap_mapping *a = NULL, *b = NULL;
	dsmap__doc_cache *cache = NULL;
	dsmap_diff *d = NULL;
	struct inventory inv;
	git_oid oa, ob;
	json_t *ans = NULL, *changes, *renames = NULL;
	char ha[GIT_OID_HEXSZ + 1], hb[GIT_OID_HEXSZ + 1];
	size_t i, counts[3] = { 0, 0, 0 };
	int rc;

	memset(&inv, 0, sizeof(inv));
	if (out == NULL || ws == NULL || from == NULL || to == NULL ||
	    (format != DSMAP_FORMAT_TEXT && format != DSMAP_FORMAT_JSON))
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_impact: invalid argument");
	*out = NULL;
	if ((rc = dsmap_workspace__git(ws)) < 0)
		return rc;
	/* the two revisions share most files: each is parsed once */
	if ((cache = dsmap__doc_cache_new()) == NULL)
		return dsmap_error__oom();
	if ((rc = dsmap_git__resolve(ws->repo, from, &oa, NULL)) < 0 ||
	    (rc = dsmap_git__resolve(ws->repo, to, &ob, NULL)) < 0 ||
	    (rc = dsmap__hist_load(&a, ws, &oa, cache)) < 0 ||
	    (rc = dsmap__hist_load(&b, ws, &ob, cache)) < 0 ||
	    (rc = dsmap_diff_mappings(&d, a, b)) < 0 || (rc = inventory_read(&inv, ws->store)) < 0)
		goto done;
	if ((renames = rename_map(d)) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	git_oid_tostr(ha, sizeof(ha), &oa);
	git_oid_tostr(hb, sizeof(hb), &ob);
	changes = json_array();
	ans = json_pack("{s:i, s:s, s:s, s:o}", "schema", IMPACT_SCHEMA, "from", ha, "to", hb,
	                "changes", changes);
	if (ans == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	for (i = 0; i < dsmap_diff_count(d); i++) {
		const dsmap_change *c = dsmap_diff_get(d, i);
		const char *why = "";
		dsmap_severity sev = severity(b, c, &why);
		json_t *cj = dsmap__hist_change_json(c);

		if (cj == NULL || json_array_append_new(changes, cj) < 0 ||
		    json_object_set_new(cj, "severity", json_string(severity_name((int)sev))) < 0 ||
		    json_object_set_new(cj, "why", json_string(why)) < 0) {
			rc = dsmap_error__oom();
			goto done;
		}
		if ((rc = reached(cj, &inv, a, b, c, renames)) < 0)
			goto done;
		counts[sev]++;
	}
	/* Categories left without a purpose in a system that holds them. */
	for (i = 0; i < inv.n; i++)
		if (countable(&inv.sys[i], 0) && dsmap_mapping__system(b, inv.sys[i].id) != NULL &&
		    (rc = orphaned(changes, &counts[DSMAP_SEVERITY_HIGH], &inv, &inv.sys[i], a, b)) < 0)
			goto done;
	if (json_object_set_new(ans, "summary", json_pack("{s:I, s:I, s:I, s:I}",
	    "changes", (json_int_t)json_array_size(changes), "high", (json_int_t)counts[2],
	    "medium", (json_int_t)counts[1], "low", (json_int_t)counts[0])) < 0) {
		rc = dsmap_error__oom();
		goto done;
	}
	rc = dsmap__hist_finish(out, ans, format, render_impact);
	ans = NULL;
done:
	json_decref(ans);
	json_decref(renames);
	inventory_free(&inv);
	dsmap_diff_free(d);
	dsmap_mapping_free(a);
	dsmap_mapping_free(b);
	dsmap__doc_cache_free(cache);
	return rc;
}
