"""The clock processes: call a tick every few seconds until SIGTERM or Ctrl-C, and the management
command they share (`ClockCommand`)."""

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections

logger = logging.getLogger(__name__)


def run_every(every: float, tick: Callable[[], None]) -> None:
    """Call `tick` now and then every `every` seconds; return on SIGTERM or Ctrl-C, with the
    SIGTERM handler that was there before put back."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, request_stop)
    try:
        while not stop.is_set():
            tick()
            stop.wait(every)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


class ClockCommand(BaseCommand):
    """A clock process: enqueue background work every --every seconds for the workers to run.

    Subclasses name the work and enqueue it; one clock of each kind should run, and the work is
    idempotent, so a second clock costs work, not correctness."""

    work = "the work"  # what is enqueued, for messages: "the SLA check"
    default_every = 60.0

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=float,
            default=self.default_every,
            help=f"Seconds between two ticks (default {self.default_every:g}).",
        )
        parser.add_argument("--once", action="store_true", help="Enqueue once and exit.")

    def handle(self, *args, every: float, once: bool, **options) -> None:
        if every <= 0:
            raise CommandError("--every must be a positive number of seconds.")
        if once:
            self.tick()
            return
        self.stdout.write(f"Enqueuing {self.work} every {every:g} s; stop with Ctrl-C or SIGTERM.")
        run_every(every, self.tick)
        self.stdout.write(f"Enqueuing {self.work} stopped.")

    def tick(self) -> None:
        # A long-lived process: drop a connection the database closed meanwhile.
        close_old_connections()
        try:
            done = self.enqueue()
        except DatabaseError:
            # The database may be restarting; the next tick tries again rather than ending the
            # process (honcho would stop every other process with it).
            logger.exception("Could not enqueue %s", self.work)
            return
        logger.info("Enqueued %s: %s", self.work, done)

    def enqueue(self) -> str:
        """Enqueue the work; say what was enqueued (task ids) for the log."""
        raise NotImplementedError
