"""Survey figures with their uncertainty: CSAT, NPS, CES and response rate, comparisons between
periods and groups, and the non-response bias check.

Answers come as a list of scores or as counts ({score: how many}); both give the same figures.
Every estimate carries n and a 95% interval, and says "not enough data" below the minimum n
(DrawSettings.min_responses). Intervals: Wilson for shares, t for means, and for NPS the normal
interval with the multinomial variance of (promoter − detractor) per answer:
var = (p+ + p− − (p+ − p−)²) / n.
"""

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats as scipy_stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    proportion_confint,
    proportion_effectsize,
    proportions_ztest,
)

CONFIDENCE = 0.95
ALPHA = 1 - CONFIDENCE
DEFAULT_MIN_N = 30
# Below this response rate the figures speak for few of the customers invited: the page warns.
LOW_RESPONSE_RATE = 0.10

CSAT_TOP = (4, 5)
NPS_PROMOTER = 9
NPS_DETRACTOR = 6

Answers = Iterable[float] | Mapping[Any, int]


@dataclass(frozen=True)
class Estimate:
    """A figure with n and its 95% interval; value None means "not enough data"."""

    value: float | None
    n: int
    ci_low: float | None = None
    ci_high: float | None = None

    @property
    def enough_data(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Csat:
    share: Estimate  # top-two-box share, 0…1
    mean: Estimate  # 1…5
    top_two: int
    n: int


@dataclass(frozen=True)
class Nps:
    score: Estimate  # -100 to 100
    promoters: int
    passives: int
    detractors: int
    n: int


@dataclass(frozen=True)
class Comparison:
    """A two-sided test of a difference (first − second)."""

    test: str
    difference: float | None
    statistic: float | None
    p_value: float | None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA


def counts_of(answers: Answers) -> dict[Any, int]:
    """Answers as {score: count}, whichever form they came in."""
    if isinstance(answers, Mapping):
        return {score: int(count) for score, count in answers.items() if count}
    return dict(Counter(answers))


def _arrays(counts: Mapping[int, int]) -> tuple[np.ndarray, np.ndarray]:
    keys = sorted(counts)
    scores = np.array(keys, dtype=float)
    weights = np.array([counts[k] for k in keys], dtype=float)
    return scores, weights


def _moments(counts: Mapping[int, int]) -> tuple[int, float, float]:
    """n, mean and sample standard deviation of counted answers."""
    scores, weights = _arrays(counts)
    n = int(weights.sum())
    if n == 0:
        return 0, math.nan, math.nan
    mean = float(np.average(scores, weights=weights))
    if n < 2:
        return n, mean, math.nan
    sd = math.sqrt(float((weights * (scores - mean) ** 2).sum()) / (n - 1))
    return n, mean, sd


def wilson(successes: int, n: int) -> tuple[float, float]:
    low, high = proportion_confint(successes, n, alpha=ALPHA, method="wilson")
    return float(low), float(high)


def share(successes: int, n: int, *, min_n: int = DEFAULT_MIN_N) -> Estimate:
    """A proportion with its Wilson interval, or not enough data below min_n."""
    if n < max(1, min_n):
        return Estimate(value=None, n=n)
    low, high = wilson(successes, n)
    return Estimate(value=successes / n, n=n, ci_low=low, ci_high=high)


def mean(answers: Answers, *, min_n: int = DEFAULT_MIN_N) -> Estimate:
    """The mean with its t interval (as scipy.stats.t.interval with the standard error)."""
    n, value, sd = _moments(counts_of(answers))
    if n < max(2, min_n):
        return Estimate(value=None, n=n)
    sem = sd / math.sqrt(n)
    if sem == 0:
        return Estimate(value=value, n=n, ci_low=value, ci_high=value)
    low, high = scipy_stats.t.interval(CONFIDENCE, n - 1, loc=value, scale=sem)
    return Estimate(value=value, n=n, ci_low=float(low), ci_high=float(high))


def csat(answers: Answers, *, min_n: int = DEFAULT_MIN_N) -> Csat:
    """Share of answers at 4–5 on 1–5 (top-two box) and the mean."""
    counts = counts_of(answers)
    n = sum(counts.values())
    top = sum(c for s, c in counts.items() if s in CSAT_TOP)
    return Csat(share=share(top, n, min_n=min_n), mean=mean(counts, min_n=min_n), top_two=top, n=n)


def nps_parts(counts: Mapping[int, int]) -> tuple[int, int, int]:
    promoters = sum(c for s, c in counts.items() if s >= NPS_PROMOTER)
    detractors = sum(c for s, c in counts.items() if s <= NPS_DETRACTOR)
    return promoters, sum(counts.values()) - promoters - detractors, detractors


def nps_variance(promoters: int, detractors: int, n: int) -> float:
    """Variance of the NPS estimate as a fraction (not ×100): a multinomial with scores +1/0/−1."""
    p_plus, p_minus = promoters / n, detractors / n
    return (p_plus + p_minus - (p_plus - p_minus) ** 2) / n


def _z() -> float:
    return float(scipy_stats.norm.ppf(1 - ALPHA / 2))


def nps(answers: Answers, *, min_n: int = DEFAULT_MIN_N) -> Nps:
    """% promoters (9–10) − % detractors (0–6), −100…100, with a normal interval."""
    counts = counts_of(answers)
    promoters, passives, detractors = nps_parts(counts)
    n = promoters + passives + detractors
    if n < max(1, min_n):
        return Nps(Estimate(None, n), promoters, passives, detractors, n)
    value = (promoters - detractors) / n
    half = _z() * math.sqrt(nps_variance(promoters, detractors, n))
    score = Estimate(
        value=100 * value,
        n=n,
        ci_low=100 * max(-1.0, value - half),
        ci_high=100 * min(1.0, value + half),
    )
    return Nps(score, promoters, passives, detractors, n)


def ces(answers: Answers, *, min_n: int = DEFAULT_MIN_N) -> Estimate:
    """Mean customer effort on 1–7 with its t interval."""
    return mean(answers, min_n=min_n)


def response_rate(answered: int, invited: int, *, min_n: int = DEFAULT_MIN_N) -> Estimate:
    """Answered ÷ invited with its Wilson interval; the minimum applies to the invitations."""
    return share(min(answered, invited), invited, min_n=min_n)


def response_rate_low(rate: Estimate) -> bool:
    return rate.value is not None and rate.value < LOW_RESPONSE_RATE


# ------------------------------------------------------------------------------------------------
# Comparisons: two periods or two groups
# ------------------------------------------------------------------------------------------------


def compare_csat(first: Answers, second: Answers) -> Comparison:
    """Two-proportion z test (pooled) of the top-two-box shares."""
    a, b = csat(first, min_n=0), csat(second, min_n=0)
    return compare_shares(a.top_two, a.n, b.top_two, b.n)


def compare_shares(k1: int, n1: int, k2: int, n2: int) -> Comparison:
    if n1 <= 0 or n2 <= 0:
        return Comparison("two-proportion z", None, None, None)
    difference = k1 / n1 - k2 / n2
    if (k1 + k2) in (0, n1 + n2):
        # Both all one way: no variance, and no evidence of a difference.
        return Comparison("two-proportion z", difference, 0.0, 1.0)
    statistic, p = proportions_ztest([k1, k2], [n1, n2])
    return Comparison("two-proportion z", difference, float(statistic), float(p))


def compare_means(first: Answers, second: Answers) -> Comparison:
    """Welch's t test of two means."""
    n1, m1, s1 = _moments(counts_of(first))
    n2, m2, s2 = _moments(counts_of(second))
    if n1 < 2 or n2 < 2:
        return Comparison("Welch t", None, None, None)
    if s1 == 0 and s2 == 0:
        return Comparison("Welch t", m1 - m2, None, None if m1 != m2 else 1.0)
    result = scipy_stats.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=False)
    return Comparison("Welch t", m1 - m2, float(result.statistic), float(result.pvalue))


def compare_nps(first: Answers, second: Answers) -> Comparison:
    """z test of the difference of two independent NPS estimates (in NPS points)."""
    c1, c2 = counts_of(first), counts_of(second)
    p1, _, d1 = nps_parts(c1)
    p2, _, d2 = nps_parts(c2)
    n1, n2 = sum(c1.values()), sum(c2.values())
    if n1 < 2 or n2 < 2:
        return Comparison("z (NPS)", None, None, None)
    difference = (p1 - d1) / n1 - (p2 - d2) / n2
    variance = nps_variance(p1, d1, n1) + nps_variance(p2, d2, n2)
    if variance == 0:
        return Comparison("z (NPS)", 100 * difference, None, 1.0 if difference == 0 else None)
    z = difference / math.sqrt(variance)
    p = 2 * float(scipy_stats.norm.sf(abs(z)))
    return Comparison("z (NPS)", 100 * difference, z, p)


COMPARERS = {
    "csat": compare_csat,
    "csat_mean": compare_means,
    "nps": compare_nps,
    "ces": compare_means,
}


@dataclass(frozen=True)
class GroupTest:
    """One group against the rest, with its p-value adjusted for the number of groups tested."""

    key: object
    comparison: Comparison
    p_adjusted: float | None
    significant: bool


def compare_groups(
    groups: Mapping[object, Answers],
    *,
    measure: str = "csat",
    method: str = "holm",
    alpha: float = ALPHA,
    min_n: int = DEFAULT_MIN_N,
) -> dict[object, GroupTest]:
    """Each group against the rest of the center, with multiple-comparison control.

    Groups below min_n are not tested (they count in "the rest" of the others)."""
    comparer = COMPARERS[measure]
    counts = {key: counts_of(answers) for key, answers in groups.items()}
    total: dict[int, int] = {}
    for group in counts.values():
        for score, count in group.items():
            total[score] = total.get(score, 0) + count
    tested: dict[object, Comparison] = {}
    for key, group in counts.items():
        if sum(group.values()) < max(2, min_n):
            continue
        rest = {s: total[s] - group.get(s, 0) for s in total}
        comparison = comparer(group, rest)
        if comparison.p_value is not None:
            tested[key] = comparison
    return _adjusted(counts, tested, method=method, alpha=alpha)


def _adjusted(counts, tested, *, method: str, alpha: float) -> dict[object, GroupTest]:
    result = {
        key: GroupTest(key, Comparison("not tested", None, None, None), None, False)
        for key in counts
    }
    if not tested:
        return result
    keys = list(tested)
    reject, adjusted = holm([tested[k].p_value for k in keys], alpha=alpha, method=method)
    for key, rejected, p_adj in zip(keys, reject, adjusted, strict=True):
        result[key] = GroupTest(key, tested[key], p_adj, rejected)
    return result


def holm(
    p_values: list, *, alpha: float = ALPHA, method: str = "holm"
) -> tuple[list[bool], list[float]]:
    """Multiple-comparison decisions and adjusted p-values (statsmodels' multipletests)."""
    if not p_values:
        return [], []
    reject, adjusted, _, _ = multipletests(p_values, alpha=alpha, method=method)
    return [bool(r) for r in reject], [float(p) for p in adjusted]


# ------------------------------------------------------------------------------------------------
# Non-response bias: are the customers who answer like the ones who do not?
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """What is known about a set of invited contacts."""

    handle_seconds: list[float] = field(default_factory=list)
    sentiment: list[float] = field(default_factory=list)  # only where the contact was scored
    resolved: int = 0
    outcomes: int = 0  # contacts with an outcome recorded


@dataclass(frozen=True)
class BiasRow:
    measure: str
    label: str
    respondents: Estimate
    non_respondents: Estimate
    effect_size: float | None  # Cohen's d for means, Cohen's h for shares
    effect_name: str
    p_value: float | None
    verdict: str

    @property
    def differs(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA


def bias_check(
    respondents: Group, non_respondents: Group, *, min_n: int = DEFAULT_MIN_N
) -> list[BiasRow]:
    """Respondents against invited non-respondents on handle time, sentiment and outcome."""
    return [
        _bias_mean("handle", "Handle time (s)", respondents.handle_seconds,
                   non_respondents.handle_seconds, min_n),
        _bias_mean("sentiment", "Customer sentiment (−1…1)", respondents.sentiment,
                   non_respondents.sentiment, min_n),
        _bias_share(respondents, non_respondents, min_n),
    ]  # fmt: skip


def _cohens_d(a: list[float], b: list[float]) -> float | None:
    n1, n2 = len(a), len(b)
    pooled = ((n1 - 1) * np.var(a, ddof=1) + (n2 - 1) * np.var(b, ddof=1)) / (n1 + n2 - 2)
    if pooled <= 0:
        return None
    return float((np.mean(a) - np.mean(b)) / math.sqrt(pooled))


def _bias_mean(measure: str, label: str, a: list[float], b: list[float], min_n: int) -> BiasRow:
    first, second = mean(a, min_n=min_n), mean(b, min_n=min_n)
    if first.value is None or second.value is None:
        return BiasRow(measure, label, first, second, None, "Cohen's d", None, _not_enough(label))
    if np.var(a) == 0 and np.var(b) == 0:
        verdict = f"{label}: cannot be tested, every contact has the same value."
        return BiasRow(measure, label, first, second, None, "Cohen's d", None, verdict)
    result = scipy_stats.ttest_ind(a, b, equal_var=False)
    p = None if math.isnan(result.pvalue) else float(result.pvalue)
    d = _cohens_d(a, b)
    verdict = _verdict(label, first.value - second.value, p, d, "d")
    return BiasRow(measure, label, first, second, d, "Cohen's d", p, verdict)


def _bias_share(a: Group, b: Group, min_n: int) -> BiasRow:
    label = "Resolved share"
    first = share(a.resolved, a.outcomes, min_n=min_n)
    second = share(b.resolved, b.outcomes, min_n=min_n)
    if first.value is None or second.value is None:
        return BiasRow(
            "resolved", label, first, second, None, "Cohen's h", None, _not_enough(label)
        )
    comparison = compare_shares(a.resolved, a.outcomes, b.resolved, b.outcomes)
    h = float(proportion_effectsize(first.value, second.value))
    verdict = _verdict(label, first.value - second.value, comparison.p_value, h, "h")
    return BiasRow("resolved", label, first, second, h, "Cohen's h", comparison.p_value, verdict)


def _not_enough(label: str) -> str:
    return f"{label}: not enough data to compare respondents with non-respondents."


def _verdict(
    label: str, difference: float, p: float | None, effect: float | None, name: str
) -> str:
    if p is None or p >= ALPHA:
        shown = "n/a" if p is None else f"{p:.3f}"
        return f"{label}: no sign of non-response bias (p = {shown})."
    direction = "higher" if difference > 0 else "lower"
    size = "" if effect is None else f", {name} = {effect:+.2f} ({_magnitude(effect)})"
    return (
        f"{label}: respondents differ from non-respondents — {direction} by "
        f"{abs(difference):.2f} (p = {p:.3g}{size}); the survey figures may not speak for "
        "everyone invited."
    )


def _magnitude(effect: float) -> str:
    size = abs(effect)
    if size < 0.2:
        return "negligible"
    if size < 0.5:
        return "small"
    if size < 0.8:
        return "medium"
    return "large"
