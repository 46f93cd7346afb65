"""Reads of merges, for stewards only."""

from django.db.models import QuerySet

from rapport.core.errors import NotFound
from rapport.identity.models import CustomerMerge
from rapport.identity.selectors.access import is_steward


def merges_for(*, user, undone: bool | None = None) -> QuerySet[CustomerMerge]:
    """Merges newest first; `undone` True/False keeps only undone/standing ones."""
    if not is_steward(user):
        return CustomerMerge.objects.none()
    merges = CustomerMerge.objects.select_related(
        "survivor", "merged", "pair", "merged_by", "undone_by"
    )
    if undone is not None:
        merges = merges.filter(undone_at__isnull=not undone)
    return merges.order_by("-created_at", "-id")


def merge_get_for(*, user, merge_id: int) -> CustomerMerge:
    try:
        return merges_for(user=user).get(pk=merge_id)
    except (CustomerMerge.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such merge.") from None
