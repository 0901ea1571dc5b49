/*
 * Fuzz target: the jsonl plugin (plugins/jsonl/jsonl.c, jansson), driven
 * through its descriptor by the fake host of plugin_fuzzer.c on a file
 * "input.jsonl".  The first line of an input configures the source (see
 * plugin_fuzzer.h); fields are dotted paths, e.g.
 *
 *     email=customer.email device=devices.0.id cat=birth ts=at attr=kind
 */
#include "config.h"

#include "fuzz.h"
#include "plugin_fuzzer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_plugin_run(data, size, "jsonl", "input.jsonl");
}
