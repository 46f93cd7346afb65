from rapport.accounts import selectors
from rapport.accounts.models import RoleSecurityPolicy


def test_not_required_without_policy(make_user):
    assert selectors.second_factor_required(user=make_user("agent")) is False


def test_required_when_any_role_requires_it(make_user, require_second_factor):
    require_second_factor("trainer")

    assert selectors.second_factor_required(user=make_user("agent", "trainer")) is True
    assert selectors.second_factor_required(user=make_user("agent")) is False


def test_policy_switched_off_does_not_require(make_user):
    RoleSecurityPolicy.objects.create(role="agent", require_second_factor=False)

    assert selectors.second_factor_required(user=make_user("agent")) is False


def test_user_without_roles_is_never_asked(make_user, require_second_factor):
    require_second_factor("agent")

    assert selectors.second_factor_required(user=make_user()) is False


def test_superuser_counts_as_admin(make_user, require_second_factor):
    require_second_factor("admin")
    root = make_user(is_superuser=True)

    assert selectors.second_factor_required(user=root) is True
