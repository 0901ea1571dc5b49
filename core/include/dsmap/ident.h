/*
 * dsmap: data-subject inventory and lineage mapper.
 *
 * ident.h: identifier kinds and their normalisation.
 *
 * Sources hold the same identifier in many spellings ("Jan@Example.com ",
 * "0470 12 34 56", "85.07.30-033.28").  Before dsmap compares, counts or
 * hashes an identifier it normalises it: one canonical spelling per value,
 * so that two records of one subject meet.  The kinds are the
 * dsmap_id_kind values of plugin.h.
 *
 * Identifiers are personal data: the messages of this module name the kind
 * and what is wrong, never the value.
 *
 * Normalised forms, after leading and trailing ASCII whitespace is dropped
 * (an empty value, a control character or a NUL byte is always invalid):
 *
 *  - email: one '@'; UTF-8 must be well formed.
 *    The local part has 1..64 bytes, no leading, trailing or double dot, no
 *    whitespace and none of ()<>[]:;,\".  Its ASCII letters are lowercased
 *    and the rest is kept byte for byte: "Jan" and "jan" meet, "JOSÉ" and
 *    "josé" do not.  (RFC 5321 leaves the local part to the receiving
 *    server; folding ASCII case is what nearly all servers do.)
 *    The domain has at least two dot-separated labels, none empty, none
 *    starting or ending with '-', made of ASCII letters, digits, '-' and
 *    non-ASCII characters.  Its normal form is the lowercase A-label form
 *    ("xn--", punycode) of IDNA2008 (RFC 5890, 5891): a label with a
 *    non-ASCII character is lowercased (Unicode full case mapping, no
 *    locale), put in NFC and converted (libunistring, libidn2); an "xn--"
 *    label, whatever its case, must decode to a valid U-label.  So
 *    "a@bücher.de", "A@BÜCHER.DE" and "a@xn--bcher-kva.de" all normalise
 *    to "a@xn--bcher-kva.de".  The A-label rather than the U-label is the
 *    normal form because it is what DNS, and SMTP without SMTPUTF8, carry:
 *    plain ASCII, compared and hashed byte for byte without Unicode tables
 *    that change between versions.  IDNA2008 keeps 'ß' (no transitional
 *    "ss"), refuses the characters it disallows (symbols, emoji, fullwidth
 *    forms) and maps nothing else: no UTS #46 mapping.  Lengths count in
 *    that form: labels of 1..63 bytes, a domain of at most 253, the whole
 *    address at most 254.  An all-ASCII domain without "xn--" is only
 *    lowercased.
 *  - phone: E.164, "+" and 8..15 digits.  Separators " .-/()" are
 *    dropped, "00" is read as "+", a "(0)" after the country code is
 *    dropped.  A number without a country code is Belgian: its trunk '0'
 *    becomes "+32".  A Belgian number has 8 or 9 digits after "32".  No
 *    numbering plan is checked, and a '0' after a country code other than
 *    32 is kept unless written "(0)"; tests/peers/ident-peers.py counts
 *    where this differs from libphonenumber.
 *  - national-register-number: the 11 digits of a Belgian national
 *    register (or BIS) number, separators ".- " dropped; month 0..12
 *    (20..32, 40..52 for BIS numbers), day 0..31.  The checksum is
 *    97 - (the first nine digits mod 97) for a birth before 2000, or the
 *    same over "2" and the nine digits for a birth from 2000 on; the
 *    second reading holds only when 2000 + the first two digits is not a
 *    year still to come (local time), as python-stdnum's be.nn reads it.
 *    Without that, about 1 in 1,000 mistyped 1900s numbers passed as a
 *    birth in, say, 2075.  A number is thus valid from its year on.
 *  - customer-number, account-id: spaces dropped, ASCII letters
 *    uppercased, [A-Z0-9-_./] only, 1..64 bytes; leading zeros kept.
 *  - imei: 15 digits with a valid Luhn check digit; separators " -/."
 *    dropped.
 *  - ip: IPv4 in dotted decimal, or IPv6 compressed and lowercased as in
 *    RFC 5952 (hexadecimal groups only); "[...]" around an IPv6 address is
 *    accepted, an IPv4-mapped IPv6 address becomes its IPv4 address, a
 *    zone id ("%eth0") is refused.
 *  - device-id: a MAC address (12 hex digits, bare or grouped by ':' or
 *    '-' every 2 or '.' every 4) becomes "aa:bb:cc:dd:ee:ff"; anything
 *    else is lowercased, [a-z0-9-_:.] only, 1..64 bytes.
 */
#ifndef DSMAP_IDENT_H
#define DSMAP_IDENT_H

#include "common.h"
#include "plugin.h"

DSMAP_BEGIN_DECL

/** The longest normalised identifier, in bytes, NUL excluded. */
#define DSMAP_IDENT_MAX 254

/** The size of a keyed identifier hash, in bytes. */
#define DSMAP_IDENT_HASH_SIZE 16

/**
 * The name of an identifier kind, as mappings and the CLI spell it:
 * "email", "phone", "national-register-number", "customer-number",
 * "account-id", "imei", "ip" or "device-id".
 *
 * @param kind a dsmap_id_kind
 * @return a static string; NULL for an unknown kind
 */
DSMAP_EXTERN(const char *) dsmap_ident_kind_name(int kind);

/**
 * The kind named `name`: one of the names dsmap_ident_kind_name() returns,
 * or one of the short aliases "nrn", "customer", "account" and "device".
 * Names are case-sensitive.
 *
 * @param name the name, not necessarily NUL-terminated
 * @param len its length in bytes
 * @return a dsmap_id_kind; 0 when the name is unknown
 */
DSMAP_EXTERN(int) dsmap_ident_kind_from_name(const char *name, size_t len);

/**
 * Whether identifiers of a kind link records to one subject by default.
 * An e-mail address, a national register number or a customer number
 * belongs to one person; a phone number, an IP address, a device, an
 * IMEI or an account may be shared, so they only link when asked to.
 *
 * @param kind a dsmap_id_kind
 * @return 1 for email, national-register-number and customer-number;
 *         0 for the other kinds and for an unknown kind
 */
DSMAP_EXTERN(int) dsmap_ident_kind_links(int kind);

/**
 * Validate an identifier and write its normalised form (see the top of
 * this file).
 *
 * Allocates only for an internationalised e-mail domain (libidn2), and
 * frees it before returning; reads the clock only for a national register
 * number of a birth from 2000 on.  Thread-safe.  On failure the last error
 * says what is wrong, e.g. "invalid e-mail address: no '@'" or "invalid
 * e-mail address: domain has a character IDNA does not allow"; it never
 * quotes the value.
 *
 * @param out where the NUL-terminated normalised form is written; set to
 *        "" on failure
 * @param outsize the size of `out`; at least DSMAP_IDENT_MAX + 1
 * @param outlen set to the length of the normalised form (0 on failure);
 *        may be NULL
 * @param kind a dsmap_id_kind
 * @param value the raw value, not necessarily NUL-terminated; may be NULL
 *        when `len` is 0
 * @param len its length in bytes
 * @return 0; DSMAP_EINVALID for an invalid value, an unknown kind or an
 *         `out` smaller than DSMAP_IDENT_MAX + 1 bytes; DSMAP_ENOMEM when
 *         memory ran out converting a domain
 */
DSMAP_EXTERN(int) dsmap_ident_normalise(char *out, size_t outsize, size_t *outlen, int kind,
                                        const char *value, size_t len);

DSMAP_END_DECL

#endif /* DSMAP_IDENT_H */
