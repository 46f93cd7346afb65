"""The surveys API under /api/v1/; each module lists its own routes."""

urlpatterns: list = []
