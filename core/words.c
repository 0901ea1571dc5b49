/*
 * Periods and counts in words (see words.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "words.h"

/* ---- writing into a fixed buffer ------------------------------------------------ */

struct wbuf {
	char *buf;
	size_t size, len;
};

static void put(struct wbuf *w, const char *fmt, ...) DSMAP__PRINTF(2, 3);

static void put(struct wbuf *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->size == 0 || w->len + 1 >= w->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->buf + w->len, w->size - w->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	w->len += (size_t)n;
	if (w->len >= w->size)
		w->len = w->size - 1;
}

static int french(const char *lang)
{
	return lang != NULL && strcmp(lang, "fr") == 0;
}

/* ---- plurals and counts --------------------------------------------------------- */

const char *dsmap__plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

const char *dsmap__plural_fr(size_t n, const char *one, const char *many)
{
	return n <= 1 ? one : many;
}

static const struct noun {
	const char *id;
	const char *en_one, *en_many, *fr_one, *fr_many;
} nouns[] = {
	{ "subject", "subject", "subjects", "personne concernée", "personnes concernées" },
	{ "subject-kind", "kind of subject", "kinds of subject", "type de personne", "types de personnes" },
	{ "system", "system", "systems", "système", "systèmes" },
	{ "category", "category", "categories", "catégorie", "catégories" },
	{ "purpose", "purpose", "purposes", "finalité", "finalités" },
	{ "recipient", "recipient", "recipients", "destinataire", "destinataires" },
	{ "record", "record", "records", "enregistrement", "enregistrements" },
	{ "revision", "revision", "revisions", "révision", "révisions" },
	{ "change", "change", "changes", "modification", "modifications" },
	{ "error", "error", "errors", "erreur", "erreurs" },
	{ "warning", "warning", "warnings", "avertissement", "avertissements" },
	{ "source", "source", "sources", "source", "sources" },
	{ "day", "day", "days", "jour", "jours" },
	{ "month", "month", "months", "mois", "mois" },
	{ "year", "year", "years", "an", "ans" },
};

const char *dsmap__count_words(char *buf, size_t size, size_t n, const char *noun,
                               const char *lang)
{
	struct wbuf w = { buf, size, 0 };
	size_t i;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (noun == NULL)
		noun = "";
	for (i = 0; i < sizeof(nouns) / sizeof(nouns[0]); i++) {
		const struct noun *x = &nouns[i];

		if (strcmp(x->id, noun) == 0) {
			if (french(lang))
				put(&w, "%zu %s", n, dsmap__plural_fr(n, x->fr_one, x->fr_many));
			else
				put(&w, "%zu %s", n, dsmap__plural(n, x->en_one, x->en_many));
			return buf;
		}
	}
	put(&w, "%zu %s%s", n, noun, (french(lang) ? n > 1 : n != 1) ? "s" : "");
	return buf;
}

/* ---- ISO 8601 durations --------------------------------------------------------- */

enum { U_YEAR, U_MONTH, U_WEEK, U_DAY, U_HOUR, U_MINUTE, U_SECOND, U_COUNT };

static const char *const unit_en[U_COUNT][2] = {
	{ "year", "years" }, { "month", "months" }, { "week", "weeks" }, { "day", "days" },
	{ "hour", "hours" }, { "minute", "minutes" }, { "second", "seconds" }
};
static const char *const unit_fr[U_COUNT][2] = {
	{ "an", "ans" }, { "mois", "mois" }, { "semaine", "semaines" }, { "jour", "jours" },
	{ "heure", "heures" }, { "minute", "minutes" }, { "seconde", "secondes" }
};

struct period {
	unsigned long n[U_COUNT];
	int set[U_COUNT];
	int parts;      /* how many components are given */
	int zero;       /* every component is 0 */
};

/* PnYnMnWnDTnHnMnS, each part optional but at least one, whole numbers.
 * Returns 0, or -1 when `s` is not such a duration. */
static int parse_period(struct period *p, const char *s)
{
	static const char date_units[] = "YMWD", time_units[] = "HMS";
	int in_time = 0, last = -1;

	memset(p, 0, sizeof(*p));
	if (s == NULL || *s++ != 'P')
		return -1;
	while (*s) {
		unsigned long v = 0;
		const char *units = in_time ? time_units : date_units, *u;
		int digits = 0, unit;

		if (*s == 'T' && !in_time) {
			in_time = 1;
			s++;
			if (*s == '\0')
				return -1;
			continue;
		}
		while (*s >= '0' && *s <= '9') {
			if (v > 100000000UL)
				return -1;
			v = v * 10 + (unsigned long)(*s++ - '0');
			digits++;
		}
		if (digits == 0 || *s == '\0' || (u = strchr(units, *s)) == NULL)
			return -1;
		unit = in_time ? U_HOUR + (int)(u - units) : (int)(u - units);
		if (unit <= last)
			return -1;   /* out of order, or twice */
		last = unit;
		p->n[unit] = v;
		p->set[unit] = 1;
		p->parts++;
		s++;
	}
	if (p->parts == 0)
		return -1;
	p->zero = 1;
	for (last = 0; last < U_COUNT; last++)
		if (p->n[last] != 0)
			p->zero = 0;
	return 0;
}

/* "2 years and 6 months" / "2 ans et 6 mois"; zero parts are left out. */
static void put_period(struct wbuf *w, const struct period *p, int fr)
{
	int i, written = 0, left = 0;

	for (i = 0; i < U_COUNT; i++)
		if (p->set[i] && p->n[i] != 0)
			left++;
	for (i = 0; i < U_COUNT; i++) {
		const char *const *names;

		if (!p->set[i] || p->n[i] == 0)
			continue;
		names = fr ? unit_fr[i] : unit_en[i];
		if (written)
			put(w, "%s", left == 1 ? (fr ? " et " : " and ") : ", ");
		put(w, "%lu %s", p->n[i], fr ? dsmap__plural_fr(p->n[i], names[0], names[1]) :
		                               dsmap__plural(p->n[i], names[0], names[1]));
		written++;
		left--;
	}
}

/* The unit of a period with exactly one non-zero part, or -1. */
static int single_unit(const struct period *p)
{
	int i, unit = -1;

	for (i = 0; i < U_COUNT; i++) {
		if (!p->set[i] || p->n[i] == 0)
			continue;
		if (unit >= 0)
			return -1;
		unit = i;
	}
	return unit;
}

/* ---- triggers ------------------------------------------------------------------- */

/* What a period runs from: the event as a noun phrase with its article, and
 * whether the period runs "after" it (an end) or "from" it (a start). */
static const struct trigger {
	const char *id;
	const char *en, *fr;
	int after;
} triggers[] = {
	{ "recording", "the recording", "l'enregistrement", 0 },
	{ "visit", "the visit", "la visite", 0 },
	{ "communication", "the communication", "la communication", 0 },
	{ "conversation-end", "the end of the conversation", "la fin de la conversation", 1 },
	{ "collection", "the collection", "la collecte", 0 },
	{ "creation", "the creation of the data", "la création des données", 0 },
	{ "interaction", "the interaction", "l'interaction", 0 },
	{ "participation", "the participation", "la participation", 0 },
	{ "survey", "the survey", "l'enquête", 0 },
	{ "consent", "the date of consent", "la date du consentement", 0 },
	{ "end-of-consent", "the end of the consent", "la fin du consentement", 1 },
	{ "consent-withdrawal", "the withdrawal of consent", "le retrait du consentement", 1 },
	{ "end-of-contract", "the end of the contract", "la fin du contrat", 1 },
	{ "end-of-relationship", "the end of the contractual relationship",
	  "la fin de la relation contractuelle", 1 },
	{ "end-of-service", "the end of the service", "la fin du service", 1 },
	{ "end-of-subscription", "the end of the subscription", "la fin de l'abonnement", 1 },
	{ "end-of-session", "the end of the session", "la fin de la session", 1 },
	{ "end-of-social-tariff", "the end of the social tariff", "la fin du tarif social", 1 },
	{ "end-of-transmission", "the end of the transmission", "la fin de la transmission", 1 },
	{ "signal-transmission", "the sending of the signal", "l'envoi du signal", 0 },
	{ "end-of-dispute", "the end of the dispute", "la fin du litige", 1 },
	{ "last-unpaid-invoice", "the last unpaid invoice", "la dernière facture impayée", 0 },
	{ "settlement-and-return",
	  "the payment of all amounts due and the return of rented equipment",
	  "le paiement de tous les montants dus et la restitution du matériel loué", 1 },
	{ "reassessment", "the next reassessment", "la prochaine réévaluation", 1 },
	{ "eligibility-check", "the eligibility check", "la vérification de l'éligibilité", 1 },
	{ "id-validation", "the validation of the identity document",
	  "la validation du document d'identité", 1 },
	{ "end-of-fraud-case", "the end of the fraud case", "la clôture du dossier de fraude", 1 },
	{ "end-of-attack", "the end of the handling of the attack",
	  "la fin du traitement de l'attaque", 1 },
	{ "end-of-campaign", "the end of the campaign", "la fin de la campagne", 1 },
	{ "complete-request", "the receipt of a complete request",
	  "la réception d'une demande complète", 0 },
};

static const struct trigger *find_trigger(const char *id)
{
	size_t i;

	for (i = 0; i < sizeof(triggers) / sizeof(triggers[0]); i++)
		if (strcmp(triggers[i].id, id) == 0)
			return &triggers[i];
	return NULL;
}

/* An unknown trigger: its id with dashes as spaces. */
static void put_id_words(struct wbuf *w, const char *id)
{
	const char *p;

	for (p = id; *p; p++)
		put(w, "%c", *p == '-' || *p == '_' ? ' ' : *p);
}

/* The event as a noun phrase; for French, after preposition `prep` ("de" or
 * "à"), with the contractions du, des, au, aux. */
static void put_event(struct wbuf *w, const char *trigger, int fr, const char *prep)
{
	const struct trigger *t = find_trigger(trigger);
	const char *np;

	if (!fr) {
		if (t != NULL) {
			put(w, "%s", t->en);
		} else {
			put(w, "the ");
			put_id_words(w, trigger);
		}
		return;
	}
	if (t == NULL) {
		/* l'événement « ... » */
		put(w, "%s l'événement « ", prep);
		put_id_words(w, trigger);
		put(w, " »");
		return;
	}
	np = t->fr;
	if (strncmp(np, "le ", 3) == 0)
		put(w, "%s %s", strcmp(prep, "de") == 0 ? "du" : "au", np + 3);
	else if (strncmp(np, "les ", 4) == 0)
		put(w, "%s %s", strcmp(prep, "de") == 0 ? "des" : "aux", np + 4);
	else
		put(w, "%s %s", prep, np);
}

/* ---- a period and its trigger ----------------------------------------------------- */

static const char *words(char *buf, size_t size, const char *min, const char *iso,
                         const char *trigger, const char *lang)
{
	struct wbuf w = { buf, size, 0 };
	struct period p, pm;
	int fr = french(lang), unit;
	const struct trigger *t;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (iso == NULL) {
		put(&w, "%s", fr ? "aucune durée indiquée" : "no period given");
		if (trigger != NULL) {
			/* "à partir " + "de la collecte" / "du retrait du consentement" */
			put(&w, "%s", fr ? " ; comptée à partir " : "; counted from ");
			put_event(&w, trigger, fr, "de");
		}
		return buf;
	}
	if (parse_period(&p, iso) < 0 || (min != NULL && parse_period(&pm, min) < 0)) {
		put(&w, "%s", fr ? "une durée illisible" : "an unreadable period");
		return buf;
	}
	if (trigger != NULL && strcmp(trigger, "look-back-window") == 0 && !p.zero) {
		put(&w, "%s", fr ? "une fenêtre d'analyse de " : "a look-back window of ");
		if (min != NULL && !pm.zero) {
			put_period(&w, &pm, fr);
			put(&w, "%s", fr ? " à " : " to ");
		}
		put_period(&w, &p, fr);
		put(&w, "%s", fr ? " (les données utilisées, pas un délai d'effacement)" :
		                   " (the data used, not a deletion deadline)");
		return buf;
	}
	if (p.zero) {
		if (trigger == NULL) {
			put(&w, "%s", fr ? "aucune conservation" : "not kept");
			return buf;
		}
		if (fr) {
			put(&w, "jusqu'");
			put_event(&w, trigger, fr, "à");
		} else {
			put(&w, "until ");
			put_event(&w, trigger, fr, "to");
		}
		return buf;
	}
	if (min != NULL && !pm.zero) {
		if ((unit = single_unit(&pm)) >= 0 && unit == single_unit(&p))
			put(&w, "%lu", pm.n[unit]);
		else
			put_period(&w, &pm, fr);
		put(&w, "%s", fr ? " à " : " to ");
	} else if (min != NULL) {
		put(&w, "%s", fr ? "jusqu'à " : "up to ");
	}
	put_period(&w, &p, fr);
	if (trigger == NULL)
		return buf;
	t = find_trigger(trigger);
	if (t != NULL && t->after) {
		put(&w, "%s", fr ? " après " : " after ");
		if (fr)
			put(&w, "%s", t->fr);
		else
			put(&w, "%s", t->en);
	} else if (fr) {
		put(&w, " à compter ");
		put_event(&w, trigger, fr, "de");
	} else {
		put(&w, " from ");
		put_event(&w, trigger, fr, "de");
	}
	return buf;
}

const char *dsmap__duration_words(char *buf, size_t size, const char *iso, const char *trigger,
                                  const char *lang)
{
	return words(buf, size, NULL, iso, trigger, lang);
}

const char *dsmap__trigger_words(char *buf, size_t size, const char *trigger, const char *lang)
{
	struct wbuf w = { buf, size, 0 };

	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (trigger != NULL)
		put_event(&w, trigger, lang != NULL && strcmp(lang, "fr") == 0, "de");
	return buf;
}

const char *dsmap__duration_range_words(char *buf, size_t size, const char *min, const char *iso,
                                        const char *trigger, const char *lang)
{
	return words(buf, size, min, iso, trigger, lang);
}
