"""Reads of feature-feedback polls, always for the person asking.

* Answering: a poll is seen by the people its audience reaches once it is open, and by those who
  answered it; anything else is "not found".
* Authoring: trainers and admins see every poll, drafts included.
* Results: supervisors, trainers, executives and admins. Supervisors read only the answers given
  by members of the teams they lead. Answers are never shown with a name, and a team or role with
  fewer than MIN_GROUP respondents is folded into "other", so nobody is picked out by a small group.
  Below MIN_GROUP respondents in all, no figure is shown.
* Per question, only people who answered it count: a group where fewer than MIN_GROUP answered
  that question joins "other" for that question (with the next smallest groups while "other" is
  still too small), and a group that stays below MIN_GROUP shows its size but no figures.
  Otherwise one optional question answered by a single member of a team would show that
  person's answer, or let it be worked out from the overall figures by subtraction.
* The CSV export folds on the (team, role) pair, not on each separately: every row carries both,
  and "team A" and "supervisor" may each be large while team A's supervisors are one person.
  A pair with fewer than MIN_GROUP respondents is exported as ("Other", "Other"). A question
  fewer than MIN_GROUP answered is left out of the export, as the page shows nothing of it.
  Respondents are numbered in a keyed-hash order, not by id or group: the number links one
  person's answers, and must say nothing else about them.
"""

import datetime
import hashlib
import hmac
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from rapport.accounts.models import Team
from rapport.briefings.audience import audience_includes, audience_members
from rapport.briefings.choices import RATING_MAX, RATING_MIN, PollQuestionKind, PollStatus
from rapport.briefings.models import Poll, PollAnswer, PollQuestion, PollResponse
from rapport.core.errors import NotFound
from rapport.core.roles import POLL_AUTHORS, POLL_RESULT_READERS, Role, has_any_role, roles_of
from rapport.surveys import stats as survey_stats

MAX_ID = 2**63 - 1
MIN_GROUP = 3
OTHER = "Other"
NO_TEAM = "No team"
# The respondent's main role is the first of these they hold.
MAIN_ROLE_ORDER = (
    Role.AGENT,
    Role.SUPERVISOR,
    Role.TRAINER,
    Role.QA_ANALYST,
    Role.MARKETER,
    Role.EXECUTIVE,
    Role.ADMIN,
)
# Readers who see every team's answers; other readers (supervisors) see their own teams'.
ALL_TEAMS_READERS = frozenset({Role.TRAINER, Role.EXECUTIVE, Role.ADMIN})


def main_role(user) -> str:
    """The role a respondent answers as; people named one by one without a role count as agents."""
    held = roles_of(user)
    return next((role for role in MAIN_ROLE_ORDER if role in held), Role.AGENT)


def _valid_id(poll_id) -> int:
    try:
        number = int(poll_id)
    except (TypeError, ValueError):
        raise NotFound("No such poll.") from None
    if not 1 <= number <= MAX_ID:
        raise NotFound("No such poll.")
    return number


def is_poll_author(user) -> bool:
    return has_any_role(user, POLL_AUTHORS)


def is_result_reader(user) -> bool:
    return has_any_role(user, POLL_RESULT_READERS)


def _with_questions(polls: QuerySet[Poll]) -> QuerySet[Poll]:
    return polls.prefetch_related(
        Prefetch("questions", queryset=PollQuestion.objects.order_by("order", "id"))
    )


# --- Answering -------------------------------------------------------------------------------------


def poll_is_accepting(poll: Poll, *, now: datetime.datetime | None = None) -> bool:
    """Open and not past its closing time."""
    now = now or timezone.now()
    return poll.status == PollStatus.OPEN and (poll.closes_at is None or poll.closes_at > now)


def poll_answered(*, user, poll: Poll) -> bool:
    return PollResponse.objects.filter(poll=poll, respondent_id=user.pk).exists()


def open_polls_for(*, user, now: datetime.datetime | None = None) -> list[Poll]:
    """Open polls whose audience reaches the user, oldest first, answered or not."""
    now = now or timezone.now()
    candidates = _with_questions(
        Poll.objects.filter(status=PollStatus.OPEN).filter(
            Q(closes_at__isnull=True) | Q(closes_at__gt=now)
        )
    ).order_by("opened_at", "id")
    # Open polls are few; whether each reaches the user is the audience module's call.
    return [poll for poll in candidates if audience_includes(poll, user)]


def polls_waiting_for(*, user, now: datetime.datetime) -> list[Poll]:
    """Open polls for the user that they have not answered yet, oldest first."""
    answered = set(
        PollResponse.objects.filter(respondent_id=user.pk).values_list("poll_id", flat=True)
    )
    return [poll for poll in open_polls_for(user=user, now=now) if poll.pk not in answered]


def polls_answered_by(*, user) -> QuerySet[Poll]:
    """Polls the user answered, latest answer first."""
    return (
        Poll.objects.filter(responses__respondent_id=user.pk)
        .exclude(status=PollStatus.DRAFT)
        .order_by("-responses__submitted_at", "-id")
    )


def poll_for(*, user, poll_id) -> Poll:
    """A poll the user may answer or has answered; NotFound otherwise (drafts included)."""
    number = _valid_id(poll_id)
    poll = _with_questions(Poll.objects.exclude(status=PollStatus.DRAFT)).filter(pk=number).first()
    if poll is None:
        raise NotFound("No such poll.")
    if poll.status == PollStatus.OPEN and audience_includes(poll, user):
        return poll
    if poll_answered(user=user, poll=poll):
        return poll
    raise NotFound("No such poll.")


def poll_mockup_for(*, user, poll_id) -> Poll:
    """A poll whose mockup the user may see: its audience, authors and result readers."""
    number = _valid_id(poll_id)
    if is_poll_author(user):
        poll = Poll.objects.filter(pk=number).first()
        if poll is not None:
            return poll
        raise NotFound("No such poll.")
    if is_result_reader(user):
        poll = Poll.objects.exclude(status=PollStatus.DRAFT).filter(pk=number).first()
        if poll is not None:
            return poll
    return poll_for(user=user, poll_id=number)


# --- Authoring -------------------------------------------------------------------------------------


def polls_for_authoring(*, user, search: str = "", status: str = "") -> QuerySet[Poll]:
    """Every poll for trainers and admins (nothing for anyone else), newest first."""
    if not is_poll_author(user):
        return Poll.objects.none()
    polls = Poll.objects.select_related("author").annotate(
        question_count=Count("questions", distinct=True),
        response_count=Count("responses", distinct=True),
    )
    if status:
        polls = polls.filter(status=status)
    if search:
        polls = polls.filter(
            Q(title__icontains=search)
            | Q(enhancement_request__icontains=search)
            | Q(description__icontains=search)
        )
    return polls.order_by("-created_at", "-id")


def poll_for_author(*, user, poll_id) -> Poll:
    number = _valid_id(poll_id)
    if not is_poll_author(user):
        raise NotFound("No such poll.")
    poll = _with_questions(Poll.objects.select_related("author")).filter(pk=number).first()
    if poll is None:
        raise NotFound("No such poll.")
    return poll


def question_for_author(*, user, poll: Poll, question_id) -> PollQuestion:
    try:
        number = int(question_id)
    except (TypeError, ValueError):
        raise NotFound("No such question.") from None
    if not is_poll_author(user) or not 1 <= number <= MAX_ID:
        raise NotFound("No such question.")
    question = PollQuestion.objects.filter(poll=poll, pk=number).first()
    if question is None:
        raise NotFound("No such question.")
    return question


# --- Results ---------------------------------------------------------------------------------------


def polls_with_results_for(*, user) -> QuerySet[Poll]:
    """Polls that have been opened, for result readers, newest first."""
    if not is_result_reader(user):
        return Poll.objects.none()
    return (
        Poll.objects.exclude(status=PollStatus.DRAFT)
        .annotate(response_count=Count("responses", distinct=True))
        .order_by("-opened_at", "-id")
    )


def poll_results_poll(*, user, poll_id) -> Poll:
    number = _valid_id(poll_id)
    poll = _with_questions(polls_with_results_for(user=user)).filter(pk=number).first()
    if poll is None:
        raise NotFound("No such poll.")
    return poll


def _team_scope(user) -> list[int] | None:
    """Team ids whose answers the reader sees; None means every team."""
    if roles_of(user) & ALL_TEAMS_READERS:
        return None
    return list(Team.objects.filter(supervisor_id=user.pk).values_list("pk", flat=True))


def responses_in_scope(*, user, poll: Poll) -> QuerySet[PollResponse]:
    if not is_result_reader(user):
        return PollResponse.objects.none()
    responses = PollResponse.objects.filter(poll=poll)
    teams = _team_scope(user)
    if teams is not None:
        responses = responses.filter(team_id__in=teams)
    return responses


def _audience_in_scope(user, poll: Poll) -> int:
    members = audience_members(poll)
    teams = _team_scope(user)
    if teams is not None:
        members = members.filter(team_id__in=teams)
    return members.count()


def fold_small_groups(sizes: dict[str, int], *, minimum: int = MIN_GROUP) -> dict[str, str]:
    """{group: label shown}. Groups below the minimum become "other"; when "other" itself stays
    below it, the next smallest groups join it, so no shown group is smaller than the minimum."""
    shown = {name: name for name in sizes}
    small = [name for name, size in sizes.items() if size < minimum]
    for name in small:
        shown[name] = OTHER
    other = sum(sizes[name] for name in small)
    rest = sorted((name for name in sizes if name not in small), key=lambda n: (sizes[n], n))
    while small and other < minimum and rest:
        name = rest.pop(0)
        shown[name] = OTHER
        other += sizes[name]
    return shown


@dataclass
class Respondent:
    """A response as results see it: only its folded team and role, never who gave it."""

    response_id: int
    team: str
    role: str


def _respondents(responses: QuerySet[PollResponse]) -> list[Respondent]:
    rows = list(responses.order_by("id").values_list("pk", "team__name", "role"))
    labels = dict(Role.choices)
    raw = [(pk, team or NO_TEAM, str(labels.get(role, role))) for pk, team, role in rows]
    teams = fold_small_groups(dict(Counter(team for _, team, _ in raw)))
    roles = fold_small_groups(dict(Counter(role for _, _, role in raw)))
    return [Respondent(pk, teams[team], roles[role]) for pk, team, role in raw]


@dataclass
class GroupFigures:
    """A group's figures for one question; hidden when fewer than MIN_GROUP answered it."""

    label: str
    n: int
    mean: survey_stats.Estimate | None = None
    distribution: list[int] = field(default_factory=list)
    choices: list[tuple[str, int, survey_stats.Estimate]] = field(default_factory=list)
    hidden: bool = False


@dataclass
class QuestionResults:
    question: PollQuestion
    overall: GroupFigures
    by_team: list[GroupFigures]
    by_role: list[GroupFigures]
    comments: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.question.kind


@dataclass
class PollResults:
    poll: Poll
    respondents: int
    audience: int
    response_rate: survey_stats.Estimate
    questions: list[QuestionResults]
    enough: bool
    team_scope_limited: bool
    minimum: int = MIN_GROUP

    @property
    def rate_low(self) -> bool:
        return survey_stats.response_rate_low(self.response_rate)

    @property
    def rate_percent(self) -> tuple[float, float, float] | None:
        """The response rate and its interval in per cent, or None when nobody was asked."""
        rate = self.response_rate
        if rate.value is None or rate.ci_low is None or rate.ci_high is None:
            return None
        return rate.value * 100, rate.ci_low * 100, rate.ci_high * 100


def _answered(question: PollQuestion, answers: list[PollAnswer]) -> int:
    """How many of these answers actually answer the question (optional ones may be blank)."""
    if question.kind == PollQuestionKind.RATING:
        return sum(1 for a in answers if a.rating is not None)
    if question.kind == PollQuestionKind.CHOICE:
        return sum(1 for a in answers if a.choice)
    return sum(1 for a in answers if a.text)


def _figures(question: PollQuestion, label: str, answers: list[PollAnswer]) -> GroupFigures:
    n = _answered(question, answers)
    if n < MIN_GROUP:
        return GroupFigures(label=label, n=n, hidden=True)
    figures = GroupFigures(label=label, n=n)
    if question.kind == PollQuestionKind.RATING:
        counts = Counter(a.rating for a in answers if a.rating is not None)
        figures.n = sum(counts.values())
        figures.mean = survey_stats.mean(dict(counts), min_n=2)
        figures.distribution = [counts.get(score, 0) for score in rating_scale()]
    elif question.kind == PollQuestionKind.CHOICE:
        chosen = Counter(a.choice for a in answers if a.choice)
        figures.n = sum(chosen.values())
        for option in question.options or []:
            count = chosen.get(option, 0)
            figures.choices.append((option, count, survey_stats.share(count, figures.n, min_n=1)))
    else:
        figures.n = sum(1 for a in answers if a.text)
    return figures


def rating_scale() -> range:
    return range(RATING_MIN, RATING_MAX + 1)


def _grouped(
    question: PollQuestion, answers: list[PollAnswer], key: dict[int, str]
) -> list[GroupFigures]:
    by_label: dict[str, list[PollAnswer]] = defaultdict(list)
    for answer in answers:
        by_label[key[answer.response_id]].append(answer)
    # Folded again on who answered this question, not on who answered the poll.
    shown = fold_small_groups(
        {name: _answered(question, given) for name, given in by_label.items()}
    )
    groups: dict[str, list[PollAnswer]] = defaultdict(list)
    for name, given in by_label.items():
        groups[shown[name]].extend(given)
    ordered = sorted(groups, key=lambda name: (name == OTHER, name))
    return [_figures(question, name, groups[name]) for name in ordered]


def poll_results_for(*, user, poll_id) -> PollResults:
    """A poll's results as the reader may see them (see the module docstring)."""
    poll = poll_results_poll(user=user, poll_id=poll_id)
    respondents = _respondents(responses_in_scope(user=user, poll=poll))
    audience = _audience_in_scope(user, poll)
    n = len(respondents)
    enough = n >= MIN_GROUP
    answers: dict[int, list[PollAnswer]] = defaultdict(list)
    if enough:
        ids = [r.response_id for r in respondents]
        for answer in PollAnswer.objects.filter(response_id__in=ids).order_by("id"):
            answers[answer.question_id].append(answer)
    team_of = {r.response_id: r.team for r in respondents}
    role_of = {r.response_id: r.role for r in respondents}
    questions = []
    for question in poll.questions.all():
        given = answers.get(question.pk, [])
        overall = _figures(question, "All", given)
        questions.append(
            QuestionResults(
                question=question,
                overall=overall,
                by_team=_grouped(question, given, team_of),
                by_role=_grouped(question, given, role_of),
                # Sorted by text, not by time: the order must not tell who wrote what.
                comments=sorted(a.text for a in given if a.text)
                if question.kind == PollQuestionKind.TEXT and not overall.hidden
                else [],
            )
        )
    return PollResults(
        poll=poll,
        respondents=n,
        audience=audience,
        response_rate=survey_stats.response_rate(n, max(audience, n), min_n=1),
        questions=questions,
        enough=enough,
        team_scope_limited=_team_scope(user) is not None,
    )


EXPORT_HEADER = ["poll", "response", "team", "role", "question", "kind", "rating", "choice", "text"]


def _export_respondents(responses: QuerySet[PollResponse]) -> list[Respondent]:
    """Respondents labelled by their (team, role) pair, folded as one group (module docstring)."""
    rows = list(responses.order_by("id").values_list("pk", "team__name", "role"))
    labels = dict(Role.choices)
    raw = [(pk, (team or NO_TEAM, str(labels.get(role, role)))) for pk, team, role in rows]
    names = {pair: f"{pair[0]}\x1f{pair[1]}" for _, pair in raw}
    shown = fold_small_groups(dict(Counter(names[pair] for _, pair in raw)))
    return [
        Respondent(pk, *(pair if shown[names[pair]] != OTHER else (OTHER, OTHER)))
        for pk, pair in raw
    ]


def export_number_key(response_id: int) -> str:
    """The order respondents are numbered in: a keyed hash of the response id. Neither the id
    (when someone answered) nor the group sets it, and without SECRET_KEY it cannot be redone."""
    message = f"poll-export-response:{response_id}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _exported_answers(question: PollQuestion, answers: list[PollAnswer]) -> list[PollAnswer]:
    """A question's answers as the export may show them: none when fewer than MIN_GROUP
    answered it, as on the results page (a lone optional comment would be that person's)."""
    if _answered(question, answers) < MIN_GROUP:
        return []
    return answers


def poll_export_rows(*, user, poll: Poll) -> Iterator[list[object]]:
    """One row per answer, with the folded (team, role) pair and a response number, never a name.
    Nothing when fewer than MIN_GROUP people answered within the reader's scope, and nothing of
    a question fewer than MIN_GROUP of them answered. Rows follow the questions, then the
    response numbers, so their order tells nothing either."""
    respondents = _export_respondents(responses_in_scope(user=user, poll=poll))
    if len(respondents) < MIN_GROUP:
        return
    respondents.sort(key=lambda r: export_number_key(r.response_id))
    number = {r.response_id: index for index, r in enumerate(respondents, start=1)}
    by_id = {r.response_id: r for r in respondents}
    given: dict[int, list[PollAnswer]] = defaultdict(list)
    for answer in PollAnswer.objects.filter(response_id__in=list(by_id)).iterator(chunk_size=500):
        given[answer.question_id].append(answer)
    for question in poll.questions.all():
        kept = _exported_answers(question, given.get(question.pk, []))
        for answer in sorted(kept, key=lambda a: number[a.response_id]):
            who = by_id[answer.response_id]
            yield [
                poll.pk,
                number[answer.response_id],
                who.team,
                who.role,
                question.text,
                question.kind,
                "" if answer.rating is None else answer.rating,
                answer.choice,
                answer.text,
            ]
