"""The identity-resolution API under /api/v1/."""

from rapport.identity.api import pairs

urlpatterns = [*pairs.urls]
