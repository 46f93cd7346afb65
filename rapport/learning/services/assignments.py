"""Assignments: a trainer's own, confirming or dismissing the ones gaps propose, new-hire paths,
and an agent taking a module (start, then the check; passing completes it and turns its questions
into the agent's review items)."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from rapport.accounts.models import User
from rapport.briefings.checks import CheckResult, check_score
from rapport.core.audit import audit_record
from rapport.core.errors import Conflict, ValidationFailed
from rapport.core.permissions import require_roles
from rapport.core.roles import LEARNING_AUTHORS, LEARNING_TRACKERS, Role, roles_of
from rapport.learning.choices import OPEN_ASSIGNMENT, AssignmentSource, AssignmentStatus
from rapport.learning.models import Assignment, LearningPath, Module, ModuleAttempt
from rapport.learning.selectors import modules as module_selectors
from rapport.learning.selectors.settings import new_hire_since
from rapport.learning.services import reviews as review_services

NOTE_MAX = 1000
MAX_ANSWERS = 200


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def _note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise _invalid("note", f"A note is at most {NOTE_MAX} characters.")
    return note


def _locked(assignment: Assignment) -> Assignment:
    """The assignment's row locked for this transaction, refreshed into the given instance."""
    fresh = Assignment.objects.select_for_update().get(pk=assignment.pk)
    for name in ("status", "started_at", "completed_at", "attempts", "score", "evidence", "due_on"):
        setattr(assignment, name, getattr(fresh, name))
    return assignment


@transaction.atomic
def assignment_assign(
    *, by: User, agent: User, module: Module, due_on: datetime.date | None = None, note: str = ""
) -> Assignment:
    """A trainer assigns a module to an agent by hand."""
    require_roles(by, LEARNING_AUTHORS, action="assign modules")
    note = _note(note)
    if not agent.is_active or Role.AGENT not in roles_of(agent):
        raise _invalid("agent", "Choose an active agent.")
    if not module.is_active:
        raise _invalid("module", "This module is retired; choose an active one.")
    if not module.questions.exists():
        raise _invalid("module", "This module has no questions yet, so it cannot be passed.")
    if due_on is not None and due_on < timezone.localdate() - datetime.timedelta(days=1):
        raise _invalid("due_on", "The due date has passed.")
    if Assignment.objects.filter(agent=agent, module=module, status__in=OPEN_ASSIGNMENT).exists():
        raise Conflict(
            f"{agent} already has “{module}” open.",
            fields={"module": ["Already open for this agent."]},
        )
    reason = note or f"{by} asked you to take this module."
    assignment = Assignment.objects.create(
        agent=agent,
        module=module,
        source=AssignmentSource.MANUAL,
        status=AssignmentStatus.ASSIGNED,
        reason=reason,
        assigned_by=by,
        due_on=due_on,
        evidence={"note": note} if note else {},
    )
    audit_record(
        actor=by,
        action="learning.assignment_assign",
        target=assignment,
        detail={"agent": agent.pk, "module": module.pk, "due_on": due_on and due_on.isoformat()},
    )
    return assignment


@transaction.atomic
def assignment_confirm(
    *, by: User, assignment: Assignment, note: str = "", due_on: datetime.date | None = None
) -> Assignment:
    """A trainer (or the agent's supervisor) agrees with a proposal from a measured gap."""
    require_roles(by, LEARNING_TRACKERS, action="confirm assignments")
    note = _note(note)
    _locked(assignment)
    if assignment.status != AssignmentStatus.PROPOSED:
        raise Conflict("Only a proposed assignment can be confirmed.")
    assignment.status = AssignmentStatus.ASSIGNED
    assignment.assigned_by = by
    if due_on is not None:
        assignment.due_on = due_on
    if note:
        assignment.evidence = {**assignment.evidence, "confirm_note": note}
    assignment.save(update_fields=["status", "assigned_by", "due_on", "evidence", "updated_at"])
    audit_record(
        actor=by, action="learning.assignment_confirm", target=assignment, detail={"note": note}
    )
    return assignment


@transaction.atomic
def assignment_dismiss(*, by: User, assignment: Assignment, note: str) -> Assignment:
    """Set aside an open assignment, saying why (a completed one stays completed)."""
    require_roles(by, LEARNING_TRACKERS, action="dismiss assignments")
    note = _note(note)
    if not note:
        raise _invalid("note", "Say why, so the agent's record explains it.")
    _locked(assignment)
    if assignment.status not in OPEN_ASSIGNMENT:
        raise Conflict("Only an open assignment can be dismissed.")
    before = assignment.status
    assignment.status = AssignmentStatus.DISMISSED
    assignment.evidence = {**assignment.evidence, "dismiss_note": note, "dismissed_by": by.pk}
    assignment.save(update_fields=["status", "evidence", "updated_at"])
    audit_record(
        actor=by,
        action="learning.assignment_dismiss",
        target=assignment,
        detail={"note": note, "was": before},
    )
    return assignment


@transaction.atomic
def assignment_start(*, assignment: Assignment, at: datetime.datetime | None = None) -> Assignment:
    """The agent opens the module: assigned becomes in progress (again and again is harmless)."""
    at = at or timezone.now()
    _locked(assignment)
    if assignment.status == AssignmentStatus.ASSIGNED:
        assignment.status = AssignmentStatus.IN_PROGRESS
        assignment.started_at = at
        assignment.save(update_fields=["status", "started_at", "updated_at"])
    elif assignment.status not in (AssignmentStatus.IN_PROGRESS, AssignmentStatus.COMPLETED):
        raise Conflict("This assignment is not open.")
    return assignment


def _clean_answers(assignment: Assignment, answers) -> dict[int, list[int]]:
    """Only this module's questions, only whole numbers; anything else is simply not an answer."""
    question_ids = set(assignment.module.questions.values_list("pk", flat=True))
    clean: dict[int, list[int]] = {}
    for key, chosen in list(dict(answers or {}).items())[:MAX_ANSWERS]:
        try:
            question_id = int(key)
        except (TypeError, ValueError):
            continue
        if question_id not in question_ids:
            continue
        values = chosen if isinstance(chosen, list | tuple) else [chosen]
        ids = []
        for value in list(values)[:MAX_ANSWERS]:
            try:
                ids.append(int(value))
            except (TypeError, ValueError):
                continue
        clean[question_id] = sorted({i for i in ids if 0 < i < 2**63})
    return clean


@transaction.atomic
def module_attempt_submit(
    *, assignment: Assignment, answers, at: datetime.datetime | None = None
) -> CheckResult:
    """Score one try at the module's check. Passing completes the assignment and makes the
    module's questions the agent's review items; failing keeps it open, with the explanations of
    what was missed in the result."""
    at = at or timezone.now()
    _locked(assignment)
    if assignment.status == AssignmentStatus.COMPLETED:
        raise Conflict("You have passed this module already.")
    if assignment.status not in (AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS):
        raise Conflict("This assignment is not open.")
    clean = _clean_answers(assignment, answers)
    module = assignment.module
    result = check_score(module_selectors.questions_of(module), clean, pass_mark=module.pass_mark)
    ModuleAttempt.objects.create(
        assignment=assignment,
        answers={str(k): v for k, v in clean.items()},
        score=result.score,
        passed=result.passed,
    )
    assignment.attempts += 1
    assignment.score = result.score
    if assignment.started_at is None:
        assignment.started_at = at
    if result.passed:
        assignment.status = AssignmentStatus.COMPLETED
        assignment.completed_at = at
    else:
        assignment.status = AssignmentStatus.IN_PROGRESS
    assignment.save(
        update_fields=["status", "started_at", "completed_at", "attempts", "score", "updated_at"]
    )
    if result.passed:
        review_services.review_items_create(agent=assignment.agent, module=module, at=at)
    return result


# --- New-hire paths --------------------------------------------------------------------------------


def _path_reason(path: LearningPath, due_on: datetime.date) -> str:
    return (
        f"Part of “{path.name}”, the path for new {Role(path.role).label.lower()}s: "
        f"due {due_on:%d %b %Y}."
    )


@transaction.atomic
def path_assignments(*, today: datetime.date | None = None) -> int:
    """Give each new hire (started on or before today, at most NEW_HIRE_DAYS ago, holding the
    path's role) every step of their role's active paths, due started_on + the step's days.

    Idempotent: a step is never assigned twice by the same path, and a module already open for
    the agent, or passed, is not assigned again, even when it was opened by someone else at the
    same moment (each row is its own savepoint). Returns how many were created."""
    today = today or timezone.localdate()
    created = 0
    for path in LearningPath.objects.filter(is_active=True).prefetch_related("steps__module"):
        hires = list(
            User.objects.filter(
                is_active=True,
                groups__name=path.role,
                started_on__isnull=False,
                started_on__lte=today,
                started_on__gte=new_hire_since(today),
            ).distinct()
        )
        if not hires:
            continue
        for step in path.steps.all():
            if not step.module.is_active:
                continue
            created += _assign_step(path, step, hires)
    return created


def _taken(hires: list[User], module: Module) -> set[int]:
    """Hires who have this module already: open, passed, or given by a path before (a trainer's
    dismissal of a hand-made one does not count)."""
    return set(
        Assignment.objects.filter(agent__in=hires, module=module)
        .exclude(status=AssignmentStatus.DISMISSED, path__isnull=True)
        .values_list("agent_id", flat=True)
    )


def _create_unless_open(assignment: Assignment) -> bool:
    """Save it, unless the module was opened for the agent meanwhile (a gap sweep or a trainer
    at the same moment): that one stands, and this hire is simply skipped."""
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError:
        return False
    return True


def _assign_step(path: LearningPath, step, hires: list[User]) -> int:
    taken = _taken(hires, step.module)
    created = 0
    for hire in hires:
        started_on = hire.started_on
        if hire.pk in taken or started_on is None:
            continue
        due_on = started_on + datetime.timedelta(days=step.due_after_days)
        assignment = Assignment(
            agent=hire,
            module=step.module,
            source=AssignmentSource.PATH,
            status=AssignmentStatus.ASSIGNED,
            reason=_path_reason(path, due_on),
            evidence={
                "path": path.pk,
                "path_name": path.name,
                "started_on": started_on.isoformat(),
            },
            path=path,
            due_on=due_on,
        )
        if not _create_unless_open(assignment):
            continue
        audit_record(
            actor=None,
            action="learning.assignment_path",
            target=assignment,
            detail={"path": path.pk, "agent": hire.pk, "module": step.module_id},
        )
        created += 1
    return created
