"""The public survey page: no login, reached by a signed link."""

from rapport.surveys.views import public

app_name = "survey_public"

urlpatterns = [*public.urls]
