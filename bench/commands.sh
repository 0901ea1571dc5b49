#!/bin/sh
# bench/commands.sh: whole commands that read the store and no git, as a
# DSAR tool or a shell runs them: start, answer, exit.
#
#   locate   dsmap locate --format json email:nobody@example.invalid
#            (a person held nowhere: every system is asked, exit 3)
#   status   dsmap status
#   lineage  dsmap lineage purpose ID  (ID: the first of dsmap ls purposes)
#
# Each runs RUNS times after one warm-up run (which fills the page cache
# and, after HEAD moved, .dsmap/head.cache); the wall time of each run is
# taken around the process from Python.  Prints one line per command:
#   command NAME MEDIAN_MS P90_MS
# and, for scale, the same for /bin/true started the same way:
#   command spawn MEDIAN_MS P90_MS
#
# Times the real binary, not libtool's wrapper script (bench/lib.sh).
#
# usage: bench/commands.sh [WORKSPACE] [RUNS]     (default runs: 30)
# Without WORKSPACE, one is made by `dsmap demo --subjects 100000`.  Needs
# DSMAP_BUILDDIR and DSMAP_SRCDIR (make bench sets them).
set -eu
: "${DSMAP_BUILDDIR:?}" "${DSMAP_SRCDIR:?}"
ws=${1:-}
runs=${2:-30}
. "$DSMAP_SRCDIR/bench/lib.sh"
set_dsmap

tmp=
trap '[ -z "$tmp" ] || rm -rf "$tmp"' EXIT
if [ -z "$ws" ]; then
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/dsmap-bench-commands-XXXXXX")
	echo "bench/commands.sh: dsmap demo --subjects 100000 in $tmp" >&2
	"$dsmap" demo --keep "$tmp" --subjects 100000 --quiet > /dev/null
	ws=$tmp/workspace
fi
purpose=$("$dsmap" -C "$ws" ls --format json purposes | python3 -c '
import json, sys
print(json.load(sys.stdin)["items"][0]["id"])')

python3 - "$dsmap" "$ws" "$runs" "$purpose" <<'PY'
import statistics, subprocess, sys, time
dsmap, ws, runs, purpose = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
commands = [
    ("locate", [dsmap, "-C", ws, "locate", "--format", "json", "email:nobody@example.invalid"], 3),
    ("status", [dsmap, "-C", ws, "status"], 0),
    ("lineage", [dsmap, "-C", ws, "lineage", "purpose", purpose], 0),
    ("spawn", ["/bin/true"], 0),
]
for name, argv, want in commands:
    t = []
    for i in range(runs + 1):
        s = time.monotonic()
        p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        e = time.monotonic() - s
        if p.returncode != want:
            sys.exit("bench/commands.sh: %s exited %d: %s" % (" ".join(argv[3:]), p.returncode,
                                                             p.stderr.decode().strip()))
        if i > 0:
            t.append(e * 1000)
    t.sort()
    p90 = t[max(0, -(-len(t) * 9 // 10) - 1)]
    print("command %s %.2f %.2f" % (name, statistics.median(t), p90), flush=True)
PY
