/*
 * Fuzz target: the csv plugin (plugins/csv/csv.c, libcsv), driven through
 * its descriptor by the fake host of plugin_fuzzer.c on a file
 * "input.csv".  The first line of an input configures the source (see
 * plugin_fuzzer.h), e.g.
 *
 *     email=mail customer=1 cat=name ts=updated delimiter=semicolon
 */
#include "config.h"

#include "fuzz.h"
#include "plugin_fuzzer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_plugin_run(data, size, "csv", "input.csv");
}
