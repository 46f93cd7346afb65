"""The gap sweep: assignment from a synthetic gap, proposals, idempotence."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from rapport.accounts.tests.factories import UserFactory
from rapport.core.models import AuditEvent
from rapport.learning.choices import AssignmentSource, AssignmentStatus, GapMode
from rapport.learning.models import Assignment
from rapport.learning.services.gaps import gap_sweep
from rapport.learning.tests.factories_learning import (
    AssignmentFactory,
    GapRuleFactory,
    agent_rollup,
    module_with_questions,
    preventable_escalation,
)

DAY = datetime.date(2025, 3, 31)


def _escalating_agent(count: int = 5):
    agent = UserFactory(roles=["agent"])
    agent_rollup(agent, DAY, handled=100)
    at = timezone.make_aware(datetime.datetime(2025, 3, 25, 11))
    for _ in range(count):
        preventable_escalation(agent, at)
    return agent


@pytest.fixture
def rule(db):
    return GapRuleFactory(
        threshold=Decimal("2"), min_n=50, module=module_with_questions(2), mode=GapMode.AUTO
    )


def test_a_synthetic_gap_assigns_the_module_with_its_reason(rule):
    agent = _escalating_agent()
    fine = _escalating_agent(count=1)

    summary = gap_sweep(today=DAY)

    assignment = Assignment.objects.get(agent=agent)
    assert assignment.status == AssignmentStatus.ASSIGNED
    assert assignment.source == AssignmentSource.GAP
    assert assignment.gap_rule == rule and assignment.module == rule.module
    assert "5.0 per 100 contacts" in assignment.reason or "5 per 100 contacts" in assignment.reason
    assert assignment.evidence["n"] == 100 and assignment.evidence["value"] == 5.0
    assert not Assignment.objects.filter(agent=fine).exists()
    assert summary["assigned"] == 1 and summary["gaps"] == 1
    assert AuditEvent.objects.filter(action="learning.assignment_gap").count() == 1


def test_running_twice_creates_nothing_new(rule):
    _escalating_agent()
    gap_sweep(today=DAY)
    second = gap_sweep(today=DAY)
    assert Assignment.objects.count() == 1
    assert second["assigned"] == 0 and second["gaps"] == 1


def test_confirm_mode_proposes(rule):
    rule.mode = GapMode.CONFIRM
    rule.save()
    agent = _escalating_agent()
    summary = gap_sweep(today=DAY)
    assert Assignment.objects.get(agent=agent).status == AssignmentStatus.PROPOSED
    assert summary["proposed"] == 1


def test_completed_within_the_window_blocks_but_long_ago_does_not(rule):
    agent = _escalating_agent()
    AssignmentFactory(
        agent=agent,
        module=rule.module,
        status=AssignmentStatus.COMPLETED,
        completed_at=timezone.make_aware(datetime.datetime(2025, 3, 20)),
    )
    gap_sweep(today=DAY)
    assert Assignment.objects.filter(agent=agent).count() == 1

    Assignment.objects.filter(agent=agent).update(
        completed_at=timezone.make_aware(datetime.datetime(2024, 12, 1))
    )
    gap_sweep(today=DAY)
    assert Assignment.objects.filter(agent=agent, status=AssignmentStatus.ASSIGNED).count() == 1


def test_a_dismissed_proposal_is_not_proposed_again_in_the_window(rule):
    agent = _escalating_agent()
    AssignmentFactory(agent=agent, module=rule.module, status=AssignmentStatus.DISMISSED)
    gap_sweep(today=DAY)
    assert Assignment.objects.filter(agent=agent).count() == 1


def test_inactive_rules_and_inactive_agents_are_left_alone(rule):
    agent = _escalating_agent()
    agent.is_active = False
    agent.save()
    assert gap_sweep(today=DAY)["gaps"] == 0
    agent.is_active = True
    agent.save()
    rule.is_active = False
    rule.save()
    assert gap_sweep(today=DAY)["rules"] == 0
    assert not Assignment.objects.exists()
