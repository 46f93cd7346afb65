"""GET /api/v1/auth/me, GET /api/v1/auth/tokens, DELETE /api/v1/auth/tokens/<id>."""

import pytest
from rest_framework.test import APIClient

from rapport.accounts import services
from rapport.accounts.tests.factories import TeamFactory


def test_me_returns_who_i_am(api_for):
    team = TeamFactory(name="Alpha")
    client, user = api_for("agent", "trainer", team=team)

    body = client.get("/api/v1/auth/me").json()

    assert body["id"] == user.pk
    assert body["username"] == user.username
    assert body["roles"] == ["agent", "trainer"]
    assert body["team"] == {"id": team.pk, "name": "Alpha", "supervisor": None}
    assert body["agent_state"] == "offline"


@pytest.mark.django_db
def test_me_needs_authentication():
    response = APIClient().get("/api/v1/auth/me")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_tokens_lists_own_tokens_only(api_for, make_user, django_assert_max_num_queries):
    # Given my two tokens and someone else's
    client, me = api_for("agent")
    mine = {services.api_token_issue(user=me, name=f"t{i}").token.pk for i in range(2)}
    services.api_token_issue(user=make_user("agent"), name="theirs")

    # When I list tokens
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/auth/tokens")

    # Then only mine are there, and no key or digest is shown
    assert response.status_code == 200
    results = response.json()["results"]
    assert {t["id"] for t in results} == mine
    assert all("digest" not in t and "token" not in t for t in results)


def test_delete_revokes_own_token(api_for):
    client, me = api_for("agent")
    issued = services.api_token_issue(user=me, name="script")

    response = client.delete(f"/api/v1/auth/tokens/{issued.token.pk}")

    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    issued.token.refresh_from_db()
    assert not issued.token.is_active


def test_delete_someone_elses_token_is_404(api_for, make_user):
    # Given a token of another user
    client, _ = api_for("admin")
    other = services.api_token_issue(user=make_user("agent"), name="theirs")

    # When I try to revoke it (even as admin)
    response = client.delete(f"/api/v1/auth/tokens/{other.token.pk}")

    # Then it does not exist for me, and still works for its owner
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    other.token.refresh_from_db()
    assert other.token.is_active


def test_a_token_can_revoke_itself(make_user):
    user = make_user("agent")
    issued = services.api_token_issue(user=user, name="script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")

    assert client.delete(f"/api/v1/auth/tokens/{issued.token.pk}").status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 401
