"""The rollup clock: enqueue the rollup refresh every few minutes for the workers to run.

Procfile: `rollups: python manage.py rollup_watch --every 300`. Each run rebuilds stale days and
the days a repeat contact can still change; the first run of each day also rebuilds the offer
and save windows. The refresh is idempotent, so a second clock costs work, not correctness."""

import datetime
import logging

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from rapport.core.clock import run_every
from rapport.performance.tasks import refresh_rollups

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Enqueue the KPI rollup refresh every --every seconds until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=float,
            default=300.0,
            help="Seconds between two refreshes (default 300).",
        )
        parser.add_argument("--once", action="store_true", help="Enqueue one refresh and exit.")

    def handle(self, *args, every: float, once: bool, **options) -> None:
        if every <= 0:
            raise CommandError("--every must be a positive number of seconds.")
        self.last_full: datetime.date | None = None
        if once:
            self._enqueue()
            return
        self.stdout.write(f"Refreshing KPI rollups every {every:g} s; stop with Ctrl-C or SIGTERM.")
        run_every(every, self._enqueue)
        self.stdout.write("Rollup watch stopped.")

    def _enqueue(self) -> None:
        close_old_connections()
        today = timezone.localdate()
        full = self.last_full != today
        try:
            result = refresh_rollups.enqueue(full=full)
        except DatabaseError:
            logger.exception("Could not enqueue the rollup refresh")
            return
        if full:
            self.last_full = today
        logger.info("Enqueued the rollup refresh %s (full=%s)", result.id, full)
