## plugins/sqlite: rules for the sqlite plugin, included by the top Makefile.am.
