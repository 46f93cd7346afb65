"""What customers say, scored; alert rules on negative interactions; recovery work to closure."""

from django.conf import settings
from django.db import models

from rapport.core.models import BaseModel
from rapport.insights.choices import (
    AlertState,
    RecoveryOutcome,
    RiskBand,
    RuleKind,
    Sentiment,
    Severity,
)


class InteractionSignal(models.Model):
    """The customer's side of one interaction, scored. Rescoring replaces the row (one per contact)."""

    interaction = models.OneToOneField(
        "interactions.Interaction", on_delete=models.CASCADE, related_name="signal"
    )
    # Copied from the interaction so trends group without joining the ledger.
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(help_text="Local day the contact started.")
    channel = models.CharField(max_length=16)
    compound = models.FloatField(help_text="−1 (very negative) … +1 (very positive).")
    sentiment = models.CharField(max_length=8, choices=Sentiment.choices)
    intents = models.JSONField(default=list, blank=True)
    topics = models.JSONField(default=list, blank=True)
    # Why: the words and phrases that moved the score or matched an intent, with their weights.
    explanation = models.JSONField(default=dict, blank=True)
    words = models.PositiveIntegerField(default=0)
    scored_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["day", "channel"], name="signal_day_channel"),
            models.Index(fields=["customer", "day"], name="signal_customer_day"),
        ]

    def __str__(self) -> str:
        return f"{self.sentiment} ({self.compound:+.2f}) on {self.interaction_id}"


class ChurnRisk(models.Model):
    """One customer's risk of leaving, from their words, contacts and holdings; explained by part."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="churn_risk"
    )
    score = models.FloatField(help_text="0 … 1.")
    band = models.CharField(max_length=8, choices=RiskBand.choices)
    components = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["-score"], name="churnrisk_score")]

    def __str__(self) -> str:
        return f"{self.band} ({self.score:.2f}) for {self.customer_id}"


class RootCause(BaseModel):
    """Why an interaction went wrong, as recovery work found it; mapped to a skill to train."""

    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=255, blank=True)
    skill = models.ForeignKey(
        "accounts.Skill",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The learning gap this cause points to, when it is one.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AlertRule(BaseModel):
    """When a negative interaction raises an alert, and how urgent it is. Admins edit them."""

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    threshold = models.FloatField(
        null=True,
        blank=True,
        help_text="Sentiment at or below (−1…1) or survey score at or below (CSAT 1–5).",
    )
    window_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Repeat contact: another contact within this many days."
    )
    callback_hours = models.PositiveSmallIntegerField(
        default=24, help_text="Recovery must call the customer back within this many hours."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Alert(BaseModel):
    """One negative interaction (or survey answer) needing recovery. Every rule that matches the same
    source adds its reason to the one alert, so the customer gets one call back, not several."""

    source_key = models.CharField(
        max_length=64,
        unique=True,
        help_text="interaction:<id> or response:<id>; a replay is a no-op.",
    )
    interaction = models.ForeignKey(
        "interactions.Interaction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    severity = models.CharField(max_length=8, choices=Severity.choices)
    # [{"rule": id, "kind": RuleKind, "text": "why it fired"}]
    reasons = models.JSONField(default=list)
    state = models.CharField(max_length=12, choices=AlertState.choices, default=AlertState.OPEN)
    fired_at = models.DateTimeField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    callback_by = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=RecoveryOutcome.choices, blank=True)
    root_cause = models.ForeignKey(
        RootCause, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-fired_at", "-id"]
        indexes = [
            models.Index(fields=["team", "state", "-fired_at"], name="alert_team_state"),
            models.Index(fields=["state", "-fired_at"], name="alert_state"),
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} alert {self.source_key}"


class AlertEvent(models.Model):
    """The timeline of one alert's recovery: fired, reason added, taken, called, closed."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on alert {self.alert_id}"
