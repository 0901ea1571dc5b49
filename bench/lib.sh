# Shared by the bench scripts: sourced, not run.
#
# set_dsmap: set $dsmap to the dsmap to time.  In a build tree, cli/dsmap is
# libtool's wrapper script, which costs a shell and a relink check on every
# call; the whole-command figures time the real binary beside it instead,
# with the library it was linked against (exported LD_LIBRARY_PATH).
set_dsmap() {
	dsmap=$DSMAP_BUILDDIR/cli/dsmap
	if [ -x "$DSMAP_BUILDDIR/cli/.libs/dsmap" ]; then
		dsmap=$DSMAP_BUILDDIR/cli/.libs/dsmap
		LD_LIBRARY_PATH=$DSMAP_BUILDDIR/core/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
		export LD_LIBRARY_PATH
	fi
}

# history_commits WS N: N commits on workspace WS, each changing the purpose
# billing-accounting: its retention, or a recipient added or removed in
# turn, and each with a comment line of its own, so that no two commits
# have the same mappings/ tree and a cold history diffs every one.  One
# hour apart from a fixed date, so that two runs make the same history.
history_commits() {
	_f=$1/mappings/purposes/billing-accounting.yaml
	_i=0
	while [ $_i -lt "$2" ]; do
		_i=$((_i + 1))
		case $((_i % 4)) in
		0) sed -i 's/^      - duration: P[0-9]*Y$/      - duration: P7Y/' "$_f" ;;
		1) sed -i 's/^      - duration: P[0-9]*Y$/      - duration: P6Y/' "$_f" ;;
		2) sed -i 's/^    - payment-service-providers$/    - payment-service-providers\n    - ads-and-data/' "$_f" ;;
		3) sed -i '/^    - ads-and-data$/d' "$_f" ;;
		esac
		sed -i '/^# bench commit /d' "$_f"
		echo "# bench commit $_i" >> "$_f"
		GIT_AUTHOR_DATE="@$((1800000000 + _i * 3600)) +0000" GIT_COMMITTER_DATE="@$((1800000000 + _i * 3600)) +0000" \
			git -C "$1" -c user.name=bench -c user.email=bench@example.com \
			commit -q -a -m "change $_i"
	done
}
