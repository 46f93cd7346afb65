"""The idle-time API: next activity (200 / 204), skip, and answering a review question."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from rapport.accounts.choices import AgentState
from rapport.learning.choices import ActivityStatus
from rapport.learning.models import Activity, LearningSettings, ReviewItem, ReviewLog
from rapport.learning.tests.factories_reviews import agent_in, poll_for, reviews_for, set_state

pytestmark = pytest.mark.django_db
NEXT = "/api/v1/agents/me/next-activity"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def due_reviews(agent, n=2) -> list[ReviewItem]:
    items = reviews_for(agent, n=n, at=timezone.now() - timezone.timedelta(days=3))
    return items


def test_next_activity_gives_the_activity_and_204_during_a_contact():
    agent = agent_in(AgentState.IDLE)
    items = due_reviews(agent)
    client = api(agent)

    first = client.get(NEXT)
    assert first.status_code == 200
    body = first.json()
    assert body["kind"] == "review" and body["status"] == "active"
    assert 0 < body["seconds_left"] <= body["seconds_allowed"]
    assert {q["id"] for q in body["review_questions"]} == {i.pk for i in items}
    assert body["url"] == "/learning/idle/"

    set_state(agent, AgentState.ON_CONTACT)
    assert client.get(NEXT).status_code == 204
    assert Activity.objects.get(pk=body["id"]).status == ActivityStatus.PAUSED

    set_state(agent, AgentState.WRAP_UP)
    assert client.get(NEXT).json()["id"] == body["id"]


def test_nothing_waiting_is_204():
    assert api(agent_in(AgentState.IDLE)).get(NEXT).status_code == 204


@pytest.mark.parametrize("role", ["trainer", "executive", "marketer", "qa_analyst"])
def test_people_without_a_desktop_are_refused(make_user, role):
    user = make_user(role)
    response = api(user).get(NEXT)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_anonymous_is_refused():
    assert APIClient().get(NEXT).status_code in (401, 403)


def test_skip_is_mine_only_and_once():
    agent, other = agent_in(AgentState.IDLE), agent_in(AgentState.IDLE)
    poll_for(agent)
    activity_id = api(agent).get(NEXT).json()["id"]
    url = f"/api/v1/agents/me/activities/{activity_id}/skip"

    assert api(other).post(url).status_code == 404
    done = api(agent).post(url)
    assert done.status_code == 200 and done.json()["status"] == "skipped"
    assert api(agent).post(url).status_code == 409
    assert (
        api(agent).post("/api/v1/agents/me/activities/99999999999999999999/skip").status_code == 404
    )


def test_answering_a_review_question():
    agent, other = agent_in(AgentState.IDLE), agent_in(AgentState.IDLE)
    (item,) = due_reviews(agent, n=1)
    right = next(c.pk for c in item.question.choices.all() if c.is_correct)
    wrong = next(c.pk for c in item.question.choices.all() if not c.is_correct)
    url = f"/api/v1/agents/me/reviews/{item.pk}"
    assert api(agent).get(NEXT).json()["kind"] == "review"

    assert api(other).post(url, {"choices": [right]}, format="json").status_code == 404
    bad = api(agent).post(url, {"choices": ["x"], "seconds": -4}, format="json")
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"choices.0", "seconds"}
    assert api(agent).post(url, {"seconds": 10**15}, format="json").status_code == 400
    assert not ReviewLog.objects.exists()

    answer = api(agent).post(url, {"choices": [wrong], "seconds": 12}, format="json")
    assert answer.status_code == 200
    assert answer.json()["correct"] is False and answer.json()["rating"] == 1
    assert answer.json()["explanation"] == item.question.explanation
    assert ReviewLog.objects.filter(item=item).count() == 1


def test_a_review_answer_sent_twice_is_recorded_once():
    agent = agent_in(AgentState.IDLE)
    (item,) = due_reviews(agent, n=1)
    right = next(c.pk for c in item.question.choices.all() if c.is_correct)
    wrong = next(c.pk for c in item.question.choices.all() if not c.is_correct)
    client = api(agent)
    client.get(NEXT)
    url = f"/api/v1/agents/me/reviews/{item.pk}"

    first = client.post(url, {"choices": [right], "seconds": 5}, format="json")
    second = client.post(url, {"choices": [wrong], "seconds": 6}, format="json")

    assert first.status_code == second.status_code == 200
    assert second.json() == first.json() and first.json()["rating"] == 4
    assert ReviewLog.objects.filter(item=item).count() == 1
    assert ReviewItem.objects.get(pk=item.pk).reps == 1


def test_a_review_answer_during_a_contact_or_outside_the_burst_is_409_and_changes_nothing():
    agent = agent_in(AgentState.IDLE)
    items = due_reviews(agent, n=3)
    LearningSettings.objects.create(review_burst=2)
    client = api(agent)
    burst = client.get(NEXT).json()
    in_burst = [q["id"] for q in burst["review_questions"]]
    (outside,) = [i for i in items if i.pk not in in_burst]
    right = next(c.pk for c in outside.question.choices.all() if c.is_correct)

    refused = client.post(
        f"/api/v1/agents/me/reviews/{outside.pk}", {"choices": [right]}, format="json"
    )
    assert refused.status_code == 409 and refused.json()["code"] == "conflict"

    set_state(agent, AgentState.ON_CONTACT)
    on_contact = ReviewItem.objects.get(pk=in_burst[0])
    choice = next(c.pk for c in on_contact.question.choices.all() if c.is_correct)
    during = client.post(
        f"/api/v1/agents/me/reviews/{on_contact.pk}", {"choices": [choice]}, format="json"
    )
    assert during.status_code == 409
    assert not ReviewLog.objects.exists()
    assert set(ReviewItem.objects.values_list("reps", flat=True)) == {0}


def test_a_review_question_not_due_is_409():
    agent = agent_in(AgentState.IDLE)
    (item,) = due_reviews(agent, n=1)
    client = api(agent)
    client.get(NEXT)
    ReviewItem.objects.filter(pk=item.pk).update(due_at=timezone.now() + timezone.timedelta(days=1))
    right = next(c.pk for c in item.question.choices.all() if c.is_correct)
    answer = client.post(
        f"/api/v1/agents/me/reviews/{item.pk}", {"choices": [right]}, format="json"
    )
    assert answer.status_code == 409 and "not due" in answer.json()["message"]
    assert not ReviewLog.objects.exists()
