#!/usr/bin/env python
"""Time the batch duplicate search (rapport/identity/batch.py) over 1,000,000 customers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench_identity \\
    .venv/bin/python bench/identity_million.py [--customers 1000000] [--reset] [--threshold 0.5]

1. Creates the database if missing (only a name ending in _bench_identity; --reset drops it
   first) and migrates it.
2. Unless its customers are there already, loads them with psycopg 3 COPY in one transaction
   (not timed; seeded, so every run makes the same data):
   - about 1% of the customers are planted duplicates of another (so about 2% are in a
     planted pair; external id "<original>-dup"): a typo in the first or last name, a nickname (Bob for Robert), first
     and last name swapped, or the name as it was; the date of birth as it was, missing, day and
     month swapped or one digit off; the same household, another household at the same
     address (sometimes with a typo), or no address; no phone or e-mail, the same e-mail name
     at another domain, the phone with one digit off, or a new phone and e-mail. Contact
     points are unique in Rapport, so a duplicate never shares one with its original.
   - the rest: 3% organisations, people in households of one to five (members share the
     surname; 1 in 20 households of four or five has twins: same birthday, other first name),
     40% of people without an address; one unique phone and e-mail each; 90% with a birthday.
3. Runs the timed part in a fresh process (so peak RSS is the run's own): `find_duplicates`
   exactly as the product calls it, reading the customers from PostgreSQL. Prints wall time per
   stage, peak RSS, pairs found and precision/recall against the planted duplicates. Pairs of
   distinct generated people that look alike (same common name and birthday) count as wrong.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/rapport_bench_identity"
SOURCE = "bench-identity"
CHUNK = 50_000
AREA_CODES = ("212", "312", "415", "617", "713", "206", "303", "404", "512", "602")
EXCHANGES = [str(e) for e in range(200, 1000) if e % 100 != 11 and e != 555]
DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com")
# The short forms people give; the matcher's own table is not read here.
SHORT_FORMS = {
    "robert": ["Bob", "Rob", "Bobby"],
    "william": ["Bill", "Will", "Billy"],
    "elizabeth": ["Liz", "Beth", "Betty"],
    "james": ["Jim", "Jimmy"],
    "john": ["Jack", "Johnny"],
    "michael": ["Mike", "Mikey"],
    "richard": ["Rick", "Dick", "Rich"],
    "thomas": ["Tom", "Tommy"],
    "margaret": ["Maggie", "Peggy", "Meg"],
    "jennifer": ["Jen", "Jenny"],
    "katherine": ["Kate", "Kathy"],
    "catherine": ["Cathy", "Kate"],
    "christopher": ["Chris"],
    "daniel": ["Dan", "Danny"],
    "joseph": ["Joe", "Joey"],
    "charles": ["Charlie", "Chuck"],
    "anthony": ["Tony"],
    "patricia": ["Pat", "Trish"],
    "susan": ["Sue", "Susie"],
    "deborah": ["Debbie", "Deb"],
    "edward": ["Ed", "Eddie", "Ted"],
    "matthew": ["Matt"],
    "steven": ["Steve"],
    "stephen": ["Steve"],
    "nicholas": ["Nick"],
    "rebecca": ["Becky"],
    "samantha": ["Sam"],
    "alexander": ["Alex"],
    "benjamin": ["Ben"],
    "jonathan": ["Jon"],
    "andrew": ["Andy", "Drew"],
    "timothy": ["Tim"],
    "kimberly": ["Kim"],
    "pamela": ["Pam"],
    "victoria": ["Vicky", "Tori"],
    "gregory": ["Greg"],
    "kenneth": ["Ken", "Kenny"],
    "ronald": ["Ron"],
    "donald": ["Don"],
    "lawrence": ["Larry"],
}


def copy_text(value: object) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


class People:
    """Seeded customers and planted duplicates as COPY lines."""

    def __init__(self, seed: int, count: int) -> None:
        from faker import Faker

        from rapport.customers.normalise import name_key

        self.rng = random.Random(seed)
        self.name_key = name_key
        us = importlib.import_module("faker.providers.person.en_US").Provider
        first = {**us.first_names_female, **us.first_names_male}
        self.first, self.first_w = list(first), list(first.values())
        self.last, self.last_w = list(us.last_names), list(us.last_names.values())
        fake = Faker("en_US")
        fake.seed_instance(seed)
        self.streets = sorted({fake.street_name() for _ in range(3000)})
        self.cities = sorted({fake.city() for _ in range(400)})
        self.companies = sorted({fake.company() for _ in range(20000)})
        self.zips = [f"{self.rng.randrange(10000, 99999)}" for _ in range(4000)]
        self.count = count
        self.phones: set[str] = set()
        self.stamp = "2026-01-01 00:00:00+00"
        self.households: list[str] = []
        self.customers: list[str] = []
        self.points: list[str] = []
        self.next_customer = 1
        self.next_household = 1
        self.originals: list[dict] = []  # people a duplicate may copy

    # ------------------------------------------------------------------ values

    def phone(self) -> str:
        rand = self.rng.random
        while True:
            number = (
                f"+1{AREA_CODES[int(rand() * len(AREA_CODES))]}"
                f"{EXCHANGES[int(rand() * len(EXCHANGES))]}{int(rand() * 10_000):04d}"
            )
            if number not in self.phones:
                self.phones.add(number)
                return number

    def birthday(self, start: int = 1940, end: int = 2004) -> dt.date:
        days = (dt.date(end, 12, 31) - dt.date(start, 1, 1)).days
        return dt.date(start, 1, 1) + dt.timedelta(days=self.rng.randrange(days))

    def typo(self, text: str) -> str:
        if len(text) < 3:
            return text + "e"
        rng = self.rng
        i = rng.randrange(1, len(text) - 1)
        kind = rng.random()
        if kind < 0.3:
            return text[:i] + text[i + 1 :]  # a letter dropped
        if kind < 0.6:
            return text[:i] + text[i + 1] + text[i] + text[i + 2 :]  # two letters swapped
        letter = rng.choice("aeioulnrst")
        if kind < 0.8:
            return text[:i] + letter + text[i + 1 :]  # a letter wrong
        return text[:i] + letter + text[i:]  # a letter added

    # ------------------------------------------------------------------ rows

    def household(self, name: str, street: str, postal: str, city: str) -> int:
        hid = self.next_household
        self.next_household += 1
        self.households.append(
            "\t".join(
                copy_text(v)
                for v in (
                    hid,
                    self.stamp,
                    self.stamp,
                    f"The {name} household",
                    street,
                    "",
                    postal,
                    city,
                    "",
                    "US",
                    SOURCE,
                    None,
                )
            )
        )
        return hid

    def customer(
        self,
        *,
        external: str,
        first: str = "",
        last: str = "",
        org: str = "",
        dob: dt.date | None = None,
        household: int | None = None,
    ) -> int:
        cid = self.next_customer
        self.next_customer += 1
        kind = "organisation" if org else "person"
        key = self.name_key(org) if org else self.name_key(first, last)
        surname = self.name_key(org) if org else self.name_key(last, first)
        self.customers.append(
            "\t".join(
                copy_text(v)
                for v in (
                    cid,
                    self.stamp,
                    self.stamp,
                    kind,
                    first,
                    last,
                    org,
                    key,
                    surname,
                    dob.isoformat() if dob else None,
                    "en",
                    "consumer",
                    "standard",
                    "0",
                    "customer",
                    household,
                    "f",
                    SOURCE,
                    external,
                    None,
                    "",
                    None,
                    None,
                )
            )
        )
        return cid

    def contact(self, cid: int, kind: str, value: str) -> None:
        self.points.append(
            "\t".join(
                copy_text(v)
                for v in (self.stamp, self.stamp, cid, kind, "", value, value.lower(), "", "f", "f")
            )
        )

    def person(
        self,
        n: int,
        *,
        first: str,
        last: str,
        dob: dt.date | None,
        household: int | None,
        address: tuple[str, str, str] | None,
    ) -> None:
        cid = self.customer(external=f"I{n}", first=first, last=last, dob=dob, household=household)
        phone = self.phone()
        self.contact(cid, "phone", phone)
        local = f"{first}.{last}{n}".lower().replace(" ", "").replace("'", "")
        self.contact(cid, "email", f"{local}@{self.rng.choice(DOMAINS)}")
        self.originals.append(
            {
                "n": n,
                "first": first,
                "last": last,
                "dob": dob,
                "household": household,
                "address": address,
                "phone": phone,
                "local": local,
            }
        )

    def family(self, n: int) -> int:
        """A household of one to five at one address; returns how many people it made."""
        rng = self.rng
        size = rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5))
        last = rng.choices(self.last, self.last_w)[0]
        address = (
            f"{rng.randrange(1, 9999)} {rng.choice(self.streets)}",
            rng.choice(self.zips),
            rng.choice(self.cities),
        )
        hid = self.household(last, *address)
        twins = size >= 4 and rng.random() < 0.05
        firsts = rng.choices(self.first, self.first_w, k=size)
        for member in range(size):
            if member < 2:
                dob = self.birthday(1945, 1995)
            elif twins and member == 3:  # the second child's twin
                dob = self.originals[-1]["dob"]
                while firsts[member] == firsts[member - 1]:
                    firsts[member] = rng.choices(self.first, self.first_w)[0]
            else:
                dob = self.birthday(1996, 2020)
            surname = (
                last
                if member == 0 or rng.random() < 0.85
                else rng.choices(self.last, self.last_w)[0]
            )
            self.person(
                n + member,
                first=firsts[member],
                last=surname,
                dob=dob if rng.random() < 0.9 else None,
                household=hid,
                address=address,
            )
        return size

    def duplicate(self, n: int) -> None:
        """A second record of an earlier person, with the errors described in the docstring."""
        rng = self.rng
        # each original is copied once: take it out of the pool (swap with the last, pop)
        index = rng.randrange(len(self.originals))
        self.originals[index], self.originals[-1] = self.originals[-1], self.originals[index]
        o = self.originals.pop()
        first, last = o["first"], o["last"]
        roll = rng.random()
        if roll < 0.15:
            first = self.typo(first)
        elif roll < 0.30:
            last = self.typo(last)
        elif roll < 0.45 and first.lower() in SHORT_FORMS:
            first = rng.choice(SHORT_FORMS[first.lower()])
        elif roll < 0.55:
            first, last = last, first
        elif roll < 0.60:
            first, last = first.upper(), last.upper()
        dob = o["dob"]
        roll = rng.random()
        if dob and roll < 0.10:
            dob = None
        elif dob and roll < 0.15 and dob.day <= 12 and dob.day != dob.month:
            dob = dob.replace(month=dob.day, day=dob.month)
        elif dob and roll < 0.25:  # one digit of the year mistyped
            dob = dob.replace(
                year=dob.year - dob.year % 10 + (dob.year % 10 + rng.randrange(1, 10)) % 10
            )
        household = None
        roll = rng.random()
        if o["household"] is not None:
            if roll < 0.4:
                household = o["household"]
            elif roll < 0.7:
                street, postal, city = o["address"]
                if rng.random() < 0.3:
                    street = self.typo(street)
                household = self.household(last, street, postal, city)
        cid = self.customer(
            external=f"I{o['n']}-dup", first=first, last=last, dob=dob, household=household
        )
        roll = rng.random()
        if roll < 0.35:
            return
        if roll < 0.60:
            other = [d for d in DOMAINS if not o["local"].endswith(d)]
            self.contact(cid, "email", f"{o['local']}@{rng.choice(other)}.uk")
        elif roll < 0.75:
            phone = o["phone"]
            for _ in range(20):
                i = rng.randrange(5, len(phone))
                candidate = (
                    phone[:i] + str((int(phone[i]) + rng.randrange(1, 10)) % 10) + phone[i + 1 :]
                )
                if candidate not in self.phones:
                    self.phones.add(candidate)
                    self.contact(cid, "phone", candidate)
                    break
        else:
            self.contact(cid, "phone", self.phone())
            self.contact(cid, "email", f"new.{n}@{rng.choice(DOMAINS)}")

    def fill(self, size: int, made: int) -> int:
        """Append about `size` customers' lines; returns how many were made."""
        rng = self.rng
        start = made
        while made - start < size and made < self.count:
            roll = rng.random()
            if roll < 0.02 and self.originals:
                self.duplicate(made)
                made += 1
            elif roll < 0.05:
                cid = self.customer(external=f"I{made}", org=rng.choice(self.companies))
                self.contact(cid, "phone", self.phone())
                made += 1
            elif roll < 0.45:
                first = rng.choices(self.first, self.first_w)[0]
                last = rng.choices(self.last, self.last_w)[0]
                dob = self.birthday() if rng.random() < 0.9 else None
                self.person(made, first=first, last=last, dob=dob, household=None, address=None)
                made += 1
            else:
                made += self.family(made)
        if len(self.originals) > 200_000:  # duplicates copy recent people; memory stays flat
            del self.originals[:100_000]
        return made


# ----------------------------------------------------------------------------- database


def ensure_database(*, reset: bool) -> None:
    import psycopg
    from django.conf import settings
    from psycopg import sql

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        sys.exit(f"this bench needs PostgreSQL: DATABASE_URL={DEFAULT_URL}")
    name = db["NAME"]
    if not name.endswith("_bench_identity"):
        sys.exit(f"refusing to load into '{name}': use a database named *_bench_identity")
    with psycopg.connect(
        dbname="postgres",
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        autocommit=True,
    ) as conn:
        if reset:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def load(*, count: int, seed: int) -> None:
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from rapport.customers.models import ContactPoint, Customer, Household

    tables = {
        "households": (
            Household,
            "id created_at updated_at name address_line1 address_line2 "
            "postal_code city region country source external_id",
        ),
        "customers": (
            Customer,
            "id created_at updated_at kind first_name last_name "
            "organisation_name name_key surname_key date_of_birth language segment "
            "value_tier lifetime_value status household needs_review source external_id "
            "owner lifecycle_stage merged_into erased_at",
        ),
        "points": (
            ContactPoint,
            "created_at updated_at customer kind network value normalised label verified preferred",
        ),
    }
    statements = {}
    for key, (model, names) in tables.items():
        by_name = {f.name: f.column for f in model._meta.concrete_fields}
        cols = ", ".join(by_name[n] for n in names.split())
        statements[key] = f"COPY {model._meta.db_table} ({cols}) FROM STDIN"
    people = People(seed, count)
    started = time.perf_counter()
    made = 0
    with transaction.atomic():
        raw = connection.cursor().connection
        with raw.cursor() as cur:
            cur.execute("SET LOCAL synchronous_commit = off")
            while made < count:
                made = people.fill(CHUNK, made)
                # households first: customers point at them
                for key, lines in (
                    ("households", people.households),
                    ("customers", people.customers),
                    ("points", people.points),
                ):
                    if lines:
                        with cur.copy(statements[key]) as copy:
                            copy.write("\n".join(lines) + "\n")
                    lines.clear()
                print(
                    f"  {made:>9,} customers loaded, {time.perf_counter() - started:6.1f} s",
                    flush=True,
                )
            for statement in connection.ops.sequence_reset_sql(
                no_style(), [Household, Customer, ContactPoint]
            ):
                cur.execute(statement)
    with connection.cursor() as cur:
        for model in (Household, Customer, ContactPoint):
            cur.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    print(f"loaded {made:,} customers in {time.perf_counter() - started:.1f} s (not timed)")


# ----------------------------------------------------------------------------- the timed run


def planted_pairs() -> set[tuple[int, int]]:
    from rapport.customers.models import Customer

    ids = dict(
        Customer.objects.filter(source=SOURCE).values_list("external_id", "pk").iterator(50_000)
    )
    pairs = set()
    for external, pk in ids.items():
        if external.endswith("-dup"):
            original = ids[external.removesuffix("-dup")]
            pairs.add((min(original, pk), max(original, pk)))
    return pairs


def run(threshold: float, show: int) -> None:
    """The measured part: find_duplicates as the product calls it, then the accuracy."""
    from rapport.identity.batch import find_duplicates

    stages: list[tuple[str, float]] = []
    started = time.perf_counter()

    def on_progress(stage: str, percent: int) -> None:
        if not stages or stages[-1][0] != stage:
            stages.append((stage, time.perf_counter()))
            print(f"  {time.perf_counter() - started:7.1f} s  {stage} ({percent}%)", flush=True)

    found = {
        (p.left_id, p.right_id): p
        for p in find_duplicates(threshold=threshold, on_progress=on_progress)
    }
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    truth = planted_pairs()
    true_positives = len(set(found) & truth)
    precision = true_positives / len(found) if found else 1.0
    recall = true_positives / len(truth) if truth else 1.0
    print(
        json.dumps(
            {
                "wall_seconds": round(wall, 1),
                # the machine may be shared: CPU seconds of this process (all its threads) too
                "cpu_seconds": round(cpu, 1),
                "peak_rss_mb": round(peak_mb),
                "threshold": threshold,
                "pairs_found": len(found),
                "planted_pairs": len(truth),
                "true_pairs_found": true_positives,
                "precision": round(precision, 4),
                "recall": round(recall, 4),
                "stages": {
                    stage: round(
                        (stages[i + 1][1] if i + 1 < len(stages) else started + wall) - at, 1
                    )
                    for i, (stage, at) in enumerate(stages)
                },
            },
            indent=2,
        )
    )
    if found:
        print("estimated:", next(iter(found.values())).explanation[0]["level"])
    for higher in (0.3, 0.5, 0.8, 0.9, 0.99):
        if higher > threshold:
            kept = {key for key, p in found.items() if p.score >= higher}
            hits = len(kept & truth)
            print(
                f"at {higher:.2f}: {len(kept):,} pairs, precision "
                f"{hits / len(kept) if kept else 1:.4f}, recall {hits / len(truth):.4f}"
            )
    for label, pairs in (
        ("wrong", sorted(set(found) - truth)),
        ("missed", sorted(truth - set(found))),
    ):
        for left, right in pairs[:show]:
            explain_pair(label, left, right)


def explain_pair(label: str, left: int, right: int) -> None:
    from rapport.customers.models import Customer
    from rapport.identity.matching import records_from_db, score_pair

    a, b = records_from_db(Customer.objects.filter(pk__in=[left, right]))
    match = score_pair(a, b, population=1_000_000)
    print(f"--- {label} {left}~{right} (scored alone: {match.score:.3f})")
    for item in match.explanation:
        print(
            f"    {item['field']:14} {item['left']!s:28.28} {item['right']!s:28.28} "
            f"{item['level']:34.34} {item['points']:+.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--show", type=int, default=0, help="explain N wrong and N missed pairs")
    parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)

    import django

    django.setup()
    if args.run:
        run(args.threshold, args.show)
        return
    ensure_database(reset=args.reset)
    from django.core.management import call_command

    from rapport.customers.models import Customer

    call_command("migrate", verbosity=0)
    if not Customer.objects.filter(source=SOURCE).exists():
        load(count=args.customers, seed=args.seed)
    print(f"timing find_duplicates(threshold={args.threshold}) in a fresh process")
    subprocess.run(  # noqa: S603 - this same script, with its own arguments
        [
            sys.executable,
            __file__,
            "--run",
            "--threshold",
            str(args.threshold),
            "--show",
            str(args.show),
        ],
        check=True,
    )


if __name__ == "__main__":
    main()
