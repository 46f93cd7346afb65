"""Escalation analysis: why cases leave the first tier, from which teams and agents, and how that
moves week by week. Aggregates only; every read goes through the analyst-scoped selectors."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from rapport.cases import selectors


def min_n() -> int:
    """Below this many handled contacts a rate says more about chance than about the team."""
    return settings.RAPPORT_MIN_N_RATES


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    count: int
    share: float  # of all escalations in the view
    handled: int | None = None  # contacts handled, where a denominator exists
    preventable: bool | None = None

    @property
    def rate(self) -> float | None:
        if not self.handled or self.handled < min_n():
            return None
        return self.count / self.handled

    @property
    def too_few(self) -> bool:
        return self.handled is not None and 0 < self.handled < min_n()

    @property
    def share_percent(self) -> float:
        return 100 * self.share

    @property
    def rate_percent(self) -> float | None:
        rate = self.rate
        return None if rate is None else 100 * rate


@dataclass(frozen=True)
class Breakdown:
    key: str
    title: str
    column: str
    rows: list[Row]
    has_rate: bool = False


@dataclass(frozen=True)
class Week:
    start: datetime.date
    count: int


@dataclass
class EscalationAnalysis:
    start: datetime.date
    end: datetime.date
    total: int
    handled: int
    preventable: int
    breakdowns: list[Breakdown] = field(default_factory=list)
    weeks: list[Week] = field(default_factory=list)
    agents_shown: str = "none"  # "all", "teams" (a supervisor's own), "none"
    min_n: int = 30

    @property
    def rate(self) -> float | None:
        return self.total / self.handled if self.handled >= self.min_n else None

    @property
    def rate_percent(self) -> float | None:
        rate = self.rate
        return None if rate is None else 100 * rate

    @property
    def preventable_percent(self) -> float | None:
        return 100 * self.preventable / self.total if self.total else None

    def chart_data(self) -> dict:
        """What the charts draw: the same figures as the tables."""
        data = {
            b.key: {"labels": [r.label for r in b.rows], "counts": [r.count for r in b.rows]}
            for b in self.breakdowns
        }
        data["weekly"] = {
            "labels": [w.start.isoformat() for w in self.weeks],
            "counts": [w.count for w in self.weeks],
        }
        return data


def _bounds(
    start: datetime.date, end: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    zone = timezone.get_current_timezone()
    first = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    after = datetime.datetime.combine(
        end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return first, after


def _rows(
    grouped, *, key: str, label, total: int, handled: dict | None = None, unknown: str
) -> list[Row]:
    """Rows of a grouped count; `label` is a field name or a function of the grouped item."""
    name = label if callable(label) else (lambda item: item[label])
    rows = []
    for item in grouped:
        ident = item[key]
        rows.append(
            Row(
                key=str(ident or ""),
                label=name(item) or unknown,
                count=item["n"],
                share=item["n"] / total if total else 0.0,
                handled=handled.get(ident, 0) if handled is not None else None,
                preventable=item.get("reason__preventable"),
            )
        )
    return sorted(rows, key=lambda r: (-r.count, r.label))


def _handled_by(contacts: QuerySet, key: str) -> dict:
    return {row[key]: row["n"] for row in contacts.values(key).annotate(n=Count("id")).order_by()}


def escalation_analysis(
    *,
    user,
    start: datetime.date,
    end: datetime.date,
    team=None,
    contact_type=None,
) -> EscalationAnalysis:
    """Escalations in [start, end] (whole days in the current time zone), optionally of one team
    (the escalating agent's team at the time) and one contact type."""
    first, after = _bounds(start, end)
    escalations = selectors.escalations_for_analysis(user=user).filter(
        escalated_at__gte=first, escalated_at__lt=after
    )
    # The denominator: handled contacts in the same period, of the same team and contact type.
    contacts = selectors.handled_contacts_for_analysis(user=user).filter(
        started_at__gte=first, started_at__lt=after
    )
    if team is not None:
        escalations = escalations.filter(from_team=team)
        contacts = contacts.filter(agent__team=team)
    if contact_type is not None:
        escalations = escalations.filter(contact_type=contact_type)
        contacts = contacts.filter(contact_type=contact_type)

    counts = escalations.aggregate(
        n=Count("id"), preventable=Count("id", filter=Q(preventable=True))
    )
    total, handled = counts["n"], contacts.count()
    result = EscalationAnalysis(
        start=start,
        end=end,
        total=total,
        handled=handled,
        preventable=counts["preventable"],
        min_n=min_n(),
    )

    def grouped(*fields: str):
        return escalations.values(*fields).annotate(n=Count("id")).order_by()

    result.breakdowns.append(
        Breakdown(
            "reason",
            "By reason",
            "Reason",
            _rows(
                grouped("reason_id", "reason__name", "reason__preventable"),
                key="reason_id",
                label="reason__name",
                total=total,
                unknown="(no reason)",
            ),
        )
    )
    result.breakdowns.append(
        Breakdown(
            "preventable",
            "Preventable or not",
            "Preventable",
            [
                Row(
                    "yes",
                    "Preventable",
                    counts["preventable"],
                    _share(counts["preventable"], total),
                ),
                Row(
                    "no",
                    "Not preventable",
                    total - counts["preventable"],
                    _share(total - counts["preventable"], total),
                ),
            ],
        )
    )
    result.breakdowns.append(
        Breakdown(
            "contact_type",
            "By contact type",
            "Contact type",
            _rows(
                grouped("contact_type_id", "contact_type__name"),
                key="contact_type_id",
                label="contact_type__name",
                total=total,
                handled=_handled_by(contacts, "contact_type_id"),
                unknown="(not recorded)",
            ),
            has_rate=True,
        )
    )
    result.breakdowns.append(
        Breakdown(
            "team",
            "By team",
            "Team",
            _rows(
                grouped("from_team_id", "from_team__name"),
                key="from_team_id",
                label="from_team__name",
                total=total,
                handled=_handled_by(contacts, "agent__team_id"),
                unknown="(no team)",
            ),
            has_rate=True,
        )
    )

    visible = selectors.analysis_agent_teams(user)
    if visible is None or visible:
        by_agent = escalations
        agent_contacts = contacts
        if visible is not None:
            by_agent = by_agent.filter(escalated_by__team_id__in=visible)
            agent_contacts = agent_contacts.filter(agent__team_id__in=visible)
        agent_rows = _rows(
            by_agent.values(
                "escalated_by_id",
                "escalated_by__first_name",
                "escalated_by__last_name",
                "escalated_by__username",
            )
            .annotate(n=Count("id"))
            .order_by(),
            key="escalated_by_id",
            label=_person,
            total=total,
            handled=_handled_by(agent_contacts, "agent_id"),
            unknown="(former user)",
        )
        result.breakdowns.append(Breakdown("agent", "By agent", "Agent", agent_rows, has_rate=True))
        result.agents_shown = "all" if visible is None else "teams"

    weekly = {
        _as_date(row["week"]): row["n"]
        for row in escalations.annotate(week=TruncWeek("escalated_at"))
        .values("week")
        .annotate(n=Count("id"))
        .order_by()
    }
    monday = start - datetime.timedelta(days=start.weekday())
    while monday <= end:
        result.weeks.append(Week(monday, weekly.get(monday, 0)))
        monday += datetime.timedelta(days=7)
    return result


def _share(part: int, total: int) -> float:
    return part / total if total else 0.0


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def _person(item: dict) -> str:
    full = " ".join(
        part for part in (item["escalated_by__first_name"], item["escalated_by__last_name"]) if part
    )
    return full or item["escalated_by__username"] or ""
