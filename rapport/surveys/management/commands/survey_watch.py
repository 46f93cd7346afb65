"""The survey clock: enqueue the surveys tick every few minutes for the workers to run.

Procfile: `surveys: python manage.py survey_watch --every 120`. Each tick draws the handled
contacts nobody drew yet (imports, contacts never wrapped up), sends queued invitations and
expires old links. Every part is idempotent, so a second clock costs work, not correctness."""

import logging

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections

from rapport.core.clock import run_every
from rapport.surveys.tasks import surveys_tick

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Enqueue the surveys tick (sweep, send, expire) every --every seconds until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every", type=float, default=120.0, help="Seconds between two ticks (default 120)."
        )
        parser.add_argument("--once", action="store_true", help="Enqueue one tick and exit.")

    def handle(self, *args, every: float, once: bool, **options) -> None:
        if every <= 0:
            raise CommandError("--every must be a positive number of seconds.")
        if once:
            self._enqueue()
            return
        self.stdout.write(f"Survey tick every {every:g} s; stop with Ctrl-C or SIGTERM.")
        run_every(every, self._enqueue)
        self.stdout.write("Survey watch stopped.")

    def _enqueue(self) -> None:
        close_old_connections()
        try:
            result = surveys_tick.enqueue()
        except DatabaseError:
            logger.exception("Could not enqueue the surveys tick")
            return
        logger.info("Enqueued the surveys tick %s", result.id)
