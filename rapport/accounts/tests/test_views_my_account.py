"""/accounts/me/: my state and my API tokens."""

from rest_framework.test import APIClient

from rapport.accounts import services
from rapport.accounts.models import AgentStateChange, ApiToken


def test_page_shows_state_form_and_tokens(client_for):
    client, me = client_for("agent")
    services.api_token_issue(user=me, name="phone system")
    services.agent_state_set(agent=me, state="available")

    response = client.get("/accounts/me/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="state-form"' in html
    assert 'action="/accounts/me/state/"' in html
    assert "phone system" in html
    assert "Revoke" in html
    assert "Now: Available" in html


def test_post_state_changes_it_and_redirects(client_for):
    client, me = client_for("agent")

    response = client.post("/accounts/me/state/", {"state": "break"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/me/"
    me.refresh_from_db()
    assert me.agent_state == "break"
    assert AgentStateChange.objects.get(agent=me).source == "ui"


def test_post_state_with_htmx_returns_the_partial(client_for):
    client, me = client_for("agent")

    response = client.post(
        "/accounts/me/state/", {"state": "wrap_up"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="state-form"')
    assert "<html" not in html
    assert "Now: Wrap-up" in html
    me.refresh_from_db()
    assert me.agent_state == "wrap_up"


def test_invalid_state_changes_nothing(client_for):
    client, me = client_for("agent")

    client.post("/accounts/me/state/", {"state": "napping"})

    me.refresh_from_db()
    assert me.agent_state == "offline"
    assert not AgentStateChange.objects.exists()


def test_state_change_is_post_only(client_for):
    client, _ = client_for("agent")

    assert client.get("/accounts/me/state/").status_code == 405


def test_new_token_key_is_shown_once(client_for):
    # Given I create a token on my page
    client, me = client_for("agent")
    response = client.post("/accounts/me/tokens/", {"name": "phone system"})
    assert response["Location"] == "/accounts/me/"

    # When I look at the page, the key is there and it works
    first = client.get("/accounts/me/").content.decode()
    token = ApiToken.objects.get(user=me)
    key = _new_key(first)
    assert key.startswith(token.prefix)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/auth/me").status_code == 200

    # Then on the next view it is gone for good
    second = client.get("/accounts/me/").content.decode()
    assert key not in second
    assert 'data-testid="new-key"' not in second
    assert "new_api_key" not in client.session


def test_token_without_name_is_refused(client_for):
    client, me = client_for("agent")

    response = client.post("/accounts/me/tokens/", {"name": ""}, follow=True)

    assert not ApiToken.objects.filter(user=me).exists()
    assert "Give the token a name." in response.content.decode()


def test_revoke_own_token(client_for):
    client, me = client_for("agent")
    issued = services.api_token_issue(user=me, name="script")

    response = client.post(f"/accounts/me/tokens/{issued.token.pk}/revoke/", follow=True)

    issued.token.refresh_from_db()
    assert not issued.token.is_active
    assert "Token &#x27;script&#x27; revoked." in response.content.decode()


def test_revoke_someone_elses_token_is_404(client_for, make_user):
    client, _ = client_for("admin")
    other = services.api_token_issue(user=make_user("agent"), name="theirs")

    response = client.post(f"/accounts/me/tokens/{other.token.pk}/revoke/")

    assert response.status_code == 404
    other.token.refresh_from_db()
    assert other.token.is_active


def _new_key(html: str) -> str:
    marker = '<code data-testid="new-key">'
    start = html.index(marker) + len(marker)
    return html[start : html.index("</code>", start)]
