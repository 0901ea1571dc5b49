## tests/fuzz/fuzz.mk: the libFuzzer binaries of `make fuzz` (GNU make).
##
## Run by the `fuzz` target of Makefile.am from the top of the build tree,
## which passes everything configure found: FUZZ_CC, top_srcdir, the
## preprocessor and warning flags, the dependencies' flags and libraries,
## and CORE_SOURCES (the library's sources).  Kept apart from Makefile.am
## because automake builds every program with the one $(CC): here the
## library and the plugins are compiled again with FUZZ_CC (clang), with
## libFuzzer's coverage instrumentation and ASan+UBSan, into
## tests/fuzz/obj/, so that the fuzzer sees the code it drives.

OBJ = tests/fuzz/obj
FUZZ_TARGETS = mapping ident csv jsonl frame http
FUZZ_BINS = $(addprefix tests/fuzz/fuzz-,$(FUZZ_TARGETS))

# No -Werror: a warning only clang gives must not stop a fuzzing run.
FUZZ_SAN = -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
FUZZ_ALL_CFLAGS = $(filter-out -Werror,$(WARN_CFLAGS)) $(FUZZ_SAN) \
	-fsanitize=fuzzer-no-link $(FUZZ_CPPFLAGS)

vpath %.c $(top_srcdir)

CORE_OBJS = $(patsubst %.c,$(OBJ)/%.o,$(filter %.c,$(CORE_SOURCES))) \
	$(OBJ)/core/default_mappings.o
CORE_LIB = $(OBJ)/libdsmap-core.a
CORE_LIBS = $(LMDB_LIBS) $(YAML_LIBS) $(SODIUM_LIBS) $(JANSSON_LIBS) $(DL_LIBS) \
	$(LIBIDN2_LIBS) $(UNISTRING_LIBS) $(LIBS)
DEP_CFLAGS = $(LMDB_CFLAGS) $(LIBGIT2_CFLAGS) $(YAML_CFLAGS) $(SODIUM_CFLAGS) \
	$(JANSSON_CFLAGS) $(LIBIDN2_CFLAGS) $(MHD_CFLAGS) -I$(top_srcdir)/cli

HARNESS = $(OBJ)/tests/fuzz/fuzz.o
PLUGIN_HARNESS = $(HARNESS) $(OBJ)/tests/fuzz/plugin_fuzzer.o $(OBJ)/plugins/common/fsrc.o

all: $(FUZZ_BINS)

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_ALL_CFLAGS) -I$(top_srcdir)/core $(DEP_CFLAGS) -MMD -MP -c -o $@ $<

$(CORE_LIB): $(CORE_OBJS)
	rm -f $@
	$(AR) cr $@ $(CORE_OBJS)

FUZZ_LINK = $(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@

tests/fuzz/fuzz-mapping: $(OBJ)/tests/fuzz/mapping_fuzzer.o $(HARNESS) $(CORE_LIB)
	$(FUZZ_LINK) $^ $(CORE_LIBS)

tests/fuzz/fuzz-ident: $(OBJ)/tests/fuzz/ident_fuzzer.o $(HARNESS) $(CORE_LIB)
	$(FUZZ_LINK) $^ $(CORE_LIBS)

tests/fuzz/fuzz-frame: $(OBJ)/tests/fuzz/frame_fuzzer.o $(HARNESS) $(CORE_LIB)
	$(FUZZ_LINK) $^ $(CORE_LIBS)

tests/fuzz/fuzz-http: $(OBJ)/tests/fuzz/http_fuzzer.o $(OBJ)/cli/serve/route.o \
		$(OBJ)/cli/serve/locate_body.o $(HARNESS) $(CORE_LIB)
	$(FUZZ_LINK) $^ $(CORE_LIBS) $(MHD_LIBS)

tests/fuzz/fuzz-csv: $(OBJ)/tests/fuzz/csv_fuzzer.o $(OBJ)/plugins/csv/csv.o $(PLUGIN_HARNESS)
	$(FUZZ_LINK) $^ $(CSV_LIBS) $(LIBS)

tests/fuzz/fuzz-jsonl: $(OBJ)/tests/fuzz/jsonl_fuzzer.o $(OBJ)/plugins/jsonl/jsonl.o \
		$(PLUGIN_HARNESS)
	$(FUZZ_LINK) $^ $(JANSSON_LIBS) $(LIBS)

-include $(CORE_OBJS:.o=.d) $(OBJ)/tests/fuzz/*.d $(OBJ)/plugins/*/*.d $(OBJ)/cli/serve/*.d

.PHONY: all
.DELETE_ON_ERROR:
