#!/bin/sh
# A store of the previous schema (1: no identifier index) is upgraded on
# first open, in one transaction, and answers as before.  The fixture was
# made by the dsmap of that schema (tests/fixtures/store-schema1/make.sh)
# and is kept as text: an mdb_dump of the store and the workspace key.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
cd "$T_TMP"
fx=$DSMAP_SRCDIR/tests/fixtures/store-schema1

command -v mdb_load > /dev/null || { echo "upgrade.sh: mdb_load is missing (Debian: lmdb-utils)" >&2; exit 1; }

dsmap init ws
expect_rc 0 "a workspace to hold the old store"
rm -rf ws/.dsmap/store
mkdir -m 700 ws/.dsmap/store
check "the schema-1 store loads" mdb_load -f "$fx/store.dump" ws/.dsmap/store
python3 -c 'import sys; open(sys.argv[2], "wb").write(bytes.fromhex(open(sys.argv[1]).read().strip()))' \
	"$fx/key.hex" ws/.dsmap/secret.key
chmod 600 ws/.dsmap/secret.key ws/.dsmap/store/*.mdb
check "the fixture is schema 1, with Bloom filters and no index" sh -c '
	mdb_dump -s meta ws/.dsmap/store | grep -q "^ 736368656d61$" &&
	mdb_dump -s meta ws/.dsmap/store | grep -A1 "^ 736368656d61$" | tail -1 | grep -q "^ 31$" &&
	mdb_dump -s meta ws/.dsmap/store | grep -q "^ 626c6f6f6d2e" &&
	! mdb_dump -s idindex ws/.dsmap/store > /dev/null 2>&1'

dsmap -C ws status --format json
expect_rc 0 "status opens it, upgrading it"
check "it says schema 2" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["store"]["schema"] == 2, d["store"]
assert [(s["id"], s["identifier_rules"]) for s in d["systems"]] == \
    [("billing", 1), ("crm", 1), ("weblog", 1)], d["systems"]' "$T_TMP/out"
dsmap -C ws status
expect_out "^  scanned before e-mail domains were read through IDNA \(identifier rules 1\): rescan it \(dsmap scan crm\)" \
	"and that its inventories are to be rescanned for the new identifier rules"
check "the index is there, the filters are gone" sh -c '
	mdb_dump -s idindex ws/.dsmap/store > /dev/null &&
	! mdb_dump -s meta ws/.dsmap/store | grep -q "^ 626c6f6f6d2e"'

dsmap -C ws verify
expect_rc 0 "the upgraded store verifies, index included"
expect_out "^store .*: sound, [0-9]+ records checked$" "and says so"

dsmap -C ws locate --format json email:Alice@Example.com
expect_rc 0 "locate answers from the upgraded store"
check "alice is in the CRM and the web log, and in billing through her customer number" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [s["system"] for s in d["systems"]] == ["billing", "crm", "weblog"], d["systems"]
assert [l["kind"] for l in d["links"]] == ["customer-number"], d["links"]
assert d["conflicts"] == [], d["conflicts"]' "$T_TMP/out"
dsmap -C ws locate --format json email:nobody@example.com
expect_rc 3 "an unknown subject is still unknown"

# Opening again does not upgrade again: the data file is not written.
before=$(cksum < ws/.dsmap/store/data.mdb)
dsmap -C ws status
after=$(cksum < ws/.dsmap/store/data.mdb)
check "a second open writes nothing" test "$before" = "$after"

finish
