"""/cases/<id>/: the case page. The receiving agent reads the hand-off first, then everything the
customer said on every channel; the actions are there only for those who may work the case."""

import datetime as dt
import re
from collections import Counter

import pytest
from django.utils import timezone

from rapport.access.tests.factories import QueueFactory
from rapport.cases import services
from rapport.cases.tests.factories import CaseFactory, EscalationReasonFactory
from rapport.customers.models import Customer
from rapport.interactions.tests.factories import InteractionFactory, MessageFactory

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def url(case) -> str:
    return f"/cases/{case.pk}/"


@pytest.fixture
def front_line():
    return QueueFactory(name="Front line", tier=1)


@pytest.fixture
def second_line():
    return QueueFactory(name="Second line", tier=2)


@pytest.fixture
def case(front_line):
    return CaseFactory(queue=front_line, subject="Router keeps dropping")


@pytest.fixture
def escalated(make_user, case, front_line, second_line):
    """The case handed from the front line to the second line, twice over (there and back again)."""
    first_agent = make_user("agent", team=front_line.team, first_name="Fay", last_name="Front")
    services.case_escalate(
        case=case,
        by=first_agent,
        to_queue=second_line,
        reason=EscalationReasonFactory(name="Needs a technician", preventable=False),
        customer_needs="An engineer visit this week.",
        tried="Two router resets and a line test.",
        promised="A call back by Friday.",
    )
    second_agent = make_user("agent", team=second_line.team)
    services.case_escalate(
        case=case,
        by=second_agent,
        to_queue=front_line,
        reason=EscalationReasonFactory(name="Billing question", preventable=True),
        customer_needs="A credit for the days without service.",
        tried="Engineer fixed the line on Tuesday.",
    )
    return case


@pytest.mark.parametrize("role", ["agent", "supervisor", "qa_analyst", "admin"])
def test_readers_see_the_case(client_for, role, case):
    client, _ = client_for(role)

    response = client.get(url(case))

    assert response.status_code == 200
    page = response.content.decode()
    assert case.reference in page and "Router keeps dropping" in page


@pytest.mark.parametrize("role", ["trainer", "marketer", "executive"])
def test_others_get_the_not_permitted_page(client_for, role, case):
    client, _ = client_for(role)

    response = client.get(url(case))

    assert response.status_code == 403
    assert "Router keeps dropping" not in response.content.decode()


def test_anonymous_is_sent_to_log_in(client, case):
    response = client.get(url(case))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unknown_and_erased_cases_are_404(client_for, case):
    client, _ = client_for("agent")
    assert client.get("/cases/999999/").status_code == 404
    Customer.objects.filter(pk=case.customer_id).update(erased_at=timezone.now())

    assert client.get(url(case)).status_code == 404


def test_header_shows_who_has_it_and_the_clocks(client_for, make_user, front_line):
    client, _ = client_for("agent")
    owner = make_user("agent", team=front_line.team, first_name="Olu", last_name="Owner")
    now = timezone.now()
    case = CaseFactory(
        queue=front_line,
        tier=1,
        priority="high",
        status="open",
        assignee=owner,
        first_response_due=now - 2 * HOUR,
        first_responded_at=now - 3 * HOUR,
        resolution_due=now - HOUR,
    )

    page = client.get(url(case)).content.decode()

    summary = page[page.index(f'id="case-{case.pk}-summary"') :]
    assert "Open" in summary and "High" in summary
    assert f"Front line · tier 1 · team {front_line.team}" in summary
    assert "Olu Owner" in summary
    assert re.search(r"sla-met[^>]*>\s*First response:\s*met", summary)
    assert re.search(r"sla-overdue[^>]*>\s*Resolution:\s*overdue by .*\(breached\)", summary)
    assert timezone.localtime(case.resolution_due).strftime("%Y-%m-%d %H:%M") in summary


def test_a_case_waiting_for_the_customer_says_its_clocks_are_paused(client_for):
    client, _ = client_for("agent")
    now = timezone.now()
    case = CaseFactory(status="waiting", paused_at=now - HOUR, resolution_due=now + HOUR)

    page = client.get(url(case)).content.decode()

    assert "Clocks paused since" in page
    assert re.search(r"sla-paused[^>]*>\s*Resolution:\s*paused, waiting for the customer", page)


def test_the_latest_hand_off_comes_first_and_before_the_history(client_for, escalated):
    client, _ = client_for("agent")
    MessageFactory(
        interaction=InteractionFactory(customer=escalated.customer, case=escalated),
        body_text="My line is dead again.",
    )

    page = client.get(url(escalated)).content.decode()

    handoffs = [page.index(t) for t in ("A credit for the days", "An engineer visit this week.")]
    assert handoffs == sorted(handoffs), "the newest hand-off is read first"
    assert page.index("read this first") < page.index("My line is dead again.")
    latest = page[page.index("read this first") : page.index("Earlier hand-offs")]
    assert "Second line</strong> (tier 2) → <strong>Front line</strong> (tier 1" in latest
    assert "Billing question" in latest and "preventable" in latest
    assert "Nothing was promised." in latest
    earlier = page[page.index("Earlier hand-offs") :]
    assert "Two router resets and a line test." in earlier
    assert "A call back by Friday." in earlier
    assert "Fay Front" in earlier


def test_the_history_holds_every_contact_on_every_channel_with_both_sides(client_for, case):
    client, _ = client_for("agent")
    call = InteractionFactory(customer=case.customer, case=case, channel="phone")
    MessageFactory(interaction=call, side="customer", body_text="It dropped twice today.")
    MessageFactory(interaction=call, side="agent", body_text="I will reset it.", is_note=True)
    mail = InteractionFactory(customer=case.customer, case=case, channel="email")
    MessageFactory(interaction=mail, side="customer", body_text="Still dropping <b>now</b>.")
    MessageFactory(interaction=mail, side="agent", body_text="An engineer is booked.")
    elsewhere = InteractionFactory(
        customer=case.customer, channel="chat", subject="Asked about roaming"
    )
    stranger = InteractionFactory(subject="Someone else's chat")

    page = client.get(url(case)).content.decode()

    history = page[page.index(f'id="case-{case.pk}-history"') :]
    assert history.count('data-testid="contact"') == 2
    assert re.search(r'data-side="customer">\s*<div[^>]*>Customer', history)
    assert "It dropped twice today." in history
    assert "Internal note by" in history and "I will reset it." in history
    assert "Still dropping &lt;b&gt;now&lt;/b&gt;." in history
    assert "An engineer is booked." in history
    other = history[history.index('data-testid="other-contacts"') :]
    assert elsewhere.subject in other
    assert stranger.subject not in page
    assert history.index("Phone") < history.index("E-mail")


def test_events_are_listed(client_for, make_user, front_line, case):
    client, _ = client_for("agent")
    services.case_priority_set(
        case=case, by=make_user("agent", team=front_line.team), priority="urgent"
    )

    page = client.get(url(case)).content.decode()

    events = page[page.index(f'id="case-{case.pk}-events"') :]
    assert "Priority changed: normal → urgent" in events


def test_actions_are_for_those_who_may_work_the_case(client_for, make_user, front_line, case):
    worker, _ = client_for("agent", team=front_line.team)
    page = worker.get(url(case)).content.decode()
    for form in ("status-form", "assign-form", "priority-form", "reply-form", "escalate-form"):
        assert f'data-testid="{form}"' in page
    assert f'data-bs-target="#escalate-dialog-{case.pk}"' in page

    for role, team in (("agent", None), ("qa_analyst", front_line.team)):
        reader, _ = client_for(role, team=team)
        page = reader.get(url(case)).content.decode()
        assert 'data-testid="status-form"' not in page
        assert 'data-testid="escalate-form"' not in page
        assert "You can read this case" in page


def test_the_assign_choices_are_the_owning_team(client_for, make_user, front_line, case):
    client, _ = client_for("agent", team=front_line.team)
    mate = make_user("agent", team=front_line.team, first_name="Mia", last_name="Mate")
    make_user("agent", first_name="Otto", last_name="Outsider")

    page = client.get(url(case)).content.decode()

    assign = page[page.index('data-testid="assign-form"') :]
    assign = assign[: assign.index("</form>")]
    assert f'value="{mate.pk}"' in assign and "Mia Mate" in assign
    assert "Otto Outsider" not in assign
    assert 'value="me"' in assign and 'value="queue"' in assign


def test_the_escalate_dialog_offers_other_queues_and_their_agents(
    client_for, make_user, front_line, second_line, case
):
    client, _ = client_for("agent", team=front_line.team)
    specialist = make_user("agent", team=second_line.team, first_name="Sol", last_name="Spec")
    EscalationReasonFactory(name="Retired reason", is_active=False)
    EscalationReasonFactory(name="Needs authority")

    page = client.get(url(case)).content.decode()

    dialog = page[page.index(f'id="escalate-dialog-{case.pk}"') :]
    queue_select = dialog[dialog.index('name="to_queue"') : dialog.index("</select>")]
    assert "Second line" in queue_select and "Front line" not in queue_select
    assert "Needs authority" in dialog and "Retired reason" not in dialog
    assert f'<optgroup label="{second_line.team}">' in dialog
    assert f'value="{specialist.pk}"' in dialog


def test_htmx_gets_the_case_panel_only(client_for, case):
    client, _ = client_for("agent")

    response = client.get(url(case), headers={"HX-Request": "true"})

    page = response.content.decode()
    assert f'id="case-{case.pk}"' in page and "<html" not in page


def test_ids_on_the_page_are_unique(client_for, front_line, escalated):
    client, _ = client_for("agent", team=front_line.team)

    page = client.get(url(escalated)).content.decode()

    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert [i for i, n in ids.items() if n > 1] == []
    for target in re.findall(r'\sfor="([^"]+)"', page):
        assert target in ids, f"label for={target} points at nothing"


def test_no_inline_script(client_for, front_line, escalated):
    client, _ = client_for("agent", team=front_line.team)

    page = client.get(url(escalated)).content.decode()

    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert "cases/cases.js" in page


def test_query_count_does_not_grow_with_the_history(
    client_for, front_line, escalated, django_assert_max_num_queries
):
    client, _ = client_for("agent", team=front_line.team)

    def contact():
        interaction = InteractionFactory(customer=escalated.customer, case=escalated)
        MessageFactory.create_batch(2, interaction=interaction)
        InteractionFactory(customer=escalated.customer)

    contact()
    with django_assert_max_num_queries(40) as few:
        client.get(url(escalated))
    for _ in range(5):
        contact()

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url(escalated))

    assert response.content.decode().count('data-testid="contact"') == 6
