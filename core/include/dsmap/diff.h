/*
 * dsmap: data-subject inventory and lineage mapper.
 *
 * diff.h: the semantic diff between two versions of the notice mapping.
 *
 * Two loaded mappings are compared as models, not as text: purposes,
 * their categories, legal bases, retention and recipients; recipients'
 * kinds and transfers outside the EEA; categories and recipients overall;
 * source systems, what their fields hold and the purposes they declare.
 * Reordering a list, re-indenting a file, rewording a French text that is
 * not a title, or writing P1Y as P12M is no change.  Subject kinds, rights,
 * the names of categories and recipients and a purpose's other texts are
 * not compared.
 *
 * Purposes are matched by id.  A purpose id that disappears while one
 * appears with the same section (or, failing that, the same French title),
 * each the only one of its side to have it, is taken as renamed: the
 * purpose is then compared with its new self, and systems that declare the
 * old id before and the new id after do not change.
 *
 * What each change fills (fields not named are NULL, direction 0):
 *
 *  - purpose-added, purpose-removed: purpose; after (added) or before
 *    (removed) "SECTION TITLE_FR".
 *  - purpose-renamed: purpose (the new id); before and after
 *    "ID: SECTION TITLE_FR".
 *  - purpose-category-added, -removed: purpose, category; after or before
 *    the category's name_fr.
 *  - legal-basis-changed: purpose; before and after the GDPR bases,
 *    "6(1)(b), 6(1)(f)".
 *  - retention-changed: purpose, category; before and after the rules that
 *    apply to the category, in words, longest first, "7 years after the
 *    end of the contract; until the end of the contractual relationship";
 *    direction, see below.
 *  - purpose-recipient-added, -removed: purpose, recipient; after or before
 *    "KIND" or "KIND; outside the EEA: TRANSFERS"; direction +1 when a
 *    recipient that transfers data outside the EEA is added.
 *  - recipient-kind-changed: recipient; before and after the kinds.
 *  - recipient-transfer-changed: recipient (or, for the transfers a purpose
 *    itself states, purpose and no recipient); before and after TRANSFERS
 *    or "none"; direction, see below.
 *  - category-added, -removed: category; after or before its name_fr.
 *  - recipient-added, -removed: recipient; after or before as for
 *    purpose-recipient-added; direction +1 when added and outside the EEA.
 *  - system-added, -removed: system; after or before its name.
 *  - system-mapping-changed: system, source, field (see below).
 *  - system-purpose-added, -removed: system, purpose.
 *
 * TRANSFERS reads "countries US, IN; safeguards standard-contractual-clauses"
 * ("no country named" when the notice names none), over all the transfers
 * of the recipient or purpose.
 *
 * Retention: the rules that apply to a category of a purpose are those
 * whose categories list it, and those without a categories list.  A change
 * is reported for each category the purpose has before and after whose
 * set of rules (duration, duration_min, trigger) differs.  Its direction
 * compares, trigger by trigger, the longest duration: -1 when some got
 * shorter and none longer, +1 when some got longer and none shorter, 0
 * ("other") when a trigger appears or disappears, a duration becomes or
 * stops being "no period given", or nothing is shorter or longer (a
 * duration_min, or a rule shorter than another of the same trigger).
 * Durations compare as lengths (a year is 365.2425 days, a month a twelfth
 * of that); "P0D" with a trigger ("until the trigger") is the shortest.
 *
 * Transfers: a change when the set of countries or of safeguards differs,
 * or transfers appear or disappear.  Direction +1 when a country was added
 * or transfers appear; -1 when transfers disappear or countries were only
 * removed; 0 otherwise (safeguards only).
 *
 * System mapping: a source added or removed (field NULL; after / before:
 * "categories A, B", the categories its fields hold, or "no category"); or
 * a field of a source in both whose role changed (after / before:
 * "identifier KIND; categories A, B", or "not mapped").  A system's name,
 * plugin and options are not compared.
 *
 * Order: by type, in the order of dsmap_change_type, then by purpose,
 * category, recipient, system, source and field ids (a NULL id first),
 * then by before and after: the same two mappings always give the same
 * list.
 */
#ifndef DSMAP_DIFF_H
#define DSMAP_DIFF_H

#include "common.h"
#include "mapping.h"

DSMAP_BEGIN_DECL

/** What changed.  The values are stable; new ones are appended. */
typedef enum {
	DSMAP_CHANGE_PURPOSE_ADDED = 0,
	DSMAP_CHANGE_PURPOSE_REMOVED = 1,
	DSMAP_CHANGE_PURPOSE_RENAMED = 2,        /**< section or French title, or the id */
	DSMAP_CHANGE_PURPOSE_CATEGORY_ADDED = 3,
	DSMAP_CHANGE_PURPOSE_CATEGORY_REMOVED = 4,
	DSMAP_CHANGE_LEGAL_BASIS_CHANGED = 5,    /**< the set of GDPR bases (6(1)(x)) */
	DSMAP_CHANGE_RETENTION_CHANGED = 6,      /**< per category of the purpose */
	DSMAP_CHANGE_PURPOSE_RECIPIENT_ADDED = 7,
	DSMAP_CHANGE_PURPOSE_RECIPIENT_REMOVED = 8,
	DSMAP_CHANGE_RECIPIENT_KIND_CHANGED = 9,
	DSMAP_CHANGE_RECIPIENT_TRANSFER_CHANGED = 10, /**< transfers outside the EEA */
	DSMAP_CHANGE_CATEGORY_ADDED = 11,
	DSMAP_CHANGE_CATEGORY_REMOVED = 12,
	DSMAP_CHANGE_RECIPIENT_ADDED = 13,
	DSMAP_CHANGE_RECIPIENT_REMOVED = 14,
	DSMAP_CHANGE_SYSTEM_ADDED = 15,
	DSMAP_CHANGE_SYSTEM_REMOVED = 16,
	DSMAP_CHANGE_SYSTEM_MAPPING_CHANGED = 17, /**< a source, or what a field holds */
	DSMAP_CHANGE_SYSTEM_PURPOSE_ADDED = 18,  /**< a system declares it serves the purpose */
	DSMAP_CHANGE_SYSTEM_PURPOSE_REMOVED = 19
} dsmap_change_type;

/**
 * One change.  Its strings belong to the diff and live until
 * dsmap_diff_free(); they do not point into the mappings, which may be
 * freed first.  Only handed out by pointer: members are appended, never
 * reordered.
 */
typedef struct {
	dsmap_change_type type;
	const char *purpose;     /**< the purpose's id, or NULL */
	const char *category;    /**< "group/id", or NULL */
	const char *recipient;   /**< the recipient's id, or NULL */
	const char *system;      /**< the system's id, or NULL */
	const char *before;      /**< a summary of the old value, or NULL (see the table above) */
	const char *after;       /**< a summary of the new value, or NULL */
	int direction;           /**< -1, 0 or +1; see the table above */
	const char *detail;      /**< one line in the notice's terms, e.g. "purpose 7.2.2.3
	                              Promotion ...: retention of observed/consumption-habits
	                              shorter: 2 years from the collection -> 1 year from the collection" */
	const char *source;      /**< for system-mapping-changed: the source's name */
	const char *field;       /**< for system-mapping-changed: the field, or NULL for a
	                              source added or removed */
} dsmap_change;

/** The changes between two mappings.  Opaque. */
typedef struct dsmap_diff dsmap_diff;

/**
 * Compare two mappings.
 *
 * @param out set to the diff (possibly empty); free it with dsmap_diff_free()
 * @param before the older mapping
 * @param after the newer one; may be `before` itself
 * @return 0; DSMAP_EINVALID when an argument is NULL or a mapping has
 *         errors (the message says which); DSMAP_ENOMEM.  *out is NULL on
 *         error.
 */
DSMAP_EXTERN(int) dsmap_diff_mappings(dsmap_diff **out, const dsmap_mapping *before,
                                      const dsmap_mapping *after);

/** The number of changes; 0 for NULL. */
DSMAP_EXTERN(size_t) dsmap_diff_count(const dsmap_diff *diff);

/** Change `i` (0-based, in the order above), or NULL past the end. */
DSMAP_EXTERN(const dsmap_change *) dsmap_diff_get(const dsmap_diff *diff, size_t i);

/** Free a diff and its changes.  NULL is a no-op. */
DSMAP_EXTERN(void) dsmap_diff_free(dsmap_diff *diff);

/** The kebab-case name of a change type ("purpose-added",
 *  "retention-changed", ...), or NULL for a value out of range. */
DSMAP_EXTERN(const char *) dsmap_change_type_name(dsmap_change_type type);

DSMAP_END_DECL

#endif /* DSMAP_DIFF_H */
