"""Call-record import pages: upload, the list, the status page with its progress and rejected rows."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rapport.access.tests.factories import QueueFactory
from rapport.interactions import call_records, forms
from rapport.interactions.models import CallRecordImport, Interaction
from rapport.interactions.tests.test_call_records import cdr, csv_bytes

pytestmark = pytest.mark.django_db

IMPORTERS = ["supervisor", "admin"]
NOT_IMPORTERS = ["agent", "qa_analyst", "trainer", "marketer", "executive"]
LIST = reverse("interactions:call_record_imports")


def _text(response) -> str:
    return response.content.decode()


def upload(client, content: bytes, name: str = "march.csv", capture=None):
    data = {"file": SimpleUploadedFile(name, content, content_type="text/csv")}
    if capture is None:
        return client.post(LIST, data)
    with capture(execute=True):
        return client.post(LIST, data)


@pytest.fixture
def switch(make_user):
    QueueFactory(code="billing")
    make_user("agent", username="ana")


class TestUploadAndList:
    @pytest.mark.parametrize("role", IMPORTERS)
    def test_importers_see_the_form_and_an_empty_list(self, client_for, role):
        client, _ = client_for(role)

        response = client.get(LIST)

        text = _text(response)
        assert response.status_code == 200
        assert 'enctype="multipart/form-data"' in text and 'type="file"' in text
        assert "No imports yet" in text
        assert "not added as prospects" in text

    @pytest.mark.parametrize("role", NOT_IMPORTERS)
    def test_others_may_neither_see_nor_upload(self, client_for, role):
        client, _ = client_for(role)

        seen = client.get(LIST)
        sent = upload(client, csv_bytes(cdr()))

        assert (seen.status_code, sent.status_code) == (403, 403)
        assert not CallRecordImport.objects.exists()

    def test_an_upload_is_imported_and_leads_to_its_status_page(
        self, client_for, switch, django_capture_on_commit_callbacks
    ):
        client, supervisor = client_for("supervisor")
        content = csv_bytes(cdr(call_id="a"), cdr(call_id="b", agent="ghost"), cdr(call_id="c"))

        response = upload(client, content, capture=django_capture_on_commit_callbacks)

        record = CallRecordImport.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("interactions:call_record_import", args=[record.pk])
        assert (record.uploaded_by, record.filename, record.status) == (
            supervisor,
            "march.csv",
            "done",
        )
        assert (record.rows_added, record.rows_failed) == (2, 1)
        assert Interaction.objects.count() == 2

    def test_an_upload_without_a_file_is_refused_with_the_form_error(self, client_for):
        client, _ = client_for("supervisor")

        response = client.post(LIST, {})

        assert response.status_code == 400
        assert "This field is required" in _text(response)
        assert not CallRecordImport.objects.exists()

    def test_an_oversized_file_is_refused_before_it_is_stored(self, client_for, monkeypatch):
        client, _ = client_for("supervisor")
        monkeypatch.setattr(forms, "MAX_UPLOAD_BYTES", 100)

        response = upload(client, csv_bytes(cdr(), cdr(call_id="b")))

        assert response.status_code == 400
        assert "split it into files" in _text(response)
        assert not CallRecordImport.objects.exists()

    def test_the_list_shows_each_import_in_few_queries(
        self, client_for, make_user, django_assert_max_num_queries
    ):
        client, _ = client_for("admin")
        for n in range(30):
            call_records.call_record_import_create(
                by=make_user("supervisor"), filename=f"day-{n:02d}.csv", content=b"x"
            )
        client.get(LIST)

        with django_assert_max_num_queries(6):
            response = client.get(LIST)

        text = _text(response)
        assert text.count("<tr>") == 26  # header and 25 imports
        assert "day-29.csv" in text and "day-04.csv" not in text
        assert "day-04.csv" in _text(client.get(LIST, {"page": 2}))


class TestStatusPage:
    def test_a_finished_import_shows_counts_and_the_rejected_rows_with_lines(
        self, client_for, switch
    ):
        client, _ = client_for("supervisor")
        record = call_records.call_record_import_create(
            by=None,
            filename="march.csv",
            content=csv_bytes(
                cdr(call_id="a"), cdr(call_id="b", outcome="maybe"), cdr(call_id="a")
            ),
        )
        call_records.call_records_run(import_id=record.pk)

        response = client.get(reverse("interactions:call_record_import", args=[record.pk]))

        text = _text(response)
        assert response.status_code == 200
        assert "Done: 3 of 3 rows" in text and "100%" in text
        counts = text[text.index('data-testid="import-counts"') :]
        assert ">1</dd>" in counts  # added, duplicates and rejected are one each
        assert '<td class="text-end">3</td><td>unknown outcome &#x27;maybe&#x27;</td>' in text
        assert "hx-trigger" not in text  # nothing left to poll for
        assert "not added as prospects" in text

    def test_while_it_runs_the_progress_is_polled_with_htmx(self, client_for):
        client, _ = client_for("admin")
        record = CallRecordImport.objects.create(
            filename="big.csv", status="running", rows_total=200, rows_done=50
        )
        url = reverse("interactions:call_record_import", args=[record.pk])

        page = client.get(url)
        partial = client.get(url, HTTP_HX_REQUEST="true")

        assert 'hx-trigger="every 1s"' in _text(page) and f'hx-get="{url}"' in _text(page)
        assert 'aria-valuenow="25"' in _text(page)
        assert "Running: 50 of 200 rows" in _text(page)
        assert "<html" not in _text(partial).lower()
        assert 'id="import-status"' in _text(partial) and "hx-trigger" in _text(partial)

    def test_a_file_that_is_not_utf8_fails_with_its_reason_not_an_error_page(
        self, client_for, switch, django_capture_on_commit_callbacks
    ):
        client, _ = client_for("supervisor")
        content = csv_bytes(cdr(call_id="a"), cdr(call_id="Zoë")).replace(
            "Zoë".encode(), "Zoë".encode("cp1252")
        )

        response = upload(client, content, capture=django_capture_on_commit_callbacks)
        page = client.get(response["Location"])

        text = _text(page)
        assert page.status_code == 200
        assert "The import failed at line 3" in text and "not UTF-8" in text
        assert "bg-danger" in text
        assert "Rejected rows" not in text
        assert not Interaction.objects.exists()

    def test_a_wrong_header_fails_with_its_reason(
        self, client_for, switch, django_capture_on_commit_callbacks
    ):
        client, _ = client_for("supervisor")

        response = upload(
            client, b"id;start;end\n1;2;3\n", capture=django_capture_on_commit_callbacks
        )

        text = _text(client.get(response["Location"]))
        assert "The import failed at line 1" in text and "must be the header" in text

    def test_rejected_rows_are_paginated(self, client_for, switch, monkeypatch):
        client, _ = client_for("supervisor")
        rows = [cdr(call_id=f"c{n}", agent="ghost") for n in range(120)]
        record = call_records.call_record_import_create(
            by=None, filename="bad.csv", content=csv_bytes(*rows)
        )
        call_records.call_records_run(import_id=record.pk)
        url = reverse("interactions:call_record_import", args=[record.pk])

        first = _text(client.get(url))
        last = _text(client.get(url, {"page": 3}))

        assert first.count("unknown agent") == 50 and last.count("unknown agent") == 20
        assert '<td class="text-end">2</td>' in first and '<td class="text-end">121</td>' in last
        assert "page 3 of 3" in last

    def test_when_reasons_were_cut_the_page_says_so(self, client_for, switch, monkeypatch):
        client, _ = client_for("supervisor")
        monkeypatch.setattr(call_records, "ERRORS_KEPT", 2)
        record = call_records.call_record_import_create(
            by=None,
            filename="bad.csv",
            content=csv_bytes(*(cdr(call_id=f"c{n}", agent="ghost") for n in range(5))),
        )
        call_records.call_records_run(import_id=record.pk)

        text = _text(client.get(reverse("interactions:call_record_import", args=[record.pk])))

        assert "Only the first 2 reasons are kept; 5 rows were rejected in all." in text

    def test_a_queued_import_starts_at_nothing_done(self, client_for):
        client, _ = client_for("supervisor")
        record = CallRecordImport.objects.create(filename="new.csv")

        text = _text(client.get(reverse("interactions:call_record_import", args=[record.pk])))

        assert 'aria-valuenow="0"' in text and "Queued" in text
        assert "hx-trigger" in text

    @pytest.mark.parametrize("role", NOT_IMPORTERS)
    def test_others_cannot_see_an_import(self, client_for, role):
        client, _ = client_for(role)
        record = CallRecordImport.objects.create(filename="secret.csv")

        response = client.get(reverse("interactions:call_record_import", args=[record.pk]))

        assert response.status_code == 403
        assert "secret.csv" not in _text(response)

    def test_an_unknown_import_is_not_found(self, client_for):
        client, _ = client_for("admin")

        response = client.get(reverse("interactions:call_record_import", args=[424_242]))

        assert response.status_code == 404
