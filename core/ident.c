/*
 * Identifier kinds, normalisation and keyed hashes.
 *
 * A scan normalises every identifier of every record, millions of them, so
 * the normalisers work in one pass over the value, write straight into the
 * caller's buffer, never allocate and never look at the locale: the
 * character tests below are plain ASCII.  A failure is a static reason
 * string that names the kind and the fault, never the value.
 *
 * Two rare cases leave that path.  An e-mail domain with a non-ASCII byte
 * or an "xn--" label goes through libunistring (lowercase, NFC) and
 * libidn2 (IDNA2008), and libidn2 returns its A-labels in memory it
 * allocates; an all-ASCII domain, nearly every one, never calls them.  A
 * national register number whose checksum only fits a birth from 2000 on
 * reads the clock.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <idn2.h>
#include <sodium.h>
#include <unicase.h>
#include <uninorm.h>

#include "errors.h"
#include "ident.h"

_Static_assert(crypto_generichash_KEYBYTES == 32, "a workspace key is 32 bytes");
_Static_assert(DSMAP_IDENT_HASH_SIZE >= crypto_generichash_BYTES_MIN &&
               DSMAP_IDENT_HASH_SIZE <= crypto_generichash_BYTES_MAX,
               "BLAKE2b cannot produce a hash of that size");

#define KIND_MAX DSMAP_ID_DEVICE_ID

/* The longest customer number, account id or non-MAC device id. */
#define CODE_MAX 64

/* ASCII only, whatever the locale. */
static inline int is_digit(unsigned c) { return c - '0' < 10u; }
static inline int is_upper(unsigned c) { return c - 'A' < 26u; }
static inline int is_lower(unsigned c) { return c - 'a' < 26u; }
static inline int is_alpha(unsigned c) { return is_lower(c | 0x20); }
static inline int is_alnum(unsigned c) { return is_digit(c) || is_alpha(c); }
static inline int is_hex(unsigned c) { return is_digit(c) || (c | 0x20) - 'a' < 6u; }
static inline int is_space(unsigned c) { return c == ' ' || c - '\t' < 5u; }
static inline int is_ctrl(unsigned c) { return c < 0x20 || c == 0x7f; }
static inline unsigned to_lower(unsigned c) { return is_upper(c) ? c | 0x20 : c; }
static inline unsigned to_upper(unsigned c) { return is_lower(c) ? c & ~0x20u : c; }

/* ---- kinds -------------------------------------------------------------- */

static const char *const kind_names[KIND_MAX + 1] = {
	[DSMAP_ID_EMAIL] = "email",
	[DSMAP_ID_PHONE] = "phone",
	[DSMAP_ID_NATIONAL_REGISTER_NUMBER] = "national-register-number",
	[DSMAP_ID_CUSTOMER_NUMBER] = "customer-number",
	[DSMAP_ID_ACCOUNT_ID] = "account-id",
	[DSMAP_ID_IMEI] = "imei",
	[DSMAP_ID_IP] = "ip",
	[DSMAP_ID_DEVICE_ID] = "device-id",
};

static const struct {
	const char *name;
	int kind;
} kind_aliases[] = {
	{ "nrn", DSMAP_ID_NATIONAL_REGISTER_NUMBER },
	{ "customer", DSMAP_ID_CUSTOMER_NUMBER },
	{ "account", DSMAP_ID_ACCOUNT_ID },
	{ "device", DSMAP_ID_DEVICE_ID },
};

static int known(int kind)
{
	return kind >= 1 && kind <= KIND_MAX;
}

const char *dsmap_ident_kind_name(int kind)
{
	return known(kind) ? kind_names[kind] : NULL;
}

static int name_is(const char *name, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(name, s, len) == 0;
}

int dsmap_ident_kind_from_name(const char *name, size_t len)
{
	size_t i;
	int kind;

	if (name == NULL)
		return 0;
	for (kind = 1; kind <= KIND_MAX; kind++)
		if (name_is(name, len, kind_names[kind]))
			return kind;
	for (i = 0; i < sizeof(kind_aliases) / sizeof(kind_aliases[0]); i++)
		if (name_is(name, len, kind_aliases[i].name))
			return kind_aliases[i].kind;
	return 0;
}

int dsmap_ident_kind_links(int kind)
{
	return kind == DSMAP_ID_EMAIL || kind == DSMAP_ID_NATIONAL_REGISTER_NUMBER ||
	       kind == DSMAP_ID_CUSTOMER_NUMBER;
}

/* ---- reasons ------------------------------------------------------------ */

#define R_EMAIL "invalid e-mail address: "
#define R_PHONE "invalid phone number: "
#define R_NRN "invalid national register number: "
#define R_CUSTOMER "invalid customer number: "
#define R_ACCOUNT "invalid account id: "
#define R_IMEI "invalid IMEI: "
#define R_IP "invalid IP address: "
#define R_DEVICE "invalid device id: "

#define COMMON(p) { p "empty", p "control character or NUL byte" }

/* What every kind may fail on before its own rules. */
static const struct {
	const char *empty;
	const char *control;
} common[KIND_MAX + 1] = {
	[DSMAP_ID_EMAIL] = COMMON(R_EMAIL),
	[DSMAP_ID_PHONE] = COMMON(R_PHONE),
	[DSMAP_ID_NATIONAL_REGISTER_NUMBER] = COMMON(R_NRN),
	[DSMAP_ID_CUSTOMER_NUMBER] = COMMON(R_CUSTOMER),
	[DSMAP_ID_ACCOUNT_ID] = COMMON(R_ACCOUNT),
	[DSMAP_ID_IMEI] = COMMON(R_IMEI),
	[DSMAP_ID_IP] = COMMON(R_IP),
	[DSMAP_ID_DEVICE_ID] = COMMON(R_DEVICE),
};

/* ---- email -------------------------------------------------------------- */

/* The longest domain and domain label, in bytes (RFC 1035, RFC 5321). */
#define DOMAIN_MAX 253
#define LABEL_MAX 63

const char dsmap_ident__oom[] = "out of memory";

/*
 * The length of the well-formed UTF-8 sequence at s (2..4 bytes, within n),
 * or 0: no overlong forms, no surrogates, nothing past U+10FFFF.
 */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	unsigned lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

static int local_special(unsigned c)
{
	switch (c) {
	case '(': case ')': case '<': case '>': case '[': case ']':
	case ':': case ';': case ',': case '\\': case '"': case '@':
		return 1;
	default:
		return 0;
	}
}

/* What a libidn2 error means for the address. */
static const char *idna_reason(int rc)
{
	switch (rc) {
	case IDN2_MALLOC:
		return dsmap_ident__oom;
	case IDN2_DISALLOWED:
	case IDN2_UNASSIGNED:
		return R_EMAIL "domain has a character IDNA does not allow";
	case IDN2_PUNYCODE_BAD_INPUT:
	case IDN2_PUNYCODE_OVERFLOW:
	case IDN2_INVALID_ALABEL:
	case IDN2_UALABEL_MISMATCH:
	case IDN2_ALABEL_ROUNDTRIP_FAILED:
	case IDN2_NOT_NFC:   /* the input is NFC: an "xn--" label decoded to a non-NFC one */
		return R_EMAIL "domain has an 'xn--' label that is not a valid IDNA A-label";
	case IDN2_PUNYCODE_BIG_OUTPUT:
	case IDN2_TOO_BIG_LABEL:
		return R_EMAIL "domain label longer than 63 bytes in IDNA form";
	case IDN2_TOO_BIG_DOMAIN:
		return R_EMAIL "domain longer than 253 bytes in IDNA form";
	case IDN2_2HYPHEN:
		return R_EMAIL "domain label has '--' in third and fourth place but is no A-label";
	case IDN2_LEADING_COMBINING:
		return R_EMAIL "domain label starts with a combining mark";
	case IDN2_CONTEXTJ:
	case IDN2_CONTEXTJ_NO_RULE:
	case IDN2_CONTEXTO:
	case IDN2_CONTEXTO_NO_RULE:
		return R_EMAIL "domain has a character out of the context IDNA allows it in";
	case IDN2_BIDI:
		return R_EMAIL "domain breaks the IDNA rule for right-to-left labels";
	default:
		return R_EMAIL "domain is not a valid internationalised domain name";
	}
}

/* Whether s (n bytes) has only ASCII letters, digits, '-' and '.'. */
static int ldh_only(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}

/*
 * An internationalised domain, s (n bytes of well-formed UTF-8 whose labels
 * passed domain()'s checks), as lowercase A-labels, at most `room` bytes
 * written to out: Unicode lowercase and NFC (libunistring, no locale), then
 * an IDNA2008 lookup without the UTS #46 mapping (libidn2), which also
 * checks each "xn--" label by decoding it.
 */
static const char *idna(char *out, size_t room, size_t *outlen, const unsigned char *s, size_t n)
{
	/*
	 * Each code point is at least one byte of the A-labels, and at most
	 * four of UTF-8: a lowercase form longer than this has more than
	 * DOMAIN_MAX code points, too many to fit.
	 */
	uint8_t buf[4 * DOMAIN_MAX + 1], *low;
	uint8_t *alabels = NULL;
	size_t lowlen = sizeof(buf) - 1, len;
	const char *why = NULL;
	int rc;

	low = u8_tolower(s, n, NULL, UNINORM_NFC, buf, &lowlen);
	if (low == NULL)
		return errno == ENOMEM ? dsmap_ident__oom : R_EMAIL "invalid UTF-8";
	if (low != buf) {
		free(low);
		return R_EMAIL "domain longer than 253 bytes in IDNA form";
	}
	buf[lowlen] = '\0';
	if ((rc = idn2_lookup_u8(buf, &alabels, IDN2_NO_TR46)) != IDN2_OK)
		return idna_reason(rc);
	len = strlen((const char *)alabels);
	/*
	 * libidn2 passes an ASCII label through unchecked, and NFC can make
	 * one: U+037E GREEK QUESTION MARK is canonically ';', U+1FEF is '`'.
	 * So the answer is held to the letters, digits, '-' and '.' that
	 * domain() allows an ASCII domain.
	 */
	if (!ldh_only(alabels, len))
		why = R_EMAIL "invalid character in domain after Unicode normalisation";
	else if (len > DOMAIN_MAX)
		why = R_EMAIL "domain longer than 253 bytes in IDNA form";
	else if (len > room)
		why = R_EMAIL "longer than 254 bytes in IDNA form";
	else
		memcpy(out, alabels, len);
	idn2_free(alabels);
	*outlen = why == NULL ? len : 0;
	return why;
}

static int is_ace_prefix(const unsigned char *s, size_t n)
{
	return n >= 4 && (s[0] | 0x20) == 'x' && (s[1] | 0x20) == 'n' && s[2] == '-' && s[3] == '-';
}

/*
 * The domain s (n bytes) in lowercase, at most `room` bytes written to out
 * (no NUL): as it is when all ASCII, as A-labels when a label is not ASCII
 * or already an A-label ("xn--", any case).
 */
static const char *domain(char *out, size_t room, size_t *outlen, const unsigned char *s, size_t n)
{
	size_t i, k, label = 0;
	int dots = 0, intl = 0, wide = 0;   /* wide: this label has a non-ASCII byte */

	for (i = 0; i < n; i++) {
		unsigned c = s[i];

		if (c == '.') {
			if (label == 0)
				return R_EMAIL "empty label in domain";
			if (s[i - 1] == '-')
				return R_EMAIL "domain label ends with '-'";
			dots++;
			label = 0;
			wide = 0;
			continue;
		}
		if (c >= 0x80) {
			if ((k = utf8_seq(s + i, n - i)) == 0)
				return R_EMAIL "invalid UTF-8";
			i += k - 1;
			label += k;
			intl = wide = 1;
		} else if (is_alnum(c)) {
			if (label == 0 && is_ace_prefix(s + i, n - i))
				intl = 1;
			label++;
		} else if (c == '-') {
			if (label == 0)
				return R_EMAIL "domain label starts with '-'";
			label++;
		} else if (c == ' ') {
			return R_EMAIL "whitespace inside the address";
		} else {
			return R_EMAIL "invalid character in domain";
		}
		/* A label with non-ASCII letters is measured as an A-label, later. */
		if (label > LABEL_MAX && !wide)
			return R_EMAIL "domain label longer than 63 bytes";
	}
	if (label == 0)
		return R_EMAIL "empty label in domain";
	if (s[n - 1] == '-')
		return R_EMAIL "domain label ends with '-'";
	if (dots == 0)
		return R_EMAIL "domain has no dot";
	if (intl)
		return idna(out, room, outlen, s, n);
	if (n > DOMAIN_MAX)
		return R_EMAIL "domain longer than 253 bytes";
	if (n > room)
		return R_EMAIL "longer than 254 bytes";
	for (i = 0; i < n; i++)
		out[i] = (char)to_lower(s[i]);
	*outlen = n;
	return NULL;
}

static const char *email(char *out, size_t *outlen, const unsigned char *s, size_t n)
{
	const unsigned char *at = memchr(s, '@', n);
	const char *why;
	size_t local, i, k, dlen;

	if (at == NULL)
		return R_EMAIL "no '@'";
	local = (size_t)(at - s);
	if (memchr(at + 1, '@', n - local - 1) != NULL)
		return R_EMAIL "more than one '@'";
	if (local == 0)
		return R_EMAIL "empty local part";
	if (local == n - 1)
		return R_EMAIL "empty domain";
	if (local > 64)
		return R_EMAIL "local part longer than 64 bytes";

	/* The local part: ASCII letters lowercased, the rest kept as it is. */
	for (i = 0; i < local; i++) {
		unsigned c = s[i];

		if (c == '.') {
			if (i == 0 || i == local - 1)
				return R_EMAIL "local part starts or ends with a dot";
			if (s[i - 1] == '.')
				return R_EMAIL "two dots in a row in the local part";
		} else if (c >= 0x80) {
			if ((k = utf8_seq(s + i, local - i)) == 0)
				return R_EMAIL "invalid UTF-8";
			memcpy(out + i, s + i, k);
			i += k - 1;
			continue;
		} else if (c == ' ') {
			return R_EMAIL "whitespace inside the address";
		} else if (local_special(c)) {
			return R_EMAIL "invalid character in local part";
		}
		out[i] = (char)to_lower(c);
	}
	out[local] = '@';

	why = domain(out + local + 1, DSMAP_IDENT_MAX - local - 1, &dlen, at + 1, n - local - 1);
	if (why != NULL)
		return why;
	out[local + 1 + dlen] = '\0';
	*outlen = local + 1 + dlen;
	return NULL;
}

/* ---- phone -------------------------------------------------------------- */

static const char *phone(char *out, size_t *outlen, const unsigned char *s, size_t n)
{
	char d[17];   /* "00" and 15 digits */
	const char *num;
	size_t nd = 0, nn, i;
	int plus = 0;

	for (i = 0; i < n; i++) {
		unsigned c = s[i];

		if (is_digit(c)) {
			if (nd == sizeof(d))
				return R_PHONE "more than 15 digits";
			d[nd++] = (char)c;
			continue;
		}
		switch (c) {
		case ' ': case '.': case '-': case '/': case ')':
			break;
		case '(':
			/* "+32 (0)470...": the trunk prefix after a country code. */
			if ((plus ? nd > 0 : nd > 2 && d[0] == '0' && d[1] == '0') &&
			    i + 2 < n && s[i + 1] == '0' && s[i + 2] == ')')
				i += 2;
			break;
		case '+':
			if (plus || nd > 0)
				return R_PHONE "'+' not at the start";
			plus = 1;
			break;
		default:
			return is_alpha(c) ? R_PHONE "contains a letter" : R_PHONE "invalid character";
		}
	}

	if (nd == 0)
		return R_PHONE "no digits";
	if (plus) {
		num = d;
		nn = nd;
	} else if (nd >= 2 && d[0] == '0' && d[1] == '0') {
		num = d + 2;
		nn = nd - 2;
	} else if (d[0] == '0') {
		/* Belgian national form: the trunk '0' becomes +32. */
		if (nd < 9 || nd > 10)
			return R_PHONE "Belgian national number must have 9 or 10 digits";
		memcpy(out, "+32", 3);
		memcpy(out + 3, d + 1, nd - 1);
		*outlen = nd + 2;
		out[*outlen] = '\0';
		return NULL;
	} else {
		return R_PHONE "no country code and not a Belgian national number";
	}

	if (nn == 0)
		return R_PHONE "no digits after the international prefix";
	if (num[0] == '0')
		return R_PHONE "country code starts with 0";
	if (nn > 15)
		return R_PHONE "more than 15 digits";
	if (nn < 8)
		return R_PHONE "fewer than 8 digits";
	if (num[0] == '3' && num[1] == '2') {
		if (num[2] == '0')
			return R_PHONE "trunk prefix 0 after country code 32";
		if (nn - 2 < 8 || nn - 2 > 9)
			return R_PHONE "Belgian number must have 8 or 9 digits after the country code";
	}
	out[0] = '+';
	memcpy(out + 1, num, nn);
	*outlen = nn + 1;
	out[*outlen] = '\0';
	return NULL;
}

/* ---- national register number ------------------------------------------- */

static unsigned digits_value(const char *d, size_t n)
{
	unsigned v = 0;

	while (n-- > 0)
		v = v * 10 + (unsigned)(*d++ - '0');
	return v;
}

/*
 * The current year in local time, as python-stdnum's date.today() has it;
 * INT_MAX when the clock cannot be read, which accepts every 20xx birth
 * (what dsmap did before it looked at the year).
 */
static int clock_year(void)
{
	time_t t = time(NULL);
	struct tm tm;

	if (t == (time_t)-1 || localtime_r(&t, &tm) == NULL)
		return INT_MAX;
	return tm.tm_year + 1900;
}

/*
 * The checksum is 97 - (the first nine digits mod 97), or for a birth from
 * 2000 on the same over "2" and the nine digits.  The second reading is
 * only taken for a year that has come, as python-stdnum's be.nn does:
 * otherwise about 1 in 1,000 mistyped numbers of the 1900s passes as a
 * birth to come.  `year` is the current year, 0 to read the clock (only
 * read for the second reading).
 */
static const char *nrn(char *out, size_t *outlen, const unsigned char *s, size_t n, int year)
{
	uint32_t first9, check, month, day;
	size_t nd = 0, i;

	for (i = 0; i < n; i++) {
		unsigned c = s[i];

		if (is_digit(c)) {
			if (nd == 11)
				return R_NRN "not 11 digits";
			out[nd++] = (char)c;
		} else if (c != '.' && c != '-' && c != ' ') {
			return R_NRN "invalid character";
		}
	}
	if (nd != 11)
		return R_NRN "not 11 digits";

	first9 = digits_value(out, 9);
	check = digits_value(out + 9, 2);
	if (check != 97 - first9 % 97) {
		if (check != 97 - (2000000000u + first9) % 97)
			return R_NRN "checksum does not match";
		if (year == 0)
			year = clock_year();
		if (2000 + (int)digits_value(out, 2) > year)
			return R_NRN "checksum matches only a birth in a year still to come";
	}
	month = digits_value(out + 2, 2);
	day = digits_value(out + 4, 2);
	if (month % 20 > 12 || month > 52)   /* 0..12, BIS 20..32 and 40..52 */
		return R_NRN "month out of range";
	if (day > 31)
		return R_NRN "day out of range";
	out[11] = '\0';
	*outlen = 11;
	return NULL;
}

/* ---- customer number, account id ---------------------------------------- */

static const char *code(char *out, size_t *outlen, const unsigned char *s, size_t n,
                        const char *bad_char, const char *too_long)
{
	size_t o = 0, i;

	for (i = 0; i < n; i++) {
		unsigned c = s[i];

		if (c == ' ')
			continue;
		c = to_upper(c);
		if (!is_upper(c) && !is_digit(c) && c != '-' && c != '_' && c != '.' && c != '/')
			return bad_char;
		if (o == CODE_MAX)
			return too_long;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	*outlen = o;
	return NULL;
}

/* ---- IMEI --------------------------------------------------------------- */

static const char *imei(char *out, size_t *outlen, const unsigned char *s, size_t n)
{
	unsigned sum = 0;
	size_t nd = 0, i;

	for (i = 0; i < n; i++) {
		unsigned c = s[i];

		if (is_digit(c)) {
			if (nd == 15)
				return R_IMEI "IMEI must have 15 digits";
			out[nd++] = (char)c;
		} else if (c != ' ' && c != '-' && c != '/' && c != '.') {
			return R_IMEI "invalid character";
		}
	}
	if (nd != 15)
		return R_IMEI "IMEI must have 15 digits";
	/* Luhn: double every second digit from the right, check digit excluded. */
	for (i = 0; i < 15; i++) {
		unsigned v = (unsigned)(out[i] - '0');

		if (i % 2 == 1 && (v *= 2) > 9)
			v -= 9;
		sum += v;
	}
	if (sum % 10 != 0)
		return R_IMEI "Luhn check digit does not match";
	out[15] = '\0';
	*outlen = 15;
	return NULL;
}

/* ---- IP ----------------------------------------------------------------- */

static size_t put_u8(char *out, unsigned v)
{
	size_t o = 0;

	if (v >= 100)
		out[o++] = (char)('0' + v / 100);
	if (v >= 10)
		out[o++] = (char)('0' + v / 10 % 10);
	out[o++] = (char)('0' + v % 10);
	return o;
}

static size_t fmt_ipv4(char *out, const unsigned char a[4])
{
	size_t o = 0;
	int i;

	for (i = 0; i < 4; i++) {
		if (i > 0)
			out[o++] = '.';
		o += put_u8(out + o, a[i]);
	}
	out[o] = '\0';
	return o;
}

/*
 * RFC 5952: lowercase hex groups without leading zeros, the first longest
 * run of two or more zero groups as "::".  Unlike some inet_ntop(), never
 * the dotted IPv4 tail of the deprecated IPv4-compatible form, so that a
 * hash is the same whichever libc computed it.
 */
static size_t fmt_ipv6(char *out, const unsigned char a[16])
{
	static const char hex[] = "0123456789abcdef";
	unsigned w[8];
	int i, base = -1, best = 0, run = 0;
	size_t o = 0;

	for (i = 0; i < 8; i++) {
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
		run = w[i] == 0 ? run + 1 : 0;
		if (run > best) {
			best = run;
			base = i - run + 1;
		}
	}
	if (best < 2)
		base = -1;
	for (i = 0; i < 8; i++) {
		int shift, started = 0;

		if (i == base) {
			out[o++] = ':';
			out[o++] = ':';
			i += best - 1;
			continue;
		}
		if (i > 0 && i != base + best)
			out[o++] = ':';
		for (shift = 12; shift >= 0; shift -= 4) {
			unsigned x = w[i] >> shift & 0xf;

			if (x != 0 || started || shift == 0) {
				out[o++] = hex[x];
				started = 1;
			}
		}
	}
	out[o] = '\0';
	return o;
}

static const char *ip(char *out, size_t *outlen, const unsigned char *s, size_t n)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char buf[INET6_ADDRSTRLEN];
	unsigned char a[16];
	int bracket = 0;

	if (s[0] == '[') {
		if (n < 2 || s[n - 1] != ']')
			return R_IP "not an IPv4 or IPv6 address";
		s++;
		n -= 2;
		bracket = 1;
	}
	if (memchr(s, '%', n) != NULL)
		return R_IP "zone ids are not accepted";
	if (n == 0 || n >= sizeof(buf))
		return R_IP "not an IPv4 or IPv6 address";
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!bracket && memchr(buf, ':', n) == NULL) {
		if (inet_pton(AF_INET, buf, a) != 1)
			return R_IP "not an IPv4 or IPv6 address";
		*outlen = fmt_ipv4(out, a);
		return NULL;
	}
	if (inet_pton(AF_INET6, buf, a) != 1)
		return R_IP "not an IPv4 or IPv6 address";
	if (memcmp(a, mapped, sizeof(mapped)) == 0)
		*outlen = fmt_ipv4(out, a + 12);
	else
		*outlen = fmt_ipv6(out, a);
	return NULL;
}

/* ---- device id ---------------------------------------------------------- */

/* Is s a MAC address: 12 hex digits, bare, "aa:bb:..", "aa-bb-.." or "aabb.ccdd.eeff"? */
static int is_hex_run(const unsigned char *s, size_t n)
{
	while (n-- > 0)
		if (!is_hex(*s++))
			return 0;
	return 1;
}

static int is_mac(const unsigned char *s, size_t n)
{
	unsigned sep;
	size_t i, group, pos = 0;

	switch (n) {
	case 12:
		return is_hex_run(s, 12);
	case 14:
		sep = '.';
		group = 4;
		break;
	case 17:
		sep = s[2];
		if (sep != ':' && sep != '-')
			return 0;
		group = 2;
		break;
	default:
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (pos == group) {
			if (s[i] != sep)
				return 0;
			pos = 0;
		} else if (!is_hex(s[i])) {
			return 0;
		} else {
			pos++;
		}
	}
	return 1;
}

static const char *device(char *out, size_t *outlen, const unsigned char *s, size_t n)
{
	size_t o = 0, i;

	if (is_mac(s, n)) {
		for (i = 0; i < n; i++) {
			if (!is_hex(s[i]))
				continue;
			if (o % 3 == 2)
				out[o++] = ':';
			out[o++] = (char)to_lower(s[i]);
		}
		out[o] = '\0';
		*outlen = o;
		return NULL;
	}
	if (n > CODE_MAX)
		return R_DEVICE "longer than 64 characters";
	for (i = 0; i < n; i++) {
		unsigned c = to_lower(s[i]);

		if (!is_lower(c) && !is_digit(c) && c != '-' && c != '_' && c != ':' && c != '.')
			return c == ' ' ? R_DEVICE "whitespace inside the id" : R_DEVICE "invalid character";
		out[i] = (char)c;
	}
	out[n] = '\0';
	*outlen = n;
	return NULL;
}

/* ---- entry points ------------------------------------------------------- */

const char *dsmap_ident__normalise(char *out, size_t *outlen, int kind,
                                   const char *value, size_t len)
{
	return dsmap_ident__normalise_at(out, outlen, kind, value, len, 0);
}

const char *dsmap_ident__normalise_at(char *out, size_t *outlen, int kind,
                                      const char *value, size_t len, int year)
{
	const unsigned char *s = (const unsigned char *)value;
	const char *why;
	size_t i;

	out[0] = '\0';
	*outlen = 0;
	if (!known(kind))
		return "unknown identifier kind";
	if (s == NULL)
		len = 0;
	while (len > 0 && is_space(s[0])) {
		s++;
		len--;
	}
	while (len > 0 && is_space(s[len - 1]))
		len--;
	if (len == 0)
		return common[kind].empty;
	for (i = 0; i < len; i++)
		if (is_ctrl(s[i]))
			return common[kind].control;

	switch (kind) {
	case DSMAP_ID_EMAIL:
		why = email(out, outlen, s, len);
		break;
	case DSMAP_ID_PHONE:
		why = phone(out, outlen, s, len);
		break;
	case DSMAP_ID_NATIONAL_REGISTER_NUMBER:
		why = nrn(out, outlen, s, len, year);
		break;
	case DSMAP_ID_CUSTOMER_NUMBER:
		why = code(out, outlen, s, len, R_CUSTOMER "invalid character",
		           R_CUSTOMER "longer than 64 characters");
		break;
	case DSMAP_ID_ACCOUNT_ID:
		why = code(out, outlen, s, len, R_ACCOUNT "invalid character",
		           R_ACCOUNT "longer than 64 characters");
		break;
	case DSMAP_ID_IMEI:
		why = imei(out, outlen, s, len);
		break;
	case DSMAP_ID_IP:
		why = ip(out, outlen, s, len);
		break;
	default:
		why = device(out, outlen, s, len);
		break;
	}
	if (why != NULL) {
		out[0] = '\0';
		*outlen = 0;
	}
	return why;
}

int dsmap_ident_normalise(char *out, size_t outsize, size_t *outlen, int kind,
                          const char *value, size_t len)
{
	const char *why;
	size_t n;

	if (outlen != NULL)
		*outlen = 0;
	if (out != NULL && outsize > 0)
		out[0] = '\0';
	if (out == NULL || outsize < DSMAP_IDENT_MAX + 1)
		return dsmap_error__set(DSMAP_EINVALID,
		                        "identifier buffer smaller than %d bytes",
		                        DSMAP_IDENT_MAX + 1);
	if (!known(kind))
		return dsmap_error__set(DSMAP_EINVALID, "unknown identifier kind %d", kind);
	if (value == NULL && len > 0)
		return dsmap_error__set(DSMAP_EINVALID, "identifier value is NULL");
	if ((why = dsmap_ident__normalise(out, &n, kind, value, len)) == dsmap_ident__oom)
		return dsmap_error__oom();
	if (why != NULL)
		return dsmap_error__set(DSMAP_EINVALID, "%s", why);
	if (outlen != NULL)
		*outlen = n;
	return 0;
}

void dsmap_ident__hash(unsigned char out[DSMAP_IDENT_HASH_SIZE], const unsigned char key[32],
                       int kind, const char *norm, size_t len)
{
	unsigned char buf[1 + DSMAP_IDENT_MAX];
	crypto_generichash_state st;

	buf[0] = (unsigned char)kind;
	if (len <= DSMAP_IDENT_MAX) {
		if (len > 0)
			memcpy(buf + 1, norm, len);
		crypto_generichash(out, DSMAP_IDENT_HASH_SIZE, buf, len + 1, key, 32);
		return;
	}
	/* Longer than any normalised value: the same hash, in parts. */
	crypto_generichash_init(&st, key, 32, DSMAP_IDENT_HASH_SIZE);
	crypto_generichash_update(&st, buf, 1);
	crypto_generichash_update(&st, (const unsigned char *)norm, len);
	crypto_generichash_final(&st, out, DSMAP_IDENT_HASH_SIZE);
}
