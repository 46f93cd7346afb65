"""contact_wrap_up: the contact, its case and the agent's state change together or not at all."""

import datetime

import pytest
from django.utils import timezone

from rapport.accounts import services as account_services
from rapport.accounts.models import AgentStateChange
from rapport.cases.models import Case
from rapport.cases.tests.factories import CaseFactory
from rapport.core.errors import Conflict, ValidationFailed
from rapport.customers.tests.factories import CustomerFactory
from rapport.workspace import services
from rapport.workspace.tests.conftest import call_for

pytestmark = pytest.mark.django_db


def _wrap(desk, contact, **overrides):
    args = {
        "contact": contact,
        "by": desk.agent,
        "contact_type": desk.billing,
        "outcome": "resolved",
        "relationship_attempt": False,
        "compliment_received": True,
        "case_action": "none",
    }
    args.update(overrides)
    return services.contact_wrap_up(**args)


def test_a_state_stamped_ahead_by_the_phone_switch_still_ends_available(desk):
    call, _ = call_for(desk.agent, customer=desk.customer)
    ahead = timezone.now() + datetime.timedelta(seconds=3)
    account_services.agent_state_set(
        agent=desk.agent, state="wrap_up", source="telephony", at=ahead
    )

    _wrap(desk, call)

    desk.agent.refresh_from_db()
    assert desk.agent.agent_state == "available"
    change = AgentStateChange.objects.filter(agent=desk.agent).latest("id")
    assert (change.state, change.previous_state, change.source) == (
        "available",
        "wrap_up",
        "desktop",
    )


@pytest.mark.parametrize(
    ("case_of", "status", "field"),
    [("stranger", "open", "case"), ("caller", "closed", "case"), ("nobody", "open", "case")],
)
def test_linking_refuses_a_case_that_is_not_the_callers_open_one(desk, case_of, status, field):
    call, _ = call_for(desk.agent, customer=desk.customer)
    owner = {"stranger": CustomerFactory(), "caller": desk.customer, "nobody": None}[case_of]
    case = CaseFactory(customer=owner, queue=desk.tier1, status=status)

    with pytest.raises(ValidationFailed) as refused:
        _wrap(desk, call, case_action="link", case=case)

    assert field in refused.value.fields
    call.refresh_from_db()
    assert call.wrapped_up_at is None and call.case is None


def test_refusal_after_the_ledger_write_rolls_everything_back(desk):
    call, _ = call_for(desk.agent, customer=desk.customer)

    with pytest.raises(ValidationFailed):
        _wrap(desk, call, outcome="not-an-outcome", case_action="open", subject="Never made")

    call.refresh_from_db()
    assert call.wrapped_up_at is None
    assert not Case.objects.exists()
    desk.agent.refresh_from_db()
    assert desk.agent.agent_state != "available"


def test_a_wrapped_up_contact_is_not_wrapped_up_again(desk):
    call, _ = call_for(desk.agent, customer=desk.customer)
    _wrap(desk, call)

    with pytest.raises(Conflict):
        _wrap(desk, call, case_action="open", subject="Second time")

    assert not Case.objects.exists()


def test_an_unknown_case_action_is_refused(desk):
    call, _ = call_for(desk.agent, customer=desk.customer)

    with pytest.raises(ValidationFailed) as refused:
        _wrap(desk, call, case_action="maybe")

    assert "case_action" in refused.value.fields


def test_a_new_case_without_a_customer_is_still_opened(desk):
    call, _ = call_for(desk.agent, customer=None, sender="")

    _wrap(desk, call, case_action="open", subject="Caller hung up before naming themselves")

    call.refresh_from_db()
    assert call.case is not None and call.case.customer is None
    assert call.case.assignee == desk.agent
