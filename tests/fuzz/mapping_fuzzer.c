/*
 * Fuzz target: the mapping loader, dsmap_mapping_load_dir().
 *
 * An input is a whole mappings/ folder in one file, a "bundle": each file
 * starts with a marker line
 *
 *     #> PATH
 *
 * at the start of a line (which may end in CRLF), and holds the bytes up
 * to the next marker line or the end.  PATH is one of notice.yaml,
 * categories.yaml, recipients.yaml, subject-kinds.yaml, rights.yaml, or
 * purposes/NAME or systems/NAME with NAME made of [A-Za-z0-9._-] (not
 * starting with a dot, at most 64 bytes; names not ending in .yaml are
 * there to be ignored).
 * A marker with another path drops its bytes; bytes before the first
 * marker are ignored; a later marker of the same path wins.  A file the
 * bundle does not hold is missing, as in a real folder.  Lines that start
 * with '#' are YAML comments, so a bundle reads like the files it holds;
 * tests/fuzz/bundle.sh packs a folder into one and unpacks one back.
 *
 * The bundle is written into a folder made once per process (only the
 * files that differ from the previous input's), and loaded.  Invariants
 * checked beyond memory safety:
 *  - the return code is 0, DSMAP_EINVALID or DSMAP_ENOMEM, with a mapping
 *    for the first two, and 0 exactly when the mapping counts no error;
 *  - every diagnostic has a known severity, a file, a message, and there
 *    is an error diagnostic when errors are counted;
 *  - a mapping without errors compared with itself has no change;
 *  - compared with the shipped notice (built into the library, loaded
 *    once), both ways, the changes come in the order diff.h gives, with
 *    a known type and direction, and mirror each other: what one way adds
 *    the other removes, and what changes one way changes the other.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dsmap.h>

#include "embedded.h"   /* the shipped notice, built into the library */
#include "fuzz.h"

static const char *const top_files[] = {
	"notice.yaml", "categories.yaml", "recipients.yaml", "subject-kinds.yaml", "rights.yaml"
};
static const char *const subdirs[] = { "purposes", "systems" };

#define N_TOP (sizeof(top_files) / sizeof(top_files[0]))
#define N_SUB (sizeof(subdirs) / sizeof(subdirs[0]))
#define NAME_MAX_LEN 64

static char dir[4096];          /* the input's folder */
static dsmap_mapping *shipped;  /* the notice built into the library */
static size_t n_types;          /* dsmap_change_type values */

static void make_dir(const char *path)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		fuzz_fail("cannot make %s: %s", path, strerror(errno));
}

/* Load the shipped notice once: inputs that load clean are compared with
 * it both ways. */
static void load_shipped(const char *base)
{
	const struct dsmap__embedded_file *f;
	char top[4096], path[4096], sub[4096];
	const char *rel;
	size_t i;
	int rc;

	fuzz_path(top, sizeof(top), base, "shipped");
	make_dir(top);
	for (i = 0; i < N_SUB; i++) {
		fuzz_path(sub, sizeof(sub), top, subdirs[i]);
		make_dir(sub);
	}
	for (f = dsmap__default_mappings; f->path != NULL; f++) {
		rel = strncmp(f->path, "mappings/", 9) == 0 ? f->path + 9 : f->path;
		fuzz_path(path, sizeof(path), top, rel);
		fuzz_write(path, f->data, f->size);
	}
	rc = dsmap_mapping_load_dir(&shipped, top);
	FUZZ_CHECK(rc == 0, "the shipped notice does not load: %d (%s)", rc,
	           dsmap_error_last()->message);
	while (dsmap_change_type_name((dsmap_change_type)n_types) != NULL)
		n_types++;
	FUZZ_CHECK(n_types > DSMAP_CHANGE_SYSTEM_PURPOSE_REMOVED && n_types <= 64, "%zu change types",
	           n_types);
}

static void setup(void)
{
	const char *base = fuzz_tmpdir("mapping");
	char sub[4096];
	size_t i;

	fuzz_path(dir, sizeof(dir), base, "input");
	make_dir(dir);
	for (i = 0; i < N_SUB; i++) {
		fuzz_path(sub, sizeof(sub), dir, subdirs[i]);
		make_dir(sub);
	}
	load_shipped(base);
}

static int name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

/* Whether the marker's path (not NUL-terminated) is one the bundle may
 * hold; if so, copy it NUL-terminated into `out`. */
static int bundle_path(const uint8_t *p, size_t n, char out[NAME_MAX_LEN + 16])
{
	size_t i, k;

	for (i = 0; i < N_TOP; i++)
		if (n == strlen(top_files[i]) && memcmp(p, top_files[i], n) == 0)
			goto ok;
	for (i = 0; i < N_SUB; i++) {
		size_t len = strlen(subdirs[i]);

		if (n > len + 1 && n - len - 1 <= NAME_MAX_LEN && memcmp(p, subdirs[i], len) == 0 &&
		    p[len] == '/' && p[len + 1] != '.') {
			for (k = len + 1; k < n && name_char(p[k]); k++)
				;
			if (k == n)
				goto ok;
		}
	}
	return 0;
ok:
	memcpy(out, p, n);
	out[n] = '\0';
	return 1;
}

static int is_marker(const uint8_t *data, size_t size, size_t at)
{
	return (at == 0 || data[at - 1] == '\n') && size - at >= 3 && data[at] == '#' &&
	       data[at + 1] == '>' && data[at + 2] == ' ';
}

/* A file of a bundle. */
struct file {
	char rel[NAME_MAX_LEN + 16];
	const uint8_t *data;
	size_t len;
};

/* The files on disk: those of the previous input, with a copy of their
 * bytes.  An input usually differs from the previous one in one file, so
 * only what changed is written again (the file system is most of the time
 * an input takes otherwise). */
static struct file *disk;
static size_t disk_count;

static void *grow(void *p, size_t n, size_t size)
{
	void *q = realloc(p, n * size);

	if (q == NULL)
		fuzz_fail("out of memory");
	return q;
}

/* The files of the bundle, a later marker of a path replacing an earlier
 * one.  Returns their number; *out (reused from call to call) holds them. */
static size_t unbundle(const uint8_t *data, size_t size, struct file **out, size_t *cap)
{
	char rel[NAME_MAX_LEN + 16];
	size_t at = 0, name, eol, body, end, n = 0, i;

	while (at < size && !is_marker(data, size, at))
		at++;
	while (at < size) {
		name = at + 3;
		for (eol = name; eol < size && data[eol] != '\n'; eol++)
			;
		body = eol < size ? eol + 1 : size;
		for (end = body; end < size && !is_marker(data, size, end); end++)
			;
		if (eol > name && data[eol - 1] == '\r')   /* a bundle with CRLF line ends */
			eol--;
		if (bundle_path(data + name, eol - name, rel)) {
			for (i = 0; i < n && strcmp((*out)[i].rel, rel) != 0; i++)
				;
			if (i == n) {
				if (n == *cap) {
					*cap = *cap ? *cap * 2 : 16;
					*out = grow(*out, *cap, sizeof(**out));
				}
				memcpy((*out)[n++].rel, rel, sizeof(rel));
			}
			(*out)[i].data = data + body;
			(*out)[i].len = end - body;
		}
		at = end;
	}
	return n;
}

/* Make the folder hold the files of the bundle, and only them. */
static void put_files(const struct file *files, size_t n)
{
	char path[4096];
	size_t i, k;
	uint8_t *copy;

	for (k = 0; k < disk_count; k++) {
		for (i = 0; i < n && strcmp(files[i].rel, disk[k].rel) != 0; i++)
			;
		if (i == n) {
			fuzz_path(path, sizeof(path), dir, disk[k].rel);
			if (unlink(path) != 0)
				fuzz_fail("cannot remove %s: %s", path, strerror(errno));
		}
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < disk_count && strcmp(files[i].rel, disk[k].rel) != 0; k++)
			;
		if (k < disk_count && disk[k].len == files[i].len &&
		    (files[i].len == 0 || memcmp(disk[k].data, files[i].data, files[i].len) == 0))
			continue;
		fuzz_path(path, sizeof(path), dir, files[i].rel);
		fuzz_write(path, files[i].data, files[i].len);
	}
	for (k = 0; k < disk_count; k++)
		free((void *)disk[k].data);
	disk = grow(disk, n ? n : 1, sizeof(*disk));
	for (i = 0; i < n; i++) {
		disk[i] = files[i];
		copy = malloc(files[i].len ? files[i].len : 1);
		if (copy == NULL)
			fuzz_fail("out of memory");
		if (files[i].len > 0)
			memcpy(copy, files[i].data, files[i].len);
		disk[i].data = copy;
	}
	disk_count = n;
}

static void touch_str(const char *s)
{
	if (s != NULL)
		fuzz_touch(s, strlen(s));
}

/* Diff a to b, check what diff.h promises of the list, and count the
 * changes by type.  Returns 0, or -1 when memory ran out. */
static int diff_counts(const dsmap_mapping *a, const dsmap_mapping *b, size_t *counts,
                       const char *what)
{
	const dsmap_change *ch;
	dsmap_diff *d = NULL;
	size_t i, n;
	int rc, prev = -1;

	rc = dsmap_diff_mappings(&d, a, b);
	if (rc == DSMAP_ENOMEM)
		return -1;
	FUZZ_CHECK(rc == 0 && d != NULL, "diff %s: %d (%s)", what, rc, dsmap_error_last()->message);
	n = dsmap_diff_count(d);
	for (i = 0; i < n; i++) {
		ch = dsmap_diff_get(d, i);
		FUZZ_CHECK(ch != NULL, "diff %s: change %zu of %zu is NULL", what, i, n);
		FUZZ_CHECK((size_t)ch->type < n_types, "diff %s: change %zu has type %d", what, i,
		           (int)ch->type);
		FUZZ_CHECK((int)ch->type >= prev, "diff %s: change %zu (%s) after a %s", what, i,
		           dsmap_change_type_name(ch->type),
		           dsmap_change_type_name((dsmap_change_type)prev));
		FUZZ_CHECK(ch->direction >= -1 && ch->direction <= 1, "diff %s: direction %d", what,
		           ch->direction);
		prev = (int)ch->type;
		counts[ch->type]++;
		touch_str(ch->purpose);
		touch_str(ch->category);
		touch_str(ch->recipient);
		touch_str(ch->system);
		touch_str(ch->before);
		touch_str(ch->after);
		touch_str(ch->detail);
		touch_str(ch->source);
		touch_str(ch->field);
	}
	FUZZ_CHECK(dsmap_diff_get(d, n) == NULL, "diff %s: a change past the end", what);
	dsmap_diff_free(d);
	return 0;
}

/* Compare a clean mapping with the shipped notice both ways: what one
 * direction adds, the other removes, and what changes, changes both
 * ways. */
static void check_diffs(const dsmap_mapping *m)
{
	static const struct {
		dsmap_change_type a, b;
	} mirror[] = {
		{ DSMAP_CHANGE_PURPOSE_ADDED, DSMAP_CHANGE_PURPOSE_REMOVED },
		{ DSMAP_CHANGE_PURPOSE_RENAMED, DSMAP_CHANGE_PURPOSE_RENAMED },
		{ DSMAP_CHANGE_PURPOSE_CATEGORY_ADDED, DSMAP_CHANGE_PURPOSE_CATEGORY_REMOVED },
		{ DSMAP_CHANGE_LEGAL_BASIS_CHANGED, DSMAP_CHANGE_LEGAL_BASIS_CHANGED },
		{ DSMAP_CHANGE_RETENTION_CHANGED, DSMAP_CHANGE_RETENTION_CHANGED },
		{ DSMAP_CHANGE_PURPOSE_RECIPIENT_ADDED, DSMAP_CHANGE_PURPOSE_RECIPIENT_REMOVED },
		{ DSMAP_CHANGE_RECIPIENT_KIND_CHANGED, DSMAP_CHANGE_RECIPIENT_KIND_CHANGED },
		{ DSMAP_CHANGE_RECIPIENT_TRANSFER_CHANGED, DSMAP_CHANGE_RECIPIENT_TRANSFER_CHANGED },
		{ DSMAP_CHANGE_CATEGORY_ADDED, DSMAP_CHANGE_CATEGORY_REMOVED },
		{ DSMAP_CHANGE_RECIPIENT_ADDED, DSMAP_CHANGE_RECIPIENT_REMOVED },
		{ DSMAP_CHANGE_SYSTEM_ADDED, DSMAP_CHANGE_SYSTEM_REMOVED },
		{ DSMAP_CHANGE_SYSTEM_MAPPING_CHANGED, DSMAP_CHANGE_SYSTEM_MAPPING_CHANGED },
		{ DSMAP_CHANGE_SYSTEM_PURPOSE_ADDED, DSMAP_CHANGE_SYSTEM_PURPOSE_REMOVED },
	};
	size_t fwd[64] = { 0 }, back[64] = { 0 }, i;

	if (diff_counts(shipped, m, fwd, "shipped -> input") < 0 ||
	    diff_counts(m, shipped, back, "input -> shipped") < 0)
		return;
	for (i = 0; i < sizeof(mirror) / sizeof(mirror[0]); i++) {
		FUZZ_CHECK(fwd[mirror[i].a] == back[mirror[i].b] && fwd[mirror[i].b] == back[mirror[i].a],
		           "shipped -> input: %zu %s, %zu %s; input -> shipped: %zu %s, %zu %s",
		           fwd[mirror[i].a], dsmap_change_type_name(mirror[i].a),
		           fwd[mirror[i].b], dsmap_change_type_name(mirror[i].b),
		           back[mirror[i].b], dsmap_change_type_name(mirror[i].b),
		           back[mirror[i].a], dsmap_change_type_name(mirror[i].a));
	}
	if (fuzz_verbose()) {
		size_t nf = 0, nb = 0;

		for (i = 0; i < n_types; i++) {
			nf += fwd[i];
			nb += back[i];
		}
		fprintf(stderr, "  diff with the shipped notice: %zu changes, %zu back\n", nf, nb);
	}
}

static void check(int rc, dsmap_mapping *m)
{
	const dsmap_diag *d;
	dsmap_mapping_counts counts;
	dsmap_diff *diff = NULL;
	size_t i, n, errors = 0;

	FUZZ_CHECK(rc == 0 || rc == DSMAP_EINVALID || rc == DSMAP_ENOMEM,
	           "dsmap_mapping_load_dir() returned %d (%s)", rc, dsmap_error_last()->message);
	if (rc == DSMAP_ENOMEM) {
		FUZZ_CHECK(m == NULL, "a mapping returned with DSMAP_ENOMEM");
		return;
	}
	FUZZ_CHECK(m != NULL, "no mapping returned with %d", rc);
	dsmap_mapping_counts_get(&counts, m);
	FUZZ_CHECK((rc == 0) == (counts.errors == 0), "returned %d with %zu errors counted", rc,
	           counts.errors);
	n = dsmap_mapping_diag_count(m);
	for (i = 0; i < n; i++) {
		d = dsmap_mapping_diag(m, i);
		FUZZ_CHECK(d != NULL, "diagnostic %zu of %zu is NULL", i, n);
		FUZZ_CHECK(d->severity >= DSMAP_DIAG_ERROR && d->severity <= DSMAP_DIAG_NOTE,
		           "diagnostic %zu has severity %d", i, d->severity);
		FUZZ_CHECK(d->file != NULL && d->file[0] != '\0', "diagnostic %zu names no file", i);
		FUZZ_CHECK(d->message != NULL && d->message[0] != '\0', "diagnostic %zu says nothing",
		           i);
		fuzz_touch(d->file, strlen(d->file));
		fuzz_touch(d->message, strlen(d->message));
		errors += d->severity == DSMAP_DIAG_ERROR;
	}
	FUZZ_CHECK(dsmap_mapping_diag(m, n) == NULL, "a diagnostic past the end");
	FUZZ_CHECK((errors == 0) == (counts.errors == 0) && errors <= counts.errors,
	           "%zu error diagnostics for %zu errors counted", errors, counts.errors);
	if (fuzz_verbose())
		fprintf(stderr, "  mapping: rc %d, %zu files, %zu purposes, %zu systems, "
		        "%zu errors, %zu warnings, %zu notes%s%s\n", rc, counts.files, counts.purposes,
		        counts.systems, counts.errors, counts.warnings, counts.notes,
		        n > 0 ? "; first: " : "", n > 0 ? dsmap_mapping_diag(m, 0)->message : "");
	if (rc != 0)
		return;
	rc = dsmap_diff_mappings(&diff, m, m);
	FUZZ_CHECK(rc == 0 || rc == DSMAP_ENOMEM, "a mapping compared with itself: %d (%s)", rc,
	           dsmap_error_last()->message);
	FUZZ_CHECK(dsmap_diff_count(diff) == 0, "a mapping differs from itself: %zu changes, "
	           "the first %s", dsmap_diff_count(diff),
	           dsmap_change_type_name(dsmap_diff_get(diff, 0)->type));
	dsmap_diff_free(diff);
	check_diffs(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dsmap_mapping *m = NULL;
	int rc;

	static struct file *files;
	static size_t cap;
	size_t n;

	if (dir[0] == '\0')
		setup();
	n = unbundle(data, size, &files, &cap);
	put_files(files, n);
	rc = dsmap_mapping_load_dir(&m, dir);
	check(rc, m);
	dsmap_mapping_free(m);
	dsmap_error_clear();
	return 0;
}
