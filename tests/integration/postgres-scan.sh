#!/bin/sh
# dsmap scan of a PostgreSQL table on a throw-away server (tests/pg.sh):
# credentials from the environment and the credentials file, a server that
# refuses us, and one that is not there.  Skips (77) without PostgreSQL,
# unless DSMAP_REQUIRE_POSTGRES=1.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
: "${DSMAP_BUILDDIR:?}"
. "$DSMAP_SRCDIR/tests/pg.sh"
trap 'pg_stop; rm -rf "$T_TMP"' EXIT
pg_start || exit $?
cd "$T_TMP"

DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH
unset DSMAP_CREDENTIALS

pg_psql -q -c "CREATE TABLE tickets (id bigint PRIMARY KEY, customer_no text, email text,
	subject text, created_at timestamptz)" > /dev/null
pg_psql -q -c "INSERT INTO tickets SELECT n, 'C' || lpad(n::text, 8, '0'),
	'user' || n || '@example.com', CASE WHEN n % 4 = 0 THEN NULL ELSE 'ticket ' || n END,
	'2026-01-01 10:00:00+00'::timestamptz + n * interval '1 hour'
	FROM generate_series(1, 300) AS n" > /dev/null
pg_psql -q -c "INSERT INTO tickets VALUES (301, 'C 0#301', 'not-an-address', 'x', now())" > /dev/null

dsmap init ws
W=$T_TMP/ws
cat > "$W/mappings/systems/tickets.yaml" <<'YAML'
schema: 1
system:
  id: tickets
  name: Customer service tickets
  plugin: postgres
  config:
    host: ${PGHOST}
    port: ${PGPORT}
    dbname: ${PGDATABASE}
    user: ${PGUSER}
    password: ${TICKETS_PASSWORD}
    connect_timeout: "3"
  purposes: [after-sales-customer-service]
  sources:
    - name: tickets
      identifiers:
        customer_no: customer-number
        email: email
      categories:
        subject: collected/customer-interactions
        email: collected/identification-contact
      timestamp: created_at
YAML
git -C "$W" add mappings
git -C "$W" -c user.name=t -c user.email=t@example.com commit -q -m "tickets in PostgreSQL"

TICKETS_PASSWORD=$PGPASSWORD dsmap -C "$W" scan
expect_rc 0 "the PostgreSQL table scans"
expect_out '^tickets \(postgres\): 301 records, 300 subjects, 2 categories' "every row, one refused"
expect_out '^  1 x customer-number: invalid customer number: invalid character \(source tickets; record 301\)$' \
	"an invalid customer number is counted with its record number"
expect_out "^  1 x email: invalid e-mail address: no '@' \\(source tickets; record 301\\)\$" \
	"so is an invalid e-mail address"
expect_out '^  rejected: 1 records$' "a row left with no valid identifier is rejected"
dsmap -C "$W" status --format json
check "subjects per category come from the rows" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = [s for s in d["systems"] if s["id"] == "tickets"][0]
c = {x["category"]: x["subjects"] for x in t["categories"]}
assert c == {"collected/customer-interactions": 225, "collected/identification-contact": 300}, c
assert t["first_seen"] == 1767265200, t
' "$T_TMP/out"

printf 'TICKETS_PASSWORD=%s\n' "$PGPASSWORD" > "$W/.dsmap/credentials"
chmod 600 "$W/.dsmap/credentials"
dsmap -C "$W" scan
expect_rc 0 "the password from the credentials file"

printf 'TICKETS_PASSWORD=wrong\n' > "$W/.dsmap/credentials"
dsmap -C "$W" scan
expect_rc 1 "a wrong password fails the scan"
expect_out '^tickets \(postgres\): FAILED .*cannot connect to PostgreSQL' "and says it cannot connect"
if grep -q wrong "$T_TMP/out" "$T_TMP/err"; then not_ok "the password is not printed"; else ok "the password is not printed"; fi

printf 'TICKETS_PASSWORD=%s\n' "$PGPASSWORD" > "$W/.dsmap/credentials"
pg_stop
dsmap -C "$W" scan
expect_rc 1 "a server that is down fails the scan"
expect_out '^tickets \(postgres\): FAILED .*cannot connect to PostgreSQL' "and says so"
dsmap -C "$W" status --format json
check "the inventory of the last good scan is kept" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [s for s in d["systems"] if s["id"] == "tickets"][0]["records"] == 300, d
' "$T_TMP/out"
finish
