"""Training impact: the KPI change of agents who completed a module against comparable agents who
did not, as a difference in differences with a 95 % confidence interval (pure reads).

- Only complete days count: the last one is yesterday, since today's figures are still coming in.
- Trained agents: agents who completed the module, those who have left since included (as in
  time-to-proficiency cohorts: a group without its leavers would look better than it was); each
  one's date is the local day of their first completion. Their *before* window is the N days
  before that date and their *after* window the N days after it (the day itself is left out:
  part trained, part not). Agents whose after window has not ended by yesterday are left out and
  counted (pending).
- Comparable untrained agents (controls). Agents picked for training by a gap were below target
  when picked, and would drift back towards their usual level untrained (regression to the
  mean); comparing them with everyone else would credit that drift to the module. So each
  trained agent's controls are agents of the same role (agent; leavers included) who had not
  completed the module by the end of that after window (optionally only the trained agent's
  team) and were comparable before, measured over the *same* two windows:
  - when the trained agent's completed assignment came from a gap rule: those for whom the same
    rule fires (as rapport.learning.gaps judges it, its own window and minimum n) on the last
    day of the before window — picked the way the trained agent was;
  - otherwise: those whose before-window KPI lies within a caliper of the trained agent's,
    CALIPER_SD standard deviations of the before-window KPI of all the candidates at that date
    (a common choice for matching on one measure; a spread of zero asks for the same value).
  A trained agent without any control is left out and counted. Each control contributes one
  change: the mean of its changes over the dates it was matched at, so nobody counts twice.
- A change is the KPI (the scorecard's own value from the agent's daily rollups) after minus
  before; an agent-window without enough data (the measurement settings' minimum sample) is left
  out (trained ones are counted as short).
- Only KPIs measurable per agent are offered: queue-level ones (speed of answer, service level,
  abandonment) belong to a queue, not to whoever answered. Survey KPIs, customers saved and QA
  scores are per agent but sparse; when they fall short the reason says what was missing.
- The estimate is mean change of the trained − mean change of the controls; its interval and
  p-value come from Welch's t test (statsmodels CompareMeans, unequal variances), agents being
  the units. The same test on the before-window means shows whether the groups started level;
  when they did not (p < 0.05) a warning says so, since the estimate then leans on the groups
  drifting alike.
- Fewer than MIN_AGENTS agents in either group: "not enough data" and no figure at all, since
  impact is an aggregate and never one person's record.

Speed: every figure comes from one query of daily sums per agent over the span needed (and one
per QA or escalation gap rule), turned into running totals, so any window's totals are a
subtraction whatever its length.
"""

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Sum
from django.utils import timezone
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from rapport.accounts.models import User
from rapport.cases.models import Escalation
from rapport.core.roles import Role
from rapport.learning import gaps
from rapport.learning.choices import AssignmentStatus, GapSource
from rapport.learning.models import Assignment, GapRule, Module
from rapport.learning.proficiency import MIN_COHORT, kpi_columns
from rapport.performance import kpis
from rapport.performance.choices import Answer, Better, Formula, Grain
from rapport.performance.models import (
    DailyRollup,
    Evaluation,
    EvaluationAnswer,
    Kpi,
    MeasurementSettings,
)
from rapport.performance.rollups import day_bounds, measurement_settings

# The same floor as time-to-proficiency cohorts: a group's means never stand for a few people.
MIN_AGENTS = MIN_COHORT
# Caliper for matching on the before-window KPI, in standard deviations of that KPI.
CALIPER_SD = 0.25
MATCHED_BY_GAP, MATCHED_BY_CALIPER = "gap_rule", "caliper"
WINDOWS = (14, 28, 56, 90)
DEFAULT_WINDOW = 28
MATCH_ROLE, MATCH_TEAM = "role", "team"
# Queue-level KPIs: waiting and abandoning happen before any agent answers, so a change in them
# cannot be credited to an agent's training.
QUEUE_FORMULAS = frozenset({Formula.ASA, Formula.SERVICE_LEVEL, Formula.ABANDONMENT})
# What each KPI's minimum sample counts, to say plainly why an agent-window has no figure.
SAMPLE_OF: dict[str, str] = {
    Formula.FCR: "repeat-eligible contacts",
    Formula.REPEAT: "repeat-eligible contacts",
    Formula.AHT: "handled contacts",
    Formula.COST_PER_CONTACT: "handled contacts",
    Formula.TRANSFER: "handled contacts",
    Formula.ESCALATION: "handled contacts",
    Formula.COMPLIMENTS: "handled contacts",
    Formula.SUCCESS: "judged contacts",
    Formula.RELATIONSHIP: "judged contacts",
    Formula.UPSELL: "offers made",
    Formula.REVENUE: "offers made",
    Formula.CSAT: "survey answers",
    Formula.NPS: "survey answers",
    Formula.CES: "survey answers",
    Formula.SAVED: "customers who said they meant to leave",
    Formula.QA_SCORE: "QA evaluations",
}
# Per agent these rarely reach the minimum sample in a short window.
SPARSE_FORMULAS = frozenset(
    {Formula.CSAT, Formula.NPS, Formula.CES, Formula.SAVED, Formula.QA_SCORE}
)


def measurable(kpi: Kpi) -> bool:
    """Whether the KPI can be measured per agent (a queue-level KPI cannot)."""
    return kpi.formula not in QUEUE_FORMULAS


@dataclass(frozen=True)
class Interval:
    mean: float | None
    low: float | None
    high: float | None
    n: int


@dataclass(frozen=True)
class Group:
    """One side of the comparison: how many agents, and their mean before, after and change."""

    agents: int
    before: Interval
    after: Interval
    change: Interval


@dataclass(frozen=True)
class Difference:
    estimate: float
    ci_low: float | None
    ci_high: float | None
    p_value: float | None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < 0.05


@dataclass(frozen=True)
class Impact:
    module: Module
    kpi: Kpi
    window_days: int
    match: str
    trained: Group
    untrained: Group
    enough_data: bool
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    pending: int = 0  # trained agents still inside their after window
    short: int = 0  # trained agents without enough data in a window
    unmatched: int = 0  # trained agents without any comparable untrained agent
    matched_by: dict[str, int] = field(default_factory=dict)  # trained agents per way matched
    baseline: Difference | None = None  # trained minus controls, before-window means
    notes: list[str] = field(default_factory=list)
    last_day: datetime.date | None = None  # the last complete day counted

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < 0.05

    @property
    def not_level(self) -> bool:
        """The groups' before-window means differ beyond noise."""
        return self.baseline is not None and self.baseline.significant


def _finite(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def interval(values: Sequence[float]) -> Interval:
    """Mean and 95 % t interval (statsmodels DescrStatsW)."""
    if not values:
        return Interval(None, None, None, 0)
    if len(values) < 2:
        return Interval(float(values[0]), None, None, 1)
    described = DescrStatsW(np.asarray(values, dtype=float))
    with np.errstate(all="ignore"):
        low, high = described.tconfint_mean(alpha=0.05)
    return Interval(float(described.mean), _finite(low), _finite(high), len(values))


def difference_in_differences(trained: Sequence[float], untrained: Sequence[float]) -> Difference:
    """Mean change of the trained − mean change of the untrained, Welch's 95 % interval."""
    compared = CompareMeans(
        DescrStatsW(np.asarray(trained, dtype=float)),
        DescrStatsW(np.asarray(untrained, dtype=float)),
    )
    estimate = float(np.mean(trained) - np.mean(untrained))
    with np.errstate(all="ignore"):
        low, high = compared.tconfint_diff(alpha=0.05, usevar="unequal")
        _, p_value, _ = compared.ttest_ind(usevar="unequal")
    return Difference(estimate, _finite(low), _finite(high), _finite(p_value))


# --- Running totals -------------------------------------------------------------------------------


class _Running:
    """Daily figures per agent as running totals along the days, so the totals of any window
    [first, last] are running[last] − running[first − 1]: two lookups whatever its length.
    `daily` is (agents, …, days) with day 0 = `start`; days outside the span count as zero."""

    def __init__(self, start: datetime.date, daily: np.ndarray):
        self.start = start
        self.days = daily.shape[-1]
        zero = np.zeros((*daily.shape[:-1], 1))
        self.running = np.concatenate([zero, np.cumsum(daily, axis=-1)], axis=-1)

    def window(self, first: datetime.date, last: datetime.date) -> np.ndarray:
        """Totals per agent (and any middle axes) over the days first…last, inclusive."""
        low = min(max((first - self.start).days, 0), self.days)
        high = min(max((last - self.start).days + 1, 0), self.days)
        if high <= low:
            return np.zeros(self.running.shape[:-1])
        return self.running[..., high] - self.running[..., low]


class _Ledger:
    """KPI figures of agents over windows: one rollup query (and one QA query for the QA score)
    over the whole span, as running totals."""

    def __init__(
        self,
        agent_ids: list[int],
        start: datetime.date,
        end: datetime.date,
        columns: Iterable[str],
        *,
        channels: set[str] | None,
        needs_qa: bool,
        settings_row: MeasurementSettings,
    ):
        """channels: the channels kept apart ({""} sums them all in the query; None keeps
        every channel apart)."""
        self.agent_ids = agent_ids
        self.row = {agent_id: i for i, agent_id in enumerate(agent_ids)}
        self.columns = sorted(set(columns))
        self.settings_row = settings_row
        days = max((end - start).days + 1, 0)
        daily = self._daily(start, end, days, channels)
        self.sums = _Running(start, daily)
        self.qa = _Running(
            start, self._qa_daily(start, end, days) if needs_qa else np.zeros((0, 3, 0))
        )
        self.needs_qa = needs_qa
        self.cache: dict[tuple, list[kpis.Totals]] = {}

    def _daily(self, start, end, days: int, channels: set[str] | None) -> np.ndarray:
        """(agents, channels, columns, days) of summed rollup columns, from one query."""
        rows = DailyRollup.objects.filter(
            grain=Grain.AGENT, agent_id__in=self.agent_ids, day__gte=start, day__lte=end
        ).order_by()
        if channels is not None and "" not in channels:
            rows = rows.filter(channel__in=channels)
        keys = ["agent", "day"] if channels == {""} else ["agent", "day", "channel"]
        found = list(
            rows.values(*keys)
            .annotate(**{name: Sum(name) for name in self.columns})
            .values_list(*keys, *self.columns)
        )
        width = len(keys)
        self.channels = [""] if channels == {""} else sorted({row[2] for row in found})
        channel_at = {name: i for i, name in enumerate(self.channels)}
        daily = np.zeros((len(self.agent_ids), len(self.channels), len(self.columns), days))
        if not found:
            return daily
        agent_index = [self.row[row[0]] for row in found]
        channel_index = [0 if width == 2 else channel_at[row[2]] for row in found]
        day_index = [(row[1] - start).days for row in found]
        figures = np.array([row[width:] for row in found], dtype=float)
        figures = np.nan_to_num(figures)  # a column summed over no value is NULL
        for column in range(len(self.columns)):
            daily[agent_index, channel_index, column, day_index] = figures[:, column]
        return daily

    def _qa_daily(self, start: datetime.date, end: datetime.date, days: int) -> np.ndarray:
        begin, _ = day_bounds(start)
        _, finish = day_bounds(end)
        daily = np.zeros((len(self.agent_ids), 3, days))
        scores = kpis.counted_evaluations(
            Evaluation.objects.filter(
                agent_id__in=self.agent_ids, submitted_at__gte=begin, submitted_at__lt=finish
            )
        ).values_list("agent", "submitted_at", "score")
        for agent_id, submitted_at, score in scores:
            if submitted_at is None or score is None:
                continue
            day = (timezone.localtime(submitted_at).date() - start).days
            if 0 <= day < days:
                daily[self.row[agent_id], :, day] += (1, float(score), float(score) ** 2)
        return daily

    def totals(self, first: datetime.date, last: datetime.date) -> list[kpis.Totals]:
        """Every agent's totals over first…last (in agent_ids order)."""
        key = (first, last)
        if key not in self.cache:
            sums = self.sums.window(first, last)
            qa = self.qa.window(first, last) if self.needs_qa else None
            found = []
            for i in range(len(self.agent_ids)):
                by_channel = {}
                for c, name in enumerate(self.channels):
                    channel = dict.fromkeys(kpis.SUMMED, 0)
                    channel.update(zip(self.columns, sums[i, c].tolist(), strict=True))
                    by_channel[name] = channel
                moments = (0, 0.0, 0.0) if qa is None else (int(qa[i, 0]), qa[i, 1], qa[i, 2])
                found.append(kpis.Totals(by_channel=by_channel, qa=moments))
            self.cache[key] = found
        return self.cache[key]

    def values(self, kpi: Kpi, first: datetime.date, last: datetime.date) -> dict[int, float]:
        """{agent id: the KPI over first…last} for agents with enough data."""
        found = {}
        for agent_id, totals in zip(self.agent_ids, self.totals(first, last), strict=True):
            value = kpis.kpi_value(kpi, totals, self.settings_row)
            if value.state == kpis.OK and value.estimate.value is not None:
                found[agent_id] = value.estimate.value
        return found


class _RuleJudge:
    """Who a gap rule picks out on a day, judged as rapport.learning.gaps judges it, from the
    ledger's running totals (KPI rules) or one query of daily counts per rule (QA criterion
    and preventable-escalation rules)."""

    def __init__(self, rule: GapRule, ledger: _Ledger, start: datetime.date, end: datetime.date):
        self.rule = rule
        self.ledger = ledger
        self.counts: _Running | None = None
        if rule.source == GapSource.QA_CRITERION:
            self.counts = _Running(start, self._qa_daily(start, end))
        elif rule.source == GapSource.PREVENTABLE_ESCALATIONS:
            self.counts = _Running(start, self._escalations_daily(start, end))

    def _days(self, start: datetime.date, end: datetime.date) -> int:
        return max((end - start).days + 1, 0)

    def _qa_daily(self, start: datetime.date, end: datetime.date) -> np.ndarray:
        """(agents, [met, answered], days)."""
        begin, _ = day_bounds(start)
        _, finish = day_bounds(end)
        evaluations = kpis.counted_evaluations(
            Evaluation.objects.filter(
                agent_id__in=self.ledger.agent_ids, submitted_at__gte=begin, submitted_at__lt=finish
            )
        )
        rows = (
            EvaluationAnswer.objects.filter(
                evaluation__in=evaluations, criterion_id=self.rule.qa_criterion_id
            )
            .exclude(answer=Answer.NOT_APPLICABLE)
            .values_list("evaluation__agent", "evaluation__submitted_at", "answer")
        )
        days = self._days(start, end)
        daily = np.zeros((len(self.ledger.agent_ids), 2, days))
        for agent_id, submitted_at, answer in rows:
            day = (timezone.localtime(submitted_at).date() - start).days
            if 0 <= day < days:
                daily[self.ledger.row[agent_id], :, day] += (answer == Answer.MET, 1)
        return daily

    def _escalations_daily(self, start: datetime.date, end: datetime.date) -> np.ndarray:
        """(agents, [preventable escalations], days)."""
        begin, _ = day_bounds(start)
        _, finish = day_bounds(end)
        rows = Escalation.objects.filter(
            escalated_by_id__in=self.ledger.agent_ids,
            preventable=True,
            escalated_at__gte=begin,
            escalated_at__lt=finish,
        )
        if self.rule.escalation_reason_id is not None:
            rows = rows.filter(reason_id=self.rule.escalation_reason_id)
        days = self._days(start, end)
        daily = np.zeros((len(self.ledger.agent_ids), 1, days))
        for agent_id, escalated_at in rows.values_list("escalated_by", "escalated_at"):
            day = (timezone.localtime(escalated_at).date() - start).days
            if 0 <= day < days:
                daily[self.ledger.row[agent_id], 0, day] += 1
        return daily

    def fired(self, day: datetime.date) -> set[int]:
        first, last = gaps.window(self.rule, day)
        if self.rule.source == GapSource.KPI:
            return self._kpi_fired(first, last)
        assert self.counts is not None
        counts = self.counts.window(first, last)
        if self.rule.source == GapSource.QA_CRITERION:
            pairs = [(int(met), int(n)) for met, n in counts.tolist()]
            higher, unit = True, "%"
        else:
            handled = self._handled(first, last)
            pairs = [
                (min(int(row[0]), n), n) for row, n in zip(counts.tolist(), handled, strict=True)
            ]
            higher, unit = False, "per 100 contacts"
        return {
            agent_id
            for agent_id, (count, n) in zip(self.ledger.agent_ids, pairs, strict=True)
            if gaps.rate_measure(
                agent_id, first, last, count, n, rule=self.rule, higher=higher, unit=unit
            ).is_gap
        }

    def _handled(self, first: datetime.date, last: datetime.date) -> list[int]:
        return [int(totals.of("")["handled"]) for totals in self.ledger.totals(first, last)]

    def _kpi_fired(self, first: datetime.date, last: datetime.date) -> set[int]:
        kpi = self.rule.kpi
        assert kpi is not None
        target = gaps.rule_target(self.rule)
        higher = kpi.better == Better.HIGHER
        found = set()
        for agent_id, totals in zip(
            self.ledger.agent_ids, self.ledger.totals(first, last), strict=True
        ):
            estimate = kpis.kpi_value(kpi, totals, self.ledger.settings_row).estimate
            if gaps.kpi_gap(estimate, target, higher, self.rule.min_n):
                found.add(agent_id)
        return found


# --- Who was trained, and their controls -------------------------------------------------------


def _windows(anchor: datetime.date, days: int) -> tuple[tuple, tuple]:
    one = datetime.timedelta(days=1)
    span = datetime.timedelta(days=days)
    return (anchor - span, anchor - one), (anchor + one, anchor + span)


def _agents() -> dict[int, User]:
    """Every agent, those who have left included."""
    people = User.objects.filter(groups__name=Role.AGENT).distinct().order_by("pk")
    return {person.pk: person for person in people}


@dataclass(frozen=True)
class Completion:
    """A trained agent: the day of their first completion, and the gap rule behind it if any."""

    day: datetime.date
    rule_id: int | None


def _completions(module: Module) -> dict[int, Completion]:
    rows = (
        Assignment.objects.filter(
            module=module, status=AssignmentStatus.COMPLETED, completed_at__isnull=False
        )
        .order_by("agent", "completed_at", "pk")
        .values_list("agent", "completed_at", "gap_rule")
    )
    found: dict[int, Completion] = {}
    for agent_id, completed_at, rule_id in rows:
        if agent_id not in found:
            found[agent_id] = Completion(timezone.localtime(completed_at).date(), rule_id)
    return found


class _Matcher:
    """Finds each trained agent's comparable untrained agents (see the module's docstring)."""

    def __init__(
        self,
        ledger: _Ledger,
        kpi: Kpi,
        agents: dict[int, User],
        completed: dict,
        match: str,
        judges: dict[int, _RuleJudge],
    ):
        self.ledger = ledger
        self.kpi = kpi
        self.agents = agents
        self.completed = completed
        self.match = match
        self.judges = judges
        self.fired: dict[tuple[int, datetime.date], set[int]] = {}

    def candidates(self, agent_id: int, after_end: datetime.date) -> list[int]:
        team = self.agents[agent_id].team_id
        found = []
        for other_id, other in self.agents.items():
            done = self.completed.get(other_id)
            if other_id == agent_id or (done is not None and done.day <= after_end):
                continue
            if self.match == MATCH_TEAM and other.team_id != team:
                continue
            found.append(other_id)
        return found

    def _fired(self, rule_id: int, day: datetime.date) -> set[int]:
        if (rule_id, day) not in self.fired:
            self.fired[(rule_id, day)] = self.judges[rule_id].fired(day)
        return self.fired[(rule_id, day)]

    def controls(
        self, agent_id: int, completion: Completion, before: tuple, after: tuple, own: float
    ) -> tuple[str, dict[int, tuple[float, float]]]:
        """How the agent was matched, and {control id: (before, after)}."""
        befores = self.ledger.values(self.kpi, *before)
        afters = self.ledger.values(self.kpi, *after)
        seen = {
            other_id: (befores[other_id], afters[other_id])
            for other_id in self.candidates(agent_id, after[1])
            if other_id in befores and other_id in afters
        }
        if completion.rule_id is not None and completion.rule_id in self.judges:
            fired = self._fired(completion.rule_id, before[1])
            return MATCHED_BY_GAP, {a: pair for a, pair in seen.items() if a in fired}
        values = [b for b, _ in seen.values()]
        spread = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
        caliper = CALIPER_SD * spread + 1e-9
        return MATCHED_BY_CALIPER, {
            a: pair for a, pair in seen.items() if abs(pair[0] - own) <= caliper
        }


def _rules(ready: dict[int, Completion]) -> list[GapRule]:
    ids = {done.rule_id for done in ready.values() if done.rule_id is not None}
    return list(
        GapRule.objects.filter(pk__in=ids).select_related(
            "kpi", "qa_criterion", "escalation_reason"
        )
    )


def _span(
    ready: dict[int, Completion], window_days: int, rules: list[GapRule], last_day: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """The days any figure needs: every window, and every rule's window ending where the before
    window does; never past the last complete day."""
    days = [done.day for done in ready.values()]
    longest = max([window_days, *(rule.window_days for rule in rules)])
    start = min(days) - datetime.timedelta(days=longest)
    return start, min(max(days) + datetime.timedelta(days=window_days), last_day)


def _channels(kpi_list: list[Kpi]) -> set[str] | None:
    """The channels a ledger must keep apart: cost per contact prices each channel, so all of
    them; otherwise the KPIs' own channels ("" for all channels summed)."""
    if any(k.formula == Formula.COST_PER_CONTACT for k in kpi_list):
        return None
    return {k.channel for k in kpi_list}


def _ledger_columns(kpi: Kpi, rules: list[GapRule]) -> set[str]:
    columns = set(kpi_columns([kpi, *(r.kpi for r in rules if r.kpi is not None)]))
    if any(r.source == GapSource.PREVENTABLE_ESCALATIONS for r in rules):
        columns.add("handled")
    return columns


def training_impact(
    *,
    module: Module,
    kpi: Kpi,
    window_days: int = DEFAULT_WINDOW,
    match: str = MATCH_ROLE,
    today: datetime.date | None = None,
) -> Impact:
    today = today or timezone.localdate()
    last_day = today - datetime.timedelta(days=1)
    agents = _agents()
    completed = _completions(module)
    anchors = {a: done for a, done in completed.items() if a in agents}
    ready = {
        a: done
        for a, done in anchors.items()
        if done.day + datetime.timedelta(days=window_days) <= last_day
    }
    pending = len(anchors) - len(ready)
    empty = Group(0, *(Interval(None, None, None, 0),) * 3)
    if not ready:
        return Impact(
            module, kpi, window_days, match, empty, empty, False, pending=pending, last_day=last_day
        )
    rules = _rules(ready)
    start, end = _span(ready, window_days, rules, last_day)
    needs_qa = kpi.formula == Formula.QA_SCORE or any(
        r.kpi is not None and r.kpi.formula == Formula.QA_SCORE for r in rules
    )
    ledger = _Ledger(
        list(agents),
        start,
        end,
        _ledger_columns(kpi, rules),
        channels=_channels([kpi, *(r.kpi for r in rules if r.kpi is not None)]),
        needs_qa=needs_qa,
        settings_row=measurement_settings(),
    )
    judges = {rule.pk: _RuleJudge(rule, ledger, start, end) for rule in rules}
    matcher = _Matcher(ledger, kpi, agents, completed, match, judges)
    trained_rows: list[tuple[float, float]] = []
    control_rows: dict[int, list[tuple[float, float]]] = defaultdict(list)
    short = unmatched = 0
    matched_by: dict[str, int] = defaultdict(int)
    for agent_id, done in sorted(ready.items()):
        before, after = _windows(done.day, window_days)
        own_before = ledger.values(kpi, *before).get(agent_id)
        own_after = ledger.values(kpi, *after).get(agent_id)
        if own_before is None or own_after is None:
            short += 1
            continue
        how, controls = matcher.controls(agent_id, done, before, after, own_before)
        if not controls:
            unmatched += 1
            continue
        matched_by[how] += 1
        trained_rows.append((own_before, own_after))
        for other_id, seen in controls.items():
            control_rows[other_id].append(seen)
    untrained_rows = [
        (float(np.mean([b for b, _ in rows])), float(np.mean([a for _, a in rows])))
        for rows in control_rows.values()
    ]
    counts = {
        "pending": pending,
        "short": short,
        "unmatched": unmatched,
        "matched_by": dict(matched_by),
        "last_day": last_day,
    }
    return _impact(module, kpi, window_days, match, trained_rows, untrained_rows, counts)


def _group(rows: Sequence[tuple[float, float]]) -> Group:
    return Group(
        agents=len(rows),
        before=interval([b for b, _ in rows]),
        after=interval([a for _, a in rows]),
        change=interval([a - b for b, a in rows]),
    )


def short_reason(kpi: Kpi, window_days: int, short: int) -> str:
    """Why trained agents had no figure, in plain words, and what to try."""
    what = SAMPLE_OF.get(kpi.formula, "data")
    minimum = measurement_settings().min_sample
    text = (
        f"{short} trained agent{'s' if short != 1 else ''} had too few {what} in "
        f"{window_days} days before or after (the minimum sample is {minimum})"
    )
    longer = [w for w in WINDOWS if w > window_days]
    if longer:
        return f"{text}; try a longer window."
    return f"{text}, even in the longest window."


def _impact(module, kpi, window_days, match, trained_rows, untrained_rows, counts) -> Impact:
    enough = len(trained_rows) >= MIN_AGENTS and len(untrained_rows) >= MIN_AGENTS
    notes = []
    if not enough:
        notes.append(
            f"Not enough data: each group needs at least {MIN_AGENTS} agents with figures in "
            f"both windows ({len(trained_rows)} trained, {len(untrained_rows)} comparable "
            "untrained)."
        )
        if counts["short"]:
            notes.append(short_reason(kpi, window_days, counts["short"]))
        hidden = Group(0, *(Interval(None, None, None, 0),) * 3)
        return Impact(module, kpi, window_days, match, hidden, hidden, False, **counts, notes=notes)
    found = difference_in_differences(
        [a - b for b, a in trained_rows], [a - b for b, a in untrained_rows]
    )
    baseline = difference_in_differences(
        [b for b, _ in trained_rows], [b for b, _ in untrained_rows]
    )
    if baseline.significant:
        notes.append(
            "The groups did not start level: their before-window means differ beyond noise, so "
            "the estimate assumes both would have drifted alike without the module."
        )
    return Impact(
        module=module,
        kpi=kpi,
        window_days=window_days,
        match=match,
        trained=_group(trained_rows),
        untrained=_group(untrained_rows),
        enough_data=True,
        estimate=found.estimate,
        ci_low=found.ci_low,
        ci_high=found.ci_high,
        p_value=found.p_value,
        baseline=baseline,
        notes=notes,
        **counts,
    )
