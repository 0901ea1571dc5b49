/*
 * The mapping loader and checker.
 *
 * Every file is parsed with libyaml into a document (nodes with their
 * marks), checked against a declarative description of its keys (the
 * `struct spec` tables below, which follow docs/mapping-format.md), and
 * then read into the model of mapping.h.  References between files are
 * resolved once all files are read.  Problems become diagnostics with the
 * file, line and column of the node they are about; the loader never stops
 * at the first one.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "alloc.h"
#include "errors.h"
#include "git.h"
#include "dsmap/ident.h"
#include "dsmap/plugin.h"
#include "mapping.h"
#include "store.h"
#include "util.h"
#include "workspace.h"
#include "yamldoc.h"

#define MAX_FILE_SIZE (8u << 20)

static const char *const group_names[DSMAP__GROUP_COUNT] = {
	"collected", "obtained", "observed", "derived"
};

static const char *const recipient_kinds[DSMAP__RK_COUNT] = {
	"processor", "joint-controller", "group-company", "authority", "other-controller"
};


static const char *const safeguards[] = {
	"adequacy-decision", "standard-contractual-clauses", "necessary-for-service", NULL
};

/* The trigger ids of docs/mapping-format.md, 7.3. */
static const char *const triggers[] = {
	"recording", "visit", "communication", "conversation-end", "collection", "creation",
	"interaction", "participation", "survey", "consent", "end-of-consent",
	"consent-withdrawal", "end-of-contract", "end-of-relationship", "end-of-service",
	"end-of-subscription", "end-of-session", "end-of-social-tariff", "end-of-transmission",
	"signal-transmission", "end-of-dispute", "last-unpaid-invoice", "settlement-and-return",
	"reassessment", "eligibility-check", "id-validation", "end-of-fraud-case",
	"end-of-attack", "end-of-campaign", "look-back-window", "complete-request", NULL
};

const char *dsmap_category_group_name(unsigned int i)
{
	return i < DSMAP__GROUP_COUNT ? group_names[i] : NULL;
}

const char *dsmap__recipient_kind_name(int kind)
{
	return kind >= 0 && kind < DSMAP__RK_COUNT ? recipient_kinds[kind] : "unknown";
}

static int in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

static int index_of(const char *const *list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return (int)i;
	return -1;
}

/* ---- key specifications -------------------------------------------------- */

enum type {
	T_ANY,       /* anything; not looked into */
	T_STR,       /* a scalar, not null */
	T_STR0,      /* a scalar or null */
	T_BOOL,      /* true or false */
	T_ID,        /* a scalar matching [a-z0-9][a-z0-9-]* */
	T_STRS,      /* a sequence of scalars */
	T_MAP,       /* a mapping, not looked into */
	T_SEQ,       /* a sequence, not looked into */
	T_OBJ,       /* a mapping checked against `sub` */
	T_OBJS       /* a sequence of mappings checked against `sub` */
};

struct spec;

struct key {
	const char *name;
	enum type type;
	int required;
	const struct spec *sub;
	const char *missing;   /* the message when a required key is absent */
};

struct spec {
	const char *what;      /* "purpose", "category"... for messages */
	const struct key *keys;
};

#define END { NULL, T_ANY, 0, NULL, NULL }

static const struct key transfer_keys[] = {
	{ "section", T_STR, 1, NULL, NULL },
	{ "countries", T_STRS, 1, NULL, NULL },
	{ "safeguards", T_STRS, 1, NULL, NULL },
	{ "text_fr", T_STR, 1, NULL, NULL },
	{ "note", T_STR, 0, NULL, NULL },
	END
};
static const struct spec transfer_spec = { "transfer outside the EEA", transfer_keys };

static const struct key brand_keys[] = {
	{ "id", T_ID, 1, NULL, NULL },
	{ "name", T_STR, 1, NULL, NULL },
	{ "note", T_STR, 0, NULL, NULL },
	END
};
static const struct spec brand_spec = { "brand", brand_keys };

static const struct key notice_keys[] = {
	{ "id", T_ID, 1, NULL, NULL },
	{ "title_fr", T_STR, 1, NULL, NULL },
	{ "title_en", T_STR, 1, NULL, NULL },
	{ "language", T_STR, 1, NULL, NULL },
	{ "version", T_STR, 1, NULL, NULL },
	{ "version_note", T_STR, 0, NULL, NULL },
	{ "source", T_STR, 0, NULL, NULL },
	{ "controller", T_MAP, 1, NULL, NULL },
	{ "dpo", T_MAP, 1, NULL, NULL },
	{ "contacts", T_SEQ, 0, NULL, NULL },
	{ "linking_identifier_kinds", T_STRS, 1, NULL, NULL },
	{ "brands", T_OBJS, 0, &brand_spec, NULL },
	{ "files", T_MAP, 0, NULL, NULL },
	{ "sections_without_table", T_SEQ, 0, NULL, NULL },
	{ "product_sections", T_SEQ, 0, NULL, NULL },
	{ "notes", T_SEQ, 1, NULL, NULL },
	END
};
static const struct spec notice_spec = { "notice", notice_keys };
static const struct key notice_file_keys[] = {
	{ "schema", T_ANY, 1, NULL, NULL },
	{ "notice", T_OBJ, 1, &notice_spec, NULL },
	END
};

static const struct key category_keys[] = {
	{ "id", T_ID, 1, NULL, NULL },
	{ "group", T_STR, 1, NULL, NULL },
	{ "section", T_STR, 1, NULL, NULL },
	{ "name_fr", T_STR, 1, NULL, NULL },
	{ "name_en", T_STR, 1, NULL, NULL },
	{ "description_fr", T_STR, 0, NULL, NULL },
	{ "examples", T_STRS, 1, NULL, NULL },
	{ "identifier_kinds", T_STRS, 0, NULL, NULL },
	{ "aliases", T_STRS, 0, NULL, NULL },
	{ "defined_in_section_4", T_BOOL, 0, NULL, NULL },
	{ "same_as", T_STR, 0, NULL, NULL },
	{ "related_to", T_STR, 0, NULL, NULL },
	{ "note", T_STR, 0, NULL, NULL },
	END
};
static const struct spec category_spec = { "category", category_keys };
static const struct key categories_file_keys[] = {
	{ "schema", T_ANY, 1, NULL, NULL },
	{ "groups", T_SEQ, 0, NULL, NULL },
	{ "retention_general", T_MAP, 0, NULL, NULL },
	{ "categories", T_OBJS, 1, &category_spec, NULL },
	END
};

static const struct key recipient_keys[] = {
	{ "id", T_ID, 1, NULL, NULL },
	{ "kind", T_STR, 1, NULL, NULL },
	{ "section", T_STR0, 1, NULL, NULL },
	{ "name_fr", T_STR, 1, NULL, NULL },
	{ "name_en", T_STR, 1, NULL, NULL },
	{ "description_fr", T_STR, 0, NULL, NULL },
	{ "examples_fr", T_ANY, 0, NULL, NULL },
	{ "aliases", T_SEQ, 0, NULL, NULL },
	{ "used_in_sections", T_SEQ, 0, NULL, NULL },
	{ "address", T_STR, 0, NULL, NULL },
	{ "company_number", T_STR, 0, NULL, NULL },
	{ "legal_basis", T_MAP, 0, NULL, NULL },
	{ "objection_fr", T_STR, 0, NULL, NULL },
	{ "transfers_outside_eea", T_OBJS, 0, &transfer_spec, NULL },
	{ "note", T_STR, 0, NULL, NULL },
	END
};
static const struct spec recipient_spec = { "recipient", recipient_keys };
static const struct key recipients_file_keys[] = {
	{ "schema", T_ANY, 1, NULL, NULL },
	{ "section", T_STR, 0, NULL, NULL },
	{ "title_fr", T_STR, 0, NULL, NULL },
	{ "kinds", T_ANY, 0, NULL, NULL },
	{ "transfers_outside_eea", T_OBJS, 0, &transfer_spec, NULL },
	{ "recipients", T_OBJS, 1, &recipient_spec, NULL },
	END
};

static const struct key subject_kind_keys[] = {
	{ "id", T_ID, 1, NULL, NULL },
	{ "section", T_STR, 1, NULL, NULL },
	{ "name_fr", T_STR, 1, NULL, NULL },
	{ "name_en", T_STR, 1, NULL, NULL },
	{ "note_fr", T_STR, 0, NULL, NULL },
	END
};
static const struct spec subject_kind_spec = { "subject kind", subject_kind_keys };
static const struct key subject_kinds_file_keys[] = {
	{ "schema", T_ANY, 1, NULL, NULL },
	{ "section", T_STR, 0, NULL, NULL },
	{ "title_fr", T_STR, 0, NULL, NULL },
	{ "scope_fr", T_STR, 0, NULL, NULL },
	{ "subject_kinds", T_OBJS, 1, &subject_kind_spec, NULL },
	END
};

static const struct key right_keys[] = {
	{ "id", T_ID, 1, NULL, NULL },
	{ "section", T_STR, 1, NULL, NULL },
	{ "name_fr", T_STR, 1, NULL, NULL },
	{ "name_en", T_STR, 1, NULL, NULL },
	{ "gdpr_article", T_STR0, 1, NULL, NULL },
	{ "how_fr", T_STR, 1, NULL, NULL },
	{ "channels", T_SEQ, 0, NULL, NULL },
	{ "variants", T_SEQ, 0, NULL, NULL },
	{ "related_purposes", T_SEQ, 0, NULL, NULL },
	{ "note", T_STR, 0, NULL, NULL },
	END
};
static const struct spec right_spec = { "right", right_keys };
static const struct key rights_file_keys[] = {
	{ "schema", T_ANY, 1, NULL, NULL },
	{ "section", T_STR, 0, NULL, NULL },
	{ "title_fr", T_STR, 0, NULL, NULL },
	{ "general", T_MAP, 0, NULL, NULL },
	{ "rights", T_OBJS, 1, &right_spec, NULL },
	END
};

static const struct key legal_basis_keys[] = {
	{ "gdpr", T_STR, 1, NULL, NULL },
	{ "law", T_STR, 0, NULL, NULL },
	{ "articles", T_STRS, 0, NULL, NULL },
	{ "applies_to_fr", T_STR, 0, NULL, NULL },
	{ "text_fr", T_STR, 1, NULL, NULL },
	{ "note", T_STR, 0, NULL, NULL },
	END
};
static const struct spec legal_basis_spec = { "legal basis", legal_basis_keys };

static const struct key rule_keys[] = {
	{ "categories", T_STRS, 0, NULL, NULL },
	{ "scope_fr", T_STR, 0, NULL, NULL },
	{ "duration", T_STR0, 1, NULL, NULL },
	{ "duration_min", T_STR, 0, NULL, NULL },
	{ "trigger", T_STR0, 1, NULL, NULL },
	{ "condition_fr", T_STR, 0, NULL, NULL },
	{ "law", T_STR, 0, NULL, NULL },
	{ "articles", T_STRS, 0, NULL, NULL },
	{ "see_sections", T_STRS, 0, NULL, NULL },
	{ "anonymised", T_BOOL, 0, NULL, NULL },
	{ "indefinite", T_BOOL, 0, NULL, NULL },
	{ "note", T_STR, 0, NULL, NULL },
	END
};
static const struct spec rule_spec = { "retention rule", rule_keys };

static const struct key retention_keys[] = {
	{ "text_fr", T_STR, 1, NULL, NULL },
	{ "rules", T_OBJS, 1, &rule_spec, NULL },
	{ "missing_in_notice", T_BOOL, 0, NULL, NULL },
	{ "note", T_STR, 0, NULL, NULL },
	END
};
static const struct spec retention_spec = { "retention", retention_keys };

static const struct key purpose_keys[] = {
	{ "id", T_ID, 1, NULL, NULL },
	{ "section", T_STR, 1, NULL, NULL },
	{ "numbering_note", T_STR, 0, NULL, NULL },
	{ "parent_sections", T_SEQ, 1, NULL, NULL },
	{ "title_fr", T_STR, 1, NULL, NULL },
	{ "title_en", T_STR, 1, NULL, NULL },
	{ "description_fr", T_STR, 1, NULL, NULL },
	{ "scope_note_fr", T_STR, 0, NULL, NULL },
	{ "excluded_brands", T_STRS, 0, NULL, NULL },
	{ "subject_kinds", T_STRS, 1, NULL, NULL },
	{ "categories_text_fr", T_STRS, 1, NULL, NULL },
	{ "categories", T_MAP, 1, NULL, NULL },
	{ "category_notes", T_SEQ, 0, NULL, NULL },
	{ "categories_conditional", T_SEQ, 0, NULL, NULL },
	{ "processing_roles", T_SEQ, 0, NULL, NULL },
	{ "legal_bases", T_OBJS, 1, &legal_basis_spec, "has no legal basis" },
	{ "legal_bases_note_fr", T_STR, 0, NULL, NULL },
	{ "retention", T_OBJ, 1, &retention_spec, "has no retention" },
	{ "recipients", T_STRS, 1, NULL, NULL },
	{ "recipients_text_fr", T_STR, 0, NULL, NULL },
	{ "recipients_categories", T_SEQ, 0, NULL, NULL },
	{ "onward_recipients_fr", T_STR, 0, NULL, NULL },
	{ "internal_access_fr", T_STR, 0, NULL, NULL },
	{ "data_sources", T_SEQ, 0, NULL, NULL },
	{ "objection_fr", T_STR, 0, NULL, NULL },
	{ "withdrawal_fr", T_STR, 0, NULL, NULL },
	{ "withdrawal_missing_in_notice", T_BOOL, 0, NULL, NULL },
	{ "access_fr", T_STR, 0, NULL, NULL },
	{ "rights_contact_fr", T_STR, 0, NULL, NULL },
	{ "automated_decision", T_BOOL, 0, NULL, NULL },
	{ "automated_decision_fr", T_STR, 0, NULL, NULL },
	{ "transfers_outside_eea", T_OBJS, 0, &transfer_spec, NULL },
	{ "steps_fr", T_SEQ, 0, NULL, NULL },
	{ "sub_purposes_fr", T_SEQ, 0, NULL, NULL },
	{ "uses_fr", T_SEQ, 0, NULL, NULL },
	{ "geographic_scope_fr", T_SEQ, 0, NULL, NULL },
	{ "web_profile_sources_fr", T_SEQ, 0, NULL, NULL },
	{ "customer_profile_sources_fr", T_SEQ, 0, NULL, NULL },
	{ "notes", T_SEQ, 0, NULL, NULL },
	END
};
static const struct spec purpose_spec = { "purpose", purpose_keys };
static const struct key purpose_file_keys[] = {
	{ "schema", T_ANY, 1, NULL, NULL },
	{ "purpose", T_OBJ, 1, &purpose_spec, NULL },
	END
};

static const struct key source_keys[] = {
	{ "name", T_STR, 1, NULL, NULL },
	{ "description", T_STR, 0, NULL, NULL },
	{ "options", T_MAP, 0, NULL, NULL },
	{ "identifiers", T_MAP, 1, NULL, NULL },
	{ "categories", T_MAP, 1, NULL, NULL },
	{ "timestamp", T_STR, 0, NULL, NULL },
	{ "consent", T_STR, 0, NULL, NULL },
	{ "subject_kind", T_ANY, 0, NULL, NULL },
	{ "brand", T_ANY, 0, NULL, NULL },
	END
};
static const struct spec source_spec = { "source", source_keys };
static const struct key system_keys[] = {
	{ "id", T_ID, 1, NULL, NULL },
	{ "name", T_STR, 1, NULL, NULL },
	{ "description", T_STR, 0, NULL, NULL },
	{ "plugin", T_ID, 1, NULL, NULL },
	{ "config", T_MAP, 0, NULL, NULL },
	{ "on_error", T_STR, 0, NULL, NULL },
	{ "timeout", T_STR, 0, NULL, NULL },
	{ "purposes", T_STRS, 1, NULL, NULL },
	{ "sources", T_OBJS, 1, &source_spec, "has no source" },
	{ "notes", T_SEQ, 0, NULL, NULL },
	END
};
static const struct spec system_spec = { "system", system_keys };
static const struct key system_file_keys[] = {
	{ "schema", T_ANY, 1, NULL, NULL },
	{ "system", T_OBJ, 1, &system_spec, NULL },
	END
};

static const struct spec notice_file_spec = { "notice.yaml", notice_file_keys };
static const struct spec categories_file_spec = { "categories.yaml", categories_file_keys };
static const struct spec recipients_file_spec = { "recipients.yaml", recipients_file_keys };
static const struct spec subject_kinds_file_spec = { "subject-kinds.yaml", subject_kinds_file_keys };
static const struct spec rights_file_spec = { "rights.yaml", rights_file_keys };
static const struct spec purpose_file_spec = { "purpose file", purpose_file_keys };
static const struct spec system_file_spec = { "system file", system_file_keys };

/* ---- diagnostics ----------------------------------------------------------- */

struct ctx {
	dsmap_mapping *m;
	unsigned int file;        /* index of the current file */
	yaml_document_t *doc;
	int oom;
};

static void vdiag(struct ctx *c, int severity, unsigned int line, unsigned int column,
                  const char *fmt, va_list ap)
{
	dsmap_mapping *m = c->m;
	dsmap_diag *d;
	char buf[1024];

	if (severity == DSMAP_DIAG_ERROR)
		m->errors++;
	else if (severity == DSMAP_DIAG_WARNING)
		m->warnings++;
	else
		m->notes++;
	/* The first ones are kept, the others counted: a file of a million
	 * typos must not cost a million messages. */
	if (m->diags.count >= DSMAP_MAPPING_DIAG_MAX) {
		m->diags_omitted++;
		return;
	}
	if ((d = dsmap__arena_alloc(&m->arena, sizeof(*d))) == NULL) {
		c->oom = 1;
		return;
	}
	vsnprintf(buf, sizeof(buf), fmt, ap);
	d->severity = severity;
	d->file = m->files.items[c->file];
	d->line = line;
	d->column = column;
	if ((d->message = dsmap__arena_strdup(&m->arena, buf)) == NULL ||
	    dsmap__vec_push(&m->arena, &m->diags, d) < 0)
		c->oom = 1;
}

#if defined(__GNUC__)
# define PRINTF4 __attribute__((format(printf, 4, 5)))
#else
# define PRINTF4
#endif

/* A diagnostic about a node (NULL: the whole file). */
static void diag(struct ctx *c, int severity, const yaml_node_t *n, const char *fmt, ...) PRINTF4;
static void diag(struct ctx *c, int severity, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(c, severity, n ? (unsigned int)n->start_mark.line + 1 : 0,
	      n ? (unsigned int)n->start_mark.column + 1 : 0, fmt, ap);
	va_end(ap);
}

static void diag_at(struct ctx *c, int severity, struct dsmap__loc loc, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;
static void diag_at(struct ctx *c, int severity, struct dsmap__loc loc, const char *fmt, ...)
{
	unsigned int saved = c->file;
	va_list ap;

	c->file = loc.file;
	va_start(ap, fmt);
	vdiag(c, severity, loc.line, loc.column, fmt, ap);
	va_end(ap);
	c->file = saved;
}

#define ERR(c, n, ...) diag((c), DSMAP_DIAG_ERROR, (n), __VA_ARGS__)
#define WARN(c, n, ...) diag((c), DSMAP_DIAG_WARNING, (n), __VA_ARGS__)

/* ---- YAML access ------------------------------------------------------------ */

static yaml_node_t *node(struct ctx *c, int i)
{
	return yaml_document_get_node(c->doc, i);
}

static int is_null(const yaml_node_t *n)
{
	const char *v;

	if (n == NULL || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = (const char *)n->data.scalar.value;
	return strcmp(v, "null") == 0 || strcmp(v, "~") == 0 || strcmp(v, "Null") == 0 ||
	       strcmp(v, "NULL") == 0 || v[0] == '\0';
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *get(struct ctx *c, const yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *k = scalar(node(c, p->key));

		if (k != NULL && strcmp(k, key) == 0)
			return node(c, p->value);
	}
	return NULL;
}

/* A string value, copied into the arena; NULL when absent or null. */
static const char *str(struct ctx *c, const yaml_node_t *map, const char *key)
{
	yaml_node_t *n = get(c, map, key);
	const char *v;

	if (n == NULL || is_null(n) || (v = scalar(n)) == NULL)
		return NULL;
	if ((v = dsmap__arena_strdup(&c->m->arena, v)) == NULL)
		c->oom = 1;
	return v;
}

static int boolean(struct ctx *c, const yaml_node_t *map, const char *key)
{
	const char *v = scalar(get(c, map, key));

	return v != NULL && strcmp(v, "true") == 0;
}

static struct dsmap__loc loc_of(struct ctx *c, const yaml_node_t *n)
{
	struct dsmap__loc l = { c->file, 0, 0 };

	if (n != NULL) {
		l.line = (unsigned int)n->start_mark.line + 1;
		l.column = (unsigned int)n->start_mark.column + 1;
	}
	return l;
}

static int valid_id(const char *s)
{
	const char *p;

	if (s == NULL || !((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
	return 1;
}

/* ISO 8601 durations as the mapping uses them: PnYnMnWnD, with an optional
 * time part (TnHnMnS). */
static int valid_duration(const char *s)
{
	const char *p = s;
	int any = 0, in_time = 0;
	const char *order = "YMWD";
	const char *torder = "HMS";

	if (s == NULL || *p++ != 'P')
		return 0;
	while (*p) {
		const char *u;

		if (*p == 'T' && !in_time) {
			in_time = 1;
			p++;
			if (*p == '\0')
				return 0;
			continue;
		}
		if (*p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
		if (in_time) {
			if ((u = strchr(torder, *p)) == NULL || *p == '\0')
				return 0;
			torder = u + 1;
		} else {
			if ((u = strchr(order, *p)) == NULL || *p == '\0')
				return 0;
			order = u + 1;
		}
		p++;
		any = 1;
	}
	return any;
}

static const char *type_name(enum type t)
{
	switch (t) {
	case T_STR: return "a string";
	case T_STR0: return "a string or null";
	case T_BOOL: return "true or false";
	case T_ID: return "an id";
	case T_STRS: return "a list of strings";
	case T_MAP: case T_OBJ: return "a mapping";
	case T_SEQ: case T_OBJS: return "a list";
	default: return "a value";
	}
}

static void check_spec(struct ctx *c, const yaml_node_t *map, const struct spec *s);

static void check_value(struct ctx *c, const yaml_node_t *v, const struct key *k,
                        const struct spec *s)
{
	yaml_node_item_t *it;
	int ok;

	switch (k->type) {
	case T_ANY:
		return;
	case T_STR:
		ok = v->type == YAML_SCALAR_NODE && !is_null(v);
		break;
	case T_STR0:
		ok = v->type == YAML_SCALAR_NODE;
		break;
	case T_BOOL:
		ok = v->type == YAML_SCALAR_NODE &&
		     (strcmp(scalar(v), "true") == 0 || strcmp(scalar(v), "false") == 0);
		break;
	case T_ID:
		ok = v->type == YAML_SCALAR_NODE;
		if (ok && !valid_id(scalar(v))) {
			ERR(c, v, "%s: invalid id '%s': ids are lowercase kebab-case, [a-z0-9][a-z0-9-]*",
			    s->what, scalar(v));
			return;
		}
		break;
	case T_MAP:
		ok = v->type == YAML_MAPPING_NODE;
		break;
	case T_OBJ:
		if ((ok = v->type == YAML_MAPPING_NODE))
			check_spec(c, v, k->sub);
		break;
	case T_SEQ:
		ok = v->type == YAML_SEQUENCE_NODE;
		break;
	case T_STRS:
	case T_OBJS:
		if (!(ok = v->type == YAML_SEQUENCE_NODE))
			break;
		for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
			yaml_node_t *e = node(c, *it);

			if (k->type == T_STRS && (e->type != YAML_SCALAR_NODE || is_null(e)))
				ERR(c, e, "%s: every item of '%s' must be a string", s->what, k->name);
			else if (k->type == T_OBJS && e->type != YAML_MAPPING_NODE)
				ERR(c, e, "%s: every item of '%s' must be a mapping", s->what, k->name);
			else if (k->type == T_OBJS)
				check_spec(c, e, k->sub);
		}
		if (k->required && k->missing && v->data.sequence.items.start == v->data.sequence.items.top)
			ERR(c, v, "%s %s: '%s' is empty", s->what, k->missing, k->name);
		return;
	default:
		return;
	}
	if (!ok)
		ERR(c, v, "%s: '%s' must be %s", s->what, k->name, type_name(k->type));
}

/* Unknown keys, missing required keys and value types of one mapping. */
static void check_spec(struct ctx *c, const yaml_node_t *map, const struct spec *s)
{
	yaml_node_pair_t *p;
	const struct key *k;

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node(c, p->key);
		const char *name = scalar(kn);

		if (name == NULL) {
			ERR(c, kn, "%s: keys must be strings", s->what);
			continue;
		}
		for (k = s->keys; k->name != NULL; k++)
			if (strcmp(k->name, name) == 0)
				break;
		if (k->name == NULL) {
			ERR(c, kn, "%s: unknown key '%s' (a typo? new keys are documented in "
			    "docs/mapping-format.md first)", s->what, name);
			continue;
		}
		check_value(c, node(c, p->value), k, s);
	}
	for (k = s->keys; k->name != NULL; k++) {
		if (!k->required || get(c, map, k->name) != NULL)
			continue;
		if (k->missing)
			ERR(c, map, "%s %s: '%s' is missing", s->what, k->missing, k->name);
		else
			ERR(c, map, "%s: missing required key '%s'", s->what, k->name);
	}
}

/* ---- reading the files -------------------------------------------------------- */

struct src {
	const char *rel;       /* relative path, in the arena */
	char *data;
	size_t len;
};

/* Features the mapping format excludes: tags and block scalars. */
static int find_excluded(struct ctx *c, yaml_node_t **at, const char **what)
{
	yaml_node_t *n;

	for (n = c->doc->nodes.start; n < c->doc->nodes.top; n++) {
		const char *tag = (const char *)n->tag;

		if (n->type == YAML_SCALAR_NODE &&
		    (n->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
		     n->data.scalar.style == YAML_FOLDED_SCALAR_STYLE)) {
			*at = n;
			*what = "block scalars (| or >) are not used in mapping files; quote the text";
			return 1;
		}
		if (tag != NULL && strncmp(tag, "tag:yaml.org,2002:", 18) != 0) {
			*at = n;
			*what = "tags are not used in mapping files";
			return 1;
		}
	}
	return 0;
}

/*
 * Parse one file into c->doc and check what every file must be: valid
 * YAML within the limits of yamldoc.h, one document, a mapping with
 * `schema: 1` first.  Returns the root node, or NULL (with diagnostics)
 * when the file cannot be used.
 */
static yaml_node_t *parse(struct ctx *c, const struct src *f)
{
	struct dsmap__yaml_error err;
	yaml_node_t *root, *first, *at = NULL;
	const char *what;
	int rc;

	rc = dsmap__yaml_load(c->doc, f->data, f->len, &err);
	if (rc == DSMAP_EINVALID) {
		diag_at(c, DSMAP_DIAG_ERROR, (struct dsmap__loc){ c->file, err.line, err.column },
		        "%s", err.message);
		return NULL;
	}
	if (rc < 0) {
		c->oom = 1;
		return NULL;
	}
	root = yaml_document_get_root_node(c->doc);
	if (root == NULL || root->type != YAML_MAPPING_NODE) {
		ERR(c, root, "the file must be a YAML mapping that starts with 'schema: 1'");
		goto fail;
	}
	if (find_excluded(c, &at, &what)) {
		ERR(c, at, "%s", what);
		goto fail;
	}
	first = root->data.mapping.pairs.start < root->data.mapping.pairs.top ?
	        node(c, root->data.mapping.pairs.start->key) : NULL;
	if (first == NULL || scalar(first) == NULL || strcmp(scalar(first), "schema") != 0) {
		ERR(c, root, "schema: every mapping file starts with 'schema: 1'");
		goto fail;
	}
	what = scalar(get(c, root, "schema"));
	if (what == NULL || strcmp(what, "1") != 0) {
		ERR(c, get(c, root, "schema"),
		    "schema %s is not supported: this dsmap reads mapping schema 1",
		    what ? what : "(not a number)");
		goto fail;
	}
	return root;
fail:
	yaml_document_delete(c->doc);
	return NULL;
}

/* ---- the model ------------------------------------------------------------------ */

/* The item of `v` whose string member at `offset` equals `key`. */
static void *find(const dsmap__vec *v, size_t offset, const char *key)
{
	size_t i;

	for (i = 0; i < v->count; i++) {
		const char *s = *(const char *const *)((const char *)v->items[i] + offset);

		if (strcmp(s, key) == 0)
			return v->items[i];
	}
	return NULL;
}

struct dsmap__category *dsmap_mapping__category(const dsmap_mapping *m, const char *ref)
{
	return find(&m->categories, offsetof(struct dsmap__category, ref), ref);
}

struct dsmap__recipient *dsmap_mapping__recipient(const dsmap_mapping *m, const char *id)
{
	return find(&m->recipients, offsetof(struct dsmap__recipient, id), id);
}

struct dsmap__purpose *dsmap_mapping__purpose(const dsmap_mapping *m, const char *id)
{
	return find(&m->purposes, offsetof(struct dsmap__purpose, id), id);
}

struct dsmap__subject_kind *dsmap_mapping__subject_kind(const dsmap_mapping *m, const char *id)
{
	return find(&m->subject_kinds, offsetof(struct dsmap__subject_kind, id), id);
}

struct dsmap__system *dsmap_mapping__system(const dsmap_mapping *m, const char *id)
{
	return find(&m->systems, offsetof(struct dsmap__system, id), id);
}

struct dsmap__brand *dsmap_mapping__brand(const dsmap_mapping *m, const char *id)
{
	return find(&m->brands, offsetof(struct dsmap__brand, id), id);
}

/* A kind by its canonical name only: mappings do not use the short aliases. */
static int id_kind(const char *name)
{
	int kind = name ? dsmap_ident_kind_from_name(name, strlen(name)) : 0;

	return kind && strcmp(dsmap_ident_kind_name(kind), name) == 0 ? kind : 0;
}

int dsmap_mapping__links(const dsmap_mapping *m, int kind)
{
	const char *name = dsmap_ident_kind_name(kind);
	size_t i;

	for (i = 0; name != NULL && i < m->linking_kinds.count; i++)
		if (strcmp(m->linking_kinds.items[i], name) == 0)
			return 1;
	return 0;
}

static void push(struct ctx *c, dsmap__vec *v, void *item)
{
	if (item == NULL || dsmap__vec_push(&c->m->arena, v, item) < 0)
		c->oom = 1;
}

static void *alloc(struct ctx *c, size_t size)
{
	void *p = dsmap__arena_alloc(&c->m->arena, size);

	if (p == NULL)
		c->oom = 1;
	return p;
}

/* The strings of a sequence into `v` (arena copies). */
static void strings(struct ctx *c, const yaml_node_t *seq, dsmap__vec *v)
{
	yaml_node_item_t *it;

	if (seq == NULL || seq->type != YAML_SEQUENCE_NODE)
		return;
	for (it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
		const char *s = scalar(node(c, *it));

		if (s != NULL)
			push(c, v, dsmap__arena_strdup(&c->m->arena, s));
	}
}

#define EACH_ITEM(c, seq, it, e) \
	for ((it) = (seq) && (seq)->type == YAML_SEQUENCE_NODE ? (seq)->data.sequence.items.start : NULL; \
	     (it) != NULL && (it) < (seq)->data.sequence.items.top && ((e) = node((c), *(it))) != NULL; \
	     (it)++)

static void read_transfers(struct ctx *c, const yaml_node_t *seq, dsmap__vec *out)
{
	yaml_node_item_t *it, *jt;
	yaml_node_t *e, *s;

	EACH_ITEM(c, seq, it, e) {
		struct dsmap__transfer *t;

		if (e->type != YAML_MAPPING_NODE || (t = alloc(c, sizeof(*t))) == NULL)
			continue;
		t->section = str(c, e, "section");
		t->text_fr = str(c, e, "text_fr");
		strings(c, get(c, e, "countries"), &t->countries);
		strings(c, get(c, e, "safeguards"), &t->safeguards);
		EACH_ITEM(c, get(c, e, "safeguards"), jt, s) {
			if (scalar(s) && !in_list(safeguards, scalar(s)))
				ERR(c, s, "transfer outside the EEA: unknown safeguard '%s' (adequacy-decision, "
				    "standard-contractual-clauses, necessary-for-service)", scalar(s));
		}
		push(c, out, t);
	}
}

static void read_notice(struct ctx *c, const yaml_node_t *root)
{
	yaml_node_t *n = get(c, root, "notice"), *k;
	yaml_node_item_t *it;

	if (n == NULL || n->type != YAML_MAPPING_NODE)
		return;
	c->m->notice_id = str(c, n, "id");
	c->m->notice_version = str(c, n, "version");
	c->m->language = str(c, n, "language");
	c->m->controller = str(c, get(c, n, "controller"), "name");
	EACH_ITEM(c, get(c, n, "linking_identifier_kinds"), it, k) {
		const char *v = scalar(k);

		if (v == NULL)
			continue;
		if (!id_kind(v))
			ERR(c, k, "notice: unknown identifier kind '%s' in linking_identifier_kinds", v);
		else
			push(c, &c->m->linking_kinds, dsmap__arena_strdup(&c->m->arena, v));
	}
	EACH_ITEM(c, get(c, n, "brands"), it, k) {
		yaml_node_t *idn = get(c, k, "id");
		struct dsmap__brand *b, *prev;
		const char *id = scalar(idn);

		if (k->type != YAML_MAPPING_NODE || !valid_id(id))
			continue;
		if ((prev = dsmap_mapping__brand(c->m, id)) != NULL) {
			ERR(c, idn, "duplicate id: brand '%s' is defined twice (first at line %u)", id,
			    prev->loc.line);
			continue;
		}
		if ((b = alloc(c, sizeof(*b))) == NULL)
			return;
		b->id = dsmap__arena_strdup(&c->m->arena, id);
		b->name = str(c, k, "name");
		b->loc = loc_of(c, idn);
		push(c, &c->m->brands, b);
	}
}

static void read_categories(struct ctx *c, const yaml_node_t *root)
{
	yaml_node_item_t *it, *jt;
	yaml_node_t *e, *k;

	EACH_ITEM(c, get(c, root, "categories"), it, e) {
		struct dsmap__category *cat, *prev;
		yaml_node_t *idn = get(c, e, "id"), *gn = get(c, e, "group");
		const char *id = scalar(idn), *group = scalar(gn);
		int g;

		if (e->type != YAML_MAPPING_NODE || !valid_id(id) || group == NULL)
			continue;
		if ((g = index_of(group_names, DSMAP__GROUP_COUNT, group)) < 0) {
			ERR(c, gn, "category %s: unknown group '%s' (collected, obtained, observed, derived)",
			    id, group);
			continue;
		}
		if ((cat = alloc(c, sizeof(*cat))) == NULL)
			return;
		cat->group = g;
		cat->id = dsmap__arena_strdup(&c->m->arena, id);
		cat->ref = dsmap__arena_sprintf(&c->m->arena, "%s/%s", group, id);
		if (cat->id == NULL || cat->ref == NULL) {
			c->oom = 1;
			return;
		}
		if ((prev = dsmap_mapping__category(c->m, cat->ref)) != NULL) {
			ERR(c, idn, "duplicate id: category %s is defined twice (first at line %u)",
			    cat->ref, prev->loc.line);
			continue;
		}
		cat->section = str(c, e, "section");
		cat->name_fr = str(c, e, "name_fr");
		cat->name_en = str(c, e, "name_en");
		cat->note = str(c, e, "note");
		cat->same_as = str(c, e, "same_as");
		cat->related_to = str(c, e, "related_to");
		cat->extra = scalar(get(c, e, "defined_in_section_4")) != NULL &&
		             !boolean(c, e, "defined_in_section_4");
		strings(c, get(c, e, "aliases"), &cat->aliases);
		cat->loc = loc_of(c, idn);
		if ((cat->extra || cat->aliases.count) && cat->note == NULL)
			ERR(c, idn, "category %s: %s needs a 'note' saying where it comes from", cat->ref,
			    cat->extra ? "a category not defined in section 4" : "a category with aliases");
		EACH_ITEM(c, get(c, e, "identifier_kinds"), jt, k) {
			if (scalar(k) && !id_kind(scalar(k)))
				ERR(c, k, "category %s: unknown identifier kind '%s'", cat->ref, scalar(k));
		}
		push(c, &c->m->categories, cat);
	}
}

static void read_recipients(struct ctx *c, const yaml_node_t *root)
{
	yaml_node_item_t *it;
	yaml_node_t *e;

	EACH_ITEM(c, get(c, root, "recipients"), it, e) {
		struct dsmap__recipient *r, *prev;
		yaml_node_t *idn = get(c, e, "id"), *kn = get(c, e, "kind");
		const char *id = scalar(idn), *kind = scalar(kn);
		int k;

		if (e->type != YAML_MAPPING_NODE || !valid_id(id) || kind == NULL)
			continue;
		if ((prev = dsmap_mapping__recipient(c->m, id)) != NULL) {
			ERR(c, idn, "duplicate id: recipient '%s' is defined twice (first at line %u)",
			    id, prev->loc.line);
			continue;
		}
		if ((k = index_of(recipient_kinds, DSMAP__RK_COUNT, kind)) < 0) {
			ERR(c, kn, "recipient %s: unknown recipient kind '%s' (processor, joint-controller, "
			    "group-company, authority, other-controller)", id, kind);
			continue;
		}
		if ((r = alloc(c, sizeof(*r))) == NULL)
			return;
		r->id = dsmap__arena_strdup(&c->m->arena, id);
		r->kind = k;
		r->section = str(c, e, "section");
		r->name_fr = str(c, e, "name_fr");
		r->name_en = str(c, e, "name_en");
		r->loc = loc_of(c, idn);
		read_transfers(c, get(c, e, "transfers_outside_eea"), &r->transfers);
		push(c, &c->m->recipients, r);
	}
}

static void read_subject_kinds(struct ctx *c, const yaml_node_t *root)
{
	yaml_node_item_t *it;
	yaml_node_t *e;

	EACH_ITEM(c, get(c, root, "subject_kinds"), it, e) {
		struct dsmap__subject_kind *k, *prev;
		yaml_node_t *idn = get(c, e, "id");
		const char *id = scalar(idn);

		if (e->type != YAML_MAPPING_NODE || !valid_id(id))
			continue;
		if ((prev = dsmap_mapping__subject_kind(c->m, id)) != NULL) {
			ERR(c, idn, "duplicate id: subject kind '%s' is defined twice (first at line %u)",
			    id, prev->loc.line);
			continue;
		}
		if ((k = alloc(c, sizeof(*k))) == NULL)
			return;
		k->id = dsmap__arena_strdup(&c->m->arena, id);
		k->name_fr = str(c, e, "name_fr");
		k->name_en = str(c, e, "name_en");
		k->loc = loc_of(c, idn);
		push(c, &c->m->subject_kinds, k);
	}
}

static void read_rights(struct ctx *c, const yaml_node_t *root)
{
	yaml_node_item_t *it;
	yaml_node_t *e;

	EACH_ITEM(c, get(c, root, "rights"), it, e) {
		struct dsmap__right *r;
		yaml_node_t *idn = get(c, e, "id");
		const char *id = scalar(idn);

		if (e->type != YAML_MAPPING_NODE || !valid_id(id))
			continue;
		if (find(&c->m->rights, offsetof(struct dsmap__right, id), id) != NULL) {
			ERR(c, idn, "duplicate id: right '%s' is defined twice", id);
			continue;
		}
		if ((r = alloc(c, sizeof(*r))) == NULL)
			return;
		r->id = dsmap__arena_strdup(&c->m->arena, id);
		r->section = str(c, e, "section");
		r->name_fr = str(c, e, "name_fr");
		r->name_en = str(c, e, "name_en");
		r->gdpr_article = str(c, e, "gdpr_article");
		r->how_fr = str(c, e, "how_fr");
		r->loc = loc_of(c, idn);
		push(c, &c->m->rights, r);
	}
}

/* The files every mapping has, read first and in this order; then come
 * purposes/ and systems/. */
static const char *const top_files[] = {
	"notice.yaml", "categories.yaml", "recipients.yaml", "subject-kinds.yaml", "rights.yaml"
};
#define TOP_FILES (sizeof(top_files) / sizeof(top_files[0]))

/* Which files failed: their references are not checked, to spare a
 * cascade of "unknown" errors that one syntax error would cause. */
struct failed {
	int categories, recipients, subject_kinds, purposes;
};

/* Top file `i` (an index of top_files) could not be read. */
static void mark_failed(struct failed *f, size_t i)
{
	if (i == 1)
		f->categories = 1;
	else if (i == 2)
		f->recipients = 1;
	else if (i == 3)
		f->subject_kinds = 1;
	else if (i == TOP_FILES)
		f->purposes = 1;
}

static int has_category(const struct dsmap__purpose *p, const struct dsmap__category *cat)
{
	size_t i;

	for (i = 0; i < p->categories.count; i++)
		if (p->categories.items[i] == cat)
			return 1;
	return 0;
}

static void read_purpose_categories(struct ctx *c, struct dsmap__purpose *p,
                                    const yaml_node_t *map, const struct failed *failed)
{
	yaml_node_pair_t *pair;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *gn = node(c, pair->key), *list = node(c, pair->value), *e;
		const char *group = scalar(gn);
		yaml_node_item_t *it;

		if (group == NULL || index_of(group_names, DSMAP__GROUP_COUNT, group) < 0) {
			ERR(c, gn, "purpose %s: unknown group '%s' in categories (collected, obtained, "
			    "observed, derived)", p->id, group ? group : "?");
			continue;
		}
		if (list->type != YAML_SEQUENCE_NODE) {
			ERR(c, list, "purpose %s: categories of group %s must be a list of ids", p->id, group);
			continue;
		}
		EACH_ITEM(c, list, it, e) {
			const char *id = scalar(e);
			struct dsmap__category *cat;
			char ref[256];

			if (id == NULL || is_null(e)) {
				ERR(c, e, "purpose %s: a category must be an id", p->id);
				continue;
			}
			snprintf(ref, sizeof(ref), "%s/%s", group, id);
			if ((cat = dsmap_mapping__category(c->m, ref)) == NULL) {
				if (!failed->categories)
					ERR(c, e, "purpose %s: unknown category %s (not in categories.yaml)",
					    p->id, ref);
				continue;
			}
			if (has_category(p, cat)) {
				ERR(c, e, "purpose %s: category %s is listed twice", p->id, ref);
				continue;
			}
			cat->used = 1;
			push(c, &p->categories, cat);
		}
	}
}

static int valid_gdpr(const char *s)
{
	return s != NULL && strncmp(s, "6(1)(", 5) == 0 && s[5] >= 'a' && s[5] <= 'f' &&
	       s[6] == ')' && s[7] == '\0';
}

static void read_legal_bases(struct ctx *c, struct dsmap__purpose *p, const yaml_node_t *seq,
                             int *consent)
{
	yaml_node_item_t *it;
	yaml_node_t *e;

	EACH_ITEM(c, seq, it, e) {
		struct dsmap__legal_basis *lb;
		yaml_node_t *gn = get(c, e, "gdpr");

		if (e->type != YAML_MAPPING_NODE || scalar(gn) == NULL)
			continue;
		if (!valid_gdpr(scalar(gn))) {
			ERR(c, gn, "purpose %s: legal basis gdpr '%s' is not one of 6(1)(a) to 6(1)(f)",
			    p->id, scalar(gn));
			continue;
		}
		if (strcmp(scalar(gn), "6(1)(a)") == 0)
			*consent = 1;
		if ((lb = alloc(c, sizeof(*lb))) == NULL)
			return;
		lb->gdpr = str(c, e, "gdpr");
		lb->law = str(c, e, "law");
		lb->text_fr = str(c, e, "text_fr");
		strings(c, get(c, e, "articles"), &lb->articles);
		if (lb->articles.count && lb->law == NULL)
			ERR(c, get(c, e, "articles"), "purpose %s: legal basis cites articles but no 'law'",
			    p->id);
		push(c, &p->legal_bases, lb);
	}
}

static void read_retention(struct ctx *c, struct dsmap__purpose *p, const yaml_node_t *ret)
{
	yaml_node_item_t *it, *jt;
	yaml_node_t *e, *cn;

	if (ret == NULL || ret->type != YAML_MAPPING_NODE)
		return;
	p->retention_fr = str(c, ret, "text_fr");
	EACH_ITEM(c, get(c, ret, "rules"), it, e) {
		struct dsmap__rule *r;
		yaml_node_t *dn = get(c, e, "duration"), *dmn = get(c, e, "duration_min");
		yaml_node_t *tn = get(c, e, "trigger");

		if (e->type != YAML_MAPPING_NODE || (r = alloc(c, sizeof(*r))) == NULL)
			continue;
		r->duration = str(c, e, "duration");
		r->duration_min = str(c, e, "duration_min");
		r->trigger = str(c, e, "trigger");
		r->condition_fr = str(c, e, "condition_fr");
		r->scope_fr = str(c, e, "scope_fr");
		if (r->duration && !valid_duration(r->duration))
			ERR(c, dn, "purpose %s: retention duration '%s' is not an ISO 8601 duration "
			    "such as P1M, P2Y6M or P0D", p->id, r->duration);
		if (r->duration_min && !valid_duration(r->duration_min))
			ERR(c, dmn, "purpose %s: retention duration_min '%s' is not an ISO 8601 duration",
			    p->id, r->duration_min);
		if (r->trigger && !in_list(triggers, r->trigger))
			ERR(c, tn, "purpose %s: unknown retention trigger '%s' (the triggers are listed "
			    "in docs/mapping-format.md, 7.3)", p->id, r->trigger);
		EACH_ITEM(c, get(c, e, "categories"), jt, cn) {
			struct dsmap__category *cat = scalar(cn) ?
			        dsmap_mapping__category(c->m, scalar(cn)) : NULL;

			if (cat == NULL || !has_category(p, cat)) {
				ERR(c, cn, "purpose %s: retention rule names %s, which is not one of this "
				    "purpose's categories", p->id, scalar(cn) ? scalar(cn) : "?");
				continue;
			}
			push(c, &r->categories, cat);
		}
		push(c, &p->rules, r);
	}
	/* Rules given per category must leave no category of the purpose
	 * without one: its retention would be unsaid. */
	{
		size_t i, j, k;
		int all_per_category = p->rules.count > 0;

		for (i = 0; i < p->rules.count; i++)
			if (((struct dsmap__rule *)p->rules.items[i])->categories.count == 0)
				all_per_category = 0;
		for (k = 0; all_per_category && k < p->categories.count; k++) {
			const struct dsmap__category *cat = p->categories.items[k];
			int covered = 0;

			for (i = 0; i < p->rules.count && !covered; i++) {
				const struct dsmap__rule *r = p->rules.items[i];

				for (j = 0; j < r->categories.count && !covered; j++)
					covered = r->categories.items[j] == cat;
			}
			if (!covered)
				ERR(c, get(c, ret, "rules"), "purpose %s: the retention rules are given per "
				    "category and none applies to %s: add it to a rule's categories, or add a "
				    "rule without categories", p->id, cat->ref);
		}
	}
}

static int notes_mention(struct ctx *c, const yaml_node_t *seq, const char *word)
{
	yaml_node_item_t *it;
	yaml_node_t *e;

	EACH_ITEM(c, seq, it, e) {
		if (scalar(e) && strstr(scalar(e), word))
			return 1;
	}
	return 0;
}

static void read_purpose(struct ctx *c, const yaml_node_t *root, const char *rel,
                         const struct failed *failed)
{
	yaml_node_t *pn = get(c, root, "purpose"), *idn, *e;
	struct dsmap__purpose *p, *prev;
	yaml_node_item_t *it;
	const char *id;
	char expect[300];
	int consent = 0;

	if (pn == NULL || pn->type != YAML_MAPPING_NODE)
		return;
	idn = get(c, pn, "id");
	if (!valid_id(id = scalar(idn)))
		return;
	if ((prev = dsmap_mapping__purpose(c->m, id)) != NULL)
		ERR(c, idn, "duplicate id: purpose '%s' is defined in %s already", id,
		    (const char *)c->m->files.items[prev->loc.file]);
	snprintf(expect, sizeof(expect), "purposes/%s.yaml", id);
	if (strcmp(rel, expect) != 0)
		ERR(c, idn, "purpose '%s': the file name must be its id: rename %s to %s", id, rel, expect);
	if (prev != NULL || (p = alloc(c, sizeof(*p))) == NULL)
		return;
	p->id = dsmap__arena_strdup(&c->m->arena, id);
	p->section = str(c, pn, "section");
	p->title_fr = str(c, pn, "title_fr");
	p->title_en = str(c, pn, "title_en");
	p->objection_fr = str(c, pn, "objection_fr");
	p->withdrawal_fr = str(c, pn, "withdrawal_fr");
	p->automated_decision = boolean(c, pn, "automated_decision");
	p->automated_decision_fr = str(c, pn, "automated_decision_fr");
	p->loc = loc_of(c, idn);

	read_purpose_categories(c, p, get(c, pn, "categories"), failed);
	read_legal_bases(c, p, get(c, pn, "legal_bases"), &consent);
	read_retention(c, p, get(c, pn, "retention"));
	read_transfers(c, get(c, pn, "transfers_outside_eea"), &p->transfers);
	EACH_ITEM(c, get(c, pn, "recipients"), it, e) {
		struct dsmap__recipient *r = scalar(e) ? dsmap_mapping__recipient(c->m, scalar(e)) : NULL;

		if (r == NULL) {
			if (!failed->recipients)
				ERR(c, e, "purpose %s: unknown recipient '%s' (not in recipients.yaml)", p->id,
				    scalar(e) ? scalar(e) : "?");
			continue;
		}
		r->reached = 1;
		push(c, &p->recipients, r);
	}
	EACH_ITEM(c, get(c, pn, "subject_kinds"), it, e) {
		struct dsmap__subject_kind *k = scalar(e) ?
		        dsmap_mapping__subject_kind(c->m, scalar(e)) : NULL;

		if (k == NULL) {
			if (!failed->subject_kinds)
				ERR(c, e, "purpose %s: unknown subject kind '%s' (not in subject-kinds.yaml)",
				    p->id, scalar(e) ? scalar(e) : "?");
			continue;
		}
		push(c, &p->subject_kinds, k);
	}
	p->scope_note_fr = str(c, pn, "scope_note_fr");
	EACH_ITEM(c, get(c, pn, "excluded_brands"), it, e) {
		struct dsmap__brand *b = scalar(e) ? dsmap_mapping__brand(c->m, scalar(e)) : NULL;

		if (b == NULL) {
			ERR(c, e, "purpose %s: unknown brand '%s' in excluded_brands (brands are listed "
			    "in notice.yaml)", p->id, scalar(e) ? scalar(e) : "?");
			continue;
		}
		push(c, &p->excluded_brands, b);
	}
	if (consent && p->withdrawal_fr == NULL)
		ERR(c, pn, "purpose %s has a consent basis (6(1)(a)) but no 'withdrawal_fr': say how "
		    "consent is withdrawn", p->id);
	if (p->automated_decision && p->automated_decision_fr == NULL)
		ERR(c, pn, "purpose %s: 'automated_decision: true' needs 'automated_decision_fr', the "
		    "notice's wording", p->id);
	if (p->objection_fr == NULL && p->withdrawal_fr == NULL && get(c, pn, "access_fr") == NULL &&
	    !notes_mention(c, get(c, pn, "notes"), "object"))
		WARN(c, pn, "purpose %s says neither how to object (objection_fr) nor how to withdraw "
		     "consent (withdrawal_fr)", p->id);
	push(c, &c->m->purposes, p);
}

/* ---- systems ------------------------------------------------------------------- */

/* Option keys whose value is a secret: it must come from ${VAR}, never be
 * written in the mapping. */
static int secret_key(const char *key)
{
	static const char *const words[] = { "password", "passwd", "secret", "token", "key" };
	size_t i;

	if (strcmp(key, DSMAP_PLUGIN_KEY_OPTION) == 0)   /* a source's locator field */
		return 0;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasestr(key, words[i]) != NULL)
			return 1;
	return 0;
}

/* Whether a value carries a password of its own, as in a connection string
 * "host=db password=hunter2" or a URI "postgresql://u:hunter2@db/x". */
static int holds_password(const char *v)
{
	const char *p = strcasestr(v, "password=");
	const char *scheme = strstr(v, "://"), *at, *colon;

	if (p != NULL && strncmp(p + 9, "${", 2) != 0)
		return 1;
	if (scheme != NULL && (at = strchr(scheme + 3, '@')) != NULL &&
	    (colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3))) != NULL &&
	    strncmp(colon + 1, "${", 2) != 0)
		return 1;
	return 0;
}

/* Whether every ${...} in `v` is a well-formed reference, and whether `v`
 * holds at least one. */
static int check_refs(const char *v, int *has_ref)
{
	const char *p, *q;

	*has_ref = 0;
	for (p = v; (p = strstr(p, "${")) != NULL; p = q + 1) {
		if ((q = strchr(p + 2, '}')) == NULL || q == p + 2)
			return 0;
		for (const char *r = p + 2; r < q; r++)
			if (!((*r >= 'A' && *r <= 'Z') || (*r >= 'a' && *r <= 'z') ||
			      (*r >= '0' && *r <= '9') || *r == '_'))
				return 0;
		*has_ref = 1;
	}
	return 1;
}

/* The key/value options of a mapping node into `out`. */
static void read_options(struct ctx *c, const char *what, const yaml_node_t *map, dsmap__vec *out)
{
	yaml_node_pair_t *p;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node(c, p->key), *vn = node(c, p->value);
		const char *k = scalar(kn), *v = scalar(vn);
		struct dsmap__option *o;
		int has_ref;

		if (k == NULL)
			continue;
		if (v == NULL || is_null(vn)) {
			ERR(c, vn, "%s: option '%s' must be a string", what, k);
			continue;
		}
		if (!check_refs(v, &has_ref)) {
			ERR(c, vn, "%s: option '%s': a reference is written ${NAME}, NAME made of "
			    "letters, digits and '_'", what, k);
			continue;
		}
		if ((secret_key(k) && !has_ref) || holds_password(v)) {
			ERR(c, vn, "%s: option '%s' holds a secret written in the mapping: secrets never "
			    "go in the mapping repository; write ${VARIABLE} and set it in the "
			    "environment or the credentials file", what, k);
			continue;
		}
		if ((o = alloc(c, sizeof(*o))) == NULL)
			return;
		o->key = dsmap__arena_strdup(&c->m->arena, k);
		o->value = dsmap__arena_strdup(&c->m->arena, v);
		push(c, out, o);
	}
}

/* An id of a facet: a subject kind or a brand; NULL (with an error) when unknown. */
static const char *facet_id(struct ctx *c, const yaml_node_t *n, int brand, const char *what,
                            const struct failed *failed)
{
	const char *id = scalar(n);

	if (id == NULL || is_null(n)) {
		ERR(c, n, "%s: %s: write a %s id", what, brand ? "brand" : "subject_kind",
		    brand ? "brand" : "subject kind");
		return NULL;
	}
	if (brand) {
		const struct dsmap__brand *b = dsmap_mapping__brand(c->m, id);

		if (b != NULL)
			return b->id;
	} else {
		const struct dsmap__subject_kind *k = dsmap_mapping__subject_kind(c->m, id);

		if (k != NULL)
			return k->id;
	}
	if (brand || !failed->subject_kinds)
		ERR(c, n, "%s: unknown %s '%s' (%s)", what, brand ? "brand" : "subject kind", id,
		    brand ? "brands are listed in notice.yaml" : "not in subject-kinds.yaml");
	return NULL;
}

/* A source's `subject_kind` or `brand`: an id, or a field with values. */
static struct dsmap__facet *read_facet(struct ctx *c, const yaml_node_t *n, int brand,
                                       const char *what, const struct failed *failed)
{
	const char *key = brand ? "brand" : "subject_kind";
	struct dsmap__facet *f;
	yaml_node_pair_t *p;
	yaml_node_t *vals;

	if (n == NULL)
		return NULL;
	if ((f = alloc(c, sizeof(*f))) == NULL)
		return NULL;
	f->loc = loc_of(c, n);
	if (n->type == YAML_SCALAR_NODE) {
		f->fixed = facet_id(c, n, brand, what, failed);
		return f->fixed ? f : NULL;
	}
	if (n->type != YAML_MAPPING_NODE) {
		ERR(c, n, "%s: '%s' is an id, or a mapping with 'field', 'values' and an optional "
		    "'default'", what, key);
		return NULL;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const char *k = scalar(node(c, p->key));

		if (k != NULL && strcmp(k, "field") != 0 && strcmp(k, "values") != 0 &&
		    strcmp(k, "default") != 0)
			ERR(c, node(c, p->key), "%s: %s: unknown key '%s' (field, values, default)", what,
			    key, k);
	}
	f->field = str(c, n, "field");
	if (f->field == NULL || *f->field == '\0') {
		ERR(c, n, "%s: %s: 'field' names the field whose value says the %s", what, key,
		    brand ? "brand" : "subject kind");
		return NULL;
	}
	if (get(c, n, "default") != NULL)
		f->default_id = facet_id(c, get(c, n, "default"), brand, what, failed);
	vals = get(c, n, "values");
	if (vals == NULL || vals->type != YAML_MAPPING_NODE ||
	    vals->data.mapping.pairs.start == vals->data.mapping.pairs.top) {
		ERR(c, vals ? vals : n, "%s: %s: 'values' maps each value of field '%s' to a %s id",
		    what, key, f->field, brand ? "brand" : "subject kind");
		return NULL;
	}
	for (p = vals->data.mapping.pairs.start; p < vals->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node(c, p->key), *vn = node(c, p->value);
		struct dsmap__facet_value *fv;
		const char *id;
		size_t i;

		if (scalar(kn) == NULL)
			continue;
		for (i = 0; i < f->values.count; i++)
			if (strcmp(((struct dsmap__facet_value *)f->values.items[i])->value,
			           scalar(kn)) == 0)
				ERR(c, kn, "%s: %s: value '%s' is mapped twice", what, key, scalar(kn));
		if ((id = facet_id(c, vn, brand, what, failed)) == NULL)
			continue;
		if ((fv = alloc(c, sizeof(*fv))) == NULL)
			return NULL;
		fv->value = dsmap__arena_strdup(&c->m->arena, scalar(kn));
		fv->id = id;
		push(c, &f->values, fv);
	}
	return f;
}

/* Field names as a plugin may resolve them: SQL folds or ignores the case
 * of names, so the check takes the widest reading, ASCII case ignored. */
static int same_field(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;

		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return *a == *b;
}

/* A source's locator field (its option `key`, DSMAP_PLUGIN_KEY_OPTION, for
 * every plugin) must not be a field the source maps as personal: a
 * locator is stored in the inventory and printed by locate, so its value
 * would be a raw identifier or category value there.  Every `key` of the
 * options is checked, since the plugin reads the last one. */
static void check_locator_key(struct ctx *c, const char *what, const struct dsmap__source *src,
                              const yaml_node_t *opts)
{
	yaml_node_pair_t *p;
	size_t i;

	if (opts == NULL || opts->type != YAML_MAPPING_NODE)
		return;
	for (p = opts->data.mapping.pairs.start; p < opts->data.mapping.pairs.top; p++) {
		yaml_node_t *vn = node(c, p->value);
		const char *k = scalar(node(c, p->key)), *v = scalar(vn);
		const char *field = NULL, *under = NULL, *as = NULL;
		char name[600];

		if (k == NULL || strcmp(k, DSMAP_PLUGIN_KEY_OPTION) != 0 || v == NULL || is_null(vn))
			continue;
		for (i = 0; field == NULL && i < src->id_fields.count; i++) {
			const struct dsmap__id_field *f = src->id_fields.items[i];

			if (same_field(v, f->field)) {
				field = f->field;
				under = "identifiers";
				as = dsmap_ident_kind_name(f->kind);
			}
		}
		for (i = 0; field == NULL && i < src->cat_fields.count; i++) {
			const struct dsmap__cat_field *f = src->cat_fields.items[i];

			if (same_field(v, f->field)) {
				field = f->field;
				under = "categories";
				as = f->categories.count > 0 ?
				     ((const struct dsmap__category *)f->categories.items[0])->ref : NULL;
			}
		}
		if (field == NULL)
			continue;
		/* "under categories as 'iban'": the mapping's spelling, when the key's differs */
		name[0] = '\0';
		if (strcmp(v, field) != 0)
			snprintf(name, sizeof(name), " as '%s'", field);
		ERR(c, vn, "%s: option %s: field '%s' is listed under %s%s%s%s%s: a locator is "
		    "stored and printed by locate, so it must hold no personal data; name a field "
		    "listed under neither identifiers nor categories, or leave %s out", what,
		    DSMAP_PLUGIN_KEY_OPTION, v, under, name, as ? " (" : "", as ? as : "",
		    as ? ")" : "", DSMAP_PLUGIN_KEY_OPTION);
	}
}

static void read_source(struct ctx *c, struct dsmap__system *sys, const yaml_node_t *e,
                        const struct failed *failed)
{
	struct dsmap__source *src;
	yaml_node_pair_t *p;
	yaml_node_t *ids = get(c, e, "identifiers"), *cats = get(c, e, "categories");
	char what[300];
	size_t i;

	if ((src = alloc(c, sizeof(*src))) == NULL)
		return;
	src->name = str(c, e, "name");
	src->timestamp = str(c, e, "timestamp");
	src->consent = str(c, e, "consent");
	src->loc = loc_of(c, get(c, e, "name"));
	if (src->name == NULL)
		return;
	for (i = 0; i < sys->sources.count; i++)
		if (strcmp(((struct dsmap__source *)sys->sources.items[i])->name, src->name) == 0)
			ERR(c, get(c, e, "name"), "system %s: source '%s' is defined twice", sys->id,
			    src->name);
	snprintf(what, sizeof(what), "system %s: source %s", sys->id, src->name);
	read_options(c, what, get(c, e, "options"), &src->options);

	if (ids != NULL && ids->type == YAML_MAPPING_NODE) {
		for (p = ids->data.mapping.pairs.start; p < ids->data.mapping.pairs.top; p++) {
			yaml_node_t *kn = node(c, p->key), *vn = node(c, p->value);
			struct dsmap__id_field *f;
			int kind = id_kind(scalar(vn));

			if (scalar(kn) == NULL)
				continue;
			if (kind == 0) {
				ERR(c, vn, "%s: field '%s': unknown identifier kind '%s' (one of email, phone, "
				    "national-register-number, customer-number, account-id, imei, ip, "
				    "device-id)", what, scalar(kn), scalar(vn) ? scalar(vn) : "?");
				continue;
			}
			if ((f = alloc(c, sizeof(*f))) == NULL)
				return;
			f->field = dsmap__arena_strdup(&c->m->arena, scalar(kn));
			f->kind = kind;
			f->loc = loc_of(c, kn);
			push(c, &src->id_fields, f);
		}
		if (src->id_fields.count == 0)
			ERR(c, ids, "%s: 'identifiers' names no field: a source without an identifier "
			    "cannot say whose data it holds", what);
	}
	if (cats != NULL && cats->type == YAML_MAPPING_NODE) {
		for (p = cats->data.mapping.pairs.start; p < cats->data.mapping.pairs.top; p++) {
			yaml_node_t *kn = node(c, p->key), *vn = node(c, p->value), *cn;
			struct dsmap__cat_field *f;
			yaml_node_item_t *it;

			if (scalar(kn) == NULL)
				continue;
			if ((f = alloc(c, sizeof(*f))) == NULL)
				return;
			f->field = dsmap__arena_strdup(&c->m->arena, scalar(kn));
			f->loc = loc_of(c, kn);
			if (vn->type == YAML_SCALAR_NODE && !is_null(vn)) {
				/* one category, written without brackets */
				struct dsmap__category *cat = dsmap_mapping__category(c->m, scalar(vn));

				if (cat != NULL)
					push(c, &f->categories, cat);
				else if (!failed->categories)
					ERR(c, vn, "%s: field '%s': unknown category '%s' (categories are "
					    "GROUP/ID, as in categories.yaml)", what, f->field, scalar(vn));
			} else if (vn->type == YAML_SEQUENCE_NODE) {
				EACH_ITEM(c, vn, it, cn) {
					struct dsmap__category *cat = scalar(cn) ?
					        dsmap_mapping__category(c->m, scalar(cn)) : NULL;

					if (cat != NULL)
						push(c, &f->categories, cat);
					else if (!failed->categories)
						ERR(c, cn, "%s: field '%s': unknown category '%s' (categories are "
						    "GROUP/ID, as in categories.yaml)", what, f->field,
						    scalar(cn) ? scalar(cn) : "?");
				}
			} else {
				ERR(c, vn, "%s: field '%s' must name a category or a list of categories",
				    what, f->field);
				continue;
			}
			push(c, &src->cat_fields, f);
		}
	}
	check_locator_key(c, what, src, get(c, e, "options"));
	src->subject_kind = read_facet(c, get(c, e, "subject_kind"), 0, what, failed);
	src->brand = read_facet(c, get(c, e, "brand"), 1, what, failed);
	push(c, &sys->sources, src);
}

static int serves_category(const struct dsmap__system *sys, const struct dsmap__category *cat)
{
	size_t i;

	for (i = 0; i < sys->purposes.count; i++)
		if (has_category(sys->purposes.items[i], cat))
			return 1;
	return 0;
}

static int declares_category(const struct dsmap__system *sys, const struct dsmap__category *cat)
{
	size_t i, j, k;

	for (i = 0; i < sys->sources.count; i++) {
		const struct dsmap__source *src = sys->sources.items[i];

		for (j = 0; j < src->cat_fields.count; j++) {
			const struct dsmap__cat_field *f = src->cat_fields.items[j];

			for (k = 0; k < f->categories.count; k++)
				if (f->categories.items[k] == cat)
					return 1;
		}
	}
	return 0;
}

/* What a system holds against what it serves: a field whose category no
 * purpose it serves uses, and a purpose it serves whose categories it
 * holds none of. */
static void system_uses(struct ctx *c, const struct dsmap__system *sys, const yaml_node_t *seq)
{
	yaml_node_item_t *it;
	yaml_node_t *e;
	size_t i, j, k;

	for (i = 0; i < sys->sources.count; i++) {
		const struct dsmap__source *src = sys->sources.items[i];

		for (j = 0; j < src->cat_fields.count; j++) {
			const struct dsmap__cat_field *f = src->cat_fields.items[j];

			for (k = 0; k < f->categories.count; k++) {
				const struct dsmap__category *cat = f->categories.items[k];

				if (!serves_category(sys, cat))
					diag_at(c, DSMAP_DIAG_WARNING, f->loc, "system %s: source %s: field '%s' "
					        "holds %s, which none of the system's purposes uses: declare the "
					        "purpose it is held for, or stop mapping the field", sys->id,
					        src->name, f->field, cat->ref);
			}
		}
	}
	EACH_ITEM(c, seq, it, e) {
		const struct dsmap__purpose *p = scalar(e) ? dsmap_mapping__purpose(c->m, scalar(e)) : NULL;
		int holds = 0;

		if (p == NULL)
			continue;
		for (k = 0; k < p->categories.count && !holds; k++)
			holds = declares_category(sys, p->categories.items[k]);
		if (!holds)
			WARN(c, e, "system %s serves purpose %s but none of its fields holds a category "
			     "that the purpose uses", sys->id, p->id);
	}
}

static void read_system(struct ctx *c, const yaml_node_t *root, const char *rel,
                        const struct failed *failed)
{
	yaml_node_t *sn = get(c, root, "system"), *idn, *e;
	struct dsmap__system *sys;
	yaml_node_item_t *it;
	const char *id, *v;
	char expect[300];
	int unknown_purpose = 0;

	if (sn == NULL || sn->type != YAML_MAPPING_NODE)
		return;
	idn = get(c, sn, "id");
	if (!valid_id(id = scalar(idn)))
		return;
	if (strlen(id) > DSMAP__SYSTEM_ID_MAX) {
		ERR(c, idn, "system id of %zu bytes: at most %d", strlen(id), DSMAP__SYSTEM_ID_MAX);
		return;
	}
	snprintf(expect, sizeof(expect), "systems/%s.yaml", id);
	if (strcmp(rel, expect) != 0) {
		ERR(c, idn, "system '%s': the file name must be its id: rename %s to %s", id, rel, expect);
		return;
	}
	if ((sys = alloc(c, sizeof(*sys))) == NULL)
		return;
	sys->id = dsmap__arena_strdup(&c->m->arena, id);
	sys->name = str(c, sn, "name");
	sys->plugin = str(c, sn, "plugin");
	sys->timeout = DSMAP__SYSTEM_TIMEOUT_DEFAULT;
	sys->loc = loc_of(c, idn);
	if ((v = scalar(get(c, sn, "on_error"))) != NULL) {
		if (strcmp(v, "skip") == 0)
			sys->skip_broken = 1;
		else if (strcmp(v, "fail") != 0)
			ERR(c, get(c, sn, "on_error"), "system %s: on_error is 'fail' or 'skip', not '%s'",
			    id, v);
	}
	if ((v = scalar(get(c, sn, "timeout"))) != NULL) {
		char *end;
		unsigned long t;

		errno = 0;
		t = strtoul(v, &end, 10);
		if (errno != 0 || *end != '\0' || end == v || t == 0 || t > 86400 || v[0] == '-')
			ERR(c, get(c, sn, "timeout"), "system %s: timeout is a number of seconds "
			    "from 1 to 86400", id);
		else
			sys->timeout = (unsigned int)t;
	}
	snprintf(expect, sizeof(expect), "system %s", id);
	read_options(c, expect, get(c, sn, "config"), &sys->options);
	EACH_ITEM(c, get(c, sn, "purposes"), it, e) {
		struct dsmap__purpose *p = scalar(e) ? dsmap_mapping__purpose(c->m, scalar(e)) : NULL;

		if (p == NULL) {
			if (!failed->purposes)
				ERR(c, e, "system %s: unknown purpose '%s' (no purposes/%s.yaml)", id,
				    scalar(e) ? scalar(e) : "?", scalar(e) ? scalar(e) : "?");
			unknown_purpose = 1;
			continue;
		}
		push(c, &sys->purposes, p);
	}
	EACH_ITEM(c, get(c, sn, "sources"), it, e)
		if (e->type == YAML_MAPPING_NODE)
			read_source(c, sys, e, failed);
	/* With a purpose unknown, what the system holds it for is unknown too:
	 * no warning on top of that error. */
	if (!unknown_purpose)
		system_uses(c, sys, get(c, sn, "purposes"));
	push(c, &c->m->systems, sys);
}

/* After every file: references across files, and what nothing uses. */
static void cross_checks(struct ctx *c, int purposes_ok)
{
	size_t i, j;

	for (i = 0; i < c->m->categories.count; i++) {
		struct dsmap__category *cat = c->m->categories.items[i];

		if (cat->same_as && dsmap_mapping__category(c->m, cat->same_as) == NULL)
			diag_at(c, DSMAP_DIAG_ERROR, cat->loc, "category %s: same_as names unknown category %s",
			        cat->ref, cat->same_as);
		if (cat->related_to && dsmap_mapping__category(c->m, cat->related_to) == NULL)
			diag_at(c, DSMAP_DIAG_ERROR, cat->loc,
			        "category %s: related_to names unknown category %s", cat->ref, cat->related_to);
		if (!cat->used && purposes_ok)
			diag_at(c, DSMAP_DIAG_WARNING, cat->loc, "unused category %s: no purpose uses it",
			        cat->ref);
		if (cat->extra)
			diag_at(c, DSMAP_DIAG_NOTE, cat->loc,
			        "'%s' is not defined in section 4: kept as the extra category %s (%s)",
			        cat->name_fr ? cat->name_fr : cat->id, cat->ref, cat->note ? cat->note : "");
		for (j = 0; j < cat->aliases.count; j++)
			diag_at(c, DSMAP_DIAG_NOTE, cat->loc, "'%s' is read as %s, an alias of '%s'",
			        (const char *)cat->aliases.items[j], cat->ref,
			        cat->name_fr ? cat->name_fr : cat->id);
	}
	for (i = 0; i < c->m->recipients.count && purposes_ok; i++) {
		struct dsmap__recipient *r = c->m->recipients.items[i];

		if (!r->reached)
			diag_at(c, DSMAP_DIAG_WARNING, r->loc,
			        "unreached recipient '%s': no purpose shares data with it", r->id);
	}
}

/* ---- parsed documents by blob id ------------------------------------------------- */

struct doc_entry {
	unsigned char oid[20];
	int used;
	yaml_document_t doc;
};

struct dsmap__doc_cache {
	struct doc_entry *slots;
	size_t cap, count;
};

#define DOC_CACHE_MAX 8192   /* documents kept; the cache starts over past it */

dsmap__doc_cache *dsmap__doc_cache_new(void)
{
	dsmap__doc_cache *c = dsmap__calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->cap = 256;
	if ((c->slots = dsmap__calloc(c->cap, sizeof(*c->slots))) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

static void doc_cache_clear(dsmap__doc_cache *c)
{
	size_t i;

	for (i = 0; i < c->cap; i++)
		if (c->slots[i].used) {
			yaml_document_delete(&c->slots[i].doc);
			c->slots[i].used = 0;
		}
	c->count = 0;
}

void dsmap__doc_cache_free(dsmap__doc_cache *c)
{
	if (c == NULL)
		return;
	doc_cache_clear(c);
	free(c->slots);
	free(c);
}

static size_t doc_slot(const dsmap__doc_cache *c, const unsigned char *oid)
{
	size_t i;

	memcpy(&i, oid, sizeof(i));   /* a blob id is a hash already */
	for (i &= c->cap - 1; c->slots[i].used && memcmp(c->slots[i].oid, oid, 20) != 0;
	     i = (i + 1) & (c->cap - 1))
		;
	return i;
}

static yaml_document_t *doc_find(dsmap__doc_cache *c, const unsigned char *oid)
{
	size_t i = doc_slot(c, oid);

	return c->slots[i].used ? &c->slots[i].doc : NULL;
}

/* Keep `doc` (moved in) under `oid`; 0, or -1 when out of memory (the
 * document is then the caller's still). */
static int doc_keep(dsmap__doc_cache *c, const unsigned char *oid, yaml_document_t *doc)
{
	size_t i;

	if (c->count >= DOC_CACHE_MAX)
		doc_cache_clear(c);
	if ((c->count + 1) * 2 > c->cap) {
		struct doc_entry *old = c->slots;
		size_t oldcap = c->cap, k;

		if ((c->slots = dsmap__calloc(oldcap * 2, sizeof(*c->slots))) == NULL) {
			c->slots = old;
			return -1;
		}
		c->cap = oldcap * 2;
		for (k = 0; k < oldcap; k++)
			if (old[k].used)
				c->slots[doc_slot(c, old[k].oid)] = old[k];
		free(old);
	}
	i = doc_slot(c, oid);
	memcpy(c->slots[i].oid, oid, 20);
	c->slots[i].doc = *doc;
	c->slots[i].used = 1;
	c->count++;
	return 0;
}

/* ---- sources: a folder or a git tree -------------------------------------------- */


/* Read file `rel` into *data; or, when the source's cache holds its
 * parsed document, return 1 with *cached set to it and no data. */
typedef int (*read_fn)(void *src, const char *rel, char **data, size_t *len,
                       yaml_document_t **cached, unsigned char oid[20]);
typedef int (*list_fn)(void *src, const char *subdir, dsmap__vec *names, dsmap__arena *a);

static int register_file(struct ctx *c, const char *rel)
{
	const char *copy = dsmap__arena_strdup(&c->m->arena, rel);

	push(c, &c->m->files, (void *)copy);
	c->file = (unsigned int)c->m->files.count - 1;
	return c->oom ? -1 : 0;
}

static int diag_order(const void *a, const void *b, const dsmap_mapping *m)
{
	const dsmap_diag *x = *(dsmap_diag *const *)a, *y = *(dsmap_diag *const *)b;
	size_t fx = 0, fy = 0, i;

	for (i = 0; i < m->files.count; i++) {
		if (m->files.items[i] == x->file)
			fx = i;
		if (m->files.items[i] == y->file)
			fy = i;
	}
	if (fx != fy)
		return fx < fy ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	return 0;
}

/* A stable insertion sort: diagnostics are few (DSMAP_MAPPING_DIAG_MAX at
 * most), and equal ones keep the order they were raised in. */
static void sort_diags(dsmap_mapping *m)
{
	size_t i, j;

	for (i = 1; i < m->diags.count; i++) {
		void *d = m->diags.items[i];

		for (j = i; j > 0 && diag_order(&m->diags.items[j - 1], &d, m) > 0; j--)
			m->diags.items[j] = m->diags.items[j - 1];
		m->diags.items[j] = d;
	}
}

static int load(dsmap_mapping **out, void *src, read_fn rd, list_fn ls, dsmap__doc_cache *cache)
{
	static void (*const readers[TOP_FILES])(struct ctx *, const yaml_node_t *) = {
		read_notice, read_categories, read_recipients, read_subject_kinds, read_rights
	};
	static const struct spec *const specs[TOP_FILES] = {
		&notice_file_spec, &categories_file_spec, &recipients_file_spec,
		&subject_kinds_file_spec, &rights_file_spec
	};
	struct failed failed = { 0, 0, 0, 0 };
	dsmap__vec names = { NULL, 0, 0 };
	yaml_document_t doc, *cached;
	unsigned char oid[20];
	struct ctx c;
	size_t i;
	int rc, purposes_ok = 1;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	if ((c.m = dsmap__calloc(1, sizeof(*c.m))) == NULL)
		return dsmap_error__oom();
	c.doc = &doc;

	/* The top files, then the purposes, then the systems, each in name order. */
	for (i = 0; i < TOP_FILES + 2; i++) {
		const char *rel = i < TOP_FILES ? top_files[i] : NULL;
		const char *subdir = i == TOP_FILES ? "purposes" : "systems";
		size_t n, k;

		if (rel == NULL) {
			names.count = 0;
			if ((rc = ls(src, subdir, &names, &c.m->arena)) < 0)
				goto fail;
			n = names.count;
		} else {
			n = 1;
		}
		for (k = 0; k < n; k++) {
			char relbuf[512], *data = NULL;
			yaml_node_t *root;
			size_t len = 0;

			if (rel == NULL)
				snprintf(relbuf, sizeof(relbuf), "%s/%s", subdir, (const char *)names.items[k]);
			else
				snprintf(relbuf, sizeof(relbuf), "%s", rel);
			if (register_file(&c, relbuf) < 0)
				goto oom;
			cached = NULL;
			rc = rd(src, relbuf, &data, &len, &cached, oid);
			if (rc == DSMAP_ENOTFOUND) {
				dsmap_error_clear();
				diag(&c, DSMAP_DIAG_ERROR, NULL, "missing file: every mapping has %s", relbuf);
				mark_failed(&failed, i);
				continue;
			}
			if (rc < 0)
				goto fail;
			if (cached != NULL) {
				c.doc = cached;
				root = yaml_document_get_root_node(cached);
			} else {
				c.doc = &doc;
				root = parse(&c, &(struct src){ relbuf, data, len });
			}
			if (root != NULL) {
				check_spec(&c, root, rel ? specs[i] : i == TOP_FILES ? &purpose_file_spec :
				           &system_file_spec);
				if (rel != NULL)
					readers[i](&c, root);
				else if (i == TOP_FILES)
					read_purpose(&c, root, relbuf, &failed);
				else
					read_system(&c, root, relbuf, &failed);
				/* a document read well is kept for the next revision */
				if (cached == NULL && (cache == NULL || rc != 2 || doc_keep(cache, oid, &doc) < 0))
					yaml_document_delete(&doc);
				c.doc = &doc;
			} else {
				mark_failed(&failed, i);
				if (i == TOP_FILES)
					purposes_ok = 0;
			}
			free(data);
			if (c.oom)
				goto oom;
		}
	}
	cross_checks(&c, purposes_ok);
	if (c.oom)
		goto oom;
	sort_diags(c.m);
	*out = c.m;
	if (c.m->errors > 0)
		return dsmap_error__set(DSMAP_EINVALID, "the mapping has %zu error%s", c.m->errors,
		                        c.m->errors == 1 ? "" : "s");
	return 0;
oom:
	rc = dsmap_error__oom();
fail:
	dsmap_mapping_free(c.m);
	return rc;
}

/* -- a folder -- */

static int dir_read(void *src, const char *rel, char **data, size_t *len,
                    yaml_document_t **cached, unsigned char oid[20])
{
	(void)oid;
	*cached = NULL;
	char *path = dsmap__path_join(src, rel);
	int rc;

	if (path == NULL)
		return dsmap_error__oom();
	/* Not a link: git keeps a link's target path, not the file, so a
	 * linked file would read one way here and another once committed. */
	rc = dsmap__read_regular(data, len, path, MAX_FILE_SIZE, DSMAP__READ_NOFOLLOW);
	free(path);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_yaml_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".yaml") == 0;
}

static int dir_list(void *src, const char *subdir, dsmap__vec *names, dsmap__arena *a)
{
	char *path = dsmap__path_join(src, subdir);
	struct dirent *e;
	DIR *d;

	if (path == NULL)
		return dsmap_error__oom();
	d = opendir(path);
	free(path);
	if (d == NULL)
		return 0;   /* no purposes/ folder: no purposes */
	while ((e = readdir(d)) != NULL) {
		char *name;

		if (!is_yaml_name(e->d_name))
			continue;
		if ((name = dsmap__arena_strdup(a, e->d_name)) == NULL ||
		    dsmap__vec_push(a, names, name) < 0) {
			closedir(d);
			return dsmap_error__oom();
		}
	}
	closedir(d);
	if (names->count > 1)
		qsort(names->items, names->count, sizeof(*names->items), by_name);
	return 0;
}

int dsmap_mapping_load_dir(dsmap_mapping **out, const char *dir)
{
	if (out == NULL || dir == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_mapping_load_dir: NULL argument");
	*out = NULL;
	if (!dsmap__is_dir(dir))
		return dsmap_error__set(DSMAP_ENOTFOUND, "mapping folder %s: not a directory", dir);
	return load(out, (void *)dir, dir_read, dir_list, NULL);
}

/* -- a git tree -- */

struct tree_src {
	git_repository *repo;
	git_tree *tree;         /* the mappings/ tree */
	const char *rev;
	dsmap__doc_cache *cache;
};

/* Returns 0 (data read), 1 (the cache's document), 2 (data read, with its
 * blob id in oid for the cache) or an error. */
static int tree_read(void *src, const char *rel, char **data, size_t *len,
                     yaml_document_t **cached, unsigned char oid[20])
{
	struct tree_src *t = src;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	int rc;

	rc = git_tree_entry_bypath(&e, t->tree, rel);
	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		return DSMAP_ENOTFOUND;
	}
	if (rc < 0)
		return dsmap_git__error(rc, "%s:mappings/%s", t->rev, rel);
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB ||
	    git_tree_entry_filemode(e) == GIT_FILEMODE_LINK) {
		/* a link's blob is its target path: refused as in a folder */
		const char *what = git_tree_entry_type(e) == GIT_OBJECT_BLOB ?
		                   "a symbolic link" : "a directory or submodule";

		git_tree_entry_free(e);
		return dsmap_error__set(DSMAP_EINVALID, "%s:mappings/%s: %s, not a regular file",
		                        t->rev, rel, what);
	}
	*cached = NULL;
	memcpy(oid, git_tree_entry_id(e)->id, 20);
	if (t->cache != NULL && (*cached = doc_find(t->cache, oid)) != NULL) {
		git_tree_entry_free(e);
		*data = NULL;
		*len = 0;
		return 1;
	}
	rc = git_blob_lookup(&blob, t->repo, git_tree_entry_id(e));
	git_tree_entry_free(e);
	if (rc < 0)   /* never "missing file": the tree names it */
		return dsmap_git__error_named(rc, "%s:mappings/%s", t->rev, rel);
	*len = (size_t)git_blob_rawsize(blob);
	if (*len > MAX_FILE_SIZE || (*data = dsmap__malloc(*len + 1)) == NULL) {
		git_blob_free(blob);
		return *len > MAX_FILE_SIZE ?
		       dsmap_error__set(DSMAP_EINVALID, "%s:mappings/%s is too large", t->rev, rel) :
		       dsmap_error__oom();
	}
	memcpy(*data, git_blob_rawcontent(blob), *len);
	(*data)[*len] = '\0';
	git_blob_free(blob);
	return t->cache != NULL ? 2 : 0;
}

static int tree_list(void *src, const char *subdir, dsmap__vec *names, dsmap__arena *a)
{
	struct tree_src *t = src;
	git_tree_entry *e = NULL;
	git_tree *sub = NULL;
	size_t i, n;
	int rc;

	rc = git_tree_entry_bypath(&e, t->tree, subdir);
	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		return 0;
	}
	if (rc < 0)
		return dsmap_git__error(rc, "%s:mappings/%s", t->rev, subdir);
	if (git_tree_entry_type(e) != GIT_OBJECT_TREE) {
		git_tree_entry_free(e);
		return 0;
	}
	rc = git_tree_lookup(&sub, t->repo, git_tree_entry_id(e));
	git_tree_entry_free(e);
	if (rc < 0)
		return dsmap_git__error_named(rc, "%s:mappings/%s", t->rev, subdir);
	/* Tree entries come sorted by name. */
	n = git_tree_entrycount(sub);
	for (i = 0; i < n; i++) {
		const git_tree_entry *te = git_tree_entry_byindex(sub, i);
		char *name;

		if (git_tree_entry_type(te) != GIT_OBJECT_BLOB || !is_yaml_name(git_tree_entry_name(te)))
			continue;
		if ((name = dsmap__arena_strdup(a, git_tree_entry_name(te))) == NULL ||
		    dsmap__vec_push(a, names, name) < 0) {
			git_tree_free(sub);
			return dsmap_error__oom();
		}
	}
	git_tree_free(sub);
	return 0;
}

int dsmap_mapping_load_rev(dsmap_mapping **out, dsmap_workspace *ws, const char *rev)
{
	return dsmap_mapping__load_rev_cached(out, ws, rev, NULL);
}

int dsmap_mapping__load_rev_cached(dsmap_mapping **out, dsmap_workspace *ws, const char *rev,
                                   dsmap__doc_cache *cache)
{
	struct tree_src t = { NULL, NULL, rev, cache };
	git_object *obj = NULL;
	git_commit *commit = NULL;
	git_tree *root = NULL;
	git_tree_entry *e = NULL;
	int rc;

	if (out == NULL || ws == NULL || rev == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_mapping_load_rev: NULL argument");
	*out = NULL;
	if ((rc = dsmap_workspace__git(ws)) < 0)
		return rc;
	t.repo = ws->repo;
	if ((rc = git_revparse_single(&obj, ws->repo, rev)) < 0) {
		rc = dsmap_git__error(rc, "revision '%s'", rev);
		goto done;
	}
	if ((rc = git_object_peel((git_object **)&commit, obj, GIT_OBJECT_COMMIT)) < 0) {
		rc = dsmap_git__error(rc, "revision '%s' is not a commit", rev);
		goto done;
	}
	if ((rc = git_commit_tree(&root, commit)) < 0) {
		rc = dsmap_git__error(rc, "revision '%s'", rev);
		goto done;
	}
	rc = git_tree_entry_bypath(&e, root, "mappings");
	if (rc < 0 || git_tree_entry_type(e) != GIT_OBJECT_TREE) {
		git_error_clear();
		rc = dsmap_error__set(DSMAP_ENOTFOUND, "revision '%s' has no mappings/ folder", rev);
		goto done;
	}
	if ((rc = git_tree_lookup(&t.tree, ws->repo, git_tree_entry_id(e))) < 0) {
		rc = dsmap_git__error_named(rc, "revision '%s': mappings/", rev);
		goto done;
	}
	rc = load(out, &t, tree_read, tree_list, cache);
done:
	git_tree_free(t.tree);
	git_tree_entry_free(e);
	git_tree_free(root);
	git_commit_free(commit);
	git_object_free(obj);
	return rc;
}

int dsmap_mapping__system_blob(char out[41], const char **path, dsmap_workspace *ws,
                               const char *rev, const dsmap_mapping *m,
                               const struct dsmap__system *sys)
{
	git_object *obj = NULL;
	git_commit *commit = NULL;
	git_tree *root = NULL;
	git_tree_entry *e = NULL;
	const char *file;
	char full[4096];
	int rc;

	out[0] = '\0';
	if (sys->loc.file >= m->files.count)
		return dsmap_error__set(DSMAP_EINVALID, "system '%s': no file", sys->id);
	file = m->files.items[sys->loc.file];
	if (path != NULL)
		*path = file;
	if ((size_t)snprintf(full, sizeof(full), "mappings/%s", file) >= sizeof(full))
		return dsmap_error__set(DSMAP_EINVALID, "mappings/%s: path too long", file);
	if ((rc = dsmap_workspace__git(ws)) < 0)
		return rc;
	if ((rc = git_revparse_single(&obj, ws->repo, rev)) < 0) {
		rc = dsmap_git__error(rc, "revision '%s'", rev);
		goto done;
	}
	if ((rc = git_object_peel((git_object **)&commit, obj, GIT_OBJECT_COMMIT)) < 0 ||
	    (rc = git_commit_tree(&root, commit)) < 0) {
		rc = dsmap_git__error(rc, "revision '%s'", rev);
		goto done;
	}
	if ((rc = git_tree_entry_bypath(&e, root, full)) < 0 ||
	    git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		git_error_clear();
		rc = dsmap_error__set(DSMAP_ENOTFOUND, "revision '%.12s' has no file %s", rev, full);
		goto done;
	}
	dsmap_git__oid_tostr(out, 41, git_tree_entry_id(e));
	rc = 0;
done:
	git_tree_entry_free(e);
	git_tree_free(root);
	git_commit_free(commit);
	git_object_free(obj);
	return rc;
}

void dsmap_mapping_free(dsmap_mapping *m)
{
	if (m == NULL)
		return;
	dsmap__arena_free(&m->arena);
	free(m);
}

size_t dsmap_mapping_diag_count(const dsmap_mapping *m)
{
	return m ? m->diags.count : 0;
}

size_t dsmap_mapping_diag_omitted(const dsmap_mapping *m)
{
	return m ? m->diags_omitted : 0;
}

const dsmap_diag *dsmap_mapping_diag(const dsmap_mapping *m, size_t i)
{
	return m && i < m->diags.count ? m->diags.items[i] : NULL;
}

void dsmap_mapping_counts_get(dsmap_mapping_counts *out, const dsmap_mapping *m)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (m == NULL)
		return;
	out->categories = m->categories.count;
	for (i = 0; i < m->categories.count; i++) {
		const struct dsmap__category *cat = m->categories.items[i];

		out->categories_in_group[cat->group]++;
		out->categories_extra += cat->extra != 0;
		out->category_aliases += cat->aliases.count;
	}
	out->recipients = m->recipients.count;
	for (i = 0; i < m->recipients.count; i++)
		out->recipients_outside_eea +=
			((const struct dsmap__recipient *)m->recipients.items[i])->transfers.count > 0;
	out->subject_kinds = m->subject_kinds.count;
	out->rights = m->rights.count;
	out->purposes = m->purposes.count;
	for (i = 0; i < m->purposes.count; i++) {
		const struct dsmap__purpose *p = m->purposes.items[i];

		out->purpose_edges_category += p->categories.count;
		out->purpose_edges_recipient += p->recipients.count;
	}
	out->systems = m->systems.count;
	for (i = 0; i < m->systems.count; i++)
		out->system_sources += ((const struct dsmap__system *)m->systems.items[i])->sources.count;
	out->files = m->files.count;
	out->errors = m->errors;
	out->warnings = m->warnings;
	out->notes = m->notes;
}
