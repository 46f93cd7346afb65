"""The desktop's "Between contacts" panel in a real Chromium.

1. The issue's flow: an agent goes idle with the desktop's state control; the panel brings an
   overdue mandatory briefing with a comprehension check; the agent fails it (the explanations
   show and the check is asked again), a call rings through the phone switch and the panel hides
   while the server pauses the briefing; after the wrap-up the same briefing comes back, the agent
   passes and the briefing counts as understood after two attempts; the panel moves on.
2. A burst of review questions: one answered wrong (and why), the next right; a call popping hides
   the panel and pauses the burst, which resumes after the call.
"""

import datetime
from collections.abc import Callable, Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, expect

from rapport.access.models import ContactType, Queue
from rapport.access.tests.factories import CalendarFactory
from rapport.accounts.choices import AgentState
from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.briefings.models import Briefing, BriefingChoice, BriefingDelivery, BriefingQuestion
from rapport.briefings.services import briefings as briefing_services
from rapport.briefings.tests.factories_briefings import BriefingFactory
from rapport.customers import services as customer_services
from rapport.customers.services import ContactPointInput
from rapport.interactions.models import Interaction
from rapport.learning.choices import ActivityKind, ActivityStatus
from rapport.learning.models import Activity, ReviewLog
from rapport.learning.tests.factories_reviews import agent_in, call_offered, reviews_for, set_state
from tests.browser.helpers_learning import assert_clean, signer
from tests.browser.test_desktop_flow import _send_call_events

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RULE = "Refunds over 50 EUR need a supervisor's approval"
WHO = "Who approves a refund over 50 EUR?"
WHO_WHY = "Only a supervisor may approve refunds over 50 EUR; agents may not."
WHEN = "Until when do refunds take the old route?"
WHEN_WHY = "The new route starts on Monday; everything before stays on the old form."


@pytest.fixture
def sign_in(browser: Browser, live_server, password) -> Iterator[Callable[[str], Page]]:
    yield from signer(browser, live_server.url, password)


# --- Data ------------------------------------------------------------------------------------------


@pytest.fixture
def desk(db):
    """Ann (agent, Blue) may take calls from the general queue; a caller the switch knows."""
    lea = UserFactory(username="lea", roles=["supervisor"], first_name="Lea", last_name="Lead")
    blue = TeamFactory(name="Blue", supervisor=lea)
    ann = UserFactory(
        username="ann", roles=["agent"], team=blue, first_name="Ann", last_name="Able"
    )
    Queue.objects.create(
        code="general", name="General", team=blue, tier=1, calendar=CalendarFactory()
    )
    ContactType.objects.create(code="billing", name="Billing question")
    customer_services.customer_create(
        first_name="Adaeze",
        last_name="Okafor",
        status="customer",
        contact_points=[ContactPointInput(kind="phone", value="(617) 555-0142")],
    )
    return ann


def _question(briefing: Briefing, text: str, explanation: str, right: str, wrong: str, order: int):
    question = BriefingQuestion.objects.create(
        briefing=briefing, text=text, explanation=explanation, order=order
    )
    BriefingChoice.objects.create(question=question, text=wrong, is_correct=False, order=0)
    BriefingChoice.objects.create(question=question, text=right, is_correct=True, order=1)


@pytest.fixture
def overdue_briefing(desk) -> Briefing:
    """A mandatory briefing with a two-question check, published to Ann and due yesterday."""
    trainer = UserFactory(
        username="tess", roles=["trainer"], first_name="Tess", last_name="Trainer"
    )
    now = timezone.now()
    briefing: Briefing = BriefingFactory(
        author=trainer,
        title="New refund rule",
        body=f"**{RULE}.** Use the new refund form from Monday.",
        due_at=now - datetime.timedelta(days=1),
        requires_ack=True,
        pass_mark=100,
    )
    briefing.audience_agents.set([desk])
    _question(briefing, WHO, WHO_WHY, right="A supervisor", wrong="Any agent", order=0)
    _question(briefing, WHEN, WHEN_WHY, right="Until Monday", wrong="Until month end", order=1)
    briefing_services.briefing_publish(
        by=trainer, briefing=briefing, at=now - datetime.timedelta(days=3)
    )
    return briefing


# --- Helpers ---------------------------------------------------------------------------------------


def _set_state(page: Page, label: str) -> None:
    """The desktop's own state control, as an agent uses it."""
    form = page.locator("#state-form")
    form.get_by_label("My state").select_option(label=label)
    form.get_by_role("button", name="Change").click()
    expect(page.get_by_test_id("current-state")).to_contain_text(f"Now: {label}")


def _answer(card: Locator, question: str, choice: str) -> None:
    card.get_by_role("group", name=question).get_by_label(choice, exact=True).check()


def _wrap_up(page: Page) -> None:
    page.locator("body").press("w")
    wrap = page.get_by_role("dialog", name="Wrap up")
    wrap.get_by_label("Contact type").select_option(label="Billing question")
    wrap.get_by_label("Outcome").select_option(label="Resolved")
    for group in ("Did you try to build the relationship?", "Did the customer pay a compliment?"):
        wrap.get_by_role("group", name=group).get_by_label("No").check()
    wrap.get_by_role("button", name="Wrap up").click()
    expect(page.get_by_test_id("contact-state")).to_have_text("Wrapped up")


# --- 1. The flow ---------------------------------------------------------------------------


def assert_paused_soon(page: Page, activity: Activity) -> None:
    """The panel tells the server as it hides; that request may still be on its way."""
    for _ in range(50):
        activity.refresh_from_db()
        if activity.status == ActivityStatus.PAUSED:
            return
        page.wait_for_timeout(100)
    assert activity.status == ActivityStatus.PAUSED


def test_an_idle_agent_fails_then_passes_a_briefing_check_paused_by_a_call(
    sign_in, live_server, desk, overdue_briefing
):
    ann = desk
    page = sign_in("ann")
    page.goto(f"{live_server.url}/desk/")
    page.wait_for_load_state("load")
    idle = page.get_by_test_id("idle")
    expect(idle.get_by_role("heading", name="Between contacts")).to_be_visible()
    expect(idle).to_contain_text("Nothing waiting")  # offline: nothing comes
    assert not Activity.objects.filter(agent=ann).exists()

    _set_state(page, "Idle")
    activity = idle.get_by_test_id("idle-activity")
    expect(activity).to_contain_text("Overdue briefing", timeout=10000)
    expect(activity.locator("#idle-title")).to_have_text("New refund rule")
    expect(activity.locator("progress")).to_be_visible()
    card = idle.get_by_test_id("briefing-card")
    expect(card).to_contain_text(RULE)
    expect(card.get_by_role("heading", name="Check your understanding")).to_be_visible()

    # One wrong answer of two: the explanation of the missed question shows, and the check is
    # asked again, in place.
    _answer(card, f"1. {WHO}", "Any agent")
    _answer(card, f"2. {WHEN}", "Until Monday")
    card.get_by_role("button", name="Submit answers").click()
    failed = idle.get_by_test_id("check-failed")
    expect(failed).to_contain_text("1 of 2 right (50")
    expect(failed).to_contain_text(WHO_WHY)
    expect(failed).not_to_contain_text(WHEN_WHY)
    card = idle.get_by_test_id("briefing-card")
    expect(card.get_by_role("button", name="Submit answers")).to_be_visible()
    expect(card.get_by_role("radio", checked=True)).to_have_count(0)
    delivery = BriefingDelivery.objects.get(briefing=overdue_briefing, agent=ann)
    assert (delivery.attempts, delivery.understood_at) == (1, None)
    assert delivery.opened_at is not None
    under_way = Activity.objects.get(agent=ann, kind=ActivityKind.BRIEFING)
    assert under_way.status == ActivityStatus.ACTIVE

    # A call rings through the phone switch: the panel hides at once, the briefing is paused.
    _send_call_events(live_server.url, agent="ann")
    expect(page.get_by_test_id("caller-name")).to_have_text("Adaeze Okafor", timeout=5000)
    expect(page.locator("#idle-panel")).to_be_hidden()
    expect(page.locator("#idle-paused")).to_be_visible()
    assert_paused_soon(page, under_way)

    # After the wrap-up the agent is available again and the same briefing comes back.
    _wrap_up(page)
    expect(page.get_by_test_id("current-state")).to_contain_text("Available")
    card = idle.get_by_test_id("briefing-card")
    expect(card).to_be_visible(timeout=10000)
    expect(page.locator("#idle-paused")).to_be_hidden()
    expect(idle.get_by_test_id("idle-activity")).to_have_attribute(
        "data-activity", str(under_way.pk)
    )
    # The card comes back as the agent left it: the explanation of the miss still there.
    expect(idle.get_by_test_id("check-failed")).to_contain_text(WHO_WHY)
    under_way.refresh_from_db()
    assert under_way.status == ActivityStatus.ACTIVE
    assert Activity.objects.filter(agent=ann).count() == 1

    _answer(card, f"1. {WHO}", "A supervisor")
    _answer(card, f"2. {WHEN}", "Until Monday")
    card.get_by_role("button", name="Submit answers").click()
    expect(idle.get_by_test_id("check-passed")).to_contain_text("2 of 2 right")
    expect(idle.get_by_test_id("understood")).to_be_visible()
    delivery.refresh_from_db()
    assert delivery.understood_at is not None
    assert delivery.attempts == 2
    assert delivery.score == 100

    # The panel moves on when the agent has read the result: the briefing is done and nothing
    # else waits.
    next_button = idle.get_by_test_id("idle-next")
    expect(next_button).to_be_focused()
    next_button.press("Enter")
    expect(idle).to_contain_text("Nothing waiting", timeout=10000)
    under_way.refresh_from_db()
    assert under_way.status == ActivityStatus.DONE
    assert_clean(page)


# --- 2. A review burst, paused by a call -----------------------------------------------------------


def test_agent_goes_available_reviews_and_a_call_pauses_it(page: Page, live_server, password):
    agent = agent_in(AgentState.OFFLINE, username="rosa")
    first, second = reviews_for(agent, n=2, at=timezone.now() - datetime.timedelta(days=3))
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("rosa")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{base}/desk/")

    idle = page.get_by_test_id("idle")
    expect(idle.get_by_role("heading", name="Between contacts")).to_be_visible()
    page.locator("body").press("a")
    expect(page.get_by_test_id("current-state")).to_contain_text("Available")

    card = page.get_by_test_id("review-card")
    expect(card).to_contain_text(first.question.text, timeout=10000)
    expect(idle.locator("progress")).to_be_visible()
    wrong = next(c for c in first.question.choices.all() if not c.is_correct)
    card.get_by_label(wrong.text, exact=True).check()
    card.get_by_role("button", name="Answer").click()
    result = page.get_by_test_id("review-result")
    expect(result).to_contain_text("Not quite")
    expect(result).to_contain_text(first.question.explanation)

    page.get_by_test_id("review-next").click()
    expect(card).to_contain_text(second.question.text)
    right = next(c for c in second.question.choices.all() if c.is_correct)
    card.get_by_label(right.text, exact=True).check()
    card.get_by_role("button", name="Answer").click()
    expect(result).to_contain_text("Right.")
    assert ReviewLog.objects.filter(item__agent=agent).count() == 2

    # A third question comes due; the burst with it is under way when a call arrives.
    reviews_for(agent, n=1, at=timezone.now() - datetime.timedelta(days=3))
    page.get_by_test_id("review-next").click()
    expect(card).to_be_visible()
    under_way = Activity.objects.get(agent=agent, status=ActivityStatus.ACTIVE)

    call_offered(agent, started_at=timezone.now(), answered=True)
    set_state(agent, AgentState.ON_CONTACT)
    expect(page.locator("#idle-panel")).to_be_hidden(timeout=10000)
    expect(page.locator("#idle-paused")).to_be_visible()
    assert_paused_soon(page, under_way)

    # After the call, the same burst comes back.
    Interaction.objects.update(wrapped_up_at=timezone.now())
    set_state(agent, AgentState.AVAILABLE)
    page.reload()
    expect(card).to_be_visible(timeout=10000)
    under_way.refresh_from_db()
    assert under_way.status == ActivityStatus.ACTIVE
