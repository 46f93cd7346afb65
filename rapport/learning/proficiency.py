"""Proficiency per agent and skill, and time to proficiency of new-hire cohorts (pure reads).

Proficiency of one agent in one skill (a skill counts when it has an active module or an active
gap rule) rests on five kinds of evidence:

- modules of the skill the agent completed;
- review mastery: the share of the agent's review items on the skill's questions whose memory
  stability reached the learning settings' `mastery_days`;
- the skill's active gap rules, measured as the gap rules measure them (rapport.learning.gaps)
  over each rule's window: a rule *holds* when it has enough data (n ≥ the rule's minimum) and
  the figure is on the right side of its threshold;
- preventable escalations the agent raised that a preventable-escalations gap rule of the skill
  maps (its reason, or any reason when the rule names none), over that rule's window;
- the skill level recorded for the agent (accounts.AgentSkill), if any.

Levels:

- **proficient**: every gap rule of the skill holds with enough data, no gap assignment of the
  skill is open, and what the agent knows is shown: review mastery of at least 80 % when the agent
  has review items of the skill; without review items, a completed module of the skill or a
  recorded skill level of competent or above;
- **not started**: none of that evidence exists yet (no module completed or open, no review
  item, no recorded level);
- **learning**: everything in between.

Time to proficiency: for a new hire (User.started_on), the first day D at which, over the
`proficiency_window_days` window ending on D (starting no earlier than the first day), every
proficiency KPI the agent has figures for meets its target with enough data (the scorecard's
own KPI value, at the measurement settings' minimum sample), and at least one does. Proficiency
KPIs are the active KPIs with a target that an active KPI gap rule names; when no rule names one,
the active first-contact resolution and handle-time KPIs with a target. QA scores are left out
of the default: a few evaluations a week never reach the minimum sample in a two-week window.
Agents not yet proficient are censored at today; each cohort (month of the first day) gets a
Kaplan–Meier curve (statsmodels SurvfuncRight), its median with a 95 % interval, and counts.
"""

import datetime
import math
import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count, Q, Sum
from django.utils import timezone
from statsmodels.duration.survfunc import SurvfuncRight

from rapport.accounts.choices import SkillLevel
from rapport.accounts.models import AgentSkill, Skill, User
from rapport.cases.models import Escalation
from rapport.learning import gaps
from rapport.learning.choices import OPEN_ASSIGNMENT, AssignmentSource, AssignmentStatus, GapSource
from rapport.learning.models import Assignment, GapRule, Module
from rapport.learning.selectors import reviews as review_selectors
from rapport.learning.selectors.settings import learning_settings
from rapport.performance import kpis
from rapport.performance.choices import Formula, Grain
from rapport.performance.models import DailyRollup, Evaluation, Kpi, MeasurementSettings
from rapport.performance.rollups import day_bounds, measurement_settings

NOT_STARTED, LEARNING, PROFICIENT = "not_started", "learning", "proficient"
LEVEL_LABELS = {NOT_STARTED: "Not started", LEARNING: "Learning", PROFICIENT: "Proficient"}
MASTERY_SHARE = 0.8
# Cohorts smaller than this are not shown: a curve of one or two people is their own record.
MIN_COHORT = 3
DEFAULT_PROFICIENCY_FORMULAS = (Formula.FCR, Formula.AHT)


# --- Proficiency per agent and skill --------------------------------------------------------------


@dataclass(frozen=True)
class RuleCheck:
    """One gap rule of a skill, measured for one agent."""

    rule: GapRule
    label: str
    measure: gaps.GapMeasure

    @property
    def enough_data(self) -> bool:
        return self.measure.value is not None and self.measure.n >= self.rule.min_n

    @property
    def holds(self) -> bool:
        found = self.measure
        if not self.enough_data or found.target is None or found.value is None:
            return False
        if found.higher_is_better:
            return found.value >= found.target
        return found.value <= found.target


@dataclass
class SkillEvidence:
    skill: Skill
    modules_total: int = 0
    modules_completed: int = 0
    open_assignments: int = 0
    open_gap_assignments: int = 0
    mastered: int = 0
    review_items: int = 0
    rules: list[RuleCheck] = field(default_factory=list)
    preventable_escalations: int = 0
    recorded_level: int | None = None
    level: str = NOT_STARTED
    reasons: list[str] = field(default_factory=list)

    @property
    def mastery(self) -> float | None:
        return self.mastered / self.review_items if self.review_items else None

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def recorded_level_label(self) -> str:
        return "" if self.recorded_level is None else SkillLevel(self.recorded_level).label


@dataclass
class AgentProficiency:
    agent: User
    as_of: datetime.date
    skills: list[SkillEvidence]

    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(LEVEL_LABELS, 0)
        for item in self.skills:
            found[item.level] += 1
        return found


def judge(evidence: SkillEvidence) -> tuple[str, list[str]]:
    """The level the evidence supports, and what still stands between the agent and proficiency."""
    missing: list[str] = []
    for check in evidence.rules:
        if not check.enough_data:
            missing.append(f"{check.label}: not enough data yet (n = {check.measure.n}).")
        elif not check.holds:
            missing.append(f"{check.label}: not at target over the last {check.measure.days} days.")
    if evidence.open_gap_assignments:
        missing.append("A module assigned from a measured gap is still open.")
    if evidence.review_items:
        if (evidence.mastery or 0.0) < MASTERY_SHARE:
            missing.append(
                f"Review mastery {evidence.mastered} of {evidence.review_items}; "
                f"{MASTERY_SHARE:.0%} is needed."
            )
    elif not evidence.modules_completed and (evidence.recorded_level or 0) < SkillLevel.COMPETENT:
        missing.append("No module of this skill completed and no recorded skill level.")
    if not missing:
        return PROFICIENT, []
    started = (
        evidence.modules_completed
        or evidence.open_assignments
        or evidence.review_items
        or evidence.recorded_level is not None
    )
    return (LEARNING if started else NOT_STARTED), missing


def tracked_skills() -> list[Skill]:
    """Skills with an active module or an active gap rule."""
    return list(
        Skill.objects.filter(
            Q(modules__is_active=True) | Q(modules__gap_rules__is_active=True)
        ).distinct()
    )


def _active_rules(skills: Sequence[Skill]) -> list[GapRule]:
    return list(
        GapRule.objects.filter(is_active=True, module__skill__in=skills).select_related(
            "module", "kpi", "qa_criterion", "escalation_reason"
        )
    )


def _modules_per_skill(skill_ids: list[int]) -> dict[int, int]:
    rows = (
        Module.objects.filter(skill_id__in=skill_ids, is_active=True)
        .values("skill")
        .annotate(n=Count("id"))
    )
    return {row["skill"]: row["n"] for row in rows}


def _assignment_counts(agent_ids: list[int], skill_ids: list[int]) -> dict[tuple, dict]:
    rows = (
        Assignment.objects.filter(agent_id__in=agent_ids, module__skill_id__in=skill_ids)
        .values("agent", "module__skill")
        .annotate(
            completed=Count("module", filter=Q(status=AssignmentStatus.COMPLETED), distinct=True),
            open=Count("id", filter=Q(status__in=OPEN_ASSIGNMENT)),
            open_gap=Count("id", filter=Q(status__in=OPEN_ASSIGNMENT, source=AssignmentSource.GAP)),
        )
    )
    return {(row["agent"], row["module__skill"]): row for row in rows}


def _preventable_counts(
    rules: list[GapRule], agent_ids: list[int], day: datetime.date
) -> dict[tuple[int, int], int]:
    """{(agent id, skill id): preventable escalations a preventable rule of the skill maps}, each
    escalation counted once per skill, over the longest such rule's window."""
    per_skill: dict[int, list[GapRule]] = defaultdict(list)
    for rule in rules:
        if rule.source == GapSource.PREVENTABLE_ESCALATIONS:
            per_skill[rule.module.skill_id].append(rule)
    found: dict[tuple[int, int], int] = {}
    for skill_id, skill_rules in per_skill.items():
        start, _ = day_bounds(
            day - datetime.timedelta(days=max(r.window_days for r in skill_rules) - 1)
        )
        _, end = day_bounds(day)
        reasons = [r.escalation_reason_id for r in skill_rules]
        rows = Escalation.objects.filter(
            escalated_by_id__in=agent_ids,
            preventable=True,
            escalated_at__gte=start,
            escalated_at__lt=end,
        )
        if None not in reasons:
            rows = rows.filter(reason_id__in=reasons)
        counted = rows.order_by().values("escalated_by").annotate(n=Count("id"))
        for row in counted:
            found[(row["escalated_by"], skill_id)] = row["n"]
    return found


def evidence_for(
    *,
    agents: Sequence[User],
    skills: Sequence[Skill] | None = None,
    day: datetime.date | None = None,
) -> dict[tuple[int, int], SkillEvidence]:
    """{(agent id, skill id): judged evidence} for every agent × tracked skill. A fixed number of
    queries per gap rule, whatever the number of agents."""
    day = day or timezone.localdate()
    skills = tracked_skills() if skills is None else list(skills)
    agent_ids = [agent.pk for agent in agents]
    if not agent_ids or not skills:
        return {}
    skill_ids = [skill.pk for skill in skills]
    rules = _active_rules(skills)
    modules = _modules_per_skill(skill_ids)
    assignments = _assignment_counts(agent_ids, skill_ids)
    mastery = review_selectors.mastery_by_skill(agent_ids=agent_ids)
    recorded = {
        (a, s): level
        for a, s, level in AgentSkill.objects.filter(
            agent_id__in=agent_ids, skill_id__in=skill_ids
        ).values_list("agent_id", "skill_id", "level")
    }
    measures = {rule.pk: gaps.measure(rule, agents, day) for rule in rules}
    preventable = _preventable_counts(rules, agent_ids, day)
    found = {}
    for agent_id in agent_ids:
        for skill in skills:
            counts = assignments.get((agent_id, skill.pk), {})
            mastered, total = mastery.get((agent_id, skill.pk), (0, 0))
            item = SkillEvidence(
                skill=skill,
                modules_total=modules.get(skill.pk, 0),
                modules_completed=counts.get("completed", 0),
                open_assignments=counts.get("open", 0),
                open_gap_assignments=counts.get("open_gap", 0),
                mastered=mastered,
                review_items=total,
                rules=[
                    RuleCheck(
                        rule=rule,
                        label=gaps.measure_label(rule),
                        measure=measures[rule.pk][agent_id],
                    )
                    for rule in rules
                    if rule.module.skill_id == skill.pk
                ],
                preventable_escalations=preventable.get((agent_id, skill.pk), 0),
                recorded_level=recorded.get((agent_id, skill.pk)),
            )
            item.level, item.reasons = judge(item)
            found[(agent_id, skill.pk)] = item
    return found


def agent_proficiency(agent: User, *, day: datetime.date | None = None) -> AgentProficiency:
    day = day or timezone.localdate()
    skills = tracked_skills()
    found = evidence_for(agents=[agent], skills=skills, day=day)
    return AgentProficiency(
        agent=agent, as_of=day, skills=[found[(agent.pk, skill.pk)] for skill in skills]
    )


# --- Time to proficiency ------------------------------------------------------------------------


def proficiency_kpis() -> tuple[list[Kpi], bool]:
    """The KPIs a new hire must hold at target, and whether gap rules named them (else default)."""
    with_target = Kpi.objects.filter(is_active=True, target__isnull=False)
    named = list(
        with_target.filter(
            pk__in=GapRule.objects.filter(is_active=True, source=GapSource.KPI).values("kpi")
        )
    )
    if named:
        return named, True
    return list(with_target.filter(formula__in=DEFAULT_PROFICIENCY_FORMULAS)), False


def kpi_columns(kpi_list: Iterable[Kpi]) -> list[str]:
    """The rollup columns the KPIs' calculators read."""
    needed: set[str] = set()
    for kpi in kpi_list:
        needed.update(kpis.RATES.get(kpi.formula, ()))
        needed.update(kpis.MEANS.get(kpi.formula, ()))
        if kpi.formula in kpis.SURVEY_ANSWERS:
            needed.update({"survey_invited", "csat_n", "csat_sum", "csat_sumsq"})
        if kpi.formula == Formula.NPS:
            needed.update({"nps_n", "nps_promoters", "nps_detractors"})
        if kpi.formula == Formula.REVENUE:
            needed.update({"revenue", "offers_made"})
    return sorted(needed)


def daily_sums(
    agent_ids: list[int], start: datetime.date, end: datetime.date, columns: Sequence[str]
) -> dict[int, dict[datetime.date, dict[str, dict]]]:
    """{agent id: {day: {channel: {column: sum}}}} from agent rollups, in one query."""
    rows = (
        DailyRollup.objects.filter(
            grain=Grain.AGENT, agent_id__in=agent_ids, day__gte=start, day__lte=end
        )
        .order_by()
        .values("agent", "day", "channel")
        .annotate(**{name: Sum(name) for name in columns})
    )
    found: dict[int, dict[datetime.date, dict[str, dict]]] = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        found[row["agent"]][row["day"]][row["channel"]] = {
            name: float(row[name] or 0) for name in columns
        }
    return found


def daily_qa(
    agent_ids: list[int], start: datetime.date, end: datetime.date
) -> dict[int, dict[datetime.date, tuple[int, float, float]]]:
    """{agent id: {local day: (n, sum, sum of squares)}} of counted QA scores, in one query."""
    begin, _ = day_bounds(start)
    _, finish = day_bounds(end)
    rows = kpis.counted_evaluations(
        Evaluation.objects.filter(
            agent_id__in=agent_ids, submitted_at__gte=begin, submitted_at__lt=finish
        )
    ).values_list("agent", "submitted_at", "score")
    found: dict[int, dict[datetime.date, tuple[int, float, float]]] = defaultdict(dict)
    for agent_id, submitted_at, score in rows:
        if submitted_at is None or score is None:
            continue
        local = timezone.localtime(submitted_at).date()
        n, s, ss = found[agent_id].get(local, (0, 0.0, 0.0))
        found[agent_id][local] = (n + 1, s + float(score), ss + float(score) ** 2)
    return found


def window_holds(
    kpi_list: Sequence[Kpi], totals: kpis.Totals, settings_row: MeasurementSettings
) -> bool:
    """Every KPI the agent has figures for meets its target with enough data, and one does."""
    judged = 0
    for kpi in kpi_list:
        value = kpis.kpi_value(kpi, totals, settings_row)
        if value.estimate.n == 0:
            continue
        if value.state != kpis.OK or not value.on_target:
            return False
        judged += 1
    return judged > 0


class _Window:
    """Running sums of the last `days` days, so each day costs one add and one subtract."""

    def __init__(self, columns: Sequence[str]):
        self.columns = columns
        self.by_channel: dict[str, dict[str, float]] = {}
        self.qa = [0, 0.0, 0.0]

    def add(
        self, channels: dict[str, dict], qa: tuple[int, float, float] | None, sign: int
    ) -> None:
        for channel, sums in channels.items():
            target = self.by_channel.setdefault(channel, dict.fromkeys(kpis.SUMMED, 0))
            for name in self.columns:
                target[name] += sign * sums[name]
        if qa is not None:
            for index in range(3):
                self.qa[index] += sign * qa[index]

    def totals(self) -> kpis.Totals:
        return kpis.Totals(
            by_channel={name: dict(sums) for name, sums in self.by_channel.items()},
            qa=(int(self.qa[0]), self.qa[1], self.qa[2]),
        )


def first_proficient_day(
    *,
    started_on: datetime.date,
    until: datetime.date,
    per_day: dict[datetime.date, dict[str, dict]],
    qa_per_day: dict[datetime.date, tuple[int, float, float]],
    kpi_list: Sequence[Kpi],
    window_days: int,
    settings_row: MeasurementSettings,
) -> datetime.date | None:
    """The first day D ≤ until whose window (window_days ending on D, from started_on) holds."""
    window = _Window(kpi_columns(kpi_list))
    step = datetime.timedelta(days=1)
    day = started_on
    while day <= until:
        window.add(per_day.get(day, {}), qa_per_day.get(day), +1)
        leaving = day - datetime.timedelta(days=window_days)
        if leaving >= started_on:
            window.add(per_day.get(leaving, {}), qa_per_day.get(leaving), -1)
        full = (day - started_on).days + 1 >= window_days
        if (
            full
            and (window.by_channel or window.qa[0])
            and window_holds(kpi_list, window.totals(), settings_row)
        ):
            return day
        day += step
    return None


@dataclass(frozen=True)
class Duration:
    """One new hire: days observed, and whether proficiency was reached (else censored)."""

    agent_id: int
    cohort: datetime.date
    days: int
    reached: bool


@dataclass(frozen=True)
class Survival:
    """A Kaplan–Meier estimate of the days until proficiency."""

    n: int
    reached: int
    median: float | None
    median_low: float | None
    median_high: float | None
    times: list[float]
    not_yet: list[float]  # share not yet proficient after each time


def _finite(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def survival(durations: Sequence[Duration]) -> Survival:
    """Kaplan–Meier (statsmodels SurvfuncRight) over the durations: median days to proficiency
    with its 95 % interval; None where the curve does not reach it."""
    reached = sum(1 for d in durations if d.reached)
    if not durations:
        return Survival(0, 0, None, None, None, [], [])
    times = np.array([max(d.days, 0) for d in durations], dtype=float)
    status = np.array([1 if d.reached else 0 for d in durations], dtype=int)
    if not reached:
        return Survival(len(durations), 0, None, None, None, [0.0], [1.0])
    function = SurvfuncRight(times, status)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        median = _finite(function.quantile(0.5))
        try:
            low, high = function.quantile_ci(0.5)
        except (ValueError, ZeroDivisionError, FloatingPointError):
            low = high = float("nan")
    return Survival(
        n=len(durations),
        reached=reached,
        median=median,
        median_low=_finite(low),
        median_high=_finite(high),
        times=[0.0, *(float(t) for t in function.surv_times)],
        not_yet=[1.0, *(float(p) for p in function.surv_prob)],
    )


@dataclass(frozen=True)
class Cohort:
    month: datetime.date
    shown: bool
    survival: Survival

    @property
    def label(self) -> str:
        return self.month.strftime("%Y-%m")


@dataclass(frozen=True)
class CohortReport:
    as_of: datetime.date
    window_days: int
    kpis: list[Kpi]
    kpis_from_rules: bool
    cohorts: list[Cohort]
    overall: Survival


def durations_for(
    agents: Sequence[User], *, today: datetime.date, kpi_list: Sequence[Kpi], window_days: int
) -> list[Duration]:
    """Days from each new hire's first day until proficiency, or until today (censored)."""
    hires = [a for a in agents if a.started_on is not None and a.started_on <= today]
    if not hires or not kpi_list:
        return []
    ids = [a.pk for a in hires]
    first = min(a.started_on for a in hires if a.started_on)
    per_agent = daily_sums(ids, first, today, kpi_columns(kpi_list))
    needs_qa = any(k.formula == Formula.QA_SCORE for k in kpi_list)
    qa = daily_qa(ids, first, today) if needs_qa else {}
    settings_row = measurement_settings()
    found = []
    for agent in hires:
        assert agent.started_on is not None
        reached = first_proficient_day(
            started_on=agent.started_on,
            until=today,
            per_day=per_agent.get(agent.pk, {}),
            qa_per_day=qa.get(agent.pk, {}),
            kpi_list=kpi_list,
            window_days=window_days,
            settings_row=settings_row,
        )
        end = reached or today
        found.append(
            Duration(
                agent_id=agent.pk,
                cohort=agent.started_on.replace(day=1),
                days=(end - agent.started_on).days,
                reached=reached is not None,
            )
        )
    return found


def cohort_report(agents: Sequence[User], *, today: datetime.date | None = None) -> CohortReport:
    today = today or timezone.localdate()
    kpi_list, from_rules = proficiency_kpis()
    window_days = learning_settings().proficiency_window_days
    durations = durations_for(agents, today=today, kpi_list=kpi_list, window_days=window_days)
    by_month: dict[datetime.date, list[Duration]] = defaultdict(list)
    for duration in durations:
        by_month[duration.cohort].append(duration)
    cohorts = [
        Cohort(
            month=month,
            shown=len(rows) >= MIN_COHORT,
            survival=survival(rows)
            if len(rows) >= MIN_COHORT
            else Survival(len(rows), 0, None, None, None, [], []),
        )
        for month, rows in sorted(by_month.items(), reverse=True)
    ]
    overall = (
        survival(durations)
        if len(durations) >= MIN_COHORT
        else Survival(len(durations), 0, None, None, None, [], [])
    )
    return CohortReport(
        as_of=today,
        window_days=window_days,
        kpis=kpi_list,
        kpis_from_rules=from_rules,
        cohorts=cohorts,
        overall=overall,
    )
