"""/api/v1/escalations/ (hand-offs with their summaries) and /api/v1/escalation-reasons/ (the taxonomy)."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from rapport.access.tests.factories import QueueFactory
from rapport.accounts.tests.factories import UserFactory
from rapport.cases import services
from rapport.cases.models import Escalation
from rapport.cases.tests.factories import CaseFactory, EscalationReasonFactory
from rapport.customers.models import Customer

pytestmark = pytest.mark.django_db

ESCALATIONS = "/api/v1/escalations/"
REASONS = "/api/v1/escalation-reasons/"


def escalate(*, reason=None, to_queue=None) -> Escalation:
    front = QueueFactory()
    return services.case_escalate(
        case=CaseFactory(queue=front),
        by=UserFactory(roles=["agent"], team=front.team),
        to_queue=to_queue or QueueFactory(tier=2),
        reason=reason or EscalationReasonFactory(),
        customer_needs="A refund.",
        tried="Checked the bill.",
    )


def _ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize("role", ["agent", "supervisor", "qa_analyst", "admin"])
def test_readers_list_escalations_newest_first(api_for, role):
    api, _ = api_for(role)
    older, newer = escalate(), escalate()
    Escalation.objects.filter(pk=older.pk).update(
        escalated_at=timezone.now() - dt.timedelta(days=1)
    )

    response = api.get(ESCALATIONS)

    assert response.status_code == 200
    assert _ids(response) == [newer.pk, older.pk]
    assert response.json()["results"][0]["customer_needs"] == "A refund."


@pytest.mark.parametrize("role", ["trainer", "marketer", "executive"])
def test_others_get_an_empty_list(api_for, role):
    api, _ = api_for(role)
    escalate()

    response = api.get(ESCALATIONS)

    assert response.status_code == 200 and response.json()["results"] == []


def test_anonymous_is_401():
    assert APIClient().get(ESCALATIONS).status_code == 401
    assert APIClient().get(REASONS).status_code == 401


def test_an_erased_customers_hand_offs_are_left_out(api_for):
    api, _ = api_for("agent")
    kept, gone = escalate(), escalate()
    Customer.objects.filter(pk=gone.case.customer_id).update(erased_at=timezone.now())

    assert _ids(api.get(ESCALATIONS)) == [kept.pk]


def test_filters(api_for):
    api, _ = api_for("agent")
    authority = EscalationReasonFactory(preventable=True)
    billing = QueueFactory(tier=2)
    by_reason = escalate(reason=authority)
    to_billing = escalate(to_queue=billing)
    Escalation.objects.filter(pk=to_billing.pk).update(
        escalated_at=timezone.now() - dt.timedelta(days=10)
    )
    week_ago = (timezone.now() - dt.timedelta(days=7)).isoformat()

    def ids(**params) -> set[int]:
        return set(_ids(api.get(ESCALATIONS, params)))

    assert ids(reason=authority.pk) == {by_reason.pk}
    assert ids(preventable="true") == {by_reason.pk}
    assert ids(to_queue=billing.pk) == {to_billing.pk}
    assert ids(case=by_reason.case_id) == {by_reason.pk}
    assert ids(from_team=by_reason.from_team_id) == {by_reason.pk}
    assert ids(escalated_after=week_ago) == {by_reason.pk}
    assert ids(escalated_before=week_ago) == {to_billing.pk}
    assert api.get(ESCALATIONS, {"escalated_after": "last week"}).status_code == 400


def test_escalation_list_queries_do_not_grow(api_for, django_assert_max_num_queries):
    api, _ = api_for("agent")
    escalate()
    with django_assert_max_num_queries(10) as few:
        api.get(ESCALATIONS)
    for _ in range(5):
        escalate()

    with django_assert_max_num_queries(len(few.captured_queries)):
        body = api.get(ESCALATIONS).json()

    assert body["count"] == 6


@pytest.mark.parametrize(
    "role", ["agent", "supervisor", "trainer", "qa_analyst", "marketer", "executive", "admin"]
)
def test_everyone_signed_in_reads_the_reason_taxonomy(api_for, role):
    api, _ = api_for(role)
    EscalationReasonFactory(code="authority", name="Needs authority", preventable=True)
    EscalationReasonFactory(code="old", name="Old reason", is_active=False)

    response = api.get(REASONS)

    assert response.status_code == 200
    assert [(r["code"], r["preventable"], r["is_active"]) for r in response.json()["results"]] == [
        ("authority", True, True),
        ("old", False, False),
    ]
    active = api.get(REASONS, {"is_active": "true"}).json()["results"]
    assert [r["code"] for r in active] == ["authority"]
