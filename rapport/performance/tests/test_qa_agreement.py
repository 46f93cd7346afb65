"""Calibration agreement: per-criterion majority share, score spread, Krippendorff's alpha (checked
against the krippendorff package), 'not enough data' below two evaluators."""

import math
import statistics

import krippendorff
import numpy as np
import pytest

from rapport.performance.selectors.qa import (
    ALL_SAME,
    NOT_ENOUGH,
    agreement_of,
    krippendorff_alpha,
)

MET, NOT, NA = "met", "not_met", "na"
CRITERIA = [11, 12, 13, 14, 15]


def test_alpha_matches_the_package_on_a_hand_made_matrix():
    # Three evaluators, five criteria; the third skipped criterion 15 (missing, not N/A).
    ratings = [
        {11: MET, 12: NOT, 13: MET, 14: NA, 15: MET},
        {11: MET, 12: NOT, 13: NOT, 14: NA, 15: MET},
        {11: MET, 12: MET, 13: NOT, 14: NA},
    ]
    codes = {MET: 0, NOT: 1, NA: 2}
    matrix = [[codes[r[c]] if c in r else np.nan for c in CRITERIA] for r in ratings]
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")

    alpha, note = krippendorff_alpha(CRITERIA, ratings)

    assert alpha == pytest.approx(expected)
    assert alpha == pytest.approx(0.5, abs=0.5)  # a real, middling value, not 1 or 0
    assert note == ""


def test_perfect_agreement_is_alpha_one():
    same = {11: MET, 12: NOT, 13: NA, 14: MET, 15: MET}

    alpha, _ = krippendorff_alpha(CRITERIA, [same, dict(same), dict(same)])

    assert alpha == pytest.approx(1.0)


def test_systematic_disagreement_is_below_zero():
    first = {11: MET, 12: NOT, 13: MET, 14: NOT}
    second = {11: NOT, 12: MET, 13: NOT, 14: MET}

    alpha, _ = krippendorff_alpha([11, 12, 13, 14], [first, second])

    assert alpha is not None and alpha < 0


def test_one_evaluator_is_not_enough_data():
    assert krippendorff_alpha(CRITERIA, [{11: MET}]) == (None, NOT_ENOUGH)
    assert krippendorff_alpha(CRITERIA, []) == (None, NOT_ENOUGH)


def test_the_same_answer_everywhere_leaves_alpha_undefined_and_says_why():
    ratings = [dict.fromkeys(CRITERIA, MET), dict.fromkeys(CRITERIA, MET)]

    assert krippendorff_alpha(CRITERIA, ratings) == (None, ALL_SAME)


def test_no_criterion_answered_by_two_is_not_enough_data():
    assert krippendorff_alpha(CRITERIA, [{11: MET}, {12: NOT}]) == (None, NOT_ENOUGH)


def test_agreement_per_criterion_and_on_the_score():
    ratings = [
        {11: MET, 12: NOT, 13: NA},
        {11: MET, 12: MET, 13: NA},
        {11: MET, 12: NOT, 13: MET},
        {11: NOT, 12: MET, 13: NA},
    ]
    scores = [80.0, 60.0, 75.0, 40.0]

    result = agreement_of([11, 12, 13], ratings, scores)

    first, second, third = result.criteria
    assert (first.majority, first.share, first.counts) == (MET, 0.75, {MET: 3, NOT: 1})
    assert second.majority is None and second.share == 0.5  # a tie
    assert (third.majority, third.share) == (NA, 0.75)
    assert (result.score_min, result.score_max) == (40.0, 80.0)
    assert result.score_sd == pytest.approx(statistics.stdev(scores))
    assert result.n == 4 and result.enough_data
    assert result.alpha is not None and not math.isnan(result.alpha)


def test_agreement_of_one_is_not_enough():
    result = agreement_of([11], [{11: MET}], [100.0])

    assert not result.enough_data
    assert result.score_sd is None
    assert result.alpha is None and result.alpha_note == NOT_ENOUGH
