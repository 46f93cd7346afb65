"""Many agents' state changes at once, under agent_state_set's rules."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rapport.accounts import services
from rapport.accounts.models import AgentStateChange
from rapport.accounts.services import StateMove
from rapport.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db
T0 = timezone.now() - timedelta(hours=1)


def at(minutes: int):
    return T0 + timedelta(minutes=minutes)


def history(agent) -> list[tuple[str, str]]:
    return list(
        AgentStateChange.objects.filter(agent=agent)
        .order_by("changed_at", "id")
        .values_list("previous_state", "state")
    )


def test_each_agents_moves_are_chained_in_time_order(make_user):
    ana, ben = make_user("agent"), make_user("agent")
    moves = [
        StateMove(ana.pk, "wrap_up", at(5)),
        StateMove(ben.pk, "on_contact", at(2)),
        StateMove(ana.pk, "on_contact", at(1)),
    ]

    changes = services.agent_states_record(moves=moves, source="telephony")

    assert len(changes) == 3
    assert history(ana) == [("offline", "on_contact"), ("on_contact", "wrap_up")]
    assert history(ben) == [("offline", "on_contact")]
    ana.refresh_from_db()
    assert (ana.agent_state, ana.agent_state_since) == ("wrap_up", at(5))
    assert AgentStateChange.objects.filter(source="telephony").count() == 3


def test_a_move_older_than_the_current_state_is_skipped_not_refused(make_user):
    agent = make_user("agent")
    services.agent_state_set(agent=agent, state="break", at=at(30))

    changes = services.agent_states_record(
        moves=[StateMove(agent.pk, "on_contact", at(10)), StateMove(agent.pk, "wrap_up", at(40))],
        source="telephony",
    )

    assert [(c.previous_state, c.state) for c in changes] == [("break", "wrap_up")]
    agent.refresh_from_db()
    assert (agent.agent_state, agent.agent_state_since) == ("wrap_up", at(40))


def test_moving_to_the_current_state_records_nothing(make_user):
    agent = make_user("agent")
    services.agent_state_set(agent=agent, state="on_contact", at=at(0))

    changes = services.agent_states_record(
        moves=[StateMove(agent.pk, "on_contact", at(3))], source="telephony"
    )

    assert changes == []
    agent.refresh_from_db()
    assert agent.agent_state_since == at(0)


def test_an_unknown_state_is_refused_and_nothing_is_recorded(make_user):
    agent = make_user("agent")

    with pytest.raises(ValidationFailed):
        services.agent_states_record(
            moves=[StateMove(agent.pk, "on_contact", at(1)), StateMove(agent.pk, "asleep", at(2))],
            source="telephony",
        )

    assert not AgentStateChange.objects.exists()
