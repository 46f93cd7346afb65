"""Survey design by admins: surveys and their questions. Every change is audited.

Once a survey has answers its questions stay as they are (answers are stored by question id, and
a removed question would leave them without their wording); admins reorder and add optional
questions, or make a new survey."""

from django.db import IntegrityError, transaction
from django.db.models import Max

from rapport.core.audit import audit_record
from rapport.core.errors import Conflict, ValidationFailed
from rapport.surveys.choices import QuestionKind
from rapport.surveys.models import Question, Survey

PROMPT_MAX = 300
CHOICES_MAX = 12


def _answered(survey: Survey) -> bool:
    return survey.responses.exists()


@transaction.atomic
def survey_create(*, by, name: str) -> Survey:
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed("Give the survey a name.", fields={"name": ["Required."]})
    try:
        with transaction.atomic():
            survey = Survey.objects.create(name=name[:120])
    except IntegrityError:
        message = "A survey of that name exists."
        raise ValidationFailed(message, fields={"name": [message]}) from None
    audit_record(actor=by, action="survey.created", target=survey, detail={"name": survey.name})
    return survey


@transaction.atomic
def survey_update(
    *, by, survey: Survey, name: str, intro: str, thanks: str, is_active: bool
) -> Survey:
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed("Give the survey a name.", fields={"name": ["Required."]})
    if Survey.objects.filter(name=name).exclude(pk=survey.pk).exists():
        message = "A survey of that name exists."
        raise ValidationFailed(message, fields={"name": [message]})
    survey.name, survey.intro, survey.thanks, survey.is_active = name, intro, thanks, is_active
    survey.save()
    audit_record(
        actor=by,
        action="survey.updated",
        target=survey,
        detail={"name": name, "is_active": is_active},
    )
    return survey


def _choices(kind: str, choices: list[str]) -> list[str]:
    clean = [" ".join(c.split()) for c in choices if c.strip()]
    if kind != QuestionKind.CHOICE:
        return []
    if not 2 <= len(clean) <= CHOICES_MAX or len(set(clean)) != len(clean):
        message = f"Give 2 to {CHOICES_MAX} different answers, one a line."
        raise ValidationFailed(message, fields={"choices": [message]})
    return clean


@transaction.atomic
def question_add(
    *, by, survey: Survey, kind: str, prompt: str, required: bool, choices: list[str]
) -> Question:
    if kind not in QuestionKind.values:
        raise ValidationFailed("Choose a kind of question.", fields={"kind": ["Unknown."]})
    prompt = " ".join(prompt.split())
    if not prompt or len(prompt) > PROMPT_MAX:
        message = f"Write the question (up to {PROMPT_MAX} characters)."
        raise ValidationFailed(message, fields={"prompt": [message]})
    if required and _answered(survey):
        message = "Customers have answered this survey: a new question can only be optional."
        raise ValidationFailed(message, fields={"required": [message]})
    last = survey.questions.aggregate(last=Max("order"))["last"]
    question = Question.objects.create(
        survey=survey,
        kind=kind,
        prompt=prompt,
        required=required,
        choices=_choices(kind, choices),
        order=0 if last is None else last + 1,
    )
    audit_record(
        actor=by,
        action="survey.question_added",
        target=survey,
        detail={"question": question.pk, "kind": kind, "prompt": prompt},
    )
    return question


@transaction.atomic
def question_remove(*, by, question: Question) -> None:
    survey = question.survey
    if _answered(survey):
        raise Conflict(
            "Customers have answered this survey, so its questions stay. Make a new survey "
            "to ask different ones.",
            code="survey_answered",
        )
    detail = {"question": question.pk, "prompt": question.prompt}
    question.delete()
    audit_record(actor=by, action="survey.question_removed", target=survey, detail=detail)


@transaction.atomic
def question_move(*, by, question: Question, up: bool) -> None:
    """Swap a question with its neighbour; orders are renumbered 0…n-1 first."""
    survey = question.survey
    questions = list(survey.questions.select_for_update().order_by("order", "id"))
    index = next(i for i, q in enumerate(questions) if q.pk == question.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(questions):
        return
    questions[index], questions[other] = questions[other], questions[index]
    for order, item in enumerate(questions):
        if item.order != order:
            item.order = order
            item.save(update_fields=["order"])
    audit_record(
        actor=by,
        action="survey.question_moved",
        target=survey,
        detail={"question": question.pk, "up": up},
    )
