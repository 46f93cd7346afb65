"""The alert pages: the inbox scoped to the viewer, one alert with the customer's words for
those who may read conversations, the recovery forms, and who may see what."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.tests.factories import UserFactory
from rapport.insights.models import Alert, RootCause
from rapport.insights.services import alerts
from rapport.insights.tests.alert_helpers import CHURN, COMPLAINT, contact, team_with_lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    team, lead, agent = team_with_lead("Blue")
    red, red_lead, red_agent = team_with_lead("Red")
    blue_alert = alerts.alerts_evaluate_interaction(interaction=contact(CHURN, agent=agent))
    red_alert = alerts.alerts_evaluate_interaction(interaction=contact(COMPLAINT, agent=red_agent))
    assert blue_alert is not None and red_alert is not None
    return locals()


def listed(response) -> set[int]:
    return {alert.pk for alert in response.context["page"].object_list}


def test_a_supervisor_sees_their_teams_alerts_only(client, world):
    client.force_login(world["lead"])
    response = client.get(reverse("insights:alerts"))
    assert response.status_code == 200
    assert listed(response) == {world["blue_alert"].pk}


def test_an_admin_sees_every_alert(client, world):
    client.force_login(UserFactory(roles=["admin"]))
    assert listed(client.get(reverse("insights:alerts"))) == {
        world["blue_alert"].pk,
        world["red_alert"].pk,
    }


def test_an_agent_sees_only_the_recoveries_they_own(client, world):
    client.force_login(world["agent"])
    assert listed(client.get(reverse("insights:alerts"))) == set()
    alerts.alert_assign(alert=world["blue_alert"], by=world["lead"], owner=world["agent"])
    assert listed(client.get(reverse("insights:alerts"))) == {world["blue_alert"].pk}


@pytest.mark.parametrize("role", ["trainer", "qa_analyst", "marketer", "executive"])
def test_other_roles_are_refused(client, world, role):
    client.force_login(UserFactory(roles=[role]))
    assert client.get(reverse("insights:alerts")).status_code == 403
    url = reverse("insights:alert_detail", args=[world["blue_alert"].pk])
    assert client.get(url).status_code == 403


def test_another_teams_alert_is_not_found(client, world):
    client.force_login(world["red_lead"])
    url = reverse("insights:alert_detail", args=[world["blue_alert"].pk])
    assert client.get(url).status_code == 404
    take = reverse("insights:alert_action", args=[world["blue_alert"].pk, "take"])
    assert client.post(take).status_code == 404
    world["blue_alert"].refresh_from_db()
    assert world["blue_alert"].owner is None


def test_filters_and_search(client, world):
    client.force_login(UserFactory(roles=["admin"]))
    url = reverse("insights:alerts")
    assert listed(client.get(url, {"severity": "critical"})) == {world["blue_alert"].pk}
    assert listed(client.get(url, {"q": "complained"})) == {world["red_alert"].pk}
    assert listed(client.get(url, {"state": "closed"})) == set()
    bad = client.get(url, {"state": "nonsense"})
    assert bad.status_code == 400 and listed(bad) == set()


def test_an_overdue_alert_is_marked(client, world):
    Alert.objects.filter(pk=world["blue_alert"].pk).update(
        callback_by=timezone.now() - dt.timedelta(minutes=5)
    )
    client.force_login(world["lead"])
    response = client.get(reverse("insights:alerts"))
    assert 'data-testid="overdue"' in response.content.decode()
    assert response.context["overdue_count"] == 1
    assert listed(client.get(reverse("insights:alerts"), {"overdue": "on"})) == {
        world["blue_alert"].pk
    }


def test_the_list_runs_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    for _ in range(10):
        alerts.alerts_evaluate_interaction(interaction=contact(CHURN, agent=world["agent"]))
    client.force_login(world["lead"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("insights:alerts"))
    assert len(listed(response)) == 11


def test_the_detail_shows_the_customers_words_and_why_it_fired(client, world):
    client.force_login(world["lead"])
    response = client.get(reverse("insights:alert_detail", args=[world["blue_alert"].pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert CHURN in body
    assert "The customer spoke of cancelling or leaving." in body
    assert set(response.context["forms"]) == {"take", "assign", "note", "close"}


def test_a_supervisor_works_an_alert_to_closure(client, world):
    client.force_login(world["lead"])
    alert = world["blue_alert"]
    action = lambda name: reverse("insights:alert_action", args=[alert.pk, name])  # noqa: E731

    assert client.post(action("take")).status_code == 302
    assert client.post(action("note"), {"note": "Called, customer upset."}).status_code == 302
    cause = RootCause.objects.get(name="Billing error")
    response = client.post(action("close"), {"outcome": "saved", "root_cause": cause.pk})
    assert response.status_code == 302

    alert.refresh_from_db()
    assert (alert.state, alert.outcome, alert.root_cause, alert.owner) == (
        "closed",
        "saved",
        cause,
        world["lead"],
    )
    page = client.get(reverse("insights:alert_detail", args=[alert.pk])).content.decode()
    assert "Called, customer upset." in page and "Customer saved" in page


def test_closing_without_outcome_or_cause_shows_the_errors(client, world):
    client.force_login(world["lead"])
    url = reverse("insights:alert_action", args=[world["blue_alert"].pk, "close"])
    response = client.post(url, {"outcome": "", "root_cause": ""})
    assert response.status_code == 400
    assert response.context["forms"]["close"].errors.keys() >= {"outcome", "root_cause"}
    world["blue_alert"].refresh_from_db()
    assert world["blue_alert"].state == "open"


def test_an_agent_owner_may_close_but_not_assign(client, world):
    alerts.alert_assign(alert=world["blue_alert"], by=world["lead"], owner=world["agent"])
    client.force_login(world["agent"])
    url = reverse("insights:alert_detail", args=[world["blue_alert"].pk])
    assert set(client.get(url).context["forms"]) == {"note", "close"}
    assign = reverse("insights:alert_action", args=[world["blue_alert"].pk, "assign"])
    response = client.post(assign, {"owner": world["agent"].pk})
    assert response.status_code == 403


def test_an_unknown_action_is_not_found(client, world):
    client.force_login(world["lead"])
    url = reverse("insights:alert_action", args=[world["blue_alert"].pk, "explode"])
    assert client.post(url).status_code == 404


def test_the_empty_inbox_says_so(client):
    client.force_login(UserFactory(roles=["supervisor"]))
    assert "No alerts" in client.get(reverse("insights:alerts")).content.decode()
