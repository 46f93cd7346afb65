"""Nothing lost, nothing doubled: an import whose worker is killed part way (SIGKILL, no chance to
clean up) goes on from its checkpoint when it is started again, and ends with every good row
once and exact counts.

The worker is a real second process (`manage.py db_worker`, then `manage.py import_job_run`), so
it needs a database and files it can see: on PostgreSQL the test database itself; on SQLite a
copy of the in-memory test database in a file, copied back once the workers are done."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from rapport.customers.models import Household
from rapport.imports.models import ImportJob, ImportRowError
from rapport.imports.services import jobs as job_services
from rapport.imports.tests.factories import csv_upload, household_rows

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 5_000  # 100 batches of 50 in the worker (worker_settings.RAPPORT_IMPORT_BATCH_ROWS)
BAD_EVERY = 250  # every 250th row lacks its name
WAIT_SECONDS = 120  # generous: the worker must start Django before it reads a row
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def shared_database(tmp_path):
    """The URL of a database this process and a worker process both use: on PostgreSQL the test
    database; on SQLite a file holding a copy of the in-memory test database, which this process
    uses instead for the length of the test (the in-memory one is kept open and put back)."""
    connection.ensure_connection()
    db = connection.settings_dict
    if connection.vendor != "sqlite":
        login = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
        yield f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        return
    path = tmp_path / "shared.sqlite3"
    memory, name, options = connection.connection, db["NAME"], db.get("OPTIONS", {})
    with sqlite3.connect(path) as target:
        memory.backup(target)
    target.close()
    connection.connection = None  # closing it would drop the in-memory database
    # As production runs SQLite: writers queue for the lock instead of failing at once.
    db["NAME"], db["OPTIONS"] = str(path), {"transaction_mode": "IMMEDIATE", "timeout": 20}
    try:
        yield f"sqlite:///{path}"
    finally:
        connection.close()
        db["NAME"], db["OPTIONS"] = name, options
        connection.connection = memory


@pytest.fixture
def media(tmp_path, settings):
    folder = tmp_path / "media"
    folder.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }
    return folder


def start_worker(command: list[str], *, database: str, media: Path, log: Path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rapport.imports.tests.worker_settings",
        "DATABASE_URL": database,
        "RAPPORT_TEST_MEDIA_ROOT": str(media),
    }
    return subprocess.Popen(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *command],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def rows_seen(job_id: int) -> int:
    return ImportJob.objects.values_list("rows_seen", flat=True).get(pk=job_id)


def wait_for_rows(worker, *, job_id: int, above: int, log: Path) -> None:
    """Wait until the worker has committed a batch that takes the job past `above` rows."""
    deadline = time.monotonic() + WAIT_SECONDS
    while rows_seen(job_id) <= above:
        if worker.poll() is not None:
            pytest.fail(f"the worker ended before it got past row {above}: {log.read_text()}")
        if time.monotonic() > deadline:
            worker.kill()
            worker.wait(timeout=30)
            pytest.fail(f"no batch committed within {WAIT_SECONDS} s: {log.read_text()}")
        time.sleep(0.005)


def kill_part_way(worker, *, job_id: int, above: int, log: Path) -> int:
    """SIGKILL the worker once it has committed a batch past `above` rows; the rows it had."""
    wait_for_rows(worker, job_id=job_id, above=above, log=log)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    return rows_seen(job_id)


def test_an_import_killed_twice_part_way_ends_with_every_row_once(
    tmp_path, media, shared_database, settings, importer
):
    rows = household_rows(ROWS)
    for number in range(BAD_EVERY, ROWS + 1, BAD_EVERY):
        rows[number - 1][1] = ""
    bad = ROWS // BAD_EVERY
    job = job_services.job_create(by=importer, upload=csv_upload(rows), source_type="households")
    job_services.job_dry_run(job=job, by=importer)  # the test settings run the task at once
    job.refresh_from_db()
    assert (job.state, job.dry_run_summary["added"], job.dry_run_summary["failed"]) == (
        "checked",
        ROWS - bad,
        bad,
    )
    settings.TASKS = DB_TASKS  # from here tasks wait in the database for a worker
    job_services.job_run(job=job, by=importer)
    log = tmp_path / "worker.log"

    # Given a worker killed part way through the import,
    worker = start_worker(
        ["db_worker", "--batch", "--no-startup-delay"],
        database=shared_database,
        media=media,
        log=log,
    )
    first_kill = kill_part_way(worker, job_id=job.pk, above=0, log=log)
    assert 0 < first_kill < ROWS
    # and the job run again by hand in another process (job_execute takes the job over), which
    # is killed too,
    worker = start_worker(
        ["import_job_run", str(job.pk)], database=shared_database, media=media, log=log
    )
    second_kill = kill_part_way(worker, job_id=job.pk, above=first_kill, log=log)
    assert first_kill < second_kill < ROWS
    job.refresh_from_db()
    assert job.state == "running"
    assert Household.objects.filter(source="import").count() == job.rows_added

    # when the stalled-job check finds it,
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    resumed = job_services.jobs_resume_stalled(now=timezone.now() + timedelta(minutes=3))

    # then it goes on from its checkpoint and ends with every good row once, and exact counts.
    job.refresh_from_db()
    assert [found.pk for found in resumed] == [job.pk]
    assert (job.state, job.resumed, job.failure) == ("done", 1, "")
    households = Household.objects.filter(source="import")
    assert households.count() == ROWS - bad
    assert households.values("external_id").distinct().count() == ROWS - bad
    assert set(households.values_list("external_id", flat=True)) == {
        row[0] for row in rows if row[1]
    }
    assert (job.rows_seen, job.rows_added, job.rows_updated, job.rows_unchanged) == (
        ROWS,
        ROWS - bad,
        0,
        0,
    )
    errors = ImportRowError.objects.filter(job=job, phase="run")
    assert job.rows_failed == errors.count() == bad
    assert list(errors.values_list("line", flat=True)) == [
        number + 1 for number in range(BAD_EVERY, ROWS + 1, BAD_EVERY)
    ]
    assert Household.history.filter(source="import").count() == ROWS - bad  # one "created" each


def test_a_cancel_from_another_process_stops_the_import_after_its_batch(
    tmp_path, media, shared_database, settings, importer
):
    job = job_services.job_create(
        by=importer, upload=csv_upload(household_rows(ROWS)), source_type="households"
    )
    job_services.job_dry_run(job=job, by=importer)
    settings.TASKS = DB_TASKS
    job = job_services.job_run(job=job, by=importer)
    log = tmp_path / "worker.log"
    worker = start_worker(
        ["import_job_run", str(job.pk)], database=shared_database, media=media, log=log
    )
    wait_for_rows(worker, job_id=job.pk, above=0, log=log)

    job_services.job_cancel(job=job, by=importer)

    assert worker.wait(timeout=WAIT_SECONDS) == 0, log.read_text()
    job.refresh_from_db()
    assert job.state == "cancelled"
    assert 0 < job.rows_seen < ROWS
    assert Household.objects.filter(source="import").count() == job.rows_added == job.rows_seen
