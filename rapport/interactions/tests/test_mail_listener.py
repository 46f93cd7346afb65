"""The real listener on a free port, fed with smtplib over SMTP and LMTP: new mail opens a case for
a prospect, replies thread, replays change nothing, bad mail is refused and the listener goes on."""

import smtplib
import socket
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from django.utils import timezone

from rapport.access.tests.factories import QueueFactory, TouchpointFactory
from rapport.cases.models import Case
from rapport.customers.models import Customer
from rapport.interactions.mail.listener import mail_controller
from rapport.interactions.models import Attachment, Interaction, Message, RejectedInbound
from rapport.interactions.tests.mail_servers import strict_async_checks

FIXTURES = Path(__file__).parent / "mail"
HELP = "help@rapport.example"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def start_listener(monkeypatch):
    """start_listener(protocol="smtp", max_bytes=None) -> a running listener on a free port."""
    # Django refuses ORM calls from a running event loop only when this is unset, as in production.
    strict_async_checks(monkeypatch)
    running = []

    def start(protocol: str = "smtp", max_bytes: int | None = None):
        controller = mail_controller(
            host="127.0.0.1", port=0, protocol=protocol, max_bytes=max_bytes
        )
        controller.start()
        running.append(controller)
        return controller

    yield start
    for controller in running:
        controller.stop()


@pytest.fixture
def listener(start_listener):
    return start_listener()


@pytest.fixture
def help_desk():
    """The touchpoint customers write to, with its queue."""
    return TouchpointFactory(address=HELP, queue=QueueFactory(name="E-mail front line"))


def client_for(controller):
    if controller.protocol == "lmtp":
        return smtplib.LMTP(controller.hostname, controller.port, timeout=10)
    return smtplib.SMTP(controller.hostname, controller.port, timeout=10)


def send(controller, raw: bytes, *, to: str = HELP, sender: str = "ann@customer.example") -> dict:
    with client_for(controller) as client:
        return client.sendmail(sender, [to], raw)


def mail(
    *,
    message_id: str,
    subject: str = "My invoice is wrong",
    body: str = "Please check my invoice.",
    sender: str = "Ann Lee <ann@customer.example>",
    in_reply_to: str = "",
    references: str = "",
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = HELP
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    message.set_content(body)
    return message.as_bytes(policy=policy.SMTP)


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


@pytest.mark.parametrize("protocol", ["smtp", "lmtp"])
def test_a_new_mail_opens_a_case_for_a_prospect_to_review(start_listener, help_desk, protocol):
    controller = start_listener(protocol)

    refused = send(controller, fixture_bytes("alternative.eml"), sender="ana.lima@customer.example")

    assert refused == {}
    interaction = Interaction.objects.get(
        source="email", external_id="<alt-1@mail.customer.example>"
    )
    assert interaction.channel == "email"
    assert interaction.direction == "inbound"
    assert interaction.sender == "ana.lima@customer.example"
    assert interaction.subject == "Fatura duplicada – por favor verifiquem"
    assert interaction.touchpoint == help_desk
    customer = interaction.customer
    assert customer.status == "prospect"
    assert customer.needs_review is True
    assert customer.contact_points.get().normalised == "ana.lima@customer.example"
    case = interaction.case
    assert case is not None
    assert case.customer == customer
    assert case.queue == help_desk.queue
    assert case.channel == "email"
    message = interaction.messages.get()
    assert message.side == "customer"
    assert message.body_text == "Olá, recebi a fatura duas vezes.\nObrigada, Ana"


def test_a_reply_naming_the_earlier_mail_lands_in_the_same_case(listener, help_desk):
    send(listener, mail(message_id="<first@customer.example>"))
    first = Interaction.objects.get(external_id="<first@customer.example>")

    send(
        listener,
        mail(
            message_id="<second@customer.example>",
            subject="Re: My invoice is wrong",
            body="Any news?",
            in_reply_to="<first@customer.example>",
            references="<first@customer.example>",
        ),
    )

    second = Interaction.objects.get(external_id="<second@customer.example>")
    assert second.case_id == first.case_id is not None
    assert second.customer_id == first.customer_id
    assert Case.objects.count() == 1
    assert Customer.objects.count() == 1


def test_a_reply_with_only_the_case_reference_in_the_subject_threads(listener, help_desk):
    send(listener, mail(message_id="<first@customer.example>"))
    case = Case.objects.get()

    send(
        listener,
        mail(
            message_id="<unrelated@other-client.example>",
            subject=f"Re: [{case.reference}] still waiting",
            sender="Ann at work <ann.lee@work.example>",
        ),
    )

    later = Interaction.objects.get(external_id="<unrelated@other-client.example>")
    assert later.case_id == case.pk
    assert Case.objects.count() == 1


def test_a_replay_is_accepted_and_changes_nothing(listener, help_desk):
    raw = mail(message_id="<once@customer.example>")
    send(listener, raw)
    before = (
        Interaction.objects.count(),
        Message.objects.count(),
        Case.objects.count(),
        Customer.objects.count(),
    )

    refused = send(listener, raw)

    assert refused == {}
    after = (
        Interaction.objects.count(),
        Message.objects.count(),
        Case.objects.count(),
        Customer.objects.count(),
    )
    assert after == before == (1, 1, 1, 1)


def test_unreadable_mail_is_refused_and_the_listener_serves_the_next(listener, help_desk):
    with client_for(listener) as client:
        with pytest.raises(smtplib.SMTPDataError) as caught:
            client.sendmail(
                "x@customer.example", [HELP], b"\r\n\r\nno headers at all, just words\r\n"
            )
        assert caught.value.smtp_code == 554

        refused = client.sendmail(
            "ann@customer.example", [HELP], mail(message_id="<next@customer.example>")
        )

    assert refused == {}
    rejected = RejectedInbound.objects.get()
    assert rejected.channel == "email"
    assert "no header fields" in rejected.reason
    assert "no headers at all" in rejected.detail
    assert Interaction.objects.filter(external_id="<next@customer.example>").exists()


@pytest.mark.parametrize("protocol", ["smtp", "lmtp"])
def test_an_invalid_sender_is_refused_with_550(start_listener, help_desk, protocol):
    controller = start_listener(protocol)

    with pytest.raises(smtplib.SMTPDataError) as caught:
        send(controller, fixture_bytes("bad_sender.eml"))

    assert caught.value.smtp_code == 550
    assert RejectedInbound.objects.get().reason == "The sender (From) is not an e-mail address."
    assert not Interaction.objects.exists()
    assert not Customer.objects.exists()


def test_a_sender_address_that_fails_validation_is_refused(listener, help_desk):
    with pytest.raises(smtplib.SMTPDataError) as caught:
        send(listener, mail(message_id="<bad@customer.example>", sender="Ann <ann@localhost>"))

    assert caught.value.smtp_code == 550
    assert "not a valid e-mail address" in RejectedInbound.objects.get().reason
    assert not Customer.objects.exists()


def test_mail_over_the_size_limit_is_refused_with_552(start_listener, help_desk):
    controller = start_listener(max_bytes=2000)
    big = mail(message_id="<big@customer.example>", body="x" * 70 + ("\n" + "y" * 70) * 60)

    # A client that announces the size is stopped at MAIL FROM …
    with client_for(controller) as client, pytest.raises(smtplib.SMTPSenderRefused) as caught:
        client.sendmail("ann@customer.example", [HELP], big)
    assert caught.value.smtp_code == 552
    # … one that does not is stopped after DATA.
    with client_for(controller) as client:
        client.ehlo()
        client.mail("ann@customer.example")
        client.rcpt(HELP)
        code, _ = client.data(big)
    assert code == 552
    assert not Interaction.objects.exists()


def test_a_failure_on_our_side_asks_the_sender_to_retry(listener):
    # Given no queue exists yet, so no case can be opened for the mail
    raw = mail(message_id="<early@customer.example>")

    with pytest.raises(smtplib.SMTPDataError) as caught:
        send(listener, raw)

    # Then the sender is told to try later, and nothing was kept or refused
    assert caught.value.smtp_code == 451
    assert not Interaction.objects.exists()
    assert not Customer.objects.exists()
    assert not RejectedInbound.objects.exists()
    # And when the sending server retries after an admin added a queue, the mail is stored
    QueueFactory()
    assert send(listener, raw) == {}
    assert Interaction.objects.get().case is not None


def test_html_is_sanitised_and_attachments_stored_when_received(listener, help_desk):
    send(listener, fixture_bytes("html_only.eml"), sender="wei.chen@customer.example")
    send(listener, fixture_bytes("mixed_attachments.eml"), sender="bruno@customer.example")

    html_message = Message.objects.get(interaction__external_id="<html-only-1@customer.example>")
    for unsafe in (
        "<script",
        "stolen",
        "onload",
        "onerror",
        "javascript:",
        "<iframe",
        "tracker.example",
        "<style",
    ):
        assert unsafe not in html_message.body_html
    assert "<b>+44 20 7946 0958</b>" in html_message.body_html
    assert "stolen" not in html_message.body_text
    assert "stolen" not in html_message.interaction.summary
    stored = {
        a.filename: a
        for a in Attachment.objects.filter(
            message__interaction__external_id="<mixed-1@customer.example>"
        )
    }
    assert set(stored) == {"receipt.pdf", "réseau photo.png", "passwd"}
    assert stored["receipt.pdf"].size == 67
    assert stored["receipt.pdf"].content_type == "application/pdf"
    with stored["receipt.pdf"].file.open("rb") as handle:
        assert handle.read().startswith(b"%PDF-1.4")
    assert stored["réseau photo.png"].size == 49


def test_lmtp_answers_data_once_per_recipient_and_stores_the_mail_once(start_listener, help_desk):
    # Postfix waits for one reply per recipient after DATA (RFC 2033); smtplib reads only one.
    controller = start_listener("lmtp")
    raw = mail(message_id="<two-recipients@customer.example>")

    with socket.create_connection((controller.hostname, controller.port), timeout=10) as sock:
        replies = sock.makefile("rb")

        def command(line: bytes) -> bytes:
            sock.sendall(line + b"\r\n")
            return replies.readline()

        assert replies.readline().startswith(b"220")
        sock.sendall(b"LHLO postfix.example\r\n")
        while not replies.readline().startswith(b"250 "):
            pass
        assert command(b"MAIL FROM:<ann@customer.example>").startswith(b"250")
        assert command(b"RCPT TO:<help@rapport.example>").startswith(b"250")
        assert command(b"RCPT TO:<billing@rapport.example>").startswith(b"250")
        assert command(b"DATA").startswith(b"354")
        sock.sendall(raw + b"\r\n.\r\n")
        answers = [replies.readline(), replies.readline()]

    assert all(answer.startswith(b"250 ") for answer in answers), answers
    assert Interaction.objects.filter(external_id="<two-recipients@customer.example>").count() == 1
