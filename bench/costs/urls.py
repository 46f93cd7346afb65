"""The real URLs plus a ladder of stripped-down variants of the customer lookup."""

from django.urls import include, path

from bench.costs import views

urlpatterns = [
    path("cost/plain", views.plain),
    path("cost/drf-plain", views.DrfPlain.as_view()),
    path("cost/email", views.EmailBare.as_view()),
    path("cost/email-token", views.EmailToken.as_view()),
    path("cost/email-token-roles", views.EmailTokenRoles.as_view()),
    path("cost/email-summary", views.EmailSummary.as_view()),
    path("", include("config.urls")),
]
