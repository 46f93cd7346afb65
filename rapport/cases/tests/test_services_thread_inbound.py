"""Threading what customers send into cases, through the ledger's inbound_received signal."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from rapport.access.tests.factories import QueueFactory, RoutingRuleFactory, TouchpointFactory
from rapport.cases import services
from rapport.cases.choices import CaseEventKind, CaseStatus
from rapport.cases.models import Case
from rapport.cases.tests.factories import CaseFactory
from rapport.customers.tests.factories import ContactPointFactory
from rapport.interactions.services import InboundMessage, Received, inbound_receive
from rapport.interactions.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def front_line():
    return QueueFactory(code="front", tier=1)


def receive(**fields) -> Received:
    values = {
        "channel": "email",
        "source": "email",
        "conversation_id": f"<{uuid.uuid4()}@mail.example.com>",
        "sender_kind": "email",
        "sender": "alice@example.com",
        "sent_at": NOW,
        "subject": "Question",
        "text": "Hello, I have a question.",
    } | fields
    return inbound_receive(inbound=InboundMessage(**values))


def test_a_reply_threads_by_its_references(front_line):
    # given a case with our e-mail in it
    case = CaseFactory(queue=front_line)
    InteractionFactory(
        case=case,
        channel="email",
        direction="outbound",
        source="email",
        external_id="<ours@rapport.example>",
    )

    # when the customer answers it with a new subject
    received = receive(
        subject="something else", thread_refs=("<older@x>", "<ours@rapport.example>")
    )

    assert received.interaction.case == case
    assert Case.objects.count() == 1
    assert case.events.filter(
        kind=CaseEventKind.CONTACT, detail__interaction=received.interaction.pk
    ).exists()


def test_a_reply_threads_by_the_reference_in_its_subject(front_line):
    case = CaseFactory(queue=front_line)

    received = receive(subject=f"Re: Your case [{case.reference}]")

    assert received.interaction.case == case
    assert Case.objects.count() == 1


def test_references_win_over_the_subject(front_line):
    named, answered = CaseFactory(queue=front_line), CaseFactory(queue=front_line)
    InteractionFactory(case=answered, channel="email", source="email", external_id="<ours@r>")

    received = receive(subject=f"Re: [{named.reference}]", thread_refs=("<ours@r>",))

    assert received.interaction.case == answered


def test_a_reference_to_no_case_opens_a_new_one(front_line):
    received = receive(subject="Re: [C-987654321]")

    assert received.interaction.case is not None
    assert received.interaction.case.reference != "C-987654321"


def test_a_new_message_opens_a_case_in_the_touchpoints_queue(front_line):
    # given the billing address feeds the billing queue, and routing would say otherwise
    billing = QueueFactory(code="billing")
    TouchpointFactory(channel="email", address="billing@rapport.example", queue=billing)
    RoutingRuleFactory(queue=front_line, priority="high")
    point = ContactPointFactory(value="alice@example.com")

    received = receive(
        touchpoint="Billing@Rapport.example", subject="Invoice 42", text="Why was I charged twice?"
    )

    case = received.interaction.case
    assert case is not None
    assert case.queue == billing
    assert case.customer == point.customer
    assert (case.subject, case.channel) == ("Invoice 42", "email")
    assert case.description == "Why was I charged twice?"
    assert case.opened_at == NOW
    assert case.status == CaseStatus.NEW


def test_a_new_message_without_a_touchpoint_is_routed(front_line):
    sms_desk = QueueFactory(code="sms-desk")
    RoutingRuleFactory(queue=sms_desk)

    received = receive(
        channel="sms",
        source="sms",
        sender_kind="phone",
        sender="+1 212 555 0100",
        subject="",
        text="No signal",
    )

    case = received.interaction.case
    assert case is not None and case.queue == sms_desk
    assert case.subject == "No signal"


@pytest.mark.parametrize("channel", ["chat"])
def test_real_time_contacts_open_no_case(front_line, channel):
    received = receive(channel=channel, source=channel, subject="")

    assert received.interaction.case is None
    assert not Case.objects.exists()


@pytest.mark.parametrize("finished", [CaseStatus.RESOLVED, CaseStatus.CLOSED])
def test_a_reply_to_a_finished_case_reopens_it(front_line, finished):
    case = CaseFactory(
        queue=front_line,
        status=finished,
        resolved_at=NOW - dt.timedelta(days=1),
        closed_at=NOW - dt.timedelta(days=1) if finished == CaseStatus.CLOSED else None,
    )

    receive(subject=f"Re: [{case.reference}] it broke again")

    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert case.resolved_at is None and case.closed_at is None
    event = case.events.get(kind=CaseEventKind.STATUS)
    assert event.detail["reopened"] is True and event.actor is None


def test_more_messages_in_a_conversation_stay_in_its_case(front_line):
    first = receive(
        channel="sms",
        source="sms",
        sender_kind="phone",
        sender="+12125550100",
        conversation_id="thread-9",
        message_id="1",
        text="Hi",
    )
    second = receive(
        channel="sms",
        source="sms",
        sender_kind="phone",
        sender="+12125550100",
        conversation_id="thread-9",
        message_id="2",
        text="Still there?",
    )

    assert second.interaction == first.interaction
    assert Case.objects.count() == 1


def test_a_message_in_a_conversation_of_a_finished_case_reopens_it(front_line):
    first = receive(
        channel="social",
        source="social",
        sender_kind="social",
        sender="@alice",
        sender_network="x",
        conversation_id="dm-1",
        message_id="1",
        text="Help",
    )
    case = first.interaction.case
    assert case is not None
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.RESOLVED, resolved_at=NOW)

    receive(
        channel="social",
        source="social",
        sender_kind="social",
        sender="@alice",
        sender_network="x",
        conversation_id="dm-1",
        message_id="2",
        text="It broke again",
    )

    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_a_replay_changes_nothing(front_line):
    first = receive(conversation_id="<same@x>", message_id="<same@x>")
    events_before = first.interaction.case.events.count()

    again = receive(conversation_id="<same@x>", message_id="<same@x>")

    assert again.message is None
    assert Case.objects.count() == 1
    assert first.interaction.case.events.count() == events_before


def test_thread_inbound_is_what_the_signal_calls(front_line):
    # given a contact stored without its case (e.g. before threading existed)
    interaction = InteractionFactory(channel="email", direction="inbound", subject="Lost parcel")
    message = interaction.messages.create(side="customer", body_text="Where is it?", sent_at=NOW)

    case = services.thread_inbound(interaction=interaction, message=message, created=True)

    assert case is not None and case.subject == "Lost parcel"
    interaction.refresh_from_db()
    assert interaction.case == case
