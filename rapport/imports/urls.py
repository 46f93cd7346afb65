"""Pages of the imports app; each views module lists its own routes."""

from rapport.imports.views import jobs, mappings, people

app_name = "imports"

urlpatterns = [*jobs.urls, *mappings.urls, *people.urls]
