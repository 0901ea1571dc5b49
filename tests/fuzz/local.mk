## tests/fuzz: the fuzz targets, included by the top Makefile.am.
##
## Each target (tests/fuzz/TARGET_fuzzer.c) is built by `make check`, with
## the normal compiler and tests/fuzz/standalone.c, as
## tests/fuzz/replay-TARGET, a test that runs the target on every committed
## input of tests/fuzz/corpus/TARGET/ and tests/fuzz/crashes/TARGET/ (in
## the valgrind and sanitizer runs of the suite too).

FUZZ_TESTS = \
	tests/fuzz/replay-mapping \
	tests/fuzz/replay-ident \
	tests/fuzz/replay-csv \
	tests/fuzz/replay-jsonl
check_PROGRAMS += $(FUZZ_TESTS)

FUZZ_COMMON_SOURCES = tests/fuzz/standalone.c tests/fuzz/fuzz.c tests/fuzz/fuzz.h
FUZZ_PLUGIN_SOURCES = $(FUZZ_COMMON_SOURCES) tests/fuzz/plugin_fuzzer.c tests/fuzz/plugin_fuzzer.h
FUZZ_REPLAY_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_SRCDIR='"$(abs_top_srcdir)"'

tests_fuzz_replay_mapping_SOURCES = tests/fuzz/mapping_fuzzer.c $(FUZZ_COMMON_SOURCES)
tests_fuzz_replay_mapping_CPPFLAGS = $(FUZZ_REPLAY_CPPFLAGS) -DFUZZ_TARGET='"mapping"'
tests_fuzz_replay_mapping_LDADD = core/libdsmap-core.la

tests_fuzz_replay_ident_SOURCES = tests/fuzz/ident_fuzzer.c $(FUZZ_COMMON_SOURCES)
tests_fuzz_replay_ident_CPPFLAGS = $(FUZZ_REPLAY_CPPFLAGS) -DFUZZ_TARGET='"ident"'
tests_fuzz_replay_ident_LDADD = core/libdsmap-core.la

# The plugin targets hold the plugin itself, as its unit tests do.
tests_fuzz_replay_csv_SOURCES = tests/fuzz/csv_fuzzer.c plugins/csv/csv.c $(FUZZ_PLUGIN_SOURCES)
tests_fuzz_replay_csv_CPPFLAGS = $(FUZZ_REPLAY_CPPFLAGS) -DFUZZ_TARGET='"csv"'
tests_fuzz_replay_csv_LDADD = plugins/common/libfsrc.la $(CSV_LIBS)

tests_fuzz_replay_jsonl_SOURCES = tests/fuzz/jsonl_fuzzer.c plugins/jsonl/jsonl.c \
	$(FUZZ_PLUGIN_SOURCES)
tests_fuzz_replay_jsonl_CPPFLAGS = $(FUZZ_REPLAY_CPPFLAGS) -DFUZZ_TARGET='"jsonl"'
tests_fuzz_replay_jsonl_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_replay_jsonl_LDADD = plugins/common/libfsrc.la $(JANSSON_LIBS)

EXTRA_DIST += \
	tests/fuzz/README.md \
	tests/fuzz/bundle.sh \
	tests/fuzz/corpus \
	tests/fuzz/crashes
