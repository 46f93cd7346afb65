"""The desktop's world: a front-line team with its queue, a tier-2 team, a caller we know with a
phone call offered to an agent of the front line, and the taxonomies wrap-up and escalation use."""

from types import SimpleNamespace

import pytest
from django.utils import timezone

from rapport.access.tests.factories import ContactTypeFactory, QueueFactory
from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.cases.tests.factories import EscalationReasonFactory
from rapport.customers.tests.factories import (
    CustomerFactory,
    HoldingFactory,
    HouseholdFactory,
    PhoneFactory,
    ProductFactory,
)
from rapport.interactions.models import ScreenPop
from rapport.interactions.tests.factories import InteractionFactory


def call_for(agent, *, customer=None, sender: str = "+12125550100", **fields):
    """A phone call from `sender`, answered and offered to `agent` (as the switch records it)."""
    now = timezone.now()
    fields.setdefault("answered_at", now)
    fields.setdefault("external_id", f"call-{sender}-{now.timestamp()}")
    call = InteractionFactory(
        customer=customer,
        channel="phone",
        source="phone",
        sender=sender,
        agent=agent,
        started_at=now,
        summary="",
        **fields,
    )
    pop = ScreenPop.objects.create(agent=agent, interaction=call)
    return call, pop


@pytest.fixture
def desk(db):
    front = TeamFactory(name="Front line")
    second = TeamFactory(name="Second line")
    agent = UserFactory(
        roles=["agent"], team=front, username="ana", first_name="Ana", last_name="Agent"
    )
    other_agent = UserFactory(roles=["agent"], team=front, username="otto")
    tier2_agent = UserFactory(roles=["agent"], team=second, username="tia")
    tier1 = QueueFactory(name="General", code="general", team=front, tier=1)
    tier2 = QueueFactory(name="Specialists", code="specialists", team=second, tier=2)
    household = HouseholdFactory(name="The Okafors")
    customer = CustomerFactory(
        first_name="Ada",
        last_name="Okafor",
        household=household,
        segment="consumer",
        value_tier="gold",
    )
    phone = PhoneFactory(customer=customer)
    HoldingFactory(customer=customer, product=ProductFactory(name="Everyday Account"))
    billing = ContactTypeFactory(name="Billing question", code="billing")
    reason = EscalationReasonFactory(name="Needs authority", code="authority")
    return SimpleNamespace(**locals())
