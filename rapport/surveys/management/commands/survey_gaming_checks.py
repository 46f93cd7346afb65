"""Run the survey gaming checks over a period from the command line (or a scheduler)."""

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from rapport.core.errors import ApplicationError
from rapport.surveys.selectors.reports import period_check
from rapport.surveys.services import gaming


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Run the five survey gaming checks over --start … --end (default: the last 28 days)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--start", type=_day, help="First day, YYYY-MM-DD.")
        parser.add_argument("--end", type=_day, help="Last day, YYYY-MM-DD (default: today).")

    def handle(self, *args, start: datetime.date | None, end: datetime.date | None, **options):
        end = end or timezone.localdate()
        try:
            # The end alone first: a default start is computed from it.
            period_check(end, end)
            start = start or end - datetime.timedelta(days=27)
            flags = gaming.gaming_checks_run(start=start, end=end)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Checks run for {start} – {end}: {len(flags)} flag(s).")
        for flag in flags:
            self.stdout.write(f"  {flag.kind:<14} {flag.agent}: {flag.explanation}")
