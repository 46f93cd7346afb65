"""Fixtures for import tests."""

import pytest


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
