"""The polls API: open polls for me, one poll, answering once, and results for readers."""

import pytest
from django.urls import reverse

from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.briefings.choices import PollStatus
from rapport.briefings.models import PollResponse
from rapport.briefings.services import polls as services
from rapport.briefings.tests.factories_polls import PollFactory, answers_for, open_poll

pytestmark = pytest.mark.django_db


def test_list_shows_open_polls_for_me_with_answered_flag(api_for, django_assert_max_num_queries):
    client, agent = api_for("agent")
    first, second = open_poll(), open_poll()
    open_poll(roles=["marketer"])
    PollFactory(status=PollStatus.DRAFT)
    services.poll_answer(poll=second, respondent=agent, data=answers_for(second))
    with django_assert_max_num_queries(30):
        response = client.get(reverse("api-polls"))
    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()}
    assert set(rows) == {first.pk, second.pk}
    assert rows[second.pk]["answered"] and not rows[first.pk]["answered"]
    assert len(rows[first.pk]["questions"]) == 3
    assert "<strong>" in rows[first.pk]["description_html"]


def test_detail_is_404_outside_the_audience(api_for):
    client, _ = api_for("agent")
    other = open_poll(roles=["marketer"])
    assert client.get(reverse("api-poll", args=[other.pk])).status_code == 404
    assert client.get(f"/api/v1/polls/{2**70}").status_code == 404


def test_answer_once_then_409(api_for):
    client, agent = api_for("agent")
    poll = open_poll()
    url = reverse("api-poll-responses", args=[poll.pk])
    body = {"answers": answers_for(poll, text="ok"), "seconds_taken": 25}
    created = client.post(url, body, format="json")
    assert created.status_code == 201 and created.json()["seconds_taken"] == 25
    again = client.post(url, body, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_answered"
    assert PollResponse.objects.filter(respondent=agent).count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"answers": "x"},
        {"answers": {"q1": {"nested": 1}}},
        {"answers": {}, "seconds_taken": -5},
        {"answers": {}, "seconds_taken": 10**30},
    ],
)
def test_bad_bodies_are_400_and_store_nothing(api_for, body):
    client, _ = api_for("agent")
    poll = open_poll()
    response = client.post(reverse("api-poll-responses", args=[poll.pk]), body, format="json")
    assert response.status_code == 400
    assert not PollResponse.objects.exists()


def test_wrong_answers_name_their_fields(api_for):
    client, _ = api_for("agent")
    poll = open_poll()
    rating = poll.questions.first()
    body = {"answers": {**answers_for(poll), f"q{rating.pk}": "7"}}
    response = client.post(reverse("api-poll-responses", args=[poll.pk]), body, format="json")
    assert response.status_code == 400
    assert f"q{rating.pk}" in response.json()["fields"]


def test_results_for_readers_only_and_scoped(api_for):
    supervisor_client, supervisor = api_for("supervisor")
    mine, theirs = TeamFactory.create(supervisor=supervisor), TeamFactory.create()
    poll = open_poll()
    for team in (mine, mine, mine, theirs, theirs, theirs):
        person = UserFactory(roles=["agent"], team=team)
        services.poll_answer(poll=poll, respondent=person, data=answers_for(poll, text="x"))
    url = reverse("api-poll-results", args=[poll.pk])
    agent_client, _ = api_for("agent")
    assert agent_client.get(url).status_code == 403
    body = supervisor_client.get(url).json()
    assert body["respondents"] == 3 and body["team_scope_limited"]
    trainer_client, _ = api_for("trainer")
    full = trainer_client.get(url).json()
    assert full["respondents"] == 6 and full["enough_data"]
    assert [g["label"] for g in full["questions"][0]["by_team"]] == sorted([mine.name, theirs.name])
    assert full["questions"][0]["overall"]["mean"]["n"] == 6
    draft = PollFactory(status=PollStatus.DRAFT)
    assert trainer_client.get(reverse("api-poll-results", args=[draft.pk])).status_code == 404
