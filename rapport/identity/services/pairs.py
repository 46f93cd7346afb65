"""A steward's decisions on a pair: the same customer (merge) or not (dismiss)."""

from django.db import transaction
from django.utils import timezone

from rapport.core.audit import audit_record
from rapport.core.errors import Conflict, ValidationFailed
from rapport.customers.models import Customer
from rapport.identity.choices import PairStatus
from rapport.identity.models import CustomerMerge, MatchPair
from rapport.identity.services.merges import customers_merge

NOTE_MAX = 500


def survivor_default(pair: MatchPair) -> Customer:
    """The record that stays when nobody chose: the one a person has checked (not marked for
    review, as records made from an unknown sender are), else the older one."""
    left, right = pair.left, pair.right
    if left.needs_review != right.needs_review:
        return right if left.needs_review else left
    return left if left.pk < right.pk else right


@transaction.atomic
def pair_merge(*, pair: MatchPair, by, survivor_id: int | None = None) -> CustomerMerge:
    """Merge the pair's two customers; `survivor_id` (one of the two) is the record that stays."""
    pair = _locked(pair)
    if pair.status == PairStatus.MERGED:
        raise Conflict("These two customers were already merged.", code="pair_merged")
    if survivor_id is None:
        survivor = survivor_default(pair)
    elif survivor_id in (pair.left_id, pair.right_id):
        survivor = pair.left if survivor_id == pair.left_id else pair.right
    else:
        raise ValidationFailed(
            "Choose one of the pair's two customers to keep.",
            fields={"survivor": ["One of the two customers of the pair."]},
        )
    merged = pair.right if survivor.pk == pair.left_id else pair.left
    return customers_merge(survivor=survivor, merged=merged, by=by, pair=pair)


@transaction.atomic
def pair_dismiss(*, pair: MatchPair, by, note: str = "") -> MatchPair:
    """Record that the two are different customers; a later run will not bring them back."""
    pair = _locked(pair)
    if pair.status == PairStatus.MERGED:
        raise Conflict(
            "These two customers were merged; undo the merge to mark them as different.",
            code="pair_merged",
        )
    if pair.status == PairStatus.DISMISSED:
        raise Conflict(
            "This pair is already marked as not the same customer.", code="pair_dismissed"
        )
    note = " ".join(note.split())
    if len(note) > NOTE_MAX:
        raise ValidationFailed(
            f"Keep the note under {NOTE_MAX} characters.",
            fields={"note": [f"At most {NOTE_MAX} characters."]},
        )
    earlier = pair.status
    pair.status = PairStatus.DISMISSED
    pair.reviewed_by, pair.reviewed_at = by, timezone.now()
    pair.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
    audit_record(
        actor=by,
        action="identity.pair_dismissed",
        target=pair,
        detail={
            "left": pair.left_id,
            "right": pair.right_id,
            "score": pair.score,
            "was": earlier,
            "note": note,
        },
    )
    return pair


def _locked(pair: MatchPair) -> MatchPair:
    try:
        return (
            MatchPair.objects.select_for_update(of=("self",))
            .select_related("left", "right")
            .get(pk=pair.pk)
        )
    except MatchPair.DoesNotExist:
        raise Conflict("This pair no longer exists.", code="pair_gone") from None
