#!/bin/sh
# dsmap impact, history, blame and lineage --at over a mapping repository
# with commits whose changes are known, against a scanned inventory.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"

DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH

dsmap init ws
W=$T_TMP/ws
# commit WHO DATE MESSAGE: commit mappings/ as WHO at DATE (UTC)
commit() {
	git -C "$W" add -A mappings
	GIT_AUTHOR_DATE="$2T12:00:00Z" GIT_COMMITTER_DATE="$2T12:00:00Z" \
		git -C "$W" -c user.name="$1" -c user.email="$1@example.com" commit -q -m "$3"
}
json() {
	desc=$1
	shift
	check "$desc" python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
$*" "$T_TMP/out"
}
P=$W/mappings/purposes/billing-accounting.yaml

python3 "$DSMAP_SRCDIR/bench/gen-sources.py" "$W" 300
commit Alice 2027-01-10 "Declare the CRM, billing and web log"
dsmap -C "$W" scan --quiet
expect_rc 0 "scan the three systems"

sed -i 's/^      - duration: P7Y$/      - duration: P5Y/' "$P"
sed -i 's/^    - payment-service-providers$/    - payment-service-providers\n    - ads-and-data/' "$P"
commit Bob 2027-02-10 "Billing: keep 5 years, share with Ads & Data"

sed -i '/^    - ads-and-data$/d' "$P"
sed -i 's/^  purposes: \[contract-conclusion, after-sales-customer-service, billing-accounting\]/  purposes: [after-sales-customer-service, billing-accounting]/' \
	"$W/mappings/systems/crm.yaml"
commit Carol 2027-03-10 "Stop sharing billing data with Ads & Data; the CRM no longer concludes contracts"

# ---- impact ------------------------------------------------------------------

dsmap -C "$W" impact --format json HEAD~2 HEAD~1
expect_rc 0 "impact of Bob's commit"
json "exactly the changes Bob made, in order" '
types = [(c["type"], c["category"], c["recipient"]) for c in d["changes"]]
ret = [t for t in types if t[0] == "retention-changed"]
assert types[-1] == ("purpose-recipient-added", None, "ads-and-data"), types
assert len(ret) == len(types) - 1 and len(ret) >= 5, types
assert all(c["purpose"] == "billing-accounting" for c in d["changes"])
'
json "a shorter retention is high, with the subjects that hold the category" '
c = [c for c in d["changes"] if c["category"] == "collected/financial-data"][0]
assert c["severity"] == "high" and c["direction"] == -1, c
assert c["before"] == "7 years after the end of the contract" and c["after"] == "5 years after the end of the contract", c
s = {x["system"]: x for x in c["systems"]}
assert s["crm"]["subjects_at_least"] == 300 and s["crm"]["holds"], s
assert s["billing"]["subjects_at_least"] == 300, s
assert "weblog" not in s, s
'
json "a new recipient outside the EEA is high and reaches every system holding the purpose's data" '
c = d["changes"][-1]
assert c["severity"] == "high" and "outside the EEA" in c["why"], c
s = {x["system"]: x for x in c["systems"]}
assert s["crm"]["declares"] and s["billing"]["declares"] and s["crm"]["holds"], s
assert d["summary"]["high"] == len(d["changes"]), d["summary"]
'
dsmap -C "$W" impact HEAD~2 HEAD~1
expect_out '^impact of [0-9a-f]{12} -> [0-9a-f]{12}: [0-9]+ changes \([0-9]+ high, 0 medium, 0 low\)$' \
	"the text form starts with a summary"
expect_out '^       crm: holds it for 300 subjects; declares the purpose \(counts of the scan of [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC\)$' \
	"and names systems, subjects and the date of the scan counted"
expect_out '^       not reached, though they hold a category concerned: weblog$' \
	"a system that holds a category of the purpose without serving it is only mentioned"

dsmap -C "$W" impact --format json HEAD~1 HEAD
json "Carol's commit: the recipient and the system's purpose go, a category is left orphaned" '
types = [c["type"] for c in d["changes"]]
assert "purpose-recipient-removed" in types and "system-purpose-removed" in types, types
o = [c for c in d["changes"] if c["type"] == "category-orphaned"]
assert [c["category"] for c in o] == ["collected/national-register-number"], o
assert o[0]["severity"] == "high" and o[0]["systems"][0]["subjects_at_least"] == 300, o
sp = [c for c in d["changes"] if c["type"] == "system-purpose-removed"][0]
assert [s["system"] for s in sp["systems"]] == ["crm"], sp
'

dsmap -C "$W" impact --format json 2027-02-01 2027-02-28
json "2027-02-01 is Alice's commit and 2027-02-28 Bob's" '
assert d["changes"][-1]["type"] == "purpose-recipient-added", d["changes"][-1]
'
dsmap -C "$W" impact no-such-rev HEAD
expect_rc 3 "an unknown revision is not found"
expect_err "'no-such-rev' is neither a revision of the mapping repository nor a date" "and named"
dsmap -C "$W" impact 1990-01-01 HEAD
expect_rc 3 "a date before the first commit names nothing"
expect_err "no commit of the mapping repository on or before 1990-01-01" "and says so"
dsmap -C "$W" impact HEAD
expect_rc 2 "impact needs two revisions"

# ---- history ------------------------------------------------------------------

dsmap -C "$W" history --format json --recipient ads-and-data
json "history of a recipient: removed by Carol, added by Bob, defined since the first commit" '
c = d["commits"]
assert [x["author"] for x in c][:2] == ["Carol", "Bob"] and len(c) == 3, c
assert [x["changes"][0]["type"] for x in c] == ["purpose-recipient-removed",
                                                "purpose-recipient-added", "introduced"], c
assert c[1]["date"] == "2027-02-10T12:00:00Z" and c[1]["message"].startswith("Billing: keep"), c
'
dsmap -C "$W" history --purpose billing-accounting
expect_out '^commit [0-9a-f]{12}  2027-03-10T12:00:00Z  Carol <Carol@example.com>$' "history of a purpose names Carol"
expect_out '^commit [0-9a-f]{12}  2027-02-10T12:00:00Z  Bob <Bob@example.com>$' "and Bob"
expect_out '^  introduced purpose billing-accounting is in the first commit$' "and the first commit"
dsmap -C "$W" history --format json --system crm --since 2027-03-01
json "history of a system since a date" '
assert [x["author"] for x in d["commits"]] == ["Carol"], d["commits"]
assert d["commits"][0]["changes"][0]["type"] == "system-purpose-removed", d["commits"][0]
'
dsmap -C "$W" history --format json --category financial-data
expect_rc 2 "a bare category id that two groups have is a usage error"
expect_err "category 'financial-data' is ambiguous: collected/financial-data, observed/financial-data; write GROUP/ID" \
	"naming the candidates"
dsmap -C "$W" history --format json --category collected/financial-data
json "GROUP/ID names one of them" '
assert [x["author"] for x in d["commits"]][0] == "Bob", d["commits"]
'
dsmap -C "$W" history --purpose x --recipient y
expect_rc 2 "one node at a time"
dsmap -C "$W" history --since yesterday
expect_rc 3 "a --since that is neither a revision nor a date"

# ---- blame --------------------------------------------------------------------

dsmap -C "$W" blame --format json purpose:billing-accounting recipient:ads-and-data
json "blame of a link that came and went" '
assert d["exists"] is False and d["introduced"] is None, d
ev = d["events"]
assert [(e["author"], e["changes"][0]["type"]) for e in ev] == [("Carol", "edge-removed"), ("Bob", "edge-added")], ev
'
dsmap -C "$W" blame recipient:billing-service-providers purpose:billing-accounting
expect_out '^shares billing-accounting -> billing-service-providers: exists at [0-9a-f]{12}$' \
	"blame takes the ends in either order"
expect_out '^introduced by [0-9a-f]{12} on .* by .*: Import the shipped notice mapping$' \
	"a link of the first commit was introduced by it"
dsmap -C "$W" blame --format json system:crm purpose:contract-conclusion
json "blame of a system serving a purpose" '
assert d["edge"] == "serves" and d["exists"] is False, d
assert [e["author"] for e in d["events"]] == ["Carol", "Alice"], d["events"]
'
dsmap -C "$W" blame --format json purpose:billing-accounting category:collected/financial-data
json "blame of a category link lists its retention change" '
assert d["exists"] and d["introduced"]["message"] == "Import the shipped notice mapping", d
assert any(c["type"] == "retention-changed" for e in d["events"] for c in e["changes"]), d["events"]
'
dsmap -C "$W" blame --format json purpose:billing-accounting category:technical-identifiers
json "a bare category id names its one category, as history and lineage take it" '
assert d["exists"] and d["to"] == "observed/technical-identifiers", d
'
dsmap -C "$W" blame purpose:billing-accounting category:financial-data
expect_rc 2 "an ambiguous bare category id is a usage error"
expect_err "category 'financial-data' is ambiguous: collected/financial-data, observed/financial-data; write GROUP/ID" \
	"naming the candidates"
dsmap -C "$W" blame purpose:billing-accounting banana:x
expect_rc 2 "not an edge"
expect_err "purpose and banana are not the ends of an edge" "says what edges there are"

# ---- lineage at a point in time -------------------------------------------------

dsmap -C "$W" status --format json
synced=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["synced"])' "$T_TMP/out")
dsmap -C "$W" lineage --format json --at 2027-02-15 purpose billing-accounting
json "as of mid-February, billing shared with Ads & Data" '
assert "ads-and-data" in d["node"]["recipients"], d["node"]["recipients"]
'
dsmap -C "$W" lineage --format json --at 2027-03-15 purpose billing-accounting
json "as of mid-March, no more" '
assert "ads-and-data" not in d["node"]["recipients"], d["node"]["recipients"]
'
dsmap -C "$W" status --format json
check "lineage --at leaves the synced revision where it was" python3 -c '
import json, sys
assert json.load(open(sys.argv[1]))["synced"] == sys.argv[2]' "$T_TMP/out" "$synced"
dsmap -C "$W" lineage --at 3000-13-45 purpose billing-accounting
expect_rc 3 "a malformed date is no revision either"
dsmap -C "$W" lineage --at 2027-02-31 purpose billing-accounting
expect_rc 3 "a day past the end of its month is no date"

# ---- a broken commit in the line ---------------------------------------------------

sed -i 's/^    - payment-service-providers$/    - payment-service-providerz/' "$P"
commit Dave 2027-04-10 "Typo"
sed -i 's/^    - payment-service-providerz$/    - payment-service-providers/' "$P"
sed -i 's/^      - duration: P5Y$/      - duration: P6Y/' "$P"
commit Erin 2027-05-10 "Fix the typo; keep billing data 6 years"
dsmap -C "$W" history --format json --purpose billing-accounting --since 2027-04-01
json "a broken commit is passed over, and the change between sound mappings is not lost" '
c = d["commits"]
assert [x["author"] for x in c] == ["Erin"], c
t = {(x["type"], x["before"], x["after"]) for x in c[0]["changes"]}
assert ("retention-changed", "5 years after the end of the contract", "6 years after the end of the contract") in t, t
assert not any(x["type"].startswith("purpose-recipient") for x in c[0]["changes"]), c
'

# ---- the history cache (.dsmap/cache/diffs-*/, core/histcache.h) ------------------

# Every question asked again, from a cold cache and then from a warm one:
# the same bytes, broken commit and all.
QUESTIONS="history --format json
history --format json --purpose billing-accounting
history --format json --category observed/billing
history --since 2027-04-01
blame --format json purpose:billing-accounting recipient:ads-and-data
blame --format json recipient:billing-service-providers purpose:billing-accounting
blame --format json system:billing purpose:billing-accounting"
ask_all() {
	echo "$QUESTIONS" | while read -r q; do
		# shellcheck disable=SC2086
		"$DSMAP_BIN" -C "$W" $q 2>&1
		echo "exit $?"
	done > "$1"
}
rm -rf "$W/.dsmap/cache"
ask_all "$T_TMP/cold"
C=$(echo "$W"/.dsmap/cache/diffs-*)
check "a cold run keeps each step it computed, and the broken tree" \
	sh -c "ls '$C'/*-*.json > /dev/null && ls '$C'/*.broken > /dev/null"
check "the cache is private: 0700" [ "$(stat -c %a "$C")" = 700 ]
ask_all "$T_TMP/warm"
check "a warm run answers the same bytes, every question" cmp "$T_TMP/cold" "$T_TMP/warm"
check "no answer failed" sh -c "! grep -q '^exit [^0]' '$T_TMP/cold'"

# A step that the cache holds, whole and with a sound checksum, is read
# rather than computed: changed by hand, it shows.
step=$(grep -l '"retention-changed"' "$C"/*-*.json | head -n 1)
check "a kept step with a retention change" test -n "$step"
python3 - "$step" <<'PY'
import hashlib, json, sys
text = open(sys.argv[1]).read().split("\n", 1)[1]
d = json.loads(text)
for c in d["changes"]:
    if c["type"] == "retention-changed":
        c["detail"] = "READ FROM THE CACHE"
t = json.dumps(d, separators=(",", ":"))
open(sys.argv[1], "w").write(hashlib.blake2b(t.encode(), digest_size=16).hexdigest() + "\n" + t)
PY
dsmap -C "$W" history --format json --purpose billing-accounting
expect_out "READ FROM THE CACHE" "a warm run reads the kept step"
# A file whose checksum does not match is no step: computed again, and
# kept again, sound.
sed -i '1s/^./x/' "$step"
ask_all "$T_TMP/again"
check "a damaged step is computed again: the cold answers" cmp "$T_TMP/cold" "$T_TMP/again"
check "and kept again, sound" sh -c "! grep -q 'READ FROM THE CACHE' '$step' && head -c 1 '$step' | grep -q '[0-9a-f]'"
# Truncated, or not JSON: the same.
: > "$step"
ask_all "$T_TMP/again"
check "an empty step file is computed again" cmp "$T_TMP/cold" "$T_TMP/again"
rm -rf "$W/.dsmap/cache"
ask_all "$T_TMP/again"
check "and with the cache deleted, the same answers" cmp "$T_TMP/cold" "$T_TMP/again"
finish
