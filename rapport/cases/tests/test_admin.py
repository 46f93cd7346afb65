"""Admins maintain escalation reasons and read cases, breaches and escalations in the admin;
cases themselves change only through the services."""

import pytest
from django.urls import reverse

from rapport.access.tests.factories import QueueFactory
from rapport.cases.models import Case, EscalationReason
from rapport.cases.tests.factories import CaseFactory, EscalationReasonFactory

pytestmark = pytest.mark.django_db


def url(model: str, page: str, *args) -> str:
    return reverse(f"admin:cases_{model}_{page}", args=args)


@pytest.fixture
def escalated_case(make_user):
    from rapport.cases import services

    front, second = QueueFactory(tier=1), QueueFactory(tier=2)
    agent = make_user("agent", team=front.team)
    case = CaseFactory(queue=front)
    services.case_escalate(
        case=case,
        by=agent,
        to_queue=second,
        reason=EscalationReasonFactory(),
        customer_needs="A refund.",
        tried="Checked the payments.",
    )
    return case


def test_admin_maintains_escalation_reasons(client_for):
    client, _ = client_for("admin")
    reason = EscalationReasonFactory()

    assert client.get(url("escalationreason", "changelist"), {"q": "reason"}).status_code == 200
    assert client.get(url("escalationreason", "add")).status_code == 200
    assert client.get(url("escalationreason", "change", reason.pk)).status_code == 200
    added = client.post(
        url("escalationreason", "add"),
        {"code": "authority", "name": "Needs authority", "preventable": "on", "is_active": "on"},
    )
    assert added.status_code == 302
    assert EscalationReason.objects.get(code="authority").preventable is True


@pytest.mark.parametrize("model", ["case", "escalation", "slabreach"])
def test_admin_reads_cases_and_escalations(client_for, escalated_case, model):
    client, _ = client_for("admin")
    record = {"case": escalated_case, "escalation": escalated_case.escalations.get()}.get(model)

    assert client.get(url(model, "changelist"), {"q": str(escalated_case.pk)}).status_code == 200
    if record is not None:
        page = client.get(url(model, "change", record.pk))
        assert page.status_code == 200
        assert page.context["has_change_permission"] is False
    # nothing is added by hand: a case needs its clocks, routing and timeline
    assert client.get(url(model, "add")).status_code == 403


def test_a_case_cannot_be_edited_in_the_admin(client_for, escalated_case):
    client, _ = client_for("admin")

    response = client.post(
        url("case", "change", escalated_case.pk), {"subject": "Changed", "status": "closed"}
    )

    assert response.status_code == 403
    escalated_case.refresh_from_db()
    assert escalated_case.status != "closed"
    assert Case.objects.filter(subject="Changed").count() == 0


def test_cases_are_searched_by_reference(client_for, escalated_case):
    client, _ = client_for("admin")
    other = CaseFactory()

    by_reference = client.get(url("case", "changelist"), {"q": escalated_case.reference})

    assert [case.pk for case in by_reference.context["cl"].result_list] == [escalated_case.pk]
    assert other.pk != escalated_case.pk


@pytest.mark.parametrize("role", ["agent", "supervisor", "qa_analyst"])
@pytest.mark.parametrize("model", ["escalationreason", "case", "escalation"])
def test_other_roles_are_kept_out(client_for, model, role):
    client, _ = client_for(role)

    response = client.get(url(model, "changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert client.get(url(model, "add")).status_code == 302
