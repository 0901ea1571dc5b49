#!/bin/sh
# Stores of every earlier schema are upgraded on first open, in one
# transaction, and answer as before:
#   schema 1: no identifier index, Bloom filters in meta;
#   schema 2: records without checksums (read as they are, summed when a
#             rescan writes them again);
#   schema 3 (through 2): no record-time histograms, which the audit says
#             until a rescan writes them.
# Each fixture was made by the dsmap of its schema
# (tests/fixtures/store-schemaN/make.sh) and is kept as text: an mdb_dump
# of the store and the workspace key.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"
DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH

command -v mdb_load > /dev/null || { echo "upgrade.sh: mdb_load is missing (Debian: lmdb-utils)" >&2; exit 1; }

# load N: a workspace ws$N holding the schema-N fixture store.
load() {
	fx=$DSMAP_SRCDIR/tests/fixtures/store-schema$1
	dsmap init "ws$1"
	expect_rc 0 "a workspace to hold the schema-$1 store"
	rm -rf "ws$1/.dsmap/store"
	mkdir -m 700 "ws$1/.dsmap/store"
	check "the schema-$1 store loads" mdb_load -f "$fx/store.dump" "ws$1/.dsmap/store"
	python3 -c 'import sys; open(sys.argv[2], "wb").write(bytes.fromhex(open(sys.argv[1]).read().strip()))' \
		"$fx/key.hex" "ws$1/.dsmap/secret.key"
	chmod 600 "ws$1/.dsmap/secret.key" "ws$1/.dsmap/store/"*.mdb
}

# meta_schema WS: the schema number the store's meta database says.
meta_schema() {
	mdb_dump -s meta "$1/.dsmap/store" | python3 -c '
import sys
lines = [l.strip() for l in sys.stdin]
i = lines.index(b"schema".hex())
print(bytes.fromhex(lines[i + 1]).decode())'
}

# answers WS: the fixture's people are found as before.
answers() {
	dsmap -C "$1" verify
	expect_rc 0 "the upgraded store verifies, index included ($1)"
	expect_out "^store .*: sound, [0-9]+ records checked$" "and says so ($1)"
	dsmap -C "$1" locate --format json email:Alice@Example.com
	expect_rc 0 "locate answers from the upgraded store ($1)"
	check "alice is in the CRM and the web log, and in billing through her customer number ($1)" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [s["system"] for s in d["systems"]] == ["billing", "crm", "weblog"], d["systems"]
assert [l["kind"] for l in d["links"]] == ["customer-number"], d["links"]
assert d["conflicts"] == [], d["conflicts"]' "$T_TMP/out"
	dsmap -C "$1" locate --format json email:nobody@example.com
	expect_rc 3 "an unknown subject is still unknown ($1)"
}

# ---- schema 1 ----------------------------------------------------------------

load 1
check "the schema-1 fixture is schema 1, with Bloom filters and no index" sh -c '
	test "$1" = 1 &&
	mdb_dump -s meta ws1/.dsmap/store | grep -q "^ 626c6f6f6d2e" &&
	! mdb_dump -s idindex ws1/.dsmap/store > /dev/null 2>&1' x "$(meta_schema ws1)"
dsmap -C ws1 status --format json
expect_rc 0 "status opens it, upgrading it"
check "it says the current schema, and rules 1 for every inventory" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["store"]["schema"] == int(sys.argv[2]), d["store"]
assert [(s["id"], s["identifier_rules"]) for s in d["systems"]] == \
    [("billing", 1), ("crm", 1), ("weblog", 1)], d["systems"]' "$T_TMP/out" "$(meta_schema ws1)"
check "the store says schema 4" test "$(meta_schema ws1)" = 4
dsmap -C ws1 status
expect_out "^  scanned before e-mail domains were read through IDNA \(identifier rules 1\): rescan it \(dsmap scan crm\)" \
	"and that its inventories are to be rescanned for the new identifier rules"
check "the index is there, the filters are gone" sh -c '
	mdb_dump -s idindex ws1/.dsmap/store > /dev/null &&
	! mdb_dump -s meta ws1/.dsmap/store | grep -q "^ 626c6f6f6d2e"'
answers ws1

# Opening again does not upgrade again: the data file is not written.
before=$(cksum < ws1/.dsmap/store/data.mdb)
dsmap -C ws1 status
after=$(cksum < ws1/.dsmap/store/data.mdb)
check "a second open writes nothing" test "$before" = "$after"

# ---- schema 2 ----------------------------------------------------------------

load 2
check "the schema-2 fixture is schema 2, with its holdings unsummed (versions 1 and 2)" sh -c '
	test "$1" = 2 &&
	mdb_dump -s h.00000001 ws2/.dsmap/store | grep -q "^ 0[12]"' x "$(meta_schema ws2)"
dsmap -C ws2 status --format json
expect_rc 0 "status opens it, upgrading it"
check "it says schema 4, and no inventory needs a rescan for its rules" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["store"]["schema"] == 4, d["store"]
assert [(s["id"], s["identifier_rules"]) for s in d["systems"]] == \
    [("billing", 2), ("crm", 2), ("weblog", 2)], d["systems"]' "$T_TMP/out"
answers ws2
check "the upgrade made the histograms' database, empty" sh -c '
	mdb_stat -s hist ws2/.dsmap/store | grep -q "Entries: 0"'
dsmap -C ws2 audit --format json
expect_rc 0 "audit reads the upgraded store"
check "and says which inventories were scanned before record times were kept" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = [x for x in d["findings"] if x["kind"] == "no-record-times"]
assert f and all(x["severity"] == "low" and "dsmap scan " + x["system"] in x["message"]
                 for x in f), f
assert not [x for x in d["findings"] if x["kind"].startswith("retention-overdue")], d' "$T_TMP/out"

# A rescan writes every record again, with its checksum.  The workspace
# gets the data and mappings the fixture was scanned from.
. "$DSMAP_SRCDIR/tests/fixtures/store-schema2/workspace.sh"
fixture_workspace "$T_TMP/ws2"
dsmap -C ws2 scan --quiet
expect_rc 0 "rescan the upgraded workspace"
check "the new generations' holdings are summed (versions 3 and 4)" sh -c '
	gen=$(mdb_stat -a ws2/.dsmap/store | sed -n "s/^Status of h\.\([0-9a-f]*\)$/\1/p" | tail -1)
	test -n "$gen" && ! mdb_dump -s "h.$gen" ws2/.dsmap/store | sed -n "/^HEADER=END/,\$p" |
		awk "NR % 2 == 1 && NR > 1" | grep -q "^ 0[12]"'
answers ws2
check "and writes the histograms" sh -c '
	! mdb_stat -s hist ws2/.dsmap/store | grep -q "Entries: 0"'
dsmap -C ws2 audit --format json
check "after which no inventory lacks its record times" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert not [x for x in d["findings"] if x["kind"] == "no-record-times"], d' "$T_TMP/out"

finish
