"""The second-factor page and the middleware that sends people to it."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from rapport.accounts.tests.conftest import totp_code, wrong_code

PAGE = "/accounts/second-factor/"


@pytest.fixture
def agent_needing_totp(client_for, require_second_factor):
    """A logged-in agent (session only) whose role requires TOTP."""
    require_second_factor("agent")
    return client_for("agent")


def test_pages_redirect_to_second_factor(agent_needing_totp):
    client, _ = agent_needing_totp

    response = client.get("/customers/?q=smith")

    assert response.status_code == 302
    assert response["Location"] == PAGE + "?next=%2Fcustomers%2F%3Fq%3Dsmith"


def test_api_with_session_gets_403_json(agent_needing_totp):
    client, _ = agent_needing_totp

    response = client.get("/api/v1/auth/me")

    assert response.status_code == 403
    assert response.json() == {
        "code": "second_factor_required",
        "message": "Your role requires a second factor. Verify it on the web first.",
        "fields": {},
    }


def test_roles_without_policy_pass(client_for, require_second_factor):
    require_second_factor("supervisor")
    client, _ = client_for("agent")

    assert client.get("/customers/").status_code == 200


def test_first_visit_enrols_a_device_and_shows_the_secret(agent_needing_totp):
    client, agent = agent_needing_totp

    response = client.get(PAGE)

    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=agent)
    assert not device.confirmed
    html = response.content.decode()
    assert 'data-testid="totp-secret"' in html
    assert "data:image/svg+xml;base64," in html


def test_valid_code_confirms_device_and_opens_pages(agent_needing_totp):
    # Given an agent who has scanned the QR code
    client, agent = agent_needing_totp
    client.get(PAGE)
    device = TOTPDevice.objects.get(user=agent)

    # When they type the current code
    response = client.post(PAGE, {"code": totp_code(device)})

    # Then the device is confirmed and the pages and API open up
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/customers/").status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 200


def test_confirmed_device_asks_for_code_without_secret(agent_needing_totp, totp_device):
    client, agent = agent_needing_totp
    totp_device(agent)

    html = client.get(PAGE).content.decode()

    assert 'data-testid="totp-secret"' not in html
    assert "Type the six digits" in html


def test_wrong_code_is_refused(agent_needing_totp, totp_device):
    client, agent = agent_needing_totp
    device = totp_device(agent)

    response = client.post(PAGE, {"code": wrong_code(device)})

    assert response.status_code == 200
    assert "That code is not right or has expired" in response.content.decode()
    assert client.get("/customers/").status_code == 302


def test_malformed_code_is_refused(agent_needing_totp, totp_device):
    client, agent = agent_needing_totp
    totp_device(agent)

    response = client.post(PAGE, {"code": "12ab"})

    assert "Enter the six digits your app shows." in response.content.decode()


def test_safe_next_is_followed(agent_needing_totp, totp_device):
    client, agent = agent_needing_totp
    device = totp_device(agent)

    response = client.post(f"{PAGE}?next=/accounts/me/", {"code": totp_code(device)})

    assert response["Location"] == "/accounts/me/"


def test_offsite_next_is_not_followed(agent_needing_totp, totp_device):
    client, agent = agent_needing_totp
    device = totp_device(agent)

    response = client.post(f"{PAGE}?next=https://evil.example/", {"code": totp_code(device)})

    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil.example")


def test_token_list_api_is_not_exempt(agent_needing_totp):
    client, _ = agent_needing_totp

    response = client.get("/api/v1/auth/tokens")

    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_required"


def test_login_and_logout_stay_reachable(agent_needing_totp):
    client, _ = agent_needing_totp

    # The login view itself answers (sending a logged-in user on), not the middleware
    assert client.get("/accounts/login/")["Location"] == "/"
    assert client.post("/accounts/logout/")["Location"] == "/accounts/login/"
