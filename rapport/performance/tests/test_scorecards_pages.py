"""/performance/scorecards/: where "Scorecard" leads, agent and team scorecards, who sees which,
and ranking only when admins switch it on."""

import re

import pytest
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import proportion_confint

from rapport.accounts.tests.factories import TeamFactory
from rapport.core.roles import Role
from rapport.performance.models import MeasurementSettings
from rapport.performance.tests import factories_scorecards as make

pytestmark = pytest.mark.django_db

MINE = "/performance/scorecards/"
WEEK = "period=week&date=2024-03-06"


def agent_url(agent) -> str:
    return f"/performance/scorecards/agents/{agent.pk}/"


def team_url(team) -> str:
    return f"/performance/scorecards/teams/{team.pk}/"


@pytest.fixture
def world():
    return make.figures()


@pytest.fixture
def ranking_on():
    MeasurementSettings.objects.filter(pk=1).update(ranking_enabled=True)


def section(page: str, testid: str) -> str:
    found = re.search(rf'<section[^>]*data-testid="{testid}".*?</section>', page, re.S)
    assert found, f"the page has a {testid} section"
    return found.group(0)


def card(page: str, key: str) -> str:
    found = re.search(rf'<article[^>]*data-testid="kpi-{key}".*?</article>', page, re.S)
    assert found, f"the page has a card for {key}"
    return found.group(0)


def cards_in(html: str) -> set[str]:
    return set(re.findall(r'<article[^>]*data-testid="kpi-([a-z_]+)"', html))


# --- Where "Scorecard" leads -----------------------------------------------------------------------


def test_an_agent_lands_on_their_own_scorecard(client):
    world = make.people()
    client.force_login(world.ann)

    response = client.get(MINE)

    assert response.status_code == 302
    assert response["Location"] == agent_url(world.ann)


def test_a_supervisor_lands_on_the_first_team_they_lead(client):
    world = make.people()
    TeamFactory(name="Amber", supervisor=world.lead)
    client.force_login(world.lead)

    response = client.get(MINE)

    assert response.status_code == 302
    amber = world.lead.supervised_teams.get(name="Amber")
    assert response["Location"] == team_url(amber)


@pytest.mark.parametrize("role", [Role.TRAINER, Role.EXECUTIVE, Role.ADMIN])
def test_readers_of_aggregates_land_on_the_wall(client, role):
    world = make.people()
    client.force_login(world.by_role[role])

    response = client.get(MINE)

    assert response.status_code == 302
    assert response["Location"] == "/performance/kpis/"


def test_a_supervisor_without_a_team_lands_on_the_wall(client, make_user):
    client.force_login(make_user(Role.SUPERVISOR))

    response = client.get(MINE)

    assert response["Location"] == "/performance/kpis/"


@pytest.mark.parametrize("role", [Role.QA_ANALYST, Role.MARKETER])
def test_roles_without_a_scorecard_are_told_so(client, make_user, role):
    client.force_login(make_user(role))

    assert client.get(MINE).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    world = make.people()
    for url in (MINE, agent_url(world.ann), team_url(world.blue)):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


# --- Who sees which scorecard ----------------------------------------------------------------------

# role -> (Ann of Blue, Rory of Red, Blue, Red)
PRIVACY = {
    Role.AGENT: (200, 404, 200, 404),  # Ann herself; her own team's aggregate
    Role.SUPERVISOR: (200, 404, 200, 404),  # Lea leads Blue
    Role.TRAINER: (404, 404, 200, 404),  # Red has one agent: too small to show outside it
    Role.EXECUTIVE: (404, 404, 200, 404),
    Role.QA_ANALYST: (404, 404, 404, 404),
    Role.MARKETER: (404, 404, 404, 404),
    Role.ADMIN: (200, 200, 200, 200),
}


@pytest.mark.parametrize("role", list(PRIVACY))
def test_each_role_opens_exactly_the_scorecards_it_may(client, role):
    world = make.people()
    client.force_login(world.by_role[role])

    got = tuple(
        client.get(url).status_code
        for url in (
            agent_url(world.ann),
            agent_url(world.rory),
            team_url(world.blue),
            team_url(world.red),
        )
    )

    assert got == PRIVACY[role]


def test_an_agent_does_not_see_a_teammates_scorecard(client):
    world = make.people()
    client.force_login(world.ann)

    assert client.get(agent_url(world.bob)).status_code == 404


def test_a_scorecard_that_does_not_exist_is_not_found(client, make_user):
    client.force_login(make_user(Role.ADMIN))

    for number in ("999999", "9" * 30):
        assert client.get(f"/performance/scorecards/agents/{number}/").status_code == 404
        assert client.get(f"/performance/scorecards/teams/{number}/").status_code == 404


def test_a_refused_scorecard_says_not_found_even_with_a_bad_date(client):
    world = make.people()
    client.force_login(world.ann)

    assert client.get(f"{agent_url(world.rory)}?date=nonsense").status_code == 404


# --- The agent scorecard ---------------------------------------------------------------------------


def test_an_agents_scorecard_shows_her_figures(client, world):
    client.force_login(world.ann)

    page = client.get(f"{agent_url(world.ann)}?{WEEK}").content.decode()

    fcr = card(page, "fcr")
    low, high = proportion_confint(30, 40, method="wilson")
    assert re.search(r'data-testid="value">75\.0 %<', fcr)
    assert f"95% CI {low * 100:.1f} % – {high * 100:.1f} %" in fcr
    assert "n = 40" in fcr
    assert "On target" in fcr
    # Handle time: 20 calls of 360 s and 20 of 480 s.
    aht = card(page, "aht_phone")
    mean = 420
    sem = scipy_stats.sem([360] * 20 + [480] * 20)
    t_low, t_high = scipy_stats.t.interval(0.95, df=39, loc=mean, scale=sem)
    assert re.search(r'data-testid="value">7:00<', aht)
    assert f"95% CI {make_clock(t_low)} – {make_clock(t_high)}" in aht
    assert "Off target" in aht
    assert f'href="/performance/agents/{world.ann.pk}/"' in page


def make_clock(seconds: float) -> str:
    total = round(seconds)
    return f"{total // 60}:{total % 60:02d}"


def test_hard_and_soft_metrics_are_separate_sections(client, world):
    client.force_login(world.ann)

    page = client.get(f"{agent_url(world.ann)}?{WEEK}").content.decode()

    hard, soft = cards_in(section(page, "hard")), cards_in(section(page, "soft"))
    assert {"fcr", "aht_phone", "service_level", "upsell_conversion"} <= hard
    assert {"csat", "nps", "customer_effort", "qa_score", "compliments"} <= soft
    assert not hard & soft


def test_qa_soft_skills_and_qa_score_come_from_counted_evaluations(client, world):
    """30 evaluations of Ann: empathy met in 24; ownership (two criteria) and relationship always
    met; scores alternate 80 and 90."""
    client.force_login(world.lead)

    page = client.get(f"{agent_url(world.ann)}?{WEEK}").content.decode()

    skills = page[page.index('data-testid="soft-skills"') :]
    empathy = re.search(r'data-testid="skill-empathy">(.*?)</tr>', skills, re.S).group(1)
    low, high = proportion_confint(24, 30, method="wilson")
    assert "80.0 %" in empathy
    assert f"{low * 100:.1f} % – {high * 100:.1f} %" in empathy
    assert ">30<" in empathy
    ownership = re.search(r'data-testid="skill-ownership">(.*?)</tr>', skills, re.S).group(1)
    assert "100.0 %" in ownership
    assert ">60<" in ownership
    assert re.search(r'data-testid="value">85\.0<', card(page, "qa_score"))


def test_too_few_contacts_say_not_enough_data(client, world):
    client.force_login(world.lead)

    page = client.get(f"{agent_url(world.cy)}?{WEEK}").content.decode()

    assert "Not enough data (n=10)" in card(page, "fcr")
    skills = page[page.index('data-testid="soft-skills"') :]
    assert "Not enough data (n=0)" in skills


def test_survey_kpis_show_their_response_rate(client, world):
    client.force_login(world.ann)

    page = client.get(f"{agent_url(world.ann)}?{WEEK}").content.decode()

    assert "Not enough data (n=0)" in card(page, "nps")
    assert "0 answered of 0 invited" in card(page, "nps")


def test_a_bad_period_on_a_scorecard_is_a_readable_error(client, world):
    client.force_login(world.ann)

    response = client.get(f"{agent_url(world.ann)}?period=fortnight")

    assert response.status_code == 400
    assert "Choose a period: day, week or month." in response.content.decode()


def test_the_scorecard_reads_a_bounded_number_of_queries(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.lead)

    with django_assert_max_num_queries(11):
        response = client.get(f"{agent_url(world.ann)}?{WEEK}")

    assert response.status_code == 200


# --- The team scorecard ----------------------------------------------------------------------------


def test_a_team_scorecard_adds_up_its_agents(client, world):
    client.force_login(world.by_role[Role.EXECUTIVE])

    page = client.get(f"{team_url(world.blue)}?{WEEK}").content.decode()

    fcr = card(page, "fcr")
    low, high = proportion_confint(72, 90, method="wilson")
    assert re.search(r'data-testid="value">80\.0 %<', fcr)
    assert f"95% CI {low * 100:.1f} % – {high * 100:.1f} %" in fcr
    assert "n = 90" in fcr
    # Executives see the team, not its people.
    assert "Individual scorecards are open only to" in section(page, "agents")
    assert 'data-testid="agent"' not in page


def test_a_team_scorecard_lists_its_agents_alphabetically(client, world):
    client.force_login(world.lead)

    page = client.get(f"{team_url(world.blue)}?{WEEK}").content.decode()

    agents = section(page, "agents")
    assert re.findall(r'/scorecards/agents/\d+/[^"]*">([^<]+)</a>', agents) == [
        "Ann Able",
        "Bob Baker",
        "Cy Young",
    ]
    assert f'href="/performance/agents/{world.bob.pk}/"' in agents


def test_an_agent_sees_only_herself_in_her_teams_list(client, world):
    client.force_login(world.ann)

    page = client.get(f"{team_url(world.blue)}?{WEEK}").content.decode()

    assert re.findall(r'/scorecards/agents/\d+/[^"]*">([^<]+)</a>', section(page, "agents")) == [
        "Ann Able"
    ]


def test_without_ranking_switched_on_there_is_no_ranking(client, world):
    client.force_login(world.lead)

    page = client.get(f"{team_url(world.blue)}?{WEEK}&rank=fcr").content.decode()

    assert 'data-testid="ranking"' not in page
    assert "Ranking" not in page


def test_with_ranking_on_agents_are_ranked_best_first(client, world, ranking_on):
    client.force_login(world.lead)

    page = client.get(f"{team_url(world.blue)}?{WEEK}").content.decode()

    ranking = section(page, "ranking")
    rows = re.findall(r'<tr data-testid="rank-row">(.*?)</tr>', ranking, re.S)
    cells = [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in rows]
    bob_low, bob_high = proportion_confint(32, 40, method="wilson")
    assert cells[0][:3] == ["1", "Bob Baker", "80.0 %"]
    assert cells[0][3] == f"{bob_low * 100:.1f} % – {bob_high * 100:.1f} %"
    assert cells[0][4] == "40"
    assert cells[1][:3] == ["2", "Ann Able", "75.0 %"]
    assert cells[2] == ["—", "Cy Young", "Not enough data", "10"]
    assert 'value="fcr" selected' in ranking


def test_ranking_on_a_lower_is_better_kpi_puts_the_lowest_first(client, world, ranking_on):
    client.force_login(world.lead)

    page = client.get(f"{team_url(world.blue)}?{WEEK}&rank=repeat_contact").content.decode()

    rows = re.findall(r'<tr data-testid="rank-row">(.*?)</tr>', section(page, "ranking"), re.S)
    names = [re.findall(r"<td[^>]*>([^<]*)</td>", row)[1] for row in rows]
    assert names == ["Bob Baker", "Ann Able", "Cy Young"]


def test_ranking_shows_only_agents_the_viewer_may_see(client, world, ranking_on):
    client.force_login(world.ann)

    page = client.get(f"{team_url(world.blue)}?{WEEK}").content.decode()

    rows = re.findall(r'<tr data-testid="rank-row">(.*?)</tr>', section(page, "ranking"), re.S)
    assert len(rows) == 1
    assert "Ann Able" in rows[0]


def test_ranking_by_an_unknown_kpi_is_a_readable_error(client, world, ranking_on):
    client.force_login(world.lead)

    response = client.get(f"{team_url(world.blue)}?{WEEK}&rank=no-such-kpi")

    assert response.status_code == 400
    assert "Choose a KPI to rank by from the list." in response.content.decode()


def test_the_team_scorecard_reads_a_bounded_number_of_queries(
    client, world, ranking_on, django_assert_max_num_queries
):
    client.force_login(world.lead)

    with django_assert_max_num_queries(15):
        response = client.get(f"{team_url(world.blue)}?{WEEK}&rank=qa_score")

    assert response.status_code == 200
    assert "Ann Able" in section(response.content.decode(), "ranking")
