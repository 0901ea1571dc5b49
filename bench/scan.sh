#!/bin/sh
# bench/scan.sh: dsmap scan end to end over the demo's four source systems.
#
# Builds a workspace with SUBJECTS subjects in a SQLite CRM, a CSV billing
# export, a JSON-lines web log and (when PostgreSQL can be started, as the
# tests start it) a PostgreSQL tickets table, then times RUNS scans of all
# of them.  Prints, per run, the wall time, the records scanned and the
# peak resident set of any process of the scan (the scan process or a
# runner), then the medians:
#   scan SUBJECTS SYSTEMS RECORDS MEDIAN_SECONDS RECORDS_PER_S PEAK_RSS_KB
#
# usage: bench/scan.sh [SUBJECTS] [RUNS] [KEEP]    (defaults: 1000000 3)
# With KEEP, a directory, the scanned workspace is left in KEEP/ws (for
# bench/locate).  Needs DSMAP_BUILDDIR and DSMAP_SRCDIR (make bench sets
# them).
set -eu
: "${DSMAP_BUILDDIR:?}" "${DSMAP_SRCDIR:?}"
subjects=${1:-1000000}
runs=${2:-3}
keep=${3:-}
. "$DSMAP_SRCDIR/bench/lib.sh"
set_dsmap
DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dsmap-bench-scan-XXXXXX")
pg=0
cleanup() {
	[ "$pg" = 1 ] && pg_stop
	if [ -n "$keep" ]; then
		rm -rf "$keep/ws"
		mv "$tmp/ws" "$keep/ws"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

"$dsmap" init "$tmp/ws" > /dev/null
pgcsv=
if [ -r "$DSMAP_SRCDIR/tests/pg.sh" ]; then
	. "$DSMAP_SRCDIR/tests/pg.sh"
	if pg_start > "$tmp/pg.log" 2>&1; then
		pg=1
		pgcsv=$tmp/tickets.csv
	else
		echo "bench/scan: no PostgreSQL server could be started; scanning three systems" >&2
	fi
fi
echo "generating $subjects subjects..." >&2
python3 "$DSMAP_SRCDIR/bench/gen-sources.py" "$tmp/ws" "$subjects" ${pgcsv:+--postgres-csv "$pgcsv"}
if [ "$pg" = 1 ]; then
	pg_psql -q -c "CREATE TABLE tickets (id bigint PRIMARY KEY, customer_no text, email text,
		subject text, created_at timestamptz)" > /dev/null
	pg_psql -q -c "\\copy tickets FROM '$pgcsv' WITH (FORMAT csv)" > /dev/null
fi
git -C "$tmp/ws" add mappings
git -C "$tmp/ws" -c user.name=bench -c user.email=bench@example.com commit -q -m "bench systems"
systems=$(ls "$tmp/ws/mappings/systems" | grep -c '\.yaml$')

i=0
while [ $i -lt "$runs" ]; do
	i=$((i + 1))
	python3 - "$dsmap" "$tmp/ws" "$tmp/run.json" <<'PY'
import json, resource, subprocess, sys, time
dsmap, ws, out = sys.argv[1:4]
t = time.monotonic()
p = subprocess.run([dsmap, "-C", ws, "scan", "--quiet", "--format", "json"],
                   capture_output=True, text=True)
t = time.monotonic() - t
if p.returncode != 0:
    sys.exit("bench/scan: dsmap scan failed:\n" + p.stdout + p.stderr)
d = json.loads(p.stdout)
records = sum(s["records"] for s in d["systems"])
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
json.dump({"seconds": t, "records": records, "rss_kb": rss}, open(out, "w"))
print("run: %.2f s, %d records, %.0f records/s, peak RSS %d KiB" % (t, records, records / t, rss))
PY
	cat "$tmp/run.json" >> "$tmp/runs.jsonl"
	echo >> "$tmp/runs.jsonl"
done
python3 - "$tmp/runs.jsonl" "$subjects" "$systems" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
t = statistics.median(r["seconds"] for r in runs)
rec = runs[0]["records"]
rss = max(r["rss_kb"] for r in runs)
print("scan %s %s %d %.3f %.0f %d" % (sys.argv[2], sys.argv[3], rec, t, rec / t, rss))
PY
