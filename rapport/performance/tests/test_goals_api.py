"""/api/v1/goals/: list and propose; /api/v1/goals/<id>: one goal with history and progress;
/api/v1/goals/<id>/agree|decline|withdraw|revise|checkins|close: the steps of agreement."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from rapport.accounts.tests.factories import UserFactory
from rapport.performance.choices import GoalStatus
from rapport.performance.models import Goal, GoalEvent
from rapport.performance.tests.factories_goals import GoalFactory, agreed, crew, transfers

pytestmark = pytest.mark.django_db

LIST = "/api/v1/goals/"
DAY = datetime.timedelta(days=1)


def one(goal_id: int) -> str:
    return f"/api/v1/goals/{goal_id}"


def client(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user=user)
    return api


def payload(**changes) -> dict:
    today = timezone.localdate()
    body = {
        "kpi": "transfer_rate",
        "target": "10.00",
        "starts_on": today.isoformat(),
        "ends_on": (today + 30 * DAY).isoformat(),
        "checkin_every_days": 7,
        "note": "Fewer hand-offs",
    }
    body.update(changes)
    return body


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- Propose ----------------------------------------------------------------------------------------


def test_an_agent_proposes_for_themselves():
    c = crew()

    response = client(c.agent).post(LIST, payload(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["agent"] == c.agent.pk and body["status"] == "proposed"
    assert body["counts"] is False and body["waiting_for"] == "supervisor"
    assert body["kpi"] == "transfer_rate" and body["target"] == "10.00"
    assert [e["kind"] for e in body["events"]] == ["proposed"]
    assert body["progress"] is None


def test_a_supervisor_proposes_for_an_agent_of_their_team():
    c = crew()

    response = client(c.supervisor).post(LIST, payload(agent=c.agent.pk), format="json")

    assert response.status_code == 201
    assert response.json()["waiting_for"] == "agent"


def test_a_supervisor_cannot_propose_for_another_teams_agent():
    c, other = crew(), crew()

    response = client(other.supervisor).post(LIST, payload(agent=c.agent.pk), format="json")

    assert response.status_code == 400
    assert "agent" in response.json()["fields"]
    assert not Goal.objects.exists()


@pytest.mark.parametrize("role", ["admin", "trainer", "executive"])
def test_non_parties_cannot_propose(role):
    c = crew()

    response = client(UserFactory(roles=[role])).post(
        LIST, payload(agent=c.agent.pk), format="json"
    )

    assert response.status_code == 403
    assert not Goal.objects.exists()


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"target": "150"}, "target"),
        ({"target": "abc"}, "target"),
        ({"target": "1.234"}, "target"),
        ({"kpi": "csat", "target": "180"}, "target"),
        ({"kpi": "no-such-kpi"}, "kpi"),
        ({"kpi": "bad key!"}, "kpi"),
        ({"ends_on": "2000-01-01"}, "ends_on"),
        ({"starts_on": "0001-01-01", "ends_on": "0001-01-02"}, "starts_on"),
        ({"starts_on": "9999-12-31", "ends_on": "9999-12-31"}, "starts_on"),
        ({"starts_on": "not a date"}, "starts_on"),
        ({"checkin_every_days": 0}, "checkin_every_days"),
        ({"checkin_every_days": 91}, "checkin_every_days"),
        ({"agent": 2**63}, "agent"),
        ({"note": "x" * 2001}, "note"),
    ],
)
def test_bad_input_is_400_with_the_field_named(changes, field):
    c = crew()

    response = client(c.agent).post(LIST, payload(**changes), format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"], response.json()
    assert not Goal.objects.exists()


def test_survey_kpis_take_goals():
    c = crew()

    response = client(c.agent).post(LIST, payload(kpi="csat", target="80"), format="json")

    assert response.status_code == 201, response.json()
    assert Goal.objects.get().kpi.key == "csat"


# --- Read ---------------------------------------------------------------------------------------------


def test_the_list_is_scoped_to_the_asker():
    c, other = crew(), crew()
    mine = GoalFactory(agent=c.agent)
    theirs = GoalFactory(agent=other.agent)
    admin = UserFactory(roles=["admin"])

    assert ids(client(c.agent).get(LIST)) == [mine.pk]
    assert ids(client(c.supervisor).get(LIST)) == [mine.pk]
    assert ids(client(other.supervisor).get(LIST)) == [theirs.pk]
    assert sorted(ids(client(admin).get(LIST))) == sorted([mine.pk, theirs.pk])
    assert ids(client(UserFactory(roles=["trainer"])).get(LIST)) == []


def test_the_list_filters_by_status_and_agent():
    c = crew()
    second = UserFactory(roles=["agent"], team=c.team)
    proposed = GoalFactory(agent=c.agent)
    done = agreed(agent=c.agent, supervisor=c.supervisor)
    other = GoalFactory(agent=second)
    api = client(c.supervisor)

    assert ids(api.get(LIST, {"status": "agreed"})) == [done.pk]
    assert ids(api.get(LIST, {"status": "proposed", "agent": c.agent.pk})) == [proposed.pk]
    assert ids(api.get(LIST, {"agent": second.pk})) == [other.pk]
    listed = {row["id"]: row["counts"] for row in api.get(LIST).json()["results"]}
    assert listed == {proposed.pk: False, done.pk: True, other.pk: False}


@pytest.mark.parametrize(
    "query", [{"status": "bogus"}, {"agent": "x"}, {"agent": "0"}, {"agent": str(2**64)}]
)
def test_bad_filters_are_400(query):
    c = crew()

    response = client(c.supervisor).get(LIST, query)

    assert response.status_code == 400


def test_the_list_runs_a_bounded_number_of_queries(django_assert_max_num_queries):
    c = crew()
    for _ in range(3):
        UserFactory(roles=["agent"], team=c.team)
    for member in c.team.members.all():
        GoalFactory(agent=member)
        agreed(agent=member, supervisor=c.supervisor)
    api = client(c.supervisor)

    with django_assert_max_num_queries(6):
        response = api.get(LIST)

    assert response.status_code == 200 and response.json()["count"] == 8


def test_a_goal_with_history_and_progress():
    c = crew()
    start = timezone.localdate() - 4 * DAY
    goal = agreed(agent=c.agent, supervisor=c.supervisor, starts_on=start, target=Decimal("30"))
    transfers(agent=c.agent, day=start + DAY, handled=40, transferred=10)
    client(c.agent).post(f"{one(goal.pk)}/checkins", {"note": "Going well"}, format="json")

    response = client(c.supervisor).get(one(goal.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["counts"] is True
    assert body["progress"]["value"] == pytest.approx(25.0)
    assert body["progress"]["n"] == 40 and body["progress"]["met"] is True
    assert body["progress"]["state"] == "ok"
    assert body["events"][-1]["kind"] == "checked_in" and body["events"][-1]["value"] == "25.00"


def test_a_goal_is_404_to_everyone_else():
    c, other = crew(), crew()
    goal = GoalFactory(agent=c.agent)
    colleague = UserFactory(roles=["agent"], team=c.team)

    for outsider in (other.supervisor, other.agent, colleague, UserFactory(roles=["executive"])):
        assert client(outsider).get(one(goal.pk)).status_code == 404
        response = client(outsider).post(f"{one(goal.pk)}/agree")
        assert response.status_code == 404
    assert client(c.agent).get(one(2**63 - 1)).status_code == 404
    assert client(UserFactory(roles=["admin"])).get(one(goal.pk)).status_code == 200


# --- Steps ------------------------------------------------------------------------------------------


def test_the_supervisor_agrees_and_the_goal_counts():
    c = crew()
    goal = GoalFactory(agent=c.agent)

    response = client(c.supervisor).post(f"{one(goal.pk)}/agree")

    assert response.status_code == 200
    assert response.json()["counts"] is True and response.json()["status"] == "agreed"
    again = client(c.supervisor).post(f"{one(goal.pk)}/agree")
    assert again.status_code == 409


def test_an_admin_cannot_act_on_a_goal():
    c = crew()
    goal = GoalFactory(agent=c.agent)
    admin = client(UserFactory(roles=["admin"]))

    assert admin.post(f"{one(goal.pk)}/agree").status_code == 403
    assert admin.post(f"{one(goal.pk)}/decline", {}, format="json").status_code == 403

    goal.refresh_from_db()
    assert goal.status == GoalStatus.PROPOSED and goal.supervisor_agreed_at is None


def test_revise_decline_withdraw_close():
    c = crew()
    goal = agreed(agent=c.agent, supervisor=c.supervisor)
    agent, supervisor = client(c.agent), client(c.supervisor)

    revised = agent.post(
        f"{one(goal.pk)}/revise",
        {"target": "12.00", "ends_on": goal.ends_on.isoformat(), "note": "Too tight"},
        format="json",
    )
    assert revised.status_code == 200
    assert revised.json()["counts"] is False and revised.json()["supervisor_agreed_at"] is None
    assert revised.json()["events"][-1]["detail"]["before"]["target"] == "10.00"

    assert supervisor.post(f"{one(goal.pk)}/decline", {}, format="json").status_code == 400
    declined = supervisor.post(f"{one(goal.pk)}/decline", {"note": "No"}, format="json")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"

    fresh = GoalFactory(agent=c.agent)
    assert supervisor.post(f"{one(fresh.pk)}/withdraw", {}, format="json").status_code == 409
    assert (
        agent.post(f"{one(fresh.pk)}/withdraw", {}, format="json").json()["status"] == "withdrawn"
    )

    running = agreed(agent=c.agent, supervisor=c.supervisor)
    assert agent.post(f"{one(running.pk)}/close", {}, format="json").status_code == 403
    closed = supervisor.post(f"{one(running.pk)}/close", {"note": "Done"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


@pytest.mark.parametrize(
    "body",
    [
        {"target": "-1", "ends_on": "2099-01-01"},
        {"target": "5"},
        {"target": "5", "ends_on": "yesterday"},
        {"target": "1e400", "ends_on": "2099-01-01"},
    ],
)
def test_a_bad_revision_is_400(body):
    c = crew()
    goal = GoalFactory(agent=c.agent)

    response = client(c.supervisor).post(f"{one(goal.pk)}/revise", body, format="json")

    assert response.status_code == 400
    goal.refresh_from_db()
    assert goal.target == Decimal("10.00")


def test_a_checkin_on_a_proposal_is_409_and_records_nothing():
    c = crew()
    goal = GoalFactory(agent=c.agent)

    response = client(c.agent).post(f"{one(goal.pk)}/checkins", {"note": "x"}, format="json")

    assert response.status_code == 409
    assert not GoalEvent.objects.filter(goal=goal).exists()


def test_a_checkin_is_201():
    c = crew()
    goal = agreed(agent=c.agent, supervisor=c.supervisor)

    response = client(c.agent).post(f"{one(goal.pk)}/checkins", {"note": "x"}, format="json")

    assert response.status_code == 201
    assert response.json()["events"][-1]["kind"] == "checked_in"
    assert response.json()["events"][-1]["value"] is None  # no contacts yet


def test_the_schema_documents_the_endpoints():
    admin = client(UserFactory(roles=["admin"]))

    response = admin.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/goals/", "/api/v1/goals/{goal_id}", "/api/v1/goals/{goal_id}/checkins"):
        assert path in paths
