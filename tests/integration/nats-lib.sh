# A NATS JetStream cluster for the tests: sourced after lib.sh, not run.
#
#   nats_start [SYSTEM...]   start 3 nodes on loopback, random ports, TLS,
#                            and wait until JetStream has a meta leader
#   nats_tool ARGS...        tests/nats-tool as the admin user (N_OUT, N_RC)
#   nats_node_stop I         SIGKILL node I (1..3)
#   nats_node_start I        start node I again, on its ports and store dir
#   nats_wait_current STREAM [SECONDS]
#                            wait until STREAM has a leader and all 3 of
#                            its replicas current (default 30 s)
#   nats_stop                stop every node (also done at exit)
#
# What it leaves in the environment:
#   NATS_URLS      tls://127.0.0.1:P1,tls://127.0.0.1:P2,tls://127.0.0.1:P3
#   NATS_CA        the CA certificate the nodes' certificate chains to
#   NATS_DIR       $T_TMP/nats: nodes' configs, logs and store dirs (n1/ n2/ n3/)
#   NATS_ADMIN_USER, NATS_ADMIN_PASSWORD: the coordinator's user, which may
#                  do anything in the DSMAP account
#   NATS_CREDS_<SYSTEM>: a 0600 file of NATS_USER=, NATS_PASSWORD= lines
#                  (dsmap's credentials format) for user agent-SYSTEM, which
#                  may publish on dsmap.scan.SYSTEM.> and nothing else
#   NATS_CREDS_REPLICA: the same for user replica, which may read the
#                  stream DSMAP_SNAPSHOTS and publish on no dsmap.> subject
#
# NATS_MAX_FILE_STORE (default 1GB) is each node's JetStream file store
# limit: bench/replica raises it, since the stream of snapshots holds two
# of them while a new one is published.
#
# Each node has its own JetStream store dir, so that a test can grep them
# all.  The certificate (a self-signed CA and one node certificate, for
# IP 127.0.0.1, server and client use: routes are mutual TLS) is made here
# with openssl.  Without nats-server the test is skipped (77), or fails
# (99) when DSMAP_REQUIRE_NATS=1 (./bootstrap test).

NATS_SERVER=${NATS_SERVER:-$(command -v nats-server || echo /usr/sbin/nats-server)}
NATS_DIR=$T_TMP/nats
NATS_PIDS=
N_RC=0

trap 'nats_stop; rm -rf "$T_TMP"' EXIT

nats__need() {
	if [ -x "$NATS_SERVER" ] && command -v openssl > /dev/null && command -v curl > /dev/null; then
		return 0
	fi
	if [ "${DSMAP_REQUIRE_NATS:-0}" = 1 ]; then
		echo "# nats-server, openssl or curl is missing (DSMAP_REQUIRE_NATS=1: failing)"
		exit 99
	fi
	echo "# nats-server, openssl or curl is missing: skipped"
	exit 77
}

# A port nothing listens on now (the kernel's choice; another process could
# still take it before the node does: the start then fails, loudly).
nats__port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

nats__certs() {
	d=$NATS_DIR/tls
	mkdir -p "$d"
	(
		cd "$d" || exit 1
		umask 077
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=dsmap-test-ca \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign,cRLSign \
			-keyout ca.key -out ca.pem 2> openssl.err &&
		openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
			-keyout node.key -out node.csr 2>> openssl.err &&
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' > node.ext &&
		openssl x509 -req -in node.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
			-extfile node.ext -out node.pem 2>> openssl.err
	) || { echo "# openssl could not make the test certificates:"; cat "$d/openssl.err"; exit 99; }
	NATS_CA=$d/ca.pem
}

nats__password() {
	openssl rand -hex 16
}

# nats__config I: node I's configuration file.
nats__config() {
	i=$1
	eval "port=\$NATS_PORT_$i cport=\$NATS_CPORT_$i mport=\$NATS_MPORT_$i"
	routes=
	for k in 1 2 3; do
		eval "routes=\"\${routes:+\$routes, }\\\"nats-route://127.0.0.1:\$NATS_CPORT_$k\\\"\""
	done
	tls="cert_file: \"$NATS_DIR/tls/node.pem\", key_file: \"$NATS_DIR/tls/node.key\", ca_file: \"$NATS_CA\", timeout: 5"
	cat <<EOF
server_name: n$i
listen: 127.0.0.1:$port
http: 127.0.0.1:$mport
max_payload: 1MB
tls { $tls }
jetstream { store_dir: "$NATS_DIR/n$i", max_memory_store: 64MB, max_file_store: ${NATS_MAX_FILE_STORE:-1GB} }
cluster {
  name: dsmap-test
  listen: 127.0.0.1:$cport
  routes: [ $routes ]
  tls { $tls }
}
system_account: SYS
accounts {
  SYS { users: [ { user: sys, password: "$NATS_SYS_PASSWORD" } ] }
  DSMAP {
    jetstream: enabled
    users: [
      { user: "$NATS_ADMIN_USER", password: "$NATS_ADMIN_PASSWORD" }
$NATS_AGENT_USERS
    ]
  }
}
EOF
}

# nats__start_node I
nats__start_node() {
	"$NATS_SERVER" -c "$NATS_DIR/n$1.conf" > "$NATS_DIR/n$1.log" 2>&1 &
	eval "NATS_PID_$1=$!"
	NATS_PIDS="$NATS_PIDS $!"
}

# nats__leader: the JetStream meta leader's name as node 1..3 sees it, or
# nothing.
nats__leader() {
	for k in 1 2 3; do
		eval "mport=\$NATS_MPORT_$k"
		curl -s --max-time 2 "http://127.0.0.1:$mport/jsz" 2>/dev/null |
			python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
    m = d.get("meta_cluster") or {}
    if m.get("leader") and m.get("cluster_size") == 3:
        print(m["leader"])
except Exception:
    pass' && return 0
	done
}

nats_start() {
	nats__need
	mkdir -p "$NATS_DIR"
	nats__certs
	NATS_SYS_PASSWORD=$(nats__password)
	NATS_ADMIN_USER=coordinator
	NATS_ADMIN_PASSWORD=$(nats__password)
	NATS_AGENT_USERS=
	mkdir -p "$NATS_DIR/creds"
	for sys in "$@"; do
		pw=$(nats__password)
		NATS_AGENT_USERS="$NATS_AGENT_USERS      { user: \"agent-$sys\", password: \"$pw\",
        permissions: { publish: { allow: [\"dsmap.scan.$sys.>\"] },
                       subscribe: { allow: [\"_INBOX.>\"] } } }
"
		(umask 077 && printf 'NATS_USER=agent-%s\nNATS_PASSWORD=%s\n' "$sys" "$pw" \
			> "$NATS_DIR/creds/$sys")
		eval "NATS_CREDS_$(echo "$sys" | tr -c 'A-Za-z0-9\n' _)=\$NATS_DIR/creds/\$sys"
	done
	# A read replica's user: it reads the snapshots' stream (the last
	# meta, ordered consumers and their flow control) and publishes
	# nothing on dsmap.>.
	pw=$(nats__password)
	NATS_AGENT_USERS="$NATS_AGENT_USERS      { user: \"replica\", password: \"$pw\",
        permissions: { publish: { allow: [\"\$JS.API.STREAM.MSG.GET.DSMAP_SNAPSHOTS\",
                                          \"\$JS.API.CONSUMER.CREATE.DSMAP_SNAPSHOTS\",
                                          \"\$JS.API.CONSUMER.CREATE.DSMAP_SNAPSHOTS.>\",
                                          \"\$JS.API.CONSUMER.DELETE.DSMAP_SNAPSHOTS.>\",
                                          \"\$JS.API.CONSUMER.INFO.DSMAP_SNAPSHOTS.>\",
                                          \"\$JS.FC.DSMAP_SNAPSHOTS.>\"] },
                       subscribe: { allow: [\"_INBOX.>\", \"dsmap.snap.meta\"] } } }
"
	(umask 077 && printf 'NATS_USER=replica\nNATS_PASSWORD=%s\n' "$pw" \
		> "$NATS_DIR/creds/replica")
	NATS_CREDS_REPLICA=$NATS_DIR/creds/replica
	NATS_URLS=
	for i in 1 2 3; do
		eval "NATS_PORT_$i=$(nats__port) NATS_CPORT_$i=$(nats__port) NATS_MPORT_$i=$(nats__port)"
		eval "NATS_URLS=\"\${NATS_URLS:+\$NATS_URLS,}tls://127.0.0.1:\$NATS_PORT_$i\""
	done
	for i in 1 2 3; do
		mkdir -p "$NATS_DIR/n$i"
		nats__config "$i" > "$NATS_DIR/n$i.conf"
		nats__start_node "$i"
	done
	export NATS_URLS NATS_CA NATS_DIR NATS_ADMIN_USER NATS_ADMIN_PASSWORD
	# A meta leader needs a quorum of routes over TLS: a few seconds.
	tries=0
	while [ -z "$(nats__leader)" ]; do
		tries=$((tries + 1))
		if [ "$tries" -gt 300 ]; then
			echo "# the NATS cluster has no JetStream meta leader after 30 s"
			for i in 1 2 3; do sed "s/^/# n$i: /" "$NATS_DIR/n$i.log" | tail -15; done
			return 1
		fi
		sleep 0.1
	done
	NATS_LEADER=$(nats__leader)
	return 0
}

nats_node_stop() {
	eval "pid=\${NATS_PID_$1:-}"
	[ -n "$pid" ] || return 0
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	eval "NATS_PID_$1="
}

nats_node_start() {
	eval "pid=\${NATS_PID_$1:-}"
	[ -z "$pid" ] || return 0
	nats__start_node "$1"
}

nats_wait_current() {
	w_max=$(( ${2:-30} * 5 ))
	for _ in $(seq 1 "$w_max"); do
		nats_tool -t 2 stream-info "$1"
		case $N_OUT in
		*" leader n"[123]" current 3") return 0 ;;
		esac
		sleep 0.2
	done
	echo "# stream $1 has not 3 current replicas after ${2:-30} s ($N_OUT)"
	return 1
}

nats_stop() {
	for i in 1 2 3; do
		eval "pid=\${NATS_PID_$i:-}"
		[ -n "$pid" ] || continue
		kill -TERM "$pid" 2>/dev/null
	done
	for i in 1 2 3; do
		eval "pid=\${NATS_PID_$i:-}"
		[ -n "$pid" ] || continue
		wait "$pid" 2>/dev/null
		eval "NATS_PID_$i="
	done
}

# nats_tool [-u USER -p PASSWORD] ARGS...: tests/nats-tool on the cluster,
# as the coordinator unless -u/-p are given first; stdout in $N_OUT, stderr
# in $T_TMP/nats.err, exit status in $N_RC.
nats_tool() {
	N_RC=0
	n_user=$NATS_ADMIN_USER n_pass=$NATS_ADMIN_PASSWORD
	if [ "${1:-}" = -u ]; then
		n_user=$2 n_pass=$4
		shift 4
	fi
	N_OUT=$("$DSMAP_BUILDDIR/tests/nats-tool" -c "$NATS_CA" -u "$n_user" -p "$n_pass" \
		"$NATS_URLS" "$@" 2> "$T_TMP/nats.err") || N_RC=$?
}
