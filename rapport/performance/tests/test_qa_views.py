"""The QA pages: what each shows, the scoring flow, drawing samples, disputes, calibration; bad
input is a 400 with the reason on the form, never a 500; list pages keep their query counts."""

import datetime
import json
import re

import pytest
from django.utils import timezone

from rapport.core.models import AuditEvent
from rapport.interactions.tests.factories import MessageFactory
from rapport.performance.choices import DisputeStatus, EvaluationStatus
from rapport.performance.models import CalibrationSession, Dispute, Evaluation, QaSample
from rapport.performance.tests.factories_qa import (
    calibration_session,
    contact_of,
    evaluation,
    form_with,
    open_dispute,
    team_with_agent,
)

pytestmark = pytest.mark.django_db

QA = "/performance/qa/"


def _page(response) -> str:
    return response.content.decode()


# --- The QA page ---------------------------------------------------------------------------------


def test_qa_staff_see_their_drafts_recent_scores_and_open_disputes(client_for):
    client, analyst = client_for("qa_analyst")
    _, _, agent = team_with_agent(first_name="Ada", last_name="Byron")
    draft = evaluation(agent=agent, evaluator=analyst, status=EvaluationStatus.DRAFT)
    scored = evaluation(agent=agent, evaluator=analyst, score="72.50")
    open_dispute(scored)

    page = _page(client.get(QA))

    assert f"/performance/qa/evaluations/{draft.pk}/" in page
    assert "72.50" in page
    assert re.search(r'data-testid="open-disputes">1 open', page)
    assert 'name="per_agent"' in page


def test_an_agent_sees_their_own_evaluations_not_drafts_and_no_staff_panels(client_for, make_user):
    client, agent = client_for("agent")
    analyst = make_user("qa_analyst")
    mine = evaluation(agent=agent, evaluator=analyst, score="61.00")
    hidden = evaluation(agent=agent, evaluator=analyst, status=EvaluationStatus.DRAFT)
    someone_else = evaluation(agent=make_user("agent"), evaluator=analyst, score="99.00")

    page = _page(client.get(QA))

    assert f"/performance/qa/evaluations/{mine.pk}/" in page and "61.00" in page
    assert f"/performance/qa/evaluations/{hidden.pk}/" not in page
    assert "99.00" not in page and str(someone_else.pk) not in re.findall(
        r"evaluations/(\d+)/", page
    )
    assert 'name="per_agent"' not in page


def test_the_qa_page_queries_do_not_grow(client_for, make_user, django_assert_max_num_queries):
    client, analyst = client_for("qa_analyst", "agent")
    for _ in range(3):
        evaluation(agent=make_user("agent"), evaluator=analyst, status=EvaluationStatus.DRAFT)
        evaluation(agent=make_user("agent"), evaluator=analyst)
        evaluation(agent=analyst, evaluator=make_user("qa_analyst"))
    with django_assert_max_num_queries(25) as few:
        client.get(QA)
    for _ in range(6):
        evaluation(agent=make_user("agent"), evaluator=analyst, status=EvaluationStatus.DRAFT)
        evaluation(agent=make_user("agent"), evaluator=analyst)
        open_dispute(evaluation(agent=analyst, evaluator=make_user("qa_analyst")))

    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(QA).status_code == 200


@pytest.mark.parametrize("value", ["abc", "0", "99999999999999999999", "-3"])
def test_looking_up_a_contact_with_a_bad_number_is_a_400(client_for, value):
    client, _ = client_for("qa_analyst")

    response = client.get(QA, {"interaction": value})

    assert response.status_code == 400


def test_looking_up_a_contact_offers_to_start_an_evaluation(client_for):
    client, _ = client_for("qa_analyst")
    _, _, agent = team_with_agent()
    contact = contact_of(agent)

    page = _page(client.get(QA, {"interaction": contact.pk}))
    missing = client.get(QA, {"interaction": contact.pk + 1000})

    assert f"/performance/qa/evaluations/new/{contact.pk}/" in page
    assert missing.status_code == 400
    assert "There is no contact with this number" in _page(missing)


# --- Starting and scoring ------------------------------------------------------------------------


@pytest.fixture
def scoring(client_for):
    client, _analyst = client_for("qa_analyst")
    _, _, agent = team_with_agent()
    contact = contact_of(agent, channel="chat")
    MessageFactory(interaction=contact, side="customer", body_text="My card was blocked twice.")
    form = form_with(
        30, 70, 0, auto_fail=(2,), categories={0: "empathy", 1: "process", 2: "compliance"}
    )
    response = client.post(f"/performance/qa/evaluations/new/{contact.pk}/", {"form": form.pk})
    made = Evaluation.objects.get(interaction=contact)
    assert response.status_code == 302
    assert response["Location"] == f"/performance/qa/evaluations/{made.pk}/"
    ids = [c.pk for c in form.criteria.order_by("order")]
    return client, made, ids, contact


def test_the_scoring_form_shows_criteria_by_category_with_weights_and_the_contact(scoring):
    client, made, ids, _ = scoring

    page = _page(client.get(f"/performance/qa/evaluations/{made.pk}/"))

    for criterion_id in ids:
        for answer in ("met", "not_met", "na"):
            assert re.search(
                rf'name="c{criterion_id}"[^>]*value="{answer}"|value="{answer}"[^>]*name="c{criterion_id}"',
                page,
            )
    headings = re.findall(r'<h3 class="h6 mt-3">([^<]+)</h3>', page)
    assert headings == ["Process and accuracy", "Compliance", "Empathy"]
    assert "weight 70" in page and "auto-fail" in page
    assert "My card was blocked twice." in page


def test_saving_a_draft_keeps_the_answers(scoring):
    client, made, ids, _ = scoring

    response = client.post(
        f"/performance/qa/evaluations/{made.pk}/",
        {
            f"c{ids[0]}": "met",
            f"note{ids[0]}": "Warm.",
            "comments": "So far so good.",
            "action": "save",
        },
    )

    assert response.status_code == 302
    made.refresh_from_db()
    assert made.status == EvaluationStatus.DRAFT and made.comments == "So far so good."
    assert list(made.answers.values_list("answer", "comment")) == [("met", "Warm.")]


def test_submitting_with_criteria_left_is_a_400_and_keeps_what_was_given(scoring):
    client, made, ids, _ = scoring

    response = client.post(
        f"/performance/qa/evaluations/{made.pk}/", {f"c{ids[0]}": "met", "action": "submit"}
    )

    assert response.status_code == 400
    assert "Answer every criterion" in _page(response)
    made.refresh_from_db()
    assert made.status == EvaluationStatus.DRAFT and made.answers.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"action": "explode"},
        {"action": "submit", "c0": "met"},
        {"action": "save", "comments": "x" * 5000},
    ],
)
def test_bad_scoring_input_is_a_400(scoring, data):
    client, made, ids, _ = scoring
    data = {(f"c{ids[0]}" if k == "c0" else k): v for k, v in data.items()}
    data.setdefault(f"c{ids[1]}", "maybe")

    response = client.post(f"/performance/qa/evaluations/{made.pk}/", data)

    assert response.status_code == 400
    assert not made.answers.exists()


def test_submitting_scores_it_and_the_page_turns_read_only(scoring):
    client, made, ids, _ = scoring

    response = client.post(
        f"/performance/qa/evaluations/{made.pk}/",
        {f"c{ids[0]}": "not_met", f"c{ids[1]}": "met", f"c{ids[2]}": "met", "action": "submit"},
    )

    assert response.status_code == 302
    made.refresh_from_db()
    assert made.status == EvaluationStatus.SUBMITTED and str(made.score) == "70.00"
    page = _page(client.get(f"/performance/qa/evaluations/{made.pk}/"))
    assert 'data-testid="score">70.00' in page
    assert 'type="radio"' not in page


def test_starting_twice_is_a_409_and_a_bad_form_a_400(scoring):
    client, _, _, contact = scoring

    again = client.post(
        f"/performance/qa/evaluations/new/{contact.pk}/",
        {"form": Evaluation.objects.first().form_id},
    )
    bad = client.post(f"/performance/qa/evaluations/new/{contact.pk}/", {"form": "nope"})
    gone = client.post("/performance/qa/evaluations/new/999999/", {"form": 1})

    assert (again.status_code, bad.status_code, gone.status_code) == (409, 400, 404)


def test_someone_else_may_not_post_answers(scoring, client_for):
    _, made, ids, _ = scoring
    other, _ = client_for("qa_analyst")

    response = other.post(
        f"/performance/qa/evaluations/{made.pk}/", {f"c{ids[0]}": "met", "action": "save"}
    )

    assert response.status_code == 403
    assert not made.answers.exists()


# --- Disputes ------------------------------------------------------------------------------------


@pytest.fixture
def disputed(client_for, make_user):
    lead, _, agent = team_with_agent()
    analyst = make_user("qa_analyst")
    scored = evaluation(agent=agent, evaluator=analyst, score="35.00")
    return {"lead": lead, "agent": agent, "analyst": analyst, "evaluation": scored}


def test_the_agent_sees_a_dispute_form_and_raises_one(client, disputed):
    client.force_login(disputed["agent"])
    url = f"/performance/qa/evaluations/{disputed['evaluation'].pk}/"
    assert 'action="/performance/qa/evaluations/' in _page(client.get(url))

    empty = client.post(url + "dispute/", {"reason": "  "})
    sent = client.post(url + "dispute/", {"reason": "I verified the customer."})
    again = client.post(url + "dispute/", {"reason": "And again."})

    assert empty.status_code == 400
    assert sent.status_code == 302
    assert again.status_code == 409 and "already has an open dispute" in _page(again)
    assert Dispute.objects.get().reason == "I verified the customer."


def test_the_dispute_window_closing_is_explained(client, disputed):
    Evaluation.objects.filter(pk=disputed["evaluation"].pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=20)
    )
    client.force_login(disputed["agent"])
    url = f"/performance/qa/evaluations/{disputed['evaluation'].pk}/"

    assert "dispute/" not in _page(client.get(url))
    response = client.post(url + "dispute/", {"reason": "Late."})
    assert response.status_code == 400 and "window closed" in _page(response)


def test_the_supervisor_decides_on_the_disputes_page(client, disputed):
    dispute = open_dispute(disputed["evaluation"])
    client.force_login(disputed["lead"])

    page = _page(client.get("/performance/qa/disputes/"))
    assert f'action="/performance/qa/disputes/{dispute.pk}/decide/"' in page
    bad = client.post(f"/performance/qa/disputes/{dispute.pk}/decide/", {"decision": "uphold"})
    done = client.post(
        f"/performance/qa/disputes/{dispute.pk}/decide/", {"decision": "uphold", "note": "Fair."}
    )

    assert bad.status_code == 400
    assert done.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.UPHELD
    assert Evaluation.objects.get(pk=disputed["evaluation"].pk).status == EvaluationStatus.VOIDED


def test_deciding_an_already_decided_dispute_says_so(client, disputed):
    dispute = open_dispute(disputed["evaluation"])
    Dispute.objects.filter(pk=dispute.pk).update(status=DisputeStatus.REJECTED)
    client.force_login(disputed["lead"])

    response = client.post(
        f"/performance/qa/disputes/{dispute.pk}/decide/", {"decision": "uphold", "note": "x"}
    )

    assert response.status_code == 409
    assert "already been decided" in _page(response)
    assert Evaluation.objects.get(pk=disputed["evaluation"].pk).status == EvaluationStatus.SUBMITTED


def test_disputes_list_open_first_and_filter(client, disputed, make_user):
    decided = open_dispute(evaluation(agent=disputed["agent"], evaluator=disputed["analyst"]))
    Dispute.objects.filter(pk=decided.pk).update(status=DisputeStatus.REJECTED)
    waiting = open_dispute(disputed["evaluation"])
    client.force_login(disputed["lead"])

    page = _page(client.get("/performance/qa/disputes/"))
    rejected_only = _page(client.get("/performance/qa/disputes/", {"status": "rejected"}))

    assert page.index(f"dispute-{waiting.pk}") < page.index(f"dispute-{decided.pk}")
    assert f"dispute-{waiting.pk}" not in rejected_only and f"dispute-{decided.pk}" in rejected_only
    assert client.get("/performance/qa/disputes/", {"status": "bogus"}).status_code == 400


def test_the_disputes_page_queries_do_not_grow(client, disputed, django_assert_max_num_queries):
    client.force_login(disputed["lead"])
    for _ in range(2):
        open_dispute(evaluation(agent=disputed["agent"], evaluator=disputed["analyst"]))
    with django_assert_max_num_queries(20) as few:
        client.get("/performance/qa/disputes/")
    for _ in range(8):
        open_dispute(evaluation(agent=disputed["agent"], evaluator=disputed["analyst"]))

    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/performance/qa/disputes/").status_code == 200


# --- Samples -------------------------------------------------------------------------------------


def test_drawing_a_sample_from_the_page(client_for):
    client, _analyst = client_for("qa_analyst")
    _, _, agent = team_with_agent()
    today = timezone.localdate()
    for channel in ("phone", "chat"):
        for _ in range(3):
            contact_of(agent, channel=channel)
    form = form_with(10)

    response = client.post(
        "/performance/qa/samples/",
        {"form": form.pk, "period_start": today, "period_end": today, "per_agent": 4, "seed": 11},
    )

    assert response.status_code == 302
    sample = QaSample.objects.get()
    assert sample.seed == 11 and sample.evaluations.count() == 4
    assert sample.evaluations.filter(interaction__channel="phone").count() == 2
    assert AuditEvent.objects.filter(action="performance.qa_sample_drawn").exists()
    page = _page(client.get("/performance/qa/samples/"))
    assert "<code>11</code>" in page


@pytest.mark.parametrize(
    "change",
    [
        {"per_agent": 0},
        {"per_agent": "many"},
        {"period_end": "2020-01-01"},
        {"period_start": "yesterday"},
        {"seed": -5},
        {"seed": "99999999999999999999999"},
        {"form": 999999},
    ],
)
def test_bad_draw_input_is_a_400(client_for, change):
    client, _ = client_for("qa_analyst")
    today = timezone.localdate().isoformat()
    data = {"form": form_with(10).pk, "period_start": today, "period_end": today, "per_agent": 2}

    response = client.post("/performance/qa/samples/", {**data, **change})

    assert response.status_code == 400
    assert not QaSample.objects.exists()


def test_the_samples_page_queries_do_not_grow(client_for, django_assert_max_num_queries):
    client, analyst = client_for("qa_analyst")
    today = timezone.localdate()

    def draw(n):
        for _ in range(n):
            QaSample.objects.create(
                form=form_with(1), period_start=today, period_end=today, seed=1, drawn_by=analyst
            )

    draw(2)
    with django_assert_max_num_queries(20) as few:
        client.get("/performance/qa/samples/")
    draw(8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/performance/qa/samples/").status_code == 200


# --- Calibration ---------------------------------------------------------------------------------


def test_starting_a_calibration_session_from_the_page(client_for, make_user):
    client, _analyst = client_for("qa_analyst")
    _, _, agent = team_with_agent()
    contact = contact_of(agent)
    others = [make_user("qa_analyst"), make_user("supervisor")]
    form = form_with(10, 10)

    response = client.post(
        "/performance/qa/calibrations/",
        {
            "title": "April",
            "interaction": contact.pk,
            "form": form.pk,
            "evaluators": [o.pk for o in others],
        },
    )

    session = CalibrationSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/performance/qa/calibrations/{session.pk}/"
    assert set(session.evaluators.all()) == set(others)


@pytest.mark.parametrize(
    "change",
    [
        {"evaluators": "one"},
        {"interaction": 999999},
        {"interaction": "x"},
        {"title": ""},
        {"evaluators": "trainer"},
    ],
)
def test_bad_calibration_input_is_a_400(client_for, make_user, change):
    client, _ = client_for("qa_analyst")
    _, _, agent = team_with_agent()
    pair = [make_user("qa_analyst").pk, make_user("qa_analyst").pk]
    data = {
        "title": "T",
        "interaction": contact_of(agent).pk,
        "form": form_with(10).pk,
        "evaluators": pair,
    }
    if change.get("evaluators") == "one":
        change = {"evaluators": pair[:1]}
    elif change.get("evaluators") == "trainer":
        change = {"evaluators": [pair[0], make_user("trainer").pk]}

    response = client.post("/performance/qa/calibrations/", {**data, **change})

    assert response.status_code == 400
    assert not CalibrationSession.objects.exists()


def test_a_calibration_session_is_blind_then_shows_agreement_and_a_chart(client, make_user):
    _, _, agent = team_with_agent()
    first, second = make_user("qa_analyst"), make_user("qa_analyst")
    form = form_with(50, 50)
    session = calibration_session(
        interaction=contact_of(agent), form=form, evaluators=[first, second], created_by=first
    )
    ids = [c.pk for c in form.criteria.order_by("order")]
    url = f"/performance/qa/calibrations/{session.pk}/"
    client.force_login(first)

    blind = _page(client.get(url))
    assert 'data-testid="blind"' in blind and 'data-testid="agreement"' not in blind
    mine = session.evaluations.get(evaluator=first)
    done = client.post(
        f"/performance/qa/evaluations/{mine.pk}/",
        {f"c{ids[0]}": "met", f"c{ids[1]}": "met", "action": "submit"},
    )
    assert done["Location"] == url
    client.force_login(second)
    theirs = session.evaluations.get(evaluator=second)
    client.post(
        f"/performance/qa/evaluations/{theirs.pk}/",
        {f"c{ids[0]}": "met", f"c{ids[1]}": "not_met", "action": "submit"},
    )

    page = _page(client.get(url))
    assert 'data-testid="agreement"' in page
    chart = json.loads(
        re.search(r'id="qa-calibration-chart" type="application/json">(.*?)</script>', page).group(
            1
        )
    )
    assert sorted(chart["scores"]) == [50.0, 100.0]
    assert re.search(r'data-testid="spread">50.0–100.0', page)


def test_closing_a_session_from_the_page(client, make_user):
    _, _, agent = team_with_agent()
    creator, other = make_user("qa_analyst"), make_user("qa_analyst")
    session = calibration_session(
        interaction=contact_of(agent),
        form=form_with(10),
        evaluators=[creator, other],
        created_by=creator,
    )
    client.force_login(creator)

    response = client.post(f"/performance/qa/calibrations/{session.pk}/")
    again = client.post(f"/performance/qa/calibrations/{session.pk}/")

    assert response.status_code == 302 and again.status_code == 409
    session.refresh_from_db()
    assert session.closed_at is not None
    assert (
        "not enough data"
        in _page(client.get(f"/performance/qa/calibrations/{session.pk}/")).lower()
    )


def test_the_calibrations_page_queries_do_not_grow(
    client_for, make_user, django_assert_max_num_queries
):
    client, analyst = client_for("qa_analyst")
    _, _, agent = team_with_agent()

    def start(n):
        for _ in range(n):
            calibration_session(
                interaction=contact_of(agent),
                form=form_with(1),
                evaluators=[analyst, make_user("qa_analyst")],
            )

    start(2)
    with django_assert_max_num_queries(25) as few:
        client.get("/performance/qa/calibrations/")
    start(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/performance/qa/calibrations/").status_code == 200
