/*
 * dsmap ls: the ids of a revision's graph a person can list, filtered.
 *
 * Every filter is checked against the revision first (an unknown id is an
 * error, not an empty list), then each node of the kind listed goes
 * through every filter given.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "dsmap/lineage.h"
#include "dsmap/ls.h"
#include "dsmap/mapping.h"
#include "errors.h"
#include "jsonutil.h"
#include "lineage.h"
#include "ls.h"
#include "util.h"
#include "workspace.h"

#define REF_MAX 300
#define GROUPS 4

/* ---- categories by bare id -------------------------------------------------------- */

static int copy_ref(char *ref, size_t refsize, const char *s)
{
	if (strlen(s) >= refsize)
		return dsmap_error__set(DSMAP_EINVALID, "category '%s' is too long", s);
	memcpy(ref, s, strlen(s) + 1);
	return 0;
}

int dsmap__category_resolve(struct dsmap__graph *g, const char *id, char *ref, size_t refsize)
{
	char cand[GROUPS][REF_MAX];
	const char *slash = strchr(id, '/');
	unsigned int i, n = 0;
	json_t *node;
	int rc;

	if (strlen(id) >= REF_MAX - 16)
		return dsmap_error__set(DSMAP_ENOTFOUND, "no category '%.40s...' at revision %.12s",
		                        id, g->hex);
	if (slash != NULL) {
		for (i = 0; i < GROUPS; i++)
			if (strlen(dsmap_category_group_name(i)) == (size_t)(slash - id) &&
			    strncmp(dsmap_category_group_name(i), id, (size_t)(slash - id)) == 0)
				break;
		if (i == GROUPS)
			return dsmap_error__set(DSMAP_EINVALID, "category '%s': '%.*s' is not a category "
			                        "group (collected, obtained, observed, derived)", id,
			                        (int)(slash - id), id);
		if ((node = dsmap__graph_node(g, DSMAP__NODE_CATEGORY, id, &rc)) == NULL)
			return rc ? rc : dsmap_error__set(DSMAP_ENOTFOUND, "no category '%s' at revision %.12s",
			                                  id, g->hex);
		json_decref(node);
		return copy_ref(ref, refsize, id);
	}
	for (i = 0; i < GROUPS; i++) {
		snprintf(cand[n], sizeof(cand[n]), "%s/%s", dsmap_category_group_name(i), id);
		if ((node = dsmap__graph_node(g, DSMAP__NODE_CATEGORY, cand[n], &rc)) != NULL) {
			json_decref(node);
			n++;
		} else if (rc) {
			return rc;
		}
	}
	if (n == 0)
		return dsmap_error__set(DSMAP_ENOTFOUND, "no category '%s' at revision %.12s", id, g->hex);
	if (n > 1) {
		char list[GROUPS * (REF_MAX + 2)] = "";

		for (i = 0; i < n; i++) {
			if (i)
				strcat(list, ", ");
			strcat(list, cand[i]);
		}
		return dsmap_error__set(DSMAP_EAMBIGUOUS, "category '%s' is ambiguous: %s; write GROUP/ID", id, list);
	}
	return copy_ref(ref, refsize, cand[0]);
}

/* ---- the kinds and the filters ----------------------------------------------------- */

static const struct kind {
	const char *name;        /* as in the command line */
	enum dsmap__graph_type type;               /* node type in the graph */
	const char *key;         /* the id's field */
	int by_section;          /* listed in section order */
} kinds[] = {
	{ "purposes", DSMAP__NODE_PURPOSE, "id", 1 },
	{ "categories", DSMAP__NODE_CATEGORY, "ref", 1 },
	{ "recipients", DSMAP__NODE_RECIPIENT, "id", 1 },
	{ "systems", DSMAP__NODE_SYSTEM, "id", 0 },
	{ "subject-kinds", DSMAP__NODE_SUBJECT_KIND, "id", 0 },
};

#define KINDS (sizeof(kinds) / sizeof(kinds[0]))

enum { F_LEGAL_BASIS, F_RECIPIENT, F_CATEGORY, F_SECTION, F_SYSTEM, F_SUBJECT_KIND, F_PURPOSE,
       F_COUNT };

static const char *const filter_names[F_COUNT] = {
	"legal-basis", "recipient", "category", "section", "system", "subject-kind", "purpose"
};
static const char *const filter_keys[F_COUNT] = {
	"legal_basis", "recipient", "category", "section", "system", "subject_kind", "purpose"
};

#define BIT(f) (1u << (f))
/* Which filters apply to which kind (see dsmap/ls.h). */
static const unsigned int applies[KINDS] = {
	BIT(F_LEGAL_BASIS) | BIT(F_RECIPIENT) | BIT(F_CATEGORY) | BIT(F_SECTION) | BIT(F_SYSTEM) |
	BIT(F_SUBJECT_KIND),
	BIT(F_RECIPIENT) | BIT(F_SECTION) | BIT(F_SYSTEM) | BIT(F_PURPOSE),
	BIT(F_CATEGORY) | BIT(F_PURPOSE),
	BIT(F_CATEGORY) | BIT(F_PURPOSE),
	BIT(F_PURPOSE),
};

const char *dsmap_ls_kind_name(int what)
{
	return what >= 0 && (size_t)what < KINDS ? kinds[what].name : NULL;
}

struct ls {
	struct dsmap__graph g;
	int what;
	const char *f[F_COUNT];   /* the filters given */
	char cat[REF_MAX];        /* --category, resolved */
	json_t *system;           /* --system's node */
	json_t *purpose;          /* --purpose's node */
	json_t *reached;          /* a set (object): categories flowing to --recipient, or
	                             recipients reached through purposes using --category */
};

/* The string under `key`, or NULL: here an absent field is not "". */
static const char *sval(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* "7.2" holds 7.2 and 7.2.x, not 7.21. */
static int in_section(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return s != NULL && strncmp(s, prefix, n) == 0 && (s[n] == '\0' || s[n] == '.');
}

static int valid_section(const char *s)
{
	int digits = 0;

	for (; *s; s++) {
		if (*s >= '0' && *s <= '9') {
			digits++;
		} else if (*s == '.' && digits) {
			digits = 0;
		} else {
			return 0;
		}
	}
	return digits > 0;
}

static int valid_legal_basis(const char *s)
{
	return strlen(s) == 7 && strncmp(s, "6(1)(", 5) == 0 && s[5] >= 'a' && s[5] <= 'f' &&
	       s[6] == ')';
}

/* The node `type`/`id` a filter names; EINVALID when the revision has none. */
static int filter_node(struct ls *ls, enum dsmap__graph_type type, const char *what, const char *id, json_t **out)
{
	int rc;

	if ((*out = dsmap__graph_node(&ls->g, type, id, &rc)) != NULL)
		return 0;
	return rc ? rc : dsmap_error__set(DSMAP_EINVALID, "no %s '%s' at revision %.12s", what, id,
	                                  ls->g.hex);
}

/* Add the strings of `key` of the purposes at the end of edges `type`/`from`
 * to the set ls->reached. */
static int reach(struct ls *ls, enum dsmap__graph_type type, const char *from, const char *key)
{
	json_t *ids = json_array(), *pid, *e;
	size_t i, j;
	int rc;

	if (ids == NULL || (ls->reached = json_object()) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	if ((rc = dsmap__graph_edges(&ls->g, type, from, ids)) != 0)
		goto done;
	json_array_foreach(ids, i, pid) {
		json_t *p = dsmap__graph_node(&ls->g, DSMAP__NODE_PURPOSE, json_string_value(pid), &rc);

		if (p == NULL) {
			rc = rc ? rc : dsmap_error__set(DSMAP_ECORRUPT, "store %s: purpose %s is missing",
			                                ls->g.s->path, json_string_value(pid));
			goto done;
		}
		json_array_foreach(json_object_get(p, key), j, e)
			if (json_string_value(e) &&
			    json_object_set_new(ls->reached, json_string_value(e), json_true()) != 0) {
				json_decref(p);
				rc = dsmap_error__oom();
				goto done;
			}
		json_decref(p);
	}
	rc = 0;
done:
	json_decref(ids);
	return rc;
}

/* Check every filter given against `what` and the revision. */
static int prepare(struct ls *ls)
{
	int f, rc;

	for (f = 0; f < F_COUNT; f++)
		if (ls->f[f] != NULL && !(applies[ls->what] & BIT(f)))
			return dsmap_error__set(DSMAP_EINVALID, "the %s filter does not apply to %s",
			                        filter_names[f], kinds[ls->what].name);
	for (f = 0; f < F_COUNT; f++)
		if (ls->f[f] != NULL && ls->f[f][0] == '\0')
			return dsmap_error__set(DSMAP_EINVALID, "the %s filter is empty", filter_names[f]);
	if (ls->f[F_LEGAL_BASIS] && !valid_legal_basis(ls->f[F_LEGAL_BASIS]))
		return dsmap_error__set(DSMAP_EINVALID, "legal basis '%s' is not one of 6(1)(a) to 6(1)(f)",
		                        ls->f[F_LEGAL_BASIS]);
	if (ls->f[F_SECTION] && !valid_section(ls->f[F_SECTION]))
		return dsmap_error__set(DSMAP_EINVALID, "section '%s' is not a section number such as 7.2",
		                        ls->f[F_SECTION]);
	if (ls->f[F_CATEGORY]) {
		rc = dsmap__category_resolve(&ls->g, ls->f[F_CATEGORY], ls->cat, sizeof(ls->cat));
		if (rc == DSMAP_ENOTFOUND)
			return dsmap_error__set(DSMAP_EINVALID, "no category '%s' at revision %.12s",
			                        ls->f[F_CATEGORY], ls->g.hex);
		if (rc < 0)
			return rc;
		ls->f[F_CATEGORY] = ls->cat;
	}
	if (ls->f[F_RECIPIENT]) {
		json_t *r;

		if ((rc = filter_node(ls, DSMAP__NODE_RECIPIENT, "recipient", ls->f[F_RECIPIENT], &r)) != 0)
			return rc;
		json_decref(r);
	}
	if (ls->f[F_SUBJECT_KIND]) {
		json_t *k;

		if ((rc = filter_node(ls, DSMAP__NODE_SUBJECT_KIND, "subject kind", ls->f[F_SUBJECT_KIND], &k)) != 0)
			return rc;
		json_decref(k);
	}
	if (ls->f[F_SYSTEM] && (rc = filter_node(ls, DSMAP__NODE_SYSTEM, "system", ls->f[F_SYSTEM], &ls->system)) != 0)
		return rc;
	if (ls->f[F_PURPOSE] &&
	    (rc = filter_node(ls, DSMAP__NODE_PURPOSE, "purpose", ls->f[F_PURPOSE], &ls->purpose)) != 0)
		return rc;
	/* Filters that go through the purposes. */
	if (ls->what == DSMAP_LS_CATEGORIES && ls->f[F_RECIPIENT])
		return reach(ls, DSMAP__EDGE_SHARED_BY, ls->f[F_RECIPIENT], "categories");
	if (ls->what == DSMAP_LS_RECIPIENTS && ls->f[F_CATEGORY])
		return reach(ls, DSMAP__EDGE_USED_BY, ls->f[F_CATEGORY], "recipients");
	return 0;
}

static int has_legal_basis(json_t *purpose, const char *gdpr)
{
	json_t *b;
	size_t i;

	json_array_foreach(json_object_get(purpose, "legal_bases"), i, b)
		if (sval(b, "gdpr") && strcmp(sval(b, "gdpr"), gdpr) == 0)
			return 1;
	return 0;
}

/* Does node `n` (of the kind listed) pass every filter? */
static int passes(struct ls *ls, json_t *n)
{
	const char *id = sval(n, kinds[ls->what].key);
	const char **f = ls->f;

	switch (ls->what) {
	case DSMAP_LS_PURPOSES:
		return (!f[F_LEGAL_BASIS] || has_legal_basis(n, f[F_LEGAL_BASIS])) &&
		       (!f[F_RECIPIENT] || dsmap__json_has(json_object_get(n, "recipients"), f[F_RECIPIENT])) &&
		       (!f[F_CATEGORY] || dsmap__json_has(json_object_get(n, "categories"), f[F_CATEGORY])) &&
		       (!f[F_SECTION] || in_section(sval(n, "section"), f[F_SECTION])) &&
		       (!f[F_SYSTEM] || dsmap__json_has(json_object_get(ls->system, "purposes"), id)) &&
		       (!f[F_SUBJECT_KIND] ||
		        dsmap__json_has(json_object_get(n, "subject_kinds"), f[F_SUBJECT_KIND]));
	case DSMAP_LS_CATEGORIES:
		return (!f[F_RECIPIENT] || (id && json_object_get(ls->reached, id) != NULL)) &&
		       (!f[F_SECTION] || in_section(sval(n, "section"), f[F_SECTION])) &&
		       (!f[F_SYSTEM] || dsmap__json_has(json_object_get(ls->system, "categories"), id)) &&
		       (!f[F_PURPOSE] || dsmap__json_has(json_object_get(ls->purpose, "categories"), id));
	case DSMAP_LS_RECIPIENTS:
		return (!f[F_CATEGORY] || (id && json_object_get(ls->reached, id) != NULL)) &&
		       (!f[F_PURPOSE] || dsmap__json_has(json_object_get(ls->purpose, "recipients"), id));
	case DSMAP_LS_SYSTEMS:
		return (!f[F_CATEGORY] || dsmap__json_has(json_object_get(n, "categories"), f[F_CATEGORY])) &&
		       (!f[F_PURPOSE] || dsmap__json_has(json_object_get(n, "purposes"), f[F_PURPOSE]));
	default:
		return !f[F_PURPOSE] || dsmap__json_has(json_object_get(ls->purpose, "subject_kinds"), id);
	}
}

/* ---- order ------------------------------------------------------------------------- */

/* Section numbers compare part by part as numbers (6.10 after 6.9, 7.2
 * before 7.2.1); a node without a section comes last. */
int dsmap__section_cmp(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == NULL) - (b == NULL);
	for (;;) {
		char *ea, *eb;
		unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);

		if (ea == a || eb == b)
			return strcmp(a, b);
		if (x != y)
			return x < y ? -1 : 1;
		if (*ea != '.' || *eb != '.') {
			if (*ea == '.')
				return 1;
			if (*eb == '.')
				return -1;
			return strcmp(ea, eb);
		}
		a = ea + 1;
		b = eb + 1;
	}
}

/* A category's id is its ref; the other kinds have no "ref". */
static const char *item_id(json_t *n)
{
	const char *s = sval(n, "ref");

	if (s == NULL)
		s = sval(n, "id");
	return s ? s : "";
}

static int item_cmp(const void *pa, const void *pb)
{
	json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	int c = dsmap__section_cmp(sval(a, "section"), sval(b, "section"));

	return c ? c : strcmp(item_id(a), item_id(b));
}

static int sort_items(json_t *items, int what)
{
	size_t n = json_array_size(items), i;
	json_t **v;

	if (!kinds[what].by_section || n < 2)
		return 0;
	if ((v = dsmap__malloc(n * sizeof(*v))) == NULL)
		return dsmap_error__oom();
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(items, i));
	qsort(v, n, sizeof(*v), item_cmp);
	json_array_clear(items);
	for (i = 0; i < n; i++)
		json_array_append_new(items, v[i]);
	free(v);
	return json_array_size(items) == n ? 0 : dsmap_error__oom();
}

/* ---- rendering --------------------------------------------------------------------- */

/* Characters, not bytes: the French names are UTF-8. */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

#define COLS 4
#define NAME_COL_MAX 60   /* a longer name pushes the next column, only on its line */

static void render_text(struct dsmap__out *o, json_t *items, int what)
{
	static const char *const cols[KINDS][COLS] = {
		{ "id", "section", "title_fr", "title_en" },
		{ "ref", "section", "name_fr", "name_en" },
		{ "id", "section", "name_fr", "name_en" },
		{ "id", "plugin", "name", NULL },
		{ "id", "name_fr", "name_en", NULL },
	};
	size_t w[COLS] = { 0 }, i, c;
	json_t *n;

	json_array_foreach(items, i, n)
		for (c = 0; c < COLS && cols[what][c]; c++) {
			const char *v = sval(n, cols[what][c]);
			size_t x = width(v ? v : "-");

			if (x > w[c])
				w[c] = x > NAME_COL_MAX ? NAME_COL_MAX : x;
		}
	json_array_foreach(items, i, n) {
		for (c = 0; c < COLS && cols[what][c]; c++) {
			const char *v = sval(n, cols[what][c]);
			int last = c + 1 == COLS || cols[what][c + 1] == NULL;
			size_t x;

			if (v == NULL || *v == '\0')
				v = "-";
			dsmap__outf(o, "%s%s", c ? "  " : "", v);
			if (!last)
				for (x = width(v); x < w[c]; x++)
					dsmap__outf(o, " ");
		}
		dsmap__outf(o, "\n");
	}
}

static json_t *filters_json(struct ls *ls)
{
	json_t *f = json_object();
	int i;

	if (f == NULL)
		return NULL;
	for (i = 0; i < F_COUNT; i++)
		if (ls->f[i] != NULL && json_object_set_new(f, filter_keys[i], json_string(ls->f[i])) != 0) {
			json_decref(f);
			return NULL;
		}
	return f;
}

/* Keep the message of the failure, under another code. */
static int recode(int code)
{
	char msg[DSMAP__ERROR_MAX];

	snprintf(msg, sizeof(msg), "%s", dsmap_error_last()->message);
	return dsmap_error__set(code, "%s", msg);
}

int dsmap_ls(char **out, dsmap_workspace *ws, int what, const dsmap_ls_options *opts, int format)
{
	static const dsmap_ls_options none = DSMAP_LS_OPTIONS_INIT;
	struct ls ls;
	struct dsmap__out o = { NULL, 0, 0, 0 };
	json_t *ids = NULL, *items = NULL, *ans = NULL, *id;
	size_t i;
	int rc;

	if (out == NULL || ws == NULL || dsmap_ls_kind_name(what) == NULL ||
	    (format != DSMAP_FORMAT_TEXT && format != DSMAP_FORMAT_JSON))
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_ls: invalid argument");
	*out = NULL;
	if (opts == NULL)
		opts = &none;
	if ((rc = dsmap_error__options_version("dsmap_ls", opts->version, DSMAP_LS_OPTIONS_VERSION)) < 0)
		return rc;
	memset(&ls, 0, sizeof(ls));
	ls.what = what;
	ls.f[F_LEGAL_BASIS] = opts->legal_basis;
	ls.f[F_RECIPIENT] = opts->recipient;
	ls.f[F_CATEGORY] = opts->category;
	ls.f[F_SECTION] = opts->section;
	ls.f[F_SYSTEM] = opts->system;
	ls.f[F_SUBJECT_KIND] = opts->subject_kind;
	ls.f[F_PURPOSE] = opts->purpose;
	if ((rc = dsmap__graph_open(&ls.g, ws, opts->at)) < 0)
		/* DSMAP_EINVALID is kept for the filters: a broken mapping at `at`
		 * is a failure of the revision, not of the question. */
		return rc == DSMAP_EINVALID ? recode(DSMAP_ERROR) : rc;
	if ((rc = prepare(&ls)) < 0)
		goto done;
	if ((ids = json_array()) == NULL || (items = json_array()) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	if ((rc = dsmap__graph_ids(&ls.g, kinds[what].type, ids)) < 0)
		goto done;
	json_array_foreach(ids, i, id) {
		json_t *n = dsmap__graph_node(&ls.g, kinds[what].type, json_string_value(id), &rc);

		if (n == NULL) {
			rc = rc ? rc : dsmap_error__set(DSMAP_ECORRUPT, "store %s: the node of %s is missing",
			                                ls.g.s->path, json_string_value(id));
			goto done;
		}
		if (passes(&ls, n) && json_array_append(items, n) != 0) {
			json_decref(n);
			rc = dsmap_error__oom();
			goto done;
		}
		json_decref(n);
	}
	if ((rc = sort_items(items, what)) < 0)
		goto done;
	if (format == DSMAP_FORMAT_JSON) {
		json_t *notice;
		char *s;

		/* The notice's id and version at this revision, for a reader who
		 * shows what a list is a list of (the web UI's overview). */
		if ((notice = dsmap__graph_node(&ls.g, DSMAP__NODE_NOTICE, "notice", &rc)) == NULL && rc < 0)
			goto done;
		ans = json_pack("{s:i, s:s, s:s, s:o*, s:O, s:{s:O*, s:O*}}", "schema", 1, "revision", ls.g.hex,
		                "kind", kinds[what].name, "filters", filters_json(&ls), "items", items,
		                "notice", "id", notice ? json_object_get(notice, "id") : json_null(),
		                "version", notice ? json_object_get(notice, "version") : json_null());
		json_decref(notice);
		if (ans == NULL || json_object_get(ans, "filters") == NULL ||
		    (s = dsmap__json_dumps(ans, JSON_INDENT(2))) == NULL) {
			rc = dsmap_error__oom();
			goto done;
		}
		dsmap__outf(&o, "%s\n", s);
		free(s);
	} else {
		render_text(&o, items, what);
	}
	if (o.buf == NULL && !o.oom && (o.buf = dsmap__calloc(1, 1)) == NULL)
		o.oom = 1;
	if (o.oom) {
		free(o.buf);
		rc = dsmap_error__oom();
		goto done;
	}
	*out = o.buf;
	rc = 0;
done:
	json_decref(ids);
	json_decref(items);
	json_decref(ans);
	json_decref(ls.system);
	json_decref(ls.purpose);
	json_decref(ls.reached);
	dsmap__graph_close(&ls.g);
	return rc;
}
