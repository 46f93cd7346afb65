"""Proficiency pages: a team's agents × skills (learning trackers), one agent's evidence, time to
proficiency of new-hire cohorts and training impact (impact readers: aggregates only)."""

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
    kpi = forms.ChoiceField(label="KPI")
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
        kpi_choices = [(k.key, k.name) for k in selectors.impact_kpis()]
        module_field = self.fields["module"]
        kpi_field = self.fields["kpi"]
        assert isinstance(module_field, forms.ChoiceField)
        assert isinstance(kpi_field, forms.ChoiceField)
        module_field.choices = [("", "Pick a module"), *modules]
        kpi_field.choices = [("", "Pick a KPI"), *kpi_choices]


def _number(value: float | None, unit: str, *, signed: bool = False) -> str:
    if value is None:
        return "—"
    sign = "+" if signed else ""
    if unit == Unit.PERCENT:
        return f"{value:{sign}.1f} {'pp' if signed else '%'}"
    if unit == Unit.SECONDS:
        return f"{value:{sign}.0f} s"
    return f"{value:{sign}.2f}"


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
        "unit": found.kpi.get_unit_display(),
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
                baseline=_baseline(found, unit),
                ci=(
                    _number(found.ci_low, unit, signed=True),
                    _number(found.ci_high, unit, signed=True),
                ),
            )
    status = 400 if request.GET and form.errors and not request.htmx else 200
    template = "partials/_impact_result.html" if request.htmx else "impact.html"
    return render(request, TEMPLATES + template, context, status=status)


urls: list = [
    path("proficiency/", team_matrix, name="proficiency"),
    path("proficiency/agents/<int:agent_id>/", agent_detail, name="proficiency_agent"),
    path("proficiency/cohorts/", cohorts, name="proficiency_cohorts"),
    path("impact/", impact, name="impact"),
]
