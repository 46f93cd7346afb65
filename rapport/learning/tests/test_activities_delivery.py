"""Idle-time delivery: never during a contact, only when free, in order, capped per hour,
time-boxed, paused by a contact and resumed after it."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.access.choices import Channel
from rapport.access.tests.factories import QueueFactory
from rapport.accounts.choices import AgentState
from rapport.accounts.tests.factories import TeamFactory
from rapport.briefings.models import BriefingDelivery, PollResponse
from rapport.core.errors import Conflict
from rapport.interactions.choices import Direction
from rapport.interactions.models import Interaction
from rapport.learning.choices import ActivityKind, ActivityStatus, AssignmentStatus
from rapport.learning.models import Activity, Assignment, LearningSettings
from rapport.learning.selectors import activities as selectors
from rapport.learning.services import activities as services
from rapport.learning.services import reviews as review_services
from rapport.learning.tests.factories_learning import module_with_questions
from rapport.learning.tests.factories_reviews import (
    T0,
    agent_in,
    assignment_for,
    briefing_for,
    call_offered,
    poll_for,
    reviews_for,
    set_state,
)

pytestmark = pytest.mark.django_db
MIN = datetime.timedelta(minutes=1)
DAY = datetime.timedelta(days=1)
NOW = T0 + 2 * DAY


def all_kinds(agent):
    """One piece of pending work of every kind (reviews due at NOW)."""
    return {
        "overdue": briefing_for(agent, due_at=NOW - DAY, title="Overdue"),
        "later": briefing_for(agent, due_at=NOW + 3 * DAY, title="Not yet due"),
        "reviews": reviews_for(agent, n=5),
        "assignment": assignment_for(agent),
        "poll": poll_for(agent),
    }


def finish(activity: Activity, at) -> None:
    """Do what the activity asked, through the records the work writes."""
    if activity.kind == ActivityKind.BRIEFING:
        BriefingDelivery.objects.filter(briefing=activity.briefing, agent=activity.agent).update(
            understood_at=at
        )
    elif activity.kind == ActivityKind.MODULE:
        Assignment.objects.filter(pk=activity.assignment_id).update(
            status=AssignmentStatus.COMPLETED, completed_at=at
        )
    elif activity.kind == ActivityKind.POLL:
        PollResponse.objects.create(poll=activity.poll, respondent=activity.agent, role="agent")
    else:
        for item in activity.review_items.all():
            review_services.review_answer(item=item, correct=True, at=at)


@pytest.mark.parametrize("state", [AgentState.ON_CONTACT, AgentState.BREAK, AgentState.OFFLINE])
def test_nothing_comes_while_busy_away_or_offline(state):
    agent = agent_in(state)
    all_kinds(agent)
    assert services.next_activity(agent=agent, now=NOW) is None
    assert not Activity.objects.filter(agent=agent).exists()


@pytest.mark.parametrize("state", [AgentState.IDLE, AgentState.WRAP_UP, AgentState.AVAILABLE])
def test_free_states_get_work(state):
    agent = agent_in(state)
    all_kinds(agent)
    activity = services.next_activity(agent=agent, now=NOW)
    assert activity is not None and activity.status == ActivityStatus.ACTIVE


def test_work_comes_in_order_one_after_another():
    agent = agent_in("idle")
    work = all_kinds(agent)
    LearningSettings.objects.create(activities_per_hour=10, review_burst=3)
    got = []
    at = NOW
    for _ in range(6):
        activity = services.next_activity(agent=agent, now=at)
        if activity is None:
            break
        got.append((activity.kind, activity.briefing_id))
        finish(activity, at + MIN)
        at += 2 * MIN
    overdue, later = work["overdue"].briefing_id, work["later"].briefing_id
    assert got == [
        (ActivityKind.BRIEFING, overdue),
        (ActivityKind.REVIEW, None),
        (ActivityKind.REVIEW, None),
        (ActivityKind.MODULE, None),
        (ActivityKind.BRIEFING, later),
        (ActivityKind.POLL, None),
    ]
    assert services.next_activity(agent=agent, now=at) is None
    assert Activity.objects.filter(agent=agent, status=ActivityStatus.DONE).count() == 6


def test_a_review_burst_holds_the_configured_number_of_due_questions():
    agent = agent_in("idle")
    reviews_for(agent, n=5)
    LearningSettings.objects.create(review_burst=2)
    activity = services.next_activity(agent=agent, now=NOW)
    assert activity.kind == ActivityKind.REVIEW
    assert activity.review_items.count() == 2
    assert activity.seconds_allowed == LearningSettings.objects.get().review_seconds


def test_available_with_a_call_ringing_or_unwrapped_gets_nothing():
    agent = agent_in("available")
    reviews_for(agent, n=2)
    call_offered(agent, started_at=NOW - MIN)
    assert services.next_activity(agent=agent, now=NOW) is None

    other = agent_in("available")
    reviews_for(other, n=2)
    call_offered(other, started_at=NOW - 5 * MIN, answered=True, ended=True)
    assert services.next_activity(agent=other, now=NOW) is None


def test_available_after_wrap_up_abandon_or_an_old_forgotten_contact_gets_work():
    for kwargs in (
        {"answered": True, "ended": True, "wrapped": True, "started_at": NOW - 5 * MIN},
        {"ended": True, "started_at": NOW - 5 * MIN},
        {"answered": True, "started_at": NOW - DAY},
    ):
        agent = agent_in("available")
        reviews_for(agent, n=1)
        call_offered(agent, **kwargs)
        assert services.next_activity(agent=agent, now=NOW) is not None, kwargs


def waiting_in_queue(queue, *, started_at, **fields) -> Interaction:
    """A call waiting in the queue: not answered, not ended, offered to nobody yet."""
    values = {"channel": Channel.PHONE, "direction": Direction.INBOUND, **fields}
    return Interaction.objects.create(queue=queue, started_at=started_at, **values)


def team_agent(state=AgentState.AVAILABLE):
    team = TeamFactory()
    agent = agent_in(state, team=team)
    reviews_for(agent, n=1)
    return agent, QueueFactory(team=team)


def test_available_with_a_contact_waiting_in_the_teams_queue_gets_nothing():
    agent, queue = team_agent()
    call = waiting_in_queue(queue, started_at=NOW - MIN)
    assert selectors.contact_waiting_for(agent=agent, now=NOW) is True
    assert services.next_activity(agent=agent, now=NOW) is None
    assert not Activity.objects.filter(agent=agent).exists()

    Interaction.objects.filter(pk=call.pk).update(ended_at=NOW)  # the caller hung up
    assert services.next_activity(agent=agent, now=NOW + MIN) is not None


def test_a_queued_contact_pauses_the_activity_under_way():
    agent, queue = team_agent()
    activity = services.next_activity(agent=agent, now=NOW)
    second = datetime.timedelta(seconds=1)
    waiting_in_queue(queue, started_at=NOW + 10 * second)
    assert services.next_activity(agent=agent, now=NOW + 20 * second) is None
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PAUSED


@pytest.mark.parametrize(
    "fields",
    [
        {"answered_at": NOW - MIN},
        {"ended_at": NOW - MIN},
        {"started_at": NOW - selectors.QUEUE_HORIZON - MIN},
        {"channel": Channel.EMAIL},
        {"direction": Direction.OUTBOUND},
        {"other_team": True},
        {"other_agent": True},
    ],
    ids=str,
)
def test_contacts_that_do_not_wait_for_the_agent_leave_them_free(fields):
    agent, queue = team_agent()
    fields = dict(fields)
    if fields.pop("other_team", False):
        queue = QueueFactory()
    if fields.pop("other_agent", False):
        fields["agent"] = agent_in(AgentState.AVAILABLE, team=agent.team)
    waiting_in_queue(queue, **{"started_at": NOW - 2 * MIN, **fields})
    assert selectors.contact_waiting_for(agent=agent, now=NOW) is False
    assert services.next_activity(agent=agent, now=NOW) is not None


@pytest.mark.parametrize("state", [AgentState.IDLE, AgentState.WRAP_UP])
def test_idle_and_wrap_up_are_free_whatever_waits_in_the_queue(state):
    agent, queue = team_agent(state)
    waiting_in_queue(queue, started_at=NOW - MIN)
    assert services.next_activity(agent=agent, now=NOW) is not None


def test_a_module_gets_at_least_its_own_minutes():
    LearningSettings.objects.create(module_seconds=600)
    long_one, short_one = agent_in("idle"), agent_in("idle")
    assignment_for(long_one, module_with_questions(2, minutes=30))
    assignment_for(short_one, module_with_questions(2, minutes=5))

    long_activity = services.next_activity(agent=long_one, now=NOW)
    short_activity = services.next_activity(agent=short_one, now=NOW)

    assert long_activity.kind == short_activity.kind == ActivityKind.MODULE
    assert long_activity.seconds_allowed == 30 * 60
    assert short_activity.seconds_allowed == 600
    # Still under way after the center's 10 minutes.
    assert services.next_activity(agent=long_one, now=NOW + 20 * MIN).pk == long_activity.pk


def test_a_contact_pauses_the_activity_and_the_same_one_resumes_with_its_time():
    agent = agent_in("idle")
    reviews_for(agent, n=3)
    first = services.next_activity(agent=agent, now=NOW)
    set_state(agent, AgentState.ON_CONTACT)

    assert services.next_activity(agent=agent, now=NOW + 30 * datetime.timedelta(seconds=1)) is None
    first.refresh_from_db()
    assert first.status == ActivityStatus.PAUSED and first.seconds_used == 30

    set_state(agent, AgentState.WRAP_UP)
    resumed = services.next_activity(agent=agent, now=NOW + 10 * MIN)
    assert resumed.pk == first.pk and resumed.status == ActivityStatus.ACTIVE
    assert selectors.seconds_left(resumed, now=NOW + 10 * MIN) == first.seconds_allowed - 30


def test_the_time_box_runs_out_and_the_work_comes_back_later():
    agent = agent_in("idle")
    reviews_for(agent, n=2)
    first = services.next_activity(agent=agent, now=NOW)
    after_box = NOW + datetime.timedelta(seconds=first.seconds_allowed + 1)

    assert services.next_activity(agent=agent, now=after_box) is None
    first.refresh_from_db()
    assert first.status == ActivityStatus.TIMED_OUT and first.seconds_used == first.seconds_allowed

    again = services.next_activity(agent=agent, now=after_box + selectors.HOLD_BACK + MIN)
    assert again.kind == ActivityKind.REVIEW and again.pk != first.pk
    assert set(again.review_items.all()) == set(first.review_items.all())


def test_the_hourly_cap_holds_and_frees_up_after_an_hour():
    agent = agent_in("idle")
    LearningSettings.objects.create(activities_per_hour=2)
    for _ in range(4):
        assignment_for(agent)
    at = NOW
    for _ in range(2):
        finish(services.next_activity(agent=agent, now=at), at)
        at += MIN
    assert services.next_activity(agent=agent, now=at) is None
    assert services.next_activity(agent=agent, now=NOW + 61 * MIN) is not None


def test_a_skip_ends_it_counts_towards_the_cap_and_holds_the_work_back():
    agent = agent_in("idle")
    delivery = briefing_for(agent, due_at=NOW - DAY)
    poll_for(agent)
    activity = services.next_activity(agent=agent, now=NOW)
    services.activity_skip(activity=activity, at=NOW + MIN)
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.SKIPPED

    after = services.next_activity(agent=agent, now=NOW + 2 * MIN)
    assert after.kind == ActivityKind.POLL
    with pytest.raises(Conflict):
        services.activity_skip(activity=activity, at=NOW + 3 * MIN)
    finish(after, NOW + 3 * MIN)
    back = services.next_activity(agent=agent, now=NOW + selectors.HOLD_BACK + 5 * MIN)
    assert back.briefing_id == delivery.briefing_id


def test_later_on_finished_work_counts_it_as_done():
    """The agent answered the poll, then pressed "Later" before the panel moved on."""
    agent = agent_in("idle")
    poll_for(agent)
    activity = services.next_activity(agent=agent, now=NOW)
    finish(activity, NOW + MIN)
    services.activity_skip(activity=activity, at=NOW + 2 * MIN)
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.DONE


def test_explicit_pause_from_the_desktop():
    agent = agent_in("idle")
    poll_for(agent)
    activity = services.next_activity(agent=agent, now=NOW)
    paused = services.activity_pause(agent=agent, at=NOW + 10 * datetime.timedelta(seconds=1))
    assert paused.pk == activity.pk and paused.status == ActivityStatus.PAUSED
    assert services.activity_pause(agent=agent, at=NOW + MIN).status == ActivityStatus.PAUSED


def test_work_withdrawn_meanwhile_ends_the_activity():
    agent = agent_in("idle")
    assignment = assignment_for(agent)
    activity = services.next_activity(agent=agent, now=NOW)
    Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.DISMISSED)
    assert services.next_activity(agent=agent, now=NOW + MIN) is None
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.SKIPPED


def test_a_briefing_shown_counts_as_opened():
    agent = agent_in("idle")
    delivery = briefing_for(agent, due_at=NOW - DAY)
    services.next_activity(agent=agent, now=NOW)
    delivery.refresh_from_db()
    assert delivery.opened_at is not None


# --- The property the issue asks for -----------------------------------------------------------------

STATES = st.sampled_from(list(AgentState.values))
# A contact waiting while the step is taken: none, a call ringing at the agent's desk (a screen
# pop), one waiting in their team's queue, or one in another team's queue (which never counts).
WAITING = st.sampled_from([None, "ringing", "queue", "other_queue"])
STEP = st.tuples(STATES, st.integers(min_value=1, max_value=900), st.booleans(), WAITING)


def contact_waiting(kind, *, agent, queues, at) -> Interaction | None:
    if kind is None:
        return None
    if kind == "ringing":
        return call_offered(agent, started_at=at - datetime.timedelta(seconds=5))
    queue = queues[0] if kind == "queue" else queues[1]
    return waiting_in_queue(queue, started_at=at - datetime.timedelta(seconds=20))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(STEP, min_size=1, max_size=25),
    per_hour=st.integers(min_value=1, max_value=4),
    reviews=st.integers(min_value=0, max_value=6),
    modules=st.integers(min_value=0, max_value=2),
    briefings=st.integers(min_value=0, max_value=2),
    polls=st.integers(min_value=0, max_value=1),
)
def test_never_during_a_contact_capped_and_resumed_after_a_contact(
    steps, per_hour, reviews, modules, briefings, polls
):
    LearningSettings.objects.all().delete()
    LearningSettings.objects.create(activities_per_hour=per_hour, review_burst=2)
    team = TeamFactory()
    agent = agent_in(AgentState.IDLE, team=team)
    queues = (QueueFactory(team=team), QueueFactory())
    if reviews:
        reviews_for(agent, n=reviews)
    for _ in range(modules):
        assignment_for(agent)
    for index in range(briefings):
        briefing_for(agent, due_at=NOW + (index - 1) * DAY, title=f"B{index}")
    for _ in range(polls):
        poll_for(agent)

    at = NOW
    held_before_contact = None
    for state, gap, do_it, waiting in steps:
        at += datetime.timedelta(seconds=gap)
        set_state(agent, state)
        contact = contact_waiting(waiting, agent=agent, queues=queues, at=at)
        open_before = selectors.open_activity_of(agent=agent)
        activity = services.next_activity(agent=agent, now=at)
        # Gone before the next step (the caller hung up): it never waits past its own step.
        if contact is not None:
            Interaction.objects.filter(pk=contact.pk).update(ended_at=at)
        busy = state in (AgentState.ON_CONTACT, AgentState.BREAK, AgentState.OFFLINE) or (
            state == AgentState.AVAILABLE and waiting in ("ringing", "queue")
        )
        if busy:
            assert activity is None
            assert not Activity.objects.filter(agent=agent, status=ActivityStatus.ACTIVE).exists()
            if open_before is not None and state in (AgentState.ON_CONTACT, AgentState.AVAILABLE):
                held_before_contact = open_before.pk
        else:
            assert (
                activity is not None
                or Activity.objects.filter(
                    agent=agent, status__in=[ActivityStatus.ACTIVE, ActivityStatus.PAUSED]
                ).count()
                == 0
            )
            if activity is not None and held_before_contact is not None:
                previous = Activity.objects.get(pk=held_before_contact)
                if previous.status in (ActivityStatus.ACTIVE, ActivityStatus.PAUSED):
                    assert activity.pk == held_before_contact
            held_before_contact = None
            if activity is not None and do_it:
                finish(activity, at)
        starts = sorted(Activity.objects.filter(agent=agent).values_list("started_at", flat=True))
        for index, start in enumerate(starts):
            in_hour = [s for s in starts[: index + 1] if s > start - datetime.timedelta(hours=1)]
            assert len(in_hour) <= per_hour
        assert (
            Activity.objects.filter(
                agent=agent, status__in=[ActivityStatus.ACTIVE, ActivityStatus.PAUSED]
            ).count()
            <= 1
        )
