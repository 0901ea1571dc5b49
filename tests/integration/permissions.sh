#!/bin/sh
# Permissions: a workspace whose parts others may write, or another user
# owns, is refused with the command that puts it right; init makes a
# workspace private whatever the umask.
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
cd "$T_TMP"

# mode PATH: the permission bits of PATH, in octal.
mode() {
	stat -c %a "$1"
}

# fix: run the one command the last error gave ("run 'COMMAND'").
fix() {
	cmd=$(sed -n "s/.*: run '\\([^']*\\)'.*/\\1/p" "$T_TMP/err")
	[ -n "$cmd" ] && sh -c "$cmd"
}

# init under umask 000: the workspace, .dsmap, the store and the key are
# private; so are the repository and the mapping files.
(umask 000 && "$DSMAP_BIN" init "$T_TMP/new/ws" > /dev/null)
W=$T_TMP/new/ws
check "init under umask 000 makes the workspace 0700" test "$(mode "$W")" = 700
check "and .dsmap 0700" test "$(mode "$W/.dsmap")" = 700
check "and the key 0600" test "$(mode "$W/.dsmap/secret.key")" = 600
check "and the store 0700" test "$(mode "$W/.dsmap/store")" = 700
check "and its files 0600" test "$(mode "$W/.dsmap/store/data.mdb")$(mode "$W/.dsmap/store/lock.mdb")" = 600600
check "and nothing in it that group or others may use" \
	test -z "$(find "$W" -perm /077 -print -quit)"
check "nor the parent directory init made" test -z "$(find "$T_TMP/new" -maxdepth 0 -perm /022)"
dsmap -C "$W" status
expect_rc 0 "the new workspace opens"

# A git checkout may well be 0755: only writing matters.
chmod 755 "$W"
dsmap -C "$W" status
expect_rc 0 "a workspace directory others may read is fine"

chmod 777 "$W/.dsmap"
dsmap -C "$W" status
expect_rc 1 "a world-writable .dsmap is refused"
expect_err "^dsmap: workspace $W is not private: $W/.dsmap is writable by group or others \\(mode 0777\\): run 'chmod go-w $W/.dsmap'$" \
	"with the chmod to run"
check "the chmod it gives" fix
dsmap -C "$W" status
expect_rc 0 "puts it right"

for part in "" /.dsmap/store /.dsmap/store/data.mdb /.dsmap/store/lock.mdb; do
	old=$(mode "$W$part")
	chmod g+w "$W$part"
	dsmap -C "$W" status
	expect_rc 1 "a group-writable ${part:-workspace directory} is refused"
	expect_err "$W$part is writable by group or others \\(mode 0[0-7]*\\): run 'chmod go-w $W$part'" \
		"and named with its chmod"
	chmod "$old" "$W$part"
done

chmod 640 "$W/.dsmap/secret.key"
dsmap -C "$W" status
expect_rc 1 "a key the group may read is refused"
expect_err "$W/.dsmap/secret.key is readable or writable by group or others \\(mode 0640\\): run 'chmod 600 $W/.dsmap/secret.key'" \
	"with chmod 600"
check "the chmod it gives" fix

chmod 777 "$W/.dsmap" && chmod 666 "$W/.dsmap/store/data.mdb"
dsmap -C "$W" status
expect_rc 1 "two problems are refused"
check "both are named, each with its command" sh -c "
	grep -q \"$W/.dsmap is writable.*run 'chmod go-w $W/.dsmap'; $W/.dsmap/store/data.mdb is writable.*run 'chmod go-w $W/.dsmap/store/data.mdb'\$\" '$T_TMP/err'"
chmod 700 "$W/.dsmap" && chmod 600 "$W/.dsmap/store/data.mdb"

# A path that needs quoting is quoted in the command.
(umask 077 && "$DSMAP_BIN" init "$T_TMP/my ws" > /dev/null)
chmod 777 "$T_TMP/my ws/.dsmap"
dsmap -C "$T_TMP/my ws" status
expect_err "run 'chmod go-w \"$T_TMP/my ws/.dsmap\"'" "a path with a space is quoted"
check "and the command works as given" fix
dsmap -C "$T_TMP/my ws" status
expect_rc 0 "which puts it right"

# init refuses a directory others may write before it makes anything.
mkdir -m 777 "$T_TMP/open"
chmod 777 "$T_TMP/open"
dsmap init "$T_TMP/open"
expect_rc 1 "init in a world-writable directory is refused"
expect_err "^dsmap: init: workspace $T_TMP/open is not private: $T_TMP/open is writable by group or others \\(mode 0777\\): run 'chmod go-w $T_TMP/open'$" \
	"with the chmod to run"
check "and nothing is made there" test -z "$(ls -A "$T_TMP/open")"
check "the chmod it gives" fix
dsmap init "$T_TMP/open"
expect_rc 0 "then init works"
check "and leaves the directory's own mode alone" test "$(mode "$T_TMP/open")" = 755

# Owned by another user: only root can make such a workspace to test.
if [ "$(id -u)" -eq 0 ] && id nobody > /dev/null 2>&1; then
	chown -R nobody "$W/.dsmap"
	dsmap -C "$W" status
	expect_rc 1 "a .dsmap another user owns is refused"
	expect_err "$W/.dsmap is owned by nobody, not by you \\(root\\): run 'chown -R root $W/.dsmap', or use dsmap as nobody$" \
		"with one chown -R for all it holds"
	check "the chown it gives" fix
	dsmap -C "$W" status
	expect_rc 0 "puts it right"
	chown nobody "$W/.dsmap/secret.key"
	dsmap -C "$W" status
	expect_rc 1 "a key another user owns is refused"
	expect_err "run 'chown root $W/.dsmap/secret.key', or use dsmap as nobody$" "with its chown"
	chown root "$W/.dsmap/secret.key"
else
	echo "# not root: the ownership checks are not run"
fi

finish
