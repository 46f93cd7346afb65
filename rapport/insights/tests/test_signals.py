"""interaction_score, churn_risk_update and signals_rescore on a real ledger."""

import datetime

import pytest
from django.utils import timezone

from rapport.customers.tests.factories import CustomerFactory, HoldingFactory
from rapport.insights.choices import Intent, RiskBand, Sentiment
from rapport.insights.models import ChurnRisk, InteractionSignal
from rapport.insights.services import signals as services
from rapport.insights.signals import interaction_scored
from rapport.interactions.tests.factories import InteractionFactory, MessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored_events():
    received = []

    def on_scored(sender, interaction_signal, **kwargs):
        received.append(interaction_signal)

    interaction_scored.connect(on_scored, dispatch_uid="test-signals")
    yield received
    interaction_scored.disconnect(dispatch_uid="test-signals")


def _say(interaction, text, side="customer", **fields):
    return MessageFactory(interaction=interaction, side=side, body_text=text, **fields)


# --- interaction_score ---------------------------------------------------------------------------


def test_scores_the_customers_words_only(scored_events):
    interaction = InteractionFactory(channel="chat")
    _say(interaction, "Still waiting for my refund")
    _say(interaction, "Brilliant, thank you so much, we love you", side="agent")
    _say(interaction, "Customer sounded delighted, excellent call", side="agent", is_note=True)
    _say(interaction, "Wonderful fantastic amazing", side="customer", is_note=True)

    signal = services.interaction_score(interaction=interaction)

    assert signal is not None
    assert signal.sentiment == Sentiment.NEGATIVE
    assert Intent.COMPLIMENT not in signal.intents
    said = {w["word"] for w in signal.explanation["words"]}
    assert not said & {"brilliant", "love", "delighted", "excellent", "wonderful"}
    assert signal.customer_id == interaction.customer_id
    assert signal.channel == "chat"
    assert signal.day == timezone.localdate(interaction.started_at)
    assert scored_events == [signal]


def test_nothing_from_the_customer_is_nothing_scored(scored_events):
    interaction = InteractionFactory()
    _say(interaction, "Thanks for calling, goodbye", side="agent")
    _say(interaction, "   ")
    assert services.interaction_score(interaction=interaction) is None
    assert not InteractionSignal.objects.exists()
    assert scored_events == []


def test_scoring_again_rewrites_the_one_row(scored_events):
    interaction = InteractionFactory()
    _say(interaction, "This is great")
    first = services.interaction_score(interaction=interaction)
    _say(interaction, "Actually no, still waiting and nobody called back. Disgraceful.")
    second = services.interaction_score(interaction=interaction)
    third = services.interaction_score(interaction=interaction)

    assert InteractionSignal.objects.count() == 1
    assert first.pk == second.pk == third.pk
    assert first.sentiment == Sentiment.POSITIVE
    assert second.sentiment == Sentiment.NEGATIVE
    assert (second.compound, second.intents) == (third.compound, third.intents)
    assert len(scored_events) == 3


def test_the_local_day_of_the_contact():
    # 23:30 UTC on 1 March is 2 March in a zone east of UTC.
    started = datetime.datetime(2025, 3, 1, 23, 30, tzinfo=datetime.UTC)
    interaction = InteractionFactory(started_at=started)
    _say(interaction, "hello")
    with timezone.override("Europe/Berlin"):
        signal = services.interaction_score(interaction=interaction)
    assert signal.day == datetime.date(2025, 3, 2)


def test_scoring_brings_the_customers_churn_risk_up_to_date():
    interaction = InteractionFactory()
    _say(interaction, "I want to cancel my account")
    services.interaction_score(interaction=interaction)
    risk = ChurnRisk.objects.get(customer=interaction.customer)
    assert _part(risk.components, "churn_intent")["value"] == 1


# --- churn_risk_update ------------------------------------------------------------------------------


def _part(components, name):
    return next(c for c in components if c["name"] == name)


def _contact(customer, text, **fields):
    interaction = InteractionFactory(customer=customer, **fields)
    _say(interaction, text)
    services.interaction_score(interaction=interaction)
    return interaction


def test_a_churn_intent_raises_the_risk():
    calm, leaving = CustomerFactory(), CustomerFactory()
    for customer in (calm, leaving):
        HoldingFactory(customer=customer)
    _contact(calm, "Can you tell me my balance")
    _contact(leaving, "I want to cancel my contract")

    calm_risk = services.churn_risk_update(customer=calm)
    leaving_risk = services.churn_risk_update(customer=leaving)

    assert leaving_risk.score > calm_risk.score
    part = _part(leaving_risk.components, "churn_intent")
    assert part["contribution"] == services.CHURN_INTENT_WEIGHT
    assert "cancel or leave" in part["why"]
    assert _part(calm_risk.components, "churn_intent")["contribution"] == 0


def test_fewer_holdings_raise_the_risk():
    loyal, thin = CustomerFactory(), CustomerFactory()
    for _ in range(3):
        HoldingFactory(customer=loyal, since=datetime.date(2015, 1, 1))
    HoldingFactory(customer=thin, since=datetime.date(2015, 1, 1))
    HoldingFactory(customer=thin, since=datetime.date(2015, 1, 1), status="cancelled")

    loyal_risk = services.churn_risk_update(customer=loyal)
    thin_risk = services.churn_risk_update(customer=thin)

    assert thin_risk.score > loyal_risk.score
    assert _part(thin_risk.components, "holdings")["value"] == 1  # the cancelled one is not held
    assert _part(loyal_risk.components, "holdings")["contribution"] == 0


def test_components_explain_the_score_exactly():
    customer = CustomerFactory(status="former")
    _contact(customer, "This is unacceptable, still waiting, I will complain to the ombudsman")
    _contact(customer, "Nobody called back")
    risk = services.churn_risk_update(customer=customer)

    names = [c["name"] for c in risk.components]
    assert names == [
        "churn_intent",
        "sentiment",
        "repeat_contacts",
        "complaints",
        "holdings",
        "tenure",
        "status",
    ]
    for part in risk.components:
        assert set(part) == {"name", "value", "weight", "contribution", "why"}
        assert part["why"]
    logit = services.CHURN_BIAS + sum(c["contribution"] for c in risk.components)
    assert risk.score == pytest.approx(1 / (1 + pow(2.718281828459045, -logit)), abs=1e-3)
    assert risk.band == RiskBand.HIGH
    assert _part(risk.components, "complaints")["value"] == 1
    assert _part(risk.components, "repeat_contacts")["value"] == 2
    assert _part(risk.components, "sentiment")["value"] < 0


def test_risk_is_one_row_per_customer():
    customer = CustomerFactory()
    services.churn_risk_update(customer=customer)
    services.churn_risk_update(customer=customer)
    assert ChurnRisk.objects.filter(customer=customer).count() == 1


def test_old_churn_talk_and_old_contacts_age_out():
    customer = CustomerFactory()
    long_ago = timezone.now() - datetime.timedelta(days=services.CHURN_WINDOW_DAYS + 5)
    _contact(customer, "I want to cancel my account", started_at=long_ago)
    risk = services.churn_risk_update(customer=customer)
    assert _part(risk.components, "churn_intent")["value"] == 0
    assert _part(risk.components, "repeat_contacts")["value"] == 0


@pytest.mark.parametrize(
    ("score", "band"),
    [(0.0, RiskBand.LOW), (0.2999, RiskBand.LOW), (0.3, RiskBand.MEDIUM), (0.6, RiskBand.HIGH)],
)
def test_bands(score, band):
    assert services.risk_band(score) == band


# --- signals_rescore -------------------------------------------------------------------------------


def test_rescore_scores_every_contact_with_customer_words(scored_events, monkeypatch):
    monkeypatch.setattr(services, "RESCORE_BATCH", 2)  # several batches and a remainder
    customer = CustomerFactory()
    spoken = []
    for text in ("Great, thanks", "Still waiting", "I want to cancel my account", "ok", "Hello"):
        interaction = InteractionFactory(customer=customer)
        _say(interaction, text)
        spoken.append(interaction)
    silent = InteractionFactory(customer=customer)
    _say(silent, "Thanks for calling", side="agent")
    old = InteractionFactory(started_at=timezone.now() - datetime.timedelta(days=400))
    _say(old, "Terrible")

    written = services.signals_rescore(since=timezone.now() - datetime.timedelta(days=30))

    assert written == 5
    assert set(InteractionSignal.objects.values_list("interaction_id", flat=True)) == {
        i.pk for i in spoken
    }
    assert ChurnRisk.objects.get(customer=customer).band in RiskBand.values
    assert scored_events == []  # not asked to notify

    # A second run rewrites the same rows, and notifies when asked.
    assert services.signals_rescore(notify=True) == 6
    assert InteractionSignal.objects.count() == 6
    assert len(scored_events) == 6
    assert InteractionSignal.objects.get(interaction=spoken[2]).intents == [Intent.CHURN]
