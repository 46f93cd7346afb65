"""Assigning a case to a person of its queue's team, taking it, and giving it back."""

import pytest

from rapport.access.tests.factories import QueueFactory
from rapport.accounts.tests.factories import TeamFactory
from rapport.cases import services
from rapport.cases.choices import CaseEventKind, CaseStatus
from rapport.cases.tests.factories import CaseFactory, EscalationReasonFactory
from rapport.core.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue():
    return QueueFactory()


@pytest.fixture
def agent(make_user, queue):
    return make_user("agent", team=queue.team)


def test_assigning_a_new_case_to_a_team_member_opens_it(make_user, agent, queue):
    colleague = make_user("agent", team=queue.team)
    case = CaseFactory(queue=queue)

    services.case_assign(case=case, by=agent, assignee=colleague)

    case.refresh_from_db()
    assert case.assignee == colleague
    assert case.status == CaseStatus.OPEN
    event = case.events.get(kind=CaseEventKind.ASSIGNED)
    assert event.actor == agent and event.detail["assignee"] == str(colleague)


def test_someone_outside_the_owning_team_cannot_be_given_the_case(make_user, agent, queue):
    outsider = make_user("agent", team=TeamFactory())
    case = CaseFactory(queue=queue)

    with pytest.raises(ValidationFailed) as raised:
        services.case_assign(case=case, by=agent, assignee=outsider)

    assert "assignee" in raised.value.fields
    case.refresh_from_db()
    assert case.assignee is None and case.status == CaseStatus.NEW


def test_a_supervisor_of_the_team_may_take_the_case(make_user, queue):
    supervisor = make_user("supervisor")
    queue.team.supervisor = supervisor
    queue.team.save()
    case = CaseFactory(queue=queue)

    services.case_assign(case=case, by=supervisor, assignee=supervisor)

    assert case.assignee == supervisor


def test_giving_the_case_back_to_the_queue(agent, queue):
    case = CaseFactory(queue=queue, assignee=agent, status=CaseStatus.OPEN)

    services.case_assign(case=case, by=agent, assignee=None)

    case.refresh_from_db()
    assert case.assignee is None
    assert case.status == CaseStatus.OPEN


@pytest.mark.parametrize(("roles", "same_team"), [(("agent",), False), (("qa_analyst",), True)])
def test_others_may_not_assign(make_user, agent, queue, roles, same_team):
    user = make_user(*roles, team=queue.team if same_team else TeamFactory())
    case = CaseFactory(queue=queue)

    with pytest.raises(PermissionDenied):
        services.case_assign(case=case, by=user, assignee=agent)

    case.refresh_from_db()
    assert case.assignee is None


def test_taking_an_escalated_case_marks_the_escalation_received(make_user, agent, queue):
    second_line = QueueFactory(tier=2)
    specialist = make_user("agent", team=second_line.team)
    case = CaseFactory(queue=queue)
    escalation = services.case_escalate(
        case=case,
        by=agent,
        to_queue=second_line,
        reason=EscalationReasonFactory(),
        customer_needs="A new router.",
        tried="Two resets.",
    )

    # giving it back to the queue is not receiving it
    services.case_assign(case=case, by=specialist, assignee=None)
    escalation.refresh_from_db()
    assert escalation.received_at is None

    services.case_assign(case=case, by=specialist, assignee=specialist)
    escalation.refresh_from_db()
    assert escalation.received_at is not None
