"""The confidences that decide what goes to review and what merges without it."""

import math

from django.db import transaction

from rapport.core.audit import audit_record
from rapport.core.errors import ValidationFailed
from rapport.identity.models import IdentitySettings


def identity_settings() -> IdentitySettings:
    """The one settings row, made with the defaults the first time it is asked for."""
    row = IdentitySettings.objects.order_by("pk").first()
    if row is None:
        # A fixed key, so two first requests at once make one row, not two.
        row, _ = IdentitySettings.objects.get_or_create(pk=1)
    return row


def _confidence(value: float | None, *, field: str, label: str) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationFailed(
            f"{label} must be a number.", fields={field: ["Not a number."]}
        ) from None
    if math.isnan(number) or not 0 <= number <= 1:
        raise ValidationFailed(
            f"{label} must be between 0 and 1 (0 % and 100 %).",
            fields={field: ["Between 0 and 1."]},
        )
    return number


@transaction.atomic
def identity_settings_update(
    *, by, review_at: float, auto_merge_at: float | None
) -> IdentitySettings:
    """Set the review and automatic-merge confidences. Automatic merging is never below review:
    a pair merged unreviewed must have been worth a review in the first place."""
    review = _confidence(review_at, field="review_at", label="The review confidence")
    if review is None:
        raise ValidationFailed(
            "The review confidence is required.", fields={"review_at": ["Required."]}
        )
    auto = _confidence(auto_merge_at, field="auto_merge_at", label="The automatic-merge confidence")
    if auto is not None and auto < review:
        raise ValidationFailed(
            "The automatic-merge confidence must be at least the review confidence.",
            fields={"auto_merge_at": ["At least the review confidence."]},
        )
    row = IdentitySettings.objects.select_for_update().get(pk=identity_settings().pk)
    before = {"review_at": row.review_at, "auto_merge_at": row.auto_merge_at}
    row.review_at, row.auto_merge_at, row.updated_by = review, auto, by
    row.save()
    after = {"review_at": row.review_at, "auto_merge_at": row.auto_merge_at}
    audit_record(
        actor=by,
        action="identity.settings_changed",
        target=row,
        detail={k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]},
    )
    return row
