"""The clock process: enqueue the SLA check every few seconds for the workers to run.

Procfile: `clock: python manage.py sla_watch --every 60`. Only one clock should run; the check is
idempotent, so a second one costs work, not correctness."""

import logging

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections

from rapport.cases.tasks import check_sla
from rapport.core.clock import run_every

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Enqueue the SLA check (warnings and breaches) every --every seconds until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every", type=float, default=60.0, help="Seconds between two checks (default 60)."
        )
        parser.add_argument("--once", action="store_true", help="Enqueue one check and exit.")

    def handle(self, *args, every: float, once: bool, **options) -> None:
        if every <= 0:
            raise CommandError("--every must be a positive number of seconds.")
        if once:
            self._enqueue()
            return
        self.stdout.write(f"Checking SLA clocks every {every:g} s; stop with Ctrl-C or SIGTERM.")
        run_every(every, self._enqueue)
        self.stdout.write("SLA watch stopped.")

    def _enqueue(self) -> None:
        # A long-lived process: drop a connection the database closed meanwhile.
        close_old_connections()
        try:
            result = check_sla.enqueue()
        except DatabaseError:
            # The database may be restarting; the next tick tries again rather than ending the
            # process (honcho would stop every other process with it).
            logger.exception("Could not enqueue the SLA check")
            return
        logger.info("Enqueued the SLA check %s", result.id)
