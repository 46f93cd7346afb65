"""Factories of the goals and recognition tests.

`crew()` builds a team with its supervisor and an agent, the two parties of a goal. `transfers()`
puts contacts with a known transfer rate on the ledger and rolls the day up, so a test knows the
figure a goal should read (transfer rate: lower is better, a percentage).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import factory
from django.utils import timezone

from rapport.accounts.models import Team, User
from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.performance import rollups
from rapport.performance.choices import GoalStatus, KudosKind
from rapport.performance.models import Goal, Kpi, Kudos
from rapport.performance.tests.factories import contact

TRANSFER_RATE = "transfer_rate"


def kpi(key: str = TRANSFER_RATE) -> Kpi:
    """A KPI the migrations ship (transfer_rate: %, lower is better; fcr: %, higher is better)."""
    return Kpi.objects.get(key=key)


@dataclass
class Crew:
    team: Team
    supervisor: User
    agent: User


def crew(**agent_fields) -> Crew:
    supervisor = UserFactory(roles=["supervisor"])
    team = TeamFactory(supervisor=supervisor)
    agent = UserFactory(roles=["agent"], team=team, **agent_fields)
    return Crew(team=team, supervisor=supervisor, agent=agent)


class GoalFactory(factory.django.DjangoModelFactory[Goal]):
    """A proposal by the agent, waiting for the supervisor; `agreed()` gives one both agreed."""

    class Meta:
        model = Goal

    agent = factory.SubFactory(UserFactory, roles=["agent"])
    kpi = factory.LazyFunction(kpi)
    target = Decimal("10.00")
    starts_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))
    checkin_every_days = 14
    proposed_by = factory.SelfAttribute("agent")
    agent_agreed_at = factory.LazyFunction(timezone.now)
    status = GoalStatus.PROPOSED


def agreed(*, agent: User, supervisor: User, **fields) -> Goal:
    now = timezone.now()
    goal: Goal = GoalFactory.create(
        agent=agent,
        supervisor=supervisor,
        supervisor_agreed_at=now,
        status=GoalStatus.AGREED,
        next_checkin_on=timezone.localdate() + datetime.timedelta(days=14),
        **fields,
    )
    return goal


class KudosFactory(factory.django.DjangoModelFactory[Kudos]):
    class Meta:
        model = Kudos

    agent = factory.SubFactory(UserFactory, roles=["agent"])
    given_by = factory.SubFactory(UserFactory, roles=["agent"])
    kind = KudosKind.KUDOS
    message = factory.Sequence(lambda n: f"Thanks for the help with call {n}")


def transfers(*, agent: User, day: datetime.date, handled: int, transferred: int) -> None:
    """`handled` contacts of the agent on `day`, `transferred` of them transferred; rolled up."""
    for number in range(handled):
        contact(agent=agent, day=day, customer=None, transfers=1 if number < transferred else 0)
    rollups.rollup_day(day)
