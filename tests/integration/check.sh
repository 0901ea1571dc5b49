#!/bin/sh
# dsmap check: the shipped mapping, a minimal one, one broken fixture per
# error kind (tests/fixtures/mappings/EXPECTED.tsv says which diagnostic
# each must give, where), and revisions of a workspace.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
fx=$DSMAP_SRCDIR/tests/fixtures/mappings
cd "$T_TMP"

# The shipped mapping: clean, and complete.
dsmap check "$DSMAP_SRCDIR/mappings"
expect_rc 0 "the shipped mapping has no error"
expect_out '^0 errors, [0-9]+ warnings? in [0-9]+ files$' "and says so"
expect_out '^categories     40 \(12 collected, 8 obtained, 15 observed, 5 derived; 13 not defined in section 4, 8 aliases\)$' \
	"categories are counted per group"
expect_out '^purposes       51 ' "51 purposes"
expect_out "^How category names the purpose tables use were read:" \
	"the names section 4 does not define are reported"
expect_out "'Copie du mandat ou de l'acte' is not defined in section 4: kept as the extra category collected/mandate-copy" \
	"« Copie du mandat ou de l'acte » is reported as an extra category"
expect_out "'Enregistrements audio et de textes' is read as observed/customer-service-recordings" \
	"« Enregistrements audio et de textes » is reported as an alias"
expect_out "warning: unused category obtained/product-usage" "an unused category is a warning"

dsmap check --format json "$DSMAP_SRCDIR/mappings"
check "check JSON has the schema key, counts and diagnostics" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == 1 and d["ok"] is True, d
c = d["counts"]
assert (c["categories"], c["recipients"], c["subject_kinds"], c["rights"], c["purposes"]) == (40, 74, 12, 10, 51), c
assert c["categories_by_group"] == {"collected": 12, "obtained": 8, "observed": 15, "derived": 5}, c
assert c["errors"] == 0 and c["warnings"] == len([x for x in d["diagnostics"] if x["severity"] == "warning"])
' "$T_TMP/out"

# Every broken fixture: exactly the diagnostics EXPECTED.tsv lists.
sh "$fx/make-fixtures.sh" "$T_TMP/fx" > /dev/null
dsmap check "$T_TMP/fx/minimal"
expect_rc 0 "the minimal fixture has no error"
expect_out '^0 errors, 0 warnings in 9 files$' "nor warnings"

for dir in "$T_TMP"/fx/broken-* "$T_TMP"/fx/warn-*; do
	name=${dir##*/}
	dsmap check --format json "$dir"
	case $name in
	broken-*) expect_rc 1 "$name: check fails" ;;
	*) expect_rc 0 "$name: warnings do not fail check" ;;
	esac
	check "$name: the diagnostics are exactly those of EXPECTED.tsv" python3 -c '
import json, sys
name, out, table = sys.argv[1:4]
got = json.load(open(out))["diagnostics"]
got = [g for g in got if g["severity"] != "note"]
want = [l.rstrip("\n").split("\t") for l in open(table) if l.startswith(name + "\t")]
assert want, "no EXPECTED.tsv line for " + name
assert len(got) == len(want), ("got", got, "want", want)
for w, g in zip(want, got):
    _, sev, file, line, col, phrase = w
    assert (g["severity"], g["file"], g["line"], g["column"]) == (sev, file, int(line), int(col)), (w, g)
    assert phrase in g["message"], (phrase, g["message"])
' "$name" "$T_TMP/out" "$fx/EXPECTED.tsv"
done

dsmap check "$T_TMP/fx/broken-unknown-recipient"
expect_out "^$T_TMP/fx/broken-unknown-recipient/purposes/pickx-promotion.yaml:43:7: error: purpose pickx-promotion: unknown recipient" \
	"a text diagnostic reads FILE:LINE:COLUMN: error: MESSAGE"

rm "$T_TMP/fx/minimal/rights.yaml"
dsmap check "$T_TMP/fx/minimal"
expect_rc 1 "a missing file is an error"
expect_out "rights.yaml: error: missing file" "a missing file is named"

dsmap check "$T_TMP/nonexistent"
expect_rc 1 "a missing folder is an error"
expect_err "^dsmap: check: mapping folder .*nonexistent: not a directory" "a missing folder is named"

dsmap check a b
expect_rc 2 "two folders are a usage error"

# Revisions of a workspace's repository.
ws=$T_TMP/ws
dsmap init "$ws"
dsmap -C "$ws" check
expect_rc 0 "check in a workspace checks its mappings/ work tree"
expect_out "^$ws/mappings/categories.yaml:[0-9]+:[0-9]+: warning: unused category" \
	"with the work tree's paths"
dsmap -C "$ws" check --rev HEAD
expect_rc 0 "check --rev HEAD"
sed -i 's/^    - police-forces$/    - police-forcez/' "$ws/mappings/purposes/camera-surveillance.yaml"
git -C "$ws" -c user.name=t -c user.email=t@example.org commit -qam "Typo in a recipient"
dsmap -C "$ws" check --rev HEAD
expect_rc 1 "a broken revision fails check"
expect_out "^HEAD:mappings/purposes/camera-surveillance.yaml:[0-9]+:7: error: purpose camera-surveillance: unknown recipient 'police-forcez'" \
	"a revision's diagnostics name REV:mappings/FILE:LINE:COLUMN"
dsmap -C "$ws" check --rev HEAD~1
expect_rc 0 "the revision before is still clean"
dsmap -C "$ws" check --rev no-such-branch
expect_rc 1 "an unknown revision is an error"
expect_err "^dsmap: check: revision 'no-such-branch': " "an unknown revision is named"
dsmap -C "$ws" check --rev HEAD "$ws"
expect_rc 2 "a folder and --rev together are a usage error"

finish
