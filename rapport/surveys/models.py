"""Surveys drawn by the system: design, the draw and its seed, invitations, responses, gaming flags."""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from rapport.core.models import BaseModel
from rapport.surveys.choices import (
    Exclusion,
    FlagState,
    GamingCheck,
    InvitationState,
    InviteChannel,
    QuestionKind,
)


class Survey(BaseModel):
    """What a customer is asked after a contact. CSAT, NPS and effort are questions of known kinds."""

    name = models.CharField(max_length=120, unique=True)
    intro = models.TextField(blank=True, help_text="Shown above the questions.")
    thanks = models.CharField(max_length=255, default="Thank you — your answer helps us improve.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=8, choices=QuestionKind.choices)
    prompt = models.CharField(max_length=300)
    choices = models.JSONField(default=list, blank=True, help_text="For one-choice questions.")
    required = models.BooleanField(default=False)

    class Meta:
        ordering = ["survey", "order", "id"]

    def __str__(self) -> str:
        return self.prompt


def _new_seed() -> str:
    return secrets.token_hex(16)


class DrawSettings(BaseModel):
    """How contacts are drawn for a survey: one row, edited by admins, every change audited."""

    survey = models.ForeignKey(
        Survey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rate = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default="0.200",
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Share of eligible contacts invited, in every channel × contact type × agent.",
    )
    channel_rates = models.JSONField(
        default=dict,
        blank=True,
        help_text='Per-channel rate instead of the default: {"chat": 0.5}.',
    )
    cooldown_days = models.PositiveSmallIntegerField(
        default=30, help_text="A customer is invited at most once in this many days."
    )
    expiry_days = models.PositiveSmallIntegerField(
        default=7, help_text="An invitation's link stops working after this many days."
    )
    excluded_contact_types = models.ManyToManyField(
        "access.ContactType", blank=True, related_name="+"
    )
    min_responses = models.PositiveSmallIntegerField(
        default=30, help_text="Below this many answers a figure says 'not enough data'."
    )
    seed = models.CharField(
        max_length=64, default=_new_seed, help_text="Drives the draw; recorded on every draw."
    )

    class Meta:
        verbose_name = "draw settings"
        verbose_name_plural = "draw settings"

    def __str__(self) -> str:
        return f"Draw at {self.rate}"


class Draw(models.Model):
    """The system's decision for one handled contact, with everything needed to re-derive it."""

    interaction = models.OneToOneField(
        "interactions.Interaction", on_delete=models.CASCADE, related_name="survey_draw"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    day = models.DateField()
    stratum = models.CharField(max_length=120, help_text="channel/contact type/agent.")
    seed = models.CharField(max_length=64)
    rate = models.DecimalField(max_digits=4, decimal_places=3)
    ticket = models.FloatField(
        help_text="Uniform 0…1 from the seed and the contact; drawn if < rate."
    )
    excluded = models.CharField(max_length=16, choices=Exclusion.choices, blank=True)
    selected = models.BooleanField()
    drawn_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["agent", "day"], name="draw_agent_day"),
            models.Index(fields=["day"], name="draw_day"),
        ]

    def __str__(self) -> str:
        return f"Draw for {self.interaction_id}: {'invite' if self.selected else 'no'}"


class Invitation(BaseModel):
    draw = models.OneToOneField(Draw, on_delete=models.CASCADE, related_name="invitation")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations")
    interaction = models.ForeignKey(
        "interactions.Interaction", on_delete=models.CASCADE, related_name="+"
    )
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=8, choices=InviteChannel.choices)
    address = models.CharField(max_length=254)
    nonce = models.CharField(max_length=32, unique=True, default=_new_seed)
    state = models.CharField(
        max_length=10, choices=InvitationState.choices, default=InvitationState.QUEUED
    )
    error = models.CharField(max_length=255, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="invitation_customer"),
            models.Index(fields=["agent", "state"], name="invitation_agent_state"),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} ({self.state})"


class Response(BaseModel):
    """A customer's answers. Figures are credited to the surveyed contact's day, agent and team."""

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="response")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    interaction = models.ForeignKey(
        "interactions.Interaction", on_delete=models.CASCADE, related_name="survey_responses"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    day = models.DateField(help_text="Local day of the surveyed contact.")
    channel = models.CharField(max_length=16)
    contact_type = models.ForeignKey(
        "access.ContactType", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    csat = models.PositiveSmallIntegerField(null=True, blank=True)
    nps = models.PositiveSmallIntegerField(null=True, blank=True)
    ces = models.PositiveSmallIntegerField(null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True, help_text="Question id → answer.")
    verbatim = models.TextField(blank=True)
    sentiment = models.FloatField(null=True, blank=True, help_text="Of the verbatim, −1…1.")
    intents = models.JSONField(default=list, blank=True)
    # Keyed hashes (never the raw address) so clustered answers show without storing who they are.
    device = models.CharField(max_length=16, blank=True)
    network = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["day"], name="response_day"),
            models.Index(fields=["agent", "day"], name="response_agent_day"),
            models.Index(fields=["team", "day"], name="response_team_day"),
        ]

    def __str__(self) -> str:
        return f"Response {self.pk}"


class GamingFlag(BaseModel):
    """One check's finding about one agent over one period, explaining itself; QA reviews it."""

    kind = models.CharField(max_length=16, choices=GamingCheck.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_flags"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    statistic = models.FloatField(help_text="The check's own measure (see the explanation).")
    p_value = models.FloatField(null=True, blank=True)
    explanation = models.TextField()
    evidence = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=FlagState.choices, default=FlagState.OPEN)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Running the checks again over the same period updates the finding, never doubles it.
            models.UniqueConstraint(
                fields=["kind", "agent", "period_start", "period_end"], name="gamingflag_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.agent_id}"
