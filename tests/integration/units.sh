#!/bin/sh
# The systemd units dsmap ships (contrib/): each one systemd-analyze verify
# finds nothing to say about, with ExecStart pointing at the dsmap built
# here, as make install writes it with its bindir.  A setting systemd does
# not understand is only "ignored" at boot, so any word of verify fails.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
cd "$T_TMP"

if ! command -v systemd-analyze > /dev/null; then
	echo "# systemd-analyze is missing (Debian: systemd)"
	exit 99
fi
bindir=$(dirname "$DSMAP_BIN")
C=$DSMAP_SRCDIR/contrib

# verify UNIT...: verify's status and words in $T_RC and $T_TMP/err
verify() {
	T_RC=0
	systemd-analyze verify --man=no "$@" > "$T_TMP/out" 2> "$T_TMP/err" || T_RC=$?
}
quiet() {
	[ "$T_RC" -eq 0 ] && [ ! -s "$T_TMP/err" ] && [ ! -s "$T_TMP/out" ]
}

sed "s|@bindir@|$bindir|g" "$C/dsmap-serve.service.in" > dsmap-serve.service
verify ./dsmap-serve.service
check "dsmap-serve.service: verify says nothing" quiet

# The agent's units are templates: an instance per system.
sed "s|@bindir@|$bindir|g" "$C/dsmap-agent@.service.in" > dsmap-agent@crm.service
cp "$C/dsmap-agent@.timer" dsmap-agent@crm.timer
verify ./dsmap-agent@crm.service ./dsmap-agent@crm.timer
check "dsmap-agent@crm.service and its timer: verify says nothing" quiet
check "the agent runs dsmap agent for the instance's system" \
	grep -q "^ExecStart=$bindir/dsmap agent --system %i " dsmap-agent@crm.service
check "and may write its workspace's .dsmap only" \
	grep -q '^ReadWritePaths=/var/lib/dsmap/agent-%i/.dsmap$' dsmap-agent@crm.service
check "the same sandbox as serve's" sh -c '
	for k in NoNewPrivileges ProtectSystem ProtectHome PrivateTmp PrivateDevices \
	         RestrictNamespaces CapabilityBoundingSet; do
		a=$(grep "^$k=" dsmap-serve.service) && b=$(grep "^$k=" dsmap-agent@crm.service) &&
		[ "$a" = "$b" ] || exit 1
	done'

# The check itself: a setting systemd would ignore is caught.
sed 's/^ProtectSystem=strict$/ProtectSystem=stricter/' dsmap-agent@crm.service > bad@crm.service
verify ./bad@crm.service
check "a setting systemd would ignore is reported" sh -c \
	"! { [ $T_RC -eq 0 ] && [ ! -s '$T_TMP/err' ]; }"
sed 's/^OnCalendar=.*/OnCalendar=*-*-* 25:00:00/' dsmap-agent@crm.timer > bad@crm.timer
cp dsmap-agent@crm.service bad@crm.service
verify ./bad@crm.timer
check "a timer with a bad calendar is refused" test "$T_RC" -ne 0
finish
