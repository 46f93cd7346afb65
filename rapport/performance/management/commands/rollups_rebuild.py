"""Rebuild every day's KPI rollups now, with progress (after an import of history, or a restore)."""

import time

from django.core.management.base import BaseCommand, CommandParser

from rapport.performance.services import measures


class Command(BaseCommand):
    help = "Rebuild the daily KPI rollups of every day in the ledger (or --days recent days)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=0, help="Only the most recent N days.")

    def handle(self, *args, days: int, **options) -> None:
        started = time.perf_counter()

        def progress(done: int, total: int, contacts: int) -> None:
            if done % 10 == 0 or done == total:
                self.stdout.write(f"  {done}/{total} days, {contacts:,} contacts")

        result = measures.rollups_rebuild_now(days=days, progress=progress)
        elapsed = time.perf_counter() - started
        rate = result["contacts"] / elapsed if elapsed else 0
        self.stdout.write(
            f"Rebuilt {result['days']} days from {result['contacts']:,} contacts in "
            f"{elapsed:.1f} s ({rate:,.0f} contacts/s)."
        )
