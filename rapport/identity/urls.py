"""Pages of identity resolution; each views module lists its own routes."""

from rapport.identity.views import pairs

app_name = "identity"

urlpatterns = [*pairs.urls]
