/*
 * Locate: where a subject's data is held, following identity links, and the
 * art. 15 answer built from the lineage graph (see dsmap/locate.h).
 *
 * A locator holds one read transaction for its snapshot, and in it the
 * databases of every system's current generation (inventory.h; their
 * handles held through the store, dsmap_store__gen_dbi_hold(), never
 * opened in the snapshot's own transaction, so that locators may be kept
 * and used on many threads at once), the
 * identifier index (idindex.h), the category numbers and the graph of the
 * synced revision.  A query is a breadth-first walk over identifiers: the
 * index names the systems that hold each one, as a subject (holdings) or
 * as an alias (aliases, then the holdings of the subjects it leads to), so
 * that a query costs what it walks, whatever the number of systems; a
 * subject found through an identifier of a linking kind adds its own
 * identifiers of linking kinds to the walk.
 *
 * An identifier that names more than `max_join` subjects in one system (a
 * placeholder e-mail, a shared or mistyped national register number) is
 * an identity conflict: it is not followed, and the answer names its kind
 * and how many subjects share it, never its value.
 * Only hashes are handled: the store has no value to show, and the answer
 * tells where each link was found instead.
 */
#include "config.h"

#include <assert.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "alloc.h"
#include "dsmap/lineage.h"
#include "dsmap/locate.h"
#include "errors.h"
#include "jsonutil.h"
#include "ident.h"
#include "idindex.h"
#include "inventory.h"
#include "lineage.h"
#include "store.h"
#include "util.h"
#include "words.h"
#include "workspace.h"

#define ID_SIZE (1 + DSMAP_IDENT_HASH_SIZE)
#define MAX_WALK 256        /* identifiers a query may reach, links included */
#define MAX_SEEN 1024       /* subjects a query may reach */
#define MAX_LOCS 8          /* locators shown per system */

_Static_assert(DSMAP__MAX_JOIN == DSMAP_LOCATE_MAX_JOIN,
               "scans count the identity conflicts that locate refuses by default");
#define MAX_CONFLICTS 32    /* identity conflicts reported per query */
#define COUNT_CAP 100000    /* subjects counted behind one conflicting identifier */
#define OPEN_TRIES 8        /* snapshots taken while new generations keep coming */
#define MAX_SHAPES 64       /* answer shapes whose sections a locator keeps (see shape_of()) */
#define SHAPE_HASH 16       /* bytes of a shape's hash */
#define MARK_NONCE 16       /* random bytes of a locator's part markers */

struct lsys {
	char *id;
	json_t *node;             /* the system's node at the synced revision */
	uint32_t gen;
	MDB_dbi h, a;
	int has_a;
	MDB_cursor *ac;           /* on the aliases, kept for the snapshot's life */
	uint32_t sysno;
};

/* A system number of the index, and the locator system it is. */
struct sysref {
	uint32_t sysno;
	size_t s;
};

struct dsmap_locator {
	dsmap_workspace *ws;
	dsmap_store *store;
	MDB_txn *txn;
	struct lsys *sys;
	size_t nsys;
	struct sysref *bysysno;   /* the systems by number, for the index */
	MDB_cursor *idx;          /* on the identifier index */
	size_t max_join;          /* subjects an identifier may name in one system */
	char **refs;              /* category ref by number */
	size_t nrefs;
	unsigned int links;       /* 1 << kind for each linking kind */
	struct dsmap__graph graph;
	json_t *nodes;            /* decoded nodes of the snapshot, by type letter and id */
	char *kind_names[DSMAP__FACET_MAX];   /* subject kind by facet number */
	char *brand_names[DSMAP__FACET_MAX];  /* brand by facet number */
	char lang[3];             /* of the text answer: "en" or "fr" */
	int lang_chosen;          /* set by dsmap_locator_set_language(), else the notice's */
	struct lhold *holds;      /* the generation handles held (store.h) */
	size_t nholds, capholds;
	uint64_t begun;           /* the store's handle epoch when the snapshot began */
	uint64_t snap;            /* the snapshot's transaction id */
	int parked;               /* dsmap_locator_park(): the transaction is reset */
	json_t *parts;            /* the snapshot's parts of answers, by key: their marker */
	struct part *partv;       /* the parts by number */
	size_t nparts, capparts;
	size_t nshapes;           /* the answer shapes among them */
	int no_parts;             /* DSMAP_LOCATE_PARTS=0: every answer dumped whole */
	char mark[2 + 2 * MARK_NONCE]; /* "\x01" and the nonce in hex: this locator's markers */
};

/* A value that every answer of a snapshot shares (a purpose's legal
 * bases, a right, the rules of one category's retention), dumped once
 * per format and copied into each JSON answer (dsmap__json_dump_parts()).
 * Measured: the answer's dump was two thirds of its rendering. */
struct part {
	json_t *value;
	char *text[2];            /* as dumped: [0] indented, [1] compact; NULL until asked */
	size_t len[2];
	size_t flags[2];          /* what each was dumped with */
	char *ind;                /* text[0] indented by `indent` (dsmap__json_indent()) */
	size_t indlen, indent;
};

struct lhold {
	enum dsmap__gen_type type;
	uint32_t gen;
};

/* An identifier on the walk. */
struct step {
	int kind;
	unsigned char hash[DSMAP_IDENT_HASH_SIZE];
	int expand;               /* of a linking kind: what it finds leads further */
	int link;                 /* the link that added it, -1 for the query's own */
};

/* Where a link was found: an identifier of `kind` held by a subject of
 * system `sys` (at `loc`) found through an identifier of `from_kind`. */
struct link {
	int kind, from_kind;
	int not_followed;         /* what it reached is an identity conflict */
	size_t sys;
	char loc[128];
};

struct rsys {
	uint64_t subjects, records;
	int64_t first, last;
	unsigned char *bitmap;    /* nrefs / 8 + 1 bytes */
	size_t nlocs;
	char *locs[MAX_LOCS];
	unsigned int by_kinds;    /* 1 << kind of each identifier that found a subject here */
	int by_link;              /* -1, or a link that found one */
	uint32_t kinds, brands;   /* facets of the subjects found here */
	int kinds_unknown;        /* a subject found here has no subject kind */
	int brands_unknown;       /* a subject found here has no brand */
};

struct seen {
	size_t sys;
	unsigned char subject[DSMAP_IDENT_HASH_SIZE];
};

/* A subject an identifier leads to, before the conflict check. */
struct cand {
	size_t sys;
	const unsigned char *subject;   /* in the snapshot's map */
	MDB_val val;
};

/* An identifier not followed: it names too many subjects. */
struct conflict {
	int kind;
	int link;                 /* -1 for the query's own, else the link that reached it */
	size_t sys;               /* the system where it names the most */
	uint64_t subjects;        /* there; counted up to COUNT_CAP */
};

struct dsmap_locate_result {
	size_t nsys;
	struct rsys *rs;          /* by locator system */
	unsigned char *bitmaps;   /* the systems' bitmaps, in one block */
	size_t nquery, nwalk, nlinks;
	struct seen *seen;
	size_t nseen, capseen;
	int truncated;
	size_t found;             /* systems holding something */
	const char **ids;         /* the systems found, in id order */
	struct cand *cands;       /* of the identifier being looked up */
	size_t ncands, capcands;
	struct conflict conflicts[MAX_CONFLICTS];
	size_t nconflicts;
	/* Last, and not zeroed: only their first n entries are ever read (some
	 * 45 KB that clearing would cost every query). */
	unsigned int query_kinds[MAX_WALK];
	struct step walk[MAX_WALK];
	struct link links[MAX_WALK];
};

/* ---- the snapshot ------------------------------------------------------------------ */

/* A locator's marker, random (no text of a source can pass for one), and
 * the test control DSMAP_LOCATE_PARTS=0, which makes every answer whole
 * so that tests can compare the two. */
static void parts_init(dsmap_locator *l)
{
	const char *parts = getenv("DSMAP_LOCATE_PARTS");
	unsigned char nonce[MARK_NONCE];

	l->no_parts = parts != NULL && strcmp(parts, "0") == 0;
	randombytes_buf(nonce, sizeof(nonce));
	l->mark[0] = '\x01';
	sodium_bin2hex(l->mark + 1, sizeof(l->mark) - 1, nonce, sizeof(nonce));
}

static void parts_clear(dsmap_locator *l)
{
	size_t i;

	for (i = 0; i < l->nparts; i++) {
		json_decref(l->partv[i].value);
		free(l->partv[i].text[0]);
		free(l->partv[i].text[1]);
		free(l->partv[i].ind);
	}
	free(l->partv);
	l->partv = NULL;
	l->nparts = l->capparts = l->nshapes = 0;
	json_decref(l->parts);
	l->parts = NULL;
}

static void snapshot_close(dsmap_locator *l)
{
	size_t i;

	for (i = 0; i < l->nsys; i++) {
		if (l->sys[i].ac != NULL)
			mdb_cursor_close(l->sys[i].ac);
		json_decref(l->sys[i].node);
		free(l->sys[i].id);
	}
	free(l->sys);
	l->sys = NULL;
	l->nsys = 0;
	free(l->bysysno);
	l->bysysno = NULL;
	if (l->idx != NULL)
		mdb_cursor_close(l->idx);
	l->idx = NULL;
	dsmap_store__category_refs_free(l->refs, l->nrefs);
	l->refs = NULL;
	l->nrefs = 0;
	json_decref(l->nodes);
	l->nodes = NULL;
	parts_clear(l);
	dsmap_store__facet_names_free(l->kind_names);
	dsmap_store__facet_names_free(l->brand_names);
	if (l->txn != NULL)
		mdb_txn_abort(l->txn);
	l->txn = NULL;
}

/* Release the holds from `from` on. */
static void holds_release(dsmap_locator *l, size_t from)
{
	while (l->nholds > from) {
		l->nholds--;
		dsmap_store__gen_dbi_release(l->store, l->holds[l->nholds].type,
		                             l->holds[l->nholds].gen);
	}
}

/* The handle of generation `gen` of `type`, held for the locator's life or
 * its next snapshot's.  DSMAP_ENOTFOUND (error set) when it has none; 1
 * when it was opened after the snapshot's transaction began, which cannot
 * use it: the snapshot must be taken again. */
static int hold(dsmap_locator *l, enum dsmap__gen_type type, uint32_t gen, MDB_dbi *dbi)
{
	uint64_t epoch;
	int rc;

	if (l->nholds == l->capholds) {
		size_t cap = l->capholds ? l->capholds * 2 : 16;
		struct lhold *grown = dsmap__realloc(l->holds, cap * sizeof(*grown));

		if (grown == NULL)
			return dsmap_error__oom();
		l->holds = grown;
		l->capholds = cap;
	}
	if ((rc = dsmap_store__gen_dbi_hold(l->store, type, gen, dbi, &epoch)) < 0)
		return rc;
	l->holds[l->nholds].type = type;
	l->holds[l->nholds].gen = gen;
	l->nholds++;
	return epoch > l->begun;
}

static int read_refs(dsmap_locator *l)
{
	return dsmap_store__category_refs(l->store, l->txn, &l->refs, &l->nrefs);
}

static int read_systems(dsmap_locator *l)
{
	MDB_cursor *cur = NULL;
	json_t *node = NULL;
	MDB_val k, v;
	size_t cap = 0;
	int rc, op = MDB_FIRST, newer = 0;   /* a handle held is newer than l->txn */

	if ((rc = mdb_cursor_open(l->txn, l->store->dbi[DSMAP__DB_SYSTEMS], &cur)) != 0)
		return dsmap_store__error(rc, "store %s: systems", l->store->path);
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		dsmap_store__system_summary sum;
		struct lsys *s;
		char id[DSMAP__SYSTEM_ID_MAX + 1];

		op = MDB_NEXT;
		if (k.mv_size == 0 || k.mv_size > DSMAP__SYSTEM_ID_MAX) {
			rc = dsmap_error__set(DSMAP_ECORRUPT, "store %s: systems: a bad key", l->store->path);
			goto done;
		}
		memcpy(id, k.mv_data, k.mv_size);
		id[k.mv_size] = '\0';
		if ((rc = dsmap_store__system_get(l->store, l->txn, id, &sum)) < 0)
			goto done;
		free(sum.categories);
		if (sum.gen == 0)
			continue;   /* never scanned, or retired */
		/* A system the mapping no longer defines never answers, even
		 * before a sync or a scan drops its inventory. */
		if ((node = dsmap__graph_node(&l->graph, DSMAP__NODE_SYSTEM, id, &rc)) == NULL) {
			if (rc < 0)
				goto done;
			continue;
		}
		if (l->nsys == cap) {
			size_t n = cap ? cap * 2 : 8;
			struct lsys *grown = dsmap__realloc(l->sys, n * sizeof(*grown));

			if (grown == NULL) {
				json_decref(node);
				rc = dsmap_error__oom();
				goto done;
			}
			l->sys = grown;
			cap = n;
		}
		s = &l->sys[l->nsys];
		memset(s, 0, sizeof(*s));
		s->node = node;
		node = NULL;
		/* counted before anything can fail, so that the cleanup frees it */
		l->nsys++;
		if ((s->id = dsmap__strdup(id)) == NULL) {
			rc = dsmap_error__oom();
			goto done;
		}
		s->gen = sum.gen;
		s->sysno = sum.sysno;
		/* Every system's handles are held, even past one newer than the
		 * transaction: the snapshot taken again then finds them all, and
		 * a first open costs one retry, not one per system. */
		if ((rc = hold(l, DSMAP__GEN_HOLDINGS, s->gen, &s->h)) < 0)
			goto done;
		newer |= rc;
		rc = hold(l, DSMAP__GEN_ALIASES, s->gen, &s->a);
		if (rc == DSMAP_ENOTFOUND) {
			dsmap_error_clear();
			rc = 0;
		} else if (rc < 0) {
			goto done;
		} else if (rc == 1) {
			newer = 1;   /* no cursor: this transaction cannot use the handle */
		} else if ((rc = mdb_cursor_open(l->txn, s->a, &s->ac)) != 0) {
			s->ac = NULL;
			rc = dsmap_store__error(rc, "store %s: aliases of %s", l->store->path, id);
			goto done;
		} else {
			s->has_a = 1;
		}
	}
	/* the loop ends on the cursor; every failure inside it jumps */
	if (rc == MDB_NOTFOUND)
		rc = newer;
	else
		rc = dsmap_store__error(rc, "store %s: systems", l->store->path);
done:
	mdb_cursor_close(cur);
	return rc;
}

static int sysref_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct sysref *)a)->sysno, y = ((const struct sysref *)b)->sysno;

	return (x > y) - (x < y);
}

/* The index's way in: the systems by number, and a cursor. */
static int read_index(dsmap_locator *l)
{
	size_t i;
	int rc;

	if ((l->bysysno = dsmap__malloc((l->nsys + 1) * sizeof(*l->bysysno))) == NULL)
		return dsmap_error__oom();
	for (i = 0; i < l->nsys; i++) {
		l->bysysno[i].sysno = l->sys[i].sysno;
		l->bysysno[i].s = i;
	}
	qsort(l->bysysno, l->nsys, sizeof(*l->bysysno), sysref_cmp);
	if ((rc = mdb_cursor_open(l->txn, l->store->dbi[DSMAP__DB_IDINDEX], &l->idx)) != 0) {
		l->idx = NULL;
		return dsmap_store__error(rc, "store %s: identifier index", l->store->path);
	}
	return 0;
}

/* The locator system of number `sysno`, or l->nsys when none answers. */
static size_t system_of(const dsmap_locator *l, uint32_t sysno)
{
	size_t lo = 0, hi = l->nsys;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->bysysno[mid].sysno < sysno)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->nsys && l->bysysno[lo].sysno == sysno ? l->bysysno[lo].s : l->nsys;
}

static int read_links(dsmap_locator *l)
{
	json_t *notice, *k;
	size_t i;
	int rc, kind;

	l->links = 0;
	notice = dsmap__graph_node(&l->graph, DSMAP__NODE_NOTICE, "notice", &rc);
	if (notice == NULL) {
		if (rc < 0)
			return rc;
		/* synced by a dsmap that stored no notice node: the defaults */
		for (kind = 1; dsmap_ident_kind_name(kind) != NULL; kind++)
			if (dsmap_ident_kind_links(kind))
				l->links |= 1u << kind;
		return 0;
	}
	/* The text answer speaks the notice's language unless told otherwise. */
	if (!l->lang_chosen) {
		const char *lang = json_string_value(json_object_get(notice, "language"));

		memcpy(l->lang, lang != NULL && strcmp(lang, "fr") == 0 ? "fr" : "en", 3);
	}
	json_array_foreach(json_object_get(notice, "linking_identifier_kinds"), i, k) {
		const char *name = json_string_value(k);

		if (name != NULL && (kind = dsmap_ident_kind_from_name(name, strlen(name))) > 0)
			l->links |= 1u << kind;
	}
	json_decref(notice);
	return 0;
}

static int snapshot_read(dsmap_locator *l)
{
	int rc;

	if ((rc = dsmap_store__read_begin(l->store, &l->txn)) < 0)
		return rc;
	l->snap = (uint64_t)mdb_txn_id(l->txn);
	if ((l->nodes = json_object()) == NULL)
		return dsmap_error__oom();
	if ((rc = dsmap__graph_synced(&l->graph, l->store, l->txn)) < 0 ||
	    (rc = read_refs(l)) < 0 || (rc = read_systems(l)) != 0 || (rc = read_index(l)) < 0 ||
	    (rc = read_links(l)) < 0 ||
	    (rc = dsmap_store__facet_names(l->store, l->txn, DSMAP__FACET_KIND, l->kind_names)) < 0 ||
	    (rc = dsmap_store__facet_names(l->store, l->txn, DSMAP__FACET_BRAND, l->brand_names)) < 0)
		return rc;
	return 0;
}

/* Take a snapshot.  A handle held for it must have been the environment's
 * when its transaction began: when one was opened after (the first time
 * this process holds a generation, a scan's new one among them), the
 * snapshot is taken again, the handles held meanwhile kept so that the
 * next one finds them.  The holds of an earlier snapshot are released
 * only once the new one is whole. */
static int snapshot_open(dsmap_locator *l)
{
	size_t start = 0;
	int rc, tries;

	l->parked = 0;
	for (tries = 0; tries < OPEN_TRIES; tries++) {
		start = l->nholds;
		l->begun = dsmap_store__held_epoch(l->store);
		if ((rc = snapshot_read(l)) < 0) {
			snapshot_close(l);
			holds_release(l, 0);
			return rc;
		}
		if (rc == 0)
			break;
		snapshot_close(l);
	}
	if (tries == OPEN_TRIES) {
		holds_release(l, 0);
		return dsmap_error__set(DSMAP_ERROR, "store %s: new generations came %d times while "
		                        "a locator opened; try again", l->store->path, OPEN_TRIES);
	}
	/* keep this snapshot's holds alone */
	if (start > 0) {
		size_t i, n = l->nholds - start;

		for (i = 0; i < start; i++)
			dsmap_store__gen_dbi_release(l->store, l->holds[i].type, l->holds[i].gen);
		memmove(l->holds, l->holds + start, n * sizeof(*l->holds));
		l->nholds = n;
	}
	return 0;
}

int dsmap_locator_open(dsmap_locator **out, dsmap_workspace *ws)
{
	dsmap_locator *l;
	int rc;

	if (out == NULL || ws == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_locator_open: NULL argument");
	*out = NULL;
	if ((l = dsmap__calloc(1, sizeof(*l))) == NULL)
		return dsmap_error__oom();
	l->ws = ws;
	l->store = ws->store;
	l->max_join = DSMAP_LOCATE_MAX_JOIN;
	memcpy(l->lang, "en", 3);
	parts_init(l);
	if ((rc = snapshot_open(l)) < 0) {
		free(l->holds);   /* released, but the array kept */
		free(l);
		return rc;
	}
	*out = l;
	return 0;
}

int dsmap_locator_set_language(dsmap_locator *l, const char *lang)
{
	if (l == NULL || lang == NULL || (strcmp(lang, "en") != 0 && strcmp(lang, "fr") != 0))
		return dsmap_error__set(DSMAP_EINVALID, "language '%s': dsmap speaks en and fr",
		                        lang ? lang : "(null)");
	memcpy(l->lang, lang, 3);
	l->lang_chosen = 1;
	return 0;
}

int dsmap_locator_set_max_join(dsmap_locator *l, size_t max_join)
{
	if (l == NULL || max_join == 0)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_locator_set_max_join: %s",
		                        l == NULL ? "NULL locator" : "an identifier names at least "
		                        "one subject");
	l->max_join = max_join;
	return 0;
}

void dsmap_locator_park(dsmap_locator *l)
{
	if (l == NULL || l->txn == NULL || l->parked)
		return;
	mdb_txn_reset(l->txn);
	l->parked = 1;
}

/* The same snapshot again, after a park: the transaction renewed, and
 * still at the snapshot's id (no write committed meanwhile, so every page
 * and value read from it is as it was), and the cursors renewed with it.
 * 0 when so; 1 when a new snapshot is needed. */
static int unpark(dsmap_locator *l)
{
	size_t i;

	if (mdb_txn_renew(l->txn) != 0)
		return 1;
	l->parked = 0;
	if ((uint64_t)mdb_txn_id(l->txn) != l->snap)
		return 1;
	if (l->idx != NULL && mdb_cursor_renew(l->txn, l->idx) != 0)
		return 1;
	for (i = 0; i < l->nsys; i++)
		if (l->sys[i].ac != NULL && mdb_cursor_renew(l->txn, l->sys[i].ac) != 0)
			return 1;
	return 0;
}

int dsmap_locator_refresh(dsmap_locator *l)
{
	if (l == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_locator_refresh: NULL locator");
	if (l->txn != NULL) {
		if (!l->parked)
			mdb_txn_reset(l->txn);
		l->parked = 1;
		if (unpark(l) == 0)
			return 0;
	}
	snapshot_close(l);
	return snapshot_open(l);
}

/* A query on a parked locator is refused: its transaction sees nothing. */
static int usable(const dsmap_locator *l, const char *fn)
{
	if (l->txn == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "%s: the locator has no snapshot (its last "
		                        "refresh failed)", fn);
	if (l->parked)
		return dsmap_error__set(DSMAP_EINVALID, "%s: the locator is parked; "
		                        "dsmap_locator_refresh() first", fn);
	return 0;
}

void dsmap_locator_free(dsmap_locator *l)
{
	if (l == NULL)
		return;
	snapshot_close(l);
	holds_release(l, 0);
	free(l->holds);
	free(l);
}

/* ---- the walk ---------------------------------------------------------------------- */

void dsmap_locate_result_free(dsmap_locate_result *r)
{
	size_t i, j;

	if (r == NULL)
		return;
	for (i = 0; r->rs != NULL && i < r->nsys; i++)
		for (j = 0; j < r->rs[i].nlocs; j++)
			free(r->rs[i].locs[j]);
	free(r->rs);
	free(r->bitmaps);
	free(r->seen);
	free(r->ids);
	free(r->cands);
	free(r);
}

static int enqueue(dsmap_locate_result *r, int kind, const unsigned char *hash, int expand, int link)
{
	size_t i;

	for (i = 0; i < r->nwalk; i++)
		if (r->walk[i].kind == kind && memcmp(r->walk[i].hash, hash, DSMAP_IDENT_HASH_SIZE) == 0)
			return 0;
	if (r->nwalk == MAX_WALK) {
		r->truncated = 1;
		return 0;
	}
	r->walk[r->nwalk].kind = kind;
	memcpy(r->walk[r->nwalk].hash, hash, DSMAP_IDENT_HASH_SIZE);
	r->walk[r->nwalk].expand = expand;
	r->walk[r->nwalk].link = link;
	r->nwalk++;
	return 1;
}

/* A subject of system `s` found through walk step `q`. */
static int found(dsmap_locator *l, dsmap_locate_result *r, size_t s, const unsigned char *subject,
                 const MDB_val *val, size_t q)
{
	struct dsmap__holding h;
	struct rsys *rs = &r->rs[s];
	const struct step *st = &r->walk[q];
	size_t i, n;
	int rc;

	for (i = 0; i < r->nseen; i++)
		if (r->seen[i].sys == s && memcmp(r->seen[i].subject, subject, DSMAP_IDENT_HASH_SIZE) == 0)
			return 0;
	if (r->nseen == r->capseen) {
		size_t cap = r->capseen * 2;
		struct seen *grown;

		if (cap > MAX_SEEN) {
			r->truncated = 1;
			return 0;
		}
		if ((grown = dsmap__realloc(r->seen, cap * sizeof(*grown))) == NULL)
			return dsmap_error__oom();
		r->seen = grown;
		r->capseen = cap;
	}
	r->seen[r->nseen].sys = s;
	memcpy(r->seen[r->nseen].subject, subject, DSMAP_IDENT_HASH_SIZE);
	r->nseen++;
	if ((rc = dsmap__holding_decode(&h, subject, val->mv_data, val->mv_size)) < 0)
		return dsmap_error__prefix(rc, "store %s: system %s", l->store->path, l->sys[s].id);

	if (rs->subjects++ == 0)
		r->found++;
	rs->records += h.records;
	if (h.first > 0 && (rs->first == 0 || h.first < rs->first))
		rs->first = h.first;
	if (h.last > rs->last)
		rs->last = h.last;
	n = h.bitmap_size < l->nrefs / 8 + 1 ? h.bitmap_size : l->nrefs / 8 + 1;
	for (i = 0; i < n; i++)
		rs->bitmap[i] |= h.bitmap[i];
	for (i = 0; i < h.loc_count && rs->nlocs < MAX_LOCS; i++) {
		/* a locator lost would be an answer that names fewer records */
		if ((rs->locs[rs->nlocs] = dsmap__strndup(h.locs[i], h.loc_lens[i])) == NULL)
			return dsmap_error__oom();
		rs->nlocs++;
	}
	rs->by_kinds |= 1u << st->kind;
	if (h.kinds == 0)
		rs->kinds_unknown = 1;
	rs->kinds |= h.kinds;
	if (h.brands == 0)
		rs->brands_unknown = 1;
	rs->brands |= h.brands;
	if (st->link >= 0 && rs->by_link < 0)
		rs->by_link = st->link;

	/* Links: only from what an identifier of a linking kind found, and only
	 * to identifiers of linking kinds. */
	if (!st->expand)
		return 0;
	for (i = 0; i <= h.id_count; i++) {
		int kind = i == 0 ? h.kind : h.ids[(i - 1) * ID_SIZE];
		const unsigned char *hash = i == 0 ? subject : h.ids + (i - 1) * ID_SIZE + 1;
		struct link *lk;

		if (kind <= 0 || kind >= 32 || !(l->links & 1u << kind))
			continue;
		if (r->nlinks == MAX_WALK) {
			r->truncated = 1;
			break;
		}
		if (enqueue(r, kind, hash, 1, (int)r->nlinks) == 0)
			continue;
		lk = &r->links[r->nlinks++];
		lk->not_followed = 0;
		lk->kind = kind;
		lk->from_kind = st->kind;
		lk->sys = s;
		snprintf(lk->loc, sizeof(lk->loc), "%.*s", h.loc_count ? (int)h.loc_lens[0] : 0,
		         h.loc_count ? h.locs[0] : "");
	}
	return 0;
}

static int cand_add(dsmap_locate_result *r, size_t s, const unsigned char *subject,
                    const MDB_val *val)
{
	if (r->ncands == r->capcands) {
		size_t cap = r->capcands ? r->capcands * 2 : 16;
		struct cand *grown = dsmap__realloc(r->cands, cap * sizeof(*grown));

		if (grown == NULL)
			return dsmap_error__oom();
		r->cands = grown;
		r->capcands = cap;
	}
	r->cands[r->ncands].sys = s;
	r->cands[r->ncands].subject = subject;
	r->cands[r->ncands].val = *val;
	r->ncands++;
	return 0;
}

/* The subjects an alias leads to in system `s`: candidates, up to
 * max_join + 1; past that only counted (up to COUNT_CAP) into *n. */
static int look_aliases(dsmap_locator *l, dsmap_locate_result *r, size_t s,
                        const unsigned char *hash, uint64_t *n)
{
	MDB_cursor *cur = l->sys[s].ac;
	MDB_val k = { DSMAP_IDENT_HASH_SIZE, (void *)hash }, v;
	int rc;

	if (cur == NULL)
		return dsmap_error__set(DSMAP_ECORRUPT, "store %s: the identifier index names "
		                        "aliases of %s, which has none", l->store->path, l->sys[s].id);
	/* aliases are (identifier, subject) keys: the range of this identifier */
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size == DSMAP__ALIAS_KEY_SIZE &&
	       memcmp(k.mv_data, hash, DSMAP_IDENT_HASH_SIZE) == 0 && *n < COUNT_CAP) {
		const unsigned char *subject = (const unsigned char *)k.mv_data + DSMAP_IDENT_HASH_SIZE;

		if (++*n <= l->max_join) {
			MDB_val sk = { DSMAP_IDENT_HASH_SIZE, (void *)subject }, sv;
			int grc = mdb_get(l->txn, l->sys[s].h, &sk, &sv), err;

			if (grc == 0) {
				if ((err = cand_add(r, s, subject, &sv)) < 0)
					return err;
			} else if (grc != MDB_NOTFOUND) {   /* cannot be: a generation is written whole */
				return dsmap_store__error(grc, "store %s: holdings of %s", l->store->path,
				                          l->sys[s].id);
			}
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (rc == 0 && k.mv_size != DSMAP__ALIAS_KEY_SIZE)
		return dsmap_error__set(DSMAP_ECORRUPT, "store %s: aliases of %s: a bad record; run "
		                        "'dsmap verify'", l->store->path, l->sys[s].id);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return dsmap_store__error(rc, "store %s: aliases of %s", l->store->path, l->sys[s].id);
	return 0;
}

/* One system's part of an index entry: the subjects identifier `hash`
 * leads to there, as candidates; *n counts them. */
static int look_in(dsmap_locator *l, dsmap_locate_result *r, size_t s, unsigned int roles,
                   const unsigned char *hash, uint64_t *n)
{
	int rc;

	*n = 0;
	if (roles & DSMAP__IDX_SUBJECT) {
		MDB_val k = { DSMAP_IDENT_HASH_SIZE, (void *)hash }, v;

		rc = mdb_get(l->txn, l->sys[s].h, &k, &v);
		if (rc == 0) {
			*n = 1;
			if ((rc = cand_add(r, s, k.mv_data, &v)) < 0)
				return rc;
		} else if (rc != MDB_NOTFOUND) {
			return dsmap_store__error(rc, "store %s: holdings of %s", l->store->path,
			                          l->sys[s].id);
		}
	}
	if (roles & DSMAP__IDX_ALIAS)
		return look_aliases(l, r, s, hash, n);
	return 0;
}

/* Walk step `q`: one lookup in the identifier index names the systems
 * that hold the identifier; their subjects are found unless the
 * identifier names more than max_join of them in one system. */
static int look(dsmap_locator *l, dsmap_locate_result *r, size_t q)
{
	unsigned char hash[DSMAP_IDENT_HASH_SIZE];
	MDB_val k = { DSMAP_IDENT_HASH_SIZE, hash }, v;
	struct conflict worst = { 0, 0, 0, 0 };
	size_t i;
	int rc;

	memcpy(hash, r->walk[q].hash, sizeof(hash));
	r->ncands = 0;
	rc = mdb_cursor_get(l->idx, &k, &v, MDB_SET_KEY);
	if (rc == 0)
		rc = mdb_cursor_get(l->idx, &k, &v, MDB_GET_MULTIPLE);
	while (rc == 0) {
		const unsigned char *p = v.mv_data;

		if (v.mv_size % DSMAP__IDX_VALUE_SIZE != 0)
			return dsmap_error__set(DSMAP_ECORRUPT, "store %s: identifier index: a value "
			                        "of %zu bytes; run 'dsmap verify'", l->store->path,
			                        v.mv_size);
		for (i = 0; i < v.mv_size / DSMAP__IDX_VALUE_SIZE; i++) {
			uint32_t e = dsmap__get_be32(p + DSMAP__IDX_VALUE_SIZE * i);
			size_t s = system_of(l, dsmap__idx_sysno(e));
			uint64_t n;

			if (s == l->nsys)
				continue;   /* retired, or no longer in the mapping */
			if ((rc = look_in(l, r, s, dsmap__idx_roles(e), hash, &n)) < 0)
				return rc;
			if (n > worst.subjects) {
				worst.sys = s;
				worst.subjects = n;
			}
		}
		rc = mdb_cursor_get(l->idx, &k, &v, MDB_NEXT_MULTIPLE);
	}
	if (rc != MDB_NOTFOUND)
		return dsmap_store__error(rc, "store %s: identifier index", l->store->path);
	if (worst.subjects > l->max_join) {
		if (r->nconflicts < MAX_CONFLICTS) {
			worst.kind = r->walk[q].kind;
			worst.link = r->walk[q].link;
			r->conflicts[r->nconflicts++] = worst;
		}
		if (r->walk[q].link >= 0)
			r->links[r->walk[q].link].not_followed = 1;   /* a link to no one */
		return 0;
	}
	for (i = 0; i < r->ncands; i++)
		if ((rc = found(l, r, r->cands[i].sys, r->cands[i].subject, &r->cands[i].val, q)) < 0)
			return rc;
	return 0;
}

/* "kind:value", normalised and hashed. */
static int parse_one(dsmap_locator *l, const char *text, size_t index, struct step *out)
{
	char norm[DSMAP_IDENT_MAX + 1];
	const char *colon = text ? strchr(text, ':') : NULL, *why;
	size_t n;
	int kind;

	if (colon == NULL || colon == text)
		return dsmap_error__set(DSMAP_EINVALID, "identifier %zu: write it KIND:VALUE, e.g. "
		                        "email:someone@example.com", index + 1);
	kind = dsmap_ident_kind_from_name(text, (size_t)(colon - text));
	if (kind == 0)
		return dsmap_error__set(DSMAP_EINVALID, "identifier %zu: unknown kind '%.*s' (one of "
		                        "email, phone, national-register-number, customer-number, "
		                        "account-id, imei, ip, device-id)", index + 1,
		                        (int)(colon - text), text);
	why = dsmap_ident__normalise(norm, &n, kind, colon + 1, strlen(colon + 1));
	if (why == dsmap_ident__oom)
		return dsmap_error__oom();
	if (why != NULL)
		return dsmap_error__set(DSMAP_EINVALID, "identifier %zu (%s): %s", index + 1,
		                        dsmap_ident_kind_name(kind), why);
	out->kind = kind;
	dsmap_ident__hash(out->hash, l->ws->key, kind, norm, n);
	sodium_memzero(norm, sizeof(norm));
	out->expand = (l->links >> kind) & 1;
	out->link = -1;
	return 0;
}

static int result_new(dsmap_locate_result **out, const dsmap_locator *l)
{
	dsmap_locate_result *r;
	size_t i;

	*out = NULL;
	if ((r = dsmap__malloc(sizeof(*r))) != NULL)
		memset(r, 0, offsetof(struct dsmap_locate_result, query_kinds));
	if (r == NULL ||
	    (r->rs = dsmap__calloc(l->nsys + 1, sizeof(*r->rs))) == NULL ||
	    (r->seen = dsmap__malloc(16 * sizeof(*r->seen))) == NULL ||
	    (r->bitmaps = dsmap__calloc(l->nsys + 1, l->nrefs / 8 + 1)) == NULL ||
	    (r->ids = dsmap__calloc(l->nsys + 1, sizeof(*r->ids))) == NULL) {
		dsmap_locate_result_free(r);
		return dsmap_error__oom();
	}
	r->capseen = 16;
	r->nsys = l->nsys;
	for (i = 0; i < l->nsys; i++) {
		r->rs[i].by_link = -1;
		r->rs[i].bitmap = r->bitmaps + i * (l->nrefs / 8 + 1);
	}
	*out = r;
	return 0;
}

/* Make a result ready for the next query of a batch, keeping its memory. */
static void result_clear(dsmap_locate_result *r, const dsmap_locator *l)
{
	size_t i, j;

	for (i = 0; i < r->nsys; i++) {
		if (r->rs[i].subjects == 0 && r->rs[i].nlocs == 0)
			continue;   /* untouched by the last query */
		for (j = 0; j < r->rs[i].nlocs; j++)
			free(r->rs[i].locs[j]);
		memset(r->rs[i].bitmap, 0, l->nrefs / 8 + 1);
		memset(&r->rs[i], 0, sizeof(r->rs[i]));
		r->rs[i].by_link = -1;
		r->rs[i].bitmap = r->bitmaps + i * (l->nrefs / 8 + 1);
	}
	r->nquery = r->nwalk = r->nlinks = r->nseen = 0;
	r->truncated = 0;
	r->found = 0;
	r->ncands = 0;
	r->nconflicts = 0;
}

/* One query into an empty result. */
static int find_into(dsmap_locate_result *r, dsmap_locator *l, const char *const *ids,
                     size_t count)
{
	size_t i, q, k;
	int rc;

	if (count > 0 && ids == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "locate: NULL identifiers");
	if (count == 0)
		return dsmap_error__set(DSMAP_EINVALID, "locate: give at least one identifier");
	if (count > MAX_WALK)
		return dsmap_error__set(DSMAP_EINVALID, "locate: %zu identifiers, at most %d", count,
		                        MAX_WALK);
	for (i = 0; i < count; i++) {
		struct step st;

		if ((rc = parse_one(l, ids[i], i, &st)) < 0)
			return rc;
		if (enqueue(r, st.kind, st.hash, st.expand, -1))
			r->query_kinds[r->nquery++] = (unsigned int)st.kind;
	}
	for (q = 0; q < r->nwalk; q++)
		if ((rc = look(l, r, q)) < 0)
			return rc;
	for (i = 0, k = 0; i < l->nsys; i++)
		if (r->rs[i].subjects > 0)
			r->ids[k++] = l->sys[i].id;
	r->ids[k] = NULL;
	return 0;
}

int dsmap_locate_find(dsmap_locate_result **out, dsmap_locator *l, const char *const *ids,
                      size_t count)
{
	dsmap_locate_result *r = NULL;
	int rc;

	if (out == NULL || l == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_locate_find: NULL argument");
	*out = NULL;
	if ((rc = usable(l, "dsmap_locate_find")) < 0)
		return rc;
	if ((rc = result_new(&r, l)) < 0)
		return rc;
	if ((rc = find_into(r, l, ids, count)) < 0) {
		dsmap_locate_result_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int dsmap_locate_many(dsmap_locator *l, const dsmap_locate_query *queries, size_t count,
                      dsmap_locate_each_fn fn, void *payload)
{
	dsmap_locate_result *r = NULL;
	size_t i;
	int rc = 0;

	if (l == NULL || fn == NULL || (count > 0 && queries == NULL))
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_locate_many: NULL argument");
	if ((rc = usable(l, "dsmap_locate_many")) < 0)
		return rc;
	if ((rc = result_new(&r, l)) < 0)
		return rc;
	for (i = 0; i < count; i++) {
		result_clear(r, l);
		rc = find_into(r, l, queries[i].identifiers, queries[i].count);
		if (rc < 0 && rc != DSMAP_EINVALID)
			break;   /* the store, not the query */
		if ((rc = fn(payload, i, rc, rc < 0 ? NULL : r)) != 0)
			break;
	}
	dsmap_locate_result_free(r);
	return rc;
}

size_t dsmap_locate_result_count(const dsmap_locate_result *r)
{
	return r ? r->found : 0;
}

const char *dsmap_locate_result_system(const dsmap_locate_result *r, size_t i)
{
	return r && i < r->found ? r->ids[i] : NULL;
}

/* ---- the answer -------------------------------------------------------------------- */

/* A node of the snapshot's graph, decoded once per snapshot and borrowed
 * from the locator's cache; NULL when absent (*rc < 0 for a failure). */
static json_t *node_of(dsmap_locator *l, enum dsmap__graph_type type, const char *id, int *rc)
{
	char key[DSMAP__SYSTEM_ID_MAX + 300];
	json_t *n;

	*rc = 0;
	snprintf(key, sizeof(key), "%c%s", type, id);
	if ((n = json_object_get(l->nodes, key)) != NULL)
		return json_is_null(n) ? NULL : n;
	n = dsmap__graph_node(&l->graph, type, id, rc);
	if (n == NULL && *rc < 0)
		return NULL;
	if (json_object_set_new(l->nodes, key, n ? n : json_null()) < 0) {
		*rc = dsmap_error__oom();
		return NULL;
	}
	return n;
}

/* The ids of a facet mask, or null when unknown. */
static json_t *facet_ids(char *const *names, uint32_t mask, int unknown)
{
	json_t *a;
	unsigned int b;
	int bad = 0;

	if (unknown && mask == 0)
		return json_null();
	a = json_array();
	for (b = 0; b < DSMAP__FACET_MAX; b++)
		if ((mask >> b & 1) && names[b] != NULL)
			dsmap__json_push(a, json_string(names[b]), &bad);
	return dsmap__json_done(a, bad);
}

/* Why purpose `pn` does not apply to what system `rs` holds: NULL when it
 * does, else "subject-kind" or "brand". */
static const char *left_out(dsmap_locator *l, const struct rsys *rs, json_t *pn)
{
	json_t *e;
	size_t i;

	if (!rs->kinds_unknown && rs->kinds != 0) {
		int concerned = 0;
		unsigned int b;

		for (b = 0; b < DSMAP__FACET_MAX && !concerned; b++)
			if ((rs->kinds >> b & 1) && l->kind_names[b] != NULL)
				concerned = dsmap__json_has(json_object_get(pn, "subject_kinds"), l->kind_names[b]);
		if (!concerned)
			return "subject-kind";
	}
	if (!rs->brands_unknown && rs->brands != 0 &&
	    json_array_size(json_object_get(pn, "excluded_brands")) > 0) {
		uint32_t excluded = 0;
		unsigned int b;

		json_array_foreach(json_object_get(pn, "excluded_brands"), i, e)
			for (b = 0; b < DSMAP__FACET_MAX; b++)
				if (l->brand_names[b] != NULL && strcmp(l->brand_names[b], json_string_value(e)) == 0)
					excluded |= 1u << b;
		/* every brand the subject is held under is excluded */
		if ((rs->brands & ~excluded) == 0)
			return "brand";
	}
	return NULL;
}

static json_t *iso_time(int64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static int held(const dsmap_locate_result *r, size_t s, size_t bit)
{
	return (r->rs[s].bitmap[bit >> 3] >> (bit & 7)) & 1;
}

/* ---- parts ------------------------------------------------------------------------- */

/* The marker of the part under `key`, borrowed; NULL when there is none
 * yet. */
static json_t *part_get(dsmap_locator *l, const char *key)
{
	return l->parts != NULL ? json_object_get(l->parts, key) : NULL;
}

static const char *part_text(void *payload, size_t n, size_t flags, size_t indent, size_t *len);

/* A new, empty part under `key`: its marker, borrowed, or NULL when
 * memory ran out. */
static json_t *part_new(dsmap_locator *l, const char *key)
{
	char buf[sizeof(l->mark) + 24];
	json_t *m;

	if (l->parts == NULL && (l->parts = json_object()) == NULL)
		return NULL;
	if (l->nparts == l->capparts) {
		size_t cap = l->capparts ? l->capparts * 2 : 64;
		struct part *p = dsmap__realloc(l->partv, cap * sizeof(*p));

		if (p == NULL)
			return NULL;
		l->partv = p;
		l->capparts = cap;
	}
	snprintf(buf, sizeof(buf), "%s%zu", l->mark, l->nparts);
	if ((m = json_string(buf)) == NULL || json_object_set_new(l->parts, key, m) < 0)
		return NULL;
	memset(&l->partv[l->nparts], 0, sizeof(l->partv[l->nparts]));
	l->nparts++;
	return m;
}

/* Make `value` (taken) the part under `key`: its marker, borrowed, or NULL
 * when memory ran out. */
static json_t *part_add(dsmap_locator *l, const char *key, json_t *value)
{
	json_t *m;

	if (value == NULL)
		return NULL;
	if ((m = part_new(l, key)) == NULL) {
		json_decref(value);
		return NULL;
	}
	l->partv[l->nparts - 1].value = value;
	return m;
}

/* Make the text of `v` dumped with `flags` (its own parts in it) the part
 * under `key`, without keeping the tree: its marker, borrowed, or NULL when
 * memory ran out. */
static json_t *part_add_text(dsmap_locator *l, const char *key, const json_t *v, size_t flags)
{
	int f = (flags & JSON_COMPACT) != 0;
	char *text = dsmap__json_dump_parts(v, flags | JSON_ENCODE_ANY, 0, l->mark, part_text, l);
	struct part *p;
	json_t *m;

	if (text == NULL || (m = part_new(l, key)) == NULL) {
		free(text);
		return NULL;
	}
	p = &l->partv[l->nparts - 1];
	p->text[f] = text;
	p->len[f] = strlen(text);
	p->flags[f] = flags;
	return m;
}

/* The text of part `n` for dsmap__json_dump_parts(), dumped once per
 * format and indented once per depth. */
static const char *part_text(void *payload, size_t n, size_t flags, size_t indent, size_t *len)
{
	dsmap_locator *l = payload;
	int f = (flags & JSON_COMPACT) != 0;
	struct part *p;

	if (n >= l->nparts)
		return NULL;
	p = &l->partv[n];
	if (p->text[f] == NULL || p->flags[f] != flags) {
		/* A part kept only as text is dumped with the flags of the one
		 * format it serves (part_add_text()); other flags for it are a bug. */
		assert(p->value != NULL);
		if (p->value == NULL)
			return NULL;
		free(p->text[f]);
		/* a part may be a string or null: JSON_ENCODE_ANY */
		if ((p->text[f] = dsmap__json_dumps(p->value, flags | JSON_ENCODE_ANY)) == NULL)
			return NULL;
		p->len[f] = strlen(p->text[f]);
		p->flags[f] = flags;
		if (f == 0) {
			free(p->ind);
			p->ind = NULL;
		}
	}
	if (indent == 0 || f == 1 || memchr(p->text[f], '\n', p->len[f]) == NULL) {
		*len = p->len[f];
		return p->text[f];
	}
	if (p->ind == NULL || p->indent != indent) {
		free(p->ind);
		if ((p->ind = dsmap__json_indent(p->text[0], p->len[0], indent, &p->indlen)) == NULL)
			return NULL;
		p->indent = indent;
	}
	*len = p->indlen;
	return p->ind;
}

/* ---- shapes ------------------------------------------------------------------------ */

/*
 * What an answer says besides the systems themselves (its categories,
 * purposes, recipients, subject kinds and findings) follows from its
 * shape alone: which systems hold the subject, each with the categories
 * held (its bitmap) and the subject kinds and brands found there.  Many
 * subjects share a shape, so a marked answer keeps those five sections
 * as parts of text, under the shape's hash; at most MAX_SHAPES shapes,
 * after which the parts are emptied and made again.
 */
static const char *const SECTIONS[] = {
	"categories", "purposes", "recipients", "subject_kinds", "findings"
};
#define NSECTIONS (sizeof(SECTIONS) / sizeof(SECTIONS[0]))

static int shape_of(const dsmap_locator *l, const dsmap_locate_result *r, char *out)
{
	crypto_generichash_state st;
	unsigned char h[SHAPE_HASH];
	size_t s;

	if (crypto_generichash_init(&st, NULL, 0, sizeof(h)) != 0)
		return dsmap_error__set(DSMAP_ERROR, "dsmap_locate_render: BLAKE2b failed");
	for (s = 0; s < r->nsys; s++) {
		const struct rsys *rs = &r->rs[s];
		uint32_t facts[5];

		if (rs->subjects == 0)
			continue;
		facts[0] = (uint32_t)s;
		facts[1] = rs->kinds;
		facts[2] = rs->brands;
		facts[3] = (uint32_t)rs->kinds_unknown;
		facts[4] = (uint32_t)rs->brands_unknown;
		crypto_generichash_update(&st, (const unsigned char *)facts, sizeof(facts));
		crypto_generichash_update(&st, rs->bitmap, l->nrefs / 8 + 1);
	}
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(out, 2 * SHAPE_HASH + 1, h, sizeof(h));
	return 0;
}

static void section_key(char *key, size_t size, const char *shape, size_t flags, size_t i)
{
	snprintf(key, size, "~%zu:%zx:%s", i, flags, shape);
}

/* Whether the sections of `shape` dumped with `flags` are parts. */
static int sections_known(dsmap_locator *l, const char *shape, size_t flags)
{
	char key[64 + 2 * SHAPE_HASH];
	size_t i;

	for (i = 0; i < NSECTIONS; i++) {
		section_key(key, sizeof(key), shape, flags, i);
		if (part_get(l, key) == NULL)
			return 0;
	}
	return 1;
}

/* Put the markers of the sections of `shape` in `ans`; when `make`, make
 * the parts first from what `ans` holds under them. */
static int sections_put(dsmap_locator *l, const char *shape, size_t flags, json_t *ans, int make)
{
	char key[64 + 2 * SHAPE_HASH];
	size_t i;

	for (i = 0; i < NSECTIONS; i++) {
		json_t *m;

		section_key(key, sizeof(key), shape, flags, i);
		m = make ? part_add_text(l, key, json_object_get(ans, SECTIONS[i]), flags) :
		           part_get(l, key);
		if (m == NULL || json_object_set(ans, SECTIONS[i], m) < 0)
			return dsmap_error__oom();
	}
	l->nshapes += (size_t)make;
	return 0;
}

/* Shared state of one answer's build. */
struct answer {
	dsmap_locator *l;
	int marked;               /* dumped as JSON: parts stand for what they hold */
	int known;                /* the shape's sections are parts already: not built */
	json_t *pset;             /* purpose id -> its entry in "purposes" */
	json_t *cset;             /* category ref -> its entry in "categories" */
	json_t *rset;             /* recipient id -> array of purposes it is reached through */
	json_t *kset;             /* subject kind id -> true */
	json_t *findings;
};

/* What an answer puts under a key: `v` itself (borrowed), or in a marked
 * answer the marker of the part that holds it, under `tag`, `id` and
 * `ref` (NULL for none); NULL when memory ran out. */
#define PART_KEY_MAX (DSMAP__SYSTEM_ID_MAX + 600)

/* The key of a part: `tag`, `id`, then a tab and `ref` when given; -1 when
 * it does not fit (the value then gets no part). */
static int part_key(char key[PART_KEY_MAX], char tag, const char *id, const char *ref)
{
	int n = snprintf(key, PART_KEY_MAX, "%c%s%s%s", tag, id, ref ? "\t" : "", ref ? ref : "");

	return n > 0 && n < PART_KEY_MAX ? 0 : -1;
}

static json_t *shared(struct answer *a, char tag, const char *id, const char *ref, json_t *v)
{
	char key[PART_KEY_MAX];
	json_t *m;

	if (!a->marked || v == NULL || part_key(key, tag, id, ref) < 0)
		return v;
	if ((m = part_get(a->l, key)) != NULL)
		return m;
	return part_add(a->l, key, json_incref(v));
}

/* Record that system `sid` holds `ref` for purpose `pn`. */
static int use_purpose(struct answer *a, json_t *pn, const char *ref, const char *sid,
                       int kinds_known)
{
	const char *p = json_string_value(json_object_get(pn, "id"));
	json_t *entry = json_object_get(a->pset, p), *x;
	size_t j;

	if (entry == NULL) {
		entry = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:o, s:[], s:{}, s:[]}",
		    "id", json_object_get(pn, "id"), "section", json_object_get(pn, "section"),
		    "title_en", json_object_get(pn, "title_en"),
		    "title_fr", json_object_get(pn, "title_fr"),
		    "legal_bases", shared(a, 'L', p, NULL, json_object_get(pn, "legal_bases")),
		    "retention_fr", shared(a, 'T', p, NULL,
		                           json_object_get(json_object_get(pn, "retention"), "text_fr")),
		    "recipients", shared(a, 'E', p, NULL, json_object_get(pn, "recipients")),
		    "subject_kinds", shared(a, 'S', p, NULL, json_object_get(pn, "subject_kinds")),
		    "transfers_outside_eea", json_object_get(pn, "transfers_outside_eea"),
		    "objection_fr", json_object_get(pn, "objection_fr"),
		    "withdrawal_fr", json_object_get(pn, "withdrawal_fr"),
		    "excluded_brands", dsmap__json_array_or_empty(pn, "excluded_brands"),
		    "categories", "retention", "systems");
		if (entry == NULL || json_object_set_new(a->pset, p, entry) < 0)
			return dsmap_error__oom();
		json_array_foreach(json_object_get(pn, "recipients"), j, x) {
			json_t *via = json_object_get(a->rset, json_string_value(x));

			if (via == NULL && json_object_set_new(a->rset, json_string_value(x),
			                                       via = json_array()) < 0)
				return dsmap_error__oom();
			if (dsmap__json_add_unique(via, p) < 0)
				return dsmap_error__oom();
		}
	}
	if (!kinds_known)
		json_array_foreach(json_object_get(pn, "subject_kinds"), j, x)
			if (json_object_set_new(a->kset, json_string_value(x), json_true()) < 0)
				return dsmap_error__oom();
	if (dsmap__json_add_unique(json_object_get(entry, "categories"), ref) < 0 ||
	    dsmap__json_add_unique(json_object_get(entry, "systems"), sid) < 0)
		return dsmap_error__oom();
	if (json_object_get(json_object_get(entry, "retention"), ref) == NULL) {
		char key[PART_KEY_MAX];
		json_t *rules;

		/* the rules of `ref` under `p`, built once per snapshot when marked */
		if (a->marked && part_key(key, 'R', p, ref) == 0) {
			if ((rules = part_get(a->l, key)) == NULL &&
			    (rules = part_add(a->l, key, dsmap__graph_rules_for(pn, ref))) == NULL)
				return dsmap_error__oom();
			json_incref(rules);
		} else {
			rules = dsmap__graph_rules_for(pn, ref);
		}
		if (json_object_set_new(json_object_get(entry, "retention"), ref, rules) < 0)
			return dsmap_error__oom();
	}
	return 0;
}

/* One system of the answer: what it holds, each category with only the
 * purposes this system serves that use it and apply to the subject. */
static int system_answer(dsmap_locator *l, const dsmap_locate_result *r, size_t s,
                         struct answer *a, json_t *systems)
{
	const struct rsys *rs = &r->rs[s];
	json_t *node = l->sys[s].node, *sc = json_array(), *locs = json_array(), *by = json_array();
	json_t *served = json_object_get(node, "purposes"), *sys_purposes = json_array(), *entry;
	size_t b, i;
	int rc = 0, kinds_known = !rs->kinds_unknown && rs->kinds != 0;
	unsigned int k;

	entry = json_pack("{s:s, s:O, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "system", l->sys[s].id, "name", json_object_get(node, "name"),
	    "subjects", (json_int_t)rs->subjects, "records", (json_int_t)rs->records,
	    "first_seen", iso_time(rs->first), "last_seen", iso_time(rs->last),
	    "subject_kinds", facet_ids(l->kind_names, rs->kinds, rs->kinds_unknown),
	    "brands", facet_ids(l->brand_names, rs->brands, rs->brands_unknown),
	    "categories", sc, "purposes", sys_purposes, "locators", locs, "found_by", by,
	    "first_link", rs->by_link >= 0 ? json_integer(rs->by_link) : json_null());
	if (entry == NULL || json_array_append_new(systems, entry) < 0)
		return dsmap_error__oom();
	if (kinds_known && !a->known)
		for (k = 0; k < DSMAP__FACET_MAX; k++)
			if ((rs->kinds >> k & 1) && l->kind_names[k] != NULL &&
			    json_object_set_new(a->kset, l->kind_names[k], json_true()) < 0)
				return dsmap_error__oom();
	for (b = 0; b < l->nrefs; b++) {
		const char *ref = l->refs[b], *slash;
		json_t *cn, *cat, *purposes = json_array(), *out = json_array(), *pid, *centry;

		if (!held(r, s, b) || ref == NULL) {
			json_decref(purposes);
			json_decref(out);
			continue;
		}
		slash = strchr(ref, '/');
		cat = json_pack("{s:s, s:s%, s:o, s:o, s:b}", "category", ref, "group", ref,
		                slash ? (size_t)(slash - ref) : 0, "purposes", purposes, "left_out", out,
		                "without_purpose", 0);
		if (cat == NULL || json_array_append_new(sc, cat) < 0)
			return dsmap_error__oom();
		json_array_foreach(served, i, pid) {
			json_t *pn = node_of(l, DSMAP__NODE_PURPOSE, json_string_value(pid), &rc);
			const char *why;

			if (pn == NULL) {
				if (rc < 0)
					return rc;
				continue;
			}
			if (!dsmap__json_has(json_object_get(pn, "categories"), ref))
				continue;
			if ((why = left_out(l, rs, pn)) != NULL) {
				if (json_array_append_new(out, json_pack("{s:O, s:s}", "purpose",
				                                         json_object_get(pn, "id"), "why", why)) < 0)
					return dsmap_error__oom();
				continue;
			}
			if (json_array_append(purposes, pid) < 0 ||
			    dsmap__json_add_unique(sys_purposes, json_string_value(pid)) < 0)
				return dsmap_error__oom();
			if (!a->known && (rc = use_purpose(a, pn, ref, l->sys[s].id, kinds_known)) < 0)
				return rc;
		}
		if (json_array_size(purposes) == 0) {
			if (json_object_set_new(cat, "without_purpose", json_true()) < 0 ||
			    (!a->known && json_array_append_new(a->findings, json_pack("{s:s, s:s, s:s}",
			    "finding", "held-without-purpose", "system", l->sys[s].id, "category", ref)) < 0))
				return dsmap_error__oom();
		}
		if (a->known)
			continue;
		/* the answer's categories: what is held, where, and why */
		if ((centry = json_object_get(a->cset, ref)) == NULL) {
			cn = node_of(l, DSMAP__NODE_CATEGORY, ref, &rc);
			if (cn == NULL && rc < 0)
				return rc;
			centry = json_pack("{s:s, s:O, s:O, s:O, s:[], s:[]}", "category", ref,
			    "group", cn ? json_object_get(cn, "group") : json_null(),
			    "name_en", cn ? json_object_get(cn, "name_en") : json_null(),
			    "name_fr", cn ? json_object_get(cn, "name_fr") : json_null(),
			    "held_in", "purposes");
			if (centry == NULL || json_object_set_new(a->cset, ref, centry) < 0)
				return dsmap_error__oom();
		}
		if (dsmap__json_add_unique(json_object_get(centry, "held_in"), l->sys[s].id) < 0)
			return dsmap_error__oom();
		json_array_foreach(purposes, i, pid)
			if (dsmap__json_add_unique(json_object_get(centry, "purposes"), json_string_value(pid)) < 0)
				return dsmap_error__oom();
	}
	if (!kinds_known && !a->known && json_array_append_new(a->findings, json_pack("{s:s, s:s}",
	    "finding", "subject-kind-unknown", "system", l->sys[s].id)) < 0)
		return dsmap_error__oom();
	for (i = 0; i < rs->nlocs; i++)
		if (json_array_append_new(locs, json_string(rs->locs[i])) < 0)
			return dsmap_error__oom();
	for (i = 1; i < 32; i++)
		if ((rs->by_kinds >> i & 1) &&
		    json_array_append_new(by, json_string(dsmap_ident_kind_name((int)i))) < 0)
			return dsmap_error__oom();
	return 0;
}

/* The scoped art. 15 answer: systems, then the union of what they give. */
static int scoped_json(dsmap_locator *l, const dsmap_locate_result *r, json_t *ans, size_t flags)
{
	struct answer a;
	json_t *systems = json_array(), *cats = json_array(), *purposes = json_array();
	json_t *recipients = json_array(), *kinds = json_array(), *val;
	const char *key;
	char shape[2 * SHAPE_HASH + 1];
	size_t s;
	int rc = 0, bad = 0;

	a.l = l;
	a.marked = flags != 0;
	a.known = 0;
	a.pset = json_object();
	a.cset = json_object();
	a.rset = json_object();
	a.kset = json_object();
	a.findings = json_array();
	/* every insert is tried, so that each array is owned by `ans` or
	 * released, whichever fails first */
	dsmap__json_put(ans, "systems", systems, &bad);
	dsmap__json_put(ans, "categories", cats, &bad);
	dsmap__json_put(ans, "purposes", purposes, &bad);
	dsmap__json_put(ans, "recipients", recipients, &bad);
	dsmap__json_put(ans, "subject_kinds", kinds, &bad);
	dsmap__json_put_ref(ans, "findings", a.findings, &bad);
	if (bad || a.pset == NULL || a.cset == NULL || a.rset == NULL || a.kset == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	if (a.marked) {
		if ((rc = shape_of(l, r, shape)) < 0)
			goto done;
		if ((a.known = sections_known(l, shape, flags)) == 0 && l->nshapes >= MAX_SHAPES)
			parts_clear(l);   /* no marker of this answer is made yet */
	}
	for (s = 0; s < r->nsys; s++)
		if (r->rs[s].subjects > 0 && (rc = system_answer(l, r, s, &a, systems)) < 0)
			goto done;
	if (a.known) {
		rc = sections_put(l, shape, flags, ans, 0);
		goto done;
	}
	/* categories in category-number order, as held */
	for (s = 0; s < l->nrefs; s++)
		if (l->refs[s] != NULL && (val = json_object_get(a.cset, l->refs[s])) != NULL &&
		    json_array_append(cats, val) < 0) {
			rc = dsmap_error__oom();
			goto done;
		}
	json_object_foreach(a.pset, key, val)
		if (json_array_append(purposes, val) < 0) {
			rc = dsmap_error__oom();
			goto done;
		}
	json_object_foreach(a.rset, key, val) {
		json_t *node = node_of(l, DSMAP__NODE_RECIPIENT, key, &rc), *copy;

		if (node == NULL && rc < 0)
			goto done;
		if (node == NULL)
			continue;
		copy = json_deep_copy(node);
		dsmap__json_put_ref(copy, "via", val, &bad);
		dsmap__json_push(recipients, copy, &bad);
		if (bad) {
			rc = dsmap_error__oom();
			goto done;
		}
	}
	json_object_foreach(a.kset, key, val) {
		json_t *node = node_of(l, DSMAP__NODE_SUBJECT_KIND, key, &rc);

		if (node == NULL && rc < 0)
			goto done;
		if (node != NULL && json_array_append(kinds, shared(&a, 'K', key, NULL, node)) < 0) {
			rc = dsmap_error__oom();
			goto done;
		}
	}
	rc = a.marked ? sections_put(l, shape, flags, ans, 1) : 0;
done:
	json_decref(a.pset);
	json_decref(a.cset);
	json_decref(a.rset);
	json_decref(a.kset);
	json_decref(a.findings);
	return rc;
}

/* The identifiers not followed, by kind, never by value. */
static int conflicts_json(dsmap_locator *l, const dsmap_locate_result *r, json_t *ans)
{
	json_t *a = json_array();
	size_t i;

	if (a == NULL || json_object_set_new(ans, "conflicts", a) < 0)
		return dsmap_error__oom();
	for (i = 0; i < r->nconflicts; i++) {
		const struct conflict *c = &r->conflicts[i];

		if (json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I, s:b, s:I}",
		    "kind", dsmap_ident_kind_name(c->kind),
		    "reached_by", c->link < 0 ? "query" : "link",
		    "system", l->sys[c->sys].id, "subjects", (json_int_t)c->subjects,
		    "at_least", c->subjects >= COUNT_CAP, "max_join", (json_int_t)l->max_join)) < 0)
			return dsmap_error__oom();
	}
	return 0;
}

/* The rights of the notice, as every answer gives them. */
static int rights_json(dsmap_locator *l, json_t *rights)
{
	json_t *ids = json_array(), *id;
	size_t i;
	int rc;

	if (ids == NULL)
		return dsmap_error__oom();
	if ((rc = dsmap__graph_ids(&l->graph, DSMAP__NODE_RIGHT, ids)) < 0)
		goto done;
	json_array_foreach(ids, i, id) {
		json_t *node = node_of(l, DSMAP__NODE_RIGHT, json_string_value(id), &rc);

		if (node == NULL && rc < 0)
			goto done;
		if (node != NULL && json_array_append(rights, node) < 0) {
			rc = dsmap_error__oom();
			goto done;
		}
	}
	rc = 0;
done:
	json_decref(ids);
	return rc;
}

/* The answer as a tree; docs/locate.md describes it.  A `marked` answer
 * (to be dumped as JSON by dsmap__json_dump_parts()) holds the markers
 * of the snapshot's parts in their place. */
static int build(json_t **out, dsmap_locator *l, const dsmap_locate_result *r, size_t flags)
{
	int marked = flags != 0;
	json_t *ans, *query = json_array(), *links = json_array(), *rights = json_array(), *m = NULL;
	size_t i;
	int rc, links_given = 0, rights_given = 0;

	*out = NULL;
	ans = json_pack("{s:i, s:s, s:b, s:b}", "schema", DSMAP_LOCATE_SCHEMA,
	                "revision", l->graph.hex, "found", r->found > 0, "truncated", r->truncated);
	if (ans == NULL || query == NULL || links == NULL || rights == NULL) {
		json_decref(query);
		goto oom;
	}
	/* json_object_set_new() takes the value, even when it fails */
	if (json_object_set_new(ans, "query", query) < 0)
		goto oom;
	for (i = 0; i < r->nquery; i++)
		if (json_array_append_new(query, json_pack("{s:s, s:b}", "kind",
		    dsmap_ident_kind_name((int)r->query_kinds[i]), "links",
		    (l->links >> r->query_kinds[i]) & 1)) < 0)
			goto oom;
	links_given = 1;
	if (json_object_set_new(ans, "links", links) < 0)
		goto oom;
	for (i = 0; i < r->nlinks; i++)
		if (!r->links[i].not_followed && json_array_append_new(links, json_pack("{s:s, s:s, s:s, s:s}",
		    "kind", dsmap_ident_kind_name(r->links[i].kind),
		    "from_kind", dsmap_ident_kind_name(r->links[i].from_kind),
		    "system", l->sys[r->links[i].sys].id, "locator", r->links[i].loc)) < 0)
			goto oom;
	if ((rc = conflicts_json(l, r, ans)) < 0)
		goto fail;
	if ((rc = scoped_json(l, r, ans, flags)) < 0)
		goto fail;
	/* the rights: the same in every answer of a snapshot */
	if (!marked || (m = part_get(l, "!rights")) == NULL) {
		if ((rc = rights_json(l, rights)) < 0)
			goto fail;
		if (marked) {
			m = part_add(l, "!rights", rights);   /* takes it */
			rights = NULL;
			if (m == NULL)
				goto oom;
		}
	}
	if (marked) {
		json_decref(rights);
		rights = json_incref(m);
	}
	rights_given = 1;
	if (json_object_set_new(ans, "rights", rights) < 0)
		goto oom;
	*out = ans;
	return 0;
oom:
	rc = dsmap_error__oom();
fail:
	/* a damaged node read half-way leaves what the answer does not own yet */
	if (!links_given)
		json_decref(links);
	if (!rights_given)
		json_decref(rights);
	json_decref(ans);
	return rc;
}

/* ---- text ------------------------------------------------------------------------- */

static void text_retention(struct dsmap__out *o, json_t *rules, const char *lang)
{
	json_t *rule;
	size_t i;

	if (json_array_size(rules) == 0) {
		dsmap__outf(o, "%s", strcmp(lang, "fr") == 0 ? "aucune durée n'est indiquée" :
		            "no retention period given");
		return;
	}
	json_array_foreach(rules, i, rule) {
		char buf[256];

		dsmap__outf(o, "%s%s", i ? (strcmp(lang, "fr") == 0 ? " ; " : "; ") : "",
		            dsmap__duration_words(buf, sizeof(buf),
		                                  json_string_value(json_object_get(rule, "duration")),
		                                  json_string_value(json_object_get(rule, "trigger")), lang));
	}
}

static void render_text(struct dsmap__out *o, json_t *ans, const char *lang)
{
	char n1[64], n2[64];
	json_t *x, *y, *z, *systems = json_object_get(ans, "systems");
	size_t i, j, k;
	int fr = strcmp(lang, "fr") == 0;

	json_array_foreach(json_object_get(ans, "query"), i, x)
		dsmap__outf(o, "%s%s", i ? ", " : (fr ? "recherche : " : "query: "), dsmap__json_str(x, "kind"));
	dsmap__outf(o, fr ? " (valeurs non affichées)\n" : " (values not shown)\n");
	json_array_foreach(json_object_get(ans, "conflicts"), i, x) {
		json_int_t n = json_integer_value(json_object_get(x, "subjects"));

		dsmap__outf(o, fr ? "  non suivi : un identifiant (%s, %s) que %s%s partagent dans %s "
		            "(conflit d'identité : une valeur de remplissage ou partagée ; plus de %lld, "
		            "la limite)\n" :
		            "  not followed: an identifier (%s, %s) that %s%s share in %s (an identity "
		            "conflict: a placeholder or a shared value; more than %lld, the limit)\n",
		            dsmap__json_str(x, "kind"),
		            strcmp(dsmap__json_str(x, "reached_by"), "query") == 0 ?
		            (fr ? "de la recherche" : "of the query") : (fr ? "atteint par un lien" :
		            "reached by a link"),
		            json_is_true(json_object_get(x, "at_least")) ? (fr ? "au moins " : "at least ") : "",
		            dsmap__count_words(n1, sizeof(n1), (size_t)n, "subject", lang),
		            dsmap__json_str(x, "system"),
		            (long long)json_integer_value(json_object_get(x, "max_join")));
	}
	if (!json_is_true(json_object_get(ans, "found"))) {
		dsmap__outf(o, fr ? "aucun système ne détient de données de cette personne (révision %.12s)\n" :
		            "no system holds data of this subject (revision %.12s)\n", dsmap__json_str(ans, "revision"));
		return;
	}
	dsmap__outf(o, fr ? "trouvée dans %s (révision de la déclaration %.12s)%s\n" :
	            "found in %s (notice revision %.12s)%s\n",
	            dsmap__count_words(n1, sizeof(n1), json_array_size(systems), "system", lang),
	            dsmap__json_str(ans, "revision"),
	            json_is_true(json_object_get(ans, "truncated")) ?
	            (fr ? " ; la recherche a été interrompue" : "; the search was cut short") : "");
	json_array_foreach(json_object_get(ans, "links"), i, x)
		dsmap__outf(o, fr ? "  lien : un %s trouvé à côté du %s dans %s (%s)\n" :
		            "  link: a %s found next to the %s in %s (%s)\n", dsmap__json_str(x, "kind"),
		            dsmap__json_str(x, "from_kind"), dsmap__json_str(x, "system"), dsmap__json_str(x, "locator"));

	dsmap__outf(o, fr ? "\nOù, et pourquoi (chaque catégorie avec les finalités que ce système sert)\n" :
	            "\nWhere, and why (each category with the purposes its system serves)\n");
	json_array_foreach(systems, i, x) {
		const char *first = dsmap__json_str(x, "first_seen"), *last = dsmap__json_str(x, "last_seen");
		json_int_t subjects = json_integer_value(json_object_get(x, "subjects"));
		json_int_t records = json_integer_value(json_object_get(x, "records"));

		dsmap__outf(o, "  %s", dsmap__json_str(x, "system"));
		if (*dsmap__json_str(x, "name"))
			dsmap__outf(o, " (%s)", dsmap__json_str(x, "name"));
		dsmap__outf(o, ": %s, %s",
		            dsmap__count_words(n1, sizeof(n1), (size_t)subjects, "subject", lang),
		            dsmap__count_words(n2, sizeof(n2), (size_t)records, "record", lang));
		if (*first)
			dsmap__outf(o, fr ? ", du %.10s au %.10s" : ", %.10s to %.10s", first, last);
		dsmap__outf(o, fr ? " ; trouvée par " : "; found by ");
		json_array_foreach(json_object_get(x, "found_by"), j, y)
			dsmap__outf(o, "%s%s", j ? ", " : "", json_string_value(y));
		dsmap__outf(o, "\n");
		if (json_is_array(json_object_get(x, "subject_kinds"))) {
			dsmap__outf(o, fr ? "    en tant que :" : "    as:");
			json_array_foreach(json_object_get(x, "subject_kinds"), j, y)
				dsmap__outf(o, "%s %s", j ? "," : "", json_string_value(y));
			dsmap__outf(o, "\n");
		}
		json_array_foreach(json_object_get(x, "categories"), j, y) {
			dsmap__outf(o, fr ? "    %s : " : "    %s: ", dsmap__json_str(y, "category"));
			if (json_is_true(json_object_get(y, "without_purpose")))
				dsmap__outf(o, fr ? "détenue sans finalité déclarée pour ce système" :
				            "held with no declared purpose of this system");
			json_array_foreach(json_object_get(y, "purposes"), k, z)
				dsmap__outf(o, "%s%s", k ? ", " : "", json_string_value(z));
			json_array_foreach(json_object_get(y, "left_out"), k, z)
				dsmap__outf(o, fr ? " [sans %s : %s]" : " [not %s: %s]", dsmap__json_str(z, "purpose"),
				            strcmp(dsmap__json_str(z, "why"), "brand") == 0 ?
				            (fr ? "marque exclue" : "brand excluded") :
				            (fr ? "ne concerne pas cette personne" : "does not concern this subject"));
			dsmap__outf(o, "\n");
		}
		dsmap__outf(o, fr ? "    enregistrements :" : "    records at:");
		json_array_foreach(json_object_get(x, "locators"), j, y)
			dsmap__outf(o, " %s", json_string_value(y));
		dsmap__outf(o, "\n");
	}

	dsmap__outf(o, fr ? "\nQuoi (le groupe dit d'où viennent les données : collectées auprès de vous, "
	            "obtenues de tiers, observées, dérivées)\n" :
	            "\nWhat (the group says where it came from: collected from you, obtained from a "
	            "third party, observed, derived)\n");
	json_array_foreach(json_object_get(ans, "categories"), i, x) {
		dsmap__outf(o, fr ? "  %s : %s ; détenue dans" : "  %s: %s; held in", dsmap__json_str(x, "category"),
		            dsmap__json_name(x, lang));
		json_array_foreach(json_object_get(x, "held_in"), j, y)
			dsmap__outf(o, " %s", json_string_value(y));
		dsmap__outf(o, "\n");
	}
	dsmap__outf(o, fr ? "\nPourquoi (finalités, base juridique, et durée de conservation de chaque catégorie)\n" :
	            "\nWhy (purposes, their legal basis, and how long each category is kept)\n");
	json_array_foreach(json_object_get(ans, "purposes"), i, x) {
		const char *key;
		json_t *lb, *rules;

		dsmap__outf(o, fr ? "  %s %s : " : "  %s %s: ", dsmap__json_str(x, "section"),
		            dsmap__json_title(x, lang));
		json_array_foreach(json_object_get(x, "legal_bases"), k, lb)
			dsmap__outf(o, "%sart. %s", k ? ", " : "", dsmap__json_str(lb, "gdpr"));
		dsmap__outf(o, fr ? " ; dans" : "; in");
		json_array_foreach(json_object_get(x, "systems"), k, y)
			dsmap__outf(o, " %s", json_string_value(y));
		dsmap__outf(o, "\n");
		json_object_foreach(json_object_get(x, "retention"), key, rules) {
			dsmap__outf(o, fr ? "    %s : conservée " : "    %s: kept ", key);
			text_retention(o, rules, lang);
			dsmap__outf(o, "\n");
		}
	}
	dsmap__outf(o, fr ? "\nPartagées avec\n" : "\nShared with\n");
	json_array_foreach(json_object_get(ans, "recipients"), i, x) {
		json_t *tr = json_object_get(x, "transfers_outside_eea");

		dsmap__outf(o, "  %s (%s)", dsmap__json_name(x, lang), dsmap__json_str(x, "kind"));
		if (json_array_size(tr) > 0) {
			size_t named = 0;

			dsmap__outf(o, fr ? " ; transférées hors de l'EEE" : "; transferred outside the EEA");
			json_array_foreach(tr, j, y) {
				json_t *c;

				json_array_foreach(json_object_get(y, "countries"), k, c)
					dsmap__outf(o, "%s%s", named++ ? ", " : (fr ? " vers " : " to "),
					            json_string_value(c));
			}
			if (named == 0)
				dsmap__outf(o, fr ? " (la déclaration ne nomme aucun pays)" :
				            " (the notice names no country)");
		}
		dsmap__outf(o, fr ? " ; pour" : "; for");
		json_array_foreach(json_object_get(x, "via"), j, y)
			dsmap__outf(o, " %s", json_string_value(y));
		dsmap__outf(o, "\n");
	}
	dsmap__outf(o, fr ? "\nEn tant que\n " : "\nAs\n ");
	json_array_foreach(json_object_get(ans, "subject_kinds"), i, x)
		dsmap__outf(o, " %s%s", dsmap__json_name(x, lang),
		            i + 1 < json_array_size(json_object_get(ans, "subject_kinds")) ? "," : "");
	dsmap__outf(o, "\n");
	if (json_array_size(json_object_get(ans, "findings")) > 0) {
		dsmap__outf(o, fr ? "\nÀ revoir\n" : "\nFindings\n");
		json_array_foreach(json_object_get(ans, "findings"), i, x) {
			if (strcmp(dsmap__json_str(x, "finding"), "held-without-purpose") == 0)
				dsmap__outf(o, fr ? "  %s détient %s sans finalité déclarée qui l'utilise\n" :
				            "  %s holds %s, which no purpose it declares uses\n", dsmap__json_str(x, "system"),
				            dsmap__json_str(x, "category"));
			else
				dsmap__outf(o, fr ? "  %s ne dit pas quel type de personne ses enregistrements "
				            "concernent (subject_kind) : aucune finalité n'est écartée pour cela\n" :
				            "  %s does not say which kind of subject its records are (subject_kind): "
				            "no purpose is left out for it\n", dsmap__json_str(x, "system"));
		}
	}
	dsmap__outf(o, fr ? "\nVos droits\n" : "\nYour rights\n");
	json_array_foreach(json_object_get(ans, "rights"), i, x) {
		const char *art = dsmap__json_str(x, "gdpr_article");

		dsmap__outf(o, fr ? "  %s%s%s%s : %s\n" : "  %s%s%s%s: %s\n", dsmap__json_name(x, lang),
		            *art ? " (art. " : "", art, *art ? ")" : "", dsmap__json_str(x, "how_fr"));
	}
}

int dsmap_locate_render(char **out, dsmap_locator *l, const dsmap_locate_result *r, int format)
{
	struct dsmap__out o = { NULL, 0, 0, 0 };
	json_t *ans = NULL;
	size_t flags;
	int rc;

	if (out == NULL || l == NULL || r == NULL ||
	    (format != DSMAP_FORMAT_TEXT && format != DSMAP_FORMAT_JSON &&
	     format != DSMAP_FORMAT_JSON_LINE))
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_locate_render: invalid argument");
	*out = NULL;
	if ((rc = usable(l, "dsmap_locate_render")) < 0)
		return rc;
	flags = format == DSMAP_FORMAT_TEXT ? 0 : format == DSMAP_FORMAT_JSON ? JSON_INDENT(2) :
	        JSON_COMPACT;
	if ((rc = build(&ans, l, r, l->no_parts ? 0 : flags)) < 0)
		return rc;
	if (format != DSMAP_FORMAT_TEXT) {
		/* dumped straight into the answer: through "%s" an answer of
		 * tens of KiB was measured, printed and copied again */
		o.buf = dsmap__json_dump_parts(ans, flags, 1, l->mark, part_text, l);
		o.oom = o.buf == NULL;
	} else {
		render_text(&o, ans, l->lang);
	}
	json_decref(ans);
	if (o.oom) {
		free(o.buf);
		return dsmap_error__oom();
	}
	*out = o.buf;
	return 0;
}

int dsmap_locate(char **out, dsmap_workspace *ws, const char *const *ids, size_t count,
                 int format)
{
	dsmap_locator *l = NULL;
	dsmap_locate_result *r = NULL;
	int rc;

	if (out == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_locate: NULL argument");
	*out = NULL;
	if ((rc = dsmap_locator_open(&l, ws)) < 0)
		return rc;
	if ((rc = dsmap_locate_find(&r, l, ids, count)) < 0 ||
	    (rc = dsmap_locate_render(out, l, r, format)) < 0)
		goto done;
	rc = r->found > 0 ? 0 : dsmap_error__set(DSMAP_ENOTFOUND, "no system holds data of this "
	                                         "subject");
done:
	dsmap_locate_result_free(r);
	dsmap_locator_free(l);
	return rc;
}
