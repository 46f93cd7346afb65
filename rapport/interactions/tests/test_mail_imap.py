"""IMAP polling against a small IMAP4rev1 server in the test: each unseen message is stored once,
marked seen only after it is stored; bad and oversized ones are refused and still marked seen."""

from email import policy
from email.message import EmailMessage

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rapport.access.tests.factories import QueueFactory, TouchpointFactory
from rapport.cases.models import Case
from rapport.interactions.mail.imap import ImapError, imap_poll
from rapport.interactions.models import Interaction, Message, RejectedInbound
from rapport.interactions.tests.mail_servers import FakeImapServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def imap(settings):
    with FakeImapServer() as server:
        settings.RAPPORT_IMAP_HOST = "127.0.0.1"
        settings.RAPPORT_IMAP_PORT = server.port
        settings.RAPPORT_IMAP_SSL = False
        settings.RAPPORT_IMAP_USER = "service"
        settings.RAPPORT_IMAP_PASSWORD = "mailbox-secret"
        settings.RAPPORT_IMAP_FOLDER = "INBOX"
        yield server


@pytest.fixture
def help_desk():
    return TouchpointFactory(address="help@rapport.example", queue=QueueFactory())


def mail(
    message_id: str, *, sender: str = "Ann Lee <ann@customer.example>", body: str = "Hello"
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "help@rapport.example"
    message["Subject"] = "Question about my plan"
    message["Message-ID"] = message_id
    message.set_content(body)
    return message.as_bytes(policy=policy.SMTP)


def test_an_unseen_message_is_stored_and_then_marked_seen(imap, help_desk):
    uid = imap.mailbox.add(mail("<imap-1@customer.example>"))

    result = imap_poll()

    assert (result.stored, result.duplicates, result.refused, result.failed) == (1, 0, 0, 0)
    interaction = Interaction.objects.get(source="email", external_id="<imap-1@customer.example>")
    assert interaction.touchpoint == help_desk
    assert interaction.case is not None
    assert interaction.customer.needs_review is True
    assert imap.mailbox.seen(uid)
    assert imap.mailbox.logins == [("service", "mailbox-secret")]


def test_a_message_polled_twice_is_stored_once(imap, help_desk):
    uid = imap.mailbox.add(mail("<imap-twice@customer.example>"))
    imap_poll()
    # Someone marks it unread again in their mail client, so the next poll fetches it again.
    imap.mailbox.mark_unseen(uid)

    second = imap_poll()

    assert (second.stored, second.duplicates) == (0, 1)
    assert Interaction.objects.filter(external_id="<imap-twice@customer.example>").count() == 1
    assert Message.objects.count() == 1
    assert Case.objects.count() == 1
    assert imap.mailbox.seen(uid)
    # A third poll finds nothing unseen.
    assert imap_poll().duplicates == 0


def test_a_bad_message_is_refused_marked_seen_and_the_next_one_still_stored(imap, help_desk):
    bad = imap.mailbox.add(mail("<imap-bad@customer.example>", sender="Who Knows <nobody>"))
    good = imap.mailbox.add(mail("<imap-good@customer.example>"))

    result = imap_poll()

    assert (result.stored, result.refused) == (1, 1)
    rejected = RejectedInbound.objects.get()
    assert rejected.channel == "email"
    assert "<imap-bad@customer.example>" in rejected.detail
    assert imap.mailbox.seen(bad)
    assert imap.mailbox.seen(good)
    assert Interaction.objects.get().external_id == "<imap-good@customer.example>"


def test_a_message_that_could_not_be_stored_stays_unseen_until_it_can(imap):
    # Given no queue is set up, so the case for the mail cannot be opened yet
    uid = imap.mailbox.add(mail("<imap-early@customer.example>"))

    result = imap_poll()

    # Then nothing is stored or refused, and the message waits, unseen, for the next poll
    assert (result.stored, result.refused, result.failed) == (0, 0, 1)
    assert not imap.mailbox.seen(uid)
    assert not Interaction.objects.exists()
    assert not RejectedInbound.objects.exists()
    # When an admin adds a queue, the next poll stores it
    QueueFactory()
    assert imap_poll().stored == 1
    assert imap.mailbox.seen(uid)


def test_an_oversized_message_is_refused_without_fetching_it(imap, help_desk, settings):
    settings.RAPPORT_MAIL_MAX_BYTES = 1000
    uid = imap.mailbox.add(mail("<imap-big@customer.example>", body="z" * 5000))

    result = imap_poll()

    assert result.refused == 1
    rejected = RejectedInbound.objects.get()
    assert rejected.reason.startswith("Larger than 1000 bytes")
    assert "<imap-big@customer.example>" in rejected.detail  # the headers are kept
    assert "zzzz" not in rejected.detail  # the body was never downloaded
    assert imap.mailbox.seen(uid)
    assert not Interaction.objects.exists()


def test_the_command_polls_once_and_reports(imap, help_desk, capsys):
    imap.mailbox.add(mail("<imap-command@customer.example>"))

    call_command("imap_poll", "--once")

    assert "1 stored" in capsys.readouterr().out
    assert Interaction.objects.filter(external_id="<imap-command@customer.example>").exists()


def test_without_a_configured_server_polling_is_an_error(settings):
    settings.RAPPORT_IMAP_HOST = ""

    with pytest.raises(ImapError):
        imap_poll()
    with pytest.raises(CommandError, match="RAPPORT_IMAP_HOST"):
        call_command("imap_poll", "--once")
