"""Time to proficiency: the first day a new hire's KPIs hold at target, and cohort medians that
are statsmodels' Kaplan–Meier estimate on the same durations."""

import datetime
import math

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.duration.survfunc import SurvfuncRight

from rapport.accounts.tests.factories import UserFactory
from rapport.learning import proficiency as levels
from rapport.performance import catalog
from rapport.performance.models import DailyRollup, Kpi
from rapport.performance.rollups import measurement_settings

START = datetime.date(2025, 3, 3)


@pytest.fixture(autouse=True)
def registry(db):
    if not Kpi.objects.filter(key="fcr").exists():
        catalog.defaults_ensure()


def day_of(agent, day: datetime.date, fcr: float, n: int = 100) -> None:
    DailyRollup.objects.create(
        day=day,
        grain="agent",
        agent=agent,
        channel="phone",
        handled=n,
        handle_sum=n * 300,
        handle_sumsq=n * 300 * 300,
        fcr_n=n,
        fcr_repeat=round(n * (100 - fcr) / 100),
    )


def durations(*pairs: tuple[int, bool]) -> list[levels.Duration]:
    return [
        levels.Duration(agent_id=i, cohort=START, days=days, reached=reached)
        for i, (days, reached) in enumerate(pairs)
    ]


def test_median_and_interval_are_statsmodels_kaplan_meier():
    known = durations((10, True), (20, True), (30, True), (40, False), (50, True), (60, False))
    found = levels.survival(known)
    direct = SurvfuncRight(np.array([10, 20, 30, 40, 50, 60.0]), np.array([1, 1, 1, 0, 1, 0]))
    assert found.median == pytest.approx(float(direct.quantile(0.5)))
    low, high = direct.quantile_ci(0.5)
    assert found.median_low == pytest.approx(float(low))
    assert found.median_high is None and math.isinf(high)
    assert found.n == 6 and found.reached == 4
    assert found.not_yet[1:] == pytest.approx(list(direct.surv_prob))


def test_nobody_proficient_has_no_median():
    found = levels.survival(durations((10, False), (20, False), (30, False)))
    assert found.median is None and found.reached == 0


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.booleans()), min_size=3, max_size=30))
def test_median_matches_statsmodels_on_any_durations(pairs):
    found = levels.survival(durations(*pairs))
    if not any(reached for _, reached in pairs):
        assert found.median is None
        return
    direct = SurvfuncRight(
        np.array([d for d, _ in pairs], dtype=float), np.array([int(r) for _, r in pairs])
    )
    expected = float(direct.quantile(0.5))
    if math.isfinite(expected):
        assert found.median == pytest.approx(expected)
    else:
        assert found.median is None


def test_first_proficient_day_is_when_the_window_holds(db):
    agent = UserFactory(roles=["agent"], started_on=START)
    for offset in range(40):
        day_of(agent, START + datetime.timedelta(days=offset), 60.0 if offset < 14 else 90.0)
    kpi_list, from_rules = levels.proficiency_kpis()
    assert not from_rules
    assert {k.key for k in kpi_list} >= {"fcr", "aht_phone"}
    reached = levels.first_proficient_day(
        started_on=START,
        until=START + datetime.timedelta(days=60),
        per_day=levels.daily_sums([agent.pk], START, START + datetime.timedelta(days=60), levels.kpi_columns(kpi_list))[agent.pk],
        qa_per_day={},
        kpi_list=kpi_list,
        window_days=14,
        settings_row=measurement_settings(),
    )  # fmt: skip
    # Over days D-13..D: 7 days at 90 % and 7 at 60 % make 75 %, the target.
    assert reached == START + datetime.timedelta(days=20)


def test_never_at_target_is_censored_at_today(db):
    agent = UserFactory.create(roles=["agent"], started_on=START)
    for offset in range(30):
        day_of(agent, START + datetime.timedelta(days=offset), 50.0)
    kpi_list, _ = levels.proficiency_kpis()
    today = START + datetime.timedelta(days=45)
    found = levels.durations_for([agent], today=today, kpi_list=kpi_list, window_days=14)
    assert found == [
        levels.Duration(agent_id=agent.pk, cohort=START.replace(day=1), days=45, reached=False)
    ]


def test_cohorts_group_by_month_and_hide_small_ones(db):
    march = [UserFactory.create(roles=["agent"], started_on=START) for _ in range(3)]
    for offset in range(30):
        for agent in march[:2]:
            day_of(agent, START + datetime.timedelta(days=offset), 90.0)
    UserFactory(roles=["agent"], started_on=datetime.date(2025, 4, 7))
    report = levels.cohort_report(
        [*march, UserFactory.create(roles=["agent"], started_on=datetime.date(2025, 4, 8))],
        today=datetime.date(2025, 6, 1),
    )
    assert [c.label for c in report.cohorts] == ["2025-04", "2025-03"]
    april, march_cohort = report.cohorts
    assert not april.shown and april.survival.median is None
    assert march_cohort.shown and march_cohort.survival.reached == 2
    # Proficient on their 14th day (the first full window), so the median is 13 days.
    assert march_cohort.survival.median == pytest.approx(13.0)


def test_cohorts_page_for_impact_readers_with_chart_and_table(db, client_for):
    for _ in range(3):
        agent = UserFactory(
            roles=["agent"], started_on=timezone.localdate() - datetime.timedelta(days=40)
        )
        for offset in range(20):
            day_of(agent, agent.started_on + datetime.timedelta(days=offset), 90.0)
    client, _ = client_for("trainer")
    response = client.get(reverse("learning:proficiency_cohorts"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="cohort-table"' in html
    assert 'data-learning-chart="cohorts"' in html
    body = client.get(reverse("api-learning-proficiency-cohorts")).json()
    assert body["cohorts"][0]["n"] == 3 and body["cohorts"][0]["median_days"] == 13.0


def test_cohorts_without_new_hires_say_what_to_do(db, client_for):
    client, _ = client_for("executive")
    response = client.get(reverse("learning:proficiency_cohorts"))
    assert response.status_code == 200
    assert "Record each agent" in response.content.decode()


@pytest.mark.parametrize("role", ["agent", "supervisor", "qa_analyst"])
def test_cohorts_are_only_for_impact_readers(db, client_for, api_for, role):
    client, _ = client_for(role)
    assert client.get(reverse("learning:proficiency_cohorts")).status_code == 403
    api, _ = api_for(role)
    assert api.get(reverse("api-learning-proficiency-cohorts")).status_code == 403
