/*
 * Unit tests: the semantic diff between two mappings.  Each case copies
 * tests/fixtures/mappings/minimal/ twice, edits the second copy the way an
 * author would edit the notice, and checks the exact list of changes.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <dsmap.h>
#include <dsmap/diff.h>

#include "helpers.h"
#include "histcache.h"
#include "util.h"

/* ---- helpers ------------------------------------------------------------------------ */

static char *srcpath(const char *rel)
{
	const char *s = getenv("DSMAP_SRCDIR");
	char *p = dsmap__sprintf("%s/%s", s ? s : ".", rel);

	assert_non_null(p);
	return p;
}

/* A new copy of the minimal fixture. */
static char *minimal_copy(void)
{
	char *tmp = th_tmpdir(), *src = srcpath("tests/fixtures/mappings/minimal");
	char *cmd = dsmap__sprintf("cp -R '%s'/. '%s'", src, tmp);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(src);
	return tmp;
}

static char *slurp(const char *dir, const char *rel)
{
	char *path = th_path(dir, rel), *buf = NULL;
	size_t len;

	assert_int_equal(dsmap__read_file(&buf, &len, path, 1 << 20), 0);
	free(path);
	return buf;
}

static void put(const char *dir, const char *rel, const char *content)
{
	char *path = th_path(dir, rel);

	th_write_file(path, content);
	free(path);
}

static void del(const char *dir, const char *rel)
{
	char *path = th_path(dir, rel);

	assert_int_equal(remove(path), 0);
	free(path);
}

/* Replace the one occurrence of `from` in file `rel` with `to`. */
static void edit(const char *dir, const char *rel, const char *from, const char *to)
{
	char *buf = slurp(dir, rel), *p = strstr(buf, from), *out;

	if (p == NULL || strstr(p + 1, from) != NULL)
		fail_msg("%s: '%s' is not there exactly once", rel, from);
	out = dsmap__sprintf("%.*s%s%s", (int)(p - buf), buf, to, p + strlen(from));
	assert_non_null(out);
	put(dir, rel, out);
	free(out);
	free(buf);
}

static dsmap_mapping *load(const char *dir)
{
	dsmap_mapping *m = NULL;
	int rc = dsmap_mapping_load_dir(&m, dir);
	size_t i;

	for (i = 0; rc != 0 && i < dsmap_mapping_diag_count(m); i++) {
		const dsmap_diag *d = dsmap_mapping_diag(m, i);

		if (d->severity == DSMAP_DIAG_ERROR)
			fprintf(stderr, "%s:%u:%u: %s\n", d->file, d->line, d->column, d->message);
	}
	assert_int_equal(rc, 0);
	return m;
}

static dsmap_diff *diff_dirs(const char *a, const char *b)
{
	dsmap_mapping *ma = load(a), *mb = load(b);
	dsmap_diff *d = NULL;

	assert_int_equal(dsmap_diff_mappings(&d, ma, mb), 0);
	assert_non_null(d);
	/* the diff owns its strings */
	dsmap_mapping_free(ma);
	dsmap_mapping_free(mb);
	return d;
}

struct exp {
	dsmap_change_type type;
	const char *purpose, *category, *recipient, *system, *source, *field;
	const char *before, *after;
	int direction;
};

static int streq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static void print_change(const char *what, size_t i, const dsmap_change *c)
{
	fprintf(stderr, "%s %zu: %s p=%s c=%s r=%s s=%s src=%s f=%s before=%s after=%s dir=%d\n  %s\n",
	        what, i, dsmap_change_type_name(c->type), c->purpose ? c->purpose : "-",
	        c->category ? c->category : "-", c->recipient ? c->recipient : "-",
	        c->system ? c->system : "-", c->source ? c->source : "-", c->field ? c->field : "-",
	        c->before ? c->before : "-", c->after ? c->after : "-", c->direction,
	        c->detail ? c->detail : "(no detail)");
}

/* The diff is exactly `want`, in that order. */
static void check(const dsmap_diff *d, const struct exp *want, size_t n)
{
	size_t i, bad = (size_t)-1;

	for (i = 0; i < n && i < dsmap_diff_count(d); i++) {
		const dsmap_change *c = dsmap_diff_get(d, i);
		const struct exp *w = &want[i];

		assert_non_null(c->detail);
		if (c->type != w->type || !streq(c->purpose, w->purpose) ||
		    !streq(c->category, w->category) || !streq(c->recipient, w->recipient) ||
		    !streq(c->system, w->system) || !streq(c->source, w->source) ||
		    !streq(c->field, w->field) || !streq(c->before, w->before) ||
		    !streq(c->after, w->after) || c->direction != w->direction) {
			bad = i;
			break;
		}
	}
	if (bad == (size_t)-1 && dsmap_diff_count(d) == n)
		return;
	for (i = 0; i < dsmap_diff_count(d); i++)
		print_change("got", i, dsmap_diff_get(d, i));
	if (bad != (size_t)-1)
		fail_msg("change %zu differs (expected %s)", bad, dsmap_change_type_name(want[bad].type));
	fail_msg("%zu changes, expected %zu", dsmap_diff_count(d), n);
}

static const dsmap_change *find_type(const dsmap_diff *d, dsmap_change_type t)
{
	size_t i;

	for (i = 0; i < dsmap_diff_count(d); i++)
		if (dsmap_diff_get(d, i)->type == t)
			return dsmap_diff_get(d, i);
	fail_msg("no %s change", dsmap_change_type_name(t));
	return NULL;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define PICKX "pickx-promotion"
#define PICKX_TITLE "Promotion de nos produits et services sur Pickx (Proximus TV)"
#define PICKX_LABEL "purpose 7.2.2.3 " PICKX_TITLE
#define CNDB "central-number-database-access"
#define PROSP "prospecting-by-proximus"
#define PICKX_FILE "purposes/pickx-promotion.yaml"
#define CNDB_FILE "purposes/central-number-database-access.yaml"
#define PROSP_FILE "purposes/prospecting-by-proximus.yaml"

/* ---- cases -------------------------------------------------------------------------- */

static void test_diff__identical(void **state)
{
	char *a = minimal_copy(), *b = minimal_copy();
	dsmap_mapping *m = load(a);
	dsmap_diff *d = diff_dirs(a, b);

	(void)state;
	assert_int_equal(dsmap_diff_count(d), 0);
	assert_null(dsmap_diff_get(d, 0));
	dsmap_diff_free(d);
	assert_int_equal(dsmap_diff_mappings(&d, m, m), 0);
	assert_int_equal(dsmap_diff_count(d), 0);
	dsmap_diff_free(d);

	/* Reordering lists and rewording French texts is no change; nor is
	 * P2Y written P24M. */
	edit(b, PICKX_FILE,
	     "          - observed/product-subscription\n          - observed/consumption-habits\n",
	     "          - observed/consumption-habits\n          - observed/product-subscription\n");
	edit(b, PICKX_FILE, "duration: P2Y", "duration: P24M");
	edit(b, CNDB_FILE, "    - central-number-database\n    - emergency-services\n",
	     "    - emergency-services\n    - central-number-database\n");
	edit(b, CNDB_FILE, "tant que vous êtes un abonné", "aussi longtemps que vous êtes abonné");
	d = diff_dirs(a, b);
	check(d, NULL, 0);
	dsmap_diff_free(d);
	dsmap_mapping_free(m);
	th_rmtree(a);
	th_rmtree(b);
}

static void test_diff__shipped_to_itself(void **state)
{
	char *dir = srcpath("mappings");
	dsmap_mapping *a = load(dir), *b = load(dir);
	dsmap_diff *d = NULL;

	(void)state;
	assert_int_equal(dsmap_diff_mappings(&d, a, b), 0);
	check(d, NULL, 0);
	dsmap_diff_free(d);
	dsmap_mapping_free(a);
	dsmap_mapping_free(b);
	free(dir);
}

static void test_diff__retention_shorter(void **state)
{
	char *a = minimal_copy(), *b = minimal_copy();
	dsmap_diff *d;
	static const struct exp want[] = {
		{ DSMAP_CHANGE_RETENTION_CHANGED, PICKX, "observed/consumption-habits", NULL, NULL, NULL, NULL,
		  "2 years from the collection", "18 months from the collection", -1 },
		{ DSMAP_CHANGE_RETENTION_CHANGED, PICKX, "observed/product-subscription", NULL, NULL, NULL, NULL,
		  "2 years from the collection", "18 months from the collection", -1 },
	};

	(void)state;
	edit(b, PICKX_FILE, "duration: P2Y", "duration: P18M");
	d = diff_dirs(a, b);
	check(d, want, N(want));
	assert_string_equal(dsmap_diff_get(d, 0)->detail,
	    PICKX_LABEL ": retention of observed/consumption-habits shorter: "
	    "2 years from the collection -> 18 months from the collection");
	dsmap_diff_free(d);
	th_rmtree(a);
	th_rmtree(b);
}

static void test_diff__retention_longer(void **state)
{
	char *a = minimal_copy(), *b = minimal_copy();
	dsmap_diff *d;
	static const struct exp want[] = {
		{ DSMAP_CHANGE_RETENTION_CHANGED, CNDB, "collected/identification-contact", NULL, NULL, NULL,
		  NULL, "until the end of the subscription", "1 year after the end of the subscription", 1 },
		{ DSMAP_CHANGE_RETENTION_CHANGED, CNDB, "observed/product-subscription", NULL, NULL, NULL,
		  NULL, "until the end of the subscription", "1 year after the end of the subscription", 1 },
	};

	(void)state;
	edit(b, CNDB_FILE, "duration: P0D", "duration: P1Y");
	d = diff_dirs(a, b);
	check(d, want, N(want));
	assert_non_null(strstr(dsmap_diff_get(d, 1)->detail,
	    ": retention of observed/product-subscription longer: until the end of the subscription -> "
	    "1 year after the end of the subscription"));
	dsmap_diff_free(d);
	th_rmtree(a);
	th_rmtree(b);
}

static void test_diff__retention_trigger_changed(void **state)
{
	char *a = minimal_copy(), *b = minimal_copy();
	dsmap_diff *d;
	static const struct exp want[] = {
		{ DSMAP_CHANGE_RETENTION_CHANGED, PICKX, "observed/consumption-habits", NULL, NULL, NULL, NULL,
		  "2 years from the collection", "2 years after the end of the contractual relationship", 0 },
		{ DSMAP_CHANGE_RETENTION_CHANGED, PICKX, "observed/product-subscription", NULL, NULL, NULL, NULL,
		  "2 years from the collection", "2 years after the end of the contractual relationship", 0 },
	};

	(void)state;
	edit(b, PICKX_FILE, "trigger: collection", "trigger: end-of-relationship");
	d = diff_dirs(a, b);
	check(d, want, N(want));
	assert_non_null(strstr(dsmap_diff_get(d, 0)->detail,
	                       "retention of observed/consumption-habits changed: "));
	dsmap_diff_free(d);
	th_rmtree(a);
	th_rmtree(b);
}

/* Two rules for every category: the one that changed is not the longest. */
static void test_diff__retention_of_one_rule_of_several(void **state)
{
	char *a = minimal_copy(), *b = minimal_copy();
	dsmap_diff *d;
	static const struct exp want[] = {
		{ DSMAP_CHANGE_RETENTION_CHANGED, PROSP, "collected/identification-contact", NULL, NULL, NULL,
		  NULL, "5 years after the end of the consent; 3 years from the date of consent",
		  "5 years after the end of the consent; 2 years from the date of consent", -1 },
		{ DSMAP_CHANGE_RETENTION_CHANGED, PROSP, "obtained/identification-contact", NULL, NULL, NULL,
		  NULL, "5 years after the end of the consent; 3 years from the date of consent",
		  "5 years after the end of the consent; 2 years from the date of consent", -1 },
	};
	static const struct exp mixed[] = {
		{ DSMAP_CHANGE_RETENTION_CHANGED, PROSP, "collected/identification-contact", NULL, NULL, NULL,
		  NULL, "5 years after the end of the consent; 3 years from the date of consent",
		  "10 years after the end of the consent; 2 years from the date of consent", 0 },
		{ DSMAP_CHANGE_RETENTION_CHANGED, PROSP, "obtained/identification-contact", NULL, NULL, NULL,
		  NULL, "5 years after the end of the consent; 3 years from the date of consent",
		  "10 years after the end of the consent; 2 years from the date of consent", 0 },
	};

	(void)state;
	edit(b, PROSP_FILE, "duration: P3Y", "duration: P2Y");
	d = diff_dirs(a, b);
	check(d, want, N(want));
	dsmap_diff_free(d);

	/* one shorter, one longer: not comparable */
	edit(b, PROSP_FILE, "duration: P5Y", "duration: P10Y");
	d = diff_dirs(a, b);
	check(d, mixed, N(mixed));
	dsmap_diff_free(d);
	th_rmtree(a);
	th_rmtree(b);
}

static void test_diff__purpose_gains_a_category(void **state)
{
	char *a = minimal_copy(), *b = minimal_copy();
	dsmap_diff *d;
	static const struct exp want[] = {
		{ DSMAP_CHANGE_PURPOSE_CATEGORY_ADDED, PROSP, "observed/product-subscription", NULL, NULL,
		  NULL, NULL, NULL, "Informations sur l'abonnement à des produits et services", 0 },
	};

	(void)state;
	edit(b, PROSP_FILE, "    obtained:\n      - identification-contact\n",
	     "    obtained:\n      - identification-contact\n"
	     "    observed:\n      - product-subscription\n");
	d = diff_dirs(a, b);
	check(d, want, N(want));
	assert_string_equal(dsmap_diff_get(d, 0)->detail,
	    "purpose 7.1.2 Prospection commerciale menée par Proximus: "
	    "category observed/product-subscription added");
	dsmap_diff_free(d);
	th_rmtree(a);
	th_rmtree(b);
}

static void test_diff__legal_basis(void **state)
{
	char *a = minimal_copy(), *b = minimal_copy();
	dsmap_diff *d;
	static const struct exp want[] = {
		{ DSMAP_CHANGE_LEGAL_BASIS_CHANGED, CNDB, NULL, NULL, NULL, NULL, NULL,
		  "6(1)(c)", "6(1)(c), 6(1)(e)", 0 },
		{ DSMAP_CHANGE_LEGAL_BASIS_CHANGED, PROSP, NULL, NULL, NULL, NULL, NULL,
		  "6(1)(a)", "6(1)(f)", 0 },
	};

	(void)state;
	edit(b, PROSP_FILE, "gdpr: \"6(1)(a)\"", "gdpr: \"6(1)(f)\"");
	edit(b, CNDB_FILE, "  retention:\n",
	     "    - gdpr: \"6(1)(e)\"\n"
	     "      text_fr: \"Une mission d'intérêt public (art. 6(1)(e) RGPD).\"\n"
	     "  retention:\n");
	d = diff_dirs(a, b);
	check(d, want, N(want));
	assert_string_equal(dsmap_diff_get(d, 1)->detail,
	    "purpose 7.1.2 Prospection commerciale menée par Proximus: legal basis changed: "
	    "6(1)(a) -> 6(1)(f)");
	dsmap_diff_free(d);
	th_rmtree(a);
	th_rmtree(b);
}

static const char cloud_recipient[] =
	"  - id: cloud-analytics\n"
	"    kind: processor\n"
	"    section: \"5.1\"\n"
	"    name_fr: \"Fournisseurs d'analyses en nuage\"\n"
	"    name_en: \"Cloud analytics providers\"\n"
	"    transfers_outside_eea:\n"
	"      - section: \"5.1\"\n"
	"        countries:\n"
	"          - US\n"
	"        safeguards:\n"
	"          - standard-contractual-clauses\n"
	"        text_fr: \"Ce fournisseur est situé aux États-Unis.\"\n";

static void test_diff__recipient_outside_eea_added_to_purpose(void **state)
{
	char *a = minimal_copy(), *b = minimal_copy(), *recipients;
	dsmap_diff *d;
	const dsmap_change *c;
#define CLOUD "processor; outside the EEA: countries US; safeguards standard-contractual-clauses"
	static const struct exp want[] = {
		{ DSMAP_CHANGE_PURPOSE_RECIPIENT_ADDED, PICKX, NULL, "cloud-analytics", NULL, NULL, NULL,
		  NULL, CLOUD, 1 },
		{ DSMAP_CHANGE_RECIPIENT_ADDED, NULL, NULL, "cloud-analytics", NULL, NULL, NULL,
		  NULL, CLOUD, 1 },
	};

	(void)state;
	recipients = slurp(b, "recipients.yaml");
	recipients = realloc(recipients, strlen(recipients) + sizeof(cloud_recipient));
	assert_non_null(recipients);
	strcat(recipients, cloud_recipient);
	put(b, "recipients.yaml", recipients);
	free(recipients);
	edit(b, PICKX_FILE, "    - recommendation-engine-providers\n",
	     "    - recommendation-engine-providers\n    - cloud-analytics\n");
	d = diff_dirs(a, b);
	check(d, want, N(want));
	c = find_type(d, DSMAP_CHANGE_PURPOSE_RECIPIENT_ADDED);
	assert_string_equal(c->detail, PICKX_LABEL ": recipient cloud-analytics (" CLOUD ") added");
	dsmap_diff_free(d);
	th_rmtree(a);
	th_rmtree(b);
#undef CLOUD
}

static void test_diff__recipient_kind_and_transfers(void **state)
{
	char *a = minimal_copy(), *b = minimal_copy(), *c2 = NULL;
	dsmap_diff *d;
	static const struct exp want[] = {
		{ DSMAP_CHANGE_RECIPIENT_KIND_CHANGED, NULL, NULL, "emergency-services", NULL, NULL, NULL,
		  "authority", "processor", 0 },
		{ DSMAP_CHANGE_RECIPIENT_TRANSFER_CHANGED, NULL, NULL, "recommendation-engine-providers",
		  NULL, NULL, NULL, "none",
		  "countries IN, US; safeguards standard-contractual-clauses", 1 },
		{ DSMAP_CHANGE_RECIPIENT_TRANSFER_CHANGED, PICKX, NULL, NULL, NULL, NULL, NULL, "none",
		  "no country named; safeguards standard-contractual-clauses", 1 },
	};
	static const struct exp fewer[] = {
		{ DSMAP_CHANGE_RECIPIENT_TRANSFER_CHANGED, NULL, NULL, "recommendation-engine-providers",
		  NULL, NULL, NULL, "countries IN, US; safeguards standard-contractual-clauses",
		  "countries IN; safeguards adequacy-decision, standard-contractual-clauses", -1 },
	};

	(void)state;
	edit(b, "recipients.yaml", "kind: authority", "kind: processor");
	edit(b, "recipients.yaml", "    name_en: \"Recommendation engine providers\"\n",
	     "    name_en: \"Recommendation engine providers\"\n"
	     "    transfers_outside_eea:\n"
	     "      - section: \"5.1\"\n"
	     "        countries: [US, IN]\n"
	     "        safeguards: [standard-contractual-clauses]\n"
	     "        text_fr: \"Certains fournisseurs sont situés en Inde et aux États-Unis.\"\n");
	edit(b, PICKX_FILE, "  recipients:\n    - recommendation-engine-providers\n",
	     "  recipients:\n    - recommendation-engine-providers\n"
	     "  transfers_outside_eea:\n"
	     "    - section: \"7.2.2.3\"\n"
	     "      countries: []\n"
	     "      safeguards:\n"
	     "        - standard-contractual-clauses\n"
	     "      text_fr: \"Certains destinataires peuvent être situés en dehors de l'EEE.\"\n");
	d = diff_dirs(a, b);
	check(d, want, N(want));
	assert_string_equal(dsmap_diff_get(d, 0)->detail,
	    "recipient emergency-services (Services d'urgence): kind changed: authority -> processor");
	dsmap_diff_free(d);

	/* a country less, a safeguard more */
	c2 = th_tmpdir();
	{
		char *cmd = dsmap__sprintf("cp -R '%s'/. '%s'", b, c2);

		assert_int_equal(system(cmd), 0);
		free(cmd);
	}
	edit(c2, "recipients.yaml", "countries: [US, IN]", "countries: [IN]");
	edit(c2, "recipients.yaml", "safeguards: [standard-contractual-clauses]",
	     "safeguards: [standard-contractual-clauses, adequacy-decision]");
	d = diff_dirs(b, c2);
	check(d, fewer, N(fewer));
	dsmap_diff_free(d);

	/* the same countries in another order */
	edit(c2, "recipients.yaml", "countries: [IN]", "countries: [US, IN]");
	edit(b, "recipients.yaml", "countries: [US, IN]", "countries: [IN, US]");
	edit(b, "recipients.yaml", "safeguards: [standard-contractual-clauses]",
	     "safeguards: [adequacy-decision, standard-contractual-clauses]");
	d = diff_dirs(b, c2);
	check(d, NULL, 0);
	dsmap_diff_free(d);
	th_rmtree(a);
	th_rmtree(b);
	th_rmtree(c2);
}

static void test_diff__recipients_removed(void **state)
{
	char *a = minimal_copy(), *b = minimal_copy();
	dsmap_diff *d;
	static const struct exp want[] = {
		{ DSMAP_CHANGE_PURPOSE_RECIPIENT_REMOVED, CNDB, NULL, "emergency-services", NULL, NULL, NULL,
		  "authority", NULL, 0 },
		{ DSMAP_CHANGE_PURPOSE_RECIPIENT_REMOVED, PICKX, NULL, "recommendation-engine-providers",
		  NULL, NULL, NULL, "processor", NULL, 0 },
		{ DSMAP_CHANGE_RECIPIENT_REMOVED, NULL, NULL, "recommendation-engine-providers", NULL, NULL,
		  NULL, "processor", NULL, 0 },
	};

	(void)state;
	edit(b, CNDB_FILE, "    - emergency-services\n", "");
	edit(b, PICKX_FILE, "  recipients:\n    - recommendation-engine-providers\n",
	     "  recipients: []\n");
	edit(b, "recipients.yaml",
	     "  - id: recommendation-engine-providers\n"
	     "    kind: processor\n"
	     "    section: \"5.1\"\n"
	     "    name_fr: \"Fournisseurs de moteurs de recommandation\"\n"
	     "    name_en: \"Recommendation engine providers\"\n", "");
	d = diff_dirs(a, b);
	check(d, want, N(want));
	dsmap_diff_free(d);
	th_rmtree(a);
	th_rmtree(b);
}

static void test_diff__purpose_renamed(void **state)
{
	char *a = minimal_copy(), *b = minimal_copy(), *buf;
	dsmap_diff *d;
	static const struct exp title[] = {
		{ DSMAP_CHANGE_PURPOSE_RENAMED, PICKX, NULL, NULL, NULL, NULL, NULL,
		  PICKX ": 7.2.2.3 " PICKX_TITLE, PICKX ": 7.2.2.3 Promotion sur Pickx", 0 },
	};
#define NEWID "pickx-recommendations"
	static const struct exp id[] = {
		{ DSMAP_CHANGE_PURPOSE_RENAMED, NEWID, NULL, NULL, NULL, NULL, NULL,
		  PICKX ": 7.2.2.3 " PICKX_TITLE, NEWID ": 7.2.2.3 " PICKX_TITLE, 0 },
		{ DSMAP_CHANGE_RETENTION_CHANGED, NEWID, "observed/consumption-habits", NULL, NULL, NULL, NULL,
		  "2 years from the collection", "1 year from the collection", -1 },
		{ DSMAP_CHANGE_RETENTION_CHANGED, NEWID, "observed/product-subscription", NULL, NULL, NULL,
		  NULL, "2 years from the collection", "1 year from the collection", -1 },
	};
	static const struct exp by_title[] = {
		{ DSMAP_CHANGE_PURPOSE_RENAMED, NEWID, NULL, NULL, NULL, NULL, NULL,
		  PICKX ": 7.2.2.3 " PICKX_TITLE, NEWID ": 7.2.2.4 " PICKX_TITLE, 0 },
	};

	(void)state;
	/* the title */
	edit(b, PICKX_FILE, "\"" PICKX_TITLE "\"", "\"Promotion sur Pickx\"");
	d = diff_dirs(a, b);
	check(d, title, N(title));
	assert_string_equal(dsmap_diff_get(d, 0)->detail,
	    "purpose 7.2.2.3 Promotion sur Pickx: renamed; was " PICKX_LABEL " (" PICKX ")");
	dsmap_diff_free(d);
	th_rmtree(b);

	/* the id, in the same section; the systems that served it follow it */
	b = minimal_copy();
	edit(b, PICKX_FILE, "id: " PICKX "\n", "id: " NEWID "\n");
	edit(b, PICKX_FILE, "duration: P2Y", "duration: P1Y");
	buf = slurp(b, PICKX_FILE);
	put(b, "purposes/" NEWID ".yaml", buf);
	free(buf);
	del(b, PICKX_FILE);
	edit(b, "systems/crm.yaml", "    - " PICKX "\n", "    - " NEWID "\n");
	d = diff_dirs(a, b);
	check(d, id, N(id));
	dsmap_diff_free(d);

	/* the id and the section, with the same title */
	edit(b, "purposes/" NEWID ".yaml", "duration: P1Y", "duration: P2Y");
	edit(b, "purposes/" NEWID ".yaml", "section: \"7.2.2.3\"\n  parent",
	     "section: \"7.2.2.4\"\n  parent");
	d = diff_dirs(a, b);
	check(d, by_title, N(by_title));
	dsmap_diff_free(d);
	th_rmtree(a);
	th_rmtree(b);
#undef NEWID
}

static void test_diff__purpose_added_and_removed(void **state)
{
	char *a = minimal_copy(), *b = minimal_copy(), *buf;
	dsmap_diff *d;
	static const struct exp want[] = {
		{ DSMAP_CHANGE_PURPOSE_ADDED, "network-quality", NULL, NULL, NULL, NULL, NULL,
		  NULL, "6.3.4.1 Qualité du réseau", 0 },
		{ DSMAP_CHANGE_PURPOSE_REMOVED, PROSP, NULL, NULL, NULL, NULL, NULL,
		  "7.1.2 Prospection commerciale menée par Proximus", NULL, 0 },
	};

	(void)state;
	del(b, PROSP_FILE);
	buf = slurp(b, CNDB_FILE);
	put(b, "purposes/network-quality.yaml", buf);
	free(buf);
	edit(b, "purposes/network-quality.yaml", "id: " CNDB, "id: network-quality");
	edit(b, "purposes/network-quality.yaml", "section: \"6.3.3.7\"", "section: \"6.3.4.1\"");
	edit(b, "purposes/network-quality.yaml",
	     "title_fr: \"Accès des services d'urgence à la base de données centrale des numéros\"",
	     "title_fr: \"Qualité du réseau\"");
	d = diff_dirs(a, b);
	check(d, want, N(want));
	assert_string_equal(dsmap_diff_get(d, 1)->detail,
	    "purpose 7.1.2 Prospection commerciale menée par Proximus: removed");
	dsmap_diff_free(d);
	th_rmtree(a);
	th_rmtree(b);
}

/* The history cache's step (histcache.h): the changes as history prints
 * them, and the links each side has that the other has not, by which
 * blame follows a link back. */
static int has_str(json_t *a, const char *s)
{
	json_t *x;
	size_t i;

	json_array_foreach(a, i, x)
		if (json_is_string(x) && strcmp(json_string_value(x), s) == 0)
			return 1;
	return 0;
}

static void test_diff__history_step(void **state)
{
	char *a = minimal_copy(), *b = minimal_copy(), *buf;
	dsmap_mapping *ma, *mb;
	dsmap_diff *d = NULL;
	json_t *st, *root, *x;
	size_t i;

	(void)state;
	del(b, PROSP_FILE);
	buf = slurp(b, CNDB_FILE);
	put(b, "purposes/network-quality.yaml", buf);
	free(buf);
	edit(b, "purposes/network-quality.yaml", "id: " CNDB, "id: network-quality");
	edit(b, "purposes/network-quality.yaml", "section: \"6.3.3.7\"", "section: \"6.3.4.1\"");
	ma = load(a);
	mb = load(b);
	assert_int_equal(dsmap_diff_mappings(&d, ma, mb), 0);
	st = dsmap__histcache_step(ma, mb, d);
	assert_non_null(st);
	/* the changes, each as dsmap history prints it */
	assert_int_equal(json_array_size(json_object_get(st, "changes")), dsmap_diff_count(d));
	json_array_foreach(json_object_get(st, "changes"), i, x) {
		assert_string_equal(json_string_value(json_object_get(x, "type")),
		                    dsmap_change_type_name(dsmap_diff_get(d, i)->type));
		assert_string_equal(json_string_value(json_object_get(x, "detail")),
		                    dsmap_diff_get(d, i)->detail);
	}
	/* the new purpose's links are added, the removed one's removed */
	assert_true(has_str(json_object_get(st, "added"),
	                    "uses\tnetwork-quality\tcollected/identification-contact"));
	assert_true(has_str(json_object_get(st, "added"),
	                    "shares\tnetwork-quality\temergency-services"));
	assert_true(has_str(json_object_get(st, "removed"),
	                    "uses\t" PROSP "\tobtained/identification-contact"));
	/* a link on both sides is in neither list; no first commit's nodes */
	assert_false(has_str(json_object_get(st, "added"), "serves\tcrm\tpickx-promotion"));
	assert_false(has_str(json_object_get(st, "removed"), "serves\tcrm\tpickx-promotion"));
	assert_false(has_str(json_object_get(st, "added"), "uses\t" CNDB "\tobserved/product-subscription"));
	assert_null(json_object_get(st, "nodes"));

	/* a first commit: every link is added, and its nodes are named */
	root = dsmap__histcache_step(NULL, ma, NULL);
	assert_non_null(root);
	assert_int_equal(json_array_size(json_object_get(root, "changes")), 0);
	assert_int_equal(json_array_size(json_object_get(root, "removed")), 0);
	assert_true(has_str(json_object_get(root, "added"), "serves\tcrm\tpickx-promotion"));
	assert_true(has_str(json_object_get(root, "added"),
	                    "shares\tpickx-promotion\trecommendation-engine-providers"));
	assert_true(has_str(json_object_get(json_object_get(root, "nodes"), "purpose"), PROSP));
	assert_true(has_str(json_object_get(json_object_get(root, "nodes"), "system"), "crm"));
	assert_true(has_str(json_object_get(json_object_get(root, "nodes"), "category"),
	                    "observed/consumption-habits"));
	json_decref(root);
	json_decref(st);
	dsmap_diff_free(d);
	dsmap_mapping_free(ma);
	dsmap_mapping_free(mb);
	th_rmtree(a);
	th_rmtree(b);
}

static void test_diff__categories(void **state)
{
	char *a = minimal_copy(), *b = minimal_copy(), *buf;
	dsmap_diff *d;
	static const struct exp want[] = {
		{ DSMAP_CHANGE_PURPOSE_CATEGORY_REMOVED, PICKX, "observed/consumption-habits", NULL, NULL,
		  NULL, NULL, "Habitudes de consommation", NULL, 0 },
		{ DSMAP_CHANGE_CATEGORY_ADDED, NULL, "derived/household-composition", NULL, NULL, NULL, NULL,
		  NULL, "Composition du ménage", 0 },
		{ DSMAP_CHANGE_CATEGORY_REMOVED, NULL, "observed/consumption-habits", NULL, NULL, NULL, NULL,
		  "Habitudes de consommation", NULL, 0 },
		{ DSMAP_CHANGE_SYSTEM_MAPPING_CHANGED, NULL, NULL, NULL, "crm", "customers", "tv_pack",
		  "categories observed/consumption-habits, observed/product-subscription",
		  "categories observed/product-subscription", 0 },
	};

	(void)state;
	edit(b, "categories.yaml",
	     "  - id: consumption-habits\n"
	     "    group: observed\n"
	     "    section: \"4.3\"\n"
	     "    name_fr: \"Habitudes de consommation\"\n"
	     "    name_en: \"Consumption habits\"\n"
	     "    examples: []\n", "");
	buf = slurp(b, "categories.yaml");
	buf = realloc(buf, strlen(buf) + 512);
	assert_non_null(buf);
	strcat(buf, "  - id: household-composition\n"
	            "    group: derived\n"
	            "    section: \"4.4\"\n"
	            "    name_fr: \"Composition du ménage\"\n"
	            "    name_en: \"Household composition\"\n"
	            "    examples: []\n");
	put(b, "categories.yaml", buf);
	free(buf);
	edit(b, PICKX_FILE, "      - consumption-habits\n", "");
	edit(b, PICKX_FILE, "          - observed/consumption-habits\n", "");
	edit(b, "systems/crm.yaml", "[observed/product-subscription, observed/consumption-habits]",
	     "observed/product-subscription");
	d = diff_dirs(a, b);
	check(d, want, N(want));
	assert_string_equal(dsmap_diff_get(d, 3)->detail,
	    "system crm: source customers, field tv_pack: categories observed/consumption-habits, "
	    "observed/product-subscription -> categories observed/product-subscription");
	dsmap_diff_free(d);
	th_rmtree(a);
	th_rmtree(b);
}

static void test_diff__systems(void **state)
{
	char *a = minimal_copy(), *b = minimal_copy();
	dsmap_diff *d;
	static const struct exp want[] = {
		{ DSMAP_CHANGE_SYSTEM_ADDED, NULL, NULL, NULL, "billing", NULL, NULL,
		  NULL, "Billing export", 0 },
		{ DSMAP_CHANGE_SYSTEM_MAPPING_CHANGED, NULL, NULL, NULL, "crm", "customers", "email",
		  "identifier email; categories collected/identification-contact",
		  "categories collected/identification-contact", 0 },
		{ DSMAP_CHANGE_SYSTEM_MAPPING_CHANGED, NULL, NULL, NULL, "crm", "customers", "phone",
		  "not mapped", "identifier phone", 0 },
		{ DSMAP_CHANGE_SYSTEM_MAPPING_CHANGED, NULL, NULL, NULL, "crm", "orders", NULL,
		  NULL, "categories observed/product-subscription", 0 },
		{ DSMAP_CHANGE_SYSTEM_PURPOSE_ADDED, CNDB, NULL, NULL, "crm", NULL, NULL, NULL, NULL, 0 },
		{ DSMAP_CHANGE_SYSTEM_PURPOSE_REMOVED, PICKX, NULL, NULL, "crm", NULL, NULL, NULL, NULL, 0 },
	};
	static const struct exp back[] = {
		{ DSMAP_CHANGE_SYSTEM_REMOVED, NULL, NULL, NULL, "billing", NULL, NULL,
		  "Billing export", NULL, 0 },
		{ DSMAP_CHANGE_SYSTEM_MAPPING_CHANGED, NULL, NULL, NULL, "crm", "customers", "email",
		  "categories collected/identification-contact",
		  "identifier email; categories collected/identification-contact", 0 },
		{ DSMAP_CHANGE_SYSTEM_MAPPING_CHANGED, NULL, NULL, NULL, "crm", "customers", "phone",
		  "identifier phone", "not mapped", 0 },
		{ DSMAP_CHANGE_SYSTEM_MAPPING_CHANGED, NULL, NULL, NULL, "crm", "orders", NULL,
		  "categories observed/product-subscription", NULL, 0 },
		{ DSMAP_CHANGE_SYSTEM_PURPOSE_ADDED, PICKX, NULL, NULL, "crm", NULL, NULL, NULL, NULL, 0 },
		{ DSMAP_CHANGE_SYSTEM_PURPOSE_REMOVED, CNDB, NULL, NULL, "crm", NULL, NULL, NULL, NULL, 0 },
	};

	(void)state;
	put(b, "systems/billing.yaml",
	    "schema: 1\n"
	    "system:\n"
	    "  id: billing\n"
	    "  name: Billing export\n"
	    "  plugin: csv\n"
	    "  config:\n"
	    "    path: ${BILLING_CSV}\n"
	    "  purposes:\n"
	    "    - central-number-database-access\n"
	    "  sources:\n"
	    "    - name: invoices\n"
	    "      identifiers:\n"
	    "        customer_no: customer-number\n"
	    "      categories:\n"
	    "        pack: observed/product-subscription\n");
	edit(b, "systems/crm.yaml", "    - " PICKX "\n", "    - " CNDB "\n");
	edit(b, "systems/crm.yaml", "        email: email\n", "        phone: phone\n");
	edit(b, "systems/crm.yaml", "      timestamp: updated_at\n",
	     "      timestamp: updated_at\n"
	     "    - name: orders\n"
	     "      identifiers:\n"
	     "        customer_no: customer-number\n"
	     "      categories:\n"
	     "        pack: observed/product-subscription\n");
	d = diff_dirs(a, b);
	check(d, want, N(want));
	assert_string_equal(find_type(d, DSMAP_CHANGE_SYSTEM_PURPOSE_ADDED)->detail,
	    "system crm: serves purpose 6.3.3.7 Accès des services d'urgence à la base de données "
	    "centrale des numéros: added");
	assert_string_equal(dsmap_diff_get(d, 3)->detail,
	    "system crm: source orders added (categories observed/product-subscription)");
	dsmap_diff_free(d);
	d = diff_dirs(b, a);
	check(d, back, N(back));
	dsmap_diff_free(d);
	th_rmtree(a);
	th_rmtree(b);
}

static void test_diff__type_names(void **state)
{
	static const char *const names[] = {
		"purpose-added", "purpose-removed", "purpose-renamed", "purpose-category-added",
		"purpose-category-removed", "legal-basis-changed", "retention-changed",
		"purpose-recipient-added", "purpose-recipient-removed", "recipient-kind-changed",
		"recipient-transfer-changed", "category-added", "category-removed", "recipient-added",
		"recipient-removed", "system-added", "system-removed", "system-mapping-changed",
		"system-purpose-added", "system-purpose-removed",
	};
	size_t i;

	(void)state;
	assert_int_equal(DSMAP_CHANGE_SYSTEM_PURPOSE_REMOVED + 1, N(names));
	for (i = 0; i < N(names); i++)
		assert_string_equal(dsmap_change_type_name((dsmap_change_type)i), names[i]);
	assert_null(dsmap_change_type_name((dsmap_change_type)N(names)));
	assert_null(dsmap_change_type_name((dsmap_change_type)-1));
}

static void test_diff__null_and_errors(void **state)
{
	char *a = minimal_copy(), *b = minimal_copy();
	dsmap_mapping *m = load(a), *broken = NULL;
	dsmap_diff *d = (dsmap_diff *)&d;

	(void)state;
	dsmap_diff_free(NULL);
	assert_int_equal(dsmap_diff_count(NULL), 0);
	assert_null(dsmap_diff_get(NULL, 0));
	assert_int_equal(dsmap_diff_mappings(NULL, m, m), DSMAP_EINVALID);
	assert_int_equal(dsmap_diff_mappings(&d, NULL, m), DSMAP_EINVALID);
	assert_null(d);
	assert_int_equal(dsmap_diff_mappings(&d, m, NULL), DSMAP_EINVALID);

	edit(b, PICKX_FILE, "duration: P2Y", "duration: 2Y");
	assert_int_equal(dsmap_mapping_load_dir(&broken, b), DSMAP_EINVALID);
	assert_int_equal(dsmap_diff_mappings(&d, m, broken), DSMAP_EINVALID);
	assert_null(d);
	assert_true(th_error_contains("the newer mapping has 1 error"));
	assert_int_equal(dsmap_diff_mappings(&d, broken, m), DSMAP_EINVALID);
	assert_true(th_error_contains("the older mapping has 1 error"));
	dsmap_mapping_free(broken);
	dsmap_mapping_free(m);
	th_rmtree(a);
	th_rmtree(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff__identical),
		cmocka_unit_test(test_diff__shipped_to_itself),
		cmocka_unit_test(test_diff__retention_shorter),
		cmocka_unit_test(test_diff__retention_longer),
		cmocka_unit_test(test_diff__retention_trigger_changed),
		cmocka_unit_test(test_diff__retention_of_one_rule_of_several),
		cmocka_unit_test(test_diff__purpose_gains_a_category),
		cmocka_unit_test(test_diff__legal_basis),
		cmocka_unit_test(test_diff__recipient_outside_eea_added_to_purpose),
		cmocka_unit_test(test_diff__recipient_kind_and_transfers),
		cmocka_unit_test(test_diff__recipients_removed),
		cmocka_unit_test(test_diff__purpose_renamed),
		cmocka_unit_test(test_diff__purpose_added_and_removed),
		cmocka_unit_test(test_diff__history_step),
		cmocka_unit_test(test_diff__categories),
		cmocka_unit_test(test_diff__systems),
		cmocka_unit_test(test_diff__type_names),
		cmocka_unit_test(test_diff__null_and_errors),
	};

	return cmocka_run_group_tests_name("diff", tests, NULL, NULL);
}
