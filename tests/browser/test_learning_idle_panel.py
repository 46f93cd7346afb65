"""The desktop's idle panel script (learning/idle.js) in a real Chromium: it follows the server's
rule (wrap-up is free although the contact being wrapped up is still shown), and an activity that
comes back after a pause keeps what the agent had already ticked."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from rapport.accounts.choices import AgentState
from rapport.learning.choices import ActivityStatus
from rapport.learning.models import Activity
from rapport.learning.tests.factories_reviews import agent_in, call_offered, reviews_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _leave_the_desk(page: Page):
    """Stop the panel's timers before the database is emptied for the next test."""
    yield
    page.goto("about:blank")


def _desk(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{base}/desk/")


def _set_state(page: Page, label: str) -> None:
    form = page.locator("#state-form")
    form.get_by_label("My state").select_option(label=label)
    form.get_by_role("button", name="Change").click()
    expect(page.get_by_test_id("current-state")).to_contain_text(f"Now: {label}")


def test_in_wrap_up_the_panel_shows_what_the_server_brings(page: Page, live_server, password):
    agent = agent_in(AgentState.WRAP_UP, username="wendy")
    (item,) = reviews_for(agent, n=1, at=timezone.now() - datetime.timedelta(days=3))
    # The call has ended and is being wrapped up: it is still the desktop's current contact.
    call_offered(
        agent,
        started_at=timezone.now() - datetime.timedelta(minutes=4),
        answered=True,
        ended=True,
    )
    _desk(page, live_server.url, "wendy", password)

    expect(page.locator("#current-contact [data-contact]")).to_be_visible()
    card = page.get_by_test_id("review-card")
    expect(card).to_contain_text(item.question.text, timeout=10000)
    expect(page.locator("#idle-panel")).to_be_visible()
    expect(page.locator("#idle-paused")).to_be_hidden()
    assert Activity.objects.get(agent=agent).status == ActivityStatus.ACTIVE


def test_a_paused_activity_comes_back_with_its_half_given_answers(
    page: Page, live_server, password
):
    agent = agent_in(AgentState.IDLE, username="ivan")
    first, _second = reviews_for(agent, n=2, at=timezone.now() - datetime.timedelta(days=3))
    _desk(page, live_server.url, "ivan", password)

    card = page.get_by_test_id("review-card")
    expect(card).to_contain_text(first.question.text, timeout=10000)
    right = next(c for c in first.question.choices.all() if c.is_correct)
    card.get_by_label(right.text, exact=True).check()

    _set_state(page, "Break")
    expect(page.locator("#idle-panel")).to_be_hidden(timeout=10000)
    under_way = Activity.objects.get(agent=agent)
    expect(page.locator("#idle-paused")).to_be_visible()

    _set_state(page, "Idle")
    expect(page.locator("#idle-panel")).to_be_visible(timeout=10000)
    expect(page.get_by_test_id("idle").locator("[data-idle-clock]")).not_to_have_text("0 s")
    expect(card.get_by_label(right.text, exact=True)).to_be_checked()
    under_way.refresh_from_db()
    assert under_way.status == ActivityStatus.ACTIVE
    assert Activity.objects.filter(agent=agent).count() == 1
