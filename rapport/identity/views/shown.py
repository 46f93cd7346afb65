"""How the identity pages present a pair, a merge and a run: small readings of the models that
the templates cannot make themselves."""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rapport.customers import selectors as customer_selectors
from rapport.identity.choices import RunState
from rapport.identity.models import CustomerMerge, MatchPair, MatchRun
from rapport.identity.selectors import pairs as pair_selectors
from rapport.identity.selectors import runs as run_selectors
from rapport.identity.selectors.pairs import ComparisonRow
from rapport.identity.services import relations
from rapport.identity.services.merges import KEPT

TOP_REASONS = 3
UNFINISHED = (RunState.QUEUED, RunState.RUNNING)
PRIOR = "prior"  # the explanation's starting weight for any two customers
COUNT_FIELDS = ("interactions", "cases")
# Labels of explanation fields the comparison rows do not name themselves.
FIELD_LABELS = {
    **dict(pair_selectors.PROFILE_FIELDS),
    **{field: label for _, field, label in pair_selectors.CONTACT_ROWS},
    "email": "E-mail",
    "phone": "Phone",
    "address": "Address",
    "organisation": "Organisation",
    "household": "Household",
    PRIOR: "Any two customers",
}


def label_of(field: str) -> str:
    return FIELD_LABELS.get(field) or field.replace("_", " ").capitalize()


def points_of(item: Mapping[str, Any] | None) -> float:
    try:
        number = float((item or {}).get("points") or 0)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


@dataclass(frozen=True)
class Reason:
    """One explanation item as shown: "E-mail: exact, +9.1"."""

    field: str
    label: str
    level: str
    points: float
    left: str = ""
    right: str = ""


def reason_of(item: Mapping[str, Any]) -> Reason:
    field = str(item.get("field") or "")
    return Reason(
        field=field,
        label=label_of(field),
        level=str(item.get("level") or ""),
        points=points_of(item),
        left=str(item.get("left") or ""),
        right=str(item.get("right") or ""),
    )


def _items(pair: MatchPair) -> list[Mapping[str, Any]]:
    explanation = pair.explanation if isinstance(pair.explanation, list) else []
    return [item for item in explanation if isinstance(item, Mapping)]


def reasons_of(pair: MatchPair, limit: int = TOP_REASONS) -> list[Reason]:
    """The fields that added most to the pair's score (those that took points away left out)."""
    items = [i for i in _items(pair) if i.get("field") != PRIOR and points_of(i) > 0]
    return [reason_of(i) for i in sorted(items, key=points_of, reverse=True)[:limit]]


@dataclass(frozen=True)
class ShownRow:
    """One row of the side-by-side table, with what the comparison said of its field."""

    field: str
    label: str
    left: str
    right: str
    same: bool | None
    reason: Reason | None

    @classmethod
    def of(cls, row: ComparisonRow) -> "ShownRow":
        item = row.explanation if isinstance(row.explanation, Mapping) else None
        reason = reason_of(item) if item is not None else None
        return cls(row.field, row.label, row.left, row.right, row.same, reason)


@dataclass(frozen=True)
class PairShown:
    """The comparison page's content: the field rows (each with its explanation), the counts of
    history on each side, explanation items no row shows, the starting weight and the total."""

    rows: list[ShownRow]
    counts: list[ComparisonRow]
    other_reasons: list[Reason]
    prior: Reason | None
    total_points: float

    def count(self, field: str, side: str) -> int:
        for row in self.counts:
            if row.field == field:
                return int(getattr(row, side) or 0)
        return 0


def pair_shown(pair: MatchPair, *, user) -> PairShown:
    comparison = pair_selectors.pair_comparison(pair)
    rows = [row for row in comparison if row.field not in COUNT_FIELDS]
    counts = [row for row in comparison if row.field in COUNT_FIELDS]
    products = _products_row(pair, user=user)
    if products is not None:
        rows.append(products)
    shown = {id(row.explanation) for row in rows if row.explanation is not None}
    items = _items(pair)
    prior = next((i for i in items if i.get("field") == PRIOR), None)
    others = [i for i in items if id(i) not in shown and i is not prior]
    return PairShown(
        rows=[ShownRow.of(row) for row in rows],
        counts=counts,
        other_reasons=[reason_of(i) for i in others],
        prior=reason_of(prior) if prior is not None else None,
        total_points=round(sum(points_of(i) for i in items), 2),
    )


def _products_row(pair: MatchPair, *, user) -> ComparisonRow | None:
    held: dict[int, list[str]] = {pair.left_id: [], pair.right_id: []}
    holdings = customer_selectors.holdings_for(user=user).filter(
        customer_id__in=[pair.left_id, pair.right_id]
    )
    for holding in holdings.order_by("product__name", "id"):
        ended = f", ended {holding.ended_on:%Y-%m-%d}" if holding.ended_on else ""
        held[holding.customer_id].append(
            f"{holding.product.name} (since {holding.since:%Y-%m-%d}{ended})"
        )
    left, right = held[pair.left_id], held[pair.right_id]
    if not left and not right:
        return None
    same = None if not (left and right) else sorted(left) == sorted(right)
    return ComparisonRow("products", "Products", "; ".join(left), "; ".join(right), same)


def survivor_labels(pair: MatchPair, shown: PairShown) -> dict[int, str]:
    """What each record brings, so the choice of the one that stays is informed."""

    def label(side: str) -> str:
        customer = getattr(pair, side)
        interactions, cases = shown.count("interactions", side), shown.count("cases", side)
        return (
            f"{customer} — customer {customer.pk}, on file since "
            f"{customer.created_at:%Y-%m-%d}; {interactions} interaction"
            f"{'' if interactions == 1 else 's'}, {cases} case{'' if cases == 1 else 's'}"
        )

    return {pair.left_id: label("left"), pair.right_id: label("right")}


def current_run(*, user) -> MatchRun | None:
    """The batch run queued or running now, if any (one runs at a time)."""
    return run_selectors.runs_for(user=user).filter(state__in=UNFINISHED).first()


@dataclass(frozen=True)
class Moved:
    """What a merge moved of one kind of record: "3 interactions"."""

    label: str
    count: int


def _words(key: str, count: int) -> str:
    """A moved key ("app_label.model.field") in words: the model's own name."""
    relation = relations.relation_for(key)
    if relation is None:
        return key.split(".")[1] if "." in key else key
    opts = relation.model._meta
    return str(opts.verbose_name if count == 1 else opts.verbose_name_plural)


def moved_of(merge: CustomerMerge) -> list[Moved]:
    """What moved to the survivor, by kind of record, most first."""
    counts: dict[str, int] = {}
    for key, ids in (merge.moved or {}).items():
        if key == KEPT or not isinstance(ids, Sequence) or isinstance(ids, str) or not ids:
            continue
        label = _words(str(key), len(ids))
        counts[label] = counts.get(label, 0) + len(ids)
    return sorted(
        (Moved(label=label, count=n) for label, n in counts.items()),
        key=lambda m: (-m.count, m.label),
    )
