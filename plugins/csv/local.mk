## plugins/csv: rules for the csv plugin, included by the top Makefile.am.
