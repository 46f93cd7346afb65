"""The imports clock (`manage.py imports_watch`), its line in the Procfile, and
`manage.py import_job_run`."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rapport.imports import tasks
from rapport.imports.services import jobs as job_services
from rapport.imports.tests.factories import csv_upload, household_rows

pytestmark = pytest.mark.django_db


def test_the_procfile_runs_the_clock_every_minute():
    procfile = Path(django_settings.BASE_DIR, "Procfile").read_text().splitlines()
    assert "imports: python manage.py imports_watch --every 60" in procfile


@pytest.mark.django_db(transaction=True)  # a tick drops a stale connection, as a process would
def test_a_tick_enqueues_the_stalled_import_check_and_the_old_file_deletion(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    call_command("imports_watch", "--once", stdout=io.StringIO())

    queued = DBTaskResult.objects.order_by("task_path").values_list("task_path", "status")
    assert list(queued) == [
        ("rapport.imports.tasks.forget_old_import_files", "READY"),
        ("rapport.imports.tasks.resume_stalled_imports", "READY"),
    ]


def test_the_check_starts_a_stalled_import_again(
    importer, run_tasks, django_capture_on_commit_callbacks
):
    job = job_services.job_create(
        by=importer, upload=csv_upload(household_rows(2)), source_type="households"
    )
    job_services.job_dry_run(job=job, by=importer)  # the task is lost with its worker
    job.__class__.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(minutes=5))

    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.resume_stalled_imports.enqueue()

    job.refresh_from_db()
    assert result.return_value == [job.pk]
    assert (job.state, job.resumed) == ("checked", 1)


def test_a_job_can_be_run_by_hand(importer):
    job = job_services.job_create(
        by=importer, upload=csv_upload(household_rows(2)), source_type="households"
    )
    job_services.job_dry_run(job=job, by=importer)
    out = io.StringIO()

    call_command("import_job_run", str(job.pk), stdout=out)

    assert out.getvalue().startswith(f"Import job {job.pk}: checked; 2 rows read, 2 added")


def test_running_a_missing_job_by_hand_exits_with_an_error():
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import_job_run", "404404", stderr=err)
    assert exit_.value.code == 1
    assert "does not exist" in err.getvalue()
