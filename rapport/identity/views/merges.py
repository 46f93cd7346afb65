"""Merges, newest first, and undoing one (IDENTITY_STEWARDS).

Each merge shows who made it (or that a batch run did), when, the pair's score and what moved
to the record that stayed. Undo asks first on a page of its own, then puts back what moved; a
refused undo (the survivor merged again since, say) says why."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from rapport.accounts.http import AuthedHttpRequest
from rapport.core.errors import ApplicationError
from rapport.core.pagination import paginate
from rapport.core.roles import IDENTITY_STEWARDS
from rapport.identity.selectors import merges as selectors
from rapport.identity.services import merges as services
from rapport.identity.views.shown import moved_of
from rapport.ui.decorators import role_required

PER_PAGE = 25


@role_required(IDENTITY_STEWARDS)
def merge_list(request: AuthedHttpRequest) -> HttpResponse:
    page = paginate(request, selectors.merges_for(user=request.user), per_page=PER_PAGE)
    for merge in page.object_list:
        merge.moved_rows = moved_of(merge)
    return render(request, "identity/merges.html", {"page": page})


@role_required(IDENTITY_STEWARDS)
def merge_undo(request: AuthedHttpRequest, merge_id: int) -> HttpResponse:
    """GET asks for confirmation, showing what would move back; POST undoes."""
    merge = selectors.merge_get_for(user=request.user, merge_id=merge_id)
    if request.method == "POST":
        try:
            services.merge_undo(merge=merge, by=request.user)
        except ApplicationError as exc:
            messages.error(request, f"Not undone: {exc.message}")
        else:
            messages.success(
                request, f"Merge undone: {merge.merged} and {merge.survivor} are separate again."
            )
        return redirect("identity:merges")
    merge.moved_rows = moved_of(merge)  # type: ignore[attr-defined]
    return render(request, "identity/merge_undo.html", {"merge": merge})


urls = [
    path("merges/", merge_list, name="merges"),
    path("merges/<int:merge_id>/undo/", merge_undo, name="undo"),
]
