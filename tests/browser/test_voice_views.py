"""The voice of the customer in a real Chromium: a customer answers a survey on a phone, a
supervisor works an alert to closure, a QA analyst reviews a gaming flag, and the insight and
survey charts draw without a console error.

Blue is led by Sam Stone (supervisor) and has the agent Ann Able; Red is led by Rita Red. Quinn
Quality is a QA analyst. Data is made through the real services: the draw (at a rate of 1) and
the e-mailed invitation, the text scorer and the alert rules, the response service.
"""

import datetime
import re
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.core.roles import Role
from rapport.customers.tests.factories import ContactPointFactory, CustomerFactory
from rapport.insights import catalog as insight_catalog
from rapport.insights.choices import AlertState, RecoveryOutcome
from rapport.insights.models import Alert
from rapport.insights.services import alerts as alert_services
from rapport.insights.services import signals as signal_services
from rapport.interactions.models import Interaction
from rapport.interactions.tests.factories import InteractionFactory, MessageFactory
from rapport.surveys import catalog as survey_catalog
from rapport.surveys.choices import FlagState, GamingCheck, InvitationState, QuestionKind
from rapport.surveys.models import GamingFlag, Invitation, Response
from rapport.surveys.services import draw as draw_services
from rapport.surveys.services import invitations as invitation_services
from rapport.surveys.services import responses as response_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VOICE = "Customer voice"
PHONE = {"width": 375, "height": 667}
CHART_DRAWN = "(canvas) => !!(window.Chart && window.Chart.getChart(canvas))"
ANGRY = "This is the worst service ever, terrible and useless. I am furious."
COMMENT = "Quick and friendly, thank you."
LINK = re.compile(r"https?://\S+/s/[^/\s]+/")
# Records Content-Security-Policy violations before any of the page's own scripts run.
CSP_WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


# --- Data ------------------------------------------------------------------------------------------


@pytest.fixture
def people() -> SimpleNamespace:
    # Migrations 0002 made these; an earlier transactional test may have emptied the tables.
    survey_catalog.defaults_ensure()
    insight_catalog.defaults_ensure()
    sam = UserFactory(username="sam", roles=[Role.SUPERVISOR], first_name="Sam", last_name="Stone")
    blue = TeamFactory(name="Blue", supervisor=sam)
    ann = UserFactory(
        username="ann", roles=[Role.AGENT], team=blue, first_name="Ann", last_name="Able"
    )
    rita = UserFactory(username="rita", roles=[Role.SUPERVISOR], first_name="Rita", last_name="Red")
    red = TeamFactory(name="Red", supervisor=rita)
    rory = UserFactory(username="rory", roles=[Role.AGENT], team=red)
    quinn = UserFactory(
        username="quinn", roles=[Role.QA_ANALYST], first_name="Quinn", last_name="Quality"
    )
    admin = UserFactory(username="ada", roles=[Role.ADMIN])
    return SimpleNamespace(
        sam=sam, blue=blue, ann=ann, rita=rita, red=red, rory=rory, quinn=quinn, admin=admin
    )


def _handled_contact(agent, *, customer=None, channel: str = "phone") -> Interaction:
    """An inbound contact answered, resolved and wrapped up by the agent a moment ago."""
    started = timezone.now() - datetime.timedelta(seconds=60)
    if customer is None:
        customer = CustomerFactory()
        ContactPointFactory(customer=customer, kind="email")
    interaction: Interaction = InteractionFactory(
        customer=customer,
        agent=agent,
        channel=channel,
        started_at=started,
        answered_at=started + datetime.timedelta(seconds=10),
        ended_at=started + datetime.timedelta(seconds=50),
        handle_seconds=40,
        outcome="resolved",
        wrapped_up_at=started + datetime.timedelta(seconds=55),
    )
    return interaction


def _invited(people, interaction: Interaction) -> Invitation:
    """The system draws the contact (every contact, at a rate of 1) and invites its customer."""
    decision = draw_services.draw_for(interaction=interaction)
    assert decision.selected, decision.excluded
    # The worker sends it once the draw commits; here, at once.
    return invitation_services.invitation_send(invitation=decision.invitation)


@pytest.fixture
def draw_everyone(people) -> None:
    draw_services.draw_settings_update(by=people.admin, rate="1", cooldown_days=0)


def _said(interaction: Interaction, text: str) -> None:
    MessageFactory(
        interaction=interaction, side="customer", body_text=text, sent_at=interaction.started_at
    )
    signal_services.interaction_score(interaction=interaction)


# --- Browser helpers -------------------------------------------------------------------------------


@pytest.fixture
def sign_in(browser: Browser, live_server, password) -> Iterator[Callable[[str], Page]]:
    """sign_in("sam") -> a page of a fresh browser context, logged in as sam."""
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


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A phone-sized touch screen, not logged in."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


def _menu(page: Page, label: str) -> None:
    """Open a page of the Customer voice menu (a drop-down in the main navigation)."""
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("button", name=VOICE).click()
    nav.get_by_role("link", name=label, exact=True).click()
    page.wait_for_load_state("load")


def _flash(page: Page) -> Locator:
    return page.locator("main > .alert")


def _fits(page: Page) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways: {width} px wide"


def _drawn(page: Page, canvas: Locator) -> dict:
    """The labels and datasets Chart.js drew on a canvas (fails if none was drawn)."""
    page.wait_for_function(CHART_DRAWN, arg=canvas.element_handle())
    size = canvas.evaluate("(c) => [c.width, c.height, c.getBoundingClientRect().width]")
    assert all(side > 0 for side in size), size
    return canvas.evaluate(
        "(c) => { const d = window.Chart.getChart(c).data;"
        " return {labels: d.labels, data: d.datasets.map((s) => s.data)}; }"
    )


def _watch_problems(page: Page) -> list[str]:
    """Console errors and uncaught exceptions of the page, as they happen."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.add_init_script(CSP_WATCH)
    return problems


# --- 1. A customer answers on a phone --------------------------------------------------------------


def test_a_customer_answers_the_survey_on_a_phone(
    phone, live_server, people, draw_everyone, mailoutbox
):
    invitation = _invited(people, _handled_contact(people.ann))
    assert invitation.state == InvitationState.SENT
    # The customer follows the link in the e-mail they received (served here by the test server).
    assert [m.to for m in mailoutbox] == [[invitation.address]]
    found = LINK.search(mailoutbox[0].body)
    assert found is not None, mailoutbox[0].body
    link = live_server.url + urlsplit(found.group(0)).path
    questions = {q.kind: q for q in invitation.survey.questions.all()}

    page = phone
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(invitation.survey.name)
    expect(page.get_by_role("navigation")).to_have_count(0)  # no login, no menu
    _fits(page)
    csat = page.get_by_role("group", name=re.compile(r"^How satisfied are you"))
    ces = page.get_by_role("group", name=re.compile(r"^The company made it easy"))
    nps = page.get_by_role("group", name=re.compile(r"^How likely are you to recommend"))
    # Every choice is a radio button named by its own visible label.
    expect(csat.get_by_role("radio")).to_have_count(5)
    expect(ces.get_by_role("radio")).to_have_count(7)
    expect(nps.get_by_role("radio")).to_have_count(11)
    expect(csat.get_by_role("radio", name="1 Very dissatisfied", exact=True)).to_have_count(1)
    expect(csat.get_by_label(re.compile(r"^5\s*Very satisfied$"))).to_have_count(1)
    expect(nps.get_by_role("radio", name=re.compile(r"^10\s*Extremely likely$"))).to_have_count(1)
    expect(nps.get_by_role("radio", name="9", exact=True)).to_have_count(1)

    # Sent with nothing chosen: the summary names the one required answer and links to it.
    page.get_by_role("button", name="Send my answers").tap()
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("1 answer needs another look.")
    expect(summary).to_be_focused()  # read out first, without a script
    problem = summary.get_by_role("link", name=re.compile(r"^How satisfied .*Please answer"))
    expect(problem).to_have_count(1)
    expect(csat.get_by_role("radio").first).to_have_attribute("aria-invalid", "true")
    expect(csat).to_have_attribute("aria-describedby", f"q{questions['csat'].pk}_error")
    expect(csat.locator(f"#q{questions['csat'].pk}_error")).to_have_text(
        "Please answer this question."
    )
    assert Response.objects.count() == 0
    _fits(page)
    # The link in the summary leads the keyboard to the question's first choice.
    page.keyboard.press("Tab")
    expect(problem).to_be_focused()
    page.keyboard.press("Enter")
    expect(csat.get_by_role("radio").first).to_be_focused()

    # From the first score, the arrow keys choose "4 Satisfied" without a tap.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(csat.get_by_role("radio", name=re.compile(r"^4\s*Satisfied$"))).to_be_checked()
    expect(csat.get_by_role("radio", checked=True)).to_have_count(1)
    # The other answers by tapping their labels.
    ces.get_by_text("Agree", exact=True).tap()
    expect(ces.get_by_role("radio", name=re.compile(r"^6\s*Agree$"))).to_be_checked()
    nps.locator("label").filter(has_text=re.compile(r"^9$")).tap()
    expect(nps.get_by_role("radio", name="9", exact=True)).to_be_checked()
    comment = page.get_by_label("Anything you want to tell us?")
    comment.tap()
    page.keyboard.type(COMMENT)
    _fits(page)
    page.get_by_role("button", name="Send my answers").tap()

    expect(page).to_have_url(re.compile(r"/thanks/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(page.get_by_text(invitation.survey.thanks)).to_be_visible()
    _fits(page)
    response = Response.objects.get(invitation=invitation)
    assert (response.csat, response.ces, response.nps) == (4, 6, 9)
    assert response.verbatim == COMMENT
    assert response.answers == {
        str(questions[QuestionKind.CSAT].pk): 4,
        str(questions[QuestionKind.CES].pk): 6,
        str(questions[QuestionKind.NPS].pk): 9,
        str(questions[QuestionKind.TEXT].pk): COMMENT,
    }
    assert (response.agent, response.team) == (people.ann, people.blue)
    assert response.device and response.network
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.ANSWERED

    # The link works once.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Already answered")
    expect(page.get_by_text("This survey has already been answered.")).to_be_visible()
    expect(page.get_by_role("button", name="Send my answers")).to_have_count(0)
    assert Response.objects.count() == 1


# --- 2. A supervisor works an alert to closure -----------------------------------------------------


@pytest.fixture
def angry(people) -> SimpleNamespace:
    """A customer's furious chat with Ann (Blue), and a complaint on Rory's (Red)."""
    customer = CustomerFactory(first_name="Dana", last_name="Doyle")
    blue = _handled_contact(people.ann, customer=customer, channel="chat")
    _said(blue, ANGRY)
    red = _handled_contact(people.rory, channel="chat")
    _said(red, ANGRY)
    alert = alert_services.alerts_evaluate_interaction(interaction=blue)
    other = alert_services.alerts_evaluate_interaction(interaction=red)
    assert alert is not None and other is not None
    return SimpleNamespace(alert=alert, other=other, customer=customer)


def test_a_supervisor_works_an_alert_to_closure(sign_in, people, angry):
    alert = angry.alert
    page = sign_in("sam")

    _menu(page, "Alerts")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alerts")
    rows = page.get_by_test_id("alerts").locator("tbody tr")
    expect(rows).to_have_count(1)  # Red's alert is not his
    row = rows.first
    expect(row).to_have_attribute("data-alert", str(alert.pk))
    expect(row).to_contain_text("The customer's words scored")
    expect(row).to_contain_text("Dana Doyle")
    expect(row).to_contain_text("Blue · Ann Able")
    expect(row).to_contain_text("New")
    row.get_by_role("link", name=f"#{alert.pk}").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Alert #{alert.pk}")
    state = page.get_by_test_id("state")
    expect(state).to_have_text("New")
    expect(page.get_by_test_id("reasons")).to_contain_text(
        re.compile(r"The customer's words scored -0\.\d\d \(alert at -0\.50 or below\)\.")
    )
    expect(page.get_by_test_id("words")).to_contain_text(ANGRY)
    expect(page.get_by_test_id("owner")).to_have_text("Nobody yet")

    page.get_by_role("button", name="Take it myself").click()
    expect(_flash(page)).to_have_text("You own this recovery now.")
    expect(state).to_have_text("In recovery")
    expect(page.get_by_test_id("owner")).to_have_text("Sam Stone")
    expect(page.get_by_role("button", name="Take it myself")).to_have_count(0)

    note = "Called Dana back; she gets a credit for the wait."
    page.get_by_test_id("note-form").get_by_label("Note").fill(note)
    page.get_by_role("button", name="Add note").click()
    expect(_flash(page)).to_have_text("Note added.")
    expect(page.get_by_test_id("timeline").locator('tr[data-kind="note"]')).to_contain_text(note)

    # Closing without a root cause is refused on the field, and nothing changes.
    close = page.get_by_test_id("close-form")
    close.get_by_label("Outcome").select_option(label=RecoveryOutcome.SAVED.label)
    close.get_by_role("button", name="Close the alert").click()
    close = page.get_by_test_id("close-form")
    root_cause = close.get_by_label("Root cause")
    expect(root_cause).to_have_attribute("aria-invalid", "true")
    expect(close.locator("#close_root_cause_error")).to_have_text(
        "Choose the root cause: it is what the report learns from."
    )
    expect(close.get_by_label("Outcome")).to_have_value(RecoveryOutcome.SAVED.value)
    expect(state).to_have_text("In recovery")
    alert.refresh_from_db()
    assert alert.state == AlertState.IN_RECOVERY and alert.root_cause is None

    root_cause.select_option(label="Long wait")
    close.get_by_label("Closing note").fill("She stays with us.")
    close.get_by_role("button", name="Close the alert").click()
    expect(_flash(page)).to_have_text("Alert closed.")
    expect(state).to_have_text("Closed")
    expect(page.get_by_test_id("outcome")).to_have_text("Customer saved")
    timeline = page.get_by_test_id("timeline").locator("tbody tr")
    expect(timeline).to_have_count(4)
    kinds = [timeline.nth(i).get_attribute("data-kind") for i in range(4)]
    assert kinds == ["fired", "taken", "note", "closed"]
    expect(timeline.nth(1)).to_contain_text("Sam Stone")
    expect(timeline.nth(3)).to_contain_text(
        "Customer saved; root cause: Long wait. She stays with us."
    )
    expect(page.get_by_role("button", name="Close the alert")).to_have_count(0)
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()
    alert.refresh_from_db()
    assert (alert.state, alert.outcome, alert.owner) == (
        AlertState.CLOSED,
        RecoveryOutcome.SAVED,
        people.sam,
    )
    assert alert.root_cause is not None and alert.root_cause.name == "Long wait"

    # The recovery report counts it, its root cause charted and tabled.
    _menu(page, "Recovery report")
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery report")
    states = page.get_by_test_id("states")
    expect(states).to_contain_text("New: 0")
    expect(states).to_contain_text("Closed: 1")
    expect(page.get_by_test_id("rate")).to_have_text("not enough data")  # one closed of ten needed
    causes = page.get_by_test_id("causes").locator("tbody tr")
    expect(causes).to_have_count(1)
    expect(causes.first).to_contain_text("Long wait")
    expect(causes.first.locator("td").last).to_have_text("1")
    chart = _drawn(page, page.locator("#root-cause-chart"))
    assert chart == {"labels": ["Long wait"], "data": [[1]]}
    assert Alert.objects.get(pk=angry.other.pk).state == AlertState.OPEN


# --- 3. A QA analyst reviews a gaming flag ---------------------------------------------------------


def test_a_qa_analyst_dismisses_a_gaming_flag(sign_in, people):
    today = timezone.localdate()
    contact = _handled_contact(people.ann, channel="chat")
    asked = MessageFactory(
        interaction=contact, side="agent", body_text="Please give me a 5 on the survey!"
    )
    flag = GamingFlag.objects.create(
        kind=GamingCheck.BEGGING,
        agent=people.ann,
        period_start=today - datetime.timedelta(days=27),
        period_end=today,
        statistic=0.3,
        p_value=0.002,
        explanation="Ann Able asked for a good score in 12 of 40 chats; the center does in 1 of 100.",
        evidence={
            "messages": [
                {"message_id": asked.pk, "interaction_id": contact.pk, "phrases": ["give me a 5"]}
            ]
        },
    )
    page = sign_in("quinn")

    _menu(page, "Survey gaming")
    expect(page.get_by_role("heading", level=1)).to_have_text("Survey gaming checks")
    row = page.get_by_test_id("flag")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Ann Able · Blue")
    expect(row).to_contain_text("To review")
    row.get_by_role("link", name=GamingCheck.BEGGING.label).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{GamingCheck.BEGGING.label}: Ann Able"
    )
    expect(page.get_by_test_id("state")).to_have_text("To review")
    expect(page.get_by_test_id("explanation")).to_have_text(flag.explanation)
    evidence = page.get_by_role("link", name=f"message {asked.pk}")
    expect(evidence).to_have_attribute("href", re.compile(rf"/{contact.pk}/$"))
    expect(page.get_by_text("“give me a 5”")).to_be_visible()

    decision = page.get_by_role("group", name="Decision")
    decision.get_by_label("Dismiss", exact=True).check()
    why = "The phrase was a reply to the customer asking about the survey."
    page.get_by_label("Why").fill(why)
    page.get_by_role("button", name="Save review").click()

    expect(_flash(page)).to_have_text("Review saved.")
    expect(page.get_by_test_id("state")).to_have_text("Dismissed")
    expect(page.get_by_text(re.compile(r"by Quinn Quality on "))).to_be_visible()
    expect(page.get_by_text(f"Last note: {why}")).to_be_visible()
    flag.refresh_from_db()
    assert (flag.state, flag.reviewed_by, flag.review_note) == (
        FlagState.DISMISSED,
        people.quinn,
        why,
    )
    page.get_by_role("link", name="Survey gaming checks").click()
    expect(page.get_by_test_id("flag")).to_contain_text("Dismissed")


# --- 4. Charts draw with no console error ----------------------------------------------------------

SAYINGS = [
    ANGRY,
    "I want to cancel my account and leave.",
    "Thanks, all good. Have a nice day.",
    "Brilliant help, thank you so much!",
    "Still waiting for my refund, this is the third time I call.",
    "My card number ends in 1234.",
]
# csat, ces, nps per answer
ANSWERS = [(5, 7, 10), (4, 6, 9), (5, 6, 8), (2, 3, 4), (1, 2, 0), (4, 5, 9)]


@pytest.fixture
def voice(people, draw_everyone) -> SimpleNamespace:
    """Twelve scored contacts of Blue, six of them surveyed and answered."""
    contacts = [_handled_contact(people.ann, channel="chat") for _ in range(12)]
    for n, interaction in enumerate(contacts):
        _said(interaction, SAYINGS[n % len(SAYINGS)])
    for interaction, (csat, ces, nps) in zip(contacts, ANSWERS, strict=False):
        invitation = _invited(people, interaction)
        by_kind = {q.kind: q for q in invitation.survey.questions.all()}
        response_services.response_submit(
            invitation=invitation,
            answers={
                str(by_kind[QuestionKind.CSAT].pk): csat,
                str(by_kind[QuestionKind.CES].pk): ces,
                str(by_kind[QuestionKind.NPS].pk): nps,
            },
        )
    return SimpleNamespace(contacts=contacts)


def test_the_insight_dashboard_and_survey_report_draw_their_charts(sign_in, voice):
    page = sign_in("sam")
    problems = _watch_problems(page)

    _menu(page, "What customers say")
    expect(page.get_by_role("heading", level=1)).to_have_text("What customers say")
    expect(page.get_by_test_id("overall")).to_contain_text("Scored contacts (n)12")
    canvases = page.locator("canvas[data-insight-chart]")
    kinds = canvases.evaluate_all("(all) => all.map((c) => c.dataset.insightChart)")
    assert {"sentiment", "intents"} <= set(kinds), kinds
    for i in range(len(kinds)):
        _drawn(page, canvases.nth(i))
    sentiment = page.locator('canvas[data-insight-chart="sentiment"]')
    n_by_day = sentiment.evaluate("(c) => window.Chart.getChart(c).config.data.labels.length")
    assert n_by_day >= 7
    mean = _drawn(page, sentiment)["data"][0]
    assert [value for value in mean if value is not None], mean  # today's mean is drawn
    assert page.evaluate("window.__csp") == []

    _menu(page, "Survey report")
    expect(page.get_by_role("heading", level=1)).to_have_text("Survey report")
    this_period = page.get_by_test_id("center").locator("tbody tr").first
    expect(this_period.locator("td").nth(0)).to_have_text("6")  # invited
    expect(this_period.locator("td").nth(1)).to_have_text("6")  # answered
    for name in ("csat", "nps", "response"):
        drawn = _drawn(page, page.locator(f'canvas[data-survey-chart="{name}"]'))
        assert drawn["labels"], name
    nps = _drawn(page, page.locator('canvas[data-survey-chart="nps"]'))
    # Promoters, passives, detractors over the weeks: 3, 1, 2 answers.
    assert [sum(v or 0 for v in series) for series in nps["data"]] == [3, 1, 2]

    assert page.evaluate("window.__csp") == []
    assert problems == []
