"""Reads behind the KPI wall and the scorecards: which period was asked for, whose page a person
lands on, and agents of a team side by side on one KPI (when admins allow ranking)."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Sum
from django.utils import timezone

from rapport.accounts.models import Team, User
from rapport.performance import kpis, periods, selectors
from rapport.performance.choices import Better, Grain, Period
from rapport.performance.models import DailyRollup, Evaluation, Kpi, MeasurementSettings
from rapport.performance.rollups import day_bounds, measurement_settings


def span_for(*, scope: selectors.Scope, period: str | None, date: str | None) -> periods.Span:
    """The period a page or the API was asked for; without a date, the scope's default.

    Bad values raise ValidationFailed (400 with a readable message), never a 500.
    """
    period = period or Period.WEEK
    if not date:
        return selectors.default_span(scope=scope, period=period)
    return periods.parse(period, date, today=timezone.localdate())


def team_led_by(*, viewer: User) -> Team | None:
    """The first team (by name) the viewer supervises."""
    return Team.objects.filter(supervisor=viewer).order_by("name").first()


def ranking_kpis() -> list[Kpi]:
    """KPIs agents can be ranked on: those whose data is collected (not PENDING)."""
    return [kpi for kpi in selectors.kpi_list() if kpi.formula not in kpis.PENDING]


@dataclass(frozen=True)
class RankRow:
    agent: User
    value: kpis.KpiValue


def team_ranking(
    *,
    viewer: User,
    team: Team,
    kpi: Kpi,
    span: periods.Span,
    settings_row: MeasurementSettings | None = None,
) -> list[RankRow]:
    """The team's agents the viewer may see individually, best first on one KPI for one period.

    Agents without enough data come last, in name order. At most four queries, whatever the
    team size.
    """
    agents = list(selectors.agents_visible_to(viewer=viewer, team=team))
    if not agents:
        return []
    settings_row = settings_row or measurement_settings()
    sums = _sums_by_agent(agents, span)
    qa = _qa_by_agent(agents, span) if kpi.formula == "qa_score" else {}
    rows = [
        RankRow(
            agent=agent,
            value=kpis.kpi_value(
                kpi,
                kpis.Totals(by_channel=sums.get(agent.pk, {}), qa=qa.get(agent.pk, (0, 0.0, 0.0))),
                settings_row,
            ),
        )
        for agent in agents
    ]
    return _ranked(rows, kpi)


def _ranked(rows: list[RankRow], kpi: Kpi) -> list[RankRow]:
    with_value = [row for row in rows if row.value.estimate.value is not None]
    without = [row for row in rows if row.value.estimate.value is None]
    with_value.sort(
        key=lambda row: row.value.estimate.value or 0.0, reverse=kpi.better == Better.HIGHER
    )
    return with_value + without


def _sums_by_agent(agents: list[User], span: periods.Span) -> dict[int, dict[str, dict]]:
    rows = (
        DailyRollup.objects.filter(
            grain=Grain.AGENT, agent__in=agents, day__gte=span.start, day__lte=span.end
        )
        .order_by()
        .values("agent", "channel")
        .annotate(**{name: Sum(name) for name in kpis.SUMMED})
    )
    found: dict[int, dict[str, dict]] = defaultdict(dict)
    for row in rows:
        found[row["agent"]][row["channel"]] = {name: row[name] or 0 for name in kpis.SUMMED}
    return found


def _qa_by_agent(agents: list[User], span: periods.Span) -> dict[int, tuple[int, float, float]]:
    start, _ = day_bounds(span.start)
    _, end = day_bounds(span.end)
    scores: dict[int, list[float]] = defaultdict(list)
    counted = kpis.counted_evaluations(
        Evaluation.objects.filter(agent__in=agents, submitted_at__gte=start, submitted_at__lt=end)
    ).values_list("agent", "score")
    for agent_id, score in counted:
        if score is not None:
            scores[agent_id].append(float(score))
    return {
        agent_id: (len(values), sum(values), sum(v * v for v in values))
        for agent_id, values in scores.items()
    }
