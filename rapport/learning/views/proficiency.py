"""Proficiency pages: a team's agents × skills (learning trackers), one agent's evidence, review
retention and mastery of the agents a tracker follows (groups only), time to proficiency of
new-hire cohorts and training impact (impact readers: aggregates only)."""

from typing import Any

from django import forms
from django.shortcuts import render
from django.urls import path

from rapport.accounts.http import AuthedHttpRequest
from rapport.core.errors import ValidationFailed
from rapport.core.roles import IMPACT_READERS, LEARNING_TRACKERS, Role
from rapport.learning import impact as training
from rapport.learning import proficiency as levels
from rapport.learning.selectors import proficiency as selectors
from rapport.performance.choices import Unit
from rapport.ui.decorators import role_required
from rapport.ui.forms import StyledFormMixin, show_refusal

TEMPLATES = "learning/"
PROFICIENCY_READERS = LEARNING_TRACKERS | {Role.AGENT}


@role_required(LEARNING_TRACKERS)
def team_matrix(request: AuthedHttpRequest):
    teams = list(selectors.teams_for(viewer=request.user))
    asked = request.GET.get("team")
    team = None
    if asked:
        team = selectors.team_get_for(viewer=request.user, team_id=asked)
    elif teams:
        team = teams[0]
    matrix = selectors.team_proficiency(viewer=request.user, team=team) if team else None
    context = {"teams": teams, "team": team, "matrix": matrix, "levels": levels.LEVEL_LABELS}
    if request.htmx and matrix is not None:
        return render(request, TEMPLATES + "partials/_proficiency_matrix.html", context)
    return render(request, TEMPLATES + "proficiency.html", context)


@role_required(PROFICIENCY_READERS)
def agent_detail(request: AuthedHttpRequest, agent_id: int):
    agent = selectors.agent_get_for(viewer=request.user, agent_id=agent_id)
    found = selectors.proficiency_for_agent(viewer=request.user, agent=agent)
    return render(request, TEMPLATES + "proficiency_agent.html", {"proficiency": found})


def _curve(survival: levels.Survival) -> dict[str, Any]:
    return {
        "points": [
            {"x": t, "y": round(100 * (1 - p), 1)}
            for t, p in zip(survival.times, survival.not_yet, strict=True)
        ]
    }


@role_required(IMPACT_READERS)
def cohorts(request: AuthedHttpRequest):
    report = selectors.cohorts_for(viewer=request.user)
    chart = {
        "cohorts": [
            {"label": cohort.label, **_curve(cohort.survival)}
            for cohort in report.cohorts
            if cohort.shown and cohort.survival.times
        ]
    }
    context = {"report": report, "chart": chart, "min_cohort": report.min_cohort}
    return render(request, TEMPLATES + "cohorts.html", context)


class ImpactForm(StyledFormMixin, forms.Form):
    module = forms.ChoiceField(label="Module", help_text="Agents who completed it are the trained.")
    kpi = forms.ChoiceField(
        label="KPI",
        help_text=(
            "KPIs measured per agent. Queue-level ones (speed of answer, service level, "
            "abandonment) are not offered; surveys, customers saved and QA scores are sparse per "
            "agent and need a long window."
        ),
    )
    window = forms.TypedChoiceField(
        label="Window",
        coerce=int,
        initial=training.DEFAULT_WINDOW,
        choices=[(days, f"{days} days before and after") for days in training.WINDOWS],
    )
    match = forms.ChoiceField(
        label="Compared with",
        initial=training.MATCH_ROLE,
        choices=[
            (training.MATCH_ROLE, "Comparable untrained agents (same role)"),
            (training.MATCH_TEAM, "Comparable untrained agents of the same team"),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        modules = [(str(m.pk), f"{m.title} ({m.skill})") for m in selectors.impact_modules()]
        kpi_choices = [
            (k.key, f"{k.name} (sparse: use a long window)" if sparse(k) else k.name)
            for k in selectors.impact_kpis()
        ]
        module_field = self.fields["module"]
        kpi_field = self.fields["kpi"]
        assert isinstance(module_field, forms.ChoiceField)
        assert isinstance(kpi_field, forms.ChoiceField)
        module_field.choices = [("", "Pick a module"), *modules]
        kpi_field.choices = [("", "Pick a KPI"), *kpi_choices]


def sparse(kpi) -> bool:
    return kpi.formula in training.SPARSE_FORMULAS


# How the chart's axis and the table's heading name each unit; money as the KPI wall shows it
# (two decimals, thousands separated, in the center's currency).
UNIT_LABELS: dict[str, str] = {
    Unit.PERCENT: "%",
    Unit.SECONDS: "seconds",
    Unit.SCORE: "points",
    Unit.MONEY: "currency",
    Unit.NPS: "NPS points",
}


def _number(value: float | None, unit: str, *, signed: bool = False) -> str:
    if value is None:
        return "—"
    sign = "+" if signed else ""
    if unit == Unit.PERCENT:
        return f"{value:{sign}.1f} {'pp' if signed else '%'}"
    if unit == Unit.SECONDS:
        return f"{value:{sign}.0f} s"
    if unit == Unit.MONEY:
        return f"{value:{sign},.2f}"
    if unit == Unit.NPS:
        return f"{value:+.1f}"
    return f"{value:{sign}.2f}"


def _axis(groups: tuple[training.Group, ...]) -> dict[str, float | None]:
    """Suggested bounds that hold every mean and interval with a little room, so a change of a
    few points does not look flat against an axis from zero."""
    figures = [
        value
        for group in groups
        for part in (group.before, group.after)
        for value in (part.mean, part.low, part.high)
        if value is not None
    ]
    if not figures:
        return {"min": None, "max": None}
    low, high = min(figures), max(figures)
    room = (high - low) * 0.15 or max(abs(high) * 0.05, 1.0)
    return {"min": round(low - room, 2), "max": round(high + room, 2)}


def _impact_chart(found: training.Impact) -> dict[str, Any]:
    def bars(group: training.Group) -> dict[str, Any]:
        parts = (group.before, group.after)
        return {
            "means": [p.mean for p in parts],
            "ranges": [[p.low, p.high] if p.low is not None else None for p in parts],
            "n": group.agents,
        }

    return {
        "labels": ["Before", "After"],
        "unit": UNIT_LABELS.get(found.kpi.unit, found.kpi.get_unit_display()),
        "axis": _axis((found.trained, found.untrained)),
        "trained": bars(found.trained),
        "untrained": bars(found.untrained),
    }


def _impact_table(found: training.Impact) -> list[dict[str, Any]]:
    unit = found.kpi.unit
    rows = []
    for label, group in (("Trained", found.trained), ("Untrained", found.untrained)):
        rows.append(
            {
                "label": label,
                "agents": group.agents,
                **{
                    name: {
                        "mean": _number(part.mean, unit, signed=name == "change"),
                        "low": _number(part.low, unit, signed=name == "change"),
                        "high": _number(part.high, unit, signed=name == "change"),
                        "has_ci": part.low is not None,
                    }
                    for name, part in (
                        ("before", group.before),
                        ("after", group.after),
                        ("change", group.change),
                    )
                },
            }
        )
    return rows


def _baseline(found: training.Impact, unit: str) -> dict[str, Any] | None:
    """The groups' before-window difference, formatted, with whether it is beyond noise."""
    if found.baseline is None:
        return None
    return {
        "estimate": _number(found.baseline.estimate, unit, signed=True),
        "low": _number(found.baseline.ci_low, unit, signed=True),
        "high": _number(found.baseline.ci_high, unit, signed=True),
        "p_value": found.baseline.p_value,
        "not_level": found.not_level,
    }


@role_required(IMPACT_READERS)
def impact(request: AuthedHttpRequest):
    form = ImpactForm(request.GET or None)
    context: dict[str, Any] = {
        "form": form,
        "min_agents": training.MIN_AGENTS,
        "caliper_sd": training.CALIPER_SD,
    }
    if request.GET and form.is_valid():
        data = form.cleaned_data
        try:
            question = selectors.impact_question(
                module=data["module"],
                kpi=data["kpi"],
                window=str(data["window"]),
                match=data["match"],
            )
            found = selectors.impact_for(viewer=request.user, question=question)
        except ValidationFailed as refusal:
            show_refusal(form, refusal)
        else:
            unit = found.kpi.unit
            context.update(
                result=found,
                chart=_impact_chart(found),
                table=_impact_table(found),
                estimate=_number(found.estimate, unit, signed=True),
                unit_label=UNIT_LABELS.get(unit, found.kpi.get_unit_display()),
                baseline=_baseline(found, unit),
                ci=(
                    _number(found.ci_low, unit, signed=True),
                    _number(found.ci_high, unit, signed=True),
                ),
            )
    status = 400 if request.GET and form.errors and not request.htmx else 200
    template = "partials/_impact_result.html" if request.htmx else "impact.html"
    return render(request, TEMPLATES + template, context, status=status)


class RetentionForm(StyledFormMixin, forms.Form):
    period = forms.TypedChoiceField(
        label="Period",
        coerce=int,
        initial=selectors.DEFAULT_RETENTION_DAYS,
        choices=[(days, f"Last {days} days") for days in selectors.RETENTION_PERIODS],
    )


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _retention_chart(report: selectors.RetentionReport) -> dict[str, Any]:
    return {
        "weeks": [
            {
                "label": f"{week.start:%d %b}",
                "actual": _percent(week.retention.value),
                "low": _percent(week.retention.ci_low),
                "high": _percent(week.retention.ci_high),
                "predicted": _percent(week.predicted),
                "n": week.retention.n,
            }
            for week in report.weeks
        ]
    }


@role_required(LEARNING_TRACKERS)
def retention(request: AuthedHttpRequest):
    form = RetentionForm(request.GET or None)
    days = selectors.DEFAULT_RETENTION_DAYS
    status = 200
    if request.GET:
        if form.is_valid():
            days = form.cleaned_data["period"]
        else:
            status = 400
    report = selectors.retention_for(viewer=request.user, days=days)
    context = {
        "form": form,
        "report": report,
        "chart": _retention_chart(report),
        "group_titles": {"team": "By team", "module": "By module", "skill": "By skill"},
    }
    template = "partials/_retention_body.html" if request.htmx else "retention.html"
    return render(request, TEMPLATES + template, context, status=status)


urls: list = [
    path("proficiency/", team_matrix, name="proficiency"),
    path("proficiency/agents/<int:agent_id>/", agent_detail, name="proficiency_agent"),
    path("proficiency/cohorts/", cohorts, name="proficiency_cohorts"),
    path("retention/", retention, name="retention"),
    path("impact/", impact, name="impact"),
]
