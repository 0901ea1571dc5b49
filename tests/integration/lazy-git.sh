#!/bin/sh
# Commands that read no git load no libgit2; those that do load it, and
# status follows HEAD however it moves (a commit, packed refs, a detached
# HEAD).
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
cd "$T_TMP"
ws=$T_TMP/ws
M=$ws/mappings
git_() {
	git -C "$ws" -c user.name=t -c user.email=t@example.org "$@"
}

# traced ARGS: run dsmap with the dynamic loader's log of the files it
# loads in $T_TMP/ld (glibc's LD_DEBUG; the libtool wrapper's shell logs
# too, and loads no libgit2).
traced() {
	rm -f "$T_TMP"/ld.*
	LD_DEBUG=files LD_DEBUG_OUTPUT=$T_TMP/ld dsmap "$@"
	cat "$T_TMP"/ld.* > "$T_TMP/ld" 2>/dev/null || : > "$T_TMP/ld"
	rm -f "$T_TMP"/ld.*
}
# no_git DESCRIPTION: the last traced run loaded no libgit2.
no_git() {
	if [ -n "$DSMAP_RUNNER" ] || ! grep -q 'file=libdsmap' "$T_TMP/ld"; then
		ok "$1 # SKIP no loader log (not glibc, or under $DSMAP_RUNNER)"
	elif grep -q 'file=libgit2' "$T_TMP/ld"; then
		not_ok "$1 (libgit2 was loaded)"
	else
		ok "$1"
	fi
}
loaded_git() {
	if [ -n "$DSMAP_RUNNER" ] || ! grep -q 'file=libdsmap' "$T_TMP/ld"; then
		ok "$1 # SKIP no loader log (not glibc, or under $DSMAP_RUNNER)"
	elif grep -q 'file=libgit2' "$T_TMP/ld"; then
		ok "$1"
	else
		not_ok "$1 (libgit2 was not loaded: is the loader log right?)"
	fi
}
# head_is REV DESCRIPTION: status --format json names git's REV as HEAD.
head_is() {
	want=$(git_ rev-parse "$1")
	check "$2" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["head"]["commit"] == sys.argv[2], (d["head"], sys.argv[2])
' "$T_TMP/out" "$want"
}

dsmap init "$ws"
expect_rc 0 "init"
cat > "$M/systems/crm.yaml" <<'YAML'
schema: 1
system:
  id: crm
  name: CRM
  plugin: synthetic
  purposes: [after-sales-customer-service]
  sources:
    - name: customers
      identifiers:
        customer_no: customer-number
      categories:
        email: collected/identification-contact
YAML
git_ add -A mappings && git_ commit -q -m "Declare the CRM"
traced -C "$ws" scan
expect_rc 0 "a scan reads git"
loaded_git "and loads libgit2"

traced -C "$ws" locate --format json email:nobody@example.invalid
expect_rc 3 "locate of nobody is 'not found'"
no_git "locate loads no libgit2"
traced -C "$ws" lineage purpose after-sales-customer-service
expect_rc 0 "lineage of the synced revision"
no_git "loads no libgit2"
traced -C "$ws" ls purposes
expect_rc 0 "ls"
no_git "loads no libgit2"
traced -C "$ws" lineage --at HEAD purpose after-sales-customer-service
expect_rc 0 "lineage --at HEAD"
loaded_git "reads git"

# status reads HEAD, through libgit2, however it moves.
traced -C "$ws" status --format json
expect_rc 0 "status"
head_is HEAD "names HEAD"
check "with the declared system" grep -q '"declared": true' "$T_TMP/out"
git_ commit -q --allow-empty -m "Moved on"
dsmap -C "$ws" status --format json
head_is HEAD "status follows a commit made with git"
check "and its summary" grep -q '"Moved on"' "$T_TMP/out"
git_ pack-refs --all
dsmap -C "$ws" status --format json
head_is HEAD "packed refs"
git_ checkout -q --detach HEAD~1
dsmap -C "$ws" status --format json
head_is HEAD "and a detached HEAD"

traced -C "$ws" history
expect_rc 0 "history reads git"
loaded_git "and loads libgit2"
finish
