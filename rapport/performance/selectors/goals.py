"""Reads of goals, scoped to the asking user, and a goal's progress computed from the ledger.

A goal is an individual's record: the agent, the supervisor of the agent's team and admins see it;
for everyone else it does not exist. Admins read goals but are never a party to one.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from rapport.accounts.models import User
from rapport.core.errors import NotFound
from rapport.core.roles import Role, is_admin, roles_of
from rapport.performance import kpis, rollups, stats
from rapport.performance.choices import GoalStatus
from rapport.performance.models import DailyRollup, Evaluation, Goal, GoalEvent, Kpi

AGENT_SIDE, SUPERVISOR_SIDE = "agent", "supervisor"
BASELINE_DAYS = 28
MAX_ID = 2**63 - 1

# The history of a goal; GoalEvent.kind holds one of these.
PROPOSED, AGREED, DECLINED, WITHDRAWN, REVISED, CHECKED_IN, CLOSED = (
    "proposed",
    "agreed",
    "declined",
    "withdrawn",
    "revised",
    "checked_in",
    "closed",
)
EVENT_LABELS = {
    PROPOSED: "Proposed",
    AGREED: "Agreed",
    DECLINED: "Declined",
    WITHDRAWN: "Withdrawn",
    REVISED: "Changed (needs agreement again)",
    CHECKED_IN: "Check-in",
    CLOSED: "Closed",
}
ACTIONS = ("agree", "decline", "withdraw", "revise", "checkin", "close")

# Lists show agreed goals first: only they count.
STATUS_ORDER = Case(
    When(status=GoalStatus.AGREED, then=Value(0)),
    When(status=GoalStatus.PROPOSED, then=Value(1)),
    When(status=GoalStatus.CLOSED, then=Value(2)),
    When(status=GoalStatus.DECLINED, then=Value(3)),
    default=Value(4),
    output_field=IntegerField(),
)


# --- Who is who ------------------------------------------------------------------------------------


def side_of(viewer: User, agent: User) -> str | None:
    """Which party of the agent's goals the viewer is: the agent, the supervisor of the agent's
    team, or neither (admins included: they read, they do not agree on anyone's behalf)."""
    roles = roles_of(viewer)
    if viewer.pk == agent.pk:
        return AGENT_SIDE if Role.AGENT in roles else None
    team = agent.team
    if Role.SUPERVISOR in roles and team is not None and team.supervisor_id == viewer.pk:
        return SUPERVISOR_SIDE
    return None


def agreed_at(goal: Goal, side: str) -> datetime.datetime | None:
    return goal.agent_agreed_at if side == AGENT_SIDE else goal.supervisor_agreed_at


def counts(goal: Goal) -> bool:
    """Only a goal both sides agreed counts (for progress, lists and the API)."""
    return (
        goal.status in (GoalStatus.AGREED, GoalStatus.CLOSED)
        and goal.agent_agreed_at is not None
        and goal.supervisor_agreed_at is not None
    )


def waiting_for(goal: Goal) -> str | None:
    """The side whose agreement a proposed goal waits for."""
    if goal.status != GoalStatus.PROPOSED:
        return None
    if goal.agent_agreed_at is None:
        return AGENT_SIDE
    if goal.supervisor_agreed_at is None:
        return SUPERVISOR_SIDE
    return None


def checkin_due(goal: Goal, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        goal.status == GoalStatus.AGREED
        and goal.next_checkin_on is not None
        and goal.next_checkin_on <= today
    )


def actions_for(viewer: User, goal: Goal, today: datetime.date | None = None) -> list[str]:
    """What the viewer may do with the goal now, in the order the page offers it."""
    side = side_of(viewer, goal.agent)
    if side is None:
        return []
    today = today or timezone.localdate()
    allowed = []
    if goal.status == GoalStatus.PROPOSED:
        mine = agreed_at(goal, side) is not None
        allowed += ["withdraw"] if mine else ["agree", "decline"]
        allowed.append("revise")
    elif goal.status == GoalStatus.AGREED:
        allowed += ["checkin", "revise"]
        if side == SUPERVISOR_SIDE or today > goal.ends_on:
            allowed.append("close")
    return allowed


# --- Lists and records -----------------------------------------------------------------------------


def _visible(viewer: User) -> Q | None:
    """The goals a viewer may read, or None for all of them."""
    if is_admin(viewer):
        return None
    allowed = Q(agent=viewer)
    if Role.SUPERVISOR in roles_of(viewer):
        allowed |= Q(agent__team__supervisor=viewer)
    return allowed


def goals_for(
    *, viewer: User, status: str | None = None, agent_id: int | None = None
) -> QuerySet[Goal]:
    goals = Goal.objects.select_related("agent__team", "kpi", "proposed_by", "supervisor")
    allowed = _visible(viewer)
    if allowed is not None:
        goals = goals.filter(allowed)
    if status:
        goals = goals.filter(status=status)
    if agent_id is not None:
        goals = goals.filter(agent_id=agent_id)
    return goals


def goals_listed(*, viewer: User, status: str | None = None, agent_id: int | None = None):
    """The viewer's list: their own goals with agreed ones first; a team's grouped by agent,
    check-ins that are due first within each agent."""
    today = timezone.localdate()
    due = Case(
        When(status=GoalStatus.AGREED, next_checkin_on__lte=today, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    goals = goals_for(viewer=viewer, status=status, agent_id=agent_id).annotate(
        status_rank=STATUS_ORDER, due_rank=due
    )
    if Role.SUPERVISOR in roles_of(viewer) or is_admin(viewer):
        return goals.order_by(
            F("agent__last_name"),
            F("agent__first_name"),
            "agent_id",
            "due_rank",
            "status_rank",
            "-created_at",
            "-id",
        )
    return goals.order_by("status_rank", "due_rank", "-created_at", "-id")


def goals_waiting_for(*, viewer: User) -> QuerySet[Goal]:
    """Proposals the viewer has not answered yet (as agent or as supervisor)."""
    mine = Q(agent=viewer, agent_agreed_at__isnull=True)
    if Role.AGENT not in roles_of(viewer):
        mine = Q(pk__in=[])
    if Role.SUPERVISOR in roles_of(viewer):
        mine |= Q(agent__team__supervisor=viewer, supervisor_agreed_at__isnull=True) & ~Q(
            agent=viewer
        )
    return (
        Goal.objects.filter(mine, status=GoalStatus.PROPOSED)
        .select_related("agent__team", "kpi", "proposed_by", "supervisor")
        .order_by("created_at", "id")
    )


def goal_get_for(*, viewer: User, goal_id: int) -> Goal:
    if not isinstance(goal_id, int) or not 0 < goal_id <= MAX_ID:
        raise NotFound("No such goal.")
    goal = goals_for(viewer=viewer).filter(pk=goal_id).first()
    if goal is None:
        raise NotFound("No such goal.")
    return goal


def goal_events(*, goal: Goal) -> QuerySet[GoalEvent]:
    return goal.events.select_related("actor").order_by("created_at", "id")


def agents_for_proposals(*, viewer: User) -> QuerySet[User]:
    """The agents the viewer may propose a goal for: themselves, and the agents they lead."""
    roles = roles_of(viewer)
    allowed = Q(pk__in=[])
    if Role.AGENT in roles:
        allowed |= Q(pk=viewer.pk)
    if Role.SUPERVISOR in roles:
        allowed |= Q(team__supervisor=viewer)
    return (
        User.objects.filter(allowed, is_active=True, groups__name=Role.AGENT)
        .select_related("team")
        .order_by("last_name", "first_name", "username")
        .distinct()
    )


def goal_kpis() -> QuerySet[Kpi]:
    """KPIs a goal may be set on: active ones whose data is collected (not PENDING)."""
    return Kpi.objects.filter(is_active=True).exclude(formula__in=list(kpis.PENDING))


# --- Figures ---------------------------------------------------------------------------------------


def agent_kpi_value(
    *, agent: User, kpi: Kpi, start: datetime.date, end: datetime.date
) -> kpis.KpiValue:
    """One KPI for one agent over local days start..end, from rollups (and QA scores)."""
    settings_row = rollups.measurement_settings()
    by_channel = kpis.rollup_sums(
        DailyRollup.objects.filter(agent=agent, day__gte=start, day__lte=end)
    )
    qa = (0, 0.0, 0.0)
    if kpi.formula == "qa_score":
        first, _ = rollups.day_bounds(start)
        _, last = rollups.day_bounds(end)
        qa = kpis.qa_sums(
            Evaluation.objects.filter(agent=agent, submitted_at__gte=first, submitted_at__lt=last)
        )
    return kpis.kpi_value(kpi, kpis.Totals(by_channel=by_channel, qa=qa), settings_row)


def as_decimal(value: float | None) -> Decimal | None:
    """A figure as the two-decimal number goals store; None when there is none (or it cannot be
    stored)."""
    if value is None:
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None
    return number if number.is_finite() and abs(number) < Decimal("1e10") else None


def baseline_for(*, agent: User, kpi: Kpi, starts_on: datetime.date) -> Decimal | None:
    """The agent's KPI over the 28 days before the goal starts."""
    value = agent_kpi_value(
        agent=agent,
        kpi=kpi,
        start=starts_on - datetime.timedelta(days=BASELINE_DAYS),
        end=starts_on - datetime.timedelta(days=1),
    )
    return as_decimal(value.estimate.value) if value.state == kpis.OK else None


@dataclass
class Progress:
    """Where an agreed goal stands: the KPI since the goal started, against baseline and target."""

    goal: Goal
    start: datetime.date
    end: datetime.date
    value: kpis.KpiValue | None
    met: bool | None
    checkins: list[GoalEvent] = field(default_factory=list)

    @property
    def started(self) -> bool:
        return self.value is not None

    @property
    def estimate(self) -> stats.Estimate:
        return self.value.estimate if self.value is not None else stats.Estimate.empty()

    @property
    def state(self) -> str:
        return self.value.state if self.value is not None else "not_started"

    @property
    def enough_data(self) -> bool:
        return self.state == kpis.OK

    def chart(self) -> dict:
        """Chart.js data: the value recorded at each check-in against the target."""
        return {
            "labels": [f"{e.created_at:%Y-%m-%d}" for e in self.checkins],
            "values": [None if e.value is None else float(e.value) for e in self.checkins],
            "target": float(self.goal.target),
            "baseline": None if self.goal.baseline is None else float(self.goal.baseline),
            "unit": self.goal.kpi.get_unit_display(),
        }


def goal_progress(
    *, goal: Goal, today: datetime.date | None = None, events: list[GoalEvent] | None = None
) -> Progress | None:
    """Progress of a goal that counts; None for one that does not (yet)."""
    if not counts(goal):
        return None
    today = today or timezone.localdate()
    end = min(today, goal.ends_on)
    checkins = [e for e in (events or []) if e.kind == CHECKED_IN]
    if end < goal.starts_on:
        return Progress(
            goal=goal, start=goal.starts_on, end=end, value=None, met=None, checkins=checkins
        )
    value = agent_kpi_value(agent=goal.agent, kpi=goal.kpi, start=goal.starts_on, end=end)
    met = (
        kpis.meets(goal.kpi, value.estimate.value, goal.target) if value.state == kpis.OK else None
    )
    return Progress(
        goal=goal, start=goal.starts_on, end=end, value=value, met=met, checkins=checkins
    )
