"""Measuring one gap rule for a set of agents on one day (pure reads).

A gap is a measure that "stays below target over a window with enough data":

- the window is the rule's `window_days` ending on the day asked for (inclusive);
- there is enough data when n reaches the rule's `min_n` (handled contacts for KPIs and
  preventable escalations, the KPI's own n, e.g. repeat-eligible contacts for FCR; evaluations
  for a QA criterion);
- KPI rules: the value comes from rapport.performance.kpis over the agent's daily rollups, so it is
  the scorecard's own figure. It is a gap only when the whole 95 % interval lies on the wrong side of
  the target (in the KPI's better direction); a figure without an interval (a recorded total) is
  judged on its point estimate. Requiring the interval keeps an agent whose true figure may well
  be on target from being sent training over noise.
- QA criterion rules: the share of the agent's counted evaluations that met the criterion (not
  applicable answers left out), a gap when the share is below the threshold %.
- Preventable escalations: escalations the agent raised that were marked preventable (the
  reason's flag as it stood when escalated; optionally only one reason) per 100 handled contacts,
  a gap when above the threshold.

QA and escalation rules are judged on the point estimate: their thresholds are the trainer's own
line, and the Wilson interval is still shown as evidence.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from rapport.accounts.models import User
from rapport.cases.models import Escalation
from rapport.learning.choices import GapSource
from rapport.learning.models import GapRule
from rapport.performance import kpis, stats
from rapport.performance.choices import Answer, Better, Formula, Grain, Unit
from rapport.performance.models import DailyRollup, Evaluation, EvaluationAnswer
from rapport.performance.rollups import day_bounds, measurement_settings


@dataclass(frozen=True)
class GapMeasure:
    """One agent's figure for one rule over one window, and whether it is a gap."""

    agent_id: int
    start: datetime.date
    end: datetime.date
    value: float | None
    n: int
    target: float | None
    ci_low: float | None
    ci_high: float | None
    is_gap: bool
    higher_is_better: bool
    unit: str  # "%", "seconds", "per 100 contacts" …

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def evidence(self, rule: GapRule) -> dict:
        """What an assignment keeps as its evidence (JSON)."""
        return {
            "rule": rule.pk,
            "rule_name": rule.name,
            "source": rule.source,
            "measure": measure_label(rule),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "value": _round(self.value),
            "n": self.n,
            "target": _round(self.target),
            "ci_low": _round(self.ci_low),
            "ci_high": _round(self.ci_high),
            "unit": self.unit,
            "higher_is_better": self.higher_is_better,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def window(rule: GapRule, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    return day - datetime.timedelta(days=rule.window_days - 1), day


def measure_label(rule: GapRule) -> str:
    if rule.source == GapSource.KPI and rule.kpi is not None:
        return rule.kpi.name
    if rule.source == GapSource.QA_CRITERION and rule.qa_criterion is not None:
        return f"QA: {rule.qa_criterion.text}"
    if rule.escalation_reason is not None:
        return f"Preventable escalations ({rule.escalation_reason.name})"
    return "Preventable escalations"


def rule_target(rule: GapRule) -> Decimal | None:
    """The threshold the rule compares with: for a KPI rule without one, the KPI's target."""
    if rule.threshold is not None:
        return rule.threshold
    if rule.source == GapSource.KPI and rule.kpi is not None:
        return rule.kpi.target
    return None


def measure(rule: GapRule, agents: Iterable[User], day: datetime.date) -> dict[int, GapMeasure]:
    """{agent id: GapMeasure} for every agent given, over the rule's window ending on `day`.
    A fixed number of queries whatever the number of agents."""
    agent_ids = [agent.pk for agent in agents]
    if not agent_ids:
        return {}
    if rule.source == GapSource.KPI:
        return _kpi(rule, agent_ids, day)
    if rule.source == GapSource.QA_CRITERION:
        return _qa(rule, agent_ids, day)
    return _escalations(rule, agent_ids, day)


def _rollup_sums(agent_ids: list[int], start, end) -> dict[int, dict[str, dict]]:
    rows = (
        DailyRollup.objects.filter(
            grain=Grain.AGENT, agent_id__in=agent_ids, day__gte=start, day__lte=end
        )
        .order_by()
        .values("agent", "channel")
        .annotate(**{name: Sum(name) for name in kpis.SUMMED})
    )
    found: dict[int, dict[str, dict]] = defaultdict(dict)
    for row in rows:
        found[row["agent"]][row["channel"]] = {name: row[name] or 0 for name in kpis.SUMMED}
    return found


def _qa_sums(agent_ids: list[int], start, end) -> dict[int, tuple[int, float, float]]:
    begin, _ = day_bounds(start)
    _, finish = day_bounds(end)
    scores: dict[int, list[float]] = defaultdict(list)
    counted = kpis.counted_evaluations(
        Evaluation.objects.filter(
            agent_id__in=agent_ids, submitted_at__gte=begin, submitted_at__lt=finish
        )
    ).values_list("agent", "score")
    for agent_id, score in counted:
        if score is not None:
            scores[agent_id].append(float(score))
    return {
        agent_id: (len(values), sum(values), sum(v * v for v in values))
        for agent_id, values in scores.items()
    }


def _kpi(rule: GapRule, agent_ids: list[int], day: datetime.date) -> dict[int, GapMeasure]:
    kpi = rule.kpi
    assert kpi is not None
    start, end = window(rule, day)
    settings_row = measurement_settings()
    sums = _rollup_sums(agent_ids, start, end)
    qa = _qa_sums(agent_ids, start, end) if kpi.formula == Formula.QA_SCORE else {}
    target = rule_target(rule)
    higher = kpi.better == Better.HIGHER
    found = {}
    for agent_id in agent_ids:
        totals = kpis.Totals(by_channel=sums.get(agent_id, {}), qa=qa.get(agent_id, (0, 0.0, 0.0)))
        estimate = kpis.kpi_value(kpi, totals, settings_row).estimate
        found[agent_id] = GapMeasure(
            agent_id=agent_id,
            start=start,
            end=end,
            value=estimate.value,
            n=estimate.n,
            target=None if target is None else float(target),
            ci_low=estimate.ci_low,
            ci_high=estimate.ci_high,
            is_gap=kpi_gap(estimate, target, higher, rule.min_n),
            higher_is_better=higher,
            unit=kpi.get_unit_display() if kpi.unit != Unit.PERCENT else "%",
        )
    return found


def kpi_gap(estimate: stats.Estimate, target: Decimal | None, higher: bool, min_n: int) -> bool:
    if target is None or estimate.value is None or estimate.n < min_n:
        return False
    line = float(target)
    # The bound nearest the target must be on the wrong side too (see the module docstring).
    nearest = estimate.ci_high if higher else estimate.ci_low
    if nearest is None:
        nearest = estimate.value
    return nearest < line if higher else nearest > line


def rate_measure(
    agent_id: int, start, end, count: int, n: int, *, rule: GapRule, higher: bool, unit: str
) -> GapMeasure:
    target = rule_target(rule)
    value = low = high = None
    if n > 0:
        value = 100.0 * count / n
        low, high = (100.0 * bound for bound in stats.wilson(count, n))
    is_gap = False
    if target is not None and value is not None and n >= rule.min_n:
        is_gap = value < float(target) if higher else value > float(target)
    return GapMeasure(
        agent_id=agent_id,
        start=start,
        end=end,
        value=value,
        n=n,
        target=None if target is None else float(target),
        ci_low=low,
        ci_high=high,
        is_gap=is_gap,
        higher_is_better=higher,
        unit=unit,
    )


def _qa(rule: GapRule, agent_ids: list[int], day: datetime.date) -> dict[int, GapMeasure]:
    start, end = window(rule, day)
    begin, _ = day_bounds(start)
    _, finish = day_bounds(end)
    evaluations = kpis.counted_evaluations(
        Evaluation.objects.filter(
            agent_id__in=agent_ids, submitted_at__gte=begin, submitted_at__lt=finish
        )
    )
    rows = (
        EvaluationAnswer.objects.filter(
            evaluation__in=evaluations, criterion_id=rule.qa_criterion_id
        )
        .exclude(answer=Answer.NOT_APPLICABLE)
        .values("evaluation__agent")
        .annotate(n=Count("id"), met=Count("id", filter=Q(answer=Answer.MET)))
    )
    counts = {row["evaluation__agent"]: (row["met"], row["n"]) for row in rows}
    return {
        agent_id: rate_measure(
            agent_id, start, end, *counts.get(agent_id, (0, 0)), rule=rule, higher=True, unit="%"
        )
        for agent_id in agent_ids
    }


def _escalations(rule: GapRule, agent_ids: list[int], day: datetime.date) -> dict[int, GapMeasure]:
    start, end = window(rule, day)
    begin, _ = day_bounds(start)
    _, finish = day_bounds(end)
    escalations = Escalation.objects.filter(
        escalated_by_id__in=agent_ids,
        preventable=True,
        escalated_at__gte=begin,
        escalated_at__lt=finish,
    )
    if rule.escalation_reason_id is not None:
        escalations = escalations.filter(reason_id=rule.escalation_reason_id)
    counted = dict(
        escalations.order_by()
        .values("escalated_by")
        .annotate(n=Count("id"))
        .values_list("escalated_by", "n")
    )
    handled = dict(
        DailyRollup.objects.filter(
            grain=Grain.AGENT, agent_id__in=agent_ids, day__gte=start, day__lte=end
        )
        .order_by()
        .values("agent")
        .annotate(n=Sum("handled"))
        .values_list("agent", "n")
    )
    return {
        agent_id: rate_measure(
            agent_id,
            start,
            end,
            min(counted.get(agent_id, 0), handled.get(agent_id) or 0),
            handled.get(agent_id) or 0,
            rule=rule,
            higher=False,
            unit="per 100 contacts",
        )
        for agent_id in agent_ids
    }


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    text = f"{value:.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.1f}"
    return f"{text} {unit}"


def reason_text(rule: GapRule, found: GapMeasure) -> str:
    """The reason an agent reads, in plain words."""
    days = f"over the last {found.days} days"
    value, target = _number(found.value, found.unit), _number(found.target, found.unit)
    if rule.source == GapSource.KPI and rule.kpi is not None:
        bound = "" if found.higher_is_better else "at most "
        name = (
            rule.kpi.name[:1].lower() + rule.kpi.name[1:]
            if rule.kpi.name[1:2].islower()
            else rule.kpi.name
        )
        return f"Your {name} was {value} {days} (n = {found.n}); the target is {bound}{target}."
    if rule.source == GapSource.QA_CRITERION and rule.qa_criterion is not None:
        return (
            f"You met “{rule.qa_criterion.text}” in {value} of your evaluated contacts {days} "
            f"(n = {found.n}); the aim is at least {target}."
        )
    what = "preventable escalations"
    if rule.escalation_reason is not None:
        what = f"preventable escalations for “{rule.escalation_reason.name}”"
    return (
        f"Your {what} were {value} {days} (n = {found.n} handled contacts); "
        f"the aim is at most {target}."
    )
