#!/bin/sh
# Read replicas: the coordinator's scan (local, then --remote from an
# agent) publishes a compact snapshot of its store to a 3-node JetStream
# cluster over TLS; `dsmap replica` takes
# it into a directory of its own, and `dsmap serve --replica` answers
# locate from it byte for byte as the coordinator's serve does, saying
# which generation and revision it answered from.  The next scan's
# snapshot is swapped in while the server runs; a damaged snapshot and an
# older one are refused and the current one stays; writes get 409; the
# replica answers with the coordinator and NATS gone.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
. "$DSMAP_SRCDIR/tests/integration/nats-lib.sh"
. "$DSMAP_SRCDIR/tests/integration/serve-lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"

REP_PID=
cleanup() {
	[ -z "$REP_PID" ] || kill -TERM "$REP_PID" 2>/dev/null
	nats_stop
	serve_cleanup
}
trap cleanup EXIT
unset DSMAP_NATS_URL DSMAP_NATS_REPLICAS DSMAP_SNAPSHOT_TEST_CORRUPT

nats_start billing || exit 99
(umask 077 && printf 'NATS_USER=%s\nNATS_PASSWORD=%s\nNATS_CA=%s\n' "$NATS_ADMIN_USER" \
	"$NATS_ADMIN_PASSWORD" "$NATS_CA" > "$T_TMP/coordinator.creds")
NATS="--nats $NATS_URLS --creds $T_TMP/coordinator.creds"
# the replica's user may read the snapshots and publish nothing
RNATS="--nats $NATS_URLS --creds $NATS_CREDS_REPLICA --ca $NATS_CA"

dsmap init ws
W=$T_TMP/ws
python3 "$DSMAP_SRCDIR/bench/gen-sources.py" "$W" 200 > /dev/null
git -C "$W" add mappings
git -C "$W" -c user.name=t -c user.email=t@example.com commit -q -m "three systems"

# ---- the first snapshot ------------------------------------------------

# shellcheck disable=SC2086
dsmap -C "$W" scan --quiet --publish-snapshot $NATS
expect_rc 0 "scan --publish-snapshot"
expect_out '^snapshot [0-9a-f]{32} published: generation [0-9]+, revision [0-9a-f]{12}' \
	"says which snapshot it published"
SNAP1=$(sed -n 's/^snapshot \([0-9a-f]*\) published.*/\1/p' "$T_TMP/out")
GEN1=$(sed -n 's/^snapshot [0-9a-f]* published: generation \([0-9]*\),.*/\1/p' "$T_TMP/out")
REV=$(git -C "$W" rev-parse HEAD)

make_token TOK_DSAR dsar dsar-1
make_token TOK_AUDITOR auditor auditor-1
make_token TOK_ADMIN admin admin-1

# The replica's directory: the coordinator's key and tokens, by hand.
R=$T_TMP/replica
mkdir -m 700 "$R"
dsmap replica --once $RNATS "$R"
expect_rc 1 "replica: a directory without the coordinator's key is refused"
expect_err 'secret' "naming the key"
mkdir -m 700 "$R/.dsmap"
cp "$W/.dsmap/secret.key" "$W/.dsmap/tokens" "$R/.dsmap/"
chmod 600 "$R/.dsmap/secret.key" "$R/.dsmap/tokens"

dsmap replica --once $RNATS "$R"
expect_rc 0 "replica --once takes the snapshot"
expect_out "^snapshot $SNAP1 swapped in: generation $GEN1" "the one published"
check "current points at it" test "$(readlink "$R/current")" = "snapshots/$SNAP1"
check "its data.mdb is there" test -s "$R/snapshots/$SNAP1/data.mdb"
dsmap replica --once $RNATS "$R"
expect_rc 0 "replica --once again"
expect_out "^snapshot $SNAP1 is the newest" "has nothing newer to take"

# ---- the coordinator's answers, then the replica's ---------------------

ask() {   # ask KIND:VALUE: POST /v1/locate
	req POST /v1/locate "$TOK_DSAR" -H 'Content-Type: application/json' \
		--data "{\"identifiers\":[\"$1\"]}"
}
serve_start
check "the coordinator serves" test -n "$URL"
ask email:user42@example.com
expect_code 200 "coordinator: locate"
cp "$T_TMP/body" "$T_TMP/coord-42.json"
req GET /v1/lineage/system/crm "$TOK_AUDITOR"
expect_code 200 "coordinator: lineage"
cp "$T_TMP/body" "$T_TMP/coord-crm.json"
serve_stop

serve_start --replica "$R"
check "the replica serves" test -n "$URL"
ask email:user42@example.com
expect_code 200 "replica: locate"
check "the same answer as the coordinator's, byte for byte" cmp -s "$T_TMP/body" \
	"$T_TMP/coord-42.json"
head_has "^dsmap-generation: $GEN1" "says the generation it answered from"
head_has "^dsmap-revision: $REV" "and the revision"
req GET /v1/lineage/system/crm "$TOK_AUDITOR"
expect_code 200 "replica: lineage"
check "the same lineage as the coordinator's" cmp -s "$T_TMP/body" "$T_TMP/coord-crm.json"
head_has "^dsmap-generation: $GEN1" "with the generation"
ask customer-number:C00000230
body_has '"found": false' "a subject the store does not hold yet: not found"

req GET /metrics "$TOK_AUDITOR"
expect_code 200 "replica: /metrics"
body_has "^dsmap_replica_generation $GEN1\$" "with the generation served"

req POST /v1/scan "$TOK_ADMIN" -H 'Content-Length: 0'
expect_code 409 "replica: POST /v1/scan is refused"
body_has 'read replica' "saying it is a read replica"
head_has '^content-type: application/problem\+json' "as a problem"
req GET /v1/history "$TOK_AUDITOR"
expect_code 409 "replica: the mapping history is the coordinator's"
req GET "/v1/lineage/system/crm?at=2020-01-01" "$TOK_AUDITOR"
expect_code 409 "replica: so is a lineage at a past date"
body_has 'no mapping history' "saying so"
req GET /v1/openapi.json
expect_code 200 "replica: its OpenAPI document"
check "which documents the replica's headers and its 409s" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ok = d["paths"]["/v1/locate"]["post"]["responses"]["200"]["headers"]
assert set(ok) == {"Dsmap-Generation", "Dsmap-Revision"}, ok
for path, m in (("/v1/history", "get"), ("/v1/status", "get"), ("/v1/lineage/{kind}/{id}", "get")):
    assert d["paths"][path][m]["responses"]["409"]["$ref"].endswith("/ReadReplica"), path
' "$T_TMP/body"

# ---- the next generation, swapped in while serving ---------------------

# It comes from billing's agent, in a zone of its own, through the
# coordinator's scan --remote: its 250 subjects to the 200 of the others.
$DSMAP_RUNNER "$DSMAP_BIN" replica $RNATS "$R" > "$T_TMP/rep.out" 2> "$T_TMP/rep.err" &
REP_PID=$!
python3 "$DSMAP_SRCDIR/bench/gen-sources.py" "$T_TMP/gen" 250 > /dev/null
dsmap init --mappings "$W/mappings" "$T_TMP/a-billing"
cp "$W/.dsmap/secret.key" "$T_TMP/a-billing/.dsmap/secret.key"
chmod 600 "$T_TMP/a-billing/.dsmap/secret.key"
mkdir -p "$T_TMP/a-billing/data"
cp "$T_TMP/gen/data/billing.csv" "$T_TMP/a-billing/data/billing.csv"
nats_tool stream-add DSMAP_SCAN 'dsmap.scan.>' 3
check "the agents' stream is made" test "$N_RC" -eq 0
dsmap -C "$T_TMP/a-billing" agent --system billing --nats "$NATS_URLS" \
	--creds "$NATS_CREDS_billing" --ca "$NATS_CA"
expect_rc 0 "billing's agent publishes its scan"
dsmap -C "$W" scan --remote billing --timeout 30 --publish-snapshot $NATS
expect_rc 0 "scan --remote --publish-snapshot: the coordinator ingests it, then publishes"
expect_out '^billing \(csv\): 250 records' "250 records from the agent"
SNAP2=$(sed -n 's/^snapshot \([0-9a-f]*\) published.*/\1/p' "$T_TMP/out")
GEN2=$(sed -n 's/^snapshot [0-9a-f]* published: generation \([0-9]*\),.*/\1/p' "$T_TMP/out")
check "of a higher generation" test "$GEN2" -gt "$GEN1"
i=0
while [ $i -lt 600 ]; do
	ask customer-number:C00000230
	grep -q '"found": true' "$T_TMP/body" && break
	sleep 0.1
	i=$((i + 1))
done
body_has '"found": true' "the replica answers from the new snapshot without a restart"
head_has "^dsmap-generation: $GEN2" "and says its generation"
check "current points at the new snapshot" test "$(readlink "$R/current")" = "snapshots/$SNAP2"
check "the older snapshot is removed" test ! -e "$R/snapshots/$SNAP1"
check "the loop said so" grep -q "^snapshot $SNAP2 swapped in" "$T_TMP/rep.out"

# ---- refused: a damaged snapshot, an older one -------------------------

# A commit, so that the next snapshot is newer, then one whose first
# chunk is damaged after its digest was taken.
dsmap -C "$W" scan --quiet
expect_rc 0 "a scan without a snapshot"
DSMAP_SNAPSHOT_TEST_CORRUPT=1 dsmap -C "$W" snapshot publish $NATS
expect_rc 0 "a damaged snapshot is published"
SNAP3=$(sed -n 's/^snapshot \([0-9a-f]*\) published.*/\1/p' "$T_TMP/out")
i=0
while [ $i -lt 300 ] && ! grep -q "snapshot $SNAP3: its bytes' digest" "$T_TMP/rep.err"; do
	sleep 0.1
	i=$((i + 1))
done
check "the replica refuses it, naming it and the digests" \
	grep -q "snapshot $SNAP3: its bytes' digest is blake2b-256:[0-9a-f]*, its meta says" \
	"$T_TMP/rep.err"
check "current stays" test "$(readlink "$R/current")" = "snapshots/$SNAP2"
check "nothing of it is left" test ! -e "$R/snapshots/$SNAP3"
sleep 3
check "and it is not downloaded again: refused once" \
	test "$(grep -c "snapshot $SNAP3: its bytes' digest" "$T_TMP/rep.err")" = 1
ask customer-number:C00000230
head_has "^dsmap-generation: $GEN2" "the replica answers from the snapshot it held"

# The replica's user cannot forge one.
nats_tool -u replica -p "$(sed -n 's/^NATS_PASSWORD=//p' "$NATS_CREDS_REPLICA")" \
	pub dsmap.snap.meta '{}'
check "the replica's NATS user may not publish a meta" test "$N_RC" -ne 0
check "NATS says why" grep -q 'Permissions Violation for Publish to "\?dsmap.snap.meta' \
	"$T_TMP/nats.err"

# A meta of a generation below the one held (a coordinator restored from
# an old backup): refused before any download.
OLD=$(printf '{"chunk_bytes":131072,"chunks":1,"created":1,"digest":"blake2b-256:%s","generation":1,"id":"%s","kind":"snapshot","revision":"","schema":1,"size":10}' \
	"$(printf '0%.0s' $(seq 64))" "$(printf 'a%.0s' $(seq 32))")
nats_tool pub dsmap.snap.meta "$OLD"
check "an older snapshot's meta is published" test "$N_RC" -eq 0
dsmap replica --once $RNATS "$R"
expect_rc 1 "replica --once refuses it"
expect_err "generation 1, older than the replica's snapshot $SNAP2 \(generation $GEN2\): refused" \
	"saying why"
check "current stays" test "$(readlink "$R/current")" = "snapshots/$SNAP2"

# A good snapshot again: taken.
dsmap -C "$W" snapshot publish $NATS
expect_rc 0 "a good snapshot is published"
SNAP4=$(sed -n 's/^snapshot \([0-9a-f]*\) published.*/\1/p' "$T_TMP/out")
CHUNKS4=$(sed -n 's/^snapshot .* bytes in \([0-9]*\) chunks.*/\1/p' "$T_TMP/out")
GEN4=$(sed -n 's/^snapshot [0-9a-f]* published: generation \([0-9]*\),.*/\1/p' "$T_TMP/out")
i=0
while [ $i -lt 300 ] && [ "$(readlink "$R/current")" != "snapshots/$SNAP4" ]; do
	sleep 0.1
	i=$((i + 1))
done
check "and swapped in" test "$(readlink "$R/current")" = "snapshots/$SNAP4"
nats_tool stream-info DSMAP_SNAPSHOTS
check "the stream keeps one snapshot: its chunks and one meta" \
	test "$(echo "$N_OUT" | sed -n 's/^messages \([0-9]*\) .*/\1/p')" -eq $((CHUNKS4 + 1))

# ---- the coordinator and NATS gone -------------------------------------

kill -TERM "$REP_PID"
REP_RC=0
wait "$REP_PID" || REP_RC=$?
REP_PID=
check "the replica loop ends on SIGTERM, exit 0" test "$REP_RC" -eq 0
nats_stop
ask email:user42@example.com
expect_code 200 "with NATS and the coordinator stopped, the replica still answers"
body_has '"found": true' "from its snapshot"
head_has "^dsmap-generation: $GEN4" "the last one it took"
serve_stop
check "the replica's server exits 0" test "$SRV_RC" -eq 0
check "one snapshot on disk" test "$(ls "$R/snapshots" | wc -l)" -eq 1

finish
