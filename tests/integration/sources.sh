#!/bin/sh
# dsmap scan over real sources: a SQLite file, a CSV file and a JSON-lines
# file generated for the test, then broken in each way a user will meet.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"

DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH

dsmap init ws
W=$T_TMP/ws
python3 "$DSMAP_SRCDIR/bench/gen-sources.py" "$W" 200
check "the sources are generated" test -s "$W/data/crm.sqlite" -a -s "$W/data/billing.csv" \
	-a -s "$W/data/weblog.jsonl"

commit() {
	git -C "$W" add -A mappings && git -C "$W" -c user.name=t -c user.email=t@example.com \
		commit -q -m "$1"
}
status_json() {
	dsmap -C "$W" status --format json
	cp "$T_TMP/out" "$T_TMP/status.json"
}
# field SYSTEM KEY: a number of a system in the last status JSON
field() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print([s for s in d["systems"] if s["id"] == sys.argv[2]][0][sys.argv[3]])' \
		"$T_TMP/status.json" "$1" "$2"
}
commit "three systems"

dsmap -C "$W" scan
expect_rc 0 "the three sources scan"
expect_out '^billing \(csv\): 200 records, 200 subjects, 3 categories' "billing (CSV)"
expect_out '^crm \(sqlite\): 200 records, 200 subjects, 4 categories' "crm (SQLite)"
expect_out '^weblog \(jsonl\): 200 records, 200 subjects, 3 categories' "weblog (JSON lines)"
status_json
check "status: crm subjects per category" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
crm = [s for s in d["systems"] if s["id"] == "crm"][0]
c = {x["category"]: x["subjects"] for x in crm["categories"]}
assert c == {"collected/identification-contact": 200, "collected/national-register-number": 200,
             "collected/personal-characteristics": 200, "collected/financial-data": 200}, c
assert crm["first_seen"] > 1767225600 - 86400 * 400 and crm["last_seen"] >= crm["first_seen"], crm
' "$T_TMP/status.json"

# ---- a broken CSV row -------------------------------------------------------

cp "$W/data/billing.csv" "$T_TMP/billing.good"
printf 'F999;"C00000999;BE00;1.00;2026-01-01\n' >> "$W/data/billing.csv"
dsmap -C "$W" scan billing
expect_rc 1 "a broken CSV row fails the system (on_error: fail)"
expect_out '^billing \(csv\): FAILED .*line 202' "with the line number"
status_json
check "billing keeps its 200 records" [ "$(field billing records)" = 200 ]

sed 's/^  plugin: csv$/  plugin: csv\n  on_error: skip/' "$W/mappings/systems/billing.yaml" > "$T_TMP/b.yaml"
mv "$T_TMP/b.yaml" "$W/mappings/systems/billing.yaml"
commit "billing: skip broken rows"
dsmap -C "$W" scan billing
expect_rc 0 "with on_error: skip the scan goes on"
expect_out '^  rejected: 1 records$' "the broken row is counted"
expect_out '1 x .*\(source data/billing\.csv; line 202\)' "with its line"
cp "$T_TMP/billing.good" "$W/data/billing.csv"

# ---- invalid identifiers ------------------------------------------------------

printf 'F998;C 000#998;BE00;1.00;2026-01-01\n' >> "$W/data/billing.csv"
dsmap -C "$W" scan billing
expect_rc 0 "an invalid identifier does not fail the scan"
expect_out '1 x customer-number: invalid customer number: .*\(source data/billing\.csv; record 201\)' \
	"it is counted with its reason and record number"
if grep -q '998' "$T_TMP/out"; then not_ok "the value is not printed"; else ok "the value is not printed"; fi
cp "$T_TMP/billing.good" "$W/data/billing.csv"

# ---- a broken JSON line --------------------------------------------------------

cp "$W/data/weblog.jsonl" "$T_TMP/weblog.good"
printf '{"ts": 1, "customer": {"no": "C00000001"\n' >> "$W/data/weblog.jsonl"
dsmap -C "$W" scan weblog
expect_rc 1 "a broken JSON line fails the system"
expect_out '^weblog \(jsonl\): FAILED .*line 201' "with the line number"
cp "$T_TMP/weblog.good" "$W/data/weblog.jsonl"

# ---- a missing file, table or column --------------------------------------------

mv "$W/data/crm.sqlite" "$T_TMP/crm.sqlite"
dsmap -C "$W" scan crm
expect_rc 1 "a missing database file fails the system"
expect_out '^crm \(sqlite\): FAILED .*data/crm\.sqlite' "naming the file"
check "and the file is not created" test ! -e "$W/data/crm.sqlite"
mv "$T_TMP/crm.sqlite" "$W/data/crm.sqlite"

sed 's/^    - name: customers$/    - name: clients/' "$W/mappings/systems/crm.yaml" > "$T_TMP/c.yaml"
cp "$W/mappings/systems/crm.yaml" "$T_TMP/crm.yaml.good"
mv "$T_TMP/c.yaml" "$W/mappings/systems/crm.yaml"
commit "crm: a table that does not exist"
dsmap -C "$W" scan crm
expect_out "^crm \\(sqlite\\): FAILED .*no table 'clients'" "a missing table is named"

sed 's/^        phone: phone$/        telephone: phone/' "$T_TMP/crm.yaml.good" > "$W/mappings/systems/crm.yaml"
commit "crm: a column that does not exist"
dsmap -C "$W" scan crm
expect_out "^crm \\(sqlite\\): FAILED .*no column 'telephone'" "a missing column is named"
status_json
check "crm keeps its 200 records through all this" [ "$(field crm records)" = 200 ]

dsmap -C "$W" verify
expect_rc 0 "the store is sound"
finish
