"""Reads of recognition: kudos and customers' compliments are public praise, open to everyone
signed in. A compliment names the channel and the day, never the customer."""

import datetime

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from rapport.accounts.models import User
from rapport.core.errors import NotFound
from rapport.core.roles import Role
from rapport.performance.choices import KudosKind
from rapport.performance.models import Kudos

MAX_ID = 2**63 - 1
COUNT_DAYS = 90


def kudos_all() -> QuerySet[Kudos]:
    """Recognition across the center, newest first, with what a list shows and no more."""
    return (
        Kudos.objects.select_related("agent__team", "given_by")
        .annotate(contact_channel=F("interaction__channel"))
        .order_by("-created_at", "-id")
    )


def kudos_of(*, agent: User) -> QuerySet[Kudos]:
    return kudos_all().filter(agent=agent)


def agents_active() -> QuerySet[User]:
    """Who can receive kudos: every active agent."""
    return (
        User.objects.filter(is_active=True, groups__name=Role.AGENT)
        .select_related("team")
        .order_by("last_name", "first_name", "username")
        .distinct()
    )


def agent_get(*, agent_id: int) -> User:
    """An active agent, for their public page; anyone else is not found."""
    if not isinstance(agent_id, int) or not 0 < agent_id <= MAX_ID:
        raise NotFound("No such agent.")
    agent = agents_active().filter(pk=agent_id).first()
    if agent is None:
        raise NotFound("No such agent.")
    return agent


def recognition_counts(*, agent: User, days: int = COUNT_DAYS) -> dict[str, int]:
    """Kudos and compliments credited to the agent over the last `days` days, in one query."""
    since = timezone.now() - datetime.timedelta(days=days)
    totals = Kudos.objects.filter(agent=agent, created_at__gte=since).aggregate(
        kudos=Count("id", filter=Q(kind=KudosKind.KUDOS)),
        compliment=Count("id", filter=Q(kind=KudosKind.COMPLIMENT)),
    )
    return {KudosKind.KUDOS: totals["kudos"] or 0, KudosKind.COMPLIMENT: totals["compliment"] or 0}
