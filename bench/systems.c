/*
 * bench/systems: locate across systems, in process, against SQLite and
 * against one raw LMDB lookup (bench/locbase.h).
 *
 * One point of the curve per run of the program: N systems, SUBJECTS
 * subjects, in one of two layouts:
 *   a  every subject in 4 of the N systems, round-robin (subject n in
 *      systems n, n+1, n+2 and n+3 mod N): 4 x SUBJECTS holdings whatever
 *      N is, and each answer names 4 systems;
 *   b  every subject in all N systems: N x SUBJECTS holdings, and each
 *      answer names N systems.
 * Subject n's first system (n mod N) holds it as a CRM does: named by its
 * customer number, with its e-mail, phone and national register number as
 * aliases; the others hold only its customer number.  A query by e-mail
 * thus walks as bench/locate's does: the e-mail is an alias in one system,
 * whose subject's customer number (a linking kind) finds the others, and
 * its national register number (linking too) leads back to the first.
 * Every identifier is unique to its subject.
 *
 * The workspace is real, so that locate answers exactly the systems the
 * synced mapping defines: `dsmap init`, one mappings/systems/sNNN.yaml
 * per system (plugin csv, a header-only CSV file), a commit, dsmap_sync(),
 * and dsmap_scan() of the empty files, which numbers the systems as every
 * scan does (sysno in each system's store record).  The holdings are then
 * written through the scan's own ingest (inventory.h), one slot per
 * system, committed with the sysno read back from that system's record:
 * the same generation switch, identifier index update and per-system
 * counts as a scan, without generating and parsing N source files.
 *
 * Then RUNS runs of QUERIES queries, after 2,000 warm-up queries, each by
 * the e-mail of a random subject, alternating dsmap_locate_find() on one
 * open locator, the SQLite baseline's same walk, and the raw lookup of
 * the e-mail's hash in the identifier index.  Each answer must name the
 * expected number of systems, in dsmap and in SQLite, or the program
 * fails.  Before the warm-up the store's map is read once, as a process
 * that has run a while has it; a call the kernel preempted is timed again
 * (bench/locbase.h).
 *
 * usage: bench/systems -n SYSTEMS -l a|b -s SUBJECTS [-q QUERIES] [-r RUNS]
 *                      [-d DIR] [-x] [-c]
 * (-x: no SQLite baseline, for profiling; -c: cold, the store's map not
 * read before the warm-up; DIR: where the workspace and the SQLite copy
 * go, default $TMPDIR or /tmp, removed at the end)
 * Prints one line per run, then the medians of the runs' p50 and p99, in
 * microseconds:
 *   systems LAYOUT N SUBJECTS HOLDINGS dsmap P50 P99 sqlite P50 P99 lmdb P50 P99
 *           SETUP_S
 * Needs DSMAP_PLUGIN_PATH to find the csv plugin (make bench sets it).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dsmap.h>

#include "errors.h"
#include "inventory.h"
#include "locbase.h"
#include "store.h"
#include "util.h"
#include "workspace.h"

#define ID_SIZE (1 + DSMAP_IDENT_HASH_SIZE)
#define PER_SUBJECT 4          /* systems per subject in layout a */
#define WARM 2000

/* The identifiers of subject n (from 1), as a CRM holds them. */
enum { CUST, EMAIL, PHONE, NRN, NIDS };

static const int id_kinds[NIDS] = {
	DSMAP_ID_CUSTOMER_NUMBER, DSMAP_ID_EMAIL, DSMAP_ID_PHONE,
	DSMAP_ID_NATIONAL_REGISTER_NUMBER
};

static void id_text(char *buf, size_t size, int which, size_t n)
{
	size_t i = n - 1;
	unsigned int year, month, day, seq;
	unsigned long first9;

	switch (which) {
	case CUST:
		snprintf(buf, size, "C%09zu", n);
		break;
	case EMAIL:
		snprintf(buf, size, "user%zu@example.com", n);
		break;
	case PHONE:
		snprintf(buf, size, "+324%08zu", 70000000 + n);
		break;
	default:
		/* born 1930-1999 (the first checksum reading), (year, month,
		 * day, sequence) a mixed-radix spelling of n - 1: unique up to
		 * 70 x 12 x 28 x 997 = 23.4 million subjects */
		year = 30 + (unsigned int)(i % 70);
		month = 1 + (unsigned int)(i / 70 % 12);
		day = 1 + (unsigned int)(i / 840 % 28);
		seq = 1 + (unsigned int)(i / 23520);
		first9 = (unsigned long)year * 10000000ul + month * 100000ul + day * 1000ul + seq;
		snprintf(buf, size, "%09lu%02lu", first9, 97 - first9 % 97);
		break;
	}
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "bench/systems: %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/* A workspace whose synced mapping defines systems s000... s<N-1>, each
 * scanned once (empty), so that each has its number. */
static dsmap_workspace *make_workspace(const char *path, size_t nsys)
{
	dsmap_scan_options so = DSMAP_SCAN_OPTIONS_INIT;
	dsmap_scan_report *report = NULL;
	dsmap_workspace *ws = NULL;
	char *data;
	size_t i;

	if (dsmap_workspace_init(&ws, path, NULL) < 0)
		lb_die("dsmap init");
	data = dsmap__path_join(path, "data");
	if (data == NULL || dsmap__mkdir_p(data, 0755) < 0)
		lb_die("mkdir data");
	for (i = 0; i < nsys; i++) {
		char *yaml, *file;

		file = dsmap__sprintf("%s/s%03zu.csv", data, i);
		write_file(file, "customer_no,email,phone,nrn,iban\n");
		free(file);
		yaml = dsmap__sprintf(
		    "schema: 1\n"
		    "system:\n"
		    "  id: s%03zu\n"
		    "  name: Bench system %zu\n"
		    "  plugin: csv\n"
		    "  purposes: [contract-conclusion, billing-accounting]\n"
		    "  sources:\n"
		    "    - name: data/s%03zu.csv\n"
		    "      identifiers:\n"
		    "        customer_no: customer-number\n"
		    "        email: email\n"
		    "        phone: phone\n"
		    "        nrn: national-register-number\n"
		    "      categories:\n"
		    "        email: collected/identification-contact\n"
		    "        phone: collected/identification-contact\n"
		    "        nrn: collected/national-register-number\n"
		    "        iban: collected/financial-data\n", i, i, i);
		file = dsmap__sprintf("%s/mappings/systems/s%03zu.yaml", path, i);
		write_file(file, yaml);
		free(yaml);
		free(file);
	}
	free(data);
	if (dsmap_workspace_commit(NULL, ws, "bench: systems") < 0)
		lb_die("commit the systems");
	if (dsmap_sync(NULL, ws, NULL) < 0)
		lb_die("sync");
	so.jobs = 2;
	if (dsmap_scan(&report, ws, NULL, 0, &so) < 0) {
		for (i = 0; i < dsmap_scan_report_count(report); i++) {
			const dsmap_scan_system *s = dsmap_scan_report_get(report, i);

			if (s->message != NULL)
				fprintf(stderr, "bench/systems: %s: %s\n", s->system, s->message);
		}
		lb_die("scan the empty systems");
	}
	dsmap_scan_report_free(report);
	return ws;
}

static uint32_t catbit(char **refs, size_t nrefs, const char *ref)
{
	size_t i;

	for (i = 0; i < nrefs; i++)
		if (refs[i] != NULL && strcmp(refs[i], ref) == 0)
			return (uint32_t)i;
	fprintf(stderr, "bench/systems: category %s has no number\n", ref);
	exit(1);
}

/* The holdings: subject n in its systems, through the scan's ingest. */
static size_t ingest(dsmap_workspace *ws, const char *tmpdir, size_t nsys, int all,
                     size_t subjects, const unsigned char *ids)
{
	dsmap_store *store = ws->store;
	dsmap_store__system_summary *old;
	dsmap__ingest *ing = NULL;
	uint32_t home_cats[3], other_cats[1];
	char **refs = NULL;
	size_t nrefs = 0, i, k, per = all ? nsys : PER_SUBJECT, holdings = 0;
	MDB_txn *txn;

	if ((old = calloc(nsys, sizeof(*old))) == NULL)
		exit(1);
	if (dsmap_store__read_begin(store, &txn) < 0 ||
	    dsmap_store__category_refs(store, txn, &refs, &nrefs) < 0)
		lb_die("read the store");
	for (i = 0; i < nsys; i++) {
		char id[16];

		snprintf(id, sizeof(id), "s%03zu", i);
		if (dsmap_store__system_get(store, txn, id, &old[i]) < 0)
			lb_die("the system's record");
	}
	mdb_txn_abort(txn);
	home_cats[0] = catbit(refs, nrefs, "collected/identification-contact");
	home_cats[1] = catbit(refs, nrefs, "collected/national-register-number");
	home_cats[2] = other_cats[0] = catbit(refs, nrefs, "collected/financial-data");

	if (dsmap__ingest_new(&ing, store, nsys, nrefs, tmpdir) < 0)
		lb_die("ingest");
	for (i = 1; i <= subjects; i++) {
		for (k = 0; k < per; k++) {
			struct dsmap__ingest_record r;
			size_t s = (i + k) % nsys;
			char loc[32];

			memset(&r, 0, sizeof(r));
			r.ids = ids + (i - 1) * NIDS * ID_SIZE;
			r.id_count = k == 0 ? NIDS : 1;
			r.cats = k == 0 ? home_cats : other_cats;
			r.cat_count = k == 0 ? 3 : 1;
			r.loc_len = (size_t)snprintf(loc, sizeof(loc), "data/s%03zu.csv:%zu", s, i + 1);
			r.loc = loc;
			r.first = r.last = 1700000000 + (int64_t)i;
			if (dsmap__ingest_add(ing, s, &r) < 0)
				lb_die("add");
			holdings++;
		}
	}
	for (i = 0; i < nsys; i++) {
		char id[16];

		snprintf(id, sizeof(id), "s%03zu", i);
		/* the record scan wrote, with this inventory: its number kept */
		old[i].last_scan = (int64_t)time(NULL);
		if (dsmap__ingest_commit(ing, i, id, &old[i]) < 0)
			lb_die("commit");
		free(old[i].categories);
	}
	dsmap__ingest_free(ing);
	if (dsmap__inventory_collect(store) < 0)
		lb_die("collect the empty generations");
	dsmap_store__category_refs_free(refs, nrefs);
	free(old);
	return holdings;
}

/* The point's directory, removed however the program ends (but not by a
 * scan's runner, a child of this process). */
static char *cleanup_dir;
static pid_t cleanup_pid;

static void cleanup(void)
{
	if (cleanup_dir != NULL && getpid() == cleanup_pid)
		dsmap__rm_rf(cleanup_dir);
}

int main(int argc, char **argv)
{
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	size_t nsys = 0, subjects = 0, queries = 20000, runs = 3, i, run, holdings, expect;
	double t0, t_ws, t_hash, t_ing, t_sql, *td, *ts, *tr, *m[6];
	unsigned char *ids;
	dsmap_workspace *ws;
	dsmap_locator *loc = NULL;
	lb_sqlite *b = NULL;
	lb_raw *raw;
	char *dir, *wspath;
	int c, layout = 0, only = 0, cold = 0;

	lb_prog = "bench/systems";
	while ((c = getopt(argc, argv, "n:l:s:q:r:d:xc")) != -1) {
		switch (c) {
		case 'n':
			nsys = strtoul(optarg, NULL, 10);
			break;
		case 'l':
			layout = optarg[0];
			break;
		case 's':
			subjects = strtoul(optarg, NULL, 10);
			break;
		case 'q':
			queries = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			runs = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			base = optarg;
			break;
		case 'x':
			only = 1;
			break;
		case 'c':
			cold = 1;
			break;
		default:
			goto usage;
		}
	}
	if (nsys < PER_SUBJECT || nsys > 1000 || (layout != 'a' && layout != 'b') ||
	    subjects == 0 || queries == 0 || runs == 0)
		goto usage;
	expect = layout == 'a' ? PER_SUBJECT : nsys;
	dir = dsmap__sprintf("%s/dsmap-bench-systems-XXXXXX", base);
	if (dir == NULL || mkdtemp(dir) == NULL)
		return 1;
	cleanup_dir = dir;
	cleanup_pid = getpid();
	atexit(cleanup);
	wspath = dsmap__path_join(dir, "ws");

	t0 = lb_now();
	ws = make_workspace(wspath, nsys);
	t_ws = lb_now() - t0;

	/* every subject's identifiers, hashed with the workspace's key */
	t0 = lb_now();
	if ((ids = malloc(subjects * NIDS * ID_SIZE)) == NULL)
		return 1;
	for (i = 1; i <= subjects; i++) {
		int k;

		for (k = 0; k < NIDS; k++) {
			unsigned char *p = ids + ((i - 1) * NIDS + (size_t)k) * ID_SIZE;
			char text[64];

			id_text(text, sizeof(text), k, i);
			p[0] = (unsigned char)id_kinds[k];
			lb_hash(p + 1, ws, id_kinds[k], text);
		}
	}
	t_hash = lb_now() - t0;
	t0 = lb_now();
	holdings = ingest(ws, dir, nsys, layout == 'b', subjects, ids);
	t_ing = lb_now() - t0;

	t0 = lb_now();
	if (!only)
		b = lb_sqlite_open(ws, dir, DSMAP_LOCATE_MAX_JOIN);
	t_sql = lb_now() - t0;
	if (dsmap_locator_open(&loc, ws) < 0)
		lb_die("open a locator");
	raw = lb_raw_open(ws);
	if (!cold)
		fprintf(stderr, "%s: %zu MB of the store's map read once\n", lb_prog,
		        lb_prefault(ws) >> 20);
	fprintf(stderr, "bench/systems: layout %c, %zu systems, %zu subjects, %zu holdings: "
	        "workspace %.1f s, hashing %.1f s, ingest %.1f s, SQLite copy %.1f s (%zu rows)\n",
	        layout, nsys, subjects, holdings, t_ws, t_hash, t_ing, t_sql, b ? lb_sqlite_rows(b) : 0);

	td = calloc(queries, sizeof(*td));
	ts = calloc(queries, sizeof(*ts));
	tr = calloc(queries, sizeof(*tr));
	for (i = 0; i < 6; i++)
		m[i] = calloc(runs, sizeof(double));
	if (td == NULL || ts == NULL || tr == NULL || m[5] == NULL)
		return 1;
	srand(42);
	for (run = 0; run < runs; run++) {
		size_t warm = run == 0 ? WARM : 0;

		for (i = 0; i < warm + queries; i++) {
			char email[64];
			size_t n = 1 + (size_t)rand() % subjects, got[3];
			double d[3];

			if (i == warm)
				lb_retimed = 0;
			memcpy(email, "email:", 6);
			id_text(email + 6, sizeof(email) - 6, EMAIL, n);
			d[0] = lb_time_dsmap(loc, email, &got[0]);
			got[1] = expect;
			d[1] = only ? 0 : lb_time_sqlite(b, DSMAP_ID_EMAIL, email + 6, &got[1]);
			d[2] = lb_time_raw(raw, ids + ((n - 1) * NIDS + EMAIL) * ID_SIZE + 1, &got[2]);
			if (got[0] != expect || got[1] != expect || got[2] != 1) {
				fprintf(stderr, "bench/systems: subject %zu found in %zu systems by dsmap "
				        "and %zu by SQLite, not %zu; its e-mail names %zu in the index\n",
				        n, got[0], got[1], expect, got[2]);
				return 1;
			}
			if (i >= warm) {
				td[i - warm] = d[0];
				ts[i - warm] = d[1];
				tr[i - warm] = d[2];
			}
		}
		lb_percentiles(td, queries, &m[0][run], &m[1][run]);
		lb_percentiles(ts, queries, &m[2][run], &m[3][run]);
		lb_percentiles(tr, queries, &m[4][run], &m[5][run]);
		printf("run %zu: %c %zu systems: dsmap %.2f %.2f, sqlite %.2f %.2f, lmdb %.2f %.2f us "
		       "(p50 p99; %lu timed again)\n", run + 1, layout, nsys, m[0][run], m[1][run],
		       m[2][run], m[3][run], m[4][run], m[5][run], lb_retimed);
		lb_retimed = 0;
		fflush(stdout);
	}
	printf("systems %c %zu %zu %zu", layout, nsys, subjects, holdings);
	for (i = 0; i < 6; i++)
		printf("%s %.2f", i == 0 ? " dsmap" : i == 2 ? " sqlite" : i == 4 ? " lmdb" : "",
		       lb_median(m[i], runs));
	printf(" %.1f\n", t_ws + t_hash + t_ing + t_sql);

	for (i = 0; i < 6; i++)
		free(m[i]);
	free(td);
	free(ts);
	free(tr);
	free(ids);
	lb_raw_free(raw);
	lb_sqlite_free(b);
	dsmap_locator_free(loc);
	dsmap_workspace_free(ws);
	free(wspath);
	return 0;
usage:
	fprintf(stderr, "usage: bench/systems -n SYSTEMS -l a|b -s SUBJECTS [-q QUERIES] "
	        "[-r RUNS] [-d DIR] [-x] [-c]\n");
	return 2;
}
