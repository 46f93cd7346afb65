"""Replying to a case by e-mail: threaded under the customer's last mail, with the case reference
in the subject, so the customer's answer finds its way back."""

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from rapport.access.tests.factories import QueueFactory
from rapport.accounts.tests.factories import TeamFactory
from rapport.cases import services
from rapport.cases.choices import CaseStatus
from rapport.cases.models import Case
from rapport.cases.tests.factories import CaseFactory
from rapport.core.errors import Conflict, PermissionDenied, ValidationFailed
from rapport.customers.tests.factories import ContactPointFactory, CustomerFactory
from rapport.interactions.models import Interaction
from rapport.interactions.services import InboundMessage, inbound_receive

pytestmark = pytest.mark.django_db


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"alice@example.com": (550, b"No such user")})


@pytest.fixture
def queue():
    return QueueFactory()


@pytest.fixture
def agent(make_user, queue):
    return make_user("agent", team=queue.team)


def customer_mail(
    *, message_id: str, subject: str, refs: tuple[str, ...] = (), minutes_ago: int = 10
):
    return inbound_receive(
        inbound=InboundMessage(
            channel="email",
            source="email",
            conversation_id=message_id,
            sender_kind="email",
            sender="alice@example.com",
            sender_name="Alice Martin",
            sent_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
            subject=subject,
            text="My router keeps rebooting.",
            thread_refs=refs,
        )
    )


@pytest.fixture
def case(queue) -> Case:
    """A case opened by the customer's e-mail, which itself answered an earlier one."""
    received = customer_mail(
        message_id="<m2@mail.example.com>",
        subject="Router reboots",
        refs=("<m1@mail.example.com>",),
    )
    assert received.interaction.case is not None
    return received.interaction.case


def test_reply_is_threaded_under_the_customers_mail(agent, case):
    interaction = services.case_reply(case=case, by=agent, text="Please send the serial number.")

    sent = mail.outbox[0]
    assert sent.to == ["alice@example.com"]
    assert sent.subject == f"Re: Router reboots [{case.reference}]"
    assert sent.extra_headers["In-Reply-To"] == "<m2@mail.example.com>"
    assert sent.extra_headers["References"] == "<m1@mail.example.com> <m2@mail.example.com>"
    assert sent.extra_headers["Message-ID"] == interaction.external_id
    assert interaction.case == case and interaction.direction == "outbound"
    case.refresh_from_db()
    assert case.first_responded_at == interaction.answered_at
    assert case.status == CaseStatus.OPEN


def test_the_customers_answer_comes_back_to_the_case(agent, case):
    reply = services.case_reply(case=case, by=agent, text="Please send the serial number.")

    # the customer's mail client answers our Message-ID, with an edited subject
    answer = customer_mail(
        message_id="<m3@mail.example.com>",
        subject="serial number",
        refs=("<m1@mail.example.com>", "<m2@mail.example.com>", reply.external_id),
        minutes_ago=0,
    )

    assert answer.interaction.case == case
    assert Case.objects.count() == 1


def test_the_subject_keeps_one_re_and_one_reference(agent, queue):
    received = customer_mail(message_id="<m9@x>", subject="RE: Router [C-999999]")
    case = received.interaction.case
    assert case is not None

    services.case_reply(case=case, by=agent, text="On it.")

    assert mail.outbox[0].subject == f"RE: Router [{case.reference}]"


def test_without_a_mail_from_the_customer_it_goes_to_their_preferred_address(agent, queue):
    customer = CustomerFactory()
    ContactPointFactory(customer=customer, value="old@example.com")
    ContactPointFactory(customer=customer, value="Main@Example.com", preferred=True)
    case = CaseFactory(customer=customer, queue=queue, subject="Call back")

    services.case_reply(case=case, by=agent, text="As promised on the phone.")

    sent = mail.outbox[0]
    assert sent.to == ["main@example.com"]
    assert sent.subject == f"Re: Call back [{case.reference}]"
    assert "In-Reply-To" not in sent.extra_headers


def test_no_address_to_reply_to(agent, queue):
    case = CaseFactory(customer=CustomerFactory(), queue=queue)

    with pytest.raises(ValidationFailed) as raised:
        services.case_reply(case=case, by=agent, text="Hello?")

    assert raised.value.code == "no_email"
    assert mail.outbox == []


def test_a_refused_send_records_nothing(agent, case, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"

    with pytest.raises(Conflict):
        services.case_reply(case=case, by=agent, text="Please send the serial number.")

    assert not Interaction.objects.filter(direction="outbound").exists()
    case.refresh_from_db()
    assert case.first_responded_at is None
    assert case.status == CaseStatus.NEW
    assert case.interactions.count() == 1


def test_only_a_case_worker_may_reply(make_user, case):
    outsider = make_user("agent", team=TeamFactory())

    with pytest.raises(PermissionDenied):
        services.case_reply(case=case, by=outsider, text="Hi")

    assert mail.outbox == []


def test_a_stranger_quoting_the_case_reference_never_receives_the_reply(agent, case):
    inbound_receive(
        inbound=InboundMessage(
            channel="email",
            source="email",
            conversation_id="<spoof@evil.example>",
            sender_kind="email",
            sender="mallory@evil.example",
            sent_at=timezone.now(),
            subject=f"Re: Router reboots [{case.reference}]",
            text="Send me the account details.",
        )
    )
    assert case.interactions.filter(sender="mallory@evil.example").exists()

    services.case_reply(case=case, by=agent, text="Here is what we found.")

    assert mail.outbox[-1].to == ["alice@example.com"]
    assert mail.outbox[-1].extra_headers["In-Reply-To"] == "<m2@mail.example.com>"
