"""Learning: modules, new-hire paths, assignments from measured gaps, spaced review of module
questions (scheduled by the fsrs package), and the activities idle time delivers.

- A Module teaches one skill; its questions are the check at its end and, once it is passed, the
  agent's review items.
- A GapRule watches one measure (a KPI, a QA criterion, or preventable escalations) per agent over
  a window; when it stays on the wrong side of its threshold with enough data, the rule's module
  is assigned (or proposed to a trainer), and the Assignment keeps the evidence as its reason.
- A ReviewItem is one agent's memory of one question: its fsrs card (stability, difficulty, due)
  and every review in ReviewLog, from which retention and mastery are measured.
- An Activity is one thing idle time brought to an agent, time-boxed, paused by a contact.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from rapport.briefings.models import CheckAttempt, CheckChoice, CheckQuestion
from rapport.core.models import BaseModel
from rapport.core.roles import Role
from rapport.learning.choices import (
    ActivityKind,
    ActivityStatus,
    AssignmentSource,
    AssignmentStatus,
    GapMode,
    GapSource,
)


class LearningSettings(BaseModel):
    """The center's one row of delivery and measurement choices (admins edit it)."""

    activities_per_hour = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="At most this many idle-time activities start for an agent in any hour.",
    )
    review_burst = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="Review questions in one burst.",
    )
    briefing_seconds = models.PositiveIntegerField(default=240)
    review_seconds = models.PositiveIntegerField(default=90)
    module_seconds = models.PositiveIntegerField(default=600)
    poll_seconds = models.PositiveIntegerField(default=60)
    desired_retention = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=0.9,
        validators=[MinValueValidator(0.7), MaxValueValidator(0.97)],
        help_text="The recall probability reviews are scheduled for.",
    )
    mastery_days = models.PositiveSmallIntegerField(
        default=21,
        help_text="A review item is mastered when its memory stability reaches this many days.",
    )
    proficiency_weeks = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=(
            "A new hire is proficient once their key KPIs hold at target for this many "
            "consecutive weeks."
        ),
    )

    class Meta:
        verbose_name_plural = "learning settings"

    def __str__(self) -> str:
        return "Learning settings"

    def seconds_for(self, kind: str) -> int:
        return {
            ActivityKind.BRIEFING: self.briefing_seconds,
            ActivityKind.REVIEW: self.review_seconds,
            ActivityKind.MODULE: self.module_seconds,
            ActivityKind.POLL: self.poll_seconds,
        }[ActivityKind(kind)]


class Module(BaseModel):
    title = models.CharField(max_length=200, unique=True)
    summary = models.CharField(max_length=300)
    body = models.TextField(help_text="Markdown.")
    skill = models.ForeignKey("accounts.Skill", on_delete=models.PROTECT, related_name="modules")
    minutes = models.PositiveSmallIntegerField(default=10, help_text="How long it takes.")
    pass_mark = models.PositiveSmallIntegerField(
        default=80, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    is_active = models.BooleanField(default=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class ModuleQuestion(CheckQuestion):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="questions")

    class Meta(CheckQuestion.Meta):
        pass


class ModuleChoice(CheckChoice):
    question = models.ForeignKey(ModuleQuestion, on_delete=models.CASCADE, related_name="choices")

    class Meta(CheckChoice.Meta):
        pass


class LearningPath(BaseModel):
    """The modules a new hire in one role takes, in order, each due some days after starting."""

    name = models.CharField(max_length=120, unique=True)
    role = models.CharField(max_length=16, choices=Role.choices)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["role", "name"]

    def __str__(self) -> str:
        return self.name


class PathStep(models.Model):
    path = models.ForeignKey(LearningPath, on_delete=models.CASCADE, related_name="steps")
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)
    due_after_days = models.PositiveSmallIntegerField(default=7)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["path", "module"], name="path_step_once")]

    def __str__(self) -> str:
        return f"{self.path} · {self.order}. {self.module}"


class GapRule(BaseModel):
    """When an agent's measure stays on the wrong side of the threshold, assign the module."""

    name = models.CharField(max_length=120, unique=True)
    source = models.CharField(max_length=16, choices=GapSource.choices)
    kpi = models.ForeignKey(
        "performance.Kpi", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    qa_criterion = models.ForeignKey(
        "performance.QaCriterion",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    escalation_reason = models.ForeignKey(
        "cases.EscalationReason",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="For preventable escalations: one reason, or empty for any preventable reason.",
    )
    threshold = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=(
            "KPI: empty means the KPI's target. QA criterion: the least share met, in %. "
            "Preventable escalations: the most per 100 handled contacts."
        ),
    )
    window_days = models.PositiveSmallIntegerField(
        default=28, validators=[MinValueValidator(7), MaxValueValidator(365)]
    )
    min_n = models.PositiveIntegerField(
        default=30, help_text="Fewer contacts (or evaluations) than this is not enough data."
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="gap_rules")
    mode = models.CharField(max_length=8, choices=GapMode.choices, default=GapMode.CONFIRM)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(source=GapSource.KPI, kpi__isnull=False)
                    | Q(source=GapSource.QA_CRITERION, qa_criterion__isnull=False)
                    | Q(source=GapSource.PREVENTABLE_ESCALATIONS)
                ),
                name="gap_rule_names_its_measure",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Assignment(BaseModel):
    """A module an agent is to take, and why."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learning_assignments"
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="assignments")
    source = models.CharField(max_length=8, choices=AssignmentSource.choices)
    status = models.CharField(
        max_length=12, choices=AssignmentStatus.choices, default=AssignmentStatus.ASSIGNED
    )
    reason = models.TextField(help_text="What the agent is told about why.")
    evidence = models.JSONField(default=dict, blank=True)
    gap_rule = models.ForeignKey(
        GapRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignments"
    )
    path = models.ForeignKey(
        LearningPath, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    score = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "module"],
                condition=Q(status__in=["proposed", "assigned", "in_progress"]),
                name="assignment_one_open_per_module",
            )
        ]
        indexes = [models.Index(fields=["agent", "status"], name="assignment_agent_status")]

    def __str__(self) -> str:
        return f"{self.module} → {self.agent} ({self.status})"


class ModuleAttempt(CheckAttempt):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="tries")

    class Meta(CheckAttempt.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.assignment}: {self.score} %"


class ReviewItem(BaseModel):
    """One agent's memory of one module question, as an fsrs card."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_items"
    )
    question = models.ForeignKey(ModuleQuestion, on_delete=models.CASCADE, related_name="reviews")
    card = models.JSONField(help_text="fsrs Card.to_dict(), the scheduler's whole state.")
    due_at = models.DateTimeField()
    stability = models.FloatField(
        null=True, blank=True, help_text="Days until recall falls to 90 %."
    )
    difficulty = models.FloatField(null=True, blank=True)
    reps = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "question"], name="review_item_once")
        ]
        indexes = [models.Index(fields=["agent", "due_at"], name="review_item_due")]

    def __str__(self) -> str:
        return f"{self.agent} · {self.question_id} due {self.due_at:%Y-%m-%d}"


class ReviewLog(models.Model):
    """One answer to a review question: right or wrong, the rating fsrs was given, and the recall
    probability the scheduler predicted just before (so predicted and actual retention compare)."""

    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="log")
    reviewed_at = models.DateTimeField()
    correct = models.BooleanField()
    rating = models.PositiveSmallIntegerField(help_text="fsrs Rating: 1 Again … 4 Easy.")
    predicted_recall = models.FloatField(null=True, blank=True)
    seconds_taken = models.PositiveIntegerField(null=True, blank=True)
    stability_after = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["reviewed_at", "id"]
        indexes = [models.Index(fields=["reviewed_at"], name="review_log_time")]

    def __str__(self) -> str:
        return (
            f"{self.item_id} {'right' if self.correct else 'wrong'} at {self.reviewed_at:%Y-%m-%d}"
        )


class Activity(BaseModel):
    """One thing idle time brought to an agent. A contact arriving pauses it; it resumes first
    the next time the agent is free, until its time box runs out."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learning_activities"
    )
    kind = models.CharField(max_length=10, choices=ActivityKind.choices)
    briefing = models.ForeignKey(
        "briefings.Briefing", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    poll = models.ForeignKey(
        "briefings.Poll", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    review_items = models.ManyToManyField(ReviewItem, blank=True, related_name="+")
    status = models.CharField(
        max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.ACTIVE
    )
    started_at = models.DateTimeField()
    seconds_allowed = models.PositiveIntegerField()
    seconds_used = models.PositiveIntegerField(
        default=0, help_text="Time spent before the latest pause."
    )
    resumed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the current stretch began (start or resume)."
    )
    paused_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agent"],
                condition=Q(status__in=["active", "paused"]),
                name="activity_one_open_per_agent",
            )
        ]
        indexes = [models.Index(fields=["agent", "-started_at"], name="activity_agent_time")]
        verbose_name_plural = "activities"

    def __str__(self) -> str:
        return f"{self.agent} · {self.kind} ({self.status})"
