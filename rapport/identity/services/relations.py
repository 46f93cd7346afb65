"""Every row elsewhere that points at a customer, found from the model graph, and how to move
such rows from one customer to another without breaking a unique constraint.

The relations are discovered, not listed, so a model added later with a foreign key to
Customer is carried along by merges without anyone remembering to add it here."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.exceptions import NotHistoricalModelError
from simple_history.models import HistoricalChanges
from simple_history.utils import bulk_update_with_history, get_history_manager_for_model

from rapport.customers.models import Customer

CHUNK = 500  # ids per statement: well under every backend's limit on query parameters
IDENTITY_APP = "identity"


@dataclass(frozen=True)
class Relation:
    """One foreign key to Customer: `model.field`."""

    model: type[models.Model]
    field: models.ForeignKey

    @property
    def key(self) -> str:
        """How CustomerMerge.moved names it: "app_label.model.field"."""
        return f"{self.model._meta.label_lower}.{self.field.name}"

    @property
    def rows(self) -> models.QuerySet:
        return self.model._base_manager.all()


@dataclass
class Outcome:
    """Ids of the rows that moved, and of those left where they were (a unique clash)."""

    moved: list[Any]
    kept: list[Any]


def customer_relations() -> list[Relation]:
    """Foreign keys to Customer whose rows belong with the person. Left out: change history
    (it records the past as it was), identity's own pairs and merges (they name both records
    on purpose) and Customer.merged_into (the link a merge itself sets)."""
    merged_into = Customer._meta.get_field("merged_into")
    found = []
    for rel in Customer._meta.get_fields(include_hidden=True):
        if not isinstance(rel, models.ForeignObjectRel) or rel.many_to_many:
            continue
        model, field = rel.related_model, rel.field
        if not isinstance(model, type) or not isinstance(field, models.ForeignKey):
            continue
        if (
            field is merged_into
            or issubclass(model, HistoricalChanges)
            or model._meta.app_label == IDENTITY_APP
            or not model._meta.managed
            or model._meta.proxy
        ):
            continue
        found.append(Relation(model=model, field=field))
    return sorted(found, key=lambda relation: relation.key)


def relation_for(key: str) -> Relation | None:
    """The relation a CustomerMerge.moved key names, or None when the model or field is gone."""
    app_label, _, rest = key.partition(".")
    model_name, _, field_name = rest.partition(".")
    try:
        model = apps.get_model(app_label, model_name)
        field = model._meta.get_field(field_name)
    except (LookupError, FieldDoesNotExist):
        return None
    if not isinstance(field, models.ForeignKey) or field.related_model is not Customer:
        return None
    return Relation(model=model, field=field)


def rows_move(
    relation: Relation,
    *,
    source: Customer,
    target: Customer,
    only: Sequence[Any] | None = None,
    by=None,
    reason: str,
) -> Outcome:
    """Point the rows of `relation` that point at `source` (all, or those of `only`) at
    `target`. A row that would repeat a value the target must hold once stays on `source`."""
    field = relation.field
    rows = relation.rows.filter(**{field.attname: _key_of(field, source)})
    ids = _ids(rows, only)
    if not ids:
        return Outcome(moved=[], kept=[])
    clashing = _clashes(relation, ids, target)
    movable = [pk for pk in ids if pk not in clashing]
    moved, refused = _update(relation, movable, target=target, by=by, reason=reason)
    return Outcome(moved=moved, kept=sorted(clashing, key=str) + refused)


def _key_of(field: models.ForeignKey, customer: Customer) -> Any:
    return getattr(customer, field.target_field.attname)


def _ids(rows: models.QuerySet, only: Sequence[Any] | None) -> list[Any]:
    if only is None:
        return list(rows.order_by("pk").values_list("pk", flat=True))
    found: list[Any] = []
    for chunk in _chunks(list(only)):
        found.extend(rows.filter(pk__in=chunk).order_by("pk").values_list("pk", flat=True))
    return found


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _unique_sets(relation: Relation) -> list[tuple[list[models.Field], Q | None]]:
    """The unique constraints a change of this foreign key can break: those that include it."""
    opts, field = relation.model._meta, relation.field
    sets: list[tuple[list[models.Field], Q | None]] = []
    if field.unique:
        sets.append(([field], None))
    for names in opts.unique_together:
        if field.name in names:
            sets.append(([opts.get_field(name) for name in names], None))  # type: ignore[misc]
    for constraint in opts.constraints:
        if isinstance(constraint, models.UniqueConstraint) and field.name in constraint.fields:
            fields = [opts.get_field(name) for name in constraint.fields]
            sets.append((fields, constraint.condition))  # type: ignore[arg-type]
    return sets


def _clashes(relation: Relation, ids: list[Any], target: Customer) -> set[Any]:
    """Rows among `ids` that the target already has the equal of under a unique constraint.
    NULLs never clash (SQL treats them as distinct)."""
    field = relation.field
    clashing: set[Any] = set()
    for fields, condition in _unique_sets(relation):
        others = [f.attname for f in fields if f is not field]
        theirs = relation.rows.filter(**{field.attname: _key_of(field, target)})
        mine = relation.rows.all()
        if condition is not None:
            theirs, mine = theirs.filter(condition), mine.filter(condition)
        if not others:
            if theirs.exists():
                clashing.update(_ids(mine, ids))
            continue
        taken = {tuple(v) for v in theirs.values_list(*others) if None not in v}
        for chunk in _chunks(ids):
            for pk, *values in mine.filter(pk__in=chunk).values_list("pk", *others):
                if None not in values and tuple(values) in taken:
                    clashing.add(pk)
    return clashing


def _update(
    relation: Relation, ids: list[Any], *, target: Customer, by, reason: str
) -> tuple[list[Any], list[Any]]:
    """Move in chunks; a chunk a constraint we could not foresee refuses (one made of
    expressions, say) is retried row by row, and the rows it still refuses stay."""
    moved: list[Any] = []
    refused: list[Any] = []
    for chunk in _chunks(ids):
        try:
            with transaction.atomic():
                _write(relation, chunk, target=target, by=by, reason=reason)
            moved.extend(chunk)
        except IntegrityError:
            for pk in chunk:
                try:
                    with transaction.atomic():
                        _write(relation, [pk], target=target, by=by, reason=reason)
                    moved.append(pk)
                except IntegrityError:
                    refused.append(pk)
    return moved, refused


def _write(relation: Relation, ids: Sequence[Any], *, target: Customer, by, reason: str) -> None:
    field, model = relation.field, relation.model
    value = _key_of(field, target)
    stamp = _auto_now_field(model)
    try:
        get_history_manager_for_model(model)
    except NotHistoricalModelError:
        changes = {field.attname: value} | ({stamp: timezone.now()} if stamp else {})
        relation.rows.filter(pk__in=ids).update(**changes)
        return
    # Tracked models get a history row per moved row, as a save() would write.
    objs = list(relation.rows.filter(pk__in=ids))
    now = timezone.now()
    for obj in objs:
        setattr(obj, field.attname, value)
        if stamp:
            setattr(obj, stamp, now)
    bulk_update_with_history(
        objs,
        model,
        [field.name, *([stamp] if stamp else [])],
        default_user=by if getattr(by, "pk", None) else None,
        default_change_reason=reason,
        manager=model._base_manager,
    )


def _auto_now_field(model: type[models.Model]) -> str:
    for field in model._meta.concrete_fields:
        if getattr(field, "auto_now", False):
            return field.attname
    return ""
