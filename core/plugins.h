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

#endif
