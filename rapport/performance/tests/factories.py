"""Shared factories of the performance tests, and `contact()` for hand-built ledgers.

`contact()` writes one Interaction the way the rollups read it: a handled inbound phone call by
default, answered after `wait` seconds and lasting `handle` seconds, at 10:00 local time on `day`.
Name only what a test is about:

    contact(agent=ann, day=monday, channel="email", handle=600)
    contact(day=monday, outcome="abandoned", wait=30)            # given up after 30 s, no agent
    contact(agent=ann, day=monday, customer=ada, contact_type=billing)  # counts for FCR

The migrations ship KPI registry rows, success definition v1 (in force since 2000-01-01) and the
measurement settings row; these factories add to them.
"""

import datetime
from typing import Any

import factory
from django.db.models import Max
from django.utils import timezone

from rapport.accounts.models import User
from rapport.accounts.tests.factories import UserFactory
from rapport.interactions.choices import Outcome
from rapport.interactions.models import Interaction
from rapport.interactions.tests.factories import InteractionFactory
from rapport.performance.models import Kpi, SuccessDefinition

NOT_HANDLED = {Outcome.ABANDONED, Outcome.NO_ANSWER}
LEDGER_AGENT = "ledger-agent"


class KpiFactory(factory.django.DjangoModelFactory[Kpi]):
    """A KPI of any formula; pass formula= (and channel= for handle times)."""

    class Meta:
        model = Kpi

    key = factory.Sequence(lambda n: f"kpi-{n}")
    name = factory.Sequence(lambda n: f"KPI {n}")
    definition = "What it means."
    computation = "How it is computed."
    formula = "fcr"
    unit = "percent"
    better = "higher"
    goal = "customer_experience"


def _next_version() -> int:
    return (SuccessDefinition.objects.aggregate(top=Max("version"))["top"] or 0) + 1


class SuccessDefinitionFactory(factory.django.DjangoModelFactory[SuccessDefinition]):
    """A draft unless effective_from is given (a published version, as stored; use the services
    to test publishing itself). Versions follow the highest one stored."""

    class Meta:
        model = SuccessDefinition

    version = factory.LazyFunction(_next_version)
    name = factory.Sequence(lambda n: f"Definition {n}")
    effective_from = None
    require_resolved = True
    repeat_window_days = 7
    forbid_escalation = True
    forbid_transfer = False


def ledger_agent() -> User:
    """The agent contacts get when a test does not name one (one per test database)."""
    found = User.objects.filter(username=LEDGER_AGENT).first()
    return found or UserFactory.create(username=LEDGER_AGENT, roles=["agent"])


_DEFAULT: Any = object()


def contact(
    *,
    day: datetime.date | None = None,
    at: datetime.datetime | None = None,
    agent: User | None = _DEFAULT,
    channel: str = "phone",
    direction: str = "inbound",
    outcome: str = Outcome.RESOLVED,
    wait: int = 10,
    handle: int = 300,
    answered: bool | None = None,
    **fields: Any,
) -> Interaction:
    """One contact on the ledger (see the module docstring).

    `day` defaults to yesterday, `at` to 10:00 local time on `day`. `answered` defaults to
    "the contact was handled"; an unanswered contact ends after its wait (an abandon). `agent`
    defaults to the shared ledger agent for handled contacts and to nobody otherwise. Any other
    Interaction field (customer, contact_type, hold_seconds, wrap_seconds, transfers,
    offer_made, …) passes through; customer defaults to a new customer.
    """
    if at is None:
        day = day or timezone.localdate() - datetime.timedelta(days=1)
        at = datetime.datetime.combine(
            day, datetime.time(10), tzinfo=timezone.get_default_timezone()
        )
    handled = outcome not in NOT_HANDLED
    if agent is _DEFAULT:
        agent = ledger_agent() if handled else None
    if answered is None:
        answered = handled
    answered_at = at + datetime.timedelta(seconds=wait) if answered else None
    if answered_at is not None:
        ended_at = answered_at + datetime.timedelta(seconds=handle)
    else:
        ended_at = at + datetime.timedelta(seconds=wait)
    return InteractionFactory.create(
        started_at=at,
        answered_at=answered_at,
        ended_at=ended_at,
        agent=agent,
        channel=channel,
        direction=direction,
        outcome=outcome,
        wait_seconds=wait,
        handle_seconds=handle if handled else 0,
        **fields,
    )
