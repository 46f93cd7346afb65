"""New-hire paths tolerate a module opened for a hire by someone else at the same moment: that
hire is skipped, the others still get theirs, and nothing is rolled back."""

import datetime

import pytest

from rapport.accounts.tests.factories import UserFactory
from rapport.core.models import AuditEvent
from rapport.learning.choices import AssignmentSource, AssignmentStatus
from rapport.learning.models import Assignment
from rapport.learning.services import assignments as services
from rapport.learning.tests.factories_learning import (
    AssignmentFactory,
    LearningPathFactory,
    PathStepFactory,
    module_with_questions,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2025, 4, 10)


def test_a_concurrent_open_assignment_skips_that_hire_only(monkeypatch):
    step = PathStepFactory(path=LearningPathFactory(role="agent"), module=module_with_questions(1))
    hires = [UserFactory(roles=["agent"], started_on=datetime.date(2025, 4, 1)) for _ in range(3)]
    # A gap sweep opened the module for the second hire after the path read who had it.
    theirs = AssignmentFactory(
        agent=hires[1], module=step.module, source=AssignmentSource.GAP, path=None
    )
    monkeypatch.setattr(services, "_taken", lambda hires, module: set())

    created = services.path_assignments(today=TODAY)

    assert created == 2
    by_path = Assignment.objects.filter(path=step.path, status=AssignmentStatus.ASSIGNED)
    assert set(by_path.values_list("agent_id", flat=True)) == {hires[0].pk, hires[2].pk}
    assert Assignment.objects.filter(agent=hires[1], module=step.module).get() == theirs
    assert AuditEvent.objects.filter(action="learning.assignment_path").count() == 2
    audited = AuditEvent.objects.filter(action="learning.assignment_path")
    assert set(audited.values_list("target_id", flat=True)) == {str(a.pk) for a in by_path}
