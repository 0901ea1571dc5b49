#!/bin/sh
# dsmap demo: the main job end to end, and the workspace it keeps.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"

DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH

dsmap demo --subjects 300 --keep "$T_TMP/kept" --quiet
expect_rc 0 "the demo runs"
cp "$T_TMP/out" "$T_TMP/demo.out"
expect_out '^  crm      sqlite +300 records, +300 subjects, 4 categories' "it scans the CRM"
expect_out '^  billing  csv +240 records, +240 subjects, 3 categories' "the billing export"
expect_out '^  weblog   jsonl +200 records, +200 subjects, 3 categories' "and the web log"
expect_out '^  crm      found by email, 1 record at customers/44$' "locate finds the CRM by e-mail"
expect_out '^  billing  found by customer-number' "and the billing rows through the customer number"
expect_out '^  weblog   found by customer-number' "and the web log too"
expect_out '^  link: the customer-number held next to the email in crm \(customers/44\) was followed$' \
	"it says which link it followed"
expect_out '^    collected/national-register-number +for contract-conclusion$' \
	"each category held lists only the purposes its system serves"
expect_out '^    collected/billing +held for no purpose this system serves$' \
	"a category held for no declared purpose is flagged"
expect_out '^  the answer gives only what these systems serve: 7 purposes' \
	"the answer names the 7 purposes the three systems serve for what they hold, not the notice's 51"
expect_out '^  1 high, 1 medium, [0-9]+ low \(dsmap audit for each; docs/audit\.md\)$' \
	"the audit's counts"
expect_out '^  high   unpurposed-data/billing/collected/billing$' \
	"and its finding: billing information held for no purpose the export declares"
expect_out '^         Billing export \(CSV\) holds Billing information of 240 subjects \(240 records\) for none of the purposes it declares' \
	"in words, with its counts"
expect_out 'retention of collected/financial-data shorter: 7 years after the end of the contract -> 5 years after the end of the contract' \
	"impact shows the shorter retention"
expect_out '^         crm: 300 subjects$' "with the subjects counted"
expect_out 'recipient ads-and-data .*outside the EEA.* added' "and the new recipient outside the EEA"
expect_out '^  [0-9a-f]{12} .* 11 changes  Notice v2' "history shows the new version"
if grep -q 'user44@\|C00000044' "$T_TMP/out"; then not_ok "no identifier value is printed"; else ok "no identifier value is printed"; fi
if grep -Eq '\bP[0-9]+[YMWD]\b|\bPT[0-9]' "$T_TMP/out"; then not_ok "the demo gives every duration in words, never ISO 8601"; else ok "the demo gives every duration in words, never ISO 8601"; fi

W=$T_TMP/kept/workspace
dsmap -C "$W" locate --format json email:user44@example.com
expect_rc 0 "the kept workspace answers locate"
check "every purpose of the answer is one the holding system declares" python3 -c '
import json, re, sys
d = json.load(open(sys.argv[1]))
declared = {}
for sys_id in ("crm", "billing", "weblog"):
    text = open(sys.argv[2] + "/mappings/systems/" + sys_id + ".yaml").read()
    m = re.search(r"purposes: \[([^\]]*)\]", text, re.S)
    declared[sys_id] = {p.strip() for p in m.group(1).split(",")}
for p in d["purposes"]:
    assert p["systems"] and all(p["id"] in declared[s] for s in p["systems"]), p["id"]
for s in d["systems"]:
    for c in s["categories"]:
        assert set(c["purposes"]) <= declared[s["system"]], (s["system"], c)
assert len(d["purposes"]) == 7, [p["id"] for p in d["purposes"]]
' "$T_TMP/out" "$W"
dsmap -C "$W" status --format json
check "and its status lists the three scanned systems" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert sorted(s["id"] for s in d["systems"] if s["last_scan"]) == ["billing", "crm", "weblog"], d
' "$T_TMP/out"
found=
for v in user44@example.com C00000044; do
	grep -rqaF "$v" "$W/.dsmap" && found="$found $v"
done
check "its store holds no raw identifier" test -z "$found"
check "git ignores data/, which holds the raw personal data" test \
	"$(git -C "$W" check-ignore data/crm.sqlite data/billing.csv data/weblog.jsonl | wc -l)" -eq 3
check "so that git add -A in the kept workspace leaves it out" sh -c '
	cd "$1" && git add -A && test -z "$(git diff --cached --name-only | grep "^data/")"
	status=$?; git reset -q; exit $status' sh "$W"

# With a PostgreSQL server named by PGHOST, a fourth system.
. "$DSMAP_SRCDIR/tests/pg.sh"
trap 'pg_stop; rm -rf "$T_TMP"' EXIT
if pg_start > "$T_TMP/pg.log" 2>&1; then
	dsmap demo --subjects 300 --quiet
	expect_rc 0 "the demo runs with PostgreSQL"
	expect_out '^  tickets  PostgreSQL \(PGHOST=127\.0\.0\.1\), 75 tickets' "it makes up the tickets"
	expect_out '^  tickets  postgres +75 records, +75 subjects, 1 category,' "and scans them"
	expect_out '^  tickets  found by email' "locate finds the subject's ticket"
	pg_stop
	dsmap demo --subjects 300 --quiet
	expect_out 'PostgreSQL at PGHOST=127\.0\.0\.1 is not reachable: the demo goes on without it' \
		"a server that is gone is skipped, and said"
	expect_rc 0 "and the demo still runs"
elif [ "${DSMAP_REQUIRE_POSTGRES:-0}" = 1 ]; then
	not_ok "PostgreSQL could not be started: $(tail -1 "$T_TMP/pg.log")"
else
	echo "# PostgreSQL not available: the demo's fourth system is not tried"
fi
unset PGHOST

# The demo ends by saying how to serve the kept workspace: its three lines
# work as printed (on a free port rather than 8080, which may be taken).
. "$DSMAP_SRCDIR/tests/integration/serve-lib.sh"
check "the demo says how to serve the kept workspace" \
	grep -q "^  dsmap -C $W serve --listen 127.0.0.1:8080 &\$" "$T_TMP/demo.out"
dsmap -C "$W" token add --role auditor --name demo
expect_rc 0 "its token line makes an auditor token"
TOKEN=$(cat "$T_TMP/out")
check "its serve line serves" serve_start
CURL_LINE=$(sed -n 's/^  \(curl .*\)$/\1/p' "$T_TMP/demo.out" | sed "s|http://127.0.0.1:8080|$URL|")
check "its curl line answers the systems" sh -c "
TOKEN='$TOKEN'; $CURL_LINE | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d[\"items\"]) >= 3, d'"
serve_stop
check "and the server stops cleanly" test "$SRV_RC" -eq 0

dsmap demo --subjects 10
expect_rc 2 "too few subjects is a usage error"
dsmap demo extra
expect_rc 2 "demo takes no arguments"
finish
