"""/cases/: the cases a person may read, filtered and searched, with where their clocks stand."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from rapport.access.tests.factories import QueueFactory
from rapport.cases.tests.factories import CaseFactory
from rapport.customers.models import Customer
from rapport.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LIST = "/cases/"
HOUR = dt.timedelta(hours=1)


def _references(response) -> list[str]:
    return re.findall(r">(C-\d+)</a>", response.content.decode())


@pytest.mark.parametrize("role", ["agent", "supervisor", "qa_analyst", "admin"])
def test_readers_see_every_case(client_for, role):
    client, _ = client_for(role)
    cases = CaseFactory.create_batch(3)

    response = client.get(LIST)

    assert response.status_code == 200
    assert set(_references(response)) == {c.reference for c in cases}


@pytest.mark.parametrize("role", ["trainer", "marketer", "executive"])
def test_others_get_the_not_permitted_page(client_for, role):
    client, _ = client_for(role)
    case = CaseFactory(subject="Secret router trouble")

    response = client.get(LIST)

    assert response.status_code == 403
    page = response.content.decode()
    assert "not part of your role" in page
    assert case.subject not in page


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(LIST)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_erased_customers_cases_are_not_listed(client_for):
    client, _ = client_for("agent")
    kept, gone = CaseFactory(), CaseFactory()
    Customer.objects.filter(pk=gone.customer_id).update(erased_at=timezone.now())

    assert _references(client.get(LIST)) == [kept.reference]


def test_search_by_reference_in_any_common_spelling(client_for):
    client, _ = client_for("agent")
    wanted, _other = CaseFactory(subject="Router"), CaseFactory(subject="Bill")

    for typed in (wanted.reference, f"c{wanted.pk}", f"#{wanted.pk}", f" c-{wanted.pk} "):
        assert _references(client.get(LIST, {"q": typed})) == [wanted.reference], typed


def test_search_by_words_of_the_subject(client_for):
    client, _ = client_for("agent")
    wanted = CaseFactory(subject="Router keeps dropping the line")
    CaseFactory(subject="Double charge in March")

    assert _references(client.get(LIST, {"q": "dropping"})) == [wanted.reference]


def test_filters(client_for, make_user):
    client, me = client_for("agent")
    queue = QueueFactory()
    other = make_user("agent")
    customer = CustomerFactory()
    mine = CaseFactory(assignee=me, status="open", priority="high")
    theirs = CaseFactory(assignee=other, status="waiting", queue=queue)
    nobody = CaseFactory(status="closed", customer=customer, priority="urgent")

    def listed(**params) -> set[str]:
        return set(_references(client.get(LIST, params)))

    assert listed(mine="true") == {mine.reference}
    assert listed(assignee=other.pk) == {theirs.reference}
    assert listed(unassigned="true") == {nobody.reference}
    assert listed(queue=queue.pk) == {theirs.reference}
    assert listed(status="waiting") == {theirs.reference}
    assert listed(status="active") == {mine.reference, theirs.reference}
    assert listed(priority="urgent") == {nobody.reference}
    assert listed(customer=customer.pk) == {nobody.reference}


@pytest.mark.parametrize(
    "params", [{"queue": "abc"}, {"customer": "-1"}, {"status": "lost"}, {"assignee": "9" * 30}]
)
def test_a_bad_filter_says_so_instead_of_failing(client_for, params):
    client, _ = client_for("agent")
    CaseFactory()

    response = client.get(LIST, params)

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert _references(response) == []


def test_sla_state_is_shown_per_case(client_for):
    client, _ = client_for("agent")
    now = timezone.now()
    CaseFactory(subject="late", first_response_due=now - HOUR, resolution_due=now + 5 * HOUR)
    CaseFactory(subject="waiting", status="waiting", paused_at=now, resolution_due=now + HOUR)
    CaseFactory(subject="close", resolution_due=now + HOUR, warned_resolution=True)

    page = client.get(LIST).content.decode()

    assert re.search(r"sla-overdue[^>]*>\s*Response:\s*overdue by", page)
    assert re.search(r"sla-paused[^>]*>\s*Resolution:\s*paused, waiting for the customer", page)
    assert re.search(r"sla-warning[^>]*>\s*Resolution:", page)
    assert re.search(r"sla-running[^>]*>\s*Resolution:\s*due in", page)


def test_htmx_gets_the_results_only(client_for):
    client, _ = client_for("agent")
    case = CaseFactory()

    response = client.get(LIST, {"q": case.reference}, headers={"HX-Request": "true"})

    page = response.content.decode()
    assert case.reference in page
    assert "<html" not in page


def test_pages_of_25(client_for):
    client, _ = client_for("agent")
    CaseFactory.create_batch(27)

    first, second = client.get(LIST), client.get(LIST, {"page": 2})

    assert len(_references(first)) == 25
    assert len(_references(second)) == 2
    assert "27 in all" in first.content.decode()


def test_query_count_does_not_grow_with_the_page(client_for, django_assert_max_num_queries):
    client, _ = client_for("agent")
    CaseFactory.create_batch(3)
    with django_assert_max_num_queries(20) as few:
        client.get(LIST)
    CaseFactory.create_batch(20)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)

    assert len(_references(response)) == 23


def test_new_case_button_follows_the_role(client_for):
    worker, _ = client_for("agent")
    assert "/cases/new/" in worker.get(LIST).content.decode()
    reader, _ = client_for("qa_analyst")
    assert "/cases/new/" not in reader.get(LIST).content.decode()
