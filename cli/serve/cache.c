/*
 * dsmap serve: the cache of rendered lineage answers.  See server.h.
 *
 * A lineage answer at the synced revision is a function of the store's
 * contents, which stay the same while the store's last transaction id
 * does (dsmap_store_last_txn()): a sync, a scan, anything committed moves
 * it.  So the answers are kept under that id, and all dropped when it
 * moves.  The table is direct-mapped: SERVE_CACHE_SLOTS slots, each
 * answer in the slot its key hashes to, replacing what was there, and
 * no answer over SERVE_CACHE_ANSWER_MAX bytes is kept: at most
 * SERVE_CACHE_SLOTS * SERVE_CACHE_ANSWER_MAX bytes in all.
 *
 * The id is read before the answer is rendered, so an answer may be kept
 * under an id older than the snapshot it was rendered from; it is then
 * served only to requests that read that older id, which began before
 * the newer commit was made and end after it: the answer was true during
 * each of them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "server.h"

struct slot {
	uint64_t txnid;
	int kind;
	char *id;
	char *answer;
	size_t len;
};

struct serve_cache {
	pthread_mutex_t mu;
	uint64_t txnid;             /* of every answer held */
	struct slot slots[SERVE_CACHE_SLOTS];
	atomic_ullong hits, misses;
};

/* FNV-1a over the kind and the id. */
static size_t slot_of(int kind, const char *id)
{
	uint64_t h = 14695981039346656037ull;

	h = (h ^ (unsigned char)kind) * 1099511628211ull;
	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 1099511628211ull;
	return (size_t)(h % SERVE_CACHE_SLOTS);
}

static void slot_clear(struct slot *s)
{
	free(s->id);
	free(s->answer);
	memset(s, 0, sizeof(*s));
}

int serve_cache_init(struct server *srv)
{
	struct serve_cache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -1;
	pthread_mutex_init(&c->mu, NULL);
	srv->cache = c;
	return 0;
}

void serve_cache_free(struct server *srv)
{
	struct serve_cache *c = srv->cache;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < SERVE_CACHE_SLOTS; i++)
		slot_clear(&c->slots[i]);
	pthread_mutex_destroy(&c->mu);
	free(c);
	srv->cache = NULL;
}

/* Drop everything held when the store moved past `txnid`. */
static void catch_up(struct serve_cache *c, uint64_t txnid)
{
	size_t i;

	if (txnid <= c->txnid)
		return;
	for (i = 0; i < SERVE_CACHE_SLOTS; i++)
		if (c->slots[i].answer != NULL)
			slot_clear(&c->slots[i]);
	c->txnid = txnid;
}

char *serve_cache_get(struct server *srv, uint64_t txnid, int kind, const char *id)
{
	struct serve_cache *c = srv->cache;
	struct slot *s;
	char *copy = NULL;

	pthread_mutex_lock(&c->mu);
	catch_up(c, txnid);
	s = &c->slots[slot_of(kind, id)];
	if (s->answer != NULL && s->txnid == txnid && s->kind == kind && strcmp(s->id, id) == 0 &&
	    (copy = malloc(s->len + 1)) != NULL)
		memcpy(copy, s->answer, s->len + 1);
	pthread_mutex_unlock(&c->mu);
	atomic_fetch_add(copy != NULL ? &c->hits : &c->misses, 1);
	return copy;
}

void serve_cache_put(struct server *srv, uint64_t txnid, int kind, const char *id,
                     const char *answer)
{
	struct serve_cache *c = srv->cache;
	size_t len = strlen(answer);
	char *a, *i;
	struct slot *s;

	if (len > SERVE_CACHE_ANSWER_MAX)
		return;
	if ((a = malloc(len + 1)) == NULL || (i = strdup(id)) == NULL) {
		free(a);
		return;   /* a cache that cannot grow only costs time */
	}
	memcpy(a, answer, len + 1);
	pthread_mutex_lock(&c->mu);
	catch_up(c, txnid);
	if (txnid == c->txnid) {   /* else an answer of a store already moved past */
		s = &c->slots[slot_of(kind, id)];
		slot_clear(s);
		s->txnid = txnid;
		s->kind = kind;
		s->id = i;
		s->answer = a;
		s->len = len;
		a = i = NULL;
	}
	pthread_mutex_unlock(&c->mu);
	free(a);
	free(i);
}

void serve_cache_stats(struct server *srv, unsigned long long *hits, unsigned long long *misses)
{
	*hits = atomic_load(&srv->cache->hits);
	*misses = atomic_load(&srv->cache->misses);
}
