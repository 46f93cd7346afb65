"""Writing learning content: modules and their questions, new-hire paths and their steps, gap rules.
Every change is audited; only trainers and admins (LEARNING_AUTHORS) write content."""

import datetime
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from rapport.accounts.models import Skill, User
from rapport.cases.models import EscalationReason
from rapport.core.audit import audit_record
from rapport.core.errors import Conflict, ValidationFailed
from rapport.core.permissions import require_roles
from rapport.core.roles import LEARNING_AUTHORS, Role
from rapport.learning import reinforcement
from rapport.learning.choices import GapMode, GapSource
from rapport.learning.models import (
    GapRule,
    LearningPath,
    LearningSettings,
    Module,
    ModuleChoice,
    ModuleQuestion,
    PathStep,
    ReviewItem,
)
from rapport.learning.selectors.settings import learning_settings
from rapport.performance.models import Kpi, QaCriterion

MIN_CHOICES = 2
MAX_CHOICES = 8


@dataclass(frozen=True)
class ChoiceInput:
    text: str
    is_correct: bool


def _author(by: User) -> None:
    require_roles(by, LEARNING_AUTHORS, action="write learning content")


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def _module_fields(title: str, summary: str, body: str, minutes: int, pass_mark: int) -> dict:
    title, summary, body = title.strip(), summary.strip(), body.strip()
    if not title:
        raise _invalid("title", "Give the module a title.")
    if not summary:
        raise _invalid("summary", "Say in one line what the module teaches.")
    if not body:
        raise _invalid("body", "Write the module's content.")
    if not 1 <= minutes <= 480:
        raise _invalid("minutes", "Minutes must be between 1 and 480.")
    if not 1 <= pass_mark <= 100:
        raise _invalid("pass_mark", "The pass mark is a per cent from 1 to 100.")
    return {
        "title": title,
        "summary": summary,
        "body": body,
        "minutes": minutes,
        "pass_mark": pass_mark,
    }


def _save(instance, *, field: str, message: str) -> None:
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise Conflict(message, fields={field: [message]}) from None


@transaction.atomic
def module_create(
    *,
    by: User,
    title: str,
    summary: str,
    body: str,
    skill: Skill,
    minutes: int = 10,
    pass_mark: int = 80,
    is_active: bool = True,
) -> Module:
    _author(by)
    module = Module(
        **_module_fields(title, summary, body, minutes, pass_mark),
        skill=skill,
        is_active=is_active,
        author=by,
    )
    _save(module, field="title", message="A module with this title exists already.")
    audit_record(
        actor=by, action="learning.module_create", target=module, detail={"title": module.title}
    )
    return module


@transaction.atomic
def module_update(
    *,
    by: User,
    module: Module,
    title: str,
    summary: str,
    body: str,
    skill: Skill,
    minutes: int,
    pass_mark: int,
    is_active: bool,
) -> Module:
    _author(by)
    fields = _module_fields(title, summary, body, minutes, pass_mark)
    changed = [name for name, value in fields.items() if getattr(module, name) != value]
    for name, value in fields.items():
        setattr(module, name, value)
    if module.skill_id != skill.pk:
        changed.append("skill")
    if module.is_active != is_active:
        changed.append("is_active")
    module.skill, module.is_active = skill, is_active
    _save(module, field="title", message="A module with this title exists already.")
    audit_record(
        actor=by, action="learning.module_update", target=module, detail={"changed": changed}
    )
    return module


def _clean_choices(choices: list[ChoiceInput]) -> list[ChoiceInput]:
    kept = [ChoiceInput(c.text.strip(), bool(c.is_correct)) for c in choices if c.text.strip()]
    if len(kept) < MIN_CHOICES:
        raise _invalid("choices", f"Give at least {MIN_CHOICES} choices.")
    if len(kept) > MAX_CHOICES:
        raise _invalid("choices", f"Give at most {MAX_CHOICES} choices.")
    if not any(choice.is_correct for choice in kept):
        raise _invalid("choices", "Mark at least one choice as correct.")
    if all(choice.is_correct for choice in kept):
        raise _invalid(
            "choices", "At least one choice must be wrong, or the question tests nothing."
        )
    if len({choice.text.casefold() for choice in kept}) != len(kept):
        raise _invalid("choices", "Two choices say the same thing.")
    if any(len(choice.text) > 300 for choice in kept):
        raise _invalid("choices", "A choice is at most 300 characters.")
    return kept


class ReviewRestartUnconfirmed(Conflict):
    """The change would restart agents' reviews and the author has not agreed to that yet."""

    def __init__(self, agents: int):
        self.agents = agents
        super().__init__(
            f"This change restarts the reviews of {agents} agent{'s' if agents != 1 else ''}: "
            "what they remember is the old question. Tick the box to save it anyway.",
            code="restarts_reviews",
            fields={"confirm_restart": ["Confirm that these reviews start again."]},
        )


def _normalised(text: str) -> str:
    """Text as a reader takes it in: spacing and line breaks do not change what is asked."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _what_it_asks(text: str, right: list[str]) -> tuple[str, frozenset[str]]:
    """The question and its right answers: what an agent's memory of it is a memory of."""
    return _normalised(text), frozenset(_normalised(choice) for choice in right)


def _asked_now(question: ModuleQuestion) -> tuple[str, frozenset[str]]:
    return _what_it_asks(question.text, [c.text for c in question.choices.all() if c.is_correct])


def question_reviewers(question: ModuleQuestion) -> int:
    """How many agents review this question (each has one review item of it)."""
    return ReviewItem.objects.filter(question=question).count()


def question_rewrite_restarts(
    *, question: ModuleQuestion, text: str, choices: list[ChoiceInput]
) -> int:
    """How many agents' reviews saving this rewrite would restart (none when it still asks the
    same thing with the same right answers)."""
    after = _what_it_asks(text, [c.text for c in choices if c.is_correct and c.text.strip()])
    if after == _asked_now(question):
        return 0
    return question_reviewers(question)


def _reviews_restart(*, by: User, question: ModuleQuestion, at: datetime.datetime) -> int:
    """Every agent's card for a rewritten question starts again as a fresh card due now: what
    they remembered was the old question, so its schedule no longer says anything. The answer
    log stays, as the history of the old wording."""
    # A fresh card is due FIRST_REVIEW_AFTER its start; started that long ago it is due now.
    card = reinforcement.new_card(card_id=question.pk, at=at - reinforcement.FIRST_REVIEW_AFTER)
    count = ReviewItem.objects.filter(question=question).update(
        card=card,
        due_at=reinforcement.card_due(card),
        stability=None,
        difficulty=None,
        reps=0,
        lapses=0,
        last_reviewed_at=None,
        updated_at=at,
    )
    if count:
        audit_record(
            actor=by,
            action="learning.question_reviews_reset",
            target=question,
            detail={"module": question.module_id, "review_items": count},
        )
    return count


@transaction.atomic
def module_question_save(
    *,
    by: User,
    module: Module,
    text: str,
    explanation: str,
    choices: list[ChoiceInput],
    question: ModuleQuestion | None = None,
    order: int | None = None,
    at: datetime.datetime | None = None,
    restart_confirmed: bool = True,
) -> ModuleQuestion:
    """Add a question to a module, or rewrite one (its choices are replaced as given). Rewriting
    what a question asks or which answers are right restarts agents' reviews of it; with
    restart_confirmed=False such a rewrite is refused (ReviewRestartUnconfirmed, with how many
    agents it would reach) so the author can be asked first. Spacing alone changes nothing."""
    _author(by)
    text, explanation = text.strip(), explanation.strip()
    if not text:
        raise _invalid("text", "Write the question.")
    if len(text) > 500:
        raise _invalid("text", "A question is at most 500 characters.")
    kept = _clean_choices(choices)
    restarts = False
    if question is not None:
        agents = question_rewrite_restarts(question=question, text=text, choices=kept)
        if agents and not restart_confirmed:
            raise ReviewRestartUnconfirmed(agents)
        restarts = agents > 0
    if question is None:
        last = module.questions.order_by("-order").values_list("order", flat=True).first()
        question = ModuleQuestion(module=module, order=(last + 1) if last is not None else 0)
        action = "learning.question_create"
    else:
        action = "learning.question_update"
        question.choices.all().delete()
    if order is not None:
        question.order = max(0, min(order, 32767))
    question.text, question.explanation = text, explanation
    question.save()
    ModuleChoice.objects.bulk_create(
        ModuleChoice(question=question, text=c.text, is_correct=c.is_correct, order=i)
        for i, c in enumerate(kept)
    )
    audit_record(
        actor=by, action=action, target=question, detail={"module": module.pk, "text": text}
    )
    if restarts:
        _reviews_restart(by=by, question=question, at=at or timezone.now())
    return question


@transaction.atomic
def module_question_delete(*, by: User, question: ModuleQuestion) -> None:
    _author(by)
    if question.reviews.exists():
        raise Conflict(
            "Agents already review this question; rewrite it instead, or retire the module."
        )
    audit_record(
        actor=by,
        action="learning.question_delete",
        target=question,
        detail={"module": question.module_id, "text": question.text},
    )
    question.delete()


# --- Paths -----------------------------------------------------------------------------------------


def _path_fields(name: str, role: str, description: str) -> dict:
    name = name.strip()
    if not name:
        raise _invalid("name", "Give the path a name.")
    if role not in Role.values:
        raise _invalid("role", "Choose a role.")
    return {"name": name, "role": role, "description": description.strip()}


@transaction.atomic
def path_create(
    *, by: User, name: str, role: str, description: str = "", is_active: bool = True
) -> LearningPath:
    _author(by)
    path = LearningPath(**_path_fields(name, role, description), is_active=is_active)
    _save(path, field="name", message="A path with this name exists already.")
    audit_record(actor=by, action="learning.path_create", target=path, detail={"name": path.name})
    return path


@transaction.atomic
def path_update(
    *, by: User, path: LearningPath, name: str, role: str, description: str, is_active: bool
) -> LearningPath:
    _author(by)
    for key, value in _path_fields(name, role, description).items():
        setattr(path, key, value)
    path.is_active = is_active
    _save(path, field="name", message="A path with this name exists already.")
    audit_record(actor=by, action="learning.path_update", target=path, detail={"name": path.name})
    return path


@transaction.atomic
def path_step_add(
    *, by: User, path: LearningPath, module: Module, due_after_days: int, order: int | None = None
) -> PathStep:
    _author(by)
    if not 0 <= due_after_days <= 365:
        raise _invalid("due_after_days", "Due after 0 to 365 days.")
    if path.steps.filter(module=module).exists():
        raise _invalid("module", "This module is already a step of the path.")
    if order is None:
        last = path.steps.order_by("-order").values_list("order", flat=True).first()
        order = (last + 1) if last is not None else 0
    step = PathStep.objects.create(
        path=path, module=module, due_after_days=due_after_days, order=max(0, min(order, 32767))
    )
    audit_record(
        actor=by,
        action="learning.path_step_add",
        target=path,
        detail={"module": module.pk, "due_after_days": due_after_days},
    )
    return step


@transaction.atomic
def path_step_remove(*, by: User, step: PathStep) -> None:
    _author(by)
    audit_record(
        actor=by,
        action="learning.path_step_remove",
        target=step.path,
        detail={"module": step.module_id},
    )
    step.delete()


# --- Gap rules -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GapRuleInput:
    name: str
    source: str
    module: Module
    window_days: int = 28
    min_n: int = 30
    mode: str = GapMode.CONFIRM
    threshold: Decimal | None = None
    kpi: Kpi | None = None
    qa_criterion: QaCriterion | None = None
    escalation_reason: EscalationReason | None = None
    is_active: bool = True


def _gap_rule_fields(data: GapRuleInput) -> dict:
    name = data.name.strip()
    if not name:
        raise _invalid("name", "Give the rule a name.")
    if data.source not in GapSource.values:
        raise _invalid("source", "Choose what the rule watches.")
    if data.mode not in GapMode.values:
        raise _invalid("mode", "Choose how the module is assigned.")
    if not 7 <= data.window_days <= 365:
        raise _invalid("window_days", "The window is 7 to 365 days.")
    if not 1 <= data.min_n <= 1_000_000:
        raise _invalid("min_n", "The least n is 1 to 1,000,000.")
    if data.threshold is not None and not Decimal("-1e9") < data.threshold < Decimal("1e9"):
        raise _invalid("threshold", "That threshold is out of range.")
    fields = {
        "name": name,
        "source": data.source,
        "module": data.module,
        "window_days": data.window_days,
        "min_n": data.min_n,
        "mode": data.mode,
        "threshold": data.threshold,
        "is_active": data.is_active,
        "kpi": None,
        "qa_criterion": None,
        "escalation_reason": None,
    }
    if data.source == GapSource.KPI:
        if data.kpi is None:
            raise _invalid("kpi", "Choose the KPI.")
        if data.threshold is None and data.kpi.target is None:
            raise _invalid("threshold", "This KPI has no target: give a threshold.")
        fields["kpi"] = data.kpi
    elif data.source == GapSource.QA_CRITERION:
        if data.qa_criterion is None:
            raise _invalid("qa_criterion", "Choose the QA criterion.")
        if data.threshold is None or not 0 < data.threshold <= 100:
            raise _invalid("threshold", "Give the least share met, in % (above 0, at most 100).")
        fields["qa_criterion"] = data.qa_criterion
    else:
        if data.threshold is None or data.threshold < 0 or data.threshold > 100:
            raise _invalid(
                "threshold", "Give the most preventable escalations per 100 contacts (0 to 100)."
            )
        fields["escalation_reason"] = data.escalation_reason
    return fields


@transaction.atomic
def gap_rule_create(*, by: User, data: GapRuleInput) -> GapRule:
    _author(by)
    rule = GapRule(**_gap_rule_fields(data))
    _save(rule, field="name", message="A rule with this name exists already.")
    audit_record(
        actor=by, action="learning.gap_rule_create", target=rule, detail=_rule_detail(rule)
    )
    return rule


@transaction.atomic
def gap_rule_update(*, by: User, rule: GapRule, data: GapRuleInput) -> GapRule:
    _author(by)
    for key, value in _gap_rule_fields(data).items():
        setattr(rule, key, value)
    _save(rule, field="name", message="A rule with this name exists already.")
    audit_record(
        actor=by, action="learning.gap_rule_update", target=rule, detail=_rule_detail(rule)
    )
    return rule


def _rule_detail(rule: GapRule) -> dict:
    return {
        "name": rule.name,
        "source": rule.source,
        "threshold": None if rule.threshold is None else str(rule.threshold),
        "window_days": rule.window_days,
        "min_n": rule.min_n,
        "module": rule.module_id,
        "mode": rule.mode,
        "is_active": rule.is_active,
    }


# --- Settings --------------------------------------------------------------------------------------


@transaction.atomic
def learning_settings_update(*, by: User, **changes) -> LearningSettings:
    """Change the center's learning settings (admins, through the admin site); audited."""
    row = learning_settings()
    allowed = {field.name for field in LearningSettings._meta.concrete_fields} - {
        "id", "created_at", "updated_at",
    }  # fmt: skip
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(f"Not a learning setting: {', '.join(sorted(unknown))}.")
    before = {name: str(getattr(row, name)) for name in changes}
    for name, value in changes.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    audit_record(
        actor=by,
        action="learning.settings_update",
        target=row,
        detail={"before": before, "after": {name: str(v) for name, v in changes.items()}},
    )
    return row
