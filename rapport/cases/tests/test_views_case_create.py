"""/cases/new/: opening a case, usually from the customer view."""

import pytest
from django.utils import timezone

from rapport.access.tests.factories import ContactTypeFactory, QueueFactory, RoutingRuleFactory
from rapport.cases.models import Case
from rapport.customers.models import Customer
from rapport.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NEW = "/cases/new/"


@pytest.fixture
def queue():
    return QueueFactory(name="Front line")


def form(**changes) -> dict:
    return {
        "customer": "",
        "subject": "Router keeps dropping",
        "contact_type": "",
        "channel": "phone",
        "description": "Drops every evening.",
        "priority": "",
    } | changes


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_case_workers_open_a_case_for_a_customer(client_for, queue, role):
    client, user = client_for(role)
    customer = CustomerFactory(first_name="Ada", last_name="Okafor")
    billing = ContactTypeFactory(name="Billing question")
    RoutingRuleFactory(queue=queue, contact_type=billing, priority="high")

    shown = client.get(NEW, {"customer": customer.pk})
    response = client.post(NEW, form(customer=customer.pk, contact_type=billing.pk))

    assert shown.status_code == 200 and "Ada Okafor" in shown.content.decode()
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert (case.customer, case.subject, case.channel) == (
        customer,
        "Router keeps dropping",
        "phone",
    )
    assert (case.queue, case.priority, case.contact_type) == (queue, "high", billing)
    assert case.opened_by == user
    assert f"Case {case.reference} opened." in client.get(response["Location"]).content.decode()


def test_priority_given_overrides_routing(client_for, queue):
    client, _ = client_for("agent")

    client.post(NEW, form(priority="urgent"))

    assert Case.objects.get().priority == "urgent"


@pytest.mark.parametrize("role", ["qa_analyst", "trainer", "marketer", "executive"])
def test_other_roles_get_the_not_permitted_page(client_for, queue, role):
    client, _ = client_for(role)

    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form()).status_code == 403
    assert not Case.objects.exists()


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(NEW)

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unknown_or_erased_customer_is_a_form_error(client_for, queue):
    client, _ = client_for("agent")
    erased = CustomerFactory()
    Customer.objects.filter(pk=erased.pk).update(erased_at=timezone.now())

    for number in (999999, erased.pk):
        response = client.post(NEW, form(customer=number))
        assert response.status_code == 400
        assert "There is no customer with this number." in response.content.decode()
    assert client.get(NEW, {"customer": erased.pk}).status_code == 404
    assert not Case.objects.exists()


def test_missing_fields_are_shown_and_what_was_typed_kept(client_for, queue):
    client, _ = client_for("agent")

    response = client.post(NEW, form(subject="", channel="pigeon"))

    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page and "Select a valid choice" in page
    assert "Drops every evening." in page


def test_without_any_queue_the_service_refusal_is_shown(client_for):
    client, _ = client_for("agent")

    response = client.post(NEW, form())

    assert response.status_code == 400
    assert "No queue is set up yet" in response.content.decode()
