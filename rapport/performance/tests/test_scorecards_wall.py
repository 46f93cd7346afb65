"""/performance/kpis/: the KPI wall, its team drill-down, and the KPI registry pages."""

import json
import re

import pytest
from django.utils.html import escape
from statsmodels.stats.proportion import proportion_confint

from rapport.core.roles import Role
from rapport.performance.models import Kpi, MeasurementSettings
from rapport.performance.tests import factories_scorecards as make

pytestmark = pytest.mark.django_db

WALL = "/performance/kpis/"
WEEK = "period=week&date=2024-03-06"


@pytest.fixture
def world():
    return make.figures()


def card(page: str, key: str) -> str:
    """The HTML of one KPI's card."""
    found = re.search(rf'<article[^>]*data-testid="kpi-{key}".*?</article>', page, re.S)
    assert found, f"the page has a card for {key}"
    return found.group(0)


def charts(page: str) -> dict:
    block = re.search(r'<script id="kpi-charts" type="application/json">(.*?)</script>', page, re.S)
    assert block, "the chart figures are on the page as JSON"
    return json.loads(block.group(1))


def percent_interval(successes: int, n: int) -> tuple[float, float]:
    low, high = proportion_confint(successes, n, method="wilson")
    return low * 100, high * 100


def test_the_wall_shows_the_centers_figures_with_n_and_interval(client, world):
    client.force_login(world.by_role[Role.MARKETER])

    page = client.get(f"{WALL}?{WEEK}").content.decode()

    fcr = card(page, "fcr")
    low, high = percent_interval(92, 130)
    assert re.search(r'data-testid="value">70\.8 %<', fcr)
    assert f"95% CI {low:.1f} % – {high:.1f} %" in fcr
    assert "n = 130" in fcr
    assert "Target ≥ 75.0 %" in fcr
    assert "Off target" in fcr
    data = charts(page)["fcr"]
    assert len(data["labels"]) == 12
    assert data["values"][-1] == round(92 / 130 * 100, 2)
    assert data["low"][-1] == round(low, 2)
    assert data["high"][-1] == round(high, 2)
    assert data["target"] == 75.0


def test_handle_time_is_shown_in_minutes_and_seconds(client, world):
    client.force_login(world.by_role[Role.EXECUTIVE])

    page = client.get(f"{WALL}?{WEEK}").content.decode()

    # 130 calls, half 360 s and half 480 s (Cy's 10 split evenly too): a mean of 7:00.
    assert re.search(r'data-testid="value">7:00<', card(page, "aht_phone"))
    assert "Target ≤ 6:00" in card(page, "aht_phone")


def test_goals_group_their_kpis_and_every_name_links_to_its_definition(client, world):
    client.force_login(world.by_role[Role.TRAINER])

    page = client.get(f"{WALL}?{WEEK}").content.decode()

    headings = re.findall(r'data-testid="goal">\s*<h2[^>]*>([^<]+)</h2>', page)
    assert headings == ["Retention", "Revenue", "Cost", "Customer experience"]
    for key in Kpi.objects.filter(is_active=True).values_list("key", flat=True):
        assert f'href="/performance/kpis/{key}/"' in card(page, key)


def test_survey_kpis_without_answers_say_not_enough_data_with_their_response_rate(client, world):
    client.force_login(world.ann)

    page = client.get(f"{WALL}?{WEEK}").content.decode()

    csat = card(page, "csat")
    assert "Not enough data (n=0)" in csat
    assert "0 answered of 0 invited" in csat
    assert 'data-testid="response-warning"' not in csat


def test_too_few_observations_say_not_enough_data(client, world):
    client.force_login(world.by_role[Role.ADMIN])

    page = client.get(f"{WALL}?period=week&date=2024-03-06&team={world.blue.pk}").content.decode()
    # Blue has 90 handled contacts: enough. Raise the bar above that.
    MeasurementSettings.objects.filter(pk=1).update(min_sample=100)
    raised = client.get(f"{WALL}?period=week&date=2024-03-06&team={world.blue.pk}").content.decode()

    assert re.search(r'data-testid="value">80\.0 %<', card(page, "fcr"))
    assert "Not enough data (n=90)" in card(raised, "fcr")
    assert "No comparison" in card(raised, "fcr")


def test_the_change_against_the_previous_period_says_whether_it_is_significant(client, world):
    """Ann's FCR went from 50 % (20 of 40) to 75 % (30 of 40): significant. Her handle times
    did not move: not significant."""
    client.force_login(world.lead)

    page = client.get(f"/performance/scorecards/agents/{world.ann.pk}/?{WEEK}").content.decode()

    fcr = card(page, "fcr")
    assert "Against Week of 26 Feb 2024 (50.0 %): +25.0 pp, better" in fcr
    assert ">significant<" in fcr
    aht = card(page, "aht_phone")
    assert "+0:00, no change" in aht
    assert ">not significant<" in aht


def test_without_a_date_the_wall_shows_the_latest_period_with_data(client, world):
    client.force_login(world.ann)

    page = client.get(WALL).content.decode()

    assert re.search(r'data-testid="period-label">Week of 04 Mar 2024<', page)
    assert re.search(r'data-testid="value">70\.8 %<', card(page, "fcr"))


def test_the_period_switcher_and_neighbours_keep_the_team(client, world):
    client.force_login(world.lead)

    page = client.get(f"{WALL}?period=day&date=2024-03-06&team={world.blue.pk}").content.decode()

    assert re.search(r'data-testid="period-label">Wed 06 Mar 2024<', page)
    assert f'href="{WALL}?period=month&amp;date=2024-03-06&amp;team={world.blue.pk}"' in page
    assert f'href="{WALL}?period=day&amp;date=2024-03-05&amp;team={world.blue.pk}"' in page
    assert f'href="{WALL}?period=day&amp;date=2024-03-07&amp;team={world.blue.pk}"' in page
    # Blue on that day: 72 of 90 resolved at first contact.
    assert re.search(r'data-testid="value">80\.0 %<', card(page, "fcr"))


def test_a_month_counts_its_own_days(client, world):
    client.force_login(world.ann)

    march = client.get(f"{WALL}?period=month&date=2024-03-31").content.decode()
    february = client.get(f"{WALL}?period=month&date=2024-02-01").content.decode()

    assert re.search(r'data-testid="period-label">March 2024<', march)
    assert re.search(r'data-testid="value">70\.8 %<', card(march, "fcr"))
    assert "n = 130" in card(march, "fcr")
    # 28 February: Ann's 40 contacts of the week before, 20 of them repeated.
    assert re.search(r'data-testid="period-label">February 2024<', february)
    assert re.search(r'data-testid="value">50\.0 %<', card(february, "fcr"))
    assert "n = 40" in card(february, "fcr")


def test_htmx_gets_only_the_body(client, world):
    client.force_login(world.ann)

    response = client.get(f"{WALL}?period=day&date=2024-03-06", headers={"HX-Request": "true"})

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="scorecard-body">')
    assert "<html" not in body


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=year", "Choose a period: day, week or month."),
        ("date=06/03/2024", "Give the date as YYYY-MM-DD."),
        ("period=week&date=2024-02-30", "Give the date as YYYY-MM-DD."),
        ("period=month&date=9999-12-31", "Choose a date between 1990-01-01 and 2099-12-31."),
        ("period=day&date=0001-01-01", "Choose a date between 1990-01-01 and 2099-12-31."),
    ],
)
def test_a_bad_period_or_date_is_a_readable_error(client, make_user, query, message):
    client.force_login(make_user(Role.AGENT))

    response = client.get(f"{WALL}?{query}")

    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_earliest_period_has_no_link_to_an_earlier_one(client, make_user):
    client.force_login(make_user(Role.AGENT))

    page = client.get(f"{WALL}?period=month&date=1990-01-15").content.decode()

    assert 'data-testid="previous-period"' not in page
    assert 'data-testid="next-period"' in page


# --- Drill-down ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "teams"),
    [
        (Role.AGENT, ["Blue"]),  # Ann's own team
        (Role.SUPERVISOR, ["Blue"]),  # the team Lea leads
        # Red has one agent, fewer than the smallest team executives and trainers see.
        (Role.TRAINER, ["Blue"]),
        (Role.EXECUTIVE, ["Blue"]),
        (Role.ADMIN, ["Blue", "Red"]),
        (Role.QA_ANALYST, []),
        (Role.MARKETER, []),
    ],
)
def test_the_wall_lists_the_teams_the_viewer_may_open(client, role, teams):
    world = make.people()
    client.force_login(world.by_role[role])

    page = client.get(WALL).content.decode()

    listed = page[page.index('data-testid="teams"') :]
    assert re.findall(r'\?team=\d+&amp;[^"]*"[^>]*>([^<]+)</a>', listed) == teams


@pytest.mark.parametrize(
    ("role", "red", "agents"),
    [
        (Role.AGENT, 404, ["Ann Able"]),
        (Role.SUPERVISOR, 404, ["Ann Able", "Bob Baker", "Cy Young"]),
        (Role.TRAINER, 404, []),  # Red: one agent, too small to show outside the team
        (Role.EXECUTIVE, 404, []),
        (Role.ADMIN, 200, ["Ann Able", "Bob Baker", "Cy Young"]),
    ],
)
def test_a_teams_wall_lists_the_agents_the_viewer_may_open(client, role, red, agents):
    world = make.people()
    client.force_login(world.by_role[role])

    blue = client.get(f"{WALL}?team={world.blue.pk}")
    other = client.get(f"{WALL}?team={world.red.pk}")

    assert blue.status_code == 200
    page = blue.content.decode()
    assert "Blue: KPIs" in page
    listed = page[page.index('data-testid="agents"') :]
    names = re.findall(r'href="/performance/scorecards/agents/(\d+)/[^"]*">([^<]+)</a>', listed)
    assert [name for _, name in names] == agents
    people = {"Ann Able": world.ann, "Bob Baker": world.bob, "Cy Young": world.cy}
    assert [int(pk) for pk, _ in names] == [people[name].pk for name in agents]
    assert other.status_code == red


@pytest.mark.parametrize("role", [Role.QA_ANALYST, Role.MARKETER])
def test_roles_outside_any_team_see_no_teams_wall(client, role):
    world = make.people()
    client.force_login(world.by_role[role])

    assert client.get(f"{WALL}?team={world.blue.pk}").status_code == 404


@pytest.mark.parametrize("team", ["abc", "99999999999999999999", "-1", "²"])
def test_a_team_that_is_not_a_number_is_not_found(client, make_user, team):
    client.force_login(make_user(Role.ADMIN))

    assert client.get(WALL, {"team": team}).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in (WALL, f"{WALL}fcr/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_the_wall_reads_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    client.force_login(world.by_role[Role.ADMIN])

    with django_assert_max_num_queries(12):
        response = client.get(f"{WALL}?{WEEK}&team={world.blue.pk}")

    assert response.status_code == 200


# --- The registry ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role.values))
def test_every_role_reads_a_kpis_definition_and_the_centers_figure(client, world, role):
    kpi = Kpi.objects.get(key="fcr")
    kpi.owner = world.by_role[Role.EXECUTIVE]
    kpi.save()
    client.force_login(world.by_role[role])

    response = client.get(f"{WALL}fcr/?{WEEK}")

    assert response.status_code == 200
    page = response.content.decode()
    assert escape(kpi.definition) in page
    assert escape(kpi.computation) in page
    assert re.search(r'data-testid="unit">%<', page)
    assert re.search(r'data-testid="better">Higher is better<', page)
    assert re.search(r'data-testid="kpi-target">≥ 75.0 %<', page)
    assert re.search(r'data-testid="goal">Customer experience<', page)
    assert re.search(r'data-testid="channel">All channels<', page)
    assert kpi.owner.get_full_name() in page
    assert re.search(r'data-testid="value">70\.8 %<', page)
    assert "n = 130" in page
    assert len(charts(page)["fcr"]["values"]) == 12


def test_a_channel_kpi_says_which_channel(client, world):
    client.force_login(world.ann)

    page = client.get(f"{WALL}aht_email/").content.decode()

    assert re.search(r'data-testid="channel">E-mail only<', page)
    assert re.search(r'data-testid="owner">Nobody yet<', page)
    # Nobody handled an e-mail.
    assert "Not enough data (n=0)" in page


def test_an_unknown_or_retired_kpi_is_not_found(client, world):
    Kpi.objects.filter(key="nps").update(is_active=False)
    client.force_login(world.ann)

    assert client.get(f"{WALL}no-such-kpi/").status_code == 404
    assert client.get(f"{WALL}nps/").status_code == 404


def test_a_kpi_page_rejects_a_bad_date_readably(client, world):
    client.force_login(world.ann)

    response = client.get(f"{WALL}fcr/?date=yesterday")

    assert response.status_code == 400
    assert "Give the date as YYYY-MM-DD." in response.content.decode()


def test_a_kpi_page_reads_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    client.force_login(world.ann)

    with django_assert_max_num_queries(10):
        response = client.get(f"{WALL}fcr/?{WEEK}")

    assert response.status_code == 200


def test_switching_period_keeps_the_day_asked_for(client, world):
    client.force_login(world.lead)

    page = client.get(f"{WALL}?period=month&date=2024-03-20").content.decode()

    # From March, the week and the day of the 20th, not of the 1st.
    assert f'href="{WALL}?period=week&amp;date=2024-03-20"' in page
    assert f'href="{WALL}?period=day&amp;date=2024-03-20"' in page
