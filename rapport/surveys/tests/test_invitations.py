"""Invitations: the channel chosen, e-mail through Django's mail, SMS through a real HTTP gateway,
failures recorded (never raised), and the signed, single-use, expiring link."""

import datetime
import json
import re
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from rapport.access.tests.factories import ContactTypeFactory
from rapport.customers.tests.factories import ContactPointFactory
from rapport.insights import catalog as insights_catalog
from rapport.insights.models import Alert
from rapport.interactions import services as interaction_services
from rapport.interactions import webhooks
from rapport.surveys.choices import InvitationState, InviteChannel
from rapport.surveys.management.commands.survey_watch import ALERTS_LOOKBACK_HOURS
from rapport.surveys.models import Invitation
from rapport.surveys.selectors import invitations as selectors
from rapport.surveys.services import draw as draw_services
from rapport.surveys.services import invitations as services
from rapport.surveys.services import responses as response_services
from rapport.surveys.tasks import surveys_tick
from rapport.surveys.tests.factories_draw import (
    agent_in_team,
    contact,
    customer_with_mobile,
    invitation_for,
    settings_set,
)

SMS_SECRET = "test-sms-secret"


def _nonce_in(text: str, prefix: str) -> str:
    """The nonce the link in a message names, once its signature is checked."""
    token = re.search(re.escape(prefix) + r"([^/\s]+)/", text)
    assert token is not None, text
    return selectors.invitation_nonce_from(token.group(1))


class Gateway(BaseHTTPRequestHandler):
    received: list[dict] = []
    status = 202

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append({"body": body, "headers": dict(self.headers)})
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    Gateway.received = []
    Gateway.status = 202
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.RAPPORT_SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
    yield Gateway
    server.shutdown()
    server.server_close()


def test_a_selected_contact_is_invited_by_email_else_by_sms_to_a_mobile(db):
    settings_set(rate=Decimal("1"))
    by_mail = draw_services.draw_for(interaction=contact())
    assert by_mail.invitation.channel == InviteChannel.EMAIL
    assert "@" in by_mail.invitation.address
    both = customer_with_mobile()
    ContactPointFactory(customer=both, kind="email", value="Both@Example.com")
    assert draw_services.draw_for(interaction=contact(customer=both)).invitation.address == (
        "both@example.com"
    )
    mobile_only = customer_with_mobile()
    invitation = draw_services.draw_for(interaction=contact(customer=mobile_only)).invitation
    assert invitation.channel == InviteChannel.SMS and invitation.address.startswith("+44")
    assert invitation.state == InvitationState.QUEUED
    assert invitation.expires_at > timezone.now() + datetime.timedelta(days=6)


def test_email_invitation_goes_through_django_mail_once(db, settings):
    settings.RAPPORT_PUBLIC_URL = "https://rapport.example.org"
    invitation = invitation_for()
    sent = services.invitation_send(invitation=invitation)
    assert sent.state == InvitationState.SENT and sent.sent_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [invitation.address] and message.from_email == settings.RAPPORT_MAIL_FROM
    assert _nonce_in(message.body, "https://rapport.example.org/s/") == invitation.nonce
    assert services.invitation_send(invitation=invitation).state == InvitationState.SENT
    assert len(mail.outbox) == 1  # a second send is a no-op


def test_email_refused_by_the_server_is_recorded(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    sent = services.invitation_send(invitation=invitation_for())
    assert sent.state == InvitationState.FAILED
    assert sent.error.startswith("The mail server did not accept the invitation")


def test_sms_goes_to_the_gateway_signed(db, gateway):
    invitation = invitation_for(channel=InviteChannel.SMS, address="+447700900123")
    sent = services.invitation_send(invitation=invitation)
    assert sent.state == InvitationState.SENT, sent.error
    [request] = gateway.received
    payload = json.loads(request["body"])
    assert payload["to"] == "+447700900123"
    assert _nonce_in(payload["text"], "/s/") == invitation.nonce
    headers = {k.title(): v for k, v in request["headers"].items()}
    expected = webhooks.sign(
        secret=SMS_SECRET, timestamp=int(headers["X-Rapport-Timestamp"]), body=request["body"]
    )
    assert headers["X-Rapport-Signature"] == expected
    assert headers["X-Rapport-Delivery"] == invitation.nonce


def test_sms_refused_by_the_gateway_fails_with_the_reason(db, gateway):
    gateway.status = 503
    sent = services.invitation_send(invitation=invitation_for(channel=InviteChannel.SMS))
    assert sent.state == InvitationState.FAILED
    assert sent.error == "The SMS gateway refused the invitation (HTTP 503)."


def test_sms_without_a_gateway_fails_clearly(db, settings):
    settings.RAPPORT_SMS_GATEWAY_URL = ""
    sent = services.invitation_send(invitation=invitation_for(channel=InviteChannel.SMS))
    assert sent.state == InvitationState.FAILED
    assert "RAPPORT_SMS_GATEWAY_URL" in sent.error


def test_unreachable_gateway_fails_without_raising(db, settings):
    settings.RAPPORT_SMS_GATEWAY_URL = "http://127.0.0.1:1/send"
    sent = services.invitation_send(invitation=invitation_for(channel=InviteChannel.SMS))
    assert sent.state == InvitationState.FAILED
    assert sent.error.startswith("The SMS gateway could not be reached")


# --- The link -------------------------------------------------------------------------------------


def test_opening_marks_opened_once(db):
    invitation = invitation_for()
    services.invitation_send(invitation=invitation)
    token = services.invitation_token(invitation)
    opened = services.invitation_open(token)
    assert opened.state == InvitationState.OPENED and opened.opened_at is not None
    first = opened.opened_at
    assert services.invitation_open(token).opened_at == first


def test_tampered_and_unknown_links_are_not_valid(db):
    token = services.invitation_token(invitation_for())
    for bad in (token[:-2] + ("aa" if not token.endswith("aa") else "bb"), "nonsense", ""):
        with pytest.raises(selectors.InvitationInvalid):
            services.invitation_open(bad)
    Invitation.objects.all().delete()
    with pytest.raises(selectors.InvitationInvalid):
        services.invitation_open(token)


def test_an_expired_link_says_so_and_is_marked_expired(db):
    invitation = invitation_for()
    Invitation.objects.filter(pk=invitation.pk).update(
        state=InvitationState.SENT, expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    with pytest.raises(selectors.InvitationExpired):
        services.invitation_open(services.invitation_token(invitation))
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.EXPIRED


def test_an_answered_link_works_once(db):
    invitation = invitation_for()
    token = services.invitation_token(invitation)
    opened = services.invitation_open(token)
    csat = opened.survey.questions.get(kind="csat")
    response_services.response_submit(invitation=opened, answers={str(csat.pk): "5"})
    with pytest.raises(selectors.InvitationAnswered):
        services.invitation_open(token)


def test_invitations_expire_leaves_failed_and_answered_alone(db):
    past = timezone.now() - datetime.timedelta(days=1)
    rows = {state: invitation_for() for state in ("sent", "opened", "failed", "answered")}
    for state, invitation in rows.items():
        Invitation.objects.filter(pk=invitation.pk).update(state=state, expires_at=past)
    fresh = invitation_for()
    assert services.invitations_expire() == 2
    states = dict(Invitation.objects.values_list("pk", "state"))
    assert states[rows["sent"].pk] == states[rows["opened"].pk] == "expired"
    assert states[rows["failed"].pk] == "failed" and states[rows["answered"].pk] == "answered"
    assert states[fresh.pk] == "queued"


# --- Background work ------------------------------------------------------------------------------


def test_wrap_up_sends_the_invitation_after_commit(db, django_capture_on_commit_callbacks):
    settings_set(rate=Decimal("1"))
    agent = agent_in_team()
    interaction = contact(agent=agent)
    with django_capture_on_commit_callbacks(execute=True):
        interaction_services.wrap_up(
            interaction=interaction,
            by=agent,
            contact_type=ContactTypeFactory(),
            outcome="resolved",
            relationship_attempt=False,
            compliment_received=False,
        )
    invitation = Invitation.objects.get(interaction=interaction)
    assert invitation.state == InvitationState.SENT
    assert len(mail.outbox) == 1


def test_the_tick_sweeps_sends_and_expires(db):
    settings_set(rate=Decimal("1"))
    never_wrapped = contact(ago=datetime.timedelta(hours=3))
    old = invitation_for()
    Invitation.objects.filter(pk=old.pk).update(
        state="sent", expires_at=timezone.now() - datetime.timedelta(hours=1)
    )
    result = surveys_tick.call()
    assert result == {"drawn": 1, "sent": 1, "expired": 1}
    assert Invitation.objects.get(interaction=never_wrapped).state == InvitationState.SENT
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_survey_watch_once_runs_a_tick_and_sweeps_recent_calls_for_alerts():
    # As a process: the command closes stale connections, which a test transaction would not survive.
    settings_set(rate=Decimal("1"))
    insights_catalog.defaults_ensure()  # the alert rules, gone if a transactional test ran first
    interaction = contact(ago=datetime.timedelta(hours=3))
    # Calls the switch recorded (no ledger signal): transferred within the look-back, and before.
    transferred = contact(ago=datetime.timedelta(minutes=30), outcome="open", transfers=2)
    contact(ago=datetime.timedelta(hours=ALERTS_LOOKBACK_HOURS, minutes=5), transfers=1)

    call_command("survey_watch", "--once")

    assert Invitation.objects.get(interaction=interaction).state == InvitationState.SENT
    alert = Alert.objects.get()
    assert alert.interaction == transferred
    assert alert.reasons[0]["text"] == "The contact was transferred 2 time(s)."
