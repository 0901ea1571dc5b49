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
finish
