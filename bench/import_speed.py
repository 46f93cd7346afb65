#!/usr/bin/env python
"""Customer import speed: a plain customer CSV into PostgreSQL through an import job.

    .venv/bin/python bench/import_speed.py                   # 200,000 rows, through the engine
    .venv/bin/python bench/import_speed.py --through source  # the source alone, no engine
    .venv/bin/python bench/import_speed.py --rows 50000 --profile   # + cProfile of the run
    .venv/bin/python bench/import_speed.py --through writes  # PostgreSQL's part alone
    .venv/bin/python bench/import_speed.py --through ceiling # the floor of each half, no overlap

Creates and migrates its own database (DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/rapport_bench_imports) and runs in this process with
production settings, as a worker would. Writes bench/out/import-customers-<rows>.csv (not timed;
the same file for the same --rows and --seed): one row per customer with an external id, first
and last name (census-weighted US names, 5% Spanish, French or German with accents) or an
organisation name (5%), a unique e-mail address (20% with capitals), a valid US phone number
written the ways people write them ("(212) 555-0134", "212.555.0134", "+1 212 555 0134" …), a
mobile number for 40%, a date of birth for 80%, language, segment, value tier, status, lifetime
value. Before the first round it deletes what an earlier run imported (source "import").

Rounds, each timed on its own (rows/s = data rows / seconds):
  1. first import: job_create, the dry run (job_dry_run + job_execute, timed too), job_run +
     job_execute: every row added (customers, contact points and their history rows);
  2. the same file again, as a new job: every row unchanged.
With --through source, the rounds call CustomersSource.process on batches read with
csv.DictReader, one transaction per batch, without the engine (its reading, mapping, error
rows and checkpoints). --through writes times the first import's writes alone (COPY of the
rows the source decided on, in one thread): what PostgreSQL needs whatever Python does.
--through ceiling measures the two halves at their cheapest: the checking alone (every row read
and checked in this process, no database), and the first import's rows put back into emptied
tables by COPY of PostgreSQL's own binary format, one statement per table and no client work at
all; with the machine's cores all busy, rows/s can be no more than cores / (both CPU costs per
row). Goal: at least 20,000 rows/s. Prints the CPU seconds per row of this process and of its
PostgreSQL backend, so the figure can be read against the machine's two
cores. Results: bench/out/import-speed.{md,json}.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime as dt
import json
import os
import pstats
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

import generate_customers  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rapport_bench_imports"
# What a customer import writes, in an order COPY can put it back (customers before their points).
CUSTOMER_TABLES = (
    "customers_customer",
    "customers_contactpoint",
    "customers_historicalcustomer",
    "customers_historicalcontactpoint",
)
IMPORTER = "bench-importer"
GOAL = 20_000
HEADER = [
    "external_id",
    "first_name",
    "last_name",
    "organisation_name",
    "email",
    "phone",
    "mobile",
    "date_of_birth",
    "language",
    "segment",
    "value_tier",
    "status",
    "lifetime_value",
]
# US area codes in service and exchanges 200-999 except N11 and 555 (as generate_customers.py).
# fmt: off
AREA_CODES = [str(code) for code in (
    201, 202, 203, 206, 212, 213, 214, 215, 216, 224, 281, 303, 312, 313, 314, 315, 401, 404,
    407, 410, 412, 415, 469, 480, 503, 510, 512, 513, 602, 608, 612, 614, 615, 617, 619, 646,
    702, 704, 713, 714, 718, 720, 801, 813, 816, 818, 832, 904, 916, 919,
)]
# fmt: on
EXCHANGES = [str(e) for e in range(200, 1000) if e % 100 != 11 and e != 555]
NUMBERS = len(AREA_CODES) * len(EXCHANGES) * 10_000
ORG_SUFFIXES = ("LLC", "Inc.", "Group", "& Sons", "Partners", "Holdings", "Co.", "Studio")
DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com")
LANGUAGES = ["en"] * 85 + ["es"] * 10 + ["fr"] * 5
TIERS = ["standard"] * 70 + ["silver"] * 18 + ["gold"] * 9 + ["platinum"] * 3
STATUSES = ["customer"] * 70 + ["prospect"] * 20 + ["former"] * 10


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--through", choices=("job", "source", "writes", "ceiling"), default="job")
    parser.add_argument("--batch", type=int, default=0, help="rows per batch (0: the engine's)")
    parser.add_argument("--profile", action="store_true", help="cProfile the first import")
    parser.add_argument("--label", default="")
    return parser.parse_args()


# ----------------------------------------------------------------------------- the file


class Customers(generate_customers.Names):
    """Deterministic customer rows, generated as they are written (constant memory, so the same
    generator makes the memory benchmark's 1 GB file)."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        self.rng = random.Random(seed)
        self.birthdays = [
            (dt.date(1940, 1, 1) + dt.timedelta(days=self.rng.randrange(65 * 365))).isoformat()
            for _ in range(20_000)
        ]

    def rows(self, count: int, *, start: int = 0, chunk: int = 10_000) -> Iterator[list[str]]:
        for first_row in range(start, start + count, chunk):
            yield from self._chunk(first_row, min(chunk, start + count - first_row))

    def _chunk(self, first_row: int, size: int) -> Iterator[list[str]]:
        rng = self.rng
        rand = rng.random
        firsts = rng.choices(self.first, weights=self.first_w, k=size)
        lasts = rng.choices(self.last, weights=self.last_w, k=size)
        for i in range(size):
            n = first_row + i
            roll = rand()
            if roll < 0.05:
                first, last = "", ""
                organisation = f"{lasts[i]} {ORG_SUFFIXES[int(rand() * len(ORG_SUFFIXES))]}"
                local = f"info.{ascii_word(lasts[i])}{n}"
                segment = "small_business" if rand() < 0.8 else "corporate"
                born = ""
            else:
                if roll < 0.10:
                    first = self.foreign_first[int(rand() * len(self.foreign_first))]
                    last = self.foreign_last[int(rand() * len(self.foreign_last))]
                else:
                    first, last = firsts[i], lasts[i]
                organisation = ""
                local = f"{ascii_word(first)}.{ascii_word(last)}{n}"
                segment = "consumer"
                born = self.birthdays[int(rand() * len(self.birthdays))] if rand() < 0.8 else ""
            if rand() < 0.2:
                local = local.title()
            yield [
                f"CU{n:09d}",
                first,
                last,
                organisation,
                f"{local}@{DOMAINS[int(rand() * len(DOMAINS))]}",
                written(number(n), rand()),
                written(number(NUMBERS // 2 + n), rand()) if rand() < 0.4 else "",
                born,
                LANGUAGES[int(rand() * 100)],
                segment,
                TIERS[int(rand() * 100)],
                STATUSES[int(rand() * 100)],
                f"{int(rand() * 5_000_000) / 100:.2f}",
            ]


def ascii_word(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalnum()) or "x"


def number(n: int) -> str:
    """The n-th valid US number (E.164), each n its own number."""
    area = AREA_CODES[n % len(AREA_CODES)]
    n //= len(AREA_CODES)
    exchange = EXCHANGES[n % len(EXCHANGES)]
    return f"+1{area}{exchange}{(n // len(EXCHANGES)) % 10_000:04d}"


def written(e164: str, roll: float) -> str:
    """The number as a person or a CRM writes it."""
    a, e, s = e164[2:5], e164[5:8], e164[8:]
    forms = (
        e164,
        e164,
        e164,
        f"({a}) {e}-{s}",
        f"{a}-{e}-{s}",
        f"{a}.{e}.{s}",
        f"+1 {a} {e} {s}",
        f"+1 ({a}) {e}-{s}",
        f"1-{a}-{e}-{s}",
        f"{a}{e}{s}",
    )
    return forms[int(roll * len(forms))]


def write_file(path: Path, rows: int, seed: int) -> None:
    done = path.with_suffix(".done")
    if path.exists() and done.exists() and done.read_text() == f"{rows} {seed}":
        return
    started = time.perf_counter()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(Customers(seed).rows(rows))
    path.with_suffix(".done").write_text(f"{rows} {seed}")
    print(
        f"wrote {rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) to {path.relative_to(ROOT)} "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


# ----------------------------------------------------------------------------- the database


def setup_django() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("SECRET_KEY", "bench-imports-only-" + "x" * 40)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    os.environ.setdefault("RAPPORT_LOG_LEVEL", "WARNING")
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, skip_checks=True)


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}", flush=True)


def forget_earlier_imports() -> None:
    """Empty the customer tables when they hold only what this benchmark imported (TRUNCATE:
    deleting hundreds of thousands of customers one foreign-key check at a time takes minutes);
    refuse otherwise, so a database with other customers in it is never emptied."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM customers_customer "
            "WHERE source <> 'import' OR external_id NOT LIKE 'CU%%')"
        )
        if cursor.fetchone()[0]:
            raise SystemExit(
                "the database holds customers this benchmark did not import; use a database of "
                f"its own (DATABASE_URL, default {DEFAULT_DATABASE_URL})"
            )
        cursor.execute(f"TRUNCATE {', '.join(CUSTOMER_TABLES)} CASCADE")
    connection.close()


def importer():
    from rapport.accounts.models import User

    user, _ = User.objects.get_or_create(
        username=IMPORTER, defaults={"is_staff": True, "is_superuser": True}
    )
    return user


# ----------------------------------------------------------------------------- measuring


class Meter:
    """Wall time, this process's CPU time and the PostgreSQL backend's CPU time."""

    def __init__(self) -> None:
        from django.db import connection

        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.backend = cursor.fetchone()[0]

    def backend_cpu(self) -> float:
        fields = Path(f"/proc/{self.backend}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> Meter:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()
        self.server = self.backend_cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu
        self.server = self.backend_cpu() - self.server


def through_job(path: Path, user, *, profile: cProfile.Profile | None) -> list[dict]:
    """Dry run and run of one job, each timed."""
    from django.core.files import File

    from rapport.imports.services import jobs

    with path.open("rb") as handle:
        job = jobs.job_create(by=user, upload=File(handle, name=path.name), source_type="customers")
    results = []
    for phase, start in (("dry run", jobs.job_dry_run), ("run", jobs.job_run)):
        job = start(job=job, by=user)
        meter = Meter()
        with meter:
            if profile and phase == "run":
                profile.enable()
            job = jobs.job_execute(job_id=job.pk)
            if profile:
                profile.disable()
        if job.state not in ("checked", "done"):
            raise SystemExit(f"the job ended {job.state}: {job.failure}")
        counts = (job.rows_added, job.rows_updated, job.rows_unchanged, job.rows_failed)
        results.append(measured(phase, job.rows_seen, meter, counts))
    job.file.delete()  # the stored copy of the upload
    return results


def through_source(path: Path, batch: int, *, profile: cProfile.Profile | None) -> list[dict]:
    from django.db import transaction

    from rapport.imports.models import ImportJob
    from rapport.imports.sources.base import Context, Line, Outcome
    from rapport.imports.sources.customers import CustomersSource

    job = ImportJob.objects.create(
        created_by=importer(), source_type="customers", filename=path.name, file_format="csv"
    )
    ctx = Context(job_id=job.pk, source_label="import", default_region="US")
    source = CustomersSource()
    total = Outcome()
    seen = 0
    meter = Meter()
    with meter, path.open(newline="", encoding="utf-8") as handle:
        if profile:
            profile.enable()
        reader = csv.DictReader(handle)
        lines: list[Line] = []
        for values in reader:
            lines.append(Line(number=reader.line_num, values=values))
            if len(lines) == batch:
                seen += _process(source, lines, ctx, total, transaction)
                lines = []
        if lines:
            seen += _process(source, lines, ctx, total, transaction)
        if profile:
            profile.disable()
    counts = (total.added, total.updated, total.unchanged, len(total.errors))
    return [measured("run", seen, meter, counts)]


def writes_only(path: Path, batch: int) -> list[dict]:
    """The first import's writes alone: every batch is checked and compared first (not timed),
    then only customers_copy.write runs, one transaction per batch, in this thread."""
    from django.db import transaction

    from rapport.imports.models import ImportJob
    from rapport.imports.sources import customers, customers_copy
    from rapport.imports.sources.base import Context, Line

    job = ImportJob.objects.create(
        created_by=importer(), source_type="customers", filename=path.name, file_format="csv"
    )
    ctx = Context(job_id=job.pk, source_label="import", default_region="US")
    plans = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        lines = [Line(number=reader.line_num, values=values) for values in reader]
    for start in range(0, len(lines), batch):
        part = lines[start : start + batch]
        refs = customers.Refs(part, ctx)
        rows = [customers.check(line, ctx, refs) for line in part]
        plans.append(customers.plan(rows, ctx, customers.Tally(), {}))
    meter = Meter()
    with meter:
        for plan in plans:
            with transaction.atomic():
                customers_copy.write(plan)
    return [measured("writes only", len(lines), meter, (len(lines), 0, 0, 0))]


def ceiling(path: Path, user) -> list[dict]:
    """The cheapest each half of a first import can be: checking alone, then writing alone."""
    from rapport.imports.sources import customers
    from rapport.imports.sources.base import Context, Line

    ctx = Context(job_id=0, source_label="import", default_region="US")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        lines = [Line(number=reader.line_num, values=values) for values in reader]
    meter = Meter()
    with meter:
        for start in range(0, len(lines), 2_000):
            part = lines[start : start + 2_000]
            refs = customers.Refs(part, ctx)
            for line in part:
                customers.check(line, ctx, refs)
    checking = measured("checking alone", len(lines), meter, (len(lines), 0, 0, 0))
    through_job(path, user, profile=None)  # the rows a first import writes, to copy back
    writing = measured("writing alone", len(lines), _copy_back(), (len(lines), 0, 0, 0))
    both = checking["python_us_per_row"] + writing["postgres_us_per_row"]
    print(
        f"at most {1e6 * (os.cpu_count() or 1) / both:,.0f} rows/s on {os.cpu_count()} cores: "
        f"{both:.0f} µs of CPU a row however the work is shared out",
        flush=True,
    )
    return [checking, writing]


def _copy_back() -> Meter:
    """Read the four tables out in PostgreSQL's binary COPY format, empty them, and time putting
    the same bytes back in one transaction (constraints checked as each COPY ends, as imports do)."""
    from django.db import connection, transaction

    saved = {}
    with connection.cursor() as cursor:
        for table in CUSTOMER_TABLES:
            with cursor.copy(f"COPY {table} TO STDOUT (FORMAT BINARY)") as copy:
                saved[table] = b"".join(bytes(block) for block in copy)
        cursor.execute(f"TRUNCATE {', '.join(CUSTOMER_TABLES)} CASCADE")
    meter = Meter()
    with meter, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, data in saved.items():
            with cursor.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy:
                copy.write(data)
    return meter


def _process(source, lines, ctx, total, transaction) -> int:
    with transaction.atomic():
        outcome = source.process(lines, ctx)
    total.added += outcome.added
    total.updated += outcome.updated
    total.unchanged += outcome.unchanged
    total.errors.extend(outcome.errors)
    return len(lines)


def measured(phase: str, rows: int, meter: Meter, counts: tuple[int, int, int, int]) -> dict:
    """A round's figures; counts are (added, updated, unchanged, failed)."""
    added, updated, unchanged, failed = counts
    return {
        "phase": phase,
        "rows": rows,
        "seconds": meter.wall,
        "rows_per_s": rows / meter.wall,
        "python_us_per_row": 1e6 * meter.cpu / rows,
        "postgres_us_per_row": 1e6 * meter.server / rows,
        "added": added,
        "updated": updated,
        "unchanged": unchanged,
        "failed": failed,
    }


def main() -> None:
    args = parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"import-customers-{args.rows}.csv"
    write_file(path, args.rows, args.seed)
    setup_django()
    from django.conf import settings

    if args.batch:
        settings.RAPPORT_IMPORT_BATCH_ROWS = args.batch
    batch = args.batch or 2_000
    forget_earlier_imports()
    user = importer()
    profile = cProfile.Profile() if args.profile else None
    results = []
    for name in ("first import", "same file again"):
        if args.through == "writes":
            rounds = writes_only(path, batch) if name == "first import" else []
        elif args.through == "ceiling":
            rounds = ceiling(path, user) if name == "first import" else []
        elif args.through == "job":
            rounds = through_job(path, user, profile=profile if name == "first import" else None)
        else:
            rounds = through_source(
                path, batch, profile=profile if name == "first import" else None
            )
        for row in rounds:
            row["round"] = name
            results.append(row)
            print(line_for(row), flush=True)
    if profile:
        profile.dump_stats(OUT / "import-speed.prof")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(35)
    write_results(args, path, results)
    peak = Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]
    print(f"peak RSS of this process: {int(peak) / 1000:,.0f} MB")


def line_for(row: dict) -> str:
    verdict = (
        ""
        if row["phase"] != "run"
        else (" (meets >= 20,000)" if row["rows_per_s"] >= GOAL else " (MISSES >= 20,000)")
    )
    return (
        f"{row['round']}, {row['phase']}: {row['rows']:,} rows in {row['seconds']:.1f} s = "
        f"{row['rows_per_s']:,.0f} rows/s{verdict}; CPU per row: Python "
        f"{row['python_us_per_row']:.0f} µs, PostgreSQL {row['postgres_us_per_row']:.0f} µs; "
        f"added {row['added']:,}, updated {row['updated']:,}, unchanged {row['unchanged']:,}, "
        f"failed {row['failed']:,}"
    )


def write_results(args: argparse.Namespace, path: Path, results: list[dict]) -> None:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"{when}, {os.cpu_count()} CPUs; customers import through the {args.through}, "
        f"production settings; {args.rows:,} rows ({path.stat().st_size / 1e6:.0f} MB)"
        + (f"; {args.label}" if args.label else "")
    )
    lines = [
        header,
        "",
        "| round | phase | rows/s | s | Python µs/row | PostgreSQL µs/row | added | updated | "
        "unchanged | failed |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['round']} | {r['phase']} | {r['rows_per_s']:,.0f} | {r['seconds']:.1f} | "
            f"{r['python_us_per_row']:.0f} | {r['postgres_us_per_row']:.0f} | {r['added']:,} | "
            f"{r['updated']:,} | {r['unchanged']:,} | {r['failed']:,} |"
        )
    (OUT / "import-speed.md").write_text("\n".join(lines) + "\n")
    (OUT / "import-speed.json").write_text(json.dumps({"header": header, "rounds": results}))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
