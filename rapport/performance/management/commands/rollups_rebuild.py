"""Rebuild every day's KPI rollups now, with progress (after an import of history, or a restore)."""

from django.core.management.base import BaseCommand, CommandParser

from rapport.performance import rollups


class Command(BaseCommand):
    help = "Rebuild the daily KPI rollups of every day in the ledger (or --days recent days)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=0, help="Only the most recent N days.")

    def handle(self, *args, days: int, **options) -> None:
        settings_row = rollups.measurement_settings()
        todo = rollups.ledger_days()
        if days > 0:
            todo = todo[-days:]
        contacts = 0
        for done, day in enumerate(todo, start=1):
            contacts += rollups.rollup_day(day, settings_row=settings_row)
            if done % 10 == 0 or done == len(todo):
                self.stdout.write(f"\r{done}/{len(todo)} days, {contacts:,} contacts", ending="")
                self.stdout.flush()
        self.stdout.write(f"\nRebuilt {len(todo)} days from {contacts:,} contacts.")
