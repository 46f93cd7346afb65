import contextlib
from datetime import timedelta

import pytest
from django.utils import timezone

from rapport.accounts import services
from rapport.accounts.choices import AgentState
from rapport.accounts.models import AgentStateChange
from rapport.core.errors import ValidationFailed


def test_change_is_recorded_with_previous_state(make_user):
    # Given an agent who is offline (the default)
    agent = make_user("agent")
    at = timezone.now() - timedelta(minutes=5)

    # When they go available
    change = services.agent_state_set(agent=agent, state=AgentState.AVAILABLE, source="api", at=at)

    # Then one history row holds the old and the new state
    assert change is not None
    assert (change.previous_state, change.state, change.source) == ("offline", "available", "api")
    assert list(AgentStateChange.objects.filter(agent=agent)) == [change]
    # and the user row carries the current state and since when
    agent.refresh_from_db()
    assert agent.agent_state == AgentState.AVAILABLE
    assert agent.agent_state_since == at


def test_second_change_chains_previous_state(make_user):
    agent = make_user("agent")
    services.agent_state_set(agent=agent, state=AgentState.AVAILABLE)

    change = services.agent_state_set(agent=agent, state=AgentState.BREAK)

    assert (change.previous_state, change.state) == ("available", "break")
    assert agent.state_changes.count() == 2


def test_same_state_again_is_a_no_op(make_user):
    # Given an agent already on a break
    agent = make_user("agent")
    first = services.agent_state_set(agent=agent, state=AgentState.BREAK)
    agent.refresh_from_db()
    since = agent.agent_state_since

    # When the same state is set again
    again = services.agent_state_set(agent=agent, state=AgentState.BREAK)

    # Then nothing is recorded and the "since" does not move
    assert again is None
    assert list(agent.state_changes.all()) == [first]
    agent.refresh_from_db()
    assert agent.agent_state_since == since


def test_stale_instance_does_not_fool_the_no_op_check(make_user):
    # Given an instance loaded before another request changed the state
    agent = make_user("agent")
    stale = type(agent).objects.get(pk=agent.pk)
    services.agent_state_set(agent=agent, state=AgentState.BREAK)

    # When the stale instance asks for "break" again
    result = services.agent_state_set(agent=stale, state=AgentState.BREAK)

    # Then the database state decides: no duplicate row
    assert result is None
    assert agent.state_changes.count() == 1


def test_unknown_state_names_the_allowed_ones(make_user):
    agent = make_user("agent")

    with pytest.raises(ValidationFailed) as raised:
        services.agent_state_set(agent=agent, state="napping")

    assert "napping" in raised.value.message
    for state in AgentState.values:
        assert state in raised.value.message
    assert raised.value.fields == {"state": ["Unknown state."]}
    assert not agent.state_changes.exists()


def test_late_event_does_not_overwrite_newer_state(make_user):
    # Given an agent who went available just now
    agent = make_user("agent")
    now = timezone.now()
    services.agent_state_set(agent=agent, state=AgentState.AVAILABLE, at=now)

    # When the phone system reports, late, that they were on a contact five minutes ago
    late = now - timedelta(minutes=5)
    with contextlib.suppress(ValidationFailed):  # refusing a late event is also acceptable
        services.agent_state_set(
            agent=agent, state=AgentState.ON_CONTACT, source="telephony", at=late
        )

    # Then the current state is still the newest one in the history
    agent.refresh_from_db()
    newest = agent.state_changes.first()
    assert (agent.agent_state, agent.agent_state_since) == (newest.state, newest.changed_at)
