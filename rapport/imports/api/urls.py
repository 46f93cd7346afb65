"""The imports API under /api/v1/."""

from rapport.imports.api import jobs

urlpatterns = [*jobs.urls]
