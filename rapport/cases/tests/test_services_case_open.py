"""Opening a case: routing by customer and reason, SLA clocks from the objective in business hours."""

import datetime as dt

import pytest

from rapport.access.models import Queue, RoutingRule
from rapport.access.tests.factories import (
    CalendarFactory,
    ContactTypeFactory,
    ObjectiveFactory,
    QueueFactory,
    RoutingRuleFactory,
    office_hours,
)
from rapport.cases import services
from rapport.cases.choices import CaseEventKind, CaseStatus
from rapport.cases.models import Case
from rapport.core.errors import ValidationFailed
from rapport.customers.tests.factories import CustomerFactory
from rapport.interactions.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
MONDAY = dt.date(2026, 1, 5)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UTC)


@pytest.fixture
def front_line():
    return QueueFactory(code="front", name="Front line", tier=1)


def test_due_dates_run_in_business_hours(make_user, front_line):
    # given office hours 09-17 and an objective of 1 h first response, 8 h resolution
    ObjectiveFactory(calendar=office_hours(), first_response_minutes=60, resolution_minutes=480)
    agent = make_user("agent")

    # when a case is opened on Monday at 16:30
    case = services.case_open(
        by=agent,
        customer=CustomerFactory(),
        subject="Router down",
        channel="email",
        at=at(MONDAY, 16, 30),
    )

    # then the clocks stop overnight
    assert case.first_response_due == at(MONDAY + dt.timedelta(days=1), 9, 30)
    assert case.resolution_due == at(MONDAY + dt.timedelta(days=1), 16, 30)
    assert case.opened_at == at(MONDAY, 16, 30)
    assert case.status == CaseStatus.NEW
    assert case.opened_by == agent


def test_the_objective_for_the_reason_and_channel_sets_the_clocks(front_line):
    fault = ContactTypeFactory(name="Fault report")
    always = CalendarFactory(always_open=True)
    ObjectiveFactory(
        calendar=always,
        contact_type=None,
        channel="",
        first_response_minutes=600,
        resolution_minutes=6000,
    )
    specific = ObjectiveFactory(
        calendar=always,
        contact_type=fault,
        channel="sms",
        first_response_minutes=15,
        resolution_minutes=120,
    )
    opened = at(MONDAY, 10)

    case = services.case_open(
        by=None, customer=None, subject="No signal", channel="sms", contact_type=fault, at=opened
    )

    assert case.objective == specific
    assert case.first_response_due == opened + dt.timedelta(minutes=15)
    assert case.resolution_due == opened + dt.timedelta(minutes=120)


def test_without_an_objective_no_clock_runs(front_line):
    case = services.case_open(by=None, customer=None, subject="Question", channel="email")

    assert case.objective is None
    assert case.first_response_due is None and case.resolution_due is None


def test_routed_by_customer_criteria_and_reason(front_line):
    # given corporate customers go to an urgent desk, and a catch-all rule
    corporate = QueueFactory(code="corporate", tier=1)
    RoutingRuleFactory(rank=10, segment="corporate", queue=corporate, priority="urgent")
    RoutingRuleFactory(rank=99, queue=front_line, priority="low")
    customer = CustomerFactory(segment="corporate", value_tier="gold")

    case = services.case_open(by=None, customer=customer, subject="Invoice", channel="email")

    assert case.queue == corporate
    assert case.priority == "urgent"
    assert case.tier == 1


def test_routing_ignores_the_channel(front_line):
    gold_desk = QueueFactory(code="gold")
    RoutingRuleFactory(value_tier="gold", queue=gold_desk, priority="high")
    customer = CustomerFactory(value_tier="gold")

    cases = [
        services.case_open(by=None, customer=customer, subject="Same issue", channel=channel)
        for channel in ("phone", "email", "chat", "sms", "social")
    ]

    assert {(case.queue_id, case.priority) for case in cases} == {(gold_desk.pk, "high")}


def test_unrouted_goes_to_the_default_queue_at_normal_priority(front_line):
    QueueFactory(code="tier2", tier=2)
    RoutingRuleFactory(segment="public_sector", priority="urgent")

    case = services.case_open(by=None, customer=CustomerFactory(), subject="Hello", channel="email")

    assert case.queue == front_line
    assert case.priority == "normal"


def test_a_given_queue_and_priority_win_over_routing(front_line):
    second_line = QueueFactory(code="second", tier=2)
    RoutingRuleFactory(queue=front_line, priority="low")

    case = services.case_open(
        by=None,
        customer=None,
        subject="Hard one",
        channel="phone",
        queue=second_line,
        priority="high",
    )

    assert case.queue == second_line
    assert case.tier == 2
    assert case.priority == "high"


def test_no_queue_at_all_is_a_clear_error():
    assert not Queue.objects.exists() and not RoutingRule.objects.exists()

    with pytest.raises(ValidationFailed) as raised:
        services.case_open(by=None, customer=None, subject="Anyone?", channel="email")

    assert raised.value.code == "no_queue"
    assert "admin" in raised.value.message
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject": "   "}, "subject"),
        ({"channel": "pigeon"}, "channel"),
        ({"priority": "whenever"}, "priority"),
    ],
)
def test_bad_input_names_the_field(front_line, changes, field):
    arguments = {"by": None, "customer": None, "subject": "Fine", "channel": "email"} | changes

    with pytest.raises(ValidationFailed) as raised:
        services.case_open(**arguments)

    assert field in raised.value.fields
    assert not Case.objects.exists()


def test_opening_is_on_the_timeline_and_links_the_contact(make_user, front_line):
    agent = make_user("agent")
    call = InteractionFactory(channel="phone", direction="inbound", agent=agent)

    case = services.case_open(
        by=agent,
        customer=call.customer,
        subject="Called about a bill",
        channel="phone",
        interaction=call,
    )

    call.refresh_from_db()
    assert call.case == case
    kinds = set(case.events.values_list("kind", flat=True))
    # an answered call is the agent's first response
    assert kinds == {CaseEventKind.OPENED, CaseEventKind.CONTACT, CaseEventKind.RESPONDED}
    assert case.first_responded_at is not None
    assert case.reference == f"C-{case.pk}"
