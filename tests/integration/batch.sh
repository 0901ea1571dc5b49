#!/bin/sh
# Batch locate (dsmap locate --stdin: one query a line, one JSON answer a
# line) and identity conflicts (an identifier shared by more subjects of a
# system than --max-join allows is not followed, and is reported by kind
# and count, never by value).
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
: "${DSMAP_BUILDDIR:?}"
cd "$T_TMP"
DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH

dsmap init ws
W=$T_TMP/ws
mkdir -p "$W/data"
# Ten customers sharing a placeholder e-mail, two with their own.
{
	echo "customer_no,email"
	for i in 1 2 3 4 5 6 7 8 9 10; do echo "P$i,noemail@example.com"; done
	echo "C1,alice@example.com"
	echo "C2,bob@example.com"
} > "$W/data/crm.csv"
printf 'customer_no,amount\nP1,10\nC1,12\nC2,20\n' > "$W/data/billing.csv"
cat > "$W/mappings/systems/crm.yaml" <<'YAML'
schema: 1
system:
  id: crm
  name: "CRM"
  plugin: csv
  purposes: [contract-conclusion]
  sources:
    - name: data/crm.csv
      identifiers:
        customer_no: customer-number
        email: email
      categories:
        email: collected/identification-contact
      subject_kind: customers
YAML
cat > "$W/mappings/systems/billing.yaml" <<'YAML'
schema: 1
system:
  id: billing
  name: "Billing"
  plugin: csv
  purposes: [billing-accounting]
  sources:
    - name: data/billing.csv
      identifiers:
        customer_no: customer-number
      categories:
        amount: observed/billing
      subject_kind: customers
YAML
git -C "$W" add -A mappings
git -C "$W" -c user.name=t -c user.email=t@example.com commit -q -m systems
dsmap -C "$W" scan --quiet
expect_rc 0 "scan the two systems"
dsmap -C "$W" status
expect_out "^  identity conflict: 1 email identifier, each naming more than 8 subjects \(up to 10\); dsmap locate does not follow it$" \
	"status lists the placeholder as an identity conflict, by kind and count"
dsmap -C "$W" status --format json
check "in JSON too, per system" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["id"]: x for x in d["systems"]}
assert s["crm"]["identity_conflicts"] == [{"kind": "email", "identifiers": 1, "most_subjects": 10}], s["crm"]
assert s["billing"]["identity_conflicts"] == [], s["billing"]
assert s["crm"]["identifier_rules"] == 2, s["crm"]' "$T_TMP/out"
dsmap -C "$W" status
expect_out "^crm: " "status has a block for the CRM"
check "and a fresh scan needs no rescan" sh -c '! grep -q "identifier rules 1" "$1"' x "$T_TMP/out"

# ---- identity conflicts ---------------------------------------------------

dsmap -C "$W" locate --format json email:noemail@example.com
expect_rc 3 "a placeholder shared by ten subjects finds no one"
check "and is reported as a conflict of the query, by kind and count" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["found"] is False and d["systems"] == [], d
assert d["conflicts"] == [{"kind": "email", "reached_by": "query", "system": "crm",
    "subjects": 10, "at_least": False, "max_join": 8}], d["conflicts"]' "$T_TMP/out"
check "the value is never written" sh -c '! grep -q noemail "$1" "$2"' x "$T_TMP/out" "$T_TMP/err"

dsmap -C "$W" locate --format json customer-number:P1
expect_rc 0 "a customer with the placeholder e-mail is found by the customer number"
check "in the CRM and billing, and the placeholder reached by the link is not followed" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [(s["system"], s["subjects"]) for s in d["systems"]] == [("billing", 1), ("crm", 1)], d["systems"]
assert [(c["kind"], c["reached_by"], c["subjects"]) for c in d["conflicts"]] == [("email", "link", 10)], d["conflicts"]' "$T_TMP/out"
assert_links='
import json, sys
d = json.load(open(sys.argv[1]))
assert d["links"] == [], d["links"]'
check "the link to no one is not listed as a link" python3 -c "$assert_links" "$T_TMP/out"
dsmap -C "$W" locate --lang en customer-number:P1
expect_out "^  not followed: an identifier \(email, reached by a link\) that 10 subjects share in crm \(an identity conflict" \
	"the text answer says so"
dsmap -C "$W" locate --lang fr customer-number:P1
expect_out "^  non suivi : un identifiant \(email, atteint par un lien\) que 10 personnes concernées partagent dans crm" \
	"in French too"

dsmap -C "$W" locate --format json --max-join 10 email:noemail@example.com
expect_rc 0 "with --max-join 10 the ten are followed"
check "all ten, and their billing row" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [(s["system"], s["subjects"]) for s in d["systems"]] == [("billing", 1), ("crm", 10)], d["systems"]
assert d["conflicts"] == [], d["conflicts"]' "$T_TMP/out"
dsmap -C "$W" locate --max-join 0 email:a@example.com
expect_rc 2 "--max-join 0 is a usage error"
dsmap -C "$W" locate --max-join abc email:a@example.com
expect_rc 2 "--max-join abc is a usage error"
expect_err "^dsmap: locate: --max-join is a number of subjects from 1 to 1000000, not 'abc'$" \
	"that names the bounds and the value"
dsmap -C "$W" locate --max-join 99999999999999999999 email:a@example.com
expect_rc 2 "a --max-join past the bound is a usage error, not a wrap-around"

# ---- --stdin ----------------------------------------------------------------

# (the rescan at the end of this file clears the conflict)

printf '%s\n' 'email:Alice@Example.com' '' '{"id": "req-2", "identifiers": ["customer-number:C2"]}' \
	'phone:12' '{"identifiers": "email:x@example.com"}' 'email:nobody@example.com' \
	'{"id": 7, "identifiers": ["email:noemail@example.com"]}' > "$T_TMP/queries"
$DSMAP_RUNNER "$DSMAP_BIN" -C "$W" locate --stdin < "$T_TMP/queries" > "$T_TMP/out" 2> "$T_TMP/err" && T_RC=0 || T_RC=$?
expect_rc 1 "a batch with bad lines answers every line and exits 1"
check "one JSON answer a line, in order, with line numbers and ids" python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["line"] for l in lines] == [1, 3, 4, 5, 6, 7], lines
a = lines[0]["answer"]
assert a["schema"] == 2 and [s["system"] for s in a["systems"]] == ["billing", "crm"], a
assert "id" not in lines[0]
assert lines[1]["id"] == "req-2" and [s["system"] for s in lines[1]["answer"]["systems"]] == ["billing", "crm"]
assert "phone" in lines[2]["error"] and "answer" not in lines[2], lines[2]
assert "identifiers" in lines[3]["error"], lines[3]
assert lines[4]["answer"]["found"] is False, lines[4]
assert lines[5]["id"] == 7 and lines[5]["answer"]["conflicts"][0]["subjects"] == 10, lines[5]' "$T_TMP/out"
check "each answer follows the documented schema" python3 -c '
import json, sys, jsonschema
schema = json.load(open(sys.argv[2]))
for l in open(sys.argv[1]):
    l = json.loads(l)
    if "answer" in l:
        jsonschema.validate(l["answer"], schema)' "$T_TMP/out" "$DSMAP_SRCDIR/docs/locate.schema.json"
expect_err "^dsmap: locate: line 4: identifier 1 \(phone\): " "a bad line is named by its number on stderr"
check "no value of the batch is written to stderr" sh -c '! grep -Eq "Alice|noemail|nobody|12" "$1"' x "$T_TMP/err"

printf 'email:alice@example.com\n' | $DSMAP_RUNNER "$DSMAP_BIN" -C "$W" locate --stdin > "$T_TMP/out" 2> "$T_TMP/err" && T_RC=0 || T_RC=$?
expect_rc 0 "a clean batch exits 0"
dsmap -C "$W" locate --stdin email:alice@example.com
expect_rc 2 "--stdin takes no identifiers on the command line"

# 3000 queries: several batches of the library call, answered in order.
python3 -c '
for i in range(3000):
    print("customer-number:C%d" % (i % 3 + 1))' > "$T_TMP/many"
$DSMAP_RUNNER "$DSMAP_BIN" -C "$W" locate --stdin < "$T_TMP/many" > "$T_TMP/out" 2> "$T_TMP/err" && T_RC=0 || T_RC=$?
expect_rc 0 "3000 queries"
check "3000 answers, in order" python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["line"] for l in lines] == list(range(1, 3001))
assert [l["answer"]["found"] for l in lines[:3]] == [True, True, False], [l["answer"]["found"] for l in lines[:3]]' "$T_TMP/out"

# A CRM export without the placeholder: the conflict is gone.
sed -i 's/^P\([0-9]*\),noemail@example.com$/P\1,p\1@example.com/' "$W/data/crm.csv"
dsmap -C "$W" scan --quiet crm
expect_rc 0 "rescan the CRM without the placeholder"
dsmap -C "$W" status --format json
check "status no longer lists a conflict" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert all(x["identity_conflicts"] == [] for x in d["systems"]), d["systems"]' "$T_TMP/out"

finish
