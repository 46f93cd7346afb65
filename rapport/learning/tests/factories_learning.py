"""Factories for learning content and assignments, shared by every learning test."""

import factory

from rapport.accounts.tests.factories import SkillFactory, UserFactory
from rapport.learning.choices import AssignmentSource, AssignmentStatus, GapMode, GapSource
from rapport.learning.models import (
    Assignment,
    GapRule,
    LearningPath,
    Module,
    ModuleChoice,
    ModuleQuestion,
    PathStep,
)


class ModuleFactory(factory.django.DjangoModelFactory[Module]):
    class Meta:
        model = Module

    title = factory.Sequence(lambda n: f"Module {n}")
    summary = factory.LazyAttribute(lambda m: f"What {m.title} teaches.")
    body = "## Why it matters\n\nDo the right thing **first**."
    skill = factory.SubFactory(SkillFactory)
    minutes = 10
    pass_mark = 80
    is_active = True


class ModuleQuestionFactory(factory.django.DjangoModelFactory[ModuleQuestion]):
    class Meta:
        model = ModuleQuestion

    module = factory.SubFactory(ModuleFactory)
    text = factory.Sequence(lambda n: f"Question {n}?")
    explanation = factory.Sequence(lambda n: f"Because of reason {n}.")
    order = factory.Sequence(lambda n: n)


class ModuleChoiceFactory(factory.django.DjangoModelFactory[ModuleChoice]):
    class Meta:
        model = ModuleChoice

    question = factory.SubFactory(ModuleQuestionFactory)
    text = factory.Sequence(lambda n: f"Choice {n}")
    is_correct = False
    order = factory.Sequence(lambda n: n)


def module_with_questions(n: int = 3, skill=None, choices: int = 3, **kwargs) -> Module:
    """A module with n questions, each with `choices` choices of which the first is correct."""
    if skill is not None:
        kwargs["skill"] = skill
    module = ModuleFactory.create(**kwargs)
    for q in range(n):
        question = ModuleQuestionFactory(module=module, order=q)
        for c in range(choices):
            ModuleChoiceFactory(question=question, is_correct=(c == 0), order=c)
    return module


def correct_answers(module: Module) -> dict[int, list[int]]:
    """{question id: [correct choice ids]} for a module."""
    return {
        question.pk: [choice.pk for choice in question.choices.all() if choice.is_correct]
        for question in module.questions.prefetch_related("choices")
    }


def wrong_answers(module: Module) -> dict[int, list[int]]:
    """{question id: [one wrong choice id]} for a module (every question missed)."""
    return {
        question.pk: [choice.pk for choice in question.choices.all() if not choice.is_correct][:1]
        for question in module.questions.prefetch_related("choices")
    }


def post_data(answers: dict[int, list[int]]) -> dict[str, list[str]]:
    """Answers as a form post (fields named q<question id>)."""
    return {f"q{qid}": [str(c) for c in chosen] for qid, chosen in answers.items()}


class AssignmentFactory(factory.django.DjangoModelFactory[Assignment]):
    class Meta:
        model = Assignment

    agent = factory.SubFactory(UserFactory, roles=["agent"])
    module = factory.SubFactory(ModuleFactory)
    source = AssignmentSource.MANUAL
    status = AssignmentStatus.ASSIGNED
    reason = "Your trainer asked you to take this module."
    evidence = factory.LazyFunction(dict)


class GapRuleFactory(factory.django.DjangoModelFactory[GapRule]):
    """A preventable-escalations rule by default (it needs no KPI or criterion)."""

    class Meta:
        model = GapRule

    name = factory.Sequence(lambda n: f"Gap rule {n}")
    source = GapSource.PREVENTABLE_ESCALATIONS
    threshold = 2
    window_days = 28
    min_n = 30
    module = factory.SubFactory(ModuleFactory)
    mode = GapMode.AUTO
    is_active = True


class LearningPathFactory(factory.django.DjangoModelFactory[LearningPath]):
    class Meta:
        model = LearningPath

    name = factory.Sequence(lambda n: f"Path {n}")
    role = "agent"
    description = "The first weeks."


class PathStepFactory(factory.django.DjangoModelFactory[PathStep]):
    class Meta:
        model = PathStep

    path = factory.SubFactory(LearningPathFactory)
    module = factory.SubFactory(ModuleFactory)
    order = factory.Sequence(lambda n: n)
    due_after_days = 7


def agent_rollup(agent, day, channel: str = "phone", **sums):
    """One agent-grain DailyRollup row with the given sums (for gap tests)."""
    from rapport.performance.models import DailyRollup

    return DailyRollup.objects.create(
        day=day, grain="agent", agent=agent, team=agent.team, channel=channel, **sums
    )


def preventable_escalation(agent, at, reason=None, preventable: bool = True):
    """An escalation the agent raised at `at`, marked preventable or not."""
    from rapport.access.tests.factories import QueueFactory
    from rapport.cases.models import Escalation
    from rapport.cases.tests.factories import CaseFactory, EscalationReasonFactory

    reason = reason or EscalationReasonFactory(preventable=preventable)
    case = CaseFactory()
    return Escalation.objects.create(
        case=case,
        reason=reason,
        preventable=preventable,
        customer_needs="A refund.",
        tried="Checked the account.",
        from_queue=case.queue,
        to_queue=QueueFactory(),
        from_tier=1,
        to_tier=2,
        escalated_by=agent,
        escalated_at=at,
    )
