"""What identity does when other apps change customers."""

from django.db.models import Q

from rapport.customers.signals import customer_erased
from rapport.identity.models import CustomerMerge, MatchPair


def scrub_erased(sender, *, customer_id: int, **kwargs) -> None:
    """A pair's explanation and a merge's earlier values hold the person's details; the pairs go
    and the merges keep only which records were involved."""
    MatchPair.objects.filter(Q(left_id=customer_id) | Q(right_id=customer_id)).delete()
    CustomerMerge.objects.filter(Q(survivor_id=customer_id) | Q(merged_id=customer_id)).update(
        survivor_before={}
    )


def connect() -> None:
    customer_erased.connect(scrub_erased, dispatch_uid="identity.scrub_erased")
