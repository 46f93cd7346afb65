"""Survey statistics against reference computations (scipy, statsmodels, numpy)."""

import datetime
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from rapport.surveys import stats

RNG = np.random.default_rng(20240611)


def test_csat_share_is_top_two_box_with_the_wilson_interval():
    answers = [5, 4, 4, 3, 2, 1, 5, 5, 4, 3] * 4  # 40 answers, 24 at 4-5
    figure = stats.csat(answers, min_n=30)
    low, high = proportion_confint(24, 40, alpha=0.05, method="wilson")
    assert figure.top_two == 24
    assert figure.share.value == pytest.approx(0.6)
    assert figure.share.ci_low == pytest.approx(low)
    assert figure.share.ci_high == pytest.approx(high)


def test_csat_mean_interval_is_scipy_t_interval_on_the_raw_answers():
    answers = list(RNG.integers(1, 6, size=57))
    figure = stats.csat(answers, min_n=30)
    data = np.array(answers, dtype=float)
    low, high = scipy_stats.t.interval(
        0.95, len(data) - 1, loc=data.mean(), scale=scipy_stats.sem(data)
    )
    assert figure.mean.value == pytest.approx(data.mean())
    assert figure.mean.ci_low == pytest.approx(low)
    assert figure.mean.ci_high == pytest.approx(high)


def test_counts_and_lists_give_the_same_figures():
    answers = [1, 2, 2, 3, 5, 5, 5, 4, 4, 4, 4] * 3
    counts = {score: answers.count(score) for score in set(answers)}
    assert stats.csat(answers, min_n=5) == stats.csat(counts, min_n=5)
    assert stats.ces(answers, min_n=5) == stats.ces(counts, min_n=5)


def test_below_the_minimum_n_there_is_no_number():
    figure = stats.csat([5] * 29, min_n=30)
    assert figure.share.value is None and not figure.share.enough_data
    assert figure.share.n == 29
    assert stats.nps([10] * 10, min_n=30).score.value is None
    assert stats.ces([7] * 3, min_n=30).value is None
    assert stats.response_rate(3, 20, min_n=30).value is None


def test_nps_value_and_interval_from_the_multinomial_variance():
    answers = [10] * 40 + [9] * 10 + [8] * 20 + [7] * 5 + [5] * 15 + [0] * 10
    figure = stats.nps(answers, min_n=30)
    n = len(answers)
    scores = np.array([1 if a >= 9 else -1 if a <= 6 else 0 for a in answers], dtype=float)
    # The NPS is the mean of +1/0/-1; its variance is the population variance over n.
    assert figure.score.value == pytest.approx(100 * scores.mean())
    assert (figure.promoters, figure.passives, figure.detractors) == (50, 25, 25)
    direct = scores.var(ddof=0) / n
    assert stats.nps_variance(50, 25, n) == pytest.approx(direct)
    half = 100 * scipy_stats.norm.ppf(0.975) * math.sqrt(direct)
    assert figure.score.ci_low == pytest.approx(figure.score.value - half)
    assert figure.score.ci_high == pytest.approx(figure.score.value + half)


def test_nps_standard_error_agrees_with_a_bootstrap():
    answers = np.array([10] * 30 + [9] * 15 + [8] * 25 + [6] * 20 + [2] * 10)
    n = len(answers)
    promoters, detractors = int((answers >= 9).sum()), int((answers <= 6).sum())
    boot = []
    for _ in range(4000):
        sample = RNG.choice(answers, size=n, replace=True)
        boot.append(((sample >= 9).sum() - (sample <= 6).sum()) / n)
    assert math.sqrt(stats.nps_variance(promoters, detractors, n)) == pytest.approx(
        np.std(boot), rel=0.08
    )


def test_response_rate_is_answered_over_invited_with_wilson():
    rate = stats.response_rate(12, 150, min_n=30)
    low, high = proportion_confint(12, 150, method="wilson")
    assert rate.value == pytest.approx(0.08)
    assert (rate.ci_low, rate.ci_high) == (pytest.approx(low), pytest.approx(high))
    assert stats.response_rate_low(rate)
    assert not stats.response_rate_low(stats.response_rate(40, 150, min_n=30))


def test_csat_comparison_is_statsmodels_two_proportion_z():
    first, second = [5] * 70 + [2] * 30, [5] * 55 + [1] * 45
    result = stats.compare_csat(first, second)
    z, p = proportions_ztest([70, 55], [100, 100])
    assert result.statistic == pytest.approx(z)
    assert result.p_value == pytest.approx(p)
    assert result.significant
    assert result.difference == pytest.approx(0.15)


def test_mean_comparison_is_welch_on_the_raw_answers():
    first, second = list(RNG.integers(1, 8, 60)), list(RNG.integers(2, 8, 45))
    result = stats.compare_means(first, second)
    reference = scipy_stats.ttest_ind(first, second, equal_var=False)
    assert result.p_value == pytest.approx(reference.pvalue)
    assert result.statistic == pytest.approx(reference.statistic)


def test_nps_difference_z_test():
    first = [10] * 60 + [7] * 20 + [3] * 20
    second = [10] * 40 + [7] * 20 + [3] * 40
    result = stats.compare_nps(first, second)
    a = np.array([1] * 60 + [0] * 20 + [-1] * 20)
    b = np.array([1] * 40 + [0] * 20 + [-1] * 40)
    se = math.sqrt(a.var() / len(a) + b.var() / len(b))
    z = (a.mean() - b.mean()) / se
    assert result.difference == pytest.approx(40.0)
    assert result.statistic == pytest.approx(z)
    assert result.p_value == pytest.approx(2 * scipy_stats.norm.sf(abs(z)))


def test_teams_against_the_rest_use_holm_decisions_of_multipletests():
    groups = {
        "good": [5] * 45 + [4] * 15 + [2] * 5,
        "usual": [5] * 25 + [4] * 15 + [2] * 20,
        "usual2": [5] * 22 + [4] * 18 + [3] * 20,
        "poor": [5] * 10 + [4] * 10 + [1] * 40,
        "tiny": [5] * 3,
    }
    tests = stats.compare_groups(groups, measure="csat", min_n=30)
    raw = []
    for key in ["good", "usual", "usual2", "poor"]:
        rest = [a for other, answers in groups.items() if other != key for a in answers]
        k1, n1 = sum(a >= 4 for a in groups[key]), len(groups[key])
        k2, n2 = sum(a >= 4 for a in rest), len(rest)
        raw.append(proportions_ztest([k1, k2], [n1, n2])[1])
    reject, adjusted, _, _ = multipletests(raw, alpha=0.05, method="holm")
    for key, r, p in zip(["good", "usual", "usual2", "poor"], reject, adjusted, strict=True):
        assert tests[key].significant == bool(r)
        assert tests[key].p_adjusted == pytest.approx(p)
    assert tests["good"].significant and tests["poor"].significant
    assert tests["tiny"].p_adjusted is None and not tests["tiny"].significant


def test_bias_check_finds_a_built_in_difference():
    respondents = stats.Group(
        handle_seconds=list(RNG.normal(300, 60, 200)),
        sentiment=list(RNG.normal(0.4, 0.3, 200)),
        resolved=170,
        outcomes=200,
    )
    others = stats.Group(
        handle_seconds=list(RNG.normal(420, 60, 300)),
        sentiment=list(RNG.normal(-0.1, 0.3, 300)),
        resolved=150,
        outcomes=300,
    )
    rows = {row.measure: row for row in stats.bias_check(respondents, others, min_n=30)}
    assert all(row.differs for row in rows.values())
    reference = scipy_stats.ttest_ind(
        respondents.handle_seconds, others.handle_seconds, equal_var=False
    )
    assert rows["handle"].p_value == pytest.approx(reference.pvalue)
    handle_d, resolved_h = rows["handle"].effect_size, rows["resolved"].effect_size
    assert handle_d is not None and handle_d < -1  # two SDs shorter: a large effect
    assert "respondents differ" in rows["sentiment"].verdict
    assert resolved_h is not None and resolved_h > 0


def test_bias_check_stays_quiet_on_a_null_difference():
    rng = np.random.default_rng(7)
    respondents = stats.Group(
        list(rng.normal(300, 60, 200)), list(rng.normal(0.1, 0.3, 200)), 120, 200
    )
    others = stats.Group(list(rng.normal(300, 60, 300)), list(rng.normal(0.1, 0.3, 300)), 180, 300)
    rows = stats.bias_check(respondents, others, min_n=30)
    assert not any(row.differs for row in rows)
    assert all("no sign of non-response bias" in row.verdict for row in rows)


def test_bias_check_says_not_enough_data_for_small_groups():
    rows = stats.bias_check(stats.Group([1.0] * 5, [], 2, 5), stats.Group([2.0] * 50, [], 20, 50))
    assert all(row.p_value is None and "not enough data" in row.verdict for row in rows)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=30, max_size=300))
def test_csat_interval_contains_the_estimate(answers):
    figure = stats.csat(answers, min_n=30)
    for estimate in (figure.share, figure.mean):
        assert estimate.value is not None and estimate.ci_low is not None
        assert estimate.ci_high is not None
        assert estimate.ci_low <= estimate.value <= estimate.ci_high


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=30, max_size=300))
def test_nps_stays_in_range(answers):
    score = stats.nps(answers, min_n=30).score
    assert score.value is not None and score.ci_low is not None and score.ci_high is not None
    assert -100 <= score.ci_low <= score.value <= score.ci_high <= 100


def test_the_invitations_page_rate_is_stats_response_rate_over_sent_invitations(db):
    from django.utils import timezone

    from rapport.accounts.tests.factories import UserFactory
    from rapport.surveys.choices import InvitationState
    from rapport.surveys.models import Invitation
    from rapport.surveys.selectors import invitations
    from rapport.surveys.tests.factories_draw import invitation_for

    now: datetime.datetime | None = timezone.now()
    states = [("answered", now)] * 3 + [("sent", now)] * 4 + [("expired", now)] * 2
    # Never sent: still queued, failed, expired before a send; none of them is invited.
    states += [("queued", None), ("failed", None), ("expired", None)]
    for state, sent_at in states:
        Invitation.objects.filter(pk=invitation_for().pk).update(state=state, sent_at=sent_at)
    admin = UserFactory(roles=["admin"])

    rate = invitations.response_rate(viewer=admin, min_n=5)

    expected = stats.response_rate(3, 9, min_n=5)
    assert (rate.delivered, rate.answered, rate.failed) == (9, 3, 1)
    assert (rate.rate, rate.low, rate.high) == (expected.value, expected.ci_low, expected.ci_high)
    assert rate.enough and not invitations.response_rate(viewer=admin, min_n=10).enough
    assert invitations.invited().count() == 9
    assert not invitations.invited().filter(state=InvitationState.QUEUED).exists()
