"""The identity-resolution API under /api/v1/; each module lists its own routes."""

from rapport.identity.api import merges, pairs, runs

urlpatterns = [*pairs.urls, *merges.urls, *runs.urls]
