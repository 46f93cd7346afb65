"""Fixtures for import tests."""

import pytest

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
