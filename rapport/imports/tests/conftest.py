"""Fixtures for import tests."""

import pytest

from rapport.accounts.models import ExternalAccount, User
from rapport.accounts.tests.factories import UserFactory
from rapport.imports.sources import REGISTRY, source_for


@pytest.fixture
def importer(make_user):
    """A person who may run imports (imports are for admins)."""
    return make_user("admin")


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Run what services enqueue after commit (the test settings run tasks at once)."""

    def run(call, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(**kwargs)

    return run


@pytest.fixture
def extra_source():
    """Register a source class for one test (a variant of a real source, to show what the
    engine does when a source misbehaves or asks for options)."""
    added: list[str] = []

    def register(source_class):
        source_for("households")  # load the registry first
        source = source_class()
        REGISTRY[source.key] = source
        added.append(source.key)
        return source

    yield register
    for key in added:
        REGISTRY.pop(key)


@pytest.fixture
def salesforce_owner():
    """Dana Lee, the Salesforce user 0055g00000DnLeE who owns accounts, contacts and cases."""
    user = UserFactory(first_name="Dana", last_name="Lee")
    ExternalAccount.objects.create(source="salesforce", external_id="0055g00000DnLeE", user=user)
    return user


@pytest.fixture
def ana_and_ben():
    """`make(system, ana_is)`: agents ana and ben, whom any export may name by username or
    e-mail; ana is also `ana_is` in `system`."""

    def make(system: str, ana_is: str) -> dict[str, User]:
        ana: User = UserFactory(username="ana", email="ana@center.example", roles=["agent"])
        ben: User = UserFactory(username="ben", email="ben@center.example", roles=["agent"])
        ExternalAccount.objects.create(source=system, external_id=ana_is, user=ana)
        return {"ana": ana, "ben": ben}

    return make
