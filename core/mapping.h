/*
 * Internal: the mapping model, for the modules that build on a loaded
 * mapping (sync into the store, lineage, diff).
 */
#ifndef DSMAP_CORE_MAPPING_H
#define DSMAP_CORE_MAPPING_H

#include "arena.h"
#include "dsmap/mapping.h"

enum { DSMAP__GROUP_COUNT = 4 };

enum dsmap__recipient_kind {
	DSMAP__RK_PROCESSOR,
	DSMAP__RK_JOINT_CONTROLLER,
	DSMAP__RK_GROUP_COMPANY,
	DSMAP__RK_AUTHORITY,
	DSMAP__RK_OTHER_CONTROLLER,
	DSMAP__RK_COUNT
};

/* Where a thing is defined. */
struct dsmap__loc {
	unsigned int file;     /* index into dsmap_mapping.files */
	unsigned int line;
	unsigned int column;
};

struct dsmap__category {
	int group;                 /* 0..3 */
	const char *id;
	const char *ref;           /* "group/id" */
	const char *section;
	const char *name_fr;
	const char *name_en;
	const char *note;
	const char *same_as;       /* "group/id" or NULL */
	const char *related_to;
	int extra;                 /* not defined in section 4 */
	dsmap__vec aliases;        /* const char * */
	struct dsmap__loc loc;
	int used;                  /* by a purpose */
};

struct dsmap__transfer {
	const char *section;
	const char *text_fr;
	dsmap__vec countries;      /* const char * */
	dsmap__vec safeguards;     /* const char * */
};

struct dsmap__recipient {
	const char *id;
	int kind;                  /* enum dsmap__recipient_kind */
	const char *section;
	const char *name_fr;
	const char *name_en;
	dsmap__vec transfers;      /* struct dsmap__transfer * */
	struct dsmap__loc loc;
	int reached;               /* by a purpose */
};

/* A brand of the controller (notice.yaml `brands`), for scope
 * restrictions such as "ne s'applique pas aux clients de la marque
 * Scarlet". */
struct dsmap__brand {
	const char *id;
	const char *name;
	struct dsmap__loc loc;
};

struct dsmap__subject_kind {
	const char *id;
	const char *name_fr;
	const char *name_en;
	struct dsmap__loc loc;
};

struct dsmap__right {
	const char *id;
	const char *section;
	const char *name_fr;
	const char *name_en;
	const char *gdpr_article;  /* NULL when not a GDPR right */
	const char *how_fr;
	struct dsmap__loc loc;
};

struct dsmap__legal_basis {
	const char *gdpr;          /* "6(1)(a)".."6(1)(f)" */
	const char *law;
	dsmap__vec articles;       /* const char * */
	const char *text_fr;
};

struct dsmap__rule {
	dsmap__vec categories;     /* struct dsmap__category *; empty = all */
	const char *duration;      /* ISO 8601, NULL when none is given */
	const char *duration_min;
	const char *trigger;       /* NULL when none is given */
	const char *condition_fr;
	const char *scope_fr;
};

struct dsmap__purpose {
	const char *id;
	const char *section;
	const char *title_fr;
	const char *title_en;
	dsmap__vec categories;     /* struct dsmap__category * */
	dsmap__vec legal_bases;    /* struct dsmap__legal_basis * */
	const char *retention_fr;
	dsmap__vec rules;          /* struct dsmap__rule * */
	dsmap__vec recipients;     /* struct dsmap__recipient * */
	dsmap__vec subject_kinds;  /* struct dsmap__subject_kind * */
	dsmap__vec transfers;      /* struct dsmap__transfer * */
	const char *objection_fr;
	const char *withdrawal_fr;
	int automated_decision;
	const char *automated_decision_fr;
	dsmap__vec excluded_brands; /* struct dsmap__brand *: the purpose does not apply to them */
	const char *scope_note_fr;  /* the notice's words for the restriction, or NULL */
	struct dsmap__loc loc;
};

/* A key/value option of a system or a source; values may hold ${VAR}
 * references, resolved at scan time. */
struct dsmap__option {
	const char *key;
	const char *value;
};

/* A field of a source that holds an identifier. */
struct dsmap__id_field {
	const char *field;
	int kind;                  /* a dsmap_id_kind */
	struct dsmap__loc loc;
};

/* A field of a source whose non-empty value means these categories. */
struct dsmap__cat_field {
	const char *field;
	dsmap__vec categories;     /* struct dsmap__category * */
	struct dsmap__loc loc;
};

/* One value of a facet field and what it means: a subject kind or a
 * brand id (already checked against the mapping). */
struct dsmap__facet_value {
	const char *value;         /* as the source holds it, compared byte for byte */
	const char *id;            /* subject kind or brand id */
};

/* What a source says about its records' subjects along one facet (the
 * subject kind, the brand): either one fixed id for every record, or a
 * field whose values map to ids.  A record whose value is empty or not in
 * `values` takes `default_id`; without a default its facet is unknown. */
struct dsmap__facet {
	const char *fixed;         /* the id of every record, or NULL */
	const char *field;         /* the field read, or NULL when fixed */
	dsmap__vec values;         /* struct dsmap__facet_value *, in file order */
	const char *default_id;    /* NULL when none */
	struct dsmap__loc loc;
};

/* One table, file or stream of a system. */
struct dsmap__source {
	const char *name;
	const char *timestamp;     /* NULL when none */
	const char *consent;       /* the field recording consent; NULL when none */
	dsmap__vec options;        /* struct dsmap__option * */
	dsmap__vec id_fields;      /* struct dsmap__id_field *, in file order */
	dsmap__vec cat_fields;     /* struct dsmap__cat_field * */
	struct dsmap__facet *subject_kind;  /* `subject_kind`, or NULL: unknown */
	struct dsmap__facet *brand;         /* `brand`, or NULL: unknown */
	struct dsmap__loc loc;
};

/* A source system: systems/ID.yaml. */
struct dsmap__system {
	const char *id;
	const char *name;
	const char *plugin;
	int skip_broken;           /* on_error: skip */
	unsigned int timeout;      /* seconds without progress before the runner is killed */
	dsmap__vec options;        /* struct dsmap__option * */
	dsmap__vec purposes;       /* struct dsmap__purpose *, declared served */
	dsmap__vec sources;        /* struct dsmap__source * */
	struct dsmap__loc loc;
};

/* The default of a system's `timeout`, in seconds. */
#define DSMAP__SYSTEM_TIMEOUT_DEFAULT 300

struct dsmap_mapping {
	dsmap__arena arena;
	dsmap__vec files;          /* const char *, relative paths */
	dsmap__vec diags;          /* dsmap_diag *, the first DSMAP_MAPPING_DIAG_MAX */
	size_t diags_omitted;      /* raised past those */
	size_t errors, warnings, notes;   /* all raised */
	/* notice metadata */
	const char *notice_id;
	const char *notice_version;
	const char *language;
	const char *controller;
	dsmap__vec linking_kinds;  /* const char * */
	dsmap__vec brands;         /* struct dsmap__brand *, in file order */
	/* the model, in file order */
	dsmap__vec categories;     /* struct dsmap__category * */
	dsmap__vec recipients;     /* struct dsmap__recipient * */
	dsmap__vec subject_kinds;
	dsmap__vec rights;
	dsmap__vec purposes;
	dsmap__vec systems;        /* struct dsmap__system *, in id order */
};

/* Parsed YAML documents by git blob id, shared by the loads of many
 * revisions (history, blame): a file unchanged between two revisions is
 * parsed once.  Not thread-safe. */
typedef struct dsmap__doc_cache dsmap__doc_cache;
dsmap__doc_cache *dsmap__doc_cache_new(void);
void dsmap__doc_cache_free(dsmap__doc_cache *cache);

/* dsmap_mapping_load_rev() with a cache (NULL for none). */
int dsmap_mapping__load_rev_cached(dsmap_mapping **out, dsmap_workspace *ws, const char *rev,
                                   dsmap__doc_cache *cache);

/*
 * The git blob id (40 hex, into `out`) of the file that defines `sys` in
 * `m`, as revision `rev` of the workspace's repository holds it under
 * mappings/; *path, when not NULL, the file's path under mappings/
 * (borrowed from `m`).  Two workspaces whose mappings define a system with
 * the same bytes have the same id, whatever else their histories hold:
 * what an agent's and its coordinator's definitions are compared by.
 * 0; DSMAP_ENOTFOUND when the revision has no such file.
 */
int dsmap_mapping__system_blob(char out[41], const char **path, dsmap_workspace *ws,
                               const char *rev, const dsmap_mapping *m,
                               const struct dsmap__system *sys);

/* Lookups; NULL when absent. */
struct dsmap__category *dsmap_mapping__category(const dsmap_mapping *m, const char *ref);
struct dsmap__recipient *dsmap_mapping__recipient(const dsmap_mapping *m, const char *id);
struct dsmap__purpose *dsmap_mapping__purpose(const dsmap_mapping *m, const char *id);
struct dsmap__subject_kind *dsmap_mapping__subject_kind(const dsmap_mapping *m, const char *id);
struct dsmap__system *dsmap_mapping__system(const dsmap_mapping *m, const char *id);
struct dsmap__brand *dsmap_mapping__brand(const dsmap_mapping *m, const char *id);

/* Whether identifiers of `kind` link records, as notice.yaml's
 * linking_identifier_kinds says. */
int dsmap_mapping__links(const dsmap_mapping *m, int kind);

const char *dsmap__recipient_kind_name(int kind);

#endif
