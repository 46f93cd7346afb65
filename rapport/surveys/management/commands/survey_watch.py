"""The survey clock: enqueue the surveys tick and the alerts sweep every minute for the
workers to run.

Procfile: `surveys: python manage.py survey_watch --every 60`. Each tick draws the handled
contacts nobody drew yet (imports, contacts never wrapped up), sends queued invitations and
expires old links. It also sweeps the last hours of contacts nobody wrapped up yet for alerts: phone calls are written
by the switch without the ledger's signals, so until wrap-up only the sweep sees, for example,
a call transferred twice. Every part is idempotent, so a second clock costs work, not
correctness."""

import logging

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections

from rapport.core.clock import run_every
from rapport.insights.tasks import alerts_sweep
from rapport.surveys.tasks import surveys_tick

# Hours of contacts each tick sweeps for alerts: far more than a tick, so a stopped clock or a
# busy worker catches up, yet small enough to stay cheap every minute.
ALERTS_LOOKBACK_HOURS = 2

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Enqueue the surveys tick (sweep, send, expire) and the alerts sweep every --every "
        "seconds until stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every", type=float, default=60.0, help="Seconds between two ticks (default 60)."
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
            tick = surveys_tick.enqueue()
            sweep = alerts_sweep.enqueue(hours=ALERTS_LOOKBACK_HOURS, unwrapped_only=True)
        except DatabaseError:
            logger.exception("Could not enqueue the surveys tick or the alerts sweep")
            return
        logger.info("Enqueued the surveys tick %s and the alerts sweep %s", tick.id, sweep.id)
