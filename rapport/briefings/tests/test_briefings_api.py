"""Briefings API: one's own briefings only, reading opens, acknowledging, the check's answer with
explanations, and bad payloads answered 400 (never 500)."""

import pytest

from rapport.briefings.tests.factories_briefings import (
    delivery_of,
    published,
    right_answers,
    wrong_answers,
)

pytestmark = pytest.mark.django_db


def _answers(answers):
    return {"answers": {str(qid): choices for qid, choices in answers.items()}}


def test_list_and_detail_show_only_ones_own(api_for, make_user, django_assert_max_num_queries):
    client, agent = api_for("agent")
    trainer = make_user("trainer")
    mine = [published(author=trainer, agents=[agent], questions=1) for _ in range(3)]
    others = published(author=trainer, agents=[make_user("agent")])

    with django_assert_max_num_queries(4):
        listed = client.get("/api/v1/briefings/")
    assert listed.status_code == 200
    assert {row["id"] for row in listed.json()["results"]} == {b.pk for b in mine}
    assert listed.json()["results"][0]["progress"] == "not_opened"

    detail = client.get(f"/api/v1/briefings/{mine[0].pk}")
    body = detail.json()
    assert detail.status_code == 200 and body["opened_at"] is not None
    assert "<strong>new</strong>" in body["body_html"]
    assert "is_correct" not in str(body["questions"])
    assert client.get(f"/api/v1/briefings/{others.pk}").status_code == 404
    assert client.get(f"/api/v1/briefings/{2**63}").status_code == 404


def test_check_fails_with_explanations_then_passes(api_for, make_user):
    client, agent = api_for("agent")
    briefing = published(author=make_user("trainer"), agents=[agent], questions=2)
    url = f"/api/v1/briefings/{briefing.pk}/check"

    failed = client.post(url, _answers(wrong_answers(briefing)), format="json").json()
    assert failed["passed"] is False and failed["score"] == 0
    assert [m["explanation"] for m in failed["missed"]] == [
        "Because: Question 0?",
        "Because: Question 1?",
    ]
    assert failed["delivery"]["progress"] == "failed"
    assert "correct" not in failed["missed"][0]

    passed = client.post(url, _answers(right_answers(briefing)), format="json").json()
    assert passed["passed"] is True and passed["delivery"]["progress"] == "understood"
    again = client.post(url, _answers(right_answers(briefing)), format="json")
    assert again.status_code == 409


def test_acknowledge(api_for, make_user):
    client, agent = api_for("agent")
    briefing = published(author=make_user("trainer"), agents=[agent])
    response = client.post(f"/api/v1/briefings/{briefing.pk}/acknowledge")
    assert response.status_code == 200 and response.json()["progress"] == "understood"
    assert delivery_of(briefing, agent).acknowledged_at is not None
    info = published(author=make_user("trainer"), agents=[agent], requires_ack=False)
    assert client.post(f"/api/v1/briefings/{info.pk}/acknowledge").status_code == 409


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"answers": []},
        {"answers": {"abc": [1]}},
        {"answers": {"1": ["x"]}},
        {"answers": {"1": [2**70]}},
        {"answers": {"1": 5}},
        {"answers": {str(n): [1] for n in range(1, 40)}},
    ],
)
def test_bad_check_payloads_are_400(api_for, make_user, payload):
    client, agent = api_for("agent")
    briefing = published(author=make_user("trainer"), agents=[agent], questions=1)
    response = client.post(f"/api/v1/briefings/{briefing.pk}/check", payload, format="json")
    assert response.status_code == 400
    assert delivery_of(briefing, agent).attempts == 0


def test_anonymous_is_refused(client):
    assert client.get("/api/v1/briefings/").status_code in (401, 403)
