/*
 * Fuzz target: the frame codec, core/frame.h, in both its byte orders:
 * pipe frames (runner -> scan, magic "DSM", native order) and wire frames
 * (agent -> NATS -> coordinator, magic "DSW", little-endian).
 *
 * An input is what a runner's pipe or an agent's batch could hold: any
 * bytes, read as a stream of frames the way the scan reads it
 * (take_frames_from() in core/scan.c): decode at the start, move past each
 * whole frame, stop at what is not a frame and at an incomplete one.
 * Unlike the scan, a malformed frame whose size is known does not end the
 * stream, so that one input reaches several frames.  The input's fourth
 * byte picks the order of the whole input, as the first frame's magic
 * would: 'W' wire, anything else pipe; so a frame of the other order met
 * later is "not a frame", which is what each decoder must say.  The seeds
 * (corpus/frame/) are frames written by the encoder in both orders: see
 * frame_seeds.c.
 *
 * Invariants checked beyond memory safety (frame.h states each):
 *  - decode returns 0 or DSMAP_EINVALID, sets *why when it refuses, and
 *    sets no last error;
 *  - it agrees with a second reading of the layout, written here from
 *    frame.h's comment alone: it accepts a frame exactly when that reading
 *    does; it asks for more (0, *used 0) exactly when the header or the
 *    payload it announces is incomplete; it refuses with *used 0 exactly a
 *    bad magic or a length above DSMAP__FRAME_MAX; *used is otherwise the
 *    frame's size;
 *  - the fields it decodes are the ones the layout places, its views lie
 *    inside the frame's payload, and an accepted frame is within frame.h's
 *    bounds (1..DSMAP__FRAME_MAX_IDS identifiers of kinds dsmap knows, at
 *    most DSMAP__FRAME_MAX_CATS categories, locator, reason and message
 *    lengths, facet 0 or 1, the invalid identifier's kind 0 or known);
 *  - it reads no byte past the length it is given: each frame is decoded
 *    again from a heap copy of exactly its bytes, which gives the same
 *    answer, and from copies of prefixes of them, which ask for more;
 *  - an accepted frame re-encodes to the same bytes, in a buffer of
 *    exactly dsmap__frame_size() bytes, and these decode again to the same
 *    struct;
 *  - it re-encodes in the other order too, to as many bytes that differ
 *    from its own only in the magic and (on a big-endian host) the
 *    integers' order, which the other order's decoder reads back to the
 *    same struct and this order's refuses as not a frame;
 *  - the encoder refuses with DSMAP_EINVALID, *why set and nothing written,
 *    a buffer one byte short, and the frame with one field pushed past
 *    what frame.h allows (dsmap__frame_size() is then 0 for a count above
 *    its limit).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsmap/errors.h"
#include "dsmap/ident.h"
#include "frame.h"
#include "fuzz.h"

/* ---- the layout, read again from frame.h's comment ------------------------------- */

enum verdict { SHORT, NOT_FRAME, MALFORMED, WELL_FORMED };

static const char *const verdict_name[] = { "incomplete", "not a frame", "malformed", "frame" };

/* The order of the input being read (see the top), and the other one. */
static enum dsmap__frame_order order;
#define OTHER (order == DSMAP__FRAME_WIRE ? DSMAP__FRAME_PIPE : DSMAP__FRAME_WIRE)

/* An unsigned integer of `n` bytes at `p` in the input's order: as memory
 * holds it (pipe), or least significant byte first (wire). */
static uint64_t rd(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	if (order == DSMAP__FRAME_WIRE) {
		for (i = n; i-- > 0;)
			v = v << 8 | p[i];
		return v;
	}
	if (n == 2) {
		uint16_t x;

		memcpy(&x, p, 2);
		return x;
	}
	if (n == 4) {
		uint32_t x;

		memcpy(&x, p, 4);
		return x;
	}
	memcpy(&v, p, 8);
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)rd(p, 2);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd(p, 4);
}

static uint64_t rd64(const uint8_t *p)
{
	return rd(p, 8);
}

static int kind_known(int kind)
{
	return kind >= DSMAP_ID_EMAIL && kind <= DSMAP_ID_DEVICE_ID;
}

/* What the payload `p` of `n` bytes of a frame of type `type` holds, into
 * *f; whether it is well formed. */
static int expect_payload(struct dsmap__frame *f, int type, const uint8_t *p, size_t n)
{
	size_t i, need;

	memset(f, 0, sizeof(*f));
	f->type = type;
	switch (type) {
	case 'R':
		if (n < 40)
			return 0;
		f->record.number = rd64(p);
		f->record.first = (int64_t)rd64(p + 8);
		f->record.last = (int64_t)rd64(p + 16);
		f->record.cats_le = order == DSMAP__FRAME_WIRE;
		f->record.source = rd16(p + 24);
		f->record.id_count = p[26];
		f->record.cat_count = rd16(p + 28);
		f->record.loc_len = rd16(p + 30);
		f->record.kinds = rd32(p + 32);
		f->record.brands = rd32(p + 36);
		need = 40 + f->record.id_count * 17 + f->record.cat_count * 4 + f->record.loc_len;
		if (p[27] != 0 || n != need || f->record.id_count < 1 || f->record.id_count > 32 ||
		    f->record.cat_count > 1024 || f->record.loc_len > 512)
			return 0;
		f->record.ids = p + 40;
		f->record.cats = p + 40 + f->record.id_count * 17;
		f->record.loc = (const char *)p + 40 + f->record.id_count * 17 +
		                f->record.cat_count * 4;
		for (i = 0; i < f->record.id_count; i++)
			if (!kind_known(p[40 + i * 17]))
				return 0;
		return 1;
	case 'U':
		if (n != 12)
			return 0;
		f->unmapped.number = rd64(p);
		f->unmapped.source = rd16(p + 8);
		f->unmapped.facet = p[10];
		return p[11] == 0 && p[10] <= 1;
	case 'I':
		if (n < 14)
			return 0;
		f->invalid.number = rd64(p);
		f->invalid.source = rd16(p + 8);
		f->invalid.kind = p[10];
		f->invalid.reason_len = rd16(p + 12);
		f->invalid.reason = (const char *)p + 14;
		return p[11] == 0 && (p[10] == 0 || kind_known(p[10])) &&
		       f->invalid.reason_len <= 512 && n == 14 + f->invalid.reason_len;
	case 'J':
		if (n < 12)
			return 0;
		f->reject.number = rd64(p);
		f->reject.source = rd16(p + 8);
		f->reject.reason_len = rd16(p + 10);
		f->reject.reason = (const char *)p + 12;
		return f->reject.reason_len <= 512 && n == 12 + f->reject.reason_len;
	case 'E':
		if (n != 8)
			return 0;
		f->end.records = rd64(p);
		return 1;
	case 'X':
		if (n < 4)
			return 0;
		f->error.code = (int32_t)rd32(p);
		f->error.msg_len = n - 4;
		f->error.msg = (const char *)p + 4;
		return f->error.msg_len <= 16380;
	default:
		return 0;
	}
}

/* The verdict on the bytes `b`, `len` of them; *size the frame's size when
 * it is known, *f the fields of a well-formed one. */
static enum verdict expect(struct dsmap__frame *f, size_t *size, const uint8_t *b, size_t len)
{
	uint32_t n;

	*size = 0;
	memset(f, 0, sizeof(*f));
	if (len < 8)
		return SHORT;
	if (b[1] != 'D' || b[2] != 'S' || b[3] != (order == DSMAP__FRAME_WIRE ? 'W' : 'M'))
		return NOT_FRAME;
	if ((n = rd32(b + 4)) > 16384)
		return NOT_FRAME;
	if (len - 8 < n)
		return SHORT;
	*size = 8 + (size_t)n;
	return expect_payload(f, b[0], b + 8, n) ? WELL_FORMED : MALFORMED;
}

/* ---- checks ------------------------------------------------------------------------ */

static const char *type_name(int type)
{
	static char buf[8];

	snprintf(buf, sizeof(buf), "'%c'", type >= 0x20 && type < 0x7f ? type : '?');
	return buf;
}

/* The same frame: every field, and the bytes of every view. */
static void check_same(const struct dsmap__frame *a, const struct dsmap__frame *b,
                       const char *what)
{
	size_t i;

	FUZZ_CHECK(a->type == b->type, "%s: type %d, not %d", what, b->type, a->type);
	switch (a->type) {
	case DSMAP__FRAME_RECORD: {
		const struct dsmap__frame_record *x = &a->record, *y = &b->record;

		FUZZ_CHECK(x->number == y->number && x->first == y->first && x->last == y->last &&
		           x->source == y->source && x->kinds == y->kinds && x->brands == y->brands,
		           "%s: a record's number, timestamps, source or facets differ", what);
		FUZZ_CHECK(x->id_count == y->id_count && x->cat_count == y->cat_count &&
		           x->loc_len == y->loc_len,
		           "%s: a record's counts differ (ids %zu/%zu, cats %zu/%zu, loc %zu/%zu)",
		           what, y->id_count, x->id_count, y->cat_count, x->cat_count, y->loc_len,
		           x->loc_len);
		FUZZ_CHECK(memcmp(x->ids, y->ids, x->id_count * DSMAP__FRAME_ID_SIZE) == 0,
		           "%s: a record's identifiers differ", what);
		for (i = 0; i < x->cat_count; i++)
			FUZZ_CHECK(dsmap__frame_cat(x, i) == dsmap__frame_cat(y, i),
			           "%s: a record's category %zu differs", what, i);
		FUZZ_CHECK(x->loc_len == 0 || memcmp(x->loc, y->loc, x->loc_len) == 0,
		           "%s: a record's locator differs", what);
		break;
	}
	case DSMAP__FRAME_UNMAPPED:
		FUZZ_CHECK(a->unmapped.number == b->unmapped.number &&
		           a->unmapped.source == b->unmapped.source &&
		           a->unmapped.facet == b->unmapped.facet,
		           "%s: an unmapped value frame differs", what);
		break;
	case DSMAP__FRAME_INVALID:
		FUZZ_CHECK(a->invalid.number == b->invalid.number &&
		           a->invalid.source == b->invalid.source &&
		           a->invalid.kind == b->invalid.kind &&
		           a->invalid.reason_len == b->invalid.reason_len &&
		           (a->invalid.reason_len == 0 ||
		            memcmp(a->invalid.reason, b->invalid.reason, a->invalid.reason_len) == 0),
		           "%s: an invalid identifier frame differs", what);
		break;
	case DSMAP__FRAME_REJECT:
		FUZZ_CHECK(a->reject.number == b->reject.number &&
		           a->reject.source == b->reject.source &&
		           a->reject.reason_len == b->reject.reason_len &&
		           (a->reject.reason_len == 0 ||
		            memcmp(a->reject.reason, b->reject.reason, a->reject.reason_len) == 0),
		           "%s: a rejected record frame differs", what);
		break;
	case DSMAP__FRAME_END:
		FUZZ_CHECK(a->end.records == b->end.records, "%s: an end frame differs", what);
		break;
	case DSMAP__FRAME_ERROR:
		FUZZ_CHECK(a->error.code == b->error.code && a->error.msg_len == b->error.msg_len &&
		           (a->error.msg_len == 0 ||
		            memcmp(a->error.msg, b->error.msg, a->error.msg_len) == 0),
		           "%s: an error frame differs", what);
		break;
	default:
		fuzz_fail("%s: a frame of type %d accepted", what, a->type);
	}
}

/* A view of `len` bytes at `v` lies inside [lo, hi); so do the views of the
 * decoded frame and the reference's, at the same place. */
static void check_view(const void *v, const void *want, size_t len, const uint8_t *lo,
                       const uint8_t *hi, const char *what)
{
	const uint8_t *p = v;

	if (len == 0)
		return;
	FUZZ_CHECK(p != NULL && p >= lo && p <= hi && (size_t)(hi - p) >= len,
	           "a view (%s, %zu bytes) outside the frame's payload", what, len);
	FUZZ_CHECK(p == want, "a view (%s) %td bytes from where the layout puts it", what,
	           p - (const uint8_t *)want);
	fuzz_touch(p, len);
}

static void check_views(const struct dsmap__frame *f, const struct dsmap__frame *want,
                        const uint8_t *payload, size_t n)
{
	const uint8_t *end = payload + n;

	switch (f->type) {
	case DSMAP__FRAME_RECORD:
		FUZZ_CHECK(f->record.ids != NULL, "a record with no identifier view");
		check_view(f->record.ids, want->record.ids,
		           f->record.id_count * DSMAP__FRAME_ID_SIZE, payload, end, "ids");
		check_view(f->record.cats, want->record.cats, f->record.cat_count * 4, payload, end,
		           "cats");
		check_view(f->record.loc, want->record.loc, f->record.loc_len, payload, end, "loc");
		break;
	case DSMAP__FRAME_INVALID:
		check_view(f->invalid.reason, want->invalid.reason, f->invalid.reason_len, payload,
		           end, "reason");
		break;
	case DSMAP__FRAME_REJECT:
		check_view(f->reject.reason, want->reject.reason, f->reject.reason_len, payload, end,
		           "reason");
		break;
	case DSMAP__FRAME_ERROR:
		check_view(f->error.msg, want->error.msg, f->error.msg_len, payload, end, "msg");
		break;
	}
}

/* frame.h's bounds, checked on the decoder's own output. */
static void check_bounds(const struct dsmap__frame *f)
{
	size_t i;

	switch (f->type) {
	case DSMAP__FRAME_RECORD:
		FUZZ_CHECK(f->record.id_count >= 1 && f->record.id_count <= DSMAP__FRAME_MAX_IDS,
		           "a record with %zu identifiers accepted", f->record.id_count);
		FUZZ_CHECK(f->record.cat_count <= DSMAP__FRAME_MAX_CATS,
		           "a record with %zu categories accepted", f->record.cat_count);
		FUZZ_CHECK(f->record.loc_len <= DSMAP__FRAME_LOCATOR_MAX,
		           "a record with a %zu-byte locator accepted", f->record.loc_len);
		for (i = 0; i < f->record.id_count; i++)
			FUZZ_CHECK(dsmap_ident_kind_name(f->record.ids[i * DSMAP__FRAME_ID_SIZE]) != NULL,
			           "a record whose identifier %zu has kind %u accepted", i,
			           f->record.ids[i * DSMAP__FRAME_ID_SIZE]);
		break;
	case DSMAP__FRAME_UNMAPPED:
		FUZZ_CHECK(f->unmapped.facet == DSMAP__FRAME_FACET_KIND ||
		           f->unmapped.facet == DSMAP__FRAME_FACET_BRAND,
		           "an unmapped value of facet %d accepted", f->unmapped.facet);
		break;
	case DSMAP__FRAME_INVALID:
		FUZZ_CHECK(f->invalid.kind == 0 || dsmap_ident_kind_name(f->invalid.kind) != NULL,
		           "an invalid identifier of kind %d accepted", f->invalid.kind);
		FUZZ_CHECK(f->invalid.reason_len <= DSMAP__FRAME_REASON_MAX,
		           "a %zu-byte reason accepted", f->invalid.reason_len);
		break;
	case DSMAP__FRAME_REJECT:
		FUZZ_CHECK(f->reject.reason_len <= DSMAP__FRAME_REASON_MAX,
		           "a %zu-byte reason accepted", f->reject.reason_len);
		break;
	case DSMAP__FRAME_END:
		break;
	case DSMAP__FRAME_ERROR:
		FUZZ_CHECK(f->error.msg_len <= DSMAP__FRAME_MESSAGE_MAX,
		           "a %zu-byte message accepted", f->error.msg_len);
		break;
	default:
		fuzz_fail("a frame of type %d accepted", f->type);
	}
}

static uint8_t *copy_of(const uint8_t *b, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);

	FUZZ_CHECK(c != NULL, "out of memory");
	if (len > 0)
		memcpy(c, b, len);
	return c;
}

/* Decode, checking what every call must do; returns the code. */
static int decode(struct dsmap__frame *f, size_t *used, const char **why, const uint8_t *b,
                  size_t len)
{
	int rc;

	*used = (size_t)-1;
	*why = NULL;
	dsmap_error_clear();
	rc = dsmap__frame_decode_as(order, f, used, why, b, len);
	FUZZ_CHECK(rc == 0 || rc == DSMAP_EINVALID, "decode returned %d", rc);
	FUZZ_CHECK(*used <= len, "decode used %zu of %zu bytes", *used, len);
	FUZZ_CHECK(rc == 0 || (*why != NULL && **why != '\0'), "decode refused without a reason");
	FUZZ_CHECK(dsmap_error_last()->code == DSMAP_OK, "decode set a last error (%d: %s)",
	           dsmap_error_last()->code, dsmap_error_last()->message);
	if (rc < 0)
		fuzz_touch(*why, strlen(*why));
	return rc;
}

/* Shorter copies of a frame of `size` bytes only ask for more. */
static void check_prefixes(const uint8_t *b, size_t size)
{
	size_t k[12], nk = 0, i, used;
	const char *why;
	struct dsmap__frame f;

	for (i = 0; i <= DSMAP__FRAME_HEADER && i < size; i++)
		k[nk++] = i;
	if (size > DSMAP__FRAME_HEADER + 2)
		k[nk++] = (size + DSMAP__FRAME_HEADER) / 2;
	if (size > DSMAP__FRAME_HEADER + 1)
		k[nk++] = size - 1;
	for (i = 0; i < nk; i++) {
		uint8_t *c = copy_of(b, k[i]);
		int rc = decode(&f, &used, &why, c, k[i]);

		FUZZ_CHECK(rc == 0 && used == 0,
		           "the first %zu bytes of a %zu-byte frame: code %d, %zu used (%s), "
		           "not \"wait for more\"", k[i], size, rc, used, rc < 0 ? why : "");
		free(c);
	}
}

/* The encoder refuses `f` with DSMAP_EINVALID and writes nothing. */
static void check_refused(const struct dsmap__frame *f, int over_limit, const char *what)
{
	static uint8_t buf[DSMAP__FRAME_HEADER + DSMAP__FRAME_MAX];
	const char *why = NULL;
	size_t used = 1, i;
	int rc;

	memset(buf, 0xa5, 32);
	rc = dsmap__frame_encode_as(order, buf, sizeof(buf), &used, &why, f);
	FUZZ_CHECK(rc == DSMAP_EINVALID && used == 0 && why != NULL && *why != '\0',
	           "the encoder took %s (code %d, %zu bytes)", what, rc, used);
	for (i = 0; i < 32; i++)
		FUZZ_CHECK(buf[i] == 0xa5, "the encoder refused %s but wrote byte %zu", what, i);
	if (over_limit)
		FUZZ_CHECK(dsmap__frame_size(f) == 0, "a size (%zu) for %s", dsmap__frame_size(f),
		           what);
}

/* What the encoder must refuse, made from the well-formed frame `f`. */
static void check_encoder_refuses(const struct dsmap__frame *f)
{
	unsigned char ids[DSMAP__FRAME_MAX_IDS * DSMAP__FRAME_ID_SIZE];
	struct dsmap__frame g;

	switch (f->type) {
	case DSMAP__FRAME_RECORD:
		g = *f;
		g.record.id_count = 0;
		check_refused(&g, 0, "a record with no identifier");
		g = *f;
		g.record.id_count = DSMAP__FRAME_MAX_IDS + 1;
		check_refused(&g, 1, "a record with too many identifiers");
		g = *f;
		g.record.cat_count = DSMAP__FRAME_MAX_CATS + 1;
		check_refused(&g, 1, "a record with too many categories");
		g = *f;
		g.record.loc_len = DSMAP__FRAME_LOCATOR_MAX + 1;
		check_refused(&g, 1, "a record with a locator too long");
		g = *f;
		memcpy(ids, f->record.ids, f->record.id_count * DSMAP__FRAME_ID_SIZE);
		/* the last identifier's kind: one past the last kind, or 0 */
		ids[(f->record.id_count - 1) * DSMAP__FRAME_ID_SIZE] =
		        (unsigned char)(f->record.number & 1 ? DSMAP_ID_DEVICE_ID + 1 : 0);
		g.record.ids = ids;
		check_refused(&g, 0, "a record with an identifier of no kind");
		break;
	case DSMAP__FRAME_UNMAPPED:
		g = *f;
		g.unmapped.facet = 2;
		check_refused(&g, 0, "an unmapped value of facet 2");
		break;
	case DSMAP__FRAME_INVALID:
		g = *f;
		g.invalid.reason_len = DSMAP__FRAME_REASON_MAX + 1;
		check_refused(&g, 1, "an invalid identifier with a reason too long");
		g = *f;
		g.invalid.kind = DSMAP_ID_DEVICE_ID + 1;
		check_refused(&g, 0, "an invalid identifier of no kind");
		break;
	case DSMAP__FRAME_REJECT:
		g = *f;
		g.reject.reason_len = DSMAP__FRAME_REASON_MAX + 1;
		check_refused(&g, 1, "a rejected record with a reason too long");
		break;
	case DSMAP__FRAME_ERROR:
		g = *f;
		g.error.msg_len = DSMAP__FRAME_MESSAGE_MAX + 1;
		check_refused(&g, 1, "an error with a message too long");
		break;
	}
	g = *f;
	g.type = f->type == DSMAP__FRAME_END ? 'e' : 0;
	check_refused(&g, 1, "a frame of no type");
}

/* An accepted frame: `b` its `size` bytes, decoded into `f`. */
static void check_round_trip(const struct dsmap__frame *f, const uint8_t *b, size_t size)
{
	struct dsmap__frame again;
	const char *why = NULL;
	size_t used = (size_t)-1, i;
	uint8_t *out;
	int rc;

	FUZZ_CHECK(dsmap__frame_size(f) == size, "dsmap__frame_size() says %zu, not %zu",
	           dsmap__frame_size(f), size);

	/* one byte short: refused, nothing written */
	out = malloc(size);
	FUZZ_CHECK(out != NULL, "out of memory");
	memset(out, 0xa5, size);
	rc = dsmap__frame_encode_as(order, out, size - 1, &used, &why, f);
	FUZZ_CHECK(rc == DSMAP_EINVALID && used == 0 && why != NULL,
	           "encoding a %zu-byte frame in %zu bytes: code %d, %zu used", size, size - 1,
	           rc, used);
	for (i = 0; i < size; i++)
		FUZZ_CHECK(out[i] == 0xa5, "the encoder refused a buffer too small but wrote byte %zu",
		           i);

	/* exactly its size: the same bytes */
	why = NULL;
	rc = dsmap__frame_encode_as(order, out, size, &used, &why, f);
	FUZZ_CHECK(rc == 0 && used == size, "re-encoding a %zu-byte %s frame: code %d (%s), "
	           "%zu bytes", size, type_name(f->type), rc, why ? why : "", used);
	for (i = 0; i < size; i++)
		FUZZ_CHECK(out[i] == b[i], "a %s frame re-encodes with byte %zu 0x%02x, not 0x%02x",
		           type_name(f->type), i, out[i], b[i]);

	/* and they decode to the same struct */
	rc = decode(&again, &used, &why, out, size);
	FUZZ_CHECK(rc == 0 && used == size, "a re-encoded frame decodes with code %d (%s), "
	           "%zu used", rc, rc < 0 ? why : "", used);
	check_same(f, &again, "decoded again");

	/* in the other order: the same size, the other magic, the same frame
	 * to the other decoder, and not a frame to this one */
	why = NULL;
	rc = dsmap__frame_encode_as(OTHER, out, size, &used, &why, f);
	FUZZ_CHECK(rc == 0 && used == size, "encoding a %zu-byte %s frame in the other order: "
	           "code %d (%s), %zu bytes", size, type_name(f->type), rc, why ? why : "", used);
	FUZZ_CHECK(out[0] == b[0] && out[1] == 'D' && out[2] == 'S' &&
	           out[3] == (OTHER == DSMAP__FRAME_WIRE ? 'W' : 'M'),
	           "a frame in the other order has the header %02x %02x %02x %02x", out[0],
	           out[1], out[2], out[3]);
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	FUZZ_CHECK(memcmp(out + 4, b + 4, size - 4) == 0,
	           "on a little-endian host, a %s frame in the other order differs past its magic",
	           type_name(f->type));
#endif
	dsmap_error_clear();
	rc = dsmap__frame_decode_as(OTHER, &again, &used, &why, out, size);
	FUZZ_CHECK(rc == 0 && used == size, "a frame in the other order decodes with code %d "
	           "(%s), %zu used", rc, rc < 0 ? why : "", used);
	check_same(f, &again, "in the other order");
	rc = decode(&again, &used, &why, out, size);
	FUZZ_CHECK(rc == DSMAP_EINVALID && used == 0,
	           "a frame of the other order: code %d, %zu used, not \"not a frame\"", rc, used);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	order = size >= 4 && data[3] == 'W' ? DSMAP__FRAME_WIRE : DSMAP__FRAME_PIPE;

	while (off < size) {
		const uint8_t *b = data + off;
		size_t len = size - off, want_size, used, used2;
		struct dsmap__frame f, want, f2;
		const char *why, *why2;
		enum verdict v = expect(&want, &want_size, b, len);
		uint8_t *c;
		int rc = decode(&f, &used, &why, b, len);

		if (fuzz_verbose())
			fprintf(stderr, "  at %zu: %s%s%s, code %d, %zu bytes%s%s\n", off,
			        len > 0 ? type_name(b[0]) : "", len > 0 ? " " : "", verdict_name[v], rc,
			        used, rc < 0 ? ": " : "", rc < 0 ? why : "");
		switch (v) {
		case SHORT:
			FUZZ_CHECK(rc == 0 && used == 0, "%zu bytes of an incomplete frame: code %d, "
			           "%zu used (%s), not \"wait for more\"", len, rc, used,
			           rc < 0 ? why : "");
			return 0;
		case NOT_FRAME:
			FUZZ_CHECK(rc == DSMAP_EINVALID && used == 0,
			           "a bad magic or length: code %d, %zu used, not refused with 0 used",
			           rc, used);
			return 0;
		case MALFORMED:
			FUZZ_CHECK(rc == DSMAP_EINVALID, "a malformed %s frame of %zu bytes accepted",
			           type_name(b[0]), want_size);
			FUZZ_CHECK(used == want_size, "a malformed %s frame of %zu bytes refused with "
			           "%zu used", type_name(b[0]), want_size, used);
			break;
		case WELL_FORMED:
			FUZZ_CHECK(rc == 0 && used == want_size, "a well-formed %s frame of %zu bytes: "
			           "code %d (%s), %zu used", type_name(b[0]), want_size, rc,
			           rc < 0 ? why : "", used);
			check_same(&want, &f, "decoded");
			check_views(&f, &want, b + DSMAP__FRAME_HEADER, used - DSMAP__FRAME_HEADER);
			check_bounds(&f);
			break;
		}

		/* its bytes alone give the same answer; fewer ask for more */
		c = copy_of(b, used);
		rc = decode(&f2, &used2, &why2, c, used);
		FUZZ_CHECK(used2 == used && (rc == 0) == (v == WELL_FORMED),
		           "a %zu-byte %s frame alone: code %d, %zu used", used, type_name(b[0]), rc,
		           used2);
		if (v == WELL_FORMED) {
			check_same(&f, &f2, "decoded alone");
			check_round_trip(&f2, c, used);
			check_encoder_refuses(&f2);
		}
		free(c);
		check_prefixes(b, used);
		off += used;
	}
	return 0;
}
