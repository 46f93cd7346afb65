"""Pages of the learning app; each views module lists its own routes."""

from rapport.learning.views import activities, assignments, modules, proficiency

app_name = "learning"

urlpatterns = [*modules.urls, *assignments.urls, *activities.urls, *proficiency.urls]
