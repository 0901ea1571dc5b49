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
expect_err "abi-major.so: built for plugin ABI 2\.0, this dsmap speaks 1\.[0-9]+ " \
	"a plugin of another major is refused with both versions"
expect_err "abi-minor.so: built for plugin ABI 1\.99, newer than this dsmap's 1\.[0-9]+;" \
	"a plugin of a newer minor is refused with both versions"
expect_err "no-entry.so: not a dsmap plugin" "a shared object without entry point is refused"

# An uninstalled dsmap finds the plugins built beside it, with no
# DSMAP_PLUGIN_PATH (the README's `build/cli/dsmap plugins`).
unset DSMAP_PLUGIN_PATH
dsmap plugins
expect_rc 0 "without DSMAP_PLUGIN_PATH, plugins lists this build's plugins"
for p in sqlite postgres csv jsonl synthetic; do
	expect_out "^$p [0-9.]+ \\(plugin ABI [0-9]+\\.[0-9]+\\)" "the $p plugin among them"
	expect_out "^  /.*/plugins/\\.libs/$p\\.so\$" "$p loaded from the build tree"
done
expect_empty_err "and nothing refused"

# A missing plugin fails its system, and the error says where dsmap looked
# and what to set.
dsmap init ws
W=$T_TMP/ws
printf '%s\n' 'schema: 1' 'system:' '  id: nowhere' '  name: "nowhere"' \
	'  plugin: nosuchplugin' '  purposes: [after-sales-customer-service]' \
	'  config:' '    placeholder: "1"' '  sources:' '    - name: customers' \
	'      identifiers:' '        email: email' '      categories:' \
	'        name: collected/identification-contact' > "$W/mappings/systems/nowhere.yaml"
git -C "$W" add -A mappings && git -C "$W" -c user.name=t -c user.email=t@example.com \
	commit -q -m "a system whose plugin is missing"
dsmap -C "$W" scan nowhere
expect_out "no plugin 'nosuchplugin' \\(nosuchplugin\\.so\\) in [^ ]*/plugins/\\.libs:" \
	"a missing plugin's error names the search path, this build's plugins first"
expect_out "set DSMAP_PLUGIN_PATH to the directory that holds it" \
	"and names DSMAP_PLUGIN_PATH"

mkdir "$T_TMP/unsafe"
cp "$DSMAP_BUILDDIR/plugins/.libs/synthetic.so" "$T_TMP/unsafe/"
chmod 666 "$T_TMP/unsafe/synthetic.so"
DSMAP_PLUGIN_PATH=$T_TMP/unsafe
export DSMAP_PLUGIN_PATH
dsmap plugins
expect_err "synthetic.so: refused: the file is world-writable" "a world-writable plugin is refused"

finish
