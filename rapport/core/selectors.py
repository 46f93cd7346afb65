"""Reads of the audit trail: admins only."""

from django.db.models import QuerySet

from rapport.core.models import AuditEvent
from rapport.core.roles import is_admin


def audit_events_for(*, user, action: str = "") -> QuerySet[AuditEvent]:
    if not is_admin(user):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.select_related("actor")
    return events.filter(action__startswith=action) if action else events


def audit_actions_for(*, user) -> list[str]:
    if not is_admin(user):
        return []
    return sorted(AuditEvent.objects.order_by().values_list("action", flat=True).distinct())
