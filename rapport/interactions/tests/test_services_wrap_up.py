"""Wrapping up a contact: reason, outcome, soft signals and after-contact work time."""

import datetime as dt

import pytest
from django.utils import timezone

from rapport.access.tests.factories import ContactTypeFactory
from rapport.core.errors import ValidationFailed
from rapport.core.models import AuditEvent
from rapport.interactions.services import wrap_up
from rapport.interactions.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db


def test_wrap_up_records_reason_outcome_and_signals(make_user):
    agent = make_user("agent")
    billing = ContactTypeFactory(name="Billing question")
    call = InteractionFactory(agent=agent, ended_at=timezone.now() - dt.timedelta(seconds=90))

    wrap_up(
        interaction=call,
        by=agent,
        contact_type=billing,
        outcome="resolved",
        relationship_attempt=True,
        compliment_received=False,
    )

    call.refresh_from_db()
    assert (call.contact_type, call.outcome) == (billing, "resolved")
    assert (call.relationship_attempt, call.compliment_received) == (True, False)
    assert call.wrapped_up_at is not None
    assert 89 <= call.wrap_seconds <= 120
    audit = AuditEvent.objects.get(action="interaction.wrapped_up", target_id=str(call.pk))
    assert audit.actor == agent and audit.detail == {"outcome": "resolved"}


def test_a_second_wrap_up_corrects_it_without_recounting_the_time(make_user):
    agent = make_user("agent")
    call = InteractionFactory(agent=agent, ended_at=timezone.now() - dt.timedelta(seconds=30))
    wrap_up(
        interaction=call,
        by=agent,
        contact_type=ContactTypeFactory(),
        outcome="follow_up",
        relationship_attempt=False,
        compliment_received=False,
    )
    first_wrap = call.wrap_seconds
    call.ended_at = timezone.now() - dt.timedelta(hours=2)

    wrap_up(
        interaction=call,
        by=agent,
        contact_type=ContactTypeFactory(),
        outcome="resolved",
        relationship_attempt=False,
        compliment_received=True,
    )

    call.refresh_from_db()
    assert call.outcome == "resolved" and call.compliment_received is True
    assert call.wrap_seconds == first_wrap


def test_the_agent_wrapping_up_an_unanswered_contact_becomes_its_agent(make_user):
    agent = make_user("agent")
    message = InteractionFactory(channel="email", agent=None)

    wrap_up(
        interaction=message,
        by=agent,
        contact_type=ContactTypeFactory(),
        outcome="information",
        relationship_attempt=False,
        compliment_received=False,
    )

    assert message.agent == agent


def test_the_contacts_own_agent_is_kept(make_user):
    caller_agent, supervisor = make_user("agent"), make_user("supervisor")
    call = InteractionFactory(agent=caller_agent)

    wrap_up(
        interaction=call,
        by=supervisor,
        contact_type=ContactTypeFactory(),
        outcome="resolved",
        relationship_attempt=False,
        compliment_received=False,
    )

    assert call.agent == caller_agent


@pytest.mark.parametrize("outcome", ["", "went well", "RESOLVED"])
def test_an_outcome_is_required(make_user, outcome):
    call = InteractionFactory()

    with pytest.raises(ValidationFailed) as raised:
        wrap_up(
            interaction=call,
            by=make_user("agent"),
            contact_type=ContactTypeFactory(),
            outcome=outcome,
            relationship_attempt=False,
            compliment_received=False,
        )

    assert "outcome" in raised.value.fields
    call.refresh_from_db()
    assert call.wrapped_up_at is None and call.outcome == ""


@pytest.mark.parametrize(
    ("offer", "made", "accepted"),
    [("none", False, False), ("declined", True, False), ("accepted", True, True)],
)
def test_wrap_up_records_whether_an_offer_was_made_and_taken(make_user, offer, made, accepted):
    agent = make_user("agent")
    call = InteractionFactory(agent=agent)

    wrap_up(
        interaction=call,
        by=agent,
        contact_type=ContactTypeFactory(),
        outcome="sale" if accepted else "resolved",
        relationship_attempt=True,
        compliment_received=False,
        offer=offer,
    )

    call.refresh_from_db()
    assert (call.offer_made, call.offer_accepted) == (made, accepted)


def test_an_unknown_offer_answer_is_refused_and_nothing_is_saved(make_user):
    agent = make_user("agent")
    call = InteractionFactory(agent=agent)

    with pytest.raises(ValidationFailed) as refused:
        wrap_up(
            interaction=call,
            by=agent,
            contact_type=ContactTypeFactory(),
            outcome="resolved",
            relationship_attempt=True,
            compliment_received=False,
            offer="maybe",
        )

    assert "offer" in refused.value.fields
    call.refresh_from_db()
    assert call.wrapped_up_at is None and call.offer_made is None
