#!/bin/sh
# dsmap plugins: what the host finds on the plugin path, and what it refuses.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"

DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH
dsmap plugins
expect_rc 0 "plugins lists the built plugins"
expect_out '^synthetic 1\.0 \(plugin ABI 1\.0\)$' "with name, version and ABI"
expect_out '^    count ' "and the options it understands"
expect_empty_err "and nothing refused"

dsmap plugins --format json
check "plugins JSON has the schema key and the synthetic plugin" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == 1, d
s = [p for p in d["plugins"] if p["name"] == "synthetic"]
assert len(s) == 1 and s[0]["abi"] == "1.0" and s[0]["lookup"] is False, d
' "$T_TMP/out"

DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs:$DSMAP_BUILDDIR/tests/fixtures/plugins/.libs
dsmap plugins
expect_rc 0 "refused plugins do not fail the listing"
expect_err "abi-major.so: built for plugin ABI 2\.0, this dsmap speaks 1\.0" \
	"a plugin of another major is refused with both versions"
expect_err "abi-minor.so: built for plugin ABI 1\.99, newer than this dsmap's 1\.0" \
	"a plugin of a newer minor is refused with both versions"
expect_err "no-entry.so: not a dsmap plugin" "a shared object without entry point is refused"

mkdir "$T_TMP/unsafe"
cp "$DSMAP_BUILDDIR/plugins/.libs/synthetic.so" "$T_TMP/unsafe/"
chmod 666 "$T_TMP/unsafe/synthetic.so"
DSMAP_PLUGIN_PATH=$T_TMP/unsafe
dsmap plugins
expect_err "synthetic.so: refused: the file is world-writable" "a world-writable plugin is refused"

finish
