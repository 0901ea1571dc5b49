#!/bin/sh
# dsmap ropa: the art. 30(1) register of the shipped notice.
#  - five purposes checked field by field against the notice text (the
#    seed, ../shared/seeds/000_59db26d635af6ad0.txt; the line numbers
#    below are that file's);
#  - the CSV read back by Python's csv module, the JSON keys, the HTML
#    footer and its escaping of a hostile title;
#  - two dates whose registers differ exactly by the commit between them;
#  - the errors: before any sync, a date before the first commit, an
#    unknown revision, a bad format, a revision whose commit is gone.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
cd "$T_TMP"
W=$T_TMP/ws
M=$W/mappings
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
E = {e['purpose']['id']: e for e in d['entries']}
$*" "$T_TMP/out"
}
# A fixed generation date: 2027-01-15T00:00:00Z.
SOURCE_DATE_EPOCH=1799971200
export SOURCE_DATE_EPOCH

dsmap init "$W"
expect_rc 0 "init"
dsmap -C "$W" ropa
expect_rc 3 "ropa before any sync is 'not found'"
expect_err "^dsmap: ropa: nothing is synced yet; run 'dsmap sync' first$" "and says what to do"

# A system serving two of the five purposes checked below.
cat > "$M/systems/crm.yaml" <<'YAML'
schema: 1
system:
  id: crm
  name: "Customer CRM"
  plugin: synthetic
  purposes: [billing-accounting, camera-surveillance]
  sources:
    - name: customers
      identifiers:
        customer_no: customer-number
      categories:
        name: collected/identification-contact
YAML
commit Alice 2027-01-10 "Declare the CRM"
dsmap -C "$W" sync
expect_rc 0 "sync"

# ---- usage errors -----------------------------------------------------------
dsmap -C "$W" ropa --format xml
expect_rc 2 "an unknown format is a usage error"
expect_err "^dsmap: ropa: unknown format 'xml' \(text, json, csv, html, xlsx\)$" "naming the formats"
dsmap -C "$W" ropa --lang de
expect_rc 2 "an unknown language is a usage error"
dsmap -C "$W" ropa extra
expect_rc 2 "an argument is a usage error"
SOURCE_DATE_EPOCH=soon dsmap -C "$W" ropa
expect_rc 2 "a SOURCE_DATE_EPOCH that is no number is a usage error"
dsmap -C "$W" help ropa
expect_rc 0 "help ropa"
expect_out "^usage: dsmap ropa \[--at REV\|DATE\] \[--format text\|json\|csv\|html\|xlsx\]" "shows the usage"

# ---- JSON: the documented keys ------------------------------------------------
dsmap -C "$W" ropa --format json
expect_rc 0 "ropa --format json"
json "the register has the documented keys" '
assert sorted(d) == sorted(["schema", "kind", "revision", "generated_at", "notice", "controller",
    "dpo", "contacts", "transfers_outside_eea", "entries"]), sorted(d)
assert d["schema"] == 1 and d["kind"] == "ropa" and len(d["revision"]) == 40
assert d["generated_at"] == "2027-01-15T00:00:00Z", d["generated_at"]
assert sorted(d["notice"]) == ["id", "language", "title_en", "title_fr", "version"], d["notice"]
for e in d["entries"]:
    assert sorted(e) == sorted(["purpose", "joint_controllers", "subject_kinds", "categories",
        "recipient_kinds", "recipients", "transfers", "retention", "legal_bases", "systems"]), sorted(e)
    assert sorted(e["retention"]) == ["by_category", "rules", "text_fr"], e["retention"]
'
check "one entry per purpose file of the mapping" python3 -c '
import json, os, sys
d = json.load(open(sys.argv[1]))
files = sorted(f[:-5] for f in os.listdir(sys.argv[2]) if f.endswith(".yaml"))
assert sorted(e["purpose"]["id"] for e in d["entries"]) == files
' "$T_TMP/out" "$M/purposes"
json "entries come in section order (6.1.1.1 first, 6.3.2.1 before 6.3.10 if any)" '
key = lambda s: [int(x) for x in s.split(".")]
secs = [e["purpose"]["section"] for e in d["entries"]]
assert secs == sorted(secs, key=key), secs
assert secs[0] == "6.1.1.1", secs[0]
'

# ---- the controller and the DPO -------------------------------------------------
# notice line 15: "... Proximus SA de droit public (Bd du Roi Albert II, 27,
# 1030 Bruxelles)"; lines 2224-2234 (section 13): "E-mail :
# privacy@proximus.com", "Adresse : Boulevard du Roi Albert II, 27 - 1030
# Bruxelles"; line 141: customer service "0800 33 800".
json "controller and DPO as the notice states them (lines 15, 2230, 2232)" '
assert d["controller"]["name"] == "Proximus SA de droit public", d["controller"]
assert d["controller"]["address"] == "Bd du Roi Albert II, 27, 1030 Bruxelles", d["controller"]
assert d["dpo"]["email"] == "privacy@proximus.com", d["dpo"]
assert d["dpo"]["address"] == "Boulevard du Roi Albert II, 27 - 1030 Bruxelles", d["dpo"]
assert d["dpo"]["section"] == "13", d["dpo"]
c = {x["id"]: x for x in d["contacts"]}
assert c["customer-service"]["phone"] == "0800 33 800", c["customer-service"]
'

# ---- five purposes, field by field ---------------------------------------------
cats() { echo 'sorted(c["ref"] for c in e["categories"])'; }
# 6.1.1.1, lines 165-181: "Données observées ou générées : Enregistrements
# d'images et de vidéos" (169); "Notre intérêt légitime (article 6(1)(f) du
# RGPD)" (173); "conservés pendant un mois" (177); "partagées avec les
# autorités judiciaires et les forces de police" (181).
json "6.1.1.1 camera surveillance (lines 165-181)" '
e = E["camera-surveillance"]
assert e["purpose"] == {"id": "camera-surveillance", "section": "6.1.1.1",
    "title_fr": "Surveillance par caméra", "title_en": "Camera surveillance"}, e["purpose"]
assert '"$(cats)"' == ["observed/image-video-recordings"]
assert [b["gdpr"] for b in e["legal_bases"]] == ["6(1)(f)"]
r = e["retention"]["rules"]
assert len(r) == 1 and r[0]["duration"] == "P1M" and r[0]["categories"] is None, r
assert r[0]["period_fr"] == "1 mois à compter de l'"'"'enregistrement", r[0]
assert sorted(x["id"] for x in e["recipients"]) == ["judicial-authorities", "police-forces"]
assert e["recipient_kinds"] == ["authority"] and e["joint_controllers"] == [] and e["transfers"] == []
assert e["systems"] == ["crm"], e["systems"]
'
# 6.1.1.2, lines 189-203: "Données collectées : Informations
# d'identification et de contact" (193); "intérêt légitime (art. 6(1)(f)
# RGPD)" (197); "trois ans à compter du jour de la visite" (201); "le
# partenaire auquel nous faisons appel pour la gestion des visiteurs" (205),
# a processor, so section 5.1's transfers apply (lines 125, 127).
json "6.1.1.2 visitor management (lines 189-205, 125-127)" '
e = E["visitor-management"]
assert e["purpose"]["section"] == "6.1.1.2" and e["purpose"]["title_fr"] == "Gestion des visiteurs"
assert '"$(cats)"' == ["collected/identification-contact"]
assert [b["gdpr"] for b in e["legal_bases"]] == ["6(1)(f)"]
r = e["retention"]["rules"]
assert [(x["duration"], x["trigger"]) for x in r] == [("P3Y", "visit")], r
assert r[0]["period_en"] == "3 years from the visit", r[0]["period_en"]
assert e["recipient_kinds"] == ["processor"], e["recipient_kinds"]
t = e["transfers"]
assert [x["from"] for x in t] == ["notice", "notice"], t
assert t[0]["safeguards"] == ["adequacy-decision", "standard-contractual-clauses"], t[0]
assert t[1]["safeguards"] == ["necessary-for-service"], t[1]
assert e["systems"] == []
'
# 6.1.2, lines 213-227: collected identification and contact data,
# observed "Enregistrements des interactions avec le service clientèle"
# (217-218); "art. 6(1)(f) RGPD ... l'art. 10/1 de la loi belge sur la
# protection des données" (222); "un mois à compter de la communication
# électronique" (226); no recipients section.
json "6.1.2 call recording (lines 213-227)" '
e = E["call-recording-quality-control"]
assert e["purpose"]["section"] == "6.1.2"
assert '"$(cats)"' == ["collected/identification-contact", "observed/customer-service-recordings"], e["categories"]
b = e["legal_bases"]
assert [(x["gdpr"], x["articles"], x["law"]) for x in b] == \
    [("6(1)(f)", ["10/1"], "loi belge sur la protection des données")], b
r = e["retention"]["rules"]
assert [(x["duration"], x["trigger"]) for x in r] == [("P1M", "communication")], r
assert e["recipients"] == [] and e["transfers"] == []
'
# 6.3.2.1, lines 509-527: collected identification/contact, personal
# characteristics, financial data (513); six observed categories (515);
# "art. 6(1)(b) RGPD ou ... art. 6(1)(f) RGPD ... l'art. 122, §2 de la loi
# belge relative aux communications électroniques" (519); "toute la durée
# du contrat ... et pendant sept années supplémentaires" (523); billing
# service providers, the employer, payment service providers (527).
json "6.3.2.1 billing and accounting (lines 509-527)" '
e = E["billing-accounting"]
assert e["purpose"]["title_fr"] == "Facturation et comptabilité"
c = '"$(cats)"'
assert c == sorted(["collected/identification-contact", "collected/personal-characteristics",
    "collected/financial-data", "observed/internal-identifiers", "observed/technical-identifiers",
    "observed/product-subscription", "observed/product-usage", "observed/billing",
    "observed/electronic-communications-data"]), c
b = e["legal_bases"]
assert [x["gdpr"] for x in b] == ["6(1)(b)", "6(1)(f)"] and b[1]["articles"] == ["122 §2"], b
r = e["retention"]["rules"]
assert [(x["duration"], x["trigger"]) for x in r] == [("P7Y", "end-of-contract")], r
assert r[0]["period_en"] == "7 years after the end of the contract", r[0]["period_en"]
assert all(x["periods_en"] == [r[0]["period_en"]] for x in e["retention"]["by_category"])
assert sorted(x["id"] for x in e["recipients"]) == ["billing-service-providers",
    "employer-or-business-relations", "payment-service-providers"], e["recipients"]
assert e["systems"] == ["crm"]
'
# 7.2.3.2, lines 1714-1770: three groups of categories (1718-1722); "Votre
# consentement (art. 6(1)(a) RGPD)" (1726); identification data and
# characteristics "pendant toute la durée où vous êtes client", habits one
# year from collection, interactions 2 years (1730-1734); "Ads & Data, en
# tant que responsable de traitement conjoint" (1738); outside the EEA "les
# clauses contractuelles types européennes" (1770).
json "7.2.3.2 Ads & Data (lines 1714-1770)" '
e = E["ads-and-data-targeted-advertising"]
assert e["purpose"]["section"] == "7.2.3.2"
assert len(e["categories"]) == 5 and {c["group"] for c in e["categories"]} == {"collected", "observed", "derived"}
assert [x["gdpr"] for x in e["legal_bases"]] == ["6(1)(a)"]
p = {tuple(x["categories"] or []): (x["duration"], x["trigger"]) for x in e["retention"]["rules"]}
assert p[("observed/consumption-habits",)] == ("P1Y", "collection"), p
assert p[("collected/customer-interactions",)] == ("P2Y", "interaction"), p
assert [j["id"] for j in e["joint_controllers"]] == ["ads-and-data"], e["joint_controllers"]
assert "joint-controller" in e["recipient_kinds"]
t = [x for x in e["transfers"] if x["from"] == "purpose"]
assert len(t) == 1 and t[0]["section"] == "7.2.3.2" and t[0]["safeguards"] == ["standard-contractual-clauses"], t
'

# ---- text ----------------------------------------------------------------------
dsmap -C "$W" ropa
expect_rc 0 "ropa (text, in the notice's language)"
expect_out "^Registre des activités de traitement \(art. 30\(1\) RGPD\)$" "is titled in French"
expect_out "^6\.3\.2\.1  Facturation et comptabilité  \[billing-accounting\]$" "with a block per purpose"
expect_out "^  Durée de conservation: toutes les catégories: 7 ans après la fin du contrat" "and retention in words"
dsmap -C "$W" ropa --lang en
expect_out "^  Legal basis: GDPR art\. 6\(1\)\(b\) \(performance of a contract\)$" "in English with --lang en"

# ---- CSV -----------------------------------------------------------------------
dsmap -C "$W" ropa --format csv --lang en
expect_rc 0 "ropa --format csv"
cp "$T_TMP/out" "$T_TMP/jan.csv"
check "the CSV reads back with Python's csv module, one row per purpose" python3 -c '
import csv, json, sys
raw = open(sys.argv[1], "rb").read()
raw.decode("utf-8")
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8"), strict=True))
assert rows[0][:4] == ["Section", "Purpose id", "Purpose (French)", "Purpose (English)"], rows[0]
assert len(rows) == 52 and all(len(r) == 15 for r in rows), (len(rows), {len(r) for r in rows})
# every record ends with CRLF; a bare LF only inside a quoted cell
assert raw.endswith(b"\r\n") and raw.count(b"\r\n") == 52, raw.count(b"\r\n")
h = rows[0]
b = [r for r in rows if r[1] == "billing-accounting"][0]
cell = dict(zip(h, b))
assert cell["Section"] == "6.3.2.1" and cell["Purpose (French)"] == "Facturation et comptabilité"
assert cell["Controller"] == "Proximus SA de droit public\nBd du Roi Albert II, 27, 1030 Bruxelles", cell["Controller"]
assert cell["Legal basis"].split("\n") == ["GDPR art. 6(1)(b) (performance of a contract)",
    "GDPR art. 6(1)(f) (legitimate interests); art. 122 §2, loi du 13 juin 2005 relative aux communications électroniques"], cell["Legal basis"]
assert cell["Retention"].startswith("all categories: 7 years after the end of the contract"), cell["Retention"]
assert cell["Systems"] == "crm"
assert len(cell["Categories of personal data"].split("\n")) == 9
' "$T_TMP/out"

# ---- XLSX ------------------------------------------------------------------------
# openpyxl from Debian (python3-openpyxl): the python3 on PATH may be another.
PYX=python3
python3 -c 'import openpyxl' 2> /dev/null || PYX=/usr/bin/python3
check "openpyxl is installed (Debian: python3-openpyxl)" $PYX -c 'import openpyxl'
dsmap -C "$W" ropa --format xlsx --lang en
expect_rc 0 "ropa --format xlsx"
cp "$T_TMP/out" "$T_TMP/jan.xlsx"
check "the workbook opens with openpyxl: one sheet, frozen header, filters, the CSV's cells" $PYX -c '
import csv, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
assert len(wb.sheetnames) == 1, wb.sheetnames
ws = wb.active
assert ws.freeze_panes == "A2", ws.freeze_panes
assert ws.auto_filter.ref == "A1:O52", ws.auto_filter.ref
assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
rows = list(csv.reader(open(sys.argv[2], newline="", encoding="utf-8")))
got = [[c if c is not None else "" for c in r] for r in ws.iter_rows(values_only=True)]
assert got == rows, [(i, a, b) for i, (a, b) in enumerate(zip(got, rows)) if a != b][:2]
f = ws.oddFooter.left.text
assert "seed-000-59db26d635af6ad0" in f and "2027-01-15T00:00:00Z" in f, f
assert sys.argv[3] in wb.properties.description, wb.properties.description
' "$T_TMP/jan.xlsx" "$T_TMP/jan.csv" "$(git -C "$W" rev-parse HEAD)"

# ---- HTML, and a hostile title --------------------------------------------------
sed -i 's/^  title_en: "Visitor management"$/  title_en: "<script>alert(\\"x, y\\")<\/script> \& co"/' \
	"$M/purposes/visitor-management.yaml"
check "the hostile title is in the mapping" grep -q '<script>' "$M/purposes/visitor-management.yaml"
commit Mallory 2027-01-20 "A title with markup"
dsmap -C "$W" ropa --at 2027-01-21 --format html --lang en
expect_rc 0 "ropa --format html"
REV=$(git -C "$W" rev-parse HEAD)
check "the HTML escapes the hostile title" python3 -c '
import sys
h = open(sys.argv[1], encoding="utf-8").read()
assert "<script" not in h, "raw <script> in the HTML"
assert "&lt;script&gt;alert(&quot;x, y&quot;)&lt;/script&gt; &amp; co" in h
' "$T_TMP/out"
check "the HTML is one printable A4 landscape document with a repeated header" python3 -c '
import sys
h = open(sys.argv[1], encoding="utf-8").read()
assert h.startswith("<!DOCTYPE html>") and h.rstrip().endswith("</html>")
assert "@page { size: A4 landscape;" in h and "<thead>" in h and "table-header-group" in h
for bad in ("http://", "https://www.", "<link", " src=", "@import"):
    assert bad not in h.split("<body>")[0], bad
' "$T_TMP/out"
check "the footer has the notice version, the commit and the generation date" python3 -c '
import re, sys
h = open(sys.argv[1], encoding="utf-8").read()
f = re.search(r"<footer>(.*?)</footer>", h, re.S).group(1)
assert "seed-000-59db26d635af6ad0" in f and sys.argv[2] in f and "2027-01-15T00:00:00Z" in f, f
' "$T_TMP/out" "$REV"
dsmap -C "$W" ropa --at 2027-01-21 --format csv
check "the hostile title reads back from the CSV unchanged" python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8"), strict=True))
r = [r for r in rows if r[1] == "visitor-management"][0]
assert r[3] == "<script>alert(\"x, y\")</script> & co", r[3]
' "$T_TMP/out"

# ---- two dates differ exactly by the commit between them -------------------------
sed -i 's/^      - duration: P3Y$/      - duration: P2Y/' "$M/purposes/visitor-management.yaml"
commit Bob 2027-02-10 "Visitors: keep 2 years"
dsmap -C "$W" ropa --at 2027-01-31 --format json
cp "$T_TMP/out" "$T_TMP/jan.json"
dsmap -C "$W" ropa --at 2027-02-28 --format json
expect_rc 0 "ropa --at a date after Bob's commit"
check "the two registers differ by Bob's change only" python3 -c '
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert a["revision"] != b["revision"]
diff = []
def walk(x, y, path):
    if type(x) != type(y):
        diff.append(path)
    elif isinstance(x, dict):
        for k in sorted(set(x) | set(y)):
            walk(x.get(k), y.get(k), path + "/" + k)
    elif isinstance(x, list):
        if len(x) != len(y):
            diff.append(path)
        else:
            for i, (p, q) in enumerate(zip(x, y)):
                walk(p, q, path + "/" + str(i))
    elif x != y:
        diff.append(path)
walk(a, b, "")
i = [e["purpose"]["id"] for e in a["entries"]].index("visitor-management")
r = "/entries/%d/retention/" % i
assert sorted(diff) == sorted(["/revision", r + "by_category/0/periods_en/0", r + "by_category/0/periods_fr/0",
    r + "rules/0/duration", r + "rules/0/period_en", r + "rules/0/period_fr"]), diff
assert b["entries"][i]["retention"]["rules"][0]["period_en"] == "2 years from the visit"
' "$T_TMP/jan.json" "$T_TMP/out"
dsmap -C "$W" ropa --at 2027-01-31 --format csv --lang en
cp "$T_TMP/out" "$T_TMP/a.csv"
dsmap -C "$W" ropa --at 2027-02-28 --format csv --lang en
check "in CSV, one cell of one row differs: visitor-management's retention" python3 -c '
import csv, sys
a, b = (list(csv.reader(open(f, newline="", encoding="utf-8"))) for f in sys.argv[1:3])
d = [(r[1], a[0][c]) for r, s in zip(a, b) for c in range(len(r)) if r[c] != s[c]]
assert d == [("visitor-management", "Retention")], d
' "$T_TMP/a.csv" "$T_TMP/out"

# ---- a revision synced before a later change is read as it was --------------------
sed -i 's/^    address: "Bd du Roi Albert II, 27, 1030 Bruxelles"$/    address: "Elsewhere 1, 1000 Bruxelles"/' \
	"$M/notice.yaml"
commit Carol 2027-03-10 "The controller moves"
dsmap -C "$W" sync
dsmap -C "$W" ropa --format json
json "the synced revision has the new address" '
assert d["controller"]["address"] == "Elsewhere 1, 1000 Bruxelles", d["controller"]'
dsmap -C "$W" ropa --at 2027-02-28 --format json
json "a revision synced before has the address of its own commit" '
assert d["controller"]["address"] == "Bd du Roi Albert II, 27, 1030 Bruxelles", d["controller"]'

# ---- not found ---------------------------------------------------------------------
dsmap -C "$W" ropa --at 1990-01-01
expect_rc 3 "a date before the first commit names nothing"
expect_err "no commit of the mapping repository on or before 1990-01-01" "and says so"
dsmap -C "$W" ropa --at no-such-branch
expect_rc 3 "an unknown revision names nothing"
expect_err "^dsmap: ropa: .*no-such-branch" "and names it"
# A synced revision whose commit left the repository (history rewritten).
git -C "$W" reset -q --hard HEAD~1
git -C "$W" reflog expire --expire=now --all
git -C "$W" gc -q --prune=now
dsmap -C "$W" ropa
expect_rc 3 "the synced revision's commit is gone"
expect_err "is synced in the store but its commit is not in the workspace's repository" "and says why"

finish
