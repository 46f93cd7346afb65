"""Run one import job in this process (its dry run or import, from its checkpoint), as the worker
would: for an operator who wants to watch a large import, or to finish one by hand."""

from django.core.management.base import BaseCommand, CommandParser

from rapport.core.errors import NotFound
from rapport.imports.services import jobs as job_services


class Command(BaseCommand):
    help = "Run an import job in the foreground, from where it stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("job_id", type=int)

    def handle(self, *args, job_id: int, **options) -> None:
        try:
            job = job_services.job_execute(job_id=job_id)
        except NotFound as missing:
            self.stderr.write(missing.message)
            raise SystemExit(1) from None
        self.stdout.write(
            f"Import job {job.pk}: {job.state}; {job.rows_seen} rows read, {job.rows_added} "
            f"added, {job.rows_updated} updated, {job.rows_unchanged} unchanged, "
            f"{job.rows_failed} refused."
        )
        if job.failure:
            self.stdout.write(job.failure)
