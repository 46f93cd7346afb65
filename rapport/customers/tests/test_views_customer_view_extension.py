"""The customer view is built to grow: later capabilities add panels through customers.panels."""

import re
from collections import Counter

import pytest

from rapport.customers import panels
from rapport.customers.tests.factories import CustomerFactory, HoldingFactory, HouseholdFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_panel(settings, tmp_path):
    template_dir = tmp_path / "templates" / "cases" / "partials"
    template_dir.mkdir(parents=True)
    (template_dir / "_panel.html").write_text(
        "<p data-testid='cases'>{{ panel.open }} open for {{ panel.name }}</p>"
    )
    # Assigning TEMPLATES (not mutating it) makes Django rebuild its template engines.
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates"]}]
    panels.register_panel(
        panels.Panel(
            key="test-cases",
            title="Test panel",
            template="cases/partials/_panel.html",
            context=lambda viewer, customer: {"open": 2, "name": customer.display_name},
            roles=frozenset({"agent"}),
        )
    )
    yield
    panels.unregister_panel("test-cases")


def test_a_registered_panel_is_shown_to_the_roles_it_names(client_for, case_panel):
    customer = CustomerFactory(first_name="Ines", last_name="Duarte")
    agent_client, _ = client_for("agent")

    page = agent_client.get(f"/customers/{customer.pk}/").content.decode()

    assert "Test panel" in page
    assert "2 open for Ines Duarte" in page


def test_a_registered_panel_is_hidden_from_other_roles(client_for, case_panel):
    customer = CustomerFactory()
    qa_client, _ = client_for("qa_analyst")

    page = qa_client.get(f"/customers/{customer.pk}/").content.decode()

    assert "Test panel" not in page


def test_a_panel_whose_context_is_none_is_skipped(make_user):
    panels.register_panel(
        panels.Panel(key="empty", title="Nothing", template="x.html", context=lambda v, c: None)
    )
    try:
        shown = panels.panels_for(
            viewer=make_user("agent"), customer=CustomerFactory(), roles=frozenset({"agent"})
        )
        # Other apps register real panels; only this one is under test.
        assert "empty" not in [p.panel.key for p in shown]
    finally:
        panels.unregister_panel("empty")


def test_the_customer_view_costs_the_same_queries_for_a_big_household(
    client_for, django_assert_max_num_queries
):
    client, _ = client_for("agent")
    home = HouseholdFactory()
    customer = CustomerFactory(household=home)
    for _ in range(8):
        HoldingFactory(customer=CustomerFactory(household=home))

    with django_assert_max_num_queries(22) as captured:
        response = client.get(f"/customers/{customer.pk}/")
    small = len(captured.captured_queries)
    for _ in range(8):
        HoldingFactory(customer=CustomerFactory(household=home))
    with django_assert_max_num_queries(small):
        client.get(f"/customers/{customer.pk}/")

    assert response.status_code == 200


def test_every_id_on_the_customer_view_is_unique(client_for):
    client, _ = client_for("agent")
    customer = CustomerFactory(household=HouseholdFactory())

    page = client.get(f"/customers/{customer.pk}/").content.decode()

    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert [i for i, n in ids.items() if n > 1] == []
    for target in re.findall(r'\sfor="([^"]+)"', page):
        assert target in ids, f"label for={target} points at nothing"
