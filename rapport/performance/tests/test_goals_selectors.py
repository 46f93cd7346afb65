"""Goal selectors: who is which party, what each may do, and who sees which goals."""

import datetime

import pytest
from django.utils import timezone

from rapport.accounts.tests.factories import UserFactory
from rapport.core.errors import NotFound
from rapport.performance.models import Goal
from rapport.performance.selectors import goals as selectors
from rapport.performance.tests.factories_goals import GoalFactory, agreed, crew

pytestmark = pytest.mark.django_db


def test_sides():
    c, other = crew(), crew()
    both = UserFactory(roles=["agent", "supervisor"], team=c.team)
    c.team.supervisor = both
    c.team.save()
    c.agent.refresh_from_db()

    assert selectors.side_of(c.agent, c.agent) == "agent"
    assert selectors.side_of(both, c.agent) == "supervisor"
    # Leading your own team never makes you both parties of your own goal.
    assert selectors.side_of(both, both) == "agent"
    assert selectors.side_of(other.supervisor, c.agent) is None
    assert selectors.side_of(UserFactory(roles=["admin"]), c.agent) is None


def test_what_each_side_may_do():
    c = crew()
    proposal = GoalFactory(agent=c.agent)
    running = agreed(agent=c.agent, supervisor=c.supervisor)
    admin = UserFactory(roles=["admin"])
    after_end = running.ends_on + datetime.timedelta(days=1)

    assert selectors.actions_for(c.agent, proposal) == ["withdraw", "revise"]
    assert selectors.actions_for(c.supervisor, proposal) == ["agree", "decline", "revise"]
    assert selectors.actions_for(c.agent, running) == ["checkin", "revise"]
    assert selectors.actions_for(c.agent, running, today=after_end) == [
        "checkin",
        "revise",
        "close",
    ]
    assert selectors.actions_for(c.supervisor, running) == ["checkin", "revise", "close"]
    assert selectors.actions_for(admin, running) == []


def test_who_sees_a_goal():
    c, other = crew(), crew()
    goal = GoalFactory(agent=c.agent)

    for viewer in (c.agent, c.supervisor, UserFactory(roles=["admin"])):
        assert selectors.goal_get_for(viewer=viewer, goal_id=goal.pk) == goal
    for viewer in (other.supervisor, other.agent, UserFactory(roles=["executive"])):
        with pytest.raises(NotFound):
            selectors.goal_get_for(viewer=viewer, goal_id=goal.pk)
    for bad in (0, -1, 2**63, "1"):
        with pytest.raises(NotFound):
            selectors.goal_get_for(viewer=c.agent, goal_id=bad)


def test_what_waits_for_whom():
    c = crew()
    for_supervisor = GoalFactory(agent=c.agent)
    for_agent = GoalFactory(
        agent=c.agent,
        proposed_by=c.supervisor,
        agent_agreed_at=None,
        supervisor_agreed_at=timezone.now(),
    )
    agreed(agent=c.agent, supervisor=c.supervisor)

    assert list(selectors.goals_waiting_for(viewer=c.supervisor)) == [for_supervisor]
    assert list(selectors.goals_waiting_for(viewer=c.agent)) == [for_agent]
    assert Goal.objects.count() == 3
