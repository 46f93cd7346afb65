"""Reads of the success definition: its versions, the one in force, and how far rebuilding got.

Published versions are company policy that everyone may read. A draft is an admin's work in
progress: only admins see it; to everyone else it does not exist.
"""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from rapport.core.errors import NotFound
from rapport.core.roles import is_admin
from rapport.performance import rollups
from rapport.performance.models import RollupDirtyDay, SuccessDefinition, SuccessRollup


def success_definitions_for(*, viewer) -> QuerySet[SuccessDefinition]:
    """Every version the viewer may see, newest first."""
    rows = SuccessDefinition.objects.select_related("created_by", "published_by").order_by(
        "-version"
    )
    if is_admin(viewer):
        return rows
    return rows.filter(effective_from__isnull=False)


def success_definition_get_for(*, viewer, definition_id: int) -> SuccessDefinition:
    found = success_definitions_for(viewer=viewer).filter(pk=definition_id).first()
    if found is None:
        raise NotFound("No such version of the success definition.")
    return found


def success_published() -> list[SuccessDefinition]:
    """Published versions, oldest first, with who published them."""
    return list(
        SuccessDefinition.objects.filter(effective_from__isnull=False)
        .select_related("published_by")
        .order_by("effective_from")
    )


def success_in_force(
    published: list[SuccessDefinition], on: datetime.date | None = None
) -> SuccessDefinition | None:
    return rollups.definition_for(on or timezone.localdate(), published)


def success_draft_open() -> SuccessDefinition | None:
    return SuccessDefinition.objects.filter(effective_from__isnull=True).first()


def success_latest_day() -> datetime.date | None:
    """The newest day any version has judged contacts on."""
    return SuccessRollup.objects.order_by("-day").values_list("day", flat=True).first()


@dataclass(frozen=True)
class RebuildProgress:
    """How many ledger days still wait for their rollups to be rebuilt."""

    pending: int
    total: int

    @property
    def done(self) -> int:
        return max(0, self.total - self.pending)

    @property
    def percent(self) -> int:
        if self.total <= 0:
            return 100
        return min(100, self.done * 100 // self.total)


def rollup_rebuild_progress() -> RebuildProgress:
    pending = RollupDirtyDay.objects.count()
    if not pending:
        return RebuildProgress(pending=0, total=0)
    # Dirty days outside the ledger's span (a contact moved away) still count as work to do.
    return RebuildProgress(pending=pending, total=max(pending, len(rollups.ledger_days())))


def success_parts_in_words(definition: SuccessDefinition) -> list[str]:
    """What a contact must be to count as a success under this version, one sentence a part."""
    words = []
    if definition.require_resolved:
        words.append(
            "It ended resolved: the issue was settled, information was given or a sale was made."
        )
    if definition.repeat_window_days:
        days = definition.repeat_window_days
        words.append(
            f"The same customer did not contact us again for the same reason within {days} "
            f"day{'s' if days != 1 else ''}, on any channel."
        )
    if definition.forbid_escalation:
        words.append("It was not escalated.")
    if definition.forbid_transfer:
        words.append("It was not transferred.")
    if definition.min_survey_score:
        words.append(
            f"When the customer answered a survey, they scored it at least "
            f"{definition.min_survey_score} of 5 (contacts nobody surveyed are judged on the "
            "rest)."
        )
    return words


def success_parts_changed(
    definition: SuccessDefinition, previous: SuccessDefinition | None
) -> list[str]:
    """The parts this version words differently from the one before it."""
    if previous is None:
        return []
    before, now = success_parts_in_words(previous), success_parts_in_words(definition)
    return [f"Dropped: {line}" for line in before if line not in now] + [
        f"Added: {line}" for line in now if line not in before
    ]
