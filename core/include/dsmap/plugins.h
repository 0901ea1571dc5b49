/*
 * dsmap: data-subject inventory and lineage mapper.
 *
 * plugins.h: finding and loading source-system plugins (the host side of
 * the ABI in <dsmap/plugin.h>).
 *
 * Plugins are searched in the directories of a search path: by default
 * $DSMAP_PLUGIN_PATH (colon-separated), then, for a program of dsmap's
 * build tree that is not installed, the plugins built in that tree
 * (dsmap_plugin_build_dir()), then the directory dsmap was installed with
 * (dsmap_plugin_install_dir()).  A plugin file is refused
 * when it, or the directory that holds it, can be written by others, or
 * when it is owned by neither root nor the user running dsmap: loading it
 * runs its code.
 */
#ifndef DSMAP_PLUGINS_H
#define DSMAP_PLUGINS_H

#include "common.h"

DSMAP_BEGIN_DECL

/** A loaded plugin.  Opaque. */
typedef struct dsmap_plugin dsmap_plugin;

/** What a plugin says of itself.  Strings belong to the plugin handle. */
typedef struct {
	const char *path;          /**< the file it was loaded from */
	const char *name;          /**< what systems name in `plugin:` */
	const char *version;
	const char *description;
	const char *config_help;   /**< the options it understands, one per line */
	unsigned int abi_major;    /**< the plugin ABI it was built for */
	unsigned int abi_minor;
	int has_lookup;            /**< 1 when it offers per-subject lookups */
} dsmap_plugin_info;

/**
 * Load the plugin in file `path` and check its ABI.
 *
 * @param out set to the plugin; free it with dsmap_plugin_free()
 * @param path the shared object
 * @return 0; DSMAP_EPERM when the file's ownership or mode is unsafe;
 *         DSMAP_EABI when it was built for another major ABI or a newer
 *         minor one (the message names both versions); DSMAP_EINVALID when
 *         it is not a dsmap plugin; DSMAP_ENOTFOUND when there is no file
 */
DSMAP_EXTERN(int) dsmap_plugin_load(dsmap_plugin **out, const char *path);

/** What the plugin says of itself.  Valid until dsmap_plugin_free(). */
DSMAP_EXTERN(const dsmap_plugin_info *) dsmap_plugin_info_get(const dsmap_plugin *plugin);

/** Unload a plugin.  NULL is a no-op. */
DSMAP_EXTERN(void) dsmap_plugin_free(dsmap_plugin *plugin);

/** The directory plugins were installed in (the build's $(pkglibdir)). */
DSMAP_EXTERN(const char *) dsmap_plugin_install_dir(void);

/**
 * The directory of the plugins built beside the running program when it is
 * an uninstalled build (its executable lives in the build tree this
 * libdsmap was configured in), or NULL, as for any installed program.
 */
DSMAP_EXTERN(const char *) dsmap_plugin_build_dir(void);

/**
 * Called for each plugin file found: `plugin` is the loaded plugin, or NULL
 * when it was refused, and then `error` says why.  Both are borrowed for
 * the call.  A non-zero return stops the walk and is returned.
 */
typedef int (*dsmap_plugin_each_fn)(const char *path, const dsmap_plugin *plugin,
                                    const char *error, void *payload);

/**
 * Load every plugin (every *.so file) of a search path, in order, and call
 * `fn` for each.  A file name met again in a later directory is skipped:
 * the first one wins.
 *
 * @param search_path colon-separated directories, or NULL for the default
 *        ($DSMAP_PLUGIN_PATH, then dsmap_plugin_build_dir() when it is
 *        not NULL, then dsmap_plugin_install_dir())
 * @return 0, or what `fn` returned to stop
 */
DSMAP_EXTERN(int) dsmap_plugin_each(const char *search_path, dsmap_plugin_each_fn fn,
                                    void *payload);

/**
 * Find and load the plugin called `name` (NAME.so) in a search path.
 *
 * @return 0, DSMAP_ENOTFOUND when no directory has it, or an error of
 *         dsmap_plugin_load()
 */
DSMAP_EXTERN(int) dsmap_plugin_find(dsmap_plugin **out, const char *search_path,
                                    const char *name);

DSMAP_END_DECL

#endif /* DSMAP_PLUGINS_H */
