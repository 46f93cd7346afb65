"""The actions on the case page: status, assign, priority, reply, escalate. Each is an htmx POST
answered by its own section (fresh, or with the errors in place) and, on success, the case's other
sections out-of-band; without htmx the same forms post and come back to the page."""

import json
import re
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils.html import escape

from rapport.access.tests.factories import QueueFactory
from rapport.cases import errors
from rapport.cases.models import Case, Escalation
from rapport.cases.tests.factories import CaseFactory, EscalationReasonFactory
from rapport.customers.tests.factories import ContactPointFactory

pytestmark = pytest.mark.django_db

NOT_YOURS = escape(errors.NOT_YOURS)

HTMX = {"HX-Request": "true"}


class RefusingBackend(BaseEmailBackend):
    """A mail server that says no (what leaves the machine is the only thing faked)."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"ada@example.com": (550, b"No such user")})


@pytest.fixture
def front_line():
    return QueueFactory(name="Front line", tier=1)


@pytest.fixture
def second_line():
    return QueueFactory(name="Second line", tier=2)


@pytest.fixture
def case(front_line):
    case = CaseFactory(queue=front_line, tier=1, status="new", subject="Router keeps dropping")
    ContactPointFactory(customer=case.customer, value="ada@example.com")
    return case


@pytest.fixture
def worker(client_for, front_line):
    """A logged-in agent of the team owning the case's queue."""
    client, user = client_for("agent", team=front_line.team, first_name="Wes", last_name="Worker")
    return client, user


@pytest.fixture
def reason():
    return EscalationReasonFactory(name="Needs a technician")


def post(client, case, action: str, data: dict, *, htmx: bool = True):
    return client.post(f"/cases/{case.pk}/{action}/", data, headers=HTMX if htmx else {})


def section(page: str, case, name: str) -> str:
    """The HTML of one section of the answer, from its opening tag to the next section."""
    start = page.index(f'id="case-{case.pk}-{name}"')
    start = page.rindex("<", 0, start)
    ends = [page.find("<section", start + 1), page.find('<form id="case-', start + 1)]
    ends = [e for e in ends if e != -1]
    return page[start : min(ends)] if ends else page[start:]


# --- Status -----------------------------------------------------------------------------------------


def test_status_change_answers_with_the_actions_and_refreshes_the_rest(worker, case):
    client, _ = worker

    response = post(client, case, "status", {"status": "waiting"})

    assert response.status_code == 200
    case.refresh_from_db()
    assert case.status == "waiting" and case.paused_at is not None
    page = response.content.decode()
    actions = section(page, case, "actions")
    assert "hx-swap-oob" not in actions[: actions.index(">")]
    for name in ("summary", "chain", "history", "events"):
        assert re.search(rf'id="case-{case.pk}-{name}"[^>]*hx-swap-oob="true"', page), name
    assert "Clocks paused since" in section(page, case, "summary")
    assert "Status changed." in section(page, case, "summary")
    assert "new → waiting" in section(page, case, "events")
    assert json.loads(response["HX-Trigger"]) == {"caseUpdated": {"case": case.pk}}


def test_status_change_without_htmx_comes_back_to_the_page(worker, case):
    client, _ = worker

    response = post(client, case, "status", {"status": "open"}, htmx=False)

    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert "Status changed." in client.get(response["Location"]).content.decode()


def test_a_status_not_allowed_from_here_is_refused_in_place(worker, case):
    client, _ = worker
    Case.objects.filter(pk=case.pk).update(status="closed")

    response = post(client, case, "status", {"status": "waiting"})

    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith(f'<section id="case-{case.pk}-actions"')
    assert "is-invalid" in page or "invalid-feedback" in page
    assert "hx-swap-oob" not in page
    assert "HX-Trigger" not in response
    case.refresh_from_db()
    assert case.status == "closed"


def test_without_htmx_a_refusal_is_the_page_with_the_errors(worker, case):
    client, _ = worker

    response = post(client, case, "status", {"status": "lost"}, htmx=False)

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


# --- Who may act -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("status", {"status": "open"}),
        ("assign", {"assignee": "me"}),
        ("priority", {"priority": "high"}),
        ("reply", {"text": "Hello"}),
    ],
)
def test_a_case_worker_of_another_team_is_told_plainly(client_for, case, action, data):
    client, _ = client_for("agent")  # no team: may read the case, not work it

    refused = post(client, case, action, data)
    refused_page = post(client, case, action, data, htmx=False)

    assert refused.status_code == 200
    assert NOT_YOURS in refused.content.decode()
    assert refused_page.status_code == 403
    assert NOT_YOURS in refused_page.content.decode()
    case.refresh_from_db()
    assert (case.status, case.assignee, case.priority) == ("new", None, "normal")
    assert mail.outbox == []


def test_escalation_by_someone_of_another_team_is_refused(client_for, case, second_line, reason):
    client, _ = client_for("supervisor")

    response = post(client, case, "escalate", _handoff(second_line, reason))

    assert NOT_YOURS in response.content.decode()
    assert not Escalation.objects.exists()


@pytest.mark.parametrize("role", ["qa_analyst", "trainer", "marketer", "executive"])
@pytest.mark.parametrize("action", ["status", "assign", "priority", "reply", "escalate"])
def test_roles_that_do_not_work_cases_get_the_not_permitted_page(client_for, case, role, action):
    client, _ = client_for(role)

    response = post(client, case, action, {}, htmx=False)

    assert response.status_code == 403
    assert "not part of your role" in response.content.decode()


@pytest.mark.parametrize("action", ["status", "assign", "priority", "reply", "escalate"])
def test_anonymous_is_sent_to_log_in(client, case, action):
    response = post(client, case, action, {})

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_get_is_not_an_action(worker, case):
    client, _ = worker

    assert client.get(f"/cases/{case.pk}/status/").status_code == 405


def test_an_unknown_case_is_404(worker):
    client, _ = worker

    assert client.post("/cases/999999/status/", {"status": "open"}).status_code == 404


def test_the_supervisor_of_the_owning_team_may_work_it(client_for, make_user, front_line, case):
    client, lead = client_for("supervisor")
    front_line.team.supervisor = lead
    front_line.team.save()

    post(client, case, "priority", {"priority": "urgent"})

    case.refresh_from_db()
    assert case.priority == "urgent"


# --- Assign and priority ------------------------------------------------------------------------------


def test_assign_to_me_a_mate_and_back_to_the_queue(worker, make_user, front_line, case):
    client, me = worker
    mate = make_user("agent", team=front_line.team)

    post(client, case, "assign", {"assignee": "me"})
    case.refresh_from_db()
    assert case.assignee == me and case.status == "open"

    response = post(client, case, "assign", {"assignee": str(mate.pk)})
    case.refresh_from_db()
    assert case.assignee == mate
    assert str(mate) in section(response.content.decode(), case, "summary")

    post(client, case, "assign", {"assignee": "queue"})
    case.refresh_from_db()
    assert case.assignee is None


def test_assign_to_someone_outside_the_team_is_refused(worker, make_user, case):
    client, _ = worker
    outsider = make_user("agent")

    response = post(client, case, "assign", {"assignee": str(outsider.pk)})

    assert "Select a valid choice" in response.content.decode()
    case.refresh_from_db()
    assert case.assignee is None


def test_priority(worker, case):
    client, _ = worker

    response = post(client, case, "priority", {"priority": "urgent"})

    case.refresh_from_db()
    assert case.priority == "urgent"
    assert "Urgent" in section(response.content.decode(), case, "summary")


# --- Reply ---------------------------------------------------------------------------------------------


def test_reply_sends_the_mail_and_shows_it_in_the_history(worker, case):
    client, _ = worker

    response = post(client, case, "reply", {"text": "An engineer comes on Tuesday."})

    assert response.status_code == 200
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["ada@example.com"] and f"[{case.reference}]" in sent.subject
    page = response.content.decode()
    reply = section(page, case, "reply")
    assert "hx-swap-oob" not in reply[: reply.index(">")]
    assert "An engineer comes on Tuesday." not in reply, "the form is fresh after sending"
    history = section(page, case, "history")
    assert 'hx-swap-oob="true"' in history[: history.index(">")]
    assert "An engineer comes on Tuesday." in history
    assert "Reply sent." in section(page, case, "summary")


def test_an_empty_reply_is_refused_in_place(worker, case):
    client, _ = worker

    response = post(client, case, "reply", {"text": "   "})

    page = response.content.decode()
    assert page.lstrip().startswith(f'<section id="case-{case.pk}-reply"')
    assert "This field is required." in page
    assert mail.outbox == []


def test_a_case_without_an_address_says_so(worker, front_line):
    client, _ = worker
    case = CaseFactory(queue=front_line, customer=None)

    response = post(client, case, "reply", {"text": "Hello"})

    assert errors.NO_EMAIL in response.content.decode()
    assert mail.outbox == []


def test_a_refusing_mail_server_is_a_message_not_a_failure(worker, case, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    client, _ = worker

    response = post(client, case, "reply", {"text": "Hello"})
    page_response = post(client, case, "reply", {"text": "Hello"}, htmx=False)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Hello</textarea>" in page, "what was typed is kept"
    assert 'class="alert alert-danger"' in page
    assert page_response.status_code == 409
    assert not case.interactions.exists()


# --- Escalate -----------------------------------------------------------------------------------------


def _handoff(to_queue, reason, **changes) -> dict:
    return {
        "to_queue": to_queue.pk,
        "reason": reason.pk,
        "customer_needs": "An engineer visit this week.",
        "tried": "Two router resets and a line test.",
        "promised": "A call back by Friday.",
        "to_agent": "",
    } | changes


def test_escalate_hands_over_and_refreshes_the_case(worker, make_user, case, second_line, reason):
    client, me = worker
    specialist = make_user("agent", team=second_line.team, first_name="Sol", last_name="Spec")

    response = post(
        client, case, "escalate", _handoff(second_line, reason, to_agent=str(specialist.pk))
    )

    assert response.status_code == 200
    escalation = Escalation.objects.get()
    assert escalation.escalated_by == me and escalation.to_agent == specialist
    assert escalation.customer_needs == "An engineer visit this week."
    page = response.content.decode()
    form = page[: page.index("</form>")]
    assert form.lstrip().startswith(f'<form id="case-{case.pk}-escalate"')
    assert "An engineer visit this week." not in form, "the dialog is fresh for next time"
    chain = section(page, case, "chain")
    assert "read this first" in chain and "An engineer visit this week." in chain
    assert "Second line" in section(page, case, "summary")
    assert "You can read this case" in section(page, case, "actions"), "it left my team"
    assert json.loads(response["HX-Trigger"]) == {"caseUpdated": {"case": case.pk}}


@pytest.mark.parametrize("missing", ["customer_needs", "tried"])
def test_escalate_without_the_summary_is_refused_in_place(
    worker, case, second_line, reason, missing
):
    client, _ = worker

    response = post(client, case, "escalate", _handoff(second_line, reason, **{missing: " "}))

    page = response.content.decode()
    assert page.lstrip().startswith(f'<form id="case-{case.pk}-escalate"')
    assert re.search(rf'id="escalate{case.pk}_{missing}_error"', page)
    assert "Two router resets" in page or missing == "tried"
    assert "HX-Trigger" not in response
    assert not Escalation.objects.exists()


def test_an_agent_outside_the_receiving_team_is_named_on_the_field(
    worker, make_user, front_line, case, second_line, reason
):
    client, _ = worker
    third = QueueFactory(name="Billing", tier=2)
    billing_agent = make_user("agent", team=third.team)

    response = post(
        client, case, "escalate", _handoff(second_line, reason, to_agent=str(billing_agent.pk))
    )

    page = response.content.decode()
    assert re.search(rf'id="escalate{case.pk}_to_agent_error"', page)
    assert f"{billing_agent} is not in {second_line.team}." in page
    assert not Escalation.objects.exists()


def test_a_closed_case_cannot_be_escalated(worker, case, second_line, reason):
    client, _ = worker
    Case.objects.filter(pk=case.pk).update(status="closed")

    response = post(client, case, "escalate", _handoff(second_line, reason))

    assert "Only an open case can be escalated" in response.content.decode()
    assert not Escalation.objects.exists()


def test_without_htmx_a_refused_hand_off_reopens_its_dialog(worker, case, second_line, reason):
    client, _ = worker

    response = post(client, case, "escalate", _handoff(second_line, reason, tried=""), htmx=False)

    assert response.status_code == 400
    assert re.search(
        rf'id="escalate-dialog-{case.pk}" data-show-on-load="true"', response.content.decode()
    )
