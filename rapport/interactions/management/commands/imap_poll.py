"""Fetch unseen mail from the IMAP folder, once or every RAPPORT_IMAP_POLL_SECONDS."""

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from rapport.interactions.mail.imap import ImapError, imap_poll

logger = logging.getLogger("rapport.interactions.mail")


class Command(BaseCommand):
    help = "Store unseen messages from the IMAP folder (RAPPORT_IMAP_*) as interactions."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Poll once and exit.")

    def handle(self, *args, once: bool = False, **options):
        if not settings.RAPPORT_IMAP_HOST:
            raise CommandError("IMAP is not configured: set RAPPORT_IMAP_HOST.")
        if once:
            try:
                result = imap_poll()
            except ImapError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"IMAP poll: {result}.")
            return
        every = max(1, settings.RAPPORT_IMAP_POLL_SECONDS)
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(
            f"Polling {settings.RAPPORT_IMAP_HOST} folder {settings.RAPPORT_IMAP_FOLDER!r} "
            f"every {every} s; stop with Ctrl-C."
        )
        while not stop.is_set():
            # A process that runs for days must not keep a connection the database has dropped.
            close_old_connections()
            try:
                result = imap_poll()
            except ImapError as exc:
                # The server may be back by the next poll; the loop keeps running.
                logger.warning("IMAP poll failed: %s", exc)
            except Exception:
                logger.exception("IMAP poll failed unexpectedly; trying again at the next poll.")
            else:
                logger.info("IMAP poll: %s.", result)
            stop.wait(every)
