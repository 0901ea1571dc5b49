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
