"""The statistics behind every figure, checked against statsmodels and scipy, and as properties."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from rapport.performance import stats

PROPORTIONS = [
    (0, 1), (1, 1), (0, 2), (1, 2), (2, 2), (0, 10), (10, 10), (3, 10), (1, 30), (29, 30),
    (15, 30), (0, 100), (100, 100), (37, 100), (99, 100), (1, 1000), (500, 1000), (12345, 54321),
]  # fmt: skip


@pytest.mark.parametrize(("k", "n"), PROPORTIONS)
def test_wilson_matches_statsmodels(k, n):
    expected = proportion_confint(k, n, alpha=0.05, method="wilson")

    assert stats.wilson(k, n) == pytest.approx(expected, abs=1e-12)


def test_wilson_at_the_edges_holds_the_estimate():
    for n in range(1, 500):
        assert stats.wilson(0, n)[0] == 0.0, f"0 of {n}"
        assert stats.wilson(n, n)[1] == 1.0, f"{n} of {n}"


def test_wilson_needs_a_sample():
    with pytest.raises(ValueError):
        stats.wilson(0, 0)


@pytest.mark.parametrize("seed", range(12))
def test_mean_interval_matches_scipy_t_interval(seed):
    rng = np.random.default_rng(seed)
    sample = rng.gamma(shape=2.0, scale=150.0, size=int(rng.integers(2, 400)))
    n, total, total_sq = len(sample), float(sample.sum()), float((sample**2).sum())

    mean, low, high = stats.mean_interval(n, total, total_sq)

    expected_low, expected_high = scipy_stats.t.interval(
        0.95, n - 1, loc=sample.mean(), scale=scipy_stats.sem(sample)
    )
    assert mean == pytest.approx(sample.mean(), rel=1e-12)
    assert low == pytest.approx(expected_low, rel=1e-9)
    assert high == pytest.approx(expected_high, rel=1e-9)


def test_mean_interval_of_identical_values_is_the_value():
    assert stats.mean_interval(3, 30.0, 300.0) == (10.0, 10.0, 10.0)


def test_mean_interval_needs_two_observations():
    with pytest.raises(ValueError):
        stats.mean_interval(1, 5.0, 25.0)


def test_rate_and_mean_say_not_enough_data_below_the_minimum():
    assert stats.rate(3, 29, min_n=30) == stats.Estimate(value=None, n=29, enough_data=False)
    assert stats.rate(0, 0, min_n=0).enough_data is False
    enough = stats.rate(3, 30, min_n=30)
    assert (enough.value, enough.n) == (0.1, 30)
    assert stats.mean(29, 290.0, 2900.0, min_n=30).value is None
    assert stats.mean(1, 5.0, 25.0, min_n=0).value is None  # one value has no interval


def test_scaled_scales_value_and_interval_but_not_n():
    estimate = stats.scaled(stats.rate(1, 4, min_n=2), 100.0)

    low, high = stats.wilson(1, 4)
    assert (estimate.value, estimate.n) == (25.0, 4)
    assert estimate.ci_low == pytest.approx(low * 100)
    assert estimate.ci_high == pytest.approx(high * 100)


RATE_PAIRS = [
    (10, 50, 20, 50), (45, 100, 60, 100), (5, 200, 9, 180), (1, 3, 2, 3),
    (300, 1000, 330, 1000), (0, 40, 5, 40), (40, 40, 35, 40),
]  # fmt: skip


@pytest.mark.parametrize(("k1", "n1", "k2", "n2"), RATE_PAIRS)
def test_compare_rates_matches_the_pooled_two_proportion_z_test(k1, n1, k2, n2):
    _, expected = proportions_ztest([k1, k2], [n1, n2])

    result = stats.compare_rates(k1, n1, k2, n2)

    assert result.p_value == pytest.approx(expected, rel=1e-9)
    assert result.significant == (expected < 0.05)


def test_compare_rates_without_variation_or_data_has_no_test():
    assert stats.compare_rates(0, 10, 0, 10).p_value is None
    assert stats.compare_rates(10, 10, 10, 10).p_value is None
    assert stats.compare_rates(1, 0, 1, 10) == stats.Comparison(p_value=None, significant=False)


def test_a_real_difference_is_significant_and_noise_is_not():
    assert stats.compare_rates(300, 1000, 400, 1000).significant
    assert not stats.compare_rates(30, 100, 32, 100).significant


@pytest.mark.parametrize("seed", range(10))
def test_compare_means_matches_welchs_t_test(seed):
    rng = np.random.default_rng(100 + seed)
    a = rng.normal(300, 60, size=int(rng.integers(2, 200)))
    b = rng.normal(320, 90, size=int(rng.integers(2, 200)))

    result = stats.compare_means(
        len(a), float(a.sum()), float((a**2).sum()), len(b), float(b.sum()), float((b**2).sum())
    )

    expected = scipy_stats.ttest_ind(a, b, equal_var=False).pvalue
    assert result.p_value == pytest.approx(expected, rel=1e-6)
    assert result.significant == (expected < 0.05)


def test_compare_means_needs_two_observations_each_and_some_spread():
    assert stats.compare_means(1, 5.0, 25.0, 10, 50.0, 300.0).p_value is None
    assert stats.compare_means(3, 30.0, 300.0, 3, 30.0, 300.0).p_value is None


# --- Properties ----------------------------------------------------------------------------------

samples = st.integers(min_value=1, max_value=100_000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)
# Strictly between none and all (the edges are test_wilson_at_the_edges_holds_the_estimate).
inner_samples = st.integers(min_value=2, max_value=100_000).flatmap(
    lambda n: st.tuples(st.integers(min_value=1, max_value=n - 1), st.just(n))
)


@given(inner_samples)
def test_wilson_holds_the_estimate_within_zero_and_one(sample):
    k, n = sample

    low, high = stats.wilson(k, n)

    assert 0.0 <= low <= k / n <= high <= 1.0


@given(samples)
def test_wilson_bounds_stay_within_zero_and_one(sample):
    low, high = stats.wilson(*sample)

    assert 0.0 <= low < high <= 1.0


@given(samples, st.integers(min_value=2, max_value=50))
def test_wilson_narrows_as_the_sample_grows(sample, factor):
    k, n = sample

    narrow_low, narrow_high = stats.wilson(k * factor, n * factor)
    low, high = stats.wilson(k, n)

    assert narrow_high - narrow_low < high - low


values = st.lists(st.integers(min_value=0, max_value=10_000), min_size=2, max_size=200).filter(
    lambda xs: len(set(xs)) > 1
)


@given(values)
def test_mean_interval_holds_the_mean(xs):
    n, total, total_sq = len(xs), float(sum(xs)), float(sum(x * x for x in xs))

    mean, low, high = stats.mean_interval(n, total, total_sq)

    assert mean == pytest.approx(sum(xs) / n)
    assert low <= mean <= high
    assert low < high


@given(values, st.integers(min_value=2, max_value=20))
def test_mean_interval_narrows_with_more_of_the_same(xs, copies):
    many = xs * copies

    _, low, high = stats.mean_interval(len(xs), float(sum(xs)), float(sum(x * x for x in xs)))
    _, many_low, many_high = stats.mean_interval(
        len(many), float(sum(many)), float(sum(x * x for x in many))
    )

    assert many_high - many_low < high - low


@given(samples, samples)
def test_compare_rates_p_value_is_a_probability_and_symmetric(first, second):
    k1, n1 = first
    k2, n2 = second

    forward = stats.compare_rates(k1, n1, k2, n2)
    backward = stats.compare_rates(k2, n2, k1, n1)

    assert forward == backward
    assert forward.p_value is None or 0.0 <= forward.p_value <= 1.0
    assert not (forward.p_value is None and forward.significant)
    assert not math.isnan(forward.p_value or 0.0)


@pytest.mark.parametrize(("first_only", "second_only"), [(5, 0), (12, 3), (30, 10), (40, 41)])
def test_paired_rates_follow_mcnemar(first_only, second_only):
    from statsmodels.stats.contingency_tables import mcnemar

    table = [[0, first_only], [second_only, 0]]
    exact = first_only + second_only < 25
    expected = mcnemar(table, exact=exact, correction=True).pvalue

    result = stats.compare_paired_rates(first_only, second_only)

    assert result.p_value == pytest.approx(expected)
    assert result.significant is bool(expected < 0.05)


def test_paired_rates_without_disagreement_have_no_test():
    assert stats.compare_paired_rates(0, 0) == stats.Comparison(p_value=None, significant=False)
