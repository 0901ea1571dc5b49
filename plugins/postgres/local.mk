## plugins/postgres: rules for the postgres plugin, included by the top Makefile.am.

pkglib_LTLIBRARIES += plugins/postgres.la
plugins_postgres_la_SOURCES = plugins/postgres/postgres.c
plugins_postgres_la_CFLAGS = $(PLUGIN_CFLAGS) $(LIBPQ_CFLAGS)
plugins_postgres_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_postgres_la_LIBADD = plugins/common/libfsrc.la $(LIBPQ_LIBS)

# The unit test compiles the plugin in and needs a server: it is built with
# the tests but run by tests/integration/postgres-plugin.sh, which starts a
# throw-away server (tests/pg.sh) and skips when there is no PostgreSQL.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/plugin_postgres
endif
tests_unit_plugin_postgres_SOURCES = tests/unit/plugin_postgres.c plugins/postgres/postgres.c
tests_unit_plugin_postgres_CFLAGS = $(UNIT_CFLAGS) $(LIBPQ_CFLAGS)
tests_unit_plugin_postgres_LDADD = plugins/common/libfsrc.la $(CMOCKA_LIBS) $(LIBPQ_LIBS) $(DL_LIBS)

INTEGRATION_TESTS += tests/integration/postgres-plugin.sh
EXTRA_DIST += tests/pg.sh
