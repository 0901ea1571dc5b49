#!/bin/sh
# dsmap scan: systems scanned through plugins in runner processes, with
# every way a plugin can fail, and the inventory that must survive it.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"

DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs:$DSMAP_BUILDDIR/tests/fixtures/plugins/.libs
export DSMAP_PLUGIN_PATH
unset DSMAP_CREDENTIALS

dsmap init ws
expect_rc 0 "init a workspace"
W=$T_TMP/ws

# system ID PLUGIN [CONFIG-LINE...]: write mappings/systems/ID.yaml with one
# source, "customers", keyed by customer number then e-mail.
system() {
	id=$1 plugin=$2
	shift 2
	{
		printf 'schema: 1\nsystem:\n  id: %s\n  name: "%s"\n  plugin: %s\n' "$id" "$id" "$plugin"
		printf '  purposes: [after-sales-customer-service]\n'
		printf '  config:\n'
		printf '    placeholder: "1"\n'
		for line in "$@"; do printf '    %s\n' "$line"; done
		printf '  sources:\n    - name: customers\n'
		printf '      identifiers:\n        customer_no: customer-number\n        email: email\n'
		printf '      categories:\n        name: collected/identification-contact\n'
		printf '        nrn: [collected/national-register-number]\n'
	} > "$W/mappings/systems/$id.yaml"
}

commit() {
	git -C "$W" add -A mappings && git -C "$W" -c user.name=t -c user.email=t@example.com \
		commit -q -m "$1"
}

# holdings N: the store's holdings of the last scan, from status --format json
status_json() {
	dsmap -C "$W" status --format json
	cp "$T_TMP/out" "$T_TMP/status.json"
}
records_of() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print([s for s in d["systems"] if s["id"] == sys.argv[2]][0]["records"])' "$T_TMP/status.json" "$1"
}

# ---- a good scan ------------------------------------------------------------

system synth synthetic 'count: "500"'
system flaky misbehave 'mode: ok' 'count: "40"'
commit "two systems"
dsmap -C "$W" scan
expect_rc 0 "scan of two good systems succeeds"
expect_out '^flaky \(misbehave\): 40 records, 40 subjects, 2 categories' "flaky's summary"
expect_out '^synth \(synthetic\): 500 records, 500 subjects, ' "synth's summary"
expect_empty_err "no progress display when stderr is not a terminal"
status_json
check "status shows flaky's 40 records" [ "$(records_of flaky)" = 40 ]
check "status shows synth's 500 records" [ "$(records_of synth)" = 500 ]
check "status JSON counts subjects per category" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = [s for s in d["systems"] if s["id"] == "flaky"][0]
c = {x["category"]: (x["subjects"], x["records"]) for x in f["categories"]}
assert c == {"collected/identification-contact": (40, 40),
             "collected/national-register-number": (40, 40)}, c
assert f["first_seen"] == 1700000001 and f["last_seen"] == 1700000040, f
assert len(f["commit"]) == 40, f
' "$T_TMP/status.json"
dsmap -C "$W" status
expect_out '^  collected/national-register-number +40 +40$' "status text lists the categories held"

dsmap -C "$W" scan --format json
check "the JSON summary has schema, ok and counts" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == 1
s = {x["system"]: x for x in d["systems"]}
assert s["synth"]["ok"] and s["synth"]["records"] == 500 and s["synth"]["subjects"] == 500
assert s["flaky"]["categories"] == 2 and s["flaky"]["error"] is None
' "$T_TMP/out"

dsmap -C "$W" scan nosuch
expect_rc 3 "an undefined system is 'not found'"
expect_err "no system 'nosuch' in the mapping" "and named"

dsmap -C "$W" scan flaky flaky
expect_rc 0 "a system named twice is scanned once"
check "only one summary line" [ "$(grep -c '^flaky' "$T_TMP/out")" = 1 ]

# ---- every way to fail keeps the previous inventory ------------------------

fails() {
	mode=$1 pattern=$2
	shift 2
	system flaky misbehave "mode: $mode" 'count: "40"' 'after: "7"' "$@"
	commit "flaky: $mode"
	dsmap -C "$W" scan --timeout 2
	expect_rc 1 "$mode: the scan fails"
	expect_out "^flaky \\(misbehave\\): FAILED after .*$pattern" "$mode: says why"
	expect_out "^synth \\(synthetic\\): 500 records" "$mode: the other system is scanned"
	expect_err "the scan of 1 of 2 systems failed" "$mode: the error counts the failures"
	status_json
	check "$mode: flaky keeps its previous 40 records" [ "$(records_of flaky)" = 40 ]
	check "$mode: status records when and why the scan failed" python3 -c '
import json, re, sys
s = [x for x in json.load(open(sys.argv[1]))["systems"] if x["id"] == "flaky"][0]
assert s["failed_at"] >= s["last_scan"] > 0, s
assert re.search(sys.argv[2], s["failure"]), (sys.argv[2], s["failure"])
' "$T_TMP/status.json" "$pattern"
}
fails crash 'the plugin crashed \(Segmentation fault, signal 11\) after [0-9]+ records'
fails abort 'the plugin crashed \(Aborted, signal 6\)'
fails bus 'the plugin crashed \(Bus error, signal 7\)'
if grep -q 'store faulted' "$T_TMP/out"; then
	not_ok "a plugin's SIGBUS is not taken for a damaged store"
else
	ok "a plugin's SIGBUS is not taken for a damaged store"
fi
fails exit 'the runner ended \(exit status 3\) before the end of the scan'
fails hang 'the plugin sent nothing for 2 s .*killed after [0-9]+ records'
fails garbage 'the runner sent garbage'
dsmap -C "$W" status
expect_out '^flaky: its last scan failed at .*: the runner sent garbage.*; the inventory below is from its last good scan$' \
	"status text shows the failed scan next to the last good one"
fails bad-kind 'identifier kind 99 is not one dsmap knows'
fails bad-category 'a category the system.s definition does not map'
fails long-locator 'a locator of 4096 bytes, more than 512'
fails fail-open 'cannot reach the source: connection refused'
fails fail-scan 'source customers: connection lost'
dsmap -C "$W" verify
expect_rc 0 "the store is sound after every failure"

# The system's own timeout applies without --timeout.
system flaky misbehave 'mode: hang' 'after: "3"'
sed 's/^  purposes:/  timeout: "1"\n  purposes:/' "$W/mappings/systems/flaky.yaml" > "$T_TMP/f.yaml"
mv "$T_TMP/f.yaml" "$W/mappings/systems/flaky.yaml"
commit "flaky: hangs, timeout 1"
dsmap -C "$W" scan flaky
expect_out "sent nothing for 1 s" "a system's own timeout kills a hung plugin"

# A plugin slower than the timeout per batch, but not per record, lives.
system flaky misbehave 'mode: slow' 'count: "8"'
commit "flaky: slow"
dsmap -C "$W" scan --timeout 1 flaky
expect_rc 0 "a slow plugin that keeps sending is not taken for a hung one"
expect_out '^flaky \(misbehave\): 8 records' "and all its records arrive"
status_json
check "a good scan clears the failure" python3 -c '
import json, sys
s = [x for x in json.load(open(sys.argv[1]))["systems"] if x["id"] == "flaky"][0]
assert s["failed_at"] == 0 and s["failure"] is None, s
' "$T_TMP/status.json"

# A relative plugin path means the same in the runner, which works in the
# workspace's directory.
system flaky misbehave 'mode: ok'
commit "flaky: ok"
(cd "$DSMAP_BUILDDIR" && DSMAP_PLUGIN_PATH=tests/fixtures/plugins/.libs \
	$DSMAP_RUNNER "$DSMAP_BIN" -C "$W" scan flaky > "$T_TMP/out" 2> "$T_TMP/err") && T_RC=0 || T_RC=$?
expect_rc 0 "a relative DSMAP_PLUGIN_PATH works"

# ---- noise, invalid identifiers, rejects ------------------------------------

system flaky misbehave 'mode: noisy' 'count: "10"'
commit "flaky: noisy"
dsmap -C "$W" scan flaky
expect_rc 0 "a plugin that prints to stdout and stderr still scans"
expect_out '^flaky \(misbehave\): 10 records' "with its records"
if grep -q noise "$T_TMP/out" "$T_TMP/err"; then not_ok "the plugin's noise stays out of our output"; else ok "the plugin's noise stays out of our output"; fi

system flaky misbehave 'mode: invalid' 'count: "30"'
commit "flaky: invalid identifiers"
dsmap -C "$W" scan flaky
expect_rc 0 "invalid identifiers do not fail a scan"
expect_out '^  invalid identifiers: 8$' "they are counted"
expect_out "8 x email: invalid e-mail address: no '@' \\(source customers; record 3, 6, 9, 12, 18, 21, 24, 27\\)" \
	"by reason, with record numbers"
expect_out '6 x no identifier \(source customers; record 5, 10, 15, 20, 25, 30\)' \
	"records without identifier are rejected with their numbers"
expect_out '^flaky \(misbehave\): 30 records, 24 subjects' "and the rest is stored"
if grep -q 'example\.com' "$T_TMP/out" "$T_TMP/err"; then
	not_ok "no identifier value is printed"
else
	ok "no identifier value is printed"
fi

# ---- configuration ----------------------------------------------------------

system flaky misbehave 'mode: ok' 'count: "${FLAKY_COUNT}"'
commit "flaky: count from a variable"
dsmap -C "$W" scan flaky
expect_rc 1 "an unset variable fails the system"
expect_out 'option .count.: \$\{FLAKY_COUNT\} is set neither in the environment nor in the credentials file' \
	"naming the variable"
FLAKY_COUNT=12 dsmap -C "$W" scan flaky
expect_out '^flaky \(misbehave\): 12 records' "a variable from the environment"
printf 'FLAKY_COUNT=13\n' > "$W/.dsmap/credentials"
chmod 644 "$W/.dsmap/credentials"
dsmap -C "$W" scan flaky
expect_err 'credentials file .*refused: others may read or write it \(mode 0644\)' \
	"a credentials file others may read is refused"
chmod 600 "$W/.dsmap/credentials"
dsmap -C "$W" scan flaky
expect_out '^flaky \(misbehave\): 13 records' "a variable from the credentials file"
DSMAP_CREDENTIALS=$T_TMP/nowhere dsmap -C "$W" scan flaky
expect_rc 1 "DSMAP_CREDENTIALS points elsewhere"

system flaky nosuchplugin
commit "flaky: a plugin that does not exist"
dsmap -C "$W" scan flaky
expect_out "FAILED.*no plugin 'nosuchplugin' \\(nosuchplugin\\.so\\)" "a missing plugin fails the system"
cp "$DSMAP_BUILDDIR/tests/fixtures/plugins/.libs/abi-major.so" "$T_TMP/"
system flaky abi-major
commit "flaky: a plugin of another ABI"
DSMAP_PLUGIN_PATH=$T_TMP dsmap -C "$W" scan flaky
expect_out "FAILED.*built for plugin ABI 2\\.0, this dsmap speaks 1\\.[0-9]+" \
	"a plugin of another ABI fails the system with both versions"
cp "$DSMAP_BUILDDIR/plugins/.libs/synthetic.so" "$T_TMP/misbehave.so"
system flaky misbehave
commit "flaky: a plugin under another's name"
DSMAP_PLUGIN_PATH=$T_TMP dsmap -C "$W" scan flaky
expect_out "FAILED.*calls itself 'synthetic', not 'misbehave'" "a plugin under another name is refused"

# ---- one scan at a time -------------------------------------------------------

T_RC=0
flock "$W/.dsmap/scan.lock" $DSMAP_RUNNER "$DSMAP_BIN" -C "$W" scan flaky \
	> "$T_TMP/out" 2> "$T_TMP/err" || T_RC=$?
expect_rc 1 "a second scan while one runs is refused"
expect_err "another scan of workspace .* is running" "and says why"

# ---- killed with SIGKILL partway ---------------------------------------------

system synth synthetic 'count: "3000000"'
commit "synth: large"

# killed WHEN: kill -9 a scan of 3M records once `when` says so, then the
# store must verify and still hold the previous inventory.
killed() {
	what=$1
	shift
	"$DSMAP_BIN" -C "$W" scan synth > "$T_TMP/killed.out" 2>&1 &
	pid=$!
	n=0
	while [ $n -lt 300 ] && kill -0 $pid 2>/dev/null && ! "$@"; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	check "$what: the scan was killed before it ended" [ ! -s "$T_TMP/killed.out" ]
	dsmap -C "$W" verify
	expect_rc 0 "$what: after SIGKILL the store opens and verifies"
	status_json
	check "$what: it holds the previous inventory (500 records)" [ "$(records_of synth)" = 500 ]
}
# while the runner streams and the runs are spilled: a second has passed
started=$(date +%s)
a_second_passed() { [ "$(date +%s)" -gt "$((started + 1))" ]; }
killed "while scanning" a_second_passed
# while the new generation is written: the data file has grown
grown() { [ "$(stat -c %s "$W/.dsmap/store/data.mdb")" -gt 120000000 ]; }
killed "while writing the new generation" grown

system synth synthetic 'count: "500"'
commit "synth: small again"
dsmap -C "$W" scan synth
expect_rc 0 "a scan after a killed one succeeds"
dsmap -C "$W" verify
before=$(sed -n 's/.* \([0-9][0-9]*\) records checked.*/\1/p' "$T_TMP/out")
dsmap -C "$W" scan synth
dsmap -C "$W" verify
after=$(sed -n 's/.* \([0-9][0-9]*\) records checked.*/\1/p' "$T_TMP/out")
check "what the killed scan left was collected (entries $before, then $after)" \
	test -n "$before" -a "$before" = "$after"

# ---- progress as JSON lines (--progress-fd, what dsmap serve reads) ---------

system tortoise misbehave 'mode: slow' 'count: "8"'
commit "tortoise: 0.4 s a record"
dsmap -C "$W" scan --quiet --progress-fd 3 tortoise 3> "$T_TMP/progress.jsonl"
expect_rc 0 "scan --progress-fd 3"
check "a line per second or change: running with some records, then done with all 8" \
	python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
sys_ = [l["systems"] for l in lines]
assert all(len(s) == 1 and s[0]["system"] == "tortoise" for s in sys_), sys_
recs = [s[0]["records"] for s in sys_]
assert recs == sorted(recs), recs
assert any(s[0]["state"] == "running" and 0 < s[0]["records"] < 8 for s in sys_), sys_
assert sys_[-1][0]["state"] == "done" and recs[-1] == 8, sys_
assert all(s[0]["state"] in ("waiting", "running", "done", "failed") for s in sys_), sys_
' "$T_TMP/progress.jsonl"
dsmap -C "$W" scan --quiet --progress-fd 9 tortoise
expect_rc 2 "--progress-fd on a descriptor that is not open: a usage error"
expect_err "progress-fd 9: no descriptor open for writing" "which says so"
dsmap -C "$W" scan --quiet --progress-fd 1x tortoise
expect_rc 2 "--progress-fd 1x: a usage error"

finish
