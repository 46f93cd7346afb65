"""GET /api/v1/customers/<id>/timeline: every contact on every channel, newest first, by cursor."""

import datetime

import pytest
from django.utils import timezone

from rapport.cases.tests.factories import CaseFactory
from rapport.customers.tests.factories import CustomerFactory, ErasedCustomerFactory
from rapport.interactions.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db


def _url(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/timeline"


def _ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def test_pages_newest_first_by_cursor_without_gaps_or_repeats(api_for, desk):
    api, _ = api_for("agent")
    now = timezone.now()
    same_moment = now - datetime.timedelta(hours=3)
    made = [
        InteractionFactory(customer=desk.customer, started_at=now - datetime.timedelta(hours=n))
        for n in range(3)
    ]
    # Three contacts at the same instant straddle a page boundary: the id breaks the tie.
    made += [InteractionFactory(customer=desk.customer, started_at=same_moment) for _ in range(3)]
    made += [
        InteractionFactory(customer=desk.customer, started_at=now - datetime.timedelta(days=n))
        for n in range(1, 3)
    ]
    InteractionFactory(customer=CustomerFactory())
    expected = [i.pk for i in sorted(made, key=lambda i: (i.started_at, i.pk), reverse=True)]

    first = api.get(_url(desk.customer), {"page_size": 4})
    second = api.get(first.json()["next"])
    by_cursor = api.get(_url(desk.customer), {"page_size": 4, "before": first.json()["before"]})

    assert first.status_code == 200
    assert _ids(first) == expected[:4]
    assert _ids(second) == expected[4:]
    assert _ids(by_cursor) == expected[4:]
    assert second.json()["before"] is None and second.json()["next"] is None


def test_each_contact_says_channel_direction_summary_case_and_agent(api_for, desk):
    api, _ = api_for("supervisor")
    case = CaseFactory(customer=desk.customer, queue=desk.tier1)
    InteractionFactory(
        customer=desk.customer,
        channel="sms",
        direction="outbound",
        summary="On its way",
        case=case,
        agent=desk.agent,
    )

    row = api.get(_url(desk.customer)).json()["results"][0]

    assert (row["channel"], row["direction"], row["summary"]) == ("sms", "outbound", "On its way")
    assert row["case"] == {"id": case.pk, "reference": case.reference}
    assert row["agent"] == {"id": desk.agent.pk, "username": "ana", "name": "Ana Agent"}


def test_new_contacts_do_not_shift_the_next_page(api_for, desk):
    api, _ = api_for("agent")
    now = timezone.now()
    older = [
        InteractionFactory(customer=desk.customer, started_at=now - datetime.timedelta(hours=n))
        for n in range(1, 5)
    ]
    first = api.get(_url(desk.customer), {"page_size": 2}).json()
    InteractionFactory(customer=desk.customer, started_at=now)

    second = api.get(first["next"])

    assert _ids(second) == [older[2].pk, older[3].pk]


def test_a_few_queries_whatever_the_page(api_for, desk, django_assert_max_num_queries):
    api, _ = api_for("agent")
    for _ in range(30):
        InteractionFactory(
            customer=desk.customer,
            agent=desk.other_agent,
            contact_type=desk.billing,
            case=CaseFactory(customer=desk.customer, queue=desk.tier1),
        )

    # roles, the customer, one page of contacts
    with django_assert_max_num_queries(3):
        response = api.get(_url(desk.customer), {"page_size": 25})

    assert len(_ids(response)) == 25


@pytest.mark.parametrize("cursor", ["garbage", "bm90IGEgY3Vyc29y", "MjAyNi0wMS0wMXx4"])
def test_a_cursor_we_did_not_give_is_400(api_for, desk, cursor):
    api, _ = api_for("agent")

    response = api.get(_url(desk.customer), {"before": cursor})

    assert response.status_code == 400
    assert "before" in response.json()["fields"]


def test_page_size_is_bounded_and_must_be_a_number(api_for, desk):
    api, _ = api_for("agent")
    InteractionFactory.create_batch(3, customer=desk.customer)

    assert len(_ids(api.get(_url(desk.customer), {"page_size": 0}))) == 1
    assert api.get(_url(desk.customer), {"page_size": "many"}).status_code == 400


@pytest.mark.parametrize(
    ("role", "status", "listed"),
    [
        ("agent", 200, True),
        ("qa_analyst", 200, True),
        ("admin", 200, True),
        ("marketer", 200, False),
        ("trainer", 404, False),
        ("executive", 404, False),
    ],
)
def test_who_reads_a_timeline(api_for, desk, role, status, listed):
    api, _ = api_for(role)
    InteractionFactory(customer=desk.customer)

    response = api.get(_url(desk.customer))

    assert response.status_code == status
    if status == 200:
        assert bool(response.json()["results"]) is listed


def test_unknown_or_erased_customer_is_404(api_for, desk):
    api, _ = api_for("agent")
    gone = ErasedCustomerFactory()
    InteractionFactory(customer=gone)

    assert api.get(_url(gone)).status_code == 404
    assert api.get("/api/v1/customers/999999/timeline").status_code == 404
