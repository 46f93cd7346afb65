"""Measuring a gap rule: value, n, target and whether it is a gap, for each kind of source."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from rapport.accounts.tests.factories import UserFactory
from rapport.learning import gaps
from rapport.learning.choices import GapSource
from rapport.learning.tests.factories_learning import (
    GapRuleFactory,
    agent_rollup,
    preventable_escalation,
)
from rapport.performance import catalog
from rapport.performance.choices import Answer
from rapport.performance.models import Kpi
from rapport.performance.tests.factories_qa import evaluation, form_with

DAY = datetime.date(2025, 3, 31)


@pytest.fixture
def fcr(db) -> Kpi:
    catalog.defaults_ensure()
    kpi = Kpi.objects.get(key="fcr")
    kpi.target = Decimal("75")
    kpi.save()
    return kpi


def _fcr_days(agent, *, eligible: int, repeats: int, days: int = 4, end=DAY):
    """Spread eligible contacts and repeats over `days` days ending on `end`."""
    for i in range(days):
        share_n = eligible // days + (1 if i < eligible % days else 0)
        share_r = repeats // days + (1 if i < repeats % days else 0)
        agent_rollup(
            agent,
            end - datetime.timedelta(days=i),
            handled=share_n,
            fcr_n=share_n,
            fcr_repeat=share_r,
        )


def test_kpi_below_target_with_enough_data_is_a_gap_and_the_reason_reads_plainly(fcr):
    agent = UserFactory.create(roles=["agent"])
    _fcr_days(agent, eligible=212, repeats=83)  # FCR = 129 / 212 = 60.8 %
    rule = GapRuleFactory(source=GapSource.KPI, kpi=fcr, threshold=None, min_n=30)

    found = gaps.measure(rule, [agent], DAY)[agent.pk]

    assert found.is_gap
    assert found.n == 212
    assert round(found.value, 1) == 60.8
    assert found.target == 75.0
    assert found.ci_high is not None and found.ci_high < 75
    text = gaps.reason_text(rule, found)
    assert "61 %" in text and "n = 212" in text and "75 %" in text and "28 days" in text


def test_not_enough_data_is_never_a_gap(fcr):
    agent = UserFactory.create(roles=["agent"])
    _fcr_days(agent, eligible=40, repeats=30)
    rule = GapRuleFactory(source=GapSource.KPI, kpi=fcr, threshold=None, min_n=100)
    assert not gaps.measure(rule, [agent], DAY)[agent.pk].is_gap


def test_an_interval_reaching_the_target_is_not_a_gap(fcr):
    agent = UserFactory.create(roles=["agent"])
    _fcr_days(agent, eligible=40, repeats=12)  # 70 %, interval well above 75 at n = 40
    rule = GapRuleFactory(source=GapSource.KPI, kpi=fcr, threshold=None, min_n=30)
    found = gaps.measure(rule, [agent], DAY)[agent.pk]
    assert found.value is not None and found.value < 75
    assert not found.is_gap


def test_only_the_window_counts(fcr):
    agent = UserFactory.create(roles=["agent"])
    _fcr_days(agent, eligible=212, repeats=83, end=DAY - datetime.timedelta(days=40))
    rule = GapRuleFactory(source=GapSource.KPI, kpi=fcr, threshold=None, window_days=28)
    found = gaps.measure(rule, [agent], DAY)[agent.pk]
    assert found.n == 0 and not found.is_gap


def test_a_lower_is_better_kpi_is_a_gap_above_its_threshold(db):
    catalog.defaults_ensure()
    aht = (
        Kpi.objects.filter(formula="aht", channel="").first()
        or Kpi.objects.filter(formula="aht").first()
    )
    agent = UserFactory.create(roles=["agent"])
    # 100 contacts of 600 s ± a little: far above a 300 s threshold.
    agent_rollup(agent, DAY, handled=100, handle_sum=60_000, handle_sumsq=100 * 600**2 + 10_000)
    rule = GapRuleFactory(source=GapSource.KPI, kpi=aht, threshold=Decimal("300"), min_n=30)
    found = gaps.measure(rule, [agent], DAY)[agent.pk]
    assert found.is_gap and not found.higher_is_better
    assert "at most" in gaps.reason_text(rule, found)


def test_qa_criterion_share_met_below_threshold_is_a_gap(db):
    form = form_with(10, 10)
    criterion = form.criteria.order_by("order").first()
    agent, evaluator = UserFactory.create(roles=["agent"]), UserFactory.create(roles=["qa_analyst"])
    at = timezone.make_aware(datetime.datetime(2025, 3, 20, 10))
    for i in range(10):
        answer = Answer.MET if i < 4 else Answer.NOT_MET
        evaluation(
            agent=agent, evaluator=evaluator, form=form, answers={0: answer}, submitted_at=at
        )
    rule = GapRuleFactory(
        source=GapSource.QA_CRITERION, qa_criterion=criterion, threshold=Decimal("80"), min_n=10
    )
    found = gaps.measure(rule, [agent], DAY)[agent.pk]
    assert found.n == 10 and found.value == 40.0 and found.is_gap
    assert "40 %" in gaps.reason_text(rule, found)
    rule.min_n = 11
    assert not gaps.measure(rule, [agent], DAY)[agent.pk].is_gap


def test_preventable_escalations_per_100_contacts(db):
    agent = UserFactory.create(roles=["agent"])
    agent_rollup(agent, DAY, handled=100)
    at = timezone.make_aware(datetime.datetime(2025, 3, 25, 11))
    for _ in range(5):
        preventable_escalation(agent, at)
    preventable_escalation(agent, at, preventable=False)  # not counted
    rule = GapRuleFactory(threshold=Decimal("2"), min_n=50)
    found = gaps.measure(rule, [agent], DAY)[agent.pk]
    assert found.value == 5.0 and found.n == 100 and found.is_gap
    assert "preventable escalations" in gaps.reason_text(rule, found)


def test_one_reason_only_counts_that_reason(db):
    agent = UserFactory.create(roles=["agent"])
    agent_rollup(agent, DAY, handled=100)
    at = timezone.make_aware(datetime.datetime(2025, 3, 25, 11))
    first = preventable_escalation(agent, at).reason
    for _ in range(4):
        preventable_escalation(agent, at)
    rule = GapRuleFactory(threshold=Decimal("2"), min_n=50, escalation_reason=first)
    found = gaps.measure(rule, [agent], DAY)[agent.pk]
    assert found.value == 1.0 and not found.is_gap
