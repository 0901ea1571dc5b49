#!/bin/sh
# A bounded corruption campaign: copies of a scanned store, each with
# random bytes flipped past LMDB's two meta pages, are given to verify,
# status, locate, sync and scan.  No command may die of a signal, hang,
# trip a sanitizer or exit with a status dsmap does not use; a read that
# LMDB faults on must end in dsmap's own message.  And whenever verify
# calls a damaged store sound, locate and status must answer exactly as
# on the sound store (else verify missed damage that changes an answer).
# bench/damage runs the same campaign at scale.
#
# DSMAP_DAMAGE_STORES (default 40) stores, DSMAP_DAMAGE_SEED (default 1).
# The dsmap binary is run directly, not through DSMAP_RUNNER: under
# valgrind, LMDB's reads of damaged pages are the expected outcome, not a
# finding, and 250 runs would not fit the suite's time.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"
DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH

dsmap init ws
W=$T_TMP/ws
. "$DSMAP_SRCDIR/tests/integration/damage-ws.sh"
damage_workspace "$W" 1500
dsmap -C "$W" scan --quiet
expect_rc 0 "scan a store to damage"
dsmap -C "$W" verify
expect_rc 0 "the store is sound before the campaign"

python3 "$DSMAP_SRCDIR/tests/integration/damage.py" "$DSMAP_BIN" "$W" \
	"${DSMAP_DAMAGE_STORES:-40}" "${DSMAP_DAMAGE_SEED:-1}" > campaign.txt 2> campaign.err
rc=$?
cat campaign.txt
check "the campaign ran" test "$rc" = 0
check "no command crashed, hung or tripped a sanitizer" sh -c '! grep -q "^crash: " campaign.txt'
check "verify called no store sound whose answers changed" sh -c '! grep -q "^missed: " campaign.txt'

finish
