"""Store one received e-mail, or refuse it for good. The listener and the IMAP poller share this.

Three answers: stored (or already stored: a replay), refused (kept in RejectedInbound with the
reason; the sender is told so and must not retry), or an exception, which means "not now": the
listener answers 451 and the poller leaves the mail unseen, so it comes again.
"""

import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

from rapport.access import selectors as access_selectors
from rapport.access.choices import Channel
from rapport.core.errors import ValidationFailed
from rapport.interactions import services
from rapport.interactions.mail.parse import parse_email

logger = logging.getLogger(__name__)

# Failures that are ours, not the message's: the mail is kept by the sender until we are fixed.
NOT_THE_MESSAGES_FAULT = frozenset({"no_queue"})


class Outcome(enum.StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    REFUSED = "refused"


class Refusal(enum.StrEnum):
    UNREADABLE = "unreadable"
    SENDER = "sender"
    TOO_LARGE = "too_large"


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    refusal: Refusal | None = None
    interaction_id: int | None = None


def mail_receive(*, raw: bytes, recipients: Sequence[str] = ()) -> Delivery:
    """Parse and store one e-mail. Raises when it could not be stored for a reason that may pass."""
    limit = settings.RAPPORT_MAIL_MAX_BYTES
    if limit and len(raw) > limit:
        return _refuse(Refusal.TOO_LARGE, f"Larger than {limit} bytes ({len(raw)}).", raw)
    try:
        inbound = parse_email(raw, recipients=recipients, is_ours=_is_ours)
        received = services.inbound_receive(inbound=inbound)
    except ValidationFailed as exc:
        if exc.code in NOT_THE_MESSAGES_FAULT:
            raise
        refusal = Refusal.SENDER if exc.code == "invalid_email" else Refusal.UNREADABLE
        return _refuse(refusal, exc.message, raw)
    outcome = Outcome.STORED if received.message is not None else Outcome.DUPLICATE
    logger.info(
        "E-mail %s %s as interaction %s.", inbound.conversation_id, outcome, received.interaction.pk
    )
    return Delivery(outcome=outcome, interaction_id=received.interaction.pk)


def mail_refuse_too_large(*, size: int, head: bytes) -> Delivery:
    """Keep the record of a message too large to fetch; `head` is its first bytes."""
    return _refuse(
        Refusal.TOO_LARGE, f"Larger than {settings.RAPPORT_MAIL_MAX_BYTES} bytes ({size}).", head
    )


def _refuse(refusal: Refusal, reason: str, raw: bytes) -> Delivery:
    services.inbound_reject(channel=Channel.EMAIL, reason=reason, detail=_detail(raw))
    logger.warning("E-mail refused (%s): %s", refusal, reason)
    return Delivery(outcome=Outcome.REFUSED, refusal=refusal)


def _detail(raw: bytes) -> str:
    head = raw[: services.REJECTED_DETAIL_LENGTH].decode("utf-8", errors="replace")
    return head.replace("\x00", "\ufffd")


def _is_ours(address: str) -> bool:
    return access_selectors.touchpoint_for(channel=Channel.EMAIL, address=address) is not None
