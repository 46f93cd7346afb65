"""Identity pages (placeholder routes; the real views replace these)."""

from django.http import HttpResponse
from django.urls import path

from rapport.core.roles import IDENTITY_STEWARDS
from rapport.ui.decorators import role_required


@role_required(IDENTITY_STEWARDS)
def placeholder(request, **kwargs):
    return HttpResponse("")


urls = [
    path("", placeholder, name="queue"),
    path("pairs/<int:pair_id>/", placeholder, name="pair"),
    path("pairs/<int:pair_id>/merge/", placeholder, name="merge"),
    path("pairs/<int:pair_id>/dismiss/", placeholder, name="dismiss"),
    path("merges/", placeholder, name="merges"),
    path("merges/<int:merge_id>/undo/", placeholder, name="undo"),
    path("settings/", placeholder, name="settings"),
    path("runs/", placeholder, name="runs"),
    path("runs/<int:run_id>/progress/", placeholder, name="run_progress"),
]
