"""In a real browser: an agent opens a briefing, fails its check (the explanation shows and the
check is asked again, in place through htmx), then passes and the briefing counts as understood."""

import pytest
from playwright.sync_api import Page, expect

from rapport.briefings.services import briefings as services
from rapport.briefings.tests.factories_briefings import BriefingFactory, add_question, delivery_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_fails_then_passes_a_briefing_check(page: Page, live_server, make_user, password):
    trainer = make_user("trainer")
    agent = make_user("agent", username="alex")
    briefing = BriefingFactory(author=trainer, requires_ack=False)
    briefing.audience_agents.set([agent])
    add_question(briefing, "Which form do refunds use?", correct=(1,))
    services.briefing_publish(by=trainer, briefing=briefing)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("alex")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/briefings/")
    page.get_by_role("link", name=briefing.title).click()

    card = page.get_by_test_id("briefing-card")
    expect(card.get_by_role("group", name="Which form do refunds use?")).to_be_visible()
    card.get_by_label("Choice 0").check()
    card.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_test_id("check-failed")).to_contain_text(
        "Because: Which form do refunds use?"
    )
    assert delivery_of(briefing, agent).understood_at is None

    page.get_by_test_id("briefing-card").get_by_label("Choice 1").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_test_id("check-passed")).to_be_visible()
    expect(page.get_by_test_id("understood")).to_be_visible()
    assert delivery_of(briefing, agent).understood_at is not None
