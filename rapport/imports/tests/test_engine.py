"""The engine: batches committed one transaction each with their errors, counters and checkpoint;
dry runs that write nothing; failures of a batch or of the whole job; cancels; a worker taken
over; a run stopped part way that goes on after its checkpoint.

The households source is the real source used throughout. A few tests add a source of their own
(a subclass of it) to show what the engine does when a source misbehaves."""

from collections.abc import Sequence

import pytest
from django import forms
from django.core.files.base import ContentFile

from rapport.core.errors import NotFound, ValidationFailed
from rapport.customers.models import Household
from rapport.imports import engine, tasks
from rapport.imports.models import ImportJob, ImportRowError
from rapport.imports.services import jobs as job_services
from rapport.imports.sources.base import Context, Line, Outcome
from rapport.imports.sources.households import HouseholdSource
from rapport.imports.tests.factories import (
    HOUSEHOLD_HEADER,
    csv_bytes,
    csv_upload,
    household_rows,
    jsonl_bytes,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Stands for the worker process dying: nothing in the engine may catch it."""


def imported(run_tasks, importer, upload, **choices) -> ImportJob:
    job = job_services.job_create(by=importer, upload=upload, source_type="households", **choices)
    return run_job(run_tasks, importer, job)


def run_job(run_tasks, importer, job: ImportJob) -> ImportJob:
    run_tasks(job_services.job_dry_run, job=job, by=importer)
    job.refresh_from_db()
    assert job.state == "checked", job.failure
    run_tasks(job_services.job_run, job=job, by=importer)
    job.refresh_from_db()
    return job


def counts(job: ImportJob) -> tuple[int, int, int, int, int]:
    return (job.rows_seen, job.rows_added, job.rows_updated, job.rows_unchanged, job.rows_failed)


class TestRun:
    def test_a_dry_run_then_a_run_import_the_good_rows_and_report_the_bad(
        self, run_tasks, importer
    ):
        rows = [*household_rows(4), ["HH-9", "", "", "", "", "", ""], ["HH-10", "Short"]]
        job = job_services.job_create(
            by=importer, upload=csv_upload(rows), source_type="households"
        )

        run_tasks(job_services.job_dry_run, job=job, by=importer)
        job.refresh_from_db()
        assert job.state == "checked"
        assert Household.objects.count() == 0
        summary = job.dry_run_summary
        assert (summary["rows"], summary["added"], summary["failed"]) == (6, 4, 2)
        assert summary["samples"][0] == "add household The Family 1 (HH-000001)"
        dry_errors = ImportRowError.objects.filter(job=job, phase="dry_run")
        assert list(dry_errors.values_list("line", "reason", "raw")) == [
            (6, "name is missing", "HH-9,,,,,,"),
            (7, "has 2 fields where the header has 7", "HH-10,Short"),
        ]

        run_tasks(job_services.job_run, job=job, by=importer)
        job.refresh_from_db()
        assert (job.state, job.phase, job.failure) == ("done", "run", "")
        assert counts(job) == (6, 4, 0, 0, 2)
        assert (job.bytes_done, job.checkpoint_line) == (job.bytes_total, 7)
        assert job.finished_at is not None
        assert Household.objects.filter(source="import").count() == 4
        assert ImportRowError.objects.filter(job=job, phase="run").count() == 2
        assert dry_errors.count() == 2  # the dry run's report stays beside the run's

    def test_every_batch_moves_the_checkpoint_and_the_counts_add_up(
        self, run_tasks, importer, settings
    ):
        settings.RAPPORT_IMPORT_BATCH_ROWS = 3
        rows = household_rows(10)
        rows[4][1] = ""
        job = imported(run_tasks, importer, csv_upload(rows))

        assert counts(job) == (10, 9, 0, 0, 1)
        assert job.checkpoint_line == 11
        assert Household.objects.count() == 9

    def test_the_same_file_again_changes_nothing(self, run_tasks, importer):
        imported(run_tasks, importer, csv_upload(household_rows(5)))

        again = imported(run_tasks, importer, csv_upload(household_rows(5)))

        assert counts(again) == (5, 0, 0, 5, 0)
        assert again.dry_run_summary["unchanged"] == 5
        assert Household.objects.count() == 5
        assert Household.history.count() == 5

    def test_a_changed_file_updates_what_changed(self, run_tasks, importer):
        imported(run_tasks, importer, csv_upload(household_rows(5)))
        rows = household_rows(5)
        rows[1][4] = "Shelbyville"

        again = imported(run_tasks, importer, csv_upload([*rows, *household_rows(1, start=6)]))

        assert counts(again) == (6, 1, 1, 4, 0)
        assert Household.objects.get(external_id="HH-000002").city == "Shelbyville"

    @pytest.mark.parametrize(
        ("name", "data"),
        [
            (
                "h.csv",
                csv_bytes(household_rows(3, city="Zürich"), delimiter=";", encoding="cp1252"),
            ),
            (
                "h.csv",
                csv_bytes(household_rows(3, city="Zürich"), encoding="latin-1", newline="\n"),
            ),
            ("h.txt", csv_bytes(household_rows(3, city="Zürich"), delimiter="\t", bom=True)),
            ("h.csv", csv_bytes(household_rows(3, city="Zürich"), delimiter="|", newline="\r")),
            ("h.xlsx", xlsx_bytes([HOUSEHOLD_HEADER, *household_rows(3, city="Zürich")])),
            (
                "h.jsonl",
                jsonl_bytes(
                    dict(zip(HOUSEHOLD_HEADER, row, strict=True))
                    for row in household_rows(3, city="Zürich")
                ),
            ),
        ],
    )
    def test_each_format_and_encoding_imports_the_same_households(
        self, run_tasks, importer, name, data
    ):
        job = imported(run_tasks, importer, ContentFile(data, name=name))

        assert (job.state, counts(job)) == ("done", (3, 3, 0, 0, 0))
        assert set(Household.objects.values_list("city", flat=True)) == {"Zürich"}

    def test_the_source_is_given_the_jobs_choices(self, run_tasks, importer, extra_source):
        seen: list[Context] = []

        class Recording(HouseholdSource):
            key = "households_recording"

            def process(self, lines: Sequence[Line], ctx: Context) -> Outcome:
                seen.append(ctx)
                return super().process(lines, ctx)

        extra_source(Recording)
        job = job_services.job_create(
            by=importer,
            upload=csv_upload(household_rows(2)),
            source_type="households_recording",
            date_format="dmy",
            default_region="gb",
        )
        run_job(run_tasks, importer, job)

        assert [(c.dry_run, c.date_format, c.default_region, c.job_id) for c in seen] == [
            (True, "dmy", "GB", job.pk),
            (False, "dmy", "GB", job.pk),
        ]
        assert seen[0].source_label == "import"


def test_options_are_checked_by_the_sources_form_and_given_to_it(run_tasks, importer, extra_source):
    seen: list[dict] = []

    class TownOptions(forms.Form):
        town = forms.CharField(max_length=20)
        copies = forms.IntegerField(required=False)

    class WithOptions(HouseholdSource):
        key = "households_with_options"
        options_form = TownOptions

        def process(self, lines: Sequence[Line], ctx: Context) -> Outcome:
            seen.append(ctx.options)
            return super().process(lines, ctx)

    extra_source(WithOptions)
    job = job_services.job_create(
        by=importer, upload=csv_upload(household_rows(1)), source_type="households_with_options"
    )
    with pytest.raises(ValidationFailed) as refused:
        job_services.job_dry_run(job=job, by=importer)
    assert list(refused.value.fields) == ["town"]

    job = job_services.job_configure(
        job=job, by=importer, mapping=job.mapping, options={"town": "Leeds", "copies": "2"}
    )
    run_job(run_tasks, importer, job)

    assert seen == [{"town": "Leeds", "copies": 2}] * 2


class TestDryRun:
    def test_a_source_that_forgets_the_dry_run_still_writes_nothing(
        self, run_tasks, importer, extra_source
    ):
        class Careless(HouseholdSource):
            key = "households_careless"

            def process(self, lines: Sequence[Line], ctx: Context) -> Outcome:
                ctx.dry_run = False  # writes as if it were a run
                return super().process(lines, ctx)

        extra_source(Careless)
        job = job_services.job_create(
            by=importer, upload=csv_upload(household_rows(3)), source_type="households_careless"
        )

        run_tasks(job_services.job_dry_run, job=job, by=importer)

        job.refresh_from_db()
        assert (job.state, job.dry_run_summary["added"]) == ("checked", 3)
        assert Household.objects.count() == 0
        assert Household.history.count() == 0


class TestFailures:
    def test_a_batch_the_database_refuses_goes_in_row_by_row(
        self, run_tasks, importer, extra_source
    ):
        class Fragile(HouseholdSource):
            key = "households_fragile"

            def process(self, lines: Sequence[Line], ctx: Context) -> Outcome:
                outcome = super().process(lines, ctx)
                if any(line.values["name"] == "Explodes" for line in lines):
                    raise ValueError("value refused by the database")
                return outcome

        extra_source(Fragile)
        rows = household_rows(5)
        rows[2][1] = "Explodes"
        job = job_services.job_create(
            by=importer, upload=csv_upload(rows), source_type="households_fragile"
        )
        job = run_job(run_tasks, importer, job)

        assert (job.state, counts(job)) == ("done", (5, 4, 0, 0, 1))
        assert list(job.row_errors.filter(phase="run").values_list("line", "reason")) == [
            (4, "could not be written: value refused by the database")
        ]
        assert Household.objects.count() == 4

    def test_a_file_gone_from_storage_fails_the_job_with_a_reason(self, run_tasks, importer):
        job = job_services.job_create(
            by=importer, upload=csv_upload(household_rows(2)), source_type="households"
        )
        job.file.storage.delete(job.file.name)

        run_tasks(job_services.job_dry_run, job=job, by=importer)

        job.refresh_from_db()
        assert job.state == "failed"
        assert job.failure.startswith("The uploaded file cannot be opened")
        assert job.finished_at is not None

    def test_a_source_no_longer_installed_fails_the_job(self, importer):
        job = job_services.job_create(
            by=importer, upload=csv_upload(household_rows(2)), source_type="households"
        )
        ImportJob.objects.filter(pk=job.pk).update(source_type="retired", state="checking")

        result = job_services.job_execute(job_id=job.pk)

        assert (result.state, result.failure) == (
            "failed",
            "There is no import source named 'retired'.",
        )

    def test_the_task_never_fails_even_for_a_job_that_is_gone(self):
        result = tasks.run_import_job.enqueue(987_654)
        assert (result.status, result.return_value) == ("SUCCESSFUL", None)

    def test_executing_a_missing_job_says_so(self):
        with pytest.raises(NotFound):
            job_services.job_execute(job_id=987_654)

    def test_executing_a_finished_job_does_nothing(self, run_tasks, importer):
        job = imported(run_tasks, importer, csv_upload(household_rows(2)))

        again = job_services.job_execute(job_id=job.pk)

        assert (again.state, counts(again)) == ("done", counts(job))


class TestCancel:
    def test_a_running_import_asked_to_stop_stops_before_its_next_batch(self, run_tasks, importer):
        job = job_services.job_create(
            by=importer, upload=csv_upload(household_rows(3)), source_type="households"
        )
        run_tasks(job_services.job_dry_run, job=job, by=importer)
        job_services.job_run(job=job, by=importer)  # its task waits for the commit
        claimed = engine.claim(job.pk)  # as a worker starting on it
        assert claimed is not None and claimed.state == "running"
        job_services.job_cancel(job=job, by=importer)

        stopped = engine.run(claimed)

        assert (stopped.state, stopped.rows_seen) == ("cancelled", 0)
        assert stopped.finished_at is not None
        assert Household.objects.count() == 0

    def test_a_cancelled_dry_run_returns_the_job_to_its_mapping(self, importer):
        job = job_services.job_create(
            by=importer, upload=csv_upload(household_rows(3)), source_type="households"
        )
        job_services.job_dry_run(job=job, by=importer)  # its task waits for the commit
        job_services.job_cancel(job=job, by=importer)

        stopped = job_services.job_execute(job_id=job.pk)

        assert (stopped.state, stopped.cancel_requested_at, stopped.rows_seen) == (
            "uploaded",
            None,
            0,
        )


class TestRestart:
    def test_a_run_stopped_part_way_goes_on_after_its_checkpoint(
        self, run_tasks, importer, extra_source, settings
    ):
        calls = {"run": 0}

        class DiesOnce(HouseholdSource):
            key = "households_dies_once"

            def process(self, lines: Sequence[Line], ctx: Context) -> Outcome:
                if not ctx.dry_run:
                    calls["run"] += 1
                    if calls["run"] == 3:
                        super().process(lines, ctx)  # writes, then the worker dies
                        raise WorkerKilled
                return super().process(lines, ctx)

        extra_source(DiesOnce)
        settings.RAPPORT_IMPORT_BATCH_ROWS = 4
        rows = household_rows(14)
        rows[9][1] = ""
        job = job_services.job_create(
            by=importer, upload=csv_upload(rows), source_type="households_dies_once"
        )
        run_tasks(job_services.job_dry_run, job=job, by=importer)
        job = ImportJob.objects.get(pk=job.pk)
        job_services.job_run(job=job, by=importer)
        with pytest.raises(WorkerKilled):
            job_services.job_execute(job_id=job.pk)
        job.refresh_from_db()
        assert (job.state, job.checkpoint_line, job.rows_seen) == ("running", 9, 8)
        assert Household.objects.count() == 8  # the third batch rolled back with its worker

        finished = job_services.job_execute(job_id=job.pk)

        assert (finished.state, counts(finished)) == ("done", (14, 13, 0, 0, 1))
        assert Household.objects.count() == Household.history.count() == 13
        assert list(finished.row_errors.filter(phase="run").values_list("line", flat=True)) == [11]

    def test_a_worker_whose_job_was_taken_over_stops_without_writing(self, importer):
        job = job_services.job_create(
            by=importer, upload=csv_upload(household_rows(3)), source_type="households"
        )
        ImportJob.objects.filter(pk=job.pk).update(state="queued", phase="run")
        first = engine.claim(job.pk)
        second = engine.claim(job.pk)
        assert first is not None and second is not None
        assert first.heartbeat_at != second.heartbeat_at

        engine.run(first)

        job.refresh_from_db()
        assert (job.state, job.rows_seen, Household.objects.count()) == ("running", 0, 0)
        engine.run(second)
        job.refresh_from_db()
        assert (job.state, job.rows_added) == ("done", 3)
