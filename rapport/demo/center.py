"""The demo center's access strategy (contact types, calendars, queues, touchpoints, service
objectives, routing rules, escalation reasons) and a snapshot of the center in memory, which the
contact planner reads instead of asking the database row by row."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from rapport.access.hours import OpeningHours
from rapport.access.models import (
    BusinessCalendar,
    BusinessHours,
    ContactType,
    Holiday,
    Queue,
    RoutingRule,
    ServiceObjective,
    Touchpoint,
)
from rapport.accounts.models import Team, User
from rapport.cases.models import EscalationReason
from rapport.core.roles import Role
from rapport.customers.models import ContactPoint, Customer, Holding
from rapport.demo import catalog


def access_strategy_create(*, mail_domain: str) -> None:
    """The configuration every contact refers to. Teams must exist (queues belong to them)."""
    types = {
        code: ContactType.objects.create(
            code=code,
            name=name,
            description=description,
            churn_intent=code in catalog.CHURN_INTENT_TYPES,
        )
        for code, name, description in catalog.CONTACT_TYPES
    }
    calendars = {}
    for key, (name, always_open) in catalog.CALENDARS.items():
        calendars[key] = BusinessCalendar.objects.create(
            name=name, timezone=catalog.TIME_ZONE, always_open=always_open
        )
    BusinessHours.objects.bulk_create(
        BusinessHours(
            calendar=calendars["service"], weekday=weekday, opens=time(opens), closes=time(closes)
        )
        for weekday, (opens, closes) in catalog.SERVICE_HOURS.items()
    )
    Holiday.objects.bulk_create(
        Holiday(calendar=calendars["service"], day=date.fromisoformat(day), name=name)
        for day, name in catalog.HOLIDAYS
    )
    teams = {team.name: team for team in Team.objects.all()}
    queues = {
        code: Queue.objects.create(
            code=code, name=name, team=teams[team], tier=tier, calendar=calendars[calendar]
        )
        for code, (name, team, tier, calendar) in catalog.QUEUES.items()
    }
    for channel, address, name, queue in catalog.TOUCHPOINTS:
        Touchpoint.objects.create(
            channel=channel,
            address=address.format(mail_domain=mail_domain).lower(),
            name=name,
            queue=queues[queue],
        )
    objectives = []
    for channel, (first_response, calendar) in catalog.CHANNEL_FIRST_RESPONSE.items():
        day = catalog.BUSINESS_DAY_MINUTES[calendar]
        objectives.append(
            ServiceObjective(
                channel=channel,
                first_response_minutes=first_response,
                resolution_minutes=max(first_response, catalog.RESOLUTION_DAYS * day),
                calendar=calendars[calendar],
            )
        )
        for code, kind in types.items():
            days = catalog.RESOLUTION_DAYS_BY_TYPE.get(code, catalog.RESOLUTION_DAYS)
            objectives.append(
                ServiceObjective(
                    contact_type=kind,
                    channel=channel,
                    first_response_minutes=first_response,
                    resolution_minutes=max(first_response, days * day),
                    calendar=calendars[calendar],
                )
            )
    ServiceObjective.objects.bulk_create(objectives)
    for rank, segment, value_tier, type_code, queue, priority in catalog.ROUTING_RULES:
        RoutingRule.objects.create(
            rank=rank,
            segment=segment,
            value_tier=value_tier,
            contact_type=types[type_code] if type_code else None,
            queue=queues[queue],
            priority=priority,
        )
    for rank, (type_code, queue) in enumerate(catalog.CONTACT_TYPE_QUEUE.items(), start=100):
        RoutingRule.objects.create(rank=rank, contact_type=types[type_code], queue=queues[queue])
    for code, name, preventable, _queue in catalog.ESCALATION_REASONS:
        EscalationReason.objects.create(code=code, name=name, preventable=preventable)


# The snapshot -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueInfo:
    id: int
    code: str
    name: str
    team_id: int
    tier: int
    hours: OpeningHours
    always_open: bool


@dataclass(frozen=True)
class AgentInfo:
    id: int
    team_id: int
    username: str
    name: str
    first_name: str
    started: datetime


@dataclass(frozen=True)
class CustomerInfo:
    id: int
    status: str
    segment: str
    value_tier: str
    name: str
    first_name: str
    phone: str
    email: str
    handle: str
    products: tuple[tuple[str, str], ...]  # (name, category) of what they hold now


@dataclass(frozen=True)
class ObjectiveInfo:
    id: int
    first_response_minutes: int
    resolution_minutes: int
    hours: OpeningHours


@dataclass(frozen=True)
class ReasonInfo:
    id: int
    code: str
    name: str
    preventable: bool
    queue: str


@dataclass
class Center:
    queues: dict[str, QueueInfo]
    contact_types: dict[str, int]
    touchpoints: dict[str, list[tuple[str, int]]]  # channel: [(address, id)]
    objectives: dict[tuple[str, str], ObjectiveInfo]  # (contact type code, channel)
    reasons: dict[str, ReasonInfo]
    agents: dict[int, list[AgentInfo]]  # team id: agents, by username
    customers: list[CustomerInfo]
    products: list[tuple[str, str]] = field(default_factory=list)  # (name, category)


def center_load() -> Center:
    calendars = {
        calendar.pk: OpeningHours.of(calendar)
        for calendar in BusinessCalendar.objects.prefetch_related("hours", "holidays")
    }
    queues = {
        queue.code: QueueInfo(
            id=queue.pk,
            code=queue.code,
            name=queue.name,
            team_id=queue.team_id,
            tier=queue.tier,
            hours=calendars[queue.calendar_id],
            always_open=calendars[queue.calendar_id].always_open,
        )
        for queue in Queue.objects.order_by("code")
    }
    types = dict(ContactType.objects.values_list("code", "id"))
    type_codes = {pk: code for code, pk in types.items()}
    touchpoints: dict[str, list[tuple[str, int]]] = {}
    for channel, address, pk in Touchpoint.objects.order_by("id").values_list(
        "channel", "address", "id"
    ):
        touchpoints.setdefault(channel, []).append((address, pk))
    objectives = {
        (type_codes[o.contact_type_id or 0], o.channel): ObjectiveInfo(
            id=o.pk,
            first_response_minutes=o.first_response_minutes,
            resolution_minutes=o.resolution_minutes,
            hours=calendars[o.calendar_id],
        )
        for o in ServiceObjective.objects.filter(contact_type__isnull=False)
    }
    queue_of_reason = {code: queue for code, _n, _p, queue in catalog.ESCALATION_REASONS}
    reasons = {
        r.code: ReasonInfo(
            id=r.pk,
            code=r.code,
            name=r.name,
            preventable=r.preventable,
            queue=queue_of_reason.get(r.code, ""),
        )
        for r in EscalationReason.objects.order_by("code")
    }
    return Center(
        queues=queues,
        contact_types=types,
        touchpoints=touchpoints,
        objectives=objectives,
        reasons=reasons,
        agents=_agents(),
        customers=_customers(),
        products=[(name, category) for _c, name, category, _p in catalog.PRODUCTS],
    )


def _agents() -> dict[int, list[AgentInfo]]:
    agents: dict[int, list[AgentInfo]] = {}
    staff = (
        User.objects.filter(groups__name=Role.AGENT, team__isnull=False)
        .order_by("username")
        .only("id", "team_id", "first_name", "last_name", "username", "started_on")
    )
    for user in staff:
        started = user.started_on or date(2020, 1, 1)
        agents.setdefault(user.team_id, []).append(  # type: ignore[arg-type]
            AgentInfo(
                id=user.pk,
                team_id=user.team_id,  # type: ignore[arg-type]
                username=user.username,
                name=str(user),
                first_name=user.first_name or user.username,
                started=datetime.combine(started, time(), tzinfo=UTC),
            )
        )
    return agents


def _customers() -> list[CustomerInfo]:
    points: dict[int, dict[str, str]] = {}
    for customer_id, kind, normalised in (
        ContactPoint.objects.filter(customer__source="demo")
        .order_by("-preferred", "id")
        .values_list("customer_id", "kind", "normalised")
    ):
        points.setdefault(customer_id, {}).setdefault(kind, normalised)
    products: dict[int, list[tuple[str, str]]] = {}
    for customer_id, name, category in (
        Holding.objects.filter(customer__source="demo", ended_on__isnull=True)
        .order_by("id")
        .values_list("customer_id", "product__name", "product__category")
    ):
        products.setdefault(customer_id, []).append((name, category))
    people = []
    for customer in Customer.objects.filter(source="demo").order_by("external_id"):
        own = points.get(customer.pk, {})
        people.append(
            CustomerInfo(
                id=customer.pk,
                status=customer.status,
                segment=customer.segment,
                value_tier=customer.value_tier,
                name=customer.display_name,
                first_name=customer.first_name or customer.display_name,
                phone=own.get("phone", ""),
                email=own.get("email", ""),
                handle=own.get("social", ""),
                products=tuple(products.get(customer.pk, ())),
            )
        )
    return people
