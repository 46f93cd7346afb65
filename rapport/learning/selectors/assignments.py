"""Reads of assignments, scoped to the asking user.

An agent sees their own assignments; a supervisor those of their teams' agents; trainers and
admins everyone's. Anything else is "not found"."""

import datetime

from django.db.models import F, Q, QuerySet

from rapport.accounts.models import User
from rapport.core.errors import NotFound
from rapport.core.roles import Role, is_admin, roles_of
from rapport.learning.choices import OPEN_ASSIGNMENT, AssignmentStatus
from rapport.learning.models import Assignment, ModuleAttempt

WAITING = (AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS)


def _rows() -> QuerySet[Assignment]:
    return Assignment.objects.select_related(
        "agent", "agent__team", "module", "module__skill", "gap_rule", "path", "assigned_by"
    )


def sees_everyone(viewer: User) -> bool:
    return is_admin(viewer) or Role.TRAINER in roles_of(viewer)


def agents_trackable_by(*, viewer: User) -> QuerySet[User]:
    """Active agents whose learning the viewer follows."""
    agents = User.objects.filter(is_active=True, groups__name=Role.AGENT).select_related("team")
    if not sees_everyone(viewer):
        if Role.SUPERVISOR not in roles_of(viewer):
            return agents.none()
        agents = agents.filter(team__supervisor=viewer)
    return agents.order_by("last_name", "first_name", "username").distinct()


def assignments_tracked_by(
    *,
    viewer: User,
    status: str | None = None,
    source: str | None = None,
    agent_id: int | None = None,
    module_id: int | None = None,
) -> QuerySet[Assignment]:
    rows = _rows()
    if not sees_everyone(viewer):
        if Role.SUPERVISOR not in roles_of(viewer):
            return rows.none()
        rows = rows.filter(agent__team__supervisor=viewer)
    if status == "open":
        rows = rows.filter(status__in=OPEN_ASSIGNMENT)
    elif status:
        rows = rows.filter(status=status)
    if source:
        rows = rows.filter(source=source)
    if agent_id is not None:
        rows = rows.filter(agent_id=agent_id)
    if module_id is not None:
        rows = rows.filter(module_id=module_id)
    return rows.order_by("-created_at", "-id")


def assignment_tracked_get(*, viewer: User, assignment_id: int) -> Assignment:
    found = assignments_tracked_by(viewer=viewer).filter(pk=assignment_id).first()
    if found is None:
        raise NotFound("No such assignment.")
    return found


def assignments_visible_to(*, viewer: User) -> QuerySet[Assignment]:
    """One's own assignments (not proposals still with the trainers), plus those one tracks."""
    tracked = assignments_tracked_by(viewer=viewer)
    own = _rows().filter(agent=viewer).exclude(status=AssignmentStatus.PROPOSED)
    return (own | tracked).distinct().order_by("-created_at", "-id")


def assignment_for(*, user: User, assignment_id: int) -> Assignment:
    """The user's own assignment (proposed ones are not theirs to see until confirmed)."""
    found = (
        _rows()
        .filter(pk=assignment_id, agent=user)
        .exclude(status=AssignmentStatus.PROPOSED)
        .first()
    )
    if found is None:
        raise NotFound("No such assignment.")
    return found


def assignments_of(*, agent: User) -> QuerySet[Assignment]:
    """What "My learning" lists: everything but proposals waiting for a trainer and dismissals."""
    return (
        _rows()
        .filter(agent=agent)
        .exclude(status__in=[AssignmentStatus.PROPOSED, AssignmentStatus.DISMISSED])
        .order_by(F("due_on").asc(nulls_last=True), "created_at", "id")
    )


def assignments_waiting_for(*, agent: User, today: datetime.date) -> list[Assignment]:
    """Assigned or in progress on a module still in use, oldest due first (undated last, then
    oldest assigned). `today` is accepted so callers can ask about a given day; nothing waiting
    is hidden by it."""
    return list(
        _rows()
        .filter(agent=agent, status__in=WAITING, module__is_active=True)
        .order_by(F("due_on").asc(nulls_last=True), "created_at", "id")
    )


def assignments_overdue(*, today: datetime.date) -> QuerySet[Assignment]:
    return _rows().filter(status__in=WAITING, due_on__lt=today)


def attempts_of(*, assignment: Assignment) -> QuerySet[ModuleAttempt]:
    return assignment.tries.order_by("created_at", "id")


def open_or_recent(*, agent_ids: list[int], module_id: int, since: datetime.datetime) -> set[int]:
    """Agents who have this module open, or completed it since `since`, or whose proposal a
    trainer dismissed since then (a dismissal is not undone by the next sweep)."""
    return set(
        Assignment.objects.filter(agent_id__in=agent_ids, module_id=module_id)
        .filter(
            Q(status__in=OPEN_ASSIGNMENT)
            | Q(status=AssignmentStatus.COMPLETED, completed_at__gte=since)
            | Q(status=AssignmentStatus.DISMISSED, updated_at__gte=since)
        )
        .values_list("agent_id", flat=True)
    )
