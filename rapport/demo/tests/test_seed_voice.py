"""The demo's voice of the customer, loaded once for this module at a small scale: customer words
scored, the survey draw re-deriving from its seed, answers, alerts in every state, churn risk, and
the three gaming agents caught by their checks while the honest agents are left alone."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q

from rapport.accounts.models import User
from rapport.core.roles import Role
from rapport.demo.management.commands.seed_demo import HISTORY_START, REFERENCE_TIME
from rapport.demo.voice_ledger import gamers_find
from rapport.demo.voice_surveys import last_full_month
from rapport.insights.choices import AlertState, RecoveryOutcome
from rapport.insights.models import Alert, AlertEvent, ChurnRisk, InteractionSignal
from rapport.insights.services.signals import customer_text
from rapport.insights.text import text_score
from rapport.interactions.choices import Side
from rapport.interactions.models import Interaction
from rapport.surveys.choices import GamingCheck, InvitationState
from rapport.surveys.draw import ticket
from rapport.surveys.models import Draw, DrawSettings, GamingFlag, Invitation, Response
from rapport.surveys.services.gaming import gaming_checks_run

pytestmark = pytest.mark.django_db

CUSTOMERS = 1500
INTERACTIONS = 12_000


@pytest.fixture(scope="module", autouse=True)
def demo_center(django_db_setup, django_db_blocker):
    """Seeded once; each test runs in a savepoint inside this transaction, rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command(
            "seed_demo", customers=CUSTOMERS, interactions=INTERACTIONS, seed=5, stdout=out
        )
        yield out.getvalue()
        transaction.set_rollback(True)


def test_the_load_reports_the_voice_stages_with_their_times(demo_center):
    for stage in ("customer words scored", "survey draw and answers", "alerts and recovery"):
        assert f"voice: {stage} …" in demo_center


def test_every_contact_with_customer_words_has_its_signal_scored_by_the_text_scorer():
    with_words = set(
        Interaction.objects.filter(messages__side=Side.CUSTOMER, messages__is_note=False)
        .exclude(messages__body_text="")
        .values_list("pk", flat=True)
    )
    scored = set(InteractionSignal.objects.values_list("interaction_id", flat=True))
    assert with_words and scored == with_words
    for signal in InteractionSignal.objects.select_related("interaction").order_by("?")[:25]:
        expected = text_score(customer_text(interaction=signal.interaction))
        assert (signal.compound, signal.sentiment, signal.intents) == (
            expected.compound,
            expected.sentiment,
            expected.intents,
        )
        assert signal.customer_id == signal.interaction.customer_id


def test_every_answer_comes_from_a_selected_draw_that_re_derives_from_its_seed():
    seed = DrawSettings.objects.get().seed
    responses = Response.objects.select_related("invitation__draw")
    assert responses.count() > 100
    for response in responses:
        draw = response.invitation.draw
        assert draw.selected and draw.excluded == ""
        assert draw.interaction_id == response.interaction_id == response.invitation.interaction_id
        assert draw.seed == seed
        assert ticket(seed, draw.interaction_id) == draw.ticket
        assert draw.ticket < float(draw.rate)
        assert response.invitation.state == InvitationState.ANSWERED
        assert response.csat is not None


def test_the_draw_covers_the_handled_contacts_and_only_selected_ones_are_invited():
    assert not Invitation.objects.filter(draw__selected=False).exists()
    assert Invitation.objects.count() == Draw.objects.filter(selected=True).count()
    rates = Draw.objects.filter(excluded="").aggregate(
        n=Count("pk"), chosen=Count("pk", filter=Q(selected=True))
    )
    assert 0.15 < rates["chosen"] / rates["n"] < 0.25  # the default rate is 0.2
    answered = Invitation.objects.filter(state=InvitationState.ANSWERED).count()
    assert 0.2 < answered / Invitation.objects.count() < 0.45
    # One answer per customer within the cooldown: the draw never selects them twice in 30 days.
    chosen = Draw.objects.filter(selected=True).order_by("interaction__started_at")
    last: dict[int, object] = {}
    for customer_id, started in chosen.values_list(
        "interaction__customer_id", "interaction__started_at"
    ):
        if customer_id in last:
            assert (started - last[customer_id]).days >= 30  # type: ignore[operator]
        last[customer_id] = started


def test_answers_follow_the_ledger_resolved_contacts_score_higher_than_escalated_ones():
    def mean(outcome: str) -> float:
        rows = list(
            Response.objects.filter(interaction__outcome=outcome).values_list("csat", flat=True)
        )
        assert len(rows) >= 5, outcome
        return sum(rows) / len(rows)

    assert mean("resolved") > mean("follow_up") > mean("escalated")
    verbatims = Response.objects.exclude(verbatim="")
    assert verbatims.count() > 50
    assert not verbatims.filter(sentiment__isnull=True).exists()


def test_alerts_exist_in_every_state_with_owners_outcomes_root_causes_and_a_timeline():
    assert set(Alert.objects.values_list("state", flat=True)) == set(AlertState.values)
    closed = Alert.objects.filter(state=AlertState.CLOSED)
    assert set(closed.values_list("outcome", flat=True)) == set(RecoveryOutcome.values)
    assert not closed.filter(Q(root_cause__isnull=True) | Q(owner__isnull=True)).exists()
    assert not Alert.objects.filter(state=AlertState.IN_RECOVERY, owner__isnull=True).exists()
    assert not Alert.objects.filter(state=AlertState.OPEN, owner__isnull=False).exists()
    for alert in Alert.objects.order_by("?")[:30]:
        kinds = list(AlertEvent.objects.filter(alert=alert).values_list("kind", flat=True))
        assert kinds[0] == "fired"
        assert (kinds[-1] == "closed") == (alert.state == AlertState.CLOSED)
        assert alert.reasons and alert.callback_by is not None
        assert alert.callback_by > alert.fired_at
    northside = Alert.objects.filter(
        team__name="Northside", team__supervisor__username="supervisor"
    )
    assert set(northside.values_list("state", flat=True)) == set(AlertState.values)


def test_customers_with_scored_words_have_a_churn_risk():
    with_signals = set(
        InteractionSignal.objects.exclude(customer=None).values_list("customer_id", flat=True)
    )
    assert set(ChurnRisk.objects.values_list("customer_id", flat=True)) == with_signals
    assert ChurnRisk.objects.filter(band="high").exists()


def test_the_gaming_agents_are_flagged_by_their_checks_and_the_honest_ones_are_not():
    gamers = gamers_find()
    assert None not in (gamers.begging, gamers.clustering, gamers.improbable)
    # The whole history: at this small scale one month holds too few answers per agent.
    _start, end = last_full_month(REFERENCE_TIME)
    flags = gaming_checks_run(start=HISTORY_START, end=end)
    flagged = {(flag.kind, flag.agent_id) for flag in flags}

    assert (GamingCheck.BEGGING, gamers.begging.pk) in flagged
    assert (GamingCheck.CLUSTERING, gamers.clustering.pk) in flagged
    assert (GamingCheck.IMPROBABLE, gamers.improbable.pk) in flagged
    gaming = set(gamers.ids().values())
    # Begging and clustering leave evidence nobody honest produces.
    for kind in (GamingCheck.BEGGING, GamingCheck.CLUSTERING):
        assert {agent for k, agent in flagged if k == kind} <= gaming, kind
    honest = set(
        User.objects.filter(groups__name=Role.AGENT, team__isnull=False)
        .exclude(pk__in=gaming)
        .values_list("pk", flat=True)
    )
    honest_flagged = {agent for _kind, agent in flagged if agent in honest}
    assert len(honest_flagged) < len(honest) / 4


def test_the_seed_ran_the_checks_over_the_last_full_month_for_qa():
    start, end = last_full_month(REFERENCE_TIME)
    assert (start.isoformat(), end.isoformat()) == ("2026-10-01", "2026-10-31")
    assert set(
        GamingFlag.objects.exclude(period_start=HISTORY_START).values_list(
            "period_start", "period_end"
        )
    ) <= {(start, end)}
