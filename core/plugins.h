/*
 * Internal: the loaded-plugin handle, for the scan runner.
 */
#ifndef DSMAP_CORE_PLUGINS_H
#define DSMAP_CORE_PLUGINS_H

#include "dsmap/plugin.h"
#include "dsmap/plugins.h"

struct dsmap_plugin {
	void *handle;                          /* from dlopen */
	const dsmap_plugin_descriptor *desc;   /* the plugin's, constant */
	dsmap_plugin_info info;                /* path owned, the rest the plugin's */
};

/* The file of plugin `name` (NAME.so) on the search path (NULL: the
 * default, DSMAP_PLUGIN_PATH first), without loading it; *out is malloc'ed. */
int dsmap_plugin__locate(char **out, const char *search_path, const char *name);

#endif
