"""/api/v1/kpis/ and /api/v1/scorecards/: the registry with the center's figures, and agent and
team scorecards behind the same privacy rule as the pages."""

import pytest
from rest_framework.test import APIClient
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import proportion_confint

from rapport.core.roles import Role
from rapport.performance.models import Kpi
from rapport.performance.tests import factories_scorecards as make

pytestmark = pytest.mark.django_db

KPIS = "/api/v1/kpis/"
WEEK = {"period": "week", "date": "2024-03-06"}


@pytest.fixture
def world():
    return make.figures()


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def wilson(successes: int, n: int) -> tuple[float, float]:
    low, high = proportion_confint(successes, n, method="wilson")
    return round(low * 100, 2), round(high * 100, 2)


def by_key(rows: list[dict]) -> dict[str, dict]:
    return {row["key"]: row for row in rows}


# --- The registry ----------------------------------------------------------------------------------


def test_the_registry_carries_each_kpis_definition_and_the_centers_figure(world):
    Kpi.objects.filter(key="fcr").update(owner=world.by_role[Role.EXECUTIVE])

    response = api(world.by_role[Role.MARKETER]).get(KPIS, WEEK)

    assert response.status_code == 200
    body = response.json()
    assert (body["period"], body["start"], body["end"]) == ("week", "2024-03-04", "2024-03-10")
    kpis = by_key(body["results"])
    assert set(kpis) == set(Kpi.objects.filter(is_active=True).values_list("key", flat=True))
    fcr = kpis["fcr"]
    low, high = wilson(92, 130)
    assert fcr == {
        "key": "fcr",
        "name": "First-contact resolution",
        "definition": Kpi.objects.get(key="fcr").definition,
        "computation": Kpi.objects.get(key="fcr").computation,
        "unit": "percent",
        "better": "higher",
        "target": 75.0,
        "owner": world.by_role[Role.EXECUTIVE].username,
        "goal": "customer_experience",
        "channel": None,
        "kind": "hard",
        "value": {
            "value": round(92 / 130 * 100, 2),
            "n": 130,
            "ci_low": low,
            "ci_high": high,
            "state": "ok",
            "note": "",
            "on_target": False,
            "survey": None,
        },
    }
    assert kpis["aht_phone"]["channel"] == "phone"
    assert kpis["aht_phone"]["value"]["value"] == 420.0
    assert kpis["revenue_influenced"]["target"] is None


def test_the_registry_says_when_there_is_no_data_yet_or_not_enough(world):
    body = api(world.ann).get(KPIS, WEEK).json()

    kpis = by_key(body["results"])
    assert kpis["csat"]["value"] == {
        "value": None,
        "n": 0,
        "ci_low": None,
        "ci_high": None,
        "state": "not_enough_data",
        "note": "",
        "on_target": None,
        "survey": {
            "invited": 0,
            "answered": 0,
            "response_rate": {"value": None, "n": 0, "ci_low": None, "ci_high": None},
            "low_response": False,
            "warning": "",
            "mean": {"value": None, "n": 0, "ci_low": None, "ci_high": None},
        },
    }
    assert kpis["aht_email"]["value"]["state"] == "not_enough_data"
    assert kpis["aht_email"]["value"]["value"] is None


def test_without_a_date_the_registry_reads_the_latest_period_with_data(world):
    body = api(world.ann).get(KPIS, {"period": "day"}).json()

    assert (body["period"], body["start"], body["end"]) == ("day", "2024-03-06", "2024-03-06")
    assert by_key(body["results"])["fcr"]["value"]["n"] == 130


def test_one_kpi_has_its_figure_and_a_trend_of_twelve_periods(world):
    response = api(world.by_role[Role.TRAINER]).get(f"{KPIS}fcr", WEEK)

    assert response.status_code == 200
    body = response.json()
    assert body["key"] == "fcr"
    assert body["value"]["value"] == round(92 / 130 * 100, 2)
    assert len(body["trend"]) == 12
    assert body["trend"][-1]["start"] == "2024-03-04"
    assert body["trend"][-1]["n"] == 130
    # The week before: Ann's 40 contacts, 20 of them repeated.
    assert body["trend"][-2]["value"] == 50.0
    assert body["trend"][0]["state"] == "not_enough_data"


def test_an_unknown_kpi_is_not_found(world):
    Kpi.objects.filter(key="nps").update(is_active=False)
    client = api(world.ann)

    assert client.get(f"{KPIS}no-such-kpi").status_code == 404
    assert client.get(f"{KPIS}nps").status_code == 404


def test_the_registry_reads_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    client = api(world.ann)

    with django_assert_max_num_queries(6):
        response = client.get(KPIS, WEEK)

    assert response.status_code == 200


# --- Scorecards ------------------------------------------------------------------------------------


def test_an_agents_scorecard_has_her_figures_and_the_change_from_last_week(world):
    response = api(world.ann).get(f"/api/v1/scorecards/{world.ann.pk}", WEEK)

    assert response.status_code == 200
    body = response.json()
    assert body["agent"] == {"id": world.ann.pk, "name": "Ann Able"}
    assert (body["period"], body["start"], body["end"]) == ("week", "2024-03-04", "2024-03-10")
    kpis = by_key(body["kpis"])
    low, high = wilson(30, 40)
    assert kpis["fcr"] == {
        "key": "fcr",
        "name": "First-contact resolution",
        "unit": "percent",
        "kind": "hard",
        "value": 75.0,
        "n": 40,
        "ci_low": low,
        "ci_high": high,
        "state": "ok",
        "note": "",
        "survey": None,
        "target": 75.0,
        "on_target": True,
        "previous_value": 50.0,
        "change_significant": True,
    }
    sem = scipy_stats.sem([360] * 20 + [480] * 20)
    t_low, t_high = scipy_stats.t.interval(0.95, df=39, loc=420, scale=sem)
    aht = kpis["aht_phone"]
    assert (aht["value"], aht["ci_low"], aht["ci_high"]) == (
        420.0,
        round(t_low, 2),
        round(t_high, 2),
    )
    assert aht["previous_value"] == 420.0
    assert aht["change_significant"] is False
    assert aht["on_target"] is False
    assert kpis["qa_score"]["value"] == 85.0
    assert kpis["csat"]["state"] == "not_enough_data"


def test_soft_skills_are_rates_of_criteria_met(world):
    body = api(world.lead).get(f"/api/v1/scorecards/{world.ann.pk}", WEEK).json()

    skills = {skill["category"]: skill for skill in body["soft_skills"]}
    low, high = wilson(24, 30)
    assert skills["empathy"] == {
        "category": "empathy",
        "value": 80.0,
        "n": 30,
        "ci_low": low,
        "ci_high": high,
    }
    assert skills["ownership"]["n"] == 60
    assert skills["ownership"]["value"] == 100.0
    assert list(skills) == ["empathy", "ownership", "relationship"]


def test_too_few_contacts_give_no_figure_but_their_n(world):
    body = api(world.lead).get(f"/api/v1/scorecards/{world.cy.pk}", WEEK).json()

    fcr = by_key(body["kpis"])["fcr"]
    assert (fcr["value"], fcr["n"], fcr["state"], fcr["ci_low"]) == (
        None,
        10,
        "not_enough_data",
        None,
    )
    assert fcr["on_target"] is None


def test_a_team_scorecard_adds_up_its_agents(world):
    response = api(world.by_role[Role.EXECUTIVE]).get(
        f"/api/v1/scorecards/teams/{world.blue.pk}", {"period": "day", "date": "2024-03-06"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["team"] == {"id": world.blue.pk, "name": "Blue"}
    assert (body["period"], body["start"], body["end"]) == ("day", "2024-03-06", "2024-03-06")
    fcr = by_key(body["kpis"])["fcr"]
    low, high = wilson(72, 90)
    assert (fcr["value"], fcr["n"], fcr["ci_low"], fcr["ci_high"]) == (80.0, 90, low, high)
    # The day before had no contacts of Blue.
    assert fcr["previous_value"] is None
    assert fcr["change_significant"] is False


# role -> (Ann of Blue, Rory of Red, Blue, Red). Red has one agent: fewer than the smallest team
# executives and trainers see (3), so its figures would be Rory's own.
PRIVACY = {
    Role.AGENT: (200, 404, 200, 404),
    Role.SUPERVISOR: (200, 404, 200, 404),
    Role.TRAINER: (404, 404, 200, 404),
    Role.EXECUTIVE: (404, 404, 200, 404),
    Role.QA_ANALYST: (404, 404, 404, 404),
    Role.MARKETER: (404, 404, 404, 404),
    Role.ADMIN: (200, 200, 200, 200),
}


@pytest.mark.parametrize("role", list(PRIVACY))
def test_each_role_reads_exactly_the_scorecards_it_may(role):
    world = make.people()
    client = api(world.by_role[role])

    got = tuple(
        client.get(url).status_code
        for url in (
            f"/api/v1/scorecards/{world.ann.pk}",
            f"/api/v1/scorecards/{world.rory.pk}",
            f"/api/v1/scorecards/teams/{world.blue.pk}",
            f"/api/v1/scorecards/teams/{world.red.pk}",
        )
    )

    assert got == PRIVACY[role]
    # The registry is for everyone.
    assert client.get(KPIS).status_code == 200
    assert client.get(f"{KPIS}fcr").status_code == 200


def test_a_scorecard_that_does_not_exist_is_not_found(world):
    client = api(world.by_role[Role.ADMIN])

    for number in ("999999", "9" * 30):
        assert client.get(f"/api/v1/scorecards/{number}").status_code == 404
        assert client.get(f"/api/v1/scorecards/teams/{number}").status_code == 404


def test_a_refused_scorecard_is_not_found_whatever_the_query(world):
    response = api(world.ann).get(f"/api/v1/scorecards/{world.rory.pk}", {"period": "year"})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_anonymous_callers_are_refused(world):
    client = APIClient()
    for url in (
        KPIS,
        f"{KPIS}fcr",
        f"/api/v1/scorecards/{world.ann.pk}",
        f"/api/v1/scorecards/teams/{world.blue.pk}",
    ):
        assert client.get(url).status_code in (401, 403)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"period": "year"}, "period", "Choose a period: day, week or month."),
        ({"date": "06/03/2024"}, "date", "Give the date as YYYY-MM-DD."),
        ({"date": "2024-02-30"}, "date", "Give the date as YYYY-MM-DD."),
        (
            {"period": "month", "date": "9999-12-31"},
            "date",
            "Choose a date between 1990-01-01 and 2099-12-31.",
        ),
        (
            {"period": "week", "date": "0001-01-01"},
            "date",
            "Choose a date between 1990-01-01 and 2099-12-31.",
        ),
    ],
)
def test_a_bad_period_or_date_is_a_400_that_says_why(query, field, message):
    world = make.people()
    client = api(world.by_role[Role.ADMIN])

    for url in (
        KPIS,
        f"{KPIS}fcr",
        f"/api/v1/scorecards/{world.ann.pk}",
        f"/api/v1/scorecards/teams/{world.blue.pk}",
    ):
        response = client.get(url, query)
        assert response.status_code == 400, url
        body = response.json()
        assert body["code"] == "invalid"
        assert body["message"] == message
        assert field in body["fields"]


def test_scorecards_read_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    client = api(world.lead)

    with django_assert_max_num_queries(8):
        agent = client.get(f"/api/v1/scorecards/{world.ann.pk}", WEEK)
    with django_assert_max_num_queries(6):
        team = client.get(f"/api/v1/scorecards/teams/{world.blue.pk}", WEEK)

    assert (agent.status_code, team.status_code) == (200, 200)
