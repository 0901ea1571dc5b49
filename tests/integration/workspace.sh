#!/bin/sh
# Workspaces through the real binary: init, discovery, status, verify, and
# the errors a user meets first.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
cd "$T_TMP"
ws=$T_TMP/ws

dsmap init "$ws"
expect_rc 0 "init creates a workspace"
expect_out "^Initialised dsmap workspace in $ws" "init says where"
expect_out "commit [0-9a-f]{12}" "init names the first commit"
check "the secret key is owner-only" test "$(stat -c %a "$ws/.dsmap/secret.key")" = 600
check "the store directory is owner-only" test "$(stat -c %a "$ws/.dsmap/store")" = 700
check "the store files are owner-only" test "$(stat -c %a "$ws/.dsmap/store/data.mdb")" = 600
check "the mapping repository has one commit" \
	test "$(git -C "$ws" rev-list --count HEAD)" = 1
check "git ignores .dsmap" test -z "$(git -C "$ws" status --porcelain)"
check "the first commit holds mappings/" git -C "$ws" cat-file -e HEAD:mappings

cp -p "$ws/.dsmap/secret.key" "$T_TMP/key.before"
dsmap init "$ws"
expect_rc 1 "init twice is an error"
expect_err "^dsmap: init $ws: already a dsmap workspace; nothing was changed$" \
	"init twice says so"
check "init twice keeps the secret key" cmp -s "$ws/.dsmap/secret.key" "$T_TMP/key.before"

mkdir "$T_TMP/repo" && git init -q "$T_TMP/repo"
dsmap init "$T_TMP/repo"
expect_rc 1 "init in a git repository is an error"
expect_err "holds a git repository already" "init in a git repository says so"
check "init in a git repository leaves no .dsmap" test ! -e "$T_TMP/repo/.dsmap"

# A directory dsmap cannot write: mode 0555 for a user, /sys for root,
# who may write anywhere else.
if [ "$(id -u)" -eq 0 ]; then
	ro=/sys/dsmap-it-$$
else
	mkdir "$T_TMP/ro" && chmod 555 "$T_TMP/ro"
	ro=$T_TMP/ro/ws
fi
dsmap init "$ro"
expect_rc 1 "init where nothing can be written is an error"
expect_err "^dsmap: init: create directory $ro: (Permission denied|Operation not permitted|Read-only file system)" \
	"init where nothing can be written names the directory and why"
check "and leaves nothing behind" test ! -e "$ro"

mkdir "$T_TMP/via-c"
dsmap -C "$T_TMP/via-c" init
expect_rc 0 "init uses the -C directory"
check "the -C directory became a workspace" test -d "$T_TMP/via-c/.dsmap"

# Discovery: -C walks up, DSMAP_DIR is exact, otherwise walk up from cwd.
dsmap -C "$ws/mappings" status
expect_rc 0 "-C finds the workspace from a subdirectory"
expect_out "^workspace   $ws$" "-C status names the workspace"

dsmap --workspace "$ws" status
expect_rc 0 "--workspace is -C"

(cd "$ws/mappings" && dsmap status && echo "$T_RC" > "$T_TMP/rc")
T_RC=$(cat "$T_TMP/rc")
expect_rc 0 "status finds the workspace from the current directory's parents"
expect_out "^workspace   $ws$" "walking up finds the right workspace"

(cd "$T_TMP/via-c" && DSMAP_DIR=$ws dsmap status && echo "$T_RC" > "$T_TMP/rc")
T_RC=$(cat "$T_TMP/rc")
expect_rc 0 "DSMAP_DIR names the workspace"
expect_out "^workspace   $ws$" "DSMAP_DIR wins over the current directory"

(cd "$ws" && dsmap -C "$T_TMP/via-c" status && echo "$T_RC" > "$T_TMP/rc")
T_RC=$(cat "$T_TMP/rc")
expect_out "^workspace   $T_TMP/via-c$" "-C wins over the current directory"

DSMAP_DIR=$ws/mappings dsmap status
expect_rc 1 "DSMAP_DIR must name the top directory"
expect_err "is not a dsmap workspace" "a wrong DSMAP_DIR is reported"

dsmap -C "$T_TMP" status
expect_rc 1 "outside any workspace status is an error"
expect_err "^dsmap: not in a dsmap workspace" "outside any workspace is reported"
expect_err "dsmap init" "with a hint to init one"

dsmap -C "$T_TMP/nonexistent" status
expect_rc 1 "a missing -C directory is an error"
expect_err "nonexistent: No such file or directory" "a missing -C directory is named"

# Status.
dsmap -C "$ws" status
expect_out "^mapping     HEAD [0-9a-f]{12}  Import the shipped notice mapping$" "status shows HEAD"
expect_out "^synced      nothing yet" "status shows nothing synced"
expect_out "^store       .* schema 4$" "status shows the store"
expect_out "^systems     none" "status shows no systems"

dsmap -C "$ws" status --format json
expect_rc 0 "status --format json"
check "status JSON parses and has the schema key" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == 1, d
assert d["workspace"] == sys.argv[2], d
assert len(d["head"]["commit"]) == 40, d
assert d["synced"] is None and d["systems"] == [], d
assert d["store"]["used_bytes"] <= d["store"]["file_bytes"], d
' "$T_TMP/out" "$ws"

# A declared system shows up once committed.
mkdir -p "$ws/mappings/systems"
printf 'schema: 1\n' > "$ws/mappings/systems/crm.yaml"
git -C "$ws" add mappings/systems/crm.yaml
git -C "$ws" -c user.name=t -c user.email=t@example.org commit -qm "Declare the CRM"
dsmap -C "$ws" status
expect_out "^  crm +yes +never " "status lists a declared system that was never scanned"

dsmap -C "$ws" verify
expect_rc 0 "verify passes on a sound store"
expect_out "sound, [0-9]+ records checked" "verify says so"

# A damaged store is reported and left as it is.
cp -r "$ws" "$T_TMP/damaged"
size=$(stat -c %s "$T_TMP/damaged/.dsmap/store/data.mdb")
truncate -s 8192 "$T_TMP/damaged/.dsmap/store/data.mdb"
dsmap -C "$T_TMP/damaged" status
expect_rc 1 "a truncated store is an error"
expect_err "data file is truncated" "a truncated store is reported as such"
check "a truncated store is not rewritten" \
	test "$(stat -c %s "$T_TMP/damaged/.dsmap/store/data.mdb")" = 8192
[ "$size" -gt 8192 ] || not_ok "the store was larger than the truncation ($size)"

rm -rf "$T_TMP/damaged" && cp -r "$ws" "$T_TMP/damaged"
dd if=/dev/urandom of="$T_TMP/damaged/.dsmap/store/data.mdb" bs=4096 count=2 conv=notrunc 2>/dev/null
dsmap -C "$T_TMP/damaged" verify
expect_rc 1 "a store with garbled headers is an error"
expect_err "header pages are corrupted" "garbled headers are reported"

chmod 644 "$ws/.dsmap/secret.key"
dsmap -C "$ws" status
expect_rc 1 "a secret key readable by others is refused"
expect_err "chmod 600" "with the fix"
chmod 600 "$ws/.dsmap/secret.key"

finish
