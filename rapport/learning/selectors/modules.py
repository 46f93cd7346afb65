"""Reads of learning content: modules with their questions, new-hire paths, gap rules.

Content is not personal: every author sees all of it. Agents see a module through their own
assignments (rapport.learning.selectors.assignments)."""

from django.db.models import Count, Prefetch, Q, QuerySet

from rapport.core.errors import NotFound
from rapport.core.roles import LEARNING_AUTHORS, has_any_role
from rapport.learning.choices import AssignmentStatus
from rapport.learning.models import (
    Assignment,
    GapRule,
    LearningPath,
    Module,
    ModuleChoice,
    ModuleQuestion,
    PathStep,
)

SEARCH_MAX = 100


def questions_of(module: Module) -> QuerySet[ModuleQuestion]:
    """A module's questions in order, each with its choices prefetched."""
    return module.questions.order_by("order", "id").prefetch_related(
        Prefetch("choices", queryset=ModuleChoice.objects.order_by("order", "id"))
    )


def module_list(
    *, search: str = "", skill_id: int | None = None, active: bool | None = None
) -> QuerySet[Module]:
    modules = Module.objects.select_related("skill", "author").annotate(
        question_count=Count("questions", distinct=True)
    )
    if search:
        modules = modules.filter(
            Q(title__icontains=search[:SEARCH_MAX]) | Q(summary__icontains=search[:SEARCH_MAX])
        )
    if skill_id is not None:
        modules = modules.filter(skill_id=skill_id)
    if active is not None:
        modules = modules.filter(is_active=active)
    return modules.order_by("title")


def module_get(*, module_id: int) -> Module:
    module = Module.objects.select_related("skill", "author").filter(pk=module_id).first()
    if module is None:
        raise NotFound("No such module.")
    return module


def modules_assignable() -> QuerySet[Module]:
    """Active modules with at least one question (a module without a check cannot be passed)."""
    return (
        Module.objects.filter(is_active=True)
        .annotate(question_count=Count("questions"))
        .filter(question_count__gt=0)
        .order_by("title")
    )


def question_get(*, module: Module, question_id: int) -> ModuleQuestion:
    question = questions_of(module).filter(pk=question_id).first()
    if question is None:
        raise NotFound("No such question.")
    return question


def path_list() -> QuerySet[LearningPath]:
    return LearningPath.objects.annotate(step_count=Count("steps")).order_by("role", "name")


def path_get(*, path_id: int) -> LearningPath:
    path = LearningPath.objects.filter(pk=path_id).first()
    if path is None:
        raise NotFound("No such learning path.")
    return path


def path_steps(*, path: LearningPath) -> QuerySet[PathStep]:
    return path.steps.select_related("module", "module__skill").order_by("order", "id")


def gap_rule_list() -> QuerySet[GapRule]:
    return GapRule.objects.select_related(
        "kpi", "qa_criterion", "escalation_reason", "module"
    ).order_by("name")


def gap_rule_get(*, rule_id: int) -> GapRule:
    rule = gap_rule_list().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("No such gap rule.")
    return rule


def gap_rules_active() -> list[GapRule]:
    return list(gap_rule_list().filter(is_active=True, module__is_active=True))


def module_get_for(*, user, module_id: int) -> Module:
    """A module for someone who may read it: any author, or an agent it is assigned to."""
    module = Module.objects.select_related("skill").filter(pk=module_id).first()
    if module is None:
        raise NotFound("No such module.")
    if has_any_role(user, LEARNING_AUTHORS):
        return module
    mine = module.assignments.filter(agent=user).exclude(status=AssignmentStatus.PROPOSED)
    if not mine.exists():
        raise NotFound("No such module.")
    return module


def modules_for(*, user) -> QuerySet[Module]:
    """Modules a person may list: all for authors, else those assigned to them (a proposal
    waiting for a trainer is not an assignment yet)."""
    modules = module_list()
    if has_any_role(user, LEARNING_AUTHORS):
        return modules
    # Filtered on the person's own assignment rows: a proposal for someone else (or for them)
    # must neither show nor hide a module they were given.
    assigned = (
        Assignment.objects.filter(agent_id=user.pk)
        .exclude(status=AssignmentStatus.PROPOSED)
        .values("module_id")
    )
    return modules.filter(pk__in=assigned)
