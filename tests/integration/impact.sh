#!/bin/sh
# dsmap impact: which systems a change reaches (those whose definition it
# concerns, judged at the right revision), which ones only hold a category
# of it, the subjects counted and the scan they come from, and systems
# that come and go.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"

DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH

dsmap init ws
W=$T_TMP/ws
S=$W/mappings/systems
PU=$W/mappings/purposes
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
ch = d['changes']
def of(t, **k):
    return [c for c in ch if c['type'] == t and all(c[x] == v for x, v in k.items())]
def names(c):
    return [s['system'] for s in c['systems']]
def also(c):
    return [s['system'] for s in c['also_hold']]
$*" "$T_TMP/out"
}

# sound REV_FROM REV_TO: the invariants every answer keeps, for every change
# type (see the table of docs/history.md): each system reached declares,
# at the revisions 'at' names, what the change concerns; 'holds' agrees
# with the counts; an added thing is judged at TO, a removed one at FROM;
# 'also_hold' never repeats a reached system and has no counts; and no
# system defined at neither revision is listed.
sound() {
	check "$3: every change's systems are sound" python3 - "$T_TMP/out" "$W" "$1" "$2" <<'EOF'
import json, re, subprocess, sys
d = json.load(open(sys.argv[1]))
ws, ra, rb = sys.argv[2:5]
def systems_at(rev):
    out = subprocess.run(["git", "-C", ws, "ls-tree", "--name-only", rev, "mappings/systems/"],
                         capture_output=True, text=True, check=True).stdout.split()
    res = {}
    for path in out:
        if not path.endswith(".yaml"):
            continue
        text = subprocess.run(["git", "-C", ws, "show", rev + ":" + path], capture_output=True,
                              text=True, check=True).stdout
        m = re.search(r"^  purposes: \[(.*)\]$", text, re.M)
        res[path.split("/")[-1][:-5]] = [p.strip() for p in m.group(1).split(",")] if m else []
    return res
A, B = systems_at(ra), systems_at(rb)
added = {"purpose-added", "recipient-added", "category-added", "system-added",
         "system-purpose-added"}
removed = {"purpose-removed", "recipient-removed", "category-removed", "system-removed",
           "system-purpose-removed"}
renames = {c["purpose"]: c["before"].split(": ")[0] for c in d["changes"]
           if c["type"] == "purpose-renamed"}
bad = []
assert d["schema"] == 2, d["schema"]
for c in d["changes"]:
    t = c["type"]
    for s in c["systems"]:
        sid, at = s["system"], s["at"]
        if not s["declares"]:
            bad.append((t, sid, "declares false"))
        if s["holds"] != (s["subjects_at_least"] > 0):
            bad.append((t, sid, "holds disagrees with the count"))
        if s["subjects_at_least"] > s["subjects_at_most"]:
            bad.append((t, sid, "bounds"))
        if s["last_scan"] is None and s["subjects_at_most"] != 0:
            bad.append((t, sid, "counts without a scan"))
        if t in added and at != "to" or t in removed and at != "from":
            bad.append((t, sid, "judged at " + at))
        if (at in ("from", "both") and sid not in A) or (at in ("to", "both") and sid not in B):
            bad.append((t, sid, "not defined where it is judged"))
        if c["system"] is not None and sid != c["system"]:
            bad.append((t, sid, "not the system the change names"))
        if c["system"] is None and c["purpose"] is not None and t != "category-orphaned":
            p = c["purpose"]
            if at in ("from", "both") and renames.get(p, p) not in A.get(sid, []):
                bad.append((t, sid, "did not serve the purpose at FROM"))
            if at in ("to", "both") and p not in B.get(sid, []):
                bad.append((t, sid, "does not serve the purpose at TO"))
    for s in c["also_hold"]:
        if s["system"] in [x["system"] for x in c["systems"]] or set(s) != {"system", "categories"}:
            bad.append((t, s["system"], "also_hold"))
        if s["system"] not in A and s["system"] not in B:
            bad.append((t, s["system"], "also_hold: defined at neither"))
        if c["system"] is not None:
            bad.append((t, s["system"], "also_hold for a system change"))
    if c["system"] is not None and t != "system-removed" and t != "system-added" \
            and not c["systems"]:
        bad.append((t, c["system"], "the system the change names is missing"))
assert not bad, bad
EOF
}

# ---- three systems serving different purposes ----------------------------------

python3 "$DSMAP_SRCDIR/bench/gen-sources.py" "$W" 300
sed -i 's/^  purposes: \[contract-conclusion, after-sales-customer-service, billing-accounting\]$/  purposes: [contract-conclusion, after-sales-customer-service]/' "$S/crm.yaml"
check "the CRM no longer serves billing" \
	grep -q '^  purposes: \[contract-conclusion, after-sales-customer-service\]$' "$S/crm.yaml"
commit Alice 2027-01-10 "CRM: contracts and after-sales; billing: billing and debts; web log: service and TV ads"
dsmap -C "$W" scan --quiet
expect_rc 0 "scan the three systems"

# Bob: billing keeps 5 years instead of 7 and shares with Ads & Data; the TV
# advertising purpose goes (the web log served it); a new category is used
# for debt collection.
sed -i 's/^      - duration: P7Y$/      - duration: P5Y/' "$PU/billing-accounting.yaml"
sed -i 's/^    - payment-service-providers$/    - payment-service-providers\n    - ads-and-data/' \
	"$PU/billing-accounting.yaml"
rm "$PU/personalised-tv-advertising.yaml"
sed -i 's/^  purposes: \[service-provision, personalised-tv-advertising\]$/  purposes: [service-provision]/' "$S/weblog.yaml"
cat >> "$W/mappings/categories.yaml" <<'EOF'
  - id: payment-scores
    group: derived
    section: "4.4"
    name_fr: "Scores de paiement"
    name_en: "Payment scores"
    examples: []
EOF
sed -i 's/^      - segmentation$/      - segmentation\n      - payment-scores/' "$PU/debt-collection.yaml"
commit Bob 2027-02-10 "Billing 5 years and Ads & Data; no more TV advertising; payment scores"
dsmap -C "$W" check
expect_rc 0 "Bob's mapping is sound"

dsmap -C "$W" impact --format json HEAD~1 HEAD
expect_rc 0 "impact of Bob's commit"
sound HEAD~1 HEAD "Bob's commit"
json "a retention change to a purpose one system serves reaches that system only" '
r = of("retention-changed", purpose="billing-accounting")
assert len(r) >= 5, ch
for c in r:
    assert names(c) == ["billing"], c
    assert c["severity"] == "high" and "purged" in c["why"], c
c = of("retention-changed", category="collected/financial-data")[0]
s = c["systems"][0]
assert s["holds"] and s["subjects_at_least"] == 300 and s["at"] == "both", s
assert s["last_scan"].startswith("20") and s["last_scan"].endswith("Z"), s
assert also(c) == ["crm"], c
assert c["also_hold"][0]["categories"] == ["collected/financial-data"], c
c = of("retention-changed", category="collected/identification-contact")[0]
assert not c["systems"][0]["holds"] and c["systems"][0]["subjects_at_most"] == 0, c
assert also(c) == ["crm"], c
'
json "a removed purpose reaches the systems that served it at FROM, as declaring it" '
c = of("purpose-removed", purpose="personalised-tv-advertising")[0]
assert names(c) == ["weblog"], c
s = c["systems"][0]
assert s["declares"] is True and s["at"] == "from", s
assert "weblog" not in also(c) and "crm" in also(c), c
c = of("system-purpose-removed", system="weblog")[0]
assert names(c) == ["weblog"] and c["systems"][0]["at"] == "from", c
assert c["systems"][0]["declares"] and c["also_hold"] == [], c
'
json "a new recipient reaches the purpose's servers only" '
c = of("purpose-recipient-added", recipient="ads-and-data")[0]
assert names(c) == ["billing"] and c["severity"] == "high", c
assert sorted(also(c)) == ["crm", "weblog"], c
'
json "a new category reaches the systems serving a purpose that uses it, at TO" '
c = of("category-added", category="derived/payment-scores")[0]
assert names(c) == ["billing"] and c["systems"][0]["at"] == "to", c
assert not c["systems"][0]["holds"], c
c = of("purpose-category-added", purpose="debt-collection")[0]
assert names(c) == ["billing"], c
'
dsmap -C "$W" impact HEAD~1 HEAD
expect_out '^       billing: holds it for 300 subjects; declares the purpose \(counts of the scan of [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC\)$' \
	"text: the system reached, its subjects and the date of its scan"
expect_out '^       not reached, though they hold a category concerned: crm$' \
	"text: a holder that does not serve the purpose is only mentioned"
expect_out '^       weblog: holds none of it; declared the purpose \(counts of the scan of' \
	"text: a system that served a removed purpose declared it"
check "text: no system but billing is told about the retention" python3 -c '
import sys
for block in open(sys.argv[1]).read().split("\n\n")[1:]:
    lines = block.splitlines()
    if "retention of" in lines[0]:
        told = [l.split(":")[0].strip() for l in lines[2:] if not l.startswith("       not reached")]
        assert told == ["billing"], block
' "$T_TMP/out"

# ---- a system goes ------------------------------------------------------------

rm "$S/weblog.yaml"
commit Carol 2027-03-10 "The web log is gone"
dsmap -C "$W" impact --format json HEAD~1 HEAD
sound HEAD~1 HEAD "Carol's commit, before a scan"
json "a removed system is reported with its subjects" '
c = of("system-removed", system="weblog")[0]
s = c["systems"][0]
assert s["at"] == "from" and s["holds"] and s["subjects_at_least"] == 300, s
assert s["last_scan"] is not None, s
'
dsmap -C "$W" scan --quiet
expect_rc 0 "scan without the web log"
dsmap -C "$W" impact --format json HEAD~1 HEAD
sound HEAD~1 HEAD "Carol's commit, after a scan"
json "after a scan, the removed system still has its subjects" '
c = of("system-removed", system="weblog")[0]
s = c["systems"][0]
assert s["subjects_at_least"] == 300 and s["last_scan"] is not None, s
'

# ---- a system comes -----------------------------------------------------------

sed -e 's/^  id: billing$/  id: ledger/' -e 's/^  name: Billing export (CSV)$/  name: Ledger (CSV)/' \
	-e 's/^  purposes: \[billing-accounting, debt-collection\]$/  purposes: [billing-accounting]/' \
	"$S/billing.yaml" > "$S/ledger.yaml"
sed -i 's/^  purposes: \[contract-conclusion, after-sales-customer-service\]$/  purposes: [contract-conclusion, after-sales-customer-service, debt-collection]/' "$S/crm.yaml"
sed -i 's/^        birth_date: collected\/personal-characteristics$/        birth_date: [collected\/personal-characteristics, derived\/payment-scores]/' "$S/crm.yaml"
sed -i 's/^      - duration: P5Y$/      - duration: P6Y/' "$PU/billing-accounting.yaml"
commit Dave 2027-04-10 "A ledger; the CRM collects debts"
dsmap -C "$W" check
expect_rc 0 "Dave's mapping is sound"
dsmap -C "$W" impact --format json HEAD~1 HEAD
sound HEAD~1 HEAD "Dave's commit, before a scan"
json "a new system never scanned is reached, not counted, and says so" '
c = of("system-added", system="ledger")[0]
s = c["systems"][0]
assert s["at"] == "to" and s["declares"] and s["last_scan"] is None, s
assert s["subjects_at_least"] == 0 and not s["holds"], s
r = of("retention-changed", category="collected/financial-data")[0]
assert names(r) == ["billing", "ledger"], r
assert [x["at"] for x in r["systems"]] == ["both", "to"], r
assert also(r) == ["crm"], r
'
json "a system gone before both revisions is listed nowhere" '
assert "weblog" not in json.dumps(d), [c["type"] for c in ch if "weblog" in json.dumps(c)]
'
json "a system that takes on a purpose is reached for it, at TO" '
c = of("system-purpose-added", system="crm")[0]
assert names(c) == ["crm"] and c["systems"][0]["at"] == "to" and c["systems"][0]["holds"], c
c = of("system-mapping-changed", system="crm")[0]
assert names(c) == ["crm"] and c["systems"][0]["at"] == "both", c
'
dsmap -C "$W" impact HEAD~1 HEAD
expect_out '^       ledger: not counted \(never scanned\)$' "text: a system never scanned says so"

dsmap -C "$W" scan --quiet
expect_rc 0 "scan the ledger"
dsmap -C "$W" impact --format json HEAD~1 HEAD
sound HEAD~1 HEAD "Dave's commit, after a scan"
json "once scanned, the new system is counted" '
c = of("system-added", system="ledger")[0]
s = c["systems"][0]
assert s["holds"] and s["subjects_at_least"] == 300 and s["last_scan"] is not None, s
'

# ---- the purposes' other changes ------------------------------------------------

# Erin: debt collection becomes debt recovery (a rename) on one more legal
# basis, without payment scores (the category goes); billing stops sharing
# with Ads & Data and shares with a new recipient outside the EEA; the
# bailiffs become other controllers.
git -C "$W" mv mappings/purposes/debt-collection.yaml mappings/purposes/debt-recovery.yaml
DR=$PU/debt-recovery.yaml
sed -i -e 's/^  id: debt-collection$/  id: debt-recovery/' -e '/^      - payment-scores$/d' \
	-e 's/^    - gdpr: "6(1)(b)"$/    - gdpr: "6(1)(f)"\n      text_fr: "intérêt légitime"\n    - gdpr: "6(1)(b)"/' "$DR"
sed -i 's/, debt-collection\]$/, debt-recovery]/' "$S/crm.yaml" "$S/billing.yaml"
sed -i 's/^        birth_date: \[collected\/personal-characteristics, derived\/payment-scores\]$/        birth_date: collected\/personal-characteristics/' "$S/crm.yaml"
head -n -6 "$W/mappings/categories.yaml" > "$T_TMP/cats" && cat "$T_TMP/cats" > "$W/mappings/categories.yaml"
sed -i -e '/^    - ads-and-data$/d' \
	-e 's/^    - payment-service-providers$/    - payment-service-providers\n    - offshore-archives/' \
	"$PU/billing-accounting.yaml"
printf '%s\n' '  - id: offshore-archives' '    kind: processor' '    section: "5.1"' \
	'    name_fr: "Archives hors EEE"' '    name_en: "Offshore archives"' \
	'    transfers_outside_eea:' '      - section: "5.1"' '        countries: [US]' \
	'        safeguards:' '          - standard-contractual-clauses' '        text_fr: "Archives aux Etats-Unis"' \
	>> "$W/mappings/recipients.yaml"
awk '/^  - id: debt-collection-agencies-bailiffs$/ { print; getline; print "    kind: other-controller"; next } { print }' \
	"$W/mappings/recipients.yaml" > "$T_TMP/rec" && cat "$T_TMP/rec" > "$W/mappings/recipients.yaml"
commit Erin 2027-05-10 "Debt recovery; offshore archives"
dsmap -C "$W" check
expect_rc 0 "Erin's mapping is sound"
dsmap -C "$W" impact --format json HEAD~1 HEAD
expect_rc 0 "impact of Erin's commit"
sound HEAD~1 HEAD "Erin's commit"
json "a renamed purpose reaches its servers under both ids" '
c = of("purpose-renamed", purpose="debt-recovery")[0]
assert names(c) == ["billing", "crm"] and all(s["at"] == "both" for s in c["systems"]), c
c = of("legal-basis-changed", purpose="debt-recovery")[0]
assert names(c) == ["billing", "crm"] and c["severity"] == "high", c
'
json "a category that goes reaches the servers of the purposes that used it, at FROM" '
c = of("category-removed", category="derived/payment-scores")[0]
assert names(c) == ["billing", "crm"] and all(s["at"] == "from" for s in c["systems"]), c
c = of("purpose-category-removed", purpose="debt-recovery")[0]
assert names(c) == ["billing", "crm"], c
'
json "recipients: a new one reaches the servers of the purposes sharing with it at TO" '
c = of("recipient-added", recipient="offshore-archives")[0]
assert names(c) == ["billing", "ledger"] and c["severity"] == "high", c
assert all(s["at"] == "to" for s in c["systems"]) and also(c) == ["crm"], c
c = of("purpose-recipient-removed", recipient="ads-and-data")[0]
assert names(c) == ["billing", "ledger"], c
c = of("recipient-kind-changed", recipient="debt-collection-agencies-bailiffs")[0]
assert names(c) == ["billing", "crm"], c
'

# ---- old revisions ------------------------------------------------------------

dsmap -C "$W" impact --format json HEAD~4 HEAD~3
expect_rc 0 "impact between two old revisions"
sound HEAD~4 HEAD~3 "Bob's commit, seen later"
json "a system defined at neither old revision is listed nowhere" '
assert "ledger" not in json.dumps(d), [c["type"] for c in ch if "ledger" in json.dumps(c)]
c = of("retention-changed", category="collected/financial-data")[0]
assert names(c) == ["billing"] and also(c) == ["crm"], c
'
dsmap -C "$W" impact --format json HEAD~4 HEAD~1
sound HEAD~4 HEAD~1 "from Alice's to Dave's"
json "a system defined at FROM only is reported removed with its subjects" '
c = of("system-removed", system="weblog")[0]
assert c["systems"][0]["subjects_at_least"] == 300 and c["systems"][0]["at"] == "from", c
'
finish
