"""Spaced reinforcement: how one answer to a review question moves its memory card (fsrs).

Review questions are multiple choice, so an agent cannot grade their own recall the way a flash
card asks. The grade fsrs needs is read from the answer and how long it took:

* wrong                                   → Again (forgotten: the card goes back to relearning)
* right in at most QUICK_SECONDS           → Easy  (recalled at once)
* right in more than SLOW_SECONDS          → Hard  (recalled with effort)
* right otherwise, or when the time is unknown → Good

Scheduling is deterministic (no interval fuzzing), so the same answers at the same moments always
give the same due dates. A card's first review is due FIRST_REVIEW_AFTER the module was passed:
passing the module's check was the first recall, so asking again the same hour teaches nothing.
For the same reason the scheduler has no learning steps (fsrs would otherwise bring a question
answered right at its first review back after ten minutes): every review, the first included,
schedules in days — a right first answer about two days on, then growing (about 11, 46, 160 days
for answers that keep being right). A wrong answer to a learnt question comes back after the
relearning step (ten minutes), so the agent sees it again within the same shift; a wrong first
answer brings it back the next day.

Everything here is pure: no database, no clock."""

import datetime
from dataclasses import dataclass
from typing import Any, cast

from fsrs import Card, Rating, Scheduler, State

QUICK_SECONDS = 8
SLOW_SECONDS = 30
FIRST_REVIEW_AFTER = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Reviewed:
    """A card after one answer, with what the answer meant."""

    card: dict
    rating: int
    due_at: datetime.datetime
    stability: float | None
    difficulty: float | None
    predicted_recall: float | None
    lapsed: bool


def _load(card: dict) -> Card:
    return Card.from_dict(cast(Any, card))


def scheduler(desired_retention: float) -> Scheduler:
    return Scheduler(
        desired_retention=float(desired_retention), learning_steps=(), enable_fuzzing=False
    )


def rating_for(*, correct: bool, seconds_taken: int | None) -> Rating:
    """The fsrs grade an answer earns (see the module docstring)."""
    if not correct:
        return Rating.Again
    if seconds_taken is None:
        return Rating.Good
    if seconds_taken <= QUICK_SECONDS:
        return Rating.Easy
    if seconds_taken > SLOW_SECONDS:
        return Rating.Hard
    return Rating.Good


def new_card(*, card_id: int, at: datetime.datetime) -> dict:
    """A fresh card for a question just learnt, first due a day later."""
    return dict(Card(card_id=card_id, due=at + FIRST_REVIEW_AFTER).to_dict())


def card_due(card: dict) -> datetime.datetime:
    return _load(card).due


def recall_probability(
    card: dict, *, at: datetime.datetime, desired_retention: float
) -> float | None:
    """The chance the agent recalls the answer at `at`; None for a card never reviewed."""
    loaded = _load(card)
    if loaded.last_review is None or loaded.stability is None:
        return None
    return float(scheduler(desired_retention).get_card_retrievability(loaded, at))


def review(
    card: dict,
    *,
    correct: bool,
    seconds_taken: int | None,
    at: datetime.datetime,
    desired_retention: float,
) -> Reviewed:
    """Apply one answer to a card: its new state, due date and the recall predicted before it."""
    loaded = _load(card)
    predicted = recall_probability(card, at=at, desired_retention=desired_retention)
    rating = rating_for(correct=correct, seconds_taken=seconds_taken)
    was_learnt = loaded.state == State.Review
    after, _log = scheduler(desired_retention).review_card(loaded, rating, at)
    return Reviewed(
        card=dict(after.to_dict()),
        rating=int(rating),
        due_at=after.due,
        stability=after.stability,
        difficulty=after.difficulty,
        predicted_recall=predicted,
        lapsed=was_learnt and rating == Rating.Again,
    )
