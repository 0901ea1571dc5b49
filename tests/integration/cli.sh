#!/bin/sh
# The command line itself: help, version, usage errors, exit codes and a
# full standard output.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
cd "$T_TMP"

dsmap --help
expect_rc 0 "--help exits 0"
expect_out '^usage: dsmap' "--help prints the usage"
for c in init check sync lineage status verify plugins help; do
	expect_out "^  $c " "--help lists $c"
done
expect_empty_err "--help writes nothing to stderr"

dsmap --version
expect_rc 0 "--version exits 0"
expect_out '^dsmap [0-9]+\.[0-9]+\.[0-9]+ \(libdsmap [0-9]' "--version names both versions"

dsmap
expect_rc 2 "no command is a usage error"
expect_err '^usage: dsmap' "no command prints the usage to stderr"
expect_empty_out "no command prints nothing to stdout"

dsmap frobnicate
expect_rc 2 "an unknown command is a usage error"
expect_err "^dsmap: 'frobnicate' is not a dsmap command$" "an unknown command is named"
expect_err "Try 'dsmap --help'" "an unknown command gets a hint"

dsmap --frobnicate
expect_rc 2 "an unknown global option is a usage error"
expect_err "unknown option '--frobnicate'" "the unknown option is named"

dsmap -C
expect_rc 2 "-C without a directory is a usage error"

for c in init check sync lineage status verify plugins help; do
	dsmap help "$c"
	cp "$T_TMP/out" "$T_TMP/help.txt"
	expect_rc 0 "help $c exits 0"
	expect_out "^usage: dsmap $c" "help $c prints its usage"
	dsmap "$c" --help
	expect_rc 0 "$c --help exits 0"
	check "help $c is the same as $c --help" cmp -s "$T_TMP/out" "$T_TMP/help.txt"
done

dsmap help
expect_rc 0 "help alone lists the commands"
expect_out '^  status ' "help alone lists status"

dsmap help frobnicate
expect_rc 2 "help of an unknown command is a usage error"

dsmap status --format xml
expect_rc 2 "an unknown --format is a usage error, before looking for a workspace"
expect_err "^dsmap: status: unknown format 'xml'" "the unknown format is named"
expect_err "Try 'dsmap help status'" "and the hint names the command"

dsmap status --bogus
expect_rc 2 "an unknown command option is a usage error"

dsmap status extra
expect_rc 2 "a stray argument is a usage error"

dsmap init a b
expect_rc 2 "init with two directories is a usage error"

# Results go to stdout: not being able to write them is an error.
if [ -w /dev/full ]; then
	T_RC=0
	$DSMAP_RUNNER "$DSMAP_BIN" --help > /dev/full 2> "$T_TMP/err" || T_RC=$?
	: > "$T_TMP/out"
	expect_rc 1 "a full stdout is an error"
	expect_err '^dsmap: write error on standard output: No space left on device' \
		"a full stdout is reported"
fi

finish
