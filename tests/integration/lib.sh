# Shared helpers for the integration tests: sourced, not run.
#
# Each test drives the real dsmap binary ($DSMAP_BIN, through $DSMAP_RUNNER,
# e.g. valgrind) in a temporary directory that is removed at the end, and
# ends with the line "N passed, N failed".

set -u
: "${DSMAP_BIN:?DSMAP_BIN must name the dsmap binary (run through make check)}"
DSMAP_RUNNER=${DSMAP_RUNNER:-}

T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/dsmap-it-XXXXXX")
trap 'rm -rf "$T_TMP"' EXIT
T_PASS=0
T_FAIL=0
T_RC=0
unset DSMAP_DIR

# dsmap ARGS: run the binary, stdout in $T_TMP/out, stderr in $T_TMP/err,
# exit status in $T_RC.
dsmap() {
	T_RC=0
	$DSMAP_RUNNER "$DSMAP_BIN" "$@" > "$T_TMP/out" 2> "$T_TMP/err" || T_RC=$?
}

ok() {
	T_PASS=$((T_PASS + 1))
	echo "ok $T_PASS - $1"
}

not_ok() {
	T_FAIL=$((T_FAIL + 1))
	echo "not ok - $1"
	echo "  exit status: $T_RC"
	# a check made before any dsmap run has no output to show
	[ ! -f "$T_TMP/out" ] || sed 's/^/  stdout: /' "$T_TMP/out" | head -20
	[ ! -f "$T_TMP/err" ] || sed 's/^/  stderr: /' "$T_TMP/err" | head -20
}

# expect_rc N DESCRIPTION: the last run exited with N.
expect_rc() {
	if [ "$T_RC" -eq "$1" ]; then ok "$2"; else not_ok "$2 (wanted exit $1)"; fi
}

# expect_out PATTERN DESCRIPTION / expect_err PATTERN DESCRIPTION: grep -E
# in the last run's stdout / stderr.
expect_out() {
	if grep -Eq -- "$1" "$T_TMP/out"; then ok "$2"; else not_ok "$2 (no /$1/ in stdout)"; fi
}
expect_err() {
	if grep -Eq -- "$1" "$T_TMP/err"; then ok "$2"; else not_ok "$2 (no /$1/ in stderr)"; fi
}
expect_empty_out() {
	if [ ! -s "$T_TMP/out" ]; then ok "$1"; else not_ok "$1 (stdout not empty)"; fi
}
expect_empty_err() {
	if [ ! -s "$T_TMP/err" ]; then ok "$1"; else not_ok "$1 (stderr not empty)"; fi
}

# expect_golden NAME DESCRIPTION: the last run's stdout is
# tests/fixtures/golden/NAME, once what changes from run to run is masked:
# revision ids (12 hex digits) read REVISION, dates (and times) DATE.  The
# golden files are written and read by people: regenerate one with
# DSMAP_GOLDEN_WRITE=1 and review the diff before committing it.
expect_golden() {
	sed -E 's/[0-9a-f]{12}/REVISION/g; s/[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2} UTC)?/DATE/g' \
		"$T_TMP/out" > "$T_TMP/golden"
	if [ -n "${DSMAP_GOLDEN_WRITE:-}" ]; then
		cp "$T_TMP/golden" "$DSMAP_SRCDIR/tests/fixtures/golden/$1"
	fi
	if cmp -s "$T_TMP/golden" "$DSMAP_SRCDIR/tests/fixtures/golden/$1"; then
		ok "$2"
	else
		not_ok "$2 (differs from tests/fixtures/golden/$1)"
		diff -u "$DSMAP_SRCDIR/tests/fixtures/golden/$1" "$T_TMP/golden" | sed 's/^/  /' | head -40
	fi
}

# check DESCRIPTION COMMAND...: a shell condition.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

finish() {
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}
