#!/bin/sh
# bench/history.sh: history and blame over N generated mapping commits.
#
# A workspace from the shipped notice gets N commits (default 1000), each
# changing one purpose: its retention, or a recipient added or removed in
# turn.  Times, median of RUNS: dsmap history of that purpose, dsmap blame
# of the purpose-recipient link, and as a baseline git log of the same file
# (which finds the same commits but knows nothing of what they mean).
#   history N DSMAP_HISTORY_S DSMAP_BLAME_S GIT_LOG_S COMMITS_FOUND
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
f=$tmp/ws/mappings/purposes/billing-accounting.yaml
echo "making $n commits..." >&2
i=0
while [ $i -lt "$n" ]; do
	i=$((i + 1))
	case $((i % 4)) in
	0) sed -i 's/^      - duration: P[0-9]*Y$/      - duration: P7Y/' "$f" ;;
	1) sed -i 's/^      - duration: P[0-9]*Y$/      - duration: P6Y/' "$f" ;;
	2) sed -i 's/^    - payment-service-providers$/    - payment-service-providers\n    - ads-and-data/' "$f" ;;
	3) sed -i '/^    - ads-and-data$/d' "$f" ;;
	esac
	GIT_AUTHOR_DATE="@$((1800000000 + i * 3600)) +0000" GIT_COMMITTER_DATE="@$((1800000000 + i * 3600)) +0000" \
		git -C "$tmp/ws" -c user.name=bench -c user.email=bench@example.com \
		commit -q -a -m "change $i"
done

python3 - "$dsmap" "$tmp/ws" "$runs" "$n" <<'PY'
import json, statistics, subprocess, sys, time
dsmap, ws, runs, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def timed(cmd):
    t = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True)
    t = time.monotonic() - t
    if p.returncode != 0:
        sys.exit("bench/history: %s failed:\n%s" % (" ".join(cmd), p.stderr))
    return t, p.stdout
h, b, g = [], [], []
found = 0
for _ in range(runs):
    t, out = timed([dsmap, "-C", ws, "history", "--format", "json", "--purpose", "billing-accounting"])
    h.append(t)
    found = len(json.loads(out)["commits"])
    b.append(timed([dsmap, "-C", ws, "blame", "purpose:billing-accounting", "recipient:ads-and-data"])[0])
    g.append(timed(["git", "-C", ws, "log", "--format=%H", "--", "mappings/purposes/billing-accounting.yaml"])[0])
    print("run: history %.2f s, blame %.2f s, git log %.3f s" % (h[-1], b[-1], g[-1]), file=sys.stderr)
print("history %s %.3f %.3f %.3f %d" % (n, statistics.median(h), statistics.median(b),
                                       statistics.median(g), found))
PY
