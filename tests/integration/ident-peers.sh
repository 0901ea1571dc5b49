#!/bin/sh
# Differential test of identifier normalisation: dsmap (through
# tests/peers/ident-normalise, built with the tests) against python-stdnum
# and phonenumbers, on thousands of generated national register numbers,
# IMEIs and phone numbers from a fixed seed.  What it checks, and the
# differences it counts rather than fails, are at the top of
# tests/peers/ident-peers.py.  A missing peer is a failure, not a skip:
# Debian python3-stdnum and python3-phonenumbers (./bootstrap installs
# them).
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"

: "${DSMAP_BUILDDIR:?DSMAP_BUILDDIR must name the build tree (run through make check)}"
: "${DSMAP_SRCDIR:?DSMAP_SRCDIR must name the source tree (run through make check)}"
driver=$DSMAP_BUILDDIR/tests/peers/ident-normalise
script=$DSMAP_SRCDIR/tests/peers/ident-peers.py

# The first Python that has both peers ($DSMAP_PYTHON, if set, first):
# python3 on PATH may be another installation than Debian's (pyenv, a
# virtualenv).
py=
for p in ${DSMAP_PYTHON:-} python3 /usr/bin/python3; do
	if "$p" -c 'import stdnum.be.nn, stdnum.imei, phonenumbers' > /dev/null 2>&1; then
		py=$p
		break
	fi
done

T_RC=0
if [ -z "$py" ]; then
	echo "no python3 with the stdnum and phonenumbers modules" > "$T_TMP/err"
	echo "(Debian: apt-get install python3-stdnum python3-phonenumbers)" >> "$T_TMP/err"
	: > "$T_TMP/out"
	not_ok "the peers python-stdnum and phonenumbers are installed"
	finish
	exit 1
fi
ok "the peers python-stdnum and phonenumbers are installed ($py)"
check "the driver is built" test -x "$driver"

# One run for every case.  Its lines go to the log as they are; its
# "N passed, N failed" counts are added to this script's.
# shellcheck disable=SC2086
"$py" "$script" -- $DSMAP_RUNNER "$driver" > "$T_TMP/out" 2> "$T_TMP/err" || T_RC=$?
sed '$d' "$T_TMP/out"
# shellcheck disable=SC2046
set -- $(sed -n '$s/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' "$T_TMP/out")
if [ $# -eq 2 ] && { [ "$T_RC" -eq 0 ] || [ "$2" -gt 0 ]; }; then
	T_PASS=$((T_PASS + $1))
	T_FAIL=$((T_FAIL + $2))
else
	not_ok "ident-peers.py ran to its end"
fi

finish
