"""Reads of cases and escalations, scoped to the asking user (see docs/access.md).

Everyone who serves customers may read any case, so a receiving tier sees the full story; working
a case (reply, assign, escalate, change status) is for its assignee, its queue's team and that
team's supervisor."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from rapport.access.models import Queue
from rapport.accounts.models import Team, User
from rapport.cases.choices import OPEN_STATUSES, Clock
from rapport.cases.models import Case, CaseEvent, Escalation, EscalationReason
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
from rapport.interactions.choices import Outcome
from rapport.interactions.models import Interaction


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
        .order_by(F("resolution_due").asc(nulls_last=True), "-opened_at")
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
    # Like cases_for: the summaries speak of the customer, so an erased customer's are left out.
    return Escalation.objects.select_related(
        "case", "reason", "from_queue", "to_queue", "escalated_by", "from_team", "to_agent"
    ).filter(Q(case__customer__isnull=True) | Q(case__customer__erased_at__isnull=True))


def escalation_get_for(*, user, escalation_id) -> Escalation:
    try:
        return escalations_for(user=user).get(pk=escalation_id)
    except (Escalation.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such escalation.") from None


def can_analyse_escalations(user) -> bool:
    return has_any_role(user, ESCALATION_ANALYSTS)


# --- Display of SLA clocks ---------------------------------------------------------------------


@dataclass(frozen=True)
class ClockState:
    """Where one SLA clock of a case stands, for badges on lists and the case page.

    state is one of: "met", "missed", "stopped" (the case ended before the
    clock's work was done), "paused" (waiting for the customer), "running", "warning", "overdue".
    """

    clock: str
    label: str
    due: datetime
    done_at: datetime | None
    state: str

    @property
    def breached(self) -> bool:
        return self.state in {"missed", "overdue"}

    @property
    def open(self) -> bool:
        return self.state in {"paused", "running", "warning", "overdue"}


def _clock_state(case: Case, clock: str, *, now: datetime) -> ClockState | None:
    if clock == Clock.FIRST_RESPONSE:
        due, done, warned = (
            case.first_response_due,
            case.first_responded_at,
            case.warned_first_response,
        )
    else:
        due, done, warned = case.resolution_due, case.resolved_at, case.warned_resolution
    if due is None:
        return None
    if done is not None:
        state = "met" if done <= due else "missed"
    elif case.status not in OPEN_STATUSES:
        state = "stopped"
    elif case.paused_at is not None:
        # Waiting for the customer stops the clock, but not one that ran out before the wait.
        state = "overdue" if case.paused_at >= due else "paused"
    elif now >= due:
        state = "overdue"
    elif warned:
        state = "warning"
    else:
        state = "running"
    return ClockState(clock=clock, label=Clock(clock).label, due=due, done_at=done, state=state)


def sla_clocks(case: Case, *, now: datetime | None = None) -> list[ClockState]:
    """The clocks a case has (none without a service objective), from the case row alone."""
    now = now or timezone.now()
    states = (_clock_state(case, clock, now=now) for clock in Clock.values)
    return [state for state in states if state is not None]


# --- The case page ---------------------------------------------------------------------------------


def escalation_chain_of(*, case: Case) -> QuerySet[Escalation]:
    """A case's hand-offs, oldest first; the case was read through case_get_for."""
    return case.escalations.select_related(
        "reason", "from_queue__team", "to_queue__team", "escalated_by", "from_team", "to_agent"
    ).order_by("escalated_at", "id")


def case_events_of(*, case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("at", "id")


def case_assignees_for(*, user, case: Case) -> QuerySet[User]:
    """Who the case may be given to: active people of the team owning its queue."""
    if not can_work_case(user, case):
        return User.objects.none()
    return User.objects.filter(team_id=case.queue.team_id, is_active=True).order_by(
        "first_name", "last_name", "username"
    )


def case_workers() -> QuerySet[User]:
    """Active people who may work cases, with their team: choices for filters and hand-offs."""
    return (
        User.objects.filter(is_active=True, groups__name__in=CASE_WORKERS)
        .select_related("team")
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def escalation_agents() -> QuerySet[User]:
    """People a hand-off may name as receiver: case workers in a team that owns a queue."""
    owning = Queue.objects.values("team_id")
    return case_workers().filter(team_id__in=owning)


def escalation_reasons_all() -> QuerySet[EscalationReason]:
    """The whole taxonomy, retired reasons included (they still label old escalations)."""
    return EscalationReason.objects.all()


# --- Escalation analysis (aggregates) --------------------------------------------------------------

# Analysts who may see individual agents in the figures; executives and trainers see teams only.
AGENT_LEVEL_ANALYSTS = frozenset({Role.SUPERVISOR, Role.QA_ANALYST, Role.ADMIN})


def escalations_for_analysis(*, user) -> QuerySet[Escalation]:
    if not can_analyse_escalations(user):
        return Escalation.objects.none()
    return Escalation.objects.all()


def handled_contacts_for_analysis(*, user) -> QuerySet[Interaction]:
    """Contacts an agent handled (any channel): the denominator of the escalation rate."""
    if not can_analyse_escalations(user):
        return Interaction.objects.none()
    return Interaction.objects.filter(agent__isnull=False).exclude(
        outcome__in=[Outcome.ABANDONED, Outcome.NO_ANSWER]
    )


def analysis_agent_teams(user) -> set[int] | None:
    """Whose agents a person may see by name in the figures: None = everyone's (admins, QA),
    a set of team ids = those teams (a supervisor: the teams they work in and lead), empty = nobody."""
    roles = roles_of(user)
    if not can_analyse_escalations(user) or not roles & AGENT_LEVEL_ANALYSTS:
        return set()
    if Role.ADMIN in roles or Role.QA_ANALYST in roles:
        return None
    return team_ids_of(user)


def analysis_teams_for(*, user) -> QuerySet[Team]:
    if not can_analyse_escalations(user):
        return Team.objects.none()
    return Team.objects.order_by("name")
