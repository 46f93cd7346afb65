"""The demo's churn risk and recovery: each customer's risk as of the reference time, and alerts on
the last weeks' negative interactions and low survey scores, worked by the teams to closure.

Alerts follow the shipped rules (their thresholds, severities, call-back times and the reasons'
wording come from rapport/insights/services/alerts.py); the recovery is what a center's week looks
like: the newest alerts wait for an owner, the last days' are being worked, older ones are closed
as saved, resolved or lost with a root cause. A churn alert ends lost when the customer did cancel.
"""

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Min

from rapport.accounts.models import Team, User
from rapport.core.roles import Role
from rapport.customers.choices import HoldingStatus
from rapport.customers.models import Customer, Holding
from rapport.demo import bulk, phrases
from rapport.demo.voice_ledger import Contact, Ledger, handled_at, local_day, weighted_pick
from rapport.insights.choices import (
    SEVERITY_RANK,
    AlertState,
    RecoveryOutcome,
    RuleKind,
)
from rapport.insights.models import (
    Alert,
    AlertEvent,
    AlertRule,
    ChurnRisk,
    InteractionSignal,
    RootCause,
)
from rapport.insights.services import alerts as alert_services
from rapport.insights.services import signals as signal_services
from rapport.insights.text import TextScore
from rapport.interactions.models import Interaction
from rapport.surveys.models import Response

CHURN_FIELDS = ("id", "customer_id", "score", "band", "components", "computed_at")
ALERT_FIELDS = (
    "id", "source_key", "interaction_id", "customer_id", "agent_id", "team_id", "severity",
    "reasons", "state", "fired_at", "owner_id", "callback_by", "outcome", "root_cause_id",
    "closed_at", "created_at", "updated_at",
)  # fmt: skip
EVENT_FIELDS = ("id", "alert_id", "actor_id", "kind", "note", "created_at")
ALERT_DAYS = 60
# Alerts fire within a minute of the contact being over.
FIRE_DELAY = (5, 55)


# --- Churn risk ---------------------------------------------------------------------------------


def churn_load(ledger: Ledger, reference_time: datetime.datetime) -> int:
    """Each customer with scored words, scored as `churn_risk_update` scores them, but as of the
    reference time (the demo's contacts end there, whenever the demo is loaded)."""
    today = local_day(reference_time)
    recent_from = today - datetime.timedelta(days=signal_services.CHURN_WINDOW_DAYS)
    contacts_from = reference_time - datetime.timedelta(days=signal_services.REPEAT_WINDOW_DAYS)
    recent: dict[int, list[list]] = defaultdict(list)
    compounds: dict[int, list[float]] = defaultdict(list)
    contacts: dict[int, int] = defaultdict(int)
    for contact in ledger.contacts:  # by start: the last scored contacts come last
        if contact.customer_id is None:
            continue
        if contact.started_at >= contacts_from:
            contacts[contact.customer_id] += 1
        score = ledger.scores.get(contact.id)
        if score is None:
            continue
        compounds[contact.customer_id].append(score.compound)
        if contact.day >= recent_from:
            recent[contact.customer_id].append(score.intents)
    holdings: dict[int, list[datetime.date]] = defaultdict(list)
    active = Holding.objects.filter(status=HoldingStatus.ACTIVE, ended_on__isnull=True)
    for customer_id, since in active.values_list("customer_id", "since"):
        holdings[customer_id].append(since)
    statuses = dict(Customer.objects.filter(pk__in=compounds).values_list("pk", "status"))
    rows: list[tuple] = []
    next_id = bulk.next_id(ChurnRisk)
    live = set(ChurnRisk.objects.values_list("customer_id", flat=True))
    for customer_id in sorted(compounds.keys() - live):
        parts = signal_services.churn_parts(
            recent_intents=recent[customer_id],
            last_compounds=compounds[customer_id][-signal_services.SENTIMENT_LAST_N :],
            recent_contacts=contacts[customer_id],
            holdings_since=holdings[customer_id],
            status=statuses[customer_id],
            today=today,
        )
        risk = signal_services.churn_score(parts)
        rows.append(
            (
                next_id + len(rows), customer_id, round(risk, 4), signal_services.risk_band(risk),
                [c.as_dict() for c in parts], reference_time,
            )
        )  # fmt: skip
    bulk.rows_insert(ChurnRisk, CHURN_FIELDS, rows)
    bulk.sequences_reset(ChurnRisk)
    return len(rows)


# --- Which alerts fired ------------------------------------------------------------------------


@dataclass
class Fired:
    source_key: str
    contact: Contact
    fired_at: datetime.datetime
    reasons: list[dict]
    team_id: int | None


def _reason(rule: AlertRule, text: str) -> dict:
    return {
        "rule": rule.pk,
        "kind": rule.kind,
        "severity": rule.severity,
        "callback_hours": rule.callback_hours,
        "text": text,
    }


def _contact_reasons(
    contact: Contact, ledger: Ledger, rules: list[AlertRule], known: dict[tuple, list[dict]]
) -> list[dict]:
    """The interaction rules that match the contact, worded as the alert service words them.
    Apart from the repeat contact, they read only the words, channel, outcome and escalation, so
    each such combination is worded once (`known`)."""
    score = ledger.scores.get(contact.id)
    escalated = contact.id in ledger.escalated
    key = (id(score), contact.channel, contact.outcome, escalated)
    if key not in known:
        known[key] = _reasons_for(contact, score, escalated, rules)
    reasons = list(known[key])
    for rule in rules:
        if rule.kind == RuleKind.REPEAT_CONTACT and (text := _repeat_text(contact, ledger, rule)):
            reasons.append(_reason(rule, text))
    return reasons


def _reasons_for(
    contact: Contact, score: TextScore | None, escalated: bool, rules: list[AlertRule]
) -> list[dict]:
    # One unsaved contact and signal, refilled each time: the checks only read them.
    interaction, signal = _SCRATCH
    interaction.id, interaction.channel, interaction.outcome = (
        contact.id,
        contact.channel,
        contact.outcome,
    )
    if score is not None:
        signal.compound, signal.sentiment, signal.intents = (
            score.compound,
            score.sentiment,
            score.intents,
        )
    facts = alert_services.Facts(
        interaction=interaction, signal=signal if score is not None else None, escalated=escalated
    )
    reasons = []
    for rule in rules:
        kind = RuleKind(rule.kind)
        if kind == RuleKind.ESCALATION:
            # The service asks the database only when neither is known; here both are.
            if escalated or contact.outcome in alert_services.ESCALATED_OUTCOMES:
                text = alert_services.CHECKS[kind](rule, facts)
            else:
                text = None
        elif kind in alert_services.CHECKS and kind != RuleKind.REPEAT_CONTACT:
            text = alert_services.CHECKS[kind](rule, facts)
        else:
            text = None
        if text:
            reasons.append(_reason(rule, text))
    return reasons


_SCRATCH = (Interaction(), InteractionSignal())


def _repeat_text(contact: Contact, ledger: Ledger, rule: AlertRule) -> str | None:
    """The shipped rule: back within the window after a contact closed as resolved for the same
    reason. Only the previous contact is looked at, which is enough for the demo's customers."""
    earlier = ledger.previous_inbound.get(contact.id)
    days = rule.window_days
    if not days or earlier is None or contact.direction != "inbound":
        return None
    gap = contact.started_at - earlier.started_at
    same_reason = None in (contact.contact_type_id, earlier.contact_type_id) or (
        contact.contact_type_id == earlier.contact_type_id
    )
    if gap > datetime.timedelta(days=days) or earlier.outcome != "resolved" or not same_reason:
        return None
    return alert_services.repeat_reason(gap, days)


def _fired(rng: random.Random, ledger: Ledger, reference_time: datetime.datetime) -> list[Fired]:
    since = reference_time - datetime.timedelta(days=ALERT_DAYS)
    rules = list(
        AlertRule.objects.filter(is_active=True)
        .exclude(kind=RuleKind.LOW_SCORE)
        .order_by("kind", "name")
    )
    fired = []
    by_id = {}
    known: dict[tuple, list[dict]] = {}
    for contact in ledger.contacts:
        over = handled_at(contact)
        if not since <= over < reference_time:
            continue
        by_id[contact.id] = contact
        reasons = _contact_reasons(contact, ledger, rules, known)
        if reasons:
            at = over + datetime.timedelta(seconds=rng.randint(*FIRE_DELAY))
            fired.append(
                Fired(f"interaction:{contact.id}", contact, at, reasons, ledger.team_of(contact))
            )
    fired.extend(_low_scores(rng, ledger, by_id, since))
    # Raised live already for the contacts the load sent through the services.
    live = set(Alert.objects.values_list("source_key", flat=True))
    fired = [f for f in fired if f.fired_at < reference_time and f.source_key not in live]
    fired.sort(key=lambda f: (f.fired_at, f.source_key))
    return fired


def _low_scores(rng, ledger: Ledger, by_id: dict[int, Contact], since) -> list[Fired]:
    low = [
        r
        for r in AlertRule.objects.filter(is_active=True, kind=RuleKind.LOW_SCORE)
        if r.threshold is not None
    ]
    if not low:
        return []
    answers = Response.objects.filter(created_at__gte=since, csat__isnull=False).order_by("id")
    fired = []
    for pk, interaction_id, csat, verbatim, at in answers.values_list(
        "pk", "interaction_id", "csat", "verbatim", "created_at"
    ):
        contact = by_id.get(interaction_id)
        if contact is None:
            continue
        position = ((csat or 1) - 1) / 4  # never None: filtered above
        reasons = []
        for rule in low:
            assert rule.threshold is not None
            if position <= (rule.threshold - 1) / 4:
                said = f' They wrote: "{verbatim.strip()[:200]}"' if verbatim.strip() else ""
                reasons.append(_reason(rule, f"Survey answer {csat} on 1–5 (CSAT).{said}"))
        if reasons:
            at = at + datetime.timedelta(seconds=rng.randint(1, 5))
            fired.append(Fired(f"response:{pk}", contact, at, reasons, ledger.team_of(contact)))
    return fired


# --- Recovery --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Crew:
    supervisor: dict[int, int]  # team → supervisor
    agents: dict[int, list[int]]  # team → agents
    root_causes: dict[str, int]
    admin: int
    names: dict[int, str]


def _crew() -> Crew:
    agents: dict[int, list[int]] = defaultdict(list)
    for pk, team_id in (
        User.objects.filter(groups__name=Role.AGENT, team__isnull=False)
        .order_by("username")
        .values_list("pk", "team_id")
    ):
        agents[team_id].append(pk)
    return Crew(
        supervisor=dict(
            Team.objects.filter(supervisor__isnull=False).values_list("pk", "supervisor_id")
        ),
        agents=agents,
        root_causes=dict(RootCause.objects.values_list("name", "pk")),
        admin=User.objects.get(username="admin").pk,
        names={user.pk: str(user) for user in User.objects.filter(team__isnull=False)},
    )


def _state(rng: random.Random, age: datetime.timedelta) -> str:
    days = age.total_seconds() / 86_400
    if days < 1:
        weights = [(AlertState.OPEN, 70), (AlertState.IN_RECOVERY, 30)]
    elif days < 3:
        weights = [(AlertState.OPEN, 25), (AlertState.IN_RECOVERY, 50), (AlertState.CLOSED, 25)]
    elif days < 10:
        weights = [(AlertState.OPEN, 4), (AlertState.IN_RECOVERY, 24), (AlertState.CLOSED, 72)]
    else:
        weights = [(AlertState.IN_RECOVERY, 3), (AlertState.CLOSED, 97)]
    return weighted_pick(rng, weights)


def _cause(rng: random.Random, fired: Fired, kinds: set[str]) -> str:
    contact = fired.contact
    if RuleKind.REPEAT_CONTACT in kinds and rng.random() < 0.6:
        return "Repeat contact — not resolved first time"
    if contact.wait_seconds > 600 and rng.random() < 0.6:
        return "Long wait"
    if RuleKind.ESCALATION in kinds and rng.random() < 0.5:
        return "Agent knowledge gap"
    return weighted_pick(
        rng,
        [
            ("Process or policy", 30),
            ("Product fault", 22),
            ("Billing error", 18),
            ("Agent behaviour", 12 if RuleKind.LOW_SCORE in kinds else 6),
            ("Agent knowledge gap", 10),
        ],
    )


def _outcome(
    rng: random.Random, fired: Fired, kinds: set[str], left: dict[int, datetime.date]
) -> str:
    customer = fired.contact.customer_id
    if RuleKind.CHURN_INTENT in kinds:
        leaving = customer in left and left[customer] >= fired.contact.day
        return RecoveryOutcome.LOST if leaving else RecoveryOutcome.SAVED
    return weighted_pick(
        rng,
        [(RecoveryOutcome.RESOLVED, 80), (RecoveryOutcome.SAVED, 12), (RecoveryOutcome.LOST, 8)],
    )


def alerts_load(
    rng: random.Random, ledger: Ledger, reference_time: datetime.datetime
) -> dict[str, int]:
    fired = _fired(rng, ledger, reference_time)
    crew = _crew()
    left = dict(
        Holding.objects.filter(status=HoldingStatus.CANCELLED, ended_on__isnull=False)
        .values("customer_id")
        .annotate(first=Min("ended_on"))
        .values_list("customer_id", "first")
    )
    alerts, events = [], []
    alert_id, event_id = bulk.next_id(Alert), bulk.next_id(AlertEvent)
    for item in fired:
        row, timeline = _recovery(rng, item, crew, left, reference_time)
        alerts.append((alert_id, *row))
        for actor, kind, note, at in timeline:
            events.append((event_id, alert_id, actor, kind, note, at))
            event_id += 1
        alert_id += 1
    bulk.rows_insert(Alert, ALERT_FIELDS, alerts)
    bulk.rows_insert(AlertEvent, EVENT_FIELDS, events)
    bulk.sequences_reset(Alert, AlertEvent)
    return {"alerts": len(alerts), "alert events": len(events)}


Event = tuple[int | None, str, str, datetime.datetime]  # actor, kind, note, at


def _recovery(rng, item: Fired, crew: Crew, left, reference_time) -> tuple[tuple, list[Event]]:
    """One alert's row (without its id) and its timeline."""
    kinds = {r["kind"] for r in item.reasons}
    severity = max((r["severity"] for r in item.reasons), key=lambda s: SEVERITY_RANK[s])
    hours = min(r["callback_hours"] for r in item.reasons)
    texts = "; ".join(r["text"] for r in item.reasons)
    timeline: list[Event] = [(None, alert_services.FIRED, texts, item.fired_at)]
    state = _state(rng, reference_time - item.fired_at)
    owner = outcome = root_cause = closed_at = None
    if state != AlertState.OPEN:
        owner, worked = _worked(rng, item, crew, reference_time)
        timeline += worked
        if not worked:
            state = AlertState.OPEN  # fired minutes ago: nobody has taken it yet
    if state == AlertState.CLOSED:
        closed_at = timeline[-1][3] + datetime.timedelta(hours=rng.uniform(0.5, 70))
        if closed_at < reference_time:
            outcome = _outcome(rng, item, kinds, left)
            cause = _cause(rng, item, kinds)
            root_cause = crew.root_causes[cause]
            note = rng.choice(phrases.CLOSING_NOTES[outcome])
            summary = f"{RecoveryOutcome(outcome).label}; root cause: {cause}. {note}"
            timeline.append((owner, alert_services.CLOSED, summary, closed_at))
        else:
            state, closed_at = AlertState.IN_RECOVERY, None
    contact = item.contact
    row = (
        item.source_key, contact.id, contact.customer_id, contact.agent_id, item.team_id, severity,
        item.reasons, state, item.fired_at, owner, item.fired_at + datetime.timedelta(hours=hours),
        outcome or "", root_cause, closed_at, item.fired_at, timeline[-1][3],
    )  # fmt: skip
    return row, timeline


def _worked(rng, item: Fired, crew: Crew, reference_time) -> tuple[int | None, list[Event]]:
    """The supervisor takes the alert or gives it to one of the team; the owner calls back.
    Nothing when that would fall after the reference time."""
    lead = crew.supervisor.get(item.team_id or 0, crew.admin)
    team = [a for a in crew.agents.get(item.team_id or 0, []) if a != item.contact.agent_id]
    taken = item.fired_at + datetime.timedelta(minutes=rng.randint(10, 360))
    if taken >= reference_time:
        return None, []
    if team and rng.random() < 0.55:
        owner = rng.choice(team)
        events: list[Event] = [(lead, alert_services.ASSIGNED, f"To {crew.names[owner]}.", taken)]
    else:
        owner = lead
        events = [(lead, alert_services.TAKEN, "", taken)]
    called = taken + datetime.timedelta(minutes=rng.randint(15, 600))
    if called < reference_time:
        events.append((owner, alert_services.NOTED, rng.choice(phrases.RECOVERY_NOTES), called))
    return owner, events
