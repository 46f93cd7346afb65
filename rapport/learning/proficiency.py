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

Time to proficiency (the glossary: days from an agent's start until their key KPIs hold at
target for a set number of consecutive weeks, the learning settings' `proficiency_weeks`, N):

- new hires are people who started at most NEW_HIRE_DAYS ago (rapport.learning.selectors.settings,
  the same rule as new-hire learning paths) and on or after the first day
  of the KPI ledger (an earlier starter's first weeks were never measured); people who have left
  count too, observed up to their last day with data;
- week k of a new hire is days [7k, 7k + 7) counted from their first day; a week *holds* when
  every proficiency KPI with a figure that week meets its target on the point value, whatever its
  n, and at least one has a figure; N consecutive weeks form a *run* that holds when each week
  holds and, pooled over the run, every proficiency KPI the agent has figures for meets its
  target with enough data (the measurement settings' minimum sample — a single week is often
  short of it, the run as a whole must not be) and at least one does;
- days to proficiency = 7k for the first week k that starts such a run, i.e. from the first day
  to the first day of the first run held; someone not there yet is censored at the first day of
  the earliest run not yet fully observed (until yesterday, the last complete day — today's
  figures are still coming in — or a leaver's last day with data).

Proficiency KPIs are the active KPIs with a target that an active KPI gap rule names; when no rule
names one, the active first-contact resolution and handle-time KPIs with a target. QA scores are
left out of the default: a few evaluations a week rarely reach the minimum sample. Each cohort
(month of the first day) of at least MIN_COHORT people gets a Kaplan–Meier curve (statsmodels
SurvfuncRight), its median with a 95 % interval, and counts; a smaller cohort shows only its n.
"""

import copy
import datetime
import math
import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count, Min, Q, Sum
from django.utils import timezone
from statsmodels.duration.survfunc import SurvfuncRight

from rapport.accounts.choices import SkillLevel
from rapport.accounts.models import AgentSkill, Skill, User
from rapport.cases.models import Escalation
from rapport.learning import gaps
from rapport.learning.choices import OPEN_ASSIGNMENT, AssignmentSource, AssignmentStatus, GapSource
from rapport.learning.models import Assignment, GapRule, Module
from rapport.learning.selectors import reviews as review_selectors
from rapport.learning.selectors.settings import NEW_HIRE_DAYS, learning_settings, new_hire_since
from rapport.performance import kpis
from rapport.performance.choices import Formula, Grain
from rapport.performance.models import DailyRollup, Evaluation, Kpi, MeasurementSettings
from rapport.performance.rollups import day_bounds, measurement_settings

NOT_STARTED, LEARNING, PROFICIENT = "not_started", "learning", "proficient"
LEVEL_LABELS = {NOT_STARTED: "Not started", LEARNING: "Learning", PROFICIENT: "Proficient"}
MASTERY_SHARE = 0.8
# Groups smaller than this show only their count: the curve or median of a handful of people
# reads as each one's own record.
MIN_COHORT = 5
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


def run_holds(
    kpi_list: Sequence[Kpi], totals: kpis.Totals, settings_row: MeasurementSettings
) -> bool:
    """Over a whole run: every KPI the agent has figures for meets its target with enough data
    (the measurement settings' minimum sample), and at least one does."""
    judged = 0
    for kpi in kpi_list:
        value = kpis.kpi_value(kpi, totals, settings_row)
        if value.estimate.n == 0:
            continue
        if value.state != kpis.OK or not value.on_target:
            return False
        judged += 1
    return judged > 0


def week_holds(
    kpi_list: Sequence[Kpi], totals: kpis.Totals, settings_row: MeasurementSettings
) -> bool:
    """Within one week: every KPI with a figure meets its target on the point value, whatever
    its n (a week alone is often below the minimum sample; the run as a whole must reach it),
    and at least one KPI has a figure."""
    lenient = copy.copy(settings_row)
    lenient.min_sample = 1
    judged = 0
    for kpi in kpi_list:
        value = kpis.kpi_value(kpi, totals, lenient)
        if value.state != kpis.OK:
            continue  # no figure this week (a mean of a single contact has none either)
        if not value.on_target:
            return False
        judged += 1
    return judged > 0


class _Sums:
    """Rollup columns summed per channel, and QA (n, sum, sum of squares), over some days."""

    def __init__(self, columns: Sequence[str]):
        self.columns = columns
        self.by_channel: dict[str, dict[str, float]] = {}
        self.qa = [0, 0.0, 0.0]

    def add(self, channels: dict[str, dict], qa: tuple[int, float, float] | None) -> None:
        for channel, sums in channels.items():
            target = self.by_channel.setdefault(channel, dict.fromkeys(kpis.SUMMED, 0))
            for name in self.columns:
                target[name] += sums[name]
        if qa is not None:
            for index in range(3):
                self.qa[index] += qa[index]

    def merge(self, other: "_Sums") -> None:
        self.add(other.by_channel, (int(other.qa[0]), other.qa[1], other.qa[2]))

    def totals(self) -> kpis.Totals:
        return kpis.Totals(
            by_channel={name: dict(sums) for name, sums in self.by_channel.items()},
            qa=(int(self.qa[0]), self.qa[1], self.qa[2]),
        )


@dataclass(frozen=True)
class Outcome:
    """Days from the first day until proficiency (reached), or the days observed (censored)."""

    days: int
    reached: bool


def time_to_proficiency(
    *,
    started_on: datetime.date,
    until: datetime.date,
    per_day: dict[datetime.date, dict[str, dict]],
    qa_per_day: dict[datetime.date, tuple[int, float, float]],
    kpi_list: Sequence[Kpi],
    weeks: int,
    settings_row: MeasurementSettings,
) -> Outcome:
    """Week k of the agent is days [7k, 7k + 7) from started_on; only weeks ended by `until`
    count. The agent is proficient at 7k for the first k whose `weeks` consecutive weeks each
    hold (week_holds) and hold together (run_holds). Not yet: censored at the first day of the
    earliest run not fully observed, since a run starting there may still qualify."""
    columns = kpi_columns(kpi_list)
    complete = max(((until - started_on).days + 1) // 7, 0)
    sums: list[_Sums] = []
    held: list[bool] = []
    for week in range(complete):
        found = _Sums(columns)
        for offset in range(7):
            day = started_on + datetime.timedelta(days=7 * week + offset)
            found.add(per_day.get(day, {}), qa_per_day.get(day))
        sums.append(found)
        held.append(week_holds(kpi_list, found.totals(), settings_row))
    for first in range(complete - weeks + 1):
        if not all(held[first : first + weeks]):
            continue
        pooled = _Sums(columns)
        for part in sums[first : first + weeks]:
            pooled.merge(part)
        if run_holds(kpi_list, pooled.totals(), settings_row):
            return Outcome(days=7 * first, reached=True)
    return Outcome(days=7 * max(complete - weeks + 1, 0), reached=False)


@dataclass(frozen=True)
class Duration:
    """One new hire: days observed, and whether proficiency was reached (else censored)."""

    agent_id: int
    cohort: datetime.date
    days: int
    reached: bool
    left: bool = False  # no longer active: observed until their last day with data


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

    @classmethod
    def counts_only(cls, n: int) -> "Survival":
        """A group too small to show more than how many it holds."""
        return cls(n, 0, None, None, None, [], [])


def _finite(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def survival(durations: Sequence[Duration]) -> Survival:
    """Kaplan–Meier (statsmodels SurvfuncRight) over the durations: median days to proficiency
    with its 95 % interval; None where the curve does not reach it."""
    reached = sum(1 for d in durations if d.reached)
    if not durations:
        return Survival.counts_only(0)
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


def shown_survival(durations: Sequence[Duration]) -> Survival:
    """The Kaplan–Meier estimate for a group of at least MIN_COHORT people; a smaller group
    gives its count only, so nobody's own time can be read off it."""
    if len(durations) < MIN_COHORT:
        return Survival.counts_only(len(durations))
    return survival(durations)


@dataclass(frozen=True)
class Cohort:
    month: datetime.date
    shown: bool
    survival: Survival
    left: int = 0  # people no longer active, counted up to their last day with data

    @property
    def label(self) -> str:
        return self.month.strftime("%Y-%m")


@dataclass(frozen=True)
class CohortReport:
    as_of: datetime.date
    weeks: int
    kpis: list[Kpi]
    kpis_from_rules: bool
    cohorts: list[Cohort]
    overall: Survival
    first_data_day: datetime.date | None
    new_hire_days: int = NEW_HIRE_DAYS
    min_cohort: int = MIN_COHORT

    @property
    def last_complete_day(self) -> datetime.date:
        """Yesterday: today's figures are still coming in."""
        return self.as_of - datetime.timedelta(days=1)


def first_data_day() -> datetime.date | None:
    """The first day of the agent KPI ledger (daily rollups)."""
    return DailyRollup.objects.filter(grain=Grain.AGENT).aggregate(first=Min("day"))["first"]


def new_hires(
    people: Iterable[User], *, today: datetime.date, since: datetime.date | None
) -> list[User]:
    """People who started at most NEW_HIRE_DAYS before today and on or after the ledger's first
    day (earlier starters' first weeks were never measured); leavers included."""
    if since is None:
        return []
    horizon = new_hire_since(today)
    return [
        person
        for person in people
        if person.started_on is not None and max(horizon, since) <= person.started_on <= today
    ]


def _last_day(
    per_day: dict[datetime.date, dict], qa_per_day: dict[datetime.date, tuple]
) -> datetime.date | None:
    days = [*per_day, *qa_per_day]
    return max(days) if days else None


def durations_for(
    agents: Sequence[User], *, today: datetime.date, kpi_list: Sequence[Kpi], weeks: int
) -> list[Duration]:
    """Each new hire's days from their first day until proficiency, or censored: at yesterday
    (the last complete day) for those still active, at their last day with data for those who
    left."""
    hires = [a for a in agents if a.started_on is not None and a.started_on <= today]
    if not hires or not kpi_list:
        return []
    ids = [a.pk for a in hires]
    first = min(a.started_on for a in hires if a.started_on)
    last_complete = today - datetime.timedelta(days=1)
    per_agent = daily_sums(ids, first, last_complete, kpi_columns(kpi_list))
    needs_qa = any(k.formula == Formula.QA_SCORE for k in kpi_list)
    qa = daily_qa(ids, first, last_complete) if needs_qa else {}
    settings_row = measurement_settings()
    found = []
    for agent in hires:
        assert agent.started_on is not None
        per_day, qa_per_day = per_agent.get(agent.pk, {}), qa.get(agent.pk, {})
        until = last_complete
        if not agent.is_active:
            until = _last_day(per_day, qa_per_day) or agent.started_on - datetime.timedelta(1)
        outcome = time_to_proficiency(
            started_on=agent.started_on,
            until=until,
            per_day=per_day,
            qa_per_day=qa_per_day,
            kpi_list=kpi_list,
            weeks=weeks,
            settings_row=settings_row,
        )
        found.append(
            Duration(
                agent_id=agent.pk,
                cohort=agent.started_on.replace(day=1),
                days=outcome.days,
                reached=outcome.reached,
                left=not agent.is_active,
            )
        )
    return found


def cohort_report(people: Sequence[User], *, today: datetime.date | None = None) -> CohortReport:
    """Time to proficiency of the new hires among `people`, per month started and overall."""
    today = today or timezone.localdate()
    kpi_list, from_rules = proficiency_kpis()
    weeks = learning_settings().proficiency_weeks
    since = first_data_day()
    hires = new_hires(people, today=today, since=since)
    durations = durations_for(hires, today=today, kpi_list=kpi_list, weeks=weeks)
    by_month: dict[datetime.date, list[Duration]] = defaultdict(list)
    for duration in durations:
        by_month[duration.cohort].append(duration)
    cohorts = [
        Cohort(
            month=month,
            shown=len(rows) >= MIN_COHORT,
            survival=shown_survival(rows),
            left=sum(1 for row in rows if row.left) if len(rows) >= MIN_COHORT else 0,
        )
        for month, rows in sorted(by_month.items(), reverse=True)
    ]
    return CohortReport(
        as_of=today,
        weeks=weeks,
        kpis=kpi_list,
        kpis_from_rules=from_rules,
        cohorts=cohorts,
        overall=shown_survival(durations),
        first_data_day=since,
    )
