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


def weeks_of(agent, start: datetime.date, *percents: float, per_day: int = 100) -> None:
    """One week of rollups per figure, from start: every day of the week at that FCR."""
    for week, percent in enumerate(percents):
        for offset in range(7):
            day_of(agent, start + datetime.timedelta(days=7 * week + offset), percent, n=per_day)


def outcome(agent, *, until: datetime.date, weeks: int = 2) -> levels.Outcome:
    kpi_list, _ = levels.proficiency_kpis()
    per_day = levels.daily_sums([agent.pk], START, until, levels.kpi_columns(kpi_list))
    return levels.time_to_proficiency(
        started_on=START,
        until=until,
        per_day=per_day.get(agent.pk, {}),
        qa_per_day={},
        kpi_list=kpi_list,
        weeks=weeks,
        settings_row=measurement_settings(),
    )


def test_proficient_from_the_first_day_of_n_consecutive_weeks_at_target(db):
    agent = UserFactory.create(roles=["agent"], started_on=START)
    # Week 2 alone is at target, week 3 is not; weeks 4 and 5 are the first run of two.
    weeks_of(agent, START, 60.0, 70.0, 90.0, 60.0, 90.0, 90.0, 90.0)
    kpi_list, from_rules = levels.proficiency_kpis()
    assert not from_rules and {k.key for k in kpi_list} >= {"fcr", "aht_phone"}
    found = outcome(agent, until=START + datetime.timedelta(days=60))
    assert found == levels.Outcome(days=28, reached=True)
    # With three weeks asked for, the run starting in week 4 still holds (weeks 4, 5, 6).
    assert outcome(agent, until=START + datetime.timedelta(days=60), weeks=3).days == 28
    # One week asked for: the single good week 2 is enough.
    assert outcome(agent, until=START + datetime.timedelta(days=60), weeks=1).days == 14


def test_a_run_needs_enough_data_over_its_weeks_not_in_each(db):
    few = UserFactory.create(roles=["agent"], started_on=START)
    weeks_of(few, START, 90.0, 90.0, per_day=2)  # 14 a week, 28 over the run: under 30
    assert outcome(few, until=START + datetime.timedelta(days=13)) == levels.Outcome(7, False)
    enough = UserFactory.create(roles=["agent"], started_on=START)
    weeks_of(enough, START, 90.0, 90.0, per_day=3)  # 21 a week (short), 42 over the run
    assert outcome(enough, until=START + datetime.timedelta(days=13)) == levels.Outcome(0, True)


def test_only_weeks_that_have_ended_count(db):
    agent = UserFactory.create(roles=["agent"], started_on=START)
    weeks_of(agent, START, 90.0, 90.0)
    # Day 12: the second week has not ended, so no run of two is observed yet.
    assert outcome(agent, until=START + datetime.timedelta(days=12)) == levels.Outcome(0, False)
    assert outcome(agent, until=START + datetime.timedelta(days=13)).reached


def test_never_at_target_is_censored_at_the_first_run_not_yet_observed(db):
    agent = UserFactory.create(roles=["agent"], started_on=START)
    for offset in range(30):
        day_of(agent, START + datetime.timedelta(days=offset), 50.0)
    kpi_list, _ = levels.proficiency_kpis()
    today = START + datetime.timedelta(days=45)
    found = levels.durations_for([agent], today=today, kpi_list=kpi_list, weeks=2)
    # Six weeks have ended (days 0 to 41); a run starting in week 5 (day 35) could still hold.
    assert found == [
        levels.Duration(agent_id=agent.pk, cohort=START.replace(day=1), days=35, reached=False)
    ]


def test_leavers_count_censored_at_their_last_day_with_data(db):
    leaver = UserFactory.create(roles=["agent"], started_on=START, is_active=False)
    for offset in range(24):  # left on day 23, never at target
        day_of(leaver, START + datetime.timedelta(days=offset), 50.0)
    stayed = UserFactory.create(roles=["agent"], started_on=START, is_active=False)
    weeks_of(stayed, START, 60.0, 90.0, 90.0)  # proficient at day 7, then left
    kpi_list, _ = levels.proficiency_kpis()
    found = levels.durations_for(
        [leaver, stayed], today=START + datetime.timedelta(days=120), kpi_list=kpi_list, weeks=2
    )
    # Three weeks ended by day 23: a run from week 2 (day 14) was never observed.
    assert found[0] == levels.Duration(leaver.pk, START.replace(day=1), 14, False, left=True)
    assert found[1] == levels.Duration(stayed.pk, START.replace(day=1), 7, True, left=True)


def test_cohorts_take_recent_starters_since_the_ledger_began_leavers_included(db):
    today = START + datetime.timedelta(days=100)
    ledger_start = START - datetime.timedelta(days=30)
    veteran = UserFactory.create(roles=["agent"], started_on=today - datetime.timedelta(days=400))
    before_ledger = UserFactory.create(
        roles=["agent"], started_on=ledger_start - datetime.timedelta(1)
    )
    hires = [UserFactory.create(roles=["agent"], started_on=START) for _ in range(4)]
    leaver = UserFactory.create(roles=["agent"], started_on=START, is_active=False)
    for person in (veteran, before_ledger, *hires, leaver):
        day_of(person, ledger_start if person is veteran else START, 50.0)
    people = [veteran, before_ledger, *hires, leaver]
    assert levels.first_data_day() == ledger_start
    picked = levels.new_hires(people, today=today, since=ledger_start)
    assert {p.pk for p in picked} == {p.pk for p in (*hires, leaver)}
    report = levels.cohort_report(people, today=today)
    assert [(c.label, c.survival.n, c.left) for c in report.cohorts] == [("2025-03", 5, 1)]
    assert report.cohorts[0].shown


def test_a_cohort_under_five_shows_only_its_count(db):
    today = datetime.date(2025, 6, 1)
    march = [UserFactory.create(roles=["agent"], started_on=START) for _ in range(5)]
    april = [
        UserFactory.create(roles=["agent"], started_on=datetime.date(2025, 4, 7)) for _ in range(4)
    ]
    for agent in march + april:
        weeks_of(agent, agent.started_on, 90.0, 90.0, 90.0)
    report = levels.cohort_report([*march, *april], today=today)
    assert [c.label for c in report.cohorts] == ["2025-04", "2025-03"]
    small, shown = report.cohorts
    assert not small.shown and small.survival == levels.Survival.counts_only(4)
    assert small.survival.times == [] and small.survival.median is None
    # Everyone of March was proficient from their first day (weeks 0 and 1 at target).
    assert shown.shown and shown.survival.reached == 5
    assert shown.survival.median == pytest.approx(0.0)
    assert report.overall.n == 9


def test_small_cohorts_show_counts_only_on_the_page_and_in_the_api(db, client_for, api_for):
    today = timezone.localdate()
    big = today.replace(day=1) - datetime.timedelta(days=80)
    small = today.replace(day=1) - datetime.timedelta(days=40)
    for started, count in ((big, 5), (small, 4)):
        for _ in range(count):
            agent = UserFactory.create(roles=["agent"], started_on=started)
            weeks_of(agent, started, 60.0, 90.0, 90.0, 90.0)
    api, _ = api_for("executive")
    body = api.get(reverse("api-learning-proficiency-cohorts")).json()
    assert body["weeks"] == 2 and body["min_cohort"] == 5
    by_label = {row["cohort"]: row for row in body["cohorts"]}
    hidden = by_label[small.strftime("%Y-%m")]
    assert hidden["n"] == 4 and not hidden["shown"]
    assert hidden["proficient"] is None and hidden["median_days"] is None
    assert hidden["median_ci_low"] is None and hidden["left"] is None
    visible = by_label[big.strftime("%Y-%m")]
    assert visible["shown"] and visible["median_days"] == 7.0
    client, _ = client_for("executive")
    html = client.get(reverse("learning:proficiency_cohorts")).content.decode()
    assert "fewer than 5 new hires: only the count is shown" in html
    assert f'"label": "{small.strftime("%Y-%m")}"' not in html  # no curve for it


def test_cohorts_page_for_impact_readers_with_chart_and_table(db, client_for):
    for _ in range(5):
        agent = UserFactory(
            roles=["agent"], started_on=timezone.localdate() - datetime.timedelta(days=40)
        )
        weeks_of(agent, agent.started_on, 60.0, 90.0, 90.0)
    client, _ = client_for("trainer")
    response = client.get(reverse("learning:proficiency_cohorts"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="cohort-table"' in html
    assert 'data-learning-chart="cohorts"' in html
    assert "2 consecutive weeks" in html
    body = client.get(reverse("api-learning-proficiency-cohorts")).json()
    assert body["cohorts"][0]["n"] == 5 and body["cohorts"][0]["median_days"] == 7.0


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
