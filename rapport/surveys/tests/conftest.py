import pytest

from rapport.surveys import catalog
from rapport.surveys.models import DrawSettings


@pytest.fixture(autouse=True)
def shipped_defaults(db):
    """The default survey and draw settings migration 0002 made: a transactional test elsewhere in
    the same worker empties every table when it ends, so make sure they are here."""
    if not DrawSettings.objects.exists():
        catalog.defaults_ensure()
