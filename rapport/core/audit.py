"""Write audit events. Called from services, never from views."""

from typing import Any

from django.db import models

from rapport.core.models import AuditEvent


def audit_record(
    *, actor, action: str, target: models.Model | None = None, detail: dict[str, Any] | None = None
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        detail=detail or {},
    )
