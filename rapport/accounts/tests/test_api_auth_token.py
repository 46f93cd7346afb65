"""POST /api/v1/auth/token: password (and TOTP where required) for an API key."""

import pytest
from axes.models import AccessAttempt
from rest_framework.test import APIClient

from rapport.accounts.models import ApiToken
from rapport.accounts.tests.conftest import totp_code, wrong_code
from rapport.accounts.tests.factories import PASSWORD

URL = "/api/v1/auth/token"


def _ask(username, password, **extra):
    return APIClient().post(
        URL, {"username": username, "password": password, **extra}, format="json"
    )


def test_password_gives_a_working_token(make_user):
    # Given an agent
    agent = make_user("agent")

    # When they exchange their password for a token
    response = _ask(agent.username, PASSWORD, name="phone system")

    # Then they get a key once, and it authenticates
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "phone system"
    assert ApiToken.objects.get(pk=body["id"]).user == agent
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert me.json()["username"] == agent.username


def test_wrong_password_is_401_json(make_user):
    agent = make_user("agent")

    response = _ask(agent.username, "not the password")

    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == "invalid_credentials"
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_unknown_user_is_401():
    response = _ask("nobody", PASSWORD)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


@pytest.mark.django_db
def test_missing_password_is_400_with_field():
    response = APIClient().post(URL, {"username": "ana"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "password" in response.json()["fields"]


def test_lockout_after_failure_limit_even_with_right_password(make_user, settings):
    # Given an agent whose password was guessed wrong AXES_FAILURE_LIMIT times
    agent = make_user("agent")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _ask(agent.username, "guess")

    # When the right password comes next
    response = _ask(agent.username, PASSWORD)

    # Then it is refused: locked out, no token
    assert response.status_code == 429
    assert not ApiToken.objects.exists()


def test_lockout_answer_is_json(make_user, settings):
    agent = make_user("agent")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _ask(agent.username, "guess")

    response = _ask(agent.username, PASSWORD)

    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "locked_out"


def test_failures_below_the_limit_do_not_lock(make_user, settings):
    agent = make_user("agent")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _ask(agent.username, "guess")

    assert _ask(agent.username, PASSWORD).status_code == 201


def test_second_factor_required_without_otp(make_user, require_second_factor, totp_device):
    # Given an agent whose role requires TOTP and who has enrolled a device
    require_second_factor("agent")
    agent = make_user("agent")
    totp_device(agent)

    # When they send only the password
    response = _ask(agent.username, PASSWORD)

    # Then they are told to send the code
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "second_factor_required"
    assert "otp" in body["fields"]
    assert not ApiToken.objects.exists()


def test_second_factor_wrong_code(make_user, require_second_factor, totp_device):
    require_second_factor("agent")
    agent = make_user("agent")
    device = totp_device(agent)

    response = _ask(agent.username, PASSWORD, otp=wrong_code(device))

    assert response.status_code == 401
    assert response.json()["code"] == "second_factor_required"


def test_second_factor_valid_code_gives_token(make_user, require_second_factor, totp_device):
    require_second_factor("agent")
    agent = make_user("agent")
    device = totp_device(agent)

    response = _ask(agent.username, PASSWORD, otp=totp_code(device))

    assert response.status_code == 201
    assert ApiToken.objects.get(pk=response.json()["id"]).user == agent


def test_unconfirmed_device_does_not_count(make_user, require_second_factor, totp_device):
    require_second_factor("agent")
    agent = make_user("agent")
    device = totp_device(agent, confirmed=False)

    response = _ask(agent.username, PASSWORD, otp=totp_code(device))

    assert response.status_code == 401
    assert response.json()["code"] == "second_factor_required"


def test_success_resets_the_failure_count(make_user, settings):
    agent = make_user("agent")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _ask(agent.username, "guess")
    assert _ask(agent.username, PASSWORD).status_code == 201

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _ask(agent.username, "guess")

    assert _ask(agent.username, PASSWORD).status_code == 201


def test_a_good_exchange_keeps_other_peoples_failures(make_user):
    target = make_user("supervisor")
    me = make_user("agent")
    client = APIClient()
    for _ in range(4):
        client.post(URL, {"username": target.username, "password": "wrong"}, format="json")

    ok = client.post(URL, {"username": me.username, "password": PASSWORD}, format="json")

    assert ok.status_code == 201
    assert AccessAttempt.objects.get(username=target.username).failures_since_start == 4
