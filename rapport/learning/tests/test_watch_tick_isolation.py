"""One failing step of the learning tick is logged, and the other steps still run."""

import datetime
import logging

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus

from rapport.accounts.tests.factories import UserFactory
from rapport.learning.models import Assignment
from rapport.learning.services import gaps as gap_services
from rapport.learning.tasks import learning_tick
from rapport.learning.tests.factories_learning import (
    LearningPathFactory,
    PathStepFactory,
    module_with_questions,
)

pytestmark = pytest.mark.django_db


def test_a_step_that_raises_does_not_stop_the_others(monkeypatch, caplog):
    hire = UserFactory(
        roles=["agent"], started_on=timezone.localdate() - datetime.timedelta(days=2)
    )
    step = PathStepFactory(path=LearningPathFactory(role="agent"), module=module_with_questions(1))

    def broken(**kwargs):
        raise RuntimeError("a gap rule points at a KPI that is gone")

    monkeypatch.setattr(gap_services, "gap_sweep", broken)

    with caplog.at_level(logging.ERROR, logger="rapport.learning.tasks"):
        result = learning_tick.enqueue()

    assert result.status == TaskResultStatus.SUCCESSFUL
    summary = result.return_value
    assert summary is not None
    assert summary["failed"] == ["gaps"] and summary["gaps"] is None
    assert summary["paths"] == 1
    assert summary["reminders"] is not None and summary["deliveries"] is not None
    assert Assignment.objects.filter(agent=hire, path=step.path).exists()
    failed = [r for r in caplog.records if "gaps step failed" in r.getMessage()]
    assert len(failed) == 1 and failed[0].exc_info is not None
