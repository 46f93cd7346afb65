"""GET /api/v1/teams/."""


def test_admin_sees_all_teams(api_for, make_user, team_of, django_assert_max_num_queries):
    client, _ = api_for("admin")
    teams = [team_of(make_user("supervisor")) for _ in range(10)]

    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/teams/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert {(r["id"], r["supervisor"]) for r in rows} == {(t.pk, t.supervisor_id) for t in teams}


def test_supervisor_sees_teams_they_lead(client_api_as, make_user, team_of):
    sup = make_user("supervisor")
    mine = team_of(sup)
    team_of(make_user("supervisor"))

    rows = client_api_as(sup).get("/api/v1/teams/").json()["results"]

    assert [r["id"] for r in rows] == [mine.pk]


def test_agent_sees_own_team(api_for, team_of):
    team = team_of(None)
    team_of(None)
    client, _ = api_for("agent", team=team)

    rows = client.get("/api/v1/teams/").json()["results"]

    assert [r["name"] for r in rows] == [team.name]
