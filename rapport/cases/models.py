"""Cases: one customer problem across any number of contacts and channels, with SLA clocks and
an escalation chain that carries the context to whoever receives it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from rapport.access.choices import Channel, Priority
from rapport.cases.choices import CaseEventKind, CaseStatus, Clock
from rapport.core.models import BaseModel


class Case(BaseModel):
    """A customer problem we own until it is resolved."""

    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    subject = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=CaseStatus.choices, default=CaseStatus.NEW)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    contact_type = models.ForeignKey(
        "access.ContactType", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(
        max_length=16, choices=Channel.choices, help_text="The channel the case was opened on."
    )
    queue = models.ForeignKey("access.Queue", on_delete=models.PROTECT, related_name="cases")
    tier = models.PositiveSmallIntegerField(default=1)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField()
    first_response_due = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set while waiting for the customer; the clocks stand still.",
    )
    warned_first_response = models.BooleanField(default=False)
    warned_resolution = models.BooleanField(default=False)
    objective = models.ForeignKey(
        "access.ServiceObjective",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(
        max_length=32,
        default="rapport",
        db_default="rapport",
        help_text="rapport, or the system it was imported from.",
    )
    external_id = models.CharField(max_length=100, blank=True, db_default="")
    external_fields = models.JSONField(
        default=dict,
        db_default={},
        blank=True,
        help_text="What the other system recorded that has no place here (tags, satisfaction, via).",
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["queue", "status"], name="case_queue_status"),
            models.Index(fields=["assignee", "status"], name="case_assignee_status"),
            models.Index(fields=["customer", "status"], name="case_customer_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="case_source_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", args=[self.pk])

    @property
    def reference(self) -> str:
        """Quoted in e-mail subjects as [C-123] so replies thread into the case."""
        return f"C-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in {CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.WAITING}


class CaseEvent(models.Model):
    """The case's own timeline: who did what, when."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=CaseEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class SlaBreach(models.Model):
    """A clock that ran out before the work was done."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="breaches")
    clock = models.CharField(max_length=16, choices=Clock.choices)
    due_at = models.DateTimeField()
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "clock"], name="breach_once_per_clock")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.clock}"


class EscalationReason(BaseModel):
    """Why a case goes to another tier or team: a taxonomy admins maintain."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100, unique=True)
    preventable = models.BooleanField(
        default=False,
        help_text="Escalations for this reason could have been avoided at the first tier "
        "(e.g. knowledge or authority the front line should have).",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Escalation(models.Model):
    """One link of a case's escalation chain, with the hand-off summary the receiver reads."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="escalations")
    reason = models.ForeignKey(
        EscalationReason, on_delete=models.PROTECT, related_name="escalations"
    )
    preventable = models.BooleanField()
    customer_needs = models.TextField(help_text="What the customer needs.")
    tried = models.TextField(help_text="What was tried already.")
    promised = models.TextField(
        blank=True, help_text="What the customer was promised, and by when."
    )
    from_queue = models.ForeignKey("access.Queue", on_delete=models.PROTECT, related_name="+")
    to_queue = models.ForeignKey("access.Queue", on_delete=models.PROTECT, related_name="+")
    from_tier = models.PositiveSmallIntegerField()
    to_tier = models.PositiveSmallIntegerField()
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_team = models.ForeignKey(
        "accounts.Team",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The escalating agent's team at the time.",
    )
    to_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    interaction = models.ForeignKey(
        "interactions.Interaction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact_type = models.ForeignKey(
        "access.ContactType", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalated_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["escalated_at", "id"]
        indexes = [models.Index(fields=["escalated_at"], name="escalation_when")]
        constraints = [
            models.CheckConstraint(condition=~Q(customer_needs=""), name="escalation_needs_given"),
            models.CheckConstraint(condition=~Q(tried=""), name="escalation_tried_given"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_queue_id} → {self.to_queue_id}"
