"""Survey KPIs from rollups, the survey part of success, and compliments credited to agents.

Surveys, invitations and answers are written with the models directly, each answer credited to
the surveyed contact on DAY; the minimum sample is 2 unless a test says otherwise.
"""

import datetime
import importlib
import statistics

import numpy as np
import pytest
from django.utils import timezone
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.insights.models import InteractionSignal
from rapport.insights.signals import interaction_scored
from rapport.interactions.models import Interaction
from rapport.performance import catalog, kpis, rollups, stats
from rapport.performance.choices import Grain, KudosKind
from rapport.performance.models import (
    DailyRollup,
    Kpi,
    Kudos,
    MeasurementSettings,
    RollupDirtyDay,
    SuccessDefinition,
)
from rapport.performance.tests.factories import SuccessDefinitionFactory, contact
from rapport.surveys.models import Draw, Invitation, Response, Survey
from rapport.surveys.signals import survey_answered

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = TODAY - datetime.timedelta(days=100)
NEXT = DAY + datetime.timedelta(days=7)


@pytest.fixture(autouse=True)
def small_samples():
    MeasurementSettings.objects.filter(pk=1).update(min_sample=2)


def invite(interaction: Interaction, *, sent: bool = True) -> Invitation:
    """The draw and the invitation for one contact, as the survey capability records them."""
    now = timezone.now()
    survey, _ = Survey.objects.get_or_create(name="After the contact")
    draw = Draw.objects.create(
        interaction=interaction,
        agent=interaction.agent,
        day=rollups.local_day(interaction.started_at),
        stratum=f"{interaction.channel}/-/{interaction.agent_id}",
        seed="seed",
        rate="1.000",
        ticket=0.5,
        selected=True,
        drawn_at=now,
    )
    return Invitation.objects.create(
        draw=draw,
        survey=survey,
        interaction=interaction,
        customer=interaction.customer,
        agent=interaction.agent,
        channel="email",
        address="someone@example.com",
        state="sent" if sent else "queued",
        sent_at=now if sent else None,
        expires_at=now + datetime.timedelta(days=7),
    )


def answer(interaction: Interaction, **answers) -> Response:
    """A customer's answers (csat=, nps=, ces=, verbatim=, sentiment=, intents=) to an invitation
    sent for the contact."""
    invitation = invite(interaction)
    return Response.objects.create(
        invitation=invitation,
        survey=invitation.survey,
        interaction=interaction,
        agent=interaction.agent,
        day=rollups.local_day(interaction.started_at),
        channel=interaction.channel,
        **answers,
    )


def answered(scores: list[int | None], question: str, *, day=DAY, unanswered: int = 0, **fields):
    """One contact per score, each answered on `question`; `unanswered` more invited contacts."""
    for score in scores:
        answer(contact(day=day, **fields), **{question: score})
    for _ in range(unanswered):
        invite(contact(day=day, **fields))


def value(key: str, *, on: tuple[datetime.date, ...] = (DAY,)) -> kpis.KpiValue:
    for day in on:
        rollups.rollup_day(day)
    return kpis.kpi_value(Kpi.objects.get(key=key), totals(on), rollups.measurement_settings())


def totals(on: tuple[datetime.date, ...]) -> kpis.Totals:
    rows = DailyRollup.objects.filter(day__in=on, grain=Grain.CENTER)
    return kpis.Totals(by_channel=kpis.rollup_sums(rows))


def wilson_percent(k: int, n: int) -> tuple[float, float]:
    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    return low * 100, high * 100


def t_interval(sample: list[int]) -> tuple[float, float]:
    mean = statistics.fmean(sample)
    return scipy_stats.t.interval(0.95, len(sample) - 1, loc=mean, scale=scipy_stats.sem(sample))


# --- CSAT, NPS, customer effort ------------------------------------------------------------------


def test_csat_is_the_top_two_box_rate_with_wilson_interval_mean_and_response_rate():
    scores = [5, 4, 4, 3, 1, 5, 2]
    answered(scores, "csat", unanswered=3)
    invite(contact(day=DAY), sent=False)  # queued, never sent: not invited

    result = value("csat")

    assert result.state == kpis.OK
    assert (result.estimate.n, result.estimate.value) == (7, pytest.approx(100 * 4 / 7))
    low, high = wilson_percent(4, 7)
    assert result.estimate.ci_low == pytest.approx(low)
    assert result.estimate.ci_high == pytest.approx(high)
    survey = result.survey
    assert survey is not None
    assert (survey.invited, survey.answered) == (10, 7)
    assert survey.response_rate.value == pytest.approx(70.0)
    rate_low, rate_high = wilson_percent(7, 10)
    assert survey.response_rate.ci_low == pytest.approx(rate_low)
    assert survey.response_rate.ci_high == pytest.approx(rate_high)
    assert survey.mean is not None
    assert survey.mean.value == pytest.approx(statistics.fmean(scores))
    mean_low, mean_high = t_interval(scores)
    assert (survey.mean.ci_low, survey.mean.ci_high) == (
        pytest.approx(mean_low),
        pytest.approx(mean_high),
    )
    assert not survey.low_response and survey.warning == ""


def test_nps_is_promoters_minus_detractors_with_the_multinomial_interval():
    scores = [10, 9, 9, 10, 8, 7, 6, 3, 0, 10, 5]
    answered(scores, "nps")

    result = value("nps")

    mapped = np.array([1 if s >= 9 else -1 if s <= 6 else 0 for s in scores])
    score = mapped.mean()
    half = scipy_stats.norm.ppf(0.975) * np.sqrt(mapped.var() / len(scores))
    assert result.state == kpis.OK
    assert result.estimate.n == 11
    assert result.estimate.value == pytest.approx(100 * (5 - 4) / 11)
    assert result.estimate.ci_low == pytest.approx(100 * (score - half))
    assert result.estimate.ci_high == pytest.approx(100 * (score + half))
    assert result.survey is not None and result.survey.mean is None


def test_an_nps_interval_stays_on_the_scale():
    scores = [10, 10, 10, 10, 9, 0]
    answered(scores, "nps")

    result = value("nps")

    mapped = np.array([1] * 5 + [-1])
    half = scipy_stats.norm.ppf(0.975) * np.sqrt(mapped.var() / len(scores))
    assert mapped.mean() + half > 1  # the normal interval would pass +100
    assert result.estimate.ci_high == 100.0
    assert result.estimate.ci_low == pytest.approx(100 * (mapped.mean() - half))


def test_customer_effort_is_a_mean_with_a_t_interval():
    scores = [7, 6, 5, 5, 3, 7]
    answered(scores, "ces")

    result = value("customer_effort")

    low, high = t_interval(scores)
    assert result.state == kpis.OK
    assert result.estimate.value == pytest.approx(statistics.fmean(scores))
    assert (result.estimate.ci_low, result.estimate.ci_high) == (
        pytest.approx(low),
        pytest.approx(high),
    )


def test_answers_skipping_a_question_do_not_count_for_it():
    answer(contact(day=DAY), csat=5, nps=None, ces=None)
    answer(contact(day=DAY), csat=4, nps=9, ces=None)
    answer(contact(day=DAY), csat=None, nps=None, ces=6)

    assert value("csat").estimate.n == 2
    nps = value("nps")
    assert nps.estimate.n == 1 and nps.state == kpis.NOT_ENOUGH_DATA
    assert nps.survey is not None and (nps.survey.answered, nps.survey.invited) == (1, 3)
    assert value("customer_effort").estimate.n == 1


def test_below_the_minimum_sample_a_survey_kpi_says_not_enough_data():
    MeasurementSettings.objects.filter(pk=1).update(min_sample=5)
    answered([5, 5, 5, 4], "csat")

    result = value("csat")

    assert result.state == kpis.NOT_ENOUGH_DATA
    assert result.estimate.value is None and result.estimate.n == 4


def test_a_response_rate_under_ten_percent_is_a_warning():
    answered([5, 4], "csat", unanswered=23)  # 2 of 25 answered: 8 %

    result = value("csat")

    assert result.survey is not None and result.survey.low_response
    assert result.survey.warning.startswith("Low response rate: 8.0 % (2 of 25")


def test_the_kpi_wall_shows_the_response_rate_and_its_warning(client):
    answered([5, 4, 2], "csat", unanswered=30)
    rollups.rollup_day(DAY)
    client.force_login(UserFactory(roles=["admin"]))

    page = client.get(f"/performance/kpis/?period=day&date={DAY.isoformat()}").content.decode()

    start = page.index('data-testid="kpi-csat"')
    csat = page[start : page.index("</article>", start)]
    assert "3 answered of 33 invited" in csat
    assert "Response rate 9.1 %" in csat
    assert 'data-testid="response-warning"' in csat and "Low response rate" in csat
    assert "Mean answer 3.7 of 5" in csat


def test_the_api_gives_the_response_rate_with_the_figure(client):
    answered([5, 4, 2, 5], "csat", unanswered=4)
    rollups.rollup_day(DAY)
    client.force_login(UserFactory(roles=["admin"]))

    body = client.get(f"/api/v1/kpis/?period=day&date={DAY.isoformat()}").json()

    csat = next(row for row in body["results"] if row["key"] == "csat")["value"]
    assert (csat["value"], csat["n"]) == (75.0, 4)
    assert csat["survey"]["invited"] == 8 and csat["survey"]["answered"] == 4
    assert csat["survey"]["response_rate"]["value"] == 50.0
    assert csat["survey"]["low_response"] is False
    assert csat["survey"]["mean"]["value"] == 4.0


# --- Where answers are credited ------------------------------------------------------------------


def test_answers_are_credited_to_the_surveyed_contacts_day_agent_team_and_channel():
    blue = TeamFactory()
    ann = UserFactory(roles=["agent"], team=blue)
    chat = contact(day=DAY, agent=ann, channel="chat")
    answer(chat, csat=2, nps=10, ces=6)
    contact(day=DAY, agent=ann)  # not surveyed
    # The answer arrives a week later; it still belongs to the contact's day.
    Response.objects.update(created_at=timezone.now())

    rollups.rollup_day(DAY)

    fields = ("survey_invited", "csat_n", "csat_top2", "csat_sum", "csat_sumsq", "nps_n",
              "nps_promoters", "nps_detractors", "ces_n", "ces_sum", "ces_sumsq")  # fmt: skip
    expected = (1, 1, 0, 2, 4, 1, 1, 0, 1, 6, 36)
    for grain, where in (
        (Grain.AGENT, {"agent": ann}),
        (Grain.TEAM, {"team": blue}),
        (Grain.CENTER, {}),
    ):
        row = DailyRollup.objects.get(day=DAY, grain=grain, channel="chat", **where)
        assert tuple(getattr(row, name) for name in fields) == expected, grain
        phone = DailyRollup.objects.get(day=DAY, grain=grain, channel="phone", **where)
        assert (phone.survey_invited, phone.csat_n) == (0, 0)


def test_a_survey_kpi_change_between_periods_is_tested():
    answered([5] * 8 + [1] * 2, "csat", day=DAY)
    answered([5] * 2 + [1] * 8, "csat", day=NEXT)
    answered([10] * 8 + [0] * 2, "nps", day=DAY)
    answered([10] * 2 + [0] * 8, "nps", day=NEXT)
    for day in (DAY, NEXT):
        rollups.rollup_day(day)
    csat, nps = Kpi.objects.get(key="csat"), Kpi.objects.get(key="nps")

    csat_change = kpis.change(csat, totals((NEXT,)), totals((DAY,)))
    nps_change = kpis.change(nps, totals((NEXT,)), totals((DAY,)))

    _, p = proportions_ztest([2, 8], [10, 10])
    assert csat_change.p_value == pytest.approx(p) and csat_change.significant
    before = np.array([1] * 8 + [-1] * 2)
    after = np.array([1] * 2 + [-1] * 8)
    z = (after.mean() - before.mean()) / np.sqrt(before.var() / 10 + after.var() / 10)
    assert nps_change.p_value == pytest.approx(2 * scipy_stats.norm.sf(abs(z)))
    assert nps_change.significant


def test_nps_without_spread_in_either_period_has_no_test():
    assert stats.compare_nps(5, 0, 5, 3, 0, 3).p_value is None
    assert stats.compare_nps(0, 0, 0, 3, 0, 3).p_value is None


# --- The survey part of success ------------------------------------------------------------------


def test_min_survey_score_fails_a_low_answer_and_leaves_unsurveyed_contacts_alone():
    version = SuccessDefinitionFactory(
        effective_from=DAY - datetime.timedelta(days=30),
        min_survey_score=4,
        repeat_window_days=None,
        forbid_escalation=False,
    )
    answer(contact(day=DAY), csat=2)
    answer(contact(day=DAY), csat=5)
    answer(contact(day=DAY), nps=3)  # answered, but not the CSAT question
    contact(day=DAY)  # not surveyed

    rollups.rollup_day(DAY)

    center = DailyRollup.objects.get(day=DAY, grain=Grain.CENTER)
    assert (center.success_yes, center.success_n) == (3, 4)
    shipped = SuccessDefinition.objects.get(version=1)
    counts = rollups.success_counts(first_id=version.pk, second_id=shipped.pk, start=DAY, end=DAY)
    # The first version (no survey part) judges all four successful.
    assert (counts.first, counts.second, counts.second_only) == (3, 4, 1)


# --- Receivers: dirty days and compliments -------------------------------------------------------


def test_an_answer_marks_the_surveyed_contacts_day_dirty():
    response = answer(contact(day=DAY), csat=4)
    RollupDirtyDay.objects.all().delete()

    survey_answered.send(sender=Response, response=response)

    assert list(RollupDirtyDay.objects.values_list("day", flat=True)) == [DAY]


def test_an_invitation_sent_later_marks_the_contacts_day_dirty():
    invitation = invite(contact(day=DAY), sent=False)
    RollupDirtyDay.objects.all().delete()

    invitation.state, invitation.sent_at = "sent", timezone.now()
    invitation.save()

    assert list(RollupDirtyDay.objects.values_list("day", flat=True)) == [DAY]


def test_a_compliment_in_a_survey_is_credited_once_and_says_so():
    ann = UserFactory(roles=["agent"])
    surveyed = contact(day=DAY, agent=ann, channel="chat")
    response = answer(surveyed, csat=4, verbatim="Lovely", intents=["compliment"])

    for _ in range(2):
        survey_answered.send(sender=Response, response=response)

    kudos = Kudos.objects.get()
    assert (kudos.kind, kudos.agent, kudos.interaction) == (KudosKind.COMPLIMENT, ann, surveyed)
    assert "survey" in kudos.message and "chat" in kudos.message
    customer = surveyed.customer
    assert customer.first_name not in kudos.message and customer.last_name not in kudos.message
    assert "Lovely" not in kudos.message


@pytest.mark.parametrize(
    "answers,credited",
    [
        ({"csat": 5, "verbatim": "Brilliant, thank you so much", "sentiment": 0.8}, True),
        ({"csat": 5, "verbatim": "", "sentiment": None}, False),
        ({"csat": 5, "verbatim": "Fine I guess", "sentiment": 0.1}, False),
        ({"csat": 4, "verbatim": "Brilliant, thank you so much", "sentiment": 0.8}, False),
        ({"csat": 2, "verbatim": "Awful", "sentiment": -0.7, "intents": ["complaint"]}, False),
    ],
)
def test_a_top_score_with_praise_is_a_compliment(answers, credited):
    response = answer(contact(day=DAY), **answers)

    survey_answered.send(sender=Response, response=response)

    assert Kudos.objects.filter(kind=KudosKind.COMPLIMENT).exists() is credited


def scored(interaction: Interaction, intents: list[str]) -> InteractionSignal:
    """The customer's words scored, announced as the scoring service announces them."""
    row = InteractionSignal.objects.create(
        interaction=interaction,
        customer=interaction.customer,
        day=rollups.local_day(interaction.started_at),
        channel=interaction.channel,
        compound=0.8,
        sentiment="positive",
        intents=intents,
        scored_at=timezone.now(),
    )
    interaction_scored.send(sender=InteractionSignal, interaction_signal=row)
    return row


def test_a_compliment_in_the_conversation_is_credited_and_counted():
    ann = UserFactory(roles=["agent"])
    talked = contact(day=DAY, agent=ann)
    RollupDirtyDay.objects.all().delete()

    scored(talked, ["compliment"])

    kudos = Kudos.objects.get()
    assert kudos.agent == ann and "conversation" in kudos.message
    assert list(RollupDirtyDay.objects.values_list("day", flat=True)) == [DAY]
    rollups.rollup_day(DAY)
    assert DailyRollup.objects.get(day=DAY, grain=Grain.CENTER).compliments == 1


def test_one_contact_is_credited_once_whether_survey_or_conversation_found_it():
    talked = contact(day=DAY)
    response = answer(talked, csat=5, intents=["compliment"])

    signal = scored(talked, ["compliment", "purchase"])
    survey_answered.send(sender=Response, response=response)
    signal.save()  # scored again

    kudos = Kudos.objects.get()
    assert "conversation" in kudos.message


def test_no_compliment_intent_or_no_agent_no_credit():
    scored(contact(day=DAY), ["complaint"])
    scored(contact(day=DAY, outcome="abandoned"), ["compliment"])

    assert not Kudos.objects.exists()


# --- Wording ---------------------------------------------------------------------------------------


def test_survey_kpis_no_longer_say_they_need_survey_answers():
    migration = importlib.import_module("rapport.performance.migrations.0005_survey_rollups")
    shipped = {row[0]: row[10] for row in catalog.KPIS}

    for key, (_before, after) in migration.WORDING.items():
        assert shipped[key] == after
        assert "Needs survey answers" not in after
        assert Kpi.objects.get(key=key).computation == after
