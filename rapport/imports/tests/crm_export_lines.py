"""Rows of an export file as a source receives them: each header given to the field whose name or
alias it matches (compared without case, spaces, dashes or underscores, as the mapping step
suggests), each row numbered by the line it starts on (the header is line 1)."""

import csv
from pathlib import Path

from django.core.files.base import ContentFile

from rapport.imports.models import ImportJob, ImportRowError
from rapport.imports.services import jobs as job_services
from rapport.imports.sources.base import Context, Line, Source

FIXTURES = Path(__file__).parent / "fixtures"


def squash(header: str) -> str:
    return "".join(ch for ch in header.casefold() if ch not in " -_")


def field_of(source: Source) -> dict[str, str]:
    spellings: dict[str, str] = {}
    for field in source.fields:
        for spelling in (field.name, *field.aliases):
            spellings.setdefault(squash(spelling), field.name)
    return spellings


def headers_of(filename: str) -> list[str]:
    with open(FIXTURES / filename, encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


def mapped_lines(source: Source, filename: str) -> list[Line]:
    fields = field_of(source)
    lines = []
    with open(FIXTURES / filename, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        names = [fields.get(squash(header)) for header in next(reader)]
        start = reader.line_num + 1
        for record in reader:
            values = {name: cell for name, cell in zip(names, record, strict=True) if name}
            lines.append(Line(number=start, values=values, raw=",".join(record)))
            start = reader.line_num + 1
    return lines


def context_for(source: Source, **choices) -> Context:
    return Context(job_id=0, source_label=source.source_label, **choices)


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
