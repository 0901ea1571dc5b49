/*
 * The notice's history: history and blame (see dsmap/history.h), built on
 * the semantic diff of two loaded mappings (diff.c).  The impact analysis
 * lives in impact.c; what both use is declared in histutil.h.
 *
 * History and blame walk HEAD's first-parent line, newest first, and
 * compare each commit's mapping with its parent's only when the commit
 * changed the mappings/ tree (one tree-entry comparison per commit); each
 * mapping is loaded once, as the child of one step and the parent of the
 * next, and each file's YAML is parsed once per blob id (a cache for the
 * walk), so a commit that changed one file costs one parse.
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
#include "jsonutil.h"
#include "git.h"
#include "histcache.h"
#include "histutil.h"
#include "mapping.h"
#include "util.h"
#include "workspace.h"

/* ---- shared with impact.c (histutil.h) ------------------------------------------- */

json_t *dsmap__hist_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *dsmap__hist_iso(int64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

int dsmap__hist_load(dsmap_mapping **m, dsmap_workspace *ws, const git_oid *oid,
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

json_t *dsmap__hist_change_json(const dsmap_change *c)
{
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:o}",
	    "type", dsmap_change_type_name(c->type), "purpose", dsmap__hist_str(c->purpose),
	    "category", dsmap__hist_str(c->category), "recipient", dsmap__hist_str(c->recipient),
	    "system", dsmap__hist_str(c->system), "before", dsmap__hist_str(c->before),
	    "after", dsmap__hist_str(c->after), "direction", c->direction,
	    "detail", dsmap__hist_str(c->detail));
}

int dsmap__hist_finish(char **out, json_t *ans, int format,
                       void (*render)(struct dsmap__out *, json_t *))
{
	struct dsmap__out o = { NULL, 0, 0, 0 };

	if (format == DSMAP_FORMAT_JSON) {
		char *s = dsmap__json_dumps(ans, JSON_INDENT(2));

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

int dsmap__purpose_shares(const struct dsmap__purpose *p, const char *recipient)
{
	size_t i;

	for (i = 0; i < p->recipients.count; i++)
		if (strcmp(((const struct dsmap__recipient *)p->recipients.items[i])->id, recipient) == 0)
			return 1;
	return 0;
}

int dsmap__system_serves(const struct dsmap__system *s, const char *purpose)
{
	size_t i;

	for (i = 0; i < s->purposes.count; i++)
		if (strcmp(((const struct dsmap__purpose *)s->purposes.items[i])->id, purpose) == 0)
			return 1;
	return 0;
}

/* The string member `key` of `o`, or "". */
/* ---- the walk for history and blame --------------------------------------------------- */

/* One step of the walk: the changes a commit made to the mapping, as
 * histcache.h describes them (root: a first commit, against nothing). */
struct step {
	git_commit *commit;       /* the commit the changes are told as */
	json_t *s;                /* {"changes", "added", "removed"[, "nodes"]} */
	int root;
};
typedef int (*step_fn)(const struct step *st, void *payload);

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

/* Whether dsmap__hist_load()'s `rc` says the revision's mapping is broken
 * (it has errors, or no mappings/ folder), which a walk passes over.  Any
 * other failure (out of memory, an unreadable repository) ends the walk:
 * passing over a revision that could not be read would drop its changes
 * from the answer without a word. */
static int broken(int rc)
{
	return rc == DSMAP_EINVALID || rc == DSMAP_ENOTFOUND;
}

/* The walk's state: the newer side of the next step. */
struct walker {
	dsmap_workspace *ws;
	dsmap__histcache *hc;
	dsmap__doc_cache *docs;
	int have;                 /* cur is set: a tree not known to be broken */
	git_oid cur;              /* its mappings/ tree */
	git_commit *cur_c;        /* a commit whose mappings/ tree is cur */
	git_commit *owner;        /* the commit its changes are told as */
	dsmap_mapping *m;         /* cur's mapping, when loaded */
};

/* Load the mapping of commit `c` (tree `t`) into *m: 0; 1 when it is
 * broken (kept as such); or a failure.  *m is NULL unless 0. */
static int load(struct walker *w, git_commit *c, const git_oid *t, dsmap_mapping **m)
{
	int rc = dsmap__hist_load(m, w->ws, git_commit_id(c), w->docs);

	if (rc == 0)
		return 0;
	/* a load that failed may still hand back what it had made */
	dsmap_mapping_free(*m);
	*m = NULL;
	if (!broken(rc))
		return rc;
	dsmap_error_clear();
	dsmap__histcache_put_broken(w->hc, t);
	return 1;
}

static void forget_cur(struct walker *w)
{
	w->have = 0;
	dsmap_mapping_free(w->m);
	w->m = NULL;
	git_commit_free(w->cur_c);
	w->cur_c = NULL;
	git_commit_free(w->owner);
	w->owner = NULL;
}

/* The step from parent `p` (tree tp; NULL for a first commit) to cur: from
 * the cache, else computed (and kept).  *st->s is NULL when cur turned out
 * broken (then forgotten) or p is (then cur stays); *mp is p's mapping
 * when it was loaded. */
static int step_to_cur(struct walker *w, git_commit *p, const git_oid *tp, json_t **out,
                       dsmap_mapping **mp)
{
	dsmap_diff *d = NULL;
	int rc;

	*out = NULL;
	*mp = NULL;
	if ((*out = dsmap__histcache_get(w->hc, tp, &w->cur)) != NULL)
		return 0;
	if (tp != NULL && dsmap__histcache_broken(w->hc, tp))
		return 0;
	if (w->m == NULL && dsmap__histcache_broken(w->hc, &w->cur)) {
		forget_cur(w);
		return 0;
	}
	if (w->m == NULL) {
		if ((rc = load(w, w->cur_c, &w->cur, &w->m)) < 0)
			return rc;
		if (rc == 1) {
			forget_cur(w);
			return 0;
		}
	}
	if (tp != NULL) {
		if ((rc = load(w, p, tp, mp)) < 0)
			return rc;
		if (rc == 1)
			return 0;
		if ((rc = dsmap_diff_mappings(&d, *mp, w->m)) < 0)
			return rc;
	}
	*out = dsmap__histcache_step(*mp, w->m, d);
	dsmap_diff_free(d);
	if (*out == NULL)
		return DSMAP_ENOMEM;
	dsmap__histcache_put(w->hc, tp, &w->cur, *out);
	return 0;
}

/* Walk HEAD's (or `start`'s) first-parent line newest first, down to
 * `since`, calling `fn` for each commit that changed the mapping (the root
 * commit is compared with an empty mapping).  A commit whose mapping has
 * errors is passed over: the next sound mapping up the line is compared
 * with the next sound one down, and the changes are told as the newer
 * one's.  Each step comes from the history cache (histcache.h) when it
 * was computed before; only the steps it lacks load and diff mappings,
 * each mapping loaded once, as the newer side of one step and the older
 * of the next. */
static int walk(dsmap_workspace *ws, const char *start, int64_t since, step_fn fn, void *payload)
{
	struct walker w;
	git_commit *c = NULL, *p = NULL;
	git_oid oid, tc, tp;
	int rc, have_tc = 0;   /* tc is the last step's tp: c's tree, read once */

	memset(&w, 0, sizeof(w));
	w.ws = ws;
	if ((rc = dsmap_git__resolve(ws->repo, start ? start : "HEAD", &oid, NULL)) < 0)
		return rc;
	if ((w.docs = dsmap__doc_cache_new()) == NULL || (w.hc = dsmap__histcache_open(ws)) == NULL) {
		dsmap__doc_cache_free(w.docs);
		return dsmap_error__oom();
	}
	if ((rc = git_commit_lookup(&c, ws->repo, &oid)) < 0) {
		rc = dsmap_git__error(rc, "read commit");
		goto done;
	}
	for (;;) {
		json_t *s = NULL;
		dsmap_mapping *mp = NULL;

		if ((int64_t)git_commit_time(c) < since)
			break;
		if (!have_tc && (rc = mappings_tree(c, &tc)) < 0) {
			rc = dsmap_git__error(rc, "read a commit's tree");
			break;
		}
		if (!w.have && !dsmap__histcache_broken(w.hc, &tc)) {
			/* taken as sound until a step says otherwise */
			w.have = 1;
			git_oid_cpy(&w.cur, &tc);
			git_commit_dup(&w.cur_c, c);
			git_commit_dup(&w.owner, c);
		}
		if (git_commit_parentcount(c) == 0) {
			/* the first commit: everything in it was introduced by it */
			if (w.have && (rc = step_to_cur(&w, NULL, NULL, &s, &mp)) == 0 && s != NULL) {
				struct step st = { w.owner, s, 1 };

				rc = fn(&st, payload);
			}
			json_decref(s);
			break;
		}
		if ((rc = git_commit_parent(&p, c, 0)) < 0) {
			rc = dsmap_git__error(rc, "read a parent commit");
			break;
		}
		if ((rc = mappings_tree(p, &tp)) < 0) {
			rc = dsmap_git__error(rc, "read a commit's tree");
			break;
		}
		if (!git_oid_equal(&tc, &tp) && w.have) {
			if ((rc = step_to_cur(&w, p, &tp, &s, &mp)) < 0) {
				dsmap_mapping_free(mp);   /* loaded before the diff failed */
				break;
			}
			if (s != NULL) {
				struct step st = { w.owner, s, 0 };

				rc = fn(&st, payload);
				json_decref(s);
				if (rc != 0) {
					dsmap_mapping_free(mp);
					break;
				}
				/* the parent's mapping is the next step's newer side */
				dsmap_mapping_free(w.m);
				w.m = mp;
				git_oid_cpy(&w.cur, &tp);
				git_commit_free(w.cur_c);
				git_commit_dup(&w.cur_c, p);
				git_commit_free(w.owner);
				git_commit_dup(&w.owner, p);
			}
			/* else a broken parent: cur waits for the next sound one;
			 * or cur was broken, and the next commit starts again */
		} else if (git_oid_equal(&tc, &tp) && w.have) {
			/* unchanged: the same mapping, now the parent's */
			git_commit_free(w.owner);
			git_commit_dup(&w.owner, p);
		}
		git_commit_free(c);
		c = p;
		p = NULL;
		git_oid_cpy(&tc, &tp);
		have_tc = 1;
	}
done:
	git_commit_free(p);
	git_commit_free(c);
	forget_cur(&w);
	dsmap__histcache_free(w.hc);
	dsmap__doc_cache_free(w.docs);
	return rc < 0 ? rc : 0;
}

static json_t *commit_json(git_commit *c)
{
	const git_signature *a = git_commit_author(c);
	char hex[GIT_OID_HEXSZ + 1];
	const char *msg = git_commit_summary(c);

	git_oid_tostr(hex, sizeof(hex), git_commit_id(c));
	return json_pack("{s:s, s:s, s:s, s:o, s:s, s:[]}", "commit", hex, "author", a->name,
	                 "email", a->email, "date", dsmap__hist_iso((int64_t)a->when.time),
	                 "message", msg ? msg : "", "changes");
}

/* ---- history ----------------------------------------------------------------------- */

struct hist {
	const char *kind, *id;
	json_t *commits;
	size_t limit;              /* 0: no limit */
	int next;                  /* next_oid is set: the limit was reached */
	git_oid next_oid;          /* the last commit's first parent */
};

/* Whether id `v` (NULL: none) is the node history was asked for; a bare
 * category id names it in every group. */
static int is_node(const struct hist *h, const char *v)
{
	size_t n = strlen(h->id), len;

	if (v == NULL)
		return 0;
	if (strcmp(v, h->id) == 0)
		return 1;
	len = strlen(v);
	return strcmp(h->kind, "category") == 0 && strchr(h->id, '/') == NULL &&
	       len > n && v[len - n - 1] == '/' && strcmp(v + len - n, h->id) == 0;
}

/* Whether change `c` (JSON, as the history cache keeps it) is about the
 * node. */
static int matches(const struct hist *h, json_t *c)
{
	return h->kind == NULL || is_node(h, json_string_value(json_object_get(c, h->kind)));
}

/* Whether a first commit's nodes (a step's "nodes") hold the node. */
static int node_in(const struct hist *h, json_t *nodes)
{
	json_t *x;
	size_t i;

	json_array_foreach(json_object_get(nodes, h->kind), i, x)
		if (is_node(h, json_string_value(x)))
			return 1;
	return 0;
}

static int hist_step(const struct step *st, void *payload)
{
	struct hist *h = payload;
	json_t *cj = commit_json(st->commit), *list = json_object_get(cj, "changes"), *x;
	size_t i;
	int bad = list == NULL;

	if (st->root) {
		/* the first commit */
		if (h->kind == NULL || node_in(h, json_object_get(st->s, "nodes"))) {
			char detail[256];

			snprintf(detail, sizeof(detail), h->kind ? "%s %s is in the first commit" :
			         "the mapping's first commit%s%s", h->kind ? h->kind : "",
			         h->kind ? h->id : "");
			dsmap__json_push(list, json_pack("{s:s, s:s}", "type", "introduced",
			                                 "detail", detail), &bad);
		}
	} else {
		json_array_foreach(json_object_get(st->s, "changes"), i, x)
			if (matches(h, x))
				dsmap__json_push_ref(list, x, &bad);
	}
	if (!bad && json_array_size(list) > 0)
		dsmap__json_push_ref(h->commits, cj, &bad);
	json_decref(cj);
	if (bad)
		return dsmap_error__oom();
	if (h->limit == 0 || json_array_size(h->commits) < h->limit)
		return 0;
	/* a full page: the next starts below its last commit (the commit the
	 * step is told as, which introduced its mappings/ tree) */
	if (git_commit_parentcount(st->commit) > 0) {
		git_commit *p = NULL;
		int rc = git_commit_parent(&p, st->commit, 0);

		if (rc < 0)
			return dsmap_git__error(rc, "read a parent commit");
		git_oid_cpy(&h->next_oid, git_commit_id(p));
		git_commit_free(p);
		h->next = 1;
	}
	return 1;   /* stops the walk */
}

static void render_commits(struct dsmap__out *o, json_t *ans)
{
	json_t *c, *x;
	size_t i, j;

	if (json_array_size(json_object_get(ans, "commits")) == 0)
		dsmap__outf(o, "no commit changed it\n");
	json_array_foreach(json_object_get(ans, "commits"), i, c) {
		dsmap__outf(o, "%scommit %.12s  %s  %s <%s>\n    %s\n", i ? "\n" : "", dsmap__json_str(c, "commit"),
		     dsmap__json_str(c, "date"), dsmap__json_str(c, "author"), dsmap__json_str(c, "email"), dsmap__json_str(c, "message"));
		json_array_foreach(json_object_get(c, "changes"), j, x)
			dsmap__outf(o, "  %s %s\n", json_string_value(json_object_get(x, "type")),
			     dsmap__json_str(x, "detail"));
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

/* A bare category id, as lineage, history and blame take it: the one
 * category of mapping `m` with that id, copied to `ref` as GROUP/ID.
 * `ref` is left "" when `id` is a GROUP/ID or no category of `m` has it
 * (the caller then takes `id` as it is); DSMAP_EAMBIGUOUS names the
 * candidates when several groups have it. */
static int bare_category(const dsmap_mapping *m, const char *id, char *ref, size_t size)
{
	char names[512] = "";
	const char *one = NULL;
	size_t i, n = 0;

	*ref = '\0';
	if (strchr(id, '/') != NULL)
		return 0;
	for (i = 0; i < m->categories.count; i++) {
		const struct dsmap__category *cat = m->categories.items[i];

		if (strcmp(cat->id, id) != 0)
			continue;
		one = cat->ref;
		if (strlen(names) + strlen(cat->ref) + 3 < sizeof(names))
			strcat(strcat(names, n ? ", " : ""), cat->ref);
		n++;
	}
	if (n > 1)
		return dsmap_error__set(DSMAP_EAMBIGUOUS, "category '%s' is ambiguous: %s; write "
		                        "GROUP/ID", id, names);
	if (n == 1 && strlen(one) < size)
		memcpy(ref, one, strlen(one) + 1);
	return 0;
}

int dsmap_history(char **out, dsmap_workspace *ws, const dsmap_history_options *opts, int format)
{
	static const dsmap_history_options defaults = DSMAP_HISTORY_OPTIONS_INIT;
	static const char *const kinds[] = { "purpose", "category", "recipient", "system" };
	char ref[512];
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
	if ((rc = dsmap_error__options_version("dsmap_history", opts->version, DSMAP_HISTORY_OPTIONS_VERSION)) < 0)
		return rc;
	if ((opts->kind == NULL) != (opts->id == NULL))
		return dsmap_error__set(DSMAP_EINVALID, "a node is a kind and an id");
	for (i = 0; opts->kind != NULL && i < 4 && strcmp(kinds[i], opts->kind) != 0; i++)
		;
	if (i == 4)
		return dsmap_error__set(DSMAP_EINVALID, "unknown kind '%s' (purpose, "
		                        "category, recipient or system)", opts->kind);
	if ((rc = dsmap_workspace__git(ws)) < 0 || (rc = since_time(ws, opts->since, &since)) < 0)
		return rc;
	memset(&h, 0, sizeof(h));
	h.kind = opts->kind;
	h.id = opts->id;
	h.limit = opts->version >= 2 ? opts->limit : 0;
	if (opts->kind != NULL && strcmp(opts->kind, "category") == 0 && strchr(opts->id, '/') == NULL) {
		/* resolved in the mapping the walk starts from; a category
		 * gone from it still matches its id in every group */
		dsmap_mapping *m = NULL;
		git_oid start;

		if ((rc = dsmap_git__resolve(ws->repo, opts->rev ? opts->rev : "HEAD", &start, NULL)) < 0)
			return rc;
		if (dsmap__hist_load(&m, ws, &start, NULL) == 0) {
			rc = bare_category(m, opts->id, ref, sizeof(ref));
			dsmap_mapping_free(m);
			if (rc < 0)
				return rc;
			if (*ref)
				h.id = ref;
		} else {
			dsmap_error_clear();   /* a broken revision: the id as it is */
		}
	}
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
	if (rc == 0 && h.limit > 0) {
		char hex[GIT_OID_HEXSZ + 1];

		git_oid_tostr(hex, sizeof(hex), &h.next_oid);
		if (json_object_set_new(ans, "next", h.next ? json_string(hex) : json_null()) < 0)
			rc = dsmap_error__oom();
	}
	if (rc < 0) {
		json_decref(ans);
		return rc;
	}
	return dsmap__hist_finish(out, ans, format, render_commits);
}

/* ---- blame ------------------------------------------------------------------------- */

enum edge { EDGE_USES, EDGE_SHARES, EDGE_SERVES };

struct blame {
	enum edge edge;
	const char *from, *to;       /* purpose/system, category/recipient/purpose */
	char key[1024];              /* as a step's lists name it (histcache.h) */
	int present;                 /* the link is there after the step in hand */
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
		return (p = dsmap_mapping__purpose(m, b->from)) != NULL && dsmap__purpose_shares(p, b->to);
	default:
		return (s = dsmap_mapping__system(m, b->from)) != NULL && dsmap__system_serves(s, b->to);
	}
}

/* Whether a step's list (its "added" or "removed") names the link. */
static int lists(json_t *list, const char *key)
{
	json_t *x;
	size_t i;

	json_array_foreach(list, i, x)
		if (json_is_string(x) && strcmp(json_string_value(x), key) == 0)
			return 1;
	return 0;
}

/* The string member `key` of `c` is `v` (both set). */
static int is(json_t *c, const char *key, const char *v)
{
	const char *s = json_string_value(json_object_get(c, key));

	return s != NULL && strcmp(s, v) == 0;
}

/* Newest first: whether the link is there after the step is b->present;
 * before it, what the step's added and removed lists say. */
static int blame_step(const struct step *st, void *payload)
{
	struct blame *b = payload;
	json_t *cj = commit_json(st->commit), *list = json_object_get(cj, "changes"), *x;
	int now = b->present, was;
	size_t i;
	int bad = list == NULL;

	was = st->root || lists(json_object_get(st->s, "added"), b->key) ? 0 :
	      lists(json_object_get(st->s, "removed"), b->key) ? 1 : now;
	if (now != was)
		dsmap__json_push(list, json_pack("{s:s, s:s}", "type", now ? "edge-added" :
		                                 "edge-removed", "detail", now ?
		                                 (!st->root ? "the link was made" :
		                                  "the link is in the first commit") :
		                                 "the link was removed"), &bad);
	json_array_foreach(json_object_get(st->s, "changes"), i, x) {
		int about;

		if (!now || !was || st->root)
			break;
		/* what changes the link itself: its retention, its recipient's terms */
		about = b->edge == EDGE_USES ? is(x, "purpose", b->from) && is(x, "category", b->to) :
		        b->edge == EDGE_SHARES ? is(x, "recipient", b->to) : is(x, "system", b->from);
		if (about || (is(x, "purpose", b->edge == EDGE_SERVES ? b->to : b->from) &&
		              is(x, "type", dsmap_change_type_name(DSMAP_CHANGE_LEGAL_BASIS_CHANGED))))
			dsmap__json_push_ref(list, x, &bad);
	}
	b->present = was;
	if (!bad && json_array_size(list) > 0)
		dsmap__json_push_ref(b->events, cj, &bad);
	json_decref(cj);
	return bad ? dsmap_error__oom() : 0;
}

static void render_blame(struct dsmap__out *o, json_t *ans)
{
	json_t *ev = json_object_get(ans, "events"), *c, *x, *intro = json_object_get(ans, "introduced");
	size_t i, j;

	dsmap__outf(o, "%s %s -> %s: %s at %.12s\n", dsmap__json_str(ans, "edge"), dsmap__json_str(ans, "from"), dsmap__json_str(ans, "to"),
	     json_is_true(json_object_get(ans, "exists")) ? "exists" : "does not exist",
	     dsmap__json_str(ans, "head"));
	if (json_is_object(intro))
		dsmap__outf(o, "introduced by %.12s on %s by %s <%s>: %s\n", dsmap__json_str(intro, "commit"),
		     dsmap__json_str(intro, "date"), dsmap__json_str(intro, "author"), dsmap__json_str(intro, "email"), dsmap__json_str(intro, "message"));
	dsmap__outf(o, "\nchanges, oldest first:\n");
	for (i = json_array_size(ev); i-- > 0; ) {
		c = json_array_get(ev, i);
		dsmap__outf(o, "  %.12s  %s  %s: %s\n", dsmap__json_str(c, "commit"), dsmap__json_str(c, "date"), dsmap__json_str(c, "author"),
		     dsmap__json_str(c, "message"));
		json_array_foreach(json_object_get(c, "changes"), j, x)
			dsmap__outf(o, "      %s %s\n", dsmap__json_str(x, "type"), dsmap__json_str(x, "detail"));
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
	char refbuf[512];         /* the category ref a bare id resolved to */
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
	if ((rc = dsmap_workspace__git(ws)) < 0 ||
	    (rc = dsmap_git__resolve(ws->repo, "HEAD", &head, NULL)) < 0)
		return rc;
	if ((rc = dsmap__hist_load(&m, ws, &head, NULL)) < 0)
		return rc == DSMAP_EINVALID ? dsmap_error__prefix(DSMAP_ERROR, "blame") : rc;
	if (b.edge == EDGE_USES && (rc = bare_category(m, ib, refbuf, sizeof(refbuf))) != 0) {
		dsmap_mapping_free(m);
		return rc;
	}
	if (b.edge == EDGE_USES && *refbuf)
		b.to = ib = refbuf;
	exists = edge_in(&b, m);
	if (b.edge == EDGE_USES && dsmap_mapping__category(m, ib) == NULL && !exists) {
		dsmap_mapping_free(m);
		return dsmap_error__set(DSMAP_EINVALID, "category '%s' is not GROUP/ID of "
		                        "the mapping at HEAD", ib);
	}
	dsmap_mapping_free(m);
	git_oid_tostr(hex, sizeof(hex), &head);
	snprintf(b.key, sizeof(b.key), "%s\t%s\t%s", b.edge == EDGE_USES ? "uses" :
	         b.edge == EDGE_SHARES ? "shares" : "serves", b.from, b.to);
	b.present = exists;
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
				if (strcmp(dsmap__json_str(x, "type"), "edge-added") == 0) {
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
	return dsmap__hist_finish(out, ans, format, render_blame);
}
