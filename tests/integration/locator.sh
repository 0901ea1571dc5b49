#!/bin/sh
# No raw value in a locator (issue 14, item 2), through the real binary and
# a real SQLite file: a source's `key` that names one of its identifier or
# category fields, in any case, is refused by check and stops scan before
# anything is synced; a row id that is the alias of such a column is
# refused by the plugin, which fails the system's scan; either way the
# previous inventory stays as it was.  A key that is not personal (an
# order number) is the locator.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"

DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH

dsmap init ws
W=$T_TMP/ws
mkdir -p "$W/data"
python3 - "$W/data/shop.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("""
CREATE TABLE orders (order_no TEXT, customer_no TEXT, email TEXT, iban TEXT, birth_date TEXT,
  placed_at TEXT);
INSERT INTO orders VALUES
  ('O-1001', 'C00000001', 'ann@example.com', 'BE71096123456769', '1980-02-03',
   '2026-01-02T10:00:00Z'),
  ('O-1002', 'C00000002', 'bob@example.com', 'BE43068999999501', '1975-06-07',
   '2026-01-03T10:00:00Z');
CREATE TABLE accounts (custno INTEGER PRIMARY KEY, email TEXT, ref TEXT);
INSERT INTO accounts VALUES (40001, 'ann@example.com', 'R-1'), (40002, 'bob@example.com', 'R-2');
""")
db.commit()
PY

# shop ORDERS_KEY ACCOUNTS_OPTIONS: write systems/shop.yaml; ORDERS_KEY is
# the orders' key, ACCOUNTS_OPTIONS the accounts' options line ('' for none).
shop() {
	{
		printf '%s\n' 'schema: 1' 'system:' '  id: shop' '  name: Web shop (SQLite)' \
			'  plugin: sqlite' '  config:' '    path: data/shop.sqlite' \
			'  purposes: [billing-accounting]' '  sources:' \
			'    - name: orders' '      options:' "        key: $1" \
			'      identifiers:' '        customer_no: customer-number' '        email: email' \
			'      categories:' '        email: collected/identification-contact' \
			'        iban: collected/financial-data' \
			'        birth_date: collected/personal-characteristics' \
			'      timestamp: placed_at' \
			'    - name: accounts'
		[ -n "$2" ] && printf '%s\n' '      options:' "        $2"
		printf '%s\n' '      identifiers:' '        custno: account-id' '        email: email' \
			'      categories:' '        email: collected/identification-contact'
	} > "$W/mappings/systems/shop.yaml"
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

# ---- a key that is not personal ----------------------------------------------

shop order_no 'key: ref'
commit "shop: orders by order number, accounts by reference"
dsmap -C "$W" check
expect_rc 0 "a key that is neither an identifier nor a category field passes check"
dsmap -C "$W" scan
expect_rc 0 "and scans"
expect_out '^shop \(sqlite\): 4 records, 4 subjects' "every row of both tables"
dsmap -C "$W" locate --format json email:ann@example.com
expect_rc 0 "locate finds ann"
check "the locators are the order number and the account reference" python3 -c '
import json, sys
a = [x for x in json.load(open(sys.argv[1]))["systems"] if x["system"] == "shop"][0]
assert sorted(a["locators"]) == ["accounts/R-1", "orders/O-1001"], a["locators"]
' "$T_TMP/out"
held=$(what_is_held)
check "what is held is known" [ -n "$held" ]

# ---- a personal key: refused by check, and scan syncs nothing -------------------

# KEY FIELD UNDER DETAIL: option key KEY names FIELD, listed under UNDER (DETAIL).
for spec in 'customer_no customer_no identifiers customer-number' \
	'Email email identifiers email' \
	'iban iban categories collected/financial-data' \
	'IBAN iban categories collected/financial-data' \
	'Birth_Date birth_date categories collected/personal-characteristics'; do
	set -- $spec
	shop "$1" 'key: ref'
	dsmap -C "$W" check
	expect_rc 1 "key: $1: check fails"
	as=
	[ "$1" != "$2" ] && as=" as '$2'"
	expect_out "^$W/mappings/systems/shop\\.yaml:12:14: error: system shop: source orders: option key: field '$1' is listed under $3$as \\($4\\): a locator is stored and printed by locate, so it must hold no personal data" \
		"key: $1: check names the file, line, column, source and field, and says why"
	commit "shop: orders keyed by $1"
	dsmap -C "$W" scan
	expect_rc 1 "key: $1: scan fails"
	expect_err "^dsmap: scan: the mapping at HEAD \\([0-9a-f]+\\) has 1 error; nothing was synced" \
		"key: $1: and nothing is synced"
	check "key: $1: the previous inventory is untouched" [ "$(what_is_held)" = "$held" ]
done

# ---- a row id that is a personal column: refused by the plugin ------------------

# accounts.custno is an INTEGER PRIMARY KEY: the row id is the account id.
# The mapping cannot know it, so check passes, and the plugin refuses.
for opt in '' 'key: ROWID'; do
	shop order_no "$opt"
	dsmap -C "$W" check
	expect_rc 0 "accounts ${opt:-without key}: check cannot see the table, and passes"
	commit "shop: accounts ${opt:-without key}"
	dsmap -C "$W" scan
	expect_rc 1 "accounts ${opt:-without key}: the scan of the system fails"
	case $opt in
	'') want="source accounts: the row id, the default locator, is column 'custno'" ;;
	*) want="source accounts: option key: 'ROWID' is column 'custno'" ;;
	esac
	expect_out "^shop \\(sqlite\\): FAILED .*$want \\(the table's INTEGER PRIMARY KEY\\), an identifier field, and a locator must hold no personal data" \
		"accounts ${opt:-without key}: the plugin says which column and why"
	check "accounts ${opt:-without key}: the previous inventory is untouched" \
		[ "$(what_is_held)" = "$held" ]
done

# ---- no raw value reached the store ----------------------------------------------

store=$W/.dsmap/store/data.mdb
check "the store holds the locators" grep -aq 'orders/O-1001' "$store"
for v in BE71096123456769 BE43068999999501 1980-02-03 1975-06-07 C00000001 40001 \
	ann@example.com; do
	if grep -aq -- "$v" "$store"; then
		not_ok "no raw value in the store: $v is there"
	else
		ok "no raw value in the store: not $v"
	fi
done

dsmap -C "$W" verify
expect_rc 0 "the store is sound"
finish
