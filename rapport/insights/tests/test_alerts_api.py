"""The alerts API: scoped list and detail, take / assign / close with clear refusals."""

import pytest
from rest_framework.test import APIClient

from rapport.insights.models import RootCause
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
    cause = RootCause.objects.get(name="Product fault")
    return locals()


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def test_the_list_is_scoped_to_the_supervisors_teams(world):
    response = api_as(world["lead"]).get("/api/v1/alerts")
    assert response.status_code == 200
    assert ids(response) == {world["blue_alert"].pk}
    row = response.json()["results"][0]
    assert row["severity"] == "critical" and row["reasons"][0]["kind"] == "churn_intent"


def test_an_admin_lists_everything_and_filters(api_for, world):
    client, _ = api_for("admin")
    assert ids(client.get("/api/v1/alerts")) == {world["blue_alert"].pk, world["red_alert"].pk}
    assert ids(client.get("/api/v1/alerts", {"severity": "high"})) == {world["red_alert"].pk}
    assert ids(client.get("/api/v1/alerts", {"q": "cancelling"})) == {world["blue_alert"].pk}
    bad = client.get("/api/v1/alerts", {"state": "nonsense"})
    assert bad.status_code == 400 and "state" in bad.json()["fields"]


def test_other_roles_are_refused(api_for, world):
    client, _ = api_for("marketer")
    assert client.get("/api/v1/alerts").status_code == 403
    assert client.get(f"/api/v1/alerts/{world['blue_alert'].pk}").status_code == 403


def test_an_alert_outside_scope_is_404(world):
    client = api_as(world["red_lead"])
    pk = world["blue_alert"].pk
    assert client.get(f"/api/v1/alerts/{pk}").status_code == 404
    assert client.post(f"/api/v1/alerts/{pk}/take").status_code == 404
    assert api_as(world["agent"]).get(f"/api/v1/alerts/{pk}").status_code == 404


def test_take_assign_and_close(world):
    client = api_as(world["lead"])
    pk = world["blue_alert"].pk

    taken = client.post(f"/api/v1/alerts/{pk}/take")
    assert taken.status_code == 200
    assert (taken.json()["owner"], taken.json()["state"]) == (world["lead"].pk, "in_recovery")

    assigned = client.post(f"/api/v1/alerts/{pk}/assign", {"owner": world["agent"].pk})
    assert assigned.status_code == 200 and assigned.json()["owner"] == world["agent"].pk

    owner = api_as(world["agent"])
    closed = owner.post(
        f"/api/v1/alerts/{pk}/close",
        {"outcome": "resolved", "root_cause": world["cause"].pk, "note": "Fixed."},
    )
    assert closed.status_code == 200
    body = closed.json()
    assert (body["state"], body["outcome"], body["root_cause_name"]) == (
        "closed",
        "resolved",
        "Product fault",
    )
    assert [event["kind"] for event in body["events"]] == ["fired", "taken", "assigned", "closed"]


def test_close_without_outcome_or_cause_is_a_clear_400(world):
    client = api_as(world["lead"])
    pk = world["blue_alert"].pk
    response = client.post(f"/api/v1/alerts/{pk}/close", {})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"outcome", "root_cause"}
    unknown = client.post(f"/api/v1/alerts/{pk}/close", {"outcome": "saved", "root_cause": 999999})
    assert unknown.status_code == 400 and "root_cause" in unknown.json()["fields"]
    world["blue_alert"].refresh_from_db()
    assert world["blue_alert"].state == "open"


def test_assigning_someone_outside_the_team_is_a_400(world):
    client = api_as(world["lead"])
    pk = world["blue_alert"].pk
    response = client.post(f"/api/v1/alerts/{pk}/assign", {"owner": world["red_agent"].pk})
    assert response.status_code == 400 and "owner" in response.json()["fields"]
    bad = client.post(f"/api/v1/alerts/{pk}/assign", {"owner": "x"})
    assert bad.status_code == 400


def test_an_agent_who_owns_nothing_may_not_take(world):
    alerts.alert_assign(alert=world["blue_alert"], by=world["lead"], owner=world["agent"])
    client = api_as(world["agent"])
    response = client.post(f"/api/v1/alerts/{world['blue_alert'].pk}/take")
    assert response.status_code == 403


def test_a_closed_alert_cannot_be_closed_again(world):
    client = api_as(world["lead"])
    pk = world["blue_alert"].pk
    payload = {"outcome": "lost", "root_cause": world["cause"].pk}
    assert client.post(f"/api/v1/alerts/{pk}/close", payload).status_code == 200
    assert client.post(f"/api/v1/alerts/{pk}/close", payload).status_code == 409


def test_the_list_runs_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    for _ in range(10):
        alerts.alerts_evaluate_interaction(interaction=contact(CHURN, agent=world["agent"]))
    client = api_as(world["lead"])
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/alerts")
    assert len(ids(response)) == 11
