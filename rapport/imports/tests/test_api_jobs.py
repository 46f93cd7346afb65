"""Import API: upload (which starts the dry run), read a job and its refused rows, run, cancel;
bad input is 400 naming the field, and the whole area is for admins."""

import json

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from rapport.accounts import services as account_services
from rapport.core.models import AuditEvent
from rapport.customers.models import Customer
from rapport.imports.choices import JobState, Phase
from rapport.imports.models import ImportJob, ImportRowError
from rapport.imports.tests.factories import ImportJobFactory, csv_bytes
from rapport.imports.tests.test_views_jobs import CUSTOMER_HEADER, CUSTOMER_ROWS, NON_IMPORTERS

URL = "/api/v1/imports"


def customers_file(name: str = "customers.csv", rows=CUSTOMER_ROWS) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_bytes(rows, header=CUSTOMER_HEADER), "text/csv")


def stored_files(folder: str = "imports") -> list[str]:
    if not default_storage.exists(folder):
        return []
    folders, files = default_storage.listdir(folder)
    return files + [name for inner in folders for name in stored_files(f"{folder}/{inner}")]


@pytest.fixture
def admin(api_for):
    return api_for("admin")


@pytest.fixture
def upload(admin, django_capture_on_commit_callbacks):
    """upload(**fields) -> the response to POST imports, with the dry run it starts done."""
    client, _ = admin

    def post(**fields):
        data = {"file": customers_file(), "source_type": "customers", **fields}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(URL, data, format="multipart")

    return post


# --- Create ---------------------------------------------------------------------------------------


def test_upload_maps_the_columns_and_runs_the_dry_run(upload, admin):
    client, user = admin
    mapping = {
        "external_id": "id",
        "first_name": "First name",
        "last_name": "Last name",
        "email": "E-mail",
        "phone": "Work phone",
        "date_of_birth": "Date of birth",
    }
    answer = upload(mapping=json.dumps(mapping))
    assert answer.status_code == 201, answer.json()
    job = ImportJob.objects.get(pk=answer.json()["id"])
    assert answer["Location"] == f"{URL}/{job.pk}"
    assert answer.json()["state"] == "checking"  # the worker takes it from here
    body = client.get(answer["Location"]).json()
    assert (job.created_by, body["state"]) == (user, "checked")
    assert body["mapping"]["phone"] == "Work phone"
    assert body["dry_run"]["rows"] == 4 and body["dry_run"]["failed"] == 2
    assert body["errors_count"] == 2
    assert [e["line"] for e in body["first_errors"]] == [3, 5]
    assert "email is not a valid e-mail address" in body["first_errors"][0]["reason"]
    assert body["progress"]["percent"] == 100
    assert body["links"]["run"].endswith(f"{URL}/{job.pk}/run")
    assert not Customer.objects.exists()  # nothing is written before the run


def test_without_a_mapping_the_columns_are_suggested(upload):
    answer = upload()
    assert answer.status_code == 201
    assert answer.json()["mapping"]["email"] == "E-mail"


def test_a_token_holding_admin_may_upload(make_user, django_capture_on_commit_callbacks):
    issued = account_services.api_token_issue(user=make_user("admin"), name="nightly")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")
    data = {"file": customers_file(), "source_type": "customers"}
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(URL, data, format="multipart")
    assert answer.status_code == 201
    assert client.get(answer["Location"]).json()["state"] == "checked"


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"source_type": "pets"}, "source_type", "No source 'pets'"),
        ({"mapping": "{not json"}, "mapping", "Not valid JSON"),
        ({"mapping": "[1, 2]"}, "mapping", "Give a JSON object"),
        ({"mapping": json.dumps({"shoe_size": "id"})}, "mapping", "has no field 'shoe_size'"),
        ({"mapping": json.dumps({"email": 3})}, "mapping", "give the column header as text"),
        (
            {"mapping": json.dumps({"external_id": "No such column"})},
            "mapping.external_id",
            "The file has no column 'No such column'",
        ),
        ({"mapping": json.dumps({"email": "E-mail"})}, "mapping.external_id", "is required"),
        ({"options": json.dumps({"queue": "x"})}, "options", "Unknown option queue"),
        (
            {"source_type": "contact_points", "options": json.dumps({"queue": "x"})},
            "options",
            "contact_points takes no options",
        ),
        ({"options": json.dumps({"system": "old crm!"})}, "options.system", "letters, numbers"),
        ({"options": "7"}, "options", "Give a JSON object"),
        ({"default_region": "XX"}, "default_region", "not a two-letter country code"),
        ({"date_format": "julian"}, "date_format", "is not a valid choice"),
        ({"encoding": "ebcdic"}, "encoding", "is not a valid choice"),
        ({"delimiter": "#"}, "delimiter", "is not a valid choice"),
    ],
)
def test_bad_input_is_400_naming_the_field(upload, fields, field, words):
    answer = upload(**fields)
    body = answer.json()
    assert answer.status_code == 400, body
    assert field in body["fields"], body
    assert words in " ".join(body["fields"][field]), body
    assert not ImportJob.objects.exists()


def test_a_bad_file_is_400_and_nothing_is_kept(upload):
    answer = upload(file=SimpleUploadedFile("notes.pdf", b"%PDF"))
    assert answer.status_code == 400 and "file" in answer.json()["fields"]
    answer = upload(file=SimpleUploadedFile("data.csv", b"\x00\x01" * 100))
    assert answer.status_code == 400 and "binary data" in " ".join(answer.json()["fields"]["file"])
    assert not ImportJob.objects.exists()


def test_a_suggestion_missing_a_required_column_is_400_and_keeps_no_file(upload):
    no_ids = SimpleUploadedFile("people.csv", b"First name,Last name\nAda,Okafor\n")
    answer = upload(file=no_ids)
    assert answer.status_code == 400
    assert "is required" in " ".join(answer.json()["fields"]["mapping.external_id"])
    assert not ImportJob.objects.exists()
    assert not [name for name in stored_files() if name.startswith("people")]


def test_a_request_without_a_file_is_400(admin):
    client, _ = admin
    answer = client.post(URL, {"source_type": "customers"}, format="multipart")
    assert answer.status_code == 400 and "file" in answer.json()["fields"]
    answer = client.post(URL, {"source_type": "customers"}, format="json")
    assert answer.status_code == 415


def test_options_are_checked_by_the_sources_form(upload):
    zendesk = SimpleUploadedFile("tickets.csv", b"Id,Subject\n1,Hello\n")
    answer = upload(
        file=zendesk,
        source_type="zendesk_tickets",
        options=json.dumps({"group_queues": "no equals sign here"}),
    )
    assert answer.status_code == 400
    assert "write group id = queue code" in " ".join(
        answer.json()["fields"]["options.group_queues"]
    )
    answer = upload(
        file=SimpleUploadedFile("tickets.csv", b"Id,Subject\n1,Hello\n"),
        source_type="zendesk_tickets",
        options=json.dumps({"colour": "red"}),
    )
    assert (
        answer.status_code == 400
        and "Unknown option colour" in answer.json()["fields"]["options"][0]
    )


# --- Read -----------------------------------------------------------------------------------------


def test_list_is_paginated_and_filtered(admin, django_assert_max_num_queries):
    client, _ = admin
    ImportJobFactory(filename="march.csv", state=JobState.DONE)
    ImportJobFactory.create_batch(4)
    with django_assert_max_num_queries(6):
        body = client.get(URL).json()
    assert body["count"] == 5 and len(body["results"]) == 5
    assert {"counts", "links", "state"} <= set(body["results"][0])
    only = client.get(URL, {"q": "march"}).json()["results"]
    assert [job["filename"] for job in only] == ["march.csv"]
    assert client.get(URL, {"state": "done"}).json()["count"] == 1
    assert client.get(URL, {"state": "sideways"}).status_code == 400


def test_a_job_shows_its_progress_while_it_runs(admin):
    client, _ = admin
    job = ImportJobFactory(
        state=JobState.RUNNING, phase=Phase.RUN, bytes_total=200, bytes_done=50, rows_seen=30
    )
    body = client.get(f"{URL}/{job.pk}").json()
    assert body["state"] == "running" and body["progress"]["percent"] == 25
    assert body["counts"]["seen"] == 30 and body["dry_run"] is None


def test_errors_are_paginated_and_follow_the_phase(admin):
    client, _ = admin
    job = ImportJobFactory(state=JobState.DONE, phase=Phase.RUN)
    ImportRowError.objects.create(job=job, phase=Phase.DRY_RUN, line=4, reason="dry")
    ImportRowError.objects.bulk_create(
        ImportRowError(job=job, phase=Phase.RUN, line=n, reason=f"bad {n}") for n in range(2, 32)
    )
    body = client.get(f"{URL}/{job.pk}/errors").json()
    assert body["count"] == 30 and len(body["results"]) == 25
    assert body["results"][0] == {"line": 2, "reason": "bad 2", "phase": "run"}
    dry = client.get(f"{URL}/{job.pk}/errors", {"phase": "dry_run"}).json()
    assert [e["reason"] for e in dry["results"]] == ["dry"]
    assert client.get(f"{URL}/{job.pk}/errors", {"phase": "later"}).status_code == 400


def test_sources_describe_their_fields_and_options(admin):
    client, _ = admin
    sources = {s["key"]: s for s in client.get(f"{URL}/sources").json()}
    customers = sources["customers"]
    assert customers["fields"][0] == {
        "name": "external_id",
        "label": "Customer id in the other system",
        "required": True,
        "help": "Finds the customer again on the next import.",
    }
    assert [option["name"] for option in customers["options"]] == ["system"]
    assert "group_queues" in {o["name"] for o in sources["zendesk_tickets"]["options"]}


def test_an_unknown_job_is_404(admin):
    client, _ = admin
    for url in (f"{URL}/999999", f"{URL}/999999/errors", f"{URL}/{2**64}"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{URL}/999999/run").status_code == 404


# --- Map again ----------------------------------------------------------------------------------

GOOD_MAPPING = {"external_id": "id", "first_name": "First name", "last_name": "Last name"}


def test_a_new_mapping_checks_the_file_again(upload, admin, django_capture_on_commit_callbacks):
    client, user = admin
    mapping = {**GOOD_MAPPING, "email": "E-mail", "date_of_birth": "Date of birth"}
    job_id = upload(mapping=json.dumps(mapping)).json()["id"]
    assert client.get(f"{URL}/{job_id}").json()["dry_run"]["failed"] == 2

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            f"{URL}/{job_id}/mapping",
            {"mapping": GOOD_MAPPING, "date_format": "dmy"},
            format="json",
        )

    assert answer.status_code == 200, answer.json()
    assert answer.json()["links"]["mapping"].endswith(f"{URL}/{job_id}/mapping")
    body = client.get(f"{URL}/{job_id}").json()
    assert (body["state"], body["mapping"], body["date_format"]) == (
        "checked",
        GOOD_MAPPING,
        "dmy",
    )
    assert (body["dry_run"]["rows"], body["dry_run"]["failed"], body["errors_count"]) == (4, 0, 0)
    assert AuditEvent.objects.filter(action="imports.job_dry_run", actor=user).count() == 2


@pytest.mark.parametrize(
    ("mapping", "field", "words"),
    [
        ({**GOOD_MAPPING, "shoe_size": "id"}, "mapping", "has no field 'shoe_size'"),
        ({**GOOD_MAPPING, "email": "Email address"}, "mapping.email", "Email address"),
        ({"first_name": "First name"}, "mapping.external_id", "is required"),
    ],
)
def test_a_bad_mapping_is_400_naming_the_field_and_leaves_the_job(
    upload, admin, mapping, field, words
):
    client, _ = admin
    job_id = upload(mapping=json.dumps(GOOD_MAPPING)).json()["id"]
    before = ImportJob.objects.values("state", "mapping").get(pk=job_id)

    answer = client.post(f"{URL}/{job_id}/mapping", {"mapping": mapping}, format="json")

    assert answer.status_code == 400
    assert words in " ".join(answer.json()["fields"][field])
    assert ImportJob.objects.values("state", "mapping").get(pk=job_id) == before


@pytest.mark.parametrize("state", [JobState.QUEUED, JobState.RUNNING, JobState.DONE])
def test_a_job_that_started_importing_cannot_be_mapped_again(admin, state):
    client, _ = admin
    job = ImportJobFactory(state=state, phase=Phase.RUN, headers=["Household ID", "Name"])

    answer = client.post(
        f"{URL}/{job.pk}/mapping",
        {"mapping": {"external_id": "Household ID", "name": "Name"}},
        format="json",
    )

    assert answer.status_code == 409
    job.refresh_from_db()
    assert job.state == state


# --- Run and cancel -------------------------------------------------------------------------------


def test_run_a_checked_job(upload, admin, django_capture_on_commit_callbacks):
    client, _ = admin
    job_id = upload().json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"{URL}/{job_id}/run")
    assert answer.status_code == 200
    assert answer.json()["state"] == "queued"  # as the request left it; the worker runs it
    body = client.get(f"{URL}/{job_id}").json()
    assert body["state"] == "done" and body["counts"]["added"] == 2
    assert set(Customer.objects.values_list("external_id", flat=True)) == {"C-1", "C-3"}
    assert AuditEvent.objects.filter(action="imports.job_run").exists()


def test_run_before_the_dry_run_is_409(admin):
    client, _ = admin
    job = ImportJobFactory()
    answer = client.post(f"{URL}/{job.pk}/run")
    assert answer.status_code == 409 and "dry run must pass first" in answer.json()["message"]


def test_cancel_a_queued_job_then_again_is_409(admin):
    client, _ = admin
    job = ImportJobFactory(state=JobState.QUEUED, phase=Phase.RUN)
    answer = client.post(f"{URL}/{job.pk}/cancel")
    assert answer.status_code == 200 and answer.json()["state"] == "cancelled"
    assert client.post(f"{URL}/{job.pk}/cancel").status_code == 409


# --- Who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", NON_IMPORTERS)
def test_the_import_api_is_for_admins_only(api_for, role):
    client, _ = api_for(role)
    job = ImportJobFactory(state=JobState.CHECKED)
    for url in (URL, f"{URL}/sources", f"{URL}/{job.pk}", f"{URL}/{job.pk}/errors"):
        answer = client.get(url)
        assert answer.status_code == 403, url
        assert answer.json()["code"] == "forbidden"
    data = {"file": customers_file(), "source_type": "customers"}
    assert client.post(URL, data, format="multipart").status_code == 403
    for action in ("run", "cancel"):
        assert client.post(f"{URL}/{job.pk}/{action}").status_code == 403
    job.refresh_from_db()
    assert job.state == JobState.CHECKED and ImportJob.objects.count() == 1


def test_anonymous_is_401():
    assert APIClient().get(URL).status_code == 401
