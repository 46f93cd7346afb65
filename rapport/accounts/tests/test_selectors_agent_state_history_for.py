import pytest

from rapport.accounts import selectors, services
from rapport.core.errors import NotFound


@pytest.fixture
def agent_with_history(make_user, team_of):
    supervisor = make_user("supervisor")
    agent = make_user("agent", team=team_of(supervisor))
    for state in ["available", "on_contact", "wrap_up", "break"]:
        services.agent_state_set(agent=agent, state=state)
    return agent, supervisor


def test_agent_reads_own_history_newest_first(agent_with_history):
    agent, _ = agent_with_history

    history = selectors.agent_state_history_for(viewer=agent, agent=agent)

    assert [c.state for c in history] == ["break", "wrap_up", "on_contact", "available"]


def test_limit(agent_with_history):
    agent, _ = agent_with_history

    history = selectors.agent_state_history_for(viewer=agent, agent=agent, limit=2)

    assert [c.state for c in history] == ["break", "wrap_up"]


def test_supervisor_and_admin_may_read(agent_with_history, make_user):
    agent, supervisor = agent_with_history

    assert len(selectors.agent_state_history_for(viewer=supervisor, agent=agent)) == 4
    assert len(selectors.agent_state_history_for(viewer=make_user("admin"), agent=agent)) == 4


@pytest.mark.parametrize("role", ["agent", "supervisor", "trainer", "qa_analyst", "executive"])
def test_others_get_not_found(agent_with_history, make_user, role):
    agent, _ = agent_with_history
    other = make_user(role, team=agent.team if role == "agent" else None)

    with pytest.raises(NotFound):
        selectors.agent_state_history_for(viewer=other, agent=agent)
