"""Raising overdue briefings to supervisors: the "raised to you" list shows them at once, even
when the e-mail fails, and a mail that fails in any way does not stop the others."""

import datetime
import logging

import pytest
from django.core import mail

from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.briefings.selectors import briefings as selectors
from rapport.briefings.services import briefings as services
from rapport.briefings.tests.factories_briefings import delivery_of, published

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)
LATE = NOW + datetime.timedelta(hours=2)


def _team(name: str):
    lead = UserFactory(roles=["supervisor"], email=f"{name}@example.com")
    agent = UserFactory(roles=["agent"], team=TeamFactory(supervisor=lead), email="")
    return lead, agent


def test_a_raised_delivery_is_listed_for_the_supervisor_though_the_mail_failed(monkeypatch):
    lead, agent = _team("lead")
    briefing = published(
        author=lead, agents=[agent], at=NOW, due_at=NOW + datetime.timedelta(hours=1)
    )

    def broken(supervisor, rows):
        raise ValueError("a header the mail library refuses")

    monkeypatch.setattr(services, "_tell_supervisor", broken)
    result = services.reminders_send(now=LATE)

    assert result["escalated"] == 1 and result["supervisors_told"] == 0
    assert [d.agent for d in selectors.overdue_raised_to(user=lead)] == [agent]
    assert delivery_of(briefing, agent).supervisor_emailed_at is None


def test_one_failing_supervisor_mail_does_not_stop_the_others(monkeypatch, caplog):
    (first_lead, first_agent), (_, second_agent) = _team("first"), _team("second")
    author = UserFactory(roles=["trainer"])
    briefing = published(
        author=author,
        agents=[first_agent, second_agent],
        at=NOW,
        due_at=NOW + datetime.timedelta(hours=1),
    )
    real = services._tell_supervisor

    def flaky(supervisor, rows):
        if supervisor == first_lead:
            raise RuntimeError("unexpected failure in the mail backend")
        real(supervisor, rows)

    monkeypatch.setattr(services, "_tell_supervisor", flaky)
    with caplog.at_level(logging.ERROR, logger="rapport.briefings.services.briefings"):
        result = services.reminders_send(now=LATE)

    assert result == {"reminded": 0, "escalated": 2, "supervisors_told": 1}
    assert [m.to for m in mail.outbox] == [["second@example.com"]]
    assert delivery_of(briefing, second_agent).supervisor_emailed_at == LATE
    assert delivery_of(briefing, first_agent).supervisor_emailed_at is None
    assert any(r.exc_info and "failed" in r.getMessage() for r in caplog.records)

    monkeypatch.setattr(services, "_tell_supervisor", real)
    later = LATE + datetime.timedelta(hours=1)
    assert services.reminders_send(now=later)["supervisors_told"] == 1
    assert [m.to for m in mail.outbox][-1] == ["first@example.com"]
    assert delivery_of(briefing, first_agent).supervisor_emailed_at == later


def test_any_failing_reminder_is_logged_and_the_rest_are_sent(monkeypatch):
    lead = UserFactory(roles=["supervisor"], email="")
    team = TeamFactory(supervisor=lead)
    agents = [UserFactory(roles=["agent"], team=team, email=f"a{n}@example.com") for n in range(2)]
    published(author=lead, agents=agents, at=NOW, due_at=NOW + datetime.timedelta(hours=1))
    real = services._remind

    def flaky(delivery, now):
        if delivery.agent == agents[0]:
            raise UnicodeEncodeError("ascii", "ü", 0, 1, "cannot encode")
        return real(delivery, now)

    monkeypatch.setattr(services, "_remind", flaky)
    result = services.reminders_send(now=LATE)

    assert result["reminded"] == 1
    assert [m.to for m in mail.outbox] == [["a1@example.com"]]
