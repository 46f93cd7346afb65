#!/usr/bin/env python
"""Build the KPI rollups of the bench ledger and the samples for the KPI wall and scorecard runs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench \\
    DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=bench-only \\
    .venv/bin/python bench/kpi_rollups.py          # after bench/generate_interactions.py

1. Unless rollups exist (or with --rebuild), rebuilds every day's rollups from the 10,000,000
   contacts the way the worker does (rapport.performance.services.measures.rollups_rebuild_now)
   and prints contacts/s: what a full rebuild after a settings change costs.
2. Times one incremental refresh (what the rollup clock enqueues every few minutes).
3. Makes the user `bench-admin` (role admin) with an API key in bench/out/admin_token.txt.
   and a signed-in session of it in bench/out/admin_session.txt (for the pages).
4. Writes bench/out/kpi_wall.txt (?period=…&date=… over the ledger's two years),
   bench/out/scorecards.txt (<agent id>?period=…&date=…) and scorecard_pages.txt for
   bench/http_bench.py.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rapport_bench")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from rapport.accounts.models import User  # noqa: E402
from rapport.accounts.services import api_token_issue, token_digest, user_create  # noqa: E402
from rapport.core.roles import Role  # noqa: E402
from rapport.performance import rollups  # noqa: E402
from rapport.performance.models import DailyRollup  # noqa: E402
from rapport.performance.services import measures  # noqa: E402

ADMIN = "bench-admin"
PERIODS = ("day", "week", "week", "month")  # weeks are what people open most


def rebuild() -> None:
    started = time.perf_counter()

    def progress(done: int, total: int, contacts: int) -> None:
        if done % 50 == 0 or done == total:
            rate = contacts / (time.perf_counter() - started)
            print(
                f"  {done}/{total} days  {contacts:,} contacts  {rate:,.0f} contacts/s", flush=True
            )

    result = measures.rollups_rebuild_now(progress=progress)
    elapsed = time.perf_counter() - started
    print(
        f"rebuilt {result['days']} days from {result['contacts']:,} contacts in {elapsed:.0f} s "
        f"({result['contacts'] / elapsed:,.0f} contacts/s); "
        f"{DailyRollup.objects.count():,} rollup rows"
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE performance_dailyrollup")


def refresh() -> None:
    started = time.perf_counter()
    result = rollups.rollups_refresh(full=False)
    print(
        f"incremental refresh: {result['days']} days, {result['contacts']:,} contacts in "
        f"{time.perf_counter() - started:.1f} s"
    )


def admin_token() -> str:
    user = User.objects.filter(username=ADMIN).first()
    if user is None:
        user = user_create(
            username=ADMIN,
            password=secrets.token_urlsafe(24),
            roles=[Role.ADMIN],
            first_name="Bench",
        )
    token_file = OUT / "admin_token.txt"
    if token_file.exists():
        key = token_file.read_text().strip()
        if user.api_tokens.filter(digest=token_digest(key), revoked_at__isnull=True).exists():
            return key
    key = api_token_issue(user=user, name="bench").key
    token_file.write_text(key + "\n")
    print(f"issued an API token for {ADMIN}: {token_file.relative_to(ROOT)}")
    return key


def admin_session() -> None:
    """A signed-in session of bench-admin for the page scenarios (a cookie line for wrk)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    user = User.objects.get(username=ADMIN)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    (OUT / "admin_session.txt").write_text(f"{settings.SESSION_COOKIE_NAME}={store.session_key}\n")


def write_samples(size: int, seed: int) -> None:
    rng = random.Random(seed)
    days = list(
        DailyRollup.objects.filter(grain="center")
        .order_by()
        .values_list("day", flat=True)
        .distinct()
    )
    agents = list(
        DailyRollup.objects.filter(grain="agent", agent__isnull=False)
        .order_by()
        .values_list("agent_id", flat=True)
        .distinct()
    )
    if not days or not agents:
        raise SystemExit("no rollups: run without --skip-rebuild first")
    wall = [f"?period={rng.choice(PERIODS)}&date={rng.choice(days)}" for _ in range(size)]
    cards = [
        f"{rng.choice(agents)}?period={rng.choice(PERIODS)}&date={rng.choice(days)}"
        for _ in range(size)
    ]
    (OUT / "kpi_wall.txt").write_text("\n".join(wall) + "\n")
    (OUT / "scorecards.txt").write_text("\n".join(cards) + "\n")
    pages = [card.replace("?", "/?", 1) for card in cards]
    (OUT / "scorecard_pages.txt").write_text("\n".join(pages) + "\n")
    print(f"wrote {size:,} samples each: {len(days)} days, {len(agents)} agents")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="rebuild even if rollups exist")
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"today is {timezone.localdate()} in {timezone.get_current_timezone_name()}")
    if args.rebuild or not DailyRollup.objects.exists():
        rebuild()
    refresh()
    admin_token()
    admin_session()
    write_samples(args.samples, args.seed)


if __name__ == "__main__":
    main()
