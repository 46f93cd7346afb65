"""Training impact: the KPI change of agents who completed a module against comparable agents who
did not, as a difference in differences with a 95 % confidence interval (pure reads).

- Trained agents: active agents who completed the module; each one's date is the local day of
  their first completion. Their *before* window is the N days before that date and their *after*
  window the N days after it (the day itself is left out: part trained, part not). Agents whose
  after window has not ended yet are left out and counted.
- Comparable untrained agents (controls). Agents picked for training by a gap were below target
  when picked, and would drift back towards their usual level untrained (regression to the
  mean); comparing them with everyone else would credit that drift to the module. So each
  trained agent's controls are active agents of the same role (agent) who had not completed the
  module by the end of that after window (optionally only the trained agent's team) and were
  comparable before, measured over the *same* two windows:
  - when the trained agent's completed assignment came from a gap rule: those for whom the same
    rule fires (rapport.learning.gaps, its own window and minimum n) on the last day of the
    before window — picked the way the trained agent was;
  - otherwise: those whose before-window KPI lies within a caliper of the trained agent's,
    CALIPER_SD standard deviations of the before-window KPI of all the candidates at that date
    (a common choice for matching on one measure; a spread of zero asks for the same value).
  A trained agent without any control is left out and counted. Each control contributes one
  change: the mean of its changes over the dates it was matched at, so nobody counts twice.
- A change is the KPI (the scorecard's own value from the agent's daily rollups) after minus
  before; an agent-window without enough data (the measurement settings' minimum sample) is left
  out.
- The estimate is mean change of the trained − mean change of the controls; its interval and
  p-value come from Welch's t test (statsmodels CompareMeans, unequal variances), agents being
  the units. The same test on the before-window means shows whether the groups started level;
  when they did not (p < 0.05) a warning says so, since the estimate then leans on the groups
  drifting alike.
- Fewer than MIN_AGENTS agents in either group: "not enough data" and no figure at all, since
  impact is an aggregate and never one person's record.
"""

import datetime
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from django.utils import timezone
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from rapport.accounts.models import User
from rapport.core.roles import Role
from rapport.learning import gaps
from rapport.learning.choices import AssignmentStatus
from rapport.learning.models import Assignment, GapRule, Module
from rapport.learning.proficiency import MIN_COHORT, daily_qa, daily_sums, kpi_columns
from rapport.performance import kpis
from rapport.performance.choices import Formula
from rapport.performance.models import Kpi, MeasurementSettings
from rapport.performance.rollups import measurement_settings

# The same floor as time-to-proficiency cohorts: a group's means never stand for a few people.
MIN_AGENTS = MIN_COHORT
# Caliper for matching on the before-window KPI, in standard deviations of that KPI.
CALIPER_SD = 0.25
MATCHED_BY_GAP, MATCHED_BY_CALIPER = "gap_rule", "caliper"
WINDOWS = (14, 28, 56, 90)
DEFAULT_WINDOW = 28
MATCH_ROLE, MATCH_TEAM = "role", "team"


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


class _Ledger:
    """KPI values of agents over windows, from one rollup query (and one QA query)."""

    def __init__(self, kpi: Kpi, agent_ids: list[int], start, end, settings_row):
        self.kpi = kpi
        self.columns = kpi_columns([kpi])
        self.per_agent = daily_sums(agent_ids, start, end, self.columns)
        self.qa = daily_qa(agent_ids, start, end) if kpi.formula == Formula.QA_SCORE else {}
        self.settings_row: MeasurementSettings = settings_row
        self.cache: dict[tuple, float | None] = {}

    def value(self, agent_id: int, start: datetime.date, end: datetime.date) -> float | None:
        key = (agent_id, start, end)
        if key not in self.cache:
            self.cache[key] = self._value(agent_id, start, end)
        return self.cache[key]

    def _value(self, agent_id: int, start: datetime.date, end: datetime.date) -> float | None:
        by_channel: dict[str, dict] = {}
        qa = [0, 0.0, 0.0]
        days = self.per_agent.get(agent_id, {})
        qa_days = self.qa.get(agent_id, {})
        day = start
        while day <= end:
            for channel, sums in days.get(day, {}).items():
                target = by_channel.setdefault(channel, dict.fromkeys(kpis.SUMMED, 0))
                for name in self.columns:
                    target[name] += sums[name]
            for index, part in enumerate(qa_days.get(day, (0, 0.0, 0.0))):
                qa[index] += part
            day += datetime.timedelta(days=1)
        totals = kpis.Totals(by_channel=by_channel, qa=(int(qa[0]), qa[1], qa[2]))
        found = kpis.kpi_value(self.kpi, totals, self.settings_row)
        return found.estimate.value if found.state == kpis.OK else None


def _windows(anchor: datetime.date, days: int) -> tuple[tuple, tuple]:
    one = datetime.timedelta(days=1)
    span = datetime.timedelta(days=days)
    return (anchor - span, anchor - one), (anchor + one, anchor + span)


def _agents() -> dict[int, User]:
    people = User.objects.filter(is_active=True, groups__name=Role.AGENT).distinct()
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

    def __init__(self, ledger: "_Ledger", agents: dict[int, User], completed: dict, match: str):
        self.ledger = ledger
        self.agents = agents
        self.completed = completed
        self.match = match
        self.rules: dict[int, GapRule] = {}
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
            if rule_id not in self.rules:
                self.rules[rule_id] = GapRule.objects.select_related(
                    "kpi", "qa_criterion", "escalation_reason"
                ).get(pk=rule_id)
            measured = gaps.measure(self.rules[rule_id], self.agents.values(), day)
            self.fired[(rule_id, day)] = {a for a, found in measured.items() if found.is_gap}
        return self.fired[(rule_id, day)]

    def controls(
        self, agent_id: int, completion: Completion, before: tuple, after: tuple, own: float
    ) -> tuple[str, dict[int, tuple[float, float]]]:
        """How the agent was matched, and {control id: (before, after)}."""
        seen = {}
        for other_id in self.candidates(agent_id, after[1]):
            pair = self.ledger.value(other_id, *before), self.ledger.value(other_id, *after)
            if pair[0] is not None and pair[1] is not None:
                seen[other_id] = (pair[0], pair[1])
        if completion.rule_id is not None:
            fired = self._fired(completion.rule_id, before[1])
            return MATCHED_BY_GAP, {a: pair for a, pair in seen.items() if a in fired}
        befores = [b for b, _ in seen.values()]
        spread = float(np.std(befores, ddof=1)) if len(befores) > 1 else 0.0
        caliper = CALIPER_SD * spread + 1e-9
        return MATCHED_BY_CALIPER, {
            a: pair for a, pair in seen.items() if abs(pair[0] - own) <= caliper
        }


def training_impact(
    *,
    module: Module,
    kpi: Kpi,
    window_days: int = DEFAULT_WINDOW,
    match: str = MATCH_ROLE,
    today: datetime.date | None = None,
) -> Impact:
    today = today or timezone.localdate()
    agents = _agents()
    completed = _completions(module)
    anchors = {a: done for a, done in completed.items() if a in agents}
    ready = {
        a: done
        for a, done in anchors.items()
        if done.day + datetime.timedelta(days=window_days) <= today
    }
    pending = len(anchors) - len(ready)
    empty = Group(0, *(Interval(None, None, None, 0),) * 3)
    if not ready:
        return Impact(module, kpi, window_days, match, empty, empty, False, pending=pending)
    span = datetime.timedelta(days=window_days)
    days = [done.day for done in ready.values()]
    ledger = _Ledger(kpi, list(agents), min(days) - span, max(days) + span, measurement_settings())
    matcher = _Matcher(ledger, agents, completed, match)
    trained_rows: list[tuple[float, float]] = []
    control_rows: dict[int, list[tuple[float, float]]] = defaultdict(list)
    short = unmatched = 0
    matched_by: dict[str, int] = defaultdict(int)
    for agent_id, done in sorted(ready.items()):
        before, after = _windows(done.day, window_days)
        pair = ledger.value(agent_id, *before), ledger.value(agent_id, *after)
        if pair[0] is None or pair[1] is None:
            short += 1
            continue
        how, controls = matcher.controls(agent_id, done, before, after, pair[0])
        if not controls:
            unmatched += 1
            continue
        matched_by[how] += 1
        trained_rows.append((pair[0], pair[1]))
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
    }
    return _impact(module, kpi, window_days, match, trained_rows, untrained_rows, counts)


def _group(rows: Sequence[tuple[float, float]]) -> Group:
    return Group(
        agents=len(rows),
        before=interval([b for b, _ in rows]),
        after=interval([a for _, a in rows]),
        change=interval([a - b for b, a in rows]),
    )


def _impact(module, kpi, window_days, match, trained_rows, untrained_rows, counts) -> Impact:
    enough = len(trained_rows) >= MIN_AGENTS and len(untrained_rows) >= MIN_AGENTS
    notes = []
    if not enough:
        notes.append(
            f"Not enough data: each group needs at least {MIN_AGENTS} agents with figures in "
            f"both windows ({len(trained_rows)} trained, {len(untrained_rows)} comparable "
            "untrained)."
        )
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
