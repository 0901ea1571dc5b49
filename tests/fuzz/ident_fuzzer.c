/*
 * Fuzz target: identifier normalisation and validation, <dsmap/ident.h>.
 *
 * The first byte of an input picks the kind: a digit is the dsmap_id_kind
 * of that value (1 email, 2 phone, 3 national-register-number,
 * 4 customer-number, 5 account-id, 6 imei, 7 ip, 8 device-id; 0 and 9 are
 * unknown kinds), so that a seed reads "1Jan@Example.com"; any other byte
 * b picks kind b % 10.  The rest of the input is the
 * raw value, as a source would hold it.  The same bytes are also looked up
 * as a kind name.
 *
 * Invariants checked beyond memory safety (ident.h states each):
 *  - the return code is 0, DSMAP_EINVALID or DSMAP_ENOMEM, and
 *    DSMAP_EINVALID for an unknown kind;
 *  - a value that holds a control character or a NUL byte once its ASCII
 *    white space ends are dropped is invalid;
 *  - a normalised form is 1..DSMAP_IDENT_MAX bytes, NUL-terminated where
 *    *outlen says, and holds no control character and no white space;
 *  - on failure the output is "" with length 0, and the last error holds
 *    the code and a message;
 *  - a normalised form is a fixed point: normalising it again gives it
 *    back, so that a source holding the canonical spelling meets one that
 *    does not;
 *  - an output buffer smaller than DSMAP_IDENT_MAX + 1 is refused, never
 *    written past;
 *  - a kind name maps to a kind whose name it is, or to one of the
 *    documented aliases.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dsmap.h>

#include "fuzz.h"

static int is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int is_ctrl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* Whether the value holds a control character or NUL once trimmed. */
static int has_control(const unsigned char *s, size_t len)
{
	size_t i;

	while (len > 0 && is_space(s[0])) {
		s++;
		len--;
	}
	while (len > 0 && is_space(s[len - 1]))
		len--;
	for (i = 0; i < len; i++)
		if (is_ctrl(s[i]))
			return 1;
	return 0;
}

static void check_name(const char *s, size_t len)
{
	static const char *const aliases[] = { "nrn", "customer", "account", "device" };
	int kind = dsmap_ident_kind_from_name(s, len);
	const char *name;
	size_t i;

	if (kind == 0)
		return;
	name = dsmap_ident_kind_name(kind);
	FUZZ_CHECK(name != NULL, "dsmap_ident_kind_from_name() gave kind %d, which has no name",
	           kind);
	if (strlen(name) == len && memcmp(name, s, len) == 0)
		return;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strlen(aliases[i]) == len && memcmp(aliases[i], s, len) == 0)
			return;
	fuzz_fail("dsmap_ident_kind_from_name() read a name that is neither %s nor an alias", name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[DSMAP_IDENT_MAX + 1], again[DSMAP_IDENT_MAX + 1], small[DSMAP_IDENT_MAX];
	const char *value;
	size_t len, outlen = 99, againlen = 99, i;
	int kind, known, links, rc;

	if (size == 0)
		return 0;
	kind = data[0] >= '0' && data[0] <= '9' ? data[0] - '0' : data[0] % 10;
	value = (const char *)data + 1;
	len = size - 1;
	known = dsmap_ident_kind_name(kind) != NULL;
	links = dsmap_ident_kind_links(kind);
	FUZZ_CHECK(links == 0 || (links == 1 && known), "kind %d links: %d", kind, links);
	check_name(value, len);

	memset(out, 'x', sizeof(out));
	rc = dsmap_ident_normalise(out, sizeof(out), &outlen, kind, len ? value : NULL, len);
	FUZZ_CHECK(rc == 0 || rc == DSMAP_EINVALID || rc == DSMAP_ENOMEM,
	           "kind %d: dsmap_ident_normalise() returned %d", kind, rc);
	if (fuzz_verbose())
		fprintf(stderr, "  ident: kind %d: %s\n", kind,
		        rc == 0 ? out : dsmap_error_last()->message);
	if (rc != 0) {
		FUZZ_CHECK(out[0] == '\0' && outlen == 0, "kind %d: failed with output of %zu bytes",
		           kind, outlen);
		FUZZ_CHECK(dsmap_error_last()->code == rc && dsmap_error_last()->message[0] != '\0',
		           "kind %d: failed with %d, last error %d '%s'", kind, rc,
		           dsmap_error_last()->code, dsmap_error_last()->message);
		dsmap_error_clear();
		return 0;
	}
	FUZZ_CHECK(known, "unknown kind %d accepted", kind);
	FUZZ_CHECK(!has_control((const unsigned char *)value, len),
	           "kind %d: a value with a control character or NUL accepted", kind);
	FUZZ_CHECK(outlen >= 1 && outlen <= DSMAP_IDENT_MAX && out[outlen] == '\0' &&
	           strlen(out) == outlen, "kind %d: normalised form of %zu bytes, strlen %zu", kind,
	           outlen, strnlen(out, sizeof(out)));
	for (i = 0; i < outlen; i++)
		FUZZ_CHECK(!is_ctrl((unsigned char)out[i]) && out[i] != ' ',
		           "kind %d: normalised form holds byte 0x%02x at %zu", kind,
		           (unsigned char)out[i], i);

	/* a fixed point */
	rc = dsmap_ident_normalise(again, sizeof(again), &againlen, kind, out, outlen);
	FUZZ_CHECK(rc == 0 || rc == DSMAP_ENOMEM,
	           "kind %d: the normalised form '%s' is refused: %s", kind, out,
	           dsmap_error_last()->message);
	FUZZ_CHECK(rc != 0 || (againlen == outlen && memcmp(again, out, outlen + 1) == 0),
	           "kind %d: '%s' normalises to '%s'", kind, out, again);

	/* too small a buffer, and no length wanted */
	memset(small, 'x', sizeof(small));
	rc = dsmap_ident_normalise(small, sizeof(small), NULL, kind, value, len);
	FUZZ_CHECK(rc == DSMAP_EINVALID && small[0] == '\0' && small[1] == 'x',
	           "kind %d: a buffer of %zu bytes: %d", kind, sizeof(small), rc);
	dsmap_error_clear();
	return 0;
}
