"""Fixtures shared by every app's tests."""

import os

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.test import APIClient

from rapport.accounts.tests.factories import PASSWORD, UserFactory
from rapport.core.roles import Role

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be usable.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ALL_ROLES = list(Role.values)


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def make_user(db):
    """make_user("agent") -> a user holding that role (several roles: make_user("agent", "trainer"))."""

    def make(*roles: str, **fields):
        return UserFactory(roles=list(roles), **fields)

    return make


@pytest.fixture
def api_for(make_user):
    """api_for("agent") -> (APIClient logged in with session auth, user)."""

    def make(*roles: str, **fields):
        user = make_user(*roles, **fields)
        client = APIClient()
        client.force_authenticate(user=user)
        return client, user

    return make


@pytest.fixture
def client_for(make_user, client):
    """client_for("agent") -> (Django test client logged in, user)."""

    def make(*roles: str, **fields):
        user = make_user(*roles, **fields)
        client.force_login(user)
        return client, user

    return make


@pytest.fixture
def keep_the_test_connection():
    """Calls straight to the WSGI application go past Django's test client, which is what
    normally stops a finished request from closing the test's database connection; do the same
    for them."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
