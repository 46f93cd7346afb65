"""GET /api/v1/users/, /api/v1/users/<id>, /api/v1/users/<id>/states."""

import pytest

from rapport.accounts import services


@pytest.fixture
def two_teams(make_user, team_of):
    sup_a, sup_b = make_user("supervisor"), make_user("supervisor")
    team_a, team_b = team_of(sup_a), team_of(sup_b)
    return {
        "sup_a": sup_a,
        "a_agents": {make_user("agent", team=team_a) for _ in range(2)},
        "b_agents": {make_user("agent", team=team_b) for _ in range(2)},
        "team_a": team_a,
    }


def _ids(response):
    return {row["id"] for row in response.json()["results"]}


def test_supervisor_lists_agents_of_own_team(client_api_as, two_teams):
    client = client_api_as(two_teams["sup_a"])

    response = client.get("/api/v1/users/", {"role": "agent"})

    assert response.status_code == 200
    assert _ids(response) == {u.pk for u in two_teams["a_agents"]}
    assert response.json()["count"] == 2


def test_admin_lists_all_agents(api_for, two_teams):
    client, _ = api_for("admin")

    response = client.get("/api/v1/users/", {"role": "agent"})

    assert _ids(response) == {u.pk for u in two_teams["a_agents"] | two_teams["b_agents"]}


def test_agent_gets_an_empty_list(api_for, two_teams):
    client, _ = api_for("agent", team=two_teams["team_a"])

    response = client.get("/api/v1/users/")

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_search(api_for, make_user):
    client, _ = api_for("admin")
    zoe = make_user("agent", first_name="Zoe", last_name="Quill")
    make_user("agent", first_name="Max", last_name="Brown")

    assert _ids(client.get("/api/v1/users/", {"q": "quil"})) == {zoe.pk}


def test_row_shape(api_for, two_teams):
    client, _ = api_for("admin")
    agent = next(iter(two_teams["a_agents"]))

    row = client.get(f"/api/v1/users/{agent.pk}").json()

    assert row["roles"] == ["agent"]
    assert row["team"]["supervisor"] == two_teams["sup_a"].pk


def test_list_queries_do_not_grow_per_row(
    api_for, make_user, team_of, django_assert_max_num_queries
):
    # Given 30 people
    client, _ = api_for("admin")
    team = team_of(make_user("supervisor"))
    for _ in range(30):
        make_user("agent", team=team)

    # When an admin lists them all on one page, the query count is constant
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/users/", {"page_size": 50})

    assert len(response.json()["results"]) == 32


def test_detail_out_of_scope_is_404(client_api_as, two_teams):
    client = client_api_as(two_teams["sup_a"])
    stranger = next(iter(two_teams["b_agents"]))

    response = client.get(f"/api/v1/users/{stranger.pk}")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "No such person.", "fields": {}}


def test_detail_in_scope(client_api_as, two_teams):
    client = client_api_as(two_teams["sup_a"])
    member = next(iter(two_teams["a_agents"]))

    response = client.get(f"/api/v1/users/{member.pk}")

    assert response.status_code == 200
    assert response.json()["username"] == member.username


def test_states_for_supervisor(client_api_as, two_teams):
    # Given an agent of the supervisor's team who took a break
    member = next(iter(two_teams["a_agents"]))
    services.agent_state_set(agent=member, state="available", source="telephony")
    services.agent_state_set(agent=member, state="break", source="ui")

    # When the supervisor reads the history
    response = client_api_as(two_teams["sup_a"]).get(f"/api/v1/users/{member.pk}/states")

    # Then it is newest first with the previous state
    assert response.status_code == 200
    assert [(r["state"], r["previous_state"], r["source"]) for r in response.json()] == [
        ("break", "available", "ui"),
        ("available", "offline", "telephony"),
    ]


def test_states_of_another_agent_is_404(client_api_as, two_teams, make_user):
    member = next(iter(two_teams["a_agents"]))
    services.agent_state_set(agent=member, state="available")
    colleague = make_user("agent", team=two_teams["team_a"])

    response = client_api_as(colleague).get(f"/api/v1/users/{member.pk}/states")

    assert response.status_code == 404


def test_own_states(api_for):
    client, me = api_for("agent")
    services.agent_state_set(agent=me, state="available")

    response = client.get(f"/api/v1/users/{me.pk}/states")

    assert [r["state"] for r in response.json()] == ["available"]
