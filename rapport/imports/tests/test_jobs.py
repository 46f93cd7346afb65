"""Import job services and selectors: upload and detection, mapping suggestions and checks, the
state machine of dry run / run / cancel, stalled jobs started again, the error report, audit,
and reads scoped to importers."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rapport.core.errors import Conflict, NotFound, ValidationFailed
from rapport.core.models import AuditEvent
from rapport.imports import engine
from rapport.imports.models import ImportJob, ImportRowError, SavedMapping
from rapport.imports.selectors import jobs as job_selectors
from rapport.imports.services import jobs as job_services
from rapport.imports.services import mappings as mapping_services
from rapport.imports.tests.factories import (
    ImportJobFactory,
    SavedMappingFactory,
    csv_bytes,
    csv_upload,
    household_rows,
)

pytestmark = pytest.mark.django_db

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def create(importer, rows=None, **choices) -> ImportJob:
    upload = choices.pop("upload", None) or csv_upload(household_rows(3) if rows is None else rows)
    return job_services.job_create(by=importer, upload=upload, source_type="households", **choices)


def stored_files(folder: str = "") -> list[str]:
    folders, files = default_storage.listdir(folder)
    return [f"{folder}/{name}" for name in files] + [
        path for sub in folders for path in stored_files(f"{folder}/{sub}".strip("/"))
    ]


def audit_actions(job: ImportJob) -> list[str]:
    events = AuditEvent.objects.filter(target_type="imports.importjob", target_id=str(job.pk))
    return list(events.order_by("id").values_list("action", flat=True))


class TestCreate:
    def test_the_file_is_stored_and_its_shape_and_mapping_found(self, importer):
        data = csv_bytes(household_rows(3, city="Zürich"), delimiter=";", encoding="cp1252")

        job = create(importer, upload=ContentFile(data, name="C:\\exports\\Households.CSV"))

        assert (job.filename, job.file_format, job.encoding, job.delimiter) == (
            "Households.CSV",
            "csv",
            "cp1252",
            ";",
        )
        assert job.headers[:2] == ["Household ID", "Name"]
        assert job.mapping == {
            "external_id": "Household ID",
            "name": "Name",
            "address_line1": "Street",
            "postal_code": "Zip",
            "city": "City",
            "region": "State",
            "country": "Country",
        }
        assert (job.state, job.bytes_total, job.created_by) == ("uploaded", len(data), importer)
        assert job.file.read() == data
        assert audit_actions(job) == ["imports.job_create"]

    def test_a_file_that_cannot_be_read_is_refused_and_not_kept(self, importer):
        before = stored_files()
        with pytest.raises(ValidationFailed, match="binary data") as refused:
            create(importer, upload=ContentFile(b"\x00\x01\x02", name="h.csv"))
        assert "upload" in refused.value.fields
        assert ImportJob.objects.count() == 0
        assert stored_files() == before

    @pytest.mark.parametrize(
        ("choices", "field"),
        [
            ({"source_type": "nope"}, "source_type"),
            ({"upload": ContentFile(b"a,b\n", name="h.pdf")}, "file_format"),
            ({"file_format": "xls"}, "file_format"),
            ({"encoding": "utf-16"}, "encoding"),
            ({"delimiter": ":"}, "delimiter"),
            ({"date_format": "julian"}, "date_format"),
            ({"default_region": "XX"}, "default_region"),
            ({"mapping": {"name": "Name"}}, "external_id"),
            ({"mapping": {"external_id": "Nope", "name": "Name"}}, "external_id"),
            ({"mapping": {"external_id": "Household ID", "name": "Name", "x": "Zip"}}, "x"),
        ],
    )
    def test_wrong_choices_are_refused_naming_the_field(self, importer, choices, field):
        source_type = choices.pop("source_type", "households")
        upload = choices.pop("upload", csv_upload(household_rows(1)))
        with pytest.raises(ValidationFailed) as refused:
            job_services.job_create(by=importer, upload=upload, source_type=source_type, **choices)
        assert field in refused.value.fields

    def test_the_format_is_read_from_the_name_unless_chosen(self, importer):
        jsonl = ContentFile(b'{"Household ID": "1", "Name": "A"}\n', name="export.ndjson")
        assert create(importer, upload=jsonl).file_format == "jsonl"
        tabbed = ContentFile(b"Household ID\tName\n1\tA\n", name="export.dat")
        assert create(importer, upload=tabbed, file_format="csv").delimiter == "\t"


class TestMappingSuggestions:
    def test_headers_match_aliases_without_case_spaces_dashes_or_underscores(self):
        suggestion = job_services.mapping_suggest(
            source_type="households",
            headers=["HOUSEHOLD-ID", "household_name", "Zip_Code", " Town ", "Notes"],
        )
        assert suggestion == {
            "external_id": "HOUSEHOLD-ID",
            "name": "household_name",
            "postal_code": "Zip_Code",
            "city": " Town ",
        }

    def test_a_saved_mapping_whose_columns_the_file_has_wins(self):
        SavedMappingFactory(
            headers=["Household ID", "Name", "Street", "Alt"],
            mapping={"external_id": "Household ID", "name": "Street", "city": "Alt"},
        )
        suggestion = job_services.mapping_suggest(
            source_type="households", headers=["household id", "Name", "Street", "Alt", "Zip"]
        )
        # The saved choices, in the file's spelling; the fields it leaves out from aliases.
        assert suggestion == {
            "external_id": "household id",
            "name": "Street",
            "city": "Alt",
            "postal_code": "Zip",
        }

    def test_a_saved_mapping_naming_columns_the_file_lacks_is_not_used(self):
        SavedMappingFactory(mapping={"external_id": "HH", "name": "Label"})
        suggestion = job_services.mapping_suggest(source_type="households", headers=["HH", "Name"])
        assert suggestion == {"name": "Name"}

    def test_a_deleted_mapping_is_no_longer_suggested_and_the_deletion_is_audited(self, importer):
        saved = SavedMappingFactory(
            headers=["HH", "Label"], mapping={"external_id": "HH", "name": "Label"}
        )

        mapping_services.mapping_delete(mapping=saved, by=importer)

        assert job_services.mapping_suggest(source_type="households", headers=["HH", "Label"]) == {}
        event = AuditEvent.objects.get(action="imports.mapping_delete")
        assert (event.actor, event.detail["name"]) == (importer, saved.name)

    def test_the_same_columns_win_over_a_mapping_sharing_fewer(self):
        SavedMappingFactory(name="wide", headers=["A", "B", "C", "D"], mapping={"external_id": "A"})
        SavedMappingFactory(name="exact", headers=["A", "B"], mapping={"external_id": "B"})
        suggestion = job_services.mapping_suggest(source_type="households", headers=["A", "B"])
        assert suggestion["external_id"] == "B"


class TestConfigure:
    def test_a_new_mapping_after_a_dry_run_returns_to_uploaded_and_drops_its_errors(
        self, importer, run_tasks
    ):
        job = create(importer, [*household_rows(2), ["HH-9", "", "", "", "", "", ""]])
        run_tasks(job_services.job_dry_run, job=job, by=importer)
        assert ImportRowError.objects.filter(job=job).count() == 1

        job = job_services.job_configure(
            job=job,
            by=importer,
            mapping={"external_id": "Household ID", "name": "Street"},
            date_format="dmy",
            default_region="fr",
            save_as="Billing export",
        )

        assert (job.state, job.phase, job.dry_run_summary, job.rows_seen) == ("uploaded", "", {}, 0)
        assert (job.date_format, job.default_region) == ("dmy", "FR")
        assert job.mapping == {"external_id": "Household ID", "name": "Street"}
        assert ImportRowError.objects.filter(job=job).count() == 0
        saved = SavedMapping.objects.get(name="Billing export")
        assert (saved.mapping, saved.headers, saved.created_by) == (
            job.mapping,
            job.headers,
            importer,
        )
        assert create(importer).mapping["name"] == "Street"  # the next file like it

    def test_another_delimiter_reads_the_header_again(self, importer):
        job = create(
            importer,
            upload=ContentFile(b"id|name,x\n1|A,b\n", name="h.csv"),
            mapping={"external_id": "id|name", "name": "x"},
        )
        job = job_services.job_configure(
            job=job, by=importer, delimiter="|", mapping={"external_id": "id", "name": "name,x"}
        )
        assert (job.delimiter, job.headers) == ("|", ["id", "name,x"])

    def test_a_mapping_naming_a_missing_column_is_refused(self, importer):
        job = create(importer)
        with pytest.raises(ValidationFailed) as refused:
            job_services.job_configure(
                job=job, by=importer, mapping={"external_id": "Household ID", "name": "Nom"}
            )
        assert refused.value.fields == {"name": ["The file has no column 'Nom'."]}

    def test_a_running_job_cannot_be_reconfigured(self, importer):
        job = ImportJobFactory(state="running")
        with pytest.raises(Conflict, match="while the import is running"):
            job_services.job_configure(job=job, by=importer, mapping=job.mapping)


class TestStates:
    def test_a_run_needs_a_finished_dry_run(self, importer):
        job = create(importer)
        with pytest.raises(Conflict, match="waiting for its mapping"):
            job_services.job_run(job=job, by=importer)

    def test_a_dry_run_needs_the_required_fields_mapped(self, importer):
        job = ImportJobFactory(mapping={"name": "Name"})
        with pytest.raises(ValidationFailed):
            job_services.job_dry_run(job=job, by=importer)

    def test_each_step_is_audited(self, importer, run_tasks):
        job = create(importer)
        run_tasks(job_services.job_dry_run, job=job, by=importer)
        job_services.job_run(job=job, by=importer)
        job_services.job_cancel(job=job, by=importer)
        assert audit_actions(job) == [
            "imports.job_create",
            "imports.job_dry_run",
            "imports.job_run",
            "imports.job_cancel",
        ]

    def test_a_queued_job_is_cancelled_at_once(self, importer, run_tasks):
        job = create(importer)
        run_tasks(job_services.job_dry_run, job=job, by=importer)
        job_services.job_run(job=job, by=importer)  # its task waits for the commit

        job = job_services.job_cancel(job=job, by=importer)

        assert (job.state, job.finished_at is not None) == ("cancelled", True)
        assert job_services.job_execute(job_id=job.pk).state == "cancelled"

    def test_a_running_job_is_asked_to_stop(self, importer):
        job = ImportJobFactory(state="running", phase="run")
        job = job_services.job_cancel(job=job, by=importer)
        assert (job.state, job.cancel_requested_at is not None) == ("running", True)

    def test_a_job_whose_worker_went_away_stops_at_once(self, importer):
        gone = timezone.now() - job_services.STALL_AFTER - timedelta(seconds=1)
        running = ImportJobFactory(state="running", phase="run", heartbeat_at=gone, rows_added=5)
        checking = ImportJobFactory(
            state="checking", phase="dry_run", rows_seen=7, heartbeat_at=None
        )

        running = job_services.job_cancel(job=running, by=importer)
        checking = job_services.job_cancel(job=checking, by=importer)

        assert (running.state, running.rows_added, running.finished_at is not None) == (
            "cancelled",
            5,
            True,
        )
        assert (checking.state, checking.rows_seen) == ("uploaded", 0)
        assert job_services.job_execute(job_id=checking.pk).state == "uploaded"

    def test_a_finished_job_cannot_be_cancelled(self, importer):
        with pytest.raises(Conflict, match="finished"):
            job_services.job_cancel(job=ImportJobFactory(state="done"), by=importer)

    def test_a_run_that_failed_part_way_goes_on_from_its_checkpoint(self, importer, run_tasks):
        job = create(importer, household_rows(4))
        run_tasks(job_services.job_dry_run, job=job, by=importer)
        ImportJob.objects.filter(pk=job.pk).update(
            state="failed",
            phase="run",
            failure="database restarted",
            checkpoint_line=3,
            checkpoint_bytes=0,
            rows_seen=2,
            rows_added=2,
        )

        run_tasks(job_services.job_run, job=job, by=importer)

        job.refresh_from_db()
        assert (job.state, job.failure, job.rows_seen, job.rows_added) == ("done", "", 4, 4)
        assert job.checkpoint_line == 5


class TestResumeStalled:
    def running_job(self, importer, run_tasks) -> ImportJob:
        job = create(importer, household_rows(3))
        run_tasks(job_services.job_dry_run, job=job, by=importer)
        job_services.job_run(job=job, by=importer)  # its task waits for the commit
        claimed = engine.claim(job.pk)  # a worker took it, and then went away
        assert claimed is not None and claimed.heartbeat_at is not None
        return claimed

    def test_a_job_without_a_heartbeat_for_two_minutes_is_started_again(self, importer, run_tasks):
        job = self.running_job(importer, run_tasks)
        assert job.heartbeat_at is not None
        later = job.heartbeat_at + job_services.STALL_AFTER + timedelta(seconds=1)

        resumed = run_tasks(job_services.jobs_resume_stalled, now=later)

        job.refresh_from_db()
        assert [found.pk for found in resumed] == [job.pk]
        assert (job.state, job.resumed, job.rows_added) == ("done", 1, 3)
        assert audit_actions(job)[-1] == "imports.job_resume"

    def test_a_job_beating_recently_is_left_alone(self, importer, run_tasks):
        job = self.running_job(importer, run_tasks)
        assert job.heartbeat_at is not None
        soon = job.heartbeat_at + job_services.STALL_AFTER - timedelta(seconds=1)

        assert run_tasks(job_services.jobs_resume_stalled, now=soon) == []
        job.refresh_from_db()
        assert (job.state, job.resumed) == ("running", 0)

    def test_a_stalled_dry_run_is_started_again(self, importer, run_tasks):
        job = create(importer)
        job_services.job_dry_run(job=job, by=importer)  # the task is lost
        later = timezone.now() + timedelta(minutes=3)

        run_tasks(job_services.jobs_resume_stalled, now=later)

        job.refresh_from_db()
        assert (job.state, job.resumed, job.dry_run_summary["added"]) == ("checked", 1, 3)

    def test_a_queued_job_whose_task_vanished_is_queued_again(self, importer, run_tasks):
        job = create(importer)
        run_tasks(job_services.job_dry_run, job=job, by=importer)
        job_services.job_run(job=job, by=importer)  # the task is lost
        now = timezone.now()

        assert run_tasks(job_services.jobs_resume_stalled, now=now + timedelta(minutes=9)) == []
        run_tasks(job_services.jobs_resume_stalled, now=now + timedelta(minutes=11))

        job.refresh_from_db()
        assert (job.state, job.resumed, job.rows_added) == ("done", 1, 3)

    def test_a_queued_job_whose_task_waits_in_the_database_is_left_alone(
        self, importer, run_tasks, settings
    ):
        job = create(importer)
        run_tasks(job_services.job_dry_run, job=job, by=importer)
        settings.TASKS = DB_TASKS
        run_tasks(job_services.job_run, job=job, by=importer)
        later = timezone.now() + timedelta(minutes=11)
        assert DBTaskResult.objects.filter(status="READY").count() == 1

        assert job_services.jobs_resume_stalled(now=later) == []
        DBTaskResult.objects.all().delete()
        assert [found.pk for found in job_services.jobs_resume_stalled(now=later)] == [job.pk]


def test_the_error_report_lists_every_bad_row_in_line_order(importer, run_tasks):
    rows = [
        ["HH-1", "", "", "", "", "", ""],
        *household_rows(2),
        ["HH-5", "A", "", "", "", "", "USA"],
    ]
    job = create(importer, rows)
    run_tasks(job_services.job_dry_run, job=job, by=importer)

    report = list(job_services.error_report_rows(job=job, phase="dry_run"))

    assert report == [
        ["line", "reason", "raw"],
        ["2", "name is missing", "HH-1,,,,,,"],
        ["5", "country must be a two-letter code such as US or GB: 'USA'", "HH-5,A,,,,,USA"],
    ]
    assert list(job_services.error_report_rows(job=job, phase="run")) == [["line", "reason", "raw"]]


class TestSelectors:
    def test_only_importers_see_jobs(self, importer, make_user):
        job = ImportJobFactory()
        for role in ("agent", "supervisor", "qa_analyst", "executive", "trainer", "marketer"):
            user = make_user(role)
            assert not job_selectors.jobs_for(user=user).exists()
            with pytest.raises(NotFound):
                job_selectors.job_get_for(user=user, job_id=job.pk)
            with pytest.raises(NotFound):
                job_selectors.job_errors_for(user=user, job=job, phase="run")
            assert not job_selectors.saved_mappings_for(user=user).exists()
        assert job_selectors.job_get_for(user=importer, job_id=job.pk) == job

    def test_a_missing_job_is_not_found(self, importer):
        with pytest.raises(NotFound):
            job_selectors.job_get_for(user=importer, job_id=424_242)

    def test_the_sample_is_the_first_rows_as_they_will_be_read(self, importer, make_user):
        job = create(importer, household_rows(12))
        sample = job_selectors.job_sample_for(user=importer, job=job)
        assert len(sample) == 10
        assert sample[0]["Household ID"] == "HH-000001"
        with pytest.raises(NotFound):
            job_selectors.job_sample_for(user=make_user("supervisor"), job=job)
        job.file.storage.delete(job.file.name)
        job = ImportJob.objects.get(pk=job.pk)
        assert job_selectors.job_sample_for(user=importer, job=job) == []

    def test_the_job_list_is_one_query(self, importer, django_assert_num_queries):
        ImportJobFactory.create_batch(3)
        with django_assert_num_queries(2):  # the importer's roles, then the jobs with their authors
            names = [job.created_by.username for job in job_selectors.jobs_for(user=importer)]
        assert len(names) == 3

    def test_errors_and_mappings_are_filtered(self, importer):
        job = ImportJobFactory()
        ImportRowError.objects.create(job=job, phase="run", line=3, reason="x")
        ImportRowError.objects.create(job=job, phase="dry_run", line=3, reason="x")
        SavedMappingFactory(source_type="zendesk_tickets")
        kept = SavedMappingFactory()
        assert job_selectors.job_errors_for(user=importer, job=job, phase="run").count() == 1
        assert list(job_selectors.saved_mappings_for(user=importer, source_type="households")) == [
            kept
        ]

    def test_progress_comes_from_bytes_and_the_time_since_the_start(self):
        started = timezone.now() - timedelta(seconds=10)
        job = ImportJobFactory(
            state="running", started_at=started, bytes_total=1_000, bytes_done=250, rows_seen=500
        )

        progress = job_selectors.job_progress(job, now=started + timedelta(seconds=10))

        assert (progress.percent, progress.rows_per_second, progress.eta_seconds) == (25, 50.0, 30)
        assert (progress.active, progress.finished, progress.state_label) == (
            True,
            False,
            "Importing",
        )

    def test_progress_of_a_job_not_started_and_of_a_finished_one(self):
        waiting = job_selectors.job_progress(ImportJobFactory(state="queued", bytes_total=10))
        assert (waiting.percent, waiting.rows_per_second, waiting.eta_seconds) == (0, None, None)
        started = timezone.now() - timedelta(seconds=4)
        done = ImportJobFactory(
            state="done",
            started_at=started,
            finished_at=started + timedelta(seconds=2),
            rows_seen=10,
            bytes_total=10,
            bytes_done=10,
        )
        progress = job_selectors.job_progress(done)
        assert (progress.percent, progress.rows_per_second, progress.eta_seconds) == (
            100,
            5.0,
            None,
        )
        assert progress.finished
