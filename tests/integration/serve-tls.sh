#!/bin/sh
# dsmap serve over HTTPS with a self-signed certificate the test makes:
# the URL printed is https, curl trusting that certificate gets answers,
# plain HTTP on the same port gets none, and a key that is not the
# certificate's, or a file that is no PEM, is refused at start.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
. "$DSMAP_SRCDIR/tests/integration/serve-lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"

if ! command -v openssl > /dev/null; then
	echo "# openssl is not installed: no certificate to test with"
	exit 77
fi

dsmap init ws
W=$T_TMP/ws
make_token TOK_AUDITOR auditor audit

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout key.pem -out cert.pem 2> openssl.err
check "the test makes a self-signed certificate" test -s cert.pem
chmod 600 key.pem
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other \
	-keyout other-key.pem -out other-cert.pem 2> openssl.err
echo "not a certificate" > junk.pem

check "the server starts with --tls-cert and --tls-key" \
	serve_start --tls-cert "$T_TMP/cert.pem" --tls-key "$T_TMP/key.pem"
case $URL in
https://127.0.0.1:*) ok "and prints an https URL" ;;
*) not_ok "and prints an https URL ($URL)" ;;
esac

H_CODE=$(curl -sS --cacert cert.pem -o body -w '%{http_code}' "$URL/healthz" 2>curl.err)
check "curl trusting the certificate gets /healthz" test "$H_CODE" = 200
H_CODE=$(curl -sS --cacert cert.pem -o body -w '%{http_code}' \
	-H "Authorization: Bearer $TOK_AUDITOR" "$URL/v1/status" 2>curl.err)
check "and an auditor gets /v1/status" test "$H_CODE" = 200
# The web UI's cookies are Secure under TLS: its sign-in too.
curl -sS --cacert cert.pem -o body -D head "$URL/" 2>curl.err
check "under TLS, the web UI's CSRF cookie is Secure" grep -Eiq '^set-cookie: dsmap_csrf=[0-9a-f]+;.*; Secure' head
csrf=$(sed -n 's/^[Ss]et-[Cc]ookie: dsmap_csrf=\([0-9a-f]*\);.*/\1/p' head)
H_CODE=$(curl -sS --cacert cert.pem -o body -D head -w '%{http_code}' \
	-H 'Content-Type: application/json' -H "Cookie: dsmap_csrf=$csrf" -H "X-CSRF-Token: $csrf" \
	-H "Origin: $URL" --data "{\"token\":\"$TOK_AUDITOR\"}" "$URL/ui/session" 2>curl.err)
check "a sign-in over TLS from the server's own origin" test "$H_CODE" = 200
check "gives a Secure, HttpOnly, SameSite=Strict session cookie" \
	grep -Eiq '^set-cookie: dsmap_session=[0-9a-f]{64}; Path=/; SameSite=Strict; HttpOnly; Secure' head
check "curl not trusting it refuses the server" \
	sh -c "! curl -sS -o /dev/null '$URL/healthz' 2>/dev/null"
PLAIN=$(echo "$URL" | sed 's|^https:|http:|')
H_CODE=$(curl -sS -o body -w '%{http_code}' --max-time 20 "$PLAIN/healthz" 2>/dev/null)
check "plain HTTP on the TLS port gets no answer" test "$H_CODE" != 200
serve_stop
check "SIGTERM: exit 0" test "$SRV_RC" -eq 0

dsmap -C "$W" serve --listen 127.0.0.1:0 --tls-cert "$T_TMP/cert.pem" --tls-key "$T_TMP/other-key.pem"
expect_rc 1 "a key that is not the certificate's is refused"
expect_err "TLS certificate and key" "saying so"
dsmap -C "$W" serve --listen 127.0.0.1:0 --tls-cert "$T_TMP/junk.pem" --tls-key "$T_TMP/key.pem"
expect_rc 1 "a certificate file that is no PEM is refused"
dsmap -C "$W" serve --listen 127.0.0.1:0 --tls-cert "$T_TMP/missing.pem" --tls-key "$T_TMP/key.pem"
expect_rc 1 "a missing certificate file is refused"
expect_err "missing.pem" "naming it"
finish
