"""KPI values from rollups: one calculator per formula, every value an Estimate with n and interval.

Survey KPIs (CSAT, NPS, customer effort) also carry the response rate behind them; a low one is a
warning shown with the figure (GLOSSARY). A KPI whose data comes from a capability that is not
collecting yet (PENDING) says "no data yet" instead of showing a number.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DateField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Trunc
from django.utils import timezone

from rapport.performance import stats
from rapport.performance.choices import SOFT_SKILLS, Answer, Better, EvaluationStatus, Formula
from rapport.performance.models import (
    DailyRollup,
    Evaluation,
    EvaluationAnswer,
    Kpi,
    MeasurementSettings,
)

SUMMED = (
    "offered",
    "answered",
    "answered_in_sl",
    "abandoned",
    "short_abandoned",
    "wait_sum",
    "wait_sumsq",
    "handled",
    "handle_sum",
    "handle_sumsq",
    "transferred",
    "escalated",
    "fcr_n",
    "fcr_repeat",
    "success_n",
    "success_yes",
    "relationship_n",
    "relationship_yes",
    "compliments",
    "offers_made",
    "offers_accepted",
    "revenue",
    "intent_n",
    "saved",
    "survey_invited",
    "csat_n",
    "csat_top2",
    "csat_sum",
    "csat_sumsq",
    "nps_n",
    "nps_promoters",
    "nps_detractors",
    "ces_n",
    "ces_sum",
    "ces_sumsq",
)

OK, NOT_ENOUGH_DATA, NO_DATA_YET = "ok", "not_enough_data", "no_data_yet"
# Below this share of invited customers answering, survey figures carry a warning.
LOW_RESPONSE_RATE = 10.0


@dataclass
class Totals:
    """Summed rollup columns per channel, plus QA evaluation sums for the same scope."""

    by_channel: dict[str, dict] = field(default_factory=dict)
    qa: tuple[int, float, float] = (0, 0.0, 0.0)

    _combined: dict[str, dict] = field(default_factory=dict, repr=False, compare=False)

    def of(self, channel: str = "") -> dict:
        """Sums over one channel or all, and which channels they cover (`channels`). Kept per
        channel, since every KPI of a page asks again."""
        if channel not in self._combined:
            combined: dict = dict.fromkeys(SUMMED, 0)
            combined["channels"] = [
                name for name in self.by_channel if name == channel or not channel
            ]
            for name in combined["channels"]:
                for key in SUMMED:
                    combined[key] += self.by_channel[name][key]
            self._combined[channel] = combined
        return self._combined[channel]


@dataclass(frozen=True)
class SurveyFigures:
    """What a survey KPI rests on: how many customers were invited, how many answered its
    question (the response rate, in %) and, for CSAT, the mean answer on 1–5."""

    invited: int
    answered: int
    response_rate: stats.Estimate
    mean: stats.Estimate | None = None

    @property
    def low_response(self) -> bool:
        rate = self.response_rate.value
        return rate is not None and rate < LOW_RESPONSE_RATE

    @property
    def warning(self) -> str:
        rate = self.response_rate.value
        if rate is None or not self.low_response:
            return ""
        return (
            f"Low response rate: {rate:.1f} % ({self.answered} of {self.invited} invited "
            "customers answered). Those who answer may not speak for those who did not."
        )


@dataclass(frozen=True)
class KpiValue:
    kpi: Kpi
    estimate: stats.Estimate
    state: str
    note: str = ""
    survey: SurveyFigures | None = None

    @property
    def on_target(self) -> bool | None:
        if self.state != OK or self.kpi.target is None:
            return None
        return meets(self.kpi, self.estimate.value, self.kpi.target)


def meets(kpi: Kpi, value: float | None, target: Decimal) -> bool | None:
    """Whether a value reaches a target, in the KPI's better direction (None: no value)."""
    if value is None:
        return None
    if kpi.better == Better.HIGHER:
        return value >= float(target)
    return value <= float(target)


def _sum(rows: Iterable[dict]) -> dict[str, dict]:
    by_channel: dict[str, dict] = defaultdict(lambda: dict.fromkeys(SUMMED, 0))
    for row in rows:
        target = by_channel[row["channel"]]
        for name in SUMMED:
            target[name] += row[name] or 0
    return dict(by_channel)


def rollup_sums(rollups: QuerySet[DailyRollup]) -> dict[str, dict]:
    """Sum a filtered set of rollups per channel in one query."""
    return _sum(
        rollups.order_by().values("channel").annotate(**{name: Sum(name) for name in SUMMED})
    )


def rollup_sums_by_period(
    rollups: QuerySet[DailyRollup], period: str = "day"
) -> dict[datetime.date, dict[str, dict]]:
    """Sum per period (day, Monday-to-Sunday week or month, keyed by its first day) and channel
    in one query: a year of weekly trend is 53 × channels rows, whatever the number of days."""
    rows = (
        rollups.order_by()
        .annotate(bucket=Trunc("day", period, output_field=DateField()))
        .values("bucket", "channel")
        .annotate(**{n: Sum(n) for n in SUMMED})
    )
    per_period: dict[datetime.date, list[dict]] = defaultdict(list)
    for row in rows:
        per_period[row["bucket"]].append(row)
    return {start: _sum(period_rows) for start, period_rows in per_period.items()}


def counted_evaluations(queryset: QuerySet[Evaluation]) -> QuerySet[Evaluation]:
    """The evaluations a QA score counts: submitted, not calibration, not voided."""
    return queryset.filter(
        status=EvaluationStatus.SUBMITTED, calibration__isnull=True, score__isnull=False
    )


def _moments(scores: list[float]) -> tuple[int, float, float]:
    return len(scores), sum(scores), sum(score * score for score in scores)


def qa_sums(evaluations: QuerySet[Evaluation]) -> tuple[int, float, float]:
    """(n, sum, sum of squares) of counted QA scores."""
    scores = counted_evaluations(evaluations).values_list("score", flat=True)
    return _moments([float(score) for score in scores if score is not None])


def qa_sums_by_day(evaluations: QuerySet[Evaluation]) -> dict[datetime.date, tuple]:
    """(n, sum, sum of squares) of counted QA scores per local day of submission."""
    per_day: dict[datetime.date, list[float]] = defaultdict(list)
    rows = counted_evaluations(evaluations).values_list("submitted_at", "score")
    for submitted_at, score in rows:
        if submitted_at is not None and score is not None:
            per_day[timezone.localtime(submitted_at).date()].append(float(score))
    return {day: _moments(scores) for day, scores in per_day.items()}


def merge_days(
    per_day: dict[datetime.date, dict[str, dict]],
    qa_per_day: dict[datetime.date, tuple],
    start: datetime.date,
    end: datetime.date,
) -> Totals:
    """Totals for start..end (inclusive) out of sums keyed by the first day of what they cover
    (a day, or a whole period that lies inside start..end)."""
    rows: list[dict] = []
    for day, channels in per_day.items():
        if start <= day <= end:
            rows.extend({"channel": channel, **sums} for channel, sums in channels.items())
    n = total = total_sq = 0.0
    for day, (qn, qs, qss) in qa_per_day.items():
        if start <= day <= end:
            n, total, total_sq = n + qn, total + qs, total_sq + qss
    return Totals(by_channel=_sum(rows), qa=(int(n), total, total_sq))


def _percent(estimate: stats.Estimate) -> stats.Estimate:
    return stats.scaled(estimate, 100.0)


def _rate(k: str, n: str, *, complement: bool = False):
    def calculate(sums: dict, settings_row: MeasurementSettings, totals: Totals) -> stats.Estimate:
        count, total = int(sums[k]), int(sums[n])
        if complement:
            count = total - count
        return _percent(stats.rate(count, total, min_n=settings_row.min_sample))

    return calculate


def _mean(n: str, total: str, total_sq: str):
    def calculate(sums: dict, settings_row: MeasurementSettings, totals: Totals) -> stats.Estimate:
        return stats.mean(
            int(sums[n]), float(sums[total]), float(sums[total_sq]), min_n=settings_row.min_sample
        )

    return calculate


def _qa_score(sums: dict, settings_row: MeasurementSettings, totals: Totals) -> stats.Estimate:
    n, total, total_sq = totals.qa
    return stats.mean(n, total, total_sq, min_n=settings_row.min_sample)


def _revenue(sums: dict, settings_row: MeasurementSettings, totals: Totals) -> stats.Estimate:
    # A total of recorded holdings, not an estimate from a sample: no interval.
    return stats.Estimate(value=float(sums["revenue"] or 0), n=int(sums["offers_made"]))


def _cost_per_contact(
    sums: dict, settings_row: MeasurementSettings, totals: Totals
) -> stats.Estimate:
    """Staff cost of handling time plus each channel's cost, per handled contact.

    The interval is the handle-time interval priced at the staff rate; channel costs are fixed.
    """
    handled = int(sums["handled"])
    handle = stats.mean(
        handled,
        float(sums["handle_sum"]),
        float(sums["handle_sumsq"]),
        min_n=settings_row.min_sample,
    )
    if handle.value is None or handle.ci_low is None or handle.ci_high is None:
        return handle
    per_second = float(settings_row.staff_cost_per_hour) / 3600
    costs = settings_row.channel_costs or {}
    channel_cost = (
        sum(
            float(Decimal(str(costs.get(name, 0)))) * totals.by_channel[name]["handled"]
            for name in sums["channels"]
        )
        / handled
    )
    return stats.Estimate(
        value=handle.value * per_second + channel_cost,
        n=handled,
        ci_low=handle.ci_low * per_second + channel_cost,
        ci_high=handle.ci_high * per_second + channel_cost,
    )


def _nps(sums: dict, settings_row: MeasurementSettings, totals: Totals) -> stats.Estimate:
    return stats.nps(
        int(sums["nps_promoters"]),
        int(sums["nps_detractors"]),
        int(sums["nps_n"]),
        min_n=settings_row.min_sample,
    )


Calculator = Callable[[dict, MeasurementSettings, Totals], stats.Estimate]

# Rates: (what is counted, out of what). FCR is the share *not* repeated.
RATES: dict[str, tuple[str, str]] = {
    Formula.FCR: ("fcr_repeat", "fcr_n"),
    Formula.REPEAT: ("fcr_repeat", "fcr_n"),
    Formula.SERVICE_LEVEL: ("answered_in_sl", "offered"),
    Formula.ABANDONMENT: ("abandoned", "offered"),
    Formula.TRANSFER: ("transferred", "handled"),
    Formula.ESCALATION: ("escalated", "handled"),
    Formula.SUCCESS: ("success_yes", "success_n"),
    Formula.SAVED: ("saved", "intent_n"),
    Formula.UPSELL: ("offers_accepted", "offers_made"),
    Formula.RELATIONSHIP: ("relationship_yes", "relationship_n"),
    Formula.COMPLIMENTS: ("compliments", "handled"),
    Formula.CSAT: ("csat_top2", "csat_n"),
}
COMPLEMENTS = frozenset({Formula.FCR})
# Means and what they rest on: (n, sum, sum of squares). Cost per contact prices handle time.
MEANS: dict[str, tuple[str, str, str]] = {
    Formula.AHT: ("handled", "handle_sum", "handle_sumsq"),
    Formula.ASA: ("answered", "wait_sum", "wait_sumsq"),
    Formula.COST_PER_CONTACT: ("handled", "handle_sum", "handle_sumsq"),
    Formula.CES: ("ces_n", "ces_sum", "ces_sumsq"),
}
# Survey KPIs and the answers they count; each is shown with its response rate.
SURVEY_ANSWERS: dict[str, str] = {
    Formula.CSAT: "csat_n",
    Formula.NPS: "nps_n",
    Formula.CES: "ces_n",
}

CALCULATORS: dict[str, Calculator] = {
    **{
        formula: _rate(k, n, complement=formula in COMPLEMENTS) for formula, (k, n) in RATES.items()
    },
    Formula.AHT: _mean(*MEANS[Formula.AHT]),
    Formula.ASA: _mean(*MEANS[Formula.ASA]),
    Formula.CES: _mean(*MEANS[Formula.CES]),
    Formula.NPS: _nps,
    Formula.REVENUE: _revenue,
    Formula.COST_PER_CONTACT: _cost_per_contact,
    Formula.QA_SCORE: _qa_score,
}
# KPIs whose data comes from a capability that is not collecting yet, and why (none today).
PENDING: dict[str, str] = {}


def survey_figures(formula: str, sums: dict, settings_row: MeasurementSettings) -> SurveyFigures:
    """The response rate behind a survey KPI (and CSAT's mean answer)."""
    answered, invited = int(sums[SURVEY_ANSWERS[formula]]), int(sums["survey_invited"])
    mean = None
    if formula == Formula.CSAT:
        mean = _mean("csat_n", "csat_sum", "csat_sumsq")(sums, settings_row, Totals())
    return SurveyFigures(
        invited=invited,
        answered=answered,
        response_rate=_percent(stats.rate(answered, invited, min_n=settings_row.min_sample)),
        mean=mean,
    )


def kpi_value(kpi: Kpi, totals: Totals, settings_row: MeasurementSettings) -> KpiValue:
    if kpi.formula in PENDING:
        return KpiValue(
            kpi=kpi, estimate=stats.Estimate.empty(), state=NO_DATA_YET, note=PENDING[kpi.formula]
        )
    sums = totals.of(kpi.channel)
    estimate = CALCULATORS[kpi.formula](sums, settings_row, totals)
    if kpi.formula == Formula.REVENUE and estimate.n == 0:
        return KpiValue(
            kpi=kpi, estimate=estimate, state=NO_DATA_YET, note="No offers recorded yet."
        )
    state = OK if estimate.value is not None else NOT_ENOUGH_DATA
    survey = None
    if kpi.formula in SURVEY_ANSWERS:
        survey = survey_figures(kpi.formula, sums, settings_row)
    return KpiValue(kpi=kpi, estimate=estimate, state=state, survey=survey)


def change(kpi: Kpi, now: Totals, before: Totals) -> stats.Comparison:
    """Is this period different from the one before, beyond noise? A z test for rates (CSAT's
    top-two box among them), Welch's t test for means (customer effort among them), a z test on
    the difference with both multinomial variances for NPS; no test for totals and for KPIs
    without data."""
    a, b = now.of(kpi.channel), before.of(kpi.channel)
    if kpi.formula in RATES:
        k, n = RATES[kpi.formula]
        return stats.compare_rates(int(a[k]), int(a[n]), int(b[k]), int(b[n]))
    if kpi.formula in MEANS:
        n, total, total_sq = MEANS[kpi.formula]
        return stats.compare_means(
            int(a[n]), float(a[total]), float(a[total_sq]),
            int(b[n]), float(b[total]), float(b[total_sq]),
        )  # fmt: skip
    if kpi.formula == Formula.QA_SCORE:
        return stats.compare_means(*now.qa, *before.qa)
    if kpi.formula == Formula.NPS:
        return stats.compare_nps(
            int(a["nps_promoters"]), int(a["nps_detractors"]), int(a["nps_n"]),
            int(b["nps_promoters"]), int(b["nps_detractors"]), int(b["nps_n"]),
        )  # fmt: skip
    return stats.Comparison(p_value=None, significant=False)


def kpis_active() -> list[Kpi]:
    return list(Kpi.objects.filter(is_active=True).select_related("owner"))


def soft_skill_rates(
    evaluations: QuerySet[Evaluation], settings_row: MeasurementSettings
) -> dict[str, stats.Estimate]:
    """Share of soft-skill criteria met, per category, over counted evaluations (in %)."""
    rows = (
        EvaluationAnswer.objects.filter(
            evaluation__in=counted_evaluations(evaluations),
            criterion__category__in=SOFT_SKILLS,
        )
        .exclude(answer=Answer.NOT_APPLICABLE)
        .values("criterion__category")
        .annotate(n=Count("id"), met=Coalesce(Count("id", filter=Q(answer=Answer.MET)), 0))
    )
    found = {row["criterion__category"]: row for row in rows}
    return {
        category: _percent(
            stats.rate(
                found.get(category, {}).get("met", 0),
                found.get(category, {}).get("n", 0),
                min_n=settings_row.min_sample,
            )
        )
        for category in SOFT_SKILLS
    }
