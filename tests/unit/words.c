/*
 * Unit tests: retention periods and counts in words, in English and French,
 * for every trigger and duration shape of the shipped mapping, and a walk
 * over every retention rule it holds.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mapping.h"
#include "util.h"
#include "words.h"

struct want {
	const char *iso, *trigger, *en, *fr;
};

static void check(const struct want *w, size_t n)
{
	char buf[256];
	size_t i;

	for (i = 0; i < n; i++) {
		const char *got = dsmap__duration_words(buf, sizeof(buf), w[i].iso, w[i].trigger, "en");

		if (strcmp(got, w[i].en) != 0)
			fail_msg("%s + %s (en): got \"%s\", wanted \"%s\"", w[i].iso ? w[i].iso : "null",
			         w[i].trigger ? w[i].trigger : "null", got, w[i].en);
		got = dsmap__duration_words(buf, sizeof(buf), w[i].iso, w[i].trigger, "fr");
		if (strcmp(got, w[i].fr) != 0)
			fail_msg("%s + %s (fr): got \"%s\", wanted \"%s\"", w[i].iso ? w[i].iso : "null",
			         w[i].trigger ? w[i].trigger : "null", got, w[i].fr);
	}
}

/* Every trigger of the shipped mapping, with the duration it comes with there. */
static void test_words__every_shipped_trigger(void **state)
{
	static const struct want w[] = {
		{ "P1M", "recording", "1 month from the recording", "1 mois à compter de l'enregistrement" },
		{ "P3Y", "visit", "3 years from the visit", "3 ans à compter de la visite" },
		{ "P12M", "communication", "12 months from the communication",
		  "12 mois à compter de la communication" },
		{ "P3M", "conversation-end", "3 months after the end of the conversation",
		  "3 mois après la fin de la conversation" },
		{ "P1Y", "collection", "1 year from the collection", "1 an à compter de la collecte" },
		{ "P6M", "creation", "6 months from the creation of the data",
		  "6 mois à compter de la création des données" },
		{ "P2Y", "interaction", "2 years from the interaction",
		  "2 ans à compter de l'interaction" },
		{ "P2Y", "participation", "2 years from the participation",
		  "2 ans à compter de la participation" },
		{ "P3Y", "survey", "3 years from the survey", "3 ans à compter de l'enquête" },
		{ "P3Y", "consent", "3 years from the date of consent",
		  "3 ans à compter de la date du consentement" },
		{ "P5Y", "end-of-consent", "5 years after the end of the consent",
		  "5 ans après la fin du consentement" },
		{ "P0D", "consent-withdrawal", "until the withdrawal of consent",
		  "jusqu'au retrait du consentement" },
		{ "P10Y", "end-of-contract", "10 years after the end of the contract",
		  "10 ans après la fin du contrat" },
		{ "P0D", "end-of-relationship", "until the end of the contractual relationship",
		  "jusqu'à la fin de la relation contractuelle" },
		{ "P12M", "end-of-service", "12 months after the end of the service",
		  "12 mois après la fin du service" },
		{ "P0D", "end-of-subscription", "until the end of the subscription",
		  "jusqu'à la fin de l'abonnement" },
		{ "P12M", "end-of-session", "12 months after the end of the session",
		  "12 mois après la fin de la session" },
		{ "P0D", "end-of-social-tariff", "until the end of the social tariff",
		  "jusqu'à la fin du tarif social" },
		{ "P0D", "end-of-transmission", "until the end of the transmission",
		  "jusqu'à la fin de la transmission" },
		{ "P14D", "signal-transmission", "14 days from the sending of the signal",
		  "14 jours à compter de l'envoi du signal" },
		{ "P10Y", "end-of-dispute", "10 years after the end of the dispute",
		  "10 ans après la fin du litige" },
		{ "P5Y", "last-unpaid-invoice", "5 years from the last unpaid invoice",
		  "5 ans à compter de la dernière facture impayée" },
		{ "P0D", "settlement-and-return",
		  "until the payment of all amounts due and the return of rented equipment",
		  "jusqu'au paiement de tous les montants dus et la restitution du matériel loué" },
		{ "P0D", "reassessment", "until the next reassessment", "jusqu'à la prochaine réévaluation" },
		{ "P0D", "eligibility-check", "until the eligibility check",
		  "jusqu'à la vérification de l'éligibilité" },
		{ "P0D", "id-validation", "until the validation of the identity document",
		  "jusqu'à la validation du document d'identité" },
		{ "P0D", "end-of-fraud-case", "until the end of the fraud case",
		  "jusqu'à la clôture du dossier de fraude" },
		{ "P0D", "end-of-attack", "until the end of the handling of the attack",
		  "jusqu'à la fin du traitement de l'attaque" },
		{ "P0D", "end-of-campaign", "until the end of the campaign",
		  "jusqu'à la fin de la campagne" },
		{ "P1Y", "look-back-window", "a look-back window of 1 year (the data used, not a "
		  "deletion deadline)", "une fenêtre d'analyse de 1 an (les données utilisées, pas un "
		  "délai d'effacement)" },
		{ "P1M", "complete-request", "1 month from the receipt of a complete request",
		  "1 mois à compter de la réception d'une demande complète" },
	};

	(void)state;
	check(w, sizeof(w) / sizeof(w[0]));
}

/* Every duration shape of the shipped mapping, with no trigger. */
static void test_words__every_shipped_duration(void **state)
{
	static const struct want w[] = {
		{ "P1M", NULL, "1 month", "1 mois" },
		{ "P3M", NULL, "3 months", "3 mois" },
		{ "P4M", NULL, "4 months", "4 mois" },
		{ "P6M", NULL, "6 months", "6 mois" },
		{ "P9M", NULL, "9 months", "9 mois" },
		{ "P12M", NULL, "12 months", "12 mois" },
		{ "P13M", NULL, "13 months", "13 mois" },
		{ "P14D", NULL, "14 days", "14 jours" },
		{ "P90D", NULL, "90 days", "90 jours" },
		{ "P1Y", NULL, "1 year", "1 an" },
		{ "P2Y", NULL, "2 years", "2 ans" },
		{ "P3Y", NULL, "3 years", "3 ans" },
		{ "P5Y", NULL, "5 years", "5 ans" },
		{ "P7Y", NULL, "7 years", "7 ans" },
		{ "P10Y", NULL, "10 years", "10 ans" },
		{ "P2Y6M", NULL, "2 years and 6 months", "2 ans et 6 mois" },
		{ "P1Y2M3D", NULL, "1 year, 2 months and 3 days", "1 an, 2 mois et 3 jours" },
		{ "PT24H", NULL, "24 hours", "24 heures" },
		{ "P1W", NULL, "1 week", "1 semaine" },
		{ "P2Y6M", "creation", "2 years and 6 months from the creation of the data",
		  "2 ans et 6 mois à compter de la création des données" },
		{ "P0D", NULL, "not kept", "aucune conservation" },
		{ NULL, NULL, "no period given", "aucune durée indiquée" },
		{ NULL, "collection", "no period given; counted from the collection",
		  "aucune durée indiquée ; comptée à partir de la collecte" },
		{ NULL, "consent-withdrawal", "no period given; counted from the withdrawal of consent",
		  "aucune durée indiquée ; comptée à partir du retrait du consentement" },
	};

	(void)state;
	check(w, sizeof(w) / sizeof(w[0]));
}

static void test_words__unknown_and_malformed(void **state)
{
	static const struct want w[] = {
		{ "P2Y", "end-of-lunar-cycle", "2 years from the end of lunar cycle",
		  "2 ans à compter de l'événement « end of lunar cycle »" },
		{ "P0D", "moon-landing", "until the moon landing", "jusqu'à l'événement « moon landing »" },
		{ NULL, "moon-landing", "no period given; counted from the moon landing",
		  "aucune durée indiquée ; comptée à partir de l'événement « moon landing »" },
		{ "3 years", NULL, "an unreadable period", "une durée illisible" },
		{ "P", NULL, "an unreadable period", "une durée illisible" },
		{ "PT", NULL, "an unreadable period", "une durée illisible" },
		{ "P1M1Y", NULL, "an unreadable period", "une durée illisible" },
		{ "P1Y1Y", NULL, "an unreadable period", "une durée illisible" },
		{ "P1X", NULL, "an unreadable period", "une durée illisible" },
		{ "P99999999999Y", NULL, "an unreadable period", "une durée illisible" },
	};

	(void)state;
	check(w, sizeof(w) / sizeof(w[0]));
}

static void test_words__ranges(void **state)
{
	char buf[128];

	(void)state;
	assert_string_equal(dsmap__duration_range_words(buf, sizeof(buf), "P6M", "P9M", "communication",
	                                                "en"), "6 to 9 months from the communication");
	assert_string_equal(dsmap__duration_range_words(buf, sizeof(buf), "P6M", "P9M", "communication",
	                                                "fr"), "6 à 9 mois à compter de la communication");
	assert_string_equal(dsmap__duration_range_words(buf, sizeof(buf), "P6M", "P1Y", NULL, "en"),
	                    "6 months to 1 year");
	assert_string_equal(dsmap__duration_range_words(buf, sizeof(buf), NULL, "P1Y", NULL, "fr"),
	                    "1 an");
	assert_string_equal(dsmap__duration_range_words(buf, sizeof(buf), "P0D", "P1Y",
	                                                "end-of-contract", "en"),
	                    "up to 1 year after the end of the contract");
}

static void test_words__cut_to_the_buffer(void **state)
{
	char buf[12];

	(void)state;
	dsmap__duration_words(buf, sizeof(buf), "P10Y", "end-of-contract", "en");
	assert_string_equal(buf, "10 years af");
	assert_ptr_equal(dsmap__duration_words(buf, 0, "P10Y", NULL, "en"), buf);
	dsmap__duration_words(buf, 1, "P10Y", NULL, "en");
	assert_string_equal(buf, "");
}

static void test_words__counts(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(dsmap__plural(1, "subject", "subjects"), "subject");
	assert_string_equal(dsmap__plural(0, "subject", "subjects"), "subjects");
	assert_string_equal(dsmap__plural(2, "subject", "subjects"), "subjects");
	assert_string_equal(dsmap__plural_fr(0, "an", "ans"), "an");
	assert_string_equal(dsmap__plural_fr(2, "an", "ans"), "ans");
	assert_string_equal(dsmap__count_words(buf, sizeof(buf), 1, "subject", "en"), "1 subject");
	assert_string_equal(dsmap__count_words(buf, sizeof(buf), 2, "subject", "en"), "2 subjects");
	assert_string_equal(dsmap__count_words(buf, sizeof(buf), 0, "subject", "en"), "0 subjects");
	assert_string_equal(dsmap__count_words(buf, sizeof(buf), 0, "category", "fr"), "0 catégorie");
	assert_string_equal(dsmap__count_words(buf, sizeof(buf), 2, "subject", "fr"),
	                    "2 personnes concernées");
	assert_string_equal(dsmap__count_words(buf, sizeof(buf), 3, "month", "fr"), "3 mois");
	assert_string_equal(dsmap__count_words(buf, sizeof(buf), 1, "subject-kind", "en"),
	                    "1 kind of subject");
	assert_string_equal(dsmap__count_words(buf, sizeof(buf), 2, "table", "en"), "2 tables");
	assert_string_equal(dsmap__count_words(buf, sizeof(buf), 1, "table", "fr"), "1 table");
	assert_string_equal(dsmap__count_words(buf, sizeof(buf), 12, "system", "de"), "12 systems");
}

/* An ISO 8601 code: a P that starts a word, followed by a digit. */
static int has_iso(const char *s)
{
	const char *p;

	for (p = s; (p = strchr(p, 'P')) != NULL; p++) {
		int word_start = p == s || !((p[-1] >= 'A' && p[-1] <= 'Z') ||
		                             (p[-1] >= 'a' && p[-1] <= 'z') ||
		                             (p[-1] >= '0' && p[-1] <= '9') || p[-1] == '_');

		if (word_start && p[1] >= '0' && p[1] <= '9')
			return 1;
	}
	return 0;
}

static void test_words__every_rule_of_the_shipped_mapping(void **state)
{
	const char *src = getenv("DSMAP_SRCDIR");
	char *dir = dsmap__sprintf("%s/mappings", src ? src : ".");
	static const char *const langs[] = { "en", "fr" };
	dsmap_mapping *m = NULL;
	size_t i, j, k, rules = 0, triggers = 0;
	char buf[512];

	(void)state;
	assert_non_null(dir);
	assert_int_equal(dsmap_mapping_load_dir(&m, dir), 0);
	free(dir);
	assert_true(has_iso("kept P1Y"));
	assert_false(has_iso("APP1 P-1"));
	for (i = 0; i < m->purposes.count; i++) {
		const struct dsmap__purpose *p = m->purposes.items[i];

		for (j = 0; j < p->rules.count; j++) {
			const struct dsmap__rule *r = p->rules.items[j];

			rules++;
			triggers += r->trigger != NULL;
			for (k = 0; k < 2; k++) {
				dsmap__duration_range_words(buf, sizeof(buf), r->duration_min, r->duration,
				                            r->trigger, langs[k]);
				if (has_iso(buf) || strstr(buf, "(no duration)") != NULL ||
				    strstr(buf, "unreadable") != NULL || strstr(buf, "illisible") != NULL ||
				    /* a trigger id the words do not know */
				    strstr(buf, "l'événement «") != NULL || buf[0] == '\0')
					fail_msg("purpose %s, rule %zu (%s): \"%s\"", p->id, j + 1, langs[k], buf);
			}
		}
	}
	/* The walk went over the mapping's rules (more than 70 of them, most with a trigger). */
	assert_true(rules > 70);
	assert_true(triggers > 50);
	dsmap_mapping_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words__every_shipped_trigger),
		cmocka_unit_test(test_words__every_shipped_duration),
		cmocka_unit_test(test_words__unknown_and_malformed),
		cmocka_unit_test(test_words__ranges),
		cmocka_unit_test(test_words__cut_to_the_buffer),
		cmocka_unit_test(test_words__counts),
		cmocka_unit_test(test_words__every_rule_of_the_shipped_mapping),
	};

	return cmocka_run_group_tests_name("words", tests, NULL, NULL);
}
