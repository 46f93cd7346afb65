"""An agent answers a feature-feedback poll in a real Chromium: the card says how many questions,
ratings are labelled radios reachable by keyboard, the answer swaps in a thank-you over htmx,
and a trainer then sees the results with their charts drawn."""

import pytest
from playwright.sync_api import Browser, expect

from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.briefings.services import polls as services
from rapport.briefings.tests.factories_polls import answers_for, open_poll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(browser: Browser, live_server, username: str, password: str):
    page = browser.new_context().new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    return page


def test_agent_answers_and_trainer_reads_results(browser: Browser, live_server, password):
    team = TeamFactory(name="Care")
    UserFactory(username="ann", roles=["agent"], team=team)
    UserFactory(username="tess", roles=["trainer"])
    poll = open_poll(title="New customer panel")
    for _ in range(3):
        other = UserFactory(roles=["agent"], team=team)
        services.poll_answer(poll=poll, respondent=other, data=answers_for(poll, text="Fine"))

    page = _sign_in(browser, live_server, "ann", password)
    page.goto(f"{live_server.url}/briefings/polls/")
    page.get_by_role("link", name="New customer panel").click()
    card = page.get_by_test_id("poll-card")
    expect(card.get_by_test_id("poll-count")).to_contain_text("3 questions")
    card.get_by_label("5 – very good").check()
    card.get_by_label("Not sure").focus()
    page.keyboard.press("Space")
    expect(card.get_by_label("Not sure")).to_be_checked()
    card.get_by_role("button", name="Send answers").click()
    expect(page.get_by_test_id("poll-done")).to_contain_text("Thank you")
    page.context.close()

    trainer = _sign_in(browser, live_server, "tess", password)
    trainer.goto(f"{live_server.url}/briefings/polls/{poll.pk}/results/")
    expect(trainer.get_by_test_id("poll-response-rate")).to_contain_text("4")
    canvas = trainer.locator("canvas[data-poll-chart]").first
    trainer.wait_for_function(
        "(c) => !!(window.Chart && window.Chart.getChart(c))", arg=canvas.element_handle()
    )
    expect(trainer.get_by_role("rowheader", name="Care").first).to_be_visible()
