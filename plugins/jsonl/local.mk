## plugins/jsonl: rules for the jsonl plugin, included by the top Makefile.am.

pkglib_LTLIBRARIES += plugins/jsonl.la
plugins_jsonl_la_SOURCES = plugins/jsonl/jsonl.c
plugins_jsonl_la_CFLAGS = $(PLUGIN_CFLAGS) $(JANSSON_CFLAGS)
plugins_jsonl_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_jsonl_la_LIBADD = plugins/common/libfsrc.la $(JANSSON_LIBS)

# The unit tests hold the plugin itself and call its entry point directly.
if HAVE_CMOCKA
UNIT_TESTS += tests/unit/plugin_jsonl
endif
tests_unit_plugin_jsonl_SOURCES = tests/unit/plugin_jsonl.c plugins/jsonl/jsonl.c $(PLUGIN_HOST_SOURCES)
tests_unit_plugin_jsonl_CPPFLAGS = $(PLUGIN_TEST_CPPFLAGS)
tests_unit_plugin_jsonl_CFLAGS = $(UNIT_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_plugin_jsonl_LDADD = plugins/common/libfsrc.la $(JANSSON_LIBS) $(CMOCKA_LIBS)

EXTRA_DIST += tests/fixtures/jsonl
