## plugins/sqlite: rules for the sqlite plugin, included by the top Makefile.am.

pkglib_LTLIBRARIES += plugins/sqlite.la
plugins_sqlite_la_SOURCES = plugins/sqlite/sqlite.c
plugins_sqlite_la_CFLAGS = $(PLUGIN_CFLAGS) $(SQLITE3_CFLAGS)
plugins_sqlite_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_sqlite_la_LIBADD = $(SQLITE3_LIBS)

# The unit test compiles the plugin in and calls dsmap_plugin_entry()
# directly; it also loads the built module to check what it exports.
if HAVE_CMOCKA
UNIT_TESTS += tests/unit/plugin_sqlite
endif
tests_unit_plugin_sqlite_SOURCES = tests/unit/plugin_sqlite.c plugins/sqlite/sqlite.c
tests_unit_plugin_sqlite_CFLAGS = $(UNIT_CFLAGS) $(SQLITE3_CFLAGS)
tests_unit_plugin_sqlite_LDADD = $(CMOCKA_LIBS) $(SQLITE3_LIBS) $(DL_LIBS)
