"""Taking a module (fail, then pass), new-hire paths, assigning, confirming and dismissing."""

import datetime

import pytest
from django.utils import timezone

from rapport.accounts.tests.factories import UserFactory
from rapport.core.errors import Conflict, PermissionDenied, ValidationFailed
from rapport.learning.choices import AssignmentSource, AssignmentStatus
from rapport.learning.models import Assignment, ModuleAttempt, ReviewItem
from rapport.learning.selectors.assignments import assignments_waiting_for
from rapport.learning.services import assignments as services
from rapport.learning.tests.factories_learning import (
    AssignmentFactory,
    LearningPathFactory,
    PathStepFactory,
    correct_answers,
    module_with_questions,
    wrong_answers,
)

AT = timezone.make_aware(datetime.datetime(2025, 4, 2, 10))


@pytest.fixture
def assignment(db):
    return AssignmentFactory(module=module_with_questions(3))


def test_a_failed_check_keeps_it_open_and_explains_what_was_missed(assignment):
    result = services.module_attempt_submit(
        assignment=assignment, answers=wrong_answers(assignment.module), at=AT
    )
    assignment.refresh_from_db()
    assert not result.passed and result.score == 0 and len(result.missed) == 3
    assert all(miss.explanation for miss in result.missed)
    assert assignment.status == AssignmentStatus.IN_PROGRESS
    assert assignment.completed_at is None and assignment.attempts == 1
    assert not ReviewItem.objects.filter(agent=assignment.agent).exists()


def test_passing_completes_it_and_makes_review_items(assignment):
    services.module_attempt_submit(assignment=assignment, answers={}, at=AT)
    result = services.module_attempt_submit(
        assignment=assignment, answers=correct_answers(assignment.module), at=AT
    )
    assignment.refresh_from_db()
    assert result.passed and result.score == 100
    assert assignment.status == AssignmentStatus.COMPLETED
    assert assignment.completed_at == AT and assignment.score == 100 and assignment.attempts == 2
    assert ModuleAttempt.objects.filter(assignment=assignment).count() == 2
    assert ReviewItem.objects.filter(agent=assignment.agent).count() == 3
    with pytest.raises(Conflict):
        services.module_attempt_submit(
            assignment=assignment, answers=correct_answers(assignment.module), at=AT
        )


def test_a_score_below_the_pass_mark_does_not_pass(assignment):
    answers = correct_answers(assignment.module)
    answers[next(iter(answers))] = []  # 2 of 3 right = 66 % < 80 %
    result = services.module_attempt_submit(assignment=assignment, answers=answers, at=AT)
    assert result.score == 66 and not result.passed


def test_garbage_answers_are_simply_wrong(assignment):
    result = services.module_attempt_submit(
        assignment=assignment,
        answers={"x": ["y"], "999999999999999999999": [1], "-1": "z", "5": 2**70},
        at=AT,
    )
    assert not result.passed and result.total == 3


def test_start_marks_it_in_progress_once(assignment):
    services.assignment_start(assignment=assignment, at=AT)
    services.assignment_start(assignment=assignment, at=AT + datetime.timedelta(hours=1))
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.IN_PROGRESS and assignment.started_at == AT


def test_waiting_is_oldest_due_first(db):
    agent = UserFactory(roles=["agent"])
    later = AssignmentFactory(agent=agent, due_on=datetime.date(2025, 5, 1))
    undated = AssignmentFactory(agent=agent, due_on=None)
    sooner = AssignmentFactory(
        agent=agent, due_on=datetime.date(2025, 4, 1), status=AssignmentStatus.IN_PROGRESS
    )
    AssignmentFactory(agent=agent, status=AssignmentStatus.PROPOSED)
    AssignmentFactory(agent=agent, status=AssignmentStatus.COMPLETED)
    waiting = assignments_waiting_for(agent=agent, today=datetime.date(2025, 4, 2))
    assert waiting == [sooner, later, undated]


def test_path_assigns_each_step_to_new_hires_once(db):
    today = datetime.date(2025, 4, 10)
    path = LearningPathFactory.create(role="agent")
    first = PathStepFactory(path=path, module=module_with_questions(1), due_after_days=3)
    PathStepFactory(path=path, module=module_with_questions(1), due_after_days=10)
    hire = UserFactory(roles=["agent"], started_on=datetime.date(2025, 4, 1))
    UserFactory(roles=["agent"], started_on=datetime.date(2020, 1, 1))  # not new
    UserFactory(roles=["agent"], started_on=datetime.date(2025, 5, 1))  # not started yet
    UserFactory(roles=["supervisor"], started_on=datetime.date(2025, 4, 1))  # other role

    assert services.path_assignments(today=today) == 2
    assert services.path_assignments(today=today) == 0
    made = Assignment.objects.get(agent=hire, module=first.module)
    assert made.source == AssignmentSource.PATH and made.path == path
    assert made.due_on == datetime.date(2025, 4, 4)
    assert path.name in made.reason

    made.status = AssignmentStatus.COMPLETED
    made.save()
    assert services.path_assignments(today=today) == 0


def test_manual_assignment_is_for_authors_and_never_twice(db):
    trainer, agent = UserFactory(roles=["trainer"]), UserFactory(roles=["agent"])
    module = module_with_questions(2)
    with pytest.raises(PermissionDenied):
        services.assignment_assign(by=UserFactory(roles=["supervisor"]), agent=agent, module=module)
    made = services.assignment_assign(by=trainer, agent=agent, module=module, note="Practice.")
    assert made.status == AssignmentStatus.ASSIGNED and made.reason == "Practice."
    with pytest.raises(Conflict):
        services.assignment_assign(by=trainer, agent=agent, module=module)
    with pytest.raises(ValidationFailed):
        services.assignment_assign(by=trainer, agent=agent, module=module_with_questions(0))


def test_confirm_and_dismiss(db):
    trainer = UserFactory(roles=["trainer"])
    proposed = AssignmentFactory(status=AssignmentStatus.PROPOSED, source=AssignmentSource.GAP)
    services.assignment_confirm(by=trainer, assignment=proposed, note="Agreed.")
    proposed.refresh_from_db()
    assert proposed.status == AssignmentStatus.ASSIGNED and proposed.assigned_by == trainer
    with pytest.raises(Conflict):
        services.assignment_confirm(by=trainer, assignment=proposed)

    other = AssignmentFactory.create(status=AssignmentStatus.PROPOSED)
    with pytest.raises(ValidationFailed):
        services.assignment_dismiss(by=trainer, assignment=other, note="  ")
    services.assignment_dismiss(by=trainer, assignment=other, note="Already coached.")
    other.refresh_from_db()
    assert other.status == AssignmentStatus.DISMISSED
    assert other.evidence["dismiss_note"] == "Already coached."
