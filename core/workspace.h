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
	git_repository *repo;   /* NULL until dsmap_workspace__git() */
	int git_ready;  /* holds a reference on libgit2's global state */
	unsigned char key[DSMAP__KEY_SIZE];
};

/* Make ws->repo usable: on first need, initialise libgit2 (one reference,
 * released by dsmap_workspace_free()) and open the mapping repository.
 * Every function that reads ws->repo calls this first; a workspace used
 * only for the store and the key (locate, lineage of the synced revision,
 * ls, status while HEAD is as cached) never initialises libgit2, which
 * costs more than those whole commands (see git.h).  Returns 0 or a
 * DSMAP_E* code with the message "workspace <path>: mapping repository:
 * <libgit2's>". */
int dsmap_workspace__git(dsmap_workspace *ws);

/* Take the workspace's scan lock (.dsmap/scan.lock), without waiting:
 * one scan at a time, and nothing drops generations while a scan writes
 * one.  *fd holds the lock until dsmap_workspace__unlock(*fd).  Returns 0;
 * DSMAP_EBUSY when another holds it; DSMAP_EIO. */
int dsmap_workspace__lock(dsmap_workspace *ws, int *fd);
void dsmap_workspace__unlock(int fd);

/* Open a read replica's workspace (replica.h): `top` is the replica's
 * directory, whose .dsmap/ holds the secret key, the tokens and the access
 * log, checked as a workspace's are; the store is the snapshot in
 * `storedir`, or none when it is NULL (dsmap_workspace_store() is then
 * NULL, and what needs the store fails "store is not open").  It has no
 * mapping repository: what reads git fails with libgit2's message. */
int dsmap_workspace__open_at(dsmap_workspace **out, const char *top, const char *storedir);

#endif
