## tests/fuzz: the fuzz targets, included by the top Makefile.am.
##
## Each target (tests/fuzz/TARGET_fuzzer.c) is built twice:
##  - by `make check`, with the normal compiler and tests/fuzz/standalone.c,
##    as tests/fuzz/replay-TARGET, a test that runs the target on every
##    committed input of tests/fuzz/corpus/TARGET/ and
##    tests/fuzz/crashes/TARGET/ (in the valgrind and sanitizer runs of the
##    suite too);
##  - by `make fuzz`, with clang and libFuzzer, as tests/fuzz/fuzz-TARGET
##    (tests/fuzz/fuzz.mk), which bench/fuzz runs.

FUZZ_TESTS = \
	tests/fuzz/replay-mapping \
	tests/fuzz/replay-ident \
	tests/fuzz/replay-csv \
	tests/fuzz/replay-jsonl \
	tests/fuzz/replay-frame \
	tests/fuzz/replay-http
check_PROGRAMS += $(FUZZ_TESTS)
# Writes the frame target's seeds (corpus/frame/); built, never run, by
# make check, so that it keeps up with the codec.
check_PROGRAMS += tests/fuzz/frame-seeds

FUZZ_COMMON_SOURCES = tests/fuzz/standalone.c tests/fuzz/fuzz.c tests/fuzz/fuzz.h
FUZZ_PLUGIN_SOURCES = $(FUZZ_COMMON_SOURCES) tests/fuzz/plugin_fuzzer.c tests/fuzz/plugin_fuzzer.h
FUZZ_REPLAY_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_SRCDIR='"$(abs_top_srcdir)"'

tests_fuzz_replay_mapping_SOURCES = tests/fuzz/mapping_fuzzer.c $(FUZZ_COMMON_SOURCES)
tests_fuzz_replay_mapping_CPPFLAGS = $(FUZZ_REPLAY_CPPFLAGS) -DFUZZ_TARGET='"mapping"' \
	-I$(top_srcdir)/core
tests_fuzz_replay_mapping_LDADD = core/libdsmap-core.la

tests_fuzz_replay_ident_SOURCES = tests/fuzz/ident_fuzzer.c $(FUZZ_COMMON_SOURCES)
tests_fuzz_replay_ident_CPPFLAGS = $(FUZZ_REPLAY_CPPFLAGS) -DFUZZ_TARGET='"ident"'
tests_fuzz_replay_ident_LDADD = core/libdsmap-core.la

# The frame codec is internal to the library: frame.h is in core/.
tests_fuzz_replay_frame_SOURCES = tests/fuzz/frame_fuzzer.c $(FUZZ_COMMON_SOURCES)
tests_fuzz_replay_frame_CPPFLAGS = $(FUZZ_REPLAY_CPPFLAGS) -DFUZZ_TARGET='"frame"' \
	-I$(top_srcdir)/core
tests_fuzz_replay_frame_LDADD = core/libdsmap-core.la

# What a client of dsmap serve controls: the CLI's own router and locate
# body parser, and libmicrohttpd's percent-decoding as the server gets it.
tests_fuzz_replay_http_SOURCES = tests/fuzz/http_fuzzer.c cli/serve/route.c \
	cli/serve/locate_body.c $(FUZZ_COMMON_SOURCES)
tests_fuzz_replay_http_CPPFLAGS = $(FUZZ_REPLAY_CPPFLAGS) -DFUZZ_TARGET='"http"' \
	-I$(top_srcdir)/cli
tests_fuzz_replay_http_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(MHD_CFLAGS)
tests_fuzz_replay_http_LDADD = core/libdsmap-core.la $(JANSSON_LIBS) $(MHD_LIBS)

tests_fuzz_frame_seeds_SOURCES = tests/fuzz/frame_seeds.c
tests_fuzz_frame_seeds_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core
tests_fuzz_frame_seeds_LDADD = core/libdsmap-core.la

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
	bench/fuzz \
	tests/fuzz/README.md \
	tests/fuzz/bundle.sh \
	tests/fuzz/fuzz.mk \
	tests/fuzz/corpus \
	tests/fuzz/crashes

# The libFuzzer binaries: configure checked that FUZZ_CC builds them.
fuzz: $(BUILT_SOURCES)
	@if test "x$(FUZZ_CC_WORKS)" != xyes; then \
		if test -z "$(FUZZ_CC)"; then \
			echo "make fuzz: clang was not found when configure ran: install the Debian package clang (apt-get install clang) and run configure again, or configure with FUZZ_CC=/path/to/clang" >&2; \
		else \
			echo "make fuzz: $(FUZZ_CC) cannot build libFuzzer targets (-fsanitize=fuzzer,address,undefined; config.log says why): install the Debian package clang and run configure again, or configure with FUZZ_CC=/path/to/clang" >&2; \
		fi; \
		exit 1; \
	fi
	$(MAKE) -f $(srcdir)/tests/fuzz/fuzz.mk all \
		top_srcdir='$(top_srcdir)' \
		FUZZ_CC='$(FUZZ_CC)' AR='$(AR)' \
		WARN_CFLAGS='$(WARN_CFLAGS)' \
		FUZZ_CPPFLAGS='-I$(top_builddir) $(DEFS) -I$(top_srcdir)/core/include -I$(top_builddir)/core/include' \
		CORE_SOURCES='$(core_libdsmap_core_la_SOURCES)' \
		LMDB_CFLAGS='$(LMDB_CFLAGS)' LMDB_LIBS='$(LMDB_LIBS)' \
		LIBGIT2_CFLAGS='$(LIBGIT2_CFLAGS)' \
		YAML_CFLAGS='$(YAML_CFLAGS)' YAML_LIBS='$(YAML_LIBS)' \
		SODIUM_CFLAGS='$(SODIUM_CFLAGS)' SODIUM_LIBS='$(SODIUM_LIBS)' \
		JANSSON_CFLAGS='$(JANSSON_CFLAGS)' JANSSON_LIBS='$(JANSSON_LIBS)' \
		LIBIDN2_CFLAGS='$(LIBIDN2_CFLAGS)' LIBIDN2_LIBS='$(LIBIDN2_LIBS)' \
		UNISTRING_LIBS='$(UNISTRING_LIBS)' DL_LIBS='$(DL_LIBS)' \
		MHD_CFLAGS='$(MHD_CFLAGS)' MHD_LIBS='$(MHD_LIBS)' \
		CSV_LIBS='$(CSV_LIBS)' LIBS='$(LIBS)'
.PHONY: fuzz

clean-local: clean-fuzz
clean-fuzz:
	rm -rf tests/fuzz/obj tests/fuzz/fuzz-mapping tests/fuzz/fuzz-ident \
		tests/fuzz/fuzz-csv tests/fuzz/fuzz-jsonl tests/fuzz/fuzz-frame \
		tests/fuzz/fuzz-http
.PHONY: clean-fuzz
# What bench/fuzz learned (its default FUZZ_WORKDIR) survives make clean.
distclean-local:
	rm -rf tests/fuzz/work
