"""Sending survey invitations and following them: opened, expired.

The link carries `TimestampSigner(salt="rapport.surveys")` over the invitation's random nonce: the
nonce cannot be guessed, the signature cannot be forged, and the stored expiry and state (not the
signature's age) decide whether the link still works, so an admin's expiry change and single use
both hold.

Sending never raises into its caller: a refused e-mail or an SMS gateway that is down or not
configured leaves the invitation `failed` with the reason in `error`.
"""

import datetime
import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from rapport.core.audit import audit_record
from rapport.core.http import public_url
from rapport.interactions import webhooks
from rapport.surveys.choices import InvitationState, InviteChannel
from rapport.surveys.models import Invitation
from rapport.surveys.selectors import invitations as selectors

logger = logging.getLogger(__name__)

SMS_TIMEOUT_SECONDS = 10
ERROR_LENGTH = 255


class SendFailed(Exception):
    """A send that did not go out; the message is what the admins' list shows."""


def invitation_token(invitation: Invitation) -> str:
    return signing.TimestampSigner(salt=selectors.TOKEN_SALT).sign(invitation.nonce)


def invitation_link(invitation: Invitation) -> str:
    path = reverse("survey_public:answer", args=[invitation_token(invitation)])
    return public_url(path)


def _email_send(invitation: Invitation, link: str) -> None:
    body = (
        "Hello,\n\n"
        "You were in touch with us recently. Would you tell us how it went? It takes a minute:\n\n"
        f"{link}\n\n"
        f"The link works once and until {invitation.expires_at:%Y-%m-%d}.\n"
    )
    message = EmailMessage(
        subject="How did we do?",
        body=body,
        from_email=settings.RAPPORT_MAIL_FROM,
        to=[invitation.address],
    )
    try:
        message.send()
    except OSError as exc:  # smtplib errors and refused connections are OSErrors
        raise SendFailed(f"The mail server did not accept the invitation: {exc}") from exc


def _sms_send(invitation: Invitation, link: str) -> None:
    url = settings.RAPPORT_SMS_GATEWAY_URL
    if not url:
        raise SendFailed("No SMS gateway is configured: an admin must set RAPPORT_SMS_GATEWAY_URL.")
    secret = settings.RAPPORT_WEBHOOK_SECRETS.get("sms", "")
    if not secret:
        raise SendFailed(
            "The SMS gateway cannot be signed for: an admin must set RAPPORT_WEBHOOK_SECRET_SMS."
        )
    text = f"How did we do? Tell us in a minute: {link}"
    body = json.dumps({"to": invitation.address, "text": text}).encode()
    headers = {
        "Content-Type": "application/json",
        **webhooks.signed_headers(secret=secret, body=body, delivery_id=invitation.nonce),
    }
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=SMS_TIMEOUT_SECONDS) as answer:  # noqa: S310
            status = answer.status
    except urllib.error.HTTPError as exc:
        raise SendFailed(f"The SMS gateway refused the invitation (HTTP {exc.code}).") from exc
    except (OSError, ValueError) as exc:
        raise SendFailed(f"The SMS gateway could not be reached: {exc}") from exc
    if not 200 <= status < 300:
        raise SendFailed(f"The SMS gateway answered HTTP {status}.")


def invitation_send(*, invitation: Invitation) -> Invitation:
    """Send a queued invitation by its channel; anything else is left as it is (a second send of
    the same invitation is a no-op)."""
    with transaction.atomic():
        row = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if row.state != InvitationState.QUEUED:
            return row
        now = timezone.now()
        if row.expires_at <= now:
            row.state = InvitationState.EXPIRED
            row.save(update_fields=["state", "updated_at"])
            return row
        link = invitation_link(row)
        try:
            if row.channel == InviteChannel.EMAIL:
                _email_send(row, link)
            else:
                _sms_send(row, link)
        except SendFailed as exc:
            row.state = InvitationState.FAILED
            row.error = str(exc)[:ERROR_LENGTH]
            logger.warning("Survey invitation %s not sent: %s", row.pk, exc)
        else:
            row.state = InvitationState.SENT
            row.sent_at = now
            row.error = ""
        row.save(update_fields=["state", "error", "sent_at", "updated_at"])
        audit_record(
            actor=None,
            action=f"survey.invitation_{row.state}",
            target=row,
            detail={"channel": row.channel, "error": row.error},
        )
        return row


def invitation_open(token: str) -> Invitation:
    """The invitation a customer's link names, marked opened the first time.

    Raises InvitationInvalid (tampered or unknown), InvitationExpired, InvitationAnswered."""
    try:
        with transaction.atomic():
            invitation = selectors.invitation_by_token(token, for_update=True)
            if invitation.state != InvitationState.OPENED:
                invitation.opened_at = invitation.opened_at or timezone.now()
                invitation.state = InvitationState.OPENED
                invitation.save(update_fields=["opened_at", "state", "updated_at"])
            return invitation
    except selectors.InvitationExpired:
        # Outside the transaction, so the link's invitation is marked expired all the same.
        nonce = selectors.invitation_nonce_from(token)
        invitations_expire(nonce=nonce)
        raise


def invitations_expire(*, now: datetime.datetime | None = None, nonce: str = "") -> int:
    """Mark invitations past their expiry as expired; failed sends stay failed (never delivered)."""
    now = now or timezone.now()
    rows = Invitation.objects.filter(
        expires_at__lte=now,
        state__in=[InvitationState.QUEUED, InvitationState.SENT, InvitationState.OPENED],
    )
    if nonce:
        rows = rows.filter(nonce=nonce)
    return rows.update(state=InvitationState.EXPIRED, updated_at=now)


def invitations_queued() -> list[int]:
    """Ids of invitations waiting to be sent (the clock sends any whose task was lost)."""
    return list(
        Invitation.objects.filter(
            state=InvitationState.QUEUED, expires_at__gt=timezone.now()
        ).values_list("pk", flat=True)[:500]
    )
