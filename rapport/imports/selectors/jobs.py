"""Reads of import jobs, scoped to the asking user: only importers see jobs, their errors and
saved mappings; everyone else finds nothing (NotFound, never a hint that a job exists)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from rapport.core.errors import NotFound
from rapport.core.roles import IMPORTERS, has_any_role
from rapport.imports.choices import ACTIVE_STATES, FINISHED_STATES, JobState, Phase
from rapport.imports.models import ImportJob, ImportRowError, SavedMapping
from rapport.imports.readers import FileRejected, detect


def jobs_for(*, user) -> QuerySet[ImportJob]:
    if not has_any_role(user, IMPORTERS):
        return ImportJob.objects.none()
    return ImportJob.objects.select_related("created_by")


def job_get_for(*, user, job_id: int) -> ImportJob:
    job = jobs_for(user=user).filter(pk=job_id).first()
    if job is None:
        raise NotFound("There is no such import.")
    return job


def job_errors_for(*, user, job: ImportJob, phase: str = Phase.RUN) -> QuerySet[ImportRowError]:
    """The job's bad rows for one phase (dry run or import), in line order."""
    if not has_any_role(user, IMPORTERS):
        raise NotFound("There is no such import.")
    return ImportRowError.objects.filter(job=job, phase=phase).order_by("line", "id")


def saved_mappings_for(*, user, source_type: str = "") -> QuerySet[SavedMapping]:
    if not has_any_role(user, IMPORTERS):
        return SavedMapping.objects.none()
    mappings = SavedMapping.objects.select_related("created_by")
    return mappings.filter(source_type=source_type) if source_type else mappings


def job_sample_for(*, user, job: ImportJob) -> list[dict[str, str]]:
    """The first rows of the job's file as they will be read (for the mapping page); [] when
    the file cannot be read any more."""
    if not has_any_role(user, IMPORTERS):
        raise NotFound("There is no such import.")
    try:
        with job.file.open("rb") as handle:
            shape = detect(
                handle, file_format=job.file_format, encoding=job.encoding, delimiter=job.delimiter
            )
    except (FileRejected, OSError):
        return []
    return shape.sample


@dataclass(frozen=True)
class Progress:
    """What the progress bar shows. rows_per_second and eta_seconds are None until there is
    enough to measure."""

    percent: int
    rows_seen: int
    rows_per_second: float | None
    eta_seconds: int | None
    state_label: str
    active: bool
    finished: bool
    cancel_requested: bool


def job_progress(job: ImportJob, *, now: datetime | None = None) -> Progress:
    """Progress of the phase in hand: the share of the file's bytes done, the rows per second
    since the phase started and the time left at that pace."""
    now = now or timezone.now()
    active = job.state in ACTIVE_STATES
    if job.state in (JobState.DONE, JobState.CHECKED):
        percent = 100
    elif job.bytes_total:
        percent = min(99, job.bytes_done * 100 // job.bytes_total)
    else:
        percent = 0
    seconds = _seconds_running(job, now)
    rate = job.rows_seen / seconds if seconds and job.rows_seen else None
    eta = None
    if active and seconds and job.bytes_done and job.bytes_total > job.bytes_done:
        eta = round((job.bytes_total - job.bytes_done) * seconds / job.bytes_done)
    return Progress(
        percent=percent,
        rows_seen=job.rows_seen,
        rows_per_second=round(rate, 1) if rate is not None else None,
        eta_seconds=eta,
        state_label=JobState(job.state).label,
        active=active,
        finished=job.state in FINISHED_STATES,
        cancel_requested=job.cancel_requested_at is not None and active,
    )


def _seconds_running(job: ImportJob, now: datetime) -> float:
    if job.started_at is None:
        return 0.0
    end = now if job.state in ACTIVE_STATES else (job.finished_at or job.heartbeat_at or now)
    return max(0.0, (end - job.started_at).total_seconds())
