#!/bin/sh
# dsmap audit: a fixture for each kind of finding, with the figures worked
# out by hand from rows whose times the test sets, and --as-of fixed so
# that they do not move with the clock.
#
# cams serves camera-surveillance only, whose retention is one month from
# the recording (purposes/camera-surveillance.yaml: P1M, trigger
# recording).  As of 2026-06-15 (its last second), the cutoff is
# 2026-05-15T23:59:59Z: whole months before May 2026 are overdue, May may
# be in part.  Its rows, by subject (visitor number):
#   V1  2026-01-05, 2026-06-01    oldest recording in January
#   V2  2026-01-20, 2026-02-03    January; and an e-mail address
#   V3  2026-05-02                May (the cutoff's month)
#   V4  2026-06-10                June
#   V5  no time                   undated; and an e-mail address
# so the recordings' histogram is: January 2 records, 2 subjects;
# February 1 record, 0 subjects; May 1, 1; June 2, 1; undated 1, 1; and
# overdue for sure: 3 records of 2 subjects, the oldest of 2026-01-05.
# The e-mail addresses (collected/identification-contact) serve no purpose
# of camera-surveillance: 2 subjects, 2 records held for no purpose.
#
# news serves prospect-newsletters (consent, art. 6(1)(a); P3Y from the
# consent): no consent field, and a retention from an event.
# idle declares no purpose.  broken's file is missing: its scan fails.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"
DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH
PY=/usr/bin/python3

dsmap init ws
W=$T_TMP/ws
mkdir -p "$W/data"

commit() {
	git -C "$W" add -A mappings
	git -C "$W" -c user.name=t -c user.email=t@example.com commit -q -m "$1"
}

dsmap -C ws audit
expect_rc 3 "nothing synced: exit 3"
expect_err "^dsmap: audit: " "and says why"

cat > "$W/data/cams.csv" <<'EOF'
visitor_no,clip,email,at
V1,clip-1,,2026-01-05T10:00:00Z
V1,clip-2,,2026-06-01T10:00:00Z
V2,clip-3,v2@example.com,2026-01-20T10:00:00Z
V2,clip-4,,2026-02-03T10:00:00Z
V3,clip-5,,2026-05-02T10:00:00Z
V4,clip-6,,2026-06-10T10:00:00Z
V5,clip-7,v5@example.com,
EOF
cat > "$W/data/news.csv" <<'EOF'
email,name
p1@example.com,Pat
p2@example.com,Sam
EOF
cat > "$W/data/idle.csv" <<'EOF'
customer_no,phone_model
C9,ACME 3
EOF
cat > "$W/mappings/systems/cams.yaml" <<'EOF'
schema: 1
system:
  id: cams
  name: "Camera recorder"
  plugin: csv
  purposes: [camera-surveillance]
  sources:
    - name: data/cams.csv
      identifiers:
        visitor_no: customer-number
      categories:
        clip: observed/image-video-recordings
        email: collected/identification-contact
      timestamp: at
EOF
cat > "$W/mappings/systems/news.yaml" <<'EOF'
schema: 1
system:
  id: news
  name: "Newsletter list"
  plugin: csv
  purposes: [prospect-newsletters]
  sources:
    - name: data/news.csv
      identifiers:
        email: email
      categories:
        name: collected/identification-contact
EOF
cat > "$W/mappings/systems/idle.yaml" <<'EOF'
schema: 1
system:
  id: idle
  name: "Old device register"
  plugin: csv
  purposes: []
  sources:
    - name: data/idle.csv
      identifiers:
        customer_no: customer-number
      categories:
        phone_model: observed/hardware
EOF
cat > "$W/mappings/systems/broken.yaml" <<'EOF'
schema: 1
system:
  id: broken
  name: "Lost export"
  plugin: csv
  purposes: [camera-surveillance]
  sources:
    - name: data/missing.csv
      identifiers:
        visitor_no: customer-number
      categories:
        clip: observed/image-video-recordings
EOF
commit "four systems"
dsmap -C ws sync
expect_rc 0 "sync"
dsmap -C ws scan --quiet
expect_rc 1 "scan: broken fails, the others are stored"

dsmap -C ws audit --as-of 2026-06-15 --format json
expect_rc 0 "audit: exit 0 without --fail-on, findings or not"
cp "$T_TMP/out" audit.json
dsmap -C ws ls purposes
purposes=$(wc -l < "$T_TMP/out")

check "the findings, by id and severity, most severe first" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
got = [(f["severity"], f["id"]) for f in d["findings"] if f["kind"] != "purpose-unserved"]
want = [
    ("high", "retention-overdue/cams/observed/image-video-recordings"),
    ("high", "scan-failed/broken"),
    ("high", "unpurposed-data/cams/collected/identification-contact"),
    ("high", "unpurposed-data/idle/observed/hardware"),
    ("medium", "consent-no-field/news"),
    ("medium", "retention-undated/cams/observed/image-video-recordings"),
    ("medium", "scan-stale/broken"),
    ("medium", "system-no-purpose/idle"),
    ("low", "retention-unknown/news/collected/identification-contact"),
]
assert got == want, got
assert d["as_of"] == "2026-06-15T23:59:59Z", d["as_of"]
assert d["stale_days"] == 30
' audit.json

check "every purpose but the two served is unserved, each a low finding" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
u = sorted(f["purpose"] for f in d["findings"] if f["kind"] == "purpose-unserved")
assert len(u) == int(sys.argv[2]) - 2, (len(u), sys.argv[2])
assert "camera-surveillance" not in u and "prospect-newsletters" not in u
assert all(f["severity"] == "low" and f["id"] == "purpose-unserved/" + f["purpose"]
           for f in d["findings"] if f["kind"] == "purpose-unserved")
s = d["summary"]
assert (s["high"], s["medium"], s["low"]) == (4, 4, 1 + len(u)), s
' audit.json "$purposes"

check "overdue: 3 records of 2 subjects before the cutoff, 1 of 1 in its month, oldest 2026-01-05" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = {x["id"]: x for x in d["findings"]}["retention-overdue/cams/observed/image-video-recordings"]
assert (f["records"], f["subjects"]) == (3, 2), f
assert (f["records_in_cutoff_month"], f["subjects_in_cutoff_month"]) == (1, 1), f
assert f["oldest"] == "2026-01-05" and f["cutoff"] == "2026-05-15", f
assert f["purposes"] == ["camera-surveillance"] and f["retention"] == "1 month from the recording", f
assert f["system"] == "cams" and f["category"] == "observed/image-video-recordings"
' audit.json

check "undated: 1 record of 1 subject, in the source that has no time for it" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = {x["id"]: x for x in d["findings"]}["retention-undated/cams/observed/image-video-recordings"]
assert (f["records"], f["subjects"]) == (1, 1), f
assert f["sources"] == [{"name": "data/cams.csv", "timestamp": "at"}], f
assert f["message"].endswith("their source\x27s time field is empty in those records."), f
' audit.json

check "held for no purpose: the e-mail addresses of 2 subjects, the hardware of 1" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = {x["id"]: x for x in d["findings"]}
a = f["unpurposed-data/cams/collected/identification-contact"]
assert (a["subjects"], a["records"], a["declared"]) == (2, 2, ["camera-surveillance"]), a
b = f["unpurposed-data/idle/observed/hardware"]
assert (b["subjects"], b["records"], b["declared"]) == (1, 1, []), b
' audit.json

check "the failed scan says why, the retention from an event says which field would do" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = {x["id"]: x for x in d["findings"]}
b = f["scan-failed/broken"]
assert "data/missing.csv" in b["failure"] and b["last_scan"] is None, b
assert "never been scanned" in f["scan-stale/broken"]["message"]
r = f["retention-unknown/news/collected/identification-contact"]
assert r["triggers"] == ["consent"] and r["field"] == "consented_at", r
assert "the date of consent" in r["message"], r
c = f["consent-no-field/news"]
assert c["purposes"] == ["prospect-newsletters"], c
' audit.json

dsmap -C ws audit --as-of 2026-06-15
expect_rc 0 "the text form"
expect_out "^Audit of revision [0-9a-f]{12} as of 2026-06-15: 4 high, 4 medium, [0-9]+ low\.$" \
	"opens with the counts"
expect_out "^high    retention-overdue/cams/observed/image-video-recordings$" "names each finding by id"
expect_out "Camera recorder keeps Image and video recordings past its retention: 3 records of 2 subjects date from before 2026-05-15 \(whole months; more may be in the cutoff's month\), the oldest from 2026-01-05\. The longest retention that applies is 1 month from the recording \(Camera surveillance\)\." \
	"and says it in words"
dsmap -C ws audit --as-of 2026-06-15 --lang fr
expect_rc 0 "in French"
expect_out "^Audit de la révision [0-9a-f]{12} au 2026-06-15 : 4 high \(élevé\), 4 medium \(moyen\), [0-9]+ low \(faible\)\.$" \
	"opens with the counts, the severities' ids kept"
expect_out "^high    retention-overdue/cams/observed/image-video-recordings$" "the same ids"
expect_out " conserve .* au-delà de sa durée de conservation : 3 enregistrements de 2 personnes concernées datent d'avant le 2026-05-15 \(mois entiers ; .*\), le plus ancien du 2026-01-05\. La plus longue durée de conservation applicable est : 1 mois " \
	"and says it in French words, the retention too"
dsmap -C ws audit --as-of 2026-06-15 --lang de
expect_rc 2 "--lang de: a usage error"

dsmap -C ws audit --as-of 2026-06-15 --fail-on high
expect_rc 4 "--fail-on high: a high finding exits 4"
dsmap -C ws audit --as-of 2026-06-15 --fail-on low --format json
expect_rc 4 "--fail-on low too"
dsmap -C ws audit --fail-on severe
expect_rc 2 "an unknown severity is a usage error"
expect_err "--fail-on 'severe' is not a severity" "that says so"
dsmap -C ws audit --as-of yesterday
expect_rc 2 "--as-of that is no date is a usage error"
dsmap -C ws audit --stale-days 0
expect_rc 2 "--stale-days 0 is a usage error"
dsmap -C ws audit --format xml
expect_rc 2 "so is an unknown format"

# Time moves on: a year later, every recording is overdue and the scans are
# stale.
dsmap -C ws audit --as-of 2027-12-31 --stale-days 30 --format json
check "a later date: every dated recording overdue, the scans stale" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = {x["id"]: x for x in d["findings"]}
o = f["retention-overdue/cams/observed/image-video-recordings"]
assert (o["records"], o["subjects"]) == (6, 4), o
for s in ("cams", "news", "idle"):
    assert f["scan-stale/" + s]["days"] > 30, f["scan-stale/" + s]
' "$T_TMP/out"

# Fixing the mapping clears its findings: a consent field for news, a
# purpose for idle's data; broken removed.
cat > "$W/mappings/systems/news.yaml" <<'EOF'
schema: 1
system:
  id: news
  name: "Newsletter list"
  plugin: csv
  purposes: [prospect-newsletters]
  sources:
    - name: data/news.csv
      identifiers:
        email: email
      categories:
        name: collected/identification-contact
      consent: opted_in_at
EOF
rm "$W/mappings/systems/broken.yaml"
commit "news records consent; broken is gone"
dsmap -C ws sync
dsmap -C ws check
expect_rc 0 "a source's consent field is part of the format"
# the recordings of V2 are deleted at the source, and cams is scanned again
grep -v '^V2,' "$W/data/cams.csv" > "$W/data/cams.new" && mv "$W/data/cams.new" "$W/data/cams.csv"
dsmap -C ws scan --quiet cams
expect_rc 0 "rescan cams"
dsmap -C ws audit --as-of 2026-06-15 --format json
check "the rescan's histogram replaces the old one; the fixed findings are gone" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = {x["id"]: x for x in d["findings"]}
o = f["retention-overdue/cams/observed/image-video-recordings"]
assert (o["records"], o["subjects"], o["oldest"]) == (1, 1, "2026-01-05"), o
u = f["unpurposed-data/cams/collected/identification-contact"]
assert (u["subjects"], u["records"]) == (1, 1), u
for gone in ("consent-no-field/news", "scan-failed/broken", "scan-stale/broken"):
    assert gone not in f, gone
' "$T_TMP/out"
dsmap -C ws verify
expect_rc 0 "verify decodes every histogram"

# No rows left with old recordings: the overdue finding goes too.
cat > "$W/data/cams.csv" <<'EOF'
visitor_no,clip,email,at
V4,clip-6,,2026-06-10T10:00:00Z
EOF
dsmap -C ws scan --quiet cams
dsmap -C ws audit --as-of 2026-06-15 --format json
check "nothing overdue, nothing undated, nothing held for no purpose in cams" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert not [x for x in d["findings"] if x["system"] == "cams"], d["findings"]
' "$T_TMP/out"

finish
