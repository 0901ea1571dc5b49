#!/bin/sh
# dsmap verify: a sound store is sound; a damaged record is named (database,
# record, key) and the command exits 1; an identifier index that disagrees
# with the generations is rebuilt by --rebuild-index; commands that meet a
# damaged record say so and point at verify instead of answering wrong.
# The damage is planted with LMDB's own tools (lmdb-utils), so the pages
# stay sound and only dsmap's decoders can see it.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"
DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH
command -v mdb_load > /dev/null || { echo "verify.sh: mdb_load is missing (Debian: lmdb-utils)" >&2; exit 1; }

dsmap init ws
W=$T_TMP/ws
S=$W/.dsmap/store
mkdir -p "$W/data"
printf 'customer_no,email\nC1,alice@example.com\nC2,bob@example.com\n' > "$W/data/crm.csv"
cat > "$W/mappings/systems/crm.yaml" <<'YAML'
schema: 1
system:
  id: crm
  name: "CRM"
  plugin: csv
  purposes: [contract-conclusion]
  sources:
    - name: data/crm.csv
      identifiers:
        customer_no: customer-number
        email: email
      categories:
        email: collected/identification-contact
      subject_kind: customers
YAML
git -C "$W" add -A mappings
git -C "$W" -c user.name=t -c user.email=t@example.com commit -q -m systems
dsmap -C "$W" scan --quiet
expect_rc 0 "scan the CRM"

dsmap -C "$W" verify
expect_rc 0 "a fresh store is sound"

# ---- the identifier index ----------------------------------------------------

# One entry more than the generations hold: an identifier hash no system has.
{
	mdb_dump -s idindex "$S" | sed -n '/^db_pagesize=/d; /^duplicates=/d; 1,/^HEADER=END$/p'
	echo " 00112233445566778899aabbccddeeff"
	echo " 00000005"
	echo "DATA=END"
} > extra.dump
check "an index entry can be planted" mdb_load -s idindex -f extra.dump "$S"
dsmap -C "$W" verify
expect_rc 1 "verify finds the index and the generations disagree"
expect_err "identifier index holds 5 entries, but the systems' generations 4; 'dsmap verify --rebuild-index' writes it again" \
	"and says what to run"
dsmap -C "$W" verify --rebuild-index
expect_rc 0 "--rebuild-index writes the index anew"
dsmap -C "$W" verify
expect_rc 0 "after which the store is sound"
dsmap -C "$W" locate email:alice@example.com
expect_rc 0 "and locate answers from it"

# ---- a damaged node ------------------------------------------------------------

# Give the first node another content under the same key (its hash).
mdb_dump -s nodes "$S" > nodes.dump
python3 - nodes.dump <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
end = lines.index("HEADER=END")
lines = [l for l in lines if not l.startswith("db_pagesize=")]
end = lines.index("HEADER=END")
key, val = lines[end + 1], lines[end + 2]
b = bytearray.fromhex(val.strip())
b[2] ^= 0x01                      # one bit of the JSON, after the version byte
open(sys.argv[1], "w").write("\n".join(lines[:end + 1] + [key, " " + b.hex(), "DATA=END", ""]))
PY
check "a node can be overwritten" mdb_load -s nodes -f nodes.dump "$S"
dsmap -C "$W" verify
expect_rc 1 "verify re-hashes nodes against their keys"
expect_err "database 'nodes', record 1, key [0-9a-f]*: a node record does not hash to its key" \
	"and names the database, the record and the key"

# ---- the repair path (dsmap(1), Repairing a store) -------------------------------

mv "$S" "$S.damaged"
dsmap -C "$W" sync
expect_rc 0 "a new store: sync the mapping again"
dsmap -C "$W" scan --quiet
expect_rc 0 "and scan the systems again"
dsmap -C "$W" verify
expect_rc 0 "the rebuilt store is sound"
dsmap -C "$W" locate --format json email:alice@example.com
expect_rc 0 "and locate answers from it"
check "as before the damage" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [s["system"] for s in d["systems"]] == ["crm"], d["systems"]' "$T_TMP/out"

# ---- a damaged category number --------------------------------------------------

dsmap init ws2
W2=$T_TMP/ws2
{
	mdb_dump -s catbits "$W2/.dsmap/store" | sed -n '/^db_pagesize=/d; /^duplicates=/d; 1,/^HEADER=END$/p'
	echo " 636f6c6c65637465642f69646e"      # "collected/idn"
	echo " 000001"
	echo "DATA=END"
} > catbit.dump
dsmap -C "$W2" sync
expect_rc 0 "sync a second workspace"
check "a short category number can be planted" mdb_load -s catbits -f catbit.dump "$W2/.dsmap/store"
dsmap -C "$W2" verify
expect_rc 1 "verify decodes category numbers"
expect_err "database 'catbits', record [0-9]*, key 'collected/idn': a category number of 3 bytes, not 4" \
	"and names the key as text"

finish
