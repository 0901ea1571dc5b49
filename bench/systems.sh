#!/bin/sh
# bench/systems.sh: locate across systems (bench/systems.c says how), at
# 4, 16, 64 and 256 systems, in two layouts: every subject in 4 of the
# systems (a), and every subject in all of them (b).  One process per
# point, one after the other (each builds its workspace, measures and
# removes it).
#
# usage: bench/systems.sh [SUBJECTS_A] [SUBJECTS_B] [QUERIES] [RUNS]
#        (defaults: 250000 20000 20000 3)
# Sizes: layout a has 4 x SUBJECTS_A holdings at every point (1M by
# default); layout b has N x SUBJECTS_B (5.12M at 256 systems by default,
# where 100,000 subjects would be 25.6M holdings and minutes of setup).
# At the defaults each point's setup takes under a minute on 2 cores.
#
# Prints bench/systems' lines: per run, then per point the medians:
#   systems LAYOUT N SUBJECTS HOLDINGS dsmap P50 P99 sqlite P50 P99 lmdb P50 P99 SETUP_S
# Needs DSMAP_BUILDDIR and DSMAP_SRCDIR (make bench sets them).
set -eu
: "${DSMAP_BUILDDIR:?}" "${DSMAP_SRCDIR:?}"
subjects_a=${1:-250000}
subjects_b=${2:-20000}
queries=${3:-20000}
runs=${4:-3}
DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH

for layout in a b; do
	subjects=$subjects_a
	[ "$layout" = a ] || subjects=$subjects_b
	for n in 4 16 64 256; do
		"$DSMAP_BUILDDIR/bench/systems" -l "$layout" -n "$n" -s "$subjects" -q "$queries" \
			-r "$runs"
	done
done
