"""Reads of alerts, scoped to the asker: a supervisor the alerts of the teams they lead, an agent
the recoveries they own, an admin all. The recovery report reads the same scope."""

import datetime
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from statsmodels.stats.proportion import proportion_confint

from rapport.accounts.models import User
from rapport.core.errors import NotFound
from rapport.core.roles import Role, roles_of
from rapport.insights.choices import SEVERITY_RANK, AlertState, RecoveryOutcome, RuleKind, Severity
from rapport.insights.models import Alert, AlertEvent, RootCause
from rapport.interactions.choices import Side
from rapport.interactions.models import Message

# Below this many closed alerts a recovery rate is "not enough data".
MIN_CLOSED = 10
RECOVERED = (RecoveryOutcome.SAVED, RecoveryOutcome.RESOLVED)
Q_MAX = 100


def _scope(user: User) -> Q | None:
    """The alerts a user may see, or None for all of them."""
    roles = roles_of(user)
    if Role.ADMIN in roles:
        return None
    scope = Q(pk__in=[])
    if Role.SUPERVISOR in roles:
        scope |= Q(team__supervisor=user)
    if roles & {Role.AGENT, Role.SUPERVISOR}:
        scope |= Q(owner=user)
    return scope


def alerts_visible(user: User) -> QuerySet[Alert]:
    scope = _scope(user)
    alerts = Alert.objects.all() if scope is None else Alert.objects.filter(scope)
    return alerts.select_related("customer", "agent", "team", "owner", "root_cause")


def alerts_search(alerts: QuerySet[Alert], q: str) -> QuerySet[Alert]:
    q = q.strip()[:Q_MAX]
    if not q:
        return alerts
    words = Q(customer__first_name__icontains=q) | Q(customer__last_name__icontains=q)
    words |= Q(agent__first_name__icontains=q) | Q(agent__last_name__icontains=q)
    words |= Q(source_key__icontains=q) | Q(reasons__icontains=q)
    number = q.lstrip("#")
    if number.isdigit() and len(number) < 19:
        words |= Q(pk=int(number))
    return alerts.filter(words)


def alerts_overdue(alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    """Open alerts whose call-back time has passed."""
    return alerts.exclude(state=AlertState.CLOSED).filter(callback_by__lt=timezone.now())


def alerts_for(
    user: User,
    *,
    state: str | None = None,
    severity: str | None = None,
    q: str | None = None,
    overdue: bool = False,
) -> QuerySet[Alert]:
    """The alerts the user works, newest first, filtered."""
    alerts = alerts_visible(user)
    if state:
        alerts = alerts.filter(state=state)
    if severity:
        alerts = alerts.filter(severity=severity)
    if overdue:
        alerts = alerts_overdue(alerts)
    if q:
        alerts = alerts_search(alerts, q)
    return alerts.order_by("-fired_at", "-id")


def alert_get_for(user: User, pk: int) -> Alert:
    alert = alerts_visible(user).filter(pk=pk).first()
    if alert is None:
        raise NotFound("No such alert.")
    return alert


def alert_events(*, alert: Alert) -> QuerySet[AlertEvent]:
    return alert.events.select_related("actor").order_by("created_at", "id")


def customer_words(*, alert: Alert) -> list[Message]:
    """What the customer said in the interaction behind the alert (customer data: the caller checks
    the reader may see conversations)."""
    if alert.interaction_id is None:
        return []
    return list(
        Message.objects.filter(
            interaction_id=alert.interaction_id, side=Side.CUSTOMER, is_note=False
        ).order_by("sent_at", "id")
    )


def is_overdue(alert: Alert, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        alert.state != AlertState.CLOSED
        and alert.callback_by is not None
        and alert.callback_by < now
    )


def owners_for(*, alert: Alert, viewer: User) -> QuerySet[User]:
    """Whom the recovery can be given to: the alert team's active people, and the viewer."""
    people = Q(pk=viewer.pk)
    if alert.team_id is not None:
        people |= Q(team_id=alert.team_id)
    return User.objects.filter(people, is_active=True).order_by("first_name", "last_name", "pk")


def root_causes_active() -> QuerySet[RootCause]:
    return RootCause.objects.filter(is_active=True).select_related("skill").order_by("name")


# --- Recovery report -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    recovered: int
    n: int
    value: float | None  # None: not enough data
    ci_low: float | None
    ci_high: float | None

    @property
    def enough(self) -> bool:
        return self.value is not None

    def _pct(self, x: float | None) -> float | None:
        return None if x is None else 100 * x

    @property
    def percent(self) -> float | None:
        return self._pct(self.value)

    @property
    def percent_low(self) -> float | None:
        return self._pct(self.ci_low)

    @property
    def percent_high(self) -> float | None:
        return self._pct(self.ci_high)


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    total: int
    closed: int
    recovered: int


@dataclass(frozen=True)
class CauseRow:
    name: str
    skill: str | None
    count: int


@dataclass
class RecoveryReport:
    days: int
    since: datetime.datetime
    total: int
    by_state: dict[str, int]
    rate: Rate
    median_hours_to_close: float | None
    overdue: int
    root_causes: list[CauseRow] = field(default_factory=list)
    by_severity: list[Row] = field(default_factory=list)
    by_rule: list[Row] = field(default_factory=list)
    min_closed: int = MIN_CLOSED

    def chart(self) -> dict:
        return {
            "labels": [row.name for row in self.root_causes],
            "values": [row.count for row in self.root_causes],
        }


def recovery_rate(recovered: int, n: int) -> Rate:
    """Recovered (saved or resolved) ÷ closed, with a Wilson 95% interval."""
    if n < MIN_CLOSED:
        return Rate(recovered, n, None, None, None)
    low, high = proportion_confint(recovered, n, alpha=0.05, method="wilson")
    return Rate(recovered, n, recovered / n, float(low), float(high))


def _rows(alerts: list[Any], keys, labels: dict) -> list[Row]:
    total: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    recovered: Counter[str] = Counter()
    for alert in alerts:
        for key in keys(alert):
            total[key] += 1
            if alert["state"] == AlertState.CLOSED:
                closed[key] += 1
                recovered[key] += alert["outcome"] in RECOVERED
    return [
        Row(key, str(labels[key]), total[key], closed[key], recovered[key])
        for key in labels
        if total[key]
    ]


def _causes(alerts: QuerySet[Alert]) -> list[CauseRow]:
    rows = (
        alerts.filter(root_cause__isnull=False)
        .values("root_cause__name", "root_cause__skill__name")
        .annotate(count=Count("id"))
        .order_by("-count", "root_cause__name")
    )
    return [CauseRow(r["root_cause__name"], r["root_cause__skill__name"], r["count"]) for r in rows]


def recovery_report_for(user: User, *, days: int = 30) -> RecoveryReport:
    """How recovery went on the alerts the user sees that fired in the last `days` days."""
    now = timezone.now()
    since = now - datetime.timedelta(days=days)
    scoped = alerts_visible(user).filter(fired_at__gte=since)
    rows = list(scoped.values("state", "outcome", "severity", "reasons", "fired_at", "closed_at"))
    closed = [r for r in rows if r["state"] == AlertState.CLOSED]
    recovered = sum(r["outcome"] in RECOVERED for r in closed)
    hours = [
        (r["closed_at"] - r["fired_at"]).total_seconds() / 3600 for r in closed if r["closed_at"]
    ]
    severities = dict(sorted(Severity.choices, key=lambda c: -SEVERITY_RANK[Severity(c[0])]))
    return RecoveryReport(
        days=days,
        since=since,
        total=len(rows),
        by_state={state: sum(r["state"] == state for r in rows) for state in AlertState.values},
        rate=recovery_rate(recovered, len(closed)),
        median_hours_to_close=statistics.median(hours) if hours else None,
        overdue=alerts_overdue(scoped).count(),
        root_causes=_causes(scoped),
        by_severity=_rows(rows, lambda r: [r["severity"]], severities),
        by_rule=_rows(
            rows, lambda r: sorted({x.get("kind") for x in r["reasons"]}), dict(RuleKind.choices)
        ),
    )
