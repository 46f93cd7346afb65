"""E-mail out: sent through Django's mail backend, threaded, and recorded only if it went."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from rapport.core.errors import Conflict, ValidationFailed
from rapport.core.models import AuditEvent
from rapport.customers.tests.factories import CustomerFactory
from rapport.interactions.models import Interaction, Message
from rapport.interactions.services import outbound_email_send

pytestmark = pytest.mark.django_db


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every recipient."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"alice@example.com": (550, b"No such user")})


class UnreachableBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


def test_sends_and_records_the_mail(make_user, settings):
    agent = make_user("agent")
    customer = CustomerFactory()

    interaction = outbound_email_send(
        by=agent,
        customer=customer,
        to="alice@example.com",
        subject="Your router",
        text="It ships today.",
    )

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["alice@example.com"]
    assert sent.from_email == settings.RAPPORT_MAIL_FROM
    assert sent.subject == "Your router"
    assert sent.body == "It ships today."
    assert sent.extra_headers["Message-ID"] == interaction.external_id
    assert interaction.external_id.endswith(f"@{settings.RAPPORT_MAIL_DOMAIN}>")
    assert "In-Reply-To" not in sent.extra_headers and "References" not in sent.extra_headers
    interaction.refresh_from_db()
    assert (interaction.direction, interaction.channel, interaction.source) == (
        "outbound",
        "email",
        "email",
    )
    assert interaction.agent == agent and interaction.customer == customer
    assert interaction.answered_at is not None
    message = interaction.messages.get()
    assert (message.side, message.author, message.body_text, message.is_note) == (
        "agent",
        agent,
        "It ships today.",
        False,
    )
    assert AuditEvent.objects.filter(
        action="interaction.email_sent", target_id=str(interaction.pk)
    ).exists()


def test_threads_under_the_message_it_answers(make_user):
    agent = make_user("agent")

    interaction = outbound_email_send(
        by=agent,
        customer=CustomerFactory(),
        to="alice@example.com",
        subject="Re: Router",
        text="Answer.",
        in_reply_to="<m2@mail.example.com>",
        references=("<m1@mail.example.com>",),
    )

    headers = mail.outbox[0].extra_headers
    assert headers["In-Reply-To"] == "<m2@mail.example.com>"
    assert headers["References"] == "<m1@mail.example.com> <m2@mail.example.com>"
    assert interaction.thread_refs == ["<m1@mail.example.com>", "<m2@mail.example.com>"]


def test_the_answered_message_is_not_repeated_in_references(make_user):
    outbound_email_send(
        by=make_user("agent"),
        customer=CustomerFactory(),
        to="alice@example.com",
        subject="Re: Router",
        text="Answer.",
        in_reply_to="<m2@x>",
        references=("<m1@x>", "<m2@x>"),
    )

    assert mail.outbox[0].extra_headers["References"] == "<m1@x> <m2@x>"


def test_an_empty_mail_is_not_sent(make_user):
    with pytest.raises(ValidationFailed) as raised:
        outbound_email_send(
            by=make_user("agent"),
            customer=CustomerFactory(),
            to="alice@example.com",
            subject="Hi",
            text="  \n",
        )

    assert "text" in raised.value.fields
    assert mail.outbox == []
    assert not Interaction.objects.exists()


@pytest.mark.parametrize("backend", ["RefusingBackend", "UnreachableBackend"])
def test_a_refused_send_leaves_no_trace(make_user, settings, backend):
    settings.EMAIL_BACKEND = f"{__name__}.{backend}"

    with pytest.raises(Conflict) as raised:
        outbound_email_send(
            by=make_user("agent"),
            customer=CustomerFactory(),
            to="alice@example.com",
            subject="Hi",
            text="Hello",
        )

    assert raised.value.code == "mail_refused"
    assert not Interaction.objects.exists()
    assert not Message.objects.exists()
    assert not AuditEvent.objects.filter(action="interaction.email_sent").exists()
