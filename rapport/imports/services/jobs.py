"""Import jobs: upload, map, dry run, run, cancel, and the background work behind them.

A job moves UPLOADED → (dry run) CHECKING → CHECKED → (run) QUEUED → RUNNING → DONE, or
CANCELLED / FAILED. The work itself is done by rapport.imports.engine in a background task; a
task that dies (a killed worker) leaves the job RUNNING or CHECKING with an old heartbeat, and
`jobs_resume_stalled` (run every minute by `manage.py imports_watch`) starts it again from its
checkpoint.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import partial

import phonenumbers
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from rapport.core.audit import audit_record
from rapport.core.errors import Conflict, NotFound, ValidationFailed
from rapport.imports import engine
from rapport.imports.choices import DateFormat, Encoding, FileFormat, JobState, Phase
from rapport.imports.models import ImportJob, ImportRowError
from rapport.imports.readers import DELIMITERS, FileRejected, Shape, detect
from rapport.imports.services.mappings import (
    mapping_check,
    mapping_save,
    mapping_suggest,
    options_check,
    source_or_invalid,
)

__all__ = [
    "QUEUED_GRACE",
    "STALL_AFTER",
    "error_report_rows",
    "job_cancel",
    "job_configure",
    "job_create",
    "job_dry_run",
    "job_execute",
    "job_run",
    "jobs_resume_stalled",
    "mapping_suggest",
]

logger = logging.getLogger(__name__)

STALL_AFTER = timedelta(minutes=2)
FINISHED = (JobState.DONE, JobState.CANCELLED, JobState.FAILED)
IDLE = (JobState.UPLOADED, JobState.CHECKED)
QUEUED_GRACE = timedelta(minutes=10)
# By path: the tasks module sits above the services in the app's layers (it calls them).
TASK_PATH = "rapport.imports.tasks.run_import_job"
EXTENSIONS = {
    ".csv": FileFormat.CSV,
    ".txt": FileFormat.CSV,
    ".tsv": FileFormat.CSV,
    ".tab": FileFormat.CSV,
    ".xlsx": FileFormat.XLSX,
    ".xlsm": FileFormat.XLSX,
    ".jsonl": FileFormat.JSONL,
    ".ndjson": FileFormat.JSONL,
    ".json": FileFormat.JSONL,
}
STATE_WORDS: dict[str, str] = {
    JobState.UPLOADED: "waiting for its mapping",
    JobState.CHECKING: "being checked",
    JobState.CHECKED: "checked and not yet run",
    JobState.QUEUED: "queued",
    JobState.RUNNING: "running",
    JobState.DONE: "done",
    JobState.CANCELLED: "cancelled",
    JobState.FAILED: "failed",
}
ERROR_REPORT_HEADER = ["line", "reason", "raw"]
RESET_COUNTERS = {
    "rows_seen": 0,
    "rows_added": 0,
    "rows_updated": 0,
    "rows_unchanged": 0,
    "rows_failed": 0,
    "bytes_done": 0,
    "checkpoint_line": 0,
    "checkpoint_bytes": 0,
    "started_at": None,
    "heartbeat_at": None,
    "finished_at": None,
    "cancel_requested_at": None,
    "failure": "",
}


# --- upload and mapping ---------------------------------------------------------------------


@transaction.atomic
def job_create(
    *,
    by,
    upload: File,
    source_type: str,
    file_format: str = "",
    encoding: str = Encoding.AUTO,
    delimiter: str = "",
    date_format: str = DateFormat.ISO,
    default_region: str = "US",
    mapping: dict[str, str] | None = None,
    options: dict | None = None,
) -> ImportJob:
    """Store the file and read its shape (encoding, delimiter, column names); suggest a mapping
    unless one is given. A file that cannot be read at all is refused and not kept."""
    source = source_or_invalid(source_type)
    filename = _filename(upload)
    file_format = file_format or _format_from_name(filename)
    _check_reading_choices(file_format=file_format, encoding=encoding, delimiter=delimiter)
    _check_parsing_choices(date_format=date_format, default_region=default_region)
    # Options may come later, with the mapping; the dry run insists on them.
    cleaned_options = {} if options is None else options_check(source=source, options=options)
    job = ImportJob(
        created_by=by,
        source_type=source_type,
        filename=filename,
        file_format=file_format,
        encoding=encoding or Encoding.AUTO,
        delimiter=delimiter,
        date_format=date_format,
        default_region=default_region.upper(),
        options=cleaned_options,
    )
    job.file.save(filename, upload, save=False)
    try:
        shape = _shape(job, encoding=job.encoding, delimiter=delimiter)
        job.mapping = (
            mapping_suggest(source_type=source_type, headers=shape.headers)
            if mapping is None
            else mapping_check(source=source, mapping=mapping, headers=shape.headers)
        )
    except ValidationFailed:
        job.file.delete(save=False)
        raise
    _apply_shape(job, shape)
    job.bytes_total = job.file.size
    job.save()
    audit_record(
        actor=by,
        action="imports.job_create",
        target=job,
        detail={
            "source_type": source_type,
            "filename": filename,
            "format": file_format,
            "bytes": job.bytes_total,
        },
    )
    return job


@transaction.atomic
def job_configure(
    *,
    job: ImportJob,
    by,
    mapping: dict[str, str],
    options: dict | None = None,
    date_format: str | None = None,
    default_region: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    save_as: str = "",
) -> ImportJob:
    """Change how the file is read and mapped. The job goes back to UPLOADED: a dry run done
    with other choices says nothing about these, so its errors are deleted."""
    job = _with_file(_locked(job))
    _require_state(
        job, {JobState.UPLOADED, JobState.CHECKED, JobState.FAILED}, "change the mapping"
    )
    if job.state == JobState.FAILED and job.phase == Phase.RUN:
        raise Conflict("This import failed part way; its rows are in. Start a new import instead.")
    source = source_or_invalid(job.source_type)
    if encoding is not None or delimiter is not None:
        _check_reading_choices(
            file_format=job.file_format,
            encoding=job.encoding if encoding is None else encoding,
            delimiter=job.delimiter if delimiter is None else delimiter,
        )
        _apply_shape(
            job,
            _shape(
                job,
                encoding=job.encoding if encoding is None else encoding,
                delimiter=job.delimiter if delimiter is None else delimiter,
            ),
        )
    _check_parsing_choices(
        date_format=date_format or job.date_format,
        default_region=default_region or job.default_region,
    )
    job.mapping = mapping_check(source=source, mapping=mapping, headers=job.headers)
    if options is not None:
        job.options = options_check(source=source, options=options)
    job.date_format = date_format or job.date_format
    job.default_region = (default_region or job.default_region).upper()
    _reset(job, state=JobState.UPLOADED, phase="")
    job.dry_run_summary = {}
    job.row_errors.all().delete()
    job.save()
    if save_as:
        mapping_save(
            source_type=job.source_type,
            name=save_as,
            mapping=job.mapping,
            headers=job.headers,
            by=by,
        )
    return job


# --- dry run, run, cancel -------------------------------------------------------------------


@transaction.atomic
def job_dry_run(*, job: ImportJob, by) -> ImportJob:
    """Check every row without writing: counts, every bad row with its line, and a sample of
    the changes. Runs in the background; the job is CHECKED when it is done."""
    job = _with_file(_locked(job))
    _require_state(job, {JobState.UPLOADED, JobState.CHECKED, JobState.FAILED}, "check the file")
    if job.state == JobState.FAILED and job.phase == Phase.RUN:
        raise Conflict("This import failed part way; run it again to go on from where it stopped.")
    source = source_or_invalid(job.source_type)
    mapping_check(source=source, mapping=job.mapping, headers=job.headers)
    options_check(source=source, options=job.options)  # a choice may have gone meanwhile
    job.row_errors.filter(phase=Phase.DRY_RUN).delete()
    _reset(job, state=JobState.CHECKING, phase=Phase.DRY_RUN)
    job.dry_run_summary = {}
    job.save()
    audit_record(actor=by, action="imports.job_dry_run", target=job, detail=_brief(job))
    _enqueue(job.pk)
    return job


@transaction.atomic
def job_run(*, job: ImportJob, by) -> ImportJob:
    """Queue the import of a checked file. A job that failed part way is queued again and goes
    on from its checkpoint."""
    job = _with_file(_locked(job))
    if job.state == JobState.FAILED and job.phase == Phase.RUN:
        job.state, job.failure, job.finished_at = JobState.QUEUED, "", None
        job.heartbeat_at = None
        job.save()
        audit_record(
            actor=by,
            action="imports.job_run",
            target=job,
            detail={**_brief(job), "from_line": job.checkpoint_line},
        )
        _enqueue(job.pk)
        return job
    _require_state(job, {JobState.CHECKED}, "run the import (a dry run must pass first)")
    _reset(job, state=JobState.QUEUED, phase=Phase.RUN)
    job.row_errors.filter(phase=Phase.RUN).delete()
    job.save()
    audit_record(actor=by, action="imports.job_run", target=job, detail=_brief(job))
    _enqueue(job.pk)
    return job


@transaction.atomic
def job_cancel(*, job: ImportJob, by) -> ImportJob:
    """Stop a job. One no worker is on (queued, or its worker gone) stops at once; a running one
    stops after the batch in hand, and what committed stays, counted. A dry run stops and the
    job goes back to the mapping step."""
    job = _locked(job)
    if job.state in (JobState.DONE, JobState.CANCELLED, JobState.FAILED):
        raise Conflict("This import has finished; there is nothing to cancel.")
    now = timezone.now()
    worker_on_it = job.heartbeat_at is not None and job.heartbeat_at >= now - STALL_AFTER
    if job.state in (JobState.RUNNING, JobState.CHECKING) and worker_on_it:
        job.cancel_requested_at = job.cancel_requested_at or now
        job.save(update_fields=["cancel_requested_at", "updated_at"])
    elif job.state in (JobState.RUNNING, JobState.CHECKING):
        job.phase = Phase.DRY_RUN if job.state == JobState.CHECKING else Phase.RUN
        engine.stop_cancelled(job)  # a worker that comes back finds the job stopped
    else:
        job.state, job.finished_at = JobState.CANCELLED, now
        job.save()
    audit_record(
        actor=by,
        action="imports.job_cancel",
        target=job,
        detail={**_brief(job), "state": job.state, "rows_seen": job.rows_seen},
    )
    return job


# --- background work ------------------------------------------------------------------------


def job_execute(*, job_id: int) -> ImportJob:
    """The task body: run the phase the job's state calls for, from its checkpoint. A failure
    of the whole job is recorded on it (FAILED, with the reason); nothing is raised for it."""
    job = engine.claim(job_id)
    if job is None:
        found = ImportJob.objects.filter(pk=job_id).first()
        if found is None:
            raise NotFound(f"Import job {job_id} does not exist.")
        return found  # nothing to do: finished, or waiting for a person
    try:
        return engine.run(job)
    except Exception as exc:
        logger.exception("Import job %s failed", job_id)
        job.refresh_from_db()
        return engine.fail(job_id, lease=job.heartbeat_at, reason=engine.failure_text(exc, job))


def jobs_forget_files(*, now: datetime | None = None) -> list[int]:
    """Delete the uploaded files of jobs finished RAPPORT_IMPORT_FILES_KEEP_DAYS ago, and the text
    of their refused rows (both hold customer data; counts and reasons stay). A job never run
    and untouched that long is cancelled the same way. Ids of the jobs."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.RAPPORT_IMPORT_FILES_KEEP_DAYS)
    ended = Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, updated_at__lt=cutoff)
    finished = Q(state__in=FINISHED) & ended
    idle = Q(state__in=IDLE, updated_at__lt=cutoff)
    forgotten = []
    for job_id in ImportJob.objects.filter(
        finished | idle, file_deleted_at__isnull=True
    ).values_list("pk", flat=True):
        if _forget_file(job_id, cutoff=cutoff, now=now):
            forgotten.append(job_id)
    return forgotten


@transaction.atomic
def _forget_file(job_id: int, *, cutoff: datetime, now: datetime) -> bool:
    job = ImportJob.objects.select_for_update().get(pk=job_id)
    if job.file_deleted_at is not None or job.state not in (*FINISHED, *IDLE):
        return False  # taken up again meanwhile
    if job.state in IDLE:
        if job.updated_at >= cutoff:
            return False
        job.state, job.finished_at = JobState.CANCELLED, now
        job.failure = "Not run in time; its file was deleted."
    if job.file.name:
        # After the commit: a rollback must not leave a job whose file is gone unmarked.
        transaction.on_commit(partial(job.file.storage.delete, job.file.name))
    job.file, job.file_deleted_at = "", now
    job.save()
    job.row_errors.update(raw="")
    audit_record(actor=None, action="imports.file_deleted", target=job, detail=_brief(job))
    return True


def jobs_resume_stalled(*, now: datetime | None = None) -> list[ImportJob]:
    """Start again the jobs whose worker went away: RUNNING or CHECKING without a heartbeat for
    STALL_AFTER, and QUEUED for QUEUED_GRACE with no task waiting for them. Each goes on from its
    checkpoint."""
    now = now or timezone.now()
    resumed = [job for job in _stalled(now) if _resume(job.pk, now=now)]
    for job in _forgotten(now):
        if not _task_waiting(job.pk) and _resume(job.pk, now=now):
            resumed.append(job)
    return resumed


def _stalled(now: datetime) -> list[ImportJob]:
    cutoff = now - STALL_AFTER
    return list(
        ImportJob.objects.filter(state__in=[JobState.RUNNING, JobState.CHECKING]).filter(
            Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, updated_at__lt=cutoff)
        )
    )


def _forgotten(now: datetime) -> list[ImportJob]:
    return list(ImportJob.objects.filter(state=JobState.QUEUED, updated_at__lt=now - QUEUED_GRACE))


@transaction.atomic
def _resume(job_id: int, *, now: datetime) -> bool:
    job = ImportJob.objects.select_for_update().get(pk=job_id)
    stalled = (
        job.state in (JobState.RUNNING, JobState.CHECKING)
        and (job.heartbeat_at or job.updated_at) < now - STALL_AFTER
    )
    forgotten = job.state == JobState.QUEUED and job.updated_at < now - QUEUED_GRACE
    if not (stalled or forgotten):
        return False  # its worker came back meanwhile
    job.resumed += 1
    job.save(update_fields=["resumed", "updated_at"])
    audit_record(
        actor=None,
        action="imports.job_resume",
        target=job,
        detail={**_brief(job), "state": job.state, "from_line": job.checkpoint_line},
    )
    _enqueue(job.pk)
    return True


def _task_waiting(job_id: int) -> bool:
    """Whether a task for the job is still waiting in the database queue (other task backends
    cannot be asked; for them a job queued that long is taken as lost)."""
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(task_backends["default"], DatabaseBackend):
        return False
    waiting = DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY").values_list(
        "args_kwargs", flat=True
    )
    return any(
        (item.get("args") or [None])[0] == job_id or item.get("kwargs", {}).get("job_id") == job_id
        for item in waiting
    )


def error_report_rows(*, job: ImportJob, phase: str) -> Iterator[list[str]]:
    """The rows of the downloadable error report: a header, then line, reason and the row as
    read, in line order (streamed, however many there are)."""
    yield list(ERROR_REPORT_HEADER)
    errors = ImportRowError.objects.filter(job=job, phase=phase).order_by("line", "id")
    for line, reason, raw in errors.values_list("line", "reason", "raw").iterator(chunk_size=2_000):
        yield [str(line), reason, raw]


# --- helpers --------------------------------------------------------------------------------


def _enqueue(job_id: int) -> None:
    # After commit, so the worker sees the state this transaction set; robust, because the job
    # is safe either way (a lost enqueue is caught by jobs_resume_stalled).
    transaction.on_commit(partial(_enqueue_now, job_id), robust=True)


def _enqueue_now(job_id: int) -> None:
    import_string(TASK_PATH).enqueue(job_id)


def _locked(job: ImportJob) -> ImportJob:
    found = ImportJob.objects.select_for_update().filter(pk=job.pk).first()
    if found is None:
        raise NotFound("This import no longer exists.")
    return found


def _with_file(job: ImportJob) -> ImportJob:
    if job.file_deleted_at is not None:
        raise Conflict("This import's file was deleted after it finished; upload the file again.")
    return job


def _require_state(job: ImportJob, allowed: set[str], action: str) -> None:
    if job.state not in allowed:
        raise Conflict(f"You cannot {action} while the import is {STATE_WORDS[job.state]}.")


def _reset(job: ImportJob, *, state: str, phase: str) -> None:
    for name, value in RESET_COUNTERS.items():
        setattr(job, name, value)
    job.state, job.phase = state, phase


def _brief(job: ImportJob) -> dict:
    return {"source_type": job.source_type, "filename": job.filename}


def _filename(upload: File) -> str:
    name = os.path.basename((upload.name or "").replace("\\", "/")) or "upload"
    return name[:200]


def _format_from_name(filename: str) -> str:
    extension = os.path.splitext(filename)[1].lower()
    if extension not in EXTENSIONS:
        raise ValidationFailed(
            "Choose the file's format: its name does not say (CSV, XLSX or JSON lines).",
            fields={"file_format": ["Required for this file name."]},
        )
    return EXTENSIONS[extension]


def _check_reading_choices(*, file_format: str, encoding: str, delimiter: str) -> None:
    problems: dict[str, list[str]] = {}
    if file_format not in FileFormat.values:
        problems["file_format"] = ["Choose CSV, XLSX or JSON lines."]
    if encoding and encoding not in Encoding.values:
        problems["encoding"] = ["Choose one of the listed encodings."]
    if delimiter and delimiter not in DELIMITERS:
        problems["delimiter"] = ["Choose comma, semicolon, tab or pipe (or leave it blank)."]
    if problems:
        raise ValidationFailed("Some reading choices are not valid.", fields=problems)


def _check_parsing_choices(*, date_format: str, default_region: str) -> None:
    problems: dict[str, list[str]] = {}
    if date_format not in DateFormat.values:
        problems["date_format"] = ["Choose one of the listed date formats."]
    if (default_region or "").upper() not in phonenumbers.SUPPORTED_REGIONS:
        problems["default_region"] = ["Give a two-letter country code, such as US or GB."]
    if problems:
        raise ValidationFailed("Some choices are not valid.", fields=problems)


def _shape(job: ImportJob, *, encoding: str, delimiter: str) -> Shape:
    try:
        with job.file.open("rb") as handle:
            return detect(
                handle, file_format=job.file_format, encoding=encoding, delimiter=delimiter
            )
    except FileRejected as rejected:
        raise ValidationFailed(rejected.reason, fields={"upload": [rejected.reason]}) from None


def _apply_shape(job: ImportJob, shape: Shape) -> None:
    # The detected encoding and delimiter are kept, so every later read sees the file the same.
    job.headers = shape.headers
    if job.file_format == FileFormat.CSV:
        job.encoding, job.delimiter = shape.encoding, shape.delimiter
    elif job.file_format == FileFormat.JSONL:
        job.encoding, job.delimiter = shape.encoding, ""
    else:
        job.encoding, job.delimiter = Encoding.AUTO, ""
