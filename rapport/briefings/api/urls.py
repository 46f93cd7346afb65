"""The briefings API under /api/v1/; each module lists its own routes."""

from rapport.briefings.api import briefings, polls

urlpatterns = [*briefings.urls, *polls.urls]
