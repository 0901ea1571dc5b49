## plugins/csv: rules for the csv plugin, included by the top Makefile.am.

pkglib_LTLIBRARIES += plugins/csv.la
plugins_csv_la_SOURCES = plugins/csv/csv.c
plugins_csv_la_CFLAGS = $(PLUGIN_CFLAGS)
plugins_csv_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_csv_la_LIBADD = plugins/common/libfsrc.la $(CSV_LIBS)

# The unit tests hold the plugin itself and call its entry point directly.
if HAVE_CMOCKA
UNIT_TESTS += tests/unit/plugin_csv
endif
tests_unit_plugin_csv_SOURCES = tests/unit/plugin_csv.c plugins/csv/csv.c $(PLUGIN_HOST_SOURCES)
tests_unit_plugin_csv_CPPFLAGS = $(PLUGIN_TEST_CPPFLAGS)
tests_unit_plugin_csv_CFLAGS = $(UNIT_CFLAGS)
tests_unit_plugin_csv_LDADD = plugins/common/libfsrc.la $(CSV_LIBS) $(CMOCKA_LIBS)

EXTRA_DIST += tests/fixtures/csv
