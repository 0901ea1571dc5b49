#!/bin/sh
# dsmap serve while the store changes under it, and while it stops:
# locate in a loop during scans that commit new generations (every answer
# is whole, from the old generation or the new one, and the new one is
# seen without a restart), then SIGTERM while a slow request is in
# flight (it is answered, the server exits 0).
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
. "$DSMAP_SRCDIR/tests/integration/serve-lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"

serve_workspace 300

# Two versions of the billing export: user42 (customer C00000042) has one
# invoice in A, two in B.
cp "$W/data/billing.csv" "$T_TMP/billing-a.csv"
cp "$W/data/billing.csv" "$T_TMP/billing-b.csv"
echo "F999999999;C00000042;BE42000000000042;9.99;2026-08-01" >> "$T_TMP/billing-b.csv"

make_token TOK_DSAR dsar portal

check "the server starts" serve_start --threads 2
PORT=${URL##*:}

: > "$T_TMP/answers"
python3 - "$PORT" "$TOK_DSAR" "$T_TMP/stop" "$T_TMP/answers" <<'PY' &
import json, os, sys, urllib.request, urllib.error
port, tok, stop, out = sys.argv[1:]
body = json.dumps({"identifiers": ["email:user42@example.com"]}).encode()
with open(out, "w") as f:
    while not os.path.exists(stop):
        rq = urllib.request.Request("http://127.0.0.1:%s/v1/locate" % port, data=body,
                                    headers={"Content-Type": "application/json",
                                             "Authorization": "Bearer " + tok})
        try:
            r = urllib.request.urlopen(rq, timeout=60)
            d = json.load(r)
            billing = [s["records"] for s in d["systems"] if s["system"] == "billing"]
            f.write("%d %s %s\n" % (r.status, ",".join(sorted(s["system"] for s in d["systems"])),
                                    billing[0] if billing else "-"))
        except urllib.error.HTTPError as e:
            f.write("%d - -\n" % e.code)
        except Exception as e:
            f.write("000 %s -\n" % type(e).__name__)
        f.flush()
PY
CLIENT=$!

for v in b a b a b; do
	cp "$T_TMP/billing-$v.csv" "$W/data/billing.csv"
	dsmap -C "$W" scan --quiet billing
	[ "$T_RC" -eq 0 ] || not_ok "scan billing ($v)"
	# a few answers between scans, however slow the server runs
	n=$(wc -l < "$T_TMP/answers")
	i=0
	while [ $i -lt 300 ] && [ "$(wc -l < "$T_TMP/answers")" -lt $((n + 3)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
done
touch "$T_TMP/stop"
wait "$CLIENT"

echo "# $(wc -l < "$T_TMP/answers") answers during 5 scans"
check "every answer during the scans is 200" sh -c "! grep -qv '^200 ' '$T_TMP/answers'"
check "every answer is whole: the three systems, never a part of them" \
	sh -c "! grep -v ' billing,crm,weblog ' '$T_TMP/answers' | grep -q ."
check "from one generation or the other: one or two invoices" \
	sh -c "! grep -Ev ' [12]$' '$T_TMP/answers' | grep -q ."
check "the new generations are seen without a restart" \
	sh -c "grep -q ' 2$' '$T_TMP/answers' && grep -q ' 1$' '$T_TMP/answers'"

req POST /v1/locate "$TOK_DSAR" -H 'Content-Type: application/json' \
	--data '{"identifiers":["email:user42@example.com"]}'
dsmap -C "$W" locate --format json email:user42@example.com
check "after the last scan, the answer is the CLI's" cmp -s "$T_TMP/body" "$T_TMP/out"

# SIGTERM with a request in flight: its body trickles in over 3 s.
python3 -c '
import json
print(json.dumps({"subjects": [{"id": i, "identifiers": ["email:user%d@example.com" % i]} for i in range(60)]}))
' > "$T_TMP/batch.json"
python3 - "$PORT" "$TOK_DSAR" "$T_TMP/batch.json" "$T_TMP/slow.code" "$T_TMP/slow.body" \
	"$T_TMP/slow.started" <<'PY' &
import http.client, socket, sys, time
port, tok, body_file, code_file, body_out, started = sys.argv[1:]
body = open(body_file, "rb").read()
s = socket.create_connection(("127.0.0.1", int(port)))
s.sendall(("POST /v1/locate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
           "Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
           % (tok, len(body))).encode())
for i in range(0, len(body), len(body) // 6 + 1):      # over about 3 s
    s.sendall(body[i:i + len(body) // 6 + 1])
    if i == 0:
        open(started, "w").close()
    time.sleep(0.5)
r = http.client.HTTPResponse(s)
r.begin()
open(body_out, "wb").write(r.read())
open(code_file, "w").write(str(r.status))
PY
SLOW=$!
i=0
while [ ! -e "$T_TMP/slow.started" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
kill -TERM "$SRV_PID"
wait "$SLOW"
check "SIGTERM: the request in flight is answered" test "$(cat "$T_TMP/slow.code")" = 200
check "in full" python3 -c '
import json, sys
assert len(json.load(open(sys.argv[1]))["answers"]) == 60' "$T_TMP/slow.body"
SRV_RC=0
wait "$SRV_PID" || SRV_RC=$?
SRV_PID=
check "and the server exits 0" test "$SRV_RC" -eq 0
check "no identifier value reaches the server's stderr" \
	sh -c "! grep -Eq 'user[0-9]|C000000' '$T_TMP/srv.err'"
finish
