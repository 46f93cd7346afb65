"""Import pages (placeholder routes; the real views replace these)."""

from django.http import HttpResponse
from django.urls import path

from rapport.core.roles import IMPORTERS
from rapport.ui.decorators import role_required


@role_required(IMPORTERS)
def placeholder(request, **kwargs):
    return HttpResponse("")


urls = [
    path("", placeholder, name="jobs"),
    path("new/", placeholder, name="new"),
    path("<int:job_id>/", placeholder, name="detail"),
    path("<int:job_id>/mapping/", placeholder, name="mapping"),
    path("<int:job_id>/dry-run/", placeholder, name="dry_run"),
    path("<int:job_id>/run/", placeholder, name="run"),
    path("<int:job_id>/cancel/", placeholder, name="cancel"),
    path("<int:job_id>/progress/", placeholder, name="progress"),
    path("<int:job_id>/errors.csv", placeholder, name="errors"),
    path("mappings/", placeholder, name="mappings"),
]
