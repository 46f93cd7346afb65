"""The learning API under /api/v1/; each module lists its own routes."""

from rapport.learning.api import activities, assignments, modules, proficiency

urlpatterns = [*modules.urls, *assignments.urls, *activities.urls, *proficiency.urls]
