"""Spaced review of module questions: the cards an agent gets after a module, and each answer.

After an agent passes a module, every question of it becomes one review item for them (its fsrs
card). Each answer moves the card (rapport.learning.reinforcement says how right/wrong and speed
become an fsrs grade) and is kept in the review log with the recall the scheduler predicted just
before, so retention as measured can be compared with retention as predicted.

Answers are taken only between contacts, for questions that are due and in the review burst idle
time brought the agent (rapport.learning.services.activities), once per question and burst: a
card moves only when the question was really asked. A burst whose time box ran out still takes
answers for FINISH_GRACE, while nothing else has started: the desktop keeps the question on screen
for the agent to finish.

How long an answer took is measured here, never taken from the client: from when the question can
first have been in front of the agent (the latest of the burst's start or resumption after a
contact, the previous answer of the burst, and when the desktop showed it as the server rendered it)
until the answer. A client's own figure only counts when it is longer (a slower answer is never a
reason to see the question sooner)."""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rapport.accounts.models import User
from rapport.briefings.checks import check_score
from rapport.core.errors import Conflict, ValidationFailed
from rapport.learning import reinforcement
from rapport.learning.choices import OPEN_ACTIVITY, ActivityKind, ActivityStatus
from rapport.learning.models import Activity, Module, ReviewItem, ReviewLog
from rapport.learning.selectors import activities as activity_selectors
from rapport.learning.selectors.settings import learning_settings

# An answer given after a full hour is not a measure of recall speed any more.
MAX_SECONDS = 3600
MAX_CHOICES = 50
FINISH_GRACE = datetime.timedelta(minutes=10)


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


_ITEM_FIELDS = (
    "card",
    "due_at",
    "stability",
    "difficulty",
    "reps",
    "lapses",
    "last_reviewed_at",
)


def _burst_under_way(*, agent: User, item: ReviewItem, at: datetime.datetime) -> Activity:
    """The review burst that holds the item: the one under way, or one whose time box ran out
    within FINISH_GRACE while nothing else started. Conflict when the agent may not answer it now
    (on a contact or away, no such burst, or the question is not in it)."""
    if not activity_selectors.agent_is_free(agent=agent, now=at):
        raise Conflict(
            "Review questions wait while you are on a contact or away; "
            "they come back when you are free."
        )
    activity = (
        Activity.objects.filter(agent=agent, kind=ActivityKind.REVIEW)
        .filter(
            Q(status=ActivityStatus.ACTIVE)
            | Q(status=ActivityStatus.TIMED_OUT, ended_at__gte=at - FINISH_GRACE)
        )
        .order_by("-started_at", "-id")
        .first()
    )
    moved_on = (
        activity is not None
        and activity.status == ActivityStatus.TIMED_OUT
        and Activity.objects.filter(agent=agent, status__in=OPEN_ACTIVITY).exists()
    )
    if moved_on:
        activity = None
    if activity is None or not activity.review_items.filter(pk=item.pk).exists():
        raise Conflict(
            "This question is not in the review questions you have open now; "
            "it comes back when it is due."
        )
    return activity


def _measured_seconds(
    activity: Activity,
    *,
    shown_at: datetime.datetime | None,
    claimed: int | None,
    at: datetime.datetime,
) -> int | None:
    """Seconds the answer took (module docstring); None past MAX_SECONDS."""
    since = [activity.resumed_at or activity.started_at]
    previous = (
        ReviewLog.objects.filter(
            item__in=activity.review_items.all(),
            reviewed_at__gte=activity.started_at,
            reviewed_at__lte=at,
        )
        .order_by("-reviewed_at")
        .values_list("reviewed_at", flat=True)
        .first()
    )
    if previous is not None:
        since.append(previous)
    if shown_at is not None and shown_at <= at:
        since.append(shown_at)
    seconds = max(0, int((at - max(since)).total_seconds()))
    if claimed is not None:
        seconds = max(seconds, claimed)
    return seconds if seconds <= MAX_SECONDS else None


def _reschedule(locked: ReviewItem, *, correct: bool, seconds: int | None, at) -> ReviewLog:
    result = reinforcement.review(
        locked.card,
        correct=correct,
        seconds_taken=seconds,
        at=at,
        desired_retention=float(learning_settings().desired_retention),
    )
    locked.card = result.card
    locked.due_at = result.due_at
    locked.stability = result.stability
    locked.difficulty = result.difficulty
    locked.reps += 1
    locked.lapses += int(result.lapsed)
    locked.last_reviewed_at = at
    locked.save(update_fields=[*_ITEM_FIELDS, "updated_at"])
    return ReviewLog.objects.create(
        item=locked,
        reviewed_at=at,
        correct=correct,
        rating=result.rating,
        predicted_recall=result.predicted_recall,
        seconds_taken=seconds,
        stability_after=result.stability,
    )


@transaction.atomic
def review_answer(
    *,
    item: ReviewItem,
    correct: bool,
    seconds_taken: int | None = None,
    shown_at: datetime.datetime | None = None,
    at: datetime.datetime | None = None,
) -> ReviewLog:
    """Record one answer to a review item and reschedule it.

    Only while the agent is free and the item is due and in the review burst under way (else
    Conflict). An item answered already in this burst keeps its first answer: a second one (a
    double click, a resent request) gets that answer back and changes nothing. The time it took
    is measured (module docstring): `shown_at` is when the desktop showed the question, as the
    server rendered it; `seconds_taken`, the client's figure, only ever lengthens it."""
    at = at or timezone.now()
    claimed = _seconds(seconds_taken)
    # The agent's row first, as next_activity locks it: the burst cannot end or pause meanwhile.
    agent = User.objects.select_for_update().get(pk=item.agent_id)
    locked = ReviewItem.objects.select_for_update().get(pk=item.pk)
    activity = _burst_under_way(agent=agent, item=locked, at=at)
    earlier = (
        ReviewLog.objects.filter(item=locked, reviewed_at__gte=activity.started_at)
        .order_by("reviewed_at", "id")
        .first()
    )
    if earlier is None:
        if locked.due_at > at:
            raise Conflict("This question is not due yet; it comes back when it is.")
        if locked.last_reviewed_at is not None and at < locked.last_reviewed_at:
            raise Conflict("A later answer to this question is already recorded.")
        seconds = _measured_seconds(activity, shown_at=shown_at, claimed=claimed, at=at)
        earlier = _reschedule(locked, correct=correct, seconds=seconds, at=at)
    item.__dict__.update({name: getattr(locked, name) for name in _ITEM_FIELDS})
    return earlier


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
    shown_at: datetime.datetime | None = None,
    at: datetime.datetime | None = None,
) -> ReviewOutcome:
    """Score the agent's chosen answers to a review item and record the answer (see
    review_answer for when it is taken). Right means exactly the correct choices (as in every
    check); a repeated answer gets the outcome of the first."""
    chosen = _choice_ids(choice_ids)
    if not chosen:
        raise ValidationFailed("Choose an answer first.", fields={"choices": ["Choose an answer."]})
    question = item.question
    result = check_score([question], {question.pk: chosen}, pass_mark=100)
    log = review_answer(
        item=item, correct=result.passed, seconds_taken=seconds_taken, shown_at=shown_at, at=at
    )
    return ReviewOutcome(
        item=item,
        log=log,
        correct=log.correct,
        explanation=question.explanation,
        correct_choices=[c.text for c in question.choices.all() if c.is_correct],
    )
