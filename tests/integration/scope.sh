#!/bin/sh
# An access answer scoped by the lineage graph: three systems with their own
# declared purposes and subject kinds.  Each system's categories get only the
# purposes that system serves, that use the category, that concern the
# person's kind and that do not exclude their brand.  The expected lists are
# written out from the notice's purpose files (their `categories`,
# `subject_kinds` and `excluded_brands`), not computed by dsmap.  Then a
# system removed from the mapping stops answering.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"

DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH

dsmap init ws
W=$T_TMP/ws
mkdir -p "$W/data"

commit() {
	git -C "$W" add -A mappings
	git -C "$W" -c user.name=t -c user.email=t@example.com commit -q -m "$1"
}

# The CRM: customers, ex-customers and leads of two brands.
cat > "$W/data/crm.csv" <<'EOF'
customer_no,email,status,brand,birth
C001,alice@example.com,active,PXS,1980-01-02
C002,bob@example.com,active,SCA,1975-03-04
C003,dora@example.com,closed,PXS,1990-05-06
C004,erin@example.com,suspended,PXS,1985-07-08
EOF
# Billing: every row is a customer's.
cat > "$W/data/billing.csv" <<'EOF'
customer_no,iban,amount
C001,BE71096123456769,12.50
C002,BE71096123456769,20.00
EOF
# A web log: visitors who are customers or prospects.
cat > "$W/data/weblog.csv" <<'EOF'
email,ip,visitor
alice@example.com,192.0.2.1,customer
carol@example.com,192.0.2.7,prospect
EOF

cat > "$W/mappings/systems/crm.yaml" <<'EOF'
schema: 1
system:
  id: crm
  name: "Customer relationship management"
  plugin: csv
  purposes:
    - contract-conclusion
    - customer-newsletters
    - proximus-for-you
    - ex-customer-win-back
    - prospect-newsletters
  sources:
    - name: data/crm.csv
      identifiers:
        customer_no: customer-number
        email: email
      categories:
        email: collected/identification-contact
        birth: collected/personal-characteristics
      subject_kind:
        field: status
        values:
          active: customers
          closed: ex-customers
          lead: prospects
      brand:
        field: brand
        values:
          PXS: proximus
          SCA: scarlet
EOF
cat > "$W/mappings/systems/billing.yaml" <<'EOF'
schema: 1
system:
  id: billing
  name: "Billing export"
  plugin: csv
  purposes:
    - billing-accounting
    - debt-collection
  sources:
    - name: data/billing.csv
      identifiers:
        customer_no: customer-number
      categories:
        iban: collected/financial-data
        amount: observed/billing
      subject_kind: customers
EOF
cat > "$W/mappings/systems/weblog.yaml" <<'EOF'
schema: 1
system:
  id: weblog
  name: "Web log"
  plugin: csv
  purposes:
    - contract-conclusion
    - service-provision
  sources:
    - name: data/weblog.csv
      identifiers:
        email: email
        ip: ip
      categories:
        ip: observed/technical-identifiers
      subject_kind:
        field: visitor
        values:
          customer: customers
          prospect: prospects
EOF
commit "three systems"
dsmap -C "$W" check
expect_rc 0 "the three systems check"
dsmap -C "$W" sync
expect_rc 0 "sync"
dsmap -C "$W" scan --quiet
expect_rc 0 "scan the three systems"
expect_out "^  1 x subject kind not mapped \\(field 'status'\\) \\(source data/crm.csv; record 4\\)$" \
	"a status value the mapping does not map is counted, by field and record, never shown"
if grep -q suspended "$T_TMP/out" "$T_TMP/err"; then not_ok "the unmapped value is not printed"; else ok "the unmapped value is not printed"; fi

# answer FILE SCRIPT: run python on the JSON answer in FILE
answer() {
	python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
s = {x['system']: x for x in d['systems']}
def held(system):
    return {c['category']: sorted(c['purposes']) for c in s[system]['categories']}
def left(system):
    return {(c['category'], o['purpose'], o['why']) for c in s[system]['categories'] for o in c['left_out']}
$2
" "$1"
}

# Alice: a Proximus customer in all three systems.
dsmap -C "$W" locate --format json email:alice@example.com
expect_rc 0 "locate a customer"
cp "$T_TMP/out" "$T_TMP/alice.json"
check "each CRM category lists only the CRM purposes that use it and concern customers" answer "$T_TMP/alice.json" '
assert sorted(s) == ["billing", "crm", "weblog"], s.keys()
assert s["crm"]["subject_kinds"] == ["customers"], s["crm"]
assert s["crm"]["brands"] == ["proximus"], s["crm"]
assert held("crm") == {
    "collected/identification-contact": ["contract-conclusion", "customer-newsletters", "proximus-for-you"],
    "collected/personal-characteristics": ["contract-conclusion", "customer-newsletters"],
}, held("crm")
assert ("collected/identification-contact", "ex-customer-win-back", "subject-kind") in left("crm"), left("crm")
assert ("collected/identification-contact", "prospect-newsletters", "subject-kind") in left("crm"), left("crm")
'
check "billing and the web log give only their own purposes" answer "$T_TMP/alice.json" '
assert held("billing") == {
    "collected/financial-data": ["billing-accounting", "debt-collection"],
    "observed/billing": ["billing-accounting", "debt-collection"],
}, held("billing")
assert held("weblog") == {"observed/technical-identifiers": ["contract-conclusion", "service-provision"]}, held("weblog")
'
check "the answer'\''s purposes are the union of the systems', never the notice" answer "$T_TMP/alice.json" '
assert sorted(p["id"] for p in d["purposes"]) == ["billing-accounting", "contract-conclusion",
    "customer-newsletters", "debt-collection", "proximus-for-you", "service-provision"], [p["id"] for p in d["purposes"]]
p = {x["id"]: x for x in d["purposes"]}
assert sorted(p["contract-conclusion"]["systems"]) == ["crm", "weblog"], p["contract-conclusion"]
assert sorted(p["customer-newsletters"]["retention"]) == ["collected/identification-contact",
    "collected/personal-characteristics"], p["customer-newsletters"]["retention"]
via = {r["id"]: sorted(r["via"]) for r in d["recipients"]}
assert all(set(v) <= set(p) for v in via.values()), via
assert [k["id"] for k in d["subject_kinds"]] == ["customers"], d["subject_kinds"]
assert d["findings"] == [], d["findings"]
'

# Bob: a Scarlet customer; proximus-for-you excludes Scarlet (section 7.2.2.5).
dsmap -C "$W" locate --format json email:bob@example.com
expect_rc 0 "locate a Scarlet customer"
cp "$T_TMP/out" "$T_TMP/bob.json"
check "a Scarlet customer does not get the purposes that exclude Scarlet" answer "$T_TMP/bob.json" '
assert s["crm"]["brands"] == ["scarlet"], s["crm"]
assert held("crm")["collected/identification-contact"] == ["contract-conclusion", "customer-newsletters"], held("crm")
assert ("collected/identification-contact", "proximus-for-you", "brand") in left("crm"), left("crm")
assert "proximus-for-you" not in [p["id"] for p in d["purposes"]]
'

# Carol: a prospect held only in the web log.
dsmap -C "$W" locate --format json email:carol@example.com
expect_rc 0 "locate a prospect"
cp "$T_TMP/out" "$T_TMP/carol.json"
check "a prospect in the web log gets only the log's purposes for prospects" answer "$T_TMP/carol.json" '
assert sorted(s) == ["weblog"], s.keys()
assert s["weblog"]["subject_kinds"] == ["prospects"], s["weblog"]
assert held("weblog") == {"observed/technical-identifiers": ["contract-conclusion"]}, held("weblog")
assert ("observed/technical-identifiers", "service-provision", "subject-kind") in left("weblog"), left("weblog")
assert [p["id"] for p in d["purposes"]] == ["contract-conclusion"], d["purposes"]
assert [k["id"] for k in d["subject_kinds"]] == ["prospects"], d["subject_kinds"]
'
dsmap -C "$W" locate --lang en email:carol@example.com
expect_out '^    observed/technical-identifiers: contract-conclusion \[not service-provision: does not concern this subject\]$' \
	"the text answer says why a purpose is left out"
dsmap -C "$W" locate --lang fr email:carol@example.com
expect_out '^trouvée dans 1 système \(révision de la déclaration [0-9a-f]{12}\)$' "the French answer counts in French"
expect_out '^  weblog \(Web log\): 1 personne concernée, 1 enregistrement; trouvée par email$|^  weblog \(Web log\): 1 personne concernée, 1 enregistrement ; trouvée par email$' \
	"with the French nouns"
expect_out '^    observed/technical-identifiers : contract-conclusion \[sans service-provision : ne concerne pas cette personne\]$' \
	"and says why in French"
if grep -Eq '\bP[0-9]+[YMDW]\b' "$T_TMP/out"; then not_ok "no ISO duration in the French answer"; else ok "no ISO duration in the French answer"; fi
dsmap -C "$W" locate email:carol@example.com
expect_out '^trouvée dans 1 système' "without --lang, the answer speaks the notice's language (fr)"
dsmap -C "$W" locate --lang de email:carol@example.com
expect_rc 2 "an unknown language is a usage error"

# The words a person reads, whole: an access answer and a system's lineage
# in English and in the notice's French (tests/fixtures/golden, reviewed by
# hand against the notice's purpose files).
dsmap -C "$W" locate --lang en email:alice@example.com
expect_golden locate-alice.en.txt "golden: the English access answer"
dsmap -C "$W" locate --lang fr email:alice@example.com
expect_golden locate-alice.fr.txt "golden: the French access answer"
dsmap -C "$W" lineage --lang en system crm
expect_golden lineage-crm.en.txt "golden: the English lineage of a system"
dsmap -C "$W" lineage --lang fr system crm
expect_golden lineage-crm.fr.txt "golden: the French lineage of a system"
dsmap -C "$W" lineage --lang en purpose proximus-for-you
expect_golden lineage-proximus-for-you.en.txt "golden: the English lineage of a purpose"
dsmap -C "$W" lineage purpose proximus-for-you
expect_golden lineage-proximus-for-you.fr.txt "golden: the lineage of a purpose in the notice's French"

# A category held with no purpose of its system: a flag and a finding.
sed 's/^        ip: observed\/technical-identifiers$/        ip: observed\/technical-identifiers\n        visitor: observed\/tv-viewing/' \
	"$W/mappings/systems/weblog.yaml" > "$T_TMP/w.yaml" && mv "$T_TMP/w.yaml" "$W/mappings/systems/weblog.yaml"
commit "weblog: the visitor field"
dsmap -C "$W" check
expect_out "systems/weblog.yaml:[0-9]+:[0-9]+: warning: system weblog: source data/weblog.csv: field 'visitor' holds observed/tv-viewing" \
	"check warns about the field no declared purpose uses"
dsmap -C "$W" sync
dsmap -C "$W" scan --quiet weblog
dsmap -C "$W" locate --format json email:carol@example.com
check "the category is held without a purpose, and says so" answer "$T_TMP/out" '
c = {x["category"]: x for x in s["weblog"]["categories"]}
assert c["observed/tv-viewing"]["without_purpose"] is True and c["observed/tv-viewing"]["purposes"] == [], c
assert {"finding": "held-without-purpose", "system": "weblog", "category": "observed/tv-viewing"} in d["findings"], d["findings"]
assert [p["id"] for p in d["purposes"]] == ["contract-conclusion"], d["purposes"]
'

# lineage system, in the three formats.
dsmap -C "$W" lineage --format json system crm
expect_rc 0 "lineage system crm"
check "lineage system: purposes served, categories declared and held" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["kind"] == "system" and d["node"]["id"] == "crm", d
assert [p["id"] for p in d["purposes"]] == ["contract-conclusion", "customer-newsletters",
    "proximus-for-you", "ex-customer-win-back", "prospect-newsletters"], d["purposes"]
assert d["node"]["categories"] == ["collected/identification-contact", "collected/personal-characteristics"]
h = {x["category"]: x["subjects"] for x in d["held"]}
assert h == {"collected/identification-contact": 4, "collected/personal-characteristics": 4}, h
assert sorted(d["subject_kinds"]) == ["customers", "ex-customers", "prospects"], d["subject_kinds"]
p = {x["id"]: x for x in d["purposes"]}
assert p["proximus-for-you"]["excluded_brands"] == ["scarlet"], p["proximus-for-you"]
assert list(p["proximus-for-you"]["retention"]) == ["collected/identification-contact"]
assert d["findings"] == [], d["findings"]
' "$T_TMP/out"
dsmap -C "$W" lineage --lang en system crm
expect_out '^purposes it serves: 5$' "lineage system, text"
if grep -Eq '\bP[0-9]+[YMD]\b' "$T_TMP/out"; then not_ok "the text gives durations in words"; else ok "the text gives durations in words"; fi
dsmap -C "$W" lineage --format dot system crm
expect_out '^  "y:crm" -> "c:collected/identification-contact";$' "lineage system, DOT"
dsmap -C "$W" lineage --lang en purpose proximus-for-you
expect_out "^      not for      the customers of scarlet \\(« Note: cette activité de traitement ne s'applique pas aux clients de la marque Scarlet\\. »\\)$" \
	"lineage shows a purpose's scope restriction, as data and in the notice's words"
dsmap -C "$W" lineage --format json purpose proximus-for-you
check "the restriction is in the JSON, in UTF-8" python3 -c '
import json, sys
raw = open(sys.argv[1], encoding="utf-8").read()
assert "\\u00" not in raw, "escaped"
assert json.loads(raw)["node"]["excluded_brands"] == ["scarlet"]
' "$T_TMP/out"
dsmap -C "$W" lineage system nosuch
expect_rc 3 "an unknown system is not found"

# Erin's status maps to no kind: no purpose is left out for a kind, and the
# answer says the kind is unknown.
dsmap -C "$W" locate --format json email:erin@example.com
check "a subject whose kind is not mapped gets every purpose of its system that uses what it holds, and a finding" answer "$T_TMP/out" '
assert s["crm"]["subject_kinds"] is None, s["crm"]
assert held("crm")["collected/identification-contact"] == ["contract-conclusion", "customer-newsletters",
    "ex-customer-win-back", "prospect-newsletters", "proximus-for-you"], held("crm")
assert {"finding": "subject-kind-unknown", "system": "crm"} in d["findings"], d["findings"]
'

# Removing a system: it answers no more, and sync says what was dropped.
git -C "$W" rm -q mappings/systems/billing.yaml
git -C "$W" -c user.name=t -c user.email=t@example.com commit -q -m "billing retired"
dsmap -C "$W" locate --format json email:alice@example.com
check "before the sync, the removed system still answers from the synced revision" answer "$T_TMP/out" '
assert "billing" in s, s.keys()
'
dsmap -C "$W" sync
expect_rc 0 "sync the revision without billing"
expect_out '^system billing is no longer in the mapping: its inventory of 2 subjects was dropped; it answers no more$' \
	"sync says which system was dropped, with its subjects"
dsmap -C "$W" locate --format json email:alice@example.com
check "the removed system answers no more" answer "$T_TMP/out" '
assert sorted(s) == ["crm", "weblog"], s.keys()
assert "billing-accounting" not in [p["id"] for p in d["purposes"]]
'
dsmap -C "$W" status
expect_out '^billing: no longer in the mapping since ' "status shows the system retired"
dsmap -C "$W" scan --quiet
expect_rc 0 "a scan after the removal"
dsmap -C "$W" verify
expect_rc 0 "the store verifies after the drop"

# A scan syncs HEAD first: a system removed since answers no more, and the
# scan says so.
git -C "$W" rm -q mappings/systems/weblog.yaml
git -C "$W" -c user.name=t -c user.email=t@example.com commit -q -m "weblog retired"
dsmap -C "$W" scan --quiet
expect_rc 0 "scan the revision without the web log"
expect_out '^system weblog is no longer in the mapping: its inventory of [0-9]+ subjects? was dropped; it answers no more$' \
	"the scan says which system was dropped"
dsmap -C "$W" locate --format json email:carol@example.com
expect_rc 3 "a person held only in the removed system is found nowhere"
dsmap -C "$W" status --format json
check "status keeps the retired systems' last counts, and never answers from them" python3 -c '
import json, sys
s = {x["id"]: x for x in json.load(open(sys.argv[1]))["systems"]}
assert s["billing"]["retired"] > 0 and s["billing"]["subjects"] == 2, s["billing"]
assert s["weblog"]["retired"] > 0, s["weblog"]
assert s["crm"]["retired"] == 0, s["crm"]
' "$T_TMP/out"

finish
