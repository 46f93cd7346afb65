"""What idle time could bring an agent, and whether the agent is free for it.

An agent is free when idle or in wrap-up, or available with no contact waiting for them. A
contact waits for an agent when the newest call offered to them (their latest screen pop, the
contact their desktop shows) started within CONTACT_HORIZON and is neither wrapped up nor
abandoned unanswered: a call still ringing, or one answered and not yet wrapped up. Older ones
are left behind: an unwrapped contact from a past shift must not hold learning back for good.

Pending work, in the order it is offered: overdue mandatory briefings, a burst of due review
questions, assigned modules, mandatory briefings not yet due, then open feedback polls. Work the
agent skipped, or whose time box ran out, is held back for HOLD_BACK before it comes again.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import F, Q, QuerySet

from rapport.accounts.choices import AgentState
from rapport.briefings.audience import audience_includes
from rapport.briefings.choices import BriefingStatus, PollStatus
from rapport.briefings.models import BriefingDelivery, Poll, PollResponse
from rapport.core.errors import NotFound
from rapport.interactions.models import ScreenPop
from rapport.learning.choices import (
    OPEN_ACTIVITY,
    ActivityKind,
    ActivityStatus,
    AssignmentStatus,
)
from rapport.learning.models import Activity, Assignment, ReviewItem, ReviewLog
from rapport.learning.selectors.reviews import reviews_due_for

CONTACT_HORIZON = datetime.timedelta(hours=8)
HOLD_BACK = datetime.timedelta(minutes=30)
CAP_WINDOW = datetime.timedelta(hours=1)
MAX_ID = 2**63 - 1

FREE_STATES = frozenset({AgentState.IDLE, AgentState.WRAP_UP})


@dataclass
class Candidate:
    """One piece of work idle time could start."""

    kind: str
    briefing_id: int | None = None
    poll_id: int | None = None
    assignment_id: int | None = None
    review_item_ids: list[int] = field(default_factory=list)


def contact_waiting_for(*, agent, now: datetime.datetime) -> bool:
    """True while the contact the agent's desktop shows still needs them (module docstring)."""
    pop = (
        ScreenPop.objects.filter(agent=agent)
        .order_by("-id")
        .values(
            "interaction__started_at",
            "interaction__answered_at",
            "interaction__ended_at",
            "interaction__wrapped_up_at",
        )
        .first()
    )
    if pop is None or pop["interaction__wrapped_up_at"] is not None:
        return False
    if pop["interaction__started_at"] < now - CONTACT_HORIZON:
        return False
    abandoned = pop["interaction__answered_at"] is None and pop["interaction__ended_at"] is not None
    return not abandoned


def agent_is_free(*, agent, now: datetime.datetime) -> bool:
    """Whether idle time may bring the agent something now."""
    if agent.agent_state in FREE_STATES:
        return True
    if agent.agent_state == AgentState.AVAILABLE:
        return not contact_waiting_for(agent=agent, now=now)
    return False


def open_activity_of(*, agent) -> Activity | None:
    return (
        Activity.objects.filter(agent=agent, status__in=OPEN_ACTIVITY)
        .select_related("briefing", "poll", "assignment__module")
        .first()
    )


def activity_get_for(*, user, activity_id) -> Activity:
    """One of the user's own activities; anyone else's is not found."""
    try:
        pk = int(activity_id)
    except (TypeError, ValueError):
        raise NotFound("No such activity.") from None
    if not 0 < pk <= MAX_ID or not getattr(user, "is_authenticated", False):
        raise NotFound("No such activity.")
    try:
        return Activity.objects.select_related("briefing", "poll", "assignment__module").get(
            pk=pk, agent=user
        )
    except Activity.DoesNotExist:
        raise NotFound("No such activity.") from None


def started_within_hour(*, agent, now: datetime.datetime) -> int:
    """Activities started for the agent in the hour up to now (the hourly cap counts these)."""
    return Activity.objects.filter(
        agent=agent, started_at__gt=now - CAP_WINDOW, started_at__lte=now
    ).count()


def seconds_left(activity: Activity, *, now: datetime.datetime) -> int:
    used = activity.seconds_used
    if activity.status == ActivityStatus.ACTIVE and activity.resumed_at is not None:
        used += max(0, int((now - activity.resumed_at).total_seconds()))
    return max(0, activity.seconds_allowed - used)


def activity_title(activity: Activity) -> str:
    if activity.kind == ActivityKind.BRIEFING and activity.briefing is not None:
        return activity.briefing.title
    if activity.kind == ActivityKind.MODULE and activity.assignment is not None:
        return activity.assignment.module.title
    if activity.kind == ActivityKind.POLL and activity.poll is not None:
        return activity.poll.title
    count = activity.review_items.count()
    return f"{count} review question{'s' if count != 1 else ''}"


# --- Completion, read from the underlying records -----------------------------------------------


def burst_items(activity: Activity) -> list[ReviewItem]:
    return list(
        activity.review_items.select_related("question__module")
        .prefetch_related("question__choices")
        .order_by("due_at", "id")
    )


def burst_answered_ids(activity: Activity) -> set[int]:
    return set(
        ReviewLog.objects.filter(
            item__in=activity.review_items.all(), reviewed_at__gte=activity.started_at
        ).values_list("item_id", flat=True)
    )


def burst_next_item(activity: Activity) -> ReviewItem | None:
    answered = burst_answered_ids(activity)
    return next((item for item in burst_items(activity) if item.pk not in answered), None)


def is_complete(activity: Activity) -> bool:
    """Whether what the activity brought has been done."""
    if activity.kind == ActivityKind.BRIEFING:
        return BriefingDelivery.objects.filter(  # type: ignore[misc]
            briefing_id=activity.briefing_id,
            agent_id=activity.agent_id,
            understood_at__isnull=False,
        ).exists()
    if activity.kind == ActivityKind.MODULE:
        return Assignment.objects.filter(  # type: ignore[misc]
            pk=activity.assignment_id, status=AssignmentStatus.COMPLETED
        ).exists()
    if activity.kind == ActivityKind.POLL:
        return PollResponse.objects.filter(  # type: ignore[misc]
            poll_id=activity.poll_id, respondent_id=activity.agent_id
        ).exists()
    total = activity.review_items.count()
    return total == 0 or len(burst_answered_ids(activity)) >= total


def is_withdrawn(activity: Activity, *, now: datetime.datetime) -> bool:
    """Whether what the activity brought is no longer asked of the agent (archived, closed,
    dismissed), so the activity ends although it was not done."""
    if activity.kind == ActivityKind.BRIEFING:
        return (
            not _deliveries_waiting(activity.agent, now)  # type: ignore[misc]
            .filter(briefing_id=activity.briefing_id)
            .exists()
        )
    if activity.kind == ActivityKind.MODULE:
        return not _assignments_waiting(activity.agent).filter(pk=activity.assignment_id).exists()  # type: ignore[misc]
    if activity.kind == ActivityKind.POLL:
        return not _open_polls(now).filter(pk=activity.poll_id).exists()  # type: ignore[misc]
    return False


# --- Pending work ----------------------------------------------------------------------------------


def _held_back(agent, now: datetime.datetime) -> QuerySet[Activity]:
    return Activity.objects.filter(
        agent=agent,
        status__in=[ActivityStatus.SKIPPED, ActivityStatus.TIMED_OUT],
        ended_at__gt=now - HOLD_BACK,
    )


def _deliveries_waiting(agent, now: datetime.datetime) -> QuerySet[BriefingDelivery]:
    """Mandatory briefings (acknowledgement or a check) delivered to the agent, not understood."""
    return (
        BriefingDelivery.objects.filter(
            agent=agent,
            understood_at__isnull=True,
            briefing__status=BriefingStatus.PUBLISHED,
            delivered_at__lte=now,
        )
        .filter(Q(briefing__requires_ack=True) | Q(briefing__questions__isnull=False))
        .distinct()
    )


def _assignments_waiting(agent) -> QuerySet[Assignment]:
    return Assignment.objects.filter(
        agent=agent,
        status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS],
        module__is_active=True,
    )


def _open_polls(now: datetime.datetime) -> QuerySet[Poll]:
    return (
        Poll.objects.filter(status=PollStatus.OPEN)
        .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
        .filter(Q(opened_at__isnull=True) | Q(opened_at__lte=now))
    )


def _briefings(agent, now, held: set[int], *, overdue: bool) -> list[Candidate]:
    deliveries = _deliveries_waiting(agent, now).exclude(briefing_id__in=held)
    deliveries = (
        deliveries.filter(briefing__due_at__lt=now)
        if overdue
        else deliveries.filter(briefing__due_at__gte=now)
    )
    ids = deliveries.order_by("briefing__due_at", "briefing_id").values_list(
        "briefing_id", flat=True
    )
    return [Candidate(kind=ActivityKind.BRIEFING, briefing_id=pk) for pk in ids[:1]]


def _reviews(agent, now, held: set[int], burst: int) -> list[Candidate]:
    items = [item.pk for item in reviews_due_for(agent=agent, now=now, limit=burst + len(held))]
    items = [pk for pk in items if pk not in held][:burst]
    return [Candidate(kind=ActivityKind.REVIEW, review_item_ids=items)] if items else []


def _modules(agent, held: set[int]) -> list[Candidate]:
    pk = (
        _assignments_waiting(agent)
        .exclude(pk__in=held)
        .order_by(F("due_on").asc(nulls_last=True), "created_at", "id")
        .values_list("pk", flat=True)
        .first()
    )
    return [Candidate(kind=ActivityKind.MODULE, assignment_id=pk)] if pk else []


def _polls(agent, now, held: set[int]) -> list[Candidate]:
    answered = PollResponse.objects.filter(respondent=agent).values("poll_id")
    polls = (
        _open_polls(now).exclude(pk__in=answered).exclude(pk__in=held).order_by("closes_at", "id")
    )
    for poll in polls[:20]:
        if audience_includes(poll, agent):
            return [Candidate(kind=ActivityKind.POLL, poll_id=poll.pk)]
    return []


def next_candidate(*, agent, now: datetime.datetime, burst: int) -> Candidate | None:
    """The first piece of pending work, in the order of the module docstring."""
    held = _held_back(agent, now)
    held_briefings = set(held.exclude(briefing=None).values_list("briefing_id", flat=True))
    held_items = set(held.values_list("review_items", flat=True)) - {None}
    held_assignments = set(held.exclude(assignment=None).values_list("assignment_id", flat=True))
    held_polls = set(held.exclude(poll=None).values_list("poll_id", flat=True))
    for found in (
        lambda: _briefings(agent, now, held_briefings, overdue=True),
        lambda: _reviews(agent, now, held_items, burst),
        lambda: _modules(agent, held_assignments),
        lambda: _briefings(agent, now, held_briefings, overdue=False),
        lambda: _polls(agent, now, held_polls),
    ):
        candidates = found()
        if candidates:
            return candidates[0]
    return None
