#!/bin/sh
# A bounded SIGKILL campaign: scan, sync and `lineage --at` of a workspace
# of three systems (SQLite, CSV, JSON lines) are killed at random moments,
# and after each kill verify must call the store sound, each system must
# answer (status, locate) exactly as before the command or exactly as after
# it, never a mix, no lock or reader slot may stop the next command, and a
# scan run to its end must give the new answer (tests/integration/kill.py
# says how).  bench/kill runs the same campaign at scale.
#
# DSMAP_KILL_COUNT (default 20) kills, DSMAP_KILL_SUBJECTS (default 2000)
# subjects per system, DSMAP_KILL_SEED (default: from the clock, printed:
# set it to replay a failure's choices; the kill moments are timed, so
# they vary from run to run anyway).
#
# The killed commands run the dsmap binary directly, not through
# DSMAP_RUNNER: a kill inside valgrind proves nothing more about the store,
# and the suite could not afford the campaign 20 to 50 times slower.  The
# store the campaign leaves behind is then verified, scanned and read
# through DSMAP_RUNNER, so the valgrind pass checks the commands that
# follow a run of kills.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"
DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH
seed=${DSMAP_KILL_SEED:-$(date +%s)}
echo "kill.sh: seed $seed (DSMAP_KILL_SEED=$seed to replay)"

# The real binary beside libtool's wrapper, as bench/lib.sh runs it: a
# wrapper costs a shell on each of the campaign's some 200 commands.
bin=$DSMAP_BIN
if [ -x "$DSMAP_BUILDDIR/cli/.libs/dsmap" ]; then
	bin=$DSMAP_BUILDDIR/cli/.libs/dsmap
	LD_LIBRARY_PATH=$DSMAP_BUILDDIR/core/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	export LD_LIBRARY_PATH
fi

dsmap init ws
expect_rc 0 "init a workspace to kill commands in"
W=$T_TMP/ws
python3 "$DSMAP_SRCDIR/tests/integration/kill.py" "$bin" "$DSMAP_SRCDIR" "$W" \
	"${DSMAP_KILL_COUNT:-20}" "$seed" "${DSMAP_KILL_SUBJECTS:-2000}" > campaign.txt 2> campaign.err
rc=$?
cat campaign.txt
sed 's/^/  stderr: /' campaign.err | head -20
check "the campaign ran" test "$rc" = 0
check "the campaign killed commands" grep -q '^kill: seed .*, [1-9][0-9]* kills' campaign.txt
check "verify called the store sound after every kill" sh -c '! grep -q "^corrupt: " campaign.txt'
check "every system answered as before or as after, never a mix" \
	sh -c '! grep -q "^\(mixed\|lost\): " campaign.txt'
check "no process outlived its kill and no command hung" sh -c '! grep -q "^stuck: " campaign.txt'
check "no command failed after a kill; every next scan gave the new answer" \
	sh -c '! grep -q "^fail: " campaign.txt'

# The store after the campaign, through DSMAP_RUNNER (valgrind).
dsmap -C "$W" verify
expect_rc 0 "the store is sound after the campaign"
dsmap -C "$W" scan --quiet
expect_rc 0 "a scan after the campaign"
dsmap -C "$W" locate --format json customer-number:C00000042
expect_rc 0 "locate after the campaign"
expect_out '"system": "weblog"' "locate after the campaign finds the subject"

finish
