"""Erasing a person removes the copies identity resolution kept of their details."""

import pytest

from rapport.accounts.tests.factories import UserFactory
from rapport.customers import services as customer_services
from rapport.customers.tests.factories import CustomerFactory
from rapport.identity.models import CustomerMerge, MatchPair
from rapport.identity.services import merges
from rapport.identity.tests.factories import MatchPairFactory

pytestmark = pytest.mark.django_db


def test_erasing_a_customer_deletes_their_pairs_and_scrubs_their_merges():
    admin = UserFactory(roles=["admin"])
    kept = CustomerFactory(first_name="", last_name="Okafor")
    gone = CustomerFactory(first_name="Adah", last_name="Okafor")
    other = CustomerFactory(first_name="Bola", last_name="Adeyemi")
    MatchPairFactory(
        left=min(kept, gone, key=lambda c: c.pk), right=max(kept, gone, key=lambda c: c.pk)
    )
    untouched = (
        MatchPairFactory(left=kept, right=other)
        if kept.pk < other.pk
        else MatchPairFactory(left=other, right=kept)
    )
    merge = merges.customers_merge(survivor=kept, merged=gone, by=admin)
    assert merge.survivor_before  # the survivor's empty first name was filled from the merged one
    merges.merge_undo(merge=merge, by=admin)
    gone.refresh_from_db()

    customer_services.customer_erase(customer=gone, by=admin)

    assert list(MatchPair.objects.all()) == [untouched]
    assert CustomerMerge.objects.get(pk=merge.pk).survivor_before == {}
