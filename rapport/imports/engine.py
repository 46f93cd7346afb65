"""The import engine: reads a job's file in batches and hands each batch to the job's source.

Each batch is one transaction holding everything it changes: the source's writes, the batch's
error rows, the job's counters and its checkpoint (the last line and byte offset done). A worker
killed part way therefore leaves the job exactly at the end of a committed batch, and a restarted
run reads on after `checkpoint_line`: no row is lost and none is counted twice.

A worker holds the job by its heartbeat: it writes `heartbeat_at` when it takes the job and with
every batch, and before each batch checks that the value is still the one it wrote. A second
worker that takes the job over (a restarted task, a resumed stalled job) writes its own, so the
first stops at its next batch without writing. The job row is locked for the batch, so the two
never interleave.

A dry run goes through the same path with `ctx.dry_run` set and the source's work inside a
savepoint that is always rolled back, so even a source that forgets the flag writes nothing;
only the dry run's error rows, counts and samples are kept.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from rapport.customers import selectors as customer_selectors
from rapport.imports.choices import FileFormat, JobState, Phase
from rapport.imports.models import ImportJob, ImportRowError
from rapport.imports.readers import MAX_RAW, FileRejected, Record, read_records
from rapport.imports.sources import source_for
from rapport.imports.sources.base import Context, Line, Outcome, Source

logger = logging.getLogger(__name__)

BATCH_ROWS = 2_000
SAMPLES_KEPT = 20
# SQLite has one writer at a time and does not queue the others: without a pause between
# batches a person's write (a cancel, any page that saves) can wait until the import ends.
SQLITE_PAUSE_SECONDS = 0.02
REASON_LENGTH = 500  # ImportRowError.reason and ImportJob.failure hold this much
ERASED = "this customer was erased at their request; the row is not imported again"
COUNTERS = (
    "rows_seen",
    "rows_added",
    "rows_updated",
    "rows_unchanged",
    "rows_failed",
    "bytes_done",
    "checkpoint_line",
    "checkpoint_bytes",
    "heartbeat_at",
    "dry_run_summary",
    "updated_at",
)


class _RolledBack(Exception):
    """Carries a dry run's outcome out of the savepoint it rolls back."""

    def __init__(self, outcome: Outcome):
        super().__init__("dry run")
        self.outcome = outcome


def batch_rows() -> int:
    return int(getattr(settings, "RAPPORT_IMPORT_BATCH_ROWS", BATCH_ROWS))


def claim(job_id: int) -> ImportJob | None:
    """Take the job for this worker if it has work to do (a dry run, or a queued or running
    import); None otherwise. A job another worker holds is taken over: that worker stops at its
    next batch, and this one goes on from the checkpoint."""
    now = timezone.now()
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state not in (JobState.CHECKING, JobState.QUEUED, JobState.RUNNING):
            return None
        if job.state == JobState.QUEUED:
            job.state = JobState.RUNNING
        job.phase = Phase.DRY_RUN if job.state == JobState.CHECKING else Phase.RUN
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.save(update_fields=["state", "phase", "started_at", "heartbeat_at", "updated_at"])
    return job


def run(job: ImportJob) -> ImportJob:
    """Do the claimed job's phase from its checkpoint to the end of the file (or until it is
    cancelled or taken over). Raises for a failure of the whole job; the caller records it."""
    source = source_for(job.source_type)
    ctx = Context(
        job_id=job.pk,
        source_label=source.label_for(job.options or {}),
        date_format=job.date_format,
        default_region=job.default_region,
        options=dict(job.options or {}),
        dry_run=job.phase == Phase.DRY_RUN,
    )
    lease = job.heartbeat_at
    assert lease is not None
    with job.file.open("rb") as handle:
        records = read_records(
            handle,
            file_format=job.file_format,
            encoding=job.encoding,
            delimiter=job.delimiter,
            skip_through_line=job.checkpoint_line,
            # A workbook has no byte positions to seek to (its offsets only measure progress).
            start_offset=0 if job.file_format == FileFormat.XLSX else job.checkpoint_bytes,
        )
        for batch in batches(records, batch_rows()):
            next_lease = _commit_batch(job.pk, batch, source=source, ctx=ctx, lease=lease)
            if next_lease is None:
                return ImportJob.objects.get(pk=job.pk)
            lease = next_lease
            if connection.vendor == "sqlite":
                time.sleep(SQLITE_PAUSE_SECONDS)
    return _finish(job.pk, lease=lease)


def batches(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def fail(job_id: int, *, lease: datetime | None, reason: str) -> ImportJob:
    """Record a failure of the whole job, unless another worker holds it by now."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if lease is not None and job.heartbeat_at != lease:
            return job
        job.state = JobState.FAILED
        job.failure = reason[:REASON_LENGTH]
        job.finished_at = timezone.now()
        job.save(update_fields=["state", "failure", "finished_at", "updated_at"])
    return job


def failure_text(exc: BaseException, job: ImportJob) -> str:
    """What the job page says when a whole job fails."""
    if isinstance(exc, FileRejected):
        return exc.reason
    if isinstance(exc, OSError):
        return f"The uploaded file cannot be opened: {exc}"
    if isinstance(exc, KeyError) and exc.args == (job.source_type,):
        return f"There is no import source named {job.source_type!r}."
    where = f"after line {job.checkpoint_line}" if job.checkpoint_line else "before the first row"
    return f"The import stopped {where}: {type(exc).__name__}: {exc}"


def _commit_batch(
    job_id: int, records: Sequence[Record], *, source: Source, ctx: Context, lease: datetime
) -> datetime | None:
    """One batch in one transaction; the new heartbeat, or None when this worker must stop."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.heartbeat_at != lease or job.state not in (JobState.CHECKING, JobState.RUNNING):
            return None  # taken over by another worker, or reset meanwhile
        if job.cancel_requested_at is not None:
            stop_cancelled(job)
            return None
        phase = job.phase
        outcome, errors = _process(
            records, source=source, ctx=ctx, mapping=job.mapping, dry_run=phase == Phase.DRY_RUN
        )
        ImportRowError.objects.bulk_create(
            [
                ImportRowError(job_id=job_id, phase=phase, line=line, reason=reason, raw=raw)
                for line, (reason, raw) in errors.items()
            ],
            ignore_conflicts=True,  # a line reported twice (reader and source) is one error
        )
        _count(job, records, outcome, failed=len(errors))
        job.save(update_fields=COUNTERS)
        return job.heartbeat_at


def _process(
    records: Sequence[Record],
    *,
    source: Source,
    ctx: Context,
    mapping: dict[str, str],
    dry_run: bool,
) -> tuple[Outcome, dict[int, tuple[str, str]]]:
    """The source's outcome for the batch's readable records, and every error by line."""
    columns = [(field, header) for field, header in mapping.items() if header]
    lines: list[Line] = []
    errors: dict[int, tuple[str, str]] = {}
    raw_by_line: dict[int, str] = {}
    for record in records:
        if record.values is None:
            errors[record.line] = (record.error[:REASON_LENGTH], record.raw[:MAX_RAW])
            continue
        values = record.values
        lines.append(
            Line(
                number=record.line,
                values={field: values.get(header, "") for field, header in columns},
                raw=record.raw,
            )
        )
        raw_by_line[record.line] = record.raw
    for erased in _about_erased_people(source, lines, ctx):
        errors[erased.number] = (ERASED, erased.raw[:MAX_RAW])
    lines = [line for line in lines if line.number not in errors]
    outcome = _source_outcome(source, lines, ctx, dry_run=dry_run) if lines else Outcome()
    for line, reason in outcome.errors:
        errors.setdefault(line, (str(reason)[:REASON_LENGTH], raw_by_line.get(line, "")[:MAX_RAW]))
    return outcome, errors


def _about_erased_people(source: Source, lines: list[Line], ctx: Context) -> list[Line]:
    if not source.person_id_field:
        return []
    ids = {line.number: source.person_id(line) for line in lines}
    erased = customer_selectors.erased_among(ctx.source_label, ids.values())
    return [line for line in lines if ids[line.number] in erased]


def _source_outcome(source: Source, lines: list[Line], ctx: Context, *, dry_run: bool) -> Outcome:
    try:
        return _in_savepoint(source, lines, ctx, dry_run=dry_run)
    except Exception:
        # The batch as a whole failed (a value the database refused, a bug for one kind of
        # row): take its rows one by one, so the good ones still go in and each bad one is
        # reported with what the database said.
        logger.exception("Import job %s: a batch failed; retrying its rows one by one", ctx.job_id)
        ctx.cache.clear()  # it may hold rows the failed savepoint rolled back
        return _line_by_line(source, lines, ctx, dry_run=dry_run)


def _in_savepoint(source: Source, lines: Sequence[Line], ctx: Context, *, dry_run: bool) -> Outcome:
    # The engine's own flag decides the rollback, not ctx.dry_run, which a source could change.
    ctx.dry_run = dry_run
    try:
        with transaction.atomic():
            outcome = source.process(lines, ctx)
            if dry_run:
                raise _RolledBack(outcome)
    except _RolledBack as rolled_back:
        return rolled_back.outcome
    return outcome


def _line_by_line(source: Source, lines: list[Line], ctx: Context, *, dry_run: bool) -> Outcome:
    total = Outcome()
    for line in lines:
        try:
            one = _in_savepoint(source, [line], ctx, dry_run=dry_run)
        except Exception as exc:
            one = Outcome(errors=[(line.number, f"could not be written: {exc}")])
        total.added += one.added
        total.updated += one.updated
        total.unchanged += one.unchanged
        total.errors.extend(one.errors)
        total.samples.extend(one.samples[: SAMPLES_KEPT - len(total.samples)])
    return total


def _count(job: ImportJob, records: Sequence[Record], outcome: Outcome, *, failed: int) -> None:
    last = records[-1]
    job.rows_seen += len(records)
    job.rows_added += outcome.added
    job.rows_updated += outcome.updated
    job.rows_unchanged += outcome.unchanged
    job.rows_failed += failed
    job.checkpoint_line = last.last_line
    job.checkpoint_bytes = last.offset
    job.bytes_done = max(job.bytes_done, min(last.offset, job.bytes_total or last.offset))
    job.heartbeat_at = timezone.now()
    if job.phase == Phase.DRY_RUN and outcome.samples:
        summary = dict(job.dry_run_summary or {})
        samples = list(summary.get("samples", []))
        samples.extend(str(s) for s in outcome.samples[: SAMPLES_KEPT - len(samples)])
        summary["samples"] = samples
        job.dry_run_summary = summary


def stop_cancelled(job: ImportJob) -> None:
    """Stop a job (locked by the caller) for good. A cancelled import keeps what committed, and
    its counts; a cancelled dry run wrote nothing, so the job goes back to the mapping step."""
    now = timezone.now()
    if job.phase == Phase.DRY_RUN:
        job.row_errors.filter(phase=Phase.DRY_RUN).delete()
        job.state, job.phase, job.cancel_requested_at = JobState.UPLOADED, "", None
        job.dry_run_summary, job.started_at = {}, None
        for counter in ("rows_seen", "rows_added", "rows_updated", "rows_unchanged", "rows_failed"):
            setattr(job, counter, 0)
        job.checkpoint_line = job.checkpoint_bytes = job.bytes_done = 0
    else:
        job.state, job.finished_at = JobState.CANCELLED, now
    job.heartbeat_at = now
    job.save()


def _finish(job_id: int, *, lease: datetime) -> ImportJob:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.heartbeat_at != lease:
            return job
        now = timezone.now()
        if job.phase == Phase.DRY_RUN:
            job.state = JobState.CHECKED
            job.dry_run_summary = {**(job.dry_run_summary or {}), **summary_counts(job)}
        else:
            job.state, job.finished_at = JobState.DONE, now
        job.bytes_done = job.bytes_total
        job.heartbeat_at = now
        job.save()
    return job


def summary_counts(job: ImportJob) -> dict[str, int | str]:
    return {
        "rows": job.rows_seen,
        "added": job.rows_added,
        "updated": job.rows_updated,
        "unchanged": job.rows_unchanged,
        "failed": job.rows_failed,
        "checked_at": timezone.now().isoformat(),
    }
