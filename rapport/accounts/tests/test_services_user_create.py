import pytest

from rapport.accounts import services
from rapport.accounts.tests.factories import PASSWORD, TeamFactory
from rapport.core.errors import ValidationFailed
from rapport.core.roles import Role, roles_of


@pytest.mark.django_db
def test_roles_become_groups():
    # Given a team
    team = TeamFactory()

    # When a user is created with two roles
    user = services.user_create(
        username="ana", password=PASSWORD, roles=["agent", "trainer"], team=team
    )

    # Then each role is a group of the same name, and the password works
    assert set(user.groups.values_list("name", flat=True)) == {"agent", "trainer"}
    assert roles_of(user) == {Role.AGENT, Role.TRAINER}
    assert user.team == team
    assert user.check_password(PASSWORD)
    assert not user.is_staff


@pytest.mark.django_db
def test_admin_role_makes_staff_superuser():
    user = services.user_create(username="root", password=PASSWORD, roles=["admin"])

    assert user.is_staff and user.is_superuser


@pytest.mark.django_db
def test_email_is_lower_cased():
    user = services.user_create(
        username="ben", password=PASSWORD, roles=["agent"], email="Ben.Smith@Example.COM"
    )

    assert user.email == "ben.smith@example.com"


@pytest.mark.django_db
def test_unknown_role_is_rejected_and_nothing_is_created(django_user_model):
    with pytest.raises(ValidationFailed) as raised:
        services.user_create(username="eve", password=PASSWORD, roles=["agent", "wizard"])

    assert "wizard" in raised.value.message
    assert "roles" in raised.value.fields
    assert not django_user_model.objects.filter(username="eve").exists()
