#!/bin/sh
# dsmap token add|list|revoke and dsmap access-log: the tokens dsmap serve
# checks and the log it keeps, from the command line.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
cd "$T_TMP"

W=$T_TMP/ws
"$DSMAP_BIN" init "$W" > /dev/null

# ---- token ------------------------------------------------------------------

dsmap -C "$W" token list
expect_rc 0 "token list with no tokens"
expect_out "^no tokens: dsmap token add" "says how to make one"

dsmap -C "$W" token add --role dsar --name dsar-portal
expect_rc 0 "token add"
check "prints one token on stdout" test "$(wc -l < out)" -eq 1
check "of the documented form" grep -Eqx 'dsmap_[A-Za-z0-9_-]{43}' out
expect_err "only time it is shown" "and says it is shown once"
TOKEN=$(cat out)
check "the tokens file is 0600" test "$(stat -c %a "$W/.dsmap/tokens")" = 600
check "and holds no token" sh -c "! grep -q -- '${TOKEN#dsmap_}' '$W/.dsmap/tokens'"

dsmap -C "$W" token add --role auditor --name audit
dsmap -C "$W" token add --role admin --name ops
expect_rc 0 "a token of each role"

dsmap -C "$W" token add --role dsar --name dsar-portal
expect_rc 1 "a live name cannot be given twice"
expect_err "a token named 'dsar-portal' exists: revoke it first" "and says what to do"

dsmap -C "$W" token add --role root --name x
expect_rc 2 "an unknown role is a usage error"
expect_err "unknown role 'root': use dsar, auditor or admin" "naming the roles"
dsmap -C "$W" token add --role dsar --name 'a b'
expect_rc 2 "a bad name is a usage error"
expect_err "token name 'a b'" "naming the name"
dsmap -C "$W" token add --role dsar
expect_rc 2 "add without --name"
dsmap -C "$W" token frobnicate
expect_rc 2 "an unknown subcommand"

dsmap -C "$W" token list
expect_rc 0 "token list"
expect_out "^dsar-portal +dsar " "lists the dsar token"
expect_out "^audit +auditor " "and the auditor's"
expect_out "^ops +admin " "and the admin's"
check "never a token" sh -c "! grep -q dsmap_ out"

dsmap -C "$W" token revoke dsar-portal
expect_rc 0 "token revoke"
dsmap -C "$W" token revoke dsar-portal
expect_rc 3 "revoking it again: nothing to revoke"
expect_err "no live token named 'dsar-portal'" "says so"
dsmap -C "$W" token add --role dsar --name dsar-portal
expect_rc 0 "a revoked name can be given to a new token"
check "which differs from the old one" test "$(cat out)" != "$TOKEN"

dsmap -C "$W" token list --format json
expect_rc 0 "token list --format json"
check "is JSON with 4 tokens, one revoked" python3 -c '
import json, sys
d = json.load(open("out"))
t = d["tokens"]
assert d["schema"] == 1 and len(t) == 4, d
assert [x["name"] for x in t] == ["dsar-portal", "audit", "ops", "dsar-portal"], t
assert t[0]["revoked"] > 0 and all(x["revoked"] == 0 for x in t[1:]), t
assert all(x["created"] > 0 for x in t)
assert all("hash" not in x for x in t)
'

chmod 644 "$W/.dsmap/tokens"
dsmap -C "$W" token list
expect_rc 1 "a tokens file others may read is refused"
expect_err "chmod 600" "with the chmod that puts it right"
chmod 600 "$W/.dsmap/tokens"

cp "$W/.dsmap/tokens" tokens.good
printf '{"schema": 1, "tokens": [\n  {"name": "x",\n]}\n' > "$W/.dsmap/tokens"
dsmap -C "$W" token list
expect_rc 1 "a damaged tokens file is refused"
expect_err "\.dsmap/tokens:3:" "naming the line where it broke"
cp tokens.good "$W/.dsmap/tokens"

# ---- access-log ---------------------------------------------------------------

dsmap -C "$W" access-log
expect_rc 0 "access-log with no log"
expect_out "^no requests logged" "says so"

# Entries as dsmap serve writes them (the serve tests make real ones).
cat > "$W/.dsmap/access.log" <<'EOF'
{"time":"2026-03-01T10:00:00.000100Z","token":"dsar-portal","method":"POST","route":"/v1/locate","status":200,"identifiers":2,"kinds":["email","phone"],"systems":3,"bytes":5120,"duration_us":812}
{"time":"2026-03-02T11:30:00.000000Z","token":null,"method":"GET","route":"/v1/systems","status":401,"identifiers":0,"kinds":[],"systems":0,"bytes":120,"duration_us":40}
EOF
chmod 600 "$W/.dsmap/access.log"

dsmap -C "$W" access-log
expect_rc 0 "access-log"
expect_out "^2026-03-01 10:00:00.000 +dsar-portal +POST +/v1/locate +200 +2 +email,phone +3 +5120 +0.8" \
	"shows a locate with its identifier kinds and systems"
expect_out "^2026-03-02 11:30:00.000 +- +GET +/v1/systems +401 " "and a refused request"

dsmap -C "$W" access-log --since 2026-03-02
expect_rc 0 "access-log --since"
check "shows only the later entry" test "$(grep -c /v1/ out)" -eq 1
expect_out "/v1/systems" "the one of that day"
dsmap -C "$W" access-log --since 2026-03-01T10:00:01
check "a time to the second" test "$(grep -c /v1/ out)" -eq 1
dsmap -C "$W" access-log --since yesterday
expect_rc 2 "a bad date is a usage error"
expect_err "date 'yesterday': write YYYY-MM-DD" "saying how to write one"

dsmap -C "$W" access-log --format json
expect_rc 0 "access-log --format json"
check "has both entries, with kinds" python3 -c '
import json
d = json.load(open("out"))
e = d["entries"]
assert len(e) == 2 and d["damaged"] == [], d
assert e[0]["kinds"] == "email,phone" and e[0]["identifiers"] == 2 and e[0]["systems"] == 3
assert e[1]["token"] is None and e[1]["status"] == 401
assert e[0]["time_us"] == 1772359200000100, e[0]["time_us"]
'

# a crash cut the last line short
printf '{"time":"2026-03-03T0' >> "$W/.dsmap/access.log"
dsmap -C "$W" access-log
expect_rc 1 "a damaged line makes access-log fail"
expect_err "access log line 3: cut short" "naming the line"
check "after showing every whole entry" test "$(grep -c /v1/ out)" -eq 2

chmod 640 "$W/.dsmap/access.log"
dsmap -C "$W" access-log
expect_rc 1 "an access log others may read is refused"
expect_err "chmod 600" "with the chmod that puts it right"

finish
