"""Reads of measures, scoped to the asking user.

Who sees what (tests/test_performance_privacy.py proves it for every role):
- the company's figures: everyone;
- a team's aggregate figures: its members, its supervisor, executives, trainers, admins;
- one agent's figures, goals, evaluations: the agent, the supervisor of the agent's team, admins.
Nobody else sees an individual's scores. A record the viewer may not see is "not found".
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from rapport.accounts.models import Team, User
from rapport.core.errors import NotFound
from rapport.core.roles import Role, is_admin, roles_of
from rapport.performance import kpis, periods, rollups, stats
from rapport.performance.choices import GoalArea, Grain
from rapport.performance.models import (
    DailyRollup,
    Evaluation,
    Kpi,
    MeasurementSettings,
    SuccessDefinition,
)
from rapport.performance.rollups import measurement_settings

# Roles that see every team's aggregates (never an individual's).
ALL_TEAMS_READERS = frozenset({Role.EXECUTIVE, Role.TRAINER, Role.ADMIN})


@dataclass(frozen=True)
class Scope:
    """Whose figures: the company, one team or one agent."""

    kind: str  # "company" | "team" | "agent"
    label: str
    team: Team | None = None
    agent: User | None = None

    def rollups(self) -> QuerySet[DailyRollup]:
        if self.agent is not None:
            return DailyRollup.objects.filter(grain=Grain.AGENT, agent=self.agent)
        if self.team is not None:
            return DailyRollup.objects.filter(grain=Grain.TEAM, team=self.team)
        return DailyRollup.objects.filter(grain=Grain.CENTER)

    def evaluations(self) -> QuerySet[Evaluation]:
        rows = Evaluation.objects.all()
        if self.agent is not None:
            return rows.filter(agent=self.agent)
        if self.team is not None:
            return rows.filter(agent__team=self.team)
        return rows


COMPANY = Scope(kind="company", label="Whole center")


def leads(viewer: User, team_id: int | None) -> bool:
    """The viewer is the supervisor of that team."""
    return (
        team_id is not None
        and Role.SUPERVISOR in roles_of(viewer)
        and Team.objects.filter(pk=team_id, supervisor=viewer).exists()
    )


def may_see_agent(viewer: User, agent: User) -> bool:
    return viewer.pk == agent.pk or is_admin(viewer) or leads(viewer, agent.team_id)


def may_see_team(viewer: User, team: Team) -> bool:
    if (
        is_admin(viewer)
        or viewer.team_id == team.pk
        or (team.supervisor_id == viewer.pk and Role.SUPERVISOR in roles_of(viewer))
    ):
        return True
    # From outside the team, a figure of one or two agents would be one person's score.
    if not roles_of(viewer) & ALL_TEAMS_READERS:
        return False
    agents = User.objects.filter(team=team, is_active=True, groups__name=Role.AGENT).distinct()
    return agents.count() >= measurement_settings().min_team_size


def _agents_in(teams: QuerySet[Team]) -> QuerySet[Team]:
    return teams.annotate(
        agents=Count(
            "members",
            filter=Q(members__is_active=True, members__groups__name=Role.AGENT),
            distinct=True,
        )
    )


def agent_scope_for(*, viewer: User, agent_id: int) -> Scope:
    agent = User.objects.select_related("team").filter(pk=agent_id, is_active=True).first()
    if agent is None or not may_see_agent(viewer, agent):
        raise NotFound("No such scorecard.")
    return Scope(
        kind="agent", label=agent.get_full_name() or agent.username, agent=agent, team=None
    )


def team_scope_for(*, viewer: User, team_id: int) -> Scope:
    team = Team.objects.select_related("supervisor").filter(pk=team_id).first()
    if team is None or not may_see_team(viewer, team):
        raise NotFound("No such team.")
    return Scope(kind="team", label=team.name, team=team)


def teams_visible_to(*, viewer: User) -> QuerySet[Team]:
    teams = Team.objects.order_by("name")
    if is_admin(viewer):
        return teams
    own = Q(pk=viewer.team_id)
    if Role.SUPERVISOR in roles_of(viewer):
        own |= Q(supervisor=viewer)
    if roles_of(viewer) & ALL_TEAMS_READERS:
        big_enough = Q(agents__gte=measurement_settings().min_team_size)
        return _agents_in(teams).filter(own | big_enough)
    return teams.filter(own)


def agents_visible_to(*, viewer: User, team: Team | None = None) -> QuerySet[User]:
    """People whose individual figures the viewer may open."""
    people = User.objects.filter(is_active=True, groups__name=Role.AGENT).select_related("team")
    if team is not None:
        people = people.filter(team=team)
    if is_admin(viewer):
        return people.order_by("last_name", "first_name", "username").distinct()
    allowed = Q(pk=viewer.pk)
    if Role.SUPERVISOR in roles_of(viewer):
        allowed |= Q(team__supervisor=viewer)
    return people.filter(allowed).order_by("last_name", "first_name", "username").distinct()


@dataclass
class ScoreItem:
    """One KPI on a scorecard or the wall: this period, the one before, and a trend."""

    value: kpis.KpiValue
    previous: kpis.KpiValue
    change: stats.Comparison
    trend: list[tuple[periods.Span, kpis.KpiValue]] = field(default_factory=list)

    @property
    def kpi(self) -> Kpi:
        return self.value.kpi

    def chart(self) -> dict:
        """Chart.js data: the value per period with its interval; gaps where data is short."""
        return {
            "labels": [span.short_label for span, _ in self.trend],
            "values": [_round(v.estimate.value) for _, v in self.trend],
            "low": [_round(v.estimate.ci_low) for _, v in self.trend],
            "high": [_round(v.estimate.ci_high) for _, v in self.trend],
            "target": None if self.kpi.target is None else float(self.kpi.target),
            "unit": self.kpi.get_unit_display(),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@dataclass
class Scorecard:
    scope: Scope
    span: periods.Span
    items: list[ScoreItem]
    soft_skills: dict[str, stats.Estimate]
    settings: MeasurementSettings

    def by_goal(self) -> list[tuple[str, list[ScoreItem]]]:
        grouped = [
            (label, [item for item in self.items if item.kpi.goal == value])
            for value, label in GoalArea.choices
        ]
        return [(label, items) for label, items in grouped if items]


def scorecard(*, scope: Scope, span: periods.Span, trend_length: int = 12) -> Scorecard:
    """Every active KPI for a scope and period, with the previous period and a trend.

    Two queries on rollups and two on QA scores, whatever the number of KPIs or periods.
    """
    settings_row = measurement_settings()
    spans = periods.trend(span, trend_length)
    first = min(spans[0].start, span.previous().start)
    # Every span here is a whole calendar period of the same kind, so sums per period are enough.
    per_period = kpis.rollup_sums_by_period(
        scope.rollups().filter(day__gte=first, day__lte=span.end), span.period
    )
    evaluations = scope.evaluations().filter(
        submitted_at__date__gte=first - datetime.timedelta(days=1),
        submitted_at__date__lte=span.end + datetime.timedelta(days=1),
    )
    qa_per_day = kpis.qa_sums_by_day(evaluations)

    def totals(of: periods.Span) -> kpis.Totals:
        return kpis.merge_days(per_period, qa_per_day, of.start, of.end)

    before_span = span.previous()
    now, before = totals(span), totals(before_span)
    # The trend ends with the previous period and this one: those are computed once.
    others = {s: totals(s) for s in spans if s not in (span, before_span)}
    items = []
    for kpi in kpis.kpis_active():
        value = kpis.kpi_value(kpi, now, settings_row)
        previous = kpis.kpi_value(kpi, before, settings_row)
        known = {span: value, before_span: previous}
        trend = [
            (s, known[s] if s in known else kpis.kpi_value(kpi, others[s], settings_row))
            for s in spans
        ]
        items.append(
            ScoreItem(
                value=value,
                previous=previous,
                change=kpis.change(kpi, now, before),
                trend=trend,
            )
        )
    in_span = evaluations.filter(
        submitted_at__gte=_start_of(span.start), submitted_at__lt=_start_of(span.end, 1)
    )
    return Scorecard(
        scope=scope,
        span=span,
        items=items,
        soft_skills=kpis.soft_skill_rates(in_span, settings_row),
        settings=settings_row,
    )


def _start_of(day: datetime.date, plus_days: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(
        day + datetime.timedelta(days=plus_days),
        datetime.time.min,
        tzinfo=timezone.get_default_timezone(),
    )


def kpi_list() -> QuerySet[Kpi]:
    """The registry: every KPI and its definition is public to every signed-in person."""
    return Kpi.objects.filter(is_active=True).select_related("owner")


def kpi_get(*, key: str) -> Kpi:
    kpi = kpi_list().filter(key=key).first()
    if kpi is None:
        raise NotFound("No such KPI.")
    return kpi


def success_definitions() -> QuerySet[SuccessDefinition]:
    return SuccessDefinition.objects.select_related("created_by", "published_by")


@dataclass(frozen=True)
class VersionComparison:
    first: SuccessDefinition
    second: SuccessDefinition
    start: datetime.date
    end: datetime.date
    first_rate: stats.Estimate
    second_rate: stats.Estimate
    change: stats.Comparison
    first_only: int  # contacts only the first version calls a success
    second_only: int


def success_versions_compare(
    *, first: SuccessDefinition, second: SuccessDefinition, start: datetime.date, end: datetime.date
) -> VersionComparison:
    """The same contacts judged by two published versions, compared with McNemar's test."""
    settings_row = measurement_settings()
    counts = rollups.success_counts(first_id=first.pk, second_id=second.pk, start=start, end=end)
    return VersionComparison(
        first=first,
        second=second,
        start=start,
        end=end,
        first_rate=stats.scaled(
            stats.rate(counts.first, counts.judged, min_n=settings_row.min_sample), 100.0
        ),
        second_rate=stats.scaled(
            stats.rate(counts.second, counts.judged, min_n=settings_row.min_sample), 100.0
        ),
        change=stats.compare_paired_rates(counts.first_only, counts.second_only),
        first_only=counts.first_only,
        second_only=counts.second_only,
    )


def latest_day_with_data(*, scope: Scope) -> datetime.date | None:
    """The newest rolled-up day of a scope, so an empty current period can fall back to it."""
    return scope.rollups().order_by("-day").values_list("day", flat=True).first()


def default_span(*, scope: Scope, period: str) -> periods.Span:
    """This period, or the latest period with contacts when this one has none yet."""
    today = timezone.localdate()
    current = periods.span(period, today)
    latest = latest_day_with_data(scope=scope)
    if latest is not None and latest < current.start:
        return periods.span(period, latest)
    return current
