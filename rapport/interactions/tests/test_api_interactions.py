"""/api/v1/interactions/ and /api/v1/call-record-imports/: who sees the ledger, filters, keyset
pages, query counts, and uploading call-detail records."""

import datetime

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from rapport.access.tests.factories import QueueFactory
from rapport.accounts.tests.factories import UserFactory
from rapport.customers.models import Customer
from rapport.customers.tests.factories import CustomerFactory
from rapport.interactions import call_records
from rapport.interactions.models import Attachment, CallRecordImport, Interaction
from rapport.interactions.tests.factories import InteractionFactory, MessageFactory

pytestmark = pytest.mark.django_db

LIST = reverse("api-interactions")
IMPORTS = reverse("api-call-record-imports")
READERS = ["agent", "supervisor", "qa_analyst", "admin"]
NON_READERS = ["trainer", "marketer", "executive"]
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def a_case():
    """A case row; by name, since the ledger never imports cases (decisions/0004)."""
    return apps.get_model("cases", "Case").objects.create(
        customer=CustomerFactory(),
        subject="Bill",
        channel="email",
        queue=QueueFactory(),
        opened_at=timezone.now(),
    )


def detail(interaction_id: int) -> str:
    return reverse("api-interaction", args=[interaction_id])


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


class TestWhoSees:
    @pytest.mark.parametrize("role", READERS)
    def test_conversation_readers_list_and_open_interactions(self, api_for, role):
        api, _ = api_for(role)
        interaction = InteractionFactory()

        listed = api.get(LIST)
        opened = api.get(detail(interaction.pk))

        assert listed.status_code == 200
        assert ids(listed) == [interaction.pk]
        assert opened.status_code == 200
        assert opened.json()["id"] == interaction.pk

    @pytest.mark.parametrize("role", NON_READERS)
    def test_others_get_an_empty_list_and_a_404(self, api_for, role):
        api, _ = api_for(role)
        interaction = InteractionFactory()

        listed = api.get(LIST)
        opened = api.get(detail(interaction.pk))

        assert (listed.status_code, listed.json()["results"]) == (200, [])
        assert opened.status_code == 404
        assert opened.json()["code"] == "not_found"

    def test_anonymous_visitors_get_a_401(self):
        interaction = InteractionFactory()

        assert APIClient().get(LIST).status_code == 401
        assert APIClient().get(detail(interaction.pk)).status_code == 401

    def test_an_erased_customers_contacts_are_hidden(self, api_for):
        api, _ = api_for("agent")
        erased = InteractionFactory()
        Customer.objects.filter(pk=erased.customer_id).update(erased_at=timezone.now())
        anonymous_caller = InteractionFactory(customer=None)

        assert ids(api.get(LIST)) == [anonymous_caller.pk]
        assert api.get(detail(erased.pk)).status_code == 404

    def test_an_unknown_id_is_a_404(self, api_for):
        api, _ = api_for("admin")

        assert api.get(detail(2**62)).status_code == 404


class TestDetail:
    def test_messages_carry_their_side_notes_and_attachment_details(self, api_for):
        api, agent = api_for("agent")
        interaction = InteractionFactory(channel="email", subject="Bill")
        said = MessageFactory(interaction=interaction, side="customer", sent_at=T0)
        note = MessageFactory(
            interaction=interaction,
            side="agent",
            author=agent,
            is_note=True,
            sent_at=T0 + datetime.timedelta(minutes=1),
        )
        attachment = Attachment(
            message=said, filename="bill.pdf", content_type="application/pdf", size=3
        )
        attachment.file.save("bill.pdf", ContentFile(b"pdf"), save=True)

        body = api.get(detail(interaction.pk)).json()

        assert body["subject"] == "Bill"
        assert [(m["id"], m["side"], m["is_note"]) for m in body["messages"]] == [
            (said.pk, "customer", False),
            (note.pk, "agent", True),
        ]
        assert body["messages"][0]["attachments"] == [
            {
                "id": attachment.pk,
                "filename": "bill.pdf",
                "content_type": "application/pdf",
                "size": 3,
            }
        ]
        assert body["messages"][1]["author"] == agent.pk

    def test_detail_reads_a_fixed_number_of_queries(self, api_for, django_assert_max_num_queries):
        api, _ = api_for("agent")
        interaction = InteractionFactory()
        for _ in range(5):
            message = MessageFactory(interaction=interaction)
            Attachment.objects.create(
                message=message, filename="a.txt", content_type="text/plain", size=1, file="a.txt"
            )

        with django_assert_max_num_queries(4):  # roles, interaction, messages, attachments
            response = api.get(detail(interaction.pk))

        assert len(response.json()["messages"]) == 5


class TestList:
    def test_newest_first_with_the_list_fields(self, api_for):
        api, _ = api_for("agent")
        old = InteractionFactory(started_at=T0)
        new = InteractionFactory(started_at=T0 + datetime.timedelta(hours=1))

        body = api.get(LIST).json()

        assert ids_of(body) == [new.pk, old.pk]
        row = body["results"][0]
        assert row["customer_name"] == new.customer.display_name
        assert {
            "channel",
            "direction",
            "wait_seconds",
            "handle_seconds",
            "hold_seconds",
            "case",
        } <= set(row)
        assert "messages" not in row
        assert "count" not in body  # the ledger is never counted

    def test_following_next_reaches_every_row_once(self, api_for):
        api, _ = api_for("agent")
        same_time = [InteractionFactory(started_at=T0) for _ in range(4)]
        others = [
            InteractionFactory(started_at=T0 + datetime.timedelta(minutes=n)) for n in range(1, 4)
        ]

        seen, url = [], f"{LIST}?page_size=2"
        while url:
            body = api.get(url).json()
            seen += ids_of(body)
            url = body["next"]

        assert sorted(seen) == sorted(i.pk for i in same_time + others)
        assert len(seen) == 7

    @pytest.mark.parametrize("cursor", ["not-a-cursor", "cD1hYmM=", "cD0yMDI2LTEzLTQ1"])
    def test_a_bad_or_edited_cursor_is_a_404_not_a_500(self, api_for, cursor):
        """The last two are base64 of "p=abc" and "p=2026-13-45": positions that are no time."""
        api, _ = api_for("agent")
        InteractionFactory()

        assert api.get(LIST, {"cursor": cursor}).status_code == 404

    def test_filters(self, api_for):
        api, agent = api_for("agent")
        customer = CustomerFactory()
        case = a_case()
        mine = InteractionFactory(
            customer=customer,
            agent=agent,
            channel="chat",
            direction="outbound",
            case=case,
            started_at=T0,
        )
        InteractionFactory(started_at=T0 - datetime.timedelta(days=1))

        for query in [
            {"customer": customer.pk},
            {"agent": agent.pk},
            {"case": case.pk},
            {"channel": "chat"},
            {"direction": "outbound"},
            {"started_after": "2026-03-02T00:00:00Z"},
            {"started_before": "2026-03-02T09:00:01Z", "started_after": "2026-03-02T09:00:00Z"},
        ]:
            assert ids(api.get(LIST, query)) == [mine.pk], query

    @pytest.mark.parametrize(
        "query",
        [{"customer": "ada"}, {"channel": "fax"}, {"started_after": "soon"}, {"case": "-1"}],
    )
    def test_a_bad_filter_is_a_400_naming_it(self, api_for, query):
        api, _ = api_for("agent")

        response = api.get(LIST, query)

        assert response.status_code == 400
        assert set(query) <= set(response.json()["fields"])

    def test_a_page_reads_a_fixed_number_of_queries(self, api_for, django_assert_max_num_queries):
        api, _ = api_for("supervisor")
        agent = UserFactory(roles=["agent"])
        case = a_case()
        for _ in range(30):
            InteractionFactory(agent=agent, case=case, queue=case.queue)

        with django_assert_max_num_queries(2):  # roles, the page (one join, no count)
            response = api.get(LIST, {"page_size": 30})

        assert len(response.json()["results"]) == 30


def ids_of(body: dict) -> list[int]:
    return [row["id"] for row in body["results"]]


def cdr_file(*rows: str) -> bytes:
    return ("\n".join([",".join(call_records.HEADER), *rows]) + "\n").encode()


GOOD_ROW = "call-9,inbound,+12125550100,+18005550100,,,2026-03-02T09:00:00Z,2026-03-02T09:00:30Z,2026-03-02T09:05:30Z,20,45,0,resolved"
BAD_ROW = "call-10,inbound,+12125550100,+18005550100,,,yesterday,,2026-03-02T09:05:30Z,0,0,0,"


class TestCallRecordImports:
    @pytest.mark.parametrize("role", ["supervisor", "admin"])
    def test_a_multipart_upload_is_imported_with_each_bad_row_and_its_line(
        self, api_for, role, django_capture_on_commit_callbacks
    ):
        api, user = api_for(role)
        upload = SimpleUploadedFile(
            "march.csv", cdr_file(GOOD_ROW, BAD_ROW), content_type="text/csv"
        )

        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(IMPORTS, {"file": upload}, format="multipart")

        assert response.status_code == 201
        record = CallRecordImport.objects.get()
        assert response["Location"] == reverse("api-call-record-import", args=[record.pk])
        body = api.get(response["Location"]).json()
        assert (body["filename"], body["status"], body["uploaded_by"]) == (
            "march.csv",
            "done",
            user.pk,
        )
        assert (body["rows_total"], body["rows_added"], body["rows_failed"]) == (2, 1, 1)
        [error] = body["errors"]
        assert error["line"] == 3
        assert "started_at" in error["reason"]
        assert Interaction.objects.get().external_id == "call-9"

    def test_a_csv_body_is_imported_under_its_disposition_name(
        self, api_for, django_capture_on_commit_callbacks
    ):
        api, _ = api_for("supervisor")

        with django_capture_on_commit_callbacks(execute=True):
            response = api.generic(
                "POST",
                IMPORTS,
                cdr_file(GOOD_ROW),
                content_type="text/csv",
                headers={"Content-Disposition": 'attachment; filename="../../april.csv"'},
            )

        assert response.status_code == 201
        assert response.json()["filename"] == "april.csv"
        assert CallRecordImport.objects.get().rows_added == 1

    @pytest.mark.parametrize("role", ["agent", "qa_analyst", "trainer", "marketer", "executive"])
    def test_only_supervisors_and_admins_may_upload(self, api_for, role):
        api, _ = api_for(role)
        upload = SimpleUploadedFile("march.csv", cdr_file(GOOD_ROW))

        response = api.post(IMPORTS, {"file": upload}, format="multipart")

        assert response.status_code == 403
        assert not CallRecordImport.objects.exists()

    @pytest.mark.parametrize("role", ["agent", "qa_analyst", "trainer", "marketer", "executive"])
    def test_others_cannot_see_an_import(self, api_for, role):
        api, _ = api_for(role)
        record = call_records.call_record_import_create(
            by=None, filename="x.csv", content=cdr_file()
        )

        assert api.get(reverse("api-call-record-import", args=[record.pk])).status_code == 404

    def test_a_missing_or_empty_file_is_a_400(self, api_for):
        api, _ = api_for("supervisor")

        missing = api.post(IMPORTS, {"note": "x"}, format="multipart")
        empty = api.post(IMPORTS, {"file": SimpleUploadedFile("e.csv", b"")}, format="multipart")

        assert (missing.status_code, empty.status_code) == (400, 400)
        assert "file" in missing.json()["fields"]
        assert not CallRecordImport.objects.exists()

    def test_json_is_a_415(self, api_for):
        api, _ = api_for("supervisor")

        assert api.post(IMPORTS, {"file": "x"}, format="json").status_code == 415

    def test_anonymous_visitors_get_a_401(self):
        assert APIClient().post(IMPORTS, {}, format="multipart").status_code == 401
