/*
 * Unit tests: identifier kinds, normalisation and keyed hashes.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <sodium.h>

#include "errors.h"
#include "ident.h"

#define EMAIL DSMAP_ID_EMAIL
#define PHONE DSMAP_ID_PHONE
#define NRN DSMAP_ID_NATIONAL_REGISTER_NUMBER
#define CUSTOMER DSMAP_ID_CUSTOMER_NUMBER
#define ACCOUNT DSMAP_ID_ACCOUNT_ID
#define IMEI DSMAP_ID_IMEI
#define IP DSMAP_ID_IP
#define DEVICE DSMAP_ID_DEVICE_ID

struct valid {
	int kind;
	const char *in;
	const char *out;
};

struct invalid {
	int kind;
	const char *in;
	size_t len;          /* 0: strlen(in); set for values holding a NUL */
	const char *reason;  /* a fragment of the expected reason */
};

static const struct valid valid[] = {
	/* email */
	{ EMAIL, "Jan.Peeters@Example.COM", "jan.peeters@example.com" },
	{ EMAIL, "  jan@example.com \t\r\n", "jan@example.com" },
	/* the local part keeps its non-ASCII letters; the domain becomes A-labels */
	{ EMAIL, "JOS\xc3\x89@Ex\xc3\xa4mple.BE", "jos\xc3\x89@xn--exmple-cua.be" },
	{ EMAIL, "\xe6\x97\xa5\xe6\x9c\xac@\xe4\xbe\x8b\xe3\x81\x88.jp",
	  "\xe6\x97\xa5\xe6\x9c\xac@xn--r8jz45g.jp" },
	{ EMAIL, "a@b\xc3\xbc" "cher.de", "a@xn--bcher-kva.de" },
	{ EMAIL, "A@B\xc3\x9c" "CHER.DE", "a@xn--bcher-kva.de" },            /* uppercase U+00DC */
	{ EMAIL, "a@XN--BCHER-KVA.DE", "a@xn--bcher-kva.de" },
	{ EMAIL, "a@bu\xcc\x88" "cher.de", "a@xn--bcher-kva.de" },            /* NFD: u + U+0308 */
	{ EMAIL, "x@\xc3\x89" "COLE.fr", "x@xn--cole-9oa.fr" },
	{ EMAIL, "x@stra\xc3\x9f" "e.de", "x@xn--strae-oqa.de" },             /* sharp s kept */
	{ EMAIL, "x@STRA\xe1\xba\x9e" "E.DE", "x@xn--strae-oqa.de" },        /* capital U+1E9E */
	{ EMAIL, "x@\xce\xa0\xce\x91\xce\xa1\xce\x86\xce\x94\xce\x95\xce\x99\xce\x93\xce\x9c\xce\x91"
	  ".\xce\xb4\xce\xbf\xce\xba\xce\xb9\xce\xbc\xce\xae", "x@xn--hxajbheg2az3al.xn--jxalpdlp" },
	{ EMAIL, "x@a\xc3\xa9.XN--P1AI", "x@xn--a-bga.xn--p1ai" },
	{ EMAIL, "First+Tag@Sub.Domain.Example.org", "first+tag@sub.domain.example.org" },
	{ EMAIL, "o'brien@example.ie", "o'brien@example.ie" },
	{ EMAIL, "a@b.co", "a@b.co" },
	{ EMAIL, "user_name-1@my-domain.example", "user_name-1@my-domain.example" },
	{ EMAIL, "x@xn--bcher-kva.example", "x@xn--bcher-kva.example" },
	{ EMAIL, "!#$%&*+/=?^`{|}~@example.com", "!#$%&*+/=?^`{|}~@example.com" },
	{ EMAIL, "a.b.c@1.2.example", "a.b.c@1.2.example" },

	/* phone: Belgian mobile in several spellings */
	{ PHONE, "0470 12 34 56", "+32470123456" },
	{ PHONE, "0470/12.34.56", "+32470123456" },
	{ PHONE, "0470123456", "+32470123456" },
	{ PHONE, "+32 470 12 34 56", "+32470123456" },
	{ PHONE, "+32 (0)470 12 34 56", "+32470123456" },
	{ PHONE, "0032 470 12 34 56", "+32470123456" },
	{ PHONE, "0032 (0)470-12-34-56", "+32470123456" },
	{ PHONE, "(+32) 470 123 456", "+32470123456" },
	{ PHONE, " +32470123456 ", "+32470123456" },
	/* Belgian fixed lines */
	{ PHONE, "02 123 45 67", "+3221234567" },
	{ PHONE, "(02) 123.45.67", "+3221234567" },
	{ PHONE, "+32 2 123 45 67", "+3221234567" },
	{ PHONE, "09/223.45.67", "+3292234567" },
	{ PHONE, "0032 9 223 45 67", "+3292234567" },
	/* elsewhere */
	{ PHONE, "+44 20 7946 0958", "+442079460958" },
	{ PHONE, "0049 30 1234567", "+49301234567" },
	{ PHONE, "+1 (415) 555-2671", "+14155552671" },
	{ PHONE, "+31 (0)20 123 4567", "+31201234567" },
	{ PHONE, "+123456789012345", "+123456789012345" },

	/* national register number */
	{ NRN, "85.07.30-033.28", "85073003328" },
	{ NRN, "85073003328", "85073003328" },
	{ NRN, "85 07 30 033 28", "85073003328" },
	{ NRN, "03.01.15-123.11", "03011512311" },   /* born 2003: the 2000 rule */
	{ NRN, "051022-456-58", "05102245658" },      /* born 2005 */
	{ NRN, "00010100105", "00010100105" },        /* born 1 January 2000 */
	{ NRN, "85.27.30-033.71", "85273003371" },   /* BIS, month + 20 */
	{ NRN, "85473003317", "85473003317" },        /* BIS, month + 40 */
	{ NRN, "85000000138", "85000000138" },        /* birth date unknown */
	{ NRN, " 99123199940\n", "99123199940" },

	/* customer number */
	{ CUSTOMER, "c-00123", "C-00123" },
	{ CUSTOMER, " 000123 ", "000123" },
	{ CUSTOMER, "AB 12 34", "AB1234" },
	{ CUSTOMER, "cust_42/2024.a", "CUST_42/2024.A" },
	{ CUSTOMER, "0", "0" },
	{ CUSTOMER, "a-b-c", "A-B-C" },
	{ CUSTOMER, "0000000000000000000000000000000000000000000000000000000000000001",
	  "0000000000000000000000000000000000000000000000000000000000000001" },
	{ CUSTOMER, "1 2 3", "123" },

	/* account id */
	{ ACCOUNT, "acc-001", "ACC-001" },
	{ ACCOUNT, "user.name", "USER.NAME" },
	{ ACCOUNT, "be12 3456 7890 1234", "BE12345678901234" },
	{ ACCOUNT, "00042", "00042" },
	{ ACCOUNT, "x/y_z", "X/Y_Z" },
	{ ACCOUNT, "\tA\t", "A" },
	{ ACCOUNT, "Mixed.Case-ID_9", "MIXED.CASE-ID_9" },
	{ ACCOUNT, "007", "007" },

	/* imei */
	{ IMEI, "490154203237518", "490154203237518" },
	{ IMEI, "49-015420-323751-8", "490154203237518" },
	{ IMEI, "49 015420 323751 8", "490154203237518" },
	{ IMEI, "35-209900-176148-1", "352099001761481" },
	{ IMEI, " 35/209900/176148/1 ", "352099001761481" },
	{ IMEI, "867521020384670", "867521020384670" },
	{ IMEI, "01.234567.890123.7", "012345678901237" },
	{ IMEI, "990000000000002", "990000000000002" },

	/* ip */
	{ IP, "192.168.1.10", "192.168.1.10" },
	{ IP, " 10.0.0.1 ", "10.0.0.1" },
	{ IP, "0.0.0.0", "0.0.0.0" },
	{ IP, "255.255.255.255", "255.255.255.255" },
	{ IP, "2001:DB8:0:0:0:0:0:1", "2001:db8::1" },
	{ IP, "2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1" },
	{ IP, "2001:db8:0:0:1:0:0:0", "2001:db8:0:0:1::" },
	{ IP, "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },
	{ IP, "[::1]", "::1" },
	{ IP, "::", "::" },
	{ IP, "FE80::0:1", "fe80::1" },
	{ IP, "[2001:db8::ff00:42:8329]", "2001:db8::ff00:42:8329" },
	{ IP, "::ffff:192.0.2.33", "192.0.2.33" },
	{ IP, "::FFFF:C000:0221", "192.0.2.33" },
	{ IP, "[::ffff:10.1.2.3]", "10.1.2.3" },
	{ IP, "::1.2.3.4", "::102:304" },   /* deprecated IPv4-compatible: plain hex */

	/* device id: MAC in every spelling */
	{ DEVICE, "AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff" },
	{ DEVICE, "aa-bb-cc-dd-ee-ff", "aa:bb:cc:dd:ee:ff" },
	{ DEVICE, "AABB.CCDD.EEFF", "aa:bb:cc:dd:ee:ff" },
	{ DEVICE, "aabbccddeeff", "aa:bb:cc:dd:ee:ff" },
	{ DEVICE, "00:1A:2b:3C:4d:5E", "00:1a:2b:3c:4d:5e" },
	{ DEVICE, " 001a2b3c4d5e ", "00:1a:2b:3c:4d:5e" },
	/* anything else */
	{ DEVICE, "550E8400-E29B-41D4-A716-446655440000", "550e8400-e29b-41d4-a716-446655440000" },
	{ DEVICE, "Device_42.local", "device_42.local" },
	{ DEVICE, "android-id:9774d56d682e549c", "android-id:9774d56d682e549c" },
	{ DEVICE, "aa:bb:cc:dd:ee:gg", "aa:bb:cc:dd:ee:gg" },     /* not hex: not a MAC */
	{ DEVICE, "AA:BB-CC:DD:EE:FF", "aa:bb-cc:dd:ee:ff" },     /* mixed separators */
	{ DEVICE, "aabbccddeef", "aabbccddeef" },                 /* 11 hex digits */
};

static const struct invalid invalid[] = {
	/* email */
	{ EMAIL, "jan.example.com", 0, "no '@'" },
	{ EMAIL, "jan@@example.com", 0, "more than one '@'" },
	{ EMAIL, "jan@example.com@example.org", 0, "more than one '@'" },
	{ EMAIL, "@example.com", 0, "empty local part" },
	{ EMAIL, "jan@", 0, "empty domain" },
	{ EMAIL, "jan@localhost", 0, "domain has no dot" },
	{ EMAIL, "jan@exa_mple.com", 0, "invalid character in domain" },
	{ EMAIL, "jan peeters@example.com", 0, "whitespace" },
	{ EMAIL, "jan@example .com", 0, "whitespace" },
	{ EMAIL, ".jan@example.com", 0, "dot" },
	{ EMAIL, "jan.@example.com", 0, "dot" },
	{ EMAIL, "jan..p@example.com", 0, "two dots" },
	{ EMAIL, "jan@-example.com", 0, "starts with '-'" },
	{ EMAIL, "jan@example-.com", 0, "ends with '-'" },
	{ EMAIL, "jan@example.com-", 0, "ends with '-'" },
	{ EMAIL, "jan@example..com", 0, "empty label" },
	{ EMAIL, "jan@example.com.", 0, "empty label" },
	{ EMAIL, "jan@.example.com", 0, "empty label" },
	{ EMAIL, "jan(x)@example.com", 0, "invalid character in local part" },
	{ EMAIL, "\"jan\"@example.com", 0, "invalid character in local part" },
	{ EMAIL, "jan@exa\xffmple.com", 0, "invalid UTF-8" },
	{ EMAIL, "jan\xc3@example.com", 0, "invalid UTF-8" },
	{ EMAIL, "jan\x01@example.com", 0, "control character" },
	{ EMAIL, "jan\0x@example.com", 17, "NUL" },
	{ EMAIL, "jan\t@example.com", 0, "control character" },
	/* IDNA */
	{ EMAIL, "jan@xn--zz.example", 0, "not a valid IDNA A-label" },
	{ EMAIL, "jan@xn--abc.example", 0, "IDNA does not allow" },           /* decodes to C1 controls */
	{ EMAIL, "jan@xn--bu-vub.example", 0, "not a valid IDNA A-label" },   /* decodes to NFD */
	{ EMAIL, "jan@xn--Bcher-2pa.example", 0, "IDNA does not allow" },     /* decodes to uppercase */
	{ EMAIL, "jan@\xf0\x9f\x98\x80.example", 0, "IDNA does not allow" },    /* an emoji */
	{ EMAIL, "jan@\xef\xbd\x81\xef\xbd\x82.example", 0, "IDNA does not allow" }, /* fullwidth */
	{ EMAIL, "jan@a\xe2\x80\x8d" "b.example", 0, "context" },             /* ZWJ */
	{ EMAIL, "jan@\xcc\x88x.example", 0, "combining mark" },
	{ EMAIL, "jan@\xd7\x90" "a.example", 0, "right-to-left" },             /* alef, a */
	{ EMAIL, "jan@\xc3\xbc-.example", 0, "ends with '-'" },
	/* NFC maps U+037E to ';' and U+1FEF to '`': ASCII labels libidn2 passes (fuzzer) */
	{ EMAIL, "a@b\xcd\xbe" "c.de", 0, "invalid character in domain after Unicode" },
	{ EMAIL, "a@b\xe1\xbf\xaf" "c.de", 0, "invalid character in domain after Unicode" },
	{ EMAIL, " \t ", 0, "empty" },
	{ EMAIL, "", 0, "empty" },

	/* phone */
	{ PHONE, "470 12 34 56", 0, "no country code and not a Belgian national number" },
	{ PHONE, "0470 12 34", 0, "9 or 10 digits" },
	{ PHONE, "0470 12 34 56 7", 0, "9 or 10 digits" },
	{ PHONE, "+32 470 12 34 56 78", 0, "8 or 9 digits" },
	{ PHONE, "+32 21 23 45", 0, "8 or 9 digits" },
	{ PHONE, "+32 0470 12 34 56", 0, "trunk prefix" },
	{ PHONE, "+3212345", 0, "fewer than 8 digits" },
	{ PHONE, "+1234567890123456", 0, "more than 15 digits" },
	{ PHONE, "0032 1234567890123456", 0, "more than 15 digits" },
	{ PHONE, "+0470123456", 0, "country code starts with 0" },
	{ PHONE, "0470 12 AB 56", 0, "letter" },
	{ PHONE, "tel:0470123456", 0, "letter" },
	{ PHONE, "0470123456 ext 12", 0, "letter" },
	{ PHONE, "0470#123456", 0, "invalid character" },
	{ PHONE, "+ +32470123456", 0, "'+' not at the start" },
	{ PHONE, "0470+123456", 0, "'+' not at the start" },
	{ PHONE, "-- ./", 0, "no digits" },
	{ PHONE, "00", 0, "no digits after the international prefix" },
	{ PHONE, "0470\n123456", 0, "control character" },
	{ PHONE, "", 0, "empty" },

	/* national register number */
	{ NRN, "8507300332", 0, "not 11 digits" },
	{ NRN, "850730033289", 0, "not 11 digits" },
	{ NRN, "85.07.30", 0, "not 11 digits" },
	{ NRN, "85073003329", 0, "checksum does not match" },
	{ NRN, "03011512312", 0, "checksum does not match" },
	{ NRN, "85.07.30-033.2B", 0, "invalid character" },
	{ NRN, "85/07/30 033 28", 0, "invalid character" },
	{ NRN, "85133003370", 0, "month out of range" },  /* month 13, checksum right */
	{ NRN, "85333003316", 0, "month out of range" },  /* month 33 */
	{ NRN, "85073203365", 0, "day out of range" },    /* day 32 */
	{ NRN, "75062045608", 0, "year still to come" },  /* only as a 2075 birth */
	{ NRN, "  ", 0, "empty" },

	/* customer number */
	{ CUSTOMER, "AB#12", 0, "invalid character" },
	{ CUSTOMER, "\xc3\x84" "B12", 0, "invalid character" },
	{ CUSTOMER, "AB,12", 0, "invalid character" },
	{ CUSTOMER, "ab+cd", 0, "invalid character" },
	{ CUSTOMER, "12:34", 0, "invalid character" },
	{ CUSTOMER, "00000000000000000000000000000000000000000000000000000000000000001", 0,
	  "longer than 64" },
	{ CUSTOMER, "AB\t12", 0, "control character" },
	{ CUSTOMER, "AB\x7f" "12", 0, "control character" },
	{ CUSTOMER, "   ", 0, "empty" },

	/* account id */
	{ ACCOUNT, "user@example", 0, "invalid character" },
	{ ACCOUNT, "a b!c", 0, "invalid character" },
	{ ACCOUNT, "caf\xc3\xa9", 0, "invalid character" },
	{ ACCOUNT, "acct;42", 0, "invalid character" },
	{ ACCOUNT, "acct*", 0, "invalid character" },
	{ ACCOUNT, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0,
	  "longer than 64" },
	{ ACCOUNT, "acct\r42", 0, "control character" },
	{ ACCOUNT, "", 0, "empty" },

	/* imei */
	{ IMEI, "49015420323751", 0, "15 digits" },
	{ IMEI, "4901542032375180", 0, "15 digits" },
	{ IMEI, "490154203237519", 0, "Luhn" },
	{ IMEI, "352099001761482", 0, "Luhn" },
	{ IMEI, "867521020384671", 0, "Luhn" },
	{ IMEI, "49015420323751A", 0, "invalid character" },
	{ IMEI, "49_015420_323751_8", 0, "invalid character" },
	{ IMEI, "4901542\0" "03237518", 16, "NUL" },
	{ IMEI, "", 0, "empty" },

	/* ip */
	{ IP, "256.1.1.1", 0, "not an IPv4 or IPv6 address" },
	{ IP, "1.2.3", 0, "not an IPv4 or IPv6 address" },
	{ IP, "01.2.3.4", 0, "not an IPv4 or IPv6 address" },
	{ IP, "1.2.3.4/24", 0, "not an IPv4 or IPv6 address" },
	{ IP, "1.2.3.4 5", 0, "not an IPv4 or IPv6 address" },
	{ IP, "example.com", 0, "not an IPv4 or IPv6 address" },
	{ IP, "2001:db8::1::2", 0, "not an IPv4 or IPv6 address" },
	{ IP, "2001:db8:0:0:0:0:0:0:1", 0, "not an IPv4 or IPv6 address" },
	{ IP, "[192.168.1.1]", 0, "not an IPv4 or IPv6 address" },
	{ IP, "[::1", 0, "not an IPv4 or IPv6 address" },
	{ IP, "[]", 0, "not an IPv4 or IPv6 address" },
	{ IP, "fe80::1%eth0", 0, "zone" },
	{ IP, "[fe80::1%25eth0]", 0, "zone" },
	{ IP, "0000:0000:0000:0000:0000:0000:0000:0000:1", 0, "not an IPv4 or IPv6 address" },
	{ IP, "", 0, "empty" },

	/* device id */
	{ DEVICE, "dev 42", 0, "whitespace" },
	{ DEVICE, "dev#42", 0, "invalid character" },
	{ DEVICE, "dev/42", 0, "invalid character" },
	{ DEVICE, "dev,42", 0, "invalid character" },
	{ DEVICE, "d\xc3\xa9v", 0, "invalid character" },
	{ DEVICE, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0,
	  "longer than 64" },
	{ DEVICE, "\x01" "abc", 0, "control character" },
	{ DEVICE, "aa:bb:cc:dd:ee:ff\x7f", 0, "control character" },
	{ DEVICE, "", 0, "empty" },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const prefix[] = {
	[EMAIL] = "invalid e-mail address: ",
	[PHONE] = "invalid phone number: ",
	[NRN] = "invalid national register number: ",
	[CUSTOMER] = "invalid customer number: ",
	[ACCOUNT] = "invalid account id: ",
	[IMEI] = "invalid IMEI: ",
	[IP] = "invalid IP address: ",
	[DEVICE] = "invalid device id: ",
};

static size_t inlen(const struct invalid *t)
{
	return t->len != 0 ? t->len : strlen(t->in);
}

static void test_ident__valid(void **state)
{
	char out[DSMAP_IDENT_MAX + 1];
	const char *why;
	size_t i, len;

	(void)state;
	for (i = 0; i < COUNT(valid); i++) {
		memset(out, 'x', sizeof(out));
		why = dsmap_ident__normalise(out, &len, valid[i].kind, valid[i].in, strlen(valid[i].in));
		if (why != NULL)
			fail_msg("valid[%zu] (%s) refused: %s", i, dsmap_ident_kind_name(valid[i].kind), why);
		if (strcmp(out, valid[i].out) != 0)
			fail_msg("valid[%zu]: got \"%s\", want \"%s\"", i, out, valid[i].out);
		assert_int_equal(len, strlen(valid[i].out));
	}
}

static void test_ident__idempotent(void **state)
{
	char out[DSMAP_IDENT_MAX + 1], again[DSMAP_IDENT_MAX + 1];
	size_t i, len, len2;

	(void)state;
	for (i = 0; i < COUNT(valid); i++) {
		assert_null(dsmap_ident__normalise(out, &len, valid[i].kind, valid[i].in,
		                                   strlen(valid[i].in)));
		assert_null(dsmap_ident__normalise(again, &len2, valid[i].kind, out, len));
		assert_string_equal(again, out);
		assert_int_equal(len2, len);
	}
}

static void test_ident__invalid(void **state)
{
	char out[DSMAP_IDENT_MAX + 1];
	const char *why;
	size_t i, len;

	(void)state;
	for (i = 0; i < COUNT(invalid); i++) {
		const struct invalid *t = &invalid[i];

		memset(out, 'x', sizeof(out));
		len = 99;
		why = dsmap_ident__normalise(out, &len, t->kind, t->in, inlen(t));
		if (why == NULL)
			fail_msg("invalid[%zu] (%s) accepted as \"%s\"", i,
			         dsmap_ident_kind_name(t->kind), out);
		if (strstr(why, t->reason) == NULL)
			fail_msg("invalid[%zu]: reason \"%s\" lacks \"%s\"", i, why, t->reason);
		if (strncmp(why, prefix[t->kind], strlen(prefix[t->kind])) != 0)
			fail_msg("invalid[%zu]: reason \"%s\" does not name the kind", i, why);
		assert_string_equal(out, "");
		assert_int_equal(len, 0);
	}
}

/* A reason names the kind and the fault, never the value. */
static void test_ident__reason_never_quotes_value(void **state)
{
	char out[DSMAP_IDENT_MAX + 1], core[512];
	const char *why;
	size_t i, n, checked = 0;

	(void)state;
	for (i = 0; i < COUNT(invalid); i++) {
		const struct invalid *t = &invalid[i];
		const char *s = t->in;

		why = dsmap_ident__normalise(out, &n, t->kind, t->in, inlen(t));
		assert_non_null(why);
		/* The value without surrounding whitespace, up to a NUL. */
		n = strlen(s);
		while (n > 0 && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n <= 3)
			continue;
		assert_true(n < sizeof(core));
		memcpy(core, s, n);
		core[n] = '\0';
		if (strstr(why, core) != NULL)
			fail_msg("invalid[%zu]: reason \"%s\" quotes the value", i, why);
		checked++;
	}
	assert_true(checked > 80);
}

static void test_ident__table_covers_every_kind(void **state)
{
	size_t nvalid[DEVICE + 1] = { 0 }, ninvalid[DEVICE + 1] = { 0 }, i;
	int kind;

	(void)state;
	for (i = 0; i < COUNT(valid); i++)
		nvalid[valid[i].kind]++;
	for (i = 0; i < COUNT(invalid); i++)
		ninvalid[invalid[i].kind]++;
	for (kind = EMAIL; kind <= DEVICE; kind++) {
		assert_true(nvalid[kind] >= 8);
		assert_true(ninvalid[kind] >= 8);
	}
}

static void fill(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
}

static void test_ident__email_lengths(void **state)
{
	char in[600], out[DSMAP_IDENT_MAX + 1];
	const char *why;
	size_t len;

	(void)state;
	/* local part: 64 bytes fine, 65 not */
	fill(in, 'a', 64);
	strcat(in, "@example.com");
	assert_null(dsmap_ident__normalise(out, &len, EMAIL, in, strlen(in)));
	assert_int_equal(len, 64 + 12);
	fill(in, 'a', 65);
	strcat(in, "@example.com");
	why = dsmap_ident__normalise(out, &len, EMAIL, in, strlen(in));
	assert_non_null(why);
	assert_non_null(strstr(why, "local part longer than 64 bytes"));

	/* a domain label: 63 bytes fine, 64 not */
	strcpy(in, "a@");
	fill(in + 2, 'b', 63);
	strcat(in, ".com");
	assert_null(dsmap_ident__normalise(out, &len, EMAIL, in, strlen(in)));
	strcpy(in, "a@");
	fill(in + 2, 'b', 64);
	strcat(in, ".com");
	why = dsmap_ident__normalise(out, &len, EMAIL, in, strlen(in));
	assert_non_null(why);
	assert_non_null(strstr(why, "label longer than 63 bytes"));

	/* a domain of 254 bytes */
	strcpy(in, "a@");
	for (len = 0; len < 4; len++) {
		fill(in + strlen(in), 'c', 62);
		strcat(in, ".");
	}
	strcat(in, "abcdef");   /* 4 * 63 + 6 = 258 */
	why = dsmap_ident__normalise(out, &len, EMAIL, in, strlen(in));
	assert_non_null(why);
	assert_non_null(strstr(why, "domain longer than 253 bytes"));

	/* the whole address: 254 bytes fine, 255 not (domain of 190 bytes) */
	fill(in, 'l', 63);
	strcat(in, "@");
	for (len = 0; len < 3; len++) {
		fill(in + strlen(in), 'd', 62);
		strcat(in, ".");
	}
	strcat(in, "e");
	assert_int_equal(strlen(in), 254);
	assert_null(dsmap_ident__normalise(out, &len, EMAIL, in, strlen(in)));
	assert_int_equal(len, 254);
	assert_int_equal(strlen(out), 254);
	memmove(in + 1, in, strlen(in) + 1);
	why = dsmap_ident__normalise(out, &len, EMAIL, in, strlen(in));
	assert_non_null(why);
	assert_non_null(strstr(why, "longer than 254 bytes"));
}

/* One address written the ways people write it: one normal form, one hash. */
static void test_ident__email_spellings_meet(void **state)
{
	static const char *const spellings[] = {
		"a@b\xc3\xbc" "cher.de",          /* a@bücher.de */
		"A@B\xc3\x9c" "CHER.DE",          /* A@BÜCHER.DE */
		"a@xn--bcher-kva.de",
		"A@Xn--Bcher-Kva.De",
		"a@bu\xcc\x88" "cher.de",         /* u and a combining diaeresis */
		" A@B\xc3\x9c" "cher.De\r\n",
	};
	unsigned char key[32] = { 7 }, h0[DSMAP_IDENT_HASH_SIZE], h[DSMAP_IDENT_HASH_SIZE];
	char out[DSMAP_IDENT_MAX + 1];
	size_t i, len;

	(void)state;
	for (i = 0; i < COUNT(spellings); i++) {
		const char *why = dsmap_ident__normalise(out, &len, EMAIL, spellings[i],
		                                         strlen(spellings[i]));

		if (why != NULL)
			fail_msg("spellings[%zu] refused: %s", i, why);
		assert_string_equal(out, "a@xn--bcher-kva.de");
		dsmap_ident__hash(i == 0 ? h0 : h, key, EMAIL, out, len);
		if (i > 0)
			assert_memory_equal(h, h0, sizeof(h));
		assert_int_equal(dsmap_ident_normalise(out, sizeof(out), &len, EMAIL, spellings[i],
		                                       strlen(spellings[i])), 0);
		assert_string_equal(out, "a@xn--bcher-kva.de");
	}
	/* the local part is not touched beyond ASCII: these stay two addresses */
	assert_null(dsmap_ident__normalise(out, &len, EMAIL, "\xc3\x9c@b.de", 7));
	assert_string_equal(out, "\xc3\x9c@b.de");
	assert_null(dsmap_ident__normalise(out, &len, EMAIL, "\xc3\xbc@b.de", 7));
	assert_string_equal(out, "\xc3\xbc@b.de");
}

static void repeat(char *buf, const char *s, size_t times)
{
	while (times-- > 0)
		strcat(buf, s);
}

/* Lengths of an internationalised domain count as A-labels. */
static void test_ident__email_idna_lengths(void **state)
{
	char in[2100], out[DSMAP_IDENT_MAX + 1];
	const char *why;
	size_t len, i;

	(void)state;
	/* 40 u-umlauts: 80 bytes as written, 46 as an A-label */
	strcpy(in, "a@");
	repeat(in, "\xc3\xbc", 40);
	strcat(in, ".de");
	why = dsmap_ident__normalise(out, &len, EMAIL, in, strlen(in));
	if (why != NULL)
		fail_msg("refused: %s", why);
	assert_int_equal(len, 2 + 46 + 3);
	assert_memory_equal(out, "a@xn--", 6);

	/* 60 of them: 66 bytes as an A-label */
	strcpy(in, "a@");
	repeat(in, "\xc3\xbc", 60);
	strcat(in, ".de");
	why = dsmap_ident__normalise(out, &len, EMAIL, in, strlen(in));
	assert_non_null(why);
	assert_non_null(strstr(why, "label longer than 63 bytes in IDNA form"));
	assert_int_equal(len, 0);

	/* eight labels of 30: each under 63, the domain over 253 */
	strcpy(in, "a@");
	for (i = 0; i < 8; i++) {
		repeat(in, "\xc3\xa9", 30);
		strcat(in, ".");
	}
	strcat(in, "be");
	why = dsmap_ident__normalise(out, &len, EMAIL, in, strlen(in));
	assert_non_null(why);
	assert_non_null(strstr(why, "domain longer than 253 bytes in IDNA form"));

	/* more than 4 * 253 bytes as written: refused before libidn2 */
	strcpy(in, "a@");
	for (i = 0; i < 20; i++) {
		repeat(in, "\xc3\xa9", 30);
		strcat(in, ".");
	}
	strcat(in, "be");
	assert_true(strlen(in) > 1100);
	why = dsmap_ident__normalise(out, &len, EMAIL, in, strlen(in));
	assert_non_null(why);
	assert_non_null(strstr(why, "domain longer than 253 bytes in IDNA form"));

	/* a domain that fits, an address that does not */
	memset(in, 'l', 64);
	strcpy(in + 64, "@");
	for (i = 0; i < 6; i++) {
		repeat(in, "\xc3\xa9", 30);
		strcat(in, ".");
	}
	strcat(in, "be");
	why = dsmap_ident__normalise(out, &len, EMAIL, in, strlen(in));
	assert_non_null(why);
	assert_non_null(strstr(why, "longer than 254 bytes in IDNA form"));
	assert_null(strstr(why, "domain"));
	assert_null(dsmap_ident__normalise(out, &len, EMAIL, in + 40, strlen(in + 40)));
	assert_true(len <= DSMAP_IDENT_MAX);
}

/* The national register number of a birth in 20yy. */
static void nrn_2000s(char out[12], unsigned yy, unsigned mm, unsigned dd, unsigned serial)
{
	unsigned long first9 = yy * 10000000ul + mm * 100000ul + dd * 1000ul + serial;

	snprintf(out, 12, "%02u%02u%02u%03u%02u", yy, mm, dd, serial,
	         97 - (unsigned)((2000000000ul + first9) % 97));
}

static void expect_nrn(const char *in, int year, const char *reason)
{
	char out[DSMAP_IDENT_MAX + 1];
	const char *why;
	size_t len;

	why = dsmap_ident__normalise_at(out, &len, NRN, in, strlen(in), year);
	if (reason == NULL && why != NULL)
		fail_msg("%s in %d refused: %s", in, year, why);
	if (reason == NULL) {
		assert_string_equal(out, in);
		return;
	}
	if (why == NULL)
		fail_msg("%s in %d accepted", in, year);
	if (strstr(why, reason) == NULL)
		fail_msg("%s in %d: reason \"%s\" lacks \"%s\"", in, year, why, reason);
}

/* A birth from 2000 on counts only once its year has come (python-stdnum be.nn). */
static void test_ident__nrn_births_to_come(void **state)
{
	char in[12], out[DSMAP_IDENT_MAX + 1];
	time_t t = time(NULL);
	struct tm tm;
	size_t len;
	int now;

	(void)state;
	/* valid only as births in 2032 and 2075 */
	expect_nrn("32011512338", 2026, "year still to come");
	expect_nrn("32011512338", 2031, "year still to come");
	expect_nrn("32011512338", 2032, NULL);
	expect_nrn("32011512338", 2090, NULL);
	expect_nrn("75062045608", 2026, "year still to come");
	expect_nrn("75062045608", 2075, NULL);
	/* born 2003 and 1 January 2000 */
	expect_nrn("03011512311", 2026, NULL);
	expect_nrn("03011512311", 2003, NULL);
	expect_nrn("03011512311", 2002, "year still to come");
	expect_nrn("00010100105", 2000, NULL);
	expect_nrn("00010100105", 1999, "year still to come");
	/* the 1900s reading does not look at the year */
	expect_nrn("85073003328", 1999, NULL);
	expect_nrn("99123199940", 2026, NULL);
	expect_nrn("75062045676", 2026, NULL);
	/* a BIS number and an unknown birth date, the same rule */
	nrn_2000s(in, 40, 42, 0, 17);
	expect_nrn(in, 2039, "year still to come");
	expect_nrn(in, 2040, NULL);
	nrn_2000s(in, 30, 0, 0, 1);
	expect_nrn(in, 2029, "year still to come");
	expect_nrn(in, 2030, NULL);

	/* year 0 and dsmap_ident__normalise(): the clock's year */
	assert_non_null(localtime_r(&t, &tm));
	now = tm.tm_year + 1900;
	assert_true(now >= 2026);
	if (now < 2099) {
		nrn_2000s(in, (unsigned)(now + 1) % 100, 6, 15, 123);
		assert_non_null(dsmap_ident__normalise(out, &len, NRN, in, 11));
		expect_nrn(in, 0, "year still to come");
		expect_nrn(in, now + 1, NULL);
		assert_int_equal(dsmap_ident_normalise(out, sizeof(out), &len, NRN, in, 11),
		                 DSMAP_EINVALID);
		assert_string_equal(dsmap_error_last()->message, "invalid national register number: "
		                    "checksum matches only a birth in a year still to come");
	}
	nrn_2000s(in, (unsigned)now % 100, 6, 15, 123);
	assert_null(dsmap_ident__normalise(out, &len, NRN, in, 11));
	expect_nrn(in, 0, NULL);
}

/* The reading of python-stdnum's be.nn._checksum(), with dsmap's ranges. */
static int reference_nrn(const char d[11], int year)
{
	unsigned long first9 = strtoul((char[10]){ d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7],
	                                           d[8], '\0' }, NULL, 10);
	unsigned check = (unsigned)((d[9] - '0') * 10 + d[10] - '0');
	unsigned yy = (unsigned)((d[0] - '0') * 10 + d[1] - '0');
	unsigned mm = (unsigned)((d[2] - '0') * 10 + d[3] - '0');
	unsigned dd = (unsigned)((d[4] - '0') * 10 + d[5] - '0');
	int ok = check == 97 - first9 % 97 ||
	         ((int)(2000 + yy) <= year && check == 97 - (2000000000ul + first9) % 97);

	return ok && mm % 20 <= 12 && mm <= 52 && dd <= 31;
}

/*
 * Mistyped numbers of the 1900s: before the year rule, about 1 in 97 of
 * them passed as a birth to come.  Now dsmap accepts exactly what the
 * reference does, in any year.
 */
static void test_ident__nrn_mistyped(void **state)
{
	static const int years[] = { 1999, 2000, 2026, 2031, 2075, 2100 };
	char good[12], bad[12], out[DSMAP_IDENT_MAX + 1];
	const char *why;
	size_t len, y;
	int i, to_come = 0, accepted = 0;

	(void)state;
	srand(13);
	for (i = 0; i < 30000; i++) {
		unsigned long first9 = (unsigned long)(rand() % 100) * 10000000ul +
		                       (unsigned long)(1 + rand() % 12) * 100000ul +
		                       (unsigned long)(1 + rand() % 28) * 1000ul +
		                       (unsigned long)(1 + rand() % 997);
		int pos = rand() % 11;

		snprintf(good, sizeof(good), "%09lu%02u", first9, 97 - (unsigned)(first9 % 97));
		memcpy(bad, good, sizeof(bad));
		if (rand() % 2 == 0 || pos == 10)
			bad[pos] = (char)('0' + (bad[pos] - '0' + 1 + rand() % 9) % 10);
		else {
			bad[pos] = good[pos + 1];
			bad[pos + 1] = good[pos];
		}
		for (y = 0; y < COUNT(years); y++) {
			why = dsmap_ident__normalise_at(out, &len, NRN, bad, 11, years[y]);
			if ((why == NULL) != reference_nrn(bad, years[y]))
				fail_msg("%s in %d: dsmap %s, the reference %s", bad, years[y],
				         why ? why : "accepts", why ? "accepts" : "refuses");
			if (why != NULL && strstr(why, "year still to come") != NULL)
				to_come++;
			accepted += why == NULL;
		}
		assert_null(dsmap_ident__normalise_at(out, &len, NRN, good, 11, 1999));
	}
	/* the rule has work to do, and some mistypes stay undetectable */
	assert_true(to_come > 100);
	assert_true(accepted > 100);
}

static void test_ident__not_nul_terminated(void **state)
{
	char out[DSMAP_IDENT_MAX + 1];
	const char in[] = "0470 12 34 56 garbage";
	size_t len;

	(void)state;
	assert_null(dsmap_ident__normalise(out, &len, PHONE, in, 13));
	assert_string_equal(out, "+32470123456");
	assert_null(dsmap_ident__normalise(out, &len, EMAIL, "a@b.cdX", 6));
	assert_string_equal(out, "a@b.cd");
	assert_null(dsmap_ident__normalise(out, &len, IP, "10.0.0.12", 8));
	assert_string_equal(out, "10.0.0.1");
}

/* The IPv6 formatter agrees with inet_ntop (RFC 5952) on random addresses. */
static void test_ident__ipv6_matches_inet_ntop(void **state)
{
	static const unsigned pick[] = { 0, 0, 0, 0, 1, 0xffff, 0xabc, 0x10 };
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN], out[DSMAP_IDENT_MAX + 1];
	unsigned w[8];
	size_t len;
	int i, j, compared = 0;

	(void)state;
	srand(42);
	for (i = 0; i < 20000; i++) {
		for (j = 0; j < 8; j++) {
			int r = rand() % 10;

			w[j] = r < 8 ? pick[r] : (unsigned)rand() & 0xffff;
			a[2 * j] = (unsigned char)(w[j] >> 8);
			a[2 * j + 1] = (unsigned char)w[j];
		}
		/* mapped: IPv4; IPv4-compatible: inet_ntop varies by libc */
		if (w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 &&
		    (w[5] == 0xffff || (w[5] == 0 && w[6] != 0)))
			continue;
		assert_non_null(inet_ntop(AF_INET6, a, text, sizeof(text)));
		if (dsmap_ident__normalise(out, &len, IP, text, strlen(text)) != NULL)
			fail_msg("%s refused", text);
		if (strcmp(out, text) != 0)
			fail_msg("got %s, inet_ntop says %s", out, text);
		compared++;
	}
	assert_true(compared > 10000);

	for (i = 0; i < 2000; i++) {
		for (j = 0; j < 4; j++)
			a[j] = (unsigned char)(rand() % 4 == 0 ? 0 : rand());
		assert_non_null(inet_ntop(AF_INET, a, text, sizeof(text)));
		assert_null(dsmap_ident__normalise(out, &len, IP, text, strlen(text)));
		assert_string_equal(out, text);
	}
}

/* Random input from each kind's alphabet: no overrun, NUL-terminated,
 * bounded, and what is accepted normalises to itself. */
static void test_ident__random_input(void **state)
{
	static const char alphabet[] = "0123456789+()-./ :@[]%abcdefxyzABCDEFXYZ_\x80\xc3\xa9\t";
	char in[300], out[DSMAP_IDENT_MAX + 2], again[DSMAP_IDENT_MAX + 1];
	const char *why;
	size_t len, len2, n, j;
	int i, kind, accepted = 0;

	(void)state;
	srand(7);
	for (i = 0; i < 200000; i++) {
		kind = 1 + rand() % DEVICE;
		n = (size_t)(rand() % 40);
		if (rand() % 50 == 0)
			n = (size_t)(rand() % (int)sizeof(in));
		for (j = 0; j < n; j++)
			in[j] = alphabet[rand() % (int)(sizeof(alphabet) - 1)];
		/* some values made of digits only, the commonest case */
		if (rand() % 3 == 0)
			for (j = 0; j < n; j++)
				in[j] = (char)('0' + rand() % 10);
		out[DSMAP_IDENT_MAX + 1] = '#';
		why = dsmap_ident__normalise(out, &len, kind, in, n);
		assert_int_equal(out[DSMAP_IDENT_MAX + 1], '#');
		if (why != NULL) {
			assert_string_equal(out, "");
			continue;
		}
		accepted++;
		assert_true(len <= DSMAP_IDENT_MAX);
		assert_int_equal(strlen(out), len);
		assert_null(dsmap_ident__normalise(again, &len2, kind, out, len));
		assert_string_equal(again, out);
	}
	assert_true(accepted > 1000);
}

static void test_ident__public_wrapper(void **state)
{
	char out[DSMAP_IDENT_MAX + 1], small[DSMAP_IDENT_MAX];
	size_t len = 99;

	(void)state;
	dsmap_error_clear();
	assert_int_equal(dsmap_ident_normalise(out, sizeof(out), &len, EMAIL, " Jan@Example.com", 16), 0);
	assert_string_equal(out, "jan@example.com");
	assert_int_equal(len, 15);
	assert_int_equal(dsmap_error_last()->code, DSMAP_OK);
	assert_int_equal(dsmap_ident_normalise(out, sizeof(out), NULL, IP, "::1", 3), 0);
	assert_string_equal(out, "::1");

	len = 99;
	assert_int_equal(dsmap_ident_normalise(out, sizeof(out), &len, EMAIL, "jan.example.com", 15),
	                 DSMAP_EINVALID);
	assert_int_equal(dsmap_error_last()->code, DSMAP_EINVALID);
	assert_string_equal(dsmap_error_last()->message, "invalid e-mail address: no '@'");
	assert_string_equal(out, "");
	assert_int_equal(len, 0);

	assert_int_equal(dsmap_ident_normalise(out, sizeof(out), &len, NRN, "85073003329", 11),
	                 DSMAP_EINVALID);
	assert_string_equal(dsmap_error_last()->message,
	                    "invalid national register number: checksum does not match");

	assert_int_equal(dsmap_ident_normalise(out, sizeof(out), &len, 0, "x", 1), DSMAP_EINVALID);
	assert_non_null(strstr(dsmap_error_last()->message, "unknown identifier kind"));
	assert_int_equal(dsmap_ident_normalise(out, sizeof(out), &len, 9, "x", 1), DSMAP_EINVALID);

	assert_int_equal(dsmap_ident_normalise(small, sizeof(small), &len, EMAIL, "a@b.co", 6),
	                 DSMAP_EINVALID);
	assert_non_null(strstr(dsmap_error_last()->message, "buffer"));
	assert_int_equal(dsmap_ident_normalise(NULL, 0, &len, EMAIL, "a@b.co", 6), DSMAP_EINVALID);

	assert_int_equal(dsmap_ident_normalise(out, sizeof(out), &len, EMAIL, NULL, 5), DSMAP_EINVALID);
	assert_int_equal(dsmap_ident_normalise(out, sizeof(out), &len, EMAIL, NULL, 0), DSMAP_EINVALID);
	assert_string_equal(dsmap_error_last()->message, "invalid e-mail address: empty");
}

static void test_ident__unknown_kind(void **state)
{
	char out[DSMAP_IDENT_MAX + 1];
	size_t len;

	(void)state;
	assert_non_null(dsmap_ident__normalise(out, &len, 0, "a@b.co", 6));
	assert_non_null(dsmap_ident__normalise(out, &len, -1, "a@b.co", 6));
	assert_non_null(dsmap_ident__normalise(out, &len, DEVICE + 1, "abc", 3));
	assert_string_equal(out, "");
}

static const char *const names[] = {
	"email", "phone", "national-register-number", "customer-number",
	"account-id", "imei", "ip", "device-id"
};

static void test_ident__kind_names(void **state)
{
	int kind;

	(void)state;
	for (kind = EMAIL; kind <= DEVICE; kind++) {
		const char *name = dsmap_ident_kind_name(kind);

		assert_non_null(name);
		assert_string_equal(name, names[kind - 1]);
		assert_int_equal(dsmap_ident_kind_from_name(name, strlen(name)), kind);
	}
	assert_null(dsmap_ident_kind_name(0));
	assert_null(dsmap_ident_kind_name(DEVICE + 1));
	assert_null(dsmap_ident_kind_name(-3));

	assert_int_equal(dsmap_ident_kind_from_name("nrn", 3), NRN);
	assert_int_equal(dsmap_ident_kind_from_name("customer", 8), CUSTOMER);
	assert_int_equal(dsmap_ident_kind_from_name("account", 7), ACCOUNT);
	assert_int_equal(dsmap_ident_kind_from_name("device", 6), DEVICE);
	/* the length counts, not the NUL */
	assert_int_equal(dsmap_ident_kind_from_name("ipv4", 2), IP);
	assert_int_equal(dsmap_ident_kind_from_name("ipv4", 4), 0);
	assert_int_equal(dsmap_ident_kind_from_name("emai", 4), 0);
	assert_int_equal(dsmap_ident_kind_from_name("Email", 5), 0);
	assert_int_equal(dsmap_ident_kind_from_name("", 0), 0);
	assert_int_equal(dsmap_ident_kind_from_name(NULL, 0), 0);
}

static void test_ident__kind_links(void **state)
{
	(void)state;
	assert_int_equal(dsmap_ident_kind_links(EMAIL), 1);
	assert_int_equal(dsmap_ident_kind_links(NRN), 1);
	assert_int_equal(dsmap_ident_kind_links(CUSTOMER), 1);
	assert_int_equal(dsmap_ident_kind_links(PHONE), 0);
	assert_int_equal(dsmap_ident_kind_links(ACCOUNT), 0);
	assert_int_equal(dsmap_ident_kind_links(IMEI), 0);
	assert_int_equal(dsmap_ident_kind_links(IP), 0);
	assert_int_equal(dsmap_ident_kind_links(DEVICE), 0);
	assert_int_equal(dsmap_ident_kind_links(0), 0);
	assert_int_equal(dsmap_ident_kind_links(99), 0);
}

static void reference_hash(unsigned char out[DSMAP_IDENT_HASH_SIZE], const unsigned char key[32],
                           int kind, const char *norm, size_t len)
{
	unsigned char *buf = malloc(len + 1);

	assert_non_null(buf);
	buf[0] = (unsigned char)kind;
	memcpy(buf + 1, norm, len);
	assert_int_equal(crypto_generichash(out, DSMAP_IDENT_HASH_SIZE, buf, len + 1, key, 32), 0);
	free(buf);
}

static void test_ident__hash(void **state)
{
	unsigned char key[32], key2[32];
	unsigned char h[DSMAP_IDENT_HASH_SIZE], h2[DSMAP_IDENT_HASH_SIZE], ref[DSMAP_IDENT_HASH_SIZE];
	char big[1000];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(key); i++) {
		key[i] = (unsigned char)i;
		key2[i] = (unsigned char)i;
	}
	key2[31] ^= 1;

	/* matches crypto_generichash over kind byte + value */
	dsmap_ident__hash(h, key, EMAIL, "jan@example.com", 15);
	reference_hash(ref, key, EMAIL, "jan@example.com", 15);
	assert_memory_equal(h, ref, sizeof(h));
	assert_false(sodium_is_zero(h, sizeof(h)));

	/* deterministic */
	dsmap_ident__hash(h2, key, EMAIL, "jan@example.com", 15);
	assert_memory_equal(h, h2, sizeof(h));

	/* the key counts */
	dsmap_ident__hash(h2, key2, EMAIL, "jan@example.com", 15);
	assert_memory_not_equal(h, h2, sizeof(h));

	/* the kind counts: the same digits as customer number and account id */
	dsmap_ident__hash(h, key, CUSTOMER, "000123", 6);
	dsmap_ident__hash(h2, key, ACCOUNT, "000123", 6);
	assert_memory_not_equal(h, h2, sizeof(h));
	reference_hash(ref, key, ACCOUNT, "000123", 6);
	assert_memory_equal(h2, ref, sizeof(h));

	/* the value counts */
	dsmap_ident__hash(h2, key, CUSTOMER, "000124", 6);
	assert_memory_not_equal(h, h2, sizeof(h));

	/* an empty value, and one longer than any normalised value */
	dsmap_ident__hash(h, key, IP, NULL, 0);
	reference_hash(ref, key, IP, "", 0);
	assert_memory_equal(h, ref, sizeof(h));
	memset(big, 'z', sizeof(big));
	dsmap_ident__hash(h, key, DEVICE, big, sizeof(big));
	reference_hash(ref, key, DEVICE, big, sizeof(big));
	assert_memory_equal(h, ref, sizeof(h));
	dsmap_ident__hash(h, key, DEVICE, big, DSMAP_IDENT_MAX);
	reference_hash(ref, key, DEVICE, big, DSMAP_IDENT_MAX);
	assert_memory_equal(h, ref, sizeof(h));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ident__valid),
		cmocka_unit_test(test_ident__idempotent),
		cmocka_unit_test(test_ident__invalid),
		cmocka_unit_test(test_ident__reason_never_quotes_value),
		cmocka_unit_test(test_ident__table_covers_every_kind),
		cmocka_unit_test(test_ident__email_lengths),
		cmocka_unit_test(test_ident__email_spellings_meet),
		cmocka_unit_test(test_ident__email_idna_lengths),
		cmocka_unit_test(test_ident__nrn_births_to_come),
		cmocka_unit_test(test_ident__nrn_mistyped),
		cmocka_unit_test(test_ident__not_nul_terminated),
		cmocka_unit_test(test_ident__ipv6_matches_inet_ntop),
		cmocka_unit_test(test_ident__random_input),
		cmocka_unit_test(test_ident__public_wrapper),
		cmocka_unit_test(test_ident__unknown_kind),
		cmocka_unit_test(test_ident__kind_names),
		cmocka_unit_test(test_ident__kind_links),
		cmocka_unit_test(test_ident__hash),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("ident", tests, NULL, NULL);
}
