"""Pages of interactions: one contact with what each side said, its attachments, call-detail-record
imports with their progress and rejected rows, and the messages channels could not accept."""

import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render

from rapport.accounts.http import AuthedHttpRequest
from rapport.core.pagination import paginate
from rapport.core.roles import (
    CALL_RECORD_IMPORTERS,
    CONVERSATION_READERS,
    QA_EVALUATORS,
    Role,
    has_any_role,
)
from rapport.interactions import call_records, selectors
from rapport.interactions.choices import ImportStatus, Side
from rapport.interactions.forms import CallRecordUploadForm
from rapport.ui.decorators import role_required

REJECTED_ROWS_PER_PAGE = 50
# A type the sender chose is echoed only when it cannot carry anything else into the header.
SAFE_CONTENT_TYPE = re.compile(r"[A-Za-z0-9.+-]+/[A-Za-z0-9.+-]+")


class _ListPaginator(Paginator):
    """Pages of a list already in memory: its length is exact."""

    count_is_exact = True


@role_required(CONVERSATION_READERS)
def detail(request: AuthedHttpRequest, interaction_id: int) -> HttpResponse:
    """One contact: when and how it went, and what the customer and we said, side by side."""
    interaction = selectors.interaction_get_for(user=request.user, interaction_id=interaction_id)
    context = {
        "interaction": interaction,
        "conversation": selectors.messages_of(interaction=interaction),
        "customer_side": Side.CUSTOMER,
        "agent_side": Side.AGENT,
        "can_evaluate": interaction.agent_id is not None
        and has_any_role(request.user, QA_EVALUATORS),
    }
    return render(request, "interactions/detail.html", context)


@role_required(CONVERSATION_READERS)
def attachment(request: AuthedHttpRequest, interaction_id: int, attachment_id: int) -> FileResponse:
    found = selectors.attachment_get_for(
        user=request.user, interaction_id=interaction_id, attachment_id=attachment_id
    )
    content_type = found.content_type
    if not SAFE_CONTENT_TYPE.fullmatch(content_type):
        content_type = "application/octet-stream"
    # Always a download: a file from outside is never rendered as one of our pages.
    return FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.filename,
        content_type=content_type,
    )


@role_required(CALL_RECORD_IMPORTERS)
def call_record_imports(request: AuthedHttpRequest) -> HttpResponse:
    """The imports so far and the form for a new one."""
    posted = request.method == "POST"
    # Bound on every POST, even an empty one, so a missing file is reported rather than ignored.
    form = CallRecordUploadForm(request.POST, request.FILES) if posted else CallRecordUploadForm()
    status = 200
    if posted:
        if form.is_valid():
            upload = form.cleaned_data["file"]
            record = call_records.call_records_import(
                by=request.user, filename=upload.name, content=upload.read()
            )
            messages.success(request, f"{record.filename} is queued for import.")
            return redirect("interactions:call_record_import", record.pk)
        status = 400
    page = paginate(request, selectors.call_record_imports_for(user=request.user))
    return render(
        request,
        "interactions/call_record_imports.html",
        {"form": form, "page": page},
        status=status,
    )


@role_required(CALL_RECORD_IMPORTERS)
def call_record_import(request: AuthedHttpRequest, import_id: int) -> HttpResponse:
    """An import's progress (polled while it runs), its counts and the rows it rejected."""
    record = selectors.call_record_import_get_for(user=request.user, import_id=import_id)
    finished = record.status in (ImportStatus.DONE, ImportStatus.FAILED)
    errors = list(record.errors)
    failure = errors.pop() if record.status == ImportStatus.FAILED and errors else None
    context = {
        "record": record,
        "finished": finished,
        # Before the worker has counted the rows there is nothing done yet, not everything.
        "percent": record.percent_done if record.rows_total or finished else 0,
        "failure": failure,
        "page": _ListPaginator(errors, REJECTED_ROWS_PER_PAGE).get_page(request.GET.get("page")),
        "reasons_cut": record.rows_failed > len(errors),
    }
    template = (
        "interactions/partials/_call_record_import.html"
        if request.htmx
        else "interactions/call_record_import.html"
    )
    return render(request, template, context)


@role_required({Role.ADMIN})
def rejected(request: AuthedHttpRequest) -> HttpResponse:
    """What the channels received but could not accept, newest first."""
    page = paginate(request, selectors.rejected_inbound_for(user=request.user), per_page=50)
    template = (
        "interactions/partials/_rejected.html" if request.htmx else "interactions/rejected.html"
    )
    return render(request, template, {"page": page})
