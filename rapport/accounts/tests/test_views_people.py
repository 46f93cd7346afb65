"""/accounts/people/ and /accounts/people/<id>/."""

import pytest

from rapport.accounts import services


@pytest.fixture
def two_teams(make_user, team_of):
    sup_a, sup_b = make_user("supervisor"), make_user("supervisor")
    team_a, team_b = team_of(sup_a), team_of(sup_b)
    return {
        "sup_a": sup_a,
        "a1": make_user("agent", team=team_a, username="alpha_one"),
        "b1": make_user("agent", team=team_b, username="bravo_one"),
        "team_a": team_a,
    }


def test_supervisor_sees_own_team_only(client, two_teams):
    client.force_login(two_teams["sup_a"])

    response = client.get("/accounts/people/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "alpha_one" in html
    assert "bravo_one" not in html


def test_filter_with_htmx_returns_the_table(client, two_teams):
    client.force_login(two_teams["sup_a"])

    response = client.get("/accounts/people/", {"q": "nobody-here"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert "<html" not in html
    assert "Nobody matches" in html


@pytest.mark.parametrize("role", ["agent", "trainer", "qa_analyst", "marketer", "executive"])
def test_other_roles_are_forbidden(client_for, role):
    client, _ = client_for(role)

    response = client.get("/accounts/people/")

    assert response.status_code == 403
    assert "not part of your role" in response.content.decode()


def test_list_query_count_does_not_grow(
    client_for, make_user, team_of, django_assert_max_num_queries
):
    client, _ = client_for("admin")
    team = team_of(None)
    for _ in range(30):
        make_user("agent", team=team)

    with django_assert_max_num_queries(7):
        response = client.get("/accounts/people/")

    assert len(response.context["page"].object_list) == 25


def test_person_in_scope_shows_history(client, two_teams):
    services.agent_state_set(agent=two_teams["a1"], state="available")
    client.force_login(two_teams["sup_a"])

    response = client.get(f"/accounts/people/{two_teams['a1'].pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "State history" in html
    assert "Available" in html


def test_person_out_of_scope_is_404(client, two_teams):
    client.force_login(two_teams["sup_a"])

    response = client.get(f"/accounts/people/{two_teams['b1'].pk}/")

    assert response.status_code == 404
    assert "No such person." in response.content.decode()


def test_role_filter(client_for, make_user):
    client, _ = client_for("admin")
    make_user("agent", username="the_agent")
    make_user("trainer", username="the_trainer")

    response = client.get("/accounts/people/", {"role": "trainer"})

    assert [p.username for p in response.context["page"].object_list] == ["the_trainer"]
