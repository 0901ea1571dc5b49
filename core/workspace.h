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

/* Take the workspace's scan lock (.dsmap/scan.lock), without waiting:
 * one scan at a time, and nothing drops generations while a scan writes
 * one.  *fd holds the lock until dsmap_workspace__unlock(*fd).  Returns 0;
 * DSMAP_EBUSY when another holds it; DSMAP_EIO. */
int dsmap_workspace__lock(dsmap_workspace *ws, int *fd);
void dsmap_workspace__unlock(int fd);

#endif
