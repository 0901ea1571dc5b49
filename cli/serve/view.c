/*
 * dsmap serve --replica: the snapshot each request reads (server.h).
 *
 * `dsmap replica` swaps DIR/current to a new snapshot while the server
 * runs.  A request looks at the link once (one readlink), and the first
 * one that sees it moved opens the new snapshot, without a lock held
 * over any other request: they go on with the view they hold, whose store
 * stays open, even though its files were removed, until the last of them
 * lets it go.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static struct serve_view *view_new(struct server *s)
{
	struct serve_view *v = calloc(1, sizeof(*v));

	if (v == NULL) {
		fprintf(stderr, "dsmap: serve: replica %s: out of memory\n", s->replica);
		return NULL;
	}
	if (dsmap_replica_workspace_open(&v->ws, &v->info, s->replica, 0) < 0) {
		free(v);
		return NULL;
	}
	atomic_init(&v->refs, 1);
	snprintf(v->generation, sizeof(v->generation), "%llu",
	         (unsigned long long)v->info.generation);
	snprintf(v->target, sizeof(v->target), "snapshots/%s", v->info.id);
	return v;
}

int serve_view_open(struct server *s)
{
	if ((s->view = view_new(s)) == NULL) {
		fprintf(stderr, "dsmap: serve: %s\n", dsmap_error_last()->message);
		return -1;
	}
	return 0;
}

void serve_view_put(struct serve_view *v)
{
	if (v == NULL || atomic_fetch_sub(&v->refs, 1) != 1)
		return;
	dsmap_workspace_free(v->ws);
	free(v);
}

/* The snapshot DIR/current points at, when it is not the view's. */
static void swap_in(struct server *s, const char *target)
{
	struct serve_view *v, *old;

	/* one thread opens it; the others read the old view meanwhile */
	if (pthread_mutex_trylock(&s->swap_lock) != 0)
		return;
	pthread_mutex_lock(&s->view_lock);
	v = s->view;
	pthread_mutex_unlock(&s->view_lock);
	if (strcmp(v->target, target) == 0 || strcmp(s->failed_target, target) == 0)
		goto done;
	if ((v = view_new(s)) == NULL) {
		/* said once a snapshot; the old one goes on being served */
		fprintf(stderr, "dsmap: serve: replica %s: still serving %s: %s\n", s->replica,
		        s->view->target, dsmap_error_last()->message);
		snprintf(s->failed_target, sizeof(s->failed_target), "%s", target);
		goto done;
	}
	pthread_mutex_lock(&s->view_lock);
	old = s->view;
	s->view = v;
	pthread_mutex_unlock(&s->view_lock);
	fprintf(stderr, "dsmap: serve: replica %s: now serving snapshot %s (generation %s)\n",
	        s->replica, v->info.id, v->generation);
	serve_view_put(old);
done:
	pthread_mutex_unlock(&s->swap_lock);
}

struct serve_view *serve_view_get(struct server *s)
{
	char target[256];
	struct serve_view *v;
	int moved;

	if (dsmap_replica_current(target, sizeof(target), s->replica) == 0) {
		/* compared under the lock: a swap may free the view once let go */
		pthread_mutex_lock(&s->view_lock);
		moved = strcmp(s->view->target, target) != 0;
		pthread_mutex_unlock(&s->view_lock);
		if (moved)
			swap_in(s, target);
	}
	pthread_mutex_lock(&s->view_lock);
	v = s->view;
	atomic_fetch_add(&v->refs, 1);
	pthread_mutex_unlock(&s->view_lock);
	return v;
}
