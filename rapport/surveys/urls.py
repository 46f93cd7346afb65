"""Pages of the surveys app; each views module lists its own routes."""

from rapport.surveys.views import design, gaming, invitations, reports

app_name = "surveys"

urlpatterns = [
    *reports.urls,
    *gaming.urls,
    *design.urls,
    *invitations.urls,
]
