"""Pages of the insights app; each views module lists its own routes."""

app_name = "insights"

urlpatterns: list = []
