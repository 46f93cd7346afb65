"""Poll an IMAP folder for mail the listener cannot receive (a hosted mailbox, say).

Each unseen message is fetched without marking it (BODY.PEEK), stored, and only then flagged
\\Seen: a crash in between means it is fetched again, and the replay is a no-op. A message refused
for good is flagged too, so it is not fetched forever; one that failed for a passing reason stays
unseen for the next poll. UIDs, not sequence numbers, so another client expunging cannot make us
flag the wrong message.
"""

import imaplib
import logging
import re
from dataclasses import dataclass

from django.conf import settings

from rapport.interactions.mail.receive import Outcome, mail_receive, mail_refuse_too_large

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 60
_SIZE = re.compile(rb"RFC822\.SIZE\s+(\d+)", re.IGNORECASE)


class ImapError(Exception):
    """The mailbox could not be reached or read; nothing was marked."""


@dataclass
class PollResult:
    stored: int = 0
    duplicates: int = 0
    refused: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return (
            f"{self.stored} stored, {self.duplicates} already stored, {self.refused} refused, "
            f"{self.failed} left for the next poll"
        )


def imap_connect() -> imaplib.IMAP4:
    """A logged-in connection to the configured mailbox with its folder selected."""
    if not settings.RAPPORT_IMAP_HOST:
        raise ImapError("IMAP is not configured: set RAPPORT_IMAP_HOST.")
    imap_class = imaplib.IMAP4_SSL if settings.RAPPORT_IMAP_SSL else imaplib.IMAP4
    try:
        connection = imap_class(
            settings.RAPPORT_IMAP_HOST, settings.RAPPORT_IMAP_PORT, timeout=TIMEOUT_SECONDS
        )
        connection.login(settings.RAPPORT_IMAP_USER, settings.RAPPORT_IMAP_PASSWORD)
        status, _ = connection.select(_quoted(settings.RAPPORT_IMAP_FOLDER))
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapError(f"Could not open the mailbox: {exc}") from exc
    if status != "OK":
        connection.logout()
        raise ImapError(f"Could not select the folder {settings.RAPPORT_IMAP_FOLDER!r}.")
    return connection


def imap_poll() -> PollResult:
    """Receive every unseen message in the folder once."""
    connection = imap_connect()
    try:
        return _poll(connection)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapError(f"The mailbox stopped answering: {exc}") from exc
    finally:
        try:
            connection.logout()
        except (OSError, imaplib.IMAP4.error):
            logger.warning("IMAP logout failed.", exc_info=True)


def _poll(connection: imaplib.IMAP4) -> PollResult:
    result = PollResult()
    status, data = connection.uid("SEARCH", "UNSEEN")
    if status != "OK":
        raise ImapError("The server refused to search for unseen mail.")
    uids = data[0].split() if data and data[0] else []
    for uid in uids:
        outcome = _receive_one(connection, uid.decode("ascii"))
        if outcome is None:
            result.failed += 1
            continue
        _mark_seen(connection, uid.decode("ascii"))
        if outcome == Outcome.STORED:
            result.stored += 1
        elif outcome == Outcome.DUPLICATE:
            result.duplicates += 1
        else:
            result.refused += 1
    return result


def _receive_one(connection: imaplib.IMAP4, uid: str) -> Outcome | None:
    """Store one message; None when it failed for a reason that may pass (it stays unseen)."""
    limit = settings.RAPPORT_MAIL_MAX_BYTES
    size = _size(connection, uid)
    try:
        if limit and size is not None and size > limit:
            head = _fetch(connection, uid, "BODY.PEEK[HEADER]")
            return mail_refuse_too_large(size=size, head=head).outcome
        raw = _fetch(connection, uid, "BODY.PEEK[]")
        return mail_receive(raw=raw).outcome
    except (OSError, imaplib.IMAP4.error):
        raise
    except Exception:
        logger.exception("Could not store IMAP message %s; it stays unseen for the next poll.", uid)
        return None


def _size(connection: imaplib.IMAP4, uid: str) -> int | None:
    status, data = connection.uid("FETCH", uid, "(RFC822.SIZE)")
    for item in data if status == "OK" else []:
        line = item[0] if isinstance(item, tuple) else item
        match = _SIZE.search(line) if isinstance(line, bytes) else None
        if match:
            return int(match.group(1))
    return None


def _fetch(connection: imaplib.IMAP4, uid: str, what: str) -> bytes:
    status, data = connection.uid("FETCH", uid, f"({what})")
    if status != "OK":
        raise ImapError(f"The server refused to hand over message {uid}.")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    raise ImapError(f"Message {uid} is gone from the folder.")


def _mark_seen(connection: imaplib.IMAP4, uid: str) -> None:
    status, _ = connection.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    if status != "OK":
        logger.warning(
            "Could not mark IMAP message %s seen; the next poll will skip it as a replay.", uid
        )


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
