/*
 * The lineage graph: sync a revision's mapping into the store, and answer
 * lineage questions from it.
 *
 * The layout of the graph, nodes, revs and catbits databases is schema.h's.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "alloc.h"
#include "dsmap/lineage.h"
#include "errors.h"
#include "jsonutil.h"
#include "git.h"
#include "inventory.h"
#include "lineage.h"
#include "ls.h"
#include "dsmap/ident.h"
#include "mapping.h"
#include "store.h"
#include "util.h"
#include "words.h"
#include "workspace.h"

#define OID DSMAP__OID_SIZE
#define HASH DSMAP__NODE_HASH_SIZE
#define KEY_MAX DSMAP__KEY_MAX

void dsmap_free(void *p)
{
	free(p);
}

const char *dsmap_lineage_kind_name(int kind)
{
	static const char *const names[] = { "category", "purpose", "recipient", "subject-kind",
	                                     "system" };

	return kind >= 0 && kind < 5 ? names[kind] : NULL;
}

/* ---- JSON of the model's nodes --------------------------------------------------- */

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jstrings(const dsmap__vec *v)
{
	json_t *a = json_array();
	int bad = a == NULL;
	size_t i;

	for (i = 0; i < v->count; i++)
		dsmap__json_push(a, json_string(v->items[i]), &bad);
	return dsmap__json_done(a, bad);
}

static json_t *jtransfers(const dsmap__vec *v)
{
	json_t *a = json_array();
	int bad = a == NULL;
	size_t i;

	for (i = 0; i < v->count; i++) {
		const struct dsmap__transfer *t = v->items[i];

		dsmap__json_push(a, json_pack("{s:o, s:o, s:o, s:o}", "section", jstr(t->section),
		    "countries", jstrings(&t->countries), "safeguards", jstrings(&t->safeguards),
		    "text_fr", jstr(t->text_fr)), &bad);
	}
	return dsmap__json_done(a, bad);
}

static json_t *category_json(const struct dsmap__category *c)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:o, s:o}",
	    "ref", c->ref, "group", dsmap_category_group_name((unsigned int)c->group), "id", c->id,
	    "section", jstr(c->section), "name_fr", jstr(c->name_fr), "name_en", jstr(c->name_en),
	    "defined_in_section_4", !c->extra, "aliases", jstrings(&c->aliases), "note", jstr(c->note));
}

static json_t *recipient_json(const struct dsmap__recipient *r)
{
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "id", r->id,
	    "kind", dsmap__recipient_kind_name(r->kind), "section", jstr(r->section),
	    "name_fr", jstr(r->name_fr), "name_en", jstr(r->name_en),
	    "transfers_outside_eea", jtransfers(&r->transfers));
}

static json_t *subject_kind_json(const struct dsmap__subject_kind *k)
{
	return json_pack("{s:s, s:o, s:o}", "id", k->id, "name_fr", jstr(k->name_fr),
	                 "name_en", jstr(k->name_en));
}

static json_t *right_json(const struct dsmap__right *r)
{
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "id", r->id, "section", jstr(r->section),
	    "name_fr", jstr(r->name_fr), "name_en", jstr(r->name_en),
	    "gdpr_article", jstr(r->gdpr_article), "how_fr", jstr(r->how_fr));
}

static json_t *refs_of(const dsmap__vec *v, int categories)
{
	json_t *a = json_array();
	int bad = a == NULL;
	size_t i;

	for (i = 0; i < v->count; i++)
		dsmap__json_push(a, json_string(categories ?
		    ((const struct dsmap__category *)v->items[i])->ref :
		    ((const struct dsmap__recipient *)v->items[i])->id), &bad);
	return dsmap__json_done(a, bad);
}

static json_t *notice_json(const dsmap_mapping *m)
{
	return json_pack("{s:o, s:o, s:o, s:o}", "id", jstr(m->notice_id),
	                 "version", jstr(m->notice_version), "language", jstr(m->language),
	                 "linking_identifier_kinds", jstrings(&m->linking_kinds));
}

static json_t *purpose_json(const struct dsmap__purpose *p)
{
	json_t *bases = json_array(), *rules = json_array(), *kinds = json_array(), *node;
	size_t i;
	int bad = 0;

	for (i = 0; i < p->legal_bases.count; i++) {
		const struct dsmap__legal_basis *lb = p->legal_bases.items[i];

		dsmap__json_push(bases, json_pack("{s:s, s:o, s:o, s:o}", "gdpr", lb->gdpr,
		    "law", jstr(lb->law), "articles", jstrings(&lb->articles), "text_fr", jstr(lb->text_fr)),
		    &bad);
	}
	for (i = 0; i < p->rules.count; i++) {
		const struct dsmap__rule *r = p->rules.items[i];

		dsmap__json_push(rules, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
		    "categories", r->categories.count ? refs_of(&r->categories, 1) : json_null(),
		    "duration", jstr(r->duration), "duration_min", jstr(r->duration_min),
		    "trigger", jstr(r->trigger), "condition_fr", jstr(r->condition_fr),
		    "scope_fr", jstr(r->scope_fr)), &bad);
	}
	for (i = 0; i < p->subject_kinds.count; i++)
		dsmap__json_push(kinds,
		    json_string(((const struct dsmap__subject_kind *)p->subject_kinds.items[i])->id), &bad);
	if (bad) {
		json_decref(bases);
		json_decref(rules);
		json_decref(kinds);
		return NULL;
	}
	node = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:{s:o, s:o}, s:o, s:o, s:o, s:o, s:b, s:o, s:o}",
	    "id", p->id, "section", jstr(p->section), "title_fr", jstr(p->title_fr),
	    "title_en", jstr(p->title_en), "categories", refs_of(&p->categories, 1),
	    "legal_bases", bases, "retention", "text_fr", jstr(p->retention_fr), "rules", rules,
	    "recipients", refs_of(&p->recipients, 0), "subject_kinds", kinds,
	    "objection_fr", jstr(p->objection_fr), "withdrawal_fr", jstr(p->withdrawal_fr),
	    "automated_decision", p->automated_decision,
	    "automated_decision_fr", jstr(p->automated_decision_fr),
	    "transfers_outside_eea", jtransfers(&p->transfers));
	/* Scope restrictions only where the notice states one, so that the
	 * nodes of purposes without one keep their content hash. */
	if (node != NULL && (p->excluded_brands.count > 0 || p->scope_note_fr != NULL)) {
		json_t *brands = json_array();

		bad = brands == NULL;
		for (i = 0; i < p->excluded_brands.count; i++)
			dsmap__json_push(brands,
			    json_string(((const struct dsmap__brand *)p->excluded_brands.items[i])->id), &bad);
		dsmap__json_put(node, "excluded_brands", dsmap__json_done(brands, bad), &bad);
		dsmap__json_put(node, "scope_note_fr", jstr(p->scope_note_fr), &bad);
		return dsmap__json_done(node, bad);
	}
	return node;
}

static json_t *brand_json(const struct dsmap__brand *b)
{
	return json_pack("{s:s, s:o}", "id", b->id, "name", jstr(b->name));
}

/* A facet of a source (subject kind, brand) as data, with the ids it can
 * give; null when the source says nothing. */
static json_t *facet_json(const struct dsmap__facet *f)
{
	json_t *values, *ids;
	size_t i;
	int bad;

	if (f == NULL)
		return json_null();
	values = json_object();
	ids = json_array();
	bad = values == NULL || ids == NULL;
	if (f->fixed != NULL)
		dsmap__json_push(ids, json_string(f->fixed), &bad);
	for (i = 0; i < f->values.count; i++) {
		const struct dsmap__facet_value *v = f->values.items[i];

		dsmap__json_put(values, v->value, json_string(v->id), &bad);
		if (!dsmap__json_has(ids, v->id))
			dsmap__json_push(ids, json_string(v->id), &bad);
	}
	if (f->default_id != NULL && !dsmap__json_has(ids, f->default_id))
		dsmap__json_push(ids, json_string(f->default_id), &bad);
	if (bad) {
		json_decref(values);
		json_decref(ids);
		return NULL;
	}
	return json_pack("{s:o, s:o, s:o, s:o, s:o}", "fixed", jstr(f->fixed), "field", jstr(f->field),
	                 "values", values, "default", jstr(f->default_id), "ids", ids);
}

/* The categories a source's fields hold, in field order, once each, added
 * to `out`; *bad set when out of memory. */
static void source_categories(const struct dsmap__source *src, json_t *out, int *bad)
{
	size_t j, k;

	for (j = 0; j < src->cat_fields.count; j++) {
		const struct dsmap__cat_field *f = src->cat_fields.items[j];

		for (k = 0; k < f->categories.count; k++) {
			const char *ref = ((const struct dsmap__category *)f->categories.items[k])->ref;

			if (!dsmap__json_has(out, ref))
				dsmap__json_push(out, json_string(ref), bad);
		}
	}
}

static json_t *system_json(const struct dsmap__system *sys)
{
	json_t *purposes = json_array(), *cats = json_array(), *sources = json_array(), *se;
	size_t i, j;
	int bad = 0;

	for (i = 0; i < sys->purposes.count; i++)
		dsmap__json_push(purposes,
		    json_string(((const struct dsmap__purpose *)sys->purposes.items[i])->id), &bad);
	for (i = 0; i < sys->sources.count; i++) {
		const struct dsmap__source *src = sys->sources.items[i];
		json_t *ids = json_array(), *scats = json_array();
		int sbad = ids == NULL || scats == NULL;

		for (j = 0; j < src->id_fields.count; j++) {
			const struct dsmap__id_field *f = src->id_fields.items[j];

			dsmap__json_push(ids, json_pack("{s:s, s:s}", "field", f->field,
			                                "kind", dsmap_ident_kind_name(f->kind)), &sbad);
		}
		source_categories(src, scats, &sbad);
		source_categories(src, cats, &bad);
		if (sbad) {
			json_decref(ids);
			json_decref(scats);
			bad = 1;
			break;
		}
		se = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}",
		    "name", src->name, "identifiers", ids, "categories", scats,
		    "timestamp", jstr(src->timestamp), "subject_kind", facet_json(src->subject_kind),
		    "brand", facet_json(src->brand));
		/* only where declared, so that the nodes of systems without
		 * one keep their content hash */
		if (se != NULL && src->consent != NULL)
			dsmap__json_put(se, "consent", json_string(src->consent), &bad);
		dsmap__json_push(sources, se, &bad);
	}
	if (bad) {
		json_decref(purposes);
		json_decref(cats);
		json_decref(sources);
		return NULL;
	}
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "id", sys->id, "name", jstr(sys->name),
	                 "plugin", jstr(sys->plugin), "purposes", purposes, "categories", cats,
	                 "sources", sources);
}

/* ---- sync ------------------------------------------------------------------------ */

struct sync {
	const dsmap_mapping *m;
	unsigned char oid[OID];
	char hex[41];
	int64_t commit_time;
	int keep_synced;           /* store the graph only: the synced revision stays */
	dsmap_sync_result res;
};

static int put_node(dsmap_store *s, MDB_txn *txn, struct sync *sy,
                    enum dsmap__graph_type type, const char *id, json_t *node)
{
	unsigned char key[KEY_MAX], hash[HASH], *val = NULL;
	char *text;
	MDB_val k, v;
	int rc;

	if (node == NULL)
		return dsmap_error__oom();
	text = dsmap__json_dumps(node, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(node);
	if (text == NULL)
		return dsmap_error__oom();
	if ((k.mv_size = dsmap__graph_node_key(key, sy->oid, type, id, strlen(id))) == 0) {
		free(text);
		return dsmap_error__set(DSMAP_EINVALID, "id '%s' is too long to store", id);
	}
	k.mv_data = key;
	rc = dsmap__node_encode(&val, &v.mv_size, hash, text, strlen(text));
	free(text);
	if (rc < 0)
		return rc;
	/* the graph entry names the node by its hash... */
	{
		MDB_val hk = { HASH, hash };

		v.mv_data = val;
		rc = mdb_put(txn, s->dbi[DSMAP__DB_NODES], &hk, &v, MDB_NOOVERWRITE);
	}
	free(val);
	if (rc == 0)
		sy->res.new_nodes++;
	else if (rc != MDB_KEYEXIST)
		return dsmap_store__lmdb(s, rc, "write node %s", id);
	/* ...which every revision that has the same node shares */
	v.mv_size = HASH;
	v.mv_data = hash;
	if ((rc = mdb_put(txn, s->dbi[DSMAP__DB_GRAPH], &k, &v, 0)) != 0)
		return dsmap_store__lmdb(s, rc, "write graph entry %s", id);
	sy->res.nodes++;
	return 0;
}

static int put_edge(dsmap_store *s, MDB_txn *txn, struct sync *sy, enum dsmap__graph_type type,
                    const char *from, const char *to)
{
	unsigned char key[KEY_MAX];
	MDB_val k, v = { 0, (void *)"" };
	int rc;

	k.mv_size = dsmap__graph_edge_key(key, sy->oid, type, from, strlen(from), to, strlen(to));
	if (k.mv_size == 0)
		return dsmap_error__set(DSMAP_EINVALID, "ids '%s' and '%s' are too long to store",
		                        from, to);
	k.mv_data = key;
	if ((rc = mdb_put(txn, s->dbi[DSMAP__DB_GRAPH], &k, &v, 0)) != 0)
		return dsmap_store__lmdb(s, rc, "write graph edge %s -> %s", from, to);
	sy->res.edges++;
	return 0;
}

/* Number the categories never seen before. */
static int number_categories(dsmap_store *s, MDB_txn *txn, struct sync *sy)
{
	char buf[32];
	unsigned long next = 0;
	size_t i;
	int rc;

	rc = dsmap_store__meta_get(s, txn, DSMAP__META_CATBIT_NEXT, buf, sizeof(buf));
	if (rc == 0)
		next = strtoul(buf, NULL, 10);
	else if (rc != DSMAP_ENOTFOUND)
		return rc;
	dsmap_error_clear();
	for (i = 0; i < sy->m->categories.count; i++) {
		const struct dsmap__category *c = sy->m->categories.items[i];
		MDB_val k = { strlen(c->ref), (void *)c->ref }, v;
		unsigned char bit[DSMAP__CATBIT_SIZE];

		rc = mdb_get(txn, s->dbi[DSMAP__DB_CATBITS], &k, &v);
		if (rc == 0)
			continue;
		if (rc != MDB_NOTFOUND)
			return dsmap_store__lmdb(s, rc, "catbits: %s", c->ref);
		dsmap__catbit_encode(bit, (uint32_t)next++);
		v.mv_size = sizeof(bit);
		v.mv_data = bit;
		if ((rc = mdb_put(txn, s->dbi[DSMAP__DB_CATBITS], &k, &v, 0)) != 0)
			return dsmap_store__lmdb(s, rc, "number category %s", c->ref);
		sy->res.new_categories++;
	}
	snprintf(buf, sizeof(buf), "%lu", next);
	return dsmap_store__meta_put(s, txn, DSMAP__META_CATBIT_NEXT, buf, strlen(buf));
}

static int retire_systems(dsmap_store *s, MDB_txn *txn, const dsmap_mapping *m,
                          dsmap_sync_result *res);

/* Number the subject kinds and brands never seen before (store.h), so that
 * a scan of the revision finds every facet it maps numbered. */
static int number_facets(dsmap_store *s, MDB_txn *txn, const dsmap_mapping *m)
{
	unsigned int bit;
	size_t i;
	int rc;

	for (i = 0; i < m->subject_kinds.count; i++)
		if ((rc = dsmap_store__facet_bit(s, txn, DSMAP__FACET_KIND,
		        ((const struct dsmap__subject_kind *)m->subject_kinds.items[i])->id, 1, &bit)) != 0)
			return rc;
	for (i = 0; i < m->brands.count; i++)
		if ((rc = dsmap_store__facet_bit(s, txn, DSMAP__FACET_BRAND,
		        ((const struct dsmap__brand *)m->brands.items[i])->id, 1, &bit)) != 0)
			return rc;
	return 0;
}

static int sync_txn(dsmap_store *s, MDB_txn *txn, void *payload)
{
	struct sync *sy = payload;
	const dsmap_mapping *m = sy->m;
	unsigned char rev[DSMAP__REV_SIZE];
	MDB_val k = { OID, sy->oid }, v = { sizeof(rev), rev };
	size_t i, j;
	int rc;

	/* A replay after the map grew starts from scratch. */
	memset(&sy->res, 0, sizeof(sy->res));
	memcpy(sy->res.commit, sy->hex, sizeof(sy->res.commit));
	if ((rc = number_categories(s, txn, sy)) != 0 || (rc = number_facets(s, txn, m)) != 0)
		return rc;
	if ((rc = put_node(s, txn, sy, DSMAP__NODE_NOTICE, "notice", notice_json(m))) != 0)
		return rc;
	for (i = 0; i < m->categories.count; i++) {
		const struct dsmap__category *c = m->categories.items[i];

		if ((rc = put_node(s, txn, sy, DSMAP__NODE_CATEGORY, c->ref, category_json(c))) != 0)
			return rc;
	}
	for (i = 0; i < m->recipients.count; i++) {
		const struct dsmap__recipient *r = m->recipients.items[i];

		if ((rc = put_node(s, txn, sy, DSMAP__NODE_RECIPIENT, r->id, recipient_json(r))) != 0)
			return rc;
	}
	for (i = 0; i < m->subject_kinds.count; i++) {
		const struct dsmap__subject_kind *sk = m->subject_kinds.items[i];

		if ((rc = put_node(s, txn, sy, DSMAP__NODE_SUBJECT_KIND, sk->id, subject_kind_json(sk))) != 0)
			return rc;
	}
	for (i = 0; i < m->rights.count; i++) {
		const struct dsmap__right *r = m->rights.items[i];

		if ((rc = put_node(s, txn, sy, DSMAP__NODE_RIGHT, r->id, right_json(r))) != 0)
			return rc;
	}
	for (i = 0; i < m->purposes.count; i++) {
		const struct dsmap__purpose *p = m->purposes.items[i];

		if ((rc = put_node(s, txn, sy, DSMAP__NODE_PURPOSE, p->id, purpose_json(p))) != 0)
			return rc;
		for (j = 0; j < p->categories.count; j++)
			if ((rc = put_edge(s, txn, sy, DSMAP__EDGE_USED_BY,
			                   ((const struct dsmap__category *)p->categories.items[j])->ref,
			                   p->id)) != 0)
				return rc;
		for (j = 0; j < p->recipients.count; j++)
			if ((rc = put_edge(s, txn, sy, DSMAP__EDGE_SHARED_BY,
			                   ((const struct dsmap__recipient *)p->recipients.items[j])->id,
			                   p->id)) != 0)
				return rc;
		for (j = 0; j < p->subject_kinds.count; j++)
			if ((rc = put_edge(s, txn, sy, DSMAP__EDGE_CONCERNED_BY,
			                   ((const struct dsmap__subject_kind *)p->subject_kinds.items[j])->id,
			                   p->id)) != 0)
				return rc;
	}
	for (i = 0; i < m->brands.count; i++) {
		const struct dsmap__brand *b = m->brands.items[i];

		if ((rc = put_node(s, txn, sy, DSMAP__NODE_BRAND, b->id, brand_json(b))) != 0)
			return rc;
	}
	for (i = 0; i < m->systems.count; i++) {
		const struct dsmap__system *sys = m->systems.items[i];
		json_t *node = system_json(sys), *ref;

		if (node == NULL)
			return dsmap_error__oom();
		for (j = 0; j < sys->purposes.count; j++)
			if ((rc = put_edge(s, txn, sy, DSMAP__EDGE_SERVED_BY,
			                   ((const struct dsmap__purpose *)sys->purposes.items[j])->id,
			                   sys->id)) != 0)
				goto system_done;
		json_array_foreach(json_object_get(node, "categories"), j, ref)
			if ((rc = put_edge(s, txn, sy, DSMAP__EDGE_DECLARED_BY, json_string_value(ref),
			                   sys->id)) != 0)
				goto system_done;
		json_incref(node);
		rc = put_node(s, txn, sy, DSMAP__NODE_SYSTEM, sys->id, node);
system_done:
		json_decref(node);
		if (rc != 0)
			return rc;
	}
	dsmap__rev_encode(rev, sy->oid, &(struct dsmap__rev){ (int64_t)time(NULL), sy->commit_time,
	                                              (uint32_t)sy->res.nodes,
	                                              (uint32_t)sy->res.edges });
	if ((rc = mdb_put(txn, s->dbi[DSMAP__DB_REVS], &k, &v, 0)) != 0)
		return dsmap_store__lmdb(s, rc, "write revision %s", sy->hex);
	if (sy->keep_synced)
		return 0;
	if ((rc = retire_systems(s, txn, m, &sy->res)) != 0)
		return rc;
	return dsmap_store__meta_put(s, txn, DSMAP__META_SYNCED_REV, sy->hex, 40);
}

/* Retire every system with an inventory that `m` does not define: gen 0
 * (readers see no holdings), the counts kept, the time of retirement. */
static int retire_systems(dsmap_store *s, MDB_txn *txn, const dsmap_mapping *m,
                          dsmap_sync_result *res)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	char id[DSMAP__SYSTEM_ID_MAX + 1];
	char **gone = NULL;
	size_t n = 0, cap = 0, i;
	int rc, op = MDB_FIRST;

	res->retired_systems = 0;
	res->retired_subjects = 0;
	if ((rc = mdb_cursor_open(txn, s->dbi[DSMAP__DB_SYSTEMS], &cur)) != 0)
		return dsmap_store__lmdb(s, rc, "systems");
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (k.mv_size == 0 || k.mv_size > DSMAP__SYSTEM_ID_MAX)
			continue;
		memcpy(id, k.mv_data, k.mv_size);
		id[k.mv_size] = '\0';
		if (dsmap_mapping__system(m, id) != NULL)
			continue;
		if (n == cap) {
			char **grown = dsmap__realloc(gone, (cap = cap ? cap * 2 : 8) * sizeof(*grown));

			if (grown == NULL) {
				rc = dsmap_error__oom();
				goto done;
			}
			gone = grown;
		}
		if ((gone[n] = dsmap__strdup(id)) == NULL) {
			rc = dsmap_error__oom();
			goto done;
		}
		n++;
	}
	mdb_cursor_close(cur);
	cur = NULL;
	if (rc != MDB_NOTFOUND) {
		rc = dsmap_store__lmdb(s, rc, "systems");
		goto done;
	}
	rc = 0;
	for (i = 0; i < n; i++) {
		dsmap_store__system_summary sum;

		if ((rc = dsmap_store__system_get(s, txn, gone[i], &sum)) < 0)
			goto done;
		if (sum.gen != 0 || sum.retired == 0) {
			if (sum.gen != 0) {
				res->retired_systems++;
				res->retired_subjects += sum.subjects;
			}
			sum.gen = 0;
			if (sum.retired == 0)
				sum.retired = (int64_t)time(NULL);
			rc = dsmap_store__system_put(s, txn, gone[i], &sum);
		}
		free(sum.categories);
		if (rc != 0)
			goto done;
	}
done:
	if (cur != NULL)
		mdb_cursor_close(cur);
	for (i = 0; i < n; i++)
		free(gone[i]);
	free(gone);
	return rc;
}

struct set_synced {
	const char *hex;
	const dsmap_mapping *m;
	dsmap_sync_result *res;
};

static int set_synced(dsmap_store *s, MDB_txn *txn, void *payload)
{
	struct set_synced *ss = payload;
	int rc;

	if ((rc = number_facets(s, txn, ss->m)) != 0 ||
	    (rc = retire_systems(s, txn, ss->m, ss->res)) != 0)
		return rc;
	return dsmap_store__meta_put(s, txn, DSMAP__META_SYNCED_REV, ss->hex, 40);
}

/* Free the holdings of retired systems now, unless a scan is running (it
 * holds the scan lock, and collects them itself when it ends). */
static void drop_retired(dsmap_workspace *ws)
{
	int fd;

	if (dsmap_workspace__lock(ws, &fd) < 0) {
		dsmap_error_clear();
		return;
	}
	if (dsmap__inventory_collect(ws->store) < 0)
		dsmap_error_clear();   /* the next scan collects them */
	dsmap_workspace__unlock(fd);
}

/* The commit a revision (or a date) names. */
static int resolve(dsmap_workspace *ws, const char *rev, git_oid *oid, int64_t *when)
{
	int rc = dsmap_workspace__git(ws);

	return rc < 0 ? rc : dsmap_git__resolve(ws->repo, rev, oid, when);
}

static int rev_synced(dsmap_store *s, const unsigned char *oid, int *found)
{
	MDB_txn *txn;
	MDB_val k = { OID, (void *)oid }, v;
	int rc;

	if ((rc = dsmap_store__read_begin(s, &txn)) < 0)
		return rc;
	rc = mdb_get(txn, s->dbi[DSMAP__DB_REVS], &k, &v);
	mdb_txn_abort(txn);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return dsmap_store__error(rc, "store %s: revisions", s->path);
	*found = rc == 0;
	return 0;
}

/* Sync `rev`; with keep_synced, only store its graph. */
static int sync_rev(dsmap_sync_result *out, dsmap_workspace *ws, const char *rev, int keep_synced)
{
	struct sync sy;
	dsmap_mapping *m = NULL;
	git_oid oid;
	int rc, found = 0;

	if (ws == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_sync: NULL workspace");
	if (rev == NULL)
		rev = "HEAD";
	memset(&sy, 0, sizeof(sy));
	sy.keep_synced = keep_synced;
	if ((rc = resolve(ws, rev, &oid, &sy.commit_time)) < 0)
		return rc;
	memcpy(sy.oid, oid.id, OID);
	git_oid_tostr(sy.hex, sizeof(sy.hex), &oid);
	memcpy(sy.res.commit, sy.hex, sizeof(sy.res.commit));
	if ((rc = rev_synced(ws->store, sy.oid, &found)) < 0)
		return rc;
	if (found && keep_synced) {
		sy.res.already = 1;
		if (out)
			*out = sy.res;
		return 0;
	}
	rc = dsmap_mapping_load_rev(&m, ws, sy.hex);
	if (rc == DSMAP_EINVALID && m != NULL) {
		dsmap_mapping_counts n;

		dsmap_mapping_counts_get(&n, m);
		dsmap_mapping_free(m);
		return dsmap_error__set(DSMAP_EINVALID,
		    "the mapping at %s (%.12s) has %zu error%s; nothing was synced; "
		    "see 'dsmap check --rev %s'", rev, sy.hex, n.errors, n.errors == 1 ? "" : "s", rev);
	}
	if (rc < 0)
		return rc;
	sy.m = m;
	if (found) {
		/* synced before: it only becomes the synced revision again */
		struct set_synced ss = { sy.hex, m, &sy.res };

		sy.res.already = 1;
		rc = dsmap_store__write(ws->store, set_synced, &ss, "sync");
	} else {
		rc = dsmap_store__write(ws->store, sync_txn, &sy, "sync");
	}
	dsmap_mapping_free(m);
	if (rc < 0)
		return rc;
	if (sy.res.retired_systems > 0)
		drop_retired(ws);
	if (out)
		*out = sy.res;
	return 0;
}

int dsmap_sync(dsmap_sync_result *out, dsmap_workspace *ws, const char *rev)
{
	return sync_rev(out, ws, rev, 0);
}

/* ---- lineage --------------------------------------------------------------------- */


/* The node `type`/`id` of the revision, parsed; NULL when absent (error set
 * only for a real failure, in *rc). */
static json_t *get_node(struct dsmap__graph *r, enum dsmap__graph_type type, const char *id,
                        int *rc)
{
	unsigned char key[KEY_MAX];
	const char *text;
	char *again;
	MDB_val k, v;
	json_t *node;
	json_error_t jerr;

	*rc = 0;
	if ((k.mv_size = dsmap__graph_node_key(key, r->oid, type, id, strlen(id))) == 0)
		return NULL;
	k.mv_data = key;
	if ((*rc = mdb_get(r->txn, r->s->dbi[DSMAP__DB_GRAPH], &k, &v)) == MDB_NOTFOUND) {
		*rc = 0;
		return NULL;
	}
	if (*rc != 0) {
		*rc = dsmap_store__error(*rc, "store %s: graph", r->s->path);
		return NULL;
	}
	if (v.mv_size != HASH) {
		*rc = dsmap_error__set(DSMAP_ECORRUPT, "store %s: graph entry for %s is damaged; "
		                       "run 'dsmap verify'", r->s->path, id);
		return NULL;
	}
	k = v;
	if ((*rc = mdb_get(r->txn, r->s->dbi[DSMAP__DB_NODES], &k, &v)) != 0) {
		*rc = *rc == MDB_NOTFOUND ?
		      dsmap_error__set(DSMAP_ECORRUPT, "store %s: the node of %s is missing; run "
		                       "'dsmap verify'", r->s->path, id) :
		      dsmap_store__error(*rc, "store %s: nodes", r->s->path);
		return NULL;
	}
	/* k is the node's hash: a node record checks itself */
	if ((*rc = dsmap__node_check(&text, v.mv_data, v.mv_size, k.mv_data)) < 0 ||
	    (node = json_loads(text, 0, &jerr)) == NULL) {
		/* A node that checks against its hash is the text sync dumped,
		 * which parsed: if it fails to parse now, memory ran out.  Say so,
		 * not that it is damaged; jansson 2.14 cannot tell us, as it
		 * sets no error when json_object() or json_array() fails inside
		 * json_loads(), and calls a string it failed to copy an "invalid
		 * token". */
		if (*rc == 0)
			*rc = dsmap_error__set(DSMAP_ENOMEM, "store %s: read the node of %s: out of memory",
			                       r->s->path, id);
		else
			*rc = dsmap_error__set(DSMAP_ECORRUPT, "store %s: the node of %s is damaged; "
			                       "run 'dsmap verify'", r->s->path, id);
		return NULL;
	}
	/* Nor can jansson 2.14 be trusted with a parse that did not fail: its
	 * lexer ignores a failure to save a character (lex_save()), and
	 * returns a string with that character missing.  The text was dumped
	 * with these flags from the node, so it must dump back to itself. */
	again = dsmap__json_dumps(node, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (again == NULL || strcmp(again, text) != 0) {
		free(again);
		json_decref(node);
		*rc = dsmap_error__set(DSMAP_ENOMEM, "store %s: read the node of %s: out of memory",
		                       r->s->path, id);
		return NULL;
	}
	free(again);
	return node;
}

/* The ids at the far end of edges `type`/`from` (sorted, as the keys are). */
static int edges(struct dsmap__graph *r, enum dsmap__graph_type type, const char *from,
                 json_t *out)
{
	unsigned char key[KEY_MAX];
	size_t plen;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc, op = MDB_SET_RANGE;

	if ((plen = dsmap__graph_edge_key(key, r->oid, type, from, strlen(from), NULL, 0)) == 0)
		return 0;
	k.mv_size = plen;
	k.mv_data = key;
	if ((rc = mdb_cursor_open(r->txn, r->s->dbi[DSMAP__DB_GRAPH], &cur)) != 0)
		return dsmap_store__error(rc, "store %s: graph", r->s->path);
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (k.mv_size <= plen || memcmp(k.mv_data, key, plen) != 0)
			break;
		if (json_array_append_new(out, json_stringn((const char *)k.mv_data + plen,
		                                            k.mv_size - plen)) < 0) {
			mdb_cursor_close(cur);
			return dsmap_error__oom();
		}
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return dsmap_store__error(rc, "store %s: graph", r->s->path);
	return 0;
}

static int catbit(struct dsmap__graph *r, const char *ref, long *bit)
{
	MDB_val k = { strlen(ref), (void *)ref }, v;
	int rc = mdb_get(r->txn, r->s->dbi[DSMAP__DB_CATBITS], &k, &v);
	uint32_t b;

	*bit = -1;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return dsmap_store__error(rc, "store %s: catbits", r->s->path);
	if (dsmap__catbit_decode(&b, v.mv_data, v.mv_size) < 0)
		return dsmap_error__prefix(DSMAP_ECORRUPT, "store %s: catbits: %s; run 'dsmap verify'",
		                           r->s->path, ref);
	*bit = (long)b;
	return 0;
}

/* The retention rules of `purpose` that apply to category `ref`; NULL when
 * out of memory. */
static json_t *rules_for(json_t *purpose, const char *ref)
{
	json_t *out = json_array(), *rule;
	int bad = out == NULL;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(purpose, "retention"), "rules"), i, rule) {
		json_t *cats = json_object_get(rule, "categories");

		if (json_is_null(cats) || dsmap__json_has(cats, ref))
			dsmap__json_push_ref(out, rule, &bad);
	}
	return dsmap__json_done(out, bad);
}

/* Add recipient ids to `set` (an object id -> recipient) with the purpose in "via". */
static int add_recipients(struct dsmap__graph *r, json_t *set, json_t *purpose)
{
	json_t *id;
	size_t i;
	int rc, bad = 0;

	json_array_foreach(json_object_get(purpose, "recipients"), i, id) {
		const char *rid = json_string_value(id);
		json_t *rec = json_object_get(set, rid);

		if (rec == NULL) {
			if ((rec = get_node(r, DSMAP__NODE_RECIPIENT, rid, &rc)) == NULL)
				return rc ? rc : dsmap_error__set(DSMAP_ECORRUPT,
				    "store %s: recipient %s of %s is missing", r->s->path, rid,
				    json_string_value(json_object_get(purpose, "id")));
			dsmap__json_put(rec, "via", json_array(), &bad);
			dsmap__json_put_ref(set, rid, rec, &bad);
			json_decref(rec);
			if (bad)
				return dsmap_error__oom();
		}
		dsmap__json_push(json_object_get(rec, "via"),
		                 json_string(json_string_value(json_object_get(purpose, "id"))), &bad);
		if (bad)
			return dsmap_error__oom();
	}
	return 0;
}

/* The values of `obj` in an array; NULL when out of memory. */
static json_t *values(json_t *obj)
{
	json_t *a = json_array(), *v;
	const char *k;
	int bad = a == NULL;

	json_object_foreach(obj, k, v)
		dsmap__json_push_ref(a, v, &bad);
	return dsmap__json_done(a, bad);
}

/* The categories of one id across groups, or one GROUP/ID. */
static int answer_category(struct dsmap__graph *r, const char *id, json_t *ans)
{
	json_t *cats = json_array(), *purposes = json_object(), *recipients = json_object(), *cat;
	char given[512];
	size_t i, j;
	int rc, bad = purposes == NULL || recipients == NULL;

	dsmap__json_put(ans, "categories", cats, &bad);
	if (bad) {
		rc = dsmap_error__oom();
		goto done;
	}
	/* GROUP/ID, or a bare ID one group has; an ambiguous one names the
	 * candidates */
	if ((rc = dsmap__category_resolve(r, id, given, sizeof(given))) < 0) {
		if (rc == DSMAP_ENOTFOUND)
			dsmap_error_clear();
		goto done;
	}
	/* one category; the answer keeps its list of them (docs/lineage.md) */
	if ((cat = get_node(r, DSMAP__NODE_CATEGORY, given, &rc)) == NULL) {
		rc = rc ? rc : DSMAP_ENOTFOUND;
		goto done;
	}
	dsmap__json_push(cats, cat, &bad);
	json_array_foreach(cats, i, cat) {
		const char *ref = json_string_value(json_object_get(cat, "ref"));
		json_t *users = json_array(), *pid;
		long bit;

		if ((rc = catbit(r, ref, &bit)) != 0 || (rc = edges(r, DSMAP__EDGE_USED_BY, ref, users)) != 0) {
			json_decref(users);
			goto done;
		}
		dsmap__json_put(cat, "bit", json_integer(bit), &bad);
		json_array_foreach(users, j, pid) {
			const char *p = json_string_value(pid);
			json_t *entry = json_object_get(purposes, p), *node;

			if (entry == NULL) {
				if ((node = get_node(r, DSMAP__NODE_PURPOSE, p, &rc)) == NULL) {
					json_decref(users);
					rc = rc ? rc : dsmap_error__set(DSMAP_ECORRUPT, "store %s: purpose %s is missing",
					                                r->s->path, p);
					goto done;
				}
				entry = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:o, s:{}}",
				    "id", json_object_get(node, "id"), "section", json_object_get(node, "section"),
				    "title_fr", json_object_get(node, "title_fr"),
				    "title_en", json_object_get(node, "title_en"),
				    "legal_bases", json_object_get(node, "legal_bases"),
				    "retention_fr", json_object_get(json_object_get(node, "retention"), "text_fr"),
				    "recipients", json_object_get(node, "recipients"),
				    "categories", json_array(), "retention");
				if ((rc = add_recipients(r, recipients, node)) != 0) {
					json_decref(node);
					json_decref(entry);
					json_decref(users);
					goto done;
				}
				dsmap__json_put(purposes, p, entry, &bad);
				if (!bad)
					dsmap__json_put(json_object_get(entry, "retention"), ref,
					                rules_for(node, ref), &bad);
				json_decref(node);
			} else {
				/* Asked by bare id: a purpose using the id in two groups. */
				if ((node = get_node(r, DSMAP__NODE_PURPOSE, p, &rc)) == NULL) {
					json_decref(users);
					rc = rc ? rc : dsmap_error__set(DSMAP_ECORRUPT, "store %s: purpose %s is missing",
					                                r->s->path, p);
					goto done;
				}
				dsmap__json_put(json_object_get(entry, "retention"), ref, rules_for(node, ref), &bad);
				json_decref(node);
			}
			if (!bad)
				dsmap__json_push(json_object_get(entry, "categories"), json_string(ref), &bad);
			if (bad)
				break;
		}
		json_decref(users);
		if (bad)
			break;
	}
	if (bad) {
		rc = dsmap_error__oom();
		goto done;
	}
	dsmap__json_put(ans, "purposes", values(purposes), &bad);
	dsmap__json_put(ans, "recipients", values(recipients), &bad);
	rc = bad ? dsmap_error__oom() : 0;
done:
	json_decref(purposes);
	json_decref(recipients);
	return rc;
}

/* Purposes found through edges `type`/`id`, with their categories; for a
 * recipient or a subject kind. */
static int answer_via(struct dsmap__graph *r, enum dsmap__graph_type node_type,
                      enum dsmap__graph_type edge_type, const char *id, json_t *ans)
{
	json_t *node, *ids = json_array(), *purposes = json_array(), *cats = json_array(), *pid, *c;
	size_t i, j;
	int rc, bad = 0;

	if ((node = get_node(r, node_type, id, &rc)) == NULL) {
		rc = rc ? rc : DSMAP_ENOTFOUND;
		goto done;
	}
	dsmap__json_put(ans, "node", node, &bad);
	if (bad) {
		rc = dsmap_error__oom();
		goto done;
	}
	if ((rc = edges(r, edge_type, id, ids)) != 0)
		goto done;
	json_array_foreach(ids, i, pid) {
		json_t *p = get_node(r, DSMAP__NODE_PURPOSE, json_string_value(pid), &rc);

		if (p == NULL) {
			rc = rc ? rc : dsmap_error__set(DSMAP_ECORRUPT, "store %s: purpose %s is missing",
			                                r->s->path, json_string_value(pid));
			goto done;
		}
		dsmap__json_push(purposes, json_pack("{s:O, s:O, s:O, s:O, s:O, s:O}",
		    "id", json_object_get(p, "id"), "section", json_object_get(p, "section"),
		    "title_fr", json_object_get(p, "title_fr"), "title_en", json_object_get(p, "title_en"),
		    "legal_bases", json_object_get(p, "legal_bases"),
		    "categories", json_object_get(p, "categories")), &bad);
		json_array_foreach(json_object_get(p, "categories"), j, c)
			if (!dsmap__json_has(cats, json_string_value(c)))
				dsmap__json_push_ref(cats, c, &bad);
		json_decref(p);
	}
	dsmap__json_put_ref(ans, "purposes", purposes, &bad);
	dsmap__json_put_ref(ans, "categories", cats, &bad);
	rc = bad ? dsmap_error__oom() : 0;
done:
	json_decref(ids);
	json_decref(purposes);
	json_decref(cats);
	return rc;
}

static int answer_purpose(struct dsmap__graph *r, const char *id, json_t *ans)
{
	json_t *node, *cats = json_array(), *recs = json_array(), *e;
	size_t i;
	int rc, bad = 0;

	if ((node = get_node(r, DSMAP__NODE_PURPOSE, id, &rc)) == NULL) {
		rc = rc ? rc : DSMAP_ENOTFOUND;
		goto done;
	}
	dsmap__json_put(ans, "node", node, &bad);
	if (bad) {
		rc = dsmap_error__oom();
		goto done;
	}
	json_array_foreach(json_object_get(node, "categories"), i, e) {
		json_t *c = get_node(r, DSMAP__NODE_CATEGORY, json_string_value(e), &rc);

		if (c == NULL) {
			rc = rc ? rc : dsmap_error__set(DSMAP_ECORRUPT, "store %s: category %s is missing",
			                                r->s->path, json_string_value(e));
			goto done;
		}
		dsmap__json_push(cats, c, &bad);
	}
	json_array_foreach(json_object_get(node, "recipients"), i, e) {
		json_t *c = get_node(r, DSMAP__NODE_RECIPIENT, json_string_value(e), &rc);

		if (c == NULL) {
			rc = rc ? rc : dsmap_error__set(DSMAP_ECORRUPT, "store %s: recipient %s is missing",
			                                r->s->path, json_string_value(e));
			goto done;
		}
		dsmap__json_push(recs, c, &bad);
	}
	dsmap__json_put_ref(ans, "categories", cats, &bad);
	dsmap__json_put_ref(ans, "recipients", recs, &bad);
	rc = bad ? dsmap_error__oom() : 0;
done:
	json_decref(cats);
	json_decref(recs);
	return rc;
}

/* A system: what it serves, declares, holds and reaches, and its findings. */
static int answer_system(struct dsmap__graph *r, const char *id, json_t *ans)
{
	json_t *node, *purposes = json_array(), *recipients = json_object(), *held = json_array();
	json_t *findings = json_array(), *kinds = json_array(), *declared, *e, *x;
	dsmap_store__system_summary sum;
	char **refs = NULL;
	size_t nrefs = 0, i, j;
	int rc, scanned = 0, bad = 0;

	memset(&sum, 0, sizeof(sum));
	if ((node = get_node(r, DSMAP__NODE_SYSTEM, id, &rc)) == NULL) {
		rc = rc ? rc : DSMAP_ENOTFOUND;
		goto done;
	}
	dsmap__json_put(ans, "node", node, &bad);
	if (bad) {
		rc = dsmap_error__oom();
		goto done;
	}
	declared = json_object_get(node, "categories");
	/* what its last scan found */
	rc = dsmap_store__system_get(r->s, r->txn, id, &sum);
	if (rc == DSMAP_ENOTFOUND) {
		dsmap_error_clear();
	} else if (rc < 0) {
		goto done;
	} else if (sum.last_scan != 0 && sum.retired == 0) {
		scanned = 1;
		if ((rc = dsmap_store__category_refs(r->s, r->txn, &refs, &nrefs)) < 0)
			goto done;
		for (i = 0; i < sum.category_count; i++) {
			const dsmap_store__cat_count *c = &sum.categories[i];

			if (c->catbit < nrefs && refs[c->catbit] != NULL)
				dsmap__json_push(held, json_pack("{s:s, s:I, s:I}", "category",
				    refs[c->catbit], "subjects", (json_int_t)c->subjects,
				    "records", (json_int_t)c->records), &bad);
		}
	}
	rc = 0;
	dsmap__json_put(ans, "last_scan", scanned ? json_integer(sum.last_scan) : json_null(), &bad);
	dsmap__json_put(ans, "subjects", scanned ? json_integer((json_int_t)sum.subjects) :
	                    json_null(), &bad);
	json_array_foreach(json_object_get(node, "purposes"), i, e) {
		const char *pid = json_string_value(e);
		json_t *p = get_node(r, DSMAP__NODE_PURPOSE, pid, &rc), *used = json_array();
		json_t *retention = json_object(), *entry;

		if (p == NULL) {
			json_decref(used);
			json_decref(retention);
			rc = rc ? rc : dsmap_error__set(DSMAP_ECORRUPT, "store %s: purpose %s is missing",
			                                r->s->path, pid);
			goto done;
		}
		json_array_foreach(json_object_get(p, "categories"), j, x) {
			if (!dsmap__json_has(declared, json_string_value(x)))
				continue;
			dsmap__json_push_ref(used, x, &bad);
			dsmap__json_put(retention, json_string_value(x),
			                    rules_for(p, json_string_value(x)), &bad);
		}
		entry = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:o, s:o, s:o}",
		    "id", json_object_get(p, "id"), "section", json_object_get(p, "section"),
		    "title_fr", json_object_get(p, "title_fr"), "title_en", json_object_get(p, "title_en"),
		    "legal_bases", json_object_get(p, "legal_bases"),
		    "subject_kinds", json_object_get(p, "subject_kinds"),
		    "recipients", json_object_get(p, "recipients"),
		    "excluded_brands", dsmap__json_array_or_empty(p, "excluded_brands"),
		    "categories", used, "retention", retention);
		dsmap__json_push(purposes, entry, &bad);
		if (bad) {
			json_decref(p);
			rc = dsmap_error__oom();
			goto done;
		}
		if (json_array_size(used) == 0)
			dsmap__json_push(findings, json_pack("{s:s, s:s, s:s}", "finding",
			    "purpose-without-data", "purpose", pid, "message",
			    "the system serves this purpose but none of its fields holds a category it uses"), &bad);
		if ((rc = add_recipients(r, recipients, p)) != 0) {
			json_decref(p);
			goto done;
		}
		json_decref(p);
	}
	/* categories it declares or holds that no purpose it serves uses */
	for (i = 0; i < 2; i++) {
		json_t *list = i == 0 ? declared : held;

		json_array_foreach(list, j, x) {
			const char *ref = i == 0 ? json_string_value(x) :
			                  json_string_value(json_object_get(x, "category"));
			size_t k;
			json_t *pe;
			int used = 0;

			json_array_foreach(purposes, k, pe)
				used |= dsmap__json_has(json_object_get(pe, "categories"), ref);
			if (!used)
				dsmap__json_push(findings, json_pack("{s:s, s:s, s:s}", "finding",
				    i == 0 ? "declared-without-purpose" : "held-without-purpose", "category", ref,
				    "message", i == 0 ? "a field holds it, but no purpose the system serves uses it" :
				    "its last scan found it, but no purpose the system serves uses it"), &bad);
		}
	}
	json_array_foreach(json_object_get(node, "sources"), i, e) {
		json_t *f = json_object_get(e, "subject_kind");

		if (!json_is_object(f)) {
			dsmap__json_push(findings, json_pack("{s:s, s:O, s:s}", "finding",
			    "subject-kind-unknown", "source", json_object_get(e, "name"), "message",
			    "the source does not say which kind of subject its records are (subject_kind): "
			    "no purpose is left out for it in an access answer"), &bad);
			continue;
		}
		json_array_foreach(json_object_get(f, "ids"), j, x)
			if (!dsmap__json_has(kinds, json_string_value(x)))
				dsmap__json_push_ref(kinds, x, &bad);
	}
	dsmap__json_put_ref(ans, "purposes", purposes, &bad);
	dsmap__json_put(ans, "recipients", values(recipients), &bad);
	dsmap__json_put_ref(ans, "held", held, &bad);
	dsmap__json_put_ref(ans, "subject_kinds", kinds, &bad);
	dsmap__json_put_ref(ans, "findings", findings, &bad);
	rc = bad ? dsmap_error__oom() : 0;
done:
	free(sum.categories);
	dsmap_store__category_refs_free(refs, nrefs);
	json_decref(purposes);
	json_decref(recipients);
	json_decref(held);
	json_decref(findings);
	json_decref(kinds);
	return rc;
}

/* ---- for the other modules ------------------------------------------------------ */

json_t *dsmap__graph_node(struct dsmap__graph *g, enum dsmap__graph_type type, const char *id, int *rc)
{
	return get_node(g, type, id, rc);
}

int dsmap__graph_edges(struct dsmap__graph *g, enum dsmap__graph_type type, const char *from, json_t *out)
{
	return edges(g, type, from, out);
}

json_t *dsmap__graph_rules_for(json_t *purpose, const char *ref)
{
	return rules_for(purpose, ref);
}

int dsmap__graph_ids(struct dsmap__graph *g, enum dsmap__graph_type type, json_t *out)
{
	unsigned char key[OID + 1];
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc, op = MDB_SET_RANGE;

	/* every key of one type: the prefix that its node keys share */
	memcpy(key, g->oid, OID);
	key[OID] = (unsigned char)type;
	k.mv_size = sizeof(key);
	k.mv_data = key;
	if ((rc = mdb_cursor_open(g->txn, g->s->dbi[DSMAP__DB_GRAPH], &cur)) != 0)
		return dsmap_store__error(rc, "store %s: graph", g->s->path);
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (k.mv_size <= sizeof(key) || memcmp(k.mv_data, key, sizeof(key)) != 0)
			break;
		if (json_array_append_new(out, json_stringn((const char *)k.mv_data + sizeof(key),
		                                            k.mv_size - sizeof(key))) < 0) {
			mdb_cursor_close(cur);
			return dsmap_error__oom();
		}
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return dsmap_store__error(rc, "store %s: graph", g->s->path);
	return 0;
}

int dsmap__graph_open(struct dsmap__graph *g, dsmap_workspace *ws, const char *rev)
{
	int rc, found = 0;

	memset(g, 0, sizeof(*g));
	g->s = ws->store;
	if (rev != NULL) {
		git_oid oid;

		if ((rc = resolve(ws, rev, &oid, NULL)) < 0)
			return rc;
		memcpy(g->oid, oid.id, OID);
		git_oid_tostr(g->hex, sizeof(g->hex), &oid);
		if ((rc = rev_synced(g->s, g->oid, &found)) < 0)
			return rc;
		/* The graph of a revision asked about is stored once and kept; the
		 * workspace's synced revision does not move. */
		if (!found && (rc = sync_rev(NULL, ws, g->hex, 1)) < 0)
			return rc;
	}
	if ((rc = dsmap_store__read_begin(g->s, &g->txn)) < 0)
		return rc;
	if (rev == NULL && (rc = dsmap__graph_synced(g, ws->store, g->txn)) < 0) {
		mdb_txn_abort(g->txn);
		g->txn = NULL;
		return rc;
	}
	return 0;
}

void dsmap__graph_close(struct dsmap__graph *g)
{
	if (g->txn != NULL)
		mdb_txn_abort(g->txn);
	g->txn = NULL;
}

int dsmap__graph_synced(struct dsmap__graph *g, dsmap_store *s, MDB_txn *txn)
{
	char buf[64];
	git_oid oid;
	int rc;

	memset(g, 0, sizeof(*g));
	g->s = s;
	g->txn = txn;
	rc = dsmap_store__meta_get(s, txn, DSMAP__META_SYNCED_REV, buf, sizeof(buf));
	if (rc == DSMAP_ENOTFOUND)
		return dsmap_error__set(DSMAP_ENOTFOUND, "nothing is synced yet; run 'dsmap sync' first");
	if (rc < 0)
		return rc;
	if (strlen(buf) != 40 || git_oid_fromstr(&oid, buf) < 0)
		return dsmap_error__set(DSMAP_ECORRUPT, "store %s: synced revision '%s' is damaged",
		                        s->path, buf);
	memcpy(g->oid, oid.id, OID);
	memcpy(g->hex, buf, 41);
	return 0;
}

/* ---- rendering ------------------------------------------------------------------- */

/* A label in the answer's language. */
#define L(lang, en, fr) (strcmp((lang), "fr") == 0 ? (fr) : (en))

/* "      LABEL        " : a label of the answer's left column, padded to
 * `width` letters (not bytes: "légale" is 6 letters), then a space. */
static void text_label(struct dsmap__out *o, const char *label, size_t width)
{
	size_t n = 0;
	const char *p;

	for (p = label; *p; p++)
		n += ((unsigned char)*p & 0xc0) != 0x80;
	dsmap__outf(o, "      %s%*s ", label, n < width ? (int)(width - n) : 0, "");
}

static void text_bases(struct dsmap__out *o, json_t *bases, const char *lang)
{
	json_t *b, *a;
	size_t i, j;

	json_array_foreach(bases, i, b) {
		text_label(o, L(lang, "legal basis", "base légale"), 12);
		dsmap__outf(o, "%s art. %s", L(lang, "GDPR", "RGPD"), dsmap__json_str(b, "gdpr"));
		if (json_string_value(json_object_get(b, "law"))) {
			dsmap__outf(o, "%s%s", L(lang, "; ", " ; "), dsmap__json_str(b, "law"));
			json_array_foreach(json_object_get(b, "articles"), j, a)
				dsmap__outf(o, "%s%s", j ? ", " : ", art. ", json_string_value(a));
		}
		dsmap__outf(o, "\n");
	}
}

static void text_rule(struct dsmap__out *o, json_t *rule, const char *lang)
{
	json_t *cats = json_object_get(rule, "categories"), *c;
	char words[256];
	size_t i;

	text_label(o, L(lang, "retention", "conservation"), 12);
	dsmap__outf(o, "%s",
	            json_string_value(json_object_get(rule, "duration_min")) ?
	            dsmap__duration_range_words(words, sizeof(words),
	                json_string_value(json_object_get(rule, "duration_min")),
	                json_string_value(json_object_get(rule, "duration")),
	                json_string_value(json_object_get(rule, "trigger")), lang) :
	            dsmap__duration_words(words, sizeof(words),
	                json_string_value(json_object_get(rule, "duration")),
	                json_string_value(json_object_get(rule, "trigger")), lang));
	if (json_string_value(json_object_get(rule, "scope_fr")))
		dsmap__outf(o, " [%s]", dsmap__json_str(rule, "scope_fr"));
	if (json_is_array(cats)) {
		dsmap__outf(o, " (");
		json_array_foreach(cats, i, c)
			dsmap__outf(o, "%s%s", i ? ", " : "", json_string_value(c));
		dsmap__outf(o, ")");
	}
	if (json_string_value(json_object_get(rule, "condition_fr")))
		dsmap__outf(o, "%s%s", L(lang, "; ", " ; "), dsmap__json_str(rule, "condition_fr"));
	dsmap__outf(o, "\n");
}

static void text_recipient(struct dsmap__out *o, json_t *r, const char *lang)
{
	json_t *v;
	size_t i;

	dsmap__outf(o, "  %-40s %-17s %s\n", dsmap__json_str(r, "id"), dsmap__json_str(r, "kind"),
	            dsmap__json_name(r, lang));
	if (json_array_size(json_object_get(r, "transfers_outside_eea")))
		dsmap__outf(o, "      %s\n", L(lang, "outside the EEA: see its transfers_outside_eea",
		                               "hors de l'EEE : voir ses transfers_outside_eea"));
	if (json_array_size(json_object_get(r, "via"))) {
		dsmap__outf(o, "      %s", L(lang, "via", "par"));
		json_array_foreach(json_object_get(r, "via"), i, v)
			dsmap__outf(o, " %s", json_string_value(v));
		dsmap__outf(o, "\n");
	}
}

/* "label: N" headings, with a French non-breaking habit of " :". */
static void text_heading(struct dsmap__out *o, const char *lang, const char *en, const char *fr,
                         size_t n)
{
	dsmap__outf(o, "%s%s %zu\n", L(lang, en, fr), L(lang, ":", " :"), n);
}

static void text_purpose_line(struct dsmap__out *o, json_t *e, const char *lang)
{
	dsmap__outf(o, "  %-10s %s  %s\n", dsmap__json_str(e, "section"), dsmap__json_str(e, "id"),
	            dsmap__json_title(e, lang));
}

static void text_system(struct dsmap__out *o, json_t *ans, json_t *node, const char *lang)
{
	const char *key;
	json_t *rules, *rule, *e;
	char words[96];
	size_t i, j;

	dsmap__outf(o, "%s %s  %s (%s %s)\n", L(lang, "system", "système"), dsmap__json_str(node, "id"),
	            dsmap__json_str(node, "name"), L(lang, "plugin", "greffon"),
	            dsmap__json_str(node, "plugin"));
	if (json_is_integer(json_object_get(ans, "last_scan"))) {
		char when[32];
		time_t t = (time_t)json_integer_value(json_object_get(ans, "last_scan"));
		struct tm tm;
		json_int_t n = json_integer_value(json_object_get(ans, "subjects"));

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
		dsmap__outf(o, "%s %s%s %s\n", L(lang, "last scan", "dernier scan"), when,
		            L(lang, ":", " :"),
		            dsmap__count_words(words, sizeof(words), (size_t)n, "subject", lang));
	} else {
		dsmap__outf(o, "%s\n", L(lang, "never scanned", "jamais scanné"));
	}
	dsmap__outf(o, "%s%s", L(lang, "subject kinds", "types de personnes"), L(lang, ":", " :"));
	json_array_foreach(json_object_get(ans, "subject_kinds"), i, e)
		dsmap__outf(o, "%s %s", i ? "," : "", json_string_value(e));
	dsmap__outf(o, "\n");
	text_heading(o, lang, "purposes it serves", "finalités qu'il sert",
	             json_array_size(json_object_get(ans, "purposes")));
	json_array_foreach(json_object_get(ans, "purposes"), i, e) {
		text_purpose_line(o, e, lang);
		text_bases(o, json_object_get(e, "legal_bases"), lang);
		json_object_foreach(json_object_get(e, "retention"), key, rules) {
			dsmap__outf(o, "      %s%s\n", key, L(lang, ":", " :"));
			json_array_foreach(rules, j, rule) {
				dsmap__outf(o, "  ");
				text_rule(o, rule, lang);
			}
		}
	}
	text_heading(o, lang, "categories its fields hold", "catégories que ses champs contiennent",
	             json_array_size(json_object_get(node, "categories")));
	json_array_foreach(json_object_get(node, "categories"), i, e)
		dsmap__outf(o, "  %s\n", json_string_value(e));
	text_heading(o, lang, "categories its last scan found", "catégories trouvées par son dernier scan",
	             json_array_size(json_object_get(ans, "held")));
	json_array_foreach(json_object_get(ans, "held"), i, e)
		dsmap__outf(o, "  %-45s %s\n", dsmap__json_str(e, "category"),
		            dsmap__count_words(words, sizeof(words),
		                               (size_t)json_integer_value(json_object_get(e, "subjects")),
		                               "subject", lang));
	text_heading(o, lang, "recipients reached", "destinataires atteints",
	             json_array_size(json_object_get(ans, "recipients")));
	json_array_foreach(json_object_get(ans, "recipients"), i, e)
		text_recipient(o, e, lang);
	text_heading(o, lang, "findings", "constats", json_array_size(json_object_get(ans, "findings")));
	json_array_foreach(json_object_get(ans, "findings"), i, e) {
		/* about a category, a purpose or a source */
		const char *what = dsmap__json_str(e, "category");

		if (!*what)
			what = dsmap__json_str(e, "purpose");
		if (!*what)
			what = dsmap__json_str(e, "source");
		dsmap__outf(o, "  %s %s: %s\n", dsmap__json_str(e, "finding"), what,
		            dsmap__json_str(e, "message"));
	}
}

static void render_text(struct dsmap__out *o, json_t *ans, const char *lang)
{
	const char *kind = dsmap__json_str(ans, "kind");
	json_t *e, *x, *node = json_object_get(ans, "node");
	size_t i, j;

	dsmap__outf(o, "%s %.12s\n", L(lang, "revision", "révision"), dsmap__json_str(ans, "revision"));
	if (strcmp(kind, "category") == 0) {
		json_array_foreach(json_object_get(ans, "categories"), i, e)
			dsmap__outf(o, "%s %s  %s (section %s, %s %lld)\n", L(lang, "category", "catégorie"),
			            dsmap__json_str(e, "ref"), dsmap__json_name(e, lang),
			            dsmap__json_str(e, "section"), L(lang, "number", "numéro"),
			            (long long)json_integer_value(json_object_get(e, "bit")));
		text_heading(o, lang, "purposes that use it", "finalités qui l'utilisent",
		             json_array_size(json_object_get(ans, "purposes")));
		json_array_foreach(json_object_get(ans, "purposes"), i, e) {
			const char *key;
			json_t *rules, *rule;

			text_purpose_line(o, e, lang);
			text_bases(o, json_object_get(e, "legal_bases"), lang);
			json_object_foreach(json_object_get(e, "retention"), key, rules)
				json_array_foreach(rules, j, rule)
					text_rule(o, rule, lang);
		}
		text_heading(o, lang, "recipients reached through them", "destinataires atteints par elles",
		             json_array_size(json_object_get(ans, "recipients")));
		json_array_foreach(json_object_get(ans, "recipients"), i, e)
			text_recipient(o, e, lang);
		return;
	}
	if (strcmp(kind, "system") == 0) {
		text_system(o, ans, node, lang);
		return;
	}
	if (strcmp(kind, "purpose") == 0) {
		dsmap__outf(o, "%s %s  %s  %s\n", L(lang, "purpose", "finalité"), dsmap__json_str(node, "id"),
		            dsmap__json_str(node, "section"), dsmap__json_title(node, lang));
		text_bases(o, json_object_get(node, "legal_bases"), lang);
		json_array_foreach(json_object_get(json_object_get(node, "retention"), "rules"), i, e)
			text_rule(o, e, lang);
		if (json_array_size(json_object_get(node, "excluded_brands")) > 0) {
			text_label(o, L(lang, "not for", "sauf pour"), 12);
			dsmap__outf(o, "%s", L(lang, "the customers of", "les clients de"));
			json_array_foreach(json_object_get(node, "excluded_brands"), i, e)
				dsmap__outf(o, "%s %s", i ? "," : "", json_string_value(e));
			if (*dsmap__json_str(node, "scope_note_fr"))
				dsmap__outf(o, " (« %s »)", dsmap__json_str(node, "scope_note_fr"));
			dsmap__outf(o, "\n");
		}
		text_heading(o, lang, "categories", "catégories",
		             json_array_size(json_object_get(ans, "categories")));
		json_array_foreach(json_object_get(ans, "categories"), i, e)
			dsmap__outf(o, "  %-45s %s\n", dsmap__json_str(e, "ref"), dsmap__json_name(e, lang));
		text_heading(o, lang, "recipients", "destinataires",
		             json_array_size(json_object_get(ans, "recipients")));
		json_array_foreach(json_object_get(ans, "recipients"), i, e)
			text_recipient(o, e, lang);
		return;
	}
	dsmap__outf(o, "%s %s  %s\n",
	            strcmp(kind, "recipient") == 0 ? L(lang, "recipient", "destinataire") :
	            L(lang, "subject-kind", "type de personne"),
	            dsmap__json_str(node, "id"), dsmap__json_name(node, lang));
	text_heading(o, lang, "purposes", "finalités", json_array_size(json_object_get(ans, "purposes")));
	json_array_foreach(json_object_get(ans, "purposes"), i, e) {
		text_purpose_line(o, e, lang);
		text_bases(o, json_object_get(e, "legal_bases"), lang);
		text_label(o, L(lang, "categories", "catégories"), 11);
		json_array_foreach(json_object_get(e, "categories"), j, x)
			dsmap__outf(o, "%s%s", j ? ", " : "", json_string_value(x));
		dsmap__outf(o, "\n");
	}
	text_heading(o, lang, strcmp(kind, "recipient") == 0 ? "categories that flow to it" :
	             "categories concerned", strcmp(kind, "recipient") == 0 ?
	             "catégories qui lui parviennent" : "catégories concernées",
	             json_array_size(json_object_get(ans, "categories")));
	json_array_foreach(json_object_get(ans, "categories"), i, e)
		dsmap__outf(o, "  %s\n", json_string_value(e));
}

/* DOT ids are quoted; our ids hold no quote, but escape anyway. */
static void dot_id(struct dsmap__out *o, const char *prefix, const char *id)
{
	const char *p;

	dsmap__outf(o, "\"%s:", prefix);
	for (p = id; *p; p++)
		dsmap__outf(o, "%s%c", (*p == '"' || *p == '\\') ? "\\" : "", *p);
	dsmap__outf(o, "\"");
}

static void dot_node(struct dsmap__out *o, const char *prefix, const char *id, const char *shape)
{
	dsmap__outf(o, "  ");
	dot_id(o, prefix, id);
	dsmap__outf(o, " [shape=%s, label=\"", shape);
	for (; *id; id++)
		dsmap__outf(o, "%s%c", (*id == '"' || *id == '\\') ? "\\" : "", *id);
	dsmap__outf(o, "\"];\n");
}

static void dot_edge(struct dsmap__out *o, const char *pa, const char *a, const char *pb, const char *b)
{
	dsmap__outf(o, "  ");
	dot_id(o, pa, a);
	dsmap__outf(o, " -> ");
	dot_id(o, pb, b);
	dsmap__outf(o, ";\n");
}

static void render_dot(struct dsmap__out *o, json_t *ans)
{
	const char *kind = dsmap__json_str(ans, "kind");
	json_t *e, *x, *node = json_object_get(ans, "node"), *purposes;
	size_t i, j;

	dsmap__outf(o, "digraph lineage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
	if (strcmp(kind, "purpose") == 0) {
		dot_node(o, "p", dsmap__json_str(node, "id"), "ellipse");
		json_array_foreach(json_object_get(ans, "categories"), i, e) {
			dot_node(o, "c", dsmap__json_str(e, "ref"), "box");
			dot_edge(o, "c", dsmap__json_str(e, "ref"), "p", dsmap__json_str(node, "id"));
		}
		json_array_foreach(json_object_get(ans, "recipients"), i, e) {
			dot_node(o, "r", dsmap__json_str(e, "id"), "hexagon");
			dot_edge(o, "p", dsmap__json_str(node, "id"), "r", dsmap__json_str(e, "id"));
		}
		dsmap__outf(o, "}\n");
		return;
	}
	if (strcmp(kind, "system") == 0) {
		dot_node(o, "y", dsmap__json_str(node, "id"), "cylinder");
		json_array_foreach(json_object_get(node, "categories"), i, e) {
			dot_node(o, "c", json_string_value(e), "box");
			dot_edge(o, "y", dsmap__json_str(node, "id"), "c", json_string_value(e));
		}
		json_array_foreach(json_object_get(ans, "purposes"), i, e) {
			dot_node(o, "p", dsmap__json_str(e, "id"), "ellipse");
			json_array_foreach(json_object_get(e, "categories"), j, x)
				dot_edge(o, "c", json_string_value(x), "p", dsmap__json_str(e, "id"));
			json_array_foreach(json_object_get(e, "recipients"), j, x)
				dot_edge(o, "p", dsmap__json_str(e, "id"), "r", json_string_value(x));
		}
		json_array_foreach(json_object_get(ans, "recipients"), i, e)
			dot_node(o, "r", dsmap__json_str(e, "id"), "hexagon");
		dsmap__outf(o, "}\n");
		return;
	}
	purposes = json_object_get(ans, "purposes");
	if (strcmp(kind, "category") == 0) {
		json_array_foreach(json_object_get(ans, "categories"), i, e)
			dot_node(o, "c", dsmap__json_str(e, "ref"), "box");
		json_array_foreach(json_object_get(ans, "recipients"), i, e)
			dot_node(o, "r", dsmap__json_str(e, "id"), "hexagon");
	} else {
		json_array_foreach(json_object_get(ans, "categories"), i, e)
			dot_node(o, "c", json_string_value(e), "box");
		dot_node(o, strcmp(kind, "recipient") == 0 ? "r" : "k", dsmap__json_str(node, "id"),
		         strcmp(kind, "recipient") == 0 ? "hexagon" : "note");
	}
	json_array_foreach(purposes, i, e) {
		dot_node(o, "p", dsmap__json_str(e, "id"), "ellipse");
		json_array_foreach(json_object_get(e, "categories"), j, x)
			dot_edge(o, "c", json_string_value(x), "p", dsmap__json_str(e, "id"));
		if (strcmp(kind, "category") == 0) {
			json_array_foreach(json_object_get(e, "recipients"), j, x)
				dot_edge(o, "p", dsmap__json_str(e, "id"), "r", json_string_value(x));
		} else if (strcmp(kind, "recipient") == 0) {
			dot_edge(o, "p", dsmap__json_str(e, "id"), "r", dsmap__json_str(node, "id"));
		} else {
			dot_edge(o, "k", dsmap__json_str(node, "id"), "p", dsmap__json_str(e, "id"));
		}
	}
	dsmap__outf(o, "}\n");
}

int dsmap_lineage(char **out, dsmap_workspace *ws, int kind, const char *id, const char *rev,
                  int format)
{
	return dsmap_lineage_lang(out, ws, kind, id, rev, format, NULL);
}

/* The notice's language at the graph's revision: "fr" or "en" (the
 * default of a notice that says nothing, or of a graph without one). */
static int notice_language(struct dsmap__graph *r, char lang[3])
{
	json_t *notice;
	const char *l;
	int rc = 0;

	memcpy(lang, "en", 3);
	if ((notice = dsmap__graph_node(r, DSMAP__NODE_NOTICE, "notice", &rc)) == NULL)
		return rc < 0 ? rc : 0;
	l = json_string_value(json_object_get(notice, "language"));
	if (l != NULL && strcmp(l, "fr") == 0)
		memcpy(lang, "fr", 3);
	json_decref(notice);
	return 0;
}

int dsmap_lineage_lang(char **out, dsmap_workspace *ws, int kind, const char *id, const char *rev,
                       int format, const char *lang)
{
	char speak[3];
	struct dsmap__graph r;
	struct dsmap__out o = { NULL, 0, 0, 0 };
	json_t *ans = NULL;
	int rc;

	if (out == NULL || ws == NULL || id == NULL || dsmap_lineage_kind_name(kind) == NULL ||
	    format < DSMAP_FORMAT_TEXT || format > DSMAP_FORMAT_DOT)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_lineage: invalid argument");
	*out = NULL;
	if (lang != NULL && strcmp(lang, "en") != 0 && strcmp(lang, "fr") != 0)
		return dsmap_error__set(DSMAP_EINVALID, "language '%s': dsmap speaks en and fr", lang);
	if ((rc = dsmap__graph_open(&r, ws, rev)) < 0)
		return rc;
	if (lang != NULL)
		memcpy(speak, lang, 3);
	else if ((rc = notice_language(&r, speak)) < 0)
		goto done;
	ans = json_pack("{s:i, s:s, s:s, s:s}", "schema", 1, "revision", r.hex,
	                "kind", dsmap_lineage_kind_name(kind), "id", id);
	if (ans == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	switch (kind) {
	case DSMAP_LINEAGE_CATEGORY:
		rc = answer_category(&r, id, ans);
		break;
	case DSMAP_LINEAGE_PURPOSE:
		rc = answer_purpose(&r, id, ans);
		break;
	case DSMAP_LINEAGE_RECIPIENT:
		rc = answer_via(&r, DSMAP__NODE_RECIPIENT, DSMAP__EDGE_SHARED_BY, id, ans);
		break;
	case DSMAP_LINEAGE_SYSTEM:
		rc = answer_system(&r, id, ans);
		break;
	default:
		rc = answer_via(&r, DSMAP__NODE_SUBJECT_KIND, DSMAP__EDGE_CONCERNED_BY, id, ans);
		break;
	}
	if (rc == DSMAP_ENOTFOUND) {
		rc = dsmap_error__set(DSMAP_ENOTFOUND, "no %s '%s' at revision %.12s",
		                      dsmap_lineage_kind_name(kind), id, r.hex);
		goto done;
	}
	if (rc < 0)
		goto done;
	if (format == DSMAP_FORMAT_JSON) {
		char *s = dsmap__json_dumps(ans, JSON_INDENT(2));

		if (s == NULL) {
			rc = dsmap_error__oom();
			goto done;
		}
		dsmap__outf(&o, "%s\n", s);
		free(s);
	} else if (format == DSMAP_FORMAT_DOT) {
		render_dot(&o, ans);
	} else {
		render_text(&o, ans, speak);
	}
	if (o.oom) {
		free(o.buf);
		rc = dsmap_error__oom();
		goto done;
	}
	*out = o.buf;
	rc = 0;
done:
	json_decref(ans);
	dsmap__graph_close(&r);
	return rc;
}
