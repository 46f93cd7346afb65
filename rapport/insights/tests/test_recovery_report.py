"""The recovery report: counts by state, recovery rate with its Wilson interval (checked against
statsmodels), median time to close, overdue call-backs, root causes with their skill."""

import datetime as dt
import statistics

import pytest
from django.urls import reverse
from django.utils import timezone
from statsmodels.stats.proportion import proportion_confint

from rapport.accounts.tests.factories import UserFactory
from rapport.insights.models import Alert, RootCause
from rapport.insights.selectors import alerts as selectors
from rapport.insights.services import alerts
from rapport.insights.tests.alert_helpers import contact, team_with_lead

pytestmark = pytest.mark.django_db

NOW = timezone.now()
HOUR = dt.timedelta(hours=1)


def low_score(n: int, agent) -> Alert:
    alert = alerts.alert_raise_for_score(
        source_key=f"response:{n}",
        interaction=contact("", agent=agent),
        score=1,
        scale="csat",
        verbatim="",
    )
    assert alert is not None
    return alert


@pytest.fixture
def world():
    """Blue: 14 closed (6 saved, 3 resolved, 5 lost), 2 open of which 1 overdue. Red: 3 closed."""
    team, lead, agent = team_with_lead("Blue")
    red, red_lead, red_agent = team_with_lead("Red")
    knowledge = RootCause.objects.get(name="Agent knowledge gap")
    billing = RootCause.objects.get(name="Billing error")
    outcomes = ["saved"] * 6 + ["resolved"] * 3 + ["lost"] * 5
    for n, outcome in enumerate(outcomes):
        alert = low_score(n, agent)
        cause = knowledge if n % 2 else billing
        alerts.alert_close(alert=alert, by=lead, outcome=outcome, root_cause=cause)
        Alert.objects.filter(pk=alert.pk).update(fired_at=NOW - (n + 2) * HOUR)
    low_score(100, agent)
    overdue = low_score(101, agent)
    Alert.objects.filter(pk=overdue.pk).update(callback_by=NOW - HOUR)
    for n in range(3):
        red_alert = low_score(200 + n, red_agent)
        alerts.alert_close(alert=red_alert, by=red_lead, outcome="lost", root_cause=billing)
    return locals()


def test_the_recovery_rate_matches_statsmodels(world):
    report = selectors.recovery_report_for(world["lead"], days=30)

    low, high = proportion_confint(9, 14, alpha=0.05, method="wilson")
    assert (report.rate.recovered, report.rate.n) == (9, 14)
    assert report.rate.value == pytest.approx(9 / 14)
    assert (report.rate.ci_low, report.rate.ci_high) == (pytest.approx(low), pytest.approx(high))


def test_counts_overdue_and_median_time_to_close(world):
    report = selectors.recovery_report_for(world["lead"], days=30)

    assert report.total == 16
    assert report.by_state == {"open": 2, "in_recovery": 0, "closed": 14}
    assert report.overdue == 1
    closed = Alert.objects.filter(team=world["team"], state="closed")
    expected = statistics.median(
        (a.closed_at - a.fired_at).total_seconds() / 3600 for a in closed if a.closed_at
    )
    assert report.median_hours_to_close == pytest.approx(expected)


def test_root_causes_carry_their_skill(world):
    report = selectors.recovery_report_for(world["lead"], days=30)
    causes = {row.name: (row.skill, row.count) for row in report.root_causes}
    assert causes == {"Billing error": (None, 7), "Agent knowledge gap": ("Product knowledge", 7)}


def test_by_severity_and_by_rule(world):
    report = selectors.recovery_report_for(world["lead"], days=30)
    assert [(r.key, r.total, r.closed, r.recovered) for r in report.by_severity] == [
        ("high", 16, 14, 9)
    ]
    assert [(r.key, r.total) for r in report.by_rule] == [("low_score", 16)]


def test_the_admin_sees_both_teams(world):
    report = selectors.recovery_report_for(UserFactory(roles=["admin"]), days=30)
    assert (report.rate.recovered, report.rate.n) == (9, 17)


def test_below_the_minimum_it_is_not_enough_data(world):
    report = selectors.recovery_report_for(world["red_lead"], days=30)
    assert report.rate.n == 3
    assert report.rate.value is None and not report.rate.enough


def test_the_period_limits_the_alerts(world):
    Alert.objects.filter(team=world["team"]).update(fired_at=NOW - dt.timedelta(days=40))
    report = selectors.recovery_report_for(world["lead"], days=30)
    assert report.total == 0 and report.rate.n == 0


def test_the_report_page_shows_the_rate_with_its_interval_and_the_chart_table(client, world):
    client.force_login(world["lead"])
    response = client.get(reverse("insights:recovery_report"), {"days": 30})
    body = response.content.decode()
    assert response.status_code == 200
    assert "64.3%" in body  # 9 / 14
    low, high = proportion_confint(9, 14, method="wilson")
    assert f"95% CI {100 * low:.1f}–{100 * high:.1f}%" in body
    assert 'id="root-cause-data"' in body and "insights/alerts.js" in body
    assert "Product knowledge" in body


def test_the_report_page_says_not_enough_data(client, world):
    client.force_login(world["red_lead"])
    body = client.get(reverse("insights:recovery_report")).content.decode()
    assert "not enough data" in body


def test_a_bad_period_is_a_400(client, world):
    client.force_login(world["lead"])
    assert client.get(reverse("insights:recovery_report"), {"days": "abc"}).status_code == 400
