"""Listening to the ledger: score what the customer said as it arrives and raise alerts on the
negative interactions, within the recording transaction so an alert fires within seconds.

Phone calls are the exception: the switch records them without these signals until wrap-up, so
the survey clock enqueues the alerts sweep over the last hours on every tick to catch them.

The receivers run inside the ledger's transaction. A failure to score or alert must never lose
the customer's message, so each runs in its own savepoint and a failure is logged, not raised.
"""

import datetime
import logging
import math

from django.db import transaction
from django.utils import timezone

from rapport.cases.models import Escalation
from rapport.cases.signals import case_escalated
from rapport.insights import tasks
from rapport.insights.services import alerts
from rapport.insights.services import signals as signal_services
from rapport.interactions.models import Interaction
from rapport.interactions.signals import inbound_received, ledger_changed, wrapped_up

logger = logging.getLogger(__name__)


def _listen(interaction: Interaction) -> None:
    try:
        with transaction.atomic():
            signal_services.interaction_score(interaction=interaction)
            alerts.alerts_evaluate_interaction(interaction=interaction)
    except Exception:
        logger.exception("Scoring or alerting failed for interaction %s", interaction.pk)


def on_inbound_received(sender, interaction: Interaction, message, created, **kwargs) -> None:
    _listen(interaction)


def on_wrapped_up(sender, interaction: Interaction, by, **kwargs) -> None:
    # Contact type, outcome (escalated, transferred) and the handling agent are known now.
    _listen(interaction)


def on_case_escalated(sender, escalation: Escalation, **kwargs) -> None:
    try:
        with transaction.atomic():
            alerts.alert_raise_for_escalation(escalation=escalation)
    except Exception:
        logger.exception("Alerting failed for escalation %s", escalation.pk)


def on_ledger_changed(sender, days, **kwargs) -> None:
    """Bulk imports write without per-row signals: sweep their days for alerts once they commit."""
    if not days:
        return
    since = datetime.datetime.combine(
        min(days), datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    hours = math.ceil((timezone.now() - since).total_seconds() / 3600) + 1
    transaction.on_commit(lambda: tasks.alerts_sweep.enqueue(hours=hours))


def connect() -> None:
    inbound_received.connect(on_inbound_received, dispatch_uid="insights.inbound")
    wrapped_up.connect(on_wrapped_up, dispatch_uid="insights.wrapped_up")
    case_escalated.connect(on_case_escalated, dispatch_uid="insights.case_escalated")
    ledger_changed.connect(on_ledger_changed, dispatch_uid="insights.ledger_changed")
