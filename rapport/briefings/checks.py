"""Scoring a comprehension check (a briefing's or a module's questions).

A question is answered right when the chosen choices are exactly its correct ones. The score is
the per cent of questions answered right, rounded down, so a pass mark is never met by rounding.

A missed question carries its explanation but never its right answers: whoever failed reads why,
then tries again, and the result must not be a key to copy from."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Missed:
    question_id: int
    text: str
    explanation: str


@dataclass(frozen=True)
class CheckResult:
    score: int
    passed: bool
    right: int
    total: int
    missed: list[Missed] = field(default_factory=list)


def answers_from_post(data, question_ids: Iterable[int]) -> dict[int, list[int]]:
    """{question id: [choice ids]} from a form post whose fields are named q<question id>.
    Anything that is not a whole number is dropped (an unanswered question is simply wrong)."""
    answers: dict[int, list[int]] = {}
    for question_id in question_ids:
        chosen = []
        for raw in (
            data.getlist(f"q{question_id}")
            if hasattr(data, "getlist")
            else data.get(f"q{question_id}", [])
        ):
            try:
                chosen.append(int(raw))
            except (TypeError, ValueError):
                continue
        answers[question_id] = chosen
    return answers


def check_score(questions, answers: Mapping[int, Iterable[int]], *, pass_mark: int) -> CheckResult:
    """Score answers against questions (each with .choices prefetched or queryable)."""
    total = right = 0
    missed = []
    for question in questions:
        total += 1
        choices = list(question.choices.all())
        correct = {choice.pk for choice in choices if choice.is_correct}
        chosen = {int(choice_id) for choice_id in answers.get(question.pk, [])}
        if chosen == correct:
            right += 1
        else:
            missed.append(
                Missed(
                    question_id=question.pk,
                    text=question.text,
                    explanation=question.explanation,
                )
            )
    score = (100 * right) // total if total else 100
    return CheckResult(
        score=score, passed=score >= pass_mark, right=right, total=total, missed=missed
    )
