"""The main menu: entries by role, and the drop-down that folds a menu's entries together."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def menu_of(client) -> list[dict]:
    return client.get(reverse("accounts:me")).context["nav_items"]


def performance(items: list[dict]) -> dict:
    return next(item for item in items if item["label"] == "Performance")


def test_a_supervisor_finds_every_performance_page_in_one_drop_down(client_for):
    client, _ = client_for("supervisor")

    items = menu_of(client)

    labels = [child["label"] for child in performance(items)["children"]]
    assert labels == ["KPIs", "Scorecard", "Goals", "QA", "Kudos"]
    assert not {"KPIs", "Goals"} & {item["label"] for item in items}


def test_a_marketer_sees_only_the_pages_of_the_menu_open_to_them(client_for):
    client, _ = client_for("marketer")

    labels = [child["label"] for child in performance(menu_of(client))["children"]]

    assert labels == ["KPIs", "Kudos"]


def test_the_menu_is_active_on_one_of_its_pages(client_for):
    client, _ = client_for("agent")

    items = client.get(reverse("performance:goals")).context["nav_items"]

    menu = performance(items)
    assert menu["active"] is True
    assert [child["label"] for child in menu["children"] if child["active"]] == ["Goals"]


def test_the_drop_down_is_rendered_as_a_button_with_its_links(client_for):
    client, _ = client_for("agent")

    html = client.get(reverse("accounts:me")).content.decode()

    assert 'data-bs-toggle="dropdown"' in html
    assert f'href="{reverse("performance:my_scorecard")}"' in html
