#!/usr/bin/env python3
"""Writes a labelled PII sample: one value per row with the column name it would sit in and the
code of the detector that should fire (empty for values that are not PII).

    /tmp/data-pii-venv/bin/python bench/pii/make_sample.py --per-kind 150 --seed 7 -o sample.csv

Values come from Faker (seeded) in seven locales, in bare form under a column name that hints at
the kind, bare under a neutral name, and inside a sentence of free text. Negatives are the
look-alikes that make detectors over-fire: order numbers, random digit strings of phone/card/SSN
lengths, product codes, timestamps and dates outside a birth-date column, version strings,
hashes, UUIDs, ISBNs, prices, company names, sentences. Faker has no realistic UK NINO (it emits
the reserved prefix ZZ) so NINOs are drawn here from the allocated letter ranges.
"""
import argparse
import csv
import random
import sys

from faker import Faker

LOCALES = ["en_US", "en_GB", "fr_FR", "de_DE", "es_ES", "it_IT", "nl_NL"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-kind", type=int, default=150)
    ap.add_argument("--negatives", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("-o", "--output", default="-")
    args = ap.parse_args()

    rnd = random.Random(args.seed)
    fakers = {}
    for i, loc in enumerate(LOCALES):
        f = Faker(loc)
        f.seed_instance(args.seed + i)
        fakers[loc] = f
    us = fakers["en_US"]
    n = args.per_kind
    rows = []

    def add(value, column, label):
        rows.append((str(value).replace("\n", ", "), column, label))

    def sentence(value):
        templates = [
            "Please contact {} before Friday",
            "{}",
            "Updated record: {} (verified)",
            "note - {} - see ticket",
            "Customer gave {} at checkout",
        ]
        return rnd.choice(templates).format(value)

    def three_ways(gen, hinted_cols, label, neutral="value", text=True):
        for k in range(n):
            v = gen()
            mode = k % 3 if text else k % 2
            if mode == 0:
                add(v, rnd.choice(hinted_cols), label)
            elif mode == 1:
                add(v, neutral, label)
            else:
                add(sentence(v), "notes", label)

    loc = lambda: fakers[rnd.choice(LOCALES)]  # noqa: E731

    three_ways(lambda: loc().email(), ["email", "contact_email", "e_mail"], "PII001")
    three_ways(lambda: loc().phone_number(), ["phone", "mobile", "tel"], "PII002")
    three_ways(lambda: us.credit_card_number(), ["card_number", "pan", "cc"], "PII003")
    three_ways(lambda: loc().iban(), ["iban", "bank_account"], "PII004")
    three_ways(lambda: us.ssn(), ["ssn", "social_security"], "PII005")
    three_ways(nino(rnd), ["nino", "national_insurance"], "PII006")
    three_ways(lambda: fakers["fr_FR"].ssn(), ["nir", "securite_sociale"], "PII007")
    three_ways(
        lambda: rnd.choice([fakers["es_ES"].nif, fakers["es_ES"].nie])(), ["dni", "nif", "nie"], "PII008"
    )
    three_ways(lambda: fakers["it_IT"].ssn(), ["codice_fiscale", "cf"], "PII009")
    # A BSN is only recognisable with context: bare values under a hinted column or after "BSN".
    for k in range(n):
        v = fakers["nl_NL"].ssn()
        if k % 2 == 0:
            add(v, rnd.choice(["bsn", "burgerservicenummer"]), "PII010")
        else:
            add(f"BSN {v}", "notes", "PII010")
    three_ways(
        lambda: rnd.choice([us.ipv4_public, us.ipv4_private, us.ipv6])(), ["ip", "client_ip", "ip_address"], "PII011"
    )
    three_ways(lambda: us.mac_address(), ["mac", "mac_address"], "PII012")
    # Dates of birth: in a birth-date column or after "born" (a bare date elsewhere is not PII).
    date_formats = ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d %B %Y", "%B %d, %Y"]
    for k in range(n):
        d = loc().date_of_birth(minimum_age=1, maximum_age=100).strftime(rnd.choice(date_formats))
        if k % 2 == 0:
            add(d, rnd.choice(["dob", "date_of_birth", "birthdate"]), "PII013")
        else:
            add(f"born {d}", "notes", "PII013")
    three_ways(
        lambda: fakers[rnd.choice(["en_US", "en_GB", "fr_FR", "de_DE", "es_ES", "it_IT", "nl_NL"])].street_address(),
        ["address", "street_address", "home_address"],
        "PII014",
    )
    # Postcodes: in a postcode column, or in the last line of a full US/UK address.
    for k in range(n):
        f = loc()
        if k % 2 == 0:
            add(f.postcode(), rnd.choice(["zip", "postcode", "postal_code"]), "PII015")
        else:
            g = fakers[rnd.choice(["en_US", "en_GB"])]
            city = g.city()
            add(f"{city}, {g.state_abbr()} {g.zipcode()}" if g is us else f"{city} {g.postcode()}", "notes", "PII015")
    three_ways(
        lambda: rnd.choice([us.name, fakers["en_GB"].name, us.first_name, us.last_name])(),
        ["name", "full_name", "first_name", "customer_name"],
        "PII016",
    )

    # Negatives.
    neg = []
    for _ in range(args.negatives):
        kind = rnd.randrange(16)
        if kind == 0:
            neg.append((f"ORD-{rnd.randrange(10**5, 10**9)}", "order_id"))
        elif kind == 1:
            digits = rnd.choice([7, 8, 9, 10, 11, 12, 13, 14, 15, 16])
            neg.append(("".join(rnd.choice("0123456789") for _ in range(digits)), rnd.choice(["order_id", "value", "account_ref"])))
        elif kind == 2:
            neg.append((us.bothify("SKU-???-####").upper(), "product_code"))
        elif kind == 3:
            neg.append((us.iso8601(), "created_at"))
        elif kind == 4:
            neg.append((us.date(), rnd.choice(["created_at", "ship_date", "value"])))
        elif kind == 5:
            neg.append((f"{rnd.randrange(0, 20)}.{rnd.randrange(0, 30)}.{rnd.randrange(0, 99)}", "version"))
        elif kind == 6:
            neg.append((us.sha1(), "hash"))
        elif kind == 7:
            neg.append((us.uuid4(), "request_id"))
        elif kind == 8:
            neg.append((us.isbn13(), "isbn"))
        elif kind == 9:
            neg.append((f"{rnd.uniform(0, 10000):.2f}", "amount"))
        elif kind == 10:
            neg.append((us.company(), "company"))
        elif kind == 11:
            neg.append((us.sentence(nb_words=8), "notes"))
        elif kind == 12:
            neg.append((us.ean13(), "barcode"))
        elif kind == 13:
            neg.append((f"{us.date_time().strftime('%d/%m/%Y %H:%M:%S')}", "event_time"))
        elif kind == 14:
            neg.append((f"INV{rnd.randrange(10**6, 10**8)}-{rnd.randrange(10, 99)}", "invoice"))
        else:
            neg.append((us.catch_phrase(), "tagline"))
    for v, c in neg:
        add(v, c, "")

    rnd.shuffle(rows)
    out = sys.stdout if args.output == "-" else open(args.output, "w", newline="")
    w = csv.writer(out)
    w.writerow(["value", "column", "label"])
    w.writerows(rows)
    if out is not sys.stdout:
        out.close()
    print(f"{len(rows)} rows ({len(rows) - len(neg)} PII, {len(neg)} look-alikes)", file=sys.stderr)


def nino(rnd):
    first = "ABCEGHJKLMNOPRSTWXYZ"
    second = "ABCEGHJKLMNPRSTWXYZ"
    banned = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}

    def gen():
        while True:
            p = rnd.choice(first) + rnd.choice(second)
            if p not in banned:
                break
        d = "".join(rnd.choice("0123456789") for _ in range(6))
        s = rnd.choice("ABCD")
        if rnd.random() < 0.5:
            return f"{p}{d}{s}"
        return f"{p} {d[:2]} {d[2:4]} {d[4:]} {s}"

    return gen


if __name__ == "__main__":
    main()
