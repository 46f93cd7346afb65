"""Goal pages: the list (mine; my teams' grouped by agent with what waits for me first), proposing,
a goal's page with its agreement, progress and history, and the action forms."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.tests.factories import UserFactory
from rapport.performance.choices import GoalStatus
from rapport.performance.models import Goal, GoalEvent
from rapport.performance.tests.factories_goals import GoalFactory, agreed, crew, kpi, transfers

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
LIST = reverse("performance:goals")
NEW = reverse("performance:goal_create")


def detail(goal: Goal) -> str:
    return reverse("performance:goal_detail", args=[goal.pk])


def act(goal: Goal, action: str) -> str:
    return reverse("performance:goal_action", args=[goal.pk, action])


def login(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- Access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,status",
    [
        ("agent", 200),
        ("supervisor", 200),
        ("admin", 200),
        ("trainer", 403),
        ("qa_analyst", 403),
        ("marketer", 403),
        ("executive", 403),
    ],
)
def test_the_list_is_for_goal_parties(client, role, status):
    login(client, UserFactory(roles=[role]))

    assert client.get(LIST).status_code == status


def test_a_goal_page_is_404_to_a_supervisor_of_another_team(client):
    c, other = crew(), crew()
    goal = GoalFactory(agent=c.agent)

    login(client, other.supervisor)

    assert client.get(detail(goal)).status_code == 404
    assert client.post(act(goal, "agree")).status_code == 404
    goal.refresh_from_db()
    assert goal.status == GoalStatus.PROPOSED


def test_an_admin_reads_a_goal_but_is_refused_its_actions(client):
    c = crew()
    goal = GoalFactory(agent=c.agent)
    login(client, UserFactory(roles=["admin"]))

    page = client.get(detail(goal))
    refused = client.post(act(goal, "agree"))

    assert page.status_code == 200
    assert 'data-testid="agree-form"' not in text(page)
    assert "You can read this goal" in text(page)
    assert refused.status_code == 403
    assert "Admins can read goals" in text(refused)
    goal.refresh_from_db()
    assert goal.supervisor_agreed_at is None


def test_an_unknown_action_is_404(client):
    c = crew()
    goal = GoalFactory(agent=c.agent)
    login(client, c.supervisor)

    assert client.post(act(goal, "approve")).status_code == 404
    assert client.get(act(goal, "agree")).status_code == 405


# --- The list ---------------------------------------------------------------------------------------


def test_a_supervisor_sees_what_waits_for_them_first_and_due_checkins(client):
    c = crew(first_name="Ann", last_name="Aalto")
    bob = UserFactory(roles=["agent"], team=c.team, first_name="Bob", last_name="Berg")
    waiting = GoalFactory(agent=bob)
    due = agreed(agent=c.agent, supervisor=c.supervisor)
    Goal.objects.filter(pk=due.pk).update(next_checkin_on=timezone.localdate() - DAY)
    mine_proposed = GoalFactory(
        agent=c.agent,
        proposed_by=c.supervisor,
        agent_agreed_at=None,
        supervisor_agreed_at=timezone.now(),
    )
    GoalFactory(agent=crew().agent)  # another team's: never shown
    login(client, c.supervisor)

    response = client.get(LIST)

    body = text(response)
    assert response.status_code == 200
    waiting_box = body.split('data-testid="waiting"')[1].split("</section>")[0]
    assert detail(waiting) in waiting_box and detail(mine_proposed) not in waiting_box
    results = body.split('id="results"')[1]
    assert results.index(">Ann Aalto</h2>") < results.index(">Bob Berg</h2>")  # grouped by agent
    assert f'class="table-warning" data-goal="{due.pk}"' in body and "Check-in due" in body
    assert body.count("data-goal=") == 3


def test_an_agent_sees_agreed_goals_in_their_own_section(client):
    c = crew()
    proposal = GoalFactory(
        agent=c.agent,
        proposed_by=c.supervisor,
        agent_agreed_at=None,
        supervisor_agreed_at=timezone.now(),
    )
    done = agreed(agent=c.agent, supervisor=c.supervisor)
    login(client, c.agent)

    body = text(client.get(LIST))

    agreed_section = body.split(">Agreed</h2>")[1].split("</section>")[0]
    assert f'data-goal="{done.pk}"' in agreed_section
    assert f'data-goal="{proposal.pk}"' not in agreed_section
    assert "Waiting for you" in body


def test_the_list_filters_and_refuses_a_bad_filter(client):
    c = crew()
    proposal = GoalFactory(agent=c.agent)
    done = agreed(agent=c.agent, supervisor=c.supervisor)
    login(client, c.supervisor)

    filtered = text(client.get(LIST, {"status": "agreed"}))
    bad = client.get(LIST, {"status": "nonsense"})

    assert f'data-goal="{done.pk}"' in filtered and f'data-goal="{proposal.pk}"' not in filtered
    assert bad.status_code == 400 and "data-goal=" not in text(bad)


def test_the_list_answers_htmx_with_its_results_only(client):
    c = crew()
    GoalFactory(agent=c.agent)
    login(client, c.supervisor)

    response = client.get(LIST, headers={"HX-Request": "true"})

    assert response.status_code == 200 and "<html" not in text(response)
    assert "data-goal=" in text(response)


def test_the_list_runs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    c = crew()
    for _ in range(4):
        member = UserFactory(roles=["agent"], team=c.team)
        GoalFactory(agent=member)
        agreed(agent=member, supervisor=c.supervisor)
    login(client, c.supervisor)

    with django_assert_max_num_queries(12):
        response = client.get(LIST)

    assert text(response).count("data-goal=") == 8


# --- Proposing --------------------------------------------------------------------------------------


def test_an_agent_proposes_a_goal(client):
    c = crew()
    login(client, c.agent)
    form = text(client.get(NEW))
    assert 'name="agent"' not in form and "autofocus" in form

    today = timezone.localdate()
    response = client.post(
        NEW,
        {
            "kpi": kpi().pk,
            "target": "9.5",
            "starts_on": today.isoformat(),
            "ends_on": (today + 30 * DAY).isoformat(),
            "checkin_every_days": "7",
            "note": "Fewer transfers",
        },
    )

    goal = Goal.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(goal)
    assert goal.agent == c.agent and goal.target == Decimal("9.50") and goal.agent_agreed_at


def test_a_supervisor_chooses_among_their_agents_only(client):
    c, other = crew(), crew()
    login(client, c.supervisor)

    form = text(client.get(NEW))
    today = timezone.localdate()
    refused = client.post(
        NEW,
        {
            "agent": other.agent.pk,
            "kpi": kpi().pk,
            "target": "9",
            "starts_on": today.isoformat(),
            "ends_on": today.isoformat(),
            "checkin_every_days": "7",
        },
    )

    agents = form.split('name="agent"')[1].split("</select>")[0]
    assert f'value="{c.agent.pk}"' in agents and f'value="{other.agent.pk}"' not in agents
    assert refused.status_code == 400 and not Goal.objects.exists()


def test_a_bad_proposal_shows_its_errors(client):
    c = crew()
    login(client, c.agent)
    today = timezone.localdate()

    response = client.post(
        NEW,
        {
            "kpi": kpi().pk,
            "target": "150",
            "starts_on": today.isoformat(),
            "ends_on": today.isoformat(),
            "checkin_every_days": "7",
        },
    )

    assert response.status_code == 400
    assert "give a target from 0 to 100" in text(response)
    assert not Goal.objects.exists()


def test_survey_kpis_are_offered(client):
    c = crew()
    login(client, c.agent)

    form = text(client.get(NEW))

    assert f'value="{kpi("csat").pk}"' in form and f'value="{kpi().pk}"' in form


def test_an_admin_cannot_propose(client):
    login(client, UserFactory(roles=["admin"]))

    assert client.get(NEW).status_code == 403


# --- One goal and its actions -----------------------------------------------------------------------


def test_the_goal_page_shows_agreement_progress_and_history(client):
    c = crew()
    start = timezone.localdate() - 3 * DAY
    goal = agreed(agent=c.agent, supervisor=c.supervisor, starts_on=start, target=Decimal("30"))
    transfers(agent=c.agent, day=start + DAY, handled=40, transferred=10)
    login(client, c.agent)
    client.post(act(goal, "checkin"), {"note": "First check-in"})

    body = text(client.get(detail(goal)))

    assert "this goal counts" in body
    assert 'data-testid="value">25.0' in body and "n = 40" in body and "target met" in body
    assert "goal-chart-data" in body and "performance/goals.js" in body
    assert "First check-in" in body and 'data-kind="checked_in"' in body
    assert 'data-testid="checkin-form"' in body and 'data-testid="agree-form"' not in body


def test_not_enough_data_is_said_not_shown_as_a_number(client):
    c = crew()
    goal = agreed(agent=c.agent, supervisor=c.supervisor, starts_on=timezone.localdate() - 3 * DAY)
    transfers(agent=c.agent, day=timezone.localdate() - 2 * DAY, handled=4, transferred=1)
    login(client, c.supervisor)

    body = text(client.get(detail(goal)))

    assert 'data-testid="value">not enough data' in body and "n = 4" in body


def test_the_supervisor_agrees_from_the_page(client):
    c = crew()
    goal = GoalFactory(agent=c.agent)
    login(client, c.supervisor)
    assert 'data-testid="agree-form"' in text(client.get(detail(goal)))

    response = client.post(act(goal, "agree"))

    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.status == GoalStatus.AGREED


def test_declining_without_a_reason_shows_the_error(client):
    c = crew()
    goal = GoalFactory(agent=c.agent)
    login(client, c.supervisor)

    response = client.post(act(goal, "decline"), {"note": ""})

    assert response.status_code == 400
    assert 'id="decline_note"' in text(response) and "This field is required" in text(response)
    goal.refresh_from_db()
    assert goal.status == GoalStatus.PROPOSED


def test_a_revision_from_the_page(client):
    c = crew()
    goal = agreed(agent=c.agent, supervisor=c.supervisor)
    login(client, c.agent)

    response = client.post(
        act(goal, "revise"),
        {"target": "11", "ends_on": goal.ends_on.isoformat(), "note": "More room"},
    )

    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.status == GoalStatus.PROPOSED and goal.supervisor_agreed_at is None
    assert GoalEvent.objects.filter(goal=goal, kind="revised").exists()


def test_a_refused_action_says_why(client):
    c = crew()
    goal = GoalFactory(agent=c.agent)
    login(client, c.agent)

    response = client.post(act(goal, "agree"))

    assert response.status_code == 409 and "already agreed" in text(response)
