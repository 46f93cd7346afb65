"""Retention and mastery for learning trackers: figures by team, module and skill over a chosen
period, scoped to the agents the viewer tracks, with any figure resting on fewer than five agents
hidden; a page with a chart and tables, and the same through the API."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.learning.models import ReviewItem, ReviewLog
from rapport.learning.selectors import proficiency as selectors
from rapport.learning.tests.factories_learning import module_with_questions
from rapport.learning.tests.factories_reviews import reviews_for
from rapport.performance.stats import wilson

ANSWERS = 10  # per agent, on each of two days


def answered(agent, module, *, right: int, when: datetime.datetime, predicted: float) -> None:
    """ANSWERS review answers of the agent on the module, `right` of them right."""
    items = reviews_for(agent, module=module, at=when - datetime.timedelta(days=60))
    for i in range(ANSWERS):
        ReviewLog.objects.create(
            item=items[i % len(items)],
            reviewed_at=when,
            correct=i < right,
            rating=3 if i < right else 1,
            predicted_recall=predicted,
        )


@pytest.fixture
def world(db):
    """Blue: a supervisor and five agents, 8 of 10 right, items mastered. Red: another
    supervisor and two agents, 2 of 10 right. All on one module of one skill."""
    when = timezone.now() - datetime.timedelta(days=2)
    module = module_with_questions(3)
    blue_lead = UserFactory(roles=["supervisor"])
    red_lead = UserFactory(roles=["supervisor"])
    blue = TeamFactory(name="Blue", supervisor=blue_lead)
    red = TeamFactory(name="Red", supervisor=red_lead)
    blue_agents = [UserFactory(roles=["agent"], team=blue) for _ in range(5)]
    red_agents = [UserFactory(roles=["agent"], team=red) for _ in range(2)]
    for agent in blue_agents:
        answered(agent, module, right=8, when=when, predicted=0.9)
    for agent in red_agents:
        answered(agent, module, right=2, when=when, predicted=0.9)
    ReviewItem.objects.filter(agent__in=blue_agents).update(stability=60.0)
    return {
        "module": module,
        "blue": blue,
        "red": red,
        "blue_lead": blue_lead,
        "red_lead": red_lead,
        "when": when,
        "blue_agents": blue_agents,
    }


def test_trainers_see_every_team_with_small_groups_hidden(world):
    trainer = UserFactory(roles=["trainer"])
    report = selectors.retention_for(viewer=trainer)
    assert report.agents_tracked == 7
    overall = report.overall
    assert overall.shown and overall.retention.n == 70
    assert overall.retention.value == pytest.approx(44 / 70)
    low, high = wilson(44, 70)
    assert overall.retention.ci_low == pytest.approx(low)
    assert overall.retention.ci_high == pytest.approx(high)
    assert overall.predicted == pytest.approx(0.9)
    teams = {row.label: row for row in report.groups["team"]}
    assert teams["Blue"].shown and teams["Blue"].retention.value == pytest.approx(0.8)
    assert teams["Blue"].mastery == pytest.approx(1.0)
    # Two agents: their figures would be their own, so none shows.
    assert not teams["Red"].shown and teams["Red"].retention.value is None
    assert teams["Red"].predicted is None and teams["Red"].mastery is None
    (module_row,) = report.groups["module"]
    assert module_row.label == world["module"].title and module_row.agents == 7
    (skill_row,) = report.groups["skill"]
    assert skill_row.label == world["module"].skill.name


def test_supervisors_see_their_own_teams_agents_only(world):
    report = selectors.retention_for(viewer=world["blue_lead"])
    assert report.agents_tracked == 5
    assert report.overall.retention.n == 50
    assert report.overall.retention.value == pytest.approx(0.8)
    assert [row.label for row in report.groups["team"]] == ["Blue"]


def test_a_supervisor_of_fewer_than_five_agents_sees_no_figure(world):
    report = selectors.retention_for(viewer=world["red_lead"])
    assert report.agents_tracked == 2
    assert not report.overall.shown and report.overall.retention.value is None
    assert not report.overall.mastery_shown and report.overall.mastery is None
    assert all(not week.shown for week in report.weeks)


def test_the_period_chooses_the_answers(world):
    trainer = UserFactory(roles=["trainer"])
    old = timezone.now() - datetime.timedelta(days=40)
    for agent in world["blue_agents"]:
        answered(agent, module_with_questions(3), right=0, when=old, predicted=0.5)
    recent = selectors.retention_for(viewer=trainer)
    longer = selectors.retention_for(viewer=trainer, days=56)
    assert recent.days == 28 and recent.overall.retention.n == 70
    assert longer.overall.retention.n == 120
    assert longer.overall.predicted == pytest.approx((70 * 0.9 + 50 * 0.5) / 120)


@pytest.mark.parametrize("value", ["abc", "0", "29", "-7", "9" * 40])
def test_an_unreadable_period_is_a_400_not_a_500(world, api_for, client_for, value):
    api, _ = api_for("trainer")
    response = api.get(reverse("api-learning-retention"), {"period": value})
    assert response.status_code == 400
    client, _ = client_for("trainer")
    page = client.get(reverse("learning:retention"), {"period": value})
    assert page.status_code == 400
    assert 'data-testid="retention-errors"' in page.content.decode()


def test_page_shows_chart_and_tables(world, client_for):
    client, _ = client_for("supervisor")
    lead = world["blue_lead"]
    client.force_login(lead)
    response = client.get(reverse("learning:retention"), {"period": "56"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-learning-chart="retention"' in html and 'id="learning-charts"' in html
    for part in ("retention-overall", "retention-weeks", "retention-team", "retention-module"):
        assert f'data-testid="{part}"' in html
    assert "80.0 %" in html  # Blue's share right
    assert "style=" not in html.split('id="retention-body"')[1]


def test_page_hides_small_groups(world, client_for):
    client, _ = client_for("trainer")
    html = client.get(reverse("learning:retention")).content.decode()
    assert "fewer than 5 agents answered reviews: hidden" in html
    assert "20.0 %" not in html  # Red's share right never shows


def test_page_without_reviews_says_what_to_do(db, client_for):
    client, _ = client_for("trainer")
    response = client.get(reverse("learning:retention"))
    assert response.status_code == 200
    assert "No reviews yet" in response.content.decode()


def test_api_gives_the_same_figures_within_scope(world, api_for):
    api, lead = api_for("supervisor")
    world["blue"].supervisor = lead
    world["blue"].save()
    body = api.get(reverse("api-learning-retention"), {"period": "28"}).json()
    assert body["period_days"] == 28 and body["agents_tracked"] == 5
    assert body["overall"]["retention"] == pytest.approx(0.8)
    assert body["overall"]["answers"] == 50
    assert body["overall"]["predicted_recall"] == pytest.approx(0.9)
    assert body["overall"]["mastery"] == pytest.approx(1.0)
    assert [team["name"] for team in body["teams"]] == ["Blue"]
    assert body["weeks"] and all("retention" in week for week in body["weeks"])


def test_api_withholds_small_groups(world, api_for):
    api, _ = api_for("trainer")
    body = api.get(reverse("api-learning-retention")).json()
    red = next(team for team in body["teams"] if team["name"] == "Red")
    assert red["shown"] is False
    assert red["retention"] is None and red["agents"] is None and red["answers"] is None


@pytest.mark.parametrize("role", ["agent", "qa_analyst", "marketer", "executive"])
def test_retention_is_only_for_learning_trackers(db, client_for, api_for, role):
    client, _ = client_for(role)
    assert client.get(reverse("learning:retention")).status_code == 403
    api, _ = api_for(role)
    assert api.get(reverse("api-learning-retention")).status_code == 403


def test_menu_offers_retention_to_trackers_only(db, client_for):
    client, _ = client_for("supervisor")
    assert (
        reverse("learning:retention")
        in client.get(reverse("learning:proficiency")).content.decode()
    )
    client, _ = client_for("agent")
    assert (
        reverse("learning:retention") not in client.get(reverse("learning:mine")).content.decode()
    )
