"""Import a call-detail-record CSV from the command line, without the worker."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.accounts.models import User
from rapport.interactions import call_records
from rapport.interactions.choices import ImportStatus

ERRORS_SHOWN = 20


class Command(BaseCommand):
    help = "Import a call-detail-record CSV now and print how fast it went and how rows fared."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The CSV file (header as in the import page).")
        parser.add_argument("--by", default="", help="Username recorded as the uploader.")

    def handle(self, *args, path: Path, by: str, **options) -> None:
        uploader = None
        if by:
            uploader = User.objects.filter(username=by).first()
            if uploader is None:
                raise CommandError(f"No user named {by!r}.")
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        record = call_records.call_record_import_create(
            by=uploader, filename=path.name, content=content
        )
        started = time.perf_counter()
        record = call_records.call_records_run(import_id=record.pk)
        seconds = time.perf_counter() - started
        rate = record.rows_done / seconds if seconds else 0.0
        self.stdout.write(
            f"Import {record.pk} {record.status}: {record.rows_done:,} rows in {seconds:.2f} s "
            f"({rate:,.0f} rows/s); added {record.rows_added:,}, "
            f"duplicate {record.rows_duplicate:,}, failed {record.rows_failed:,}."
        )
        for error in record.errors[:ERRORS_SHOWN]:
            self.stdout.write(f"  line {error['line']}: {error['reason']}")
        if len(record.errors) > ERRORS_SHOWN:
            self.stdout.write(f"  … {record.rows_failed - ERRORS_SHOWN:,} more rejected rows")
        if record.status == ImportStatus.FAILED:
            raise CommandError("The import failed.")
