"""Who sees and does what in QA, for every role on every QA page and API endpoint.

Blue's agent was evaluated (one submitted evaluation with an open dispute, one draft) by a QA
analyst; Red is another team with its own supervisor and agent. A calibration session on a Blue
contact has two other QA analysts in it. Pages outside a role's set answer 403 (the role's page);
a record outside the viewer's reach answers 404; an action on a visible record the viewer may not
take answers 403.
"""

from types import SimpleNamespace

import pytest
from django.test import Client
from rest_framework.test import APIClient

from rapport.accounts.tests.factories import UserFactory
from rapport.performance.choices import DisputeStatus, EvaluationStatus
from rapport.performance.models import Dispute, Evaluation
from rapport.performance.tests.factories_qa import (
    calibration_session,
    contact_of,
    evaluation,
    form_with,
    open_dispute,
    team_with_agent,
)

pytestmark = pytest.mark.django_db

VISITORS = [
    "agent",  # Blue's agent, the one evaluated
    "lead",  # Blue's supervisor
    "red_agent",
    "red_lead",
    "analyst",  # the evaluator
    "other_analyst",
    "admin",
    "trainer",
    "marketer",
    "executive",
    "anonymous",
]


@pytest.fixture
def world():
    lead, _, agent = team_with_agent()
    red_lead, _, red_agent = team_with_agent()
    people = {
        "agent": agent,
        "lead": lead,
        "red_agent": red_agent,
        "red_lead": red_lead,
        "analyst": UserFactory(roles=["qa_analyst"]),
        "other_analyst": UserFactory(roles=["qa_analyst"]),
        "admin": UserFactory(roles=["admin"]),
        "trainer": UserFactory(roles=["trainer"]),
        "marketer": UserFactory(roles=["marketer"]),
        "executive": UserFactory(roles=["executive"]),
    }
    submitted = evaluation(agent=agent, evaluator=people["analyst"], score="55.00")
    draft = evaluation(agent=agent, evaluator=people["analyst"], status=EvaluationStatus.DRAFT)
    dispute = open_dispute(submitted)
    session = calibration_session(
        interaction=contact_of(agent),
        form=form_with(10, 10),
        evaluators=[UserFactory(roles=["qa_analyst"]), UserFactory(roles=["qa_analyst"])],
        created_by=people["other_analyst"],
    )
    return SimpleNamespace(
        people=people,
        submitted=submitted,
        draft=draft,
        dispute=dispute,
        session=session,
        contact=contact_of(agent),
    )


def _client(world, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(world.people[who])
    return client


def _api(world, who: str) -> APIClient:
    client = APIClient()
    if who != "anonymous":
        client.force_authenticate(world.people[who])
    return client


def _expect(table: dict[str, int], default: int):
    return [(who, table.get(who, default)) for who in VISITORS]


LOGIN = 302
ROLE_PAGE = {"trainer": 403, "marketer": 403, "executive": 403, "anonymous": LOGIN}
STAFF_PAGE = {**ROLE_PAGE, "agent": 403, "red_agent": 403}


# --- Pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "status"), _expect(ROLE_PAGE, 200))
def test_the_qa_page(world, who, status):
    assert _client(world, who).get("/performance/qa/").status_code == status


@pytest.mark.parametrize(("who", "status"), _expect(STAFF_PAGE, 200))
def test_the_samples_page(world, who, status):
    assert _client(world, who).get("/performance/qa/samples/").status_code == status


@pytest.mark.parametrize(("who", "status"), _expect(STAFF_PAGE, 200))
def test_the_calibrations_page(world, who, status):
    assert _client(world, who).get("/performance/qa/calibrations/").status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    _expect({**STAFF_PAGE, "lead": 200, "red_lead": 404}, 200),
)
def test_a_calibration_session_page(world, who, status):
    url = f"/performance/qa/calibrations/{world.session.pk}/"
    assert _client(world, who).get(url).status_code == status


@pytest.mark.parametrize(
    ("who", "status"), _expect({**ROLE_PAGE, "red_agent": 404, "red_lead": 404}, 200)
)
def test_a_submitted_evaluation_page(world, who, status):
    response = _client(world, who).get(f"/performance/qa/evaluations/{world.submitted.pk}/")

    assert response.status_code == status
    if status == 200:
        assert "55.00" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    _expect({**ROLE_PAGE, "agent": 404, "red_agent": 404, "red_lead": 404}, 200),
)
def test_a_draft_is_never_shown_to_the_agent(world, who, status):
    url = f"/performance/qa/evaluations/{world.draft.pk}/"
    assert _client(world, who).get(url).status_code == status


@pytest.mark.parametrize(("who", "status"), _expect(ROLE_PAGE, 200))
def test_the_disputes_page_lists_only_what_the_viewer_may_see(world, who, status):
    response = _client(world, who).get("/performance/qa/disputes/")

    assert response.status_code == status
    if status == 200:
        listed = f"dispute-{world.dispute.pk}" in response.content.decode()
        assert listed == (who in {"agent", "lead", "analyst", "other_analyst", "admin"})


@pytest.mark.parametrize(
    ("who", "status"),
    _expect(
        {**ROLE_PAGE, "lead": 302, "admin": 302, "red_agent": 404, "red_lead": 404},
        403,
    ),
)
def test_deciding_a_dispute_page(world, who, status):
    response = _client(world, who).post(
        f"/performance/qa/disputes/{world.dispute.pk}/decide/",
        {"decision": "uphold", "note": "Agreed."},
    )

    assert response.status_code == status
    decided = Dispute.objects.get(pk=world.dispute.pk).status == DisputeStatus.UPHELD
    assert decided == (status == 302 and who != "anonymous")


@pytest.mark.parametrize(
    ("who", "status"),
    _expect({**ROLE_PAGE, "agent": 302, "red_agent": 404, "red_lead": 404}, 403),
)
def test_raising_a_dispute_page(world, who, status):
    Dispute.objects.all().delete()
    response = _client(world, who).post(
        f"/performance/qa/evaluations/{world.submitted.pk}/dispute/", {"reason": "I verified."}
    )

    assert response.status_code == status
    assert Dispute.objects.exists() == (who == "agent")


@pytest.mark.parametrize(
    ("who", "status"),
    # Red's supervisor may read the contact but evaluates only their own team.
    _expect({**STAFF_PAGE, "analyst": 302, "other_analyst": 302, "admin": 302, "lead": 302}, 403),
)
def test_starting_an_evaluation_page(world, who, status):
    form = world.submitted.form
    response = _client(world, who).post(
        f"/performance/qa/evaluations/new/{world.contact.pk}/", {"form": form.pk}
    )

    assert response.status_code == status
    made = Evaluation.objects.filter(interaction=world.contact).exists()
    assert made == (status == 302 and who != "anonymous")


# --- API -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("agent", {"submitted"}),
        ("lead", {"submitted", "draft", "calibration"}),
        ("red_agent", set()),
        ("red_lead", set()),
        ("analyst", {"submitted", "draft", "calibration"}),
        ("admin", {"submitted", "draft", "calibration"}),
        ("trainer", set()),
        ("marketer", set()),
        ("executive", set()),
    ],
)
def test_the_evaluation_list_api_is_scoped(world, who, expected):
    response = _api(world, who).get("/api/v1/qa/evaluations")

    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    names = {
        "submitted": {world.submitted.pk},
        "draft": {world.draft.pk},
        "calibration": set(world.session.evaluations.values_list("pk", flat=True)),
    }
    assert ids == set().union(*(names[n] for n in expected))


def test_the_evaluation_list_api_needs_a_login(world):
    assert _api(world, "anonymous").get("/api/v1/qa/evaluations").status_code in (401, 403)


@pytest.mark.parametrize(
    ("who", "status"),
    _expect({"agent": 200, "lead": 200, "analyst": 200, "other_analyst": 200, "admin": 200}, 404),
)
def test_the_evaluation_api(world, who, status):
    if who == "anonymous":
        status = 401
    response = _api(world, who).get(f"/api/v1/qa/evaluations/{world.submitted.pk}")

    assert response.status_code in ((401, 403) if status == 401 else (status,))
    if status == 200:
        assert len(response.json()["answers"]) == 2


@pytest.mark.parametrize(
    ("who", "status"),
    _expect({"agent": 201, "lead": 403, "analyst": 403, "other_analyst": 403, "admin": 403}, 404),
)
def test_the_dispute_raise_api(world, who, status):
    Dispute.objects.all().delete()
    response = _api(world, who).post(
        f"/api/v1/qa/evaluations/{world.submitted.pk}/disputes", {"reason": "x"}, format="json"
    )

    assert response.status_code in ((401, 403) if who == "anonymous" else (status,))
    assert Dispute.objects.exists() == (status == 201)


@pytest.mark.parametrize(
    ("who", "status"),
    _expect({"lead": 200, "admin": 200, "agent": 403, "analyst": 403, "other_analyst": 403}, 404),
)
def test_the_dispute_decide_api(world, who, status):
    response = _api(world, who).post(
        f"/api/v1/qa/disputes/{world.dispute.pk}/decide",
        {"upheld": True, "note": "Agreed."},
        format="json",
    )

    assert response.status_code in ((401, 403) if who == "anonymous" else (status,))
    voided = Evaluation.objects.get(pk=world.submitted.pk).status == EvaluationStatus.VOIDED
    assert voided == (status == 200)


@pytest.mark.parametrize(
    ("who", "status"),
    _expect({"lead": 200, "analyst": 200, "other_analyst": 200, "admin": 200}, 404),
)
def test_the_calibration_agreement_api(world, who, status):
    response = _api(world, who).get(f"/api/v1/qa/calibrations/{world.session.pk}/agreement")

    assert response.status_code in ((401, 403) if who == "anonymous" else (status,))
    if status == 200:
        assert response.json()["enough_data"] is False


def test_a_blind_evaluator_is_told_to_submit_first(world):
    evaluator = world.session.evaluators.first()
    client = APIClient()
    client.force_authenticate(evaluator)

    response = client.get(f"/api/v1/qa/calibrations/{world.session.pk}/agreement")

    assert response.status_code == 403
    assert response.json()["code"] == "calibration_blind"
