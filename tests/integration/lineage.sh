#!/bin/sh
# dsmap sync and dsmap lineage: the graph of a revision in the store, and
# the lineage questions of the notice answered from it (the expected
# answers were read in the notice by hand).
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
cd "$T_TMP"
ws=$T_TMP/ws
commit() { git -C "$ws" -c user.name=t -c user.email=t@example.org commit -qam "$1"; }
dsmap init "$ws"

dsmap -C "$ws" lineage category national-register-number
expect_rc 3 "lineage before any sync is 'not found'"
expect_err "nothing is synced yet; run 'dsmap sync' first" "and says what to do"

dsmap -C "$ws" sync
expect_rc 0 "sync HEAD"
expect_out "^synced [0-9a-f]{12} \(HEAD\): 190 nodes \(190 new\), 454 edges, 40 categories numbered$" \
	"sync counts the nodes, edges and numbered categories"
dsmap -C "$ws" sync
expect_rc 0 "sync again"
expect_out "was synced before" "syncing the same revision twice writes nothing"
dsmap -C "$ws" status
expect_out "^synced      [0-9a-f]{12} \(HEAD\)$" "status shows the synced revision"

json() { # json DESCRIPTION PYTHON-ASSERTIONS: on the last stdout, as d
	check "$1" python3 -c "import json, sys
d = json.load(open(sys.argv[1]))
$2" "$T_TMP/out"
}

dsmap -C "$ws" lineage --format json category national-register-number
expect_rc 0 "lineage category national-register-number"
json "the national register number is used by 6.2.1, 6.2.3, 6.3.3.3, 6.3.3.4 and 6.3.3.5" '
assert d["schema"] == 1 and d["kind"] == "category", d
assert [c["ref"] for c in d["categories"]] == ["collected/national-register-number"], d["categories"]
assert sorted(p["section"] for p in d["purposes"]) == ["6.2.1", "6.2.3", "6.3.3.3", "6.3.3.4", "6.3.3.5"]
st = [p for p in d["purposes"] if p["section"] == "6.2.3"][0]
assert st["legal_bases"][0]["gdpr"] == "6(1)(c)" and st["legal_bases"][0]["articles"] == ["74"], st
assert st["retention"]["collected/national-register-number"][0]["trigger"] == "eligibility-check", st
assert "fps-economy" in [r["id"] for r in d["recipients"]], d["recipients"]
assert [r for r in d["recipients"] if r["id"] == "fps-economy"][0]["via"] == ["social-tariff"]'

dsmap -C "$ws" lineage category identification-contact --format json
expect_rc 2 "a bare category id that two groups have is a usage error"
expect_err "category 'identification-contact' is ambiguous: collected/identification-contact, obtained/identification-contact" \
	"naming the candidates"
dsmap -C "$ws" lineage category obtained/identification-contact --format json
json "GROUP/ID names one of them" '
assert [c["ref"] for c in d["categories"]] == ["obtained/identification-contact"], d["categories"]'
dsmap -C "$ws" lineage category network-location --format json
json "a bare id that one group has names that category" '
assert [c["ref"] for c in d["categories"]] == ["observed/network-location"], d["categories"]'

dsmap -C "$ws" lineage --format json recipient fps-economy
expect_rc 0 "lineage recipient fps-economy"
json "only the social tariff (6.2.3) shares data with the Service public fédéral Economie" '
assert d["node"]["kind"] == "authority", d["node"]
assert [p["section"] for p in d["purposes"]] == ["6.2.3"], d["purposes"]
assert "collected/national-register-number" in d["categories"], d["categories"]'

dsmap -C "$ws" lineage --format json purpose camera-surveillance
json "camera images are kept one month from recording (6.1.1.1)" '
r = d["node"]["retention"]["rules"]
assert len(r) == 1 and r[0]["duration"] == "P1M" and r[0]["trigger"] == "recording", r
assert [c["ref"] for c in d["categories"]] == ["observed/image-video-recordings"], d["categories"]'

dsmap -C "$ws" lineage --format json purpose traffic-location-data-retention
json "6.3.3.1 rests on a legal obligation, art. 121/8, 122, 123 and 127/1 §2" '
b = d["node"]["legal_bases"]
assert d["node"]["section"] == "6.3.3.1", d["node"]["section"]
assert [x["gdpr"] for x in b] == ["6(1)(c)"], b
assert b[0]["articles"] == ["121/8", "122", "123", "127/1 §2"], b'

dsmap -C "$ws" lineage --lang en subject-kind prospects
expect_rc 0 "lineage subject-kind prospects"
expect_out "^subject-kind prospects " "names the subject kind"
expect_out "^  7\.1\.2 +prospecting-by-proximus" "lists the purposes that concern it"

dsmap -C "$ws" lineage --lang de subject-kind prospects
expect_rc 2 "a language the notice is not written in is a usage error"
expect_err "^dsmap: lineage: --lang is en or fr, not 'de'$" "that names the languages"
expect_empty_out "and prints no answer"

dsmap -C "$ws" lineage --lang en category national-register-number
expect_out "^purposes that use it: 5$" "the text answer counts the purposes"
expect_out "^  fps-economy +authority " "and lists the recipients with their kind"

for k in "category national-register-number" "purpose social-tariff" \
         "recipient fps-economy" "subject-kind prospects"; do
	# shellcheck disable=SC2086
	dsmap -C "$ws" lineage --format dot $k
	expect_out "^digraph lineage \{$" "dot output for $k"
	if command -v dot > /dev/null; then
		check "Graphviz renders the $k graph" dot -Tsvg -o "$T_TMP/g.svg" "$T_TMP/out"
	fi
done

dsmap -C "$ws" lineage purpose no-such-purpose
expect_rc 3 "an unknown id is 'not found'"
expect_err "no purpose 'no-such-purpose' at revision" "and names it"
dsmap -C "$ws" lineage colour blue
expect_rc 2 "an unknown kind is a usage error"
dsmap -C "$ws" lineage --format svg purpose x
expect_rc 2 "an unknown format is a usage error"

# A second revision: a recipient added to a purpose, a new category.
head1=$(git -C "$ws" rev-parse HEAD)
sed -i 's/^    - police-forces$/    - police-forces\n    - fps-economy/' "$ws/mappings/purposes/camera-surveillance.yaml"
cat >> "$ws/mappings/categories.yaml" <<'YAML'
  - id: voice-print
    group: derived
    section: "4.4"
    name_fr: "Empreinte vocale"
    name_en: "Voice print"
    examples: []
YAML
sed -i 's/^      - image-video-recordings$/      - image-video-recordings\n    derived:\n      - voice-print/' \
	"$ws/mappings/purposes/camera-surveillance.yaml"
commit "Share camera images with the FPS Economy; add voice prints"
dsmap -C "$ws" sync
expect_out "^synced [0-9a-f]{12} \(HEAD\): 191 nodes \([1-4] new\), 456 edges, 1 categories numbered$" \
	"a second revision stores only the nodes that changed"
dsmap -C "$ws" lineage --format json recipient fps-economy
json "the new revision's answer has the new edge" '
assert sorted(p["id"] for p in d["purposes"]) == ["camera-surveillance", "social-tariff"], d["purposes"]'
dsmap -C "$ws" lineage --format json --rev "$head1" recipient fps-economy
json "the first revision still answers as it was" '
assert [p["id"] for p in d["purposes"]] == ["social-tariff"], d["purposes"]'
dsmap -C "$ws" lineage --format json category derived/voice-print
json "a new category gets the next number" 'assert d["categories"][0]["bit"] == 40, d'
dsmap -C "$ws" lineage --format json category collected/national-register-number
json "an existing category keeps its number" 'assert d["categories"][0]["bit"] == 1, d'

# Remove voice prints, add another category: numbers are never reused.
git -C "$ws" revert --no-edit -q HEAD > /dev/null
sed -i 's/^      - image-video-recordings$/      - image-video-recordings\n    derived:\n      - gait/' \
	"$ws/mappings/purposes/camera-surveillance.yaml"
cat >> "$ws/mappings/categories.yaml" <<'YAML'
  - id: gait
    group: derived
    section: "4.4"
    name_fr: "Démarche"
    name_en: "Gait"
    examples: []
YAML
commit "Gait instead of voice prints"
dsmap -C "$ws" sync
dsmap -C "$ws" lineage --format json category derived/gait
json "a category number is never reused" 'assert d["categories"][0]["bit"] == 41, d'

# A broken revision is not synced, and changes nothing.
sed -i 's/^    - police-forces$/    - police-forcez/' "$ws/mappings/purposes/camera-surveillance.yaml"
commit "Typo"
dsmap -C "$ws" sync
expect_rc 1 "a mapping with errors is not synced"
expect_err "the mapping at HEAD \([0-9a-f]{12}\) has 1 error; nothing was synced; see 'dsmap check --rev HEAD'" \
	"the refusal says why and what to run"
dsmap -C "$ws" lineage --rev HEAD purpose camera-surveillance
expect_rc 1 "the broken revision has no graph"
expect_err "the mapping at [0-9a-f]{40} \([0-9a-f]{12}\) has 1 error; nothing was synced" \
	"and lineage says why"
dsmap -C "$ws" lineage --format json category derived/gait
expect_rc 0 "the synced revision is still the last good one"

dsmap -C "$ws" sync --rev no-such-rev
expect_rc 1 "an unknown revision is an error"
expect_err "^dsmap: sync: 'no-such-rev' is neither a revision of the mapping repository nor a date" \
	"and names it"

dsmap -C "$ws" verify
expect_rc 0 "the store is sound after all that"

finish
