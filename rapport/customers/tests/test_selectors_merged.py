"""A customer merged into another is kept for undo but no longer listed, found or popped."""

import pytest

from rapport.accounts.tests.factories import UserFactory
from rapport.core.errors import NotFound
from rapport.customers import selectors, services
from rapport.customers.tests.factories import CustomerFactory, PhoneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged_pair():
    survivor = CustomerFactory(first_name="Ada", last_name="Okafor")
    merged = CustomerFactory(first_name="Adah", last_name="Okafor", merged_into=survivor)
    PhoneFactory(customer=merged, normalised="+13055550123", value="(305) 555-0123")
    return survivor, merged


def test_a_merged_record_is_not_listed_and_names_its_survivor(merged_pair):
    survivor, merged = merged_pair
    agent = UserFactory(roles=["agent"])

    assert list(selectors.customer_search_for(user=agent, query="okafor")) == [survivor]
    with pytest.raises(NotFound, match=f"merged into Ada Okafor \\(customer {survivor.pk}\\)"):
        selectors.customer_get_for(user=agent, customer_id=merged.pk)


def test_a_contact_point_left_on_a_merged_record_leads_to_the_survivor(merged_pair):
    survivor, _ = merged_pair
    agent = UserFactory(roles=["agent"])

    assert selectors.customer_lookup_for(user=agent, phone="305 555 0123") == survivor
    assert services.customer_for_sender(kind="phone", raw="+1 305 555 0123") == survivor


def test_who_may_not_read_customers_learns_nothing_of_a_merge(merged_pair):
    _, merged = merged_pair
    trainer = UserFactory(roles=["trainer"])

    with pytest.raises(NotFound, match=r"^No such customer\.$"):
        selectors.customer_get_for(user=trainer, customer_id=merged.pk)
