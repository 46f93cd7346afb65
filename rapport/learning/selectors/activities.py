"""What idle time could bring an agent, and whether the agent is free for it.

An agent is free when idle or in wrap-up with no call ringing for them, or available with no
contact waiting for them. A call rings for an agent while the newest contact offered to them (their
latest screen pop) started within CONTACT_HORIZON and is neither answered nor ended: in idle or
wrap-up that contact is theirs to take, so learning waits (the contact being wrapped up, answered
already, does not make them busy). A contact waits for an available agent when either

* the newest contact offered to them (their latest screen pop, the contact their desktop shows)
  started within CONTACT_HORIZON and is neither wrapped up nor abandoned unanswered: a call
  still ringing, or one answered and not yet wrapped up. Older ones are left behind: an unwrapped
  contact from a past shift must not hold learning back for good; or
* a real-time contact (phone, chat, in person: the ones answered as they arrive) waits in a queue
  of the agent's team (Queue.team, the queues their desktop serves): inbound, neither answered
  nor ended (an abandoned call has ended), not offered to another agent, and started within
  QUEUE_HORIZON. Deferred channels (e-mail, messages) never make an agent busy: they are answered
  later by design. A waiting contact older than QUEUE_HORIZON is taken as one the phone switch
  never closed, so it does not hold learning back either.

Pending work, in the order it is offered: overdue mandatory briefings, a burst of due review
questions, assigned modules, mandatory briefings not yet due, then open feedback polls. What
counts as waiting is each app's own definition (briefings_waiting_for, assignments_waiting_for,
polls_waiting_for); this module only orders it. Work the agent skipped, or whose time box ran
out, is held back for HOLD_BACK before it comes again.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from rapport.access.choices import REAL_TIME_CHANNELS
from rapport.accounts.choices import AgentState
from rapport.briefings.models import BriefingDelivery, PollResponse
from rapport.briefings.selectors import briefings as briefing_selectors
from rapport.briefings.selectors import polls as poll_selectors
from rapport.core.errors import NotFound
from rapport.interactions.choices import Direction
from rapport.interactions.models import Interaction, ScreenPop
from rapport.learning.choices import (
    OPEN_ACTIVITY,
    ActivityKind,
    ActivityStatus,
    AssignmentStatus,
)
from rapport.learning.models import Activity, Assignment, ReviewItem, ReviewLog
from rapport.learning.selectors import assignments as assignment_selectors
from rapport.learning.selectors.reviews import reviews_due_for

CONTACT_HORIZON = datetime.timedelta(hours=8)
QUEUE_HORIZON = datetime.timedelta(hours=1)
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


def _latest_offer(*, agent, now: datetime.datetime) -> Mapping[str, Any] | None:
    """The newest contact offered to the agent, unless wrapped up or older than CONTACT_HORIZON."""
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
        return None
    if pop["interaction__started_at"] < now - CONTACT_HORIZON:
        return None
    return pop


def _offered_call_ringing(*, agent, now: datetime.datetime) -> bool:
    """The contact the agent's desktop shows is offered and not yet answered or ended."""
    pop = _latest_offer(agent=agent, now=now)
    return (
        pop is not None
        and pop["interaction__answered_at"] is None
        and pop["interaction__ended_at"] is None
    )


def _offered_contact_open(*, agent, now: datetime.datetime) -> bool:
    """The contact the agent's desktop shows still needs them (module docstring)."""
    pop = _latest_offer(agent=agent, now=now)
    if pop is None:
        return False
    abandoned = pop["interaction__answered_at"] is None and pop["interaction__ended_at"] is not None
    return not abandoned


def _queue_waiting(*, agent, now: datetime.datetime) -> bool:
    """A real-time contact waits unanswered in a queue of the agent's team (module docstring)."""
    if agent.team_id is None:
        return False
    return Interaction.objects.filter(
        Q(agent__isnull=True) | Q(agent=agent),
        queue__team_id=agent.team_id,
        direction=Direction.INBOUND,
        channel__in=list(REAL_TIME_CHANNELS),
        answered_at__isnull=True,
        ended_at__isnull=True,
        started_at__gt=now - QUEUE_HORIZON,
        started_at__lte=now,
    ).exists()


def contact_waiting_for(*, agent, now: datetime.datetime) -> bool:
    """True while a contact needs the agent: the one their desktop shows, or one waiting in a
    queue they serve (module docstring)."""
    return _offered_contact_open(agent=agent, now=now) or _queue_waiting(agent=agent, now=now)


def agent_is_free(*, agent, now: datetime.datetime) -> bool:
    """Whether idle time may bring the agent something now."""
    if agent.agent_state in FREE_STATES:
        return not _offered_call_ringing(agent=agent, now=now)
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
        return activity.briefing_id is not None and (
            BriefingDelivery.objects.filter(
                briefing_id=activity.briefing_id,
                agent_id=activity.agent_id,
                understood_at__isnull=False,
            ).exists()
        )
    if activity.kind == ActivityKind.MODULE:
        return activity.assignment_id is not None and (
            Assignment.objects.filter(
                pk=activity.assignment_id, status=AssignmentStatus.COMPLETED
            ).exists()
        )
    if activity.kind == ActivityKind.POLL:
        return activity.poll_id is not None and (
            PollResponse.objects.filter(
                poll_id=activity.poll_id, respondent_id=activity.agent_id
            ).exists()
        )
    total = activity.review_items.count()
    return total == 0 or len(burst_answered_ids(activity)) >= total


def is_withdrawn(activity: Activity, *, now: datetime.datetime) -> bool:
    """Whether what the activity brought is no longer asked of the agent (archived, closed,
    dismissed), so the activity ends although it was not done."""
    agent = activity.agent
    if activity.kind == ActivityKind.BRIEFING:
        waiting = briefing_selectors.briefings_waiting_for(agent=agent, now=now)
        return activity.briefing_id not in {delivery.briefing_id for delivery in waiting}
    if activity.kind == ActivityKind.MODULE:
        waiting_work = assignment_selectors.assignments_waiting_for(
            agent=agent, today=timezone.localdate(now)
        )
        return activity.assignment_id not in {assignment.pk for assignment in waiting_work}
    if activity.kind == ActivityKind.POLL:
        # Answered counts as done, not withdrawn: only a poll no longer open for them is.
        polls = poll_selectors.open_polls_for(user=agent, now=now)
        return activity.poll_id not in {poll.pk for poll in polls}
    return False


# --- Pending work ----------------------------------------------------------------------------------


@dataclass
class HeldBack:
    """Work of activities skipped or timed out within HOLD_BACK, by kind."""

    briefings: set[int]
    review_items: set[int]
    assignments: set[int]
    polls: set[int]


def _held_back(agent, now: datetime.datetime) -> HeldBack:
    held = Activity.objects.filter(
        agent=agent,
        status__in=[ActivityStatus.SKIPPED, ActivityStatus.TIMED_OUT],
        ended_at__gt=now - HOLD_BACK,
    )
    return HeldBack(
        briefings=set(held.exclude(briefing=None).values_list("briefing_id", flat=True)),
        review_items=set(held.values_list("review_items", flat=True)) - {None},
        assignments=set(held.exclude(assignment=None).values_list("assignment_id", flat=True)),
        polls=set(held.exclude(poll=None).values_list("poll_id", flat=True)),
    )


def _briefings(deliveries: list[BriefingDelivery], held: HeldBack) -> list[Candidate]:
    ids = [d.briefing_id for d in deliveries if d.briefing_id not in held.briefings]
    return [Candidate(kind=ActivityKind.BRIEFING, briefing_id=pk) for pk in ids[:1]]


def _reviews(agent, now, held: HeldBack, burst: int) -> list[Candidate]:
    due = reviews_due_for(agent=agent, now=now, limit=burst + len(held.review_items))
    items = [item.pk for item in due if item.pk not in held.review_items][:burst]
    return [Candidate(kind=ActivityKind.REVIEW, review_item_ids=items)] if items else []


def _modules(agent, now, held: HeldBack) -> list[Candidate]:
    waiting = assignment_selectors.assignments_waiting_for(
        agent=agent, today=timezone.localdate(now)
    )
    ids = [assignment.pk for assignment in waiting if assignment.pk not in held.assignments]
    return [Candidate(kind=ActivityKind.MODULE, assignment_id=pk) for pk in ids[:1]]


def _polls(agent, now, held: HeldBack) -> list[Candidate]:
    waiting = poll_selectors.polls_waiting_for(user=agent, now=now)
    ids = [poll.pk for poll in waiting if poll.pk not in held.polls]
    return [Candidate(kind=ActivityKind.POLL, poll_id=pk) for pk in ids[:1]]


def next_candidate(*, agent, now: datetime.datetime, burst: int) -> Candidate | None:
    """The first piece of pending work, in the order of the module docstring."""
    held = _held_back(agent, now)
    deliveries = briefing_selectors.briefings_waiting_for(agent=agent, now=now)
    overdue = [d for d in deliveries if d.briefing.due_at < now]
    not_yet_due = [d for d in deliveries if d.briefing.due_at >= now]
    for found in (
        lambda: _briefings(overdue, held),
        lambda: _reviews(agent, now, held, burst),
        lambda: _modules(agent, now, held),
        lambda: _briefings(not_yet_due, held),
        lambda: _polls(agent, now, held),
    ):
        candidates = found()
        if candidates:
            return candidates[0]
    return None
