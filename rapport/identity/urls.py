"""Pages of identity resolution; each views module lists its own routes."""

from rapport.identity.views import merges, pairs, runs

app_name = "identity"

urlpatterns = [*pairs.urls, *merges.urls, *runs.urls]
