#!/usr/bin/env python
"""The SQL behind each benchmarked API call, with its plan.

    .venv/bin/python bench/explain.py            # after bench/generate_customers.py
    .venv/bin/python bench/explain.py --app-dir /path/to/other/checkout --common wil

For one sample of each scenario (lookup by phone, by e-mail, name search, a common surname
prefix, and the screen pop once bench/generate_interactions.py has run) it calls the API
in-process (Django test client, production settings, the bench agent's token), counts the
queries, and prints EXPLAIN (ANALYZE, BUFFERS) of every query that touches customer, contact
or case data (run after the call, so caches are warm). Output also goes to
bench/out/explain.txt.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rapport_bench")
os.environ.setdefault("SECRET_KEY", "bench-explain-only-" + "x" * 40)
os.environ.update(
    {
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "RAPPORT_SSL_REDIRECT": "0",
        "RAPPORT_SECURE_COOKIES": "0",
        "RAPPORT_LOG_LEVEL": "WARNING",
    }
)

CUSTOMER_TABLES = (
    "customers_customer",
    "customers_contactpoint",
    "customers_holding",
    "interactions_interaction",
    "cases_case",
)


def first_line(filename: str, index: int = 0) -> str:
    lines = [line for line in (OUT / filename).read_text().splitlines() if line]
    return lines[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="explain another checkout")
    parser.add_argument("--common", default="smi", help="the common surname prefix to search")
    parser.add_argument("--output", type=Path, default=OUT / "explain.txt")
    args = parser.parse_args()
    sys.path.insert(0, str(args.app_dir))
    os.chdir(args.app_dir)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    token = (OUT / "token.txt").read_text().strip()
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    common = args.common
    calls = [
        ("lookup by phone", f"/api/v1/customers/lookup?phone={first_line('phones.txt')}"),
        ("lookup by e-mail", f"/api/v1/customers/lookup?email={first_line('emails.txt')}"),
        ("search by name", f"/api/v1/customers/?page_size=20&q={first_line('names.txt')}"),
        (
            f"search by a common surname prefix '{common}'",
            f"/api/v1/customers/?page_size=20&q={urllib.parse.quote(common)}",
        ),
    ]
    if (OUT / "screen_pop_phones.txt").exists():  # after bench/generate_interactions.py
        calls.append(
            ("screen pop", f"/api/v1/screen-pop?phone={first_line('screen_pop_phones.txt')}")
        )
    report: list[str] = []

    def say(text: str = "") -> None:
        print(text)
        report.append(text)

    for title, url in calls:
        client.get(url)  # warm the caches and the connection
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        say(f"== {title}: GET {urllib.parse.unquote(url)}")
        say(
            f"   {response.status_code}, {len(queries.captured_queries)} queries, "
            f"{elapsed:.1f} ms in-process"
        )
        for number, query in enumerate(queries.captured_queries, 1):
            sql = query["sql"]
            say(f"-- query {number} ({float(query['time']) * 1000:.1f} ms): {sql[:160]}…")
            if not sql.startswith("SELECT") or not any(t in sql for t in CUSTOMER_TABLES):
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = [row[0] for row in cursor.fetchall()]
            say(f"   {sql}")
            for line in plan:
                say(f"   | {line}")
        say()
    args.output.write_text("\n".join(report) + "\n")
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
