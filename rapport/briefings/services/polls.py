"""Writes of feature-feedback polls: authoring (trainers and admins, every step audited) and
answering (anyone the poll's audience reaches, once).

A poll is written as a draft, opened once it has a question and an audience, and closed. Its
questions change only while it is a draft, so every answer was given to the same questions.
"""

import datetime
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from rapport.accounts.models import Skill, Team, User
from rapport.briefings.audience import audience_members
from rapport.briefings.choices import RATING_MAX, RATING_MIN, PollQuestionKind, PollStatus
from rapport.briefings.models import Poll, PollAnswer, PollQuestion, PollResponse
from rapport.briefings.selectors import polls as selectors
from rapport.core.audit import audit_record
from rapport.core.csv import neutralise_cell
from rapport.core.errors import Conflict, NotFound, ValidationFailed
from rapport.core.permissions import require_roles
from rapport.core.roles import POLL_AUTHORS, POLL_RESULT_READERS, Role

MOCKUP_MAX_BYTES = 5 * 1024 * 1024
ENHANCEMENT_PATTERN = re.compile(r"^[A-Za-z]{1,20}-\d{1,10}$")
TEXT_ANSWER_MAX = 2000
OPTION_MAX = 200
OPTIONS_MAX = 12
QUESTIONS_MAX = 20
# Longer than this is someone who left the form open, not time spent answering.
SECONDS_TAKEN_MAX = 60 * 60


def _clean(text: str | None) -> str:
    return unicodedata.normalize("NFC", (text or "").replace("\x00", "")).strip()


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def _author_check(by: User) -> None:
    require_roles(by, POLL_AUTHORS, action="write polls")


# --- Authoring -------------------------------------------------------------------------------------


def _poll_fields(
    *,
    title: str,
    description: str,
    enhancement_request: str,
    closes_at: datetime.datetime | None,
    audience_roles: Iterable[str],
    mockup: UploadedFile | None,
) -> dict[str, Any]:
    title = _clean(title)
    if not title:
        raise _invalid("title", "Give the poll a title.")
    if len(title) > 200:
        raise _invalid("title", "Keep the title to 200 characters.")
    description = _clean(description)
    if not description:
        raise _invalid("description", "Describe the planned change.")
    key = _clean(enhancement_request).upper()
    if key and not ENHANCEMENT_PATTERN.match(key):
        raise _invalid(
            "enhancement_request", "Write the request's key as letters, a dash and digits: ENH-142."
        )
    roles = sorted(set(audience_roles))
    unknown = [role for role in roles if role not in Role.values]
    if unknown:
        raise _invalid("audience_roles", f"Unknown role: {', '.join(unknown)}.")
    if mockup is not None and mockup.size is not None and mockup.size > MOCKUP_MAX_BYTES:
        raise _invalid("mockup", "The mockup image may be at most 5 MB.")
    return {
        "title": title,
        "description": description,
        "enhancement_request": key,
        "closes_at": closes_at,
        "audience_roles": roles,
    }


def _set_audience(poll: Poll, *, teams, skills, agents) -> None:
    poll.audience_teams.set(list(teams))
    poll.audience_skills.set(list(skills))
    poll.audience_agents.set(list(agents))


@transaction.atomic
def poll_create(
    *,
    by: User,
    title: str,
    description: str,
    enhancement_request: str = "",
    closes_at: datetime.datetime | None = None,
    audience_roles: Iterable[str] = (),
    audience_teams: Iterable[Team] = (),
    audience_skills: Iterable[Skill] = (),
    audience_agents: Iterable[User] = (),
    mockup: UploadedFile | None = None,
) -> Poll:
    """A draft poll; questions are added next, then it is opened."""
    _author_check(by)
    fields = _poll_fields(
        title=title,
        description=description,
        enhancement_request=enhancement_request,
        closes_at=closes_at,
        audience_roles=audience_roles,
        mockup=mockup,
    )
    poll = Poll(author=by, status=PollStatus.DRAFT, **fields)
    if mockup is not None:
        poll.mockup = mockup
    poll.save()
    _set_audience(poll, teams=audience_teams, skills=audience_skills, agents=audience_agents)
    audit_record(actor=by, action="poll.created", target=poll, detail={"title": poll.title})
    return poll


@transaction.atomic
def poll_update(
    *,
    by: User,
    poll: Poll,
    title: str,
    description: str,
    enhancement_request: str = "",
    closes_at: datetime.datetime | None = None,
    audience_roles: Iterable[str] = (),
    audience_teams: Iterable[Team] = (),
    audience_skills: Iterable[Skill] = (),
    audience_agents: Iterable[User] = (),
    mockup: UploadedFile | None = None,
    remove_mockup: bool = False,
) -> Poll:
    """Change a draft or open poll (not its questions once open); a closed poll stays as it was."""
    _author_check(by)
    poll = _locked(poll)
    if poll.status == PollStatus.CLOSED:
        raise Conflict("This poll is closed; it can no longer change.")
    fields = _poll_fields(
        title=title,
        description=description,
        enhancement_request=enhancement_request,
        closes_at=closes_at,
        audience_roles=audience_roles,
        mockup=mockup,
    )
    if poll.status == PollStatus.OPEN:
        _check_closes_at(closes_at, timezone.now())
    for name, value in fields.items():
        setattr(poll, name, value)
    if mockup is not None:
        poll.mockup = mockup
    elif remove_mockup:
        poll.mockup = ""
    poll.save()
    _set_audience(poll, teams=audience_teams, skills=audience_skills, agents=audience_agents)
    audit_record(actor=by, action="poll.updated", target=poll, detail={"title": poll.title})
    return poll


def _locked(poll: Poll) -> Poll:
    locked = Poll.objects.select_for_update().filter(pk=poll.pk).first()
    if locked is None:
        raise NotFound("No such poll.")
    return locked


def _question_fields(
    *, kind: str, text: str, options: Iterable[str], required: bool, order: int
) -> dict[str, Any]:
    if kind not in PollQuestionKind.values:
        raise _invalid("kind", "Choose rating, one choice or free text.")
    text = _clean(text)
    if not text:
        raise _invalid("text", "Write the question.")
    if len(text) > 300:
        raise _invalid("text", "Keep the question to 300 characters.")
    cleaned: list[str] = []
    if kind == PollQuestionKind.CHOICE:
        for option in options:
            option = _clean(option)
            if option and option not in cleaned:
                cleaned.append(option)
        if len(cleaned) < 2:
            raise _invalid("options", "A choice question needs at least two different options.")
        if len(cleaned) > OPTIONS_MAX:
            raise _invalid("options", f"At most {OPTIONS_MAX} options keep it under a minute.")
        if any(len(option) > OPTION_MAX for option in cleaned):
            raise _invalid("options", f"Keep each option to {OPTION_MAX} characters.")
    if not 0 <= order <= 999:
        raise _invalid("order", "Order is a number from 0 to 999.")
    return {"kind": kind, "text": text, "options": cleaned, "required": required, "order": order}


def _draft_check(poll: Poll) -> None:
    if poll.status != PollStatus.DRAFT:
        raise Conflict("Questions change only while the poll is a draft.")


@transaction.atomic
def poll_question_add(
    *,
    by: User,
    poll: Poll,
    kind: str,
    text: str,
    options: Iterable[str] = (),
    required: bool = True,
    order: int | None = None,
) -> PollQuestion:
    _author_check(by)
    poll = _locked(poll)
    _draft_check(poll)
    existing = poll.questions.count()
    if existing >= QUESTIONS_MAX:
        raise _invalid("text", f"At most {QUESTIONS_MAX} questions: a poll takes under a minute.")
    fields = _question_fields(
        kind=kind,
        text=text,
        options=options,
        required=required,
        order=existing + 1 if order is None else order,
    )
    question = PollQuestion.objects.create(poll=poll, **fields)
    audit_record(
        actor=by, action="poll.question_added", target=poll, detail={"question": question.pk}
    )
    return question


@transaction.atomic
def poll_question_update(
    *,
    by: User,
    question: PollQuestion,
    kind: str,
    text: str,
    options: Iterable[str] = (),
    required: bool = True,
    order: int = 0,
) -> PollQuestion:
    _author_check(by)
    poll = _locked(question.poll)
    _draft_check(poll)
    fields = _question_fields(kind=kind, text=text, options=options, required=required, order=order)
    for name, value in fields.items():
        setattr(question, name, value)
    question.save()
    audit_record(
        actor=by, action="poll.question_changed", target=poll, detail={"question": question.pk}
    )
    return question


@transaction.atomic
def poll_question_delete(*, by: User, question: PollQuestion) -> None:
    _author_check(by)
    poll = _locked(question.poll)
    _draft_check(poll)
    detail = {"question": question.pk, "text": question.text}
    question.delete()
    audit_record(actor=by, action="poll.question_removed", target=poll, detail=detail)


def _check_closes_at(closes_at: datetime.datetime | None, now: datetime.datetime) -> None:
    if closes_at is not None and closes_at <= now:
        raise _invalid("closes_at", "The closing time has passed: choose a later one.")


@transaction.atomic
def poll_open(*, by: User, poll: Poll, at: datetime.datetime | None = None) -> Poll:
    """Open a draft to its audience; it needs a question, an audience and a future closing time."""
    _author_check(by)
    now = at or timezone.now()
    poll = _locked(poll)
    if poll.status != PollStatus.DRAFT:
        raise Conflict("Only a draft poll can be opened.")
    if not poll.questions.exists():
        raise ValidationFailed("Add at least one question before opening the poll.")
    if not audience_members(poll).exists():
        raise ValidationFailed(
            "The audience reaches nobody: choose roles, teams, skills or named people."
        )
    _check_closes_at(poll.closes_at, now)
    poll.status = PollStatus.OPEN
    poll.opened_at = now
    poll.save(update_fields=["status", "opened_at", "updated_at"])
    audit_record(actor=by, action="poll.opened", target=poll)
    return poll


@transaction.atomic
def poll_close(*, by: User, poll: Poll, at: datetime.datetime | None = None) -> Poll:
    _author_check(by)
    now = at or timezone.now()
    poll = _locked(poll)
    if poll.status != PollStatus.OPEN:
        raise Conflict("Only an open poll can be closed.")
    poll.status = PollStatus.CLOSED
    if poll.closes_at is None or poll.closes_at > now:
        poll.closes_at = now
    poll.save(update_fields=["status", "closes_at", "updated_at"])
    audit_record(actor=by, action="poll.closed", target=poll)
    return poll


# --- Answering -------------------------------------------------------------------------------------


def clamp_seconds(seconds: object) -> int | None:
    """Seconds spent answering, within 0 … SECONDS_TAKEN_MAX; anything unreadable is unknown."""
    if seconds is None or isinstance(seconds, bool):
        return None
    try:
        value = int(float(str(seconds)))
    except (TypeError, ValueError, OverflowError):
        return None
    return max(0, min(SECONDS_TAKEN_MAX, value))


def _answer_for(question: PollQuestion, raw: object) -> PollAnswer | None:
    """The answer to one question from what was sent; None when left empty. Raises on bad input."""
    if isinstance(raw, list | tuple):
        raw = raw[-1] if raw else None
    text = "" if raw is None or isinstance(raw, dict) else _clean(str(raw))
    if not text:
        if question.required:
            raise ValueError("Answer this question.")
        return None
    if question.kind == PollQuestionKind.RATING:
        try:
            rating = int(text)
        except ValueError:
            rating = 0
        if not RATING_MIN <= rating <= RATING_MAX:
            raise ValueError(f"Choose a rating from {RATING_MIN} to {RATING_MAX}.")
        return PollAnswer(question=question, rating=rating)
    if question.kind == PollQuestionKind.CHOICE:
        if text not in (question.options or []):
            raise ValueError("Choose one of the options.")
        return PollAnswer(question=question, choice=text)
    if len(text) > TEXT_ANSWER_MAX:
        raise ValueError(f"Keep it to {TEXT_ANSWER_MAX} characters.")
    return PollAnswer(question=question, text=text)


def _answers(poll: Poll, data: dict) -> list[PollAnswer]:
    answers, problems = [], {}
    for question in poll.questions.all():
        key = f"q{question.pk}"
        try:
            answer = _answer_for(question, data.get(key))
        except ValueError as exc:
            problems[key] = [str(exc)]
            continue
        if answer is not None:
            answers.append(answer)
    if problems:
        raise ValidationFailed("Some answers need another look.", fields=problems)
    if not answers:
        raise ValidationFailed("Answer at least one question.")
    return answers


@transaction.atomic
def poll_answer(
    *, poll: Poll, respondent: User, data: dict, seconds_taken: int | None = None
) -> PollResponse:
    """Record one person's answers (data keyed q<question id>); each person answers once.
    Their main role and team are kept as they are now, for results by both."""
    poll = _locked(poll)
    if not selectors.poll_is_accepting(poll):
        raise Conflict("This poll is closed; thank you all the same.")
    if not audience_members(poll).filter(pk=respondent.pk).exists():
        raise NotFound("No such poll.")
    if selectors.poll_answered(user=respondent, poll=poll):
        raise Conflict("You have already answered this poll.", code="already_answered")
    answers = _answers(poll, data if isinstance(data, dict) else {})
    try:
        with transaction.atomic():
            response = PollResponse.objects.create(
                poll=poll,
                respondent=respondent,
                role=selectors.main_role(respondent),
                team_id=respondent.team_id,
                seconds_taken=clamp_seconds(seconds_taken),
            )
    except IntegrityError:
        raise Conflict("You have already answered this poll.", code="already_answered") from None
    for answer in answers:
        answer.response = response
    PollAnswer.objects.bulk_create(answers)
    return response


# --- Export ----------------------------------------------------------------------------------------


def poll_results_export(*, by: User, poll: Poll) -> Iterator[list[str]]:
    """The CSV rows of a poll's answers as the reader may see them (header first), audited."""
    require_roles(by, POLL_RESULT_READERS, action="export poll results")
    rows = selectors.poll_export_rows(user=by, poll=poll)
    audit_record(
        actor=by,
        action="poll.results_exported",
        target=poll,
        detail={"respondents_in_scope": selectors.responses_in_scope(user=by, poll=poll).count()},
    )

    def generate() -> Iterator[list[str]]:
        yield list(selectors.EXPORT_HEADER)
        for row in rows:
            yield [neutralise_cell(cell) for cell in row]

    return generate()
