/*
 * The inventory: holdings written by scans (see inventory.h for the layout).
 *
 * Records arrive from several runners at once, in no useful order, keyed by
 * hashes, which have none either.  Inserting them one by one would touch a
 * random page of the B-tree per record and rewrite most of the tree with
 * every transaction.  Instead each system's records are collected in
 * memory, sorted, merged per subject and spilled as a run to an unlinked
 * temporary file; when the system's scan ends its runs are merged and the
 * holdings appended, in key order, as a new generation.  Memory stays
 * bounded by the run size whatever the number of subjects, and every page
 * of the new generation is written once.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "arena.h"
#include "errors.h"
#include "ident.h"
#include "inventory.h"

#define ID_SIZE DSMAP__ID_SIZE
#define RUN_ENTRIES 131072           /* records per run, at most */
#define RUN_BYTES (12u << 20)        /* bytes of holdings per run, about */
#define ALIAS_ENTRIES 262144         /* alias pairs per run */
#define IO_BUFSIZE (256u << 10)
#define LOAD_ENTRIES 100000          /* holdings per load transaction */
#define LOAD_BYTES (16u << 20)
#define LOC_MAX DSMAP__HOLDING_LOC_MAX
#define SHARED_MAX 4096              /* identity conflicts recorded per generation */
#define BUCKETS 65536                /* the first two bytes of a hash */

/* ---- holdings being merged ----------------------------------------------------- */

/* A holding being merged. */
struct work {
	int kind;
	uint32_t kinds, brands;        /* facet masks, ORed over the records */
	uint32_t records;
	int64_t first, last;
	size_t bitmap_size;
	unsigned char *bitmap;         /* bitmap_cap bytes */
	size_t bitmap_cap;
	size_t id_count;
	unsigned char ids[DSMAP__HOLDING_MAX_IDS][ID_SIZE];
	size_t loc_count;
	char locs[DSMAP__HOLDING_MAX_LOCS][LOC_MAX];
	size_t loc_lens[DSMAP__HOLDING_MAX_LOCS];
	int64_t *catfirst;             /* by catbit, for the bits of `bitmap`: the
	                                * oldest time of a record with that
	                                * category; 0 when none has a time */
};

static void work_reset(struct work *w, int kind)
{
	size_t i;

	for (i = 0; i < w->bitmap_size * 8; i++)
		w->catfirst[i] = 0;
	memset(w->bitmap, 0, w->bitmap_size);
	w->kind = kind;
	w->kinds = w->brands = 0;
	w->records = 0;
	w->first = w->last = 0;
	w->bitmap_size = 0;
	w->id_count = 0;
	w->loc_count = 0;
}

static void work_times(struct work *w, int64_t first, int64_t last)
{
	if (first > 0 && (w->first == 0 || first < w->first))
		w->first = first;
	if (last > w->last)
		w->last = last;
}

static void work_id(struct work *w, const unsigned char *id)
{
	size_t j;

	if (w->id_count == DSMAP__HOLDING_MAX_IDS)
		return;
	for (j = 0; j < w->id_count; j++)
		if (memcmp(w->ids[j], id, ID_SIZE) == 0)
			return;
	memcpy(w->ids[w->id_count++], id, ID_SIZE);
}

static void work_loc(struct work *w, const char *loc, size_t n)
{
	size_t j;

	if (n == 0 || w->loc_count == DSMAP__HOLDING_MAX_LOCS)
		return;
	if (n > LOC_MAX)
		n = LOC_MAX;
	for (j = 0; j < w->loc_count; j++)
		if (w->loc_lens[j] == n && memcmp(w->locs[j], loc, n) == 0)
			return;
	memcpy(w->locs[w->loc_count], loc, n);
	w->loc_lens[w->loc_count++] = n;
}

static void work_bit(struct work *w, uint32_t bit, int64_t first)
{
	if ((bit >> 3) >= w->bitmap_cap)
		return;
	w->bitmap[bit >> 3] |= (unsigned char)(1u << (bit & 7));
	if ((bit >> 3) + 1 > w->bitmap_size)
		w->bitmap_size = (bit >> 3) + 1;
	if (first > 0 && (w->catfirst[bit] == 0 || first < w->catfirst[bit]))
		w->catfirst[bit] = first;
}

static void work_add_record(struct work *w, const struct dsmap__ingest_record *r)
{
	size_t i;

	w->records++;
	w->kinds |= r->kinds;
	w->brands |= r->brands;
	work_times(w, r->first, r->last);
	for (i = 0; i < r->cat_count; i++)
		work_bit(w, r->cats[i], r->first);
	for (i = 1; i < r->id_count; i++)
		work_id(w, r->ids + i * ID_SIZE);
	work_loc(w, r->loc, r->loc_len);
}

static void work_add_holding(struct work *w, const struct dsmap__holding *h)
{
	size_t i, n;

	w->records += h->records;
	w->kinds |= h->kinds;
	w->brands |= h->brands;
	work_times(w, h->first, h->last);
	n = h->bitmap_size < w->bitmap_cap ? h->bitmap_size : w->bitmap_cap;
	for (i = 0; i < n; i++)
		w->bitmap[i] |= h->bitmap[i];
	if (n > w->bitmap_size)
		w->bitmap_size = n;
	for (i = 0; i < h->id_count; i++)
		work_id(w, h->ids + i * ID_SIZE);
	for (i = 0; i < h->loc_count; i++)
		work_loc(w, h->locs[i], h->loc_lens[i]);
}

/*
 * A holding on its way through the runs carries, after its record, the
 * oldest time of each of its categories (which the holding itself does
 * not keep, and the record-time histograms need): a run value is
 *   u16 holding length, the holding record, then per category of its
 *   bitmap: u32 catbit, i64 oldest time (0: none).
 */
#define EXT_SIZE 12

/* The most bytes work_encode() writes. */
static size_t work_max(const struct work *w)
{
	return 2 + DSMAP__HOLDING_MAX_SIZE(w->bitmap_cap) + w->bitmap_cap * 8 * EXT_SIZE;
}

/* A run value's parts; -1 when it is not one. */
static int value_split(const unsigned char *v, size_t vlen, const unsigned char **hold,
                       size_t *hlen, const unsigned char **ext, size_t *next)
{
	if (vlen < 2)
		return -1;
	*hlen = (size_t)v[0] << 8 | v[1];
	if (*hlen > vlen - 2 || (vlen - 2 - *hlen) % EXT_SIZE != 0)
		return -1;
	*hold = v + 2;
	*ext = v + 2 + *hlen;
	*next = (vlen - 2 - *hlen) / EXT_SIZE;
	return 0;
}

static int value_corrupt(void)
{
	return dsmap_error__set(DSMAP_ECORRUPT, "a temporary run holds a value this scan did not "
	                        "write");
}

/* Merge a run value into `w`. */
static int work_add_value(struct work *w, const unsigned char *key, const unsigned char *v,
                          size_t vlen)
{
	const unsigned char *hold, *ext;
	struct dsmap__holding h;
	size_t hlen, n, i;
	int rc;

	if (value_split(v, vlen, &hold, &hlen, &ext, &n) < 0)
		return value_corrupt();
	if ((rc = dsmap__holding_decode(&h, key, hold, hlen)) < 0)
		return rc;
	work_add_holding(w, &h);
	for (i = 0; i < n; i++, ext += EXT_SIZE) {
		uint32_t bit = dsmap__get_be32(ext);

		if ((bit >> 3) < w->bitmap_size && (w->bitmap[bit >> 3] >> (bit & 7) & 1))
			work_bit(w, bit, (int64_t)dsmap__get_be64(ext + 4));
	}
	return 0;
}

static size_t work_encode(const struct work *w, const unsigned char *key, unsigned char *out)
{
	struct dsmap__holding h;
	size_t i, b, n;

	h.kind = w->kind;
	h.kinds = w->kinds;
	h.brands = w->brands;
	h.records = w->records;
	h.first = w->first;
	h.last = w->last;
	h.bitmap_size = w->bitmap_size;
	h.bitmap = w->bitmap;
	h.id_count = w->id_count;
	h.ids = w->ids[0];
	h.loc_count = w->loc_count;
	for (i = 0; i < w->loc_count; i++) {
		h.locs[i] = w->locs[i];
		h.loc_lens[i] = w->loc_lens[i];
	}
	n = dsmap__holding_encode(out + 2, key, &h);
	out[0] = (unsigned char)(n >> 8);
	out[1] = (unsigned char)n;
	n += 2;
	for (i = 0; i < w->bitmap_size; i++)
		for (b = 0; b < 8; b++)
			if (w->bitmap[i] >> b & 1) {
				dsmap__put_be32(out + n, (uint32_t)(i * 8 + b));
				dsmap__put_be64(out + n + 4, (uint64_t)w->catfirst[i * 8 + b]);
				n += EXT_SIZE;
			}
	return n;
}

/* ---- runs: sorted entries in unlinked files --------------------------------------- */

/* A run file holds entries sorted by hash: holdings as (16-byte hash,
 * u32 length, run value), aliases as (16-byte identifier hash, 16-byte
 * subject hash). */
struct run {
	int fd;
	uint64_t size;
};

/* An unlinked file in `dir`: nothing is left behind, even by a killed scan. */
static int tmp_open(const char *dir)
{
	char path[4096];
	int fd, saved;

#if defined(O_TMPFILE)
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
#endif
	if ((size_t)snprintf(path, sizeof(path), "%s/run-XXXXXX", dir) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkstemp(path)) < 0)
		return -1;
	if (unlink(path) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

struct writer {
	int fd;
	unsigned char *buf;
	size_t used;
	uint64_t total;
	int err;
};

static void w_flush(struct writer *w)
{
	size_t off = 0;

	while (off < w->used && !w->err) {
		ssize_t n = write(w->fd, w->buf + off, w->used - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->err = n < 0 ? errno : EIO;
			break;
		}
		off += (size_t)n;
	}
	w->total += w->used;
	w->used = 0;
}

static void w_put(struct writer *w, const void *p, size_t n)
{
	if (w->used + n > IO_BUFSIZE)
		w_flush(w);
	memcpy(w->buf + w->used, p, n);
	w->used += n;
}

struct reader {
	int fd;
	unsigned char *buf;
	size_t len, pos;
	int eof, err;
};

/* Make `n` bytes available at r->buf + r->pos; 0, or -1 at the end. */
static int r_need(struct reader *r, size_t n)
{
	while (r->len - r->pos < n) {
		ssize_t got;

		if (r->eof)
			return -1;
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
		got = read(r->fd, r->buf + r->len, IO_BUFSIZE - r->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r->err = errno;
			r->eof = 1;
			return -1;
		}
		if (got == 0)
			r->eof = 1;
		r->len += (size_t)got;
	}
	return 0;
}

/* ---- the ingest ----------------------------------------------------------------- */

struct ent {
	unsigned char hash[DSMAP_IDENT_HASH_SIZE];
	uint32_t off, len;            /* the value in the slot's buffer */
};

struct aent {
	unsigned char id[DSMAP_IDENT_HASH_SIZE];
	unsigned char subject[DSMAP_IDENT_HASH_SIZE];
};

struct slot {
	int dropped;
	unsigned char *buf;           /* values of the entries */
	size_t used;
	struct ent *ents, *ents_tmp;  /* the entries, and room to sort them */
	size_t nents;
	struct aent *aents, *aents_tmp;
	size_t naents;
	struct run *runs, *aruns;
	size_t nruns, naruns;
	uint64_t records;
	int64_t first, last;
	uint64_t *cat_records;        /* by catbit */
	struct dsmap__hist *hists;    /* by catbit: the record-time histograms */
	size_t *hist_caps;            /* by catbit: room in hists[bit].months */
};

struct dsmap__ingest {
	dsmap_store *store;
	char *tmpdir;
	size_t nslots;
	struct slot *slots;
	size_t catbit_count;
	struct work w;
	unsigned char *val;           /* work_max() bytes */
	unsigned char *iobuf;         /* a writer's buffer */
	size_t *count;                /* BUCKETS + 1 counters for sorting */
};

int dsmap__ingest_new(dsmap__ingest **out, dsmap_store *store, size_t nslots, size_t catbit_count,
                      const char *tmpdir)
{
	dsmap__ingest *ing;
	size_t i;

	*out = NULL;
	if ((ing = dsmap__calloc(1, sizeof(*ing))) == NULL)
		return dsmap_error__oom();
	ing->store = store;
	ing->nslots = nslots;
	ing->catbit_count = catbit_count;
	ing->w.bitmap_cap = catbit_count / 8 + 1;
	if ((ing->tmpdir = dsmap__strdup(tmpdir)) == NULL ||
	    (ing->slots = dsmap__calloc(nslots ? nslots : 1, sizeof(*ing->slots))) == NULL ||
	    (ing->w.bitmap = dsmap__calloc(ing->w.bitmap_cap, 1)) == NULL ||
	    (ing->w.catfirst = dsmap__calloc(ing->w.bitmap_cap * 8, sizeof(int64_t))) == NULL ||
	    (ing->val = dsmap__malloc(work_max(&ing->w))) == NULL ||
	    (ing->iobuf = dsmap__malloc(IO_BUFSIZE)) == NULL ||
	    (ing->count = dsmap__malloc((BUCKETS + 1) * sizeof(*ing->count))) == NULL)
		goto oom;
	for (i = 0; i < nslots; i++)
		if ((ing->slots[i].cat_records = dsmap__calloc(catbit_count + 1, sizeof(uint64_t))) == NULL ||
		    (ing->slots[i].hists = dsmap__calloc(catbit_count + 1,
		                                         sizeof(struct dsmap__hist))) == NULL ||
		    (ing->slots[i].hist_caps = dsmap__calloc(catbit_count + 1, sizeof(size_t))) == NULL)
			goto oom;
	*out = ing;
	return 0;
oom:
	dsmap__ingest_free(ing);
	return dsmap_error__oom();
}

static void hists_free(struct slot *s, size_t count)
{
	size_t i;

	for (i = 0; s->hists && i < count; i++) {
		free(s->hists[i].months);
		memset(&s->hists[i], 0, sizeof(s->hists[i]));
		if (s->hist_caps != NULL)   /* NULL when its allocation failed */
			s->hist_caps[i] = 0;
	}
}

static void slot_release(struct slot *s)
{
	size_t i;

	for (i = 0; i < s->nruns; i++)
		close(s->runs[i].fd);
	for (i = 0; i < s->naruns; i++)
		close(s->aruns[i].fd);
	free(s->runs);
	free(s->aruns);
	free(s->buf);
	free(s->ents);
	free(s->ents_tmp);
	free(s->aents);
	free(s->aents_tmp);
	s->runs = s->aruns = NULL;
	s->nruns = s->naruns = 0;
	s->buf = NULL;
	s->ents = s->ents_tmp = NULL;
	s->aents = s->aents_tmp = NULL;
	s->used = s->nents = s->naents = 0;
}

void dsmap__ingest_free(dsmap__ingest *ing)
{
	size_t i;

	if (ing == NULL)
		return;
	for (i = 0; ing->slots && i < ing->nslots; i++) {
		slot_release(&ing->slots[i]);
		hists_free(&ing->slots[i], ing->catbit_count + 1);
		free(ing->slots[i].cat_records);
		free(ing->slots[i].hists);
		free(ing->slots[i].hist_caps);
	}
	free(ing->slots);
	free(ing->w.bitmap);
	free(ing->w.catfirst);
	free(ing->val);
	free(ing->iobuf);
	free(ing->count);
	free(ing->tmpdir);
	free(ing);
}

void dsmap__ingest_drop(dsmap__ingest *ing, size_t slot)
{
	slot_release(&ing->slots[slot]);
	hists_free(&ing->slots[slot], ing->catbit_count + 1);
	ing->slots[slot].dropped = 1;
}

/*
 * Sorting a run: hashes are uniform, so one counting pass on the first two
 * bytes leaves buckets of a few entries each, finished by insertion sort.
 * Entries of one hash keep their arrival order (the pass is stable and the
 * insertion sort moves only strictly greater entries), so merges are
 * deterministic.  Several times faster than qsort() on a run of 131072.
 */

/* memcmp() of two hashes, in two word compares. */
/* Hashes in LMDB's key order (memcmp), eight bytes at a time: big-endian
 * loads, which compilers turn into one load and a byte swap where the
 * machine is little-endian, and a plain load where it is not. */
static int hcmp(const unsigned char *a, const unsigned char *b)
{
	uint64_t x = dsmap__get_be64(a), y = dsmap__get_be64(b);

	if (x != y)
		return x < y ? -1 : 1;
	x = dsmap__get_be64(a + 8);
	y = dsmap__get_be64(b + 8);
	return (x > y) - (x < y);
}

static unsigned int bucket_of(const unsigned char *h)
{
	return (unsigned int)h[0] << 8 | h[1];
}

static void sort_ents(struct ent **ents, struct ent **tmp, size_t n, size_t *count)
{
	struct ent *in = *ents, *out = *tmp;
	size_t i, j, sum = 0;

	memset(count, 0, (BUCKETS + 1) * sizeof(*count));
	for (i = 0; i < n; i++)
		count[bucket_of(in[i].hash) + 1]++;
	for (i = 1; i <= BUCKETS; i++)
		count[i] += count[i - 1];
	for (i = 0; i < n; i++)
		out[count[bucket_of(in[i].hash)]++] = in[i];
	/* count[b] is now the end of bucket b */
	for (i = 0; i < BUCKETS; i++) {
		size_t lo = sum, hi = count[i];

		for (j = lo + 1; j < hi; j++) {
			struct ent e = out[j];
			size_t k = j;

			while (k > lo && hcmp(out[k - 1].hash, e.hash) > 0) {
				out[k] = out[k - 1];
				k--;
			}
			out[k] = e;
		}
		sum = hi;
	}
	*ents = out;
	*tmp = in;
}

static void sort_aents(struct aent **ents, struct aent **tmp, size_t n, size_t *count)
{
	struct aent *in = *ents, *out = *tmp;
	size_t i, j, sum = 0;

	memset(count, 0, (BUCKETS + 1) * sizeof(*count));
	for (i = 0; i < n; i++)
		count[bucket_of(in[i].id) + 1]++;
	for (i = 1; i <= BUCKETS; i++)
		count[i] += count[i - 1];
	for (i = 0; i < n; i++)
		out[count[bucket_of(in[i].id)]++] = in[i];
	for (i = 0; i < BUCKETS; i++) {
		size_t lo = sum, hi = count[i];

		for (j = lo + 1; j < hi; j++) {
			struct aent e = out[j];
			size_t k = j;

			while (k > lo && memcmp(&out[k - 1], &e, sizeof(e)) > 0) {
				out[k] = out[k - 1];
				k--;
			}
			out[k] = e;
		}
		sum = hi;
	}
	*ents = out;
	*tmp = in;
}

static int add_run(struct run **runs, size_t *n, int fd, uint64_t size)
{
	struct run *grown = dsmap__realloc(*runs, (*n + 1) * sizeof(**runs));

	if (grown == NULL)
		return -1;
	*runs = grown;
	grown[*n].fd = fd;
	grown[*n].size = size;
	(*n)++;
	return 0;
}

static int open_run(dsmap__ingest *ing, struct writer *w)
{
	memset(w, 0, sizeof(*w));
	w->buf = ing->iobuf;
	if ((w->fd = tmp_open(ing->tmpdir)) < 0)
		return dsmap_error__errno(dsmap_error__from_errno(errno), errno, "a temporary file in %s",
		                          ing->tmpdir);
	return 0;
}

static int close_run(dsmap__ingest *ing, struct writer *w, struct run **runs, size_t *n)
{
	w_flush(w);
	if (w->err) {
		close(w->fd);
		return dsmap_error__errno(dsmap_error__from_errno(w->err), w->err,
		                          "write a temporary file in %s", ing->tmpdir);
	}
	if (lseek(w->fd, 0, SEEK_SET) != 0 || add_run(runs, n, w->fd, w->total) < 0) {
		close(w->fd);
		return dsmap_error__oom();
	}
	return 0;
}

/* Sort the slot's entries, merge each subject's, and write them as a run. */
static int spill(dsmap__ingest *ing, struct slot *s)
{
	struct writer w;
	size_t i = 0, j, k;
	int rc;

	if (s->nents > 0) {
		sort_ents(&s->ents, &s->ents_tmp, s->nents, ing->count);
		if ((rc = open_run(ing, &w)) < 0)
			return rc;
		while (i < s->nents) {
			const struct ent *e = &s->ents[i];
			const unsigned char *v = s->buf + e->off;
			unsigned char len[4];
			size_t n = e->len;

			for (j = i + 1; j < s->nents && hcmp(s->ents[j].hash, e->hash) == 0; j++)
				;
			if (j > i + 1) {
				work_reset(&ing->w, v[3]);   /* the holding's kind */
				for (k = i; k < j; k++)
					if ((rc = work_add_value(&ing->w, e->hash, s->buf + s->ents[k].off,
					                         s->ents[k].len)) < 0) {
						close(w.fd);
						return rc;
					}
				n = work_encode(&ing->w, e->hash, ing->val);
				v = ing->val;
			}
			dsmap__put_be32(len, (uint32_t)n);
			w_put(&w, e->hash, DSMAP_IDENT_HASH_SIZE);
			w_put(&w, len, 4);
			w_put(&w, v, n);
			i = j;
		}
		if ((rc = close_run(ing, &w, &s->runs, &s->nruns)) < 0)
			return rc;
	}
	if (s->naents > 0) {
		sort_aents(&s->aents, &s->aents_tmp, s->naents, ing->count);
		if ((rc = open_run(ing, &w)) < 0)
			return rc;
		for (i = 0; i < s->naents; i++)
			if (i == 0 || memcmp(&s->aents[i], &s->aents[i - 1], sizeof(*s->aents)) != 0)
				w_put(&w, &s->aents[i], sizeof(*s->aents));
		if ((rc = close_run(ing, &w, &s->aruns, &s->naruns)) < 0)
			return rc;
	}
	s->nents = s->naents = 0;
	s->used = 0;
	return 0;
}

/* ---- record-time histograms --------------------------------------------------------- */

/* The entry of `month` in histogram `bit` of the slot, made when new. */
static struct dsmap__hist_month *hist_month(struct slot *s, uint32_t bit, int32_t month)
{
	struct dsmap__hist *h = &s->hists[bit];
	size_t lo = 0, hi = h->month_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (h->months[mid].month == month)
			return &h->months[mid];
		if (h->months[mid].month < month)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (h->month_count == s->hist_caps[bit]) {
		size_t cap = s->hist_caps[bit] ? s->hist_caps[bit] * 2 : 16;
		struct dsmap__hist_month *grown = dsmap__realloc(h->months, cap * sizeof(*grown));

		if (grown == NULL)
			return NULL;
		h->months = grown;
		s->hist_caps[bit] = cap;
	}
	memmove(&h->months[lo + 1], &h->months[lo], (h->month_count - lo) * sizeof(*h->months));
	h->month_count++;
	memset(&h->months[lo], 0, sizeof(*h->months));
	h->months[lo].month = month;
	return &h->months[lo];
}

/* A record of category `bit` with its times. */
static int hist_record(struct slot *s, uint32_t bit, int64_t first, int64_t last)
{
	struct dsmap__hist *h = &s->hists[bit];
	struct dsmap__hist_month *m;

	if (first <= 0) {
		h->undated_records++;
		return 0;
	}
	if ((m = hist_month(s, bit, dsmap__hist_month_of(first))) == NULL)
		return dsmap_error__oom();
	m->records++;
	if (h->oldest == 0 || first < h->oldest)
		h->oldest = first;
	if (last > h->newest)
		h->newest = last;
	if (first > h->newest)
		h->newest = first;
	return 0;
}

/* A subject of the new generation, with the oldest time of each of its
 * categories (its run value's tail). */
static int hist_subject(struct slot *s, size_t catbit_count, const unsigned char *ext, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++, ext += EXT_SIZE) {
		uint32_t bit = dsmap__get_be32(ext);
		int64_t first = (int64_t)dsmap__get_be64(ext + 4);
		struct dsmap__hist_month *m;

		if (bit >= catbit_count)
			return value_corrupt();
		if (first <= 0) {
			s->hists[bit].undated_subjects++;
			continue;
		}
		/* the month has a record of this category: the subject's */
		if ((m = hist_month(s, bit, dsmap__hist_month_of(first))) == NULL)
			return dsmap_error__oom();
		m->subjects++;
	}
	return 0;
}

int dsmap__ingest_add(dsmap__ingest *ing, size_t slot, const struct dsmap__ingest_record *rec)
{
	struct slot *s = &ing->slots[slot];
	struct ent *e;
	size_t i, n;
	int rc;

	if (s->dropped || rec->id_count == 0)
		return 0;
	if (s->buf == NULL) {
		if ((s->buf = dsmap__malloc(RUN_BYTES + work_max(&ing->w))) == NULL ||
		    (s->ents = dsmap__malloc(RUN_ENTRIES * sizeof(*s->ents))) == NULL ||
		    (s->ents_tmp = dsmap__malloc(RUN_ENTRIES * sizeof(*s->ents))) == NULL ||
		    (s->aents = dsmap__malloc(ALIAS_ENTRIES * sizeof(*s->aents))) == NULL ||
		    (s->aents_tmp = dsmap__malloc(ALIAS_ENTRIES * sizeof(*s->aents))) == NULL)
			return dsmap_error__oom();
	}
	if (s->nents == RUN_ENTRIES || s->used > RUN_BYTES ||
	    s->naents + rec->id_count > ALIAS_ENTRIES)
		if ((rc = spill(ing, s)) < 0)
			return rc;

	work_reset(&ing->w, rec->ids[0]);
	work_add_record(&ing->w, rec);
	n = work_encode(&ing->w, rec->ids + 1, s->buf + s->used);
	e = &s->ents[s->nents++];
	memcpy(e->hash, rec->ids + 1, DSMAP_IDENT_HASH_SIZE);
	e->off = (uint32_t)s->used;
	e->len = (uint32_t)n;
	s->used += n;
	for (i = 1; i < rec->id_count; i++) {
		struct aent *a = &s->aents[s->naents++];

		memcpy(a->id, rec->ids + i * ID_SIZE + 1, DSMAP_IDENT_HASH_SIZE);
		memcpy(a->subject, rec->ids + 1, DSMAP_IDENT_HASH_SIZE);
	}
	s->records++;
	if (rec->first > 0 && (s->first == 0 || rec->first < s->first))
		s->first = rec->first;
	if (rec->last > s->last)
		s->last = rec->last;
	for (i = 0; i < rec->cat_count; i++)
		if (rec->cats[i] < ing->catbit_count) {
			s->cat_records[rec->cats[i]]++;
			if ((rc = hist_record(s, rec->cats[i], rec->first, rec->last)) < 0)
				return rc;
		}
	return 0;
}

/* ---- loading a generation ---------------------------------------------------------- */

struct head {
	struct reader r;
	int done;
	unsigned char hash[DSMAP_IDENT_HASH_SIZE];
	size_t len;                     /* holdings: the value's length at r.buf + r.pos */
};

/* Advance a holdings run to its next entry. */
static int head_next(struct head *h)
{
	h->r.pos += h->len;
	h->len = 0;
	if (r_need(&h->r, DSMAP_IDENT_HASH_SIZE + 4) < 0) {
		h->done = 1;
		return h->r.err ? -1 : 0;
	}
	memcpy(h->hash, h->r.buf + h->r.pos, DSMAP_IDENT_HASH_SIZE);
	h->len = dsmap__get_be32(h->r.buf + h->r.pos + 16);
	h->r.pos += DSMAP_IDENT_HASH_SIZE + 4;
	if (h->len > IO_BUFSIZE) {
		h->done = 1;
		h->r.err = EIO;   /* no value this scan wrote is that long */
		return -1;
	}
	if (r_need(&h->r, h->len) < 0) {
		h->done = 1;
		h->r.err = h->r.err ? h->r.err : EIO;   /* a truncated run */
		return -1;
	}
	return 0;
}

/* What a load transaction appends: a chunk of merged entries. */
struct chunk {
	unsigned char *buf;             /* (hash, u16 len, value) or (id, subject) */
	size_t used, cap;
	size_t count;
	int aliases;
	uint32_t gen;                   /* 0 until the first chunk takes one */
	int first_taken;
	/* counted by the transaction, folded in when it commits */
	uint64_t subjects, d_subjects;
	uint64_t *cat_subjects, *d_cat_subjects;
	size_t catbit_count;
	/* aliases naming more than DSMAP__MAX_JOIN subjects (identity conflicts) */
	struct shared *shared;
	size_t nshared, capshared;
};

/* An identifier shared by many subjects of the generation: its hash, one
 * of its subjects (to learn its kind from), how many. */
struct shared {
	unsigned char id[DSMAP_IDENT_HASH_SIZE];
	unsigned char subject[DSMAP_IDENT_HASH_SIZE];
	uint64_t subjects;
	int kind;
};

static int take_gen(dsmap_store *store, MDB_txn *txn, uint32_t *gen)
{
	char buf[32];
	unsigned long next = 1;
	int rc;

	rc = dsmap_store__meta_get(store, txn, DSMAP__META_GEN_NEXT, buf, sizeof(buf));
	if (rc == 0)
		next = strtoul(buf, NULL, 10);
	else if (rc != DSMAP_ENOTFOUND)
		return rc;
	dsmap_error_clear();
	if (next == 0 || next >= UINT32_MAX)
		return dsmap_error__set(DSMAP_ECORRUPT, "store %s: generation counter %lu", store->path,
		                        next);
	*gen = (uint32_t)next;
	snprintf(buf, sizeof(buf), "%lu", next + 1);
	return dsmap_store__meta_put(store, txn, DSMAP__META_GEN_NEXT, buf, strlen(buf));
}

static int load_txn(dsmap_store *store, MDB_txn *txn, void *payload)
{
	struct chunk *c = payload;
	const unsigned char *p = c->buf, *end = c->buf + c->used;
	MDB_cursor *cur = NULL;
	MDB_dbi dbi;
	int rc;

	c->d_subjects = 0;
	memset(c->d_cat_subjects, 0, (c->catbit_count + 1) * sizeof(uint64_t));
	if (!c->first_taken && (rc = take_gen(store, txn, &c->gen)) != 0)
		return rc;
	if ((rc = dsmap_store__gen_dbi(store, txn, c->aliases ? DSMAP__GEN_ALIASES :
	                               DSMAP__GEN_HOLDINGS, c->gen, 1, &dbi)) < 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		return dsmap_store__lmdb(store, rc, "generation %u", (unsigned int)c->gen);
	while (p < end) {
		MDB_val k = { DSMAP_IDENT_HASH_SIZE, (void *)p }, v;

		if (c->aliases) {
			/* the pair is the key; sorted runs make the appends in order */
			k.mv_size = DSMAP__ALIAS_KEY_SIZE;
			v.mv_size = 0;
			v.mv_data = NULL;
			rc = mdb_cursor_put(cur, &k, &v, MDB_APPEND);
			p += DSMAP__ALIAS_KEY_SIZE;
		} else {
			struct dsmap__holding h;
			size_t n = (size_t)p[16] << 8 | p[17], i, b;

			v.mv_size = n;
			v.mv_data = (void *)(p + DSMAP_IDENT_HASH_SIZE + 2);
			if ((rc = dsmap__holding_decode(&h, k.mv_data, v.mv_data, n)) < 0) {
				mdb_cursor_close(cur);
				return rc;
			}
			c->d_subjects++;
			for (i = 0; i < h.bitmap_size; i++)
				for (b = 0; b < 8; b++)
					if ((h.bitmap[i] >> b & 1) && i * 8 + b < c->catbit_count)
						c->d_cat_subjects[i * 8 + b]++;
			rc = mdb_cursor_put(cur, &k, &v, MDB_APPEND);
			p += DSMAP_IDENT_HASH_SIZE + 2 + n;
		}
		if (rc != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == 0 ? 0 : dsmap_store__lmdb(store, rc, "append to generation %u",
	                                       (unsigned int)c->gen);
}

static int load_chunk(dsmap__ingest *ing, struct chunk *c)
{
	size_t i;
	int rc;

	if (c->used == 0 && c->first_taken)
		return 0;
	rc = dsmap_store__write(ing->store, load_txn, c, "write holdings");
	if (rc < 0)
		return rc;
	c->first_taken = 1;
	c->subjects += c->d_subjects;
	for (i = 0; i < c->catbit_count; i++)
		c->cat_subjects[i] += c->d_cat_subjects[i];
	c->used = 0;
	c->count = 0;
	return 0;
}

/* Append an entry made of three parts, loading the chunk first when full. */
static int chunk_put(dsmap__ingest *ing, struct chunk *c, const void *a, size_t na,
                     const void *b, size_t nb, const void *d, size_t nd)
{
	int rc;

	if (c->used + na + nb + nd > c->cap || c->count == LOAD_ENTRIES)
		if ((rc = load_chunk(ing, c)) < 0)
			return rc;
	memcpy(c->buf + c->used, a, na);
	if (nb)
		memcpy(c->buf + c->used + na, b, nb);
	if (nd)
		memcpy(c->buf + c->used + na + nb, d, nd);
	c->used += na + nb + nd;
	c->count++;
	return 0;
}

static int open_heads(dsmap__ingest *ing, const struct run *runs, size_t n, struct head **out)
{
	struct head *h = dsmap__calloc(n ? n : 1, sizeof(*h));
	size_t i;

	(void)ing;
	*out = h;
	if (h == NULL)
		return dsmap_error__oom();
	for (i = 0; i < n; i++) {
		h[i].r.fd = runs[i].fd;
		h[i].done = 1;
		if ((h[i].r.buf = dsmap__malloc(IO_BUFSIZE)) == NULL)
			return dsmap_error__oom();
	}
	return 0;
}

static void close_heads(struct head *h, size_t n)
{
	size_t i;

	for (i = 0; h && i < n; i++)
		free(h[i].r.buf);
	free(h);
}

static int run_error(dsmap__ingest *ing, const struct head *h)
{
	return dsmap_error__errno(DSMAP_EIO, h->r.err ? h->r.err : EIO,
	                          "read back a temporary file in %s", ing->tmpdir);
}

/* Merge the holdings runs into chunks and load them. */
static int load_holdings(dsmap__ingest *ing, struct slot *s, struct chunk *c)
{
	struct head *h = NULL;
	size_t n = s->nruns, i;
	int rc;

	if ((rc = open_heads(ing, s->runs, n, &h)) < 0)
		goto done;
	for (i = 0; i < n; i++) {
		h[i].done = 0;
		if (head_next(&h[i]) < 0) {
			rc = run_error(ing, &h[i]);
			goto done;
		}
	}
	for (;;) {
		const struct head *min = NULL;
		unsigned char hash[DSMAP_IDENT_HASH_SIZE], len[2];
		size_t same = 0, vlen, hlen, next;
		const unsigned char *v = NULL, *hold, *ext;

		for (i = 0; i < n; i++) {
			int cmp;

			if (h[i].done)
				continue;
			cmp = min ? hcmp(h[i].hash, min->hash) : -1;
			if (cmp < 0) {
				min = &h[i];
				same = 1;
			} else if (cmp == 0) {
				same++;
			}
		}
		if (min == NULL)
			break;
		memcpy(hash, min->hash, sizeof(hash));
		if (same == 1) {
			v = min->r.buf + min->r.pos;
			vlen = min->len;
		} else {
			work_reset(&ing->w, min->len > 3 ? min->r.buf[min->r.pos + 3] : 0);
			for (i = 0; i < n; i++) {
				if (h[i].done || hcmp(h[i].hash, hash) != 0)
					continue;
				if ((rc = work_add_value(&ing->w, hash, h[i].r.buf + h[i].r.pos,
				                         h[i].len)) < 0)
					goto done;
			}
			vlen = work_encode(&ing->w, hash, ing->val);
			v = ing->val;
		}
		/* the holding goes to the store, its categories' times to the
		 * histograms */
		if (value_split(v, vlen, &hold, &hlen, &ext, &next) < 0) {
			rc = value_corrupt();
			goto done;
		}
		if ((rc = hist_subject(s, ing->catbit_count, ext, next)) < 0)
			goto done;
		len[0] = (unsigned char)(hlen >> 8);
		len[1] = (unsigned char)hlen;
		if ((rc = chunk_put(ing, c, hash, sizeof(hash), len, 2, hold, hlen)) < 0)
			goto done;
		for (i = 0; i < n && same > 0; i++) {
			if (h[i].done || hcmp(h[i].hash, hash) != 0)
				continue;
			same--;
			if (head_next(&h[i]) < 0) {
				rc = run_error(ing, &h[i]);
				goto done;
			}
		}
	}
	rc = load_chunk(ing, c);
done:
	close_heads(h, n);
	return rc;
}

/* Merge the alias runs (sorted pairs) into chunks and load them. */
/* The alias run that just ended: an identity conflict when it names too
 * many subjects (kept for the first SHARED_MAX, counted after). */
static int shared_flush(struct chunk *c, const unsigned char *last, uint64_t subjects)
{
	struct shared *e;

	if (subjects <= DSMAP__MAX_JOIN)
		return 0;
	if (c->nshared == c->capshared) {
		size_t cap = c->capshared ? c->capshared * 2 : 16;
		struct shared *grown;

		if (cap > SHARED_MAX)
			return 0;
		if ((grown = dsmap__realloc(c->shared, cap * sizeof(*grown))) == NULL)
			return dsmap_error__oom();
		c->shared = grown;
		c->capshared = cap;
	}
	e = &c->shared[c->nshared++];
	memcpy(e->id, last, DSMAP_IDENT_HASH_SIZE);
	memcpy(e->subject, last + DSMAP_IDENT_HASH_SIZE, DSMAP_IDENT_HASH_SIZE);
	e->subjects = subjects;
	e->kind = 0;
	return 0;
}

static int load_aliases(dsmap__ingest *ing, struct slot *s, struct chunk *c)
{
	struct head *h = NULL;
	size_t n = s->naruns, i;
	unsigned char last[2 * DSMAP_IDENT_HASH_SIZE];
	uint64_t run = 0;          /* subjects of the identifier in `last` so far */
	int have_last = 0, rc;

	if ((rc = open_heads(ing, s->aruns, n, &h)) < 0)
		goto done;
	for (i = 0; i < n; i++) {
		h[i].done = r_need(&h[i].r, sizeof(last)) < 0;
		if (h[i].r.err) {
			rc = run_error(ing, &h[i]);
			goto done;
		}
	}
	for (;;) {
		struct head *min = NULL;

		for (i = 0; i < n; i++)
			if (!h[i].done && (min == NULL ||
			    memcmp(h[i].r.buf + h[i].r.pos, min->r.buf + min->r.pos, sizeof(last)) < 0))
				min = &h[i];
		if (min == NULL)
			break;
		if (!have_last || memcmp(last, min->r.buf + min->r.pos, sizeof(last)) != 0) {
			if (have_last && memcmp(last, min->r.buf + min->r.pos, DSMAP_IDENT_HASH_SIZE) != 0) {
				if ((rc = shared_flush(c, last, run)) < 0)
					goto done;
				run = 0;
			}
			run++;
			memcpy(last, min->r.buf + min->r.pos, sizeof(last));
			have_last = 1;
			if ((rc = chunk_put(ing, c, last, sizeof(last), NULL, 0, NULL, 0)) < 0)
				goto done;
		}
		min->r.pos += sizeof(last);
		min->done = r_need(&min->r, sizeof(last)) < 0;
		if (min->done && min->r.err) {
			rc = run_error(ing, min);
			goto done;
		}
	}
	if (have_last && (rc = shared_flush(c, last, run)) < 0)
		goto done;
	rc = load_chunk(ing, c);
done:
	close_heads(h, n);
	return rc;
}

/* The kind of each shared identifier, from the holding of one of its
 * subjects (the generation's holdings are committed by now). */
static int shared_kinds(dsmap__ingest *ing, struct chunk *c)
{
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	size_t i, j;
	int rc;

	if (c->nshared == 0)
		return 0;
	if ((rc = dsmap_store__read_begin(ing->store, &txn)) < 0)
		return rc;
	if ((rc = dsmap_store__gen_dbi(ing->store, txn, DSMAP__GEN_HOLDINGS, c->gen, 0, &dbi)) < 0)
		goto done;
	for (i = 0; i < c->nshared; i++) {
		struct shared *e = &c->shared[i];
		MDB_val k = { DSMAP_IDENT_HASH_SIZE, e->subject }, v;
		struct dsmap__holding hd;

		if (mdb_get(txn, dbi, &k, &v) != 0 ||
		    dsmap__holding_decode(&hd, e->subject, v.mv_data, v.mv_size) < 0) {
			dsmap_error_clear();
			continue;   /* left "unknown": only the count is at stake */
		}
		for (j = 0; j < hd.id_count; j++)
			if (memcmp(hd.ids + j * ID_SIZE + 1, e->id, DSMAP_IDENT_HASH_SIZE) == 0)
				e->kind = hd.ids[j * ID_SIZE];
	}
	rc = 0;
done:
	mdb_txn_abort(txn);
	return rc;
}

/* "KIND IDENTIFIERS MOST;..." by kind, for meta "conflicts:SYSTEM". */
static size_t shared_text(const struct chunk *c, char *buf, size_t size)
{
	uint64_t ids[256] = { 0 }, most[256] = { 0 };
	size_t i, len = 0;
	int k;

	for (i = 0; i < c->nshared; i++) {
		k = c->shared[i].kind & 0xff;
		ids[k]++;
		if (c->shared[i].subjects > most[k])
			most[k] = c->shared[i].subjects;
	}
	buf[0] = '\0';
	for (k = 0; k < 256; k++) {
		const char *name = k ? dsmap_ident_kind_name(k) : NULL;
		int n;

		if (ids[k] == 0)
			continue;
		n = snprintf(buf + len, size - len, "%s%s %llu %llu", len ? ";" : "",
		             name ? name : "unknown", (unsigned long long)ids[k],
		             (unsigned long long)most[k]);
		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
	return len;
}

/* The switch: the system's record names the new generation, and the
 * identifier index follows it (dsmap_store__system_put()). */
static int summary_txn(dsmap_store *store, MDB_txn *txn, void *payload)
{
	void **args = payload;
	const char *conflicts = args[2];
	char key[DSMAP__META_KEY_MAX], rules[16];
	MDB_val k;
	int rc;

	/* the identifier rules its hashes follow */
	if ((rc = dsmap__meta_key(key, sizeof(key), DSMAP__META_IDENT_RULES, args[0])) < 0)
		return rc;
	snprintf(rules, sizeof(rules), "%d", DSMAP__IDENT_RULES);
	if ((rc = dsmap_store__meta_put(store, txn, key, rules, strlen(rules))) < 0)
		return rc;
	/* and the identity conflicts it holds, by kind (status shows them) */
	if ((rc = dsmap__meta_key(key, sizeof(key), DSMAP__META_CONFLICTS, args[0])) < 0)
		return rc;
	if (*conflicts) {
		if ((rc = dsmap_store__meta_put(store, txn, key, conflicts, strlen(conflicts))) < 0)
			return rc;
	} else {
		k.mv_size = strlen(key);
		k.mv_data = key;
		rc = mdb_del(txn, store->dbi[DSMAP__DB_META], &k, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return dsmap_store__lmdb(store, rc, "drop meta '%s'", key);
	}
	if ((rc = dsmap_store__system_put(store, txn, args[0], args[1])) < 0)
		return rc;
	return dsmap_store__hist_replace(store, txn, ((dsmap_store__system_summary *)args[1])->sysno,
	                                 args[3], *(size_t *)args[4]);
}

int dsmap__ingest_commit(dsmap__ingest *ing, size_t slot, const char *system_id,
                         dsmap_store__system_summary *sum)
{
	struct slot *s = &ing->slots[slot];
	struct chunk c;
	void *args[5];
	char conflicts[512];
	size_t i, n = 0;
	int rc;

	memset(&c, 0, sizeof(c));
	c.catbit_count = ing->catbit_count;
	c.cap = LOAD_BYTES + work_max(&ing->w) + 64;
	if ((c.buf = dsmap__malloc(c.cap)) == NULL ||
	    (c.cat_subjects = dsmap__calloc(c.catbit_count + 1, sizeof(uint64_t))) == NULL ||
	    (c.d_cat_subjects = dsmap__calloc(c.catbit_count + 1, sizeof(uint64_t))) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	if ((rc = spill(ing, s)) < 0)
		goto done;
	/* The first chunk takes the generation, even for a system with no
	 * records: its holdings become "none". */
	if ((rc = load_holdings(ing, s, &c)) < 0)
		goto done;
	c.aliases = 1;
	if ((rc = load_aliases(ing, s, &c)) < 0 || (rc = shared_kinds(ing, &c)) < 0)
		goto done;
	shared_text(&c, conflicts, sizeof(conflicts));

	free(sum->categories);
	sum->categories = NULL;
	sum->category_count = 0;
	for (i = 0; i < ing->catbit_count; i++)
		n += c.cat_subjects[i] > 0;
	if (n > 0 && (sum->categories = dsmap__calloc(n, sizeof(*sum->categories))) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	for (i = 0; i < ing->catbit_count; i++) {
		if (c.cat_subjects[i] == 0)
			continue;
		sum->categories[sum->category_count].catbit = (uint32_t)i;
		sum->categories[sum->category_count].subjects = c.cat_subjects[i];
		sum->categories[sum->category_count].records = s->cat_records[i];
		sum->category_count++;
	}
	sum->gen = c.gen;
	sum->records = s->records;
	sum->subjects = c.subjects;
	sum->first_seen = s->first;
	sum->last_seen = s->last;
	args[0] = (void *)system_id;
	args[1] = sum;
	args[2] = conflicts;
	args[3] = s->hists;
	args[4] = &ing->catbit_count;
	rc = dsmap_store__write(ing->store, summary_txn, args, "switch to the new holdings");
done:
	slot_release(s);
	hists_free(s, ing->catbit_count + 1);
	free(c.buf);
	free(c.shared);
	free(c.cat_subjects);
	free(c.d_cat_subjects);
	return rc;
}

/* ---- collecting generations no system is at --------------------------------------- */

struct gens {
	uint32_t *v;
	size_t n, cap;
};

static int gens_add(struct gens *g, uint32_t gen)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		uint32_t *grown = dsmap__realloc(g->v, cap * sizeof(*grown));

		if (grown == NULL)
			return dsmap_error__oom();
		g->v = grown;
		g->cap = cap;
	}
	g->v[g->n++] = gen;
	return 0;
}

static int gather(const char *id, const dsmap_store__system_summary *sum, void *payload)
{
	(void)id;
	return sum->gen == 0 ? 0 : gens_add(payload, sum->gen);
}

struct collect {
	struct gens keep;
	struct gens drop, drop_type;    /* the generations to drop, and their types */
};

static int kept(const struct gens *g, uint32_t gen)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (g->v[i] == gen)
			return 1;
	return 0;
}

static int mark(enum dsmap__gen_type type, uint32_t gen, void *payload)
{
	struct collect *c = payload;
	int rc;

	if (kept(&c->keep, gen))
		return 0;
	if ((rc = gens_add(&c->drop, gen)) < 0 || (rc = gens_add(&c->drop_type, (uint32_t)type)) < 0)
		return rc;
	return 0;
}

static int collect_txn(dsmap_store *store, MDB_txn *txn, void *payload)
{
	struct collect *c = payload;
	size_t i;
	int rc;

	c->drop.n = c->drop_type.n = 0;
	if ((rc = dsmap_store__gens_each(store, txn, mark, c)) < 0)
		return rc;
	/* Dropped after the walk: a drop changes the database the walk reads. */
	for (i = 0; i < c->drop.n; i++) {
		MDB_dbi dbi;

		if ((rc = dsmap_store__gen_dbi(store, txn, (enum dsmap__gen_type)c->drop_type.v[i],
		                               c->drop.v[i], 0, &dbi)) < 0)
			return rc;
		dsmap_store__gen_dbi_forget(store, (enum dsmap__gen_type)c->drop_type.v[i],
		                            c->drop.v[i]);
		if ((rc = mdb_drop(txn, dbi, 1)) != 0)
			return dsmap_store__lmdb(store, rc, "drop generation %u",
			                         (unsigned int)c->drop.v[i]);
	}
	return 0;
}

int dsmap__inventory_collect(dsmap_store *store)
{
	struct collect c;
	int rc;

	memset(&c, 0, sizeof(c));
	if ((rc = dsmap_store__systems_each(store, gather, &c.keep)) >= 0)
		rc = dsmap_store__write(store, collect_txn, &c, "drop old holdings");
	free(c.keep.v);
	free(c.drop.v);
	free(c.drop_type.v);
	return rc < 0 ? rc : 0;
}
