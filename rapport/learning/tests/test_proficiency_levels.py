"""Proficiency levels from constructed evidence, and who may read them."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.models import AgentSkill
from rapport.accounts.tests.factories import SkillFactory, TeamFactory, UserFactory
from rapport.learning import gaps
from rapport.learning import proficiency as levels
from rapport.learning.choices import AssignmentSource, AssignmentStatus, GapSource
from rapport.learning.models import GapRule, ReviewItem
from rapport.learning.selectors import proficiency as selectors
from rapport.learning.tests.factories_learning import (
    AssignmentFactory,
    GapRuleFactory,
    ModuleFactory,
    module_with_questions,
)
from rapport.performance import catalog
from rapport.performance.models import DailyRollup, Kpi

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def registry(db):
    if not Kpi.objects.filter(key="fcr").exists():
        catalog.defaults_ensure()


# --- Levels on constructed evidence -------------------------------------------------------------


def rule_check(*, value: float | None, n: int, target: float = 75.0, min_n: int = 30):
    rule = GapRule(name="FCR", source=GapSource.KPI, min_n=min_n, window_days=28)
    found = gaps.GapMeasure(
        agent_id=1,
        start=TODAY - datetime.timedelta(days=27),
        end=TODAY,
        value=value,
        n=n,
        target=target,
        ci_low=None,
        ci_high=None,
        is_gap=False,
        higher_is_better=True,
        unit="%",
    )
    return levels.RuleCheck(rule=rule, label="First-contact resolution", measure=found)


def evidence(**fields) -> levels.SkillEvidence:
    return levels.SkillEvidence(skill=SkillFactory.build(name="Billing"), **fields)


def test_nothing_yet_is_not_started():
    level, reasons = levels.judge(evidence(modules_total=2))
    assert level == levels.NOT_STARTED
    assert reasons


def test_mastery_and_holding_rules_is_proficient():
    found = evidence(
        modules_total=1, modules_completed=1, mastered=8, review_items=10,
        rules=[rule_check(value=80.0, n=100)],
    )  # fmt: skip
    assert levels.judge(found) == (levels.PROFICIENT, [])


def test_mastery_below_eighty_percent_is_learning():
    found = evidence(modules_completed=1, mastered=7, review_items=10)
    level, reasons = levels.judge(found)
    assert level == levels.LEARNING
    assert "7 of 10" in reasons[0]


def test_a_rule_below_target_keeps_the_agent_learning():
    found = evidence(
        modules_completed=1, mastered=9, review_items=10, rules=[rule_check(value=70.0, n=100)]
    )
    level, reasons = levels.judge(found)
    assert level == levels.LEARNING
    assert "not at target" in reasons[0]


def test_a_rule_without_enough_data_is_not_proficiency():
    found = evidence(
        modules_completed=1, mastered=9, review_items=10, rules=[rule_check(value=90.0, n=10)]
    )
    level, reasons = levels.judge(found)
    assert level == levels.LEARNING
    assert "not enough data" in reasons[0]


def test_an_open_gap_assignment_is_not_proficiency():
    found = evidence(
        modules_completed=1, mastered=9, review_items=10, open_assignments=1, open_gap_assignments=1
    )
    level, reasons = levels.judge(found)
    assert level == levels.LEARNING
    assert "gap" in reasons[0]


def test_without_review_items_a_recorded_level_counts():
    assert levels.judge(evidence(recorded_level=2))[0] == levels.PROFICIENT
    assert levels.judge(evidence(recorded_level=1))[0] == levels.LEARNING


# --- Levels from the database -------------------------------------------------------------------


def review_items(agent, module, *, mastered: int, total: int) -> None:
    questions = list(module.questions.all())
    for index, question in enumerate(questions[:total]):
        # Completing a module may already have made the items; set their memory either way.
        ReviewItem.objects.update_or_create(
            agent=agent,
            question=question,
            defaults={
                "card": {},
                "due_at": timezone.now(),
                "stability": 30.0 if index < mastered else 2.0,
                "reps": 1,
            },
        )


def fcr(agent, day, percent: float, n: int = 100) -> None:
    DailyRollup.objects.create(
        day=day, grain="agent", agent=agent, channel="phone", handled=n, fcr_n=n,
        fcr_repeat=round(n * (100 - percent) / 100),
    )  # fmt: skip


def test_agent_who_mastered_and_holds_target_is_proficient(db):
    skill = SkillFactory()
    module = module_with_questions(5, skill=skill)
    agent = UserFactory(roles=["agent"])
    AssignmentFactory(
        agent=agent, module=module, status=AssignmentStatus.COMPLETED, completed_at=timezone.now()
    )
    review_items(agent, module, mastered=4, total=5)
    GapRuleFactory(
        module=module, source=GapSource.KPI, kpi=Kpi.objects.get(key="fcr"), threshold=None
    )
    fcr(agent, TODAY - datetime.timedelta(days=3), 85.0)
    found = levels.agent_proficiency(agent, day=TODAY)
    item = next(i for i in found.skills if i.skill == skill)
    assert item.level == levels.PROFICIENT
    assert (item.mastered, item.review_items, item.modules_completed) == (4, 5, 1)
    assert item.rules[0].holds and item.rules[0].measure.value == pytest.approx(85.0)


def test_agent_below_target_with_an_open_gap_assignment_is_learning(db):
    skill = SkillFactory()
    module = module_with_questions(2, skill=skill)
    agent = UserFactory(roles=["agent"])
    rule = GapRuleFactory(
        module=module, source=GapSource.KPI, kpi=Kpi.objects.get(key="fcr"), threshold=None
    )
    fcr(agent, TODAY - datetime.timedelta(days=3), 55.0)
    AssignmentFactory(agent=agent, module=module, source=AssignmentSource.GAP, gap_rule=rule)
    item = levels.agent_proficiency(agent, day=TODAY).skills[0]
    assert item.level == levels.LEARNING
    assert item.open_gap_assignments == 1
    assert not item.rules[0].holds
    assert len(item.reasons) >= 2


def test_skill_without_evidence_is_not_started_and_untaught_skills_are_not_listed(db):
    skill = SkillFactory()
    ModuleFactory(skill=skill)
    SkillFactory(name="Nobody teaches this")
    agent = UserFactory(roles=["agent"])
    found = levels.agent_proficiency(agent, day=TODAY)
    assert [i.skill for i in found.skills] == [skill]
    assert found.skills[0].level == levels.NOT_STARTED


def test_recorded_skill_level_is_shown(db):
    skill = SkillFactory()
    ModuleFactory(skill=skill)
    agent = UserFactory(roles=["agent"])
    AgentSkill.objects.create(agent=agent, skill=skill, level=3)
    item = levels.agent_proficiency(agent, day=TODAY).skills[0]
    assert item.recorded_level_label == "Expert"
    assert item.level == levels.PROFICIENT


# --- Who may read -------------------------------------------------------------------------------


@pytest.fixture
def world(db):
    lead = UserFactory(roles=["supervisor"])
    other_lead = UserFactory(roles=["supervisor"])
    team = TeamFactory(supervisor=lead)
    other_team = TeamFactory(supervisor=other_lead)
    agent = UserFactory(roles=["agent"], team=team)
    outsider = UserFactory(roles=["agent"], team=other_team)
    ModuleFactory()
    return lead, other_lead, team, other_team, agent, outsider


def test_supervisor_of_another_team_gets_not_found(world, client):
    _lead, other_lead, team, _, agent, _ = world
    client.force_login(other_lead)
    assert client.get(reverse("learning:proficiency_agent", args=[agent.pk])).status_code == 404
    assert client.get(reverse("learning:proficiency"), {"team": team.pk}).status_code == 404
    assert client.get(reverse("api-learning-proficiency-agent", args=[agent.pk])).status_code == 404
    assert client.get(reverse("api-learning-proficiency-team", args=[team.pk])).status_code == 404


def test_supervisor_reads_own_team_and_agent(world, client):
    lead, _, team, _, agent, outsider = world
    client.force_login(lead)
    page = client.get(reverse("learning:proficiency"))
    assert page.status_code == 200
    assert str(agent) in page.content.decode() and str(outsider) not in page.content.decode()
    assert client.get(reverse("learning:proficiency_agent", args=[agent.pk])).status_code == 200
    body = client.get(reverse("api-learning-proficiency-team", args=[team.pk])).json()
    assert [row["agent"] for row in body["agents"]] == [agent.pk]
    assert body["agents"][0]["skills"][0]["level"] == levels.NOT_STARTED


def test_agent_reads_own_proficiency_only(world, client):
    _, _, _, _, agent, outsider = world
    client.force_login(agent)
    assert client.get(reverse("api-learning-proficiency-agent", args=[agent.pk])).status_code == 200
    assert client.get(reverse("learning:proficiency_agent", args=[agent.pk])).status_code == 200
    assert (
        client.get(reverse("api-learning-proficiency-agent", args=[outsider.pk])).status_code == 404
    )
    assert client.get(reverse("learning:proficiency")).status_code == 403


def test_trainer_reads_any_team_and_executive_reads_no_agent(world, client):
    _, _, _, other_team, _, outsider = world
    trainer = UserFactory(roles=["trainer"])
    client.force_login(trainer)
    page = client.get(reverse("learning:proficiency"), {"team": other_team.pk})
    assert page.status_code == 200 and str(outsider) in page.content.decode()
    executive = UserFactory(roles=["executive"])
    client.force_login(executive)
    assert (
        client.get(reverse("api-learning-proficiency-agent", args=[outsider.pk])).status_code == 404
    )
    assert client.get(reverse("learning:proficiency"), {"team": "abc"}).status_code == 403


def test_bad_team_ids_are_not_found(world, client):
    trainer = UserFactory(roles=["trainer"])
    client.force_login(trainer)
    assert client.get(reverse("learning:proficiency"), {"team": "abc"}).status_code == 404
    assert client.get(reverse("learning:proficiency"), {"team": "9" * 30}).status_code == 404


def test_my_proficiency_partial_renders_the_agents_evidence(world, rf):
    from django.template.loader import render_to_string

    _, _, _, _, agent, _ = world
    found = selectors.proficiency_for_agent(viewer=agent, agent=agent)
    html = render_to_string("learning/partials/_my_proficiency.html", {"proficiency": found})
    assert 'data-testid="my-proficiency"' in html
    assert 'data-level="not_started"' in html


def test_team_matrix_queries_do_not_grow_with_the_team(db, client):
    trainer = UserFactory(roles=["trainer"])
    client.force_login(trainer)
    module = module_with_questions(2)
    GapRuleFactory(module=module, source=GapSource.KPI, kpi=Kpi.objects.get(key="fcr"))

    def queries(size: int) -> int:
        team = TeamFactory()
        for _ in range(size):
            agent = UserFactory(roles=["agent"], team=team)
            AssignmentFactory(agent=agent, module=module, status=AssignmentStatus.COMPLETED)
            review_items(agent, module, mastered=1, total=2)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("learning:proficiency"), {"team": team.pk}).status_code == 200
        return len(captured)

    queries(1)  # settings rows are made on first use
    small = queries(2)
    assert queries(6) == small


def test_team_picker_swaps_only_the_matrix_for_htmx(world, client):
    lead, _, team, _, agent, _ = world
    client.force_login(lead)
    response = client.get(
        reverse("learning:proficiency"), {"team": team.pk}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="proficiency-matrix"' in html and "<html" not in html
    assert reverse("learning:proficiency_agent", args=[agent.pk]) in html
