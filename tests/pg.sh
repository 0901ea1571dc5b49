# A throw-away PostgreSQL server for tests: sourced, not run (POSIX sh).
#
#     . "$DSMAP_SRCDIR/tests/pg.sh"
#     trap 'pg_stop' EXIT
#     trap 'exit 1' HUP INT TERM
#     pg_start || exit $?        # 77 (skip) when there is no PostgreSQL
#     pg_psql -c 'CREATE TABLE t (x int)'
#
# pg_start makes a cluster in a new temporary directory, with a superuser
# that has a password (scram-sha-256, also over the socket), listening on
# 127.0.0.1 only, on a free port of 20000 and up, its socket in that
# directory, and fsync off.  Run as root, it runs the server as an
# unprivileged user ($PG_RUNAS, default nobody), since PostgreSQL refuses
# to run as root.  It exports what libpq and psql read:
#
#     PGHOST=127.0.0.1 PGPORT PGUSER PGPASSWORD PGDATABASE=dsmap_test
#
# and, for tests that want more: PG_BINDIR, PG_TMP (the directory), PG_DATA,
# PG_LOG (the server's log).
#
# Without PostgreSQL, pg_start returns 77, which automake counts as a
# skipped test; with DSMAP_REQUIRE_POSTGRES=1 it fails (returns 99).
# PG_BINDIR, when set, is where to find initdb and pg_ctl.
#
# pg_stop stops the server (fast, then immediate) and removes the
# directory; it is safe to call twice, or after a pg_start that failed.

pg__say() {
	echo "pg.sh: $*" >&2
}

# The directory of initdb and pg_ctl, on stdout.
pg__bindir() {
	for d in "${PG_BINDIR:-}" "$(pg_config --bindir 2>/dev/null)" \
		$(ls -d /usr/lib/postgresql/*/bin /usr/pgsql-*/bin /usr/local/pgsql/bin \
			2>/dev/null | sort -t/ -k5,5nr); do
		if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			echo "$d"
			return 0
		fi
	done
	if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
		dirname "$(command -v initdb)"
		return 0
	fi
	return 1
}

# pg__as CMD...: run CMD as the server's user, in $PG_TMP.
pg__as() {
	if [ -z "$PG__RUNAS" ]; then
		(cd "$PG_TMP" && "$@")
	elif command -v setpriv >/dev/null 2>&1; then
		(cd "$PG_TMP" && setpriv --reuid="$PG__UID" --regid="$PG__GID" --clear-groups -- "$@")
	elif command -v runuser >/dev/null 2>&1; then
		(cd "$PG_TMP" && runuser -u "$PG__RUNAS" -- "$@")
	else
		pg__say "running as root, and neither setpriv nor runuser is here"
		return 1
	fi
}

# A random number in [0, $1).
pg__random() {
	n=$(od -An -N2 -tu2 /dev/urandom 2>/dev/null | tr -d ' ')
	echo $(( ${n:-$$} % $1 ))
}

pg__missing() {
	if [ "${DSMAP_REQUIRE_POSTGRES:-0}" = 1 ]; then
		pg__say "$* (DSMAP_REQUIRE_POSTGRES=1: failing)"
		return 99
	fi
	pg__say "$*: skipping"
	return 77
}

pg_start() {
	if ! PG_BINDIR=$(pg__bindir); then
		pg__missing "PostgreSQL (initdb, pg_ctl) not found"
		return $?
	fi
	if [ -x "$PG_BINDIR/psql" ]; then
		PG__PSQL=$PG_BINDIR/psql
	elif command -v psql >/dev/null 2>&1; then
		PG__PSQL=$(command -v psql)
	else
		pg__missing "psql not found"
		return $?
	fi

	PG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/dsmap-pg-XXXXXX") || return 99
	PG_DATA=$PG_TMP/data
	PG_LOG=$PG_TMP/server.log
	export PG_BINDIR PG_TMP PG_DATA PG_LOG

	PG__RUNAS=
	if [ "$(id -u)" = 0 ]; then
		PG__RUNAS=${PG_RUNAS:-nobody}
		if ! PG__UID=$(id -u "$PG__RUNAS") || ! PG__GID=$(id -g "$PG__RUNAS"); then
			pg__say "running as root, and there is no user '$PG__RUNAS' to run the server"
			pg_stop
			return 99
		fi
		chmod 700 "$PG_TMP"
		chown "$PG__UID:$PG__GID" "$PG_TMP"
	fi

	PGUSER=dsmap
	PGPASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	PGHOST=127.0.0.1
	PGDATABASE=dsmap_test
	export PGUSER PGPASSWORD PGHOST PGDATABASE
	# What the environment may say that would send libpq elsewhere.
	unset PGHOSTADDR PGSERVICE PGSERVICEFILE PGPASSFILE PGOPTIONS PGSSLMODE \
		PGREQUIRESSL PGAPPNAME PGTARGETSESSIONATTRS PGCONNECT_TIMEOUT PGCLIENTENCODING \
		2>/dev/null || true

	(umask 077 && printf '%s\n' "$PGPASSWORD" > "$PG_TMP/pwfile")
	[ -z "$PG__RUNAS" ] || chown "$PG__UID:$PG__GID" "$PG_TMP/pwfile"
	if ! pg__as "$PG_BINDIR/initdb" -D "$PG_DATA" -U "$PGUSER" --pwfile="$PG_TMP/pwfile" \
		-A scram-sha-256 -E UTF8 --no-locale --no-sync > "$PG_TMP/initdb.log" 2>&1; then
		pg__say "initdb failed:"
		sed 's/^/  /' "$PG_TMP/initdb.log" >&2
		pg_stop
		return 99
	fi
	rm -f "$PG_TMP/pwfile"
	cat > "$PG_TMP/pg_hba.conf" <<-EOF
	local all all scram-sha-256
	host all all 127.0.0.1/32 scram-sha-256
	EOF
	cat >> "$PG_DATA/postgresql.conf" <<-EOF
	listen_addresses = '127.0.0.1'
	unix_socket_directories = '$PG_TMP'
	hba_file = '$PG_TMP/pg_hba.conf'
	password_encryption = 'scram-sha-256'
	fsync = off
	synchronous_commit = off
	full_page_writes = off
	max_connections = 30
	shared_buffers = 32MB
	EOF
	[ -z "$PG__RUNAS" ] || chown "$PG__UID:$PG__GID" "$PG_TMP/pg_hba.conf"

	tries=0
	while :; do
		PGPORT=$((20000 + $(pg__random 40000)))
		export PGPORT
		if pg__as "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -o "-p $PGPORT" \
			-w -t 60 start > "$PG_TMP/pg_ctl.log" 2>&1; then
			break
		fi
		tries=$((tries + 1))
		if [ "$tries" -ge 5 ] || ! grep -Eq "could not (bind|create)" "$PG_LOG" 2>/dev/null; then
			pg__say "the server did not start:"
			sed 's/^/  /' "$PG_TMP/pg_ctl.log" "$PG_LOG" >&2 2>/dev/null
			pg_stop
			return 99
		fi
		: > "$PG_LOG"
	done
	PG__STARTED=1

	if ! pg_psql -d postgres -c "CREATE DATABASE $PGDATABASE" >/dev/null; then
		pg__say "cannot create database $PGDATABASE"
		pg_stop
		return 99
	fi
	return 0
}

# pg_psql ARGS...: psql on the test server, quiet, stopping at the first error.
pg_psql() {
	"$PG__PSQL" -X -q -v ON_ERROR_STOP=1 "$@"
}

pg_stop() {
	if [ -n "${PG__STARTED:-}" ]; then
		pg__as "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 ||
			pg__as "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
			pg__say "cannot stop the server in $PG_DATA"
		PG__STARTED=
	fi
	if [ -n "${PG_TMP:-}" ]; then
		rm -rf "$PG_TMP"
		PG_TMP=
	fi
	return 0
}
