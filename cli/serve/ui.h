/*
 * dsmap serve: the web UI's assets, built into the binary.
 *
 * cli/serve/ui_assets.c is generated from the files of cli/serve/ui/ by
 * Makefile.am; the table ends with a NULL name.  Nothing is read from
 * disk, nothing from the network.
 */
#ifndef DSMAP_SERVE_UI_H
#define DSMAP_SERVE_UI_H

#include <stddef.h>

struct ui_asset {
	const char *name;     /* "app.js" */
	const char *type;     /* its Content-Type */
	const char *data;
	size_t len;
};

extern const struct ui_asset ui_assets[];

#endif
