"""The customer view's "How they sound" panel: churn risk and the last scored contacts."""

import pytest

from rapport.customers.tests.factories import CustomerFactory
from rapport.insights.services import signals as signal_services
from rapport.insights.tests.alert_helpers import CHURN, contact

pytestmark = pytest.mark.django_db


def panel(client, customer) -> str | None:
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    if 'data-testid="customer-sound"' not in page:
        return None
    start = page.index('data-testid="customer-sound"')
    return page[start : page.index("</section>", start)]


def test_the_panel_shows_the_risk_its_reasons_and_how_each_contact_sounded(client_for):
    customer = CustomerFactory()
    signal_services.interaction_score(interaction=contact(CHURN, customer=customer))
    client, _ = client_for("agent")

    shown = panel(client, customer)

    assert shown is not None
    assert "Risk of leaving" in shown and "not scored yet" not in shown
    assert "Cancel or leave" in shown  # the intent's label, not its key
    assert "Negative" in shown


def test_an_unscored_customer_says_so_and_a_marketer_sees_no_panel(client_for):
    customer = CustomerFactory()
    client, _ = client_for("agent")
    shown = panel(client, customer)
    assert shown is not None and "Nothing the customer said has been scored yet." in shown

    marketer, _ = client_for("marketer")
    assert panel(marketer, customer) is None
