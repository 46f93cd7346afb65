"""Briefings (change communications counted only when understood) and feature-feedback polls.

Both reach an audience: people who hold one of the chosen roles AND are in one of the chosen
teams AND hold one of the chosen skills (an empty choice does not narrow), plus agents named one by
one (rapport.briefings.audience resolves it). Each person in it gets one delivery row that says
what happened: delivered, opened, acknowledged, check attempts, score, understood.

Comprehension checks are multiple-choice questions with one or more correct choices and an
explanation shown after a failed attempt; the abstract CheckQuestion/CheckChoice are shared with
learning modules (rapport.briefings.checks scores them).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from rapport.briefings.choices import BriefingStatus, PollQuestionKind, PollStatus
from rapport.core.models import BaseModel
from rapport.core.roles import Role


class Audience(models.Model):
    """Who a briefing or poll is for (see the module docstring for how the parts combine)."""

    audience_roles = models.JSONField(
        default=list, blank=True, help_text=f"Role keys, any of: {', '.join(Role.values)}."
    )
    audience_teams = models.ManyToManyField("accounts.Team", blank=True, related_name="+")
    audience_skills = models.ManyToManyField("accounts.Skill", blank=True, related_name="+")
    audience_agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", help_text="Named people."
    )

    class Meta:
        abstract = True


class CheckQuestion(models.Model):
    """A multiple-choice question with its explanation (shown after a wrong answer)."""

    text = models.CharField(max_length=500)
    explanation = models.TextField(blank=True, help_text="Why the right answer is right.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class CheckChoice(models.Model):
    text = models.CharField(max_length=300)
    is_correct = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class Briefing(Audience, BaseModel):
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=BriefingStatus.choices, default=BriefingStatus.DRAFT
    )
    published_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(help_text="When everyone in the audience should have it done.")
    requires_ack = models.BooleanField(
        default=True, help_text="Each person confirms they have read it."
    )
    pass_mark = models.PositiveSmallIntegerField(
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Per cent of the check's questions answered right to count as understood.",
    )
    qa_criterion = models.ForeignKey(
        "performance.QaCriterion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The QA criterion this briefing should change, to see adoption after it.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_mark__gte=1) & Q(pass_mark__lte=100), name="briefing_pass_mark"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_check(self) -> bool:
        return self.questions.exists()

    @property
    def is_mandatory(self) -> bool:
        """Mandatory briefings need something back: an acknowledgement or a passed check."""
        return self.requires_ack or self.has_check


class BriefingAttachment(BaseModel):
    """An image or file that belongs to a briefing; served only to those who may read it."""

    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="briefings/%Y/%m/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class BriefingQuestion(CheckQuestion):
    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="questions")

    class Meta(CheckQuestion.Meta):
        pass


class BriefingChoice(CheckChoice):
    question = models.ForeignKey(BriefingQuestion, on_delete=models.CASCADE, related_name="choices")

    class Meta(CheckChoice.Meta):
        pass


class BriefingDelivery(BaseModel):
    """One person's progress through one briefing."""

    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="deliveries")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="briefing_deliveries"
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The person's team when it was delivered; team figures count it there.",
    )
    delivered_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Per cent right on the latest attempt."
    )
    understood_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the check was passed (or, without a check, acknowledged).",
    )
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(
        null=True, blank=True, help_text="When the overdue delivery was raised to the supervisor."
    )
    supervisor_emailed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the supervisor was e-mailed about it; empty until a mail went out.",
    )

    class Meta:
        ordering = ["briefing", "agent__username"]
        constraints = [
            models.UniqueConstraint(fields=["briefing", "agent"], name="briefing_delivery_once")
        ]
        indexes = [models.Index(fields=["agent", "understood_at"], name="briefing_delivery_agent")]
        verbose_name_plural = "briefing deliveries"

    def __str__(self) -> str:
        return f"{self.briefing} → {self.agent}"

    @property
    def is_done(self) -> bool:
        return self.understood_at is not None


class CheckAttempt(models.Model):
    """One try at a check (a briefing's or a module's): the answers given and the score."""

    answers = models.JSONField(help_text="{question id: [chosen choice ids]}")
    score = models.PositiveSmallIntegerField()
    passed = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]


class BriefingAttempt(CheckAttempt):
    delivery = models.ForeignKey(BriefingDelivery, on_delete=models.CASCADE, related_name="tries")

    class Meta(CheckAttempt.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.delivery}: {self.score} %"


class Poll(Audience, BaseModel):
    """A question to agents about a planned change, answerable in under a minute."""

    title = models.CharField(max_length=200)
    description = models.TextField(help_text="Markdown: what would change and why.")
    mockup = models.ImageField(upload_to="polls/%Y/%m/", blank=True)
    enhancement_request = models.CharField(
        max_length=60,
        blank=True,
        help_text="The enhancement request this poll informs (its key, e.g. ENH-142).",
    )
    status = models.CharField(max_length=8, choices=PollStatus.choices, default=PollStatus.DRAFT)
    opened_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class PollQuestion(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(max_length=8, choices=PollQuestionKind.choices)
    text = models.CharField(max_length=300)
    options = models.JSONField(
        default=list, blank=True, help_text="The choices of a choice question."
    )
    required = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class PollResponse(models.Model):
    """One person's answers; their role and team are kept as they were, for results by both."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="responses")
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="poll_responses"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    seconds_taken = models.PositiveIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "respondent"], name="poll_response_once")
        ]

    def __str__(self) -> str:
        # Never the respondent: this text shows wherever the row is named (logs, audit, admin).
        return f"{self.poll} · response {self.pk}"


class PollAnswer(models.Model):
    response = models.ForeignKey(PollResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(PollQuestion, on_delete=models.CASCADE, related_name="answers")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    choice = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["question__order", "question_id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="poll_answer_once")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.rating or self.choice or self.text[:30]}"
