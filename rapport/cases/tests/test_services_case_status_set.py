"""Status changes: allowed transitions, who may make them, and clocks that stand still while we
wait for the customer."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from rapport.access.tests.factories import (
    CalendarFactory,
    ObjectiveFactory,
    QueueFactory,
    office_hours,
)
from rapport.accounts.tests.factories import TeamFactory
from rapport.cases import services
from rapport.cases.choices import CaseEventKind, CaseStatus, Clock
from rapport.cases.models import Case, SlaBreach
from rapport.cases.tests.factories import CaseFactory
from rapport.core.errors import PermissionDenied, ValidationFailed
from rapport.customers.tests.factories import ContactPointFactory
from rapport.interactions.services import InboundMessage, inbound_receive

pytestmark = pytest.mark.django_db

UTC = dt.UTC
MONDAY = dt.date(2026, 1, 5)
HOUR = dt.timedelta(hours=1)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UTC)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


@pytest.fixture
def queue():
    return QueueFactory()


@pytest.fixture
def agent(make_user, queue):
    return make_user("agent", team=queue.team)


def email_case(
    *, agent, opened: dt.datetime, first_minutes: int, resolution_minutes: int, calendar=None
):
    """A case opened from the customer's e-mail address, with an objective on `calendar`."""
    ObjectiveFactory(
        calendar=calendar or CalendarFactory(always_open=True),
        first_response_minutes=first_minutes,
        resolution_minutes=resolution_minutes,
    )
    point = ContactPointFactory(value="alice@example.com")
    return services.case_open(
        by=agent,
        customer=point.customer,
        subject="Router down",
        channel="email",
        at=opened,
        queue=QueueFactory(team=agent.team),
    )


def customer_writes(case: Case, *, sent_at: dt.datetime, conversation: str = "") -> None:
    inbound_receive(
        inbound=InboundMessage(
            channel="email",
            source="email",
            conversation_id=conversation or f"<{uuid.uuid4()}@mail.example.com>",
            sender_kind="email",
            sender="alice@example.com",
            sent_at=sent_at,
            subject=f"Re: Router down [{case.reference}]",
            text="Here is the serial number you asked for.",
        )
    )


def waiting_since(case: Case, *, agent, since: dt.datetime) -> Case:
    """Put the case in waiting through the service, then date the pause to a known instant."""
    services.case_status_set(case=case, by=agent, status=CaseStatus.WAITING)
    Case.objects.filter(pk=case.pk).update(paused_at=since)
    case.refresh_from_db()
    return case


# --- transitions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "goal"),
    [
        (CaseStatus.NEW, CaseStatus.OPEN),
        (CaseStatus.OPEN, CaseStatus.WAITING),
        (CaseStatus.WAITING, CaseStatus.OPEN),
        (CaseStatus.OPEN, CaseStatus.RESOLVED),
        (CaseStatus.RESOLVED, CaseStatus.CLOSED),
        (CaseStatus.RESOLVED, CaseStatus.OPEN),
        (CaseStatus.CLOSED, CaseStatus.OPEN),
    ],
)
def test_allowed_transition_is_recorded(agent, queue, start, goal):
    case = CaseFactory(queue=queue, status=start)

    services.case_status_set(case=case, by=agent, status=goal)

    case.refresh_from_db()
    assert case.status == goal
    event = case.events.get(kind=CaseEventKind.STATUS)
    assert event.actor == agent
    assert event.detail["previous"] == start and event.detail["status"] == goal


@pytest.mark.parametrize(
    ("start", "goal"),
    [
        (CaseStatus.RESOLVED, CaseStatus.WAITING),
        (CaseStatus.CLOSED, CaseStatus.RESOLVED),
        (CaseStatus.CLOSED, CaseStatus.WAITING),
        (CaseStatus.OPEN, CaseStatus.NEW),
    ],
)
def test_refused_transition_leaves_the_case_alone(agent, queue, start, goal):
    case = CaseFactory(queue=queue, status=start)

    with pytest.raises(ValidationFailed) as raised:
        services.case_status_set(case=case, by=agent, status=goal)

    assert raised.value.code == "bad_transition"
    assert "status" in raised.value.fields
    case.refresh_from_db()
    assert case.status == start
    assert not case.events.exists()


def test_unknown_status_is_refused(agent, queue):
    case = CaseFactory(queue=queue)

    with pytest.raises(ValidationFailed) as raised:
        services.case_status_set(case=case, by=agent, status="sleeping")

    assert "status" in raised.value.fields


def test_resolve_close_and_reopen_keep_their_timestamps_right(agent, queue):
    case = CaseFactory(queue=queue, status=CaseStatus.OPEN)

    services.case_status_set(case=case, by=agent, status=CaseStatus.RESOLVED)
    assert case.resolved_at is not None and case.closed_at is None
    services.case_status_set(case=case, by=agent, status=CaseStatus.CLOSED)
    assert case.closed_at is not None
    services.case_status_set(case=case, by=agent, status=CaseStatus.OPEN)

    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert case.resolved_at is None and case.closed_at is None


# --- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "relation"),
    [
        (("agent",), "queue team"),
        (("agent",), "assignee"),
        (("supervisor",), "supervises queue team"),
        (("admin",), "none"),
    ],
)
def test_case_workers_may_change_status(make_user, queue, roles, relation):
    user = make_user(*roles, team=queue.team if relation == "queue team" else TeamFactory())
    case = CaseFactory(queue=queue, assignee=user if relation == "assignee" else None)
    if relation == "supervises queue team":
        queue.team.supervisor = user
        queue.team.save()

    services.case_status_set(case=case, by=user, status=CaseStatus.OPEN)

    assert case.status == CaseStatus.OPEN


@pytest.mark.parametrize(
    ("roles", "same_team"),
    [
        (("agent",), False),
        (("supervisor",), False),
        (("qa_analyst",), True),
        (("trainer",), True),
    ],
)
def test_others_may_not_change_status(make_user, queue, roles, same_team):
    user = make_user(*roles, team=queue.team if same_team else TeamFactory())
    case = CaseFactory(queue=queue)

    with pytest.raises(PermissionDenied):
        services.case_status_set(case=case, by=user, status=CaseStatus.OPEN)

    case.refresh_from_db()
    assert case.status == CaseStatus.NEW


# --- waiting for the customer ----------------------------------------------------------------


def test_waiting_pauses_the_clocks(agent):
    case = email_case(agent=agent, opened=timezone.now(), first_minutes=60, resolution_minutes=600)

    services.case_status_set(case=case, by=agent, status=CaseStatus.WAITING)

    case.refresh_from_db()
    assert case.paused_at is not None
    # then a check long after both deadlines finds nothing to breach
    assert services.sla_check(now=timezone.now() + days(30)) == {"warnings": 0, "breaches": 0}
    assert not SlaBreach.objects.exists()


def test_resuming_moves_deadlines_by_the_business_time_waited(agent):
    # given office hours 09-17, 2 h first response and 16 h (two days) resolution,
    # a case opened Monday 10:00: first response due Monday 12:00, resolution Wednesday 10:00
    case = email_case(
        agent=agent,
        opened=at(MONDAY, 10),
        first_minutes=120,
        resolution_minutes=960,
        calendar=office_hours(),
    )
    assert case.first_response_due == at(MONDAY, 12)
    assert case.resolution_due == at(MONDAY + days(2), 10)
    # and it has waited for the customer since Monday 11:00
    case = waiting_since(case, agent=agent, since=at(MONDAY, 11))

    # when the customer writes back on Tuesday at 11:00 (8 business hours later)
    customer_writes(case, sent_at=at(MONDAY + days(1), 11))

    # then both deadlines move on by 8 business hours and the case is open again
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert case.paused_at is None
    assert case.first_response_due == at(MONDAY + days(1), 12)
    assert case.resolution_due == at(MONDAY + days(3), 10)


def test_a_first_response_already_given_keeps_its_deadline(agent):
    start = timezone.now() - days(2)
    case = email_case(agent=agent, opened=start, first_minutes=60, resolution_minutes=6000)
    Case.objects.filter(pk=case.pk).update(first_responded_at=start + dt.timedelta(minutes=30))
    case.refresh_from_db()
    first_due, resolution_due = case.first_response_due, case.resolution_due
    case = waiting_since(case, agent=agent, since=start + HOUR)

    customer_writes(case, sent_at=start + 4 * HOUR)

    case.refresh_from_db()
    assert case.first_response_due == first_due
    assert case.resolution_due == resolution_due + 3 * HOUR


def test_resolving_a_waiting_case_counts_the_wait_as_paused(agent):
    # given a case with 1 h to resolve, which waited for the customer almost all its life
    start = timezone.now() - 3 * HOUR
    case = email_case(agent=agent, opened=start, first_minutes=30, resolution_minutes=60)
    Case.objects.filter(pk=case.pk).update(first_responded_at=start)
    case = waiting_since(case, agent=agent, since=start + dt.timedelta(minutes=10))

    # when it is resolved now, 3 h after opening
    services.case_status_set(case=case, by=agent, status=CaseStatus.RESOLVED)

    # then only 10 minutes ran on the clock: no breach
    assert case.resolution_due is not None and case.resolution_due > timezone.now()
    assert not SlaBreach.objects.exists()


def test_the_same_conversation_resumes_a_waiting_case(agent, queue):
    # given a case opened by an SMS (in the agent's team's queue, the only one), waiting
    first = inbound_receive(
        inbound=InboundMessage(
            channel="sms",
            source="sms",
            conversation_id="thread-1",
            message_id="m1",
            sender_kind="phone",
            sender="+12125550100",
            sent_at=timezone.now() - HOUR,
            text="No signal",
        )
    )
    case = first.interaction.case
    assert case is not None and case.queue == queue
    services.case_status_set(case=case, by=agent, status=CaseStatus.WAITING)

    # when the customer answers in the same thread
    inbound_receive(
        inbound=InboundMessage(
            channel="sms",
            source="sms",
            conversation_id="thread-1",
            message_id="m2",
            sender_kind="phone",
            sender="+12125550100",
            sent_at=timezone.now(),
            text="Still none",
        )
    )

    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert case.paused_at is None


# --- breaches on resolution ------------------------------------------------------------------


def test_resolved_after_the_due_time_records_one_breach(agent):
    case = email_case(
        agent=agent, opened=timezone.now() - 3 * HOUR, first_minutes=30, resolution_minutes=60
    )

    services.case_status_set(case=case, by=agent, status=CaseStatus.RESOLVED)
    # reopened and resolved late again, then checked: still the one breach
    services.case_status_set(case=case, by=agent, status=CaseStatus.OPEN)
    services.case_status_set(case=case, by=agent, status=CaseStatus.RESOLVED)
    services.sla_check()

    breach = SlaBreach.objects.get(case=case, clock=Clock.RESOLUTION)
    assert breach.due_at == case.resolution_due
    assert SlaBreach.objects.filter(case=case, clock=Clock.RESOLUTION).count() == 1
    assert (
        case.events.filter(kind=CaseEventKind.SLA_BREACH, detail__clock=Clock.RESOLUTION).count()
        == 1
    )


def test_resolved_in_time_records_no_breach(agent):
    case = email_case(agent=agent, opened=timezone.now(), first_minutes=30, resolution_minutes=60)

    services.case_status_set(case=case, by=agent, status=CaseStatus.RESOLVED)

    assert not SlaBreach.objects.filter(clock=Clock.RESOLUTION).exists()
