#!/usr/bin/env python3
"""Differential test: dsmap's identifier normalisation against its peers.

Usage: ident-peers.py [--seed N] [--cases N] -- DRIVER [ARGS...]

DRIVER is tests/peers/ident-normalise (maybe behind valgrind): it reads
"KIND<tab>VALUE" lines and answers "ok<tab>FORM" or "invalid<tab>REASON",
one process for every case.

The peers are python-stdnum (be.nn, be.bis where it exists, imei) and
phonenumbers (parsed as in Belgium, is_valid_number, E.164).  From a fixed
seed the script makes thousands of national register numbers (valid 19xx
and 20xx births, births to come, BIS numbers, unknown birth dates, mistyped
and random ones), IMEIs (valid, mistyped, 14 and 16 digits) and Belgian and
foreign phone numbers, each in several spellings, and checks:

 (a) what the peer accepts, dsmap accepts;
 (b) spellings the peer normalises alike, dsmap normalises alike;
 (c) where both accept, dsmap's normal form is the peer's (11 digits,
     15 digits, E.164);
 (d) dsmap accepts no national register number whose checksum the peer
     refuses (the rule of births to come) and no IMEI whose Luhn digit the
     peer refuses.

Where dsmap is knowingly stricter or looser than its peer, the case is
counted under a named difference, printed, and not a failure; anything
else is.  The output ends with "N passed, N failed" (tests/integration).
"""

import argparse
import collections
import datetime
import random
import subprocess
import sys

import phonenumbers as pn
import stdnum
import stdnum.be.nn as nn
import stdnum.imei as imei
import stdnum.luhn as luhn
from stdnum.exceptions import InvalidChecksum, ValidationError

try:
    import stdnum.be.bis as bis   # python-stdnum >= 1.19
except ImportError:
    bis = None

NRN = "national-register-number"
IMEI = "imei"
PHONE = "phone"

# Known differences: a case that disagrees with its peer in one of these
# ways is counted under the name, not failed.
STRICT_NRN_RANGE = ("dsmap stricter: national register number with a month or day out of "
                    "range (this stdnum reads only the checksum)")
LOOSE_NRN_DATE = ("dsmap looser: national register number with a date that is not in the "
                  "calendar (dsmap checks ranges, this stdnum the date)")
STRICT_IMEI_LEN = ("dsmap stricter: IMEI of 14 digits (no check digit) or 16 (IMEISV): "
                   "dsmap takes the 15-digit IMEI only")
LOOSE_IMEI_SEP = "dsmap looser: IMEI written with '/' or '.' (stdnum drops ' ' and '-' only)"
LOOSE_PHONE_PLAN = ("dsmap looser: phone number the numbering plan refuses (dsmap checks the "
                    "E.164 length only)")
STRICT_PHONE_SHORT = ("dsmap stricter: phone number of fewer than 8 digits (a few countries, "
                      "e.g. +683 Niue)")
STRICT_PHONE_LETTERS = "dsmap stricter: phone number written with letters ('tel:', 'ext.')"
STRICT_PHONE_TRUNK32 = "dsmap stricter: a '0' after +32 is refused, not dropped"
STRICT_PHONE_NO_TRUNK = ("dsmap stricter: a number with neither country code nor trunk '0' is "
                         "refused (phonenumbers reads it as Belgian)")
DIFF_PHONE_TRANSFORM = ("dsmap differs: phonenumbers rewrites the number by its plan's "
                        "transform rule (+672 Norfolk Island...)")
DIFF_PHONE_TRUNK0 = ("dsmap differs: a bare '0' after a foreign country code is kept, not "
                     "dropped as the trunk prefix (no numbering plans)")
DIFF_PHONE_PAREN0 = ("dsmap differs: '(0)' after a country code whose numbers begin with 0 "
                     "(Italy...) is dropped")


class Case:
    __slots__ = ("kind", "value", "cls", "note", "peer_ok", "peer_form", "peer_exc",
                 "peer_transforms", "ds_ok", "ds_form")

    def __init__(self, kind, value, cls, note=None):
        self.kind, self.value, self.cls, self.note = kind, value, cls, note
        self.peer_transforms = False


# ---- national register numbers ---------------------------------------------

def nrn_of(yy, mm, dd, serial, century):
    first9 = "%02d%02d%02d%03d" % (yy, mm, dd, serial)
    base = int(first9) + (2000000000 if century == 20 else 0)
    return first9 + "%02d" % (97 - base % 97)


def nrn_spellings(rng, d):
    spell = [
        d,
        "%s.%s.%s-%s.%s" % (d[0:2], d[2:4], d[4:6], d[6:9], d[9:]),
        "%s %s %s %s %s" % (d[0:2], d[2:4], d[4:6], d[6:9], d[9:]),
        "%s-%s-%s" % (d[0:6], d[6:9], d[9:]),
        "%s.%s.%s-%s %s" % (d[0:2], d[2:4], d[4:6], d[6:9], d[9:]),
        "%s %s" % (d[0:6], d[6:]),
        " %s " % d,
    ]
    return [spell[0]] + rng.sample(spell[1:], 3)


def mistype(rng, d, length=True):
    """One typing error: a digit changed, two swapped, or (with `length`)
    one dropped or doubled."""
    i = rng.randrange(len(d))
    how = rng.randrange(4 if length else 2)
    if how == 0:
        return d[:i] + str((int(d[i]) + rng.randint(1, 9)) % 10) + d[i + 1:]
    if how == 1 and i + 1 < len(d) and d[i] != d[i + 1]:
        return d[:i] + d[i + 1] + d[i] + d[i + 2:]
    if how == 2:
        return d[:i] + d[i + 1:]
    return d[:i] + d[i] + d[i:]


def gen_nrn(rng, scale):
    out = []

    def add(cls, d):
        for s in nrn_spellings(rng, d):
            out.append(Case(NRN, s, cls))

    def date():
        return rng.randint(1, 12), rng.randint(1, 28), rng.randint(1, 998)

    valid = []
    for _ in range(scale):
        mm, dd, sn = date()
        d = nrn_of(rng.randrange(100), mm, dd, sn, 19)
        valid.append(d)
        add("19xx birth", d)
    for _ in range(scale):
        mm, dd, sn = date()
        d = nrn_of(rng.randrange(100), mm, dd, sn, 20)   # past and to come
        valid.append(d)
        add("20xx birth", d)
    for _ in range(scale // 4):
        mm, dd, sn = date()
        d = nrn_of(rng.randrange(100), mm + rng.choice((20, 40)), dd, sn, rng.choice((19, 20)))
        valid.append(d)
        add("BIS number", d)
    for _ in range(scale // 10):
        mm, dd, sn = date()
        mm, dd = rng.choice(((0, 0), (mm, 0), (0, dd)))
        add("unknown birth date", nrn_of(rng.randrange(100), mm, dd, sn, rng.choice((19, 20))))
    for _ in range(scale // 10):
        _, dd, sn = date()
        mm = rng.choice(list(range(13, 20)) + list(range(33, 40)) + list(range(53, 100)))
        add("month out of range", nrn_of(rng.randrange(100), mm, dd, sn, rng.choice((19, 20))))
    for _ in range(scale // 10):
        mm, _, sn = date()
        add("day out of range", nrn_of(rng.randrange(100), mm, rng.randint(32, 99), sn, 19))
    # Many mistypes that keep 11 digits, two spellings each: a few fit the
    # other century's checksum, most of those as births to come.
    for _ in range(scale * 3):
        d = mistype(rng, rng.choice(valid), length=False)
        for s in nrn_spellings(rng, d)[:2]:
            out.append(Case(NRN, s, "mistyped"))
    for _ in range(scale // 4):
        add("random digits", "%011d" % rng.randrange(10 ** 11))
    return out


def peer_nrn(c):
    form = nn.compact(c.value)
    try:
        nn.validate(c.value)
        return True, form, None
    except ValidationError as e:
        if bis is not None and bis.is_valid(c.value):
            return True, bis.compact(c.value), None
        return False, form, e


# ---- IMEIs -----------------------------------------------------------------

def gen_imei(rng, scale):
    out = []

    def add(cls, d, note=None):
        spell = [d, "%s-%s-%s-%s" % (d[:2], d[2:8], d[8:14], d[14:]),
                 "%s %s %s %s" % (d[:2], d[2:8], d[8:14], d[14:]),
                 "%s-%s-%s" % (d[:8], d[8:14], d[14:])]
        for s in [spell[0]] + rng.sample(spell[1:], 2):
            out.append(Case(IMEI, s.rstrip("- "), cls, note))
        if rng.randrange(4) == 0:
            sep = rng.choice("/.")
            out.append(Case(IMEI, sep.join((d[:2], d[2:8], d[8:14], d[14:])).rstrip(sep), cls))

    valid = []
    for _ in range(scale):
        body = rng.choice(("35", "86", "01", "49", "99")) + "%012d" % rng.randrange(10 ** 12)
        d = body + luhn.calc_check_digit(body)
        valid.append(d)
        add("valid", d)
    for d in rng.sample(valid, scale):
        add("mistyped", mistype(rng, d))
    for d in rng.sample(valid, scale // 10):
        add("14 digits, no check digit", d[:14])
    for d in rng.sample(valid, scale // 10):
        add("16 digits, IMEISV", d[:14] + "%02d" % rng.randrange(100))
    return out


def peer_imei(c):
    form = imei.compact(c.value)
    try:
        imei.validate(c.value)
        return True, form, None
    except ValidationError as e:
        return False, form, e


# ---- phone numbers -----------------------------------------------------------

BE_AREAS = ["2", "3", "4", "9"] + [str(a) for a in (10, 11, 12, 13, 14, 15, 16, 19, 50, 51, 52,
                                                      53, 54, 55, 56, 57, 58, 59, 60, 61, 63,
                                                      64, 65, 67, 69, 71, 80, 81, 82, 83, 84,
                                                      85, 86, 87, 89)]


def be_nsn(rng):
    r = rng.randrange(10)
    if r < 4:
        return "4" + rng.choice("5678999") + "%07d" % rng.randrange(10 ** 7)
    if r < 8:
        a = rng.choice(BE_AREAS)
        return a + "%0*d" % (8 - len(a), rng.randrange(10 ** (8 - len(a))))
    if r < 9:
        return rng.choice(("800", "900", "70", "78", "77")) + "%05d" % rng.randrange(10 ** 5)
    n = rng.choice((7, 10))
    return rng.choice("23456789") + "%0*d" % (n - 1, rng.randrange(10 ** (n - 1)))


def foreign_numbers(rng, scale):
    nums = []
    types = (pn.PhoneNumberType.MOBILE, pn.PhoneNumberType.FIXED_LINE)
    regions = sorted(r for r in pn.SUPPORTED_REGIONS if r != "BE")
    while len(nums) < scale:
        region = rng.choice(regions)
        ex = pn.example_number_for_type(region, rng.choice(types))
        if ex is None:
            continue
        nsn = pn.national_significant_number(ex)
        for _ in range(10):
            k = min(3, len(nsn) - 2)
            cand = nsn[:-k] + "".join(rng.choice("0123456789") for _ in range(k))
            p = pn.parse("+%d%s" % (ex.country_code, cand), None)
            if pn.is_valid_number(p):
                nsn = cand
                break
        nums.append((region, ex.country_code, nsn))
    return nums


def trunk_prefix(region):
    md = pn.PhoneMetadata.metadata_for_region(region)
    return md.national_prefix if md is not None else None


def phone_spellings(rng, region, cc, nsn):
    """(spelling, note) pairs of one number."""
    try:
        p = pn.parse("+%d%s" % (cc, nsn), None)
    except pn.NumberParseException:
        return [("+%d%s" % (cc, nsn), None)]
    intl = pn.format_number(p, pn.PhoneNumberFormat.INTERNATIONAL)
    rest = intl[len("+%d " % cc):] if intl.startswith("+%d " % cc) else nsn
    spell = [
        ("+%d%s" % (cc, nsn), None),
        (intl, None),
        ("00" + intl[1:], None),
        (intl.replace(" ", "-"), None),
        ("+%d.%s" % (cc, rest.replace(" ", ".").replace("-", ".")), None),
        ("+%d/%s" % (cc, rest.replace(" ", "/").replace("-", "/")), None),
        ("(+%d) %s" % (cc, rest), None),
        ("  %s\t" % intl, None),
    ]
    trunk = trunk_prefix(region)
    if trunk == "0" and not nsn.startswith("0"):
        spell.append(("+%d (0)%s" % (cc, rest), None))
        spell.append(("00%d (0)%s" % (cc, rest), None))
        spell.append(("+%d 0%s" % (cc, rest),
                      STRICT_PHONE_TRUNK32 if cc == 32 else DIFF_PHONE_TRUNK0))
    elif nsn.startswith("0"):
        spell.append(("+%d (0)%s" % (cc, rest[1:].lstrip()), DIFF_PHONE_PAREN0))
    if region == "BE" or rng.randrange(8) == 0:
        nat = pn.format_number(p, pn.PhoneNumberFormat.NATIONAL)
        spell.append((nat, None))
        if region == "BE":
            digits = "".join(ch for ch in nat if ch.isdigit())
            spell.append((digits, None))
            spell.append((nat.replace(" ", "/", 1).replace(" ", "."), None))
            spell.append((nat.replace(" ", "-"), None))
    if rng.randrange(10) == 0:
        spell.append(("tel:+%d%s" % (cc, nsn), STRICT_PHONE_LETTERS))
        spell.append(("%s ext. %d" % (intl, rng.randint(1, 99)), STRICT_PHONE_LETTERS))
    head, tail = spell[:2], spell[2:]
    return head + rng.sample(tail, min(len(tail), 5))


def gen_phone(rng, scale):
    out = []
    for _ in range(scale):
        for s, note in phone_spellings(rng, "BE", 32, be_nsn(rng)):
            out.append(Case(PHONE, s, "Belgian", note))
    for region, cc, nsn in foreign_numbers(rng, scale):
        for s, note in phone_spellings(rng, region, cc, nsn):
            out.append(Case(PHONE, s, "foreign", note))
    for region, cc, nsn in foreign_numbers(rng, scale // 5):
        # a digit more or fewer: mostly refused by the numbering plan
        nsn = nsn[:-1] if rng.randrange(2) else nsn + rng.choice("0123456789")
        for s, note in phone_spellings(rng, region, cc, nsn)[:3]:
            out.append(Case(PHONE, s, "foreign, wrong length", note))
    return out


def peer_phone(c):
    try:
        p = pn.parse(c.value, "BE")
    except pn.NumberParseException as e:
        return False, None, e
    form = pn.format_number(p, pn.PhoneNumberFormat.E164)
    md = pn.PhoneMetadata.metadata_for_region(pn.region_code_for_number(p) or "ZZ")
    c.peer_transforms = md is not None and md.national_prefix_transform_rule is not None
    return pn.is_valid_number(p), form, None


PEERS = {NRN: peer_nrn, IMEI: peer_imei, PHONE: peer_phone}


# ---- the comparison ----------------------------------------------------------

def run_dsmap(cmd, cases):
    data = "".join("%s\t%s\n" % (c.kind, c.value) for c in cases).encode()
    try:
        res = subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             check=False)
    except OSError as e:
        raise SystemExit("ident-peers: cannot run the driver: %s" % e) from None
    lines = res.stdout.decode().split("\n")[:-1]
    if res.returncode != 0 or len(lines) != len(cases):
        sys.stderr.write(res.stderr.decode())
        raise SystemExit("ident-peers: the driver exited %d after %d of %d answers"
                         % (res.returncode, len(lines), len(cases)))
    for c, line in zip(cases, lines):
        status, _, text = line.partition("\t")
        c.ds_ok = status == "ok"
        c.ds_form = text
        if status not in ("ok", "invalid"):
            raise SystemExit("ident-peers: the driver answered %r" % line)


def refusal_note(c):
    """Why dsmap may refuse what the peer accepts, or None."""
    if c.kind == NRN and ("month out of range" in c.ds_form or "day out of range" in c.ds_form):
        return STRICT_NRN_RANGE
    if c.kind == IMEI and len(c.peer_form) in (14, 16):
        return STRICT_IMEI_LEN
    if c.kind == PHONE and len(c.peer_form) - 1 < 8 and "fewer than 8 digits" in c.ds_form:
        return STRICT_PHONE_SHORT
    if c.kind == PHONE and c.note == STRICT_PHONE_TRUNK32 and "trunk prefix" in c.ds_form:
        return c.note
    if c.kind == PHONE and c.note == STRICT_PHONE_LETTERS and "letter" in c.ds_form:
        return c.note
    if c.kind == PHONE and "no country code and not a Belgian national number" in c.ds_form:
        return STRICT_PHONE_NO_TRUNK
    return c.note if c.note in (DIFF_PHONE_TRUNK0, DIFF_PHONE_PAREN0) else None


def acceptance_note(c):
    """Why dsmap may accept what the peer refuses, or None (a failure)."""
    if c.kind == NRN:
        # The checksum is the rule both read; a date is this stdnum's business.
        return None if isinstance(c.peer_exc, InvalidChecksum) else LOOSE_NRN_DATE
    if c.kind == IMEI:
        return LOOSE_IMEI_SEP if imei.is_valid(c.value.replace("/", "").replace(".", "")) \
            else None
    if c.peer_exc is None:   # parsed, refused by the numbering plan
        return LOOSE_PHONE_PLAN
    return c.note if c.note in (DIFF_PHONE_TRUNK0, DIFF_PHONE_PAREN0) else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--scale", type=int, default=1000)
    ap.add_argument("driver", nargs="+")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    cases = gen_nrn(rng, args.scale) + gen_imei(rng, args.scale) + gen_phone(rng, args.scale)
    for c in cases:
        c.peer_ok, c.peer_form, c.peer_exc = PEERS[c.kind](c)
    run_dsmap(args.driver, cases)

    notes = collections.Counter()
    example = {}
    fails = collections.defaultdict(list)   # property -> examples
    checked = collections.Counter()
    groups = collections.defaultdict(set)   # (kind, peer form) -> dsmap forms
    stats = collections.defaultdict(collections.Counter)

    for c in cases:
        s = stats[(c.kind, c.cls)]
        s["cases"] += 1
        s["peer accepts"] += c.peer_ok
        s["dsmap accepts"] += c.ds_ok
        if c.kind == NRN and not c.ds_ok and "year still to come" in c.ds_form:
            s["births to come"] += 1
        if c.peer_ok:
            checked["a"] += 1
            if not c.ds_ok:
                note = refusal_note(c)
                if note is None:
                    fails["a"].append("%s %r: peer accepts as %s, dsmap: %s"
                                      % (c.kind, c.value, c.peer_form, c.ds_form))
                else:
                    notes[note] += 1
                    example.setdefault(note, c)
                continue
            if c.ds_form != c.peer_form:
                note = c.note if c.note in (DIFF_PHONE_TRUNK0, DIFF_PHONE_PAREN0) else None
                if note is None and c.peer_transforms:
                    note = DIFF_PHONE_TRANSFORM
                if note is None:
                    fails["c"].append("%s %r: peer %s, dsmap %s"
                                      % (c.kind, c.value, c.peer_form, c.ds_form))
                else:
                    notes[note] += 1
                    example.setdefault(note, c)
                continue
            checked["c"] += 1
            groups[(c.kind, c.peer_form)].add(c.ds_form)
        elif c.ds_ok:
            note = acceptance_note(c)
            if note is None:
                fails["d"].append("%s %r: peer refuses (%s), dsmap accepts as %s"
                                  % (c.kind, c.value, type(c.peer_exc).__name__, c.ds_form))
            else:
                notes[note] += 1
                example.setdefault(note, c)
        if c.kind in (NRN, IMEI) and not c.peer_ok:
            checked["d"] += 1

    nspell = collections.Counter(k for c in cases if c.peer_ok and c.ds_ok
                                 for k in [(c.kind, c.peer_form)])
    for key, forms in groups.items():
        if nspell[key] > 1:
            checked["b"] += 1
        if len(forms) > 1:
            fails["b"].append("%s %s: dsmap forms %s" % (key[0], key[1], sorted(forms)))

    print("ident-peers: seed %d, %d cases; python-stdnum %s%s, phonenumbers %s, today %s"
          % (args.seed, len(cases), stdnum.__version__, " (with be.bis)" if bis else "",
             pn.__version__, datetime.date.today()))
    print()
    print("%-26s %-28s %7s %7s %7s %7s" % ("kind", "class", "cases", "peer", "dsmap", "to come"))
    for (kind, cls), s in stats.items():
        print("%-26s %-28s %7d %7d %7d %7s" % (kind, cls, s["cases"], s["peer accepts"],
                                              s["dsmap accepts"],
                                              s["births to come"] if kind == NRN else "-"))
    print("(peer, dsmap: how many each accepts; to come: refused as births in a year to come)")
    print()
    print("known differences, counted and not failed:")
    for note in (STRICT_NRN_RANGE, LOOSE_NRN_DATE, STRICT_IMEI_LEN, LOOSE_IMEI_SEP,
                 LOOSE_PHONE_PLAN, STRICT_PHONE_SHORT, STRICT_PHONE_LETTERS,
                 STRICT_PHONE_TRUNK32, STRICT_PHONE_NO_TRUNK, DIFF_PHONE_TRUNK0,
                 DIFF_PHONE_PAREN0, DIFF_PHONE_TRANSFORM):
        print("  %6d  %s" % (notes[note], note))
        c = example.get(note)
        if c is not None:
            print("          e.g. %r: peer %s, dsmap %s"
                  % (c.value, c.peer_form if c.peer_ok else "refuses",
                     c.ds_form if c.ds_ok else "refuses"))
    print()

    props = [
        ("a", "(a) an identifier the peer accepts is not refused by dsmap"),
        ("b", "(b) spellings the peer normalises alike normalise alike in dsmap"),
        ("c", "(c) where both accept, dsmap's normal form is the peer's"),
        ("d", "(d) no NRN checksum or IMEI Luhn digit the peer refuses is accepted"),
    ]
    passed = failed = 0
    for key, desc in props:
        if fails[key]:
            failed += 1
            print("not ok - %s: %d of %d cases" % (desc, len(fails[key]), checked[key]))
            for line in fails[key][:10]:
                print("  " + line)
        else:
            passed += 1
            print("ok %d - %s (%d %s)" % (passed, desc, checked[key],
                                          "groups of 2+ spellings" if key == "b" else "cases"))
    # The cases must reach what they test: without these, the checks above
    # could pass on nothing.
    cover = [
        ("births to come are generated, and dsmap refuses them",
         sum(s["births to come"] for s in stats.values()) > 10),
        ("every class of valid identifiers has some the peer accepts",
         all(s["peer accepts"] > 0 for (k, cls), s in stats.items()
             if cls not in ("month out of range", "day out of range", "random digits"))),
        ("spellings meet in groups of each kind",
         all(any(k == kind for (k, _), n in nspell.items() if n > 2) for kind in PEERS)),
    ]
    for desc, ok in cover:
        if ok:
            passed += 1
            print("ok %d - %s" % (passed, desc))
        else:
            failed += 1
            print("not ok - %s" % desc)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
