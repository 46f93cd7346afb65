"""What success means, how it is measured, and the people-side records built on it.

Success definitions, KPIs and measurement settings are configuration (admins); daily rollups are
derived from the ledger by background tasks; goals, QA and recognition are records people make.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from rapport.access.choices import Channel
from rapport.core.models import BaseModel
from rapport.performance.choices import (
    Answer,
    Better,
    DisputeStatus,
    EvaluationStatus,
    Formula,
    GoalArea,
    GoalStatus,
    Grain,
    KpiKind,
    KudosKind,
    QaCategory,
    Unit,
)


def default_channel_costs() -> dict[str, str]:
    return {"phone": "0.90", "chat": "0.40", "email": "0.30", "sms": "0.10", "social": "0.20"}


class MeasurementSettings(BaseModel):
    """The documented choices behind every figure (GLOSSARY.md); one row, edited by admins.

    Changing a choice that rollups use marks every rolled-up day for recomputation.
    """

    service_level_seconds = models.PositiveIntegerField(
        default=20, help_text="Y in 'X% answered within Y seconds'."
    )
    short_abandon_seconds = models.PositiveIntegerField(
        default=5, help_text="Abandoned sooner than this is not counted as offered."
    )
    repeat_window_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="A contact for the same reason by the same customer within this many days is a repeat.",
    )
    save_window_days = models.PositiveSmallIntegerField(
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="A customer who meant to leave is saved if still holding a product this many days later.",
    )
    offer_window_days = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="Holdings started this many days after an offer count as revenue it influenced.",
    )
    staff_cost_per_hour = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal("32.00")
    )
    channel_costs = models.JSONField(
        default=default_channel_costs,
        help_text="Cost of one contact per channel on top of staff time, e.g. {'phone': '0.90'}.",
    )
    min_sample = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(2)],
        help_text="Below this many observations a figure says 'not enough data'.",
    )
    ranking_enabled = models.BooleanField(
        default=False, help_text="Show agents ranked against each other on team scorecards."
    )
    min_team_size = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Executives and trainers see a team's figures only when it has at least this "
        "many agents: a smaller team's figures are, in effect, one person's.",
    )

    class Meta:
        verbose_name = "measurement settings"
        verbose_name_plural = "measurement settings"

    def __str__(self) -> str:
        return "Measurement settings"


class SuccessDefinition(BaseModel):
    """One version of what a successful interaction is. Published versions never change.

    A version is in force from `effective_from` until the next one's; every interaction is judged
    by the version in force on its day, so publishing a new one never rewrites history.
    """

    version = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=120)
    notes = models.TextField(blank=True, help_text="Why this version: what changed and who agreed.")
    effective_from = models.DateField(
        null=True, blank=True, unique=True, help_text="Empty while it is a draft."
    )
    require_resolved = models.BooleanField(
        default=True, help_text="The contact ended resolved, with information given or a sale."
    )
    repeat_window_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="No repeat contact for the same reason within this many days (empty: not checked).",
    )
    forbid_escalation = models.BooleanField(
        default=True, help_text="A negative signal: the contact was escalated."
    )
    forbid_transfer = models.BooleanField(
        default=False, help_text="The contact was not transferred."
    )
    min_survey_score = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="When the customer answered a survey, a CSAT of at least this (1–5).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version} {self.name}"

    @property
    def is_draft(self) -> bool:
        return self.effective_from is None


class Kpi(BaseModel):
    """A measure people are held to: defined once, tied to a company goal, owned by someone."""

    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    definition = models.TextField(help_text="What it means, in plain language.")
    computation = models.TextField(help_text="How it is computed from the ledger.")
    formula = models.CharField(max_length=20, choices=Formula.choices)
    channel = models.CharField(
        max_length=16,
        choices=Channel.choices,
        blank=True,
        help_text="Only contacts on this channel (handle times are never compared across channels).",
    )
    unit = models.CharField(max_length=10, choices=Unit.choices)
    better = models.CharField(max_length=8, choices=Better.choices)
    target = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    goal = models.CharField(max_length=24, choices=GoalArea.choices)
    kind = models.CharField(max_length=8, choices=KpiKind.choices, default=KpiKind.HARD)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["goal", "order", "key"]
        verbose_name = "KPI"
        verbose_name_plural = "KPIs"

    def __str__(self) -> str:
        return self.name


class DailyRollup(models.Model):
    """Additive counts and sums for one day × channel at one grain, rebuilt from the ledger.

    Agent rows hold one agent (agent and team set; contacts nobody answered have neither);
    team rows sum a team's contacts; center rows sum everything, so the company wall and a team
    scorecard read a few rows per day however many agents there are. Sums and sums of squares
    let any period's mean and its t interval be computed from rollups alone; counts give Wilson
    intervals. Days are the center's local days (TIME_ZONE).
    """

    day = models.DateField()
    grain = models.CharField(max_length=8, choices=Grain.choices, default=Grain.AGENT)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        db_index=False,
        on_delete=models.CASCADE,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, db_index=False, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    # Real-time inbound contacts (service level, ASA, abandonment).
    offered = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    answered_in_sl = models.PositiveIntegerField(default=0)
    abandoned = models.PositiveIntegerField(default=0)
    short_abandoned = models.PositiveIntegerField(default=0)
    wait_sum = models.BigIntegerField(default=0)
    wait_sumsq = models.BigIntegerField(default=0)
    # Handled contacts.
    handled = models.PositiveIntegerField(default=0)
    handle_sum = models.BigIntegerField(default=0)
    handle_sumsq = models.BigIntegerField(default=0)
    transferred = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)
    fcr_n = models.PositiveIntegerField(default=0)
    fcr_repeat = models.PositiveIntegerField(default=0)
    success_n = models.PositiveIntegerField(default=0)
    success_yes = models.PositiveIntegerField(default=0)
    relationship_n = models.PositiveIntegerField(default=0)
    relationship_yes = models.PositiveIntegerField(default=0)
    compliments = models.PositiveIntegerField(default=0)
    offers_made = models.PositiveIntegerField(default=0)
    offers_accepted = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    intent_n = models.PositiveIntegerField(default=0)
    saved = models.PositiveIntegerField(default=0)
    # Surveys of these contacts, credited to the surveyed contact's day whenever the answer came.
    survey_invited = models.PositiveIntegerField(default=0)
    csat_n = models.PositiveIntegerField(default=0)
    csat_top2 = models.PositiveIntegerField(default=0)
    csat_sum = models.PositiveIntegerField(default=0)
    csat_sumsq = models.PositiveIntegerField(default=0)
    nps_n = models.PositiveIntegerField(default=0)
    nps_promoters = models.PositiveIntegerField(default=0)
    nps_detractors = models.PositiveIntegerField(default=0)
    ces_n = models.PositiveIntegerField(default=0)
    ces_sum = models.PositiveIntegerField(default=0)
    ces_sumsq = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day"]
        indexes = [
            models.Index(fields=["grain", "day"], name="rollup_grain_day"),
            models.Index(fields=["agent", "day"], name="rollup_agent_day"),
            models.Index(fields=["team", "grain", "day"], name="rollup_team_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.grain} {self.agent_id or self.team_id or ''} {self.channel}"


class SuccessRollup(models.Model):
    """Handled contacts of one day and channel, counted by the set of published versions of the
    success definition that judge them successful.

    Counting by verdict set rather than per version keeps the pairs: two versions judge the same
    contacts, and their comparison (McNemar's test) needs how many each one alone calls a success.
    """

    day = models.DateField()
    channel = models.CharField(max_length=16, choices=Channel.choices)
    successful_under = models.CharField(
        max_length=500,
        blank=True,
        help_text="Ids of the published versions that judge these contacts successful, sorted, "
        "comma-separated (empty: none does).",
    )
    contacts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day"]
        indexes = [models.Index(fields=["day"], name="success_rollup_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.channel} [{self.successful_under}]: {self.contacts}"

    @property
    def definition_ids(self) -> set[int]:
        return {int(part) for part in self.successful_under.split(",") if part}


class RollupDirtyDay(models.Model):
    """A day whose ledger changed since its rollup was built; the rollup task clears it."""

    day = models.DateField(unique=True)
    marked_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return str(self.day)


class Goal(BaseModel):
    """A goal on one KPI for one agent; it counts only once agent and supervisor both agree."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="performance_goals"
    )
    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="goals")
    target = models.DecimalField(max_digits=12, decimal_places=2)
    starts_on = models.DateField()
    ends_on = models.DateField()
    baseline = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text="The KPI when proposed."
    )
    note = models.TextField(blank=True)
    checkin_every_days = models.PositiveSmallIntegerField(
        default=14, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    next_checkin_on = models.DateField(null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    agent_agreed_at = models.DateTimeField(null=True, blank=True)
    supervisor_agreed_at = models.DateTimeField(null=True, blank=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The supervisor who agreed.",
    )
    status = models.CharField(
        max_length=12, choices=GoalStatus.choices, default=GoalStatus.PROPOSED
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="goal_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(status="agreed")
                | (Q(agent_agreed_at__isnull=False) & Q(supervisor_agreed_at__isnull=False)),
                name="goal_agreed_by_both",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} → {self.target} ({self.get_status_display()})"


class GoalEvent(models.Model):
    """The history of a goal: proposed, changed, agreed, declined, checked in, closed."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20)
    note = models.TextField(blank=True)
    value = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text="KPI value at a check-in."
    )
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d}"


class QaForm(BaseModel):
    """A QA scoring form: weighted criteria, some of them soft skills, some auto-fail."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "QA form"

    def __str__(self) -> str:
        return self.name


class QaCriterion(models.Model):
    form = models.ForeignKey(QaForm, on_delete=models.CASCADE, related_name="criteria")
    text = models.CharField(max_length=200)
    guidance = models.TextField(blank=True, help_text="What 'met' looks like.")
    category = models.CharField(max_length=16, choices=QaCategory.choices)
    weight = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    auto_fail = models.BooleanField(
        default=False, help_text="Not met sets the whole evaluation to 0."
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["form", "order", "id"]
        verbose_name = "QA criterion"
        verbose_name_plural = "QA criteria"

    def __str__(self) -> str:
        return self.text


class QaSample(BaseModel):
    """A draw of interactions to evaluate, made by the system so nobody picks them."""

    form = models.ForeignKey(QaForm, on_delete=models.PROTECT, related_name="samples")
    period_start = models.DateField()
    period_end = models.DateField()
    per_agent = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    seed = models.BigIntegerField(help_text="The random seed, kept so the draw can be reproduced.")
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"QA sample {self.period_start}–{self.period_end}"


class CalibrationSession(BaseModel):
    """Several evaluators score the same interaction blind; their agreement is shown after."""

    title = models.CharField(max_length=120)
    form = models.ForeignKey(QaForm, on_delete=models.PROTECT, related_name="calibrations")
    interaction = models.ForeignKey(
        "interactions.Interaction", on_delete=models.CASCADE, related_name="+"
    )
    evaluators = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Evaluation(BaseModel):
    """One evaluator's scoring of one interaction on one form."""

    form = models.ForeignKey(QaForm, on_delete=models.PROTECT, related_name="evaluations")
    interaction = models.ForeignKey(
        "interactions.Interaction", on_delete=models.CASCADE, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qa_evaluations"
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sample = models.ForeignKey(
        QaSample, null=True, blank=True, on_delete=models.SET_NULL, related_name="evaluations"
    )
    calibration = models.ForeignKey(
        CalibrationSession,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evaluations",
        help_text="Calibration scores show agreement; they never count on a scorecard.",
    )
    status = models.CharField(
        max_length=12, choices=EvaluationStatus.choices, default=EvaluationStatus.DRAFT
    )
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    auto_failed = models.BooleanField(default=False)
    comments = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(
        max_length=32,
        default="rapport",
        db_default="rapport",
        help_text="rapport, or the recording system it came from.",
    )
    external_id = models.CharField(max_length=100, blank=True, db_default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="evaluation_source_external_id_unique",
            ),
            models.UniqueConstraint(
                fields=["calibration", "evaluator"],
                condition=Q(calibration__isnull=False),
                name="evaluation_one_per_calibrator",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)),
                name="evaluation_score_0_100",
            ),
        ]
        indexes = [models.Index(fields=["agent", "status"], name="evaluation_agent")]

    def __str__(self) -> str:
        return f"QA {self.interaction_id} by {self.evaluator_id}: {self.score}"


class EvaluationAnswer(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(QaCriterion, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(max_length=8, choices=Answer.choices)
    comment = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["criterion__order", "criterion_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "criterion"], name="evaluation_answer_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.answer}"


class Dispute(BaseModel):
    """An agent's challenge to a submitted evaluation, decided by a supervisor."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="disputes")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField()
    status = models.CharField(
        max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation"],
                condition=Q(status="open"),
                name="dispute_one_open_per_evaluation",
            )
        ]

    def __str__(self) -> str:
        return f"Dispute on evaluation {self.evaluation_id} ({self.status})"


class Kudos(BaseModel):
    """Recognition credited to an agent: kudos from a colleague or a customer's compliment."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kudos_received"
    )
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=KudosKind.choices, default=KudosKind.KUDOS)
    message = models.CharField(max_length=500)
    interaction = models.ForeignKey(
        "interactions.Interaction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "kudos"
        constraints = [
            # A compliment recorded at wrap-up is credited once, however often wrap-up is saved.
            models.UniqueConstraint(
                fields=["interaction", "kind"],
                condition=Q(kind="compliment"),
                name="kudos_one_compliment_per_interaction",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.agent_id}"
