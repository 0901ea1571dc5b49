#!/bin/sh
# dsmap serve against bad input: unknown routes and methods, oversized
# and broken bodies, wrong content types, path traversal in ids, a huge
# header, half-sent requests that must time out without holding a
# thread, and random bytes; the server answers problem+json or closes the
# connection, and keeps serving.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
. "$DSMAP_SRCDIR/tests/integration/serve-lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"

serve_workspace 50

make_token TOK_DSAR dsar portal
make_token TOK_AUDITOR auditor audit

check "the server starts, 2 threads, connections time out after 2 s" \
	serve_start --threads 2 --timeout 2
PORT=${URL##*:}
JSON='Content-Type: application/json'

alive() {
	req GET /healthz
	[ "$H_CODE" = 200 ]
}

req GET /nowhere
expect_code 404 "an unknown route: 404"
head_has '^content-type: application/problem\+json' "as problem+json"
check "a problem has type, title, status and detail" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == 404 and d["title"] and d["type"] and d["detail"], d
' "$T_TMP/body"

req GET /v1/locate "$TOK_DSAR"
expect_code 405 "GET on POST /v1/locate: 405"
head_has '^allow: POST' "with Allow: POST"
req DELETE /v1/status "$TOK_AUDITOR"
expect_code 405 "DELETE /v1/status: 405"
head_has '^allow: GET, HEAD' "with Allow: GET, HEAD"

req POST /v1/locate "$TOK_DSAR" -H 'Content-Type: text/plain' --data '{"identifiers":["email:a@b.example"]}'
expect_code 415 "a body that is not application/json: 415"
req POST /v1/locate "$TOK_DSAR" -H "$JSON; charset=utf-8" --data '{"identifiers":["email:a@b.example"]}'
expect_code 200 "application/json with a charset is JSON"

req POST /v1/locate "$TOK_DSAR" -H "$JSON" --data '{"identifiers": ["email:secret-value@example.com",
  ]'
expect_code 400 "broken JSON: 400"
check "naming where it broke (line and column)" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == 400 and d["line"] == 2 and d["column"] > 0, d
assert "line 2" in d["detail"], d
' "$T_TMP/body"
check "without quoting the body" sh -c "! grep -q secret-value '$T_TMP/body'"

req POST /v1/locate "$TOK_DSAR" -H "$JSON" --data '["email:a@b.example"]'
expect_code 422 "JSON that is no locate request: 422"
req POST /v1/locate "$TOK_DSAR" -H "$JSON" --data '{"identifiers":["email:a@b.example"],"extra":1}'
expect_code 422 "an unknown member: 422"
req POST /v1/locate "$TOK_DSAR" -H "$JSON" --data '{"identifiers":[42]}'
expect_code 422 "an identifier that is not a string: 422"
req POST /v1/locate "$TOK_DSAR" -H "$JSON" --data ''
expect_code 400 "an empty body: 400"
req POST "/v1/locate?email=a@b.example" "$TOK_DSAR" -H "$JSON" --data '{"identifiers":["email:a@b.example"]}'
expect_code 400 "identifiers in the URL are refused"

head -c 1100000 /dev/zero | tr '\0' ' ' > "$T_TMP/big"
req POST /v1/locate "$TOK_DSAR" -H "$JSON" --data-binary @"$T_TMP/big"
expect_code 413 "a body over 1 MiB: 413"
req POST /v1/locate "$TOK_DSAR" -H "$JSON" -H 'Transfer-Encoding: chunked' --data-binary @"$T_TMP/big"
expect_code 413 "a chunked body over 1 MiB (no Content-Length): 413"

for p in /v1/systems/.. /v1/systems/%2e%2e /v1/systems/..%2f..%2fetc%2fpasswd \
         /v1/lineage/purpose/..%2f..%2fetc /v1/lineage/category/../x \
         /v1/lineage/category/a%2fb%2fc /v1/lineage/system/a%00b /v1/systems/a%0ab; do
	req GET "$p" "$TOK_AUDITOR" --path-as-is
	case $H_CODE in
	400|404) ok "path traversal or a bad id refused: $p ($H_CODE)" ;;
	*) not_ok "path traversal or a bad id refused: $p ($H_CODE)" ;;
	esac
done
LONG=$(head -c 300 /dev/zero | tr '\0' 'x')
req GET "/v1/systems/$LONG" "$TOK_AUDITOR"
expect_code 400 "an id over 256 bytes: 400"

HUGE=$(head -c 100000 /dev/zero | tr '\0' 'h')
req GET /healthz "" -H "X-Huge: $HUGE"
case $H_CODE in
4*|000) ok "a 100 kB header is refused ($H_CODE)" ;;
*) not_ok "a 100 kB header is refused ($H_CODE)" ;;
esac
check "and the server serves on" alive

# Half-sent requests: more than the server has threads, left open.  The
# others are still answered meanwhile, and the server closes them after
# its timeout (2 s here).
check "half-sent requests time out without holding a thread" python3 -c '
import socket, sys, time, urllib.request
port = int(sys.argv[1])
socks = []
for i in range(8):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /v1/locate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"identif")
    socks.append(s)
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r")
socks.append(s)
t0 = time.time()
r = urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=30)
assert r.status == 200
assert time.time() - t0 < 30
for s in socks:
    s.settimeout(60)
    data = b""
    while True:
        try:
            b = s.recv(4096)
        except (ConnectionResetError, socket.timeout):
            break
        if not b:
            break
        data += b
    assert time.time() - t0 < 60, "still open after 60 s"
' "$PORT"

check "random bytes never crash the server" python3 -c '
import os, random, socket, sys
port = int(sys.argv[1])
rnd = random.Random(15)
seeds = [b"GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n",
         b"POST /v1/locate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"identifiers\":[1]}",
         b"GET /v1/lineage/system/crm HTTP/1.0\r\n\r\n"]
for i in range(300):
    s = rnd.choice(seeds)
    b = bytearray(s)
    for _ in range(rnd.randint(1, 20)):
        op = rnd.randint(0, 2)
        pos = rnd.randrange(len(b) + 1)
        if op == 0 and b:
            b[min(pos, len(b) - 1)] = rnd.randrange(256)
        elif op == 1:
            b[pos:pos] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 64)))
        elif b:
            del b[pos:pos + rnd.randint(1, 8)]
    if i % 10 == 0:
        b = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 4096)))
    c = socket.create_connection(("127.0.0.1", port))
    c.settimeout(10)
    try:
        c.sendall(bytes(b))
        c.shutdown(socket.SHUT_WR)
        while c.recv(65536):
            pass
    except (OSError, socket.timeout):
        pass
    c.close()
' "$PORT"
check "and it serves on" alive

serve_stop
check "SIGTERM after all that: exit 0" test "$SRV_RC" -eq 0
check "no identifier value reaches the server's stderr" \
	sh -c "! grep -Eq 'secret-value|a@b.example' '$T_TMP/srv.err'"
finish
