"""Saved column mappings: the list, by source, and deleting one. A mapping is saved from a job's
mapping step ("Save this mapping as …") and offered again for the next file of that source."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from rapport.accounts.http import AuthedHttpRequest
from rapport.core.errors import ApplicationError, NotFound
from rapport.core.pagination import paginate
from rapport.core.roles import IMPORTERS
from rapport.imports.selectors import jobs as selectors
from rapport.imports.services import mappings as mapping_services
from rapport.imports.sources import all_sources
from rapport.ui.decorators import role_required

MAPPINGS_PER_PAGE = 50
MAX_ID = 2**63 - 1


@role_required(IMPORTERS)
def mapping_list(request: AuthedHttpRequest) -> HttpResponse:
    mappings = selectors.saved_mappings_for(user=request.user)
    context = {
        "page": paginate(request, mappings, per_page=MAPPINGS_PER_PAGE),
        "source_labels": {source.key: source.label for source in all_sources()},
    }
    return render(request, "imports/mapping_list.html", context)


@require_POST
@role_required(IMPORTERS)
def mapping_delete(request: AuthedHttpRequest, mapping_id: int) -> HttpResponse:
    mappings = selectors.saved_mappings_for(user=request.user)
    mapping = mappings.filter(pk=mapping_id).first() if mapping_id <= MAX_ID else None
    if mapping is None:
        raise NotFound("There is no such saved mapping.")
    name = mapping.name
    try:
        mapping_services.mapping_delete(mapping=mapping, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Mapping “{name}” deleted.")
    return redirect("imports:mappings")


urls = [
    path("mappings/", mapping_list, name="mappings"),
    path("mappings/<int:mapping_id>/delete/", mapping_delete, name="mapping_delete"),
]
