"""Every KPI formula against a hand-built ledger whose answer is known.

Each test writes a few contacts, rolls their days up with rollups.rollup_day and computes the
registry's KPI (the rows the migrations ship) from the rollups with kpis.kpi_value, as the
scorecards do. The minimum sample is 2, so a handful of contacts gives a number.
"""

import datetime
import statistics
from decimal import Decimal

import pytest
from django.utils import timezone
from scipy import stats as scipy_stats

from rapport.access.tests.factories import ContactTypeFactory, QueueFactory
from rapport.accounts.tests.factories import UserFactory
from rapport.cases.models import Escalation
from rapport.cases.tests.factories import CaseFactory, EscalationReasonFactory
from rapport.customers.tests.factories import CustomerFactory, HoldingFactory
from rapport.interactions.models import Interaction
from rapport.performance import kpis, periods, rollups, selectors, stats
from rapport.performance.choices import EvaluationStatus, Formula, Grain, Period
from rapport.performance.models import (
    CalibrationSession,
    DailyRollup,
    Evaluation,
    Kpi,
    MeasurementSettings,
    QaForm,
    RollupDirtyDay,
    SuccessDefinition,
)
from rapport.performance.services import measures
from rapport.performance.services import success as success_services
from rapport.performance.tests.factories import SuccessDefinitionFactory, contact

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = TODAY - datetime.timedelta(days=100)  # every window (repeat, offer, save) has passed


def days(start: datetime.date, count: int) -> list[datetime.date]:
    return [start + datetime.timedelta(days=n) for n in range(count)]


@pytest.fixture(autouse=True)
def small_samples():
    MeasurementSettings.objects.filter(pk=1).update(min_sample=2)


def settings_row() -> MeasurementSettings:
    return rollups.measurement_settings()


def kpi_of(key: str) -> Kpi:
    return Kpi.objects.get(key=key)


def totals_for(on: list[datetime.date]) -> kpis.Totals:
    for day in on:
        rollups.rollup_day(day)
    rows = DailyRollup.objects.filter(day__in=on, grain=Grain.CENTER)
    return kpis.Totals(by_channel=kpis.rollup_sums(rows), qa=kpis.qa_sums(Evaluation.objects.all()))


def value(key: str, on: list[datetime.date] | None = None) -> kpis.KpiValue:
    return kpis.kpi_value(kpi_of(key), totals_for(on or [DAY]), settings_row())


def percent_interval(k: int, n: int) -> tuple[float, float]:
    low, high = stats.wilson(k, n)
    return low * 100, high * 100


def assert_rate(result: kpis.KpiValue, k: int, n: int) -> None:
    assert result.state == kpis.OK
    assert result.estimate.n == n
    assert result.estimate.value == pytest.approx(100 * k / n)
    low, high = percent_interval(k, n)
    assert result.estimate.ci_low == pytest.approx(low)
    assert result.estimate.ci_high == pytest.approx(high)


def assert_mean(result: kpis.KpiValue, sample: list[float]) -> None:
    """The value is the sample's mean and the interval scipy's t interval for it."""
    assert result.state == kpis.OK
    assert result.estimate.n == len(sample)
    mean = statistics.fmean(sample)
    low, high = scipy_stats.t.interval(
        0.95, len(sample) - 1, loc=mean, scale=scipy_stats.sem(sample)
    )
    assert result.estimate.value == pytest.approx(mean)
    assert result.estimate.ci_low == pytest.approx(low)
    assert result.estimate.ci_high == pytest.approx(high)


def registry_formulas() -> set[str]:
    return set(Kpi.objects.values_list("formula", flat=True))


def test_every_formula_is_tested_here():
    """A formula added to kpis.py without a test in this module fails here."""
    tested = {
        Formula.FCR, Formula.REPEAT, Formula.AHT, Formula.ASA, Formula.SERVICE_LEVEL,
        Formula.ABANDONMENT, Formula.TRANSFER, Formula.ESCALATION, Formula.SUCCESS,
        Formula.SAVED, Formula.UPSELL, Formula.REVENUE, Formula.COST_PER_CONTACT,
        Formula.RELATIONSHIP, Formula.COMPLIMENTS, Formula.QA_SCORE,
        Formula.CSAT, Formula.NPS, Formula.CES,
    }  # fmt: skip
    assert set(kpis.CALCULATORS) | set(kpis.PENDING) == tested
    assert registry_formulas() <= tested


# --- First-contact resolution and repeats ---------------------------------------------------------


def judged_by(definition_id: int, day: datetime.date) -> tuple[int, int]:
    """(successes, contacts judged) of one published version on one day, from SuccessRollup."""
    counts = rollups.success_counts(
        first_id=definition_id, second_id=definition_id, start=day, end=day
    )
    return counts.first, counts.judged


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_default_timezone()
    )


@pytest.fixture
def fcr_ledger():
    """Six customers with a first contact for "billing" on DAY (repeat window 7 days):

    hopper   calls again 3 days later by e-mail, same reason      -> repeat (channel hopping)
    boundary calls again exactly 7 days later                     -> repeat (the window includes day 7)
    other    calls 2 days later for another reason                -> not a repeat
    late     calls again 8 days later                             -> not a repeat (after the window)
    once     never calls again                                    -> not a repeat
    anonymous has no contact type                                 -> not counted at all
    """
    billing, fault = ContactTypeFactory(), ContactTypeFactory()
    people = {name: CustomerFactory() for name in ("hopper", "boundary", "other", "late", "once")}
    for customer in people.values():
        contact(at=at(DAY), customer=customer, contact_type=billing)
    contact(at=at(DAY + datetime.timedelta(days=3)), channel="email",
            customer=people["hopper"], contact_type=billing)  # fmt: skip
    contact(
        at=at(DAY + datetime.timedelta(days=7)), customer=people["boundary"], contact_type=billing
    )
    contact(at=at(DAY + datetime.timedelta(days=2)), customer=people["other"], contact_type=fault)
    contact(at=at(DAY + datetime.timedelta(days=8)), customer=people["late"], contact_type=billing)
    contact(at=at(DAY), customer=CustomerFactory(), contact_type=None)


def test_fcr_counts_a_repeat_on_any_channel_for_the_same_reason_within_the_window(fcr_ledger):
    assert_rate(value("fcr"), 3, 5)


def test_repeat_rate_is_the_complement_on_the_same_contacts(fcr_ledger):
    assert_rate(value("repeat_contact"), 2, 5)


def test_a_shorter_repeat_window_counts_fewer_repeats(fcr_ledger):
    MeasurementSettings.objects.filter(pk=1).update(repeat_window_days=5)

    assert_rate(value("repeat_contact"), 1, 5)  # only the hopper (3 days) is within 5


def test_repeat_needs_the_same_customer():
    billing = ContactTypeFactory()
    contact(at=at(DAY), customer=CustomerFactory(), contact_type=billing)
    contact(at=at(DAY), customer=CustomerFactory(), contact_type=billing)
    contact(
        at=at(DAY + datetime.timedelta(days=1)), customer=CustomerFactory(), contact_type=billing
    )

    assert_rate(value("repeat_contact"), 0, 2)


def test_fcr_counts_only_handled_inbound_contacts():
    billing, customer = ContactTypeFactory(), CustomerFactory()
    contact(at=at(DAY), customer=customer, contact_type=billing)
    contact(at=at(DAY, 11), customer=customer, contact_type=billing, direction="outbound")
    contact(at=at(DAY, 12), customer=CustomerFactory(), contact_type=billing, outcome="abandoned")
    contact(at=at(DAY, 13), customer=CustomerFactory(), contact_type=billing)

    result = value("fcr")

    assert result.estimate.n == 2  # the outbound call and the abandon are not issues to resolve


def test_our_callback_is_not_a_repeat_contact():
    billing, customer = ContactTypeFactory(), CustomerFactory()
    contact(at=at(DAY), customer=customer, contact_type=billing)
    contact(at=at(DAY + datetime.timedelta(days=1)), customer=customer, contact_type=billing,
            direction="outbound")  # fmt: skip
    contact(at=at(DAY), customer=CustomerFactory(), contact_type=billing)

    assert_rate(value("repeat_contact"), 0, 2)


# --- Handle time, speed of answer, service level, abandonment ------------------------------------


def test_aht_is_per_channel_and_never_mixes_channels():
    # Handle time = talk + hold + wrap-up.
    contact(day=DAY, channel="phone", handle=300, hold_seconds=60, wrap_seconds=40)  # 400
    contact(day=DAY, channel="phone", handle=500, wrap_seconds=100)  # 600
    contact(day=DAY, channel="email", handle=1000, wrap_seconds=200)  # 1200
    contact(day=DAY, channel="email", handle=1500, wrap_seconds=300)  # 1800
    contact(day=DAY, channel="phone", outcome="abandoned", wait=40)  # not handled

    assert_mean(value("aht_phone"), [400, 600])
    assert_mean(value("aht_email"), [1200, 1800])
    chat = value("aht_chat")
    assert chat.state == kpis.NOT_ENOUGH_DATA
    assert chat.estimate.n == 0


def test_asa_is_the_mean_wait_of_answered_real_time_inbound_contacts():
    contact(day=DAY, channel="phone", wait=10)
    contact(day=DAY, channel="phone", wait=30)
    contact(day=DAY, channel="chat", wait=20)
    contact(day=DAY, channel="email", wait=5000)  # deferred: has no speed of answer
    contact(day=DAY, channel="phone", direction="outbound", wait=100)  # we called
    contact(day=DAY, channel="phone", outcome="abandoned", wait=50)  # never answered

    assert_mean(value("asa"), [10, 30, 20])


@pytest.fixture
def queue_ledger():
    """Real-time inbound contacts with a 20 s service level and a 5 s short abandon:

    answered after 5, 20 (the threshold counts as within), 21 and 40 s  -> 4 answered, 2 within
    abandoned after 3 s (short: not offered), 5 s and 60 s              -> 2 abandoned
    an e-mail answered after 3 s                                         -> not real-time
    """
    for wait in (5, 20, 21, 40):
        contact(day=DAY, channel="phone", wait=wait)
    for wait in (3, 5, 60):
        contact(day=DAY, channel="chat", outcome="abandoned", wait=wait)
    contact(day=DAY, channel="email", wait=3)


def test_service_level_is_answered_within_y_over_answered_and_long_abandons(queue_ledger):
    assert_rate(value("service_level"), 2, 6)


def test_abandonment_excludes_short_abandons(queue_ledger):
    assert_rate(value("abandonment"), 2, 6)
    row = DailyRollup.objects.get(day=DAY, grain=Grain.CENTER, channel="chat")
    assert row.short_abandoned == 1


def test_service_level_follows_the_settings(queue_ledger):
    MeasurementSettings.objects.filter(pk=1).update(
        service_level_seconds=30, short_abandon_seconds=10
    )

    # Within 30 s: 5, 20, 21. Abandons of 3 and 5 s are now short; 60 s is not.
    assert_rate(value("service_level"), 3, 5)
    assert_rate(value("abandonment"), 1, 5)


def test_a_handled_contact_is_never_abandoned():
    # A chat taken from a webhook has no answer time; the agent handled it all the same.
    contact(day=DAY, channel="chat", answered=False, wait=30)
    contact(day=DAY, channel="chat", wait=10)

    assert value("abandonment").estimate.value == 0


# --- Transfers and escalations -------------------------------------------------------------------


def test_transfer_rate_counts_any_hand_off_over_handled_contacts():
    contact(day=DAY, transfers=1)
    contact(day=DAY, outcome="transferred")
    contact(day=DAY)
    contact(day=DAY)
    contact(day=DAY, outcome="abandoned", transfers=1)  # not handled

    assert_rate(value("transfer_rate"), 2, 4)


def escalate(interaction: Interaction) -> Escalation:
    """A recorded escalation of a case, naming the contact it happened in."""
    case = CaseFactory(customer=interaction.customer)
    return Escalation.objects.create(
        case=case,
        reason=EscalationReasonFactory(),
        preventable=False,
        customer_needs="A refund above the front line's limit.",
        tried="Checked the invoice.",
        from_queue=case.queue,
        to_queue=QueueFactory(tier=2),
        from_tier=1,
        to_tier=2,
        interaction=interaction,
        escalated_at=interaction.started_at,
    )


def test_escalation_rate_counts_the_outcome_or_a_recorded_escalation():
    contact(day=DAY, outcome="escalated")
    escalate(contact(day=DAY, outcome="resolved"))
    contact(day=DAY)
    contact(day=DAY)

    assert_rate(value("escalation_rate"), 2, 4)


def test_an_escalation_of_another_contact_does_not_count():
    contact(day=DAY)
    contact(day=DAY)
    escalate(contact(day=DAY - datetime.timedelta(days=1)))

    rollups.rollup_day(DAY)

    assert DailyRollup.objects.get(day=DAY, grain=Grain.CENTER).escalated == 0


# --- Success ------------------------------------------------------------------------------------


@pytest.fixture
def two_versions():
    """v1 (shipped, since 2000): resolved, no repeat within 7 days, not escalated.
    v2 from DAY + 1: not transferred, nothing else. The same three contacts on DAY and DAY + 1:
    resolved and transferred (v1 yes, v2 no) twice, and a follow-up (v1 no, v2 yes)."""
    v2 = SuccessDefinitionFactory(
        effective_from=DAY + datetime.timedelta(days=1),
        require_resolved=False,
        repeat_window_days=None,
        forbid_escalation=False,
        forbid_transfer=True,
    )
    for day in days(DAY, 2):
        contact(day=day, transfers=1)
        contact(day=day, transfers=1)
        contact(day=day, outcome="follow_up")
    return v2


def test_success_is_judged_by_the_version_in_force_on_the_day(two_versions):
    before, after = DAY, DAY + datetime.timedelta(days=1)

    assert_rate(value("success_rate", [before]), 2, 3)  # v1
    assert_rate(value("success_rate", [after]), 1, 3)  # v2
    assert_rate(value("success_rate", [before, after]), 3, 6)


def test_every_published_version_judges_every_day(two_versions):
    totals_for(days(DAY, 2))

    v1 = SuccessDefinition.objects.get(version=1)
    verdicts = {
        (version, day): judged_by(version_id, day)
        for version, version_id in ((1, v1.pk), (two_versions.version, two_versions.pk))
        for day in (DAY, DAY + datetime.timedelta(days=1))
    }
    assert verdicts == {
        (1, DAY): (2, 3),
        (1, DAY + datetime.timedelta(days=1)): (2, 3),
        (two_versions.version, DAY): (1, 3),
        (two_versions.version, DAY + datetime.timedelta(days=1)): (1, 3),
    }


def test_no_version_in_force_judges_nothing():
    contact(day=datetime.date(1999, 12, 31))

    result = value("success_rate", [datetime.date(1999, 12, 31)])

    assert result.state == kpis.NOT_ENOUGH_DATA
    assert result.estimate.n == 0


def test_success_fails_a_contact_repeated_within_the_versions_window():
    billing, customer = ContactTypeFactory(), CustomerFactory()
    contact(at=at(DAY), customer=customer, contact_type=billing)
    contact(at=at(DAY + datetime.timedelta(days=2)), customer=customer, contact_type=billing)
    contact(at=at(DAY), customer=CustomerFactory(), contact_type=billing)

    assert_rate(value("success_rate"), 1, 2)


def test_publishing_a_new_version_leaves_earlier_days_verdicts(
    django_capture_on_commit_callbacks, make_user
):
    contact(day=DAY, transfers=1)
    contact(day=DAY)
    contact(day=DAY, outcome="follow_up")
    contact(day=DAY, outcome="follow_up")
    rollups.rollup_day(DAY)
    before = DailyRollup.objects.get(day=DAY, grain=Grain.CENTER)
    assert (before.success_yes, before.success_n) == (2, 4)
    admin = make_user("admin")
    draft = success_services.success_definition_draft(by=admin)
    success_services.success_definition_update(
        by=admin, definition=draft, require_resolved=False, forbid_transfer=True
    )

    with django_capture_on_commit_callbacks(execute=True):
        success_services.success_definition_publish(
            by=admin, definition=draft, effective_from=TODAY
        )
    assert RollupDirtyDay.objects.filter(day=DAY).exists()
    measures.rollups_refresh()

    after = DailyRollup.objects.get(day=DAY, grain=Grain.CENTER)
    assert (after.success_yes, after.success_n) == (2, 4)
    assert judged_by(draft.pk, DAY) == (3, 4)  # the transfer fails; the follow-ups pass
    assert judged_by(SuccessDefinition.objects.get(version=1).pk, DAY) == (2, 4)


# --- Retention and revenue ------------------------------------------------------------------------


@pytest.fixture
def churn():
    return ContactTypeFactory(churn_intent=True)


def test_saved_counts_customers_still_holding_a_product_after_the_save_window(churn):
    old = TODAY - datetime.timedelta(days=70)  # the 60-day window has passed
    window_end = old + datetime.timedelta(days=60)
    kept, lapsed, on_the_day, without, came_back = (CustomerFactory() for _ in range(5))
    HoldingFactory(customer=kept, since=datetime.date(2020, 1, 1))
    HoldingFactory(
        customer=lapsed, since=datetime.date(2020, 1, 1), ended_on=old + datetime.timedelta(days=30)
    )
    HoldingFactory(customer=on_the_day, since=datetime.date(2020, 1, 1), ended_on=window_end)
    HoldingFactory(customer=came_back, since=old + datetime.timedelta(days=10))
    for customer in (kept, lapsed, on_the_day, without, came_back):
        contact(day=old, customer=customer, contact_type=churn)
    contact(day=old, customer=kept, contact_type=ContactTypeFactory())  # not an intent to leave
    contact(day=old, customer=CustomerFactory(), contact_type=churn, outcome="abandoned")

    assert_rate(value("customers_saved", [old]), 2, 5)


def test_saved_leaves_out_contacts_whose_window_has_not_passed(churn):
    recent = TODAY - datetime.timedelta(days=10)
    customer = CustomerFactory()
    HoldingFactory(customer=customer, since=datetime.date(2020, 1, 1))
    contact(day=recent, customer=customer, contact_type=churn)

    result = value("customers_saved", [recent])

    assert result.estimate.n == 0
    assert result.state == kpis.NOT_ENOUGH_DATA


@pytest.fixture
def offers():
    """An offer window of 30 days after DAY:

    taker   accepted; holdings from DAY + 5 (100, counted), DAY + 31 (1000, too late),
            DAY - 1 (50, before the offer)
    decliner declined; a holding from DAY + 30 (200, the window's last day counts)
    no_offer no offer; a holding from DAY + 1 (400, not influenced)
    unknown  the offer question was not answered
    """
    taker, decliner, no_offer, unknown = (CustomerFactory() for _ in range(4))
    HoldingFactory(customer=taker, since=DAY + datetime.timedelta(days=5), value=100)
    HoldingFactory(customer=taker, since=DAY + datetime.timedelta(days=31), value=1000)
    HoldingFactory(customer=taker, since=DAY - datetime.timedelta(days=1), value=50)
    HoldingFactory(customer=decliner, since=DAY + datetime.timedelta(days=30), value=200)
    HoldingFactory(customer=no_offer, since=DAY + datetime.timedelta(days=1), value=400)
    contact(day=DAY, customer=taker, offer_made=True, offer_accepted=True)
    contact(day=DAY, customer=decliner, offer_made=True, offer_accepted=False)
    contact(day=DAY, customer=no_offer, offer_made=False)
    contact(day=DAY, customer=unknown, offer_made=None)


def test_upsell_is_accepted_over_offers_made(offers):
    assert_rate(value("upsell_conversion"), 1, 2)


def test_revenue_sums_holdings_started_within_the_offer_window(offers):
    result = value("revenue_influenced")

    assert result.state == kpis.OK
    assert result.estimate.value == pytest.approx(300.0)
    assert result.estimate.n == 2  # offers made
    assert result.estimate.ci_low is None  # a recorded total, not a sample estimate


def test_revenue_without_offers_has_no_data_yet():
    contact(day=DAY, offer_made=False)

    assert value("revenue_influenced").state == kpis.NO_DATA_YET


def test_revenue_counts_each_holding_once():
    customer = CustomerFactory()
    HoldingFactory(customer=customer, since=DAY + datetime.timedelta(days=5), value=100)
    contact(at=at(DAY), customer=customer, offer_made=True, offer_accepted=False)
    contact(at=at(DAY, 15), customer=customer, offer_made=True, offer_accepted=True)

    assert value("revenue_influenced").estimate.value == pytest.approx(100.0)


# --- Cost ---------------------------------------------------------------------------------------


def test_cost_per_contact_is_staff_time_at_the_rate_plus_each_channels_cost():
    MeasurementSettings.objects.filter(pk=1).update(
        staff_cost_per_hour=Decimal("36.00"),
        channel_costs={"phone": "0.90", "email": "0.30"},
    )
    contact(day=DAY, channel="phone", handle=300)  # 3.00 of staff time + 0.90
    contact(day=DAY, channel="phone", handle=600)  # 6.00 + 0.90
    contact(day=DAY, channel="email", handle=900)  # 9.00 + 0.30

    result = value("cost_per_contact")

    assert result.state == kpis.OK
    assert result.estimate.n == 3
    assert result.estimate.value == pytest.approx((3.90 + 6.90 + 9.30) / 3)
    sample = [300, 600, 900]
    low, high = scipy_stats.t.interval(
        0.95, 2, loc=statistics.fmean(sample), scale=scipy_stats.sem(sample)
    )
    assert result.estimate.ci_low == pytest.approx(low * 0.01 + 0.70)
    assert result.estimate.ci_high == pytest.approx(high * 0.01 + 0.70)


# --- Soft measures and QA -----------------------------------------------------------------------


def test_relationship_attempts_count_only_answered_questions():
    for answer in (True, True, False, None):
        contact(day=DAY, relationship_attempt=answer)

    assert_rate(value("relationship_attempts"), 2, 3)


def test_compliments_are_over_handled_contacts():
    contact(day=DAY, compliment_received=True)
    contact(day=DAY, compliment_received=False)
    contact(day=DAY)
    contact(day=DAY)
    contact(day=DAY, outcome="abandoned", compliment_received=True)  # not handled

    assert_rate(value("compliments"), 1, 4)


def evaluation(score, *, status=EvaluationStatus.SUBMITTED, calibration=None, agent=None):
    interaction = contact(day=DAY)
    return Evaluation.objects.create(
        form=QaForm.objects.get(),
        interaction=interaction,
        agent=agent or interaction.agent,
        status=status,
        score=score,
        calibration=calibration,
        submitted_at=at(DAY, 12) if status != EvaluationStatus.DRAFT else None,
    )


def test_qa_score_counts_submitted_evaluations_only():
    evaluation(Decimal("80"))
    evaluation(Decimal("90"))
    evaluation(Decimal("10"), status=EvaluationStatus.DRAFT)
    evaluation(Decimal("0"), status=EvaluationStatus.VOIDED)
    session = CalibrationSession.objects.create(
        title="Calibration", form=QaForm.objects.get(), interaction=contact(day=DAY)
    )
    evaluation(Decimal("50"), calibration=session)

    assert_mean(value("qa_score"), [80, 90])


@pytest.mark.parametrize("key", ["csat", "nps", "customer_effort"])
def test_survey_kpis_without_answers_say_not_enough_data(key):
    contact(day=DAY)

    result = value(key)

    assert result.state == kpis.NOT_ENOUGH_DATA
    assert result.estimate.value is None
    assert result.survey is not None and (result.survey.invited, result.survey.answered) == (0, 0)
    # Survey KPIs are computed in tests/test_survey_kpis.py.


# --- The same figures through the scorecard -----------------------------------------------------


def test_the_scorecard_shows_the_same_figures_for_an_agent(fcr_ledger):
    ann = UserFactory(roles=["agent"])
    contact(day=DAY, agent=ann, handle=200)
    contact(day=DAY, agent=ann, handle=400)
    evaluation(Decimal("70"), agent=ann)
    evaluation(Decimal("90"), agent=ann)
    rollups.rollup_day(DAY)
    scope = selectors.agent_scope_for(viewer=ann, agent_id=ann.pk)

    card = selectors.scorecard(scope=scope, span=periods.span(Period.WEEK, DAY), trend_length=2)

    items = {item.kpi.key: item.value for item in card.items}
    assert items["aht_phone"].estimate.value == pytest.approx(300)
    assert items["aht_phone"].estimate.n == 2
    assert items["qa_score"].estimate.value == pytest.approx(80)
    assert items["fcr"].estimate.n == 0  # the FCR ledger belongs to another agent
    company = selectors.scorecard(
        scope=selectors.COMPANY, span=periods.span(Period.WEEK, DAY), trend_length=2
    )
    by_key = {item.kpi.key: item.value for item in company.items}
    assert by_key["fcr"].estimate.value == pytest.approx(60.0)
    # Six FCR contacts, Ann's two and the two evaluated ones, all calls on DAY.
    assert by_key["aht_phone"].estimate.n == 10
