"""Review items and what reviews say about memory: retention and mastery.

* Retention: the share of review answers that were right over a period, with its Wilson
  interval; shown beside the mean recall the scheduler predicted before those answers (a large
  gap means the schedule is too optimistic or too cautious).
* Mastery: the share of an agent's review items whose memory stability has reached the center's
  `mastery_days` (recall stays likely for at least that long without review).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Max, Min, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from rapport.core.errors import NotFound
from rapport.learning.models import ReviewItem, ReviewLog
from rapport.learning.selectors.settings import learning_settings
from rapport.performance import rollups
from rapport.performance.stats import Estimate, rate

SUMMARY_DAYS = 90
CHART_WEEKS = 12
MAX_ID = 2**63 - 1


def review_item_get_for(*, user, item_id) -> ReviewItem:
    """One of the user's own review items; anyone else's is not found."""
    try:
        item_pk = int(item_id)
    except (TypeError, ValueError):
        raise NotFound("No such review question.") from None
    if not 0 < item_pk <= MAX_ID or not getattr(user, "is_authenticated", False):
        raise NotFound("No such review question.")
    try:
        return (
            ReviewItem.objects.select_related("question__module")
            .prefetch_related("question__choices")
            .get(pk=item_pk, agent=user)
        )
    except ReviewItem.DoesNotExist:
        raise NotFound("No such review question.") from None


def _active_items(agent) -> QuerySet[ReviewItem]:
    return ReviewItem.objects.filter(agent=agent, question__module__is_active=True)


def reviews_due_for(*, agent, now: datetime.datetime, limit: int) -> list[ReviewItem]:
    """The agent's review items due by `now`, most overdue first."""
    return list(
        _active_items(agent)
        .filter(due_at__lte=now)
        .select_related("question__module")
        .prefetch_related("question__choices")
        .order_by("due_at", "id")[: max(0, limit)]
    )


def reviews_due_count(*, agent, now: datetime.datetime) -> int:
    return _active_items(agent).filter(due_at__lte=now).count()


def _min_n() -> int:
    return rollups.measurement_settings().min_sample


def _logs(agent_ids, since, until) -> QuerySet[ReviewLog]:
    return ReviewLog.objects.filter(
        item__agent_id__in=list(agent_ids), reviewed_at__gte=since, reviewed_at__lt=until
    )


def retention(*, agent_ids, since: datetime.datetime, until: datetime.datetime) -> Estimate:
    """Share of review answers that were right in [since, until), with its Wilson interval."""
    counts = _logs(agent_ids, since, until).aggregate(
        n=Count("id"), right=Count("id", filter=Q(correct=True))
    )
    return rate(counts["right"], counts["n"], min_n=_min_n())


def predicted_recall(
    *, agent_ids, since: datetime.datetime, until: datetime.datetime
) -> float | None:
    """The mean recall probability the scheduler expected before the same answers."""
    value = _logs(agent_ids, since, until).aggregate(p=Avg("predicted_recall"))["p"]
    return float(value) if value is not None else None


_GROUPS = {
    "agent": "item__agent_id",
    "module": "item__question__module_id",
    "skill": "item__question__module__skill_id",
    "team": "item__agent__team_id",
}


def retention_by(
    *, agent_ids, since: datetime.datetime, until: datetime.datetime, by: str
) -> dict[int | None, Estimate]:
    """Retention per agent, module, skill or team (by = one of those words)."""
    key = _GROUPS[by]
    min_n = _min_n()
    rows = (
        _logs(agent_ids, since, until)
        .values(key)
        .annotate(n=Count("id"), right=Count("id", filter=Q(correct=True)))
        .order_by(key)
    )
    return {row[key]: rate(row["right"], row["n"], min_n=min_n) for row in rows}


def mastery_by_skill(*, agent_ids) -> dict[tuple[int, int], tuple[int, int]]:
    """{(agent id, skill id): (items mastered, items)} over active modules."""
    days = learning_settings().mastery_days
    rows = (
        ReviewItem.objects.filter(agent_id__in=list(agent_ids), question__module__is_active=True)
        .values("agent_id", "question__module__skill_id")
        .annotate(total=Count("id"), mastered=Count("id", filter=Q(stability__gte=days)))
        .order_by()
    )
    return {
        (row["agent_id"], row["question__module__skill_id"]): (row["mastered"], row["total"])
        for row in rows
    }


def mastery(*, agent_ids) -> tuple[int, int]:
    """(items mastered, items) over the agents' active review items."""
    days = learning_settings().mastery_days
    counts = ReviewItem.objects.filter(
        agent_id__in=list(agent_ids), question__module__is_active=True
    ).aggregate(total=Count("id"), mastered=Count("id", filter=Q(stability__gte=days)))
    return counts["mastered"], counts["total"]


@dataclass
class WeekRow:
    week: datetime.date
    right: int
    wrong: int


@dataclass
class ReviewSummary:
    """An agent's own review figures for "My learning"."""

    retention: Estimate
    predicted_recall: float | None
    mastered: int
    items: int
    due_now: int
    next_due: datetime.datetime | None
    mastery_days: int
    since: datetime.datetime
    weeks: list[WeekRow] = field(default_factory=list)

    @property
    def mastery_share(self) -> float | None:
        return self.mastered / self.items if self.items else None

    def chart(self) -> dict:
        """The weekly chart's data, for json_script."""
        return {
            "labels": [f"{row.week:%d %b}" for row in self.weeks],
            "right": [row.right for row in self.weeks],
            "wrong": [row.wrong for row in self.weeks],
        }


def _weeks(agent, now: datetime.datetime) -> list[WeekRow]:
    today = timezone.localtime(now).date()
    first = today - datetime.timedelta(days=today.weekday(), weeks=CHART_WEEKS - 1)
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    rows = (
        ReviewLog.objects.filter(item__agent=agent, reviewed_at__gte=start, reviewed_at__lte=now)
        .annotate(week=TruncWeek("reviewed_at"))
        .values("week")
        .annotate(
            right=Count("id", filter=Q(correct=True)), wrong=Count("id", filter=Q(correct=False))
        )
        .order_by("week")
    )
    found = {}
    for row in rows:
        week = row["week"]
        week = week.date() if isinstance(week, datetime.datetime) else week
        found[week] = (row["right"], row["wrong"])
    weeks = [first + datetime.timedelta(weeks=i) for i in range(CHART_WEEKS)]
    return [WeekRow(week, *found.get(week, (0, 0))) for week in weeks]


def review_summary_for(*, agent, now: datetime.datetime | None = None) -> ReviewSummary:
    """Retention over the last 90 days, mastery, what is due and a weekly right/wrong count."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=SUMMARY_DAYS)
    mastered, items = mastery(agent_ids=[agent.pk])
    due = _active_items(agent).aggregate(
        due_now=Count("id", filter=Q(due_at__lte=now)),
        next_due=Min("due_at", filter=Q(due_at__gt=now)),
        last=Max("last_reviewed_at"),
    )
    return ReviewSummary(
        retention=retention(agent_ids=[agent.pk], since=since, until=now),
        predicted_recall=predicted_recall(agent_ids=[agent.pk], since=since, until=now),
        mastered=mastered,
        items=items,
        due_now=due["due_now"],
        next_due=due["next_due"],
        mastery_days=learning_settings().mastery_days,
        since=since,
        weeks=_weeks(agent, now),
    )
