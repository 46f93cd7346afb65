"""Reminder and escalation e-mails: the right sender, links that work outside Rapport, and a
supervisor e-mail that failed is sent again on the next run."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.briefings.services import briefings as services
from rapport.briefings.tests.factories_briefings import delivery_of, published

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)
FAILING = "rapport.briefings.tests.test_briefings_reminders.FailingBackend"


class FailingBackend(BaseEmailBackend):
    """A mail server that refuses everything."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("mail server went away")


@pytest.fixture
def overdue(settings):
    settings.RAPPORT_MAIL_FROM = "rapport@calls.example"
    settings.DEFAULT_FROM_EMAIL = "webmaster@localhost"
    settings.RAPPORT_PUBLIC_URL = "https://rapport.calls.example/"
    lead = UserFactory(roles=["supervisor"], email="lead@example.com")
    agent = UserFactory(roles=["agent"], team=TeamFactory(supervisor=lead), email="a@example.com")
    briefing = published(
        author=lead, agents=[agent], at=NOW, due_at=NOW + datetime.timedelta(hours=1)
    )
    return briefing, agent


def test_mails_come_from_rapport_and_link_to_the_public_address(overdue):
    briefing, _agent = overdue
    result = services.reminders_send(now=NOW + datetime.timedelta(hours=2))
    assert result == {"reminded": 1, "escalated": 1, "supervisors_told": 1}
    reminder, escalation = mail.outbox
    for message in (reminder, escalation):
        assert message.from_email == "rapport@calls.example"
    assert f"https://rapport.calls.example/briefings/{briefing.pk}" in reminder.body
    assert "https://rapport.calls.example/briefings/" in escalation.body
    assert escalation.to == ["lead@example.com"]


def test_a_failed_supervisor_mail_is_sent_on_the_next_run(overdue, settings):
    briefing, agent = overdue
    settings.EMAIL_BACKEND = FAILING
    first = NOW + datetime.timedelta(hours=2)
    failed = services.reminders_send(now=first)
    assert failed == {"reminded": 0, "escalated": 1, "supervisors_told": 0}
    raised = delivery_of(briefing, agent)
    # Raised at once, so the supervisor's list shows it, though no mail went.
    assert raised.escalated_at == first and raised.supervisor_emailed_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    later = NOW + datetime.timedelta(hours=3)
    again = services.reminders_send(now=later)
    assert again["supervisors_told"] == 1 and again["escalated"] == 0
    mailed = delivery_of(briefing, agent)
    assert mailed.escalated_at == first and mailed.supervisor_emailed_at == later
    assert [m.to for m in mail.outbox].count(["lead@example.com"]) == 1
    assert services.reminders_send(now=later + datetime.timedelta(hours=1))["supervisors_told"] == 0
    assert [m.to for m in mail.outbox].count(["lead@example.com"]) == 1
