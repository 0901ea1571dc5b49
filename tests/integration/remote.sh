#!/bin/sh
# dsmap scan --remote: two agents in their own workspaces (two zones)
# publish a SQLite and a CSV system to a 3-node JetStream cluster over TLS;
# the coordinator ingests them as it ingests local runners, and locate then
# answers byte for byte as after a local scan of the same sources.  A
# silent agent fails its system past the timeout; a failed agent's
# manifest fails it at once; the previous inventory stays; the JetStream
# stores hold no identifier value.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
. "$DSMAP_SRCDIR/tests/integration/nats-lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"

DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs:$DSMAP_BUILDDIR/tests/fixtures/plugins/.libs
export DSMAP_PLUGIN_PATH
unset DSMAP_NATS_URL DSMAP_AGENT_TEST_RESEND DSMAP_NATS_REPLICAS

nats_start crm billing slow || exit 99
(umask 077 && printf 'NATS_USER=%s\nNATS_PASSWORD=%s\nNATS_CA=%s\n' "$NATS_ADMIN_USER" \
	"$NATS_ADMIN_PASSWORD" "$NATS_CA" > "$T_TMP/coordinator.creds")

dsmap init ws
W=$T_TMP/ws
python3 "$DSMAP_SRCDIR/bench/gen-sources.py" "$W" 200 > /dev/null
# A system whose plugin takes 0.4 s a record, as many records as its
# agent's environment says ($SLOW_COUNT): to kill things mid-scan.
cat > "$W/mappings/systems/slow.yaml" <<'YAML'
schema: 1
system:
  id: slow
  name: "slow"
  plugin: misbehave
  purposes: [after-sales-customer-service]
  config:
    mode: slow
    count: "${SLOW_COUNT}"
    first: "900000"
  sources:
    - name: customers
      identifiers:
        customer_no: customer-number
        email: email
      categories:
        name: collected/identification-contact
YAML
git -C "$W" add -A mappings && git -C "$W" -c user.name=t -c user.email=t@example.com \
	commit -q -m "three systems"

agent_ws() {   # agent_ws NAME [FILE [MAPPINGS]]
	dsmap init --mappings "${3:-$W/mappings}" "$T_TMP/$1"
	cp "$W/.dsmap/secret.key" "$T_TMP/$1/.dsmap/secret.key"
	chmod 600 "$T_TMP/$1/.dsmap/secret.key"
	mkdir -p "$T_TMP/$1/data"
	[ -z "${2:-}" ] || cp "$W/data/$2" "$T_TMP/$1/data/$2"
}
agent_ws a-billing billing.csv
agent_ws a-slow

# crm's agent numbers the categories otherwise than the coordinator: its
# workspace's first revision had one more category, first in the list, and
# numbers are never reused.  The start message's table must map them.
cp -R "$W/mappings" "$T_TMP/m-shifted"
python3 - "$T_TMP/m-shifted/categories.yaml" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
a = "\ncategories:\n"
assert s.count(a) == 1
s = s.replace(a, a + "  - id: zz-first\n    group: collected\n    section: \"4.1\"\n"
              "    name_fr: \"Essai\"\n    name_en: \"Test\"\n    examples: [\"essai\"]\n")
open(p, "w").write(s)
PY
agent_ws a-crm crm.sqlite "$T_TMP/m-shifted"
dsmap -C "$T_TMP/a-crm" sync
expect_rc 0 "crm's agent syncs a revision with one more category"
rm -rf "$T_TMP/a-crm/mappings"
cp -R "$W/mappings" "$T_TMP/a-crm/mappings"
git -C "$T_TMP/a-crm" add -A mappings && git -C "$T_TMP/a-crm" -c user.name=t \
	-c user.email=t@example.com commit -q -m "the coordinator's mapping"
dsmap -C "$T_TMP/a-crm" sync
expect_rc 0 "then the coordinator's mapping"
catbit() {  # catbit WORKSPACE REF: the store's number of category REF
	mdb_dump -p -s catbits "$1/.dsmap/store" | awk -v ref=" $2" '$0 == ref { getline; print; exit }'
}
check "so the agent's store numbers collected/identification-contact otherwise" \
	test -n "$(catbit "$T_TMP/a-crm" collected/identification-contact)" -a \
	"$(catbit "$T_TMP/a-crm" collected/identification-contact)" != \
	"$(catbit "$W" collected/identification-contact)"

remote() {
	dsmap -C "$W" scan --nats "$NATS_URLS" --creds "$T_TMP/coordinator.creds" "$@"
}
# agent_run SYSTEM [ENV=VALUE]: the agent of SYSTEM; its exit status is
# the function's, so that `agent_run ... &` and `wait` give it
agent_run() {
	sys=$1
	shift
	env "$@" "$DSMAP_BIN" -C "$T_TMP/a-$sys" agent --system "$sys" --nats "$NATS_URLS" \
		--creds "$NATS_DIR/creds/$sys" --ca "$NATS_CA" > "$T_TMP/agent-$sys.out" \
		2> "$T_TMP/agent-$sys.err"
}
agent() {   # agent SYSTEM [ENV=VALUE]: the agent of SYSTEM, its exit status in $T_RC
	T_RC=0
	agent_run "$@" || T_RC=$?
}

# ---- a silent agent -------------------------------------------------------------

remote --remote crm --timeout 2
expect_rc 1 "no agent has published: crm fails after the timeout"
expect_out '^crm \(sqlite\): FAILED .*the agent sent nothing for 2 s \(--timeout\)' \
	"saying how long it waited"
nats_tool stream-info DSMAP_SCAN
case $N_OUT in
"messages 0 replicas 3 "*) ok "the coordinator created the stream, 3 replicas" ;;
*) not_ok "the coordinator created the stream, 3 replicas ($N_OUT)" ;;
esac

# ---- two zones, two agents, one coordinator ----------------------------------------

agent_run crm &
p1=$!
agent_run billing DSMAP_AGENT_TEST_RESEND=1 &
p2=$!
rc1=0 rc2=0
wait $p1 || rc1=$?
wait $p2 || rc2=$?
check "both agents publish (separate processes)" test "$rc1" -eq 0 -a "$rc2" -eq 0
remote --remote crm --remote billing
expect_rc 0 "the coordinator ingests both"
expect_out '^crm \(sqlite\): 200 records, 200 subjects, 4 categories' "crm (SQLite), remote"
expect_out '^billing \(csv\): 200 records, 200 subjects, 3 categories' "billing (CSV), remote"
cp "$T_TMP/out" "$T_TMP/remote-scan.txt"

ask() { dsmap -C "$W" locate --format json "$@"; }
ask email:user1@example.com
expect_rc 0 "locate finds the person from the remote scans"
cp "$T_TMP/out" "$T_TMP/remote-1.json"
check "in both systems, linked through the customer number" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = sorted(x["system"] for x in d["systems"])
assert d["found"] is True and s == ["billing", "crm"], s
' "$T_TMP/remote-1.json"
ask customer:C00000150 phone:+32470000033
cp "$T_TMP/out" "$T_TMP/remote-150.json"

# The same sources scanned locally, into the same store: the same answers.
dsmap -C "$W" scan crm billing
expect_rc 0 "a local scan of the same sources"
ask email:user1@example.com
check "locate: byte for byte the remote scan's answer (1)" cmp -s "$T_TMP/out" "$T_TMP/remote-1.json"
[ "$T_FAIL" -eq 0 ] || diff "$T_TMP/remote-1.json" "$T_TMP/out" | head -20
ask customer:C00000150 phone:+32470000033
check "locate: byte for byte the remote scan's answer (2)" cmp -s "$T_TMP/out" "$T_TMP/remote-150.json"

# ---- a failed agent, a silent one: the inventory stays -------------------------------

mv "$T_TMP/a-crm/data/crm.sqlite" "$T_TMP/crm.sqlite"
agent crm
check "the crm agent fails on its broken source" test "$T_RC" -eq 1
mv "$T_TMP/crm.sqlite" "$T_TMP/a-crm/data/crm.sqlite"
remote --remote crm
expect_rc 1 "its manifest fails crm on the coordinator at once"
expect_out "^crm \\(sqlite\\): FAILED .*the agent's scan failed: .*crm\\.sqlite" \
	"with the agent's reason"
ask email:user1@example.com
check "crm's previous inventory answers as before" cmp -s "$T_TMP/out" "$T_TMP/remote-1.json"

agent crm
check "the crm agent publishes again" test "$T_RC" -eq 0
remote --remote crm
expect_rc 0 "the next remote scan takes the next generation"
remote --remote crm --timeout 1
expect_rc 1 "nothing new: crm fails after the timeout"
ask email:user1@example.com
check "and its inventory is whole" cmp -s "$T_TMP/out" "$T_TMP/remote-1.json"

# ---- an agent killed mid-scan, a NATS node killed mid-scan --------------------------

status_records() {   # status_records SYSTEM: its records in the store
	"$DSMAP_BIN" -C "$W" status --format json | python3 -c '
import json, sys
print([s for s in json.load(sys.stdin)["systems"] if s["id"] == sys.argv[1]][0]["records"])' "$1"
}
agent slow SLOW_COUNT=3
check "the slow system's agent publishes 3 records" test "$T_RC" -eq 0
remote --remote slow
expect_rc 0 "the coordinator ingests them"
check "slow holds 3 records" test "$(status_records slow)" = 3

# the agent's own process (not a subshell's), to kill it
env SLOW_COUNT=40 "$DSMAP_BIN" -C "$T_TMP/a-slow" agent --system slow --nats "$NATS_URLS" \
	--creds "$NATS_DIR/creds/slow" --ca "$NATS_CA" > /dev/null 2>&1 &
pa=$!
sleep 4
kill -KILL $pa 2>/dev/null
wait $pa 2>/dev/null
remote --remote slow --timeout 3
expect_rc 1 "an agent killed mid-scan fails its system past the timeout"
expect_out '^slow \(misbehave\): FAILED .*the agent sent nothing for 3 s \(--timeout\) after [1-9][0-9]* records had arrived' \
	"after some of its records had arrived"
check "slow keeps its 3 records" test "$(status_records slow)" = 3

agent_run slow SLOW_COUNT=15 &
pa=$!
sleep 2
nats_node_stop 1
rc=0
wait $pa || rc=$?
check "with NATS node 1 killed mid-scan, the agent's publishes complete" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/  /' "$T_TMP/agent-slow.err"
remote --remote slow
expect_rc 0 "and the coordinator ingests the scan from the two nodes left"
check "slow holds 15 records" test "$(status_records slow)" = 15

# A node killed while the coordinator reads: node 1 back and current, then
# the agent publishing and the coordinator taking at the same time, and
# node 2 killed in the middle.
nats_node_start 1
check "node 1 back, the scan stream is current on 3 nodes" nats_wait_current DSMAP_SCAN 60
agent_run slow SLOW_COUNT=20 &
pa=$!
sleep 1
# the binary itself in the background, so that wait gives its status
$DSMAP_RUNNER "$DSMAP_BIN" -C "$W" scan --nats "$NATS_URLS" --creds "$T_TMP/coordinator.creds" \
	--remote slow --timeout 30 > "$T_TMP/out" 2> "$T_TMP/err" &
pc=$!
sleep 3
nats_node_stop 2
rc=0
wait $pa || rc=$?
check "with NATS node 2 killed while the coordinator reads, the agent completes" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/  /' "$T_TMP/agent-slow.err"
T_RC=0
wait $pc || T_RC=$?
expect_rc 0 "and the coordinator takes the whole generation from the two nodes left"
expect_out '^slow \(misbehave\): 20 records' "all 20 records"
check "slow holds 20 records" test "$(status_records slow)" = 20

# ---- redelivered, missing and forged messages ----------------------------------------

stream_count() {
	nats_tool stream-info DSMAP_SCAN
	echo "$N_OUT" | sed -n 's/^messages \([0-9]*\) .*/\1/p'
}
gen_of_agent() { sed -n 's/^[a-z-]*: generation \([0-9a-f]\{32\}\) .*/\1/p' "$T_TMP/agent-$1.out"; }
# copies SEQ... : publish the stream's messages SEQ... again under new
# message ids, as a redelivery past the duplicate window would deliver them
copies() {
	for q in "$@"; do
		nats_tool copy DSMAP_SCAN "$q" "copy-$q-$(openssl rand -hex 4)"
		[ "$N_RC" -eq 0 ] || { echo "# copy $q: $(cat "$T_TMP/nats.err")"; return 1; }
	done
}

# crm's next generation (start, one batch, manifest), then the same three
# again with the batch twice.
n=$(stream_count)
agent crm
check "crm's agent publishes a generation of one batch" test "$T_RC" -eq 0 -a "$(stream_count)" = $((n + 3))
copies $((n + 1)) $((n + 2)) $((n + 2)) $((n + 3))
check "the same messages again, its batch twice" test "$(stream_count)" = $((n + 7))
remote --remote crm
expect_rc 0 "the coordinator takes the generation"
remote --remote crm
expect_rc 0 "then its copy, with the batch delivered twice"
expect_out '^crm \(sqlite\): 200 records, 200 subjects, 4 categories' "counted once: 200 records"
ask email:user1@example.com
check "and locate answers as before" cmp -s "$T_TMP/out" "$T_TMP/remote-1.json"

# Deliveries lost on their way (a NATS node died while it carried them to
# the coordinator): delivered once, never acked.  NATS delivers them again
# after the consumer's ack wait (20 s); meanwhile the coordinator is given
# the rest of the generation first, and must neither skip it as an
# earlier scan's rest nor take it out of order.
for lost in 1 2; do
	n=$(stream_count)
	agent crm
	nats_tool take DSMAP_SCAN dsmap-crm 'dsmap.scan.crm.>' $lost
	check "crm's start$([ $lost -eq 1 ] || echo ' and batch') delivered, never acked" \
		test "$N_RC" -eq 0 -a "$(echo "$N_OUT" | tr '\n' ' ')" = "$(seq -f 'seq %g' $((n + 1)) $((n + lost)) | tr '\n' ' ')"
	t0=$(date +%s)
	remote --remote crm --timeout 60
	expect_rc 0 "the coordinator waits for $lost lost message(s) to come again"
	expect_out '^crm \(sqlite\): 200 records, 200 subjects, 4 categories' \
		"and takes the whole generation once: 200 records"
	check "after the ack wait" test $(($(date +%s) - t0)) -ge 10
	ask email:user1@example.com
	check "locate answers as before" cmp -s "$T_TMP/out" "$T_TMP/remote-1.json"
done

# A scan killed while it held a batch: it had taken the generation's start
# (acked) and held its batch.  The next scan is given the manifest first,
# waits for the held batch to come again after the ack wait (it could have
# been a start), skips both as the killed scan's rest (the manifest it
# handed back itself is not a lost one), and fails for want of a start;
# the scan after that takes the next generation, nothing of the old one
# left to come amid it.
n=$(stream_count)
agent crm
nats_tool take DSMAP_SCAN dsmap-crm 'dsmap.scan.crm.>' 2 1
check "a killed scan's generation: its start taken, its batch held" \
	test "$N_RC" -eq 0 -a "$(echo "$N_OUT" | tr '\n' ' ')" = "seq $((n + 1)) seq $((n + 2)) "
remote --remote crm --timeout 25
expect_rc 1 "the next scan finds only the killed scan's rest"
expect_out "^crm \\(sqlite\\): FAILED .*the agent sent nothing for 25 s .*; no generation had begun" \
	"and fails for want of a start"
agent crm
remote --remote crm --timeout 60
expect_rc 0 "the scan after it takes the next generation"
expect_out '^crm \(sqlite\): 200 records, 200 subjects, 4 categories' "200 records"

# A generation whose batch never arrives.
n=$(stream_count)
agent crm
remote --remote crm
expect_rc 0 "crm's next generation is taken"
copies $((n + 1)) $((n + 3))
remote --remote crm --timeout 5
expect_rc 1 "its start and manifest again, with no batch: crm fails"
expect_out "^crm \\(sqlite\\): FAILED .*the agent's manifest does not match what arrived: it says 200 records, 201 frames in 1 batches .*; 0 records, 0 frames in 0 batches" \
	"the manifest does not match what arrived"
ask email:user1@example.com
check "crm's inventory stays" cmp -s "$T_TMP/out" "$T_TMP/remote-1.json"

# A start on crm's subjects that says it is billing's.
n=$(stream_count)
agent crm
remote --remote crm
G=$(gen_of_agent crm)
nats_tool copy DSMAP_SCAN $((n + 1)) "forged-$G" \
	"{\"schema\":1,\"kind\":\"start\",\"system\":\"billing\",\"generation\":\"$G\",\"commit\":\"0\",\"categories\":{},\"subject_kinds\":{},\"brands\":{}}"
copies $((n + 2)) $((n + 3))
remote --remote crm --timeout 5
expect_rc 1 "a start saying it is another system's fails crm"
expect_out "^crm \\(sqlite\\): FAILED .*start message .* is schema 1 of system 'billing', generation $G: not this scan's" \
	"saying whose it claims to be"

# A start of crm's own that does not say by which definition it was read
# (an agent older than the check, or a forged one): refused as well.
n=$(stream_count)
agent crm
remote --remote crm
G=$(gen_of_agent crm)
nats_tool copy DSMAP_SCAN $((n + 1)) "undefined-$G" \
	"{\"schema\":1,\"kind\":\"start\",\"system\":\"crm\",\"generation\":\"$G\",\"commit\":\"0\",\"categories\":{},\"subject_kinds\":{},\"brands\":{}}"
copies $((n + 2)) $((n + 3))
remote --remote crm --timeout 5
expect_rc 1 "a start naming no definition fails crm"
expect_out "^crm \\(sqlite\\): FAILED .*the agent scanned it by another definition: mappings/systems/crm\\.yaml is blob \\(none given\\)" \
	"saying it named none"
ask email:user1@example.com
check "crm's inventory stays" cmp -s "$T_TMP/out" "$T_TMP/remote-1.json"

# An agent whose copy of crm's definition has moved on (one more column
# read): what it sent was read by a definition this store does not have.
cp "$T_TMP/a-crm/mappings/systems/crm.yaml" "$T_TMP/crm.yaml.coordinator"
sed 's/^        iban: collected\/financial-data$/&\n        customer_no: collected\/identification-contact/' \
	"$T_TMP/crm.yaml.coordinator" > "$T_TMP/a-crm/mappings/systems/crm.yaml"
check "the agent's crm.yaml changed" test -n "$(cmp "$T_TMP/crm.yaml.coordinator" "$T_TMP/a-crm/mappings/systems/crm.yaml" || echo differs)"
git -C "$T_TMP/a-crm" add -A mappings && git -C "$T_TMP/a-crm" -c user.name=t \
	-c user.email=t@example.com commit -q -m "crm: one more column"
agent crm
check "the agent publishes by its own definition" test "$T_RC" -eq 0
remote --remote crm --timeout 5
expect_rc 1 "the coordinator refuses a generation read by another definition"
expect_out "^crm \\(sqlite\\): FAILED .*the agent scanned it by another definition: mappings/systems/crm\\.yaml is blob [0-9a-f]{12} at the agent's commit [0-9a-f]{12}, [0-9a-f]{12} at this store's [0-9a-f]{12}; sync the agent's mappings to the coordinator's" \
	"naming the file, both blobs and both commits"
ask email:user1@example.com
check "crm's inventory stays" cmp -s "$T_TMP/out" "$T_TMP/remote-1.json"
cp "$T_TMP/crm.yaml.coordinator" "$T_TMP/a-crm/mappings/systems/crm.yaml"
git -C "$T_TMP/a-crm" add -A mappings && git -C "$T_TMP/a-crm" -c user.name=t \
	-c user.email=t@example.com commit -q -m "crm: the coordinator's definition again"
agent crm
remote --remote crm
expect_rc 0 "with the same definition again, its next generation is taken"

# ---- never a raw value on the wire ---------------------------------------------------

check "no identifier value of the sources in the JetStream stores" python3 -c '
import csv, os, sqlite3, sys
ws, store = sys.argv[1], sys.argv[2]
values = set()
db = sqlite3.connect(os.path.join(ws, "data", "crm.sqlite"))
for row in db.execute("select * from customers"):
    values.update(str(v) for v in row if isinstance(v, str) and len(v) >= 6)
with open(os.path.join(ws, "data", "billing.csv"), newline="") as f:
    for row in csv.reader(f, delimiter=";"):
        values.update(v for v in row if len(v) >= 6)
values = [v.encode() for v in values if not v.startswith("20")]
assert len(values) > 500, len(values)
blobs = []
for root, dirs, files in os.walk(store):
    for name in files:
        blobs.append(open(os.path.join(root, name), "rb").read())
assert any(b"dsmap.scan.crm." in b for b in blobs), "not what NATS writes?"
hits = [v for v in values if any(v in b for b in blobs)]
assert not hits, hits[:5]
' "$W" "$NATS_DIR"
finish
