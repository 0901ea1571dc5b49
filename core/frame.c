/*
 * The runner->scan frame codec (see frame.h for the layout).
 *
 * One rule set, check(), serves both directions: the decoder turns the
 * bytes into a struct and checks it, the encoder checks the struct before
 * it writes a byte.  Lengths are compared with the payload's before a view
 * into it is made, so the decoder never reads past what it was given.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dsmap/errors.h"
#include "dsmap/ident.h"
#include "frame.h"

#define WIRE_SIZE(name, n) \
	_Static_assert(sizeof(struct dsmap__frame_wire_##name) == (n), \
	               "the " #name " fixed part is " #n " bytes on the wire")

WIRE_SIZE(header, DSMAP__FRAME_HEADER);
WIRE_SIZE(record, 40);
WIRE_SIZE(unmapped, 12);
WIRE_SIZE(invalid, 14);
WIRE_SIZE(reject, 12);
WIRE_SIZE(end, 8);
WIRE_SIZE(error, 4);
_Static_assert(offsetof(struct dsmap__frame_wire_header, len) == 4, "u32 len at 4");
_Static_assert(offsetof(struct dsmap__frame_wire_record, source) == 24 &&
               offsetof(struct dsmap__frame_wire_record, ncats) == 28 &&
               offsetof(struct dsmap__frame_wire_record, kinds) == 32, "record layout");
_Static_assert(offsetof(struct dsmap__frame_wire_invalid, reasonlen) == 12, "invalid layout");
_Static_assert(offsetof(struct dsmap__frame_wire_reject, reasonlen) == 10, "reject layout");

/* The largest frame of each type fits, and every count fits its field. */
_Static_assert(sizeof(struct dsmap__frame_wire_record) +
               DSMAP__FRAME_MAX_IDS * DSMAP__FRAME_ID_SIZE + DSMAP__FRAME_MAX_CATS * 4 +
               DSMAP__FRAME_LOCATOR_MAX <= DSMAP__FRAME_MAX, "the largest record fits a frame");
_Static_assert(sizeof(struct dsmap__frame_wire_invalid) + DSMAP__FRAME_REASON_MAX <=
               DSMAP__FRAME_MAX, "the longest reason fits a frame");
_Static_assert(sizeof(struct dsmap__frame_wire_error) + DSMAP__FRAME_MESSAGE_MAX ==
               DSMAP__FRAME_MAX, "the longest message fills a frame");
_Static_assert(DSMAP__FRAME_MAX_IDS <= UINT8_MAX && DSMAP__FRAME_MAX_CATS <= UINT16_MAX &&
               DSMAP__FRAME_LOCATOR_MAX <= UINT16_MAX && DSMAP__FRAME_REASON_MAX <= UINT16_MAX,
               "the limits fit their fields");

/* By enum dsmap__frame_order. */
static const unsigned char magics[2][3] = { { 'D', 'S', 'M' }, { 'D', 'S', 'W' } };

/* Integers in or out: native (memcpy) for a pipe frame, little-endian
 * byte by byte for a wire frame.  `le` is 1 for the wire. */
static void putn(unsigned char *p, uint64_t v, size_t n, int le)
{
	size_t i;

	if (!le) {
		uint16_t v16 = (uint16_t)v;
		uint32_t v32 = (uint32_t)v;

		if (n == 2)
			memcpy(p, &v16, 2);
		else if (n == 4)
			memcpy(p, &v32, 4);
		else
			memcpy(p, &v, 8);
		return;
	}
	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t getn(const unsigned char *p, size_t n, int le)
{
	uint64_t v = 0;
	size_t i;

	if (!le) {
		uint16_t v16;
		uint32_t v32;

		if (n == 2) {
			memcpy(&v16, p, 2);
			return v16;
		}
		if (n == 4) {
			memcpy(&v32, p, 4);
			return v32;
		}
		memcpy(&v, p, 8);
		return v;
	}
	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

#define put16(p, v) putn((p), (uint16_t)(v), 2, le)
#define put32(p, v) putn((p), (uint32_t)(v), 4, le)
#define put64(p, v) putn((p), (uint64_t)(v), 8, le)
#define get16(p) ((uint16_t)getn((p), 2, le))
#define get32(p) ((uint32_t)getn((p), 4, le))
#define get64(p) getn((p), 8, le)

/* NULL when the fields of `f` make a frame the format allows; else why not. */
static const char *check(const struct dsmap__frame *f)
{
	size_t i;

	switch (f->type) {
	case DSMAP__FRAME_RECORD: {
		const struct dsmap__frame_record *r = &f->record;

		if (r->id_count == 0)
			return "a record with no identifier";
		if (r->id_count > DSMAP__FRAME_MAX_IDS)
			return "a record with more identifiers than a frame takes";
		if (r->cat_count > DSMAP__FRAME_MAX_CATS)
			return "a record with more categories than a frame takes";
		if (r->loc_len > DSMAP__FRAME_LOCATOR_MAX)
			return "a record with a locator longer than a frame takes";
		if (r->ids == NULL || (r->cat_count > 0 && r->cats == NULL) ||
		    (r->loc_len > 0 && r->loc == NULL))
			return "a record with a NULL view";
		for (i = 0; i < r->id_count; i++)
			if (dsmap_ident_kind_name(r->ids[i * DSMAP__FRAME_ID_SIZE]) == NULL)
				return "a record with an identifier of no kind dsmap knows";
		return NULL;
	}
	case DSMAP__FRAME_UNMAPPED:
		if (f->unmapped.facet != DSMAP__FRAME_FACET_KIND &&
		    f->unmapped.facet != DSMAP__FRAME_FACET_BRAND)
			return "an unmapped value of no facet dsmap knows";
		return NULL;
	case DSMAP__FRAME_INVALID:
		if (f->invalid.kind != 0 && dsmap_ident_kind_name(f->invalid.kind) == NULL)
			return "an invalid identifier of no kind dsmap knows";
		if (f->invalid.reason_len > DSMAP__FRAME_REASON_MAX)
			return "a reason longer than a frame takes";
		if (f->invalid.reason_len > 0 && f->invalid.reason == NULL)
			return "a NULL reason";
		return NULL;
	case DSMAP__FRAME_REJECT:
		if (f->reject.reason_len > DSMAP__FRAME_REASON_MAX)
			return "a reason longer than a frame takes";
		if (f->reject.reason_len > 0 && f->reject.reason == NULL)
			return "a NULL reason";
		return NULL;
	case DSMAP__FRAME_END:
		return NULL;
	case DSMAP__FRAME_ERROR:
		if (f->error.msg_len > DSMAP__FRAME_MESSAGE_MAX)
			return "a message longer than a frame takes";
		if (f->error.msg_len > 0 && f->error.msg == NULL)
			return "a NULL message";
		return NULL;
	default:
		return "a frame of no type dsmap knows";
	}
}

size_t dsmap__frame_size(const struct dsmap__frame *f)
{
	size_t n;

	switch (f->type) {
	case DSMAP__FRAME_RECORD:
		if (f->record.id_count > DSMAP__FRAME_MAX_IDS ||
		    f->record.cat_count > DSMAP__FRAME_MAX_CATS ||
		    f->record.loc_len > DSMAP__FRAME_LOCATOR_MAX)
			return 0;
		n = sizeof(struct dsmap__frame_wire_record) + f->record.id_count * DSMAP__FRAME_ID_SIZE +
		    f->record.cat_count * 4 + f->record.loc_len;
		break;
	case DSMAP__FRAME_UNMAPPED:
		n = sizeof(struct dsmap__frame_wire_unmapped);
		break;
	case DSMAP__FRAME_INVALID:
		if (f->invalid.reason_len > DSMAP__FRAME_REASON_MAX)
			return 0;
		n = sizeof(struct dsmap__frame_wire_invalid) + f->invalid.reason_len;
		break;
	case DSMAP__FRAME_REJECT:
		if (f->reject.reason_len > DSMAP__FRAME_REASON_MAX)
			return 0;
		n = sizeof(struct dsmap__frame_wire_reject) + f->reject.reason_len;
		break;
	case DSMAP__FRAME_END:
		n = sizeof(struct dsmap__frame_wire_end);
		break;
	case DSMAP__FRAME_ERROR:
		if (f->error.msg_len > DSMAP__FRAME_MESSAGE_MAX)
			return 0;
		n = sizeof(struct dsmap__frame_wire_error) + f->error.msg_len;
		break;
	default:
		return 0;
	}
	return DSMAP__FRAME_HEADER + n;
}

/* ---- encoding --------------------------------------------------------------------- */

/* `n` bytes from `src` at *p, moving *p on; `src` may be NULL when `n` is 0. */
static void out(unsigned char **p, const void *src, size_t n)
{
	if (n > 0)
		memcpy(*p, src, n);
	*p += n;
}

/* A record's categories, `n` of them from its view, in the frame's order. */
static void out_cats(unsigned char **p, const struct dsmap__frame_record *r, int le)
{
	size_t i;

	if (r->cats_le == le) {
		out(p, r->cats, r->cat_count * 4);   /* already in the frame's order */
		return;
	}
	for (i = 0; i < r->cat_count; i++, *p += 4)
		putn(*p, dsmap__frame_cat(r, i), 4, le);
}

int dsmap__frame_encode(unsigned char *buf, size_t cap, size_t *used, const char **why,
                        const struct dsmap__frame *f)
{
	return dsmap__frame_encode_as(DSMAP__FRAME_PIPE, buf, cap, used, why, f);
}

int dsmap__frame_encode_as(enum dsmap__frame_order order, unsigned char *buf, size_t cap,
                           size_t *used, const char **why, const struct dsmap__frame *f)
{
	struct dsmap__frame_wire_header h;
	const char *bad;
	unsigned char *p = buf;
	int le = order == DSMAP__FRAME_WIRE;
	size_t n;

	*used = 0;
	if (order != DSMAP__FRAME_PIPE && order != DSMAP__FRAME_WIRE) {
		bad = "no byte order dsmap knows";
		goto refuse;
	}
	if ((bad = check(f)) != NULL)
		goto refuse;
	n = dsmap__frame_size(f);
	if (n > cap) {
		bad = "no room for the frame";
		goto refuse;
	}
	h.type = (unsigned char)f->type;
	memcpy(h.magic, magics[le], sizeof(h.magic));
	put32(h.len, (uint32_t)(n - DSMAP__FRAME_HEADER));
	out(&p, &h, sizeof(h));

	switch (f->type) {
	case DSMAP__FRAME_RECORD: {
		const struct dsmap__frame_record *r = &f->record;
		struct dsmap__frame_wire_record w;

		put64(w.number, r->number);
		put64(w.first, r->first);     /* two's complement, as the decoder reads it */
		put64(w.last, r->last);
		put16(w.source, r->source);
		w.nids = (unsigned char)r->id_count;
		w.reserved = 0;
		put16(w.ncats, (uint16_t)r->cat_count);
		put16(w.loclen, (uint16_t)r->loc_len);
		put32(w.kinds, r->kinds);
		put32(w.brands, r->brands);
		out(&p, &w, sizeof(w));
		out(&p, r->ids, r->id_count * DSMAP__FRAME_ID_SIZE);
		out_cats(&p, r, le);
		out(&p, r->loc, r->loc_len);
		break;
	}
	case DSMAP__FRAME_UNMAPPED: {
		struct dsmap__frame_wire_unmapped w;

		put64(w.number, f->unmapped.number);
		put16(w.source, f->unmapped.source);
		w.facet = (unsigned char)f->unmapped.facet;
		w.reserved = 0;
		out(&p, &w, sizeof(w));
		break;
	}
	case DSMAP__FRAME_INVALID: {
		struct dsmap__frame_wire_invalid w;

		put64(w.number, f->invalid.number);
		put16(w.source, f->invalid.source);
		w.kind = (unsigned char)f->invalid.kind;
		w.reserved = 0;
		put16(w.reasonlen, (uint16_t)f->invalid.reason_len);
		out(&p, &w, sizeof(w));
		out(&p, f->invalid.reason, f->invalid.reason_len);
		break;
	}
	case DSMAP__FRAME_REJECT: {
		struct dsmap__frame_wire_reject w;

		put64(w.number, f->reject.number);
		put16(w.source, f->reject.source);
		put16(w.reasonlen, (uint16_t)f->reject.reason_len);
		out(&p, &w, sizeof(w));
		out(&p, f->reject.reason, f->reject.reason_len);
		break;
	}
	case DSMAP__FRAME_END: {
		struct dsmap__frame_wire_end w;

		put64(w.records, f->end.records);
		out(&p, &w, sizeof(w));
		break;
	}
	case DSMAP__FRAME_ERROR: {
		struct dsmap__frame_wire_error w;

		put32(w.code, (uint32_t)f->error.code);
		out(&p, &w, sizeof(w));
		out(&p, f->error.msg, f->error.msg_len);
		break;
	}
	}
	*used = n;
	return 0;
refuse:
	if (why != NULL)
		*why = bad;
	return DSMAP_EINVALID;
}

/* ---- decoding --------------------------------------------------------------------- */

/* The payload `p` of `n` bytes into *f (whose type is set); NULL, or why
 * it is malformed.  Every view is made only once the lengths that place
 * it have been checked against `n`. */
static const char *payload(struct dsmap__frame *f, const unsigned char *p, size_t n, int le)
{
	switch (f->type) {
	case DSMAP__FRAME_RECORD: {
		struct dsmap__frame_record *r = &f->record;
		struct dsmap__frame_wire_record w;

		if (n < sizeof(w))
			return "a record shorter than its fixed part";
		memcpy(&w, p, sizeof(w));
		if (w.reserved != 0)
			return "a record whose reserved byte is not 0";
		r->number = get64(w.number);
		r->first = (int64_t)get64(w.first);
		r->last = (int64_t)get64(w.last);
		r->source = get16(w.source);
		r->kinds = get32(w.kinds);
		r->brands = get32(w.brands);
		r->id_count = w.nids;
		r->cat_count = get16(w.ncats);
		r->loc_len = get16(w.loclen);
		/* at most 255 x 17 + 65535 x 4 + 65535 bytes: no overflow */
		if (n != sizeof(w) + r->id_count * DSMAP__FRAME_ID_SIZE + r->cat_count * 4 + r->loc_len)
			return "a record whose counts disagree with its length";
		r->ids = p + sizeof(w);
		r->cats = r->ids + r->id_count * DSMAP__FRAME_ID_SIZE;
		r->loc = (const char *)(r->cats + r->cat_count * 4);
		r->cats_le = le;
		return NULL;
	}
	case DSMAP__FRAME_UNMAPPED: {
		struct dsmap__frame_wire_unmapped w;

		if (n != sizeof(w))
			return "an unmapped value frame of the wrong length";
		memcpy(&w, p, sizeof(w));
		if (w.reserved != 0)
			return "an unmapped value frame whose reserved byte is not 0";
		f->unmapped.number = get64(w.number);
		f->unmapped.source = get16(w.source);
		f->unmapped.facet = w.facet;
		return NULL;
	}
	case DSMAP__FRAME_INVALID: {
		struct dsmap__frame_wire_invalid w;

		if (n < sizeof(w))
			return "an invalid identifier frame shorter than its fixed part";
		memcpy(&w, p, sizeof(w));
		if (w.reserved != 0)
			return "an invalid identifier frame whose reserved byte is not 0";
		f->invalid.number = get64(w.number);
		f->invalid.source = get16(w.source);
		f->invalid.kind = w.kind;
		f->invalid.reason_len = get16(w.reasonlen);
		if (n != sizeof(w) + f->invalid.reason_len)
			return "an invalid identifier frame whose reason length disagrees with its length";
		f->invalid.reason = (const char *)p + sizeof(w);
		return NULL;
	}
	case DSMAP__FRAME_REJECT: {
		struct dsmap__frame_wire_reject w;

		if (n < sizeof(w))
			return "a rejected record frame shorter than its fixed part";
		memcpy(&w, p, sizeof(w));
		f->reject.number = get64(w.number);
		f->reject.source = get16(w.source);
		f->reject.reason_len = get16(w.reasonlen);
		if (n != sizeof(w) + f->reject.reason_len)
			return "a rejected record frame whose reason length disagrees with its length";
		f->reject.reason = (const char *)p + sizeof(w);
		return NULL;
	}
	case DSMAP__FRAME_END: {
		struct dsmap__frame_wire_end w;

		if (n != sizeof(w))
			return "an end frame of the wrong length";
		memcpy(&w, p, sizeof(w));
		f->end.records = get64(w.records);
		return NULL;
	}
	case DSMAP__FRAME_ERROR: {
		struct dsmap__frame_wire_error w;

		if (n < sizeof(w))
			return "an error frame shorter than its code";
		memcpy(&w, p, sizeof(w));
		f->error.code = (int32_t)get32(w.code);
		f->error.msg_len = n - sizeof(w);
		f->error.msg = (const char *)p + sizeof(w);
		return NULL;
	}
	default:
		return "a frame of no type dsmap knows";
	}
}

int dsmap__frame_decode(struct dsmap__frame *f, size_t *used, const char **why,
                        const unsigned char *buf, size_t len)
{
	return dsmap__frame_decode_as(DSMAP__FRAME_PIPE, f, used, why, buf, len);
}

int dsmap__frame_decode_as(enum dsmap__frame_order order, struct dsmap__frame *f, size_t *used,
                           const char **why, const unsigned char *buf, size_t len)
{
	struct dsmap__frame_wire_header h;
	const char *bad;
	int le = order == DSMAP__FRAME_WIRE;
	size_t n;

	memset(f, 0, sizeof(*f));
	*used = 0;
	if (order != DSMAP__FRAME_PIPE && order != DSMAP__FRAME_WIRE) {
		bad = "no byte order dsmap knows";
		goto fail;
	}
	if (len < sizeof(h))
		return 0;
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, magics[le], sizeof(h.magic)) != 0) {
		bad = memcmp(h.magic, magics[!le], sizeof(h.magic)) == 0 ?
		      (le ? "not a frame (a pipe frame, where a wire frame was expected)" :
		            "not a frame (a wire frame, where a pipe frame was expected)") :
		      "not a frame";
		goto fail;
	}
	if ((n = get32(h.len)) > DSMAP__FRAME_MAX) {
		bad = "a frame header announcing more than the longest frame";
		goto fail;
	}
	if (len - sizeof(h) < n)
		return 0;
	f->type = h.type;
	*used = sizeof(h) + n;
	if ((bad = payload(f, buf + sizeof(h), n, le)) != NULL || (bad = check(f)) != NULL)
		goto fail;
	return 0;
fail:
	if (why != NULL)
		*why = bad;
	return DSMAP_EINVALID;
}
