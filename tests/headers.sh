#!/bin/sh
# Each public header compiles on its own, in C11 and in pedantic mode:
# a header that needs another one first, or uses an extension, fails here.
set -u
: "${CC:=cc}"
: "${DSMAP_SRCDIR:?}" "${DSMAP_BUILDDIR:?}" "${DSMAP_PUBLIC_HEADERS:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
for h in $DSMAP_PUBLIC_HEADERS core/include/dsmap/version.h; do
	name=${h#core/include/}
	printf '#include <%s>\n#include <%s>\nint main(void) { return 0; }\n' "$name" "$name" > "$tmp/t.c"
	if $CC -std=c11 -pedantic -Wall -Wextra -Werror -fsyntax-only \
		-I"$DSMAP_SRCDIR/core/include" -I"$DSMAP_BUILDDIR/core/include" "$tmp/t.c" 2> "$tmp/err"; then
		pass=$((pass + 1))
	else
		echo "FAIL: $name does not compile on its own:"
		cat "$tmp/err"
		fail=$((fail + 1))
	fi
done
echo "headers: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
