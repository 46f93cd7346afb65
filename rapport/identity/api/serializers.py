"""What the identity API reads and writes."""

import math
from collections.abc import Mapping
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rapport.customers.models import Customer
from rapport.identity.choices import FoundBy, PairStatus
from rapport.identity.models import CustomerMerge, MatchPair, MatchRun
from rapport.identity.services.merges import KEPT
from rapport.identity.services.pairs import NOTE_MAX

MAX_ID = 2**63 - 1
ALL_STATUSES = "all"
# The list's status filter: one status, or every pair.
PAIR_FILTERS = [*PairStatus.choices, (ALL_STATUSES, "Any status")]
PRIOR = "prior"  # the explanation item holding the starting weight, not a reason
TOP_REASONS = 3


def _points(value: Any) -> float:
    try:
        number = float(value or 0)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def explanation_item(raw: Any) -> dict[str, Any] | None:
    """A stored explanation item as the API shows it, whatever an engine wrote: every key
    present, text as text, points a finite number. Not a mapping: None."""
    if not isinstance(raw, Mapping):
        return None
    return {
        "field": _text(raw.get("field")),
        "left": _text(raw.get("left")),
        "right": _text(raw.get("right")),
        "level": _text(raw.get("level")),
        "points": _points(raw.get("points")),
    }


def explanation_items(pair: MatchPair) -> list[dict[str, Any]]:
    raw = pair.explanation if isinstance(pair.explanation, list) else []
    return [item for item in map(explanation_item, raw) if item is not None]


class IdentityCustomerSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = Customer
        fields = ["id", "display_name", "merged_into"]
        read_only_fields = fields


class MatchExplanationItemSerializer(serializers.Serializer):
    """One compared field: both values, how alike they are, and the points that added to (or
    took from) the score. The item with field "prior" is the starting weight."""

    field = serializers.CharField(allow_blank=True)
    left = serializers.CharField(allow_blank=True)
    right = serializers.CharField(allow_blank=True)
    level = serializers.CharField(
        allow_blank=True, help_text="How alike, in words: exact, nickname, typo, …"
    )
    points = serializers.FloatField(help_text="log2 odds this level adds (negative: takes away).")


class PairComparisonRowSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    left = serializers.CharField(allow_blank=True)
    right = serializers.CharField(allow_blank=True)
    same = serializers.BooleanField(
        allow_null=True, help_text="null when a side is empty or the row is a count."
    )
    explanation = MatchExplanationItemSerializer(allow_null=True)


class MatchPairSerializer(serializers.ModelSerializer):
    left = IdentityCustomerSerializer()
    right = IdentityCustomerSerializer()
    reasons = serializers.SerializerMethodField(
        help_text="The explanation items that added most to the score (up to three)."
    )

    class Meta:
        model = MatchPair
        fields = [
            "id", "left", "right", "score", "status", "found_by", "run", "reasons",
            "reviewed_by", "reviewed_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(MatchExplanationItemSerializer(many=True))
    def get_reasons(self, pair: MatchPair) -> Any:
        items = [i for i in explanation_items(pair) if i["field"] != PRIOR and i["points"] > 0]
        return sorted(items, key=lambda i: i["points"], reverse=True)[:TOP_REASONS]


class MatchPairDetailSerializer(MatchPairSerializer):
    """A pair with `comparison` (the rows of selectors.pair_comparison) set on it."""

    explanation = serializers.SerializerMethodField(
        help_text="Every compared field; the points of all items add up to the score's log2 odds."
    )
    comparison = serializers.SerializerMethodField(help_text="The two records side by side.")

    class Meta(MatchPairSerializer.Meta):
        fields = [*MatchPairSerializer.Meta.fields, "explanation", "comparison"]
        read_only_fields = fields

    @extend_schema_field(MatchExplanationItemSerializer(many=True))
    def get_explanation(self, pair: MatchPair) -> list[dict[str, Any]]:
        return explanation_items(pair)

    @extend_schema_field(PairComparisonRowSerializer(many=True))
    def get_comparison(self, pair: MatchPair) -> list[dict[str, Any]]:
        return [
            {
                "field": row.field,
                "label": row.label,
                "left": row.left,
                "right": row.right,
                "same": row.same,
                "explanation": explanation_item(row.explanation),
            }
            for row in getattr(pair, "comparison", [])
        ]


class CustomerMergeSerializer(serializers.ModelSerializer):
    survivor = IdentityCustomerSerializer(help_text="The record that stayed.")
    merged = IdentityCustomerSerializer(help_text="The record merged into it (kept, hidden).")
    merged_by_name = serializers.CharField(source="merged_by", default=None, allow_null=True)
    moved = serializers.SerializerMethodField(
        help_text='Row ids moved to the survivor: {"app_label.model.field": [ids]}.'
    )
    moved_counts = serializers.SerializerMethodField(help_text="How many rows moved, per key.")

    class Meta:
        model = CustomerMerge
        fields = [
            "id", "survivor", "merged", "pair", "automatic", "score", "merged_by",
            "merged_by_name", "moved", "moved_counts", "created_at", "undone_at", "undone_by",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_moved(self, merge: CustomerMerge) -> dict[str, Any]:
        return {k: v for k, v in (merge.moved or {}).items() if k != KEPT}

    @extend_schema_field(
        serializers.DictField(child=serializers.IntegerField(), help_text="Rows per key.")
    )
    def get_moved_counts(self, merge: CustomerMerge) -> dict[str, int]:
        return {k: len(v) for k, v in self.get_moved(merge).items() if isinstance(v, list)}


class MatchRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = MatchRun
        fields = [
            "id", "engine", "state", "stage", "percent", "customers", "comparisons",
            "pairs_found", "merged", "started_at", "finished_at", "failure", "created_by",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class PairListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PAIR_FILTERS, required=False, allow_blank=True)
    q = serializers.CharField(required=False, allow_blank=True, max_length=100)


class PairMergeRequestSerializer(serializers.Serializer):
    survivor_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="The customer that stays, one of the pair; left out: the reviewed or older one.",
    )


class PairDismissRequestSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=NOTE_MAX, help_text="Why not."
    )


class MatchRunStartSerializer(serializers.Serializer):
    engine = serializers.ChoiceField(choices=FoundBy.choices, default=FoundBy.SPLINK)
