"""Reads of cases and escalations, scoped to the asking user (see docs/access.md).

Everyone who serves customers may read any case, so a receiving tier sees the full story; working
a case (reply, assign, escalate, change status) is for its assignee, its queue's team and that
team's supervisor."""

from django.db.models import Q, QuerySet

from rapport.access.models import Queue
from rapport.cases.choices import OPEN_STATUSES
from rapport.cases.models import Case, Escalation, EscalationReason
from rapport.core.errors import NotFound
from rapport.core.roles import (
    CASE_WORKERS,
    CONVERSATION_READERS,
    ESCALATION_ANALYSTS,
    Role,
    has_any_role,
    is_admin,
    roles_of,
)


def can_read_cases(user) -> bool:
    return has_any_role(user, CONVERSATION_READERS)


def cases_for(*, user) -> QuerySet[Case]:
    if not can_read_cases(user):
        return Case.objects.none()
    return Case.objects.select_related(
        "customer", "queue__team", "assignee", "contact_type"
    ).filter(Q(customer__isnull=True) | Q(customer__erased_at__isnull=True))


def case_get_for(*, user, case_id) -> Case:
    try:
        return cases_for(user=user).get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such case.") from None


def team_ids_of(user) -> set[int]:
    """The teams a person works for: their own, and the ones they supervise."""
    ids = {user.team_id} if user.team_id else set()
    if Role.SUPERVISOR in roles_of(user):
        ids |= set(user.supervised_teams.values_list("id", flat=True))
    return ids


def can_work_case(user, case: Case) -> bool:
    if not has_any_role(user, CASE_WORKERS):
        return False
    if is_admin(user) or case.assignee_id == user.pk:
        return True
    return case.queue.team_id in team_ids_of(user)


def my_queue_for(*, user) -> QuerySet[Case]:
    """Open cases the person should work: assigned to them, or waiting unassigned in a queue of
    their team. Soonest deadline first, then highest priority."""
    if not has_any_role(user, CASE_WORKERS):
        return Case.objects.none()
    mine = Q(assignee=user) | Q(assignee__isnull=True, queue__team_id__in=team_ids_of(user))
    return (
        cases_for(user=user)
        .filter(mine, status__in=OPEN_STATUSES)
        .order_by("resolution_due", "-opened_at")
    )


def open_cases_of(*, user, customer) -> QuerySet[Case]:
    return cases_for(user=user).filter(customer=customer, status__in=OPEN_STATUSES)


def escalation_queues() -> QuerySet[Queue]:
    return Queue.objects.select_related("team").order_by("tier", "name")


def escalation_reasons_active() -> QuerySet[EscalationReason]:
    return EscalationReason.objects.filter(is_active=True)


def escalations_for(*, user) -> QuerySet[Escalation]:
    if not can_read_cases(user):
        return Escalation.objects.none()
    return Escalation.objects.select_related(
        "case", "reason", "from_queue", "to_queue", "escalated_by", "from_team", "to_agent"
    )


def escalation_get_for(*, user, escalation_id) -> Escalation:
    try:
        return escalations_for(user=user).get(pk=escalation_id)
    except (Escalation.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such escalation.") from None


def can_analyse_escalations(user) -> bool:
    return has_any_role(user, ESCALATION_ANALYSTS)
