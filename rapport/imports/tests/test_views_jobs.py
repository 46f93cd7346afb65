"""Import pages: the list, the upload form, and a job's page in each of its states — the mapping
step, the live progress, the dry run's findings and the final counts — with the error report."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from rapport.core.models import AuditEvent
from rapport.customers.models import Customer
from rapport.imports import forms as import_forms
from rapport.imports.choices import JobState, Phase
from rapport.imports.models import ImportJob, ImportRowError, SavedMapping
from rapport.imports.tests.factories import ImportJobFactory, SavedMappingFactory, csv_bytes

CUSTOMER_HEADER = ["id", "First name", "Last name", "E-mail", "Work phone", "Date of birth"]
CUSTOMER_ROWS = [
    ["C-1", "Ada", "Okafor", "ada@example.com", "+12025550101", "1990-04-03"],
    ["C-2", "Ben", "Brown", "not-an-email", "+12025550102", "1985-01-20"],
    ["C-3", "Cleo", "Diaz", "cleo@example.com", "+12025550103", "1979-11-30"],
    ["C-4", "Dev", "Evans", "dev@example.com", "+12025550104", "31/02/1990"],
]
NON_IMPORTERS = ["agent", "supervisor", "trainer", "qa_analyst", "marketer", "executive"]


def customers_csv(rows=CUSTOMER_ROWS, name: str = "customers.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_bytes(rows, header=CUSTOMER_HEADER), "text/csv")


def upload_form(**overrides) -> dict:
    data = {
        "file": customers_csv(),
        "source_type": "customers",
        "encoding": "auto",
        "delimiter": "",
        "date_format": "iso",
        "default_region": "US",
    }
    return {**data, **overrides}


def mapping_form(job: ImportJob, **overrides) -> dict:
    data = {f"map_{field}": column for field, column in job.mapping.items()}
    data.update(date_format="iso", default_region="US", save_as="", then="dry_run")
    return {**data, **overrides}


@pytest.fixture
def admin(client_for):
    return client_for("admin")


def uploaded(client, **overrides) -> ImportJob:
    answer = client.post(reverse("imports:new"), upload_form(**overrides))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    return ImportJob.objects.latest("id")


def dry_run(client, job: ImportJob, capture, **overrides) -> ImportJob:
    with capture(execute=True):
        answer = client.post(
            reverse("imports:mapping", args=[job.pk]), mapping_form(job, **overrides)
        )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    job.refresh_from_db()
    return job


def run(client, job: ImportJob, capture) -> ImportJob:
    with capture(execute=True):
        answer = client.post(reverse("imports:run", args=[job.pk]))
    assert answer.status_code == 302
    job.refresh_from_db()
    return job


# --- Who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", NON_IMPORTERS)
def test_import_pages_are_for_admins_only(client_for, role):
    client, _ = client_for(role)
    job = ImportJobFactory()
    for name, args in [
        ("jobs", []),
        ("new", []),
        ("mappings", []),
        ("detail", [job.pk]),
        ("progress", [job.pk]),
        ("errors", [job.pk]),
        ("mapping_change", [job.pk]),
    ]:
        assert client.get(reverse(f"imports:{name}", args=args)).status_code == 403, name
    for name in ("mapping", "dry_run", "run", "cancel"):
        assert client.post(reverse(f"imports:{name}", args=[job.pk])).status_code == 403, name
    job.refresh_from_db()
    assert job.state == JobState.UPLOADED


def test_visitors_are_sent_to_log_in(client):
    answer = client.get(reverse("imports:jobs"))
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_every_admin_sees_every_job(admin, make_user):
    client, _ = admin
    job = ImportJobFactory(created_by=make_user("admin"), filename="theirs.csv")
    assert "theirs.csv" in client.get(reverse("imports:jobs")).content.decode()
    assert client.get(reverse("imports:detail", args=[job.pk])).status_code == 200


def test_an_unknown_job_is_not_found(admin):
    client, _ = admin
    assert client.get(reverse("imports:detail", args=[999_999])).status_code == 404


@pytest.mark.parametrize("name", ["mapping", "dry_run", "run", "cancel"])
def test_actions_answer_only_to_post(admin, name):
    client, _ = admin
    job = ImportJobFactory()
    assert client.get(reverse(f"imports:{name}", args=[job.pk])).status_code == 405


# --- List -----------------------------------------------------------------------------------------


def test_empty_list_offers_a_new_import_and_describes_the_sources(admin):
    client, _ = admin
    page = client.get(reverse("imports:jobs")).content.decode()
    assert "No imports yet" in page
    assert reverse("imports:new") in page
    assert "One row per household" in page  # the households source's description


def test_list_searches_by_file_name_and_filters(admin, django_assert_max_num_queries):
    client, _ = admin
    ImportJobFactory(filename="march-households.csv")
    ImportJobFactory(filename="april-households.csv", state=JobState.DONE)
    ImportJobFactory(filename="qa.csv", source_type="qa_scores", state=JobState.DONE)
    for _ in range(5):
        ImportJobFactory()
    with django_assert_max_num_queries(8):
        page = client.get(reverse("imports:jobs"), {"q": "march"}).content.decode()
    assert "march-households.csv" in page and "april-households.csv" not in page
    page = client.get(reverse("imports:jobs"), {"state": "done"}).content.decode()
    assert "april-households.csv" in page and "march-households.csv" not in page
    page = client.get(reverse("imports:jobs"), {"source": "qa_scores"}).content.decode()
    assert "qa.csv" in page and "april-households.csv" not in page
    page = client.get(reverse("imports:jobs"), {"q": "nothing-like-it"}).content.decode()
    assert "No import matches" in page
    partial = client.get(reverse("imports:jobs"), {"q": "april"}, headers={"HX-Request": "true"})
    assert "april-households.csv" in partial.content.decode()
    assert "<html" not in partial.content.decode()
    assert client.get(reverse("imports:jobs"), {"state": "exploded"}).status_code == 400


def test_list_is_paginated(admin):
    client, _ = admin
    ImportJobFactory.create_batch(27)
    first = client.get(reverse("imports:jobs")).content.decode()
    second = client.get(reverse("imports:jobs"), {"page": 2}).content.decode()
    assert first.count("data-job=") == 25 and second.count("data-job=") == 2


# --- Upload ---------------------------------------------------------------------------------------


def test_upload_form_lists_every_source_with_its_description(admin):
    client, _ = admin
    page = client.get(reverse("imports:new")).content.decode()
    assert 'value="customers"' in page and 'value="zendesk_tickets"' in page
    assert 'data-source-help="households"' in page
    assert 'value="iso" selected' in page  # dates: ISO unless told otherwise


def test_an_upload_goes_to_its_mapping_step(admin):
    client, user = admin
    answer = client.post(reverse("imports:new"), upload_form())
    job = ImportJob.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "imports:detail", args=[job.pk]
    )
    assert (job.created_by, job.state, job.source_type) == (user, JobState.UPLOADED, "customers")
    assert job.headers == CUSTOMER_HEADER
    assert job.mapping["external_id"] == "id" and job.mapping["email"] == "E-mail"


def test_a_refused_upload_says_why_and_keeps_the_other_choices(admin):
    client, _ = admin
    answer = client.post(
        reverse("imports:new"),
        upload_form(
            file=SimpleUploadedFile("customers.pdf", b"%PDF-1.7"),
            date_format="dmy",
            default_region="GB",
        ),
    )
    page = answer.content.decode()
    assert answer.status_code == 400 and not ImportJob.objects.exists()
    assert "Rapport reads CSV (.csv, .tsv, .txt), Excel (.xlsx) and JSON lines" in page
    assert 'value="dmy" selected' in page and 'value="GB"' in page
    assert 'value="customers" selected' in page


def test_upload_needs_a_file_a_source_and_a_known_region(admin):
    client, _ = admin
    answer = client.post(
        reverse("imports:new"), {"source_type": "", "date_format": "iso", "default_region": "XX"}
    )
    page = answer.content.decode()
    assert answer.status_code == 400
    assert page.count("This field is required.") == 2  # file and source
    assert "&#x27;XX&#x27; is not a two-letter country code" in page


def test_an_oversized_file_names_the_limit(admin, monkeypatch):
    client, _ = admin
    monkeypatch.setattr(import_forms, "MAX_UPLOAD_BYTES", 100)
    answer = client.post(reverse("imports:new"), upload_form())
    assert answer.status_code == 400
    assert "split it into files of at most 100" in answer.content.decode()


def test_an_unreadable_file_is_refused_on_the_file_field(admin):
    client, _ = admin
    binary = SimpleUploadedFile("customers.csv", b"\x00\x01\x02" * 50)
    answer = client.post(reverse("imports:new"), upload_form(file=binary))
    assert answer.status_code == 400 and not ImportJob.objects.exists()
    assert "binary data" in answer.content.decode()


# --- Mapping step (UPLOADED) ----------------------------------------------------------------------


def test_mapping_step_preselects_suggested_columns_and_previews_the_file(admin):
    client, _ = admin
    job = uploaded(client)
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert '<option value="id" selected>id</option>' in page
    assert '<option value="E-mail" selected>E-mail</option>' in page
    assert "— not imported —" in page
    assert 'data-field="external_id"' in page and "(required)" in page
    assert "not-an-email" in page and "Okafor" in page  # the preview of the first rows


def test_a_saved_mapping_is_offered_and_applied(admin):
    client, _ = admin
    job = uploaded(client)
    saved = SavedMappingFactory(
        source_type="customers",
        name="Old CRM",
        mapping={"external_id": "id", "phone": "Work phone", "mobile": "No such column"},
    )
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "Old CRM" in page
    applied = client.get(reverse("imports:detail", args=[job.pk]), {"saved": saved.pk})
    page = applied.content.decode()
    assert "“Old CRM” applied" in page
    assert '<option value="Work phone" selected>Work phone</option>' in page


def test_a_required_field_left_unmapped_is_refused_at_its_row(admin):
    client, _ = admin
    job = uploaded(client)
    answer = client.post(
        reverse("imports:mapping", args=[job.pk]), mapping_form(job, map_external_id="")
    )
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "Customer id in the other system is required: choose the column that holds it." in page
    job.refresh_from_db()
    assert job.state == JobState.UPLOADED
    assert '<option value="E-mail" selected>E-mail</option>' in page  # the other choices stay


def test_saving_a_mapping_keeps_it_under_its_name(admin):
    client, user = admin
    job = uploaded(client)
    answer = client.post(
        reverse("imports:mapping", args=[job.pk]),
        mapping_form(job, map_phone="Work phone", save_as="Billing export", then="save"),
    )
    assert answer.status_code == 302
    job.refresh_from_db()
    saved = SavedMapping.objects.get(name="Billing export")
    assert job.state == JobState.UPLOADED and job.mapping["phone"] == "Work phone"
    assert saved.mapping == job.mapping and saved.created_by == user


# --- Dry run and run ------------------------------------------------------------------------------


def test_dry_run_shows_every_bad_row_then_the_run_imports_the_good_ones(
    admin, django_capture_on_commit_callbacks
):
    client, _ = admin
    capture = django_capture_on_commit_callbacks
    job = dry_run(client, uploaded(client), capture, map_phone="Work phone")
    assert job.state == JobState.CHECKED and not Customer.objects.exists()

    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "Dry run of customers.csv" in page
    assert 'data-count="failed">2<' in page and 'data-count="added">2<' in page
    assert "Import 2 rows" in page and reverse("imports:mapping_change", args=[job.pk]) in page
    errors = list(job.row_errors.values_list("line", flat=True))
    assert errors == [3, 5]
    assert '<td class="text-end">3</td><td>email is not a valid e-mail address' in page

    job = run(client, job, capture)
    assert job.state == JobState.DONE
    assert set(Customer.objects.values_list("external_id", flat=True)) == {"C-1", "C-3"}
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "Import of customers.csv" in page and 'data-count="added">2<' in page
    assert "Download error report (CSV)" in page


def test_change_mapping_from_the_findings_returns_to_the_mapping_step(
    admin, django_capture_on_commit_callbacks
):
    client, _ = admin
    job = dry_run(client, uploaded(client), django_capture_on_commit_callbacks)
    page = client.get(reverse("imports:mapping_change", args=[job.pk])).content.decode()
    assert "Map the columns of customers.csv" in page
    answer = client.post(reverse("imports:mapping", args=[job.pk]), mapping_form(job, then="save"))
    job.refresh_from_db()
    assert answer.status_code == 302 and job.state == JobState.UPLOADED
    assert not job.row_errors.exists()


def test_a_started_import_cannot_change_its_mapping(admin):
    client, _ = admin
    job = ImportJobFactory(state=JobState.RUNNING, phase=Phase.RUN)
    answer = client.get(reverse("imports:mapping_change", args=[job.pk]), follow=True)
    assert "its mapping can no longer change" in answer.content.decode()


def test_run_before_a_dry_run_is_refused_with_a_message(admin):
    client, _ = admin
    job = ImportJobFactory()
    answer = client.post(reverse("imports:run", args=[job.pk]), follow=True)
    assert "You cannot run the import" in answer.content.decode()
    job.refresh_from_db()
    assert job.state == JobState.UPLOADED


# --- Progress (CHECKING, QUEUED, RUNNING) ---------------------------------------------------------


@pytest.mark.parametrize("state", [JobState.CHECKING, JobState.QUEUED, JobState.RUNNING])
def test_a_working_job_shows_a_live_progress_bar_and_cancel(admin, state):
    client, _ = admin
    job = ImportJobFactory(
        state=state,
        phase=Phase.DRY_RUN if state == JobState.CHECKING else Phase.RUN,
        bytes_total=1000,
        bytes_done=420,
        rows_seen=840,
        rows_added=800,
        rows_failed=40,
        started_at=timezone.now() - timezone.timedelta(seconds=10),
    )
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert f'hx-get="{reverse("imports:progress", args=[job.pk])}"' in page
    assert 'hx-trigger="every 1s"' in page
    assert "imports-pct-42" in page and "840 rows read" in page
    assert "rows a second" in page and "left" in page
    assert reverse("imports:cancel", args=[job.pk]) in page
    assert "imports/imports.css" in page


def test_progress_is_polled_until_the_job_stops_then_the_page_reloads(admin):
    client, _ = admin
    job = ImportJobFactory(state=JobState.RUNNING, phase=Phase.RUN, rows_seen=10)
    url = reverse("imports:progress", args=[job.pk])
    polled = client.get(url, headers={"HX-Request": "true"})
    assert polled.status_code == 200 and "10 rows read" in polled.content.decode()
    assert "HX-Refresh" not in polled
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.DONE)
    stopped = client.get(url, headers={"HX-Request": "true"})
    assert stopped["HX-Refresh"] == "true"


def test_a_cancel_requested_shows_that_it_is_stopping(admin):
    client, _ = admin
    job = ImportJobFactory(
        state=JobState.RUNNING, phase=Phase.RUN, cancel_requested_at=timezone.now()
    )
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "Cancelling" in page and reverse("imports:cancel", args=[job.pk]) not in page


def test_cancel_a_queued_import(admin):
    client, _ = admin
    job = ImportJobFactory(state=JobState.QUEUED, phase=Phase.RUN)
    answer = client.post(reverse("imports:cancel", args=[job.pk]), follow=True)
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED
    page = answer.content.decode()
    assert "Rows committed before it stopped stay imported" in page
    assert AuditEvent.objects.filter(action="imports.job_cancel").exists()


def test_cancel_a_running_import_asks_it_to_stop(admin):
    client, _ = admin
    job = ImportJobFactory(state=JobState.RUNNING, phase=Phase.RUN)
    client.post(reverse("imports:cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == JobState.RUNNING and job.cancel_requested_at is not None


# --- Finished (DONE, CANCELLED, FAILED) -----------------------------------------------------------


def test_a_failed_import_shows_why(admin):
    client, _ = admin
    job = ImportJobFactory(
        state=JobState.FAILED, phase=Phase.RUN, failure="The file ended in the middle of a row."
    )
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "The import failed: The file ended in the middle of a row." in page
    assert "Rows committed before the failure stay imported." in page


def test_a_failed_import_resumes_from_its_page_and_adds_each_row_once(
    admin, django_capture_on_commit_callbacks
):
    client, _ = admin
    job = dry_run(client, uploaded(client), django_capture_on_commit_callbacks)
    job = run(client, job, django_capture_on_commit_callbacks)
    # As if the run had failed after line 3: C-3 and line 5 not reached yet.
    Customer.objects.filter(external_id="C-3").delete()
    job.row_errors.filter(phase=Phase.RUN, line=5).delete()
    ImportJob.objects.filter(pk=job.pk).update(
        state=JobState.FAILED,
        failure="The database went away.",
        checkpoint_line=3,
        checkpoint_bytes=len(csv_bytes(CUSTOMER_ROWS[:2], header=CUSTOMER_HEADER)),
        rows_seen=2,
        rows_added=1,
        rows_failed=1,
    )

    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "Resume the import after line 3" in page

    job = run(client, job, django_capture_on_commit_callbacks)
    assert (job.state, job.failure) == (JobState.DONE, "")
    assert (job.rows_seen, job.rows_added, job.rows_failed) == (4, 2, 2)  # lines 4 and 5 read
    run_errors = job.row_errors.filter(phase=Phase.RUN).order_by("line")
    assert list(run_errors.values_list("line", flat=True)) == [3, 5]
    imported = Customer.objects.order_by("external_id").values_list("external_id", flat=True)
    assert list(imported) == ["C-1", "C-3"]
    assert AuditEvent.objects.filter(
        action="imports.job_run", target_id=str(job.pk), detail__from_line=3
    ).exists()


def test_a_failed_dry_run_may_change_its_mapping(admin):
    client, _ = admin
    job = ImportJobFactory(state=JobState.FAILED, phase=Phase.DRY_RUN, failure="Bad file.")
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "The dry run failed: Bad file." in page
    assert reverse("imports:mapping_change", args=[job.pk]) in page


def test_errors_of_a_finished_import_are_paginated(admin):
    client, _ = admin
    job = ImportJobFactory(state=JobState.DONE, phase=Phase.RUN, rows_seen=80, rows_failed=60)
    ImportRowError.objects.bulk_create(
        ImportRowError(job=job, phase=Phase.RUN, line=n + 2, reason=f"reason {n}")
        for n in range(60)
    )
    first = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    second = client.get(reverse("imports:detail", args=[job.pk]), {"page": 2}).content.decode()
    assert "reason 49<" in first and "reason 50<" not in first
    assert "reason 50<" in second and "reason 59<" in second


# --- Error report ---------------------------------------------------------------------------------


def report(answer) -> list[list[str]]:
    body = b"".join(answer.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_the_error_report_streams_the_dry_runs_rows_and_is_audited(
    admin, django_capture_on_commit_callbacks
):
    client, user = admin
    job = dry_run(client, uploaded(client), django_capture_on_commit_callbacks)
    answer = client.get(reverse("imports:errors", args=[job.pk]))
    rows = report(answer)
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in answer["Content-Disposition"]
    assert rows[0] == ["line", "reason", "raw"]
    assert [row[0] for row in rows[1:]] == ["3", "5"]
    assert "not-an-email" in rows[1][2]
    event = AuditEvent.objects.get(action="imports.error_report")
    assert (event.actor, event.target_id, event.detail["phase"]) == (user, str(job.pk), "dry_run")


def test_the_error_report_of_a_run_holds_the_runs_rows_and_no_formulas(admin):
    client, _ = admin
    job = ImportJobFactory(state=JobState.DONE, phase=Phase.RUN)
    ImportRowError.objects.create(job=job, phase=Phase.DRY_RUN, line=2, reason="dry")
    ImportRowError.objects.create(job=job, phase=Phase.RUN, line=7, reason="=HYPERLINK(1)")
    rows = report(client.get(reverse("imports:errors", args=[job.pk])))
    assert rows[1:] == [["7", "'=HYPERLINK(1)", ""]]
