#!/bin/sh
# Bounded inputs: what a mapping folder or revision may hold that dsmap
# refuses quickly, with the file named, instead of hanging or growing.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
fx=$DSMAP_SRCDIR/tests/fixtures/mappings
cd "$T_TMP"

# fresh NAME: a copy of the minimal fixture in $T_TMP/NAME.
fresh() {
	rm -rf "$T_TMP/$1"
	cp -R "$fx/minimal" "$T_TMP/$1"
}

# A FIFO named like a mapping file: opening it for reading would wait for
# a writer forever.  `timeout` turns a hang into exit 124.
fresh fifo
mkfifo fifo/purposes/x.yaml
T_RC=0
timeout 10 "$DSMAP_BIN" check fifo > "$T_TMP/out" 2> "$T_TMP/err" || T_RC=$?
check "a FIFO named x.yaml does not hang check" test "$T_RC" -ne 124
expect_rc 1 "a FIFO named x.yaml is refused"
expect_err "^dsmap: check: fifo/purposes/x.yaml: a FIFO, not a regular file$" "and named"

fresh link
ln -s ../notice.yaml link/purposes/y.yaml
dsmap check link
expect_rc 1 "a symbolic link in a mapping folder is refused"
expect_err "^dsmap: check: link/purposes/y.yaml: a symbolic link, not a regular file$" \
	"and named"

# In a revision, git keeps the link's target path, not the file.
dsmap init ws
ln -s camera-surveillance.yaml ws/mappings/purposes/linked.yaml
git -C ws add mappings/purposes/linked.yaml
git -C ws -c user.name=t -c user.email=t@example.org commit -qm "A link"
dsmap -C ws check --rev HEAD
expect_rc 1 "a symbolic link in a revision is refused"
expect_err "^dsmap: check: HEAD:mappings/purposes/linked.yaml: a symbolic link, not a regular file$" \
	"and named"

# 2 MB of nested flow lists: libyaml alone is quadratic in their depth
# (7 s at 40,000, minutes at 1,000,000); the depth limit stops it at 65.
fresh deep
python3 -c 'import sys; n = 1000000; sys.stdout.write("schema: 1\nx: " + "[" * n + "]" * n + "\n")' \
	> deep/purposes/deep.yaml
T_RC=0
timeout 20 "$DSMAP_BIN" check deep > "$T_TMP/out" 2> "$T_TMP/err" || T_RC=$?
check "a file nested 1,000,000 deep does not stall check" test "$T_RC" -ne 124
expect_rc 1 "it is an error"
expect_out "^deep/purposes/deep.yaml:2:67: error: lists and mappings nested more than 64 deep" \
	"named with the file, line and column of level 65"

fresh deep-block
{ printf 'schema: 1\nx:\n'; i=0; while [ $i -lt 100 ]; do printf -- '- '; i=$((i + 1)); done; echo x; } \
	> deep-block/purposes/deep.yaml
dsmap check deep-block
expect_rc 1 "block nesting counts alike"
expect_out "^deep-block/purposes/deep.yaml:3:127: error: lists and mappings nested more than 64 deep" \
	"and is named alike"

# Diagnostics: the first 100 are kept and printed, the rest counted.
fresh typos
python3 -c 'import sys; sys.stdout.write("schema: 1\n" + "".join("k%d: 1\n" % i for i in range(1000)))' \
	> typos/purposes/typos.yaml
dsmap check typos
expect_rc 1 "a file of 1,000 unknown keys fails check"
check "100 diagnostics are printed" \
	test "$(grep -c '^typos/purposes/typos.yaml:[0-9]*:[0-9]*: error: ' "$T_TMP/out")" -eq 100
expect_out "^typos/purposes/typos.yaml:101:1: error: purpose file: unknown key 'k99' " \
	"the first ones, in order"
expect_out '^\.\.\. and 901 more$' "then one line counts the others"
expect_out '^1001 errors, 0 warnings in 10 files$' "and the errors are all counted"
dsmap check --format json typos
check "JSON gives the 100 and the count of the others" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["diagnostics"]) == 100, len(d["diagnostics"])
assert d["diagnostics_omitted"] == 901, d["diagnostics_omitted"]
assert d["counts"]["errors"] == 1001, d["counts"]
' "$T_TMP/out"
dsmap check "$fx/minimal"
expect_rc 0 "a clean mapping"
if grep -q '^\.\.\. and' "$T_TMP/out"; then not_ok "has no '... and' line"; else ok "has no '... and' line"; fi

# Nodes: an 8 MiB list of 4 million one-letter values cost 686 MB of
# libyaml document (and 5 s) before the limit; now some 27 MB, 80 MB under
# AddressSanitizer.
fresh nodes
python3 -c 'import sys; sys.stdout.write("schema: 1\nx: [" + "a," * (4 * 1024 * 1024 - 20) + "b]\n")' \
	> nodes/purposes/nodes.yaml
dsmap check nodes
expect_rc 1 "a file of more than 100,000 nodes is refused"
expect_out "^nodes/purposes/nodes.yaml:2:199995: error: more than 100000 YAML nodes" \
	"at the node past the limit (the 99,996th value)"
# the peak resident memory (KB) of the check, run straight, not under a runner
kb=$(python3 - "$DSMAP_BIN" nodes <<'EOF'
import resource, subprocess, sys
subprocess.run([sys.argv[1], "check", sys.argv[2]], stdout=subprocess.DEVNULL,
               stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
EOF
)
check "and its check peaks under 150 MB ($kb KB)" test "$kb" -lt 150000

finish
