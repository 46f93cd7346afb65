"""Which service objective applies, and where routing sends a case."""

import inspect

import pytest

from rapport.access import selectors
from rapport.access.tests.factories import (
    ContactTypeFactory,
    ObjectiveFactory,
    QueueFactory,
    RoutingRuleFactory,
    TouchpointFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def billing():
    return ContactTypeFactory(code="billing", name="Billing question")


@pytest.fixture
def objectives(billing):
    """One objective at each level of specificity, created least specific last."""
    return {
        "type×channel": ObjectiveFactory(
            contact_type=billing, channel="email", first_response_minutes=10
        ),
        "type×any": ObjectiveFactory(contact_type=billing, channel="", first_response_minutes=20),
        "any×channel": ObjectiveFactory(
            contact_type=None, channel="email", first_response_minutes=30
        ),
        "any×any": ObjectiveFactory(contact_type=None, channel="", first_response_minutes=40),
    }


@pytest.mark.parametrize(
    ("has_type", "channel", "expected"),
    [
        (True, "email", "type×channel"),
        (True, "chat", "type×any"),
        (False, "email", "any×channel"),
        (False, "chat", "any×any"),
    ],
)
def test_the_most_specific_objective_wins(objectives, billing, has_type, channel, expected):
    contact_type = billing if has_type else None

    found = selectors.objective_for(contact_type=contact_type, channel=channel)

    assert found == objectives[expected]


def test_another_contact_types_objective_never_applies(objectives):
    other = ContactTypeFactory()

    assert selectors.objective_for(contact_type=other, channel="email") == objectives["any×channel"]
    assert selectors.objective_for(contact_type=other, channel="sms") == objectives["any×any"]


def test_contact_type_beats_channel(billing):
    # given only "billing on any channel" and "anything by e-mail"
    by_type = ObjectiveFactory(contact_type=billing, channel="")
    ObjectiveFactory(contact_type=None, channel="email")

    assert selectors.objective_for(contact_type=billing, channel="email") == by_type


def test_no_objective_at_all(billing):
    ObjectiveFactory(contact_type=billing, channel="email")

    assert selectors.objective_for(contact_type=None, channel="email") is None
    assert selectors.objective_for(contact_type=billing, channel="chat") is None


@pytest.fixture
def rules(billing):
    """Ranked rules: corporate first, then gold, then billing questions, then everyone."""
    queues = {
        name: QueueFactory(code=name, name=name.title())
        for name in ("corporate", "gold", "billing", "general")
    }
    RoutingRuleFactory(rank=100, queue=queues["general"], priority="low")
    RoutingRuleFactory(rank=30, contact_type=billing, queue=queues["billing"], priority="normal")
    RoutingRuleFactory(rank=20, value_tier="gold", queue=queues["gold"], priority="high")
    RoutingRuleFactory(rank=10, segment="corporate", queue=queues["corporate"], priority="urgent")
    return queues


@pytest.mark.parametrize(
    ("segment", "value_tier", "with_billing", "expected"),
    [
        ("corporate", "gold", True, "corporate"),
        ("consumer", "gold", True, "gold"),
        ("consumer", "standard", True, "billing"),
        ("consumer", "standard", False, "general"),
        ("small_business", "silver", False, "general"),
    ],
)
def test_route_is_the_first_matching_rule_by_rank(
    rules, billing, segment, value_tier, with_billing, expected
):
    rule = selectors.route_for(
        segment=segment, value_tier=value_tier, contact_type=billing if with_billing else None
    )

    assert rule is not None
    assert rule.queue == rules[expected]


def test_a_contact_type_rule_does_not_catch_other_types(rules):
    rule = selectors.route_for(
        segment="consumer", value_tier="standard", contact_type=ContactTypeFactory()
    )

    assert rule is not None and rule.queue == rules["general"]


def test_equal_rank_goes_to_the_older_rule():
    first = RoutingRuleFactory(rank=5)
    RoutingRuleFactory(rank=5)

    assert (
        selectors.route_for(segment="consumer", value_tier="standard", contact_type=None) == first
    )


def test_no_matching_rule():
    RoutingRuleFactory(segment="corporate")

    assert selectors.route_for(segment="consumer", value_tier="standard", contact_type=None) is None


def test_routing_takes_no_channel():
    # Routing is by who the customer is and why they came, never by how they reached us.
    assert "channel" not in inspect.signature(selectors.route_for).parameters


def test_queue_default_is_the_first_front_line_queue():
    QueueFactory(tier=2, name="A second line")
    front = QueueFactory(tier=1, name="Z front line")

    assert selectors.queue_default() == front


def test_touchpoint_found_by_address_in_any_case():
    touchpoint = TouchpointFactory(channel="email", address="help@rapport.example")

    assert selectors.touchpoint_for(channel="email", address=" Help@Rapport.Example ") == touchpoint
    assert selectors.touchpoint_for(channel="sms", address="help@rapport.example") is None
    assert selectors.touchpoint_for(channel="email", address="") is None
