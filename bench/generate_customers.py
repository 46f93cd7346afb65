#!/usr/bin/env python
"""Fill a PostgreSQL database with N synthetic customers for the benchmarks in bench/.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench \\
    DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=bench-only \\
    .venv/bin/python bench/generate_customers.py --customers 1000000

What it does, in order:
  1. creates the database if it does not exist, then runs `migrate`;
  2. unless the customers are already there, loads them in ONE transaction with psycopg 3 COPY:
     households (about 0.3 per customer), customers (5% organisations, 5% names from Spanish,
     French and German lists so accents go through name_key), one valid US phone and one unique
     e-mail each, and 0–3 product holdings each;
  3. makes the user `bench-agent` (role agent) with an API token;
  4. writes the token and request samples to bench/out/ (gitignored);
  5. ANALYZEs the tables.

The load is deterministic (seeded) and idempotent: a second run finds the customers (source
"bench") and skips step 2. `--reset` drops and recreates the database (only one named *_bench).

The bulk load bypasses the services on purpose, so:
  * no simple_history rows are written (a million "created" history rows would only slow the
    load and are never read by lookup or search);
  * name_key/surname_key are filled exactly as rapport.customers.services._set_name_keys does,
    with rapport.customers.normalise.name_key;
  * contact points are stored as the services would store them: `value` as written, `normalised`
    as E.164 / lower-case e-mail. A sample of phones is checked with phonenumbers.is_valid_number
    and a sample of rows is re-normalised with the app's own normalise_contact.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
PHONE_CHECK_EVERY = 50  # validate every 50th generated phone with phonenumbers (20,000 per million)

# US area codes in service (checked at run time with phonenumbers on a sample of numbers).
AREA_CODES = (
    201,
    202,
    203,
    206,
    212,
    213,
    214,
    215,
    216,
    224,
    281,
    303,
    312,
    313,
    314,
    315,
    401,
    404,
    407,
    410,
    412,
    415,
    469,
    480,
    503,
    510,
    512,
    513,
    602,
    608,
    612,
    614,
    615,
    617,
    619,
    646,
    702,
    704,
    713,
    714,
    718,
    720,
    801,
    813,
    816,
    818,
    832,
    904,
    916,
    919,
)
# Exchanges 200-999 except N11 (service codes) and 555 (directory/fiction).
EXCHANGES = tuple(e for e in range(200, 1000) if e % 100 != 11 and e != 555)

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
STREETS = (
    "Main St",
    "Oak Ave",
    "Maple Dr",
    "Cedar Ln",
    "Park Rd",
    "Elm St",
    "Lake View",
    "Hill Rd",
)
CITIES = (
    ("New York", "NY"),
    ("Chicago", "IL"),
    ("Houston", "TX"),
    ("Phoenix", "AZ"),
    ("Philadelphia", "PA"),
    ("San Diego", "CA"),
    ("Dallas", "TX"),
    ("Austin", "TX"),
    ("Seattle", "WA"),
    ("Denver", "CO"),
    ("Boston", "MA"),
    ("Atlanta", "GA"),
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--samples", type=int, default=20_000, help="request samples per kind")
    parser.add_argument(
        "--reset", action="store_true", help="drop and recreate the *_bench database first"
    )
    return parser.parse_args()


# --------------------------------------------------------------------------- database


def ensure_database(*, reset: bool) -> None:
    """CREATE DATABASE if missing (and DROP it first with --reset), via the maintenance db."""
    import psycopg
    from django.conf import settings
    from psycopg import sql

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("bench needs PostgreSQL: set DATABASE_URL=postgres://…/rapport_bench")
    name = db["NAME"]
    params = {
        k: v
        for k, v in {
            "host": db.get("HOST"),
            "port": db.get("PORT"),
            "user": db.get("USER"),
            "password": db.get("PASSWORD"),
        }.items()
        if v
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        quoted = sql.Identifier(name)
        if reset:
            if not name.endswith("_bench"):
                sys.exit(
                    f"--reset drops the database; refusing for '{name}' (name must end in _bench)."
                )
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(quoted))
            print(f"dropped database {name}")
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(quoted))
            print(f"created database {name}")


# --------------------------------------------------------------------------- generation


def copy_text(value: str) -> str:
    """Escape a value for COPY's text format."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def ascii_word(text: str) -> str:
    from rapport.customers.normalise import name_key

    word = "".join(ch for ch in name_key(text) if ch.isascii() and ch.isalnum())
    return word or "x"


def name_pools() -> dict:
    """Weighted US first/last names (Faker's census-based lists) plus accented European names."""
    import importlib

    us = importlib.import_module("faker.providers.person.en_US").Provider
    foreign_first: list[str] = []
    foreign_last: list[str] = []
    for locale in ("es_ES", "fr_FR", "de_DE"):
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        foreign_first += list(provider.first_names)
        foreign_last += list(provider.last_names)
    first = {**us.first_names_female, **us.first_names_male}
    return {
        "first": list(first),
        "first_w": list(first.values()),
        "last": list(us.last_names),
        "last_w": list(us.last_names.values()),
        "foreign_first": sorted(set(foreign_first)),
        "foreign_last": sorted(set(foreign_last)),
    }


def phone_formats(e164: str) -> list[str]:
    """How people write a US number: all of these normalise to the same E.164."""
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


class Generator:
    """Deterministic rows for COPY (text format), chunk by chunk."""

    def __init__(
        self, *, seed: int, customer_base: int, household_base: int, product_ids: list[int]
    ):
        import phonenumbers

        from rapport.customers.normalise import name_key

        self.phonenumbers = phonenumbers
        self.name_key = name_key
        self.rng = random.Random(seed)
        self.names = name_pools()
        self.next_customer_id = customer_base
        self.next_household_id = household_base
        self.product_ids = product_ids
        self.household_id: int | None = None
        self.household_room = 0
        self.phones: set[int] = set()
        self.generated = 0
        self.phones_checked = 0
        epoch = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
        self.stamps = [
            (epoch + dt.timedelta(seconds=self.rng.randrange(5 * 365 * 86400))).isoformat(sep=" ")
            for _ in range(50_000)
        ]
        self.birthdays = [
            (dt.date(1940, 1, 1) + dt.timedelta(days=self.rng.randrange(65 * 365))).isoformat()
            for _ in range(20_000)
        ]
        self.since_dates = [
            (dt.date(2010, 1, 1) + dt.timedelta(days=self.rng.randrange(15 * 365))).isoformat()
            for _ in range(5_000)
        ]

    def new_phone(self) -> str:
        rng = self.rng
        while True:
            area = AREA_CODES[rng.randrange(len(AREA_CODES))]
            number = (
                area * 10_000_000
                + EXCHANGES[rng.randrange(len(EXCHANGES))] * 10_000
                + rng.randrange(10_000)
            )
            if number not in self.phones:
                self.phones.add(number)
                break
        e164 = f"+1{number}"
        if len(self.phones) % PHONE_CHECK_EVERY == 1:
            self.phones_checked += 1
            if not self.phonenumbers.is_valid_number(self.phonenumbers.parse(e164)):
                raise SystemExit(
                    f"generated an invalid phone number {e164}; fix AREA_CODES/EXCHANGES"
                )
        return e164

    def chunk(self, size: int) -> tuple[list[str], list[str], list[str], list[str]]:
        """Lines for households, customers, contact points and holdings of `size` customers."""
        rng, names, nk = self.rng, self.names, self.name_key
        firsts = rng.choices(names["first"], weights=names["first_w"], k=size)
        lasts = rng.choices(names["last"], weights=names["last_w"], k=size)
        households: list[str] = []
        customers: list[str] = []
        points: list[str] = []
        holdings: list[str] = []
        for i in range(size):
            cid = self.next_customer_id
            self.next_customer_id += 1
            n = self.generated
            self.generated += 1
            stamp = self.stamps[rng.randrange(len(self.stamps))]
            roll = rng.random()
            if roll < 0.05:  # organisation
                org = f"{lasts[i]} {ORG_SUFFIXES[rng.randrange(len(ORG_SUFFIXES))]}"
                kind, first, last = "organisation", "", ""
                key = surname = nk(org)
                local = f"info.{ascii_word(lasts[i])}{n}"
                birthday = "\\N"
                segment = "small_business" if rng.random() < 0.8 else "corporate"
            else:
                if roll < 0.10:
                    first = names["foreign_first"][rng.randrange(len(names["foreign_first"]))]
                    last = names["foreign_last"][rng.randrange(len(names["foreign_last"]))]
                else:
                    first, last = firsts[i], lasts[i]
                kind, org = "person", ""
                key, surname = nk(first, last), nk(last, first)  # as services._set_name_keys
                local = f"{ascii_word(first)}.{ascii_word(last)}{n}"
                if rng.random() < 0.2:
                    local = local.title()
                birthday = (
                    self.birthdays[rng.randrange(len(self.birthdays))]
                    if rng.random() < 0.8
                    else "\\N"
                )
                segment = "consumer"
            household = "\\N"
            if kind == "person" and rng.random() < 0.6:
                if self.household_room <= 0:
                    self.household_id = self.next_household_id
                    self.next_household_id += 1
                    self.household_room = rng.choice((1, 2, 2, 3, 4))
                    city, region = CITIES[rng.randrange(len(CITIES))]
                    households.append(
                        "\t".join(
                            (
                                str(self.household_id),
                                stamp,
                                stamp,
                                copy_text(f"The {last} household"),
                                f"{rng.randrange(1, 9999)} {STREETS[rng.randrange(len(STREETS))]}",
                                "",
                                f"{rng.randrange(10000, 99999)}",
                                city,
                                region,
                                "US",
                            )
                        )
                    )
                household = str(self.household_id)
                self.household_room -= 1
            status = rng.choices(("customer", "prospect", "former"), weights=(70, 20, 10))[0]
            tier = rng.choices(("standard", "silver", "gold", "platinum"), weights=(70, 18, 9, 3))[
                0
            ]
            language = rng.choices(("en", "es", "fr"), weights=(85, 10, 5))[0]
            customers.append(
                "\t".join(
                    (
                        str(cid),
                        stamp,
                        stamp,
                        kind,
                        copy_text(first),
                        copy_text(last),
                        copy_text(org),
                        copy_text(key),
                        copy_text(surname),
                        birthday,
                        language,
                        segment,
                        tier,
                        f"{rng.randrange(0, 5_000_000) / 100:.2f}",
                        status,
                        household,
                        "f",
                        SOURCE,
                        f"B{n:08d}",
                        "\\N",
                    )
                )
            )
            e164 = self.new_phone()
            written = phone_formats(e164)[rng.randrange(9)]
            label = ("mobile", "home", "work")[rng.randrange(3)]
            points.append(
                "\t".join(
                    (
                        stamp,
                        stamp,
                        str(cid),
                        "phone",
                        "",
                        written,
                        e164,
                        label,
                        "t" if rng.random() < 0.5 else "f",
                        "t",
                    )
                )
            )
            email = f"{local}@{EMAIL_DOMAINS[rng.randrange(len(EMAIL_DOMAINS))]}"
            points.append(
                "\t".join(
                    (
                        stamp,
                        stamp,
                        str(cid),
                        "email",
                        "",
                        email,
                        email.lower(),
                        "",
                        "t" if rng.random() < 0.7 else "f",
                        "t",
                    )
                )
            )
            held = rng.choices((0, 1, 2, 3), weights=(25, 40, 25, 10))[0]
            for product in rng.sample(self.product_ids, held):
                state = rng.choices(
                    ("active", "cancelled", "suspended", "pending"), weights=(80, 12, 4, 4)
                )[0]
                since = self.since_dates[rng.randrange(len(self.since_dates))]
                ended = since if state == "cancelled" else "\\N"
                holdings.append(
                    "\t".join(
                        (
                            stamp,
                            stamp,
                            str(cid),
                            str(product),
                            since,
                            ended,
                            state,
                            f"{rng.randrange(0, 500_000) / 100:.2f}",
                        )
                    )
                )
        return households, customers, points, holdings


# --------------------------------------------------------------------------- load


def columns(model, names: list[str]) -> str:
    fields = {f.name: f.column for f in model._meta.concrete_fields}
    return ", ".join(fields[n] for n in names)


def load(*, count: int, seed: int) -> None:
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from rapport.customers.models import ContactPoint, Customer, Holding, Household, Product

    product_ids = []
    for code, name, category, price in PRODUCTS:
        product, _ = Product.objects.get_or_create(
            code=code, defaults={"name": name, "category": category, "monthly_price": price}
        )
        product_ids.append(product.pk)

    targets = [
        (
            Household,
            [
                "id",
                "created_at",
                "updated_at",
                "name",
                "address_line1",
                "address_line2",
                "postal_code",
                "city",
                "region",
                "country",
            ],
        ),
        (
            Customer,
            [
                "id",
                "created_at",
                "updated_at",
                "kind",
                "first_name",
                "last_name",
                "organisation_name",
                "name_key",
                "surname_key",
                "date_of_birth",
                "language",
                "segment",
                "value_tier",
                "lifetime_value",
                "status",
                "household",
                "needs_review",
                "source",
                "external_id",
                "erased_at",
            ],
        ),
        (
            ContactPoint,
            [
                "created_at",
                "updated_at",
                "customer",
                "kind",
                "network",
                "value",
                "normalised",
                "label",
                "verified",
                "preferred",
            ],
        ),
        (
            Holding,
            [
                "created_at",
                "updated_at",
                "customer",
                "product",
                "since",
                "ended_on",
                "status",
                "value",
            ],
        ),
    ]
    statements = [f"COPY {m._meta.db_table} ({columns(m, cols)}) FROM STDIN" for m, cols in targets]
    totals = [0, 0, 0, 0]
    started = time.perf_counter()
    with transaction.atomic():
        raw = connection.cursor().connection  # the psycopg 3 connection under Django's wrapper
        with raw.cursor() as cur:
            cur.execute("SET LOCAL synchronous_commit = off")
            # Explicit ids for households and customers so the rows that point at them can be
            # written in the same pass; the identity sequences are moved past them afterwards.
            cur.execute(
                f"LOCK TABLE {Customer._meta.db_table}, {Household._meta.db_table} IN EXCLUSIVE MODE"
            )
            customer_base = cur.execute(
                f"SELECT coalesce(max(id), 0) + 1 FROM {Customer._meta.db_table}"
            ).fetchone()[0]
            household_base = cur.execute(
                f"SELECT coalesce(max(id), 0) + 1 FROM {Household._meta.db_table}"
            ).fetchone()[0]
            generator = Generator(
                seed=seed,
                customer_base=customer_base,
                household_base=household_base,
                product_ids=product_ids,
            )
            gen_seconds = 0.0
            done = 0
            while done < count:
                size = min(CHUNK, count - done)
                t0 = time.perf_counter()
                parts = generator.chunk(size)
                gen_seconds += time.perf_counter() - t0
                for k, (statement, lines) in enumerate(zip(statements, parts, strict=True)):
                    if not lines:
                        continue
                    with cur.copy(statement) as copy:
                        copy.write("\n".join(lines) + "\n")
                    totals[k] += len(lines)
                done += size
                if done % 100_000 == 0 or done == count:
                    elapsed = time.perf_counter() - started
                    print(
                        f"  {done:>9,} customers  {sum(totals):>10,} rows  {elapsed:6.1f} s  "
                        f"{sum(totals) / elapsed:>9,.0f} rows/s",
                        flush=True,
                    )
            for sql in connection.ops.sequence_reset_sql(
                no_style(), [Household, Customer, ContactPoint, Holding]
            ):
                cur.execute(sql)
        copy_done = time.perf_counter()
    committed = time.perf_counter()
    elapsed = committed - started
    rows = sum(totals)
    print(
        f"loaded {totals[1]:,} customers, {totals[0]:,} households, {totals[2]:,} contact points, "
        f"{totals[3]:,} holdings = {rows:,} rows in {elapsed:.1f} s: {rows / elapsed:,.0f} rows/s "
        f"({totals[1] / elapsed:,.0f} customers/s; Python generation {gen_seconds:.1f} s, "
        f"commit incl. deferred FK checks {committed - copy_done:.1f} s)"
    )
    print(
        f"checked {generator.phones_checked:,} generated phones with phonenumbers.is_valid_number: all valid"
    )


# --------------------------------------------------------------------------- user, samples


def bench_token() -> str:
    """The bench agent's API key: reuse bench/out/token.txt if still valid, else issue a new one."""
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
        if ApiToken.objects.filter(
            user=user, digest=token_digest(key), revoked_at__isnull=True
        ).exists():
            return key
    key = api_token_issue(user=user, name="bench").key
    token_file.write_text(key + "\n")
    print(f"issued an API token for {BENCH_USERNAME} -> {token_file.relative_to(ROOT)}")
    return key


def write_samples(*, seed: int, size: int) -> None:
    """Request samples (URL-encoded, one per line) drawn from the customers actually stored."""
    from django.conf import settings
    from django.db import connection

    from rapport.customers.choices import ContactKind
    from rapport.customers.models import ContactPoint, Customer
    from rapport.customers.normalise import normalise_contact

    rng = random.Random(seed + 1)
    customer_table, point_table = Customer._meta.db_table, ContactPoint._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"SELECT min(id), max(id) FROM {customer_table} WHERE source = %s", [SOURCE])
        low, high = cur.fetchone()
        ids = rng.sample(range(low, high + 1), min(size, high - low + 1))
        cur.execute(
            f"""SELECT c.kind, c.first_name, c.last_name, c.organisation_name, p.normalised, e.value, e.normalised
                FROM {customer_table} c
                JOIN {point_table} p ON p.customer_id = c.id AND p.kind = 'phone'
                JOIN {point_table} e ON e.customer_id = c.id AND e.kind = 'email'
                WHERE c.id = ANY(%s) ORDER BY c.id""",
            [ids],
        )
        rows = cur.fetchall()
        cur.execute(
            f"SELECT last_name, count(*) FROM {customer_table} WHERE source = %s AND kind = 'person' "
            "GROUP BY last_name ORDER BY count(*) DESC, last_name LIMIT 20",
            [SOURCE],
        )
        common = cur.fetchall()
    rng.shuffle(rows)
    region = settings.RAPPORT_DEFAULT_REGION
    phones, emails, names = [], [], []
    for kind, first, last, org, e164, email_value, email_norm in rows:
        phone = rng.choice(phone_formats(e164))
        email = email_value if rng.random() < 0.5 else email_value.lower()
        if len(phones) < 200:  # the app must read these as the stored contact points
            assert normalise_contact(ContactKind.PHONE, phone, region=region) == e164, (phone, e164)
            assert normalise_contact(ContactKind.EMAIL, email, region=region) == email_norm, (
                email,
                email_norm,
            )
        phones.append(phone)
        emails.append(email)
        if kind == "organisation":
            query = org[: rng.randint(3, len(org))]
        else:
            pick = rng.random()
            if pick < 0.4:  # a surname prefix, 3 letters or more: "garc"
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
        f"wrote {len(phones):,} phone, {len(emails):,} e-mail and {len(names):,} name samples and "
        f"{len(common_prefixes)} common surname prefixes ({', '.join(common_prefixes)}) to {OUT.relative_to(ROOT)}/"
    )


def analyze() -> None:
    from django.db import connection

    from rapport.customers.models import ContactPoint, Customer, Holding, Household

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for model in (Household, Customer, ContactPoint, Holding):
            cur.execute(f"ANALYZE {model._meta.db_table}")
    print(f"ANALYZE done in {time.perf_counter() - t0:.1f} s")


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
        print(f"{existing:,} bench customers already there: skipping the load")
    elif existing == 0:
        print(f"loading {args.customers:,} customers (seed {args.seed}) with COPY …", flush=True)
        load(count=args.customers, seed=args.seed)
    else:
        sys.exit(
            f"the database holds {existing:,} bench customers, not {args.customers:,}; "
            "run again with --reset to start over"
        )
    OUT.mkdir(exist_ok=True)
    bench_token()
    write_samples(seed=args.seed, size=args.samples)
    analyze()


if __name__ == "__main__":
    main()
