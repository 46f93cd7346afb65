"""What customers say, in aggregate (insight readers), and customers ranked by churn risk (churn
risk readers)."""

from typing import Any

from django import forms
from django.shortcuts import render
from django.urls import path

from rapport.accounts.http import AuthedHttpRequest
from rapport.core.pagination import paginate
from rapport.core.roles import CHURN_RISK_READERS, INSIGHT_READERS
from rapport.insights.choices import RiskBand
from rapport.insights.selectors import trends as selectors
from rapport.ui.decorators import role_required
from rapport.ui.forms import StyledFormMixin

TEMPLATES = "insights/trends/"


class PeriodForm(forms.Form):
    days = forms.TypedChoiceField(
        choices=[(d, f"Last {d} days") for d in selectors.PERIODS],
        coerce=int,
        required=False,
        empty_value=selectors.PERIODS[0],  # type: ignore[arg-type]
        label="Period",
    )


class RiskSearchForm(StyledFormMixin, forms.Form):
    q = forms.CharField(
        required=False, max_length=100, label="Customer", help_text="Name, e-mail or phone."
    )
    band = forms.ChoiceField(
        required=False, choices=[("", "Any band"), *RiskBand.choices], label="Band"
    )


def _days(request: AuthedHttpRequest) -> int:
    form = PeriodForm(request.GET)
    return form.cleaned_data["days"] if form.is_valid() else selectors.PERIODS[0]


@role_required(INSIGHT_READERS)
def trends(request: AuthedHttpRequest):
    days = _days(request)
    data = selectors.trends_for(request.user, period=selectors.period_last(days))
    weekly = days > 31
    series = data["by_week"] if weekly else data["by_day"]
    context = {
        "data": data,
        "days": days,
        "periods": selectors.PERIODS,
        "weekly": weekly,
        "series": series,
        "charts": _charts(data, series),
        "can_read_churn_risk": selectors.can_read_churn_risk(request.user),
    }
    return render(request, TEMPLATES + "dashboard.html", context)


def _percent(share: float | None) -> float | None:
    return round(share * 100, 1) if share is not None else None


def _bars(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "labels": [str(r["label"]) for r in rows],
        "mean": [r["mean"] for r in rows],
        "negative": [_percent(r["negative_share"]) for r in rows],
        "n": [r["n"] for r in rows],
    }


def _charts(data: dict[str, Any], series: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures the charts draw, by canvas; the page's tables show the same numbers."""
    intents = data["intents_by_week"]
    return {
        "sentiment": {
            "labels": [r["label"].isoformat() for r in series],
            "mean": [r["mean"] for r in series],
            "negative": [_percent(r["negative_share"]) for r in series],
            "n": [r["n"] for r in series],
        },
        "intents": {
            "labels": [d.isoformat() for d in intents["labels"]],
            "series": [{"label": s["label"], "counts": s["counts"]} for s in intents["series"]],
        },
        "contact_type": _bars(data["by_contact_type"]),
        "product": _bars(data["by_product"]),
    }


@role_required(CHURN_RISK_READERS)
def churn_risk(request: AuthedHttpRequest):
    form = RiskSearchForm(request.GET or None)
    query = band = ""
    if form.is_valid():
        query, band = form.cleaned_data["q"], form.cleaned_data["band"]
    risks = selectors.churn_risk_list_for(request.user, query=query, band=band)
    context = {
        "form": form,
        "page": paginate(request, risks),
        "searching": bool(query or band),
        "distribution": selectors.churn_risk_distribution(),
    }
    return render(request, TEMPLATES + "churn_risk.html", context)


urls = [
    path("", trends, name="trends"),
    path("churn-risk/", churn_risk, name="churn_risk"),
]
