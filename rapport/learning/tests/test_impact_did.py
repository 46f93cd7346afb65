"""Training impact: a hand-built ledger with a known effect gives back that effect, with an
interval that covers it and matches statsmodels/scipy computed directly; controls are comparable
agents (the same gap rule, or within a caliper), so regression to the mean is not credited to a
module."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from rapport.accounts.tests.factories import UserFactory
from rapport.learning import impact
from rapport.learning.choices import AssignmentSource, AssignmentStatus, GapSource
from rapport.learning.tests.factories_learning import (
    AssignmentFactory,
    GapRuleFactory,
    ModuleFactory,
)
from rapport.performance import catalog
from rapport.performance.models import DailyRollup, Kpi

TODAY = datetime.date(2025, 6, 30)
ANCHOR = datetime.date(2025, 4, 1)
FCR_N = 200
# Percentage points of first-contact resolution: before → after.
# Each untrained agent starts where one trained agent starts, so the caliper pairs them.
TRAINED = [(60.0, 78.0), (62.0, 82.0), (58.0, 80.0), (61.0, 81.0), (59.0, 79.0)]  # mean +20
UNTRAINED = [(60.0, 64.0), (62.0, 67.0), (58.0, 64.0), (61.0, 66.0), (59.0, 64.0)]  # mean +5
EFFECT = 20.0 - 5.0


@pytest.fixture(autouse=True)
def registry(db):
    if not Kpi.objects.filter(key="fcr").exists():
        catalog.defaults_ensure()


def fcr(agent, day: datetime.date, percent: float, n: int = FCR_N) -> None:
    """One day of the agent's rollup with the given first-contact resolution."""
    repeats = round(n * (100 - percent) / 100)
    DailyRollup.objects.create(
        day=day, grain="agent", agent=agent, channel="phone", handled=n, fcr_n=n, fcr_repeat=repeats
    )


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def ledger(anchor: datetime.date = ANCHOR, trained=TRAINED, untrained=UNTRAINED):
    module = ModuleFactory()
    for before, after in trained:
        agent = UserFactory(roles=["agent"])
        fcr(agent, anchor - datetime.timedelta(days=10), before)
        fcr(agent, anchor + datetime.timedelta(days=10), after)
        AssignmentFactory(
            agent=agent, module=module, status=AssignmentStatus.COMPLETED, completed_at=at(anchor)
        )
    for before, after in untrained:
        agent = UserFactory(roles=["agent"])
        fcr(agent, anchor - datetime.timedelta(days=10), before)
        fcr(agent, anchor + datetime.timedelta(days=10), after)
    return module


def changes(rows):
    return [after - before for before, after in rows]


def test_known_effect_is_recovered_with_an_interval_that_covers_it(db):
    module = ledger()
    found = impact.training_impact(module=module, kpi=Kpi.objects.get(key="fcr"), today=TODAY)
    assert found.enough_data
    assert found.estimate == pytest.approx(EFFECT)
    assert found.ci_low is not None and found.ci_high is not None
    assert found.ci_low < EFFECT < found.ci_high
    assert found.trained.agents == 5 and found.untrained.agents == 5
    assert found.trained.before.mean == pytest.approx(60.0)
    assert found.untrained.after.mean == pytest.approx(65.0)
    assert found.matched_by == {impact.MATCHED_BY_CALIPER: 5}
    assert not found.not_level and found.baseline.estimate == pytest.approx(0.0)


def test_interval_and_p_value_match_statsmodels_and_scipy(db):
    module = ledger()
    found = impact.training_impact(module=module, kpi=Kpi.objects.get(key="fcr"), today=TODAY)
    direct = CompareMeans(DescrStatsW(changes(TRAINED)), DescrStatsW(changes(UNTRAINED)))
    low, high = direct.tconfint_diff(alpha=0.05, usevar="unequal")
    assert found.ci_low == pytest.approx(low)
    assert found.ci_high == pytest.approx(high)
    welch = scipy_stats.ttest_ind(changes(TRAINED), changes(UNTRAINED), equal_var=False)
    assert found.p_value == pytest.approx(float(welch.pvalue))
    assert found.significant


def test_fewer_than_five_agents_in_a_group_shows_no_figure(db):
    module = ledger(trained=TRAINED[:4])
    found = impact.training_impact(module=module, kpi=Kpi.objects.get(key="fcr"), today=TODAY)
    assert not found.enough_data
    assert found.estimate is None and found.baseline is None
    assert found.trained.agents == 0 and found.trained.before.mean is None
    assert "at least 5" in found.notes[0]


def test_agents_inside_their_after_window_wait(db):
    module = ledger()
    early = ANCHOR + datetime.timedelta(days=20)
    found = impact.training_impact(module=module, kpi=Kpi.objects.get(key="fcr"), today=early)
    assert found.pending == 5
    assert not found.enough_data


def test_agents_who_complete_later_are_not_untrained_controls_while_trained(db):
    module = ledger()
    # An untrained agent who completes the module within the after window is no control.
    late = UserFactory(roles=["agent"])
    fcr(late, ANCHOR - datetime.timedelta(days=10), 60.0)
    fcr(late, ANCHOR + datetime.timedelta(days=10), 99.0)
    AssignmentFactory(
        agent=late,
        module=module,
        status=AssignmentStatus.COMPLETED,
        completed_at=at(ANCHOR + datetime.timedelta(days=5)),
    )
    found = impact.training_impact(
        module=module, kpi=Kpi.objects.get(key="fcr"), today=ANCHOR + datetime.timedelta(days=30)
    )
    # The late one is trained (still inside its own after window), never a control.
    assert found.untrained.agents == 5
    assert found.estimate == pytest.approx(EFFECT)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-50, 50, allow_nan=False), min_size=3, max_size=12),
    st.lists(st.floats(-50, 50, allow_nan=False), min_size=3, max_size=12),
)
def test_difference_is_the_difference_of_means_and_inside_its_interval(trained, untrained):
    found = impact.difference_in_differences(trained, untrained)
    expected = sum(trained) / len(trained) - sum(untrained) / len(untrained)
    assert found.estimate == pytest.approx(expected, abs=1e-9)
    if found.ci_low is not None and found.ci_high is not None:
        assert found.ci_low - 1e-9 <= found.estimate <= found.ci_high + 1e-9


def test_api_gives_the_estimate_to_trainers(db, api_for):
    module = ledger(anchor=timezone.localdate() - datetime.timedelta(days=60))
    client, _ = api_for("trainer")
    response = client.get(
        reverse("api-learning-impact"), {"module": module.pk, "kpi": "fcr", "window": 28}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["enough_data"] is True
    assert body["estimate"] == pytest.approx(EFFECT)
    assert body["trained"]["agents"] == 5
    assert body["ci_low"] < EFFECT < body["ci_high"]
    assert body["matched_by"] == {"caliper": 5} and body["unmatched"] == 0
    assert body["started_level"] is True and body["baseline_difference"] == 0.0


@pytest.mark.parametrize(
    "params",
    [
        {"module": "abc", "kpi": "fcr"},
        {"module": "99999999999999999999999", "kpi": "fcr"},
        {"kpi": "fcr"},
        {"module": "1", "kpi": "nope"},
        {"module": "1", "kpi": "fcr", "window": "5"},
        {"module": "1", "kpi": "fcr", "match": "anything"},
    ],
)
def test_api_refuses_what_it_cannot_read_with_400(db, api_for, params):
    ModuleFactory()
    client, _ = api_for("trainer")
    response = client.get(reverse("api-learning-impact"), params)
    assert response.status_code == 400
    assert response.json()["message"]


@pytest.mark.parametrize("role", ["agent", "supervisor", "qa_analyst", "marketer"])
def test_impact_is_only_for_impact_readers(db, api_for, client_for, role):
    module = ModuleFactory()
    client, _ = api_for(role)
    response = client.get(reverse("api-learning-impact"), {"module": module.pk, "kpi": "fcr"})
    assert response.status_code == 403
    page, _ = client_for(role)
    assert page.get(reverse("learning:impact")).status_code == 403


def test_page_shows_estimate_chart_and_table(db, client_for):
    module = ledger(anchor=timezone.localdate() - datetime.timedelta(days=60))
    client, _ = client_for("executive")
    response = client.get(
        reverse("learning:impact"),
        {"module": module.pk, "kpi": "fcr", "window": 28, "match": "role"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="impact-estimate"' in html
    assert "+15.0 pp" in html
    assert 'data-learning-chart="impact"' in html
    assert 'data-testid="impact-table"' in html
    assert 'data-testid="impact-baseline"' in html and "started level" in html


def test_page_with_a_bad_choice_lists_the_error(db, client_for):
    client, _ = client_for("trainer")
    response = client.get(reverse("learning:impact"), {"module": "x", "kpi": "fcr", "window": "7"})
    assert response.status_code == 400
    assert 'data-testid="impact-errors"' in response.content.decode()


def test_page_without_a_question_says_what_to_do(db, client_for):
    client, _ = client_for("admin")
    response = client.get(reverse("learning:impact"))
    assert response.status_code == 200
    assert "Pick a module and a KPI" in response.content.decode()


# Comparable controls ------------------------------------------------------------------------------

LOW_N = 200  # 62 % of 200 has a Wilson upper bound under 70 %: the gap rule fires.
# Below target when picked, back at their usual ~75 % afterwards whether trained or not.
PICKED = [(58.0, 74.0), (60.0, 76.0), (62.0, 75.0), (59.0, 73.0), (61.0, 77.0), (60.0, 75.0)]
ALSO_PICKED = [(59.0, 75.0), (61.0, 74.0), (60.0, 76.0), (62.0, 73.0), (58.0, 75.0), (60.0, 77.0)]
# Never below target: a little down, as good figures also drift back.
ABOVE = [(80.0, 76.0), (82.0, 77.0), (79.0, 75.0), (81.0, 78.0), (78.0, 76.0), (80.0, 77.0)]


def gap_ledger(*, trained, picked, above, picked_n: int = LOW_N):
    """Trained agents assigned from an FCR gap rule; untrained agents the rule also picks out
    (picked) and untrained agents it does not (above)."""
    module = ModuleFactory()
    rule = GapRuleFactory(
        source=GapSource.KPI, kpi=Kpi.objects.get(key="fcr"), threshold=70, min_n=30, module=module
    )
    for rows, kind, n in (
        (trained, "trained", LOW_N),
        (picked, "picked", picked_n),
        (above, "above", LOW_N),
    ):
        for before, after in rows:
            agent = UserFactory(roles=["agent"])
            fcr(agent, ANCHOR - datetime.timedelta(days=10), before, n=n)
            fcr(agent, ANCHOR + datetime.timedelta(days=10), after, n=n)
            if kind == "trained":
                AssignmentFactory(
                    agent=agent,
                    module=module,
                    source=AssignmentSource.GAP,
                    gap_rule=rule,
                    status=AssignmentStatus.COMPLETED,
                    completed_at=at(ANCHOR),
                )
    return module


def test_regression_to_the_mean_is_not_credited_to_the_module(db):
    module = gap_ledger(trained=PICKED, picked=ALSO_PICKED, above=ABOVE)
    found = impact.training_impact(module=module, kpi=Kpi.objects.get(key="fcr"), today=TODAY)
    assert found.enough_data
    # Only the agents the same gap rule picked out are compared, and the module did nothing.
    assert found.untrained.agents == len(ALSO_PICKED)
    assert found.matched_by == {impact.MATCHED_BY_GAP: len(PICKED)}
    assert found.ci_low is not None and found.ci_high is not None
    assert found.ci_low < 0 < found.ci_high
    assert not found.significant and not found.not_level
    # The ledger does hold the trap: against every untrained agent the module would "work".
    naive = impact.difference_in_differences(changes(PICKED), changes(ALSO_PICKED + ABOVE))
    assert naive.ci_low is not None and naive.ci_low > 0


def test_without_a_gap_rule_controls_are_matched_on_the_before_window(db):
    near = [(60.0, 75.0), (61.0, 75.0), (59.0, 75.0), (60.0, 76.0), (60.0, 74.0)]
    far = [(85.0, 80.0), (84.0, 79.0), (86.0, 81.0), (85.0, 80.0), (85.0, 80.0)]
    trained = [(60.0, 75.0), (61.0, 76.0), (59.0, 74.0), (60.0, 75.0), (60.0, 75.0)]
    module = ledger(trained=trained, untrained=near + far)
    found = impact.training_impact(module=module, kpi=Kpi.objects.get(key="fcr"), today=TODAY)
    assert found.untrained.agents == len(near)
    assert found.untrained.before.mean == pytest.approx(60.0)
    assert found.estimate == pytest.approx(0.0)
    assert found.ci_low is not None and found.ci_high is not None
    assert found.ci_low < 0 < found.ci_high


HIGHER = [(66.0, 76.0), (66.5, 76.0), (65.5, 75.0), (66.0, 77.0), (66.0, 76.0)]


def test_groups_that_did_not_start_level_carry_a_warning(db):
    # The rule picks these out too (66 % of 4000 is surely under 70 %), but they start higher.
    module = gap_ledger(trained=PICKED, picked=HIGHER, above=[], picked_n=4000)
    found = impact.training_impact(module=module, kpi=Kpi.objects.get(key="fcr"), today=TODAY)
    assert found.enough_data and found.untrained.agents == len(HIGHER)
    assert found.baseline is not None and found.baseline.ci_high is not None
    assert found.baseline.ci_high < 0
    assert found.not_level
    assert any("did not start level" in note for note in found.notes)


def test_page_warns_when_the_groups_did_not_start_level(db, client_for):
    module = gap_ledger(trained=PICKED, picked=HIGHER, above=[], picked_n=4000)
    client, _ = client_for("trainer")
    response = client.get(
        reverse("learning:impact"),
        {"module": module.pk, "kpi": "fcr", "window": 28, "match": "role"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="impact-baseline"' in html
    assert "the groups did not start level" in html
