/*
 * bench/locbase: what bench/locate and bench/systems measure
 * dsmap_locate_find() against, and the helpers both use.
 *
 * - The SQLite baseline: the store's current holdings and aliases copied
 *   into SQLite, and the same walk as core/locate.c over them.  Tables
 *   WITHOUT ROWID keyed by identifier hash:
 *     holdings (hash, system, value)   PRIMARY KEY (hash, system)
 *     aliases  (hash, system, subject) PRIMARY KEY (hash, system, subject)
 *   (value: the holding as the store encodes it), prepared statements, a
 *   256 MB page cache, exclusive locking.  Per identifier on the walk: the
 *   holdings it keys, the aliases it starts and the holding of each
 *   subject they lead to; a subject found through a linking identifier
 *   adds its linking identifiers to the walk; an identifier that names
 *   more than `max_join` subjects in one system is an identity conflict
 *   and is not followed.  The query is normalised and hashed inside the
 *   clock, the holdings decoded with the store's decoder, as dsmap does.
 *   What it does not do (dsmap does): build the per-system summary
 *   (categories, dates, locators), which is a few memory operations per
 *   subject found.
 * - The physical limit: one raw lookup in the store's identifier index (an
 *   LMDB MDB_DUPSORT | MDB_DUPFIXED database keyed by the 16-byte
 *   identifier hash), MDB_SET_KEY then MDB_GET_MULTIPLE, in a read
 *   transaction held open as a locator holds its own, the hash computed
 *   before the clock starts.
 */
#ifndef DSMAP_BENCH_LOCBASE_H
#define DSMAP_BENCH_LOCBASE_H

#include <stddef.h>

#include <dsmap.h>

#include "dsmap/ident.h"

/* Subjects of bench/gen-sources.py whose e-mail is a placeholder shared
 * by many (placeholder_email() there): not queried by e-mail. */
#define LB_PLACEHOLDER_EMAIL(n) ((n) % 200 == 7)

double lb_now(void);

/*
 * One timed call: lb_begin(), the call, lb_end(), which gives the wall
 * time in microseconds and sets *switched when the kernel switched this
 * thread out involuntarily in between (counted by getrusage, outside the
 * clock).  The machine is shared: a query that another process preempts
 * takes a scheduler slice (some 4 ms here) instead of its own time, and
 * the longer a query, the likelier.  The benches time such a query again,
 * up to LB_TRIES times, so that the 99th percentile is the query's and not
 * the neighbours'; lb_retimed counts them.
 */
typedef struct {
	double t;
	long ivcsw;
} lb_mark;

#define LB_TRIES 5

void lb_begin(lb_mark *m);
double lb_end(const lb_mark *m, int *switched);
extern unsigned long lb_retimed;

/* Sort `t` (n > 0) and give its 50th and 99th percentiles. */
void lb_percentiles(double *t, size_t n, double *p50, double *p99);

/* The median of n values (sorts them). */
double lb_median(double *v, size_t n);

/* Print "PROG: WHAT: <dsmap's last error>" and exit 1. */
void lb_die(const char *what);
extern const char *lb_prog;

/* Normalise `value` as an identifier of `kind` and hash it with the
 * workspace's key; exits when it is not valid. */
void lb_hash(unsigned char out[DSMAP_IDENT_HASH_SIZE], dsmap_workspace *ws, int kind,
             const char *value);

/* Read every page of the store's map once, so that queries find it
 * mapped, as in a process that has run a while; returns the bytes. */
size_t lb_prefault(dsmap_workspace *ws);

typedef struct lb_sqlite lb_sqlite;

/* Copy the current holdings and aliases of every system the store holds
 * into a new SQLite file under `dir` (removed by lb_sqlite_free). */
lb_sqlite *lb_sqlite_open(dsmap_workspace *ws, const char *dir, size_t max_join);

/* The walk, from identifier `value` of `kind`: how many systems hold
 * something of the subject. */
size_t lb_sqlite_locate(lb_sqlite *b, int kind, const char *value);

/* Rows copied. */
size_t lb_sqlite_rows(const lb_sqlite *b);

void lb_sqlite_free(lb_sqlite *b);

typedef struct lb_raw lb_raw;

lb_raw *lb_raw_open(dsmap_workspace *ws);

/* One lookup of `hash` in the identifier index: how many systems it names. */
size_t lb_raw_lookup(lb_raw *r, const unsigned char hash[DSMAP_IDENT_HASH_SIZE]);

void lb_raw_free(lb_raw *r);

/* The three sides, each timed as above (microseconds), with what they
 * found: dsmap_locate_find() of QUERY ("kind:value") on an open locator
 * (the result freed outside the clock); the SQLite walk from VALUE of
 * KIND; the raw lookup of HASH. */
double lb_time_dsmap(dsmap_locator *loc, const char *query, size_t *found);
double lb_time_sqlite(lb_sqlite *b, int kind, const char *value, size_t *found);
double lb_time_raw(lb_raw *r, const unsigned char hash[DSMAP_IDENT_HASH_SIZE], size_t *found);

#endif
