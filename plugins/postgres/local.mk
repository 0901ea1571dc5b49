## plugins/postgres: rules for the postgres plugin, included by the top Makefile.am.
