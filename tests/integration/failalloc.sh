#!/bin/sh
# Allocation failures: init, check, sync, scan, locate, impact and lineage
# run on a small workspace with their Nth allocation failing (core/alloc.h;
# a build configured with --enable-failalloc).  Every run either ends with
# exit 1 and "out of memory" on stderr, or, when the failure was absorbed,
# answers exactly as the run without one; never a signal, a sanitizer
# report or a leak (the sanitizer build runs this).  After a write that
# failed, the store is still sound (dsmap verify) and still answers as
# before the write, or as after it: never anything in between.  A scan is
# two writes (dsmap scan syncs HEAD first, in a transaction of its own:
# docs/dsmap.1): one that fails after its sync answers as a sync alone.
#
# DSMAP_FAILALLOC_SWEEP=all runs every N of every command (make
# check-failalloc); otherwise a command that makes more than
# $DSMAP_FAILALLOC_SAMPLE allocations (default 40) is run with that many
# N spread evenly over its range, always including the first and the last.
# DSMAP_FAILALLOC_ONLY=WORD sweeps only the commands whose line holds WORD.
# DSMAP_FAILALLOC_SHARD=I/K runs only the I-th of every K points of each
# sweep (1 <= I <= K), so that K processes or machines share one sweep.
# DSMAP_FAILALLOC_NOTICE=minimal replaces the notice init writes (51
# purposes: some 10,000 allocations to sync, scan or show a category)
# with tests/fixtures/mappings/minimal/'s three purposes, which take every
# path the full one does, each loop fewer times: small enough to sweep
# every N of every command (make check-failalloc) in well under an hour.
# DSMAP_FAILALLOC_MODE=persistent makes every allocation from the Nth on
# fail (N+), rather than the Nth alone.  DSMAP_FAILALLOC_LIBGIT2=1 counts
# and fails libgit2's allocations too (core/alloc.h), with LeakSanitizer
# told to ignore the leaks that are libgit2's own
# (tests/lsan-libgit2.supp says which, and why each is not ours).
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"
DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH
SWEEP=${DSMAP_FAILALLOC_SWEEP:-sample}
case $SWEEP in all|sample) ;; *) echo "failalloc.sh: DSMAP_FAILALLOC_SWEEP is all or sample" >&2; exit 1 ;; esac
SAMPLE=${DSMAP_FAILALLOC_SAMPLE:-40}
NOTICE=${DSMAP_FAILALLOC_NOTICE:-full}
case $NOTICE in
full)
	P1=contract-conclusion P2=after-sales-customer-service ;;
minimal)
	P1=pickx-promotion P2=prospecting-by-proximus ;;
*) echo "failalloc.sh: DSMAP_FAILALLOC_NOTICE is full or minimal" >&2; exit 1 ;;
esac
SHARD=${DSMAP_FAILALLOC_SHARD:-1/1}
SHARD_I=${SHARD%/*}
SHARD_K=${SHARD#*/}
case $SHARD_I/$SHARD_K in
*[!0-9/]* | /* | */ | */*/*) SHARD_K=0 ;;
esac
if [ "$SHARD_K" -lt 1 ] || [ "$SHARD_I" -lt 1 ] || [ "$SHARD_I" -gt "$SHARD_K" ]; then
	echo "failalloc.sh: DSMAP_FAILALLOC_SHARD is I/K with 1 <= I <= K" >&2
	exit 1
fi
case ${DSMAP_FAILALLOC_MODE:-once} in
once) SUFFIX= ;;
persistent) SUFFIX=+ ;;
*) echo "failalloc.sh: DSMAP_FAILALLOC_MODE is once or persistent" >&2; exit 1 ;;
esac
unset DSMAP_FAILALLOC
if [ -n "${DSMAP_FAILALLOC_LIBGIT2:-}" ]; then
	export DSMAP_FAILALLOC_LIBGIT2
	LSAN_OPTIONS="suppressions=$DSMAP_SRCDIR/tests/lsan-libgit2.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
	# full stacks: the fast unwinder stops inside libgit2 (no frame
	# pointers), before the names the suppressions match
	ASAN_OPTIONS="fast_unwind_on_malloc=0:malloc_context_size=20${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
	export LSAN_OPTIONS ASAN_OPTIONS
fi
# DSMAP_FAILALLOC_KEEP=1 keeps the directory, to run one N again by hand.
if [ -n "${DSMAP_FAILALLOC_KEEP:-}" ]; then
	trap - EXIT
	echo "# kept $T_TMP"
fi

# A build without the failing allocator ignores DSMAP_FAILALLOC: say so and
# fail, rather than pass having failed nothing.
DSMAP_FAILALLOC=count dsmap --version
if ! grep -Eq '^dsmap: failalloc: [0-9]+ allocations$' "$T_TMP/err"; then
	echo "failalloc.sh: $DSMAP_BIN was built without --enable-failalloc" >&2
	exit 1
fi

commit() {
	git -C "$1" add -A mappings
	GIT_AUTHOR_DATE="$2T12:00:00Z" GIT_COMMITTER_DATE="$2T12:00:00Z" \
		git -C "$1" -c user.name=t -c user.email=t@example.com commit -q -m "$3"
}

# ---- the workspace --------------------------------------------------------

# base/: a CRM system, synced and scanned.  ws/ (the state every write
# starts from): one commit and one CSV row more, neither synced nor scanned.
mkdir base
dsmap init base/ws
W=$T_TMP/base/ws
mkdir -p "$W/data"
if [ "$NOTICE" = minimal ]; then
	find "$W/mappings" -mindepth 1 -maxdepth 1 ! -name systems -exec rm -rf {} +
	for f in "$DSMAP_SRCDIR"/tests/fixtures/mappings/minimal/*; do
		[ "$(basename "$f")" = systems ] || cp -R "$f" "$W/mappings/"
	done
fi
printf 'customer_no,email\nC1,alice@example.com\nC2,bob@example.com\n' > "$W/data/crm.csv"
cat > "$W/mappings/systems/crm.yaml" <<YAML
schema: 1
system:
  id: crm
  name: "CRM"
  plugin: csv
  purposes: [$P1]
  sources:
    - name: data/crm.csv
      identifiers:
        customer_no: customer-number
        email: email
      categories:
        email: collected/identification-contact
      subject_kind: customers
YAML
commit "$W" 2026-01-01 crm
dsmap -C "$W" sync
expect_rc 0 "sync the CRM"
dsmap -C "$W" scan --quiet
expect_rc 0 "scan the CRM"
printf 'C3,carol@example.com\n' >> "$W/data/crm.csv"
sed -i "s/purposes: \\[$P1\\]/purposes: [$P1, $P2]/" \
	"$W/mappings/systems/crm.yaml"
commit "$W" 2026-02-01 "crm: marketing"

# The questions asked after a write, and their answers before it.
QUESTIONS="locate --format json email:carol@example.com
lineage --format json purpose $P2"
ask() {
	dir=$1
	out=$2
	echo "$QUESTIONS" | while read -r q; do
		# shellcheck disable=SC2086
		"$DSMAP_BIN" -C "$dir" $q 2>&1
		echo "exit $?"
	done > "$out"
}
ask "$W" ans.before

# after/: the same, with the write done.
cp -a base after
dsmap -C "$T_TMP/after/ws" sync
expect_rc 0 "sync the marketing commit"
dsmap -C "$T_TMP/after/ws" scan --quiet
expect_rc 0 "scan the third row"
ask "$T_TMP/after/ws" ans.after
check "the write changes the answers" sh -c '! cmp -s ans.before ans.after'

# synced/: the sync alone, which a scan does first (what a scan that fails
# after its sync leaves).
cp -a base synced
dsmap -C "$T_TMP/synced/ws" sync
expect_rc 0 "sync alone"
ask "$T_TMP/synced/ws" ans.synced
check "a sync alone answers neither as before nor as after" \
	sh -c '! cmp -s ans.synced ans.before && ! cmp -s ans.synced ans.after'

# ---- the sweep ------------------------------------------------------------

# timeless FILE: FILE without what changes from run to run (scan's timings;
# the id of the commit init makes, which holds the time: init's tree is
# compared instead, below).
timeless() {
	sed -E 's/ in [0-9.]+ s \([0-9.]+ records\/s\)/ in T/; s/"seconds": [0-9.eE+-]+/"seconds": T/
		s/^(  mapping repository  commit )[0-9a-f]+ /\1C /' "$1"
}
tree_of() {
	git -C "$1" rev-parse -q --verify 'HEAD^{tree}' 2>/dev/null || echo none
}

RUNS=0
POINTS=0
shard_note=
[ "$SHARD_K" -eq 1 ] || shard_note=" (shard $SHARD_I of $SHARD_K)"
# sweep STATE WRITE COMMAND...: run COMMAND in a copy of STATE/ (ws/ is the
# workspace, "ws" in COMMAND too) with each allocation N failing in turn.
# WRITE is "write" when COMMAND changes the store, "init" when it makes
# the workspace, "read" otherwise.
sweep() {
	state=$1
	write=$2
	shift 2
	# the state a failed write may also leave: a scan's sync
	between=/dev/null
	case " $* " in *" scan "*) between=ans.synced ;; esac
	name="$*"
	case $name in *"${DSMAP_FAILALLOC_ONLY:-}"*) ;; *) return ;; esac
	rm -rf run && cp -a "$state" run
	(cd run && DSMAP_FAILALLOC=count "$DSMAP_BIN" "$@" > ../want.out 2> ../want.err)
	want_rc=$?
	if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' want.err; then
		not_ok "$name: a sanitizer report with no allocation failing"
		sed 's/^/  /' want.err | head -20
		return
	fi
	timeless want.out > want.timeless
	want_tree=
	[ "$write" != init ] || want_tree=$(tree_of run/ws)
	total=$(sed -n 's/^dsmap: failalloc: \([0-9]*\) allocations$/\1/p' want.err)
	if [ -z "$total" ] || [ "$total" -eq 0 ]; then
		not_ok "$name: no allocation counted"
		return
	fi
	if [ "$SWEEP" = all ] || [ "$total" -le "$SAMPLE" ]; then
		step=1
	else
		step=$(((total + SAMPLE - 2) / (SAMPLE - 1)))
	fi
	POINTS=$((POINTS + total))
	bad=0 runs=0 oom=0 n=1 point=0
	while [ "$n" -le "$total" ]; do
		point=$((point + 1))
		if [ $(((point - 1) % SHARD_K + 1)) -ne "$SHARD_I" ]; then
			if [ "$n" -lt "$total" ] && [ $((n + step)) -gt "$total" ]; then
				n=$total
			else
				n=$((n + step))
			fi
			continue
		fi
		rm -rf run && cp -a "$state" run
		T_RC=0
		(cd run && DSMAP_FAILALLOC=$n$SUFFIX "$DSMAP_BIN" "$@" > "$T_TMP/out" 2> "$T_TMP/err") || T_RC=$?
		runs=$((runs + 1))
		why=
		if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' "$T_TMP/err"; then
			why="a sanitizer report"
		elif [ "$T_RC" -gt 128 ]; then
			why="killed by signal $((T_RC - 128))"
		elif [ "$T_RC" -eq 1 ] && { grep -Eq "^dsmap: [^ ].*: (.*: )?out of memory" "$T_TMP/err" ||
			{ grep -Eq "^dsmap: scan: the scan of [0-9]+ of [0-9]+ systems? failed" "$T_TMP/err" &&
			  grep -Eq "^[^ ]+ \([^)]*\): FAILED after [0-9.]+ s: (.*: )?out of memory" "$T_TMP/out"; }; }; then
			# (a scan tells a system's failure on that system's line)
			oom=$((oom + 1))
			if [ "$write" = init ]; then
				# Either nothing is left, or a whole workspace.
				if [ -e run/ws ]; then
					"$DSMAP_BIN" -C run/ws verify > verify.out 2>&1 ||
						why="a workspace is left, but not sound: $(cat verify.out)"
				else
					"$DSMAP_BIN" init run/ws > init.out 2>&1 ||
						why="init fails again after the failure: $(cat init.out)"
				fi
			elif [ "$write" = write ]; then
				if ! "$DSMAP_BIN" -C run/ws verify > verify.out 2>&1; then
					why="the store is not sound after the failure: $(cat verify.out)"
				else
					ask run/ws ans.now
					cmp -s ans.now ans.before || cmp -s ans.now ans.after ||
						cmp -s ans.now "$between" ||
						why="the answers after the failure are neither those before nor after: $(diff ans.before ans.now | head -20)"
				fi
			fi
		elif [ "$T_RC" -ne "$want_rc" ]; then
			why="exit $T_RC (not 1 with 'out of memory', nor $want_rc as without a failure)"
		elif ! timeless "$T_TMP/out" | cmp -s - want.timeless; then
			why="a failure absorbed, but stdout differs: $(timeless "$T_TMP/out" | diff want.timeless - | head -20)"
		elif [ "$write" = init ] && [ "$(tree_of run/ws)" != "$want_tree" ]; then
			why="a failure absorbed, but init committed another tree than $want_tree"
		elif [ "$write" = write ]; then
			# absorbed: the write is whole
			ask run/ws ans.now
			cmp -s ans.now ans.after ||
				why="a failure absorbed, but the answers are not those after the write: $(diff ans.after ans.now | head -20)"
		fi
		if [ -n "$why" ]; then
			bad=$((bad + 1))
			not_ok "$name, allocation $n$SUFFIX of $total: $why"
		fi
		if [ "$n" -lt "$total" ] && [ $((n + step)) -gt "$total" ]; then
			n=$total
		else
			n=$((n + step))
		fi
	done
	RUNS=$((RUNS + runs))
	[ "$bad" -eq 0 ] && ok "$name: $total allocations, $runs runs ($oom out of memory), all clean$shard_note"
}

mkdir fresh
sweep fresh init init ws
sweep base read -C ws check
sweep base write -C ws sync
sweep base write -C ws scan --quiet
sweep after read -C ws locate --format json email:alice@example.com
sweep after read -C ws locate email:carol@example.com
sweep after read -C ws impact --format json HEAD~1 HEAD
sweep after read -C ws history --format json --purpose $P2
sweep after read -C ws lineage --format json category collected/identification-contact
sweep after read -C ws lineage purpose $P2
echo "# $POINTS allocation points, $RUNS runs ($NOTICE notice)"
finish
