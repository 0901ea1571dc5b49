#!/bin/sh
# No raw value in a locator (issue 14, item 2), through the real binary and
# a throw-away PostgreSQL server (tests/pg.sh): a source's `key` that names
# one of its identifier or category fields, in any case, is refused by
# check and stops scan before anything is synced, leaving the previous
# inventory as it was; a primary key that is personal is never the default
# locator (the row's ctid is); a key that is not personal (an order
# number) is the locator.  Skips (77) without PostgreSQL, unless
# DSMAP_REQUIRE_POSTGRES=1.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
: "${DSMAP_BUILDDIR:?}"
. "$DSMAP_SRCDIR/tests/pg.sh"
trap 'pg_stop; rm -rf "$T_TMP"' EXIT
pg_start || exit $?
cd "$T_TMP"

DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH
unset DSMAP_CREDENTIALS

pg_psql -c "CREATE TABLE orders (id bigint PRIMARY KEY, order_no text, customer_no text,
	email text, birth_date date)" > /dev/null
pg_psql -c "INSERT INTO orders VALUES
	(7001, 'O-1001', 'C00000001', 'ann@example.com', '1980-02-03'),
	(7002, 'O-1002', 'C00000002', 'bob@example.com', '1975-06-07')" > /dev/null
pg_psql -c "CREATE TABLE accounts (iban text PRIMARY KEY, customer_no text)" > /dev/null
pg_psql -c "INSERT INTO accounts VALUES ('BE71096123456769', 'C00000001'),
	('BE43068999999501', 'C00000002')" > /dev/null

dsmap init ws
W=$T_TMP/ws

# shop ORDERS_KEY: write systems/shop.yaml with the orders' key.
shop() {
	printf '%s\n' 'schema: 1' 'system:' '  id: shop' '  name: Web shop (PostgreSQL)' \
		'  plugin: postgres' '  config:' '    host: ${PGHOST}' '    port: ${PGPORT}' \
		'    dbname: ${PGDATABASE}' '    user: ${PGUSER}' '    password: ${PGPASSWORD}' \
		'  purposes: [billing-accounting]' '  sources:' \
		'    - name: orders' '      options:' "        key: $1" \
		'      identifiers:' '        customer_no: customer-number' '        email: email' \
		'      categories:' '        email: collected/identification-contact' \
		'        birth_date: collected/personal-characteristics' \
		'    - name: accounts' \
		'      identifiers:' '        customer_no: customer-number' \
		'      categories:' '        iban: collected/financial-data' \
		> "$W/mappings/systems/shop.yaml"
}
commit() {
	git -C "$W" add -A mappings && git -C "$W" -c user.name=t -c user.email=t@example.com \
		commit -q -m "$1"
}
# what_is_held: the shop's records, last scan and locators for ann, as one line
what_is_held() {
	dsmap -C "$W" status --format json
	cp "$T_TMP/out" "$T_TMP/status.json"
	dsmap -C "$W" locate --format json email:ann@example.com
	python3 -c '
import json, sys
s = [x for x in json.load(open(sys.argv[1]))["systems"] if x["id"] == "shop"][0]
a = [x for x in json.load(open(sys.argv[2]))["systems"] if x["system"] == "shop"][0]
print(s["records"], s["last_scan"], sorted(a["locators"]))' "$T_TMP/status.json" "$T_TMP/out"
}

# ---- a key that is not personal; a personal primary key is no default ----------

shop order_no
commit "shop: orders by order number"
dsmap -C "$W" check
expect_rc 0 "a key that is neither an identifier nor a category field passes check"
dsmap -C "$W" scan
expect_rc 0 "and scans"
expect_out '^shop \(postgres\): 4 records, 2 subjects' "every row of both tables"
dsmap -C "$W" locate --format json email:ann@example.com
expect_rc 0 "locate finds ann"
# accounts is keyed by its IBAN, a category field: its rows are located by
# their address (ctid), never by the IBAN.
check "the locators are the order number and the row address, never the IBAN" python3 -c '
import json, sys
a = [x for x in json.load(open(sys.argv[1]))["systems"] if x["system"] == "shop"][0]
assert sorted(a["locators"]) == ["accounts/(0,1)", "orders/O-1001"], a["locators"]
' "$T_TMP/out"
held=$(what_is_held)
check "what is held is known" [ -n "$held" ]

# ---- a personal key: refused by check, and scan syncs nothing -------------------

# KEY FIELD UNDER DETAIL: option key KEY names FIELD, listed under UNDER (DETAIL).
for spec in 'customer_no customer_no identifiers customer-number' \
	'EMAIL email identifiers email' \
	'birth_date birth_date categories collected/personal-characteristics' \
	'Birth_Date birth_date categories collected/personal-characteristics'; do
	set -- $spec
	shop "$1"
	dsmap -C "$W" check
	expect_rc 1 "key: $1: check fails"
	as=
	[ "$1" != "$2" ] && as=" as '$2'"
	expect_out "^$W/mappings/systems/shop\\.yaml:16:14: error: system shop: source orders: option key: field '$1' is listed under $3$as \\($4\\): a locator is stored and printed by locate, so it must hold no personal data" \
		"key: $1: check names the file, line, column, source and field, and says why"
	commit "shop: orders keyed by $1"
	dsmap -C "$W" scan
	expect_rc 1 "key: $1: scan fails"
	expect_err "^dsmap: scan: the mapping at HEAD \\([0-9a-f]+\\) has 1 error; nothing was synced" \
		"key: $1: and nothing is synced"
	check "key: $1: the previous inventory is untouched" [ "$(what_is_held)" = "$held" ]
done

# ---- no raw value reached the store ----------------------------------------------

store=$W/.dsmap/store/data.mdb
check "the store holds the locators" grep -aq 'orders/O-1001' "$store"
for v in BE71096123456769 BE43068999999501 C00000001 ann@example.com; do
	if grep -aq -- "$v" "$store"; then
		not_ok "no raw value in the store: $v is there"
	else
		ok "no raw value in the store: not $v"
	fi
done
finish
