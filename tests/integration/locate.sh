#!/bin/sh
# dsmap locate: a subject found through identity links across three
# systems, shared identifiers that lead nowhere, a subject held nowhere,
# bad identifiers, the JSON answer against docs/locate.schema.json, the C
# example, and no raw identifier anywhere in the store.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"

DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH

dsmap init ws
W=$T_TMP/ws
python3 "$DSMAP_SRCDIR/bench/gen-sources.py" "$W" 300
git -C "$W" add mappings
git -C "$W" -c user.name=t -c user.email=t@example.com commit -q -m "three systems"

dsmap -C "$W" locate email:user42@example.com
expect_rc 1 "locate before any sync says so"
expect_err "nothing is synced yet" "and how to go on"

dsmap -C "$W" scan --quiet
expect_rc 0 "scan the three systems"

# valid ANSWER-FILE: the answer follows docs/locate.schema.json
valid() {
	python3 -c '
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.validate(json.load(open(sys.argv[2])), schema, cls=jsonschema.Draft202012Validator)
' "$DSMAP_SRCDIR/docs/locate.schema.json" "$1"
}

dsmap -C "$W" locate --format json "email: User42@Example.COM "
expect_rc 0 "locate by e-mail, written another way"
cp "$T_TMP/out" "$T_TMP/by-email.json"
check "the answer follows the documented schema" valid "$T_TMP/by-email.json"
check "the e-mail finds the CRM, and links reach billing and the web log" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["found"] and not d["truncated"], d
s = {x["system"]: x for x in d["systems"]}
assert sorted(s) == ["billing", "crm", "weblog"], s.keys()
assert s["crm"]["found_by"] == ["email"], s["crm"]
assert s["billing"]["found_by"] == ["customer-number"], s["billing"]
assert s["weblog"]["found_by"] == ["customer-number"], s["weblog"]
assert s["crm"]["locators"] == ["customers/42"], s["crm"]
assert s["billing"]["locators"] == ["data/billing.csv:43"], s["billing"]
assert s["weblog"]["locators"] == ["data/weblog.jsonl:42"], s["weblog"]
links = {(l["kind"], l["from_kind"], l["system"], l["locator"]) for l in d["links"]}
assert ("customer-number", "email", "crm", "customers/42") in links, links
assert all(l["kind"] in ("customer-number", "email", "national-register-number") for l in d["links"])
link = d["links"][s["billing"]["first_link"]]
assert link["system"] == "crm" and link["kind"] == "customer-number", link
cats = {c["category"]: c for c in d["categories"]}
assert cats["collected/national-register-number"]["held_in"] == ["crm"]
assert cats["collected/financial-data"]["held_in"] == ["billing", "crm"]
assert cats["observed/tv-viewing"]["group"] == "observed"
p = {x["id"]: x for x in d["purposes"]}
# scoped: only purposes the holding systems serve (bench/gen-sources.py
# declares them), never the notice: social-tariff uses the NRN, but no
# system serves it
assert "social-tariff" not in p, p.keys()
served = {"crm": {"contract-conclusion", "after-sales-customer-service", "billing-accounting"},
          "billing": {"billing-accounting", "debt-collection"},
          "weblog": {"service-provision", "personalised-tv-advertising"}}
assert set(p) <= set().union(*served.values()), p.keys()
for x in d["purposes"]:
    assert all(x["id"] in served[sy] for sy in x["systems"]), x
assert p["contract-conclusion"]["legal_bases"][0]["gdpr"] == "6(1)(b)", p["contract-conclusion"]
assert "collected/national-register-number" in p["contract-conclusion"]["retention"]
r = {x["id"]: x for x in d["recipients"]}
assert all(set(x["via"]) <= set(p) for x in d["recipients"]), r
assert "fps-economy" not in r, r.keys()
assert {x["id"] for x in d["rights"]} >= {"access", "erasure", "rectification", "objection", "portability"}, d["rights"]
assert d["subject_kinds"]
' "$T_TMP/by-email.json"
if grep -qi 'user42\|C00000042' "$T_TMP/by-email.json"; then
	not_ok "the answer holds no identifier value"
else
	ok "the answer holds no identifier value"
fi

dsmap -C "$W" locate --lang en customer:C00000042
expect_rc 0 "locate by customer number (short kind name)"
expect_out '^found in 3 systems' "finds the same three systems"
expect_out 'link: a email found next to the customer-number in crm \(customers/42\)' \
	"and says where the link came from"

dsmap -C "$W" locate --format json ip:10.0.0.42
check "an IP address finds the web log only: it is shared, and leads no further" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [s["system"] for s in d["systems"]] == ["weblog"], d["systems"]
assert d["links"] == [] and d["query"] == [{"kind": "ip", "links": False}], d
' "$T_TMP/out"

dsmap -C "$W" locate --format json phone:0470000042
check "a Belgian national phone number is found in E.164 form" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [s["system"] for s in d["systems"]] == ["crm"], d["systems"]
' "$T_TMP/out"

dsmap -C "$W" locate --format json email:nobody@example.com
expect_rc 3 "a subject held nowhere: exit status 3"
cp "$T_TMP/out" "$T_TMP/nowhere.json"
check "with an empty, well-formed answer" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["found"] is False and d["systems"] == [] and d["categories"] == [], d
assert d["rights"], "the rights are always given"
' "$T_TMP/nowhere.json"
check "that follows the schema too" valid "$T_TMP/nowhere.json"

dsmap -C "$W" locate email:not-an-address
expect_rc 2 "an invalid identifier is a usage error"
expect_err "identifier 1 \\(email\\): invalid e-mail address: no '@'" "with its reason"
if grep -q 'not-an-address' "$T_TMP/err"; then not_ok "and not its value"; else ok "and not its value"; fi
dsmap -C "$W" locate fingerprint:1234
expect_rc 2 "an unknown kind is a usage error"
expect_err "unknown kind 'fingerprint'" "naming the kind"
dsmap -C "$W" locate user42@example.com
expect_rc 2 "an identifier without kind is a usage error"
dsmap -C "$W" locate
expect_rc 2 "no identifier at all is a usage error"

# The example program of docs/examples gives the same answer through the C API.
T_RC=0
(cd "$W" && $DSMAP_RUNNER "$DSMAP_BUILDDIR/examples/locate" "email: User42@Example.COM ") \
	> "$T_TMP/example.json" 2> "$T_TMP/err" || T_RC=$?
expect_rc 0 "examples/locate finds the subject"
check "and prints the same answer as the CLI" cmp -s "$T_TMP/example.json" "$T_TMP/by-email.json"

# No raw identifier at rest: not in the store, not anywhere under .dsmap.
found_raw=
for v in user42@example.com C00000042 +32470000042 10.0.0.42 stb-0000002a BE42000000000042; do
	if grep -rqaF "$v" "$W/.dsmap"; then found_raw="$found_raw $v"; fi
done
check "the store holds none of the identifiers it was fed (${found_raw:-none found})" \
	test -z "$found_raw"
nrn=$(python3 -c '
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select nrn from customers where id = 42").fetchone()[0])' \
	"$W/data/crm.sqlite")
if grep -rqaF "$nrn" "$W/.dsmap"; then
	not_ok "nor the national register number"
else
	ok "nor the national register number"
fi

# ---- many systems: a locator's first snapshot ------------------------------
# A fresh process opens each generation's database handle once (core/store.h);
# the snapshot begun before is taken again, once, whatever the number of
# systems (seven systems' handles once made the open give up).
dsmap init many
M=$T_TMP/many
mkdir "$M/data"
for i in 1 2 3 4 5 6 7; do
	printf 'customer_no,email\nC%s,u%s@example.com\nX,shared@example.com\n' $i $i > "$M/data/s$i.csv"
	cat > "$M/mappings/systems/s$i.yaml" <<YAML
schema: 1
system:
  id: s$i
  name: "S$i"
  plugin: csv
  purposes: [contract-conclusion]
  sources:
    - name: data/s$i.csv
      identifiers:
        customer_no: customer-number
        email: email
      categories:
        email: collected/identification-contact
      subject_kind: customers
YAML
done
git -C "$M" add -A && git -C "$M" -c user.name=t -c user.email=t@example.com commit -q -m seven
dsmap -C "$M" scan --quiet
expect_rc 0 "seven systems scanned"
dsmap -C "$M" locate --format json email:shared@example.com
expect_rc 0 "a fresh process locates across seven systems"
check "and finds the subject in all seven" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["systems"]) == 7, [s["system"] for s in d["systems"]]' "$T_TMP/out"

# An answer is dumped from parts that a locator keeps per snapshot: the
# notice's texts once, and the sections that follow from an answer's shape
# (the systems found, the categories each holds, the subject kinds and
# brands) once per shape, at most 64 shapes, then emptied and made again.
# 200 subjects holding every non-empty subset of seven categories (127
# shapes, 73 of them asked twice) must get, from one locator, byte for byte the answers made
# whole (DSMAP_LOCATE_PARTS=0, a test control that turns the parts off).
P=$T_TMP/parts
dsmap init "$P"
expect_rc 0 "a workspace for the parts"
mkdir "$P/data"
python3 - "$P/data/many.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("customer_no,email,phone,birth,job,iban,survey,household\n")
    for i in range(200):
        held = i % 127 + 1   # each non-empty subset, some twice
        f.write("C%d,%s\n" % (i, ",".join("v%d" % i if (held >> b) & 1 else "" for b in range(7))))
PY
cat > "$P/mappings/systems/many.yaml" <<'YAML'
schema: 1
system:
  id: many
  name: "Many shapes"
  plugin: csv
  purposes: [contract-conclusion, billing-accounting]
  sources:
    - name: data/many.csv
      identifiers:
        customer_no: customer-number
      categories:
        email: collected/identification-contact
        phone: collected/customer-interactions
        birth: collected/personal-characteristics
        job: collected/profession
        iban: collected/financial-data
        survey: collected/survey-data
        household: collected/household-composition
      subject_kind: customers
YAML
git -C "$P" add -A && git -C "$P" -c user.name=t -c user.email=t@example.com commit -q -m many
dsmap -C "$P" scan --quiet
expect_rc 0 "a system whose subjects hold every subset of seven categories"
i=0
while [ $i -lt 200 ]; do echo "customer-number:C$i"; i=$((i + 1)); done > "$T_TMP/queries"
dsmap -C "$P" locate --stdin < "$T_TMP/queries"
expect_rc 0 "200 answers from one locator"
cp "$T_TMP/out" "$T_TMP/with-parts"
DSMAP_LOCATE_PARTS=0
export DSMAP_LOCATE_PARTS
dsmap -C "$P" locate --stdin < "$T_TMP/queries"
expect_rc 0 "the same answers made whole"
unset DSMAP_LOCATE_PARTS
check "are byte for byte the answers made of parts" cmp -s "$T_TMP/with-parts" "$T_TMP/out"
check "which are 200, of 127 shapes" python3 -c '
import json, sys
answers = [json.loads(line)["answer"] for line in open(sys.argv[1])]
assert len(answers) == 200, len(answers)
shapes = {tuple(c["category"] for c in a["categories"]) for a in answers}
assert len(shapes) == 127, len(shapes)
assert all(a["rights"] for a in answers)
assert any(a["purposes"] for a in answers) and any(a["findings"] for a in answers)' "$T_TMP/with-parts"
dsmap -C "$P" locate --format json customer-number:C77
expect_rc 0 "one subject, indented"
check "is the same answer as its line" python3 -c '
import json, sys
one = json.load(open(sys.argv[1]))
line = json.loads(open(sys.argv[2]).readlines()[77])["answer"]
assert one == line' "$T_TMP/out" "$T_TMP/with-parts"
finish
