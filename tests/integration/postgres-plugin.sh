#!/bin/sh
# Integration test: the postgres plugin's unit tests (tests/unit/plugin_postgres.c)
# against a throw-away PostgreSQL server started by tests/pg.sh.  Skips (77)
# when there is no PostgreSQL or the unit test was not built (no cmocka);
# with DSMAP_REQUIRE_POSTGRES=1 (./bootstrap test) either one fails instead.
set -u
: "${DSMAP_SRCDIR:?DSMAP_SRCDIR must name the source tree (run through make check)}"
: "${DSMAP_BUILDDIR:?DSMAP_BUILDDIR must name the build tree (run through make check)}"

bin=$DSMAP_BUILDDIR/tests/unit/plugin_postgres
if [ ! -x "$bin" ]; then
	if [ "${DSMAP_REQUIRE_POSTGRES:-0}" = 1 ]; then
		echo "$bin not built (no cmocka?); DSMAP_REQUIRE_POSTGRES=1: failing"
		exit 99
	fi
	echo "$bin not built (no cmocka?): skipping"
	exit 77
fi

. "$DSMAP_SRCDIR/tests/pg.sh"
trap 'pg_stop' EXIT
trap 'exit 1' HUP INT TERM
pg_start || exit $?
echo "PostgreSQL from $PG_BINDIR on $PGHOST:$PGPORT"

rc=0
${DSMAP_RUNNER:-} "$bin" || rc=$?
if [ "$rc" -ne 0 ]; then
	echo "the server's log:"
	sed 's/^/  /' "$PG_LOG" | tail -40
fi
exit "$rc"
