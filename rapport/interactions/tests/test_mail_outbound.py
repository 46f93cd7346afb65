"""A whole e-mail conversation over real SMTP: the customer writes to our listener, the agent's
reply leaves through Django's SMTP backend to an outside server (a collecting aiosmtpd), and the
customer's answer to that reply comes back into the same case."""

import smtplib
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest

from rapport.access.tests.factories import QueueFactory, TouchpointFactory
from rapport.cases import services as case_services
from rapport.cases.models import Case
from rapport.interactions.mail.listener import MailController, mail_controller
from rapport.interactions.models import Interaction
from rapport.interactions.tests.mail_servers import Collector, strict_async_checks

HELP = "help@rapport.example"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def listener(monkeypatch):
    strict_async_checks(monkeypatch)
    controller = mail_controller(host="127.0.0.1", port=0, protocol="smtp")
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def outside_mail_server(settings):
    """The customer's side of the internet: everything our SMTP backend sends lands here."""
    collector = Collector()
    controller = MailController(collector, protocol="smtp", hostname="127.0.0.1", port=0)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    yield collector
    controller.stop()


def deliver(controller, message: EmailMessage) -> None:
    with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as client:
        assert client.send_message(message) == {}


def test_our_reply_threads_and_the_customers_answer_returns_to_the_case(
    listener, outside_mail_server, make_user
):
    queue = QueueFactory(name="Billing")
    TouchpointFactory(address=HELP, queue=queue)
    agent = make_user("agent", team=queue.team)
    # Given a customer's first mail arrived through the listener and opened a case
    first = EmailMessage()
    first["From"] = "Carla Diaz <carla@customer.example>"
    first["To"] = HELP
    first["Subject"] = "Charged twice"
    first["Message-ID"] = "<carla-1@customer.example>"
    first["References"] = "<older@customer.example>"
    first.set_content("You charged my card twice this month.")
    deliver(listener, first)
    case = Case.objects.get()

    # When the agent replies from the case
    case_services.case_reply(
        case=case, by=agent, text="Sorry, Carla: the second charge is refunded."
    )

    # Then the mail that left is threaded under hers and names the case
    envelope = outside_mail_server.envelopes[-1]
    assert envelope.rcpt_tos == ["carla@customer.example"]
    sent = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
    assert sent["In-Reply-To"] == "<carla-1@customer.example>"
    assert sent["References"].split() == ["<older@customer.example>", "<carla-1@customer.example>"]
    assert f"[{case.reference}]" in sent["Subject"]
    assert sent["Subject"].startswith("Re: Charged twice")
    assert "second charge is refunded" in sent.get_body(preferencelist=("plain",)).get_content()
    outbound = Interaction.objects.get(direction="outbound")
    assert outbound.external_id == sent["Message-ID"]
    assert outbound.case_id == case.pk

    # When the customer answers that mail from her client, which keeps only the threading headers
    answer = EmailMessage()
    answer["From"] = "carla@customer.example"
    answer["To"] = HELP
    answer["Subject"] = "Re: refund"
    answer["Message-ID"] = "<carla-2@customer.example>"
    answer["In-Reply-To"] = sent["Message-ID"]
    answer["References"] = f"{sent['References']} {sent['Message-ID']}"
    answer.set_content("Thanks, I see it now.")
    deliver(listener, answer)

    # Then it lands in the same case, and no second case was opened
    reply = Interaction.objects.get(external_id="<carla-2@customer.example>")
    assert reply.case_id == case.pk
    assert reply.customer_id == case.customer_id
    assert Case.objects.count() == 1
    assert list(
        case.interactions.order_by("started_at", "id").values_list("direction", flat=True)
    ) == [
        "inbound",
        "outbound",
        "inbound",
    ]
