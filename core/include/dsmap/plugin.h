/*
 * dsmap: data-subject inventory and lineage mapper.
 *
 * plugin.h: the ABI between dsmap and its source-system plugins.
 *
 * This header stands alone: a plugin includes it and nothing else of dsmap,
 * and never links against libdsmap.  Everything a plugin needs from the
 * host comes through the dsmap_plugin_host table it is given.
 *
 * A plugin is a shared object that exports one function,
 *
 *     const dsmap_plugin_descriptor *dsmap_plugin_entry(void);
 *
 * returning a constant descriptor.  The host loads a plugin only when the
 * descriptor's abi_major equals DSMAP_PLUGIN_ABI_MAJOR and its abi_minor is
 * not newer than the host's; fields past the descriptor's struct_size are
 * treated as absent, so a plugin built against an older minor keeps
 * working.  New fields are only ever appended, with a minor bump.
 *
 * The same rule holds for the structs the two sides exchange: a field
 * added by a minor is appended to its struct.  The host fills every field
 * of what it passes (a plugin built against an older minor reads fewer of
 * them), and reads the fields a plugin fills only when the plugin's
 * descriptor announces a minor that has them.
 *
 * History:
 *  - 1.0: the first ABI.
 *  - 1.1: attribute fields: dsmap_plugin_source.attribute_fields names
 *    fields whose values the host needs (the subject kind, the brand), and
 *    dsmap_plugin_record.attributes carries their values.  The host reads
 *    `attributes` only from a plugin of minor 1 or later; the records of
 *    a 1.0 plugin have no attributes (their facets are unknown).
 *
 * Rules for plugins:
 *  - no global or static mutable state: everything lives in the context
 *    that open() returns;
 *  - never call exit() or abort(), never write to stdout (the host may use
 *    it), report errors through host->set_error() and a negative return;
 *  - every pointer the host passes is borrowed for the duration of the
 *    call; every pointer the plugin passes to a callback is borrowed by the
 *    host for the duration of that callback (copy what you keep).
 *
 * The host runs each scan in a separate process, so a plugin that crashes or
 * hangs fails its own system's scan and nothing else.
 */
#ifndef DSMAP_PLUGIN_H
#define DSMAP_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI this header describes. */
#define DSMAP_PLUGIN_ABI_MAJOR 1
#define DSMAP_PLUGIN_ABI_MINOR 1

/** The name of the one symbol a plugin exports. */
#define DSMAP_PLUGIN_ENTRY_SYMBOL "dsmap_plugin_entry"

/** Marks the entry point exported from a plugin built with
 *  -fvisibility=hidden. */
#if defined(__GNUC__) && __GNUC__ >= 4
# define DSMAP_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
# define DSMAP_PLUGIN_EXPORT
#endif

/** Return codes of plugin functions: 0 or one of these. */
enum {
	DSMAP_PLUGIN_OK = 0,
	DSMAP_PLUGIN_ERROR = -1,      /**< a failure; the message was set */
	DSMAP_PLUGIN_ECONFIG = -2,    /**< the configuration is wrong */
	DSMAP_PLUGIN_ECONNECT = -3,   /**< the source cannot be reached or refuses us */
	DSMAP_PLUGIN_EDATA = -4,      /**< the source's data is malformed */
	DSMAP_PLUGIN_ESTOP = -5       /**< the host asked to stop (a callback returned non-zero) */
};

/** Kinds of identifier a record can carry.  The host normalises and
 *  validates the raw value; a plugin reports it as the source holds it. */
typedef enum {
	DSMAP_ID_EMAIL = 1,
	DSMAP_ID_PHONE = 2,
	DSMAP_ID_NATIONAL_REGISTER_NUMBER = 3,
	DSMAP_ID_CUSTOMER_NUMBER = 4,
	DSMAP_ID_ACCOUNT_ID = 5,
	DSMAP_ID_IMEI = 6,
	DSMAP_ID_IP = 7,
	DSMAP_ID_DEVICE_ID = 8
} dsmap_id_kind;

/** The per-source option that names a record's locator field.
 *
 *  A locator is stored in the inventory and printed by `dsmap locate`, so it
 *  must hold no personal data: it is a row id, a line number, or the value
 *  of a field that the mapping does not list under `identifiers` or
 *  `categories`.  A plugin whose locator quotes a field's value takes that
 *  field in this option, under this name and no other, so that dsmap can
 *  check it without loading the plugin: `dsmap check` refuses a source
 *  whose `key` names one of its identifier or category fields (ASCII case
 *  ignored).  The plugin refuses it again at open() with DSMAP_PLUGIN_ECONFIG,
 *  comparing names the way it resolves them in the source (SQLite ignores
 *  case; an alias of the row id is the column it aliases), and never picks
 *  such a field as a default locator. */
#define DSMAP_PLUGIN_KEY_OPTION "key"

/** A key/value option from the system definition ("path", "delimiter"...). */
typedef struct {
	const char *key;
	const char *value;
} dsmap_plugin_option;

/** A field that holds an identifier of one kind. */
typedef struct {
	const char *field;   /**< column, CSV header or dotted JSON path */
	int kind;            /**< a dsmap_id_kind */
} dsmap_plugin_id_field;

/** A field whose non-empty value means the record holds these categories. */
typedef struct {
	const char *field;
	size_t category_count;
	const char *const *categories;   /**< "GROUP/ID", e.g. "collected/birth-date" */
} dsmap_plugin_category_field;

/** One table, file or stream of a system, as its definition maps it. */
typedef struct {
	const char *name;                        /**< table, file or stream name */
	size_t id_field_count;
	const dsmap_plugin_id_field *id_fields;
	size_t category_field_count;
	const dsmap_plugin_category_field *category_fields;
	const char *timestamp_field;             /**< NULL when none */
	size_t option_count;                     /**< per-source options */
	const dsmap_plugin_option *options;
	/* ABI 1.1 */
	/** Fields whose value the host needs as is (the field that tells a
	 *  record's subject kind or brand): a plugin reports each record's
	 *  values in dsmap_plugin_record.attributes, in this order.  Named like
	 *  the other fields (column, CSV header, dotted JSON path); distinct;
	 *  may be 0 / NULL. */
	size_t attribute_field_count;
	const char *const *attribute_fields;
} dsmap_plugin_source;

/** What a plugin is opened with. */
typedef struct {
	const char *system_id;                   /**< for messages */
	size_t option_count;                     /**< connection options */
	const dsmap_plugin_option *options;
	size_t source_count;
	const dsmap_plugin_source *sources;
} dsmap_plugin_config;

/** One identifier of a record. */
typedef struct {
	int kind;             /**< a dsmap_id_kind */
	const char *value;    /**< raw value, not NUL-terminated */
	size_t len;
} dsmap_plugin_identifier;

/** The value of an attribute field in one record (ABI 1.1). */
typedef struct {
	const char *value;    /**< as the source holds it, not NUL-terminated;
	                       *   NULL when the record has no such field or
	                       *   it is NULL there */
	size_t len;           /**< 0 when value is NULL; an empty value is a
	                       *   non-NULL value of length 0 */
} dsmap_plugin_value;

/** One record: what a row, line or document holds about one subject. */
typedef struct {
	const dsmap_plugin_source *source;       /**< which source it came from */
	uint64_t number;                         /**< 1-based record number in the source */
	size_t identifier_count;
	const dsmap_plugin_identifier *identifiers;
	size_t category_count;
	const char *const *categories;           /**< "GROUP/ID" */
	const char *locator;                     /**< opaque, e.g. "customers/42"; not NUL-terminated */
	size_t locator_len;
	int64_t created;                         /**< seconds since the epoch; 0 when unknown */
	int64_t updated;
	/* ABI 1.1 */
	/** source->attribute_field_count values, in the order of
	 *  source->attribute_fields (a plugin may also send 0 / NULL when the
	 *  source has none).  The host reads them only when the plugin's
	 *  descriptor says abi_minor >= 1. */
	size_t attribute_count;
	const dsmap_plugin_value *attributes;
} dsmap_plugin_record;

/** Called by a plugin for each record.  A non-zero return asks the plugin to
 *  stop; the plugin then returns DSMAP_PLUGIN_ESTOP. */
typedef int (*dsmap_plugin_record_fn)(const dsmap_plugin_record *record, void *payload);

/** Called by a plugin for a record it could not read and skipped (when the
 *  source's policy is to skip); `reason` names what is wrong, never a value. */
typedef int (*dsmap_plugin_reject_fn)(const dsmap_plugin_source *source, uint64_t number,
                                      const char *reason, void *payload);

/** What the host offers a plugin. */
typedef struct dsmap_plugin_host {
	unsigned int abi_major;
	unsigned int abi_minor;
	size_t struct_size;
	/** Set the message of the error being returned (printf-style). */
	void (*set_error)(struct dsmap_plugin_host *host, const char *fmt, ...)
#if defined(__GNUC__)
		__attribute__((format(printf, 2, 3)))
#endif
		;
	/** The host's private data; a plugin never touches it. */
	void *host_data;
} dsmap_plugin_host;

/** The plugin's descriptor, returned by dsmap_plugin_entry(). */
typedef struct {
	unsigned int abi_major;    /**< DSMAP_PLUGIN_ABI_MAJOR the plugin was built with */
	unsigned int abi_minor;    /**< DSMAP_PLUGIN_ABI_MINOR the plugin was built with */
	size_t struct_size;        /**< sizeof(dsmap_plugin_descriptor) at build time */
	const char *name;          /**< e.g. "sqlite"; what systems name in `plugin:` */
	const char *version;       /**< the plugin's own version */
	const char *description;   /**< one line */
	const char *config_help;   /**< the options it understands, one per line */

	/** Connect to the source.  On success *ctx is the plugin's context. */
	int (*open)(void **ctx, dsmap_plugin_host *host, const dsmap_plugin_config *config);
	/** Stream every record of every source to `record`.  `reject` may be NULL. */
	int (*scan)(void *ctx, dsmap_plugin_record_fn record, dsmap_plugin_reject_fn reject,
	            void *payload);
	/** Optional (may be NULL): stream the records that hold one of the
	 *  given identifiers, for a live check of one subject. */
	int (*lookup)(void *ctx, size_t identifier_count,
	              const dsmap_plugin_identifier *identifiers,
	              dsmap_plugin_record_fn record, void *payload);
	/** Disconnect and free the context.  NULL is a no-op. */
	void (*close)(void *ctx);
} dsmap_plugin_descriptor;

/** The entry point's type. */
typedef const dsmap_plugin_descriptor *(*dsmap_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* DSMAP_PLUGIN_H */
