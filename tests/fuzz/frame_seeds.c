/*
 * The seeds of the frame fuzz target (frame_fuzzer.c): real frames, written
 * by the codec's own encoder (core/frame.h), one file each, into DIR.
 *
 *     tests/fuzz/frame-seeds [--wire] DIR
 *
 * Each frame type in a few shapes (the smallest and the largest a frame
 * takes), streams of frames as a runner sends them, and a few frames
 * damaged at one field after encoding (a bad magic, a length above the
 * limit, counts that disagree, a reserved byte, an unknown type or kind),
 * so that the fuzzer starts from both sides of every check.  Integers are
 * in native byte order, as on the pipe (seeds made on a big-endian machine
 * differ), or with --wire little-endian, as wire frames (magic "DSW") are
 * on every host.  make check builds this program but does not run it; the
 * committed corpus/frame/ is its output on x86-64, with and without
 * --wire.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsmap/errors.h"
#include "dsmap/ident.h"
#include "frame.h"

#define FRAME_CAP (DSMAP__FRAME_HEADER + DSMAP__FRAME_MAX)

static const char *dir;
static enum dsmap__frame_order order = DSMAP__FRAME_PIPE;
static unsigned char ids[DSMAP__FRAME_MAX_IDS][DSMAP__FRAME_ID_SIZE];
static uint32_t cats[DSMAP__FRAME_MAX_CATS];
static char text[DSMAP__FRAME_MESSAGE_MAX];

/* A stream being written: frames one after the other. */
struct stream {
	unsigned char buf[4 * FRAME_CAP];
	size_t len;
};

static void die(const char *what, const char *why)
{
	fprintf(stderr, "frame-seeds: %s: %s\n", what, why);
	exit(1);
}

static void add(struct stream *s, const struct dsmap__frame *f)
{
	const char *why = "";
	size_t used;

	if (dsmap__frame_encode_as(order, s->buf + s->len, sizeof(s->buf) - s->len, &used, &why,
	                          f) < 0)
		die("the encoder refused a seed", why);
	s->len += used;
}

static void save(const char *name, const unsigned char *b, size_t len)
{
	char path[4096];
	FILE *out;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		die(name, "path too long");
	if ((out = fopen(path, "wb")) == NULL || fwrite(b, 1, len, out) != len || fclose(out) != 0)
		die(path, strerror(errno));
}

/* An integer of `n` bytes written at `p` in the seeds' order. */
static void put(unsigned char *p, uint32_t v, size_t n)
{
	size_t i;

	if (order == DSMAP__FRAME_WIRE) {
		for (i = 0; i < n; i++)
			p[i] = (unsigned char)(v >> (8 * i));
	} else if (n == 2) {
		uint16_t x = (uint16_t)v;

		memcpy(p, &x, 2);
	} else {
		memcpy(p, &v, 4);
	}
}

/* One frame alone, saved as `name`. */
static void one(const char *name, const struct dsmap__frame *f)
{
	static struct stream s;

	s.len = 0;
	add(&s, f);
	save(name, s.buf, s.len);
}

static struct dsmap__frame record(size_t nids, size_t ncats, const char *loc, size_t loclen)
{
	struct dsmap__frame f;

	memset(&f, 0, sizeof(f));
	f.type = DSMAP__FRAME_RECORD;
	f.record.number = 42;
	f.record.first = 1700000000;
	f.record.last = 1765000000;
	f.record.source = 1;
	f.record.kinds = 1u << 0;
	f.record.brands = 1u << 2;
	f.record.id_count = nids;
	f.record.ids = ids[0];
	f.record.cat_count = ncats;
	f.record.cats = ncats ? (const unsigned char *)cats : NULL;
	f.record.loc_len = loclen;
	f.record.loc = loclen ? loc : NULL;
	return f;
}

static struct dsmap__frame unmapped(int facet)
{
	struct dsmap__frame f;

	memset(&f, 0, sizeof(f));
	f.type = DSMAP__FRAME_UNMAPPED;
	f.unmapped.number = 7;
	f.unmapped.source = 0;
	f.unmapped.facet = facet;
	return f;
}

static struct dsmap__frame invalid(int kind, const char *reason, size_t len)
{
	struct dsmap__frame f;

	memset(&f, 0, sizeof(f));
	f.type = DSMAP__FRAME_INVALID;
	f.invalid.number = 3;
	f.invalid.source = 0;
	f.invalid.kind = kind;
	f.invalid.reason = reason;
	f.invalid.reason_len = len;
	return f;
}

static struct dsmap__frame reject(const char *reason, size_t len)
{
	struct dsmap__frame f;

	memset(&f, 0, sizeof(f));
	f.type = DSMAP__FRAME_REJECT;
	f.reject.number = 4;
	f.reject.source = 1;
	f.reject.reason = reason;
	f.reject.reason_len = len;
	return f;
}

static struct dsmap__frame end(uint64_t records)
{
	struct dsmap__frame f;

	memset(&f, 0, sizeof(f));
	f.type = DSMAP__FRAME_END;
	f.end.records = records;
	return f;
}

static struct dsmap__frame xerror(int32_t code, const char *msg, size_t len)
{
	struct dsmap__frame f;

	memset(&f, 0, sizeof(f));
	f.type = DSMAP__FRAME_ERROR;
	f.error.code = code;
	f.error.msg = msg;
	f.error.msg_len = len;
	return f;
}

/* The frame `f` with the byte at `at` (from the frame's start) set to `v`. */
static void damaged(const char *name, const struct dsmap__frame *f, size_t at, unsigned char v)
{
	static struct stream s;

	s.len = 0;
	add(&s, f);
	if (at >= s.len)
		die(name, "no such byte");
	s.buf[at] = v;
	save(name, s.buf, s.len);
}

#define STR(s) s, sizeof(s) - 1
#define PAYLOAD(off) (DSMAP__FRAME_HEADER + (off))

int main(int argc, char **argv)
{
	static const char loc[] = "customers:rowid=42";
	static struct stream s;
	struct dsmap__frame f;
	size_t i, k;

	if (argc == 3 && strcmp(argv[1], "--wire") == 0) {
		order = DSMAP__FRAME_WIRE;
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: %s [--wire] DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	for (i = 0; i < DSMAP__FRAME_MAX_IDS; i++) {
		ids[i][0] = (unsigned char)(DSMAP_ID_EMAIL + i % DSMAP_ID_DEVICE_ID);
		for (k = 0; k < DSMAP_IDENT_HASH_SIZE; k++)
			ids[i][1 + k] = (unsigned char)(i * 31 + k);
	}
	for (i = 0; i < DSMAP__FRAME_MAX_CATS; i++)
		cats[i] = (uint32_t)(i * 3);
	memset(text, 'm', sizeof(text));

	/* each type */
	f = record(3, 3, STR(loc));
	one("record", &f);
	f = record(1, 0, NULL, 0);
	one("record-one-id", &f);
	f = record(DSMAP__FRAME_MAX_IDS, DSMAP__FRAME_MAX_CATS, text, DSMAP__FRAME_LOCATOR_MAX);
	one("record-largest", &f);
	f = unmapped(DSMAP__FRAME_FACET_KIND);
	one("unmapped-kind", &f);
	f = unmapped(DSMAP__FRAME_FACET_BRAND);
	one("unmapped-brand", &f);
	f = invalid(DSMAP_ID_EMAIL, STR("invalid e-mail address: no '@'"));
	one("invalid-email", &f);
	f = invalid(0, text, DSMAP__FRAME_REASON_MAX);
	one("invalid-record-longest-reason", &f);
	f = reject(STR("no identifier"));
	one("reject", &f);
	f = reject(NULL, 0);
	one("reject-no-reason", &f);
	f = end(1234567);
	one("end", &f);
	f = xerror(DSMAP_EIO, STR("cannot reach the source"));
	one("error", &f);
	f = xerror(-12345, text, DSMAP__FRAME_MESSAGE_MAX);
	one("error-longest", &f);

	/* streams, as a runner sends them */
	s.len = 0;
	f = record(2, 1, STR(loc));
	add(&s, &f);
	f = invalid(DSMAP_ID_PHONE, STR("not a phone number"));
	add(&s, &f);
	f = reject(STR("a row with 3 fields, the header has 4"));
	add(&s, &f);
	f = unmapped(DSMAP__FRAME_FACET_BRAND);
	add(&s, &f);
	f = record(1, 2, STR("line 9"));
	add(&s, &f);
	f = end(3);
	add(&s, &f);
	save("stream", s.buf, s.len);
	save("stream-cut", s.buf, s.len - 5);          /* the end frame not there yet */
	s.len = 0;
	f = record(1, 0, STR("1"));
	add(&s, &f);
	f = xerror(DSMAP_EINVALID, STR("bad option 'delimiter'"));
	add(&s, &f);
	save("stream-error", s.buf, s.len);
	s.len = 0;
	f = end(0);
	add(&s, &f);
	save("header-only", s.buf, DSMAP__FRAME_HEADER);
	/* a frame of the other order after one of this order: not a frame */
	s.len = 0;
	f = record(1, 1, STR("line 3"));
	add(&s, &f);
	order = order == DSMAP__FRAME_WIRE ? DSMAP__FRAME_PIPE : DSMAP__FRAME_WIRE;
	f = end(1);
	add(&s, &f);
	order = order == DSMAP__FRAME_WIRE ? DSMAP__FRAME_PIPE : DSMAP__FRAME_WIRE;
	save("stream-orders-mixed", s.buf, s.len);

	/* damaged after encoding, one field each */
	f = end(1);
	damaged("bad-magic", &f, 3, 'X');
	s.len = 0;
	add(&s, &f);
	put(s.buf + 4, DSMAP__FRAME_MAX + 1, 4);
	save("length-over-max", s.buf, s.len);
	damaged("unknown-type", &f, 0, 'Z');
	f = record(3, 3, STR(loc));
	damaged("record-reserved", &f, PAYLOAD(27), 1);
	damaged("record-ncats-disagrees", &f, PAYLOAD(28), 4);
	damaged("record-unknown-kind", &f, PAYLOAD(40 + DSMAP__FRAME_ID_SIZE), 0);
	f = record(1, 0, STR(loc));                     /* no identifier, lengths agree */
	s.len = 0;
	add(&s, &f);
	s.buf[PAYLOAD(26)] = 0;
	put(s.buf + PAYLOAD(30), (uint32_t)(sizeof(loc) - 1 + DSMAP__FRAME_ID_SIZE), 2);
	save("record-no-id", s.buf, s.len);
	f = record(DSMAP__FRAME_MAX_IDS, 0, NULL, 0);  /* one identifier too many */
	s.len = 0;
	add(&s, &f);
	memcpy(s.buf + s.len, ids[0], DSMAP__FRAME_ID_SIZE);
	s.len += DSMAP__FRAME_ID_SIZE;
	s.buf[PAYLOAD(26)] = DSMAP__FRAME_MAX_IDS + 1;
	put(s.buf + 4, (uint32_t)(s.len - DSMAP__FRAME_HEADER), 4);
	save("record-too-many-ids", s.buf, s.len);
	f = unmapped(DSMAP__FRAME_FACET_KIND);
	damaged("unmapped-facet-2", &f, PAYLOAD(10), 2);
	f = invalid(DSMAP_ID_IP, STR("not an IP address"));
	damaged("invalid-unknown-kind", &f, PAYLOAD(10), DSMAP_ID_DEVICE_ID + 1);
	f = reject(STR("no identifier"));
	damaged("reject-reason-disagrees", &f, PAYLOAD(10), 200);
	return 0;
}
