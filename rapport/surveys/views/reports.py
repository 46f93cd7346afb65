"""The survey report page: a period's CSAT, NPS, CES and response rate with their intervals."""

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from rapport.accounts.http import AuthedHttpRequest
from rapport.core.errors import ValidationFailed
from rapport.core.roles import SURVEY_READERS
from rapport.surveys import stats
from rapport.surveys.selectors import reports as selectors
from rapport.ui.decorators import role_required
from rapport.ui.forms import show_refusal


class PeriodForm(forms.Form):
    period = forms.ChoiceField(
        choices=[("week", "Week"), ("month", "Month"), ("custom", "Custom (up to a year)")],
        initial="month",
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    date = forms.DateField(
        required=False,
        label="A day in the week or month",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    start = forms.DateField(
        required=False,
        label="From (custom)",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    end = forms.DateField(
        required=False,
        label="To (custom)",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def charts(report: selectors.SurveyReport) -> dict:
    """What the charts draw; the tables beside them hold the same figures."""
    weeks = report.weeks
    return {
        "labels": [f"{w.start:%d %b}" for w in weeks],
        "csat": [_pct(w.row.csat.share.value) for w in weeks],
        "csat_low": [_pct(w.row.csat.share.ci_low) for w in weeks],
        "csat_high": [_pct(w.row.csat.share.ci_high) for w in weeks],
        "promoters": [w.row.nps.promoters for w in weeks],
        "passives": [w.row.nps.passives for w in weeks],
        "detractors": [w.row.nps.detractors for w in weeks],
        "response_rate": [_pct(w.row.response_rate.value) for w in weeks],
        "response_low": [_pct(w.row.response_rate.ci_low) for w in weeks],
        "response_high": [_pct(w.row.response_rate.ci_high) for w in weeks],
        "threshold": _pct(report.low_response_threshold),
    }


NOT_ENOUGH = "not enough data"


def _interval(estimate: stats.Estimate, *, percent: bool, digits: int = 1) -> str:
    if estimate.value is None:
        return NOT_ENOUGH
    factor = 100 if percent else 1
    unit = " %" if percent else ""
    value = f"{estimate.value * factor:.{digits}f}{unit}"
    if estimate.ci_low is None or estimate.ci_high is None:
        return value
    low, high = estimate.ci_low * factor, estimate.ci_high * factor
    return f"{value} ({low:.{digits}f}–{high:.{digits}f})"


def _p(comparison: stats.Comparison | None) -> str:
    if comparison is None or comparison.p_value is None:
        return "not tested"
    verdict = "significant" if comparison.significant else "not significant"
    return f"p = {comparison.p_value:.3g}, {verdict}"


def row_display(row: selectors.Row) -> dict:
    """One row of a table, every figure as text with n and its interval."""
    versus = row.versus_rest
    return {
        "key": row.key,
        "label": row.label,
        "invited": row.invited,
        "answered": row.answered,
        "response_rate": _interval(row.response_rate, percent=True),
        "low_response": row.low_response,
        "csat_n": row.csat.n,
        "csat_share": _interval(row.csat.share, percent=True),
        "csat_mean": _interval(row.csat.mean, percent=False, digits=2),
        "nps_n": row.nps.n,
        "nps": _interval(row.nps.score, percent=False),
        "ces_n": row.ces.n,
        "ces": _interval(row.ces, percent=False, digits=2),
        "versus_rest": None if versus is None else _versus(versus),
    }


def _versus(test: stats.GroupTest) -> str:
    if test.p_adjusted is None:
        return "not tested (too few answers)"
    difference = test.comparison.difference or 0.0
    direction = "above" if difference > 0 else "below"
    verdict = "significant" if test.significant else "not significant"
    return f"{abs(difference) * 100:.1f} pts {direction} the rest, Holm p = {test.p_adjusted:.3g} ({verdict})"


def tables(report: selectors.SurveyReport) -> dict:
    return {
        "center": row_display(report.center),
        "previous": row_display(report.previous),
        "changes": {name: _p(comparison) for name, comparison in report.changes.items()},
        "channels": [row_display(r) for r in report.by_channel],
        "contact_types": [row_display(r) for r in report.by_contact_type],
        "teams": None if report.by_team is None else [row_display(r) for r in report.by_team],
        "agents": None if report.by_agent is None else [row_display(r) for r in report.by_agent],
        "weeks": [row_display(w.row) for w in report.weeks],
        "bias": [
            {
                "label": b.label,
                "respondents": _interval(b.respondents, percent=b.measure == "resolved", digits=2),
                "respondents_n": b.respondents.n,
                "non_respondents": _interval(
                    b.non_respondents, percent=b.measure == "resolved", digits=2
                ),
                "non_respondents_n": b.non_respondents.n,
                "effect": "—" if b.effect_size is None else f"{b.effect_name} {b.effect_size:+.2f}",
                "p": "—" if b.p_value is None else f"{b.p_value:.3g}",
                "verdict": b.verdict,
                "differs": b.differs,
            }
            for b in report.bias
        ],
    }


@role_required(SURVEY_READERS)
def report(request: AuthedHttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET)
    context: dict = {"form": form, "report": None}
    status = 200
    if not form.is_valid():
        status = 400
    else:
        data = form.cleaned_data
        try:
            start, end = selectors.period_resolve(
                period=data.get("period") or None,
                date=data.get("date"),
                start=data.get("start"),
                end=data.get("end"),
            )
            result = selectors.report_for(request.user, start=start, end=end)
        except ValidationFailed as exc:
            show_refusal(form, exc)
            status = 400
        else:
            context.update(report=result, charts=charts(result), table=tables(result))
    return render(request, "surveys/reports/report.html", context, status=status)


urls = [path("report/", report, name="report")]
