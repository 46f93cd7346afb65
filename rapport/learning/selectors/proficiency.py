"""Who may read proficiency, time to proficiency and training impact, and the reads themselves.

- One agent's proficiency: the agent, the supervisor of the agent's team, trainers and admins;
  anyone else is told "not found".
- A team's matrix: supervisors their own teams, trainers and admins any team.
- Time to proficiency and training impact are aggregates of groups (impact readers only); no
  figure there belongs to one person.
- Retention and mastery of reviews: learning trackers, over the agents they track (supervisors
  their own teams' agents, trainers and admins everyone's), by team, module and skill; a figure
  resting on fewer than MIN_GROUP agents is hidden, so nobody's own record shows through a group.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from rapport.accounts.models import Skill, Team, User
from rapport.core.errors import NotFound, ValidationFailed
from rapport.core.roles import IMPACT_READERS, LEARNING_TRACKERS, Role, has_any_role, roles_of
from rapport.learning import impact as training
from rapport.learning import proficiency
from rapport.learning.models import Module, ReviewItem, ReviewLog
from rapport.learning.selectors import reviews as review_selectors
from rapport.learning.selectors.settings import learning_settings
from rapport.performance import rollups
from rapport.performance.models import Kpi
from rapport.performance.stats import Estimate, rate

ALL_AGENTS_READERS = frozenset({Role.TRAINER, Role.ADMIN})
NUMBER = re.compile(r"[0-9]{1,18}")


def _sees_everyone(viewer: User) -> bool:
    return bool(roles_of(viewer) & ALL_AGENTS_READERS)


def _agents() -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, groups__name=Role.AGENT)
        .select_related("team")
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def teams_for(*, viewer: User) -> QuerySet[Team]:
    """Teams whose matrix the viewer may open."""
    teams = Team.objects.order_by("name")
    if _sees_everyone(viewer):
        return teams
    if Role.SUPERVISOR in roles_of(viewer):
        return teams.filter(supervisor=viewer)
    return teams.none()


def team_get_for(*, viewer: User, team_id: int | str | None) -> Team:
    if team_id is None or not NUMBER.fullmatch(str(team_id)):
        raise NotFound("No such team.")
    team = teams_for(viewer=viewer).filter(pk=int(team_id)).first()
    if team is None:
        raise NotFound("No such team.")
    return team


def agent_get_for(*, viewer: User, agent_id: int | str) -> User:
    """An agent whose proficiency the viewer may read."""
    if not NUMBER.fullmatch(str(agent_id)):
        raise NotFound("No such agent.")
    agent = _agents().filter(pk=int(agent_id)).first()
    if agent is None or not may_read_agent(viewer, agent):
        raise NotFound("No such agent.")
    return agent


def may_read_agent(viewer: User, agent: User) -> bool:
    if viewer.pk == agent.pk or _sees_everyone(viewer):
        return True
    team = agent.team
    return (
        team is not None and team.supervisor_id == viewer.pk and Role.SUPERVISOR in roles_of(viewer)
    )


def proficiency_for_agent(
    *, viewer: User, agent: User, day: datetime.date | None = None
) -> proficiency.AgentProficiency:
    """The agent's level in every tracked skill, with the evidence behind it."""
    if not may_read_agent(viewer, agent):
        raise NotFound("No such agent.")
    return proficiency.agent_proficiency(agent, day=day)


@dataclass
class TeamRow:
    agent: User
    cells: list[proficiency.SkillEvidence]


@dataclass
class TeamMatrix:
    team: Team
    skills: list[Skill]
    rows: list[TeamRow]
    as_of: datetime.date

    def proficient_counts(self) -> list[int]:
        """Per skill: how many of the team's agents are proficient."""
        return [
            sum(1 for row in self.rows if row.cells[i].level == proficiency.PROFICIENT)
            for i in range(len(self.skills))
        ]


def team_proficiency(*, viewer: User, team: Team, day: datetime.date | None = None) -> TeamMatrix:
    """The team's agents × tracked skills."""
    if not teams_for(viewer=viewer).filter(pk=team.pk).exists():
        raise NotFound("No such team.")
    day = day or timezone.localdate()
    agents = list(_agents().filter(team=team))
    skills = proficiency.tracked_skills()
    found = proficiency.evidence_for(agents=agents, skills=skills, day=day)
    rows = [
        TeamRow(agent=agent, cells=[found[(agent.pk, skill.pk)] for skill in skills])
        for agent in agents
    ]
    return TeamMatrix(team=team, skills=skills, rows=rows, as_of=day)


def _require_impact_reader(viewer: User) -> None:
    if not has_any_role(viewer, IMPACT_READERS):
        raise NotFound("Not found.")


def cohorts_for(*, viewer: User, today: datetime.date | None = None) -> proficiency.CohortReport:
    """Time to proficiency of new-hire cohorts: agents with a first day, those who have left
    included (a cohort without its leavers would look better than it was)."""
    _require_impact_reader(viewer)
    people = (
        User.objects.filter(groups__name=Role.AGENT, started_on__isnull=False)
        .distinct()
        .order_by("pk")
    )
    return proficiency.cohort_report(list(people), today=today)


def impact_modules() -> QuerySet[Module]:
    return Module.objects.filter(is_active=True).select_related("skill").order_by("title")


def impact_kpis() -> QuerySet[Kpi]:
    """Active KPIs measurable per agent: queue-level ones (speed of answer, service level,
    abandonment) are not any one agent's, so training cannot be credited with them."""
    return (
        Kpi.objects.filter(is_active=True)
        .exclude(formula__in=training.QUEUE_FORMULAS)
        .order_by("order", "name")
    )


@dataclass(frozen=True)
class ImpactQuestion:
    module: Module
    kpi: Kpi
    window_days: int
    match: str


def impact_question(
    *, module: str | None, kpi: str | None, window: str | None, match: str | None
) -> ImpactQuestion:
    """Parse what was asked; anything unreadable is a plain 400, never a 500."""
    if not module or not NUMBER.fullmatch(module):
        raise ValidationFailed("Pick a module.", fields={"module": ["Pick a module."]})
    found_module = impact_modules().filter(pk=int(module)).first()
    if found_module is None:
        raise ValidationFailed("No such module.", fields={"module": ["No such module."]})
    found_kpi = impact_kpis().filter(key=kpi or "").first()
    if found_kpi is None:
        queue = Kpi.objects.filter(key=kpi or "", formula__in=training.QUEUE_FORMULAS).first()
        message = "Pick a KPI."
        if queue is not None:
            message = (
                f"{queue.name} belongs to a queue, not to the agent who answered: pick a KPI "
                "measured per agent."
            )
        raise ValidationFailed(message, fields={"kpi": [message]})
    days = training.DEFAULT_WINDOW
    if window:
        if not NUMBER.fullmatch(window) or int(window) not in training.WINDOWS:
            allowed = ", ".join(str(w) for w in training.WINDOWS)
            message = f"The window is one of {allowed} days."
            raise ValidationFailed(message, fields={"window": [message]})
        days = int(window)
    how = match or training.MATCH_ROLE
    if how not in (training.MATCH_ROLE, training.MATCH_TEAM):
        raise ValidationFailed("Compare with agents of the same role or the same team.")
    return ImpactQuestion(module=found_module, kpi=found_kpi, window_days=days, match=how)


def impact_for(
    *, viewer: User, question: ImpactQuestion, today: datetime.date | None = None
) -> training.Impact:
    """The difference in differences for one module and KPI (impact readers only)."""
    _require_impact_reader(viewer)
    return training.training_impact(
        module=question.module,
        kpi=question.kpi,
        window_days=question.window_days,
        match=question.match,
        today=today,
    )


# --- Retention and mastery of reviews, for learning trackers --------------------------------------

RETENTION_PERIODS = (7, 14, 28, 56, 90, 180)
DEFAULT_RETENTION_DAYS = 28
# A figure resting on fewer agents than this is hidden: it would read as each one's own record.
MIN_GROUP = proficiency.MIN_COHORT
RETENTION_GROUPS = ("team", "module", "skill")
# Where each grouping sits, seen from a review log and from a review item.
_LOG_KEYS = {
    "team": "item__agent__team_id",
    "module": "item__question__module_id",
    "skill": "item__question__module__skill_id",
}
_ITEM_KEYS = {
    "team": "agent__team_id",
    "module": "question__module_id",
    "skill": "question__module__skill_id",
}
_NO_GROUP = {"team": "No team", "module": "—", "skill": "No skill"}


def retention_period(value: str | None) -> int:
    """The period asked for, in days (28 when none); anything else is a plain 400."""
    if value in (None, ""):
        return DEFAULT_RETENTION_DAYS
    if not NUMBER.fullmatch(str(value)) or int(str(value)) not in RETENTION_PERIODS:
        allowed = ", ".join(str(days) for days in RETENTION_PERIODS)
        message = f"The period is one of {allowed} days."
        raise ValidationFailed(message, fields={"period": [message]})
    return int(str(value))


def tracked_agents(*, viewer: User) -> QuerySet[User]:
    """Agents whose reviews the viewer may read as groups: supervisors their own teams' agents,
    trainers and admins every agent (those who have left included: their reviews happened)."""
    if not has_any_role(viewer, LEARNING_TRACKERS):
        raise NotFound("Not found.")
    agents = User.objects.filter(groups__name=Role.AGENT).distinct()
    if _sees_everyone(viewer):
        return agents
    return agents.filter(team__supervisor=viewer)


@dataclass
class RetentionRow:
    """One group's review figures; `shown` / `mastery_shown` false when they rest on fewer than
    MIN_GROUP agents (then only that they exist is said)."""

    key: int | None
    label: str
    agents: int
    retention: Estimate
    predicted: float | None
    shown: bool
    item_agents: int = 0
    mastered: int = 0
    items: int = 0
    mastery_shown: bool = False

    @property
    def mastery(self) -> float | None:
        return self.mastered / self.items if self.items and self.mastery_shown else None

    @property
    def percents(self) -> dict[str, float | None]:
        """The shares as % (None where hidden or not enough data), for pages."""

        def pct(value: float | None) -> float | None:
            return None if value is None else 100 * value

        return {
            "right": pct(self.retention.value),
            "low": pct(self.retention.ci_low),
            "high": pct(self.retention.ci_high),
            "predicted": pct(self.predicted),
            "mastery": pct(self.mastery),
        }

    @property
    def gap(self) -> float | None:
        """Actual minus predicted share right, in points of 0…1."""
        actual = self.retention.value
        if not self.shown or actual is None or self.predicted is None:
            return None
        return actual - self.predicted


@dataclass
class RetentionWeek:
    start: datetime.date
    agents: int
    retention: Estimate
    predicted: float | None
    shown: bool

    @property
    def percents(self) -> dict[str, float | None]:
        def pct(value: float | None) -> float | None:
            return None if value is None else 100 * value

        return {
            "right": pct(self.retention.value),
            "low": pct(self.retention.ci_low),
            "high": pct(self.retention.ci_high),
            "predicted": pct(self.predicted),
        }


@dataclass
class RetentionReport:
    days: int
    since: datetime.datetime
    until: datetime.datetime
    overall: RetentionRow
    groups: dict[str, list[RetentionRow]]
    weeks: list[RetentionWeek]
    mastery_days: int
    min_group: int = MIN_GROUP
    agents_tracked: int = 0
    periods: tuple[int, ...] = field(default=RETENTION_PERIODS)

    @property
    def has_reviews(self) -> bool:
        return self.overall.retention.n > 0 or self.overall.items > 0

    @property
    def overall_rows(self) -> list[RetentionRow]:
        return [self.overall]

    @property
    def shown_weeks(self) -> int:
        return sum(1 for week in self.weeks if week.shown and week.retention.value is not None)


def _labels(by: str, keys) -> dict:
    ids = [key for key in keys if key is not None]
    if by == "team":
        return dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))
    if by == "module":
        return dict(Module.objects.filter(pk__in=ids).values_list("pk", "title"))
    return dict(Skill.objects.filter(pk__in=ids).values_list("pk", "name"))


def _log_groups(agent_ids: list[int], since, until, by: str) -> dict:
    """{group: (agents, mean predicted recall)} over the period's review answers."""
    key = _LOG_KEYS[by]
    rows = (
        ReviewLog.objects.filter(
            item__agent_id__in=agent_ids, reviewed_at__gte=since, reviewed_at__lt=until
        )
        .values(key)
        .annotate(agents=Count("item__agent", distinct=True), p=Avg("predicted_recall"))
        .order_by()
    )
    return {row[key]: (row["agents"], row["p"]) for row in rows}


def _item_groups(agent_ids: list[int], by: str | None, mastery_days: int) -> dict:
    """{group: (agents, items mastered, items)} over the agents' active review items."""
    items = ReviewItem.objects.filter(agent_id__in=agent_ids, question__module__is_active=True)
    aggregates = {
        "agents": Count("agent", distinct=True),
        "total": Count("id"),
        "mastered": Count("id", filter=Q(stability__gte=mastery_days)),
    }
    if by is None:
        row = items.aggregate(**aggregates)
        return {None: (row["agents"], row["mastered"], row["total"])}
    key = _ITEM_KEYS[by]
    rows = items.values(key).annotate(**aggregates).order_by()
    return {row[key]: (row["agents"], row["mastered"], row["total"]) for row in rows}


def _row(key, label, estimate: Estimate, logs: tuple, items: tuple) -> RetentionRow:
    agents, predicted = logs
    item_agents, mastered, total = items
    shown = agents >= MIN_GROUP
    mastery_shown = item_agents >= MIN_GROUP
    return RetentionRow(
        key=key,
        label=label,
        agents=agents,
        retention=estimate if shown else Estimate.empty(estimate.n),
        predicted=(float(predicted) if predicted is not None else None) if shown else None,
        shown=shown,
        item_agents=item_agents,
        mastered=mastered if mastery_shown else 0,
        items=total,
        mastery_shown=mastery_shown,
    )


def _grouped(agent_ids: list[int], since, until, by: str, mastery_days: int) -> list[RetentionRow]:
    estimates = review_selectors.retention_by(agent_ids=agent_ids, since=since, until=until, by=by)
    logs = _log_groups(agent_ids, since, until, by)
    items = _item_groups(agent_ids, by, mastery_days)
    keys = set(estimates) | set(items)
    labels = _labels(by, keys)
    rows = [
        _row(
            key,
            labels.get(key, _NO_GROUP[by]) if key is not None else _NO_GROUP[by],
            estimates.get(key, Estimate.empty()),
            logs.get(key, (0, None)),
            items.get(key, (0, 0, 0)),
        )
        for key in keys
    ]
    return sorted(rows, key=lambda row: (not row.shown, row.label.lower()))


def _weeks(agent_ids: list[int], since, until) -> list[RetentionWeek]:
    rows = (
        ReviewLog.objects.filter(
            item__agent_id__in=agent_ids, reviewed_at__gte=since, reviewed_at__lt=until
        )
        .annotate(week=TruncWeek("reviewed_at"))
        .values("week")
        .annotate(
            n=Count("id"),
            right=Count("id", filter=Q(correct=True)),
            agents=Count("item__agent", distinct=True),
            p=Avg("predicted_recall"),
        )
        .order_by("week")
    )
    min_n = rollups.measurement_settings().min_sample
    found = []
    for row in rows:
        week = row["week"]
        start = week.date() if isinstance(week, datetime.datetime) else week
        shown = row["agents"] >= MIN_GROUP
        found.append(
            RetentionWeek(
                start=start,
                agents=row["agents"],
                retention=rate(row["right"], row["n"], min_n=min_n)
                if shown
                else Estimate.empty(row["n"]),
                predicted=float(row["p"]) if shown and row["p"] is not None else None,
                shown=shown,
            )
        )
    return found


def retention_for(
    *, viewer: User, days: int = DEFAULT_RETENTION_DAYS, now: datetime.datetime | None = None
) -> RetentionReport:
    """Retention (share of review answers right, Wilson interval, n) beside mean predicted
    recall, and mastery, over the agents the viewer tracks: overall, by team, by module and by
    skill, and per week, over the last `days` days."""
    agent_ids = list(tracked_agents(viewer=viewer).values_list("pk", flat=True))
    now = now or timezone.now()
    since = now - datetime.timedelta(days=days)
    mastery_days = learning_settings().mastery_days
    overall_logs = ReviewLog.objects.filter(
        item__agent_id__in=agent_ids, reviewed_at__gte=since, reviewed_at__lt=now
    ).aggregate(agents=Count("item__agent", distinct=True))["agents"]
    overall = _row(
        None,
        "All tracked agents",
        review_selectors.retention(agent_ids=agent_ids, since=since, until=now),
        (
            overall_logs,
            review_selectors.predicted_recall(agent_ids=agent_ids, since=since, until=now),
        ),
        _item_groups(agent_ids, None, mastery_days)[None],
    )
    return RetentionReport(
        days=days,
        since=since,
        until=now,
        overall=overall,
        groups={by: _grouped(agent_ids, since, now, by, mastery_days) for by in RETENTION_GROUPS},
        weeks=_weeks(agent_ids, since, now),
        mastery_days=mastery_days,
        agents_tracked=len(agent_ids),
    )
