"""Writes of the success definition: drafts, their parts, publishing and discarding.

A published version never changes and never takes effect in the past: every interaction keeps
the verdict of the version in force on its day, and a new version only adds another verdict
to compare with.
"""

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from rapport.core.audit import audit_record
from rapport.core.errors import Conflict, PermissionDenied, ValidationFailed
from rapport.core.roles import is_admin
from rapport.performance.models import SuccessDefinition
from rapport.performance.services import measures

# The parts an admin edits; a draft copies them from the version it is based on.
PARTS = (
    "require_resolved",
    "repeat_window_days",
    "forbid_escalation",
    "forbid_transfer",
    "min_survey_score",
)
EDITABLE = frozenset({"name", "notes", *PARTS})
REPEAT_WINDOW = (1, 90)
SURVEY_SCORE = (1, 5)


def _require_admin(by, action: str) -> None:
    if not is_admin(by):
        raise PermissionDenied(f"Only admins may {action} the success definition.")


def _locked(definition: SuccessDefinition) -> SuccessDefinition:
    """The row as stored now, locked: a stale instance must not slip past the draft check."""
    found = SuccessDefinition.objects.select_for_update().filter(pk=definition.pk).first()
    if found is None:
        raise Conflict("This draft was discarded meanwhile.")
    return found


def _require_draft(definition: SuccessDefinition) -> None:
    if not definition.is_draft:
        raise Conflict(
            f"Version {definition.version} is published and never changes; start a new draft."
        )


@transaction.atomic
def success_definition_draft(*, by, based_on: SuccessDefinition | None = None) -> SuccessDefinition:
    """Open the next version as a draft, with the parts of `based_on` or of the latest version."""
    _require_admin(by, "draft")
    open_draft = SuccessDefinition.objects.filter(effective_from__isnull=True).first()
    if open_draft is not None:
        raise Conflict(
            f"Version {open_draft.version} is already being drafted; finish or discard it first."
        )
    source = based_on or SuccessDefinition.objects.order_by("-version").first()
    version = (SuccessDefinition.objects.aggregate(top=Max("version"))["top"] or 0) + 1
    draft = SuccessDefinition(
        version=version, name=source.name if source else "Successful interaction", created_by=by
    )
    if source is not None:
        for part in PARTS:
            setattr(draft, part, getattr(source, part))
    try:
        with transaction.atomic():
            draft.save()
    except IntegrityError:  # another admin opened the same version at the same moment
        raise Conflict("Someone else just started a draft; open it instead.") from None
    audit_record(
        actor=by,
        action="performance.success_drafted",
        target=draft,
        detail={"version": version, "based_on": source.version if source else None},
    )
    return draft


def _parts_problems(values: dict[str, Any]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    window, score = values["repeat_window_days"], values["min_survey_score"]
    if window is not None and not REPEAT_WINDOW[0] <= window <= REPEAT_WINDOW[1]:
        problems["repeat_window_days"] = ["Give a number of days from 1 to 90, or leave it empty."]
    if score is not None and not SURVEY_SCORE[0] <= score <= SURVEY_SCORE[1]:
        problems["min_survey_score"] = ["Give a score from 1 to 5, or leave it empty."]
    if not (values["name"] or "").strip():
        problems["name"] = ["Give the version a name."]
    enabled = (
        values["require_resolved"]
        or window is not None
        or values["forbid_escalation"]
        or values["forbid_transfer"]
        or score is not None
    )
    if not enabled:
        problems["__all__"] = [
            "Turn on at least one part: a definition without parts judges nothing."
        ]
    return problems


def _validate(definition: SuccessDefinition) -> None:
    problems = _parts_problems({name: getattr(definition, name) for name in EDITABLE})
    if problems:
        message = (problems.get("__all__") or ["Some parts are not valid."])[0]
        raise ValidationFailed(message, fields=problems)


@transaction.atomic
def success_definition_update(*, by, definition: SuccessDefinition, **parts) -> SuccessDefinition:
    """Change a draft's name, notes or parts; published versions never change."""
    _require_admin(by, "edit")
    unknown = set(parts) - EDITABLE
    if unknown:
        raise ValidationFailed(f"Not a part of the definition: {', '.join(sorted(unknown))}.")
    current = _locked(definition)
    _require_draft(current)
    before = {name: getattr(current, name) for name in parts}
    for name, value in parts.items():
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    _validate(current)
    current.save()
    changed = {
        name: str(getattr(current, name))
        for name in sorted(parts)
        if before[name] != getattr(current, name)
    }
    audit_record(
        actor=by,
        action="performance.success_draft_changed",
        target=current,
        detail={"version": current.version, "changed": changed},
    )
    return current


@transaction.atomic
def success_definition_publish(
    *, by, definition: SuccessDefinition, effective_from: datetime.date
) -> SuccessDefinition:
    """Put a draft in force from a day that has not passed; every day is then judged again so
    both versions' verdicts exist for the whole history (the days' own verdicts stay)."""
    _require_admin(by, "publish")
    current = _locked(definition)
    _require_draft(current)
    _validate(current)
    today = timezone.localdate()
    if effective_from < today:
        raise ValidationFailed(
            "A version cannot take effect in the past: that would rewrite history.",
            fields={"effective_from": [f"Choose {today:%Y-%m-%d} or later."]},
        )
    latest = (
        SuccessDefinition.objects.filter(effective_from__isnull=False)
        .order_by("-effective_from")
        .first()
    )
    if latest is not None and latest.effective_from and effective_from <= latest.effective_from:
        raise ValidationFailed(
            f"Version {latest.version} takes effect on {latest.effective_from:%Y-%m-%d}; "
            "a new version must start after it.",
            fields={"effective_from": [f"Choose a day after {latest.effective_from:%Y-%m-%d}."]},
        )
    current.effective_from = effective_from
    current.published_by = by
    current.published_at = timezone.now()
    try:
        with transaction.atomic():
            current.save()
    except IntegrityError:  # another version was published for the same day meanwhile
        raise Conflict("Another version takes effect on that day; choose a later one.") from None
    audit_record(
        actor=by,
        action="performance.success_published",
        target=current,
        detail={"version": current.version, "effective_from": effective_from.isoformat()},
    )
    transaction.on_commit(measures.rollups_rebuild_all)
    return current


@transaction.atomic
def success_definition_discard(*, by, definition: SuccessDefinition) -> None:
    _require_admin(by, "discard a draft of")
    current = _locked(definition)
    _require_draft(current)
    audit_record(
        actor=by,
        action="performance.success_draft_discarded",
        target=current,
        detail={"version": current.version, "name": current.name},
    )
    current.delete()
