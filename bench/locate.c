/*
 * bench/locate: locate latency in process, against SQLite.
 *
 * On a scanned workspace (bench/scan.sh keeps one), asks Q times where the
 * data of a random subject is, by e-mail: the e-mail is an alias in the
 * CRM, whose subject's customer number then finds the billing, web-log and
 * ticket records (link expansion).  dsmap answers with dsmap_locate_find()
 * on one open locator.  The baseline holds the very same holdings and
 * aliases in SQLite (WITHOUT ROWID tables keyed (hash, system) and (hash,
 * system, subject), prepared statements, a warm page cache) and runs the
 * same walk: the same lookups, holdings decoded the same way, identifiers
 * normalised and hashed the same way inside the clock.  Queries alternate
 * between the two, so both see the same machine.
 *
 * usage: bench/locate -C WORKSPACE -s SUBJECTS [-q QUERIES] [-x]
 * (-x: dsmap only, no baseline, for profiling)
 * Prints the medians and 99th percentiles in microseconds:
 *   locate dsmap P50_US P99_US MEAN_SYSTEMS_FOUND
 *   locate sqlite P50_US P99_US MEAN_SYSTEMS_FOUND
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include <dsmap.h>

#include "errors.h"
#include "ident.h"
#include "inventory.h"
#include "store.h"
#include "util.h"
#include "workspace.h"

#define ID_SIZE (1 + DSMAP_IDENT_HASH_SIZE)
#define MAX_STEPS 64
#define MAX_SEEN 256

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench/locate: %s: %s\n", what, dsmap_error_last()->message);
	exit(1);
}

static void sql(sqlite3 *db, const char *q)
{
	char *err = NULL;

	if (sqlite3_exec(db, q, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "bench/locate: sqlite: %s: %s\n", q, err);
		exit(1);
	}
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *q)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v3(db, q, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench/locate: sqlite: %s: %s\n", q, sqlite3_errmsg(db));
		exit(1);
	}
	return st;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* ---- the baseline's copy of the inventory ------------------------------------------ */

struct gens {
	uint32_t gen[64];
	size_t n;
};

static int gather(const char *id, const dsmap_store__system_summary *sum, void *payload)
{
	struct gens *g = payload;

	(void)id;
	if (sum->gen != 0 && g->n < 64)
		g->gen[g->n++] = sum->gen;
	return 0;
}

static void copy_inventory(dsmap_store *store, sqlite3 *db)
{
	sqlite3_stmt *hold, *alias;
	struct gens g = { { 0 }, 0 };
	MDB_txn *txn;
	size_t i, rows = 0;

	if (dsmap_store__systems_each(store, gather, &g) < 0 ||
	    dsmap_store__read_begin(store, &txn) < 0)
		die("read the store");
	sql(db, "CREATE TABLE holdings (hash BLOB NOT NULL, system INTEGER NOT NULL, "
	        "value BLOB NOT NULL, PRIMARY KEY (hash, system)) WITHOUT ROWID");
	sql(db, "CREATE TABLE aliases (hash BLOB NOT NULL, system INTEGER NOT NULL, "
	        "subject BLOB NOT NULL, PRIMARY KEY (hash, system, subject)) WITHOUT ROWID");
	hold = prepare(db, "INSERT INTO holdings VALUES (?1, ?2, ?3)");
	alias = prepare(db, "INSERT INTO aliases VALUES (?1, ?2, ?3)");
	sql(db, "BEGIN");
	for (i = 0; i < g.n; i++) {
		MDB_cursor *cur;
		MDB_dbi dbi;
		MDB_val k, v;
		int op;

		if (dsmap_store__gen_dbi(store, txn, DSMAP__GEN_HOLDINGS, g.gen[i], 0, &dbi) < 0 ||
		    mdb_cursor_open(txn, dbi, &cur) != 0)
			die("open holdings");
		for (op = MDB_FIRST; mdb_cursor_get(cur, &k, &v, op) == 0; op = MDB_NEXT) {
			sqlite3_bind_blob(hold, 1, k.mv_data, (int)k.mv_size, SQLITE_STATIC);
			sqlite3_bind_int(hold, 2, (int)i);
			sqlite3_bind_blob(hold, 3, v.mv_data, (int)v.mv_size, SQLITE_STATIC);
			if (sqlite3_step(hold) != SQLITE_DONE)
				die("sqlite insert");
			sqlite3_reset(hold);
			rows++;
		}
		mdb_cursor_close(cur);
		if (dsmap_store__gen_dbi(store, txn, DSMAP__GEN_ALIASES, g.gen[i], 0, &dbi) < 0) {
			dsmap_error_clear();
			continue;
		}
		if (mdb_cursor_open(txn, dbi, &cur) != 0)
			die("open aliases");
		for (op = MDB_FIRST; mdb_cursor_get(cur, &k, &v, op) == 0; op = MDB_NEXT) {
			/* an alias is the key (identifier, subject) */
			sqlite3_bind_blob(alias, 1, k.mv_data, DSMAP_IDENT_HASH_SIZE, SQLITE_STATIC);
			sqlite3_bind_int(alias, 2, (int)i);
			sqlite3_bind_blob(alias, 3, (const unsigned char *)k.mv_data + DSMAP_IDENT_HASH_SIZE,
			                  DSMAP_IDENT_HASH_SIZE, SQLITE_STATIC);
			if (sqlite3_step(alias) != SQLITE_DONE)
				die("sqlite insert");
			sqlite3_reset(alias);
			rows++;
		}
		mdb_cursor_close(cur);
	}
	sql(db, "COMMIT");
	mdb_txn_abort(txn);
	sqlite3_finalize(hold);
	sqlite3_finalize(alias);
	fprintf(stderr, "bench/locate: baseline holds %zu rows of %zu systems\n", rows, g.n);
}

/* ---- the baseline's walk ------------------------------------------------------------ */

struct base {
	sqlite3_stmt *by_hash, *by_alias, *one;
	const unsigned char *key;
	unsigned int links;
};

struct step {
	int kind, expand;
	unsigned char hash[DSMAP_IDENT_HASH_SIZE];
};

struct walk {
	struct step q[MAX_STEPS];
	size_t nq;
	int seen_sys[MAX_SEEN];
	unsigned char seen[MAX_SEEN][DSMAP_IDENT_HASH_SIZE];
	size_t nseen;
	unsigned int systems;   /* bit per system found */
};

static void add_step(struct walk *w, int kind, const unsigned char *hash, int expand)
{
	size_t i;

	for (i = 0; i < w->nq; i++)
		if (w->q[i].kind == kind && memcmp(w->q[i].hash, hash, DSMAP_IDENT_HASH_SIZE) == 0)
			return;
	if (w->nq == MAX_STEPS)
		return;
	w->q[w->nq].kind = kind;
	w->q[w->nq].expand = expand;
	memcpy(w->q[w->nq].hash, hash, DSMAP_IDENT_HASH_SIZE);
	w->nq++;
}

static void base_found(struct base *b, struct walk *w, int sys, const unsigned char *subject,
                       const void *val, int len, int expand)
{
	struct dsmap__holding h;
	size_t i;

	for (i = 0; i < w->nseen; i++)
		if (w->seen_sys[i] == sys && memcmp(w->seen[i], subject, DSMAP_IDENT_HASH_SIZE) == 0)
			return;
	if (w->nseen == MAX_SEEN)
		return;
	w->seen_sys[w->nseen] = sys;
	memcpy(w->seen[w->nseen++], subject, DSMAP_IDENT_HASH_SIZE);
	if (dsmap__holding_decode(&h, val, (size_t)len) < 0)
		die("decode");
	w->systems |= 1u << sys;
	if (!expand)
		return;
	if (b->links >> h.kind & 1)
		add_step(w, h.kind, subject, 1);
	for (i = 0; i < h.id_count; i++)
		if (b->links >> h.ids[i * ID_SIZE] & 1)
			add_step(w, h.ids[i * ID_SIZE], h.ids + i * ID_SIZE + 1, 1);
}

static unsigned int base_locate(struct base *b, const char *email)
{
	char norm[DSMAP_IDENT_MAX + 1];
	unsigned char hash[DSMAP_IDENT_HASH_SIZE];
	struct walk w;
	size_t n, q;

	memset(&w, 0, sizeof(w));
	if (dsmap_ident__normalise(norm, &n, DSMAP_ID_EMAIL, email, strlen(email)) != NULL)
		die("normalise");
	dsmap_ident__hash(hash, b->key, DSMAP_ID_EMAIL, norm, n);
	add_step(&w, DSMAP_ID_EMAIL, hash, 1);
	for (q = 0; q < w.nq; q++) {
		struct step st = w.q[q];

		sqlite3_bind_blob(b->by_hash, 1, st.hash, sizeof(st.hash), SQLITE_STATIC);
		while (sqlite3_step(b->by_hash) == SQLITE_ROW)
			base_found(b, &w, sqlite3_column_int(b->by_hash, 0), st.hash,
			           sqlite3_column_blob(b->by_hash, 1), sqlite3_column_bytes(b->by_hash, 1),
			           st.expand);
		sqlite3_reset(b->by_hash);
		sqlite3_bind_blob(b->by_alias, 1, st.hash, sizeof(st.hash), SQLITE_STATIC);
		while (sqlite3_step(b->by_alias) == SQLITE_ROW) {
			unsigned char subject[DSMAP_IDENT_HASH_SIZE];
			int sys = sqlite3_column_int(b->by_alias, 0);

			memcpy(subject, sqlite3_column_blob(b->by_alias, 1), sizeof(subject));
			sqlite3_bind_blob(b->one, 1, subject, sizeof(subject), SQLITE_STATIC);
			sqlite3_bind_int(b->one, 2, sys);
			if (sqlite3_step(b->one) == SQLITE_ROW)
				base_found(b, &w, sys, subject, sqlite3_column_blob(b->one, 0),
				           sqlite3_column_bytes(b->one, 0), st.expand);
			sqlite3_reset(b->one);
		}
		sqlite3_reset(b->by_alias);
	}
	return (unsigned int)__builtin_popcount(w.systems);
}

/* ---- main ---------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	const char *dir = NULL;
	size_t subjects = 0, queries = 20000, i, warm = 2000;
	double *td, *ts, t0, sys_d = 0, sys_s = 0;
	dsmap_workspace *ws = NULL;
	dsmap_locator *loc = NULL;
	struct base b;
	sqlite3 *db;
	char *dbpath;
	int c, only = 0;

	while ((c = getopt(argc, argv, "C:s:q:x")) != -1) {
		switch (c) {
		case 'C':
			dir = optarg;
			break;
		case 's':
			subjects = strtoul(optarg, NULL, 10);
			break;
		case 'q':
			queries = strtoul(optarg, NULL, 10);
			break;
		case 'x':
			only = 1;
			break;
		default:
			fprintf(stderr, "usage: bench/locate -C WORKSPACE -s SUBJECTS [-q QUERIES]\n");
			return 2;
		}
	}
	if (dir == NULL || subjects == 0 || queries == 0) {
		fprintf(stderr, "usage: bench/locate -C WORKSPACE -s SUBJECTS [-q QUERIES]\n");
		return 2;
	}
	if (dsmap_workspace_open(&ws, dir) < 0)
		die("open the workspace");
	if (dsmap_locator_open(&loc, ws) < 0)
		die("open a locator");

	dbpath = dsmap__sprintf("%s/bench-locate-%ld.sqlite", getenv("TMPDIR") ? getenv("TMPDIR") :
	                        "/tmp", (long)getpid());
	unlink(dbpath);
	if (sqlite3_open(dbpath, &db) != SQLITE_OK)
		return 1;
	sql(db, "PRAGMA journal_mode=OFF");
	sql(db, "PRAGMA synchronous=OFF");
	sql(db, "PRAGMA cache_size=-262144");
	/* one process: no file lock per statement */
	sql(db, "PRAGMA locking_mode=EXCLUSIVE");
	if (!only)
		copy_inventory(ws->store, db);
	if (only)
		sql(db, "CREATE TABLE holdings (hash, system, value); CREATE TABLE aliases (hash, "
		        "system, subject)");
	b.by_hash = prepare(db, "SELECT system, value FROM holdings WHERE hash = ?1");
	b.by_alias = prepare(db, "SELECT system, subject FROM aliases WHERE hash = ?1");
	b.one = prepare(db, "SELECT value FROM holdings WHERE hash = ?1 AND system = ?2");
	b.key = ws->key;
	b.links = 1u << DSMAP_ID_EMAIL | 1u << DSMAP_ID_CUSTOMER_NUMBER |
	          1u << DSMAP_ID_NATIONAL_REGISTER_NUMBER;

	td = calloc(queries, sizeof(*td));
	ts = calloc(queries, sizeof(*ts));
	srand(42);
	for (i = 0; i < warm + queries; i++) {
		char email[64];
		const char *ids[1] = { email };
		dsmap_locate_result *r = NULL;
		unsigned int found;
		double d;

		snprintf(email, sizeof(email), "email:user%lu@example.com",
		         1 + (unsigned long)rand() % subjects);
		t0 = now();
		if (dsmap_locate_find(&r, loc, ids, 1) < 0)
			die("locate");
		d = now() - t0;
		found = (unsigned int)dsmap_locate_result_count(r);
		dsmap_locate_result_free(r);
		if (i >= warm) {
			td[i - warm] = d * 1e6;
			sys_d += found;
		}
		t0 = now();
		found = only ? 0 : base_locate(&b, email + 6);
		d = now() - t0;
		if (i >= warm) {
			ts[i - warm] = d * 1e6;
			sys_s += found;
		}
	}
	qsort(td, queries, sizeof(*td), cmp_double);
	qsort(ts, queries, sizeof(*ts), cmp_double);
	printf("locate dsmap %.2f %.2f %.2f\n", td[queries / 2], td[queries * 99 / 100],
	       sys_d / (double)queries);
	printf("locate sqlite %.2f %.2f %.2f\n", ts[queries / 2], ts[queries * 99 / 100],
	       sys_s / (double)queries);
	sqlite3_finalize(b.by_hash);
	sqlite3_finalize(b.by_alias);
	sqlite3_finalize(b.one);
	sqlite3_close(db);
	unlink(dbpath);
	free(dbpath);
	free(td);
	free(ts);
	dsmap_locator_free(loc);
	dsmap_workspace_free(ws);
	return 0;
}
