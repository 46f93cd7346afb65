"""Idle-time delivery: what comes next for an agent between contacts, and its time box.

`next_activity` decides from the agent's state (rapport.learning.selectors.activities says when an
agent is free and in what order work is offered):

* on a contact, on a break or offline, with a call ringing for them (in any state), or
  available with a contact waiting: nothing, and an activity under way is paused (its time so
  far is kept);
* otherwise an open activity comes back first, resumed where it was, unless it was done in the
  meantime (DONE), is no longer asked of the agent (SKIPPED), its time box ran out (TIMED_OUT) or
  it was paused longer than PAUSE_LIMIT ago (TIMED_OUT); what it held comes back later;
* otherwise, if fewer than `activities_per_hour` activities started in the last hour, the first
  pending piece of work starts, time-boxed by `seconds_for(kind)` (a module by at least its own
  `minutes`). Asked with `start_new=False` (the desktop still shows an activity the agent is
  finishing or reading the result of), nothing new starts: its clock would run unseen.

Completion is read from the records the work writes (a delivery understood, an assignment
completed, a poll answered, every question of a review burst answered), never from the client.
A skipped activity counts towards the hourly cap (it started) and its work is held back for
HOLD_BACK, then offered again. One agent's asks are serialised by locking the agent's row, so the
database's "one open activity per agent" never refuses a request.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from rapport.accounts.models import User
from rapport.briefings.selectors import briefings as briefing_selectors
from rapport.briefings.services import briefings as briefing_services
from rapport.core.errors import Conflict
from rapport.learning.choices import OPEN_ACTIVITY, ActivityKind, ActivityStatus
from rapport.learning.models import Activity, Assignment
from rapport.learning.selectors import activities as selectors
from rapport.learning.selectors.settings import learning_settings

PAUSE_LIMIT = datetime.timedelta(hours=8)


def _stretch(activity: Activity, now: datetime.datetime) -> int:
    if activity.status != ActivityStatus.ACTIVE or activity.resumed_at is None:
        return 0
    return max(0, int((now - activity.resumed_at).total_seconds()))


def _end(activity: Activity, status: str, now: datetime.datetime) -> None:
    activity.seconds_used = min(
        activity.seconds_allowed, activity.seconds_used + _stretch(activity, now)
    )
    activity.status = status
    activity.ended_at = now
    activity.save(update_fields=["seconds_used", "status", "ended_at", "updated_at"])


def _pause(activity: Activity, now: datetime.datetime) -> None:
    activity.seconds_used = min(
        activity.seconds_allowed, activity.seconds_used + _stretch(activity, now)
    )
    activity.status = ActivityStatus.PAUSED
    activity.paused_at = now
    activity.resumed_at = None
    activity.save(update_fields=["seconds_used", "status", "paused_at", "resumed_at", "updated_at"])


def _resume(activity: Activity, now: datetime.datetime) -> None:
    activity.status = ActivityStatus.ACTIVE
    activity.resumed_at = now
    activity.paused_at = None
    activity.save(update_fields=["status", "resumed_at", "paused_at", "updated_at"])


def _settle(activity: Activity, now: datetime.datetime) -> Activity | None:
    """The open activity, or None once it is over (done, withdrawn, out of time)."""
    if selectors.is_complete(activity):
        _end(activity, ActivityStatus.DONE, now)
    elif selectors.is_withdrawn(activity, now=now):
        _end(activity, ActivityStatus.SKIPPED, now)
    elif selectors.seconds_left(activity, now=now) <= 0 or (
        activity.status == ActivityStatus.PAUSED
        and activity.paused_at is not None
        and (now - activity.paused_at > PAUSE_LIMIT)
    ):
        _end(activity, ActivityStatus.TIMED_OUT, now)
    else:
        return activity
    return None


def _mark_briefing_opened(activity: Activity, now: datetime.datetime) -> None:
    """The briefing is shown to the agent now: its delivery counts as opened."""
    if activity.briefing_id is None:
        return
    delivery = briefing_selectors.delivery_for(
        user=activity.agent, briefing_id=activity.briefing_id
    )
    briefing_services.delivery_open(delivery=delivery, at=now)


def _time_box(candidate: selectors.Candidate) -> int:
    """Seconds the activity may take: the center's setting for its kind, and for a module at
    least the minutes its author says it takes (a longer module is never cut short)."""
    allowed = learning_settings().seconds_for(candidate.kind)
    if candidate.kind == ActivityKind.MODULE and candidate.assignment_id is not None:
        minutes = (
            Assignment.objects.filter(pk=candidate.assignment_id)
            .values_list("module__minutes", flat=True)
            .first()
        )
        allowed = max(allowed, (minutes or 0) * 60)
    return allowed


def _start(agent: User, candidate: selectors.Candidate, now: datetime.datetime) -> Activity:
    allowed = _time_box(candidate)
    try:
        with transaction.atomic():
            activity = Activity.objects.create(
                agent=agent,
                kind=candidate.kind,
                briefing_id=candidate.briefing_id,
                poll_id=candidate.poll_id,
                assignment_id=candidate.assignment_id,
                started_at=now,
                resumed_at=now,
                seconds_allowed=allowed,
            )
    except IntegrityError:
        # Another ask for this agent started one first (a database without row locks, such as
        # SQLite, lets two asks overlap): theirs is the agent's activity.
        return Activity.objects.get(agent=agent, status__in=OPEN_ACTIVITY)
    if candidate.review_item_ids:
        activity.review_items.set(candidate.review_item_ids)
    if candidate.kind == ActivityKind.BRIEFING:
        _mark_briefing_opened(activity, now)
    return activity


def _locked_agent(agent) -> User:
    """The agent's row, locked: one agent's asks run one after another, with the fresh state."""
    return User.objects.select_for_update().get(pk=agent.pk)


@transaction.atomic
def next_activity(
    *, agent, now: datetime.datetime | None = None, start_new: bool = True
) -> Activity | None:
    """What idle time brings the agent now, or None (see the module docstring)."""
    now = now or timezone.now()
    locked = _locked_agent(agent)
    current = selectors.open_activity_of(agent=locked)
    if current is not None:
        current = _settle(current, now)
    if not selectors.agent_is_free(agent=locked, now=now):
        if current is not None and current.status == ActivityStatus.ACTIVE:
            _pause(current, now)
        return None
    if current is not None:
        if current.status == ActivityStatus.PAUSED:
            _resume(current, now)
        return current
    if not start_new:
        return None
    settings_row = learning_settings()
    if selectors.started_within_hour(agent=locked, now=now) >= settings_row.activities_per_hour:
        return None
    candidate = selectors.next_candidate(agent=locked, now=now, burst=settings_row.review_burst)
    if candidate is None:
        return None
    return _start(locked, candidate, now)


@transaction.atomic
def activity_pause(*, agent, at: datetime.datetime | None = None) -> Activity | None:
    """Pause the agent's activity under way (a contact arrived); None when nothing was."""
    at = at or timezone.now()
    locked = _locked_agent(agent)
    current = selectors.open_activity_of(agent=locked)
    if current is None or current.status != ActivityStatus.ACTIVE:
        return current
    _pause(current, at)
    return current


@transaction.atomic
def activity_skip(*, activity: Activity, at: datetime.datetime | None = None) -> Activity:
    """The agent sets the activity aside; its work comes back after a while."""
    at = at or timezone.now()
    _locked_agent(activity.agent)
    locked = Activity.objects.get(pk=activity.pk)
    if locked.status not in OPEN_ACTIVITY:
        raise Conflict("This activity is already over.")
    if selectors.is_complete(locked):
        _end(locked, ActivityStatus.DONE, at)  # finished before "Later": it counts as done
    else:
        _end(locked, ActivityStatus.SKIPPED, at)
    return locked
