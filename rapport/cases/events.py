"""Case timeline rows, written explicitly by the services."""

from datetime import datetime
from typing import Any

from rapport.cases.models import Case, CaseEvent


def case_event(*, case: Case, kind: str, at: datetime, actor=None, **detail: Any) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        detail=detail,
    )
