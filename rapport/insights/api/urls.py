"""The insights API under /api/v1/; each module lists its own routes."""

from rapport.insights.api import alerts, trends

urlpatterns = [
    *trends.urls,
    *alerts.urls,
]
