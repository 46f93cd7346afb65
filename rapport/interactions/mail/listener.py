"""The mail listener: an SMTP or LMTP server (aiosmtpd) that stores each message before it answers,
so the sending server keeps the mail until we have it.

The database work runs off the event loop (Django's ORM is synchronous) in one worker thread, with
stale connections closed around it, as a long-running process must.
"""

import asyncio
import logging
from collections.abc import Sequence

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from rapport.interactions.mail.receive import Outcome, Refusal, mail_receive

logger = logging.getLogger(__name__)

PROTOCOLS = ("smtp", "lmtp")
# RFC 5321 allows 1000 bytes a line; real mail is sometimes longer, and losing it helps nobody.
LINE_LENGTH_LIMIT = 64 * 1024

ACCEPTED = "250 2.0.0 OK: stored"
TRY_LATER = "451 4.3.0 Temporary failure, try again later"
REFUSED = {
    Refusal.UNREADABLE: "554 5.6.0 Message could not be read",
    Refusal.SENDER: "550 5.1.7 Sender address is not valid",
    Refusal.TOO_LARGE: "552 5.3.4 Message too big",
}


class _SMTP(SMTP):
    line_length_limit = LINE_LENGTH_LIMIT


class _LMTP(LMTP):
    line_length_limit = LINE_LENGTH_LIMIT


class MailHandler:
    """Stores each message; every recipient gets the same answer, as the message is stored once."""

    def __init__(self, *, lmtp: bool = False):
        self.lmtp = lmtp

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        try:
            reply = await sync_to_async(_deliver, thread_sensitive=True)(
                raw, list(envelope.rcpt_tos)
            )
        except Exception:
            logger.exception("Could not hand a received e-mail to the store.")
            reply = TRY_LATER
        if self.lmtp:
            # LMTP answers DATA once per recipient (RFC 2033 4.2).
            return "\r\n".join([reply] * max(1, len(envelope.rcpt_tos)))
        return reply

    async def handle_exception(self, error: Exception) -> str:
        logger.exception("Mail session failed.", exc_info=error)
        return TRY_LATER


def _deliver(raw: bytes, recipients: Sequence[str]) -> str:
    close_old_connections()
    try:
        delivery = mail_receive(raw=raw, recipients=recipients)
    except Exception:
        logger.exception("Could not store a received e-mail; the sender will try again.")
        return TRY_LATER
    finally:
        close_old_connections()
    if delivery.outcome == Outcome.REFUSED and delivery.refusal is not None:
        return REFUSED[delivery.refusal]
    return ACCEPTED


class MailController(Controller):
    """aiosmtpd's threaded controller speaking SMTP or LMTP; port 0 takes any free port."""

    def __init__(self, handler: object, *, protocol: str, **kwargs):
        if protocol not in PROTOCOLS:
            raise ValueError(
                f"Unknown mail protocol {protocol!r}; use one of {', '.join(PROTOCOLS)}."
            )
        self.protocol = protocol
        super().__init__(handler, **kwargs)

    def factory(self) -> SMTP:
        server_class = _LMTP if self.protocol == "lmtp" else _SMTP
        return server_class(self.handler, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        if self.port == 0 and isinstance(self.server, asyncio.Server):
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def mail_controller(
    *,
    host: str | None = None,
    port: int | None = None,
    protocol: str | None = None,
    max_bytes: int | None = None,
) -> MailController:
    """A listener on the configured (or given) address; call start() and stop() on it."""
    protocol = (protocol or settings.RAPPORT_MAIL_PROTOCOL).lower()
    limit = settings.RAPPORT_MAIL_MAX_BYTES if max_bytes is None else max_bytes
    return MailController(
        MailHandler(lmtp=protocol == "lmtp"),
        protocol=protocol,
        hostname=settings.RAPPORT_MAIL_HOST if host is None else host,
        port=settings.RAPPORT_MAIL_PORT if port is None else port,
        server_hostname=settings.RAPPORT_MAIL_DOMAIN,
        data_size_limit=limit or None,
        enable_SMTPUTF8=True,
        decode_data=False,
    )
