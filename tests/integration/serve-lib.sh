# Shared helpers for the dsmap serve tests: sourced after lib.sh.
#
# serve_start [ARGS...]: start `dsmap serve --listen 127.0.0.1:0 ARGS` on
# workspace $W (through $DSMAP_RUNNER: valgrind is slow to start, so the
# wait is long), its URL in $URL, its pid in $SRV_PID, its stdout and
# stderr in $T_TMP/srv.out and $T_TMP/srv.err.  The server is stopped at
# the end of the test, whatever happens.
# serve_stop: SIGTERM; its exit status in $SRV_RC.
# serve_workspace SUBJECTS: workspace $W of three scanned systems (SQLite,
# CSV, JSON lines) of SUBJECTS subjects each, made by bench/gen-sources.py.
# req METHOD PATH [TOKEN] [CURL ARGS...]: one request; status in $H_CODE,
# body in $T_TMP/body, headers in $T_TMP/head.

SRV_PID=
SRV_RC=
serve_cleanup() {
	if [ -n "$SRV_PID" ]; then
		kill -TERM "$SRV_PID" 2>/dev/null
		sleep 1
		kill -KILL "$SRV_PID" 2>/dev/null
	fi
	rm -rf "$T_TMP"
}
trap serve_cleanup EXIT

serve_start() {
	: > "$T_TMP/srv.out"
	$DSMAP_RUNNER "$DSMAP_BIN" -C "$W" serve --listen 127.0.0.1:0 "$@" \
		> "$T_TMP/srv.out" 2> "$T_TMP/srv.err" &
	SRV_PID=$!
	i=0
	URL=
	while [ $i -lt 600 ]; do
		URL=$(sed -n 's|^serving \(http[s]*://[^ ]*\)$|\1|p' "$T_TMP/srv.out")
		[ -n "$URL" ] && break
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	URL=${URL%/}
	[ -n "$URL" ]
}

serve_stop() {
	SRV_RC=0
	kill -TERM "$SRV_PID"
	wait "$SRV_PID" || SRV_RC=$?
	SRV_PID=
}

# make_token VAR ROLE NAME: `dsmap token add`, the token in $VAR.
make_token() {
	dsmap -C "$W" token add --role "$2" --name "$3"
	[ "$T_RC" -eq 0 ] || not_ok "dsmap token add --role $2 --name $3"
	eval "$1=\$(cat \"\$T_TMP/out\")"
}

H_CODE=
req() {
	m=$1 p=$2 tok=${3:-}
	shift 3 2>/dev/null || shift $#
	if [ -n "$tok" ]; then
		H_CODE=$(curl -sS -k -X "$m" -o "$T_TMP/body" -D "$T_TMP/head" -w '%{http_code}' \
			--max-time 60 -H "Authorization: Bearer $tok" "$@" "$URL$p" 2>"$T_TMP/curl.err")
	else
		H_CODE=$(curl -sS -k -X "$m" -o "$T_TMP/body" -D "$T_TMP/head" -w '%{http_code}' \
			--max-time 60 "$@" "$URL$p" 2>"$T_TMP/curl.err")
	fi
	[ -n "$H_CODE" ] || H_CODE=000
}

# expect_code N DESCRIPTION
expect_code() {
	if [ "$H_CODE" = "$1" ]; then
		ok "$2"
	else
		T_FAIL=$((T_FAIL + 1))
		echo "not ok - $2 (wanted HTTP $1, got $H_CODE)"
		head -c 600 "$T_TMP/body" 2>/dev/null | sed 's/^/  body: /'
		sed 's/^/  curl: /' "$T_TMP/curl.err" 2>/dev/null | head -5
	fi
}

# body_has PATTERN DESCRIPTION: grep -E in the last body.
body_has() {
	if grep -Eq -- "$1" "$T_TMP/body"; then ok "$2"; else
		T_FAIL=$((T_FAIL + 1)); echo "not ok - $2 (no /$1/ in the body)"
		head -c 600 "$T_TMP/body" | sed 's/^/  body: /'
	fi
}
head_has() {
	if grep -Eiq -- "$1" "$T_TMP/head"; then ok "$2"; else
		T_FAIL=$((T_FAIL + 1)); echo "not ok - $2 (no /$1/ in the headers)"
		sed 's/^/  head: /' "$T_TMP/head"
	fi
}

serve_workspace() {
	DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
	export DSMAP_PLUGIN_PATH
	dsmap init ws
	W=$T_TMP/ws
	python3 "$DSMAP_SRCDIR/bench/gen-sources.py" "$W" "$1"
	git -C "$W" add mappings
	git -C "$W" -c user.name=t -c user.email=t@example.com commit -q -m "three systems"
	dsmap -C "$W" scan --quiet
	expect_rc 0 "scan the three systems"
}
