"""Pages of briefings and feature-feedback polls; each views module lists its own routes."""

from rapport.briefings.views import briefings, polls

app_name = "briefings"

urlpatterns = [*briefings.urls, *polls.urls]
