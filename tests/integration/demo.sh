#!/bin/sh
# dsmap demo: the main job end to end, and the workspace it keeps.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"

DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH

dsmap demo --subjects 300 --keep "$T_TMP/kept" --quiet
expect_rc 0 "the demo runs"
expect_out '^  crm      sqlite +300 records, +300 subjects, 4 categories' "it scans the CRM"
expect_out '^  billing  csv +240 records, +240 subjects, 3 categories' "the billing export"
expect_out '^  weblog   jsonl +200 records, +200 subjects, 3 categories' "and the web log"
expect_out '^  crm      found by email, 1 record at customers/43$' "locate finds the CRM by e-mail"
expect_out '^  billing  found by customer-number' "and the billing rows through the customer number"
expect_out '^  weblog   found by customer-number' "and the web log too"
expect_out '^  link: the customer-number held next to the email in crm \(customers/43\) was followed$' \
	"it says which link it followed"
expect_out 'retention of collected/financial-data shorter: P7Y from end-of-contract -> P5Y from end-of-contract' \
	"impact shows the shorter retention"
expect_out '^         crm: 300 subjects$' "with the subjects counted"
expect_out 'recipient ads-and-data .*outside the EEA.* added' "and the new recipient outside the EEA"
expect_out '^  [0-9a-f]{12} .* 11 changes  Notice v2' "history shows the new version"
if grep -q 'user43@\|C00000043' "$T_TMP/out"; then not_ok "no identifier value is printed"; else ok "no identifier value is printed"; fi

W=$T_TMP/kept/workspace
dsmap -C "$W" locate --format json email:user43@example.com
expect_rc 0 "the kept workspace answers locate"
dsmap -C "$W" status --format json
check "and its status lists the three scanned systems" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert sorted(s["id"] for s in d["systems"] if s["last_scan"]) == ["billing", "crm", "weblog"], d
' "$T_TMP/out"
found=
for v in user43@example.com C00000043; do
	grep -rqaF "$v" "$W/.dsmap" && found="$found $v"
done
check "its store holds no raw identifier" test -z "$found"

dsmap demo --subjects 10
expect_rc 2 "too few subjects is a usage error"
dsmap demo extra
expect_rc 2 "demo takes no arguments"
finish
