"""Spaced review of module questions: the cards an agent gets after a module, and each answer.

After an agent passes a module, every question of it becomes one review item for them (its fsrs
card). Each answer moves the card (rapport.learning.reinforcement says how right/wrong and speed
become an fsrs grade) and is kept in the review log with the recall the scheduler predicted just
before, so retention as measured can be compared with retention as predicted."""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from rapport.briefings.checks import check_score
from rapport.core.errors import Conflict, ValidationFailed
from rapport.learning import reinforcement
from rapport.learning.models import Module, ReviewItem, ReviewLog
from rapport.learning.selectors.settings import learning_settings

# An answer given after a full hour is not a measure of recall speed any more.
MAX_SECONDS = 3600
MAX_CHOICES = 50


@dataclass(frozen=True)
class ReviewOutcome:
    """What the agent is shown after answering: right or wrong, why, and when it comes back."""

    item: ReviewItem
    log: ReviewLog
    correct: bool
    explanation: str
    correct_choices: list[str] = field(default_factory=list)


def review_items_create(
    *, agent, module: Module, at: datetime.datetime | None = None
) -> list[ReviewItem]:
    """One review item per question of the module for the agent; a question that already has
    one keeps it (and its history), so calling this again changes nothing."""
    at = at or timezone.now()
    have = set(
        ReviewItem.objects.filter(agent=agent, question__module=module).values_list(
            "question_id", flat=True
        )
    )
    new = []
    for question_id in module.questions.values_list("pk", flat=True):
        if question_id in have:
            continue
        card = reinforcement.new_card(card_id=question_id, at=at)
        new.append(
            ReviewItem(
                agent=agent, question_id=question_id, card=card, due_at=reinforcement.card_due(card)
            )
        )
    ReviewItem.objects.bulk_create(new, ignore_conflicts=True)
    return list(ReviewItem.objects.filter(agent=agent, question__module=module))


def _seconds(seconds_taken: int | None) -> int | None:
    if seconds_taken is None:
        return None
    if isinstance(seconds_taken, bool) or not isinstance(seconds_taken, int):
        raise ValidationFailed(
            "The time taken must be a whole number of seconds.",
            fields={"seconds": ["Not a whole number."]},
        )
    if not 0 <= seconds_taken <= MAX_SECONDS:
        raise ValidationFailed(
            f"The time taken must be between 0 and {MAX_SECONDS} seconds.",
            fields={"seconds": [f"Between 0 and {MAX_SECONDS}."]},
        )
    return seconds_taken


@transaction.atomic
def review_answer(
    *,
    item: ReviewItem,
    correct: bool,
    seconds_taken: int | None = None,
    at: datetime.datetime | None = None,
) -> ReviewLog:
    """Record one answer to a review item and reschedule it."""
    at = at or timezone.now()
    seconds = _seconds(seconds_taken)
    locked = ReviewItem.objects.select_for_update().get(pk=item.pk)
    if locked.last_reviewed_at is not None and at < locked.last_reviewed_at:
        raise Conflict("A later answer to this question is already recorded.")
    settings_row = learning_settings()
    result = reinforcement.review(
        locked.card,
        correct=correct,
        seconds_taken=seconds,
        at=at,
        desired_retention=float(settings_row.desired_retention),
    )
    locked.card = result.card
    locked.due_at = result.due_at
    locked.stability = result.stability
    locked.difficulty = result.difficulty
    locked.reps += 1
    locked.lapses += int(result.lapsed)
    locked.last_reviewed_at = at
    locked.save(
        update_fields=[
            "card",
            "due_at",
            "stability",
            "difficulty",
            "reps",
            "lapses",
            "last_reviewed_at",
            "updated_at",
        ]
    )
    item.__dict__.update(
        {
            k: getattr(locked, k)
            for k in (
                "card",
                "due_at",
                "stability",
                "difficulty",
                "reps",
                "lapses",
                "last_reviewed_at",
            )
        }
    )
    return ReviewLog.objects.create(
        item=locked,
        reviewed_at=at,
        correct=correct,
        rating=result.rating,
        predicted_recall=result.predicted_recall,
        seconds_taken=seconds,
        stability_after=result.stability,
    )


def _choice_ids(choice_ids) -> list[int]:
    if not isinstance(choice_ids, list | tuple) or len(choice_ids) > MAX_CHOICES:
        raise ValidationFailed(
            "Choose one or more answers.", fields={"choices": ["A list of choice ids."]}
        )
    chosen = []
    for raw in choice_ids:
        if isinstance(raw, bool):
            raise ValidationFailed(
                "Choice ids are whole numbers.", fields={"choices": ["Not a whole number."]}
            )
        try:
            chosen.append(int(raw))
        except (TypeError, ValueError):
            raise ValidationFailed(
                "Choice ids are whole numbers.", fields={"choices": ["Not a whole number."]}
            ) from None
    return chosen


def review_choose(
    *,
    item: ReviewItem,
    choice_ids,
    seconds_taken: int | None = None,
    at: datetime.datetime | None = None,
) -> ReviewOutcome:
    """Score the agent's chosen answers to a review item and record the answer.
    Right means exactly the correct choices (as in every check)."""
    chosen = _choice_ids(choice_ids)
    if not chosen:
        raise ValidationFailed("Choose an answer first.", fields={"choices": ["Choose an answer."]})
    question = item.question
    result = check_score([question], {question.pk: chosen}, pass_mark=100)
    log = review_answer(item=item, correct=result.passed, seconds_taken=seconds_taken, at=at)
    return ReviewOutcome(
        item=item,
        log=log,
        correct=result.passed,
        explanation=question.explanation,
        correct_choices=[c.text for c in question.choices.all() if c.is_correct],
    )
