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
"""
import csv
import json
import os
import sqlite3
import sys


def nrn(n):
    """A valid Belgian national register number for subject n."""
    year = 1940 + n % 60
    month = 1 + n % 12
    day = 1 + n % 28
    seq = 1 + n % 997
    first9 = int("%02d%02d%02d%03d" % (year % 100, month, day, seq))
    base = first9 if year < 2000 else 2000000000 + first9
    return "%09d%02d" % (first9, 97 - base % 97), "%04d-%02d-%02d" % (year, month, day)


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
            yield (n, "C%08d" % n, "user%d@example.com" % n, "+3247%07d" % (n % 10000000),
                   number, birth, iban(n), "2026-%02d-%02dT10:00:00Z" % (1 + n % 12, 1 + n % 28))
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
                w.writerow([n, "C%08d" % n, "user%d@example.com" % n, "ticket %d" % n,
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
