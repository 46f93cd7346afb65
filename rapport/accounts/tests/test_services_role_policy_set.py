import pytest

from rapport.accounts import services
from rapport.accounts.models import RoleSecurityPolicy
from rapport.core.errors import ValidationFailed
from rapport.core.models import AuditEvent


def test_creates_then_updates_one_row_per_role(make_user):
    admin = make_user("admin")

    services.role_policy_set(role="agent", require_second_factor=True, by=admin)
    policy = services.role_policy_set(role="agent", require_second_factor=False, by=admin)

    assert RoleSecurityPolicy.objects.get() == policy
    assert policy.require_second_factor is False


def test_change_is_audited(make_user):
    admin = make_user("admin")

    policy = services.role_policy_set(role="supervisor", require_second_factor=True, by=admin)

    event = AuditEvent.objects.get(action="role_policy.changed")
    assert event.actor == admin
    assert event.target_id == str(policy.pk)
    assert event.detail == {
        "role": "supervisor",
        "require_second_factor": True,
        "tokens_revoked": 0,
    }


def test_unknown_role_is_rejected(make_user):
    with pytest.raises(ValidationFailed) as raised:
        services.role_policy_set(role="wizard", require_second_factor=True, by=make_user("admin"))

    assert raised.value.fields == {"role": ["Unknown role."]}
    assert not RoleSecurityPolicy.objects.exists()


def test_requiring_a_second_factor_revokes_the_roles_tokens_only(make_user):
    admin = make_user("admin")
    agent_key = services.api_token_issue(user=make_user("agent"), name="phone").token
    marketer_key = services.api_token_issue(user=make_user("marketer"), name="script").token

    services.role_policy_set(role="agent", require_second_factor=True, by=admin)

    agent_key.refresh_from_db()
    marketer_key.refresh_from_db()
    assert agent_key.revoked_at is not None
    assert marketer_key.revoked_at is None
    assert AuditEvent.objects.get(action="role_policy.changed").detail["tokens_revoked"] == 1
