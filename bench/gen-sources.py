#!/usr/bin/env python3
"""Generate the four demo source systems of a benchmark or a test.

usage: gen-sources.py WORKSPACE SUBJECTS [--postgres-csv FILE]

Writes under WORKSPACE:
  data/crm.sqlite     customers: one row per subject (customer number,
                      e-mail, phone, national register number, birth date,
                      IBAN, updated_at)
  data/billing.csv    invoices: one row per subject (customer number, IBAN,
                      amount, date), ';'-separated, with a header
  data/weblog.jsonl   one line per subject (nested customer number, IP,
                      device id, timestamp)
  data/tickets.csv    (with --postgres-csv FILE, written there instead) the
                      rows of the PostgreSQL tickets table, for COPY
and mappings/systems/{crm,billing,weblog}.yaml (and tickets.yaml when
--postgres-csv is given).  Everything is derived from the subject number,
so two runs give the same files; the data is synthetic, never real.
Only the standard library is used.

Every identifier is unique to its subject, at any size the generator
accepts (up to 16,777,216 subjects, where the IP addresses 10.x.y.z run
out): customer numbers, e-mails, phones, IPs, device ids, and national
register numbers with their real checksum and a birth date from 1930 to
2005.  The exceptions are deliberate placeholders, as a real CRM has them,
so that the identity-conflict path of locate (an identifier that names
more than DSMAP_LOCATE_MAX_JOIN subjects is not followed) is exercised:
  - subject n with n % 200 == 7 has one of five placeholder e-mails
    (noemail@example.invalid, ..., the same one for ten such subjects in a
    row: some 1,000 subjects each at 1M subjects), in the CRM and the
    tickets table;
  - subjects 1013 to 1022 of every 30,000 have the national register
    number 00000000097 (birth date unknown, a valid number: 340 subjects
    at 1M).
From 10,000 subjects on, each placeholder is shared by at least ten
subjects, more than the limit of 8; in smaller sets one may be shared by
fewer, and locate rightly joins those.
placeholder_email() and placeholder_nrn() say which; bench/locate and
bench/systems query only subjects with their own e-mail and mirror the
rule (bench/locbase.h, LB_PLACEHOLDER_EMAIL).
"""
import csv
import datetime
import json
import os
import sqlite3
import sys

# Birth dates: every day from 1930-01-01 to 2005-12-31, visited in a
# scrambled order (STRIDE is prime to the number of days), so that
# neighbouring subjects are born years apart.  Subject n (from 1) is born on
# day (n - 1) * STRIDE mod DAYS and gets the sequence number
# 1 + (n - 1) // DAYS: (day, sequence) never repeats, and the sequence stays
# in 1..997 up to DAYS * 997 (27.6 million) subjects.
FIRST_DAY = datetime.date(1930, 1, 1).toordinal()
DAYS = datetime.date(2005, 12, 31).toordinal() - FIRST_DAY + 1
STRIDE = 7919
# The IPs 10.x.y.z repeat first.
MAX_SUBJECTS = min(DAYS * 997, 1 << 24)
_BIRTHS = [datetime.date.fromordinal(FIRST_DAY + d) for d in range(DAYS)]
_YYMMDD = [(b.year % 100) * 10000 + b.month * 100 + b.day for b in _BIRTHS]
_ISO = [b.isoformat() for b in _BIRTHS]

PLACEHOLDER_EMAILS = ["noemail@example.invalid", "none@example.invalid",
                      "no-email@example.invalid", "unknown@example.invalid",
                      "x@example.invalid"]
# Birth date unknown (month and day 00), checksum 97 - 0 % 97: valid.
PLACEHOLDER_NRN = "00000000097"


def placeholder_email(n):
    return n % 200 == 7


def placeholder_nrn(n):
    return 1013 <= n % 30000 < 1023


def nrn(n):
    """Subject n's national register number (valid, with its checksum)
    and birth date.  Unique per subject, except the placeholder."""
    d = (n - 1) * STRIDE % DAYS
    first9 = _YYMMDD[d] * 1000 + 1 + (n - 1) // DAYS
    base = first9 if _BIRTHS[d].year < 2000 else 2000000000 + first9
    if placeholder_nrn(n):
        return PLACEHOLDER_NRN, _ISO[d]
    return "%09d%02d" % (first9, 97 - base % 97), _ISO[d]


def email(n):
    if placeholder_email(n):
        return PLACEHOLDER_EMAILS[n // 2000 % len(PLACEHOLDER_EMAILS)]
    return "user%d@example.com" % n


def phone(n):
    """A Belgian mobile number, +324 and eight digits: +32470000042 for
    subject 42, unique up to 29,999,999 subjects."""
    return "+324%08d" % (70000000 + n)


def iban(n):
    """A Belgian IBAN-shaped account number (check digits not computed)."""
    return "BE%02d%012d" % (n % 97, n)


def main():
    args = sys.argv[1:]
    pg_csv = None
    if "--postgres-csv" in args:
        i = args.index("--postgres-csv")
        pg_csv = args[i + 1]
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    ws, count = args[0], int(args[1])
    if not 0 < count <= MAX_SUBJECTS:
        sys.exit("gen-sources.py: SUBJECTS must be from 1 to %d" % MAX_SUBJECTS)
    data = os.path.join(ws, "data")
    systems = os.path.join(ws, "mappings", "systems")
    os.makedirs(data, exist_ok=True)
    os.makedirs(systems, exist_ok=True)

    path = os.path.join(data, "crm.sqlite")
    if os.path.exists(path):
        os.unlink(path)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, customer_no TEXT, email TEXT,"
               " phone TEXT, nrn TEXT, birth_date TEXT, iban TEXT, updated_at TEXT)")

    def rows():
        for n in range(1, count + 1):
            number, birth = nrn(n)
            yield (n, "C%08d" % n, email(n), phone(n), number, birth, iban(n),
                   "2026-%02d-%02dT10:00:00Z" % (1 + n % 12, 1 + n % 28))
    db.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows())
    db.commit()
    db.close()

    with open(os.path.join(data, "billing.csv"), "w", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["invoice", "customer_no", "iban", "amount", "date"])
        for n in range(1, count + 1):
            w.writerow(["F%09d" % n, "C%08d" % n, iban(n), "%d.%02d" % (n % 200, n % 100),
                        "2026-%02d-01" % (1 + n % 12)])

    with open(os.path.join(data, "weblog.jsonl"), "w") as f:
        for n in range(1, count + 1):
            f.write(json.dumps({
                "ts": 1767225600 + n,
                "customer": {"no": "C%08d" % n},
                "ip": "10.%d.%d.%d" % (n >> 16 & 255, n >> 8 & 255, n & 255),
                "device": {"id": "stb-%08x" % n},
                "url": "/tv/channel/%d" % (n % 80),
            }, separators=(",", ":")) + "\n")

    if pg_csv:
        with open(pg_csv, "w", newline="") as f:
            w = csv.writer(f)
            for n in range(1, count + 1):
                w.writerow([n, "C%08d" % n, email(n), "ticket %d" % n,
                            "2026-%02d-%02d 09:30:00+00" % (1 + n % 12, 1 + n % 28)])

    def system(name, text):
        with open(os.path.join(systems, name + ".yaml"), "w") as f:
            f.write(text)

    system("crm", """schema: 1
system:
  id: crm
  name: Customer relationship management (SQLite)
  plugin: sqlite
  config:
    path: data/crm.sqlite
  purposes: [contract-conclusion, after-sales-customer-service, billing-accounting]
  sources:
    - name: customers
      identifiers:
        customer_no: customer-number
        email: email
        phone: phone
        nrn: national-register-number
      categories:
        email: collected/identification-contact
        phone: collected/identification-contact
        nrn: collected/national-register-number
        birth_date: collected/personal-characteristics
        iban: collected/financial-data
      timestamp: updated_at
""")
    system("billing", """schema: 1
system:
  id: billing
  name: Billing export (CSV)
  plugin: csv
  config:
    delimiter: ";"
  purposes: [billing-accounting, debt-collection]
  sources:
    - name: data/billing.csv
      identifiers:
        customer_no: customer-number
      categories:
        iban: collected/financial-data
        amount: [collected/billing, observed/billing]
      timestamp: date
""")
    system("weblog", """schema: 1
system:
  id: weblog
  name: TV and web log (JSON lines)
  plugin: jsonl
  purposes: [service-provision, personalised-tv-advertising]
  sources:
    - name: data/weblog.jsonl
      identifiers:
        customer.no: customer-number
        ip: ip
        device.id: device-id
      categories:
        ip: observed/technical-identifiers
        device.id: observed/hardware
        url: observed/tv-viewing
      timestamp: ts
""")
    if pg_csv:
        system("tickets", """schema: 1
system:
  id: tickets
  name: Customer service tickets (PostgreSQL)
  plugin: postgres
  config:
    host: ${PGHOST}
    port: ${PGPORT}
    dbname: ${PGDATABASE}
    user: ${PGUSER}
    password: ${PGPASSWORD}
  purposes: [after-sales-customer-service]
  sources:
    - name: tickets
      identifiers:
        customer_no: customer-number
        email: email
      categories:
        subject: collected/customer-interactions
      timestamp: created_at
""")


if __name__ == "__main__":
    main()
