#!/bin/sh
# The NATS harness of the distributed tests (nats-lib.sh): a 3-node
# JetStream cluster over TLS with per-agent permissions.  A stream of 3
# replicas keeps taking messages with one node killed; a message id is
# stored once; plain text is refused; an agent may publish only on its own
# system's subjects.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
. "$DSMAP_SRCDIR/tests/integration/nats-lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"

nats_start crm billing || exit 99
check "three nodes elect a JetStream meta leader" test -n "$NATS_LEADER"

nats_tool stream-add PROBE 'probe.>' 3
check "the coordinator creates a stream of 3 replicas" test "$N_RC" -eq 0
nats_tool stream-info PROBE
case $N_OUT in
"messages 0 replicas 3 leader n"[123]" current "*) ok "it has 3 replicas and a leader" ;;
*) not_ok "it has 3 replicas and a leader ($N_OUT)"; cat "$T_TMP/nats.err" ;;
esac

nats_tool pub probe.a one id-1
check "a publish is stored" test "$N_RC" -eq 0 -a "$N_OUT" = "seq 1"
nats_tool pub probe.a one id-1
check "the same message id again is a duplicate, not stored twice" \
	test "$N_RC" -eq 0 -a "$N_OUT" = "duplicate seq 1"

# Kill any node: with 3 replicas, 2 are a quorum.  When it led the stream,
# the other two elect a leader within seconds, and until then a publish
# fails; a client publishes again with the same message id, as the agent
# does, and the stream stores it once.
nats_node_stop 1
for _ in $(seq 1 20); do
	nats_tool -t 5 pub probe.a two id-2
	[ "$N_RC" -ne 0 ] || break
	sleep 1
done
check "with node 1 killed, a publish is still stored ($N_OUT)" test "$N_RC" -eq 0 -a "$N_OUT" = "seq 2"
nats_tool stream-info PROBE
case $N_OUT in
"messages 2 replicas 3 "*) ok "and the stream holds both messages" ;;
*) not_ok "and the stream holds both messages ($N_OUT)"; cat "$T_TMP/nats.err" ;;
esac

# Node 1 comes back and catches up: a stream of 3 replicas can again be
# placed, and the one it missed a message of is whole on all three.
nats_node_start 1
check "node 1 back, the stream's 3 replicas are current again" nats_wait_current PROBE 60

# TLS only: a client that does not trust the CA is refused.
N_RC=0
"$DSMAP_BUILDDIR/tests/nats-tool" -u "$NATS_ADMIN_USER" -p "$NATS_ADMIN_PASSWORD" \
	"$(echo "$NATS_URLS" | sed 's/tls:/nats:/g')" stream-info PROBE > /dev/null 2> "$T_TMP/nats.err" || N_RC=$?
check "a client that does not trust the test CA is refused" \
	test "$N_RC" -ne 0 -a -n "$(grep 'SSL handshake error' "$T_TMP/nats.err")"

# Permissions: agent-crm publishes on crm's subjects only.
crm_pw=$(sed -n 's/^NATS_PASSWORD=//p' "$NATS_CREDS_crm")
check "the agent's credentials file is 0600" \
	test "$(stat -c %a "$NATS_CREDS_crm")" = 600
nats_tool stream-add SCAN 'dsmap.scan.>' 3
check "a stream for the scans" test "$N_RC" -eq 0
nats_tool -u agent-crm -p "$crm_pw" pub dsmap.scan.crm.g1 frames m1
check "agent-crm may publish on dsmap.scan.crm.*" test "$N_RC" -eq 0 -a "$N_OUT" = "seq 1"
nats_tool -u agent-crm -p "$crm_pw" -t 3 pub dsmap.scan.billing.g1 frames m2
check "agent-crm may not publish on dsmap.scan.billing.*" test "$N_RC" -ne 0 -a \
	-n "$(grep 'Permissions Violation for Publish to "dsmap.scan.billing.g1"' "$T_TMP/nats.err")"
nats_tool -u agent-crm -p "$crm_pw" -t 3 stream-add EVIL 'evil.>' 1
check "nor create a stream" test "$N_RC" -ne 0 -a \
	-n "$(grep 'Permissions Violation for Publish to "$JS.API.STREAM.CREATE.EVIL"' "$T_TMP/nats.err")"
nats_tool -u agent-crm -p wrong -t 3 stream-info SCAN
check "a wrong password is refused" test "$N_RC" -ne 0 -a \
	-n "$(grep 'Authorization Violation' "$T_TMP/nats.err")"
nats_tool stream-info SCAN
case $N_OUT in
"messages 1 "*) ok "the scan stream holds only agent-crm's own message" ;;
*) not_ok "the scan stream holds only agent-crm's own message ($N_OUT)" ;;
esac

check "each node has its own JetStream store dir" \
	test -d "$NATS_DIR/n2/jetstream" -a -d "$NATS_DIR/n3/jetstream"
nats_stop
alive=0
for pid in $NATS_PIDS; do
	! kill -0 "$pid" 2>/dev/null || alive=$((alive + 1))
done
check "every node stopped" test "$alive" -eq 0
finish
