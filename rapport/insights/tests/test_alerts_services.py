"""Raising alerts (one per source, reasons merged, replay a no-op, fired within a minute of the
contact through the real ledger) and the recovery work on them (take, assign, note, close)."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from rapport.access.tests.factories import ContactTypeFactory, QueueFactory
from rapport.accounts.tests.factories import UserFactory
from rapport.cases import services as case_services
from rapport.cases.tests.factories import CaseFactory, EscalationReasonFactory
from rapport.core.errors import Conflict, PermissionDenied, ValidationFailed
from rapport.core.models import AuditEvent
from rapport.insights.models import Alert, AlertEvent, RootCause
from rapport.insights.services import alerts
from rapport.insights.services import signals as signal_services
from rapport.insights.tests.alert_helpers import (
    ANGRY,
    CHURN,
    COMPLAINT,
    NEUTRAL,
    contact,
    team_with_lead,
)
from rapport.interactions import services as interaction_services
from rapport.interactions.models import Interaction
from rapport.interactions.services import InboundMessage
from rapport.interactions.signals import ledger_changed
from rapport.interactions.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def kinds(alert: Alert) -> list[str]:
    return [reason["kind"] for reason in alert.reasons]


def events(alert: Alert) -> list[str]:
    return list(AlertEvent.objects.filter(alert=alert).values_list("kind", flat=True))


# --- Raising ---------------------------------------------------------------------------------------


def test_a_replay_changes_nothing():
    interaction = contact(CHURN)
    first = alerts.alerts_evaluate_interaction(interaction=interaction)
    assert first is not None
    before = (first.reasons, first.severity, first.callback_by, first.updated_at)

    again = alerts.alerts_evaluate_interaction(interaction=interaction)

    assert again is not None and again.pk == first.pk
    again.refresh_from_db()
    assert (again.reasons, again.severity, again.callback_by, again.updated_at) == before
    assert Alert.objects.count() == 1
    assert events(again) == ["fired"]
    assert AuditEvent.objects.filter(action="alert.fired").count() == 1


def test_rules_matching_one_contact_share_one_alert_with_the_highest_severity():
    interaction = contact(ANGRY + " " + CHURN)

    alert = alerts.alerts_evaluate_interaction(interaction=interaction)

    assert alert is not None
    assert set(kinds(alert)) == {"negative_sentiment", "churn_intent"}
    assert alert.severity == "critical"
    # The shortest call-back of the matched rules: churn (critical) 4 h.
    assert alert.callback_by == alert.fired_at + 4 * HOUR


def test_a_later_match_adds_its_reason_and_raises_the_severity():
    interaction = contact(NEUTRAL, outcome="escalated")
    alert = alerts.alerts_evaluate_interaction(interaction=interaction)
    assert alert is not None and (alert.severity, kinds(alert)) == ("medium", ["escalation"])
    assert alert.callback_by == alert.fired_at + 48 * HOUR
    MessageFactory(interaction=interaction, side="customer", body_text=COMPLAINT)
    signal_services.interaction_score(interaction=interaction)

    alert = alerts.alerts_evaluate_interaction(interaction=interaction)

    assert alert is not None
    assert kinds(alert) == ["escalation", "complaint"]
    assert alert.severity == "high"
    assert alert.callback_by == alert.fired_at + 24 * HOUR
    assert events(alert) == ["fired", "reason_added"]
    alerts.alerts_evaluate_interaction(interaction=interaction)
    assert events(alert) == ["fired", "reason_added"]


def test_the_alert_belongs_to_the_handling_agents_team():
    team, _lead, agent = team_with_lead()
    alert = alerts.alerts_evaluate_interaction(interaction=contact(CHURN, agent=agent))
    assert alert is not None and (alert.team, alert.agent) == (team, agent)


def test_without_an_agent_the_alert_goes_to_the_queues_team():
    queue = QueueFactory()
    alert = alerts.alerts_evaluate_interaction(interaction=contact(CHURN, queue=queue))
    assert alert is not None and alert.team == queue.team


def inbound(**fields) -> InboundMessage:
    values = {
        "channel": "sms",
        "source": "sms",
        "conversation_id": "thread-1",
        "message_id": "m1",
        "sender_kind": "phone",
        "sender": "+12125550123",
        "sent_at": timezone.now(),
        "text": CHURN,
    } | fields
    return InboundMessage(**values)


def test_an_inbound_message_raises_its_alert_within_a_minute():
    QueueFactory()  # deferred contacts open cases, which need a queue

    received = interaction_services.inbound_receive(inbound=inbound())

    alert = Alert.objects.get(source_key=f"interaction:{received.interaction.pk}")
    assert "churn_intent" in kinds(alert)
    assert (
        dt.timedelta(0)
        <= alert.fired_at - received.interaction.started_at
        < dt.timedelta(seconds=60)
    )
    assert alert.customer == received.interaction.customer


def test_a_replayed_inbound_message_raises_nothing_more():
    QueueFactory()
    message = inbound()
    interaction_services.inbound_receive(inbound=message)
    interaction_services.inbound_receive(inbound=message)
    assert Alert.objects.count() == 1
    assert AlertEvent.objects.count() == 1


def test_a_calm_inbound_message_raises_no_alert():
    QueueFactory()
    interaction_services.inbound_receive(inbound=inbound(text="Thanks, all sorted now."))
    assert not Alert.objects.exists()


def test_wrap_up_as_escalated_adds_the_escalation_reason():
    team, _lead, agent = team_with_lead()
    interaction = contact(COMPLAINT)
    alerts.alerts_evaluate_interaction(interaction=interaction)

    interaction_services.wrap_up(
        interaction=interaction,
        by=agent,
        contact_type=ContactTypeFactory(),
        outcome="escalated",
        relationship_attempt=False,
        compliment_received=False,
    )

    alert = Alert.objects.get()
    assert kinds(alert) == ["complaint", "escalation"]
    # Who handled it is known at wrap-up: the alert goes to that agent's team.
    assert (alert.agent, alert.team) == (agent, team)


def test_a_case_escalation_raises_the_escalation_rule_on_its_contact():
    team, lead, agent = team_with_lead()
    front = QueueFactory(team=team, tier=1)
    second = QueueFactory(tier=2)
    case = CaseFactory(queue=front)
    interaction = contact(NEUTRAL, case=case, agent=agent)

    case_services.case_escalate(
        case=case,
        by=lead,
        to_queue=second,
        reason=EscalationReasonFactory(),
        customer_needs="A refund.",
        tried="Explained the fee.",
    )

    alert = Alert.objects.get(source_key=f"interaction:{interaction.pk}")
    assert kinds(alert) == ["escalation"]
    assert alert.team == team


# --- Recovery work ---------------------------------------------------------------------------------


@pytest.fixture
def world():
    team, lead, agent = team_with_lead()
    other_team, other_lead, other_agent = team_with_lead("Red")
    admin = UserFactory(roles=["admin"])
    alert = alerts.alerts_evaluate_interaction(interaction=contact(CHURN, agent=agent))
    assert alert is not None
    cause = RootCause.objects.get(name="Agent knowledge gap")
    return locals()


def test_the_teams_supervisor_takes_the_recovery(world):
    alert = alerts.alert_take(alert=world["alert"], by=world["lead"])
    assert (alert.owner, alert.state) == (world["lead"], "in_recovery")
    assert events(alert)[-1] == "taken"
    assert AuditEvent.objects.filter(action="alert.taken", target_id=str(alert.pk)).exists()


def test_another_teams_supervisor_and_an_agent_may_not_take_it(world):
    for person in (world["other_lead"], world["agent"]):
        with pytest.raises(PermissionDenied):
            alerts.alert_take(alert=world["alert"], by=person)
    world["alert"].refresh_from_db()
    assert world["alert"].state == "open"


def test_the_supervisor_assigns_an_agent_of_the_team(world):
    alert = alerts.alert_assign(alert=world["alert"], by=world["lead"], owner=world["agent"])
    assert (alert.owner, alert.state) == (world["agent"], "in_recovery")


def test_an_agent_of_another_team_cannot_be_assigned(world):
    with pytest.raises(ValidationFailed) as refused:
        alerts.alert_assign(alert=world["alert"], by=world["lead"], owner=world["other_agent"])
    assert "owner" in refused.value.fields
    world["alert"].refresh_from_db()
    assert world["alert"].owner is None


def test_the_owner_adds_notes_and_closes(world):
    alert = alerts.alert_assign(alert=world["alert"], by=world["lead"], owner=world["agent"])
    alerts.alert_note_add(alert=alert, by=world["agent"], note="Called back, left a message.")

    alert = alerts.alert_close(
        alert=alert, by=world["agent"], outcome="saved", root_cause=world["cause"], note="Kept."
    )

    alert.refresh_from_db()
    assert (alert.state, alert.outcome, alert.root_cause) == ("closed", "saved", world["cause"])
    assert alert.closed_at is not None
    assert events(alert)[-2:] == ["note", "closed"]
    assert "Customer saved; root cause: Agent knowledge gap. Kept." in alert.events.last().note


def test_closing_needs_an_outcome_and_a_root_cause(world):
    alert = world["alert"]
    with pytest.raises(ValidationFailed) as refused:
        alerts.alert_close(alert=alert, by=world["lead"], outcome="", root_cause=None)
    assert set(refused.value.fields) == {"outcome", "root_cause"}
    with pytest.raises(ValidationFailed):
        alerts.alert_close(alert=alert, by=world["lead"], outcome="saved", root_cause=None)
    alert.refresh_from_db()
    assert (alert.state, alert.closed_at) == ("open", None)
    assert events(alert) == ["fired"]


def test_a_retired_root_cause_is_refused(world):
    RootCause.objects.filter(pk=world["cause"].pk).update(is_active=False)
    world["cause"].refresh_from_db()
    with pytest.raises(ValidationFailed):
        alerts.alert_close(
            alert=world["alert"], by=world["lead"], outcome="lost", root_cause=world["cause"]
        )


def test_someone_who_does_not_own_it_cannot_note_or_close(world):
    with pytest.raises(PermissionDenied):
        alerts.alert_note_add(alert=world["alert"], by=world["agent"], note="Hi")
    with pytest.raises(PermissionDenied):
        alerts.alert_close(
            alert=world["alert"], by=world["other_lead"], outcome="lost", root_cause=world["cause"]
        )


def test_a_closed_alert_is_reopened_by_the_supervisor_only(world):
    alert = alerts.alert_close(
        alert=world["alert"], by=world["admin"], outcome="lost", root_cause=world["cause"]
    )
    with pytest.raises(Conflict):
        alerts.alert_take(alert=alert, by=world["lead"])
    with pytest.raises(PermissionDenied):
        alerts.alert_reopen(alert=alert, by=world["agent"])

    alert = alerts.alert_reopen(alert=alert, by=world["lead"], note="Customer called again.")

    assert (alert.state, alert.outcome, alert.root_cause, alert.closed_at) == (
        "in_recovery",
        "",
        None,
        None,
    )
    with pytest.raises(Conflict):
        alerts.alert_reopen(alert=alert, by=world["lead"])


def test_an_empty_note_is_refused(world):
    with pytest.raises(ValidationFailed):
        alerts.alert_note_add(alert=world["alert"], by=world["lead"], note="   ")
    assert events(world["alert"]) == ["fired"]


def test_a_sweep_raises_alerts_for_imported_contacts_once():
    from rapport.insights.tasks import alerts_sweep

    contact(CHURN)
    contact(NEUTRAL)
    contact(CHURN, at=timezone.now() - dt.timedelta(days=3))

    assert alerts.alerts_sweep(since=timezone.now() - HOUR) == 1
    assert alerts_sweep.call(hours=1) == 1
    assert Alert.objects.count() == 1
    assert AlertEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_bulk_import_announcing_its_days_gets_those_days_swept_once_it_commits():
    # Rows written in bulk send no per-row signal; the import announces their days instead.
    imported = contact(CHURN, at=timezone.now() - dt.timedelta(days=2))
    Alert.objects.all().delete()

    with transaction.atomic():
        ledger_changed.send(sender=Interaction, days={timezone.localdate(imported.started_at)})
        assert not Alert.objects.exists()  # nothing before the import commits

    assert Alert.objects.get().interaction == imported


# --- Closed alerts and concurrent actions ----------------------------------------------------------


def test_new_bad_news_on_the_same_thread_reopens_a_closed_alert():
    QueueFactory()
    lead = UserFactory(roles=["admin"])
    first = interaction_services.inbound_receive(inbound=inbound(text=COMPLAINT))
    alert = Alert.objects.get(source_key=f"interaction:{first.interaction.pk}")
    cause = RootCause.objects.get(name="Agent knowledge gap")
    alerts.alert_close(alert=alert, by=lead, outcome="resolved", root_cause=cause)
    later = inbound(message_id="m2", text="I am going to cancel my account and leave.")

    second = interaction_services.inbound_receive(inbound=later)

    assert second.interaction.pk == first.interaction.pk
    alert.refresh_from_db()
    assert (alert.state, alert.owner, alert.outcome, alert.root_cause, alert.closed_at) == (
        "in_recovery",
        lead,
        "",
        None,
        None,
    )
    assert kinds(alert)[0] == "complaint" and "churn_intent" in kinds(alert)
    assert alert.severity == "critical"
    # Called back at the new reason's pace (churn: 4 h) from now, not from the first firing.
    assert alert.callback_by is not None
    assert timezone.now() + 3 * HOUR < alert.callback_by <= timezone.now() + 4 * HOUR
    after_close = events(alert)[events(alert).index("closed") + 1 :]
    assert after_close == ["reason_added"] * (len(kinds(alert)) - 1) + ["reopened"]
    reopened = AlertEvent.objects.get(alert=alert, kind="reopened")
    assert reopened.actor is None and "cancelling" in reopened.note
    audit = AuditEvent.objects.get(action="alert.reopened", target_id=str(alert.pk))
    assert audit.actor is None

    interaction_services.inbound_receive(inbound=later)  # a replay reopens nothing more
    assert events(alert).count("reopened") == 1


def test_a_replay_leaves_a_closed_alert_closed(world):
    alert = alerts.alert_close(
        alert=world["alert"], by=world["lead"], outcome="saved", root_cause=world["cause"]
    )
    alerts.alerts_evaluate_interaction(interaction=alert.interaction)
    alert.refresh_from_db()
    assert alert.state == "closed"
    assert events(alert) == ["fired", "closed"]


def test_a_second_close_from_a_stale_page_is_refused(world):
    stale = Alert.objects.get(pk=world["alert"].pk)
    alerts.alert_close(
        alert=world["alert"], by=world["lead"], outcome="saved", root_cause=world["cause"]
    )

    with pytest.raises(Conflict):
        alerts.alert_close(alert=stale, by=world["lead"], outcome="lost", root_cause=world["cause"])

    stale.refresh_from_db()
    assert (stale.state, stale.outcome) == ("closed", "saved")
    assert events(stale).count("closed") == 1


def test_an_action_from_a_stale_page_keeps_the_reasons_merged_meanwhile(world):
    stale = Alert.objects.get(pk=world["alert"].pk)
    interaction = stale.interaction
    MessageFactory(interaction=interaction, side="customer", body_text=COMPLAINT)
    signal_services.interaction_score(interaction=interaction)
    alerts.alerts_evaluate_interaction(interaction=interaction)

    alerts.alert_take(alert=stale, by=world["lead"])
    alerts.alert_close(alert=stale, by=world["lead"], outcome="saved", root_cause=world["cause"])

    stale.refresh_from_db()
    assert kinds(stale)[0] == "churn_intent" and "complaint" in kinds(stale)
    assert stale.state == "closed"


def test_a_reopen_from_a_stale_page_is_refused_once_reopened(world):
    alert = alerts.alert_close(
        alert=world["alert"], by=world["lead"], outcome="lost", root_cause=world["cause"]
    )
    stale = Alert.objects.get(pk=alert.pk)
    alerts.alert_reopen(alert=alert, by=world["lead"])
    with pytest.raises(Conflict):
        alerts.alert_reopen(alert=stale, by=world["lead"])
    assert events(alert).count("reopened") == 1
