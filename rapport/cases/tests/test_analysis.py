"""Escalation analysis: counts by reason, contact type, team and agent, preventable or not, per
week, and the escalation rate over handled contacts; agents by name only for those who may see them."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from rapport.access.tests.factories import ContactTypeFactory, QueueFactory
from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.cases import analysis, services
from rapport.cases.models import Escalation
from rapport.cases.tests.factories import CaseFactory, EscalationReasonFactory
from rapport.interactions.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db

# A fixed Wednesday noon, so weeks and days fall where the tests say.
NOON = dt.datetime(2026, 3, 11, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.fixture
def world():
    lead = UserFactory(roles=["supervisor"])
    blue = TeamFactory(name="Blue", supervisor=lead)
    red = TeamFactory(name="Red")
    blue_front = QueueFactory(name="Blue front", team=blue, tier=1)
    red_front = QueueFactory(name="Red front", team=red, tier=1)
    second = QueueFactory(name="Second line", tier=2)
    ann = UserFactory(roles=["agent"], team=blue, first_name="Ann", last_name="Blue")
    bob = UserFactory(roles=["agent"], team=red, first_name="Bob", last_name="Red")
    billing = ContactTypeFactory(name="Billing")
    fault = ContactTypeFactory(name="Fault")
    authority = EscalationReasonFactory(name="Needs authority", preventable=True)
    technical = EscalationReasonFactory(name="Technical fault", preventable=False)
    return SimpleNamespace(**locals())


def escalate(*, by, queue, to, reason, contact_type, at: dt.datetime) -> Escalation:
    case = CaseFactory(queue=queue, tier=queue.tier, contact_type=contact_type)
    escalation = services.case_escalate(
        case=case,
        by=by,
        to_queue=to,
        reason=reason,
        customer_needs="What they need.",
        tried="What was tried.",
    )
    Escalation.objects.filter(pk=escalation.pk).update(escalated_at=at)
    return escalation


def handled(n: int, *, agent, contact_type, at: dt.datetime, **fields) -> None:
    InteractionFactory.create_batch(
        n, agent=agent, contact_type=contact_type, started_at=at, **fields
    )


@pytest.fixture
def figures(world):
    """Blue (Ann): 3 authority on billing, 1 technical on fault; Red (Bob): 2 technical on fault.
    One of Ann's is in an earlier week; one escalation falls outside the period."""
    w = world
    for at in (NOON, NOON, NOON - 7 * DAY):
        escalate(
            by=w.ann,
            queue=w.blue_front,
            to=w.second,
            reason=w.authority,
            contact_type=w.billing,
            at=at,
        )
    escalate(
        by=w.ann, queue=w.blue_front, to=w.second, reason=w.technical, contact_type=w.fault, at=NOON
    )
    for _ in range(2):
        escalate(
            by=w.bob,
            queue=w.red_front,
            to=w.second,
            reason=w.technical,
            contact_type=w.fault,
            at=NOON,
        )
    escalate(
        by=w.bob,
        queue=w.red_front,
        to=w.second,
        reason=w.technical,
        contact_type=w.fault,
        at=NOON - 60 * DAY,
    )
    handled(40, agent=w.ann, contact_type=w.billing, at=NOON)
    handled(20, agent=w.bob, contact_type=w.fault, at=NOON)
    handled(5, agent=w.bob, contact_type=w.fault, at=NOON, outcome="abandoned")
    handled(5, agent=None, contact_type=w.fault, at=NOON)
    return w


def run(user, **filters):
    return analysis.escalation_analysis(
        user=user, start=(NOON - 14 * DAY).date(), end=NOON.date(), **filters
    )


def rows(result, key: str) -> dict[str, int]:
    return {r.label: r.count for b in result.breakdowns if b.key == key for r in b.rows}


def breakdown(result, key: str):
    return next(b for b in result.breakdowns if b.key == key)


def test_counts_by_reason_contact_type_team_and_preventable(make_user, figures):
    result = run(make_user("admin"))

    assert result.total == 6
    assert rows(result, "reason") == {"Needs authority": 3, "Technical fault": 3}
    assert rows(result, "contact_type") == {"Billing": 3, "Fault": 3}
    assert rows(result, "team") == {"Blue": 4, "Red": 2}
    assert rows(result, "preventable") == {"Preventable": 3, "Not preventable": 3}
    assert result.preventable == 3 and result.preventable_percent == 50
    reasons = {r.label: r.preventable for r in breakdown(result, "reason").rows}
    assert reasons == {"Needs authority": True, "Technical fault": False}


def test_rows_are_largest_first_with_their_share(make_user, figures):
    result = run(make_user("admin"))

    team = breakdown(result, "team").rows
    assert [r.label for r in team] == ["Blue", "Red"]
    assert [round(r.share_percent, 1) for r in team] == [66.7, 33.3]


def test_the_rate_is_escalations_over_handled_contacts(make_user, figures):
    result = run(make_user("admin"))

    assert result.handled == 60, "abandoned and agentless contacts are not handled"
    assert result.rate == pytest.approx(6 / 60)
    team = {r.label: r for r in breakdown(result, "team").rows}
    assert team["Blue"].handled == 40 and team["Blue"].rate == pytest.approx(4 / 40)
    assert team["Red"].handled == 20 and team["Red"].rate is None and team["Red"].too_few
    assert not breakdown(result, "reason").has_rate


def test_the_minimum_n_is_a_setting(make_user, figures, settings):
    settings.RAPPORT_MIN_N_RATES = 10

    result = run(make_user("admin"))

    red = next(r for r in breakdown(result, "team").rows if r.label == "Red")
    assert red.rate == pytest.approx(2 / 20) and not red.too_few


def test_no_handled_contacts_means_no_rate(make_user, world):
    escalate(
        by=world.ann,
        queue=world.blue_front,
        to=world.second,
        reason=world.authority,
        contact_type=world.billing,
        at=NOON,
    )

    result = run(make_user("admin"))

    assert (result.total, result.handled, result.rate) == (1, 0, None)
    assert breakdown(result, "team").rows[0].too_few is False


def test_weekly_trend_covers_every_week_of_the_period(make_user, figures):
    result = run(make_user("admin"))

    weeks = [(w.start.isoformat(), w.count) for w in result.weeks]
    assert weeks == [("2026-02-23", 0), ("2026-03-02", 1), ("2026-03-09", 5)]
    assert result.chart_data()["weekly"] == {
        "labels": ["2026-02-23", "2026-03-02", "2026-03-09"],
        "counts": [0, 1, 5],
    }


def test_the_period_includes_both_end_days(make_user, world):
    start_of_day = NOON.replace(hour=0)
    for at in (start_of_day, start_of_day + DAY - dt.timedelta(seconds=1), start_of_day + DAY):
        escalate(
            by=world.ann,
            queue=world.blue_front,
            to=world.second,
            reason=world.authority,
            contact_type=world.billing,
            at=at,
        )

    result = analysis.escalation_analysis(
        user=make_user("admin"), start=NOON.date(), end=NOON.date()
    )

    assert result.total == 2


def test_filter_by_team_and_contact_type(make_user, figures):
    admin = make_user("admin")

    blue = run(admin, team=figures.blue)
    fault = run(admin, contact_type=figures.fault)

    assert (blue.total, blue.handled) == (4, 40)
    assert rows(blue, "team") == {"Blue": 4}
    assert (fault.total, fault.handled) == (3, 20)
    assert rows(fault, "reason") == {"Technical fault": 3}


@pytest.mark.parametrize("role", ["admin", "qa_analyst"])
def test_admins_and_qa_see_every_agent(make_user, figures, role):
    result = run(make_user(role))

    assert result.agents_shown == "all"
    assert rows(result, "agent") == {"Ann Blue": 4, "Bob Red": 2}
    ann = next(r for r in breakdown(result, "agent").rows if r.label == "Ann Blue")
    assert ann.handled == 40 and ann.rate == pytest.approx(0.1)


def test_a_supervisor_sees_the_agents_of_the_teams_they_lead(figures):
    result = run(figures.lead)

    assert result.agents_shown == "teams"
    assert rows(result, "agent") == {"Ann Blue": 4}
    assert rows(result, "team") == {"Blue": 4, "Red": 2}, "teams are for everyone"


@pytest.mark.parametrize("role", ["executive", "trainer"])
def test_executives_and_trainers_see_teams_not_people(make_user, figures, role):
    result = run(make_user(role))

    assert result.agents_shown == "none"
    assert "agent" not in [b.key for b in result.breakdowns]
    assert "agent" not in result.chart_data()
    assert rows(result, "team") == {"Blue": 4, "Red": 2}


@pytest.mark.parametrize("role", ["agent", "marketer"])
def test_others_get_nothing(make_user, figures, role):
    result = run(make_user(role))

    assert (result.total, result.handled, result.weeks[-1].count) == (0, 0, 0)
    assert all(not b.rows or b.key == "preventable" for b in result.breakdowns)


def test_an_escalation_by_someone_since_removed_still_counts(make_user, world):
    escalation = escalate(
        by=world.ann,
        queue=world.blue_front,
        to=world.second,
        reason=world.authority,
        contact_type=None,
        at=NOON,
    )
    Escalation.objects.filter(pk=escalation.pk).update(escalated_by=None, from_team=None)

    result = run(make_user("admin"))

    assert rows(result, "team") == {"(no team)": 1}
    assert rows(result, "agent") == {"(former user)": 1}
    assert rows(result, "contact_type") == {"(not recorded)": 1}


def test_the_current_time_zone_decides_the_day(make_user, world, settings):
    settings.TIME_ZONE = "America/New_York"
    late_evening_in_new_york = dt.datetime(2026, 3, 12, 2, 0, tzinfo=dt.UTC)
    escalate(
        by=world.ann,
        queue=world.blue_front,
        to=world.second,
        reason=world.authority,
        contact_type=None,
        at=late_evening_in_new_york,
    )
    timezone.deactivate()

    result = analysis.escalation_analysis(
        user=make_user("admin"), start=dt.date(2026, 3, 11), end=dt.date(2026, 3, 11)
    )

    assert result.total == 1
