"""Alerts on negative interactions and the recovery work that follows, to closure.

Every rule that matches the same source (an interaction, or a survey answer) adds its reason to
the one alert for that source, so the customer gets one call back, not several; the alert takes
the highest severity and the shortest call-back time of its rules. Evaluating the same source
again adds nothing that is already there, so replays are no-ops. A new reason on a closed alert
reopens it: the customer said something worse after the recovery ended.

Recovery actions re-read the alert locked, so two people acting at once (or an action racing a
new reason) take turns and each sees what the other did.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from rapport.accounts.models import User
from rapport.cases.models import Escalation
from rapport.core.audit import audit_record
from rapport.core.errors import Conflict, PermissionDenied, ValidationFailed
from rapport.core.roles import is_admin
from rapport.insights.choices import (
    SEVERITY_RANK,
    AlertState,
    Intent,
    RecoveryOutcome,
    RuleKind,
    Sentiment,
)
from rapport.insights.models import Alert, AlertEvent, AlertRule, InteractionSignal, RootCause
from rapport.interactions.choices import Direction, Outcome
from rapport.interactions.models import Interaction

NOTE_MAX = 2000
# Survey scales as (lowest, highest); insights sits below surveys and cannot read its choices.
SCALES = {"csat": (1, 5), "rating": (1, 5), "nps": (0, 10), "ces": (1, 7)}
# The low-score rule's threshold is on the CSAT scale; other scales compare at the same position.
THRESHOLD_SCALE = SCALES["csat"]
ESCALATED_OUTCOMES = frozenset({Outcome.ESCALATED, Outcome.TRANSFERRED})
COMPLAINT_INTENTS = frozenset({Intent.COMPLAINT, Intent.LEGAL})

FIRED, REASON_ADDED = "fired", "reason_added"
TAKEN, ASSIGNED, NOTED, CLOSED, REOPENED = "taken", "assigned", "note", "closed", "reopened"


@dataclass(frozen=True)
class Match:
    rule: AlertRule
    text: str


# --- Rules -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the rules read about one interaction, gathered once."""

    interaction: Interaction
    signal: InteractionSignal | None
    escalated: bool

    @property
    def intents(self) -> set[str]:
        return set(self.signal.intents) if self.signal else set()


def _negative_sentiment(rule: AlertRule, facts: Facts) -> str | None:
    signal = facts.signal
    if signal is None or rule.threshold is None or signal.compound > rule.threshold:
        return None
    return f"The customer's words scored {signal.compound:+.2f} (alert at {rule.threshold:+.2f} or below)."


def _churn_intent(rule: AlertRule, facts: Facts) -> str | None:
    if Intent.CHURN not in facts.intents:
        return None
    return "The customer spoke of cancelling or leaving."


def _complaint(rule: AlertRule, facts: Facts) -> str | None:
    if Intent.LEGAL in facts.intents:
        return "The customer threatened a regulator or legal action."
    if Intent.COMPLAINT in facts.intents:
        return "The customer complained."
    return None


def _public_complaint(rule: AlertRule, facts: Facts) -> str | None:
    if facts.interaction.channel != "social":
        return None
    negative = facts.signal is not None and facts.signal.sentiment == Sentiment.NEGATIVE
    if not (facts.intents & COMPLAINT_INTENTS or negative):
        return None
    return "A complaint or negative words in public, on a social channel."


def _escalation(rule: AlertRule, facts: Facts) -> str | None:
    interaction = facts.interaction
    if interaction.outcome == Outcome.ESCALATED:
        return f"The contact ended {interaction.get_outcome_display().lower()}."
    # The phone switch counts hand-overs while the call is on, long before anyone wraps it up.
    if interaction.transfers > 0:
        return f"The contact was transferred {interaction.transfers} time(s)."
    if interaction.outcome in ESCALATED_OUTCOMES:
        return f"The contact ended {interaction.get_outcome_display().lower()}."
    if facts.escalated or Escalation.objects.filter(interaction=interaction).exists():
        return "The case was escalated from this contact."
    return None


def _repeat_contact(rule: AlertRule, facts: Facts) -> str | None:
    """The customer is back within the window after a contact we closed as resolved (for the same
    reason, when both reasons are known): the resolution did not hold. Any earlier contact would
    fire on every promised follow-up and bury the alerts that matter."""
    interaction = facts.interaction
    days = rule.window_days
    if not days or interaction.customer_id is None or interaction.direction != Direction.INBOUND:
        return None
    earlier = Interaction.objects.filter(
        customer_id=interaction.customer_id,
        direction=Direction.INBOUND,
        outcome=Outcome.RESOLVED,
        started_at__gte=interaction.started_at - datetime.timedelta(days=days),
        started_at__lte=interaction.started_at,
    ).exclude(pk=interaction.pk)
    if interaction.contact_type_id is not None:
        earlier = earlier.filter(
            Q(contact_type_id=interaction.contact_type_id) | Q(contact_type__isnull=True)
        )
    started = earlier.order_by("-started_at").values_list("started_at", flat=True).first()
    if started is None:
        return None
    return repeat_reason(interaction.started_at - started, days)


def repeat_reason(gap: datetime.timedelta, days: int) -> str:
    hours = int(gap.total_seconds() // 3600)
    when = f"{gap.days} day(s)" if gap.days else f"{hours} hour(s)"
    return (
        f"The customer is back {when} after a contact closed as resolved, "
        f"within the {days}-day window."
    )


CHECKS = {
    RuleKind.NEGATIVE_SENTIMENT: _negative_sentiment,
    RuleKind.CHURN_INTENT: _churn_intent,
    RuleKind.COMPLAINT: _complaint,
    RuleKind.PUBLIC_COMPLAINT: _public_complaint,
    RuleKind.ESCALATION: _escalation,
    RuleKind.REPEAT_CONTACT: _repeat_contact,
}


def _matches(facts: Facts) -> list[Match]:
    found = []
    for rule in AlertRule.objects.filter(is_active=True, kind__in=list(CHECKS)):
        text = CHECKS[RuleKind(rule.kind)](rule, facts)
        if text:
            found.append(Match(rule=rule, text=text))
    return found


# --- Raising ---------------------------------------------------------------------------------------


def _team_of(interaction: Interaction | None):
    if interaction is None:
        return None
    agent, queue = interaction.agent, interaction.queue
    if agent is not None and agent.team_id:
        return agent.team
    return queue.team if queue is not None else None


def _reason(match: Match) -> dict:
    rule = match.rule
    return {
        "rule": rule.pk,
        "kind": rule.kind,
        "severity": rule.severity,
        "callback_hours": rule.callback_hours,
        "text": match.text,
    }


def _apply_reasons(alert: Alert, reasons: list[dict]) -> None:
    alert.reasons = reasons
    alert.severity = max((r["severity"] for r in reasons), key=lambda s: SEVERITY_RANK[s])
    alert.callback_by = _callback_by(alert.fired_at, reasons)


def _callback_by(since: datetime.datetime, reasons: list[dict]) -> datetime.datetime:
    return since + datetime.timedelta(hours=min(r["callback_hours"] for r in reasons))


def _locked(source_key: str) -> Alert | None:
    return Alert.objects.select_for_update().filter(source_key=source_key).first()


def _create(source_key: str, interaction: Interaction | None, matches: list[Match]) -> Alert:
    alert = Alert(
        source_key=source_key,
        interaction=interaction,
        customer_id=interaction.customer_id if interaction else None,
        agent_id=interaction.agent_id if interaction else None,
        team=_team_of(interaction),
        fired_at=timezone.now(),
    )
    _apply_reasons(alert, [_reason(m) for m in matches])
    with transaction.atomic():
        alert.save()
    texts = "; ".join(m.text for m in matches)
    AlertEvent.objects.create(alert=alert, kind=FIRED, note=texts)
    audit_record(
        actor=None,
        action="alert.fired",
        target=alert,
        detail={"source": source_key, "rules": [m.rule.pk for m in matches]},
    )
    return alert


def _merge(alert: Alert, interaction: Interaction | None, matches: list[Match]) -> Alert:
    """Add the reasons not on the alert yet; fill in who handled it once that is known. The
    alert is locked by the caller."""
    known = {reason["rule"] for reason in alert.reasons}
    new = [m for m in matches if m.rule.pk not in known]
    fields: set[str] = set()
    if interaction is not None and alert.agent_id is None and interaction.agent_id:
        alert.agent_id = interaction.agent_id
        alert.team = _team_of(interaction) or alert.team
        fields |= {"agent", "team"}
    added = [_reason(m) for m in new]
    if added:
        _apply_reasons(alert, [*alert.reasons, *added])
        fields |= {"reasons", "severity", "callback_by"}
    reopened = bool(added) and alert.state == AlertState.CLOSED
    if reopened:
        _reopen_fields(alert)
        # The recovery starts again from now, at the pace the new bad news asks for.
        alert.callback_by = _callback_by(timezone.now(), added)
        fields |= {"state", "outcome", "root_cause", "closed_at"}
    if fields:
        alert.save(update_fields=[*sorted(fields), "updated_at"])
    for match in new:
        AlertEvent.objects.create(alert=alert, kind=REASON_ADDED, note=match.text)
        audit_record(
            actor=None,
            action="alert.reason_added",
            target=alert,
            detail={"rule": match.rule.pk, "kind": match.rule.kind},
        )
    if reopened:
        note = "Reopened: " + "; ".join(m.text for m in new)
        AlertEvent.objects.create(alert=alert, kind=REOPENED, note=note)
        audit_record(
            actor=None,
            action="alert.reopened",
            target=alert,
            detail={"rules": [m.rule.pk for m in new], "by": "system"},
        )
    return alert


def _reopen_fields(alert: Alert) -> None:
    """Back to work, with whoever owned the recovery; how it ended before no longer holds."""
    alert.state = AlertState.IN_RECOVERY if alert.owner_id else AlertState.OPEN
    alert.outcome, alert.root_cause, alert.closed_at = "", None, None


@transaction.atomic
def _raise(source_key: str, interaction: Interaction | None, matches: list[Match]) -> Alert | None:
    alert = _locked(source_key)
    if alert is None and not matches:
        return None
    if alert is None:
        try:
            return _create(source_key, interaction, matches)
        except IntegrityError:
            # Raised at the same moment by another receiver: merge into the winner.
            alert = _locked(source_key)
            assert alert is not None
    return _merge(alert, interaction, matches)


def _evaluate(interaction: Interaction, *, escalated: bool) -> Alert | None:
    signal = InteractionSignal.objects.filter(interaction=interaction).first()
    facts = Facts(interaction=interaction, signal=signal, escalated=escalated)
    return _raise(f"interaction:{interaction.pk}", interaction, _matches(facts))


def alerts_evaluate_interaction(*, interaction: Interaction) -> Alert | None:
    """Run every interaction rule on a contact: one alert for it when any matches (reasons merged),
    the existing one unchanged when nothing new matches, None when none ever did."""
    return _evaluate(interaction, escalated=False)


def alert_raise_for_escalation(*, escalation: Escalation) -> Alert | None:
    """An escalated case raises the escalation rule on the contact it was escalated from (or the
    case's latest contact); a case with no contact has nothing to call back about here."""
    interaction = escalation.interaction
    if interaction is None:
        interaction = Interaction.objects.filter(case_id=escalation.case_id).first()
    if interaction is None:
        return None
    return _evaluate(interaction, escalated=True)


def alert_raise_for_score(
    *, source_key: str, interaction: Interaction | None, score: int, scale: str, verbatim: str
) -> Alert | None:
    """The low-score rule on one survey answer. The rule's threshold is on the CSAT scale (1–5); a
    score on another scale is compared at the same position of its own range. Questions without
    a score scale (choice, text) never match."""
    if scale not in SCALES:
        return None
    low, high = SCALES[scale]
    if not low <= score <= high:
        raise ValidationFailed(
            f"A {scale} score runs from {low} to {high}.", fields={"score": ["Out of range."]}
        )
    position = (score - low) / (high - low)
    matches = []
    for rule in AlertRule.objects.filter(is_active=True, kind=RuleKind.LOW_SCORE):
        if rule.threshold is None:
            continue
        limit = (rule.threshold - THRESHOLD_SCALE[0]) / (THRESHOLD_SCALE[1] - THRESHOLD_SCALE[0])
        if position <= limit:
            said = f' They wrote: "{verbatim.strip()[:200]}"' if verbatim.strip() else ""
            text = f"Survey answer {score} on {low}–{high} ({scale.upper()}).{said}"
            matches.append(Match(rule=rule, text=text))
    return _raise(source_key, interaction, matches)


# --- Recovery work ---------------------------------------------------------------------------------


def _leads(user: User, alert: Alert) -> bool:
    """Admins, and the supervisor of the alert's team, direct its recovery."""
    if is_admin(user):
        return True
    return alert.team is not None and alert.team.supervisor_id == user.pk


def _require_lead(user: User, alert: Alert, action: str) -> None:
    if not _leads(user, alert):
        raise PermissionDenied(f"Only the team's supervisor or an admin may {action} this alert.")


def _require_worker(user: User, alert: Alert, action: str) -> None:
    if not (_leads(user, alert) or alert.owner_id == user.pk):
        raise PermissionDenied(
            f"Only the alert's owner, the team's supervisor or an admin may {action} it."
        )


def _relocked(alert: Alert) -> Alert:
    """The alert as committed now, locked until the action commits: a second action (or a new
    reason) waits and then sees this one's result instead of overwriting it."""
    return Alert.objects.select_for_update().get(pk=alert.pk)


def _require_open(alert: Alert) -> None:
    if alert.state == AlertState.CLOSED:
        raise Conflict("This alert is closed; reopen it first.", code="alert_closed")


def may_lead(user: User, alert: Alert) -> bool:
    return _leads(user, alert)


def may_work(user: User, alert: Alert) -> bool:
    return _leads(user, alert) or alert.owner_id == user.pk


def _event(alert: Alert, by: User, kind: str, note: str = "", **detail) -> None:
    AlertEvent.objects.create(alert=alert, actor=by, kind=kind, note=note)
    audit_record(actor=by, action=f"alert.{kind}", target=alert, detail=detail or None)


def _clean_note(note: str, *, required: bool) -> str:
    text = (note or "").strip()
    if required and not text:
        raise ValidationFailed("Write the note first.", fields={"note": ["Required."]})
    if len(text) > NOTE_MAX:
        raise ValidationFailed(
            f"A note holds at most {NOTE_MAX} characters.", fields={"note": ["Too long."]}
        )
    return text


@transaction.atomic
def alert_take(*, alert: Alert, by: User) -> Alert:
    """The team's supervisor (or an admin) takes the recovery on themselves."""
    alert = _relocked(alert)
    _require_lead(by, alert, "take")
    _require_open(alert)
    if alert.owner_id == by.pk and alert.state == AlertState.IN_RECOVERY:
        return alert
    alert.owner, alert.state = by, AlertState.IN_RECOVERY
    alert.save(update_fields=["owner", "state", "updated_at"])
    _event(alert, by, TAKEN)
    return alert


def _assignable(alert: Alert, by: User, owner: User) -> bool:
    if not owner.is_active:
        return False
    if owner.pk == by.pk:
        return True
    return alert.team_id is not None and owner.team_id == alert.team_id


@transaction.atomic
def alert_assign(*, alert: Alert, by: User, owner: User) -> Alert:
    """Give the recovery to an agent of the alert's team, or to yourself."""
    alert = _relocked(alert)
    _require_lead(by, alert, "assign")
    _require_open(alert)
    if not _assignable(alert, by, owner):
        message = f"{owner} is not in the alert's team."
        raise ValidationFailed(message, fields={"owner": [message]})
    if alert.owner_id == owner.pk and alert.state == AlertState.IN_RECOVERY:
        return alert
    alert.owner, alert.state = owner, AlertState.IN_RECOVERY
    alert.save(update_fields=["owner", "state", "updated_at"])
    _event(alert, by, ASSIGNED, note=f"To {owner}.", owner=owner.pk)
    return alert


@transaction.atomic
def alert_note_add(*, alert: Alert, by: User, note: str) -> AlertEvent:
    """What recovery did or learned (a call made, a promise given), on the alert's timeline."""
    alert = _relocked(alert)
    _require_worker(by, alert, "add a note to")
    text = _clean_note(note, required=True)
    event = AlertEvent.objects.create(alert=alert, actor=by, kind=NOTED, note=text)
    audit_record(actor=by, action="alert.note", target=alert)
    alert.save(update_fields=["updated_at"])
    return event


@transaction.atomic
def alert_close(
    *, alert: Alert, by: User, outcome: str, root_cause: RootCause | None, note: str = ""
) -> Alert:
    """Close the recovery with how it ended and why the interaction went wrong."""
    alert = _relocked(alert)
    _require_worker(by, alert, "close")
    _require_open(alert)
    problems: dict[str, list[str]] = {}
    if outcome not in RecoveryOutcome.values:
        problems["outcome"] = ["Choose how the recovery ended."]
    if root_cause is None or not root_cause.is_active:
        problems["root_cause"] = ["Choose the root cause."]
    if problems:
        raise ValidationFailed("Say how it ended and why it went wrong.", fields=problems)
    text = _clean_note(note, required=False)
    alert.state, alert.outcome, alert.root_cause = AlertState.CLOSED, outcome, root_cause
    alert.closed_at = timezone.now()
    if alert.owner_id is None:
        alert.owner = by
    alert.save(update_fields=["state", "outcome", "root_cause", "closed_at", "owner", "updated_at"])
    summary = f"{RecoveryOutcome(outcome).label}; root cause: {root_cause}."
    _event(
        alert,
        by,
        CLOSED,
        note=f"{summary} {text}".strip(),
        outcome=outcome,
        root_cause=alert.root_cause_id,
    )
    return alert


@transaction.atomic
def alert_reopen(*, alert: Alert, by: User, note: str = "") -> Alert:
    """Open a closed recovery again (the customer came back); its outcome is cleared."""
    alert = _relocked(alert)
    _require_lead(by, alert, "reopen")
    if alert.state != AlertState.CLOSED:
        raise Conflict("Only a closed alert can be reopened.", code="alert_not_closed")
    text = _clean_note(note, required=False)
    _reopen_fields(alert)
    alert.save(update_fields=["state", "outcome", "root_cause", "closed_at", "updated_at"])
    _event(alert, by, REOPENED, note=text)
    return alert


def alerts_sweep(*, since: datetime.datetime, unwrapped_only: bool = False) -> int:
    """Evaluate every contact started since `since` (bulk imports and demo loads write the ledger
    without per-row signals); replay-safe. Returns the number of contacts with an alert.
    `unwrapped_only`: only contacts nobody wrapped up yet — wrap-up evaluated the others."""
    raised = 0
    contacts = Interaction.objects.filter(started_at__gte=since)
    if unwrapped_only:
        contacts = contacts.filter(wrapped_up_at__isnull=True)
    contacts = contacts.select_related("agent__team", "queue__team")
    for interaction in contacts.iterator(chunk_size=500):
        raised += alerts_evaluate_interaction(interaction=interaction) is not None
    return raised
