"""The performance pages as agents, supervisors and QA analysts use them, in a real Chromium.

Blue is led by Lea Lead and has two agents, Bob Baker and Ann Able (made in that order, so an
alphabetical list is not the order of creation); Red has Rory Redmond. This week's Monday holds
40 resolved contacts of each agent, some followed by a repeat contact for the same reason:

    Ann 10 repeats -> FCR 75.0 %   Bob 8 -> 80.0 %   Rory 20 -> 50.0 %
    Blue 62 of 80 -> 77.5 %        the whole center 82 of 120 -> 68.3 %

and the Monday before holds 40 more of Ann's with 20 repeats (50.0 %), so her trend has two
points and a goal starting this Monday has a baseline. Each figure's interval is Wilson's.
"""

import datetime
import re
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from statsmodels.stats.proportion import proportion_confint

from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.core.roles import Role
from rapport.performance import catalog, periods
from rapport.performance.models import Evaluation
from rapport.performance.rollups import rollup_day
from rapport.performance.tests.factories_qa import QaCriterionFactory, QaFormFactory, contact_of
from rapport.performance.tests.factories_scorecards import handled_contacts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FCR = "First-contact resolution"
CHART_DRAWN = "(canvas) => !!(window.Chart && window.Chart.getChart(canvas))"


def _wilson(k: int, n: int) -> str:
    low, high = proportion_confint(k, n, method="wilson")
    return f"95% CI {low * 100:.1f} % – {high * 100:.1f} %"


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


# --- Data ------------------------------------------------------------------------------------------


@pytest.fixture
def people() -> SimpleNamespace:
    # The registry migration 0002 made is gone once an earlier transactional test has ended.
    catalog.defaults_ensure()
    lea = UserFactory(username="lea", roles=[Role.SUPERVISOR], first_name="Lea", last_name="Lead")
    blue = TeamFactory(name="Blue", supervisor=lea)
    bob = UserFactory(
        username="bob", roles=[Role.AGENT], team=blue, first_name="Bob", last_name="Baker"
    )
    ann = UserFactory(
        username="ann", roles=[Role.AGENT], team=blue, first_name="Ann", last_name="Able"
    )
    rita = UserFactory(username="rita", roles=[Role.SUPERVISOR], first_name="Rita", last_name="Red")
    red = TeamFactory(name="Red", supervisor=rita)
    rory = UserFactory(
        username="rory", roles=[Role.AGENT], team=red, first_name="Rory", last_name="Redmond"
    )
    return SimpleNamespace(lea=lea, blue=blue, bob=bob, ann=ann, rita=rita, red=red, rory=rory)


@pytest.fixture
def figures(people) -> SimpleNamespace:
    monday = _monday(timezone.localdate())
    before = monday - datetime.timedelta(days=7)
    handled_contacts(agent=people.ann, count=40, repeated=10, day=monday)
    handled_contacts(agent=people.bob, count=40, repeated=8, day=monday)
    handled_contacts(agent=people.rory, count=40, repeated=20, day=monday)
    handled_contacts(agent=people.ann, count=40, repeated=20, day=before)
    rollup_day(monday)
    rollup_day(before)
    people.monday = monday
    return people


@pytest.fixture
def sign_in(browser: Browser, live_server, password) -> Iterator[Callable[[str], Page]]:
    """sign_in("ann") -> a page of a fresh browser context, logged in as ann."""
    contexts: list[BrowserContext] = []

    def open_as(username: str) -> Page:
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        return page

    yield open_as
    for context in contexts:
        context.close()


def _menu(page: Page, label: str) -> None:
    """Open a page of the Performance menu (a drop-down in the main navigation)."""
    # The drop-down opens by Bootstrap's deferred script: a click before it ran does nothing.
    page.wait_for_load_state("load")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("button", name="Performance").click()
    nav.get_by_role("link", name=label, exact=True).click()
    # The page's scripts (deferred) must have run before a test types into what they enhance.
    page.wait_for_load_state("load")


def _flash(page: Page) -> Locator:
    """The message a page shows after an action (Django messages)."""
    return page.locator("main > .alert")


def _kpi(page: Page, key: str) -> Locator:
    return page.get_by_test_id(f"kpi-{key}")


def _expect_figure(card: Locator, value: str, k: int, n: int) -> None:
    expect(card.get_by_test_id("value")).to_have_text(value)
    expect(card.get_by_test_id("detail")).to_have_text(f"{_wilson(k, n)} · n = {n}")


def _drawn_chart(page: Page, card: Locator) -> list:
    """The values of the chart Chart.js drew on the card's canvas (fails if none was drawn)."""
    canvas = card.locator("canvas")
    expect(canvas).to_have_count(1)
    handle = canvas.element_handle()
    page.wait_for_function(CHART_DRAWN, arg=handle)
    size = canvas.evaluate("(c) => [c.width, c.height, c.getBoundingClientRect().width]")
    assert all(side > 0 for side in size), size
    return canvas.evaluate(
        "(c) => window.Chart.getChart(c).data.datasets.find((d) => d.label === 'Value').data"
    )


def _not_found(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()


# --- 1. An agent's own scorecard -------------------------------------------------------------------


def test_an_agent_reads_their_scorecard_switches_period_and_opens_a_kpi_definition(
    sign_in, live_server, figures
):
    ann, monday = figures.ann, figures.monday
    week = periods.span("week", monday)
    page = sign_in("ann")

    _menu(page, "Scorecard")
    expect(page).to_have_url(re.compile(rf"/performance/scorecards/agents/{ann.pk}/$"))
    expect(page.get_by_test_id("scope")).to_have_text("Scorecard: Ann Able")
    expect(page.get_by_test_id("period-label")).to_have_text(week.label)
    fcr = _kpi(page, "fcr")
    _expect_figure(fcr, "75.0 %", 30, 40)
    expect(fcr.get_by_test_id("change")).to_contain_text(
        f"Against {week.previous().label} (50.0 %): +25.0 pp, better"
    )
    # Twelve weeks on the chart: the last two hold figures, the rest are gaps.
    values = _drawn_chart(page, fcr)
    assert len(values) == 12
    assert values[-2:] == [50.0, 75.0]
    assert all(value is None for value in values[:-2])

    # Period switching swaps the body in place (htmx) and redraws the chart.
    page.evaluate("window.__sameDocument = true")
    period = page.get_by_role("group", name="Period", exact=True)
    period.get_by_role("link", name="Day").click()
    expect(page.get_by_test_id("period-label")).to_have_text(periods.span("day", monday).label)
    expect(page).to_have_url(re.compile(rf"period=day&date={monday.isoformat()}"))
    _expect_figure(_kpi(page, "fcr"), "75.0 %", 30, 40)
    _drawn_chart(page, _kpi(page, "fcr"))
    period.get_by_role("link", name="Month").click()
    expect(page.get_by_test_id("period-label")).to_have_text(periods.span("month", monday).label)
    _drawn_chart(page, _kpi(page, "fcr"))
    # Switching keeps the day that was asked for: back to the week one came from.
    period.get_by_role("link", name="Week").click()
    expect(page.get_by_test_id("period-label")).to_have_text(periods.span("week", monday).label)
    assert page.evaluate("window.__sameDocument") is True

    # The KPI wall shows the whole center; a KPI's name opens its definition.
    _menu(page, "KPIs")
    expect(page.get_by_test_id("scope")).to_have_text("KPI wall: Whole center")
    _expect_figure(_kpi(page, "fcr"), "68.3 %", 82, 120)
    _drawn_chart(page, _kpi(page, "fcr"))
    _kpi(page, "fcr").get_by_role("link", name=FCR).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(FCR)
    expect(page.get_by_test_id("definition")).to_contain_text("settled on the first contact")
    expect(page.get_by_test_id("kpi-target")).to_have_text("≥ 75.0 %")
    _expect_figure(_kpi(page, "fcr"), "68.3 %", 82, 120)

    # A colleague's scorecard does not exist for her.
    _not_found(page, f"{live_server.url}/performance/scorecards/agents/{figures.bob.pk}/")
    expect(page.get_by_text("No such scorecard.")).to_be_visible()


# --- 2. A goal, proposed by the agent and agreed by the supervisor ---------------------------------


def _goal_state(page: Page) -> Locator:
    return page.locator("h1 + p .badge")


def test_a_goal_proposed_by_the_agent_is_agreed_and_checked_in_by_the_supervisor(sign_in, figures):
    monday = figures.monday
    ann = sign_in("ann")

    _menu(ann, "Goals")
    ann.get_by_role("link", name="Propose a goal").click()
    kpi = ann.get_by_label("KPI")
    expect(kpi).to_be_focused()  # the first field, so the form starts at the keyboard
    kpi.select_option(label=f"{FCR} (%, higher is better)")
    ann.keyboard.press("Tab")
    target = ann.get_by_label("Target")
    expect(target).to_be_focused()
    ann.keyboard.type("80")
    ann.get_by_label("Starts on").fill(monday.isoformat())
    ann.get_by_label("Note").fill("Fewer callbacks on billing questions.")
    target.press("Enter")

    expect(_flash(ann)).to_have_text("Goal proposed; it counts once the other side agrees.")
    expect(ann.get_by_role("heading", level=1)).to_contain_text(f"{FCR} → 80.00")
    expect(_goal_state(ann)).to_have_text("Waiting for the supervisor")
    expect(
        ann.get_by_text("This goal does not count until both sides agree to it.")
    ).to_be_visible()
    expect(ann.get_by_test_id("agreement")).to_contain_text("Supervisor (Lea Lead): not yet")
    goal_url = ann.url

    lea = sign_in("lea")
    _menu(lea, "Goals")
    waiting = lea.get_by_test_id("waiting")
    expect(waiting).to_contain_text("for Ann Able, proposed by Ann Able")
    waiting.get_by_role("link", name=re.compile(rf"^{FCR} → 80\.00")).click()
    expect(_goal_state(lea)).to_have_text("Waiting for you")
    expect(lea.locator("dd", has_text="(28 days before the start)")).to_contain_text("50.00")
    lea.get_by_role("button", name="Agree to this goal").click()
    expect(_flash(lea)).to_have_text("Agreed.")
    expect(_goal_state(lea)).to_have_text("Agreed · counts")
    progress = lea.get_by_test_id("progress")
    expect(progress.get_by_test_id("value")).to_have_text(re.compile(r"^75\.0\s*%$"))
    expect(progress).to_contain_text("n = 40, 95% CI 59.8–85.8")

    ann.goto(goal_url)
    expect(_goal_state(ann)).to_have_text("Agreed · counts")
    expect(ann.get_by_text("Both sides agreed: this goal counts.")).to_be_visible()

    lea.get_by_label("Check-in note").fill("Good start; keep asking about the second issue.")
    lea.get_by_role("button", name="Record check-in").click()
    expect(_flash(lea)).to_have_text("Check-in recorded.")
    checkin = lea.get_by_test_id("history").locator('tr[data-kind="checked_in"]')
    expect(checkin).to_have_count(1)
    expect(checkin).to_contain_text("Check-in: 75.00 (n = 40, 95% CI 59.81–85.81)")
    expect(checkin).to_contain_text("Lea Lead")
    expect(checkin).to_contain_text("Good start; keep asking about the second issue.")
    canvas = lea.locator("#goal-chart")
    lea.wait_for_function(CHART_DRAWN, arg=canvas.element_handle())
    assert canvas.evaluate("(c) => window.Chart.getChart(c).data.datasets[0].data") == [75.0]

    ann.reload()
    expect(ann.get_by_test_id("history").locator('tr[data-kind="checked_in"]')).to_contain_text(
        "75.00 (n = 40"
    )


# --- 3. A supervisor's team scorecard --------------------------------------------------------------


def test_a_supervisor_reads_the_team_scorecard_and_opens_their_agents_only(
    sign_in, live_server, figures
):
    lea = sign_in("lea")

    _menu(lea, "Scorecard")
    expect(lea).to_have_url(re.compile(rf"/performance/scorecards/teams/{figures.blue.pk}/$"))
    expect(lea.get_by_test_id("scope")).to_have_text("Team scorecard: Blue")
    _expect_figure(_kpi(lea, "fcr"), "77.5 %", 62, 80)
    _drawn_chart(lea, _kpi(lea, "fcr"))
    agents = lea.get_by_test_id("agents").get_by_test_id("agent")
    expect(agents).to_have_text([re.compile(r"^Ann Able\b"), re.compile(r"^Bob Baker\b")])
    expect(lea.get_by_test_id("ranking")).to_have_count(0)  # ranking is off by default

    agents.get_by_role("link", name="Bob Baker").click()
    expect(lea.get_by_test_id("scope")).to_have_text("Scorecard: Bob Baker")
    _expect_figure(_kpi(lea, "fcr"), "80.0 %", 32, 40)

    _not_found(lea, f"{live_server.url}/performance/scorecards/agents/{figures.rory.pk}/")
    _not_found(lea, f"{live_server.url}/performance/scorecards/teams/{figures.red.pk}/")


# --- 4. Kudos --------------------------------------------------------------------------------------


def test_kudos_given_on_the_kudos_page_show_on_the_colleagues_page(sign_in, people):
    message = "Bob talked me through the refund rules on a hard call."
    ann = sign_in("ann")

    _menu(ann, "Kudos")
    colleague = ann.get_by_role("combobox", name="Colleague")
    expect(colleague).to_be_focused()
    ann.get_by_label("Narrow the list of colleagues").fill("bob")
    expect(colleague).to_have_value(str(people.bob.pk))
    ann.get_by_label("What they did well").fill(message)
    ann.get_by_role("button", name="Give kudos").click()

    expect(_flash(ann)).to_have_text("Kudos sent to Bob Baker.")
    recent = ann.get_by_test_id("recognition").locator("li").first
    expect(recent).to_contain_text(message)
    recent.get_by_role("link", name="Bob Baker").click()

    expect(ann.get_by_role("heading", level=1)).to_have_text("Bob Baker")
    expect(ann.get_by_test_id("counts")).to_contain_text("1 kudos from colleagues")
    kudos = ann.get_by_test_id("recognition").locator("li")
    expect(kudos).to_have_count(1)
    expect(kudos).to_contain_text(message)
    expect(kudos).to_contain_text("from Ann Able")
    expect(ann.get_by_test_id("scorecard-link")).to_have_count(0)  # his figures are not hers


# --- 5. QA: score, dispute, decide -----------------------------------------------------------------


@pytest.fixture
def draft(people) -> Evaluation:
    analyst = UserFactory(
        username="quinn", roles=[Role.QA_ANALYST], first_name="Quinn", last_name="Quality"
    )
    form = QaFormFactory(name="Call review")
    QaCriterionFactory(form=form, text="Greeted the customer by name", weight=30, order=0)
    QaCriterionFactory(form=form, text="Confirmed the next step", weight=70, order=1)
    return Evaluation.objects.create(
        form=form, interaction=contact_of(people.ann), agent=people.ann, evaluator=analyst
    )


def _answer(page: Page, criterion: str, answer: str) -> None:
    group = page.locator("fieldset", has_text=criterion)
    group.get_by_label(answer, exact=True).check()


def test_an_evaluation_is_scored_disputed_by_the_agent_and_decided_by_the_supervisor(
    sign_in, draft
):
    evaluation_path = f"/performance/qa/evaluations/{draft.pk}/"
    quinn = sign_in("quinn")
    _menu(quinn, "QA")
    quinn.get_by_test_id("drafts").get_by_role("link").first.click()
    expect(quinn).to_have_url(re.compile(f"{evaluation_path}$"))
    expect(quinn.get_by_role("heading", level=1)).to_have_text("Evaluation of Ann Able")
    live = quinn.locator("output[data-qa-live-score]")
    expect(live).to_have_text("— (2 not answered)")
    _answer(quinn, "Greeted the customer by name", "Met")
    _answer(quinn, "Confirmed the next step", "Not met")
    expect(live).to_have_text("30.00")
    quinn.get_by_role("button", name="Submit", exact=True).click()
    expect(_flash(quinn)).to_have_text("Evaluation submitted.")
    expect(quinn.get_by_test_id("score")).to_have_text("30.00")
    expect(quinn.get_by_test_id("status")).to_have_text("Submitted")

    ann = sign_in("ann")
    _menu(ann, "QA")
    mine = ann.get_by_test_id("my-evaluations")
    expect(mine).to_contain_text("30.00")
    mine.get_by_role("link").first.click()
    expect(ann.get_by_test_id("score")).to_have_text("30.00")
    reason = "I confirmed the next step at 04:10 in the call."
    ann.get_by_label("What do you disagree with?").fill(reason)
    ann.get_by_role("button", name="Dispute", exact=True).click()
    expect(_flash(ann)).to_have_text("Dispute sent; your supervisor decides.")
    disputes = ann.get_by_test_id("disputes")
    expect(disputes).to_contain_text("Open")
    expect(disputes).to_contain_text(reason)
    expect(ann.get_by_role("button", name="Dispute", exact=True)).to_have_count(
        0
    )  # one open at a time

    lea = sign_in("lea")
    _menu(lea, "QA")
    lea.get_by_role("link", name=re.compile(r"^Disputes 1 open")).click()
    dispute = lea.get_by_test_id("disputes").locator("li").filter(has_text=reason)
    expect(dispute).to_contain_text("of Ann Able (Blue)")
    dispute.get_by_label("Uphold: void it").check()
    dispute.get_by_label("Why").fill("The recording confirms it.")
    dispute.get_by_role("button", name="Decide").click()
    expect(_flash(lea)).to_have_text("Dispute upheld: the evaluation is void and no longer counts.")
    decided = lea.get_by_test_id("disputes").locator("li").filter(has_text=reason)
    expect(decided).to_contain_text("Upheld (evaluation voided)")
    expect(decided).to_contain_text("Decided by Lea Lead")
    expect(decided.get_by_role("button", name="Decide")).to_have_count(0)

    ann.reload()
    expect(ann.get_by_test_id("status")).to_have_text("Voided after dispute")
    expect(ann.get_by_test_id("disputes")).to_contain_text("The recording confirms it.")
