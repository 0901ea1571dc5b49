#!/bin/sh
# dsmap agent: a system scanned in its own zone and published to a 3-node
# JetStream cluster over TLS, as hashes and numbers only.  Two agents with
# their own workspaces (the mapping and the coordinator's secret key
# provisioned, the source data local), one per system, each allowed to
# publish on its own system's subjects only.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
. "$DSMAP_SRCDIR/tests/integration/nats-lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"

DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH
unset DSMAP_NATS_URL DSMAP_AGENT_TEST_RESEND

nats_start crm billing || exit 99
nats_tool stream-add DSMAP_SCAN 'dsmap.scan.>' 3
check "the coordinator's stream, 3 replicas" test "$N_RC" -eq 0

# The coordinator's workspace, and its sources.
dsmap init ws
W=$T_TMP/ws
python3 "$DSMAP_SRCDIR/bench/gen-sources.py" "$W" 200 > /dev/null
git -C "$W" add -A mappings && git -C "$W" -c user.name=t -c user.email=t@example.com \
	commit -q -m "three systems"

# agent_ws NAME FILE: an agent's workspace: the mapping, the key (0600),
# and only its own system's source file.
agent_ws() {
	dsmap init --mappings "$W/mappings" "$T_TMP/$1"
	cp "$W/.dsmap/secret.key" "$T_TMP/$1/.dsmap/secret.key"
	chmod 600 "$T_TMP/$1/.dsmap/secret.key"
	mkdir -p "$T_TMP/$1/data"
	cp "$W/data/$2" "$T_TMP/$1/data/$2"
}
agent_ws a-crm crm.sqlite
agent_ws a-billing billing.csv

# stream_count: messages in DSMAP_SCAN
stream_count() {
	nats_tool stream-info DSMAP_SCAN
	echo "$N_OUT" | sed -n 's/^messages \([0-9]*\) .*/\1/p'
}
# manifest SYSTEM GENERATION: the generation's last message, as JSON, in
# $T_TMP/manifest.json
manifest() {
	nats_tool last DSMAP_SCAN "dsmap.scan.$1.$2"
	printf '%s\n' "$N_OUT" > "$T_TMP/manifest.json"
}
gen_of() { sed -n 's/^[a-z-]*: generation \([0-9a-f]\{32\}\) .*/\1/p' "$T_TMP/out"; }

# ---- a good scan, published ----------------------------------------------------

dsmap -C "$T_TMP/a-crm" agent --system crm --nats "$NATS_URLS" --creds "$NATS_CREDS_crm" \
	--ca "$NATS_CA"
expect_rc 0 "the crm agent scans and publishes"
expect_out '^crm: generation [0-9a-f]{32} published: 200 records, 201 frames in 1 batches \([0-9]+ bytes\), blake2b-256:[0-9a-f]{64}$' \
	"200 records, 201 frames (the records and the end) in one batch"
G1=$(gen_of)
check "the stream holds the start, the batch and the manifest" test "$(stream_count)" = 3
manifest crm "$G1"
check "the manifest: complete, its counts and checksum those printed" python3 -c '
import json, re, sys
m = json.load(open(sys.argv[1]))
out = open(sys.argv[2]).read()
assert m["kind"] == "manifest" and m["ok"] is True and m["system"] == "crm", m
assert m["generation"] == sys.argv[3] and m["records"] == 200 and m["frames"] == 201, m
assert m["batches"] == 1 and "failure" not in m, m
assert m["checksum"] in out and ("(%d bytes)" % m["bytes"]) in out, (m, out)
' "$T_TMP/manifest.json" "$T_TMP/out" "$G1"

dsmap -C "$T_TMP/a-crm" status --format json
check "the agent's own inventory is left alone" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert all(s.get("records", 0) == 0 for s in d["systems"]), d["systems"]
' "$T_TMP/out"

# Small batches, and every message sent twice (a publish retried after its
# acknowledgement was lost): the message ids keep one copy of each.
before=$(stream_count)
DSMAP_AGENT_TEST_RESEND=1 dsmap -C "$T_TMP/a-billing" agent --system billing \
	--nats "$NATS_URLS" --creds "$NATS_CREDS_billing" --ca "$NATS_CA" --format json
expect_rc 0 "the billing agent publishes, every message twice"
check "its JSON report" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == 1 and d["system"] == "billing" and d["ok"] is True, d
assert d["records"] == 200 and d["frames"] == 201 and d["batches"] == 1, d
assert len(d["generation"]) == 32 and len(d["commit"]) == 40, d
' "$T_TMP/out"
check "the stream stored each message once" test "$(stream_count)" = $((before + 3))

# ---- what is refused -------------------------------------------------------------

before=$(stream_count)
dsmap -C "$T_TMP/a-billing" agent --system billing --nats "$NATS_URLS" \
	--creds "$NATS_CREDS_crm" --ca "$NATS_CA"
expect_rc 1 "crm's agent credentials cannot publish billing's scan"
expect_err 'Permissions Violation for Publish to "dsmap\.scan\.billing\.' "NATS's reason is given"
check "and nothing was stored" test "$(stream_count)" = "$before"

cp "$NATS_CREDS_crm" "$T_TMP/loose-creds"
chmod 644 "$T_TMP/loose-creds"
dsmap -C "$T_TMP/a-crm" agent --system crm --nats "$NATS_URLS" --creds "$T_TMP/loose-creds" \
	--ca "$NATS_CA"
expect_rc 1 "a creds file others may read is refused"
expect_err 'loose-creds: refused: others may read or write it \(mode 0644\); chmod 600 it' \
	"with the chmod to run"

dsmap -C "$T_TMP/a-crm" agent --system crm --nats "$NATS_URLS" --creds "$NATS_CREDS_crm"
expect_rc 1 "without the CA the servers' certificates are not trusted"
expect_err 'cannot connect to NATS' "saying so"

dsmap -C "$T_TMP/a-crm" agent --system nosuch --nats "$NATS_URLS" --creds "$NATS_CREDS_crm" \
	--ca "$NATS_CA"
expect_rc 3 "a system the mapping does not define: exit 3"
dsmap -C "$T_TMP/a-crm" agent --system 'crm.>' --nats "$NATS_URLS"
expect_rc 1 "a system id that is no subject token is refused"
expect_err "letters, digits" "saying what it may hold"
dsmap -C "$T_TMP/a-crm" agent --nats "$NATS_URLS"
expect_rc 2 "--system is required"

# A source that breaks: the manifest says the scan failed, and why.
mv "$T_TMP/a-crm/data/crm.sqlite" "$T_TMP/crm.sqlite"
dsmap -C "$T_TMP/a-crm" agent --system crm --nats "$NATS_URLS" --creds "$NATS_CREDS_crm" \
	--ca "$NATS_CA"
expect_rc 1 "a source that cannot be read fails the agent"
expect_out '^crm: generation [0-9a-f]{32} FAILED, manifest published: 0 records' "it says so"
G2=$(gen_of)
manifest crm "$G2"
check "the manifest says not ok, and why" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["ok"] is False and m["records"] == 0 and "crm.sqlite" in m["failure"], m
' "$T_TMP/manifest.json"
mv "$T_TMP/crm.sqlite" "$T_TMP/a-crm/data/crm.sqlite"

# ---- never a raw value on the wire ---------------------------------------------------

# Every identifier value of both sources, searched for in every file of the
# three nodes' JetStream stores.  The generation id must be found there:
# the search reads what NATS wrote, in the clear.
check "no identifier value of the sources in the JetStream stores" python3 -c '
import csv, os, sqlite3, sys
ws, store, gen = sys.argv[1], sys.argv[2], sys.argv[3].encode()
values = set()
db = sqlite3.connect(os.path.join(ws, "data", "crm.sqlite"))
for table, in db.execute("select name from sqlite_master where type = \"table\""):
    for row in db.execute("select * from \"%s\"" % table):
        values.update(str(v) for v in row if isinstance(v, str) and len(v) >= 6)
with open(os.path.join(ws, "data", "billing.csv"), newline="") as f:
    for row in csv.reader(f, delimiter=";"):
        values.update(v for v in row if len(v) >= 6)
values = [v.encode() for v in values if not v.startswith("20")]   # not the dates
assert len(values) > 500, len(values)
blobs, found_gen = [], False
for root, dirs, files in os.walk(store):
    for name in files:
        data = open(os.path.join(root, name), "rb").read()
        found_gen = found_gen or gen in data
        blobs.append(data)
assert found_gen, "the generation id is not in the store: not what NATS writes?"
hits = [v for v in values if any(v in b for b in blobs)]
assert not hits, hits[:5]
' "$W" "$NATS_DIR" "$G1"
finish
