"""caller_identify: an unknown caller becomes a named customer holding the number they called from."""

import pytest

from rapport.core.errors import Conflict
from rapport.customers.models import Customer
from rapport.customers.tests.factories import ContactPointFactory, CustomerFactory
from rapport.workspace import services
from rapport.workspace.tests.conftest import call_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def prospect(db):
    made = CustomerFactory(
        first_name="", last_name="+12125550177", status="prospect", needs_review=True
    )
    ContactPointFactory(
        customer=made, kind="phone", value="+12125550177", normalised="+12125550177"
    )
    return made


def test_completes_the_prospect_and_keeps_its_number_once(desk, prospect):
    call, _ = call_for(desk.agent, customer=prospect, sender="+12125550177")

    named = services.caller_identify(
        contact=call, by=desk.agent, first_name="Chidi", last_name="Obi", phone="212-555-0177"
    )

    assert named.pk == prospect.pk
    assert (named.display_name, named.needs_review, named.status) == (
        "Chidi Obi",
        False,
        "prospect",
    )
    assert list(named.contact_points.values_list("kind", "normalised")) == [
        ("phone", "+12125550177")
    ]
    assert named.history.first().history_type == "~"


def test_a_new_number_given_for_the_prospect_is_added(desk, prospect):
    call, _ = call_for(desk.agent, customer=prospect, sender="+12125550177")

    services.caller_identify(
        contact=call, by=desk.agent, first_name="Chidi", last_name="Obi", phone="+1 415 555 0100"
    )

    assert sorted(prospect.contact_points.values_list("normalised", flat=True)) == [
        "+12125550177",
        "+14155550100",
    ]


def test_a_caller_without_a_customer_gets_one_and_the_call_is_theirs(desk):
    call, _ = call_for(desk.agent, customer=None, sender="+12125550178")

    made = services.caller_identify(
        contact=call, by=desk.agent, first_name="", last_name="Doe", email="Doe@Example.com"
    )

    call.refresh_from_db()
    assert call.customer == made
    assert sorted(made.contact_points.values_list("kind", "normalised")) == [
        ("email", "doe@example.com"),
        ("phone", "+12125550178"),
    ]


def test_a_number_the_switch_could_not_read_is_left_out(desk):
    call, _ = call_for(desk.agent, customer=None, sender="anonymous")

    made = services.caller_identify(contact=call, by=desk.agent, first_name="Sam", last_name="Lee")

    assert not made.contact_points.exists()


def test_a_number_someone_else_holds_is_a_conflict_and_nothing_is_made(desk):
    call, _ = call_for(desk.agent, customer=None, sender=desk.phone.normalised)

    with pytest.raises(Conflict):
        services.caller_identify(contact=call, by=desk.agent, first_name="Imposter", last_name="X")

    assert not Customer.objects.filter(first_name="Imposter").exists()
    call.refresh_from_db()
    assert call.customer is None
