#!/bin/sh
# dsmap export dpv: the shipped notice as W3C DPV 2.x JSON-LD.
#  - the output parses with rdflib's JSON-LD parser, offline (inline
#    @context), and SPARQL over it answers as dsmap lineage and dsmap ls do:
#    the processes using the national register number, the purposes based
#    on consent, the recipients of a purpose and their roles, the storage
#    duration of a purpose, the controller;
#  - the same revision gives the same bytes; --base moves the notice's
#    concepts;
#  - two dates whose exports differ by the commit between them;
#  - the errors: before any sync, a bad --at, an unknown option or format,
#    a bad base IRI.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
cd "$T_TMP"
W=$T_TMP/ws
M=$W/mappings
B=https://dsmap.invalid/notice/
# rdflib from Debian (python3-rdflib): the python3 on PATH may be another.
PY=python3
python3 -c 'import rdflib' 2> /dev/null || PY=/usr/bin/python3
commit() {
	git -C "$W" add -A mappings
	GIT_AUTHOR_DATE="$2T12:00:00Z" GIT_COMMITTER_DATE="$2T12:00:00Z" \
		git -C "$W" -c user.name="$1" -c user.email="$1@example.com" commit -q -m "$3"
}
# sparql DESC EXPORT PYTHON: run PYTHON with `g` the parsed EXPORT, `q(s)`
# the rows of SPARQL query s (prefixes dpv, eu-gdpr, pd, rdfs, rdf, skos,
# dsmap; N: the notice's base IRI), `J(f)` a JSON file of $T_TMP.
sparql() {
	desc=$1
	file=$2
	shift 2
	check "$desc" $PY -c "
import json, sys, rdflib
g = rdflib.Graph()
g.parse(sys.argv[1], format='json-ld')
P = '''PREFIX dpv: <https://w3id.org/dpv#>
PREFIX eu-gdpr: <https://w3id.org/dpv/legal/eu/gdpr#>
PREFIX pd: <https://w3id.org/dpv/pd#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dsmap: <https://dsmap.invalid/ns#>
'''
N = '$B'
def q(s):
    return [tuple(str(x) if x is not None else None for x in r) for r in g.query(P + s)]
def J(f):
    return json.load(open(sys.argv[2] + '/' + f))
$*" "$file" "$T_TMP"
}

check "rdflib is installed (Debian: python3-rdflib)" $PY -c 'import rdflib'

dsmap init "$W"
expect_rc 0 "init"
dsmap -C "$W" export dpv
expect_rc 3 "export before any sync is 'not found'"
expect_err "^dsmap: export: nothing is synced yet; run 'dsmap sync' first$" "and says what to do"
dsmap -C "$W" sync
expect_rc 0 "sync"

# ---- usage errors -------------------------------------------------------------------
dsmap -C "$W" export
expect_rc 2 "export without a format is a usage error"
expect_err "^dsmap: export: give a format: dpv$" "and names the formats"
dsmap -C "$W" export owl
expect_rc 2 "an unknown format is a usage error"
expect_err "^dsmap: export: unknown format 'owl' \(dpv\)$" "and names it"
dsmap -C "$W" export dpv --frobnicate
expect_rc 2 "an unknown option is a usage error"
expect_err "^dsmap: export: unknown option or missing argument '--frobnicate'$" "and names it"
dsmap -C "$W" export dpv extra
expect_rc 2 "a stray argument is a usage error"
dsmap -C "$W" export dpv --base 'ftp://example.com/'
expect_rc 2 "a base IRI that is not http, https or urn is a usage error"
expect_err "base IRI 'ftp://example.com/' is not an http, https or urn IRI" "and says why"
dsmap -C "$W" export dpv --base 'https://example.com/a b/'
expect_rc 2 "a base IRI with a space is a usage error"
dsmap -C "$W" export dpv --base 'https://example.com/x'
expect_rc 2 "a base IRI ending neither in / nor # is a usage error"
dsmap -C "$W" help export
expect_rc 0 "help export"
expect_out "^usage: dsmap export dpv \[--at REV\|DATE\] \[--base IRI\]" "shows the usage"
dsmap -C "$W" export --help
expect_rc 0 "export --help"

# ---- the export and what dsmap lineage / ls say ------------------------------------
dsmap -C "$W" export dpv
expect_rc 0 "export dpv"
expect_empty_err "and says nothing on stderr"
cp "$T_TMP/out" "$T_TMP/a.jsonld"
dsmap -C "$W" export dpv
check "the same revision gives the same bytes" cmp -s "$T_TMP/out" "$T_TMP/a.jsonld"
check "the @context is inline and names dpv, eu-gdpr and pd" $PY -c '
import json, sys
c = json.load(open(sys.argv[1]))["@context"]
assert c["dpv"] == "https://w3id.org/dpv#", c
assert c["eu-gdpr"] == "https://w3id.org/dpv/legal/eu/gdpr#", c
assert c["pd"] == "https://w3id.org/dpv/pd#", c
' "$T_TMP/a.jsonld"

dsmap -C "$W" lineage category collected/national-register-number --format json
cp "$T_TMP/out" "$T_TMP/nrn.json"
dsmap -C "$W" ls purposes --legal-basis '6(1)(a)' --format json
cp "$T_TMP/out" "$T_TMP/consent.json"
dsmap -C "$W" ls purposes --format json
cp "$T_TMP/out" "$T_TMP/purposes.json"
dsmap -C "$W" lineage purpose billing-accounting --format json
cp "$T_TMP/out" "$T_TMP/billing.json"
dsmap -C "$W" ls recipients --format json
cp "$T_TMP/out" "$T_TMP/recipients.json"

sparql "one dpv:Process per purpose of the notice (dsmap ls purposes)" "$T_TMP/a.jsonld" '
got = sorted(r[0] for r in q("SELECT ?id WHERE { ?p a dpv:Process ; dpv:hasPurpose ?u . ?u skos:notation ?id }"))
want = sorted(p["id"] for p in J("purposes.json")["items"])
assert len(want) > 40 and got == want, (got, want)'

sparql "the processes using the national register number are the purposes of its lineage" "$T_TMP/a.jsonld" '
got = sorted(r[0] for r in q("""SELECT ?id WHERE { ?p dpv:hasPersonalData ?c ; dpv:hasPurpose ?u .
    ?c skos:notation "collected/national-register-number" ; skos:broader pd:OfficialID .
    ?u skos:notation ?id }"""))
want = sorted(p["id"] for p in J("nrn.json")["purposes"])
assert len(want) >= 3 and got == want, (got, want)'

sparql "the purposes based on consent (eu-gdpr:A6-1-a) are those of ls --legal-basis 6(1)(a)" "$T_TMP/a.jsonld" '
got = sorted(r[0] for r in q("""SELECT ?id WHERE { ?p dpv:hasLegalBasis eu-gdpr:A6-1-a ;
    dpv:hasPurpose ?u . ?u skos:notation ?id }"""))
want = sorted(p["id"] for p in J("consent.json")["items"])
assert len(want) >= 5 and got == want, (got, want)'

sparql "every purpose has the legal bases ls gives it, as eu-gdpr:A6-1-x" "$T_TMP/a.jsonld" '
got = {}
for pid, lb in q("""SELECT ?id ?lb WHERE { ?p dpv:hasLegalBasis ?lb ; dpv:hasPurpose ?u .
    ?u skos:notation ?id }"""):
    got.setdefault(pid, set()).add(lb.rsplit("#", 1)[1])
want = {p["id"]: {"A6-1-" + l["gdpr"][5] for l in p["legal_bases"]} for p in J("purposes.json")["items"]}
assert got == want, [(k, got.get(k), want[k]) for k in want if got.get(k) != want[k]]'

sparql "the recipients of billing-accounting are those of its lineage, with their roles" "$T_TMP/a.jsonld" '
got = sorted(q("""SELECT ?id ?role WHERE { <""" + N + """process/billing-accounting> dpv:hasRecipient ?r .
    ?r skos:notation ?id ; a ?role }"""))
kinds = {r["id"]: r["kind"] for r in J("recipients.json")["items"]}
role = {"processor": "DataProcessor", "joint-controller": "DataController"}
want = sorted((r["id"], "https://w3id.org/dpv#" + role.get(kinds[r["id"]], "ThirdParty"))
              for r in J("billing.json")["recipients"])
assert len(want) >= 2 and got == want, (got, want)'

sparql "the storage duration of billing-accounting is P7Y after the end of the contract" "$T_TMP/a.jsonld" '
got = q("""SELECT ?d ?t ?l WHERE { <""" + N + """process/billing-accounting> dpv:hasStorageCondition ?s .
    ?s a dpv:StorageDuration ; rdf:value ?d ; dsmap:trigger ?t ; rdfs:label ?l FILTER(lang(?l) = "en") }""")
assert got == [("P7Y", "end-of-contract", "7 years after the end of the contract")], got'

sparql "consent-based purposes sit under dpv:Purpose, categories under pd:/dpv: concepts" "$T_TMP/a.jsonld" '
rows = q("""SELECT ?u ?b WHERE { ?p a dpv:Process ; dpv:hasPurpose ?u . ?u skos:broader ?b }""")
assert rows and all(b.startswith("https://w3id.org/dpv#") for u, b in rows), rows
rows = q("""SELECT ?c ?b WHERE { ?p a dpv:Process ; dpv:hasPersonalData ?c .
    OPTIONAL { ?c skos:broader ?b } }""")
for c, b in rows:
    if c.startswith("https://w3id.org/dpv/pd#"):
        continue
    assert c.startswith("'"$B"'category/") and b is not None, (c, b)
    assert b.startswith("https://w3id.org/dpv/pd#") or b == "https://w3id.org/dpv#PersonalData", (c, b)'

sparql "every process has the controller of notice.yaml" "$T_TMP/a.jsonld" '
rows = set(q("""SELECT ?name WHERE { ?p a dpv:Process ; dpv:hasPurpose ?u ; dpv:hasDataController ?c .
    ?c a dpv:DataController ; dpv:hasName ?name }"""))
assert rows == {("Proximus SA de droit public",)}, rows'

sparql "transfers outside the EEA are dpv:Transfer processes to a dpv:ThirdCountry with a GDPR basis" "$T_TMP/a.jsonld" '
rows = q("""SELECT ?id ?lb WHERE { ?p dpv:hasPurpose ?u ; dpv:hasProcess ?t . ?u skos:notation ?id .
    ?t dpv:hasProcessing dpv:Transfer ; dpv:hasThirdCountry ?c ; dpv:hasLegalBasis ?lb . ?c a dpv:ThirdCountry }""")
lbs = {lb.rsplit("#", 1)[1] for i, lb in rows}
assert rows and lbs <= {"A45-3", "A46-2-b", "A46-2-c", "A49-1-b"}, lbs
assert "A46-2-c" in lbs and "A45-3" in lbs, lbs'

dsmap -C "$W" export dpv --base 'urn:example:notice#'
expect_rc 0 "export dpv --base"
check "--base moves the notice's concepts, not DPV's" $PY -c '
import sys, rdflib
g = rdflib.Graph()
g.parse(sys.argv[1], format="json-ld")
s = {str(x) for x in g.subjects()}
assert "urn:example:notice#process/billing-accounting" in s, sorted(s)[:5]
assert not any(x.startswith("https://dsmap.invalid/notice/") for x in s)
' "$T_TMP/out"

# ---- two dates differ by the commit between them -------------------------------------
sed -i 's/^      - duration: P7Y$/      - duration: P10Y/' "$M/purposes/billing-accounting.yaml"
commit Bob 2027-02-10 "Billing: keep 10 years"
dsmap -C "$W" export dpv --at 2027-01-31
expect_rc 0 "export dpv --at a date before Bob's commit"
cp "$T_TMP/out" "$T_TMP/jan.jsonld"
dsmap -C "$W" export dpv --at 2027-02-28
expect_rc 0 "export dpv --at a date after it"
cp "$T_TMP/out" "$T_TMP/feb.jsonld"
check "the two exports differ by Bob's change and the revision only" $PY -c '
import sys, rdflib
from rdflib.compare import to_isomorphic, graph_diff
a, b = rdflib.Graph(), rdflib.Graph()
a.parse(sys.argv[1], format="json-ld")
b.parse(sys.argv[2], format="json-ld")
both, only_a, only_b = graph_diff(to_isomorphic(a), to_isomorphic(b))
def lits(g):
    # the revision node names its commit: set it apart
    return sorted(str(o) for s, p, o in g if isinstance(o, rdflib.Literal) and "/revision/" not in str(s))
la, lb = set(lits(only_a)), set(lits(only_b))
# the changed storage condition is a blank node: all its triples differ,
# but only these values changed
assert la - lb == {"P7Y", "7 years after the end of the contract", "7 ans après la fin du contrat"}, la - lb
assert lb - la == {"P10Y", "10 years after the end of the contract", "10 ans après la fin du contrat"}, lb - la
named = [(s, p, o) for s, p, o in only_a if not isinstance(s, rdflib.BNode) and "/revision/" not in str(s)]
# nothing else of the notice changed, but the link from billing-accounting to it
assert [(str(s), str(p)) for s, p, o in named] == [("https://dsmap.invalid/notice/process/billing-accounting",
    "https://w3id.org/dpv#hasStorageCondition")], named
' "$T_TMP/jan.jsonld" "$T_TMP/feb.jsonld"

# ---- not found ---------------------------------------------------------------------
dsmap -C "$W" export dpv --at 1990-01-01
expect_rc 3 "a date before the first commit names nothing"
expect_err "no commit of the mapping repository on or before 1990-01-01" "and says so"
dsmap -C "$W" export dpv --at no-such-branch
expect_rc 3 "an unknown revision names nothing"
expect_err "^dsmap: export: .*no-such-branch" "and names it"

finish
