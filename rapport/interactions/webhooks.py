"""Signed deliveries from chat, SMS and social providers and from the phone switch.

A sender signs `f"{timestamp}.".encode() + body` with HMAC-SHA256 and the channel's secret
(settings.RAPPORT_WEBHOOK_SECRETS), and names each delivery with an id we keep per channel, so a
delivery replayed by an attacker (or retried by the sender) changes nothing.
"""

import hashlib
import hmac
import time
from collections.abc import Mapping

from django.conf import settings
from django.db import IntegrityError, transaction

from rapport.core.errors import ApplicationError, ValidationFailed
from rapport.interactions import services
from rapport.interactions.models import WebhookDelivery
from rapport.interactions.services import InboundMessage, Received

TIMESTAMP_HEADER = "X-Rapport-Timestamp"
DELIVERY_HEADER = "X-Rapport-Delivery"
SIGNATURE_HEADER = "X-Rapport-Signature"
SIGNATURE_PREFIX = "sha256="
DELIVERY_ID_MAX_LENGTH = 100
REJECTED_DETAIL_LENGTH = 2000


class ChannelNotConfigured(ApplicationError):
    status = 503
    code = "channel_not_configured"


class BadSignature(ApplicationError):
    status = 401
    code = "bad_signature"


class StaleTimestamp(ApplicationError):
    status = 401
    code = "stale_timestamp"


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    """The X-Rapport-Signature value for a body sent at `timestamp` (Unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return SIGNATURE_PREFIX + digest.hexdigest()


def signed_headers(
    *, secret: str, body: bytes, delivery_id: str, timestamp: int | None = None
) -> dict[str, str]:
    """The three headers a sender adds; for tests, the benchmark and integrators' examples."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        TIMESTAMP_HEADER: str(timestamp),
        DELIVERY_HEADER: delivery_id,
        SIGNATURE_HEADER: sign(secret=secret, timestamp=timestamp, body=body),
    }


def delivery_verify(
    *, channel: str, headers: Mapping[str, str], body: bytes, now: float | None = None
) -> str:
    """Check a delivery's signature and age; return its delivery id.

    The signature is checked before the timestamp's age, so nobody without the secret learns
    anything from the answer."""
    secret = settings.RAPPORT_WEBHOOK_SECRETS.get(channel, "")
    if not secret:
        raise ChannelNotConfigured(
            f"The {channel} channel is not configured: an admin must set "
            f"RAPPORT_WEBHOOK_SECRET_{channel.upper()} before it accepts deliveries."
        )
    missing = [
        name
        for name in (TIMESTAMP_HEADER, DELIVERY_HEADER, SIGNATURE_HEADER)
        if not headers.get(name)
    ]
    if missing:
        raise BadSignature(
            f"Missing header{'s' if len(missing) > 1 else ''}: {', '.join(missing)}."
        )
    raw_timestamp = headers[TIMESTAMP_HEADER].strip()
    if not raw_timestamp.isascii() or not raw_timestamp.isdigit() or len(raw_timestamp) > 12:
        raise BadSignature(f"{TIMESTAMP_HEADER} must be a time in whole Unix seconds.")
    timestamp = int(raw_timestamp)
    expected = sign(secret=secret, timestamp=timestamp, body=body)
    if not hmac.compare_digest(expected.encode(), headers[SIGNATURE_HEADER].strip().encode()):
        raise BadSignature(
            f"{SIGNATURE_HEADER} does not match: sign '<timestamp>.<raw body>' with HMAC-SHA256 "
            f"and the channel's secret, and send it as 'sha256=<hex>'."
        )
    skew = abs((time.time() if now is None else now) - timestamp)
    if skew > settings.RAPPORT_WEBHOOK_MAX_SKEW_SECONDS:
        raise StaleTimestamp(
            f"{TIMESTAMP_HEADER} is {int(skew)} s away from our clock; at most "
            f"{settings.RAPPORT_WEBHOOK_MAX_SKEW_SECONDS} s is accepted. Check the sender's clock."
        )
    delivery_id = headers[DELIVERY_HEADER].strip()
    if not delivery_id or not delivery_id.isprintable():
        raise ValidationFailed(
            f"{DELIVERY_HEADER} must be a printable id, unique per delivery.",
            fields={DELIVERY_HEADER: ["Printable characters, not empty."]},
        )
    if len(delivery_id) > DELIVERY_ID_MAX_LENGTH:
        raise ValidationFailed(
            f"{DELIVERY_HEADER} is longer than {DELIVERY_ID_MAX_LENGTH} characters.",
            fields={DELIVERY_HEADER: [f"At most {DELIVERY_ID_MAX_LENGTH} characters."]},
        )
    return delivery_id


def delivery_claim(*, channel: str, delivery_id: str) -> bool:
    """Record a delivery inside the caller's transaction; False when it was recorded before.

    Called first in that transaction: a second copy arriving at the same moment waits on the
    unique index until the first commits, then sees it as a replay. If the caller's work fails,
    the claim rolls back with it and the sender may try again."""
    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(channel=channel, delivery_id=delivery_id)
    except IntegrityError:
        return False
    return True


def message_deliver(*, delivery_id: str, inbound: InboundMessage, detail: str) -> Received | None:
    """Store a signed channel message once. None: this delivery was stored before.

    A message the ledger cannot accept (an invalid sender) is kept as a RejectedInbound with
    its reason and the error is raised again for the sender."""
    try:
        with transaction.atomic():
            if not delivery_claim(channel=inbound.channel, delivery_id=delivery_id):
                return None
            return services.inbound_receive(inbound=inbound)
    except ValidationFailed as exc:
        services.inbound_reject(
            channel=inbound.channel, reason=exc.message, detail=detail[:REJECTED_DETAIL_LENGTH]
        )
        raise
