"""The first part of the customer access strategy: why customers contact us (contact types),
where they come in (touchpoints), who answers (queues), when (business-hours calendars), how fast
(service objectives) and how customers are routed (routing rules on customer criteria)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from rapport.access.choices import Channel, Priority, Weekday
from rapport.core.models import BaseModel


class ContactType(BaseModel):
    """Why a customer made contact: the reason taxonomy admins maintain."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=255, blank=True)
    churn_intent = models.BooleanField(
        default=False,
        help_text="The customer means to leave (cancel request); a save is counted for it.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BusinessCalendar(BaseModel):
    """Opening hours in one time zone; SLA clocks only run inside them."""

    name = models.CharField(max_length=100, unique=True)
    timezone = models.CharField(
        max_length=64, default="UTC", help_text="IANA name, e.g. Europe/Paris."
    )
    always_open = models.BooleanField(
        default=False, help_text="Clocks run around the clock (24/7 desks)."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BusinessHours(models.Model):
    """One opening span on one weekday; a day may have several (e.g. split shifts)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.IntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["calendar", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=F("opens")), name="business_hours_close_after_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Holiday(models.Model):
    """A closed day in a calendar."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    day = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["calendar", "day"]
        constraints = [models.UniqueConstraint(fields=["calendar", "day"], name="holiday_once")]

    def __str__(self) -> str:
        return f"{self.day} {self.name}".strip()


class Queue(BaseModel):
    """Where contacts and cases wait; owned by one team at one tier."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100, unique=True)
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="queues")
    tier = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 = front line; higher tiers receive escalations.",
    )
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="queues")

    class Meta:
        ordering = ["tier", "name"]

    def __str__(self) -> str:
        return self.name


class Touchpoint(BaseModel):
    """A concrete way in: a phone number, an e-mail address, a chat widget, a social account."""

    channel = models.CharField(max_length=16, choices=Channel.choices)
    address = models.CharField(
        max_length=255,
        help_text="Normalised: E.164 number, lower-cased address, widget or account id.",
    )
    name = models.CharField(max_length=100)
    queue = models.ForeignKey(
        Queue, null=True, blank=True, on_delete=models.SET_NULL, related_name="touchpoints"
    )

    class Meta:
        ordering = ["channel", "name"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "address"], name="touchpoint_unique_address")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.address})"


class ServiceObjective(BaseModel):
    """How fast we answer and resolve a contact type on a channel, in business minutes.

    A blank contact type or channel matches any; the most specific objective wins.
    """

    contact_type = models.ForeignKey(
        ContactType, null=True, blank=True, on_delete=models.CASCADE, related_name="objectives"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices, blank=True)
    first_response_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    resolution_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    warning_percent = models.PositiveSmallIntegerField(
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text="Warn when this share of the allowed time has passed.",
    )
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["contact_type__name", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact_type", "channel"],
                condition=Q(contact_type__isnull=False),
                name="objective_once_per_type_channel",
            ),
            models.UniqueConstraint(
                fields=["channel"],
                condition=Q(contact_type__isnull=True),
                name="objective_once_per_channel_any_type",
            ),
            models.CheckConstraint(
                condition=Q(resolution_minutes__gte=F("first_response_minutes")),
                name="objective_resolution_after_response",
            ),
        ]

    def __str__(self) -> str:
        kind = self.contact_type or "any reason"
        return f"{kind} × {self.get_channel_display() or 'any channel'}"


class RoutingRule(BaseModel):
    """Which queue and priority a case gets, by customer criteria (segment, value tier) and
    contact type — never by channel. Lower rank is tried first; blank criteria match anything."""

    rank = models.PositiveIntegerField(default=100)
    segment = models.CharField(max_length=20, blank=True)
    value_tier = models.CharField(max_length=16, blank=True)
    contact_type = models.ForeignKey(
        ContactType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="+")
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["rank", "id"]

    def __str__(self) -> str:
        return f"#{self.rank} → {self.queue}"
