"""The surveys API under /api/v1/; each module lists its own routes."""

from rapport.surveys.api import gaming, invitations, reports

urlpatterns = [
    *reports.urls,
    *gaming.urls,
    *invitations.urls,
]
