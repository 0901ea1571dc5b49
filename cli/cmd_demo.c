/*
 * dsmap demo: the main job, end to end, on the embedded notice.
 *
 * Builds a throw-away workspace from the shipped notice mapping, makes up
 * three source systems for N synthetic subjects (a SQLite CRM, a CSV
 * billing export, a JSON-lines web log, and a PostgreSQL ticket table when
 * the environment names a server (PGHOST); the subjects overlap, so identity
 * links matter), declares them, scans them with the real plugins, asks
 * where one subject's data is (by e-mail, found again through the customer
 * number), commits a second revision of the notice, and shows its impact
 * and the history.  Nothing is canned: every line comes from the library.
 *
 * The SQLite CRM and the PostgreSQL tickets are made by dsmap-demo-data
 * (demo_data.c), a program of its own that links libsqlite3 and libpq, so
 * that dsmap itself links neither.
 */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

struct demo {
	const char *top;          /* the workspace */
	unsigned long subjects;
	char path[4096];
};

static const char *at(struct demo *d, const char *rel)
{
	snprintf(d->path, sizeof(d->path), "%s/%s", d->top, rel);
	return d->path;
}

static int fail(const char *what, const char *why)
{
	fprintf(stderr, "dsmap: demo: %s: %s\n", what, why);
	return CLI_EXIT_ERROR;
}

/* dsmap-demo-data: beside an uninstalled dsmap (a program of the build
 * tree, as dsmap_plugin_build_dir() tells), else where it was installed. */
static void data_program(char *buf, size_t size)
{
#ifdef DSMAP_BUILD_DIR
	if (dsmap_plugin_build_dir() != NULL) {
		snprintf(buf, size, "%s/cli/dsmap-demo-data", DSMAP_BUILD_DIR);
		return;
	}
#endif
	snprintf(buf, size, "%s/dsmap-demo-data", DSMAP_LIBEXEC_DIR);
}

/* Run dsmap-demo-data with up to three arguments (NULL-terminated); its exit
 * status, or -1 when it could not run or died (said on standard error). */
static int run_data(const char *a1, const char *a2, const char *a3)
{
	char path[4096];
	char *args[5];
	pid_t pid;
	int status;

	data_program(path, sizeof(path));
	args[0] = path;
	args[1] = (char *)a1;
	args[2] = (char *)a2;
	args[3] = (char *)a3;
	args[4] = NULL;
	fflush(NULL);
	if ((pid = fork()) < 0) {
		fail("run dsmap-demo-data", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execv(path, args);
		fprintf(stderr, "dsmap: demo: cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fail("wait for dsmap-demo-data", strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) != 127)
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		fprintf(stderr, "dsmap: demo: %s was killed by signal %d\n", path, WTERMSIG(status));
	return -1;
}

static int make_crm(struct demo *d)
{
	char n[24];

	snprintf(n, sizeof(n), "%lu", d->subjects);
	return run_data("sqlite", at(d, "data/crm.sqlite"), n) == 0 ? 0 : CLI_EXIT_ERROR;
}

/* The billing export holds 4 subjects in 5, keyed by customer number only;
 * the web log 2 in 3, by customer number, IP and set-top box. */
static int make_files(struct demo *d)
{
	char csv_path[4096], log_path[4096];
	FILE *csv, *log = NULL;
	const char *bad = csv_path;   /* the file a failure is about */
	unsigned long n;
	int ok;

	snprintf(csv_path, sizeof(csv_path), "%s", at(d, "data/billing.csv"));
	snprintf(log_path, sizeof(log_path), "%s", at(d, "data/weblog.jsonl"));
	ok = (csv = fopen(csv_path, "w")) != NULL;
	if (ok && (log = fopen(log_path, "w")) == NULL) {
		bad = log_path;
		ok = 0;
	}
	if (ok)
		ok = fputs("invoice;customer_no;iban;amount;date\n", csv) >= 0;
	for (n = 1; ok && n <= d->subjects; n++) {
		if (n % 5 != 0)
			ok = fprintf(csv, "F%09lu;C%08lu;BE%02lu%012lu;%lu.%02lu;2026-%02lu-01\n", n, n,
			             n % 97, n, n % 200, n % 100, 1 + n % 12) > 0;
		if (ok && n % 3 != 0 &&
		    !(ok = fprintf(log, "{\"ts\":%lu,\"customer\":{\"no\":\"C%08lu\"},"
		                   "\"ip\":\"10.%lu.%lu.%lu\",\"device\":{\"id\":\"stb-%08lx\"},"
		                   "\"url\":\"/tv/channel/%lu\"}\n", 1767225600ul + n, n,
		                   n >> 16 & 255, n >> 8 & 255, n & 255, n, n % 80) > 0))
			bad = log_path;
	}
	if (csv != NULL && fclose(csv) != 0 && ok) {
		bad = csv_path;
		ok = 0;
	}
	if (log != NULL && fclose(log) != 0 && ok) {
		bad = log_path;
		ok = 0;
	}
	return ok ? 0 : fail(bad, strerror(errno));
}

/* data/ holds the sources' raw personal data: git never picks it up,
 * whatever one commits in the kept workspace.  Beside init's /.dsmap/, in
 * the repository's own exclude file, so that nothing untracked appears. */
static int ignore_data(struct demo *d)
{
	FILE *f = fopen(at(d, ".git/info/exclude"), "a");

	if (f == NULL ||
	    fputs("# dsmap demo: the sources' raw personal data never go into the repository\n"
	          "/data/\n", f) < 0 ||
	    fclose(f) != 0)
		return fail(at(d, ".git/info/exclude"), strerror(errno));
	return 0;
}

static int write_file(struct demo *d, const char *rel, const char *text)
{
	FILE *f = fopen(at(d, rel), "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		return fail(rel, strerror(errno));
	return 0;
}

static int declare_systems(struct demo *d)
{
	return write_file(d, "mappings/systems/crm.yaml",
	    "schema: 1\nsystem:\n  id: crm\n  name: Customer relationship management (SQLite)\n"
	    "  plugin: sqlite\n  config:\n    path: data/crm.sqlite\n"
	    "  purposes: [contract-conclusion, after-sales-customer-service, billing-accounting]\n"
	    "  sources:\n    - name: customers\n      identifiers:\n"
	    "        customer_no: customer-number\n        email: email\n        phone: phone\n"
	    "        nrn: national-register-number\n      categories:\n"
	    "        email: collected/identification-contact\n"
	    "        phone: collected/identification-contact\n"
	    "        nrn: collected/national-register-number\n"
	    "        birth_date: collected/personal-characteristics\n"
	    "        iban: collected/financial-data\n      timestamp: updated_at\n"
	    "      subject_kind: customers\n") ||
	       write_file(d, "mappings/systems/billing.yaml",
	    "schema: 1\nsystem:\n  id: billing\n  name: Billing export (CSV)\n  plugin: csv\n"
	    "  config:\n    delimiter: \";\"\n  purposes: [billing-accounting, debt-collection]\n"
	    "  sources:\n    - name: data/billing.csv\n      identifiers:\n"
	    "        customer_no: customer-number\n      categories:\n"
	    "        iban: collected/financial-data\n        amount: [collected/billing, observed/billing]\n"
	    "      timestamp: date\n      subject_kind: customers\n") ||
	       write_file(d, "mappings/systems/weblog.yaml",
	    "schema: 1\nsystem:\n  id: weblog\n  name: TV and web log (JSON lines)\n  plugin: jsonl\n"
	    "  purposes: [service-provision, personalised-tv-advertising,\n"
	    "             quality-assurance-product-development, consent-based-segmentation]\n"
	    "  sources:\n"
	    "    - name: data/weblog.jsonl\n      identifiers:\n        customer.no: customer-number\n"
	    "        ip: ip\n        device.id: device-id\n      categories:\n"
	    "        ip: observed/technical-identifiers\n        device.id: observed/hardware\n"
	    "        url: observed/tv-viewing\n      timestamp: ts\n"
	    "      subject_kind: customers\n") ? CLI_EXIT_ERROR : 0;
}

/* When PGHOST names a server, a fourth system: customer-service tickets in
 * the table dsmap_demo.tickets (made again), for one subject in four,
 * keyed by customer number and e-mail.  Returns 1 when it was made, 0 when
 * no server is named or reachable (the demo goes on without it). */
static int make_tickets(struct demo *d)
{
	char n[24];

	if (getenv("PGHOST") == NULL || getenv("PGHOST")[0] == '\0')
		return 0;
	snprintf(n, sizeof(n), "%lu", d->subjects);
	switch (run_data("postgres", n, NULL)) {
	case 0:
		break;
	case 3:   /* no server answers */
		printf("  (PostgreSQL at PGHOST=%s is not reachable: the demo goes on without it)\n",
		       getenv("PGHOST"));
		return 0;
	default:
		return -1;
	}
	return write_file(d, "mappings/systems/tickets.yaml",
	    "schema: 1\nsystem:\n  id: tickets\n  name: Customer service tickets (PostgreSQL)\n"
	    "  plugin: postgres\n  config:\n    host: ${PGHOST}\n"
	    "  purposes: [after-sales-customer-service]\n  sources:\n"
	    "    - name: dsmap_demo.tickets\n      identifiers:\n"
	    "        customer_no: customer-number\n        email: email\n      categories:\n"
	    "        subject: collected/customer-interactions\n      timestamp: created_at\n"
	    "      subject_kind: customers\n") == 0 ?
	       1 : -1;
}

/* Replace the first `from` line of a mapping file with `to`. */
static int edit(struct demo *d, const char *rel, const char *from, const char *to)
{
	char *text = NULL, *hit;
	long size;
	FILE *f = fopen(at(d, rel), "r");
	int rc = CLI_EXIT_ERROR;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (text = calloc(1, (size_t)size + 1)) == NULL ||
	    fread(text, 1, (size_t)size, f) != (size_t)size) {
		fail(rel, "cannot read it");
		goto done;
	}
	fclose(f);
	f = NULL;
	if ((hit = strstr(text, from)) == NULL) {
		fail(rel, "the line to change is not there");
		goto done;
	}
	if ((f = fopen(at(d, rel), "w")) == NULL ||
	    fwrite(text, 1, (size_t)(hit - text), f) != (size_t)(hit - text) || fputs(to, f) < 0 ||
	    fputs(hit + strlen(from), f) < 0) {
		fail(rel, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (f != NULL && fclose(f) != 0)
		rc = fail(rel, strerror(errno));
	free(text);
	return rc;
}

static int remove_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* Remove the throw-away directory this run made. */
static void remove_tree(const char *dir)
{
	if (nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "dsmap: demo: could not remove %s: %s\n", dir, strerror(errno));
}

static void heading(const char *s)
{
	printf("\n== %s\n", s);
}

static int show_scan(dsmap_workspace *ws, int quiet)
{
	dsmap_scan_options so = DSMAP_SCAN_OPTIONS_INIT;
	dsmap_scan_report *r = NULL;
	struct cli_bar bar = { 0, 0, 0, -1, 0, NULL, 0 };
	size_t i;
	int rc;

	bar.tty = isatty(STDERR_FILENO);
	bar.quiet = quiet;
	so.progress = cli_scan_progress;
	so.progress_payload = &bar;
	rc = dsmap_scan(&r, ws, NULL, 0, &so);
	for (i = 0; i < dsmap_scan_report_count(r); i++) {
		const dsmap_scan_system *s = dsmap_scan_report_get(r, i);

		if (s->error != 0)
			printf("  %-8s FAILED: %s\n", s->system, s->message);
		else
			printf("  %-8s %-7s %8llu records, %8llu subjects, %zu categor%s, %.1f s\n",
			       s->system, s->plugin, (unsigned long long)s->records,
			       (unsigned long long)s->subjects, s->categories,
			       s->categories == 1 ? "y" : "ies", s->seconds);
	}
	dsmap_scan_report_free(r);
	return rc < 0 ? cli_fail("demo: scan") : 0;
}

static int show_locate(dsmap_workspace *ws, unsigned long subject)
{
	char email[64], *out = NULL;
	const char *ids[1] = { email };
	json_t *ans, *x, *y;
	size_t i, j;
	int rc;

	snprintf(email, sizeof(email), "email: User%lu@Example.COM ", subject);
	printf("$ dsmap locate 'email: User%lu@Example.COM '   (any spelling: it is normalised)\n",
	       subject);
	rc = dsmap_locate(&out, ws, ids, 1, DSMAP_FORMAT_JSON);
	if (rc < 0 && rc != DSMAP_ENOTFOUND)
		return cli_fail("demo: locate");
	if ((ans = json_loads(out, 0, NULL)) == NULL) {
		dsmap_free(out);
		return fail("locate", "unreadable answer");
	}
	json_array_foreach(json_object_get(ans, "systems"), i, x) {
		printf("  %-8s found by %s", json_string_value(json_object_get(x, "system")),
		       json_string_value(json_array_get(json_object_get(x, "found_by"), 0)));
		printf(", %lld record%s at", (long long)json_integer_value(json_object_get(x, "records")),
		       json_integer_value(json_object_get(x, "records")) == 1 ? "" : "s");
		json_array_foreach(json_object_get(x, "locators"), j, y)
			printf(" %s", json_string_value(y));
		printf("\n");
		/* each category with the purposes this system serves that use it */
		json_array_foreach(json_object_get(x, "categories"), j, y) {
			json_t *z;
			size_t k;

			printf("    %-38s", json_string_value(json_object_get(y, "category")));
			if (json_is_true(json_object_get(y, "without_purpose")))
				printf(" held for no purpose this system serves");
			json_array_foreach(json_object_get(y, "purposes"), k, z)
				printf("%s%s", k ? ", " : " for ", json_string_value(z));
			printf("\n");
		}
	}
	json_array_foreach(json_object_get(ans, "links"), i, x)
		printf("  link: the %s held next to the %s in %s (%s) was followed\n",
		       json_string_value(json_object_get(x, "kind")),
		       json_string_value(json_object_get(x, "from_kind")),
		       json_string_value(json_object_get(x, "system")),
		       json_string_value(json_object_get(x, "locator")));
	printf("  the answer gives only what these systems serve: %zu purposes (legal basis, "
	       "retention), %zu recipients,\n  and %zu rights; no identifier value is stored or "
	       "shown (dsmap locate --format json for all of it)\n",
	       json_array_size(json_object_get(ans, "purposes")),
	       json_array_size(json_object_get(ans, "recipients")),
	       json_array_size(json_object_get(ans, "rights")));
	json_array_foreach(json_object_get(ans, "findings"), i, x)
		if (strcmp(json_string_value(json_object_get(x, "finding")), "held-without-purpose") == 0)
			printf("  finding: %s holds %s, which no purpose it declares uses\n",
			       json_string_value(json_object_get(x, "system")),
			       json_string_value(json_object_get(x, "category")));
	json_decref(ans);
	dsmap_free(out);
	return 0;
}

/* The audit's counts, and its findings above the low ones (the low ones
 * are mostly the notice's purposes that no demo system serves). */
static int show_audit(dsmap_workspace *ws)
{
	char *out = NULL;
	json_t *ans, *f, *sum;
	size_t i, low = 0;

	if (dsmap_audit(&out, NULL, ws, NULL, DSMAP_FORMAT_JSON) < 0)
		return cli_fail("demo: audit");
	ans = json_loads(out, 0, NULL);
	dsmap_free(out);
	if (ans == NULL)
		return fail("audit", "unreadable answer");
	sum = json_object_get(ans, "summary");
	printf("  %lld high, %lld medium, %lld low (dsmap audit for each; docs/audit.md)\n",
	       (long long)json_integer_value(json_object_get(sum, "high")),
	       (long long)json_integer_value(json_object_get(sum, "medium")),
	       (long long)json_integer_value(json_object_get(sum, "low")));
	json_array_foreach(json_object_get(ans, "findings"), i, f) {
		if (strcmp(json_string_value(json_object_get(f, "severity")), "low") == 0) {
			low++;
			continue;
		}
		printf("  %-6s %s\n         %s\n", json_string_value(json_object_get(f, "severity")),
		       json_string_value(json_object_get(f, "id")),
		       json_string_value(json_object_get(f, "message")));
	}
	json_decref(ans);
	return 0;
}

static int show_impact(dsmap_workspace *ws)
{
	char *out = NULL;
	json_t *ans, *c, *s;
	size_t i, j;

	if (dsmap_impact(&out, ws, "HEAD~1", "HEAD", DSMAP_FORMAT_JSON) < 0)
		return cli_fail("demo: impact");
	ans = json_loads(out, 0, NULL);
	dsmap_free(out);
	if (ans == NULL)
		return fail("impact", "unreadable answer");
	json_array_foreach(json_object_get(ans, "changes"), i, c) {
		printf("  %-6s %s\n", json_string_value(json_object_get(c, "severity")),
		       json_string_value(json_object_get(c, "detail")));
		json_array_foreach(json_object_get(c, "systems"), j, s)
			if (json_is_true(json_object_get(s, "holds")))
				printf("         %s: %lld subjects\n",
				       json_string_value(json_object_get(s, "system")),
				       (long long)json_integer_value(json_object_get(s, "subjects_at_least")));
	}
	json_decref(ans);
	return 0;
}

static int show_history(dsmap_workspace *ws)
{
	dsmap_history_options ho = DSMAP_HISTORY_OPTIONS_INIT;
	char *out = NULL;
	json_t *ans, *c;
	size_t i;

	if (dsmap_history(&out, ws, &ho, DSMAP_FORMAT_JSON) < 0)
		return cli_fail("demo: history");
	ans = json_loads(out, 0, NULL);
	dsmap_free(out);
	if (ans == NULL)
		return fail("history", "unreadable answer");
	json_array_foreach(json_object_get(ans, "commits"), i, c)
		printf("  %.12s %s %zu change%s  %s\n", json_string_value(json_object_get(c, "commit")),
		       json_string_value(json_object_get(c, "date")),
		       json_array_size(json_object_get(c, "changes")),
		       json_array_size(json_object_get(c, "changes")) == 1 ? " " : "s",
		       json_string_value(json_object_get(c, "message")));
	json_decref(ans);
	return 0;
}

int cmd_demo(int argc, char **argv, struct cli_global *g)
{
	static const struct option opts[] = {
		{ "subjects", required_argument, NULL, 's' },
		{ "keep", required_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct demo d;
	dsmap_workspace *ws = NULL;
	char tmpl[] = "/tmp/dsmap-demo-XXXXXX", top[4096], *keep = NULL, *end, commit[41];
	const char *base;
	int c, rc = CLI_EXIT_ERROR, quiet = 0;

	(void)g;
	memset(&d, 0, sizeof(d));
	d.subjects = 10000;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			d.subjects = strtoul(optarg, &end, 10);
			if (*end != '\0' || optarg[0] == '-' || d.subjects < 100 || d.subjects > 10000000)
				return cli_usage_error("demo", "--subjects takes a number from 100 to "
				                       "10000000, not '%s'", optarg);
			break;
		case 'k':
			keep = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			return cli_help(cli_command_find("demo"));
		default:
			return cli_usage_error("demo", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("demo", "takes no arguments");
	/* Private whatever the umask, as dsmap init makes it: data/ holds raw
	 * personal data, if made up. */
	umask(umask(0) | 077);
	if (keep != NULL) {
		if (mkdir(keep, 0700) != 0 && errno != EEXIST)
			return fail(keep, strerror(errno));
		base = keep;
	} else if ((base = mkdtemp(tmpl)) == NULL) {
		return fail("make a temporary directory", strerror(errno));
	}
	snprintf(top, sizeof(top), "%s/workspace", base);
	d.top = top;

	heading("A workspace from the shipped privacy notice");
	if (dsmap_workspace_init(&ws, top, NULL) < 0) {
		rc = cli_fail("demo: init");
		goto done;
	}
	printf("  %s: the notice as data in a git repository (mappings/), and a store (.dsmap/)\n",
	       top);

	heading("Source systems, made up for the occasion");
	if (mkdir(at(&d, "data"), 0700) != 0 || ignore_data(&d) != 0 || make_crm(&d) != 0 ||
	    make_files(&d) != 0 || declare_systems(&d) != 0)
		goto done;
	printf("  crm      SQLite, %lu customers: customer number, e-mail, phone, national register "
	       "number,\n           birth date, IBAN\n", d.subjects);
	printf("  billing  CSV, %lu invoices keyed by customer number only\n",
	       d.subjects - d.subjects / 5);
	printf("  weblog   JSON lines, %lu events: customer number, IP address, set-top box\n",
	       d.subjects - d.subjects / 3);
	switch (make_tickets(&d)) {
	case 1:
		printf("  tickets  PostgreSQL (PGHOST=%s), %lu tickets keyed by customer number and "
		       "e-mail\n", getenv("PGHOST"), d.subjects / 4);
		break;
	case 0:
		break;
	default:
		goto done;
	}
	printf("  declared in mappings/systems/*.yaml, with the purposes each serves\n");
	if (dsmap_workspace_commit(commit, ws, "Declare the CRM, the billing export and the web log") < 0) {
		rc = cli_fail("demo: commit");
		goto done;
	}

	heading("dsmap scan: each system through its plugin, in a process of its own");
	if ((rc = show_scan(ws, quiet)) != 0)
		goto done;

	heading("dsmap locate: where is the data of subject 44, and why?");
	if ((rc = show_locate(ws, 44)) != 0)
		goto done;

	heading("dsmap audit: where the systems differ from the notice");
	if ((rc = show_audit(ws)) != 0)
		goto done;

	heading("A new version of the notice");
	if (edit(&d, "mappings/purposes/billing-accounting.yaml", "      - duration: P7Y\n",
	         "      - duration: P5Y\n") != 0 ||
	    edit(&d, "mappings/purposes/billing-accounting.yaml", "    - payment-service-providers\n",
	         "    - payment-service-providers\n    - ads-and-data\n") != 0 ||
	    edit(&d, "mappings/purposes/billing-accounting.yaml", "      - billing\n",
	         "      - billing\n      - network-location\n") != 0)
		goto done;
	printf("  billing and accounting (6.3.2.1): kept 5 years instead of 7, shared with Ads & Data "
	       "(outside\n  the EEA), and now uses network location data\n");
	if (dsmap_workspace_commit(commit, ws, "Notice v2: billing data kept 5 years, shared with "
	                           "Ads & Data, with location") < 0) {
		rc = cli_fail("demo: commit");
		goto done;
	}

	heading("dsmap impact HEAD~1 HEAD: what the new version touches");
	if ((rc = show_impact(ws)) != 0)
		goto done;

	heading("dsmap history: who changed the lineage, and when");
	if ((rc = show_history(ws)) != 0)
		goto done;

	printf("\n");
	if (keep != NULL) {
		printf("The workspace stays in %s: try dsmap -C %s status, locate, lineage, impact, "
		       "history, blame.\n", top, top);
		printf("\nServe it over HTTP (docs/http-api.md), and ask it as an auditor's tool "
		       "would:\n");
		printf("  TOKEN=$(dsmap -C %s token add --role auditor --name demo)\n", top);
		printf("  dsmap -C %s serve --listen 127.0.0.1:8080 &\n", top);
		printf("  curl -sS -H \"Authorization: Bearer $TOKEN\" "
		       "http://127.0.0.1:8080/v1/systems\n");
	} else {
		printf("(run dsmap demo --keep DIR to keep the workspace, go on with it and serve it "
		       "over HTTP)\n");
	}
	rc = CLI_EXIT_OK;
done:
	dsmap_workspace_free(ws);
	if (keep == NULL)
		remove_tree(base);
	return rc;
}
