#!/bin/sh
# The web UI in a real browser: a real `dsmap serve` on loopback, driven
# by headless Chromium (Debian's) through puppeteer-core (pinned by
# tests/npm/package-lock.json) in tests/integration/webui.mjs, which
# signs in, opens the pages and checks them against the CLI's JSON, time
# travel, the role rules, the cookie's flags, the CSP, and that no page
# logs an error or makes an external request.  Here, with curl: CSRF.
# A missing Chromium or puppeteer-core is a failure, not a skip.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
. "$DSMAP_SRCDIR/tests/integration/serve-lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"

CHROMIUM=${DSMAP_CHROMIUM:-$(command -v chromium || command -v chromium-browser || echo /usr/bin/chromium)}
npm_modules=${DSMAP_NPM_MODULES:-$DSMAP_SRCDIR/tests/npm/node_modules}
check "Chromium is installed (Debian: chromium)" test -x "$CHROMIUM"
check "puppeteer-core is installed (cd tests/npm && npm ci)" \
	test -f "$npm_modules/puppeteer-core/package.json"

serve_workspace 60
# 52 commits that change a retention and change it back in turn: the
# history runs to two pages (the page shows 50), and HEAD's notice is the
# one the checks below expect.
f=$W/mappings/purposes/billing-accounting.yaml
i=0
while [ $i -lt 52 ]; do
	i=$((i + 1))
	if [ $((i % 2)) -eq 1 ]; then
		sed -i 's/^      - duration: P7Y$/      - duration: P6Y/' "$f"
	else
		sed -i 's/^      - duration: P6Y$/      - duration: P7Y/' "$f"
	fi
	git -C "$W" -c user.name=t -c user.email=t@example.com commit -q -am "retention $i"
done
check "the 52 commits leave the notice as it was" git -C "$W" diff --quiet HEAD~52 HEAD
REV_OLD=$(git -C "$W" rev-parse HEAD)
# A later commit adds a recipient to a purpose: time travel must show the
# purpose without it.
sed -i 's/^    - police-forces$/    - police-forces\n    - debt-collection-agencies-bailiffs/' \
	"$W/mappings/purposes/camera-surveillance.yaml"
# and one to a purpose that crm and billing serve: the impact page must
# name them with their subject counts.
sed -i '/^  recipients:$/a\    - police-forces' "$W/mappings/purposes/billing-accounting.yaml"
git -C "$W" -c user.name=t -c user.email=t@example.com commit -q -am "camera surveillance: bailiffs; billing: police"
dsmap -C "$W" sync
expect_rc 0 "sync the commit that adds a recipient"

make_token TOK_DSAR dsar portal
make_token TOK_AUDITOR auditor audit

# What the pages must show, from the CLI.
dsmap -C "$W" ls --format json purposes; cp "$T_TMP/out" purposes.json
dsmap -C "$W" history --format json; cp "$T_TMP/out" history.json
dsmap -C "$W" ls --format json purposes --legal-basis '6(1)(f)'; cp "$T_TMP/out" purposes-f.json
dsmap -C "$W" status --format json; cp "$T_TMP/out" status.json
dsmap -C "$W" ls --format json systems; cp "$T_TMP/out" systems.json
dsmap -C "$W" ls --format json recipients; cp "$T_TMP/out" recipients.json
dsmap -C "$W" locate --format json email:user42@example.com; cp "$T_TMP/out" locate.json
# The overview's open findings: the audit of today's inventory (its exit
# status says whether it found any: not this test's question).
dsmap -C "$W" audit --format json; cp "$T_TMP/out" audit.json
dsmap -C "$W" audit --format json --lang fr; cp "$T_TMP/out" audit-fr.json
dsmap -C "$W" ls --format json purposes --recipient debt-collection-agencies-bailiffs
cp "$T_TMP/out" purposes-r.json
dsmap -C "$W" ls --format json purposes --recipient debt-collection-agencies-bailiffs --at "$REV_OLD"
cp "$T_TMP/out" purposes-r-old.json
python3 - "$W" > expect.json <<'PY'
import json, subprocess, sys
p = json.load(open("purposes.json")); pf = json.load(open("purposes-f.json"))
st = json.load(open("status.json")); sy = json.load(open("systems.json"))
rc = json.load(open("recipients.json")); lo = json.load(open("locate.json"))
au = json.load(open("audit.json"))
high = [f for f in au["findings"] if f["severity"] == "high"]
subjects = {s["id"]: s["subjects"] for s in st["systems"]}
crm = next(s for s in sy["items"] if s["id"] == "crm")
new = "debt-collection-agencies-bailiffs"
log = subprocess.run(["git", "-C", sys.argv[1], "log", "-1", "--format=%s"], capture_output=True, text=True).stdout.strip()
json.dump({
    "purposes": len(p["items"]), "purposes_6_1_f": len(pf["items"]), "head": p["revision"],
    "systems": [{"id": s["id"], "name": s["name"], "subjects": subjects.get(s["id"], 0)} for s in sy["items"]],
    "crm_purpose": crm["purposes"][0], "crm_subjects": subjects["crm"],
    "new_recipient": new,
    "recipient_purposes": len(json.load(open("purposes-r.json"))["items"]),
    "recipient_purposes_old": len(json.load(open("purposes-r-old.json"))["items"]),
    "new_recipient_name_fr": next(r["name_fr"] for r in rc["items"] if r["id"] == new),
    "last_message": log, "identifier": "email:user42@example.com",
    "locate_system": json.dumps(lo).count("crm") and "crm" or "billing",
    "locate_purpose_fr": lo["purposes"][0]["title_fr"],
    "recipients": len(rc["items"]),
    "audit_summary": au["summary"], "audit_high_id": high[0]["id"] if high else None,
    "audit_high_en": high[0]["message"] if high else None,
    "audit_high_fr": next((f["message"] for f in json.load(open("audit-fr.json"))["findings"]
                           if high and f["id"] == high[0]["id"]), None),
    "audit_low": len([f for f in au["findings"] if f["severity"] == "low"]),
    "notice_version": p["notice"]["version"],
    "history": [c["commit"] for c in json.load(open("history.json"))["commits"]],
}, sys.stdout)
PY
check "the CLI's answers are gathered" test -s expect.json

check "the server starts" serve_start --threads 2
echo "# serving on $URL"

# ---- CSRF, with curl -------------------------------------------------
req GET / ""
expect_code 200 "GET / is the page shell, with no token"
head_has "^content-security-policy: default-src 'none'" "with a Content-Security-Policy"
head_has '^set-cookie: dsmap_csrf=[0-9a-f]{64}; Path=/; SameSite=Strict' "and a CSRF cookie for the sign-in"
csrf=$(sed -n 's/^[Ss]et-[Cc]ookie: dsmap_csrf=\([0-9a-f]*\);.*/\1/p' "$T_TMP/head" | tr -d '\r')
req POST /ui/session "" -H 'Content-Type: application/json' -H "Cookie: dsmap_csrf=$csrf" \
	--data "{\"token\":\"$TOK_DSAR\"}"
expect_code 403 "a sign-in without the CSRF header is refused"
req POST /ui/session "" -H 'Content-Type: application/json' -H "Cookie: dsmap_csrf=$csrf" \
	-H "X-CSRF-Token: $csrf" -H 'Origin: http://evil.example' --data "{\"token\":\"$TOK_DSAR\"}"
expect_code 403 "a sign-in from another origin is refused"
req POST /ui/session "" -H 'Content-Type: application/json' -H "Cookie: dsmap_csrf=$csrf" \
	-H "X-CSRF-Token: $csrf" --data '{"token":"nope"}'
expect_code 401 "a sign-in with an unknown token is refused"
req POST /ui/session "" -H 'Content-Type: application/json' -H "Cookie: dsmap_csrf=$csrf" \
	-H "X-CSRF-Token: $csrf" --data "{\"token\":\"$TOK_DSAR\"}"
expect_code 200 "a sign-in with the CSRF header and a dsar token"
head_has '^set-cookie: dsmap_session=[0-9a-f]{64}; Path=/; SameSite=Strict; HttpOnly' \
	"gives an HttpOnly, SameSite=Strict session cookie"
sid=$(sed -n 's/^[Ss]et-[Cc]ookie: dsmap_session=\([0-9a-f]*\);.*/\1/p' "$T_TMP/head" | tr -d '\r')
scsrf=$(sed -n 's/^[Ss]et-[Cc]ookie: dsmap_csrf=\([0-9a-f]*\);.*/\1/p' "$T_TMP/head" | tr -d '\r')
check "and a new CSRF token for the session" test -n "$scsrf" -a "$scsrf" != "$csrf"
req POST /v1/locate "" -H 'Content-Type: application/json' -H "Cookie: dsmap_session=$sid" \
	--data '{"identifiers":["email:user42@example.com"]}'
expect_code 403 "a locate with the session cookie but no CSRF header is refused"
req POST /v1/locate "" -H 'Content-Type: application/json' -H "Cookie: dsmap_session=$sid" \
	-H "X-CSRF-Token: $csrf" --data '{"identifiers":["email:user42@example.com"]}'
expect_code 403 "and with the sign-in's CSRF token, not the session's"
req POST /v1/locate "" -H 'Content-Type: application/json' -H "Cookie: dsmap_session=$sid" \
	-H "X-CSRF-Token: $scsrf" --data '{"identifiers":["email:user42@example.com"]}'
expect_code 200 "with the session's CSRF token, the dsar session may locate"
check "the same answer as dsmap locate --format json" cmp -s "$T_TMP/body" locate.json
req GET /v1/status "" -H "Cookie: dsmap_session=$sid"
expect_code 403 "the dsar session may not read the status: the API's roles"
req GET /v1/status "" -H "Cookie: dsmap_session=0000$sid"
expect_code 401 "an unknown session is no session"
req POST /ui/signout "" -H 'Content-Type: application/json' -H "Cookie: dsmap_session=$sid" --data '{}'
expect_code 403 "a sign-out without the CSRF header is refused"

# ---- the browser -----------------------------------------------------
SHOTS=${DSMAP_WEBUI_SHOTS:-$T_TMP/shots}
NODE_MODULES=$npm_modules CHROMIUM=$CHROMIUM URL=$URL TOK_AUDITOR=$TOK_AUDITOR TOK_DSAR=$TOK_DSAR \
REV_OLD=$REV_OLD EXPECT=$T_TMP/expect.json LOCATE=$T_TMP/locate.json SHOTS=$SHOTS HOME=$T_TMP \
	node "$DSMAP_SRCDIR/tests/integration/webui.mjs" > browser.out 2>&1
echo "# browser: exit $?"
grep -v -E '^(not )?ok - ' browser.out | sed 's/^/# /' | head -20
T_PASS=$((T_PASS + $(grep -c '^ok - ' browser.out)))
T_FAIL=$((T_FAIL + $(grep -c '^not ok - ' browser.out)))
grep -E '^(not )?ok - ' browser.out
check "the browser run ended with its checks" grep -q 'no page logged' browser.out
check "it saved its screenshots" test -s "$SHOTS/purpose.png"

serve_stop

# ---- no network at all -----------------------------------------------
# The server and the browser in a network namespace of their own (unshare
# --net; a user namespace too when not root), with loopback alone: a font,
# script or style from anywhere else fails the page.
cat > offline.sh <<'SH'
ip link set lo up || exit 90
# a namespace that still reached the network would prove nothing
if curl -s -m 3 -o /dev/null http://192.0.2.1/; then exit 91; fi
$DSMAP_RUNNER "$DSMAP_BIN" -C "$W" serve --listen 127.0.0.1:0 > srv-off.out 2> srv-off.err &
pid=$!
i=0
URL=
while [ $i -lt 600 ] && [ -z "$URL" ] && kill -0 $pid 2>/dev/null; do
	URL=$(sed -n 's|^serving \(http://[^ ]*\)/$|\1|p' srv-off.out)
	sleep 0.1
	i=$((i + 1))
done
[ -n "$URL" ] || exit 92
URL=$URL node "$DSMAP_SRCDIR/tests/integration/webui-offline.mjs"
rc=$?
kill -TERM $pid
wait $pid
exit $rc
SH
userns=
[ "$(id -u)" -eq 0 ] || userns=--map-root-user
# shellcheck disable=SC2086
NODE_MODULES=$npm_modules CHROMIUM=$CHROMIUM TOK_AUDITOR=$TOK_AUDITOR W=$W HOME=$T_TMP \
	DSMAP_BIN=$DSMAP_BIN DSMAP_RUNNER=$DSMAP_RUNNER DSMAP_SRCDIR=$DSMAP_SRCDIR \
	unshare --net $userns sh offline.sh > offline.out 2>&1
off_rc=$?
case $off_rc in
90) echo "# offline: no 'ip' to bring loopback up (apt-get install iproute2)" ;;
91) echo "# offline: the namespace reached the network" ;;
92) echo "# offline: the server did not start:"; sed 's/^/#   /' srv-off.err | head -5 ;;
esac
grep -v -E '^(not )?ok - ' offline.out | sed 's/^/# /' | head -10
T_PASS=$((T_PASS + $(grep -c '^ok - ' offline.out)))
T_FAIL=$((T_FAIL + $(grep -c '^not ok - ' offline.out)))
grep -E '^(not )?ok - ' offline.out
check "with no network but loopback, the pages load (unshare --net: exit $off_rc)" \
	test "$off_rc" -eq 0 -a "$(grep -c '^ok - ' offline.out)" -ge 5
check "SIGTERM: the server exits 0" test "$SRV_RC" -eq 0
check "no identifier value reaches the server's stderr" sh -c "! grep -q 'user42' '$T_TMP/srv.err'"
finish
