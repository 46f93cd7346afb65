"""Escalation: a reason and a hand-off summary, to another queue, by someone who works the case;
the chain is kept in order."""

import pytest

from rapport.access.tests.factories import QueueFactory
from rapport.accounts.tests.factories import TeamFactory
from rapport.cases import services
from rapport.cases.choices import CaseEventKind, CaseStatus
from rapport.cases.models import Escalation
from rapport.cases.tests.factories import CaseFactory, EscalationReasonFactory
from rapport.core.errors import PermissionDenied, ValidationFailed
from rapport.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def front_line():
    return QueueFactory(code="front", name="Front line", tier=1)


@pytest.fixture
def second_line():
    return QueueFactory(code="second", name="Second line", tier=2)


@pytest.fixture
def agent(make_user, front_line):
    return make_user("agent", team=front_line.team)


@pytest.fixture
def case(front_line):
    return CaseFactory(queue=front_line, tier=1)


@pytest.fixture
def reason():
    return EscalationReasonFactory(name="Needs authority", preventable=False)


def escalate(case, by, to_queue, reason, **changes):
    arguments = {
        "case": case,
        "by": by,
        "to_queue": to_queue,
        "reason": reason,
        "customer_needs": "A refund of the double charge in March.",
        "tried": "Checked both payments; front line cannot refund above 100.",
    } | changes
    return services.case_escalate(**arguments)


def test_escalation_hands_over_with_the_summary(make_user, agent, case, second_line, reason):
    specialist = make_user("agent", team=second_line.team)

    escalation = escalate(
        case, agent, second_line, reason, promised="A call back by Friday.", to_agent=specialist
    )

    assert escalation.reason == reason
    assert escalation.customer_needs == "A refund of the double charge in March."
    assert escalation.tried.startswith("Checked both payments")
    assert escalation.promised == "A call back by Friday."
    assert (escalation.from_queue.code, escalation.to_queue) == ("front", second_line)
    assert (escalation.from_tier, escalation.to_tier) == (1, 2)
    assert escalation.escalated_by == agent and escalation.from_team == agent.team
    assert escalation.received_at is None
    case.refresh_from_db()
    assert case.queue == second_line and case.tier == 2
    assert case.assignee == specialist
    assert case.status == CaseStatus.OPEN
    event = case.events.get(kind=CaseEventKind.ESCALATED)
    assert event.detail["escalation"] == escalation.pk
    assert AuditEvent.objects.filter(action="case.escalated", target_id=str(case.pk)).exists()


@pytest.mark.parametrize("preventable", [True, False])
def test_preventable_is_copied_from_the_reason(agent, case, second_line, preventable):
    reason = EscalationReasonFactory(preventable=preventable)

    escalation = escalate(case, agent, second_line, reason)

    assert escalation.preventable is preventable
    # changing the reason later does not rewrite history
    reason.preventable = not preventable
    reason.save()
    escalation.refresh_from_db()
    assert escalation.preventable is preventable


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"customer_needs": ""}, {"customer_needs"}),
        ({"tried": "   "}, {"tried"}),
        ({"customer_needs": " ", "tried": ""}, {"customer_needs", "tried"}),
        ({"reason": None}, {"reason"}),
    ],
)
def test_reason_needs_and_tried_are_required(agent, case, second_line, reason, changes, missing):
    with pytest.raises(ValidationFailed) as raised:
        escalate(case, agent, second_line, **({"reason": reason} | changes))

    assert set(raised.value.fields) == missing
    assert not Escalation.objects.exists()
    case.refresh_from_db()
    assert case.queue.code == "front"


def test_a_retired_reason_is_refused(agent, case, second_line):
    retired = EscalationReasonFactory(is_active=False)

    with pytest.raises(ValidationFailed) as raised:
        escalate(case, agent, second_line, retired)

    assert "reason" in raised.value.fields


def test_the_same_queue_is_refused(agent, case, front_line, reason):
    with pytest.raises(ValidationFailed) as raised:
        escalate(case, agent, front_line, reason)

    assert "to_queue" in raised.value.fields
    assert not Escalation.objects.exists()


def test_an_agent_outside_the_receiving_team_is_refused(
    make_user, agent, case, second_line, reason
):
    outsider = make_user("agent", team=TeamFactory())

    with pytest.raises(ValidationFailed) as raised:
        escalate(case, agent, second_line, reason, to_agent=outsider)

    assert "to_agent" in raised.value.fields
    assert not Escalation.objects.exists()


def test_the_chain_is_kept_in_order(make_user, agent, case, second_line, reason):
    third_line = QueueFactory(code="third", tier=3)
    specialist = make_user("agent", team=second_line.team)

    first = escalate(case, agent, second_line, reason)
    second = escalate(case, specialist, third_line, EscalationReasonFactory(preventable=True))

    chain = list(case.escalations.all())
    assert chain == [first, second]
    assert second.from_queue == first.to_queue == second_line
    assert (second.from_tier, second.to_tier) == (2, 3)
    assert second.escalated_by == specialist
    case.refresh_from_db()
    assert case.queue == third_line


def test_after_escalating_the_front_line_no_longer_works_the_case(agent, case, second_line, reason):
    escalate(case, agent, second_line, reason)

    with pytest.raises(PermissionDenied):
        escalate(case, agent, QueueFactory(tier=3), reason)


@pytest.mark.parametrize(
    ("roles", "same_team"), [(("agent",), False), (("qa_analyst",), True), (("executive",), True)]
)
def test_only_a_case_worker_may_escalate(make_user, case, second_line, reason, roles, same_team):
    user = make_user(*roles, team=case.queue.team if same_team else TeamFactory())

    with pytest.raises(PermissionDenied):
        escalate(case, user, second_line, reason)

    assert not Escalation.objects.exists()


@pytest.mark.parametrize("status", [CaseStatus.RESOLVED, CaseStatus.CLOSED])
def test_a_finished_case_cannot_be_escalated(agent, front_line, second_line, reason, status):
    case = CaseFactory(queue=front_line, status=status)

    with pytest.raises(ValidationFailed) as raised:
        escalate(case, agent, second_line, reason)

    assert raised.value.code == "case_closed"
    assert not Escalation.objects.exists()


def test_a_waiting_case_keeps_waiting_when_escalated(agent, front_line, second_line, reason):
    case = CaseFactory(queue=front_line, status=CaseStatus.WAITING)

    escalate(case, agent, second_line, reason)

    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING and case.queue == second_line
