## plugins/common: code shared by the plugins of file sources, included by the top Makefile.am.
