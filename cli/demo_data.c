/*
 * dsmap-demo-data: the made-up source data of `dsmap demo` that needs a
 * client library.
 *
 *     dsmap-demo-data sqlite FILE SUBJECTS   the CRM: a new SQLite file
 *     dsmap-demo-data postgres SUBJECTS      the tickets, in the server the
 *                                            PG* variables name (libpq)
 *
 * A program of its own, run by `dsmap demo` from $(pkglibexecdir) (or from
 * the build tree beside an uninstalled dsmap), so that dsmap and libdsmap
 * link neither libsqlite3 nor libpq: every other command would load them,
 * and their forty-odd dependencies, for nothing.  A process rather than a
 * dlopen'ed module: its interface is argv and an exit status, with no ABI
 * to version, and libpq's TLS and Kerberos state never enters dsmap.
 *
 * Exit status: 0 made; 1 failed, with "dsmap: demo: <what>: <why>" on
 * standard error; 2 usage; 3 (postgres) no server answers, which the demo
 * tells and goes on without.  It prints nothing else, and never an
 * identifier.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#define EXIT_USAGE 2
#define EXIT_NO_SERVER 3

static int fail(const char *what, const char *why)
{
	fprintf(stderr, "dsmap: demo: %s: %s\n", what, why);
	return EXIT_FAILURE;
}

/* A valid Belgian national register number for subject n. */
static void nrn(char out[16], unsigned long n)
{
	unsigned long year = 1940 + n % 60, month = 1 + n % 12, day = 1 + n % 28, seq = 1 + n % 997;
	unsigned long long first9 = (year % 100) * 10000000ull + month * 100000ull + day * 1000ull + seq;
	unsigned long long base = year < 2000 ? first9 : 2000000000ull + first9;

	snprintf(out, 16, "%09llu%02llu", first9, 97 - base % 97);
}

/* The CRM: one customer per subject, with every identifier kind it has. */
static int make_crm(const char *path, unsigned long subjects)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	unsigned long n;
	int rc = EXIT_FAILURE;

	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; "
	                 "CREATE TABLE customers (id INTEGER PRIMARY KEY, customer_no TEXT, "
	                 "email TEXT, phone TEXT, nrn TEXT, birth_date TEXT, iban TEXT, "
	                 "updated_at TEXT); BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO customers VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	                       -1, &st, NULL) != SQLITE_OK) {
		fail(path, db ? sqlite3_errmsg(db) : "out of memory");
		goto done;
	}
	for (n = 1; n <= subjects; n++) {
		char cust[16], email[48], phone[16], reg[16], birth[16], iban[24], upd[24];

		snprintf(cust, sizeof(cust), "C%08lu", n);
		snprintf(email, sizeof(email), "user%lu@example.com", n);
		snprintf(phone, sizeof(phone), "+3247%07lu", n % 10000000);
		nrn(reg, n);
		snprintf(birth, sizeof(birth), "%04lu-%02lu-%02lu", 1940 + n % 60, 1 + n % 12, 1 + n % 28);
		snprintf(iban, sizeof(iban), "BE%02lu%012lu", n % 97, n);
		snprintf(upd, sizeof(upd), "2026-%02lu-%02luT10:00:00Z", 1 + n % 12, 1 + n % 28);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)n);
		sqlite3_bind_text(st, 2, cust, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, email, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, phone, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, reg, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 6, birth, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 7, iban, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 8, upd, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE) {
			fail(path, sqlite3_errmsg(db));
			goto done;
		}
		sqlite3_reset(st);
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		fail(path, sqlite3_errmsg(db));
		goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	if (sqlite3_close(db) != SQLITE_OK && rc == 0)
		rc = fail(path, sqlite3_errmsg(db));
	return rc;
}

static void quiet_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;   /* "table does not exist, skipping" and the like */
}

/* The table dsmap_demo.tickets (made again): one ticket for one subject in
 * four, keyed by customer number and e-mail. */
static int make_tickets(unsigned long subjects)
{
	static const char *const setup[] = {
		"CREATE SCHEMA IF NOT EXISTS dsmap_demo",
		"DROP TABLE IF EXISTS dsmap_demo.tickets",
		"CREATE TABLE dsmap_demo.tickets (id bigint PRIMARY KEY, customer_no text, "
		"email text, subject text, created_at timestamptz)",
		"COPY dsmap_demo.tickets FROM STDIN",
	};
	const size_t nsetup = sizeof(setup) / sizeof(setup[0]);
	const char *keys[] = { "connect_timeout", NULL }, *vals[] = { "5", NULL };
	PGconn *pg;
	PGresult *res;
	unsigned long n;
	size_t i;
	int ok = 1;

	pg = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(pg) != CONNECTION_OK) {
		PQfinish(pg);
		return EXIT_NO_SERVER;
	}
	PQsetNoticeProcessor(pg, quiet_notice, NULL);
	for (i = 0; ok && i < nsetup; i++) {
		res = PQexec(pg, setup[i]);
		ok = PQresultStatus(res) == (i + 1 < nsetup ? PGRES_COMMAND_OK : PGRES_COPY_IN);
		PQclear(res);
	}
	for (n = 4; ok && n <= subjects; n += 4) {
		char row[160];
		int len = snprintf(row, sizeof(row), "%lu\tC%08lu\tuser%lu@example.com\tticket %lu\t"
		                   "2026-%02lu-%02lu 09:30:00+00\n", n, n, n, n, 1 + n % 12, 1 + n % 28);

		ok = PQputCopyData(pg, row, len) == 1;
	}
	if (PQputCopyEnd(pg, ok ? NULL : "demo data failed") != 1)
		ok = 0;
	while ((res = PQgetResult(pg)) != NULL) {
		ok = ok && PQresultStatus(res) == PGRES_COMMAND_OK;
		PQclear(res);
	}
	if (!ok)
		fprintf(stderr, "dsmap: demo: PostgreSQL: %s", PQerrorMessage(pg));
	PQfinish(pg);
	return ok ? 0 : EXIT_FAILURE;
}

static int subjects_arg(const char *s, unsigned long *out)
{
	char *end;

	*out = strtoul(s, &end, 10);
	return s[0] != '\0' && s[0] != '-' && *end == '\0' && *out <= 10000000;
}

int main(int argc, char **argv)
{
	unsigned long subjects;

	if (argc == 4 && strcmp(argv[1], "sqlite") == 0 && subjects_arg(argv[3], &subjects))
		return make_crm(argv[2], subjects);
	if (argc == 3 && strcmp(argv[1], "postgres") == 0 && subjects_arg(argv[2], &subjects))
		return make_tickets(subjects);
	fprintf(stderr, "usage: dsmap-demo-data sqlite FILE SUBJECTS\n"
	                "       dsmap-demo-data postgres SUBJECTS\n"
	                "the data of 'dsmap demo', which runs it; not meant to be run by hand\n");
	return EXIT_USAGE;
}
