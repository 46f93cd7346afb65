import datetime

import factory

from rapport.access.models import (
    BusinessCalendar,
    BusinessHours,
    ContactType,
    Queue,
    RoutingRule,
    ServiceObjective,
    Touchpoint,
)
from rapport.accounts.tests.factories import TeamFactory


class CalendarFactory(factory.django.DjangoModelFactory[BusinessCalendar]):
    """A 24/7 calendar unless hours are added (see office_hours)."""

    class Meta:
        model = BusinessCalendar

    name = factory.Sequence(lambda n: f"Calendar {n}")
    timezone = "UTC"
    always_open = True


def office_hours(
    *, timezone: str = "UTC", opens=datetime.time(9), closes=datetime.time(17)
) -> BusinessCalendar:
    """Monday to Friday, 09:00–17:00 by default."""
    calendar = CalendarFactory.create(timezone=timezone, always_open=False)
    for weekday in range(5):
        BusinessHours.objects.create(calendar=calendar, weekday=weekday, opens=opens, closes=closes)
    return calendar


class ContactTypeFactory(factory.django.DjangoModelFactory[ContactType]):
    class Meta:
        model = ContactType

    code = factory.Sequence(lambda n: f"reason-{n}")
    name = factory.Sequence(lambda n: f"Reason {n}")


class QueueFactory(factory.django.DjangoModelFactory[Queue]):
    class Meta:
        model = Queue

    code = factory.Sequence(lambda n: f"queue-{n}")
    name = factory.Sequence(lambda n: f"Queue {n}")
    team = factory.SubFactory(TeamFactory)
    tier = 1
    calendar = factory.SubFactory(CalendarFactory)


class TouchpointFactory(factory.django.DjangoModelFactory[Touchpoint]):
    class Meta:
        model = Touchpoint

    channel = "email"
    address = factory.Sequence(lambda n: f"help{n}@rapport.example")
    name = factory.Sequence(lambda n: f"Touchpoint {n}")
    queue = factory.SubFactory(QueueFactory)


class ObjectiveFactory(factory.django.DjangoModelFactory[ServiceObjective]):
    class Meta:
        model = ServiceObjective

    contact_type = None
    channel = ""
    first_response_minutes = 60
    resolution_minutes = 480
    calendar = factory.SubFactory(CalendarFactory)


class RoutingRuleFactory(factory.django.DjangoModelFactory[RoutingRule]):
    class Meta:
        model = RoutingRule

    queue = factory.SubFactory(QueueFactory)
