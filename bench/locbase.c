/*
 * bench/locbase: the SQLite baseline of locate and the raw index lookup
 * (see locbase.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "errors.h"
#include "ident.h"
#include "inventory.h"
#include "locbase.h"
#include "store.h"
#include "util.h"
#include "workspace.h"

#define ID_SIZE (1 + DSMAP_IDENT_HASH_SIZE)
#define MAX_STEPS 256       /* as core/locate.c's MAX_WALK */
#define MAX_SEEN 1024       /* as core/locate.c's MAX_SEEN */

const char *lb_prog = "bench";

double lb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

unsigned long lb_retimed;

static long ivcsw(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) != 0)
		return 0;
	return ru.ru_nivcsw;
}

void lb_begin(lb_mark *m)
{
	m->ivcsw = ivcsw();
	m->t = lb_now();
}

double lb_end(const lb_mark *m, int *switched)
{
	double t = lb_now();

	*switched = ivcsw() != m->ivcsw;
	lb_retimed += (unsigned long)*switched;
	return (t - m->t) * 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void lb_percentiles(double *t, size_t n, double *p50, double *p99)
{
	qsort(t, n, sizeof(*t), cmp_double);
	*p50 = t[n / 2];
	*p99 = t[n * 99 / 100];
}

double lb_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void lb_die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", lb_prog, what, dsmap_error_last()->message);
	exit(1);
}

static void sql_die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "%s: sqlite: %s: %s\n", lb_prog, what, sqlite3_errmsg(db));
	exit(1);
}

void lb_hash(unsigned char out[DSMAP_IDENT_HASH_SIZE], dsmap_workspace *ws, int kind,
             const char *value)
{
	char norm[DSMAP_IDENT_MAX + 1];
	const char *why;
	size_t n;

	if ((why = dsmap_ident__normalise(norm, &n, kind, value, strlen(value))) != NULL) {
		fprintf(stderr, "%s: %s: %s\n", lb_prog, value, why);
		exit(1);
	}
	dsmap_ident__hash(out, ws->key, kind, norm, n);
}

size_t lb_prefault(dsmap_workspace *ws)
{
	char *path = dsmap__path_join(ws->store->path, "data.mdb"), line[4096];
	char *file = path ? realpath(path, NULL) : NULL;
	unsigned long lo, hi;
	struct stat st;
	size_t done = 0;
	FILE *maps;

	/* the map's address is LMDB's own: /proc/self/maps has it */
	free(path);
	if (file == NULL || stat(file, &st) != 0 || (maps = fopen("/proc/self/maps", "r")) == NULL) {
		free(file);
		return 0;
	}
	while (fgets(line, sizeof(line), maps) != NULL) {
		size_t len = strlen(line), flen = strlen(file), size, i;
		const volatile unsigned char *p;
		unsigned char x = 0;

		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len < flen || strcmp(line + len - flen, file) != 0 ||
		    sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		/* pages past the end of the file are not backed: never touch them */
		size = hi - lo < (unsigned long)st.st_size ? hi - lo : (size_t)st.st_size;
		p = (const volatile unsigned char *)lo;
		for (i = 0; i < size; i += 4096)
			x ^= p[i];
		(void)x;
		done += size;
	}
	fclose(maps);
	free(file);
	return done;
}

/* ---- the copy ------------------------------------------------------------------------ */

struct cand {
	size_t sys;
	unsigned char subject[DSMAP_IDENT_HASH_SIZE];
	size_t off, len;         /* the holding, in buf */
};

struct step {
	int kind;
	unsigned char hash[DSMAP_IDENT_HASH_SIZE];
};

struct seen {
	size_t sys;
	unsigned char subject[DSMAP_IDENT_HASH_SIZE];
};

struct lb_sqlite {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *by_hash, *by_alias, *one;
	dsmap_workspace *ws;
	unsigned int links;      /* 1 << kind of each linking kind */
	size_t max_join, nsys, rows;
	/* the walk's state, kept between queries */
	struct step q[MAX_STEPS];
	size_t nq;
	struct seen seen[MAX_SEEN];
	size_t nseen;
	unsigned char *hit;      /* by system: found there */
	size_t found;
	size_t *count;           /* by system: subjects the identifier names there */
	size_t *touched, ntouched;
	struct cand *cands;
	size_t ncands, capcands;
	unsigned char *buf;
	size_t nbuf, capbuf;
};

static void sql(sqlite3 *db, const char *q)
{
	char *err = NULL;

	if (sqlite3_exec(db, q, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "%s: sqlite: %s: %s\n", lb_prog, q, err);
		exit(1);
	}
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *q)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v3(db, q, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		sql_die(db, q);
	return st;
}

struct gens {
	uint32_t *gen;
	size_t n, cap;
};

static int gather(const char *id, const dsmap_store__system_summary *sum, void *payload)
{
	struct gens *g = payload;

	(void)id;
	if (sum->gen == 0)
		return 0;
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 64;
		if ((g->gen = realloc(g->gen, g->cap * sizeof(*g->gen))) == NULL)
			exit(1);
	}
	g->gen[g->n++] = sum->gen;
	return 0;
}

static void copy_inventory(lb_sqlite *b)
{
	dsmap_store *store = b->ws->store;
	sqlite3_stmt *hold, *alias;
	struct gens g = { NULL, 0, 0 };
	MDB_txn *txn;
	size_t i;

	if (dsmap_store__systems_each(store, gather, &g) < 0 ||
	    dsmap_store__read_begin(store, &txn) < 0)
		lb_die("read the store");
	sql(b->db, "CREATE TABLE holdings (hash BLOB NOT NULL, system INTEGER NOT NULL, "
	           "value BLOB NOT NULL, PRIMARY KEY (hash, system)) WITHOUT ROWID");
	sql(b->db, "CREATE TABLE aliases (hash BLOB NOT NULL, system INTEGER NOT NULL, "
	           "subject BLOB NOT NULL, PRIMARY KEY (hash, system, subject)) WITHOUT ROWID");
	hold = prepare(b->db, "INSERT INTO holdings VALUES (?1, ?2, ?3)");
	alias = prepare(b->db, "INSERT INTO aliases VALUES (?1, ?2, ?3)");
	sql(b->db, "BEGIN");
	for (i = 0; i < g.n; i++) {
		MDB_cursor *cur;
		MDB_dbi dbi;
		MDB_val k, v;
		int op;

		if (dsmap_store__gen_dbi(store, txn, DSMAP__GEN_HOLDINGS, g.gen[i], 0, &dbi) < 0 ||
		    mdb_cursor_open(txn, dbi, &cur) != 0)
			lb_die("open holdings");
		for (op = MDB_FIRST; mdb_cursor_get(cur, &k, &v, op) == 0; op = MDB_NEXT) {
			sqlite3_bind_blob(hold, 1, k.mv_data, (int)k.mv_size, SQLITE_STATIC);
			sqlite3_bind_int(hold, 2, (int)i);
			sqlite3_bind_blob(hold, 3, v.mv_data, (int)v.mv_size, SQLITE_STATIC);
			if (sqlite3_step(hold) != SQLITE_DONE)
				sql_die(b->db, "insert a holding");
			sqlite3_reset(hold);
			b->rows++;
		}
		mdb_cursor_close(cur);
		if (dsmap_store__gen_dbi(store, txn, DSMAP__GEN_ALIASES, g.gen[i], 0, &dbi) < 0) {
			dsmap_error_clear();
			continue;
		}
		if (mdb_cursor_open(txn, dbi, &cur) != 0)
			lb_die("open aliases");
		for (op = MDB_FIRST; mdb_cursor_get(cur, &k, &v, op) == 0; op = MDB_NEXT) {
			/* an alias is the key (identifier, subject) */
			sqlite3_bind_blob(alias, 1, k.mv_data, DSMAP_IDENT_HASH_SIZE, SQLITE_STATIC);
			sqlite3_bind_int(alias, 2, (int)i);
			sqlite3_bind_blob(alias, 3, (const unsigned char *)k.mv_data + DSMAP_IDENT_HASH_SIZE,
			                  DSMAP_IDENT_HASH_SIZE, SQLITE_STATIC);
			if (sqlite3_step(alias) != SQLITE_DONE)
				sql_die(b->db, "insert an alias");
			sqlite3_reset(alias);
			b->rows++;
		}
		mdb_cursor_close(cur);
	}
	sql(b->db, "COMMIT");
	mdb_txn_abort(txn);
	sqlite3_finalize(hold);
	sqlite3_finalize(alias);
	b->nsys = g.n;
	free(g.gen);
}

/* The linking kinds of the synced notice are what core/locate.c follows;
 * the bench's notices keep the defaults. */
static unsigned int default_links(void)
{
	unsigned int links = 0;
	int kind;

	for (kind = 1; dsmap_ident_kind_name(kind) != NULL; kind++)
		if (dsmap_ident_kind_links(kind))
			links |= 1u << kind;
	return links;
}

lb_sqlite *lb_sqlite_open(dsmap_workspace *ws, const char *dir, size_t max_join)
{
	lb_sqlite *b = calloc(1, sizeof(*b));

	if (b == NULL)
		exit(1);
	b->ws = ws;
	b->max_join = max_join;
	b->links = default_links();
	b->path = dsmap__sprintf("%s/bench-locate-%ld.sqlite", dir, (long)getpid());
	unlink(b->path);
	if (sqlite3_open(b->path, &b->db) != SQLITE_OK)
		sql_die(b->db, b->path);
	sql(b->db, "PRAGMA journal_mode=OFF");
	sql(b->db, "PRAGMA synchronous=OFF");
	sql(b->db, "PRAGMA cache_size=-262144");
	/* one process: no file lock per statement */
	sql(b->db, "PRAGMA locking_mode=EXCLUSIVE");
	copy_inventory(b);
	b->by_hash = prepare(b->db, "SELECT system, value FROM holdings WHERE hash = ?1");
	b->by_alias = prepare(b->db, "SELECT system, subject FROM aliases WHERE hash = ?1");
	b->one = prepare(b->db, "SELECT value FROM holdings WHERE hash = ?1 AND system = ?2");
	if ((b->hit = calloc(b->nsys + 1, 1)) == NULL ||
	    (b->count = calloc(b->nsys + 1, sizeof(*b->count))) == NULL ||
	    (b->touched = calloc(b->nsys + 1, sizeof(*b->touched))) == NULL)
		exit(1);
	return b;
}

size_t lb_sqlite_rows(const lb_sqlite *b)
{
	return b->rows;
}

void lb_sqlite_free(lb_sqlite *b)
{
	if (b == NULL)
		return;
	sqlite3_finalize(b->by_hash);
	sqlite3_finalize(b->by_alias);
	sqlite3_finalize(b->one);
	sqlite3_close(b->db);
	unlink(b->path);
	free(b->path);
	free(b->hit);
	free(b->count);
	free(b->touched);
	free(b->cands);
	free(b->buf);
	free(b);
}

/* ---- the walk ------------------------------------------------------------------------ */

static void add_step(lb_sqlite *b, int kind, const unsigned char *hash)
{
	size_t i;

	for (i = 0; i < b->nq; i++)
		if (b->q[i].kind == kind && memcmp(b->q[i].hash, hash, DSMAP_IDENT_HASH_SIZE) == 0)
			return;
	if (b->nq == MAX_STEPS)
		return;
	b->q[b->nq].kind = kind;
	memcpy(b->q[b->nq].hash, hash, DSMAP_IDENT_HASH_SIZE);
	b->nq++;
}

static void counted(lb_sqlite *b, size_t sys)
{
	if (b->count[sys]++ == 0)
		b->touched[b->ntouched++] = sys;
}

static void cand_add(lb_sqlite *b, size_t sys, const void *subject, const void *val, int len)
{
	struct cand *c;

	if (b->ncands == b->capcands) {
		b->capcands = b->capcands ? 2 * b->capcands : 64;
		if ((b->cands = realloc(b->cands, b->capcands * sizeof(*b->cands))) == NULL)
			exit(1);
	}
	while (b->nbuf + (size_t)len > b->capbuf) {
		b->capbuf = b->capbuf ? 2 * b->capbuf : 1 << 16;
		if ((b->buf = realloc(b->buf, b->capbuf)) == NULL)
			exit(1);
	}
	c = &b->cands[b->ncands++];
	c->sys = sys;
	memcpy(c->subject, subject, DSMAP_IDENT_HASH_SIZE);
	memcpy(b->buf + b->nbuf, val, (size_t)len);
	c->off = b->nbuf;
	c->len = (size_t)len;
	b->nbuf += (size_t)len;
}

/* A subject of system `sys` found; with `expand`, its linking identifiers
 * join the walk. */
static void found(lb_sqlite *b, const struct cand *c, int expand)
{
	struct dsmap__holding h;
	size_t i;

	for (i = 0; i < b->nseen; i++)
		if (b->seen[i].sys == c->sys &&
		    memcmp(b->seen[i].subject, c->subject, DSMAP_IDENT_HASH_SIZE) == 0)
			return;
	if (b->nseen == MAX_SEEN)
		return;
	b->seen[b->nseen].sys = c->sys;
	memcpy(b->seen[b->nseen++].subject, c->subject, DSMAP_IDENT_HASH_SIZE);
	if (dsmap__holding_decode(&h, c->subject, b->buf + c->off, c->len) < 0)
		lb_die("decode a holding");
	if (!b->hit[c->sys]) {
		b->hit[c->sys] = 1;
		b->found++;
	}
	if (!expand)
		return;
	if (h.kind > 0 && h.kind < 32 && (b->links >> h.kind & 1))
		add_step(b, h.kind, c->subject);
	for (i = 0; i < h.id_count; i++) {
		int kind = h.ids[i * ID_SIZE];

		if (kind > 0 && kind < 32 && (b->links >> kind & 1))
			add_step(b, kind, h.ids + i * ID_SIZE + 1);
	}
}

/* One identifier of the walk: its subjects, unless it names more than
 * max_join in one system. */
static void look(lb_sqlite *b, const struct step *st)
{
	size_t i, worst = 0;
	int expand = b->links >> st->kind & 1;

	b->ncands = b->nbuf = 0;
	sqlite3_bind_blob(b->by_hash, 1, st->hash, DSMAP_IDENT_HASH_SIZE, SQLITE_STATIC);
	while (sqlite3_step(b->by_hash) == SQLITE_ROW) {
		size_t sys = (size_t)sqlite3_column_int(b->by_hash, 0);

		counted(b, sys);
		cand_add(b, sys, st->hash, sqlite3_column_blob(b->by_hash, 1),
		         sqlite3_column_bytes(b->by_hash, 1));
	}
	sqlite3_reset(b->by_hash);
	sqlite3_bind_blob(b->by_alias, 1, st->hash, DSMAP_IDENT_HASH_SIZE, SQLITE_STATIC);
	while (sqlite3_step(b->by_alias) == SQLITE_ROW) {
		unsigned char subject[DSMAP_IDENT_HASH_SIZE];
		size_t sys = (size_t)sqlite3_column_int(b->by_alias, 0);

		counted(b, sys);
		if (b->count[sys] > b->max_join)
			continue;   /* only counted, as dsmap does past max_join */
		memcpy(subject, sqlite3_column_blob(b->by_alias, 1), sizeof(subject));
		sqlite3_bind_blob(b->one, 1, subject, sizeof(subject), SQLITE_STATIC);
		sqlite3_bind_int(b->one, 2, (int)sys);
		if (sqlite3_step(b->one) == SQLITE_ROW)
			cand_add(b, sys, subject, sqlite3_column_blob(b->one, 0),
			         sqlite3_column_bytes(b->one, 0));
		sqlite3_reset(b->one);
	}
	sqlite3_reset(b->by_alias);
	for (i = 0; i < b->ntouched; i++) {
		if (b->count[b->touched[i]] > worst)
			worst = b->count[b->touched[i]];
		b->count[b->touched[i]] = 0;
	}
	b->ntouched = 0;
	if (worst > b->max_join)
		return;   /* an identity conflict: not followed */
	for (i = 0; i < b->ncands; i++)
		found(b, &b->cands[i], expand);
}

size_t lb_sqlite_locate(lb_sqlite *b, int kind, const char *value)
{
	struct step st;
	size_t q;

	b->nq = b->nseen = b->found = 0;
	memset(b->hit, 0, b->nsys);
	lb_hash(st.hash, b->ws, kind, value);
	add_step(b, kind, st.hash);
	for (q = 0; q < b->nq; q++) {
		st = b->q[q];
		look(b, &st);
	}
	return b->found;
}

/* ---- the raw lookup ------------------------------------------------------------------- */

struct lb_raw {
	MDB_txn *txn;
	MDB_cursor *cur;
};

lb_raw *lb_raw_open(dsmap_workspace *ws)
{
	lb_raw *r = calloc(1, sizeof(*r));

	if (r == NULL)
		exit(1);
	if (dsmap_store__read_begin(ws->store, &r->txn) < 0)
		lb_die("read the store");
	if (mdb_cursor_open(r->txn, ws->store->dbi[DSMAP__DB_IDINDEX], &r->cur) != 0) {
		fprintf(stderr, "%s: the identifier index cannot be opened\n", lb_prog);
		exit(1);
	}
	return r;
}

size_t lb_raw_lookup(lb_raw *r, const unsigned char hash[DSMAP_IDENT_HASH_SIZE])
{
	MDB_val k = { DSMAP_IDENT_HASH_SIZE, (void *)hash }, v;
	size_t n = 0;
	int rc;

	rc = mdb_cursor_get(r->cur, &k, &v, MDB_SET_KEY);
	if (rc == 0)
		rc = mdb_cursor_get(r->cur, &k, &v, MDB_GET_MULTIPLE);
	if (rc == 0)
		n = v.mv_size / 4;
	return n;
}

void lb_raw_free(lb_raw *r)
{
	if (r == NULL)
		return;
	mdb_cursor_close(r->cur);
	mdb_txn_abort(r->txn);
	free(r);
}

/* ---- timed calls --------------------------------------------------------------------- */

double lb_time_dsmap(dsmap_locator *loc, const char *query, size_t *found)
{
	const char *q[1] = { query };
	lb_mark m;
	double d = 0;
	int tries, switched = 1;

	for (tries = 0; switched && tries < LB_TRIES; tries++) {
		dsmap_locate_result *r = NULL;

		lb_begin(&m);
		if (dsmap_locate_find(&r, loc, q, 1) < 0)
			lb_die("locate");
		d = lb_end(&m, &switched);
		*found = dsmap_locate_result_count(r);
		dsmap_locate_result_free(r);
	}
	return d;
}

double lb_time_sqlite(lb_sqlite *b, int kind, const char *value, size_t *found)
{
	lb_mark m;
	double d = 0;
	int tries, switched = 1;

	for (tries = 0; switched && tries < LB_TRIES; tries++) {
		lb_begin(&m);
		*found = lb_sqlite_locate(b, kind, value);
		d = lb_end(&m, &switched);
	}
	return d;
}

double lb_time_raw(lb_raw *r, const unsigned char hash[DSMAP_IDENT_HASH_SIZE], size_t *found)
{
	lb_mark m;
	double d = 0;
	int tries, switched = 1;

	for (tries = 0; switched && tries < LB_TRIES; tries++) {
		lb_begin(&m);
		*found = lb_raw_lookup(r, hash);
		d = lb_end(&m, &switched);
	}
	return d;
}
