/*
 * The semantic diff between two loaded mappings (see include/dsmap/diff.h).
 *
 * Each side's things are indexed by id (sorted arrays of (key, item)) and
 * walked together; changes are collected in any order and sorted at the
 * end.  Temporary sets and summaries live in a scratch arena, freed when
 * the diff is done; what a change holds is copied into the diff's arena.
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "dsmap/diff.h"
#include "dsmap/ident.h"
#include "errors.h"
#include "mapping.h"
#include "words.h"

struct dsmap_diff {
	dsmap__arena arena;
	dsmap_change *changes;
	size_t count;
	size_t cap;
};

struct rename {
	const char *from;
	const char *to;
};

struct ctx {
	dsmap_diff *d;
	dsmap__arena tmp;          /* scratch, freed at the end */
	const dsmap_mapping *a;    /* before */
	const dsmap_mapping *b;    /* after */
	struct rename *renames;
	size_t nrenames;
	dsmap_change dummy;        /* written to when out of memory */
	int oom;
};

const char *dsmap_change_type_name(dsmap_change_type type)
{
	static const char *const names[] = {
		"purpose-added", "purpose-removed", "purpose-renamed",
		"purpose-category-added", "purpose-category-removed",
		"legal-basis-changed", "retention-changed",
		"purpose-recipient-added", "purpose-recipient-removed",
		"recipient-kind-changed", "recipient-transfer-changed",
		"category-added", "category-removed",
		"recipient-added", "recipient-removed",
		"system-added", "system-removed", "system-mapping-changed",
		"system-purpose-added", "system-purpose-removed",
	};
	int t = (int)type;

	return t >= 0 && (size_t)t < sizeof(names) / sizeof(names[0]) ? names[t] : NULL;
}

size_t dsmap_diff_count(const dsmap_diff *diff)
{
	return diff ? diff->count : 0;
}

const dsmap_change *dsmap_diff_get(const dsmap_diff *diff, size_t i)
{
	return diff && i < diff->count ? &diff->changes[i] : NULL;
}

void dsmap_diff_free(dsmap_diff *diff)
{
	if (diff == NULL)
		return;
	dsmap__arena_free(&diff->arena);
	free(diff->changes);
	free(diff);
}

/* ---- strings --------------------------------------------------------------------- */

/* A copy in the diff's arena. */
static const char *keep(struct ctx *c, const char *s)
{
	char *p;

	if (s == NULL)
		return NULL;
	if ((p = dsmap__arena_strdup(&c->d->arena, s)) == NULL)
		c->oom = 1;
	return p;
}

/* printf into an arena; "" when out of memory (the flag is set). */
static const char *vfmt(struct ctx *c, dsmap__arena *a, const char *fmt, va_list ap)
{
	va_list aq;
	char *p;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || (p = dsmap__arena_alloc(a, (size_t)n + 1)) == NULL) {
		c->oom = 1;
		return "";
	}
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

/* Scratch printf. */
static const char *tfmt(struct ctx *c, const char *fmt, ...) DSMAP__PRINTF(2, 3);
static const char *tfmt(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	const char *p;

	va_start(ap, fmt);
	p = vfmt(c, &c->tmp, fmt, ap);
	va_end(ap);
	return p;
}

/* printf into the diff. */
static const char *dfmt(struct ctx *c, const char *fmt, ...) DSMAP__PRINTF(2, 3);
static const char *dfmt(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	const char *p;

	va_start(ap, fmt);
	p = vfmt(c, &c->d->arena, fmt, ap);
	va_end(ap);
	return p;
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* NULL sorts first. */
static int cmpn(const char *x, const char *y)
{
	if (x == NULL || y == NULL)
		return (x != NULL) - (y != NULL);
	return strcmp(x, y);
}

/* ---- indexes: (key, item) sorted by key, one item per key ------------------------ */

struct ent {
	const char *key;
	const void *item;
};

struct idx {
	struct ent *v;
	size_t n;
};

typedef const char *(*key_fn)(const void *item);

static const char *key_self(const void *p) { return p; }
static const char *key_category(const void *p) { return ((const struct dsmap__category *)p)->ref; }
static const char *key_recipient(const void *p) { return ((const struct dsmap__recipient *)p)->id; }
static const char *key_purpose(const void *p) { return ((const struct dsmap__purpose *)p)->id; }
static const char *key_system(const void *p) { return ((const struct dsmap__system *)p)->id; }
static const char *key_source(const void *p) { return ((const struct dsmap__source *)p)->name; }
static const char *key_basis(const void *p) { return ((const struct dsmap__legal_basis *)p)->gdpr; }

static int ent_cmp(const void *x, const void *y)
{
	return strcmp(((const struct ent *)x)->key, ((const struct ent *)y)->key);
}

/* Index the items of `vec` by `key`; items without a key are left out, and
 * of several with the same key the first in file order is kept. */
static struct idx index_of(struct ctx *c, const dsmap__vec *vec, key_fn key)
{
	struct idx x = { NULL, 0 };
	size_t i, n = 0;

	if (vec->count == 0)
		return x;
	if ((x.v = dsmap__arena_alloc(&c->tmp, vec->count * sizeof(*x.v))) == NULL) {
		c->oom = 1;
		return x;
	}
	for (i = 0; i < vec->count; i++) {
		if (vec->items[i] == NULL || key(vec->items[i]) == NULL)
			continue;
		x.v[n].key = key(vec->items[i]);
		x.v[n].item = vec->items[i];
		n++;
	}
	/* insertion sort: stable, and the lists are short */
	for (i = 1; i < n; i++) {
		struct ent e = x.v[i];
		size_t j = i;

		while (j > 0 && ent_cmp(&x.v[j - 1], &e) > 0) {
			x.v[j] = x.v[j - 1];
			j--;
		}
		x.v[j] = e;
	}
	for (i = 0; i < n; i++)
		if (x.n == 0 || strcmp(x.v[x.n - 1].key, x.v[i].key) != 0)
			x.v[x.n++] = x.v[i];
	return x;
}

static const void *idx_find(const struct idx *x, const char *key)
{
	struct ent e = { key, NULL }, *f;

	if (x->n == 0 || key == NULL)
		return NULL;
	f = bsearch(&e, x->v, x->n, sizeof(*x->v), ent_cmp);
	return f ? f->item : NULL;
}

static int idx_equal(const struct idx *x, const struct idx *y)
{
	size_t i;

	if (x->n != y->n)
		return 0;
	for (i = 0; i < x->n; i++)
		if (strcmp(x->v[i].key, y->v[i].key) != 0)
			return 0;
	return 1;
}

/* Is every key of `x` in `y`? */
static int idx_subset(const struct idx *x, const struct idx *y)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		if (idx_find(y, x->v[i].key) == NULL)
			return 0;
	return 1;
}

/* The keys joined with ", "; `none` when there is none. */
static const char *idx_join(struct ctx *c, const struct idx *x, const char *none)
{
	size_t i, len = 0;
	char *s, *p;

	if (x->n == 0)
		return none;
	for (i = 0; i < x->n; i++)
		len += strlen(x->v[i].key) + 2;
	if ((s = p = dsmap__arena_alloc(&c->tmp, len + 1)) == NULL) {
		c->oom = 1;
		return "";
	}
	for (i = 0; i < x->n; i++) {
		size_t l = strlen(x->v[i].key);

		if (i) {
			memcpy(p, ", ", 2);
			p += 2;
		}
		memcpy(p, x->v[i].key, l);
		p += l;
	}
	*p = '\0';
	return s;
}

/* Walk two indexes in key order: fn(c, arg, key, item before or NULL, item
 * after or NULL). */
typedef void (*walk_fn)(struct ctx *c, void *arg, const char *key, const void *x, const void *y);

static void walk(struct ctx *c, const struct idx *x, const struct idx *y, walk_fn fn, void *arg)
{
	size_t i = 0, j = 0;

	while (i < x->n || j < y->n) {
		int r = i == x->n ? 1 : j == y->n ? -1 : strcmp(x->v[i].key, y->v[j].key);

		if (r < 0) {
			fn(c, arg, x->v[i].key, x->v[i].item, NULL);
			i++;
		} else if (r > 0) {
			fn(c, arg, y->v[j].key, NULL, y->v[j].item);
			j++;
		} else {
			fn(c, arg, x->v[i].key, x->v[i].item, y->v[j].item);
			i++;
			j++;
		}
	}
}

/* ---- changes --------------------------------------------------------------------- */

static dsmap_change *add(struct ctx *c, dsmap_change_type type)
{
	dsmap_diff *d = c->d;
	dsmap_change *ch;

	if (d->count == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;
		dsmap_change *v = dsmap__realloc(d->changes, cap * sizeof(*v));

		if (v == NULL) {
			c->oom = 1;
			memset(&c->dummy, 0, sizeof(c->dummy));
			return &c->dummy;
		}
		d->changes = v;
		d->cap = cap;
	}
	ch = &d->changes[d->count++];
	memset(ch, 0, sizeof(*ch));
	ch->type = type;
	return ch;
}

static int change_cmp(const void *x, const void *y)
{
	const dsmap_change *a = x, *b = y;
	int r;

	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if ((r = cmpn(a->purpose, b->purpose)) != 0 || (r = cmpn(a->category, b->category)) != 0 ||
	    (r = cmpn(a->recipient, b->recipient)) != 0 || (r = cmpn(a->system, b->system)) != 0 ||
	    (r = cmpn(a->source, b->source)) != 0 || (r = cmpn(a->field, b->field)) != 0 ||
	    (r = cmpn(a->before, b->before)) != 0 || (r = cmpn(a->after, b->after)) != 0)
		return r;
	return cmpn(a->detail, b->detail);
}

/* ---- summaries ------------------------------------------------------------------- */

/* "purpose 7.2.2.3 Promotion ...", the way the notice names it. */
static const char *purpose_label(struct ctx *c, const struct dsmap__purpose *p)
{
	const char *title = p->title_fr ? p->title_fr : p->title_en ? p->title_en : p->id;

	return p->section ? tfmt(c, "purpose %s %s", p->section, title) : tfmt(c, "purpose %s", title);
}

/* "7.2.2.3 Promotion ..." */
static const char *purpose_summary(struct ctx *c, const struct dsmap__purpose *p)
{
	return tfmt(c, "%s%s%s", nz(p->section), p->section ? " " : "", nz(p->title_fr));
}

struct transfers {
	int any;
	struct idx countries;
	struct idx safeguards;
};

static void transfers_of(struct ctx *c, const dsmap__vec *v, struct transfers *t)
{
	dsmap__vec countries = { NULL, 0, 0 }, safeguards = { NULL, 0, 0 };
	size_t i, j;

	t->any = v->count > 0;
	for (i = 0; i < v->count; i++) {
		const struct dsmap__transfer *tr = v->items[i];

		for (j = 0; j < tr->countries.count; j++)
			if (dsmap__vec_push(&c->tmp, &countries, tr->countries.items[j]) < 0)
				c->oom = 1;
		for (j = 0; j < tr->safeguards.count; j++)
			if (dsmap__vec_push(&c->tmp, &safeguards, tr->safeguards.items[j]) < 0)
				c->oom = 1;
	}
	t->countries = index_of(c, &countries, key_self);
	t->safeguards = index_of(c, &safeguards, key_self);
}

static const char *transfers_summary(struct ctx *c, const struct transfers *t)
{
	if (!t->any)
		return "none";
	if (t->safeguards.n == 0)
		return t->countries.n ? tfmt(c, "countries %s", idx_join(c, &t->countries, "")) :
		                        "no country named";
	return tfmt(c, "%s%s; safeguards %s", t->countries.n ? "countries " : "no country named",
	            idx_join(c, &t->countries, ""), idx_join(c, &t->safeguards, ""));
}

/* "processor" or "processor; outside the EEA: countries US; safeguards ..." */
static const char *recipient_summary(struct ctx *c, const struct dsmap__recipient *r)
{
	struct transfers t;

	transfers_of(c, &r->transfers, &t);
	if (!t.any)
		return dsmap__recipient_kind_name(r->kind);
	return tfmt(c, "%s; outside the EEA: %s", dsmap__recipient_kind_name(r->kind),
	            transfers_summary(c, &t));
}

/* ---- retention ------------------------------------------------------------------- */

/* An ISO 8601 duration (validated by the loader) in seconds, a year being
 * 365.2425 days; saturates. */
static long long duration_secs(const char *s)
{
	static const struct { char unit; long long secs; } dunits[] = {
		{ 'Y', 31556952LL }, { 'M', 2629746LL }, { 'W', 604800LL }, { 'D', 86400LL }, { 0, 0 }
	}, tunits[] = {
		{ 'H', 3600LL }, { 'M', 60LL }, { 'S', 1LL }, { 0, 0 }
	};
	long long total = 0;
	int in_time = 0;

	if (s == NULL || *s++ != 'P')
		return 0;
	while (*s) {
		long long n = 0, unit = 0;
		size_t k;

		if (*s == 'T') {
			in_time = 1;
			s++;
			continue;
		}
		while (*s >= '0' && *s <= '9') {
			n = n > LLONG_MAX / 10 - 10 ? LLONG_MAX / 10 - 10 : n * 10 + (*s - '0');
			s++;
		}
		for (k = 0; (in_time ? tunits : dunits)[k].unit; k++)
			if ((in_time ? tunits : dunits)[k].unit == *s)
				unit = (in_time ? tunits : dunits)[k].secs;
		if (*s)
			s++;
		if (unit == 0)
			continue;
		if (n > (LLONG_MAX - total) / unit)
			return LLONG_MAX;
		total += n * unit;
	}
	return total;
}

/* A rule as compared: durations in seconds (-1: none given). */
struct rk {
	long long secs;
	long long min;
	const char *trigger;
	const struct dsmap__rule *r;
};

static int rk_cmp(const void *x, const void *y)
{
	const struct rk *a = x, *b = y;

	if (a->secs != b->secs)
		return a->secs > b->secs ? -1 : 1;
	if (a->min != b->min)
		return a->min > b->min ? -1 : 1;
	return cmpn(a->trigger, b->trigger);
}

struct rules {
	struct rk *v;
	size_t n;
};

static int rule_has(const struct dsmap__rule *r, const char *ref)
{
	size_t i;

	if (r->categories.count == 0)
		return 1;
	for (i = 0; i < r->categories.count; i++)
		if (strcmp(((const struct dsmap__category *)r->categories.items[i])->ref, ref) == 0)
			return 1;
	return 0;
}

/* The rules of `p` that apply to category `ref`, longest first, without
 * duplicates. */
static struct rules rules_for(struct ctx *c, const struct dsmap__purpose *p, const char *ref)
{
	struct rules x = { NULL, 0 };
	size_t i, n = 0;

	if (p->rules.count == 0)
		return x;
	if ((x.v = dsmap__arena_alloc(&c->tmp, p->rules.count * sizeof(*x.v))) == NULL) {
		c->oom = 1;
		return x;
	}
	for (i = 0; i < p->rules.count; i++) {
		const struct dsmap__rule *r = p->rules.items[i];

		if (!rule_has(r, ref))
			continue;
		x.v[n].secs = r->duration ? duration_secs(r->duration) : -1;
		x.v[n].min = r->duration_min ? duration_secs(r->duration_min) : -1;
		x.v[n].trigger = r->trigger;
		x.v[n].r = r;
		n++;
	}
	qsort(x.v, n, sizeof(*x.v), rk_cmp);
	for (i = 0; i < n; i++)
		if (x.n == 0 || rk_cmp(&x.v[x.n - 1], &x.v[i]) != 0)
			x.v[x.n++] = x.v[i];
	return x;
}

static int rules_equal(const struct rules *x, const struct rules *y)
{
	size_t i;

	if (x->n != y->n)
		return 0;
	for (i = 0; i < x->n; i++)
		if (rk_cmp(&x->v[i], &y->v[i]) != 0)
			return 0;
	return 1;
}

/* A rule in words ("7 years after the end of the contract"), never an ISO
 * 8601 code: the change's before and after are read by people. */
static const char *rule_text(struct ctx *c, const struct dsmap__rule *r)
{
	char buf[256];

	return tfmt(c, "%s", dsmap__duration_range_words(buf, sizeof(buf), r->duration_min,
	                                                 r->duration, r->trigger, "en"));
}

static const char *rules_summary(struct ctx *c, const struct rules *x)
{
	const char *s = NULL;
	size_t i;

	if (x->n == 0)
		return "none";
	for (i = 0; i < x->n; i++)
		s = s ? tfmt(c, "%s; %s", s, rule_text(c, x->v[i].r)) : rule_text(c, x->v[i].r);
	return s;
}

/* For trigger `t`: the longest duration (-1 when every rule gives none), and
 * whether any rule gives none; 0 when no rule has that trigger. */
static int trigger_max(const struct rules *x, const char *t, long long *max, int *none)
{
	size_t i;
	int found = 0;

	*max = -1;
	*none = 0;
	for (i = 0; i < x->n; i++) {
		if (cmpn(x->v[i].trigger, t) != 0)
			continue;
		found = 1;
		if (x->v[i].secs < 0)
			*none = 1;
		else if (x->v[i].secs > *max)
			*max = x->v[i].secs;
	}
	return found;
}

/* -1 shorter, +1 longer, 0 other; see the header. */
static int retention_direction(const struct rules *x, const struct rules *y)
{
	int shorter = 0, longer = 0, side;
	size_t i;

	for (side = 0; side < 2; side++) {
		const struct rules *from = side ? y : x;

		for (i = 0; i < from->n; i++) {
			long long mx, my;
			int nx, ny;

			if (!trigger_max(x, from->v[i].trigger, &mx, &nx) ||
			    !trigger_max(y, from->v[i].trigger, &my, &ny) || nx != ny ||
			    (mx < 0) != (my < 0))
				return 0;
			if (my < mx)
				shorter = 1;
			else if (my > mx)
				longer = 1;
		}
	}
	return shorter && !longer ? -1 : longer && !shorter ? 1 : 0;
}

/* ---- purposes -------------------------------------------------------------------- */

struct pctx {
	const struct dsmap__purpose *pa;   /* before */
	const struct dsmap__purpose *pb;   /* after */
	const char *id;                    /* the after id */
	const char *label;                 /* after */
};

static void walk_purpose_categories(struct ctx *c, void *arg, const char *ref, const void *x,
                                    const void *y)
{
	struct pctx *p = arg;
	dsmap_change *ch;

	if (x && y) {
		struct rules rx = rules_for(c, p->pa, ref), ry = rules_for(c, p->pb, ref);
		const char *bx, *by, *word;

		if (rules_equal(&rx, &ry))
			return;
		bx = rules_summary(c, &rx);
		by = rules_summary(c, &ry);
		ch = add(c, DSMAP_CHANGE_RETENTION_CHANGED);
		ch->purpose = keep(c, p->id);
		ch->category = keep(c, ref);
		ch->before = keep(c, bx);
		ch->after = keep(c, by);
		ch->direction = retention_direction(&rx, &ry);
		word = ch->direction < 0 ? "shorter" : ch->direction > 0 ? "longer" : "changed";
		ch->detail = dfmt(c, "%s: retention of %s %s: %s -> %s", p->label, ref, word, bx, by);
		return;
	}
	ch = add(c, x ? DSMAP_CHANGE_PURPOSE_CATEGORY_REMOVED : DSMAP_CHANGE_PURPOSE_CATEGORY_ADDED);
	ch->purpose = keep(c, p->id);
	ch->category = keep(c, ref);
	if (x)
		ch->before = keep(c, ((const struct dsmap__category *)x)->name_fr);
	else
		ch->after = keep(c, ((const struct dsmap__category *)y)->name_fr);
	ch->detail = dfmt(c, "%s: category %s %s", p->label, ref, x ? "removed" : "added");
}

static void walk_purpose_recipients(struct ctx *c, void *arg, const char *id, const void *x,
                                    const void *y)
{
	struct pctx *p = arg;
	const struct dsmap__recipient *r = x ? x : y;
	const char *sum;
	dsmap_change *ch;

	if (x && y)
		return;
	sum = recipient_summary(c, r);
	ch = add(c, x ? DSMAP_CHANGE_PURPOSE_RECIPIENT_REMOVED : DSMAP_CHANGE_PURPOSE_RECIPIENT_ADDED);
	ch->purpose = keep(c, p->id);
	ch->recipient = keep(c, id);
	if (x) {
		ch->before = keep(c, sum);
	} else {
		ch->after = keep(c, sum);
		ch->direction = r->transfers.count > 0;
	}
	ch->detail = dfmt(c, "%s: recipient %s (%s) %s", p->label, id, sum, x ? "removed" : "added");
}

/* +1 a country added or transfers appear; -1 transfers gone or countries
 * only removed; 0 otherwise.  Sets `changed`. */
static int transfer_direction(const struct transfers *x, const struct transfers *y, int *changed)
{
	*changed = x->any != y->any || !idx_equal(&x->countries, &y->countries) ||
	           !idx_equal(&x->safeguards, &y->safeguards);
	if (!*changed)
		return 0;
	if ((!x->any && y->any) || !idx_subset(&y->countries, &x->countries))
		return 1;
	if ((x->any && !y->any) || !idx_equal(&x->countries, &y->countries))
		return -1;
	return 0;
}

/* The transfers of a recipient (`recipient` set) or of a purpose. */
static void compare_transfers(struct ctx *c, const dsmap__vec *vx, const dsmap__vec *vy,
                              const char *purpose, const char *recipient, const char *label)
{
	struct transfers x, y;
	const char *sx, *sy;
	dsmap_change *ch;
	int changed, dir;

	transfers_of(c, vx, &x);
	transfers_of(c, vy, &y);
	dir = transfer_direction(&x, &y, &changed);
	if (!changed)
		return;
	sx = transfers_summary(c, &x);
	sy = transfers_summary(c, &y);
	ch = add(c, DSMAP_CHANGE_RECIPIENT_TRANSFER_CHANGED);
	ch->purpose = keep(c, purpose);
	ch->recipient = keep(c, recipient);
	ch->before = keep(c, sx);
	ch->after = keep(c, sy);
	ch->direction = dir;
	ch->detail = dfmt(c, "%s: transfers outside the EEA changed: %s -> %s", label, sx, sy);
}

/* The same purpose before (pa) and after (pb). */
static void compare_purpose(struct ctx *c, const struct dsmap__purpose *pa,
                            const struct dsmap__purpose *pb)
{
	struct pctx p = { pa, pb, pb->id, purpose_label(c, pb) };
	struct idx x, y;

	if (strcmp(pa->id, pb->id) != 0 || cmpn(pa->section, pb->section) != 0 ||
	    cmpn(pa->title_fr, pb->title_fr) != 0) {
		const char *sx = tfmt(c, "%s: %s", pa->id, purpose_summary(c, pa));
		const char *sy = tfmt(c, "%s: %s", pb->id, purpose_summary(c, pb));
		dsmap_change *ch = add(c, DSMAP_CHANGE_PURPOSE_RENAMED);

		ch->purpose = keep(c, pb->id);
		ch->before = keep(c, sx);
		ch->after = keep(c, sy);
		ch->detail = dfmt(c, "%s: renamed; was %s (%s)", p.label, purpose_label(c, pa), pa->id);
	}
	x = index_of(c, &pa->categories, key_category);
	y = index_of(c, &pb->categories, key_category);
	walk(c, &x, &y, walk_purpose_categories, &p);

	x = index_of(c, &pa->legal_bases, key_basis);
	y = index_of(c, &pb->legal_bases, key_basis);
	if (!idx_equal(&x, &y)) {
		const char *sx = idx_join(c, &x, "none"), *sy = idx_join(c, &y, "none");
		dsmap_change *ch = add(c, DSMAP_CHANGE_LEGAL_BASIS_CHANGED);

		ch->purpose = keep(c, pb->id);
		ch->before = keep(c, sx);
		ch->after = keep(c, sy);
		ch->detail = dfmt(c, "%s: legal basis changed: %s -> %s", p.label, sx, sy);
	}

	x = index_of(c, &pa->recipients, key_recipient);
	y = index_of(c, &pb->recipients, key_recipient);
	walk(c, &x, &y, walk_purpose_recipients, &p);

	compare_transfers(c, &pa->transfers, &pb->transfers, pb->id, NULL, p.label);
}

static void purpose_added_removed(struct ctx *c, const struct dsmap__purpose *p, int added)
{
	dsmap_change *ch = add(c, added ? DSMAP_CHANGE_PURPOSE_ADDED : DSMAP_CHANGE_PURPOSE_REMOVED);
	const char *sum = purpose_summary(c, p);

	ch->purpose = keep(c, p->id);
	if (added)
		ch->after = keep(c, sum);
	else
		ch->before = keep(c, sum);
	ch->detail = dfmt(c, "%s: %s", purpose_label(c, p), added ? "added" : "removed");
}

/* The only purpose of `v` (count n) with this section (by_title 0) or
 * French title (1), or NULL. */
static const struct dsmap__purpose *only_with(const struct dsmap__purpose *const *v, size_t n,
                                              const struct dsmap__purpose *like, int by_title)
{
	const struct dsmap__purpose *found = NULL;
	const char *want = by_title ? like->title_fr : like->section;
	size_t i;

	if (want == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (v[i] == NULL || cmpn(by_title ? v[i]->title_fr : v[i]->section, want) != 0)
			continue;
		if (found)
			return NULL;
		found = v[i];
	}
	return found;
}

static void compare_purposes(struct ctx *c)
{
	struct idx x = index_of(c, &c->a->purposes, key_purpose);
	struct idx y = index_of(c, &c->b->purposes, key_purpose);
	const struct dsmap__purpose **gone, **come;
	size_t i, j, ngone = 0, ncome = 0;
	int by_title;

	gone = dsmap__arena_alloc(&c->tmp, (x.n + 1) * sizeof(*gone));
	come = dsmap__arena_alloc(&c->tmp, (y.n + 1) * sizeof(*come));
	c->renames = dsmap__arena_alloc(&c->tmp, (x.n + 1) * sizeof(*c->renames));
	if (gone == NULL || come == NULL || c->renames == NULL) {
		c->oom = 1;
		return;
	}
	for (i = 0, j = 0; i < x.n || j < y.n;) {
		int r = i == x.n ? 1 : j == y.n ? -1 : strcmp(x.v[i].key, y.v[j].key);

		if (r < 0)
			gone[ngone++] = x.v[i++].item;
		else if (r > 0)
			come[ncome++] = y.v[j++].item;
		else
			compare_purpose(c, x.v[i++].item, y.v[j++].item);
	}
	/* An id that went and one that came, alone with their section (then
	 * their title), are one purpose renamed. */
	for (by_title = 0; by_title < 2; by_title++) {
		for (i = 0; i < ngone; i++) {
			const struct dsmap__purpose *pa = gone[i], *pb;

			if (pa == NULL || (pb = only_with(come, ncome, pa, by_title)) == NULL ||
			    only_with(gone, ngone, pb, by_title) != pa)
				continue;
			compare_purpose(c, pa, pb);
			c->renames[c->nrenames].from = pa->id;
			c->renames[c->nrenames].to = pb->id;
			c->nrenames++;
			gone[i] = NULL;
			for (j = 0; j < ncome; j++)
				if (come[j] == pb)
					come[j] = NULL;
		}
	}
	for (i = 0; i < ngone; i++)
		if (gone[i])
			purpose_added_removed(c, gone[i], 0);
	for (j = 0; j < ncome; j++)
		if (come[j])
			purpose_added_removed(c, come[j], 1);
}

/* ---- categories and recipients overall ------------------------------------------- */

static void walk_categories(struct ctx *c, void *arg, const char *ref, const void *x,
                            const void *y)
{
	const struct dsmap__category *cat = x ? x : y;
	dsmap_change *ch;

	(void)arg;
	if (x && y)
		return;
	ch = add(c, x ? DSMAP_CHANGE_CATEGORY_REMOVED : DSMAP_CHANGE_CATEGORY_ADDED);
	ch->category = keep(c, ref);
	if (x)
		ch->before = keep(c, cat->name_fr);
	else
		ch->after = keep(c, cat->name_fr);
	ch->detail = dfmt(c, "category %s (%s) %s", ref, nz(cat->name_fr), x ? "removed" : "added");
}

static void walk_recipients(struct ctx *c, void *arg, const char *id, const void *x,
                            const void *y)
{
	const struct dsmap__recipient *rx = x, *ry = y;
	const char *label;
	dsmap_change *ch;

	(void)arg;
	if (rx && ry) {
		label = tfmt(c, "recipient %s (%s)", id, nz(ry->name_fr));
		if (rx->kind != ry->kind) {
			const char *kx = dsmap__recipient_kind_name(rx->kind);
			const char *ky = dsmap__recipient_kind_name(ry->kind);

			ch = add(c, DSMAP_CHANGE_RECIPIENT_KIND_CHANGED);
			ch->recipient = keep(c, id);
			ch->before = keep(c, kx);
			ch->after = keep(c, ky);
			ch->detail = dfmt(c, "%s: kind changed: %s -> %s", label, kx, ky);
		}
		compare_transfers(c, &rx->transfers, &ry->transfers, NULL, id, label);
		return;
	}
	rx = rx ? rx : ry;
	label = recipient_summary(c, rx);
	ch = add(c, x ? DSMAP_CHANGE_RECIPIENT_REMOVED : DSMAP_CHANGE_RECIPIENT_ADDED);
	ch->recipient = keep(c, id);
	if (x) {
		ch->before = keep(c, label);
	} else {
		ch->after = keep(c, label);
		ch->direction = rx->transfers.count > 0;
	}
	ch->detail = dfmt(c, "recipient %s (%s; %s) %s", id, nz(rx->name_fr), label,
	                  x ? "removed" : "added");
}

/* ---- systems --------------------------------------------------------------------- */

/* The categories the fields of a source hold. */
static const char *source_summary(struct ctx *c, const struct dsmap__source *s)
{
	dsmap__vec refs = { NULL, 0, 0 };
	struct idx x;
	size_t i, j;

	for (i = 0; i < s->cat_fields.count; i++) {
		const struct dsmap__cat_field *f = s->cat_fields.items[i];

		for (j = 0; j < f->categories.count; j++)
			if (dsmap__vec_push(&c->tmp, &refs,
			                    (void *)key_category(f->categories.items[j])) < 0)
				c->oom = 1;
	}
	x = index_of(c, &refs, key_self);
	return x.n ? tfmt(c, "categories %s", idx_join(c, &x, "")) : "no category";
}

/* What field `name` of source `s` (may be NULL) is: "identifier KIND;
 * categories A, B", or "not mapped". */
static const char *field_summary(struct ctx *c, const struct dsmap__source *s, const char *name)
{
	const char *kind = NULL, *cats = NULL;
	size_t i;

	for (i = 0; s && i < s->id_fields.count; i++) {
		const struct dsmap__id_field *f = s->id_fields.items[i];

		if (f->field && strcmp(f->field, name) == 0) {
			kind = dsmap_ident_kind_name(f->kind);
			kind = kind ? kind : "unknown";
			break;
		}
	}
	for (i = 0; s && i < s->cat_fields.count; i++) {
		const struct dsmap__cat_field *f = s->cat_fields.items[i];

		if (f->field && strcmp(f->field, name) == 0) {
			struct idx x = index_of(c, &f->categories, key_category);

			cats = idx_join(c, &x, "none");
			break;
		}
	}
	if (kind && cats)
		return tfmt(c, "identifier %s; categories %s", kind, cats);
	if (kind)
		return tfmt(c, "identifier %s", kind);
	if (cats)
		return tfmt(c, "categories %s", cats);
	return "not mapped";
}

struct sctx {
	const char *system;
	const struct dsmap__source *sx;
	const struct dsmap__source *sy;
};

static void walk_fields(struct ctx *c, void *arg, const char *name, const void *x, const void *y)
{
	struct sctx *s = arg;
	const char *fx, *fy;
	dsmap_change *ch;

	(void)x;
	(void)y;
	fx = field_summary(c, s->sx, name);
	fy = field_summary(c, s->sy, name);
	if (strcmp(fx, fy) == 0)
		return;
	ch = add(c, DSMAP_CHANGE_SYSTEM_MAPPING_CHANGED);
	ch->system = keep(c, s->system);
	ch->source = keep(c, s->sx->name);
	ch->field = keep(c, name);
	ch->before = keep(c, fx);
	ch->after = keep(c, fy);
	ch->detail = dfmt(c, "system %s: source %s, field %s: %s -> %s", s->system, s->sx->name, name,
	                  fx, fy);
}

/* The names of the fields a source maps, as an index. */
static struct idx fields_of(struct ctx *c, const struct dsmap__source *s)
{
	dsmap__vec names = { NULL, 0, 0 };
	size_t i;

	for (i = 0; i < s->id_fields.count; i++)
		if (dsmap__vec_push(&c->tmp, &names,
		                    (void *)((const struct dsmap__id_field *)s->id_fields.items[i])->field) < 0)
			c->oom = 1;
	for (i = 0; i < s->cat_fields.count; i++)
		if (dsmap__vec_push(&c->tmp, &names,
		                    (void *)((const struct dsmap__cat_field *)s->cat_fields.items[i])->field) < 0)
			c->oom = 1;
	return index_of(c, &names, key_self);
}

static void walk_sources(struct ctx *c, void *arg, const char *name, const void *x, const void *y)
{
	const char *system = arg;
	dsmap_change *ch;

	if (x && y) {
		struct sctx s = { system, x, y };
		struct idx fx = fields_of(c, x), fy = fields_of(c, y);

		walk(c, &fx, &fy, walk_fields, &s);
		return;
	}
	ch = add(c, DSMAP_CHANGE_SYSTEM_MAPPING_CHANGED);
	ch->system = keep(c, system);
	ch->source = keep(c, name);
	if (x)
		ch->before = keep(c, source_summary(c, x));
	else
		ch->after = keep(c, source_summary(c, y));
	ch->detail = dfmt(c, "system %s: source %s %s (%s)", system, name, x ? "removed" : "added",
	                  x ? ch->before : ch->after);
}

static const char *renamed(const struct ctx *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->nrenames; i++)
		if (strcmp(c->renames[i].from, id) == 0)
			return c->renames[i].to;
	return id;
}

/* The label of purpose `id`, as the newer mapping names it if it has it. */
static const char *purpose_label_id(struct ctx *c, const char *id)
{
	const struct dsmap__purpose *p = dsmap_mapping__purpose(c->b, id);

	if (p == NULL)
		p = dsmap_mapping__purpose(c->a, id);
	return p ? purpose_label(c, p) : tfmt(c, "purpose %s", id);
}

static void walk_system_purposes(struct ctx *c, void *arg, const char *id, const void *x,
                                 const void *y)
{
	const char *system = arg;
	dsmap_change *ch;

	if (x && y)
		return;
	ch = add(c, x ? DSMAP_CHANGE_SYSTEM_PURPOSE_REMOVED : DSMAP_CHANGE_SYSTEM_PURPOSE_ADDED);
	ch->system = keep(c, system);
	ch->purpose = keep(c, id);
	ch->detail = dfmt(c, "system %s: serves %s: %s", system, purpose_label_id(c, id),
	                  x ? "removed" : "added");
}

/* The ids of the purposes a system declares, those of the older mapping
 * under their new ids when renamed. */
static struct idx declared(struct ctx *c, const struct dsmap__system *s, int older)
{
	dsmap__vec ids = { NULL, 0, 0 };
	size_t i;

	for (i = 0; i < s->purposes.count; i++) {
		const struct dsmap__purpose *p = s->purposes.items[i];

		if (p && p->id && dsmap__vec_push(&c->tmp, &ids,
		                                  (void *)(older ? renamed(c, p->id) : p->id)) < 0)
			c->oom = 1;
	}
	return index_of(c, &ids, key_self);
}

static void walk_systems(struct ctx *c, void *arg, const char *id, const void *x, const void *y)
{
	const struct dsmap__system *sx = x, *sy = y;
	dsmap_change *ch;

	(void)arg;
	if (sx && sy) {
		struct idx ix, iy;

		ix = index_of(c, &sx->sources, key_source);
		iy = index_of(c, &sy->sources, key_source);
		walk(c, &ix, &iy, walk_sources, (void *)id);
		ix = declared(c, sx, 1);
		iy = declared(c, sy, 0);
		walk(c, &ix, &iy, walk_system_purposes, (void *)id);
		return;
	}
	sx = sx ? sx : sy;
	ch = add(c, x ? DSMAP_CHANGE_SYSTEM_REMOVED : DSMAP_CHANGE_SYSTEM_ADDED);
	ch->system = keep(c, id);
	if (x)
		ch->before = keep(c, sx->name);
	else
		ch->after = keep(c, sx->name);
	ch->detail = dfmt(c, "system %s (%s) %s", id, nz(sx->name), x ? "removed" : "added");
}

/* ---- the diff -------------------------------------------------------------------- */

int dsmap_diff_mappings(dsmap_diff **out, const dsmap_mapping *before, const dsmap_mapping *after)
{
	struct ctx c;
	struct idx x, y;
	int rc = 0;

	if (out == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_diff_mappings: NULL out");
	*out = NULL;
	if (before == NULL || after == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_diff_mappings: NULL mapping");
	if (before->errors || after->errors)
		return dsmap_error__set(DSMAP_EINVALID,
		    "cannot compare mappings with errors: the %s mapping has %zu error%s",
		    before->errors ? "older" : "newer", before->errors ? before->errors : after->errors,
		    (before->errors ? before->errors : after->errors) == 1 ? "" : "s");
	memset(&c, 0, sizeof(c));
	if ((c.d = dsmap__calloc(1, sizeof(*c.d))) == NULL)
		return dsmap_error__oom();
	c.a = before;
	c.b = after;

	compare_purposes(&c);

	x = index_of(&c, &before->categories, key_category);
	y = index_of(&c, &after->categories, key_category);
	walk(&c, &x, &y, walk_categories, NULL);

	x = index_of(&c, &before->recipients, key_recipient);
	y = index_of(&c, &after->recipients, key_recipient);
	walk(&c, &x, &y, walk_recipients, NULL);

	x = index_of(&c, &before->systems, key_system);
	y = index_of(&c, &after->systems, key_system);
	walk(&c, &x, &y, walk_systems, NULL);

	if (c.oom) {
		rc = dsmap_error__oom();
		goto done;
	}
	if (c.d->count > 1)
		qsort(c.d->changes, c.d->count, sizeof(*c.d->changes), change_cmp);
	*out = c.d;
	c.d = NULL;
done:
	dsmap__arena_free(&c.tmp);
	dsmap_diff_free(c.d);
	return rc;
}
