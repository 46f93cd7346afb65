"""The desktop's idle panel script (learning/idle.js) in a real Chromium: it follows the server's
rule (wrap-up is free although the contact being wrapped up is still shown); an activity that
comes back after a pause keeps what the agent had already ticked; when the time box runs out the
card stays ("Time's up": Finish or Later) and the answer still counts; the panel's periodic ask
hides it while a live contact waits in the team's queue, and brings the same card back after;
and on a desktop with a long queue the panel is where an agent who goes idle looks.

The panel asks the server every 20 seconds: these tests move the page's clock on instead of
waiting (Playwright's fake clock; the server keeps real time)."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from rapport.access.choices import Channel
from rapport.access.tests.factories import QueueFactory
from rapport.accounts.choices import AgentState
from rapport.accounts.tests.factories import TeamFactory
from rapport.cases.tests.factories import CaseFactory
from rapport.interactions.choices import Direction
from rapport.interactions.models import Interaction
from rapport.learning.choices import ActivityStatus
from rapport.learning.models import Activity, LearningSettings, ReviewLog
from rapport.learning.tests.factories_reviews import agent_in, call_offered, reviews_for
from tests.browser.helpers_learning import DESKTOP

REFRESH_MS = 20000
ASKED_WITH_SHOWN = re.compile(r"/learning/idle/\?shown=\d+$")

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


def _the_panel_asks(page: Page) -> None:
    """Move the page's clock past the panel's next ask and wait for the server's answer to it
    (a shown activity asks with ?shown=<id>)."""
    with page.expect_response(lambda r: bool(ASKED_WITH_SHOWN.search(r.url))):
        page.clock.run_for(REFRESH_MS + 500)


def _right(item) -> str:
    return next(c.text for c in item.question.choices.all() if c.is_correct)


def test_time_up_keeps_the_card_and_its_answers_and_finish_still_counts(
    page: Page, live_server, password
):
    LearningSettings.objects.create(review_seconds=5)
    agent = agent_in(AgentState.IDLE, username="tara")
    first, _second = reviews_for(agent, n=2, at=timezone.now() - datetime.timedelta(days=3))
    page.clock.install()
    _desk(page, live_server.url, "tara", password)

    card = page.get_by_test_id("review-card")
    expect(card).to_contain_text(first.question.text, timeout=10000)
    card.get_by_label(_right(first), exact=True).check()
    timeup = page.get_by_test_id("idle-timeup")
    expect(timeup).to_be_hidden()

    expect(timeup).to_be_visible(timeout=10000)
    expect(timeup).to_contain_text("Time's up.")
    expect(timeup.get_by_role("button", name="Finish")).to_be_visible()
    expect(timeup.get_by_role("button", name="Later")).to_be_visible()
    # The panel's next ask ends the activity on the server; the card stays as the agent left it.
    _the_panel_asks(page)
    under_way = Activity.objects.get(agent=agent)
    assert under_way.status == ActivityStatus.TIMED_OUT
    expect(card).to_contain_text(first.question.text)
    expect(card.get_by_label(_right(first), exact=True)).to_be_checked()
    expect(page.locator("#idle-panel")).to_be_visible()

    timeup.get_by_role("button", name="Finish").click()
    expect(timeup.get_by_role("button", name="Finish")).to_be_hidden()
    expect(timeup).to_contain_text("Time's up.")
    card.get_by_role("button", name="Answer").click()
    expect(page.get_by_test_id("review-result")).to_contain_text("Right.")
    assert ReviewLog.objects.filter(item=first, correct=True).count() == 1
    assert Activity.objects.filter(agent=agent).count() == 1  # nothing started unseen


def test_time_up_later_sets_it_aside(page: Page, live_server, password):
    LearningSettings.objects.create(review_seconds=3)
    agent = agent_in(AgentState.IDLE, username="tom")
    reviews_for(agent, n=1, at=timezone.now() - datetime.timedelta(days=3))
    _desk(page, live_server.url, "tom", password)
    timeup = page.get_by_test_id("idle-timeup")
    expect(timeup).to_be_visible(timeout=10000)
    timeup.get_by_role("button", name="Later").click()
    expect(page.get_by_test_id("idle")).to_contain_text("Nothing waiting")
    activity = Activity.objects.get(agent=agent)
    assert activity.status in (ActivityStatus.SKIPPED, ActivityStatus.TIMED_OUT)


def test_a_contact_waiting_in_the_queue_hides_the_shown_card_and_it_comes_back(
    page: Page, live_server, password
):
    team = TeamFactory()
    agent = agent_in(AgentState.AVAILABLE, username="uma", team=team)
    first, _second = reviews_for(agent, n=2, at=timezone.now() - datetime.timedelta(days=3))
    page.clock.install()
    _desk(page, live_server.url, "uma", password)
    card = page.get_by_test_id("review-card")
    expect(card).to_contain_text(first.question.text, timeout=10000)
    card.get_by_label(_right(first), exact=True).check()
    under_way = Activity.objects.get(agent=agent)

    # A caller waits in Uma's team's queue: only the server sees it.
    call = Interaction.objects.create(
        queue=QueueFactory(team=team),
        channel=Channel.PHONE,
        direction=Direction.INBOUND,
        started_at=timezone.now(),
    )
    _the_panel_asks(page)
    expect(page.locator("#idle-panel")).to_be_hidden()
    expect(page.locator("#idle-paused")).to_be_visible()
    under_way.refresh_from_db()
    assert under_way.status == ActivityStatus.PAUSED

    # Someone else took the call: the same card comes back, as Uma left it.
    Interaction.objects.filter(pk=call.pk).update(ended_at=timezone.now())
    _the_panel_asks(page)
    expect(page.locator("#idle-panel")).to_be_visible()
    expect(card.get_by_label(_right(first), exact=True)).to_be_checked()
    under_way.refresh_from_db()
    assert under_way.status == ActivityStatus.ACTIVE
    assert Activity.objects.filter(agent=agent).count() == 1


def test_with_a_long_queue_the_panel_is_in_view_when_the_agent_goes_idle(
    browser: Browser, live_server, password
):
    team = TeamFactory()
    agent = agent_in(AgentState.OFFLINE, username="quinn", team=team)
    queue = QueueFactory(team=team)
    CaseFactory.create_batch(42, queue=queue, assignee=agent)
    (item,) = reviews_for(agent, n=1, at=timezone.now() - datetime.timedelta(days=3))
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        _desk(page, live_server.url, "quinn", password)
        expect(page.get_by_test_id("queue").locator("tbody tr")).to_have_count(15)

        _set_state(page, "Idle")
        card = page.get_by_test_id("review-card")
        expect(card).to_contain_text(item.question.text, timeout=10000)
        expect(page.get_by_role("heading", name="Between contacts")).to_be_in_viewport()
        expect(card.get_by_role("button", name="Answer")).to_be_in_viewport()
    finally:
        context.close()
