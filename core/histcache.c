/*
 * The semantic diffs of the notice's history, kept from one run to the
 * next: see histcache.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "alloc.h"
#include "errors.h"
#include "git.h"
#include "histcache.h"
#include "histutil.h"
#include "jsonutil.h"
#include "util.h"

/* Bumped whenever a step's JSON, or what makes a mapping have errors,
 * changes meaning within one dsmap version. */
#define FORMAT 1
#define SUM_HEX (2 * 16)          /* BLAKE2b-128, in hex */
#define STEP_MAX (64u << 20)      /* a step file larger is not read */

struct dsmap__histcache {
	char *dir;                    /* NULL: the cache is off */
};

dsmap__histcache *dsmap__histcache_open(dsmap_workspace *ws)
{
	dsmap__histcache *hc = dsmap__calloc(1, sizeof(*hc));
	char *top;

	if (hc == NULL) {
		dsmap_error__oom();
		return NULL;
	}
	if ((top = dsmap__path_join(ws->dotdir, "cache")) == NULL ||
	    (hc->dir = dsmap__sprintf("%s/diffs-%d-%s", top, FORMAT, PACKAGE_VERSION)) == NULL) {
		free(top);
		free(hc);
		dsmap_error__oom();
		return NULL;
	}
	free(top);
	if (dsmap__mkdir_p(hc->dir, 0700) < 0) {
		/* a workspace we may not write to: no cache, the same answers */
		dsmap_error_clear();
		free(hc->dir);
		hc->dir = NULL;
	}
	return hc;
}

void dsmap__histcache_free(dsmap__histcache *hc)
{
	if (hc == NULL)
		return;
	free(hc->dir);
	free(hc);
}

/* The file of a step ("BEFORE-AFTER.json", BEFORE all zeros for a first
 * commit) or of a broken tree ("TREE.broken"). */
static char *step_path(const dsmap__histcache *hc, const git_oid *before, const git_oid *after)
{
	char b[GIT_OID_HEXSZ + 1], a[GIT_OID_HEXSZ + 1];

	if (before != NULL)
		git_oid_tostr(b, sizeof(b), before);
	else
		memset(b, '0', GIT_OID_HEXSZ), b[GIT_OID_HEXSZ] = '\0';
	git_oid_tostr(a, sizeof(a), after);
	return dsmap__sprintf("%s/%s-%s.json", hc->dir, b, a);
}

static void sum_hex(char out[SUM_HEX + 1], const char *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char h[SUM_HEX / 2];
	size_t i;

	crypto_generichash(h, sizeof(h), (const unsigned char *)data, len, NULL, 0);
	for (i = 0; i < sizeof(h); i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 15];
	}
	out[SUM_HEX] = '\0';
}

json_t *dsmap__histcache_get(dsmap__histcache *hc, const git_oid *before, const git_oid *after)
{
	char *path, *buf = NULL, sum[SUM_HEX + 1];
	size_t len;
	json_t *step = NULL;

	if (hc == NULL || hc->dir == NULL || (path = step_path(hc, before, after)) == NULL)
		return NULL;
	/* "SUM\n" then the JSON; anything else is no step */
	if (dsmap__read_regular(&buf, &len, path, STEP_MAX, DSMAP__READ_NOFOLLOW) == 0 &&
	    len > SUM_HEX + 1 && buf[SUM_HEX] == '\n') {
		sum_hex(sum, buf + SUM_HEX + 1, len - SUM_HEX - 1);
		if (memcmp(sum, buf, SUM_HEX) == 0)
			step = json_loadb(buf + SUM_HEX + 1, len - SUM_HEX - 1, JSON_REJECT_DUPLICATES,
			                  NULL);
		if (step != NULL && (!json_is_array(json_object_get(step, "changes")) ||
		                     !json_is_array(json_object_get(step, "added")) ||
		                     !json_is_array(json_object_get(step, "removed")))) {
			json_decref(step);
			step = NULL;
		}
	}
	dsmap_error_clear();   /* a step not kept is no error */
	free(buf);
	free(path);
	return step;
}

int dsmap__histcache_broken(dsmap__histcache *hc, const git_oid *tree)
{
	char hex[GIT_OID_HEXSZ + 1], *path;
	struct stat sb;
	int broken;

	if (hc == NULL || hc->dir == NULL)
		return 0;
	git_oid_tostr(hex, sizeof(hex), tree);
	if ((path = dsmap__sprintf("%s/%s.broken", hc->dir, hex)) == NULL) {
		dsmap_error_clear();
		return 0;
	}
	broken = lstat(path, &sb) == 0 && S_ISREG(sb.st_mode);
	free(path);
	return broken;
}

/* Write `len` bytes to `path` whole or not at all: a new file beside it,
 * renamed over it. */
static void put_file(const dsmap__histcache *hc, const char *path, const char *data, size_t len)
{
	char *tmp = dsmap__sprintf("%s/.tmp-XXXXXX", hc->dir);
	size_t off = 0;
	int fd;

	if (tmp == NULL || (fd = mkstemp(tmp)) < 0) {
		free(tmp);
		dsmap_error_clear();
		return;
	}
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (close(fd) != 0 || off < len || rename(tmp, path) != 0)
		unlink(tmp);
	free(tmp);
}

void dsmap__histcache_put(dsmap__histcache *hc, const git_oid *before, const git_oid *after,
                          json_t *step)
{
	char *path = NULL, *text = NULL, *file = NULL, sum[SUM_HEX + 1];
	size_t len;

	if (hc == NULL || hc->dir == NULL || (path = step_path(hc, before, after)) == NULL ||
	    (text = dsmap__json_dumps(step, JSON_COMPACT)) == NULL)
		goto done;
	len = strlen(text);
	sum_hex(sum, text, len);
	if ((file = dsmap__sprintf("%s\n%s", sum, text)) != NULL)
		put_file(hc, path, file, SUM_HEX + 1 + len);
done:
	dsmap_error_clear();   /* kept or not, the step is the caller's */
	free(file);
	free(text);
	free(path);
}

void dsmap__histcache_put_broken(dsmap__histcache *hc, const git_oid *tree)
{
	char hex[GIT_OID_HEXSZ + 1], *path;

	if (hc == NULL || hc->dir == NULL)
		return;
	git_oid_tostr(hex, sizeof(hex), tree);
	if ((path = dsmap__sprintf("%s/%s.broken", hc->dir, hex)) != NULL)
		put_file(hc, path, "", 0);
	dsmap_error_clear();
	free(path);
}

/* ---- a step from two mappings -------------------------------------------------- */

/* Each link of `m` as a key of `set`: "uses\tPURPOSE\tGROUP/CATEGORY",
 * "shares\tPURPOSE\tRECIPIENT", "serves\tSYSTEM\tPURPOSE". */
static int links(json_t *set, const dsmap_mapping *m)
{
	char key[1024];
	size_t i, j;
	int bad = 0;

	for (i = 0; i < m->purposes.count; i++) {
		const struct dsmap__purpose *p = m->purposes.items[i];

		for (j = 0; j < p->categories.count; j++) {
			snprintf(key, sizeof(key), "uses\t%s\t%s", p->id,
			         ((const struct dsmap__category *)p->categories.items[j])->ref);
			bad |= json_object_set_new(set, key, json_true());
		}
		for (j = 0; j < p->recipients.count; j++) {
			snprintf(key, sizeof(key), "shares\t%s\t%s", p->id,
			         ((const struct dsmap__recipient *)p->recipients.items[j])->id);
			bad |= json_object_set_new(set, key, json_true());
		}
	}
	for (i = 0; i < m->systems.count; i++) {
		const struct dsmap__system *s = m->systems.items[i];

		for (j = 0; j < s->purposes.count; j++) {
			snprintf(key, sizeof(key), "serves\t%s\t%s", s->id,
			         ((const struct dsmap__purpose *)s->purposes.items[j])->id);
			bad |= json_object_set_new(set, key, json_true());
		}
	}
	return bad ? dsmap_error__oom() : 0;
}

static int strptr_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of `a` that `b` has not, into array `out`, in key order. */
static void minus(json_t *out, json_t *a, json_t *b, int *bad)
{
	const char **keys;
	const char *k;
	json_t *v;
	size_t i, n = 0;

	if ((keys = dsmap__malloc((json_object_size(a) + 1) * sizeof(*keys))) == NULL) {
		*bad = 1;
		return;
	}
	json_object_foreach(a, k, v)
		if (json_object_get(b, k) == NULL)
			keys[n++] = k;
	qsort(keys, n, sizeof(*keys), strptr_cmp);
	for (i = 0; i < n; i++)
		dsmap__json_push(out, json_string(keys[i]), bad);
	free(keys);
}

/* The ids of a first commit's nodes, for history of one node. */
static json_t *nodes(const dsmap_mapping *m)
{
	json_t *o = json_pack("{s:[], s:[], s:[], s:[]}", "purpose", "category", "recipient",
	                      "system");
	size_t i;
	int bad = o == NULL;

	for (i = 0; !bad && i < m->purposes.count; i++)
		dsmap__json_push(json_object_get(o, "purpose"), json_string(
		    ((const struct dsmap__purpose *)m->purposes.items[i])->id), &bad);
	for (i = 0; !bad && i < m->categories.count; i++)
		dsmap__json_push(json_object_get(o, "category"), json_string(
		    ((const struct dsmap__category *)m->categories.items[i])->ref), &bad);
	for (i = 0; !bad && i < m->recipients.count; i++)
		dsmap__json_push(json_object_get(o, "recipient"), json_string(
		    ((const struct dsmap__recipient *)m->recipients.items[i])->id), &bad);
	for (i = 0; !bad && i < m->systems.count; i++)
		dsmap__json_push(json_object_get(o, "system"), json_string(
		    ((const struct dsmap__system *)m->systems.items[i])->id), &bad);
	return dsmap__json_done(o, bad);
}

json_t *dsmap__histcache_step(const dsmap_mapping *before, const dsmap_mapping *after,
                              const dsmap_diff *d)
{
	json_t *step = json_pack("{s:[], s:[], s:[]}", "changes", "added", "removed");
	json_t *was = json_object(), *now = json_object();
	size_t i;
	int bad = step == NULL || was == NULL || now == NULL;

	if (!bad && (links(now, after) < 0 || (before != NULL && links(was, before) < 0)))
		bad = 1;
	for (i = 0; !bad && i < dsmap_diff_count(d); i++)
		dsmap__json_push(json_object_get(step, "changes"),
		                 dsmap__hist_change_json(dsmap_diff_get(d, i)), &bad);
	if (!bad) {
		minus(json_object_get(step, "added"), now, was, &bad);
		minus(json_object_get(step, "removed"), was, now, &bad);
	}
	if (!bad && before == NULL && json_object_set_new(step, "nodes", nodes(after)) != 0)
		bad = 1;
	json_decref(was);
	json_decref(now);
	if (bad) {
		json_decref(step);
		dsmap_error__oom();
		return NULL;
	}
	return step;
}
