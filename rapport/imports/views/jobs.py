"""Import pages for admins (IMPORTERS): the jobs so far, an upload, and one job's page, which
shows what its state asks for — the column mapping, a live progress bar, the dry run's findings
or the final counts — with the error report of its rows."""

import csv
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from rapport.accounts.http import AuthedHttpRequest
from rapport.core.audit import audit_record
from rapport.core.csv import neutralise_cell
from rapport.core.errors import ApplicationError
from rapport.core.pagination import paginate
from rapport.core.roles import IMPORTERS
from rapport.imports import forms as import_forms
from rapport.imports import readers
from rapport.imports.choices import ACTIVE_STATES, FINISHED_STATES, JobState, Phase
from rapport.imports.models import ImportJob
from rapport.imports.selectors import jobs as selectors
from rapport.imports.services import jobs as services
from rapport.imports.sources import all_sources, source_for
from rapport.imports.sources.base import Source
from rapport.ui.decorators import role_required
from rapport.ui.forms import show_refusal

JOBS_PER_PAGE = 25
ERRORS_PER_PAGE = 50
PREVIEW_ROWS = 5
# Where the mapping may still change: before the run starts (a failed dry run too).
MAPPABLE_STATES = frozenset({JobState.UPLOADED, JobState.CHECKED})
SEPARATOR_WORDS = {
    ",": "comma-separated",
    ";": "semicolon-separated",
    "\t": "tab-separated",
    "|": "pipe-separated",
}


def _status(form) -> int:
    return 400 if form is not None and form.is_bound and form.errors else 200


def _source(job: ImportJob) -> Source | None:
    """The job's source, or None when this installation no longer has it."""
    try:
        return source_for(job.source_type)
    except KeyError:
        return None


def _mappable(job: ImportJob) -> bool:
    if job.file_deleted_at is not None:
        return False
    return job.state in MAPPABLE_STATES or (job.state == JobState.FAILED and job.phase != Phase.RUN)


def _counts(job: ImportJob) -> dict[str, int]:
    """The counts of the phase in hand (after a dry run, what it found); `importable` is what a
    run would take in: every row read but the refused ones."""
    counts = {
        "seen": job.rows_seen,
        "added": job.rows_added,
        "updated": job.rows_updated,
        "unchanged": job.rows_unchanged,
        "failed": job.rows_failed,
    }
    counts["importable"] = max(counts["seen"] - counts["failed"], 0)
    return counts


def _duration_words(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = max(round(seconds), 1)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def _progress_context(job: ImportJob) -> dict:
    progress = selectors.job_progress(job)
    percent = min(max(int(progress.percent or 0), 0), 100)
    return {
        "job": job,
        "progress": progress,
        "percent": percent,
        "rate": int(progress.rows_per_second or 0),
        "eta": _duration_words(progress.eta_seconds) if job.state in ACTIVE_STATES else "",
        "active": job.state in ACTIVE_STATES,
        "dry_run": job.phase != Phase.RUN,
        "counts": _counts(job),
    }


def _report_phase(job: ImportJob) -> str:
    """The phase whose errors the job's page and report show: the run once it started."""
    return Phase.RUN if job.phase == Phase.RUN else Phase.DRY_RUN


# --- List and upload ------------------------------------------------------------------------------


@role_required(IMPORTERS)
def job_list(request: AuthedHttpRequest) -> HttpResponse:
    form = import_forms.JobFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    jobs = selectors.jobs_for(user=request.user)
    if data.get("q"):
        jobs = jobs.filter(filename__icontains=data["q"])
    if data.get("state"):
        jobs = jobs.filter(state=data["state"])
    if data.get("source"):
        jobs = jobs.filter(source_type=data["source"])
    sources = all_sources()
    context = {
        "form": form,
        "page": paginate(request, jobs, per_page=JOBS_PER_PAGE),
        "searched": any(value for key, value in request.GET.items() if key != "page"),
        "sources": sources,
        "source_labels": {source.key: source.label for source in sources},
    }
    template = "imports/partials/_job_results.html" if request.htmx else "imports/job_list.html"
    return render(request, template, context, status=_status(form) if not request.htmx else 200)


@role_required(IMPORTERS)
def job_new(request: AuthedHttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    # Bound on every POST, even one without a file, so a missing file is reported.
    form = (
        import_forms.UploadForm(request.POST, request.FILES)
        if posted
        else import_forms.UploadForm()
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            job = services.job_create(
                by=request.user,
                upload=data["file"],
                source_type=data["source_type"],
                encoding=data["encoding"],
                delimiter=data["delimiter"],
                date_format=data["date_format"],
                default_region=data["default_region"],
            )
        except ApplicationError as exc:
            # The service names the unreadable file "upload"; this form calls it "file".
            exc.fields = {("file" if k == "upload" else k): v for k, v in exc.fields.items()}
            show_refusal(form, exc)
        else:
            messages.success(request, f"{job.filename} is uploaded. Check how its columns map.")
            return redirect("imports:detail", job.pk)
    context = {"form": form, "sources": all_sources()}
    return render(request, "imports/job_new.html", context, status=_status(form))


# --- One job --------------------------------------------------------------------------------------


@role_required(IMPORTERS)
def job_detail(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_get_for(user=request.user, job_id=job_id)
    if job.state == JobState.UPLOADED:
        return _mapping_page(request, job)
    return render(request, "imports/job_detail.html", _detail_context(request, job))


@require_GET
@role_required(IMPORTERS)
def job_mapping_change(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    """The mapping form again, for a dry-run job whose findings call for other columns."""
    job = selectors.job_get_for(user=request.user, job_id=job_id)
    if not _mappable(job):
        messages.error(request, "This import has started: its mapping can no longer change.")
        return redirect("imports:detail", job.pk)
    return _mapping_page(request, job)


def _detail_context(request: AuthedHttpRequest, job: ImportJob) -> dict:
    phase = _report_phase(job)
    context = {
        **_progress_context(job),
        "source": _source(job),
        "separator": SEPARATOR_WORDS.get(job.delimiter, ""),
        "finished": job.state in FINISHED_STATES,
        "mappable": _mappable(job),
        "phase": phase,
        "summary": job.dry_run_summary or {},
        "keep_days": settings.RAPPORT_IMPORT_FILES_KEEP_DAYS,
    }
    if job.state not in ACTIVE_STATES:
        errors = selectors.job_errors_for(user=request.user, job=job, phase=phase)
        context["errors"] = paginate(request, errors, per_page=ERRORS_PER_PAGE)
    return context


def _mapping_page(
    request: AuthedHttpRequest,
    job: ImportJob,
    form: import_forms.MappingForm | None = None,
    options_form=None,
    *,
    status: int = 200,
) -> HttpResponse:
    source = _source(job)
    saved = list(selectors.saved_mappings_for(user=request.user, source_type=job.source_type))
    applied = _applied_mapping(request, saved, job.headers)
    if source is not None and form is None:
        form = import_forms.MappingForm(
            source=source,
            headers=job.headers,
            mapping=applied.mapping if applied else job.mapping,
            initial={"date_format": job.date_format, "default_region": job.default_region},
        )
        options_form = import_forms.options_form_for(source, initial=job.options)
    preview, preview_problem = _preview(job)
    context = {
        "job": job,
        "source": source,
        "separator": SEPARATOR_WORDS.get(job.delimiter, ""),
        "form": form,
        "options_form": options_form,
        "saved": saved,
        "applied": applied,
        "preview": preview,
        "preview_problem": preview_problem,
        "headers": job.headers,
    }
    return render(request, "imports/job_mapping.html", context, status=status)


def _applied_mapping(request: AuthedHttpRequest, saved: list, headers: list[str]):
    """The saved mapping chosen with ?saved=<id>, its columns kept only where the file has them."""
    wanted = request.GET.get("saved", "")
    chosen = next((m for m in saved if str(m.pk) == wanted), None)
    if chosen is not None:
        present = set(headers)
        chosen.mapping = {f: c for f, c in (chosen.mapping or {}).items() if c in present}
    return chosen


def _preview(job: ImportJob) -> tuple[list[list[str]], str]:
    """The first rows as the file has them (in its column order), or why they cannot be shown."""
    try:
        with job.file.open("rb") as handle:
            shape = readers.detect(
                handle,
                file_format=job.file_format,
                encoding=job.encoding,
                delimiter=job.delimiter,
            )
    except readers.FileRejected as exc:
        return [], str(exc)
    except OSError:
        return [], "The uploaded file is no longer stored; upload it again."
    rows = [[row.get(h, "") for h in job.headers] for row in shape.sample[:PREVIEW_ROWS]]
    return rows, ""


def _refuse_mapping(form: import_forms.MappingForm, options_form, exc: ApplicationError) -> None:
    """A refusal shown on the fields it names: a source field on its column select (map_<field>
    here), an option on the source's options form, anything else on top of the mapping form."""
    renamed: dict[str, list[str]] = {}
    for key, problems in exc.fields.items():
        name = str(key).removeprefix("mapping.")
        if options_form is not None and name in options_form.fields:
            for problem in problems:
                options_form.add_error(name, problem)
            continue
        if form.name_of(name) in form.fields:
            name = form.name_of(name)
        renamed.setdefault(name, []).extend(problems)
    exc.fields = renamed
    show_refusal(form, exc)


@require_POST
@role_required(IMPORTERS)
def job_mapping(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    """Keep the chosen columns and reading choices; with `then=dry_run` start the dry run."""
    job = selectors.job_get_for(user=request.user, job_id=job_id)
    source = _source(job)
    if source is None:
        messages.error(request, f"This installation has no source {job.source_type!r} any more.")
        return redirect("imports:detail", job.pk)
    form = import_forms.MappingForm(request.POST, source=source, headers=job.headers)
    options_form = import_forms.options_form_for(source, request.POST)
    options_valid = options_form is None or options_form.is_valid()
    if form.is_valid() and options_valid:
        data = form.cleaned_data
        try:
            job = services.job_configure(
                job=job,
                by=request.user,
                mapping=form.mapping(),
                options=import_forms.options_given(options_form),
                date_format=data["date_format"],
                default_region=data["default_region"],
                save_as=data["save_as"].strip(),
            )
            if request.POST.get("then") == "dry_run":
                job = services.job_dry_run(job=job, by=request.user)
        except ApplicationError as exc:
            _refuse_mapping(form, options_form, exc)
        else:
            if job.state == JobState.UPLOADED:
                messages.success(request, "Mapping saved.")
            return redirect("imports:detail", job.pk)
    return _mapping_page(request, job, form, options_form, status=400)


def _act(request: AuthedHttpRequest, job_id: int, action, done: str) -> HttpResponse:
    """Run one service on the job; a refusal shows as the page's message."""
    job = selectors.job_get_for(user=request.user, job_id=job_id)
    try:
        job = action(job=job, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("imports:detail", job.pk)


@require_POST
@role_required(IMPORTERS)
def job_dry_run(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    return _act(request, job_id, services.job_dry_run, "Dry run started: nothing is written.")


@require_POST
@role_required(IMPORTERS)
def job_run(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    return _act(request, job_id, services.job_run, "Import started.")


@require_POST
@role_required(IMPORTERS)
def job_cancel(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    return _act(
        request,
        job_id,
        services.job_cancel,
        "Cancel requested. Rows already committed stay imported.",
    )


@require_GET
@role_required(IMPORTERS)
def job_progress(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    """The progress bar, polled every second while the job works. Once it stops, the whole page
    reloads: what it shows next (findings, final counts) is more than the bar."""
    job = selectors.job_get_for(user=request.user, job_id=job_id)
    if request.htmx and job.state not in ACTIVE_STATES:
        return HttpResponse(headers={"HX-Refresh": "true"})
    return render(request, "imports/partials/_progress.html", _progress_context(job))


# --- Error report ---------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([neutralise_cell(cell) for cell in row])


@require_GET
@role_required(IMPORTERS)
def job_errors(request: AuthedHttpRequest, job_id: int) -> HttpResponseBase:
    """The rows of the run (or of the dry run, before a run) that were refused, as CSV: line,
    reason and the row as read. Streamed, so a report of a million rows costs no memory."""
    job = selectors.job_get_for(user=request.user, job_id=job_id)
    phase = _report_phase(job)
    rows = services.error_report_rows(job=job, phase=phase)
    audit_record(
        actor=request.user,
        action="imports.error_report",
        target=job,
        detail={"phase": phase, "rows_failed": job.rows_failed},
    )
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    filename = f"import-{job.pk}-{phase.replace('_', '-')}-errors.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urls = [
    path("", job_list, name="jobs"),
    path("new/", job_new, name="new"),
    path("<int:job_id>/", job_detail, name="detail"),
    path("<int:job_id>/mapping/", job_mapping, name="mapping"),
    path("<int:job_id>/mapping/change/", job_mapping_change, name="mapping_change"),
    path("<int:job_id>/dry-run/", job_dry_run, name="dry_run"),
    path("<int:job_id>/run/", job_run, name="run"),
    path("<int:job_id>/cancel/", job_cancel, name="cancel"),
    path("<int:job_id>/progress/", job_progress, name="progress"),
    path("<int:job_id>/errors.csv", job_errors, name="errors"),
]
