"""What customers say, in aggregate: sentiment, intents and topics by period, contact type, product
and channel. No figure here names a person; the churn-risk list (which does) is a separate
selector for CHURN_RISK_READERS.

Every figure is computed in the database (one GROUP BY per table), on SQLite and PostgreSQL alike.
Intents and topics are JSON lists on each signal; they are counted with one filtered COUNT per
key over the JSON text (`'"churn"'` occurs in the list or not), which both databases do.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone
from statsmodels.stats.proportion import proportion_confint

from rapport.core.errors import PermissionDenied
from rapport.core.roles import CHURN_RISK_READERS, INSIGHT_READERS, has_any_role
from rapport.customers import selectors as customer_selectors
from rapport.customers.choices import HoldingStatus
from rapport.insights.choices import Intent, RiskBand, Sentiment
from rapport.insights.models import ChurnRisk, InteractionSignal
from rapport.insights.text import TOPICS

PERIODS = (30, 90)
MAX_DAYS = 366
# Below this many scored contacts a group's mean and negative share are "not enough data".
MIN_N = 10
TOP_TOPICS = 8
NOT_SET = "Not set"


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def period_last(days: int, *, end: datetime.date | None = None) -> Period:
    end = end or timezone.localdate()
    return Period(start=end - datetime.timedelta(days=days - 1), end=end)


def can_read_insights(user) -> bool:
    return has_any_role(user, INSIGHT_READERS)


def can_read_churn_risk(user) -> bool:
    return has_any_role(user, CHURN_RISK_READERS)


def trends_for(user, *, period: Period) -> dict[str, Any]:
    """Every aggregate the insights dashboard and API show, for one period."""
    if not can_read_insights(user):
        raise PermissionDenied("Only insight readers may see what customers say in aggregate.")
    signals = InteractionSignal.objects.filter(day__gte=period.start, day__lte=period.end)
    overall = _figures(_totals(signals))
    return {
        "start": period.start,
        "end": period.end,
        "days": period.days,
        "min_n": MIN_N,
        "overall": overall,
        "by_day": _by_day(signals, period),
        "by_week": _by_week(signals),
        "by_contact_type": _grouped(signals, "interaction__contact_type__name"),
        "by_product": _by_product(signals),
        "by_channel": _grouped(signals, "channel"),
        "intents": _intents(signals, overall["n"]),
        "intents_by_week": _intents_by_week(signals),
        "topics": _topics(signals, overall["n"]),
        "risk": churn_risk_distribution(),
    }


# --- Sentiment figures --------------------------------------------------------------------------


def _totals(signals: QuerySet[InteractionSignal]) -> dict[str, Any]:
    return signals.aggregate(**_aggregates())


def _aggregates() -> dict[str, Any]:
    return {
        "n": Count("id"),
        "mean": Avg("compound"),
        "negative": Count("id", filter=Q(sentiment=Sentiment.NEGATIVE)),
    }


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    """n, mean compound and negative share with its Wilson 95% interval; None below MIN_N."""
    n, negative = row["n"] or 0, row["negative"] or 0
    enough = n >= MIN_N
    low = high = None
    if enough:
        low, high = (float(x) for x in proportion_confint(negative, n, method="wilson"))
    return {
        "n": n,
        "enough_data": enough,
        "mean": round(row["mean"], 4) if enough and row["mean"] is not None else None,
        "negative": negative,
        "negative_share": round(negative / n, 4) if enough else None,
        "negative_low": round(low, 4) if low is not None else None,
        "negative_high": round(high, 4) if high is not None else None,
    }


def _by_day(signals: QuerySet[InteractionSignal], period: Period) -> list[dict[str, Any]]:
    rows = {r["day"]: r for r in signals.values("day").annotate(**_aggregates()).order_by("day")}
    empty = {"n": 0, "mean": None, "negative": 0}
    days = (period.start + datetime.timedelta(days=i) for i in range(period.days))
    return [{"label": day, **_figures(rows.get(day, empty))} for day in days]


def _by_week(signals: QuerySet[InteractionSignal]) -> list[dict[str, Any]]:
    rows = (
        signals.annotate(week=TruncWeek("day"))
        .values("week")
        .annotate(**_aggregates())
        .order_by("week")
    )
    return [{"label": _as_date(r["week"]), **_figures(r)} for r in rows]


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def _grouped(signals: QuerySet[InteractionSignal], key: str) -> list[dict[str, Any]]:
    rows = signals.values(label=F(key)).annotate(**_aggregates()).order_by("-n", "label")
    return [{"label": r["label"] or NOT_SET, **_figures(r)} for r in rows]


def _by_product(signals: QuerySet[InteractionSignal]) -> list[dict[str, Any]]:
    """A contact counts once for each product its customer holds now (so the rows overlap);
    contacts of customers with no active product are not in any row."""
    held = signals.filter(
        customer__holdings__status=HoldingStatus.ACTIVE,
        customer__holdings__ended_on__isnull=True,
    )
    return _grouped(held, "customer__holdings__product__name")


# --- Intents and topics ---------------------------------------------------------------------------


def _json_has(field: str, key: str) -> Q:
    # The list is stored as JSON text on both databases: '"churn"' is in it or not.
    return Q(**{f"{field}__icontains": f'"{key}"'})


def _intents(signals: QuerySet[InteractionSignal], total: int) -> list[dict[str, Any]]:
    counts = signals.aggregate(
        **{
            intent.value: Count("id", filter=_json_has("intents", intent.value))
            for intent in Intent
        }
    )
    return [
        {"intent": intent.value, "label": intent.label, "n": counts[intent.value] or 0, "of": total}
        for intent in Intent
    ]


def _intents_by_week(signals: QuerySet[InteractionSignal]) -> dict[str, Any]:
    rows = list(
        signals.annotate(week=TruncWeek("day"))
        .values("week")
        .annotate(
            total=Count("id"),
            **{i.value: Count("id", filter=_json_has("intents", i.value)) for i in Intent},
        )
        .order_by("week")
    )
    return {
        "labels": [_as_date(r["week"]) for r in rows],
        "totals": [r["total"] for r in rows],
        "series": [
            {"intent": i.value, "label": i.label, "counts": [r[i.value] for r in rows]}
            for i in Intent
        ],
    }


def _topics(signals: QuerySet[InteractionSignal], total: int) -> list[dict[str, Any]]:
    counts = signals.aggregate(
        **{key: Count("id", filter=_json_has("topics", key)) for key in TOPICS}
    )
    found = [
        {"topic": key, "label": label, "n": counts[key] or 0, "of": total}
        for key, (label, _words) in TOPICS.items()
        if counts[key]
    ]
    found.sort(key=lambda t: (-int(t["n"]), str(t["label"])))
    return found[:TOP_TOPICS]


# --- Churn risk -----------------------------------------------------------------------------------


def churn_risk_distribution() -> dict[str, Any]:
    """How many customers fall in each risk band, and the mean score: no customer is named."""
    # A score left on a record merged into another is kept for undo, not counted twice.
    risks = ChurnRisk.objects.filter(customer__merged_into__isnull=True)
    rows = {r["band"]: r["n"] for r in risks.values("band").annotate(n=Count("id"))}
    mean = risks.aggregate(mean=Avg("score"))["mean"]
    bands = [
        {"band": band.value, "label": band.label, "n": rows.get(band.value, 0)}
        for band in (RiskBand.HIGH, RiskBand.MEDIUM, RiskBand.LOW)
    ]
    return {
        "n": sum(b["n"] for b in bands),
        "mean": round(mean, 4) if mean is not None else None,
        "bands": bands,
    }


def churn_risk_list_for(user, *, query: str = "", band: str = "") -> QuerySet[ChurnRisk]:
    """Customers by churn risk, highest first, limited to those the user may see; search by name,
    e-mail or phone as the customer search does."""
    if not can_read_churn_risk(user):
        return ChurnRisk.objects.none()
    customers = customer_selectors.customer_search_for(user=user, query=query)
    risks = ChurnRisk.objects.filter(customer__in=customers.order_by().values("pk"))
    if band in RiskBand.values:
        risks = risks.filter(band=band)
    return risks.select_related("customer").order_by("-score", "customer_id")


def churn_risk_of(*, user, customer_id: int) -> tuple[Any, ChurnRisk | None]:
    """A customer the user may read (else NotFound) and their stored risk, if computed."""
    customer = customer_selectors.customer_get_for(user=user, customer_id=customer_id)
    return customer, ChurnRisk.objects.filter(customer=customer).first()
