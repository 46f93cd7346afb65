"""Writing briefings and recording what each reader did with them.

Authoring: a draft is written (body, audience, due date, acknowledgement, pass mark, optional
QA criterion), given attachments and check questions, then published: each person in the
audience gets one delivery. After publication the body and the check are fixed, so every
reader answers the same thing. Supervisors may only reach their own teams and their people.

Reading: opening, acknowledging and the check are recorded on the reader's delivery. A briefing
counts as understood when its check is passed; without a check, when it is acknowledged; with
neither, when it is opened. Passing a check also acknowledges it (answering is the stronger
sign of having read it).
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.models import Skill, Team, User
from rapport.briefings.audience import audience_members
from rapport.briefings.checks import CheckResult, check_score
from rapport.briefings.choices import BriefingStatus
from rapport.briefings.models import (
    Briefing,
    BriefingAttachment,
    BriefingAttempt,
    BriefingChoice,
    BriefingDelivery,
    BriefingQuestion,
)
from rapport.briefings.selectors import briefings as selectors
from rapport.core.audit import audit_record
from rapport.core.errors import Conflict, NotFound, ValidationFailed
from rapport.core.http import public_url
from rapport.core.roles import Role
from rapport.performance.models import QaCriterion

logger = logging.getLogger(__name__)

TITLE_MAX = 200
BODY_MAX = 50_000
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENTS_MAX = 20
QUESTIONS_MAX = 30
CHOICES_MAX = 8
IMAGE_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}
FILE_TYPES = {
    "application/pdf": b"%PDF-",
    "text/plain": None,
    "text/csv": None,
}
# Reminders: the first this long before the due time, then one a day while overdue, at most this many.
REMIND_BEFORE = datetime.timedelta(hours=24)
REMIND_EVERY = datetime.timedelta(hours=24)
REMINDERS_MAX = 4


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def _editable(briefing: Briefing) -> None:
    if briefing.status != BriefingStatus.DRAFT:
        raise Conflict(
            "This briefing is published: its text, attachments and check can no longer change, "
            "so everyone answers the same thing. Archive it and write a new one instead."
        )


# --- Authoring -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AudienceChoice:
    roles: Sequence[str]
    teams: Sequence[Team]
    skills: Sequence[Skill]
    agents: Sequence[User]


def _audience_check(*, by: User, audience: AudienceChoice) -> None:
    """Supervisors reach only the teams they lead and people in them."""
    if selectors.sees_everything(by):
        return
    led = set(selectors.led_team_ids(by))
    if any(team.pk not in led for team in audience.teams):
        raise _invalid("teams", "You can choose only the teams you lead.")
    if any(agent.team_id not in led for agent in audience.agents):
        raise _invalid("agents", "You can name only people in the teams you lead.")
    if (audience.roles or audience.skills) and not audience.teams:
        raise _invalid("teams", "Choose which of your teams the roles or skills apply to.")


def _fields_check(*, title: str, body: str, pass_mark: int) -> None:
    if not title.strip():
        raise _invalid("title", "Give the briefing a title.")
    if len(title) > TITLE_MAX:
        raise _invalid("title", f"At most {TITLE_MAX} characters.")
    if not body.strip():
        raise _invalid("body", "Write what the briefing says.")
    if len(body) > BODY_MAX:
        raise _invalid("body", f"At most {BODY_MAX} characters.")
    if not 1 <= pass_mark <= 100:
        raise _invalid("pass_mark", "The pass mark is a per cent from 1 to 100.")


def _audience_set(briefing: Briefing, audience: AudienceChoice) -> None:
    briefing.audience_roles = [role for role in audience.roles if role in Role.values]
    briefing.save(update_fields=["audience_roles", "updated_at"])
    briefing.audience_teams.set(audience.teams)
    briefing.audience_skills.set(audience.skills)
    briefing.audience_agents.set(audience.agents)


@transaction.atomic
def briefing_create(
    *,
    by: User,
    title: str,
    body: str,
    due_at: datetime.datetime,
    requires_ack: bool,
    pass_mark: int,
    audience: AudienceChoice,
    qa_criterion: QaCriterion | None = None,
) -> Briefing:
    _fields_check(title=title, body=body, pass_mark=pass_mark)
    _audience_check(by=by, audience=audience)
    briefing = Briefing.objects.create(
        title=title.strip(),
        body=body,
        author=by,
        due_at=due_at,
        requires_ack=requires_ack,
        pass_mark=pass_mark,
        qa_criterion=qa_criterion,
    )
    _audience_set(briefing, audience)
    audit_record(actor=by, action="briefing.create", target=briefing, detail={"title": title})
    return briefing


@transaction.atomic
def briefing_update(
    *,
    by: User,
    briefing: Briefing,
    title: str,
    body: str,
    due_at: datetime.datetime,
    requires_ack: bool,
    pass_mark: int,
    audience: AudienceChoice,
    qa_criterion: QaCriterion | None = None,
) -> Briefing:
    _editable(briefing)
    _fields_check(title=title, body=body, pass_mark=pass_mark)
    _audience_check(by=by, audience=audience)
    briefing.title = title.strip()
    briefing.body = body
    briefing.due_at = due_at
    briefing.requires_ack = requires_ack
    briefing.pass_mark = pass_mark
    briefing.qa_criterion = qa_criterion
    briefing.save()
    _audience_set(briefing, audience)
    audit_record(actor=by, action="briefing.update", target=briefing)
    return briefing


def _sniffed_type(upload: UploadedFile, declared: str) -> str:
    """The upload's type, checked against its content: images must open as that image format,
    PDFs start with their signature, text must be UTF-8."""
    upload.seek(0)
    if declared in IMAGE_TYPES:
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(upload) as image:
                found = image.format
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise _invalid("file", "This file is not a readable image.") from None
        if found != IMAGE_TYPES[declared]:
            raise _invalid("file", "The image's content does not match its type.")
        return declared
    signature = FILE_TYPES[declared]
    head = upload.read(2048)
    if signature is not None and not head.startswith(signature):
        raise _invalid("file", "The file's content does not match its type.")
    if signature is None:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the end of the sample is still text.
            if exc.start < len(head) - 4:
                raise _invalid("file", "A text file must be UTF-8 text.") from None
    return declared


@transaction.atomic
def attachment_add(*, by: User, briefing: Briefing, upload: UploadedFile) -> BriefingAttachment:
    _editable(briefing)
    if upload.size is None or upload.size <= 0:
        raise _invalid("file", "The file is empty.")
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise _invalid("file", "Files may be at most 10 MB.")
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    if declared not in IMAGE_TYPES and declared not in FILE_TYPES:
        raise _invalid("file", "Attach an image (PNG, JPEG, GIF, WebP), a PDF or a text file.")
    if briefing.attachments.count() >= ATTACHMENTS_MAX:
        raise _invalid("file", f"A briefing has at most {ATTACHMENTS_MAX} attachments.")
    content_type = _sniffed_type(upload, declared)
    upload.seek(0)
    name = (upload.name or "file")[-200:]
    attachment = BriefingAttachment(
        briefing=briefing, name=name, content_type=content_type, size=upload.size
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    audit_record(
        actor=by,
        action="briefing.attachment_add",
        target=briefing,
        detail={"attachment": attachment.pk, "name": name, "size": upload.size},
    )
    return attachment


@transaction.atomic
def attachment_remove(*, by: User, attachment: BriefingAttachment) -> None:
    briefing = attachment.briefing
    _editable(briefing)
    detail = {"attachment": attachment.pk, "name": attachment.name}
    attachment.file.delete(save=False)
    attachment.delete()
    audit_record(actor=by, action="briefing.attachment_remove", target=briefing, detail=detail)


@transaction.atomic
def question_add(
    *,
    by: User,
    briefing: Briefing,
    text: str,
    explanation: str,
    choices: Sequence[tuple[str, bool]],
) -> BriefingQuestion:
    _editable(briefing)
    text = text.strip()
    if not text:
        raise _invalid("text", "Write the question.")
    if len(text) > 500:
        raise _invalid("text", "At most 500 characters.")
    kept = [(label.strip(), correct) for label, correct in choices if label.strip()]
    if len(kept) < 2:
        raise _invalid("choices", "Give at least two choices.")
    if len(kept) > CHOICES_MAX:
        raise _invalid("choices", f"At most {CHOICES_MAX} choices.")
    if any(len(label) > 300 for label, _ in kept):
        raise _invalid("choices", "A choice has at most 300 characters.")
    if not any(correct for _, correct in kept):
        raise _invalid("choices", "Mark at least one choice as correct.")
    if all(correct for _, correct in kept):
        raise _invalid(
            "choices", "At least one choice must be wrong, or the question asks nothing."
        )
    count = briefing.questions.count()
    if count >= QUESTIONS_MAX:
        raise _invalid("text", f"A check has at most {QUESTIONS_MAX} questions.")
    question = BriefingQuestion.objects.create(
        briefing=briefing, text=text, explanation=explanation.strip(), order=count
    )
    BriefingChoice.objects.bulk_create(
        BriefingChoice(question=question, text=label, is_correct=correct, order=position)
        for position, (label, correct) in enumerate(kept)
    )
    audit_record(
        actor=by, action="briefing.question_add", target=briefing, detail={"question": question.pk}
    )
    return question


@transaction.atomic
def question_remove(*, by: User, question: BriefingQuestion) -> None:
    briefing = question.briefing
    _editable(briefing)
    detail = {"question": question.pk, "text": question.text}
    question.delete()
    audit_record(actor=by, action="briefing.question_remove", target=briefing, detail=detail)


@transaction.atomic
def deliveries_sync(*, briefing: Briefing, at: datetime.datetime | None = None) -> int:
    """Give a delivery to everyone in a published briefing's audience who has none yet (people
    who joined it since). Idempotent; returns how many were made."""
    if briefing.status != BriefingStatus.PUBLISHED:
        return 0
    at = at or timezone.now()
    have = BriefingDelivery.objects.filter(briefing=briefing).values("agent_id")
    newcomers = audience_members(briefing).exclude(pk__in=have).values_list("pk", "team_id")
    made = BriefingDelivery.objects.bulk_create(
        [
            BriefingDelivery(briefing=briefing, agent_id=pk, team_id=team_id, delivered_at=at)
            for pk, team_id in newcomers
        ],
        ignore_conflicts=True,
    )
    return len(made)


def deliveries_sync_all(*, at: datetime.datetime | None = None) -> int:
    """deliveries_sync for every published briefing not yet past due (people who join an
    audience after the due time are not handed a briefing that is already late)."""
    at = at or timezone.now()
    published = Briefing.objects.filter(status=BriefingStatus.PUBLISHED, due_at__gt=at)
    return sum(deliveries_sync(briefing=briefing, at=at) for briefing in published)


@transaction.atomic
def briefing_publish(*, by: User, briefing: Briefing, at: datetime.datetime | None = None) -> int:
    """Publish a draft to its audience; returns how many deliveries were made."""
    at = at or timezone.now()
    given = briefing
    briefing = Briefing.objects.select_for_update().get(pk=briefing.pk)
    _editable(briefing)
    if briefing.due_at <= at:
        raise _invalid("due_at", "The due time has passed; set a later one before publishing.")
    if not audience_members(briefing).exists():
        raise _invalid("audience", "The audience reaches nobody yet; choose who it is for.")
    briefing.status = BriefingStatus.PUBLISHED
    briefing.published_at = at
    briefing.save(update_fields=["status", "published_at", "updated_at"])
    given.status, given.published_at = briefing.status, at
    made = deliveries_sync(briefing=briefing, at=at)
    audit_record(actor=by, action="briefing.publish", target=briefing, detail={"deliveries": made})
    return made


@transaction.atomic
def briefing_archive(*, by: User, briefing: Briefing) -> Briefing:
    """Stop asking for a briefing; what people did with it stays."""
    if briefing.status == BriefingStatus.ARCHIVED:
        raise Conflict("This briefing is already archived.")
    briefing.status = BriefingStatus.ARCHIVED
    briefing.save(update_fields=["status", "updated_at"])
    audit_record(actor=by, action="briefing.archive", target=briefing)
    return briefing


@transaction.atomic
def briefing_delete(*, by: User, briefing: Briefing) -> None:
    """Delete a draft (nobody has received it)."""
    _editable(briefing)
    audit_record(
        actor=by, action="briefing.delete", target=briefing, detail={"title": briefing.title}
    )
    for attachment in briefing.attachments.all():
        attachment.file.delete(save=False)
    briefing.delete()


# --- Reading ---------------------------------------------------------------------------------------


def _locked(delivery: BriefingDelivery) -> BriefingDelivery:
    # The delivery's row only: locking the joined briefing too made every reader of a briefing
    # queue on it, and deadlocked with idle time starting an activity for the same briefing.
    fresh = (
        BriefingDelivery.objects.select_for_update(of=("self",))
        .select_related("briefing")
        .filter(pk=delivery.pk)
        .first()
    )
    if fresh is None:
        raise NotFound("No such briefing.")
    return fresh


def _copy(target: BriefingDelivery, source: BriefingDelivery) -> BriefingDelivery:
    for name in (
        "opened_at",
        "acknowledged_at",
        "attempts",
        "score",
        "understood_at",
        "updated_at",
    ):
        setattr(target, name, getattr(source, name))
    return target


@transaction.atomic
def delivery_open(
    *, delivery: BriefingDelivery, at: datetime.datetime | None = None
) -> BriefingDelivery:
    """Record the first opening; with neither acknowledgement nor check, that is understanding."""
    at = at or timezone.now()
    fresh = _locked(delivery)
    if fresh.opened_at is None:
        fresh.opened_at = at
        if not fresh.briefing.is_mandatory and fresh.understood_at is None:
            fresh.understood_at = at
        fresh.save(update_fields=["opened_at", "understood_at", "updated_at"])
    return _copy(delivery, fresh)


@transaction.atomic
def delivery_acknowledge(
    *, delivery: BriefingDelivery, at: datetime.datetime | None = None
) -> BriefingDelivery:
    """The reader confirms they have read it; without a check, that is understanding."""
    at = at or timezone.now()
    fresh = _locked(delivery)
    briefing = fresh.briefing
    if briefing.status != BriefingStatus.PUBLISHED:
        raise Conflict("This briefing is archived; nothing more is asked.")
    if not briefing.requires_ack:
        raise Conflict("This briefing does not ask for an acknowledgement.")
    if fresh.acknowledged_at is not None:
        return _copy(delivery, fresh)
    fresh.opened_at = fresh.opened_at or at
    fresh.acknowledged_at = at
    if not briefing.has_check and fresh.understood_at is None:
        fresh.understood_at = at
    fresh.save(update_fields=["opened_at", "acknowledged_at", "understood_at", "updated_at"])
    return _copy(delivery, fresh)


def _answers_kept(answers: dict, known: set[int]) -> dict[int, list[int]]:
    """The answers to this check's questions only, as whole numbers; anything else is dropped
    (an unanswered question is simply wrong)."""
    kept: dict[int, list[int]] = {}
    for key, chosen in answers.items():
        try:
            question_id = int(key)
            choice_ids = sorted({int(choice) for choice in chosen})[: CHOICES_MAX + 1]
        except (TypeError, ValueError):
            continue
        if question_id in known:
            kept[question_id] = choice_ids
    return kept


@transaction.atomic
def check_submit(
    *,
    delivery: BriefingDelivery,
    answers: dict[int, list[int]],
    at: datetime.datetime | None = None,
) -> CheckResult:
    """Score one attempt at the check and record it; passing means understood."""
    at = at or timezone.now()
    fresh = _locked(delivery)
    briefing = fresh.briefing
    if briefing.status != BriefingStatus.PUBLISHED:
        raise Conflict("This briefing is archived; its check is closed.")
    if fresh.understood_at is not None:
        raise Conflict("You have already passed this check.")
    questions = selectors.questions_of(briefing)
    if not questions:
        raise Conflict("This briefing has no check to answer.")
    kept = _answers_kept(answers, {question.pk for question in questions})
    result = check_score(questions, kept, pass_mark=briefing.pass_mark)
    BriefingAttempt.objects.create(
        delivery=fresh,
        answers={str(key): value for key, value in kept.items()},
        score=result.score,
        passed=result.passed,
    )
    fresh.attempts = F("attempts") + 1
    fresh.score = result.score
    fresh.opened_at = fresh.opened_at or at
    if result.passed:
        fresh.understood_at = at
        if briefing.requires_ack and fresh.acknowledged_at is None:
            fresh.acknowledged_at = at
    fresh.save(
        update_fields=[
            "attempts",
            "score",
            "opened_at",
            "understood_at",
            "acknowledged_at",
            "updated_at",
        ]
    )
    fresh.refresh_from_db(fields=["attempts"])
    _copy(delivery, fresh)
    return result


# --- Reminders and escalation ----------------------------------------------------------------------


def _reminder_due(delivery: BriefingDelivery, now: datetime.datetime) -> bool:
    due_at = delivery.briefing.due_at
    if delivery.reminders_sent >= REMINDERS_MAX:
        return False
    if due_at > now:
        return delivery.reminders_sent == 0 and due_at - now <= REMIND_BEFORE
    last = delivery.last_reminded_at
    # The first reminder after the due time goes at once; then one a day.
    return last is None or last < due_at or now - last >= REMIND_EVERY


def _remind(delivery: BriefingDelivery, now: datetime.datetime) -> bool:
    agent = delivery.agent
    if not agent.email:
        return False
    briefing = delivery.briefing
    overdue = briefing.due_at <= now
    when = timezone.localtime(briefing.due_at).strftime("%Y-%m-%d %H:%M")
    subject = f"{'Overdue' if overdue else 'Due soon'}: {briefing.title}"
    body = (
        f"Hello {agent.first_name or agent.username},\n\n"
        f'The briefing "{briefing.title}" {"was" if overdue else "is"} due {when}.\n'
        f"Open it here: {public_url(reverse('briefings:read', args=[briefing.pk]))}\n"
    )
    send_mail(subject, body, settings.RAPPORT_MAIL_FROM, [agent.email], fail_silently=False)
    return True


def _tell_supervisor(supervisor: User, rows: list[BriefingDelivery]) -> None:
    lines = "\n".join(f"- {row.agent}: {row.briefing.title}" for row in rows)
    send_mail(
        f"Overdue briefings in your team ({len(rows)})",
        f"These briefings are overdue:\n{lines}\n\n"
        f"See {public_url(reverse('briefings:dashboard'))}\n",
        settings.RAPPORT_MAIL_FROM,
        [supervisor.email],
        fail_silently=False,
    )


def _raise_overdue(open_rows: QuerySet[BriefingDelivery], now: datetime.datetime) -> int:
    """Raise overdue deliveries to their supervisors at once: the dashboard's "raised to you"
    list shows them from now on, whether or not an e-mail can be sent."""
    return open_rows.filter(briefing__due_at__lte=now, escalated_at__isnull=True).update(
        escalated_at=now
    )


def _email_supervisors(open_rows: QuerySet[BriefingDelivery], now: datetime.datetime) -> int:
    """One e-mail per supervisor listing the raised deliveries not yet mailed to them; each is
    marked mailed once its e-mail went out, so a failed one is tried again on the next run.
    Returns how many supervisors were told."""
    unsent = open_rows.filter(
        escalated_at__isnull=False,
        supervisor_emailed_at__isnull=True,
        team__supervisor__isnull=False,
    ).exclude(team__supervisor__email="")
    per_supervisor: dict[int, list[BriefingDelivery]] = defaultdict(list)
    people: dict[int, User] = {}
    for delivery in unsent.order_by("briefing__due_at", "id"):
        supervisor = delivery.team.supervisor if delivery.team is not None else None
        if supervisor is None:  # filtered out above; kept for the type checker
            continue
        per_supervisor[supervisor.pk].append(delivery)
        people[supervisor.pk] = supervisor
    told = 0
    for supervisor_id, rows in per_supervisor.items():
        try:
            _tell_supervisor(people[supervisor_id], rows)
        except Exception:
            # Whatever went wrong with this mail, the other supervisors still hear.
            logger.exception("telling supervisor %s of overdue briefings failed", supervisor_id)
            continue
        BriefingDelivery.objects.filter(pk__in=[row.pk for row in rows]).update(
            supervisor_emailed_at=now
        )
        told += 1
    return told


def reminders_send(*, now: datetime.datetime | None = None) -> dict:
    """Remind people who have not understood a published briefing (a day before it is due, then
    daily while overdue, at most REMINDERS_MAX times) and raise overdue ones to the supervisor
    once: raised at once (escalated_at), e-mailed when the mail goes (supervisor_emailed_at).
    A mail that fails, for whatever reason, is logged and the rest go on. Safe to run as often
    as wanted."""
    now = now or timezone.now()
    open_rows = BriefingDelivery.objects.filter(
        understood_at__isnull=True,
        briefing__status=BriefingStatus.PUBLISHED,
        briefing__in=selectors.briefings_mandatory(),
        agent__is_active=True,
    ).select_related("briefing", "agent", "team__supervisor")
    reminded = 0
    for delivery in open_rows.filter(
        Q(briefing__due_at__lte=now + REMIND_BEFORE), reminders_sent__lt=REMINDERS_MAX
    ).iterator(chunk_size=500):
        if not _reminder_due(delivery, now):
            continue
        try:
            sent = _remind(delivery, now)
        except Exception:
            # One bad address or a mail server hiccup must not stop the other reminders.
            logger.exception("briefing reminder to %s failed", delivery.agent_id)
            continue
        if sent:
            BriefingDelivery.objects.filter(pk=delivery.pk).update(
                reminders_sent=F("reminders_sent") + 1, last_reminded_at=now
            )
            reminded += 1
    escalated = _raise_overdue(open_rows, now)
    told = _email_supervisors(open_rows, now)
    return {"reminded": reminded, "escalated": escalated, "supervisors_told": told}
