"""Uploaded files and refused rows hold customer data: they are deleted a set number of days after
a job finished (or was left unrun), while the counts and reasons stay."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.core.errors import Conflict
from rapport.core.models import AuditEvent
from rapport.imports import tasks
from rapport.imports.choices import JobState, Phase
from rapport.imports.models import ImportJob, ImportRowError
from rapport.imports.services import jobs as job_services
from rapport.imports.tests.factories import ImportJobFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture(autouse=True)
def keep_thirty_days(settings):
    settings.RAPPORT_IMPORT_FILES_KEEP_DAYS = 30


def job(state: str, *, days_ago: int, phase: str = Phase.RUN) -> ImportJob:
    """A job with a stored file and one refused row, finished (or last touched) days_ago."""
    made: ImportJob = ImportJobFactory(state=state, phase=phase)
    ImportRowError.objects.create(
        job=made, phase=phase, line=2, reason="Name is required.", raw="HH-1,,Springfield"
    )
    when = NOW - timedelta(days=days_ago)
    finished = when if state in job_services.FINISHED else None
    ImportJob.objects.filter(pk=made.pk).update(finished_at=finished, updated_at=when)
    made.refresh_from_db()
    return made


def stored(job: ImportJob) -> bool:
    return bool(job.file.name) and job.file.storage.exists(job.file.name)


def test_a_finished_job_loses_its_file_and_rows_text_after_the_set_days(
    django_capture_on_commit_callbacks,
):
    old = {state: job(state, days_ago=31) for state in job_services.FINISHED}
    recent = job(JobState.DONE, days_ago=29)
    running = job(JobState.RUNNING, days_ago=60)
    old_files = {state: made.file.name for state, made in old.items()}

    with django_capture_on_commit_callbacks(execute=True):  # files go once the marks commit
        forgotten = job_services.jobs_forget_files(now=NOW)

    assert sorted(forgotten) == sorted(made.pk for made in old.values())
    for state, made in old.items():
        made.refresh_from_db()
        assert made.state == state and made.file_deleted_at == NOW and not made.file.name
        assert not made.file.storage.exists(old_files[state])
        error = made.row_errors.get()
        assert (error.line, error.reason, error.raw) == (2, "Name is required.", "")
    assert stored(recent) and recent.row_errors.get().raw == "HH-1,,Springfield"
    assert stored(running)
    assert AuditEvent.objects.filter(action="imports.file_deleted").count() == 3
    assert job_services.jobs_forget_files(now=NOW) == []  # once


def test_a_job_left_unrun_is_cancelled_and_its_file_deleted():
    left = job(JobState.CHECKED, days_ago=31, phase=Phase.DRY_RUN)
    fresh = job(JobState.UPLOADED, days_ago=3, phase="")

    assert job_services.jobs_forget_files(now=NOW) == [left.pk]

    left.refresh_from_db()
    assert (left.state, left.finished_at, left.file_deleted_at) == (JobState.CANCELLED, NOW, NOW)
    assert left.failure == "Not run in time; its file was deleted."
    assert stored(fresh) and fresh.file_deleted_at is None


def test_a_job_without_its_file_can_no_longer_be_run_checked_or_remapped(make_user):
    admin = make_user("admin")
    failed = job(JobState.FAILED, days_ago=40)
    job_services.jobs_forget_files(now=NOW)

    with pytest.raises(Conflict, match="file was deleted"):
        job_services.job_run(job=failed, by=admin)
    with pytest.raises(Conflict, match="file was deleted"):
        job_services.job_dry_run(job=failed, by=admin)
    with pytest.raises(Conflict, match="file was deleted"):
        job_services.job_configure(job=failed, by=admin, mapping={})


def test_the_page_says_when_the_file_went_and_offers_no_resume(client_for):
    client, _ = client_for("admin")
    failed = job(JobState.FAILED, days_ago=40)
    job_services.jobs_forget_files(now=NOW)

    page = client.get(reverse("imports:detail", args=[failed.pk])).content.decode()

    assert "The file and the text of its refused rows were deleted on" in page
    assert "30 days after the import finished" in page
    assert "Resume the import" not in page and "Change mapping" not in page


def test_the_task_deletes_them(django_capture_on_commit_callbacks):
    old = job(JobState.DONE, days_ago=31)
    name = old.file.name

    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.forget_old_import_files.enqueue()

    assert result.return_value == [old.pk]
    assert not old.file.storage.exists(name)
