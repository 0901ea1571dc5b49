#!/bin/sh
# bench/history.sh: history and blame over N generated mapping commits.
#
# A workspace from the shipped notice gets N commits (default 1000), each
# changing one purpose: its retention, or a recipient added or removed in
# turn, and each with a comment line of its own, so that no two commits
# have the same mappings/ tree and a cold run diffs every one.  Times,
# median of RUNS: dsmap history of that purpose and dsmap blame of the
# purpose-recipient link, each cold (the history cache, .dsmap/cache/,
# deleted first: every step loaded and diffed) and warm (run again: every
# step read from the cache), and as a baseline git log of the same file
# (which finds the same commits but knows nothing of what they mean).
#   history N HISTORY_COLD_S BLAME_COLD_S GIT_LOG_S COMMITS_FOUND HISTORY_WARM_S BLAME_WARM_S
#
# usage: bench/history.sh [COMMITS] [RUNS]     (defaults: 1000 3)
set -eu
: "${DSMAP_BUILDDIR:?}" "${DSMAP_SRCDIR:?}"
n=${1:-1000}
runs=${2:-3}
. "$DSMAP_SRCDIR/bench/lib.sh"
set_dsmap
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dsmap-bench-history-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$dsmap" init "$tmp/ws" > /dev/null
echo "making $n commits..." >&2
history_commits "$tmp/ws" "$n"

python3 - "$dsmap" "$tmp/ws" "$runs" "$n" <<'PY'
import json, shutil, statistics, subprocess, sys, time
dsmap, ws, runs, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def cold():
    shutil.rmtree(ws + "/.dsmap/cache", ignore_errors=True)
def timed(cmd):
    t = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True)
    t = time.monotonic() - t
    if p.returncode != 0:
        sys.exit("bench/history: %s failed:\n%s" % (" ".join(cmd), p.stderr))
    return t, p.stdout
h, b, g, hw, bw = [], [], [], [], []
found = 0
hist = [dsmap, "-C", ws, "history", "--format", "json", "--purpose", "billing-accounting"]
blame = [dsmap, "-C", ws, "blame", "purpose:billing-accounting", "recipient:ads-and-data"]
for _ in range(runs):
    cold()
    t, out = timed(hist)
    h.append(t)
    found = len(json.loads(out)["commits"])
    t, warm = timed(hist)
    hw.append(t)
    if warm != out:
        sys.exit("bench/history: the warm history differs from the cold one")
    cold()
    b.append(timed(blame)[0])
    bw.append(timed(blame)[0])
    g.append(timed(["git", "-C", ws, "log", "--format=%H", "--", "mappings/purposes/billing-accounting.yaml"])[0])
    print("run: history %.2f s cold, %.3f s warm; blame %.2f s cold, %.3f s warm; git log %.3f s"
          % (h[-1], hw[-1], b[-1], bw[-1], g[-1]), file=sys.stderr)
print("history %s %.3f %.3f %.3f %d %.3f %.3f" % (n, statistics.median(h), statistics.median(b),
                                                statistics.median(g), found,
                                                statistics.median(hw), statistics.median(bw)))
PY
