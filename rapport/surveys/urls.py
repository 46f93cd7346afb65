"""Pages of the surveys app; each views module lists its own routes."""

app_name = "surveys"

urlpatterns: list = []
