"""/accounts/security/: admins choose which roles need a second factor."""

import pytest

from rapport.accounts.models import RoleSecurityPolicy
from rapport.core.models import AuditEvent


def _policies() -> dict[str, bool]:
    return dict(RoleSecurityPolicy.objects.values_list("role", "require_second_factor"))


def test_admin_sees_a_tick_per_role(client_for):
    client, _ = client_for("admin")

    html = client.get("/accounts/security/").content.decode()

    for role in ["agent", "supervisor", "trainer", "qa_analyst", "marketer", "executive", "admin"]:
        assert f'name="{role}"' in html


def test_saving_ticks_creates_policies(client_for):
    # Given no policy
    client, admin = client_for("admin")

    # When the admin ticks two roles
    response = client.post("/accounts/security/", {"agent": "on", "supervisor": "on"})

    # Then exactly those two require a second factor, each change audited
    assert response["Location"] == "/accounts/security/"
    assert _policies() == {"agent": True, "supervisor": True}
    assert AuditEvent.objects.filter(action="role_policy.changed", actor=admin).count() == 2


def test_unticking_switches_off(client_for):
    client, _ = client_for("admin")
    RoleSecurityPolicy.objects.create(role="agent", require_second_factor=True)
    RoleSecurityPolicy.objects.create(role="trainer", require_second_factor=True)

    client.post("/accounts/security/", {"trainer": "on"})

    assert _policies() == {"agent": False, "trainer": True}


def test_saved_ticks_show_as_checked(client_for):
    client, _ = client_for("admin")
    RoleSecurityPolicy.objects.create(role="marketer", require_second_factor=True)

    html = client.get("/accounts/security/").content.decode()

    assert 'id="id_marketer" checked' in html
    assert 'id="id_agent" checked' not in html


@pytest.mark.parametrize("role", ["supervisor", "agent", "executive"])
def test_others_are_forbidden(client_for, role):
    client, _ = client_for(role)

    assert client.get("/accounts/security/").status_code == 403
    assert client.post("/accounts/security/", {"agent": "on"}).status_code == 403
    assert not RoleSecurityPolicy.objects.exists()
