"""Honest numbers: every estimate carries n and a 95% interval; small samples say so.

Rates get Wilson score intervals; means get t intervals computed from (n, sum, sum
of squares), which is what rollups keep, so any period's interval comes from rollups alone.
"""

import functools
import math
from dataclasses import dataclass

from scipy import stats as scipy_stats
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import proportions_ztest

from rapport.surveys import stats as survey_stats

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    """A figure with its sample size and interval; value is None when there is nothing to show."""

    value: float | None
    n: int
    ci_low: float | None = None
    ci_high: float | None = None
    enough_data: bool = True

    @classmethod
    def empty(cls, n: int = 0) -> "Estimate":
        return cls(value=None, n=n, enough_data=False)


@functools.cache
def _z() -> float:
    return float(scipy_stats.norm.ppf(1 - (1 - CONFIDENCE) / 2))


@functools.cache
def _t(df: int) -> float:
    return float(scipy_stats.t.ppf(1 - (1 - CONFIDENCE) / 2, df=df))


def wilson(successes: int, n: int) -> tuple[float, float]:
    """The Wilson score interval for a proportion.

    The closed form rather than statsmodels' proportion_confint, which gives the same bounds
    (tests/test_stats.py checks it) but costs ~170 µs a call: a KPI wall draws ~300 intervals.
    """
    if n <= 0:
        raise ValueError("n must be positive")
    z = _z()
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # At 0 of n and n of n rounding leaves a bound a hair off the estimate it must contain.
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


def rate(successes: int, n: int, *, min_n: int) -> Estimate:
    """A proportion with its Wilson interval, or 'not enough data' below min_n."""
    if n < max(1, min_n):
        return Estimate(value=None, n=n, enough_data=False)
    low, high = wilson(successes, n)
    return Estimate(value=successes / n, n=n, ci_low=low, ci_high=high)


def mean_interval(n: int, total: float, total_sq: float) -> tuple[float, float, float]:
    """Mean and t interval from sufficient statistics (as scipy.stats.t.interval with the SEM)."""
    if n < 2:
        raise ValueError("a t interval needs at least two observations")
    mean = total / n
    variance = max(0.0, (total_sq - n * mean * mean) / (n - 1))
    sem = math.sqrt(variance / n)
    if sem == 0:
        return mean, mean, mean
    t = _t(n - 1)
    return mean, mean - t * sem, mean + t * sem


def mean(n: int, total: float, total_sq: float, *, min_n: int) -> Estimate:
    """A mean with its t interval, or 'not enough data' below min_n."""
    if n < max(2, min_n):
        return Estimate(value=None, n=n, enough_data=False)
    value, low, high = mean_interval(n, total, total_sq)
    return Estimate(value=value, n=n, ci_low=low, ci_high=high)


def _nps_moments(promoters: int, detractors: int, n: int) -> tuple[float, float]:
    """NPS as a proportion (−1…1) and its variance (the surveys app's multinomial variance)."""
    return (promoters - detractors) / n, max(
        0.0, survey_stats.nps_variance(promoters, detractors, n)
    )


def nps(promoters: int, detractors: int, n: int, *, min_n: int) -> Estimate:
    """Net Promoter Score (−100…100) with a normal interval from the multinomial variance,
    or 'not enough data' below min_n. The interval is clipped to the scale."""
    if n < max(1, min_n):
        return Estimate(value=None, n=n, enough_data=False)
    score, variance = _nps_moments(promoters, detractors, n)
    half = _z() * math.sqrt(variance)
    return Estimate(
        value=score * 100,
        n=n,
        ci_low=max(-1.0, score - half) * 100,
        ci_high=min(1.0, score + half) * 100,
    )


def scaled(estimate: Estimate, factor: float) -> Estimate:
    """The same estimate in other units (a proportion as a percentage)."""
    if estimate.value is None:
        return estimate
    return Estimate(
        value=estimate.value * factor,
        n=estimate.n,
        ci_low=None if estimate.ci_low is None else estimate.ci_low * factor,
        ci_high=None if estimate.ci_high is None else estimate.ci_high * factor,
        enough_data=estimate.enough_data,
    )


@dataclass(frozen=True)
class Comparison:
    """Whether a change between two periods is more than noise (two-sided, 5%)."""

    p_value: float | None
    significant: bool


def compare_rates(k1: int, n1: int, k2: int, n2: int) -> Comparison:
    """Two-proportion z test with the pooled proportion."""
    if n1 <= 0 or n2 <= 0 or (k1 + k2) in (0, n1 + n2):
        return Comparison(p_value=None, significant=False)
    _, p = proportions_ztest([k1, k2], [n1, n2])
    p = float(p)
    return Comparison(p_value=p, significant=p < 1 - CONFIDENCE)


def compare_paired_rates(first_only: int, second_only: int) -> Comparison:
    """McNemar's test: two verdicts on the same items, from the items only one of them passes
    (exact binomial below 25 such items, chi-squared with continuity correction above)."""
    if first_only + second_only == 0:
        return Comparison(p_value=None, significant=False)
    table = [[0, first_only], [second_only, 0]]
    result = mcnemar(table, exact=first_only + second_only < 25, correction=True)
    p = float(result.pvalue)
    return Comparison(p_value=p, significant=p < 1 - CONFIDENCE)


def compare_means(
    n1: int, sum1: float, sumsq1: float, n2: int, sum2: float, sumsq2: float
) -> Comparison:
    """Welch's t test from sufficient statistics."""
    if n1 < 2 or n2 < 2:
        return Comparison(p_value=None, significant=False)
    m1, m2 = sum1 / n1, sum2 / n2
    v1 = max(0.0, (sumsq1 - n1 * m1 * m1) / (n1 - 1))
    v2 = max(0.0, (sumsq2 - n2 * m2 * m2) / (n2 - 1))
    result = scipy_stats.ttest_ind_from_stats(
        m1, math.sqrt(v1), n1, m2, math.sqrt(v2), n2, equal_var=False
    )
    p = float(result.pvalue)
    if math.isnan(p):
        return Comparison(p_value=None, significant=False)
    return Comparison(p_value=p, significant=p < 1 - CONFIDENCE)


def compare_nps(p1: int, d1: int, n1: int, p2: int, d2: int, n2: int) -> Comparison:
    """z test on the difference of two independent NPS, each with its multinomial variance."""
    if n1 <= 0 or n2 <= 0:
        return Comparison(p_value=None, significant=False)
    score1, variance1 = _nps_moments(p1, d1, n1)
    score2, variance2 = _nps_moments(p2, d2, n2)
    if variance1 + variance2 == 0:
        return Comparison(p_value=None, significant=False)
    z = (score1 - score2) / math.sqrt(variance1 + variance2)
    p = float(2 * scipy_stats.norm.sf(abs(z)))
    return Comparison(p_value=p, significant=p < 1 - CONFIDENCE)
