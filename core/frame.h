/*
 * Internal: the frames a runner (runner.c) streams to the scan process
 * (scan.c) over a pipe.  This module is the one place that knows their
 * layout: the runner encodes through it, the scan decodes through it.
 *
 * Two byte orders, one layout:
 *  - pipe frames (magic "DSM"): both ends are the same program on the same
 *    machine, and the frame is never stored or sent further: integers are
 *    in native byte order.  The runner writes these, the scan reads them.
 *  - wire frames (magic "DSW"): the same frames crossing machines (an
 *    agent publishing to NATS JetStream, a coordinator consuming, issue 18):
 *    every integer, the categories included, is little-endian whatever the
 *    host.  The other magic is the version flag: a decoder of one order
 *    refuses a frame of the other as "not a frame", so a frame can never be
 *    read in the wrong order.
 *
 * A frame is an 8-byte header, then `len` bytes of payload:
 *   u8 type, the three bytes "DSM" (pipe) or "DSW" (wire), u32 len (at
 *   most DSMAP__FRAME_MAX).
 * Payloads, packed as written (the wire structs below, whose sizes frame.c
 * pins with _Static_assert):
 *   'R' record:   u64 number, i64 first, i64 last, u16 source, u8 nids,
 *                 u8 0, u16 ncats, u16 loclen, u32 subject kinds, u32 brands
 *                 (facet masks, 0: unknown), then nids x (u8 kind, 16-byte
 *                 hash), the first being the subject's; ncats x u32 catbit;
 *                 loclen bytes of locator.
 *   'U' a facet not mapped: u64 number, u16 source, u8 facet (0 subject
 *                 kind, 1 brand), u8 0: the record's value of the facet's
 *                 field is none of its `values`, and it has no default (the
 *                 value itself never crosses).
 *   'I' invalid identifier: u64 number, u16 source, u8 kind (0: the
 *                 record's, not one identifier's), u8 0, u16 reasonlen,
 *                 reason.
 *   'J' rejected record: u64 number, u16 source, u16 reasonlen, reason.
 *   'E' end:      u64 records read.
 *   'X' error:    i32 DSMAP_E* code, then the message (the rest of the
 *                 payload).
 *
 * The decoder is a pure function over a byte buffer: it reads no byte past
 * the length it is given, allocates nothing and touches no global state,
 * so that a fuzzer can call it on anything.  It checks a frame's shape:
 * the magic, the payload length against DSMAP__FRAME_MAX, every length and
 * count inside the payload against the payload's length and the limits
 * below, reserved bytes (0), the type, and the identifier kinds and facet
 * numbers dsmap knows.  What the values mean for one system (a source
 * index, a category number, facet bits) it cannot know: the scan checks
 * those against the job.  The encoder refuses what the decoder would, so
 * what it writes decodes to the struct it was given.
 */
#ifndef DSMAP_CORE_FRAME_H
#define DSMAP_CORE_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dsmap/ident.h"

/* ---- sizes and limits ---------------------------------------------------------- */

#define DSMAP__FRAME_HEADER 8
#define DSMAP__FRAME_MAX 16384                  /* the largest payload */
#define DSMAP__FRAME_ID_SIZE (1 + DSMAP_IDENT_HASH_SIZE) /* u8 kind, hash */
#define DSMAP__FRAME_MAX_IDS 32                 /* distinct identifiers per record */
#define DSMAP__FRAME_MAX_CATS 1024              /* distinct categories per record */
#define DSMAP__FRAME_LOCATOR_MAX 512
#define DSMAP__FRAME_REASON_MAX 512
#define DSMAP__FRAME_MESSAGE_MAX (DSMAP__FRAME_MAX - 4) /* an 'X' frame's message */

/* The byte order of a frame's integers (see above). */
enum dsmap__frame_order {
	DSMAP__FRAME_PIPE = 0,        /* native, magic "DSM": runner -> scan */
	DSMAP__FRAME_WIRE = 1         /* little-endian, magic "DSW": agent -> coordinator */
};

enum dsmap__frame_type {
	DSMAP__FRAME_RECORD = 'R',
	DSMAP__FRAME_UNMAPPED = 'U',
	DSMAP__FRAME_INVALID = 'I',
	DSMAP__FRAME_REJECT = 'J',
	DSMAP__FRAME_END = 'E',
	DSMAP__FRAME_ERROR = 'X'
};

/* The facet a 'U' frame names. */
enum { DSMAP__FRAME_FACET_KIND = 0, DSMAP__FRAME_FACET_BRAND = 1 };

/* ---- the wire: header and fixed parts, byte for byte ----------------------------- */

/* Byte arrays only, so that there is no padding and no alignment to
 * respect: the codec copies a fixed part in or out with one memcpy, and
 * frame.c asserts each size. */
struct dsmap__frame_wire_header {
	unsigned char type;
	unsigned char magic[3];       /* "DSM" */
	unsigned char len[4];         /* u32 */
};

struct dsmap__frame_wire_record {
	unsigned char number[8];      /* u64 */
	unsigned char first[8];       /* i64 */
	unsigned char last[8];        /* i64 */
	unsigned char source[2];      /* u16 */
	unsigned char nids;
	unsigned char reserved;       /* 0 */
	unsigned char ncats[2];       /* u16 */
	unsigned char loclen[2];      /* u16 */
	unsigned char kinds[4];       /* u32 */
	unsigned char brands[4];      /* u32 */
};

struct dsmap__frame_wire_unmapped {
	unsigned char number[8];      /* u64 */
	unsigned char source[2];      /* u16 */
	unsigned char facet;
	unsigned char reserved;       /* 0 */
};

struct dsmap__frame_wire_invalid {
	unsigned char number[8];      /* u64 */
	unsigned char source[2];      /* u16 */
	unsigned char kind;
	unsigned char reserved;       /* 0 */
	unsigned char reasonlen[2];   /* u16 */
};

struct dsmap__frame_wire_reject {
	unsigned char number[8];      /* u64 */
	unsigned char source[2];      /* u16 */
	unsigned char reasonlen[2];   /* u16 */
};

struct dsmap__frame_wire_end {
	unsigned char records[8];     /* u64 */
};

struct dsmap__frame_wire_error {
	unsigned char code[4];        /* i32 */
};

/* ---- frames as the two ends see them --------------------------------------------- */

/* The views (ids, cats, loc, reason, msg) point into the buffer decoded
 * from, or at the encoder's input: borrowed, never owned. */

struct dsmap__frame_record {
	uint64_t number;              /* the plugin's record number */
	int64_t first, last;          /* the record's timestamps, 0: unknown */
	uint16_t source;              /* index in the system's sources */
	uint32_t kinds, brands;       /* facet masks, 0: unknown */
	size_t id_count;              /* 1..DSMAP__FRAME_MAX_IDS */
	const unsigned char *ids;     /* id_count x DSMAP__FRAME_ID_SIZE; the first the subject's */
	size_t cat_count;             /* 0..DSMAP__FRAME_MAX_CATS */
	const unsigned char *cats;    /* cat_count x u32, maybe unaligned, in native
	                               * order or little-endian (cats_le): read with
	                               * dsmap__frame_cat() */
	size_t loc_len;               /* 0..DSMAP__FRAME_LOCATOR_MAX */
	const char *loc;
	int cats_le;                  /* 1: `cats` is little-endian (the decoder sets
	                               * it for a wire frame); 0: native (what the
	                               * runner gives the encoder) */
};

struct dsmap__frame_unmapped {
	uint64_t number;
	uint16_t source;
	int facet;                    /* DSMAP__FRAME_FACET_KIND or _BRAND */
};

struct dsmap__frame_invalid {
	uint64_t number;
	uint16_t source;
	int kind;                     /* an identifier kind; 0: the record as a whole */
	size_t reason_len;            /* 0..DSMAP__FRAME_REASON_MAX */
	const char *reason;           /* not NUL-terminated */
};

struct dsmap__frame_reject {
	uint64_t number;
	uint16_t source;
	size_t reason_len;            /* 0..DSMAP__FRAME_REASON_MAX */
	const char *reason;           /* not NUL-terminated */
};

struct dsmap__frame_end {
	uint64_t records;             /* records read, rejected ones included */
};

struct dsmap__frame_error {
	int32_t code;                 /* as sent: the scan bounds it (DSMAP__E_LOWEST) */
	size_t msg_len;               /* 0..DSMAP__FRAME_MESSAGE_MAX */
	const char *msg;              /* not NUL-terminated */
};

struct dsmap__frame {
	int type;                     /* enum dsmap__frame_type: which member holds */
	union {
		struct dsmap__frame_record record;
		struct dsmap__frame_unmapped unmapped;
		struct dsmap__frame_invalid invalid;
		struct dsmap__frame_reject reject;
		struct dsmap__frame_end end;
		struct dsmap__frame_error error;
	};
};

/* Category `i` of a record, in either order its view may have. */
static inline uint32_t dsmap__frame_cat(const struct dsmap__frame_record *r, size_t i)
{
	const unsigned char *p = r->cats + i * 4;
	uint32_t v;

	if (r->cats_le)
		return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		       (uint32_t)p[3] << 24;
	memcpy(&v, p, 4);
	return v;
}

/* ---- encoding --------------------------------------------------------------------- */

/*
 * The bytes `f` takes as a frame, header included; 0 when its type is
 * unknown or a count is above the format's limits (then nothing is
 * computed that could overflow).  Encoding may still refuse it.
 */
size_t dsmap__frame_size(const struct dsmap__frame *f);

/*
 * Write `f` as one pipe frame (native order) at `buf`, which has room for
 * `cap` bytes.
 * Returns 0 and sets *used to the bytes written (dsmap__frame_size(f));
 * DSMAP_EINVALID when `f` is not a frame the decoder would accept or does
 * not fit in `cap`, with *why (when not NULL) set to a constant that says
 * why, and nothing written.  Sets no last error.
 */
int dsmap__frame_encode(unsigned char *buf, size_t cap, size_t *used, const char **why,
                        const struct dsmap__frame *f);

/*
 * dsmap__frame_encode() in the byte order `order`: DSMAP__FRAME_WIRE
 * writes a wire frame (little-endian, magic "DSW"), the same size as the
 * pipe frame.  A record's categories are read in the order its view says
 * (cats_le), so a decoded frame of either order re-encodes into the other.
 */
int dsmap__frame_encode_as(enum dsmap__frame_order order, unsigned char *buf, size_t cap,
                           size_t *used, const char **why, const struct dsmap__frame *f);

/* ---- decoding --------------------------------------------------------------------- */

/*
 * Decode the frame that starts at `buf`, of which `len` bytes are there.
 * Pure: reads only buf[0..len), writes only *f, *used and *why.
 *
 * Returns 0 and sets *used to the frame's size when a whole, well-formed
 * frame was decoded into *f (its views point into `buf`); 0 with *used
 * set to 0 when `buf` holds less than the whole frame (fewer than
 * DSMAP__FRAME_HEADER bytes, or fewer than the header announces, which is
 * never more than DSMAP__FRAME_HEADER + DSMAP__FRAME_MAX): wait for more.
 * Returns DSMAP_EINVALID, *why (when not NULL) a constant that says what
 * was wrong, when it is not a frame (a bad magic or length: *used 0, and
 * nothing after it can be trusted) or a malformed one (*used its size).
 * Sets no last error.
 */
int dsmap__frame_decode(struct dsmap__frame *f, size_t *used, const char **why,
                        const unsigned char *buf, size_t len);

/*
 * dsmap__frame_decode() of frames in the byte order `order`; the same
 * rules, and a frame of the other order is "not a frame" (*used 0).  A
 * record decoded from a wire frame has cats_le set.
 */
int dsmap__frame_decode_as(enum dsmap__frame_order order, struct dsmap__frame *f, size_t *used,
                           const char **why, const unsigned char *buf, size_t len);

#endif
