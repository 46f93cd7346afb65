"""Merging one customer record into another, keeping enough to undo it exactly.

A merge moves every row that points at the merged record to the survivor (see relations.py),
fills the survivor's empty fields from the merged record, and marks the merged record
`merged_into` the survivor. Nothing is deleted: the merged record stays, out of lists, so the
merge can be undone."""

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from rapport.core.audit import audit_record
from rapport.core.errors import Conflict, ValidationFailed
from rapport.customers.models import Customer
from rapport.customers.services import set_name_keys
from rapport.identity.choices import PairStatus
from rapport.identity.models import CustomerMerge, MatchPair
from rapport.identity.services import relations

KEPT = "kept"  # key of CustomerMerge.moved listing the rows that stayed (a unique clash)
# Survivor fields a merge fills when they are empty and the merged record has a value.
FILLED_FIELDS = (
    "first_name",
    "last_name",
    "organisation_name",
    "date_of_birth",
    "household",
    "owner",
    "lifecycle_stage",
)


@transaction.atomic
def customers_merge(
    *,
    survivor: Customer,
    merged: Customer,
    by,
    pair: MatchPair | None = None,
    automatic: bool = False,
) -> CustomerMerge:
    """Merge `merged` into `survivor` in one transaction and record what moved."""
    if survivor.pk == merged.pk:
        raise Conflict("A customer cannot be merged into itself.", code="merge_self")
    survivor, merged = _locked(survivor.pk, merged.pk)
    _refuse_merge(survivor, merged)
    if pair is not None and {pair.left_id, pair.right_id} != {survivor.pk, merged.pk}:
        raise ValidationFailed("The pair is not of these two customers.")
    reason = f"Customer {merged.pk} merged into customer {survivor.pk}"
    moved, kept = _move_all(source=merged, target=survivor, by=by, reason=reason)
    before = _fill_empty(survivor, merged)
    if before:
        set_name_keys(survivor)
        _save_with_history(survivor, by=by, reason=reason)
    merged.merged_into = survivor
    _save_with_history(merged, by=by, reason=reason, fields=["merged_into"])
    merge = CustomerMerge.objects.create(
        survivor=survivor,
        merged=merged,
        pair=pair,
        automatic=automatic,
        score=pair.score if pair is not None else None,
        merged_by=by if getattr(by, "pk", None) else None,
        moved=moved | ({KEPT: kept} if kept else {}),
        survivor_before=before,
    )
    if pair is not None:
        _pair_mark_merged(pair, by=None if automatic else by)
    audit_record(
        actor=by,
        action="identity.customers_merged",
        target=merge,
        detail={
            "survivor": survivor.pk,
            "merged": merged.pk,
            "automatic": automatic,
            "pair": pair.pk if pair is not None else None,
            "run": pair.run_id if pair is not None else None,
            "score": merge.score,
            "moved": _counts(moved),
            "kept": _counts(kept),
            "filled": sorted(before),
        },
    )
    return merge


@transaction.atomic
def merge_undo(*, merge: CustomerMerge, by) -> CustomerMerge:
    """Put back exactly what the merge moved (rows since moved elsewhere or deleted stay as
    they are), give the survivor back the fields the merge filled (unless changed since), and
    bring the merged record back into lists."""
    merge = CustomerMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise Conflict(
            f"This merge was already undone on {timezone.localtime(merge.undone_at):%Y-%m-%d %H:%M}.",
            code="merge_undone",
        )
    survivor, merged = _locked(merge.survivor_id, merge.merged_id)
    _refuse_undo(merge, survivor, merged)
    reason = f"Merge of customer {merged.pk} into customer {survivor.pk} undone"
    back: dict[str, list[Any]] = {}
    stayed: dict[str, list[Any]] = {}
    for key, ids in merge.moved.items():
        relation = relations.relation_for(key) if key != KEPT else None
        if relation is None:
            continue
        outcome = relations.rows_move(
            relation, source=survivor, target=merged, only=ids, by=by, reason=reason
        )
        _add(back, key, outcome.moved)
        _add(stayed, key, outcome.kept)
    restored, changed_since = _restore(survivor, merged, merge.survivor_before)
    if restored:
        set_name_keys(survivor)
        _save_with_history(survivor, by=by, reason=reason)
    merged.merged_into = None
    _save_with_history(merged, by=by, reason=reason, fields=["merged_into"])
    merge.undone_at, merge.undone_by = timezone.now(), by if getattr(by, "pk", None) else None
    merge.save(update_fields=["undone_at", "undone_by", "updated_at"])
    if merge.pair_id is not None:
        MatchPair.objects.filter(pk=merge.pair_id).update(
            status=PairStatus.UNDONE, updated_at=timezone.now()
        )
    audit_record(
        actor=by,
        action="identity.merge_undone",
        target=merge,
        detail={
            "survivor": survivor.pk,
            "merged": merged.pk,
            "moved_back": _counts(back),
            "left_on_survivor": _counts(stayed),
            "restored": sorted(restored),
            "changed_since": sorted(changed_since),
        },
    )
    return merge


def _locked(first_id: int, second_id: int) -> tuple[Customer, Customer]:
    """Both records read afresh and locked, in id order so two merges never deadlock."""
    rows = {
        c.pk: c
        for c in Customer.objects.select_for_update()
        .filter(pk__in=[first_id, second_id])
        .order_by("pk")
    }
    missing = {first_id, second_id} - set(rows)
    if missing:
        raise Conflict(f"Customer {min(missing)} no longer exists.", code="customer_gone")
    return rows[first_id], rows[second_id]


def _refuse_merge(survivor: Customer, merged: Customer) -> None:
    for customer in (merged, survivor):
        if customer.erased_at is not None:
            raise Conflict(
                f"Customer {customer.pk} was erased; an erased record is never merged.",
                code="merge_erased",
            )
    if merged.merged_into_id is not None:
        raise Conflict(
            f"Customer {merged.pk} was already merged into customer {merged.merged_into_id}.",
            code="merge_already_merged",
        )
    if survivor.merged_into_id is not None:
        raise Conflict(
            f"Customer {survivor.pk} was itself merged into customer {survivor.merged_into_id}; "
            f"merge into customer {survivor.merged_into_id} instead.",
            code="merge_survivor_merged",
        )


def _refuse_undo(merge: CustomerMerge, survivor: Customer, merged: Customer) -> None:
    if survivor.merged_into_id is not None:
        later = (
            CustomerMerge.objects.filter(merged=survivor, undone_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        which = f" (merge {later.pk})" if later else ""
        raise Conflict(
            f"Customer {survivor.pk} has since been merged into customer "
            f"{survivor.merged_into_id}{which}; undo that merge first.",
            code="undo_survivor_merged",
        )
    if merged.merged_into_id != survivor.pk:
        raise Conflict(
            f"Customer {merged.pk} is no longer merged into customer {survivor.pk}.",
            code="undo_not_merged",
        )


def _move_all(
    *, source: Customer, target: Customer, by, reason: str
) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    moved: dict[str, list[Any]] = {}
    kept: dict[str, list[Any]] = {}
    for relation in relations.customer_relations():
        outcome = relations.rows_move(relation, source=source, target=target, by=by, reason=reason)
        _add(moved, relation.key, outcome.moved)
        _add(kept, relation.key, outcome.kept)
    return moved, kept


def _add(into: dict[str, list[Any]], key: str, ids: list[Any]) -> None:
    if ids:
        into[key] = [_json_id(pk) for pk in ids]


def _json_id(pk: Any) -> Any:
    return pk if isinstance(pk, int | str) else str(pk)


def _counts(by_key: dict[str, list[Any]]) -> dict[str, int]:
    return {key: len(ids) for key, ids in by_key.items()}


def _field(name: str) -> models.Field:
    field = Customer._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _fill_empty(survivor: Customer, merged: Customer) -> dict[str, Any]:
    """Copy the merged record's values into the survivor's empty fields; return the survivor's
    earlier values of the fields filled (JSON-ready)."""
    before: dict[str, Any] = {}
    for name in FILLED_FIELDS:
        attname = _field(name).attname
        mine, theirs = getattr(survivor, attname), getattr(merged, attname)
        if _empty(mine) and not _empty(theirs):
            before[name] = mine  # empty: None or blank text, so JSON as it is
            setattr(survivor, attname, theirs)
    return before


def _restore(
    survivor: Customer, merged: Customer, before: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """Give back the survivor's earlier values, but only where it still holds what the merge
    put there: an edit made since the merge is someone's later decision and stays."""
    restored, changed_since = [], []
    for name, earlier in before.items():
        field = _field(name)
        attname = field.attname
        if getattr(survivor, attname) != getattr(merged, attname):
            changed_since.append(name)
            continue
        setattr(survivor, attname, field.to_python(earlier))
        restored.append(name)
    return restored, changed_since


def _save_with_history(
    customer: Customer, *, by, reason: str, fields: list[str] | None = None
) -> None:
    """Save so simple_history writes its row, naming who and why."""
    customer._change_reason = reason  # type: ignore[attr-defined]
    if getattr(by, "pk", None):
        customer._history_user = by  # type: ignore[attr-defined]
    if fields is None:
        customer.save()
    else:
        customer.save(update_fields=[*fields, "updated_at"])


def _pair_mark_merged(pair: MatchPair, *, by) -> None:
    pair.status = PairStatus.MERGED
    pair.reviewed_by = by if getattr(by, "pk", None) else None
    pair.reviewed_at = timezone.now()
    pair.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
