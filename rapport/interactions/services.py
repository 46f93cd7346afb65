"""Writes to the interaction ledger. Every channel ends here: `inbound_receive` for what a
customer sends, `outbound_email_send` for e-mail we send, `call_event_record` for the phone switch,
`wrap_up` and `call_note_add` from the desktop."""

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives, make_msgid
from django.db import IntegrityError, transaction
from django.utils import timezone

from rapport.access import selectors as access_selectors
from rapport.access.choices import Channel
from rapport.access.models import ContactType
from rapport.core.audit import audit_record
from rapport.core.errors import Conflict, ValidationFailed
from rapport.customers import services as customer_services
from rapport.customers.models import Customer
from rapport.interactions.choices import (
    OFFER_ACCEPTED,
    OFFER_CHOICES,
    OFFER_NONE,
    Direction,
    Outcome,
    Side,
    Source,
)
from rapport.interactions.models import (
    Attachment,
    Interaction,
    Message,
    RejectedInbound,
)
from rapport.interactions.sanitise import clean_html, html_to_text
from rapport.interactions.signals import inbound_received, wrapped_up

SUMMARY_LENGTH = 300
ID_LENGTH = 255  # Interaction.external_id and Message.external_id
REJECTED_DETAIL_LENGTH = 2000


@dataclass(frozen=True)
class AttachmentIn:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class InboundMessage:
    """What any channel received, normalised to one shape.

    `conversation_id` groups messages into one interaction (an e-mail's Message-ID, a chat session,
    an SMS thread); `message_id` identifies one message within it, so a replay is a no-op.
    """

    channel: str
    source: str
    conversation_id: str
    sender_kind: str  # a customers ContactKind: phone, email, social
    sender: str
    sent_at: datetime
    message_id: str = ""
    sender_network: str = ""
    sender_name: str = ""
    touchpoint: str = ""
    subject: str = ""
    text: str = ""
    html: str = ""
    thread_refs: tuple[str, ...] = ()
    attachments: tuple[AttachmentIn, ...] = field(default=())


@dataclass(frozen=True)
class Received:
    interaction: Interaction
    message: Message | None  # None: this message was stored before (a replay)
    created: bool


def _summary(text: str) -> str:
    return " ".join(text.split())[:SUMMARY_LENGTH]


@transaction.atomic
def inbound_receive(*, inbound: InboundMessage) -> Received:
    """Store what a customer sent: resolve who it is, find or open the interaction, add the
    message on the customer's side. A replay of the same conversation and message id is a no-op."""
    if not inbound.conversation_id:
        raise ValidationFailed(
            "A message needs a conversation id.", fields={"conversation_id": ["Required."]}
        )
    customer = customer_services.customer_for_sender(
        kind=inbound.sender_kind,
        raw=inbound.sender,
        network=inbound.sender_network,
        name=inbound.sender_name,
    )
    interaction, created = _interaction_for(inbound, customer)
    message_id = inbound.message_id or inbound.conversation_id
    if interaction.messages.filter(external_id=message_id).exists():
        return Received(interaction=interaction, message=None, created=False)
    text = inbound.text or html_to_text(inbound.html)
    message = Message.objects.create(
        interaction=interaction,
        side=Side.CUSTOMER,
        body_text=text,
        body_html=clean_html(inbound.html) if inbound.html else "",
        sent_at=inbound.sent_at,
        external_id=message_id,
    )
    for attachment in inbound.attachments:
        _attach(message, attachment)
    if not created:
        Interaction.objects.filter(pk=interaction.pk).update(ended_at=inbound.sent_at)
    inbound_received.send(
        sender=Interaction, interaction=interaction, message=message, created=created
    )
    return Received(interaction=interaction, message=message, created=created)


def _interaction_for(inbound: InboundMessage, customer: Customer) -> tuple[Interaction, bool]:
    existing = Interaction.objects.filter(
        source=inbound.source, external_id=inbound.conversation_id
    ).first()
    if existing is not None:
        return existing, False
    touchpoint = access_selectors.touchpoint_for(
        channel=inbound.channel, address=inbound.touchpoint
    )
    interaction = Interaction(
        customer=customer,
        sender=inbound.sender[:255],
        sender_name=inbound.sender_name[:200],
        direction=Direction.INBOUND,
        channel=inbound.channel,
        touchpoint=touchpoint,
        queue=touchpoint.queue if touchpoint else None,
        subject=inbound.subject[:255],
        summary=_summary(inbound.text or html_to_text(inbound.html)),
        started_at=inbound.sent_at,
        ended_at=inbound.sent_at,
        source=inbound.source,
        external_id=inbound.conversation_id,
        thread_refs=list(inbound.thread_refs),
    )
    try:
        with transaction.atomic():
            interaction.save()
    except IntegrityError:
        # The same conversation arrived twice at once (e.g. listener and IMAP); read the winner.
        return Interaction.objects.get(
            source=inbound.source, external_id=inbound.conversation_id
        ), False
    return interaction, True


def _attach(message: Message, attachment: AttachmentIn) -> Attachment:
    stored = Attachment(
        message=message,
        filename=attachment.filename[:255] or "attachment",
        content_type=attachment.content_type[:100],
        size=len(attachment.content),
    )
    stored.file.save(stored.filename, ContentFile(attachment.content), save=False)
    stored.save()
    return stored


def inbound_reject(*, channel: str, reason: str, detail: str = "") -> RejectedInbound:
    """Keep a message a channel could not accept, with the reason, for an admin to look at."""
    return RejectedInbound.objects.create(
        channel=channel[:16], reason=reason[:255], detail=detail[:REJECTED_DETAIL_LENGTH]
    )


@transaction.atomic
def outbound_email_send(
    *,
    by,
    customer: Customer | None,
    to: str,
    subject: str,
    text: str,
    in_reply_to: str = "",
    references: tuple[str, ...] = (),
) -> Interaction:
    """Send an e-mail to a customer through Django's SMTP backend, threaded under the message it
    answers, and record it as an outbound interaction with the agent's words on the agent's side."""
    if not text.strip():
        raise ValidationFailed("Write something to send.", fields={"text": ["Required."]})
    now = timezone.now()
    message_id = make_msgid(domain=settings.RAPPORT_MAIL_DOMAIN)
    headers = {"Message-ID": message_id}
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
        headers["References"] = " ".join(
            [*references, in_reply_to] if in_reply_to not in references else references
        )
    interaction = Interaction.objects.create(
        customer=customer,
        sender=to,
        direction=Direction.OUTBOUND,
        channel=Channel.EMAIL,
        agent=by,
        subject=subject[:255],
        summary=_summary(text),
        started_at=now,
        answered_at=now,
        ended_at=now,
        source=Source.EMAIL,
        external_id=message_id,
        thread_refs=[ref for ref in [*references, in_reply_to] if ref],
    )
    Message.objects.create(
        interaction=interaction,
        side=Side.AGENT,
        author=by,
        body_text=text,
        sent_at=now,
        external_id=message_id,
    )
    email = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.RAPPORT_MAIL_FROM, to=[to], headers=headers
    )
    # Sent last: if the mail server refuses, the transaction rolls back and nothing is recorded.
    try:
        email.send()
    except OSError as exc:  # smtplib.SMTPException is an OSError, as is a refused connection
        raise Conflict(
            f"The mail server did not accept the message, so nothing was sent ({exc}). "
            "Try again in a moment.",
            code="mail_refused",
        ) from exc
    audit_record(actor=by, action="interaction.email_sent", target=interaction)
    return interaction


@transaction.atomic
def call_note_add(*, interaction: Interaction, by, text: str) -> Message:
    """An internal note on a contact (never sent to the customer), on the agent's side."""
    if not text.strip():
        raise ValidationFailed("A note cannot be empty.", fields={"text": ["Required."]})
    return Message.objects.create(
        interaction=interaction,
        side=Side.AGENT,
        author=by,
        body_text=text.strip(),
        sent_at=timezone.now(),
        is_note=True,
    )


@transaction.atomic
def wrap_up(
    *,
    interaction: Interaction,
    by,
    contact_type: ContactType,
    outcome: str,
    relationship_attempt: bool,
    compliment_received: bool,
    offer: str = OFFER_NONE,
) -> Interaction:
    """Close the contact: why the customer called, how it ended, the soft signals and any offer."""
    if offer not in OFFER_CHOICES:
        raise ValidationFailed("Say whether an offer was made.", fields={"offer": ["Unknown."]})
    if outcome not in Outcome.values or outcome == Outcome.OPEN:
        raise ValidationFailed("Choose how the contact ended.", fields={"outcome": ["Required."]})
    now = timezone.now()
    interaction.contact_type = contact_type
    interaction.outcome = outcome
    interaction.relationship_attempt = relationship_attempt
    interaction.compliment_received = compliment_received
    interaction.offer_made = offer != OFFER_NONE
    interaction.offer_accepted = offer == OFFER_ACCEPTED
    if interaction.agent_id is None:
        interaction.agent = by
    if interaction.ended_at and not interaction.wrapped_up_at:
        interaction.wrap_seconds = max(0, int((now - interaction.ended_at).total_seconds()))
    interaction.wrapped_up_at = now
    # Only what wrap-up owns: call events may have written times meanwhile.
    interaction.save(
        update_fields=[
            "contact_type",
            "outcome",
            "relationship_attempt",
            "compliment_received",
            "offer_made",
            "offer_accepted",
            "agent",
            "wrap_seconds",
            "wrapped_up_at",
            "updated_at",
        ]
    )
    audit_record(
        actor=by, action="interaction.wrapped_up", target=interaction, detail={"outcome": outcome}
    )
    wrapped_up.send(sender=Interaction, interaction=interaction, by=by)
    return interaction


@transaction.atomic
def interaction_customer_set(*, interaction: Interaction, customer: Customer, by) -> Interaction:
    """Say who an anonymous contact was (e.g. a withheld number the agent identified)."""
    if interaction.customer_id not in (None, customer.pk):
        raise ValidationFailed(
            "This contact already belongs to another customer.", code="has_customer"
        )
    Interaction.objects.filter(pk=interaction.pk).update(customer=customer)
    interaction.customer = customer
    audit_record(actor=by, action="interaction.customer_set", target=interaction)
    return interaction
