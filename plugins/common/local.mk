## plugins/common: code shared by the plugins of file sources, included by the top Makefile.am.

# A convenience library (position-independent, as libtool builds it) that
# the csv and jsonl plugins and their unit tests link in.  It needs nothing
# but <dsmap/plugin.h> and the C library.
noinst_LTLIBRARIES += plugins/common/libfsrc.la
plugins_common_libfsrc_la_SOURCES = plugins/common/fsrc.c plugins/common/fsrc.h
plugins_common_libfsrc_la_CFLAGS = $(PLUGIN_CFLAGS)

# The fake host the unit tests of these plugins drive them with.
PLUGIN_HOST_SOURCES = tests/unit/plugin-host.c tests/unit/plugin-host.h
PLUGIN_TEST_CPPFLAGS = $(AM_CPPFLAGS) -DPH_FIXTURES='"$(abs_top_srcdir)/tests/fixtures"'
