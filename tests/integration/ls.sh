#!/bin/sh
# dsmap ls: every list and every filter against the shipped notice, the
# expected ids read from the mapping files themselves (not from dsmap).
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
cd "$T_TMP"
ws=$T_TMP/ws
M=$ws/mappings
commit() {
	git -C "$ws" add -A mappings &&
	git -C "$ws" -c user.name=t -c user.email=t@example.org commit -q -m "$1"
}

dsmap init "$ws"
dsmap -C "$ws" ls purposes
expect_rc 3 "ls before any sync is 'not found'"
expect_err "nothing is synced yet; run 'dsmap sync' first" "and says what to do"

# A system, so that systems can be listed and filtered.
cat > "$M/systems/crm.yaml" <<'YAML'
schema: 1
system:
  id: crm
  name: "Customer CRM"
  plugin: synthetic
  purposes: [after-sales-customer-service]
  sources:
    - name: customers
      identifiers:
        customer_no: customer-number
      categories:
        name: collected/identification-contact
        nrn: [collected/national-register-number]
YAML
commit "a system"
dsmap -C "$ws" sync
expect_rc 0 "sync"

# ---- what the mapping files say ---------------------------------------------
# purpose ids (the file names), sorted
purpose_ids() { for f in "$M"/purposes/*.yaml; do basename "$f" .yaml; done | sort; }
# purpose_list FILE KEY: the "    - x" items of the purpose's top-level KEY
purpose_list() {
	awk -v k="  $2:" '$0 == k { p = 1; next } p && /^    - / { sub(/^    - /, ""); print; next } p { exit }' "$1"
}
# purpose_categories FILE: GROUP/ID refs of the purpose
purpose_categories() {
	awk '$0 == "  categories:" { p = 1; next }
	     p && /^    [a-z]+:$/ { g = $1; sub(/:$/, "", g); next }
	     p && /^      - / { sub(/^      - /, ""); print g "/" $0; next }
	     p { exit }' "$1"
}
purpose_section() { sed -n 's/^  section: "\(.*\)"$/\1/p' "$1" | head -1; }
# purposes_where CMD...: ids of the purposes whose file passes CMD FILE
purposes_where() {
	for f in "$M"/purposes/*.yaml; do
		if "$@" "$f"; then basename "$f" .yaml; fi
	done | sort
}
has_item() { purpose_list "$3" "$1" | grep -qx -- "$2"; }
has_category() { purpose_categories "$2" | grep -qx -- "$1"; }
in_section() { s=$(purpose_section "$2"); case $s in "$1"|"$1".*) return 0;; esac; return 1; }
consent() { grep -q '^    - gdpr: "6(1)(a)"' "$1"; }
# the ids of the last text output (first column), sorted
got_ids() { cut -d' ' -f1 "$T_TMP/out" | sort; }
same() { # same DESCRIPTION EXPECTED: the ids of the last output are EXPECTED (one per line)
	printf '%s\n' "$2" | sed '/^$/d' | sort > "$T_TMP/want"
	got_ids > "$T_TMP/got"
	if cmp -s "$T_TMP/want" "$T_TMP/got" && [ -s "$T_TMP/want" ]; then ok "$1"; else
		not_ok "$1"; diff "$T_TMP/want" "$T_TMP/got" | sed 's/^/  /' | head -10; fi
}

# ---- the lists ----------------------------------------------------------------
dsmap -C "$ws" ls purposes
expect_rc 0 "ls purposes"
same "every purpose file is listed" "$(purpose_ids)"
expect_out '^camera-surveillance +6\.1\.1\.1 +Surveillance par caméra +Camera surveillance$' \
	"a line: id, section, French and English titles"
check "the columns are aligned" test "$(awk '{ print index($0, " " $2 " ") }' "$T_TMP/out" | sort -u | wc -l)" -eq 1
check "in section order (6.1.1.1 first, 7.3.2 last)" \
	sh -c "head -1 '$T_TMP/out' | grep -q '^camera-surveillance ' && tail -1 '$T_TMP/out' | grep -q ' 7\.3\.2 '"
expect_empty_err "nothing on stderr"

dsmap -C "$ws" ls categories
expect_rc 0 "ls categories"
same "every category is listed as GROUP/ID" "$(awk '/^categories:/ { p = 1 } p && /^  - id:/ { id = $3 }
	p && /^    group:/ { print $2 "/" id }' "$M/categories.yaml")"
expect_out '^collected/national-register-number +4\.1 +' "a category line starts with its ref and section"

dsmap -C "$ws" ls recipients
expect_rc 0 "ls recipients"
same "every recipient is listed" "$(awk '/^recipients:/ { p = 1 } p && /^  - id:/ { print $3 }' "$M/recipients.yaml")"
expect_out '^fps-economy +6\.2\.3 +Le Service public fédéral Economie +Federal Public Service Economy$' \
	"fps-economy, named in section 6.2.3"

dsmap -C "$ws" ls subject-kinds
same "every subject kind is listed" "$(awk '/^subject_kinds:/ { p = 1 } p && /^  - id:/ { print $3 }' "$M/subject-kinds.yaml")"

dsmap -C "$ws" ls systems
expect_rc 0 "ls systems"
expect_out '^crm  synthetic  Customer CRM$' "a system: id, plugin, name"

# ---- the filters ---------------------------------------------------------------
dsmap -C "$ws" ls purposes --legal-basis '6(1)(a)'
same "--legal-basis 6(1)(a): exactly the consent-based purposes" "$(purposes_where consent)"
dsmap -C "$ws" ls purposes --recipient fps-economy
same "--recipient fps-economy: the purposes sharing with it" "$(purposes_where has_item recipients fps-economy)"
dsmap -C "$ws" ls purposes --category national-register-number
same "--category by bare id: the purposes using it" \
	"$(purposes_where has_category collected/national-register-number)"
check "that is five purposes (6.2.1, 6.2.3, 6.3.3.3, 6.3.3.4, 6.3.3.5)" test "$(got_ids | wc -l)" -eq 5
dsmap -C "$ws" ls purposes --section 7.2
same "--section 7.2: 7.2 and below" "$(purposes_where in_section 7.2)"
expect_out ' 7\.2\.3\.4 ' "it holds 7.2.3.4"
dsmap -C "$ws" ls purposes --section 6.3.3.1
same "--section is a section prefix, not a string prefix" "traffic-location-data-retention"
dsmap -C "$ws" ls purposes --subject-kind prospects
same "--subject-kind prospects: the purposes concerning prospects" \
	"$(purposes_where has_item subject_kinds prospects)"
dsmap -C "$ws" ls purposes --system crm
same "--system crm: the purposes it serves" "after-sales-customer-service"
dsmap -C "$ws" ls purposes --legal-basis '6(1)(a)' --section 7.2
same "filters combine with AND" "$(purposes_where consent | while read -r p; do
	in_section 7.2 "$M/purposes/$p.yaml" && echo "$p"; done)"

dsmap -C "$ws" ls categories --purpose camera-surveillance
same "categories --purpose: the purpose's categories" "$(purpose_categories "$M/purposes/camera-surveillance.yaml")"
dsmap -C "$ws" ls categories --recipient fps-economy
same "categories --recipient: the categories flowing to it" "$(for p in $(purposes_where has_item recipients fps-economy); do
	purpose_categories "$M/purposes/$p.yaml"; done | sort -u)"
dsmap -C "$ws" ls categories --section 4.3
same "categories --section 4.3: the observed data" "$(awk '/^categories:/ { p = 1 } p && /^  - id:/ { id = $3 }
	p && /^    group:/ { g = $2 } p && /^    section: "4\.3"/ { print g "/" id }' "$M/categories.yaml")"
dsmap -C "$ws" ls categories --system crm
same "categories --system: the categories it declares" \
	"collected/identification-contact
collected/national-register-number"

dsmap -C "$ws" ls recipients --purpose social-tariff
same "recipients --purpose: the purpose's recipients" "$(purpose_list "$M/purposes/social-tariff.yaml" recipients)"
dsmap -C "$ws" ls recipients --category collected/national-register-number
same "recipients --category: reached through the purposes using it" "$(for p in $(purposes_where has_category collected/national-register-number); do
	purpose_list "$M/purposes/$p.yaml" recipients; done | sort -u)"

dsmap -C "$ws" ls subject-kinds --purpose prospecting-by-proximus
same "subject-kinds --purpose" "prospects"

dsmap -C "$ws" ls systems --category national-register-number
same "systems --category: the systems declaring it" "crm"
dsmap -C "$ws" ls systems --purpose after-sales-customer-service
same "systems --purpose: the systems serving it" "crm"
dsmap -C "$ws" ls systems --purpose social-tariff
expect_rc 0 "an empty list is not an error"
expect_empty_out "and prints nothing"
expect_err "^dsmap: ls: no systems match$" "but says so on stderr"

# ---- errors ------------------------------------------------------------------------
dsmap -C "$ws" ls purposes --category identification-contact
expect_rc 2 "an ambiguous bare category id is a usage error"
expect_err "category 'identification-contact' is ambiguous: collected/identification-contact, obtained/identification-contact" \
	"naming the candidates"
dsmap -C "$ws" ls purposes --recipient no-such-recipient
expect_rc 2 "an unknown filter id is a usage error"
expect_err "no recipient 'no-such-recipient' at revision [0-9a-f]{12}" "naming it"
dsmap -C "$ws" ls purposes --category collected/no-such-category
expect_rc 2 "an unknown GROUP/ID too"
dsmap -C "$ws" ls purposes --category nowhere/birth-date
expect_rc 2 "an unknown group too"
dsmap -C "$ws" ls purposes --system no-such-system
expect_rc 2 "an unknown system too"
dsmap -C "$ws" ls purposes --legal-basis '6(1)(g)'
expect_rc 2 "a legal basis outside 6(1)(a)-(f)"
dsmap -C "$ws" ls purposes --section 7.x
expect_rc 2 "a malformed section"
dsmap -C "$ws" ls recipients --legal-basis '6(1)(a)'
expect_rc 2 "a filter that does not apply to the kind"
expect_err "the legal-basis filter does not apply to recipients" "says which"
dsmap -C "$ws" ls colours
expect_rc 2 "an unknown kind"
dsmap -C "$ws" ls purposes --format dot
expect_rc 2 "dot is not a format of ls"
dsmap -C "$ws" ls purposes --at no-such-rev
expect_rc 3 "a revision that names nothing is 'not found', as for lineage"
expect_err "'no-such-rev' is neither a revision" "and names it"

# ---- JSON ---------------------------------------------------------------------------
for k in purposes categories recipients systems subject-kinds; do
	dsmap -C "$ws" ls --format json "$k"
	check "JSON of ls $k is valid" python3 -m json.tool "$T_TMP/out" /dev/null
done
dsmap -C "$ws" ls --format json purposes --category national-register-number --legal-basis '6(1)(c)'
check "JSON carries schema, revision, kind, the filters, the nodes and the notice" python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['schema'] == 1 and d['kind'] == 'purposes' and len(d['revision']) == 40, d
assert d['filters'] == {'category': 'collected/national-register-number', 'legal_basis': '6(1)(c)'}, d['filters']
assert d['items'] and all('6(1)(c)' in [b['gdpr'] for b in p['legal_bases']] for p in d['items'])
assert all('collected/national-register-number' in p['categories'] for p in d['items'])
assert 'title_en' in d['items'][0] and 'retention' in d['items'][0]
assert d['notice']['version'] and d['notice']['id'], d.get('notice')
" "$T_TMP/out"
dsmap -C "$ws" ls --format json systems --purpose social-tariff
check "an empty JSON list is an object with no items" python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['items'] == [] and d['kind'] == 'systems', d" "$T_TMP/out"

# ---- --at: a later commit adds a purpose --------------------------------------------
sed -e 's/^  id: camera-surveillance$/  id: doorbell-cameras/' -e 's/^  section: "6\.1\.1\.1"$/  section: "6.11"/' \
	"$M/purposes/camera-surveillance.yaml" > "$M/purposes/doorbell-cameras.yaml"
GIT_AUTHOR_DATE=2031-06-01T12:00:00Z GIT_COMMITTER_DATE=2031-06-01T12:00:00Z commit "doorbell cameras"
dsmap -C "$ws" check
expect_rc 0 "the added purpose is a valid mapping"
dsmap -C "$ws" ls purposes --at HEAD
expect_out '^doorbell-cameras +6\.11 ' "the later commit lists the new purpose"
dsmap -C "$ws" ls purposes --section 6.1 --at HEAD
check "--section 6.1 does not hold 6.11" sh -c "! grep -q '^doorbell-cameras ' '$T_TMP/out'"
dsmap -C "$ws" ls purposes --at 2031-01-01
expect_rc 0 "ls --at a date before the commit"
same "as of that date the purpose is not there yet" "$(purpose_ids | grep -vx doorbell-cameras)"
dsmap -C "$ws" ls purposes
check "the synced revision did not move" sh -c "! grep -q '^doorbell-cameras ' '$T_TMP/out'"

# A revision whose mapping has errors is a runtime error, not a usage error.
sed -i 's/^    - police-forces$/    - police-forcez/' "$M/purposes/camera-surveillance.yaml"
GIT_AUTHOR_DATE=2031-07-01T12:00:00Z GIT_COMMITTER_DATE=2031-07-01T12:00:00Z commit "typo"
dsmap -C "$ws" ls purposes --at HEAD
expect_rc 1 "ls --at a revision with mapping errors fails with 1"
expect_err "has 1 error; nothing was synced" "and says why"

finish
