#!/bin/sh
# A full disk: a small tmpfs, filled up, under a workspace.  Each write
# that fails says "No space left on device" and names the store or file,
# never "Input/output error".
#
# Mounting needs root (CI runs as root) or a user namespace (unshare -rm,
# where the kernel allows it).  As root, a mount that fails is a failure of
# this test, not a skip: the paths it covers are tested nowhere else.
if [ "$(id -u)" -ne 0 ]; then
	if [ -z "${DSMAP_IN_USERNS:-}" ] && unshare -rm true 2> /dev/null; then
		DSMAP_IN_USERNS=1
		export DSMAP_IN_USERNS
		exec unshare -rm sh "$0" "$@"
	fi
	echo "full-disk.sh: skipped: mounting a tmpfs needs root or unshare -rm" >&2
	exit 77
fi
. "${DSMAP_SRCDIR:-.}/tests/integration/lib.sh"
cd "$T_TMP"

mkdir -m 700 full
if ! mount -t tmpfs -o size=4m,mode=0700 dsmap-full-disk "$T_TMP/full"; then
	not_ok "mount a 4 MB tmpfs on $T_TMP/full (as root: the full-disk paths need it)"
	finish
	exit 1
fi
trap 'umount "$T_TMP/full"; rm -rf "$T_TMP"' EXIT
ok "a 4 MB tmpfs is mounted"

# fill KB: fill the tmpfs but for KB kilobytes.
fill() {
	rm -f full/filler
	avail=$(df -k --output=avail full | tail -1)
	if [ "$avail" -gt "$1" ]; then
		dd if=/dev/zero of=full/filler bs=1k count=$((avail - $1)) 2> /dev/null || :
	fi
}

W=$T_TMP/full/ws
dsmap init "$W"
expect_rc 0 "a workspace on the tmpfs"

# Not a byte left: LMDB's write fails with ENOSPC.
fill 0
dsmap -C "$W" sync
expect_rc 1 "sync on a full disk fails"
expect_err "^dsmap: sync: store $W/.dsmap/store: sync: No space left on device$" \
	"and says the disk is full, naming the store"

# A few pages left: LMDB writes part of a page run and calls the short
# write EIO; dsmap sees the file system is full.
fill 16
dsmap -C "$W" sync
expect_rc 1 "sync on a disk that fills up mid-write fails"
expect_err "^dsmap: sync: store $W/.dsmap/store: sync: No space left on device$" \
	"and says the disk is full, not 'Input/output error'"

rm -f full/filler
dsmap -C "$W" sync
expect_rc 0 "once there is room, sync works"
dsmap -C "$W" status --format json
check "and the store is whole" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["synced"]) == 40, d
' "$T_TMP/out"

# A scan that runs out of room: the system fails with the disk named, and
# its previous inventory stays whole.
DSMAP_PLUGIN_PATH=$DSMAP_BUILDDIR/plugins/.libs
export DSMAP_PLUGIN_PATH
mkdir "$W/data"
python3 -c '
print("customer_no,email")
for i in range(2000):
    print("C%07d,user%d@example.com" % (i, i))' > "$W/data/crm.csv"
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
git -C "$W" add mappings
git -C "$W" -c user.name=t -c user.email=t@example.org commit -qm "A CRM"
dsmap -C "$W" scan --quiet
expect_rc 0 "a scan with room"
fill 64
dsmap -C "$W" scan --quiet
expect_rc 1 "a scan on a full disk fails"
expect_out "^crm \(csv\): FAILED .*: No space left on device$" "and says the disk is full"
expect_out "^  the previous inventory of crm is kept$" "and keeps the previous inventory"
rm -f full/filler
dsmap -C "$W" locate email:user44@example.com
expect_rc 0 "which still answers"

# init on a full disk names the file it could not write.
rm -rf "$W"
for kb in 0 8 100; do
	fill "$kb"
	dsmap init "$T_TMP/full/ws$kb"
	expect_rc 1 "init with ${kb} KB left fails"
	expect_err "^dsmap: init $T_TMP/full/ws$kb: .*$T_TMP/full/ws$kb.*No space left on device" \
		"and names what it could not write, with the full disk"
	check "and leaves nothing behind" test ! -e "$T_TMP/full/ws$kb"
done

finish
