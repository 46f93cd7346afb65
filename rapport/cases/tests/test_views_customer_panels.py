"""The customer view's "Conversations" and "Open cases" panels, added by the cases app."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from rapport.cases.tests.factories import CaseFactory
from rapport.customers.tests.factories import CustomerFactory
from rapport.interactions.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def view(client, customer) -> str:
    return client.get(f"/customers/{customer.pk}/").content.decode()


def panel(page: str, title: str) -> str:
    start = page.index(f'aria-label="{title}"')
    return page[start : page.index("</section>", start)]


def test_conversations_are_the_last_20_on_every_channel_newest_first(client_for):
    client, _ = client_for("agent")
    customer = CustomerFactory()
    now = timezone.now()
    case = CaseFactory(customer=customer)
    contacts = [
        InteractionFactory(
            customer=customer,
            channel=("phone", "email", "chat", "sms")[n % 4],
            started_at=now - n * HOUR,
            subject=f"Contact number {n:02d}",
            case=case if n == 0 else None,
        )
        for n in range(22)
    ]
    InteractionFactory(subject="Someone else's contact")

    shown = panel(view(client, customer), "Conversations")

    subjects = re.findall(r"Contact number (\d\d)", shown)
    assert subjects == [f"{n:02d}" for n in range(20)]
    assert {"Phone", "E-mail", "Chat", "SMS"} <= set(re.findall(r"text-bg-dark\">([^<]+)<", shown))
    assert f'href="/cases/{case.pk}/">{case.reference}</a>' in shown
    assert "Someone else" not in shown
    assert contacts[0].subject in shown


def test_open_cases_with_their_clocks(client_for):
    client, _ = client_for("agent")
    customer = CustomerFactory()
    now = timezone.now()
    late = CaseFactory(customer=customer, subject="Late one", first_response_due=now - HOUR)
    waiting = CaseFactory(customer=customer, subject="Waiting one", status="waiting", paused_at=now)
    CaseFactory(customer=customer, subject="Closed one", status="closed")
    CaseFactory(subject="Another customer's case")

    shown = panel(view(client, customer), "Open cases")

    assert late.reference in shown and waiting.reference in shown
    assert "Closed one" not in shown and "Another customer" not in shown
    assert re.search(r"sla-overdue[^>]*>\s*Response:\s*overdue", shown)
    assert f"/cases/new/?customer={customer.pk}" in shown
    assert f"/cases/?customer={customer.pk}" in shown


def test_a_reader_who_does_not_work_cases_gets_no_new_case_link(client_for):
    client, _ = client_for("qa_analyst")
    customer = CustomerFactory()

    shown = panel(view(client, customer), "Open cases")

    assert "No open case." in shown
    assert "/cases/new/" not in shown


def test_marketers_see_the_customer_but_not_the_conversations(client_for):
    client, _ = client_for("marketer")
    customer = CustomerFactory()
    InteractionFactory(customer=customer, subject="What they told us")
    CaseFactory(customer=customer, subject="Their problem")

    page = view(client, customer)

    assert customer.display_name in page
    assert 'aria-label="Conversations"' not in page and 'aria-label="Open cases"' not in page
    assert "What they told us" not in page and "Their problem" not in page


def test_the_panels_cost_the_same_queries_for_a_long_history(
    client_for, django_assert_max_num_queries
):
    client, _ = client_for("agent")
    customer = CustomerFactory()

    def history():
        case = CaseFactory(customer=customer)
        InteractionFactory(customer=customer, case=case)
        InteractionFactory(customer=customer)

    history()
    with django_assert_max_num_queries(30) as few:
        view(client, customer)
    for _ in range(6):
        history()

    with django_assert_max_num_queries(len(few.captured_queries)):
        page = view(client, customer)

    assert panel(page, "Open cases").count("/cases/") >= 7
