/*
 * dsmap: data-subject inventory and lineage mapper.
 *
 * workspace.h: a workspace is a directory that is at once
 *
 *   - a git repository whose mappings/ folder holds the notice and the
 *     system landscape as YAML, one commit per version;
 *   - .dsmap/store, the LMDB store (see store.h);
 *   - .dsmap/secret.key, the workspace's secret for keyed hashing of
 *     identifiers (32 random bytes, mode 0600, never committed).
 *
 * .dsmap/ is listed in the repository's info/exclude, so `git add -A` in the
 * workspace never picks it up.
 *
 * A workspace is private to the user who owns it.  Opening one refuses it
 * (DSMAP_EPERM) when its top directory, .dsmap/, the store's directory or
 * files are writable by group or others, when the secret key is readable
 * or writable by them, or when another user owns any of these; the message
 * gives, for each, the chmod or chown that puts it right.  A top directory
 * others may read (a git checkout is often 0755) is fine.
 */
#ifndef DSMAP_WORKSPACE_H
#define DSMAP_WORKSPACE_H

#include "common.h"
#include "store.h"

DSMAP_BEGIN_DECL

/** An open workspace.  Opaque. */
typedef struct dsmap_workspace dsmap_workspace;

/** Options for dsmap_workspace_init().  Initialise with
 *  DSMAP_WORKSPACE_INIT_OPTIONS_INIT. */
typedef struct {
	/** DSMAP_WORKSPACE_INIT_OPTIONS_VERSION */
	unsigned int version;
	/** A directory whose files seed the repository's mappings/ folder, or
	 *  NULL for the notice mapping built into the library. */
	const char *mappings_dir;
	/** The first commit's message, or NULL for the default. */
	const char *message;
} dsmap_workspace_init_options;

#define DSMAP_WORKSPACE_INIT_OPTIONS_VERSION 1
#define DSMAP_WORKSPACE_INIT_OPTIONS_INIT { DSMAP_WORKSPACE_INIT_OPTIONS_VERSION, NULL, NULL }

/**
 * Create a workspace in directory `path` (created when missing) and open it.
 *
 * Whatever the process umask, `path` when this call creates it, .dsmap/
 * and the store's directory are made 0700, the key and the store's files
 * 0600, and the mapping files never writable by group or others.  The
 * repository (.git) is made by libgit2 under the process umask: dsmap init
 * sets 077 for it.  An existing `path` that others may write, or that
 * another user owns, is refused before anything is made.
 *
 * The first commit of the mapping repository holds the mapping files; its
 * author is taken from git's configuration (user.name, user.email), or is
 * "dsmap <dsmap@localhost>" when none is set.  When creation fails half-way,
 * whatever it created is removed again.
 *
 * @param out set to the open workspace; free it with dsmap_workspace_free()
 * @param path the directory
 * @param opts options, or NULL for the defaults
 * @return 0; DSMAP_EEXISTS when `path` holds a workspace or a git
 *         repository already; DSMAP_EPERM when it cannot be written, or
 *         others may write it; another DSMAP_E* code otherwise
 */
DSMAP_EXTERN(int) dsmap_workspace_init(dsmap_workspace **out, const char *path,
                                       const dsmap_workspace_init_options *opts);

/**
 * Open the workspace whose top directory is exactly `path`.
 *
 * This reads the secret key and opens the store.  The mapping repository is
 * opened, and libgit2 loaded and initialised (one git_libgit2_init(),
 * released by dsmap_workspace_free()), only when a call first reads it: a
 * workspace used to locate, to list or for the lineage of the synced
 * revision never loads libgit2, nor does a status while HEAD has not moved.
 * A damaged repository is reported by that call.
 *
 * @param out set to the open workspace; free it with dsmap_workspace_free()
 * @param path the workspace's top directory
 * @return 0; DSMAP_ENOTFOUND when `path` is not a workspace; DSMAP_EPERM when
 *         it is not private (see above); DSMAP_ECORRUPT, DSMAP_EVERSION...
 *         from the store
 */
DSMAP_EXTERN(int) dsmap_workspace_open(dsmap_workspace **out, const char *path);

/**
 * Find and open the workspace that holds directory `start`, looking at
 * `start` and then at each parent directory up to the root, as git does.
 *
 * @param out set to the open workspace; free it with dsmap_workspace_free()
 * @param start where to start looking; NULL for the current directory
 * @return 0, DSMAP_ENOTFOUND when no workspace holds `start`, or an error of
 *         dsmap_workspace_open()
 */
DSMAP_EXTERN(int) dsmap_workspace_discover(dsmap_workspace **out, const char *start);

/** Close a workspace and free it.  NULL is a no-op. */
DSMAP_EXTERN(void) dsmap_workspace_free(dsmap_workspace *ws);

/** The workspace's top directory, absolute.  Owned by the workspace. */
DSMAP_EXTERN(const char *) dsmap_workspace_path(const dsmap_workspace *ws);

/** The workspace's store.  Owned by the workspace. */
DSMAP_EXTERN(dsmap_store *) dsmap_workspace_store(dsmap_workspace *ws);

/** How many of a system's subjects and records hold one category. */
typedef struct {
	/** the category, "GROUP/ID" */
	const char *category;
	uint64_t subjects;
	uint64_t records;
} dsmap_system_category;

/**
 * Commit the mapping work tree: every file added, changed or deleted under
 * mappings/ becomes a new commit on HEAD, with the repository's configured
 * author (else "dsmap").
 *
 * @param out the new commit's id in hex (41 bytes with the NUL), or NULL
 * @param ws the workspace
 * @param message the commit message
 * @return 0; DSMAP_EINVALID when nothing changed
 */
DSMAP_EXTERN(int) dsmap_workspace_commit(char out[41], dsmap_workspace *ws, const char *message);

/** Identifiers of one kind that name too many subjects of a system. */
typedef struct {
	/** the identifier kind ("email", "national-register-number", ...), or
	 *  "unknown" */
	const char *kind;
	/** how many such identifiers its last scan found */
	uint64_t identifiers;
	/** the most subjects one of them names */
	uint64_t most_subjects;
} dsmap_identity_conflict;

/** What dsmap knows of one source system, in dsmap_status. */
typedef struct {
	/** the system id (its file name in mappings/systems/, without .yaml) */
	const char *id;
	/** 1 when mappings/systems/<id>.yaml exists at the repository's HEAD */
	int declared;
	/** when its last scan committed, in seconds since the epoch; 0: never */
	int64_t last_scan;
	/** records and distinct subjects its last scan stored */
	uint64_t records;
	uint64_t subjects;
	/** records its last scan left out, and identifiers it refused */
	uint64_t rejected;
	uint64_t invalid;
	/** the oldest and newest record timestamps held; 0 when none */
	int64_t first_seen;
	int64_t last_seen;
	/** the mapping commit (hex) whose definition the last scan used; "" */
	char commit[41];
	/** the categories it holds, in category-number order */
	size_t category_count;
	dsmap_system_category *categories;
	/** when it left the mapping (its inventory dropped, the counts above
	 *  kept from its last scan); 0 while the mapping defines it */
	int64_t retired;
	/** when its last scan failed, when that is after its last good scan
	 *  (last_scan); 0 otherwise */
	int64_t failed_at;
	/** why that scan failed ("" when it did not); never an identifier value */
	const char *failure;
	/** identity conflicts its last scan found, by kind: identifiers (a
	 *  placeholder e-mail, a shared national register number) that name
	 *  more of its subjects than DSMAP_LOCATE_MAX_JOIN, which locate does
	 *  not follow; never their values */
	size_t conflict_count;
	dsmap_identity_conflict *conflicts;
	/** the identifier normalisation rules its inventory was hashed with:
	 *  2 for this dsmap's; 1 for an inventory scanned before e-mail domains
	 *  went through IDNA (a store upgraded from schema 1), to be rescanned
	 *  so that every spelling meets; 0 when it holds no inventory */
	int ident_rules;
} dsmap_system_status;

/** What a workspace holds, from dsmap_workspace_status(). */
typedef struct {
	/** the workspace's top directory */
	const char *path;
	/** the mapping repository's HEAD commit id (hex), "" when it has none */
	char head[41];
	/** the first line of HEAD's commit message */
	const char *head_summary;
	/** the revision last synced into the store (hex), "" when none was */
	char synced[41];
	/** when the workspace was created, in seconds since the epoch */
	int64_t created;
	/** the systems, declared at HEAD or known to the store, sorted by id */
	size_t system_count;
	dsmap_system_status *systems;
	/** the store's sizes */
	dsmap_store_info store;
	/** private: the category names the systems' counters point to */
	char **category_refs;
	size_t category_ref_count;
} dsmap_status;

/**
 * Describe what a workspace holds.
 *
 * @param out set to a new status; free it with dsmap_status_free()
 * @param ws the workspace
 * @return 0 or a negative DSMAP_E* code
 */
DSMAP_EXTERN(int) dsmap_workspace_status(dsmap_status **out, dsmap_workspace *ws);

/** Free a status.  NULL is a no-op. */
DSMAP_EXTERN(void) dsmap_status_free(dsmap_status *status);

/** The JSON status's schema version (its "schema" key). */
#define DSMAP_STATUS_SCHEMA 1

/**
 * Render a status as JSON: what `dsmap status --format json` prints and
 * `GET /v1/status` answers.  An object with "schema" (DSMAP_STATUS_SCHEMA),
 * "workspace", "created", "head" {"commit", "summary"}, "synced",
 * "systems" (one object per dsmap_system_status, its fields by the same
 * names; "invalid_identifiers", "identity_conflicts", "identifier_rules")
 * and "store" (schema, used_bytes, file_bytes, map_bytes, page_size).
 *
 * @param out set to the NUL-terminated answer, ending in "\n"; free it
 *        with dsmap_free()
 * @param status the status
 * @param format DSMAP_FORMAT_JSON (indented) or DSMAP_FORMAT_JSON_LINE
 *        (one line), of <dsmap/lineage.h>
 * @return 0; DSMAP_EINVALID for another format; DSMAP_ENOMEM
 */
DSMAP_EXTERN(int) dsmap_status_render(char **out, const dsmap_status *status, int format);

DSMAP_END_DECL

#endif /* DSMAP_WORKSPACE_H */
