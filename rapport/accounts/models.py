"""People who log in: users with roles, teams, skills, agent state and API tokens."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from rapport.accounts.choices import AgentState, ScheduledActivity, SkillLevel
from rapport.core.models import BaseModel
from rapport.core.roles import Role


class Team(BaseModel):
    """A group of agents led by one supervisor."""

    name = models.CharField(max_length=100, unique=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_teams",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in. Roles are groups named after Role values (see core.roles).

    agent_state is the current state, kept beside the history so that routing and the team
    board read it without scanning AgentStateChange.
    """

    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    agent_state = models.CharField(
        max_length=16, choices=AgentState.choices, default=AgentState.OFFLINE
    )
    agent_state_since = models.DateTimeField(null=True, blank=True)
    started_on = models.DateField(null=True, blank=True, help_text="First working day.")

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Skill(BaseModel):
    """Something an agent can handle: a language, a product line, a contact type."""

    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentSkill(BaseModel):
    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="agents")
    level = models.PositiveSmallIntegerField(
        choices=SkillLevel.choices, default=SkillLevel.COMPETENT
    )

    class Meta:
        ordering = ["skill__name"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "skill"], name="agentskill_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} · {self.skill} ({self.get_level_display()})"


class AgentStateChange(models.Model):
    """One entry per state change; the time in a state is the gap to the next entry."""

    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="state_changes")
    state = models.CharField(max_length=16, choices=AgentState.choices)
    previous_state = models.CharField(max_length=16, choices=AgentState.choices, blank=True)
    changed_at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=32, default="ui", help_text="ui, api, telephony …")
    external_id = models.CharField(
        max_length=100,
        blank=True,
        db_default="",
        help_text="The id a workforce-management export gave it.",
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["agent", "-changed_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="agent_state_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agent} → {self.state} at {self.changed_at:%Y-%m-%d %H:%M}"


class ApiToken(BaseModel):
    """A revocable API credential. Only a SHA-256 digest is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, help_text="First characters, to recognise a key.")
    digest = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class RoleSecurityPolicy(BaseModel):
    """Per-role rules an admin sets, such as requiring a TOTP second factor."""

    role = models.CharField(max_length=32, choices=Role.choices, unique=True)
    require_second_factor = models.BooleanField(default=False)

    class Meta:
        ordering = ["role"]
        verbose_name_plural = "role security policies"

    def __str__(self) -> str:
        flag = "requires" if self.require_second_factor else "does not require"
        return f"{self.get_role_display()} {flag} a second factor"


class ExternalAccount(BaseModel):
    """The id a person has in another system (Zendesk agent, WFM roster, recording system,
    old CRM owner), so imported rows that name them find the Rapport user."""

    source = models.CharField(max_length=32)
    external_id = models.CharField(max_length=100)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="external_accounts")

    class Meta:
        ordering = ["source", "external_id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="external_account_once")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id} → {self.user_id}"


class ScheduleBlock(BaseModel):
    """A block of an agent's planned time from workforce management."""

    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="schedule_blocks")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    activity = models.CharField(max_length=10, choices=ScheduledActivity.choices)
    source = models.CharField(max_length=32, default="wfm")
    external_id = models.CharField(max_length=100)

    class Meta:
        ordering = ["agent", "starts_at"]
        indexes = [models.Index(fields=["agent", "starts_at"], name="schedule_agent_start")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="schedule_block_external_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="schedule_block_ends_after"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.activity} {self.starts_at:%Y-%m-%d %H:%M}"


class AdherenceDay(BaseModel):
    """Schedule adherence of one agent on one day as workforce management reported it."""

    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="adherence_days")
    day = models.DateField()
    scheduled_minutes = models.PositiveIntegerField()
    adherent_minutes = models.PositiveIntegerField()
    source = models.CharField(max_length=32, default="wfm")
    external_id = models.CharField(max_length=100)

    class Meta:
        ordering = ["-day", "agent"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="adherence_day_external_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(adherent_minutes__lte=models.F("scheduled_minutes")),
                name="adherence_within_schedule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.day}: {self.adherent_minutes}/{self.scheduled_minutes}"
