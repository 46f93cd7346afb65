"""The interaction ledger: one row per contact on any channel, with what each side said."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from rapport.access.choices import Channel
from rapport.core.models import BaseModel
from rapport.interactions.choices import (
    CallEventKind,
    Direction,
    ImportStatus,
    Outcome,
    RevenueEventKind,
    Side,
    Source,
)


class Interaction(BaseModel):
    """One contact: a call, an e-mail, a chat session, a message thread turn.

    `case` names cases.Case by string: the ledger sits below cases and never imports it; cases
    thread interactions into themselves (docs/decisions/0004-interaction-case-link.md).
    """

    # customer, agent and case lead composite indexes below; single-column ones would only slow
    # the ledger's writes (call-record import).
    customer = models.ForeignKey(
        "customers.Customer",
        db_index=False,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
    )
    sender = models.CharField(
        max_length=255,
        blank=True,
        help_text="The customer's own contact point as received (E.164 number, address, handle).",
    )
    sender_name = models.CharField(max_length=200, blank=True)
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.INBOUND)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    touchpoint = models.ForeignKey(
        "access.Touchpoint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    queue = models.ForeignKey(
        "access.Queue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_index=False,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
    )
    contact_type = models.ForeignKey(
        "access.ContactType", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, default="")
    subject = models.CharField(max_length=255, blank=True)
    summary = models.CharField(
        max_length=300, blank=True, help_text="First words of the contact, for lists and timelines."
    )
    started_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    wait_seconds = models.PositiveIntegerField(default=0)
    handle_seconds = models.PositiveIntegerField(default=0, help_text="Talk or working time.")
    hold_seconds = models.PositiveIntegerField(default=0)
    wrap_seconds = models.PositiveIntegerField(default=0)
    transfers = models.PositiveSmallIntegerField(default=0)
    relationship_attempt = models.BooleanField(
        null=True, blank=True, help_text="Did the agent try to build the relationship?"
    )
    compliment_received = models.BooleanField(null=True, blank=True)
    offer_made = models.BooleanField(
        null=True, blank=True, help_text="Did the agent offer a product or upgrade?"
    )
    offer_accepted = models.BooleanField(null=True, blank=True)
    wrapped_up_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        db_index=False,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.DESK)
    external_id = models.CharField(
        max_length=255,
        blank=True,
        help_text="The id the other system gave it (Message-ID, call id…).",
    )
    # Nothing reads the ledger by insertion time (started_at is the contact's time); without the
    # inherited index every write is cheaper.
    created_at = models.DateTimeField(auto_now_add=True)
    thread_refs = models.JSONField(
        default=list,
        blank=True,
        help_text="Ids this contact answers (In-Reply-To and References of an e-mail).",
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="interaction_unique_external_id",
            )
        ]
        indexes = [
            # The ledger's own order: lists page through it by keyset, newest first.
            models.Index(fields=["-started_at", "-id"], name="interaction_recent"),
            models.Index(fields=["customer", "-started_at"], name="interaction_customer_recent"),
            models.Index(fields=["agent", "-started_at"], name="interaction_agent_recent"),
            models.Index(fields=["case", "started_at"], name="interaction_case"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.started_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("interactions:detail", args=[self.pk])


class Message(models.Model):
    """One utterance or e-mail body within an interaction, on one side."""

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="messages")
    side = models.CharField(max_length=8, choices=Side.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True, help_text="Sanitised with nh3 before it is stored.")
    sent_at = models.DateTimeField()
    external_id = models.CharField(max_length=255, blank=True)
    is_note = models.BooleanField(default=False, help_text="An internal call note, never sent.")

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["interaction", "external_id"],
                condition=~Q(external_id=""),
                name="message_unique_external_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_side_display()}: {self.body_text[:40]}"


class Attachment(models.Model):
    """A file that came with a message."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to="attachments/%Y/%m/")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class CallEvent(models.Model):
    """One event from the phone switch, kept as received; event_id makes a replay a no-op."""

    event_id = models.CharField(max_length=100, unique=True)
    call_id = models.CharField(max_length=100, db_index=True)
    kind = models.CharField(max_length=16, choices=CallEventKind.choices)
    occurred_at = models.DateTimeField()
    interaction = models.ForeignKey(
        Interaction, null=True, on_delete=models.SET_NULL, related_name="call_events"
    )
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.call_id} {self.kind}"


class WebhookDelivery(models.Model):
    """A signed channel message we accepted; (channel, delivery_id) rejects replays."""

    channel = models.CharField(max_length=16)
    delivery_id = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "delivery_id"], name="webhook_delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.delivery_id}"


class RejectedInbound(models.Model):
    """A message a channel could not accept, with the reason, so nothing is silently lost."""

    channel = models.CharField(max_length=16)
    reason = models.CharField(max_length=255)
    detail = models.TextField(blank=True, help_text="The first part of what was received.")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel}: {self.reason}"


class ScreenPop(models.Model):
    """A call offered to an agent; the agent's open desktop polls for these."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="screen_pops"
    )
    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["agent", "-id"], name="screen_pop_agent_latest")]

    def __str__(self) -> str:
        return f"{self.agent} ← {self.interaction_id}"


class CallRecordImport(BaseModel):
    """A call-detail-record CSV upload and how its rows fared."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255)
    file = models.FileField(upload_to="imports/cdr/%Y/%m/")
    status = models.CharField(
        max_length=8, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_added = models.PositiveIntegerField(default=0)
    rows_duplicate = models.PositiveIntegerField(default=0)
    rows_failed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True, help_text="[{line, reason}] for rejected rows."
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename

    @property
    def percent_done(self) -> int:
        if not self.rows_total:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, self.rows_done * 100 // self.rows_total)


class RevenueEvent(BaseModel):
    """An order, cancellation or accepted retention offer from billing, joined to its customer
    and, where one led to it, the contact. Orders and cancellations start and end holdings, and an
    accepted retention offer marks its contact's offer accepted, so the KPIs read them as they
    read what agents record."""

    kind = models.CharField(max_length=20, choices=RevenueEventKind.choices)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="revenue_events"
    )
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    product = models.ForeignKey(
        "customers.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    holding = models.ForeignKey(
        "customers.Holding", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="USD")
    occurred_at = models.DateTimeField()
    source = models.CharField(max_length=32)
    external_id = models.CharField(max_length=100)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["customer", "occurred_at"], name="revenue_customer_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="revenue_event_external_id_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency} ({self.customer_id})"
