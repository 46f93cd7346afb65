"""/api/v1/cases/: list and open cases; /api/v1/cases/<id>: one case with its escalation chain."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from rapport.access.tests.factories import ContactTypeFactory, QueueFactory
from rapport.cases import services
from rapport.cases.models import Case
from rapport.cases.tests.factories import CaseFactory, EscalationReasonFactory
from rapport.customers.models import Customer
from rapport.customers.tests.factories import CustomerFactory
from rapport.interactions.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/cases/"
HOUR = dt.timedelta(hours=1)
READERS = ["agent", "supervisor", "qa_analyst", "admin"]
OTHERS = ["trainer", "marketer", "executive"]


def _ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- List ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_readers_list_every_case(api_for, role):
    api, _ = api_for(role)
    cases = CaseFactory.create_batch(3)

    response = api.get(LIST)

    assert response.status_code == 200
    assert sorted(_ids(response)) == sorted(c.pk for c in cases)


@pytest.mark.parametrize("role", OTHERS)
def test_others_get_an_empty_list(api_for, role):
    api, _ = api_for(role)
    CaseFactory()

    response = api.get(LIST)

    assert response.status_code == 200 and response.json()["results"] == []


def test_anonymous_is_401():
    response = APIClient().get(LIST)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_row(api_for, make_user):
    api, _ = api_for("agent")
    owner = make_user("agent", first_name="Olu", last_name="Owner")
    customer = CustomerFactory(first_name="Ada", last_name="Okafor")
    now = timezone.now()
    case = CaseFactory(
        customer=customer,
        subject="Router",
        assignee=owner,
        first_response_due=now - HOUR,
        resolution_due=now + HOUR,
    )

    row = api.get(LIST).json()["results"][0]

    assert row["reference"] == case.reference
    assert (row["customer"], row["customer_name"]) == (customer.pk, "Ada Okafor")
    assert (row["assignee"], row["assignee_name"]) == (owner.pk, "Olu Owner")
    assert (row["queue"], row["queue_name"], row["team"]) == (
        case.queue_id,
        case.queue.name,
        case.queue.team_id,
    )
    assert [(c["clock"], c["state"], c["breached"]) for c in row["sla"]] == [
        ("first_response", "overdue", True),
        ("resolution", "running", False),
    ]
    assert "escalations" not in row


def test_filters_and_search(api_for, make_user):
    api, me = api_for("agent")
    queue = QueueFactory()
    mine = CaseFactory(assignee=me, subject="Router keeps dropping")
    theirs = CaseFactory(queue=queue, status="waiting", priority="high")
    closed = CaseFactory(status="closed")

    def ids(**params) -> set[int]:
        return set(_ids(api.get(LIST, params)))

    assert ids(mine="true") == {mine.pk}
    assert ids(queue=queue.pk) == {theirs.pk}
    assert ids(status="active") == {mine.pk, theirs.pk}
    assert ids(status="closed") == {closed.pk}
    assert ids(priority="high") == {theirs.pk}
    assert ids(q=theirs.reference) == {theirs.pk}
    assert ids(q="dropping") == {mine.pk}
    assert ids(customer=closed.customer_id) == {closed.pk}


@pytest.mark.parametrize("params", [{"queue": "x"}, {"status": "lost"}, {"customer": "0"}])
def test_a_bad_filter_is_400_naming_it(api_for, params):
    api, _ = api_for("agent")

    response = api.get(LIST, params)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and list(body["fields"]) == list(params)


def test_erased_customers_cases_are_left_out(api_for):
    api, _ = api_for("admin")
    kept, gone = CaseFactory(), CaseFactory()
    Customer.objects.filter(pk=gone.customer_id).update(erased_at=timezone.now())

    assert _ids(api.get(LIST)) == [kept.pk]
    assert api.get(f"{LIST}{gone.pk}").status_code == 404


def test_list_is_paginated_and_its_queries_do_not_grow(api_for, django_assert_max_num_queries):
    api, _ = api_for("agent")
    CaseFactory.create_batch(3)
    with django_assert_max_num_queries(10) as few:
        api.get(LIST)
    CaseFactory.create_batch(30)

    with django_assert_max_num_queries(len(few.captured_queries)):
        body = api.get(LIST).json()

    assert (body["count"], len(body["results"]), body["pages"]) == (33, 25, 2)


# --- Create -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_case_workers_open_a_case(api_for, role):
    api, user = api_for(role)
    queue = QueueFactory()
    customer = CustomerFactory()
    billing = ContactTypeFactory()

    response = api.post(
        LIST,
        {
            "customer": customer.pk,
            "subject": "Double charge",
            "channel": "email",
            "contact_type": billing.pk,
            "priority": "high",
        },
        format="json",
    )

    assert response.status_code == 201
    case = Case.objects.get()
    body = response.json()
    assert body["id"] == case.pk and body["escalations"] == [] and body["interactions"] == []
    assert (case.customer, case.queue, case.priority, case.contact_type) == (
        customer,
        queue,
        "high",
        billing,
    )
    assert case.opened_by == user


@pytest.mark.parametrize("role", ["qa_analyst", *OTHERS])
def test_others_may_not_open_cases(api_for, role):
    api, _ = api_for(role)
    QueueFactory()

    response = api.post(LIST, {"subject": "x", "channel": "email"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"channel": "email"}, "subject"),
        ({"subject": "x", "channel": "pigeon"}, "channel"),
        ({"subject": "x", "channel": "email", "customer": 999999}, "customer"),
        ({"subject": "x", "channel": "email", "contact_type": 999999}, "contact_type"),
        ({"subject": "x", "channel": "email", "priority": "now"}, "priority"),
        ({"subject": "   ", "channel": "email"}, "subject"),
    ],
)
def test_bad_input_is_400_naming_the_field(api_for, payload, field):
    api, _ = api_for("agent")
    QueueFactory()

    response = api.post(LIST, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Case.objects.exists()


def test_an_erased_customer_cannot_get_a_case(api_for):
    api, _ = api_for("agent")
    QueueFactory()
    erased = CustomerFactory()
    Customer.objects.filter(pk=erased.pk).update(erased_at=timezone.now())

    response = api.post(
        LIST, {"subject": "x", "channel": "email", "customer": erased.pk}, format="json"
    )

    assert response.status_code == 400 and "customer" in response.json()["fields"]


# --- Detail -------------------------------------------------------------------------------------------


def test_detail_has_the_chain_and_the_contacts(api_for, make_user):
    api, _ = api_for("qa_analyst")
    front, second = QueueFactory(tier=1), QueueFactory(tier=2)
    case = CaseFactory(queue=front)
    first = InteractionFactory(customer=case.customer, case=case, started_at=timezone.now() - HOUR)
    second_contact = InteractionFactory(customer=case.customer, case=case)
    InteractionFactory(customer=case.customer)
    services.case_escalate(
        case=case,
        by=make_user("agent", team=front.team),
        to_queue=second,
        reason=EscalationReasonFactory(name="Needs authority"),
        customer_needs="A refund.",
        tried="Checked both payments.",
        promised="An answer by Friday.",
        interaction=first,
    )

    response = api.get(f"{LIST}{case.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["interactions"] == [first.pk, second_contact.pk]
    [link] = body["escalations"]
    assert (link["from_queue"], link["to_queue"], link["to_tier"]) == (front.pk, second.pk, 2)
    assert (link["customer_needs"], link["tried"], link["promised"]) == (
        "A refund.",
        "Checked both payments.",
        "An answer by Friday.",
    )
    assert link["reason_name"] == "Needs authority" and link["interaction"] == first.pk
    assert body["queue"] == second.pk and body["tier"] == 2


@pytest.mark.parametrize("role", OTHERS)
def test_detail_is_404_for_those_who_may_not_read_cases(api_for, role):
    api, _ = api_for(role)
    case = CaseFactory()

    response = api.get(f"{LIST}{case.pk}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_detail_of_an_unknown_case_is_404(api_for):
    api, _ = api_for("agent")

    assert api.get(f"{LIST}999999").status_code == 404


def test_detail_anonymous_is_401():
    case = CaseFactory()

    assert APIClient().get(f"{LIST}{case.pk}").status_code == 401
