/*
 * bench/ingest: holdings into the store alone, against SQLite.
 *
 * Feeds N records (two identifiers, three categories, a locator each: what
 * a CRM row gives) straight into the scan's ingest (sort, spill, merge,
 * append a generation) and, as the baseline, the same holdings into SQLite
 * the way one would store them there: a WITHOUT ROWID table keyed by
 * (subject hash, system), an alias table keyed by (identifier hash,
 * system, subject), prepared statements, one transaction per 100,000 rows.
 * Hashing is done before the clock starts, for both.
 *
 * usage: bench/ingest [-n RECORDS] [-r RUNS] [-d DIR] [-o dsmap|sqlite]
 * (-o runs one side only, for profiling)
 * Prints one line per run and a median line:
 *   ingest dsmap RECORDS SECONDS RECORDS_PER_S
 *   ingest sqlite RECORDS SECONDS RECORDS_PER_S
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "errors.h"
#include "ident.h"
#include "inventory.h"
#include "store.h"
#include "util.h"

#define ID_SIZE (1 + DSMAP_IDENT_HASH_SIZE)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench/ingest: %s: %s\n", what, dsmap_error_last()->message);
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The records: ids[i] holds a customer number's and an e-mail's hashes. */
static unsigned char *make_ids(size_t n)
{
	unsigned char key[32], *ids = malloc(n * 2 * ID_SIZE);
	char buf[64];
	size_t i;

	if (ids == NULL)
		exit(1);
	randombytes_buf(key, sizeof(key));
	for (i = 0; i < n; i++) {
		int len = snprintf(buf, sizeof(buf), "C%09zu", i);

		ids[i * 2 * ID_SIZE] = DSMAP_ID_CUSTOMER_NUMBER;
		dsmap_ident__hash(ids + i * 2 * ID_SIZE + 1, key, DSMAP_ID_CUSTOMER_NUMBER, buf,
		                  (size_t)len);
		len = snprintf(buf, sizeof(buf), "user%zu@example.com", i);
		ids[i * 2 * ID_SIZE + ID_SIZE] = DSMAP_ID_EMAIL;
		dsmap_ident__hash(ids + i * 2 * ID_SIZE + ID_SIZE + 1, key, DSMAP_ID_EMAIL, buf,
		                  (size_t)len);
	}
	return ids;
}

/* Locators, made before the clock starts: formatting them is the plugin's
 * work, not the store's. */
static char (*make_locs(size_t n))[24]
{
	char (*locs)[24] = malloc(n * sizeof(*locs));
	size_t i;

	if (locs == NULL)
		exit(1);
	for (i = 0; i < n; i++)
		snprintf(locs[i], sizeof(locs[i]), "crm/%zu", i);
	return locs;
}

static char (*locs)[24];

static double run_dsmap(const char *dir, const unsigned char *ids, size_t n)
{
	static const uint32_t cats[3] = { 0, 1, 2 };
	dsmap_store_options so = DSMAP_STORE_OPTIONS_INIT;
	dsmap_store__system_summary sum;
	dsmap__ingest *ing = NULL;
	dsmap_store *store = NULL;
	char *path = dsmap__path_join(dir, "store");
	double t0, t1;
	size_t i;

	dsmap__rm_rf(path);
	so.flags = DSMAP_STORE_CREATE;
	if (dsmap_store_open(&store, path, &so) < 0)
		die("open store");
	t0 = now();
	if (dsmap__ingest_new(&ing, store, 1, 64, dir) < 0)
		die("ingest");
	for (i = 0; i < n; i++) {
		struct dsmap__ingest_record r;

		r.ids = ids + i * 2 * ID_SIZE;
		r.id_count = 2;
		r.cats = cats;
		r.cat_count = 3;
		r.loc = locs[i];
		r.loc_len = strlen(locs[i]);
		r.first = r.last = 1700000000 + (int64_t)i;
		r.kinds = r.brands = 0;
		if (dsmap__ingest_add(ing, 0, &r) < 0)
			die("add");
	}
	memset(&sum, 0, sizeof(sum));
	sum.sysno = 1;
	if (dsmap__ingest_commit(ing, 0, "crm", &sum) < 0)
		die("commit");
	t1 = now();
	if (sum.subjects != n) {
		fprintf(stderr, "bench/ingest: %llu subjects stored, %zu expected\n",
		        (unsigned long long)sum.subjects, n);
		exit(1);
	}
	free(sum.categories);
	dsmap__ingest_free(ing);
	dsmap_store_free(store);
	dsmap__rm_rf(path);
	free(path);
	return t1 - t0;
}

static void sql(sqlite3 *db, const char *q)
{
	char *err = NULL;

	if (sqlite3_exec(db, q, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "bench/ingest: sqlite: %s: %s\n", q, err);
		exit(1);
	}
}

static double run_sqlite(const char *dir, const unsigned char *ids, size_t n)
{
	char *path = dsmap__path_join(dir, "baseline.sqlite");
	sqlite3_stmt *hold, *alias;
	sqlite3 *db;
	double t0, t1;
	size_t i;

	unlink(path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		exit(1);
	sql(db, "PRAGMA journal_mode=WAL");
	sql(db, "PRAGMA synchronous=NORMAL");
	/* a page cache the size of what the scan process uses, not the 2 MB default */
	sql(db, "PRAGMA cache_size=-131072");
	sql(db, "CREATE TABLE holdings (subject BLOB NOT NULL, system INTEGER NOT NULL, "
	        "kind INTEGER, records INTEGER, first INTEGER, last INTEGER, categories BLOB, "
	        "locators TEXT, PRIMARY KEY (subject, system)) WITHOUT ROWID");
	sql(db, "CREATE TABLE aliases (identifier BLOB NOT NULL, system INTEGER NOT NULL, "
	        "subject BLOB NOT NULL, PRIMARY KEY (identifier, system, subject)) WITHOUT ROWID");
	if (sqlite3_prepare_v2(db, "INSERT INTO holdings VALUES (?, 1, ?, 1, ?, ?, ?, ?) "
	                       "ON CONFLICT DO UPDATE SET records = records + 1", -1, &hold,
	                       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO aliases VALUES (?, 1, ?)", -1, &alias,
	                       NULL) != SQLITE_OK) {
		fprintf(stderr, "bench/ingest: sqlite: %s\n", sqlite3_errmsg(db));
		exit(1);
	}
	t0 = now();
	sql(db, "BEGIN");
	for (i = 0; i < n; i++) {
		const unsigned char *r = ids + i * 2 * ID_SIZE;
		static const unsigned char cats = 0x07;
		int len = (int)strlen(locs[i]);

		sqlite3_bind_blob(hold, 1, r + 1, DSMAP_IDENT_HASH_SIZE, SQLITE_STATIC);
		sqlite3_bind_int(hold, 2, r[0]);
		sqlite3_bind_int64(hold, 3, 1700000000 + (int64_t)i);
		sqlite3_bind_int64(hold, 4, 1700000000 + (int64_t)i);
		sqlite3_bind_blob(hold, 5, &cats, 1, SQLITE_STATIC);
		sqlite3_bind_text(hold, 6, locs[i], len, SQLITE_STATIC);
		if (sqlite3_step(hold) != SQLITE_DONE)
			exit(1);
		sqlite3_reset(hold);
		sqlite3_bind_blob(alias, 1, r + ID_SIZE + 1, DSMAP_IDENT_HASH_SIZE, SQLITE_STATIC);
		sqlite3_bind_blob(alias, 2, r + 1, DSMAP_IDENT_HASH_SIZE, SQLITE_STATIC);
		if (sqlite3_step(alias) != SQLITE_DONE)
			exit(1);
		sqlite3_reset(alias);
		if (i % 100000 == 99999) {
			sql(db, "COMMIT");
			sql(db, "BEGIN");
		}
	}
	sql(db, "COMMIT");
	t1 = now();
	sqlite3_finalize(hold);
	sqlite3_finalize(alias);
	sqlite3_close(db);
	unlink(path);
	free(path);
	return t1 - t0;
}

int main(int argc, char **argv)
{
	size_t n = 1000000, runs = 5, i;
	const char *base = NULL, *only = "";
	double *td, *ts;
	unsigned char *ids;
	char *dir;
	int c;

	while ((c = getopt(argc, argv, "n:r:d:o:")) != -1) {
		switch (c) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			runs = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			base = optarg;
			break;
		case 'o':
			only = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench/ingest [-n RECORDS] [-r RUNS] [-d DIR] "
			        "[-o dsmap|sqlite]\n");
			return 2;
		}
	}
	if (n == 0 || runs == 0 || sodium_init() < 0)
		return 2;
	dir = dsmap__sprintf("%s/dsmap-bench-XXXXXX", base ? base : "/tmp");
	if (dir == NULL || mkdtemp(dir) == NULL)
		return 1;
	ids = make_ids(n);
	locs = make_locs(n);
	td = calloc(runs, sizeof(*td));
	ts = calloc(runs, sizeof(*ts));
	for (i = 0; i < runs; i++) {
		/* alternate, so that both see the same machine */
		td[i] = strcmp(only, "sqlite") != 0 ? run_dsmap(dir, ids, n) : 0;
		ts[i] = strcmp(only, "dsmap") != 0 ? run_sqlite(dir, ids, n) : 0;
		printf("run %zu: dsmap %.3f s, sqlite %.3f s\n", i + 1, td[i], ts[i]);
		fflush(stdout);
	}
	qsort(td, runs, sizeof(*td), cmp_double);
	qsort(ts, runs, sizeof(*ts), cmp_double);
	printf("ingest dsmap %zu %.3f %.0f\n", n, td[runs / 2], (double)n / td[runs / 2]);
	printf("ingest sqlite %zu %.3f %.0f\n", n, ts[runs / 2], (double)n / ts[runs / 2]);
	rmdir(dir);
	free(dir);
	free(ids);
	free(locs);
	free(td);
	free(ts);
	return 0;
}
