"""The learning and briefing pages of trainers, supervisors and agents in a real Chromium.

Blue is led by Lea Lead (supervisor) and has Ann Able and Bob Baker; Red is led by Rita Red and has
Rory Redmond. Tess Trainer writes content. Data other than what a test types is made through the
real services (gap sweep, publishing) or, for KPI history, as daily rollups.
"""

import datetime
import re
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from rapport.accounts.models import User
from rapport.accounts.tests.factories import SkillFactory, TeamFactory, UserFactory
from rapport.briefings.models import BriefingDelivery
from rapport.briefings.services import briefings as briefing_services
from rapport.briefings.tests.factories_briefings import published, right_answers
from rapport.learning import proficiency as levels
from rapport.learning.choices import AssignmentStatus, GapMode
from rapport.learning.models import Assignment, Module, ReviewItem
from rapport.learning.services.gaps import gap_sweep
from rapport.learning.tests.factories_learning import (
    GapRuleFactory,
    agent_rollup,
    module_with_questions,
    preventable_escalation,
)
from rapport.learning.tests.test_impact_did import ledger
from rapport.learning.tests.test_proficiency_cohorts import day_of
from rapport.performance import catalog
from tests.browser.helpers_learning import (
    assert_clean,
    drawn,
    every_chart_drawn,
    flash,
    menu,
    signer,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MODULE = "Refunds without a second call"


@pytest.fixture
def sign_in(browser: Browser, live_server, password) -> Iterator[Callable[[str], Page]]:
    yield from signer(browser, live_server.url, password)


@pytest.fixture
def people(db) -> SimpleNamespace:
    catalog.defaults_ensure()
    lea = UserFactory(username="lea", roles=["supervisor"], first_name="Lea", last_name="Lead")
    blue = TeamFactory(name="Blue", supervisor=lea)
    ann = UserFactory(
        username="ann", roles=["agent"], team=blue, first_name="Ann", last_name="Able"
    )
    bob = UserFactory(
        username="bob", roles=["agent"], team=blue, first_name="Bob", last_name="Baker"
    )
    rita = UserFactory(username="rita", roles=["supervisor"], first_name="Rita", last_name="Red")
    red = TeamFactory(name="Red", supervisor=rita)
    rory = UserFactory(
        username="rory", roles=["agent"], team=red, first_name="Rory", last_name="Redmond"
    )
    tess = UserFactory(username="tess", roles=["trainer"], first_name="Tess", last_name="Trainer")
    skill = SkillFactory(name="Refunds")
    return SimpleNamespace(
        lea=lea, blue=blue, ann=ann, bob=bob, rita=rita, red=red, rory=rory, tess=tess, skill=skill
    )


def _escalating(agent: User, day: datetime.date, count: int) -> None:
    """100 handled contacts and `count` preventable escalations in the days before `day`."""
    agent_rollup(agent, day - datetime.timedelta(days=2), handled=100)
    at = timezone.now() - datetime.timedelta(days=3)
    for _ in range(count):
        preventable_escalation(agent, at)


# --- Trainer: content, a proposal from a gap, impact and cohorts -----------------------------------


def test_a_trainer_writes_a_module_and_confirms_the_assignment_a_gap_proposes(sign_in, people):
    page = sign_in("tess")
    menu(page, "Modules")
    page.get_by_role("link", name="New module").click()
    page.get_by_label("Title").fill(MODULE)
    page.get_by_label("Summary").fill("Settle a refund on the first contact.")
    page.get_by_label("Body").fill("## The rule\n\nCheck the **order date** before anything else.")
    page.get_by_label("Skill").select_option(label="Refunds")
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_have_text("Module saved. Now write its questions.")
    module = Module.objects.get(title=MODULE)
    assert module.skill == people.skill and module.is_active
    expect(page).to_have_url(re.compile(rf"/learning/modules/{module.pk}/questions/$"))
    page.get_by_role("textbox", name="Question").fill("What do you check first?")
    page.get_by_label("Explanation").fill("The order date decides which refund rule applies.")
    page.get_by_label("Choice 1", exact=True).fill("The order date")
    page.get_by_label("Choice 2", exact=True).fill("The customer's mood")
    page.locator(".input-group").first.get_by_role("checkbox").check()
    page.get_by_role("button", name="Add question").click()
    expect(flash(page)).to_have_text("Question added.")
    question = page.get_by_test_id("questions").locator("li[data-question]")
    expect(question).to_have_count(1)
    expect(question).to_contain_text("What do you check first?")
    expect(question.locator("li", has_text="The order date")).to_contain_text("correct")
    assert module.questions.get().choices.filter(is_correct=True).count() == 1

    # A gap rule in "confirm" mode maps preventable escalations to the module; the sweep proposes.
    GapRuleFactory(threshold=2, min_n=50, module=module, mode=GapMode.CONFIRM)
    today = timezone.localdate()
    _escalating(people.ann, today, count=6)
    _escalating(people.bob, today, count=0)
    assert gap_sweep(today=today)["proposed"] == 1

    menu(page, "Assignments")
    proposed = page.get_by_test_id("proposed")
    expect(proposed.locator("[data-assignment]")).to_have_count(1)
    expect(proposed).to_contain_text(MODULE)
    expect(proposed).to_contain_text("preventable escalations")
    expect(proposed).to_contain_text("n = 100 handled contacts")
    proposed.get_by_role("button", name=re.compile(r"^Confirm")).click()
    expect(flash(page)).to_have_text(f"Assigned “{MODULE}” to Ann Able.")
    expect(page.get_by_test_id("proposed")).to_have_count(0)
    assignment = Assignment.objects.get(agent=people.ann, module=module)
    assert assignment.status == AssignmentStatus.ASSIGNED
    assert not Assignment.objects.filter(agent=people.bob).exists()
    assert_clean(page)


def test_training_impact_and_cohort_charts_draw(sign_in, people):
    # Four trained and four untrained agents around a day 40 days ago (a known effect).
    ledger(anchor=timezone.localdate() - datetime.timedelta(days=40))
    # Two monthly cohorts, each just large enough to be shown, at target after their first weeks.
    today = timezone.localdate()
    for months in (3, 2):
        start = today - datetime.timedelta(days=30 * months)
        for _ in range(levels.MIN_COHORT):
            hire = UserFactory(roles=["agent"], started_on=start)
            for offset in range(0, (today - start).days, 2):
                day_of(hire, start + datetime.timedelta(days=offset), fcr=70 if offset < 20 else 85)
    page = sign_in("tess")

    menu(page, "Training impact")
    expect(page.get_by_role("heading", level=1)).to_have_text("Training impact")
    form = page.get_by_test_id("impact-form")
    form.get_by_label("Module").select_option(index=1)
    form.get_by_label("KPI").select_option(label="First-contact resolution")
    form.get_by_role("button", name="Compare").click()
    expect(page.get_by_test_id("impact-estimate")).to_contain_text("Difference in differences")
    chart = drawn(page, page.locator('canvas[data-learning-chart="impact"]'))
    assert chart["labels"] == ["Before", "After"]
    rows = page.get_by_test_id("impact-table").locator("tbody tr")
    expect(rows).to_have_count(2)
    assert_clean(page)

    page.get_by_role("link", name="Time to proficiency").click()
    expect(page.get_by_test_id("cohort-table")).to_be_visible()
    cohorts = drawn(page, page.locator('canvas[data-learning-chart="cohorts"]'))
    assert len(cohorts["data"]) >= 1, cohorts
    assert_clean(page)


# --- Supervisor: read / understood, proficiency ----------------------------------------------------


def test_a_supervisor_sees_read_and_understood_and_the_team_proficiency(sign_in, people):
    now = timezone.now()
    briefing = published(
        author=people.tess,
        agents=[people.ann, people.bob, people.rory],
        questions=1,
        title="Card fraud script",
        at=now - datetime.timedelta(days=5),
        due_at=now - datetime.timedelta(days=1),
    )
    ann = BriefingDelivery.objects.get(briefing=briefing, agent=people.ann)
    briefing_services.delivery_open(delivery=ann)
    briefing_services.check_submit(delivery=ann, answers=right_answers(briefing))
    module_with_questions(2, skill=people.skill)
    page = sign_in("lea")

    menu(page, "Read & understood")
    figures = page.get_by_test_id("figures")
    expect(figures).to_contain_text("Card fraud script")
    expect(figures.locator("tr", has_text="Blue")).to_contain_text("1 of 2")
    expect(figures).not_to_contain_text("Red")  # another team's figures are not hers
    drawn(page, page.locator("#briefing-chart"))
    behind = page.get_by_test_id("behind")
    expect(behind).to_contain_text("Bob Baker")
    expect(behind).to_contain_text("overdue")
    expect(behind).not_to_contain_text("Ann Able")
    expect(behind).not_to_contain_text("Rory")
    assert_clean(page)

    menu(page, "Proficiency")
    matrix = page.get_by_test_id("proficiency-matrix")
    expect(matrix).to_contain_text("Ann Able")
    expect(matrix).to_contain_text("Bob Baker")
    expect(matrix).to_contain_text("Refunds")
    expect(matrix).not_to_contain_text("Rory")
    assert_clean(page)


# --- Agent: my learning, my briefings --------------------------------------------------------------


def test_an_agent_takes_a_gap_module_fails_then_passes_and_reads_my_briefings(sign_in, people):
    module = module_with_questions(2, skill=people.skill, title=MODULE, pass_mark=100)
    GapRuleFactory(threshold=2, min_n=50, module=module, mode=GapMode.AUTO)
    today = timezone.localdate()
    _escalating(people.ann, today, count=5)
    assert gap_sweep(today=today)["assigned"] == 1
    briefing = published(author=people.tess, agents=[people.ann], title="New greeting")
    page = sign_in("ann")

    menu(page, "My learning")
    mine = page.get_by_test_id("my-assignments")
    expect(mine).to_contain_text(MODULE)
    expect(mine).to_contain_text("Why: Your preventable escalations were 5")
    expect(page.get_by_test_id("my-reviews")).to_contain_text("No review questions yet")
    mine.get_by_role("link", name=re.compile(r"^Start")).click()

    card = page.get_by_test_id("module-card")
    expect(card.get_by_test_id("reason")).to_contain_text("preventable escalations")
    questions = list(module.questions.prefetch_related("choices").order_by("order"))
    first, second = questions
    card.get_by_label(first.choices.get(is_correct=True).text, exact=True).check()
    card.get_by_label(second.choices.filter(is_correct=False).first().text, exact=True).check()
    card.get_by_role("button", name="Submit answers").click()
    failed = page.get_by_test_id("failed")
    expect(failed).to_contain_text("1 of 2 right")
    expect(failed).to_contain_text(second.explanation)
    card = page.get_by_test_id("module-card")
    card.get_by_label(first.choices.get(is_correct=True).text, exact=True).check()
    card.get_by_label(second.choices.get(is_correct=True).text, exact=True).check()
    card.get_by_role("button", name="Try again").click()
    expect(page.get_by_test_id("passed")).to_contain_text("2 of 2 right")
    assignment = Assignment.objects.get(agent=people.ann, module=module)
    assert assignment.status == AssignmentStatus.COMPLETED
    assert ReviewItem.objects.filter(agent=people.ann).count() == 2

    menu(page, "My learning")
    expect(page.get_by_test_id("my-completed")).to_contain_text(MODULE)
    reviews = page.get_by_test_id("my-reviews")
    expect(reviews).to_contain_text("0 of 2 questions")
    expect(page.get_by_text("Nothing assigned right now")).to_be_visible()
    assert_clean(page)

    menu(page, "My briefings")
    todo = page.get_by_test_id("todo")
    expect(todo).to_contain_text("New greeting")
    todo.get_by_role("link", name="New greeting").click()
    expect(page.get_by_test_id("briefing-card")).to_contain_text("The new refund rule")
    assert BriefingDelivery.objects.get(briefing=briefing, agent=people.ann).opened_at is not None
    every_chart_drawn(page)
    assert_clean(page)
