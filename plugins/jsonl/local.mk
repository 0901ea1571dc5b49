## plugins/jsonl: rules for the jsonl plugin, included by the top Makefile.am.
