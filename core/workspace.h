/*
 * Internal: the workspace handle, for the core modules that need its parts.
 */
#ifndef DSMAP_CORE_WORKSPACE_H
#define DSMAP_CORE_WORKSPACE_H

#include <git2.h>

#include "dsmap/workspace.h"

/* Size of the secret key for keyed hashing (crypto_generichash_KEYBYTES). */
#define DSMAP__KEY_SIZE 32

struct dsmap_workspace {
	char *path;     /* absolute top directory */
	char *dotdir;   /* <path>/.dsmap */
	dsmap_store *store;
	git_repository *repo;
	int git_ready;  /* holds a reference on libgit2's global state */
	unsigned char key[DSMAP__KEY_SIZE];
};

#endif
