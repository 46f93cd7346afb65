"""Reads of briefings, scoped to the asking person.

A reader sees the briefings delivered to them (published or archived, never drafts). Authors
(trainers, supervisors, admins) see what they may manage: trainers and admins every briefing, a
supervisor the briefings they wrote. Figures (the dashboard, a briefing's report) count
deliveries by the reader's team at delivery; a supervisor counts only the teams they lead.
Anything out of reach is "not found".
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from rapport.accounts.models import Skill, Team, User
from rapport.briefings.choices import BriefingStatus
from rapport.briefings.models import (
    Briefing,
    BriefingAttachment,
    BriefingChoice,
    BriefingDelivery,
    BriefingQuestion,
)
from rapport.core.errors import NotFound
from rapport.core.roles import BRIEFING_AUTHORS, Role, has_any_role, roles_of
from rapport.performance import kpis, stats
from rapport.performance.choices import Answer
from rapport.performance.models import Evaluation, EvaluationAnswer, QaCriterion

MAX_ID = 2**63 - 1
ADOPTION_DAYS = 28
READABLE = (BriefingStatus.PUBLISHED, BriefingStatus.ARCHIVED)


# --- Who manages what ------------------------------------------------------------------------------


def sees_everything(user: User) -> bool:
    """Trainers and admins author for, and read figures of, the whole center."""
    return bool(roles_of(user) & {Role.TRAINER, Role.ADMIN})


def may_author(user: User) -> bool:
    return has_any_role(user, BRIEFING_AUTHORS)


def led_team_ids(user: User) -> list[int]:
    if Role.SUPERVISOR not in roles_of(user):
        return []
    return list(Team.objects.filter(supervisor=user).values_list("pk", flat=True))


def audience_teams_for(*, user: User) -> QuerySet[Team]:
    """The teams a person may target: all for trainers and admins, their own for supervisors."""
    if sees_everything(user):
        return Team.objects.all()
    return Team.objects.filter(pk__in=led_team_ids(user))


def audience_agents_for(*, user: User) -> QuerySet[User]:
    """The people a person may name one by one."""
    people = User.objects.filter(is_active=True).order_by("last_name", "first_name", "username")
    if sees_everything(user):
        return people
    return people.filter(team_id__in=led_team_ids(user))


def audience_skills() -> QuerySet[Skill]:
    return Skill.objects.all()


def qa_criteria() -> QuerySet[QaCriterion]:
    return QaCriterion.objects.select_related("form").filter(form__is_active=True)


def briefings_managed_by(*, user: User) -> QuerySet[Briefing]:
    if not may_author(user):
        return Briefing.objects.none()
    if sees_everything(user):
        return Briefing.objects.all()
    return Briefing.objects.filter(author=user)


def briefings_manage_list(*, user: User, query: str = "", status: str = "") -> QuerySet[Briefing]:
    rows = briefings_managed_by(user=user).select_related("author")
    if query:
        rows = rows.filter(Q(title__icontains=query) | Q(body__icontains=query))
    if status in BriefingStatus.values:
        rows = rows.filter(status=status)
    return rows.annotate(
        delivered=Count("deliveries", distinct=True),
        understood=Count(
            "deliveries", filter=Q(deliveries__understood_at__isnull=False), distinct=True
        ),
    ).order_by("-created_at", "-id")


def briefing_get_for_author(*, user: User, briefing_id: int) -> Briefing:
    if not 0 < briefing_id <= MAX_ID:
        raise NotFound("No such briefing.")
    briefing = (
        briefings_managed_by(user=user)
        .select_related("author", "qa_criterion__form")
        .filter(pk=briefing_id)
        .first()
    )
    if briefing is None:
        raise NotFound("No such briefing.")
    return briefing


def questions_of(briefing: Briefing) -> list[BriefingQuestion]:
    """The check's questions with their choices, in order; `multiple` says whether more than one
    choice is right (a reader ticks boxes rather than picking one)."""
    questions = list(
        briefing.questions.prefetch_related(
            Prefetch("choices", queryset=BriefingChoice.objects.order_by("order", "id"))
        ).order_by("order", "id")
    )
    for question in questions:
        question.multiple = sum(choice.is_correct for choice in question.choices.all()) > 1  # type: ignore[attr-defined]
    return questions


def attachments_of(briefing: Briefing) -> list[BriefingAttachment]:
    return list(briefing.attachments.order_by("id"))


# --- Readers ---------------------------------------------------------------------------------------


def deliveries_for(*, user: User) -> QuerySet[BriefingDelivery]:
    """A person's own deliveries of briefings they may read, to do first, then by due date."""
    return (
        BriefingDelivery.objects.filter(agent=user, briefing__status__in=READABLE)
        .select_related("briefing")
        .annotate(done=Case(When(understood_at__isnull=False, then=Value(1)), default=Value(0)))
        .order_by("done", "briefing__due_at", "-id")
    )


def my_briefings(*, user: User) -> tuple[list[BriefingDelivery], list[BriefingDelivery]]:
    """(to do, done): to do leaves out archived briefings (nobody is asked for them any more)."""
    rows = list(deliveries_for(user=user))
    todo = [
        row
        for row in rows
        if row.understood_at is None and row.briefing.status == BriefingStatus.PUBLISHED
    ]
    done = [row for row in rows if row.understood_at is not None]
    return todo, done


def delivery_for(*, user: User, briefing_id: int) -> BriefingDelivery:
    """The asking person's delivery of a briefing; NotFound when it is not theirs."""
    if not isinstance(briefing_id, int) or not 0 < briefing_id <= MAX_ID:
        raise NotFound("No such briefing.")
    delivery = (
        BriefingDelivery.objects.filter(
            agent=user, briefing_id=briefing_id, briefing__status__in=READABLE
        )
        .select_related("briefing")
        .first()
    )
    if delivery is None:
        raise NotFound("No such briefing.")
    return delivery


def mandatory_q(prefix: str = "") -> Q:
    """Briefings that need something back: an acknowledgement or a passed check."""
    return Q(**{f"{prefix}requires_ack": True}) | Q(**{f"{prefix}questions__isnull": False})


def briefings_mandatory() -> QuerySet:
    """Published briefings that need something back, as a subquery of ids."""
    return (
        Briefing.objects.filter(mandatory_q(), status=BriefingStatus.PUBLISHED)
        .values("pk")
        .distinct()
    )


def briefings_waiting_for(*, agent: User, now: datetime.datetime) -> list[BriefingDelivery]:
    """Mandatory published briefings delivered to this agent and not yet understood, overdue ones
    first, then by due date (for idle-time delivery)."""
    return list(
        BriefingDelivery.objects.filter(
            agent=agent, understood_at__isnull=True, briefing__in=briefings_mandatory()
        )
        .select_related("briefing")
        .annotate(
            overdue=Case(
                When(briefing__due_at__lt=now, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("overdue", "briefing__due_at", "id")
    )


def attachment_get_for(*, user: User, attachment_id: int) -> BriefingAttachment:
    """An attachment, for someone the briefing was delivered to or who manages it."""
    if not 0 < attachment_id <= MAX_ID:
        raise NotFound("No such file.")
    attachment = BriefingAttachment.objects.select_related("briefing").filter(pk=attachment_id)
    found = attachment.filter(
        Q(
            briefing__deliveries__agent=user,
            briefing__status__in=READABLE,
        )
        | Q(briefing__in=briefings_managed_by(user=user).values("pk"))
    ).first()
    if found is None:
        raise NotFound("No such file.")
    return found


def has_passed(delivery: BriefingDelivery) -> bool:
    return delivery.tries.filter(passed=True).exists()


def progress_of(delivery: BriefingDelivery, *, now: datetime.datetime | None = None) -> str:
    """Where a person is with a briefing, in a word: not_opened, opened, acknowledged,
    failed, understood."""
    if delivery.understood_at is not None:
        return "understood"
    if delivery.attempts:
        return "failed"
    if delivery.acknowledged_at is not None:
        return "acknowledged"
    if delivery.opened_at is not None:
        return "opened"
    return "not_opened"


def is_overdue(delivery: BriefingDelivery, *, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return delivery.understood_at is None and delivery.briefing.due_at < now


# --- Figures ---------------------------------------------------------------------------------------


def _deliveries_in_scope(*, user: User) -> QuerySet[BriefingDelivery]:
    """Deliveries whose figures the person may read."""
    rows = BriefingDelivery.objects.filter(briefing__status__in=READABLE)
    if sees_everything(user):
        return rows
    if Role.SUPERVISOR in roles_of(user):
        return rows.filter(team_id__in=led_team_ids(user))
    return rows.none()


@dataclass
class Tally:
    """Counts for a group of deliveries ("12 of 15")."""

    label: str
    delivered: int = 0
    opened: int = 0
    acknowledged: int = 0
    understood: int = 0
    overdue: int = 0
    team_id: int | None = None

    @property
    def opened_pct(self) -> float | None:
        return 100 * self.opened / self.delivered if self.delivered else None

    @property
    def understood_pct(self) -> float | None:
        return 100 * self.understood / self.delivered if self.delivered else None


def _counts(now: datetime.datetime) -> dict:
    return {
        "delivered": Count("id"),
        "opened": Count("id", filter=Q(opened_at__isnull=False)),
        "acknowledged": Count("id", filter=Q(acknowledged_at__isnull=False)),
        "understood": Count("id", filter=Q(understood_at__isnull=False)),
        "overdue": Count("id", filter=Q(understood_at__isnull=True, briefing__due_at__lt=now)),
    }


COUNTED = ("delivered", "opened", "acknowledged", "understood", "overdue")


def _team_tallies_by_briefing(
    rows: QuerySet[BriefingDelivery], now: datetime.datetime
) -> dict[int, list[Tally]]:
    """{briefing id: its teams' tallies by team name}, in one grouped query."""
    grouped = (
        rows.values("briefing_id", "team_id", "team__name")
        .annotate(**_counts(now))
        .order_by("briefing_id", "team__name", "team_id")
    )
    tallies: dict[int, list[Tally]] = {}
    for row in grouped:
        tallies.setdefault(row["briefing_id"], []).append(
            Tally(
                label=row["team__name"] or "No team",
                team_id=row["team_id"],
                **{name: row[name] for name in COUNTED},
            )
        )
    return tallies


def _total(teams: list[Tally]) -> Tally:
    return Tally(label="All", **{name: sum(getattr(t, name) for t in teams) for name in COUNTED})


@dataclass
class BriefingFigures:
    briefing: Briefing
    total: Tally
    teams: list[Tally] = field(default_factory=list)


def dashboard_briefings(
    *, user: User, status: str = BriefingStatus.PUBLISHED
) -> QuerySet[Briefing]:
    """Briefings with deliveries the person may count, latest due first (what matters now)."""
    scope = _deliveries_in_scope(user=user)
    briefing_ids = scope.filter(briefing__status=status).values("briefing_id")
    return Briefing.objects.filter(pk__in=briefing_ids).order_by("-due_at", "-id")


def figures_for(
    *, user: User, briefings: list[Briefing], now: datetime.datetime
) -> list[BriefingFigures]:
    """Opened and understood overall and per team for these briefings, within reach."""
    # One grouped query for every briefing's teams; totals are their sums.
    tallies = _team_tallies_by_briefing(
        _deliveries_in_scope(user=user).filter(briefing_id__in=[b.pk for b in briefings]), now
    )
    return [
        BriefingFigures(
            briefing=briefing,
            total=_total(tallies.get(briefing.pk, [])),
            teams=tallies.get(briefing.pk, []),
        )
        for briefing in briefings
    ]


def dashboard_for(
    *,
    user: User,
    now: datetime.datetime,
    status: str = BriefingStatus.PUBLISHED,
    limit: int = 50,
) -> list[BriefingFigures]:
    """Figures of the latest-due briefings within reach (the dashboard pages through them all)."""
    briefings = list(dashboard_briefings(user=user, status=status)[:limit])
    return figures_for(user=user, briefings=briefings, now=now)


def report_briefing_for(*, user: User, briefing_id: int) -> Briefing:
    """A briefing whose report the person may read: one they manage, or (supervisors) one
    delivered to a team they lead."""
    if not 0 < briefing_id <= MAX_ID:
        raise NotFound("No such briefing.")
    in_reach = Q(pk__in=briefings_managed_by(user=user).values("pk")) | Q(
        pk__in=_deliveries_in_scope(user=user).values("briefing_id")
    )
    briefing = (
        Briefing.objects.filter(in_reach, pk=briefing_id)
        .select_related("author", "qa_criterion__form")
        .first()
    )
    if briefing is None or not may_author(user):
        raise NotFound("No such briefing.")
    return briefing


def report_for(*, user: User, briefing: Briefing, now: datetime.datetime) -> BriefingFigures:
    rows = _deliveries_in_scope(user=user).filter(briefing=briefing)
    teams = _team_tallies_by_briefing(rows, now).get(briefing.pk, [])
    return BriefingFigures(briefing=briefing, total=_total(teams), teams=teams)


@dataclass
class Behind:
    delivery: BriefingDelivery
    missing: list[str]


def _missing(delivery: BriefingDelivery, *, has_check: bool, now: datetime.datetime) -> list[str]:
    briefing = delivery.briefing
    missing = []
    if delivery.opened_at is None:
        missing.append("not opened")
    if briefing.requires_ack and delivery.acknowledged_at is None:
        missing.append("not acknowledged")
    if has_check and delivery.attempts:
        times = "once" if delivery.attempts == 1 else f"{delivery.attempts} times"
        missing.append(f"failed the check {times}")
    elif has_check and delivery.opened_at is not None:
        missing.append("check not taken")
    if briefing.due_at < now:
        missing.append("overdue")
    return missing


def _behind_rows(*, user: User, briefing: Briefing | None = None) -> QuerySet[BriefingDelivery]:
    rows = _deliveries_in_scope(user=user).filter(
        understood_at__isnull=True, briefing__status=BriefingStatus.PUBLISHED
    )
    return rows.filter(briefing=briefing) if briefing is not None else rows


def behind_count(*, user: User, briefing: Briefing | None = None) -> int:
    """How many have not understood yet, in all (the list shows the first of them)."""
    return _behind_rows(user=user, briefing=briefing).count()


def behind_for(
    *, user: User, now: datetime.datetime, briefing: Briefing | None = None, limit: int = 200
) -> list[Behind]:
    """Who has not understood yet, with what is missing; overdue and longest-waiting first."""
    rows = (
        _behind_rows(user=user, briefing=briefing)
        .select_related("briefing", "agent", "team")
        .order_by("briefing__due_at", "agent__last_name", "agent__username", "id")
    )
    picked = list(rows[:limit])
    with_check = set(
        BriefingQuestion.objects.filter(
            briefing_id__in={row.briefing_id for row in picked}
        ).values_list("briefing_id", flat=True)
    )
    return [
        Behind(
            delivery=row, missing=_missing(row, has_check=row.briefing_id in with_check, now=now)
        )
        for row in picked
    ]


def overdue_raised_to(*, user: User) -> list[BriefingDelivery]:
    """Overdue deliveries raised to this supervisor (their teams), still not understood."""
    teams = led_team_ids(user)
    if not teams:
        return []
    return list(
        BriefingDelivery.objects.filter(
            team_id__in=teams,
            escalated_at__isnull=False,
            understood_at__isnull=True,
            briefing__status=BriefingStatus.PUBLISHED,
        )
        .select_related("briefing", "agent", "team")
        .order_by("briefing__due_at", "agent__username")[:200]
    )


# --- Adoption of the named QA criterion ------------------------------------------------------------


@dataclass
class Share:
    met: int
    n: int
    estimate: stats.Estimate


@dataclass
class Adoption:
    criterion: QaCriterion
    days: int
    before: Share
    after: Share
    comparison: stats.Comparison
    enough_data: bool


def _criterion_share(
    *, criterion: QaCriterion, agent_ids, start: datetime.datetime, end: datetime.datetime
) -> Share:
    evaluations = kpis.counted_evaluations(Evaluation.objects.all()).filter(
        agent_id__in=agent_ids, submitted_at__gte=start, submitted_at__lt=end
    )
    answers = EvaluationAnswer.objects.filter(
        criterion=criterion,
        evaluation__in=evaluations.values("pk"),
        answer__in=[Answer.MET, Answer.NOT_MET],
    )
    counts = answers.aggregate(n=Count("id"), met=Count("id", filter=Q(answer=Answer.MET)))
    estimate = stats.scaled(
        stats.rate(counts["met"], counts["n"], min_n=settings.RAPPORT_MIN_N_RATES), 100
    )
    return Share(met=counts["met"], n=counts["n"], estimate=estimate)


def adoption_for(
    *, user: User, briefing: Briefing, days: int = ADOPTION_DAYS, now: datetime.datetime
) -> Adoption | None:
    """Share of QA evaluations of the audience (within reach) that met the briefing's criterion,
    in the `days` before publication against the `days` after (or up to now)."""
    if briefing.qa_criterion is None or briefing.published_at is None:
        return None
    agent_ids = _deliveries_in_scope(user=user).filter(briefing=briefing).values("agent_id")
    published = briefing.published_at
    before = _criterion_share(
        criterion=briefing.qa_criterion,
        agent_ids=agent_ids,
        start=published - datetime.timedelta(days=days),
        end=published,
    )
    after = _criterion_share(
        criterion=briefing.qa_criterion,
        agent_ids=agent_ids,
        start=published,
        end=min(now, published + datetime.timedelta(days=days)),
    )
    return Adoption(
        criterion=briefing.qa_criterion,
        days=days,
        before=before,
        after=after,
        comparison=stats.compare_rates(after.met, after.n, before.met, before.n),
        enough_data=before.estimate.enough_data and after.estimate.enough_data,
    )
