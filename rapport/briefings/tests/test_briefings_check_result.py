"""Scoring a check keeps the right answers to itself: a missed question carries its text and
explanation only, so no page or API built on the result can hand out the key."""

import dataclasses

import pytest

from rapport.briefings.checks import Missed, check_score
from rapport.briefings.tests.factories_briefings import published, wrong_answers

pytestmark = pytest.mark.django_db


def test_a_missed_question_holds_no_right_answers(make_user):
    briefing = published(author=make_user("trainer"), agents=[make_user("agent")], questions=2)
    questions = list(briefing.questions.prefetch_related("choices"))

    result = check_score(questions, wrong_answers(briefing), pass_mark=80)

    assert result.passed is False and len(result.missed) == 2
    assert {f.name for f in dataclasses.fields(Missed)} == {"question_id", "text", "explanation"}
    assert [m.explanation for m in result.missed] == [
        "Because: Question 0?",
        "Because: Question 1?",
    ]
