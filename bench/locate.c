/*
 * bench/locate: locate latency in process, against SQLite and against one
 * raw LMDB lookup.
 *
 * On a scanned workspace (bench/scan.sh keeps one), asks Q times where the
 * data of a random subject is, by e-mail: the e-mail is an alias in the
 * CRM, whose subject's customer number then finds the billing, web-log and
 * ticket records (link expansion).  dsmap answers with dsmap_locate_find()
 * on one open locator.  The baseline (bench/locbase.h) holds the very same
 * holdings and aliases in SQLite and runs the same walk; the physical
 * limit is one lookup of the same e-mail's hash in the store's identifier
 * index.  Queries alternate between the three, so all see the same
 * machine.  Subjects whose e-mail is one of bench/gen-sources.py's
 * placeholders are not queried by it.
 *
 * usage: bench/locate -C WORKSPACE -s SUBJECTS [-q QUERIES] [-x] [-c]
 * (-x: no SQLite baseline, for profiling; -c: cold, the store's map not
 * read before the warm-up; bench/locbase.h says how calls are timed)
 * Prints the medians and 99th percentiles in microseconds:
 *   locate dsmap P50_US P99_US MEAN_SYSTEMS_FOUND
 *   locate sqlite P50_US P99_US MEAN_SYSTEMS_FOUND
 *   locate lmdb P50_US P99_US MEAN_SYSTEMS_NAMED
 * then a batch of the same kind of queries through dsmap_locate_many(), on
 * one thread, timed whole (wall and CPU):
 *   locate batch QUERIES WALL_S CPU_S QUERIES_PER_CPU_S SYSTEMS_FOUND
 * then the rendering of found answers as `dsmap locate --format json`
 * gives them (dsmap_locate_render(), DSMAP_FORMAT_JSON; what `dsmap serve`
 * sends), each call timed alone, in microseconds:
 *   locate render P50_US P99_US MEAN_BYTES
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <dsmap.h>

#include "locbase.h"

#define USAGE "usage: bench/locate -C WORKSPACE -s SUBJECTS [-q QUERIES] [-x] [-c]\n"

static int count_found(void *payload, size_t index, int rc, const dsmap_locate_result *r)
{
	(void)index;
	if (rc < 0)
		return rc;
	*(size_t *)payload += dsmap_locate_result_count(r);
	return 0;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* `n` queries by e-mail through dsmap_locate_many(), timed whole. */
static void batch(dsmap_locator *loc, size_t subjects, size_t n)
{
	char (*emails)[64] = calloc(n, sizeof(*emails));
	const char **ptrs = calloc(n, sizeof(*ptrs));
	dsmap_locate_query *q = calloc(n, sizeof(*q));
	struct timespec t0, t1;
	double c0, c1, wall;
	size_t i, found = 0;

	if (emails == NULL || ptrs == NULL || q == NULL)
		lb_die("batch: out of memory");
	for (i = 0; i < n; i++) {
		unsigned long s;

		do
			s = 1 + (unsigned long)rand() % subjects;
		while (LB_PLACEHOLDER_EMAIL(s));
		snprintf(emails[i], sizeof(emails[i]), "email:user%lu@example.com", s);
		ptrs[i] = emails[i];
		q[i].identifiers = &ptrs[i];
		q[i].count = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	c0 = cpu_seconds();
	if (dsmap_locate_many(loc, q, n, count_found, &found) != 0)
		lb_die("dsmap_locate_many");
	c1 = cpu_seconds();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("locate batch %zu %.3f %.3f %.0f %.2f\n", n, wall, c1 - c0, (double)n / (c1 - c0),
	       (double)found / (double)n);
	free(q);
	free(ptrs);
	free(emails);
}

/* `n` answers rendered as JSON, each timed alone (the walk is not timed). */
static void render(dsmap_locator *loc, size_t subjects, size_t n)
{
	double *t = calloc(n, sizeof(*t)), p50, p99, bytes = 0;
	size_t i;

	if (t == NULL)
		lb_die("render: out of memory");
	for (i = 0; i < n; i++) {
		char email[64], *out = NULL;
		const char *q = email;
		dsmap_locate_result *r = NULL;
		unsigned long s;
		lb_mark m;
		int tries = 0, switched;

		do
			s = 1 + (unsigned long)rand() % subjects;
		while (LB_PLACEHOLDER_EMAIL(s));
		snprintf(email, sizeof(email), "email:user%lu@example.com", s);
		if (dsmap_locate_find(&r, loc, &q, 1) < 0)
			lb_die("dsmap_locate_find");
		do {
			free(out);
			lb_begin(&m);
			if (dsmap_locate_render(&out, loc, r, DSMAP_FORMAT_JSON) < 0)
				lb_die("dsmap_locate_render");
			t[i] = lb_end(&m, &switched);
		} while (switched && ++tries < LB_TRIES);
		bytes += (double)strlen(out);
		free(out);
		dsmap_locate_result_free(r);
	}
	lb_percentiles(t, n, &p50, &p99);
	printf("locate render %.2f %.2f %.0f\n", p50, p99, bytes / (double)n);
	free(t);
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	size_t subjects = 0, queries = 20000, i, warm = 2000;
	double *td, *ts, *tr, sys_d = 0, sys_s = 0, sys_r = 0, p50, p99;
	dsmap_workspace *ws = NULL;
	dsmap_locator *loc = NULL;
	lb_sqlite *b = NULL;
	lb_raw *raw;
	int c, only = 0, cold = 0;

	lb_prog = "bench/locate";
	while ((c = getopt(argc, argv, "C:s:q:xc")) != -1) {
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
		case 'c':
			cold = 1;
			break;
		default:
			fputs(USAGE, stderr);
			return 2;
		}
	}
	if (dir == NULL || subjects < 2 || queries == 0) {
		fputs(USAGE, stderr);
		return 2;
	}
	if (dsmap_workspace_open(&ws, dir) < 0)
		lb_die("open the workspace");
	if (dsmap_locator_open(&loc, ws) < 0)
		lb_die("open a locator");
	if (!only) {
		b = lb_sqlite_open(ws, tmpdir, DSMAP_LOCATE_MAX_JOIN);
		fprintf(stderr, "bench/locate: baseline holds %zu rows\n", lb_sqlite_rows(b));
	}
	raw = lb_raw_open(ws);
	if (!cold)
		fprintf(stderr, "%s: %zu MB of the store's map read once\n", lb_prog,
		        lb_prefault(ws) >> 20);

	td = calloc(queries, sizeof(*td));
	ts = calloc(queries, sizeof(*ts));
	tr = calloc(queries, sizeof(*tr));
	if (td == NULL || ts == NULL || tr == NULL)
		return 1;
	srand(42);
	for (i = 0; i < warm + queries; i++) {
		char email[64];
		unsigned char hash[DSMAP_IDENT_HASH_SIZE];
		unsigned long n;
		size_t found[3] = { 0, 0, 0 };
		double d[3];

		if (i == warm)
			lb_retimed = 0;
		do
			n = 1 + (unsigned long)rand() % subjects;
		while (LB_PLACEHOLDER_EMAIL(n));
		snprintf(email, sizeof(email), "email:user%lu@example.com", n);
		d[0] = lb_time_dsmap(loc, email, &found[0]);
		d[1] = only ? 0 : lb_time_sqlite(b, DSMAP_ID_EMAIL, email + 6, &found[1]);
		lb_hash(hash, ws, DSMAP_ID_EMAIL, email + 6);
		d[2] = lb_time_raw(raw, hash, &found[2]);
		if (i >= warm) {
			td[i - warm] = d[0];
			ts[i - warm] = d[1];
			tr[i - warm] = d[2];
			sys_d += (double)found[0];
			sys_s += (double)found[1];
			sys_r += (double)found[2];
		}
	}
	fprintf(stderr, "bench/locate: %lu of %zu timed calls timed again (preempted)\n",
	        lb_retimed, 3 * queries);
	lb_percentiles(td, queries, &p50, &p99);
	printf("locate dsmap %.2f %.2f %.2f\n", p50, p99, sys_d / (double)queries);
	lb_percentiles(ts, queries, &p50, &p99);
	printf("locate sqlite %.2f %.2f %.2f\n", p50, p99, sys_s / (double)queries);
	lb_percentiles(tr, queries, &p50, &p99);
	printf("locate lmdb %.2f %.2f %.2f\n", p50, p99, sys_r / (double)queries);
	batch(loc, subjects, 5 * queries);
	render(loc, subjects, queries / 4 > 0 ? queries / 4 : 1);
	lb_raw_free(raw);
	lb_sqlite_free(b);
	free(td);
	free(ts);
	free(tr);
	dsmap_locator_free(loc);
	dsmap_workspace_free(ws);
	return 0;
}
