#!/bin/sh
# dsmap serve: every route against the CLI's own JSON, the role matrix,
# errors as problem+json, the OpenAPI document through a real validator,
# /metrics, and SIGTERM's clean exit.  A real server on a free loopback
# port, driven with curl.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
. "$DSMAP_SRCDIR/tests/integration/serve-lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"

serve_workspace 300
# a register's generation date, for the server and dsmap ropa alike
SOURCE_DATE_EPOCH=1764547200
export SOURCE_DATE_EPOCH

# The tokens, one per role.
make_token TOK_DSAR dsar portal
make_token TOK_AUDITOR auditor audit
make_token TOK_ADMIN admin ops

dsmap -C "$W" serve --listen 10.1.2.3:0
expect_rc 2 "a non-loopback address without TLS is refused"
expect_err "not a loopback address.*--insecure" "and says how to go on"
dsmap -C "$W" serve --listen nonsense
expect_rc 2 "a --listen that is no ADDR:PORT is a usage error"
dsmap -C "$W" serve --tls-cert x.pem
expect_rc 2 "--tls-cert without --tls-key is a usage error"

check "the server starts on a free port and prints its URL" serve_start --threads 2
echo "# serving on $URL"

req GET /healthz
expect_code 200 "GET /healthz needs no token"
body_has '"ok"' "and says ok"

# ---- the answers are the CLI's ----------------------------------------

req POST /v1/locate "$TOK_DSAR" -H 'Content-Type: application/json' \
	--data '{"identifiers":["email:user42@example.com"]}'
expect_code 200 "POST /v1/locate with a dsar token"
head_has '^content-type: application/json' "answers JSON"
dsmap -C "$W" locate --format json email:user42@example.com
check "the answer is dsmap locate --format json's, byte for byte" cmp -s "$T_TMP/body" "$T_TMP/out"

req POST /v1/locate "$TOK_DSAR" -H 'Content-Type: application/json' \
	--data '{"identifiers":["email:nobody@example.org"]}'
expect_code 200 "a subject held nowhere is an answer too"
body_has '"found": false' "that says so"

req POST /v1/locate "$TOK_DSAR" -H 'Content-Type: application/json' \
	--data '{"identifiers":["email:not-an-address"]}'
expect_code 422 "an identifier that fails validation: 422"
head_has '^content-type: application/problem\+json' "as problem+json"
check "whose detail never quotes the value" sh -c "! grep -q 'not-an-address' '$T_TMP/body'"

req POST /v1/locate "$TOK_DSAR" -H 'Content-Type: application/json' \
	--data '{"subjects":[{"id":"req-1","identifiers":["email:user42@example.com"]},{"id":7,"identifiers":["phone:12"]},{"identifiers":["customer-number:C000043"]}]}'
expect_code 200 "a batch of subjects in one call"
check "three answers in order, the bad one an error in its place" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
a = d["answers"]
assert d["schema"] == 1 and len(a) == 3, d
assert a[0]["id"] == "req-1" and a[0]["answer"]["found"] is True
assert a[1]["id"] == 7 and a[1]["error"]["status"] == 422
assert a[2]["id"] is None and "answer" in a[2]
' "$T_TMP/body"

python3 -c '
import json
print(json.dumps({"subjects": [{"identifiers": ["email:user%d@example.com" % i]} for i in range(101)]}))
' > "$T_TMP/101.json"
req POST /v1/locate "$TOK_DSAR" -H 'Content-Type: application/json' --data @"$T_TMP/101.json"
expect_code 422 "more subjects than the documented limit (100): 422"
body_has 'at most|1 to 100' "naming the limit"

req GET /v1/lineage/system/crm "$TOK_AUDITOR"
expect_code 200 "GET /v1/lineage/system/crm"
dsmap -C "$W" lineage --format json system crm
check "is dsmap lineage --format json's" cmp -s "$T_TMP/body" "$T_TMP/out"

req GET /v1/systems/crm "$TOK_AUDITOR"
expect_code 200 "GET /v1/systems/crm"
check "is the system's lineage" cmp -s "$T_TMP/body" "$T_TMP/out"

# Answers at the synced revision are cached until the store moves: asked
# again, the same answer, from the cache; after a sync, the new one.
cp "$T_TMP/out" "$T_TMP/lineage-before"
req GET /v1/lineage/system/crm "$TOK_AUDITOR"
check "asked again, the same answer" cmp -s "$T_TMP/body" "$T_TMP/lineage-before"
req GET /metrics "$TOK_AUDITOR"
check "served from the cache" grep -Eq '^dsmap_lineage_cache_requests_total\{result="hit"\} [1-9]' \
	"$T_TMP/body"
git -C "$W" -c user.name=t -c user.email=t@example.com commit -q --allow-empty -m "a new revision"
dsmap -C "$W" sync
expect_rc 0 "dsmap sync while the server runs"
dsmap -C "$W" lineage --format json system crm
check "the synced revision's answer is another" sh -c "! cmp -s '$T_TMP/out' '$T_TMP/lineage-before'"
req GET /v1/lineage/system/crm "$TOK_AUDITOR"
check "and the server gives it, without a restart" cmp -s "$T_TMP/body" "$T_TMP/out"

dsmap -C "$W" ls --format json purposes
PURPOSE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["items"][0]["id"])' "$T_TMP/out")
req GET "/v1/lineage/purpose/$PURPOSE?at=HEAD" "$TOK_AUDITOR"
expect_code 200 "GET /v1/lineage/purpose/ID?at=HEAD"
dsmap -C "$W" lineage --format json --at HEAD purpose "$PURPOSE"
check "is dsmap lineage --at HEAD's" cmp -s "$T_TMP/body" "$T_TMP/out"

# The record of processing activities and the DPV export: the CLI's bytes.
req GET /v1/ropa "$TOK_AUDITOR"
expect_code 200 "GET /v1/ropa"
head_has '^content-type: application/json' "  as JSON"
dsmap -C "$W" ropa --format json
check "is dsmap ropa --format json's, byte for byte" cmp -s "$T_TMP/body" "$T_TMP/out"
req GET "/v1/ropa?format=csv&at=HEAD" "$TOK_AUDITOR"
expect_code 200 "GET /v1/ropa?format=csv&at=HEAD"
head_has '^content-type: text/csv' "  as CSV"
dsmap -C "$W" ropa --format csv --at HEAD
check "is dsmap ropa --format csv --at HEAD's, byte for byte" cmp -s "$T_TMP/body" "$T_TMP/out"
req GET "/v1/ropa?format=xlsx" "$TOK_AUDITOR"
expect_code 400 "a register in another format: 400"
body_has 'json or csv' "  naming the formats"
req GET "/v1/ropa?at=no-such-revision" "$TOK_AUDITOR"
expect_code 404 "a register at a revision that does not exist: 404"
req GET "/v1/ropa?lang=fr" "$TOK_AUDITOR"
expect_code 400 "an unknown query argument: 400"
req GET /v1/export/dpv "$TOK_AUDITOR"
expect_code 200 "GET /v1/export/dpv"
head_has '^content-type: application/ld\+json' "  as JSON-LD"
dsmap -C "$W" export dpv
check "is dsmap export dpv's, byte for byte" cmp -s "$T_TMP/body" "$T_TMP/out"
req GET "/v1/export/dpv?at=HEAD" "$TOK_AUDITOR"
expect_code 200 "GET /v1/export/dpv?at=HEAD"
dsmap -C "$W" export dpv --at HEAD
check "is dsmap export dpv --at HEAD's, byte for byte" cmp -s "$T_TMP/body" "$T_TMP/out"
req GET "/v1/export/dpv?at=" "$TOK_AUDITOR"
expect_code 400 "an empty at=: 400"
check "  as problem+json" grep -qi '^content-type: application/problem+json' "$T_TMP/head"
req GET "/v1/audit?as_of=2026-06-15&stale_days=7" "$TOK_AUDITOR"
expect_code 200 "GET /v1/audit?as_of=2026-06-15&stale_days=7"
head_has '^content-type: application/json' "  as JSON"
dsmap -C "$W" audit --format json --as-of 2026-06-15 --stale-days 7
check "is dsmap audit --format json's, byte for byte" cmp -s "$T_TMP/body" "$T_TMP/out"
req GET "/v1/audit?as_of=someday" "$TOK_AUDITOR"
expect_code 400 "an audit as of no date: 400"
req GET "/v1/audit?stale_days=0" "$TOK_AUDITOR"
expect_code 400 "stale_days=0: 400"
req GET "/v1/audit?fail_on=high" "$TOK_AUDITOR"
expect_code 400 "an unknown audit argument: 400"

req GET /v1/lineage/purpose/no-such-purpose "$TOK_AUDITOR"
expect_code 404 "a node the graph does not have: 404"

req GET /v1/lineage/planet/earth "$TOK_AUDITOR"
expect_code 404 "an unknown lineage kind: 404"

req GET /v1/systems "$TOK_AUDITOR"
expect_code 200 "GET /v1/systems"
dsmap -C "$W" ls --format json systems
check "is dsmap ls systems's" cmp -s "$T_TMP/body" "$T_TMP/out"

for list in purposes categories recipients subject-kinds; do
	req GET "/v1/$list" "$TOK_AUDITOR"
	expect_code 200 "GET /v1/$list"
	dsmap -C "$W" ls --format json "$list"
	check "is dsmap ls $list's" cmp -s "$T_TMP/body" "$T_TMP/out"
done

req GET "/v1/purposes?system=crm" "$TOK_AUDITOR"
expect_code 200 "GET /v1/purposes?system=crm: dsmap ls's filters"
dsmap -C "$W" ls --format json --system crm purposes
check "is dsmap ls --system crm purposes's" cmp -s "$T_TMP/body" "$T_TMP/out"

req GET "/v1/purposes?colour=blue" "$TOK_AUDITOR"
expect_code 400 "an unknown filter: 400"
req GET "/v1/recipients?legal-basis=6(1)(a)" "$TOK_AUDITOR"
expect_code 400 "a filter that does not apply to the list: 400"

req GET /v1/status "$TOK_AUDITOR"
expect_code 200 "GET /v1/status"
dsmap -C "$W" status --format json
check "is dsmap status --format json's" cmp -s "$T_TMP/body" "$T_TMP/out"

req GET /v1/history "$TOK_AUDITOR"
expect_code 200 "GET /v1/history"
dsmap -C "$W" history --format json
check "is dsmap history --format json's" cmp -s "$T_TMP/body" "$T_TMP/out"

req GET "/v1/history?purpose=$PURPOSE&since=2000-01-01" "$TOK_AUDITOR"
expect_code 200 "GET /v1/history?purpose=...&since=..."

# One page at a time: limit= commits, and next, the rev= of the following
# page; the pages end to end are the whole history (two commits here).
cp "$T_TMP/out" history-all.json
check "without limit=, the answer has no next" python3 -c '
import json, sys; assert "next" not in json.load(open(sys.argv[1]))' history-all.json
req GET "/v1/history?limit=1" "$TOK_AUDITOR"
expect_code 200 "GET /v1/history?limit=1"
cp "$T_TMP/body" history-p1.json
NEXT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next"])' history-p1.json)
req GET "/v1/history?limit=1&rev=$NEXT" "$TOK_AUDITOR"
expect_code 200 "GET /v1/history?limit=1&rev=NEXT"
cp "$T_TMP/body" history-p2.json
req GET "/v1/history?limit=2" "$TOK_AUDITOR"
cp "$T_TMP/body" history-p12.json
check "the pages of one commit, end to end, are the whole history; the last page's next is null" python3 -c '
import json, sys
a, p1, p2, p12 = (json.load(open(f)) for f in sys.argv[1:])
assert len(a["commits"]) == 2, a
assert p1["commits"] == a["commits"][:1] and p1["next"] == a["commits"][1]["commit"], p1
assert p2["commits"] == a["commits"][1:] and p2["next"] is None, p2
assert p12["commits"] == a["commits"] and p12["next"] is None, p12
' history-all.json history-p1.json history-p2.json history-p12.json
for bad in 0 -1 abc 1x 10001 ''; do
	req GET "/v1/history?limit=$bad" "$TOK_AUDITOR"
	expect_code 400 "limit=$bad: 400"
done

req GET "/v1/blame?a=system:crm&b=purpose:$PURPOSE" "$TOK_AUDITOR"
H_BLAME=$H_CODE
dsmap -C "$W" blame --format json "system:crm" "purpose:$PURPOSE"
if [ "$T_RC" -eq 0 ]; then
	[ "$H_BLAME" = 200 ] && ok "GET /v1/blame" || not_ok "GET /v1/blame ($H_BLAME)"
else
	[ "$H_BLAME" = 400 ] || [ "$H_BLAME" = 404 ] && ok "GET /v1/blame: an error as the CLI's" ||
		not_ok "GET /v1/blame ($H_BLAME)"
fi
req GET "/v1/blame?a=system:crm" "$TOK_AUDITOR"
expect_code 400 "blame with one end: 400"

req GET "/v1/impact?from=HEAD&to=HEAD" "$TOK_AUDITOR"
expect_code 200 "GET /v1/impact?from=HEAD&to=HEAD"
dsmap -C "$W" impact --format json HEAD HEAD
check "is dsmap impact --format json's" cmp -s "$T_TMP/body" "$T_TMP/out"

req GET /v1/openapi.json
expect_code 200 "GET /v1/openapi.json needs no token"
cp "$T_TMP/body" "$T_TMP/openapi.json"
# A real validator: the OpenAPI Initiative's schema for 3.1, through the
# npm package ./bootstrap test installs from tests/npm/package-lock.json.
# Missing, it is a failure: the document would go unchecked.
npm_modules=${DSMAP_NPM_MODULES:-$DSMAP_SRCDIR/tests/npm/node_modules}
check "the OpenAPI validator is installed (cd tests/npm && npm ci)" \
	test -f "$npm_modules/@seriousme/openapi-schema-validator/index.js"
check "the OpenAPI document is valid OpenAPI 3.1 (openapi-schema-validator)" \
	sh -c 'node "$1/tests/integration/openapi-validate.mjs" "$2" "$3" > "$4" 2>&1 &&
	       grep -qx "valid OpenAPI 3.1" "$4"' sh "$DSMAP_SRCDIR" "$npm_modules" \
	"$T_TMP/openapi.json" "$T_TMP/validator.out"
sed 's/^/  validator: /' "$T_TMP/validator.out" | head -20
# and the validator is no rubber stamp: a document without "info" fails
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["info"]; json.dump(d, open(sys.argv[2], "w"))' \
	"$T_TMP/openapi.json" "$T_TMP/openapi-bad.json"
check "the validator refuses a document without info" \
	sh -c '! node "$1/tests/integration/openapi-validate.mjs" "$2" "$3" > /dev/null 2>&1' \
	sh "$DSMAP_SRCDIR" "$npm_modules" "$T_TMP/openapi-bad.json"
check "it documents every route the server has" python3 -c '
import json, sys
paths = json.load(open(sys.argv[1]))["paths"]
for p in ["/healthz", "/metrics", "/v1/openapi.json", "/v1/locate", "/v1/lineage/{kind}/{id}",
          "/v1/systems", "/v1/systems/{id}", "/v1/{list}", "/v1/status", "/v1/history",
          "/v1/blame", "/v1/impact", "/v1/ropa", "/v1/export/dpv", "/v1/audit"]:
    assert p in paths, p
' "$T_TMP/openapi.json"

# ---- the role matrix ---------------------------------------------------

# ROUTE METHOD none dsar auditor admin
while read -r m p none dsar auditor admin; do
	for who in none bad dsar auditor admin; do
		case $who in
		none) tok=; want=$none ;;
		bad) tok=not-a-token; want=$none ;;
		dsar) tok=$TOK_DSAR; want=$dsar ;;
		auditor) tok=$TOK_AUDITOR; want=$auditor ;;
		admin) tok=$TOK_ADMIN; want=$admin ;;
		esac
		if [ "$m" = POST ]; then
			req POST "$p" "$tok" -H 'Content-Type: application/json' \
				--data '{"identifiers":["email:user1@example.com"]}'
		else
			req "$m" "$p" "$tok"
		fi
		expect_code "$want" "role matrix: $who $m $p"
		if [ "$H_CODE" = 401 ]; then
			head_has '^www-authenticate: Bearer' "  401 says Bearer"
		fi
	done
done <<MATRIX
POST /v1/locate 401 200 403 200
GET /v1/lineage/system/crm 401 403 200 200
GET /v1/systems 401 403 200 200
GET /v1/systems/crm 401 403 200 200
GET /v1/purposes 401 403 200 200
GET /v1/categories 401 403 200 200
GET /v1/recipients 401 403 200 200
GET /v1/subject-kinds 401 403 200 200
GET /v1/status 401 403 200 200
GET /v1/history 401 403 200 200
GET /v1/impact?from=HEAD&to=HEAD 401 403 200 200
GET /metrics 401 403 200 200
GET /healthz 200 200 200 200
GET /v1/openapi.json 200 200 200 200
GET /v1/scan 401 403 200 200
GET /v1/ropa 401 403 200 200
GET /v1/export/dpv 401 403 200 200
GET /v1/audit 401 403 200 200
MATRIX

# ---- scans over HTTP ------------------------------------------------------

req POST /v1/scan "$TOK_AUDITOR"
expect_code 403 "POST /v1/scan with an auditor token: 403"
req POST /v1/scan "$TOK_DSAR"
expect_code 403 "with a dsar token: 403"
req POST /v1/scan "$TOK_ADMIN" -H 'Content-Type: application/json' --data '{"systems":["../x"]}'
expect_code 422 "a system id that is no id: 422"
req POST /v1/scan "$TOK_ADMIN"
expect_code 202 "an admin starts a scan: 202"
body_has '"state":"running"' "which runs"
req POST /v1/scan "$TOK_ADMIN" -H 'Content-Type: application/json' --data '{"systems":["crm"]}'
case $H_CODE in
409) ok "a second one while it runs: 409" ;;
202) ok "a second one (the first was already done): 202" ;;
*) not_ok "a second scan while one runs ($H_CODE)" ;;
esac
i=0
while [ $i -lt 600 ]; do
	req GET /v1/scan "$TOK_AUDITOR"
	grep -q '"state": "running"' "$T_TMP/body" || break
	sleep 0.2
	i=$((i + 1))
done
expect_code 200 "GET /v1/scan"
body_has '"state": "done"' "the scan is done"
check "with dsmap scan's report" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["exit_status"] == 0 and d["finished"] >= d["started"], d
assert {s["system"] for s in d["report"]["systems"]} <= {"billing", "crm", "weblog"}, d
' "$T_TMP/body"
check "and where each system ended: the report's systems, done, with their records" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
prog = {s["system"]: s for s in d["systems"]}
rep = {s["system"]: s for s in d["report"]["systems"]}
assert set(prog) == set(rep) and rep, (prog, rep)
for k, r in rep.items():
    p = prog[k]
    assert p["state"] == ("done" if r["ok"] else "failed"), (p, r)
    assert p["records"] >= r["records"] > 0 and p["seconds"] >= 0, (p, r)
' "$T_TMP/body"

# ---- metrics -------------------------------------------------------------

req GET /metrics "$TOK_AUDITOR"
expect_code 200 "GET /metrics"
head_has '^content-type: text/plain; version=0.0.4' "in Prometheus text format"
body_has '^dsmap_http_requests_total\{route="/v1/locate",code="2xx"\} [1-9]' "counts requests by route and status"
body_has '^dsmap_http_requests_total\{route="/v1/locate",code="4xx"\} [1-9]' "the refused ones too"
body_has '^dsmap_http_request_duration_seconds_bucket\{le="\+Inf"\} [1-9]' "a latency histogram"
body_has '^dsmap_store_used_bytes [1-9]' "the store's size"
body_has '^dsmap_system_last_scan_timestamp_seconds\{system="crm"\} [1-9]' "the last scan per system"

# ---- the access log --------------------------------------------------------

dsmap -C "$W" access-log --format json
expect_rc 0 "dsmap access-log reads what the server wrote"
check "each locate is there: token name, identifier count and kinds, systems, size, time" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
e = [x for x in d["entries"] if x["route"] == "/v1/locate" and x["status"] == 200]
assert len(e) >= 3, e
first = e[0]
assert first["token"] == "portal" and first["method"] == "POST", first
assert first["identifiers"] == 1 and first["kinds"] == "email", first
assert first["systems"] >= 1 and first["bytes"] > 100 and first["duration_us"] > 0, first
batch = [x for x in e if x["identifiers"] == 3]
assert batch and set(batch[0]["kinds"].split(",")) == {"email", "phone", "customer-number"}, batch
refused = [x for x in d["entries"] if x["status"] == 401]
assert refused and all(x["token"] is None for x in refused), refused
assert all(x["route"] == "(none)" or x["route"].startswith("/") for x in d["entries"])
' "$T_TMP/out"
check "the access log holds no identifier value" \
	sh -c "! grep -Eq 'user42|user1@|nobody@|not-an-address|C000043|example' '$W/.dsmap/access.log'"
check "nor the path a client sent: routes are templates" \
	sh -c "! grep -q 'lineage/system/crm' '$W/.dsmap/access.log'"

# ---- SIGHUP reloads the tokens --------------------------------------------

dsmap -C "$W" token revoke audit
expect_rc 0 "revoke the auditor's token"
req GET /v1/status "$TOK_AUDITOR"
expect_code 200 "a running server still takes it before SIGHUP"
make_token TOK_AUDITOR2 auditor audit2
kill -HUP "$SRV_PID"
i=0
while [ $i -lt 300 ]; do
	req GET /v1/status "$TOK_AUDITOR"
	[ "$H_CODE" = 401 ] && break
	sleep 0.1
	i=$((i + 1))
done
expect_code 401 "after SIGHUP, the revoked token is refused"
req GET /v1/status "$TOK_AUDITOR2"
expect_code 200 "and the new one is taken"
req POST /v1/locate "$TOK_DSAR" -H 'Content-Type: application/json' \
	--data '{"identifiers":["email:user42@example.com"]}'
expect_code 200 "the other tokens still work"

# ---- no identifier value in stderr --------------------------------------

serve_stop
check "SIGTERM: the server exits 0" test "$SRV_RC" -eq 0
check "no identifier value used above reaches the server's stderr" \
	sh -c "! grep -Eq 'user42|user1@|nobody@|not-an-address|C000043' '$T_TMP/srv.err'"

# ---- an access log that cannot be written withholds the answer -----------

# A server whose file size limit the access log has reached (SIGXFSZ
# ignored, so the write fails with EFBIG): a locate is not answered
# unrecorded.  The soft limit is set in blocks of 512 or 1024 bytes
# (dash or bash), both under the log's size.
log_size=$(wc -c < "$W/.dsmap/access.log")
check "the access log holds some entries by now" test "$log_size" -gt 4096
trap '' XFSZ
ulimit -S -f $((log_size / 1024))
check "a server at its file size limit starts" serve_start --threads 2
ulimit -S -f unlimited
trap - XFSZ
req POST /v1/locate "$TOK_DSAR" -H 'Content-Type: application/json' \
	--data '{"identifiers":["email:user42@example.com"]}'
expect_code 500 "a locate whose entry cannot be written: 500"
check "as problem+json" grep -qi '^content-type: application/problem+json' "$T_TMP/head"
check "saying why, and no answer" python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
assert p["status"] == 500 and "access log" in p["detail"], p
assert "systems" not in p and "answer" not in p, p
' "$T_TMP/body"
check "the log is as it was" test "$(wc -c < "$W/.dsmap/access.log")" -eq "$log_size"
req GET /v1/status "$TOK_AUDITOR2"
expect_code 200 "routes that log nothing still answer"
serve_stop
check "SIGTERM: that server exits 0 too" test "$SRV_RC" -eq 0
check "it said why on stderr" grep -q "access log" "$T_TMP/srv.err"
finish
