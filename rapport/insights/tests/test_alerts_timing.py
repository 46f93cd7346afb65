"""Alert timing for phone calls: the switch records a call without the ledger's signals, so the
clock's sweep raises its alert within the sweep's look-back; wrap-up raises it at once."""

import datetime as dt

import pytest
from django.utils import timezone

from rapport.access.tests.factories import ContactTypeFactory, QueueFactory
from rapport.insights import tasks
from rapport.insights.models import Alert
from rapport.insights.tests.alert_helpers import team_with_lead
from rapport.interactions import services as interaction_services
from rapport.interactions.models import Interaction
from rapport.interactions.telephony import call_events_record
from rapport.surveys.management.commands.survey_watch import ALERTS_LOOKBACK_HOURS

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


def call(call_id: str, *, agent: str, started: dt.datetime, transferred: bool) -> Interaction:
    """A call the switch reports: rings, answered, maybe handed over, ended five minutes in."""
    kinds = ["ringing", "answered", *(["transferred"] if transferred else []), "ended"]
    events = [
        {
            "event_id": f"{call_id}-{kind}",
            "call_id": call_id,
            "kind": kind,
            "occurred_at": (started + step * MINUTE).isoformat(),
            "ani": "+12125550100",
            "agent": agent,
        }
        for step, kind in enumerate(kinds)
    ]
    result = call_events_record(events=events)
    assert (result.accepted, result.rejected) == (len(kinds), [])
    return Interaction.objects.get(source="phone", external_id=call_id)


def alert_of(interaction: Interaction) -> Alert | None:
    return Alert.objects.filter(source_key=f"interaction:{interaction.pk}").first()


def test_a_transferred_call_gets_its_alert_from_the_clocks_sweep():
    team, _lead, agent = team_with_lead()
    recent = call(
        "c-1", agent=agent.username, started=timezone.now() - 10 * MINUTE, transferred=True
    )
    before = timezone.now() - dt.timedelta(hours=ALERTS_LOOKBACK_HOURS, minutes=10)
    older = call("c-0", agent=agent.username, started=before, transferred=True)
    assert recent.transfers == 1
    assert alert_of(recent) is None  # the switch sends no signal: only the sweep sees the call

    tasks.alerts_sweep.call(hours=ALERTS_LOOKBACK_HOURS)

    alert = alert_of(recent)
    assert alert is not None
    assert alert.reasons[0]["text"] == "The contact was transferred 1 time(s)."
    assert (alert.agent, alert.team) == (agent, team)
    assert recent.ended_at is not None
    assert dt.timedelta(0) <= alert.fired_at - recent.ended_at < dt.timedelta(minutes=10)
    assert alert_of(older) is None  # outside this tick's look-back
    tasks.alerts_sweep.call(hours=ALERTS_LOOKBACK_HOURS)
    assert Alert.objects.count() == 1


def test_wrapping_up_a_call_as_escalated_raises_its_alert_at_once():
    QueueFactory()
    _team, _lead, agent = team_with_lead()
    recorded = call(
        "c-2", agent=agent.username, started=timezone.now() - 10 * MINUTE, transferred=False
    )
    tasks.alerts_sweep.call(hours=ALERTS_LOOKBACK_HOURS)
    assert alert_of(recorded) is None  # a plain call raises nothing

    interaction_services.wrap_up(
        interaction=recorded,
        by=agent,
        contact_type=ContactTypeFactory(),
        outcome="escalated",
        relationship_attempt=False,
        compliment_received=False,
    )

    alert = alert_of(recorded)
    assert alert is not None
    assert [r["kind"] for r in alert.reasons] == ["escalation"]
    recorded.refresh_from_db()
    assert recorded.wrapped_up_at is not None
    assert dt.timedelta(0) <= alert.fired_at - recorded.wrapped_up_at < MINUTE
