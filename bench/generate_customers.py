#!/usr/bin/env python
"""Fill a PostgreSQL database with N synthetic customers for the benchmarks in bench/.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench \\
    DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=bench-only \\
    .venv/bin/python bench/generate_customers.py --customers 1000000

What it does, in order:
  1. creates the database if it does not exist, then runs `migrate`;
  2. unless the customers are already there, loads them in ONE transaction with psycopg 3 COPY:
     households (about 0.3 per customer), customers (5% organisations, 5% names from Spanish,
     French and German lists so accents go through name_key), one valid US phone and one
     unique e-mail each, and 0-3 product holdings each. Inside that transaction the four
     tables' secondary indexes, unique and foreign-key constraints are dropped before COPY and
     recreated (same names, same definitions, so validated again) after it;
  3. VACUUMs and ANALYZEs the tables;
  4. makes the user `bench-agent` (role agent) with an API token;
  5. writes the token and request samples to bench/out/ (gitignored).

The load is deterministic (seeded) and idempotent: a second run finds the customers (source
"bench") and skips step 2. `--reset` drops and recreates the database (only one named *_bench).

The bulk load bypasses the services on purpose, so:
  * no simple_history rows are written (a million "created" history rows would only slow the
    load, and neither lookup nor search reads them);
  * name_key/surname_key are filled as rapport.customers.services._set_name_keys does, with
    rapport.customers.normalise.name_key (per name, cached; every 50th row is checked against
    name_key(first, last) itself);
  * contact points are stored as the services store them: `value` as written, `normalised` as
    E.164 or the lower-cased address. Every 50th phone is checked with
    phonenumbers.is_valid_number, and the request samples are re-normalised with the app's own
    normalise_contact.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import importlib
import os
import random
import secrets
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

SOURCE = "bench"
BENCH_USERNAME = "bench-agent"
CHUNK = 20_000
CHECK_EVERY = 50

# US area codes in service; every 50th generated number is checked with phonenumbers.
# fmt: off
AREA_CODES = [str(code) for code in (
    201, 202, 203, 206, 212, 213, 214, 215, 216, 224, 281, 303, 312, 313, 314, 315, 401, 404,
    407, 410, 412, 415, 469, 480, 503, 510, 512, 513, 602, 608, 612, 614, 615, 617, 619, 646,
    702, 704, 713, 714, 718, 720, 801, 813, 816, 818, 832, 904, 916, 919,
)]
# fmt: on
# Exchanges 200-999 except N11 (service codes) and 555 (directory and fiction).
EXCHANGES = [str(e) for e in range(200, 1000) if e % 100 != 11 and e != 555]

PRODUCTS = (
    ("current-account", "Current account", "account", "4.00"),
    ("savings-plus", "Savings Plus", "savings", "0.00"),
    ("visa-classic", "Visa Classic", "card", "2.50"),
    ("visa-gold", "Visa Gold", "card", "9.00"),
    ("personal-loan", "Personal loan", "loan", "0.00"),
    ("mortgage", "Mortgage", "loan", "0.00"),
    ("home-insurance", "Home insurance", "insurance", "21.00"),
    ("premium-support", "Premium support", "service", "15.00"),
)
ORG_SUFFIXES = ("LLC", "Inc.", "Group", "& Sons", "Partners", "Holdings", "Co.", "Studio")
EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com")
STREETS = ("Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Park Rd", "Elm St", "Hill Rd")
CITIES = (
    ("New York", "NY"),
    ("Chicago", "IL"),
    ("Houston", "TX"),
    ("Phoenix", "AZ"),
    ("Philadelphia", "PA"),
    ("San Diego", "CA"),
    ("Seattle", "WA"),
    ("Denver", "CO"),
    ("Boston", "MA"),
    ("Atlanta", "GA"),
)


def weighted(*pairs: tuple[str, int]) -> list[str]:
    """A 100-slot table: table[int(random() * 100)] draws with the given percentages."""
    table = [value for value, percent in pairs for _ in range(percent)]
    assert len(table) == 100, pairs
    return table


STATUS = weighted(("customer", 70), ("prospect", 20), ("former", 10))
TIER = weighted(("standard", 70), ("silver", 18), ("gold", 9), ("platinum", 3))
LANGUAGE = weighted(("en", 85), ("es", 10), ("fr", 5))
HOLDING_STATUS = weighted(("active", 80), ("cancelled", 12), ("suspended", 4), ("pending", 4))
HOLDINGS_PER_CUSTOMER = [0] * 25 + [1] * 40 + [2] * 25 + [3] * 10


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--samples", type=int, default=20_000, help="request samples per kind")
    parser.add_argument(
        "--reset", action="store_true", help="drop and recreate the (*_bench) database first"
    )
    return parser.parse_args()


# ----------------------------------------------------------------------------- database


def ensure_database(*, reset: bool) -> None:
    """CREATE DATABASE if missing (DROP it first with --reset), via the maintenance database."""
    import psycopg
    from django.conf import settings
    from psycopg import sql

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("bench needs PostgreSQL: set DATABASE_URL=postgres://…/rapport_bench")
    name = db["NAME"]
    params = {k: db.get(k.upper()) for k in ("host", "port", "user", "password")}
    with psycopg.connect(
        dbname="postgres", autocommit=True, **{k: v for k, v in params.items() if v}
    ) as conn:
        if reset:
            if not name.endswith("_bench"):
                sys.exit(f"--reset drops the database; refusing for '{name}' (not *_bench).")
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            print(f"dropped database {name}")
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


# ----------------------------------------------------------------------------- generation


def copy_text(value: str) -> str:
    """Escape a value for COPY's text format."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def phone_formats(e164: str) -> list[str]:
    """How people write a US number; all of these normalise to the same E.164."""
    a, e, s = e164[2:5], e164[5:8], e164[8:]
    return [
        f"({a}) {e}-{s}",
        f"{a}-{e}-{s}",
        f"{a}.{e}.{s}",
        f"{a} {e} {s}",
        f"+1 {a} {e} {s}",
        f"+1 ({a}) {e}-{s}",
        f"1-{a}-{e}-{s}",
        f"{a}{e}{s}",
        e164,
    ]


class Names:
    """Weighted US names (Faker's census-based lists) and unweighted European ones."""

    def __init__(self) -> None:
        us = importlib.import_module("faker.providers.person.en_US").Provider
        first = {**us.first_names_female, **us.first_names_male}
        self.first, self.first_w = list(first), list(first.values())
        self.last, self.last_w = list(us.last_names), list(us.last_names.values())
        foreign_first: set[str] = set()
        foreign_last: set[str] = set()
        for locale in ("es_ES", "fr_FR", "de_DE"):
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
            foreign_first.update(provider.first_names)
            foreign_last.update(provider.last_names)
        self.foreign_first, self.foreign_last = sorted(foreign_first), sorted(foreign_last)


class Generator(Names):
    """Deterministic COPY lines (text format), one chunk of customers at a time."""

    def __init__(self, *, seed: int, customer_base: int, household_base: int, products: list[int]):
        import phonenumbers

        from rapport.customers.normalise import name_key

        self.phonenumbers = phonenumbers
        self.name_key = name_key
        self.key_of = functools.lru_cache(maxsize=None)(name_key)
        self.rng = random.Random(seed)
        self.next_customer_id = customer_base
        self.next_household_id = household_base
        self.products = [str(p) for p in products]
        self.household_id = ""
        self.household_room = 0
        self.phones: set[str] = set()
        self.generated = 0
        self.checked_phones = 0
        self.checked_keys = 0
        super().__init__()
        rng = self.rng
        epoch = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
        self.stamps = [
            (epoch + dt.timedelta(seconds=rng.randrange(5 * 365 * 86400))).isoformat(sep=" ")
            for _ in range(50_000)
        ]
        self.birthdays = [
            (dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(65 * 365))).isoformat()
            for _ in range(20_000)
        ]
        self.since_dates = [
            (dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(15 * 365))).isoformat()
            for _ in range(5_000)
        ]

    @functools.cache  # noqa: B019 - one generator per run
    def ascii_word(self, text: str) -> str:
        return "".join(ch for ch in self.key_of(text) if ch.isascii() and ch.isalnum()) or "x"

    def keys(self, first: str, last: str) -> tuple[str, str]:
        """(name_key, surname_key) as services._set_name_keys makes them for a person."""
        a, b = self.key_of(first), self.key_of(last)
        keys = (f"{a} {b}", f"{b} {a}") if a and b else (a or b, a or b)
        if self.generated % CHECK_EVERY == 0:
            self.checked_keys += 1
            expected = (self.name_key(first, last), self.name_key(last, first))
            assert keys == expected, (first, last, keys, expected)
        return keys

    def new_phone(self) -> str:
        rng = self.rng.random
        while True:
            number = (
                f"+1{AREA_CODES[int(rng() * len(AREA_CODES))]}"
                f"{EXCHANGES[int(rng() * len(EXCHANGES))]}{int(rng() * 10_000):04d}"
            )
            if number not in self.phones:
                self.phones.add(number)
                break
        if self.generated % CHECK_EVERY == 0:
            self.checked_phones += 1
            if not self.phonenumbers.is_valid_number(self.phonenumbers.parse(number)):
                raise SystemExit(f"generated an invalid phone number {number}: fix AREA_CODES")
        return number

    def chunk(self, size: int) -> tuple[list[str], list[str], list[str], list[str]]:
        """COPY lines for the households, customers, contact points and holdings of `size`
        new customers."""
        rng = self.rng
        rand = rng.random
        firsts = rng.choices(self.first, weights=self.first_w, k=size)
        lasts = rng.choices(self.last, weights=self.last_w, k=size)
        stamps, birthdays, since_dates = self.stamps, self.birthdays, self.since_dates
        households: list[str] = []
        customers: list[str] = []
        points: list[str] = []
        holdings: list[str] = []
        for i in range(size):
            cid = str(self.next_customer_id)
            self.next_customer_id += 1
            n = self.generated
            stamp = stamps[int(rand() * len(stamps))]
            roll = rand()
            if roll < 0.05:  # an organisation
                org = f"{lasts[i]} {ORG_SUFFIXES[int(rand() * len(ORG_SUFFIXES))]}"
                kind, first, last = "organisation", "", ""
                key = surname = self.name_key(org)
                local = f"info.{self.ascii_word(lasts[i])}{n}"
                birthday = "\\N"
                segment = "small_business" if rand() < 0.8 else "corporate"
            else:
                if roll < 0.10:
                    first = self.foreign_first[int(rand() * len(self.foreign_first))]
                    last = self.foreign_last[int(rand() * len(self.foreign_last))]
                else:
                    first, last = firsts[i], lasts[i]
                kind, org = "person", ""
                key, surname = self.keys(first, last)
                local = f"{self.ascii_word(first)}.{self.ascii_word(last)}{n}"
                if rand() < 0.2:
                    local = local.title()
                birthday = birthdays[int(rand() * len(birthdays))] if rand() < 0.8 else "\\N"
                segment = "consumer"
            household = "\\N"
            if kind == "person" and rand() < 0.6:
                if self.household_room <= 0:
                    self.household_id = str(self.next_household_id)
                    self.next_household_id += 1
                    self.household_room = (1, 2, 2, 3, 4)[int(rand() * 5)]
                    city, region = CITIES[int(rand() * len(CITIES))]
                    street = f"{int(rand() * 9999) + 1} {STREETS[int(rand() * len(STREETS))]}"
                    postal = f"{int(rand() * 90000) + 10000}"
                    name = copy_text(f"The {last} household")
                    households.append(
                        f"{self.household_id}\t{stamp}\t{stamp}\t{name}\t{street}\t\t"
                        f"{postal}\t{city}\t{region}\tUS"
                    )
                household = self.household_id
                self.household_room -= 1
            value = f"{int(rand() * 5_000_000) / 100:.2f}"
            customers.append(
                f"{cid}\t{stamp}\t{stamp}\t{kind}\t{copy_text(first)}\t{copy_text(last)}\t"
                f"{copy_text(org)}\t{copy_text(key)}\t{copy_text(surname)}\t{birthday}\t"
                f"{LANGUAGE[int(rand() * 100)]}\t{segment}\t{TIER[int(rand() * 100)]}\t{value}\t"
                f"{STATUS[int(rand() * 100)]}\t{household}\tf\t{SOURCE}\tB{n:08d}\t\\N"
            )
            e164 = self.new_phone()
            written = phone_formats(e164)[int(rand() * 9)]
            label = ("mobile", "home", "work")[int(rand() * 3)]
            verified = "t" if rand() < 0.5 else "f"
            points.append(
                f"{stamp}\t{stamp}\t{cid}\tphone\t\t{written}\t{e164}\t{label}\t{verified}\tt"
            )
            email = f"{local}@{EMAIL_DOMAINS[int(rand() * len(EMAIL_DOMAINS))]}"
            verified = "t" if rand() < 0.7 else "f"
            points.append(
                f"{stamp}\t{stamp}\t{cid}\temail\t\t{email}\t{email.lower()}\t\t{verified}\tt"
            )
            held = HOLDINGS_PER_CUSTOMER[int(rand() * 100)]
            for product in rng.sample(self.products, held) if held else ():
                state = HOLDING_STATUS[int(rand() * 100)]
                since = since_dates[int(rand() * len(since_dates))]
                ended = since if state == "cancelled" else "\\N"
                value = f"{int(rand() * 500_000) / 100:.2f}"
                holdings.append(
                    f"{stamp}\t{stamp}\t{cid}\t{product}\t{since}\t{ended}\t{state}\t{value}"
                )
            self.generated += 1
        return households, customers, points, holdings


# ----------------------------------------------------------------------------- load


def columns(model, names: list[str]) -> str:
    by_name = {f.name: f.column for f in model._meta.concrete_fields}
    return ", ".join(by_name[n] for n in names)


def drop_secondary_indexes(cur, tables: list[str]) -> list[str]:
    """Drop the unique and foreign-key constraints and the plain indexes of `tables` (primary
    keys stay); return the statements that recreate them, unique ones first, FKs last."""
    cur.execute(
        """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype
           FROM pg_constraint
           WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'f')
           ORDER BY contype DESC, conname""",
        [tables],
    )
    constraints = cur.fetchall()
    cur.execute(
        """SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid)
           FROM pg_index i
           WHERE indrelid = ANY(%s::regclass[])
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                             WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid
                               AND c.contype IN ('p', 'u', 'x'))
           ORDER BY 1""",
        [tables],
    )
    indexes = cur.fetchall()
    for table, name, _, _kind in sorted(constraints, key=lambda c: c[3] != "f"):  # FKs first
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cur.execute(f"DROP INDEX {name}")
    unique = [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d, k in constraints if k == "u"]
    foreign = [
        f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d, k in constraints if k == "f"
    ]
    return unique + [definition for _, definition in indexes] + foreign


def load(*, count: int, seed: int) -> None:
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from rapport.customers.models import ContactPoint, Customer, Holding, Household, Product

    products = []
    for code, name, category, price in PRODUCTS:
        product, _ = Product.objects.get_or_create(
            code=code, defaults={"name": name, "category": category, "monthly_price": price}
        )
        products.append(product.pk)

    targets = [
        (
            Household,
            "id created_at updated_at name address_line1 address_line2 postal_code city region "
            "country",
        ),
        (
            Customer,
            "id created_at updated_at kind first_name last_name organisation_name name_key "
            "surname_key date_of_birth language segment value_tier lifetime_value status "
            "household needs_review source external_id erased_at",
        ),
        (
            ContactPoint,
            "created_at updated_at customer kind network value normalised label verified preferred",
        ),
        (Holding, "created_at updated_at customer product since ended_on status value"),
    ]
    tables = [model._meta.db_table for model, _ in targets]
    copies = [
        f"COPY {model._meta.db_table} ({columns(model, cols.split())}) FROM STDIN"
        for model, cols in targets
    ]
    totals = [0, 0, 0, 0]
    generation = 0.0
    started = time.perf_counter()
    with transaction.atomic():
        raw = connection.cursor().connection  # the psycopg 3 connection under Django's wrapper
        with raw.cursor() as cur:
            cur.execute("SET LOCAL synchronous_commit = off")
            cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cur.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE")
            recreate = drop_secondary_indexes(cur, tables)
            print(f"  dropped {len(recreate)} secondary indexes and constraints for the load")
            # Explicit ids for households and customers, so the rows that point at them go in
            # the same pass; the identity sequences are moved past them afterwards.
            customer_base = cur.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {tables[1]}")
            customer_base = customer_base.fetchone()[0]
            household_base = cur.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {tables[0]}")
            household_base = household_base.fetchone()[0]
            generator = Generator(
                seed=seed,
                customer_base=customer_base,
                household_base=household_base,
                products=products,
            )
            done = 0
            while done < count:
                size = min(CHUNK, count - done)
                t0 = time.perf_counter()
                parts = generator.chunk(size)
                generation += time.perf_counter() - t0
                for k, (statement, lines) in enumerate(zip(copies, parts, strict=True)):
                    if lines:
                        with cur.copy(statement) as copy:
                            copy.write("\n".join(lines) + "\n")
                        totals[k] += len(lines)
                done += size
                if done % 200_000 == 0 or done == count:
                    elapsed = time.perf_counter() - started
                    print(
                        f"  {done:>9,} customers {sum(totals):>10,} rows {elapsed:6.1f} s "
                        f"{sum(totals) / elapsed:>9,.0f} rows/s",
                        flush=True,
                    )
            copied = time.perf_counter()
            for statement in recreate:
                cur.execute(statement)
            for statement in connection.ops.sequence_reset_sql(
                no_style(), [Household, Customer, ContactPoint, Holding]
            ):
                cur.execute(statement)
            indexed = time.perf_counter()
    finished = time.perf_counter()
    rows = sum(totals)
    print(
        f"loaded {totals[1]:,} customers, {totals[0]:,} households, {totals[2]:,} contact points "
        f"and {totals[3]:,} holdings = {rows:,} rows in {finished - started:.1f} s "
        f"({rows / (finished - started):,.0f} rows/s overall)\n"
        f"  generating and COPY {copied - started:.1f} s ({rows / (copied - started):,.0f} rows/s;"
        f" of which Python generation {generation:.1f} s), "
        f"rebuilding indexes and constraints {indexed - copied:.1f} s, commit {finished - indexed:.1f} s"
    )
    print(
        f"  checked {generator.checked_phones:,} phones with phonenumbers.is_valid_number and "
        f"{generator.checked_keys:,} name keys against name_key(): all good"
    )


# ----------------------------------------------------------------------------- user, samples


def bench_token() -> str:
    """The bench agent's API key: bench/out/token.txt if still valid there, else a new one."""
    from rapport.accounts.models import ApiToken, User
    from rapport.accounts.services import api_token_issue, token_digest, user_create
    from rapport.core.roles import Role

    user = User.objects.filter(username=BENCH_USERNAME).first()
    if user is None:
        user = user_create(
            username=BENCH_USERNAME,
            password=secrets.token_urlsafe(24),
            roles=[Role.AGENT],
            first_name="Bench",
            last_name="Agent",
        )
        print(f"created user {BENCH_USERNAME} (role agent)")
    token_file = OUT / "token.txt"
    if token_file.exists():
        key = token_file.read_text().strip()
        digest = token_digest(key)
        if ApiToken.objects.filter(user=user, digest=digest, revoked_at__isnull=True).exists():
            return key
    key = api_token_issue(user=user, name="bench").key
    token_file.write_text(key + "\n")
    print(f"issued an API token for {BENCH_USERNAME}: {token_file.relative_to(ROOT)}")
    return key


def write_samples(*, seed: int, size: int) -> None:
    """Request samples (URL-encoded, one per line) drawn from the customers actually stored."""
    from django.conf import settings
    from django.db import connection

    from rapport.customers.choices import ContactKind
    from rapport.customers.models import ContactPoint, Customer
    from rapport.customers.normalise import normalise_contact

    rng = random.Random(seed + 1)
    customers, points = Customer._meta.db_table, ContactPoint._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"SELECT min(id), max(id) FROM {customers} WHERE source = %s", [SOURCE])
        low, high = cur.fetchone()
        ids = rng.sample(range(low, high + 1), min(size, high - low + 1))
        cur.execute(
            f"""SELECT c.kind, c.first_name, c.last_name, c.organisation_name,
                       p.normalised, e.value, e.normalised
                FROM {customers} c
                JOIN {points} p ON p.customer_id = c.id AND p.kind = 'phone'
                JOIN {points} e ON e.customer_id = c.id AND e.kind = 'email'
                WHERE c.id = ANY(%s) ORDER BY c.id""",
            [ids],
        )
        rows = cur.fetchall()
        cur.execute(
            f"""SELECT last_name, count(*) FROM {customers}
                WHERE source = %s AND kind = 'person'
                GROUP BY last_name ORDER BY count(*) DESC, last_name LIMIT 20""",
            [SOURCE],
        )
        common = cur.fetchall()
    rng.shuffle(rows)
    region = settings.RAPPORT_DEFAULT_REGION
    phones, emails, names = [], [], []
    for kind, first, last, org, e164, email_value, email_normalised in rows:
        phone = rng.choice(phone_formats(e164))
        email = email_value if rng.random() < 0.5 else email_value.lower()
        if len(phones) < 500:  # the app must read these as the stored contact points
            got = normalise_contact(ContactKind.PHONE, phone, region=region)
            assert got == e164, (phone, got, e164)
            got = normalise_contact(ContactKind.EMAIL, email, region=region)
            assert got == email_normalised, (email, got, email_normalised)
        phones.append(phone)
        emails.append(email)
        if kind == "organisation":
            query = org[: rng.randint(3, len(org))]
        else:
            pick = rng.random()
            if pick < 0.4:  # the start of a surname, 3 letters or more: "garc"
                query = last[: rng.randint(min(3, len(last)), len(last))]
            elif pick < 0.7:  # surname and the start of the first name: "garcia ma"
                query = f"{last} {first[: rng.randint(1, len(first))]}"
            else:  # the full name as said on the phone: "maria garcia"
                query = f"{first} {last}"
        names.append(query.lower() if rng.random() < 0.5 else query)
    common_prefixes = sorted({name[:3].lower() for name, _ in common})
    OUT.mkdir(exist_ok=True)
    for filename, values in (
        ("phones.txt", phones),
        ("emails.txt", emails),
        ("names.txt", names),
        ("names_common.txt", common_prefixes),
    ):
        (OUT / filename).write_text("".join(urllib.parse.quote(v, safe="") + "\n" for v in values))
    print(
        f"wrote {len(phones):,} phone, {len(emails):,} e-mail and {len(names):,} name samples, "
        f"and {len(common_prefixes)} prefixes of the 20 commonest surnames "
        f"({', '.join(common_prefixes)}) to {OUT.relative_to(ROOT)}/"
    )


def vacuum_analyze() -> None:
    """VACUUM sets the visibility map (index-only scans) and ANALYZE the planner statistics.
    Done here so figures do not depend on whether autovacuum has got round to it yet."""
    from django.db import connection

    from rapport.customers.models import ContactPoint, Customer, Holding, Household

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for model in (Household, Customer, ContactPoint, Holding):
            cur.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
    print(f"VACUUM (ANALYZE) done in {time.perf_counter() - t0:.1f} s")


def main() -> None:
    args = parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    import django

    django.setup()
    from django.core.management import call_command

    from rapport.customers.models import Customer

    ensure_database(reset=args.reset)
    call_command("migrate", interactive=False, verbosity=0)
    print("migrated")
    existing = Customer.objects.filter(source=SOURCE).count()
    if existing == args.customers:
        print(f"{existing:,} bench customers are already there: skipping the load")
    elif existing == 0:
        print(f"loading {args.customers:,} customers (seed {args.seed}) with COPY …", flush=True)
        load(count=args.customers, seed=args.seed)
    else:
        sys.exit(
            f"the database holds {existing:,} bench customers, not {args.customers:,}; "
            "run again with --reset to start over"
        )
    vacuum_analyze()
    OUT.mkdir(exist_ok=True)
    bench_token()
    write_samples(seed=args.seed, size=args.samples)


if __name__ == "__main__":
    main()
