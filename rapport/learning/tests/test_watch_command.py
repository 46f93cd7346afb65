"""The learning clock enqueues one tick; the tick runs the gap sweep, the new-hire paths, the
briefing deliveries and reminders."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus

from rapport.accounts.tests.factories import UserFactory
from rapport.learning.models import Assignment
from rapport.learning.tasks import learning_tick
from rapport.learning.tests.factories_learning import (
    GapRuleFactory,
    LearningPathFactory,
    PathStepFactory,
    agent_rollup,
    module_with_questions,
    preventable_escalation,
)

# The command drops a stale database connection before each tick, like any long-lived process,
# which a test wrapped in one transaction would not survive.
as_a_process = pytest.mark.django_db(transaction=True)


def _world():
    today = timezone.localdate()
    agent = UserFactory(roles=["agent"], started_on=today - datetime.timedelta(days=2))
    agent_rollup(agent, today, handled=100)
    for _ in range(5):
        preventable_escalation(agent, timezone.now())
    rule = GapRuleFactory(threshold=Decimal("2"), min_n=50, module=module_with_questions(1))
    step = PathStepFactory(path=LearningPathFactory(role="agent"), module=module_with_questions(1))
    return agent, rule, step


@pytest.mark.django_db
def test_the_tick_assigns_from_gaps_and_paths_and_succeeds():
    agent, rule, step = _world()

    result = learning_tick.enqueue()

    assert Assignment.objects.filter(agent=agent, gap_rule=rule).exists()
    assert Assignment.objects.filter(agent=agent, module=step.module, path=step.path).exists()
    assert result.status == TaskResultStatus.SUCCESSFUL, "briefing deliveries or reminders failed"
    summary = result.return_value
    assert summary is not None
    assert summary["paths"] == 1
    assert summary["gaps"]["assigned"] == 1


@as_a_process
def test_once_enqueues_one_tick():
    agent, rule, _ = _world()
    out = io.StringIO()
    call_command("learning_watch", "--once", stdout=out)
    assert Assignment.objects.filter(agent=agent, gap_rule=rule).exists()
