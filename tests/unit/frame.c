/*
 * Unit tests: the runner->scan frame codec (core/frame.h).
 *
 * Every decode reads from a heap copy of exactly the bytes given, so that
 * a read past them is caught by ASan or valgrind, not only by a wrong
 * answer.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dsmap/errors.h"
#include "dsmap/plugin.h"
#include "frame.h"

/* ---- helpers ---------------------------------------------------------------------- */

static unsigned char ids3[3][DSMAP__FRAME_ID_SIZE];
static uint32_t cats3[3] = { 7, 0, 1u << 19 };
static const char loc[] = "customers:rowid=42";

static void setup_ids(void)
{
	int i, k;

	for (i = 0; i < 3; i++) {
		ids3[i][0] = (unsigned char)(i == 2 ? DSMAP_ID_PHONE : DSMAP_ID_EMAIL + i * 3);
		for (k = 0; k < DSMAP_IDENT_HASH_SIZE; k++)
			ids3[i][1 + k] = (unsigned char)(i * 40 + k);
	}
}

static struct dsmap__frame a_record(void)
{
	struct dsmap__frame f;

	setup_ids();
	memset(&f, 0, sizeof(f));
	f.type = DSMAP__FRAME_RECORD;
	f.record.number = 0x0102030405060708ull;
	f.record.first = -5;
	f.record.last = 1700000000;
	f.record.source = 3;
	f.record.kinds = 1u << 2;
	f.record.brands = 1u << 31;
	f.record.id_count = 3;
	f.record.ids = ids3[0];
	f.record.cat_count = 3;
	f.record.cats = (const unsigned char *)cats3;
	f.record.loc_len = sizeof(loc) - 1;
	f.record.loc = loc;
	return f;
}

/* Every frame type, in a few shapes. */
static size_t all_frames(struct dsmap__frame *out)
{
	static char longmsg[DSMAP__FRAME_MESSAGE_MAX];
	static char longreason[DSMAP__FRAME_REASON_MAX];
	size_t n = 0;

	memset(longmsg, 'm', sizeof(longmsg));
	memset(longreason, 'r', sizeof(longreason));
	out[n++] = a_record();
	out[n] = a_record();                  /* no category, no locator, one id */
	out[n].record.id_count = 1;
	out[n].record.cat_count = 0;
	out[n].record.cats = NULL;
	out[n].record.loc_len = 0;
	out[n].record.loc = NULL;
	n++;
	memset(&out[n], 0, sizeof(out[n]));
	out[n].type = DSMAP__FRAME_UNMAPPED;
	out[n].unmapped.number = 99;
	out[n].unmapped.source = 65535;
	out[n++].unmapped.facet = DSMAP__FRAME_FACET_KIND;
	memset(&out[n], 0, sizeof(out[n]));
	out[n].type = DSMAP__FRAME_UNMAPPED;
	out[n].unmapped.number = UINT64_MAX;
	out[n++].unmapped.facet = DSMAP__FRAME_FACET_BRAND;
	memset(&out[n], 0, sizeof(out[n]));
	out[n].type = DSMAP__FRAME_INVALID;
	out[n].invalid.number = 17;
	out[n].invalid.source = 1;
	out[n].invalid.kind = DSMAP_ID_EMAIL;
	out[n].invalid.reason = "invalid e-mail address: no '@'";
	out[n++].invalid.reason_len = strlen("invalid e-mail address: no '@'");
	memset(&out[n], 0, sizeof(out[n]));
	out[n].type = DSMAP__FRAME_INVALID;    /* the record's, with the longest reason */
	out[n].invalid.kind = 0;
	out[n].invalid.reason = longreason;
	out[n++].invalid.reason_len = sizeof(longreason);
	memset(&out[n], 0, sizeof(out[n]));
	out[n].type = DSMAP__FRAME_REJECT;
	out[n].reject.number = 5;
	out[n].reject.source = 2;
	out[n].reject.reason = "no identifier";
	out[n++].reject.reason_len = strlen("no identifier");
	memset(&out[n], 0, sizeof(out[n]));
	out[n++].type = DSMAP__FRAME_REJECT;  /* an empty reason */
	memset(&out[n], 0, sizeof(out[n]));
	out[n].type = DSMAP__FRAME_END;
	out[n++].end.records = 1234567;
	memset(&out[n], 0, sizeof(out[n]));
	out[n].type = DSMAP__FRAME_ERROR;
	out[n].error.code = DSMAP_EIO;
	out[n].error.msg = "cannot reach the source";
	out[n++].error.msg_len = strlen("cannot reach the source");
	memset(&out[n], 0, sizeof(out[n]));
	out[n].type = DSMAP__FRAME_ERROR;      /* the longest, a full frame */
	out[n].error.code = -12345;            /* as sent: bounding it is the scan's */
	out[n].error.msg = longmsg;
	out[n++].error.msg_len = sizeof(longmsg);
	return n;
}

#define MAX_FRAMES 16

static unsigned char *encode(const struct dsmap__frame *f, size_t *len)
{
	size_t cap = dsmap__frame_size(f);
	unsigned char *buf;
	const char *why = NULL;

	assert_true(cap >= DSMAP__FRAME_HEADER);
	assert_non_null(buf = malloc(cap));
	assert_int_equal(dsmap__frame_encode(buf, cap, len, &why, f), 0);
	assert_null(why);
	assert_int_equal(*len, cap);
	return buf;
}

/* Decode `bytes` from an exact heap copy, which *copy keeps (the views
 * point into it); free it after. */
static int decode_copy(struct dsmap__frame *f, size_t *used, const char **why,
                       const unsigned char *bytes, size_t len, unsigned char **copy)
{
	*copy = malloc(len ? len : 1);
	assert_non_null(*copy);
	if (len > 0)
		memcpy(*copy, bytes, len);
	return dsmap__frame_decode(f, used, why, *copy, len);
}

/* Decode and forget; the reason when refused, NULL when accepted. */
static const char *refused(const unsigned char *bytes, size_t len, size_t *used)
{
	struct dsmap__frame f;
	unsigned char *copy;
	const char *why = NULL;
	size_t u;
	int rc = decode_copy(&f, &u, &why, bytes, len, &copy);

	free(copy);
	if (used != NULL)
		*used = u;
	if (rc == 0)
		return NULL;
	assert_int_equal(rc, DSMAP_EINVALID);
	assert_non_null(why);
	return why;
}

static void assert_same(const struct dsmap__frame *a, const struct dsmap__frame *b)
{
	assert_int_equal(a->type, b->type);
	switch (a->type) {
	case DSMAP__FRAME_RECORD:
		assert_true(a->record.number == b->record.number);
		assert_true(a->record.first == b->record.first);
		assert_true(a->record.last == b->record.last);
		assert_int_equal(a->record.source, b->record.source);
		assert_int_equal(a->record.kinds, b->record.kinds);
		assert_int_equal(a->record.brands, b->record.brands);
		assert_int_equal(a->record.id_count, b->record.id_count);
		assert_memory_equal(a->record.ids, b->record.ids,
		                    a->record.id_count * DSMAP__FRAME_ID_SIZE);
		assert_int_equal(a->record.cat_count, b->record.cat_count);
		for (size_t i = 0; i < a->record.cat_count; i++)
			assert_int_equal(dsmap__frame_cat(&a->record, i), dsmap__frame_cat(&b->record, i));
		assert_int_equal(a->record.loc_len, b->record.loc_len);
		if (a->record.loc_len)
			assert_memory_equal(a->record.loc, b->record.loc, a->record.loc_len);
		break;
	case DSMAP__FRAME_UNMAPPED:
		assert_true(a->unmapped.number == b->unmapped.number);
		assert_int_equal(a->unmapped.source, b->unmapped.source);
		assert_int_equal(a->unmapped.facet, b->unmapped.facet);
		break;
	case DSMAP__FRAME_INVALID:
		assert_true(a->invalid.number == b->invalid.number);
		assert_int_equal(a->invalid.source, b->invalid.source);
		assert_int_equal(a->invalid.kind, b->invalid.kind);
		assert_int_equal(a->invalid.reason_len, b->invalid.reason_len);
		if (a->invalid.reason_len)
			assert_memory_equal(a->invalid.reason, b->invalid.reason, a->invalid.reason_len);
		break;
	case DSMAP__FRAME_REJECT:
		assert_true(a->reject.number == b->reject.number);
		assert_int_equal(a->reject.source, b->reject.source);
		assert_int_equal(a->reject.reason_len, b->reject.reason_len);
		if (a->reject.reason_len)
			assert_memory_equal(a->reject.reason, b->reject.reason, a->reject.reason_len);
		break;
	case DSMAP__FRAME_END:
		assert_true(a->end.records == b->end.records);
		break;
	case DSMAP__FRAME_ERROR:
		assert_int_equal(a->error.code, b->error.code);
		assert_int_equal(a->error.msg_len, b->error.msg_len);
		if (a->error.msg_len)
			assert_memory_equal(a->error.msg, b->error.msg, a->error.msg_len);
		break;
	default:
		fail_msg("type %d", a->type);
	}
}

static void put16(unsigned char *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }

/* ---- the format ------------------------------------------------------------------- */

/* The layout frame.h documents, built by hand at its offsets: the codec
 * writes exactly these bytes, so the wire format did not move. */
static void test_frame__record_bytes(void **state)
{
	struct dsmap__frame f = a_record();
	unsigned char want[8 + 40 + 3 * 17 + 3 * 4 + sizeof(loc) - 1];
	unsigned char *got;
	uint64_t u64;
	int64_t i64;
	size_t len;

	(void)state;
	memset(want, 0xee, sizeof(want));
	memcpy(want, "RDSM", 4);
	put32(want + 4, (uint32_t)(sizeof(want) - 8));
	u64 = f.record.number;
	memcpy(want + 8, &u64, 8);
	i64 = -5;
	memcpy(want + 16, &i64, 8);
	i64 = 1700000000;
	memcpy(want + 24, &i64, 8);
	put16(want + 32, 3);                  /* source */
	want[34] = 3;                         /* nids */
	want[35] = 0;
	put16(want + 36, 3);                  /* ncats */
	put16(want + 38, sizeof(loc) - 1);    /* loclen */
	put32(want + 40, 1u << 2);
	put32(want + 44, 1u << 31);
	memcpy(want + 48, ids3, 3 * 17);
	memcpy(want + 48 + 51, cats3, 12);
	memcpy(want + 48 + 51 + 12, loc, sizeof(loc) - 1);

	got = encode(&f, &len);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(got, want, sizeof(want));
	free(got);
}

static void test_frame__other_bytes(void **state)
{
	struct dsmap__frame f;
	unsigned char *got;
	size_t len;
	uint64_t u64 = 77;
	uint32_t u32;
	int32_t code = DSMAP_ETIMEOUT;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.type = DSMAP__FRAME_INVALID;
	f.invalid.number = 77;
	f.invalid.source = 2;
	f.invalid.kind = DSMAP_ID_IMEI;
	f.invalid.reason = "bad";
	f.invalid.reason_len = 3;
	got = encode(&f, &len);
	assert_int_equal(len, 8 + 14 + 3);
	assert_memory_equal(got, "IDSM", 4);
	memcpy(&u32, got + 4, 4);
	assert_int_equal(u32, len - 8);
	assert_memory_equal(got + 8, &u64, 8);
	assert_int_equal(got[8 + 10], DSMAP_ID_IMEI);
	assert_int_equal(got[8 + 11], 0);
	assert_memory_equal(got + 8 + 14, "bad", 3);
	free(got);

	memset(&f, 0, sizeof(f));
	f.type = DSMAP__FRAME_REJECT;
	f.reject.number = 77;
	f.reject.reason = "x";
	f.reject.reason_len = 1;
	got = encode(&f, &len);
	assert_int_equal(len, 8 + 12 + 1);
	assert_int_equal(got[8 + 12], 'x');
	free(got);

	memset(&f, 0, sizeof(f));
	f.type = DSMAP__FRAME_UNMAPPED;
	f.unmapped.facet = DSMAP__FRAME_FACET_BRAND;
	got = encode(&f, &len);
	assert_int_equal(len, 8 + 12);
	assert_int_equal(got[8 + 10], 1);
	free(got);

	memset(&f, 0, sizeof(f));
	f.type = DSMAP__FRAME_END;
	f.end.records = 77;
	got = encode(&f, &len);
	assert_int_equal(len, 16);
	assert_memory_equal(got + 8, &u64, 8);
	free(got);

	memset(&f, 0, sizeof(f));
	f.type = DSMAP__FRAME_ERROR;
	f.error.code = DSMAP_ETIMEOUT;
	f.error.msg = "slow";
	f.error.msg_len = 4;
	got = encode(&f, &len);
	assert_int_equal(len, 8 + 4 + 4);
	assert_memory_equal(got, "XDSM", 4);
	assert_memory_equal(got + 8, &code, 4);
	assert_memory_equal(got + 12, "slow", 4);
	free(got);
}

/* ---- round trips ------------------------------------------------------------------ */

static void test_frame__round_trip(void **state)
{
	struct dsmap__frame in[MAX_FRAMES], out;
	size_t n = all_frames(in), i, len, used;
	unsigned char *buf, *copy;
	const char *why = NULL;

	(void)state;
	for (i = 0; i < n; i++) {
		buf = encode(&in[i], &len);
		assert_int_equal(decode_copy(&out, &used, &why, buf, len, &copy), 0);
		assert_int_equal(used, len);
		assert_same(&in[i], &out);
		/* the views borrow from the buffer decoded */
		if (out.type == DSMAP__FRAME_RECORD) {
			assert_ptr_equal(out.record.ids, copy + DSMAP__FRAME_HEADER + 40);
			assert_true((const unsigned char *)out.record.loc + out.record.loc_len ==
			            copy + len);
		}
		free(copy);
		free(buf);
	}
}

/* Frames back to back, as they come down the pipe, and every prefix of
 * them: a frame not all there yet asks for more and is never an error. */
static void test_frame__stream(void **state)
{
	struct dsmap__frame in[MAX_FRAMES];
	size_t n = all_frames(in), i, total = 0, len, off, cut, used, k;
	unsigned char *stream = NULL, *buf;

	(void)state;
	for (i = 0; i < n; i++) {
		buf = encode(&in[i], &len);
		assert_non_null(stream = realloc(stream, total + len));
		memcpy(stream + total, buf, len);
		total += len;
		free(buf);
	}
	for (off = 0, k = 0; off < total; off += used, k++) {
		struct dsmap__frame f;
		unsigned char *copy;

		assert_int_equal(decode_copy(&f, &used, NULL, stream + off, total - off, &copy), 0);
		assert_true(used > 0);
		assert_same(&in[k], &f);
		free(copy);
		/* every prefix of this frame: wait for more */
		for (cut = 0; cut < used; cut += cut < 64 ? 1 : 97) {
			assert_null(refused(stream + off, cut, &len));
			assert_int_equal(len, 0);
		}
	}
	assert_int_equal(k, n);
	free(stream);
}

/* ---- what the decoder refuses ----------------------------------------------------- */

static void test_frame__bad_header(void **state)
{
	unsigned char h[DSMAP__FRAME_HEADER + 8];
	size_t used;
	int i;

	(void)state;
	for (i = 1; i < 4; i++) {
		memcpy(h, "EDSM", 4);
		put32(h + 4, 8);
		memset(h + 8, 0, 8);
		h[i] ^= 0x20;                     /* "dSM", "DsM", "DSm" */
		assert_non_null(refused(h, sizeof(h), &used));
		assert_int_equal(used, 0);        /* not a frame: nothing to skip */
	}
	/* a length above the largest is refused at once, not waited for */
	memcpy(h, "XDSM", 4);
	put32(h + 4, DSMAP__FRAME_MAX + 1);
	assert_non_null(refused(h, DSMAP__FRAME_HEADER, &used));
	assert_int_equal(used, 0);
	put32(h + 4, UINT32_MAX);
	assert_non_null(refused(h, DSMAP__FRAME_HEADER, &used));
	assert_int_equal(used, 0);
	/* the largest is a frame, and waited for */
	put32(h + 4, DSMAP__FRAME_MAX);
	assert_null(refused(h, DSMAP__FRAME_HEADER, &used));
	assert_int_equal(used, 0);
}

static void test_frame__unknown_type(void **state)
{
	static const unsigned char types[] = { 0, 'r', 'A', 'Z', 0xff };
	unsigned char h[DSMAP__FRAME_HEADER + 8];
	size_t used, i;

	(void)state;
	for (i = 0; i < sizeof(types); i++) {
		h[0] = types[i];
		memcpy(h + 1, "DSM", 3);
		put32(h + 4, 8);
		memset(h + 8, 0, 8);
		assert_string_equal(refused(h, sizeof(h), &used), "a frame of no type dsmap knows");
		assert_int_equal(used, sizeof(h)); /* a frame, malformed */
	}
}

/* A frame of `type` whose payload is `plen` bytes of `payload`. */
static unsigned char *framed(int type, const unsigned char *payload, size_t plen, size_t *len)
{
	unsigned char *b = malloc(DSMAP__FRAME_HEADER + plen + 1);

	assert_non_null(b);
	b[0] = (unsigned char)type;
	memcpy(b + 1, "DSM", 3);
	put32(b + 4, (uint32_t)plen);
	if (plen)
		memcpy(b + DSMAP__FRAME_HEADER, payload, plen);
	*len = DSMAP__FRAME_HEADER + plen;
	return b;
}

/* Every type, its payload cut short of its fixed part, or longer than
 * the fixed part where nothing may follow. */
static void test_frame__truncated(void **state)
{
	static const struct { int type; size_t fixed; int exact; } t[] = {
		{ DSMAP__FRAME_RECORD, 40, 0 }, { DSMAP__FRAME_UNMAPPED, 12, 1 },
		{ DSMAP__FRAME_INVALID, 14, 0 }, { DSMAP__FRAME_REJECT, 12, 0 },
		{ DSMAP__FRAME_END, 8, 1 }, { DSMAP__FRAME_ERROR, 4, 0 },
	};
	unsigned char zeros[64] = { 0 };
	size_t i, plen, len, used;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		for (plen = 0; plen < t[i].fixed; plen++) {
			unsigned char *b = framed(t[i].type, zeros, plen, &len);

			assert_non_null(refused(b, len, &used));
			assert_int_equal(used, len);
			free(b);
		}
		if (t[i].exact) {
			unsigned char *b = framed(t[i].type, zeros, t[i].fixed + 1, &len);

			assert_non_null(refused(b, len, NULL));
			free(b);
		}
	}
}

/* A valid record's bytes, patched. */
static unsigned char *record_bytes(size_t *len)
{
	struct dsmap__frame f = a_record();

	return encode(&f, len);
}

#define REC 8                              /* the payload's offset */

static void test_frame__record_overruns(void **state)
{
	unsigned char *b;
	size_t len;

	(void)state;
	/* each count one more than the payload holds */
	b = record_bytes(&len);
	b[REC + 26]++;
	assert_string_equal(refused(b, len, NULL), "a record whose counts disagree with its length");
	free(b);
	b = record_bytes(&len);
	put16(b + REC + 28, 4);
	assert_string_equal(refused(b, len, NULL), "a record whose counts disagree with its length");
	free(b);
	b = record_bytes(&len);
	put16(b + REC + 30, sizeof(loc));
	assert_string_equal(refused(b, len, NULL), "a record whose counts disagree with its length");
	free(b);
	/* and far more */
	b = record_bytes(&len);
	b[REC + 26] = 255;
	put16(b + REC + 28, UINT16_MAX);
	put16(b + REC + 30, UINT16_MAX);
	assert_string_equal(refused(b, len, NULL), "a record whose counts disagree with its length");
	free(b);
	/* one less: bytes left over */
	b = record_bytes(&len);
	put16(b + REC + 30, sizeof(loc) - 2);
	assert_string_equal(refused(b, len, NULL), "a record whose counts disagree with its length");
	free(b);
}

static void test_frame__record_limits(void **state)
{
	unsigned char p[40 + 33 * 17 + 1025 * 4 + 513];
	unsigned char *b;
	size_t len, i;

	(void)state;
	/* counts the payload holds, but above the format's limits */
	memset(p, 0, sizeof(p));
	p[26] = 33;
	for (i = 0; i < 33; i++)
		p[40 + i * 17] = DSMAP_ID_EMAIL;
	b = framed(DSMAP__FRAME_RECORD, p, 40 + 33 * 17, &len);
	assert_string_equal(refused(b, len, NULL),
	                    "a record with more identifiers than a frame takes");
	free(b);
	p[26] = 1;
	put16(p + 28, 1025);
	b = framed(DSMAP__FRAME_RECORD, p, 40 + 17 + 1025 * 4, &len);
	assert_string_equal(refused(b, len, NULL),
	                    "a record with more categories than a frame takes");
	free(b);
	put16(p + 28, 0);
	put16(p + 30, 513);
	b = framed(DSMAP__FRAME_RECORD, p, 40 + 17 + 513, &len);
	assert_string_equal(refused(b, len, NULL),
	                    "a record with a locator longer than a frame takes");
	free(b);
	put16(p + 30, 0);
	/* at the limits, it is a record */
	put16(p + 30, 512);
	b = framed(DSMAP__FRAME_RECORD, p, 40 + 17 + 512, &len);
	assert_null(refused(b, len, NULL));
	free(b);
	put16(p + 30, 0);
	/* no identifier */
	p[26] = 0;
	b = framed(DSMAP__FRAME_RECORD, p, 40, &len);
	assert_string_equal(refused(b, len, NULL), "a record with no identifier");
	free(b);
	/* an identifier kind dsmap does not know */
	p[26] = 1;
	p[40] = 0;
	b = framed(DSMAP__FRAME_RECORD, p, 40 + 17, &len);
	assert_string_equal(refused(b, len, NULL),
	                    "a record with an identifier of no kind dsmap knows");
	free(b);
	p[40] = 99;
	b = framed(DSMAP__FRAME_RECORD, p, 40 + 17, &len);
	assert_non_null(refused(b, len, NULL));
	free(b);
	/* the reserved byte */
	p[40] = DSMAP_ID_EMAIL;
	p[27] = 1;
	b = framed(DSMAP__FRAME_RECORD, p, 40 + 17, &len);
	assert_string_equal(refused(b, len, NULL), "a record whose reserved byte is not 0");
	free(b);
	p[27] = 0;
	b = framed(DSMAP__FRAME_RECORD, p, 40 + 17, &len);
	assert_null(refused(b, len, NULL));
	free(b);
}

static void test_frame__reasons(void **state)
{
	unsigned char p[14 + 600];
	unsigned char *b;
	size_t len;

	(void)state;
	memset(p, 'a', sizeof(p));
	/* 'I': u64 number, u16 source, u8 kind, u8 0, u16 reasonlen */
	memset(p, 0, 14);
	p[10] = DSMAP_ID_PHONE;
	put16(p + 12, 5);
	b = framed(DSMAP__FRAME_INVALID, p, 14 + 5, &len);
	assert_null(refused(b, len, NULL));
	free(b);
	b = framed(DSMAP__FRAME_INVALID, p, 14 + 4, &len);   /* the reason overruns */
	assert_non_null(refused(b, len, NULL));
	free(b);
	b = framed(DSMAP__FRAME_INVALID, p, 14 + 6, &len);   /* bytes left over */
	assert_non_null(refused(b, len, NULL));
	free(b);
	put16(p + 12, UINT16_MAX);
	b = framed(DSMAP__FRAME_INVALID, p, 14 + 5, &len);
	assert_non_null(refused(b, len, NULL));
	free(b);
	put16(p + 12, 513);
	b = framed(DSMAP__FRAME_INVALID, p, 14 + 513, &len);
	assert_string_equal(refused(b, len, NULL), "a reason longer than a frame takes");
	free(b);
	put16(p + 12, 5);
	p[10] = 99;
	b = framed(DSMAP__FRAME_INVALID, p, 14 + 5, &len);
	assert_string_equal(refused(b, len, NULL), "an invalid identifier of no kind dsmap knows");
	free(b);
	p[10] = 0;                                   /* the record's: a kind of its own */
	b = framed(DSMAP__FRAME_INVALID, p, 14 + 5, &len);
	assert_null(refused(b, len, NULL));
	free(b);
	p[11] = 1;
	b = framed(DSMAP__FRAME_INVALID, p, 14 + 5, &len);
	assert_non_null(refused(b, len, NULL));
	free(b);

	/* 'J': u64 number, u16 source, u16 reasonlen */
	memset(p, 0, 12);
	put16(p + 10, 3);
	b = framed(DSMAP__FRAME_REJECT, p, 12 + 3, &len);
	assert_null(refused(b, len, NULL));
	free(b);
	b = framed(DSMAP__FRAME_REJECT, p, 12 + 2, &len);
	assert_non_null(refused(b, len, NULL));
	free(b);
	put16(p + 10, 513);
	b = framed(DSMAP__FRAME_REJECT, p, 12 + 513, &len);
	assert_string_equal(refused(b, len, NULL), "a reason longer than a frame takes");
	free(b);
}

static void test_frame__unmapped_and_end(void **state)
{
	unsigned char p[16] = { 0 };
	unsigned char *b;
	size_t len;

	(void)state;
	p[10] = 2;                                   /* no third facet */
	b = framed(DSMAP__FRAME_UNMAPPED, p, 12, &len);
	assert_string_equal(refused(b, len, NULL), "an unmapped value of no facet dsmap knows");
	free(b);
	p[10] = 1;
	p[11] = 1;
	b = framed(DSMAP__FRAME_UNMAPPED, p, 12, &len);
	assert_non_null(refused(b, len, NULL));
	free(b);
	p[11] = 0;
	b = framed(DSMAP__FRAME_UNMAPPED, p, 12, &len);
	assert_null(refused(b, len, NULL));
	free(b);
	b = framed(DSMAP__FRAME_END, p, 9, &len);
	assert_non_null(refused(b, len, NULL));
	free(b);
	b = framed(DSMAP__FRAME_END, p, 16, &len);
	assert_non_null(refused(b, len, NULL));
	free(b);
}

/* ---- what the encoder refuses ----------------------------------------------------- */

static void encode_refused(const struct dsmap__frame *f)
{
	unsigned char buf[DSMAP__FRAME_HEADER + DSMAP__FRAME_MAX];
	unsigned char before[sizeof(buf)];
	const char *why = NULL;
	size_t used = 1;

	memset(buf, 0x5a, sizeof(buf));
	memcpy(before, buf, sizeof(buf));
	assert_int_equal(dsmap__frame_encode(buf, sizeof(buf), &used, &why, f), DSMAP_EINVALID);
	assert_non_null(why);
	assert_int_equal(used, 0);
	assert_memory_equal(buf, before, sizeof(buf));   /* nothing written */
}

static void test_frame__encode_refuses(void **state)
{
	unsigned char many[DSMAP__FRAME_MAX_IDS + 1][DSMAP__FRAME_ID_SIZE];
	struct dsmap__frame f;
	unsigned char small[16];
	const char *why = NULL;
	size_t used = 1, i;

	(void)state;
	f = a_record();
	f.record.id_count = 0;
	encode_refused(&f);
	memset(many, 0, sizeof(many));
	for (i = 0; i <= DSMAP__FRAME_MAX_IDS; i++)
		many[i][0] = DSMAP_ID_EMAIL;
	f = a_record();
	f.record.ids = many[0];
	f.record.id_count = DSMAP__FRAME_MAX_IDS + 1;
	assert_int_equal(dsmap__frame_size(&f), 0);
	encode_refused(&f);
	f.record.id_count = DSMAP__FRAME_MAX_IDS;      /* the most is fine */
	assert_true(dsmap__frame_size(&f) > 0);
	f = a_record();
	f.record.cat_count = DSMAP__FRAME_MAX_CATS + 1;
	encode_refused(&f);
	f = a_record();
	f.record.loc_len = DSMAP__FRAME_LOCATOR_MAX + 1;
	encode_refused(&f);
	f = a_record();
	f.record.loc = NULL;
	encode_refused(&f);
	f = a_record();
	ids3[1][0] = 0;                                /* an unknown kind */
	encode_refused(&f);

	memset(&f, 0, sizeof(f));
	f.type = DSMAP__FRAME_INVALID;
	f.invalid.kind = 200;
	encode_refused(&f);
	f.invalid.kind = 0;
	f.invalid.reason = "x";
	f.invalid.reason_len = DSMAP__FRAME_REASON_MAX + 1;
	encode_refused(&f);
	memset(&f, 0, sizeof(f));
	f.type = DSMAP__FRAME_REJECT;
	f.reject.reason_len = 1;                       /* and no reason */
	encode_refused(&f);
	memset(&f, 0, sizeof(f));
	f.type = DSMAP__FRAME_UNMAPPED;
	f.unmapped.facet = 2;
	encode_refused(&f);
	memset(&f, 0, sizeof(f));
	f.type = DSMAP__FRAME_ERROR;
	f.error.msg = "x";
	f.error.msg_len = DSMAP__FRAME_MESSAGE_MAX + 1;
	assert_int_equal(dsmap__frame_size(&f), 0);
	encode_refused(&f);
	memset(&f, 0, sizeof(f));
	f.type = 'Z';
	assert_int_equal(dsmap__frame_size(&f), 0);
	encode_refused(&f);

	/* no room: refused, and nothing written past `cap` */
	memset(&f, 0, sizeof(f));
	f.type = DSMAP__FRAME_END;
	memset(small, 0x5a, sizeof(small));
	assert_int_equal(dsmap__frame_encode(small, 15, &used, &why, &f), DSMAP_EINVALID);
	assert_string_equal(why, "no room for the frame");
	assert_int_equal(used, 0);
	assert_int_equal(small[0], 0x5a);
	assert_int_equal(dsmap__frame_encode(small, 16, &used, &why, &f), 0);
	assert_int_equal(used, 16);
}

/* ---- damaged frames --------------------------------------------------------------- */

/* Each valid frame with each byte changed, and random bytes: the decoder
 * never reads past the buffer (ASan, valgrind), and whatever it accepts
 * encodes back to the very bytes it came from: there is one way to write
 * a frame, and the decoder takes only that. */
static void test_frame__damaged(void **state)
{
	static const unsigned char flips[] = { 0x01, 0x80, 0xff };
	struct dsmap__frame in[MAX_FRAMES], f;
	size_t n = all_frames(in), i, k, m, len, used, accepted = 0;
	unsigned char *buf, *copy, *again;
	uint32_t seed = 12345;

	(void)state;
	for (i = 0; i < n; i++) {
		buf = encode(&in[i], &len);
		for (k = 0; k < len; k += (k < 64 || len < 600) ? 1 : 61) {
			for (m = 0; m < sizeof(flips); m++) {
				buf[k] ^= flips[m];
				if (decode_copy(&f, &used, NULL, buf, len, &copy) == 0 && used > 0) {
					accepted++;
					again = malloc(used);
					assert_non_null(again);
					assert_int_equal(dsmap__frame_encode(again, used, &used, NULL, &f), 0);
					assert_memory_equal(again, buf, used);
					free(again);
				}
				free(copy);
				buf[k] ^= flips[m];
			}
		}
		free(buf);
	}
	assert_true(accepted > 0);   /* e.g. a changed number or hash byte */

	/* random buffers behind a sound header, and none at all */
	for (i = 0; i < 20000; i++) {
		unsigned char r[128];
		size_t rlen;

		for (k = 0; k < sizeof(r); k++) {
			seed = seed * 1103515245u + 12345u;
			r[k] = (unsigned char)(seed >> 16);
		}
		rlen = r[0] % sizeof(r);
		if (i & 1) {
			static const unsigned char types[] = "RUIJEX";

			r[0] = types[r[1] % 6];
			memcpy(r + 1, "DSM", 3);
			put32(r + 4, (uint32_t)(rlen >= 8 ? rlen - 8 : 0) + (r[2] & 1));
		}
		(void)decode_copy(&f, &used, NULL, r, rlen, &copy);
		assert_true(used <= rlen);
		free(copy);
	}
}

/* ---- wire frames (little-endian, magic "DSW") ------------------------------------ */

static void le_put(unsigned char *p, uint64_t v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static unsigned char *encode_wire(const struct dsmap__frame *f, size_t *len)
{
	size_t cap = dsmap__frame_size(f);
	unsigned char *buf;
	const char *why = NULL;

	assert_true(cap >= DSMAP__FRAME_HEADER);
	assert_non_null(buf = malloc(cap));
	assert_int_equal(dsmap__frame_encode_as(DSMAP__FRAME_WIRE, buf, cap, len, &why, f), 0);
	assert_null(why);
	assert_int_equal(*len, cap);
	return buf;
}

static int decode_wire_copy(struct dsmap__frame *f, size_t *used, const char **why,
                            const unsigned char *bytes, size_t len, unsigned char **copy)
{
	*copy = malloc(len ? len : 1);
	assert_non_null(*copy);
	if (len > 0)
		memcpy(*copy, bytes, len);
	return dsmap__frame_decode_as(DSMAP__FRAME_WIRE, f, used, why, *copy, len);
}

static const char *wire_refused(const unsigned char *bytes, size_t len, size_t *used)
{
	struct dsmap__frame f;
	unsigned char *copy;
	const char *why = NULL;
	size_t u;
	int rc = decode_wire_copy(&f, &u, &why, bytes, len, &copy);

	free(copy);
	if (used != NULL)
		*used = u;
	if (rc == 0)
		return NULL;
	assert_int_equal(rc, DSMAP_EINVALID);
	assert_non_null(why);
	return why;
}

/* The record's wire bytes, built by hand in little-endian whatever the
 * host: what an agent on any machine sends. */
static void test_frame__wire_record_bytes(void **state)
{
	struct dsmap__frame f = a_record();
	unsigned char want[8 + 40 + 3 * 17 + 3 * 4 + sizeof(loc) - 1];
	unsigned char *got;
	size_t len, i;

	(void)state;
	memset(want, 0xee, sizeof(want));
	memcpy(want, "RDSW", 4);
	le_put(want + 4, sizeof(want) - 8, 4);
	/* number 0x0102030405060708: its lowest byte first */
	for (i = 0; i < 8; i++)
		want[8 + i] = (unsigned char)(8 - i);
	le_put(want + 16, (uint64_t)(int64_t)-5, 8);
	le_put(want + 24, 1700000000, 8);
	le_put(want + 32, 3, 2);
	want[34] = 3;
	want[35] = 0;
	le_put(want + 36, 3, 2);
	le_put(want + 38, sizeof(loc) - 1, 2);
	le_put(want + 40, 1u << 2, 4);
	le_put(want + 44, 1u << 31, 4);
	memcpy(want + 48, ids3, 3 * 17);
	for (i = 0; i < 3; i++)
		le_put(want + 48 + 51 + 4 * i, cats3[i], 4);
	memcpy(want + 48 + 51 + 12, loc, sizeof(loc) - 1);
	assert_int_equal(want[16], 0xfb);      /* -5, two's complement */
	assert_int_equal(want[48 + 51 + 8 + 2], 0x08);   /* 1 << 19 */

	got = encode_wire(&f, &len);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(got, want, sizeof(want));
	free(got);
}

static void test_frame__wire_other_bytes(void **state)
{
	struct dsmap__frame f;
	unsigned char *got;
	size_t len;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.type = DSMAP__FRAME_ERROR;
	f.error.code = DSMAP_ETIMEOUT;
	f.error.msg = "slow";
	f.error.msg_len = 4;
	got = encode_wire(&f, &len);
	assert_int_equal(len, 8 + 4 + 4);
	assert_memory_equal(got, "XDSW", 4);
	assert_int_equal(got[4], 8);
	assert_int_equal(got[5] | got[6] | got[7], 0);
	assert_int_equal((int32_t)((uint32_t)got[8] | (uint32_t)got[9] << 8 |
	                           (uint32_t)got[10] << 16 | (uint32_t)got[11] << 24),
	                 DSMAP_ETIMEOUT);
	free(got);

	memset(&f, 0, sizeof(f));
	f.type = DSMAP__FRAME_END;
	f.end.records = 0x0102;
	got = encode_wire(&f, &len);
	assert_int_equal(len, 16);
	assert_int_equal(got[8], 0x02);
	assert_int_equal(got[9], 0x01);
	free(got);
}

/* Every frame through the wire and back, alone and back to back with
 * every prefix waited for, as the pipe's are. */
static void test_frame__wire_round_trip(void **state)
{
	struct dsmap__frame in[MAX_FRAMES], out;
	size_t n = all_frames(in), i, len, used, total = 0, off, k, cut;
	unsigned char *buf, *copy, *stream = NULL;
	const char *why = NULL;

	(void)state;
	for (i = 0; i < n; i++) {
		buf = encode_wire(&in[i], &len);
		assert_int_equal(decode_wire_copy(&out, &used, &why, buf, len, &copy), 0);
		assert_int_equal(used, len);
		assert_same(&in[i], &out);
		if (out.type == DSMAP__FRAME_RECORD)
			assert_int_equal(out.record.cats_le, 1);
		free(copy);
		assert_non_null(stream = realloc(stream, total + len));
		memcpy(stream + total, buf, len);
		total += len;
		free(buf);
	}
	for (off = 0, k = 0; off < total; off += used, k++) {
		assert_int_equal(decode_wire_copy(&out, &used, NULL, stream + off, total - off, &copy), 0);
		assert_true(used > 0);
		assert_same(&in[k], &out);
		free(copy);
		for (cut = 0; cut < used; cut += cut < 64 ? 1 : 97) {
			assert_null(wire_refused(stream + off, cut, &len));
			assert_int_equal(len, 0);
		}
	}
	assert_int_equal(k, n);
	free(stream);
}

/* A frame read in one order re-encodes into the other: what an agent
 * does with its runner's pipe frames, and what the bytes must not lose. */
static void test_frame__wire_recode(void **state)
{
	struct dsmap__frame in[MAX_FRAMES], mid;
	size_t n = all_frames(in), i, len, len2, used;
	unsigned char *pipe, *wire, *copy, *again;

	(void)state;
	for (i = 0; i < n; i++) {
		pipe = encode(&in[i], &len);
		wire = encode_wire(&in[i], &len2);
		assert_int_equal(len, len2);
		/* pipe -> decoded -> wire: the wire bytes */
		assert_int_equal(decode_copy(&mid, &used, NULL, pipe, len, &copy), 0);
		again = encode_wire(&mid, &len2);
		assert_memory_equal(again, wire, len);
		free(again);
		free(copy);
		/* wire -> decoded -> pipe: the pipe bytes */
		assert_int_equal(decode_wire_copy(&mid, &used, NULL, wire, len, &copy), 0);
		again = encode(&mid, &len2);
		assert_memory_equal(again, pipe, len);
		free(again);
		free(copy);
		free(pipe);
		free(wire);
	}
}

/* One order's decoder never reads the other's frames, and the wire
 * decoder refuses what the pipe decoder refuses. */
static void test_frame__wire_refuses(void **state)
{
	struct dsmap__frame f = a_record(), g;
	unsigned char *b, buf[64];
	const char *why = NULL;
	size_t len, used;

	(void)state;
	b = record_bytes(&len);                /* a pipe frame */
	assert_string_equal(wire_refused(b, len, &used),
	                    "not a frame (a pipe frame, where a wire frame was expected)");
	assert_int_equal(used, 0);
	free(b);
	b = encode_wire(&f, &len);
	assert_string_equal(refused(b, len, &used),
	                    "not a frame (a wire frame, where a pipe frame was expected)");
	assert_int_equal(used, 0);
	b[3] = 'Q';
	assert_string_equal(wire_refused(b, len, &used), "not a frame");
	b[3] = 'W';
	assert_null(wire_refused(b, len, NULL));
	b[REC + 27] = 1;                       /* the reserved byte */
	assert_string_equal(wire_refused(b, len, NULL), "a record whose reserved byte is not 0");
	b[REC + 27] = 0;
	b[REC + 28]++;                         /* ncats, low byte first */
	assert_string_equal(wire_refused(b, len, NULL),
	                    "a record whose counts disagree with its length");
	b[REC + 28]--;
	b[REC + 40] = 0xfe;                    /* the first identifier's kind */
	assert_string_equal(wire_refused(b, len, NULL),
	                    "a record with an identifier of no kind dsmap knows");
	b[REC + 40] = ids3[0][0];
	le_put(b + 4, DSMAP__FRAME_MAX + 1, 4);
	assert_string_equal(wire_refused(b, len, &used),
	                    "a frame header announcing more than the longest frame");
	assert_int_equal(used, 0);
	free(b);
	/* the encoder refuses the same in either order, and an order it does not know */
	f.record.id_count = 0;
	assert_int_equal(dsmap__frame_encode_as(DSMAP__FRAME_WIRE, buf, sizeof(buf), &len, &why, &f),
	                 DSMAP_EINVALID);
	assert_string_equal(why, "a record with no identifier");
	f = a_record();
	assert_int_equal(dsmap__frame_encode_as((enum dsmap__frame_order)7, buf, sizeof(buf), &len,
	                                        &why, &f), DSMAP_EINVALID);
	assert_string_equal(why, "no byte order dsmap knows");
	assert_int_equal(dsmap__frame_decode_as((enum dsmap__frame_order)7, &g, &used, &why, buf, 0),
	                 DSMAP_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame__record_bytes),
		cmocka_unit_test(test_frame__other_bytes),
		cmocka_unit_test(test_frame__round_trip),
		cmocka_unit_test(test_frame__stream),
		cmocka_unit_test(test_frame__bad_header),
		cmocka_unit_test(test_frame__unknown_type),
		cmocka_unit_test(test_frame__truncated),
		cmocka_unit_test(test_frame__record_overruns),
		cmocka_unit_test(test_frame__record_limits),
		cmocka_unit_test(test_frame__reasons),
		cmocka_unit_test(test_frame__unmapped_and_end),
		cmocka_unit_test(test_frame__encode_refuses),
		cmocka_unit_test(test_frame__damaged),
		cmocka_unit_test(test_frame__wire_record_bytes),
		cmocka_unit_test(test_frame__wire_other_bytes),
		cmocka_unit_test(test_frame__wire_round_trip),
		cmocka_unit_test(test_frame__wire_recode),
		cmocka_unit_test(test_frame__wire_refuses),
	};

	return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
