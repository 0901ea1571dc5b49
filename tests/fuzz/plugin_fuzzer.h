/*
 * The fuzz targets of the file plugins (csv, jsonl): a fake host that
 * drives the plugin linked into the target through its descriptor, as
 * dsmap's runner does, and checks what the plugin reports.
 *
 * An input is one line of configuration, a newline, and the content of
 * the source file:
 *
 *     email=mail ip=2 cat=name ts=updated attr=status delimiter=;
 *     mail;ip;name;updated;status
 *     ...
 *
 * The configuration is tokens separated by spaces (all of it when the
 * input holds no newline; the file is then empty):
 *
 *   KIND=FIELD    an identifier field, KIND one of email, phone, nrn,
 *                 customer, account, imei, ip, device
 *   cat=FIELD     a category field; the Nth of them means the Nth set of
 *                 a fixed list (one category, two, none)
 *   ts=FIELD      the timestamp field
 *   attr=FIELD    an attribute field (ABI 1.1)
 *   reject=0      no reject callback: a broken record fails the scan
 *                 (the default gives one)
 *   stop=N        the record callback asks to stop at the Nth record
 *   rstop=1       the reject callback asks to stop
 *   sys.KEY=VALUE a system option
 *   KEY=VALUE     a source option (delimiter, quote, header...; unknown
 *                 ones too)
 *   KEY           a source option without a value
 *
 * In names and values "%XX" stands for the byte 0xXX (a space is "%20").
 * At most 16 of each kind of token count; the rest are ignored.  The file
 * is written as "input.csv" or "input.jsonl" into a directory made once
 * per process, which the system option `directory` names (first, so a
 * `sys.directory` of the input does not win, a source `directory` does).
 *
 * Invariants checked beyond memory safety, as <dsmap/plugin.h> and the
 * plugins' own comments state them:
 *  - open() fails with a negative code, having said why through
 *    set_error(), and leaves the context NULL; it succeeds with one;
 *  - scan() returns 0 or a DSMAP_PLUGIN_E* code, having said why through
 *    set_error() when it fails, and DSMAP_PLUGIN_ESTOP exactly when a
 *    callback asked to stop, after which no callback comes;
 *  - every record and reject comes from the one source configured, with a
 *    record number that grows from 1;
 *  - a record's identifiers are of configured kinds, with a value; its
 *    categories are configured ones; its locator is "input.EXT:LINE";
 *    it has one attribute value per attribute field, NULL ones of length
 *    0;
 *  - a reject has a reason.
 */
#ifndef DSMAP_FUZZ_PLUGIN_H
#define DSMAP_FUZZ_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include <dsmap/plugin.h>

/* The entry point of the plugin linked into the target. */
const dsmap_plugin_descriptor *dsmap_plugin_entry(void);

/* Run the plugin on one input, its file named `file` ("input.csv"). */
int fuzz_plugin_run(const uint8_t *data, size_t size, const char *target, const char *file);

#endif
