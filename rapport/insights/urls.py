"""Pages of the insights app; each views module lists its own routes."""

from rapport.insights.views import alerts, trends

app_name = "insights"

urlpatterns = [
    *trends.urls,
    *alerts.urls,
]
