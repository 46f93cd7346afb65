"""The KPI wall, the KPI registry pages and the scorecards of agents and teams.

Every figure shows its n and 95% interval, or says "not enough data" / "no data yet"; every KPI
name links to its definition. Whose figures a person may open is decided by the selectors, which
answer "not found" for anything out of reach.
"""

import datetime
import re
from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import urlencode

from rapport.accounts.http import AuthedHttpRequest
from rapport.accounts.models import Team, User
from rapport.core.errors import NotFound, ValidationFailed
from rapport.core.roles import SCORECARD_READERS, Role, roles_of
from rapport.performance import kpis, periods, selectors, stats
from rapport.performance.choices import Better, KpiKind, Period, QaCategory, Unit
from rapport.performance.selectors import scorecards as board
from rapport.ui.decorators import role_required

EVERYONE = frozenset(Role.values)
PARTIAL = "performance/scorecards/partials/_%s_body.html"
TEAM_ID = re.compile(r"[0-9]{1,18}")


# --- Numbers as people read them -------------------------------------------------------------------


def _clock(seconds: float) -> str:
    """Seconds as m:ss (h:mm:ss from an hour up)."""
    total = round(abs(seconds))
    sign = "-" if seconds < 0 and total else ""
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes}:{secs:02d}"


def number(value: float | None, unit: str) -> str:
    """A KPI value in its unit: 75.0 %, 6:00, 4.50, 85.0, +30."""
    if value is None:
        return "—"
    if unit == Unit.PERCENT:
        return f"{value:.1f} %"
    if unit == Unit.SECONDS:
        return _clock(value)
    if unit == Unit.MONEY:
        return f"{value:,.2f}"
    if unit == Unit.NPS:
        return f"{value:+.0f}"
    return f"{value:.1f}"


def _difference(delta: float, unit: str) -> str:
    if unit == Unit.PERCENT:
        return f"{delta:+.1f} pp"
    if unit == Unit.SECONDS:
        return ("+" if delta >= 0 else "") + _clock(delta)
    if unit == Unit.MONEY:
        return f"{delta:+,.2f}"
    return f"{delta:+.1f}"


def _interval(estimate: stats.Estimate, unit: str) -> str:
    if estimate.ci_low is None or estimate.ci_high is None:
        return ""
    return f"{number(estimate.ci_low, unit)} – {number(estimate.ci_high, unit)}"


def _target(kpi) -> str:
    if kpi.target is None:
        return ""
    sign = "≥" if kpi.better == Better.HIGHER else "≤"
    return f"{sign} {number(float(kpi.target), kpi.unit)}"


def _change(item: selectors.ScoreItem) -> dict[str, Any] | None:
    """This period against the previous one, when both have a figure."""
    if item.value.state != kpis.OK or item.previous.state != kpis.OK:
        return None
    now, before = item.value.estimate.value, item.previous.estimate.value
    if now is None or before is None:
        return None
    delta = now - before
    if abs(delta) < 1e-9:
        direction = "no change"
    elif (delta > 0) == (item.kpi.better == Better.HIGHER):
        direction = "better"
    else:
        direction = "worse"
    return {
        "text": _difference(delta, item.kpi.unit),
        "direction": direction,
        "significant": item.change.significant,
        "p_value": item.change.p_value,
    }


def _shown(value: kpis.KpiValue) -> str:
    if value.state == kpis.OK:
        return number(value.estimate.value, value.kpi.unit)
    if value.state == kpis.NOT_ENOUGH_DATA:
        return "not enough data"
    return "no data yet"


def _survey(value: kpis.KpiValue) -> dict[str, Any] | None:
    """The response rate behind a survey figure, and the low-response warning."""
    survey = value.survey
    if survey is None:
        return None
    rate = survey.response_rate
    mean = survey.mean
    return {
        "invited": survey.invited,
        "answered": survey.answered,
        "rate": number(rate.value, Unit.PERCENT) if rate.value is not None else None,
        "interval": _interval(rate, Unit.PERCENT),
        "warning": survey.warning,
        "mean": None if mean is None or mean.value is None else number(mean.value, Unit.SCORE),
        "mean_interval": "" if mean is None else _interval(mean, Unit.SCORE),
    }


def kpi_row(item: selectors.ScoreItem) -> dict[str, Any]:
    """One KPI as a card shows it."""
    kpi, value = item.kpi, item.value
    return {
        "kpi": kpi,
        "key": kpi.key,
        "name": kpi.name,
        "state": value.state,
        "note": value.note,
        "survey": _survey(value),
        "value": number(value.estimate.value, kpi.unit),
        "interval": _interval(value.estimate, kpi.unit),
        "n": value.estimate.n,
        "target": _target(kpi),
        "on_target": value.on_target,
        "previous": _shown(item.previous),
        "change": _change(item),
        "trend": [(span.label, _shown(v), v.estimate.n) for span, v in item.trend],
        "chart": item.chart() if value.state != kpis.NO_DATA_YET and item.trend else None,
    }


def _soft_skills(card: selectors.Scorecard) -> list[dict[str, Any]]:
    return [
        {
            "category": category,
            "label": QaCategory(category).label,
            "value": number(estimate.value, Unit.PERCENT),
            "interval": _interval(estimate, Unit.PERCENT),
            "n": estimate.n,
            "enough": estimate.value is not None,
        }
        for category, estimate in card.soft_skills.items()
    ]


# --- Shared page parts -----------------------------------------------------------------------------


def _span(request: AuthedHttpRequest, scope: selectors.Scope) -> periods.Span:
    return board.span_for(
        scope=scope, period=request.GET.get("period"), date=request.GET.get("date")
    )


def _period_nav(request: AuthedHttpRequest, span: periods.Span, **keep: Any) -> dict[str, Any]:
    """Links to the other kinds of period and to the periods either side, keeping `keep`."""
    kept = {name: value for name, value in keep.items() if value not in (None, "")}

    def link(period: str, day) -> str:
        return f"{request.path}?{urlencode({'period': period, 'date': day.isoformat(), **kept})}"

    # Switching between day, week and month keeps the day that was asked for, so a week opened
    # from a month is the week one came from, not the month's first.
    try:
        asked = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        asked = span.start
    anchor = asked if span.start <= asked <= span.end else span.start
    earlier, later = span.previous(), span.next()
    return {
        "span": span,
        "periods": [
            {
                "value": value,
                "label": label,
                "url": link(value, anchor),
                "active": value == span.period,
            }
            for value, label in Period.choices
        ],
        "previous": link(span.period, earlier.start)
        if earlier.start >= periods.FIRST_DAY
        else None,
        "previous_label": earlier.label,
        "next": link(span.period, later.start) if span.end < timezone.localdate() else None,
        "next_label": later.label,
        "kept": kept,
    }


def _board(card: selectors.Scorecard) -> dict[str, Any]:
    rows = [kpi_row(item) for item in card.items]
    by_key = {row["key"]: row for row in rows}
    return {
        "card": card,
        "span": card.span,
        "previous_label": card.span.previous().label,
        "groups": [
            (goal, [by_key[item.kpi.key] for item in items]) for goal, items in card.by_goal()
        ],
        "hard": [row for row in rows if row["kpi"].kind == KpiKind.HARD],
        "soft": [row for row in rows if row["kpi"].kind == KpiKind.SOFT],
        "soft_skills": _soft_skills(card),
        "charts": {row["key"]: row["chart"] for row in rows if row["chart"]},
        "min_sample": card.settings.min_sample,
    }


def _render(request: AuthedHttpRequest, page: str, context: dict[str, Any]) -> HttpResponse:
    """The whole page, or only its body when htmx asks (period switching)."""
    template = PARTIAL % page if request.htmx else f"performance/scorecards/{page}.html"
    return render(request, template, context)


def _person(user: User) -> str:
    return user.get_full_name() or user.username


def agent_page_url(agent_id: int) -> str:
    """The agent's own page, where that page exists; the path it will have otherwise."""
    try:
        return reverse("performance:agent_page", args=[agent_id])
    except NoReverseMatch:
        return f"/performance/agents/{agent_id}/"


# --- The KPI wall and the registry -----------------------------------------------------------------


def _wall_scope(request: AuthedHttpRequest) -> selectors.Scope:
    asked = request.GET.get("team", "")
    if not asked:
        return selectors.COMPANY
    if not TEAM_ID.fullmatch(asked):
        raise NotFound("No such team.")
    return selectors.team_scope_for(viewer=request.user, team_id=int(asked))


@role_required(EVERYONE)
def wall(request: AuthedHttpRequest) -> HttpResponse:
    """The company's KPIs by goal, or one team's (?team=) for those who may see it."""
    scope = _wall_scope(request)
    span = _span(request, scope)
    card = selectors.scorecard(scope=scope, span=span)
    team = scope.team
    context = {
        **_board(card),
        "scope": scope,
        "nav": _period_nav(request, span, team=team.pk if team else None),
        "teams": list(selectors.teams_visible_to(viewer=request.user)),
        "agents": _agents(request.user, team) if team else [],
    }
    return _render(request, "wall", context)


def _agents(viewer: User, team: Team) -> list[dict[str, Any]]:
    return [
        {"agent": agent, "name": _person(agent), "page": agent_page_url(agent.pk)}
        for agent in selectors.agents_visible_to(viewer=viewer, team=team)
    ]


@role_required(EVERYONE)
def kpi_detail(request: AuthedHttpRequest, key: str) -> HttpResponse:
    """One KPI's registry entry: what it means, how it is computed, who owns it; the company's
    figure and trend."""
    kpi = selectors.kpi_get(key=key)
    span = _span(request, selectors.COMPANY)
    card = selectors.scorecard(scope=selectors.COMPANY, span=span)
    item = next((item for item in card.items if item.kpi.pk == kpi.pk), None)
    if item is None:
        raise NotFound("No such KPI.")
    row = kpi_row(item)
    context = {
        "kpi": kpi,
        "row": row,
        "span": span,
        "previous_label": span.previous().label,
        "charts": {row["key"]: row["chart"]} if row["chart"] else {},
        "min_sample": card.settings.min_sample,
        "nav": _period_nav(request, span),
    }
    return _render(request, "kpi_detail", context)


# --- Scorecards ------------------------------------------------------------------------------------


@role_required(SCORECARD_READERS)
def my_scorecard(request: AuthedHttpRequest) -> HttpResponse:
    """Where "Scorecard" in the menu leads: an agent's own, a supervisor's team, else the wall."""
    user = request.user
    roles = roles_of(user)
    if Role.AGENT in roles:
        return redirect("performance:agent_scorecard", agent_id=user.pk)
    if Role.SUPERVISOR in roles:
        team = board.team_led_by(viewer=user)
        if team is not None:
            return redirect("performance:team_scorecard", team_id=team.pk)
    return redirect("performance:wall")


@role_required(EVERYONE)
def agent_scorecard(request: AuthedHttpRequest, agent_id: int) -> HttpResponse:
    """One agent's hard and soft metrics and QA soft skills: for the agent, the supervisor of
    the agent's team and admins (everyone else: not found)."""
    scope = selectors.agent_scope_for(viewer=request.user, agent_id=agent_id)
    span = _span(request, scope)
    card = selectors.scorecard(scope=scope, span=span)
    agent = scope.agent
    assert agent is not None
    context = {
        **_board(card),
        "scope": scope,
        "agent": agent,
        "agent_page": agent_page_url(agent.pk),
        "nav": _period_nav(request, span),
    }
    return _render(request, "agent", context)


@role_required(EVERYONE)
def team_scorecard(request: AuthedHttpRequest, team_id: int) -> HttpResponse:
    """A team's aggregate figures, its agents the viewer may open, and (when admins allow it)
    those agents ranked on one KPI."""
    scope = selectors.team_scope_for(viewer=request.user, team_id=team_id)
    team = scope.team
    assert team is not None
    span = _span(request, scope)
    card = selectors.scorecard(scope=scope, span=span)
    ranking = _ranking(request, team, card) if card.settings.ranking_enabled else None
    context = {
        **_board(card),
        "scope": scope,
        "team": team,
        "agents": _agents(request.user, team),
        "ranking": ranking,
        "nav": _period_nav(request, span, rank=ranking["kpi"].key if ranking else None),
    }
    return _render(request, "team", context)


def _ranking(request: AuthedHttpRequest, team: Team, card: selectors.Scorecard) -> dict[str, Any]:
    choices = board.ranking_kpis()
    if not choices:
        return {"kpi": None, "choices": [], "rows": []}
    asked = request.GET.get("rank") or (
        "fcr" if any(k.key == "fcr" for k in choices) else choices[0].key
    )
    kpi = next((choice for choice in choices if choice.key == asked), None)
    if kpi is None:
        message = "Choose a KPI to rank by from the list."
        raise ValidationFailed(message, fields={"rank": [message]})
    rows = board.team_ranking(
        viewer=request.user, team=team, kpi=kpi, span=card.span, settings_row=card.settings
    )
    return {
        "kpi": kpi,
        "choices": choices,
        "rows": [
            {
                "position": position if row.value.state == kpis.OK else None,
                "agent": row.agent,
                "name": _person(row.agent),
                "state": row.value.state,
                "value": number(row.value.estimate.value, kpi.unit),
                "interval": _interval(row.value.estimate, kpi.unit),
                "n": row.value.estimate.n,
            }
            for position, row in enumerate(rows, start=1)
        ],
    }


urls = [
    path("kpis/", wall, name="wall"),
    path("kpis/<slug:key>/", kpi_detail, name="kpi_detail"),
    path("scorecards/", my_scorecard, name="my_scorecard"),
    path("scorecards/agents/<int:agent_id>/", agent_scorecard, name="agent_scorecard"),
    path("scorecards/teams/<int:team_id>/", team_scorecard, name="team_scorecard"),
]
