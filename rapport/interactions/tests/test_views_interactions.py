"""The interaction page, attachment downloads and the list of rejected messages: who sees what."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from rapport.access.tests.factories import ContactTypeFactory, QueueFactory
from rapport.cases.tests.factories import CaseFactory
from rapport.customers.tests.factories import CustomerFactory, ErasedCustomerFactory
from rapport.interactions import services
from rapport.interactions.models import Attachment, RejectedInbound
from rapport.interactions.sanitise import clean_html
from rapport.interactions.tests.factories import InteractionFactory, MessageFactory

pytestmark = pytest.mark.django_db

READERS = ["agent", "supervisor", "qa_analyst", "admin"]
NOT_READERS = ["trainer", "marketer", "executive"]
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def _text(response) -> str:
    return response.content.decode()


def attach(
    message, *, filename="bill.pdf", content=b"%PDF-1.4 bill", content_type="application/pdf"
):
    stored = Attachment(
        message=message, filename=filename, content_type=content_type, size=len(content)
    )
    stored.file.save(filename, ContentFile(content), save=False)
    stored.save()
    return stored


@pytest.fixture
def call(make_user):
    agent = make_user("agent", first_name="Ana", last_name="Lopez")
    customer = CustomerFactory(first_name="Zoë", last_name="Okafor")
    interaction = InteractionFactory(
        customer=customer,
        channel="email",
        direction="inbound",
        subject="Bill too high",
        started_at=T0,
        answered_at=T0 + datetime.timedelta(seconds=40),
        ended_at=T0 + datetime.timedelta(minutes=6),
        wait_seconds=40,
        handle_seconds=320,
        hold_seconds=15,
        wrap_seconds=50,
        transfers=2,
        queue=QueueFactory(name="Billing desk"),
        agent=agent,
        contact_type=ContactTypeFactory(name="Billing question"),
        outcome="resolved",
        case=CaseFactory(customer=customer),
    )
    said = MessageFactory(
        interaction=interaction,
        side="customer",
        body_text="Why is my bill so high?",
        body_html=clean_html('<p>Why is my <b>bill</b> so high?</p><script>alert("x")</script>'),
        sent_at=T0,
    )
    answer = MessageFactory(
        interaction=interaction,
        side="agent",
        author=agent,
        body_text="A one-off fee <script>",
        sent_at=T0 + datetime.timedelta(minutes=1),
    )
    note = services.call_note_add(interaction=interaction, by=agent, text="Offered a refund.")
    return {
        "interaction": interaction,
        "said": said,
        "answer": answer,
        "note": note,
        "attachment": attach(said),
    }


class TestInteractionPage:
    @pytest.mark.parametrize("role", READERS)
    def test_people_who_serve_customers_read_the_whole_contact(self, client_for, call, role):
        client, _ = client_for(role)
        interaction = call["interaction"]

        response = client.get(reverse("interactions:detail", args=[interaction.pk]))

        text = _text(response)
        assert response.status_code == 200
        for fact in [
            "Zoë Okafor", "Bill too high", "Billing desk", "Ana Lopez", "Billing question",
            "Resolved", "2026-03-02 09:00:00", "2026-03-02 09:00:40", "2026-03-02 09:06:00",
            "40 s", "320 s", "15 s", "50 s",
        ]:  # fmt: skip
            assert fact in text, fact
        assert reverse("cases:detail", args=[interaction.case_id]) in text

    @pytest.mark.parametrize("role", NOT_READERS)
    def test_others_are_turned_away(self, client_for, call, role):
        client, _ = client_for(role)

        response = client.get(reverse("interactions:detail", args=[call["interaction"].pk]))

        assert response.status_code == 403
        assert "Why is my" not in _text(response)

    def test_anonymous_visitors_are_sent_to_log_in(self, client, call):
        response = client.get(reverse("interactions:detail", args=[call["interaction"].pk]))

        assert response.status_code == 302 and "login" in response["Location"]

    def test_the_customers_words_and_ours_are_on_opposite_sides_and_notes_are_marked(
        self, client_for, call
    ):
        client, _ = client_for("agent")

        text = _text(client.get(reverse("interactions:detail", args=[call["interaction"].pk])))

        customer_at = text.index('data-side="customer"')
        agent_at = text.index('data-side="agent"')
        assert "justify-content-start" in text[customer_at - 80 : customer_at]
        assert "justify-content-end" in text[agent_at - 80 : agent_at]
        assert text.count("Internal note") == 1
        assert text.index("Internal note") > text.index("A one-off fee")
        assert "Offered a refund." in text

    def test_cleaned_html_is_shown_as_html_and_plain_text_is_escaped(self, client_for, call):
        client, _ = client_for("agent")

        text = _text(client.get(reverse("interactions:detail", args=[call["interaction"].pk])))

        assert "<p>Why is my <b>bill</b> so high?</p>" in text
        assert "alert(" not in text
        assert "A one-off fee &lt;script&gt;" in text

    def test_attachments_have_download_links(self, client_for, call):
        client, _ = client_for("agent")
        interaction, attachment = call["interaction"], call["attachment"]

        text = _text(client.get(reverse("interactions:detail", args=[interaction.pk])))

        assert reverse("interactions:attachment", args=[interaction.pk, attachment.pk]) in text
        assert "bill.pdf" in text

    def test_a_call_without_words_or_customer_says_so(self, client_for):
        client, _ = client_for("agent")
        interaction = InteractionFactory(customer=None, sender="anonymous", channel="phone")

        text = _text(client.get(reverse("interactions:detail", args=[interaction.pk])))

        assert "Nothing was written down" in text
        assert "Not known" in text and "anonymous" in text

    def test_a_contact_of_an_erased_customer_is_not_found(self, client_for):
        client, _ = client_for("admin")
        interaction = InteractionFactory(customer=ErasedCustomerFactory())

        response = client.get(reverse("interactions:detail", args=[interaction.pk]))

        assert response.status_code == 404

    def test_an_unknown_contact_is_not_found(self, client_for):
        client, _ = client_for("agent")

        assert client.get(reverse("interactions:detail", args=[999_999])).status_code == 404

    def test_the_page_costs_the_same_few_queries_however_much_was_said(
        self, client_for, call, django_assert_max_num_queries
    ):
        client, _ = client_for("agent")
        interaction = call["interaction"]
        url = reverse("interactions:detail", args=[interaction.pk])
        client.get(url)  # session and roles warmed up
        for n in range(15):
            attach(MessageFactory(interaction=interaction, side="customer"), filename=f"f{n}.txt")

        with django_assert_max_num_queries(7):
            response = client.get(url)

        assert _text(response).count('data-side="customer"') == 16


class TestAttachmentDownload:
    @pytest.mark.parametrize("role", READERS)
    def test_readers_download_the_file_as_an_attachment(self, client_for, call, role):
        client, _ = client_for(role)
        interaction, attachment = call["interaction"], call["attachment"]

        response = client.get(
            reverse("interactions:attachment", args=[interaction.pk, attachment.pk])
        )

        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"%PDF-1.4 bill"
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "bill.pdf" in response["Content-Disposition"]

    @pytest.mark.parametrize("role", NOT_READERS)
    def test_others_get_no_file(self, client_for, call, role):
        client, _ = client_for(role)
        interaction, attachment = call["interaction"], call["attachment"]

        response = client.get(
            reverse("interactions:attachment", args=[interaction.pk, attachment.pk])
        )

        assert response.status_code == 403

    def test_an_attachment_asked_for_through_another_interaction_is_not_found(
        self, client_for, call
    ):
        client, _ = client_for("agent")
        other = InteractionFactory()

        response = client.get(
            reverse("interactions:attachment", args=[other.pk, call["attachment"].pk])
        )

        assert response.status_code == 404

    def test_an_attachment_of_a_contact_one_may_not_read_is_not_found(self, client_for):
        client, _ = client_for("admin")
        hidden = InteractionFactory(customer=ErasedCustomerFactory())
        attachment = attach(MessageFactory(interaction=hidden))

        response = client.get(reverse("interactions:attachment", args=[hidden.pk, attachment.pk]))

        assert response.status_code == 404

    def test_a_content_type_that_could_carry_headers_is_replaced(self, client_for, call):
        client, _ = client_for("agent")
        interaction = call["interaction"]
        odd = attach(call["said"], filename="x.bin", content_type="text/html; charset=utf-8\r\nX")

        response = client.get(reverse("interactions:attachment", args=[interaction.pk, odd.pk]))

        assert response.status_code == 200
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment;")


class TestRejectedMessages:
    def test_admins_see_what_was_rejected_with_channel_reason_and_time(self, client_for):
        client, _ = client_for("admin")
        services.inbound_reject(channel="sms", reason="No sender number", detail="{<b>raw</b>}")

        response = client.get(reverse("interactions:rejected"))

        text = _text(response)
        assert response.status_code == 200
        assert "sms" in text and "No sender number" in text
        assert "{&lt;b&gt;raw&lt;/b&gt;}" in text
        assert "<time datetime=" in text

    @pytest.mark.parametrize("role", ["agent", "supervisor", "qa_analyst", *NOT_READERS])
    def test_nobody_else_sees_them(self, client_for, role):
        client, _ = client_for(role)
        services.inbound_reject(channel="chat", reason="Bad payload")

        response = client.get(reverse("interactions:rejected"))

        assert response.status_code == 403
        assert "Bad payload" not in _text(response)

    def test_empty_state(self, client_for):
        client, _ = client_for("admin")

        assert "Nothing was rejected" in _text(client.get(reverse("interactions:rejected")))

    def test_the_list_is_paginated_in_few_queries(self, client_for, django_assert_max_num_queries):
        client, _ = client_for("admin")
        RejectedInbound.objects.bulk_create(
            RejectedInbound(channel="chat", reason=f"reason {n:03d}") for n in range(120)
        )
        client.get(reverse("interactions:rejected"))

        with django_assert_max_num_queries(6):
            first = client.get(reverse("interactions:rejected"))
        last = client.get(reverse("interactions:rejected"), {"page": 3})

        assert _text(first).count("<tr>") == 51  # header and 50 rows
        assert _text(last).count("<tr>") == 21
        assert "page 3 of 3" in _text(last)

    def test_htmx_gets_only_the_list(self, client_for):
        client, _ = client_for("admin")

        response = client.get(reverse("interactions:rejected"), HTTP_HX_REQUEST="true")

        assert "<html" not in _text(response).lower()
        assert 'id="rejected-list"' in _text(response)


@pytest.mark.parametrize(
    ("role", "offered"), [("qa_analyst", True), ("supervisor", True), ("agent", False)]
)
def test_qa_evaluators_are_offered_to_evaluate_a_contact_an_agent_handled(
    client_for, make_user, role, offered
):
    contact = InteractionFactory(agent=make_user("agent"))
    client, _ = client_for(role)
    page = client.get(reverse("interactions:detail", args=[contact.pk]))

    evaluate = f"{reverse('performance:qa')}?interaction={contact.pk}"
    assert (evaluate in _text(page)) is offered


def test_a_contact_nobody_handled_offers_no_evaluation(client_for):
    contact = InteractionFactory(agent=None)
    client, _ = client_for("qa_analyst")
    page = client.get(reverse("interactions:detail", args=[contact.pk]))

    assert "?interaction=" not in _text(page)
