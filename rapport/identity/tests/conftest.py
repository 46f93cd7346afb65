from dataclasses import dataclass, field
from typing import Any

import pytest

from rapport.identity.services.settings import identity_settings


@dataclass(frozen=True)
class Found:
    """A pair as a matching engine hands it over (batch.FoundPair, matching.Match)."""

    left_id: int
    right_id: int
    score: float
    explanation: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def steward(make_user):
    return make_user("admin")


@pytest.fixture
def confidences(db):
    """confidences(review_at, auto_merge_at) sets the identity settings row as an admin would."""

    def set_to(review_at: float, auto_merge_at: float | None = None):
        row = identity_settings()
        row.review_at, row.auto_merge_at = review_at, auto_merge_at
        row.save()
        return row

    return set_to
