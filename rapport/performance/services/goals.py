"""Goals agreed by an agent and the supervisor of the agent's team.

Either side proposes; the proposer's agreement is recorded at once and the goal waits for the
other side. A change by either side is a counter-proposal: it takes back the other side's
agreement, so only a goal both sides agreed in its present form counts. Every step is kept in
the goal's history and in the audit log.
"""

import datetime
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from rapport.accounts.models import User
from rapport.core.audit import audit_record
from rapport.core.errors import Conflict, PermissionDenied, ValidationFailed
from rapport.core.roles import Role, is_admin, roles_of
from rapport.performance import kpis
from rapport.performance.choices import Formula, GoalStatus, Unit
from rapport.performance.models import Goal, GoalEvent, Kpi
from rapport.performance.selectors import goals as selectors

MAX_DAYS = 366
# How far from today a goal may start: goals are about the present, not a distant past or future.
START_WINDOW_DAYS = 366
NOTE_MAX = 2000
UNIT_RANGES: dict[str, tuple[Decimal | None, Decimal | None]] = {
    Unit.PERCENT: (Decimal("0"), Decimal("100")),
    Unit.NPS: (Decimal("-100"), Decimal("100")),
    Unit.SECONDS: (Decimal("0"), None),
    Unit.MONEY: (Decimal("0"), None),
    Unit.SCORE: (Decimal("0"), None),
}
LARGEST = Decimal("9999999999.99")


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def _text(value: str, *, field: str = "note", required: bool = False) -> str:
    text = unicodedata.normalize("NFC", (value or "").strip())
    if required and not text:
        raise _invalid(field, "Say why, so the other side knows what would work.")
    if len(text) > NOTE_MAX:
        raise _invalid(field, f"Keep it under {NOTE_MAX} characters.")
    return text


def _target(kpi: Kpi, target) -> Decimal:
    """The target as a two-decimal number inside the range of the KPI's unit."""
    try:
        value = Decimal(str(target))
    except (InvalidOperation, ValueError):
        raise _invalid("target", "Give the target as a number.") from None
    if not value.is_finite():
        raise _invalid("target", "Give the target as a number.")
    low, high = UNIT_RANGES.get(kpi.unit, (None, None))
    low = -LARGEST if low is None else low
    if not low <= value <= (LARGEST if high is None else high):
        allowed = f"{low} or more" if high is None else f"from {low} to {high}"
        raise _invalid(
            "target", f"{kpi.name} is in {kpi.get_unit_display()}: give a target {allowed}."
        )
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _kpi(kpi: Kpi) -> None:
    if not kpi.is_active:
        raise _invalid("kpi", f"{kpi.name} is no longer in use.")
    if kpi.formula in kpis.PENDING:
        raise _invalid(
            "kpi",
            f"{kpi.name} has no data yet ({kpis.PENDING[Formula(kpi.formula)]}) so a goal on it could "
            "not be measured. Choose another KPI.",
        )


def _dates(starts_on: datetime.date, ends_on: datetime.date, *, check_start: bool = True) -> None:
    today = timezone.localdate()
    window = datetime.timedelta(days=START_WINDOW_DAYS)
    if check_start and not today - window <= starts_on <= today + window:
        raise _invalid("starts_on", "Start the goal within a year of today.")
    if ends_on < starts_on:
        raise _invalid("ends_on", "The goal must end on or after the day it starts.")
    if (ends_on - starts_on).days + 1 > MAX_DAYS:
        raise _invalid("ends_on", f"A goal lasts at most {MAX_DAYS} days.")
    if ends_on < today:
        raise _invalid("ends_on", "The goal must end today or later.")


def _cadence(days: int) -> int:
    if not isinstance(days, int) or not 1 <= days <= 90:
        raise _invalid("checkin_every_days", "Check in every 1 to 90 days.")
    return days


def goal_party_check(*, by: User, goal: Goal) -> str:
    """The side `by` takes; admins and everyone else are refused (they may read, not agree)."""
    side = selectors.side_of(by, goal.agent)
    if side is None:
        if is_admin(by):
            raise PermissionDenied(
                "Admins can read goals; only the agent and the supervisor of the agent's team "
                "agree them."
            )
        raise PermissionDenied("Only the agent and the supervisor of the agent's team can do this.")
    return side


def _locked(goal: Goal) -> Goal:
    """The goal read again under a row lock, so two people acting at once cannot both win."""
    return (
        Goal.objects.select_for_update(of=("self",))
        .select_related("agent__team", "kpi")
        .get(pk=goal.pk)
    )


def _record(
    goal: Goal, *, by: User, kind: str, note: str = "", value=None, detail=None
) -> GoalEvent:
    event = GoalEvent.objects.create(
        goal=goal, actor=by, kind=kind, note=note, value=value, detail=detail or {}
    )
    audit_record(
        actor=by,
        action=f"performance.goal_{kind}",
        target=goal,
        detail={"agent": goal.agent_id, "status": goal.status, **(detail or {})},
    )
    return event


def _set_side(goal: Goal, side: str, by: User | None, at: datetime.datetime | None) -> None:
    if side == selectors.AGENT_SIDE:
        goal.agent_agreed_at = at
    else:
        goal.supervisor_agreed_at = at
        goal.supervisor = by if at is not None else None


def _other(side: str) -> str:
    return selectors.SUPERVISOR_SIDE if side == selectors.AGENT_SIDE else selectors.AGENT_SIDE


@transaction.atomic
def goal_propose(
    *,
    by: User,
    agent: User,
    kpi: Kpi,
    target: Decimal,
    starts_on: datetime.date,
    ends_on: datetime.date,
    checkin_every_days: int = 14,
    note: str = "",
) -> Goal:
    """A goal proposed by the agent or their supervisor; the proposer's side agrees at once."""
    if not agent.is_active or Role.AGENT not in roles_of(agent):
        raise _invalid("agent", "Goals are for active agents.")
    side = selectors.side_of(by, agent)
    if side is None:
        raise PermissionDenied(
            "You can propose goals for yourself (as an agent) or for the agents of the teams you lead."
        )
    _kpi(kpi)
    value = _target(kpi, target)
    _dates(starts_on, ends_on)
    goal = Goal(
        agent=agent,
        kpi=kpi,
        target=value,
        starts_on=starts_on,
        ends_on=ends_on,
        baseline=selectors.baseline_for(agent=agent, kpi=kpi, starts_on=starts_on),
        note=_text(note),
        checkin_every_days=_cadence(checkin_every_days),
        proposed_by=by,
        status=GoalStatus.PROPOSED,
    )
    _set_side(goal, side, by, timezone.now())
    goal.save()
    _record(
        goal,
        by=by,
        kind=selectors.PROPOSED,
        note=goal.note,
        detail={
            "side": side,
            "kpi": kpi.key,
            "target": str(goal.target),
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "baseline": None if goal.baseline is None else str(goal.baseline),
        },
    )
    return goal


def _next_checkin(goal: Goal, today: datetime.date) -> datetime.date:
    """The cadence on from today (or the start); the last one falls on the goal's end."""
    following = max(goal.starts_on, today) + datetime.timedelta(days=goal.checkin_every_days)
    return min(following, max(goal.ends_on, today))


@transaction.atomic
def goal_agree(*, by: User, goal: Goal) -> Goal:
    goal = _locked(goal)
    side = goal_party_check(by=by, goal=goal)
    if goal.status != GoalStatus.PROPOSED:
        raise Conflict(
            f"This goal is {goal.get_status_display().lower()}; there is nothing to agree."
        )
    if selectors.agreed_at(goal, side) is not None:
        raise Conflict("You have already agreed; the goal waits for the other side.")
    now = timezone.now()
    _set_side(goal, side, by, now)
    goal.status = GoalStatus.AGREED
    goal.next_checkin_on = _next_checkin(goal, timezone.localdate())
    goal.save()
    _record(
        goal,
        by=by,
        kind=selectors.AGREED,
        detail={"side": side, "next_checkin_on": goal.next_checkin_on.isoformat()},
    )
    return goal


@transaction.atomic
def goal_decline(*, by: User, goal: Goal, note: str) -> Goal:
    goal = _locked(goal)
    side = goal_party_check(by=by, goal=goal)
    if goal.status != GoalStatus.PROPOSED:
        raise Conflict("Only a goal waiting for agreement can be declined.")
    if selectors.agreed_at(goal, side) is not None:
        raise Conflict("You proposed this goal; withdraw it instead.")
    text = _text(note, required=True)
    goal.status = GoalStatus.DECLINED
    goal.next_checkin_on = None
    goal.save()
    _record(goal, by=by, kind=selectors.DECLINED, note=text, detail={"side": side})
    return goal


@transaction.atomic
def goal_withdraw(*, by: User, goal: Goal, note: str = "") -> Goal:
    goal = _locked(goal)
    side = goal_party_check(by=by, goal=goal)
    if goal.status != GoalStatus.PROPOSED or selectors.agreed_at(goal, side) is None:
        raise Conflict("Only the side that proposed a goal can withdraw it, before it is agreed.")
    goal.status = GoalStatus.WITHDRAWN
    goal.save()
    _record(goal, by=by, kind=selectors.WITHDRAWN, note=_text(note), detail={"side": side})
    return goal


@transaction.atomic
def goal_revise(
    *, by: User, goal: Goal, target: Decimal, ends_on: datetime.date, note: str = ""
) -> Goal:
    """A counter-proposal: new target or end, agreed by `by`, waiting for the other side again."""
    goal = _locked(goal)
    side = goal_party_check(by=by, goal=goal)
    if goal.status not in (GoalStatus.PROPOSED, GoalStatus.AGREED):
        raise Conflict(
            f"This goal is {goal.get_status_display().lower()}; propose a new one instead."
        )
    value = _target(goal.kpi, target)
    _dates(goal.starts_on, ends_on, check_start=False)
    if value == goal.target and ends_on == goal.ends_on:
        raise _invalid("target", "Change the target or the end date, or agree the goal as it is.")
    before = {
        "target": str(goal.target),
        "ends_on": goal.ends_on.isoformat(),
        "status": goal.status,
    }
    goal.target, goal.ends_on = value, ends_on
    now = timezone.now()
    _set_side(goal, side, by, now)
    _set_side(goal, _other(side), None, None)
    goal.status = GoalStatus.PROPOSED
    goal.next_checkin_on = None
    goal.proposed_by = by
    goal.save()
    after = {"target": str(goal.target), "ends_on": goal.ends_on.isoformat(), "status": goal.status}
    _record(
        goal,
        by=by,
        kind=selectors.REVISED,
        note=_text(note),
        detail={"side": side, "before": before, "after": after},
    )
    return goal


def _figure(value: float | None) -> str | None:
    number = selectors.as_decimal(value)
    return None if number is None else str(number)


def _measured(goal: Goal) -> tuple[Decimal | None, dict]:
    """The KPI value now, for a check-in or the close, with what it rests on."""
    today = timezone.localdate()
    end = min(today, goal.ends_on)
    value = selectors.agent_kpi_value(agent=goal.agent, kpi=goal.kpi, start=goal.starts_on, end=end)
    estimate = value.estimate
    detail = {
        "start": goal.starts_on.isoformat(),
        "end": end.isoformat(),
        "state": value.state,
        "n": estimate.n,
        "ci_low": _figure(estimate.ci_low),
        "ci_high": _figure(estimate.ci_high),
    }
    number = selectors.as_decimal(estimate.value) if value.state == kpis.OK else None
    met = kpis.meets(goal.kpi, None if number is None else float(number), goal.target)
    detail["met"] = met
    return number, detail


@transaction.atomic
def goal_checkin(*, by: User, goal: Goal, note: str = "") -> GoalEvent:
    """A check-in on an agreed goal: the KPI value from data now, and the next check-in date."""
    goal = _locked(goal)
    side = goal_party_check(by=by, goal=goal)
    if goal.status != GoalStatus.AGREED:
        raise Conflict("Check-ins are for agreed goals.")
    today = timezone.localdate()
    if today < goal.starts_on:
        raise Conflict(
            f"The goal starts on {goal.starts_on:%d %b %Y}; check in once it has started."
        )
    value, detail = _measured(goal)
    goal.next_checkin_on = today + datetime.timedelta(days=goal.checkin_every_days)
    goal.save(update_fields=["next_checkin_on", "updated_at"])
    detail.update(side=side, next_checkin_on=goal.next_checkin_on.isoformat())
    return _record(
        goal, by=by, kind=selectors.CHECKED_IN, note=_text(note), value=value, detail=detail
    )


@transaction.atomic
def goal_close(*, by: User, goal: Goal, note: str = "") -> Goal:
    """Close an agreed goal with its final value: either side once it has ended, the supervisor
    at any time."""
    goal = _locked(goal)
    side = goal_party_check(by=by, goal=goal)
    if goal.status != GoalStatus.AGREED:
        raise Conflict("Only an agreed goal can be closed; withdraw or decline a proposal instead.")
    if side != selectors.SUPERVISOR_SIDE and timezone.localdate() <= goal.ends_on:
        raise PermissionDenied(
            f"The goal runs until {goal.ends_on:%d %b %Y}; before then only the supervisor closes it."
        )
    value, detail = _measured(goal)
    goal.status = GoalStatus.CLOSED
    goal.next_checkin_on = None
    goal.save()
    detail["side"] = side
    _record(goal, by=by, kind=selectors.CLOSED, note=_text(note), value=value, detail=detail)
    return goal
