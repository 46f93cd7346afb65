"""The people and organisations we serve, where they live, how to reach them, what they own,
and what they agreed to."""

import hashlib

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from rapport.core.models import BaseModel
from rapport.customers.choices import (
    ConsentChannel,
    ConsentPurpose,
    ContactKind,
    CustomerKind,
    CustomerStatus,
    ExportStatus,
    HoldingStatus,
    ProductCategory,
    Segment,
    SocialNetwork,
    ValueTier,
)


class Household(BaseModel):
    """People at one address who share products or decisions."""

    name = models.CharField(
        max_length=200, help_text="How the household is known, e.g. 'The Okafors'."
    )
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, default="US")
    source = models.CharField(max_length=32, default="rapport", db_default="rapport")
    external_id = models.CharField(max_length=100, null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=Q(external_id__isnull=False),
                name="household_source_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:household", args=[self.pk])

    @property
    def address(self) -> str:
        parts = [self.address_line1, self.address_line2, f"{self.postal_code} {self.city}".strip()]
        return ", ".join(p for p in parts if p)


class Customer(BaseModel):
    """A person or an organisation we serve or might serve.

    name_key ("first last") and surname_key ("last first") are lower-cased, accent-free copies of
    the name written by services, so that name search is a prefix match on an index.
    """

    kind = models.CharField(
        max_length=16, choices=CustomerKind.choices, default=CustomerKind.PERSON
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    organisation_name = models.CharField(max_length=200, blank=True)
    name_key = models.CharField(max_length=300, editable=False, default="")
    surname_key = models.CharField(max_length=300, editable=False, default="")
    date_of_birth = models.DateField(null=True, blank=True)
    language = models.CharField(
        max_length=8, default="en", help_text="BCP 47 code, e.g. en, es, fr."
    )
    segment = models.CharField(max_length=20, choices=Segment.choices, default=Segment.CONSUMER)
    value_tier = models.CharField(
        max_length=16, choices=ValueTier.choices, default=ValueTier.STANDARD
    )
    lifetime_value = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    status = models.CharField(
        max_length=16, choices=CustomerStatus.choices, default=CustomerStatus.PROSPECT
    )
    created_at = models.DateTimeField(auto_now_add=True)  # no query reads customers by it
    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        db_index=False,  # a partial index in Meta: most customers have none
    )
    needs_review = models.BooleanField(
        default=False,
        help_text="Made automatically (e.g. an unknown sender); a person should check it.",
    )
    source = models.CharField(max_length=32, default="rapport")
    external_id = models.CharField(max_length=100, null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # a partial index in Meta
        help_text="The person who looks after this customer (an old CRM's record owner).",
    )
    lifecycle_stage = models.CharField(
        max_length=40,
        db_default="",
        blank=True,
        help_text="Stage an old CRM gave (lead, customer …), as it said it.",
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        db_index=False,  # a partial index in Meta
        help_text="Set when this record was merged into another; it is kept so the merge can be undone.",
    )
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    # History is read by customer id; the other columns' indexes would cost every import row.
    history = HistoricalRecords(
        excluded_fields=["name_key", "surname_key"],
        no_db_index=["created_at", "household", "owner", "merged_into"],
    )

    class Meta:
        ordering = ["surname_key", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=Q(external_id__isnull=False),
                name="customer_source_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(lifetime_value__gte=0), name="customer_lifetime_value_not_negative"
            ),
        ]
        indexes = [
            models.Index(
                fields=["name_key"], name="customer_name_key_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["surname_key"],
                name="customer_surname_key_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["surname_key", "id"], name="customer_surname_order_idx"),
            # Partial: the many customers without a household, owner or merge add no entries,
            # and a lookup by one value (members of a household, what was merged into X) is
            # still a probe.
            *(
                models.Index(
                    fields=[name],
                    name=f"customer_{name}_idx",
                    condition=Q(**{f"{name}__isnull": False}),
                )
                for name in ("household", "owner", "merged_into")
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        if self.kind == CustomerKind.ORGANISATION:
            return self.organisation_name or "(unnamed organisation)"
        return f"{self.first_name} {self.last_name}".strip() or "(no name)"


class ContactPoint(BaseModel):
    """A way to reach a customer. `value` is as written; `normalised` is what we match on:
    E.164 for phones, lower-case for e-mail and handles."""

    created_at = models.DateTimeField(auto_now_add=True)  # no query reads contact points by it
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(max_length=16, choices=ContactKind.choices)
    network = models.CharField(max_length=16, choices=SocialNetwork.choices, blank=True, default="")
    value = models.CharField(max_length=320)
    normalised = models.CharField(max_length=320)
    label = models.CharField(max_length=40, blank=True, help_text="home, work, mobile …")
    verified = models.BooleanField(default=False)
    preferred = models.BooleanField(default=False)

    history = HistoricalRecords(no_db_index=["created_at"])  # read by customer id

    class Meta:
        ordering = ["kind", "-preferred", "id"]
        constraints = [
            # normalised before network, so a lookup by kind and value (any network) uses it.
            models.UniqueConstraint(
                fields=["kind", "normalised", "network"], name="contactpoint_unique_normalised"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class Product(BaseModel):
    """Something in the catalog a customer can hold."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    category = models.CharField(max_length=20, choices=ProductCategory.choices)
    description = models.CharField(max_length=300, blank=True)
    monthly_price = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name


class Holding(BaseModel):
    """A product a customer owns, since when, in what state and worth how much a year."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="holdings")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="holdings")
    since = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=HoldingStatus.choices, default=HoldingStatus.ACTIVE
    )
    value = models.DecimalField(
        validators=[MinValueValidator(0)],
        max_digits=12,
        decimal_places=2,
        default=0,
        help_text="Yearly value.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-since", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="holding_value_not_negative"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("since")),
                name="holding_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} since {self.since}"


class Consent(BaseModel):
    """One consent decision (channel × purpose). The newest per pair is the one in force."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=16, choices=ConsentChannel.choices)
    purpose = models.CharField(max_length=16, choices=ConsentPurpose.choices)
    granted = models.BooleanField()
    source = models.CharField(
        max_length=100, help_text="Where it was given: web form, call, letter …"
    )
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["channel", "purpose", "-recorded_at", "-id"]
        indexes = [models.Index(fields=["customer", "channel", "purpose", "-recorded_at"])]

    def __str__(self) -> str:
        verb = "granted" if self.granted else "revoked"
        return f"{self.get_channel_display()} × {self.get_purpose_display()} {verb}"


class Note(BaseModel):
    """Something an agent wants the next person to know."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=5000)
    pinned = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-pinned", "-created_at", "-id"]

    def __str__(self) -> str:
        return self.body[:60]


class CustomerExport(BaseModel):
    """A CSV export of a customer search, made by the worker so a big list never holds up a page."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    query = models.CharField(
        max_length=200,
        blank=True,
        help_text="Cleared once the export has run: it may be a person's e-mail or phone.",
    )
    filters = models.JSONField(default=dict, blank=True)
    text_search = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    total = models.PositiveIntegerField(null=True, blank=True)
    done_rows = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/", blank=True)
    error = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Customer export {self.pk} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("customers:export", args=[self.pk])

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        return round(100 * self.done_rows / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)


class ErasedExternalId(models.Model):
    """An erased person's id in another system, kept as a digest so that importing an old export
    again cannot bring them back. Holds no name, contact point or the id itself."""

    source = models.CharField(max_length=32)
    digest = models.CharField(max_length=64)
    erased_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "digest"], name="erased_external_id_once")
        ]

    def __str__(self) -> str:
        return f"{self.source} id erased {self.erased_at:%Y-%m-%d}"

    @staticmethod
    def digest_of(source: str, external_id: str) -> str:
        return hashlib.sha256(f"{source}\x1f{external_id}".encode()).hexdigest()
