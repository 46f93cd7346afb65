"""Training impact: the KPI change of agents who completed a module against comparable agents who
did not, as a difference in differences with a 95 % confidence interval (pure reads).

- Trained agents: active agents who completed the module; each one's date is the local day of
  their first completion. Their *before* window is the N days before that date and their *after*
  window the N days after it (the day itself is left out: part trained, part not). Agents whose
  after window has not ended yet are left out and counted.
- Comparable untrained agents: active agents of the same role (agent) who had not completed the
  module by the end of that after window, measured over the *same* two windows as each trained
  agent (matched at every trained agent's date), optionally only those of the trained agent's
  team. Each untrained agent then contributes one change: the mean of its changes over the dates
  it was compared at, so nobody counts more than once.
- A change is the KPI (the scorecard's own value from the agent's daily rollups) after minus
  before; an agent-window without enough data (the measurement settings' minimum sample) is left
  out.
- The estimate is mean change of the trained − mean change of the untrained; its interval and
  p-value come from Welch's t test (statsmodels CompareMeans, unequal variances), agents being
  the units.
- Fewer than MIN_AGENTS agents in either group: "not enough data" and no figure at all, since
  impact is an aggregate and never one person's record.
"""

import datetime
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Min
from django.utils import timezone
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from rapport.accounts.models import User
from rapport.core.roles import Role
from rapport.learning.choices import AssignmentStatus
from rapport.learning.models import Assignment, Module
from rapport.learning.proficiency import daily_qa, daily_sums, kpi_columns
from rapport.performance import kpis
from rapport.performance.choices import Formula
from rapport.performance.models import Kpi, MeasurementSettings
from rapport.performance.rollups import measurement_settings

MIN_AGENTS = 3
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
    notes: list[str] = field(default_factory=list)

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < 0.05


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


@dataclass(frozen=True)
class Difference:
    estimate: float
    ci_low: float | None
    ci_high: float | None
    p_value: float | None


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


def _completions(module: Module) -> dict[int, datetime.date]:
    rows = (
        Assignment.objects.filter(
            module=module, status=AssignmentStatus.COMPLETED, completed_at__isnull=False
        )
        .values("agent")
        .annotate(first=Min("completed_at"))
    )
    return {row["agent"]: timezone.localtime(row["first"]).date() for row in rows}


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
    anchors = {a: day for a, day in completed.items() if a in agents}
    ready = {
        a: day for a, day in anchors.items() if day + datetime.timedelta(days=window_days) <= today
    }
    pending = len(anchors) - len(ready)
    empty = Group(0, *(Interval(None, None, None, 0),) * 3)
    if not ready:
        return Impact(module, kpi, window_days, match, empty, empty, False, pending=pending)
    span = datetime.timedelta(days=window_days)
    ledger = _Ledger(
        kpi,
        list(agents),
        min(ready.values()) - span,
        max(ready.values()) + span,
        measurement_settings(),
    )
    trained_rows: list[tuple[float, float]] = []
    control_rows: dict[int, list[tuple[float, float]]] = defaultdict(list)
    short = 0
    for agent_id, anchor in sorted(ready.items()):
        before, after = _windows(anchor, window_days)
        pair = ledger.value(agent_id, *before), ledger.value(agent_id, *after)
        if pair[0] is None or pair[1] is None:
            short += 1
            continue
        trained_rows.append((pair[0], pair[1]))
        for other_id, other in agents.items():
            done = completed.get(other_id)
            if other_id == agent_id or (done is not None and done <= after[1]):
                continue
            if match == MATCH_TEAM and other.team_id != agents[agent_id].team_id:
                continue
            seen = ledger.value(other_id, *before), ledger.value(other_id, *after)
            if seen[0] is not None and seen[1] is not None:
                control_rows[other_id].append((seen[0], seen[1]))
    untrained_rows = [
        (float(np.mean([b for b, _ in rows])), float(np.mean([a for _, a in rows])))
        for rows in control_rows.values()
    ]
    return _impact(module, kpi, window_days, match, trained_rows, untrained_rows, pending, short)


def _group(rows: Sequence[tuple[float, float]]) -> Group:
    return Group(
        agents=len(rows),
        before=interval([b for b, _ in rows]),
        after=interval([a for _, a in rows]),
        change=interval([a - b for b, a in rows]),
    )


def _impact(
    module, kpi, window_days, match, trained_rows, untrained_rows, pending, short
) -> Impact:
    enough = len(trained_rows) >= MIN_AGENTS and len(untrained_rows) >= MIN_AGENTS
    notes = []
    if not enough:
        notes.append(
            f"Not enough data: each group needs at least {MIN_AGENTS} agents with figures in "
            f"both windows ({len(trained_rows)} trained, {len(untrained_rows)} untrained)."
        )
        hidden = Group(0, *(Interval(None, None, None, 0),) * 3)
        return Impact(
            module, kpi, window_days, match, hidden, hidden, False,
            pending=pending, short=short, notes=notes,
        )  # fmt: skip
    found = difference_in_differences(
        [a - b for b, a in trained_rows], [a - b for b, a in untrained_rows]
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
        pending=pending,
        short=short,
        notes=notes,
    )
