"""How long a review answer took is measured on the server: from when the question can first have
been in front of the agent, never counting time on a contact, and a client's figure only ever
lengthens it. A burst whose time box ran out still takes the answer the agent finishes."""

import datetime

import pytest
from rest_framework.test import APIClient

from rapport.accounts.choices import AgentState
from rapport.core.errors import Conflict
from rapport.learning import reinforcement
from rapport.learning.choices import ActivityStatus
from rapport.learning.models import Activity, LearningSettings
from rapport.learning.services import activities as activity_services
from rapport.learning.services import reviews as services
from rapport.learning.tests.factories_reviews import (
    T0,
    agent_in,
    assignment_for,
    call_offered,
    reviews_for,
    set_state,
)

pytestmark = pytest.mark.django_db
SECOND = datetime.timedelta(seconds=1)
NOW = T0 + datetime.timedelta(days=2)


def burst(agent, n=2) -> Activity:
    reviews_for(agent, n=n)
    activity = activity_services.next_activity(agent=agent, now=NOW)
    assert activity is not None and activity.kind == "review"
    return activity


def items_of(activity: Activity):
    return list(activity.review_items.order_by("due_at", "id"))


def test_the_time_runs_from_when_the_server_showed_the_question():
    agent = agent_in(AgentState.IDLE)
    first, _ = items_of(burst(agent))
    log = services.review_answer(
        item=first, correct=True, shown_at=NOW + 10 * SECOND, at=NOW + 25 * SECOND
    )
    assert log.seconds_taken == 15


def test_time_on_a_contact_does_not_count():
    """Shown, then a call: the card waits on the desktop (idle.js keeps it) and the answer comes
    after the call. Only the time since the burst resumed counts."""
    agent = agent_in(AgentState.IDLE)
    first, _ = items_of(burst(agent))
    set_state(agent, AgentState.ON_CONTACT)
    assert activity_services.next_activity(agent=agent, now=NOW + 5 * SECOND) is None
    set_state(agent, AgentState.WRAP_UP)
    activity_services.next_activity(agent=agent, now=NOW + 300 * SECOND)

    log = services.review_answer(item=first, correct=True, shown_at=NOW, at=NOW + 306 * SECOND)
    assert log.seconds_taken == 6
    assert log.rating == int(reinforcement.Rating.Easy)


def test_the_next_question_of_a_burst_counts_from_the_previous_answer():
    agent = agent_in(AgentState.IDLE)
    first, second = items_of(burst(agent))
    services.review_answer(item=first, correct=True, at=NOW + 20 * SECOND)
    log = services.review_answer(item=second, correct=True, at=NOW + 26 * SECOND)
    assert log.seconds_taken == 6


@pytest.mark.parametrize(("claimed", "kept"), [(None, 10), (2, 10), (25, 25)])
def test_a_client_figure_only_lengthens_the_measure(claimed, kept):
    agent = agent_in(AgentState.IDLE)
    first, _ = items_of(burst(agent))
    log = services.review_answer(
        item=first, correct=True, seconds_taken=claimed, at=NOW + 10 * SECOND
    )
    assert log.seconds_taken == kept


def test_a_shown_time_before_the_burst_or_in_the_future_does_not_stretch_it():
    agent = agent_in(AgentState.IDLE)
    first, second = items_of(burst(agent))
    early = services.review_answer(
        item=first, correct=True, shown_at=NOW - 600 * SECOND, at=NOW + 10 * SECOND
    )
    later = services.review_answer(
        item=second, correct=True, shown_at=NOW + 900 * SECOND, at=NOW + 14 * SECOND
    )
    assert (early.seconds_taken, later.seconds_taken) == (10, 4)


def test_past_an_hour_the_time_is_no_measure():
    agent = agent_in(AgentState.IDLE)
    LearningSettings.objects.create(review_seconds=2 * services.MAX_SECONDS)
    (item,) = items_of(burst(agent, n=1))
    log = services.review_answer(
        item=item, correct=True, at=NOW + (services.MAX_SECONDS + 5) * SECOND
    )
    assert log.seconds_taken is None
    assert log.rating == int(reinforcement.Rating.Good)


def test_the_api_measures_and_ignores_a_quicker_claim():
    agent = agent_in(AgentState.IDLE)
    reviews_for(agent, n=1, at=datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(days=3))
    client = APIClient()
    client.force_authenticate(user=agent)
    body = client.get("/api/v1/agents/me/next-activity").json()
    # The burst started a minute ago (as if the agent had looked at it that long).
    started = datetime.datetime.now(tz=datetime.UTC) - 60 * SECOND
    Activity.objects.filter(pk=body["id"]).update(started_at=started, resumed_at=started)
    item_id = body["review_questions"][0]["id"]
    right = (
        Activity.objects.get(pk=body["id"]).review_items.get().question.choices.get(is_correct=True)
    )
    answer = client.post(
        f"/api/v1/agents/me/reviews/{item_id}", {"choices": [right.pk], "seconds": 1}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json()["rating"] == int(reinforcement.Rating.Hard)  # 60 s, not the 1 s claimed


# --- Finishing after the time box ran out ----------------------------------------------------------


def timed_out(agent) -> tuple[Activity, datetime.datetime]:
    activity = burst(agent)
    after = NOW + (activity.seconds_allowed + 5) * SECOND
    # The desktop still shows the question: it asks with ?shown, so nothing new starts.
    assert activity_services.next_activity(agent=agent, now=after, start_new=False) is None
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.TIMED_OUT
    return activity, after


def test_the_question_on_screen_when_time_ran_out_can_still_be_answered():
    agent = agent_in(AgentState.IDLE)
    activity, after = timed_out(agent)
    first, _second = items_of(activity)
    log = services.review_answer(item=first, correct=True, at=after + 30 * SECOND)
    assert log.correct and log.item_id == first.pk
    first.refresh_from_db()
    assert first.reps == 1


def test_after_the_grace_or_once_other_work_started_it_is_refused():
    agent = agent_in(AgentState.IDLE)
    activity, after = timed_out(agent)
    first, second = items_of(activity)
    with pytest.raises(Conflict):
        services.review_answer(
            item=first, correct=True, at=after + services.FINISH_GRACE + 5 * SECOND
        )

    assignment_for(agent)
    moved_on = activity_services.next_activity(agent=agent, now=after + 10 * SECOND)
    assert moved_on is not None and moved_on.kind == "module"
    with pytest.raises(Conflict):
        services.review_answer(item=second, correct=True, at=after + 20 * SECOND)


def test_a_ringing_call_still_stops_answers_to_a_timed_out_burst():
    agent = agent_in(AgentState.IDLE)
    activity, after = timed_out(agent)
    call_offered(agent, started_at=after)
    with pytest.raises(Conflict):
        services.review_answer(item=items_of(activity)[0], correct=True, at=after + 5 * SECOND)


def test_asked_while_the_desktop_shows_an_activity_nothing_new_starts():
    agent = agent_in(AgentState.IDLE)
    reviews_for(agent, n=1)
    assert activity_services.next_activity(agent=agent, now=NOW, start_new=False) is None
    assert not Activity.objects.filter(agent=agent).exists()
    started = activity_services.next_activity(agent=agent, now=NOW)
    kept = activity_services.next_activity(agent=agent, now=NOW + SECOND, start_new=False)
    assert started is not None and kept.pk == started.pk
