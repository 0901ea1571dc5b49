/*
 * dsmap serve: the web UI's sessions.  See session.h.
 *
 * A flat array: a few hundred auditors at most, and a lookup compares
 * every live id in constant time (sodium_memcmp), so that how long a
 * lookup takes tells nothing of how close a guess came.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "session.h"

struct entry {
	int used;
	char id[SESSION_ID_LEN + 1];
	time_t idle_until, until;
	struct session_info info;
};

struct sessions {
	pthread_mutex_t lock;
	size_t max;
	time_t idle, life;
	struct entry *e;
};

void session_random_hex(char out[SESSION_ID_LEN + 1])
{
	unsigned char b[SESSION_ID_LEN / 2];

	randombytes_buf(b, sizeof(b));
	sodium_bin2hex(out, SESSION_ID_LEN + 1, b, sizeof(b));
	sodium_memzero(b, sizeof(b));
}

sessions *sessions_new(size_t max, time_t idle, time_t life)
{
	sessions *t;

	if (max == 0 || sodium_init() < 0 || (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if ((t->e = calloc(max, sizeof(*t->e))) == NULL) {
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->lock, NULL);
	t->max = max;
	t->idle = idle;
	t->life = life;
	return t;
}

void sessions_free(sessions *t)
{
	if (t == NULL)
		return;
	sodium_memzero(t->e, t->max * sizeof(*t->e));
	free(t->e);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static int live(const struct entry *e, time_t now)
{
	return e->used && now < e->idle_until && now < e->until;
}

static void drop(struct entry *e)
{
	sodium_memzero(e, sizeof(*e));
}

/* The used entry whose id is `id`, every used entry compared. */
static struct entry *find(sessions *t, const char *id)
{
	struct entry *hit = NULL;
	size_t i;

	if (id == NULL || strlen(id) != SESSION_ID_LEN)
		return NULL;
	for (i = 0; i < t->max; i++)
		if (t->e[i].used && sodium_memcmp(t->e[i].id, id, SESSION_ID_LEN) == 0)
			hit = &t->e[i];
	return hit;
}

int sessions_create(sessions *t, int role, const char *name, time_t now,
                    char id[SESSION_ID_LEN + 1], struct session_info *info)
{
	struct entry *slot = NULL;
	size_t i;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->max && slot == NULL; i++)
		if (!live(&t->e[i], now))
			slot = &t->e[i];
	if (slot == NULL) {   /* full: the one closest to its end goes */
		slot = &t->e[0];
		for (i = 1; i < t->max; i++) {
			time_t a = t->e[i].idle_until < t->e[i].until ? t->e[i].idle_until : t->e[i].until;
			time_t b = slot->idle_until < slot->until ? slot->idle_until : slot->until;

			if (a < b)
				slot = &t->e[i];
		}
	}
	drop(slot);
	slot->used = 1;
	session_random_hex(slot->id);
	session_random_hex(slot->info.csrf);
	slot->info.role = role;
	snprintf(slot->info.name, sizeof(slot->info.name), "%s", name != NULL ? name : "");
	slot->idle_until = now + t->idle;
	slot->until = now + t->life;
	memcpy(id, slot->id, SESSION_ID_LEN + 1);
	*info = slot->info;
	pthread_mutex_unlock(&t->lock);
	return 0;
}

int sessions_lookup(sessions *t, const char *id, time_t now, struct session_info *info)
{
	struct entry *e;
	int rc = -1;

	pthread_mutex_lock(&t->lock);
	if ((e = find(t, id)) != NULL) {
		if (live(e, now)) {
			e->idle_until = now + t->idle;
			*info = e->info;
			rc = 0;
		} else {
			drop(e);
		}
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

int sessions_end(sessions *t, const char *id)
{
	struct entry *e;
	int rc = -1;

	pthread_mutex_lock(&t->lock);
	if ((e = find(t, id)) != NULL) {
		drop(e);
		rc = 0;
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

size_t sessions_end_name(sessions *t, const char *name)
{
	size_t i, n = 0;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->max; i++)
		if (t->e[i].used && strcmp(t->e[i].info.name, name) == 0) {
			drop(&t->e[i]);
			n++;
		}
	pthread_mutex_unlock(&t->lock);
	return n;
}

size_t sessions_count(sessions *t, time_t now)
{
	size_t i, n = 0;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->max; i++)
		n += live(&t->e[i], now) ? 1 : 0;
	pthread_mutex_unlock(&t->lock);
	return n;
}

int session_csrf_ok(const char *expected, const char *given)
{
	if (expected == NULL || given == NULL || strlen(expected) != SESSION_ID_LEN ||
	    strlen(given) != SESSION_ID_LEN)
		return 0;
	return sodium_memcmp(expected, given, SESSION_ID_LEN) == 0;
}

int session_cookie(const char *header, const char *name, char *out, size_t n)
{
	size_t len = strlen(name);
	const char *p = header;

	if (header == NULL || n == 0)
		return -1;
	while (*p != '\0') {
		const char *end;

		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) > len && strncmp(p, name, len) == 0 && p[len] == '=') {
			const char *v = p + len + 1;
			size_t vn = (size_t)(end - v);

			while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
				vn--;
			if (vn == 0 || vn + 1 > n)   /* an empty value is none */
				return -1;
			memcpy(out, v, vn);
			out[vn] = '\0';
			return 0;
		}
		p = end;
	}
	return -1;
}
