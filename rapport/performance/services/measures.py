"""Rollup refresh and the measurement settings behind every figure."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from rapport.core.audit import audit_record
from rapport.core.errors import ValidationFailed
from rapport.performance import rollups
from rapport.performance.models import MeasurementSettings

EDITABLE = frozenset(
    field.name
    for field in MeasurementSettings._meta.fields
    if field.name not in {"id", "created_at", "updated_at"}
)
# Settings that change what rollups hold; changing one rebuilds every day.
ROLLUP_FIELDS = frozenset(
    {
        "service_level_seconds",
        "short_abandon_seconds",
        "repeat_window_days",
        "save_window_days",
        "offer_window_days",
    }
)


def rollups_refresh(*, full: bool = False) -> dict[str, int]:
    return rollups.rollups_refresh(full=full)


def rollups_rebuild_now(*, days: int = 0, progress=None) -> dict[str, int]:
    """Rebuild every day of the ledger (or the most recent `days`) in this process, now."""
    settings_row = rollups.measurement_settings()
    todo = rollups.ledger_days()
    if days > 0:
        todo = todo[-days:]
    contacts = 0
    for done, day in enumerate(todo, start=1):
        contacts += rollups.rollup_day(day, settings_row=settings_row)
        if progress is not None:
            progress(done, len(todo), contacts)
    return {"days": len(todo), "contacts": contacts}


def rollups_rebuild_all() -> int:
    """Mark every day of the ledger for rebuilding; the rollup task does the work."""
    days = rollups.ledger_days()
    rollups.days_mark_dirty(days)
    return len(days)


@transaction.atomic
def measurement_settings_update(*, by, **changes) -> MeasurementSettings:
    settings_row = rollups.measurement_settings()
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationFailed(f"Unknown settings: {', '.join(sorted(unknown))}.")
    before = {name: getattr(settings_row, name) for name in changes}
    for name, value in changes.items():
        setattr(settings_row, name, value)
    try:
        settings_row.full_clean()
    except DjangoValidationError as exc:
        raise ValidationFailed("Some settings are not valid.", fields=exc.message_dict) from None
    settings_row.save()
    changed = {name for name in changes if before[name] != changes[name]}
    audit_record(
        actor=by,
        action="performance.settings_changed",
        target=settings_row,
        detail={name: str(changes[name]) for name in sorted(changed)},
    )
    if changed & ROLLUP_FIELDS:
        transaction.on_commit(rollups_rebuild_all)
    return settings_row
