"""Goal services: agreement by both sides, counter-proposals, check-ins with values from the
ledger, closing, and the history and audit every step leaves."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from rapport.accounts.tests.factories import UserFactory
from rapport.core.errors import Conflict, PermissionDenied, ValidationFailed
from rapport.core.models import AuditEvent
from rapport.performance import kpis
from rapport.performance.choices import GoalStatus
from rapport.performance.models import Goal, GoalEvent
from rapport.performance.selectors import goals as selectors
from rapport.performance.services import goals as services
from rapport.performance.tests.factories import KpiFactory
from rapport.performance.tests.factories_goals import (
    GoalFactory,
    agreed,
    crew,
    kpi,
    transfers,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def today() -> datetime.date:
    return timezone.localdate()


def propose(by, agent, **changes) -> Goal:
    fields = {
        "kpi": kpi(),
        "target": Decimal("10"),
        "starts_on": today(),
        "ends_on": today() + 60 * DAY,
        "checkin_every_days": 14,
        "note": "Fewer hand-offs",
    }
    fields.update(changes)
    return services.goal_propose(by=by, agent=agent, **fields)


def kinds(goal: Goal) -> list[str]:
    return list(GoalEvent.objects.filter(goal=goal).values_list("kind", flat=True))


# --- Agreement ----------------------------------------------------------------------------------


def test_an_agents_proposal_counts_once_the_supervisor_agrees():
    c = crew()

    goal = propose(c.agent, c.agent)

    assert goal.status == GoalStatus.PROPOSED
    assert goal.agent_agreed_at is not None and goal.supervisor_agreed_at is None
    assert selectors.waiting_for(goal) == "supervisor" and not selectors.counts(goal)

    goal = services.goal_agree(by=c.supervisor, goal=goal)

    assert goal.status == GoalStatus.AGREED
    assert goal.supervisor_agreed_at is not None and goal.supervisor == c.supervisor
    assert selectors.counts(goal)
    assert goal.next_checkin_on == today() + 14 * DAY
    assert kinds(goal) == ["proposed", "agreed"]


def test_a_supervisors_proposal_counts_once_the_agent_agrees():
    c = crew()

    goal = propose(c.supervisor, c.agent, starts_on=today() + 3 * DAY, checkin_every_days=7)

    assert goal.supervisor_agreed_at is not None and goal.agent_agreed_at is None
    assert goal.supervisor == c.supervisor and goal.proposed_by == c.supervisor
    assert selectors.waiting_for(goal) == "agent"

    goal = services.goal_agree(by=c.agent, goal=goal)

    assert goal.status == GoalStatus.AGREED
    # The cadence runs from the start when the goal starts later than today.
    assert goal.next_checkin_on == today() + 10 * DAY


def test_the_side_that_agreed_cannot_agree_again():
    c = crew()
    goal = propose(c.agent, c.agent)

    with pytest.raises(Conflict, match="already agreed"):
        services.goal_agree(by=c.agent, goal=goal)

    goal.refresh_from_db()
    assert goal.status == GoalStatus.PROPOSED
    assert kinds(goal) == ["proposed"]


def test_an_agreed_goal_cannot_be_agreed_again():
    c = crew()
    goal = agreed(agent=c.agent, supervisor=c.supervisor)

    with pytest.raises(Conflict):
        services.goal_agree(by=c.supervisor, goal=goal)


def test_a_supervisor_of_another_team_is_no_party():
    c, other = crew(), crew()

    with pytest.raises(PermissionDenied):
        propose(other.supervisor, c.agent)
    goal = propose(c.agent, c.agent)
    with pytest.raises(PermissionDenied):
        services.goal_agree(by=other.supervisor, goal=goal)

    goal.refresh_from_db()
    assert goal.supervisor_agreed_at is None


def test_an_admin_reads_but_cannot_agree_on_someones_behalf():
    c = crew()
    admin = UserFactory(roles=["admin"])
    goal = propose(c.agent, c.agent)

    with pytest.raises(PermissionDenied, match="Admins can read goals"):
        services.goal_agree(by=admin, goal=goal)
    with pytest.raises(PermissionDenied):
        propose(admin, c.agent)

    goal.refresh_from_db()
    assert goal.status == GoalStatus.PROPOSED and goal.supervisor_agreed_at is None


def test_an_agent_cannot_propose_for_a_colleague():
    c = crew()
    colleague = UserFactory(roles=["agent"], team=c.team)

    with pytest.raises(PermissionDenied):
        propose(colleague, c.agent)


# --- Counter-proposals, declining, withdrawing ------------------------------------------------------


def test_a_revision_takes_back_the_other_sides_agreement():
    c = crew()
    goal = agreed(agent=c.agent, supervisor=c.supervisor, target=Decimal("10.00"))
    ends = goal.ends_on + 10 * DAY

    goal = services.goal_revise(
        by=c.agent, goal=goal, target=Decimal("12.5"), ends_on=ends, note="Too tight"
    )

    assert goal.status == GoalStatus.PROPOSED
    assert goal.agent_agreed_at is not None
    assert goal.supervisor_agreed_at is None and goal.supervisor is None
    assert goal.next_checkin_on is None and not selectors.counts(goal)
    event = GoalEvent.objects.get(goal=goal, kind="revised")
    assert event.detail["before"] == {
        "target": "10.00",
        "ends_on": (ends - 10 * DAY).isoformat(),
        "status": "agreed",
    }
    assert event.detail["after"] == {
        "target": "12.50",
        "ends_on": ends.isoformat(),
        "status": "proposed",
    }
    assert event.note == "Too tight" and event.actor == c.agent

    goal = services.goal_agree(by=c.supervisor, goal=goal)
    assert goal.status == GoalStatus.AGREED and goal.target == Decimal("12.50")


def test_a_supervisors_revision_resets_the_agents_side():
    c = crew()
    goal = propose(c.agent, c.agent)

    goal = services.goal_revise(
        by=c.supervisor, goal=goal, target=Decimal("8"), ends_on=goal.ends_on
    )

    assert goal.agent_agreed_at is None and goal.supervisor_agreed_at is not None
    assert selectors.waiting_for(goal) == "agent"


def test_a_revision_must_change_something():
    c = crew()
    goal = propose(c.agent, c.agent)

    with pytest.raises(ValidationFailed, match="Change the target"):
        services.goal_revise(by=c.supervisor, goal=goal, target=goal.target, ends_on=goal.ends_on)


def test_the_other_side_declines_with_a_reason():
    c = crew()
    goal = propose(c.agent, c.agent)

    with pytest.raises(ValidationFailed):
        services.goal_decline(by=c.supervisor, goal=goal, note="  ")
    with pytest.raises(Conflict, match="withdraw it instead"):
        services.goal_decline(by=c.agent, goal=goal, note="Changed my mind")
    goal = services.goal_decline(by=c.supervisor, goal=goal, note="Aim at FCR first")

    assert goal.status == GoalStatus.DECLINED and not selectors.counts(goal)
    assert GoalEvent.objects.get(goal=goal, kind="declined").note == "Aim at FCR first"
    with pytest.raises(Conflict):
        services.goal_agree(by=c.supervisor, goal=goal)


def test_only_the_proposer_withdraws_before_agreement():
    c = crew()
    goal = propose(c.supervisor, c.agent)

    with pytest.raises(Conflict):
        services.goal_withdraw(by=c.agent, goal=goal)
    goal = services.goal_withdraw(by=c.supervisor, goal=goal)

    assert goal.status == GoalStatus.WITHDRAWN
    agreed_goal = agreed(agent=c.agent, supervisor=c.supervisor)
    with pytest.raises(Conflict):
        services.goal_withdraw(by=c.agent, goal=agreed_goal)


# --- Validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["csat", "nps", "customer_effort"])
def test_survey_kpis_can_have_goals_now_that_surveys_collect_answers(key):
    c = crew()

    goal = propose(c.agent, c.agent, kpi=kpi(key), target=Decimal("5"))

    assert goal.kpi.key == key
    assert Goal.objects.count() == 1


def test_an_inactive_kpi_is_refused():
    c = crew()
    retired = KpiFactory(formula="transfer", is_active=False)

    with pytest.raises(ValidationFailed, match="no longer in use"):
        propose(c.agent, c.agent, kpi=retired)


@pytest.mark.parametrize(
    "unit,target,ok",
    [
        ("percent", "0", True),
        ("percent", "100", True),
        ("percent", "100.01", False),
        ("percent", "-1", False),
        ("nps", "-100", True),
        ("nps", "-100.5", False),
        ("nps", "100", True),
        ("seconds", "0", True),
        ("seconds", "-0.01", False),
        ("seconds", "86400", True),
        ("money", "-5", False),
        ("score", "-1", False),
        ("score", "7.25", True),
        ("seconds", "NaN", False),
        ("seconds", "99999999999", False),
    ],
)
def test_targets_stay_within_the_units_range(unit, target, ok):
    c = crew()
    measure = KpiFactory(formula="success", unit=unit)

    if ok:
        goal = propose(c.agent, c.agent, kpi=measure, target=Decimal(target))
        assert goal.target == Decimal(target)
    else:
        with pytest.raises(ValidationFailed) as refused:
            propose(c.agent, c.agent, kpi=measure, target=Decimal(target))
        assert "target" in refused.value.fields


def test_dates_are_checked():
    c = crew()

    with pytest.raises(ValidationFailed, match="on or after"):
        propose(c.agent, c.agent, starts_on=today() + 5 * DAY, ends_on=today() + 4 * DAY)
    with pytest.raises(ValidationFailed, match="at most 366"):
        propose(c.agent, c.agent, ends_on=today() + 366 * DAY)
    with pytest.raises(ValidationFailed, match="within a year"):
        propose(c.agent, c.agent, starts_on=datetime.date(1, 1, 1), ends_on=today())
    goal = propose(c.agent, c.agent, ends_on=today() + 365 * DAY)
    assert (goal.ends_on - goal.starts_on).days + 1 == 366


def test_goals_are_for_active_agents():
    c = crew()
    supervisor_only = UserFactory(roles=["supervisor"], team=c.team)

    with pytest.raises(ValidationFailed, match="active agents"):
        propose(c.supervisor, supervisor_only)


def test_notes_are_normalised():
    c = crew()

    goal = propose(c.agent, c.agent, note="  Cafe\u0301 calls  ")

    assert goal.note == "Caf\u00e9 calls"


# --- Figures from the ledger ------------------------------------------------------------------------


def test_the_baseline_is_the_28_days_before_the_start():
    c = crew()
    start = today() - 2 * DAY
    transfers(agent=c.agent, day=start - 28 * DAY, handled=20, transferred=4)
    transfers(agent=c.agent, day=start - 1 * DAY, handled=20, transferred=4)
    # Outside the window on both sides: not in the baseline.
    transfers(agent=c.agent, day=start - 29 * DAY, handled=30, transferred=30)
    transfers(agent=c.agent, day=start, handled=30, transferred=30)

    goal = propose(c.agent, c.agent, starts_on=start)

    assert goal.baseline == Decimal("20.00")  # 8 of 40


def test_no_baseline_below_the_minimum_sample():
    c = crew()
    transfers(agent=c.agent, day=today() - 3 * DAY, handled=29, transferred=3)

    goal = propose(c.agent, c.agent)

    assert goal.baseline is None


def test_a_checkin_is_for_agreed_goals_only():
    c = crew()
    goal = propose(c.agent, c.agent)

    with pytest.raises(Conflict, match="agreed goals"):
        services.goal_checkin(by=c.supervisor, goal=goal, note="How is it going?")

    assert not GoalEvent.objects.filter(kind="checked_in").exists()


def test_a_checkin_records_the_value_from_the_ledger_and_moves_the_date():
    c = crew()
    start = today() - 10 * DAY
    goal = agreed(agent=c.agent, supervisor=c.supervisor, starts_on=start, target=Decimal("30"))
    transfers(agent=c.agent, day=start, handled=20, transferred=6)
    transfers(agent=c.agent, day=start + 5 * DAY, handled=20, transferred=4)
    transfers(agent=c.agent, day=start - DAY, handled=50, transferred=50)  # before the goal
    other = crew()
    transfers(agent=other.agent, day=start + 1 * DAY, handled=40, transferred=40)

    event = services.goal_checkin(by=c.supervisor, goal=goal, note="On track")

    assert event.kind == "checked_in" and event.note == "On track"
    assert event.value == Decimal("25.00")  # 10 of 40
    assert event.detail["n"] == 40 and event.detail["state"] == "ok"
    assert event.detail["met"] is True  # lower is better: 25 ≤ 30
    assert Decimal(event.detail["ci_low"]) < Decimal("25") < Decimal(event.detail["ci_high"])
    goal.refresh_from_db()
    assert goal.next_checkin_on == today() + 14 * DAY


def test_a_checkin_without_enough_data_records_no_value():
    c = crew()
    goal = agreed(agent=c.agent, supervisor=c.supervisor, starts_on=today() - 3 * DAY)
    transfers(agent=c.agent, day=today() - 2 * DAY, handled=5, transferred=1)

    event = services.goal_checkin(by=c.agent, goal=goal)

    assert event.value is None
    assert event.detail["state"] == "not_enough_data" and event.detail["n"] == 5


def test_progress_counts_only_agreed_goals_and_respects_better():
    c = crew()
    start = today() - 5 * DAY
    transfers(agent=c.agent, day=start + DAY, handled=40, transferred=10)  # 25 %
    proposed = GoalFactory(agent=c.agent, starts_on=start)
    lower_wins = agreed(
        agent=c.agent, supervisor=c.supervisor, starts_on=start, target=Decimal("20")
    )
    fcr = kpi("fcr")

    assert selectors.goal_progress(goal=proposed) is None
    progress = selectors.goal_progress(goal=lower_wins)
    assert progress is not None and progress.enough_data
    assert progress.estimate.value == pytest.approx(25.0) and progress.estimate.n == 40
    assert progress.met is False  # 25 % transferred is above the 20 % aimed for
    assert kpis.meets(lower_wins.kpi, 19.0, Decimal("20")) is True
    assert kpis.meets(fcr, 19.0, Decimal("20")) is False
    assert kpis.meets(fcr, 21.0, Decimal("20")) is True


def test_progress_before_the_start():
    c = crew()
    goal = agreed(
        agent=c.agent,
        supervisor=c.supervisor,
        starts_on=today() + 2 * DAY,
        ends_on=today() + 9 * DAY,
    )

    progress = selectors.goal_progress(goal=goal)

    assert progress is not None and not progress.started and progress.state == "not_started"


# --- Closing --------------------------------------------------------------------------------------


def test_the_supervisor_closes_at_any_time_the_agent_only_after_the_end():
    c = crew()
    goal = agreed(agent=c.agent, supervisor=c.supervisor, starts_on=today() - 5 * DAY)

    with pytest.raises(PermissionDenied, match="only the supervisor"):
        services.goal_close(by=c.agent, goal=goal)
    goal = services.goal_close(by=c.supervisor, goal=goal, note="Moved team")

    assert goal.status == GoalStatus.CLOSED and goal.next_checkin_on is None
    assert selectors.counts(goal)
    with pytest.raises(Conflict):
        services.goal_checkin(by=c.supervisor, goal=goal)


def test_the_agent_closes_a_goal_that_has_ended():
    c = crew()
    goal = agreed(agent=c.agent, supervisor=c.supervisor, starts_on=today() - 30 * DAY)
    Goal.objects.filter(pk=goal.pk).update(ends_on=today() - DAY)

    goal = services.goal_close(by=c.agent, goal=goal)

    assert goal.status == GoalStatus.CLOSED
    assert (
        GoalEvent.objects.get(goal=goal, kind="closed").detail["end"] == (today() - DAY).isoformat()
    )


# --- History, audit, database rules -----------------------------------------------------------------


def test_every_step_leaves_history_and_an_audit_event():
    c = crew()
    goal = propose(c.agent, c.agent)
    goal = services.goal_revise(
        by=c.supervisor, goal=goal, target=Decimal("9"), ends_on=goal.ends_on
    )
    goal = services.goal_agree(by=c.agent, goal=goal)
    services.goal_checkin(by=c.agent, goal=goal, note="Week one")
    goal = services.goal_close(by=c.supervisor, goal=goal)
    declined = services.goal_decline(by=c.supervisor, goal=propose(c.agent, c.agent), note="No")
    withdrawn = services.goal_withdraw(by=c.agent, goal=propose(c.agent, c.agent))

    assert kinds(goal) == ["proposed", "revised", "agreed", "checked_in", "closed"]
    assert kinds(declined) == ["proposed", "declined"]
    assert kinds(withdrawn) == ["proposed", "withdrawn"]
    actions = list(
        AuditEvent.objects.filter(target_type="performance.goal", target_id=str(goal.pk))
        .order_by("id")
        .values_list("action", "actor_id")
    )
    assert actions == [
        ("performance.goal_proposed", c.agent.pk),
        ("performance.goal_revised", c.supervisor.pk),
        ("performance.goal_agreed", c.agent.pk),
        ("performance.goal_checked_in", c.agent.pk),
        ("performance.goal_closed", c.supervisor.pk),
    ]


def test_the_database_refuses_an_agreed_goal_without_both_sides():
    c = crew()
    goal = propose(c.agent, c.agent)

    with pytest.raises(IntegrityError), transaction.atomic():
        Goal.objects.filter(pk=goal.pk).update(status=GoalStatus.AGREED)

    goal.refresh_from_db()
    assert goal.status == GoalStatus.PROPOSED
