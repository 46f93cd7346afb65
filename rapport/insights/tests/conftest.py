import pytest

from rapport.insights import catalog
from rapport.insights.models import AlertRule


@pytest.fixture(autouse=True)
def shipped_defaults(db):
    """The alert rules and root causes migration 0002 made: a transactional test elsewhere in the
    same worker empties every table when it ends, so make sure they are here."""
    if not AlertRule.objects.exists():
        catalog.defaults_ensure()
