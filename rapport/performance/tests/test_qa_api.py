"""The QA API: filters, bodies, errors (4xx, never 500) and query counts."""

import pytest
from rest_framework.test import APIClient

from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.performance.choices import DisputeStatus, EvaluationStatus
from rapport.performance.models import Dispute
from rapport.performance.services import qa as services
from rapport.performance.tests.factories_qa import (
    calibration_session,
    contact_of,
    evaluation,
    form_with,
    open_dispute,
    team_with_agent,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/qa/evaluations"


def test_the_list_filters_by_agent_and_status(api_for, make_user):
    client, analyst = api_for("qa_analyst")
    _, _, ada = team_with_agent()
    _, _, bo = team_with_agent()
    ada_done = evaluation(agent=ada, evaluator=analyst)
    ada_draft = evaluation(agent=ada, evaluator=analyst, status=EvaluationStatus.DRAFT)
    evaluation(agent=bo, evaluator=analyst)

    by_agent = client.get(LIST, {"agent": ada.pk}).json()
    drafts = client.get(LIST, {"agent": ada.pk, "status": "draft"}).json()

    assert {row["id"] for row in by_agent["results"]} == {ada_done.pk, ada_draft.pk}
    assert [row["id"] for row in drafts["results"]] == [ada_draft.pk]
    row = by_agent["results"][-1]
    assert row["score"] == 80.0 and row["agent"] == ada.pk and row["form_name"]


@pytest.mark.parametrize(
    "query",
    [
        {"agent": "abc"},
        {"agent": "0"},
        {"agent": "99999999999999999999"},
        {"status": "bogus"},
        {"page": "x"},
        {"page_size": "-1", "page": "0"},
    ],
)
def test_bad_list_filters_are_a_400_or_a_404_never_a_500(api_for, query):
    client, _ = api_for("qa_analyst")

    response = client.get(LIST, query)

    assert response.status_code in (400, 404)
    assert response.json()["code"]


def test_the_list_is_paginated_and_its_queries_do_not_grow(
    api_for, make_user, django_assert_max_num_queries
):
    client, lead = api_for("supervisor")
    team = TeamFactory(supervisor=lead)
    analyst = make_user("qa_analyst")

    def add(n):
        for _ in range(n):
            evaluation(agent=UserFactory(roles=["agent"], team=team), evaluator=analyst)

    add(2)
    with django_assert_max_num_queries(10) as few:
        assert client.get(LIST).json()["count"] == 2
    add(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(LIST, {"page_size": 5}).json()
    assert body["count"] == 12 and len(body["results"]) == 5


def test_the_detail_holds_answers_and_disputes(api_for, make_user):
    client, analyst = api_for("qa_analyst")
    _, _, agent = team_with_agent()
    scored = evaluation(agent=agent, evaluator=analyst, form=form_with(20, 0, auto_fail=(1,)))
    open_dispute(scored, reason="Hmm.")

    body = client.get(f"{LIST}/{scored.pk}").json()

    assert [(a["weight"], a["auto_fail"], a["answer"]) for a in body["answers"]] == [
        (20, False, "met"),
        (0, True, "met"),
    ]
    assert [d["reason"] for d in body["disputes"]] == ["Hmm."]
    assert client.get(f"{LIST}/99999999999999999999").status_code == 404


def test_raising_a_dispute(api_client_for_agent):
    client, scored = api_client_for_agent
    url = f"{LIST}/{scored.pk}/disputes"

    empty = client.post(url, {}, format="json")
    blank = client.post(url, {"reason": "   "}, format="json")
    made = client.post(url, {"reason": "I verified."}, format="json")
    again = client.post(url, {"reason": "Again."}, format="json")

    assert (empty.status_code, blank.status_code, made.status_code, again.status_code) == (
        400,
        400,
        201,
        409,
    )
    assert made.json()["status"] == "open" and again.json()["code"] == "dispute_open"


@pytest.fixture
def api_client_for_agent(make_user):
    _, _, agent = team_with_agent()
    scored = evaluation(agent=agent, evaluator=make_user("qa_analyst"))
    client = APIClient()
    client.force_authenticate(agent)
    return client, scored


@pytest.mark.parametrize(
    "body", [{}, {"upheld": "perhaps", "note": "x"}, {"upheld": True}, {"upheld": True, "note": ""}]
)
def test_deciding_with_a_bad_body_is_a_400(make_user, body):
    lead, _, agent = team_with_agent()
    dispute = open_dispute(evaluation(agent=agent, evaluator=make_user("qa_analyst")))
    client = APIClient()
    client.force_authenticate(lead)

    response = client.post(f"/api/v1/qa/disputes/{dispute.pk}/decide", body, format="json")

    assert response.status_code == 400
    assert Dispute.objects.get(pk=dispute.pk).status == DisputeStatus.OPEN


def test_deciding_twice_is_a_409(make_user):
    lead, _, agent = team_with_agent()
    dispute = open_dispute(evaluation(agent=agent, evaluator=make_user("qa_analyst")))
    client = APIClient()
    client.force_authenticate(lead)
    url = f"/api/v1/qa/disputes/{dispute.pk}/decide"

    first = client.post(url, {"upheld": False, "note": "Stands."}, format="json")
    second = client.post(url, {"upheld": True, "note": "Changed my mind."}, format="json")

    assert (first.status_code, second.status_code) == (200, 409)
    assert first.json()["status"] == "rejected"


def test_the_agreement_of_a_session(api_for, make_user):
    client, _analyst = api_for("qa_analyst")
    _, _, agent = team_with_agent()
    first, second = make_user("qa_analyst"), make_user("qa_analyst")
    form = form_with(50, 50)
    session = calibration_session(
        interaction=contact_of(agent), form=form, evaluators=[first, second]
    )
    ids = [c.pk for c in form.criteria.order_by("order")]
    for person, answers in ((first, ("met", "met")), (second, ("met", "not_met"))):
        mine = session.evaluations.get(evaluator=person)
        services.evaluation_answer_save(
            by=person,
            evaluation=mine,
            answers={i: (a, "") for i, a in zip(ids, answers, strict=True)},
        )
        services.evaluation_submit(by=person, evaluation=mine)

    body = client.get(f"/api/v1/qa/calibrations/{session.pk}/agreement").json()

    assert body["n"] == 2 and body["enough_data"] is True
    assert (body["score_min"], body["score_max"]) == (50.0, 100.0)
    assert body["score_sd"] == pytest.approx(35.355, abs=0.001)
    assert [c["share"] for c in body["criteria"]] == [1.0, 0.5]
    assert body["criteria"][1]["majority"] is None
    assert body["criteria"][0]["counts"] == {"met": 2, "not_met": 0, "na": 0}
    assert sorted(s["score"] for s in body["scores"]) == [50.0, 100.0]
    # Two evaluators, one disagreement on one of two criteria: alpha is defined, below 1.
    assert body["alpha"] is not None and body["alpha"] < 1
    assert client.get("/api/v1/qa/calibrations/999999/agreement").status_code == 404
