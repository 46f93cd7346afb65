"""Content pages: modules and their questions, paths and steps, gap rules, for authors only."""

from decimal import Decimal

import pytest
from django.urls import reverse

from rapport.accounts.tests.factories import SkillFactory, UserFactory
from rapport.core.models import AuditEvent
from rapport.learning.choices import GapMode, GapSource
from rapport.learning.models import GapRule, LearningPath, Module, ModuleQuestion
from rapport.learning.tests.factories_learning import (
    GapRuleFactory,
    ModuleFactory,
    module_with_questions,
)
from rapport.performance import catalog
from rapport.performance.models import Kpi


@pytest.fixture
def trainer(client_for):
    return client_for("trainer")


@pytest.mark.parametrize("role", ["agent", "supervisor", "executive"])
def test_content_pages_are_for_authors(client_for, role):
    client, _ = client_for(role)
    for name in ("modules", "module_create", "paths", "gap_rules", "gap_rule_create"):
        assert client.get(reverse(f"learning:{name}")).status_code == 403


def test_list_searches_and_filters_by_skill(trainer, django_assert_max_num_queries):
    client, _ = trainer
    skill = SkillFactory()
    wanted = ModuleFactory(title="Handling refunds", skill=skill)
    other = ModuleFactory(title="Greeting customers")
    for _ in range(5):
        module_with_questions(2)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("learning:modules"), {"q": "refund"})
    assert wanted.title in page.content.decode() and other.title not in page.content.decode()
    page = client.get(reverse("learning:modules"), {"skill": other.skill_id})
    assert other.title in page.content.decode() and wanted.title not in page.content.decode()
    assert client.get(reverse("learning:modules"), {"skill": 2**70}).status_code == 400


def test_create_then_edit_a_module(trainer):
    client, user = trainer
    skill = SkillFactory()
    data = {"title": "Refunds", "summary": "Refund right first time.", "body": "# Refunds",
            "skill": skill.pk, "minutes": 8, "pass_mark": 80, "is_active": "on"}  # fmt: skip
    answer = client.post(reverse("learning:module_create"), data)
    module = Module.objects.get(title="Refunds")
    assert answer.status_code == 302 and module.author == user
    assert AuditEvent.objects.filter(action="learning.module_create").exists()
    again = client.post(reverse("learning:module_create"), data)
    assert again.status_code == 400 and "exists already" in again.content.decode()
    edit = client.post(reverse("learning:module_edit", args=[module.pk]), {**data, "minutes": 12})
    module.refresh_from_db()
    assert edit.status_code == 302 and module.minutes == 12
    assert client.get(reverse("learning:module_edit", args=[module.pk])).status_code == 200


def test_a_question_needs_a_correct_and_a_wrong_choice(trainer):
    client, _ = trainer
    module = ModuleFactory()
    url = reverse("learning:module_questions", args=[module.pk])
    none_right = {"text": "Which?", "choice_1": "A", "choice_2": "B"}
    answer = client.post(url, none_right)
    assert answer.status_code == 400 and "at least one choice as correct" in answer.content.decode()
    assert not ModuleQuestion.objects.exists()
    ok = client.post(url, {**none_right, "correct_2": "on", "explanation": "B is policy."})
    assert ok.status_code == 302
    question = ModuleQuestion.objects.get()
    assert [c.is_correct for c in question.choices.all()] == [False, True]

    edit = reverse("learning:module_question_edit", args=[module.pk, question.pk])
    client.post(edit, {"text": "Which one?", "choice_1": "A", "correct_1": "on", "choice_3": "C"})
    question.refresh_from_db()
    assert question.text == "Which one?"
    assert [c.text for c in question.choices.all()] == ["A", "C"]

    client.post(reverse("learning:module_question_delete", args=[module.pk, question.pk]))
    assert not ModuleQuestion.objects.exists()


def test_paths_and_steps(trainer):
    client, _ = trainer
    answer = client.post(
        reverse("learning:paths"),
        {"name": "Agents: first month", "role": "agent", "is_active": "on"},
    )
    path = LearningPath.objects.get()
    assert answer.status_code == 302
    module = module_with_questions(1)
    steps = reverse("learning:path_step_add", args=[path.pk])
    assert client.post(steps, {"module": module.pk, "due_after_days": 5}).status_code == 302
    assert client.post(steps, {"module": module.pk, "due_after_days": 5}).status_code == 400
    step = path.steps.get()
    assert step.due_after_days == 5
    page = client.get(reverse("learning:path_edit", args=[path.pk]))
    assert module.title in page.content.decode()
    client.post(reverse("learning:path_step_remove", args=[path.pk, step.pk]))
    assert not path.steps.exists()


def test_gap_rule_kpi_threshold_defaults_to_the_kpi_target(trainer):
    client, _ = trainer
    catalog.defaults_ensure()
    kpi = Kpi.objects.get(key="fcr")
    kpi.target = None
    kpi.save()
    module = module_with_questions(1)
    data = {"name": "Low FCR", "source": GapSource.KPI, "kpi": kpi.pk, "window_days": 28,
            "min_n": 30, "module": module.pk, "mode": GapMode.CONFIRM, "is_active": "on"}  # fmt: skip
    refused = client.post(reverse("learning:gap_rule_create"), data)
    assert refused.status_code == 400 and "no target" in refused.content.decode()
    kpi.target = Decimal("75")
    kpi.save()
    assert client.post(reverse("learning:gap_rule_create"), data).status_code == 302
    rule = GapRule.objects.get()
    assert rule.threshold is None and rule.kpi == kpi
    UserFactory(roles=["agent"])
    page = client.get(reverse("learning:gap_rule_edit", args=[rule.pk]))
    assert page.status_code == 200 and 'data-testid="gap-preview"' in page.content.decode()


def test_gap_rule_qa_needs_a_criterion(trainer):
    client, _ = trainer
    data = {"name": "QA", "source": GapSource.QA_CRITERION, "window_days": 28, "min_n": 10,
            "module": module_with_questions(1).pk, "mode": GapMode.AUTO, "threshold": "80"}  # fmt: skip
    answer = client.post(reverse("learning:gap_rule_create"), data)
    assert answer.status_code == 400 and not GapRule.objects.exists()


def test_gap_rule_list(trainer):
    client, _ = trainer
    rule = GapRuleFactory()
    assert rule.name in client.get(reverse("learning:gap_rules")).content.decode()
