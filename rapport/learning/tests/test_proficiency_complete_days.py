"""Time to proficiency counts complete days only (today's figures are partial), new hires are
one rule shared with new-hire learning paths, and the cohorts page states the censoring rule."""

import datetime

import pytest
from django.urls import reverse

from rapport.accounts.tests.factories import UserFactory
from rapport.learning import proficiency as levels
from rapport.learning.models import Assignment
from rapport.learning.selectors.settings import NEW_HIRE_DAYS, new_hire_since
from rapport.learning.services import assignments as assignment_services
from rapport.learning.tests.factories_learning import (
    LearningPathFactory,
    PathStepFactory,
    module_with_questions,
)
from rapport.learning.tests.test_proficiency_cohorts import weeks_of
from rapport.performance import catalog
from rapport.performance.models import Kpi

START = datetime.date(2025, 3, 3)


@pytest.fixture(autouse=True)
def registry(db):
    if not Kpi.objects.filter(key="fcr").exists():
        catalog.defaults_ensure()


def reached(agent, today: datetime.date) -> levels.Duration:
    kpi_list, _ = levels.proficiency_kpis()
    (found,) = levels.durations_for([agent], today=today, kpi_list=kpi_list, weeks=2)
    return found


def test_a_week_ending_today_is_not_complete_yet(db):
    agent = UserFactory.create(roles=["agent"], started_on=START)
    weeks_of(agent, START, 90.0, 90.0)
    second_week_ends = START + datetime.timedelta(days=13)
    # On the last day of the second week, that day's figures are still coming in.
    assert not reached(agent, today=second_week_ends).reached
    assert reached(agent, today=second_week_ends + datetime.timedelta(days=1)).reached


def test_a_leaver_is_observed_until_their_last_complete_day(db):
    agent = UserFactory.create(roles=["agent"], started_on=START, is_active=False)
    weeks_of(agent, START, 90.0, 90.0)
    # Their last day with data is today: partial, so the second week is not complete.
    assert not reached(agent, today=START + datetime.timedelta(days=13)).reached


def test_new_hire_horizon_is_one_rule_for_paths_and_cohorts(db):
    today = datetime.date(2025, 9, 1)
    since = new_hire_since(today)
    assert since == today - datetime.timedelta(days=NEW_HIRE_DAYS)
    on_the_line = UserFactory.create(roles=["agent"], started_on=since)
    a_day_early = UserFactory.create(roles=["agent"], started_on=since - datetime.timedelta(days=1))
    picked = levels.new_hires([on_the_line, a_day_early], today=today, since=START)
    assert picked == [on_the_line]
    path = LearningPathFactory(role="agent")
    step = PathStepFactory(path=path, module=module_with_questions(1))
    assignment_services.path_assignments(today=today)
    assigned = set(Assignment.objects.filter(module=step.module).values_list("agent", flat=True))
    assert assigned == {on_the_line.pk}


def test_cohorts_page_states_the_censoring_rule(db, client_for):
    client, _ = client_for("trainer")
    html = client.get(reverse("learning:proficiency_cohorts")).content.decode()
    assert "counted until today" not in html
    assert "earliest run" in html and "not yet fully observed" in html
    assert "last day with data" in html and "yesterday" in html
    assert "style=" not in html.split("<main")[-1]
