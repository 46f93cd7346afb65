"""Score what customers say, and each customer's risk of leaving.

Both are derived data the system recomputes at will (a replay rewrites the same row), so they are
not audited: nobody chose them. What a person does with them (alerts, recovery) is.

Churn risk is a logistic score: `expit(CHURN_BIAS + Σ weight × feature)`, each feature scaled to
0 … 1 so its weight is its largest possible pull in log-odds. The weights are set by judgement, not
fitted: a center with outcomes (customers who left) should fit them and replace these.
"""

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from scipy.special import expit

from rapport.customers.choices import CustomerStatus, HoldingStatus
from rapport.customers.models import Customer, Holding
from rapport.insights.choices import Intent, RiskBand
from rapport.insights.models import ChurnRisk, InteractionSignal
from rapport.insights.signals import interaction_scored
from rapport.insights.text import TextScore, text_score
from rapport.interactions.choices import Side
from rapport.interactions.models import Interaction, Message

# --- Churn risk weights (log-odds at full strength) -------------------------------------------
CHURN_BIAS = -2.5  # a customer with nothing against them: about 8 %
CHURN_INTENT_WEIGHT = 2.5  # said they mean to leave (one mention is full strength)
SENTIMENT_WEIGHT = 1.5  # mean compound of their last few contacts at -1
REPEAT_CONTACT_WEIGHT = 1.0  # REPEAT_CONTACT_FULL or more contacts in 30 days
COMPLAINT_WEIGHT = 1.0  # complained, or threatened the regulator or a lawyer
HOLDINGS_WEIGHT = 1.0  # no active product at all; 0 from HOLDINGS_FULL products up
TENURE_WEIGHT = 0.5  # customer for less than a year; 0 from TENURE_FULL_YEARS up
FORMER_WEIGHT = 3.0  # already a former customer

CHURN_WINDOW_DAYS = 90
REPEAT_WINDOW_DAYS = 30
REPEAT_CONTACT_FULL = 4  # contacts in the window for full strength (1 contact is none)
SENTIMENT_LAST_N = 5
HOLDINGS_FULL = 3
TENURE_FULL_YEARS = 2.0
HIGH_AT = 0.6
MEDIUM_AT = 0.3

RESCORE_BATCH = 500


def customer_text(*, interaction: Interaction) -> str:
    """The customer's own words on one contact; agents' words and internal notes never count."""
    bodies = Message.objects.filter(
        interaction=interaction, side=Side.CUSTOMER, is_note=False
    ).values_list("body_text", flat=True)
    return "\n".join(body for body in bodies if body and body.strip())


@transaction.atomic
def interaction_score(*, interaction: Interaction) -> InteractionSignal | None:
    """Score the customer's side of a contact; None when the customer wrote or said nothing.
    Scoring again rewrites the one row, so a replayed event changes nothing. The customer's churn
    risk is brought up to date with it."""
    text = customer_text(interaction=interaction)
    if not text:
        return None
    signal = _signal_save(interaction, text_score(text))
    if interaction.customer is not None:
        churn_risk_update(customer=interaction.customer)
    _notify(signal)
    return signal


def _notify(signal: InteractionSignal) -> None:
    # Not `signal=`: Django passes every receiver its own `signal` argument, so a receiver could
    # never take one of that name.
    interaction_scored.send(sender=InteractionSignal, interaction_signal=signal)


def _signal_fields(interaction: Interaction, score: TextScore) -> dict:
    return {
        "customer_id": interaction.customer_id,
        "day": timezone.localdate(interaction.started_at),
        "channel": interaction.channel,
        "compound": score.compound,
        "sentiment": score.sentiment,
        "intents": score.intents,
        "topics": score.topics,
        "explanation": score.explanation,
        "words": score.words,
        "scored_at": timezone.now(),
    }


def _signal_save(interaction: Interaction, score: TextScore) -> InteractionSignal:
    signal, _ = InteractionSignal.objects.update_or_create(
        interaction=interaction, defaults=_signal_fields(interaction, score)
    )
    return signal


# --- Churn risk ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    name: str
    value: float
    weight: float
    strength: float  # 0 … 1
    why: str

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "value": round(self.value, 4),
            "weight": self.weight,
            "contribution": round(self.weight * self.strength, 4),
            "why": self.why,
        }


@transaction.atomic
def churn_risk_update(*, customer: Customer) -> ChurnRisk:
    """Recompute one customer's risk from their words, contacts and holdings; one row each."""
    components = churn_components(customer=customer)
    score = churn_score(components)
    risk, _ = ChurnRisk.objects.update_or_create(
        customer=customer,
        defaults={
            "score": round(score, 4),
            "band": risk_band(score),
            "components": [c.as_dict() for c in components],
            "computed_at": timezone.now(),
        },
    )
    return risk


def risk_band(score: float) -> str:
    if score >= HIGH_AT:
        return RiskBand.HIGH
    if score >= MEDIUM_AT:
        return RiskBand.MEDIUM
    return RiskBand.LOW


def churn_components(*, customer: Customer) -> list[Component]:
    now = timezone.now()
    today = timezone.localdate(now)
    recent = list(
        InteractionSignal.objects.filter(
            customer=customer, day__gte=today - datetime.timedelta(days=CHURN_WINDOW_DAYS)
        ).values_list("intents", flat=True)
    )
    last = list(
        InteractionSignal.objects.filter(customer=customer)
        .order_by("-day", "-id")
        .values_list("compound", flat=True)[:SENTIMENT_LAST_N]
    )
    contacts = Interaction.objects.filter(
        customer=customer, started_at__gte=now - datetime.timedelta(days=REPEAT_WINDOW_DAYS)
    ).count()
    holdings = list(
        Holding.objects.filter(
            customer=customer, status=HoldingStatus.ACTIVE, ended_on__isnull=True
        ).values_list("since", flat=True)
    )
    return churn_parts(
        recent_intents=recent,
        last_compounds=last,
        recent_contacts=contacts,
        holdings_since=holdings,
        status=customer.status,
        today=today,
    )


def churn_parts(
    *,
    recent_intents: list[list],
    last_compounds: list[float],
    recent_contacts: int,
    holdings_since: list[datetime.date],
    status: str,
    today: datetime.date,
) -> list[Component]:
    """The risk's parts from what is known of a customer (the demo loader computes them in bulk):
    intents of the last CHURN_WINDOW_DAYS, the last SENTIMENT_LAST_N compounds, contacts in the
    last REPEAT_WINDOW_DAYS, the start dates of active holdings, the customer's status."""
    return [
        _churn_intent(recent_intents),
        _sentiment(last_compounds),
        _repeat(recent_contacts),
        _complaints(recent_intents),
        _holdings(len(holdings_since)),
        _tenure(holdings_since, today),
        _status(status),
    ]


def churn_score(parts: list[Component]) -> float:
    return float(expit(CHURN_BIAS + sum(c.weight * c.strength for c in parts)))


def _count_with(intent_lists: Iterable[list], intents: set[str]) -> int:
    return sum(1 for found in intent_lists if intents & set(found or []))


def _churn_intent(recent: list[list]) -> Component:
    n = _count_with(recent, {Intent.CHURN})
    return Component(
        "churn_intent",
        n,
        CHURN_INTENT_WEIGHT,
        min(n, 1),
        f"Said they want to cancel or leave on {n} contact(s) in {CHURN_WINDOW_DAYS} days."
        if n
        else f"No wish to leave said in {CHURN_WINDOW_DAYS} days.",
    )


def _sentiment(last: list[float]) -> Component:
    if not last:
        return Component("sentiment", 0.0, SENTIMENT_WEIGHT, 0.0, "No scored contact yet.")
    mean = math.fsum(last) / len(last)
    return Component(
        "sentiment",
        mean,
        SENTIMENT_WEIGHT,
        max(0.0, -mean),
        f"Mean sentiment {mean:+.2f} over their last {len(last)} scored contact(s); "
        "only negative sentiment adds risk.",
    )


def _repeat(contacts: int) -> Component:
    strength = min(max(contacts - 1, 0) / (REPEAT_CONTACT_FULL - 1), 1.0)
    return Component(
        "repeat_contacts",
        contacts,
        REPEAT_CONTACT_WEIGHT,
        strength,
        f"{contacts} contact(s) in {REPEAT_WINDOW_DAYS} days; "
        f"each after the first adds risk, full at {REPEAT_CONTACT_FULL}.",
    )


def _complaints(recent: list[list]) -> Component:
    n = _count_with(recent, {Intent.COMPLAINT, Intent.LEGAL})
    return Component(
        "complaints",
        n,
        COMPLAINT_WEIGHT,
        min(n, 1),
        f"Complained or threatened the regulator or legal action on {n} contact(s) "
        f"in {CHURN_WINDOW_DAYS} days.",
    )


def _holdings(n: int) -> Component:
    strength = 1.0 - min(n, HOLDINGS_FULL) / HOLDINGS_FULL
    return Component(
        "holdings",
        n,
        HOLDINGS_WEIGHT,
        strength,
        f"{n} active product(s); fewer products tie a customer less "
        f"(no added risk from {HOLDINGS_FULL}).",
    )


def _tenure(since: list[datetime.date], today: datetime.date) -> Component:
    if not since:
        return Component("tenure", 0.0, TENURE_WEIGHT, 1.0, "No active product: no tenure.")
    years = max((today - min(since)).days, 0) / 365.25
    strength = max(0.0, 1.0 - years / TENURE_FULL_YEARS)
    return Component(
        "tenure",
        years,
        TENURE_WEIGHT,
        strength,
        f"Customer for {years:.1f} years (oldest active product); "
        f"no added risk from {TENURE_FULL_YEARS:g} years.",
    )


def _status(status: str) -> Component:
    former = status == CustomerStatus.FORMER
    return Component(
        "status",
        1.0 if former else 0.0,
        FORMER_WEIGHT,
        1.0 if former else 0.0,
        "Already a former customer." if former else f"Status: {status}.",
    )


# --- Bulk rescore ----------------------------------------------------------------------------


def signals_rescore(*, since: datetime.datetime | None = None, notify: bool = False) -> int:
    """Score every contact (started since `since`) with customer words, in batches, then each
    touched customer's churn risk. For demo data and backfills; returns the signals written.
    With `notify` each row is saved and announced one by one as live scoring does (post_save and
    interaction_scored, which credit compliments); without, rows are written in bulk, silently."""
    contacts = Interaction.objects.filter(messages__side=Side.CUSTOMER).distinct()
    if since is not None:
        contacts = contacts.filter(started_at__gte=since)
    written = 0
    customers: set[int] = set()
    batch: list[Interaction] = []
    for interaction in (
        contacts.order_by("id")
        .only("id", "customer_id", "started_at", "channel")
        .iterator(chunk_size=RESCORE_BATCH)
    ):
        batch.append(interaction)
        if len(batch) == RESCORE_BATCH:
            written += _rescore_batch(batch, customers, notify=notify)
            batch = []
    if batch:
        written += _rescore_batch(batch, customers, notify=notify)
    for customer in Customer.objects.filter(pk__in=customers).iterator(chunk_size=RESCORE_BATCH):
        churn_risk_update(customer=customer)
    return written


@transaction.atomic
def _rescore_batch(batch: list[Interaction], customers: set[int], *, notify: bool) -> int:
    texts = _customer_texts(batch)
    scored = [(i, text_score("\n".join(texts[i.pk]))) for i in batch if i.pk in texts]
    customers.update(i.customer_id for i, _score in scored if i.customer_id)
    if notify:
        for interaction, score in scored:
            _notify(_signal_save(interaction, score))
        return len(scored)
    InteractionSignal.objects.bulk_create(
        [InteractionSignal(interaction=i, **_signal_fields(i, score)) for i, score in scored],
        update_conflicts=True,
        unique_fields=["interaction"],
        update_fields=list(_SIGNAL_UPDATE_FIELDS),
    )
    return len(scored)


def _customer_texts(batch: list[Interaction]) -> dict[int, list[str]]:
    texts: dict[int, list[str]] = {}
    rows = Message.objects.filter(
        interaction_id__in=[i.pk for i in batch], side=Side.CUSTOMER, is_note=False
    ).values_list("interaction_id", "body_text")
    for interaction_id, body in rows.order_by("sent_at", "id"):
        if body and body.strip():
            texts.setdefault(interaction_id, []).append(body)
    return texts


_SIGNAL_UPDATE_FIELDS = (
    "customer",
    "day",
    "channel",
    "compound",
    "sentiment",
    "intents",
    "topics",
    "explanation",
    "words",
    "scored_at",
)
