"""Builders for the review and idle-time tests: a review burst under way, as idle time opens
one, so that answers are taken the way the desktop gives them."""

import datetime

from rapport.learning.choices import OPEN_ACTIVITY, ActivityKind, ActivityStatus
from rapport.learning.models import Activity, ReviewItem, ReviewLog
from rapport.learning.services import reviews as review_services


def burst_of(agent, items: list[ReviewItem], at: datetime.datetime) -> Activity:
    """A review burst holding `items`, started at `at` (any open activity of the agent ends)."""
    Activity.objects.filter(agent=agent, status__in=OPEN_ACTIVITY).update(
        status=ActivityStatus.DONE, ended_at=at
    )
    activity = Activity.objects.create(
        agent=agent,
        kind=ActivityKind.REVIEW,
        started_at=at,
        resumed_at=at,
        seconds_allowed=3600,
    )
    activity.review_items.set(items)
    return activity


def answer(
    item: ReviewItem, *, correct: bool, at: datetime.datetime, seconds: int | None = None
) -> ReviewLog:
    """Answer the item in a burst of its own opened at `at` (its agent must be free)."""
    burst_of(item.agent, [item], at)
    return review_services.review_answer(item=item, correct=correct, seconds_taken=seconds, at=at)
