"""GET /api/v1/screen-pop?phone=…: who is calling, their last contacts and their open cases."""

import datetime

import pytest
from django.utils import timezone

from rapport.cases.tests.factories import CaseFactory
from rapport.customers.tests.factories import CustomerFactory, ErasedCustomerFactory, PhoneFactory
from rapport.interactions.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db

POP = "/api/v1/screen-pop"


def test_payload_for_a_number_written_any_way(api_for, desk):
    api, _ = api_for("agent")
    now = timezone.now()
    case = CaseFactory(
        customer=desk.customer,
        queue=desk.tier1,
        status="open",
        priority="high",
        subject="Lost card",
        resolution_due=now + datetime.timedelta(hours=4),
    )
    CaseFactory(customer=desk.customer, queue=desk.tier1, status="resolved", subject="Old news")
    call = InteractionFactory(
        customer=desk.customer,
        channel="phone",
        agent=desk.agent,
        contact_type=desk.billing,
        outcome="resolved",
        summary="Asked about fees",
        case=case,
        started_at=now - datetime.timedelta(minutes=5),
    )
    email = InteractionFactory(
        customer=desk.customer,
        channel="email",
        direction="outbound",
        started_at=now - datetime.timedelta(days=1),
        summary="Your statement",
    )
    written = (
        f"({desk.phone.normalised[2:5]}) {desk.phone.normalised[5:8]}.{desk.phone.normalised[8:]}"
    )

    response = api.get(POP, {"phone": written})

    assert response.status_code == 200
    body = response.json()
    assert body["customer"]["id"] == desk.customer.pk
    assert body["customer"]["name"] == "Ada Okafor"
    assert body["customer"]["household"]["name"] == "The Okafors"
    assert body["customer"]["value_tier"] == "gold"
    assert [p["name"] for p in body["customer"]["products"]] == ["Everyday Account"]
    assert [i["id"] for i in body["interactions"]] == [call.pk, email.pk]
    first = body["interactions"][0]
    assert first == {
        "id": call.pk,
        "channel": "phone",
        "direction": "inbound",
        "started_at": call.started_at.isoformat().replace("+00:00", "Z"),
        "subject": "",
        "summary": "Asked about fees",
        "outcome": "resolved",
        "agent": {"id": desk.agent.pk, "username": "ana", "name": "Ana Agent"},
        "contact_type": {"id": desk.billing.pk, "code": "billing", "name": "Billing question"},
        "case": {"id": case.pk, "reference": case.reference},
    }
    assert body["interactions"][1]["agent"] is None and body["interactions"][1]["case"] is None
    assert body["open_cases"] == [
        {
            "id": case.pk,
            "reference": case.reference,
            "subject": "Lost card",
            "status": "open",
            "priority": "high",
            "resolution_due": case.resolution_due.isoformat().replace("+00:00", "Z"),
        }
    ]
    assert body["open_cases_truncated"] is False


def test_only_the_last_20_newest_first(api_for, desk):
    api, _ = api_for("agent")
    now = timezone.now()
    made = [
        InteractionFactory(customer=desk.customer, started_at=now - datetime.timedelta(hours=n))
        for n in range(25)
    ]

    body = api.get(POP, {"phone": desk.phone.normalised}).json()

    assert [i["id"] for i in body["interactions"]] == [i.pk for i in made[:20]]


def test_a_handful_of_queries_whatever_the_history(api_for, desk, django_assert_max_num_queries):
    api, _ = api_for("agent")
    for _ in range(30):
        InteractionFactory(
            customer=desk.customer, agent=desk.other_agent, contact_type=desk.billing
        )
    for _ in range(5):
        CaseFactory(customer=desk.customer, queue=desk.tier1, status="open")

    # roles, contact point with customer and household, contact points, active holdings,
    # the last 20 contacts, the open cases
    with django_assert_max_num_queries(6):
        response = api.get(POP, {"phone": desk.phone.normalised})

    assert response.status_code == 200
    assert len(response.json()["interactions"]) == 20


def test_unknown_number_is_404(api_for, desk):
    api, _ = api_for("agent")

    response = api.get(POP, {"phone": "+1 212 555 0199"})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_erased_customers_number_is_404(api_for, desk):
    api, _ = api_for("agent")
    gone = ErasedCustomerFactory()
    point = PhoneFactory(customer=gone)

    assert api.get(POP, {"phone": point.normalised}).status_code == 404


def test_no_or_bad_number_is_400_naming_the_field(api_for, desk):
    api, _ = api_for("agent")

    missing = api.get(POP)
    bad = api.get(POP, {"phone": "not a number"})

    assert missing.status_code == 400 and "phone" in missing.json()["fields"]
    assert bad.status_code == 400 and "phone" in bad.json()["fields"]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("agent", 200),
        ("supervisor", 200),
        ("qa_analyst", 200),
        ("admin", 200),
        ("marketer", 404),
        ("trainer", 404),
        ("executive", 404),
    ],
)
def test_only_conversation_readers(api_for, desk, role, status):
    api, _ = api_for(role)

    assert api.get(POP, {"phone": desk.phone.normalised}).status_code == status


def test_anonymous_is_401(client, desk):
    assert client.get(POP, {"phone": desk.phone.normalised}).status_code == 401


def test_open_cases_are_capped_and_say_so(api_for, desk):
    api, _ = api_for("agent")
    CaseFactory.create_batch(51, customer=desk.customer, queue=desk.tier1, status="new")
    CustomerFactory()

    body = api.get(POP, {"phone": desk.phone.normalised}).json()

    assert len(body["open_cases"]) == 50
    assert body["open_cases_truncated"] is True
