import pytest
from rest_framework.test import APIClient

from rapport.accounts import services
from rapport.accounts.models import ApiToken
from rapport.core.models import AuditEvent


def _me_with(key: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/auth/me")


def test_issue_stores_digest_not_key(make_user):
    # Given a user
    user = make_user("agent")

    # When a token is issued
    issued = services.api_token_issue(user=user, name="  phone system  ")

    # Then only the digest of the key is stored, with a recognisable prefix
    token = ApiToken.objects.get(pk=issued.token.pk)
    assert token.digest == services.token_digest(issued.key)
    assert token.digest != issued.key
    assert issued.key not in {token.digest, token.prefix, token.name}
    assert token.prefix == issued.key[:8]
    assert token.name == "phone system"
    assert token.is_active


def test_blank_name_gets_a_default(make_user):
    issued = services.api_token_issue(user=make_user("agent"), name="   ")

    assert issued.token.name == "API token"


def test_issued_key_authenticates_and_is_audited(make_user):
    user = make_user("agent")

    issued = services.api_token_issue(user=user, name="script")

    response = _me_with(issued.key)
    assert response.status_code == 200
    assert response.json()["username"] == user.username
    event = AuditEvent.objects.get(action="api_token.issued")
    assert (event.actor, event.target_type, event.target_id) == (
        user,
        "accounts.apitoken",
        str(issued.token.pk),
    )
    assert event.detail == {"name": "script"}


@pytest.mark.parametrize("scheme", ["Token", "Bearer", "token"])
def test_both_header_schemes_work(make_user, scheme):
    issued = services.api_token_issue(user=make_user("agent"), name="x")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {issued.key}")

    assert client.get("/api/v1/auth/me").status_code == 200


def test_first_use_records_last_used(make_user):
    issued = services.api_token_issue(user=make_user("agent"), name="x")

    _me_with(issued.key)

    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


def test_revoked_token_no_longer_authenticates(make_user):
    # Given a working token
    user = make_user("agent")
    issued = services.api_token_issue(user=user, name="script")
    assert _me_with(issued.key).status_code == 200

    # When its owner revokes it
    services.api_token_revoke(token=issued.token, by=user)

    # Then the key is refused with a JSON error, and the revocation is audited
    response = _me_with(issued.key)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert issued.token.revoked_at is not None
    event = AuditEvent.objects.get(action="api_token.revoked")
    assert (event.actor, event.target_id) == (user, str(issued.token.pk))


def test_revoking_twice_keeps_first_time_and_one_event(make_user):
    user = make_user("agent")
    issued = services.api_token_issue(user=user, name="script")
    services.api_token_revoke(token=issued.token, by=user)
    first_revoked_at = issued.token.revoked_at

    services.api_token_revoke(token=issued.token, by=user)

    assert issued.token.revoked_at == first_revoked_at
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


def test_token_of_deactivated_user_is_refused(make_user):
    user = make_user("agent")
    issued = services.api_token_issue(user=user, name="script")
    user.is_active = False
    user.save()

    assert _me_with(issued.key).status_code == 401


@pytest.mark.django_db
def test_unknown_key_is_refused():
    response = _me_with("not-a-real-key")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
