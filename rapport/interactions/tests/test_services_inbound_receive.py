"""Receiving what a customer sent on any channel: who it is, which interaction, replay-safe."""

import datetime as dt

import pytest
from django.utils import timezone

from rapport.access.tests.factories import QueueFactory, TouchpointFactory
from rapport.core.errors import ValidationFailed
from rapport.customers.models import Customer
from rapport.customers.tests.factories import PhoneFactory
from rapport.interactions.models import Attachment, Interaction, Message
from rapport.interactions.services import AttachmentIn, InboundMessage, inbound_receive
from rapport.interactions.signals import inbound_received

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture(autouse=True)
def queue():
    """Deferred contacts open cases, which need a queue."""
    return QueueFactory()


def inbound(**fields) -> InboundMessage:
    values = {
        "channel": "sms",
        "source": "sms",
        "conversation_id": "thread-1",
        "message_id": "m1",
        "sender_kind": "phone",
        "sender": "+12125550123",
        "sent_at": NOW,
        "text": "My card was swallowed by the machine.",
    } | fields
    return InboundMessage(**values)


def test_a_known_sender_is_their_customer():
    point = PhoneFactory(normalised="+12125550123")

    received = inbound_receive(inbound=inbound(sender="(212) 555-0123"))

    assert received.created
    assert received.interaction.customer == point.customer
    assert Customer.objects.count() == 1


def test_an_unknown_sender_becomes_a_prospect_to_review():
    received = inbound_receive(inbound=inbound(sender_name="Jo Bloggs"))

    customer = received.interaction.customer
    assert customer is not None
    assert (customer.status, customer.needs_review, customer.source) == (
        "prospect",
        True,
        "inbound",
    )
    assert (customer.first_name, customer.last_name) == ("Jo", "Bloggs")
    assert customer.contact_points.get().normalised == "+12125550123"


def test_the_message_is_on_the_customers_side():
    received = inbound_receive(inbound=inbound(sender_name="Jo Bloggs"))

    interaction, message = received.interaction, received.message
    assert message is not None
    assert (message.side, message.body_text, message.sent_at, message.external_id) == (
        "customer",
        "My card was swallowed by the machine.",
        NOW,
        "m1",
    )
    assert (
        interaction.direction,
        interaction.channel,
        interaction.source,
        interaction.external_id,
    ) == (
        "inbound",
        "sms",
        "sms",
        "thread-1",
    )
    assert (interaction.sender, interaction.sender_name) == ("+12125550123", "Jo Bloggs")
    assert interaction.summary == "My card was swallowed by the machine."


def test_a_replay_is_a_no_op():
    first = inbound_receive(inbound=inbound())
    heard: list[object] = []

    def listen(sender, **kwargs):
        heard.append(kwargs["message"])

    inbound_received.connect(listen)
    try:
        again = inbound_receive(inbound=inbound())
    finally:
        inbound_received.disconnect(listen)

    assert again.message is None and not again.created
    assert again.interaction == first.interaction
    assert Message.objects.count() == 1
    assert heard == []


def test_the_next_message_joins_the_conversation():
    first = inbound_receive(inbound=inbound())
    later = NOW + dt.timedelta(minutes=3)

    second = inbound_receive(inbound=inbound(message_id="m2", text="Hello?", sent_at=later))

    assert second.interaction == first.interaction and not second.created
    assert list(first.interaction.messages.values_list("body_text", flat=True)) == [
        "My card was swallowed by the machine.",
        "Hello?",
    ]
    first.interaction.refresh_from_db()
    assert first.interaction.ended_at == later


def test_the_touchpoint_sets_the_queue():
    billing = QueueFactory(code="billing")
    touchpoint = TouchpointFactory(
        channel="email", address="billing@rapport.example", queue=billing
    )

    received = inbound_receive(
        inbound=inbound(
            channel="email",
            source="email",
            conversation_id="<a@x>",
            message_id="",
            sender_kind="email",
            sender="jo@example.com",
            touchpoint="Billing@rapport.example",
            subject="Invoice",
        )
    )

    assert received.interaction.touchpoint == touchpoint
    assert received.interaction.queue == billing
    assert received.message is not None and received.message.external_id == "<a@x>"


def test_html_is_cleaned_and_read_as_text():
    received = inbound_receive(
        inbound=inbound(text="", html="<p>Hello <b>there</b></p><script>alert(1)</script>")
    )

    message = received.message
    assert message is not None
    assert "script" not in message.body_html and "<b>there</b>" in message.body_html
    assert "Hello" in message.body_text and "alert" not in message.body_text


def test_attachments_are_kept():
    received = inbound_receive(
        inbound=inbound(
            attachments=(AttachmentIn("photo.jpg", "image/jpeg", b"\xff\xd8\xff" + b"0" * 97),)
        )
    )

    attachment = Attachment.objects.get(message=received.message)
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "photo.jpg",
        "image/jpeg",
        100,
    )
    assert attachment.file.read() == b"\xff\xd8\xff" + b"0" * 97


def test_a_message_without_a_conversation_is_refused():
    with pytest.raises(ValidationFailed) as raised:
        inbound_receive(inbound=inbound(conversation_id=""))

    assert "conversation_id" in raised.value.fields
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    ("kind", "sender"), [("phone", "not a number"), ("email", "nobody-at-all"), ("social", "   ")]
)
def test_an_invalid_sender_is_refused_and_nothing_stored(kind, sender):
    with pytest.raises(ValidationFailed):
        inbound_receive(inbound=inbound(sender_kind=kind, sender=sender))

    assert not Interaction.objects.exists()
    assert not Customer.objects.exists()


def test_a_failing_listener_rolls_everything_back():
    def explode(sender, **kwargs):
        raise RuntimeError("a capability above the ledger failed")

    inbound_received.connect(explode)
    try:
        with pytest.raises(RuntimeError):
            inbound_receive(inbound=inbound())
    finally:
        inbound_received.disconnect(explode)

    assert not Interaction.objects.exists()
    assert not Message.objects.exists()
    assert not Customer.objects.exists()
