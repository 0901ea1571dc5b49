/*
 * dsmap audit: the gaps between what the notice says and what the systems
 * really hold and keep (include/dsmap/audit.h lists the findings).
 *
 * One read transaction gives both sides: the synced revision's graph (the
 * systems' definitions, the purposes with their categories, legal bases
 * and retention rules) and the inventory (each system's record: the
 * categories its last scan found, when it ran, whether the next one
 * failed; and the record-time histograms of schema 4).  The findings are
 * built as one JSON value, sorted most severe first, and the text form is
 * rendered from it, so that both forms say the same.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "dsmap/audit.h"
#include "dsmap/lineage.h"
#include "alloc.h"
#include "errors.h"
#include "git.h"
#include "histutil.h"
#include "jsonutil.h"
#include "lineage.h"
#include "store.h"
#include "util.h"
#include "words.h"
#include "workspace.h"

#define WORDS_MAX 256
#define MESSAGE_MAX 2048

/*
 * The retention triggers a record's own time stands for: the period runs
 * from the moment the record was made (docs/mapping-format.md, 7.3).  For
 * every other trigger (the end of a contract, of a consent, of a dispute)
 * the inventory does not know when the period started.
 */
static const char *const record_time_triggers[] = {
	"recording", "visit", "communication", "conversation-end", "collection", "creation",
	"interaction", "participation", "survey", "signal-transmission", NULL
};

/* What an event trigger needs to be computed: a field of the source that
 * records the event's date. */
static const char *event_field(const char *trigger)
{
	static const struct { const char *trigger, *field; } fields[] = {
		{ "end-of-contract", "ended_at" }, { "end-of-relationship", "customer_until" },
		{ "end-of-subscription", "subscription_ended_at" }, { "end-of-service", "service_ended_at" },
		{ "consent", "consented_at" }, { "end-of-consent", "consent_ended_at" },
		{ "consent-withdrawal", "consent_withdrawn_at" },
	};
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcmp(fields[i].trigger, trigger) == 0)
			return fields[i].field;
	return "ended_at";
}

static int in_list(const char *const *list, const char *s)
{
	for (; s != NULL && *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

/* ---- periods ------------------------------------------------------------------------ */

struct period {
	int years, months, days;
	long long seconds;
};

/* An ISO 8601 duration (PnYnMnWnD, then TnHnMnS); -1 when it is not one. */
static int period_parse(const char *iso, struct period *p)
{
	const char *s = iso;
	int in_time = 0, any = 0;

	memset(p, 0, sizeof(*p));
	if (s == NULL || *s++ != 'P')
		return -1;
	while (*s != '\0') {
		long long n = 0;
		int digits = 0;

		if (*s == 'T') {
			if (in_time)
				return -1;
			in_time = 1;
			s++;
			continue;
		}
		while (*s >= '0' && *s <= '9' && digits < 6) {
			n = n * 10 + (*s++ - '0');
			digits++;
		}
		if (digits == 0)
			return -1;
		switch (in_time ? *s | 0x100 : *s) {
		case 'Y': p->years += (int)n; break;
		case 'M': p->months += (int)n; break;
		case 'W': p->days += (int)n * 7; break;
		case 'D': p->days += (int)n; break;
		case 'H' | 0x100: p->seconds += n * 3600; break;
		case 'M' | 0x100: p->seconds += n * 60; break;
		case 'S' | 0x100: p->seconds += n; break;
		default: return -1;
		}
		s++;
		any = 1;
	}
	return any ? 0 : -1;
}

/* `now` less the period, on the calendar (UTC). */
static int64_t period_before(int64_t now, const struct period *p)
{
	time_t t = (time_t)now;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return now;
	tm.tm_year -= p->years;
	tm.tm_mon -= p->months;
	tm.tm_mday -= p->days;
	return (int64_t)timegm(&tm) - p->seconds;
}

/* ---- the audit ---------------------------------------------------------------------- */

struct audit {
	struct dsmap__graph *g;
	int64_t now;
	unsigned int stale_days;
	const char *lang;
	int fr;                      /* the messages in French (lang "fr") */
	char **refs;                 /* category refs by catbit */
	size_t nrefs;
	json_t *findings;
	json_t *nodes;               /* "TYPE/ID" -> node, read once */
	int no_hist;                 /* the system in hand has a category with no histogram */
	int bad;                     /* out of memory on the way */
};

/* A node of the revision, read once; NULL when absent (rc 0) or failed. */
static json_t *node(struct audit *a, enum dsmap__graph_type type, const char *id, int *rc)
{
	char key[600];
	json_t *n;

	*rc = 0;
	snprintf(key, sizeof(key), "%c/%.500s", (int)type, id);
	if ((n = json_object_get(a->nodes, key)) != NULL)
		return n;
	if ((n = dsmap__graph_node(a->g, type, id, rc)) == NULL)
		return NULL;
	if (json_object_set_new(a->nodes, key, n) != 0) {
		*rc = dsmap_error__oom();
		return NULL;
	}
	return n;
}

/* A node the revision must have: a missing one is a damaged store. */
static json_t *need(struct audit *a, enum dsmap__graph_type type, const char *id, int *rc)
{
	json_t *n = node(a, type, id, rc);

	if (n == NULL && *rc == 0)
		*rc = dsmap_error__set(DSMAP_ECORRUPT, "store %s: the node of %s is missing; run "
		                       "'dsmap verify'", a->g->s->path, id);
	return n;
}

/* A node's name for a person, or its id. */
static const char *label(struct audit *a, enum dsmap__graph_type type, const char *id)
{
	const char *s;
	json_t *n;
	int rc;

	if ((n = node(a, type, id, &rc)) == NULL) {
		dsmap_error_clear();
		return id;
	}
	s = type == DSMAP__NODE_PURPOSE ? dsmap__json_title(n, a->lang) :
	    type == DSMAP__NODE_SYSTEM ? dsmap__json_str(n, "name") : dsmap__json_name(n, a->lang);
	return s != NULL && *s != '\0' ? s : id;
}

static const char *severity_names[] = { NULL, "low", "medium", "high" };

/* A message's English or French text, by the audit's language: both
 * literal, so that the compiler checks each against the arguments. */
#define L(a, en_, fr_) ((a)->fr ? (fr_) : (en_))

/* Add a finding: its id is the kind and the ids it is about; `fields` (a
 * new object, taken) carries the figures. */
static void finding(struct audit *a, dsmap_audit_severity sev, const char *kind,
                    const char *system, const char *category, const char *purpose, json_t *fields,
                    const char *fmt, ...) DSMAP__PRINTF(8, 9);
static void finding(struct audit *a, dsmap_audit_severity sev, const char *kind,
                    const char *system, const char *category, const char *purpose, json_t *fields,
                    const char *fmt, ...)
{
	char id[1024], msg[MESSAGE_MAX];
	va_list ap;
	json_t *f;

	snprintf(id, sizeof(id), "%s%s%s%s%s%s%s", kind, system ? "/" : "", system ? system : "",
	         category ? "/" : "", category ? category : "", purpose ? "/" : "",
	         purpose ? purpose : "");
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:s}", "id", id, "kind", kind,
	              "severity", severity_names[sev], "system", system ? json_string(system) : json_null(),
	              "category", category ? json_string(category) : json_null(),
	              "purpose", purpose ? json_string(purpose) : json_null(), "message", msg);
	if (f == NULL || fields == NULL || json_object_update(f, fields) != 0)
		a->bad = 1;
	json_decref(fields);
	dsmap__json_push(a->findings, f, &a->bad);
}

/* `t` as "YYYY-MM-DD" (UTC) into buf. */
static const char *day_text(char *buf, size_t size, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, size, "?");
	else
		strftime(buf, size, "%Y-%m-%d", &tm);
	return buf;
}

/* The same as JSON; null for 0 (never). */
static json_t *iso_day(int64_t t)
{
	char buf[16];

	return t == 0 ? json_null() : json_string(day_text(buf, sizeof(buf), t));
}

/* "a, b and c" of the labels of the ids in `ids`. */
static const char *labels(struct audit *a, char *buf, size_t size, enum dsmap__graph_type type,
                          json_t *ids)
{
	size_t i, n = json_array_size(ids), len = 0;

	buf[0] = '\0';
	for (i = 0; i < n && len < size; i++) {
		int k = snprintf(buf + len, size - len, "%s%s", i == 0 ? "" : i + 1 == n ?
		                 L(a, " and ", " et ") : ", ",
		                 label(a, type, json_string_value(json_array_get(ids, i))));

		if (k < 0)
			break;
		len += (size_t)k;
	}
	return buf;
}

/* ---- per system ------------------------------------------------------------------------ */

/* The sources of system node `sys` that hold `ref`, each with its
 * timestamp field (null: none); *untimed counts those without one. */
static json_t *category_sources(json_t *sys, const char *ref, size_t *untimed)
{
	json_t *out = json_array(), *src, *ts;
	int bad = out == NULL;
	size_t i;

	*untimed = 0;
	json_array_foreach(json_object_get(sys, "sources"), i, src) {
		if (!dsmap__json_has(json_object_get(src, "categories"), ref))
			continue;
		ts = json_object_get(src, "timestamp");
		*untimed += !json_is_string(ts);
		dsmap__json_push(out, json_pack("{s:s, s:O}", "name", dsmap__json_str(src, "name"),
		                                "timestamp", ts ? ts : json_null()), &bad);
	}
	return dsmap__json_done(out, bad);
}

/* The retention of category `ref` held by system `sid` under `purposes`
 * (its declared purposes that use the category). */
static int retention(struct audit *a, const char *sid, json_t *sys, uint32_t sysno,
                     uint32_t catbit, const char *ref, json_t *purposes)
{
	json_t *events = json_array(), *longest = NULL, *p;
	char words[WORDS_MAX], names[MESSAGE_MAX / 2], day[16], day2[16];
	int64_t cutoff = 0;
	int unstated = 0, rc = 0;
	struct dsmap__hist h;
	size_t i, j;

	memset(&h, 0, sizeof(h));
	if (events == NULL)
		return dsmap_error__oom();
	json_array_foreach(purposes, i, p) {
		json_t *pn = need(a, DSMAP__NODE_PURPOSE, json_string_value(p), &rc), *rules, *r;

		if (pn == NULL)
			goto done;
		if ((rules = dsmap__graph_rules_for(pn, ref)) == NULL) {
			rc = dsmap_error__oom();
			goto done;
		}
		json_array_foreach(rules, j, r) {
			const char *trigger = json_string_value(json_object_get(r, "trigger"));
			const char *dur = json_string_value(json_object_get(r, "duration"));
			struct period per;
			int64_t c;

			if (trigger != NULL && strcmp(trigger, "look-back-window") == 0)
				continue;   /* a window of data used, not a deletion deadline */
			if (dur == NULL || trigger == NULL || period_parse(dur, &per) < 0) {
				unstated = 1;
				continue;
			}
			if (!in_list(record_time_triggers, trigger)) {
				if (dsmap__json_add_unique(events, trigger) < 0)
					a->bad = 1;
				continue;
			}
			c = period_before(a->now, &per);
			if (longest == NULL || c < cutoff) {
				cutoff = c;
				longest = r;
			}
		}
		json_decref(rules);
	}
	/* a scan of schema 4 keeps one for every category it found */
	rc = dsmap_store__hist_get(a->g->s, a->g->txn, sysno, catbit, &h);
	if (rc == DSMAP_ENOTFOUND) {
		dsmap_error_clear();
		a->no_hist = 1;
		rc = 0;
	} else if (rc < 0) {
		goto done;
	}
	if (json_array_size(events) > 0 || unstated) {
		const char *t0 = json_string_value(json_array_get(events, 0));

		if (json_array_size(events) > 0)
			finding(a, DSMAP_AUDIT_LOW, "retention-unknown", sid, ref, NULL,
			        json_pack("{s:O, s:O, s:s}", "purposes", purposes, "triggers", events,
			                  "field", event_field(t0)),
			        L(a, "%s holds %s under %s, whose retention runs from %s%s, an event "
			        "the inventory does not record: the age of this data cannot be judged. A "
			        "field of the source with that date (such as '%s') would let it be "
			        "computed.",
			        "%s détient %s pour %s, dont la conservation court à partir de %s%s, un "
			        "événement que l'inventaire n'enregistre pas : l'âge de ces données ne peut "
			        "pas être jugé. Un champ de la source portant cette date (par exemple '%s') "
			        "permettrait de le calculer."),
			        label(a, DSMAP__NODE_SYSTEM, sid), label(a, DSMAP__NODE_CATEGORY, ref),
			        labels(a, names, sizeof(names), DSMAP__NODE_PURPOSE, purposes),
			        dsmap__trigger_words(words, sizeof(words), t0, a->lang),
			        json_array_size(events) > 1 ? L(a, " (and other events)",
			        " (et d'autres événements)") : "", event_field(t0));
		else
			finding(a, DSMAP_AUDIT_LOW, "retention-unknown", sid, ref, NULL,
			        json_pack("{s:O, s:[]}", "purposes", purposes, "triggers"),
			        L(a, "%s holds %s under %s, for which the notice gives no retention "
			        "period: the age of this data cannot be judged.",
			        "%s détient %s pour %s, pour lesquelles la déclaration ne donne aucune durée "
			        "de conservation : l'âge de ces données ne peut pas être jugé."),
			        label(a, DSMAP__NODE_SYSTEM, sid), label(a, DSMAP__NODE_CATEGORY, ref),
			        labels(a, names, sizeof(names), DSMAP__NODE_PURPOSE, purposes));
		goto done;
	}
	if (longest == NULL || a->no_hist)
		goto done;   /* no rule applies (check says so), or no times to judge */
	dsmap__duration_range_words(words, sizeof(words),
	                            json_string_value(json_object_get(longest, "duration_min")),
	                            json_string_value(json_object_get(longest, "duration")),
	                            json_string_value(json_object_get(longest, "trigger")), a->lang);
	if (h.oldest > 0 && h.oldest < cutoff) {
		/* whole months before the cutoff's month are overdue for sure;
		 * the cutoff's own month may be, in part */
		int32_t cm = dsmap__hist_month_of(cutoff);
		uint64_t records = 0, subjects = 0, maybe_r = 0, maybe_s = 0;

		for (j = 0; j < h.month_count; j++) {
			if (h.months[j].month < cm) {
				records += h.months[j].records;
				subjects += h.months[j].subjects;
			} else if (h.months[j].month == cm) {
				maybe_r = h.months[j].records;
				maybe_s = h.months[j].subjects;
			}
		}
		finding(a, DSMAP_AUDIT_HIGH, "retention-overdue", sid, ref, NULL,
		        json_pack("{s:O, s:s, s:o, s:o, s:I, s:I, s:I, s:I}", "purposes", purposes,
		                  "retention", words, "cutoff", iso_day(cutoff), "oldest",
		                  iso_day(h.oldest), "records", (json_int_t)records, "subjects",
		                  (json_int_t)subjects, "records_in_cutoff_month", (json_int_t)maybe_r,
		                  "subjects_in_cutoff_month", (json_int_t)maybe_s),
		        L(a, "%s keeps %s past its retention: %llu records of %llu subjects date "
		        "from before %s%s, the oldest from %s. The longest retention that applies is "
		        "%s (%s).",
		        "%s conserve %s au-delà de sa durée de conservation : %llu enregistrements de "
		        "%llu personnes concernées datent d'avant le %s%s, le plus ancien du %s. La "
		        "plus longue durée de conservation applicable est : %s (%s)."),
		        label(a, DSMAP__NODE_SYSTEM, sid), label(a, DSMAP__NODE_CATEGORY, ref),
		        (unsigned long long)records, (unsigned long long)subjects,
		        day_text(day, sizeof(day), cutoff),
		        maybe_r ? L(a, " (whole months; more may be in the cutoff's month)",
		                    " (mois entiers ; d'autres peuvent dater du mois de la date "
		                    "limite)") : "",
		        day_text(day2, sizeof(day2), h.oldest), words,
		        labels(a, names, sizeof(names), DSMAP__NODE_PURPOSE, purposes));
	}
	if (h.undated_records > 0) {
		size_t untimed;
		json_t *srcs = category_sources(sys, ref, &untimed);

		if (srcs == NULL)
			a->bad = 1;
		finding(a, DSMAP_AUDIT_MEDIUM, "retention-undated", sid, ref, NULL,
		        json_pack("{s:O, s:s, s:I, s:I, s:o}", "purposes", purposes, "retention", words,
		                  "records", (json_int_t)h.undated_records, "subjects",
		                  (json_int_t)h.undated_subjects, "sources",
		                  srcs ? srcs : json_array()),
		        L(a, "%s holds %llu records of %s with no record time, so whether they are "
		        "kept past their retention (%s) cannot be judged; %s.",
		        "%s détient %llu enregistrements de %s sans date : on ne peut donc pas juger "
		        "s'ils sont conservés au-delà de leur durée de conservation (%s) ; %s."),
		        label(a, DSMAP__NODE_SYSTEM, sid), (unsigned long long)h.undated_records,
		        label(a, DSMAP__NODE_CATEGORY, ref), words,
		        untimed ? L(a, "give the sources that hold it a 'timestamp' field",
		                    "donnez aux sources qui la détiennent un champ 'timestamp'") :
		        L(a, "their source's time field is empty in those records",
		          "le champ de date de leur source est vide dans ces enregistrements"));
	}
done:
	free(h.months);
	json_decref(events);
	return rc;
}

/* The declared purposes of `sys` among `purposes` whose legal bases
 * include consent (art. 6(1)(a)). */
static int consent_purposes(struct audit *a, json_t *sys, json_t *out)
{
	json_t *p, *lb;
	size_t i, j;
	int rc;

	json_array_foreach(json_object_get(sys, "purposes"), i, p) {
		json_t *pn = need(a, DSMAP__NODE_PURPOSE, json_string_value(p), &rc);

		if (pn == NULL)
			return rc;
		json_array_foreach(json_object_get(pn, "legal_bases"), j, lb)
			if (strcmp(dsmap__json_str(lb, "gdpr"), "6(1)(a)") == 0) {
				dsmap__json_push_ref(out, p, &a->bad);
				break;
			}
	}
	return 0;
}

static int has_consent_field(json_t *sys)
{
	json_t *src;
	size_t i;

	json_array_foreach(json_object_get(sys, "sources"), i, src)
		if (json_is_string(json_object_get(src, "consent")))
			return 1;
	return 0;
}

static int audit_system(struct audit *a, const char *sid, json_t *served)
{
	dsmap_store__system_summary sum;
	json_t *sys, *declared, *consent = NULL, *p;
	char names[MESSAGE_MAX / 2], day[16];
	size_t i;
	int rc;

	memset(&sum, 0, sizeof(sum));
	if ((sys = need(a, DSMAP__NODE_SYSTEM, sid, &rc)) == NULL)
		return rc;
	declared = json_object_get(sys, "purposes");
	json_array_foreach(declared, i, p)
		if (json_object_set_new(served, json_string_value(p), json_true()) != 0)
			a->bad = 1;
	if (json_array_size(declared) == 0)
		finding(a, DSMAP_AUDIT_MEDIUM, "system-no-purpose", sid, NULL, NULL, json_object(),
		        L(a, "%s declares no purpose: whatever it holds is held for no purpose of the "
		        "notice.", "%s ne déclare aucune finalité : ce qu'il détient ne l'est pour "
		        "aucune finalité de la déclaration."),
		        label(a, DSMAP__NODE_SYSTEM, sid));

	if ((consent = json_array()) == NULL)
		return dsmap_error__oom();
	if ((rc = consent_purposes(a, sys, consent)) < 0)
		goto done;
	if (json_array_size(consent) > 0 && !has_consent_field(sys))
		finding(a, DSMAP_AUDIT_MEDIUM, "consent-no-field", sid, NULL, NULL,
		        json_pack("{s:O}", "purposes", consent),
		        L(a, "%s serves %s on the basis of consent (art. 6(1)(a)) but none of its "
		        "sources declares the field that records the consent ('consent' in "
		        "systems/%s.yaml).", "%s sert %s sur la base du consentement (art. 6(1)(a)), "
		        "mais aucune de ses sources ne déclare le champ qui enregistre le consentement "
		        "('consent' dans systems/%s.yaml)."),
		        label(a, DSMAP__NODE_SYSTEM, sid),
		        labels(a, names, sizeof(names), DSMAP__NODE_PURPOSE, consent), sid);

	rc = dsmap_store__system_get(a->g->s, a->g->txn, sid, &sum);
	if (rc == DSMAP_ENOTFOUND) {
		dsmap_error_clear();
		memset(&sum, 0, sizeof(sum));
		rc = 0;
	} else if (rc < 0) {
		goto done;
	}
	if (sum.failed_at != 0)
		finding(a, DSMAP_AUDIT_HIGH, "scan-failed", sid, NULL, NULL,
		        json_pack("{s:o, s:s, s:o}", "failed_at", iso_day(sum.failed_at), "failure",
		                  sum.failure, "last_scan", iso_day(sum.last_scan)),
		        L(a, "The last scan of %s failed on %s (%s); %s.",
		          "Le dernier scan de %s a échoué le %s (%s) ; %s."),
		        label(a, DSMAP__NODE_SYSTEM, sid), day_text(day, sizeof(day), sum.failed_at),
		        sum.failure, sum.last_scan ? L(a, "its inventory is still the one of the scan "
		        "before", "son inventaire reste celui du scan précédent") :
		        L(a, "it has no inventory", "il n'a pas d'inventaire"));
	if (sum.last_scan == 0 || sum.gen == 0) {
		finding(a, DSMAP_AUDIT_MEDIUM, "scan-stale", sid, NULL, NULL,
		        json_pack("{s:n}", "last_scan"),
		        L(a, "%s has never been scanned: what it holds is unknown (dsmap scan %s).",
		          "%s n'a jamais été scanné : ce qu'il détient est inconnu (dsmap scan %s)."),
		        label(a, DSMAP__NODE_SYSTEM, sid), sid);
		goto done;
	}
	if (a->now - sum.last_scan > (int64_t)a->stale_days * 86400)
		finding(a, DSMAP_AUDIT_MEDIUM, "scan-stale", sid, NULL, NULL,
		        json_pack("{s:o, s:I}", "last_scan", iso_day(sum.last_scan), "days",
		                  (json_int_t)((a->now - sum.last_scan) / 86400)),
		        L(a, "%s was last scanned on %s, %lld days ago (more than %u): its inventory "
		        "may no longer be what it holds.", "%s a été scanné pour la dernière fois le "
		        "%s, il y a %lld jours (plus de %u) : son inventaire peut ne plus être ce "
		        "qu'il détient."), label(a, DSMAP__NODE_SYSTEM, sid),
		        day_text(day, sizeof(day), sum.last_scan),
		        (long long)((a->now - sum.last_scan) / 86400), a->stale_days);

	rc = 0;
	a->no_hist = 0;
	for (i = 0; i < sum.category_count; i++) {
		const dsmap_store__cat_count *cc = &sum.categories[i];
		const char *ref = cc->catbit < a->nrefs ? a->refs[cc->catbit] : NULL;
		json_t *using;
		size_t j;

		if (cc->subjects == 0)
			continue;
		if (ref == NULL) {
			rc = dsmap_error__set(DSMAP_ECORRUPT, "store %s: system %s holds category number "
			                      "%u, which no category has; run 'dsmap verify'",
			                      a->g->s->path, sid, (unsigned int)cc->catbit);
			goto done;
		}
		if ((using = json_array()) == NULL) {
			rc = dsmap_error__oom();
			goto done;
		}
		json_array_foreach(declared, j, p) {
			json_t *pn = need(a, DSMAP__NODE_PURPOSE, json_string_value(p), &rc);

			if (pn == NULL) {
				json_decref(using);
				goto done;
			}
			if (dsmap__json_has(json_object_get(pn, "categories"), ref))
				dsmap__json_push_ref(using, p, &a->bad);
		}
		if (json_array_size(using) == 0) {
			finding(a, DSMAP_AUDIT_HIGH, "unpurposed-data", sid, ref, NULL,
			        json_pack("{s:I, s:I, s:O}", "subjects", (json_int_t)cc->subjects,
			                  "records", (json_int_t)cc->records, "declared", declared),
			        L(a, "%s holds %s of %llu subjects (%llu records) for none of the "
			        "purposes it declares: no purpose it serves uses this category.",
			        "%s détient %s de %llu personnes concernées (%llu enregistrements), mais "
			        "aucune des finalités qu'il déclare n'utilise cette catégorie."),
			        label(a, DSMAP__NODE_SYSTEM, sid), label(a, DSMAP__NODE_CATEGORY, ref),
			        (unsigned long long)cc->subjects, (unsigned long long)cc->records);
		} else {
			rc = retention(a, sid, sys, sum.sysno, cc->catbit, ref, using);
		}
		json_decref(using);
		if (rc < 0)
			goto done;
	}
	if (a->no_hist)
		finding(a, DSMAP_AUDIT_LOW, "no-record-times", sid, NULL, NULL,
		        json_pack("{s:o}", "last_scan", iso_day(sum.last_scan)),
		        L(a, "%s was last scanned on %s by a dsmap that kept no record times: whether "
		        "it keeps data past its retention is unknown until it is scanned again (dsmap "
		        "scan %s).", "%s a été scanné pour la dernière fois le %s par un dsmap qui ne "
		        "gardait pas les dates des enregistrements : on ne sait pas s'il conserve des "
		        "données au-delà de leur durée de conservation tant qu'il n'est pas scanné à "
		        "nouveau (dsmap scan %s)."), label(a, DSMAP__NODE_SYSTEM, sid),
		        day_text(day, sizeof(day), sum.last_scan), sid);
	rc = 0;
done:
	free(sum.categories);
	json_decref(consent);
	return rc;
}

/* ---- the report ------------------------------------------------------------------------ */

static int severity_of(json_t *f)
{
	return dsmap_audit_severity_parse(dsmap__json_str(f, "severity"));
}

static int finding_cmp(const void *pa, const void *pb)
{
	json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	int d = severity_of(b) - severity_of(a);

	return d != 0 ? d : strcmp(dsmap__json_str(a, "id"), dsmap__json_str(b, "id"));
}

/* The findings, most severe first, then by id. */
static json_t *sorted(json_t *findings, int *bad)
{
	size_t n = json_array_size(findings), i;
	json_t **v = dsmap__calloc(n ? n : 1, sizeof(*v)), *out = json_array();

	if (v == NULL || out == NULL) {
		free(v);
		json_decref(out);
		*bad = 1;
		return NULL;
	}
	for (i = 0; i < n; i++)
		v[i] = json_array_get(findings, i);
	qsort(v, n, sizeof(*v), finding_cmp);
	for (i = 0; i < n; i++)
		dsmap__json_push_ref(out, v[i], bad);
	free(v);
	return out;
}

static int build(json_t **out, dsmap_audit_severity *worst, struct audit *a)
{
	json_t *systems = json_array(), *purposes = json_array(), *served = json_object(), *id;
	json_t *findings = NULL, *f;
	size_t i, count[4] = { 0 };
	int rc;

	*out = NULL;
	if (systems == NULL || purposes == NULL || served == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	if ((rc = dsmap__graph_ids(a->g, DSMAP__NODE_SYSTEM, systems)) < 0 ||
	    (rc = dsmap__graph_ids(a->g, DSMAP__NODE_PURPOSE, purposes)) < 0 ||
	    (rc = dsmap_store__category_refs(a->g->s, a->g->txn, &a->refs, &a->nrefs)) < 0)
		goto done;
	json_array_foreach(systems, i, id)
		if ((rc = audit_system(a, json_string_value(id), served)) < 0)
			goto done;
	json_array_foreach(purposes, i, id) {
		const char *pid = json_string_value(id);
		json_t *pn;

		if (json_object_get(served, pid) != NULL)
			continue;
		if ((pn = need(a, DSMAP__NODE_PURPOSE, pid, &rc)) == NULL)
			goto done;
		finding(a, DSMAP_AUDIT_LOW, "purpose-unserved", NULL, NULL, pid, json_object(),
		        L(a, "No system declares %s (section %s): either no system serves it yet, or "
		        "one that does is missing from the mapping.", "Aucun système ne déclare %s "
		        "(section %s) : soit aucun système ne la sert encore, soit celui qui la sert "
		        "manque à la cartographie."), label(a, DSMAP__NODE_PURPOSE, pid),
		        dsmap__json_str(pn, "section"));
	}
	if ((findings = sorted(a->findings, &a->bad)) == NULL || a->bad) {
		rc = dsmap_error__oom();
		goto done;
	}
	json_array_foreach(findings, i, f)
		count[severity_of(f)]++;
	if (worst != NULL)
		*worst = count[DSMAP_AUDIT_HIGH] ? DSMAP_AUDIT_HIGH : count[DSMAP_AUDIT_MEDIUM] ?
		         DSMAP_AUDIT_MEDIUM : count[DSMAP_AUDIT_LOW] ? DSMAP_AUDIT_LOW : DSMAP_AUDIT_NONE;
	*out = json_pack("{s:i, s:s, s:o, s:i, s:{s:I, s:I, s:I}, s:O}", "schema", 1,
	                 "revision", a->g->hex, "as_of", dsmap__hist_iso(a->now),
	                 "stale_days", (int)a->stale_days, "summary",
	                 "high", (json_int_t)count[DSMAP_AUDIT_HIGH],
	                 "medium", (json_int_t)count[DSMAP_AUDIT_MEDIUM],
	                 "low", (json_int_t)count[DSMAP_AUDIT_LOW], "findings", findings);
	rc = *out != NULL ? 0 : dsmap_error__oom();
done:
	json_decref(findings);
	json_decref(systems);
	json_decref(purposes);
	json_decref(served);
	return rc;
}

static void render_text(struct dsmap__out *o, json_t *rep, const struct audit *a)
{
	json_t *sum = json_object_get(rep, "summary"), *f;
	size_t i;

	dsmap__outf(o, L(a, "Audit of revision %.12s as of %.10s: %lld high, %lld medium, %lld low.\n",
	                 "Audit de la révision %.12s au %.10s : %lld high (élevé), %lld medium "
	                 "(moyen), %lld low (faible).\n"),
	            dsmap__json_str(rep, "revision"), dsmap__json_str(rep, "as_of"),
	            (long long)json_integer_value(json_object_get(sum, "high")),
	            (long long)json_integer_value(json_object_get(sum, "medium")),
	            (long long)json_integer_value(json_object_get(sum, "low")));
	json_array_foreach(json_object_get(rep, "findings"), i, f)
		dsmap__outf(o, "\n%-6s  %s\n        %s\n", dsmap__json_str(f, "severity"),
		            dsmap__json_str(f, "id"), dsmap__json_str(f, "message"));
}

const char *dsmap_audit_severity_name(dsmap_audit_severity s)
{
	return s >= DSMAP_AUDIT_LOW && s <= DSMAP_AUDIT_HIGH ? severity_names[s] : NULL;
}

dsmap_audit_severity dsmap_audit_severity_parse(const char *name)
{
	int s;

	for (s = DSMAP_AUDIT_LOW; name != NULL && s <= DSMAP_AUDIT_HIGH; s++)
		if (strcmp(severity_names[s], name) == 0)
			return (dsmap_audit_severity)s;
	return DSMAP_AUDIT_NONE;
}

int dsmap_audit(char **out, dsmap_audit_severity *worst, dsmap_workspace *ws,
                const dsmap_audit_options *opts, int format)
{
	static const dsmap_audit_options none = DSMAP_AUDIT_OPTIONS_INIT;
	struct dsmap__out o = { NULL, 0, 0, 0 };
	struct dsmap__graph g;
	struct audit a;
	json_t *rep = NULL;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (worst != NULL)
		*worst = DSMAP_AUDIT_NONE;
	if (out == NULL || ws == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_audit: invalid argument");
	if (format != DSMAP_FORMAT_TEXT && format != DSMAP_FORMAT_JSON)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_audit: format %d is not text or json",
		                        format);
	if (opts == NULL)
		opts = &none;
	if ((rc = dsmap_error__options_version("dsmap_audit", opts->version, DSMAP_AUDIT_OPTIONS_VERSION)) < 0)
		return rc;
	if (opts->lang != NULL && strcmp(opts->lang, "en") != 0 && strcmp(opts->lang, "fr") != 0)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_audit: language '%s' is not en or fr",
		                        opts->lang);
	memset(&a, 0, sizeof(a));
	a.now = (int64_t)time(NULL);
	if (opts->as_of != NULL && dsmap_git__parse_date(opts->as_of, &a.now) < 0)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_audit: '%s' is not a date "
		                        "(YYYY-MM-DD[THH:MM[:SS]], UTC)", opts->as_of);
	a.stale_days = opts->stale_days ? opts->stale_days : DSMAP_AUDIT_STALE_DAYS;
	a.lang = opts->lang ? opts->lang : "en";
	a.fr = strcmp(a.lang, "fr") == 0;
	if ((a.findings = json_array()) == NULL || (a.nodes = json_object()) == NULL) {
		json_decref(a.findings);
		return dsmap_error__oom();
	}
	if ((rc = dsmap__graph_open(&g, ws, NULL)) < 0)
		goto done;
	a.g = &g;
	rc = build(&rep, worst, &a);
	dsmap__graph_close(&g);
	if (rc < 0)
		goto done;
	if (format == DSMAP_FORMAT_JSON) {
		if ((o.buf = dsmap__json_dumpln(rep, JSON_INDENT(2))) == NULL)
			o.oom = 1;
	} else {
		render_text(&o, rep, &a);
	}
	if (o.oom) {
		rc = dsmap_error__oom();
		goto done;
	}
	*out = o.buf;
	o.buf = NULL;
	rc = 0;
done:
	free(o.buf);
	json_decref(rep);
	json_decref(a.findings);
	json_decref(a.nodes);
	dsmap_store__category_refs_free(a.refs, a.nrefs);
	return rc;
}
