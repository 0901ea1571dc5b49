/*
 * dsmap export dpv: the notice of a revision as JSON-LD in W3C DPV 2.x.
 *
 * The export is rendered from the register that dsmap_ropa() prints
 * (dsmap__ropa_build(), ropa.c), so that the two cannot disagree: one
 * dpv:Process per register entry (purpose), in the register's order.
 *
 * The DPV terms used here were looked up in the DPV 2.0 and 2.1 term lists
 * (w3c/dpv: 2.0/dpv/modules, 2.0/pd, 2.0/legal/eu/gdpr, 2.1/dpv/modules
 * and 2.1/pd); docs/dpv.md says which file each was found in.  Where DPV
 * has no term (a retention trigger, a minimum duration, the notice's section
 * numbers) the export uses dsmap's own under DSMAP_NS, also listed there.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dsmap/dpv.h"
#include "alloc.h"
#include "errors.h"
#include "jsonutil.h"
#include "ropa.h"
#include "util.h"

/* dsmap's own terms (properties that DPV lacks): fixed, whatever --base. */
#define DSMAP_NS "https://dsmap.invalid/ns#"

/* ---- building with every insert checked --------------------------------------------------- */

/* A failed insert sets `oom`; the caller checks it once the document is
 * built, and a document built with `oom` set is never returned.
 * json_object_set_new() and json_array_append_new() take the value's
 * reference even when they fail, and fail on a NULL value. */
struct b {
	json_t *graph;     /* the @graph array */
	json_t *defined;   /* IRI -> node already in @graph (concepts, recipients...) */
	const char *base;
	int oom;
};

static void set(struct b *b, json_t *o, const char *key, json_t *v)
{
	if (o == NULL || json_object_set_new(o, key, v) != 0)
		b->oom = 1;
}

static void push(struct b *b, json_t *a, json_t *v)
{
	if (a == NULL || json_array_append_new(a, v) != 0)
		b->oom = 1;
}

static const char *sval(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* {"@id": iri} */
static json_t *ref(const char *iri)
{
	return json_pack("{ss}", "@id", iri);
}

/* A string in a language, or NULL (no insert) for a missing one. */
static json_t *lstr(const char *s, const char *lang)
{
	return s != NULL ? json_pack("{ssss}", "@value", s, "@language", lang) : NULL;
}

/* rdfs:label in French and English, from `fr` and `en` of `x` (either may
 * be missing; nothing when both are). */
static void labels(struct b *b, json_t *node, const json_t *x, const char *fr, const char *en)
{
	json_t *a = json_array();

	if (sval(x, fr) != NULL)
		push(b, a, lstr(sval(x, fr), "fr"));
	if (sval(x, en) != NULL)
		push(b, a, lstr(sval(x, en), "en"));
	if (json_array_size(a) > 0)
		set(b, node, "rdfs:label", a);
	else
		json_decref(a);
}

/* The IRI `base` + `kind` + "/" + `id` (`base` + `kind` for an empty
 * `id`), each byte outside RFC 3986's
 * unreserved set and '/' percent-encoded; NULL when out of memory. */
static char *iri(const char *base, const char *kind, const char *id)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(base) + strlen(kind) + 2 + 3 * strlen(id);
	char *s = dsmap__malloc(n), *p;

	if (s == NULL)
		return NULL;
	p = s + sprintf(s, "%s%s%s", base, kind, *id != '\0' ? "/" : "");
	for (; *id != '\0'; id++) {
		unsigned char c = (unsigned char)*id;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
			*p++ = (char)c;
		} else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return s;
}

/* The node with IRI `id`, added to @graph with `type` the first time it is
 * asked for; NULL (with b->oom) when out of memory.  Borrowed. */
static json_t *define(struct b *b, const char *id, json_t *type)
{
	json_t *n = json_object_get(b->defined, id);

	if (n != NULL) {
		json_decref(type);
		return n;
	}
	if ((n = json_object()) == NULL) {
		json_decref(type);
		b->oom = 1;
		return NULL;
	}
	set(b, n, "@id", json_string(id));
	set(b, n, "@type", type);
	if (b->oom || json_object_set(b->defined, id, n) != 0) {
		json_decref(n);
		b->oom = 1;
		return NULL;
	}
	push(b, b->graph, n);
	return b->oom ? NULL : n;
}

/* ---- the notice's concepts and the DPV concepts they sit under ------------------------------- */

struct term { const char *id; const char *dpv; };

/* A purpose's broader DPV purpose, only where one clearly fits; the others
 * sit under dpv:Purpose itself. */
static const struct term purpose_terms[] = {
	{ "ads-and-data-targeted-advertising", "dpv:Advertising" },
	{ "personalised-tv-advertising", "dpv:Advertising" },
	{ "tv-channel-targeted-advertising", "dpv:Advertising" },
	{ "web-app-targeted-advertising", "dpv:Advertising" },
	{ "online-social-media-promotion", "dpv:Advertising" },
	{ "customer-newsletters", "dpv:DirectMarketing" },
	{ "prospect-newsletters", "dpv:DirectMarketing" },
	{ "phone-email-campaigns", "dpv:DirectMarketing" },
	{ "ex-customer-consent-campaigns", "dpv:DirectMarketing" },
	{ "ex-customer-win-back", "dpv:DirectMarketing" },
	{ "after-sales-customer-service", "dpv:CustomerCare" },
	{ "network-information-security", "dpv:EnforceSecurity" },
	{ "telecom-fraud-prevention", "dpv:FraudPreventionAndDetection" },
	{ "dispute-management", "dpv:DisputeManagement" },
	{ "service-provision", "dpv:ServiceProvision" },
};

/* The closest pd: concept above each of the notice's own categories; the
 * others sit under dpv:PersonalData itself. */
static const struct term category_broader[] = {
	{ "identification-contact", "pd:Contact" },
	{ "national-register-number", "pd:OfficialID" },
	{ "financial-data", "pd:Financial" },
	{ "billing", "pd:Transactional" },
	{ "household-composition", "pd:Household" },
	{ "profession", "pd:Professional" },
	{ "network-location", "pd:Location" },
	{ "tv-viewing", "pd:Behavioral" },
	{ "consumption-habits", "pd:Behavioral" },
	{ "product-usage", "pd:Behavioral" },
	{ "hobbies-interests", "pd:Interest" },
	{ "preference-profile", "pd:Profile" },
	{ "segmentation", "pd:Profile" },
	{ "technical-identifiers", "pd:DeviceBased" },
	{ "hardware", "pd:DeviceBased" },
	{ "electronic-communications-data", "pd:CommunicationsMetadata" },
	{ "customer-service-recordings", "pd:Communication" },
};

static const char *lookup(const struct term *t, size_t n, const char *id, const char *dflt)
{
	size_t i;

	for (i = 0; id != NULL && i < n; i++)
		if (strcmp(t[i].id, id) == 0)
			return t[i].dpv;
	return dflt;
}

#define LOOKUP(table, id, dflt) lookup((table), sizeof(table) / sizeof((table)[0]), (id), (dflt))

/* A recipient's role from its kind (recipients.yaml). */
static const char *recipient_role(const char *kind)
{
	if (kind != NULL && strcmp(kind, "processor") == 0)
		return "dpv:DataProcessor";
	if (kind != NULL && strcmp(kind, "joint-controller") == 0)
		return "dpv:DataController";
	/* group companies, authorities and independent controllers receive the
	 * data as third parties (GDPR art. 4(10)) */
	return "dpv:ThirdParty";
}

/* GDPR "6(1)(x)" as eu-gdpr:A6-1-x; NULL for anything else. */
static const char *art6(const char *gdpr)
{
	static const char *const a[] = { "eu-gdpr:A6-1-a", "eu-gdpr:A6-1-b", "eu-gdpr:A6-1-c",
	                                 "eu-gdpr:A6-1-d", "eu-gdpr:A6-1-e", "eu-gdpr:A6-1-f" };

	if (gdpr == NULL || strncmp(gdpr, "6(1)(", 5) != 0 || gdpr[5] < 'a' || gdpr[5] > 'f' ||
	    strcmp(gdpr + 6, ")") != 0)
		return NULL;
	return a[gdpr[5] - 'a'];
}

/* A transfer safeguard (the notice's words) as the GDPR's transfer basis. */
static const char *safeguard(const char *s)
{
	static const struct term t[] = {
		{ "adequacy-decision", "eu-gdpr:A45-3" },
		{ "standard-contractual-clauses", "eu-gdpr:A46-2-c" },
		{ "binding-corporate-rules", "eu-gdpr:A46-2-b" },
		{ "necessary-for-service", "eu-gdpr:A49-1-b" },
	};

	return LOOKUP(t, s, NULL);
}

/* The IRI of category `ref` ("group/id"): the notice's own concept (defined
 * in @graph on first use), under its closest pd: concept.  Newly allocated. */
static char *category(struct b *b, const json_t *cat, const char *cref)
{
	const char *slash = strchr(cref, '/'), *id = slash != NULL ? slash + 1 : cref;
	char *c;
	json_t *n;

	if ((c = iri(b->base, "category", cref)) == NULL)
		return NULL;
	if ((n = json_object_get(b->defined, c)) == NULL) {
		if ((n = define(b, c, json_pack("[ss]", "dpv:PersonalData", "skos:Concept"))) == NULL)
			return c;
		set(b, n, "skos:broader", ref(LOOKUP(category_broader, id, "dpv:PersonalData")));
		set(b, n, "skos:notation", json_string(cref));
	}
	/* first named by a retention rule, which has no names */
	if (cat != NULL && json_object_get(n, "rdfs:label") == NULL)
		labels(b, n, cat, "name_fr", "name_en");
	return c;
}

/* ---- one process per register entry ---------------------------------------------------------- */

static void purpose(struct b *b, json_t *proc, const json_t *p)
{
	char *id = iri(b->base, "purpose", sval(p, "id"));
	json_t *n;

	if (id == NULL) {
		b->oom = 1;
		return;
	}
	set(b, proc, "dpv:hasPurpose", ref(id));
	if ((n = define(b, id, json_pack("[ss]", "dpv:Purpose", "skos:Concept"))) != NULL) {
		set(b, n, "skos:broader", ref(LOOKUP(purpose_terms, sval(p, "id"), "dpv:Purpose")));
		set(b, n, "skos:notation", json_string(sval(p, "id")));
		if (sval(p, "section") != NULL)
			set(b, n, "dsmap:section", json_string(sval(p, "section")));
		labels(b, n, p, "title_fr", "title_en");
	}
	free(id);
}

static void personal_data(struct b *b, json_t *proc, const json_t *e)
{
	json_t *a = json_array(), *c;
	size_t i;

	set(b, proc, "dpv:hasPersonalData", a);
	json_array_foreach(json_object_get(e, "categories"), i, c) {
		char *x;

		if (sval(c, "ref") == NULL)
			continue;
		if ((x = category(b, c, sval(c, "ref"))) == NULL) {
			b->oom = 1;
			return;
		}
		push(b, a, ref(x));
		free(x);
	}
}

static void legal_bases(struct b *b, json_t *proc, const json_t *e)
{
	json_t *a = json_array(), *l;
	size_t i;

	set(b, proc, "dpv:hasLegalBasis", a);
	json_array_foreach(json_object_get(e, "legal_bases"), i, l) {
		const char *t = art6(sval(l, "gdpr"));

		if (t != NULL) {
			push(b, a, ref(t));
		} else if (sval(l, "gdpr") != NULL) {
			/* no eu-gdpr concept for it here: a legal basis in words */
			json_t *o = json_pack("{ss}", "@type", "dpv:LegalBasis");

			set(b, o, "rdfs:label", json_string(sval(l, "gdpr")));
			push(b, a, o);
		}
	}
}

static void subjects(struct b *b, json_t *proc, const json_t *e)
{
	json_t *a = json_array(), *k;
	size_t i;

	set(b, proc, "dpv:hasDataSubject", a);
	json_array_foreach(json_object_get(e, "subject_kinds"), i, k) {
		char *id;
		json_t *n;

		if (sval(k, "id") == NULL)
			continue;
		if ((id = iri(b->base, "subject", sval(k, "id"))) == NULL) {
			b->oom = 1;
			return;
		}
		push(b, a, ref(id));
		if (json_object_get(b->defined, id) == NULL &&
		    (n = define(b, id, json_string("dpv:DataSubject"))) != NULL) {
			set(b, n, "skos:notation", json_string(sval(k, "id")));
			labels(b, n, k, "name_fr", "name_en");
		}
		free(id);
	}
}

static char *recipient(struct b *b, const json_t *r)
{
	char *id = iri(b->base, "recipient", sval(r, "id"));
	json_t *n;

	if (id == NULL || json_object_get(b->defined, id) != NULL)
		return id;
	if ((n = define(b, id, json_string(recipient_role(sval(r, "kind"))))) != NULL) {
		set(b, n, "skos:notation", json_string(sval(r, "id")));
		if (sval(r, "kind") != NULL)
			set(b, n, "dsmap:recipientKind", json_string(sval(r, "kind")));
		if (sval(r, "name_fr") != NULL)
			set(b, n, "dpv:hasName", json_string(sval(r, "name_fr")));
		labels(b, n, r, "name_fr", "name_en");
	}
	return id;
}

static void recipients(struct b *b, json_t *proc, const json_t *e)
{
	json_t *a = json_array(), *r;
	size_t i;

	set(b, proc, "dpv:hasRecipient", a);
	json_array_foreach(json_object_get(e, "recipients"), i, r) {
		char *id;

		if (sval(r, "id") == NULL)
			continue;
		if ((id = recipient(b, r)) == NULL) {
			b->oom = 1;
			return;
		}
		push(b, a, ref(id));
		free(id);
	}
}

/* Each retention rule as a dpv:StorageDuration.  dpv:StorageDuration is a
 * dpv:Duration, so the ISO 8601 period is its rdf:value; what starts it
 * (the trigger), its minimum and the categories it applies to have no DPV
 * term: dsmap's own. */
static void storage(struct b *b, json_t *proc, const json_t *e)
{
	json_t *a = json_array(), *r;
	size_t i, j;

	set(b, proc, "dpv:hasStorageCondition", a);
	json_array_foreach(json_object_get(json_object_get(e, "retention"), "rules"), i, r) {
		json_t *o = json_pack("{ss}", "@type", "dpv:StorageDuration"), *cats, *c, *l;

		push(b, a, o);
		if (b->oom)
			return;
		if (sval(r, "duration") != NULL)
			set(b, o, "rdf:value", json_pack("{ssss}", "@value", sval(r, "duration"),
			                                 "@type", "xsd:duration"));
		if (sval(r, "duration_min") != NULL)
			set(b, o, "dsmap:minimumDuration",
			    json_pack("{ssss}", "@value", sval(r, "duration_min"), "@type", "xsd:duration"));
		if (sval(r, "trigger") != NULL)
			set(b, o, "dsmap:trigger", json_string(sval(r, "trigger")));
		set(b, o, "rdfs:label", l = json_array());
		if (sval(r, "period_fr") != NULL)
			push(b, l, lstr(sval(r, "period_fr"), "fr"));
		if (sval(r, "period_en") != NULL)
			push(b, l, lstr(sval(r, "period_en"), "en"));
		if (sval(r, "condition_fr") != NULL)
			set(b, o, "rdfs:comment", lstr(sval(r, "condition_fr"), "fr"));
		cats = json_object_get(r, "categories");
		if (!json_is_array(cats))
			continue;   /* a rule without categories applies to all */
		set(b, o, "dsmap:appliesTo", c = json_array());
		json_array_foreach(cats, j, l) {
			char *x;

			if (!json_is_string(l))
				continue;
			if ((x = category(b, NULL, json_string_value(l))) == NULL) {
				b->oom = 1;
				return;
			}
			push(b, c, ref(x));
			free(x);
		}
	}
}

/* Each transfer outside the EEA as a dpv:Process of its own within the
 * purpose's: dpv:Transfer to a dpv:ThirdCountry, with the GDPR's transfer
 * basis for each safeguard, and the recipient it goes to when the notice
 * states it for a recipient. */
static void transfers(struct b *b, json_t *proc, const json_t *e)
{
	json_t *a = json_array(), *t, *x;
	size_t i, j;

	set(b, proc, "dpv:hasProcess", a);
	json_array_foreach(json_object_get(e, "transfers"), i, t) {
		json_t *o = json_pack("{ss}", "@type", "dpv:Process"), *cs, *lb;

		push(b, a, o);
		if (b->oom)
			return;
		set(b, o, "dpv:hasProcessing", ref("dpv:Transfer"));
		set(b, o, "dpv:hasThirdCountry", cs = json_array());
		json_array_foreach(json_object_get(t, "countries"), j, x)
			if (json_is_string(x))
				push(b, cs, json_pack("{sss[s]}", "@type", "dpv:ThirdCountry", "rdfs:label",
				                      json_string_value(x)));
		if (json_array_size(json_object_get(t, "countries")) == 0)
			push(b, cs, json_pack("{sss{ssss}}", "@type", "dpv:ThirdCountry", "rdfs:label",
			                      "@value", "countries not named in the notice",
			                      "@language", "en"));
		set(b, o, "dpv:hasLegalBasis", lb = json_array());
		json_array_foreach(json_object_get(t, "safeguards"), j, x) {
			const char *s = safeguard(json_string_value(x));

			if (s != NULL)
				push(b, lb, ref(s));
			else if (json_is_string(x))
				push(b, lb, json_pack("{sss[s]}", "@type", "dpv:LegalBasis", "rdfs:label",
				                      json_string_value(x)));
		}
		if (sval(t, "recipient") != NULL) {
			char *r = iri(b->base, "recipient", sval(t, "recipient"));

			if (r == NULL) {
				b->oom = 1;
				return;
			}
			set(b, o, "dpv:hasRecipient", ref(r));
			free(r);
		}
		if (sval(t, "section") != NULL)
			set(b, o, "dsmap:section", json_string(sval(t, "section")));
		if (sval(t, "from") != NULL)
			set(b, o, "dsmap:statedFor", json_string(sval(t, "from")));
	}
}

static void process(struct b *b, const json_t *e, const char *controller)
{
	const json_t *p = json_object_get(e, "purpose");
	char *id = iri(b->base, "process", sval(p, "id"));
	json_t *proc;

	if (id == NULL || (proc = define(b, id, json_string("dpv:Process"))) == NULL) {
		b->oom = 1;
		free(id);
		return;
	}
	free(id);
	set(b, proc, "dpv:hasDataController", ref(controller));
	purpose(b, proc, p);
	personal_data(b, proc, e);
	legal_bases(b, proc, e);
	recipients(b, proc, e);
	subjects(b, proc, e);
	storage(b, proc, e);
	transfers(b, proc, e);
}

/* ---- the document -------------------------------------------------------------------------- */

static json_t *context(void)
{
	return json_pack("{ss ss ss ss ss ss ss ss}",
	                 "dpv", "https://w3id.org/dpv#",
	                 "eu-gdpr", "https://w3id.org/dpv/legal/eu/gdpr#",
	                 "pd", "https://w3id.org/dpv/pd#",
	                 "rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
	                 "rdfs", "http://www.w3.org/2000/01/rdf-schema#",
	                 "skos", "http://www.w3.org/2004/02/skos/core#",
	                 "xsd", "http://www.w3.org/2001/XMLSchema#",
	                 "dsmap", DSMAP_NS);
}

static int render(json_t **out, json_t *reg, const char *base)
{
	struct b b = { json_array(), json_object(), base, 0 };
	json_t *doc = NULL, *ctl, *n, *e;
	char *ctl_id = NULL, *rev_id = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (b.graph == NULL || b.defined == NULL ||
	    (ctl_id = iri(base, "controller", "")) == NULL ||
	    (rev_id = iri(base, "revision", sval(reg, "revision") ? sval(reg, "revision") : "")) == NULL)
		goto oom;
	/* the revision the export was made from */
	if ((n = define(&b, rev_id, json_string("dsmap:Revision"))) != NULL) {
		json_t *notice = json_object_get(reg, "notice");

		set(&b, n, "dsmap:commit", json_string(sval(reg, "revision")));
		if (sval(notice, "version") != NULL)
			set(&b, n, "dsmap:noticeVersion", json_string(sval(notice, "version")));
		labels(&b, n, notice, "title_fr", "title_en");
	}
	/* the controller, from notice.yaml */
	ctl = json_object_get(reg, "controller");
	if ((n = define(&b, ctl_id, json_string("dpv:DataController"))) != NULL) {
		set(&b, n, "dpv:hasName", json_string(sval(ctl, "name")));
		if (sval(ctl, "address") != NULL)
			set(&b, n, "dpv:hasAddress", json_string(sval(ctl, "address")));
	}
	json_array_foreach(json_object_get(reg, "entries"), i, e) {
		if (sval(json_object_get(e, "purpose"), "id") == NULL) {
			rc = dsmap_error__set(DSMAP_ECORRUPT, "dpv: a register entry has no purpose id");
			goto done;
		}
		process(&b, e, ctl_id);
		if (b.oom)
			goto oom;
	}
	if (b.oom || (doc = json_object()) == NULL ||
	    json_object_set_new(doc, "@context", context()) != 0 ||
	    json_object_set(doc, "@graph", b.graph) != 0)
		goto oom;
	*out = doc;
	doc = NULL;
	rc = 0;
	goto done;
oom:
	rc = dsmap_error__oom();
done:
	json_decref(doc);
	json_decref(b.graph);
	json_decref(b.defined);
	free(ctl_id);
	free(rev_id);
	return rc;
}

/* An http, https or urn IRI ending in '/' or '#', with nothing that would
 * need escaping in an IRI reference. */
static int base_ok(const char *s)
{
	size_t n = strlen(s);

	if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0 &&
	    strncmp(s, "urn:", 4) != 0)
		return 0;
	if (n < 6 || (s[n - 1] != '/' && s[n - 1] != '#'))
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || strchr("<>\"{}|\\^`", *s) != NULL)
			return 0;
	return 1;
}

int dsmap_dpv_export(char **out, dsmap_workspace *ws, const dsmap_dpv_options *opts)
{
	static const dsmap_dpv_options none = DSMAP_DPV_OPTIONS_INIT;
	json_t *reg = NULL, *doc = NULL;
	const char *base;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || ws == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_dpv_export: invalid argument");
	if (opts == NULL)
		opts = &none;
	if ((rc = dsmap_error__options_version("dsmap_dpv_export", opts->version, DSMAP_DPV_OPTIONS_VERSION)) < 0)
		return rc;
	base = opts->base != NULL ? opts->base : DSMAP_DPV_BASE_DEFAULT;
	if (!base_ok(base))
		return dsmap_error__set(DSMAP_EINVALID, "base IRI '%s' is not an http, https or urn IRI "
		                        "ending in '/' or '#'", base);
	/* the generation date is not in the export: any fixed one will do */
	if ((rc = dsmap__ropa_build(&reg, ws, opts->at, 1)) < 0)
		goto done;
	if ((rc = render(&doc, reg, base)) < 0)
		goto done;
	if ((*out = dsmap__json_dumpln(doc, JSON_INDENT(2))) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	rc = 0;
done:
	json_decref(doc);
	json_decref(reg);
	return rc;
}
