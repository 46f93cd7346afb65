"""Rows of an export file as a source receives them, for the tests of every source: each column
given to the field the mapping step suggests for it (rapport.imports.services.mappings), each row
numbered by the line it starts on (the header is line 1); and a whole import job of a fixture."""

import csv
import datetime
import io
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction

from rapport.imports.models import ImportJob, ImportRowError
from rapport.imports.services import jobs as job_services
from rapport.imports.services.mappings import mapping_suggest
from rapport.imports.sources.base import Context, Line, Outcome, Source

FIXTURES = Path(__file__).parent / "fixtures"


def lines_of(source: Source, text: str) -> list[Line]:
    reader = csv.reader(io.StringIO(text))
    headers = next(reader)
    mapping = mapping_suggest(source_type=source.key, headers=headers)
    column = {field: headers.index(header) for field, header in mapping.items()}
    lines, start = [], reader.line_num + 1
    for record in reader:
        values = {field: record[index] for field, index in column.items()}
        lines.append(Line(number=start, values=values, raw=",".join(record)))
        start = reader.line_num + 1
    return lines


def mapped_lines(source: Source, filename: str) -> list[Line]:
    return lines_of(source, (FIXTURES / filename).read_text(encoding="utf-8-sig"))


def unmapped_headers(source: Source, filename: str) -> list[str]:
    text = (FIXTURES / filename).read_text(encoding="utf-8-sig")
    headers = next(csv.reader(io.StringIO(text)))
    mapped = set(mapping_suggest(source_type=source.key, headers=headers).values())
    return [header for header in headers if header not in mapped]


def context_for(source: Source, **choices) -> Context:
    return Context(job_id=0, source_label=source.source_label, **choices)


def process(source: Source, lines: list[Line], *, ctx: Context | None = None, **choices) -> Outcome:
    """Process the lines as the engine does: in a transaction, with the source's label."""
    with transaction.atomic():
        return source.process(lines, ctx or context_for(source, **choices))


def counted(outcome: Outcome) -> tuple[int, int, int, list[tuple[int, str]]]:
    return (outcome.added, outcome.updated, outcome.unchanged, outcome.errors)


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime.datetime:
    """A moment in March 2026 (UTC), when the center-system fixtures happen."""
    return datetime.datetime(2026, 3, day, hour, minute, second, tzinfo=datetime.UTC)


def whole_job(run_tasks, importer, *, name: str, source_type: str, **choices):
    """Upload a fixture, dry-run it and import it as a person would: (the dry run's summary, the
    finished job, the run's errors as (line, reason)). The test settings run each task as soon
    as the service that enqueues it commits."""
    upload = ContentFile((FIXTURES / name).read_bytes(), name=name)
    job = job_services.job_create(by=importer, upload=upload, source_type=source_type, **choices)
    run_tasks(job_services.job_dry_run, job=job, by=importer)
    job.refresh_from_db()
    assert job.state == "checked", job.failure
    summary = dict(job.dry_run_summary)
    run_tasks(job_services.job_run, job=job, by=importer)
    job.refresh_from_db()
    assert job.state == "done", job.failure
    errors = ImportRowError.objects.filter(job=job, phase="run").order_by("line")
    return summary, job, list(errors.values_list("line", "reason"))


def job_counts(job: ImportJob) -> tuple[int, int, int, int]:
    return (job.rows_added, job.rows_updated, job.rows_unchanged, job.rows_failed)
