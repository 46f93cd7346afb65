"""POST /api/v1/cases/<id>/escalate, /status, /assign: 404 for who may not read the case, 403 for
who may read but not work it, 400 naming the field for bad input."""

import pytest
from rest_framework.test import APIClient

from rapport.access.tests.factories import QueueFactory
from rapport.cases.models import Escalation
from rapport.cases.tests.factories import CaseFactory, EscalationReasonFactory
from rapport.interactions.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def front_line():
    return QueueFactory(name="Front line", tier=1)


@pytest.fixture
def second_line():
    return QueueFactory(name="Second line", tier=2)


@pytest.fixture
def case(front_line):
    return CaseFactory(queue=front_line, tier=1, status="new")


@pytest.fixture
def worker(api_for, front_line):
    return api_for("agent", team=front_line.team)


@pytest.fixture
def reason():
    return EscalationReasonFactory(name="Needs authority", preventable=True)


def url(case, action: str) -> str:
    return f"/api/v1/cases/{case.pk}/{action}"


def handoff(queue, why, **changes) -> dict:
    return {
        "to_queue": queue.pk,
        "reason": why.pk,
        "customer_needs": "A refund of the double charge.",
        "tried": "Checked both payments.",
    } | changes


# --- Escalate -----------------------------------------------------------------------------------------


def test_escalate_is_201_with_the_escalation(worker, make_user, case, second_line, reason):
    api, me = worker
    specialist = make_user("agent", team=second_line.team)
    contact = InteractionFactory(customer=case.customer, case=case)

    response = api.post(
        url(case, "escalate"),
        handoff(
            second_line,
            reason,
            promised="A call by Friday.",
            to_agent=specialist.pk,
            interaction=contact.pk,
        ),
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    escalation = Escalation.objects.get()
    assert body["id"] == escalation.pk
    assert (body["case"], body["to_queue"], body["to_agent"], body["interaction"]) == (
        case.pk,
        second_line.pk,
        specialist.pk,
        contact.pk,
    )
    assert (body["preventable"], body["reason_name"], body["escalated_by"]) == (
        True,
        "Needs authority",
        me.pk,
    )
    assert body["promised"] == "A call by Friday."


@pytest.mark.parametrize("missing", ["customer_needs", "tried"])
@pytest.mark.parametrize("value", [None, "", "   "])
def test_escalate_without_needs_or_tried_is_400(worker, case, second_line, reason, missing, value):
    api, _ = worker
    payload = handoff(second_line, reason)
    if value is None:
        del payload[missing]
    else:
        payload[missing] = value

    response = api.post(url(case, "escalate"), payload, format="json")

    assert response.status_code == 400
    assert missing in response.json()["fields"]
    assert not Escalation.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"to_queue": 999999}, "to_queue"),
        ({"reason": 999999}, "reason"),
        ({"to_agent": 999999}, "to_agent"),
        ({"interaction": 999999}, "interaction"),
        ({"to_queue": "second"}, "to_queue"),
    ],
)
def test_escalate_with_unknown_references_is_400(worker, case, second_line, reason, changes, field):
    api, _ = worker

    response = api.post(
        url(case, "escalate"), handoff(second_line, reason, **changes), format="json"
    )

    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_escalate_naming_another_cases_contact_is_400(worker, case, second_line, reason):
    api, _ = worker
    elsewhere = InteractionFactory(case=CaseFactory())

    response = api.post(
        url(case, "escalate"), handoff(second_line, reason, interaction=elsewhere.pk), format="json"
    )

    assert response.status_code == 400 and "interaction" in response.json()["fields"]


def test_escalate_to_its_own_queue_or_with_a_retired_reason_is_400(
    worker, case, front_line, second_line
):
    api, _ = worker
    retired = EscalationReasonFactory(is_active=False)

    same = api.post(
        url(case, "escalate"), handoff(front_line, EscalationReasonFactory()), format="json"
    )
    old = api.post(url(case, "escalate"), handoff(second_line, retired), format="json")

    assert same.status_code == 400 and "to_queue" in same.json()["fields"]
    assert old.status_code == 400 and "reason" in old.json()["fields"]


@pytest.mark.parametrize("role", ["agent", "supervisor", "qa_analyst"])
def test_escalate_by_a_reader_who_may_not_work_it_is_403(api_for, case, second_line, reason, role):
    api, _ = api_for(role)  # no team, or a role that does not work cases

    response = api.post(url(case, "escalate"), handoff(second_line, reason), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not Escalation.objects.exists()


def test_403_comes_before_looking_at_the_payload(api_for, case):
    api, _ = api_for("agent")

    response = api.post(url(case, "escalate"), {}, format="json")

    assert response.status_code == 403


@pytest.mark.parametrize("role", ["trainer", "marketer", "executive"])
@pytest.mark.parametrize("action", ["escalate", "status", "assign"])
def test_those_who_may_not_read_it_get_404(api_for, case, second_line, reason, role, action):
    api, _ = api_for(role)

    response = api.post(url(case, action), handoff(second_line, reason), format="json")

    assert response.status_code == 404


@pytest.mark.parametrize("action", ["escalate", "status", "assign"])
def test_anonymous_is_401(case, action):
    assert APIClient().post(url(case, action), {}, format="json").status_code == 401


@pytest.mark.parametrize("action", ["escalate", "status", "assign"])
def test_an_unknown_case_is_404(worker, action):
    api, _ = worker

    assert api.post(f"/api/v1/cases/999999/{action}", {}, format="json").status_code == 404


def test_admin_escalates_any_case(api_for, case, second_line, reason):
    api, _ = api_for("admin")

    response = api.post(url(case, "escalate"), handoff(second_line, reason), format="json")

    assert response.status_code == 201


# --- Status -------------------------------------------------------------------------------------------


def test_status_change_returns_the_case(worker, case):
    api, _ = worker

    response = api.post(url(case, "status"), {"status": "waiting"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "waiting" and body["paused_at"] is not None
    case.refresh_from_db()
    assert case.status == "waiting"


def test_a_transition_that_is_not_allowed_is_400(worker, case):
    api, _ = worker
    case.status = "closed"
    case.save()

    response = api.post(url(case, "status"), {"status": "waiting"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "bad_transition"
    assert "status" in response.json()["fields"]


def test_an_unknown_status_is_400(worker, case):
    api, _ = worker

    response = api.post(url(case, "status"), {"status": "lost"}, format="json")

    assert response.status_code == 400 and "status" in response.json()["fields"]


@pytest.mark.parametrize("role", ["agent", "qa_analyst"])
def test_status_by_a_reader_who_may_not_work_it_is_403(api_for, case, role):
    api, _ = api_for(role)

    assert api.post(url(case, "status"), {"status": "open"}, format="json").status_code == 403


# --- Assign -------------------------------------------------------------------------------------------


def test_assign_to_me_to_a_mate_and_back_to_the_queue(worker, make_user, front_line, case):
    api, me = worker
    mate = make_user("agent", team=front_line.team)

    to_me = api.post(url(case, "assign"), {"assignee": me.pk}, format="json")
    to_mate = api.post(url(case, "assign"), {"assignee": mate.pk}, format="json")
    back = api.post(url(case, "assign"), {"assignee": None}, format="json")

    assert (to_me.status_code, to_me.json()["assignee"], to_me.json()["status"]) == (
        200,
        me.pk,
        "open",
    )
    assert to_mate.json()["assignee"] == mate.pk
    assert back.json()["assignee"] is None


@pytest.mark.parametrize("who", ["outsider", "unknown", "inactive"])
def test_assign_to_someone_outside_the_team_is_400(worker, make_user, front_line, case, who):
    api, _ = worker
    people = {
        "outsider": lambda: make_user("agent").pk,
        "unknown": lambda: 999999,
        "inactive": lambda: make_user("agent", team=front_line.team, is_active=False).pk,
    }

    response = api.post(url(case, "assign"), {"assignee": people[who]()}, format="json")

    assert response.status_code == 400 and "assignee" in response.json()["fields"]
    case.refresh_from_db()
    assert case.assignee is None


def test_assign_needs_the_field(worker, case):
    api, _ = worker

    response = api.post(url(case, "assign"), {}, format="json")

    assert response.status_code == 400 and "assignee" in response.json()["fields"]


def test_assign_by_a_reader_who_may_not_work_it_is_403(api_for, case):
    api, me = api_for("agent")

    assert api.post(url(case, "assign"), {"assignee": me.pk}, format="json").status_code == 403
