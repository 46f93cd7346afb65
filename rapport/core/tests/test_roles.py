"""Roles are groups; who may read, edit and export customers."""

import pytest
from django.contrib.auth.models import AnonymousUser

from rapport.core.errors import PermissionDenied
from rapport.core.permissions import require_roles
from rapport.core.roles import (
    CUSTOMER_EDITORS,
    CUSTOMER_EXPORTERS,
    CUSTOMER_READERS,
    Role,
    has_any_role,
    is_admin,
    roles_of,
)

pytestmark = pytest.mark.django_db


def test_roles_of_reads_role_groups_only(make_user):
    from django.contrib.auth.models import Group

    user = make_user("agent", "marketer")
    user.groups.add(Group.objects.create(name="book club"))
    user = type(user).objects.get(pk=user.pk)

    assert roles_of(user) == frozenset({"agent", "marketer"})


def test_a_superuser_is_an_admin(make_user):
    user = make_user(is_superuser=True)

    assert is_admin(user)
    assert roles_of(user) == frozenset({Role.ADMIN})


def test_anonymous_and_none_have_no_roles():
    assert roles_of(AnonymousUser()) == frozenset()
    assert roles_of(None) == frozenset()


def test_roles_are_read_once_per_user_object(make_user, django_assert_num_queries):
    user = make_user("agent")
    user = type(user).objects.get(pk=user.pk)

    with django_assert_num_queries(1):
        roles_of(user)
        roles_of(user)
        has_any_role(user, CUSTOMER_READERS)


@pytest.mark.parametrize(
    ("role", "reads", "edits", "exports"),
    [
        ("agent", True, True, False),
        ("supervisor", True, True, False),
        ("qa_analyst", True, False, False),
        ("marketer", True, False, True),
        ("admin", True, True, True),
        ("trainer", False, False, False),
        ("executive", False, False, False),
    ],
)
def test_customer_role_sets(role, reads, edits, exports):
    assert (role in CUSTOMER_READERS, role in CUSTOMER_EDITORS, role in CUSTOMER_EXPORTERS) == (
        reads,
        edits,
        exports,
    )


def test_require_roles_names_who_may(make_user):
    with pytest.raises(PermissionDenied) as caught:
        require_roles(make_user("agent"), {Role.ADMIN}, action="erase customers")

    assert caught.value.status == 403
    assert caught.value.message == "Only admin may erase customers."
    require_roles(
        make_user("admin"), {Role.ADMIN}, action="erase customers"
    )  # allowed: no exception
