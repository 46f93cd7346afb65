"""The public survey page: no login, reached by a signed link."""

app_name = "survey_public"

urlpatterns: list = []
