"""Property: merge then undo leaves every row where it was, whatever the two records hold."""

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.cases.tests.factories import CaseFactory
from rapport.customers.models import Customer
from rapport.customers.tests.factories import (
    ContactPointFactory,
    CustomerFactory,
    HoldingFactory,
    NoteFactory,
)
from rapport.identity.services.merges import KEPT, customers_merge, merge_undo
from rapport.identity.services.relations import customer_relations
from rapport.insights.models import ChurnRisk
from rapport.interactions.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db

MAKERS = {
    "case": CaseFactory,
    "note": NoteFactory,
    "interaction": InteractionFactory,
    "contact point": ContactPointFactory,
    "holding": HoldingFactory,
}


def owners(customers: list[Customer]) -> dict[tuple[str, object], int]:
    """(relation, row id) -> the customer id it points at, for every row of these customers."""
    ids = [c.pk for c in customers]
    found = {}
    for relation in customer_relations():
        attname = relation.field.attname
        rows = relation.rows.filter(**{f"{attname}__in": ids}).values_list("pk", attname)
        for pk, owner in rows:
            found[(relation.key, pk)] = owner
    return found


holdings = st.dictionaries(st.sampled_from(sorted(MAKERS)), st.integers(0, 3))


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    survivor_has=holdings,
    merged_has=holdings,
    risks=st.tuples(st.booleans(), st.booleans()),
)
def test_merge_then_undo_is_the_identity(steward, survivor_has, merged_has, risks):
    survivor: Customer = CustomerFactory()
    merged: Customer = CustomerFactory()
    bystander: Customer = CustomerFactory()
    for customer, has in ((survivor, survivor_has), (merged, merged_has), (bystander, merged_has)):
        for kind, count in has.items():
            MAKERS[kind].create_batch(count, customer=customer)
    for customer, at_risk in zip((survivor, merged), risks, strict=True):
        if at_risk:
            ChurnRisk.objects.create(
                customer=customer, score=0.5, band="medium", computed_at=timezone.now()
            )
    before = owners([survivor, merged, bystander])

    merge = customers_merge(survivor=survivor, merged=merged, by=steward)
    during = owners([survivor, merged, bystander])
    merge_undo(merge=merge, by=steward)

    assert owners([survivor, merged, bystander]) == before
    kept = {(key, pk) for key, ids in merge.moved.get(KEPT, {}).items() for pk in ids}
    still_on_merged = {row for row, owner in during.items() if owner == merged.pk}
    assert still_on_merged == kept
    assert (len(kept) == 1) == all(risks)
    assert {row for row, owner in during.items() if owner == bystander.pk} == {
        row for row, owner in before.items() if owner == bystander.pk
    }
