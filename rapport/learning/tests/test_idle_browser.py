"""In the browser: an agent goes available on the desktop, the "Between contacts" panel brings a
burst of review questions, the agent answers one wrong (and reads why) and the next right; a call
popping hides the panel at once and the server pauses the burst, which resumes after the call."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from rapport.accounts.choices import AgentState
from rapport.interactions.models import Interaction
from rapport.learning.choices import ActivityStatus
from rapport.learning.models import Activity, ReviewLog
from rapport.learning.tests.factories_reviews import agent_in, call_offered, reviews_for, set_state

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": args}


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
    under_way.refresh_from_db()
    assert under_way.status == ActivityStatus.PAUSED

    # After the call, the same burst comes back.
    Interaction.objects.update(wrapped_up_at=timezone.now())
    set_state(agent, AgentState.AVAILABLE)
    page.reload()
    expect(card).to_be_visible(timeout=10000)
    under_way.refresh_from_db()
    assert under_way.status == ActivityStatus.ACTIVE
