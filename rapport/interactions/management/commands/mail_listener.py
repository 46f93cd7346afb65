"""Run the e-mail listener (SMTP or LMTP) until stopped (Ctrl-C or SIGTERM)."""

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from rapport.interactions.mail.listener import PROTOCOLS, mail_controller

logger = logging.getLogger("rapport.interactions.mail")


class Command(BaseCommand):
    help = "Receive e-mail over SMTP or LMTP and store each message as an interaction."

    def add_arguments(self, parser):
        parser.add_argument("--host", help="Address to listen on (default RAPPORT_MAIL_HOST).")
        parser.add_argument("--port", type=int, help="Port (default RAPPORT_MAIL_PORT).")
        parser.add_argument(
            "--protocol", choices=PROTOCOLS, help="smtp or lmtp (default RAPPORT_MAIL_PROTOCOL)."
        )

    def handle(self, *args, host=None, port=None, protocol=None, **options):
        protocol = (protocol or settings.RAPPORT_MAIL_PROTOCOL).lower()
        if protocol not in PROTOCOLS:
            raise CommandError(f"RAPPORT_MAIL_PROTOCOL must be one of {', '.join(PROTOCOLS)}.")
        controller = mail_controller(host=host, port=port, protocol=protocol)
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        try:
            controller.start()
        except OSError as exc:
            raise CommandError(
                f"Cannot listen on {controller.hostname}:{controller.port}: {exc}"
            ) from exc
        logger.info(
            "Listening for e-mail (%s) on %s:%s, messages up to %s bytes.",
            protocol.upper(),
            controller.hostname,
            controller.port,
            settings.RAPPORT_MAIL_MAX_BYTES,
        )
        try:
            stop.wait()
        finally:
            controller.stop()
            logger.info("Mail listener stopped.")
