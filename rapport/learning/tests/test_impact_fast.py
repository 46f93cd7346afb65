"""Training impact, round two: figures come from one query of daily sums (so the work does not
grow with trained agents × candidates × days), gap rules are judged from the same sums exactly as
rapport.learning.gaps judges them, only complete days count, leavers stay in both groups, the API
says how many trained agents were short of data, only per-agent KPIs are offered with a plain
reason when a figure is missing, and the chart's axis starts near the data."""

import datetime
import json
import re

import pytest
from django.urls import reverse

from rapport.accounts.tests.factories import UserFactory
from rapport.learning import gaps, impact
from rapport.learning.choices import AssignmentStatus, GapSource
from rapport.learning.tests.factories_learning import (
    AssignmentFactory,
    GapRuleFactory,
    ModuleFactory,
    preventable_escalation,
)
from rapport.learning.tests.test_impact_did import ANCHOR, TODAY, at, fcr, ledger
from rapport.learning.views import proficiency as views
from rapport.performance import catalog
from rapport.performance.choices import Unit
from rapport.performance.models import Kpi
from rapport.performance.rollups import measurement_settings

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def registry(db):
    if not Kpi.objects.filter(key="fcr").exists():
        catalog.defaults_ensure()


def _ledger_for(agents, kpi, rules, start, end):
    return impact._Ledger(
        [a.pk for a in agents],
        start,
        end,
        impact._ledger_columns(kpi, rules),
        channels=impact._channels([kpi, *(r.kpi for r in rules if r.kpi is not None)]),
        needs_qa=False,
        settings_row=measurement_settings(),
    )


def test_kpi_and_escalation_rules_fire_for_the_same_agents_as_gaps_measure(db):
    kpi = Kpi.objects.get(key="fcr")
    kpi_rule = GapRuleFactory(source=GapSource.KPI, kpi=kpi, threshold=70, min_n=30, window_days=7)
    escalation_rule = GapRuleFactory(threshold=2, min_n=30, window_days=7)
    agents = []
    for i, percent in enumerate([50.0, 60.0, 68.0, 72.0, 90.0, 55.0]):
        agent = UserFactory(roles=["agent"])
        agents.append(agent)
        for offset in range(10):
            fcr(agent, ANCHOR - offset * DAY, percent, n=10 + 5 * i)
        for k in range(i):
            preventable_escalation(agent, at(ANCHOR - (k % 5) * DAY))
    start, end = ANCHOR - 20 * DAY, ANCHOR
    rules = [kpi_rule, escalation_rule]
    figures = _ledger_for(agents, kpi, rules, start, end)
    for rule in rules:
        judge = impact._RuleJudge(rule, figures, start, end)
        for day in (ANCHOR, ANCHOR - 3 * DAY):
            expected = {a for a, m in gaps.measure(rule, agents, day).items() if m.is_gap}
            assert judge.fired(day) == expected
        assert judge.fired(ANCHOR)  # the comparison is not empty on both sides


def test_windows_of_the_running_totals_are_the_daily_sums(db):
    kpi = Kpi.objects.get(key="fcr")
    agent = UserFactory(roles=["agent"])
    for offset, percent in enumerate([50.0, 100.0, 80.0]):
        fcr(agent, ANCHOR + offset * DAY, percent, n=40)
    figures = _ledger_for([agent], kpi, [], ANCHOR - 5 * DAY, ANCHOR + 5 * DAY)
    assert figures.values(kpi, ANCHOR, ANCHOR)[agent.pk] == pytest.approx(50.0)
    assert figures.values(kpi, ANCHOR, ANCHOR + 2 * DAY)[agent.pk] == pytest.approx(230 / 3)
    assert figures.values(kpi, ANCHOR + DAY, ANCHOR + 9 * DAY)[agent.pk] == pytest.approx(90.0)
    assert agent.pk not in figures.values(kpi, ANCHOR - 5 * DAY, ANCHOR - DAY)


def test_queries_do_not_grow_with_trained_agents_or_dates(db, django_assert_max_num_queries):
    kpi = Kpi.objects.get(key="fcr")
    few = ledger()
    many = ledger(
        trained=[(60.0, 80.0)] * 5 + [(61.0, 79.0)] * 5,
        untrained=[(60.0, 64.0)] * 10,
    )
    # Spread the completions over many dates, each from a gap rule: every (rule, date) was a
    # measurement of its own before.
    rule = GapRuleFactory(source=GapSource.KPI, kpi=kpi, threshold=70, min_n=30, module=many)
    for i, row in enumerate(many.assignments.order_by("pk")):
        row.completed_at = at(ANCHOR - i * DAY)
        row.gap_rule = rule
        row.save()
    with django_assert_max_num_queries(6):
        impact.training_impact(module=few, kpi=kpi, today=TODAY)
    with django_assert_max_num_queries(6):
        found = impact.training_impact(module=many, kpi=kpi, today=TODAY)
    assert found.matched_by.get(impact.MATCHED_BY_GAP, 0) + found.unmatched == 10


def test_an_after_window_ending_today_is_still_pending(db):
    module = ledger()
    kpi = Kpi.objects.get(key="fcr")
    ends_today = ANCHOR + 28 * DAY
    found = impact.training_impact(module=module, kpi=kpi, today=ends_today)
    assert found.pending == 5 and not found.enough_data
    assert found.last_day == ends_today - DAY
    done = impact.training_impact(module=module, kpi=kpi, today=ends_today + DAY)
    assert done.pending == 0 and done.enough_data


def test_leavers_stay_in_both_groups(db):
    module = ledger()
    kpi = Kpi.objects.get(key="fcr")
    trained_leaver = module.assignments.first().agent
    trained_leaver.is_active = False
    trained_leaver.save()
    control_leaver = UserFactory(roles=["agent"], is_active=False)
    fcr(control_leaver, ANCHOR - 10 * DAY, 60.0)
    fcr(control_leaver, ANCHOR + 10 * DAY, 65.0)
    found = impact.training_impact(module=module, kpi=kpi, today=TODAY)
    assert found.enough_data
    assert found.trained.agents == 5
    assert found.untrained.agents == 6


def test_api_says_how_many_trained_agents_were_short_of_data(db, api_for):
    module = ledger()
    quiet = UserFactory(roles=["agent"])
    fcr(quiet, ANCHOR - 10 * DAY, 60.0)  # nothing after
    AssignmentFactory(
        agent=quiet, module=module, status=AssignmentStatus.COMPLETED, completed_at=at(ANCHOR)
    )
    api, _ = api_for("trainer")
    body = api.get(reverse("api-learning-impact"), {"module": module.pk, "kpi": "fcr"}).json()
    assert body["short"] == 1
    assert body["unit"] == Unit.PERCENT
    assert body["last_day"] == (datetime.date.today() - DAY).isoformat()


def test_queue_level_kpis_are_not_offered_and_say_why(db, api_for, client_for):
    module = ModuleFactory()
    client, _ = client_for("trainer")
    html = client.get(reverse("learning:impact")).content.decode()
    options = set(re.findall(r'<option value="([a-z_]+)"', html))
    assert "fcr" in options
    for key in Kpi.objects.filter(formula__in=impact.QUEUE_FORMULAS).values_list("key", flat=True):
        assert key not in options
    asa = Kpi.objects.filter(formula__in=impact.QUEUE_FORMULAS).first()
    api, _ = api_for("trainer")
    response = api.get(reverse("api-learning-impact"), {"module": module.pk, "kpi": asa.key})
    assert response.status_code == 400
    assert "belongs to a queue" in json.dumps(response.json())


def test_a_sparse_kpi_says_plainly_what_was_missing(db):
    module = ledger()
    csat = Kpi.objects.get(formula="csat")
    found = impact.training_impact(module=module, kpi=csat, today=TODAY)
    assert not found.enough_data and found.short == 5
    assert any(
        "too few survey answers" in note and "28 days" in note and "try a longer window" in note
        for note in found.notes
    )


def test_money_shows_as_the_kpi_wall_does_with_its_unit():
    assert views._number(1234.5, Unit.MONEY) == "1,234.50"
    assert views._number(-20.0, Unit.MONEY, signed=True) == "-20.00"
    assert views.UNIT_LABELS[Unit.MONEY] == "currency"


def test_chart_axis_starts_near_the_data_and_pages_carry_no_inline_style(db, client_for):
    module = ledger()
    client, _ = client_for("trainer")
    response = client.get(
        reverse("learning:impact"),
        {"module": module.pk, "kpi": "fcr", "window": 28, "match": "role"},
    )
    html = response.content.decode()
    chart = response.context["chart"]
    assert chart["axis"]["min"] > 40 and chart["axis"]["max"] < 100
    assert "style=" not in html.split('id="impact-result"')[1]
    assert "Figures in %" in html


def test_charts_script_offsets_interval_bars_and_leaves_zero():
    from pathlib import Path

    script = (Path(impact.__file__).parent / "static/learning/charts.js").read_text()
    assert "beginAtZero: false" in script and "suggestedMin" in script
    assert "grouped: false" not in script  # the two groups' bars sit side by side
