"""The demo's briefings and feature-feedback polls, and what the audience did with them.

Content goes straight to the tables (as a trainer would have written it); what people did goes
through the briefings services with the time it happened (`at=`), replayed in time order together
with the daily reminder run, so reminders and escalations to supervisors fall where they would
have. Reminder e-mails of the past are not sent again: the run uses a mail backend that drops them.
"""

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.test.utils import override_settings

from rapport.accounts.models import Team, User
from rapport.briefings.audience import audience_members
from rapport.briefings.choices import BriefingStatus, PollQuestionKind, PollStatus
from rapport.briefings.models import (
    Briefing,
    BriefingAttempt,
    BriefingChoice,
    BriefingDelivery,
    BriefingQuestion,
    Poll,
    PollQuestion,
    PollResponse,
)
from rapport.briefings.services import briefings as briefing_services
from rapport.briefings.services import polls as poll_services
from rapport.demo.learning_texts import BRIEFINGS, POLL_COMMENTS, POLLS
from rapport.performance.models import QaCriterion

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
DROP_MAIL = "django.core.mail.backends.dummy.EmailBackend"

# What a person did with a briefing, and how often (per cent) for briefings with a check;
# `ack` briefings have no check, so only opened / acknowledged / untouched apply.
FATES = {
    "check": [("passed", 64), ("failed_then_passed", 13), ("failed", 7), ("opened", 8), ("untouched", 8)],
    "check_fresh": [("passed", 42), ("failed_then_passed", 8), ("failed", 5), ("opened", 12), ("untouched", 33)],
    "ack": [("passed", 84), ("opened", 8), ("untouched", 8)],
}  # fmt: skip
# The demo logins' own stories: Alex still owes the complaints check (failed once, so the idle
# panel brings it back with the explanations) and has not opened the newest one.
# Alex has not answered the open poll yet, so the idle panel can bring it.
LOGIN_SKIPS_POLL = {"agent"}
LOGIN_FATES = {"agent": {"complaints": "failed", "refunds": "untouched", "identity": "passed"}}


@dataclass
class Timeline:
    """Things that happened, replayed in time order; each action is called with its time."""

    events: list[tuple[datetime.datetime, int, Callable[[datetime.datetime], object]]]

    def add(self, at: datetime.datetime, action: Callable[[datetime.datetime], object]) -> None:
        self.events.append((at, len(self.events), action))

    def replay(self) -> None:
        for at, _n, action in sorted(self.events, key=lambda e: (e[0], e[1])):
            action(at)


def briefings_load(
    rng: random.Random, *, reference_time: datetime.datetime, author: User
) -> dict[str, int]:
    timeline = Timeline(events=[])
    made = {"briefings": 0, "deliveries": 0}
    first_published = reference_time
    for spec in BRIEFINGS:
        briefing = _briefing_create(spec, reference_time=reference_time, author=author)
        made["briefings"] += 1
        if spec["status"] == BriefingStatus.DRAFT:
            continue
        published = briefing.published_at
        assert published is not None
        first_published = min(first_published, published)
        made["deliveries"] += briefing_services.deliveries_sync(briefing=briefing, at=published)
        _fates_plan(rng, timeline, briefing, spec, reference_time)
        if spec["status"] == BriefingStatus.ARCHIVED:
            timeline.add(reference_time - spec["archived_days_ago"] * DAY, _archiver(briefing))
    # The reminder run, every morning from the first publication on.
    day = first_published.replace(hour=8, minute=0) + DAY
    while day <= reference_time:
        timeline.add(day, _reminder_run(day))
        day += DAY
    with override_settings(EMAIL_BACKEND=DROP_MAIL):
        timeline.replay()
    made["attempts"] = BriefingAttempt.objects.count()
    return made


def _briefing_create(spec: dict, *, reference_time, author: User) -> Briefing:
    published = (
        reference_time - spec["published_days_ago"] * DAY if "published_days_ago" in spec else None
    )
    due = (published or reference_time) + spec["due_days"] * DAY
    criterion = None
    if spec.get("qa_criterion"):
        criterion = QaCriterion.objects.filter(text__startswith=spec["qa_criterion"]).first()
    briefing = Briefing.objects.create(
        title=spec["title"],
        body=spec["body"],
        author=author,
        status=BriefingStatus.DRAFT if published is None else BriefingStatus.PUBLISHED,
        published_at=published,
        due_at=due,
        requires_ack=spec.get("requires_ack", True),
        pass_mark=spec.get("pass_mark", 80),
        qa_criterion=criterion,
        audience_roles=spec.get("roles", []),
    )
    if spec.get("teams"):
        briefing.audience_teams.set(Team.objects.filter(name__in=spec["teams"]))
    for order, (text, explanation, choices) in enumerate(spec.get("questions", [])):
        question = BriefingQuestion.objects.create(
            briefing=briefing, text=text, explanation=explanation, order=order
        )
        BriefingChoice.objects.bulk_create(
            BriefingChoice(question=question, text=choice, is_correct=correct, order=n)
            for n, (choice, correct) in enumerate(choices)
        )
    return briefing


def _fates_plan(rng, timeline: Timeline, briefing: Briefing, spec: dict, reference_time) -> None:
    questions = list(briefing.questions.prefetch_related("choices"))
    kind = "ack" if not questions else ("check_fresh" if spec.get("fresh") else "check")
    values, weights = zip(*FATES[kind], strict=True)
    deliveries = BriefingDelivery.objects.filter(briefing=briefing).select_related("agent")
    published = briefing.published_at
    assert published is not None
    for delivery in deliveries.order_by("agent__username"):
        fate = LOGIN_FATES.get(delivery.agent.username, {}).get(spec["key"])
        fate = fate or rng.choices(values, weights=weights)[0]
        if fate == "untouched":
            continue
        # Most open it within a day or two; a few only after reminders.
        opened = published + HOUR * rng.expovariate(1 / 20) + HOUR
        steps = [(opened, _opener(delivery))]
        minutes = datetime.timedelta(minutes=rng.randint(2, 12))
        if fate != "opened" and not questions:
            steps.append((opened + minutes, _acker(delivery)))
        elif fate != "opened":
            tried = opened + minutes
            if fate in ("failed", "failed_then_passed"):
                steps.append(
                    (
                        tried,
                        _submitter(
                            delivery,
                            check_answers(
                                rng, questions, right=False, pass_mark=briefing.pass_mark
                            ),
                        ),
                    )
                )
                tried += HOUR * rng.uniform(0.2, 30)
            if fate != "failed":
                steps.append(
                    (
                        tried,
                        _submitter(
                            delivery,
                            check_answers(rng, questions, right=True, pass_mark=briefing.pass_mark),
                        ),
                    )
                )
        for at, action in steps:
            if at < reference_time:
                timeline.add(at, action)


def check_answers(rng, questions, *, right: bool, pass_mark: int) -> dict[int, list[int]]:
    """All right, or wrong on just enough questions to fail (sometimes one more)."""
    count = 0 if right else fail_count(len(questions), pass_mark) + rng.choice([0, 0, 1])
    wrong = set(rng.sample(range(len(questions)), min(count, len(questions))))
    answers = {}
    for index, question in enumerate(questions):
        choices = list(question.choices.all())
        correct = [c.pk for c in choices if c.is_correct]
        others = [c.pk for c in choices if not c.is_correct]
        answers[question.pk] = [rng.choice(others)] if index in wrong and others else correct
    return answers


def fail_count(questions: int, pass_mark: int) -> int:
    """The fewest questions to get wrong to fail a check (see rapport.briefings.checks)."""
    return next(
        (k for k in range(1, questions + 1) if (100 * (questions - k)) // questions < pass_mark),
        questions,
    )


def _opener(delivery: BriefingDelivery) -> Callable[[datetime.datetime], object]:
    return lambda at: briefing_services.delivery_open(delivery=delivery, at=at)


def _acker(delivery: BriefingDelivery) -> Callable[[datetime.datetime], object]:
    return lambda at: briefing_services.delivery_acknowledge(delivery=delivery, at=at)


def _submitter(delivery: BriefingDelivery, answers: dict) -> Callable[[datetime.datetime], object]:
    def submit(at: datetime.datetime) -> None:
        briefing_services.check_submit(delivery=delivery, answers=answers, at=at)
        # The attempt keeps the time it was made, not the time the demo was loaded.
        latest = BriefingAttempt.objects.filter(delivery=delivery).order_by("-id")[:1]
        BriefingAttempt.objects.filter(pk__in=latest).update(created_at=at)

    return submit


def _archiver(briefing: Briefing) -> Callable[[datetime.datetime], object]:
    def archive(at: datetime.datetime) -> None:
        Briefing.objects.filter(pk=briefing.pk).update(
            status=BriefingStatus.ARCHIVED, updated_at=at
        )

    return archive


def _reminder_run(day: datetime.datetime) -> Callable[[datetime.datetime], object]:
    return lambda at: briefing_services.reminders_send(now=at)


def polls_load(
    rng: random.Random, *, reference_time: datetime.datetime, author: User
) -> dict[str, int]:
    """The polls, and answers from part of each audience through the poll service."""
    made = {"polls": 0, "poll_responses": 0}
    for spec in POLLS:
        poll = Poll.objects.create(
            title=spec["title"],
            description=spec["description"],
            enhancement_request=spec["enhancement_request"],
            status=PollStatus.DRAFT,
            author=author,
            audience_roles=spec["roles"],
        )
        for order, (kind, text, options, required) in enumerate(spec["questions"]):
            PollQuestion.objects.create(
                poll=poll, kind=kind, text=text, options=options, required=required, order=order
            )
        made["polls"] += 1
        if spec["status"] == PollStatus.DRAFT:
            continue
        opened = reference_time - spec["opened_days_ago"] * DAY
        # Open while it is answered; an open poll has no closing time, so it stays open however
        # long after the reference time the demo is looked at.
        Poll.objects.filter(pk=poll.pk).update(status=PollStatus.OPEN, opened_at=opened)
        poll.refresh_from_db()
        made["poll_responses"] += _poll_answers(rng, poll, spec, opened, reference_time)
        if spec["status"] == PollStatus.CLOSED:
            Poll.objects.filter(pk=poll.pk).update(
                status=PollStatus.CLOSED, closes_at=opened + spec["closes_after_days"] * DAY
            )
    return made


def _poll_answers(rng, poll: Poll, spec: dict, opened, reference_time) -> int:
    questions = list(poll.questions.all())
    until = min(reference_time, opened + spec.get("closes_after_days", 30) * DAY)
    # Teams lean: some like the change more than others, so results by team differ.
    lean: dict[int | None, float] = {team.pk: rng.uniform(-1.0, 1.0) for team in Team.objects.all()}
    answered = 0
    for person in audience_members(poll).order_by("username"):
        if person.username in LOGIN_SKIPS_POLL or rng.random() > spec["answer_share"]:
            continue
        data = {}
        for question in questions:
            data[f"q{question.pk}"] = _poll_value(
                rng, question, spec["key"], lean.get(person.team_id, 0.0)
            )
        response = poll_services.poll_answer(
            poll=poll, respondent=person, data=data, seconds_taken=rng.randint(18, 75)
        )
        at = opened + (until - opened) * min(1.0, rng.expovariate(4))
        PollResponse.objects.filter(pk=response.pk).update(submitted_at=at)
        answered += 1
    return answered


def _poll_value(rng, question: PollQuestion, key: str, lean: float) -> str:
    if question.kind == PollQuestionKind.RATING:
        return str(max(1, min(5, round(rng.gauss(3.7 + lean, 0.9)))))
    if question.kind == PollQuestionKind.CHOICE:
        return rng.choices(question.options, weights=[5, 3, 2][: len(question.options)])[0]
    if rng.random() < 0.4 and POLL_COMMENTS.get(key):
        return rng.choice(POLL_COMMENTS[key])
    return ""
