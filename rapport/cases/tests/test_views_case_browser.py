"""In a real browser: an agent works a case on its page (status, assignment, a refused and then an
accepted hand-off in the escalate dialog) without a reload; an analyst sees the escalation charts."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from rapport.access.models import Queue
from rapport.access.tests.factories import CalendarFactory
from rapport.accounts.tests.factories import TeamFactory
from rapport.cases import services
from rapport.cases.models import Case, Escalation, EscalationReason
from rapport.cases.tests.factories import EscalationReasonFactory
from rapport.customers.tests.factories import CustomerFactory

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
    }


@pytest.fixture
def center(make_user):
    calendar = CalendarFactory()
    front = TeamFactory(name="Front line")
    specialists = TeamFactory(name="Specialist team")
    general = Queue.objects.create(code="general", name="General", team=front, calendar=calendar)
    Queue.objects.create(
        code="specialists", name="Specialists", team=specialists, tier=2, calendar=calendar
    )
    EscalationReasonFactory(name="Needs more authority", preventable=True)
    make_user("agent", username="alex", team=front, first_name="Alex", last_name="Front")
    make_user("agent", username="tara", team=specialists, first_name="Tara", last_name="Two")
    make_user("executive", username="erin")
    customer = CustomerFactory(first_name="Adaeze", last_name="Okafor")
    return services.case_open(
        by=None, customer=customer, subject="Card swallowed abroad", channel="phone", queue=general
    )


def _log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_an_agent_works_and_escalates_a_case_without_a_reload(
    page: Page, live_server, password, center
):
    case = center
    _log_in(page, live_server.url, "alex", password)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.evaluate("window.__sameDocument = true")

    page.get_by_test_id("status-form").get_by_label("Status").select_option(label="Open")
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_text("Status changed.")).to_be_visible()

    page.get_by_test_id("assign-form").get_by_label("Assign to").select_option(label="Me")
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_test_id("case-assignee")).to_have_text("Alex Front")

    page.get_by_role("button", name="Escalate…").click()
    dialog = page.get_by_role("dialog", name=f"Escalate {case.reference}")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Hand to queue").select_option(
        label="Specialists — Specialist team, tier 2"
    )
    dialog.get_by_label("Reason").select_option(label="Needs more authority")
    dialog.get_by_label("What the customer needs").fill("A replacement card delivered today")
    dialog.get_by_role("button", name="Escalate", exact=True).click()
    # Refused in place: the dialog stays open with what was typed and the missing field named.
    expect(dialog.get_by_text("This field is required.")).to_be_visible()
    expect(dialog.get_by_label("What the customer needs")).to_have_value(
        "A replacement card delivered today"
    )
    assert not Escalation.objects.exists()

    dialog.get_by_label("What was tried already").fill("Blocked the old card")
    dialog.get_by_label("Agent of the receiving team (optional)").select_option(label="Tara Two")
    dialog.get_by_role("button", name="Escalate", exact=True).click()

    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("handoff-needs")).to_have_text("A replacement card delivered today")
    expect(page.get_by_test_id("case-queue")).to_contain_text("Specialists · tier 2")
    expect(page.get_by_test_id("case-assignee")).to_have_text("Tara Two")
    expect(page.get_by_text("You can read this case.")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True
    assert Case.objects.get().queue.code == "specialists"


def test_an_executive_sees_the_escalation_charts(page: Page, live_server, password, center):
    front = Case.objects.get().queue
    alex = front.team.members.get()
    services.case_escalate(
        case=center,
        by=alex,
        to_queue=Queue.objects.get(code="specialists"),
        reason=EscalationReason.objects.get(),
        customer_needs="A card.",
        tried="Blocked the old one.",
    )
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _log_in(page, live_server.url, "erin", password)

    page.goto(f"{live_server.url}/cases/escalations/")

    expect(page.get_by_test_id("total")).to_have_text("1")
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-team') !== undefined")
    assert page.evaluate("Chart.getChart('chart-team').data.labels") == ["Front line"]
    assert page.evaluate("Chart.getChart('chart-weekly').config.type") == "line"
    assert page.locator("#chart-agent").count() == 0
    assert errors == []
