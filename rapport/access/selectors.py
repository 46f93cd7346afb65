"""Reads of the access strategy. Its taxonomy (contact types, queues, objectives) is not personal
data: everyone signed in may read it; only admins change it (in the admin)."""

from django.db.models import Q, QuerySet

from rapport.access.choices import Channel
from rapport.access.models import (
    ContactType,
    Queue,
    RoutingRule,
    ServiceObjective,
    Touchpoint,
)


def contact_types_active() -> QuerySet[ContactType]:
    return ContactType.objects.filter(is_active=True)


def queues_all() -> QuerySet[Queue]:
    return Queue.objects.select_related("team", "calendar")


def queue_default() -> Queue | None:
    """Where a contact goes when nothing routes it: the first front-line queue."""
    return queues_all().order_by("tier", "id").first()


def touchpoint_for(*, channel: str, address: str) -> Touchpoint | None:
    if not address:
        return None
    return (
        Touchpoint.objects.select_related("queue")
        .filter(
            channel=channel,
            address=address.strip().lower() if channel != Channel.PHONE else address,
        )
        .first()
    )


def objective_for(*, contact_type: ContactType | None, channel: str) -> ServiceObjective | None:
    """The most specific objective: type × channel, then type × any, then any × channel, then any."""
    candidates = (
        ServiceObjective.objects.filter(
            Q(contact_type=contact_type) | Q(contact_type__isnull=True)
            if contact_type
            else Q(contact_type__isnull=True),
            Q(channel=channel) | Q(channel=""),
        )
        .select_related("calendar")
        .prefetch_related("calendar__hours", "calendar__holidays")
    )

    def specificity(objective: ServiceObjective) -> tuple[int, int]:
        return (objective.contact_type_id is not None, objective.channel != "")

    return max(candidates, key=specificity, default=None)


def route_for(
    *, segment: str, value_tier: str, contact_type: ContactType | None
) -> RoutingRule | None:
    """The first routing rule (by rank) whose customer criteria and contact type match."""
    rules = RoutingRule.objects.select_related("queue__team", "queue__calendar").filter(
        Q(segment="") | Q(segment=segment),
        Q(value_tier="") | Q(value_tier=value_tier),
        Q(contact_type__isnull=True) | Q(contact_type=contact_type)
        if contact_type
        else Q(contact_type__isnull=True),
    )
    return rules.order_by("rank", "id").first()
